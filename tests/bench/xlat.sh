#!/bin/sh
# xlat.sh: riscv64 benchmark programs of our own under viv exec (interpreter only, and with hot
# blocks translated), under qemu-riscv64, and natively for x86-64, in one run: times and ratios.
set -eu
: "${VIV:?}" "${FIXTURES:?}"
B=$(dirname "$FIXTURES")/bench
# native, viv and qemu take turns, ROUNDS times, and each keeps its best: a busy spell of the
# host (other jobs share it) then does not land on one of them only.
ROUNDS=${BENCH_ROUNDS:-5}
echo "vivarium bench: translated riscv64 programs (best of $ROUNDS, taking turns; ratios to native and to qemu)"
if ! command -v riscv64-linux-gnu-gcc >/dev/null 2>&1; then
    echo "SKIP: riscv64-linux-gnu-gcc is not installed (apt-get install gcc-riscv64-linux-gnu)"
    exit 0
fi
QEMU=$(command -v qemu-riscv64 || command -v qemu-riscv64-static || true)
now() { date +%s%N; }
once() { # microseconds
    t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now)
    echo $(((t1 - t0) / 1000))
}
lower() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }
best() { # microseconds, best of 3
    b=""
    for _ in 1 2 3; do b=$(lower "$b" "$(once "$@")"); done
    echo "$b"
}
r() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / (b ? b : 1) }'; }
ms() { awk -v a="$1" 'BEGIN { printf "%.0f ms", a / 1000 }'; }
geo_viv=0 geo_qemu=0 n=0
for p in hash bytecode nbody strings syscalls; do
    [ -x "$B/$p-riscv64" ] || continue
    # The output must be the native one, or the timing means nothing.
    "$B/$p-native" >"$B/$p.native.out" 2>&1 || true
    "$VIV" exec "$B/$p-riscv64" >"$B/$p.viv.out" 2>&1 || true
    if ! cmp -s "$B/$p.native.out" "$B/$p.viv.out"; then
        echo "$p: OUTPUT DIFFERS from native: $(head -c 200 "$B/$p.viv.out")"
        continue
    fi
    t_n="" t_v="" t_q=""
    for _ in $(seq "$ROUNDS"); do
        t_n=$(lower "$t_n" "$(once "$B/$p-native")")
        t_v=$(lower "$t_v" "$(once "$VIV" exec "$B/$p-riscv64")")
        [ -z "$QEMU" ] || t_q=$(lower "$t_q" "$(once "$QEMU" "$B/$p-riscv64")")
    done
    # The interpreter alone is for scale: slow, and best of 3 is enough.
    t_i=$(best env VIV_XLAT_TIER=interp "$VIV" exec "$B/$p-riscv64")
    line="$p: native $(ms "$t_n"); viv interpreter $(ms "$t_i") ($(r "$t_i" "$t_n")); viv $(ms "$t_v") ($(r "$t_v" "$t_n"))"
    if [ -n "$QEMU" ]; then
        line="$line; qemu-riscv64 $(ms "$t_q") ($(r "$t_q" "$t_n")); viv/qemu $(r "$t_v" "$t_q")"
        geo_qemu=$(awk -v g="$geo_qemu" -v a="$t_q" -v b="$t_n" 'BEGIN { print g + log(a / b) }')
    fi
    # The translation cache's memory, from one traced run.
    cache=$("$VIV" --trace=xlat exec "$B/$p-riscv64" 2>&1 >/dev/null |
        sed -n 's/.*translation cache \([0-9]*\) KiB of decoded blocks, \([0-9]*\) KiB of host code.*/\1 KiB decoded, \2 KiB host code/p' | tail -n 1)
    [ -z "$cache" ] || line="$line; translation cache $cache"
    geo_viv=$(awk -v g="$geo_viv" -v a="$t_v" -v b="$t_n" 'BEGIN { print g + log(a / b) }')
    n=$((n + 1))
    echo "$line"
done
if [ "$n" -gt 0 ]; then
    awk -v g="$geo_viv" -v n="$n" 'BEGIN { printf "geometric mean, viv / native: %.2fx (target <= 2.0x)\n", exp(g / n) }'
    [ -n "$QEMU" ] && awk -v g="$geo_qemu" -v n="$n" 'BEGIN { printf "geometric mean, qemu-riscv64 / native: %.2fx\n", exp(g / n) }'
fi
[ -n "$QEMU" ] || echo "SKIP: qemu-riscv64: qemu-user is not installed (apt-get install qemu-user)"
# Start-up is about as short as starting the date(1) that takes the time stamps: a run of 20
# between two stamps, so that their own cost (over 1 ms here) is not counted as viv's.
best20() { # microseconds per run, best of 3 runs of 20
    b=""
    for _ in 1 2 3; do
        t0=$(now)
        for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
            "$@" >/dev/null 2>&1 || true
        done
        t1=$(now)
        t=$(((t1 - t0) / 20000))
        if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
    done
    echo "$b"
}
ms1() { awk -v a="$1" 'BEGIN { printf "%.2f ms", a / 1000 }'; }
hello=$(dirname "$FIXTURES")/riscv/hello-static
t_h=$(best20 "$VIV" exec "$hello")
line="start-up of a static hello: $(ms1 "$t_h") (target <= 2 ms)"
if [ -n "$QEMU" ]; then
    t_hq=$(best20 "$QEMU" "$hello")
    line="$line; qemu-riscv64 $(ms1 "$t_hq")"
fi
echo "$line"
