# Shared settings for the build scripts; sourced, never run.
# PARAVENT_CACHE holds downloads, unpacked sources and kernel builds, outside the tree,
# keyed by version (and config), so a clean clone on the same machine rebuilds quickly.
set -euo pipefail
PARAVENT_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PARAVENT_CACHE=${PARAVENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/paravent}
export PARAVENT_CACHE
JOBS=${JOBS:-$(nproc)}
export LC_ALL=C TZ=UTC

die() { echo "error: $*" >&2; exit 1; }
log() { echo ">>> $*" >&2; }

# Version of an installed Debian package, or fail with what to install.
deb_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null | grep . ||
		die "package $1 is not installed (run: make deps)"
}

# Short content hash of files and strings, for cache keys.
cache_key() {
	{ for a in "$@"; do if [ -f "$a" ]; then cat "$a"; else printf '%s\n' "$a"; fi; done; } |
		sha256sum | cut -c1-16
}

# An atomic directory install: build into DIR.tmp, then rename, so an interrupted
# build never leaves a half-filled cache entry that looks complete.
commit_dir() { rm -rf "$1"; mv "$1.tmp" "$1"; }

# The kernel's gen_init_cpio (initramfs archives without root), built once per kernel source;
# prints its path.
gen_init_cpio_tool() {
	local src gen
	src=$(cd "$PARAVENT_TOP" && scripts/fetch-linux.sh)
	gen=$PARAVENT_CACHE/tools/gen_init_cpio-$(basename "$src")
	[ -x "$gen" ] || { mkdir -p "$(dirname "$gen")"; gcc -O2 -o "$gen" "$src/usr/gen_init_cpio.c"; }
	echo "$gen"
}
