#!/usr/bin/env bash
# Installs every package Paravent needs to build, run and test, from Debian's archive,
# when missing: apt as root; otherwise the exact command for root to run. Also enables the
# deb-src entries that source packages (BusyBox) come from.
set -euo pipefail
packages=(
	# compilers and the kernel build
	build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils zstd kmod rsync
	musl-tools dpkg-dev
	# libsodium's Debian source has no generated configure: its build runs autoreconf
	autoconf automake libtool
	# libseccomp's build generates its system call table with gperf
	gperf
	# the unit test of paraventd's migration link (host compiler, sanitizers)
	libsodium-dev
	# fuzzing (make fuzz, and briefly in make test): clang with libFuzzer
	clang libclang-rt-14-dev
	# sources
	linux-source-6.1
	# images: squashfs, ISO, EFI partition, boot loaders
	squashfs-tools xorriso isolinux syslinux-common grub-efi-amd64-bin grub-common
	mtools dosfstools e2fsprogs
	# running and testing; Debian's stock kernel is a guest in the tests and the reference
	# of the boot benchmark
	qemu-system-x86 qemu-utils ovmf python3 linux-image-amd64 initramfs-tools
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

have_deb_src() {
	{ cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } |
		grep -qE '^(Types:.*deb-src|deb-src )'
}

if [ ${#missing[@]} = 0 ] && have_deb_src; then
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "Paravent needs these Debian packages: ${missing[*]:-(none)}" >&2
	have_deb_src || echo "and deb-src entries in apt's sources (for BusyBox's source package)." >&2
	echo "As root, run: make deps   (or: apt-get install ${missing[*]})" >&2
	exit 1
fi
if ! have_deb_src; then
	# Mirror the binary entries as deb-src ones, in either sources format.
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources \
			> /etc/apt/sources.list.d/paravent-deb-src.sources
	elif [ -f /etc/apt/sources.list ]; then
		sed -n 's/^deb /deb-src /p' /etc/apt/sources.list > /etc/apt/sources.list.d/paravent-deb-src.list
	fi
	have_deb_src || { echo "cannot add deb-src entries: add them to apt's sources by hand" >&2; exit 1; }
	echo ">>> enabled deb-src entries for Debian source packages" >&2
fi
echo ">>> installing: ${missing[*]:-(package lists only)}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
