#!/usr/bin/env bash
# Installs the Linux UAPI headers of our kernel source (they do not depend on the config)
# into the cache, once per source version, and prints the include directory that musl
# programs add with -isystem (musl-gcc sees no host headers).
. "$(dirname "$0")/lib.sh"
src=$("$PARAVENT_TOP/scripts/fetch-linux.sh")
dir=$PARAVENT_CACHE/headers/$(basename "$src")
if [ ! -f "$dir/.done" ]; then
	log "installing kernel headers from $(basename "$src")"
	rm -rf "$dir.tmp" "$dir.obj"
	make -s -C "$src" O="$dir.obj" ARCH=x86_64 INSTALL_HDR_PATH="$dir.tmp" headers_install >&2
	rm -rf "$dir.obj"
	touch "$dir.tmp/.done"
	commit_dir "$dir"
fi
echo "$dir/include"
