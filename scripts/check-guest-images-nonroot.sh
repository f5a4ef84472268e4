#!/usr/bin/env bash
# check-guest-images-nonroot.sh BUSYBOX
# The demo guests' disk images need no root to build: each is built twice from the same
# sources and SOURCE_DATE_EPOCH, once as the unprivileged user nobody and once as the caller
# (root in CI), and the bytes must match. Run by make test when it runs as root; as another
# user the build itself already shows it.
. "$(dirname "$0")/lib.sh"
busybox=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
cd "$PARAVENT_TOP"
if [ "$(id -u)" != 0 ]; then
	echo "not root: the images were built without root already"
	exit 0
fi
: "${SOURCE_DATE_EPOCH:=$(git log -1 --format=%ct)}"
export SOURCE_DATE_EPOCH
work=$(mktemp -d /tmp/paravent-nonroot.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/nobody" "$work/root"
chown nobody "$work/nobody"
chmod 755 "$work"
as_nobody() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env \
		env PATH=/usr/sbin:/usr/bin:/sbin:/bin SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" "$@"
}
failed=0
for init in guest-images/*/init; do
	dir=$(dirname "$init") name=$(basename "$(dirname "$init")")
	if ! as_nobody scripts/build-guest-image.sh squashfs "$work/nobody/$name.img" "$dir" "$busybox" \
		>"$work/nobody/$name.log" 2>&1; then
		echo "$name: the build as nobody failed:"
		tail -n 5 "$work/nobody/$name.log"
		failed=1
		continue
	fi
	scripts/build-guest-image.sh squashfs "$work/root/$name.img" "$dir" "$busybox" >/dev/null 2>&1
	if cmp -s "$work/nobody/$name.img" "$work/root/$name.img"; then
		echo "$name: built as nobody, the same $(stat -c %s "$work/root/$name.img") bytes as root's"
	else
		echo "$name: the image built as nobody differs from root's"
		failed=1
	fi
done
exit $failed
