#!/bin/sh
# xlat.sh: riscv64 programs of our own under viv exec, under qemu-riscv64, and natively for
# x86-64, in one run: time and ratios.
set -eu
: "${VIV:?}" "${FIXTURES:?}"
RV=$(dirname "$FIXTURES")/riscv
echo "vivarium bench: translated riscv64 programs (best of 3)"
if ! command -v riscv64-linux-gnu-gcc >/dev/null 2>&1; then
    echo "SKIP: riscv64-linux-gnu-gcc is not installed (apt-get install gcc-riscv64-linux-gnu)"
    exit 0
fi
QEMU=$(command -v qemu-riscv64 || command -v qemu-riscv64-static || true)
now() { date +%s%N; }
best() {
    b=""
    for _ in 1 2 3; do
        t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now)
        t=$(((t1 - t0) / 1000))
        if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
    done
    echo "$b"
}
for p in arith float strings files; do
    [ -x "$RV/$p-static" ] || continue
    n=$(best "$RV/$p-native")
    v=$(best "$VIV" exec "$RV/$p-static")
    line="$p: native $((n / 1000)) ms, viv exec $((v / 1000)) ms"
    if [ -n "$QEMU" ]; then
        q=$(best "$QEMU" "$RV/$p-static")
        line="$line, qemu-riscv64 $((q / 1000)) ms; viv/qemu $(awk -v a="$v" -v b="$q" 'BEGIN{printf "%.2f", a/b}')x"
    fi
    echo "$line; viv/native $(awk -v a="$v" -v b="$n" 'BEGIN{printf "%.1f", a/(b?b:1)}')x"
done
[ -n "$QEMU" ] || echo "SKIP: qemu-riscv64: qemu-user is not installed (apt-get install qemu-user)"
