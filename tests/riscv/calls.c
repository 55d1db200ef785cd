/* calls.c: the system calls real programs make beyond the basics: sigtimedwait, POSIX timers,
 * inotify, xattr setters, sendfile and friends, the mlock family, scheduling, capabilities,
 * close_range, pidfds, SysV IPC and shared mappings. Prints the same lines natively and
 * translated (or in the VM); with a folder argument, also the calls that need files of a
 * filesystem there. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/capability.h>
#include <linux/membarrier.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/fsuid.h>
#include <sys/inotify.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/sendfile.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

/* An fd number above anything the program opens: an engine's own fd when translated, a closed
 * one natively; EBADF both ways. */
#define HIGH_FD 950
static void *const bad = (void *)16;

/* "what: result" or "what: -1 ENAME". */
static void show(const char *what, long r)
{
    if (r < 0)
        printf("%s: -1 %s\n", what, strerrorname_np(errno));
    else
        printf("%s: %ld\n", what, r);
}

static void block(int sig)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, sig);
    sigprocmask(SIG_BLOCK, &s, NULL);
}

static void on_alarm(int sig)
{
    (void)sig;
}

/* A handler with SA_RESTART never restarts the waits on file descriptors (signal(7)): poll,
 * ppoll, select and pselect fail with EINTR, where read restarts. Each waits on an empty pipe
 * for a timer's SIGALRM. */
static void restart_calls(void)
{
    int p[2];
    if (pipe(p) < 0)
        return;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, &old);
    struct itimerval it = {{0, 0}, {0, 20000}};
    const char *names[] = {"poll", "ppoll", "select", "pselect"};
    for (int i = 0; i < 4; i++) {
        setitimer(ITIMER_REAL, &it, NULL);
        struct pollfd pf = {.fd = p[0], .events = POLLIN};
        fd_set r;
        FD_ZERO(&r);
        FD_SET(p[0], &r);
        long n = i == 0   ? poll(&pf, 1, -1)
                 : i == 1 ? ppoll(&pf, 1, NULL, NULL)
                 : i == 2 ? select(p[0] + 1, &r, NULL, NULL, NULL)
                          : pselect(p[0] + 1, &r, NULL, NULL, NULL, NULL);
        char what[64];
        snprintf(what, sizeof(what), "%s interrupted by a handler with SA_RESTART", names[i]);
        show(what, n);
    }
    /* A signal pending since before the call, which its temporary mask lets through, ends
     * it at once (its handler runs), as one that comes during the wait does. */
    const char *pnames[] = {"ppoll", "pselect", "epoll_pwait"};
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN};
    epoll_ctl(ep, EPOLL_CTL_ADD, p[0], &ev);
    sigset_t none;
    sigemptyset(&none);
    for (int i = 0; i < 3; i++) {
        block(SIGALRM);
        raise(SIGALRM);
        struct pollfd pf = {.fd = p[0], .events = POLLIN};
        struct timespec two = {2, 0};
        fd_set r;
        FD_ZERO(&r);
        FD_SET(p[0], &r);
        long n = i == 0   ? ppoll(&pf, 1, &two, &none)
                 : i == 1 ? pselect(p[0] + 1, &r, NULL, NULL, &two, &none)
                          : epoll_pwait(ep, &ev, 1, 2000, &none);
        char what[80];
        snprintf(what, sizeof(what), "%s with a signal pending that its mask lets through",
                 pnames[i]);
        show(what, n);
        sigprocmask(SIG_SETMASK, &none, NULL);
    }
    close(ep);
    /* read restarts, and gets the byte a child writes after the signal. */
    pid_t child = fork();
    if (child == 0) {
        struct timespec d = {0, 100000000L};
        nanosleep(&d, NULL);
        _exit(write(p[1], "r", 1) == 1 ? 0 : 1);
    }
    setitimer(ITIMER_REAL, &it, NULL);
    char c = 0;
    long n = read(p[0], &c, 1);
    printf("read interrupted by a handler with SA_RESTART: %ld, restarted %d\n", n, c == 'r');
    waitpid(child, NULL, 0);
    sigaction(SIGALRM, &old, NULL);
    close(p[0]);
    close(p[1]);
}

static void sigwait_calls(void)
{
    sigset_t set;
    siginfo_t si;
    block(SIGUSR1);
    block(SIGRTMIN);
    raise(SIGUSR1);
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    int sig = sigwaitinfo(&set, &si);
    printf("sigwaitinfo: %d code %d from self %d\n", sig, si.si_code, si.si_pid == getpid());
    for (int i = 0; i < 2; i++)
        sigqueue(getpid(), SIGRTMIN, (union sigval){.sival_int = 42 + i});
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN);
    for (int i = 0; i < 2; i++) {
        sig = sigwaitinfo(&set, &si);
        printf("queued: %d value %d code %d\n", sig - SIGRTMIN, si.si_value.sival_int, si.si_code);
    }
    struct timespec ts = {0, 10 * 1000 * 1000};
    show("sigtimedwait, nothing pending", sigtimedwait(&set, &si, &ts));
    /* Never restarted, SA_RESTART or not (signal(7)). */
    struct sigaction sa = {.sa_handler = on_alarm, .sa_flags = SA_RESTART};
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {.it_value = {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    ts.tv_sec = 5;
    show("sigtimedwait, a handled signal", sigtimedwait(&set, &si, &ts));
    sigaddset(&set, SIGUSR1);
    raise(SIGUSR1);
    show("sigwait", sigwait(&set, &sig) == 0 ? sig : -1);
    raise(SIGUSR1);
    sig = (int)syscall(SYS_rt_sigtimedwait, &set, &si, NULL, 8);
    printf("rt_sigtimedwait of raise: %d code %d\n", sig, si.si_code);
    show("rt_sigtimedwait, bad set", syscall(SYS_rt_sigtimedwait, bad, NULL, NULL, 8));
    show("rt_sigtimedwait, bad size", syscall(SYS_rt_sigtimedwait, &set, NULL, NULL, 4));
}

static volatile int thread_timer_value;

static void on_timer_thread(union sigval v)
{
    thread_timer_value = v.sival_int;
}

/* SIGEV_THREAD: the C library's helper thread waits in sigwaitinfo for a timer aimed at it by
 * SIGEV_THREAD_ID, and runs the function. */
static void thread_timer(void)
{
    struct sigevent ev = {.sigev_notify = SIGEV_THREAD, .sigev_notify_function = on_timer_thread};
    ev.sigev_value.sival_int = 11;
    timer_t t;
    show("timer_create SIGEV_THREAD", timer_create(CLOCK_MONOTONIC, &ev, &t));
    struct itimerspec its = {.it_value = {0, 1000 * 1000}};
    timer_settime(t, 0, &its, NULL);
    for (int i = 0; i < 5000 && !thread_timer_value; i++)
        nanosleep(&(struct timespec){0, 1000 * 1000}, NULL);
    printf("SIGEV_THREAD function ran with %d\n", thread_timer_value);
    timer_delete(t);
}

static void timer_calls(void)
{
    sigset_t set;
    siginfo_t si;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    struct sigevent ev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGUSR1};
    ev.sigev_value.sival_int = 7;
    timer_t t;
    show("timer_create", timer_create(CLOCK_MONOTONIC, &ev, &t));
    struct itimerspec its = {.it_value = {0, 10 * 1000 * 1000}}, cur;
    show("timer_settime", timer_settime(t, 0, &its, NULL));
    int sig = sigwaitinfo(&set, &si);
    printf("timer fired: %d timer code %d value %d\n", sig, si.si_code == SI_TIMER,
           si.si_value.sival_int);
    show("timer_gettime", timer_gettime(t, &cur));
    printf("disarmed: %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec == 0);
    show("timer_getoverrun", timer_getoverrun(t));
    show("timer_delete", timer_delete(t));
    show("timer_delete again", timer_delete(t));
    ev.sigev_notify = SIGEV_THREAD_ID;
    ev._sigev_un._tid = gettid();
    show("timer_create for this thread", timer_create(CLOCK_REALTIME, &ev, &t));
    its.it_value.tv_nsec = 1000 * 1000;
    timer_settime(t, 0, &its, NULL);
    sig = sigwaitinfo(&set, &si);
    printf("thread timer fired: %d value %d\n", sig, si.si_value.sival_int);
    timer_delete(t);
    ev._sigev_un._tid = 0x3fffffff;
    show("timer_create for no thread", timer_create(CLOCK_REALTIME, &ev, &t));
    show("timer_create, bad sigevent", syscall(SYS_timer_create, CLOCK_REALTIME, bad, &t));
    thread_timer();
}

static void file_data_calls(void)
{
    int m = memfd_create("calls", MFD_CLOEXEC);
    show("memfd_create", m >= 0 ? 0 : -1);
    show("write", write(m, "0123456789", 10));
    char a[3] = {0}, b[4] = {0};
    struct iovec iov[2] = {{a, 2}, {b, 3}};
    show("preadv", preadv(m, iov, 2, 2));
    printf("preadv read %s %s\n", a, b);
    struct iovec w[2] = {{"A", 1}, {"B", 1}};
    show("pwritev", pwritev(m, w, 2, 8));
    show("preadv2 at the position", preadv2(m, iov, 2, -1, 0));
    show("pwritev2", pwritev2(m, w, 1, 0, 0));
    show("preadv, negative offset", preadv(m, iov, 2, -5));
    struct iovec badv = {bad, 4};
    show("preadv, bad buffer", preadv(m, &badv, 1, 0));
    show("preadv, an engine fd", preadv(HIGH_FD, iov, 2, 0));
    int pfd[2], qfd[2];
    if (pipe(pfd) < 0 || pipe(qfd) < 0)
        return;
    off_t off = 1;
    show("sendfile", sendfile(pfd[1], m, &off, 4));
    printf("sendfile offset now %ld\n", (long)off);
    show("tee", tee(pfd[0], qfd[1], 4, 0));
    int m2 = memfd_create("calls2", MFD_CLOEXEC);
    loff_t out = 2;
    show("splice", splice(pfd[0], NULL, m2, &out, 4, 0));
    printf("splice offset now %ld\n", (long)out);
    char got[16] = {0};
    show("read the tee", read(qfd[0], got, 4));
    printf("tee gave %s\n", got);
    loff_t in = 0;
    out = 6;
    show("copy_file_range", copy_file_range(m, &in, m2, &out, 3, 0));
    memset(got, 0, sizeof(got));
    show("pread", pread(m2, got, sizeof(got) - 1, 0));
    printf("second file: %s\n", got + 2);
    show("sendfile, an engine fd", sendfile(pfd[1], HIGH_FD, NULL, 1));
    show("sendfile, bad offset", sendfile(pfd[1], m, bad, 1));
    show("splice, an engine fd", splice(HIGH_FD, NULL, m2, NULL, 1, 0));
    show("sync_file_range", sync_file_range(m, 0, 0, SYNC_FILE_RANGE_WRITE));
    show("sync_file_range, an engine fd", sync_file_range(HIGH_FD, 0, 0, 0));
    long r = readahead(m, 0, 4096);
    printf("readahead: %s\n", r == 0 || errno != ENOSYS ? "served" : "ENOSYS");
    show("readahead, an engine fd", readahead(HIGH_FD, 0, 1));
    close(pfd[0]), close(pfd[1]), close(qfd[0]), close(qfd[1]), close(m), close(m2);
}

static void memory_calls(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    char *p = mmap(NULL, 3 * pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
    munmap(p + 2 * pg, pg);
    unsigned char vec[3];
    show("mincore", mincore(p, 2 * pg, vec));
    printf("mincore: first page resident %d\n", vec[0] & 1);
    show("mincore, unmapped", mincore(p, 3 * pg, vec));
    show("mincore, unaligned", mincore(p + 1, pg, vec));
    show("mincore, bad vector", mincore(p, pg, bad));
    show("msync", msync(p, pg, MS_SYNC));
    show("msync, unmapped", msync(p + 2 * pg, pg, MS_SYNC));
    show("msync, both flags", msync(p, pg, MS_SYNC | MS_ASYNC));
    show("mlock", mlock(p + 10, 100));
    show("munlock", munlock(p, pg));
    show("mlock2 on fault", mlock2(p, 2 * pg, MLOCK_ONFAULT));
    show("mlock2, bad flags", mlock2(p, pg, 8));
    show("mlock, unmapped", mlock(p + 2 * pg, pg));
    show("munlock, unmapped", munlock(p + 2 * pg, pg));
    long locked = mlockall(MCL_CURRENT);
#ifdef CALLS_IN_SANDBOX
    /* Without CAP_IPC_LOCK, RLIMIT_MEMLOCK decides, over memory that differs in the VM. */
    if (locked < 0 && errno == ENOMEM)
        locked = 0;
#endif
    show("mlockall", locked);
    show("mlockall, no flags", mlockall(0));
    show("munlockall", munlockall());
    long q = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
    printf("membarrier query: %s\n", q >= 0 ? "ok" : strerrorname_np(errno));
    show("membarrier, bad command", syscall(SYS_membarrier, 12345, 0, 0));
    unsigned cpu = 1u << 30, node = 1u << 30;
    show("getcpu", getcpu(&cpu, &node));
    printf("getcpu: cpu %s\n", cpu < (1u << 20) ? "known" : "unknown");
    show("getcpu, bad pointer", syscall(SYS_getcpu, bad, NULL, NULL));
    munmap(p, 2 * pg);
}

static void sched_calls(void)
{
    struct sched_param sp = {0};
    show("sched_setscheduler", sched_setscheduler(0, SCHED_OTHER, &sp));
    show("sched_setparam", sched_setparam(0, &sp));
    show("sched_setparam, bad pointer", syscall(SYS_sched_setparam, 0, bad));
    show("sched_setscheduler, no such process", sched_setscheduler(0x3fffffff, SCHED_OTHER, &sp));
    struct timespec ts;
    show("sched_rr_get_interval", sched_rr_get_interval(0, &ts));
    show("sched_rr_get_interval, bad pointer", syscall(SYS_sched_rr_get_interval, 0, bad));
    uint32_t attr[14] = {0};
    show("sched_getattr", syscall(SYS_sched_getattr, 0, attr, sizeof(attr), 0));
    printf("sched_getattr: size %u policy %u\n", attr[0], attr[1]);
    show("sched_setattr", syscall(SYS_sched_setattr, 0, attr, 0));
    show("sched_getattr, too small", syscall(SYS_sched_getattr, 0, attr, 8, 0));
    show("sched_setattr, bad pointer", syscall(SYS_sched_setattr, 0, bad, 0));
}

static void identity_calls(void)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    show("capget", syscall(SYS_capget, &h, d));
    show("capset to the same", syscall(SYS_capset, &h, d));
    h.version = 0;
    show("capget, no version", syscall(SYS_capget, &h, NULL));
    printf("capget wrote version %#x\n", h.version);
    show("capget, bad data", syscall(SYS_capget, &h, bad));
    show("capget, bad header", syscall(SYS_capget, bad, d));
    printf("setfsuid answers the fsuid: %d\n", setfsuid(-1) == (int)geteuid());
    printf("setfsgid answers the fsgid: %d\n", setfsgid(-1) == (int)getegid());
    show("memfd_create, long name", syscall(SYS_memfd_create, (char[300]){[0 ... 298] = 'x'}, 0));
    show("memfd_create, bad name", syscall(SYS_memfd_create, bad, 0));
    for (int fd = 40; fd < 43; fd++)
        dup2(1, fd);
    show("close_range", syscall(SYS_close_range, 40, 42, 0));
    printf("closed: %d\n", fcntl(40, F_GETFD) < 0 && fcntl(42, F_GETFD) < 0);
    dup2(1, 40);
    show("close_range cloexec to the end", syscall(SYS_close_range, 40, ~0u, CLOSE_RANGE_CLOEXEC));
    printf("cloexec: %d\n", fcntl(40, F_GETFD) == FD_CLOEXEC);
    show("close_range to the end", syscall(SYS_close_range, 40, ~0u, 0));
    printf("still writing after it: %d\n", fcntl(1, F_GETFD) >= 0);
    show("close_range, backwards", syscall(SYS_close_range, 5, 4, 0));
    show("close_range, bad flags", syscall(SYS_close_range, 40, 41, 1));
}

static void pidfd_calls(void)
{
    int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);
    show("pidfd_open", fd >= 0 ? 0 : -1);
    show("pidfd_send_signal 0", syscall(SYS_pidfd_send_signal, fd, 0, NULL, 0));
    block(SIGUSR2);
    show("pidfd_send_signal", syscall(SYS_pidfd_send_signal, fd, SIGUSR2, NULL, 0));
    sigset_t set;
    siginfo_t si;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    int sig = sigwaitinfo(&set, &si);
    printf("pidfd signal: %d code %d from self %d\n", sig, si.si_code, si.si_pid == getpid());
    show("pidfd_send_signal, an engine fd", syscall(SYS_pidfd_send_signal, HIGH_FD, 0, NULL, 0));
    show("pidfd_send_signal, bad info", syscall(SYS_pidfd_send_signal, fd, SIGUSR2, bad, 0));
    show("pidfd_open, no such process", syscall(SYS_pidfd_open, 0x3fffffff, 0));
    close(fd);
}

/* SysV shared memory: a segment attached twice and in a forked child is one memory; its record;
 * read-only attachments; shmdt and its refusals. */
/* Whether /proc/self/maps has a line for a SysV segment of key IPC_PRIVATE at at, with those
 * rights, on the kernel's shm mount, its inode the segment's id (ipc/shm.c newseg). */
static int sysv_line(const void *at, const char *rights, int id)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return 0;
    char line[512], perms[8], dev[16], name[64];
    unsigned long start, off, ino;
    int ok = 0;
    while (!ok && fgets(line, sizeof(line), f))
        ok = sscanf(line, "%lx-%*x %7s %lx %15s %lu %63[^\n]", &start, perms, &off, dev, &ino,
                    name) == 6 &&
             start == (unsigned long)at && strcmp(perms, rights) == 0 && off == 0 &&
             strcmp(dev, "00:01") == 0 && ino == (unsigned long)id &&
             strcmp(name, "/SYSV00000000 (deleted)") == 0;
    fclose(f);
    return ok;
}

static void shm_calls(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    int id = shmget(IPC_PRIVATE, 2 * pg + 10, IPC_CREAT | 0600);
    show("shmget", id >= 0 ? 0 : -1);
    char *a = shmat(id, NULL, 0), *b = shmat(id, NULL, SHM_RDONLY);
    show("shmat", a == (void *)-1 || b == (void *)-1 ? -1 : 0);
    if (a == (void *)-1 || b == (void *)-1)
        return;
    int zero = a[0] == 0 && a[2 * pg + 9] == 0;
    printf("shm: maps names the attachments /SYSV00000000 (deleted), the id their inode: %d %d\n",
           sysv_line(a, "rw-s", id), sysv_line(b, "r--s", id));
    strcpy(a, "one segment");
    printf("shm: zero at first %d, the write seen at the other attachment %d\n", zero,
           strcmp(b, "one segment") == 0);
    pid_t child = fork();
    if (child == 0) {
        strcpy(a + 100, "the child's");
        _exit(shmdt(a) == 0 ? 0 : 1);
    }
    int st = -1;
    waitpid(child, &st, 0);
    printf("shm: a forked child's write seen %d, its shmdt %d\n",
           strcmp(b + 100, "the child's") == 0, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
    struct shmid_ds ds;
    show("shmctl IPC_STAT", shmctl(id, IPC_STAT, &ds));
    printf("shm: %zu bytes, %lu attachment(s), mode %o, creator is us %d\n",
           (size_t)ds.shm_segsz, (unsigned long)ds.shm_nattch, ds.shm_perm.mode & 0777,
           ds.shm_cpid == getpid());
    show("shmctl, bad buffer", shmctl(id, IPC_STAT, bad));
    show("shmat, unaligned", shmat(id, a + 1, 0) == (void *)-1 ? -1 : 0);
    show("shmat, over a mapping", shmat(id, a, 0) == (void *)-1 ? -1 : 0);
    char *c = shmat(id, a, SHM_REMAP);
    printf("shmat with SHM_REMAP: in place %d, the bytes there %d\n", c == a,
           c != (void *)-1 && strcmp(c, "one segment") == 0);
    show("shmdt, not an attachment", shmdt(a + pg));
    show("shmdt", shmdt(a));
    show("shmdt, again", shmdt(a));
    show("shmdt, read-only", shmdt(b));
    show("shmctl IPC_RMID", shmctl(id, IPC_RMID, NULL));
    show("shmat, removed", shmat(id, NULL, 0) == (void *)-1 ? -1 : 0);
}

static void ipc_calls(void)
{
    int q = msgget(IPC_PRIVATE, 0600);
    show("msgget", q >= 0 ? 0 : -1);
    struct {
        long type;
        char text[8];
    } msg = {5, "hi"}, in = {0};
    show("msgsnd", msgsnd(q, &msg, 3, 0));
    struct msqid_ds ds;
    show("msgctl IPC_STAT", msgctl(q, IPC_STAT, &ds));
    printf("queue: %lu message(s), %lu byte(s), mode %o\n", (unsigned long)ds.msg_qnum,
           (unsigned long)ds.__msg_cbytes, ds.msg_perm.mode & 0777);
    show("msgrcv", msgrcv(q, &in, sizeof(in.text), 0, 0));
    printf("received type %ld: %s\n", in.type, in.text);
    show("msgrcv, empty", msgrcv(q, &in, sizeof(in.text), 0, IPC_NOWAIT));
    show("msgsnd, bad buffer", msgsnd(q, bad, 3, 0));
    ds.msg_perm.mode = 0640;
    show("msgctl IPC_SET", msgctl(q, IPC_SET, &ds));
    msgctl(q, IPC_STAT, &ds);
    printf("queue mode now %o\n", ds.msg_perm.mode & 0777);
    show("msgctl IPC_RMID", msgctl(q, IPC_RMID, NULL));
    int s = semget(IPC_PRIVATE, 2, 0600);
    show("semget", s >= 0 ? 0 : -1);
    unsigned short vals[2] = {3, 4};
    show("semctl SETALL", semctl(s, 0, SETALL, vals));
    struct sembuf op = {0, -1, 0};
    show("semop", semop(s, &op, 1));
    show("semctl GETVAL", semctl(s, 0, GETVAL));
    show("semctl SETVAL", semctl(s, 1, SETVAL, 9));
    memset(vals, 0, sizeof(vals));
    show("semctl GETALL", semctl(s, 0, GETALL, vals));
    printf("values %u %u\n", vals[0], vals[1]);
    struct semid_ds sds;
    show("semctl IPC_STAT", semctl(s, 0, IPC_STAT, &sds));
    printf("semaphores: %lu, mode %o\n", (unsigned long)sds.sem_nsems, sds.sem_perm.mode & 0777);
    struct sembuf wait0 = {1, -100, 0};
    struct timespec ts = {0, 10 * 1000 * 1000};
    show("semtimedop, times out", semtimedop(s, &wait0, 1, &ts));
    struct itimerval it = {.it_value = {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    show("semop, a handled signal", semop(s, &wait0, 1));
    show("semop, bad operations", semop(s, bad, 1));
    show("semctl IPC_RMID", semctl(s, 0, IPC_RMID));
    show("semop, removed", semop(s, &op, 1));
    shm_calls();
}

/* The calls that need a folder: inotify and extended attributes. */
static void folder_calls(const char *dir)
{
    if (chdir(dir) < 0)
        return;
    int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    show("inotify_init1", in >= 0 ? 0 : -1);
    int wd = inotify_add_watch(in, ".", IN_CREATE | IN_DELETE);
    show("inotify_add_watch", wd > 0 ? 1 : -1);
    close(open("f", O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
    union {
        struct inotify_event ev;
        char buf[512];
    } u;
    ssize_t n = read(in, u.buf, sizeof(u.buf));
    printf("inotify: %s mask %#x name %s\n", n > 0 ? "event" : "nothing", u.ev.mask, u.ev.name);
    show("inotify_add_watch, missing", inotify_add_watch(in, "missing", IN_CREATE));
    show("inotify_add_watch, bad path", syscall(SYS_inotify_add_watch, in, bad, IN_CREATE));
    show("inotify_add_watch, an engine fd", inotify_add_watch(HIGH_FD, ".", IN_CREATE));
    show("inotify_rm_watch", inotify_rm_watch(in, wd));
    show("inotify_rm_watch again", inotify_rm_watch(in, wd));
    close(in);
    show("setxattr", setxattr("f", "user.calls", "hello", 5, 0));
    char v[16] = {0};
    show("getxattr", getxattr("f", "user.calls", v, sizeof(v)));
    printf("value %s\n", v);
    show("setxattr create, exists", setxattr("f", "user.calls", "x", 1, XATTR_CREATE));
    show("setxattr replace, missing", setxattr("f", "user.none", "x", 1, XATTR_REPLACE));
    symlink("f", "l");
    show("lsetxattr on a symlink", lsetxattr("l", "user.calls", "x", 1, 0));
    show("setxattr through a symlink", setxattr("l", "user.more", "yes", 3, 0));
    int fd = open("f", O_RDONLY | O_CLOEXEC);
    show("fsetxattr", fsetxattr(fd, "user.calls", "bye", 3, 0));
    memset(v, 0, sizeof(v));
    getxattr("f", "user.calls", v, sizeof(v));
    printf("value %s\n", v);
    show("fsetxattr, an engine fd", fsetxattr(HIGH_FD, "user.calls", "x", 1, 0));
    show("setxattr, bad value", syscall(SYS_setxattr, "f", "user.calls", bad, 4, 0));
    show("removexattr", removexattr("f", "user.calls"));
    show("removexattr again", removexattr("f", "user.calls"));
    show("lremovexattr on a symlink", lremovexattr("l", "user.more"));
    show("fremovexattr", fremovexattr(fd, "user.more"));
    show("fremovexattr, an engine fd", fremovexattr(HIGH_FD, "user.more"));
    show("removexattr, missing file", removexattr("missing", "user.calls"));
    close(fd);
    unlink("l");
    unlink("f");
}

/* MAP_SHARED: memory a forked child writes into, a file's pages seen through read and write
 * both ways, a moved mapping still the file's, private zero pages where one was unmapped, and
 * what a file opened read-only refuses. */
/* Three pages of address space, the first mapped as asked, the two after it free. */
static char *with_room(long pg, int prot, int flags, int fd)
{
    char *r = mmap(NULL, 3 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED)
        return NULL;
    munmap(r + pg, 2 * pg);
    char *m = mmap(r, pg, prot, flags | MAP_FIXED, fd, 0);
    return m == MAP_FAILED ? NULL : m;
}

/* mremap's growth in place, without MREMAP_MAYMOVE, where the pages after are free: a shared
 * file mapping runs on in the file, anonymous memory's new page is zero; with no room after it,
 * ENOMEM. */
static void grow_calls(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    int rw = PROT_READ | PROT_WRITE;
    int fd = memfd_create("calls-grow", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 3 * pg) < 0 || pwrite(fd, "second page", 11, pg) != 11 ||
        pwrite(fd, "third page", 10, 2 * pg) != 10)
        return;
    char *f = with_room(pg, rw, MAP_SHARED, fd), buf[16] = {0};
    char *g = f ? mremap(f, pg, 2 * pg, 0) : MAP_FAILED;
    show("mremap in place, a shared file", g == MAP_FAILED ? -1 : g == f);
    if (g != MAP_FAILED) {
        g[pg + 50] = 'w';
        pread(fd, buf, 1, pg + 50);
        printf("grown shared file: its new page the file's %d, a write there reaches it %d\n",
               memcmp(g + pg, "second page", 11) == 0, buf[0] == 'w');
        munmap(g, 2 * pg);
    }
    /* A private one's too, grown in place and grown as it moves. */
    char *p = with_room(pg, rw, MAP_PRIVATE, fd);
    g = p ? mremap(p, pg, 2 * pg, 0) : MAP_FAILED;
    show("mremap in place, a private file", g == MAP_FAILED ? -1 : g == p);
    if (g != MAP_FAILED) {
        g[0] = 'p';
        int first = memcmp(g + pg, "second page", 11) == 0;
        char *to = mmap(NULL, 3 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        char *h = mremap(g, 2 * pg, 3 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, to);
        printf("grown private file: its new page the file's %d; moved and grown: kept %d, its "
               "last page the file's %d\n",
               first,
               h != MAP_FAILED && h[0] == 'p' && memcmp(h + pg, "second page", 11) == 0,
               h != MAP_FAILED && memcmp(h + 2 * pg, "third page", 10) == 0);
        munmap(h != MAP_FAILED ? h : g, 3 * pg);
    }
    char *a = with_room(pg, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1);
    if (a)
        a[0] = 'a';
    g = a ? mremap(a, pg, 3 * pg, 0) : MAP_FAILED;
    show("mremap in place, anonymous", g == MAP_FAILED ? -1 : g == a);
    if (g != MAP_FAILED) {
        printf("grown anonymous: kept %d, the new pages zero %d\n", g[0] == 'a',
               g[pg] == 0 && g[3 * pg - 1] == 0);
        munmap(g, 3 * pg);
    }
    char *two = mmap(NULL, 2 * pg, rw, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (two != MAP_FAILED) {
        show("mremap in place, no room after", mremap(two, pg, 2 * pg, 0) == MAP_FAILED ? -1 : 0);
        munmap(two, 2 * pg);
    }
    close(fd);
}

static void shared_calls(void)
{
    long pg = sysconf(_SC_PAGESIZE);
    int rw = PROT_READ | PROT_WRITE;
    volatile int *count = mmap(NULL, pg, rw, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    volatile int *own = mmap(NULL, pg, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (count == MAP_FAILED || own == MAP_FAILED) {
        show("mmap, shared anonymous", -1);
        return;
    }
    *count = 1, *own = 1;
    pid_t child = fork();
    if (child == 0) {
        *count = 42, *own = 42;
        _exit(0);
    }
    waitpid(child, NULL, 0);
    printf("shared anonymous: the child's write seen %d; private: not seen %d\n", *count == 42,
           *own == 1);
    int fd = memfd_create("calls-shared", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, 2 * pg) < 0)
        return;
    char *f = mmap(NULL, 2 * pg, rw, MAP_SHARED, fd, 0);
    if (f == MAP_FAILED) {
        show("mmap, shared file", -1);
        return;
    }
    strcpy(f, "through the mapping");
    char buf[32] = {0};
    pread(fd, buf, 19, 0);
    pwrite(fd, "by pwrite", 9, pg);
    printf("shared file: a write through the mapping read %d, a pwrite seen in it %d\n",
           strcmp(buf, "through the mapping") == 0, memcmp(f + pg, "by pwrite", 9) == 0);
    child = fork();
    if (child == 0) {
        strcpy(f + 100, "child");
        _exit(0);
    }
    waitpid(child, NULL, 0);
    pread(fd, buf, 6, 100);
    printf("shared file: a forked child's write read %d\n", strcmp(buf, "child") == 0);
    /* Moved onto a place reserved for it: still the file's. */
    char *to = mmap(NULL, 2 * pg, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *g = mremap(f, 2 * pg, 2 * pg, MREMAP_MAYMOVE | MREMAP_FIXED, to);
    if (g == MAP_FAILED) {
        show("mremap, shared file", -1);
        return;
    }
    g[200] = 'x';
    pread(fd, buf, 1, 200);
    printf("shared file moved: the file's still %d, the old place gone %d\n", buf[0] == 'x',
           msync(f, pg, MS_SYNC) < 0 && errno == ENOMEM);
    /* Private anonymous pages where the file was: zero, and the file keeps its bytes. */
    munmap(g, 2 * pg);
    char *h = mmap(g, 2 * pg, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    int zero = h[0] == 0 && h[pg] == 0;
    h[0] = 'z';
    pread(fd, buf, 1, 0);
    printf("mapped again private: zero %d, the file kept %d\n", zero, buf[0] == 't');
    /* MAP_FIXED private over a shared mapping: the same. */
    char *k = mmap(NULL, pg, rw, MAP_SHARED, fd, 0);
    char *l = mmap(k, pg, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    zero = l[0] == 0;
    l[0] = 'q';
    pread(fd, buf, 1, 0);
    printf("private over shared: zero %d, the file kept %d\n", zero, buf[0] == 't');
    munmap(l, pg);
    munmap(h, 2 * pg);
    close(fd);
    int ro = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    char *e = mmap(NULL, pg, PROT_READ, MAP_SHARED, ro, 0);
    const char *seen = e == MAP_FAILED ? strerrorname_np(errno)
                       : memcmp(e, "\177ELF", 4) == 0 ? "its bytes"
                                                        : "other bytes";
    printf("a read-only file shared: %s\n", seen);
    show("mmap, a read-only file shared writable",
         mmap(NULL, pg, rw, MAP_SHARED, ro, 0) == MAP_FAILED ? -1 : 0);
    show("mprotect, a read-only file's shared pages writable", mprotect(e, pg, rw));
    show("mmap, a read-only file private writable",
         mmap(NULL, pg, rw, MAP_PRIVATE, ro, 0) == MAP_FAILED ? -1 : 0);
    close(ro);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    restart_calls();
    sigwait_calls();
    timer_calls();
    file_data_calls();
    memory_calls();
    sched_calls();
    identity_calls();
    pidfd_calls();
    ipc_calls();
    shared_calls();
    grow_calls();
    if (argc > 1)
        folder_calls(argv[1]);
    return 0;
}
