/* sys_filedata.c: a file's data and space (truncate, fallocate, the sync family, advice), its
 * locks, the filesystem under it (statfs), and the paths that make new names for files: hard
 * links and nodes. Paths resolve inside the root as for stat and rename. */
#include "sys_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

XLAT_SYS(truncate)
{
    struct xlat_path r;
    int e = xlat_path_get(p, AT_FDCWD, a[0], &r);
    if (e < 0)
        return e;
    /* Opened for writing as truncate(2) checks it; O_NONBLOCK so that a FIFO never waits. */
    int fd = xlat_path_open(&r, O_WRONLY | O_NONBLOCK | O_CLOEXEC, 0);
    xlat_path_done(&r);
    if (fd < 0)
        return fd == -ENXIO ? -EINVAL : fd;
    int64_t ret = XLAT_RET(ftruncate(fd, (off_t)a[1]));
    close(fd);
    return ret;
}

XLAT_SYS(fallocate)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(fallocate((int)a[0], (int)a[1], (off_t)a[2], (off_t)a[3]));
}

XLAT_SYS(fdatasync)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(fdatasync((int)a[0]));
}

XLAT_SYS(sync_file_range)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(sync_file_range((int)a[0], (off_t)a[1], (off_t)a[2], (unsigned)a[3]));
}

XLAT_SYS(readahead)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(readahead((int)a[0], (off_t)a[1], a[2]));
}

XLAT_SYS(sync)
{
    (void)p, (void)a;
    sync();
    return 0;
}

XLAT_SYS(syncfs)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(syncfs((int)a[0]));
}

XLAT_SYS(flock)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(flock((int)a[0], (int)a[1]));
}

XLAT_SYS(fadvise64)
{
    FD_OR_EBADF(a[0]);
    int e = posix_fadvise((int)a[0], (off_t)a[1], (off_t)a[2], (int)a[3]);
    return e ? -e : 0;
}

/* struct statfs is the same 120 bytes on x86-64 and riscv64 (asm-generic/statfs.h). */
static int do_statfs(int dirfd, const char *name, int flags, void *out)
{
    if ((flags & AT_EMPTY_PATH) && !name[0])
        return fstatfs(dirfd, out);
    int fd = openat(dirfd, name, O_PATH | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int r = fstatfs(fd, out);
    int e = errno;
    close(fd);
    errno = e;
    return r;
}

XLAT_SYS(statfs)
{
    struct statfs st;
    if (!xlat_mem_ptr(p->mem, a[1], sizeof(st), XLAT_PG_W))
        return -EFAULT;
    int64_t r = xlat_path_call(p, AT_FDCWD, a[0], 0, do_statfs, &st);
    return r < 0 ? r : xlat_mem_write(p->mem, a[1], &st, sizeof(st));
}

XLAT_SYS(fstatfs)
{
    FD_OR_EBADF(a[0]);
    struct statfs st;
    if (fstatfs((int)a[0], &st) < 0)
        return -errno;
    return xlat_mem_write(p->mem, a[1], &st, sizeof(st));
}

XLAT_SYS(linkat)
{
    int flags = (int)a[4];
    if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct xlat_path from, to;
    int e = xlat_path_get(p, (int64_t)a[0], a[1], &from);
    if (e < 0)
        return e;
    /* A followed last component is resolved inside the root and linked through its
     * /proc/self/fd name, which needs no privilege (AT_EMPTY_PATH would). */
    int ofd = -1;
    char by_fd[32];
    if (flags & AT_SYMLINK_FOLLOW) {
        ofd = xlat_path_open(&from, O_PATH | O_CLOEXEC, 0);
        xlat_path_done(&from);
        if (ofd < 0)
            return ofd;
        snprintf(by_fd, sizeof(by_fd), "/proc/self/fd/%d", ofd);
    } else if ((e = xlat_path_split(&from)) < 0) {
        xlat_path_done(&from);
        return e;
    }
    e = xlat_path_get(p, (int64_t)a[2], a[3], &to);
    if (e >= 0)
        e = xlat_path_split(&to);
    int64_t ret = e;
    if (e >= 0)
        ret = ofd >= 0 ? XLAT_RET(linkat(AT_FDCWD, by_fd, to.dirfd, to.name, AT_SYMLINK_FOLLOW))
                       : XLAT_RET(linkat(from.dirfd, from.name, to.dirfd, to.name, 0));
    xlat_path_done(&to);
    if (ofd >= 0)
        close(ofd);
    else
        xlat_path_done(&from);
    return ret;
}

XLAT_SYS(link)
{
    return xlat_sys_linkat(p, (const uint64_t[]){XLAT_CWD, a[0], XLAT_CWD, a[1], 0});
}

XLAT_SYS(mknodat)
{
    struct xlat_path r;
    int e = xlat_path_get(p, (int64_t)a[0], a[1], &r);
    if (e < 0)
        return e;
    if ((e = xlat_path_split(&r)) < 0) {
        xlat_path_done(&r);
        return e;
    }
    int64_t ret = XLAT_RET(mknodat(r.dirfd, r.name, (mode_t)a[2], (dev_t)a[3]));
    xlat_path_done(&r);
    return ret;
}

XLAT_SYS(mknod)
{
    return xlat_sys_mknodat(p, (const uint64_t[]){XLAT_CWD, a[0], a[1], a[2]});
}
