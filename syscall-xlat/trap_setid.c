/* trap_setid.c: the set*id family for rootless guests: a switch to ids the user namespace cannot
 * map is accepted and leaves the ids as they were (the guest could never hold those ids), as a
 * chown to them does; everything else is left to the kernel. */
#include "trap_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/syscall.h>

/* The kernel's limit on a supplementary group list (NGROUPS_MAX in linux/limits.h). */
#define GROUPS_MAX 65536

/* An id is left to the kernel when the namespace maps it, or when it is -1 ("leave it", or
 * EINVAL where the call takes no -1: the kernel says which). */
static bool mapped(const struct xlat_call *c, bool gid, uint32_t id)
{
    return id == (uint32_t)-1 || id == (uint32_t)(gid ? c->cfg->mapped_gid : c->cfg->mapped_uid);
}

/* Whether len bytes of the guest at addr can be read, as the kernel's copy from user space would
 * find: 0, EFAULT, or -1 when the guest is gone. */
static int guest_readable(const struct xlat_call *c, uint64_t addr, size_t len)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/%u/mem", c->req->pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* The pid may have been reused before the open: only a live notification vouches for it. */
    if (!xlat_call_valid(c)) {
        close(fd);
        return -1;
    }
    int rc = 0;
    for (size_t got = 0; got < len && rc == 0;) {
        size_t chunk = len - got < sizeof(buf) ? len - got : sizeof(buf);
        if (addr + got < addr) {
            rc = EFAULT;
            break;
        }
        ssize_t r = pread(fd, buf, chunk, (off_t)(addr + got));
        if (r <= 0)
            rc = EFAULT;
        else
            got += (size_t)r;
    }
    close(fd);
    return rc;
}

/* setgroups(2) is denied outright in a rootless namespace (that is what lets an unprivileged
 * user write its gid map), so it is always trapped: with CAP_SETGID the list is checked as the
 * kernel would (size, then memory) and accepted; no supplementary group can exist there. */
static void handle_setgroups(const struct xlat_call *c, struct xlat_answer *a)
{
    int cap = xlat_caller_has_cap(c, CAP_SETGID);
    if (cap < 0)
        return; /* the thread is gone: continuing answers nobody */
    a->cont = false;
    a->val = 0;
    /* The kernel's order: permission first, then the size, then the list itself. */
    uint32_t size = (uint32_t)c->req->data.args[0];
    if (!cap)
        a->error = EPERM;
    else if (size > GROUPS_MAX)
        a->error = EINVAL;
    else if (size > 0) {
        int e = guest_readable(c, c->req->data.args[1], (size_t)size * sizeof(uint32_t));
        if (e < 0)
            a->cont = true;
        else
            a->error = e;
    }
}

void xlat_handle_setid(const struct xlat_call *c, struct xlat_answer *a)
{
    a->cont = true;
    if (!c->cfg->rootless)
        return;
    int nr = c->req->data.nr;
    if (nr == SYS_setgroups) {
        handle_setgroups(c, a);
        return;
    }
    bool gid = nr == SYS_setgid || nr == SYS_setregid || nr == SYS_setresgid;
    unsigned nids = nr == SYS_setuid || nr == SYS_setgid       ? 1
                    : nr == SYS_setreuid || nr == SYS_setregid ? 2
                                                               : 3;
    bool all_mapped = true;
    for (unsigned i = 0; i < nids; i++)
        all_mapped = all_mapped && mapped(c, gid, (uint32_t)c->req->data.args[i]);
    if (all_mapped)
        return; /* the kernel can do it (or refuse it) itself */
    int cap = xlat_caller_has_cap(c, gid ? CAP_SETGID : CAP_SETUID);
    if (cap < 0)
        return;
    /* Without the capability the kernel refuses any id the caller does not already hold as
     * its real, effective or saved id, and the only id it holds is the mapped one. */
    a->cont = false;
    a->val = 0;
    a->error = cap ? 0 : EPERM;
}
