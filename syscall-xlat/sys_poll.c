/* sys_poll.c: poll, ppoll, select and pselect6 over the host's, with the engine's own fds out of
 * the guest's sight and the temporary signal mask of the p- forms. */
#include "sys_internal.h"

#include <poll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <time.h>

#define POLL_MAX 4096 /* well under RLIMIT_NOFILE; poll(2) says EINVAL above it */

/* struct pollfd, fd_set, struct timespec and struct timeval have one layout on both LP64 ABIs.
 * hmask: the host's mask for the wait, or NULL for the thread's. */
static int64_t do_poll(struct xlat_proc *p, uint64_t gfds, uint64_t n, const struct timespec *ts,
                       const uint64_t *hmask)
{
    if (n > POLL_MAX)
        return -EINVAL;
    struct pollfd *fds = n ? xlat_mem_ptr(p->mem, gfds, n * sizeof(*fds), XLAT_PG_R | XLAT_PG_W)
                           : NULL;
    if (n && !fds)
        return -EFAULT;
    /* An engine fd is no fd of the guest's: POLLNVAL, as for one that is closed. The host
     * polls a copy where it is skipped (a negative fd is ignored: poll(2)). */
    struct pollfd copy[n ? n : 1];
    int invalid = 0;
    for (uint64_t i = 0; i < n; i++) {
        copy[i] = fds[i];
        if (fds[i].fd >= 0 && xlat_fd_reserved(p, fds[i].fd)) {
            copy[i].fd = -1;
            invalid++;
        }
    }
    struct timespec zero = {0, 0}, left;
    if (ts)
        left = *ts;
    int r = (int)syscall(SYS_ppoll, copy, n, invalid ? &zero : ts ? &left : NULL, hmask,
                         hmask ? sizeof(*hmask) : 0);
    if (r < 0)
        return -errno;
    for (uint64_t i = 0; i < n; i++) {
        bool bad = fds[i].fd >= 0 && copy[i].fd < 0;
        fds[i].revents = bad ? POLLNVAL : copy[i].revents;
    }
    return r + invalid;
}

/* The p- forms block with the guest's temporary mask; a handler that interrupts them saves the
 * old one in its frame (fs/select.c, poll_select_finish and restore_saved_sigmask_unless). */
int64_t xlat_mask_begin(struct xlat_proc *p, uint64_t gmask, uint64_t size, bool *masked,
                        uint64_t *host)
{
    *masked = false;
    if (!gmask)
        return 0;
    if (size != 8)
        return -EINVAL;
    uint64_t set;
    if (xlat_mem_read(p->mem, gmask, &set, 8) < 0)
        return -EFAULT;
    struct xlat_thread *t = xlat_thread_cur(p);
    t->restore_mask = t->sigmask;
    t->restore_pending = true;
    t->sigmask = set & ~(XLAT_SIGBIT(SIGKILL) | XLAT_SIGBIT(SIGSTOP));
    *host = xlat_signal_host_set(t);
    *masked = true;
    /* Not mirrored on the thread: a signal pending on the host that the mask lets through would
     * land now, before the wait, which would then wait on. */
    return __atomic_load_n(&t->pending, __ATOMIC_ACQUIRE) & ~t->sigmask ? -EINTR : 0;
}

void xlat_mask_end(struct xlat_proc *p, bool masked, int64_t rc)
{
    struct xlat_thread *t = xlat_thread_cur(p);
    if (!masked || rc == -EINTR)
        return; /* EINTR: the signal's frame (or xlat_thread_syscall) puts the mask back */
    t->sigmask = t->restore_mask;
    t->restore_pending = false;
    xlat_signal_mirror_mask(t);
}

static int64_t read_timespec(struct xlat_proc *p, uint64_t g, struct timespec *ts)
{
    if (xlat_mem_read(p->mem, g, ts, sizeof(*ts)) < 0)
        return -EFAULT;
    if (ts->tv_sec < 0 || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000)
        return -EINVAL;
    return 0;
}

XLAT_SYS(poll)
{
    int ms = (int)a[2];
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    return do_poll(p, a[0], a[1], ms < 0 ? NULL : &ts, NULL);
}

XLAT_SYS(ppoll)
{
    struct timespec ts;
    int64_t rc;
    if (a[2] && (rc = read_timespec(p, a[2], &ts)) < 0)
        return rc;
    bool masked;
    uint64_t host;
    if ((rc = xlat_mask_begin(p, a[3], a[4], &masked, &host)) < 0)
        return rc;
    rc = do_poll(p, a[0], a[1], a[2] ? &ts : NULL, masked ? &host : NULL);
    xlat_mask_end(p, masked, rc);
    return rc;
}

/* The three sets of select: host pointers into guest memory, NULL where the guest passed none.
 * An engine fd in any of them is EBADF, as a closed one is. */
static int64_t select_sets(struct xlat_proc *p, int n, const uint64_t g[3], fd_set *s[3])
{
    if (n < 0 || n > FD_SETSIZE)
        return -EINVAL;
    size_t bytes = ((size_t)n + 63) / 64 * 8;
    for (int i = 0; i < 3; i++) {
        s[i] = NULL;
        if (!g[i])
            continue;
        if (!(s[i] = xlat_mem_ptr(p->mem, g[i], bytes, XLAT_PG_R | XLAT_PG_W)))
            return -EFAULT;
        for (int fd = XLAT_FD_FLOOR; fd < n; fd++)
            if (FD_ISSET(fd, s[i]) && xlat_fd_reserved(p, fd))
                return -EBADF;
    }
    return 0;
}

XLAT_SYS(select)
{
    fd_set *s[3];
    int64_t rc = select_sets(p, (int)a[0], (const uint64_t[]){a[1], a[2], a[3]}, s);
    if (rc < 0)
        return rc;
    struct timeval *tv = NULL;
    if (a[4] && !(tv = xlat_mem_ptr(p->mem, a[4], sizeof(*tv), XLAT_PG_R | XLAT_PG_W)))
        return -EFAULT;
    /* select(2) on Linux writes back the time left: the host's call does it in place. */
    return XLAT_RET(select((int)a[0], s[0], s[1], s[2], tv));
}

XLAT_SYS(pselect6)
{
    fd_set *s[3];
    int64_t rc = select_sets(p, (int)a[0], (const uint64_t[]){a[1], a[2], a[3]}, s);
    if (rc < 0)
        return rc;
    struct timespec *ts = NULL;
    if (a[4] && !(ts = xlat_mem_ptr(p->mem, a[4], sizeof(*ts), XLAT_PG_R | XLAT_PG_W)))
        return -EFAULT;
    /* The sixth argument is {const sigset_t *ss; size_t ss_len} (fs/select.c). */
    uint64_t sig[2] = {0, 0};
    if (a[5] && xlat_mem_read(p->mem, a[5], sig, sizeof(sig)) < 0)
        return -EFAULT;
    bool masked;
    uint64_t host;
    if ((rc = xlat_mask_begin(p, sig[0], sig[1], &masked, &host)) < 0)
        return rc;
    const uint64_t hsig[2] = {(uint64_t)(uintptr_t)&host, sizeof(host)};
    rc = XLAT_RET(syscall(SYS_pselect6, (int)a[0], s[0], s[1], s[2], ts, masked ? hsig : NULL));
    xlat_mask_end(p, masked, rc);
    return rc;
}
