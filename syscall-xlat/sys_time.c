/* sys_time.c: clocks, POSIX timers and sleeping for the guest; struct timespec is two 64-bit
 * words on both. */
#include "sys_internal.h"

#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

XLAT_SYS(clock_gettime)
{
    struct timespec ts;
    if (clock_gettime((clockid_t)a[0], &ts) < 0)
        return -errno;
    return xlat_mem_write(p->mem, a[1], &ts, sizeof(ts));
}

XLAT_SYS(clock_getres)
{
    struct timespec ts;
    if (clock_getres((clockid_t)a[0], &ts) < 0)
        return -errno;
    return a[1] ? xlat_mem_write(p->mem, a[1], &ts, sizeof(ts)) : 0;
}

XLAT_SYS(gettimeofday)
{
    struct timeval tv;
    if (gettimeofday(&tv, NULL) < 0)
        return -errno;
    /* The timezone argument is obsolete (gettimeofday(2)): zeros, as the kernel keeps it. */
    if (a[1]) {
        uint32_t tz[2] = {0, 0};
        if (xlat_mem_write(p->mem, a[1], tz, sizeof(tz)) < 0)
            return -EFAULT;
    }
    return a[0] ? xlat_mem_write(p->mem, a[0], &tv, sizeof(tv)) : 0;
}

static int64_t sleep_common(struct xlat_proc *p, clockid_t clk, int flags, uint64_t req,
                            uint64_t rem)
{
    struct timespec r, left;
    if (xlat_mem_read(p->mem, req, &r, sizeof(r)) < 0)
        return -EFAULT;
    if (rem && !xlat_mem_ptr(p->mem, rem, sizeof(left), XLAT_PG_W))
        return -EFAULT;
    int e = clock_nanosleep(clk, flags, &r, &left);
    if (e == EINTR && rem && !(flags & TIMER_ABSTIME))
        xlat_mem_write(p->mem, rem, &left, sizeof(left));
    return -e;
}

XLAT_SYS(nanosleep)
{
    return sleep_common(p, CLOCK_MONOTONIC, 0, a[0], a[1]);
}

XLAT_SYS(clock_nanosleep)
{
    return sleep_common(p, (clockid_t)a[0], (int)a[1], a[2], a[3]);
}

XLAT_SYS(times)
{
    struct tms t;
    clock_t c = times(&t);
    if (c == (clock_t)-1)
        return -errno;
    if (a[0] && xlat_mem_write(p->mem, a[0], &t, sizeof(t)) < 0)
        return -EFAULT;
    return (int64_t)c;
}

XLAT_SYS(time)
{
    /* time(2): the seconds, stored at tloc too when it is not NULL. */
    int64_t now = (int64_t)time(NULL);
    if (a[0] && xlat_mem_write(p->mem, a[0], &now, sizeof(now)) < 0)
        return -EFAULT;
    return now;
}

/* POSIX timers are the host kernel's, under its ids (an int, __kernel_timer_t, on both ABIs):
 * their signals reach the guest as every host signal for it does, with SI_TIMER and the value.
 * struct sigevent is 64 bytes of the same layout on both LP64 ABIs; a SIGEV_THREAD_ID target is
 * one of the guest's threads (Linux's good_sigevent: EINVAL for any other), and the engine's
 * kick signal is never a timer's. */
struct guest_sigevent {
    uint64_t value;
    int32_t signo, notify, tid, pad[11];
};
_Static_assert(sizeof(struct guest_sigevent) == 64, "struct sigevent is 64 bytes");

XLAT_SYS(timer_create)
{
    struct guest_sigevent ev;
    if (a[1] && xlat_mem_read(p->mem, a[1], &ev, sizeof(ev)) < 0)
        return -EFAULT;
    if (!xlat_mem_ptr(p->mem, a[2], sizeof(int), XLAT_PG_W))
        return -EFAULT;
    if (a[1] && ev.notify != SIGEV_NONE && ev.signo == XLAT_KICK_SIGNAL)
        return -EINVAL;
    if (a[1] && (ev.notify & SIGEV_THREAD_ID) && !(ev.tid = xlat_own_thread(p, ev.tid)))
        return -EINVAL;
    int id;
    if (syscall(SYS_timer_create, (clockid_t)a[0], a[1] ? &ev : NULL, &id) < 0)
        return -errno;
    if (xlat_mem_write(p->mem, a[2], &id, sizeof(id)) < 0) {
        syscall(SYS_timer_delete, id);
        return -EFAULT;
    }
    return 0;
}

/* struct itimerspec is four 64-bit words on both. */
XLAT_SYS(timer_settime)
{
    struct itimerspec nv, ov;
    if (xlat_mem_read(p->mem, a[2], &nv, sizeof(nv)) < 0)
        return -EFAULT;
    if (a[3] && !xlat_mem_ptr(p->mem, a[3], sizeof(ov), XLAT_PG_W))
        return -EFAULT;
    if (syscall(SYS_timer_settime, (int)a[0], (int)a[1], &nv, a[3] ? &ov : NULL) < 0)
        return -errno;
    return a[3] ? xlat_mem_write(p->mem, a[3], &ov, sizeof(ov)) : 0;
}

XLAT_SYS(timer_gettime)
{
    struct itimerspec v;
    if (syscall(SYS_timer_gettime, (int)a[0], &v) < 0)
        return -errno;
    return xlat_mem_write(p->mem, a[1], &v, sizeof(v));
}

XLAT_SYS(timer_getoverrun)
{
    (void)p;
    return XLAT_RET(syscall(SYS_timer_getoverrun, (int)a[0]));
}

XLAT_SYS(timer_delete)
{
    (void)p;
    return XLAT_RET(syscall(SYS_timer_delete, (int)a[0]));
}
