/* sandbox_sysfs.c: the guest's /sys, read-only, as podman gives it: a sysfs of the instance's own
 * network namespace (its /sys/class/net holds lo alone), so that programs that read the machine's
 * CPUs, memory and devices there find them. Not with the host's network: a sysfs of the host's
 * namespace can be had only by binding the host's /sys with all that is mounted beneath it. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define SYS_ATTR (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC)

/* Read-only mounts do not keep a guest root that is the host's root (viv run as root) from
 * reading what sysfs leaves to root alone: the firmware's tables, the CPU package's energy
 * counters (a side channel on what the CPU computes: the reason docker masks them too) and the
 * slab allocator's state, which /proc/slabinfo's mask hides (sandbox_procmask.c). */
static const char sys_masked[][28] = {"firmware", "devices/virtual/powercap", "kernel/slab"};
/* What covers them: a directory of sysfs that is always there and always empty, the mount point
 * the kernel keeps for the cgroup hierarchies. A copy of it costs no filesystem of its own. */
static const char sys_empty[] = "fs/cgroup";

/* 0, or -errno with *failed naming the entry. System calls by hand, as for /proc's masks. */
static long mask(int sys, const char **failed)
{
    for (size_t i = 0; i < VIV_ARRAY_SIZE(sys_masked); i++) {
        struct stat st;
        /* Only what is there: a copy left unattached costs its close a grace period. */
        if (sandbox_sys(SYS_newfstatat, sys, (long)sys_masked[i], (long)&st,
                        AT_SYMLINK_NOFOLLOW) < 0)
            continue;
        *failed = sys_masked[i];
        long r = sandbox_bind_raw(sys, sys_empty, SYS_ATTR, false, sys, sys_masked[i]);
        if (r < 0)
            return r;
    }
    return 0;
}

void sandbox_sysfs_make(struct sandbox_sysfs *s)
{
    static const char *const opts[] = {"source", "sysfs", NULL};
    s->fd = sandbox_new_mount("sysfs", opts, SYS_ATTR);
    /* Where the kernel does not mount beneath a detached mount, the first mask fails and none
     * is made: they are made once it is attached. */
    const char *failed;
    s->masked = s->fd >= 0 && mask((int)s->fd, &failed) == 0;
}

static void noted(char *note, size_t len, const char *what, const struct viv_error *err)
{
    size_t n = strlen(note);
    snprintf(note + n, len - n, "; %s: %.200s", what, err->msg);
}

/* With the host's network no sysfs of the guest's own can be had. A limited guest still reads
 * its limits at /sys/fs/cgroup: a read-only tmpfs stands in for /sys, holding that alone. */
static int fill_stand_in(int top, const void *ctx, struct viv_error *err)
{
    (void)ctx;
    if (mkdirat(top, "fs", 0755) < 0 || mkdirat(top, "fs/cgroup", 0755) < 0)
        return viv_fail(err, errno, "make /sys/fs/cgroup");
    return 0;
}

static void stand_in(int sys_at, const struct viv_limits_plan *plan, char *note, size_t note_len)
{
    if (!sandbox_cgroup_view_wanted(plan))
        return;
    struct viv_error why = {0};
    long top = sandbox_ro_tmpfs_at(sys_at, "", fill_stand_in, NULL, &why);
    if (top < 0 || sandbox_mount_cgroup_view(plan, (int)top, &why) < 0)
        noted(note, note_len, "no /sys/fs/cgroup", &why);
    if (top >= 0)
        close((int)top);
}

int sandbox_attach_sys(struct sandbox_sysfs *s, int sys_at, bool host_network,
                       const struct viv_limits_plan *plan, char *note, size_t note_len,
                       struct viv_error *err)
{
    if (host_network) {
        stand_in(sys_at, plan, note, note_len);
        close(sys_at);
        return 0;
    }
    struct viv_error why = {0};
    long r = s->fd < 0 ? s->fd : sandbox_attach_raw((int)s->fd, sys_at, "");
    int rc = 0;
    const char *failed = "";
    if (r < 0) {
        viv_fail(&why, (int)-r, "%s /sys", s->fd < 0 ? "mount" : "attach");
        noted(note, note_len, "no /sys", &why);
    } else if (!s->masked && (r = mask((int)s->fd, &failed)) < 0) {
        rc = viv_fail(err, (int)-r, "mask /sys/%s", failed); /* attached: not to stay so */
    } else if (sandbox_mount_cgroup_view(plan, (int)s->fd, &why) < 0) {
        noted(note, note_len, "no /sys/fs/cgroup", &why);
    }
    if (s->fd >= 0)
        close((int)s->fd);
    s->fd = -1;
    close(sys_at);
    return rc;
}
