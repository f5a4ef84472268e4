"""paraventd and the paravent CLI inside dom0: a domain's life from a configuration file.

Runs in the same dom0 boot as the paravent-vmm checks, with the example domain that dom0
carries (/etc/paravent/examples/minimal.cfg: the minimal guest, on_crash = "restart")."""

CONSOLE = "/run/paravent/domains/minimal/console.log"
# Shell: `j KEY` prints the number under KEY in paravent list --json (one domain listed).
JSON_FIELD = "j() { paravent list --json | tr -d ' \\t\\n' | grep -o \"\\\"$1\\\":[0-9]*\" | cut -d: -f2; }; "


def wait_guest_up(times):
    """Shell: waits until the domain's console log shows the guest's init `times` times."""
    return ("for i in $(seq 300); do [ \"$(cat %s 2>/dev/null | grep -c 'minimal guest up')\" -ge %d ] && break; "
            "sleep 1; done" % (CONSOLE, times))


def run(r, m, sh_check):
    sh_check(r, m, "paraventd: running from boot; paravent list shows Domain-0",
             "paravent list", want=r"Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)\nDomain-0\s+0\s+\d+\s+\d+\s+r-----")
    sh_check(r, m, "paraventd: the API token exists, mode 0600",
             "ls -ln /var/lib/paravent/api-token", want=r"^-rw-------\s+1\s+0\s+0\s+65\s")
    sh_check(r, m, "paravent create starts the example domain and its guest boots",
             "paravent create /etc/paravent/examples/minimal.cfg && %s; paravent list | grep minimal"
             % wait_guest_up(1),
             want=r"Started domain minimal \(id=1\)\nminimal\s+1\s+128\s+1\s+r-----", timeout=400)
    sh_check(r, m, "paravent create: the domain's vif is on pvbr0 with a fixed address; dom0 pings it by name; its tap vif1.0 was opened by paraventd and handed over (fd=)",
             "grep minimal /etc/hosts; for i in $(seq 120); do grep -q 'eth0 has' %s && break; sleep 1; done; "
             "grep -o 'eth0 has [0-9.]*' %s; ping -c 2 -W 10 minimal; ls /sys/class/net/pvbr0/brif | grep -x vif1.0; "
             "cat /proc/[0-9]*/cmdline | tr '\\0' '\\n' | grep -x 'bridge=pvbr0,fd=[0-9]*'; "
             "grep -o 'tap vif1.0 on bridge pvbr0' /run/paravent/domains/minimal/vmm.log" % (CONSOLE, CONSOLE),
             want=r"^10\.80\.0\.(\d+)\s+minimal\s+# paravent guest\neth0 has 10\.80\.0\.\1\n[\s\S]*"
                  r"2 packets received[\s\S]*\nvif1\.0\nbridge=pvbr0,fd=\d+\ntap vif1\.0 on bridge pvbr0$", timeout=180)
    sh_check(r, m, "paravent console: the guest's past output, then a command typed and its answer",
             "printf 'echo con-$((6*7))\\n' | paravent console minimal | tr -d '\\r' | "
             "grep -o 'minimal guest up\\|^con-42' | head -n 2; paravent console nope; echo rc=$?",
             want=r"^minimal guest up\ncon-42\n[\s\S]*no domain named nope\nrc=1$", timeout=60)
    sh_check(r, m, "paravent create of a vif on a bridge that does not exist is refused (400)",
             "sed 's/name = \"minimal\"/name = \"nobr\"/; s/bridge=pvbr0/bridge=nope0/' "
             "/etc/paravent/examples/minimal.cfg > /tmp/nobr.cfg; paravent create /tmp/nobr.cfg; echo rc=$?; "
             "paravent list | grep -c nobr; true", want=r"bridge nope0 does not exist[\s\S]*rc=1\n0$")
    sh_check(r, m, "paravent create of a name in use is refused (409), exit status 1",
             "paravent create /etc/paravent/examples/minimal.cfg", want_rc=1,
             want=r"a domain named minimal exists")
    sh_check(r, m, "paravent create of a bad file gives its errors with line and key, exit status 1",
             "printf 'name = \"bad\"\\nmemory = 1\\n' > /tmp/bad2.cfg; paravent create /tmp/bad2.cfg",
             want_rc=1, want=r"config:2: memory: 1 is out of range[\s\S]*kernel: missing")
    sh_check(r, m, "paravent pause and unpause: list shows p, then r",
             "paravent pause minimal && paravent list | grep -o 'minimal.*' && "
             "paravent unpause minimal && paravent list | grep -o 'minimal.*'",
             want=r"minimal\s+1\s+128\s+1\s+--p---[^\n]*\nminimal\s+1\s+128\s+1\s+r-----")
    sh_check(r, m, "paravent vcpu-set 2: the guest brings its second CPU online; 3 is beyond maxvcpus",
             "paravent vcpu-set minimal 2 && "
             "(echo 'for i in $(seq 150); do [ $(cat /sys/devices/system/cpu/online) = 0-1 ] && break; sleep 1; done; "
             "echo vcpuset=$(cat /sys/devices/system/cpu/online)'; "
             "for i in $(seq 200); do grep -q 'vcpuset=[0-9]' /tmp/vs.out 2>/dev/null && break; sleep 1; done) | "
             "vmmctl /run/paravent/domains/minimal/control.sock console > /tmp/vs.out; "
             "grep -o 'vcpuset=[0-9][0-9,-]*' /tmp/vs.out; paravent list | grep -o 'minimal.*'; "
             "paravent vcpu-set minimal 3; echo rc=$?",
             want=r"vcpuset=0-1\nminimal\s+1\s+128\s+2\s+r-----[\s\S]*from 1 to maxvcpus \(2\)[\s\S]*rc=1",
             timeout=300)
    sh_check(r, m, "API over TCP: 401 without the token, answers with it",
             "wget -q -O- http://127.0.0.1:8000/domains 2>&1; "
             "wget -q -O- --header \"Authorization: Bearer $(cat /var/lib/paravent/api-token)\" "
             "http://127.0.0.1:8000/host", want=r"401 Unauthorized[\s\S]*\"version\":\"")
    sh_check(r, m, "/metrics is Prometheus text with the domain",
             "wget -q -O- --header \"Authorization: Bearer $(cat /var/lib/paravent/api-token)\" "
             "http://127.0.0.1:8000/metrics", want=r"# TYPE paravent_domains gauge\nparavent_domains 1\n"
                                                   r"[\s\S]*paravent_domain_up\{name=\"minimal\"\} 1")
    sh_check(r, m, "a killed VMM is restarted (on_crash = \"restart\") and its guest boots again",
             JSON_FIELD +
             "old=$(j pid); kill -9 $old; %s; new=$(j pid); "
             "[ -n \"$new\" ] && [ \"$new\" != \"$old\" ] && echo new-vmm; echo restarts=$(j restarts)"
             % wait_guest_up(2), want=r"new-vmm\nrestarts=1$", timeout=400)
    sh_check(r, m, "paraventd restarted: it adopts the running domain without disturbing it",
             JSON_FIELD +
             "old=$(j pid); killall paraventd; sleep 1; "
             "PATH=/sbin:/bin:/usr/sbin:/usr/bin paraventd >>/var/log/paraventd.log 2>&1 & "
             "for i in $(seq 20); do [ -S /run/paravent/api.sock ] && break; sleep 1; done; sleep 1; "
             "[ \"$(j pid)\" = \"$old\" ] && kill -0 $old && echo same-vmm; paravent list | grep -o 'minimal.*r-----'; "
             "grep -o 'minimal: adopted its running VMM' /var/log/paraventd.log",
             want=r"same-vmm\nminimal\s+1\s+128\s+1\s+r-----\nminimal: adopted its running VMM", timeout=60)
    sh_check(r, m, "paravent shutdown -w: the guest powers itself off and on_poweroff removes the domain (and its name)",
             "paravent shutdown -w minimal; echo rc=$?; paravent list | grep -c minimal; grep -c minimal /etc/hosts; true",
             want=r"rc=0\n0\n0$", timeout=400)
    sh_check(r, m, "paravent on a domain that does not exist: a message and exit status 1",
             "paravent pause nothere", want_rc=1, want=r"no domain named nothere")
