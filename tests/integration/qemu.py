"""Drives the Paravent ISO under QEMU for the integration tests.

A Machine boots the ISO (or a kernel and initramfs directly) with both serial ports on
unix sockets: ttyS0 is the console people see (its output is logged and can be waited
for; keys can be sent to the boot menu), ttyS1 carries the root shell that
paravent.shell=ttyS1 puts there, through which tests run commands and read their exit
status. Extra boot options reach dom0 through QEMU's fw_cfg, so the ISO's menus stay as
users get them. The CPU is always emulated (TCG, -cpu max: AMD-V with nested paging), so
dom0's KVM works whatever the host has; QEMU's own -enable-kvm is never used here.
"""

import bisect
import os
import re
import shutil
import socket
import subprocess
import threading
import time

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd"


class TimeoutError_(Exception):
    pass


class Dom0Died(TimeoutError_):
    """dom0's kernel died (an oops, a panic, a triple fault ending QEMU): nothing more will come,
    so a wait gives up at once instead of at its timeout."""


# What dom0's kernel prints when it can no longer be trusted to run the rest of a boot's
# checks. Soft lockup and RCU stall warnings are left out: under TCG they come and go.
FATAL = re.compile(rb"Kernel panic - not syncing|Oops: [0-9a-f]{4} \[#|general protection fault[^\n]*\[#|"
                   rb"PANIC: double fault|stack overflow \(double-fault\)|BUG: stack guard page|"
                   rb"BUG: unable to handle|BUG: kernel NULL pointer|kernel BUG at ")


class Serial:
    """One serial port: a reader thread keeps everything received, in memory and in a log."""

    def __init__(self, path, logpath):
        self.path = path
        self.buf = b""
        self.lock = threading.Condition()
        self.log = open(logpath, "wb")
        self.sock = None
        self.closed = False
        self.stamps = []  # (offset in buf, arrival time) per chunk received
        self.abort = lambda: None  # returns a reason to stop waiting (dom0 died), or None

    def connect(self, deadline):
        while True:
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.path)
                self.sock = s
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self):
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                data = b""
            with self.lock:
                if not data:
                    self.closed = True
                    self.lock.notify_all()
                    return
                self.stamps.append((len(self.buf), time.monotonic()))
                self.buf += data
                self.log.write(data)
                self.log.flush()
                self.lock.notify_all()

    def arrival(self, offset):
        """When the byte at offset arrived (time.monotonic()), for boot-time figures."""
        with self.lock:
            i = bisect.bisect_right([o for o, _ in self.stamps], offset) - 1
            return self.stamps[max(i, 0)][1] if self.stamps else None

    def text(self, start=0):
        with self.lock:
            return self.buf[start:].decode("utf-8", "replace")

    def mark(self):
        with self.lock:
            return len(self.buf)

    def wait(self, pattern, timeout, start=0):
        """Waits until pattern (a regex) appears after offset start; returns the match."""
        rx = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                m = rx.search(self.buf, start)
                if m:
                    return m
                died = self.abort()
                if died:
                    raise Dom0Died(died)
                left = deadline - time.monotonic()
                if left <= 0 or self.closed:
                    raise TimeoutError_(
                        "waited %ds for %r on %s; last output:\n%s"
                        % (timeout, pattern, os.path.basename(self.path),
                           self.buf[-1500:].decode("utf-8", "replace")))
                self.lock.wait(min(left, 1.0))

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)


class Machine:
    def __init__(self, name, workdir, iso=None, firmware="bios", media="cdrom",
                 kernel=None, initrd=None, append=None, options="paravent.shell=ttyS1 paravent.autostart=none",
                 memory=2048, smp=2, disks=(), cpu="max", extra_args=()):
        self.name = name
        self.dir = os.path.join(workdir, name)
        shutil.rmtree(self.dir, ignore_errors=True)
        os.makedirs(self.dir)
        self.iso, self.firmware, self.media = iso, firmware, media
        self.kernel, self.initrd, self.append = kernel, initrd, append
        self.options, self.memory, self.smp, self.disks = options, memory, smp, disks
        self.cpu = cpu
        self.extra_args = list(extra_args)  # e.g. a second NIC on a socket network
        self.proc = None
        self.started = None
        self.console = Serial(os.path.join(self.dir, "ttyS0.sock"), os.path.join(self.dir, "ttyS0.log"))
        self.shell_port = Serial(os.path.join(self.dir, "ttyS1.sock"), os.path.join(self.dir, "ttyS1.log"))
        self.shell_ready = False
        self.console.abort = self.shell_port.abort = self._death_news
        self.scanned = 0       # console bytes already searched for a fatal kernel message
        self.fault_at = None   # where in the console dom0's kernel said it died
        self.death_told = False

    def dom0_death(self):
        """If dom0's kernel has died (a fatal message on its console, or QEMU has ended): what
        it said, from a little before the first fatal line, else None."""
        with self.console.lock:
            if self.fault_at is None:
                m = FATAL.search(self.console.buf, max(self.scanned - 64, 0))
                self.scanned = len(self.console.buf)
                if m:
                    self.fault_at = m.start()
            if self.fault_at is not None:
                begin = self.console.buf.rfind(b"\n", 0, max(self.console.buf.rfind(b"\n", 0, self.fault_at), 0))
                text = self.console.buf[max(begin, 0):][:6000].decode("utf-8", "replace")
                return "dom0's kernel died; its console from there:\n" + text.replace("\r", "")
        if self.proc and self.proc.poll() is None and (self.console.closed or self.shell_port.closed):
            # QEMU closes its sockets as it ends: give it a moment to be gone, or a death
            # seen first as a broken pipe would pass for a failed check
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self.proc and self.proc.poll() is not None:
            return self.death_report()
        return None

    def _death_news(self):
        """For Serial.wait: the whole story the first time, a pointer to it afterwards."""
        died = self.dom0_death()
        if not died:
            return None
        if self.death_told:
            return "dom0 (%s) died earlier in this boot; what it said is in the first failure after it" % self.name
        self.death_told = True
        return died

    def qemu_args(self):
        a = ["qemu-system-x86_64", "-M", "q35", "-accel", "tcg", "-cpu", self.cpu,
             "-smp", str(self.smp), "-m", str(self.memory), "-display", "none", "-no-reboot",
             "-chardev", "socket,id=s0,path=%s,server=on,wait=on" % self.console.path,
             "-serial", "chardev:s0",
             "-chardev", "socket,id=s1,path=%s,server=on,wait=off" % self.shell_port.path,
             "-serial", "chardev:s1",
             "-monitor", "unix:%s,server=on,wait=off" % os.path.join(self.dir, "monitor.sock"),
             # a triple fault of dom0 ends QEMU silently (-no-reboot): this log says so
             "-d", "cpu_reset", "-D", os.path.join(self.dir, "qemu-debug.log"),
             "-nic", "user,model=virtio-net-pci"]
        if self.options:
            a += ["-fw_cfg", "name=opt/org.paravent/cmdline,string=%s" % self.options]
        if self.firmware == "uefi":
            vars_ = os.path.join(self.dir, "OVMF_VARS.fd")
            shutil.copy(OVMF_VARS, vars_)
            a += ["-drive", "if=pflash,format=raw,unit=0,readonly=on,file=" + OVMF_CODE,
                  "-drive", "if=pflash,format=raw,unit=1,file=" + vars_]
        if self.iso and self.media == "cdrom":
            a += ["-drive", "if=none,id=cd0,media=cdrom,readonly=on,file=" + self.iso,
                  "-device", "ide-cd,drive=cd0,bootindex=0"]
        elif self.iso and self.media == "usb":
            a += ["-device", "qemu-xhci",
                  "-drive", "if=none,id=stick,format=raw,snapshot=on,file=" + self.iso,
                  "-device", "usb-storage,drive=stick,removable=on,bootindex=0"]
        if self.kernel:
            a += ["-kernel", self.kernel, "-initrd", self.initrd, "-append", self.append or ""]
        for i, d in enumerate(self.disks):
            a += ["-drive", "if=virtio,format=raw,snapshot=on,file=" + d]
        return a + self.extra_args

    def start(self):
        args = self.qemu_args()
        with open(os.path.join(self.dir, "qemu.cmd"), "w") as f:
            f.write(" ".join(args) + "\n")
        self.qemu_log = open(os.path.join(self.dir, "qemu.log"), "wb")
        self.started = time.monotonic()
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.qemu_log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        # QEMU waits for the console's reader before it starts the guest (wait=on).
        self.console.connect(deadline)
        self.shell_port.connect(deadline)
        return self

    def elapsed(self):
        return time.monotonic() - self.started

    def monitor(self, command):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(os.path.join(self.dir, "monitor.sock"))
        s.settimeout(10)
        out = b""
        s.sendall((command + "\n").encode())
        end = time.monotonic() + 5
        while time.monotonic() < end:
            try:
                data = s.recv(65536)
            except socket.timeout:
                break
            if not data:
                break
            out += data
            if out.count(b"(qemu)") >= 2:
                break
        s.close()
        return out.decode("utf-8", "replace")

    def _open_shell(self, timeout):
        """Waits for the root shell on ttyS1 and makes it machine-friendly (no echo, no prompt)."""
        deadline = time.monotonic() + timeout
        n = 0
        while True:
            n += 1
            tag = "SHELL%dUP" % n
            start = self.shell_port.mark()
            self.shell_port.send("\necho %s$((40+2))\n" % tag)
            try:
                self.shell_port.wait(tag + "42", 3, start)
                break
            except TimeoutError_:
                if time.monotonic() > deadline:
                    raise TimeoutError_("no shell on ttyS1 after %ds; console:\n%s"
                                        % (timeout, self.console.text()[-2000:]))
        # The shell is reading now: turn off echo and the prompt, and prove it took.
        start = self.shell_port.mark()
        self.shell_port.send("stty -echo; PS1=''; PS2=''; echo QUIET$((2+3))\n")
        self.shell_port.wait("QUIET5", 10, start)
        time.sleep(0.2)
        self.shell_ready = True

    def sh(self, command, timeout=60):
        """Runs a shell command in dom0; returns (exit status, output)."""
        if not self.shell_ready:
            self._open_shell(timeout)
        sh_id = os.urandom(4).hex()
        start = self.shell_port.mark()
        self.shell_port.send("%s\necho \"@@END%s@@$?@@\"\n" % (command, sh_id))
        m = self.shell_port.wait(r"@@END%s@@(\d+)@@" % sh_id, timeout, start)
        out = self.shell_port.buf[start:m.start()].decode("utf-8", "replace")
        return int(m.group(1)), out.replace("\r", "").strip("\n")

    def death_report(self):
        """If QEMU has ended: its exit status and what its logs say, for a failure's detail
        (dom0 vanishing mid-test is a known fault under nested emulation, issue 3)."""
        if not self.proc or self.proc.poll() is None:
            return ""
        lines = ["QEMU (%s) ended with status %s" % (self.name, self.proc.returncode)]
        for log in ("qemu.log", "qemu-debug.log"):
            try:
                with open(os.path.join(self.dir, log), "rb") as f:
                    data = f.read().decode("utf-8", "replace")
                triple = "Triple fault" in data
                lines.append("%s%s, last lines:\n%s" % (log, " (dom0 TRIPLE FAULTED)" if triple else "",
                                                        "\n".join(data.splitlines()[-25:])))
            except OSError:
                pass
        return "\n".join(lines)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
