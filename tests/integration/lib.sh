# lib.sh: helpers for the integration tests, which drive the built viv binary.
# Each t_*.sh is sourced by run.sh into one shell, so the counters add up across files.

: "${VIV:?set VIV to the viv binary}"
: "${FIXTURES:?set FIXTURES to the built fixture generators}"
SRCDIR=${SRCDIR:-$(pwd)}
PASSED=${PASSED:-0}
FAILED=${FAILED:-0}
SKIPPED=${SKIPPED:-0}

# A fresh catalog and scratch folder per test file.
fresh() {
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/viv-it.XXXXXX")
    export VIV_HOME="$WORK/home"
}

pass() { PASSED=$((PASSED + 1)); printf 'ok   %s\n' "$1"; }
fail() { FAILED=$((FAILED + 1)); printf 'FAIL %s\n' "$1"; [ -n "${2:-}" ] && printf '     %s\n' "$2"; return 0; }
skip() { SKIPPED=$((SKIPPED + 1)); printf 'SKIP: %s: %s\n' "$1" "$2"; }

# run CMD...: runs it, keeps status in $status, stdout in $out, stderr in $errout.
run() {
    "$@" >"$WORK/.out" 2>"$WORK/.err"
    status=$?
    out=$(cat "$WORK/.out")
    errout=$(cat "$WORK/.err")
}

# expect NAME STATUS CMD...: CMD exits with STATUS.
expect() {
    name=$1 want=$2
    shift 2
    run "$@"
    if [ "$status" = "$want" ]; then
        pass "$name"
    else
        fail "$name" "exit $status, wanted $want; stderr: $errout"
    fi
}

# expect_err NAME STATUS TEXT CMD...: exits STATUS and stderr is exactly TEXT.
expect_err() {
    name=$1 want=$2 text=$3
    shift 3
    run "$@"
    if [ "$status" = "$want" ] && [ "$errout" = "$text" ]; then
        pass "$name"
    else
        fail "$name" "exit $status (wanted $want); stderr: '$errout'; wanted: '$text'"
    fi
}

# assert NAME CONDITION-CMD...: passes when the command succeeds.
assert() {
    name=$1
    shift
    if "$@" >/dev/null 2>&1; then pass "$name"; else fail "$name" "failed: $*"; fi
}

# contains HAYSTACK NEEDLE
contains() { case $1 in *"$2"*) return 0 ;; *) return 1 ;; esac; }

# The catalog's visible state: what images/refs/objects exist, and their modes.
catalog_state() {
    (cd "$VIV_HOME" 2>/dev/null && find images refs objects -printf '%p %m %y\n' 2>/dev/null | sort)
}
