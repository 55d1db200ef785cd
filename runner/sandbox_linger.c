/* sandbox_linger.c: the instance's mount namespace outlives its pid 1, so that the kernel tears
 * it down after viv has returned rather than in pid 1's exit, which viv waits for. Unmounting
 * the root's overlay, its tmpfs layers, /proc and /dev waits out RCU grace periods (two
 * expedited ones at least, 0.3 ms and more here): with the guest as pid 1, that would be in
 * every run's time. The namespace is held by an fd in an io_uring's fixed-file table, because
 * releasing a ring drops its files from a kernel workqueue: closing a plain fd would do the
 * teardown in viv's own close or exit, which the caller waits for just the same. */
#include "sandbox.h"

#include <fcntl.h>
#include <linux/io_uring.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PIDFD_GET_MNT_NAMESPACE
#define PIDFD_GET_MNT_NAMESPACE _IO(0xFF, 3)
#endif

int sandbox_linger_take(pid_t pid, int pidfd)
{
    /* System calls by hand: this runs while an instance that shares viv's memory, errno
     * included, sets itself up. From its pidfd (Linux 6.11): no /proc/PID entries to look up
     * now and to invalidate again as the instance is reaped, in viv's wait for it. */
    long fd = pidfd < 0 ? -1 : sandbox_sys(SYS_ioctl, pidfd, PIDFD_GET_MNT_NAMESPACE, 0, 0);
    if (fd >= 0)
        return (int)fd;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
    long ns = sandbox_sys(SYS_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0);
    return ns < 0 ? -1 : (int)ns;
}

int sandbox_linger_hold(int ns)
{
    if (ns < 0)
        return -1;
    struct io_uring_params params;
    memset(&params, 0, sizeof(params));
    /* A ring that is never submitted to: one entry is the least it takes. Where io_uring is
     * disabled (a sysctl, a container's seccomp policy), the namespace goes with pid 1. */
    long ring = sandbox_sys(SYS_io_uring_setup, 1, (long)&params, 0, 0);
    if (ring >= 0) {
        sandbox_sys(SYS_fcntl, ring, F_SETFD, FD_CLOEXEC, 0);
        if (sandbox_sys(SYS_io_uring_register, ring, IORING_REGISTER_FILES, (long)&ns, 1) < 0) {
            sandbox_sys(SYS_close, ring, 0, 0, 0);
            ring = -1;
        }
    }
    sandbox_sys(SYS_close, ns, 0, 0, 0);
    return ring < 0 ? -1 : (int)ring;
}
