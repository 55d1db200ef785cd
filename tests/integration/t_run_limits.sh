# t_run_limits.sh: --memory, --pids-limit, --cpus and --limits: applied, enforced, reported, and
# removed at exit; a limit that cannot be applied is an error unless best effort was asked for.
fresh
. "$SRCDIR/tests/payloads/run-setup.sh"

cg_list() { find /sys/fs/cgroup -maxdepth 6 -type d -name 'viv-*' 2>/dev/null | sort; }
cg_list > "$WORK/cgroups-before"
# cg_none_left: no instance cgroup that was not there before stays. Other viv runs on the host
# (a second checkout's tests) make and remove theirs meanwhile: each gets two seconds to go; one
# of ours left behind never goes.
cg_none_left() {
    i=0
    while [ $i -lt 20 ]; do
        cg_list | comm -13 "$WORK/cgroups-before" - | grep -q . || return 0
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

if [ "$(id -u)" != 0 ]; then
    skip "cgroup limits" "needs root on this host (no delegated cgroup v2 subtree)"
else
    run "$VIV" run --pids-limit 32 --entrypoint /bin/escape app forkflood
    n=$(printf '%s\n' "$out" | sed -n 's/^forked //p')
    if [ "$status" = 0 ] && [ -n "$n" ] && [ "$n" -lt 32 ] && contains "$out" "ok fork-flood-contained"; then pass "a fork flood under --pids-limit 32 is contained ($n forks)"; else fail "a fork flood under --pids-limit 32 is contained" "$status $out $errout"; fi
    expect "the host still forks after the flood" 0 sh -c 'true & wait'
    run "$VIV" run --memory 64M --entrypoint /bin/escape app memhog 256
    if [ "${VIV_MODE:-}" = vm ]; then
        # In vm mode --memory is the VM's memory: there is no more to give, no OOM kill.
        if contains "$out" "malloc failed" && ! contains "$out" "touched 256"; then pass "vm: a guest beyond --memory 64M gets no more (ENOMEM)"; else fail "vm: a guest beyond --memory 64M gets no more (ENOMEM)" "$status $out $errout"; fi
    elif [ "$status" = 137 ] && [ "$errout" = "viv: run: the guest ran out of memory (limit 64M) and was killed" ] && ! contains "$out" "touched 256"; then pass "a guest beyond --memory 64M is killed (137) and viv says so"; else fail "a guest beyond --memory 64M is killed (137) and viv says so" "$status $out $errout"; fi
    # What the guest writes to its root: memory under the default layer, counted by --memory;
    # page cache on the catalog's disk under --layer disk, written back and reclaimed.
    if [ "${VIV_MODE:-}" != vm ]; then
        run "$VIV" run --memory 32M app 'dd if=/dev/zero of=/big bs=1M count=96 2>/dev/null && echo wrote || echo cut short'
        r1="$status $out"
        run "$VIV" run --layer disk --memory 32M app 'dd if=/dev/zero of=/big bs=1M count=96 2>/dev/null && ls -l /big | tr -s " " | cut -d" " -f5; dd if=/dev/zero of=/tmp/big bs=1M count=96 2>/dev/null && echo wrote'
        if [ "$r1" = "0 cut short" ] && [ "$status" = 0 ] && [ "$out" = "$(printf '100663296\nwrote')" ]; then pass "--layer disk: 96M written to / and /tmp under --memory 32M, where the memory layer's writer is killed"; else fail "--layer disk: writes beyond --memory" "$r1 / $status $out $errout"; fi
    fi
    # Out of memory before its exec (here copying 1.2 MB of arguments): the instance goes, viv
    # stays to say so and remove the cgroup (an instance in viv's own memory would take viv with
    # it).
    if [ "${VIV_MODE:-}" = vm ]; then
        skip "out of memory in the set-up: viv says so and cleans up" "vm mode: --memory is the VM's memory"
    else
        big=$(head -c 100000 /dev/zero | tr '\0' a)
        instance_cgroups() { ls -d /sys/fs/cgroup/*/viv-* /sys/fs/cgroup/*/*/viv-* /sys/fs/cgroup/*/*/*/viv-* 2>/dev/null | wc -l; }
        before=$(instance_cgroups)
        run "$VIV" run --memory 1M app true "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big" "$big"
        after=$(instance_cgroups)
        if [ "$status" = 137 ] && [ "$errout" = "viv: run: the guest ran out of memory (limit 1M) and was killed" ] && [ "$after" -le "$before" ]; then pass "out of memory in the set-up: viv says so and removes the cgroup"; else fail "out of memory in the set-up: viv says so and removes the cgroup" "$status $errout cgroups $before -> $after"; fi
        # Nor does a signal in viv's first milliseconds, while it makes the cgroups.
        before=$(instance_cgroups)
        (race_runs --memory 100M) 2>/dev/null
        after=$(instance_cgroups)
        if [ "$after" -le "$before" ]; then pass "SIGTERM while viv makes the cgroups leaves none behind (200 runs)"; else fail "SIGTERM while viv makes the cgroups leaves none behind" "cgroups $before -> $after"; fi
        # What --tmpfs copies in is the instance's memory: too much of it ends the run in its
        # set-up, told as such rather than as the guest's doing.
        mkdir -p "$WORK/big/x" && head -c 64M /dev/zero >"$WORK/big/x/blob"
        before=$(instance_cgroups)
        run "$VIV" run --memory 32M -v "$WORK/big:/data" --tmpfs /data/x app 'echo started'
        after=$(instance_cgroups)
        rm -rf "$WORK/big"
        if [ "$status" = 125 ] && [ "$errout" = "viv: run: the instance ran out of memory (limit 32M) while it was set up: what --tmpfs copies in counts against --memory" ] && [ -z "$out" ] && [ "$after" -le "$before" ]; then pass "out of memory while --tmpfs copies in: viv says so (125) and removes the cgroup"; else fail "out of memory while --tmpfs copies in: viv says so (125)" "$status $out $errout cgroups $before -> $after"; fi
    fi
    run "$VIV" run --memory 64M --entrypoint /bin/escape app memhog 16
    if [ "$status" = 0 ] && contains "$out" "touched 16 MiB"; then pass "a guest within --memory runs"; else fail "a guest within --memory runs" "$status $out $errout"; fi
    run "$VIV" run --memory 64M --stats=json --entrypoint /bin/escape app memhog 256
    if [ "${VIV_MODE:-}" = vm ]; then
        skip "--stats reports the cgroup's peak and the OOM kill" "vm mode: --memory is the VM's memory, which no OOM kill enforces"
    elif contains "$errout" '"peak_memory_source":"cgroup"' && contains "$errout" '"oom_killed":true' && contains "$errout" '"exit_status":137'; then pass "--stats reports the cgroup's peak and the OOM kill"; else fail "--stats reports the cgroup's peak and the OOM kill" "$errout"; fi
    run "$VIV" run --verbose --cpus 0.5 --memory 32M --pids-limit 10 app true
    memline="viv: run: limits: --memory: cgroup v"
    [ "${VIV_MODE:-}" = vm ] && memline="viv: run: limits: --memory: the VM's memory, 32.0 MiB"
    if [ "$status" = 0 ] && contains "$errout" "$memline" && contains "$errout" "--cpus: cgroup v" && contains "$errout" "--pids-limit: cgroup v"; then pass "--verbose says how each limit is applied"; else fail "--verbose says how each limit is applied" "$errout"; fi
    # The limits are where a JVM or the Go runtime looks for them, /sys/fs/cgroup (v1 or v2),
    # read-only, through the cgroup namespace: the instance's own cgroup at the top.
    if [ "${VIV_MODE:-}" = vm ]; then
        skip "the guest reads its limits at /sys/fs/cgroup" "vm mode: the VM's memory is the limit"
    else
        run "$VIV" run --memory 64M --pids-limit 40 --cpus 0.5 app '
            for f in memory.max memory/memory.limit_in_bytes pids.max pids/pids.max cpu.max cpu/cpu.cfs_quota_us; do
                [ -f /sys/fs/cgroup/$f ] && echo "$(cat /sys/fs/cgroup/$f)"
            done | tr "\n" " "; echo
            (echo max > /sys/fs/cgroup/pids.max || echo max > /sys/fs/cgroup/pids/pids.max) 2>/dev/null && echo raised
            grep -q "^0::/$\|:memory:/$" /proc/self/cgroup && echo at-top'
        if [ "$status" = 0 ] && { [ "$out" = "$(printf '67108864 40 50000 100000 \nat-top')" ] || [ "$out" = "$(printf '67108864 40 50000 \nat-top')" ]; }; then pass "the guest reads its limits at /sys/fs/cgroup, read-only, at the top of its cgroup namespace"; else fail "the guest reads its limits at /sys/fs/cgroup" "$status $out $errout"; fi
    fi
    # With the host's network there is no sysfs of the guest's own: a read-only /sys holds the
    # limits alone.
    if [ "${VIV_MODE:-}" != vm ]; then
        run "$VIV" run --network host --memory 64M app 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null; ls /sys; touch /sys/x 2>/dev/null && echo wrote; true'
        if [ "$status" = 0 ] && [ "$out" = "$(printf '67108864\nfs')" ]; then pass "--network host: a limited guest still reads its limits at a read-only /sys/fs/cgroup"; else fail "--network host: a limited guest still reads its limits at /sys/fs/cgroup" "$status $out $errout"; fi
    fi
    # A JVM takes a v1 host's limits only where memory, cpu, cpuacct and cpuset are all there:
    # with --memory alone too.
    if [ "${VIV_MODE:-}" != vm ]; then
        run "$VIV" run --memory 64M app 'if [ -f /sys/fs/cgroup/cgroup.controllers ]; then echo v2; else for c in memory cpu cpuacct cpuset; do [ -r /sys/fs/cgroup/$c/cgroup.procs ] || echo "no $c"; done; echo v1; fi'
        if [ "$status" = 0 ] && { [ "$out" = v1 ] || [ "$out" = v2 ]; }; then pass "a limited guest's /sys/fs/cgroup has every hierarchy a JVM asks for ($out)"; else fail "a limited guest's /sys/fs/cgroup has every hierarchy a JVM asks for" "$status $out $errout"; fi
        # Its top is the instance's own cgroup in each, never the one viv runs in: no other
        # cgroup of the host is in sight.
        run "$VIV" run --memory 64M app 'find /sys/fs/cgroup -mindepth 2 -type d | wc -l; grep -vc ":/$" /proc/self/cgroup; true'
        if [ "$status" = 0 ] && [ "$out" = "$(printf '0\n0')" ]; then pass "a limited guest's cgroup view holds its own cgroups alone"; else fail "a limited guest's cgroup view holds its own cgroups alone" "$status $out $errout"; fi
    fi
    run "$VIV" run app 'grep -c " - cgroup" /proc/self/mountinfo'
    if [ "$out" = 0 ]; then pass "an unlimited guest gets no cgroup mounts"; else fail "an unlimited guest gets no cgroup mounts" "$status $out $errout"; fi
    # The CPU quota is really there: a busy loop for 1 s of wall time gets about half a CPU.
    run "$VIV" run --cpus 0.25 --stats=json --timeout 1 app 'while :; do :; done'
    user=$(printf '%s' "$errout" | sed -n 's/.*"user_seconds":\([0-9.]*\).*/\1/p')
    if [ "$status" = 124 ] && awk "BEGIN{exit !($user < 0.6)}"; then pass "--cpus 0.25 throttles a busy loop (${user}s of CPU in 1s)"; else fail "--cpus 0.25 throttles a busy loop" "$status $errout"; fi
    assert "instance cgroups are removed at exit" cg_none_left
    # Root where no cgroup hierarchy is mounted (hidden here in a mount namespace of the test's
    # own): viv mounts cgroup2 itself, which on this hybrid host has no pids controller (v1 has
    # it), and RLIMIT_NPROC does not bind uid 0: refused, unless the guest runs as another uid.
    nocg() { unshare -m --propagation private sh -c 'umount -l /sys/fs/cgroup && exec "$@"' sh "$@"; }
    if command -v unshare >/dev/null 2>&1 && nocg true 2>/dev/null; then
        run nocg "$VIV" run --pids-limit 32 app true
        if [ "$status" = 125 ] && contains "$errout" "viv: run: --pids-limit cannot be applied: " && contains "$errout" "RLIMIT_NPROC does not bind uid 0" && contains "$errout" "--limits=best-effort"; then pass "root without cgroups: --pids-limit for a guest of uid 0 is refused, naming why"; else fail "root without cgroups: --pids-limit for a guest of uid 0 is refused, naming why" "$status $errout"; fi
        run nocg "$VIV" run --pids-limit 32 --limits=best-effort app 'echo ran'
        if [ "$status" = 0 ] && [ "$out" = ran ] && contains "$errout" "viv: run: warning: --pids-limit not applied: "; then pass "root without cgroups: --limits=best-effort runs without --pids-limit and warns"; else fail "root without cgroups: --limits=best-effort runs without --pids-limit and warns" "$status $out $errout"; fi
        run nocg "$VIV" run --verbose --user 65534:65534 --pids-limit 32 --entrypoint /bin/escape app forkflood
        n=$(printf '%s\n' "$out" | sed -n 's/^forked //p')
        if [ "$status" = 0 ] && [ -n "$n" ] && [ "$n" -lt 32 ] && contains "$errout" "--pids-limit: RLIMIT_NPROC"; then pass "root without cgroups: RLIMIT_NPROC contains a fork flood of uid 65534 ($n forks)"; else fail "root without cgroups: RLIMIT_NPROC contains a fork flood of uid 65534" "$status $out $errout"; fi
    else
        skip "root without cgroups" "no unshare(1), or /sys/fs/cgroup cannot be unmounted in a mount namespace"
    fi
    # What a viv killed with SIGKILL left behind goes with the next run; a fresh one stays.
    pids_mnt=$(awk '$9 == "cgroup" && $NF ~ /(^|,)pids(,|$)/ {print $5; exit}' /proc/self/mountinfo)
    pids_path=$(sed -n 's/^[0-9]*:pids:\(.*\)/\1/p' /proc/self/cgroup)
    pids_parent=$pids_mnt${pids_path%/}
    if [ -n "$pids_mnt" ] && [ -w "$pids_parent" ] && mkdir "$pids_parent/viv-stale0test" "$pids_parent/viv-fresh0test" 2>/dev/null; then
        touch -d '2 minutes ago' "$pids_parent/viv-stale0test"
        "$VIV" run --pids-limit 10 app true >/dev/null 2>&1
        if [ ! -e "$pids_parent/viv-stale0test" ] && [ -d "$pids_parent/viv-fresh0test" ]; then pass "stale instance cgroups are swept, fresh ones kept"; else fail "stale instance cgroups are swept, fresh ones kept" "$(ls "$pids_parent")"; fi
        rmdir "$pids_parent/viv-stale0test" "$pids_parent/viv-fresh0test" 2>/dev/null
    fi
    # Manifest resources are the defaults of the flags.
    MANIFEST_EXTRA=', "resources": {"pids": 8}' VIV="$VIV" sh "$SRCDIR/tests/payloads/make-appliance.sh" "$WORK/limited" "$PAYLOADS/escape" >"$WORK/limited.log" 2>&1
    run "$VIV" run --entrypoint /bin/escape "$WORK/limited.viv" forkflood
    n=$(printf '%s\n' "$out" | sed -n 's/^forked //p')
    if [ "$status" = 0 ] && [ -n "$n" ] && [ "$n" -lt 8 ]; then pass "the manifest's resources are the default limits ($n forks under pids 8)"; else fail "the manifest's resources are the default limits" "$status $out $errout"; fi
    # By name, the manifest is read while the instance may already be under way.
    "$VIV" import "$WORK/limited.viv" >/dev/null 2>&1
    run "$VIV" run --entrypoint /bin/escape limited forkflood
    n=$(printf '%s\n' "$out" | sed -n 's/^forked //p')
    if [ "$status" = 0 ] && [ -n "$n" ] && [ "$n" -lt 8 ]; then pass "run by name, the manifest's limit holds too ($n forks under pids 8)"; else fail "run by name, the manifest's limit holds too" "$status $out $errout"; fi
    run "$VIV" run --pids-limit 20 --entrypoint /bin/escape "$WORK/limited.viv" forkflood
    n=$(printf '%s\n' "$out" | sed -n 's/^forked //p')
    if [ -n "$n" ] && [ "$n" -ge 8 ] && [ "$n" -lt 20 ]; then pass "a flag overrides the manifest's limit"; else fail "a flag overrides the manifest's limit" "$out"; fi
    # 0 or -1 lifts it, as in podman. The flood is stopped by the run's timeout instead.
    run "$VIV" run --pids-limit -1 --timeout 5 --entrypoint /bin/escape "$WORK/limited.viv" forkflood
    n=$(printf '%s\n' "$out" | sed -n 's/^forked //p')
    if [ -n "$n" ] && [ "$n" -ge 8 ]; then pass "--pids-limit -1 lifts the manifest's limit ($n forks)"; else fail "--pids-limit -1 lifts the manifest's limit" "$status $out $errout"; fi
fi

expect_err "--pids-limit must be a number" 125 "viv: run: --pids-limit 'many': expected a number (0 or -1: no limit)" "$VIV" run --pids-limit many app true
expect_err "--cpus finer than the kernel limits is refused, not raised" 125 "viv: run: --cpus '0.001': the kernel limits no finer than 0.01 CPUs (1 ms of each 100 ms)" "$VIV" run --cpus 0.001 app true
ncpu=$(nproc)
expect_err "--cpus above the CPUs viv may run on is refused, as podman refuses it" 125 "viv: run: --cpus '$((ncpu + 1))': there are only $ncpu CPUs to run on" "$VIV" run --cpus $((ncpu + 1)) app true
expect_err "--cpus must be a number" 125 "viv: run: --cpus 'lots': expected a number of CPUs (0: no limit)" "$VIV" run --cpus lots app true
run "$VIV" run --pids-limit 0 --memory 0 --cpus 0 app 'echo unlimited'
if [ "$status" = 0 ] && [ "$out" = unlimited ]; then pass "--pids-limit 0, --memory 0, --cpus 0: no limits"; else fail "--pids-limit 0, --memory 0, --cpus 0: no limits" "$status $out $errout"; fi
run "$VIV" run --memory huge app true
if [ "$status" = 125 ] && contains "$errout" "viv: run: --memory: invalid size 'huge'"; then pass "--memory takes sizes"; else fail "--memory takes sizes" "$errout"; fi
expect_err "--limits takes strict or best-effort" 125 "viv: run: --limits 'maybe': expected strict or best-effort (see 'viv run --help')" "$VIV" run --limits maybe app true

if can_rootless; then
    run as_nobody "$VIV" run --memory 64M "$WORK/app.viv" true
    if [ "${VIV_MODE:-}" = vm ]; then
        # The VM's memory is the limit, rootless as well: nothing to refuse.
        if [ "$status" = 0 ] && contains "$errout" "--memory: the VM's memory, 64.0 MiB"; then pass "vm: rootless --memory is the VM's memory, and viv says what that means"; else fail "vm: rootless --memory is the VM's memory" "$status $errout"; fi
    elif [ "$status" = 125 ] && contains "$errout" "viv: run: --memory cannot be applied: " && contains "$errout" "RLIMIT_AS limits address space, not memory" && contains "$errout" "--limits=best-effort"; then pass "rootless: an unappliable --memory is an error naming why"; else fail "rootless: an unappliable --memory is an error naming why" "$status $errout"; fi
    run as_nobody "$VIV" run --cpus 1 "$WORK/app.viv" true
    if [ "$status" = 125 ] && contains "$errout" "viv: run: --cpus cannot be applied"; then pass "rootless: an unappliable --cpus is an error"; else fail "rootless: an unappliable --cpus is an error" "$errout"; fi
    # A limit the image's manifest sets is named as the manifest's, with the flag that lifts it.
    MANIFEST_EXTRA=', "resources": {"cpus": 0.5}' VIV="$VIV" sh "$SRCDIR/tests/payloads/make-appliance.sh" "$WORK/cpu-capped" "$PAYLOADS/escape" >"$WORK/cpu-capped.log" 2>&1
    chmod 644 "$WORK/cpu-capped.viv"
    run as_nobody "$VIV" run "$WORK/cpu-capped.viv" true
    if [ "$status" = 125 ] && contains "$errout" "viv: run: the image's cpus limit (resources.cpus) cannot be applied: " && contains "$errout" "or --cpus 0 to lift it"; then pass "rootless: an unappliable limit of the manifest is named as the manifest's"; else fail "rootless: an unappliable limit of the manifest is named as the manifest's" "$status $errout"; fi
    # A manifest's cpus above this host's CPUs limits nothing here: not made, so it cannot
    # stop a rootless run (--cpus above them is the caller's mistake, refused).
    MANIFEST_EXTRA=', "resources": {"cpus": 1000}' VIV="$VIV" sh "$SRCDIR/tests/payloads/make-appliance.sh" "$WORK/cpu-wide" "$PAYLOADS/escape" >"$WORK/cpu-wide.log" 2>&1
    chmod 644 "$WORK/cpu-wide.viv"
    run as_nobody "$VIV" run --verbose "$WORK/cpu-wide.viv" 'echo ran'
    r1="$status $out"
    e1=$errout
    # As many as the host has limits nothing either: the same image runs on every host.
    MANIFEST_EXTRA=", \"resources\": {\"cpus\": $(nproc)}" VIV="$VIV" sh "$SRCDIR/tests/payloads/make-appliance.sh" "$WORK/cpu-all" "$PAYLOADS/escape" >"$WORK/cpu-all.log" 2>&1
    chmod 644 "$WORK/cpu-all.viv"
    run as_nobody "$VIV" run "$WORK/cpu-all.viv" 'echo ran'
    if [ "$r1" = "0 ran" ] && contains "$e1" "viv: run: the image's limit of 1000 CPUs is no fewer than the $(nproc) here: none" && [ "$status $out" = "0 ran" ]; then pass "a manifest's cpus of the host's CPUs or more is no limit, and --verbose says so"; else fail "a manifest's cpus of the host's CPUs or more is no limit" "$r1 $e1 / $status $out $errout"; fi
    # In vm mode --memory always applies (the VM's memory): --cpus is the limit left to warn of.
    unapplied=--memory
    [ "${VIV_MODE:-}" = vm ] && unapplied=--cpus
    run as_nobody "$VIV" run --memory 64M --cpus 1 --limits=best-effort "$WORK/app.viv" 'echo ran'
    if [ "$status" = 0 ] && [ "$out" = ran ] && contains "$errout" "viv: run: warning: $unapplied not applied: "; then pass "rootless: --limits=best-effort runs and warns"; else fail "rootless: --limits=best-effort runs and warns" "$status $out $errout"; fi
    run as_nobody "$VIV" run --verbose --pids-limit 32 --entrypoint /bin/escape "$WORK/app.viv" forkflood
    n=$(printf '%s\n' "$out" | sed -n 's/^forked //p')
    if [ "$status" = 0 ] && [ -n "$n" ] && [ "$n" -lt 32 ] && contains "$errout" "RLIMIT_NPROC"; then pass "rootless: --pids-limit through RLIMIT_NPROC contains a fork flood ($n forks)"; else fail "rootless: --pids-limit through RLIMIT_NPROC contains a fork flood" "$status $out $errout"; fi
    run as_nobody "$VIV" run --pids-limit 5 --ulimit nproc=100 "$WORK/app.viv" 'ulimit -u'
    if [ "$status" = 0 ] && [ "$out" = 5 ]; then pass "rootless: --pids-limit and --ulimit nproc together, the lower holds"; else fail "rootless: --pids-limit and --ulimit nproc together, the lower holds" "$status $out $errout"; fi
    run as_nobody "$VIV" run --pids-limit 32 --entrypoint /bin/escape "$WORK/app.viv" limits
    if [ "$status" = 0 ] && contains "$out" "ok raise-nproc"; then pass "rootless: the guest cannot raise RLIMIT_NPROC"; else fail "rootless: the guest cannot raise RLIMIT_NPROC" "$out"; fi
else
    skip "rootless limits" "unprivileged user namespaces are unavailable (or setpriv is missing)"
fi
