#!/usr/bin/env python3
"""Paravent integration tests: boot the ISO under QEMU and check what users rely on.

Boots are expensive under TCG, so each boot carries many checks:
  - the ISO four ways: {SeaBIOS, OVMF} x {CD, USB stick}: boot menu, dom0 userspace, the
    live root (overlay, writable, over a read-only squashfs), /dev/kvm and a real KVM_RUN,
    the dom0 networks;
  - the "copied to RAM" menu entry: the root still works after the CD is ejected;
  - no boot medium: a clear message and a rescue shell, not a kernel panic;
  - reproducibility: a second build from the same sources gives the same ISO bytes.
Ends with one line "N passed, N failed".
"""

import argparse
import glob
import hashlib
import os
import re
import socket
import subprocess
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from qemu import Machine, TimeoutError_  # noqa: E402
import demo_checks  # noqa: E402
import migration_checks  # noqa: E402
import net_checks  # noqa: E402
import toolstack_checks  # noqa: E402
import vmm_checks  # noqa: E402

BOOT_TIMEOUT = int(os.environ.get("PARAVENT_BOOT_TIMEOUT", "420"))


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.figures = []

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("  ok    %s" % name, flush=True)
        else:
            self.failed += 1
            print("  FAIL  %s%s" % (name, ("\n        " + detail.replace("\n", "\n        ")) if detail else ""),
                  flush=True)
        return ok

    def mark(self):
        return (self.passed, self.failed, len(self.figures))

    def void_since(self, mark):
        """Forgets the checks and figures since mark (a boot to be run again)."""
        self.passed, self.failed = mark[0], mark[1]
        del self.figures[mark[2]:]


def once_more_if_dom0_dies(r, label, boot):
    """Runs boot(r), one boot of the ISO and its checks, which returns what dom0's kernel said
    if it died (Machine.dom0_death) or None. dom0 dying is a known fault of nested virtualization
    under QEMU's TCG (issue 3, docs/hypervisor.md, Known problems): then the whole boot runs
    again, once; its first try's results are void, the death is printed in full and counted in
    the figures. A second death, or any failure in the second try, fails."""
    mark = r.mark()
    died = boot(r)
    if not died:
        r.figures.append((label, "dom0 deaths under nested TCG (issue 3)", "0"))
        return
    print("  note  %s: dom0 died; the checks of this boot since it started are void and the boot "
          "runs again, once. What dom0 said:\n        %s" % (label, died[-5000:].replace("\n", "\n        ")),
          flush=True)
    r.void_since(mark)
    print("== boot %s again" % label, flush=True)
    again = boot(r)
    if again:
        r.check("%s: dom0 survives the boot's checks (it died in both tries)" % label, False, again[-3000:])
    r.figures.append((label, "dom0 deaths under nested TCG (issue 3)", "2" if again else "1 (boot run again)"))


def sh_check(r, m, name, command, want_rc=0, want=None, timeout=60, diag=None):
    """Runs command in dom0 and checks its status and output. On a failure the detail also
    holds what the shell command `diag` prints (logs, processes), since CI keeps only the
    test's output."""
    try:
        rc, out = m.sh(command, timeout)
    except TimeoutError_ as e:
        return r.check(name, False, str(e)[-800:])
    ok = rc == want_rc and (want is None or re.search(want, out) is not None)
    detail = "command: %s\nexit status %d, output:\n%s" % (command, rc, out[-800:])
    if not ok and diag:
        try:
            detail += "\n-- diagnostics (%s):\n%s" % (diag, m.sh(diag, 60)[1][-2500:])
        except TimeoutError_:
            detail += "\n-- diagnostics: no answer"
    return r.check(name, ok, detail)


def boot_to_ready(r, m, version, label, at_boot_menu=None):
    m.start()
    if at_boot_menu:
        at_boot_menu(m)
    try:
        m.console.wait(r"Paravent %s ready" % re.escape(version), BOOT_TIMEOUT)
        secs = m.elapsed()
        r.check("%s: dom0 reached userspace (\"Paravent %s ready\" after %.0f s)" % (label, version, secs), True)
        r.figures.append((label, "QEMU start to 'ready'", "%.1f s" % secs))
        return True
    except TimeoutError_ as e:
        r.check("%s: dom0 reached userspace" % label, False, str(e)[-1500:])
        return False


def live_system_checks(r, m, label, media_dev):
    text = m.console.text()
    r.check("%s: boot menu shown on the serial console" % label,
            "Paravent live" in text and "copied to RAM" in text, text[:600])
    r.check("%s: no kernel panic or oops" % label,
            not re.search(r"Kernel panic|Oops|BUG:", text), text[-800:])
    sh_check(r, m, "%s: root shell on ttyS1 (paravent.shell=ttyS1)" % label, "uname -r", want=r"-paravent")
    sh_check(r, m, "%s: booted from the expected medium" % label,
             "cat /run/paravent/medium", want=r"device=%s\b" % media_dev)
    sh_check(r, m, "%s: root is an overlay over the squashfs" % label,
             "grep -E '^overlay / overlay .*lowerdir=/run/live/rootfs' /proc/mounts")
    sh_check(r, m, "%s: squashfs mounted read-only underneath" % label,
             "grep -E '^/dev/loop[0-9]+ /run/live/rootfs squashfs ro[,\\ ]' /proc/mounts")
    sh_check(r, m, "%s: the squashfs refuses writes" % label,
             "touch /run/live/rootfs/etc/x 2>&1", want_rc=1, want=r"Read-only file system")
    sh_check(r, m, "%s: the overlay root is writable" % label,
             "echo written > /etc/paravent-test && cat /etc/paravent-test && rm /etc/paravent-test", want=r"^written$")
    sh_check(r, m, "%s: /dev/kvm exists" % label, "test -c /dev/kvm")
    sh_check(r, m, "%s: KVM works (KVM_CREATE_VM + KVM_RUN)" % label, "paravent-kvm-check",
             want=r"KVM works", timeout=120)
    sh_check(r, m, "%s: br0 bridges the wired NIC" % label,
             "ls /sys/class/net/br0/brif/", want=r"eth0")
    sh_check(r, m, "%s: br0 got an address by DHCP" % label,
             "for i in $(seq 60); do ip -4 addr show br0 | grep -q 'inet 10.0.2.' && break; sleep 1; done; ip -4 addr show br0",
             want=r"inet 10\.0\.2\.\d+/24", timeout=90)
    sh_check(r, m, "%s: host-only pvbr0 at 10.80.0.1 with its DHCP server" % label,
             "ip -4 addr show pvbr0 && pidof udhcpd", want=r"inet 10\.80\.0\.1/24")


def debian_kernel_disk(workdir, build):
    """A FAT image holding Debian's stock kernel and initrd (installed by scripts/deps.sh),
    given to one dom0 as a second disk so that paravent-vmm can boot them; and the VMM's
    debug build (make test builds it), whose test hooks never go on the ISO."""
    kernels = sorted(glob.glob("/boot/vmlinuz-*-amd64"))
    if not kernels:
        return None
    kernel = kernels[-1]
    initrd = kernel.replace("vmlinuz", "initrd.img")
    img = os.path.join(workdir, "debian-kernel.img")
    kib = (os.path.getsize(kernel) + os.path.getsize(initrd)) * 11 // 10 // 1024 + 4096
    if os.path.exists(img):
        os.unlink(img)
    subprocess.run(["mkfs.fat", "-C", "-n", "DEBKERNEL", img, str(kib)], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["mcopy", "-i", img, kernel, "::/vmlinuz"], check=True)
    subprocess.run(["mcopy", "-i", img, initrd, "::/initrd.img"], check=True)
    debug_vmm = os.path.join(build, "test-bin", "paravent-vmm-debug")
    if os.path.exists(debug_vmm):
        subprocess.run(["mcopy", "-i", img, debug_vmm, "::/paravent-vmm-debug"], check=True)
    return img


def test_boot_matrix(r, args, version, build_id):
    for firmware in ("bios", "uefi"):
        for media in ("cdrom", "usb"):
            label = "%s-%s" % (firmware, "cd" if media == "cdrom" else "usb")
            if args.only == {"demos"} and label != "uefi-cd":
                continue
            once_more_if_dom0_dies(r, label, lambda r_: boot_matrix_one(r_, args, version, firmware, media, label))


def boot_matrix_one(r, args, version, firmware, media, label):
    """One boot of the matrix and its checks; returns what dom0 said if it died, else None."""
    print("== boot %s" % label, flush=True)
    extra = []
    if label == "bios-cd" and args.debian_disk:
        extra = [args.debian_disk]
    # One boot runs the ISO's default entry as people get it: the demo guests start.
    # bios-usb boots the "dom0 only" entry, chosen with the arrow keys; the others
    # ask for no demo, so that the checks they carry have dom0 to themselves.
    demos = label == "uefi-cd"
    dom0_only = label == "bios-usb"
    options = "paravent.shell=ttyS1" + ("" if demos or dom0_only else " paravent.autostart=none")
    m = Machine(label, args.workdir, iso=args.iso, firmware=firmware, media=media, disks=extra,
                options=options)
    try:
        if boot_to_ready(r, m, version, label, choose_dom0_only if dom0_only else None):
            live_system_checks(r, m, label, "sr0" if media == "cdrom" else "sd[a-z]+[0-9]*")
            if demos and (not args.only or "demos" in args.only or "matrix" in args.only):
                print("== demo guests in the %s dom0" % label, flush=True)
                demo_checks.run(r, m, sh_check)
            if dom0_only:
                sh_check(r, m, "%s: the 'dom0 only' entry, chosen with the arrow keys, starts no demo" % label,
                         "grep -o 'paravent.autostart=none' /proc/cmdline; sleep 5; "
                         "paravent list | tail -n +2 | wc -l", want=r"^paravent.autostart=none\n1$")
            if label == "bios-cd" and (not args.only or "vmm" in args.only):
                print("== paravent-vmm in the %s dom0" % label, flush=True)
                vmm_checks.run(r, m, sh_check, debian=bool(extra))
                print("== guest networking in the %s dom0" % label, flush=True)
                net_checks.run(r, m, sh_check)
                print("== paraventd and paravent in the %s dom0" % label, flush=True)
                toolstack_checks.run(r, m, sh_check)
                _, faults = m.sh("cat /tmp/early-faults 2>/dev/null")
                if faults.strip():
                    print("  note  guests started again after an early triple fault (issue 3):\n        "
                          + faults.strip().replace("\n", "\n        "), flush=True)
                r.figures.append((label, "guest starts repeated after an early triple fault (issue 3)",
                                  str(len([f for f in faults.splitlines() if f.strip()]))))
    except Exception:
        r.check("%s: test harness" % label, False, traceback.format_exc() + m.death_report())
    finally:
        died = m.dom0_death()
        m.stop()
    return died


def choose_dom0_only(m):
    """At the boot menu, the third entry ("dom0 only"), with the arrow keys as a person would."""
    m.console.wait(r"dom0 only", 120)
    time.sleep(1)
    for key in ("\x1b[B", "\x1b[B", "\r"):
        m.console.send(key)
        time.sleep(0.5)


def test_two_hosts(r, args, version):
    once_more_if_dom0_dies(r, "two-hosts", lambda r_: two_hosts_once(r_, args, version))


def two_hosts_once(r, args, version):
    """Two dom0s joined by a QEMU socket network, as two PCs on one LAN: live migration.
    Returns what a dom0 said if it died, else None."""
    print("== two hosts (two QEMUs of the ISO on one socket network): migration", flush=True)
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    opts = "paravent.shell=ttyS1 paravent.autostart=none"
    a = Machine("host-a", args.workdir, iso=args.iso, options=opts, extra_args=[
        "-netdev", "socket,id=lan,listen=127.0.0.1:%d" % port, "-device", "virtio-net-pci,netdev=lan,mac=52:54:00:77:00:01"])
    b = Machine("host-b", args.workdir, iso=args.iso, options=opts, extra_args=[
        "-netdev", "socket,id=lan,connect=127.0.0.1:%d" % port, "-device", "virtio-net-pci,netdev=lan,mac=52:54:00:77:00:02"])
    try:
        a.start()
        time.sleep(1)
        b.start()
        up = True
        for m in (a, b):
            try:
                m.console.wait(r"Paravent %s ready" % re.escape(version), BOOT_TIMEOUT)
                r.check("two hosts: %s reached userspace" % m.name, True)
            except TimeoutError_ as e:
                r.check("two hosts: %s reached userspace" % m.name, False, str(e)[-1500:])
                up = False
        if up:
            migration_checks.run(r, a, b, sh_check)
    except Exception:
        r.check("two hosts: test harness", False, traceback.format_exc() + a.death_report() + b.death_report())
    finally:
        died = a.dom0_death() or b.dom0_death()
        a.stop()
        b.stop()
    return died


def test_toram(r, args, version, guest_kernel):
    label = "toram"
    print("== boot %s (menu entry 'copied to RAM', then eject the CD)" % label, flush=True)
    m = Machine(label, args.workdir, iso=args.iso, firmware="bios", media="cdrom")
    try:
        m.start()
        # Pick the second menu entry with the arrow keys, as a person would.
        m.console.wait(r"copied to RAM", 120)
        time.sleep(1)
        m.console.send("\x1b[B")
        time.sleep(0.5)
        m.console.send("\r")
        m.console.wait(r"Paravent %s ready" % re.escape(version), BOOT_TIMEOUT)
        r.check("toram: booted from the 'copied to RAM' entry", "toram: done" in m.console.text(),
                m.console.text()[-1000:])
        sh_check(r, m, "toram: the medium is released", "cat /run/paravent/medium; grep -c /run/live/medium /proc/mounts",
                 want_rc=1, want=r"toram=1")
        sh_check(r, m, "toram: root image is on tmpfs", "grep ' /run/live/toram tmpfs' /proc/mounts")
        out = m.monitor("eject -f cd0")
        r.check("toram: CD ejected through the QEMU monitor", "error" not in out.lower(), out)
        sh_check(r, m, "toram: dom0 sees no medium in the drive",
                 "dd if=/dev/sr0 of=/dev/null bs=2048 count=1 2>&1", want_rc=1)
        want = hashlib.sha256(open(guest_kernel, "rb").read()).hexdigest()
        sh_check(r, m, "toram: root still readable after the eject (caches dropped)",
                 "sync; echo 3 > /proc/sys/vm/drop_caches; sha256sum /usr/share/paravent/kernels/guest-bzImage",
                 want=want)
        sh_check(r, m, "toram: programs still start", "busybox true && paravent-kvm-check -q")
    except Exception:
        r.check("toram: test harness", False, traceback.format_exc() + m.death_report())
    finally:
        m.stop()


def test_no_kvm(r, args, version):
    """The default entry on a CPU without virtualization (QEMU -cpu max,-svm): dom0 boots, the
    demos are not attempted, and the console and the menu say why."""
    label = "no-kvm"
    print("== boot %s (the default entry on a CPU without AMD-V)" % label, flush=True)
    m = Machine(label, args.workdir, iso=args.iso, options="paravent.shell=ttyS1", cpu="max,-svm,-vmx")
    try:
        if boot_to_ready(r, m, version, label):
            try:
                m.console.wait(r"demos: not starting the demo guests: KVM unusable[^\n]*", 60)
                m.console.wait(r"demos: enable Intel VT-x or AMD-V \(SVM\) in the firmware setup", 30)
                m.console.wait(r"KVM: NOT USABLE", 30)
                m.console.wait(r"No guest can run: KVM unusable", 30)
                m.console.wait(r"Enable Intel VT-x or AMD-V \(SVM\) in the firmware setup", 30)
                r.check("no-kvm: the console and the menu say KVM is unusable, why, and how to fix it", True)
            except Exception as e:
                r.check("no-kvm: the console and the menu say KVM is unusable, why, and how to fix it", False,
                        str(e)[-1200:])
            try:
                start = m.console.mark()
                m.console.send("i")
                m.console.wait(r"KVM: NOT usable[^\n]*\n\s*KVM unusable: \S", 30, start)
                m.console.send("q")
                r.check("no-kvm: the menu's host info says KVM is not usable, and why", True)
            except Exception as e:
                r.check("no-kvm: the menu's host info says KVM is not usable, and why", False, str(e)[-1200:])
            sh_check(r, m, "no-kvm: no demo was started, and paraventd says why on /host",
                     "paravent list | tail -n +2 | wc -l; paravent info", want=r"^1\n[\s\S]*kvm\s+: NOT usable: KVM unusable")
    except Exception:
        r.check("no-kvm: test harness", False, traceback.format_exc() + m.death_report())
    finally:
        m.stop()


def test_missing_medium(r, args, build_id):
    label = "no-medium"
    print("== boot %s (dom0 kernel and initramfs, no boot medium, a foreign FAT disk)" % label, flush=True)
    fat = os.path.join(args.workdir, "foreign-fat.img")
    if os.path.exists(fat):
        os.unlink(fat)
    subprocess.run(["mkfs.fat", "-C", fat, "8192"], check=True, stdout=subprocess.DEVNULL)
    m = Machine(label, args.workdir, kernel=os.path.join(args.build, "dom0/bzImage"),
                initrd=os.path.join(args.build, "initramfs.img"),
                append="console=ttyS0,115200 paravent.media_timeout=3", options=None, disks=[fat])
    try:
        m.start()
        m.console.wait(r"\(rescue\) # ", 240)
        text = m.console.text()
        r.check("no-medium: says the medium was not found, and after how long",
                "boot medium was not found within 3 s" in text, text[-1500:])
        r.check("no-medium: says what was looked for", "/live/build-%s" % build_id in text, text[-1500:])
        r.check("no-medium: says where it looked (the foreign disk, and why not)",
                re.search(r"vda \(vfat, no marker", text) is not None, text[-1500:])
        r.check("no-medium: no kernel panic", "Kernel panic" not in text, text[-800:])
        start = m.console.mark()
        m.console.send("echo rescue-$((6*7))\r")
        try:
            m.console.wait(r"rescue-42", 30, start)
            r.check("no-medium: the rescue shell runs commands", True)
        except TimeoutError_ as e:
            r.check("no-medium: the rescue shell runs commands", False, str(e))
    except Exception:
        r.check("no-medium: test harness", False, traceback.format_exc())
    finally:
        m.stop()


def test_reproducible(r, args):
    print("== reproducibility (a second build of the ISO from the same sources)", flush=True)
    p = subprocess.run(["scripts/check-reproducible.sh", args.iso], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    r.check("reproducible: two builds give byte-identical ISOs", p.returncode == 0, p.stdout[-1500:])
    p = subprocess.run(["scripts/check-guest-images-nonroot.sh", os.path.join(args.build, "busybox/busybox")],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    r.check("guest images: every demo's disk image builds without root (as nobody), byte for byte as root's",
            p.returncode == 0 and ("built as nobody" in p.stdout or "not root" in p.stdout), p.stdout[-1500:])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iso", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--only", default="", help="comma-separated: matrix,vmm,demos,twohosts,toram,nokvm,nomedium,repro")
    args = ap.parse_args()
    args.workdir = args.workdir or os.path.join(args.build, "test")
    args.only = set(filter(None, args.only.split(",")))
    os.makedirs(args.workdir, exist_ok=True)
    version = open("VERSION").read().strip()
    build_id = open(os.path.join(args.build, "build-id")).read().strip()
    only = args.only
    r = Results()
    t0 = time.monotonic()
    args.debian_disk = debian_kernel_disk(args.workdir, args.build)
    r.check("Debian's stock kernel is installed for the guest tests (scripts/deps.sh)",
            args.debian_disk is not None, "no /boot/vmlinuz-*-amd64: run make deps")
    if not only or "matrix" in only or "vmm" in only or "demos" in only:
        test_boot_matrix(r, args, version, build_id)
    if not only or "twohosts" in only:
        test_two_hosts(r, args, version)
    if not only or "toram" in only:
        test_toram(r, args, version, os.path.join(args.build, "guest/bzImage"))
    if not only or "nokvm" in only:
        test_no_kvm(r, args, version)
    if not only or "nomedium" in only:
        test_missing_medium(r, args, build_id)
    if not only or "repro" in only:
        test_reproducible(r, args)
    print("\nFigures (QEMU TCG on this machine):")
    for label, what, value in r.figures:
        print("  %-10s %-24s %s" % (label, what, value))
    print("integration tests took %.0f s; logs in %s" % (time.monotonic() - t0, args.workdir))
    print("integration: %d passed, %d failed" % (r.passed, r.failed))
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
