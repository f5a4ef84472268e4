#!/usr/bin/env bash
# build-iso.sh OUT.iso KERNEL INITRAMFS ROOTFS BUILD_ID
# The hybrid ISO: isolinux for BIOS (El Torito, plus the isohybrid MBR for USB sticks),
# GRUB for UEFI on an EFI system partition appended as partition 2 (CD and USB alike),
# one menu for both (iso/entries.txt). No root needed; reproducible with SOURCE_DATE_EPOCH.
. "$(dirname "$0")/lib.sh"
out=$1 kernel=$2 initrd=$3 rootfs=$4 build_id=$5
cd "$PARAVENT_TOP"
version=$(cat VERSION)
work=$(dirname "$out")/iso
tree=$work/tree
rm -rf "$work" && mkdir -p "$tree"/{isolinux,boot/grub,live}

cp "$kernel" "$tree/live/vmlinuz"
cp "$initrd" "$tree/live/initrd.img"
cp "$rootfs" "$tree/live/rootfs.squashfs"
echo "Paravent $version, build $build_id" > "$tree/live/build-$build_id"

serial="console=ttyS0,115200 console=tty0"

# BIOS: isolinux and its menu.
bios=/usr/lib/syslinux/modules/bios
cp /usr/lib/ISOLINUX/isolinux.bin "$bios"/{ldlinux.c32,menu.c32,libutil.c32,libcom32.c32} "$tree/isolinux/"
{
	sed "s/@VERSION@/$version/" iso/isolinux.head
	grep -v '^#' iso/entries.txt | while IFS='|' read -r label title opts; do
		printf '\nLABEL %s\n  MENU LABEL %s\n  LINUX /live/vmlinuz\n  INITRD /live/initrd.img\n  APPEND %s %s\n' \
			"$label" "$title" "$serial" "$opts"
	done
} > "$tree/isolinux/isolinux.cfg"

# UEFI: the same menu for GRUB.
{
	cat iso/grub.head
	grep -v '^#' iso/entries.txt | while IFS='|' read -r label title opts; do
		printf '\nmenuentry "%s" --id %s {\n  linux /live/vmlinuz %s %s\n  initrd /live/initrd.img\n}\n' \
			"$title" "$label" "$serial" "$opts"
	done
} > "$tree/boot/grub/grub.cfg"
sed "s/@BUILD_ID@/$build_id/g" iso/grub-early.cfg > "$work/grub-early.cfg"
grub-mkimage -O x86_64-efi -p /boot/grub -c "$work/grub-early.cfg" -o "$work/BOOTX64.EFI" \
	part_gpt part_msdos fat iso9660 search search_fs_file configfile linux normal echo test \
	serial terminal efi_gop efi_uga all_video video_fb ls cat read reboot halt
touch -d "@$SOURCE_DATE_EPOCH" "$work/BOOTX64.EFI"

# The EFI system partition image, built with mtools (no loop mount).
esp=$work/efiboot.img
kib=$(( ($(stat -c %s "$work/BOOTX64.EFI") / 1024) + 512 ))
mkfs.fat -C --invariant -i 50415256 -n PARAVENTEFI "$esp" "$kib" >/dev/null
mmd -i "$esp" ::/EFI ::/EFI/BOOT
mcopy -m -i "$esp" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
touch -d "@$SOURCE_DATE_EPOCH" "$esp"

find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
rm -f "$out"
xorriso -no_rc -as mkisofs -quiet \
	-iso-level 3 -full-iso9660-filenames -joliet -joliet-long -rational-rock \
	-volid PARAVENT -appid "Paravent $version" -publisher Paravent -preparer "scripts/build-iso.sh" \
	-eltorito-boot isolinux/isolinux.bin -eltorito-catalog isolinux/boot.cat \
	-no-emul-boot -boot-load-size 4 -boot-info-table \
	-isohybrid-mbr /usr/lib/ISOLINUX/isohdpfx.bin --mbr-force-bootable -partition_offset 16 \
	-append_partition 2 C12A7328-F81F-11D2-BA4B-00A0C93EC93B "$esp" \
	-isohybrid-gpt-basdat \
	-eltorito-alt-boot -e --interval:appended_partition_2:all:: -no-emul-boot \
	-output "$out" "$tree" 2>&1 | grep -v -e '^xorriso : UPDATE' -e '^$' >&2 || true
[ -s "$out" ] || die "xorriso did not write $out"
log "ISO: $out ($(du -h "$out" | cut -f1))"
