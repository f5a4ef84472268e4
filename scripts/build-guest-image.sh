#!/usr/bin/env bash
# build-guest-image.sh cpio|squashfs OUT DIR BUSYBOX
# A guest's root filesystem from its folder DIR of guest-images/: BusyBox with its applet
# links, the shared guest-images/common/guest-lib.sh as /lib/guest-lib.sh, DIR/init,
# DIR/files/ (copied as they are), and each guest-images/common/*.c (paravent-agent) and
# DIR/*.c built as a static musl program in /bin.
#   cpio      an initramfs (the minimal guest the hypervisor's tests boot with --initrd)
#   squashfs  a read-only disk image, booted with root=/dev/vda (the demos)
# No root needed: owners are forced to root, device nodes are declared, not made; every
# timestamp is SOURCE_DATE_EPOCH; zstd-compressed.
. "$(dirname "$0")/lib.sh"
format=$1 out=$2 dir=$3 busybox=$4
cd "$PARAVENT_TOP"
stage=$out.d
rm -rf "$stage" && mkdir -p "$stage"/{bin,sbin,dev,proc,sys,tmp,root,etc,lib}
install -m 755 "$busybox" "$stage/bin/busybox"
install -m 755 "$dir/init" "$stage/init"
install -m 644 guest-images/common/guest-lib.sh "$stage/lib/guest-lib.sh"
for c in guest-images/common/*.c "$dir"/*.c; do
	[ -e "$c" ] || continue
	musl-gcc -std=c11 -O2 -Wall -Wextra -Werror -static -s -o "$stage/bin/$(basename "$c" .c)" "$c"
done
[ -d "$dir/files" ] && cp -a "$dir/files/." "$stage/"
"$busybox" --list-full | while read -r applet; do
	[ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
done
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
rm -f "$out"
case "$format" in
cpio)
	# gen_init_cpio's list: directories, then the rest, sorted (reproducible)
	(cd "$stage" && find . -mindepth 1 | sort) | while read -r p; do
		f=$stage/${p#./}
		mode=$(stat -c %a "$f")
		if [ -L "$f" ]; then echo "slink ${p#.} $(readlink "$f") 0777 0 0"
		elif [ -d "$f" ]; then echo "dir ${p#.} 0$mode 0 0"
		else echo "file ${p#.} $PWD/$f 0$mode 0 0"
		fi
	done > "$out.list"
	echo "nod /dev/console 0600 0 0 c 5 1" >> "$out.list"
	"$(gen_init_cpio_tool)" -t "$SOURCE_DATE_EPOCH" "$out.list" | zstd -q -19 -T1 > "$out"
	rm -f "$out.list" ;;
squashfs)
	mksquashfs "$stage" "$out" -quiet -noappend -no-progress -comp zstd -all-root -no-xattrs \
		-p '/dev/console c 600 0 0 5 1' -p '/dev/null c 666 0 0 1 3' >/dev/null ;;
*)
	die "unknown image format $format (cpio or squashfs)" ;;
esac
rm -rf "$stage"
log "guest image: $out ($(du -h "$out" | cut -f1))"
