/* vmshim: guest payload for the system calls vm mode's shim answers without an exit. Each case
 * prints what the calls returned; vm_suite.sh compares that with the same case run natively, so
 * every answer must be the kernel's. Raw system calls, so that the C library hides nothing. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

static long sys_poll(struct pollfd *fds, unsigned long n, long ms)
{
    long r = syscall(SYS_poll, fds, n, ms);
    return r < 0 ? -errno : r;
}

/* One poll, printed: its result and every revents. */
static void show(const char *what, struct pollfd *fds, unsigned long n, long ms)
{
    long r = sys_poll(fds, n, ms);
    printf("%s: %ld", what, r);
    for (unsigned long i = 0; r >= 0 && i < n; i++)
        printf(" %#x", (unsigned)(uint16_t)fds[i].revents);
    printf("\n");
}

/* Every register but rax, rcx and r11 comes back from a system call as it went in (the x86-64
 * syscall ABI): the shim's answer keeps them too. */
static int poll_keeps_registers(struct pollfd *fd)
{
    uint64_t rdx = 0x1111, r8 = 0x2222, r9 = 0x3333, r10 = 0x4444, r12 = 0x5555;
    uint64_t rdi = (uintptr_t)fd, rsi = 1, rax = SYS_poll;
    __asm__ volatile("syscall"
                     : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9), "+r"(r10),
                       "+r"(r12)
                     :
                     : "rcx", "r11", "memory");
    return rax == 1 && rdi == (uintptr_t)fd && rsi == 1 && rdx == 0x1111 && r8 == 0x2222 &&
           r9 == 0x3333 && r10 == 0x4444 && r12 == 0x5555;
}

static int poll_cases(const char *self)
{
    int fd = open(self, O_RDONLY);
    if (fd < 0) {
        printf("open %s: %s\n", self, strerror(errno));
        return 1;
    }
    /* A regular file is always ready: events masked by POLLIN|POLLOUT|RDNORM|WRNORM. */
    struct pollfd one = {fd, POLLIN | POLLOUT | POLLPRI, 0x7777};
    show("regular file, in|out|pri", &one, 1, -1);
    int same = 1;
    for (int i = 0; i < 1000; i++) {
        struct pollfd again = {fd, POLLIN, 0};
        same &= sys_poll(&again, 1, -1) == 1 && again.revents == POLLIN;
    }
    printf("1000 polls of it: %s\n", same ? "all POLLIN" : "differ");
    printf("registers kept: %s\n", poll_keeps_registers(&one) ? "yes" : "no");
    struct pollfd mix[3] = {{-1, POLLIN, 0x55}, {fd, POLLRDNORM | POLLWRNORM, 0}, {-7, 0, 1}};
    show("negative fds ignored", mix, 3, 0);
    struct pollfd pri = {fd, POLLPRI, 0};
    show("only POLLPRI: nothing ready, timeout 0", &pri, 1, 0);
    struct pollfd none = {fd, 0, 0x11};
    show("no events asked", &none, 1, 0);
    show("no fds, timeout 0", NULL, 0, 0);
    /* The fd's number taken by other files: a pipe, then nothing. */
    int p[2];
    if (pipe(p) < 0)
        return 1;
    struct pollfd both[2] = {{fd, POLLIN, 0}, {p[0], POLLIN, 0}};
    show("a regular file and an empty pipe", both, 2, 0);
    int saved = fcntl(fd, F_DUPFD_CLOEXEC, 20);
    dup2(p[0], fd);
    one.events = POLLIN;
    show("a pipe dup2'd over it", &one, 1, 0);
    if (write(p[1], "x", 1) != 1)
        return 1;
    show("the pipe with a byte", &one, 1, 0);
    close(fd);
    show("closed: POLLNVAL", &one, 1, 0);
    dup2(saved, fd);
    show("the file dup2'd back", &one, 1, 0);
    close(saved);
    int opath = open(self, O_PATH);
    struct pollfd path = {opath, POLLIN, 0};
    show("an O_PATH fd: POLLNVAL", &path, 1, 0);
    close(opath);
    int high = fcntl(fd, F_DUPFD, 100);
    struct pollfd hi = {high, POLLIN, 0};
    show("fd 100", &hi, 1, 0);
    close(high);
    /* Arrays the kernel cannot read or write back. */
    show("a pollfd at NULL", NULL, 1, 0);
    show("a pollfd in the kernel half", (struct pollfd *)0xffff800000000000ull, 1, 0);
    show("a pollfd at the shim", (struct pollfd *)0xffffffff80002000ull, 1, 0);
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct pollfd *ro = (struct pollfd *)(void *)two;
    ro[0] = (struct pollfd){fd, POLLIN, 0x99};
    mprotect(two, 4096, PROT_READ);
    show("a read-only pollfd: EFAULT", ro, 1, 0);
    printf("its revents untouched: %#x\n", (unsigned)(uint16_t)ro[0].revents);
    struct pollfd *edge = (struct pollfd *)(void *)(two + 8192 - 8);
    edge[0] = (struct pollfd){fd, POLLIN, 0};
    show("the last pollfd of a page", edge, 1, 0);
    show("an array from a read-only page into a writable one", edge - 512, 2, 0);
    munmap(two + 4096, 4096);
    show("an array from a read-only page into an unmapped one", edge - 512, 2, 0);
    show("an unmapped pollfd", edge, 1, 0);
    return 0;
}

/* brk moves within one page and across pages, refused ones, and the break a forked child
 * starts with: each result as an offset from the break the case starts with (the layout is the
 * kernel's choice, the arithmetic is not). Nothing allocates until the end: printf would move
 * the break itself. */
static int brk_cases(void)
{
    static const long step[] = {1, 100, 3 * 4096 + 5, 2 * 4096 + 7, 3 * 4096, 3 * 4096 - 1, 50};
    long got[16];
    int n = 0;
    uintptr_t b0 = (uintptr_t)syscall(SYS_brk, 0);
    for (unsigned i = 0; i < sizeof(step) / sizeof(step[0]); i++) {
        got[n++] = (long)((uintptr_t)syscall(SYS_brk, b0 + step[i]) - b0);
        got[n++] = (long)((uintptr_t)syscall(SYS_brk, 0) - b0);
    }
    got[n++] = (long)((uintptr_t)syscall(SYS_brk, 1) - b0);
    got[n++] = (long)((uintptr_t)syscall(SYS_brk, 1ull << 46) - b0);
    /* The last move stays within its page: a child forked now starts with it. */
    syscall(SYS_brk, b0 + 3 * 4096 - 9);
    int p[2];
    if (pipe(p) < 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        long child = (long)((uintptr_t)syscall(SYS_brk, 0) - b0);
        _exit(write(p[1], &child, sizeof(child)) == sizeof(child) ? 0 : 1);
    }
    long child = -1;
    if (pid < 0 || read(p[0], &child, sizeof(child)) != sizeof(child) ||
        waitpid(pid, NULL, 0) != pid)
        return 1;
    ((volatile char *)b0)[3 * 4096 - 10] = 7;
    for (int i = 0; i < n; i++)
        printf("brk %d: %ld\n", i, got[i]);
    printf("the forked child's break: %ld\n", child);
    return 0;
}

/* The kernel's struct sigaction on x86-64 (arch/x86/include/uapi/asm/signal.h). */
struct ksigaction {
    uint64_t handler, flags, restorer, mask;
};

static volatile int caught;
static void on_signal(int sig)
{
    caught = sig;
}

static long sys_sigaction(long sig, const void *act, void *old, long size)
{
    long r = syscall(SYS_rt_sigaction, sig, act, old, size);
    return r < 0 ? -errno : r;
}

/* One query, printed: the handler by name, the flags, the mask, whether a restorer is set. */
static void query(const char *what, long sig)
{
    struct ksigaction k;
    memset(&k, 0x5a, sizeof(k));
    long r = sys_sigaction(sig, NULL, &k, 8);
    const char *h = k.handler == (uintptr_t)SIG_DFL     ? "SIG_DFL"
                    : k.handler == (uintptr_t)SIG_IGN   ? "SIG_IGN"
                    : k.handler == (uintptr_t)on_signal ? "on_signal"
                                                        : "?";
    if (r < 0)
        printf("%s (%ld): %ld\n", what, sig, r);
    else
        printf("%s (%ld): %ld %s flags %#lx mask %#lx restorer %s\n", what, sig, r, h,
               (unsigned long)k.flags, (unsigned long)k.mask, k.restorer ? "set" : "none");
}

/* rt_sigaction that only asks: every action as set, the refusals, bad buffers, an action that
 * SA_RESETHAND put back while delivering, and what a forked child sees. */
static int sigaction_cases(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaddset(&sa.sa_mask, SIGKILL); /* never kept: signal(7) */
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR2, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    sigaction(SIGRTMIN + 3, &sa, NULL);
    for (long sig = 1; sig <= 31; sig++)
        if (sig != SIGKILL && sig != SIGSTOP && sig != SIGUSR1 && sig != SIGUSR2 && sig != SIGPIPE)
            query("default", sig);
    query("SIGUSR1", SIGUSR1);
    query("SIGUSR2 with SA_RESETHAND", SIGUSR2);
    query("SIGPIPE ignored", SIGPIPE);
    query("SIGKILL", SIGKILL);
    query("a real-time signal", SIGRTMIN + 3);
    printf("no old action asked: %ld\n", sys_sigaction(SIGUSR1, NULL, NULL, 8));
    printf("sigsetsize 4: %ld\n", sys_sigaction(SIGUSR1, NULL, NULL, 4));
    printf("signal 0: %ld, 65: %ld, 1<<32|10: %ld\n", sys_sigaction(0, NULL, NULL, 8),
           sys_sigaction(65, NULL, NULL, 8), sys_sigaction(1l << 32 | 10, NULL, NULL, 8));
    struct ksigaction k;
    printf("old action to NULL+8: %ld, the kernel half: %ld, the shim: %ld\n",
           sys_sigaction(SIGUSR1, NULL, (void *)8, 8),
           sys_sigaction(SIGUSR1, NULL, (void *)0xffff800000000000ull, 8),
           sys_sigaction(SIGUSR1, NULL, (void *)0xffffffff80002000ull, 8));
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(two, 0x33, 8192);
    mprotect(two, 4096, PROT_READ);
    printf("into a read-only page: %ld, untouched %d\n", sys_sigaction(SIGUSR1, NULL, two + 64, 8),
           two[64] == 0x33);
    printf("from a read-only page into a writable one: %ld, untouched %d\n",
           sys_sigaction(SIGUSR1, NULL, two + 4096 - 16, 8), two[4096] == 0x33);
    printf("the last 32 bytes of a page: %ld\n", sys_sigaction(SIGUSR1, NULL, two + 8192 - 32, 8));
    munmap(two + 4096, 4096);
    printf("into an unmapped page: %ld\n", sys_sigaction(SIGUSR1, NULL, two + 8192 - 32, 8));
    raise(SIGUSR2);
    printf("caught %d\n", caught);
    query("SIGUSR2 after its SA_RESETHAND delivery", SIGUSR2);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        query("SIGUSR1 in a forked child", SIGUSR1);
        query("SIGPIPE in a forked child", SIGPIPE);
        fflush(stdout);
        _exit(0);
    }
    waitpid(pid, NULL, 0);
    (void)k;
    return 0;
}

/* Threads share the fd table and the actions: what one changes, another sees at once, in the
 * shim's answers too. */
static int shared_fd, shared_pipe[2];
static pthread_barrier_t step;

static void *other_thread(void *arg)
{
    (void)arg;
    dup2(shared_pipe[0], shared_fd);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_barrier_wait(&step); /* changed */
    pthread_barrier_wait(&step); /* looked at */
    dup2(shared_pipe[1], shared_fd);
    signal(SIGUSR1, SIG_IGN);
    return NULL;
}

static int thread_cases(const char *self)
{
    shared_fd = open(self, O_RDONLY);
    if (shared_fd < 0 || pipe(shared_pipe) < 0)
        return 1;
    struct pollfd one = {shared_fd, POLLIN | POLLOUT, 0};
    uintptr_t b0 = (uintptr_t)syscall(SYS_brk, 0);
    show("the file, one thread", &one, 1, 0);
    query("SIGUSR1, one thread", SIGUSR1);
    pthread_t t;
    pthread_barrier_init(&step, NULL, 2);
    if (pthread_create(&t, NULL, other_thread, NULL) != 0)
        return 1;
    pthread_barrier_wait(&step);
    show("the pipe's read end another thread put there", &one, 1, 0);
    query("SIGUSR1 another thread set", SIGUSR1);
    printf("the break with two threads: %ld\n", (long)((uintptr_t)syscall(SYS_brk, 0) - b0));
    pthread_barrier_wait(&step);
    pthread_join(t, NULL);
    show("the pipe's write end, the thread gone", &one, 1, 0);
    query("SIGUSR1 ignored by the thread gone", SIGUSR1);
    return 0;
}

static long sys_getrandom(void *buf, long n, long flags)
{
    long r = syscall(SYS_getrandom, buf, n, flags);
    return r < 0 ? -errno : r;
}

/* getrandom: many small reads (more than any pool holds) never repeat a byte string, a forked
 * child's bytes are not its parent's, and the refusals are Linux's. */
static int random_cases(void)
{
    enum { N = 200 };
    static uint8_t got[N][16];
    int ok = 1;
    for (int i = 0; i < N; i++)
        ok &= sys_getrandom(got[i], 16, i % 3 == 0 ? 0 : i % 3 == 1 ? 1 : 4) == 16;
    int distinct = 1;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < i; j++)
            distinct &= memcmp(got[i], got[j], 16) != 0;
    printf("%d reads of 16 bytes: %s, all distinct: %s\n", N, ok ? "all 16" : "short",
           distinct ? "yes" : "no");
    uint8_t one[1], big[4096];
    printf("1 byte: %ld, 4096 bytes: %ld, 0 bytes: %ld\n", sys_getrandom(one, 1, 0),
           sys_getrandom(big, sizeof(big), 0), sys_getrandom(one, 0, 0));
    printf("GRND_RANDOM: %ld, unknown flag 8: %ld, INSECURE|RANDOM: %ld\n",
           sys_getrandom(one, 1, 2), sys_getrandom(one, 1, 8), sys_getrandom(one, 1, 6));
    printf("to NULL: %ld, the kernel half: %ld, the shim: %ld\n", sys_getrandom(NULL, 8, 0),
           sys_getrandom((void *)0xffff800000000000ull, 8, 0),
           sys_getrandom((void *)0xffffffff80002000ull, 8, 0));
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(two, 0x33, 8192);
    mprotect(two, 4096, PROT_READ);
    printf("into a read-only page: %ld, untouched %d\n", sys_getrandom(two + 100, 8, 0),
           two[100] == 0x33);
    printf("across into a writable page: %ld\n", sys_getrandom(two + 4090, 16, 0));
    int p[2];
    if (pipe(p) < 0)
        return 1;
    fflush(stdout);
    pid_t pid = fork();
    uint8_t mine[16];
    sys_getrandom(mine, 16, 0);
    if (pid == 0)
        _exit(write(p[1], mine, 16) == 16 ? 0 : 1);
    uint8_t child[16];
    if (read(p[0], child, 16) != 16 || waitpid(pid, NULL, 0) != pid)
        return 1;
    printf("a forked child's bytes differ from its parent's: %s\n",
           memcmp(mine, child, 16) ? "yes" : "no");
    return 0;
}

/* arch_prctl(ARCH_SET_FS) takes effect at once: %fs-relative loads read the new base, and
 * ARCH_GET_FS reports it. Nothing between the two sets uses the C library's TLS. */
static long raw2(long nr, long a, long b)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return r;
}

static int fs_cases(void)
{
    static uint64_t area[4] = {0x1111, 0x2222, 0x3333, 0x4444};
    uint64_t orig = 0, seen = 0, at0, at8;
    long r1 = raw2(SYS_arch_prctl, 0x1003, (long)&orig);
    long r2 = raw2(SYS_arch_prctl, 0x1002, (long)area);
    __asm__ volatile("movq %%fs:0, %0; movq %%fs:8, %1" : "=r"(at0), "=r"(at8));
    long r3 = raw2(SYS_arch_prctl, 0x1003, (long)&seen);
    long r4 = raw2(SYS_arch_prctl, 0x1002, (long)orig);
    long r5 = raw2(SYS_arch_prctl, 0x1002, 1l << 47);
    long r6 = raw2(SYS_arch_prctl, 0x1002, -4096l);
    uint64_t back = 0;
    long r7 = raw2(SYS_arch_prctl, 0x1003, (long)&back);
    printf("get %ld, set %ld, %%fs:0 %#lx %%fs:8 %#lx, get %ld = the area %d, set back %ld\n", r1,
           r2, (unsigned long)at0, (unsigned long)at8, r3, seen == (uintptr_t)area, r4);
    printf("a base at 1<<47: %ld, in the kernel half: %ld; still the old base %d (%ld)\n", r5, r6,
           back == orig, r7);
    fflush(stdout);
    /* A forked child and a thread start from the base set last. */
    raw2(SYS_arch_prctl, 0x1002, (long)orig);
    pid_t pid = fork();
    if (pid == 0) {
        uint64_t c = 0;
        raw2(SYS_arch_prctl, 0x1003, (long)&c);
        _exit(c == orig ? 0 : 1);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    printf("a forked child's base is its parent's: %s\n", st == 0 ? "yes" : "no");
    return 0;
}

/* ---- memory the shim maps and protects: brk growth, mprotect ----
 *
 * What a touch of memory does, without a system call on the way (the fault is the exit that
 * tells the VMM what the shim did): SIGSEGV's handler jumps back with the fault's si_code. The
 * output is buffered in a static buffer, so that printf allocates nothing (no brk of its own)
 * and writes only at the end. */
static sigjmp_buf touch_jmp;
static volatile int touch_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    touch_code = si->si_code;
    siglongjmp(touch_jmp, 1);
}

static void catch_segv(void)
{
    static char out[16384];
    setvbuf(stdout, out, _IOFBF, sizeof(out));
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER; /* no mask to put back: siglongjmp makes no call */
    sigaction(SIGSEGV, &sa, NULL);
}

static const char *touch(volatile char *p, int write)
{
    if (sigsetjmp(touch_jmp, 0))
        return touch_code == SEGV_MAPERR   ? "SIGSEGV (not mapped)"
               : touch_code == SEGV_ACCERR ? "SIGSEGV (no access)"
                                           : "SIGSEGV";
    if (write)
        *p = 1;
    else
        (void)*p;
    return "ok";
}

typedef int (*code_fn)(void);
static const char *call(void *code)
{
    static volatile int got;
    if (sigsetjmp(touch_jmp, 0))
        return touch_code == SEGV_ACCERR ? "SIGSEGV (no access)" : "SIGSEGV";
    got = ((code_fn)code)();
    return got == 42 ? "ran" : "ran wrong";
}

#define PG 4096ul
#define UP(x) (((x) + PG - 1) & ~(PG - 1))

static uintptr_t sys_brk(uintptr_t to)
{
    return (uintptr_t)syscall(SYS_brk, to);
}

/* Whether [p, p+n) holds only byte b. */
static int all(const char *p, size_t n, int b)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != (char)b)
            return 0;
    return 1;
}

/* The break grown by the shim: its pages zero, writable, kept through the exits that make them
 * the VMM's (a fault, a system call that reads or writes them, fork), gone when it shrinks and
 * zero when it grows again, protected before the VMM knew of them; a growth past what the shim
 * may map is the VMM's. Results as offsets from the break's page end, which is the kernel's. */
static int heap_cases(void)
{
    catch_segv();
    int p[2];
    if (pipe(p) < 0)
        return 1;
    uintptr_t b0 = sys_brk(0), base = UP(b0);
    char *h = (char *)base;
    /* Grown by five pages and a bit: zero, writable; the page after the break's is not ours. */
    uintptr_t want = base + 5 * PG + 100;
    printf("grow 5 pages and 100 bytes: %s\n", sys_brk(want) == want ? "moved" : "refused");
    printf("the new pages are zero: %s\n", all(h, 5 * PG + 100, 0) ? "yes" : "no");
    memset(h, 0xa5, 5 * PG + 100);
    printf("past the break's page: %s\n", touch(h + 6 * PG, 0));
    printf("what was written before that fault is kept: %s\n",
           all(h, 5 * PG + 100, 0xa5) ? "yes" : "no");
    /* Grown again and written: a system call reads the new pages. */
    uintptr_t want2 = base + 9 * PG;
    sys_brk(want2);
    memset(h + 6 * PG, 0x5a, 3 * PG);
    char back[3 * PG];
    long w = write(p[1], h + 6 * PG, 3 * PG);
    long r = read(p[0], back, sizeof(back));
    printf("a write(2) from them: %ld, read back %ld, the bytes: %s\n", w, r,
           all(back, sizeof(back), 0x5a) ? "theirs" : "other");
    /* Grown, and a system call writes into the new pages before anything else. */
    if (write(p[1], "hello", 5) != 5)
        return 1;
    sys_brk(base + 11 * PG);
    r = read(p[0], h + 10 * PG + 7, 5);
    printf("a read(2) into them: %ld, %.5s; the rest still zero: %s\n", r, h + 10 * PG + 7,
           all(h + 9 * PG, 1 * PG + 7, 0) ? "yes" : "no");
    /* Shrunk: the pages are gone; grown again: zero, not what was there. */
    printf("shrink to one page: %s\n", sys_brk(base + PG) == base + PG ? "moved" : "refused");
    printf("a page it gave back: %s\n", touch(h + 2 * PG, 0));
    sys_brk(base + 4 * PG);
    printf("grown again: the first page kept %s, the others zero %s\n",
           all(h, PG, 0xa5) ? "yes" : "no", all(h + PG, 3 * PG, 0) ? "yes" : "no");
    /* A forked child: the pages its parent's break took just before, with their bytes. */
    sys_brk(base + 6 * PG);
    memset(h + 4 * PG, 0x77, 2 * PG);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = all(h + 4 * PG, 2 * PG, 0x77);
        uintptr_t c = sys_brk(base + 8 * PG);
        ok &= c == base + 8 * PG && all(h + 6 * PG, 2 * PG, 0);
        memset(h + 6 * PG, 0x66, 2 * PG);
        _exit(ok ? 0 : 1);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    printf("a forked child sees the parent's new pages and grows its own: %s\n",
           st == 0 ? "yes" : "no");
    const char *own = sys_brk(0) == base + 6 * PG ? "yes" : "no";
    printf("the parent's break is its own: %s, past it %s\n", own, touch(h + 7 * PG, 0));
    /* Protected before the VMM knew of them: read-only, and still what was written. */
    sys_brk(base + 8 * PG);
    h[6 * PG] = 3;
    printf("mprotect read-only of a page the break just took: %d\n",
           mprotect(h + 6 * PG, PG, PROT_READ));
    const char *wr = touch(h + 6 * PG, 1), *rd = touch(h + 6 * PG, 0);
    printf("a write to it: %s; a read %s, %d\n", wr, rd, h[6 * PG]);
    if (write(p[1], "x", 1) != 1)
        return 1;
    r = read(p[0], h + 6 * PG, 1);
    printf("read(2) into it: %s\n", r < 0 && errno == EFAULT ? "EFAULT" : "not refused");
    int rc = mprotect(h + 6 * PG, PG, PROT_READ | PROT_WRITE);
    printf("writable again: %d, %s, %d\n", rc, touch(h + 6 * PG + 1, 1), h[6 * PG]);
    /* More than the shim maps at once: the VMM's; the end of it is there, zero. */
    uintptr_t big = base + 8 * PG + (3ul << 20);
    const char *moved = sys_brk(big) == big ? "moved" : "refused";
    const char *zero = all((char *)big - PG, PG, 0) ? "yes" : "no";
    printf("grow by 3 MiB: %s, its last page zero %s and %s\n", moved, zero,
           touch((char *)big - 1, 1));
    sys_brk(base);
    printf("back to the start: %s\n", touch(h, 0));
    fflush(stdout);
    return 0;
}

/* mprotect as the shim answers it (all present, one page table, not PROT_NONE) and as the VMM
 * does the rest: rights take effect at once, the VMM's record follows, and refusals are
 * Linux's. */
static int mprotect_cases(void)
{
    catch_segv();
    char *m = mmap(NULL, 8 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED)
        return 1;
    memset(m, 0x11, 8 * PG);
    int p[2];
    if (pipe(p) < 0 || write(p[1], "abcdefgh", 8) != 8)
        return 1;
    int rc = mprotect(m, PG, PROT_READ);
    const char *wr = touch(m, 1), *rd = touch(m, 0);
    printf("read-only: %d; a write %s; a read %s, %#x\n", rc, wr, rd, m[0]);
    rc = mprotect(m + PG, PG, PROT_READ);
    printf("read-only, then read(2) into it at once: %d, %s\n", rc,
           read(p[0], m + PG, 1) < 0 && errno == EFAULT ? "EFAULT" : "not refused");
    rc = mprotect(m, 2 * PG, PROT_READ | PROT_WRITE);
    wr = touch(m, 1), rd = touch(m + PG + 5, 1);
    printf("both writable again: %d; writes %s %s, the bytes kept %s\n", rc, wr, rd,
           m[1] == 0x11 && m[PG] == 0x11 ? "yes" : "no");
    rc = mprotect(m + 2 * PG, PG, PROT_READ);
    int rc2 = mprotect(m + 3 * PG, PG, PROT_READ);
    wr = touch(m + 2 * PG, 1), rd = touch(m + 3 * PG, 1);
    printf("two in a row: %d %d; writes %s, %s\n", rc, rc2, wr, rd);
    /* mov $42, %eax; ret */
    static const unsigned char code[] = {0xb8, 42, 0, 0, 0, 0xc3};
    memcpy(m + 4 * PG, code, sizeof(code));
    rc = mprotect(m + 4 * PG, PG, PROT_READ | PROT_EXEC);
    printf("read and execute: %d, the code %s\n", rc, call(m + 4 * PG));
    rc = mprotect(m + 4 * PG, PG, PROT_READ);
    printf("read only again: %d, the code %s\n", rc, call(m + 4 * PG));
    rc = mprotect(m + 5 * PG, PG, PROT_WRITE);
    rd = touch(m + 5 * PG, 0), wr = touch(m + 5 * PG, 1);
    printf("write only (readable on x86 as on Linux): %d, a read %s, a write %s\n", rc, rd, wr);
    errno = 0;
    rc = mprotect(m + 1, PG, PROT_READ);
    printf("unaligned: %d (%s); ", rc, strerror(errno));
    printf("no bytes: %d; ", mprotect(m, 0, PROT_READ));
    errno = 0;
    rc = mprotect(m, PG, 0x100);
    printf("an unknown right: %d (%s)\n", rc, strerror(errno));
    munmap(m + 6 * PG, PG);
    errno = 0;
    rc = mprotect(m + 5 * PG, 3 * PG, PROT_READ);
    printf("over a hole: %d (%s); ", rc, strerror(errno));
    errno = 0;
    rc = mprotect(m + 6 * PG, PG, PROT_READ);
    printf("of the hole: %d (%s)\n", rc, strerror(errno));
    errno = 0;
    rc = mprotect((void *)0x7ffffffff000ul, 2 * PG, PROT_READ);
    printf("past the user half: %d (%s)\n", rc, strerror(errno));
    /* Across two page tables (a 2 MiB boundary): the VMM's, the same effect. */
    char *wide = mmap(NULL, 4ul << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *edge = (char *)(((uintptr_t)wide + (2ul << 20)) & ~((2ul << 20) - 1));
    rc = mprotect(edge - PG, 2 * PG, PROT_READ);
    wr = touch(edge - PG, 1), rd = touch(edge, 1);
    printf("across a 2 MiB boundary: %d, writes %s %s, after it %s\n", rc, wr, rd,
           touch(edge + PG, 1));
    /* A forked child keeps the rights its parent set just before. */
    mprotect(m + 7 * PG, PG, PROT_READ);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0)
        _exit(strcmp(touch(m + 7 * PG, 1), "SIGSEGV (no access)") == 0 && m[7 * PG] == 0x11 ? 0
                                                                                            : 1);
    int st = -1;
    waitpid(pid, &st, 0);
    printf("a forked child's write to it: %s\n", st == 0 ? "SIGSEGV (no access)" : "not refused");
    fflush(stdout);
    return 0;
}

/* Anonymous mmap and munmap as the shim answers them (small, private, no address asked for)
 * and as the VMM answers the rest: each mapping zero, writable, right below the last one (where
 * the kernel's top-down search puts it when nothing was unmapped before), as /proc/self/maps
 * describes it, gone when unmapped, zero when mapped again, copied by fork. */
static void *anon(size_t len, int prot, int flags)
{
    return mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
}

/* The line of /proc/self/maps that holds address p: its start and end, and its rights. */
static int maps_line(const void *p, uintptr_t *start, uintptr_t *end, char rights[5])
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return 0;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof(line), f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx %4s", &s, &e, rights) == 3 && s <= (uintptr_t)p &&
            (uintptr_t)p < e)
            *start = s, *end = e, found = 1;
    }
    fclose(f);
    return found;
}

static int anon_cases(void)
{
    catch_segv();
    char *a = anon(4 * PG, PROT_READ | PROT_WRITE, 0);
    char *b = anon(3 * PG + 100, PROT_READ | PROT_WRITE, 0);
    printf("two mappings: zero %s %s; the second right below the first: %s\n",
           all(a, 4 * PG, 0) ? "yes" : "no", all(b, 3 * PG + 100, 0) ? "yes" : "no",
           b + UP(3 * PG + 100) == a ? "yes" : "no");
    memset(a, 0x11, 4 * PG);
    memset(b, 0x22, 3 * PG);
    /* Not the shim's (MAP_NORESERVE): the VMM's search starts where the shim's left off. */
    char *c = anon(2 * PG, PROT_READ | PROT_WRITE, MAP_NORESERVE);
    printf("a mapping the shim leaves to the VMM lands right below: %s\n",
           c + 2 * PG == b ? "yes" : "no");
    uintptr_t s, e;
    char r[5] = "";
    int found = maps_line(b, &s, &e, r);
    printf("maps: the two are one %s mapping from the second's start past the first's end: %s\n", r,
           found && s == (uintptr_t)b && e >= (uintptr_t)a + 4 * PG ? "yes" : "no");
    found = maps_line(c, &s, &e, r);
    printf("maps: the MAP_NORESERVE one is its own: %s\n",
           found && s == (uintptr_t)c && e == (uintptr_t)b ? "yes" : "no");
    printf("the bytes written kept: %s\n",
           all(a, 4 * PG, 0x11) && all(b, 3 * PG, 0x22) ? "yes" : "no");
    /* An mprotect the shim answered, then a mapping: in that order in the map. */
    char *m = anon(2 * PG, PROT_READ | PROT_WRITE, 0);
    int rc = mprotect(m, PG, PROT_READ);
    char *m2 = anon(PG, PROT_READ | PROT_WRITE, 0);
    printf("mprotect, then a mapping: %d, right below %s; a write %s, below %s\n", rc,
           m2 + PG == m ? "yes" : "no", touch(m, 1), touch(m + PG, 1));
    /* More than the shim maps at once: the VMM's, in the same order. */
    char *big = anon(1ul << 20, PROT_READ | PROT_WRITE, 0);
    char *after = anon(PG, PROT_READ | PROT_WRITE, 0);
    printf("1 MiB: zero %s; the next right below it: %s\n", all(big, 1ul << 20, 0) ? "yes" : "no",
           after + PG == big ? "yes" : "no");
    /* Rights: none, read-only, read-write-execute. */
    char *n = anon(PG, PROT_NONE, 0);
    char *ro = anon(PG, PROT_READ, 0);
    printf("PROT_NONE: a read %s; PROT_READ: a read %s, a write %s\n", touch(n, 0), touch(ro, 0),
           touch(ro, 1));
    static const unsigned char code[] = {0xb8, 42, 0, 0, 0, 0xc3}; /* mov $42, %eax; ret */
    char *x = anon(PG, PROT_READ | PROT_WRITE | PROT_EXEC, 0);
    memcpy(x, code, sizeof(code));
    printf("read-write-execute: the code %s\n", call(x));
    /* Placement after an unmap is where the kernel and the personality differ (the kernel fills
     * the highest hole): from here on no address is compared but those asked for. */
    /* Unmapped: gone at once; the neighbours stay. */
    rc = munmap(b + PG, PG);
    printf("munmap of a page in the middle: %d; it %s; its neighbours %s %s, %s\n", rc,
           touch(b + PG, 0), touch(b, 1), touch(b + 2 * PG, 1),
           b[PG - 1] == 0x22 && b[2 * PG + 1] == 0x22 ? "kept" : "lost");
    rc = munmap(a, 4 * PG);
    printf("munmap of the first: %d; a read %s, a write %s\n", rc, touch(a, 0), touch(a + PG, 1));
    found = maps_line(a, &s, &e, r);
    printf("maps: the first is gone: %s\n", found ? "no" : "yes");
    /* Mapped again where it was (MAP_FIXED, and a hint): zero, not what was written. */
    char *d = anon(2 * PG, PROT_READ | PROT_WRITE, 0);
    memset(d, 0x5a, 2 * PG);
    munmap(d, 2 * PG);
    char *d2 =
        mmap(d, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    printf("unmapped, mapped again in place: %s, zero %s\n", d2 == d ? "same place" : "elsewhere",
           all(d, 2 * PG, 0) ? "yes" : "no");
    memset(d, 0x6b, 2 * PG);
    munmap(d, 2 * PG);
    char *d3 = mmap(d, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    printf("unmapped, asked for again by a hint: %s, zero %s\n",
           d3 == d ? "same place" : "elsewhere", all(d3, PG, 0) ? "yes" : "no");
    /* Refused as the kernel refuses. */
    errno = 0;
    void *z = anon(0, PROT_READ, 0);
    printf("0 bytes: %s (%s); ", z == MAP_FAILED ? "refused" : "mapped", strerror(errno));
    errno = 0;
    rc = munmap(after + 1, PG);
    printf("munmap unaligned: %d (%s)\n", rc, strerror(errno));
    /* A forked child: the pages mapped just before, with their bytes; its own mappings. */
    char *f = anon(3 * PG, PROT_READ | PROT_WRITE, 0);
    memset(f, 0x77, 3 * PG);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        int ok = all(f, 3 * PG, 0x77);
        memset(f, 0x66, 3 * PG);
        char *g = anon(2 * PG, PROT_READ | PROT_WRITE, 0);
        ok &= g != MAP_FAILED && all(g, 2 * PG, 0);
        ok &= munmap(f, PG) == 0;
        _exit(ok ? 0 : 1);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    printf("a forked child sees the new pages and maps its own: %s; the parent's bytes kept: %s\n",
           st == 0 ? "yes" : "no", all(f, 3 * PG, 0x77) ? "yes" : "no");
    fflush(stdout);
    return 0;
}

/* Many small mappings, made, written and unmapped back to back: vm_suite.sh reads --stats for
 * how few exits they took. Of 1 to 16 pages (the shim's pool runs out first), then of one page
 * (its log of what the VMM must replay fills first). */
static int map_touch_unmap(size_t len)
{
    char *p = anon(len, PROT_READ | PROT_WRITE, 0);
    if (p == MAP_FAILED || p[0] != 0 || p[len - 1] != 0)
        return 0;
    p[0] = p[len - 1] = 1;
    return munmap(p, len) == 0;
}

static volatile int handled, handler_ok = 1;
static void on_alarm_map(int sig)
{
    (void)sig;
    handler_ok &= map_touch_unmap(2 * PG);
    handled++;
}

static int anon_loop(void)
{
    int ok = 1;
    for (int i = 0; i < 256; i++)
        ok &= map_touch_unmap((size_t)(1 + i % 16) * PG);
    for (int i = 0; i < 256; i++)
        ok &= map_touch_unmap(PG);
    printf("512 mappings made and unmapped: %s\n", ok ? "ok" : "FAILED");
    return 0;
}

static int anon_signals(void)
{
    int ok = 1;
    /* Timer signals, one at a time, land anywhere in the loop (in the shim halfway through an
     * answer too), and their handler maps and unmaps as well: nothing is lost or given twice. */
    signal(SIGALRM, on_alarm_map);
    for (int i = 1; i <= 50; i++) {
        struct itimerval it = {{0, 0}, {0, 300}};
        setitimer(ITIMER_REAL, &it, NULL);
        while (handled < i)
            ok &= map_touch_unmap((size_t)(1 + i % 4) * PG);
    }
    printf("50 timer signals while mapping, their handler mapping too: %s\n",
           ok && handler_ok ? "ok" : "FAILED");
    return 0;
}

/* Mappings until memory runs out (in a VM: its --memory) or 200 MiB, the break grown by a page
 * between them: where the shim's two pools meet, no page may be handed out twice. Each page
 * holds its own number; all are checked at the end, then given back. */
static int anon_full(void)
{
    enum { CHUNK = 16 * PG, MAX = 3200 };
    static char *maps[MAX];
    uintptr_t b0 = UP(sys_brk(0)), b = b0;
    int n = 0, ok = 1;
    for (; n < MAX; n++) {
        char *p = anon(CHUNK, PROT_READ | PROT_WRITE, 0);
        if (p == MAP_FAILED)
            break;
        maps[n] = p;
        for (unsigned i = 0; i < CHUNK / PG; i++) {
            int *w = (int *)(p + i * PG);
            ok &= w[0] == 0 && w[PG / sizeof(int) - 1] == 0;
            w[0] = n * 16 + (int)i;
        }
        if (sys_brk(b + PG) == b + PG) {
            int *w = (int *)b;
            ok &= w[0] == 0;
            w[0] = -1 - (int)((b - b0) / PG);
            b += PG;
        }
    }
    for (int k = 0; k < n; k++)
        for (unsigned i = 0; i < CHUNK / PG; i++)
            ok &= *(int *)(maps[k] + i * PG) == k * 16 + (int)i;
    for (uintptr_t a = b0; a < b; a += PG)
        ok &= *(int *)a == -1 - (int)((a - b0) / PG);
    for (int k = 0; k < n; k++)
        munmap(maps[k], CHUNK);
    sys_brk(b0);
    printf("mappings until memory ran out, the break grown between them: each page given once, "
           "zero, kept: %s\n",
           ok && n > 0 ? "yes" : "no");
    return 0;
}

/* prlimit64 that only asks: Linux's answer, the one getrlimit gives, after setrlimit and
 * prlimit64 that set, in a forked child; refusals and bad buffers. */
static long plim(long pid, long res, const void *nl, void *ol)
{
    long r = syscall(SYS_prlimit64, pid, res, nl, ol);
    return r < 0 ? -errno : r;
}

static int limits_cases(void)
{
    int same = 1;
    for (long res = 0; res < 16; res++) {
        struct rlimit a, b;
        memset(&a, 0x5a, sizeof(a));
        same &= plim(0, res, NULL, &a) == 0 && syscall(SYS_getrlimit, res, &b) == 0 &&
                memcmp(&a, &b, sizeof(a)) == 0;
        struct rlimit c;
        same &= plim(getpid(), res, NULL, &c) == 0 && memcmp(&a, &c, sizeof(a)) == 0;
    }
    printf("the 16 limits, as getrlimit and prlimit64 of the pid read them: %s\n",
           same ? "yes" : "no");
    /* The largest file this process may write (not RLIMIT_NOFILE: a VM's fork needs fds of its
     * own high up). */
    struct rlimit l, o;
    plim(0, RLIMIT_FSIZE, NULL, &l);
    rlim_t hard = l.rlim_max;
    l.rlim_cur = 1ul << 30;
    setrlimit(RLIMIT_FSIZE, &l);
    plim(0, RLIMIT_FSIZE, NULL, &l);
    printf("after setrlimit: %#lx, the hard limit kept %s\n", (unsigned long)l.rlim_cur,
           l.rlim_max == hard ? "yes" : "no");
    l.rlim_cur = 1ul << 29;
    long r = plim(0, RLIMIT_FSIZE, &l, &o);
    plim(0, RLIMIT_FSIZE, NULL, &l);
    printf("prlimit64 that sets: %ld, old %#lx, now %#lx\n", r, (unsigned long)o.rlim_cur,
           (unsigned long)l.rlim_cur);
    printf("resource 16: %ld, 1000: %ld, -1: %ld; no old asked: %ld\n", plim(0, 16, NULL, &l),
           plim(0, 1000, NULL, &l), plim(0, -1, NULL, &l), plim(0, 0, NULL, NULL));
    printf("old to NULL+8: %ld, the kernel half: %ld, the shim: %ld\n", plim(0, 0, NULL, (void *)8),
           plim(0, 0, NULL, (void *)0xffff800000000000ull),
           plim(0, 0, NULL, (void *)0xffffffff80002000ull));
    char *two = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(two, 0x33, 2 * PG);
    mprotect(two, PG, PROT_READ);
    long rr = plim(0, 0, NULL, two + 64);
    printf("into a read-only page: %ld, untouched %d\n", rr, two[64] == 0x33);
    printf("the last 16 bytes of a page: %ld; across into an unmapped one: ",
           plim(0, RLIMIT_NOFILE, NULL, two + 2 * PG - 16));
    munmap(two + PG, PG);
    printf("%ld\n", plim(0, 0, NULL, two + PG - 8));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        plim(0, RLIMIT_FSIZE, NULL, &l);
        _exit(l.rlim_cur == 1ul << 29 ? 0 : 1);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    printf("a forked child's: the parent's %s\n", st == 0 ? "yes" : "no");
    return 0;
}

/* prctl(PR_GET_NAME): the name set last, NUL-padded; truncated names; refusals; per thread. */
static void *name_thread(void *arg)
{
    prctl(PR_SET_NAME, "other-thread");
    char n[16];
    prctl(PR_GET_NAME, n);
    *(int *)arg = strcmp(n, "other-thread") == 0;
    return NULL;
}

static long get_name(void *buf)
{
    long r = syscall(SYS_prctl, PR_GET_NAME, buf, 0, 0, 0);
    return r < 0 ? -errno : r;
}

static int name_cases(void)
{
    char n[16];
    memset(n, 0x5a, sizeof(n));
    long r = get_name(n);
    printf("the name: %ld, NUL-terminated %s\n", r, memchr(n, 0, sizeof(n)) ? "yes" : "no");
    char want[16] = "shim-name";
    prctl(PR_SET_NAME, "shim-name");
    memset(n, 0x5a, sizeof(n));
    r = get_name(n);
    printf("after PR_SET_NAME: %ld, %s, NUL-padded %s\n", r, n,
           memcmp(n, want, sizeof(n)) == 0 ? "yes" : "no");
    prctl(PR_SET_NAME, "a-name-of-twenty-chr");
    get_name(n);
    printf("a long one is cut: %s\n", n);
    printf("to NULL: %ld, the kernel half: %ld, the shim: %ld\n", get_name(NULL),
           get_name((void *)0xffff800000000000ull), get_name((void *)0xffffffff80002000ull));
    char *two = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(two, 0x33, 2 * PG);
    mprotect(two, PG, PROT_READ);
    r = get_name(two + 8);
    printf("into a read-only page: %ld, untouched %d\n", r, two[8] == 0x33);
    printf("the last 16 bytes of a page: %ld, %s; ", get_name(two + 2 * PG - 16),
           two + 2 * PG - 16);
    munmap(two + PG, PG);
    printf("across into an unmapped one: %ld\n", get_name(two + PG - 8));
    prctl(PR_SET_NAME, "main-thread");
    int ok = 0;
    pthread_t t;
    if (pthread_create(&t, NULL, name_thread, &ok) != 0)
        return 1;
    pthread_join(t, NULL);
    get_name(n);
    printf("another thread names itself: %s; this one's stays %s\n", ok ? "yes" : "no", n);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        get_name(n);
        _exit(strcmp(n, "main-thread") == 0 ? 0 : 1);
    }
    int st = -1;
    waitpid(pid, &st, 0);
    printf("a forked child's: its parent's %s\n", st == 0 ? "yes" : "no");
    return 0;
}

/* The signal mask (blocked by the shim, unblocked by the VMM): a blocked signal stays pending
 * until unblocked, then runs at once; a forked child inherits the mask but not what is
 * pending; execve keeps both (signal(7)). */
static int sigmask_cases(int argc, char **argv)
{
    sigset_t cur, pend;
    if (argc > 2) {
        sigprocmask(SIG_BLOCK, NULL, &cur);
        sigpending(&pend);
        printf("after execve: SIGUSR1 blocked %d, pending %d; SIGUSR2 blocked %d\n",
               sigismember(&cur, SIGUSR1), sigismember(&pend, SIGUSR1), sigismember(&cur, SIGUSR2));
        return 0;
    }
    signal(SIGUSR1, on_signal);
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR1);
    sigpending(&pend);
    printf("blocked and raised: caught %d, pending %d\n", caught, sigismember(&pend, SIGUSR1));
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        sigprocmask(SIG_BLOCK, NULL, &cur);
        sigpending(&pend);
        _exit(sigismember(&cur, SIGUSR1) << 1 | sigismember(&pend, SIGUSR1));
    }
    int st = -1;
    waitpid(pid, &st, 0);
    printf("a forked child: SIGUSR1 blocked %d, pending %d\n", WEXITSTATUS(st) >> 1,
           WEXITSTATUS(st) & 1);
    sigprocmask(SIG_UNBLOCK, &s, NULL);
    printf("unblocked: caught %d\n", caught);
    caught = 0;
    sigprocmask(SIG_BLOCK, &s, NULL);
    raise(SIGUSR1);
    printf("blocked again and raised: caught %d\n", caught);
    fflush(stdout);
    execl(argv[0], argv[0], "sigmask", "after-exec", (char *)NULL);
    printf("execve: %s\n", strerror(errno));
    return 1;
}

/* rt_sigprocmask by the shim: the raw call, its mask words, and a handler that counts its
 * runs and says in which thread the last one ran. */
static long sys_sigmask(long how, const uint64_t *set, uint64_t *old)
{
    long r = syscall(SYS_rt_sigprocmask, how, set, old, 8);
    return r < 0 ? -errno : r;
}

static uint64_t cur_mask(void)
{
    uint64_t m = 0;
    sys_sigmask(SIG_BLOCK, NULL, &m);
    return m;
}

#define SIGBIT(s) (1ull << ((s)-1))

static volatile int mask_runs, mask_tid;

/* Spin in ring 3, where the only calls are the vDSO's clock reads (no exit), for ns nanoseconds
 * or until *until is set (until may be NULL). */
static void spin(long ns, const volatile int *until)
{
    struct timespec t0, t;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    do
        clock_gettime(CLOCK_MONOTONIC, &t);
    while (!(until && *until) &&
           (t.tv_sec - t0.tv_sec) * 1000000000L + t.tv_nsec - t0.tv_nsec < ns);
}
static void on_mask_signal(int sig)
{
    (void)sig;
    mask_runs++;
    mask_tid = gettid();
}

/* Queries and calls that change nothing or only block signals with a handler, back to back:
 * counted, with no exit (vm_suite.sh reads --stats). */
static int sigmask_loop(void)
{
    uint64_t u1 = SIGBIT(SIGUSR1), none = 0, old = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_mask_signal;
    sigaction(SIGUSR1, &sa, NULL);
    for (int sig = 34; sig < 64; sig++)
        sigaction(sig, &sa, NULL);
    int ok = sys_sigmask(SIG_BLOCK, &u1, NULL) == 0;
    for (int i = 0; i < 1000; i++) {
        ok &= sys_sigmask(SIG_BLOCK, NULL, &old) == 0 && (old & u1);
        ok &= sys_sigmask(SIG_BLOCK, &u1, NULL) == 0;
        ok &= sys_sigmask(SIG_SETMASK, &old, &old) == 0;
        ok &= sys_sigmask(SIG_UNBLOCK, &none, NULL) == 0;
        /* Real-time signals 34 to 63, one more blocked each time round until all are. */
        uint64_t rt = SIGBIT(34 + i % 30);
        ok &= sys_sigmask(SIG_BLOCK, &rt, NULL) == 0;
    }
    ok &= cur_mask() == (u1 | (SIGBIT(64) - SIGBIT(34)));
    /* Blocked, then unblocked, with no call between that the VMM serves. */
    uint64_t u2 = SIGBIT(SIGUSR2);
    sigaction(SIGUSR2, &sa, NULL);
    for (int i = 0; i < 1000; i++) {
        ok &= sys_sigmask(SIG_BLOCK, &u2, &old) == 0 && !(old & u2);
        ok &= sys_sigmask(SIG_SETMASK, &old, &old) == 0 && (old & u2);
    }
    ok &= !(cur_mask() & u2) && !mask_runs;
    printf("7000 rt_sigprocmask calls, none unblocking what was blocked before: %s\n",
           ok ? "ok" : "FAILED");
    return 0;
}

/* Every signal blocked, then unblocked again while none is pending, 1000 times: the first block
 * is the VMM's (some have no handler), the rest the shim's, the thread guarded (vm_sigguard.c);
 * vm_suite.sh reads --stats for the exits. */
static int sigmask_unblock(void)
{
    uint64_t all = ~0ull, old, now;
    int ok = 1;
    for (int i = 0; i < 1000; i++) {
        ok &= sys_sigmask(SIG_SETMASK, &all, &old) == 0 && old == 0;
        ok &= sys_sigmask(SIG_SETMASK, &old, &now) == 0 && now == 0xfffffffffffbfeffull;
    }
    printf("1000 times every signal blocked, then unblocked while none is pending: %s\n",
           ok && cur_mask() == 0 ? "ok" : "FAILED");
    return 0;
}

/* Every signal blocked and the mask put back, three times: the first block of signals without
 * a handler is the VMM's, which guards the thread from then on (vm_sigguard.c). */
static void block_all_and_back(void)
{
    uint64_t all = ~0ull, old;
    for (int i = 0; i < 3; i++) {
        sys_sigmask(SIG_SETMASK, &all, &old);
        sys_sigmask(SIG_SETMASK, &old, NULL);
    }
}

/* A timer's SIGALRM after us microseconds, while set is blocked (how; *old gets the mask of
 * before) and ring 3 spins ns nanoseconds without a call: what is pending then. */
static uint64_t timer_while_blocked(long us, int how, const uint64_t *set, uint64_t *old, long ns)
{
    struct itimerval it = {{0, 0}, {0, us}};
    setitimer(ITIMER_REAL, &it, NULL);
    sys_sigmask(how, set, old);
    spin(ns, NULL);
    uint64_t pend = 0;
    syscall(SYS_rt_sigpending, &pend, 8);
    return pend;
}

/* Signals the host would act on by itself (a default action, an ignored signal) come while
 * ring 3 spins after the shim blocked them, with no exit between: each waits, as Linux keeps a
 * blocked signal, and is acted on once unblocked. The first blocks of every signal are the
 * VMM's; from then on the shim answers them (vm_sigguard.c). */
static int sigmask_guard(void)
{
    uint64_t all = ~0ull, old, pend = 0;
    block_all_and_back();
    /* SIGCHLD at its default: unblocked it would be dropped; blocked, sigtimedwait takes it. */
    int go[2];
    if (pipe(go) < 0)
        return 1;
    pid_t kid = fork();
    if (kid == 0) {
        char b;
        if (read(go[0], &b, 1) != 1)
            _exit(1);
        struct timespec d = {0, 200000000L};
        nanosleep(&d, NULL);
        _exit(7);
    }
    if (write(go[1], "x", 1) != 1)
        return 1;
    sys_sigmask(SIG_SETMASK, &all, &old);
    spin(1000000000L, NULL);
    syscall(SYS_rt_sigpending, &pend, 8);
    uint64_t chld = SIGBIT(SIGCHLD);
    struct timespec zero = {0, 0};
    int taken = syscall(SYS_rt_sigtimedwait, &chld, NULL, &zero, 8) == SIGCHLD;
    sys_sigmask(SIG_SETMASK, &old, NULL);
    waitpid(kid, NULL, 0);
    printf("SIGCHLD at its default, blocked while ring 3 spins: pending %d, taken by "
           "sigtimedwait %d\n",
           !!(pend & chld), taken);
    /* An ignored signal is kept while blocked (signal(7)), and dropped once unblocked. */
    signal(SIGALRM, SIG_IGN);
    pend = timer_while_blocked(200000, SIG_SETMASK, &all, &old, 1000000000L);
    int kept = !!(pend & SIGBIT(SIGALRM));
    sys_sigmask(SIG_SETMASK, &old, NULL);
    syscall(SYS_rt_sigpending, &pend, 8);
    printf("SIGALRM ignored, blocked while ring 3 spins: pending %d; unblocked: pending %d\n",
           kept, !!(pend & SIGBIT(SIGALRM)));
    signal(SIGALRM, SIG_DFL);
    /* A child (not pid 1, which Linux spares the default actions) with SIGTERM and SIGTSTP at
     * their defaults, both blocked: neither ends nor stops it until it unblocks them. In a
     * process group of its own, which is not orphaned: Linux drops a stop signal for one. */
    int rep[2];
    if (pipe(rep) < 0)
        return 1;
    fflush(stdout);
    kid = fork();
    if (kid == 0) {
        setpgid(0, 0);
        block_all_and_back();
        if (write(rep[1], "r", 1) != 1)
            _exit(1);
        sys_sigmask(SIG_SETMASK, &all, &old);
        spin(1500000000L, NULL);
        syscall(SYS_rt_sigpending, &pend, 8);
        char r = (char)('0' + !!(pend & SIGBIT(SIGTERM)) + 2 * !!(pend & SIGBIT(SIGTSTP)));
        if (write(rep[1], &r, 1) != 1)
            _exit(1);
        uint64_t tstp = SIGBIT(SIGTSTP);
        sys_sigmask(SIG_UNBLOCK, &tstp, NULL);
        sys_sigmask(SIG_SETMASK, &old, NULL);
        _exit(3);
    }
    /* Should the child end early, its pipe ends with it, and what it failed to say shows. */
    close(rep[1]);
    char r = '0';
    if (read(rep[0], &r, 1) != 1)
        r = '0';
    struct timespec d = {0, 200000000L};
    nanosleep(&d, NULL);
    kill(kid, SIGTERM);
    kill(kid, SIGTSTP);
    nanosleep(&d, NULL);
    int st = 0;
    int early = waitpid(kid, &st, WUNTRACED | WNOHANG) != 0;
    if (early && WIFSTOPPED(st))
        kill(kid, SIGCONT);
    if (read(rep[0], &r, 1) != 1)
        r = '0';
    int stopped = waitpid(kid, &st, WUNTRACED) == kid && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP;
    kill(kid, SIGCONT);
    int killed = waitpid(kid, &st, 0) == kid && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM;
    printf("a child's SIGTERM and SIGTSTP at their defaults, blocked while it spins: stopped or "
           "ended while blocked %d, pending %d %d; SIGTSTP unblocked: stopped %d; SIGCONT, then "
           "SIGTERM unblocked: killed by SIGTERM %d\n",
           early, (r - '0') & 1, ((r - '0') >> 1) & 1, stopped, killed);
    return 0;
}

/* Timer signals land anywhere in a loop of block and unblock pairs (in the shim halfway through
 * an answer too): the handler never runs inside the blocked section, and runs once for each. */
static volatile int in_section, ran_inside, race_runs;
static void on_race(int sig)
{
    (void)sig;
    ran_inside += in_section;
    race_runs++;
}

static int sigmask_race(void)
{
    signal(SIGALRM, on_race);
    /* SIGALRM alone (blocked without an exit), then every signal (SIGTERM's default action too:
     * blocked by the VMM the first time, by the shim once the thread is guarded). */
    uint64_t al = SIGBIT(SIGALRM), all = ~0ull, old;
    for (int i = 1; i <= 50; i++) {
        struct itimerval it = {{0, 0}, {0, 300}};
        setitimer(ITIMER_REAL, &it, NULL);
        while (race_runs < i) {
            sys_sigmask(SIG_BLOCK, i <= 25 ? &al : &all, &old);
            in_section = 1;
            for (volatile int k = 0; k < 20; k++)
                ;
            in_section = 0;
            sys_sigmask(SIG_SETMASK, &old, NULL);
        }
    }
    spin(100000000L, NULL);
    printf("50 timer signals around block and unblock pairs: ran inside the blocked section %d "
           "times; ran %d times\n",
           ran_inside, race_runs);
    return 0;
}

/* A signal that comes while blocked runs exactly when unblocked, by SIG_UNBLOCK or SIG_SETMASK,
 * once; SIGKILL and SIGSTOP are never blocked; fork and execve keep the mask (signal(7)). */
static int sigmask_deliver(int argc, char **argv)
{
    uint64_t u1 = SIGBIT(SIGUSR1), u2 = SIGBIT(SIGUSR2), al = SIGBIT(SIGALRM), old, pend, pend2;
    if (argc > 2) {
        printf("after execve: SIGUSR1 blocked %d, SIGUSR2 blocked %d\n", !!(cur_mask() & u1),
               !!(cur_mask() & u2));
        return 0;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_mask_signal;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGALRM, &sa, NULL);
    sys_sigmask(SIG_BLOCK, &u1, NULL);
    kill(getpid(), SIGUSR1);
    int before = mask_runs;
    long r = sys_sigmask(SIG_UNBLOCK, &u1, NULL);
    printf("kill while blocked: ran %d before SIG_UNBLOCK (%ld), %d right after\n", before, r,
           mask_runs);
    mask_runs = 0;
    sys_sigmask(SIG_BLOCK, &u1, &old);
    syscall(SYS_tgkill, getpid(), gettid(), SIGUSR1);
    syscall(SYS_rt_sigpending, &pend, 8);
    before = mask_runs;
    r = sys_sigmask(SIG_SETMASK, &old, NULL);
    printf("tgkill while blocked: pending %d, ran %d before SIG_SETMASK (%ld), %d right after\n",
           !!(pend & u1), before, r, mask_runs);
    /* Blocked by the shim, then a timer's signal while ring 3 spins without a call: it waits
     * for the unblocking, or for a signalfd to read it. */
    for (int round = 0; round < 2; round++) {
        mask_runs = 0;
        pend = timer_while_blocked(50000, SIG_BLOCK, &al, &old, 500000000L);
        int read_by_fd = 0;
        if (round == 1) {
            sigset_t s;
            sigemptyset(&s);
            sigaddset(&s, SIGALRM);
            int fd = signalfd(-1, &s, SFD_NONBLOCK | SFD_CLOEXEC);
            struct signalfd_siginfo si;
            read_by_fd =
                fd >= 0 && read(fd, &si, sizeof(si)) == sizeof(si) && si.ssi_signo == SIGALRM;
            if (fd >= 0)
                close(fd);
        }
        before = mask_runs;
        r = sys_sigmask(SIG_SETMASK, &old, NULL);
        printf("a timer while blocked and spinning: pending %d, read by a signalfd %d, ran %d "
               "before SIG_SETMASK (%ld), %d right after\n",
               !!(pend & al), read_by_fd, before, r, mask_runs);
    }
    /* Every signal blocked (by the VMM), then a timer's signal while ring 3 spins without a
     * call: SIG_SETMASK back runs its handler at once. */
    mask_runs = 0;
    {
        uint64_t all = ~0ull;
        struct itimerval it = {{0, 0}, {0, 50000}};
        setitimer(ITIMER_REAL, &it, NULL);
        sys_sigmask(SIG_SETMASK, &all, &old);
        spin(500000000L, NULL);
        before = mask_runs;
        r = sys_sigmask(SIG_SETMASK, &old, NULL);
        printf("a timer while all are blocked and spinning: ran %d before SIG_SETMASK (%ld), %d "
               "right after\n",
               before, r, mask_runs);
        /* All blocked again, unblocked at once (none pending), then the timer while ring 3
         * spins: it runs during the spin. */
        mask_runs = 0;
        setitimer(ITIMER_REAL, &it, NULL);
        sys_sigmask(SIG_SETMASK, &all, &old);
        sys_sigmask(SIG_SETMASK, &old, NULL);
        spin(2000000000L, &mask_runs);
        printf("a timer after all were blocked and unblocked, while spinning: ran during the "
               "spin %d\n",
               mask_runs);
    }
    /* A timer's SIGALRM left at its default action, blocked: it waits too, and ends nothing. */
    signal(SIGALRM, SIG_DFL);
    pend = timer_while_blocked(50000, SIG_BLOCK, &al, &old, 500000000L);
    signal(SIGALRM, SIG_IGN); /* a pending signal set to be ignored is dropped (signal(7)) */
    r = sys_sigmask(SIG_SETMASK, &old, NULL);
    syscall(SYS_rt_sigpending, &pend2, 8);
    printf("a timer's SIGALRM at its default, blocked: pending %d; ignored, then unblocked (%ld): "
           "pending %d\n",
           !!(pend & al), r, !!(pend2 & al));
    uint64_t all = ~0ull;
    sys_sigmask(SIG_BLOCK, &all, &old);
    uint64_t now = cur_mask();
    printf("SIG_BLOCK of all: %#llx, SIGKILL blocked %d, SIGSTOP blocked %d\n",
           (unsigned long long)now, !!(now & SIGBIT(SIGKILL)), !!(now & SIGBIT(SIGSTOP)));
    sys_sigmask(SIG_SETMASK, &old, NULL);
    sys_sigmask(SIG_SETMASK, &all, NULL);
    now = cur_mask();
    printf("SIG_SETMASK of all: SIGKILL blocked %d, SIGSTOP blocked %d\n",
           !!(now & SIGBIT(SIGKILL)), !!(now & SIGBIT(SIGSTOP)));
    sys_sigmask(SIG_SETMASK, &old, NULL);
    fflush(stdout);
    /* A child that blocks all is still killed by SIGKILL; it inherits the mask the shim set. */
    sys_sigmask(SIG_BLOCK, &u2, NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int inherited = (cur_mask() & (u1 | u2)) == u2;
        if (!inherited)
            _exit(1);
        sys_sigmask(SIG_BLOCK, &all, NULL);
        kill(getpid(), SIGKILL);
        _exit(2);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    printf("a forked child: mask inherited %d; all blocked, SIGKILL still kills it: %d\n",
           !(WIFEXITED(st) && WEXITSTATUS(st) == 1), WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    fflush(stdout);
    execl(argv[0], argv[0], "sigmask-deliver", "after-exec", (char *)NULL);
    printf("execve: %s\n", strerror(errno));
    return 1;
}

/* Linux's answers at the edges, whoever gives them (the shim, or the VMM it hands the call
 * to): wrong sizes and `how`s, bad and read-only buffers, a buffer across two pages, set and
 * old mask in one word, `how` with its upper half set. */
static int sigmask_edges(void)
{
    uint64_t u1 = SIGBIT(SIGUSR1), u2 = SIGBIT(SIGUSR2), w = 0x5a5a, none = 0;
    long r4 = syscall(SYS_rt_sigprocmask, SIG_BLOCK, &u1, NULL, 4) < 0 ? -errno : 0;
    long r16 = syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &w, 16) < 0 ? -errno : 0;
    printf("size 4: %ld, size 16: %ld, old mask written %d\n", r4, r16, w != 0x5a5a);
    long r = sys_sigmask(7, &u1, &w);
    printf("how 7 with a set: %ld, old mask written %d, SIGUSR1 blocked %d\n", r, w != 0x5a5a,
           !!(cur_mask() & u1));
    r = sys_sigmask(7, NULL, &w);
    printf("how 7 without a set: %ld, old mask written %d\n", r, w == cur_mask());
    r = sys_sigmask(SIG_BLOCK, (uint64_t *)8, NULL);
    printf("a set at address 8: %ld\n", r);
    r = sys_sigmask(SIG_BLOCK, &u2, (uint64_t *)8);
    printf("old mask to address 8: %ld, SIGUSR2 blocked anyway %d\n", r, !!(cur_mask() & u2));
    sys_sigmask(SIG_UNBLOCK, &u2, NULL);
    char *pg = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memcpy(pg + PG - 4, &u1, 8);
    r = sys_sigmask(SIG_BLOCK, (uint64_t *)(pg + PG - 4), (uint64_t *)(pg + PG + 4));
    memcpy(&w, pg + PG + 4, 8);
    printf("set and old mask across a page end: %ld, old %#llx, SIGUSR1 blocked %d\n", r,
           (unsigned long long)w, !!(cur_mask() & u1));
    sys_sigmask(SIG_UNBLOCK, &u1, NULL);
    mprotect(pg, PG, PROT_READ);
    r = sys_sigmask(SIG_BLOCK, &u2, (uint64_t *)pg);
    printf("old mask to a read-only page: %ld, SIGUSR2 blocked anyway %d\n", r,
           !!(cur_mask() & u2));
    mprotect(pg, PG, PROT_NONE);
    r = sys_sigmask(SIG_BLOCK, (uint64_t *)pg, NULL);
    printf("a set in a PROT_NONE page: %ld\n", r);
    munmap(pg, 2 * PG);
    w = u1;
    r = sys_sigmask(SIG_BLOCK, &w, &w);
    printf("set and old mask one word: %ld, old %#llx, now %#llx\n", r, (unsigned long long)w,
           (unsigned long long)cur_mask());
    r = syscall(SYS_rt_sigprocmask, 0x100000000L | SIG_UNBLOCK, &u1, NULL, 8) < 0 ? -errno : 0;
    printf("SIG_UNBLOCK with the upper half of how set: %ld, SIGUSR1 blocked %d\n", r,
           !!(cur_mask() & u1));
    r = sys_sigmask(SIG_UNBLOCK, &none, NULL);
    printf("SIG_UNBLOCK of nothing: %ld, mask %#llx\n", r, (unsigned long long)cur_mask());
    return 0;
}

/* Each thread's mask is its own: a new thread starts with its creator's; pthread_sigmask in
 * two threads at once changes only the caller's; a process-wide signal runs in the thread
 * that does not block it. */
static pthread_barrier_t mask_step;
static volatile int other_tid, mask_flips_ok = 1;
static uint64_t other_start, other_seen;

static void *mask_thread(void *arg)
{
    (void)arg;
    other_tid = gettid();
    other_start = cur_mask();
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &s, NULL);
    pthread_barrier_wait(&mask_step); /* blocked SIGUSR1 */
    pthread_barrier_wait(&mask_step); /* the other thread looked and changed its own */
    other_seen = cur_mask();
    /* Flips of SIGUSR1 here while the first thread flips SIGUSR2: neither sees the other's
     * (SIGUSR2 stays blocked here, as the thread started). */
    for (int i = 0; i < 200; i++) {
        pthread_sigmask(i & 1 ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL);
        uint64_t m = cur_mask();
        mask_flips_ok &= !!(m & SIGBIT(SIGUSR1)) == (i & 1) && (m & SIGBIT(SIGUSR2));
    }
    pthread_sigmask(SIG_UNBLOCK, &s, NULL);
    pthread_barrier_wait(&mask_step); /* SIGUSR1 unblocked here */
    spin(10000000000L, &mask_runs);
    return NULL;
}

static int sigmask_threads(void)
{
    uint64_t u1 = SIGBIT(SIGUSR1), u2 = SIGBIT(SIGUSR2);
    signal(SIGUSR1, on_mask_signal);
    sys_sigmask(SIG_BLOCK, &u2, NULL);
    pthread_barrier_init(&mask_step, NULL, 2);
    pthread_t t;
    if (pthread_create(&t, NULL, mask_thread, NULL) != 0)
        return 1;
    pthread_barrier_wait(&mask_step);
    uint64_t mine = cur_mask() & (u1 | u2);
    sys_sigmask(SIG_UNBLOCK, &u2, NULL);
    pthread_barrier_wait(&mask_step);
    int ok = 1;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR2);
    for (int i = 0; i < 200; i++) {
        pthread_sigmask(i & 1 ? SIG_BLOCK : SIG_UNBLOCK, &s, NULL);
        uint64_t m = cur_mask();
        ok &= !!(m & u2) == (i & 1) && !(m & u1);
    }
    sys_sigmask(SIG_BLOCK, &u1, NULL);
    pthread_barrier_wait(&mask_step);
    kill(getpid(), SIGUSR1);
    pthread_join(t, NULL);
    printf("the new thread started with its creator's mask: %d\n", (other_start & (u1 | u2)) == u2);
    printf("its SIGUSR1 blocked, not the creator's: %d\n", mine == u2);
    printf("the creator's SIGUSR2 unblocked, not the thread's: %d\n",
           (other_seen & (u1 | u2)) == (u1 | u2));
    printf("200 pthread_sigmask flips in each of 2 threads at once, each its own: %d %d\n", ok,
           mask_flips_ok);
    printf("a process-wide SIGUSR1 ran once, in the thread that did not block it: %d %d\n",
           mask_runs, mask_tid == other_tid);
    return 0;
}

/* Two threads, and the creator blocks every signal (the shim's answer, once the VMM guards it)
 * and spins: a process-wide SIGALRM that comes meanwhile runs at once in the other thread,
 * which does not block it; a SIGUSR2 both block waits, and runs in the creator once it unblocks
 * it. Both from timers, while ring 3 spins with no exit. */
static volatile int guard_done, usr2_runs, usr2_tid;
static void on_guard_usr2(int sig)
{
    (void)sig;
    usr2_runs++;
    usr2_tid = gettid();
}

static void *guard_thread(void *arg)
{
    (void)arg;
    other_tid = gettid();
    uint64_t u2 = SIGBIT(SIGUSR2);
    sys_sigmask(SIG_BLOCK, &u2, NULL);
    pthread_barrier_wait(&mask_step);
    spin(20000000000L, &guard_done);
    return NULL;
}

static int sigmask_guard_threads(void)
{
    uint64_t all = ~0ull, old, pend = 0;
    signal(SIGALRM, on_mask_signal);
    signal(SIGUSR2, on_guard_usr2);
    pthread_barrier_init(&mask_step, NULL, 2);
    pthread_t t;
    if (pthread_create(&t, NULL, guard_thread, NULL) != 0)
        return 1;
    block_all_and_back();
    pthread_barrier_wait(&mask_step);
    struct sigevent ev;
    memset(&ev, 0, sizeof(ev));
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGUSR2;
    timer_t tm;
    if (timer_create(CLOCK_MONOTONIC, &ev, &tm) != 0)
        return 1;
    struct itimerspec its = {{0, 0}, {0, 400000000L}};
    struct itimerval it = {{0, 0}, {0, 200000}};
    timer_settime(tm, 0, &its, NULL);
    setitimer(ITIMER_REAL, &it, NULL);
    sys_sigmask(SIG_SETMASK, &all, &old);
    spin(1500000000L, NULL);
    int during = mask_runs, where = mask_tid == other_tid;
    syscall(SYS_rt_sigpending, &pend, 8);
    int waited = !usr2_runs;
    sys_sigmask(SIG_SETMASK, &old, NULL);
    int here = usr2_runs == 1 && usr2_tid == gettid();
    guard_done = 1;
    pthread_join(t, NULL);
    printf("a process-wide SIGALRM while one thread blocks all and spins: ran in the other %d "
           "time(s), there %d; a SIGUSR2 both block: waited %d, pending %d, ran in the one "
           "that unblocked it %d\n",
           during, where, waited, !!(pend & SIGBIT(SIGUSR2)), here);
    return 0;
}

/* Many of each, back to back: counted, with no exit (vm_suite.sh reads --stats). */
static int quiet_cases(void)
{
    struct rlimit l;
    char n[16];
    int ok = 1;
    uintptr_t b = sys_brk(0);
    for (int i = 0; i < 100; i++) {
        ok &= plim(0, i % 16, NULL, &l) == 0;
        ok &= get_name(n) == 0;
        b += PG;
        ok &= sys_brk(b) == b;
        ((volatile char *)b)[-1] = 1;
    }
    static char page[PG] __attribute__((aligned(4096)));
    ok &= mprotect(page, PG, PROT_READ) == 0;
    printf("300 calls and an mprotect: %s\n", ok ? "ok" : "FAILED");
    return 0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    if (strcmp(what, "poll") == 0)
        return poll_cases(argv[0]);
    if (strcmp(what, "brk") == 0)
        return brk_cases();
    if (strcmp(what, "sigaction") == 0)
        return sigaction_cases();
    if (strcmp(what, "random") == 0)
        return random_cases();
    if (strcmp(what, "fs") == 0)
        return fs_cases();
    if (strcmp(what, "threads") == 0)
        return thread_cases(argv[0]);
    if (strcmp(what, "heap") == 0)
        return heap_cases();
    if (strcmp(what, "mprotect") == 0)
        return mprotect_cases();
    if (strcmp(what, "limits") == 0)
        return limits_cases();
    if (strcmp(what, "name") == 0)
        return name_cases();
    if (strcmp(what, "sigmask") == 0)
        return sigmask_cases(argc, argv);
    if (strcmp(what, "sigmask-loop") == 0)
        return sigmask_loop();
    if (strcmp(what, "sigmask-deliver") == 0)
        return sigmask_deliver(argc, argv);
    if (strcmp(what, "sigmask-unblock") == 0)
        return sigmask_unblock();
    if (strcmp(what, "sigmask-guard") == 0)
        return sigmask_guard();
    if (strcmp(what, "sigmask-guard-threads") == 0)
        return sigmask_guard_threads();
    if (strcmp(what, "sigmask-race") == 0)
        return sigmask_race();
    if (strcmp(what, "sigmask-edges") == 0)
        return sigmask_edges();
    if (strcmp(what, "sigmask-threads") == 0)
        return sigmask_threads();
    if (strcmp(what, "quiet") == 0)
        return quiet_cases();
    if (strcmp(what, "anon") == 0)
        return anon_cases();
    if (strcmp(what, "anon-loop") == 0)
        return anon_loop();
    if (strcmp(what, "anon-signals") == 0)
        return anon_signals();
    if (strcmp(what, "anon-full") == 0)
        return anon_full();
    if (strcmp(what, "tables") == 0) {
        /* The page tables' window, past the slots' pages: ring 0's only. */
        volatile uint64_t *t = (volatile uint64_t *)(0xffffffff80000000ull + 256 * 4096);
        printf("read %#lx\n", (unsigned long)*t);
        return 0;
    }
    printf("vmshim: unknown behaviour %s\n", what);
    return 2;
}
