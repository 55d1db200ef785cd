/* sys_exec.c: execve (translated in place, or the host's for its own programs) and the waits. */
#include "sys_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* execve(2) E2BIG: the kernel's cap on one string (MAX_ARG_STRLEN) and, here, on the total. */
#define ARG_STRLEN_MAX (32 * 4096)
#define ARGS_TOTAL_MAX (2u << 20)
#define ARGS_COUNT_MAX 65536
/* viv's own fds live at and above this (personality.c); exec leaves them alone. */

static void free_strv(char **v)
{
    if (!v)
        return;
    for (char **s = v; *s; s++)
        free(*s);
    free(v);
}

/* Copy a guest char *[] into a host NULL-terminated vector, with room for `extra` more in front. */
static int64_t copy_strv(struct xlat_proc *p, uint64_t g, size_t extra, char ***out, size_t *n,
                         size_t *total)
{
    size_t cap = 16 + extra, len = extra;
    char **v = calloc(cap, sizeof(*v));
    if (!v)
        return -ENOMEM;
    char *buf = malloc(ARG_STRLEN_MAX);
    int64_t rc = buf ? 0 : -ENOMEM;
    for (size_t i = 0; g && rc == 0; i++) {
        uint64_t ptr, at;
        if (i >= ARGS_COUNT_MAX)
            rc = -E2BIG;
        else if (__builtin_add_overflow(g, i * 8, &at) || xlat_mem_read(p->mem, at, &ptr, 8) < 0)
            rc = -EFAULT;
        if (rc || !ptr)
            break;
        long sl = xlat_mem_string(p->mem, ptr, buf, ARG_STRLEN_MAX);
        if (sl < 0) {
            rc = sl == -ENAMETOOLONG ? -E2BIG : sl;
            break;
        }
        *total += (size_t)sl + 1;
        if (*total > ARGS_TOTAL_MAX) {
            rc = -E2BIG;
            break;
        }
        if (len + 2 > cap) {
            char **nv = realloc(v, (cap *= 2) * sizeof(*v));
            if (!nv) {
                rc = -ENOMEM;
                break;
            }
            v = nv;
        }
        if (!(v[len++] = strdup(buf)))
            rc = -ENOMEM;
        v[len] = NULL;
    }
    free(buf);
    v[len] = NULL;
    if (rc < 0) {
        for (size_t i = extra; i < len; i++)
            free(v[i]);
        free(v);
        return rc;
    }
    *out = v;
    *n = len;
    return 0;
}

/* The host path of an open fd: how the host's execve reaches a file resolved in the root. */
static int64_t fd_path(int fd, char *buf, size_t len)
{
    char proc[64];
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(proc, buf, len - 1);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    return 0;
}

/* A regular file with an execute bit, or execve(2)'s EACCES. */
static int64_t check_exec(int *fd)
{
    struct stat st;
    if (fstat(*fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0111))
        return 0;
    close(*fd);
    *fd = -1;
    return -EACCES;
}

/* Open the guest path gpath for exec. */
static int64_t open_exec(struct xlat_proc *p, uint64_t gpath, int *fd)
{
    struct xlat_path r;
    int64_t rc = xlat_path_get(p, AT_FDCWD, gpath, &r);
    if (rc < 0)
        return rc;
    *fd = xlat_path_open(&r, O_RDONLY | O_CLOEXEC, 0);
    xlat_path_done(&r);
    return *fd < 0 ? *fd : check_exec(fd);
}

/* Whether fd is an ELF program of the guest's machine: the only kind this process can run
 * itself. */
static bool is_guest_elf(const struct xlat_proc *p, int fd)
{
    struct elf_info info;
    struct viv_error err = {0};
    return elf_identify(fd, "exec", &info, &err) == 0 && info.machine == p->abi->machine;
}

static void exec_clear(struct xlat_exec_request *x)
{
    if (x->fd >= 0)
        close(x->fd);
    free(x->path);
    free_strv(x->argv);
    free_strv(x->envp);
    memset(x, 0, sizeof(*x));
    x->fd = -1;
}

/* Resolve a #! interpreter's path as the guest names it, from its "/". */
static int64_t open_interp(struct xlat_proc *p, const char *name, int *fd)
{
    /* xlat_path_get reads the path from guest memory; this one is ours, so resolve it the way
     * sys_path.c does for an absolute path: from the root. */
    if (name[0] != '/')
        return -ENOENT;
    if (p->root_host) {
        *fd = open(name, O_RDONLY | O_CLOEXEC);
    } else {
        struct xlat_path q = {.dirfd = p->root_fd, .owned_fd = -1, .in_root = true};
        snprintf(q.buf, sizeof(q.buf), "%s", name + 1);
        q.name = q.buf;
        *fd = xlat_path_open(&q, O_RDONLY | O_CLOEXEC, 0);
    }
    if (*fd == -1)
        *fd = -errno;
    return *fd < 0 ? *fd : check_exec(fd);
}

XLAT_SYS(execve)
{
    struct xlat_thread *t = xlat_thread_cur(p);
    char path[PATH_MAX];
    long pl = xlat_mem_string(p->mem, a[0], path, sizeof(path));
    if (pl < 0)
        return pl;
    int fd;
    int64_t rc = open_exec(p, a[0], &fd);
    if (rc < 0)
        return rc;
    char interp[PATH_MAX], iarg[256];
    bool script = script_line(fd, interp, sizeof(interp), iarg, sizeof(iarg));
    int ifd = -1;
    if (script && (rc = open_interp(p, interp, &ifd)) < 0) {
        ifd = -1;
        if (p->exec_in_place_only) {
            close(fd);
            return rc; /* binfmt_script: the interpreter's own open error */
        }
    }
    bool translated = script ? ifd >= 0 && is_guest_elf(p, ifd) : is_guest_elf(p, fd);
    if (!translated && p->exec_in_place_only) {
        if (ifd >= 0)
            close(ifd);
        close(fd);
        return -ENOEXEC;
    }
    /* Room in front for the interpreter, its argument and the script's path. */
    size_t extra = translated && script ? (iarg[0] ? 3 : 2) : 0;
    char **argv = NULL, **envp = NULL;
    size_t argc = 0, envc = 0, total = 0;
    if ((rc = copy_strv(p, a[1], extra, &argv, &argc, &total)) < 0 ||
        (rc = copy_strv(p, a[2], 0, &envp, &envc, &total)) < 0)
        goto fail;
    if (!translated) {
        /* The host's own programs and scripts for host interpreters: the host runs them, and
         * this process is gone. Handled signals become default, ignored ones and the mask stay,
         * close-on-exec fds close: the host's execve does what the guest's would. */
        char host[PATH_MAX + 1];
        if ((rc = fd_path(fd, host, sizeof(host))) < 0)
            goto fail;
        if (ifd >= 0)
            close(ifd);
        close(fd);
        execve(host, argv, envp);
        rc = -errno;
        free_strv(argv);
        free_strv(envp);
        return rc;
    }
    if (script) {
        /* binfmt_script: argv becomes interp [arg] script-path argv[1..]. */
        argv[0] = strdup(interp);
        if (iarg[0])
            argv[1] = strdup(iarg);
        argv[extra - 1] = strdup(path);
        if (argc > extra) {
            free(argv[extra]);
            memmove(argv + extra, argv + extra + 1, (argc - extra) * sizeof(*argv));
        }
        close(fd);
        fd = ifd;
        ifd = -1;
    }
    exec_clear(&p->exec);
    p->exec.fd = fd;
    p->exec.path = strdup(path); /* AT_EXECFN: the file execve named (bprm->exec) */
    p->exec.argv = argv;
    p->exec.envp = envp;
    t->result = XLAT_SYS_EXEC;
    return 0;
fail:
    for (size_t i = 0; argv && i < argc; i++)
        free(argv[i]); /* the slots in front may still be empty */
    free(argv);
    free_strv(envp);
    if (ifd >= 0)
        close(ifd);
    close(fd);
    return rc;
}

const struct xlat_exec_request *xlat_proc_exec_request(const struct xlat_proc *p)
{
    return &p->exec;
}

void xlat_proc_exec_clear(struct xlat_proc *p)
{
    exec_clear(&p->exec);
}

void xlat_proc_set_exe(struct xlat_proc *p, int fd)
{
    /* The file itself, symlinks resolved, as the kernel's mm->exe_file names it; inside the
     * root, as the guest sees it. */
    char host[PATH_MAX + 1];
    if (fd_path(fd, host, sizeof(host)) < 0)
        return;
    size_t rl = strlen(p->root_path);
    const char *guest = host;
    if (!p->root_host && strncmp(host, p->root_path, rl) == 0 && host[rl] == '/')
        guest = host + rl;
    char *s = strdup(guest);
    if (s) {
        free(p->exe_path);
        p->exe_path = s;
    }
}

void xlat_proc_set_comm(const char *path)
{
    /* execve(2) names the process after the file it was given (a script's, not its
     * interpreter's): what /proc/PID/comm and ps show, for the guest's other processes too. */
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (path)
        prctl(PR_SET_NAME, slash ? slash + 1 : path, 0, 0, 0);
}

void xlat_proc_exec_commit(struct xlat_proc *p, uint64_t brk_start, uint64_t brk_limit)
{
    struct xlat_thread *t = xlat_thread_cur(p);
    if (p->exec.fd >= 0)
        xlat_proc_set_exe(p, p->exec.fd);
    xlat_proc_set_comm(p->exec.path);
    /* execve(2): close-on-exec descriptors close (viv's own live above XLAT_FD_FLOOR). */
    for (int fd = 0; fd < XLAT_FD_FLOOR; fd++) {
        if (fd == p->exec.fd || xlat_fd_reserved(p, fd))
            continue;
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0 && (fl & FD_CLOEXEC))
            close(fd);
    }
    /* Handled signals go back to the default; ignored ones stay ignored; the mask and
     * pending signals survive; there is no altstack (execve(2), "signal dispositions"). */
    for (int sig = 1; sig <= XLAT_NSIG; sig++) {
        struct xlat_sigaction *act = &p->act[sig];
        if (act->handler != (uint64_t)(uintptr_t)SIG_IGN) {
            bool had = act->handler != (uint64_t)(uintptr_t)SIG_DFL;
            memset(act, 0, sizeof(*act));
            if (had && sig != SIGSEGV && sig != SIGBUS && sig != XLAT_KICK_SIGNAL)
                signal(sig, SIG_DFL);
        }
    }
    t->ss_sp = t->ss_size = 0;
    t->ss_flags = SS_DISABLE;
    t->clear_tid = 0;
    p->leader = t == &p->main_thread ? NULL : t;
    p->robust_head = p->robust_len = 0;
    p->sigreturn_tramp = 0;
    p->brk_start = p->brk_cur = brk_start;
    p->brk_limit = brk_limit;
    exec_clear(&p->exec);
}

/* wait4: the status word and struct rusage are the same on both LP64 ABIs. */
XLAT_SYS(wait4)
{
    if (a[1] && !xlat_mem_ptr(p->mem, a[1], 4, XLAT_PG_W))
        return -EFAULT;
    if (a[3] && !xlat_mem_ptr(p->mem, a[3], sizeof(struct rusage), XLAT_PG_W))
        return -EFAULT;
    int status = 0;
    struct rusage ru;
    pid_t want = (pid_t)a[0];
    want = want < -1 ? -xlat_pid_to_host(p, -want) : xlat_pid_to_host(p, want);
    pid_t r = wait4(want, &status, (int)a[2], a[3] ? &ru : NULL);
    if (r < 0)
        return -errno;
    r = xlat_pid_to_guest(p, r);
    if (r > 0 && a[1])
        xlat_mem_write(p->mem, a[1], &status, 4);
    if (a[3])
        xlat_mem_write(p->mem, a[3], &ru, sizeof(ru));
    return r;
}

/* waitid: siginfo_t is the generic 128-byte layout on both. */
XLAT_SYS(waitid)
{
    void *info = NULL, *ru = NULL;
    if (a[2] && !(info = xlat_mem_ptr(p->mem, a[2], sizeof(siginfo_t), XLAT_PG_W)))
        return -EFAULT;
    if (a[4] && !(ru = xlat_mem_ptr(p->mem, a[4], sizeof(struct rusage), XLAT_PG_W)))
        return -EFAULT;
    pid_t id = (int)a[0] == P_PID || (int)a[0] == P_PGID ? xlat_pid_to_host(p, (pid_t)a[1])
                                                          : (pid_t)a[1];
    int64_t rc = XLAT_RET(syscall(SYS_waitid, (int)a[0], id, info, (int)a[3], ru));
    if (rc == 0 && info)
        ((siginfo_t *)info)->si_pid = xlat_pid_to_guest(p, ((siginfo_t *)info)->si_pid);
    return rc;
}
