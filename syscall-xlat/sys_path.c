/* sys_path.c: guest paths resolved inside the guest's root, and the calls that name folders. */
#include "sys_internal.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int openat2_in(int dirfd, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
    struct open_how how = {.flags = flags, .mode = mode, .resolve = resolve};
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
    return fd < 0 ? -errno : (int)fd;
}

/* Does path name something inside the sysroot (qemu -L semantics: the sysroot wins where it has
 * the file)? "/" itself is never taken from it, or the guest would lose the host's folders. */
static bool in_sysroot(const struct xlat_proc *p, const char *path)
{
    const char *q = path;
    while (*q == '/')
        q++;
    if (p->sysroot_fd < 0 || *q == '\0')
        return false;
    int fd = openat2_in(p->sysroot_fd, path, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, RESOLVE_IN_ROOT);
    if (fd < 0)
        return false;
    close(fd);
    return true;
}

/* A relative path in a confined root: the guest sees folders as paths inside the root, so
 * "dir/../x" relative to a folder is the root-relative path of that folder joined with it, then
 * resolved from the root again (a ".." past the root stays at the root, as RESOLVE_IN_ROOT
 * and chroot(2) both have it). */
static int join_relative(struct xlat_proc *p, int dirfd, struct xlat_path *r)
{
    char host[PATH_MAX];
    ssize_t n = dirfd == AT_FDCWD ? readlink("/proc/self/cwd", host, sizeof(host) - 1)
                                  : viv_fd_link(dirfd, host, sizeof(host));
    if (n < 0)
        return dirfd == AT_FDCWD ? -ENOENT : -EBADF;
    host[n] = '\0';
    size_t rl = strlen(p->root_path);
    const char *inside = "/";
    if (strncmp(host, p->root_path, rl) == 0 && (host[rl] == '/' || host[rl] == '\0'))
        inside = host[rl] ? host + rl : "/";
    char joined[PATH_MAX];
    if ((size_t)snprintf(joined, sizeof(joined), "%s/%s", inside, r->buf) >= sizeof(joined))
        return -ENAMETOOLONG;
    memcpy(r->buf, joined, strlen(joined) + 1);
    r->dirfd = p->root_fd;
    r->in_root = true;
    return 0;
}

int xlat_path_get(struct xlat_proc *p, int64_t gdirfd, uint64_t gpath, struct xlat_path *r)
{
    long n = xlat_mem_string(p->mem, gpath, r->buf, PATH_MAX);
    if (n < 0)
        return (int)n;
    return xlat_path_host(p, gdirfd, r->buf, r);
}

int xlat_path_host(struct xlat_proc *p, int64_t gdirfd, const char *path, struct xlat_path *r)
{
    r->owned_fd = -1;
    r->in_root = false;
    r->self_exe = false;
    r->name = r->buf;
    size_t n = strnlen(path, PATH_MAX);
    if (n >= PATH_MAX)
        return -ENAMETOOLONG;
    if (path != r->buf)
        memcpy(r->buf, path, n + 1);
    int dirfd = (int)gdirfd;
    /* The guest's /proc/self/exe is its program, never the engine that runs it (busybox
     * execs its applets through it). */
    if (strcmp(r->buf, "/proc/self/exe") == 0 && p->exe_path && p->exe_path[0] == '/') {
        snprintf(r->buf, sizeof(r->buf), "%s", p->exe_path);
        r->self_exe = true;
    }
    if (r->buf[0] == '/') {
        if (in_sysroot(p, r->buf)) {
            r->dirfd = p->sysroot_fd;
            r->in_root = true;
        } else if (p->root_host) {
            r->dirfd = AT_FDCWD;
        } else {
            r->dirfd = p->root_fd;
            r->in_root = true;
        }
        return 0;
    }
    if (xlat_fd_reserved(p, dirfd))
        return -EBADF;
    if (n == 0 || p->root_host) { /* "" is for AT_EMPTY_PATH: the caller checks the flag */
        r->dirfd = dirfd;
        return 0;
    }
    return join_relative(p, dirfd, r);
}

int xlat_path_open(struct xlat_path *r, int flags, unsigned mode)
{
    /* open(2): the mode is only meaningful, and openat2 only accepts one, with these flags. */
    if (!(flags & (O_CREAT | O_TMPFILE)))
        mode = 0;
    if (!r->in_root) {
        int fd = openat(r->dirfd, r->name, flags, mode);
        return fd < 0 ? -errno : fd;
    }
    return openat2_in(r->dirfd, r->name, (uint32_t)flags, mode, RESOLVE_IN_ROOT);
}

int xlat_path_split(struct xlat_path *r)
{
    if (!r->in_root)
        return 0;
    char *s = r->name;
    size_t len = strlen(s);
    while (len > 1 && s[len - 1] == '/')
        s[--len] = '\0';
    char *slash = strrchr(s, '/');
    const char *last = slash ? slash + 1 : s;
    if (strcmp(last, "..") == 0 || strcmp(last, ".") == 0 || *last == '\0') {
        /* The folder itself, resolved in the root: ".." never leaves it. */
        int fd = openat2_in(r->dirfd, s, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_IN_ROOT);
        if (fd < 0)
            return fd;
        r->owned_fd = r->dirfd = fd;
        r->name = ".";
        r->in_root = false;
        return 0;
    }
    int fd;
    if (slash) {
        *slash = '\0';
        fd = openat2_in(r->dirfd, slash == s ? "/" : s, O_PATH | O_DIRECTORY | O_CLOEXEC, 0,
                        RESOLVE_IN_ROOT);
    } else {
        fd = openat2_in(r->dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC, 0, RESOLVE_IN_ROOT);
    }
    if (fd < 0)
        return fd;
    r->owned_fd = r->dirfd = fd;
    r->name = (char *)last;
    r->in_root = false;
    return 0;
}

void xlat_path_done(struct xlat_path *r)
{
    if (r->owned_fd >= 0)
        close(r->owned_fd);
    r->owned_fd = -1;
}

#define PATH_OR_RETURN(r, dirfd, gpath)                                                            \
    do {                                                                                           \
        int e_ = xlat_path_get(p, (int64_t)(dirfd), (gpath), (r));                                 \
        if (e_ < 0)                                                                                \
            return e_;                                                                             \
    } while (0)

/* A proc link of an fd opened O_PATH | O_NOFOLLOW would name the link itself to a call that
 * does not follow it: where the guest's paths need no confinement, they are the host's. */
int64_t xlat_path_proc_link(struct xlat_proc *p, uint64_t gpath, bool follow, char *out, size_t len,
                            int *fd)
{
    struct xlat_path r;
    int64_t rc = xlat_path_get(p, AT_FDCWD, gpath, &r);
    if (rc < 0)
        return rc;
    *fd = -1;
    if (!r.in_root && r.dirfd == AT_FDCWD) {
        rc = (size_t)snprintf(out, len, "%s", r.name) >= len ? -ENAMETOOLONG : 0;
        xlat_path_done(&r);
        return rc;
    }
    if (follow) {
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

XLAT_SYS(readlinkat)
{
    struct xlat_path r;
    PATH_OR_RETURN(&r, a[0], a[1]);
    uint64_t size = a[3];
    if ((int64_t)size <= 0)
        return -EINVAL;
    char *dst = xlat_mem_ptr(p->mem, a[2], size, XLAT_PG_W);
    if (!dst)
        return -EFAULT;
    /* The guest's /proc/self/exe is its program, not the translator that runs it. */
    if (r.self_exe) {
        size_t l = strlen(p->exe_path);
        if (l > size)
            l = size;
        memcpy(dst, p->exe_path, l);
        return (int64_t)l;
    }
    int e = xlat_path_split(&r);
    if (e < 0)
        return e;
    ssize_t n = readlinkat(r.dirfd, r.name, dst, size);
    int64_t ret = XLAT_RET(n);
    xlat_path_done(&r);
    return ret;
}

XLAT_SYS(getcwd)
{
    char host[PATH_MAX];
    if (!getcwd(host, sizeof(host)))
        return -errno;
    const char *g = host;
    if (!p->root_host) {
        size_t rl = strlen(p->root_path);
        if (strncmp(host, p->root_path, rl) == 0 && (host[rl] == '/' || host[rl] == '\0'))
            g = host[rl] ? host + rl : "/";
        else
            return -ENOENT; /* the kernel's answer for a cwd outside the caller's root */
    }
    size_t l = strlen(g) + 1;
    if (l > a[1])
        return -ERANGE;
    int e = xlat_mem_write(p->mem, a[0], g, l);
    return e < 0 ? e : (int64_t)l;
}

XLAT_SYS(chdir)
{
    struct xlat_path r;
    PATH_OR_RETURN(&r, AT_FDCWD, a[0]);
    int fd = xlat_path_open(&r, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
    if (fd < 0)
        return fd;
    int64_t ret = XLAT_RET(fchdir(fd));
    close(fd);
    return ret;
}

XLAT_SYS(fchdir)
{
    if (xlat_fd_reserved(p, (int64_t)a[0]))
        return -EBADF;
    return XLAT_RET(fchdir((int)a[0]));
}

XLAT_SYS(mkdirat)
{
    struct xlat_path r;
    PATH_OR_RETURN(&r, a[0], a[1]);
    int e = xlat_path_split(&r);
    if (e < 0)
        return e;
    int64_t ret = XLAT_RET(mkdirat(r.dirfd, r.name, (mode_t)a[2]));
    xlat_path_done(&r);
    return ret;
}

XLAT_SYS(unlinkat)
{
    struct xlat_path r;
    PATH_OR_RETURN(&r, a[0], a[1]);
    int e = xlat_path_split(&r);
    if (e < 0)
        return e;
    int64_t ret = XLAT_RET(unlinkat(r.dirfd, r.name, (int)a[2] & AT_REMOVEDIR));
    xlat_path_done(&r);
    return ret;
}

XLAT_SYS(symlinkat)
{
    char target[PATH_MAX];
    long n = xlat_mem_string(p->mem, a[0], target, sizeof(target));
    if (n < 0)
        return n;
    struct xlat_path r;
    PATH_OR_RETURN(&r, a[1], a[2]);
    int e = xlat_path_split(&r);
    if (e < 0)
        return e;
    int64_t ret = XLAT_RET(symlinkat(target, r.dirfd, r.name));
    xlat_path_done(&r);
    return ret;
}

XLAT_SYS(fchmodat)
{
    struct xlat_path r;
    PATH_OR_RETURN(&r, a[0], a[1]);
    int e = xlat_path_split(&r);
    if (e < 0)
        return e;
    int64_t ret = XLAT_RET(fchmodat(r.dirfd, r.name, (mode_t)a[2], 0));
    xlat_path_done(&r);
    return ret;
}

XLAT_SYS(renameat2)
{
    struct xlat_path from, to;
    PATH_OR_RETURN(&from, a[0], a[1]);
    int e = xlat_path_split(&from);
    if (e < 0)
        return e;
    e = xlat_path_get(p, (int64_t)a[2], a[3], &to);
    if (e >= 0)
        e = xlat_path_split(&to);
    if (e < 0) {
        xlat_path_done(&from);
        return e;
    }
    int64_t ret = XLAT_RET(renameat2(from.dirfd, from.name, to.dirfd, to.name, (unsigned)a[4]));
    xlat_path_done(&from);
    xlat_path_done(&to);
    return ret;
}

/* renameat is renameat2 without the flags register (a4 holds whatever the caller left). */
XLAT_SYS(renameat)
{
    const uint64_t b[6] = {a[0], a[1], a[2], a[3], 0, 0};
    return xlat_sys_renameat2(p, b);
}
