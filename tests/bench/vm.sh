#!/bin/sh
# vm.sh: what a vm-mode launch costs in the units that do not depend on the machine: KVM ioctls
# and VM exits per launch of a static /bin/true, exits per guest system call; KVM ioctls and
# guest page-table pages per fork and per exec of a guest process. Times only where
# this host's KVM is hardware-backed; elsewhere the counts come from the qemu machine of
# tests/kvm-host/run (TCG times mean nothing), and SKIP where neither can be had.
set -eu
: "${VIV:?}" "${FIXTURES:?}"
here=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-gcc}

# --- inside: build the payloads, import them, count (run here or in the kvm-host machine) ---
if [ "${VIV_BENCH_VM_INSIDE:-}" ]; then
    W=$VIV_BENCH_VM_INSIDE
    export VIV_HOME="$W/home"
    field() { printf '%s' "$2" | sed -n "s/.*\"$1\":\\([0-9]*\\).*/\\1/p"; }
    object() { printf '%s' "$2" | sed -n "s/.*\"$1\":{\\([^}]*\\)}.*/\\1/p" | sed 's/"//g; s/:/ /g; s/,/, /g'; }
    # count NAME PROGRAM: one launch of PROGRAM with --stats=json, its counts.
    count() {
        "$VIV" run --mode vm --stats=json --entrypoint "$2" vmb >/dev/null 2>"$W/err" </dev/null || true
        j=$(tail -1 "$W/err")
        io=$(field io "$j") calls=$(field syscalls "$j") exits=$(field exits "$j")
        inguest=$(field syscalls_in_guest "$j")
        if [ -z "$io" ]; then
            echo "$1: no stats ($(head -2 "$W/err" | tr '\n' '|'))"
            return
        fi
        echo "$1: VM exits $exits (io $io), guest system calls $calls ($inguest answered in the guest), faults $(field faults "$j"); KVM ioctls $(field kvm_ioctls "$j"): $(object kvm_ioctls_by_name "$j")"
        [ "$calls" -gt 0 ] &&
            awk -v e="$io" -v c="$calls" -v g="${inguest:-0}" -v f="$(field faults "$j")" -v t="${3:-}" \
                'BEGIN { if (c > g) printf "  exits per host-served system call: %.3f (target 1.000);", (e - f) / (c - g)
                         printf " exits per guest system call: %.3f%s\n", (e - f) / c, t }'
        echo "  system calls: $(object syscalls_by_name "$j")"
    }
    count "static /bin/true (one exit_group)" /bin/true
    count "glibc-static program exiting 0" /bin/exit0
    count "1000 getppid calls (glibc static)" /bin/getppid1000
    # A critical section's signal mask: SIGUSR1 (with a handler) blocked and unblocked 1000 times.
    count "1000 sigprocmask block and unblock pairs (glibc static)" /bin/sigmask1000
    # Every signal blocked and the old mask put back, as the C library does around fork and
    # posix_spawn: the first block is the VMM's, which guards the thread from then on.
    count "1000 pairs of every signal blocked and unblocked (glibc static)" /bin/sigfill1000
    # A busybox shell script of 100 builtins ([, :, set and shift, 25 times) that reads a line
    # of a file: its start-up, and what a shell does without a fork.
    count "busybox sh: 100 builtins and a file read" /bin/builtins100 " (target 0.500)"
    # 10 children, each forked (a new VM over a copy-on-write copy of the parent's memory) and
    # exec'ing /bin/true (the address space and page tables made anew), each waited for.
    "$VIV" run --mode vm --stats=json --entrypoint /bin/forkexec10 vmb >/dev/null 2>"$W/err" </dev/null || true
    j=$(tail -1 "$W/err")
    forks=$(field forks "$j") execs=$(field execs "$j")
    if [ -n "$forks" ] && [ "${forks:-0}" -gt 0 ] && [ "${execs:-0}" -gt 0 ]; then
        awk -v f="$forks" -v fi="$(field fork_kvm_ioctls "$j")" -v fp="$(field fork_pt_pages "$j")" \
            -v x="$execs" -v xi="$(field exec_kvm_ioctls "$j")" -v xp="$(field exec_pt_pages "$j")" \
            -v e="$(field exits "$j")" -v c="$(field syscalls "$j")" \
            'BEGIN { printf "fork+exec of /bin/true, 10 times: %d forks, %d execs; per fork %.1f KVM ioctls (parent and child), %.1f page-table pages built; per exec %.1f KVM ioctls, %.1f page-table pages built; the parent: %d VM exits for %d system calls (each fork and wait one exit)\n", f, x, fi / f, fp / f, xi / x, xp / x, e, c }'
        echo "  KVM ioctls of the parent: $(object kvm_ioctls_by_name "$j")"
    else
        echo "fork+exec: no process counts ($(head -2 "$W/err" | tr '\n' '|'))"
    fi
    # 10 threads, each created and joined in turn: a new vCPU per thread start (the trace line
    # of each start gives its KVM ioctls and page-table pages), exits against exit0's.
    "$VIV" run --mode vm --stats=json --entrypoint /bin/exit0 vmb >/dev/null 2>"$W/err" </dev/null || true
    base=$(field exits "$(tail -1 "$W/err")")
    "$VIV" --trace=vm run --mode vm --stats=json --entrypoint /bin/threads10 vmb >/dev/null 2>"$W/err" </dev/null || true
    j=$(tail -1 "$W/err")
    starts=$(grep -c "thread start:" "$W/err" || true)
    if [ "${starts:-0}" -gt 0 ] && [ -n "$base" ]; then
        grep "thread start:" "$W/err" | sed 's/.*thread start: vCPU [0-9]*, //' |
            awk -v n="$starts" -v e="$(field exits "$j")" -v b="$base" -v c="$(field syscalls "$j")" '
                { i += $1; p += $(NF - 2) }
                END { printf "thread start (pthread_create and join, 10 times): %d starts; per start %.1f KVM ioctls (a new vCPU, or one taken again), %.1f page-table pages built, 1 VM exit (the clone hypercall: the vCPU enters ring 3 through its shim without one); per create+join+exit %.1f VM exits over exit0 (%d system calls in all)\n", n, i / n, p / n, (e - b) / n, c }'
    else
        echo "threads: no thread counts ($(grep -v '^{' "$W/err" | head -2 | tr '\n' '|'))"
    fi
    if [ "${VIV_BENCH_VM_TIMES:-}" ]; then
        now() { date +%s%N; }
        N=${BENCH_LAUNCHES:-100}
        for mode in native vm; do
            t0=$(now)
            i=0
            while [ $i -lt "$N" ]; do "$VIV" run --mode $mode vmb >/dev/null 2>&1; i=$((i + 1)); done
            t1=$(now)
            awk -v t="$((t1 - t0))" -v n="$N" -v m="$mode" 'BEGIN { printf "launch-to-exit of /bin/true, --mode %s: %.2f ms (mean of %d)\n", m, t / n / 1e6, n }'
        done
    fi
    exit 0
fi

# --- outside: the image, then where to count ---
echo "vivarium bench: vm mode, counted per launch"
W=$(mktemp -d "${BENCH_DIR:-/var/tmp}/viv-bench-vm.XXXXXX")
trap 'chmod -R u+w "$W" 2>/dev/null; rm -rf "$W"' EXIT
export VIV_HOME="$W/home"
mkdir -p "$W/vmb/rootfs/bin"
# /bin/true as small as it gets: one exit_group, nothing else.
printf '.globl _start\n_start:\n    mov $231, %%eax\n    xor %%edi, %%edi\n    syscall\n' |
    $CC -nostdlib -static -x assembler - -o "$W/vmb/rootfs/bin/true"
printf 'int main(void) { return 0; }\n' | $CC -O2 -static -x c - -o "$W/vmb/rootfs/bin/exit0"
printf '#include <unistd.h>\n#include <sys/syscall.h>\nint main(void) { for (int i = 0; i < 1000; i++) syscall(SYS_getppid); return 0; }\n' |
    $CC -O2 -static -x c - -o "$W/vmb/rootfs/bin/getppid1000"
printf '#include <signal.h>\nstatic void h(int s) { (void)s; }\nint main(void) { signal(SIGUSR1, h); sigset_t s; sigemptyset(&s); sigaddset(&s, SIGUSR1); for (int i = 0; i < 1000; i++) { sigprocmask(SIG_BLOCK, &s, 0); sigprocmask(SIG_UNBLOCK, &s, 0); } return 0; }\n' |
    $CC -O2 -static -x c - -o "$W/vmb/rootfs/bin/sigmask1000"
printf '#include <signal.h>\nint main(void) { sigset_t all, old; sigfillset(&all); for (int i = 0; i < 1000; i++) { sigprocmask(SIG_SETMASK, &all, &old); sigprocmask(SIG_SETMASK, &old, 0); } return 0; }\n' |
    $CC -O2 -static -x c - -o "$W/vmb/rootfs/bin/sigfill1000"
printf '#include <sys/wait.h>\n#include <unistd.h>\nint main(void) { for (int i = 0; i < 10; i++) { pid_t p = fork(); if (p == 0) { execl("/bin/true", "true", (char *)0); _exit(127); } if (p < 0 || waitpid(p, 0, 0) != p) return 1; } return 0; }\n' |
    $CC -O2 -static -x c - -o "$W/vmb/rootfs/bin/forkexec10"
printf '#include <pthread.h>\nstatic void *f(void *a) { return a; }\nint main(void) { for (int i = 0; i < 10; i++) { pthread_t t; void *r; if (pthread_create(&t, 0, f, 0) || pthread_join(t, &r)) return 1; } return 0; }\n' |
    $CC -O2 -static -pthread -x c - -o "$W/vmb/rootfs/bin/threads10"
cp /bin/busybox "$W/vmb/rootfs/bin/busybox"
mkdir -p "$W/vmb/rootfs/etc"
echo "a line of data" >"$W/vmb/rootfs/etc/data"
cat >"$W/vmb/rootfs/bin/builtins100" <<'EOF'
#!/bin/busybox sh
i=0 sum=0
while [ $i -lt 25 ]; do
    i=$((i + 1)) sum=$((sum + i * i))
    : "$sum"
    set -- "$i" "$sum"
    shift
done
read -r line </etc/data
echo "$sum $line"
EOF
chmod +x "$W/vmb/rootfs/bin/builtins100"
printf '{"vivarium":1,"name":"vmb","arch":"x86_64","entrypoint":["/bin/true"],"modes":["native","vm"]}\n' \
    >"$W/vmb/manifest.json"
"$VIV" build "$W/vmb" -o "$W/vmb.viv" >/dev/null && "$VIV" import -q "$W/vmb.viv" >/dev/null

if "$VIV" run --mode vm vmb >/dev/null 2>&1; then
    echo "where: this host's KVM (hardware-backed: times too)"
    VIV_BENCH_VM_INSIDE=$W VIV_BENCH_VM_TIMES=1 sh "$here/vm.sh"
elif ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
    echo "SKIP: vm: no usable /dev/kvm and no qemu-system-x86_64 (apt-get install qemu-system-x86 linux-image-amd64)"
elif ! ls /lib/modules/*/kernel/arch/x86/kvm/kvm-amd.ko* >/dev/null 2>&1; then
    echo "SKIP: vm: no usable /dev/kvm and no Debian kernel with kvm-amd (apt-get install linux-image-amd64)"
else
    echo "where: the kvm-host machine (qemu TCG with SVM: counts only, no times)"
    src_share=""
    case $here in /tmp/* | /run/* | /var/run/*) src_share="--share $(cd "$here/../.." && pwd)" ;; esac
    "$here/../kvm-host/run" --share "$W" $src_share env VIV="$VIV" FIXTURES="$FIXTURES" \
        VIV_BENCH_VM_INSIDE="$W" sh "$here/vm.sh" ||
        echo "vm: the kvm-host machine failed (status $?)"
fi
