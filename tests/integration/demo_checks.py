"""The demo guests dom0 starts at boot (paravent.autostart, default hello,web,ticker): run in
a boot of the ISO's default entry, so what a newcomer sees is what is tested."""

import re
import socket
import time
import urllib.request

LOG = "/run/paravent/domains/%s/console.log"


def wait_console(name, pattern, secs=300):
    """Waits for pattern in a demo's console log, then prints its first line with it, a second
    later: the guest may still be writing that line (a byte per UART exit)."""
    return ("for i in $(seq %d); do grep -q '%s' %s 2>/dev/null && break; sleep 1; done; sleep 1; grep -m1 '%s' %s"
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
             want=r"minimal guest up: kernel \S+, \d+ CPUs? online, \d+ kB RAM[^\n]*\nweb guest up[^\n]*\n"
                  r"ticker guest up", timeout=400)
    sh_check(r, m, "demos: dom0 fetches the web demo's page by name; the visit counter counts",
             wait_console("web", "web guest: eth0 has") + " >/dev/null; "
             "wget -q -T 30 -O - http://web/ | grep -o 'Hello from web\\|uptime: <b id=\"uptime\">[0-9.]*\\|"
             "visits: <b id=\"visits\">[0-9]*'; "
             "wget -q -T 30 -O - http://web/ | grep -o 'visits: <b id=\"visits\">[0-9]*'",
             want=r"Hello from web\nuptime: <b id=\"uptime\">\d[\d.]*\nvisits: <b id=\"visits\">1\nvisits: <b id=\"visits\">2$", timeout=400)
    sh_check(r, m, "demos: the web demo's second NIC is on the LAN (br0), and serves its page there",
             wait_console("web", "web guest: eth1 has", 120) + "; "
             "wget -q -T 30 -O - http://$(sed -n 's/.*web guest: eth1 has //p' %s | tr -d '\\r' | head -n 1)/ | "
             "grep -o 'Hello from web'" % (LOG % "web"),
             want=r"eth1 has 10\.0\.2\.\d+[\s\S]*\nHello from web$", timeout=150)
    lan_page_from_outside(r, m)
    sh_check(r, m, "demos: paravent-ticker reads the ticker's values, each one more than the last",
             wait_console("ticker", "ticker guest: eth0 has") + " >/dev/null; paravent-ticker --count 20 ticker",
             want=r"ticker on ticker: 20 values, \d+ to \d+, each one more than the last;[^\n]*"
                  r"it ticks every (9[5-9]|10[0-5]) ms", timeout=400)
    sh_check(r, m, "demos: paravent-ticker notices a restart of the ticker (paravent reboot) and the gap it left",
             "(paravent-ticker ticker > /tmp/ticker-watch 2>&1 &); sleep 3; n=$(grep -c 'ticker guest: eth0 has' %s); "
             "paravent reboot ticker; for i in $(seq 300); do "
             "[ $(grep -c 'ticker guest: eth0 has' %s) -gt $n ] && break; sleep 1; done; "
             # the service answers again (a first value, waited for up to 30 s); the watcher,
             # which retries its connection every second or so, has then had time to see it
             "paravent-ticker --count 1 ticker >/dev/null; sleep 3; "
             "pkill -INT paravent-ticker; sleep 1; cat /tmp/ticker-watch" % (LOG % "ticker", LOG % "ticker"),
             want=r"ticker on ticker: \d+ values, \d+ to \d+, not steady; longest gap \d{4,} ms; restarts [1-9]",
             timeout=400)

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
         r"virtualization from a live CD[\s\S]*1\s+hello\s+running\s+64 MiB\s+(\d+\.\d|-)\s+10\.80\.0\.\d+\s"
         r"[\s\S]*7\s+web\s+running\s+96 MiB\s+(\d+\.\d|-)\s+10\.80\.0\.\d+\s")
    sh_check(r, m, "menu: on the screen too (tty1, its text read from /dev/vcs1): the same list",
             "tr -s ' ' < /dev/vcs1", want=r"virtualization from a live CD.*1 hello running 64 MiB.*7 web running")
    menu("menu: i shows the host: CPUs, memory, KVM usable and why, networks, the API's URL and token", "i",
         r"Host \(any key returns\)[\s\S]*CPUs: \d+\s+memory: \d+ MiB, \d+ MiB available[\s\S]*KVM: usable[^\n]*\n\s*KVM works"
         r"[\s\S]*br0 \(the LAN\): 10\.0\.2\.\d+[\s\S]*http://127\.0\.0\.1:8000/[\s\S]*API token: [0-9a-f]{64}")
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
    sh_check(r, m, "netlab: its bridges are isolated: no address and no uplink in dom0, and host a cannot reach dom0",
             "for b in labnet1 labnet2; do echo $b $(ip -4 -o addr show $b | grep -c inet) "
             "$(ls /sys/class/net/$b/brif | grep -vc '^vif'); done; "
             "printf '(ping -c 2 -W 2 10.80.0.1 > /tmp/iso.out 2>&1 &)\\n' | paravent console netlab-a >/dev/null; "
             "sleep 8; printf 'echo iso-$(grep -c \"bytes from\" /tmp/iso.out)-$((40+2))\\n' | "
             "paravent console netlab-a | grep -o 'iso-[0-9]*-42'",
             want=r"labnet1 0 0\nlabnet2 0 0\niso-0-42$", timeout=120)
    menu("menu: 1, the down arrow, then s starts minios (the second demo)", "1\x1b[Bs", r"started minios")
    menu("menu: the up arrow moves the choice back to hello", "\x1b[A", r">\s1\s+hello")
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
             "paravent shutdown -w minios; echo rc=$?; "
             "for i in $(seq 10); do paravent list | grep -q '^minios ' || break; sleep 1; done; "
             "paravent list | grep -c '^minios '; true",
             want=r"rc=0\n0$", timeout=120)
    menu("menu: d shows the dashboard of every domain", "d", r"Dashboard: every domain[\s\S]*netlab-router\s+running")
    menu("menu: ... any key returns", "q", r"virtualization from a live CD")
    menu("menu: h shows help", "h", r"Help \(any key returns\)[\s\S]*Demo guests")
    menu("menu: ... any key returns", "q", r"virtualization from a live CD")
    menu("menu: ! opens a dom0 shell", "!", r"a dom0 shell: exit returns to the menu")
    menu("menu: ... which runs commands", "echo shell-$((6*7))\r", r"shell-42")
    menu("menu: ... and exit returns to the menu", "exit\r", r"virtualization from a live CD")
    start = m.console.mark()
    sh_check(r, m, "menu: redraws at the new size when the terminal is resized",
             "stty -F /dev/ttyS0 cols 132 rows 40; sleep 3; stty -F /dev/ttyS0 cols 80 rows 24; echo resized")
    try:
        m.console.wait(r"the guest's name, uptime and visits\.", 30, start)
        r.check("menu: ... the wider frame shows the web demo's whole description", True)
    except Exception as e:
        r.check("menu: ... the wider frame shows the web demo's whole description", False, str(e)[-1500:])
    menu("menu: z asks every running demo to shut down", "z", r"asked to shut down \d+ demo\(s\)")
    sh_check(r, m, "menu: ... and they all go",
             "for i in $(seq 150); do [ $(paravent list | tail -n +3 | wc -l) = 0 ] && break; sleep 1; done; "
             "paravent list | tail -n +3 | wc -l", want=r"^0$", timeout=200)
    sh_check(r, m, "menu: a demo that needs more memory than dom0 has (huge.cfg written)",
             "printf 'name = \"huge\"\\nkernel = \"/usr/share/paravent/kernels/guest-bzImage\"\\n"
             "memory = 100000\\n' > /usr/share/paravent/demos/huge.cfg; echo written", want=r"^written$")
    menu("menu: ... is listed, stopped, with the memory it needs", "\x0c", r"2\s+huge\s+stopped\s+100000 MiB")
    menu("menu: ... and starting it is refused, saying how much it needs", "\x0c2s",
         r"not enough memory: huge needs 100000 MiB, dom0 has \d+ MiB available")
    # paravent.autostart=LIST as dom0's boot scripts read it (the kernel command line and
    # fw_cfg, merged in /run/paravent/cmdline): a demo too big for dom0 and a name that is
    # no demo, each answered on the console, nothing started.
    start = m.console.mark()
    sh_check(r, m, "demos: paravent.autostart=huge,nosuch: the boot script starts neither",
             "cp /run/paravent/cmdline /tmp/cmdline.saved; "
             "echo \"$(cat /tmp/cmdline.saved) paravent.autostart=huge,nosuch\" > /run/paravent/cmdline; "
             "/etc/init.d/demos; echo rc=$?; cp /tmp/cmdline.saved /run/paravent/cmdline; "
             "paravent list | grep -c '^huge '; true", want=r"rc=0\n0$")
    try:
        m.console.wait(r"demos: not starting huge: it needs 100000 MiB and dom0 has \d+ MiB available", 30, start)
        m.console.wait(r"demos: no demo named nosuch \(there are: [^)]*hello[^)]*\)", 30, start)
        r.check("demos: ... and says why on the console: the memory huge needs, and which demos there are", True)
    except Exception as e:
        r.check("demos: ... and says why on the console", False, str(e)[-1200:])
    menu("menu: a starts all the (other) demos", "a", r"started [5-9] demo\(s\)", timeout=120)


def lan_page_from_outside(r, m):
    """The web demo's page fetched from outside the PC, as another machine on the LAN would:
    QEMU's user network forwards a port of the test host to the guest's br0 address."""
    name = "demos: a machine on the LAN (the test host, through QEMU's user network) fetches the web page"
    try:
        rc, out = m.sh("sed -n 's/.*web guest: eth1 has //p' %s | tr -d '\\r' | head -n 1" % (LOG % "web"))
        ip = out.strip().split("/")[0]
        if not re.match(r"^10\.0\.2\.\d+$", ip):
            return r.check(name, False, "no br0 address for web: %r" % out)
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        reply = m.monitor("hostfwd_add tcp:127.0.0.1:%d-%s:80" % (port, ip))
        page = ""
        for _ in range(10):
            try:
                page = urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=30).read().decode("utf-8", "replace")
                break
            except OSError as e:
                page = "error: %s" % e
                time.sleep(3)
        r.check(name, "Hello from web" in page, "monitor: %s\npage: %s" % (reply, page[-600:]))
    except Exception as e:
        r.check(name, False, str(e)[-800:])
