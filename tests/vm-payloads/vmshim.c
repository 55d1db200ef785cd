/* vmshim: guest payload for the system calls vm mode's shim answers without an exit. Each case
 * prints what the calls returned; vm_suite.sh compares that with the same case run natively, so
 * every answer must be the kernel's. Raw system calls, so that the C library hides nothing. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
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
                     : "+a"(rax), "+D"(rdi), "+S"(rsi), "+d"(rdx), "+r"(r8), "+r"(r9),
                       "+r"(r10), "+r"(r12)
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
    const char *h = k.handler == (uintptr_t)SIG_DFL   ? "SIG_DFL"
                    : k.handler == (uintptr_t)SIG_IGN ? "SIG_IGN"
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
        if (sig != SIGKILL && sig != SIGSTOP && sig != SIGUSR1 && sig != SIGUSR2 &&
            sig != SIGPIPE)
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
    printf("into a read-only page: %ld, untouched %d\n",
           sys_sigaction(SIGUSR1, NULL, two + 64, 8), two[64] == 0x33);
    printf("from a read-only page into a writable one: %ld, untouched %d\n",
           sys_sigaction(SIGUSR1, NULL, two + 4096 - 16, 8), two[4096] == 0x33);
    printf("the last 32 bytes of a page: %ld\n",
           sys_sigaction(SIGUSR1, NULL, two + 8192 - 32, 8));
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
    printf("get %ld, set %ld, %%fs:0 %#lx %%fs:8 %#lx, get %ld = the area %d, set back %ld\n",
           r1, r2, (unsigned long)at0, (unsigned long)at8, r3, seen == (uintptr_t)area, r4);
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
    printf("vmshim: unknown behaviour %s\n", what);
    return 2;
}
