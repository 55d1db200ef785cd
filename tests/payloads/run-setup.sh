# run-setup.sh: sourced by the t_run_*.sh integration tests after `fresh`: finds (or builds) the
# payload programs and imports a test appliance "app" holding busybox and the payloads.
PAYLOADS=${PAYLOADS:-$(dirname "$FIXTURES")/payloads}
if [ ! -x "$PAYLOADS/escape" ]; then
    # Run outside make: build them here, as the GNUmakefile rule does.
    PAYLOADS=$WORK/payloads
    mkdir -p "$PAYLOADS"
    for src in "$SRCDIR"/tests/payloads/*.c; do
        ${CC:-gcc} -static -O2 -D_GNU_SOURCE -o "$PAYLOADS/$(basename "$src" .c)" "$src"
    done
fi
chmod 755 "$WORK"
VIV="$VIV" sh "$SRCDIR/tests/payloads/make-appliance.sh" "$WORK/app" "$PAYLOADS"/escape \
    >"$WORK/app.log" 2>&1
"$VIV" import "$WORK/app.viv" >/dev/null 2>&1
chmod 644 "$WORK/app.viv"

# as_nobody CMD...: run CMD rootless with its own catalog: as nobody when the tests run as root,
# as the caller otherwise. RL_UID is that user's uid.
ROOTLESS_HOME=$WORK/rootless
mkdir -p "$ROOTLESS_HOME" && chmod 777 "$ROOTLESS_HOME"
if [ "$(id -u)" = 0 ]; then
    RL_UID=65534
    as_nobody() {
        setpriv --reuid=65534 --regid=65534 --clear-groups env VIV_HOME="$ROOTLESS_HOME/home" "$@"
    }
else
    RL_UID=$(id -u)
    as_nobody() { env VIV_HOME="$ROOTLESS_HOME/home" "$@"; }
fi
can_rootless() {
    { [ "$(id -u)" != 0 ] || command -v setpriv >/dev/null 2>&1; } &&
        as_nobody "$VIV" run --limits=best-effort "$WORK/app.viv" true >/dev/null 2>&1
}

# race_runs [FLAGS...]: 200 runs of app, each sent SIGTERM at once or after a short spin, the
# spin longer each run up to forty steps: signals spread over viv's first milliseconds. The guest's
# arguments carry race-$$, for ps to find what a run left behind.
race_runs() {
    n=0
    while [ $n -lt 200 ]; do
        "$VIV" run "$@" app true "race-$$" >/dev/null 2>&1 &
        vp=$!
        j=0
        while [ $j -lt $((n % 40)) ]; do j=$((j + 1)); done
        kill -s TERM "$vp" 2>/dev/null
        wait "$vp"
        n=$((n + 1))
    done
}
