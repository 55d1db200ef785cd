# t_xlat_binfmt.sh: `viv binfmt install` lets the kernel run riscv64 programs directly (./prog),
# and `viv binfmt remove` takes that back. Needs root and binfmt_misc; the entry is always
# removed at the end, whatever happened in between.
fresh
RV=$(dirname "$FIXTURES")/riscv
BINFMT=/proc/sys/fs/binfmt_misc
BINFMT_MOUNTED_HERE=
[ -e "$BINFMT/register" ] && BINFMT_HAD_MOUNT=1 || BINFMT_HAD_MOUNT=

binfmt_cleanup() {
    [ -e "$BINFMT/viv-riscv64" ] && printf -- '-1' >"$BINFMT/viv-riscv64" 2>/dev/null
    [ -n "$BINFMT_MOUNTED_HERE" ] && umount "$BINFMT" 2>/dev/null
    BINFMT_MOUNTED_HERE=
    trap - EXIT INT TERM
}

if [ "$(id -u)" != 0 ]; then
    skip "viv binfmt install, ./prog, remove" "needs root to change binfmt_misc entries"
elif [ ! -x "$RV/hello-static" ]; then
    skip "viv binfmt install, ./prog, remove" "riscv64-linux-gnu-gcc is not installed"
elif [ ! -e "$BINFMT/register" ] && ! mount -t binfmt_misc binfmt_misc "$BINFMT" 2>/dev/null; then
    skip "viv binfmt install, ./prog, remove" "binfmt_misc cannot be mounted at $BINFMT"
elif [ -e "$BINFMT/viv-riscv64" ]; then
    skip "viv binfmt install, ./prog, remove" "an entry viv-riscv64 is already registered; left alone"
else
    [ -z "$BINFMT_HAD_MOUNT" ] && BINFMT_MOUNTED_HERE=1
    trap binfmt_cleanup EXIT INT TERM
    # What the kernel itself does with a riscv64 file before the entry exists.
    cp "$RV/hello-static" "$RV/args-static" "$WORK/"
    run "$WORK/hello-static"
    before=$status

    run "$VIV" binfmt install
    if [ "$status" = 0 ] && [ -e "$BINFMT/viv-riscv64" ] && contains "$out" "registered viv-riscv64"; then
        pass "viv binfmt install registers viv-riscv64"
    else
        fail "viv binfmt install registers viv-riscv64" "exit $status: $out $errout"
    fi
    run "$VIV" binfmt status
    if [ "$status" = 0 ] && contains "$out" "viv-riscv64: registered" && contains "$out" "flags: PF"; then
        pass "viv binfmt status shows the entry and its flags"
    else
        fail "viv binfmt status shows the entry and its flags" "exit $status: $out"
    fi
    run sh -c "cd '$WORK' && ./hello-static"
    if [ "$status" = 0 ] && [ "$out" = "hello from riscv64" ]; then
        pass "./hello-static runs through binfmt_misc"
    else
        fail "./hello-static runs through binfmt_misc" "exit $status (before install: $before): $out $errout"
    fi
    # argv[0] as the caller gave it (flag P), arguments, and the exit status.
    run sh -c "cd '$WORK' && ./args-static exit 42"
    if [ "$status" = 42 ] && contains "$out" "argv[2] '42'" && contains "$out" "execfn names argv[0] 1"; then
        pass "a program run through binfmt_misc gets its argv and its exit status is the caller's"
    else
        fail "a program run through binfmt_misc gets its argv and its exit status is the caller's" "exit $status: $out $errout"
    fi
    # A translated program that execs another riscv64 program by path: it stays translated.
    if [ -x "$RV/procs-static" ]; then
        "$RV/procs-native" >"$WORK/procs-native.out" 2>&1
        cp "$RV/procs-static" "$WORK/"
        run sh -c "cd '$WORK' && ./procs-static"
        if [ "$status" = 0 ] && cmp -s "$WORK/.out" "$WORK/procs-native.out"; then
            pass "a riscv64 program started by binfmt_misc forks and execs as natively"
        else
            fail "a riscv64 program started by binfmt_misc forks and execs as natively" "exit $status: $(diff "$WORK/.out" "$WORK/procs-native.out" | head -5)"
        fi
    fi
    run "$VIV" binfmt remove
    if [ "$status" = 0 ] && [ ! -e "$BINFMT/viv-riscv64" ]; then
        pass "viv binfmt remove unregisters the entry"
    else
        fail "viv binfmt remove unregisters the entry" "exit $status: $out $errout"
    fi
    run sh -c "cd '$WORK' && ./hello-static"
    if [ "$before" = 0 ]; then
        skip "after remove the kernel no longer runs riscv64 programs through viv" "another binfmt_misc entry (qemu-user's?) runs riscv64 programs here"
    elif [ "$status" = "$before" ] && [ "$out" != "hello from riscv64" ]; then
        pass "after remove the kernel no longer runs riscv64 programs through viv"
    else
        fail "after remove the kernel no longer runs riscv64 programs through viv" "exit $status (before install: $before): $out"
    fi
    binfmt_cleanup
fi
