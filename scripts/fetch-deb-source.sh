#!/usr/bin/env bash
# fetch-deb-source.sh PACKAGE
# Downloads Debian's source package PACKAGE (the candidate version of the configured
# archive) into the cache and unpacks it there, once per version; prints the source tree.
. "$(dirname "$0")/lib.sh"
pkg=$1
ver=$(apt-cache showsrc "$pkg" 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -1)
[ -n "$ver" ] || die "no source package $pkg in apt's lists (run: make deps, which enables deb-src)"
dir=$PARAVENT_CACHE/src/$pkg-${ver//[:~]/_}
if [ ! -f "$dir/.unpacked" ]; then
	dl=$PARAVENT_CACHE/dl/$pkg-${ver//[:~]/_}
	mkdir -p "$dl"
	log "downloading source package $pkg $ver"
	# apt-get source as root warns about its sandbox user; the files are ours anyway.
	(cd "$dl" && apt-get source -qq --download-only "$pkg=$ver" 2>&1 | grep -v -e '^W: Download is performed unsandboxed' -e '^$' >&2 || true)
	dsc=$(ls "$dl"/*.dsc 2>/dev/null | head -1)
	[ -n "$dsc" ] || die "could not download source package $pkg $ver"
	rm -rf "$dir.tmp"
	dpkg-source --no-check -x "$dsc" "$dir.tmp" >/dev/null
	touch "$dir.tmp/.unpacked"
	commit_dir "$dir"
fi
echo "$dir"
