/* sys_xattr.c: extended attributes of the guest's files (ls -l asks for ACLs). There is
 * no *at form of these calls on the host: the file is reached through the proc link of an fd
 * opened inside the root, so that no path the guest gives resolves outside it. */
#include "sys_internal.h"

#include <sys/xattr.h>
#include <unistd.h>

#define XATTR_NAME_MAX 255 /* include/uapi/linux/limits.h */
#define XATTR_SIZE_MAX 65536

/* The attribute's name: a name too long is ERANGE (fs/xattr.c). */
static int64_t read_name(struct xlat_proc *p, uint64_t g, char name[XATTR_NAME_MAX + 1])
{
    long nl = xlat_mem_string(p->mem, g, name, XATTR_NAME_MAX + 1);
    return nl == -ENAMETOOLONG ? -ERANGE : nl < 0 ? nl : 0;
}

/* What a call acts on: the guest's fd (no path: the f- calls), or the host path of the file it
 * names, held by an O_PATH fd until target_done. */
struct target {
    int fd, hold;
    char path[PATH_MAX + 64];
};

static int64_t target_get(struct xlat_proc *p, int64_t gfd, uint64_t gpath, bool follow,
                          struct target *t)
{
    t->fd = t->hold = -1;
    if (gpath)
        return xlat_path_proc_link(p, gpath, follow, t->path, sizeof(t->path), &t->hold);
    if (xlat_fd_reserved(p, gfd))
        return -EBADF;
    t->fd = (int)gfd;
    return 0;
}

static int64_t target_done(struct target *t, int64_t rc)
{
    if (t->hold >= 0)
        close(t->hold);
    return rc;
}

/* getxattr, lgetxattr (follow false) and fgetxattr (gpath 0, fd given). */
static int64_t get(struct xlat_proc *p, int64_t gfd, uint64_t gpath, bool follow,
                   const uint64_t *a)
{
    char name[XATTR_NAME_MAX + 1];
    int64_t rc = read_name(p, a[1], name);
    if (rc < 0)
        return rc;
    size_t size = a[3] > XATTR_SIZE_MAX ? XATTR_SIZE_MAX : a[3];
    void *buf = size ? xlat_mem_ptr(p->mem, a[2], size, XLAT_PG_W) : NULL;
    if (size && !buf)
        return -EFAULT;
    struct target t;
    if ((rc = target_get(p, gfd, gpath, follow, &t)) < 0)
        return rc;
    rc = t.fd >= 0 ? fgetxattr(t.fd, name, buf, size)
         : follow  ? getxattr(t.path, name, buf, size)
                   : lgetxattr(t.path, name, buf, size);
    return target_done(&t, XLAT_RET(rc));
}

/* listxattr, llistxattr and flistxattr likewise. */
static int64_t list(struct xlat_proc *p, int64_t gfd, uint64_t gpath, bool follow,
                    const uint64_t *a)
{
    size_t size = a[2] > XATTR_SIZE_MAX ? XATTR_SIZE_MAX : a[2];
    char *buf = size ? xlat_mem_ptr(p->mem, a[1], size, XLAT_PG_W) : NULL;
    if (size && !buf)
        return -EFAULT;
    struct target t;
    int64_t rc = target_get(p, gfd, gpath, follow, &t);
    if (rc < 0)
        return rc;
    rc = t.fd >= 0 ? flistxattr(t.fd, buf, size)
         : follow  ? listxattr(t.path, buf, size)
                   : llistxattr(t.path, buf, size);
    return target_done(&t, XLAT_RET(rc));
}

/* setxattr, lsetxattr and fsetxattr: the value is read from the guest, the flags (XATTR_CREATE,
 * XATTR_REPLACE) checked by the host. */
static int64_t set(struct xlat_proc *p, int64_t gfd, uint64_t gpath, bool follow, const uint64_t *a)
{
    char name[XATTR_NAME_MAX + 1];
    int64_t rc = read_name(p, a[1], name);
    if (rc < 0)
        return rc;
    if (a[3] > XATTR_SIZE_MAX)
        return -E2BIG;
    const void *value = a[3] ? xlat_mem_ptr(p->mem, a[2], a[3], XLAT_PG_R) : NULL;
    if (a[3] && !value)
        return -EFAULT;
    struct target t;
    if ((rc = target_get(p, gfd, gpath, follow, &t)) < 0)
        return rc;
    int flags = (int)a[4];
    rc = t.fd >= 0 ? fsetxattr(t.fd, name, value, a[3], flags)
         : follow  ? setxattr(t.path, name, value, a[3], flags)
                   : lsetxattr(t.path, name, value, a[3], flags);
    return target_done(&t, XLAT_RET(rc));
}

/* removexattr, lremovexattr and fremovexattr. */
static int64_t removex(struct xlat_proc *p, int64_t gfd, uint64_t gpath, bool follow,
                       const uint64_t *a)
{
    char name[XATTR_NAME_MAX + 1];
    int64_t rc = read_name(p, a[1], name);
    if (rc < 0)
        return rc;
    struct target t;
    if ((rc = target_get(p, gfd, gpath, follow, &t)) < 0)
        return rc;
    rc = t.fd >= 0 ? fremovexattr(t.fd, name)
         : follow  ? removexattr(t.path, name)
                   : lremovexattr(t.path, name);
    return target_done(&t, XLAT_RET(rc));
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

XLAT_SYS(setxattr)
{
    return set(p, -1, a[0], true, a);
}

XLAT_SYS(lsetxattr)
{
    return set(p, -1, a[0], false, a);
}

XLAT_SYS(fsetxattr)
{
    return set(p, (int64_t)a[0], 0, true, a);
}

XLAT_SYS(removexattr)
{
    return removex(p, -1, a[0], true, a);
}

XLAT_SYS(lremovexattr)
{
    return removex(p, -1, a[0], false, a);
}

XLAT_SYS(fremovexattr)
{
    return removex(p, (int64_t)a[0], 0, true, a);
}
