/* sandbox_rootfs.c: the guest's filesystem: a writable layer over the read-only checkout, /proc,
 * a minimal /dev, /tmp, the -v binds, then pivot_root into it. Runs in the new namespaces. */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

static int open_in_root_quiet(int root, const char *path)
{
    struct viv_error ignored;
    return sandbox_open_in_root(root, path, false, false, &ignored);
}

/* A mount point in the root, made when missing (file: as a file): never the root itself, which
 * an image's symlink ("run -> /") can name. A mount there would cover the whole guest, and one
 * made after the pivot would go on top of the old root stacked there, for the old root's
 * detaching to take instead. */
static int open_mount_point(int root, const char *path, bool file, struct viv_error *err)
{
    int fd = sandbox_open_in_root(root, path, true, file, err);
    if (fd < 0)
        return -1;
    struct stat at, top;
    if (fstat(fd, &at) < 0 || fstat(root, &top) < 0 ||
        (at.st_dev == top.st_dev && at.st_ino == top.st_ino)) {
        close(fd);
        return viv_fail(err, 0, "it is the guest's root (through a symlink in the image)");
    }
    return fd;
}

/* The copy-up-free fallback: a tmpfs root holding a read-only bind of each top-level entry of
 * the checkout, so that mount points (/proc, /dev, /tmp) can be made without writing into the
 * catalog. */
static int layout_binds(int rootfs_fd, int root_fd, struct viv_error *err)
{
    int dfd = openat(rootfs_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return viv_fail(err, errno, "open the image's checkout");
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return viv_fail(err, errno, "read the image's checkout");
    }
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        const char *n = de->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(dfd, n, &st, AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            rc = viv_copy_symlink(dfd, n, root_fd, err);
            continue;
        }
        if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
            continue;
        int made = S_ISDIR(st.st_mode)
                       ? mkdirat(root_fd, n, 0755)
                       : close(openat(root_fd, n, O_CREAT | O_WRONLY | O_CLOEXEC, 0644));
        if (made < 0) {
            rc = viv_fail(err, errno, "make /%s", n);
            break;
        }
        int tfd = openat(root_fd, n, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (tfd < 0) {
            rc = viv_fail(err, errno, "open /%s", n);
            break;
        }
        char what[300];
        snprintf(what, sizeof(what), "image /%s", n);
        rc = sandbox_bind(dfd, n, tfd, "", MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
                          false, what, err);
        close(tfd);
    }
    closedir(d);
    return rc;
}

/* The root: overlayfs (a tmpfs upper layer over the checkout) where the kernel allows it, the
 * bind layout otherwise. Returns an O_PATH fd of the root's top; *writable says whether the
 * image's own directories can be written. */
static int make_root(const struct viv_sandbox_config *cfg, int rootfs_fd, int layer_fd,
                     struct sandbox_scratch *s, bool *overlay, bool *etc_done, char *note,
                     size_t note_len, struct viv_error *err)
{
    /* The scratch: the layer's directory on disk where there is one, else a private tmpfs (made
     * before the go, or now; its fds closed with the rest of what was made before), attached
     * over the checkout's own path in this mount namespace: the one directory we know exists and
     * that nothing else needs. The checkout stays reachable through rootfs_fd, opened before. */
    char disk_failed[300] = "";
    bool on_disk = false;
    if (layer_fd >= 0) {
        struct sandbox_scratch d;
        long r = sandbox_scratch_on(&d, layer_fd);
        if (r < 0) {
            snprintf(disk_failed, sizeof(disk_failed), "%s", strerror((int)-r));
        } else {
            sandbox_scratch_close(s);
            *s = d;
            on_disk = true;
        }
    }
retry:;
    long r = s->fd < 0 ? sandbox_scratch_make(s) : 0;
    if (r < 0)
        return viv_fail(err, (int)-r, "make the scratch tmpfs");
    r = sandbox_attach_raw(s->fd, rootfs_fd, "");
    if (r < 0)
        return viv_fail(err, (int)-r, "attach the scratch %s", on_disk ? "layer" : "tmpfs");

    *overlay = false;
    const char *why = getenv("VIV_TEST_NO_OVERLAY") ? "disabled by VIV_TEST_NO_OVERLAY" : NULL;
    if (!why && sandbox_etc_into_upper(cfg, rootfs_fd, s->upper, etc_done, err) < 0)
        return -1;
    if (!why) {
        char data[256];
        /* Every layer named by fd: the checkout's path may hold commas or colons, which
         * overlayfs's option syntax would misread. Through /proc/self/fd, not as fds (Linux
         * 6.7's lowerdir+): the overlay would show the guest the host's paths of the layers
         * in /proc/self/mountinfo. */
        snprintf(data, sizeof(data),
                 "lowerdir=/proc/self/fd/%d,upperdir=/proc/self/fd/%d,"
                 "workdir=/proc/self/fd/%d",
                 rootfs_fd, s->upper, s->work);
        /* userxattr first: inside a user namespace trusted.* xattrs are off limits, and an
         * overlay that cannot mark its upper directories refuses to rename any directory
         * (EXDEV), which breaks dpkg. user.* ones (Linux 5.11) need an upper fs that takes them
         * (tmpfs since 6.6); without it, the overlay without marks is still better than none. */
        size_t plain = strlen(data);
        strncat(data, ",userxattr", sizeof(data) - strlen(data) - 1);
        struct viv_error oerr = {0};
        for (int attempt = 0; attempt < 2 && !*overlay; attempt++) {
            if (attempt == 1)
                data[plain] = '\0';
            *overlay = sandbox_mount_at("overlay", s->mnt, "overlay", MS_NOSUID | MS_NODEV, data,
                                        "overlay", &oerr) == 0;
        }
        if (!*overlay)
            why = oerr.msg;
        /* A filesystem that cannot be an overlay's upper (one of its own, NFS): the tmpfs,
         * attached over the layer's. */
        if (!*overlay && on_disk) {
            snprintf(disk_failed, sizeof(disk_failed), "%.200s", oerr.msg);
            sandbox_scratch_close(s);
            on_disk = false;
            *etc_done = false;
            goto retry;
        }
    }
    int root = openat(s->fd, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return viv_fail(err, errno, "open the new root");
    if (*overlay) {
        if (on_disk)
            snprintf(note, note_len, "root: overlayfs, writable layer on disk in %s%s",
                     cfg->layer_dir, cfg->read_only ? " (then made read-only)" : "");
        else
            snprintf(note, note_len, "root: overlayfs, writable layer on a private tmpfs%s%s%s%s",
                     cfg->read_only ? " (then made read-only)" : "",
                     disk_failed[0] ? " (not on disk: " : "", disk_failed,
                     disk_failed[0] ? ")" : "");
        return root;
    }
    snprintf(note, note_len,
             "root: overlayfs unavailable (%s): read-only binds of the image, "
             "only /tmp, /dev/shm and -v binds writable",
             why);
    static const char *const root_opts[] = {"source", "tmpfs", "mode", "0755", NULL};
    int top = sandbox_mount_new_at("tmpfs", root_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, root,
                                   "root tmpfs", err);
    close(root);
    root = top;
    if (root < 0 || layout_binds(rootfs_fd, root, err) < 0)
        goto fail;
    return root;
fail:
    if (root >= 0)
        close(root);
    return -1;
}

/* /proc of the new pid namespace; *proc, an fd of it, for its masks (sandbox_procmask.c). Before
 * the pivot: in a user namespace the kernel mounts a procfs only where one is already fully
 * visible, the host's, until the old root is detached. */
static int mount_proc(int root, int *made, int *proc, struct viv_error *err)
{
    /* The mount's fd is its root, attached where p is; made before the go, or now. */
    long m = *made >= 0 ? *made : sandbox_proc_make();
    *made = -1;
    if (m < 0)
        return viv_fail(err, (int)-m, "mount /proc");
    _cleanup_close_ int p = open_mount_point(root, "/proc", false, err);
    if (p < 0) {
        close((int)m);
        return viv_wrap(err, "/proc");
    }
    long r = sandbox_attach_raw((int)m, p, "");
    if (r < 0) {
        close((int)m);
        return viv_fail(err, (int)-r, "attach /proc");
    }
    *proc = (int)m;
    return 0;
}

/* /dev, made apart (by the aide, most often, while we mounted the rest), attached in the root;
 * *dev, its mount, for the /proc masks. */
static int attach_dev(const struct viv_sandbox_config *cfg, struct sandbox_aide *aide, int root,
                      int *dev, struct viv_error *err)
{
    /* Rather than only wait while the aide finishes /dev: the bounding set, forty-odd calls that
     * dropping privileges would otherwise make after the pivot, and what the aide would do
     * after /dev. */
    if (sandbox_aide_devtree_pending(aide)) {
        if (sandbox_drop_bounding_set(cfg->uid, err) < 0)
            return -1;
        sandbox_aide_meanwhile(aide);
    }
    struct sandbox_devtree t;
    if (sandbox_aide_devtree(aide, &t, err) < 0)
        return -1;
    int rc = 0;
    int dev_at = open_mount_point(root, "/dev", false, err);
    if (dev_at < 0) {
        rc = viv_wrap(err, "/dev");
    } else {
        long r = sandbox_attach_raw(t.dev, dev_at, "");
        if (r < 0)
            rc = viv_fail(err, (int)-r, "attach /dev");
        close(dev_at);
    }
    if (rc == 0 && sandbox_devtree_fill(&t, cfg->rootless) < 0)
        rc = viv_fail(err, t.error, "%s", t.failed);
    if (rc == 0) {
        *dev = t.dev;
        t.dev = -1;
    }
    sandbox_devtree_close(&t);
    return rc;
}

/* A directory of the scratch tmpfs bound at path in the root: /tmp always; /run and /var/tmp
 * where the root is read-only. dir -1: made now, as name. A mount point the root cannot hold
 * (the bind layout's image directories are read-only) is left alone unless required. */
static int attach_scratch_dir(int root, int scratch, int dir, const char *name, mode_t mode,
                              const char *path, bool required, struct viv_error *err)
{
    _cleanup_close_ int made = -1;
    if (dir < 0) {
        if (mkdirat(scratch, name, mode) < 0 || fchmodat(scratch, name, mode, 0) < 0)
            return viv_fail(err, errno, "make %s", path);
        dir = made = openat(scratch, name, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir < 0)
            return viv_fail(err, errno, "open %s", path);
    }
    struct viv_error quiet = {0};
    _cleanup_close_ int at = open_mount_point(root, path, false, required ? err : &quiet);
    if (at < 0)
        return required ? viv_wrap(err, "%s", path) : 0;
    return sandbox_bind(dir, "", at, "", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false, path, err);
}

/* Whether -v or --tmpfs mounts at path: then that mount is the guest's there, not ours. */
static bool given(const struct viv_sandbox_config *cfg, const char *path)
{
    for (size_t i = 0; i < cfg->nbinds; i++)
        if (strcmp(cfg->binds[i].guest, path) == 0)
            return true;
    return false;
}

/* /tmp, and where the root is read-only /run and /var/tmp, as podman's --read-only-tmpfs has
 * them (its tmpfs's mode, 1777, for /run too: a guest user's pid file has a place); under
 * --read-only with --read-only-tmpfs=false, none of them, /tmp included, as in podman. */
static int attach_tmps(const struct viv_sandbox_config *cfg, int root, bool overlay,
                       const struct sandbox_scratch *s, struct viv_error *err)
{
    bool read_only = cfg->read_only || !overlay;
    if (read_only && !cfg->read_only_tmpfs)
        return 0;
    if (!given(cfg, "/tmp") &&
        attach_scratch_dir(root, s->fd, s->tmp, "tmp", 01777, "/tmp", true, err) < 0)
        return -1;
    if (!read_only)
        return 0;
    if (!given(cfg, "/run") &&
        attach_scratch_dir(root, s->fd, -1, "run", 01777, "/run", overlay, err) < 0)
        return -1;
    if (!given(cfg, "/var/tmp") &&
        attach_scratch_dir(root, s->fd, -1, "var-tmp", 01777, "/var/tmp", overlay, err) < 0)
        return -1;
    return 0;
}

/* A -v or --tmpfs target that an image's symlink leads into /proc or /dev/pts, or onto /dev
 * itself: the sandbox's own, as their paths are (run_flags.c), which a mount there would cover
 * (the guest without its devices or its /proc). /dev/shm, a directory of /dev's tmpfs, is the
 * guest's to size. */
static int refuse_sandbox_own(int t, const struct stat *dev, const char *what,
                              struct viv_error *err)
{
    struct statfs sf;
    struct stat st;
    if (fstatfs(t, &sf) < 0 || fstat(t, &st) < 0)
        return viv_fail(err, errno, "%s", what);
    if (sf.f_type == PROC_SUPER_MAGIC || sf.f_type == DEVPTS_SUPER_MAGIC ||
        (st.st_dev == dev->st_dev && st.st_ino == dev->st_ino))
        return viv_fail(err, 0, "%s: it is in /proc or is /dev (through a symlink in the image)",
                        what);
    return 0;
}

static int mount_tmpfs(const struct viv_sandbox_config *cfg, const struct viv_bind *b, int root,
                       const struct stat *dev, struct viv_error *err)
{
    /* Where the image has nothing, the tmpfs keeps its own mode, 1777, as podman's does: not
     * that of the directory made for it. */
    _cleanup_close_ int had = open_in_root_quiet(root, b->guest);
    _cleanup_close_ int t = open_mount_point(root, b->guest, false, err);
    if (t < 0)
        return viv_wrap(err, "%s %s", b->flag, b->guest);
    char what[600];
    snprintf(what, sizeof(what), "%s %s", b->flag, b->guest);
    if (refuse_sandbox_own(t, dev, what, err) < 0)
        return -1;
    /* What the image has there, to be copied in (podman's tmpcopyup): opened before the mount
     * covers it. */
    _cleanup_close_ int from =
        b->tmpfs_copyup ? openat(t, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (b->tmpfs_copyup && from < 0)
        return viv_fail(err, errno, "%s: open what the image has there", what);
    /* Filled before it goes read-only (ro). */
    int m = sandbox_mount_new_at("tmpfs", b->tmpfs_opts, b->attr & ~(uint64_t)MOUNT_ATTR_RDONLY, t,
                                 what, err);
    if (m < 0)
        return -1;
    int rc = 0;
    _cleanup_close_ int to = openat(m, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (to < 0)
        rc = viv_fail(err, errno, "%s: open it", what);
    /* Its top takes the directory's mode and owner, as podman's copy-up gives them, unless the
     * options name them. */
    struct stat st;
    bool named = false;
    for (size_t i = 2; b->tmpfs_opts[i]; i += 2)
        named |= strcmp(b->tmpfs_opts[i], "mode") == 0 || strcmp(b->tmpfs_opts[i], "uid") == 0 ||
                 strcmp(b->tmpfs_opts[i], "gid") == 0;
    if (rc == 0 && from >= 0 && had >= 0 && !named && fstat(from, &st) == 0) {
        (void)!fchown(to, st.st_uid, st.st_gid);
        fchmod(to, st.st_mode & 07777);
    }
    if (rc == 0 && b->tmpfs_chown && fchown(to, cfg->uid, cfg->gid) < 0)
        rc = viv_fail(err, errno, "%s: give it to the guest's user", what);
    if (rc == 0 && from >= 0)
        viv_trace(VIV_TRACE_RUN, "run", "instance: copying into the --tmpfs at %s", b->guest);
    if (rc == 0 && from >= 0 && viv_copy_tree(from, to, err) < 0)
        rc = viv_wrap(err, "%s: copy what the image has there", what);
    if (rc == 0 && (b->attr & MOUNT_ATTR_RDONLY))
        rc = sandbox_set_mount_attr(m, MOUNT_ATTR_RDONLY, false, what, err);
    close(m);
    return rc;
}

static int mount_bind(const struct viv_bind *b, int root, int fd, const struct stat *dev,
                      struct viv_error *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return viv_fail(err, errno, "%s %s", b->flag, b->host);
    _cleanup_close_ int t = open_mount_point(root, b->guest, !S_ISDIR(st.st_mode), err);
    if (t < 0)
        return viv_wrap(err, "%s %s:%s", b->flag, b->host, b->guest);
    char what[600];
    snprintf(what, sizeof(what), "%s %s:%s", b->flag, b->host, b->guest);
    if (refuse_sandbox_own(t, dev, what, err) < 0)
        return -1;
    /* Told as such, not as the kernel's EINVAL. */
    struct stat at;
    if (fstat(t, &at) == 0 && S_ISDIR(at.st_mode) != S_ISDIR(st.st_mode))
        return viv_fail(err, 0, "%s: a %s cannot be mounted on a %s", what,
                        S_ISDIR(st.st_mode) ? "directory" : "file",
                        S_ISDIR(at.st_mode) ? "directory" : "file");
    return sandbox_bind(fd, "", t, "", b->attr, true, what, err);
}

/* Of a cleaned path ("/a/b", run_flags.c): one per component. */
static size_t depth(const char *path)
{
    size_t n = 0;
    for (const char *p = path; *p; p++)
        n += *p == '/';
    return n;
}

/* The -v binds and --tmpfs mounts, shallowest first (in the order given among equals), as podman
 * orders them: "-v $PWD:/src --tmpfs /src/build" puts the tmpfs in the bind, and
 * "--tmpfs /src -v $PWD/x:/src/x" the bind in the tmpfs, whatever order the flags came in. */
static int mount_binds(const struct viv_sandbox_config *cfg, int root, const int *bind_fds,
                       int dev_fd, struct viv_error *err)
{
    struct stat dev_st;
    if (fstat(dev_fd, &dev_st) < 0)
        return viv_fail(err, errno, "/dev");
    size_t most = 0;
    for (size_t i = 0; i < cfg->nbinds; i++)
        if (depth(cfg->binds[i].guest) > most)
            most = depth(cfg->binds[i].guest);
    for (size_t d = 0; d <= most; d++) {
        for (size_t i = 0; i < cfg->nbinds; i++) {
            const struct viv_bind *b = &cfg->binds[i];
            if (depth(b->guest) != d)
                continue;
            if ((b->host ? mount_bind(b, root, bind_fds[i], &dev_st, err)
                         : mount_tmpfs(cfg, b, root, &dev_st, err)) < 0)
                return -1;
        }
    }
    return 0;
}

static int setup_root(const struct viv_sandbox_config *cfg, struct sandbox_aide *aide,
                      struct sandbox_premade *pre, int rootfs_fd, int layer_fd, const int *bind_fds,
                      int *sys_at, char *note, size_t note_len, struct viv_error *err);

static void close_all(int *fds, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(fds);
}

static int setup_root_taking(const struct viv_sandbox_config *cfg, struct sandbox_aide *aide,
                             struct sandbox_premade *pre, int *sys_at, char *note, size_t note_len,
                             struct viv_error *err);

int sandbox_setup_root(const struct viv_sandbox_config *cfg, struct sandbox_aide *aide,
                       struct sandbox_premade *pre, int *sys_at, char *note, size_t note_len,
                       struct viv_error *err)
{
    *sys_at = -1;
    int rc = setup_root_taking(cfg, aide, pre, sys_at, note, note_len, err);
    sandbox_premade_close(pre);
    return rc;
}

static int setup_root_taking(const struct viv_sandbox_config *cfg, struct sandbox_aide *aide,
                             struct sandbox_premade *pre, int *sys_at, char *note, size_t note_len,
                             struct viv_error *err)
{
    /* Nothing we mount may propagate back to the host, and pivot_root needs a private root. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return viv_fail(err, errno, "make the mount namespace private");
    /* Everything from the host side is opened before the first mount can hide it (a bind source
     * or the catalog may live under a path the scratch tmpfs covers). */
    _cleanup_close_ int rootfs_fd = open(cfg->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfs_fd < 0)
        return viv_fail(err, errno, "open the image's checkout %s", cfg->rootfs);
    /* Not there (removed under us): the tmpfs serves, as it would where none was given. */
    _cleanup_close_ int layer_fd =
        cfg->layer_dir ? open(cfg->layer_dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC) : -1;
    int *bind_fds = viv_xcalloc(cfg->nbinds + 1, sizeof(int));
    for (size_t i = 0; i < cfg->nbinds; i++) {
        if (!cfg->binds[i].host) {
            bind_fds[i] = -1; /* a tmpfs */
            continue;
        }
        bind_fds[i] = open(cfg->binds[i].host, O_PATH | O_CLOEXEC);
        if (bind_fds[i] < 0) {
            viv_fail(err, errno, "%s %s", cfg->binds[i].flag, cfg->binds[i].host);
            close_all(bind_fds, i);
            return -1;
        }
    }
    int rc = setup_root(cfg, aide, pre, rootfs_fd, layer_fd, bind_fds, sys_at, note, note_len, err);
    close_all(bind_fds, cfg->nbinds);
    return rc;
}

/* Everything that follows a path the image or the configuration names (the mount points of /tmp,
 * /dev and the binds, the working directory) is done before pivot_root: after it, until the old
 * root is detached, that root is stacked on the new one's root, and ".." there crosses into it
 * (the kernel follows mounts after "..", at the root too), so an image's "tmp -> ../.." or a
 * working directory of "/.." would reach the host's tree. */
static int setup_root(const struct viv_sandbox_config *cfg, struct sandbox_aide *aide,
                      struct sandbox_premade *pre, int rootfs_fd, int layer_fd, const int *bind_fds,
                      int *sys_at, char *note, size_t note_len, struct viv_error *err)
{
    bool overlay = false, etc_done = false;
    _cleanup_close_ int root = make_root(cfg, rootfs_fd, layer_fd, &pre->scratch, &overlay,
                                         &etc_done, note, note_len, err);
    if (root < 0)
        return -1;
    int proc = -1; /* the aide's once mounted */
    _cleanup_close_ int dev = -1;
    /* /etc where the overlay could not take it beforehand: the host's resolv.conf is read. */
    if (overlay && !etc_done && sandbox_setup_etc(cfg, root, err) < 0)
        return -1;
    bool masked = pre->proc_protected;
    if (mount_proc(root, &pre->proc, &proc, err) < 0)
        return -1;
    /* Masked before the go, nothing is left to do to it. */
    if (masked) {
        close(proc);
        proc = -1;
    } else {
        sandbox_aide_proc_mounted(aide, proc);
    }
    /* /proc's masks after /dev, whose /dev/null they are, unless the aide has taken them (with
     * the host's); the binds after /dev and /tmp, as one may go beneath either. */
    if (attach_tmps(cfg, root, overlay, &pre->scratch, err) < 0 ||
        attach_dev(cfg, aide, root, &dev, err) < 0 ||
        (!masked && sandbox_aide_proc(aide, dev, err) < 0) ||
        mount_binds(cfg, root, bind_fds, dev, err) < 0)
        return -1;
    /* /sys's mount point, made when missing while the root is writable: /sys itself is mounted
     * once the network namespace is joined (sandbox_sysfs.c), after the pivot, where a mount on
     * the root's own directory would go on top of the old root stacked there, and the old
     * root's detaching take it instead. So /sys must be a directory of its own: not a symlink
     * (an image's "sys -> /" would name the root), not a file. Else the guest runs without. */
    struct stat st;
    if (!cfg->network_host || cfg->memory || cfg->pids || cfg->cpus > 0) {
        if (fstatat(root, "sys", &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
            size_t n = strlen(note);
            snprintf(note + n, note_len - n, "; no /sys: the image's /sys is not a directory");
        } else {
            struct viv_error quiet = {0};
            *sys_at = open_mount_point(root, "/sys", false, &quiet);
        }
    }
    /* The working directory is made when missing, as podman does, while the root is writable:
     * under --read-only too, in the layer that is discarded, before the root goes read-only. */
    if (overlay) {
        struct viv_error ignored;
        int w = open_in_root_quiet(root, cfg->workdir);
        /* Made here, it is the guest user's, as podman makes it: a -u user can work in it. Only
         * on the instance's own layer: not in a -v bind (the host's directory, through an
         * image's symlink), which is the host's to own. */
        struct stat made, top;
        if (w < 0 && (w = sandbox_open_in_root(root, cfg->workdir, true, false, &ignored)) >= 0 &&
            fstat(w, &made) == 0 && fstat(root, &top) == 0 && made.st_dev == top.st_dev)
            (void)!fchownat(w, "", cfg->uid, cfg->gid, AT_EMPTY_PATH);
        if (w >= 0)
            close(w);
    }
    /* Re-open the root through its path so the fd names the top mount (the overlay or the bind
     * layout's tmpfs), not the directory beneath it. */
    _cleanup_close_ int top = open_in_root_quiet(root, "/");
    if (top < 0)
        return viv_fail(err, errno, "open the new root");
    if ((cfg->read_only || !overlay) &&
        sandbox_set_mount_attr(top, MOUNT_ATTR_RDONLY, false, "the root", err) < 0)
        return -1;
    /* pivot_root(".", ".") stacks the old root on top of the new one, where "." names it;
     * detaching it (the aide, or sandbox_aide_join) leaves the guest no path back to the host's
     * tree. */
    if (fchdir(top) < 0)
        return viv_fail(err, errno, "enter the new root");
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return viv_fail(err, errno, "pivot_root");
    sandbox_aide_pivoted(aide);
    return 0;
}
