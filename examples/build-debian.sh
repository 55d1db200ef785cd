#!/bin/sh
# build-debian.sh: a Debian 12 appliance made with debootstrap (minbase: dash, bash, coreutils,
# grep, sed, mawk, perl-base, apt and gpgv; plus python3-minimal), built into
# $BUILD/examples/debian.viv. The dynamic glibc programs every Debian user knows, for the tests
# that compare modes. The rootfs is cached under $BUILD; needs root and the debootstrap package,
# and skips saying so otherwise.
set -eu
: "${VIV:?}" "${BUILD:?}"
src=$(cd "$(dirname "$0")" && pwd)
out=$BUILD/examples/debian
if [ "$(id -u)" != 0 ] || ! command -v debootstrap >/dev/null 2>&1; then
    echo "SKIP: debian example: needs root and debootstrap (apt-get install debootstrap)" >&2
    exit 0
fi
# The mirror apt already uses here, else Debian's own.
mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
if [ ! -e "$out/.done" ]; then
    rm -rf "$out"
    mkdir -p "$out"
    debootstrap --variant=minbase --include=python3-minimal,gpgv bookworm "$out/rootfs" "$mirror" \
        >"$out.log" 2>&1 || { echo "debian example: debootstrap failed, see $out.log" >&2; exit 1; }
    # Nothing an appliance needs: package caches and lists, and device nodes (the sandbox makes
    # its own /dev; a .viv never carries device files).
    rm -rf "$out/rootfs/var/cache/apt/archives/"*.deb "$out/rootfs/var/lib/apt/lists/"* \
        "$out/rootfs/dev/"*
    # debootstrap copies the build host's name and resolver; an appliance carries neither.
    rm -f "$out/rootfs/etc/hostname"
    printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$out/rootfs/etc/hosts"
    printf 'nameserver 127.0.0.1\n' >"$out/rootfs/etc/resolv.conf"
    touch "$out/.done"
fi
cp "$src/debian/manifest.json" "$out/manifest.json"
"$VIV" build "$out" -o "$BUILD/examples/debian.viv"
