"""paravent-vmm inside dom0: the checks that need a running dom0 with KVM.

They run in one of the ISO boots (each guest boot is seconds to a minute under nested
emulation) and use the minimal guest (guest-images/minimal) and the guest kernel that dom0
carries."""

import re
import struct

KERNEL = "/usr/share/paravent/kernels/guest-bzImage"
INITRD = "/usr/share/paravent/guests/minimal.cpio.zst"
VMM = "paravent-vmm --kernel %s --initrd %s --memory 128" % (KERNEL, INITRD)


# Shell: run_vmm LOG CMD... runs a guest's VMM with its messages in LOG (a link to the current
# run's LOG.1 or LOG.2, readable while it runs), and once more if the
# guest triple-faulted before reaching init: the intermittent early fault of docs/hypervisor.md
# ("Known problems", issue 3), which has nothing to do with what these checks look at. Every
# retry is counted in /tmp/early-faults, and the tests report the count; a second fault fails
# the check as before.
RUN_VMM = ("run_vmm() { log=$1; shift; for try in 1 2; do ln -sf $log.$try $log; \"$@\" 2>$log.$try; rc=$?; "
           "if [ $rc = 4 ] && [ $try = 1 ] && ! grep -q 'guest init reached' $log.$try; then "
           "echo \"$log: early triple fault, started again\" >>/tmp/early-faults; continue; fi; return $rc; "
           "done; }; ")


def crash_elf():
    """A tiny ELF "kernel" whose first instruction is ud2: with no IDT the exception
    becomes a triple fault, which the VMM must report as a crash."""
    code = b"\x0f\x0b" + b"\xf4" * 14
    phoff, entry = 64, 0x100000
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, phoff, 0, 0, 64, 56, 1, 0, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 120, entry, entry, len(code), len(code), 0x1000)
    return ehdr + phdr + code


def guest_session(m, vmm_args, commands, last="poweroff -f", timeout=600):
    """Boots the minimal guest with its console on a FIFO, types commands once it is up,
    then the last one (poweroff by default). Returns (exit status of the shell script,
    text) where text holds the guest's output of the commands and "status=N", the VMM's
    exit status."""
    body = "; ".join(commands)
    script = RUN_VMM + (
        "rm -f /tmp/gs.in /tmp/gs.log /tmp/gs.rc; mkfifo /tmp/gs.in; "
        "(: >/tmp/gs.err; run_vmm /tmp/gs.err %s %s --console-log /tmp/gs.log </tmp/gs.in >/dev/null; "
        "echo $? >/tmp/gs.rc) & "
        "exec 3>/tmp/gs.in; "
        "for i in $(seq 300); do grep -q 'minimal guest up' /tmp/gs.log 2>/dev/null && break; sleep 1; done; "
        "sleep 1; echo 'echo GUEST-BEGIN-$((0+1)); %s; echo GUEST-DONE-$((1+1))' >&3; "
        "for i in $(seq 120); do grep -q 'GUEST-DONE-2' /tmp/gs.log && break; sleep 1; done; "
        "echo '%s' >&3; wait; exec 3>&-; "
        "sed -n '/^GUEST-BEGIN-1/,/^GUEST-DONE-2/p' /tmp/gs.log | tr -d '\\r'; echo status=$(cat /tmp/gs.rc)"
        % (VMM, vmm_args, body.replace("'", "'\\''"), last))
    try:
        return m.sh(script, timeout)
    except Exception as e:  # a hung guest shows up as a failed check, not a crash
        return None, str(e)


def control_guest(name, extra=""):
    """Shell: starts the minimal guest in the background with the control socket
    /tmp/NAME.sock (log /tmp/NAME.err, exit status /tmp/NAME.rc), waits until it has reached
    init (the boot marker in stats), then prints its stats."""
    ctl = "vmmctl /tmp/%s.sock" % name
    return (RUN_VMM + "rm -f /tmp/{n}.sock /tmp/{n}.rc; (: >/tmp/{n}.err; run_vmm /tmp/{n}.err {vmm} --name {n} "
            "{extra} --control /tmp/{n}.sock --cmdline 'console=ttyS0' </dev/null >/dev/null; echo $? >/tmp/{n}.rc) & "
            "for i in $(seq 300); do {ctl} '{{\"op\":\"stats\"}}' 2>/dev/null | grep -q '\"boot_ms\":[0-9]' && break; "
            "sleep 1; done; {ctl} '{{\"op\":\"stats\"}}'".format(n=name, vmm=VMM, extra=extra, ctl=ctl))


def hotplug(r, m, sh_check, ctl):
    """vCPU hotplug on a guest with 1 vCPU at boot and --max-vcpus 3, its control socket
    /tmp/hp.sock and its log /tmp/hp.err: plug two, see the guest bring them online, ask one
    back, see it leave the guest and the VMM."""
    # gcmd TAG SECONDS COMMAND: runs COMMAND in the guest through a console attach and waits
    # for its end mark (the attach also replays old output: tags keep results apart).
    gcmd = ("gcmd() { (echo \"$3; echo $1-done-\\$((40+2))\"; i=0; while [ $i -lt $2 ] && "
            "! grep -q \"$1-done-42\" /tmp/gc.out 2>/dev/null; do sleep 1; i=$((i+1)); done) | "
            "%s console >/tmp/gc.out; grep -o \"$1=[0-9][0-9,-]*\" /tmp/gc.out | tail -n 1; }; rm -f /tmp/gc.out; " % ctl)
    wait_online = "for i in $(seq 150); do [ $(cat /sys/devices/system/cpu/online) = %s ] && break; sleep 1; done; echo %s=$(cat /sys/devices/system/cpu/online)"
    sh_check(r, m, "vmm: vcpus 3 plugs two vCPUs and the guest brings them online",
             gcmd + "%s '{\"op\":\"vcpus\",\"count\":3}' && gcmd hpa 200 '%s' && %s '{\"op\":\"stats\"}' | grep -o '\"vcpus_present\":[0-9]*'"
             % (ctl, wait_online % ("0-2", "hpa"), ctl) + "; [ -S /tmp/hp.sock ] || cat /tmp/hp.err",
             want=r'\{"ok":true\}\nhpa=0-2\n"vcpus_present":3', timeout=300)
    sh_check(r, m, "vmm: vcpus 2 takes one back: the guest offlines and ejects it, the VMM sees it go",
             gcmd + "%s '{\"op\":\"vcpus\",\"count\":2}' && gcmd hpb 200 '%s' && "
             "for i in $(seq 60); do %s '{\"op\":\"stats\"}' | grep -q '\"vcpus_present\":2' && break; sleep 1; done; "
             "%s '{\"op\":\"stats\"}' | grep -o '\"vcpus_present\":[0-9]*'; grep -o 'vCPU 2 ejected by the guest' /tmp/hp.err"
             % (ctl, wait_online % ("0-1", "hpb"), ctl, ctl),
             want=r'\{"ok":true\}\nhpb=0-1\n"vcpus_present":2\nvCPU 2 ejected by the guest', timeout=300)
    sh_check(r, m, "vmm: vcpus beyond --max-vcpus is refused",
             "%s '{\"op\":\"vcpus\",\"count\":4}'" % ctl,
             want=r'"ok":false,"error":"vcpus: want 1 to 3', want_rc=1)


def debian_guest(r, m, sh_check):
    """Debian's stock kernel (its virtio drivers are modules in its initrd) boots under
    paravent-vmm to its initramfs shell, loads them and finds its disk."""
    sh_check(r, m, "vmm: Debian's kernel and initrd are on dom0's second disk",
             "mkdir -p /mnt/debian && mount -t vfat -o ro /dev/vda /mnt/debian && ls -1 /mnt/debian",
             want=r"initrd\.img\nvmlinuz")
    script = (
        "rm -f /tmp/deb.in /tmp/deb.log; mkfifo /tmp/deb.in; "
        "(paravent-vmm --name debian --kernel /mnt/debian/vmlinuz --initrd /mnt/debian/initrd.img "
        "--memory 512 --disk /tmp/rw.img --cmdline 'console=ttyS0 break=premount' "
        "--console-log /tmp/deb.log </tmp/deb.in >/dev/null 2>/tmp/deb.err; echo $? >/tmp/deb.rc) & "
        "exec 3>/tmp/deb.in; "
        "for i in $(seq 600); do grep -q '(initramfs)' /tmp/deb.log 2>/dev/null && break; sleep 1; done; "
        # (shell built-ins and test only: without Debian's busybox package installed, its
        # initramfs has klibc's tools and no grep, as on a fresh machine)
        "sleep 2; echo 'test -e /sys/block/vda && echo HAS-VDA; n=0; while read -r k rest; do "
        "[ \"$k\" = processor ] && n=$((n+1)); done </proc/cpuinfo; echo CPUS=$n; echo DEB-DONE-$((1+1))' >&3; "
        "for i in $(seq 120); do grep -q 'DEB-DONE-2' /tmp/deb.log && break; sleep 1; done; "
        "echo 'echo o > /proc/sysrq-trigger' >&3; wait; exec 3>&-; "
        "sed -n '/^HAS-VDA/,/DEB-DONE-2/p' /tmp/deb.log | tr -d '\\r'; grep -o 'virtio_blk virtio[0-9]*: .vda.*' /tmp/deb.log; "
        "echo status=$(cat /tmp/deb.rc)")
    try:
        rc, out = m.sh(script, 900)
    except Exception as e:  # noqa: BLE001
        out = str(e)
    r.check("vmm: Debian's stock kernel boots, loads its virtio modules, finds its disk",
            re.search(r"^HAS-VDA\nCPUS=1\nDEB-DONE-2", out, re.M) is not None and "virtio_blk" in out, out[-1200:])
    r.check("vmm: Debian's kernel powers off through ACPI (status 0)", "status=0" in out, out[-600:])
    forbidden_syscall(r, m, sh_check)


def forbidden_syscall(r, m, sh_check):
    """The allowlist in force: a guest makes the VMM's debug build (its test hook) call a system
    call outside it (an ioctl request outside its list; getppid, the other hook, is
    tested in tests/unit/test_sandbox.c); the VMM dies by SIGSYS and paraventd reports it. A second paraventd of its
    own (run and state directories in /tmp, no relocation port) runs the debug VMM, through a
    wrapper that leaves out --vsock so that its guest's CID cannot clash with the main one's."""
    sh_check(r, m, "sandbox: a guest's forbidden system call (through the debug build's test hook: "
             "ioctl KVM_CREATE_VM, a request outside the ioctl allowlist) kills its VMM by SIGSYS; "
             "paraventd reports the domain crashed 'killed for a forbidden system call'",
             "test -x /mnt/debian/paravent-vmm-debug || echo 'no debug VMM on the test disk: make test builds it'; "
             "printf '#!/bin/sh\\nfor a; do shift; if [ \"$skip\" = 1 ]; then skip=0; continue; fi; "
             "if [ \"$a\" = --vsock ]; then skip=1; continue; fi; set -- \"$@\" \"$a\"; done\\n"
             "exec /mnt/debian/paravent-vmm-debug \"$@\"\\n' > /tmp/vmm-debug; chmod +x /tmp/vmm-debug; "
             "mkdir -p /tmp/dbg-run /tmp/dbg-state; "
             "paraventd --vmm /tmp/vmm-debug --run /tmp/dbg-run --state /tmp/dbg-state --port 8109 "
             "--relocation off 2>/tmp/dbg-paraventd.log & dbg=$!; "
             "for i in $(seq 30); do [ -S /tmp/dbg-run/api.sock ] && break; sleep 1; done; "
             "sed 's/name = \"minimal\"/name = \"sigsys\"/; /^vif/d; s/^on_crash = .*/on_crash = \"preserve\"/' "
             "/etc/paravent/examples/minimal.cfg > /tmp/sigsys.cfg; "
             "export PARAVENT_API_SOCKET=/tmp/dbg-run/api.sock; paravent create /tmp/sigsys.cfg >/dev/null; "
             "L=/tmp/dbg-run/domains/sigsys; "
             "for i in $(seq 180); do grep -q 'guest init reached' $L/vmm.log 2>/dev/null && break; sleep 1; done; "
             "grep -o 'debug build: a write to port 0x5f0 calls a forbidden system call' $L/vmm.log; "
             "p=$(grep -o '\"pid\":[0-9]*' $L/domain.json | cut -d: -f2); grep '^Seccomp:' /proc/$p/status; "
             "sleep 3; printf 'printf \"\\\\002\" | dd of=/dev/port bs=1 count=1 seek=1520\\n' | paravent console sigsys "
             ">/dev/null 2>&1; "
             "for i in $(seq 60); do paravent list --long | grep -q 'forbidden system call' && break; sleep 1; done; "
             "grep -o 'debug hook: the guest asks for KVM_CREATE_VM.*' $L/vmm.log; grep -c 'KVM_CREATE_VM was allowed' $L/vmm.log; "
             "paravent list --long | grep '^sigsys' | grep -o ' c .*killed for a forbidden system call (SIGSYS)'; "
             "grep -o 'sigsys: paravent-vmm killed for a forbidden system call (SIGSYS)' /tmp/dbg-paraventd.log; "
             "paravent destroy sigsys >/dev/null; unset PARAVENT_API_SOCKET; kill $dbg; wait $dbg 2>/dev/null; true",
             want=r"^debug build: a write to port 0x5f0 calls a forbidden system call\nSeccomp:\s+2\n"
                  r"debug hook: the guest asks for KVM_CREATE_VM, an ioctl outside the allowlist\n0\n.*killed for a forbidden system call \(SIGSYS\)\n"
                  r"sigsys: paravent-vmm killed for a forbidden system call \(SIGSYS\)(\n|$)", timeout=400)


def run(r, m, sh_check, debian=False):
    sh_check(r, m, "paravent create -n: the example config is valid, shown as JSON with defaults",
             "paravent create -n /etc/paravent/examples/minimal.cfg",
             want=r'"name":\s+"minimal",[\s\S]*"maxvcpus":\s+2,[\s\S]*"cpu_weight":\s+256,[\s\S]*'
                  r'"on_poweroff":\s+"destroy",[\s\S]*"on_crash":\s+"restart"')
    sh_check(r, m, "paravent create -n: a bad config names file, line and key; exit status 1",
             "printf 'name = \"x\"\\nkernel = \"/k\"\\nmemory = 8\\nvnc = 1\\n' > /tmp/bad.cfg; "
             "paravent create -n /tmp/bad.cfg 2>&1",
             want_rc=1, want=r"/tmp/bad\.cfg:3: memory: 8 is out of range[^\n]*\n"
                             r"/tmp/bad\.cfg:4: vnc: an xl\.cfg key Paravent does not support\n.*2 errors")
    sh_check(r, m, "vmm: --help describes the options", "paravent-vmm --help", want=r"--kernel IMAGE")
    sh_check(r, m, "vmm: a bad option is one error line and exit status 2",
             "paravent-vmm --kernel %s --vcpus 99 2>&1; echo status=$?" % KERNEL,
             want=r"^paravent-vmm: error: --vcpus 99: want 1 to 32\nstatus=2$")
    sh_check(r, m, "vmm: an image that is not a kernel is refused with the reason (status 2)",
             "paravent-vmm --kernel /etc/passwd 2>&1; echo status=$?",
             want=r"cannot boot /etc/passwd: not a Linux kernel image.*\nstatus=2$")
    sh_check(r, m, "vmm: too little memory for the kernel is refused before running",
             "paravent-vmm --kernel %s --memory 16 --initrd %s 2>&1; echo status=$?" % (KERNEL, INITRD),
             want=r"more guest memory\S*\n.*status=1$|does not fit.*\n.*status=1$")

    # Boot 1: two vCPUs, a read-write and a read-only disk; commands typed on the console.
    sh_check(r, m, "vmm: prepare two disk images in dom0",
             "dd if=/dev/zero of=/tmp/rw.img bs=1M count=8 2>/dev/null && "
             "dd if=/dev/zero of=/tmp/ro.img bs=1M count=4 2>/dev/null && "
             "printf 'read-only-content' | dd of=/tmp/ro.img conv=notrunc 2>/dev/null && echo ok", want=r"ok")
    rc, out = guest_session(m, "--vcpus 2 --name disks --disk /tmp/rw.img --disk /tmp/ro.img,ro", [
        "nproc",
        "cat /sys/block/vda/size /sys/block/vdb/ro /sys/block/vdb/serial; echo",
        "printf 'persisted-%s' $((40+2)) | dd of=/dev/vda bs=512 seek=100 2>/dev/null; sync; echo synced",
        "dd if=/dev/vdb bs=17 count=1 2>/dev/null; echo",
        "echo x | dd of=/dev/vdb 2>&1 | head -n 1",
    ])
    ok = rc is not None
    r.check("vmm: guest with 2 vCPUs and two disks boots, takes commands, powers off (status 0)",
            ok and "status=0" in out, out[-1500:])
    r.check("vmm: the guest has 2 CPUs online", re.search(r"^2$", out, re.M) is not None, out[-800:])
    r.check("vmm: both disks appear with their sizes, flags and serial",
            re.search(r"^16384\n1\nro\.img$", out, re.M) is not None, out[-800:])
    r.check("vmm: the read-only disk reads back its content",
            "read-only-content" in out, out[-800:])
    r.check("vmm: writing the read-only disk fails in the guest",
            re.search(r"dd: error writing '/dev/vdb': Operation not permitted", out) is not None, out[-800:])
    sh_check(r, m, "vmm: the guest's write reached the image file in dom0",
             "dd if=/tmp/rw.img bs=512 skip=100 count=1 2>/dev/null | head -c 12; echo", want=r"^persisted-42$")
    sh_check(r, m, "vmm: the boot marker recorded the time to guest init", "cat /tmp/gs.err",
             want=r"guest init reached \d+\.\d+ s after launch")
    sh_check(r, m, "vmm: disk counters are reported at exit", "cat /tmp/gs.err",
             want=r"disk /tmp/rw\.img: \d+ reads .*[1-9]\d* writes")

    # Boot 2: the data is still there after a fresh boot; then the guest reboots itself.
    rc, out = guest_session(m, "--name again --disk /tmp/rw.img", [
        "dd if=/dev/vda bs=512 skip=100 count=1 2>/dev/null | head -c 12; echo",
    ], last="reboot -f")
    r.check("vmm: a second boot finds what the first one wrote", "persisted-42" in (out or ""), out[-800:])
    r.check("vmm: a reboot inside the guest gives exit status 3", "status=3" in (out or ""), out[-800:])

    _, err2 = m.sh("cat /tmp/gs.err")
    # the last run's count: a run started again after an early fault logs twice (RUN_VMM)
    serial_exits = ([None] + list(re.finditer(r"(\d+) vCPU exits", err2 or "")))[-1]

    # Boot 2b: the same guest on virtio-console (hvc0), with virtio-rng.
    rc, out = guest_session(m, "--console virtio --name hvc", [
        "echo via-hvc-$((6*7))",
        "cat /sys/class/misc/hw_random/rng_current",
        "dd if=/dev/hwrng bs=16 count=1 2>/dev/null | wc -c",
    ])
    r.check("vmm: --console virtio: the guest's console is hvc0, input and output work",
            "via-hvc-42" in (out or "") and "status=0" in (out or ""), (out or "")[-800:])
    r.check("vmm: virtio-rng feeds the guest's /dev/hwrng",
            re.search(r"virtio_rng\.0\n16\n", out or "") is not None, (out or "")[-800:])
    _, err3 = m.sh("cat /tmp/gs.err")
    virtio_exits = ([None] + list(re.finditer(r"(\d+) vCPU exits", err3 or "")))[-1]
    ok = serial_exits and virtio_exits and int(virtio_exits.group(1)) * 5 < int(serial_exits.group(1))
    r.check("vmm: virtio-console costs far fewer exits than the UART (%s vs %s for a boot)"
            % (virtio_exits.group(1) if virtio_exits else "?", serial_exits.group(1) if serial_exits else "?"),
            bool(ok), (err2 or "") + (err3 or ""))

    sh_check(r, m, "vmm: a disk already used by a running guest is refused",
             "(sleep 100 | paravent-vmm --kernel %s --initrd %s --disk /tmp/rw.img >/dev/null 2>&1 &); sleep 2; "
             "%s --disk /tmp/rw.img 2>&1; echo status=$?; kill $(pidof paravent-vmm) 2>/dev/null; sleep 1"
             % (KERNEL, INITRD, VMM),
             want=r"disk /tmp/rw\.img is in use by another guest\nstatus=2")

    # Boot 3: the control socket: stats, pause/resume, console attach (twice), stop.
    ctl = "vmmctl /tmp/ctl.sock"
    sh_check(r, m, "vmm: a guest with a control socket boots", control_guest("ctl"),
             want=r'"ok":true,"stats":\{"name":"ctl","state":"running".*"boot_ms":\d+.*"vcpus_present":1,"max_vcpus":1,'
                  r'"vcpus":\[\{"present":true,"exits":\d+,"io":\d+,"mmio":\d+,"other":\d+\}\]', timeout=600)
    sh_check(r, m, "vmm: pause stops the vCPUs (no exits while paused), resume restarts them",
             "%s '{\"op\":\"pause\"}' && a=$(%s '{\"op\":\"stats\"}') && sleep 3 && b=$(%s '{\"op\":\"stats\"}') && "
             "echo \"$a\" | grep -o '\"state\":\"paused\"' && "
             "[ \"$(echo \"$a\" | grep -o '\"vcpus\":.*\"serial\"')\" = \"$(echo \"$b\" | grep -o '\"vcpus\":.*\"serial\"')\" ] && "
             "echo same-exits && %s '{\"op\":\"resume\"}' && %s '{\"op\":\"stats\"}' | grep -o '\"state\":\"running\"'"
             % (ctl, ctl, ctl, ctl, ctl),
             want=r'"state":"paused"\nsame-exits\n\{"ok":true\}\n"state":"running"')
    sh_check(r, m, "vmm: malformed and unknown requests get an error reply",
             "%s 'not json'; %s '{\"op\":\"fly\"}'; %s '{\"op\":1}'" % (ctl, ctl, ctl),
             want=r'"ok":false,"error":"the request is not a JSON object"\}\n.*unknown op \\"fly\\".*\n.*no \\"op\\" string', want_rc=1)
    for n in (1, 2):
        sh_check(r, m, "vmm: console attach #%d shows past output and runs a command" % n,
                 "(sleep 2; echo 'echo attached-$((6*7))'; sleep 4) | %s console > /tmp/att%d.out; "
                 "grep -c 'minimal guest up' /tmp/att%d.out; grep -o 'attached-42' /tmp/att%d.out | head -n 1; "
                 "[ -S /tmp/ctl.sock ] || cat /tmp/ctl.err"  # the VMM's own words if it is gone
                 % (ctl, n, n, n), want=r"^[1-9]\d*\nattached-42$", timeout=120)
    # Live migration of that guest to a second VMM in the same dom0, then a receiver that refuses.
    ctl2 = "vmmctl /tmp/ctl2.sock"
    sh_check(r, m, "vmm: live migration to a second VMM in this dom0: the sender ends with status 7 and reports "
             "rounds and downtime, the receiver runs the guest on (a shell variable set before is still there)",
             "(%s --name ctl --cmdline 'console=ttyS0' --incoming /tmp/mig.sock --control /tmp/ctl2.sock "
             "</dev/null >/dev/null 2>/tmp/ctl2.err; echo $? >/tmp/ctl2.rc) & "
             "for i in $(seq 60); do [ -S /tmp/mig.sock ] && break; sleep 1; done; "
             "(sleep 1; echo 'M=mig-$((6*7))'; sleep 2) | %s console >/dev/null; "
             "%s '{\"op\":\"migrate\",\"socket\":\"/tmp/mig.sock\"}'; "
             "for i in $(seq 300); do [ -e /tmp/ctl.rc ] && break; sleep 1; done; cat /tmp/ctl.rc; "
             "grep -o 'migrated: .*' /tmp/ctl.err; "
             "(sleep 2; echo 'echo got-$M'; sleep 4) | %s console | grep -o 'got-mig-42' | head -n 1; "
             "[ -S /tmp/ctl2.sock ] || cat /tmp/ctl2.err" % (VMM, ctl, ctl, ctl2),
             want=r'\{"ok":true\}\n7\nmigrated: \d+ rounds, [\d.]+ MB, last round \d+ pages, downtime \d+ ms, '
                  r'total \d+ ms\s*\ngot-mig-42', timeout=400)
    # the sender's report, among the run's figures (docs/benchmarks.md)
    rc, out = m.sh("grep -o 'migrated: .*' /tmp/ctl.err | tr -d '\\r'", 30)
    if rc == 0 and out.strip():
        r.figures.append(("vmm", "live migration, 128 MiB minimal guest, one dom0", out.strip()[len("migrated: "):]))
    sh_check(r, m, "vmm: a receiver that refuses the guest (another memory size) leaves it running at the sender, "
             "which says why; the receiver exits with status 1 and the reason",
             "(paravent-vmm --kernel %s --memory 256 --name x --incoming /tmp/mig3.sock </dev/null >/dev/null "
             "2>/tmp/mig3.err; echo $? >/tmp/mig3.rc) & "
             "for i in $(seq 60); do [ -S /tmp/mig3.sock ] && break; sleep 1; done; "
             "%s '{\"op\":\"migrate\",\"socket\":\"/tmp/mig3.sock\"}'; "
             "for i in $(seq 120); do %s '{\"op\":\"stats\"}' | grep -q '\"state\":\"failed\"' && break; sleep 1; done; "
             "%s '{\"op\":\"stats\"}' | grep -o '\"migration\":{\"state\":\"failed\"'; "
             "for i in $(seq 30); do [ -e /tmp/mig3.rc ] && break; sleep 1; done; cat /tmp/mig3.rc; "
             "grep -o 'cannot receive the guest: .*' /tmp/mig3.err; "
             "(sleep 2; echo 'echo still-$M'; sleep 4) | %s console | grep -o 'still-mig-42' | head -n 1"
             % (KERNEL, ctl2, ctl2, ctl2, ctl2),
             want=r'\{"ok":true\}\n"migration":\{"state":"failed"\n1\ncannot receive the guest: the guest was saved '
                  r'with 128 MiB of memory, this VM has 256\s*\nstill-mig-42', timeout=300)
    sh_check(r, m, "vmm: stop on the control socket ends the VMM with status 5 and removes the socket",
             "%s '{\"op\":\"stop\"}'; wait; sleep 1; cat /tmp/ctl2.rc; test -e /tmp/ctl2.sock || echo socket-gone" % ctl2,
             want=r'\{"ok":true\}\n5\nsocket-gone')

    # Boot 4: vCPU hotplug, 1 vCPU at boot and room for 3.
    hp = "vmmctl /tmp/hp.sock"
    sh_check(r, m, "vmm: a guest with --vcpus 1 --max-vcpus 3 boots with one CPU present",
             control_guest("hp", "--max-vcpus 3"),
             want=r'"vcpus_present":1,"max_vcpus":3,"vcpus":\[\{"present":true,[^]]*\},'
                  r'\{"present":false,[^]]*\},\{"present":false,[^]]*\}\]', timeout=600)
    hotplug(r, m, sh_check, hp)
    sh_check(r, m, "vmm: shutdown presses the ACPI power button: the guest powers itself off (status 0)",
             "%s '{\"op\":\"shutdown\"}'; for i in $(seq 120); do [ -e /tmp/hp.rc ] && break; sleep 1; done; "
             "echo status=$(cat /tmp/hp.rc); grep -o 'the guest powered off.*' /tmp/hp.err; [ -S /tmp/hp.sock ] || echo socket-gone"
             % hp, want=r'\{"ok":true\}[\s\S]*status=0\nthe guest powered off[^\n]*\nsocket-gone', timeout=180)

    if debian:
        debian_guest(r, m, sh_check)

    # Boot 5: a guest that triple-faults is reported as crashed.
    elf = crash_elf()
    printf = "".join("\\%03o" % b for b in elf)
    sh_check(r, m, "vmm: a triple fault gives exit status 4",
             "printf '%s' > /tmp/crash.elf; paravent-vmm --kernel /tmp/crash.elf </dev/null >/dev/null 2>/tmp/vmm4.err; "
             "echo status=$?; cat /tmp/vmm4.err" % printf,
             want=r"status=4\n.*triple fault", timeout=300)
