#!/usr/bin/env bash
# Unpacks Linux from Debian's linux-source-6.1 package into the cache (once per package
# version) and prints the path of the source tree.
. "$(dirname "$0")/lib.sh"
ver=$(deb_version linux-source-6.1)
dir=$PARAVENT_CACHE/src/linux-${ver//[:~]/_}
if [ ! -f "$dir/.unpacked" ]; then
	log "unpacking linux-source-6.1 $ver into $dir"
	mkdir -p "$dir.tmp"
	tar -xf /usr/src/linux-source-6.1.tar.xz -C "$dir.tmp" --strip-components=1
	touch "$dir.tmp/.unpacked"
	commit_dir "$dir"
fi
echo "$dir"
