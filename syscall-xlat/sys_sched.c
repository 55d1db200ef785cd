/* sys_sched.c: the calling process's resource limits, priority, CPU affinity and scheduling
 * policy, the CPU it runs on, memory barriers, and alarm. Pids are the host's (the guest's
 * processes are host processes of the instance's pid namespace), as for sched_getaffinity; the
 * calls that change a policy take those a guest that is alone knows, and reach only its own. */
#include "sys_internal.h"

#include <sched.h>
#include <time.h>
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

/* The host thread or process of the guest's id for the policy setters: 0 stays the caller;
 * a guest that is alone names its own threads and processes, and no others (ESRCH). */
static int64_t sched_target(struct xlat_proc *p, uint64_t gpid)
{
    pid_t pid = (pid_t)gpid, h;
    if (pid < 0)
        return -EINVAL;
    if (!p->alone || pid == 0)
        return pid;
    if ((h = xlat_own_thread(p, pid)) || (h = xlat_alone_process(p, pid)))
        return h;
    return -ESRCH;
}

/* sched_setparam (policy -1: the thread keeps its own) and sched_setscheduler. */
static int64_t set_param(struct xlat_proc *p, uint64_t gpid, int policy, uint64_t gparam)
{
    struct sched_param sp;
    int64_t pid = sched_target(p, gpid);
    if (pid < 0)
        return pid;
    if (xlat_mem_read(p->mem, gparam, &sp, sizeof(sp)) < 0)
        return -EFAULT;
    if (policy < 0)
        return XLAT_RET(syscall(SYS_sched_setparam, (pid_t)pid, &sp));
    return XLAT_RET(syscall(SYS_sched_setscheduler, (pid_t)pid, policy, &sp));
}

XLAT_SYS(sched_setparam)
{
    return set_param(p, a[0], -1, a[1]);
}

XLAT_SYS(sched_setscheduler)
{
    /* A negative policy is EINVAL (sched_setscheduler(2)), never "keep". */
    return (int)a[1] < 0 ? -EINVAL : set_param(p, a[0], (int)a[1], a[2]);
}

XLAT_SYS(sched_rr_get_interval)
{
    struct timespec ts;
    int64_t pid = sched_target(p, a[0]);
    if (pid < 0)
        return pid;
    if (syscall(SYS_sched_rr_get_interval, (pid_t)pid, &ts) < 0)
        return -errno;
    return xlat_mem_write(p->mem, a[1], &ts, sizeof(ts));
}

/* struct sched_attr is versioned by its first word, its size (0: the first version's 48
 * bytes); the kernel takes up to a page of it, the part it does not know all zeros. */
#define SCHED_ATTR_VER0 48
#define SCHED_ATTR_MAX 4096

XLAT_SYS(sched_setattr)
{
    uint8_t attr[SCHED_ATTR_MAX] = {0};
    uint32_t size;
    int64_t pid = sched_target(p, a[0]);
    if (pid < 0)
        return pid;
    if (xlat_mem_read(p->mem, a[1], &size, sizeof(size)) < 0)
        return -EFAULT;
    uint32_t n = size ? size : SCHED_ATTR_VER0;
    if (n > SCHED_ATTR_MAX)
        n = SCHED_ATTR_MAX; /* the host says E2BIG, as the kernel does past a page */
    if (xlat_mem_read(p->mem, a[1], attr, n) < 0)
        return -EFAULT;
    memcpy(attr, &size, sizeof(size));
    return XLAT_RET(syscall(SYS_sched_setattr, (pid_t)pid, attr, (unsigned)a[2]));
}

XLAT_SYS(sched_getattr)
{
    uint8_t attr[SCHED_ATTR_MAX] = {0};
    int64_t pid = sched_target(p, a[0]);
    if (pid < 0)
        return pid;
    uint32_t size = (uint32_t)a[2];
    if (size > SCHED_ATTR_MAX)
        return -EINVAL; /* sched_getattr(2): more than a page */
    if (!xlat_mem_ptr(p->mem, a[1], size, XLAT_PG_W))
        return -EFAULT;
    if (syscall(SYS_sched_getattr, (pid_t)pid, attr, size, (unsigned)a[3]) < 0)
        return -errno;
    /* The kernel wrote as much as both sides know, and that size in the first word. */
    uint32_t wrote;
    memcpy(&wrote, attr, sizeof(wrote));
    return xlat_mem_write(p->mem, a[1], attr, wrote < size ? wrote : size);
}

/* getcpu's third argument is unused since Linux 2.6.24. */
XLAT_SYS(getcpu)
{
    unsigned cpu, node;
    if (syscall(SYS_getcpu, &cpu, &node, NULL) < 0)
        return -errno;
    if (a[0] && xlat_mem_write(p->mem, a[0], &cpu, sizeof(cpu)) < 0)
        return -EFAULT;
    return a[1] ? xlat_mem_write(p->mem, a[1], &node, sizeof(node)) : 0;
}

/* The guest's threads are host threads of this process: the host's barrier orders them. */
XLAT_SYS(membarrier)
{
    (void)p;
    return XLAT_RET(syscall(SYS_membarrier, (int)a[0], (unsigned)a[1], (int)a[2]));
}
