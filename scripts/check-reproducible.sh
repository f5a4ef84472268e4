#!/usr/bin/env bash
# check-reproducible.sh ISO
# Builds the ISO a second time in a separate build directory, from the same sources and
# SOURCE_DATE_EPOCH, and compares the bytes. Everything after the kernels is rebuilt from
# scratch (our programs, BusyBox's link step, the root image, the initramfs, the boot
# loader images, the ISO); the kernels come from the cache, keyed by source and config.
. "$(dirname "$0")/lib.sh"
iso=$1
cd "$PARAVENT_TOP"
second=build/repro
rm -rf "$second"
make -s B="$second" "$second/paravent.iso" >/dev/null
a=$(sha256sum < "$iso" | cut -d' ' -f1)
b=$(sha256sum < "$second/paravent.iso" | cut -d' ' -f1)
if [ "$a" != "$b" ]; then
	echo "not reproducible: $iso ($a) differs from $second/paravent.iso ($b)"
	for f in rootfs.squashfs initramfs.img build-id iso/efiboot.img iso/BOOTX64.EFI; do
		cmp -s "build/$f" "$second/$f" || echo "  differs: $f"
	done
	exit 1
fi
echo "reproducible: both builds give sha256 $a"
