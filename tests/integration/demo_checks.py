"""The demo guests dom0 starts at boot (paravent.autostart, default hello,web,ticker): run in
a boot of the ISO's default entry, so what a newcomer sees is what is tested."""

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
    sh_check(r, m, "demos: each demo's console shows its init",
             wait_console("hello", "minimal guest up") + "; " + wait_console("web", "web guest up") + "; " +
             wait_console("ticker", "ticker guest up"),
             want=r"minimal guest up[^\n]*\nweb guest up[^\n]*\nticker guest up", timeout=400)
    sh_check(r, m, "demos: dom0 fetches the web demo's page by name; the visit counter counts",
             wait_console("web", "web guest: eth0 has") + " >/dev/null; "
             "wget -q -T 30 -O - http://web/ | grep -o 'Hello from web\\|visits: <b id=\"visits\">[0-9]*'; "
             "wget -q -T 30 -O - http://web/ | grep -o 'visits: <b id=\"visits\">[0-9]*'",
             want=r"Hello from web\nvisits: <b id=\"visits\">1\nvisits: <b id=\"visits\">2$", timeout=400)
    sh_check(r, m, "demos: the web demo's second NIC is on the LAN (br0)",
             wait_console("web", "web guest: eth1 has", 120), want=r"eth1 has 10\.0\.2\.\d+", timeout=150)
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
         r"virtualization from a live CD[\s\S]*1\s+hello\s+running[\s\S]*3\s+web\s+running")
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
