/* vmtest: a multi-call guest payload for vm mode: each first argument is one behaviour whose
 * output and exit status the tests check (vm_suite.sh). Raw system calls where the C library
 * would hide what is tested. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <ucontext.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define KERNEL_HALF ((void *)0xffff800000000000ull)

static int failures;

/* expect_errno: a raw call returned -1 with errno e. */
static void expect_errno(const char *what, long r, int e)
{
    if (r != -1 || errno != e) {
        printf("FAIL %s: got %ld errno %d, wanted -1 errno %d\n", what, r, errno, e);
        failures++;
    }
}

static int efault(const char *argv0)
{
    char buf[16];
    struct timespec *ts_kernel = KERNEL_HALF;
    expect_errno("write from NULL", syscall(SYS_write, 1, NULL, 1), EFAULT);
    expect_errno("write from the kernel half", syscall(SYS_write, 1, KERNEL_HALF, 8), EFAULT);
    expect_errno("write of a wrapping range", syscall(SYS_write, 1, (void *)-4096l, 8192), EFAULT);
    expect_errno("write beyond guest memory", syscall(SYS_write, 1, (void *)(1ull << 40), 8),
                 EFAULT);
    expect_errno("read into the kernel half", syscall(SYS_read, 0, KERNEL_HALF, 8), EFAULT);
    expect_errno("openat of a kernel-half path", syscall(SYS_openat, AT_FDCWD, KERNEL_HALF, 0),
                 EFAULT);
    expect_errno("clock_gettime into the kernel half",
                 syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ts_kernel), EFAULT);
    expect_errno("uname into NULL", syscall(SYS_uname, NULL), EFAULT);
    expect_errno("fstat into NULL", syscall(SYS_fstat, 1, NULL), EFAULT);
    expect_errno("rt_sigqueueinfo from the kernel half",
                 syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR1, KERNEL_HALF), EFAULT);
    expect_errno("rt_tgsigqueueinfo from NULL",
                 syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), SIGUSR1, NULL), EFAULT);
    /* A read-only page is not a buffer to read into. */
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int self = open(argv0, O_RDONLY);
    expect_errno("read into a read-only page", syscall(SYS_read, self, ro, 8), EFAULT);
    close(self);
    /* A string that runs into an unmapped page. */
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(two, 'a', 8192);
    munmap(two + 4096, 4096);
    expect_errno("a path running off its page", syscall(SYS_openat, AT_FDCWD, two + 4000, 0),
                 EFAULT);
    expect_errno("an unknown call", syscall(999), ENOSYS);
    expect_errno("a bad fd", syscall(SYS_write, 77, buf, 1), EBADF);
    printf("efault: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}

static int files(void)
{
    /* Paths resolve inside the image's root: ".." from / and absolute symlinks stay there. */
    const char *paths[] = {"/etc/vm-msg", "../../../../etc/vm-msg", "/etc/vm-link"};
    for (unsigned i = 0; i < 3; i++) {
        int fd = open(paths[i], O_RDONLY);
        char buf[64] = {0};
        if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0) {
            printf("FAIL open %s: %s\n", paths[i], strerror(errno));
            return 1;
        }
        close(fd);
        printf("%s: %s", paths[i], buf);
    }
    /* The escape symlink points at /etc/passwd of whatever root: the image's. */
    int fd = open("/etc/escape", O_RDONLY);
    char buf[128] = {0};
    if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0)
        printf("escape reads the image's passwd: %s", strncmp(buf, "root:x:0:0:vm-image", 19) == 0 ? "yes\n" : buf);
    else
        printf("escape: %s\n", strerror(errno));
    return 0;
}

static volatile int sink;

/* ---- signal handlers (the frame, rt_sigreturn, the mask) ---- */

static sigjmp_buf jump;
static volatile sig_atomic_t handled;
static volatile uintptr_t seen_addr;
static volatile int seen_code, seen_trapno, seen_blocked;
static char *volatile fix_page; /* read by the handler: every store must land */

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
    ucontext_t *uc = ctx;
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    handled++;
    seen_addr = (uintptr_t)si->si_addr;
    seen_code = si->si_code;
    seen_trapno = (int)uc->uc_mcontext.gregs[REG_TRAPNO];
    /* Blocked while it runs (no SA_NODEFER), with the sa_mask added. */
    seen_blocked = sigismember(&now, sig) + 2 * sigismember(&now, SIGUSR2);
    if (sig == SIGSEGV && fix_page) {
        /* Make the page writable and return: the write runs again and succeeds. */
        mprotect(fix_page, 4096, PROT_READ | PROT_WRITE);
        return;
    }
    if (sig == SIGUSR2) {
        /* Return to an address no CPU can run: the return itself is SIGSEGV. */
        uc->uc_mcontext.gregs[REG_RIP] = (greg_t)0x8000000000000000ull;
        return;
    }
    if (sig == SIGFPE || sig == SIGILL) {
        /* Step over the 2-byte idiv or ud2 and hand the interrupted code a result. */
        uc->uc_mcontext.gregs[REG_RIP] += 2;
        uc->uc_mcontext.gregs[REG_RAX] = 77;
        return;
    }
    if (sig == SIGSEGV || sig == SIGBUS)
        siglongjmp(jump, 1);
}

static volatile unsigned handler_mxcsr;

/* Clobbers the SSE state the interrupted code holds: rt_sigreturn must bring it back. */
static void on_trap_clobber(int sig)
{
    (void)sig;
    unsigned m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    handler_mxcsr = m;
    __asm__ volatile("pcmpeqd %%xmm7, %%xmm7; ldmxcsr %0" ::"m"(m) : "xmm7");
}

static void install(int sig, int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_signal;
    sa.sa_flags = SA_SIGINFO | flags;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGUSR2);
    sigaction(sig, &sa, NULL);
}

static volatile int rt_seen[8];
static volatile sig_atomic_t rt_runs;

/* Which real-time signal ran, and its queued value: 100 * (sig - SIGRTMIN) + value. */
static void on_rt(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    if (rt_runs < 8)
        rt_seen[rt_runs++] = 100 * (sig - SIGRTMIN) + si->si_value.sival_int;
}

static void install_rt(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGRTMIN, &sa, NULL);
    sigaction(SIGRTMIN + 1, &sa, NULL);
}

static int blocked(int sig)
{
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    return sigismember(&now, sig);
}

static volatile sig_atomic_t alarms;
static void on_alarm_count(int sig)
{
    (void)sig;
    alarms++;
}

/* Two pages of a one-page file, shared: the second lies past the file's end. */
static volatile char *past_the_end(void)
{
    int fd = memfd_create("vmtest", 0);
    if (fd < 0 || ftruncate(fd, 4096) < 0)
        return NULL;
    char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    return p == MAP_FAILED ? NULL : p + 4096;
}

static int signals(const char *what)
{
    if (strcmp(what, "sigbus") == 0 || strcmp(what, "sigbus-jmp") == 0) {
        volatile char *p = past_the_end();
        if (!p)
            return 3;
        p[-4096] = 1;
        if (what[6])
            install(SIGBUS, 0);
        if (sigsetjmp(jump, 1) == 0) {
            p[0] = 1;
            printf("FAIL: no SIGBUS\n");
            return 1;
        }
        printf("SIGBUS past the file's end: handled %d, BUS_ADRERR %d\n", (int)handled,
               seen_code == BUS_ADRERR);
        return 0;
    }
    if (strcmp(what, "sig-segv-jmp") == 0) {
        install(SIGSEGV, 0);
        if (sigsetjmp(jump, 1) == 0) {
            sink = *(volatile int *)(uintptr_t)0x1230;
            printf("FAIL: no fault\n");
            return 1;
        }
        printf("segv at %#lx code %d trapno %d, blocked in handler %d; back in main, blocked %d\n",
               (unsigned long)seen_addr, seen_code, seen_trapno, seen_blocked, blocked(SIGSEGV));
        return 0;
    }
    if (strcmp(what, "sig-fix") == 0) {
        install(SIGSEGV, 0);
        fix_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        volatile char *p = fix_page;
        p[100] = 42;
        printf("fixed: wrote %d after %d fault, code %d, at page offset %ld, blocked after %d\n",
               p[100], (int)handled, seen_code, (long)(seen_addr - (uintptr_t)fix_page),
               blocked(SIGSEGV));
        return 0;
    }
    if (strcmp(what, "sig-fpe") == 0) {
        install(SIGFPE, 0);
        int eax;
        __asm__ volatile("xor %%ecx, %%ecx; mov $1, %%eax; cltd; idivl %%ecx"
                         : "=a"(eax)::"rcx", "rdx");
        printf("fpe: code %d trapno %d, resumed with eax %d\n", seen_code, seen_trapno, eax);
        return 0;
    }
    if (strcmp(what, "sig-ill-once") == 0) {
        /* SA_RESETHAND: the first ud2 is handled, the second kills with SIGILL. */
        install(SIGILL, SA_RESETHAND);
        int eax;
        __asm__ volatile("mov $1, %%eax; ud2" : "=a"(eax));
        printf("ill: code %d, resumed with eax %d\n", seen_code, eax);
        fflush(stdout);
        __asm__ volatile("ud2");
        printf("FAIL: SA_RESETHAND kept the handler\n");
        return 1;
    }
    if (strcmp(what, "sig-trap") == 0) {
        install(SIGTRAP, 0);
        __asm__ volatile("int3");
        printf("trap: handled %d, code %#x trapno %d\n", (int)handled, seen_code, seen_trapno);
        return 0;
    }
    if (strcmp(what, "sig-mask") == 0) {
        install(SIGUSR1, 0);
        sigset_t set, old;
        sigemptyset(&set);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, &old);
        raise(SIGUSR1);
        sigset_t pend;
        sigpending(&pend);
        printf("blocked: handler ran %d times, pending %d\n", (int)handled,
               sigismember(&pend, SIGUSR1));
        sigprocmask(SIG_SETMASK, &old, NULL);
        printf("unblocked: handler ran %d times, code %d, blocked in handler %d, after %d\n",
               (int)handled, seen_code, seen_blocked, blocked(SIGUSR1));
        signal(SIGUSR2, SIG_IGN);
        raise(SIGUSR2);
        printf("ignored SIGUSR2; SIGKILL cannot be caught: %s\n",
               signal(SIGKILL, SIG_IGN) == SIG_ERR ? "EINVAL" : "FAIL");
        return 0;
    }
    if (strcmp(what, "sig-rt-queue") == 0) {
        /* Real-time signals queue while blocked, each with its value (sigqueue), lowest number
         * first and the next of a kind once its handler has returned; a standard signal sent
         * twice while blocked runs once. */
        install_rt();
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGRTMIN);
        sigaddset(&set, SIGRTMIN + 1);
        sigaddset(&set, SIGUSR1);
        sigprocmask(SIG_BLOCK, &set, NULL);
        install(SIGUSR1, 0);
        const int queued[][2] = {{1, 1}, {0, 2}, {0, 3}, {1, 4}};
        for (size_t i = 0; i < sizeof(queued) / sizeof(queued[0]); i++)
            sigqueue(getpid(), SIGRTMIN + queued[i][0], (union sigval){.sival_int = queued[i][1]});
        raise(SIGUSR1);
        raise(SIGUSR1);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        printf("rt runs %d:", (int)rt_runs);
        for (int i = 0; i < rt_runs; i++)
            printf(" %d", rt_seen[i]);
        printf("; SIGUSR1 runs %d\n", (int)handled);
        return 0;
    }
    if (strcmp(what, "sig-blocked-fault") == 0) {
        /* A fault whose signal is blocked still kills (no handler call). */
        install(SIGSEGV, 0);
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGSEGV);
        sigprocmask(SIG_BLOCK, &set, NULL);
        sink = *(volatile int *)(uintptr_t)0x1230;
        printf("FAIL: survived\n");
        return 1;
    }
    if (strcmp(what, "sig-altstack") == 0) {
        static char alt[65536];
        stack_t ss = {.ss_sp = alt, .ss_size = sizeof(alt), .ss_flags = 0};
        sigaltstack(&ss, NULL);
        install(SIGSEGV, SA_ONSTACK);
        volatile char local;
        if (sigsetjmp(jump, 1) == 0) {
            sink = *(volatile int *)(uintptr_t)0x1230;
            return 1;
        }
        stack_t now;
        sigaltstack(NULL, &now);
        printf("altstack: handled %d, main's stack outside it %d, flags now %d\n", (int)handled,
               !((uintptr_t)&local >= (uintptr_t)alt && (uintptr_t)&local < (uintptr_t)alt + sizeof(alt)),
               now.ss_flags);
        return 0;
    }
    if (strcmp(what, "sig-bad-rip") == 0) {
        install(SIGUSR2, 0);
        raise(SIGUSR2);
        printf("FAIL: returned to a non-canonical rip\n");
        return 1;
    }
    if (strcmp(what, "sig-wild-return") == 0) {
        /* rt_sigreturn with no frame under rsp: SIGSEGV, as Linux. */
        __asm__ volatile("mov $16, %%rsp; mov $15, %%eax; syscall" ::: "memory");
        return 1;
    }
    if (strcmp(what, "sig-host") == 0) {
        /* A signal sent to viv from outside reaches the handler while the guest spins in ring
         * 3, then one interrupts a read, which SA_RESTART resumes until data comes. */
        install(SIGUSR1, 0);
        printf("spinning\n");
        fflush(stdout);
        while (!handled)
            ;
        printf("got %d with code %d while spinning\n", seen_blocked >= 0 ? SIGUSR1 : 0,
               seen_code);
        install(SIGHUP, SA_RESTART);
        printf("reading\n");
        fflush(stdout);
        char c = 0;
        long n = read(0, &c, 1);
        printf("read %ld (%c) after %d handler runs\n", n, c, (int)handled);
        return 0;
    }
    if (strcmp(what, "sig-fpu") == 0) {
        /* The handler starts with a fresh FPU (MXCSR 0x1f80); the interrupted code keeps its
         * xmm7 and its MXCSR (round toward zero) across the handler. */
        signal(SIGTRAP, on_trap_clobber);
        unsigned long long before = 0x1122334455667788ull, after;
        unsigned rz = 0x7f80, m;
        __asm__ volatile("ldmxcsr %3; movq %2, %%xmm7; int3; movq %%xmm7, %0; stmxcsr %1"
                         : "=r"(after), "=m"(m)
                         : "r"(before), "m"(rz)
                         : "xmm7");
        printf("fpu: handler's mxcsr %#x; xmm7 kept %s, mxcsr after %#x\n", handler_mxcsr,
               after == before ? "yes" : "no", m);
        return 0;
    }
    if (strcmp(what, "sig-fast-loop") == 0) {
        /* One timer signal at a time reaches a guest that loops on a call answered without an
         * exit (getppid) until it comes: one that lands while the vCPU is in the shim is not
         * left behind (no later signal would pick it up). */
        signal(SIGALRM, on_alarm_count);
        unsigned long calls = 0;
        for (int i = 1; i <= 200; i++) {
            struct itimerval it = {{0, 0}, {0, 200}};
            setitimer(ITIMER_REAL, &it, NULL);
            while (alarms < i) {
                syscall(SYS_getppid);
                calls++;
            }
        }
        printf("200 timer signals, one at a time, while calling getppid: %s\n",
               calls > 0 ? "yes" : "no");
        return 0;
    }
    if (strcmp(what, "abort") == 0)
        abort();
    printf("vmtest: unknown behaviour %s\n", what);
    return 2;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "hello";
    if (strcmp(what, "hello") == 0) {
        printf("hello from the vm payload\n");
        return 0;
    }
    if (strcmp(what, "exit") == 0)
        return argc > 2 ? atoi(argv[2]) : 0;
    if (strcmp(what, "mremap") == 0) {
        size_t pg = 4096;
        unsigned char *q = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                -1, 0);
        if (q == MAP_FAILED)
            return 1;
        for (size_t i = 0; i < 2 * pg; i++)
            q[i] = (unsigned char)(i * 7);
        /* A guard page after it forces a move when it grows. */
        mmap(q + 2 * pg, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        unsigned char *r = mremap(q, 2 * pg, 64 * pg, MREMAP_MAYMOVE);
        if (r == MAP_FAILED)
            return 2;
        int same = 1, zero = 1;
        for (size_t i = 0; i < 2 * pg; i++)
            same &= r[i] == (unsigned char)(i * 7);
        for (size_t i = 2 * pg; i < 64 * pg; i++)
            zero &= r[i] == 0;
        r[63 * pg] = 1;
        unsigned char *s2 = mremap(r, 64 * pg, pg, 0);
        /* Blocked by a mapping right after it, growth without MREMAP_MAYMOVE fails. */
        mmap(s2 + pg, pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        int stuck = mremap(s2, pg, 4 * pg, 0) == MAP_FAILED && errno == ENOMEM;
        printf("moved %d, kept %d, new pages zero %d, shrunk in place %d, no move without "
               "MAYMOVE %d\n",
               r != q, same, zero, s2 == r, stuck);
        return 0;
    }
    if (strcmp(what, "pipe") == 0) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) < 0) {
            perror("pipe2");
            return 1;
        }
        if (write(fds[1], "through the pipe\n", 17) != 17)
            return 1;
        int d = dup2(fds[0], 10);
        close(fds[0]);
        char buf[64];
        ssize_t n = read(d, buf, sizeof(buf));
        printf("read %zd at fd %d: %.*s", n, d, (int)(n > 0 ? n : 0), buf);
        int bad = dup2(99, 5) < 0 && errno == EBADF;
        printf("dupfd %d, bad fd refused %d\n", fcntl(d, F_DUPFD, 20), bad);
        return 0;
    }
    if (strcmp(what, "cwd") == 0) {
        /* The working folder, relative paths from it and the legacy path calls (readlink,
         * access, stat and lstat through their raw numbers), as x86-64 has them. */
        char buf[256];
        if (chdir("/etc") < 0) {
            perror("chdir");
            return 1;
        }
        printf("cwd %s\n", getcwd(buf, sizeof(buf)) ? buf : "(none)");
        long n = syscall(SYS_readlink, "vm-link", buf, sizeof(buf) - 1);
        buf[n > 0 ? n : 0] = '\0';
        struct stat st, lst;
        int reg = syscall(SYS_stat, "vm-link", &st) == 0 && S_ISREG(st.st_mode);
        int lnk = syscall(SYS_lstat, "vm-link", &lst) == 0 && S_ISLNK(lst.st_mode);
        printf("readlink %s, stat follows %d, lstat does not %d, access %d\n", buf, reg, lnk,
               syscall(SYS_access, "vm-msg", R_OK) == 0);
        struct utsname u;
        uname(&u);
        printf("machine %s\n", u.machine);
        return 0;
    }
    if (strcmp(what, "fast-calls") == 0) {
        /* The calls vm mode's shim answers itself answer as the kernel does. */
        long tid = syscall(SYS_gettid);
        int ok = syscall(SYS_set_tid_address, &failures) == tid && tid == getpid();
        ok &= syscall(SYS_getuid) == (long)getuid() && syscall(SYS_geteuid) == (long)geteuid();
        ok &= syscall(SYS_getgid) == (long)getgid() && syscall(SYS_getegid) == (long)getegid();
        long head[3] = {(long)head, 0, 0};
        expect_errno("set_robust_list of a wrong size", syscall(SYS_set_robust_list, head, 23),
                     EINVAL);
        ok &= syscall(SYS_set_robust_list, head, 24) == 0;
        printf("fast calls: %s\n", ok && !failures ? "ok" : "wrong");
        return !ok || failures;
    }
    if (strcmp(what, "spin") == 0)
        for (volatile unsigned long n = 0;; n++)
            ;
    if (strcmp(what, "efault") == 0)
        return efault(argv[0]);
    if (strcmp(what, "files") == 0)
        return files();
    if (strcmp(what, "segv") == 0) {
        volatile uintptr_t addr = 16;
        return *(volatile int *)addr;
    }
    if (strcmp(what, "ud2") == 0)
        __asm__ volatile("ud2");
    if (strcmp(what, "div0") == 0)
        __asm__ volatile("xor %%ecx, %%ecx; mov $1, %%eax; cltd; idivl %%ecx" ::: "rax", "rcx",
                         "rdx");
    if (strcmp(what, "int3") == 0)
        __asm__ volatile("int3");
    if (strcmp(what, "int81") == 0)
        __asm__ volatile("int $0x81"); /* no gate ring 3 may use: #GP */
    if (strcmp(what, "hlt") == 0)
        __asm__ volatile("hlt");
    if (strcmp(what, "cli") == 0)
        __asm__ volatile("cli");
    if (strcmp(what, "out") == 0)
        __asm__ volatile("outb %%al, $0xe0" ::"a"(0));
    if (strcmp(what, "rdmsr") == 0)
        __asm__ volatile("rdmsr" ::"c"(0xc0000080) : "rax", "rdx");
    if (strcmp(what, "movcr3") == 0)
        __asm__ volatile("mov %%rax, %%cr3" ::"a"(0));
    if (strcmp(what, "kernel-read") == 0) {
        volatile uintptr_t shim = 0xffffffff80000000ull; /* the shim: ring 0 only */
        sink = *(volatile int *)shim;
    }
    if (strcmp(what, "rowrite") == 0) {
        char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p[0] = 1;
        mprotect(p, 4096, PROT_READ);
        printf("read back %d\n", p[0]);
        fflush(stdout);
        p[0] = 2; /* a stale writable TLB entry would let this through */
        printf("FAIL: wrote a read-only page\n");
        return 1;
    }
    if (strcmp(what, "nx") == 0) {
        unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                -1, 0);
        p[0] = 0xc3; /* ret */
        printf("calling a non-executable page\n");
        fflush(stdout);
        ((void (*)(void))p)();
        printf("FAIL: executed a non-executable page\n");
        return 1;
    }
    if (strcmp(what, "exec-page") == 0) {
        unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                -1, 0);
        p[0] = 0xb8, p[1] = 42, p[2] = p[3] = p[4] = 0, p[5] = 0xc3; /* mov $42, %eax; ret */
        mprotect(p, 4096, PROT_READ | PROT_EXEC);
        return ((int (*)(void))p)();
    }
    if (strcmp(what, "unmapped") == 0) {
        char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p[4096] = 7;
        munmap(p, 8192);
        printf("unmapped\n");
        fflush(stdout);
        return p[4096];
    }
    if (strcmp(what, "alloc") == 0) {
        /* argv[2] MiB in one mapping, every page touched: fine below --memory, ENOMEM above. */
        size_t mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
        char *p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                       0);
        if (p == MAP_FAILED) {
            printf("alloc %zu MiB: %s\n", mib, strerror(errno));
            return 1;
        }
        for (size_t i = 0; i < mib << 20; i += 4096)
            p[i] = 1;
        printf("alloc %zu MiB: ok\n", mib);
        return 0;
    }
    if (strcmp(what, "malloc") == 0) {
        size_t total = 0;
        for (int i = 0; i < 1000; i++) {
            char *p = malloc(1000 + i * 37);
            memset(p, i, 1000 + i * 37);
            total += 1000 + i * 37;
            if (i % 3)
                free(p);
        }
        printf("malloc: %zu bytes\n", total);
        return 0;
    }
    if (strncmp(what, "sig-", 4) == 0 || strncmp(what, "sigbus", 6) == 0 ||
        strcmp(what, "abort") == 0)
        return signals(what);
    printf("vmtest: unknown behaviour %s\n", what);
    return 2;
}
