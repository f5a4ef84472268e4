"""Live migration between two hosts: two QEMU instances of the ISO, each dom0 with a second
NIC on a QEMU socket network between them (the "LAN" the guest moves across), bridged as br1.
The ticker demo runs on host A, on br1, and dom0 A watches it with paravent-ticker the whole
time, over that LAN. Before the migration that succeeds, the ones that must not: a wrong
token, a receiver whose disk image differs, the link cut during pre-copy and during a
stop-and-copy. After each, the guest still runs on A and its count goes on; the receiver
kept nothing."""

import re

A_IP, B_IP, GUEST_IP = "192.168.77.1", "192.168.77.2", "192.168.77.50"
IMG = "/usr/share/paravent/guests/ticker.img"
TICKER_OUT = "/tmp/ticker-watch.out"


def link_up(m, ip):
    return ("brctl addbr br1 && brctl setfd br1 0 && brctl stp br1 off && brctl addif br1 eth1 && "
            "ip link set eth1 up && ip addr add %s/24 dev br1 && ip link set br1 up && "
            "ip -4 addr show br1 | grep -o 'inet [0-9.]*'" % ip)


# A's guest must be running there, its count going on, and B must hold no ticker domain.
GUEST_STAYS = ("paravent list | grep -E '^ticker +[0-9]+ +64 +1 +r-----'; "
               "paravent-ticker --count 5 %s | grep -q '5 values.*each one more than the last' && echo ticker-advancing"
               % GUEST_IP)
RECEIVER_EMPTY = ("for i in $(seq 60); do paravent list | grep -q '^ticker ' || break; sleep 1; done; "
                  "echo tickers=$(paravent list | grep -c '^ticker ')")


def migrate_in_background(opts, out):
    return ("(paravent migrate %s --token-file /tmp/b.token ticker %s > %s 2>&1; echo rc=$? >> %s) &"
            % (opts, B_IP, out, out))


CUT_LINK = ("the link is cut (the receiver's NIC goes down)", "ip link set eth1 down",
            r"(link|stopped answering|Broken pipe|reset)", "the link comes back",
            "ip link set eth1 up; sleep 2; ping -c 1 -W 5 %s" % A_IP)
KILL_RECEIVER = ("the receiving VMM is killed", "pkill -9 -f 'paravent-vmm --name ticker'",
                 r"the receiver: [^\n]*(did not say|stream ends early|Broken pipe|reset)|Broken pipe",
                 "the receiver still answers", "paravent list | head -n 1")


def cut_while_sending(r, a, b, sh_check, label, opts, want_state, cut=CUT_LINK):
    what, cut_cmd, want_error, after, after_cmd = cut
    out = "/tmp/migrate-%s.out" % label.split()[0]
    # the migration's progress, as the CLI shows it, says when enough is on the way
    api = ("wget -q -O - --header 'Authorization: Bearer '$(cat /var/lib/paravent/api-token) "
           "http://127.0.0.1:8000/domains/ticker/migrate 2>/dev/null")
    sh_check(r, a, "two hosts: %s: the migration starts; the API and the CLI show its progress" % label,
             migrate_in_background(opts, out) + " for i in $(seq 240); do "
             "%s | grep -q '\"state\":\"%s\".*\"sent_mb\":[3-9]' && break; sleep 1; done; "
             "%s | grep -o '\"state\":\"[a-z]*\"\\|\"sent_mb\":[0-9.]*'; cat %s" % (api, want_state, api, out),
             want=r'"state":"%s"\n"sent_mb":[3-9][\d.]*\n[\s\S]*(round 0|stop-and-copy: guest paused)' % want_state,
             timeout=300)
    sh_check(r, b, "two hosts: %s: %s" % (label, what),
             "paravent list | grep -c '^ticker ' && %s" % cut_cmd, want=r"^1")
    sh_check(r, a, "two hosts: %s: the migration fails and says why" % label,
             "for i in $(seq 120); do grep -q rc= %s && break; sleep 1; done; cat %s" % (out, out),
             want=r"paravent: migrate ticker: [^\n]*%s[\s\S]*rc=1" % want_error, timeout=150)
    sh_check(r, b, "two hosts: %s: the receiver discarded what it got" % label, RECEIVER_EMPTY, want=r"tickers=0",
             timeout=90, diag="cat /run/paravent/domains/ticker/vmm.log | tail -5")
    sh_check(r, b, "two hosts: %s: %s" % (label, after), after_cmd, timeout=30)
    sh_check(r, a, "two hosts: %s: the guest still runs on the source, its count going on" % label, GUEST_STAYS,
             want=r"r-----[\s\S]*ticker-advancing", timeout=60,
             diag="tail -5 /run/paravent/domains/ticker/vmm.log; tail -c 300 %s" % TICKER_OUT)


def run(r, a, b, sh_check):
    for m, ip in ((a, A_IP), (b, B_IP)):
        if not sh_check(r, m, "two hosts: %s bridges its second NIC (the link) as br1, at %s" % (m.name, ip),
                        link_up(m, ip), want=r"inet " + ip.replace(".", r"\.")):
            return
    if not sh_check(r, a, "two hosts: the dom0s reach each other over the link",
                    "ping -c 2 -W 5 %s" % B_IP, timeout=30):
        return
    sh_check(r, b, "two hosts: the receiver's paraventd listens on the relocation port 8002",
             "netstat -ltn | grep ':8002 '", want=r"0\.0\.0\.0:8002")
    rc, token = b.sh("cat /var/lib/paravent/api-token")
    a.sh("printf '%s\\n' > /tmp/b.token; echo 0123456789abcdef > /tmp/wrong.token" % token.strip())
    # the ticker on the LAN: dom0 A hands it its address
    a.sh("printf 'interface br1\\nstart %s\\nend %s\\nlease_file /tmp/br1.leases\\noption subnet 255.255.255.0\\n' "
         "> /tmp/udhcpd.br1.conf; touch /tmp/br1.leases; udhcpd /tmp/udhcpd.br1.conf" % (GUEST_IP, GUEST_IP))
    if not sh_check(r, a, "two hosts: the ticker demo starts on host A, on the LAN (br1)",
                    "sed 's/pvbr0/br1/' /usr/share/paravent/demos/ticker.cfg > /tmp/ticker-lan.cfg && "
                    "paravent create /tmp/ticker-lan.cfg && paravent list | grep '^ticker '", want=r"ticker"):
        return
    if not sh_check(r, a, "two hosts: dom0 A reads the ticker's count across the LAN, each value one more than the last",
                    "paravent-ticker --count 10 %s" % GUEST_IP,
                    want=r"10 values, \d+ to \d+, each one more than the last", timeout=420,
                    diag="tail -20 /run/paravent/domains/ticker/console.log"):
        return
    a.sh("(paravent-ticker %s > %s 2>&1 &) ; sleep 2" % (GUEST_IP, TICKER_OUT))

    sh_check(r, a, "two hosts: a wrong token is refused, with the reason, and the guest stays",
             "paravent migrate --live --token-file /tmp/wrong.token ticker %s; echo rc=$?; %s" % (B_IP, GUEST_STAYS),
             want=r"paravent: migrate ticker: the receiver refused the token[^\n]*\nrc=1\n[\s\S]*ticker-advancing",
             timeout=60)
    sh_check(r, a, "two hosts: a missing token is asked for before anything starts",
             "paravent migrate ticker %s; echo rc=$?" % B_IP, want=r"API token is needed[\s\S]*rc=2")
    # B's copy of the disk image differs: the receiver refuses and says why
    b.sh("cp %s /tmp/ticker.img.orig && printf X | dd of=%s bs=1 seek=40000 conv=notrunc 2>/dev/null" % (IMG, IMG))
    sh_check(r, a, "two hosts: a receiver whose disk image differs refuses, saying so; the guest stays",
             "paravent migrate --live --token-file /tmp/b.token ticker %s; echo rc=$?; %s" % (B_IP, GUEST_STAYS),
             want=r"paravent: migrate ticker: the receiver: [^\n]*disk[^\n]*\nrc=1\n[\s\S]*ticker-advancing",
             timeout=300)
    b.sh("cp /tmp/ticker.img.orig %s" % IMG)
    sh_check(r, b, "two hosts: the refusing receiver kept nothing", RECEIVER_EMPTY, want=r"tickers=0", timeout=90)

    cut_while_sending(r, a, b, sh_check, "pre-copy cut", "--live --bandwidth 1", "sending")
    cut_while_sending(r, a, b, sh_check, "stop-and-copy cut", "--bandwidth 1", "stopped")
    cut_while_sending(r, a, b, sh_check, "receiver dies", "--live --bandwidth 1", "sending", KILL_RECEIVER)

    sh_check(r, a, "two hosts: through all of that the ticker's count never reset nor skipped a value",
             "pkill -INT paravent-ticker; sleep 1; tail -c 400 %s" % TICKER_OUT,
             want=r"each one more than the last; longest gap \d+ ms; restarts 0", timeout=30)
    # a fresh watcher: the longest gap it sees is the migration's
    a.sh("(paravent-ticker %s > %s 2>&1 &) ; sleep 3" % (GUEST_IP, TICKER_OUT))
    rc, out = a.sh("paravent migrate --live --token-file /tmp/b.token ticker %s; echo rc=$?" % B_IP, 600)
    ok = rc == 0 and re.search(r"migrated ticker to %s: total [\d.]+ s, downtime \d+ ms, [\d.]+ MB sent in \d+ rounds?\n"
                               r"pages per round: \d+[^\n]*\nrc=0" % B_IP.replace(".", r"\."), out)
    r.check("two hosts: paravent migrate --live moves the ticker to host B, with progress and a final report", bool(ok),
            out[-1500:])
    m = re.search(r"total ([\d.]+) s, downtime (\d+) ms, ([\d.]+) MB sent in (\d+) round", out)
    if m:
        r.figures.append(("two-hosts", "live migration of the ticker (64 MiB), TCG",
                          "downtime %s ms, total %s s, %s MB, %s rounds" % (m.group(2), m.group(1), m.group(3), m.group(4))))
    sh_check(r, b, "two hosts: the ticker runs on host B now, announced there by RARP and by itself when asked "
             "(VIRTIO_NET_F_GUEST_ANNOUNCE: its gratuitous ARP, then its acknowledgement)",
             "L=/run/paravent/domains/ticker/vmm.log; "
             "for i in $(seq 30); do paravent list | grep -qE '^ticker .*r-----' && break; sleep 1; done; "
             "paravent list | grep '^ticker '; grep -c 'received the guest: it runs here' $L; "
             "for i in $(seq 30); do grep -q 'the guest has announced itself' $L && break; sleep 1; done; "
             "grep -c 'RARP frames)' $L; grep -c 'the guest has announced itself' $L",
             want=r"r-----[^\n]*\n1\n[1-9]\n1$", timeout=90)
    sh_check(r, a, "two hosts: and no longer on host A", "echo tickers=$(paravent list | grep -c '^ticker ')", want=r"tickers=0")
    sh_check(r, a, "two hosts: the ticker's count went on across the migration: never reset, never back, none missed",
             "sleep 5; pkill -INT paravent-ticker; sleep 1; tail -c 400 %s" % TICKER_OUT,
             want=r"ticker on %s: \d+ values, \d+ to \d+, each one more than the last; longest gap \d+ ms; restarts 0"
                  % GUEST_IP.replace(".", r"\."), timeout=30)
    rc, out = a.sh("tail -c 400 %s" % TICKER_OUT)
    m = re.search(r"longest gap (\d+) ms", out)
    if m:
        r.figures.append(("two-hosts", "ticker's longest gap seen by its client", "%s ms" % m.group(1)))
    # save and restore of the ticker on host B, watched from host A as before: the count goes on
    # (the watcher has its first values before the guest stops)
    a.sh("(paravent-ticker %s > %s 2>&1 &) ; for i in $(seq 30); do grep -q 'ticker on' %s && break; sleep 1; done"
         % (GUEST_IP, TICKER_OUT, TICKER_OUT), 60)
    sh_check(r, b, "two hosts: paravent save of the ticker on host B, then paravent restore: it runs again",
             "paravent save ticker /var/lib/paravent/save/ticker.sav; echo rc=$?; "
             "echo tickers=$(paravent list | grep -c '^ticker '); "
             "paravent restore /var/lib/paravent/save/ticker.sav; echo rc=$?; paravent list | grep '^ticker '",
             want=r"saved ticker to /var/lib/paravent/save/ticker\.sav[^\n]*\nrc=0\ntickers=0\n"
                  r"restored ticker from[^\n]*\nrc=0\nticker .*r-----", timeout=300)
    sh_check(r, a, "two hosts: the ticker's count went on across the save and restore: never reset, none missed",
             "sleep 5; pkill -INT paravent-ticker; sleep 1; tail -c 400 %s" % TICKER_OUT,
             want=r"ticker on %s: \d+ values, \d+ to \d+, each one more than the last; longest gap \d+ ms; restarts 0"
                  % GUEST_IP.replace(".", r"\."), timeout=30)
