# t_xlat_run.sh: a riscv64 appliance runs translated, inside native mode's sandbox, with one
# command: auto picks xlat, the guest sees its own root, statuses and signals come through.
fresh
RV=$(dirname "$FIXTURES")/riscv
if [ ! -x "$RV/args-static" ] || ! command -v riscv64-linux-gnu-gcc >/dev/null 2>&1; then
    skip "viv run of a riscv64 appliance" "riscv64-linux-gnu-gcc is not installed (apt-get install gcc-riscv64-linux-gnu)"
else
    BUILD=$WORK sh "$SRCDIR/examples/build.sh" >"$WORK/build.log" 2>&1
    run "$VIV" run --verbose "$WORK/examples/hello-riscv64.viv" one two
    if [ "$status" = 0 ] && contains "$out" "hello from vivarium: pid 1 on hello-riscv64 (riscv64)" &&
        contains "$out" "arg 2: two" && contains "$errout" "mode xlat: auto: a riscv64 image"; then
        pass "auto runs a riscv64 appliance translated, as the instance's pid 1"
    else
        fail "auto runs a riscv64 appliance translated" "status $status: $out / $errout"
    fi
    run "$VIV" run "$WORK/examples/hello-riscv64-dyn.viv" dyn
    if [ "$status" = 0 ] && contains "$out" "hello from vivarium: pid 1 on hello-riscv64-dyn (riscv64)" &&
        contains "$out" "arg 1: dyn"; then
        pass "a dynamic riscv64 appliance runs with the libc and ld.so its rootfs carries"
    else
        fail "a dynamic riscv64 appliance runs with its own libc" "status $status: $out / $errout"
    fi
    expect_err "mode native refuses a riscv64 image" 125 \
        "viv: run: mode native cannot run hello-riscv64:1.0 (riscv64): it needs an x86_64 image" \
        "$VIV" run --mode native hello-riscv64:1.0

    # An appliance of the test programs: files in its own root, status and signals.
    mkdir -p "$WORK/rv/rootfs/bin" "$WORK/rv/rootfs/tmp"
    for p in args files hello fds; do cp "$RV/$p-static" "$WORK/rv/rootfs/bin/$p"; done
    printf '{"vivarium":1,"name":"rvtest","arch":"riscv64","entrypoint":["/bin/args"]}\n' > "$WORK/rv/manifest.json"
    "$VIV" build "$WORK/rv" -o "$WORK/rv.viv" >/dev/null && "$VIV" import -q "$WORK/rv.viv" >/dev/null
    # The guest gets the manifest's environment, not the caller's.
    env -u VIV_TEST_VALUE "$RV/args-native" x "y z" >"$WORK/native.out" 2>&1
    nst=$?
    run "$VIV" run rvtest x "y z"
    if [ "$status" = "$nst" ] && [ "$out" = "$(cat "$WORK/native.out")" ]; then
        pass "a riscv64 program in an appliance prints what its native build prints"
    else
        fail "a riscv64 program in an appliance prints what its native build prints" "status $status (native $nst): $(printf '%s' "$out" | head -3)"
    fi
    run "$VIV" run --entrypoint /bin/hello rvtest
    if [ "$status" = 0 ] && contains "$out" "hello"; then pass "--entrypoint picks another riscv64 program"; else fail "--entrypoint picks another riscv64 program" "$status $out $errout"; fi
    # The translator never execs: none of viv's descriptors (the catalog's directories, whose
    # ".." leads to the host's /) may be left in its process for the guest to find.
    run "$VIV" run --entrypoint /bin/fds rvtest
    r1=$out
    run "$VIV" run --init --entrypoint /bin/fds rvtest
    want=$(printf 'fds above 2: 0\ndumpable: refused\nseccomp filters:\t2')
    if [ "$r1" = "$want" ] && [ "$out" = "$want" ]; then pass "a translated guest finds no descriptor of viv's, cannot make its process dumpable, and runs under the engine's filter over the policy, with --init too"; else fail "a translated guest finds no descriptor of viv's, cannot make its process dumpable, runs under two filters" "$r1 / $status $out $errout"; fi
    run "$VIV" run --entrypoint /bin/nothere rvtest
    if [ "$status" = 127 ]; then pass "a missing riscv64 entrypoint exits 127"; else fail "a missing riscv64 entrypoint exits 127" "$status $errout"; fi
    "$RV/args-native" segv >/dev/null 2>&1
    nseg=$?
    run "$VIV" run rvtest segv
    if [ "$status" = "$nseg" ] && [ "$status" = 139 ]; then pass "a translated guest's SIGSEGV is its exit status, 139"; else fail "a translated guest's SIGSEGV is its exit status, 139" "$status (native $nseg) $errout"; fi
    run "$VIV" run --read-only --timeout 30 rvtest
    if [ "$status" = "$nst" ]; then pass "--read-only and --timeout apply to translated guests"; else fail "--read-only and --timeout apply to translated guests" "$status $errout"; fi
    # Rootless: an unprivileged user's own catalog, the translator in that user's sandbox.
    . "$SRCDIR/tests/payloads/run-setup.sh"
    if can_rootless; then
        chmod 644 "$WORK/rv.viv"
        as_nobody "$VIV" import -q "$WORK/rv.viv" >/dev/null 2>&1
        run as_nobody env -u VIV_TEST_VALUE "$VIV" run --verbose rvtest x "y z"
        if [ "$status" = "$nst" ] && [ "$out" = "$(cat "$WORK/native.out")" ] && contains "$errout" "run: root: "; then
            pass "rootless: a riscv64 program runs translated in the caller's own sandbox and prints what its native build prints"
        else
            fail "rootless: a riscv64 program runs translated" "status $status (native $nst): $(printf '%s' "$out" | head -3) / $errout"
        fi
    else
        skip "rootless xlat run" "unprivileged user namespaces are unavailable (or setpriv is missing)"
    fi
fi
