# t_vm_fidelity.sh: the same commands natively and in vm mode (tests/vm-payloads/fidelity_cases.sh)
# print the same, exit the same; without namespaces vm mode still confines the guest and never
# writes into the catalog. vm mode runs where KVM works: here, or in the kvm-host machine.
fresh
BUILD=$WORK sh "$SRCDIR/examples/build.sh" >"$WORK/build.log" 2>&1
"$VIV" import -q "$WORK/examples/busybox.viv" >/dev/null 2>&1 ||
    fail "vm fidelity: build and import the busybox example" "$(tail -3 "$WORK/build.log")"
# A program that reads the clocks a thousand times each, for the vDSO.
mkdir -p "$WORK/clk/rootfs/bin"
cp "$(dirname "$FIXTURES")/vm-payloads/clock1000" "$WORK/clk/rootfs/bin/"
printf '{"vivarium":1,"name":"clk","arch":"x86_64","entrypoint":["/bin/clock1000"]}\n' >"$WORK/clk/manifest.json"
"$VIV" build "$WORK/clk" -o "$WORK/clk.viv" >/dev/null 2>&1 && "$VIV" import -q "$WORK/clk.viv" >/dev/null 2>&1 ||
    fail "vm fidelity: the clock payload's image" "viv build/import failed"

# Dynamically linked glibc programs: this host's own, with the libraries ldd names and its ld.so
# (PT_INTERP), as an appliance whose files are all the host's.
mkdir -p "$WORK/dyn/rootfs/bin" "$WORK/dyn/rootfs/etc" "$WORK/dyn/rootfs/tmp"
for b in ls grep mawk cat perl; do
    p=$(command -v "$b") || continue
    cp "$(readlink -f "$p")" "$WORK/dyn/rootfs/bin/$b"
    for l in $(ldd "$p" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
        mkdir -p "$WORK/dyn/rootfs$(dirname "$l")"
        cp -L "$l" "$WORK/dyn/rootfs$l"
    done
done
ln -s mawk "$WORK/dyn/rootfs/bin/awk"
# The threads payload, dynamically linked: libc's pthread_create through the image's ld.so.
${CC:-gcc} -std=gnu11 -O2 -pthread -o "$WORK/dyn/rootfs/bin/threads" "$SRCDIR/tests/vm-payloads/vmthreads.c"
for l in $(ldd "$WORK/dyn/rootfs/bin/threads" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    mkdir -p "$WORK/dyn/rootfs$(dirname "$l")"
    cp -L "$l" "$WORK/dyn/rootfs$l"
done
# The same payload against musl, static and dynamic (musl's loader is its libc: PT_INTERP
# /lib/ld-musl-x86_64.so.1).
MUSL=""
if command -v musl-gcc >/dev/null 2>&1 &&
    musl-gcc -O2 -static -pthread -o "$WORK/dyn/rootfs/bin/threads-musl" "$SRCDIR/tests/vm-payloads/vmthreads.c" &&
    musl-gcc -O2 -pthread -o "$WORK/dyn/rootfs/bin/threads-musl-dyn" "$SRCDIR/tests/vm-payloads/vmthreads.c" &&
    mkdir -p "$WORK/dyn/rootfs/lib" && cp -L /lib/ld-musl-x86_64.so.1 "$WORK/dyn/rootfs/lib/"; then
    MUSL=1
else
    skip "vm fidelity: musl programs" "musl-gcc is missing (apt-get install musl-tools)"
fi
export MUSL
# Sockets and event fds (the same program t_xlat_exec.sh runs translated from riscv64).
${CC:-gcc} -std=gnu11 -D_GNU_SOURCE -O2 -o "$WORK/dyn/rootfs/bin/net" "$SRCDIR/tests/riscv/net.c"
# How exec lays out a program whose segments have gaps (64 KiB alignment), and its stack.
${CC:-gcc} -std=gnu11 -D_GNU_SOURCE -O2 -Wl,-z,max-page-size=0x10000 -o "$WORK/dyn/rootfs/bin/layout" "$SRCDIR/tests/riscv/layout.c"
${CC:-gcc} -std=gnu11 -D_GNU_SOURCE -O2 -static -Wl,-z,max-page-size=0x10000 -o "$WORK/dyn/rootfs/bin/layout-static" "$SRCDIR/tests/riscv/layout.c"
echo 'root:x:0:0:root:/root:/bin/sh' >"$WORK/dyn/rootfs/etc/passwd"
# A #! script as the entrypoint, with an interpreter argument.
printf '#!/bin/perl -w\nprint "script $0: @ARGV\\n"; exit 5;\n' >"$WORK/dyn/rootfs/bin/pscript"
chmod +x "$WORK/dyn/rootfs/bin/pscript"
printf '{"vivarium":1,"name":"dyn","arch":"x86_64","entrypoint":["/bin/ls"]}\n' >"$WORK/dyn/manifest.json"
"$VIV" build "$WORK/dyn" -o "$WORK/dyn.viv" >/dev/null 2>&1 && "$VIV" import -q "$WORK/dyn.viv" >/dev/null 2>&1 ||
    fail "vm fidelity: the image of the host's dynamic programs" "viv build/import failed"

# Debian 12 with bash, perl and python3 (root and debootstrap: the rootfs is cached in the build
# folder). Its cases run only where it could be built, and say so where it could not.
DEBIAN=""
deb_build=$(dirname "$(dirname "$FIXTURES")")
VIV="$VIV" BUILD="$deb_build" sh "$SRCDIR/examples/build-debian.sh" >"$WORK/debian.log" 2>&1
if [ -e "$deb_build/examples/debian.viv" ] && "$VIV" import -q "$deb_build/examples/debian.viv" >/dev/null 2>&1; then
    DEBIAN=1
else
    skip "vm fidelity: Debian programs" "$(tail -1 "$WORK/debian.log")"
fi
export DEBIAN

# What each case does natively.
mkdir -p "$WORK/expect"
n=0
fcase() {
    shift
    input=$1
    shift
    n=$((n + 1))
    printf '%s' "$input" | "$VIV" run --mode native "$@" >"$WORK/expect/$n.out" 2>"$WORK/expect/$n.err.raw"
    echo $? >"$WORK/expect/$n.status"
    grep -v '^viv: run: mode ' "$WORK/expect/$n.err.raw" >"$WORK/expect/$n.err"
}
. "$SRCDIR/tests/vm-payloads/fidelity_cases.sh"

suite_env="VIV=$VIV VIV_HOME=$VIV_HOME EXPECT=$WORK/expect BUSYBOX_VIV=$WORK/examples/busybox.viv DYN_VIV=$WORK/dyn.viv DEBIAN=$DEBIAN MUSL=$MUSL"
if "$VIV" run --mode vm --entrypoint /bin/true busybox >/dev/null 2>&1; then
    run env $suite_env sh "$SRCDIR/tests/vm-payloads/fidelity_suite.sh"
    where="this host's KVM"
elif ! command -v qemu-system-x86_64 >/dev/null 2>&1 ||
    ! ls /lib/modules/*/kernel/arch/x86/kvm/kvm-amd.ko* >/dev/null 2>&1; then
    skip "vm fidelity suite" "no usable /dev/kvm and no kvm-host machine (apt-get install qemu-system-x86 linux-image-amd64)"
    status=skip
else
    src_share=""
    case $SRCDIR in /tmp/* | /run/* | /var/run/*) src_share="--share $SRCDIR" ;; esac
    run "$SRCDIR/tests/kvm-host/run" --share "$WORK" $src_share env $suite_env sh "$SRCDIR/tests/vm-payloads/fidelity_suite.sh"
    where="the kvm-host machine"
fi
if [ "$status" != skip ]; then
    m=0
    while IFS= read -r line; do
        case $line in
        "ok "*) pass "vm = native ($where): ${line#ok }"; m=$((m + 1)) ;;
        "FAIL "*) line=${line#FAIL }; fail "vm = native ($where): ${line%%: *}" "${line#*: }"; m=$((m + 1)) ;;
        esac
    done <<EOF_SUITE
$out
EOF_SUITE
    case $out in *"end of suite"*) ;; *) fail "vm fidelity suite ran to its end in $where" "it stopped early: exit $status; stderr: $(printf '%s' "$errout" | tail -3)" ;; esac
    [ "$m" -gt 0 ] || fail "vm fidelity suite ran in $where" "exit $status; stderr: $(printf '%s' "$errout" | tail -5)"
fi
