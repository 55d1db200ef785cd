/* sandbox_aide.c: the instance's aide, a thread of its first process that takes slow kernel jobs
 * off that process's path to the guest's exec. It makes the instance's network namespace while
 * the catalog is read and the first process builds the root: every per-namespace subsystem sets
 * itself up, about half a millisecond here, which the clone would have made the first process
 * wait for. Then it makes /dev (sandbox_devtree.c) and the ipc and uts namespaces, unless the
 * first process got to either first, brings loopback up and sets every signal's disposition to
 * its default. Once the root is pivoted into, it detaches the old one, which waits out an RCU
 * grace period (0.05-0.4 ms here), while the first process joins the namespaces, drops its
 * privileges and loads the seccomp policy. It has ended before the guest starts: no process of
 * viv's but the supervisor outlives the set-up. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

/* The aide is a thread the C library does not know of, on the first process's thread pointer:
 * it must not touch errno (the first thread's, which it may be reading) nor anything else of the
 * C library's. System calls by hand. */
static long raw3(long nr, long a, long b, long c)
{
    return sandbox_sys(nr, a, b, c, 0);
}

/* One-way flags between the first thread and the aide: set once, waited for with a futex
 * (private: the two share one memory). */
static void flag_set(int *flag)
{
    __atomic_store_n(flag, 1, __ATOMIC_RELEASE);
    raw3(SYS_futex, (long)flag, FUTEX_WAKE_PRIVATE, 1);
}

static void flag_wait(int *flag)
{
    while (!__atomic_load_n(flag, __ATOMIC_ACQUIRE))
        sandbox_sys(SYS_futex, (long)flag, FUTEX_WAIT_PRIVATE, 0, 0);
}

/* A new network namespace starts with lo down; guests expect localhost to work. Before the C
 * library's start, maybe: no memset or memcpy, which an unoptimised build would call. */
static void loopback_up(void)
{
    long s = raw3(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return;
    struct ifreq ifr;
    sandbox_zero(&ifr, sizeof(ifr));
    ifr.ifr_name[0] = 'l';
    ifr.ifr_name[1] = 'o';
    if (raw3(SYS_ioctl, s, SIOCGIFFLAGS, (long)&ifr) == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        raw3(SYS_ioctl, s, SIOCSIFFLAGS, (long)&ifr);
    }
    raw3(SYS_close, s, 0, 0);
}

/* The signals to give their default disposition before the guest's exec: those ignored, which
 * an exec keeps (a viv started from a script's background job has SIGINT and SIGQUIT ignored),
 * and those caught, whose handler, viv's, must not run in the guest's process meanwhile: stat's
 * fields 33 and 34, one read instead of sixty-odd calls; every signal where they cannot be read.
 */
static uint64_t dispositions_to_reset(void)
{
    uint64_t sets[2];
    return sandbox_stat_fields(33, 34, sets) < 0 ? ~0ull : sets[0] | sets[1];
}

/* The C library's own two (SIGCANCEL, SIGSETXID) stay as they are, as its signal() leaves them;
 * the two threads share their dispositions. */
static void reset_dispositions(void)
{
    struct {
        void *handler;
        unsigned long flags;
        void *restorer;
        unsigned long mask;
    } dfl = {.handler = SIG_DFL};
    uint64_t sigs = dispositions_to_reset();
    for (long sig = 1; sig <= 64; sig++)
        if ((sigs >> (sig - 1)) & 1 && sig != SIGKILL && sig != SIGSTOP && sig != 32 && sig != 33)
            sandbox_sys(SYS_rt_sigaction, sig, (long)&dfl, 0, sizeof(dfl.mask));
}

static int64_t clock_us(void)
{
    struct timespec t = {0};
    raw3(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&t, 0);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* For --trace=run only: where the aide's time goes is where a launch's may. */
static int64_t now_us(void)
{
    return viv_trace_mask & VIV_TRACE_RUN ? clock_us() : 0;
}

/* The names in place, not pointers: the aide may start before the C library has relocated
 * viv's pointers (sandbox_early.c). */
static const struct {
    int flag;
    char file[28];
} ns_kinds[SANDBOX_NS_COUNT] = {
    [SANDBOX_NS_IPC] = {CLONE_NEWIPC, "/proc/thread-self/ns/ipc"},
    [SANDBOX_NS_UTS] = {CLONE_NEWUTS, "/proc/thread-self/ns/uts"},
    [SANDBOX_NS_NET] = {CLONE_NEWNET, "/proc/thread-self/ns/net"},
};

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

/* Namespaces (flags) in one unshare, which affects the calling thread alone. Made by the aide,
 * they are handed over for the first thread to join: a pidfd of the aide's own thread (Linux 6.9)
 * joins them all in one setns, and costs one call where opening each one's /proc file costs
 * three, the first of them slow. The first thread making them for itself needs neither. */
static void make_namespaces(struct sandbox_aide *a, long flags, bool hand_over)
{
    if (!flags)
        return;
    long r = raw3(SYS_unshare, flags, 0, 0);
    if (r < 0)
        a->ns_failed = "create the instance's namespaces";
    if (r >= 0 && hand_over) {
        a->ns_flags |= flags;
        if (a->ns_pidfd < 0 && a->ns_fd[SANDBOX_NS_IPC] < 0 && a->ns_fd[SANDBOX_NS_NET] < 0) {
            long pidfd = raw3(SYS_pidfd_open, raw3(SYS_gettid, 0, 0, 0), PIDFD_THREAD, 0);
            if (pidfd >= 0)
                a->ns_pidfd = (int)pidfd;
        }
        for (int i = 0; a->ns_pidfd < 0 && r >= 0 && i < SANDBOX_NS_COUNT; i++) {
            if (!(flags & ns_kinds[i].flag))
                continue;
            r = raw3(SYS_openat, AT_FDCWD, (long)ns_kinds[i].file, O_RDONLY | O_CLOEXEC);
            if (r >= 0)
                a->ns_fd[i] = (int)r;
            else
                a->ns_failed = ns_kinds[i].file;
        }
    }
    if (r < 0 && !a->ns_error)
        a->ns_error = (int)-r;
}

/* The network namespace, timed for --trace=run: most of the aide's work. */
static void make_network_namespace(struct sandbox_aide *a, bool hand_over)
{
    /* Timed whether traced or not: an aide started before main cannot know yet (--trace is
     * parsed later), and two clock reads cost next to nothing beside the namespace. */
    a->ns_us[0] = clock_us();
    make_namespaces(a, a->make_netns ? CLONE_NEWNET : 0, hand_over);
    a->ns_us[1] = clock_us();
}

/* Each job is done by whichever of the two threads gets to it first: the aide, unless it has
 * not run by the time the first thread needs it (a busy CPU). */
static bool claim(int *who_claims, int who)
{
    int no_one = 0;
    return __atomic_compare_exchange_n(who_claims, &no_one, who, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
}

/* /proc's masks and read-only directories (sandbox_procmask.c), once the first thread has
 * mounted it, unless it has begun them itself: from the host's /dev/null, which the old root
 * holds (the first thread settles who does them before its pivot, and we detach only after). */
static void protect_proc_if_mounted(struct sandbox_aide *a)
{
    if (!__atomic_load_n(&a->proc_mounted, __ATOMIC_ACQUIRE) || !claim(&a->proc_claim, 1))
        return;
    a->proc_error = (int)sandbox_proc_protect(a->proc_fd, a->host_dev, &a->proc_failed);
    flag_set(&a->proc_done);
}

/* The aide has a working directory of its own (no CLONE_FS), which pivot_root(".", ".") moves
 * onto the new root as it moves the first thread's: there the old root is the mount stacked on
 * top of ".", for either to detach. The aide does, once, when the first thread has pivoted and
 * left it to us, last of its jobs. */
static void detach_old_root(struct sandbox_aide *a)
{
    if (!a->aide_detaches)
        return;
    /* The first thread took the sysfs over (take_sysfs): it needs the host's in view. */
    if (__atomic_load_n(&a->sys_claim, __ATOMIC_ACQUIRE) == 2)
        flag_wait(&a->sys_ready);
    a->detach_us[0] = now_us();
    long r = raw3(SYS_umount2, (long)".", MNT_DETACH, 0);
    a->detach_error = r < 0 ? (int)-r : 0;
    a->detach_us[1] = now_us();
}

static int aide_main(void *arg)
{
    struct sandbox_aide *a = arg;
    raw3(SYS_chdir, (long)"/", 0, 0);
    /* The network namespace first: it is most of the work. */
    bool made = claim(&a->ns_claim, 1);
    if (made) {
        make_network_namespace(a, true);
        flag_set(&a->ns_ready);
        /* A sysfs shows the network devices of the namespace whose task makes it: ours. Made
         * while the id maps are still being written (it needs none), the first thread finds it
         * ready once it has joined. */
        if (!a->ns_error && a->make_netns && claim(&a->sys_claim, 1)) {
            sandbox_sysfs_make(&a->sys);
            flag_set(&a->sys_ready);
        }
    }
    /* /dev needs the id maps (its files' owners, devpts's gid): as root, those of an instance
     * started early are in place before the go, and all up to the dispositions is done while
     * the supervisor is still in the C library's start or the catalog. The ipc and uts
     * namespaces, a tenth as long as /dev, come after it: the first thread, should it be waiting
     * for /dev by then, makes them itself meanwhile. Loopback, only the guest needs, comes after
     * those: brought up before /dev, it left /dev to the first thread more often, on its way to
     * the exec (1.5% slower). /proc's masks whenever the first thread has mounted it. The old
     * root's detaching last of all: it mostly sleeps (a grace period), and done before loopback
     * and the dispositions it held those up while the first thread, at its end, waited for them
     * (1.4% in launches back to back). Until the go, on the stand-in thread pointer of an
     * instance started before the C library (all of it system calls by hand). */
    flag_wait(a->maps_ready);
    if (claim(&a->tree_claim, 1)) {
        sandbox_devtree_make(&a->tree, a->rootless, a->host_dev);
        flag_set(&a->tree_ready);
    }
    protect_proc_if_mounted(a);
    if (made && claim(&a->small_claim, 1)) {
        make_namespaces(a, CLONE_NEWIPC | CLONE_NEWUTS, true);
        flag_set(&a->small_ready);
    }
    protect_proc_if_mounted(a);
    if (made && !a->ns_error && a->make_netns)
        loopback_up();
    reset_dispositions();
    a->dispositions_reset = true;
    flag_wait(&a->released);
    sandbox_set_thread_pointer(a->tls);
    protect_proc_if_mounted(a);
    __atomic_store_n(&a->idle, 1, __ATOMIC_RELEASE);
    flag_wait(&a->pivoted);
    detach_old_root(a);
    /* Our pidfd joins the namespaces only while we live. */
    flag_wait(&a->joined);
    __atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
    return 0;
}

/* Whether a CPU viv may use is likely free for the aide now: /proc/loadavg's fourth field counts
 * the tasks runnable this instant, the calling thread and the supervisor (writing the id maps)
 * among them. With one CPU there is nothing to overlap, and where the CPUs are taken the aide
 * would wait for one while we waited for it: we do its work ourselves. One task more than the
 * CPUs still counts as free: most often it is the teardown of a run just before (a kernel
 * worker, soon gone; one run in five or six of back-to-back ones here). Where it is a process
 * that keeps a CPU busy, the aide is slowed but costs no more than its start: if it has not begun
 * the namespaces when we need them we make them ourselves, and if it has, it gets our CPU while
 * we wait (unpin). A count cannot tell the two apart; that is what makes either case cheap. An
 * instance started early was counted for by the supervisor (sandbox_early.c). */
static bool spare_cpu(cpu_set_t *cpus, const cpu_set_t *given)
{
    if (given)
        *cpus = *given;
    else if (sandbox_sys(SYS_sched_getaffinity, 0, sizeof(*cpus), (long)cpus, 0) < 0)
        return false;
    if (CPU_COUNT(cpus) < 2)
        return false;
    /* Started early (given): the supervisor read the count a moment ago, before the clone, and
     * found no more than the CPUs beyond itself, which the count with us in it allows too. */
    if (given)
        return true;
    int running = sandbox_running_tasks(NULL);
    return running < 0 || running <= CPU_COUNT(cpus) + 1;
}

int sandbox_running_tasks(int *load1)
{
    char buf[128];
    long fd = raw3(SYS_openat, AT_FDCWD, (long)"/proc/loadavg", O_RDONLY | O_CLOEXEC);
    long n = fd >= 0 ? raw3(SYS_read, fd, (long)buf, sizeof(buf) - 1) : -1;
    if (fd >= 0)
        raw3(SYS_close, fd, 0, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    /* "0.01 0.05 0.09 2/345 6789": the first field in hundredths, the fourth's count before the
     * slash. */
    const char *p = buf;
    int centi = 0, digits = -1;
    for (; *p && *p != ' ' && centi < 100000000; p++) {
        if (*p == '.')
            digits = 0;
        else if (*p >= '0' && *p <= '9' && digits < 2)
            centi = centi * 10 + (*p - '0'), digits += digits >= 0;
    }
    if (load1)
        *load1 = digits == 2 ? centi : -1;
    for (int spaces = 0; *p && spaces < 3; p++)
        spaces += *p == ' ';
    if (*p < '0' || *p > '9')
        return -1;
    int running = 0;
    for (; *p >= '0' && *p <= '9' && running < 1000000; p++)
        running = running * 10 + (*p - '0');
    return running;
}

/* Errno-free: it runs in an instance started early, beside the supervisor (sandbox_early.c). */
void sandbox_aide_start(struct sandbox_aide *a, const struct sandbox_child *c)
{
    bool make_netns = c->make_netns;
    int home_cpu = c->home_cpu;
    const cpu_set_t *cpus = c->has_cpus ? &c->cpus : NULL;
    sandbox_zero(a, offsetof(struct sandbox_aide, stack));
    a->tid = -1;
    a->ns_pidfd = -1;
    for (int i = 0; i < SANDBOX_NS_COUNT; i++)
        a->ns_fd[i] = -1;
    a->last_pid_fd = -1;
    a->proc_fd = -1;
    a->sys.fd = -1;
    a->make_netns = make_netns;
    a->rootless = c->rootless;
    a->maps_ready = c->maps_ready;
    a->narrowed = cpus != NULL;
    /* The host's /dev, whose nodes /dev and /proc's masks are made of, by whichever thread makes
     * them: held by fd, as the aide may mask /proc once the root is pivoted into. */
    long dev = raw3(SYS_openat, AT_FDCWD, (long)"/dev", O_PATH | O_DIRECTORY | O_CLOEXEC);
    a->host_dev = dev < 0 ? -1 : (int)dev;
    if (!spare_cpu(&a->cpus, cpus))
        return;
    /* The aide must not take pid 2, which the entrypoint's first child (or, under --init, the
     * entrypoint) should have: it is born far above, and the counter goes back to 1 while we
     * still may write it. Opened now, while /proc is the host's and writable; written at offset
     * 0, as a sysctl ignores what is written further in. Without it, the first thread does the
     * aide's work itself. */
    long fd =
        raw3(SYS_openat, AT_FDCWD, (long)"/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
    a->last_pid_fd = fd < 0 ? -1 : (int)fd;
    if (fd < 0 || sandbox_sys(SYS_pwrite64, fd, (long)"1000", 4, 0) != 4)
        return;
    /* A thread: the kernel clears tid and wakes its futex when the aide is gone, which is all
     * there is to wait for. Its exit signal is none, and its signals are those the first
     * thread blocks (every relayed one, until the guest starts). */
    long tid = sandbox_clone(CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                                 CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
                             a->stack + sizeof(a->stack), aide_main, a, &a->tid, &a->tid, NULL);
    if (tid < 0)
        a->tid = -1;
    /* On another CPU than home, ours by default: a task just made counts as cache-hot for half
     * a millisecond, in which an idle CPU does not pull it over, so left on ours it would wait
     * out our time slice first. Within the CPUs viv may use; none other when there is one. And
     * we stay on home: woken (by the supervisor's go) on the aide's, we would wait out its
     * network namespace, half a millisecond of kernel work without a point where it yields. An
     * instance started early is given the supervisor's CPU as home: until the go, the
     * supervisor keeps that one busy with the catalog, while ours would stand idle but for the
     * aide (and what we make before the go: we move there in sandbox_aide_home); after it, the
     * supervisor sleeps. */
    a->home = home_cpu >= 0 && CPU_ISSET(home_cpu, &a->cpus) ? home_cpu : sandbox_getcpu();
    if (tid > 0 && a->home >= 0) {
        cpu_set_t cpus = a->cpus;
        CPU_CLR(a->home, &cpus);
        a->pinned = sandbox_sys(SYS_sched_setaffinity, tid, sizeof(cpus), (long)&cpus, 0) == 0;
    }
    a->started = tid > 0;
    /* Should it fail, the guest's first pid is 3 and nothing else changes. */
    sandbox_sys(SYS_pwrite64, fd, (long)"1", 1, 0);
}

void sandbox_aide_home(struct sandbox_aide *a)
{
    if (!a->pinned)
        return;
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(a->home, &cpus);
    a->self_pinned = sandbox_sys(SYS_sched_setaffinity, 0, sizeof(cpus), (long)&cpus, 0) == 0;
}

/* The aide, pinned to its spare CPU so far, onto the CPUs to instead; once, and not once it is
 * done (it may be gone). */
static void repin(struct sandbox_aide *a, const cpu_set_t *to)
{
    pid_t tid = __atomic_load_n(&a->tid, __ATOMIC_ACQUIRE);
    if (a->pinned && tid > 0 && !__atomic_load_n(&a->done, __ATOMIC_ACQUIRE))
        sandbox_sys(SYS_sched_setaffinity, tid, sizeof(*to), (long)to, 0);
    a->pinned = false;
}

/* Once we wait for the aide, it gets our CPU, which we leave idle: on a busy machine the other
 * one may be running something else, which the aide would wait out. Allowing it every CPU again
 * is not enough: having just run where it is, it counts as cache-hot, and an idle CPU does not
 * pull it over. */
static void unpin(struct sandbox_aide *a)
{
    if (!a->pinned)
        return;
    int cpu = sandbox_getcpu();
    cpu_set_t ours;
    CPU_ZERO(&ours);
    if (cpu >= 0 && CPU_ISSET(cpu, &a->cpus))
        CPU_SET(cpu, &ours);
    else
        ours = a->cpus;
    repin(a, &ours);
}

/* Every CPU again for us, before the guest inherits our affinity: also where an early start
 * narrowed it and no aide came to be. */
static void unpin_self(struct sandbox_aide *a)
{
    if (a->self_pinned || a->narrowed)
        sched_setaffinity(0, sizeof(a->cpus), &a->cpus);
    a->self_pinned = a->narrowed = false;
}

void sandbox_aide_released(struct sandbox_aide *a, void *tls)
{
    a->tls = tls;
    if (a->started) {
        flag_set(a->maps_ready);
        flag_set(&a->released);
    }
}

bool sandbox_aide_devtree_pending(const struct sandbox_aide *a)
{
    return a->started && __atomic_load_n(&a->tree_claim, __ATOMIC_ACQUIRE) == 1 &&
           !__atomic_load_n(&a->tree_ready, __ATOMIC_ACQUIRE);
}

bool sandbox_aide_netns_pending(const struct sandbox_aide *a)
{
    return a->started && __atomic_load_n(&a->ns_claim, __ATOMIC_ACQUIRE) == 1 &&
           !__atomic_load_n(&a->ns_ready, __ATOMIC_ACQUIRE);
}

/* The ipc and uts namespaces in this thread, unless the aide has begun them: the caller is about
 * to wait, or they are wanted now. */
static void make_small_namespaces(struct sandbox_aide *a)
{
    if (claim(&a->small_claim, 2))
        make_namespaces(a, CLONE_NEWIPC | CLONE_NEWUTS, false);
}

void sandbox_aide_meanwhile(struct sandbox_aide *a)
{
    make_small_namespaces(a);
}

int sandbox_aide_devtree(struct sandbox_aide *a, struct sandbox_devtree *t, struct viv_error *err)
{
    int64_t from = now_us();
    bool ours = !a->started || claim(&a->tree_claim, 2);
    if (ours) {
        sandbox_devtree_make(t, a->rootless, a->host_dev);
    } else {
        /* Begun: the aide is at it on its own CPU, where moving it now would cost more than the
         * little that is left. */
        flag_wait(&a->tree_ready);
        *t = a->tree;
    }
    viv_trace(VIV_TRACE_RUN, "run", "instance: /dev made by %s, waited for %.3f ms",
              ours ? "us" : "the aide", ours ? 0.0 : (double)(now_us() - from) / 1000);
    return t->error ? viv_fail(err, t->error, "%s", t->failed) : 0;
}

/* The instance's sysfs, once in its network namespace: the aide's, which it makes only in the
 * one it made, or made now. While the old root is there: in a user namespace the kernel makes a
 * sysfs only where one is fully visible already, the host's. An aide that would detach the old
 * root waits for ours (sys_ready). */
static void take_sysfs(struct sandbox_aide *a, struct sandbox_sysfs *sys)
{
    bool ours = !a->started || claim(&a->sys_claim, 2);
    viv_trace(VIV_TRACE_RUN, "run", "instance: sysfs made by %s", ours ? "us" : "the aide");
    if (ours) {
        sandbox_sysfs_make(sys);
        if (a->started)
            flag_set(&a->sys_ready);
        return;
    }
    flag_wait(&a->sys_ready);
    *sys = a->sys;
    a->sys.fd = -1;
}

/* Into the namespaces the aide made; the network one only with join_net. */
static int join_namespaces(struct sandbox_aide *a, bool join_net, struct viv_error *err)
{
    if (a->ns_pidfd >= 0) {
        long flags = join_net ? a->ns_flags : a->ns_flags & ~(long)CLONE_NEWNET;
        int rc = flags ? setns(a->ns_pidfd, (int)flags) : 0;
        int e = errno;
        close(a->ns_pidfd);
        a->ns_pidfd = -1;
        return rc < 0 ? viv_fail(err, e, "join the instance's namespaces") : 0;
    }
    for (int i = 0; i < SANDBOX_NS_COUNT; i++) {
        if (a->ns_fd[i] < 0)
            continue;
        int rc = i == SANDBOX_NS_NET && !join_net ? 0 : setns(a->ns_fd[i], ns_kinds[i].flag);
        int e = errno;
        close(a->ns_fd[i]);
        a->ns_fd[i] = -1;
        if (rc < 0)
            return viv_fail(err, e, "join %s", ns_kinds[i].file);
    }
    return 0;
}

void sandbox_aide_pivoted(struct sandbox_aide *a)
{
    /* Once the aide has made the network namespace, what it has left (/dev, /proc's masks, the
     * small namespaces, loopback, the dispositions) is shorter than our way to the exec: it
     * detaches the old root after those, and the grace period that waits out is off our path.
     * While it is still at the network namespace (a busy CPU can make it take longer than the
     * root), it might not get to it in time: we detach it ourselves, last. */
    a->aide_detaches = a->started && (__atomic_load_n(&a->idle, __ATOMIC_ACQUIRE) ||
                                      __atomic_load_n(&a->ns_ready, __ATOMIC_ACQUIRE));
    if (a->started)
        flag_set(&a->pivoted);
}

void sandbox_aide_proc_mounted(struct sandbox_aide *a, int proc)
{
    a->proc_fd = proc;
    if (a->started)
        flag_set(&a->proc_mounted);
}

int sandbox_aide_proc(struct sandbox_aide *a, int dev, struct viv_error *err)
{
    /* Begun by the aide: it has ended before the guest starts (sandbox_aide_finish says how). */
    bool ours = !a->started || claim(&a->proc_claim, 2);
    viv_trace(VIV_TRACE_RUN, "run", "instance: /proc protected by %s", ours ? "us" : "the aide");
    if (!ours)
        return 0;
    const char *failed;
    long r = sandbox_proc_protect(a->proc_fd, dev, &failed);
    return r < 0 ? viv_fail(err, (int)-r, "mask or protect /proc/%s", failed) : 0;
}

static int join(struct sandbox_aide *a, bool join_net, struct viv_error *err);

int sandbox_aide_join(struct sandbox_aide *a, bool join_net, struct sandbox_sysfs *sysfs,
                      struct viv_error *err)
{
    if (a->last_pid_fd >= 0)
        close(a->last_pid_fd);
    a->last_pid_fd = -1;
    int rc = join(a, join_net, err);
    if (rc == 0 && sysfs)
        take_sysfs(a, sysfs);
    /* Not while the aide masks /proc with the host's /dev/null, which the old root holds. */
    if (!a->aide_detaches && __atomic_load_n(&a->proc_claim, __ATOMIC_ACQUIRE) == 1)
        flag_wait(&a->proc_done);
    if (!a->aide_detaches && umount2(".", MNT_DETACH) < 0 && rc == 0)
        rc = viv_fail(err, errno, "detach the old root");
    return rc;
}

/* The namespaces made (by the aide, or now) and entered. */
static int join(struct sandbox_aide *a, bool join_net, struct viv_error *err)
{
    int64_t wait_from = now_us();
    bool ours = !a->started || claim(&a->ns_claim, 2);
    if (ours) {
        /* Only what the guest is to have: a network namespace made ready for an instance
         * started early may turn out not wanted. */
        a->make_netns = a->make_netns && join_net;
        make_network_namespace(a, false);
        if (!a->ns_error && a->make_netns)
            loopback_up();
    } else {
        if (!__atomic_load_n(&a->ns_ready, __ATOMIC_ACQUIRE))
            unpin(a);
        flag_wait(&a->ns_ready);
    }
    make_small_namespaces(a);
    if (__atomic_load_n(&a->small_claim, __ATOMIC_ACQUIRE) == 1)
        flag_wait(&a->small_ready);
    int64_t waited = !ours && a->ns_us[1] > wait_from ? a->ns_us[1] - wait_from : 0;
    viv_trace(VIV_TRACE_RUN, "run",
              "instance: network namespace made in %.3f ms by %s, waited for %.3f ms; ipc and "
              "uts by %s",
              (double)(a->ns_us[1] - a->ns_us[0]) / 1000, ours ? "us" : "the aide",
              (double)waited / 1000, a->small_claim == 1 ? "the aide" : "us");
    int rc = a->ns_error ? viv_fail(err, a->ns_error, "%s", a->ns_failed)
                         : join_namespaces(a, join_net, err);
    if (a->started)
        flag_set(&a->joined);
    /* Every CPU for the aide from here on, while we still may: once our privileges are dropped,
     * the kernel lets us move no thread that holds capabilities we do not (cap_safe_nice). What
     * it has left sleeps (the old root's grace period) more than it runs; woken, pinned to its
     * CPU, it waited there behind whatever ran (a kernel worker of the launch before, 0.9 ms
     * once) while ours stood idle, waiting for it. With every CPU it is woken onto an idle one. */
    repin(a, &a->cpus);
    return rc;
}

/* What the first thread handed the aide, once it is gone. */
static void close_handed(struct sandbox_aide *a)
{
    sandbox_close_raw(&a->host_dev);
    sandbox_close_raw(&a->proc_fd);
    /* Made for a network namespace the guest did not get. */
    if (a->sys.fd >= 0)
        sandbox_sys(SYS_close, a->sys.fd, 0, 0, 0);
    a->sys.fd = -1;
}

int sandbox_aide_finish(struct sandbox_aide *a, struct viv_error *err)
{
    unpin_self(a);
    if (!a->started) {
        close_handed(a);
        return 0;
    }
    unpin(a);
    /* Shared, not private: that is how the kernel wakes a cleared tid. */
    int64_t from = now_us();
    pid_t tid;
    while ((tid = __atomic_load_n(&a->tid, __ATOMIC_ACQUIRE)) != 0)
        syscall(SYS_futex, &a->tid, FUTEX_WAIT, tid, NULL);
    a->started = false;
    if (a->aide_detaches)
        viv_trace(VIV_TRACE_RUN, "run",
                  "instance: the aide is gone, waited for %.3f ms (it began to detach the old "
                  "root %.3f ms before, which took %.3f ms)",
                  (double)(now_us() - from) / 1000, (double)(from - a->detach_us[0]) / 1000,
                  (double)(a->detach_us[1] - a->detach_us[0]) / 1000);
    else
        viv_trace(VIV_TRACE_RUN, "run", "instance: the aide is gone, waited for %.3f ms",
                  (double)(now_us() - from) / 1000);
    close_handed(a);
    if (a->proc_error)
        return viv_fail(err, -a->proc_error, "mask or protect /proc/%s", a->proc_failed);
    return a->detach_error ? viv_fail(err, a->detach_error, "detach the old root") : 0;
}
