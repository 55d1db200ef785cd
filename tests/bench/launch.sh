#!/bin/sh
# launch.sh: launch-to-exit of /bin/true from the busybox appliance, viv run against bubblewrap,
# crun and podman on the same root (and plain exec and a bare namespace launcher for scale); the
# cost of one system call under the default seccomp policy against none. Prints ratios; asserts
# nothing.
set -eu

# per_launch RUNS CMD...: total nanoseconds of RUNS runs of CMD.
per_launch() {
    runs=$1
    shift
    t0=$(date +%s%N)
    i=0
    while [ $i -lt "$runs" ]; do "$@" >/dev/null 2>&1; i=$((i + 1)); done
    echo $(($(date +%s%N) - t0))
}
# Called again by itself inside a private mount namespace (see hybrid below).
if [ "${1:-}" = --per-launch ]; then
    shift
    per_launch "$@"
    exit
fi

: "${VIV:?}" "${FIXTURES:?}"
BUILD=$(dirname "$(dirname "$FIXTURES")")
W=$(mktemp -d "${BENCH_DIR:-/var/tmp}/viv-bench.XXXXXX")
trap 'chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"' EXIT
export VIV_HOME="$W/home"
N=${BENCH_LAUNCHES:-200}
# The tools take turns, N/ROUNDS runs at a time, so that a busy spell of the host (other jobs
# share it) does not land on one tool only.
ROUNDS=5
per_round=$(((N + ROUNDS - 1) / ROUNDS))
# podman takes a tenth of a second or more per run: fewer runs.
podman_per_round=$(((per_round + 19) / 20))

echo "vivarium bench: launch-to-exit of /bin/true (mean of $((per_round * ROUNDS)) runs each)"
BUILD=$W sh "$(dirname "$0")/../../examples/build.sh" >/dev/null 2>&1
"$VIV" import -q "$W/examples/busybox.viv" >/dev/null
root=$W/examples/busybox/rootfs

# crun and podman refuse a host whose cgroups are hybrid (v1 controllers and a cgroup2 mount at
# /sys/fs/cgroup/unified, as on the development host): "cgroups in hybrid mode not supported".
# They see a plain v1 host in a private mount namespace where that mount is hidden; the making
# of the namespace is not in their times. It takes root to make one.
hybrid=""
grep -q ' /sys/fs/cgroup/unified .* cgroup2 ' /proc/self/mountinfo && hybrid=1
# oci RUNS CMD...: per_launch, in such a namespace where the host needs it.
oci() {
    if [ -z "$hybrid" ]; then
        per_launch "$@"
    else
        unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec sh "$0" --per-launch "$@"' \
            "$0" "$@"
    fi
}
# oci_works CMD...: whether CMD runs once, the same way.
oci_works() {
    if [ -z "$hybrid" ]; then
        "$@" >/dev/null 2>&1
    else
        unshare -m sh -c 'umount /sys/fs/cgroup/unified && exec "$@"' sh "$@" >/dev/null 2>&1
    fi
}
# usable TOOL: whether TOOL can be measured here; says why not otherwise.
usable() {
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "SKIP: $1: not installed (apt-get install $2)"
    elif [ "$1" != bwrap ] && [ -n "$hybrid" ] && [ "$(id -u)" != 0 ]; then
        echo "SKIP: $1: this host's hybrid cgroups need root to be hidden from it"
    else
        return 0
    fi
    return 1
}

bwrap=""
usable bwrap bubblewrap && bwrap=1
crun=""
if usable crun crun; then
    # The bundle crun spec writes, running /bin/true from the same root, read-only, without a
    # terminal; crun's defaults otherwise (pid, network, ipc, uts and mount namespaces).
    mkdir -p "$W/bundle"
    (cd "$W/bundle" && crun spec $([ "$(id -u)" = 0 ] || echo --rootless))
    sed -i -e 's|"terminal": true|"terminal": false|' \
        -e 's|^\(\t*\)"sh"$|\1"/bin/true"|' \
        -e "s|\"path\": \"rootfs\"|\"path\": \"$root\"|" "$W/bundle/config.json"
    id=viv-bench-$$
    if oci_works crun run --bundle "$W/bundle" "$id"; then
        crun=1
    else
        echo "SKIP: crun: crun run of the bundle fails here"
    fi
fi
# The yardstick: a bare namespace launcher of our own (bare_launch.c), the namespaces, /proc, /dev
# and pivot_root that bwrap and viv make too, and nothing else.
bare=$BUILD/tests/bench/bare_launch
if [ ! -x "$bare" ]; then
    echo "SKIP: bare launcher: $bare is not built (make bench builds it)"
    bare=""
elif ! "$bare" "$root" /bin/true >/dev/null 2>&1; then
    echo "SKIP: bare launcher: it fails here: $("$bare" "$root" /bin/true 2>&1 | head -1)"
    bare=""
fi
podman=""
# podman's default RLIMIT_NOFILE and RLIMIT_NPROC are above what a root without
# CAP_SYS_RESOURCE may set (as on the development host): small fixed limits instead, which
# /bin/true does not notice.
podman_run="podman run --rm --network none --ulimit nofile=1024:1024 --ulimit nproc=4096:4096"
if usable podman podman; then
    # shellcheck disable=SC2086 # one word per option
    if oci_works $podman_run --rootfs "$root" /bin/true; then
        podman=1
    else
        echo "SKIP: podman: podman run --rootfs fails here"
    fi
fi

# add NAME NS: t_NAME += NS.
add() { eval "t_$1=\$((\${t_$1:-0} + $2))"; }
r=0
while [ $r -lt $ROUNDS ]; do
    add exec "$(per_launch "$per_round" "$root/bin/true")"
    # The appliance has no entrypoint: /bin/true is exec'd itself, as the other tools run it.
    add viv "$(per_launch "$per_round" "$VIV" run --mode native busybox /bin/true)"
    add version "$(per_launch "$per_round" "$VIV" --version)"
    # With limits in place: cgroups where the host lets viv make them, else rlimits.
    add limited "$(per_launch "$per_round" "$VIV" run --mode native --memory 512m --pids-limit 512 \
        --limits=best-effort busybox /bin/true)"
    # The writable layer on the catalog's disk instead of a tmpfs: what its journaled writes cost.
    add disk "$(per_launch "$per_round" "$VIV" run --mode native --layer disk busybox /bin/true)"
    [ -n "$bare" ] && add bare "$(per_launch "$per_round" "$bare" "$root" /bin/true)"
    if [ -n "$bwrap" ]; then
        add bwrap "$(per_launch "$per_round" \
            bwrap --unshare-all --bind "$root" / --proc /proc --dev /dev /bin/true)"
    fi
    if [ -n "$crun" ]; then
        add crun "$(oci "$per_round" crun run --bundle "$W/bundle" "$id")"
        add crun0 "$(oci "$per_round" crun --cgroup-manager=disabled run --bundle "$W/bundle" "$id")"
    fi
    if [ -n "$podman" ]; then
        # shellcheck disable=SC2086
        add podman "$(oci "$podman_per_round" $podman_run --rootfs "$root" /bin/true)"
    fi
    r=$((r + 1))
done
ms() { eval "awk -v t=\"\$t_$1\" -v n=$(($2 * ROUNDS)) 'BEGIN { printf \"%.2f\", t / n / 1e6 }'"; }
ratio() { awk -v a="$2" -v b="$3" -v what="$1" 'BEGIN { printf "%s = %.2fx\n", what, a / b }'; }
v=$(ms viv "$per_round")
echo "plain exec:            $(ms exec "$per_round") ms"
echo "viv run --mode native: $v ms"
echo "viv run with limits:   $(ms limited "$per_round") ms (--memory 512m --pids-limit 512)"
echo "viv run --layer disk:  $(ms disk "$per_round") ms (the writable layer on the catalog's disk)"
echo "viv --version alone:   $(ms version "$per_round") ms (loading viv and its libraries)"
if [ -n "$bare" ]; then
    n=$(ms bare "$per_round")
    echo "bare namespace launch: $n ms (namespaces, /proc, /dev, pivot_root; no policy, no overlay)"
fi
if [ -n "$bwrap" ]; then
    b=$(ms bwrap "$per_round")
    echo "bwrap --unshare-all:   $b ms"
fi
if [ -n "$crun" ]; then
    c=$(ms crun "$per_round")
    c0=$(ms crun0 "$per_round")
    echo "crun run:              $c ms (a cgroup per run; viv makes none without limits)"
    echo "crun run, no cgroup:   $c0 ms (--cgroup-manager=disabled)"
fi
if [ -n "$podman" ]; then
    p=$(ms podman "$podman_per_round")
    echo "podman run --rootfs:   $p ms ($((podman_per_round * ROUNDS)) runs, --network none)"
fi
[ -n "$bwrap" ] && ratio "viv / bwrap (target <= 0.6x)" "$v" "$b" &&
    ratio "viv with limits / bwrap" "$(ms limited "$per_round")" "$b" &&
    ratio "viv --layer disk / bwrap" "$(ms disk "$per_round")" "$b"
# What no sandbox could take from viv's time: its own start and the guest's, each with the C
# library's (dozens of cpuid instructions, which trap to the hypervisor on some hosts).
[ -n "$bwrap" ] && ratio "viv's start and the guest's alone / bwrap (viv --version + plain exec)" \
    "$(awk -v a="$(ms version "$per_round")" -v b="$(ms exec "$per_round")" 'BEGIN { print a + b }')" "$b"
# The target assumes a host where such a launcher takes well under 0.6x of bwrap's time (about
# 0.45x where it was set); where the C library's start is dear, the launcher alone may not.
[ -n "$bare" ] && [ -n "$bwrap" ] && ratio "bare namespace launch / bwrap" "$n" "$b"
[ -n "$bare" ] && ratio "viv / bare namespace launch" "$v" "$n"
[ -n "$crun" ] && ratio "viv / crun" "$v" "$c" && ratio "viv / crun without cgroup" "$v" "$c0"
[ -n "$podman" ] && ratio "viv / podman" "$v" "$p"

# One system call under the policy: the payload times its own getppid loop, under the default
# policy, under a one-instruction filter that allows everything (the least any filter costs: the
# kernel's seccomp entry path), and under none. The runs take turns, best of five each.
loop=$BUILD/tests/payloads/getppid_loop
if [ -x "$loop" ]; then
    mkdir -p "$W/gp/rootfs/bin"
    cp "$loop" "$W/gp/rootfs/bin/getppid_loop"
    printf '{"vivarium":1,"name":"gp","arch":"x86_64","entrypoint":["/bin/getppid_loop"]}\n' \
        > "$W/gp/manifest.json"
    "$VIV" build "$W/gp" -o "$W/gp.viv" >/dev/null && "$VIV" import -q "$W/gp.viv" >/dev/null
    min() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'; }
    with=""
    floor=""
    without=""
    for _ in 1 2 3 4 5; do
        with=$(min "$("$VIV" run gp)" "$with")
        floor=$(min "$("$VIV" run --seccomp=unconfined gp 2000000 allow-all)" "$floor")
        without=$(min "$("$VIV" run --seccomp=unconfined gp)" "$without")
    done
    echo "getppid: $with ns with the default policy, $floor ns under an allow-all filter," \
        "$without ns without"
    ratio "policy overhead (target <= 1.25x)" "$with" "$without"
    ratio "allow-all filter overhead (the floor)" "$floor" "$without"
else
    echo "SKIP: getppid loop: build/tests/payloads/getppid_loop is not built (make check builds it)"
fi
