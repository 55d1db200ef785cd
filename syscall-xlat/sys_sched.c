/* sys_sched.c: the calling process's resource limits, priority, CPU affinity and scheduling
 * policy, and alarm. Pids are the host's (the guest's processes are host processes of the
 * instance's pid namespace), as for sched_getaffinity. */
#include "sys_internal.h"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

/* getrlimit and setrlimit take a struct rlimit of two 64-bit words on both ABIs: prlimit64's. */
XLAT_SYS(getrlimit)
{
    return xlat_sys_prlimit64(p, (const uint64_t[]){0, a[0], 0, a[1]});
}

XLAT_SYS(setrlimit)
{
    return xlat_sys_prlimit64(p, (const uint64_t[]){0, a[0], a[1], 0});
}

/* The raw calls: the kernel's getpriority answers 20 - nice, which the guest's libc expects. */
XLAT_SYS(getpriority)
{
    (void)p;
    return XLAT_RET(syscall(SYS_getpriority, (int)a[0], (id_t)a[1]));
}

XLAT_SYS(setpriority)
{
    (void)p;
    return XLAT_RET(syscall(SYS_setpriority, (int)a[0], (id_t)a[1], (int)a[2]));
}

XLAT_SYS(sched_setaffinity)
{
    const void *mask = xlat_mem_ptr(p->mem, a[2], a[1], XLAT_PG_R);
    if (!mask)
        return -EFAULT;
    return XLAT_RET(syscall(SYS_sched_setaffinity, (pid_t)a[0], (size_t)a[1], mask));
}

XLAT_SYS(sched_getparam)
{
    struct sched_param sp;
    if (syscall(SYS_sched_getparam, (pid_t)a[0], &sp) < 0)
        return -errno;
    return xlat_mem_write(p->mem, a[1], &sp, sizeof(sp));
}

XLAT_SYS(sched_getscheduler)
{
    (void)p;
    return XLAT_RET(syscall(SYS_sched_getscheduler, (pid_t)a[0]));
}

XLAT_SYS(sched_get_priority_max)
{
    (void)p;
    return XLAT_RET(sched_get_priority_max((int)a[0]));
}

XLAT_SYS(sched_get_priority_min)
{
    (void)p;
    return XLAT_RET(sched_get_priority_min((int)a[0]));
}

/* The process's real-time timer, as setitimer(ITIMER_REAL) sets it: SIGALRM reaches the guest
 * as every host signal for it does. */
XLAT_SYS(alarm)
{
    (void)p;
    return alarm((unsigned)a[0]);
}
