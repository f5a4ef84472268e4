#!/usr/bin/env python3
"""make bench: the boot figures of docs/benchmarks.md, measured on this machine.

Every figure is taken under the same QEMU (TCG, -cpu max, 2 vCPUs, 2 GiB), so only ratios
and counts mean much; absolute times under emulation are noisy.
  - ISO size;
  - QEMU start -> "Run /init as init process" for the dom0 kernel + initramfs and for Debian's
    own linux-image-amd64 kernel with its initrd (the ratio is the figure);
  - QEMU start -> "Paravent VERSION ready" booting the ISO (BIOS, CD);
  - inside that dom0: paravent-vmm launch -> the minimal guest's init (the boot marker), and
    the vCPU exits it took;
  - inside that dom0, paravent-vmm next to its peer, QEMU -M microvm with KVM (the build
    host's QEMU on a disk, tests/bench/in-dom0.sh): launch -> guest init, resident memory
    beyond guest RAM, user-space exits per 4 KiB virtio-blk read, sequential read MB/s.
Each boot is repeated --runs times; medians are reported."""

import argparse
import glob
import os
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
from qemu import Machine  # noqa: E402


def debian_kernel():
    """Debian's stock kernel and initrd, installed as a package if missing."""
    kernels = sorted(glob.glob("/boot/vmlinuz-*-amd64"))
    if not kernels:
        print(">>> installing Debian's linux-image-amd64 for the reference boot", flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "linux-image-amd64", "initramfs-tools"],
                       check=True, env=env, stdout=subprocess.DEVNULL)
        kernels = sorted(glob.glob("/boot/vmlinuz-*-amd64"))
    k = kernels[-1]
    return k, k.replace("vmlinuz", "initrd.img")


def time_to(machine, pattern, timeout=300):
    machine.start()
    try:
        machine.console.wait(pattern, timeout)
        return machine.elapsed()
    finally:
        machine.stop()


def dd_rate(line):
    """MB/s (10^6 bytes) from BusyBox dd's "N bytes (..) copied, S seconds, R/s" line."""
    m = re.search(r"(\d+) bytes .*copied, ([\d.]+) seconds", line)
    return int(m.group(1)) / float(m.group(2)) / 1e6 if m and float(m.group(2)) > 0 else None


def rss_beyond(line):
    m = re.search(r"beyond_kib=(\d+)", line)
    return int(m.group(1)) if m else None


def migration_rows(vals):
    """Live migration in one dom0, paravent-vmm to paravent-vmm next to QEMU to QEMU."""
    rows = []
    med = statistics.median
    for kind, what in (("idle", "idle"), ("dirty", "dirtying 4 MiB/s")):
        ours = [re.search(r"(\d+) rounds?, ([\d.]+) MB, last round \d+ pages, downtime (\d+) ms, total (\d+) ms", v)
                for v in vals.get("mig_vmm_" + kind, [])]
        ours = [m for m in ours if m]
        theirs = [dict(kv.split("=", 1) for kv in v.split() if "=" in kv) for v in vals.get("mig_qemu_" + kind, [])]
        theirs = [t for t in theirs if t.get("status") == "completed" and "downtime" in t]
        if ours:
            rows.append(("live migration in dom0, minimal guest (128 MiB) %s, paravent-vmm: downtime / total" % what,
                         "%d ms / %d ms (%.1f MB, %s rounds)" % (med(int(m.group(3)) for m in ours),
                                                               med(int(m.group(4)) for m in ours),
                                                               med(float(m.group(2)) for m in ours), ours[0].group(1))))
        split = [re.search(r"sent in (\d+) ms", v) for v in vals.get("mig_vmm_split_" + kind, [])]
        split = [int(m.group(1)) for m in split if m]
        if split:
            rows.append(("  of that downtime, sending the last pages and the state (what QEMU's figure counts)",
                         "%d ms" % med(split)))
        parts = [re.findall(r"([\d.]+) ms", v) for v in vals.get("mig_vmm_sending_" + kind, [])]
        parts = [[float(x) for x in p] for p in parts if len(p) == 5]
        if parts:
            rows.append(("  of that, devices quiesced / dirty log read / last pages gathered / state gathered / "
                         "all written to the link",
                         " / ".join("%.1f ms" % med(p[i] for p in parts) for i in range(5))))
        recv = [(re.search(r"state loaded in ([\d.]+) ms", v), re.search(r"confined in ([\d.]+) ms", v))
                for v in vals.get("mig_vmm_receiver_" + kind, [])]
        recv = [(float(a.group(1)), float(b.group(1))) for a, b in recv if a and b]
        if recv:
            rows.append(("  the receiver: state loaded (inside the downtime) / confined (before the stream)",
                         "%.1f ms / %.1f ms" % (
                med(r[0] for r in recv), med(r[1] for r in recv))))
        if theirs:
            rows.append(("  the same, QEMU -M microvm (downtime-limit 100 ms): its downtime (the sender's part) "
                         "/ total", "%d ms / %d ms (%.1f MB of RAM)"
                         % (med(int(t["downtime"]) for t in theirs), med(int(t["total"]) for t in theirs),
                            med(int(t.get("kbytes", 0)) for t in theirs) / 1000)))
        seen = [int(t["seen"]) for t in theirs if "seen" in t]
        if seen:
            rows.append(("  QEMU's pause as its guest sees it (sender's STOP to receiver's RESUME)",
                         "%d ms" % med(seen)))
        if ours and seen and med(seen) > 0:
            rows.append(("  downtime ratio paravent-vmm / QEMU, the pause as the guest sees it (goal <= 0.5)",
                         "%.2f" % (med(int(m.group(3)) for m in ours) / med(seen))))
        if split and theirs and med(int(t["downtime"]) for t in theirs) > 0:
            rows.append(("  the same ratio, the sender's part only (QEMU's own downtime figure)", "%.2f" % (
                med(split) / med(int(t["downtime"]) for t in theirs))))
        if not theirs and vals.get("mig_qemu_" + kind):
            rows.append(("  QEMU's migration", "did not complete: %s" % vals["mig_qemu_" + kind][0]))
    return rows


def flood_rows(vals):
    """The UART flood reproduction (issue 3, docs/hypervisor.md "Known problems"): how often
    the guest failed (died or wedged, during its boot or the flood) under each VMM, with its
    console output through two relays or written straight to a file."""
    rows = []
    for vmm, name in (("vmm", "paravent-vmm"), ("qemu", "QEMU -M microvm -enable-kvm")):
        for how, what in (("relay", "through two relays (loopback TCP, two threads each)"),
                          ("direct", "written straight to a file")):
            got = vals.get("flood_%s_%s" % (vmm, how), [])
            if got:
                failed = sum(1 for v in got if not v.startswith("alive"))
                rows.append(("UART flood 60 s, console output %s: %s guests that failed" % (what, name),
                             "%d of %d" % (failed, len(got))))
    return rows


def peer_rows(m, runs, part="all"):
    """Runs in-dom0.sh from the peer disk (dom0's /dev/vda) and turns its lines into rows."""
    rc, out = m.sh("mkdir -p /mnt/peer && mount -t squashfs -o ro /dev/vda /mnt/peer && "
                   "/mnt/peer/in-dom0.sh %d %s" % (runs, part), 3600)
    print(out, flush=True)
    vals = {}
    for line in out.splitlines():
        key, _, value = line.partition(" ")
        vals.setdefault(key, []).append(value.strip())
    med = statistics.median
    rows = []

    def nums(key, conv=float):
        got = [conv(v) for v in vals.get(key, []) if v]
        return [g for g in got if g is not None]
    bv, bq = nums("boot_vmm"), nums("boot_qemu")
    if bv and bq:
        rows.append(("in dom0, launch -> minimal guest init, paravent-vmm (1 vCPU, 128 MiB)", "%.2f s" % med(bv)))
        rows.append(("  the same under QEMU -M microvm -enable-kvm", "%.2f s" % med(bq)))
        rows.append(("  ratio paravent-vmm / QEMU (goal <= 0.5)", "%.2f" % (med(bv) / med(bq))))
    rv, rq = nums("vmm_rss", rss_beyond), nums("qemu_rss", rss_beyond)
    if rv:
        rows.append(("resident memory beyond guest RAM, paravent-vmm (goal < 3 MiB)", "%.1f MiB" % (rv[0] / 1024)))
    if nums("vmm_stats_rss_vmm_kib"):
        rows.append(("  the same by the VMM's own stats (rss_vmm_kib)", "%.1f MiB" % (nums("vmm_stats_rss_vmm_kib")[0] / 1024)))
    if rq:
        rows.append(("  the same, QEMU -M microvm", "%.1f MiB" % (rq[0] / 1024)))
    reads, exits = nums("vmm_small_reads", int), nums("vmm_small_exits", int)
    if reads and exits and reads[0] > 0:
        rows.append(("user-space exits per 4 KiB virtio-blk read (goal 0)", "%.3f (%d exits, %d reads)"
                     % (exits[0] / reads[0], exits[0], reads[0])))
    sv, sq = nums("vmm_seq", dd_rate), nums("qemu_seq", dd_rate)
    if sv and sq:
        rows.append(("sequential read, 1 MiB O_DIRECT, paravent-vmm", "%.0f MB/s" % med(sv)))
        rows.append(("  the same, QEMU -M microvm (virtio-mmio)", "%.0f MB/s" % med(sq)))
        rows.append(("  ratio paravent-vmm / QEMU (goal >= 1.0)", "%.2f" % (med(sv) / med(sq))))
    def rate(key, field, unit):
        got = []
        for v in vals.get(key, []):
            mv = re.search(r"%s=(\d+) seconds=([\d.]+)" % field, v)
            if mv and float(mv.group(2)) > 0:
                got.append(int(mv.group(1)) / float(mv.group(2)) / unit)
        return got
    tcp = {k: rate(k + "_tcp", "tcp_bytes", 1e6) for k in ("vmm_vhost", "vmm_user", "qemu_vhost")}
    udp = {k: rate(k + "_udp", "udp_packets", 1e3) for k in ("vmm_vhost", "vmm_user", "qemu_vhost")}
    names = {"vmm_vhost": "paravent-vmm, vhost-net", "vmm_user": "paravent-vmm, user-space back-end",
             "qemu_vhost": "QEMU -M microvm, vhost-net"}
    for title, table, unit in (("guest -> dom0 TCP throughput", tcp, "MB/s"),
                               ("guest -> dom0 64-byte UDP datagrams", udp, "k/s")):
        for k in ("vmm_vhost", "vmm_user", "qemu_vhost"):
            if table[k]:
                rows.append(("%s, %s" % (title, names[k]) if k == "vmm_vhost" else "  the same, %s" % names[k],
                             "%.1f %s" % (med(table[k]), unit)))
        if table["vmm_vhost"] and table["qemu_vhost"]:
            rows.append(("  ratio paravent-vmm / QEMU, both vhost-net (goal >= 1.0)",
                         "%.2f" % (med(table["vmm_vhost"]) / med(table["qemu_vhost"]))))
    ex = [re.match(r"(\d+) packets (\d+)", v) for v in vals.get("vmm_vhost_exits", [])]
    ex = [(int(x.group(1)), int(x.group(2))) for x in ex if x and int(x.group(2)) > 0]
    if ex:
        e, p = sum(x[0] for x in ex), sum(x[1] for x in ex)
        rows.append(("exits to paravent-vmm per packet sent, vhost-net (goal 0)", "%.4f (%d exits, %d packets)"
                     % (e / p, e, p)))
    rows += migration_rows(vals)
    rows += flood_rows(vals)
    if rc != 0 or "bench done" not in out:
        rows.append(("peer comparison", "INCOMPLETE (exit %s), see the output above" % rc))
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only-peer", action="store_true", help="only the comparison with QEMU in dom0")
    ap.add_argument("--peer-part", default="all", choices=("all", "net", "migrate", "flood"),
                    help="with --only-peer: only these figures of the comparison")
    args = ap.parse_args()
    work = os.path.join(args.build, "bench")
    os.makedirs(work, exist_ok=True)
    iso = os.path.join(args.build, "paravent.iso")
    version = open("VERSION").read().strip()
    rows = []

    rows.append(("ISO size", "%.1f MiB" % (os.path.getsize(iso) / 2**20)))

    peer = os.path.join(work, "peer.squashfs")
    if args.only_peer:
        m = Machine("iso-peer", work, iso=iso, disks=(peer,))
        m.start()
        try:
            m.console.wait(r"Paravent %s ready" % re.escape(version), 300)
            rows += peer_rows(m, args.runs, args.peer_part)
        finally:
            m.stop()
        report(rows, args.runs)
        return
    kernel, initrd = debian_kernel()
    ours, theirs, ready, guest, exits, peer_result = [], [], [], [], [], []
    for i in range(args.runs):
        m = Machine("dom0-init", work, kernel=os.path.join(args.build, "dom0/bzImage"),
                    initrd=os.path.join(args.build, "initramfs.img"),
                    append="console=ttyS0,115200 paravent.media_timeout=1", options=None)
        ours.append(time_to(m, r"Run /init as init process"))
        m = Machine("debian-init", work, kernel=kernel, initrd=initrd,
                    append="console=ttyS0,115200", options=None)
        theirs.append(time_to(m, r"Run /init as init process"))
        m = Machine("iso-ready", work, iso=iso, disks=(peer,) if i == 0 else ())
        m.start()
        try:
            m.console.wait(r"Paravent %s ready" % re.escape(version), 300)
            ready.append(m.elapsed())
            rc, out = m.sh("paravent-vmm --kernel /usr/share/paravent/kernels/guest-bzImage "
                           "--initrd /usr/share/paravent/guests/minimal.cpio.zst "
                           "--cmdline 'console=ttyS0 quiet minimal.action=poweroff' </dev/null 2>&1 >/dev/null",
                           600)
            b = re.search(r"guest init reached (\d+\.\d+) s", out)
            e = re.search(r"(\d+) vCPU exits", out)
            if b and e:
                guest.append(float(b.group(1)))
                exits.append(int(e.group(1)))
            if i == 0:
                peer_result = peer_rows(m, args.runs)
        finally:
            m.stop()

    med = statistics.median
    rows.append(("dom0 kernel + initramfs: QEMU start -> init", "%.1f s" % med(ours)))
    rows.append(("Debian %s + its initrd: QEMU start -> init" % os.path.basename(kernel), "%.1f s" % med(theirs)))
    rows.append(("ratio dom0 / Debian (lower is better)", "%.2f" % (med(ours) / med(theirs))))
    rows.append(("ISO (BIOS, CD): QEMU start -> 'Paravent %s ready'" % version, "%.1f s" % med(ready)))
    if guest:
        rows.append(("paravent-vmm in dom0: launch -> minimal guest init (1 vCPU, quiet)", "%.2f s" % med(guest)))
        rows.append(("vCPU exits to the VMM for that boot and poweroff", "%d" % med(exits)))
    rows += peer_result
    report(rows, args.runs)


def report(rows, runs):
    print("\nBoot figures (QEMU TCG -cpu max on this machine, median of %d runs):" % runs)
    for name, value in rows:
        print("  %-70s %s" % (name, value))


if __name__ == "__main__":
    main()
