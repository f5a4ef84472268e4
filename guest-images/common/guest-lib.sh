# What every demo guest's init does first, sourced from /lib/guest-lib.sh (build-guest-
# initramfs.sh puts it in each image). The init sets GUEST to its demo's name, for messages.
#   guest_setup     mounts, CPU hotplug, power button, the boot marker, hostname, networking
#   guest_param K   the value of K= on the kernel command line
#   guest_say TEXT  one line on the console, as "$GUEST guest: TEXT"
export PATH=/bin:/sbin

guest_param() {
	for w in $(cat /proc/cmdline); do
		case "$w" in "$1="*) echo "${w#*=}" ;; esac
	done | tail -n 1
}

guest_say() { echo "$GUEST guest: $*" >/dev/console; }

guest_setup() {
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev 2>/dev/null
	mount -t tmpfs tmpfs /tmp 2>/dev/null
	# CPUs the VMM plugs later (paravent-vmm --max-vcpus) arrive offline; without udev, the
	# kernel's uevent helper brings each one online as it appears.
	# (helper scripts go to /tmp: the root may be a read-only disk)
	printf '#!/bin/sh\n[ "$SUBSYSTEM" = cpu ] && [ "$ACTION" = add ] && echo 1 >"/sys$DEVPATH/online"\n' >/tmp/uevent
	chmod 755 /tmp/uevent
	echo /tmp/uevent >/proc/sys/kernel/hotplug
	# The ACPI power button (paravent-vmm's "shutdown" request): sync and power off. dd
	# blocks on the button's event device until it is pressed: no polling.
	for d in /sys/class/input/event*; do
		[ "$(cat "$d/device/name" 2>/dev/null)" = "Power Button" ] || continue
		(dd if="/dev/input/${d##*/}" of=/dev/null bs=24 count=1 2>/dev/null &&
			guest_say "power button pressed, powering off" && sync && poweroff -f) &
	done
	# The toolstack's agent (shutdown, reboot from dom0 over vsock), unless paravent.agent=off;
	# silent when the VMM gave the guest no vsock device.
	[ "$(guest_param paravent.agent)" = off ] || [ ! -x /bin/paravent-agent ] ||
		/bin/paravent-agent 2>/dev/null &
	# Boot marker: byte 0x7b to port 0x510 (VMM_BOOT_MARKER_PORT in hypervisor/paravent-vmm.h).
	printf '\173' | dd of=/dev/port bs=1 seek=1296 count=1 2>/dev/null
	name=$(guest_param "$GUEST.hostname")
	hostname "${name:-$GUEST}"
	# a guest that sets its addresses itself (GUEST_STATIC_NET=1, netlab) gets only its loopback
	if [ -n "$GUEST_STATIC_NET" ]; then
		ip link set lo up
	else
		guest_network
	fi
}

# Every virtio-net NIC asks for an address by DHCP in the background (on pvbr0 dom0 answers,
# on br0 the LAN); the console says what each got, and eth0's router is the default route.
guest_network() {
	ip link set lo up
	cat >/tmp/dhcp-event <<EOS
#!/bin/sh
case "\$1" in
bound|renew)
	ifconfig "\$interface" "\$ip" netmask "\${subnet:-255.255.255.0}"
	[ -n "\$router" ] && [ "\$interface" = eth0 ] && route add default gw "\${router%% *}" dev "\$interface" 2>/dev/null
	echo "$GUEST guest: \$interface has \$ip" >/dev/console ;;
deconfig) ifconfig "\$interface" 0.0.0.0 ;;
esac
EOS
	chmod 755 /tmp/dhcp-event
	for n in /sys/class/net/eth*; do
		[ -e "$n" ] || continue
		n=${n##*/}
		ip link set "$n" up
		udhcpc -b -q -i "$n" -s /tmp/dhcp-event -x "hostname:$(hostname)" >/dev/null 2>&1
	done
}

# A shell on the console, again whenever it exits.
guest_console_shell() {
	while :; do
		setsid -c sh -l </dev/console >/dev/console 2>&1
	done
}
