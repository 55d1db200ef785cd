/* sandbox_netns.c: the instance's network namespace, made beside pid 1's other work. Creating
 * one takes the kernel a few hundred microseconds of CPU (every per-namespace subsystem sets
 * itself up, loopback included), as long as all the mounts of the root together: a process of
 * pid 1's makes it on the other CPU while pid 1 builds the root, and pid 1 joins it before it
 * drops its privileges. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* The maker shares pid 1's memory and thread pointer, so it must not touch errno (pid 1's, which
 * pid 1 may be reading): system calls without the C library. */
static long raw3(long nr, long a, long b, long c)
{
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c)
                     : "rcx", "r11", "memory");
    return ret;
}

/* A new network namespace starts with lo down; guests expect localhost to work. */
static void loopback_up(void)
{
    long s = raw3(SYS_socket, AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    memcpy(ifr.ifr_name, "lo", 3);
    if (raw3(SYS_ioctl, s, SIOCGIFFLAGS, (long)&ifr) == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        raw3(SYS_ioctl, s, SIOCSIFFLAGS, (long)&ifr);
    }
    raw3(SYS_close, s, 0, 0);
}

/* In the maker (or in pid 1 when there is none): a new namespace, lo up, and an fd of it in the
 * fd table the maker shares with pid 1. */
static int make(void *arg)
{
    struct sandbox_netns *n = arg;
    long r = raw3(SYS_unshare, CLONE_NEWNET, 0, 0);
    if (r == 0) {
        loopback_up();
        r = raw3(SYS_openat, AT_FDCWD, (long)"/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    }
    if (r < 0)
        n->error = (int)-r;
    else
        n->fd = (int)r;
    return 0;
}

void sandbox_netns_start(struct sandbox_netns *n)
{
    n->pid = -1;
    n->fd = -1;
    n->error = 0;
    /* The maker takes a pid of the instance's namespace, 2, which the entrypoint should have:
     * once the maker is reaped, ns_last_pid set back to 1 gives 2 to the next process. Opened
     * now, while /proc is the host's and writable. Without it, pid 1 makes the namespace
     * itself. */
    n->last_pid_fd = open("/proc/sys/kernel/ns_last_pid", O_WRONLY | O_CLOEXEC);
    if (n->last_pid_fd < 0)
        return;
    n->pid = clone(make, n->stack + sizeof(n->stack), CLONE_VM | CLONE_FILES | SIGCHLD, n);
}

int sandbox_netns_join(struct sandbox_netns *n, struct viv_error *err)
{
    if (n->pid > 0) {
        while (waitpid(n->pid, NULL, 0) < 0 && errno == EINTR)
            ;
        /* Should it fail, the entrypoint is pid 3 and nothing else changes. */
        ssize_t w = write(n->last_pid_fd, "1", 1);
        (void)w;
    } else {
        make(n);
    }
    if (n->last_pid_fd >= 0)
        close(n->last_pid_fd);
    n->last_pid_fd = -1;
    if (n->fd < 0)
        return viv_fail(err, n->error, "create the network namespace");
    int rc = setns(n->fd, CLONE_NEWNET);
    close(n->fd);
    n->fd = -1;
    return rc < 0 ? viv_fail(err, errno, "join the network namespace") : 0;
}
