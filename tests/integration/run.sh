#!/bin/sh
# run.sh [t_NAME...]: run every integration test file (or the ones named) against $VIV; the last
# line is "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
SRCDIR=$(pwd)
. tests/integration/lib.sh
# The host's device nodes are bound into every instance: no test may leave them changed.
devs() { stat -c '%n %a %u %g' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; }
devs_before=$(devs)
files=""
for n in "$@"; do files="$files tests/integration/$n.sh"; done
for t in ${files:-tests/integration/t_*.sh}; do
    printf '# %s\n' "$t"
    file_started=$(date +%s)
    . "./$t"
    # What each file takes, so that the suite's time (make check: under ten minutes) is known.
    printf '# %s: %ss\n' "$t" "$(($(date +%s) - file_started))"
    if [ "$(devs)" != "$devs_before" ]; then
        fail "$t leaves the host's device nodes as they were" "before: $devs_before; after: $(devs)"
        devs_before=$(devs)
    fi
    # Checkouts hold read-only folders: make them writable so an unprivileged run can clean up.
    if [ -n "${WORK:-}" ]; then chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"; fi
    WORK=
done
[ "$SKIPPED" -gt 0 ] && printf '%d skipped (see SKIP lines above)\n' "$SKIPPED"
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
