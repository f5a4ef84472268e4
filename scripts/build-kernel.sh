#!/usr/bin/env bash
# build-kernel.sh NAME OUTDIR
# Builds the kernel NAME (dom0 or guest) from kernel-config/base.config plus
# kernel-config/NAME.config merged onto allnoconfig, and copies bzImage (and, for the guest,
# vmlinux) to OUTDIR. Results are cached in $PARAVENT_CACHE/kernel keyed by source version,
# fragments and compiler, so an unchanged rebuild takes a second; the object tree is kept per
# kernel and source version so that a changed config rebuilds incrementally.
. "$(dirname "$0")/lib.sh"
name=$1 out=$2
cd "$PARAVENT_TOP"
frags=(kernel-config/base.config "kernel-config/$name.config")
for f in "${frags[@]}"; do [ -f "$f" ] || die "no kernel config fragment $f"; done
src=$(scripts/fetch-linux.sh)
srcver=$(basename "$src")
key=$(cache_key "$srcver" "${frags[@]}" scripts/build-kernel.sh "$(gcc --version | head -1)")
art=$PARAVENT_CACHE/kernel/$name-$srcver-$key
if [ ! -f "$art/bzImage" ]; then
	obj=$PARAVENT_CACHE/kbuild/$name-$srcver
	mkdir -p "$obj"
	cat "${frags[@]}" > "$obj/fragments.config"
	# Reproducible kernel: a fixed build identity, and the date of the source package as
	# the build date, so the cached kernel does not depend on which commit built it first.
	srcdate=$(stat -c %Y /usr/src/linux-source-6.1.tar.xz)
	kmake() {
		make -C "$src" O="$obj" ARCH=x86_64 \
			KBUILD_BUILD_USER=paravent KBUILD_BUILD_HOST=paravent KBUILD_BUILD_VERSION=1 \
			KBUILD_BUILD_TIMESTAMP="@$srcdate" "$@"
	}
	log "configuring $name kernel ($srcver)"
	kmake -s KCONFIG_ALLCONFIG="$obj/fragments.config" allnoconfig
	scripts/kconfig-check.sh "$obj/.config" "${frags[@]}"
	log "building $name kernel in $obj"
	kmake -j"$JOBS" bzImage >"$obj/build.log" 2>&1 || { tail -40 "$obj/build.log" >&2; die "$name kernel build failed (log: $obj/build.log)"; }
	mkdir -p "$art.tmp"
	cp "$obj/arch/x86/boot/bzImage" "$obj/.config" "$art.tmp/"
	cp "$obj/include/config/kernel.release" "$art.tmp/"
	if [ "$name" = guest ]; then cp "$obj/vmlinux" "$art.tmp/"; fi
	commit_dir "$art"
fi
mkdir -p "$out"
cp -a "$art/." "$out/"
log "$name kernel: $out/bzImage ($(cat "$art/kernel.release"))"
