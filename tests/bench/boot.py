#!/usr/bin/env python3
"""make bench: the boot figures of docs/benchmarks.md, measured on this machine.

Every figure is taken under the same QEMU (TCG, -cpu max, 2 vCPUs, 2 GiB), so only ratios
and counts mean much; absolute times under emulation are noisy.
  - ISO size;
  - QEMU start -> "Run /init as init process" for the dom0 kernel + initramfs and for Debian's
    own linux-image-amd64 kernel with its initrd (the ratio is the figure);
  - QEMU start -> "Paravent VERSION ready" booting the ISO (BIOS, CD);
  - inside that dom0: paravent-vmm launch -> the minimal guest's init (the boot marker), and
    the vCPU exits it took.
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = os.path.join(args.build, "bench")
    os.makedirs(work, exist_ok=True)
    iso = os.path.join(args.build, "paravent.iso")
    version = open("VERSION").read().strip()
    rows = []

    rows.append(("ISO size", "%.1f MiB" % (os.path.getsize(iso) / 2**20)))

    kernel, initrd = debian_kernel()
    ours, theirs, ready, guest, exits = [], [], [], [], []
    for i in range(args.runs):
        m = Machine("dom0-init", work, kernel=os.path.join(args.build, "dom0/bzImage"),
                    initrd=os.path.join(args.build, "initramfs.img"),
                    append="console=ttyS0,115200 paravent.media_timeout=1", options=None)
        ours.append(time_to(m, r"Run /init as init process"))
        m = Machine("debian-init", work, kernel=kernel, initrd=initrd,
                    append="console=ttyS0,115200", options=None)
        theirs.append(time_to(m, r"Run /init as init process"))
        m = Machine("iso-ready", work, iso=iso)
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
    print("\nBoot figures (QEMU TCG -cpu max on this machine, median of %d runs):" % args.runs)
    for name, value in rows:
        print("  %-70s %s" % (name, value))


if __name__ == "__main__":
    main()
