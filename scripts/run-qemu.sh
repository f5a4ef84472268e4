#!/usr/bin/env bash
# run-qemu.sh [--uefi] [--usb] ISO
# Boots the ISO in QEMU with 2 vCPUs and 2 GiB, the serial console on this terminal
# (Ctrl-A X quits, Ctrl-A C toggles the QEMU monitor). With hardware KVM on this host
# (kvm_intel or kvm_amd loaded) it is used with the host's CPU; otherwise QEMU emulates
# the CPU (TCG) as "max", which offers AMD-V with nested paging, so that dom0 still has
# a working /dev/kvm and runs guests, slowly.
set -euo pipefail
uefi=0 usb=0
while [ $# -gt 1 ]; do
	case "$1" in
	--uefi) uefi=1 ;;
	--usb) usb=1 ;;
	*) echo "usage: $0 [--uefi] [--usb] ISO" >&2; exit 2 ;;
	esac
	shift
done
iso=${1:?usage: $0 [--uefi] [--usb] ISO}
[ -f "$iso" ] || { echo "no ISO at $iso (make iso)" >&2; exit 1; }

args=(-M q35 -smp 2 -m 2048 -display none -serial mon:stdio -nic user,model=e1000)
if [ -d /sys/module/kvm_intel ] || [ -d /sys/module/kvm_amd ]; then
	[ -w /dev/kvm ] || { echo "/dev/kvm is not writable for you: add yourself to group kvm" >&2; exit 1; }
	echo ">>> hardware KVM: -enable-kvm -cpu host" >&2
	args+=(-enable-kvm -cpu host)
else
	echo ">>> no hardware KVM on this host: emulating the CPU (TCG, -cpu max); expect slow guests" >&2
	args+=(-accel tcg -cpu max)
fi
if [ $usb = 1 ]; then
	args+=(-device qemu-xhci -drive "if=none,id=stick,format=raw,snapshot=on,file=$iso" -device usb-storage,drive=stick,removable=on)
else
	args+=(-drive "if=none,id=cd0,media=cdrom,readonly=on,file=$iso" -device ide-cd,drive=cd0)
fi
if [ $uefi = 1 ]; then
	vars=$(mktemp --suffix=.fd)
	trap 'rm -f "$vars"' EXIT
	cp /usr/share/OVMF/OVMF_VARS_4M.fd "$vars"
	args+=(-drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
		-drive "if=pflash,format=raw,unit=1,file=$vars")
fi
echo ">>> booting $iso ($([ $uefi = 1 ] && echo UEFI || echo BIOS), $([ $usb = 1 ] && echo USB stick || echo CD)); Ctrl-A X quits" >&2
qemu-system-x86_64 "${args[@]}"
