/* sandbox_procmask.c: what of the guest's /proc exposes or changes the host's state, masked or
 * made read-only. The guest's root is the host's root uid when viv runs as root, so file modes
 * alone do not keep it out: /proc/sysrq-trigger needs only write permission to reboot the host.
 * Done by whichever of the instance's two threads gets to it first (sandbox_aide.c): system
 * calls by hand, as the aide shares the first thread's errno. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* Named within the new procfs, whose entries are the kernel's, not the guest's; in place, not
 * pointers: the table is read before the C library has relocated viv (sandbox_early.c). */
static const char proc_masked[][16] = {
    "kcore", "keys", "timer_list", "sysrq-trigger", "latency_stats", "sched_debug",
};
static const char proc_read_only[][8] = {"sys", "irq", "bus", "fs"};

static long set_attr(long m, uint64_t attr, bool recursive)
{
    struct mount_attr ma = {.attr_set = attr};
    return sandbox_sys5(SYS_mount_setattr, m, (long)"",
                        AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), (long)&ma, sizeof(ma));
}

/* A copy of from/name, flagged, moved onto proc/onto. */
static long bind_onto(int from, const char *name, unsigned tree_flags, uint64_t attr, int proc,
                      const char *onto)
{
    long m = sandbox_sys(SYS_open_tree, from, (long)name,
                         OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | tree_flags, 0);
    if (m < 0)
        return m;
    long r = attr ? set_attr(m, attr, tree_flags & AT_RECURSIVE) : 0;
    if (r >= 0)
        r = sandbox_sys5(SYS_move_mount, m, (long)"", proc, (long)onto, MOVE_MOUNT_F_EMPTY_PATH);
    sandbox_sys(SYS_close, m, 0, 0, 0);
    return r;
}

long sandbox_proc_protect(int proc, int null_dir, const char **failed)
{
    long r;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(proc_read_only); i++) {
        *failed = proc_read_only[i];
        r = bind_onto(proc, proc_read_only[i], AT_RECURSIVE,
                      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
                      proc, proc_read_only[i]);
        if (r < 0 && r != -ENOENT)
            return r;
    }
    /* Each mask is a copy of the one before it, so that /dev/null is flagged read-only and inert
     * once. A copy is made only for a file that is there: one left unattached would cost its
     * close a grace period, longer than all the masks together. */
    const char *last = NULL;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(proc_masked); i++) {
        struct stat st;
        if (sandbox_sys(SYS_newfstatat, proc, (long)proc_masked[i], (long)&st,
                        AT_SYMLINK_NOFOLLOW) < 0)
            continue; /* not on this kernel */
        *failed = proc_masked[i];
        r = last ? bind_onto(proc, last, 0, 0, proc, proc_masked[i])
                 : bind_onto(null_dir, "null", 0,
                             MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, proc,
                             proc_masked[i]);
        if (r < 0)
            return r;
        last = proc_masked[i];
    }
    *failed = NULL;
    return 0;
}
