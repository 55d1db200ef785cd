/* sys_event.c: the event-loop fds: epoll, eventfd, timerfd, signalfd and inotify over the
 * host's, with the engine's own fds out of the guest's sight and struct epoll_event in the
 * guest's layout. */
#include "sys_internal.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

/* The events of one host call: more fit in the guest's array only when fewer are ready, and
 * epoll_wait(2) may always return fewer than maxevents. */
#define EPOLL_BATCH 256

/* The new fds are the host's lowest free ones: never an engine fd, which is open. */
XLAT_SYS(epoll_create1)
{
    (void)p;
    return XLAT_RET(epoll_create1((int)a[0]));
}

XLAT_SYS(epoll_create)
{
    (void)p;
    if ((int)a[0] <= 0)
        return -EINVAL; /* epoll_create(2): the size is ignored but must be positive */
    return XLAT_RET(epoll_create1(0));
}

/* The guest's struct epoll_event at g: 32-bit events, then the 64-bit data at offset 4 (x86-64,
 * packed) or 8. */
static int event_in(struct xlat_proc *p, uint64_t g, struct epoll_event *ev)
{
    uint8_t raw[16];
    unsigned size = p->abi->epoll_event_size;
    if (xlat_mem_read(p->mem, g, raw, size) < 0)
        return -EFAULT;
    memcpy(&ev->events, raw, 4);
    memcpy(&ev->data.u64, raw + size - 8, 8);
    return 0;
}

static int events_out(struct xlat_proc *p, uint64_t g, const struct epoll_event *ev, int n)
{
    unsigned size = p->abi->epoll_event_size;
    uint8_t raw[EPOLL_BATCH * 16];
    memset(raw, 0, (size_t)n * size);
    for (int i = 0; i < n; i++) {
        memcpy(raw + (size_t)i * size, &ev[i].events, 4);
        memcpy(raw + (size_t)i * size + size - 8, &ev[i].data.u64, 8);
    }
    return xlat_mem_write(p->mem, g, raw, (uint64_t)n * size);
}

XLAT_SYS(epoll_ctl)
{
    FD_OR_EBADF(a[0]);
    FD_OR_EBADF(a[2]); /* an engine fd is no fd of the guest's to watch */
    struct epoll_event ev = {0};
    int op = (int)a[1], e;
    /* Only ADD and MOD read the event (ep_op_has_event): DEL takes NULL. */
    if (op != EPOLL_CTL_DEL && (e = event_in(p, a[3], &ev)) < 0)
        return e;
    return XLAT_RET(epoll_ctl((int)a[0], op, (int)a[2], &ev));
}

/* epoll_wait and its p- forms; ts NULL blocks. Checks in the kernel's order (do_epoll_wait):
 * the count, the array, then the fd. */
static int64_t do_wait(struct xlat_proc *p, const uint64_t *a, const struct timespec *ts,
                       uint64_t gmask, uint64_t masksize)
{
    int maxevents = (int)a[2];
    unsigned size = p->abi->epoll_event_size;
    if (maxevents <= 0 || (uint64_t)maxevents > INT32_MAX / size)
        return -EINVAL;
    if (!xlat_mem_ptr(p->mem, a[1], (uint64_t)maxevents * size, XLAT_PG_W))
        return -EFAULT;
    FD_OR_EBADF(a[0]);
    bool masked;
    uint64_t host;
    int64_t rc = xlat_mask_begin(p, gmask, masksize, &masked, &host);
    if (rc < 0)
        return rc;
    struct epoll_event ev[EPOLL_BATCH];
    int n = maxevents < EPOLL_BATCH ? maxevents : EPOLL_BATCH;
    rc = XLAT_RET(syscall(SYS_epoll_pwait2, (int)a[0], ev, n, ts, masked ? &host : NULL,
                          masked ? sizeof(host) : 0));
    xlat_mask_end(p, masked, rc);
    if (rc > 0) {
        int e = events_out(p, a[1], ev, (int)rc);
        if (e < 0)
            return e;
    }
    return rc;
}

static bool timeout_ms(int ms, struct timespec *ts)
{
    ts->tv_sec = ms / 1000;
    ts->tv_nsec = (long)(ms % 1000) * 1000000;
    return ms < 0;
}

XLAT_SYS(epoll_wait)
{
    struct timespec ts;
    bool forever = timeout_ms((int)a[3], &ts);
    return do_wait(p, a, forever ? NULL : &ts, 0, 0);
}

XLAT_SYS(epoll_pwait)
{
    struct timespec ts;
    bool forever = timeout_ms((int)a[3], &ts);
    return do_wait(p, a, forever ? NULL : &ts, a[4], a[5]);
}

XLAT_SYS(epoll_pwait2)
{
    struct timespec ts;
    if (a[3]) {
        if (xlat_mem_read(p->mem, a[3], &ts, sizeof(ts)) < 0)
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            return -EINVAL;
    }
    return do_wait(p, a, a[3] ? &ts : NULL, a[4], a[5]);
}

/* eventfd's flags (EFD_*) are O_ flags, the same numbers on both ABIs; so are timerfd's and
 * signalfd's. */
XLAT_SYS(eventfd2)
{
    (void)p;
    return XLAT_RET(eventfd((unsigned)a[0], (int)a[1]));
}

XLAT_SYS(eventfd)
{
    (void)p;
    return XLAT_RET(eventfd((unsigned)a[0], 0));
}

XLAT_SYS(timerfd_create)
{
    (void)p;
    return XLAT_RET(timerfd_create((int)a[0], (int)a[1]));
}

/* struct itimerspec is two timespecs of two 64-bit words on both ABIs. */
XLAT_SYS(timerfd_settime)
{
    FD_OR_EBADF(a[0]);
    struct itimerspec nv, ov;
    if (xlat_mem_read(p->mem, a[2], &nv, sizeof(nv)) < 0)
        return -EFAULT;
    if (a[3] && !xlat_mem_ptr(p->mem, a[3], sizeof(ov), XLAT_PG_W))
        return -EFAULT;
    if (timerfd_settime((int)a[0], (int)a[1], &nv, a[3] ? &ov : NULL) < 0)
        return -errno;
    return a[3] ? xlat_mem_write(p->mem, a[3], &ov, sizeof(ov)) : 0;
}

XLAT_SYS(timerfd_gettime)
{
    FD_OR_EBADF(a[0]);
    struct itimerspec cur;
    if (!xlat_mem_ptr(p->mem, a[1], sizeof(cur), XLAT_PG_W))
        return -EFAULT;
    if (timerfd_gettime((int)a[0], &cur) < 0)
        return -errno;
    return xlat_mem_write(p->mem, a[1], &cur, sizeof(cur));
}

/* A signalfd reads what is pending on the host for the calling thread and its process: guest
 * signals are host signals and the host mask follows the guest's (xlat_signal_mirror_mask), so
 * the signals a guest blocks to read them stay pending on the host, where the host's signalfd
 * finds them, as Linux's does. Those the engine needs for itself are left out of the set, so
 * that a guest can never take them. What it reads is struct signalfd_siginfo, one layout on
 * every ABI; its pids are the host's, which differ from the guest's only for a guest that is
 * alone, and only for its first process: read translates them (xlat_signalfd_read). */
XLAT_SYS(signalfd4)
{
    if ((int64_t)a[0] != -1)
        FD_OR_EBADF(a[0]);
    if (a[2] != 8)
        return -EINVAL;
    uint64_t mask;
    if (xlat_mem_read(p->mem, a[1], &mask, sizeof(mask)) < 0)
        return -EFAULT;
    mask &= ~xlat_signal_host_reserved();
    sigset_t set;
    sigemptyset(&set);
    for (int sig = 1; sig <= XLAT_NSIG; sig++)
        if (mask & XLAT_SIGBIT(sig))
            sigaddset(&set, sig);
    int fd = signalfd((int)a[0], &set, (int)a[3]);
    if (fd < 0)
        return -errno;
    if (fd < XLAT_SIGNALFD_FDS)
        p->signalfds[fd / 64] |= 1ull << (fd % 64);
    return fd;
}

/* struct signalfd_siginfo is 128 bytes with the sender's pid at offset 12 (signalfd(2)). Only a
 * guest that is alone knows pids the host does not, so only its reads need looking at; the fd
 * may have been closed and its number reused since signalfd4 made it, hence the check of what it
 * is now. */
void xlat_signalfd_read(struct xlat_proc *p, int fd, void *buf, int64_t n)
{
    if (!p->alone || n <= 0 || n % 128 || fd < 0 || fd >= XLAT_SIGNALFD_FDS ||
        !(p->signalfds[fd / 64] & (1ull << (fd % 64))))
        return;
    char what[32];
    if (viv_fd_link(fd, what, sizeof(what)) < 0 || strcmp(what, "anon_inode:[signalfd]") != 0) {
        p->signalfds[fd / 64] &= ~(1ull << (fd % 64));
        return;
    }
    for (int64_t at = 0; at < n; at += 128) {
        uint32_t pid;
        memcpy(&pid, (char *)buf + at + 12, sizeof(pid));
        pid = (uint32_t)xlat_pid_to_guest(p, (pid_t)pid);
        memcpy((char *)buf + at + 12, &pid, sizeof(pid));
    }
}

XLAT_SYS(signalfd)
{
    return xlat_sys_signalfd4(p, (const uint64_t[]){a[0], a[1], a[2], 0});
}

/* inotify: IN_NONBLOCK and IN_CLOEXEC are O_NONBLOCK and O_CLOEXEC, whose values the generic
 * fcntl.h shares with x86-64, and struct inotify_event has one layout everywhere. */
XLAT_SYS(inotify_init1)
{
    (void)p;
    return XLAT_RET(inotify_init1((int)a[0]));
}

XLAT_SYS(inotify_init)
{
    (void)p, (void)a;
    return XLAT_RET(inotify_init1(0));
}

/* The watched path resolves inside the root; the watch is on the inode, so the proc link it is
 * reached by may close at once. */
XLAT_SYS(inotify_add_watch)
{
    FD_OR_EBADF(a[0]);
    uint32_t mask = (uint32_t)a[2];
    char path[PATH_MAX + 64];
    int fd;
    int64_t rc = xlat_path_proc_link(p, a[1], !(mask & IN_DONT_FOLLOW), path, sizeof(path), &fd);
    if (rc < 0)
        return rc;
    rc = XLAT_RET(inotify_add_watch((int)a[0], path, mask));
    if (fd >= 0)
        close(fd);
    return rc;
}

XLAT_SYS(inotify_rm_watch)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(inotify_rm_watch((int)a[0], (int)a[1]));
}
