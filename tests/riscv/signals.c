/* signals.c: handlers, siginfo, masks, altstacks, SA_* flags and restarts; prints the same
 * lines natively and translated. */
#include <errno.h>
#include <fenv.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <ucontext.h>
#include <unistd.h>

static sigjmp_buf jb;
static volatile sig_atomic_t count, depth, max_depth, seen_code;
static volatile void *seen_addr;
static volatile int seen_pid, blocked_inside, was_on_alt, alt_flags;
static char *alt_base;
static size_t alt_size;
static int pfd[2];
static volatile uintptr_t bad_address = 16; /* opaque to the compiler */

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    seen_code = si->si_code;
    seen_addr = si->si_addr;
    siglongjmp(jb, sig);
}

static volatile int rt_seen[8];
static volatile sig_atomic_t rt_runs;

/* Which real-time signal ran, and the value it was queued with: 100 * (sig - SIGRTMIN) + value. */
static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (rt_runs < 8)
        rt_seen[rt_runs++] = 100 * (sig - SIGRTMIN) + si->si_value.sival_int;
}

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    count++;
    seen_code = si->si_code;
    seen_pid = si->si_pid;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    blocked_inside = sigismember(&now, sig);
}

static void on_nested(int sig)
{
    depth++;
    if (depth > max_depth)
        max_depth = depth;
    if (count++ == 0)
        raise(sig); /* runs nested with SA_NODEFER, after this handler without */
    depth--;
}

static void on_alt(int sig)
{
    (void)sig;
    char here;
    was_on_alt = &here >= alt_base && &here < alt_base + alt_size;
    stack_t cur;
    sigaltstack(NULL, &cur);
    alt_flags = cur.ss_flags;
}

static void on_fp(int sig)
{
    (void)sig;
    /* Clobber the FP state and the rounding mode: sigreturn must bring both back. */
    fesetround(FE_UPWARD);
    volatile double x = 1.0;
    for (int i = 0; i < 100; i++)
        x = x / 3.0 + 0.1;
    count = (int)x;
}

static void on_alarm(int sig)
{
    (void)sig;
    count++;
    if (write(pfd[1], "x", 1) != 1)
        _exit(3);
}

/* The load or store at pc touches addr: the pc and the base register the handler sees are
 * those of the faulting access (RISC-V only; elsewhere the answer is yes). */
static int access_at(const ucontext_t *uc, const void *addr)
{
#ifdef __riscv
    const unsigned long *x = uc->uc_mcontext.__gregs; /* [0] is the pc, [1..31] x1..x31 */
    const uint16_t *at = (const uint16_t *)x[0];
    uint32_t w = at[0];
    unsigned long base;
    long imm;
    if ((w & 3) == 3) {
        w |= (uint32_t)at[1] << 16;
        unsigned opc = w & 0x7f;
        base = x[w >> 15 & 31];
        if (opc == 0x03 || opc == 0x07) /* loads */
            imm = (int32_t)w >> 20;
        else if (opc == 0x23 || opc == 0x27) /* stores */
            imm = ((int32_t)w >> 25) * 32 + (w >> 7 & 31);
        else
            return 0;
    } else if ((w & 3) == 0 && (w >> 13) >= 1) { /* c.fld c.lw c.ld, c.fsd c.sw c.sd */
        base = x[8 + (w >> 7 & 7)];
        unsigned f3 = w >> 13 & 3;
        if (f3 == 2) /* word: offset[5:3|2|6] */
            imm = (w >> 10 & 7) << 3 | (w >> 6 & 1) << 2 | (w >> 5 & 1) << 6;
        else /* double: offset[5:3|7:6] */
            imm = (w >> 10 & 7) << 3 | (w >> 5 & 3) << 6;
    } else {
        return 0;
    }
    return base + (unsigned long)imm == (unsigned long)addr;
#else
    (void)uc;
    (void)addr;
    return 1;
#endif
}

/* A hot loop whose stores walk into pages it may not write: the handler opens the page and
 * returns, and the store runs again. Resumed anywhere but at that store, or with registers
 * older than the store's, the loop would sum differently. */
static volatile int walk_faults, walk_pc_ok = 1;
static void on_walk(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    walk_pc_ok &= access_at(uc, si->si_addr);
    uintptr_t page = (uintptr_t)si->si_addr & ~(uintptr_t)4095;
    if (mprotect((void *)page, 4096, PROT_READ | PROT_WRITE) != 0)
        _exit(4);
    walk_faults++;
}

static void walk_into_guard_pages(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_walk;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    const size_t n = 8 * 4096 / sizeof(uint64_t);
    uint64_t *w = mmap(NULL, 8 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w == MAP_FAILED)
        _exit(2);
    mprotect((char *)w + 3 * 4096, 4096, PROT_NONE);
    mprotect((char *)w + 6 * 4096, 4096, PROT_READ);
    uint64_t sum = 1;
    for (size_t i = 0; i < n; i++) {
        w[i] = sum * 31 + i;
        sum = (sum ^ w[i]) + (sum >> 7);
    }
    printf("walk: faults %d pc ok %d sum %llx\n", (int)walk_faults, (int)walk_pc_ok,
           (unsigned long long)sum);
}

static void set(int sig, void (*fn)(int), void (*act3)(int, siginfo_t *, void *), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    if (act3) {
        sa.sa_sigaction = act3;
        flags |= SA_SIGINFO;
    } else {
        sa.sa_handler = fn;
    }
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, NULL) != 0) {
        perror("sigaction");
        exit(2);
    }
}

static void alarm_in_ms(int ms)
{
    struct itimerval it = {{0, 0}, {0, ms * 1000}};
    setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);

    /* A fault the handler escapes from with siglongjmp; si_addr is the address touched. */
    set(SIGSEGV, NULL, on_segv, 0);
    int sig = sigsetjmp(jb, 1);
    if (sig == 0)
        *(volatile int *)bad_address = 1;
    printf("segv: sig %d code %d addr %p\n", sig, (int)seen_code, (void *)seen_addr);
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if ((sig = sigsetjmp(jb, 1)) == 0)
        ro[8] = 1;
    printf("write to read-only page: sig %d code %d addr ok %d\n", sig, (int)seen_code,
           seen_addr == ro + 8);
    /* siglongjmp restored the mask: SIGSEGV is deliverable again. */
    if ((sig = sigsetjmp(jb, 1)) == 0)
        ro[9] = 1;
    printf("again: sig %d\n", sig);
    walk_into_guard_pages();

    /* SA_SIGINFO: raise is tgkill (SI_TKILL), kill is SI_USER; the signal is blocked inside. */
    set(SIGUSR1, NULL, on_usr1, 0);
    raise(SIGUSR1);
    printf("raise: count %d code %d pid ok %d blocked inside %d\n", (int)count, (int)seen_code,
           seen_pid == getpid(), blocked_inside);
    kill(getpid(), SIGUSR1);
    printf("kill: count %d code %d pid ok %d\n", (int)count, (int)seen_code,
           seen_pid == getpid());

    /* Blocked: pending, not delivered; delivered on unblock. */
    sigset_t s, pend;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR1);
    sigpending(&pend);
    printf("blocked: count %d pending %d\n", (int)count, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    sigpending(&pend);
    printf("unblocked: count %d pending %d\n", (int)count, sigismember(&pend, SIGUSR1));

    /* SA_NODEFER lets the handler interrupt itself; without it the second waits. */
    count = depth = max_depth = 0;
    set(SIGUSR2, on_nested, NULL, SA_NODEFER);
    raise(SIGUSR2);
    printf("nodefer: runs %d max depth %d\n", (int)count, (int)max_depth);
    count = depth = max_depth = 0;
    set(SIGUSR2, on_nested, NULL, 0);
    raise(SIGUSR2);
    printf("defer: runs %d max depth %d\n", (int)count, (int)max_depth);

    /* SA_RESETHAND: one run, then the default disposition. */
    count = 0;
    set(SIGUSR2, on_nested, NULL, SA_RESETHAND | SA_NODEFER);
    signal(SIGURG, SIG_DFL);
    struct sigaction q;
    count = 1; /* no nested raise this time */
    raise(SIGUSR2);
    sigaction(SIGUSR2, NULL, &q);
    printf("resethand: runs %d now default %d\n", (int)count - 1, q.sa_handler == SIG_DFL);

    /* sigaltstack: SA_ONSTACK runs the handler there, and sigaltstack says so. */
    alt_size = 64 * 1024;
    alt_base = malloc(alt_size);
    stack_t ss = {.ss_sp = alt_base, .ss_size = alt_size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0)
        perror("sigaltstack");
    set(SIGUSR2, on_alt, NULL, SA_ONSTACK);
    raise(SIGUSR2);
    printf("altstack: on it %d flags onstack %d\n", was_on_alt, (alt_flags & SS_ONSTACK) != 0);
    set(SIGUSR2, on_alt, NULL, 0);
    raise(SIGUSR2);
    printf("without SA_ONSTACK: on it %d\n", was_on_alt);
    stack_t cur;
    sigaltstack(NULL, &cur);
    printf("altstack outside: flags %d size ok %d\n", cur.ss_flags, cur.ss_size == alt_size);

    /* FP registers and the rounding mode survive a handler that changes them. */
    fesetround(FE_TOWARDZERO);
    volatile double d = 2.0;
    set(SIGUSR2, on_fp, NULL, 0);
    raise(SIGUSR2);
    d = d / 3.0;
    printf("fp: rounding kept %d value %.17g\n", fegetround() == FE_TOWARDZERO, d);
    fesetround(FE_TONEAREST);

    /* A read interrupted by a handler: EINTR without SA_RESTART, restarted with it. */
    if (pipe(pfd) != 0)
        return 2;
    char c = 0;
    count = 0;
    set(SIGALRM, on_alarm, NULL, 0);
    alarm_in_ms(50);
    ssize_t n = read(pfd[0], &c, 1);
    printf("no SA_RESTART: read %zd errno %s handler %d\n", n, n < 0 ? strerrorname_np(errno) : "-",
           (int)count);
    n = read(pfd[0], &c, 1);
    printf("then: read %zd '%c'\n", n, c);
    count = 0;
    set(SIGALRM, on_alarm, NULL, SA_RESTART);
    alarm_in_ms(50);
    c = 0;
    n = read(pfd[0], &c, 1);
    printf("SA_RESTART: read %zd '%c' handler %d\n", n, c, (int)count);

    /* Real-time signals queue while blocked: each runs its handler with its own value, lowest
     * number first, the next of a kind once the handler before it has returned. A standard
     * signal sent twice while blocked runs once. */
    set(SIGRTMIN, NULL, on_rt, 0);
    set(SIGRTMIN + 1, NULL, on_rt, 0);
    sigemptyset(&s);
    sigaddset(&s, SIGRTMIN);
    sigaddset(&s, SIGRTMIN + 1);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    set(SIGUSR1, NULL, on_usr1, 0);
    count = 0;
    const int queued[][2] = {{1, 1}, {0, 2}, {0, 3}, {1, 4}};
    for (size_t i = 0; i < sizeof(queued) / sizeof(queued[0]); i++)
        sigqueue(getpid(), SIGRTMIN + queued[i][0], (union sigval){.sival_int = queued[i][1]});
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigpending(&pend);
    printf("queued: runs %d pending %d %d\n", (int)rt_runs, sigismember(&pend, SIGRTMIN),
           sigismember(&pend, SIGRTMIN + 1));
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    printf("unblocked: rt runs %d:", (int)rt_runs);
    for (int i = 0; i < rt_runs; i++)
        printf(" %d", rt_seen[i]);
    printf("; SIGUSR1 runs %d\n", (int)count);

    /* Ignored signals are not delivered; the default action of SIGUSR1 ends the process. */
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("ignored: still here\n");
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGUSR1, SIG_DFL);
        raise(SIGUSR1);
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("default action: signalled %d by %d\n", WIFSIGNALED(st), WTERMSIG(st));
    return 0;
}
