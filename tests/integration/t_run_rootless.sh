# t_run_rootless.sh: viv run as an unprivileged user: guest root maps to the caller, the sandbox
# holds, and chown, set*id and setgroups to ids the user namespace cannot map are trapped and
# emulated.
fresh
. "$SRCDIR/tests/payloads/run-setup.sh"

if ! can_rootless; then
    skip "rootless runs" "unprivileged user namespaces are unavailable (or setpriv is missing)"
else
    app=$WORK/app.viv
    # An engine (vm, xlat) serves the guest's calls itself: nothing is trapped under it.
    engine=${VIV_MODE:-native}
    [ "$engine" = native ] && engine=""
    run as_nobody "$VIV" run "$app" 'id -u; cat /proc/self/uid_map | tr -s " "'
    if [ "$status" = 0 ] && [ "$out" = "$(printf '0\n 0 %s 1' "$RL_UID")" ]; then pass "rootless: guest root is the caller"; else fail "rootless: guest root is the caller" "$status $out $errout"; fi
    run as_nobody "$VIV" run "$app" 'echo $$; readlink /proc/self/ns/net'
    if [ "$status" = 0 ] && [ "$(printf '%s' "$out" | head -1)" = 1 ] && contains "$out" "net:[" && ! contains "$out" "$(readlink /proc/self/ns/net)"; then pass "rootless: the entrypoint is pid 1, in a network namespace of its own"; else fail "rootless: the entrypoint is pid 1" "$status $out $errout"; fi
    run as_nobody "$VIV" run --limits=best-effort "$WORK/app.viv" 'echo x > /etc/x && cat /etc/x'
    if [ "$status" = 0 ] && [ "$out" = x ]; then pass "rootless: a writable root"; else fail "rootless: a writable root" "$out $errout"; fi
    run as_nobody "$VIV" run "$WORK/app.viv" 'ls /sys/class/net; grep -c " /sys ro,[^ ]* - sysfs " /proc/self/mountinfo'
    if [ "$status" = 0 ] && [ "$out" = "$(printf 'lo\n1')" ]; then pass "rootless: a read-only sysfs of the instance's network namespace at /sys"; else fail "rootless: a read-only sysfs at /sys" "$status $out $errout"; fi
    # The instance makes its memory undumpable, and it shares viv's until the guest's exec (by
    # name: a .viv file is checked against the catalog by threads, and then it gets a copy):
    # once the guest runs, viv is its caller's to inspect again (/proc, a debugger).
    # The instance's mount namespace is held for a teardown after viv returns (an io_uring holds
    # it): it must be taken before the instance makes itself undumpable, or a caller without
    # CAP_SYS_PTRACE could not open it.
    run as_nobody sh -c '"$0" run app "sleep 2" & v=$!; sleep 1; head -c 4 /proc/$v/environ >/dev/null && echo readable; ls -l /proc/$v/fd | grep -q "io_uring" && echo held; wait $v' "$VIV"
    if [ "$status" = 0 ] && contains "$out" readable; then pass "rootless: viv stays its caller's to inspect while the guest runs"; else fail "rootless: viv stays its caller's to inspect while the guest runs" "$status $out $errout"; fi
    if [ "$status" = 0 ] && contains "$out" held; then pass "rootless: the instance's mounts are held for a teardown after viv returns"; else fail "rootless: the instance's mounts are held for a teardown after viv returns" "$status $out $errout"; fi
    # vm mode has no i386 or x32 system-call ABI to try (t_run_sandbox.sh says so).
    groups=all
    [ "${VIV_MODE:-}" = vm ] && groups="mount userns ptrace-refused kernel tty limits procs net"
    # By name: a run of an imported image by name shares viv's memory until the guest's exec,
    # where one of a .viv file gets a copy (t_run_sandbox.sh runs them by name as root).
    for g in $groups; do
        run as_nobody "$VIV" run --entrypoint /bin/escape app $g
        [ "$status" = 0 ] && ! contains "$out" FAIL || break
    done
    if [ "$status" = 0 ] && ! contains "$out" FAIL; then pass "rootless: every escape check holds"; else fail "rootless: every escape check holds" "$g: $status $(printf '%s' "$out" | grep FAIL) $errout"; fi
    echo secret > "$WORK/secret" && chmod 644 "$WORK/secret"
    run as_nobody "$VIV" run --entrypoint /bin/escape app hostfile "$WORK/secret"
    if [ "$status" = 0 ] && ! contains "$out" FAIL; then pass "rootless: host files unreachable"; else fail "rootless: host files unreachable" "$out"; fi
    # Natively every call of the family is trapped (7 here, 11 below); an engine emulates them in
    # its personality, where nothing is trapped.
    trapped_chown="trapped calls 7," trapped_setid="trapped calls 11,"
    [ -n "$engine" ] && trapped_chown="trapped calls 0," trapped_setid="trapped calls 0,"
    run as_nobody "$VIV" run --stats --entrypoint /bin/escape "$app" chown
    if [ "$status" = 0 ] && ! contains "$out" FAIL && contains "$errout" "$trapped_chown"; then pass "rootless: chown to unmapped ids succeeds (trapped and emulated), errors stay faithful"; else fail "rootless: chown to unmapped ids is emulated" "$status $out $errout"; fi
    run as_nobody "$VIV" run "$app" 'touch /tmp/f; chown 1000:1000 /tmp/f && stat -c %u:%g /tmp/f'
    if [ "$status" = 0 ] && [ "$out" = "0:0" ]; then pass "rootless: an emulated chown changes nothing"; else fail "rootless: an emulated chown changes nothing" "$out $errout"; fi
    run as_nobody "$VIV" run --user 1000 --entrypoint /bin/escape "$app" chown
    if [ "$status" = 0 ] && contains "$out" "ok chown-unprivileged" && contains "$out" "ok fchown-unprivileged"; then pass "rootless: a non-root guest's chown and fchown to unmapped ids get EPERM"; else fail "rootless: a non-root guest's chown and fchown get EPERM" "$status $out"; fi
    run as_nobody "$VIV" run --user 1000 "$app" 'touch /tmp/f; chown 2000 /tmp/f; echo $?; id -u'
    if contains "$out" "1000" && contains "$errout$out" "Operation not permitted"; then pass "rootless: a non-root guest gets EPERM for chown, as the kernel would say"; else fail "rootless: a non-root guest gets EPERM" "$out $errout"; fi
    if [ -n "$engine" ]; then
        skip "rootless: without the trap the kernel says EINVAL" "$engine mode: the engine serves chown itself, with or without the policy"
    else
        run as_nobody "$VIV" run --seccomp=unconfined "$app" 'touch /tmp/f; chown 1000 /tmp/f 2>&1'
        if contains "$out" "Invalid argument"; then pass "rootless: without the trap the kernel says EINVAL (what the trap fixes)"; else fail "rootless: without the trap the kernel says EINVAL" "$out"; fi
    fi
    run as_nobody "$VIV" run --stats --entrypoint /bin/escape "$app" setid
    if [ "$status" = 0 ] && ! contains "$out" FAIL && contains "$out" "ok ids-unchanged" && contains "$errout" "$trapped_setid"; then pass "rootless: set*id and setgroups to unmapped ids succeed and change nothing (trapped and emulated), errors stay faithful"; else fail "rootless: set*id to unmapped ids is emulated" "$status $out $errout"; fi
    run as_nobody "$VIV" run --user 1000 --entrypoint /bin/escape "$app" setid
    if [ "$status" = 0 ] && contains "$out" "ok setuid-unprivileged" && contains "$out" "ok setgroups-unprivileged"; then pass "rootless: a non-root guest gets EPERM for set*id and setgroups, as the kernel would say"; else fail "rootless: a non-root guest gets EPERM for set*id" "$status $out"; fi
    if [ -n "$engine" ]; then
        skip "rootless: without the trap the kernel refuses the switch" "$engine mode: the engine serves set*id itself, with or without the policy"
    else
        run as_nobody "$VIV" run --seccomp=unconfined --entrypoint /bin/escape "$app" setid
        if contains "$out" "FAIL setgroups-unmapped" && contains "$out" "FAIL setuid-unmapped"; then pass "rootless: without the trap the kernel refuses the switch (what the trap fixes)"; else fail "rootless: without the trap the kernel refuses the switch" "$out"; fi
    fi
    # Only the caller's own group is mapped: --group-add can add none, keep-groups is what
    # the run does anyway.
    expect_err "rootless: --group-add GROUP is refused with the reason" 125 "viv: run: --group-add wheel: rootless, the instance maps only your own group; --group-add keep-groups keeps your groups' access, which it has anyway" as_nobody "$VIV" run --group-add wheel "$app" true
    run as_nobody "$VIV" run --group-add keep-groups "$app" 'echo kept'
    if [ "$status" = 0 ] && [ "$out" = kept ]; then pass "rootless: --group-add keep-groups is taken"; else fail "rootless: --group-add keep-groups is taken" "$status $out $errout"; fi
    # --userns=keep-id, as rootless podman users write it: the guest runs as the caller's ids.
    run as_nobody "$VIV" run --userns=keep-id "$app" 'echo "$(id -u):$(id -g)"'
    if [ "$status" = 0 ] && [ "$out" = "$RL_UID:$(as_nobody id -g)" ]; then pass "rootless: --userns=keep-id runs the guest as the caller's ids"; else fail "rootless: --userns=keep-id runs the guest as the caller's ids" "$status $out $errout"; fi
    run as_nobody "$VIV" run --layer disk "$app" 'echo on-disk > /x; cat /x; mkdir -p /a/b; chmod 0 /a /a/b; p=/tmp; i=0; while [ $i -lt 40 ]; do p=$p/d; i=$((i+1)); done; mkdir -p $p; chmod -R 555 /tmp/d'
    if [ "$status" = 0 ] && [ "$out" = on-disk ] && [ -z "$(ls -A "$ROOTLESS_HOME/home/layers")" ]; then pass "rootless: --layer disk, the layer removed after the run (unreadable directories, read-only ones 40 deep too)"; else fail "rootless: --layer disk" "$status $out $errout / $(ls -A "$ROOTLESS_HOME/home/layers")"; fi
    mkdir -p "$WORK/rws" && chmod 777 "$WORK/rws"
    run as_nobody "$VIV" run -v "$WORK/rws:/out" "$app" 'echo artifact > /out/a'
    if [ "$status" = 0 ] && [ "$(cat "$WORK/rws/a")" = artifact ] && [ "$(stat -c %u "$WORK/rws/a")" = "$RL_UID" ]; then pass "rootless: artifacts come back owned by the caller"; else fail "rootless: artifacts come back owned by the caller" "$out $errout"; fi
    run as_nobody env VIV_TEST_NO_OVERLAY=1 "$VIV" run --verbose "$app" 'cat /etc/passwd; touch /tmp/ok && echo tmp'
    if [ "$status" = 0 ] && contains "$out" "root:x:0:0" && contains "$out" tmp && contains "$errout" "overlayfs unavailable"; then pass "rootless: the fallback root works"; else fail "rootless: the fallback root works" "$out $errout"; fi
    run as_nobody "$VIV" run --timeout 1 "$app" 'sleep 10'
    if [ "$status" = 124 ]; then pass "rootless: --timeout"; else fail "rootless: --timeout" "$status $errout"; fi
    run as_nobody "$VIV" run --user bob "$app" 'id -u; id -g; id -G; echo $HOME'
    if [ "$status" = 0 ] && [ "$out" = "$(printf '1000\n1000\n1000\n/home/bob')" ]; then pass "rootless: --user NAME from the image's accounts (no supplementary groups: one gid is mapped)"; else fail "rootless: --user NAME from the image's accounts" "$status $out $errout"; fi
    expect "rootless: viv fsck of the caller's catalog is clean" 0 as_nobody "$VIV" fsck
    if command -v script >/dev/null 2>&1; then
        run as_nobody script -qec "stty rows 12 cols 34; '$VIV' run -t '$app' 'tty; stty size; stat -c \"%u %g %a\" \$(tty)'; '$VIV' run -t --user 1000:1000 '$app' 'stat -c \"%u %g %a\" \$(tty)'" /dev/null
        if contains "$out" "/dev/pts/0" && contains "$out" "12 34" && contains "$out" "0 0 620" && contains "$out" "1000 1000 620"; then pass "rootless -t: the guest's own pty, owned by the guest's ids"; else fail "rootless -t: the guest's own pty, owned by the guest's ids" "$status $out"; fi
    else
        skip "rootless -t" "script(1) is not installed to give viv a terminal"
    fi
fi
