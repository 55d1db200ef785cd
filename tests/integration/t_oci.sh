# t_oci.sh: OCI layouts (directory and tar) and docker-save tarballs import with layers applied.
fresh
for kind in oci-dir oci-archive docker-archive; do
    "$FIXTURES/mkoci" "$kind" "$WORK/$kind" --name "layered:$kind" >/dev/null 2>&1
    run "$VIV" import "$WORK/$kind"
    id=$(printf '%s\n' "$out" | tail -n 1)
    root=$VIV_HOME/images/$id/rootfs
    if [ "$status" = 0 ] && [ -f "$root/etc/motd" ] && [ ! -e "$root/etc/old" ] &&
        [ -f "$root/usr/share/doc/c" ] && [ ! -e "$root/usr/share/doc/a" ] &&
        [ -f "$root/etc/hostname" ]; then
        pass "$kind: layers, whiteouts and opaque directories applied"
    else
        fail "$kind: layers, whiteouts and opaque directories applied" "status $status: $errout"
    fi
    run "$VIV" inspect "layered:$kind"
    m=$(printf '%s' "$out" | tr -d ' \n')
    if contains "$m" '"entrypoint":["/bin/hello"]' && contains "$m" '"cmd":["--greet"]' &&
        contains "$m" '"env":["PATH=/usr/bin:/bin"]' && contains "$m" '"workdir":"/etc"' &&
        contains "$m" '"arch":"x86_64"'; then
        pass "$kind: config mapped to the manifest"
    else
        fail "$kind: config mapped to the manifest" "$out"
    fi
done
assert "the three forms of one image share one id" test "$("$VIV" images -q | sort -u | wc -l)" = 1
# Layer files written in place and then replaced or whited out were moved aside, not kept.
assert "the layered checkout holds no stray file" test "$(cd "$root" && find . | sort | tr '\n' ' ')" = \
    ". ./bin ./bin/hello ./etc ./etc/hostname ./etc/motd ./usr ./usr/share ./usr/share/doc ./usr/share/doc/c "
expect "fsck clean after layered imports" 0 "$VIV" fsck
# The image's USER carries over: an image made to run unprivileged is not run as root.
"$FIXTURES/mkoci" oci-dir "$WORK/user-oci" --name "withuser:1" --user "1000:1000" >/dev/null 2>&1
run "$VIV" import "$WORK/user-oci"
run "$VIV" inspect withuser:1
if [ "$status" = 0 ] && contains "$(printf '%s' "$out" | tr -d ' \n')" '"user":"1000:1000"'; then pass "config.User mapped to the manifest's user"; else fail "config.User mapped to the manifest's user" "$status $out $errout"; fi
before=$(catalog_state)
"$FIXTURES/mkoci" oci-archive "$WORK/bad.tar" --corrupt >/dev/null 2>&1
run "$VIV" import "$WORK/bad.tar"
if [ "$status" = 125 ] && contains "$errout" "digest mismatch" && [ "$(catalog_state)" = "$before" ]; then
    pass "a corrupted blob is refused, catalog unchanged"
else
    fail "a corrupted blob is refused, catalog unchanged" "status $status: $errout"
fi
