#!/bin/sh
# vm_suite.sh: the vm-mode payload suite, run where /dev/kvm works (inside tests/kvm-host/run,
# one boot for all of it). Prints "ok NAME" or "FAIL NAME: why" per case; t_vm_basic.sh counts
# them. Needs VIV, VIV_HOME (images vmt and hello imported) and EXPECT (a folder of expected
# outputs made natively on the host).
: "${VIV:?}" "${VIV_HOME:?}" "${EXPECT:?}"
export VIV_HOME
out=$(mktemp) err=$(mktemp)

# case NAME STATUS EXPECTED-STDOUT-OR-@FILE ARGS...: viv run --mode vm ARGS.
case_vm() {
    name=$1 want=$2 text=$3
    shift 3
    "$VIV" run --mode vm "$@" >"$out" 2>"$err" </dev/null
    st=$?
    case $text in
    @*) expected=$(cat "$EXPECT/${text#@}") ;;
    *) expected=$text ;;
    esac
    got=$(cat "$out")
    if [ "$st" = "$want" ] && [ "$got" = "$expected" ]; then
        echo "ok $name"
    else
        echo "FAIL $name: exit $st (wanted $want); stdout '$(echo "$got" | head -3 | tr '\n' '|')'; wanted '$(echo "$expected" | head -3 | tr '\n' '|')'; stderr '$(head -2 "$err" | tr '\n' '|')'"
    fi
}

# The cases where threads run on vCPUs of their own: the whole suite runs them on the machine's
# one CPU, and VM_SUITE_PART=smp runs only them, on a machine with two (t_vm_basic.sh).
# thread_cases ROUNDS all|races: ROUNDS of the shootdown stress; "races" leaves out the cases
# that count vCPUs, which take long under emulation and have no race to show.
thread_cases() {
    rounds=$1
    T="--entrypoint /bin/vmthreads vmt"
    case_vm "poll, rt_sigaction and brk see at once what another thread changed" 0 @shim-threads --entrypoint /bin/vmshim vmt threads
    threads_expected=$(cat <<'EOF_THREADS'
the new thread started with its creator's mask: 1
its SIGUSR1 blocked, not the creator's: 1
the creator's SIGUSR2 unblocked, not the thread's: 1
200 pthread_sigmask flips in each of 2 threads at once, each its own: 1 1
a process-wide SIGUSR1 ran once, in the thread that did not block it: 1 1
EOF_THREADS
)
    case_vm "each thread's signal mask is its own, from its creator's; a process-wide signal runs where it is not blocked" 0 "$threads_expected" --entrypoint /bin/vmshim vmt sigmask-threads
    case_vm "a process-wide signal while one thread blocks all by the shim runs at once in the other; one both block waits for its unblocking" 0 "a process-wide SIGALRM while one thread blocks all and spins: ran in the other 1 time(s), there 1; a SIGUSR2 both block: waited 1, pending 1, ran in the one that unblocked it 1" --timeout 120 --entrypoint /bin/vmshim vmt sigmask-guard-threads
    case_vm "timer signals around rt_sigprocmask block and unblock pairs run once each, never while blocked" 0 "50 timer signals around block and unblock pairs: ran inside the blocked section 0 times; ran 50 times" --entrypoint /bin/vmshim vmt sigmask-race
    case_vm "8 threads: a contended mutex, a condition variable, TLS per thread, joins, tids" 0 @threads-mutex-cond $T mutex-cond
    case_vm "exit_group from a thread stops threads blocked in futex and read" 7 "threads blocked" $T exit-group
    case_vm "a thread's SIGSEGV ends the whole process (139)" 139 "threads blocked" $T segv
    case_vm "munmap in one thread: another thread reading the page faults next (TLB shootdown)" 0 "the other thread faults on the page unmapped" $T shootdown
    case_vm "8 threads hammer a page while it is unmapped, mapped fresh, made read-only and moved: each change holds for all once its call returns" 0 "$rounds rounds, 8 threads: accesses that did not fault 0, old data in fresh pages 0, wrong reads 0, moves $rounds" --timeout 150 $T shootdown-stress $rounds
    if [ "$2" = all ]; then
        case_vm "300 threads alive at once, each a vCPU, with tids of their own" 0 "300 threads at once: tids distinct 1, joined 1" $T many 300
        case_vm "threads until clone fails: more than 500 at once, then EAGAIN (KVM's vCPUs), and the process goes on" 0 "more than 500 at once 1, then Resource temporarily unavailable" --memory 256M $T thread-limit
    fi
    case_vm "threads one after another, each joined before the next: the vCPU one leaves serves a later one" 0 "20 threads one after another: started 20, ran 20" $T one-after-another
    case_vm "pthread_kill runs the handler in that thread, on its sigaltstack" 0 @threads-pthread-kill $T pthread-kill
    case_vm "the C library's signals between threads: set*id reaches each, pthread_cancel ends one" 0 @threads-library-signals $T library-signals
    case_vm "execve from a second thread: the same pid, and the tid is the pid" 0 "pid kept 1, tid is the pid 1, one thread 1" $T exec-thread
    case_vm "pause sleeps until a handler has run, then fails with EINTR" 0 "pause -1, EINTR 1, after the handler 1" $T pause
}
if [ "${VM_SUITE_PART:-}" = smp ]; then
    thread_cases 30 races
    rm -f "$out" "$err"
    echo "end of suite"
    exit 0
fi

case_vm "the hello example prints what it prints natively" 0 @hello hello:1.0 a "b c"
case_vm "a payload's exit status is viv's" 42 "" vmt exit 42
case_vm "hello from a glibc-static payload" 0 "hello from the vm payload" vmt hello
case_vm "wild pointers of every kind give EFAULT, unknown calls ENOSYS" 0 "efault: ok" vmt efault
case_vm "paths resolve inside the image root" 0 @files vmt files
case_vm "a NULL dereference is SIGSEGV (139)" 139 "" vmt segv
case_vm "ud2 is SIGILL (132)" 132 "" vmt ud2
case_vm "a division by zero is SIGFPE (136)" 136 "" vmt div0
case_vm "int3 is SIGTRAP (133)" 133 "" vmt int3
case_vm "int \$0x81 from ring 3 is SIGSEGV" 139 "" vmt int81
case_vm "hlt in ring 3 is SIGSEGV" 139 "" vmt hlt
case_vm "cli in ring 3 is SIGSEGV" 139 "" vmt cli
case_vm "out in ring 3 is SIGSEGV (no hypercall from ring 3)" 139 "" vmt out
case_vm "rdmsr in ring 3 is SIGSEGV" 139 "" vmt rdmsr
case_vm "mov to cr3 in ring 3 is SIGSEGV" 139 "" vmt movcr3
case_vm "the shim is unreachable from ring 3" 139 "" vmt kernel-read
case_vm "a 1 ms timer's signals reach a guest looping on calls answered in the guest" 0 @sig-fast-loop --timeout 60 vmt sig-fast-loop
case_vm "a write after mprotect(PROT_READ) is SIGSEGV" 139 "read back 1" vmt rowrite
case_vm "a call into a non-executable page is SIGSEGV" 139 "calling a non-executable page" vmt nx
case_vm "mprotect(PROT_EXEC) makes a page runnable" 42 "" vmt exec-page
case_vm "a load from an unmapped page is SIGSEGV" 139 "unmapped" vmt unmapped
case_vm "32 MiB allocate and touch within --memory 64M" 0 "alloc 32 MiB: ok" --memory 64M vmt alloc 32
case_vm "100 MiB do not fit in --memory 64M (ENOMEM)" 1 "alloc 100 MiB: Cannot allocate memory" --memory 64M vmt alloc 100
case_vm "malloc and free through brk and mmap" 0 @malloc vmt malloc
case_vm "mremap grows by moving, keeps the bytes, zero-fills, shrinks in place" 0 "moved 1, kept 1, new pages zero 1, shrunk in place 1, no move without MAYMOVE 1" vmt mremap
case_vm "the working folder, relative paths and x86-64's legacy path calls" 0 "$(printf 'cwd /etc\nreadlink /etc/vm-msg, stat follows 1, lstat does not 1, access 1\nmachine x86_64')" vmt cwd
case_vm "pipes, dup2 and fcntl(F_DUPFD)" 0 "$(printf 'read 17 at fd 10: through the pipe\ndupfd 20, bad fd refused 1')" vmt pipe
case_vm "a shared file mapping past the file's end is SIGBUS (135)" 135 "" vmt sigbus
case_vm "a SIGBUS handler past the file's end runs and siglongjmps out" 0 "SIGBUS past the file's end: handled 1, BUS_ADRERR 1" vmt sigbus-jmp
case_vm "a SIGSEGV handler gets si_addr = CR2 and siglongjmps out" 0 @sig-segv-jmp vmt sig-segv-jmp
case_vm "a SIGSEGV handler mprotects the page and returns: the write runs again" 0 @sig-fix vmt sig-fix
case_vm "a SIGFPE handler steps over idiv and sets rax through the frame" 0 @sig-fpe vmt sig-fpe
case_vm "SA_RESETHAND: the first ud2 is handled, the second is SIGILL (132)" 132 @sig-ill-once vmt sig-ill-once
case_vm "an int3 handler returns after the breakpoint" 0 @sig-trap vmt sig-trap
case_vm "a raised signal waits while blocked and runs when unblocked; SIG_IGN; SIGKILL" 0 @sig-mask vmt sig-mask
case_vm "real-time signals queue while blocked: each value, in Linux's order; a standard one once" 0 @sig-rt-queue vmt sig-rt-queue
case_vm "a fault whose signal is blocked kills (139)" 139 "" vmt sig-blocked-fault
case_vm "SA_ONSTACK runs the handler on the sigaltstack" 0 @sig-altstack vmt sig-altstack
case_vm "a handler starts with a fresh FPU; the interrupted xmm7 and MXCSR come back" 0 @sig-fpu vmt sig-fpu
case_vm "a handler returning to a non-canonical rip is SIGSEGV (139)" 139 "" vmt sig-bad-rip
case_vm "rt_sigreturn with no frame under rsp is SIGSEGV (139)" 139 "" vmt sig-wild-return
# The kernel gives a pid namespace's init no signal it leaves at its default, its own SIGABRT
# included: abort() then ends it with the SIGSEGV of its last resort, natively as in the VM.
case_vm "abort() is SIGABRT (134), under --init" 134 "" --init vmt abort
case_vm "abort() as pid 1 ends in SIGSEGV (139), as natively" 139 "" vmt abort
case_vm "a missing program exits 127" 127 "" --entrypoint /bin/nope vmt
case_vm "sigtimedwait, POSIX timers, sendfile and friends, mlock, sched, caps, close_range, pidfds, SysV IPC and shared memory, shared mappings: as natively" 0 @calls --entrypoint /bin/vmcalls vmt
case_vm "brk within the break's page, across pages, refused, and in a forked child" 0 @shim-brk --entrypoint /bin/vmshim vmt brk
case_vm "rt_sigaction that only asks: every action, refusals, bad buffers, SA_RESETHAND, fork" 0 @shim-sigaction --entrypoint /bin/vmshim vmt sigaction
case_vm "getrandom: bytes never handed out twice, not even to a forked child; Linux's refusals" 0 @shim-random --entrypoint /bin/vmshim vmt random
case_vm "arch_prctl(ARCH_SET_FS) takes effect at once; EPERM outside the user half; fork keeps it" 0 @shim-fs --entrypoint /bin/vmshim vmt fs
case_vm "the break grown by the shim: zero pages, kept through faults, calls and fork, gone when shrunk" 0 @shim-heap --entrypoint /bin/vmshim vmt heap
case_vm "mprotect by the shim: at once, in the VMM's record, across fork; Linux's refusals" 0 @shim-mprotect --entrypoint /bin/vmshim vmt mprotect
case_vm "prlimit64 that only asks: getrlimit's answer, after setrlimit, in a child; refusals" 0 @shim-limits --entrypoint /bin/vmshim vmt limits
case_vm "prctl(PR_GET_NAME): the name set last, cut, per thread, in a child; refusals" 0 @shim-name --entrypoint /bin/vmshim vmt name
# What `vmshim anon` prints natively: no address, only how the mappings relate.
anon_expected=$(cat <<'EOF_ANON'
two mappings: zero yes yes; the second right below the first: yes
a mapping the shim leaves to the VMM lands right below: yes
maps: the two are one rw-p mapping from the second's start past the first's end: yes
maps: the MAP_NORESERVE one is its own: yes
the bytes written kept: yes
mprotect, then a mapping: 0, right below yes; a write SIGSEGV (no access), below ok
1 MiB: zero yes; the next right below it: yes
PROT_NONE: a read SIGSEGV (no access); PROT_READ: a read ok, a write SIGSEGV (no access)
read-write-execute: the code ran
munmap of a page in the middle: 0; it SIGSEGV (not mapped); its neighbours ok ok, kept
munmap of the first: 0; a read SIGSEGV (not mapped), a write SIGSEGV (not mapped)
maps: the first is gone: yes
unmapped, mapped again in place: same place, zero yes
unmapped, asked for again by a hint: same place, zero yes
0 bytes: refused (Invalid argument); munmap unaligned: -1 (Invalid argument)
a forked child sees the new pages and maps its own: yes; the parent's bytes kept: yes
EOF_ANON
)
case_vm "anonymous mmap and munmap by the shim: zero, placed and described as the VMM would, gone when unmapped, zero when mapped again, copied by fork" 0 "$anon_expected" --entrypoint /bin/vmshim vmt anon
case_vm "anonymous mmap and munmap under timer signals whose handler maps too" 0 "50 timer signals while mapping, their handler mapping too: ok" --entrypoint /bin/vmshim vmt anon-signals
case_vm "anonymous mmap and brk until the VM's memory runs out: no page handed out twice" 0 "mappings until memory ran out, the break grown between them: each page given once, zero, kept: yes" --memory 12M --entrypoint /bin/vmshim vmt anon-full
case_vm "the page tables' window is unreachable from ring 3" 139 "" --entrypoint /bin/vmshim vmt tables
case_vm "a blocked signal stays pending until unblocked; fork keeps the mask, not what is pending; execve both" 0 @shim-sigmask --entrypoint /bin/vmshim vmt sigmask
# What `vmshim sigmask-deliver`, `sigmask-edges` and `sigmask-threads` print natively (Linux 6.x).
deliver_expected=$(cat <<'EOF_DELIVER'
kill while blocked: ran 0 before SIG_UNBLOCK (0), 1 right after
tgkill while blocked: pending 1, ran 0 before SIG_SETMASK (0), 1 right after
a timer while blocked and spinning: pending 1, read by a signalfd 0, ran 0 before SIG_SETMASK (0), 1 right after
a timer while blocked and spinning: pending 1, read by a signalfd 1, ran 0 before SIG_SETMASK (0), 0 right after
a timer while all are blocked and spinning: ran 0 before SIG_SETMASK (0), 1 right after
a timer after all were blocked and unblocked, while spinning: ran during the spin 1
a timer's SIGALRM at its default, blocked: pending 1; ignored, then unblocked (0): pending 0
SIG_BLOCK of all: 0xfffffffffffbfeff, SIGKILL blocked 0, SIGSTOP blocked 0
SIG_SETMASK of all: SIGKILL blocked 0, SIGSTOP blocked 0
a forked child: mask inherited 1; all blocked, SIGKILL still kills it: 1
after execve: SIGUSR1 blocked 0, SIGUSR2 blocked 1
EOF_DELIVER
)
case_vm "a signal blocked by the shim runs once, exactly when SIG_UNBLOCK or SIG_SETMASK lets it; SIGKILL and SIGSTOP stay unblocked; fork and execve keep the mask" 0 "$deliver_expected" --entrypoint /bin/vmshim vmt sigmask-deliver
# What `vmshim sigmask-guard` prints natively (Linux 6.x): signals the host would act on by
# itself, blocked by the shim with no exit, come while ring 3 spins.
guard_expected=$(cat <<'EOF_GUARD'
SIGCHLD at its default, blocked while ring 3 spins: pending 1, taken by sigtimedwait 1
SIGALRM ignored, blocked while ring 3 spins: pending 1; unblocked: pending 0
a child's SIGTERM and SIGTSTP at their defaults, blocked while it spins: stopped or ended while blocked 0, pending 1 1; SIGTSTP unblocked: stopped 1; SIGCONT, then SIGTERM unblocked: killed by SIGTERM 1
EOF_GUARD
)
case_vm "signals at their default or ignored, blocked by the shim: one that comes while ring 3 spins waits, and is acted on once unblocked" 0 "$guard_expected" --timeout 120 --entrypoint /bin/vmshim vmt sigmask-guard
edges_expected=$(cat <<'EOF_EDGES'
size 4: -22, size 16: -22, old mask written 0
how 7 with a set: -22, old mask written 0, SIGUSR1 blocked 0
how 7 without a set: 0, old mask written 1
a set at address 8: -14
old mask to address 8: -14, SIGUSR2 blocked anyway 1
set and old mask across a page end: 0, old 0, SIGUSR1 blocked 1
old mask to a read-only page: -14, SIGUSR2 blocked anyway 1
a set in a PROT_NONE page: -14
set and old mask one word: 0, old 0x800, now 0xa00
SIG_UNBLOCK with the upper half of how set: 0, SIGUSR1 blocked 0
SIG_UNBLOCK of nothing: 0, mask 0x800
EOF_EDGES
)
case_vm "rt_sigprocmask at the edges: Linux's refusals and order, bad, read-only and straddling buffers" 0 "$edges_expected" --entrypoint /bin/vmshim vmt sigmask-edges
thread_cases 200 all
# Without namespaces (a chroot refuses them, as some hosts' sysctls do), the VM is the wall.
"$VIV" run --mode vm --verbose vmt files >"$out" 2>"$err" </dev/null
st=$?
if grep -q "no namespaces here" "$err"; then
    if [ "$st" = 0 ] && [ "$(cat "$out")" = "$(cat "$EXPECT/files")" ]; then
        echo "ok without namespaces the guest still sees only the image (seccomp, no_new_privs)"
    else
        echo "FAIL without namespaces: exit $st; $(head -2 "$err" | tr '\n' '|')"
    fi
elif [ "$st" = 0 ]; then
    echo "ok the VMM runs inside the namespace sandbox"
else
    echo "FAIL vm --verbose: exit $st; $(head -2 "$err" | tr '\n' '|')"
fi
"$VIV" run --verbose --limits=best-effort hello:1.0 a "b c" >"$out" 2>"$err" </dev/null
st=$?
if grep -q "no namespaces here" "$err" || grep -q "mode vm: auto: native mode cannot be had" "$err"; then
    if [ "$st" = 0 ] && [ "$(cat "$out")" = "$(cat "$EXPECT/hello")" ]; then
        echo "ok auto falls back to vm where the host refuses namespaces"
    else
        echo "FAIL auto fallback to vm: exit $st; $(head -3 "$err" | tr '\n' '|')"
    fi
elif [ "$st" = 0 ]; then
    echo "ok auto runs natively where namespaces can be had"
else
    echo "FAIL auto: exit $st; $(head -3 "$err" | tr '\n' '|')"
fi
"$VIV" run --mode vm --timeout 2 vmt spin >"$out" 2>"$err" </dev/null
st=$?
if [ "$st" = 124 ]; then echo "ok --timeout stops a spinning guest (124)"; else echo "FAIL --timeout: exit $st; $(head -2 "$err" | tr '\n' '|')"; fi
# Signals sent to viv reach the guest: its handler while it spins, SA_RESTART around a read.
fifo=$(mktemp -u)
mkfifo "$fifo"
"$VIV" run --mode vm -i vmt sig-host <"$fifo" >"$out" 2>"$err" &
pid=$!
exec 3>"$fifo"
await() { i=0; while [ $i -lt 100 ] && ! grep -q "$1" "$out"; do sleep 0.2; i=$((i + 1)); done; }
await spinning
sleep 1
kill -USR1 $pid
await reading
sleep 1
kill -HUP $pid
sleep 1
(echo x >&3) 2>/dev/null # a subshell: should viv be gone, SIGPIPE ends only it
exec 3>&-
wait $pid
st=$?
want="spinning
got 10 with code 0 while spinning
reading
read 1 (x) after 2 handler runs"
if [ "$st" = 0 ] && [ "$(cat "$out")" = "$want" ]; then
    echo "ok signals to viv run the guest's handlers; SA_RESTART restarts the interrupted read"
else
    echo "FAIL signals to viv: exit $st; stdout '$(tr '\n' '|' <"$out")'; stderr '$(head -2 "$err" | tr '\n' '|')'"
fi
rm -f "$fifo"
"$VIV" run --mode vm vmt spin >"$out" 2>"$err" </dev/null &
pid=$!
sleep 2
kill -TERM $pid
wait $pid
st=$?
if [ "$st" = 143 ]; then echo "ok SIGTERM to viv ends a guest without a handler (143)"; else echo "FAIL SIGTERM to viv: exit $st; $(head -2 "$err" | tr '\n' '|')"; fi

# --stats: exits by reason and the calls served, by name; one exit per served call.
"$VIV" run --mode vm --stats vmt hello >"$out" 2>"$err" </dev/null
st=$?
if [ "$st" = 0 ] && grep -q "^viv: stats: vm exits [0-9]* (io [0-9]*, hlt 0, shutdown 0" "$err" &&
    grep -q "^viv: stats: vm system calls: .*write 1" "$err" &&
    grep -q "^viv: stats: vm KVM ioctls: .*KVM_CREATE_VM 1" "$err"; then
    echo "ok --stats reports VM exits, system calls by name and KVM ioctls"
else
    echo "FAIL --stats: exit $st; $(tail -3 "$err" | tr '\n' '|')"
fi
num() { printf '%s' "$j" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"; }
# stats_run ARGS...: viv run --mode vm --stats=json ARGS; st, the JSON line j and its counters.
stats_run() {
    "$VIV" run --mode vm --stats=json "$@" >"$out" 2>"$err" </dev/null
    st=$?
    j=$(tail -1 "$err")
    io=$(num io) calls=$(num syscalls) inguest=$(num syscalls_in_guest) faults=$(num faults)
}
stats_run vmt sig-segv-jmp
frames=$(num signal_frames)
if [ "$st" = 0 ] && [ -n "$io" ] && [ "$io" = $((calls - inguest + faults)) ] && [ "$faults" = 1 ] &&
    [ "$frames" = 1 ] && printf '%s' "$j" | grep -q '"syscalls_by_name":{.*"rt_sigaction":1' &&
    printf '%s' "$j" | grep -q '"kvm_ioctls_by_name":{.*"KVM_CREATE_VCPU":1'; then
    echo "ok --stats=json: one io exit per served system call and per fault ($io = $calls - $inguest + $faults)"
else
    echo "FAIL --stats=json: exit $st; io '$io' syscalls '$calls' faults '$faults' frames '$frames'; $j"
fi
# The calls the shim answers: as the kernel answers them, counted, and no exit for any.
stats_run vmt fast-calls
if [ "$st" = 0 ] && [ "$(cat "$out")" = "fast calls: ok" ] && [ "${inguest:-0}" -ge 12 ] &&
    [ "$io" = $((calls - inguest + faults)) ] &&
    printf '%s' "$j" | grep -q '"syscalls_by_name":{.*"set_robust_list":[0-9]'; then
    echo "ok ids, credentials, set_tid_address and set_robust_list answered in the guest: $inguest of $calls calls, no exit for them"
else
    echo "FAIL fast calls: exit $st; $(head -c 200 "$out"); io '$io' syscalls '$calls' in guest '$inguest'; $j"
fi
# poll of regular files: the shim's answer is Linux's, with no exit once the VMM has looked at
# the fd; everything else (pipes, closed and O_PATH fds, bad arrays) is the VMM's.
stats_run --entrypoint /bin/vmshim vmt poll
if [ "$st" = 0 ] && [ "$(cat "$out")" = "$(cat "$EXPECT/shim-poll")" ] &&
    [ "${inguest:-0}" -ge 1000 ] && [ "$io" = $((calls - inguest + faults)) ]; then
    echo "ok poll of regular files answered in the guest as Linux answers it: $inguest of $calls calls, no exit for them"
else
    echo "FAIL poll in the guest: exit $st; stdout '$(diff "$EXPECT/shim-poll" "$out" | head -5 | tr '\n' '|')'; io '$io' syscalls '$calls' in guest '$inguest'; $(head -2 "$err" | tr '\n' '|')"
fi
# brk growth, prlimit64, prctl(PR_GET_NAME) and mprotect back to back: no exit for any.
stats_run --entrypoint /bin/vmshim vmt quiet
if [ "$st" = 0 ] && [ "$(cat "$out")" = "300 calls and an mprotect: ok" ] &&
    [ "${inguest:-0}" -ge 301 ] && [ "$io" = $((calls - inguest + faults)) ] &&
    printf '%s' "$j" | grep -q '"syscalls_by_name":{.*"prctl":100' &&
    printf '%s' "$j" | grep -q '"syscalls_by_name":{.*"prlimit64":10[0-9]'; then
    echo "ok brk growth, prlimit64, PR_GET_NAME and mprotect answered in the guest: $inguest of $calls calls, no exit for them"
else
    echo "FAIL brk, prlimit64, prctl, mprotect in the guest: exit $st; $(head -c 200 "$out"); io '$io' syscalls '$calls' in guest '$inguest'; $j"
fi
# Small anonymous mappings made and unmapped in a loop: the shim answers nearly all (an exit
# when its pool or its log is used up), and each of those exits replays what it did.
# shim_budget CASE OUTPUT MAX-EXITS CALL-COUNT-RE WHAT: vmshim's CASE prints OUTPUT, one io exit per
# call the VMM served and per fault, at most MAX-EXITS such calls, and the call counted by name.
shim_budget() {
    stats_run --entrypoint /bin/vmshim vmt "$1"
    if [ "$st" = 0 ] && [ "$(cat "$out")" = "$2" ] && [ "$io" = $((calls - inguest + faults)) ] &&
        [ "$((calls - inguest))" -le "$3" ] &&
        printf '%s' "$j" | grep -q "\"syscalls_by_name\":{.*$4"; then
        echo "ok $5: $inguest of $calls calls answered in the guest, $io exits"
    else
        echo "FAIL $5: exit $st; $(head -c 200 "$out"); io '$io' syscalls '$calls' in guest '$inguest'; $j"
    fi
}
shim_budget anon-loop "512 mappings made and unmapped: ok" 40 '"munmap":512' \
    "512 small mmap and munmap pairs"
# rt_sigprocmask that unblocks nothing the VMM may hold pending (queries, calls that change
# nothing, blocks of signals with a handler while the process has one thread, and the unblocking
# of those): the shim answers every one. The exits left are the program's start, its 32
# rt_sigaction calls that set a handler, its write and its exit.
shim_budget sigmask-loop "7000 rt_sigprocmask calls, none unblocking what was blocked before: ok" \
    40 '"rt_sigprocmask":700[0-9]' "7000 rt_sigprocmask queries, blocks and unblocks"
# Every signal blocked, then unblocked while none is pending: the first block is the VMM's (some
# have no handler), and guards the thread (vm_sigguard.c); the shim answers all the others.
shim_budget sigmask-unblock "1000 times every signal blocked, then unblocked while none is pending: ok" \
    10 '"rt_sigprocmask":200[0-9]' "1000 blocks of every signal and their unblocking while none is pending"
# Rootless: an unprivileged user imports the image into a catalog of its own and runs it in vm
# mode; the VMM then sits in that user's namespace sandbox. Where /dev/kvm is not open to that
# user (the kvm-host machine opens it to everyone), this is a SKIP.
rootless_uid=65534
if ! command -v setpriv >/dev/null 2>&1; then
    echo "SKIP rootless vm mode: setpriv (util-linux) is missing"
elif [ "$(id -u)" != 0 ]; then
    echo "SKIP rootless vm mode: the suite does not run as root, it cannot become another user"
else
    if ! setpriv --reuid=$rootless_uid --regid=$rootless_uid --clear-groups sh -c ': <>/dev/kvm' 2>/dev/null; then
        echo "SKIP rootless vm mode: /dev/kvm is not open to an unprivileged user here"
    else
        rl=$(mktemp -d)
        "$VIV" export vmt -o "$rl/vmt.viv" >/dev/null 2>&1
        chown -R $rootless_uid:$rootless_uid "$rl"
        as_user() { setpriv --reuid=$rootless_uid --regid=$rootless_uid --clear-groups \
            env HOME="$rl" VIV_HOME="$rl/home" "$@"; }
        as_user "$VIV" import -q "$rl/vmt.viv" >/dev/null 2>"$err"
        as_user "$VIV" run --mode vm --verbose vmt files >"$out" 2>>"$err" </dev/null
        st=$?
        owner=$(stat -c %u "$rl/home/images" 2>/dev/null)
        if [ "$st" = 0 ] && [ "$(cat "$out")" = "$(cat "$EXPECT/files")" ] &&
            grep -q "run: root: " "$err" && [ "$owner" = $rootless_uid ]; then
            echo "ok rootless: an unprivileged user's catalog and vm run, the VMM in that user's namespace sandbox"
        else
            echo "FAIL rootless vm mode: exit $st, catalog owner '$owner'; stdout '$(head -3 "$out" | tr '\n' '|')'; stderr '$(head -4 "$err" | tr '\n' '|')'"
        fi
        # The personality's answers to ids the namespace cannot map, as the native trap's.
        for how in "root chown" "root setid" "1000 chown" "1000 setid"; do
            set -- $how
            as_user "$VIV" run --mode vm --user "$1" --entrypoint /bin/escape vmt "$2" >"$out" 2>"$err" </dev/null
            st=$?
            if [ "$st" = 0 ] && ! grep -q FAIL "$out" && grep -q "^ok " "$out"; then
                echo "ok rootless: $2 to unmapped ids as user $1: what the native sandbox answers"
            else
                echo "FAIL rootless: $2 to unmapped ids as user $1: exit $st; $(grep FAIL "$out" | head -3 | tr '\n' '|') $(head -2 "$err" | tr '\n' '|')"
            fi
        done
        rm -rf "$rl"
    fi
fi
rm -f "$out" "$err"
# The harness counts a run that did not get this far as a failure.
echo "end of suite"
