/* vm_sys_fd.c: pipes and the fd-table calls of the guest (dup family, fcntl), over host fds. */
#include "vmcore.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

/* Guest flags for pipe2/dup3 are the host's (the x86-64 ABI is the host's). */
#define VM_FD_FLAGS (O_CLOEXEC | O_NONBLOCK | O_DIRECT)

VM_SYS(pipe2)
{
    if (a[1] & ~(uint64_t)VM_FD_FLAGS)
        return -EINVAL;
    int host[2];
    /* The VMM's own fds are always close-on-exec; the guest's flag is its business. */
    if (pipe2(host, (int)a[1] | O_CLOEXEC) < 0)
        return -errno;
    int g0 = vm_install_fd(p, host[0]);
    if (g0 < 0) {
        close(host[1]);
        return g0;
    }
    int g1 = vm_install_fd(p, host[1]);
    if (g1 < 0) {
        close(host[0]);
        p->fds[g0] = -1;
        return g1;
    }
    int32_t g[2] = {g0, g1};
    if (xlat_mem_write(&p->mem->user, a[0], g, sizeof(g)) < 0) {
        close(host[0]);
        close(host[1]);
        p->fds[g0] = p->fds[g1] = -1;
        return -EFAULT;
    }
    return 0;
}

VM_SYS(pipe)
{
    uint64_t b[2] = {a[0], 0};
    return vm_sys_pipe2(p, b);
}

/* A copy of guest fd old at the lowest free guest fd >= min. */
static int64_t dup_from(struct vm_proc *p, uint64_t old, uint64_t min)
{
    int hfd = vm_host_fd(p, (int64_t)old);
    if (hfd < 0)
        return -EBADF;
    if (min >= VM_MAX_FDS)
        return -EINVAL;
    for (uint64_t g = min; g < VM_MAX_FDS; g++) {
        if (p->fds[g] != -1)
            continue;
        int copy = fcntl(hfd, F_DUPFD_CLOEXEC, 0);
        if (copy < 0)
            return -errno;
        p->fds[g] = copy;
        return (int64_t)g;
    }
    return -EMFILE;
}

VM_SYS(dup)
{
    return dup_from(p, a[0], 0);
}

VM_SYS(dup3)
{
    if (a[2] & ~(uint64_t)O_CLOEXEC)
        return -EINVAL;
    int hfd = vm_host_fd(p, (int64_t)a[0]);
    if (hfd < 0)
        return -EBADF;
    if (a[0] == a[1])
        return -EINVAL; /* dup3(2): unlike dup2, the same fd twice is an error */
    if (a[1] >= VM_MAX_FDS)
        return -EBADF;
    int copy = fcntl(hfd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return -errno;
    /* Replacing an open fd closes it, as dup2(2) does, without a window where it is free. */
    int old = p->fds[a[1]];
    p->fds[a[1]] = copy;
    if (old >= 0)
        close(old);
    return (int64_t)a[1];
}

VM_SYS(dup2)
{
    if (a[0] == a[1])
        return vm_host_fd(p, (int64_t)a[0]) < 0 ? -EBADF : (int64_t)a[1];
    uint64_t b[3] = {a[0], a[1], 0};
    return vm_sys_dup3(p, b);
}

VM_SYS(fcntl)
{
    int hfd = vm_host_fd(p, (int64_t)a[0]);
    if (hfd < 0)
        return -EBADF;
    switch ((int)a[1]) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
        return dup_from(p, a[0], a[2]);
    case F_GETFD:
    case F_SETFD:
        /* There is no exec in the VM yet: close-on-exec has nothing to act on. */
        return 0;
    case F_GETFL:
    case F_SETFL: {
        int r = fcntl(hfd, (int)a[1], (int)a[2]);
        return r < 0 ? -errno : r;
    }
    default:
        return -EINVAL;
    }
}
