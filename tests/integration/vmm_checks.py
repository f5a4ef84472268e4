"""paravent-vmm inside dom0: the checks that need a running dom0 with KVM.

They run in one of the ISO boots (each guest boot is seconds to a minute under nested
emulation) and use the minimal guest (guest-images/minimal) and the guest kernel that dom0
carries."""

import struct

KERNEL = "/usr/share/paravent/kernels/guest-bzImage"
INITRD = "/usr/share/paravent/guests/minimal.cpio.zst"
VMM = "paravent-vmm --kernel %s --initrd %s --memory 128" % (KERNEL, INITRD)


def crash_elf():
    """A tiny ELF "kernel" whose first instruction is ud2: with no IDT the exception
    becomes a triple fault, which the VMM must report as a crash."""
    code = b"\x0f\x0b" + b"\xf4" * 14
    phoff, entry = 64, 0x100000
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, phoff, 0, 0, 64, 56, 1, 0, 0, 0)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 120, entry, entry, len(code), len(code), 0x1000)
    return ehdr + phdr + code


def run(r, m, sh_check):
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

    # Boot 1: two vCPUs, the guest powers itself off through ACPI.
    sh_check(r, m, "vmm: guest with 2 vCPUs boots to init and powers off (status 0)",
             "%s --vcpus 2 --name poweroff --cmdline 'console=ttyS0 quiet minimal.action=poweroff' "
             "</dev/null >/tmp/vmm1.out 2>/tmp/vmm1.err; echo status=$?" % VMM,
             want=r"status=0", timeout=600)
    sh_check(r, m, "vmm: the guest saw 2 CPUs and its memory", "cat /tmp/vmm1.out",
             want=r"minimal guest up: kernel 6\.1\.\d+-paravent, 2 CPUs online, \d+ kB RAM")
    sh_check(r, m, "vmm: the boot marker recorded the time to guest init", "cat /tmp/vmm1.err",
             want=r"guest init reached \d+\.\d+ s after launch")

    # Boot 2: reboot from inside the guest.
    sh_check(r, m, "vmm: a reboot inside the guest gives exit status 3",
             "%s --cmdline 'console=ttyS0 quiet minimal.action=reboot' --console-log /tmp/vmm2.log "
             "</dev/null >/dev/null 2>&1; echo status=$?; grep -c 'minimal guest: rebooting' /tmp/vmm2.log" % VMM,
             want=r"status=3\n1$", timeout=600)

    # Boot 3: the console is interactive: input reaches the guest's shell.
    script = (
        "rm -f /tmp/vmm3.in /tmp/vmm3.log; mkfifo /tmp/vmm3.in; "
        "(%s --cmdline 'console=ttyS0 quiet' --console-log /tmp/vmm3.log </tmp/vmm3.in >/dev/null 2>&1; "
        "echo $? >/tmp/vmm3.status) & "
        "exec 3>/tmp/vmm3.in; "
        "for i in $(seq 300); do grep -q 'minimal guest up' /tmp/vmm3.log 2>/dev/null && break; sleep 1; done; "
        "sleep 1; echo 'echo answer=$((6*7))' >&3; "
        "for i in $(seq 60); do grep -q 'answer=42' /tmp/vmm3.log && break; sleep 1; done; "
        "echo 'poweroff -f' >&3; wait; exec 3>&-; "
        "grep -o 'answer=42' /tmp/vmm3.log | head -n 1; echo status=$(cat /tmp/vmm3.status)" % VMM)
    sh_check(r, m, "vmm: console input reaches the guest shell, its output comes back",
             script, want=r"answer=42\nstatus=0", timeout=600)

    # Boot 4: a guest that triple-faults is reported as crashed.
    elf = crash_elf()
    printf = "".join("\\%03o" % b for b in elf)
    sh_check(r, m, "vmm: a triple fault gives exit status 4",
             "printf '%s' > /tmp/crash.elf; paravent-vmm --kernel /tmp/crash.elf </dev/null >/dev/null 2>/tmp/vmm4.err; "
             "echo status=$?; cat /tmp/vmm4.err" % printf,
             want=r"status=4\n.*triple fault", timeout=300)
