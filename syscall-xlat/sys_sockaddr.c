/* sys_sockaddr.c: socket addresses in and out of guest memory, AF_UNIX path names confined to the
 * guest's root. struct sockaddr and its families have one layout on both LP64 ABIs. */
#include "sys_internal.h"

#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/un.h>
#include <unistd.h>

#define SUN_PATH_OFF offsetof(struct sockaddr_un, sun_path)

/* A path socket where the guest's root is not the host's: the host kernel would resolve the name
 * from the VMM's own root, so the name is resolved in the guest's root first and the host call
 * gets a name that can only mean that object, through /proc/self/fd. Binding keeps the folder
 * (resolved in the root) and the last component, which bind(2) creates and never follows;
 * reaching opens the socket file itself with every symlink resolved in the root (an O_PATH fd
 * of a socket is what connect(2) follows the magic link to). The cost: getsockname and
 * getpeername show that /proc/self/fd name rather than the guest's, as the kernel keeps the
 * name a socket was bound by. */
static int unix_confined(struct xlat_proc *p, enum xlat_addr_use use, struct xlat_sockaddr *sa)
{
    struct sockaddr_un *un = (struct sockaddr_un *)&sa->ss;
    /* The kernel takes the name up to its first NUL or the end of the address (unix_mkname). */
    char path[sizeof(un->sun_path) + 1];
    size_t n = sa->len - SUN_PATH_OFF;
    memcpy(path, un->sun_path, n);
    path[n] = '\0';
    struct xlat_path r;
    int e = xlat_path_host(p, AT_FDCWD, path, &r);
    if (e < 0)
        return e;
    char host[sizeof(un->sun_path) + 16];
    int len;
    if (use == XLAT_ADDR_CREATE) {
        if ((e = xlat_path_split(&r)) < 0)
            return e;
        if (r.owned_fd < 0)
            return 0; /* the host's own root: the name means what it says */
        len = snprintf(host, sizeof(host), "/proc/self/fd/%d/%s", r.owned_fd, r.name);
        sa->hold = r.owned_fd;
    } else {
        if (!r.in_root)
            return 0;
        int fd = xlat_path_open(&r, O_PATH | O_CLOEXEC, 0);
        if (fd < 0)
            return fd;
        len = snprintf(host, sizeof(host), "/proc/self/fd/%d", fd);
        sa->hold = fd;
    }
    if ((size_t)len >= sizeof(un->sun_path)) {
        xlat_sockaddr_done(sa);
        return -ENAMETOOLONG; /* a last component too long for sun_path after the prefix */
    }
    memcpy(un->sun_path, host, (size_t)len + 1);
    sa->len = (socklen_t)(SUN_PATH_OFF + (size_t)len + 1);
    return 0;
}

int xlat_sockaddr_in(struct xlat_proc *p, uint64_t g, uint64_t len, enum xlat_addr_use use,
                     struct xlat_sockaddr *sa)
{
    sa->hold = -1;
    sa->len = 0;
    /* move_addr_to_kernel: the length is an int no larger than sockaddr_storage. */
    if ((int32_t)len < 0 || len > sizeof(sa->ss))
        return -EINVAL;
    if (xlat_mem_read(p->mem, g, &sa->ss, len) < 0)
        return -EFAULT;
    sa->len = (socklen_t)len;
    const struct sockaddr_un *un = (const struct sockaddr_un *)&sa->ss;
    /* Unnamed (just the family) and abstract (a leading NUL) names live in no folder; abstract
     * ones live in the network namespace, the host's where the guest has none of its own. */
    if (len <= SUN_PATH_OFF || un->sun_family != AF_UNIX)
        return 0;
    if (len > sizeof(struct sockaddr_un))
        return -EINVAL; /* unix_validate_addr; sockaddr_storage has room for 18 bytes more */
    if (un->sun_path[0] == '\0')
        return p->no_network ? -EACCES : 0;
    if (p->root_host && p->sysroot_fd < 0)
        return 0;
    return unix_confined(p, use, sa);
}

void xlat_sockaddr_done(struct xlat_sockaddr *sa)
{
    if (sa->hold >= 0)
        close(sa->hold);
    sa->hold = -1;
}

int xlat_sockaddr_out_check(struct xlat_proc *p, uint64_t g, uint64_t glenp, socklen_t *len)
{
    int32_t l;
    if (!xlat_mem_ptr(p->mem, glenp, sizeof(l), XLAT_PG_W) ||
        xlat_mem_read(p->mem, glenp, &l, sizeof(l)) < 0)
        return -EFAULT;
    if (l < 0)
        return -EINVAL;
    if (!xlat_mem_ptr(p->mem, g, (uint64_t)l, XLAT_PG_W))
        return -EFAULT;
    *len = (socklen_t)l;
    return 0;
}

int xlat_sockaddr_out(struct xlat_proc *p, const struct sockaddr_storage *ss, socklen_t klen,
                      uint64_t g, uint64_t glenp)
{
    socklen_t room;
    int e = xlat_sockaddr_out_check(p, g, glenp, &room);
    if (e < 0)
        return e;
    if (klen > sizeof(*ss))
        klen = sizeof(*ss);
    if (xlat_mem_write(p->mem, g, ss, room < klen ? room : klen) < 0)
        return -EFAULT;
    return xlat_mem_write(p->mem, glenp, &klen, sizeof(klen));
}
