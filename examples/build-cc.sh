#!/bin/sh
# build-cc.sh: a C build appliance, "cc": Debian's own gcc, binutils, make and libc6-dev as
# installed on this machine (each package with everything it depends on, file by file from
# dpkg's lists), and busybox for the shell and utilities. Writes $BUILD/examples/cc.viv.
set -eu
: "${VIV:?}" "${BUILD:?}"
src=$(cd "$(dirname "$0")" && pwd)
out=$BUILD/examples/cc
rm -rf "$out"
# Debian 12 is merged-/usr: /bin, /sbin, /lib and /lib64 are links into /usr, in the image too,
# and dpkg still lists some files under the old names.
mkdir -p "$out/rootfs/usr/bin" "$out/rootfs/usr/sbin" "$out/rootfs/usr/lib" "$out/rootfs/usr/lib64" \
    "$out/rootfs/tmp" "$out/rootfs/root" "$out/rootfs/src" "$out/rootfs/etc" "$out/rootfs/proc" \
    "$out/rootfs/dev" "$out/rootfs/sys"
for l in bin sbin lib lib64; do ln -s "usr/$l" "$out/rootfs/$l"; done
cp "$src/cc/manifest.json" "$out/"

want="gcc make libc6-dev"
missing=""
for p in $want; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
    echo "build-cc: missing Debian packages:$missing (apt-get install -y$missing)" >&2
    exit 1
fi
pkgs=$(apt-cache depends --recurse --installed --no-recommends --no-suggests --no-conflicts \
    --no-breaks --no-replaces --no-enhances $want 2>/dev/null | grep -v '^ ' | grep -v '<' | sort -u)
# Regular files and symlinks of those packages; directories come with them.
for p in $pkgs; do dpkg -L "$p" 2>/dev/null; done | sort -u | while read -r f; do
    case $f in /usr/share/doc/* | /usr/share/man/* | /usr/share/info/* | /usr/share/locale/*) continue ;; esac
    if [ -f "$f" ] || [ -L "$f" ]; then printf '%s\n' "$f"; fi
done > "$out/files"
tar -C / --no-recursion -cf - -T "$out/files" 2>/dev/null | tar -C "$out/rootfs" -xf -
# The shell and the small tools a build script expects, from Debian's static busybox.
cp /bin/busybox "$out/rootfs/bin/busybox"
for applet in sh env ls cat echo cp mv rm mkdir rmdir ln chmod touch grep sed awk tr cut sort \
    head tail wc find xargs test printf expr basename dirname uname id sleep true false \
    sha256sum diff tar gzip date; do
    [ -e "$out/rootfs/bin/$applet" ] || [ -e "$out/rootfs/usr/bin/$applet" ] ||
        ln -s busybox "$out/rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$out/rootfs/etc/passwd"
echo 'root:x:0:' > "$out/rootfs/etc/group"
chmod 1777 "$out/rootfs/tmp"
rm -f "$out/files"
"$VIV" build "$out" -o "$out.viv"
