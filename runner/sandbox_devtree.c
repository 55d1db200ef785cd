/* sandbox_devtree.c: the guest's /dev, made as mounts of its own that are not yet anywhere (the
 * new mount API's detached mounts), so that it can be made before the root it goes into exists,
 * by the aide while the first thread mounts that root, or earlier still, before the C library has
 * started (sandbox_aide.c). A kernel before 6.15 mounts nothing beneath a detached mount: there
 * /dev is filled in once attached. System calls by hand: the aide shares the first thread's
 * errno. No table of pointers either, which the C library relocates only as it starts. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* Host device nodes a guest may use; bound (never created: mknod is not ours to do rootless),
 * from the host's /dev, held by fd (sandbox_aide_start). */
static const char dev_nodes[][8] = {"null", "zero", "full", "random", "urandom", "tty"};
static const struct {
    char name[8], target[16];
} dev_links[] = {
    {"ptmx", "pts/ptmx"},          {"fd", "/proc/self/fd"},       {"stdin", "/proc/self/fd/0"},
    {"stdout", "/proc/self/fd/1"}, {"stderr", "/proc/self/fd/2"},
};

/* mnt (consumed) onto name under dir. */
static long attach(long mnt, int dir, const char *name)
{
    if (mnt < 0)
        return mnt;
    long r = sandbox_attach_raw((int)mnt, dir, name);
    sandbox_sys(SYS_close, mnt, 0, 0, 0);
    return r;
}

/* Read-only: the node is the host's, and a guest root that maps onto the host's root could
 * otherwise chmod, chown or touch it. A device stays readable and writable on a read-only
 * mount; only its inode is frozen. */
static long bind_node(int dev, const char *name, int host)
{
    /* The mount point: an empty file of our fresh tmpfs, which nothing else can touch (it may be
     * there from an attempt while /dev was detached). */
    long r = sandbox_sys(SYS_mknodat, dev, (long)name, S_IFREG | 0644, 0);
    if (r < 0 && r != -EEXIST)
        return r;
    return sandbox_bind_raw(host, name, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
                            false, dev, name);
}

/* The nodes, directories, links and the two filesystems beneath /dev; t->dev, attached or not. */
static long populate_dev(struct sandbox_devtree *t, bool rootless)
{
    long r;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(dev_nodes); i++) {
        t->failed = dev_nodes[i];
        if ((r = bind_node(t->dev, dev_nodes[i], t->host)) < 0)
            return r;
    }
    /* /dev/shm a directory of /dev's tmpfs, as bwrap makes it, not a filesystem of its own:
     * each one costs its making and, after the run, its teardown. Sticky and writable by all,
     * as POSIX shared memory wants it (the instance's umask is 0). */
    t->failed = "populate /dev";
    if ((r = sandbox_sys(SYS_mkdirat, t->dev, (long)"pts", 0755, 0)) < 0 ||
        (r = sandbox_sys(SYS_mkdirat, t->dev, (long)"shm", 01777, 0)) < 0)
        return r;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(dev_links); i++)
        if ((r = sandbox_sys(SYS_symlinkat, (long)dev_links[i].target, t->dev,
                             (long)dev_links[i].name, 0)) < 0)
            return r;
    /* A devpts of our own: the guest sees only its own ptys. gid 5 (tty) exists only when the
     * user namespace maps it, which it does not rootless. */
    const char *const pts_opts[] = {
        "source", "devpts", "newinstance",           NULL, "ptmxmode", "0666",
        "mode",   "0620",   rootless ? NULL : "gid", "5",  NULL};
    t->failed = "mount /dev/pts";
    return attach(sandbox_new_mount("devpts", pts_opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC),
                  t->dev, "pts");
}

static int failed(struct sandbox_devtree *t, long r)
{
    t->error = (int)-r;
    sandbox_devtree_close(t);
    return -1;
}

int sandbox_devtree_make(struct sandbox_devtree *t, bool rootless, int host)
{
    t->dev = -1;
    t->host = host;
    t->error = 0;
    t->populated = false;
    const char *const dev_opts[] = {"source", "tmpfs", "mode", "0755", NULL};
    t->failed = "mount /dev";
    long r = sandbox_new_mount("tmpfs", dev_opts,
                               MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (r < 0)
        return failed(t, r);
    t->dev = (int)r;
    r = populate_dev(t, rootless);
    /* Refused beneath a detached mount (the first node's attach): left for sandbox_devtree_fill. */
    if (r == -EINVAL && t->failed == dev_nodes[0])
        return 0;
    if (r < 0)
        return failed(t, r);
    t->populated = true;
    return 0;
}

int sandbox_devtree_fill(struct sandbox_devtree *t, bool rootless)
{
    if (t->populated)
        return 0;
    long r = populate_dev(t, rootless);
    if (r < 0)
        return failed(t, r);
    t->populated = true;
    return 0;
}

void sandbox_devtree_close(struct sandbox_devtree *t)
{
    sandbox_close_raw(&t->dev);
}
