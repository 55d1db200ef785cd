/* personality.c: one guest process's state, the system call dispatcher and its strace-like trace. */
#include "sys_internal.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static int copy_high(int fd, int at)
{
    return at >= 0 ? dup3(fd, at, O_CLOEXEC) : fcntl(fd, F_DUPFD_CLOEXEC, XLAT_FD_FLOOR);
}

int xlat_engine_fd_high(int fd, int at)
{
    int hi = copy_high(fd, at);
    struct rlimit rl;
    if (hi >= 0 || (errno != EBADF && errno != EINVAL) || getrlimit(RLIMIT_NOFILE, &rl) < 0 ||
        rl.rlim_cur >= rl.rlim_max)
        return hi;
    /* The guest lowered its soft limit below these numbers: raised to the hard one, which the
     * personality keeps above them, for as long as the copy takes. A guest thread opening a file
     * meanwhile could get a number at or above its own limit; it would have to hold all below. */
    struct rlimit raised = {rl.rlim_max, rl.rlim_max};
    if (setrlimit(RLIMIT_NOFILE, &raised) < 0)
        return hi;
    hi = copy_high(fd, at);
    int e = errno;
    setrlimit(RLIMIT_NOFILE, &rl);
    errno = e;
    return hi;
}

static int open_dir_high(const char *path, struct viv_error *err, const char *what)
{
    int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return viv_fail(err, errno, "%s %s", what, path);
    int hi = xlat_engine_fd_high(fd, -1);
    close(fd);
    if (hi < 0)
        return viv_fail(err, errno, "%s %s", what, path);
    return hi;
}

int xlat_proc_new(const struct xlat_proc_config *cfg, struct xlat_proc **out,
                  struct viv_error *err)
{
    struct xlat_proc *p = viv_xcalloc(1, sizeof(*p));
    p->abi = cfg->abi;
    getrlimit(RLIMIT_NOFILE, &p->nofile);
    p->mem = cfg->mem;
    p->root_fd = p->sysroot_fd = -1;
    const char *root = cfg->root ? cfg->root : "/";
    char *canon = realpath(root, NULL);
    if (!canon) {
        viv_fail(err, errno, "root %s", root);
        goto fail;
    }
    p->root_path = canon;
    p->root_host = strcmp(canon, "/") == 0;
    if ((p->root_fd = open_dir_high(canon, err, "open root")) < 0)
        goto fail;
    if (cfg->sysroot && (p->sysroot_fd = open_dir_high(cfg->sysroot, err, "open sysroot")) < 0)
        goto fail;
    p->exe_path = cfg->exe_path ? viv_xstrdup(cfg->exe_path) : NULL;
    p->brk_start = p->brk_cur = cfg->brk_start;
    p->brk_limit = cfg->brk_limit;
    p->hostname = cfg->hostname;
    p->no_network = cfg->no_network;
    p->alone = cfg->alone;
    p->exec_in_place_only = cfg->exec_in_place_only;
    p->exec.fd = -1; /* no execve pending: fd 0 is the guest's stdin */
    p->alone_root = getpid();
    p->alone_pid = cfg->alone_pid ? cfg->alone_pid : XLAT_ALONE_PID;
    p->alone_pgrp = getpgrp();
    *out = p;
    return 0;
fail:
    xlat_proc_free(p);
    return -1;
}

void xlat_proc_free(struct xlat_proc *p)
{
    if (!p)
        return;
    if (p->root_fd >= 0)
        close(p->root_fd);
    if (p->sysroot_fd >= 0)
        close(p->sysroot_fd);
    free(p->root_path);
    free(p->exe_path);
    free(p);
}

void xlat_proc_reserve_fd(struct xlat_proc *p, int fd)
{
    if (fd >= 0 && p->n_engine_fds < (int)VIV_ARRAY_SIZE(p->engine_fds))
        p->engine_fds[p->n_engine_fds++] = fd;
}

bool xlat_fd_reserved(const struct xlat_proc *p, int64_t fd)
{
    if (fd < 0)
        return false;
    for (int i = 0; i < p->n_engine_fds; i++)
        if (fd == p->engine_fds[i])
            return true;
    return fd == p->root_fd || fd == p->sysroot_fd;
}

const char *xlat_syscall_name(const struct xlat_abi *abi, uint64_t nr)
{
    return nr < abi->n && abi->table[nr].fn ? abi->table[nr].name : NULL;
}

long xlat_syscall_number(const struct xlat_abi *abi, const char *name)
{
    for (size_t nr = 0; nr < abi->n; nr++)
        if (abi->table[nr].fn && strcmp(abi->table[nr].name, name) == 0)
            return (long)nr;
    return -1;
}

void xlat_proc_call_counts(const struct xlat_proc *p, uint64_t *out, size_t n)
{
    for (size_t i = 0; i < n; i++)
        out[i] = i < XLAT_COUNTED_NRS ? p->by_nr[i] : 0;
}

void xlat_proc_add_calls(struct xlat_proc *p, uint64_t nr, uint64_t n)
{
    p->calls += n;
    if (nr < XLAT_COUNTED_NRS)
        p->by_nr[nr] += n;
    if (!xlat_syscall_name(p->abi, nr))
        p->unimplemented += n;
}

uint64_t xlat_proc_signal_frames(const struct xlat_proc *p)
{
    return p->frames;
}

int xlat_proc_exit_status(const struct xlat_proc *p)
{
    return p->exit_status;
}

uint64_t xlat_proc_calls(const struct xlat_proc *p)
{
    return p->calls;
}

uint64_t xlat_proc_unimplemented(const struct xlat_proc *p)
{
    return p->unimplemented;
}

/* One argument as strace would show it; strings are read with the same checks as the call. */
static int fmt_arg(const struct xlat_proc *p, char kind, uint64_t v, char *buf, size_t len)
{
    switch (kind) {
    case 'd':
        return snprintf(buf, len, "%" PRId64, (int64_t)v);
    case 'u':
        return snprintf(buf, len, "%" PRIu64, v);
    case 'o':
        return snprintf(buf, len, "0%" PRIo64, v);
    case 's': {
        char s[96];
        long n = xlat_mem_string(p->mem, v, s, sizeof(s));
        if (n == -EFAULT)
            return snprintf(buf, len, "%#" PRIx64, v);
        if (n < 0)
            s[sizeof(s) - 1] = '\0';
        return snprintf(buf, len, "\"%s\"%s", s, n < 0 ? "..." : "");
    }
    default:
        return snprintf(buf, len, "%#" PRIx64, v);
    }
}

static void trace_call(const struct xlat_proc *p, const struct xlat_sys_entry *e, uint64_t nr,
                       const uint64_t *a, int64_t ret)
{
    char line[512];
    size_t at = 0;
    int n = e ? snprintf(line, sizeof(line), "%s(", e->name)
              : snprintf(line, sizeof(line), "syscall_%" PRIu64 "(", nr);
    at = (size_t)n;
    const char *args = e ? e->args : "xxxxxx";
    for (unsigned i = 0; args[i] && i < 6 && at < sizeof(line); i++) {
        if (i)
            at += (size_t)snprintf(line + at, sizeof(line) - at, ", ");
        if (at < sizeof(line))
            at += (size_t)fmt_arg(p, args[i], a[i], line + at, sizeof(line) - at);
    }
    if (at >= sizeof(line))
        at = sizeof(line) - 1;
    if (ret < 0 && ret >= -4095)
        viv_trace_printf("sys", "%.*s) = -1 %s (%s)", (int)at, line, strerrorname_np((int)-ret)
                         ? strerrorname_np((int)-ret) : "E?", strerror((int)-ret));
    else
        viv_trace_printf("sys", "%.*s) = %" PRId64 "%s%s%s", (int)at, line, ret,
                         e ? "" : " (unknown to the ", e ? "" : p->abi->name, e ? "" : " table)");
}

enum xlat_sys_result xlat_syscall(struct xlat_proc *p, uint64_t nr, const uint64_t a[6],
                                  int64_t *ret)
{
    p->calls++;
    if (nr < XLAT_COUNTED_NRS)
        p->by_nr[nr]++;
    const struct xlat_sys_entry *e = nr < p->abi->n && p->abi->table[nr].fn ? &p->abi->table[nr]
                                                                             : NULL;
    if (e) {
        *ret = e->fn(p, a);
    } else {
        *ret = -ENOSYS;
        p->unimplemented++;
    }
    if (viv_trace_mask & VIV_TRACE_SYS)
        trace_call(p, e, nr, a, *ret);
    return p->exiting ? XLAT_SYS_EXIT : XLAT_SYS_DONE;
}
