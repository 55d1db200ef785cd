# t_build.sh: viv build checks the entrypoint and writes reproducible .viv files.
fresh
BUILD=$WORK sh "$SRCDIR/examples/build.sh" >"$WORK/build.log" 2>&1
assert "examples build into .viv files" test -s "$WORK/examples/hello.viv" -a -s "$WORK/examples/busybox.viv"

assert "viv build writes zstd" sh -c "head -c4 '$WORK/examples/hello.viv' | od -An -tx1 | grep -q '28 b5 2f fd'"
expect "same directory builds again" 0 "$VIV" build "$WORK/examples/hello" -o "$WORK/hello2.viv"
assert "rebuild is byte-identical" cmp "$WORK/examples/hello.viv" "$WORK/hello2.viv"
touch "$WORK/examples/hello/rootfs/bin/hello"
"$VIV" build "$WORK/examples/hello" -o "$WORK/hello3.viv" >/dev/null 2>&1
assert "file mtimes do not change the output" cmp "$WORK/examples/hello.viv" "$WORK/hello3.viv"
SOURCE_DATE_EPOCH=1700000000 "$VIV" build "$WORK/examples/hello" -o "$WORK/hello4.viv" >/dev/null 2>&1
assert "SOURCE_DATE_EPOCH sets the mtimes" sh -c "! cmp -s '$WORK/examples/hello.viv' '$WORK/hello4.viv'"
id1=$("$VIV" import -q "$WORK/examples/hello.viv")
id4=$("$VIV" import -q "$WORK/hello4.viv")
assert "mtimes are not part of the image id" test -n "$id1" -a "$id1" = "$id4"
"$VIV" build --compression gzip "$WORK/examples/hello" -o "$WORK/hello.gz.viv" >/dev/null 2>&1
idgz=$("$VIV" import -q "$WORK/hello.gz.viv")
assert "recompressing does not change the image id" test -n "$idgz" -a "$idgz" = "$id1"

# A directory to break in different ways.
mk() {
    rm -rf "$WORK/app"
    mkdir -p "$WORK/app/rootfs/bin"
    cp "$WORK/examples/hello/rootfs/bin/hello" "$WORK/app/rootfs/bin/hello"
    printf '%s\n' "$1" > "$WORK/app/manifest.json"
}
mk '{"vivarium":1,"name":"app","arch":"x86_64","entrypoint":["/bin/nope"]}'
expect_err "missing entrypoint is refused" 125 \
    "viv: build: $WORK/app/manifest.json: entrypoint '/bin/nope' does not exist in rootfs/: No such file or directory" \
    "$VIV" build "$WORK/app" -o "$WORK/app.viv"
assert "a refused build writes no file" test ! -e "$WORK/app.viv"
mk '{"vivarium":1,"name":"app","arch":"riscv64","entrypoint":["/bin/hello"]}'
expect_err "entrypoint of another arch is refused" 125 \
    "viv: build: $WORK/app/manifest.json: entrypoint '/bin/hello' is a x86_64 ELF, but the manifest says arch riscv64" \
    "$VIV" build "$WORK/app" -o "$WORK/app.viv"
mk '{"vivarium":1,"name":"app","arch":"x86_64","entrypoint":["/bin/run"]}'
printf 'not a program\n' > "$WORK/app/rootfs/bin/run"; chmod 755 "$WORK/app/rootfs/bin/run"
expect_err "entrypoint that is neither ELF nor script is refused" 125 \
    "viv: build: $WORK/app/manifest.json: entrypoint '/bin/run' is neither an ELF executable nor a #! script" \
    "$VIV" build "$WORK/app" -o "$WORK/app.viv"
printf '#!/bin/hello\n' > "$WORK/app/rootfs/bin/run"
expect "a #! script entrypoint is accepted" 0 "$VIV" build "$WORK/app" -o "$WORK/app.viv"
mk '{"vivarium":1,"name":"app","arch":"x86_64","entrypoint":["hello"],"env":["PATH=/usr/bin:/bin"]}'
ln -s hello "$WORK/app/rootfs/bin/hi"
expect "a bare entrypoint is found on the manifest's PATH" 0 "$VIV" build "$WORK/app" -o "$WORK/app.viv"
mk '{"vivarium":1,"name":"app","arch":"x86_64","entrypoint":["/bin/hi"]}'
ln -s /bin/hello "$WORK/app/rootfs/bin/hi"
expect "a symlinked entrypoint resolves inside rootfs/" 0 "$VIV" build "$WORK/app" -o "$WORK/app.viv"
mk '{"vivarium":1,"name":"app","arch":"x86_64","entrypoint":["/bin/hello"],"colour":"blue"}'
expect_err "unknown manifest keys are refused" 125 \
    "viv: build: $WORK/app/manifest.json: unknown key 'colour'" \
    "$VIV" build "$WORK/app" -o "$WORK/app.viv"
