/* sandbox_path.c: finding and making paths inside the guest's root without ever leaving it, and
 * mounting onto what was found. Image content is untrusted: a symlink planted at /tmp or at a
 * bind's target must resolve inside the root, as it would for the guest. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

static int open_in_root(int root_fd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t)(flags | O_CLOEXEC),
        /* Symlinks and ".." stay in the root as if it were "/"; /proc magic links (which point
         * anywhere) are refused. */
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
    };
    /* EAGAIN: a ".." was walked while a mount or rename happened somewhere (the aide mounts
     * meanwhile), and the kernel could not vouch for the walk: walked again. */
    int fd, tries = 0;
    do
        fd = (int)syscall(SYS_openat2, root_fd, path, &how, sizeof(how));
    while (fd < 0 && errno == EAGAIN && ++tries < 64);
    return fd;
}

int sandbox_open_in_root(int root_fd, const char *path, bool create, bool want_file,
                         struct viv_error *err)
{
    int fd = open_in_root(root_fd, path, O_PATH);
    if (fd >= 0 || errno != ENOENT || !create) {
        if (fd < 0)
            return viv_fail(err, errno, "%s", path);
        return fd;
    }
    /* Walk down, making what is missing. mkdirat and openat(O_CREAT|O_EXCL) never follow a
     * final symlink, so a dangling link planted where a component goes fails with EEXIST
     * instead of making something outside. */
    _cleanup_free_ char *p = viv_xstrdup(path);
    size_t len = strlen(p);
    int parent = open_in_root(root_fd, "/", O_PATH | O_DIRECTORY);
    if (parent < 0)
        return viv_fail(err, errno, "/");
    for (size_t start = 0; start < len;) {
        while (p[start] == '/')
            start++;
        if (!p[start])
            break;
        size_t end = start;
        while (p[end] && p[end] != '/')
            end++;
        bool last = p[end] == '\0' || p[end + strspn(p + end, "/")] == '\0';
        char save = p[end];
        p[end] = '\0';
        /* Re-resolve the prefix from the root each time: the component may be a symlink. */
        int next = open_in_root(root_fd, p, O_PATH);
        if (next < 0 && errno == ENOENT) {
            const char *name = p + start;
            int rc;
            if (last && want_file) {
                rc = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
                            0644);
                if (rc >= 0)
                    close(rc);
            } else {
                rc = mkdirat(parent, name, 0755);
            }
            if (rc < 0) {
                int e = errno;
                close(parent);
                if (e == EEXIST)
                    return viv_fail(err, 0, "%s: a dangling symlink is in the way", p);
                return viv_fail(err, e, "create %s", p);
            }
            next = open_in_root(root_fd, p, O_PATH);
        }
        if (next < 0) {
            int e = errno;
            close(parent);
            return viv_fail(err, e, "%s", p);
        }
        close(parent);
        parent = next;
        p[end] = save;
        start = end;
    }
    return parent;
}

int sandbox_mount_at(const char *source, int target_fd, const char *fstype, unsigned long flags,
                     const char *data, const char *what, struct viv_error *err)
{
    char target[64];
    snprintf(target, sizeof(target), "/proc/self/fd/%d", target_fd);
    if (mount(source, target, fstype, flags, data) < 0)
        return viv_fail(err, errno, "mount %s", what);
    return 0;
}

#ifndef SYS_open_tree_attr
#define SYS_open_tree_attr 467
#endif

long sandbox_attach_raw(int mnt, int target_dirfd, const char *target_name)
{
    return sandbox_sys5(SYS_move_mount, mnt, (long)"", target_dirfd, (long)target_name,
                        MOVE_MOUNT_F_EMPTY_PATH | (target_name[0] ? 0 : MOVE_MOUNT_T_EMPTY_PATH));
}

/* open_tree_attr (Linux 6.15) clones and sets the flags in one call, one fewer take of the lock
 * all mount changes share; where the kernel has it not, the two calls it stands for. Written by
 * either of the instance's threads: a plain flag, the worst a race can do is one more ENOSYS. */
static bool no_open_tree_attr;

/* A detached copy of the source tree, given its flags before anyone can see it: the mount's
 * fd, or -errno. */
static long clone_tree(int src_dirfd, const char *src_path, unsigned tree_flags, uint64_t attr)
{
    struct mount_attr ma = {.attr_set = attr};
    if (attr && !__atomic_load_n(&no_open_tree_attr, __ATOMIC_RELAXED)) {
        long m = sandbox_sys5(SYS_open_tree_attr, src_dirfd, (long)src_path, tree_flags,
                              (long)&ma, sizeof(ma));
        if (m != -ENOSYS)
            return m;
        __atomic_store_n(&no_open_tree_attr, true, __ATOMIC_RELAXED);
    }
    long m = sandbox_sys(SYS_open_tree, src_dirfd, (long)src_path, tree_flags, 0);
    if (m < 0 || !attr)
        return m;
    long r = sandbox_sys5(SYS_mount_setattr, m, (long)"", AT_EMPTY_PATH | (tree_flags & AT_RECURSIVE),
                          (long)&ma, sizeof(ma));
    if (r < 0) {
        sandbox_sys(SYS_close, m, 0, 0, 0);
        return r;
    }
    return m;
}

long sandbox_clone_raw(int src_dirfd, const char *src_path, uint64_t attr, bool recursive)
{
    unsigned tree_flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (recursive ? AT_RECURSIVE : 0);
    if (!src_path[0])
        tree_flags |= AT_EMPTY_PATH;
    return clone_tree(src_dirfd, src_path, tree_flags, attr);
}

long sandbox_bind_raw(int src_dirfd, const char *src_path, uint64_t attr, bool recursive,
                      int target_dirfd, const char *target_name)
{
    /* Attached by fd: no path is walked twice. */
    long m = sandbox_clone_raw(src_dirfd, src_path, attr, recursive);
    if (m < 0)
        return m;
    long r = sandbox_attach_raw((int)m, target_dirfd, target_name);
    sandbox_sys(SYS_close, m, 0, 0, 0);
    return r < 0 ? r : 0;
}

int sandbox_bind(int src_dirfd, const char *src_path, int target_dirfd, const char *target_name,
                 uint64_t attr, bool recursive, const char *what, struct viv_error *err)
{
    long r = sandbox_bind_raw(src_dirfd, src_path, attr, recursive, target_dirfd, target_name);
    return r < 0 ? viv_fail(err, (int)-r, "bind %s", what) : 0;
}

int sandbox_set_mount_attr(int mount_fd, uint64_t attr, bool recursive, const char *what,
                           struct viv_error *err)
{
    struct mount_attr ma = {.attr_set = attr};
    if (mount_setattr(mount_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &ma,
                      sizeof(ma)) < 0)
        return viv_fail(err, errno, "make %s read-only", what);
    return 0;
}

long sandbox_new_mount(const char *fstype, const char *const *opts, uint64_t attr)
{
    long fs = sandbox_sys(SYS_fsopen, (long)fstype, FSOPEN_CLOEXEC, 0, 0);
    if (fs < 0)
        return fs;
    long r = 0;
    for (size_t i = 0; r >= 0 && opts[i]; i += 2)
        r = sandbox_sys5(SYS_fsconfig, fs, opts[i + 1] ? FSCONFIG_SET_STRING : FSCONFIG_SET_FLAG,
                         (long)opts[i], (long)opts[i + 1], 0);
    if (r >= 0)
        r = sandbox_sys5(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, 0, 0, 0);
    if (r >= 0)
        r = sandbox_sys(SYS_fsmount, fs, FSMOUNT_CLOEXEC, (long)attr, 0);
    sandbox_sys(SYS_close, fs, 0, 0, 0);
    return r;
}

int sandbox_mount_new_at(const char *fstype, const char *const *opts, uint64_t attr, int target_fd,
                         const char *what, struct viv_error *err)
{
    long m = sandbox_new_mount(fstype, opts, attr);
    if (m < 0)
        return viv_fail(err, (int)-m, "mount %s", what);
    long r = sandbox_attach_raw((int)m, target_fd, "");
    if (r < 0) {
        close((int)m);
        return viv_fail(err, (int)-r, "attach %s", what);
    }
    return (int)m;
}
