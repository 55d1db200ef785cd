# t_run_cgroup2.sh: --memory, --pids-limit and --cpus through a cgroup v2 subtree with the
# controllers delegated: on this host when its cgroup2 hierarchy has memory, pids and cpu, else
# in the qemu machine of tests/kvm-host (a kernel of its own, where a private cgroup2 hierarchy
# can take every controller); SKIP, saying why, where neither can be had. A hybrid host binds
# these controllers to cgroup v1, and a controller is in one hierarchy at a time, so no mount
# namespace can give them to a cgroup2 mount there.
fresh
. "$SRCDIR/tests/payloads/run-setup.sh"

# The cgroup2 mount point and its controllers, from mountinfo (the fstype follows " - ").
cg2_mnt=$(awk '{for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") print $5; break }}' /proc/self/mountinfo | head -n 1)
cg2_ctrls=$( [ -n "$cg2_mnt" ] && cat "$cg2_mnt/cgroup.controllers" 2>/dev/null)
has_all() { for c in memory pids cpu; do case " $cg2_ctrls " in *" $c "*) ;; *) return 1 ;; esac; done; }

cg2_where=""
if [ "$(id -u)" != 0 ]; then
    skip "cgroup v2 limits" "needs root (the test reads and creates cgroups)"
elif has_all; then
    run env VIV="$VIV" VIV_HOME="$VIV_HOME" APP=app sh "$SRCDIR/tests/payloads/cgroup2-limits.sh"
    cg2_where="this host"
elif ! command -v qemu-system-x86_64 >/dev/null 2>&1 || ! ls /boot/vmlinuz-* >/dev/null 2>&1; then
    skip "cgroup v2 limits" "this host's cgroup2 hierarchy has controllers '${cg2_ctrls:-none}' (memory, pids and cpu are bound to cgroup v1) and no qemu-system-x86_64 and kernel for a machine of its own"
else
    src_share=""
    case $SRCDIR in /tmp/* | /run/* | /var/run/*) src_share="--share $SRCDIR" ;; esac
    run "$SRCDIR/tests/kvm-host/run" --share "$WORK" $src_share env MOUNT_CGROUP2=1 VIV="$VIV" \
        VIV_HOME="$VIV_HOME" APP=app RL_APP="$WORK/app.viv" RL_HOME="$ROOTLESS_HOME/home" sh "$SRCDIR/tests/payloads/cgroup2-limits.sh"
    if [ "$status" = 125 ] && contains "$errout" "kvm-host:"; then
        skip "cgroup v2 limits" "no cgroup v2 memory controller here and the qemu machine cannot be had: $errout"
    else
        cg2_where="a qemu machine's private cgroup2 hierarchy"
    fi
fi
if [ -n "$cg2_where" ]; then
    n=0
    while IFS= read -r line; do
        case $line in
        "ok "*) pass "cgroup v2 ($cg2_where): ${line#ok }"; n=$((n + 1)) ;;
        "FAIL "*) fail "cgroup v2 ($cg2_where): ${line#FAIL }"; n=$((n + 1)) ;;
        esac
    done <<EOF
$out
EOF
    [ "$n" -gt 0 ] || fail "cgroup v2 limits ($cg2_where): the checks ran" "status $status: $errout"
fi
