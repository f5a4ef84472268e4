#!/usr/bin/env bash
# make-peer-disk.sh OUT PV_BENCH
# The disk make bench attaches to dom0: the build host's own QEMU (Debian's qemu-system-x86)
# with the shared libraries and firmware it needs, pv-bench and in-dom0.sh, in a squashfs. dom0 has no
# glibc, so QEMU runs through the dynamic loader it brought:  /mnt/peer/qemu ARGS...
# pv-bench.cpio puts pv-bench into the guests too: appended to their initramfs.
. "$(dirname "$0")/../../scripts/lib.sh"
out=$(realpath -m "$1") pvbench=$(realpath "$2")
qemu=$(command -v qemu-system-x86_64)
work=$out.d
rm -rf "$work" && mkdir -p "$work/bin" "$work/lib" "$work/share"
cp "$qemu" "$work/bin/"
ldd "$qemu" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' | while read -r lib; do
	cp -L "$lib" "$work/lib/"
done
loader=$(basename "$(ldd "$qemu" | awk '/ld-linux/{print $1}')")
# -M microvm boots through qboot; nothing else is needed with -nodefaults.
cp /usr/share/qemu/bios-microvm.bin "$work/share/"
install -m 755 "$pvbench" "$work/bin/pv-bench"
install -m 755 "$(dirname "$0")/in-dom0.sh" "$work/in-dom0.sh"
printf 'dir /bin 0755 0 0\nfile /bin/pv-bench %s 0755 0 0\n' "$pvbench" > "$work/cpio.list"
"$(gen_init_cpio_tool)" -t "${SOURCE_DATE_EPOCH:-0}" "$work/cpio.list" > "$work/pv-bench.cpio"
rm "$work/cpio.list"
cat > "$work/qemu" <<WRAP
#!/bin/sh
d=\$(dirname "\$0")
exec "\$d/lib/$loader" --library-path "\$d/lib" "\$d/bin/qemu-system-x86_64" -L "\$d/share" "\$@"
WRAP
chmod 755 "$work/qemu"
rm -f "$out"
mksquashfs "$work" "$out" -quiet -noappend -all-root -comp zstd >/dev/null
rm -rf "$work"
echo "peer disk: $out ($(du -h "$out" | cut -f1))"
