#!/bin/sh
# launch.sh: launch-to-exit of /bin/true from the busybox appliance, viv run against bubblewrap
# on the same root (and plain exec for scale); the cost of one system call under the default
# seccomp policy against none.
set -eu
: "${VIV:?}" "${FIXTURES:?}"
BUILD=$(dirname "$(dirname "$FIXTURES")")
W=$(mktemp -d "${BENCH_DIR:-/var/tmp}/viv-bench.XXXXXX")
trap 'chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"' EXIT
export VIV_HOME="$W/home"
N=${BENCH_LAUNCHES:-200}

now() { date +%s%N; }
# per_launch CMD...: mean milliseconds of N runs of CMD.
per_launch() {
    t0=$(now)
    i=0
    while [ $i -lt "$N" ]; do "$@" >/dev/null 2>&1; i=$((i + 1)); done
    t1=$(now)
    awk -v t="$((t1 - t0))" -v n="$N" 'BEGIN { printf "%.2f", t / n / 1e6 }'
}

echo "vivarium bench: launch-to-exit of /bin/true ($N runs each, mean)"
BUILD=$W sh "$(dirname "$0")/../../examples/build.sh" >/dev/null 2>&1
"$VIV" import -q "$W/examples/busybox.viv" >/dev/null
root=$W/examples/busybox/rootfs
t_exec=$(per_launch "$root/bin/true")
t_viv=$(per_launch "$VIV" run --mode native busybox true)
echo "plain exec:            $t_exec ms"
echo "viv run --mode native: $t_viv ms"
if command -v bwrap >/dev/null 2>&1; then
    t_bwrap=$(per_launch bwrap --unshare-all --bind "$root" / --proc /proc --dev /dev /bin/true)
    echo "bwrap --unshare-all:   $t_bwrap ms"
    awk -v v="$t_viv" -v b="$t_bwrap" 'BEGIN { printf "viv / bwrap = %.2fx (target <= 0.6x)\n", v / b }'
else
    echo "SKIP: bwrap: bubblewrap is not installed (apt-get install bubblewrap)"
fi
t_ver=$(per_launch "$VIV" --version)
echo "viv --version alone:   $t_ver ms (loading viv and its libraries)"

# One system call under the policy: the payload times its own getppid loop.
loop=$BUILD/tests/payloads/getppid_loop
if [ -x "$loop" ]; then
    mkdir -p "$W/gp/rootfs/bin"
    cp "$loop" "$W/gp/rootfs/bin/getppid_loop"
    printf '{"vivarium":1,"name":"gp","arch":"x86_64","entrypoint":["/bin/getppid_loop"]}\n' \
        > "$W/gp/manifest.json"
    "$VIV" build "$W/gp" -o "$W/gp.viv" >/dev/null && "$VIV" import -q "$W/gp.viv" >/dev/null
    best_of() { b=""; for _ in 1 2 3; do v=$("$@"); if [ -z "$b" ] || awk -v a="$v" -v b="$b" 'BEGIN{exit !(a<b)}'; then b=$v; fi; done; echo "$b"; }
    with=$(best_of "$VIV" run gp)
    without=$(best_of "$VIV" run --seccomp=unconfined gp)
    echo "getppid: $with ns with the default policy, $without ns without"
    awk -v a="$with" -v b="$without" 'BEGIN { printf "policy overhead = %.2fx (target <= 1.25x)\n", a / b }'
else
    echo "SKIP: getppid loop: build/tests/payloads/getppid_loop is not built (make check builds it)"
fi
