# t_xlat_maps.sh: a translated riscv64 program's /proc/self/maps says what Linux's would: each
# file mapping named by the path the guest knows it by, with its offset, device and inode, split
# and merged as munmap, mprotect, MAP_FIXED and mremap make it on Linux; [heap] and [stack];
# holes between a program's segments and the extent of [stack] as exec leaves them.
fresh
RV=$(dirname "$FIXTURES")/riscv
if [ ! -x "$RV/maps-static" ] || ! command -v riscv64-linux-gnu-gcc >/dev/null 2>&1; then
    skip "/proc/self/maps of a translated program" "riscv64-linux-gnu-gcc is not installed (apt-get install gcc-riscv64-linux-gnu)"
else
    # maps_shape OUTPUT: every line in proc(5)'s form, a name (if any) in column 74.
    maps_shape() {
        # Spelt out: mawk, Debian's default awk, has no interval expressions.
        printf '%s\n' "$1" | awk '
            !/^[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]+-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]+ [r-][w-][x-][ps] [0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]+ [0-9a-f][0-9a-f]+:[0-9a-f][0-9a-f]+ [0-9]+ / { bad++ }
            { rest = $0; sub(/^[^ ]+ [^ ]+ [^ ]+ [^ ]+ [^ ]+ */, "", rest); if (rest != "" && length($0) - length(rest) != 73) bad++ }
            END { exit bad > 0 }'
    }
    "$RV/maps-native" "$WORK/native.data" >"$WORK/native.out" 2>&1
    for link in static dynamic; do
        run "$VIV" exec "$RV/maps-$link" "$WORK/$link.data"
        if [ "$status" = 0 ] && cmp -s "$WORK/.out" "$WORK/native.out"; then
            pass "viv exec maps ($link): a file's mappings split, merge, move and grow as natively; the bss is no part of [heap]"
        else
            fail "viv exec maps ($link): a file's mappings split, merge, move and grow as natively" \
                "exit $status; diff: $(diff "$WORK/.out" "$WORK/native.out" | head -8 | tr '\n' '|'); $errout"
        fi
    done

    # A fork's child has its parent's mappings; an exec leaves none of them.
    "$RV/maps-native" forkexec "$WORK/fe.data" >"$WORK/fe-native.out" 2>&1
    for link in static dynamic; do
        run "$VIV" exec "$RV/maps-$link" forkexec "$WORK/fe.data"
        if [ "$status" = 0 ] && cmp -s "$WORK/.out" "$WORK/fe-native.out" &&
            contains "$out" "child+1 1p ---p 00001000 file" && contains "$out" "gone, stack named"; then
            pass "viv exec maps ($link): a fork's child sees its parent's maps, an exec none of them"
        else
            fail "viv exec maps ($link): fork copies the maps, exec resets them" \
                "exit $status; diff: $(diff "$WORK/.out" "$WORK/fe-native.out" | head -8 | tr '\n' '|'); $errout"
        fi
    done

    # As exec lays a program out (built with 64 KiB alignment, so that its segments have gaps):
    # the gaps are holes, not ---p lines, that fault and that mmap may take; [stack] as large
    # as Linux's exec makes it, growing down as the program touches lower.
    "$RV/layout-native" >"$WORK/layout-native.out" 2>&1
    for link in static dynamic; do
        run "$VIV" exec "$RV/layout-$link"
        if [ "$status" = 0 ] && cmp -s "$WORK/.out" "$WORK/layout-native.out" &&
            contains "$out" "program: holes between its segments, 0 ---p lines" &&
            contains "$out" "program: a read in a hole faults (SIGSEGV)" &&
            contains "$out" "program: MAP_FIXED_NOREPLACE in a hole maps there" &&
            contains "$out" "interpreter: 0 ---p lines" &&
            contains "$out" "stack: as large as exec makes it" &&
            contains "$out" "stack: after a touch 300 KiB below it, from the page touched to the top"; then
            pass "viv exec layout ($link): holes between segments and [stack]'s extent as natively"
        else
            fail "viv exec layout ($link): holes between segments and [stack]'s extent as natively" \
                "exit $status; diff: $(diff "$WORK/.out" "$WORK/layout-native.out" | head -8 | tr '\n' '|'); $errout"
        fi
    done

    # The libraries the sysroot lends are named where the guest looked for them, with the
    # device and inode of the file itself.
    cross=/usr/riscv64-linux-gnu/lib
    libc_id=$(printf '%02x:%02x %s' $(stat -L -c '%Hd %Ld %i' "$cross/libc.so.6"))
    ld_id=$(printf '%02x:%02x %s' $(stat -L -c '%Hd %Ld %i' "$cross/ld-linux-riscv64-lp64d.so.1"))
    prog=$(realpath "$RV/maps-dynamic")
    run "$VIV" exec "$RV/maps-dynamic" cat
    if [ "$status" = 0 ] && maps_shape "$out" &&
        printf '%s\n' "$out" | grep -Eq " r-xp [0-9a-f]{8} $libc_id +/lib/libc\.so\.6\$" &&
        printf '%s\n' "$out" | grep -Eq " rw-p [0-9a-f]{8} $libc_id +/lib/libc\.so\.6\$" &&
        printf '%s\n' "$out" | grep -Eq " r-xp 00000000 $ld_id +/lib/ld-linux-riscv64-lp64d\.so\.1\$" &&
        printf '%s\n' "$out" | grep -Fq " $prog" &&
        printf '%s\n' "$out" | grep -q ' 00:00 0 \{26,\}\[stack\]$' &&
        ! printf '%s\n' "$out" | grep -q "$cross"; then
        pass "viv exec: maps names libc and ld.so by their guest paths, with the file's device and inode"
    else
        fail "viv exec: maps names libc and ld.so by their guest paths" "exit $status: $(printf '%s' "$out" | tr '\n' '|') $errout"
    fi

    # In an appliance: paths inside its root, never the host's.
    mkdir -p "$WORK/rvmaps/rootfs/bin" "$WORK/rvmaps/rootfs/lib" "$WORK/rvmaps/rootfs/tmp"
    cp "$RV/maps-dynamic" "$WORK/rvmaps/rootfs/bin/maps"
    cp "$cross/ld-linux-riscv64-lp64d.so.1" "$cross/libc.so.6" "$WORK/rvmaps/rootfs/lib/"
    printf '{"vivarium":1,"name":"rvmaps","arch":"riscv64","entrypoint":["/bin/maps"]}\n' >"$WORK/rvmaps/manifest.json"
    "$VIV" build "$WORK/rvmaps" -o "$WORK/rvmaps.viv" >/dev/null && "$VIV" import -q "$WORK/rvmaps.viv" >/dev/null
    run "$VIV" run rvmaps cat
    if [ "$status" = 0 ] && maps_shape "$out" &&
        printf '%s\n' "$out" | grep -Eq ' r-xp [0-9a-f]{8} [0-9a-f:]+ [1-9][0-9]* +/lib/libc\.so\.6$' &&
        printf '%s\n' "$out" | grep -Eq ' r-xp 00000000 [0-9a-f:]+ [1-9][0-9]* +/bin/maps$' &&
        printf '%s\n' "$out" | grep -q '\[stack\]$' &&
        ! printf '%s\n' "$out" | grep -q -e "$WORK" -e "$VIV_HOME"; then
        pass "viv run: a riscv64 appliance's maps names /bin/maps and /lib/libc.so.6 inside its root"
    else
        fail "viv run: a riscv64 appliance's maps names its files inside its root" "exit $status: $(printf '%s' "$out" | tr '\n' '|') $errout"
    fi
    run "$VIV" run rvmaps /tmp/data
    if [ "$status" = 0 ] && cmp -s "$WORK/.out" "$WORK/native.out"; then
        pass "viv run: a riscv64 appliance's file mappings split, merge, move and grow as natively"
    else
        fail "viv run: a riscv64 appliance's file mappings as natively" \
            "exit $status; diff: $(diff "$WORK/.out" "$WORK/native.out" | head -8 | tr '\n' '|'); $errout"
    fi
fi
