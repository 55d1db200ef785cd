# t_xlat_tiers.sh: riscv64 programs print what they print natively whichever tier runs their
# code: the interpreter only, translation of every block, or translation of hot blocks.
fresh
RV=$(dirname "$FIXTURES")/riscv

# tier_same_as_native NAME LINKAGE TIER [HOT]: stdout and status under VIV_XLAT_TIER=TIER match.
tier_same_as_native() {
    prog=$1 link=$2 tier=$3 hot=${4:-50}
    what="viv exec $prog ($link) with VIV_XLAT_TIER=$tier VIV_XLAT_HOT=$hot"
    if [ ! -x "$RV/$prog-$link" ]; then
        skip "$what" "riscv64-linux-gnu-gcc is not installed (apt-get install gcc-riscv64-linux-gnu)"
        return
    fi
    "$RV/$prog-native" >"$WORK/native.out" 2>&1
    nst=$?
    run env VIV_XLAT_TIER="$tier" VIV_XLAT_HOT="$hot" "$VIV" exec "$RV/$prog-$link"
    if [ "$status" = "$nst" ] && cmp -s "$WORK/.out" "$WORK/native.out"; then
        pass "$what prints what it prints natively"
    else
        fail "$what prints what it prints natively" \
            "exit $status (native $nst); diff: $(diff "$WORK/.out" "$WORK/native.out" | head -5); stderr: $errout"
    fi
}

for prog in hello arith strings float procs threads signals; do
    tier_same_as_native $prog static interp
    tier_same_as_native $prog static translate
    tier_same_as_native $prog dynamic translate
    tier_same_as_native $prog static auto 2
done

# --trace=xlat reports the translation cache's memory: host code only where blocks were
# translated.
if [ -x "$RV/arith-static" ]; then
    cache_kib() { # TIER: "DECODED CODE" in KiB from the trace's last line
        env VIV_XLAT_TIER="$1" "$VIV" --trace=xlat exec "$RV/arith-static" 2>&1 >/dev/null |
            sed -n 's/.*translation cache \([0-9]*\) KiB of decoded blocks, \([0-9]*\) KiB of host code$/\1 \2/p'
    }
    tc=$(cache_kib translate) ic=$(cache_kib interp)
    t_dec=${tc% *} t_code=${tc#* } i_code=${ic#* }
    if [ -n "$tc" ] && [ "$t_dec" -gt 0 ] && [ "$t_code" -gt 0 ] && [ "$i_code" = 0 ]; then
        pass "--trace=xlat: the translation cache's memory, host code only when translating"
    else
        fail "--trace=xlat: the translation cache's memory, host code only when translating" \
            "translate: '$tc' KiB; interp: '$ic' KiB"
    fi
fi
