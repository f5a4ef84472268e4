"""Guest networking inside dom0: virtio-net on taps attached to dom0's bridges, with the
vhost-net and the user-space back-ends, rate limits, counters and clean-up.

Two minimal guests run side by side for all of it (guest boots are the slow part under
nested emulation): "alpha" with the default back-end (vhost-net) and two NICs, one on the
host-only pvbr0 and one on br0 (the LAN: QEMU's user network here), and "beta" with the
user-space back-end on pvbr0 and a rate-limited disk. Their consoles are FIFOs the checks
type commands into."""

import re

from vmm_checks import INITRD, KERNEL, RUN_VMM

# Shell helpers, defined in front of every command:
#   gstart NAME ARGS...  starts the minimal guest NAME in the background: console input from
#                        the FIFO /tmp/NAME.in, output in /tmp/NAME.log, control socket
#                        /tmp/NAME.sock, VMM messages in /tmp/NAME.err, exit status /tmp/NAME.rc
#   gwait NAME RE SECS   waits until the console shows RE
#   gcmd NAME ID SECS CMD  types CMD and prints its output (between markers numbered ID)
#   ctl NAME JSON        one control request
#   nic NAME I KEY       a number or string from the stats of NIC I
HELPERS = r"""
gstart() { n=$1; shift; rm -f /tmp/$n.in /tmp/$n.log /tmp/$n.rc /tmp/$n.sock; mkfifo /tmp/$n.in;
  (sleep 100000 >/tmp/$n.in &);
  (: >/tmp/$n.err; run_vmm /tmp/$n.err paravent-vmm --kernel %s --initrd %s --memory 128 --name $n \
    --control /tmp/$n.sock --console-log /tmp/$n.log --cmdline "console=ttyS0 quiet minimal.hostname=$n" "$@" \
    </tmp/$n.in >/dev/null; echo $? >/tmp/$n.rc) & }
gwait() { for i in $(seq $3); do grep -q "$2" /tmp/$1.log 2>/dev/null && return 0; sleep 1; done; return 1; }
gcmd() { echo "echo X-\$((0+$2))-BEGIN; $4; echo X-\$((0+$2))-END" >/tmp/$1.in; gwait $1 "^X-$2-END" $3;
  sed -n "/^X-$2-BEGIN/,/^X-$2-END/p" /tmp/$1.log | tr -d '\r'; }
ctl() { vmmctl /tmp/$1.sock "$2"; }
nic() { ctl $1 '{"op":"stats"}' | tr -d ' ' | sed 's/.*"nics":\[//; s/},{/}\n{/g' | sed -n "$(($2+1))p" |
  grep -o "\"$3\":[^,}]*" | cut -d: -f2- | tr -d '"'; }
gip() { sed -n "s/^minimal guest: $2 has //p" /tmp/$1.log | tr -d '\r' | tail -1; }
""" % (KERNEL, INITRD) + RUN_VMM

MIB5 = 5 * 1024 * 1024
LIMIT_SPEC = "128K@125ms"  # 1 MiB/s in steps of 128 KiB
LIMIT = 1024 * 1024


def sh(m, cmd, timeout=60):
    return m.sh(HELPERS + cmd, timeout)


def rate_figure(r, name, out, amount, limit=LIMIT, unit="KiB"):
    """Checks a transfer's rate against the limit, within 10%: 'T0 T1' (uptime seconds) in
    out; amount and limit in bytes (unit KiB) or requests (unit "requests")."""
    mt = re.search(r"t=([\d.]+) ([\d.]+)", out or "")
    if not mt:
        return r.check(name, False, out or "")
    secs = float(mt.group(2)) - float(mt.group(1))
    rate = amount / secs if secs > 0 else 0
    scale = 1024 if unit == "KiB" else 1
    r.figures.append(("net", name, "%.0f %s/s over %.1f s" % (rate / scale, unit, secs)))
    return r.check("%s: %.0f %s/s, limit %.0f" % (name, rate / scale, unit, limit / scale),
                   0.9 * limit <= rate <= 1.1 * limit, out)


def run(r, m, sh_check):
    sh_check(r, m, "net: a bridge that does not exist is one error before the guest boots (status 2)",
             "paravent-vmm --kernel %s --net bridge=nope </dev/null 2>&1; echo status=$?" % KERNEL,
             want=r"bridge nope does not exist[^\n]*\nstatus=2$")
    sh_check(r, m, "net: without the privilege to make a tap (the VMM as nobody), one clear error before the guest boots",
             "chmod 666 /dev/kvm; setuidgid nobody paravent-vmm --kernel %s --memory 64 --net bridge=pvbr0 "
             "</dev/null 2>&1; echo status=$?; chmod 660 /dev/kvm" % KERNEL,
             want=r"(cannot create tap vif\d+\.0: permission denied \(the VMM needs CAP_NET_ADMIN|"
                  r"cannot open /dev/net/tun: Permission denied)[^\n]*\nstatus=2$")
    sh_check(r, m, "net: without /dev/vhost-net the VMM falls back to its user-space back-end, and says so",
             "mv /dev/vhost-net /dev/vhost-net.away; "
             "(paravent-vmm --kernel %s --memory 64 --net bridge=pvbr0 --control /tmp/fb.sock </dev/null "
             ">/dev/null 2>/tmp/fb.err &); for i in $(seq 30); do [ -S /tmp/fb.sock ] && break; sleep 1; done; "
             "vmmctl /tmp/fb.sock '{\"op\":\"stats\"}' | tr -d ' ' | grep -o '\"backend\":\"[a-z]*\"'; "
             "vmmctl /tmp/fb.sock '{\"op\":\"stop\"}' >/dev/null; sleep 1; "
             "paravent-vmm --kernel %s --memory 64 --net bridge=pvbr0,backend=vhost </dev/null 2>&1; echo status=$?; "
             "mv /dev/vhost-net.away /dev/vhost-net; cat /tmp/fb.err" % (KERNEL, KERNEL),
             want=r"^\"backend\":\"user\"\n[^\n]*vhost[^\n]*\nstatus=2\n[\s\S]*using the user-space back-end",
             timeout=90)
    sh_check(r, m, "net: tap=NAME: the VMM makes that tap, attaches it to the bridge, and it goes with the VMM",
             "(paravent-vmm --kernel %s --memory 64 --net tap=pvtest0,bridge=pvbr0 --control /tmp/tn.sock </dev/null "
             ">/dev/null 2>&1 &); for i in $(seq 30); do [ -S /tmp/tn.sock ] && break; sleep 1; done; "
             "vmmctl /tmp/tn.sock '{\"op\":\"stats\"}' | tr -d ' ' | grep -o '\"tap\":\"[a-z0-9.]*\"'; "
             "ls /sys/class/net/pvbr0/brif | grep -c '^pvtest0$'; vmmctl /tmp/tn.sock '{\"op\":\"stop\"}' >/dev/null; "
             "for i in $(seq 20); do [ -e /sys/class/net/pvtest0 ] || break; sleep 1; done; "
             "ls /sys/class/net | grep -c '^pvtest0$'; true" % KERNEL,
             want=r"^\"tap\":\"pvtest0\"\n1\n0$", timeout=60)
    sh_check(r, m, "net: a bad --net option is refused the same way",
             "paravent-vmm --kernel %s --net bridge=pvbr0,backend=vhost,rate=1M </dev/null 2>&1; echo status=$?" % KERNEL,
             want=r"rate limits run in the user-space back-end[^\n]*\nstatus=2$")

    sh_check(r, m, "net: start alpha (vhost-net; NICs on pvbr0 and br0) and beta (user space; a limited disk)",
             HELPERS + "dd if=/dev/zero of=/tmp/beta.img bs=1M count=8 2>/dev/null; "
             "gstart alpha --net bridge=pvbr0 --net bridge=br0; "
             "gstart beta --net bridge=pvbr0,backend=user --disk /tmp/beta.img,rate=100K@100ms; "
             "gwait alpha 'eth0 has 10.80.0.' 400 && gwait beta 'eth0 has 10.80.0.' 300 && "
             "gwait alpha 'eth1 has 10.0.2.' 120; "
             "echo alpha=$(gip alpha eth0) beta=$(gip beta eth0) lan=$(gip alpha eth1); cat /tmp/alpha.err /tmp/beta.err",
             want=r"alpha=10\.80\.0\.\d+ beta=10\.80\.0\.\d+ lan=10\.0\.2\.\d+", timeout=700)
    rc, out = sh(m, "echo ips: $(gip alpha eth0) $(gip beta eth0)")
    ips = out.split("ips:")[-1].split()
    if len(ips) != 2:
        r.check("net: both guests have addresses", False, out)
        return
    alpha, beta = ips
    sh_check(r, m, "net: the taps are vifPID.N on their bridges; alpha runs on vhost-net, beta in user space",
             HELPERS + "echo $(nic alpha 0 tap) $(nic alpha 0 backend) $(nic alpha 1 backend) "
             "$(nic beta 0 backend); ls /sys/class/net/pvbr0/brif/ /sys/class/net/br0/brif/ | tr '\\n' ' '",
             want=r"^vif\d+\.0 vhost vhost user\n.*vif\d+\.1 .*vif\d+\.0 .*vif\d+\.0 ")
    sh_check(r, m, "net: the guests' MACs are derived from their names",
             HELPERS + "nic alpha 0 mac; nic beta 0 mac", want=r"^52:56:[0-9a-f:]{11}\n52:56:[0-9a-f:]{11}$")
    sh_check(r, m, "net: dom0 pings both guests on pvbr0",
             "ping -c 2 -W 10 %s && ping -c 2 -W 10 %s" % (alpha, beta),
             want=r"2 packets received[\s\S]*2 packets received", timeout=90)
    sh_check(r, m, "net: alpha (vhost) pings beta (user space) and dom0",
             HELPERS + "gcmd alpha 1 120 'ping -c 3 -W 10 %s; ping -c 2 -W 10 10.80.0.1'" % beta,
             want=r"3 packets transmitted, 3 packets received[\s\S]*2 packets received", timeout=150)
    sh_check(r, m, "net: a guest on br0 is on the LAN: alpha pings QEMU's user-network gateway",
             HELPERS + "gcmd alpha 2 60 'ping -c 2 -W 10 -I eth1 10.0.2.2'",
             want=r"2 packets received", timeout=90)
    sh_check(r, m, "net: beta serves HTTP; dom0 and alpha fetch its page",
             HELPERS + "gcmd beta 3 60 'mkdir -p /www; echo \"hello from $(hostname)\" >/www/index.html; "
             "dd if=/dev/zero of=/www/big bs=1M count=5 2>/dev/null; httpd -h /www -p 80; echo serving'; "
             "wget -q -T 30 -O - http://%s/index.html && gcmd alpha 4 90 'wget -q -T 30 -O - http://%s/index.html'" % (beta, beta),
             want=r"X-3-END\nhello from beta\nX-4-BEGIN\nhello from beta\nX-4-END", timeout=200)
    # Exits per packet: alpha's vCPUs must not exit to the VMM for its network traffic.
    exits = ("ctl alpha '{\"op\":\"stats\"}' | tr -d ' ' | grep -o '\"\\(io\\|mmio\\)\":[0-9]*' | "
             "cut -d: -f2 | awk '{s+=$1} END{print s}'")
    rc, out = sh(m, "a=$(%s); ping -c 50 -i 0.05 -q %s >/dev/null; b=$(%s); echo exits=$((b-a))"
                 % (exits, alpha, exits), 120)
    mx = re.search(r"exits=(\d+)", out or "")
    r.check("net: vhost-net: 50 pings to alpha cost %s exits to the VMM (fewer than 5)" %
            (mx.group(1) if mx else "?"), bool(mx) and int(mx.group(1)) < 5, out)

    # Rate limits, changed at run time on the control socket.
    rc, out = sh(m, "ctl beta '{\"op\":\"rate\",\"device\":\"net0\",\"tx-rate\":\"%s\"}' && "
                    "a=$(cut -d' ' -f1 /proc/uptime); wget -q -T 60 -O /dev/null http://%s/big; "
                    "echo t=$a $(cut -d' ' -f1 /proc/uptime); nic beta 0 tx_throttled" % (LIMIT_SPEC, beta), 120)
    rate_figure(r, "net: beta (user space) sends 5 MiB under tx-rate=%s" % LIMIT_SPEC, out, MIB5)
    sh_check(r, m, "net: alpha takes a receive limit at run time: vhost-net gives way to user space",
             HELPERS + "mkdir -p /tmp/www && dd if=/dev/zero of=/tmp/www/big bs=1M count=5 2>/dev/null && "
             "(httpd -h /tmp/www -p 10.80.0.1:8080 || true) && "
             "ctl alpha '{\"op\":\"rate\",\"device\":\"net0\",\"rx-rate\":\"%s\"}' && nic alpha 0 backend"
             % LIMIT_SPEC, want=r"\nuser$")
    rc, out = sh(m, "gcmd alpha 5 120 'a=$(cut -d\" \" -f1 /proc/uptime); wget -q -T 60 -O /dev/null "
                    "http://10.80.0.1:8080/big; echo t=$a $(cut -d\" \" -f1 /proc/uptime)'", 150)
    rate_figure(r, "net: alpha receives 5 MiB under rx-rate=%s" % LIMIT_SPEC, out, MIB5)
    sh_check(r, m, "net: the limit removed, alpha is back on vhost-net and still talks",
             HELPERS + "ctl alpha '{\"op\":\"rate\",\"device\":\"net0\",\"rx-rate\":\"off\"}' && nic alpha 0 backend && "
             "nic alpha 0 rx_rate && ping -c 2 -W 10 %s" % alpha,
             want=r"\nvhost\noff\n[\s\S]*2 packets received", timeout=60)
    sh_check(r, m, "net: alpha serves HTTP on vhost-net too; dom0 fetches its page",
             HELPERS + "gcmd alpha 8 60 'mkdir -p /www; echo \"hello from $(hostname)\" >/www/index.html; "
             "httpd -h /www -p 80; echo serving' >/dev/null; wget -q -T 30 -O - http://%s/index.html" % alpha,
             want=r"^hello from alpha$", timeout=120)
    sh_check(r, m, "net: link down on the control socket: alpha's eth0 loses its carrier",
             HELPERS + "ctl alpha '{\"op\":\"link\",\"device\":\"net0\",\"up\":false}' >/dev/null && nic alpha 0 link_up && "
             "gcmd alpha 9 60 'for i in 1 2 3 4 5 6 7 8 9 10; do c=$(cat /sys/class/net/eth0/carrier); "
             "[ $c = 0 ] && break; sleep 1; done; echo carrier=$c'",
             want=r"^false\n[\s\S]*carrier=0\n", timeout=90)
    sh_check(r, m, "net: ... link up again: the carrier is back and dom0 reaches alpha",
             HELPERS + "ctl alpha '{\"op\":\"link\",\"device\":\"net0\",\"up\":true}' >/dev/null && nic alpha 0 link_up && "
             "gcmd alpha 10 60 'for i in 1 2 3 4 5 6 7 8 9 10; do c=$(cat /sys/class/net/eth0/carrier); "
             "[ $c = 1 ] && break; sleep 1; done; echo carrier=$c'; ping -c 2 -W 10 %s" % alpha,
             want=r"^true\n[\s\S]*carrier=1\n[\s\S]*2 packets received", timeout=90)
    rc, out = sh(m, "gcmd beta 6 120 'a=$(cut -d\" \" -f1 /proc/uptime); "
                    "dd if=/dev/vda of=/dev/null bs=64k count=64 iflag=direct 2>/dev/null; "
                    "echo t=$a $(cut -d\" \" -f1 /proc/uptime)'", 150)
    rate_figure(r, "net: beta reads 4 MiB from its disk under rate=100K@100ms (set at start)", out, 4 * 1024 * 1024,
                limit=1000 * 1024)
    # The disk's limits changed at run time: bytes twice as fast, then requests only.
    rc, out = sh(m, "ctl beta '{\"op\":\"rate\",\"device\":\"disk0\",\"rate\":\"256K@125ms\"}' >/dev/null && "
                    "gcmd beta 11 120 'a=$(cut -d\" \" -f1 /proc/uptime); "
                    "dd if=/dev/vda of=/dev/null bs=64k count=128 iflag=direct 2>/dev/null; "
                    "echo t=$a $(cut -d\" \" -f1 /proc/uptime)'", 150)
    rate_figure(r, "net: beta's disk limit raised at run time to 256K@125ms: 8 MiB read", out, 8 * 1024 * 1024,
                limit=2 * 1024 * 1024)
    rc, out = sh(m, "ctl beta '{\"op\":\"rate\",\"device\":\"disk0\",\"rate\":\"off\",\"ops\":\"25@100ms\"}' "
                    ">/dev/null && gcmd beta 12 120 'a=$(cut -d\" \" -f1 /proc/uptime); "
                    "dd if=/dev/vda of=/dev/null bs=4k count=1000 iflag=direct 2>/dev/null; "
                    "echo t=$a $(cut -d\" \" -f1 /proc/uptime)'", 150)
    rate_figure(r, "net: beta's disk under ops=25@100ms, set at run time: 1000 reads", out, 1000, limit=250,
                unit="requests")
    rc, out = sh(m, "echo counters: $(nic beta 0 tx_bytes) $(nic beta 0 tx_throttled) $(nic beta 0 tx_malformed) "
                    "$(nic beta 0 rx_packets)")
    c = [int(x) for x in re.findall(r"\d+", (out or "").split("counters:")[-1])]
    r.check("net: per-NIC counters in stats: beta sent its 5 MiB, was throttled, dropped nothing malformed",
            len(c) == 4 and c[0] >= MIB5 and c[1] > 0 and c[2] == 0 and c[3] > 0, out)
    sh_check(r, m, "net: a VMM killed with SIGKILL leaves no tap behind",
             HELPERS + "t=$(nic beta 0 tap); [ -n \"$t\" ] || echo no-tap-name; "
             "kill -9 $(pidof paravent-vmm | tr ' ' '\\n' | while read p; do "
             "grep -q beta /proc/$p/cmdline && echo $p; done); sleep 2; ls /sys/class/net | grep -c \"^$t$\"; "
             "ls /sys/class/net/pvbr0/brif | wc -l",
             want=r"^0\n1(\n|$)")
    sh_check(r, m, "net: a guest that powers off takes its taps with it (status 0)",
             HELPERS + "gcmd alpha 7 10 'poweroff -f' >/dev/null; for i in $(seq 60); do [ -e /tmp/alpha.rc ] && break; "
             "sleep 1; done; echo status=$(cat /tmp/alpha.rc) taps=$(ls /sys/class/net | grep -c '^vif')",
             want=r"status=0 taps=0", timeout=90)
    bad_frames(r, m, sh_check)


def bad_frames(r, m, sh_check):
    """Frames with a header no driver writes are dropped and counted, and the NIC goes on: the
    guest "gamma" runs the VMM's debug build (on the test disk; make test builds it), whose
    test hook spoils, in guest memory, the headers of the next frames the guest sends, as a
    hostile guest could write them. User-space back-end: with vhost-net the dom0 kernel checks
    the headers itself."""
    sh_check(r, m, "net: frames with a bad virtio-net header from a guest are dropped, counted in stats and "
             "logged once; the next frames go through",
             HELPERS + "test -x /mnt/debian/paravent-vmm-debug || echo 'no debug VMM on the test disk'; "
             "mkdir -p /tmp/dbgbin && ln -sf /mnt/debian/paravent-vmm-debug /tmp/dbgbin/paravent-vmm; "
             "PATH=/tmp/dbgbin:$PATH gstart gamma --net bridge=pvbr0,backend=user; "
             "gwait gamma 'eth0 has 10.80.0.' 400 >/dev/null; echo before=$(nic gamma 0 tx_malformed); "
             "gcmd gamma 1 120 'printf \"\\\\003\" | dd of=/dev/port bs=1 count=1 seek=1521 2>/dev/null; "
             "ping -c 6 -W 5 10.80.0.1 | grep -o \"[0-9] packets received\"'; "
             "echo after=$(nic gamma 0 tx_malformed); grep -o 'dropping a frame from the guest: [^(]*' /tmp/gamma.err | "
             "head -n 3; grep -c 'dropping a frame' /tmp/gamma.err; "
             "gcmd gamma 2 10 'poweroff -f' >/dev/null; for i in $(seq 60); do [ -e /tmp/gamma.rc ] && break; sleep 1; done",
             want=r"before=0\n[\s\S]*[1-6] packets received\n[\s\S]*after=3\ndropping a frame from the guest: \S[^\n]*\n1(\n|$)",
             timeout=600)
