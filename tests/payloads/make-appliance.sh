#!/bin/sh
# make-appliance.sh DIR PAYLOADS...: a test appliance in DIR (manifest.json and rootfs/): the
# host's static busybox with its applets, plus each payload binary in /bin. Built with $VIV into
# DIR.viv. Extra manifest keys come from $MANIFEST_EXTRA (a JSON fragment starting with a comma).
set -eu
: "${VIV:?}"
dir=$1
shift
rm -rf "$dir"
mkdir -p "$dir/rootfs/bin" "$dir/rootfs/etc" "$dir/rootfs/root" "$dir/rootfs/tmp"
cp /bin/busybox "$dir/rootfs/bin/busybox"
for applet in sh ls cat echo id uname ps mkdir rm cp mv true false env sleep grep wc hostname \
    touch chown stat kill readlink ln test printf head tail trap mount dd seq; do
    ln -sf busybox "$dir/rootfs/bin/$applet"
done
for p in "$@"; do
    cp "$p" "$dir/rootfs/bin/"
done
# A setuid-root copy of each payload: the sandbox must keep the bit inert.
for p in "$@"; do
    cp "$p" "$dir/rootfs/bin/$(basename "$p")-suid"
    chmod 4755 "$dir/rootfs/bin/$(basename "$p")-suid"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$dir/rootfs/etc/passwd"
echo 'root:x:0:' > "$dir/rootfs/etc/group"
chmod 1777 "$dir/rootfs/tmp"
cat > "$dir/manifest.json" <<JSON
{"vivarium": 1, "name": "$(basename "$dir")", "arch": "x86_64", "entrypoint": ["/bin/sh", "-c"],
 "cmd": ["echo hello"], "env": ["PATH=/bin", "HOME=/root"], "workdir": "/root"${MANIFEST_EXTRA:-}}
JSON
"$VIV" build "$dir" -o "$dir.viv" >/dev/null
