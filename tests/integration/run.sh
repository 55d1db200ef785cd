#!/bin/sh
# run.sh: run every integration test file against $VIV; the last line is "N passed, N failed".
cd "$(dirname "$0")/../.." || exit 1
SRCDIR=$(pwd)
. tests/integration/lib.sh
for t in tests/integration/t_*.sh; do
    printf '# %s\n' "$t"
    . "./$t"
    # Checkouts hold read-only folders: make them writable so an unprivileged run can clean up.
    if [ -n "${WORK:-}" ]; then chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"; fi
    WORK=
done
[ "$SKIPPED" -gt 0 ] && printf '%d skipped (see SKIP lines above)\n' "$SKIPPED"
printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
[ "$FAILED" -eq 0 ]
