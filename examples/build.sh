#!/bin/sh
# build.sh: assemble the example appliances' directories under $BUILD/examples and build each
# into a .viv with viv. Used by `make demo` and the integration tests.
set -eu
: "${VIV:?}" "${BUILD:?}"
src=$(cd "$(dirname "$0")" && pwd)
out=$BUILD/examples
rm -rf "$out/hello" "$out/busybox"

# hello: one static binary.
mkdir -p "$out/hello/rootfs/bin"
cp "$src/hello/manifest.json" "$out/hello/"
${CC:-gcc} -static -O2 -o "$out/hello/rootfs/bin/hello" "$src/hello/hello.c"
"$VIV" build "$out/hello" -o "$out/hello.viv"

# busybox: a shell appliance from Debian's static busybox and its applet links. The empty /proc,
# /dev and /sys a distribution's root has: mount points every run would otherwise make first.
mkdir -p "$out/busybox/rootfs/bin" "$out/busybox/rootfs/root" "$out/busybox/rootfs/tmp" \
    "$out/busybox/rootfs/etc" "$out/busybox/rootfs/proc" "$out/busybox/rootfs/dev" \
    "$out/busybox/rootfs/sys"
cp "$src/busybox/manifest.json" "$out/busybox/"
cp /bin/busybox "$out/busybox/rootfs/bin/busybox"
for applet in sh ls cat echo id uname ps mkdir rm cp mv true false env sleep grep wc \
    hostname touch stat chmod chown ln readlink head tail sort cut tr sed find xargs tar \
    gzip sha256sum date printf test tty stty kill seq; do
    ln -s busybox "$out/busybox/rootfs/bin/$applet"
done
echo 'root:x:0:0:root:/root:/bin/sh' > "$out/busybox/rootfs/etc/passwd"
echo 'root:x:0:' > "$out/busybox/rootfs/etc/group"
chmod 1777 "$out/busybox/rootfs/tmp"
"$VIV" build "$out/busybox" -o "$out/busybox.viv"

# hello-riscv64: the same hello, cross-compiled static for riscv64; it runs translated. Skipped,
# saying so, where Debian's gcc-riscv64-linux-gnu is missing.
rm -rf "$out/hello-riscv64"
if command -v "${RISCV_CC:-riscv64-linux-gnu-gcc}" >/dev/null 2>&1; then
    mkdir -p "$out/hello-riscv64/rootfs/bin"
    cp "$src/hello-riscv64/manifest.json" "$out/hello-riscv64/"
    "${RISCV_CC:-riscv64-linux-gnu-gcc}" -static -O2 -o "$out/hello-riscv64/rootfs/bin/hello" \
        "$src/hello/hello.c"
    "$VIV" build "$out/hello-riscv64" -o "$out/hello-riscv64.viv"

    # hello-riscv64-dyn: linked dynamically; the rootfs carries Debian's riscv64 cross libc
    # and dynamic linker, which the translator loads from the appliance like any guest file.
    rm -rf "$out/hello-riscv64-dyn"
    mkdir -p "$out/hello-riscv64-dyn/rootfs/bin" "$out/hello-riscv64-dyn/rootfs/lib"
    cp "$src/hello-riscv64-dyn/manifest.json" "$out/hello-riscv64-dyn/"
    "${RISCV_CC:-riscv64-linux-gnu-gcc}" -O2 -o "$out/hello-riscv64-dyn/rootfs/bin/hello" \
        "$src/hello/hello.c"
    cross=/usr/riscv64-linux-gnu/lib
    cp "$cross/ld-linux-riscv64-lp64d.so.1" "$cross/libc.so.6" "$out/hello-riscv64-dyn/rootfs/lib/"
    "$VIV" build "$out/hello-riscv64-dyn" -o "$out/hello-riscv64-dyn.viv"
else
    echo "SKIP: hello-riscv64: riscv64-linux-gnu-gcc is not installed" >&2
fi
