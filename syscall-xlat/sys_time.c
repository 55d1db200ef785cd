/* sys_time.c: clocks and sleeping for the guest; struct timespec is two 64-bit words on both. */
#include "sys_internal.h"

#include <sys/time.h>
#include <sys/times.h>
#include <time.h>

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
