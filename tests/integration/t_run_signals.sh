# t_run_signals.sh: signals to viv reach the guest; when viv dies the instance dies; -t gives the
# guest a terminal with window-size changes and Ctrl-C relayed.
fresh
. "$SRCDIR/tests/payloads/run-setup.sh"

# wait_for FILE TEXT: up to 5 s for TEXT to appear in FILE.
wait_for() {
    i=0
    while [ $i -lt 100 ] && ! grep -q "$2" "$1" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
    grep -q "$2" "$1" 2>/dev/null
}

for sig in TERM INT HUP; do
    # Gone before the next viv starts: the last one's "ready" would send the signal too early.
    rm -f "$WORK/sig.out"
    "$VIV" run app "trap 'echo got-$sig; exit 42' $sig; echo ready; while :; do sleep 0.05; done" \
        >"$WORK/sig.out" 2>&1 &
    vp=$!
    wait_for "$WORK/sig.out" ready
    kill -s "$sig" "$vp"
    wait "$vp"
    st=$?
    if [ "$st" = 42 ] && grep -q "got-$sig" "$WORK/sig.out"; then pass "SIG$sig to viv reaches the guest"; else fail "SIG$sig to viv reaches the guest" "exit $st: $(cat "$WORK/sig.out")"; fi
done

# A signal to viv's whole process group (a shell's job control, a CI runner ending its job)
# reaches the guest once, relayed by viv: the instance has a process group of its own.
rm -f "$WORK/sig.out"
setsid "$VIV" run app "n=0; trap 'n=\$((n + 1))' TERM; echo ready; while [ \$n = 0 ]; do sleep 0.05; done; sleep 0.5; echo count-\$n" >"$WORK/sig.out" 2>&1 &
vp=$!
wait_for "$WORK/sig.out" ready
kill -s TERM -- "-$vp"
wait "$vp"
if grep -q "count-1" "$WORK/sig.out"; then pass "SIGTERM to viv's process group reaches the guest once"; else fail "SIGTERM to viv's process group reaches the guest once" "$(cat "$WORK/sig.out")"; fi

# An entrypoint that leaves the signal at its default: the kernel would not deliver it to a
# namespace's init, so viv ends the instance, with the status of a guest killed by it.
for sig_want in TERM:143 HUP:129; do
    sig=${sig_want%:*} want=${sig_want#*:}
    rm -f "$WORK/sig.out"
    "$VIV" run app "echo ready; sleep 30" >"$WORK/sig.out" 2>&1 &
    vp=$!
    wait_for "$WORK/sig.out" ready
    kill -s "$sig" "$vp"
    wait "$vp"
    st=$?
    if [ "$st" = "$want" ]; then pass "SIG$sig to viv ends a guest that does not handle it ($want)"; else fail "SIG$sig to viv ends a guest that does not handle it" "exit $st, wanted $want: $(cat "$WORK/sig.out")"; fi
done

# A signal that comes while the instance is still starting waits for the supervisor: this viv
# is a background job of a script, which ignores SIGINT, and an ignored signal that is not
# blocked would be discarded.
"$VIV" --trace=run run app 'sleep 2; echo not-interrupted' >"$WORK/early.out" 2>"$WORK/early.err" &
vp=$!
wait_for "$WORK/early.err" "starting the instance"
kill -s INT "$vp"
wait "$vp"
st=$?
if [ "$st" = 130 ] && ! grep -q not-interrupted "$WORK/early.out"; then pass "SIGINT to viv while the instance starts reaches the guest"; else fail "SIGINT to viv while the instance starts reaches the guest" "exit $st: $(cat "$WORK/early.out")"; fi

# A signal in viv's first milliseconds, before the instance could know that viv's death is its
# own, leaves nothing behind: an instance left waiting for viv would hold the caller's output
# open for ever. Signals at staggered moments, the same spread each run (race_runs).
# In a subshell: the shell's own word for each job killed ("Terminated") goes nowhere.
(race_runs) 2>/dev/null
sleep 0.3
left=$(ps -eo args | grep -c "[r]ace-$$")
if [ "$left" = 0 ]; then pass "SIGTERM in viv's first milliseconds leaves no instance behind (200 runs)"; else fail "SIGTERM in viv's first milliseconds leaves no instance behind" "$left left"; pkill -9 -f "race-$$"; fi

# A long set-up, a --tmpfs copying in a tree of many files, yields to signals and --timeout: the
# guest never starts, viv ends with the status a guest killed for the same reason would give.
mkdir -p "$WORK/many/x"
(cd "$WORK/many/x" && seq 1 80000 | xargs touch)
for sig_want in TERM:143 INT:130; do
    sig=${sig_want%:*} want=${sig_want#*:}
    "$VIV" --trace=run run -v "$WORK/many:/data" --tmpfs /data/x app 'echo started; sleep 5' >"$WORK/copy.out" 2>"$WORK/copy.err" &
    vp=$!
    wait_for "$WORK/copy.err" "copying into the --tmpfs"
    kill -s "$sig" "$vp"
    wait "$vp"
    st=$?
    if [ "$st" = "$want" ] && ! grep -q started "$WORK/copy.out"; then pass "SIG$sig to viv while --tmpfs copies in ends the run there ($want)"; else fail "SIG$sig to viv while --tmpfs copies in ends the run there" "exit $st, wanted $want: $(cat "$WORK/copy.out")"; fi
done
# The whole copy's time, against a --timeout far shorter, in the same run.
run "$VIV" run --stats=json -v "$WORK/many:/data" --tmpfs /data/x app 'ls /data/x | wc -l'
full=$(printf '%s' "$errout" | sed -n 's/^{"wall_seconds":\([0-9.e+-]*\),.*/\1/p')
run "$VIV" run --stats=json --timeout 50ms -v "$WORK/many:/data" --tmpfs /data/x app 'echo started'
cut=$(printf '%s' "$errout" | sed -n 's/^{"wall_seconds":\([0-9.e+-]*\),.*/\1/p')
if [ "$status" = 124 ] && ! contains "$out" started && contains "$errout" "timed out after 50ms" && [ -n "$full" ] && [ -n "$cut" ] && awk "BEGIN { exit !($cut < $full / 2) }"; then pass "--timeout counts the set-up and cuts a --tmpfs copy short (${cut}s of ${full}s)"; else fail "--timeout counts the set-up and cuts a --tmpfs copy short" "$status $out $errout / full copy ${full}s"; fi

# A SIGTERM just after --timeout fired, while viv reaps the instance and removes its cgroups:
# meant for an instance that is gone, it must not end viv before it tells of the timeout (124,
# the message, --stats). The guest ignores SIGTERM, so every run ends by its timeout.
if [ "$(id -u)" = 0 ]; then
    late=0 n=0
    while [ $n -lt 60 ]; do
        "$VIV" run --stats --timeout 100ms --memory 100m app 'trap "" TERM; sleep 10' >/dev/null 2>"$WORK/late.err" &
        vp=$!
        sleep "$(awk "BEGIN { print 0.097 + ($n % 20) * 0.001 }")"
        kill -s TERM "$vp" 2>/dev/null
        wait "$vp"
        st=$?
        if [ "$st" != 124 ] || ! grep -q "timed out after 100ms" "$WORK/late.err" || ! grep -q "exit status" "$WORK/late.err"; then
            late=$((late + 1))
            why="exit $st: $(cat "$WORK/late.err")"
        fi
        n=$((n + 1))
    done
    if [ "$late" = 0 ]; then pass "a SIGTERM as --timeout ends the instance leaves the timeout's 124, message and --stats (60 runs)"; else fail "a SIGTERM as --timeout ends the instance leaves the timeout's 124" "$late of 60 runs; last: $why"; fi
else
    skip "a SIGTERM as --timeout ends the instance" "--memory's cgroup needs root here"
fi

"$VIV" run app 'echo ready; (sleep 987 &); sleep 986' >"$WORK/die.out" 2>&1 &
vp=$!
wait_for "$WORK/die.out" ready
sleep 0.1
assert "the guest's processes run" pgrep -f "sleep 98[67]"
kill -9 "$vp"
wait "$vp" 2>/dev/null
i=0
while [ $i -lt 40 ] && pgrep -f "sleep 98[67]" >/dev/null; do sleep 0.05; i=$((i + 1)); done
if ! pgrep -f "sleep 98[67]" >/dev/null; then pass "when viv dies the whole instance dies"; else fail "when viv dies the whole instance dies" "$(pgrep -af 'sleep 98[67]')"; fi
# What the entrypoint leaves running ends with it, before viv returns its status.
"$VIV" run app 'sleep 985 & (sleep 984 &); exit 3' >/dev/null 2>&1
st=$?
if [ "$st" = 3 ] && ! pgrep -f "sleep 98[45]" >/dev/null; then pass "what the entrypoint leaves running is gone when viv returns"; else fail "what the entrypoint leaves running is gone when viv returns" "exit $st: $(pgrep -af 'sleep 98[45]')"; fi

# -t needs a terminal around viv: script(1) gives it one.
if command -v script >/dev/null 2>&1; then
    run script -qec "stty rows 33 cols 77; '$VIV' run -t app 'test -t 0 && test -t 1 && echo tty-ok; stty size; echo \$TERM'" /dev/null
    if contains "$out" "tty-ok" && contains "$out" "33 77" && contains "$out" "xterm"; then pass "-t: a terminal with the caller's size and TERM"; else fail "-t: a terminal with the caller's size and TERM" "$out"; fi
    # The caller's TERM where the image has a terminfo entry for it; xterm where it has none,
    # which curses programs could not start with.
    cp -a "$WORK/app" "$WORK/termapp"
    mkdir -p "$WORK/termapp/rootfs/usr/share/terminfo/x"
    : >"$WORK/termapp/rootfs/usr/share/terminfo/x/xterm-256color"
    sed -i 's/"name": "app"/"name": "termapp"/' "$WORK/termapp/manifest.json"
    "$VIV" build "$WORK/termapp" -o "$WORK/termapp.viv" >/dev/null && "$VIV" import -q "$WORK/termapp.viv" >/dev/null
    run script -qec "TERM=xterm-256color '$VIV' run -t termapp 'echo \$TERM'; TERM=xterm-kitty '$VIV' run -t termapp 'echo \$TERM'; TERM=xterm-256color '$VIV' run termapp 'echo \$TERM'" /dev/null
    if [ "$(printf '%s' "$out" | tr -d '\r')" = "$(printf 'xterm-256color\nxterm\nxterm')" ]; then pass "-t: the caller's TERM where the image knows it, else xterm; without -t, xterm"; else fail "-t: the caller's TERM where the image knows it, else xterm" "$out $errout"; fi
    run script -qec "stty rows 20 cols 60; '$VIV' run -t app 'sleep 0.6; stty size' & vp=\$!; sleep 0.3; stty rows 41 cols 91; kill -WINCH \$vp; wait \$vp" /dev/null
    if contains "$out" "41 91"; then pass "-t: SIGWINCH resizes the guest's terminal"; else fail "-t: SIGWINCH resizes the guest's terminal" "$out"; fi
    # ^C once the guest's trap is set (it says so in a bound folder): however slow the start.
    mkdir -p "$WORK/intr"
    run sh -c "(i=0; while [ ! -e '$WORK/intr/ready' ] && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i + 1)); done; printf '\\003'; sleep 1) | script -qec \"'$VIV' run -i -t -v '$WORK/intr:/out' app 'trap \\\"echo got-int; exit 5\\\" INT; touch /out/ready; while :; do sleep 0.05; done'\" /dev/null"
    if contains "$out" "got-int"; then pass "-t: Ctrl-C reaches the guest's foreground process group"; else fail "-t: Ctrl-C reaches the guest's foreground process group" "$out"; fi
    # The entrypoint itself in the foreground, as pid 1, without a SIGINT handler: the kernel
    # would drop the pty's SIGINT; viv ends the instance as the signal would have.
    run sh -c "(i=0; while ! pgrep -f 'sleep 98[3]' >/dev/null && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i + 1)); done; sleep 0.2; printf '\\003'; sleep 1) | script -qec \"'$VIV' run -i -t --entrypoint /bin/sleep app 983\" /dev/null"
    if [ "$status" = 130 ] && ! pgrep -f "sleep 98[3]" >/dev/null; then pass "-t: Ctrl-C ends an entrypoint that is pid 1 and does not handle it (130)"; else fail "-t: Ctrl-C ends an entrypoint that is pid 1 and does not handle it" "$status $out"; pkill -9 -f "sleep 98[3]"; fi
    # -t without -i: the keys are not the guest's, so the caller's terminal stays cooked and its
    # Ctrl-C is a SIGINT to viv, relayed; in raw mode it would have been a byte no one reads.
    run sh -c "(i=0; while ! pgrep -f 'sleep 98[2]' >/dev/null && [ \$i -lt 600 ]; do sleep 0.05; i=\$((i + 1)); done; sleep 0.2; printf '\\003'; sleep 1) | script -qec \"'$VIV' run -t --entrypoint /bin/sleep app 982\" /dev/null"
    if [ "$status" = 130 ] && ! pgrep -f "sleep 98[2]" >/dev/null; then pass "-t without -i: Ctrl-C still ends the run (130)"; else fail "-t without -i: Ctrl-C still ends the run (130)" "$status $out"; pkill -9 -f "sleep 98[2]"; fi
    # Keys typed before the guest reads them are its own: not flushed by the switch to raw mode.
    run sh -c "printf 'echo typed-ahead; exit 3\\n' | script -eqc \"'$VIV' run -i -t app sh\" /dev/null"
    if [ "$status" = 3 ] && contains "$out" "typed-ahead"; then pass "-it: input typed ahead reaches the guest"; else fail "-it: input typed ahead reaches the guest" "$status $out"; fi
    run script -qec "stty -g > '$WORK/stty.before'; '$VIV' run -t app true; stty -g > '$WORK/stty.after'" /dev/null
    assert "-t: the caller's terminal is restored" cmp "$WORK/stty.before" "$WORK/stty.after"
    run script -qec "'$VIV' run -t app 'exit 9'" /dev/null
    if [ "$status" = 9 ]; then pass "-t: the guest's exit status"; else fail "-t: the guest's exit status" "$status $out"; fi
    # The pty comes from the instance's own devpts: ttyname(3) finds it at /dev/pts/0.
    run script -qec "stty rows 33 cols 77; '$VIV' run -t app 'tty; stty size; test -t 0 && echo tty0'" /dev/null
    if contains "$out" "/dev/pts/0" && contains "$out" "33 77" && contains "$out" "tty0"; then pass "-t: tty names the guest's own /dev/pts/0"; else fail "-t: tty names the guest's own /dev/pts/0" "$out"; fi
    run script -qec "'$VIV' run -t app 'stat -c \"%u %g %a\" \$(tty)'; '$VIV' run -t --user 1000:1000 app 'stat -c \"%u %g %a\" \$(tty)'" /dev/null
    if contains "$out" "0 5 620" && contains "$out" "1000 5 620"; then pass "-t: the pty belongs to the guest's user and group tty, mode 620"; else fail "-t: the pty belongs to the guest's user and group tty" "$out"; fi
    run script -qec "'$VIV' run -t app 'sh -ic \"sleep 0.2 & jobs; wait; echo waited\" 2>&1'" /dev/null
    if contains "$out" "Running" && contains "$out" "waited" && ! contains "$out" "job control turned off"; then pass "-t: an interactive shell has job control"; else fail "-t: an interactive shell has job control" "$out"; fi
    # A window change reaches the guest as SIGWINCH, with the new size already set. One change
    # only: stty sets rows and cols with one ioctl each, and the guest's trap would see the first.
    mkdir -p "$WORK/winch"
    run script -qec "stty rows 20 cols 60; '$VIV' run -t -v '$WORK/winch:/out' app 'trap \"stty size; exit 7\" WINCH; touch /out/ready; sleep 5 & wait' & vp=\$!; i=0; while [ ! -e '$WORK/winch/ready' ] && [ \$i -lt 200 ]; do sleep 0.05; i=\$((i+1)); done; stty cols 91; kill -WINCH \$vp; wait \$vp" /dev/null
    if [ "$status" = 7 ] && contains "$out" "20 91"; then pass "-t: a window change reaches the guest as SIGWINCH"; else fail "-t: a window change reaches the guest as SIGWINCH" "$status $out"; fi
else
    skip "-t" "script(1) is not installed to give viv a terminal"
fi
