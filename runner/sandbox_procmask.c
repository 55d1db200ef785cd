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

/* Named within the new procfs, whose entries are the kernel's, not the guest's. */
static const char proc_masked[][16] = {
    "kcore",
    "keys",
    "timer_list",
    "sysrq-trigger",
    "latency_stats",
    "sched_debug",
    /* Mode 0400, root's, and no capability asked: to a guest root that is the host's root, the
     * flags, map counts and cgroups of every physical page of the host, and the kernel's slab,
     * vmalloc and page-allocator state. */
    "kpageflags",
    "kpagecount",
    "kpagecgroup",
    "slabinfo",
    "vmallocinfo",
    "pagetypeinfo",
};
static const char proc_read_only[][8] = {"sys", "irq", "bus", "fs"};

long sandbox_proc_protect(int proc, int null_dir, const char **failed)
{
    long r;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(proc_read_only); i++) {
        *failed = proc_read_only[i];
        r = sandbox_bind_raw(proc, proc_read_only[i],
                             MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                 MOUNT_ATTR_NOEXEC,
                             true, proc, proc_read_only[i]);
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
        r = last ? sandbox_bind_raw(proc, last, 0, false, proc, proc_masked[i])
                 : sandbox_bind_raw(null_dir, "null",
                                    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC,
                                    false, proc, proc_masked[i]);
        if (r < 0)
            return r;
        last = proc_masked[i];
    }
    *failed = NULL;
    return 0;
}
