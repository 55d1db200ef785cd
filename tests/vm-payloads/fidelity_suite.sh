#!/bin/sh
# fidelity_suite.sh: the commands of fidelity_cases.sh in vm mode, where /dev/kvm works (inside
# tests/kvm-host/run), each compared with what it did natively: "ok NAME" or "FAIL NAME: why".
# Needs VIV, VIV_HOME (busybox imported), EXPECT (N.out, N.err, N.status per case, made
# natively by t_vm_fidelity.sh), BUSYBOX_VIV and DYN_VIV. Then the same image without namespaces: the VM
# is the only wall.
: "${VIV:?}" "${VIV_HOME:?}" "${EXPECT:?}" "${BUSYBOX_VIV:?}" "${DYN_VIV:?}"
export VIV_HOME
here=$(dirname "$0")
got=$(mktemp -d)
n=0
fcase() {
    name=$1 input=$2
    shift 2
    n=$((n + 1))
    printf '%s' "$input" | "$VIV" run --mode vm "$@" >"$got/out" 2>"$got/err.raw"
    echo $? >"$got/status"
    # viv's own notes are the mode's; the guest's stderr and viv's errors must match.
    grep -v '^viv: run: mode ' "$got/err.raw" >"$got/err"
    why=""
    cmp -s "$got/status" "$EXPECT/$n.status" || why="exit $(cat "$got/status"), natively $(cat "$EXPECT/$n.status")"
    cmp -s "$got/out" "$EXPECT/$n.out" || why="$why; stdout '$(head -c 200 "$got/out" | tr '\n' '|')', natively '$(head -c 200 "$EXPECT/$n.out" | tr '\n' '|')'"
    cmp -s "$got/err" "$EXPECT/$n.err" || why="$why; stderr '$(head -c 200 "$got/err" | tr '\n' '|')', natively '$(head -c 200 "$EXPECT/$n.err" | tr '\n' '|')'"
    if [ -z "$why" ]; then echo "ok $name"; else echo "FAIL $name: ${why#; }"; fi
}
. "$here/fidelity_cases.sh"

# The clocks are read through the vDSO, in the guest: 3,000 reads, a handful of exits.
"$VIV" --trace=vm run --mode vm --stats=json clk >"$got/out" 2>"$got/err"
st=$?
host=$(date +%s)
j=$(tail -1 "$got/err")
calls=$(printf '%s' "$j" | sed -n 's/.*"syscalls":\([0-9]*\).*/\1/p')
guest=$(sed -n 's/.*realtime \([0-9]*\)$/\1/p' "$got/out")
if [ "$st" = 0 ] && grep -q "^vdso present, monotonic forward 1," "$got/out" &&
    [ $((guest - host)) -le 2 ] && [ $((host - guest)) -le 2 ] && [ "${calls:-9999}" -lt 50 ]; then
    echo "ok 3,000 clock reads through the vDSO: $calls system calls in all, the host's time within 2 s"
else
    echo "FAIL vDSO clock: exit $st; $(cat "$got/out"); host $host; $calls system calls; $(grep -m 3 'vdso' "$got/err" | tr '\n' '|') $(tail -1 "$got/err" | head -c 300)"
fi

# Fork floods under --pids-limit 20 in vm mode. A guest's fork is a host fork of the VMM, inside
# the instance's cgroup: as root on a machine that mounts no cgroup hierarchy, a cgroup2 mount of
# viv's own (RLIMIT_NPROC does not bind uid 0); rootless, RLIMIT_NPROC in the instance's user
# namespace. A recursive flood ends by itself (sh's status 2 once a fork fails with EAGAIN), no
# process outlives the run, and the next guest runs.
LOOP='sh -c "i=0; while [ \$i -lt 40 ]; do sleep 10 & i=\$((i + 1)); echo \$i >/tmp/n; done"; echo "sh: $?"; read n </tmp/n; echo "$n forks"'
# The machine's processes, kernel threads (children of kthreadd, pid 2) left out.
user_procs() { ps -e -o ppid=,pid=,comm= | awk '$1 != 2 && $2 != 2 && $3 != "ps" && $3 != "awk"' | wc -l; }
# flood NAME STATUS-WANTED CMD...: CMD's run is contained: exit as wanted, EAGAIN said, and no
# process more than before (given a second to go).
flood() {
    name=$1 want=$2
    shift 2
    before=$(user_procs)
    "$@" >"$got/out" 2>"$got/err"
    st=$?
    i=0
    while [ "$(user_procs)" -gt "$before" ] && [ $i -lt 20 ]; do sleep 0.1; i=$((i + 1)); done
    after=$(user_procs)
    if [ "$st" = "$want" ] && grep -q "can't fork: Resource temporarily unavailable" "$got/err" &&
        [ "$after" -le "$before" ] && "$VIV" run --mode vm --entrypoint /bin/true busybox; then
        echo "ok $name"
    else
        echo "FAIL $name: exit $st (want $want); processes $before before, $after after; $(sort "$got/err" | uniq -c | sort -rn | head -3 | tr '\n' '|')"
    fi
}
cg_mounted=$(awk '$9 == "cgroup2" || $9 == "cgroup" {print $5}' /proc/self/mountinfo)
"$VIV" run --mode vm --verbose --pids-limit 20 --entrypoint /bin/true busybox 2>"$got/err"
how=$(sed -n 's/^viv: run: limits: --pids-limit: //p' "$got/err")
flood "a recursive fork flood under --pids-limit 20 ends by itself, nothing left behind ($how)" 2 \
    "$VIV" run --mode vm --timeout 60 --pids-limit 20 $SH 'f() { f & f; }; f'
if [ -z "$cg_mounted" ] && [ "$(id -u)" = 0 ]; then
    # viv's own mount is gone with the run; the hierarchy and its "vivarium" cgroup are not.
    # Linux 6.1's KVM gives each VM a kernel worker thread (kvm-nx-lpage-recovery) that it puts
    # in the VMM's cgroups without asking the pids controller: a fork is refused once the VMMs
    # and their workers reach the limit, and a VM made just after its fork may add one more.
    mkdir -p "$got/cg" && mount -t cgroup2 cgroup2 "$got/cg" 2>"$got/err"
    peak=$(cat "$got/cg/vivarium/pids.peak" 2>>"$got/err")
    umount "$got/cg" 2>>"$got/err"
    if [ -n "$peak" ] && [ "$peak" -le 40 ]; then
        echo "ok the floods' cgroup peaked at $peak tasks under --pids-limit 20 (VMM processes and their VMs' KVM workers: at most 2 × 20)"
    else
        echo "FAIL the floods' cgroup peak under --pids-limit 20: '$peak'; $(tr '\n' '|' <"$got/err"); $(ls "$got/cg" | head -c 200)"
    fi
fi
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null 2>&1; then
    # Rootless: RLIMIT_NPROC counts the VMM's processes alone, so a guest gets exactly the forks
    # it gets natively.
    rl=$(mktemp -d)
    chmod 755 "$rl"
    cp "$BUSYBOX_VIV" "$rl/busybox.viv"
    chown -R 65534:65534 "$rl"
    kvm_mode=$(stat -c %a /dev/kvm)
    chmod 666 /dev/kvm
    as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups env VIV_HOME="$rl/home" "$@"; }
    as_nobody "$VIV" import -q "$rl/busybox.viv" >/dev/null
    as_nobody "$VIV" run --mode native --pids-limit 20 --timeout 60 $SH "$LOOP" >"$got/native" 2>"$got/native.err"
    as_nobody "$VIV" run --mode vm --verbose --pids-limit 20 --timeout 60 $SH "$LOOP" >"$got/out" 2>"$got/err"
    st=$?
    n=$(sed -n 's/ forks$//p' "$got/out")
    if [ "$st" = 0 ] && grep -q "^sh: 2$" "$got/out" && [ -n "$n" ] && [ "$n" -lt 20 ] &&
        cmp -s "$got/out" "$got/native" && grep -q "limits: --pids-limit: RLIMIT_NPROC" "$got/err" &&
        grep -q "^sh: can't fork: Resource temporarily unavailable$" "$got/err"; then
        echo "ok rootless, RLIMIT_NPROC: a fork flood under --pids-limit 20 gets $n forks, as natively"
    else
        echo "FAIL rootless fork flood: exit $st; '$(tr '\n' '|' <"$got/out")', natively '$(tr '\n' '|' <"$got/native")'; $(tr '\n' '|' <"$got/err" | head -c 300)"
    fi
    flood "rootless: a recursive fork flood under --pids-limit 20 ends by itself, nothing left behind (RLIMIT_NPROC)" 2 \
        as_nobody "$VIV" run --mode vm --timeout 60 --pids-limit 20 $SH 'f() { f & f; }; f'
fi

# Without namespaces (a sysctl forbids them, as some hosts do) the VMM is confined by Landlock,
# seccomp and no_new_privs: the guest reads its image, writes nowhere, and the catalog is intact.
# Landlock knows files by their inodes, which a 9p share without caching makes anew at each
# lookup: this part's catalog lives on the machine's own tmpfs.
VIV_HOME=$got/home
"$VIV" import -q "$BUSYBOX_VIV" >/dev/null
old=$(cat /proc/sys/user/max_user_namespaces)
echo 0 >/proc/sys/user/max_user_namespaces
"$VIV" run --mode vm --verbose --entrypoint /bin/cat busybox /etc/passwd >"$got/out" 2>"$got/err"
st=$?
if [ "$st" = 0 ] && grep -q "no namespaces here" "$got/err" && cmp -s "$got/out" "$EXPECT/11.out"; then
    echo "ok without namespaces the guest still reads its image"
else
    echo "FAIL without namespaces, a read: exit $st; $(head -c 300 "$got/err" | tr '\n' '|')"
fi
"$VIV" run --mode vm $SH 'echo pwned >>/etc/passwd && echo wrote; echo x >/tmp/x && echo wrote-tmp; exit 0' >"$got/out" 2>"$got/err"
st=$?
if [ "$st" = 0 ] && ! grep -q wrote "$got/out" && "$VIV" fsck >/dev/null 2>&1; then
    echo "ok without namespaces a guest cannot write into the image (catalog intact)"
else
    echo "FAIL without namespaces, writes: exit $st; stdout '$(tr '\n' '|' <"$got/out")'; fsck $("$VIV" fsck 2>&1 | tr '\n' '|')"
fi
# The VMM is in the host's network namespace, and the guest has no network (--network none):
# AF_UNIX sockets work, an IP socket and an abstract name (which the network namespace holds)
# are refused.
"$VIV" import -q "$DYN_VIV" >/dev/null
"$VIV" run --mode vm --entrypoint /bin/net dyn reach >"$got/out" 2>"$got/err"
st=$?
if [ "$st" = 0 ] && grep -q "^SCM_RIGHTS: 'read through a passed fd'" "$got/out" &&
    grep -q "^socket(AF_INET): Permission denied$" "$got/out" &&
    grep -q "^an abstract name: Permission denied$" "$got/out"; then
    echo "ok without namespaces a guest has AF_UNIX sockets but no network: IP sockets and abstract names refused"
else
    echo "FAIL without namespaces, sockets: exit $st; $(tr '\n' '|' <"$got/out"); $(head -c 300 "$got/err" | tr '\n' '|')"
fi
# The VMM joins the instance's cgroup before it serves the guest: a flood is contained, and
# what the guest leaves behind (no pid namespace ends it) goes with the run. Its background jobs
# would need /dev/null, which the image lacks: pipelines fork instead.
flood "without namespaces a recursive fork flood under --pids-limit 20 ends, nothing left behind" 2 \
    "$VIV" run --mode vm --timeout 60 --pids-limit 20 $SH 'f() { f | f; }; f'
before=$(user_procs)
"$VIV" run --mode vm --timeout 2 --pids-limit 20 $SH 'sleep 30 | sleep 30' >"$got/out" 2>"$got/err"
st=$?
sleep 0.5
after=$(user_procs)
if [ "$st" = 124 ] && [ "$after" -le "$before" ]; then
    echo "ok without namespaces the guest's processes end at the timeout (124)"
else
    echo "FAIL without namespaces, the timeout: exit $st, processes $before before, $after after"
fi
if [ -n "${rl:-}" ]; then
    as_nobody "$VIV" run --mode vm --pids-limit 20 --entrypoint /bin/true busybox >"$got/out" 2>"$got/err"
    st=$?
    if [ "$st" = 125 ] && grep -q "^viv: run: --pids-limit cannot be applied: .*RLIMIT_NPROC would count every process of uid 65534" "$got/err"; then
        echo "ok without namespaces, rootless: --pids-limit cannot be applied, and viv says why (125)"
    else
        echo "FAIL without namespaces, rootless --pids-limit: exit $st; $(tr '\n' '|' <"$got/err")"
    fi
    chmod "$kvm_mode" /dev/kvm
    rm -rf "$rl"
fi
echo "$old" >/proc/sys/user/max_user_namespaces
rm -rf "$got"
# The harness counts a run that did not get this far as a failure.
echo "end of suite"
