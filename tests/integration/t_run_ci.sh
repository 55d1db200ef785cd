# t_run_ci.sh: the CI-job recipe of the README with the C build appliance: a checked-out
# workspace bound in, the build's artifacts back on the host, nothing else touched.
fresh
if ! dpkg -s gcc make libc6-dev >/dev/null 2>&1; then
    skip "CI job in the cc appliance" "gcc, make or libc6-dev is not installed"
else
    BUILD=$WORK sh "$SRCDIR/examples/build-cc.sh" >"$WORK/cc.log" 2>&1
    "$VIV" import -q "$WORK/examples/cc.viv" >/dev/null 2>&1
    ws=$WORK/ws
    mkdir -p "$ws"
    cp "$SRCDIR/examples/hello/hello.c" "$ws/"
    printf 'test: hello\n\t./hello ci > result.txt\nhello: hello.c\n\tgcc -O2 -Wall -o hello hello.c\n' > "$ws/Makefile"
    before=$(catalog_state)
    run "$VIV" run --rm -v "$ws:/src" -w /src --timeout 1800 --memory 2G --pids-limit 512 \
        --limits=best-effort cc make test
    if [ "$status" = 0 ] && [ -x "$ws/hello" ] && grep -q "arg 1: ci" "$ws/result.txt"; then
        pass "make test in the cc appliance builds and runs C; artifacts come back through the bind"
    else
        fail "make test in the cc appliance" "status $status: $out / $errout"
    fi
    run "$VIV" run --rm -v "$ws:/src" -w /src cc sh -c 'touch /usr/bin/planted /root/planted && ls /usr/bin/planted'
    if [ "$status" = 0 ] && [ ! -e /usr/bin/planted ] && [ "$(catalog_state)" = "$before" ] &&
        [ ! -e "$VIV_HOME/images/$("$VIV" images -q | head -n 1)/rootfs/usr/bin/planted" ]; then
        pass "the job writes its own layer, never the host or the catalog"
    else
        fail "the job writes its own layer, never the host or the catalog" "status $status: $errout"
    fi
    run "$VIV" run --rm -v "$ws:/src" -w /src cc sh -c 'ls /src/../..; cat /proc/1/cmdline; echo'
    if [ "$status" = 0 ] && ! contains "$out" "$(basename "$WORK")"; then pass "the job sees its own root, not the host's"; else fail "the job sees its own root, not the host's" "$out"; fi
fi
