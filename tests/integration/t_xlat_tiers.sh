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
