/* sys_stat.c: stat, statx and access for the guest, with struct stat converted to its layout. */
#include "sys_internal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* struct stat of the generic Linux ABI (include/uapi/asm-generic/stat.h), which riscv64 uses:
 * 32-bit mode and nlink, padding after rdev and blksize; x86-64 has its own order and widths. */
struct xlat_generic_stat {
    uint64_t st_dev, st_ino;
    uint32_t st_mode, st_nlink, st_uid, st_gid;
    uint64_t st_rdev, pad1;
    int64_t st_size;
    int32_t st_blksize, pad2;
    int64_t st_blocks;
    int64_t st_atime_sec;
    uint64_t st_atime_nsec;
    int64_t st_mtime_sec;
    uint64_t st_mtime_nsec;
    int64_t st_ctime_sec;
    uint64_t st_ctime_nsec;
    uint32_t unused4, unused5;
};
_Static_assert(sizeof(struct xlat_generic_stat) == 128, "asm-generic struct stat is 128 bytes");

static void xlat_to_guest_stat(const struct stat *h, struct xlat_generic_stat *g)
{
    memset(g, 0, sizeof(*g));
    g->st_dev = h->st_dev;
    g->st_ino = h->st_ino;
    g->st_mode = h->st_mode;
    g->st_nlink = (uint32_t)h->st_nlink;
    g->st_uid = h->st_uid;
    g->st_gid = h->st_gid;
    g->st_rdev = h->st_rdev;
    g->st_size = h->st_size;
    g->st_blksize = (int32_t)h->st_blksize;
    g->st_blocks = h->st_blocks;
    g->st_atime_sec = h->st_atim.tv_sec;
    g->st_atime_nsec = (uint64_t)h->st_atim.tv_nsec;
    g->st_mtime_sec = h->st_mtim.tv_sec;
    g->st_mtime_nsec = (uint64_t)h->st_mtim.tv_nsec;
    g->st_ctime_sec = h->st_ctim.tv_sec;
    g->st_ctime_nsec = (uint64_t)h->st_ctim.tv_nsec;
}

static int64_t put_stat(struct xlat_proc *p, uint64_t addr, const struct stat *st)
{
    /* x86-64's struct stat (arch/x86/include/uapi/asm/stat.h) is the host's. */
    if (p->abi->host_stat)
        return xlat_mem_write(p->mem, addr, st, sizeof(*st));
    struct xlat_generic_stat g;
    xlat_to_guest_stat(st, &g);
    return xlat_mem_write(p->mem, addr, &g, sizeof(g));
}

XLAT_SYS(fstat)
{
    if (xlat_fd_reserved(p, (int64_t)a[0]))
        return -EBADF;
    struct stat st;
    if (fstat((int)a[0], &st) < 0)
        return -errno;
    return put_stat(p, a[1], &st);
}

/* The host call for a path a *stat* syscall names with flags: confined paths that follow their
 * last component go through an O_PATH open inside the root, so a symlink cannot point out. */
int64_t xlat_path_call(struct xlat_proc *p, int64_t dirfd, uint64_t gpath, int flags,
                       int (*fn)(int, const char *, int, void *), void *out)
{
    struct xlat_path r;
    int e = xlat_path_get(p, dirfd, gpath, &r);
    if (e < 0)
        return e;
    if (r.name[0] == '\0' && !(flags & AT_EMPTY_PATH))
        return -ENOENT;
    if (r.in_root && !(flags & AT_SYMLINK_NOFOLLOW)) {
        int fd = xlat_path_open(&r, O_PATH | O_CLOEXEC, 0);
        if (fd < 0)
            return fd;
        int64_t ret = XLAT_RET(fn(fd, "", flags | AT_EMPTY_PATH, out));
        close(fd);
        return ret;
    }
    e = xlat_path_split(&r);
    if (e < 0)
        return e;
    int64_t ret = XLAT_RET(fn(r.dirfd, r.name, flags, out));
    xlat_path_done(&r);
    return ret;
}

static int do_fstatat(int dirfd, const char *name, int flags, void *out)
{
    return fstatat(dirfd, name, out, flags);
}

XLAT_SYS(newfstatat)
{
    int flags = (int)a[3] & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT);
    struct stat st;
    int64_t r = xlat_path_call(p, (int64_t)a[0], a[1], flags, do_fstatat, &st);
    return r < 0 ? r : put_stat(p, a[2], &st);
}

/* statx(2) carries its mask in the flags call: pack both through the one int. */
static unsigned statx_mask;
static int do_statx(int dirfd, const char *name, int flags, void *out)
{
    return statx(dirfd, name, flags, statx_mask, out);
}

XLAT_SYS(statx)
{
    /* struct statx is the same on every architecture (include/uapi/linux/stat.h). */
    int flags = (int)a[2] & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT |
                             AT_STATX_SYNC_TYPE);
    struct statx sx;
    if (!xlat_mem_ptr(p->mem, a[4], sizeof(sx), XLAT_PG_W))
        return -EFAULT;
    statx_mask = (unsigned)a[3];
    int64_t r = xlat_path_call(p, (int64_t)a[0], a[1], flags, do_statx, &sx);
    return r < 0 ? r : xlat_mem_write(p->mem, a[4], &sx, sizeof(sx));
}

static int do_faccessat(int dirfd, const char *name, int flags, void *out)
{
    return (int)syscall(SYS_faccessat2, dirfd, name, *(int *)out, flags);
}

static int64_t access_common(struct xlat_proc *p, const uint64_t *a, int flags)
{
    int mode = (int)a[2];
    if (mode & ~(R_OK | W_OK | X_OK))
        return -EINVAL;
    return xlat_path_call(p, (int64_t)a[0], a[1],
                     flags & (AT_SYMLINK_NOFOLLOW | AT_EACCESS | AT_EMPTY_PATH), do_faccessat,
                     &mode);
}

XLAT_SYS(faccessat)
{
    return access_common(p, a, 0);
}

XLAT_SYS(faccessat2)
{
    return access_common(p, a, (int)a[3]);
}
