/* sandbox_init.c: the instance's pid 1: finishes the sandbox from inside the new namespaces, then
 * becomes the entrypoint (execs it, or runs the engine that serves it); under --init it starts the
 * entrypoint as pid 2 instead and stays, as viv-init, reaping orphans and forwarding signals
 * until the entrypoint exits. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* Signals pid 1 passes on to the entrypoint. A pid-namespace init receives only signals it has a
 * handler for, so each gets one (never run: they are blocked and taken with sigwaitinfo). */
static const int forwarded[] = {SIGINT,  SIGTERM,  SIGHUP,  SIGQUIT, SIGUSR1,
                                SIGUSR2, SIGWINCH, SIGCONT, SIGALRM};

static void never_runs(int sig)
{
    (void)sig;
}

static void report(const struct sandbox_child *c, int type, int status, const struct viv_error *e)
{
    struct sandbox_report r = {.type = type, .status = status};
    if (e)
        r.err = *e;
    /* Below PIPE_BUF: atomic, and the supervisor reads whole records. */
    ssize_t n = write(c->report_fd, &r, sizeof(r));
    (void)n;
}

static _Noreturn void fail(const struct sandbox_child *c, const struct viv_error *e)
{
    report(c, SANDBOX_REPORT_FAIL, 125, e);
    _exit(125);
}

static _Noreturn void exec_fail(const struct sandbox_child *c, int status,
                                const struct viv_error *e)
{
    report(c, SANDBOX_REPORT_EXEC, status, e);
    _exit(status);
}

/* execve(prog) failed with e: 127 where there is no such file (or, ENOENT from one that
 * exists, no ELF or #! interpreter for it), 126 where it cannot be run, named as find_program
 * names it. */
static _Noreturn void exec_failed(const struct sandbox_child *c, const char *prog, int e)
{
    struct viv_error err = {0};
    struct stat st;
    if (e == EACCES && stat(prog, &st) == 0 && S_ISDIR(st.st_mode))
        e = EISDIR;
    viv_fail(&err, e, "exec '%s'", prog);
    exec_fail(c, e == ENOENT || e == ENOTDIR ? 127 : 126, &err);
}

static const char *env_get(char **envp, const char *key)
{
    size_t k = strlen(key);
    for (; *envp; envp++)
        if (strncmp(*envp, key, k) == 0 && (*envp)[k] == '=')
            return *envp + k + 1;
    return NULL;
}

/* Find the program as execvp would, but tell "not found" (127) from "cannot execute" (126)
 * before exec, when the message can still name the file. A path given as such is left to
 * execve, whose failure says as much (exec_failed): checked first, it would be looked up three
 * times on the way to every guest's start, in the overlay. check_path: an engine that loads the
 * program itself wants it checked all the same. */
static int find_program(const char *name, char **envp, bool check_path, char *out, size_t len,
                        struct viv_error *err)
{
    struct stat st;
    if (strchr(name, '/') && !check_path) {
        snprintf(out, len, "%s", name);
        return 0;
    }
    if (strchr(name, '/')) {
        if (stat(name, &st) < 0) {
            viv_fail(err, errno, "exec '%s'", name);
            return errno == ENOENT || errno == ENOTDIR ? 127 : 126;
        }
        if (S_ISDIR(st.st_mode))
            return viv_fail(err, EISDIR, "exec '%s'", name), 126;
        if (access(name, X_OK) < 0)
            return viv_fail(err, errno, "exec '%s'", name), 126;
        snprintf(out, len, "%s", name);
        return 0;
    }
    const char *path = env_get(envp, "PATH");
    int status = 127;
    _cleanup_free_ char *dirs = viv_xstrdup(path ? path : "");
    char *save = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        snprintf(out, len, "%s/%s", d, name);
        if (stat(out, &st) < 0 || S_ISDIR(st.st_mode))
            continue;
        if (access(out, X_OK) == 0)
            return 0;
        status = 126;
        viv_fail(err, errno, "exec '%s'", out);
    }
    if (status == 127)
        viv_fail(err, 0, "exec '%s': not found on PATH (%s)", name, path ? path : "");
    return status;
}

static int send_fd(int sock, int fd, char tag)
{
    struct iovec iov = {.iov_base = &tag, .iov_len = 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u = {0};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* Without -t the guest gets no terminal of the caller's: each of its standard fds that is one
 * becomes a pipe that the supervisor relays, as podman's are. On the caller's terminal itself
 * the guest could change its modes (echo off), its line discipline or its exclusive use, and
 * leave it so after the run. stdout and stderr on one terminal share one pipe, which keeps the
 * order of what the two say. stdin is the caller's only under -i (/dev/null otherwise). */
static int hand_over_terminals(const struct sandbox_child *c, struct viv_error *err)
{
    static const char tags[3] = {SANDBOX_FD_STDIN, SANDBOX_FD_STDOUT, SANDBOX_FD_STDERR};
    unsigned term = c->terminals; /* found by the supervisor, which made sock_fd for them */
    for (int fd = 0; fd < 3; fd++) {
        if (!(term >> fd & 1) || (fd == 0 && !c->cfg->interactive))
            continue;
        struct stat out, errs;
        if (fd == 2 && (term & 2) && fstat(1, &out) == 0 && fstat(2, &errs) == 0 &&
            out.st_rdev == errs.st_rdev) {
            dup2(1, 2);
            continue;
        }
        int ends[2];
        if (pipe2(ends, O_CLOEXEC) < 0)
            return viv_fail(err, errno, "a pipe for the guest's fd %d", fd);
        int guests = ends[fd == 0 ? 0 : 1], ours = ends[fd == 0 ? 1 : 0];
        bool sent = send_fd(c->sock_fd, ours, tags[fd]) == 0;
        int e = errno;
        close(ours);
        if (!sent || dup2(guests, fd) < 0) {
            e = sent ? errno : e;
            close(guests);
            return viv_fail(err, e, "hand the guest's fd %d to the supervisor", fd);
        }
        close(guests);
    }
    return 0;
}

/* The compiled policy, in the memory we share with the supervisor, or sent by it while we build
 * the root (sandbox_spawn.c): read the program to its end and load it. EOF before any byte means
 * the supervisor failed, and is killing us. */
static int load_policy(const struct sandbox_child *c, int *notify_fd, struct viv_error *err)
{
    if (c->policy)
        return seccomp_policy_install(c->policy, c->policy_len, sandbox_traps_ids(c->cfg),
                                      notify_fd, err);
    /* One more than the kernel takes, so that a program too long is seen as such. */
    static struct sock_filter bpf[BPF_MAXINSNS + 1];
    size_t len = 0;
    for (;;) {
        ssize_t n = read(c->filter_fd, (char *)bpf + len, sizeof(bpf) - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return viv_fail(err, errno, "read the seccomp policy");
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == sizeof(bpf))
            return viv_fail(err, EFBIG, "read the seccomp policy");
    }
    close(c->filter_fd);
    return seccomp_policy_install(bpf, len, sandbox_traps_ids(c->cfg), notify_fd, err);
}

/* Write the strings of v, each with its NUL, into [at, end), as far as they fit; zeros after. */
static void fill_strings(char *at, char *end, char *const *v)
{
    char *p = at;
    for (; v && *v && p < end; v++) {
        size_t n = strlen(*v) + 1;
        if (n > (size_t)(end - p))
            n = (size_t)(end - p);
        memcpy(p, *v, n);
        p += n;
    }
    memset(p, 0, (size_t)(end - p));
    if (end > at)
        end[-1] = '\0';
}

/* viv's command line (its -e values, host paths) and environment (the caller's, secrets
 * included) would otherwise be what the guest reads in /proc/1/cmdline and /proc/1/environ. Both
 * live in our own memory: overwrite them, with "viv-init" and nothing, or, where an engine runs
 * the guest in this process, with the guest's own argv and environment, as far as they fit, as
 * the guest's pid 1 shows them natively. Nothing may use the original argv or environ strings
 * after this (the guest's argv and envp are copies). */
static void hide_cmdline(char *const *argv, char *const *envp)
{
    /* arg_start, arg_end, env_start, env_end. */
    uint64_t v[4];
    if (sandbox_stat_fields(48, 51, v) < 0)
        return;
    clearenv();
    char *const init_argv[] = {"viv-init", NULL};
    char *const *fill[] = {argv ? argv : init_argv, envp};
    for (int i = 0, k = 0; i <= 2; i += 2, k++)
        if (v[i] && v[i + 1] > v[i])
            fill_strings((char *)(uintptr_t)v[i], (char *)(uintptr_t)v[i + 1], fill[k]);
}

/* The kernel forgets the parent-death signal when the effective ids change, as dropping
 * privileges to a guest user does: set it again, and see that the supervisor did not die
 * before (the report pipe then has no reader). */
static void keep_pdeathsig(const struct sandbox_child *c)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    struct pollfd p = {.fd = c->report_fd, .events = POLLOUT};
    if (poll(&p, 1, 0) == 1 && (p.revents & POLLERR))
        _exit(125);
}

/* dispositions_reset: by the aide, and nothing caught since (sandbox_aide.c). */
static _Noreturn void start_guest(const struct sandbox_child *c, const char *prog, int tty,
                                  const sigset_t *oldmask, bool dispositions_reset)
{
    const struct viv_sandbox_config *cfg = c->cfg;
    struct viv_error err = {0};
    /* Its own session: job control and the terminal belong to the guest. */
    setsid();
    if (tty >= 0) {
        if (ioctl(tty, TIOCSCTTY, 0) < 0) {
            viv_fail(&err, errno, "make the pty the controlling terminal");
            fail(c, &err);
        }
        for (int fd = 0; fd < 3; fd++)
            dup2(tty, fd);
    } else if (!cfg->interactive) {
        int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (null >= 0 && null != 0) {
            dup2(null, 0);
            close(null);
        }
    }
    /* Default dispositions for everything, not only what pid 1 caught: a viv started from a
     * script's background job has SIGINT and SIGQUIT ignored, and ignored stays ignored across
     * exec. */
    for (int sig = 1; !dispositions_reset && sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
    sigprocmask(SIG_SETMASK, oldmask, NULL);
    if (cfg->engine_main) {
        /* Nothing is exec'd, so close-on-exec closes nothing: what viv still holds (the
         * catalog's directories, outside the root, from which ".." climbs to the host's /) would
         * be the guest's, which shares the engine's descriptors. Only the engine's own fd stays.
         * The report pipe, closed with the rest, tells the supervisor the guest has started;
         * failures to load it are told directly, as the guest's own stderr would. */
        int keep = cfg->engine_fd;
        if (keep > 3)
            sandbox_sys(SYS_close_range, 3, (unsigned)keep - 1, 0, 0);
        sandbox_sys(SYS_close_range, (unsigned)(keep >= 3 ? keep + 1 : 3), ~0u, 0, 0);
        int status = cfg->engine_main(cfg, prog, &err);
        fprintf(stderr, "viv: run: %s\n", err.msg);
        _exit(status);
    }
    if (c->exec_reached)
        *c->exec_reached = 1;
    execve(prog, cfg->argv, cfg->envp);
    /* Not reached after all: until its report is written, a kill is again one in the set-up. */
    if (c->exec_reached)
        *c->exec_reached = 0;
    exec_failed(c, prog, errno);
}

struct guest_start {
    const struct sandbox_child *c;
    const char *prog;
    int tty;
    const sigset_t *oldmask;
};

static int guest_entry(void *arg)
{
    const struct guest_start *g = arg;
    start_guest(g->c, g->prog, g->tty, g->oldmask, false);
}

/* The entrypoint as pid 2. An exec'd guest starts as posix_spawn starts programs: in our address
 * space, on a stack of its own, while we wait (CLONE_VM | CLONE_VFORK), so that no page table of
 * viv's large image is copied and no page is copied on write on either side, only to be thrown
 * away by the exec. Until then it only makes system calls and writes its own stack; every signal
 * is blocked, so none of our handlers can run in it. A translating engine keeps running viv's
 * code in the guest process, so it gets a copy of the address space, with fork. */
static pid_t spawn_guest(const struct sandbox_child *c, const char *prog, int tty,
                         const sigset_t *oldmask)
{
    if (c->cfg->engine_main) {
        pid_t pid = fork();
        if (pid == 0)
            start_guest(c, prog, tty, oldmask, false);
        return pid;
    }
    static char stack[64 * 1024] __attribute__((aligned(16)));
    struct guest_start g = {.c = c, .prog = prog, .tty = tty, .oldmask = oldmask};
    return clone(guest_entry, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &g);
}

static void timeval_add(struct timeval *to, const struct timeval *t)
{
    to->tv_sec += t->tv_sec;
    to->tv_usec += t->tv_usec;
    if (to->tv_usec >= 1000000) {
        to->tv_sec++;
        to->tv_usec -= 1000000;
    }
}

/* The entrypoint has ended: so does everything it left running, as the namespace's end would
 * end it, but here, so that the supervisor hears the status while the kernel still tears the
 * namespaces down. kill(-1) from a pid namespace's init reaches every other process in it (pid 1
 * holds the guest's ids, or CAP_KILL in its namespace when the guest is root); each one's
 * children come to us before it is reaped, so no child left means nothing left. */
static _Noreturn void finish(const struct sandbox_child *c, int status)
{
    /* Most guests leave nothing behind; then kill(-1), which walks every process of the host,
     * is not needed. */
    pid_t p;
    while ((p = waitpid(-1, NULL, __WALL | WNOHANG)) > 0)
        ;
    if (p == 0) {
        kill(-1, SIGKILL);
        while (waitpid(-1, NULL, __WALL) > 0)
            ;
    }
    struct sandbox_done d = {.status = status};
    struct rusage kids;
    getrusage(RUSAGE_SELF, &d.ru);
    getrusage(RUSAGE_CHILDREN, &kids);
    timeval_add(&d.ru.ru_utime, &kids.ru_utime);
    timeval_add(&d.ru.ru_stime, &kids.ru_stime);
    if (kids.ru_maxrss > d.ru.ru_maxrss)
        d.ru.ru_maxrss = kids.ru_maxrss;
    ssize_t n = write(c->done_fd, &d, sizeof(d));
    (void)n;
    _exit(status);
}

static _Noreturn void reap_forever(const struct sandbox_child *c, pid_t guest,
                                   const sigset_t *waitset)
{
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(waitset, &si);
        if (sig < 0)
            continue;
        if (sig != SIGCHLD) {
            kill(guest, sig);
            continue;
        }
        /* Every orphan of the namespace is ours to reap; only the entrypoint ends the run. */
        int st;
        pid_t p;
        while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
            if (p != guest)
                continue;
            finish(c, WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
        }
    }
}

/* Out of the caller's process group: what is sent to the group (a shell's job control, a CI
 * runner ending a job) reaches viv alone, which relays it once; in viv's group the guest would
 * get a second copy, and a SIGWINCH before the supervisor resized its pty. Out of the caller's
 * session as well where it has a terminal: in that session /dev/tty would open the caller's
 * terminal, and the terminal's Ctrl-C would reach the guest directly. Only then, or for -t (a
 * pty is taken by a session leader alone): every new session costs a scheduling group that the
 * kernel makes at once and tears down after the run, more than all the rest of this. */
static void leave_callers_group(bool tty)
{
    if (!tty) {
        long fd = sandbox_sys(SYS_openat, AT_FDCWD, (long)"/dev/tty",
                              O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC, 0);
        if (fd == -ENXIO) {
            sandbox_sys(SYS_setpgid, 0, 0, 0, 0);
            return;
        }
        if (fd >= 0)
            sandbox_sys(SYS_close, fd, 0, 0, 0);
    }
    sandbox_sys(SYS_setsid, 0, 0, 0, 0);
}

_Noreturn void sandbox_child_main(const struct sandbox_child *c)
{
    /* Until the go, system calls by hand and nothing of c but what was set before the clone: an
     * instance started early runs beside a supervisor still in the C library, which fills in
     * the rest of c meanwhile (sandbox_early.c). */
    /* The aide first: its namespaces are as long a job as the root, and start before anything
     * else this thread does. It keeps the signals the supervisor blocks. */
    /* What the set-up makes gets the mode it asks for, in the aide too (whose umask is its own
     * from its clone on): no chmod after each. The guest gets its own (--umask, 022) before its
     * exec. */
    sandbox_sys(SYS_umask, 0, 0, 0, 0);
    struct sandbox_aide aide;
    sandbox_aide_start(&aide, c);
    /* The guest starts with the caller's mask, not with what the supervisor blocks. */
    sandbox_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&c->caller_mask, 0, _NSIG / 8);
    leave_callers_group(c->tty);
    /* When viv dies, so does the instance: pid 1 going takes the namespace with it. */
    sandbox_sys(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0);
    /* Unless viv died before that (a signal in its first milliseconds): nothing would end us
     * then, waiting for its id maps or its go. A dying process's fds are closed before its
     * children are told, so either the signal comes or the go's pipe has no writer left, and
     * no go in it (a supervisor that gave it closes its end). */
    struct pollfd viv = {.fd = c->sync_fd, .events = POLLIN};
    struct timespec now = {0};
    if (sandbox_sys(SYS_ppoll, (long)&viv, 1, (long)&now, 0) == 1 && viv.revents == POLLHUP)
        sandbox_sys(SYS_exit_group, 125, 0, 0, 0);
    /* Nothing the caller left open without CLOEXEC may reach the guest. */
    sandbox_sys(SYS_close_range, 3, ~0u, CLOSE_RANGE_CLOEXEC, 0);
    /* On the CPU the supervisor leaves us until the go, what of the root does not depend on the
     * image, where the id maps come before it. */
    struct sandbox_premade pre;
    sandbox_premake(&pre, c->maps_before_go ? c->maps_ready : NULL, aide.host_dev);
    sandbox_aide_home(&aide);
    char go;
    long got;
    while ((got = sandbox_sys(SYS_read, c->sync_fd, (long)&go, 1, 0)) == -EINTR)
        ;
    if (got != 1)
        _exit(125); /* the supervisor is gone */
    /* viv's thread pointer, the C library's from here on, for the two of us. */
    sandbox_set_thread_pointer(c->tls);
    const struct viv_sandbox_config *cfg = c->cfg;
    struct viv_error err = {0};
    sandbox_aide_released(&aide, c->tls);
    close(c->sync_fd);
    /* A cgroup mount of viv's own is closed outright, as an engine that serves the guest never
     * execs. */
    limits_forget(c->plan);
    viv_trace(VIV_TRACE_RUN, "run", "instance: id maps written, released");
    /* The id maps are written (that needed our /proc files to be the caller's): from now on
     * nothing in the guest may read or write pid 1's memory through /proc/1/mem or
     * process_vm_*; the guest's own processes become dumpable again when they exec. */
    prctl(PR_SET_DUMPABLE, 0);
    /* Into its own cgroups (when limited): that one becomes the root of the guest's view. */
    if (limits_join(c->plan, c->in_v2_cgroup, &err) < 0)
        fail(c, &err);
    if (!pre.cgroup_ns && unshare(CLONE_NEWCGROUP) < 0) {
        viv_fail(&err, errno, "create the cgroup namespace");
        fail(c, &err);
    }
    if (cfg->init)
        prctl(PR_SET_NAME, "viv-init");

    if (limits_apply_rlimits(c->plan, &err) < 0)
        fail(c, &err);
    char note[512] = "";
    viv_trace(VIV_TRACE_RUN, "run", "instance: setting up the root");
    int sys_at;
    if (sandbox_setup_root(cfg, &aide, &pre, &sys_at, note, sizeof(note), &err) < 0)
        fail(c, &err);
    viv_trace(VIV_TRACE_RUN, "run", "instance: root ready");
    /* Launches back to back see the aide's network namespace wait for the one before's teardown
     * (the kernel's locks), and us for it: our bounding set meanwhile, which the exec needs
     * anyway and the join does not. */
    if (sandbox_aide_netns_pending(&aide) && sandbox_drop_bounding_set(cfg->uid, &err) < 0)
        fail(c, &err);
    struct sandbox_sysfs sysfs = {.fd = -1};
    bool own_sysfs = sys_at >= 0 && !cfg->network_host;
    if (sandbox_aide_join(&aide, !cfg->network_host, own_sysfs ? &sysfs : NULL, &err) < 0)
        fail(c, &err);
    if (sys_at >= 0 && sandbox_attach_sys(&sysfs, sys_at, cfg->network_host, c->plan, note,
                                          sizeof(note), &err) < 0)
        fail(c, &err);
    if (sethostname(cfg->hostname, strlen(cfg->hostname)) < 0) {
        viv_fail(&err, errno, "set hostname '%s'", cfg->hostname);
        fail(c, &err);
    }
    if (cfg->verbose && note[0]) {
        struct viv_error n = {0};
        snprintf(n.msg, sizeof(n.msg), "%s", note);
        report(c, SANDBOX_REPORT_NOTE, 0, &n);
    }
    umask(cfg->umask);
    if (sandbox_drop_privileges(cfg, &err) < 0)
        fail(c, &err);
    /* -t: the pty comes from our devpts, opened with the guest's ids so that the slave is the
     * guest's; the supervisor gets the master to relay and resize. */
    int tty = -1;
    if (cfg->tty) {
        int master;
        if (pty_open_in_instance(c->has_winsize ? &c->winsize : NULL, &master, &tty, &err) < 0)
            fail(c, &err);
        if (send_fd(c->sock_fd, master, SANDBOX_FD_PTY) < 0) {
            viv_fail(&err, errno, "hand the pty to the supervisor");
            fail(c, &err);
        }
        close(master);
    } else if (hand_over_terminals(c, &err) < 0) {
        fail(c, &err);
    }
    viv_trace(VIV_TRACE_RUN, "run", "instance: privileges dropped, loading seccomp");
    if (cfg->seccomp) {
        int nfd;
        if (load_policy(c, &nfd, &err) < 0 ||
            (cfg->engine_main && seccomp_engine_load(&err) < 0))
            fail(c, &err);
        if (nfd >= 0) {
            if (send_fd(c->sock_fd, nfd, SANDBOX_FD_NOTIFY) < 0) {
                viv_fail(&err, errno, "hand the seccomp listener to the supervisor");
                fail(c, &err);
            }
            close(nfd);
        }
    }
    /* Last, as they bind viv's own set-up too (a low nofile, say). */
    if (limits_apply_ulimits(cfg, c->plan, &err) < 0)
        fail(c, &err);
    if (c->sock_fd >= 0)
        close(c->sock_fd);

    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    /* The guest may not start before the host's tree is out of its reach. Nor may a path the
     * image or the configuration names be followed before: until the old root is detached, ".."
     * at the root crosses into it (a working directory of "/.." would leave the guest in the
     * host's tree, detached or not; a PATH entry would find the host's programs). */
    if (sandbox_aide_finish(&aide, &err) < 0)
        fail(c, &err);
    if (chdir(cfg->workdir) < 0) {
        viv_fail(&err, errno, "working directory '%s'", cfg->workdir);
        fail(c, &err);
    }
    /* One that shares our memory marks its exec instead (exec_reached). */
    if (!c->exec_reached)
        report(c, SANDBOX_REPORT_SET_UP, 0, NULL);
    char prog[4096];
    int st =
        find_program(cfg->argv[0], cfg->envp, cfg->engine_main != NULL, prog, sizeof(prog), &err);
    if (st)
        exec_fail(c, st, &err);
    viv_trace(VIV_TRACE_RUN, "run", "instance: starting the entrypoint");
    /* An engine serves the guest from our own memory, which holds viv's command line. */
    if (cfg->init)
        hide_cmdline(NULL, NULL);
    else if (cfg->engine_main)
        hide_cmdline(cfg->argv, cfg->envp);
    keep_pdeathsig(c);
    /* The entrypoint becomes pid 1: the supervisor hears its end and counts its CPU directly,
     * and no process of viv's stands between the two. */
    if (!cfg->init)
        start_guest(c, prog, tty, &old, aide.dispositions_reset);
    struct sigaction sa = {.sa_handler = never_runs};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(forwarded); i++)
        sigaction(forwarded[i], &sa, NULL);
    pid_t guest = spawn_guest(c, prog, tty, &old);
    if (guest < 0) {
        viv_fail(&err, errno, "fork the entrypoint");
        fail(c, &err);
    }

    /* viv-init never execs, so close-on-exec keeps nothing from it: what it still holds (the
     * catalog's directories, the caller's fds) is closed, all but the pipe its end is told by.
     * The guest cannot reach a pid 1 that is not dumpable; nor then could a flaw in it. */
    if (c->done_fd > 3)
        sandbox_sys(SYS_close_range, 3, (unsigned)c->done_fd - 1, 0, 0);
    sandbox_sys(SYS_close_range, (unsigned)(c->done_fd < 3 ? 3 : c->done_fd + 1), ~0u, 0, 0);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3; fd++)
        if (null >= 0)
            dup2(null, fd);
    if (null > 2)
        close(null);
    sigset_t waitset;
    sigemptyset(&waitset);
    sigaddset(&waitset, SIGCHLD);
    for (size_t i = 0; i < VIV_ARRAY_SIZE(forwarded); i++)
        sigaddset(&waitset, forwarded[i]);
    reap_forever(c, guest, &waitset);
}
