/* sandbox_aide.c: the instance's aide, a thread of its first process that takes two slow kernel
 * jobs off that process's path to the guest's exec. It makes the instance's network namespace
 * while the first process builds the root: every per-namespace subsystem sets itself up,
 * loopback included, about a millisecond here. Then, if it is done by the time the root is
 * pivoted into, it detaches the old one, which waits out an RCU grace period (0.2-0.4 ms here),
 * while the first process drops its privileges and loads the seccomp policy. It has ended
 * before the guest starts: no process of viv's but the supervisor outlives the set-up. */
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

/* A new network namespace starts with lo down; guests expect localhost to work. */
static void loopback_up(void)
{
    long s = raw3(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, "lo", 3);
    if (raw3(SYS_ioctl, s, SIOCGIFFLAGS, (long)&ifr) == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        raw3(SYS_ioctl, s, SIOCSIFFLAGS, (long)&ifr);
    }
    raw3(SYS_close, s, 0, 0);
}

/* For --trace=run only: where the aide's time goes is where a launch's may. */
static int64_t now_us(void)
{
    struct timespec t = {0};
    if (!(viv_trace_mask & VIV_TRACE_RUN))
        return 0;
    raw3(SYS_clock_gettime, CLOCK_MONOTONIC, (long)&t, 0);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* A new namespace, lo up, and an fd of it in the fd table the aide shares. unshare affects the
 * calling thread alone: the first thread joins the namespace through the fd. */
static void make_netns(struct sandbox_aide *a)
{
    a->netns_us[0] = now_us();
    long r = raw3(SYS_unshare, CLONE_NEWNET, 0, 0);
    if (r == 0) {
        loopback_up();
        r = raw3(SYS_openat, AT_FDCWD, (long)"/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    }
    if (r < 0)
        a->netns_error = (int)-r;
    else
        a->netns_fd = (int)r;
    a->netns_us[1] = now_us();
}

/* The namespace is made by whichever of the two threads gets to it first: the aide, unless it
 * has not run by the time the first thread needs it (a busy CPU). */
static bool claim_netns(struct sandbox_aide *a, int who)
{
    int no_one = 0;
    return __atomic_compare_exchange_n(&a->netns_claim, &no_one, who, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE);
}

/* The aide has a working directory of its own (no CLONE_FS), which pivot_root(".", ".") moves
 * onto the new root as it moves the first thread's: there the old root is the mount stacked on
 * top of ".", for either to detach. */
static int aide_main(void *arg)
{
    struct sandbox_aide *a = arg;
    raw3(SYS_chdir, (long)"/", 0, 0);
    if (a->make_netns && claim_netns(a, 1))
        make_netns(a);
    flag_set(&a->netns_ready);
    flag_wait(&a->pivoted);
    if (a->aide_detaches) {
        long r = raw3(SYS_umount2, (long)".", MNT_DETACH, 0);
        a->detach_error = r < 0 ? (int)-r : 0;
    }
    __atomic_store_n(&a->done, 1, __ATOMIC_RELEASE);
    return 0;
}

/* Whether a CPU viv may use is likely free for the aide now: /proc/loadavg's fourth field counts
 * the tasks runnable this instant, the calling thread and the supervisor (writing the id maps)
 * among them. With one CPU there is nothing to overlap, and where the CPUs are taken the aide
 * would wait for one while we waited for it: we do its work ourselves. One task more than the
 * CPUs still counts as free: most often it is the teardown of a run just before (a kernel
 * worker, soon gone; one run in five of back-to-back ones here). Where it is a process that keeps
 * a CPU busy, the aide is slowed but costs no more than its start: if it has not begun the
 * namespace when we need it we make it ourselves, and if it has, it gets our CPU while we wait
 * (unpin). A count cannot tell the two apart; that is what makes either case cheap. */
static bool spare_cpu(void)
{
    cpu_set_t cpus;
    if (sched_getaffinity(0, sizeof(cpus), &cpus) < 0 || CPU_COUNT(&cpus) < 2)
        return false;
    char buf[128];
    int fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    if (fd >= 0)
        close(fd);
    unsigned running;
    if (n <= 0)
        return true;
    buf[n] = '\0';
    if (sscanf(buf, "%*s %*s %*s %u/", &running) != 1)
        return true;
    return running <= (unsigned)CPU_COUNT(&cpus) + 1;
}

void sandbox_aide_start(struct sandbox_aide *a, bool make_netns)
{
    memset(a, 0, offsetof(struct sandbox_aide, stack));
    a->tid = -1;
    a->netns_fd = -1;
    a->last_pid_fd = -1;
    a->make_netns = make_netns;
    if (!spare_cpu())
        return;
    /* The aide must not take pid 2, which the entrypoint's first child (or, under --init, the
     * entrypoint) should have: it is born far above, and the counter goes back to 1 while we
     * still may write it. Opened now, while /proc is the host's and writable; written at offset
     * 0, as a sysctl ignores what is written further in. Without it, the first thread does the
     * aide's work itself. */
    a->last_pid_fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
    if (a->last_pid_fd < 0 || pwrite(a->last_pid_fd, "1000", 4, 0) != 4)
        return;
    /* A thread: the kernel clears tid and wakes its futex when the aide is gone, which is all
     * there is to wait for. Its exit signal is none, and its signals are those the first
     * thread blocks (every relayed one, until the guest starts). */
    pid_t tid = clone(aide_main, a->stack + sizeof(a->stack),
                      CLONE_VM | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
                          CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
                      a, &a->tid, NULL, &a->tid);
    if (tid < 0)
        a->tid = -1;
    /* On another CPU than ours: a task just made counts as cache-hot for half a millisecond, in
     * which an idle CPU does not pull it over, so left on ours it would wait out our time slice
     * first. Within the CPUs viv may use; none other when there is one. And we stay on ours:
     * woken (by the supervisor's go) on the aide's, we would wait out its network namespace,
     * a millisecond of kernel work without a point where it yields. */
    int self = sandbox_getcpu();
    if (tid > 0 && self >= 0 && sched_getaffinity(0, sizeof(a->cpus), &a->cpus) == 0 &&
        CPU_COUNT(&a->cpus) > 1) {
        cpu_set_t cpus = a->cpus;
        CPU_CLR(self, &cpus);
        a->pinned = sched_setaffinity(tid, sizeof(cpus), &cpus) == 0;
        CPU_ZERO(&cpus);
        CPU_SET(self, &cpus);
        a->self_pinned = a->pinned && sched_setaffinity(0, sizeof(cpus), &cpus) == 0;
    }
    a->started = tid > 0;
    /* Should it fail, the guest's first pid is 3 and nothing else changes. */
    ssize_t w = pwrite(a->last_pid_fd, "1", 1, 0);
    (void)w;
}

/* Once we wait for the aide, it gets our CPU, which we leave idle: on a busy machine the other
 * one may be running something else, which the aide would wait out. Allowing it every CPU again
 * is not enough: having just run where it is, it counts as cache-hot, and an idle CPU does not
 * pull it over. */
static void unpin(struct sandbox_aide *a)
{
    pid_t tid = __atomic_load_n(&a->tid, __ATOMIC_ACQUIRE);
    if (a->pinned && tid > 0) {
        int cpu = sandbox_getcpu();
        cpu_set_t ours;
        CPU_ZERO(&ours);
        if (cpu >= 0 && CPU_ISSET(cpu, &a->cpus))
            CPU_SET(cpu, &ours);
        else
            ours = a->cpus;
        sched_setaffinity(tid, sizeof(ours), &ours);
    }
    a->pinned = false;
}

/* Every CPU again for us, before the guest inherits our affinity. */
static void unpin_self(struct sandbox_aide *a)
{
    if (a->self_pinned)
        sched_setaffinity(0, sizeof(a->cpus), &a->cpus);
    a->self_pinned = false;
}

int sandbox_aide_pivoted(struct sandbox_aide *a, struct viv_error *err)
{
    if (a->last_pid_fd >= 0)
        close(a->last_pid_fd);
    a->last_pid_fd = -1;
    /* While the aide is still at the network namespace (a busy CPU can make it take longer
     * than the root), we would only wait: we detach the old root ourselves meanwhile. */
    a->aide_detaches =
        a->started && (!a->make_netns || __atomic_load_n(&a->netns_ready, __ATOMIC_ACQUIRE));
    if (a->started)
        flag_set(&a->pivoted);
    if (!a->aide_detaches && umount2(".", MNT_DETACH) < 0)
        return viv_fail(err, errno, "detach the old root");
    if (!a->make_netns)
        return 0;
    int64_t wait_from = now_us();
    bool ours = !a->started || claim_netns(a, 2);
    if (ours) {
        make_netns(a);
    } else {
        if (!__atomic_load_n(&a->netns_ready, __ATOMIC_ACQUIRE))
            unpin(a);
        flag_wait(&a->netns_ready);
    }
    int64_t waited = !ours && a->netns_us[1] > wait_from ? a->netns_us[1] - wait_from : 0;
    viv_trace(VIV_TRACE_RUN, "run",
              "instance: network namespace made in %.3f ms by %s, waited for %.3f ms",
              (double)(a->netns_us[1] - a->netns_us[0]) / 1000, ours ? "us" : "the aide",
              (double)waited / 1000);
    if (a->netns_fd < 0)
        return viv_fail(err, a->netns_error, "create the network namespace");
    int rc = setns(a->netns_fd, CLONE_NEWNET);
    close(a->netns_fd);
    a->netns_fd = -1;
    return rc < 0 ? viv_fail(err, errno, "join the network namespace") : 0;
}

int sandbox_aide_finish(struct sandbox_aide *a, struct viv_error *err)
{
    if (!a->started)
        return 0;
    unpin_self(a);
    if (!__atomic_load_n(&a->done, __ATOMIC_ACQUIRE))
        unpin(a);
    /* Shared, not private: that is how the kernel wakes a cleared tid. */
    pid_t tid;
    while ((tid = __atomic_load_n(&a->tid, __ATOMIC_ACQUIRE)) != 0)
        syscall(SYS_futex, &a->tid, FUTEX_WAIT, tid, NULL);
    a->started = false;
    return a->detach_error ? viv_fail(err, a->detach_error, "detach the old root") : 0;
}
