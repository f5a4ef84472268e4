#!/bin/sh
# in-dom0.sh RUNS [net]: the paravent-vmm half of make bench, run by dom0's shell from the peer disk
# (make-peer-disk.sh). The same guest kernel and initramfs from the ISO, the same memory and
# vCPU, under paravent-vmm and under QEMU -M microvm with KVM; each VMM measured the same way
# (pv-bench). Prints "key value" lines that tests/bench/boot.py turns into the table.
P=$(dirname "$0")
runs=${1:-3}
part=${2:-all} # "net": only the network figures; "migrate": only the migration ones; "flood": the
               # UART flood reproduction (issue 3), not part of "all"
K=/usr/share/paravent/kernels/guest-bzImage
I=/usr/share/paravent/guests/minimal.cpio.zst
VMM="paravent-vmm --memory 128 --vcpus 1 --kernel $K --initrd $I"
QEMU="$P/qemu -M microvm -enable-kvm -cpu host -m 128 -smp 1 -nodefaults -no-user-config
	-display none -monitor none -kernel $K -initrd $I"

wait_for() { # FILE PATTERN: up to 10 minutes
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 1200 ] && { echo "timeout waiting for '$2' in $1" >&2; return 1; }
		usleep 500000
	done
}

# session NAME CMD...: the guest runs with its console on a FIFO (fd 3) and a log.
session() {
	name=$1
	shift
	rm -f "/tmp/$name.in" "/tmp/$name.log"
	mkfifo "/tmp/$name.in"
	"$@" <"/tmp/$name.in" >"/tmp/$name.log" 2>&1 &
	pid=$!
	exec 3>"/tmp/$name.in"
	wait_for "/tmp/$name.log" "minimal guest up"
	sleep 1
}
guest() { # TAG COMMANDS: types them and waits for the end mark
	echo "$2; echo $1-END-\$((40+2))" >&3
	wait_for "$log" "$1-END-42"
}
stat_sum() { # KEY: sums "KEY":N over the VMM's stats reply
	vmmctl /tmp/bench.sock '{"op":"stats"}' | tr ',{}[' '\n\n\n\n' |
		sed -n "s/^\"$1\":\([0-9]*\)$/\1/p" | awk '{s += $1} END {print s + 0}'
}

if [ "$part" = all ]; then
# launch -> the guest's first line from init, for each VMM, interleaved so drift hits both.
boot_cmdline="console=ttyS0 quiet minimal.action=poweroff"
for r in $(seq "$runs"); do
	t=$("$P/bin/pv-bench" launch "minimal guest up" $VMM --console serial \
		--cmdline "$boot_cmdline" </dev/null 2>&1 >/dev/null | sed -n 's/.* after \([0-9.]*\) s/\1/p')
	echo "boot_vmm $t"
	t=$("$P/bin/pv-bench" launch "minimal guest up" $QEMU -serial stdio \
		-append "$boot_cmdline" </dev/null 2>&1 >/dev/null | sed -n 's/.* after \([0-9.]*\) s/\1/p')
	echo "boot_qemu $t"
done

# A 64 MiB disk of random bytes in dom0's memory, read by both guests with O_DIRECT so every
# block goes through the virtio-blk device rather than the guest's page cache.
dd if=/dev/urandom of=/tmp/bench.img bs=1M count=64 2>/dev/null
seq_read='dd if=/dev/vda of=/dev/null bs=1M iflag=direct 2>&1 | tail -n 1'

# paravent-vmm: console on virtio (no exits of its own), control socket for the counters.
log=/tmp/pv.log
session pv $VMM --console virtio --disk /tmp/bench.img,ro --control /tmp/bench.sock \
	--cmdline "console=hvc0 quiet"
e0=$(stat_sum exits)
r0=$(stat_sum reads)
guest small 'dd if=/dev/vda of=/dev/null bs=4k count=2000 iflag=direct 2>/dev/null'
e1=$(stat_sum exits)
r1=$(stat_sum reads)
echo "vmm_small_reads $((r1 - r0))"
echo "vmm_small_exits $((e1 - e0))"
for r in $(seq "$runs"); do
	guest seq$r "$seq_read"
done
grep 'bytes.*copied' "$log" | sed 's/^/vmm_seq /'
echo "vmm_rss $("$P/bin/pv-bench" rss $pid 128)"
echo "vmm_stats_rss_vmm_kib $(stat_sum rss_vmm_kib)"
echo 'poweroff -f' >&3
wait $pid
exec 3>&-

# QEMU -M microvm: the disk as virtio-blk over virtio-mmio, its console on the 8250.
log=/tmp/qemu.log
session qemu $QEMU -serial stdio -append "console=ttyS0 quiet" \
	-drive if=none,id=d0,format=raw,readonly=on,file=/tmp/bench.img \
	-device virtio-blk-device,drive=d0
for r in $(seq "$runs"); do
	guest seq$r "$seq_read"
done
grep 'bytes.*copied' "$log" | sed 's/^/qemu_seq /'
echo "qemu_rss $("$P/bin/pv-bench" rss $pid 128)"
echo 'poweroff -f' >&3
wait $pid
exec 3>&-
rm -f /tmp/bench.img
fi

if [ "$part" = all ] || [ "$part" = migrate ]; then
# Live migration of the minimal guest (128 MiB) between two VMMs of one kind in this dom0,
# through a unix socket: idle, and with the guest dirtying memory steadily (4 MiB of random
# bytes a second). QEMU's downtime limit is set to ours (100 ms); each side reports its own
# downtime and total time. QEMU's own downtime ends when its sender has written the last
# byte; ours when the receiver says the guest runs. So QEMU's pause as its guest sees it is
# measured too, from the sender's STOP event to the receiver's RESUME (QMP stamps both with
# this dom0's clock).
DIRTY='(while :; do dd if=/dev/urandom of=/tmp/d bs=1M count=4 2>/dev/null; sleep 1; done) >/dev/null 2>&1 & true'
hmp() { "$P/bin/pv-bench" hmp "$@"; }
mig_vmm() { # idle | dirty
	log=/tmp/pvm.log
	session pvm $VMM --console virtio --control /tmp/m1.sock --cmdline "console=hvc0 quiet"
	[ "$1" = dirty ] && { guest dirty "$DIRTY"; sleep 5; }
	rm -f /tmp/pvm2.log
	$VMM --console virtio --cmdline "console=hvc0 quiet" --incoming /tmp/mig.sock --control /tmp/m2.sock \
		--log /tmp/pvm2.log </dev/null >/dev/null 2>&1 &
	rpid=$!
	wait_for /tmp/pvm2.log "waiting for a migrating guest"
	vmmctl /tmp/m1.sock '{"op":"migrate","socket":"/tmp/mig.sock"}' >/dev/null
	wait $pid
	echo "mig_vmm_$1 $(sed -n 's/.*]: migrated: //p' "$log" | tr -d '\r')"
	echo "mig_vmm_split_$1 $(sed -n 's/.*]: stop-and-copy: //p' "$log" | tr -d '\r')"
	echo "mig_vmm_sending_$1 $(sed -n 's/.*]: stop-and-copy, sending: //p' "$log" | tr -d '\r')"
	echo "mig_vmm_receiver_$1 $(sed -n 's/.*]: restored the guest from //p; s/.*]: \(confined in\)/\1/p' \
		/tmp/pvm2.log | tr -d '\r' | tr '\n' ' ')"
	vmmctl /tmp/m2.sock '{"op":"stop"}' >/dev/null
	wait $rpid
	exec 3>&-
}
mig_qemu() { # idle | dirty
	log=/tmp/qm.log
	rm -f /tmp/qm1.mon /tmp/qm2.mon /tmp/qm1.qmp /tmp/qm2.qmp /tmp/qmig.sock
	session qm $QEMU_MIG -append "console=ttyS0 quiet" -serial stdio \
		-monitor unix:/tmp/qm1.mon,server=on,wait=off -qmp unix:/tmp/qm1.qmp,server=on,wait=off
	[ "$1" = dirty ] && { guest dirty "$DIRTY"; sleep 5; }
	$QEMU_MIG -append "console=ttyS0 quiet" -serial null -monitor unix:/tmp/qm2.mon,server=on,wait=off \
		-qmp unix:/tmp/qm2.qmp,server=on,wait=off -incoming unix:/tmp/qmig.sock </dev/null >/tmp/qm2.log 2>&1 &
	rpid=$!
	i=0
	while { [ ! -S /tmp/qmig.sock ] || [ ! -S /tmp/qm2.qmp ]; } && [ $i -lt 600 ]; do usleep 100000; i=$((i + 1)); done
	"$P/bin/pv-bench" qmp-event /tmp/qm1.qmp STOP > /tmp/qm-stop &
	w1=$!
	"$P/bin/pv-bench" qmp-event /tmp/qm2.qmp RESUME > /tmp/qm-resume &
	w2=$!
	hmp /tmp/qm1.mon "migrate_set_parameter downtime-limit 100" >/dev/null
	hmp /tmp/qm1.mon "migrate -d unix:/tmp/qmig.sock" >/dev/null
	i=0
	while [ $i -lt 1200 ]; do
		hmp /tmp/qm1.mon "info migrate" > /tmp/qm-info
		grep -q "Migration status: \(completed\|failed\)" /tmp/qm-info && break
		usleep 500000
		i=$((i + 1))
	done
	tr -d '\r' < /tmp/qm-info | sed -n 's/^Migration status: /status=/p; s/^total time: \([0-9]*\) ms.*/total=\1/p;
		s/^downtime: \([0-9]*\) ms.*/downtime=\1/p; s/^transferred ram: \([0-9]*\) kbytes.*/kbytes=\1/p' |
		tr '\n' ' ' | sed "s/^/mig_qemu_$1 /"
	i=0 # the receiver resumes just after the sender counts the migration complete
	while ! grep -q RESUME_at /tmp/qm-resume && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
	kill $w1 $w2 2>/dev/null
	wait $w1 $w2 2>/dev/null
	cat /tmp/qm-stop /tmp/qm-resume | tr '\n' ' ' |
		awk '{ split($1, a, "="); split($2, b, "="); if (a[2] && b[2]) printf "seen=%d", (b[2] - a[2]) * 1000 + 0.5 }'
	echo
	hmp /tmp/qm2.mon quit >/dev/null 2>&1
	hmp /tmp/qm1.mon quit >/dev/null 2>&1
	wait $pid $rpid
	exec 3>&-
}
QEMU_MIG="$P/qemu -M microvm -enable-kvm -cpu host -m 128 -smp 1 -nodefaults -no-user-config
	-display none -kernel $K -initrd $I"
# One migration of each kind first, not counted: under TCG the first run of a code path in
# dom0's kernel (the KVM state calls, on either side) pays for its translation, several
# times what it costs afterwards, and the first of the two VMMs to migrate would pay it for
# both. Hardware has no such cost.
mig_vmm idle >/dev/null
mig_qemu idle >/dev/null
for kind in idle dirty; do
	for r in $(seq "$runs"); do
		mig_vmm $kind
		mig_qemu $kind
	done
done
fi

if [ "$part" = flood ]; then
# Not a figure but a reproduction (issue 3, docs/hypervisor.md "Known problems"): the minimal
# guest floods its UART console for 60 s under each VMM, its console output either written
# straight to a file or carried through two relays (pv-bench relay: loopback TCP between two
# threads, the work a console proxy gives dom0 for every chunk). A guest that dies (a triple
# fault; QEMU runs with -no-reboot, so a reset ends it) or stops writing for 15 s has failed,
# whether in its boot or in the flood. Prints "flood_VMM_HOW alive|dead(...)|wedged|noboot".
RELAY="$P/bin/pv-bench relay"
flood_run() { # vmm|qemu relay|direct SECONDS
	rm -f /tmp/fl.in /tmp/fl.log /tmp/fl.status /tmp/fl.vmmlog
	mkfifo /tmp/fl.in
	if [ "$2" = relay ]; then out="$RELAY | $RELAY"; else out=cat; fi
	if [ "$1" = vmm ]; then
		( $VMM --console serial --cmdline "console=ttyS0" --log /tmp/fl.vmmlog </tmp/fl.in 2>/dev/null
		  echo "exit=$?" > /tmp/fl.status ) | eval "$out" > /tmp/fl.log &
	else
		( $QEMU -serial stdio -append "console=ttyS0" -no-reboot </tmp/fl.in 2>/dev/null
		  echo "exit=$?" > /tmp/fl.status ) | eval "$out" > /tmp/fl.log &
	fi
	exec 4>/tmp/fl.in
	i=0
	while ! grep -qs "minimal guest up" /tmp/fl.log && [ ! -s /tmp/fl.status ] && [ $i -lt 600 ]; do
		usleep 500000
		i=$((i + 1))
	done
	state=alive
	t=0
	if ! grep -q "minimal guest up" /tmp/fl.log; then
		state="noboot($(cat /tmp/fl.status 2>/dev/null))"
	else
		sleep 1
		echo 'while :; do echo flood-flood-flood-flood-flood-flood-flood-flood; done &' >&4
		last=0
		still=0
		while [ $t -lt "$3" ]; do
			sleep 5
			t=$((t + 5))
			[ -s /tmp/fl.status ] && { state="dead($(cat /tmp/fl.status))"; break; }
			n=$(wc -c < /tmp/fl.log)
			if [ "$n" = "$last" ]; then still=$((still + 5)); else still=0; fi
			last=$n
			[ $still -ge 15 ] && { state=wedged; break; }
		done
	fi
	echo "flood_$1_$2 $state after ${t}s of flood, $(wc -c < /tmp/fl.log) bytes of console"
	grep "triple fault at" /tmp/fl.vmmlog 2>/dev/null | sed 's/^/  /'
	pkill -f "minimal.cpio" 2>/dev/null
	exec 4>&-
	sleep 2
}
for r in $(seq "$runs"); do
	flood_run vmm relay 60
	flood_run qemu relay 60
	flood_run vmm direct 60
	flood_run qemu direct 60
done
fi

if [ "$part" != migrate ] && [ "$part" != flood ]; then
# Networking on pvbr0, guest -> dom0: TCP throughput (64 MiB) and the rate of 64-byte UDP
# datagrams (3 s), measured by pv-bench in dom0 (the guests run it too: pv-bench.cpio is
# appended to their initramfs). paravent-vmm on vhost-net and on its user-space back-end,
# QEMU microvm with vhost-net; for vhost-net, exits to paravent-vmm per packet.
cat "$I" "$P/pv-bench.cpio" > /tmp/bench-initrd
printf '#!/bin/sh\nip link set "$1" up\nbrctl addif pvbr0 "$1"\n' > /tmp/qemu-ifup
chmod 755 /tmp/qemu-ifup
net_runs() { # NAME: the guest is up in $log; measures and prints NAME_tcp / NAME_udp lines
	wait_for "$log" "eth0 has 10.80.0." || return
	for r in $(seq "$runs"); do
		"$P/bin/pv-bench" tcp-sink 5001 > /tmp/sink.out &
		sink=$!
		sleep 1
		guest tcp$r "pv-bench tcp-send 10.80.0.1 5001 64"
		wait $sink
		echo "$1_tcp $(cat /tmp/sink.out)"
		"$P/bin/pv-bench" udp-sink 5002 > /tmp/sink.out &
		sink=$!
		sleep 1
		[ "$1" = vmm_vhost ] && { e0=$(stat_sum exits); p0=$(stat_sum tx_packets); }
		guest udp$r "pv-bench udp-send 10.80.0.1 5002 64 3"
		[ "$1" = vmm_vhost ] && { e1=$(stat_sum exits); p1=$(stat_sum tx_packets); }
		wait $sink
		echo "$1_udp $(cat /tmp/sink.out)"
		[ "$1" = vmm_vhost ] && echo "vmm_vhost_exits $((e1 - e0)) packets $((p1 - p0))"
	done
}
for backend in vhost user; do
	log=/tmp/pv-$backend.log
	session pv-$backend paravent-vmm --memory 128 --vcpus 1 --kernel $K --initrd /tmp/bench-initrd \
		--console virtio --cmdline "console=hvc0 quiet" --control /tmp/bench.sock \
		--net bridge=pvbr0,backend=$backend
	net_runs vmm_$backend
	echo 'poweroff -f' >&3
	wait $pid
	exec 3>&-
done
log=/tmp/qemu-net.log
session qemu-net "$P/qemu" -M microvm -enable-kvm -cpu host -m 128 -smp 1 -nodefaults -no-user-config \
	-display none -monitor none -kernel $K -initrd /tmp/bench-initrd -serial stdio \
	-append "console=ttyS0 quiet" \
	-netdev tap,id=n0,ifname=qtap0,script=/tmp/qemu-ifup,downscript=no,vhost=on \
	-device virtio-net-device,netdev=n0,mac=52:54:00:12:34:56
net_runs qemu_vhost
echo 'poweroff -f' >&3
wait $pid
exec 3>&-
fi
echo "bench done"
