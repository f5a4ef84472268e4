#!/usr/bin/env bash
# build-guest-initramfs.sh OUT DIR BUSYBOX
# A demo guest's initramfs: BusyBox with its applet links, the shared guest-images/common/
# guest-lib.sh as /lib/guest-lib.sh, DIR/init, DIR/files/ (copied as they are), and each
# DIR/*.c built as a static musl program in /bin. Packed with the kernel's gen_init_cpio (no
# root), dated to SOURCE_DATE_EPOCH, zstd-compressed.
. "$(dirname "$0")/lib.sh"
out=$1 dir=$2 busybox=$3
cd "$PARAVENT_TOP"
gen=$(gen_init_cpio_tool)
work=$out.d
rm -rf "$work" && mkdir -p "$work/bin"
install -m 755 "$busybox" "$work/busybox"
install -m 755 "$dir/init" "$work/init"
install -m 644 guest-images/common/guest-lib.sh "$work/guest-lib.sh"
for c in "$dir"/*.c; do
	[ -e "$c" ] || continue
	musl-gcc -std=c11 -O2 -Wall -Wextra -Werror -static -s -o "$work/bin/$(basename "$c" .c)" "$c"
done
find "$work" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
{
	for d in /bin /sbin /dev /proc /sys /tmp /root /etc /lib; do echo "dir $d 0755 0 0"; done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "file /init $PWD/$work/init 0755 0 0"
	echo "file /bin/busybox $PWD/$work/busybox 0755 0 0"
	echo "file /lib/guest-lib.sh $PWD/$work/guest-lib.sh 0644 0 0"
	for p in "$work"/bin/*; do
		[ -e "$p" ] && echo "file /bin/${p##*/} $PWD/$p 0755 0 0"
	done
	"$busybox" --list-full | while read -r applet; do
		[ "$applet" = bin/busybox ] || [ -e "$work/$applet" ] || echo "slink /$applet /bin/busybox 0777 0 0"
	done
	# DIR/files: directories first, then files with their modes (sorted: reproducible)
	if [ -d "$dir/files" ]; then
		(cd "$dir/files" && find . -mindepth 1 -type d | sort) | while read -r d; do
			echo "dir ${d#.} 0755 0 0"
		done
		(cd "$dir/files" && find . -type f | sort) | while read -r f; do
			mode=$(stat -c %a "$dir/files/$f")
			echo "file ${f#.} $PWD/$dir/files/${f#./} 0$mode 0 0"
		done
	fi
} > "$work/list"
"$gen" -t "$SOURCE_DATE_EPOCH" "$work/list" | zstd -q -19 -T1 > "$out"
log "guest initramfs: $out ($(du -h "$out" | cut -f1))"
