/* sandbox_premade.c: what of the instance's filesystem and privileges does not depend on the
 * image, made before the go where it can be: an instance started before the C library, as root,
 * has its id maps by then (sandbox_early.c) and its CPU to itself while the supervisor is still
 * in the C library's start or the catalog. That is the cgroup namespace, the scratch tmpfs (the
 * writable layer and /tmp) and /proc with its masks, as mounts not yet anywhere, and the
 * bounding set down to root's. sandbox_setup_root attaches them, or makes
 * what is missing by the same calls after the go (and says what failed). System calls by hand,
 * and no table of pointers: the C library may not have started, nor relocated viv's. */
#include "sandbox.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <linux/mount.h>
#include <sys/syscall.h>

void sandbox_scratch_close(struct sandbox_scratch *s)
{
    int *fds[] = {&s->fd, &s->upper, &s->work, &s->mnt, &s->tmp};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(fds); i++)
        sandbox_close_raw(fds[i]);
}

static long open_in(int dir, const char *name, int flags)
{
    return sandbox_sys(SYS_openat, dir, (long)name, O_PATH | O_CLOEXEC | flags, 0);
}

static void scratch_none(struct sandbox_scratch *s)
{
    s->fd = s->upper = s->work = s->mnt = s->tmp = -1;
}

/* The scratch's directories, in the mount s->fd. */
static long scratch_fill(struct sandbox_scratch *s)
{
    long r;
    /* /tmp too, bound from here: a filesystem of its own would cost its making and, after the
     * run, its teardown. */
    if ((r = sandbox_sys(SYS_mkdirat, s->fd, (long)"upper", 0755, 0)) < 0 ||
        (r = sandbox_sys(SYS_mkdirat, s->fd, (long)"work", 0700, 0)) < 0 ||
        (r = sandbox_sys(SYS_mkdirat, s->fd, (long)"root", 0755, 0)) < 0 ||
        (r = sandbox_sys(SYS_mkdirat, s->fd, (long)"tmp", 01777, 0)) < 0)
        goto fail;
    if ((r = open_in(s->fd, "tmp", O_DIRECTORY)) < 0)
        goto fail;
    s->tmp = (int)r;
    if ((r = open_in(s->fd, "upper", 0)) < 0)
        goto fail;
    s->upper = (int)r;
    if ((r = open_in(s->fd, "work", 0)) < 0)
        goto fail;
    s->work = (int)r;
    if ((r = open_in(s->fd, "root", 0)) < 0)
        goto fail;
    s->mnt = (int)r;
    return 0;
fail:
    sandbox_scratch_close(s);
    return r;
}

long sandbox_scratch_make(struct sandbox_scratch *s)
{
    scratch_none(s);
    /* Private to this instance: mode 0700, and no device or setuid file means anything there. */
    const char *const opts[] = {"source", "tmpfs", "mode", "0700", NULL};
    long r = sandbox_new_mount("tmpfs", opts, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
    if (r < 0)
        return r;
    s->fd = (int)r;
    return scratch_fill(s);
}

long sandbox_scratch_on(struct sandbox_scratch *s, int dir)
{
    scratch_none(s);
    long r = sandbox_clone_raw(dir, "", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV, false);
    if (r < 0)
        return r;
    s->fd = (int)r;
    return scratch_fill(s);
}

long sandbox_proc_make(void)
{
    const char *const opts[] = {"source", "proc", NULL};
    return sandbox_new_mount("proc", opts,
                             MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
}

void sandbox_premake(struct sandbox_premade *p, int *maps_ready, int host_dev)
{
    p->cgroup_ns = false;
    scratch_none(&p->scratch);
    p->proc = -1;
    p->proc_protected = false;
    if (!maps_ready)
        return;
    while (!__atomic_load_n(maps_ready, __ATOMIC_ACQUIRE))
        sandbox_sys(SYS_futex, (long)maps_ready, FUTEX_WAIT_PRIVATE, 0, 0);
    /* The cgroup namespace roots the guest's view at viv's own cgroup: an instance started early
     * has no cgroup of its own to join first. The mount namespace is made private only after the
     * go: until then it takes in the host's new mounts, such as an automount that the
     * supervisor's look at the checkout and the -v sources sets off. */
    p->cgroup_ns = sandbox_sys(SYS_unshare, CLONE_NEWCGROUP, 0, 0, 0) == 0;
    /* Best effort: what fails here is made again after the go, which tells why it failed. */
    sandbox_scratch_make(&p->scratch);
    long proc = sandbox_proc_make();
    p->proc = proc < 0 ? -1 : (int)proc;
    /* Its masks too, where the kernel mounts beneath a mount not yet anywhere (Linux 6.15), from
     * the host's /dev/null. Where it does not, the first of them fails and nothing is mounted:
     * the masks are made once /proc is attached, as they are without an early start (over any
     * that were made here, should a later one fail). */
    const char *where;
    if (p->proc >= 0 && host_dev >= 0)
        p->proc_protected = sandbox_proc_protect(p->proc, host_dev, &where) == 0;
    /* A failure here is told by the drop after the go, which makes it again. */
    int failed;
    sandbox_drop_bounding_set_raw(true, &failed);
}

void sandbox_premade_close(struct sandbox_premade *p)
{
    sandbox_scratch_close(&p->scratch);
    sandbox_close_raw(&p->proc);
}
