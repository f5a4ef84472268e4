#!/usr/bin/env bash
# build-libsodium.sh
# libsodium, the cryptography of paraventd's migration link (secretstream, HMAC-SHA256,
# BLAKE2b, the system's random numbers), from Debian's source package, built static against
# musl. --enable-minimal leaves out the deprecated and rarely used primitives; what the link
# uses stays. Debian's source is the upstream git tree without a generated configure (Debian
# builds it with dh-autoreconf), so a copy of it is autoreconf'ed first; the autotools'
# versions are part of the key. Installed into the cache, keyed by source version, compilers,
# autotools and this script; prints the prefix (PREFIX/include/sodium.h,
# PREFIX/lib/libsodium.a).
. "$(dirname "$0")/lib.sh"
cd "$PARAVENT_TOP"
src=$(scripts/fetch-deb-source.sh libsodium)
khdr=$(scripts/build-headers.sh)
key=$(cache_key "$(basename "$src")" "$(deb_version musl-tools)" "$(gcc -dumpfullversion)" \
	"$(deb_version autoconf)" "$(deb_version automake)" "$(deb_version libtool)" "$0")
prefix=$PARAVENT_CACHE/libs/libsodium-$key
if [ ! -f "$prefix/lib/libsodium.a" ]; then
	log "building libsodium ($(basename "$src")) against musl"
	work=$PARAVENT_CACHE/libs/build-libsodium-$key
	rm -rf "$work" "$prefix.tmp" && mkdir -p "$work"
	(
		cp -a "$src/." "$work/"
		cd "$work"
		# autogen.sh would also fetch config.guess from the network; autoreconf alone does not.
		autoreconf -fi >/dev/null
		./configure --quiet CC=musl-gcc CFLAGS="-Os -isystem $khdr" \
			--prefix="$prefix.tmp" --enable-static --disable-shared --enable-minimal >/dev/null
		make -s -j"$JOBS" -C src/libsodium >/dev/null
		make -s -C src/libsodium install >/dev/null
	) > "$work.log" 2>&1 || { tail -30 "$work.log" >&2; die "libsodium build failed (log: $work.log)"; }
	commit_dir "$prefix"
	rm -rf "$work"
fi
echo "$prefix"
