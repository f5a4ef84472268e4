#!/usr/bin/env bash
# build-libmicrohttpd.sh
# GNU libmicrohttpd, the HTTP server library of paraventd, from Debian's source package,
# built static against musl with only what the API needs (no TLS: the API listens on
# loopback and a unix socket; no digest or basic auth: it takes bearer tokens; HTTP upgrade
# stays: a domain's console is an upgraded connection). Installed
# into the cache, keyed by source version, compiler and this script; prints the prefix
# (PREFIX/include/microhttpd.h, PREFIX/lib/libmicrohttpd.a).
. "$(dirname "$0")/lib.sh"
cd "$PARAVENT_TOP"
src=$(scripts/fetch-deb-source.sh libmicrohttpd)
khdr=$(scripts/build-headers.sh)
key=$(cache_key "$(basename "$src")" "$(deb_version musl-tools)" "$(gcc -dumpfullversion)" "$0")
prefix=$PARAVENT_CACHE/libs/libmicrohttpd-$key
if [ ! -f "$prefix/lib/libmicrohttpd.a" ]; then
	log "building libmicrohttpd ($(basename "$src")) against musl"
	work=$PARAVENT_CACHE/libs/build-libmicrohttpd-$key
	rm -rf "$work" "$prefix.tmp" && mkdir -p "$work"
	(
		cd "$work"
		"$src/configure" --quiet CC=musl-gcc CFLAGS="-Os -isystem $khdr" \
			--prefix="$prefix.tmp" --enable-static --disable-shared --disable-https \
			--without-gnutls --disable-curl --disable-doc --disable-examples --disable-tools \
			--disable-nls --disable-dauth --disable-bauth --disable-postprocessor \
			--disable-sendfile >/dev/null
		make -s -j"$JOBS" -C src/microhttpd >/dev/null
		make -s -C src/microhttpd install >/dev/null
		make -s -C src/include install >/dev/null
	) > "$work.log" 2>&1 || { tail -30 "$work.log" >&2; die "libmicrohttpd build failed (log: $work.log)"; }
	commit_dir "$prefix"
	rm -rf "$work"
fi
echo "$prefix"
