# t_cli.sh: help, usage errors, the man page covering every verb and flag.
fresh

expect "viv --help exits 0" 0 "$VIV" --help
verbs=$("$VIV" --help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
assert "viv --help lists the catalog verbs" sh -c "for v in build import images inspect tag rm export fsck prune df; do printf '%s\n' '$verbs' | grep -qx \$v || exit 1; done"
expect_err "unknown verb is a one-line error, exit 125" 125 "viv: unknown verb 'frobnicate' (see 'viv --help')" "$VIV" frobnicate
expect_err "usage error names the verb and points to help" 125 "viv: build: missing -o FILE (see 'viv build --help')" "$VIV" build somedir

for v in $verbs; do
    run "$VIV" "$v" --help
    if [ "$status" = 0 ] && contains "$out" "Usage: viv $v"; then pass "viv $v --help"; else fail "viv $v --help" "$errout"; fi
    # Every verb and every long option the binary offers is documented in the man page.
    missing=""
    grep -q "^\.SS $v\b" "$SRCDIR/docs/viv.1" || missing="$missing verb:$v"
    for flag in $(printf '%s\n' "$out" | grep -o -- '--[a-z][a-z-]*' | sort -u); do
        grep -q -- "$(printf '%s' "$flag" | sed 's/-/\\\\-/g')" "$SRCDIR/docs/viv.1" || missing="$missing $v:$flag"
    done
    if [ -z "$missing" ]; then pass "docs/viv.1 documents viv $v"; else fail "docs/viv.1 documents viv $v" "missing:$missing"; fi
done

# A bad option is one line, ours, naming the option and what was wrong with it.
expect_err "an unknown long option is named" 125 "viv: run: unknown option '--bogus' (see 'viv run --help')" "$VIV" run --bogus app
expect_err "an unknown short option in a cluster is named by its letter" 125 "viv: run: unknown option '-x' (see 'viv run --help')" "$VIV" run -ix app
expect_err "an option without its value says so" 125 "viv: run: option '--memory' needs a value (see 'viv run --help')" "$VIV" run --memory
expect_err "a short option without its value says so" 125 "viv: import: option '-n' needs a value (see 'viv import --help')" "$VIV" import -n
expect_err "a switch given a value says so" 125 "viv: images: option '--quiet' takes no value (see 'viv images --help')" "$VIV" images --quiet=yes

# podman's flags viv does not take are refused with the reason; a bad flag value is told before
# the image is looked up.
expect_err "podman's --name is refused with the reason" 125 "viv: run: --name is not supported: instances have no name: each lives as long as its viv run (see 'viv run --help')" "$VIV" run --name x app true
expect_err "podman's -d is refused with the reason" 125 "viv: run: -d is not supported: an instance lives as long as its viv run: run viv in the background (see 'viv run --help')" "$VIV" run -d app true
expect_err "podman's --tz points to what does it" 125 "viv: run: --tz is not supported: set TZ with -e TZ=ZONE (see 'viv run --help')" "$VIV" run --tz=UTC app true
expect_err "--umask must be octal" 125 "viv: run: --umask '9': expected an octal mask up to 0777 (see 'viv run --help')" "$VIV" run --umask 9 app true
expect_err "podman's --memory-swap points to what does it" 125 "viv: run: --memory-swap is not supported: swap is not limited apart from --memory (see 'viv run --help')" "$VIV" run --memory-swap=1g app true
run "$VIV" run --memory app true
if [ "$status" = 125 ] && contains "$errout" "viv: run: --memory: invalid size 'app'"; then pass "a bad flag value is told as such, before the image is looked up"; else fail "a bad flag value is told as such, before the image is looked up" "$status $errout"; fi
