/* sandbox_cgroupfs.c: the instance's limits where programs look for them. A JVM, the Go runtime
 * or nproc-like tools size themselves from /sys/fs/cgroup: without it a guest limited to 2G sizes
 * its heap from the host's memory and is killed. So, as podman does, the guest's
 * /sys/fs/cgroup holds read-only mounts of the hierarchies its limits live in, seen through its
 * cgroup namespace, whose root is the instance's own cgroup: the limit is what it reads at the
 * top. Only for a limited instance: an unlimited one has nothing to read there that the host's
 * /proc/meminfo and CPU count would not tell it, and every mount costs its making. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define VIEW_ATTR (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

static int mount_at(const char *fstype, const char *const *opts, int dirfd, const char *name,
                    struct viv_error *err)
{
    long m = sandbox_new_mount(fstype, opts, VIEW_ATTR);
    if (m < 0)
        return viv_fail(err, (int)-m, "mount %s at /sys/fs/cgroup/%s", fstype, name);
    long r = sandbox_attach_raw((int)m, dirfd, name);
    close((int)m);
    return r < 0 ? viv_fail(err, (int)-r, "attach /sys/fs/cgroup/%s", name) : 0;
}

/* Split "cpu,cpuacct" into its names, in list (which it is copied into): their count. */
static size_t controller_names(const char *controllers, char *list, size_t len, char **names,
                               size_t most)
{
    snprintf(list, len, "%s", controllers);
    size_t n = 0;
    char *save = NULL;
    for (char *c = strtok_r(list, ",", &save); c && n < most; c = strtok_r(NULL, ",", &save))
        names[n++] = c;
    return n;
}

/* One v1 hierarchy's directory, with a link by each controller's own name where it holds more
 * than one, as systemd lays them out; made before the tmpfs goes read-only. */
static int make_v1_dir(int top, const char *controllers, struct viv_error *err)
{
    if (mkdirat(top, controllers, 0755) < 0)
        return errno == EEXIST ? 0 : viv_fail(err, errno, "make /sys/fs/cgroup/%s", controllers);
    char list[sizeof(((struct viv_limits_plan *)0)->v1_view[0])], *names[16];
    size_t n = controller_names(controllers, list, sizeof(list), names, VIV_ARRAY_SIZE(names));
    for (size_t i = 0; n > 1 && i < n; i++)
        if (symlinkat(controllers, top, names[i]) < 0 && errno != EEXIST)
            return viv_fail(err, errno, "link /sys/fs/cgroup/%s", names[i]);
    return 0;
}

/* The hierarchy, mounted with the controllers the host mounts together in it. */
static int mount_v1(int top, const char *controllers, struct viv_error *err)
{
    char list[sizeof(((struct viv_limits_plan *)0)->v1_view[0])], *names[16];
    size_t n = controller_names(controllers, list, sizeof(list), names, VIV_ARRAY_SIZE(names));
    const char *opts[2 + 2 * VIV_ARRAY_SIZE(names) + 1] = {"source", "cgroup"};
    for (size_t i = 0; i < n; i++) {
        opts[2 + 2 * i] = names[i];
        opts[3 + 2 * i] = NULL;
    }
    opts[2 + 2 * n] = NULL;
    return mount_at("cgroup", opts, top, controllers, err);
}

static bool any_v2(const struct viv_limits_plan *plan)
{
    for (int c = 0; c < VIV_CG_COUNT; c++)
        if (plan->dir[c] && plan->version[c] == 2)
            return true;
    return false;
}

bool sandbox_cgroup_view_wanted(const struct viv_limits_plan *plan)
{
    return any_v2(plan) || plan->nv1_view > 0;
}

long sandbox_ro_tmpfs_at(int at, const char *name,
                         int (*fill)(int top, const void *ctx, struct viv_error *err),
                         const void *ctx, struct viv_error *err)
{
    static const char *const tmpfs[] = {"source", "tmpfs", "mode", "0755", NULL};
    long top = sandbox_new_mount("tmpfs", tmpfs, VIEW_ATTR & ~(uint64_t)MOUNT_ATTR_RDONLY);
    if (top < 0)
        return viv_fail(err, (int)-top, "mount a tmpfs"), -1;
    int rc = fill((int)top, ctx, err);
    if (rc == 0)
        rc = sandbox_set_mount_attr((int)top, MOUNT_ATTR_RDONLY, false, "a tmpfs", err);
    long r = rc == 0 ? sandbox_attach_raw((int)top, at, name) : 0;
    if (r < 0)
        rc = viv_fail(err, (int)-r, "attach a tmpfs");
    if (rc < 0) {
        close((int)top);
        return -1;
    }
    return top;
}

/* The v1 view's tmpfs: a directory for each hierarchy, and "unified" for the v2 one. */
static int fill_v1(int top, const void *ctx, struct viv_error *err)
{
    const struct viv_limits_plan *plan = ctx;
    for (int i = 0; i < plan->nv1_view; i++)
        if (make_v1_dir(top, plan->v1_view[i], err) < 0)
            return -1;
    if (any_v2(plan) && mkdirat(top, "unified", 0755) < 0)
        return viv_fail(err, errno, "make /sys/fs/cgroup/unified");
    return 0;
}

int sandbox_mount_cgroup_view(const struct viv_limits_plan *plan, int sys, struct viv_error *err)
{
    bool v2 = any_v2(plan);
    static const char *const cgroup2[] = {"source", "cgroup2", NULL};
    if (plan->nv1_view == 0)
        return v2 ? mount_at("cgroup2", cgroup2, sys, "fs/cgroup", err) : 0;
    /* v1 (root on a host with v1 controllers): a tmpfs of directories, as the host has it, made
     * read-only before it is attached, so that whatever fails after leaves the guest nothing to
     * write there (fake limits for a runtime to read). */
    long top = sandbox_ro_tmpfs_at(sys, "fs/cgroup", fill_v1, plan, err);
    if (top < 0)
        return viv_wrap(err, "/sys/fs/cgroup");
    int rc = 0;
    for (int i = 0; rc == 0 && i < plan->nv1_view; i++)
        rc = mount_v1((int)top, plan->v1_view[i], err);
    if (rc == 0 && v2)
        rc = mount_at("cgroup2", cgroup2, (int)top, "unified", err);
    close((int)top);
    return rc;
}
