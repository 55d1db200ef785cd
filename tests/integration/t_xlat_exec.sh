# t_xlat_exec.sh: `viv exec` runs riscv64 programs translated: each prints exactly what the same
# program prints natively, exit statuses and signals come through, hostile ELF files are refused.
fresh
RV=$(dirname "$FIXTURES")/riscv

# same_as_native NAME LINKAGE ARG...: the translated program's stdout and status are the native's.
same_as_native() {
    prog=$1 link=$2
    shift 2
    if [ ! -x "$RV/$prog-$link" ]; then
        skip "viv exec $prog ($link)" "riscv64-linux-gnu-gcc is not installed (apt-get install gcc-riscv64-linux-gnu)"
        return
    fi
    "$RV/$prog-native" "$@" >"$WORK/native.out" 2>&1
    nst=$?
    run "$VIV" exec "$RV/$prog-$link" "$@"
    if [ "$status" = "$nst" ] && cmp -s "$WORK/.out" "$WORK/native.out"; then
        pass "viv exec $prog ($link) prints what it prints natively"
    else
        fail "viv exec $prog ($link) prints what it prints natively" \
            "exit $status (native $nst); diff: $(diff "$WORK/.out" "$WORK/native.out" | head -5); stderr: $errout"
    fi
}

export VIV_TEST_VALUE="a value with spaces"
for link in static dynamic; do
    same_as_native hello $link
    same_as_native arith $link
    same_as_native float $link
    same_as_native strings $link
    same_as_native args $link one "two words" ''
    same_as_native signals $link
    same_as_native threads $link
    same_as_native procs $link
    same_as_native net $link
    same_as_native illegal $link handled
    if [ -x "$RV/illegal-$link" ]; then
        run "$VIV" exec "$RV/illegal-$link"
        if [ "$status" = 132 ] && [ "$out" = before ]; then
            pass "viv exec illegal ($link): unhandled SIGILL is exit 132, as natively"
        else
            fail "viv exec illegal ($link): unhandled SIGILL" "status $status: $out"
        fi
    fi
    # calls works in a folder of its own (inotify, xattrs), emptied before each run.
    rm -rf "$WORK/calls-d" && mkdir -p "$WORK/calls-d"
    same_as_native calls $link "$WORK/calls-d"
    # files works in a folder of its own per run; only the folder's name differs.
    rm -rf "$WORK/files-x" && mkdir -p "$WORK/files-x/d"
    if [ -x "$RV/files-$link" ]; then
        (cd "$WORK/files-x" && "$RV/files-native" d) >"$WORK/files-native.out" 2>&1
        rm -rf "$WORK/files-x/d" && mkdir -p "$WORK/files-x/d"
        run sh -c "cd '$WORK/files-x' && '$VIV' exec '$RV/files-$link' d"
        if [ "$status" = 0 ] && [ "$out" = "$(cat "$WORK/files-native.out")" ]; then
            pass "viv exec files ($link): create, stat, list, rename, remove as natively"
        else
            fail "viv exec files ($link): create, stat, list, rename, remove as natively" "exit $status: $out $errout"
        fi
    else
        skip "viv exec files ($link)" "riscv64-linux-gnu-gcc is not installed"
    fi
done

if [ -x "$RV/args-static" ]; then
    expect "the guest's exit status is viv's" 42 "$VIV" exec "$RV/args-static" exit 42
    expect "a guest killed by SIGSEGV exits 139" 139 "$VIV" exec "$RV/args-static" segv
    expect "a guest that aborts exits 134" 134 "$VIV" exec "$RV/args-static" abort
    run "$VIV" --trace=sys exec "$RV/hello-static"
    if printf '%s\n' "$errout" | grep -q '^viv\[sys +[0-9.]*ms\]: write(1, ' && contains "$errout" 'exit_group(0)'; then
        pass "--trace=sys prints each guest call, strace-like"
    else
        fail "--trace=sys prints each guest call, strace-like" "$errout"
    fi
    # The program is looked up in $PATH like a command.
    expect "viv exec finds a program in PATH" 0 env PATH="$RV:$PATH" "$VIV" exec hello-static

    # Hostile ELF files: a one-line error each, exit 126.
    hostile() { # NAME OFFSET BYTES(printf escapes) EXPECTED-MESSAGE
        cp "$RV/hello-static" "$WORK/$1"
        printf "$3" | dd of="$WORK/$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
        expect_err "hostile ELF: $1 is refused" 126 "viv: exec: $WORK/$1: $4" "$VIV" exec "$WORK/$1"
    }
    hostile phentsize 54 '\020' "e_phentsize 16 is not 56"
    hostile phnum 56 '\377\000' "e_phnum 255 is not in 1..128"
    # phdr[1] is the first PT_LOAD of the static hello: p_offset at 128, p_memsz at 160,
    # p_align at 168 (ELF64: 64-byte header, 56-byte phdrs).
    hostile offset 128 '\000\000\000\000\000\001\000\000' "phdr[1]: file range 0x10000000000+0x60544 lies outside the file"
    hostile wrap 160 '\000\377\377\377\377\377\377\377' "phdr[1]: address range 0x10000+0xffffffffffffff00 wraps"
    hostile align 168 '\001\020' "phdr[1]: p_align 0x1001 is not a power of two"
    head -c 100 "$RV/hello-static" >"$WORK/short"
    run "$VIV" exec "$WORK/short"
    if [ "$status" = 126 ] && [ "$(printf '%s\n' "$errout" | wc -l)" = 1 ]; then pass "a truncated ELF is refused in one line, exit 126"; else fail "a truncated ELF is refused in one line, exit 126" "exit $status: $errout"; fi
else
    skip "viv exec statuses, tracing and hostile ELF files" "riscv64-linux-gnu-gcc is not installed"
fi
if [ -x "$RV/hello-dynamic" ]; then
    mkdir -p "$WORK/empty-sysroot"
    expect_err "a dynamic program whose interpreter is missing exits 127" 127 \
        "viv: exec: interpreter $WORK/empty-sysroot/lib/ld-linux-riscv64-lp64d.so.1 not found" \
        "$VIV" exec --sysroot "$WORK/empty-sysroot" "$RV/hello-dynamic"
fi
expect_err "a missing program exits 127" 127 "viv: exec: $WORK/nope: No such file or directory" "$VIV" exec "$WORK/nope"
expect_err "a program not in PATH exits 127" 127 "viv: exec: no-such-prog-viv: not found" "$VIV" exec no-such-prog-viv
printf 'not an elf' >"$WORK/text" && chmod +x "$WORK/text"
run "$VIV" exec "$WORK/text"
if [ "$status" = 126 ] && contains "$errout" "viv: exec: "; then pass "a file that is no program exits 126"; else fail "a file that is no program exits 126" "exit $status: $errout"; fi
expect "viv exec runs a host program natively" 0 "$VIV" exec /bin/true
expect "viv binfmt status reports" 0 "$VIV" binfmt status
expect_err "viv binfmt rejects an unknown action" 125 "viv: binfmt: unknown action 'frob': install, remove or status (see 'viv binfmt --help')" "$VIV" binfmt frob

# Where the output differs from native by design (the machine is riscv64, char is unsigned),
# the reference is qemu-riscv64: both must print the same, and differ from the native build.
QEMU=$(command -v qemu-riscv64 || true)
for link in static dynamic; do
    if [ -z "$QEMU" ]; then
        skip "viv exec uname ($link) prints what qemu-riscv64 prints" "qemu-riscv64 is not installed (apt-get install qemu-user)"
    elif [ ! -x "$RV/uname-$link" ]; then
        skip "viv exec uname ($link) prints what qemu-riscv64 prints" "riscv64-linux-gnu-gcc is not installed"
    else
        "$QEMU" -L /usr/riscv64-linux-gnu "$RV/uname-$link" >"$WORK/qemu.out" 2>&1
        qst=$?
        run "$VIV" exec "$RV/uname-$link"
        if [ "$status" = "$qst" ] && cmp -s "$WORK/.out" "$WORK/qemu.out" && contains "$out" "machine riscv64" &&
            ! "$RV/uname-native" | cmp -s - "$WORK/qemu.out"; then
            pass "viv exec uname ($link) prints what qemu-riscv64 prints"
        else
            fail "viv exec uname ($link) prints what qemu-riscv64 prints" \
                "exit $status (qemu $qst); diff: $(diff "$WORK/.out" "$WORK/qemu.out" | head -5)"
        fi
    fi
done
