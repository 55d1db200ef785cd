/* sys_pgrp.c: the pids a guest that is alone knows, its process groups and sessions, and which
 * host processes its signals may reach: its own tree only. */
#include "sys_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A guest that is alone sees its first process as alone_pid, as in native mode's pid
 * namespace; its children are host processes with host pids. The first process and host pid
 * alone_pid trade numbers, so that the mapping is one to one wherever the VMM runs (inside the
 * instance's pid namespace, where the two are the same, it is the identity). */
pid_t xlat_pid_to_guest(const struct xlat_proc *p, pid_t host)
{
    if (!p->alone || host <= 0)
        return host;
    if (host == p->alone_root)
        return p->alone_pid;
    return host == p->alone_pid ? p->alone_root : host;
}

pid_t xlat_pid_to_host(const struct xlat_proc *p, pid_t guest)
{
    if (!p->alone || guest <= 0)
        return guest;
    if (guest == p->alone_pid)
        return p->alone_root;
    return guest == p->alone_root ? p->alone_pid : guest;
}

/* Field 4 (ppid) or 5 (pgrp) of /proc/PID/stat; -1 when it cannot be read. The command name in
 * field 2 may hold spaces and parentheses: the fields after it follow its last ')'. */
static pid_t stat_field(pid_t pid, int field)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *s = strrchr(buf, ')');
    int state_ppid_pgrp[3] = {0, -1, -1};
    char st;
    if (!s || sscanf(s + 1, " %c %d %d", &st, &state_ppid_pgrp[1], &state_ppid_pgrp[2]) != 3)
        return -1;
    return field == 4 ? state_ppid_pgrp[1] : state_ppid_pgrp[2];
}

/* Whether host process pid is the guest's first process or one of its descendants. */
static bool in_tree(const struct xlat_proc *p, pid_t pid)
{
    for (int depth = 0; pid > 0 && depth < 4096; depth++) {
        if (pid == p->alone_root)
            return true;
        if (pid == 1)
            break; /* the top of a pid namespace (the guest's own may be it) */
        pid = stat_field(pid, 4);
    }
    return false;
}

/* Signal every process of the guest's tree in host group pgrp (0: all of them) but the caller
 * when `others`: the group the VMM was started in is viv's too, so it is never signalled
 * whole. */
static int64_t kill_tree(const struct xlat_proc *p, pid_t pgrp, int sig, bool others)
{
    DIR *d = opendir("/proc");
    if (!d)
        return -ESRCH;
    int hit = 0, denied = 0;
    pid_t self = getpid();
    struct dirent *e;
    while ((e = readdir(d))) {
        pid_t pid = (pid_t)atoi(e->d_name);
        if (pid <= 0 || (others && pid == self) || !in_tree(p, pid))
            continue;
        if (pgrp && stat_field(pid, 5) != pgrp)
            continue;
        if (kill(pid, sig) == 0)
            hit++;
        else
            denied++;
    }
    closedir(d);
    return hit ? 0 : denied ? -EPERM : -ESRCH;
}

/* kill(2) for a guest that is alone: pid, its own group (0), group -pid, or everyone (-1),
 * each limited to its own tree. */
pid_t xlat_alone_process(const struct xlat_proc *p, pid_t pid)
{
    if (pid <= 0)
        return 0;
    pid_t h = xlat_pid_to_host(p, pid);
    /* The instance's init, the guest's parent in the sandbox's pid namespace: the kernel lets it
     * ignore what it has no handler for, as it does for a native guest. Without a pid namespace
     * pid 1 is the host's, outside the guest's tree. */
    if (h == 1 && stat_field(p->alone_root, 4) == 1)
        return 1;
    return in_tree(p, h) ? h : 0;
}

int64_t xlat_kill_alone(struct xlat_proc *p, pid_t pid, int sig)
{
    if (pid > 0) {
        pid_t h = xlat_alone_process(p, pid);
        return h ? XLAT_RET(kill(h, sig)) : -ESRCH;
    }
    if (pid == -1)
        return kill_tree(p, 0, sig, true);
    pid_t g = pid == 0 ? getpgrp() : xlat_pid_to_host(p, -pid);
    if (g == p->alone_pgrp)
        return kill_tree(p, g, sig, false);
    if (!in_tree(p, g))
        return -ESRCH;
    return XLAT_RET(kill(-g, sig));
}

XLAT_SYS(getpgid)
{
    pid_t pid = xlat_pid_to_host(p, (pid_t)a[0]);
    if (p->alone && pid && !in_tree(p, pid))
        return -ESRCH;
    pid_t g = getpgid(pid);
    return g < 0 ? -errno : xlat_pid_to_guest(p, g);
}

XLAT_SYS(getpgrp)
{
    (void)a;
    return xlat_pid_to_guest(p, getpgrp());
}

XLAT_SYS(getsid)
{
    pid_t pid = xlat_pid_to_host(p, (pid_t)a[0]);
    if (p->alone && pid && !in_tree(p, pid))
        return -ESRCH;
    pid_t s = getsid(pid);
    return s < 0 ? -errno : xlat_pid_to_guest(p, s);
}

XLAT_SYS(setpgid)
{
    pid_t pid = xlat_pid_to_host(p, (pid_t)a[0]);
    pid_t g = xlat_pid_to_host(p, (pid_t)a[1]);
    /* Only the guest's own processes, into a group of its own or back into its first one. */
    if (p->alone && ((pid && !in_tree(p, pid)) ||
                     (g && g != p->alone_pgrp && g != (pid ? pid : getpid()) && !in_tree(p, g))))
        return -EPERM;
    return XLAT_RET(setpgid(pid, g));
}

XLAT_SYS(setsid)
{
    (void)a;
    pid_t s = setsid();
    return s < 0 ? -errno : xlat_pid_to_guest(p, s);
}

/* pidfd_open of a guest that is alone: one of its own processes only, by the id it knows. */
XLAT_SYS(pidfd_open)
{
    pid_t pid = (pid_t)a[0];
    if (p->alone && pid > 0 && !(pid = xlat_alone_process(p, pid)))
        return -ESRCH;
    return XLAT_RET(syscall(SYS_pidfd_open, pid, (unsigned)a[1]));
}

/* The process is the pidfd's, which the guest could only open within its reach; a siginfo of
 * its own names the sender by the id the guest knows, as sigqueue's does. */
XLAT_SYS(pidfd_send_signal)
{
    FD_OR_EBADF(a[0]);
    if ((int)a[1] == XLAT_KICK_SIGNAL)
        return -EINVAL;
    siginfo_t info;
    if (a[2] && xlat_mem_read(p->mem, a[2], &info, sizeof(info)) < 0)
        return -EFAULT;
    if (a[2] && p->alone)
        info.si_pid = xlat_pid_to_host(p, info.si_pid);
    return XLAT_RET(
        syscall(SYS_pidfd_send_signal, (int)a[0], (int)a[1], a[2] ? &info : NULL, (unsigned)a[3]));
}
