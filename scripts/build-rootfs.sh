#!/usr/bin/env bash
# build-rootfs.sh OUT.squashfs BUSYBOX BINDIR GUEST_KERNEL [GUEST_IMAGE...]
# Assembles dom0's root filesystem: BusyBox and its applet links, rootfs/files, our own
# programs from BINDIR, the guest kernel and guest images; packs it with mksquashfs. No root needed: owners
# are forced to root and device nodes come from pseudo-definitions.
. "$(dirname "$0")/lib.sh"
out=$1 busybox=$2 bindir=$3 guestkernel=$4
shift 4
cd "$PARAVENT_TOP"
stage=$(dirname "$out")/rootfs
rm -rf "$stage"
mkdir -p "$stage"/{bin,sbin,etc,dev,proc,sys,run,tmp,root,mnt,var/lib/paravent,var/log} \
	"$stage"/usr/{bin,sbin,libexec/paravent,share/paravent/kernels,share/paravent/guests}
chmod 1777 "$stage/tmp"
chmod 700 "$stage/root"
install -m 755 "$busybox" "$stage/bin/busybox"
for applet in $("$busybox" --list-full); do
	[ -e "$stage/$applet" ] || ln -s /bin/busybox "$stage/$applet"
done
cp -a rootfs/files/. "$stage/"
for prog in "$bindir"/*; do install -m 755 "$prog" "$stage/usr/bin/"; done
install -m 644 "$guestkernel" "$stage/usr/share/paravent/kernels/guest-bzImage"
for img in "$@"; do install -m 644 "$img" "$stage/usr/share/paravent/guests/"; done
# The demos' domain configurations: guest-images/NAME/domain.cfg -> demos/NAME.cfg, and a
# folder's other *.cfg (several domains from one image, like netlab-*) under their own names
mkdir -p "$stage/usr/share/paravent/demos"
for cfg in guest-images/*/*.cfg; do
	name=$(basename "$cfg")
	[ "$name" = domain.cfg ] && name=$(basename "$(dirname "$cfg")").cfg
	install -m 644 "$cfg" "$stage/usr/share/paravent/demos/$name"
done
version=$(cat VERSION)
echo "$version" > "$stage/etc/paravent-version"
cat > "$stage/etc/os-release" <<OS
NAME="Paravent"
ID=paravent
VERSION_ID=$version
PRETTY_NAME="Paravent $version"
HOME_URL="https://paravent.invalid/"
OS
# Reproducible: every timestamp is the source date (mksquashfs reads SOURCE_DATE_EPOCH too).
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
rm -f "$out"
mksquashfs "$stage" "$out" -quiet -noappend -no-progress -comp zstd -Xcompression-level 19 \
	-b 256K -all-root -no-xattrs \
	-p '/dev/console c 600 0 0 5 1' -p '/dev/null c 666 0 0 1 3' >/dev/null
log "rootfs: $out ($(du -h "$out" | cut -f1))"
