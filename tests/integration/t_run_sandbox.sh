# t_run_sandbox.sh: a hostile guest tries the ways out of the native sandbox; each must fail
# cleanly while ordinary work (files, fork, loopback, binds) keeps working.
fresh
. "$SRCDIR/tests/payloads/run-setup.sh"

esc() { run "$VIV" run --entrypoint /bin/escape "$@"; }
# check_escape NAME ARGS...: every check of the payload passed.
check_escape() {
    name=$1
    shift
    esc "$@"
    if [ "$status" = 0 ] && ! contains "$out" "FAIL" && contains "$out" "ok "; then pass "$name"; else fail "$name" "$status: $(printf '%s' "$out" | grep FAIL) $errout"; fi
}
check_escape "mount family refused (mount, umount, pivot_root, open_tree, open_tree_attr, fsopen, fspick, move_mount, mount_setattr)" app mount
check_escape "no nested user namespaces (unshare, clone; clone3 gets ENOSYS); fork works" app userns
if [ "${VIV_MODE:-}" = vm ]; then
    check_escape "vm: ptrace refused (a guest's process is no host process to trace)" app ptrace-refused
else
    check_escape "ptrace of the guest's own processes works, and cannot turn a call into one the policy refuses" app ptrace
    esc --init app ptrace
    if [ "$status" = 0 ] && ! contains "$out" "FAIL" && contains "$out" "ok ptrace-viv-init"; then pass "--init: viv-init is not the guest's to trace"; else fail "--init: viv-init is not the guest's to trace" "$status: $(printf '%s' "$out" | grep FAIL) $errout"; fi
fi
check_escape "keyctl, bpf, perf, file handles, modules, kexec, reboot, clocks, swap, acct, userfaultfd, io_uring, modify_ldt, personality, mknod refused" app kernel
check_escape "TIOCSTI refused, upper register bits included" app tty
if [ "${VIV_MODE:-}" = vm ]; then
    skip "no way around the policy through the i386 or x32 system-call ABIs (calls newer than libseccomp included)" "vm mode has no i386 or x32 ABI: int 0x80 is SIGSEGV, as on a kernel without IA32 emulation"
else
    check_escape "no way around the policy through the i386 or x32 system-call ABIs (calls newer than libseccomp included)" app abis
fi
check_escape "limits cannot be raised; cgroupfs not reachable" app limits
check_escape "host processes hidden; the entrypoint is pid 1 and survives kill -9 from inside" app procs
check_escape "--init: host processes hidden; pid 1 is viv-init and survives kill -9" --init app procs
check_escape "no network but loopback" app net
secret=$WORK/host-secret
echo "host secret" > "$secret"
check_escape "host files unreachable, also through /proc/*/root and .." app hostfile "$secret"
# What of /proc reaches past the namespaces is masked or read-only, whichever of the instance's
# two threads protected it: a guest root that is the host's root (viv run as root) could
# otherwise write kernel settings or read the kernel's keys and timers, or every physical page's
# flags.
run "$VIV" run --mode native app '
    for f in kcore keys timer_list sysrq-trigger latency_stats sched_debug \
        kpageflags kpagecount kpagecgroup slabinfo vmallocinfo pagetypeinfo; do
        [ -e /proc/$f ] || continue
        [ "$(head -c 1 /proc/$f 2>/dev/null | wc -c)" = 0 ] || echo "readable: $f"
        grep -q " /proc/$f ro," /proc/self/mountinfo || echo "unmasked: $f"
    done
    for d in sys irq bus fs; do
        [ -e /proc/$d ] || continue
        grep -q " /proc/$d ro," /proc/self/mountinfo || echo "writable: $d"
    done
    (echo 0 > /proc/sys/kernel/printk_ratelimit) 2>/dev/null && echo "wrote /proc/sys"
    echo checked'
if [ "$status" = 0 ] && [ "$out" = checked ]; then
    pass "/proc: host-wide files masked, kernel settings read-only"
else
    fail "/proc: host-wide files masked, kernel settings read-only" "$status $out $errout"
fi
# /sys as podman gives it: a read-only sysfs of the instance's own network namespace (loopback
# alone in /sys/class/net), with the firmware's tables masked; none with the host's network,
# whose sysfs only a bind of the host's /sys with all beneath it would give.
run "$VIV" run --mode native app '
    grep -q " /sys ro,[^ ]* - sysfs " /proc/self/mountinfo || echo "no read-only sysfs"
    ls /sys/class/net | tr "\n" " "; echo
    [ -z "$(ls -A /sys/firmware)" ] || echo "firmware visible"
    [ -z "$(ls -A /sys/kernel/slab)" ] || echo "slab caches visible"
    (echo x > /sys/kernel/uevent_helper) 2>/dev/null && echo "wrote /sys"
    [ -s /sys/devices/system/cpu/online ] || echo "no cpus in /sys"
    echo checked'
if [ "$status" = 0 ] && [ "$out" = "$(printf 'lo \nchecked')" ]; then pass "/sys: a read-only sysfs of the instance's network namespace, firmware and slab masked"; else fail "/sys: a read-only sysfs of the instance's network namespace, firmware and slab masked" "$status $out $errout"; fi
run "$VIV" run --mode native --network host app 'grep -c " - sysfs " /proc/self/mountinfo'
if [ "$out" = 0 ]; then pass "/sys: none with the host's network"; else fail "/sys: none with the host's network" "$status $out $errout"; fi
# An image whose /sys is a symlink to its root: /sys is mounted after the pivot, when a mount
# on the root's own directory would go on top of the old root stacked there, and the old root's
# detaching take it instead, leaving the host's tree under "/..". No /sys for it, every time
# (the race went the escape's way in two runs of three); a mount point elsewhere that names the
# root is refused.
VIV="$VIV" sh "$SRCDIR/tests/payloads/make-appliance.sh" "$WORK/rootlinks" "$PAYLOADS/escape" >"$WORK/rootlinks.log" 2>&1
ln -s / "$WORK/rootlinks/rootfs/sys"
ln -s / "$WORK/rootlinks/rootfs/run"
"$VIV" build "$WORK/rootlinks" -o "$WORK/rootlinks.viv" >/dev/null 2>&1
touch "$WORK/host-marker"
escaped=0
i=0
while [ $i -lt 10 ]; do
    run "$VIV" run --verbose "$WORK/rootlinks.viv" "test -e '/..$WORK/host-marker' && echo escaped; ls /sys | wc -l"
    [ "$status" = 0 ] && [ "$out" != escaped ] || escaped=$((escaped + 1))
    i=$((i + 1))
done
if [ "$escaped" = 0 ] && contains "$errout" "no /sys: the image's /sys is not a directory"; then pass "an image's /sys -> / gets no /sys and no way out (10 runs)"; else fail "an image's /sys -> / gets no /sys and no way out" "$escaped of 10 runs went wrong; last: $status $out $errout"; fi
expect_err "a mount point that names the guest's root is refused (/run -> / under --read-only)" 125 "viv: run: /run: it is the guest's root (through a symlink in the image)" "$VIV" run --read-only "$WORK/rootlinks.viv" true
mkdir -p "$WORK/rl-ws"
expect_err "a -v target that names the guest's root is refused" 125 "viv: run: -v $WORK/rl-ws:/run: it is the guest's root (through a symlink in the image)" "$VIV" run -v "$WORK/rl-ws:/run" "$WORK/rootlinks.viv" true

# What of the root does not depend on the image (made before the go by an instance started early
# as root, else after it) looks the same either way: a sticky /tmp anyone may write, on a mount
# of its own, and the cgroup namespace rooted at the cgroup viv runs in, here a pids cgroup made
# for the test where the host allows it (as root, v1), so that the guest does not see its path.
cg=""
if [ "$(id -u)" = 0 ] && [ -w /sys/fs/cgroup/pids/cgroup.procs ]; then
    cg=/sys/fs/cgroup/pids/viv-test-$$
    mkdir "$cg" 2>/dev/null || cg=""
fi
run sh -c '[ -z "$1" ] || echo $$ > "$1/cgroup.procs" || exit 99; shift; exec "$@"' sh "$cg" \
    "$VIV" run --mode native --user 1000:1000 app \
    'grep -v ":/\$" /proc/self/cgroup; stat -c "%a" /tmp; grep -c " /tmp .* rw," /proc/self/mountinfo
     echo x > /tmp/x && echo written'
[ -z "$cg" ] || rmdir "$cg"
what="/tmp sticky, writable, a mount of its own; the cgroup namespace rooted at viv's cgroup"
[ -n "$cg" ] || what="$what (viv's own here, the host's root)"
if [ "$status" = 0 ] && [ "$out" = "1777
1
written" ]; then pass "$what"; else fail "$what" "$status [$out] $errout"; fi
# A working directory of "/../.." stays in the guest's root: it is entered only once the host's
# old root is detached (before, ".." at the root crossed into it, in some runs).
escaped=""
for _ in 1 2 3 4 5; do
    run "$VIV" run --mode native -w /../.. app \
        '[ "$(stat -c %d:%i .)" = "$(stat -c %d:%i /)" ] && echo guest-root'
    [ "$out" = guest-root ] || escaped="$escaped [$status $out $errout]"
done
if [ -z "$escaped" ]; then
    pass "-w /../..: the working directory is the guest's root, not the host's"
else
    fail "-w /../..: the working directory is the guest's root, not the host's" "$escaped"
fi
sleep 30 &
outside=$!
check_escape "signals cannot reach processes outside" app signal "$outside"
assert "the outside process is alive" kill -0 "$outside"
kill "$outside" 2>/dev/null; wait "$outside" 2>/dev/null

run "$VIV" run --network host app 'cat /proc/net/dev | wc -l'
host_ifs=$(wc -l </proc/net/dev)
if [ "$status" = 0 ] && [ "$out" = "$host_ifs" ]; then pass "--network host shares the host's interfaces"; else fail "--network host shares the host's interfaces" "$out lines, the host's $host_ifs"; fi
# The host's network is the caller's to give: an image whose manifest asks for it does not run
# until the caller names it (or none). Known once the image is read, which the instance started
# early does not wait for: run by name, the named network is the one it gets.
MANIFEST_EXTRA=', "network": "host"' VIV="$VIV" sh "$SRCDIR/tests/payloads/make-appliance.sh" \
    "$WORK/hostnet" "$PAYLOADS/escape" >"$WORK/hostnet.log" 2>&1
"$VIV" import "$WORK/hostnet.viv" >/dev/null 2>&1
expect_err "a manifest that asks for the host's network does not get it unasked" 125 "viv: run: image 'hostnet' asks for the host's network: give it with --network host, or run it without with --network none" "$VIV" run hostnet 'cat /proc/net/dev'
run "$VIV" run --network host hostnet 'cat /proc/net/dev | wc -l'
if [ "$status" = 0 ] && [ "$out" = "$host_ifs" ]; then pass "a manifest's network host, given with --network host, is the host's"; else fail "a manifest's network host, given with --network host, is the host's" "$status: $out lines, the host's $host_ifs $errout"; fi
run "$VIV" run --network none hostnet 'cat /proc/net/dev | wc -l'
if [ "$status" = 0 ] && [ "$out" = 3 ]; then pass "a manifest's network host, refused with --network none, is loopback only"; else fail "a manifest's network host, refused with --network none, is loopback only" "$status: $out lines $errout"; fi

# Bind mounts: work comes back; nothing else goes out.
mkdir -p "$WORK/ws/sub"
echo source > "$WORK/ws/input.c"
run "$VIV" run -v "$WORK/ws:/src" -w /src app 'cat input.c && echo built > artifact && mkdir -p out && echo x > out/y'
if [ "$status" = 0 ] && [ "$out" = source ] && [ "$(cat "$WORK/ws/artifact")" = built ] && [ -f "$WORK/ws/out/y" ]; then pass "-v: artifacts come back through the bind"; else fail "-v: artifacts come back through the bind" "$out $errout"; fi
run "$VIV" run -v "$WORK/ws:/src:ro" app 'cat /src/input.c; touch /src/new 2>&1'
if contains "$out" source && contains "$out" "Read-only file system" && [ ! -e "$WORK/ws/new" ]; then pass "-v HOST:GUEST:ro"; else fail "-v HOST:GUEST:ro" "$out"; fi
# podman's spellings, copied from SELinux hosts: z and Z (no labels here) beside ro and rw.
run "$VIV" run -v "$WORK/ws:/src:ro,Z" -v "$WORK/ws:/rw:z" app 'cat /src/input.c; touch /src/new 2>&1; touch /rw/zmade && echo made'
if contains "$out" source && contains "$out" "Read-only file system" && contains "$out" made && [ ! -e "$WORK/ws/new" ] && [ -e "$WORK/ws/zmade" ]; then pass "-v options ro,Z and z as podman spells them"; else fail "-v options ro,Z and z as podman spells them" "$out $errout"; fi
expect_err "-v with an unknown option is refused" 125 "viv: run: -v '$WORK/ws:/src:bogus': unknown option 'bogus' (ro, rw, noexec, exec, nosuid, suid, nodev, private, rprivate, z, Z)" "$VIV" run -v "$WORK/ws:/src:bogus" app true
run "$VIV" run -v "$WORK/ws/input.c:/etc/input" app 'cat /etc/input'
if [ "$out" = source ]; then pass "-v of a single file"; else fail "-v of a single file" "$out $errout"; fi
expect_err "-v with '..' in the guest path is refused" 125 "viv: run: -v '$WORK/ws:/src/../../etc': the guest path '/src/../../etc' must not contain '..'" "$VIV" run -v "$WORK/ws:/src/../../etc" app true
expect_err "-v over the guest's root is refused" 125 "viv: run: -v '$WORK/ws://': the guest path must not be /" "$VIV" run -v "$WORK/ws://" app true
expect_err "-v with a relative guest path is refused" 125 "viv: run: -v '$WORK/ws:src': the guest path 'src' must be absolute" "$VIV" run -v "$WORK/ws:src" app true
expect_err "-v of a missing host path" 125 "viv: run: -v $WORK/nope: No such file or directory" "$VIV" run -v "$WORK/nope:/x" app true
# Symlinks planted in the workspace resolve inside the guest's root, never the host's.
ln -s "$secret" "$WORK/ws/link-abs"
ln -s ../../../../../../../../"$secret" "$WORK/ws/link-rel"
run "$VIV" run -v "$WORK/ws:/src" app 'cat /src/link-abs 2>&1; cat /src/link-rel 2>&1'
if ! contains "$out" "host secret"; then pass "symlinks planted in a bound workspace stay inside the root"; else fail "symlinks planted in a bound workspace stay inside the root" "$out"; fi
# A guest plants a symlink; a later bind at that path must land inside the root.
mkdir -p "$WORK/ws2"
run "$VIV" run -v "$WORK/ws:/src" -v "$WORK/ws2:/src/link-abs/inner" app 'ls /src/link-abs/inner && echo inside'
if ! [ -e "$WORK/host-secret/inner" ] && [ "$(cat "$secret")" = "host secret" ]; then pass "a bind target through a planted symlink stays inside the root"; else fail "a bind target through a planted symlink stays inside the root" "$out $errout"; fi
ln -s /etc "$WORK/ws/etc-link"
run "$VIV" run -v "$WORK/ws:/src" -v "$WORK/ws2:/src/etc-link/planted" app 'ls -d /etc/planted'
if [ "$status" = 0 ] && [ "$out" = /etc/planted ] && [ ! -e /etc/planted ]; then pass "bind targets resolve symlinks in the guest's root"; else fail "bind targets resolve symlinks in the guest's root" "$out $errout"; fi
assert "the host's /etc is untouched" test ! -e /etc/planted
# setuid bits are inert.
run "$VIV" run --user 1000 app 'ls -l /bin/escape-suid | cut -c1-10; /bin/escape-suid ids'
if [ "$out" = "$(printf -- '-rwsr-xr-x\nuid=1000 euid=1000')" ]; then pass "a setuid-root binary in the image gives nothing"; else fail "a setuid-root binary in the image gives nothing" "$out $errout"; fi
run "$VIV" run --user 1000 app 'grep -c "^Cap\(Inh\|Prm\|Eff\|Bnd\|Amb\):.0000000000000000" /proc/self/status'
if [ "$out" = 5 ]; then pass "a non-root guest has no capabilities, bounding set included"; else fail "a non-root guest has no capabilities, bounding set included" "$out"; fi
run "$VIV" run app 'grep "^Cap\(Eff\|Prm\|Bnd\):" /proc/self/status | grep -c 00000000000404fb'
if [ "$out" = 3 ]; then pass "a root guest keeps only the namespace-local allowlist, bounding set included"; else fail "a root guest keeps only the namespace-local allowlist, bounding set included" "$out"; fi
# --cap-drop and --cap-add as podman takes them, within the allowlist.
run "$VIV" run --cap-drop ALL app 'grep -c "^Cap\(Eff\|Prm\|Bnd\):.0000000000000000" /proc/self/status; chown 5 /tmp 2>&1'
if contains "$out" 3 && contains "$out" "Operation not permitted"; then pass "--cap-drop ALL leaves a root guest no capability, bounding set included"; else fail "--cap-drop ALL leaves a root guest no capability" "$status $out $errout"; fi
run "$VIV" run --cap-drop=all --cap-add=NET_BIND_SERVICE --cap-drop cap_kill app 'grep "^Cap\(Eff\|Bnd\):" /proc/self/status | grep -c 0000000000000400'
if [ "$out" = 2 ]; then pass "--cap-drop=all --cap-add=NET_BIND_SERVICE keeps that one"; else fail "--cap-drop=all --cap-add=NET_BIND_SERVICE keeps that one" "$status $out $errout"; fi
expect_err "--cap-add of a capability beyond the allowlist is refused, naming the allowlist" 125 "viv: run: --cap-add 'SYS_ADMIN': SYS_ADMIN is not supported: a root guest can hold only CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID, NET_BIND_SERVICE, SYS_CHROOT" "$VIV" run --cap-add SYS_ADMIN app true
run "$VIV" run app 'grep -c nosuid /proc/mounts; grep -vc nosuid /proc/mounts'
if [ "$(printf '%s\n' "$out" | tail -n 1)" = 0 ]; then pass "every mount is nosuid"; else fail "every mount is nosuid" "$out"; fi

# Orphans are reaped by viv-init under --init. The entrypoint that cannot reap them (an exec'd
# program that never waits) leaves them as zombies, as a pid 1 on Linux would.
run "$VIV" run --init app '(sleep 0.1 &) ; sleep 0.4; cat /proc/[0-9]*/stat | cut -d" " -f3 | grep -c Z'
if [ "$out" = 0 ]; then pass "--init: pid 1 reaps orphans (no zombies)"; else fail "--init: pid 1 reaps orphans (no zombies)" "$out"; fi

# Nothing of viv's command line or environment reaches the guest: pid 1 is the guest's own
# program, or viv-init, which overwrote them; viv-init's memory is not readable.
# In vm mode pid 1 is the VMM, whose memory holds the VM: not dumpable, so its environment is
# not for the guest's other processes to read (/proc/PID/environ needs ptrace access).
shown=SHOWN=1
[ "${VIV_MODE:-}" = vm ] && shown="/bin/sh -c"
run env VIV_TEST_SECRET=hunter2 "$VIV" run -e SHOWN=1 app 'cat /proc/1/cmdline /proc/1/environ 2>/dev/null | tr "\0" " "; echo'
if ! contains "$out" hunter2 && ! contains "$out" "$SRCDIR" && contains "$out" "$shown"; then pass "pid 1 is the guest's: viv's command line and environment are not seen"; else fail "pid 1 is the guest's: viv's command line and environment are not seen" "$out"; fi
run env VIV_TEST_SECRET=hunter2 "$VIV" run --init -e SHOWN=1 app 'cat /proc/1/cmdline /proc/1/environ | tr "\0" " "; echo; od -c /proc/1/mem 2>&1 | head -n 1'
if [ "$status" = 0 ] && ! contains "$out" hunter2 && ! contains "$out" "$SRCDIR" && contains "$out" "viv-init" && contains "$out" "Permission denied"; then pass "--init: pid 1 hides viv's command line, environment and memory"; else fail "--init: pid 1 hides viv's command line, environment and memory" "$out"; fi
# viv-init never execs, so close-on-exec takes nothing from it: it holds no fd of the catalog's
# nor of the caller's (fd 9 here), only its standard three and the pipe its end is told by.
if [ "${VIV_MODE:-}" != vm ]; then
    "$VIV" run --init app 'sleep 3' 9<"$0" &
    vpid=$!
    fds="" i=0
    while [ $i -lt 100 ]; do
        init=$(pgrep -P "$vpid" -x viv-init) && pgrep -P "$init" >/dev/null &&
            fds=$(ls /proc/"$init"/fd 2>/dev/null | wc -l) && [ "$fds" = 4 ] && break
        sleep 0.03
        i=$((i + 1))
    done
    if [ "$fds" = 4 ]; then pass "--init: viv-init holds no fd of the catalog's or the caller's"; else fail "--init: viv-init holds no fd of the catalog's or the caller's" "$fds fds: $(ls -l /proc/"${init:-0}"/fd 2>&1)"; fi
    kill "$vpid" 2>/dev/null
    wait "$vpid" 2>/dev/null
fi

# /dev's nodes are the host's, bound in: the guest uses them but cannot change them on the host.
# /dev/tty opens the controlling terminal of the opener's session: in the caller's session it
# would be the caller's terminal, to read keystrokes from or write into.
if command -v script >/dev/null 2>&1; then
    run script -qec "'$VIV' run app 'echo planted >/dev/tty && echo opened'" /dev/null
    if ! contains "$out" planted && ! contains "$out" opened; then pass "without -t the guest cannot open the caller's terminal through /dev/tty"; else fail "without -t the guest cannot open the caller's terminal through /dev/tty" "$out"; fi
    # Nor is the caller's terminal any of its fds: they are pipes that viv relays, so the guest
    # cannot leave the terminal's modes changed (echo off) after the run; all it wrote arrives,
    # stdout and stderr in the order written.
    run script -qec "'$VIV' run app '[ -t 1 ] || [ -t 2 ] && echo a terminal; stty -echo <&1 2>/dev/null && echo changed; echo one; echo two >&2; yes abcdefg | head -c 200000 | wc -c; echo three'; stty -a" /dev/null
    out=$(printf '%s\n' "$out" | tr -d '\r')
    if ! contains "$out" "a terminal" && ! contains "$out" changed && contains "$out" "$(printf 'one\ntwo\n200000\nthree')" && contains "$out" " echo "; then pass "without -t the caller's terminal is no fd of the guest's: relayed, and its modes left as they were"; else fail "without -t the caller's terminal is no fd of the guest's: relayed, and its modes left as they were" "$out"; fi
    run sh -c "echo typed | script -qec \"'$VIV' run -i app 'read line; echo got \\\$line; [ -t 0 ] || echo not a terminal'\" /dev/null"
    if contains "$out" "got typed" && contains "$out" "not a terminal"; then pass "-i without -t: the caller's terminal input reaches the guest through a pipe"; else fail "-i without -t: the caller's terminal input reaches the guest through a pipe" "$out"; fi
else
    skip "/dev/tty" "script(1) is not installed to give viv a terminal"
    skip "the caller's terminal relayed" "script(1) is not installed to give viv a terminal"
    skip "-i without -t at a terminal" "script(1) is not installed to give viv a terminal"
fi
before=$(stat -c '%a %u %g %Y' /dev/null /dev/zero /dev/tty)
run "$VIV" run app 'chmod 600 /dev/null; chown 1:1 /dev/zero; touch -d 2001-01-01 /dev/tty; echo x >/dev/null && head -c 2 /dev/zero | wc -c'
if [ "$(stat -c '%a %u %g %Y' /dev/null /dev/zero /dev/tty)" = "$before" ] && [ "$(printf '%s\n' "$out" | tail -n 1)" = 2 ] &&
    contains "$errout" "Read-only file system"; then
    pass "the guest cannot chmod, chown or touch the host's device nodes (they still work)"
else
    fail "the guest cannot chmod, chown or touch the host's device nodes (they still work)" "$out $errout; before '$before', after '$(stat -c '%a %u %g %Y' /dev/null /dev/zero /dev/tty)'"
fi

# The compiled policy is kept in /run/vivarium (as root) between runs. A program there that anyone
# but viv's user could have written is never loaded: here one that allows everything.
bid=$(readelf -n "$VIV" 2>/dev/null | awk '/Build ID/ { print $3 }')
cache=/run/vivarium/seccomp-$bid-plain.bpf
if [ "$(id -u)" != 0 ] || [ -z "$bid" ]; then
    skip "a policy cache others can write is ignored" "needs root and a build id in viv"
else
    run "$VIV" run app true
    if [ -f "$cache" ]; then
        cp "$cache" "$WORK/policy.bpf"
        printf '\006\000\000\000\000\000\377\177' > "$cache" # BPF_RET SECCOMP_RET_ALLOW
        chmod 0666 "$cache"
        check_escape "a policy cache others can write is ignored" app ptrace
        if cmp -s "$cache" "$WORK/policy.bpf" && [ "$(stat -c %a "$cache")" = 600 ]; then pass "the ignored cache is replaced by the compiled policy"; else fail "the ignored cache is replaced by the compiled policy" "$(stat -c %a "$cache")"; fi
    else
        fail "a policy cache others can write is ignored" "no $cache after a run"
    fi
fi
