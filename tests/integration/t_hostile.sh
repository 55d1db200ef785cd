# t_hostile.sh: hostile archives are refused with one line naming archive and entry, and the
# catalog stays exactly as it was.
fresh
"$FIXTURES/mktar" setuid "$WORK/ok.viv" >/dev/null 2>&1
"$VIV" import -q "$WORK/ok.viv" >/dev/null 2>&1
before=$(catalog_state)

# refused KIND RULE: import of the KIND archive fails naming it, its entry and RULE.
refused() {
    kind=$1 rule=$2
    f="$WORK/$kind.viv"
    if ! "$FIXTURES/mktar" "$kind" "$f" >/dev/null 2>&1; then
        fail "hostile $kind: fixture" "mktar $kind failed"
        return
    fi
    run "$VIV" import "$f"
    lines=$(printf '%s\n' "$errout" | wc -l)
    if [ "$status" = 125 ] && [ "$lines" = 1 ] && contains "$errout" "viv: import: $f: " &&
        contains "$errout" "$rule" && [ "$(catalog_state)" = "$before" ] &&
        [ -z "$(ls -A "$VIV_HOME/staging" 2>/dev/null)" ]; then
        pass "hostile $kind: refused ($rule), catalog unchanged"
    else
        fail "hostile $kind" "status $status, stderr: $errout"
    fi
}
refused dotdot "escapes the root"
refused absolute "is an absolute path"
refused outside-rootfs "is outside rootfs/"
refused through-symlink "passes through symlink"
refused hardlink-outside "outside the tree"
refused no-manifest "manifest.json"
refused manifest-not-first "manifest.json"
refused truncated ""
refused garbage ""
assert "nothing was written outside the catalog" test ! -e /etc/viv-pwned -a ! -e "$WORK/pwned" -a ! -e /tmp/viv-pwned

"$FIXTURES/mktar" device-node "$WORK/dev.viv" >/dev/null 2>&1
run "$VIV" import "$WORK/dev.viv"
devid=$(printf '%s\n' "$out" | tail -n 1)
if [ "$status" = 0 ] && contains "$errout" "viv: warning: " && contains "$errout" "device node dropped" &&
    [ -z "$(find "$VIV_HOME/images/$devid/rootfs" \( -type c -o -type b \) 2>/dev/null)" ]; then
    pass "device nodes are dropped with a warning, never created"
else
    fail "device nodes are dropped with a warning, never created" "status $status: $errout"
fi
okid=$("$VIV" images -q | while read -r i; do [ "$i" != "$devid" ] && echo "$i"; done | head -n 1)
mode=$(find "$VIV_HOME/images/$okid/rootfs" -name tool -printf '%m\n' 2>/dev/null)
assert "setuid bits are kept in the image" test "$mode" = 4755
expect "fsck clean after hostile imports" 0 "$VIV" fsck
