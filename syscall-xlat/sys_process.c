/* sys_process.c: process identity, exit_group, limits, randomness and uname for the guest. */
#include "sys_internal.h"

#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <unistd.h>

XLAT_SYS(exit_group)
{
    p->exiting = true;
    p->exit_status = (int)(a[0] & 0xff);
    return 0;
}

void xlat_proc_ids(const struct xlat_proc *p, pid_t *pid, pid_t *ppid)
{
    /* Alone, the guest sees what it sees in native mode: the entrypoint is pid 1, with no
     * parent in its namespace (0), or under --init pid 2, viv-init's child. */
    /* Only the host calls the answer needs: a guest that asks getppid in a loop makes one. */
    pid_t self = pid || p->alone ? getpid() : 0;
    if (pid)
        *pid = xlat_pid_to_guest(p, self);
    if (ppid)
        *ppid =
            p->alone && self == p->alone_root ? p->alone_pid - 1 : xlat_pid_to_guest(p, getppid());
}

XLAT_SYS(getpid)
{
    (void)a;
    pid_t pid;
    xlat_proc_ids(p, &pid, NULL);
    return pid;
}

XLAT_SYS(getppid)
{
    (void)a;
    pid_t ppid;
    xlat_proc_ids(p, NULL, &ppid);
    return ppid;
}

XLAT_SYS(getuid)
{
    (void)p, (void)a;
    return getuid();
}

XLAT_SYS(geteuid)
{
    (void)p, (void)a;
    return geteuid();
}

XLAT_SYS(getgid)
{
    (void)p, (void)a;
    return getgid();
}

XLAT_SYS(getegid)
{
    (void)p, (void)a;
    return getegid();
}

XLAT_SYS(set_robust_list)
{
    /* struct robust_list_head is three 64-bit words on riscv64 (include/uapi/linux/futex.h). */
    if (a[1] != 24)
        return -EINVAL;
    p->robust_head = a[0];
    p->robust_len = a[1];
    return 0;
}

/* The host's RLIMIT_NOFILE, hard and soft, never goes below this: the engine's fds live from
 * XLAT_FD_FLOOR up, and a fork or a new thread makes more there while the guest runs. */
#define ENGINE_NOFILE (XLAT_FD_FLOOR + 124)

int xlat_proc_getrlimit(const struct xlat_proc *p, int resource, struct rlimit *rl)
{
    if (resource == RLIMIT_NOFILE) {
        *rl = p->nofile;
        return 0;
    }
    return getrlimit((__rlimit_resource_t)resource, rl);
}

/* RLIMIT_NOFILE as the guest sets it, kept in the personality. The host's soft limit follows the
 * guest's, so that its own calls meet EMFILE where Linux's would; its hard limit stays at
 * ENGINE_NOFILE at least, which xlat_engine_fd_high raises the soft one to. */
static int64_t set_nofile(struct xlat_proc *p, const struct rlimit *nl)
{
    if (nl->rlim_cur > nl->rlim_max)
        return -EINVAL;
    /* Raising a hard limit takes CAP_SYS_RESOURCE in the host's first user namespace, which a
     * guest in a sandbox never has; the host's own hard limit, kept higher, cannot tell. */
    if (nl->rlim_max > p->nofile.rlim_max)
        return -EPERM;
    struct rlimit host;
    if (getrlimit(RLIMIT_NOFILE, &host) < 0)
        return -errno;
    rlim_t floor = host.rlim_max < ENGINE_NOFILE ? host.rlim_max : ENGINE_NOFILE;
    struct rlimit hl = {nl->rlim_cur, nl->rlim_max < floor ? floor : nl->rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &hl) < 0)
        return -errno;
    p->nofile = *nl;
    return 0;
}

XLAT_SYS(prlimit64)
{
    /* struct rlimit64 is two 64-bit words everywhere; only the caller's own limits. */
    pid_t self, parent;
    xlat_proc_ids(p, &self, &parent);
    if (a[0] != 0 && (pid_t)a[0] != self)
        return -EPERM;
    struct rlimit nl, ol;
    if (a[2] && xlat_mem_read(p->mem, a[2], &nl, sizeof(nl)) < 0)
        return -EFAULT;
    if (a[3] && !xlat_mem_ptr(p->mem, a[3], sizeof(ol), XLAT_PG_W))
        return -EFAULT;
    if (a[1] == RLIMIT_NOFILE) {
        ol = p->nofile;
        int64_t r = a[2] ? set_nofile(p, &nl) : 0;
        if (r < 0)
            return r;
    } else if (prlimit(0, (int)a[1], a[2] ? &nl : NULL, &ol) < 0) {
        return -errno;
    }
    return a[3] ? xlat_mem_write(p->mem, a[3], &ol, sizeof(ol)) : 0;
}

XLAT_SYS(getrandom)
{
    void *buf = xlat_mem_ptr(p->mem, a[0], a[1], XLAT_PG_W);
    if (!buf)
        return -EFAULT;
    return XLAT_RET(getrandom(buf, a[1], (unsigned)a[2]));
}

XLAT_SYS(uname)
{
    /* struct utsname is six 65-byte fields on both; the machine is the guest's, as qemu-user
     * and a riscv64 kernel report it; the node name the instance's, as in native mode's UTS
     * namespace. */
    struct utsname u;
    if (uname(&u) < 0)
        return -errno;
    snprintf(u.machine, sizeof(u.machine), "%s", p->abi->name);
    if (p->hostname)
        snprintf(u.nodename, sizeof(u.nodename), "%s", p->hostname);
    return xlat_mem_write(p->mem, a[0], &u, sizeof(u));
}

XLAT_SYS(sysinfo)
{
    /* struct sysinfo has the same 64-bit layout on riscv64 and x86-64 (112 bytes). */
    struct sysinfo si;
    _Static_assert(sizeof(si) == 112, "struct sysinfo is 112 bytes on LP64");
    if (sysinfo(&si) < 0)
        return -errno;
    return xlat_mem_write(p->mem, a[0], &si, sizeof(si));
}

XLAT_SYS(sched_yield)
{
    (void)p, (void)a;
    return XLAT_RET(sched_yield());
}

XLAT_SYS(sched_getaffinity)
{
    void *mask = xlat_mem_ptr(p->mem, a[2], a[1], XLAT_PG_W);
    if (!mask)
        return -EFAULT;
    return XLAT_RET(syscall(SYS_sched_getaffinity, (pid_t)a[0], (size_t)a[1], mask));
}

XLAT_SYS(umask)
{
    (void)p;
    return umask((mode_t)a[0] & 0777);
}

XLAT_SYS(prctl)
{
    switch ((int)a[0]) {
    case PR_SET_NAME: {
        char name[16];
        long n = xlat_mem_string(p->mem, a[1], name, sizeof(name));
        if (n == -ENAMETOOLONG)
            name[15] = '\0';
        else if (n < 0)
            return n;
        return XLAT_RET(prctl(PR_SET_NAME, name, 0, 0, 0));
    }
    case PR_GET_NAME: {
        char name[16];
        if (prctl(PR_GET_NAME, name, 0, 0, 0) < 0)
            return -errno;
        return xlat_mem_write(p->mem, a[1], name, sizeof(name));
    }
    case PR_SET_DUMPABLE:
        /* The process is the translator's too: its memory is not for the guest's other
         * processes (a native one it started may ptrace) to read or write. */
        if (a[1] != 0)
            return -EPERM;
        return XLAT_RET(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0));
    case PR_GET_DUMPABLE:
    case PR_SET_PDEATHSIG:
    case PR_GET_NO_NEW_PRIVS:
    case PR_SET_NO_NEW_PRIVS:
        return XLAT_RET(prctl((int)a[0], a[1], a[2], a[3], a[4]));
    default:
        return -EINVAL;
    }
}

XLAT_SYS(getrusage)
{
    /* struct rusage: two timevals and fourteen longs, the same on both LP64 ABIs. */
    struct rusage ru;
    if (getrusage((int)a[0], &ru) < 0)
        return -errno;
    return xlat_mem_write(p->mem, a[1], &ru, sizeof(ru));
}
