#!/usr/bin/env bash
# build-guest-initramfs.sh OUT DIR BUSYBOX
# A guest initramfs: BusyBox with its applet links and DIR/init, packed with the kernel's
# gen_init_cpio (no root), dated to SOURCE_DATE_EPOCH, zstd-compressed.
. "$(dirname "$0")/lib.sh"
out=$1 dir=$2 busybox=$3
cd "$PARAVENT_TOP"
gen=$(gen_init_cpio_tool)
work=$out.d
rm -rf "$work" && mkdir -p "$work"
install -m 755 "$busybox" "$work/busybox"
install -m 755 "$dir/init" "$work/init"
touch -d "@$SOURCE_DATE_EPOCH" "$work"/*
{
	for d in /bin /sbin /dev /proc /sys /tmp /root /etc; do echo "dir $d 0755 0 0"; done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /init $PWD/$work/init 0755 0 0"
	echo "file /bin/busybox $PWD/$work/busybox 0755 0 0"
	"$busybox" --list-full | while read -r applet; do
		[ "$applet" = bin/busybox ] || echo "slink /$applet /bin/busybox 0777 0 0"
	done
} > "$work/list"
"$gen" -t "$SOURCE_DATE_EPOCH" "$work/list" | zstd -q -19 -T1 > "$out"
log "guest initramfs: $out ($(du -h "$out" | cut -f1))"
