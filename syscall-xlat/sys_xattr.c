/* sys_xattr.c: reading extended attributes of the guest's files (ls -l asks for ACLs). There is
 * no *at form of these calls on the host: the file is reached through the proc link of an fd
 * opened inside the root, so that no path the guest gives resolves outside it. */
#include "sys_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/xattr.h>
#include <unistd.h>

#define XATTR_NAME_MAX 255 /* include/uapi/linux/limits.h */
#define XATTR_SIZE_MAX 65536

/* The host path of guest path gpath: /proc/self/fd/N of the file itself (follow) or of its
 * folder joined with its last component (nofollow: a symlink there is not followed, as the l-
 * calls want). *fd is the O_PATH fd to close. */
static int64_t host_path(struct xlat_proc *p, uint64_t gpath, bool follow, char *out, size_t len,
                         int *fd)
{
    struct xlat_path r;
    int64_t rc = xlat_path_get(p, AT_FDCWD, gpath, &r);
    if (rc < 0)
        return rc;
    if (follow || !r.in_root) {
        *fd = xlat_path_open(&r, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), 0);
        xlat_path_done(&r);
        if (*fd < 0)
            return *fd;
        snprintf(out, len, "/proc/self/fd/%d", *fd);
        return 0;
    }
    if ((rc = xlat_path_split(&r)) < 0) {
        xlat_path_done(&r);
        return rc;
    }
    *fd = fcntl(r.dirfd, F_DUPFD_CLOEXEC, 0);
    int e = errno;
    if (*fd >= 0 && (size_t)snprintf(out, len, "/proc/self/fd/%d/%s", *fd, r.name) >= len) {
        close(*fd);
        *fd = -1;
        e = ENAMETOOLONG;
    }
    xlat_path_done(&r);
    return *fd < 0 ? -e : 0;
}

/* getxattr, lgetxattr (follow false) and fgetxattr (gpath 0, fd given). */
static int64_t get(struct xlat_proc *p, int64_t gfd, uint64_t gpath, bool follow,
                   const uint64_t *a)
{
    char name[XATTR_NAME_MAX + 1];
    long nl = xlat_mem_string(p->mem, a[1], name, sizeof(name));
    if (nl < 0)
        return nl == -ENAMETOOLONG ? -ERANGE : nl;
    size_t size = a[3] > XATTR_SIZE_MAX ? XATTR_SIZE_MAX : a[3];
    void *buf = size ? xlat_mem_ptr(p->mem, a[2], size, XLAT_PG_W) : NULL;
    if (size && !buf)
        return -EFAULT;
    if (!gpath) {
        if (xlat_fd_reserved(p, gfd))
            return -EBADF;
        return XLAT_RET(fgetxattr((int)gfd, name, buf, size));
    }
    char path[PATH_MAX + 64];
    int fd;
    int64_t rc = host_path(p, gpath, follow, path, sizeof(path), &fd);
    if (rc < 0)
        return rc;
    rc = XLAT_RET(follow ? getxattr(path, name, buf, size) : lgetxattr(path, name, buf, size));
    close(fd);
    return rc;
}

/* listxattr, llistxattr and flistxattr likewise. */
static int64_t list(struct xlat_proc *p, int64_t gfd, uint64_t gpath, bool follow,
                    const uint64_t *a)
{
    size_t size = a[2] > XATTR_SIZE_MAX ? XATTR_SIZE_MAX : a[2];
    char *buf = size ? xlat_mem_ptr(p->mem, a[1], size, XLAT_PG_W) : NULL;
    if (size && !buf)
        return -EFAULT;
    if (!gpath) {
        if (xlat_fd_reserved(p, gfd))
            return -EBADF;
        return XLAT_RET(flistxattr((int)gfd, buf, size));
    }
    char path[PATH_MAX + 64];
    int fd;
    int64_t rc = host_path(p, gpath, follow, path, sizeof(path), &fd);
    if (rc < 0)
        return rc;
    rc = XLAT_RET(follow ? listxattr(path, buf, size) : llistxattr(path, buf, size));
    close(fd);
    return rc;
}

XLAT_SYS(getxattr)
{
    return get(p, -1, a[0], true, a);
}

XLAT_SYS(lgetxattr)
{
    return get(p, -1, a[0], false, a);
}

XLAT_SYS(fgetxattr)
{
    return get(p, (int64_t)a[0], 0, true, a);
}

XLAT_SYS(listxattr)
{
    return list(p, -1, a[0], true, a);
}

XLAT_SYS(llistxattr)
{
    return list(p, -1, a[0], false, a);
}

XLAT_SYS(flistxattr)
{
    return list(p, (int64_t)a[0], 0, true, a);
}
