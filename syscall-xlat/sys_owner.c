/* sys_owner.c: the owners and times of files. Paths resolve inside the root as for stat.
 *
 * In a rootless instance the user namespace maps one uid and one gid; a chown to any other id is
 * EINVAL from the kernel, which package managers take as fatal. As the native sandbox's trap
 * does (trap_chown.c), such a change is accepted and dropped: the file could never show those
 * ids. */
#include "sys_internal.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/time.h>

/* A refused chown to ids the namespace cannot map is a dropped one (see above); for a guest
 * without CAP_CHOWN, EPERM, as the kernel says to a chown to ids that exist. */
static int64_t chown_result(int64_t ret, uint64_t uid, uint64_t gid)
{
    bool asks = (uint32_t)uid != (uint32_t)-1 || (uint32_t)gid != (uint32_t)-1;
    if (ret != -EINVAL || !asks)
        return ret;
    return xlat_has_cap(CAP_CHOWN) ? 0 : -EPERM;
}

struct owner {
    uint32_t uid, gid;
};

static int do_fchownat(int dirfd, const char *name, int flags, void *out)
{
    const struct owner *o = out;
    return fchownat(dirfd, name, o->uid, o->gid, flags);
}

XLAT_SYS(fchownat)
{
    int flags = (int)a[4];
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    struct owner o = {(uint32_t)a[2], (uint32_t)a[3]};
    return chown_result(xlat_path_call(p, (int64_t)a[0], a[1], flags, do_fchownat, &o), a[2], a[3]);
}

XLAT_SYS(fchown)
{
    if (xlat_fd_reserved(p, (int64_t)a[0]))
        return -EBADF;
    return chown_result(XLAT_RET(fchown((int)a[0], (uid_t)a[1], (gid_t)a[2])), a[1], a[2]);
}

XLAT_SYS(chown)
{
    return xlat_sys_fchownat(p, (const uint64_t[]){XLAT_CWD, a[0], a[1], a[2], 0});
}

XLAT_SYS(lchown)
{
    return xlat_sys_fchownat(p,
                             (const uint64_t[]){XLAT_CWD, a[0], a[1], a[2], AT_SYMLINK_NOFOLLOW});
}

static int do_utimensat(int dirfd, const char *name, int flags, void *out)
{
    return utimensat(dirfd, name, out, flags);
}

/* Set the times of (dirfd, gpath) to ts (NULL: now), or of fd dirfd itself when gpath is 0
 * (futimens), as utimensat(2) does. */
static int64_t set_times(struct xlat_proc *p, int64_t dirfd, uint64_t gpath,
                         const struct timespec *ts, int flags)
{
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
        return -EINVAL;
    if (!gpath) {
        if (dirfd == AT_FDCWD)
            return -EFAULT; /* no path and no fd: the kernel reads the NULL path */
        if (xlat_fd_reserved(p, dirfd))
            return -EBADF;
        return XLAT_RET(futimens((int)dirfd, ts));
    }
    return xlat_path_call(p, dirfd, gpath, flags, do_utimensat, (void *)ts);
}

XLAT_SYS(utimensat)
{
    struct timespec ts[2];
    if (a[2] && xlat_mem_read(p->mem, a[2], ts, sizeof(ts)) < 0)
        return -EFAULT;
    return set_times(p, (int64_t)a[0], a[1], a[2] ? ts : NULL, (int)a[3]);
}

/* The microsecond forms: struct timeval pairs, NULL for now (utimes(2), futimesat(2)). */
static int64_t set_timevals(struct xlat_proc *p, int64_t dirfd, uint64_t gpath, uint64_t gtv)
{
    if (!gtv)
        return set_times(p, dirfd, gpath, NULL, 0);
    struct timeval tv[2];
    if (xlat_mem_read(p->mem, gtv, tv, sizeof(tv)) < 0)
        return -EFAULT;
    struct timespec ts[2];
    for (int i = 0; i < 2; i++) {
        if (tv[i].tv_usec < 0 || tv[i].tv_usec >= 1000000)
            return -EINVAL;
        ts[i].tv_sec = tv[i].tv_sec;
        ts[i].tv_nsec = tv[i].tv_usec * 1000;
    }
    return set_times(p, dirfd, gpath, ts, 0);
}

XLAT_SYS(utimes)
{
    return set_timevals(p, AT_FDCWD, a[0], a[1]);
}

XLAT_SYS(futimesat)
{
    return set_timevals(p, (int64_t)a[0], a[1], a[2]);
}

XLAT_SYS(utime)
{
    /* struct utimbuf: two longs, access then modification time, in seconds. */
    if (!a[1])
        return set_times(p, AT_FDCWD, a[0], NULL, 0);
    int64_t t[2];
    if (xlat_mem_read(p->mem, a[1], t, sizeof(t)) < 0)
        return -EFAULT;
    struct timespec ts[2] = {{t[0], 0}, {t[1], 0}};
    return set_times(p, AT_FDCWD, a[0], ts, 0);
}
