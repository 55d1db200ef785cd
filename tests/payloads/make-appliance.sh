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
# Accounts for --user: bob has supplementary groups; the host's own accounts are absent.
cat > "$dir/rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
bob:x:1000:1000:Bob:/home/bob:/bin/sh
far:x:70000:70000::/far:/bin/sh
EOF
cat > "$dir/rootfs/etc/group" <<'EOF'
root:x:0:
tty:x:5:
wheel:x:10:bob
staff:x:50:alice,bob
bob:x:1000:
EOF
chmod 1777 "$dir/rootfs/tmp"
cat > "$dir/manifest.json" <<JSON
{"vivarium": 1, "name": "$(basename "$dir")", "arch": "x86_64", "entrypoint": ["/bin/sh", "-c"],
 "cmd": ["echo hello"], "env": ["PATH=/bin"], "workdir": "/root"${MANIFEST_EXTRA:-}}
JSON
"$VIV" build "$dir" -o "$dir.viv" >/dev/null
