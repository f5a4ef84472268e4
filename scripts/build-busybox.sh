#!/usr/bin/env bash
# build-busybox.sh OUT
# Builds a static BusyBox against musl from Debian's busybox source package with the applets
# listed in rootfs/busybox.config (merged onto allnoconfig), and writes the binary to OUT.
. "$(dirname "$0")/lib.sh"
out=$1
cd "$PARAVENT_TOP"
src=$(scripts/fetch-deb-source.sh busybox)
khdr=$(scripts/build-headers.sh)
obj=$PARAVENT_CACHE/bbbuild/$(basename "$src")
mkdir -p "$obj"
cp rootfs/busybox.config "$obj/fragment.config"
bmake() {
	make -C "$src" O="$obj" CC=musl-gcc HOSTCC=gcc \
		EXTRA_CFLAGS="-isystem $khdr" \
		KCONFIG_NOTIMESTAMP=1 SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-0}" "$@"
}
# Reconfigure only when the fragment changed, so an unchanged rebuild is a no-op.
if ! cmp -s "$obj/fragment.config" "$obj/fragment.applied" 2>/dev/null; then
	log "configuring busybox ($(basename "$src"))"
	# BusyBox's kconfig ignores KCONFIG_ALLCONFIG, so: allnoconfig, switch on the
	# fragment's symbols, and let oldconfig settle what they depend on.
	bmake -s allnoconfig >/dev/null
	while IFS= read -r line; do
		case "$line" in CONFIG_*=*) sym=${line%%=*}
			sed -i "/^# $sym is not set\$/d; /^$sym=/d" "$obj/.config"
			echo "$line" >> "$obj/.config" ;;
		esac
	done < rootfs/busybox.config
	bmake -s oldconfig < <(yes "") >/dev/null
	scripts/kconfig-check.sh "$obj/.config" rootfs/busybox.config
	cp "$obj/fragment.config" "$obj/fragment.applied"
fi
log "building busybox"
bmake -j"$JOBS" busybox >"$obj/build.log" 2>&1 || { tail -30 "$obj/build.log" >&2; die "busybox build failed (log: $obj/build.log)"; }
mkdir -p "$(dirname "$out")"
cp "$obj/busybox" "$out"
