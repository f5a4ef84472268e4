#!/usr/bin/env bash
# build-libseccomp.sh
# libseccomp, with which paravent-vmm builds its system call allowlist, from Debian's source
# package, built static against musl (only the library: no tools, no Python bindings).
# Installed into the cache, keyed by source version, compiler and this script; prints the
# prefix (PREFIX/include/seccomp.h, PREFIX/lib/libseccomp.a).
. "$(dirname "$0")/lib.sh"
cd "$PARAVENT_TOP"
src=$(scripts/fetch-deb-source.sh libseccomp)
khdr=$(scripts/build-headers.sh)
key=$(cache_key "$(basename "$src")" "$(deb_version musl-tools)" "$(gcc -dumpfullversion)" "$0")
prefix=$PARAVENT_CACHE/libs/libseccomp-$key
if [ ! -f "$prefix/lib/libseccomp.a" ]; then
	log "building libseccomp ($(basename "$src")) against musl"
	work=$PARAVENT_CACHE/libs/build-libseccomp-$key
	rm -rf "$work" "$prefix.tmp" && mkdir -p "$work"
	(
		cd "$work"
		"$src/configure" --quiet CC=musl-gcc CFLAGS="-Os -isystem $khdr" \
			--prefix="$prefix.tmp" --enable-static --disable-shared --disable-python >/dev/null
		make -s -j"$JOBS" -C src libseccomp.la >/dev/null
		make -s -C src install-libLTLIBRARIES >/dev/null
		make -s -C include install >/dev/null
	) > "$work.log" 2>&1 || { tail -30 "$work.log" >&2; die "libseccomp build failed (log: $work.log)"; }
	commit_dir "$prefix"
	rm -rf "$work"
fi
echo "$prefix"
