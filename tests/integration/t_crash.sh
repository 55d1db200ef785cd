# t_crash.sh: kill -9 at any moment of an import leaves no half image and a clean fsck; the next
# operation sweeps what the killed import left; concurrent writers never corrupt the store.
fresh
"$FIXTURES/mktar" bigfile "$WORK/big.viv" 64 >/dev/null 2>&1
"$FIXTURES/mktar" manyfiles "$WORK/many.viv" 2000 >/dev/null 2>&1
ok=1
for delay in 0.01 0.05 0.1 0.2 0.3 0.5 0.8 1.2; do
    for f in big many; do
        "$VIV" import -q "$WORK/$f.viv" >/dev/null 2>&1 &
        pid=$!
        sleep "$delay"
        kill -9 "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        # An image is listed only if complete: every listed image must pass fsck.
        if ! "$VIV" fsck >"$WORK/fsck.out" 2>&1; then
            ok=0
            echo "     after kill at ${delay}s ($f):"; sed 's/^/     /' "$WORK/fsck.out"
        fi
        if [ -n "$(ls -A "$VIV_HOME/staging" 2>/dev/null)" ]; then
            ok=0
            echo "     staging not swept after kill at ${delay}s ($f)"
        fi
        # Start over for the next kill so each one can land mid-import.
        for i in $("$VIV" images -q); do "$VIV" rm "$i" >/dev/null 2>&1; done
    done
done
[ $ok = 1 ] && pass "kill -9 during imports: fsck clean, staging swept" || fail "kill -9 during imports: fsck clean, staging swept"
expect "an import after the crashes succeeds" 0 "$VIV" import -q "$WORK/many.viv"

# Several processes importing, tagging and removing at once.
BUILD=$WORK sh "$SRCDIR/examples/build.sh" >"$WORK/build.log" 2>&1
pids=""
for n in 1 2 3 4; do
    (
        for round in 1 2 3; do
            "$VIV" import -q --name "w$n:r$round" "$WORK/examples/hello.viv" >/dev/null 2>&1 || echo "import failed" >> "$WORK/errors"
            "$VIV" import -q --name "b$n" "$WORK/examples/busybox.viv" >/dev/null 2>&1 || echo "import failed" >> "$WORK/errors"
            "$VIV" tag "w$n:r$round" "t$n:r$round" >/dev/null 2>&1 || echo "tag failed" >> "$WORK/errors"
            "$VIV" rm "w$n:r$round" >/dev/null 2>&1 || echo "rm failed" >> "$WORK/errors"
        done
    ) &
    pids="$pids $!"
done
"$VIV" prune >/dev/null 2>&1
for p in $pids; do wait "$p"; done
assert "concurrent imports, tags and removals all succeed" test ! -e "$WORK/errors"
expect "fsck clean after concurrent writers" 0 "$VIV" fsck
run "$VIV" images
assert "every surviving name resolves" sh -c "for n in 1 2 3 4; do for r in 1 2 3; do '$VIV' inspect t\$n:r\$r >/dev/null || exit 1; done; '$VIV' inspect b\$n >/dev/null || exit 1; done"
