#!/bin/sh
# cgroup2-limits.sh: --memory, --pids-limit and --cpus through a cgroup v2 subtree, as root. With
# MOUNT_CGROUP2=1 it first mounts a cgroup2 hierarchy of its own at /sys/fs/cgroup and delegates
# memory, pids and cpu below its root (for a machine whose kernel has them bound nowhere else).
# Needs VIV, VIV_HOME and APP (an imported test appliance); with MOUNT_CGROUP2, RL_APP (its .viv,
# readable by nobody) and RL_HOME (a catalog folder nobody may write) add rootless checks in a
# delegated subtree. Prints "ok NAME" or "FAIL NAME: why".
: "${VIV:?}" "${VIV_HOME:?}" "${APP:?}"
export VIV_HOME

ok() { echo "ok $1"; }
bad() { echo "FAIL $1: $2"; }

if [ "${MOUNT_CGROUP2:-}" = 1 ]; then
    mount -t cgroup2 cgroup2 /sys/fs/cgroup || { bad "mount cgroup2" "mount failed"; exit 0; }
    echo "+memory +pids +cpu" >/sys/fs/cgroup/cgroup.subtree_control ||
        { bad "delegate controllers" "$(cat /sys/fs/cgroup/cgroup.controllers)"; exit 0; }
fi

err=$("$VIV" run --verbose --cpus 0.5 --memory 32M --pids-limit 10 "$APP" true 2>&1 >/dev/null)
case $err in
*"--memory: cgroup v2"*"--pids-limit: cgroup v2"*"--cpus: cgroup v2"*) ok "every limit through cgroup v2" ;;
*) bad "every limit through cgroup v2" "$err" ;;
esac

# What viv wrote, read from outside while the guest runs (cgroup files stat as empty: read them).
"$VIV" run --cpus 0.5 --memory 32M --pids-limit 10 "$APP" 'sleep 4' >/dev/null 2>&1 &
vp=$!
knobs=""
i=0
while [ $i -lt 100 ]; do
    for d in $(find /sys/fs/cgroup -maxdepth 4 -type d -name 'viv-*' 2>/dev/null); do
        grep -q . "$d/cgroup.procs" 2>/dev/null && knobs="$(cat "$d/memory.max") $(cat "$d/pids.max") $(cat "$d/cpu.max")"
    done
    [ -n "$knobs" ] && break
    sleep 0.1
    i=$((i + 1))
done
wait $vp
if [ "$knobs" = "33554432 10 50000 100000" ]; then ok "memory.max, pids.max and cpu.max hold the limits"; else bad "memory.max, pids.max and cpu.max hold the limits" "'$knobs'"; fi

# And from inside, where a JVM or the Go runtime looks: the guest's /sys/fs/cgroup, read-only.
out=$("$VIV" run --cpus 0.5 --memory 32M --pids-limit 10 "$APP" 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max; echo max > /sys/fs/cgroup/pids.max && echo raised' 2>&1 | tr '\n' ' ')
case $out in
"33554432 10 50000 100000 "*"Read-only file system"*) ok "the guest reads its limits at /sys/fs/cgroup, read-only" ;;
*) bad "the guest reads its limits at /sys/fs/cgroup, read-only" "$out" ;;
esac

out=$("$VIV" run --memory 64M --entrypoint /bin/escape "$APP" memhog 256 2>&1)
st=$?
case $st:$out in
137:*"ran out of memory (limit 64M)"*) ok "a guest beyond --memory 64M is killed (137) and viv says so" ;;
*) bad "a guest beyond --memory 64M is killed" "exit $st: $out" ;;
esac

out=$("$VIV" run --pids-limit 32 --entrypoint /bin/escape "$APP" forkflood 2>&1)
n=$(printf '%s\n' "$out" | sed -n 's/^forked //p')
if [ -n "$n" ] && [ "$n" -lt 32 ] && printf '%s' "$out" | grep -q "ok fork-flood-contained"; then ok "a fork flood under --pids-limit 32 is contained"; else bad "a fork flood under --pids-limit 32 is contained" "$out"; fi

# Rootless, in a subtree delegated to the user as systemd delegates one (the user's processes in
# a leaf, the controllers enabled for the subtree, the subtree the user's): viv puts the
# instance beside the leaf.
if [ "${MOUNT_CGROUP2:-}" = 1 ] && [ -n "${RL_APP:-}" ] && [ -n "${RL_HOME:-}" ]; then
    d=/sys/fs/cgroup/delegated
    mkdir -p "$d/leaf" && echo "+memory +pids +cpu" >"$d/cgroup.subtree_control" &&
        chown -R 65534:65534 "$d"
    rl() {
        sh -c 'echo $$ >/sys/fs/cgroup/delegated/leaf/cgroup.procs && exec "$@"' sh \
            setpriv --reuid=65534 --regid=65534 --clear-groups env VIV_HOME="$RL_HOME" "$@"
    }
    err=$(rl "$VIV" run --verbose --cpus 0.5 --memory 32M --pids-limit 10 "$RL_APP" true 2>&1 >/dev/null)
    case $err in
    *"--memory: cgroup v2"*"--pids-limit: cgroup v2"*"--cpus: cgroup v2"*) ok "rootless: every limit through the delegated subtree" ;;
    *) bad "rootless: every limit through the delegated subtree" "$err" ;;
    esac
    out=$(rl "$VIV" run --memory 64M --entrypoint /bin/escape "$RL_APP" memhog 256 2>&1)
    st=$?
    case $st:$out in
    137:*"ran out of memory (limit 64M)"*) ok "rootless: a guest beyond --memory 64M is killed (137)" ;;
    *) bad "rootless: a guest beyond --memory 64M is killed" "exit $st: $out" ;;
    esac
fi

sleep 0.2
left=$(find /sys/fs/cgroup -maxdepth 4 -type d -name 'viv-*' 2>/dev/null)
if [ -z "$left" ]; then ok "instance cgroups are removed at exit"; else bad "instance cgroups are removed at exit" "$left"; fi
