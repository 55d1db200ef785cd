#!/bin/sh
# fidelity_suite.sh: the commands of fidelity_cases.sh in vm mode, where /dev/kvm works (inside
# tests/kvm-host/run), each compared with what it did natively: "ok NAME" or "FAIL NAME: why".
# Needs VIV, VIV_HOME (busybox imported), EXPECT (N.out, N.err, N.status per case, made
# natively by t_vm_fidelity.sh) and BUSYBOX_VIV. Then the same image without namespaces: the VM
# is the only wall.
: "${VIV:?}" "${VIV_HOME:?}" "${EXPECT:?}" "${BUSYBOX_VIV:?}"
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
"$VIV" run --mode vm --stats=json clk >"$got/out" 2>"$got/err"
st=$?
host=$(date +%s)
j=$(tail -1 "$got/err")
calls=$(printf '%s' "$j" | sed -n 's/.*"syscalls":\([0-9]*\).*/\1/p')
guest=$(sed -n 's/.*realtime \([0-9]*\)$/\1/p' "$got/out")
if [ "$st" = 0 ] && grep -q "^vdso present, monotonic forward 1," "$got/out" &&
    [ $((guest - host)) -le 2 ] && [ $((host - guest)) -le 2 ] && [ "${calls:-9999}" -lt 50 ]; then
    echo "ok 3,000 clock reads through the vDSO: $calls system calls in all, the host's time within 2 s"
else
    echo "FAIL vDSO clock: exit $st; $(cat "$got/out"); host $host; $calls system calls; $(head -c 300 "$got/err")"
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
echo "$old" >/proc/sys/user/max_user_namespaces
rm -rf "$got"
