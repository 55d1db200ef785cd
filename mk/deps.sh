#!/bin/sh
# deps.sh: make sure the Debian packages the build needs are present.
# As root with apt it prints the one install line and runs it; otherwise it prints the line and
# stops, so a fresh Debian 12 machine needs nothing but `make demo` or `make check`.
set -eu

# package:file-that-proves-it-is-installed
need="
gcc:/usr/bin/gcc
make:/usr/bin/make
pkg-config:/usr/bin/pkg-config
libarchive-dev:/usr/include/archive.h
libjansson-dev:/usr/include/jansson.h
libelf-dev:/usr/include/libelf.h
libssl-dev:/usr/include/openssl/evp.h
libseccomp-dev:/usr/include/seccomp.h
libcap-dev:/usr/include/sys/capability.h
check:/usr/include/check.h
libsubunit-dev:/usr/include/subunit/child.h
libxml2-dev:/usr/lib/x86_64-linux-gnu/libxml2.a
libicu-dev:/usr/lib/x86_64-linux-gnu/libicudata.a
nettle-dev:/usr/lib/x86_64-linux-gnu/libnettle.a
libbz2-dev:/usr/lib/x86_64-linux-gnu/libbz2.a
liblzma-dev:/usr/lib/x86_64-linux-gnu/liblzma.a
libzstd-dev:/usr/lib/x86_64-linux-gnu/libzstd.a
zlib1g-dev:/usr/lib/x86_64-linux-gnu/libz.a
libstdc++-12-dev:/usr/lib/gcc/x86_64-linux-gnu/12/libstdc++.a
zstd:/usr/bin/zstd
xz-utils:/usr/bin/xz
busybox-static:/bin/busybox
gcc-riscv64-linux-gnu:/usr/bin/riscv64-linux-gnu-gcc
libc6-dev-riscv64-cross:/usr/riscv64-linux-gnu/include/stdio.h
qemu-user:/usr/bin/qemu-riscv64
debootstrap:/usr/sbin/debootstrap
musl-tools:/usr/bin/musl-gcc
"
# Only for `make fuzz`: libFuzzer ships with clang.
[ "${1:-}" = fuzz ] && need="$need clang:/usr/bin/clang"
# Only for the vm-mode tests (`make check`), which boot a qemu machine with Debian's kernel where
# the host's /dev/kvm is unusable (tests/kvm-host/run). Big, and optional: without them, and
# without root to install them, those tests print SKIP and the build goes on.
optional=""
if [ "${1:-}" = kvm ]; then
    optional=1
    need="qemu-system-x86:/usr/bin/qemu-system-x86_64
linux-image-amd64:/usr/share/doc/linux-image-amd64/copyright
cpio:/usr/bin/cpio
xz-utils:/usr/bin/xz
busybox-static:/bin/busybox"
fi
# Only for `make bench`: the tools the launch times are measured against (optional too: one that
# is missing is a SKIP line of the bench).
if [ "${1:-}" = bench ]; then
    optional=1
    need="bubblewrap:/usr/bin/bwrap
crun:/usr/bin/crun
podman:/usr/bin/podman"
fi

missing=""
for pair in $need; do
    pkg=${pair%%:*}
    file=${pair#*:}
    [ -e "$file" ] || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

line="apt-get install -y$missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "deps: missing build dependencies; running: $line" >&2
    # The package lists of a fresh machine are empty: fetch them once.
    if [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v -e lock -e partial)" ]; then
        apt-get update
    fi
    DEBIAN_FRONTEND=noninteractive $line || {
        apt-get update && DEBIAN_FRONTEND=noninteractive $line
    }
elif [ -n "$optional" ]; then
    echo "deps: what needs them will be skipped; as root run: $line" >&2
else
    echo "deps: missing build dependencies; as root run: $line" >&2
    exit 1
fi
