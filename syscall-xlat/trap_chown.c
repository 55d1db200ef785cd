/* trap_chown.c: the chown family for rootless guests: ids the user namespace cannot map are
 * accepted and dropped, as the file could never show them anyway; everything else is left to
 * the kernel. */
#include "trap_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* The kernel's own test: an id of -1 means "leave it". */
static bool uid_ok(const struct xlat_trap_config *cfg, uint32_t id)
{
    return id == (uint32_t)-1 || id == (uint32_t)cfg->mapped_uid;
}

static bool gid_ok(const struct xlat_trap_config *cfg, uint32_t id)
{
    return id == (uint32_t)-1 || id == (uint32_t)cfg->mapped_gid;
}

/* Does the object the call names exist (as the guest resolves it)? Returns 0 or an errno. The
 * walk starts at the guest's root, cwd or dirfd as seen through /proc/PID, and RESOLVE_IN_ROOT
 * keeps it under that start: the answer is only ever "exists" or an errno, but even that must
 * not say anything about the host's files. */
static int object_exists(const struct xlat_call *c, int dirfd, const char *path, bool nofollow)
{
    char base[64];
    unsigned pid = c->req->pid;
    if (path[0] == '/')
        snprintf(base, sizeof(base), "/proc/%u/root", pid);
    else if (dirfd == AT_FDCWD)
        snprintf(base, sizeof(base), "/proc/%u/cwd", pid);
    else if (dirfd >= 0)
        snprintf(base, sizeof(base), "/proc/%u/fd/%d", pid, dirfd);
    else
        return EBADF;
    int bfd = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (bfd < 0)
        return errno == ENOENT ? EBADF : errno;
    /* The pid may have been reused before the open: only a live notification vouches for it. */
    if (!xlat_call_valid(c)) {
        close(bfd);
        return -1;
    }
    if (path[0] == '\0') {
        close(bfd);
        return ENOENT;
    }
    struct open_how how = {
        .flags = O_PATH | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0),
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    int fd = (int)syscall(SYS_openat2, bfd, path, &how, sizeof(how));
    int e = fd < 0 ? errno : 0;
    if (fd >= 0)
        close(fd);
    close(bfd);
    /* O_PATH|O_NOFOLLOW on a symlink opens the link itself: it exists. */
    return e == ELOOP && nofollow ? 0 : e;
}

static int fd_exists(const struct xlat_call *c, int fd)
{
    if (fd < 0)
        return EBADF;
    char path[64];
    snprintf(path, sizeof(path), "/proc/%u/fd/%d", c->req->pid, fd);
    struct stat st;
    if (lstat(path, &st) < 0)
        return EBADF;
    return 0;
}

void xlat_handle_chown(const struct xlat_call *c, struct xlat_answer *a)
{
    const __u64 *args = c->req->data.args;
    int nr = c->req->data.nr;
    uint32_t uid, gid;
    if (nr == SYS_fchownat) {
        uid = (uint32_t)args[2];
        gid = (uint32_t)args[3];
    } else {
        uid = (uint32_t)args[1];
        gid = (uint32_t)args[2];
    }
    a->cont = true;
    if (!c->cfg->rootless || (uid_ok(c->cfg, uid) && gid_ok(c->cfg, gid)))
        return; /* the kernel can do it (or refuse it) itself */

    /* chown(2) to another owner requires CAP_CHOWN: a guest without it gets the kernel's EPERM. */
    int cap = xlat_caller_has_cap(c, CAP_CHOWN);
    if (cap < 0)
        return; /* the thread is gone: continuing answers nobody */
    a->cont = false;
    a->val = 0;
    char path[4096];
    int e = 0;
    switch (nr) {
    case SYS_fchown:
        e = fd_exists(c, (int)args[0]);
        break;
    case SYS_chown:
    case SYS_lchown:
        e = xlat_read_guest_string(c, args[0], path, sizeof(path));
        if (e == 0)
            e = object_exists(c, AT_FDCWD, path, nr == SYS_lchown);
        break;
    case SYS_fchownat: {
        int dirfd = (int)args[0];
        int flags = (int)args[4];
        if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) {
            e = EINVAL;
            break;
        }
        e = xlat_read_guest_string(c, args[1], path, sizeof(path));
        if (e == 0 && path[0] == '\0' && (flags & AT_EMPTY_PATH))
            e = dirfd == AT_FDCWD ? 0 : fd_exists(c, dirfd);
        else if (e == 0)
            e = object_exists(c, dirfd, path, flags & AT_SYMLINK_NOFOLLOW);
        break;
    }
    }
    if (e < 0) {
        a->cont = true; /* gone */
        return;
    }
    if (e == 0 && !cap)
        e = EPERM;
    a->error = e;
}
