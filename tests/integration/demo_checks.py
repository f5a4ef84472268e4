"""The demo guests dom0 starts at boot (paravent.autostart, default hello,web,ticker): run in
a boot of the ISO's default entry, so what a newcomer sees is what is tested."""

import re
import time

LOG = "/run/paravent/domains/%s/console.log"


def wait_console(name, pattern, secs=300):
    return ("for i in $(seq %d); do grep -q '%s' %s 2>/dev/null && break; sleep 1; done; grep -m1 '%s' %s"
            % (secs, pattern, LOG % name, pattern, LOG % name))


def run(r, m, sh_check):
    sh_check(r, m, "demos: dom0 starts hello, web and ticker by itself and says so on the console",
             "for i in $(seq 120); do paravent list | grep -c 'r-----' | grep -q 4 && break; sleep 1; done; "
             "paravent list", want=r"hello\s+\d+\s+64\s+1\s+r-----[\s\S]*web\s+\d+\s+96\s+1\s+r-----"
                                  r"[\s\S]*ticker\s+\d+\s+64\s+1\s+r-----", timeout=150)
    try:
        m.console.wait(r"demos: started hello web ticker", 30)
        r.check("demos: the console says which demos started", True)
    except Exception as e:
        r.check("demos: the console says which demos started", False, str(e)[-600:])
    try:
        mm = m.console.wait(r"virtualization from a live CD", 60)
        t = m.console.arrival(mm.start()) - m.started
        r.figures.append(("uefi-cd", "QEMU start to the menu on the serial console", "%.1f s" % t))
        r.check("demos: the menu appeared on the serial console after %.1f s" % t, True)
    except Exception as e:
        r.check("demos: the menu appeared on the serial console", False, str(e)[-600:])
    # All three at init, on dom0's clock: each VMM's start (from /proc) plus the time it
    # logged from launch to its guest's boot marker; then onto the host's clock.
    rc, out = m.sh("for n in hello web ticker; do d=/run/paravent/domains/$n; "
                   "for i in $(seq 300); do grep -q 'guest init reached' $d/vmm.log 2>/dev/null && break; sleep 1; done; "
                   "p=$(grep -o '\"pid\":[0-9]*' $d/domain.json | cut -d: -f2); "
                   "echo at $(cut -d' ' -f22 /proc/$p/stat) $(sed -n 's/.*guest init reached \\([0-9.]*\\) s.*/\\1/p' $d/vmm.log | tail -1); "
                   "done; echo now $(cut -d' ' -f1 /proc/uptime)", 400)
    host_now = time.monotonic()
    try:
        now = float(re.search(r"now ([\d.]+)", out).group(1))
        last = max(int(a) / 100.0 + float(b) for a, b in re.findall(r"at (\d+) ([\d.]+)", out))
        t = host_now - (now - last) - m.started
        r.figures.append(("uefi-cd", "QEMU start to all default demos at init", "%.1f s" % t))
        r.check("demos: all default demos reached init %.1f s after QEMU started" % t, True)
    except (AttributeError, ValueError):
        r.check("demos: all default demos reached init", False, out)
    sh_check(r, m, "demos: each demo's console shows its init",
             wait_console("hello", "minimal guest up") + "; " + wait_console("web", "web guest up") + "; " +
             wait_console("ticker", "ticker guest up"),
             want=r"minimal guest up[^\n]*\nweb guest up[^\n]*\nticker guest up", timeout=400)
    sh_check(r, m, "demos: dom0 fetches the web demo's page by name; the visit counter counts",
             wait_console("web", "web guest: eth0 has") + " >/dev/null; "
             "wget -q -T 30 -O - http://web/ | grep -o 'Hello from web\\|visits: <b id=\"visits\">[0-9]*'; "
             "wget -q -T 30 -O - http://web/ | grep -o 'visits: <b id=\"visits\">[0-9]*'",
             want=r"Hello from web\nvisits: <b id=\"visits\">1\nvisits: <b id=\"visits\">2$", timeout=400)
    sh_check(r, m, "demos: the web demo's second NIC is on the LAN (br0), and serves its page there",
             wait_console("web", "web guest: eth1 has", 120) + "; "
             "wget -q -T 30 -O - http://$(sed -n 's/.*web guest: eth1 has //p' %s | tr -d '\\r' | head -n 1)/ | "
             "grep -o 'Hello from web'" % (LOG % "web"),
             want=r"eth1 has 10\.0\.2\.\d+[\s\S]*\nHello from web$", timeout=150)
    sh_check(r, m, "demos: paravent-ticker reads the ticker's values, each one more than the last",
             wait_console("ticker", "ticker guest: eth0 has") + " >/dev/null; paravent-ticker --count 20 ticker",
             want=r"ticker on ticker: 20 values, \d+ to \d+, each one more than the last", timeout=400)

    # The menu on the serial console, driven with plain keys as over a serial line.
    def menu(name, keys, pattern, timeout=60):
        try:
            start = m.console.mark()
            if keys:
                m.console.send(keys)
            m.console.wait(pattern, timeout, start)
            return r.check(name, True)
        except Exception as e:
            return r.check(name, False, str(e)[-800:])
    menu("menu: on the serial console, listing the demos", "\x0c",
         r"virtualization from a live CD[\s\S]*1\s+hello\s+running[\s\S]*7\s+web\s+running")
    menu("menu: i shows the host: KVM usable, the API token", "i", r"KVM: usable[\s\S]*API token: [0-9a-f]{64}")
    menu("menu: any key returns to the list", "q", r"virtualization from a live CD")
    menu("menu: 1 then x stops hello (its guest shuts down)", "1x", r"asked hello to shut down")
    sh_check(r, m, "menu: hello is gone from paravent list",
             "for i in $(seq 120); do paravent list | grep -q '^hello ' || break; sleep 1; done; "
             "paravent list | grep -c '^hello '; true", want=r"^0$", timeout=150)
    menu("menu: s starts hello again", "s", r"started hello")
    sh_check(r, m, "menu: hello runs again",
             "for i in $(seq 120); do paravent list | grep -q '^hello .*r-----' && break; sleep 1; done; "
             "paravent list | grep '^hello '", want=r"hello\s+\d+\s+64\s+1\s+r-----", timeout=150)
    menu("menu: 3 then g starts netlab (router, a, b)", "3g", r"started 3 demo\(s\)")
    sh_check(r, m, "netlab: host a reaches host b through the router (one hop: ttl 63)",
             wait_console("netlab-a", "netlab-a guest up") + " >/dev/null; " +
             wait_console("netlab-b", "netlab-b guest up") + " >/dev/null; " +
             wait_console("netlab-router", "netlab-router guest up") + " >/dev/null; "
             "printf 'ping -c 3 -W 10 10.81.2.10\\n' | paravent console netlab-a | tr -d '\\r' | "
             "grep 'bytes from\\|packets'",
             want=r"64 bytes from 10\.81\.2\.10: seq=\d+ ttl=63[\s\S]*3 packets received", timeout=400)
    menu("menu: 2 then s starts minios", "2s", r"started minios")
    sh_check(r, m, "minios: not Linux, it boots, and answers on its console (help, uptime, cpu)",
             wait_console("minios", "minios guest up") + "; "
             "printf 'help\\nuptime\\ncpu\\n' | paravent console minios | tr -d '\\r' | "
             "grep '^commands\\|^up \\|^CPU vendor'",
             want=r"minios guest up: a tiny OS in C, not Linux[\s\S]*\ncommands: help, uptime[^\n]*\n"
                  r"up \d+\.\d s\nCPU vendor \S+, hypervisor KVMKVMKVM", timeout=300)
    menu("menu: c opens minios's console; a command there; Ctrl-] comes back", "2c",
         r"the console of minios: Ctrl-\] returns")
    menu("menu: ... the console answers", "ticks\r", r"timer interrupts at 20 Hz")
    menu("menu: ... and Ctrl-] returns to the menu", "\x1d", r"virtualization from a live CD")
    sh_check(r, m, "minios: paravent shutdown presses its power button; it powers off and is gone",
             "paravent shutdown -w minios; echo rc=$?; paravent list | grep -c '^minios '; true",
             want=r"rc=0\n0$", timeout=120)
    menu("menu: d shows the dashboard of every domain", "d", r"Dashboard: every domain[\s\S]*netlab-router\s+running")
    menu("menu: ... any key returns", "q", r"virtualization from a live CD")
    menu("menu: h shows help", "h", r"Help \(any key returns\)[\s\S]*Demo guests")
    menu("menu: ... any key returns", "q", r"virtualization from a live CD")
    menu("menu: ! opens a dom0 shell", "!", r"a dom0 shell: exit returns to the menu")
    menu("menu: ... which runs commands", "echo shell-$((6*7))\r", r"shell-42")
    menu("menu: ... and exit returns to the menu", "exit\r", r"virtualization from a live CD")
    sh_check(r, m, "menu: redraws at the new size when the terminal is resized",
             "stty -F /dev/ttyS0 cols 132 rows 40; sleep 3; stty -F /dev/ttyS0 cols 80 rows 24; echo resized")
    try:
        text = m.console.text()
        r.check("menu: ... the wider frame shows the web demo's whole description",
                "the guest's name, uptime and visits." in text, text[-1500:])
    except Exception as e:
        r.check("menu: ... the wider frame", False, str(e))
    menu("menu: z asks every running demo to shut down", "z", r"asked to shut down \d+ demo\(s\)")
    sh_check(r, m, "menu: ... and they all go",
             "for i in $(seq 150); do [ $(paravent list | tail -n +3 | wc -l) = 0 ] && break; sleep 1; done; "
             "paravent list | tail -n +3 | wc -l", want=r"^0$", timeout=200)
    sh_check(r, m, "menu: a demo that needs more memory than dom0 has is listed with its need",
             "printf 'name = \"huge\"\\nkernel = \"/usr/share/paravent/kernels/guest-bzImage\"\\n"
             "memory = 100000\\n' > /usr/share/paravent/demos/huge.cfg; echo written")
    menu("menu: ... and starting it is refused, saying how much it needs", "\x0c2s",
         r"not enough memory: huge needs 100000 MiB, dom0 has \d+ MiB available")
    menu("menu: a starts all the (other) demos", "a", r"started [5-9] demo\(s\)", timeout=120)
