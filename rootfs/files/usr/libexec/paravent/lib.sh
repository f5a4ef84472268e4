# Helpers shared by dom0's scripts; sourced.

# The value of a boot option: the kernel command line plus what the initramfs added.
param() {
	for w in $(cat /run/paravent/cmdline 2>/dev/null || cat /proc/cmdline); do
		case "$w" in "$1="*) echo "${w#*=}" ;; esac
	done | tail -n 1
}

# The consoles the kernel writes to, as ttys a program can open (tty0 is the current VT).
active_consoles() {
	for c in $(cat /sys/class/tty/console/active 2>/dev/null); do
		[ "$c" = tty0 ] && c=tty1
		echo "$c"
	done
}

# Blocks forever: what a console entry of inittab runs when it has nothing to show.
idle() { exec sleep 2147483647; }
