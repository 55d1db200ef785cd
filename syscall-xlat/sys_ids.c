/* sys_ids.c: the set*id family, supplementary groups and capabilities. Each call is the calling
 * thread's own, as the kernel's are: the guest's C library makes it on every thread itself, so the
 * host's is the raw per-thread call, never libc's process-wide one.
 *
 * In a rootless instance the user namespace maps one uid and one gid. A switch to any other id is
 * EINVAL from the kernel, and setgroups is denied outright there; as the native sandbox's trap
 * does (trap_setid.c), a privileged guest's such call is accepted and leaves the ids as they
 * were: the guest could never hold those ids. */
#include "sys_internal.h"

#include <linux/capability.h>
#include <sys/syscall.h>

/* The kernel's limit on a supplementary group list (NGROUPS_MAX in linux/limits.h). */
#define GROUPS_MAX 65536

bool xlat_has_cap(int cap)
{
    struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct d[2];
    if (syscall(SYS_capget, &h, d) < 0)
        return false;
    return d[cap / 32].effective & (1u << (cap % 32));
}

/* A host set*id call with n ids: its result, or 0 for a refusal of ids the namespace cannot map
 * (EINVAL for an id other than -1) where the caller may switch; where it may not, EPERM, which is
 * what the kernel says to an unprivileged switch to ids that exist. */
static int64_t set_ids(long nr, bool gid, unsigned n, const uint64_t *a)
{
    long r = n == 1   ? syscall(nr, (uint32_t)a[0])
             : n == 2 ? syscall(nr, (uint32_t)a[0], (uint32_t)a[1])
                      : syscall(nr, (uint32_t)a[0], (uint32_t)a[1], (uint32_t)a[2]);
    if (r == 0 || errno != EINVAL)
        return XLAT_RET(r);
    bool asks = false;
    for (unsigned i = 0; i < n; i++)
        asks = asks || (uint32_t)a[i] != (uint32_t)-1;
    if (!asks)
        return -EINVAL;
    return xlat_has_cap(gid ? CAP_SETGID : CAP_SETUID) ? 0 : -EPERM;
}

XLAT_SYS(setuid)
{
    (void)p;
    return set_ids(SYS_setuid, false, 1, a);
}

XLAT_SYS(setgid)
{
    (void)p;
    return set_ids(SYS_setgid, true, 1, a);
}

XLAT_SYS(setreuid)
{
    (void)p;
    return set_ids(SYS_setreuid, false, 2, a);
}

XLAT_SYS(setregid)
{
    (void)p;
    return set_ids(SYS_setregid, true, 2, a);
}

XLAT_SYS(setresuid)
{
    (void)p;
    return set_ids(SYS_setresuid, false, 3, a);
}

XLAT_SYS(setresgid)
{
    (void)p;
    return set_ids(SYS_setresgid, true, 3, a);
}

/* getresuid/getresgid: three 32-bit ids, each written where the guest asked. */
static int64_t get_res(struct xlat_proc *p, const uint64_t *a, bool gid)
{
    uint32_t id[3];
    if (syscall(gid ? SYS_getresgid : SYS_getresuid, &id[0], &id[1], &id[2]) < 0)
        return -errno;
    for (int i = 0; i < 3; i++)
        if (xlat_mem_write(p->mem, a[i], &id[i], sizeof(id[i])) < 0)
            return -EFAULT;
    return 0;
}

XLAT_SYS(getresuid)
{
    return get_res(p, a, false);
}

XLAT_SYS(getresgid)
{
    return get_res(p, a, true);
}

XLAT_SYS(getgroups)
{
    int size = (int)a[0];
    if (size < 0)
        return -EINVAL;
    int n = getgroups(0, NULL);
    if (n < 0)
        return -errno;
    if (size == 0)
        return n;
    if (size < n)
        return -EINVAL;
    gid_t *list = xlat_mem_ptr(p->mem, a[1], (uint64_t)n * sizeof(gid_t), XLAT_PG_W);
    if (!list && n)
        return -EFAULT;
    return XLAT_RET(syscall(SYS_getgroups, n, list));
}

XLAT_SYS(setgroups)
{
    /* The kernel's order: the size, then the list, then permission. */
    uint64_t size = a[0];
    if (size > GROUPS_MAX)
        return -EINVAL;
    const gid_t *list = xlat_mem_ptr(p->mem, a[1], size * sizeof(gid_t), XLAT_PG_R);
    if (!list && size)
        return -EFAULT;
    long r = syscall(SYS_setgroups, (size_t)size, list);
    if (r == 0 || errno != EPERM)
        return XLAT_RET(r);
    /* Denied by the namespace (its setgroups file says deny), not by the guest's rights. */
    return xlat_has_cap(CAP_SETGID) ? 0 : -EPERM;
}

/* setfsuid and setfsgid answer the previous id whatever happens (setfsuid(2)). */
XLAT_SYS(setfsuid)
{
    (void)p;
    return syscall(SYS_setfsuid, (uint32_t)a[0]);
}

XLAT_SYS(setfsgid)
{
    (void)p;
    return syscall(SYS_setfsgid, (uint32_t)a[0]);
}

/* capget and capset: the kernel's header (version, pid) and one (version 1) or two 12-byte data
 * records, the same on both ABIs. The header goes back to the guest whatever the answer, as the
 * kernel writes its preferred version there for an unknown one. */
static int64_t caps(struct xlat_proc *p, const uint64_t *a, bool set)
{
    struct __user_cap_header_struct h;
    struct __user_cap_data_struct d[2] = {0};
    if (xlat_mem_read(p->mem, a[0], &h, sizeof(h)) < 0)
        return -EFAULT;
    size_t n = h.version == _LINUX_CAPABILITY_VERSION_1 ? 1 : 2;
    pid_t gpid = h.pid;
    if (p->alone && h.pid > 0 && !(h.pid = xlat_alone_process(p, h.pid)))
        return -ESRCH;
    if (set && a[1] && xlat_mem_read(p->mem, a[1], d, n * sizeof(d[0])) < 0)
        return -EFAULT;
    if (!set && a[1] && !xlat_mem_ptr(p->mem, a[1], n * sizeof(d[0]), XLAT_PG_W))
        return -EFAULT;
    int64_t rc = XLAT_RET(syscall(set ? SYS_capset : SYS_capget, &h, a[1] ? d : NULL));
    h.pid = gpid;
    if (xlat_mem_write(p->mem, a[0], &h, sizeof(h)) < 0)
        return -EFAULT;
    if (rc == 0 && !set && a[1])
        return xlat_mem_write(p->mem, a[1], d, n * sizeof(d[0]));
    return rc;
}

XLAT_SYS(capget)
{
    return caps(p, a, false);
}

XLAT_SYS(capset)
{
    return caps(p, a, true);
}
