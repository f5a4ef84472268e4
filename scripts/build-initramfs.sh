#!/usr/bin/env bash
# build-initramfs.sh OUT INIT BUSYBOX BUILD_ID
# The initramfs: our static init, BusyBox for the rescue shell, the build id that names the
# boot medium. Made with the kernel's gen_init_cpio (device nodes without root), with
# fixed timestamps, compressed with zstd.
. "$(dirname "$0")/lib.sh"
out=$1 init=$2 busybox=$3 build_id=$4
cd "$PARAVENT_TOP"
src=$(scripts/fetch-linux.sh)
gen=$PARAVENT_CACHE/tools/gen_init_cpio-$(basename "$src")
if [ ! -x "$gen" ]; then
	mkdir -p "$(dirname "$gen")"
	gcc -O2 -o "$gen" "$src/usr/gen_init_cpio.c"
fi
work=$(dirname "$out")/initramfs.list.d
rm -rf "$work" && mkdir -p "$work"
echo "$build_id" > "$work/build-id"
# gen_init_cpio stamps regular files with their own mtime: use copies dated to the source.
install -m 755 "$init" "$work/init"
install -m 755 "$busybox" "$work/busybox"
touch -d "@$SOURCE_DATE_EPOCH" "$work"/*
cat > "$work/list" <<LIST
dir /dev 0755 0 0
nod /dev/console 0600 0 0 c 5 1
nod /dev/null 0666 0 0 c 1 3
dir /proc 0755 0 0
dir /sys 0755 0 0
dir /run 0755 0 0
dir /newroot 0755 0 0
dir /etc 0755 0 0
dir /bin 0755 0 0
file /init $PWD/$work/init 0755 0 0
file /bin/busybox $PWD/$work/busybox 0755 0 0
slink /bin/sh busybox 0777 0 0
file /etc/paravent-build-id $PWD/$work/build-id 0644 0 0
LIST
for applet in mount umount ls cat mkdir dmesg reboot poweroff ps blkid losetup switch_root vi less; do
	echo "slink /bin/$applet busybox 0777 0 0" >> "$work/list"
done
"$gen" -t "$SOURCE_DATE_EPOCH" "$work/list" | zstd -q -19 -T1 > "$out"
log "initramfs: $out ($(du -h "$out" | cut -f1))"
