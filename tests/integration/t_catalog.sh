# t_catalog.sh: import, list, inspect, tag, rm, export, fsck, prune and df as a user sees them.
fresh
BUILD=$WORK sh "$SRCDIR/examples/build.sh" >"$WORK/build.log" 2>&1
hello=$WORK/examples/hello.viv

run "$VIV" import "$hello"
id=$(printf '%s\n' "$out" | tail -n 1)
if [ "$status" = 0 ] && printf '%s' "$id" | grep -Eq '^[0-9a-f]{64}$'; then pass "import prints the id as its last line"; else fail "import prints the id as its last line" "$out $errout"; fi
assert "import prints nothing on stderr when not a terminal" test -z "$errout"
assert "the catalog is private (0700)" test "$(stat -c %a "$VIV_HOME")" = 700

run "$VIV" images
if contains "$out" "hello" && contains "$out" "1.0" && contains "$out" "$(printf '%.12s' "$id")"; then pass "images lists name, tag and short id"; else fail "images lists name, tag and short id" "$out"; fi
run "$VIV" images --json
if contains "$out" "\"id\": \"$id\"" && contains "$out" '"hello:1.0"'; then pass "images --json"; else fail "images --json" "$out"; fi
run "$VIV" inspect hello:1.0
if [ "$status" = 0 ] && contains "$out" "\"entrypoint\": [" && contains "$out" "\"rootfs\": \"$VIV_HOME/images/$id/rootfs\""; then pass "inspect shows manifest and checkout"; else fail "inspect shows manifest and checkout" "$out $errout"; fi
expect "inspect by unique id prefix" 0 "$VIV" inspect "$(printf '%.8s' "$id")"
expect_err "inspect of a missing image" 125 "viv: inspect: no image 'nothere:latest'" "$VIV" inspect nothere
# As an import names an image by its reference's last part, a lookup does: podman's
# localhost/NAME and a registry's path find it.
run "$VIV" inspect localhost/hello:1.0
r1=$status
run "$VIV" inspect docker.io/library/hello:1.0
if [ "$r1" = 0 ] && [ "$status" = 0 ] && contains "$out" '"name": "hello"'; then pass "localhost/NAME and a registry path find the image NAME"; else fail "localhost/NAME and a registry path find the image NAME" "$r1 $status $out $errout"; fi
expect_err "a path whose last part is no image is still missing, named in full" 125 "viv: inspect: no image 'localhost/nothere:latest'" "$VIV" inspect localhost/nothere
assert "checkout holds the program" cmp "$VIV_HOME/images/$id/rootfs/bin/hello" "$WORK/examples/hello/rootfs/bin/hello"

# Re-import shares everything.
objs_before=$(find "$VIV_HOME/objects" -type f | wc -l)
id2=$("$VIV" import -q "$hello")
assert "re-import gives the same id" test "$id2" = "$id"
assert "re-import adds no object" test "$(find "$VIV_HOME/objects" -type f | wc -l)" = "$objs_before"

expect "tag" 0 "$VIV" tag hello:1.0 greeter
run "$VIV" inspect greeter
if contains "$out" "\"greeter:latest\"" && contains "$out" "\"hello:1.0\""; then pass "a tag is another name for the same image"; else fail "a tag is another name for the same image" "$out"; fi
id3=$("$VIV" import -q --name other/hello:2 "$hello")
assert "import --name gives the same id" test "$id3" = "$id"
expect "image under a nested name" 0 "$VIV" inspect other/hello:2

expect "export" 0 "$VIV" export greeter -o "$WORK/exported.viv"
VIV_HOME=$WORK/home2 "$VIV" import -q "$WORK/exported.viv" > "$WORK/id.txt" 2>&1
assert "import of an export gives the same id" test "$(cat "$WORK/id.txt")" = "$id"

expect "rm of one name keeps the image" 0 "$VIV" rm greeter
expect "image still there under its other name" 0 "$VIV" inspect hello:1.0
"$VIV" rm other/hello:2 >/dev/null 2>&1
run "$VIV" rm hello:1.0
if [ "$status" = 0 ] && contains "$out" "deleted: $id"; then pass "rm of the last name deletes the image"; else fail "rm of the last name deletes the image" "$out $errout"; fi
assert "deleted image is gone" test ! -e "$VIV_HOME/images/$id"
expect_err "rm of a missing image" 125 "viv: rm: no image 'hello:1.0'" "$VIV" rm hello:1.0

run "$VIV" prune
if [ "$status" = 0 ] && [ -z "$(find "$VIV_HOME/objects" -type f)" ]; then pass "prune drops unreferenced objects"; else fail "prune drops unreferenced objects" "$out $errout"; fi

# df counts each inode once: two images sharing a big file cost it once.
mkdir -p "$WORK/big/rootfs/bin"
cp "$WORK/examples/hello/rootfs/bin/hello" "$WORK/big/rootfs/bin/"
head -c 4194304 /dev/urandom > "$WORK/big/rootfs/blob"
head -c 300 /dev/urandom > "$WORK/big/rootfs/small"
printf '{"vivarium":1,"name":"big","arch":"x86_64","entrypoint":["/bin/hello"]}\n' > "$WORK/big/manifest.json"
"$VIV" build "$WORK/big" -o "$WORK/big.viv" >/dev/null
"$VIV" import -q "$WORK/big.viv" >/dev/null
printf '{"vivarium":1,"name":"big2","arch":"x86_64","entrypoint":["/bin/hello"],"env":["X=1"]}\n' > "$WORK/big/manifest.json"
"$VIV" build "$WORK/big" -o "$WORK/big2.viv" >/dev/null
"$VIV" import -q "$WORK/big2.viv" >/dev/null
run "$VIV" df --json
bytes=$(printf '%s' "$out" | sed -n 's/.*"bytes": \([0-9]*\).*/\1/p' | head -n 1)
if [ -n "$bytes" ] && [ "$bytes" -lt 6291456 ] && [ "$bytes" -gt 4194304 ]; then pass "df counts a shared 4 MiB file once"; else fail "df counts a shared 4 MiB file once" "$out"; fi
assert "the shared file is one inode in both checkouts" test "$(find "$VIV_HOME/images" -name blob -printf '%i\n' | sort -u | wc -l)" = 1
assert "a shared small file is one inode in both checkouts" test "$(find "$VIV_HOME/images" -name small -printf '%i\n' | sort -u | wc -l)" = 1

expect "fsck of a clean catalog" 0 "$VIV" fsck
bigid=$("$VIV" images -q | head -n 1)
obj=$(find "$VIV_HOME/objects" -type f -size +1M | head -n 1)
# A byte changed, whatever the random content held there.
was=$(dd if="$obj" bs=1 skip=100 count=1 2>/dev/null)
now=x; [ "$was" = x ] && now=y
chmod u+w "$obj"; printf '%s' "$now" | dd of="$obj" bs=1 seek=100 conv=notrunc 2>/dev/null
rm -f "$VIV_HOME/images/$bigid/rootfs/bin/hello" 2>/dev/null || { chmod u+w "$VIV_HOME/images/$bigid/rootfs/bin"; rm -f "$VIV_HOME/images/$bigid/rootfs/bin/hello"; }
run "$VIV" fsck
if [ "$status" = 1 ] && contains "$out" "$(basename "$obj")" && contains "$out" "bin/hello"; then pass "fsck names a damaged object and a missing file, exit 1"; else fail "fsck names a damaged object and a missing file, exit 1" "status $status: $out"; fi

# On a terminal, a large import draws a progress bar on stderr.
if command -v script >/dev/null 2>&1; then
    "$FIXTURES/mktar" bigfile "$WORK/bar.viv" 80 >/dev/null 2>&1
    script -qec "'$VIV' import -q '$WORK/bar.viv'" /dev/null > "$WORK/tty.out" 2>&1
    if grep -q '100%' "$WORK/tty.out" && grep -q 'bar.viv \[' "$WORK/tty.out"; then pass "progress bar on a terminal"; else fail "progress bar on a terminal" "$(head -c 300 "$WORK/tty.out")"; fi
else
    skip "progress bar on a terminal" "script(1) is not installed"
fi
