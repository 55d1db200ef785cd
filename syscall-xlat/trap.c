/* trap.c: the seccomp user-notification listener: receive a trapped call, dispatch it to its
 * family's handler, answer the kernel. */
#include "trap_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <seccomp.h>
#include <string.h>
#include <sys/syscall.h>

struct xlat_trap {
    int fd;
    struct xlat_trap_config cfg;
    struct seccomp_notif *req;
    struct seccomp_notif_resp *resp;
    uint64_t count, emulated;
};

/* Rootless guests see one uid and one gid; a chown to any other id fails with EINVAL in the
 * kernel (the id has no mapping), which package managers treat as fatal, and so does a switch
 * to another user (a package manager dropping privileges to its own user, a daemon to its
 * service user), and setgroups fails with EPERM whatever the list. setfsuid and setfsgid need
 * nothing: the kernel already ignores an id without a mapping there. */
static const int trapped_rootless[] = {
    SYS_chown,    SYS_fchown,   SYS_lchown,    SYS_fchownat,  SYS_setuid,    SYS_setgid,
    SYS_setreuid, SYS_setregid, SYS_setresuid, SYS_setresgid, SYS_setgroups,
};

const int *xlat_trap_syscalls(const struct xlat_trap_config *cfg, size_t *n)
{
    if (!cfg->rootless) {
        *n = 0;
        return NULL;
    }
    *n = VIV_ARRAY_SIZE(trapped_rootless);
    return trapped_rootless;
}

int xlat_trap_open(int notify_fd, const struct xlat_trap_config *cfg, struct xlat_trap **out,
                   struct viv_error *err)
{
    struct xlat_trap *t = viv_xcalloc(1, sizeof(*t));
    t->fd = notify_fd;
    t->cfg = *cfg;
    int rc = seccomp_notify_alloc(&t->req, &t->resp);
    if (rc < 0) {
        free(t);
        return viv_fail(err, -rc, "allocate seccomp notification buffers");
    }
    *out = t;
    return 0;
}

int xlat_trap_fd(const struct xlat_trap *t)
{
    return t->fd;
}

uint64_t xlat_trap_count(const struct xlat_trap *t)
{
    return t ? t->count : 0;
}

uint64_t xlat_trap_emulated(const struct xlat_trap *t)
{
    return t ? t->emulated : 0;
}

void xlat_trap_close(struct xlat_trap *t)
{
    if (!t)
        return;
    seccomp_notify_free(t->req, t->resp);
    if (t->fd >= 0)
        close(t->fd);
    free(t);
}

int xlat_caller_has_cap(const struct xlat_call *c, int cap)
{
    char path[64], buf[4096];
    snprintf(path, sizeof(path), "/proc/%u/status", c->req->pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    /* Read first, vouched for after: the pid may have been reused in between. */
    if (n <= 0 || !xlat_call_valid(c))
        return -1;
    buf[n] = '\0';
    const char *eff = strstr(buf, "\nCapEff:\t");
    if (!eff)
        return -1;
    return (int)((strtoull(eff + 9, NULL, 16) >> cap) & 1);
}

bool xlat_call_valid(const struct xlat_call *c)
{
    return seccomp_notify_id_valid(c->notify_fd, c->req->id) == 0;
}

int xlat_read_guest_string(const struct xlat_call *c, uint64_t addr, char *buf, size_t len)
{
    char mem[64];
    snprintf(mem, sizeof(mem), "/proc/%u/mem", c->req->pid);
    int fd = open(mem, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    /* The pid named in the notification may have been reused between receive and open: only a
     * still-valid notification proves that fd is the trapped thread's memory. */
    if (!xlat_call_valid(c)) {
        close(fd);
        return -1;
    }
    size_t got = 0;
    int rc = ENAMETOOLONG;
    while (got < len - 1) {
        /* Read up to the next page boundary so that a string ending just before an unmapped
         * page is still read whole. */
        uint64_t at = addr + got;
        if (at < addr) {
            rc = EFAULT;
            break;
        }
        size_t chunk = 4096 - (size_t)(at & 4095);
        if (chunk > len - 1 - got)
            chunk = len - 1 - got;
        ssize_t r = pread(fd, buf + got, chunk, (off_t)at);
        if (r <= 0) {
            rc = EFAULT;
            break;
        }
        char *nul = memchr(buf + got, '\0', (size_t)r);
        if (nul) {
            rc = 0;
            break;
        }
        got += (size_t)r;
    }
    close(fd);
    if (rc == ENAMETOOLONG)
        buf[len - 1] = '\0';
    return rc;
}

static const char *trap_name(int nr)
{
    switch (nr) {
    case SYS_chown:
        return "chown";
    case SYS_fchown:
        return "fchown";
    case SYS_lchown:
        return "lchown";
    case SYS_fchownat:
        return "fchownat";
    case SYS_setuid:
        return "setuid";
    case SYS_setgid:
        return "setgid";
    case SYS_setreuid:
        return "setreuid";
    case SYS_setregid:
        return "setregid";
    case SYS_setresuid:
        return "setresuid";
    case SYS_setresgid:
        return "setresgid";
    case SYS_setgroups:
        return "setgroups";
    }
    return "syscall";
}

int xlat_trap_serve(struct xlat_trap *t, struct viv_error *err)
{
    memset(t->req, 0, sizeof(*t->req));
    int rc = seccomp_notify_receive(t->fd, t->req);
    if (rc < 0) {
        /* ENOENT: the thread died (or was signalled) before we received the call. */
        if (rc == -ENOENT || rc == -EINTR)
            return 0;
        return viv_fail(err, -rc, "receive a trapped system call");
    }
    t->count++;
    struct xlat_call c = {.notify_fd = t->fd, .req = t->req, .cfg = &t->cfg};
    struct xlat_answer a = {.cont = true};
    /* The handlers know the x86_64 numbers only; the policy also traps the same calls made
     * through int 0x80, whose numbers differ and which go on as the kernel decides. */
    int nr = t->req->data.arch == AUDIT_ARCH_X86_64 ? t->req->data.nr : -1;
    switch (nr) {
    case SYS_chown:
    case SYS_fchown:
    case SYS_lchown:
    case SYS_fchownat:
        xlat_handle_chown(&c, &a);
        break;
    case SYS_setuid:
    case SYS_setgid:
    case SYS_setreuid:
    case SYS_setregid:
    case SYS_setresuid:
    case SYS_setresgid:
    case SYS_setgroups:
        xlat_handle_setid(&c, &a);
        break;
    default:
        /* The policy traps nothing else; let an unexpected call go on as the kernel decides. */
        break;
    }
    viv_trace(VIV_TRACE_SYS, "sys", "pid %u: %s trapped -> %s %lld", t->req->pid,
              nr < 0 ? "int 0x80 call" : trap_name(nr), a.cont ? "continued" : "emulated",
              a.cont ? 0LL : (long long)(a.error ? -a.error : a.val));
    memset(t->resp, 0, sizeof(*t->resp));
    t->resp->id = t->req->id;
    if (a.cont) {
        t->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    } else {
        t->emulated++;
        t->resp->val = a.val;
        t->resp->error = a.error ? -a.error : 0;
    }
    rc = seccomp_notify_respond(t->fd, t->resp);
    if (rc < 0 && rc != -ENOENT)
        return viv_fail(err, -rc, "answer a trapped system call");
    return 0;
}
