/* sandbox_spawn.c: start one native instance: clone into new namespaces (and a v2 cgroup), write
 * its id maps, collect what it reports until the guest's exec, then supervise it. */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/single_threaded.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>

#define SANDBOX_FAILED 125

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bool sandbox_traps_ids(const struct viv_sandbox_config *cfg)
{
    return cfg->seccomp && cfg->rootless && !cfg->engine_main;
}

/* What writing an id map failed on, told once the instance is gone (see sandbox_run). */
struct map_failure {
    const char *file;
    char text[64];
    int err;
};

/* Copy src into dst of size n (n > 0), cut short where it does not fit: by hand, as what follows
 * may run before the C library has started. Returns the end of the copy, at its NUL. */
static char *copy_string(char *dst, size_t n, const char *src)
{
    while (n > 1 && *src)
        *dst++ = *src++, n--;
    *dst = '\0';
    return dst;
}

/* By system calls alone, and no snprintf: the maps of an instance started before the C library
 * are written before it has started (sandbox_write_root_maps). */
static int write_proc(pid_t pid, const char *file, const char *text, struct map_failure *f)
{
    char path[64], digits[12];
    int nd = 0;
    for (unsigned v = (unsigned)pid; nd == 0 || v; v /= 10)
        digits[nd++] = (char)('0' + v % 10);
    char *p = copy_string(path, sizeof(path), "/proc/");
    while (nd > 0)
        *p++ = digits[--nd];
    *p++ = '/';
    copy_string(p, sizeof(path) - (size_t)(p - path), file);
    long len = 0;
    while (text[len])
        len++;
    long fd = sandbox_sys(SYS_openat, AT_FDCWD, (long)path, O_WRONLY | O_CLOEXEC, 0);
    long n = fd < 0 ? fd : sandbox_sys(SYS_write, fd, (long)text, len, 0);
    if (fd >= 0)
        sandbox_sys(SYS_close, fd, 0, 0, 0);
    if (n == len)
        return 0;
    f->file = file;
    copy_string(f->text, sizeof(f->text), text);
    f->err = n < 0 ? (int)-n : EIO;
    return -1;
}

/* As root, ids 0-65535 map to themselves so the image's files keep their owners; the guest's
 * capabilities are still only those of its own namespace. */
static int write_root_maps(pid_t pid, struct map_failure *f)
{
    if (write_proc(pid, "uid_map", "0 0 65536", f) < 0)
        return -1;
    return write_proc(pid, "gid_map", "0 0 65536", f);
}

int sandbox_write_root_maps(struct sandbox_start *s, pid_t pid)
{
    struct map_failure f;
    if (write_root_maps(pid, &f) < 0)
        return -1;
    __atomic_store_n(&s->maps_ready, 1, __ATOMIC_RELEASE);
    /* The instance and its aide may both be waiting. */
    sandbox_sys(SYS_futex, (long)&s->maps_ready, FUTEX_WAKE_PRIVATE, INT_MAX, 0);
    return 0;
}

/* The id maps, written from outside as the kernel requires. Rootless, the guest's uid and gid
 * map to the caller's and nothing else can be mapped (setgroups must be denied first). */
static int write_id_maps(const struct viv_sandbox_config *cfg, pid_t pid, struct map_failure *f)
{
    char map[64];
    if (cfg->rootless) {
        if (write_proc(pid, "setgroups", "deny", f) < 0)
            return -1;
        snprintf(map, sizeof(map), "%u %u 1", (unsigned)cfg->uid, (unsigned)getuid());
        if (write_proc(pid, "uid_map", map, f) < 0)
            return -1;
        snprintf(map, sizeof(map), "%u %u 1", (unsigned)cfg->gid, (unsigned)getgid());
        return write_proc(pid, "gid_map", map, f);
    }
    return write_root_maps(pid, f);
}

/* One fd the instance sent (SCM_RIGHTS), with the tag byte that says which it is; -1 when none
 * is queued. */
static int recv_fd(int sock, char *tag)
{
    struct iovec iov = {.iov_base = tag, .iov_len = 1};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } u;
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof(u.buf)};
    if (recvmsg(sock, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != 1)
        return -1;
    struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
    if (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int)))
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    return fd;
}

/* Everything the instance handed over before its guest started is queued by now. */
static void recv_handed_fds(int sock, int *notify_fd, int *pty_master, int stdio[3])
{
    char tag;
    int fd;
    while (sock >= 0 && (fd = recv_fd(sock, &tag)) >= 0) {
        int *slot = tag == SANDBOX_FD_NOTIFY                              ? notify_fd
                    : tag == SANDBOX_FD_PTY                               ? pty_master
                    : tag >= SANDBOX_FD_STDIN && tag <= SANDBOX_FD_STDERR ? &stdio[tag - '0']
                                                                          : NULL;
        if (slot && *slot < 0)
            *slot = fd;
        else
            close(fd);
    }
}

/* Before its go the instance may run beside a supervisor that is in the C library (an early
 * start): its fds closed by hand. */
static _Noreturn void start_instance(const struct sandbox_start *from)
{
    for (size_t i = 0; i < VIV_ARRAY_SIZE(from->theirs); i++)
        if (from->theirs[i] >= 0)
            sandbox_sys(SYS_close, from->theirs[i], 0, 0, 0);
    sandbox_child_main(&from->child);
}

static int start_shared_instance(void *arg)
{
    struct sandbox_start *from = arg;
    /* Started before the C library (sandbox_prestart), on the CPU the supervisor leaves idle:
     * the pages of viv's image the C library is about to relocate are copied on write here,
     * about ten faults fewer on the supervisor's way to the go (MADV_POPULATE_WRITE, Linux 5.14:
     * the contents stay as they are, whichever of the two writes first). */
    if (from->prefault_len)
        sandbox_sys(SYS_madvise, (long)from->prefault_at, (long)from->prefault_len,
                    23 /* MADV_POPULATE_WRITE */, 0);
    long r = sandbox_sys(SYS_unshare, CLONE_NEWNS, 0, 0, 0);
    __atomic_store_n(&from->mount_ns, r < 0 ? (int)r : 0, __ATOMIC_RELEASE);
    sandbox_sys(SYS_futex, (long)&from->mount_ns, FUTEX_WAKE_PRIVATE, 1, 0);
    if (r < 0)
        _exit(125); /* the supervisor says why */
    start_instance(from);
}

int sandbox_wait_mount_ns(struct sandbox_start *from, int pidfd, struct viv_error *err)
{
    int v;
    /* A few milliseconds at a time: an instance killed before it got there never says. */
    const struct timespec tick = {.tv_nsec = 5 * 1000 * 1000};
    while ((v = __atomic_load_n(&from->mount_ns, __ATOMIC_ACQUIRE)) == 1) {
        sandbox_sys(SYS_futex, (long)&from->mount_ns, FUTEX_WAIT_PRIVATE, 1, (long)&tick);
        struct pollfd ended = {.fd = pidfd, .events = POLLIN};
        if (__atomic_load_n(&from->mount_ns, __ATOMIC_ACQUIRE) == 1 && pidfd >= 0 &&
            poll(&ended, 1, 0) == 1)
            return viv_fail(err, ECHILD, "the instance ended before it made its mount namespace");
    }
    return v < 0 ? viv_fail(err, -v, "create the instance's mount namespace") : 0;
}

/* The instance's stack while it shares viv's memory, with a guard page below; the set-up takes a
 * few dozen KiB of it. In viv's own zeroed data, which costs nothing until touched and needs no
 * call to map: an instance started before the C library has no mmap to call. */
static char shared_stack[(1 << 20) + 4096] __attribute__((aligned(4096)));

static void *shared_stack_top(void)
{
    static bool guarded;
    if (!guarded)
        sandbox_sys(SYS_mprotect, (long)shared_stack, 4096, PROT_NONE, 0);
    guarded = true;
    return shared_stack + sizeof(shared_stack);
}

/* CLONE_PIDFD is Linux 5.2. */
pid_t sandbox_clone_shared(int *pidfd, struct sandbox_start *from, void *tls)
{
    unsigned long flags = CLONE_VM | CLONE_PIDFD | CLONE_NEWUSER | CLONE_NEWPID | SIGCHLD;
    from->mount_ns = 1;
    return (pid_t)sandbox_clone(flags | (tls ? CLONE_SETTLS : 0), shared_stack_top(),
                                start_shared_instance, from, pidfd, NULL, tls);
}

void sandbox_pipes_init(struct sandbox_pipes *p)
{
    int *pairs[] = {p->sync, p->rep, p->done, p->flt, p->sock};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(pairs); i++)
        pairs[i][0] = pairs[i][1] = -1;
    p->terminals = 0;
}

/* Which of our standard fds are terminals, which the instance then replaces with pipes handed
 * to us (sandbox_init.c): by system calls alone, as an early start may ask. */
static unsigned stdio_terminals(void)
{
    struct termios t;
    unsigned mask = 0;
    for (long fd = 0; fd < 3; fd++)
        if (sandbox_sys(SYS_ioctl, fd, TCGETS, (long)&t, 0) == 0)
            mask |= 1u << fd;
    return mask;
}

int sandbox_pipes_open(struct sandbox_pipes *p, const struct sandbox_early_hints *h, bool done,
                       bool policy_pipe)
{
    sandbox_pipes_init(p);
    long r = sandbox_sys(SYS_pipe2, (long)p->sync, O_CLOEXEC, 0, 0);
    if (r == 0)
        r = sandbox_sys(SYS_pipe2, (long)p->rep, O_CLOEXEC, 0, 0);
    if (r == 0 && done)
        r = sandbox_sys(SYS_pipe2, (long)p->done, O_CLOEXEC, 0, 0);
    if (r == 0 && h->seccomp && policy_pipe)
        r = sandbox_sys(SYS_pipe2, (long)p->flt, O_CLOEXEC, 0, 0);
    p->terminals = h->tty ? 0 : stdio_terminals();
    if (r == 0 && (h->trap || h->tty || p->terminals))
        r = sandbox_sys(SYS_socketpair, AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, (long)p->sock);
    if (r < 0)
        sandbox_pipes_close(p);
    return (int)r;
}

void sandbox_pipes_close_instance_ends(struct sandbox_pipes *p)
{
    int *ends[] = {&p->sync[0], &p->rep[1], &p->done[1], &p->flt[0], &p->sock[1]};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(ends); i++) {
        if (*ends[i] >= 0)
            sandbox_sys(SYS_close, *ends[i], 0, 0, 0);
        *ends[i] = -1;
    }
}

void sandbox_start_init(struct sandbox_start *s, const struct sandbox_pipes *p,
                        const sigset_t *caller_mask, const struct sandbox_early_hints *h,
                        int home_cpu, bool rootless)
{
    /* Field by field: a compound literal may become a call to memset, which an instance started
     * before the C library cannot make. */
    sandbox_zero(s, sizeof(*s));
    s->child.sync_fd = p->sync[0];
    s->child.report_fd = p->rep[1];
    s->child.sock_fd = p->sock[1];
    s->child.filter_fd = p->flt[0];
    s->child.done_fd = p->done[1];
    s->child.terminals = p->terminals;
    s->child.caller_mask = *caller_mask;
    s->child.make_netns = h->netns;
    s->child.tty = h->tty;
    s->child.home_cpu = home_cpu;
    s->child.rootless = rootless;
    s->child.maps_ready = &s->maps_ready;
    const int theirs[] = {p->sync[1], p->rep[0], p->done[0], p->flt[1], p->sock[0]};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(theirs); i++)
        s->theirs[i] = theirs[i];
}

void sandbox_pipes_close(struct sandbox_pipes *p)
{
    int *pairs[] = {p->sync, p->rep, p->done, p->flt, p->sock};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(pairs); i++) {
        for (int end = 0; end < 2; end++) {
            if (pairs[i][end] >= 0)
                sandbox_sys(SYS_close, pairs[i][end], 0, 0, 0);
            pairs[i][end] = -1;
        }
    }
}

/* The pages of viv's image that are never written (its code, its constant data), given back
 * while the guest runs, as viv waits on a CPU of its own: unmapping them is most of what viv's
 * exit costs, and the exit is on the caller's path. What viv touches from here to its exit
 * comes back from the page cache, ten pages or so. Its written pages stay, but for the
 * instance's stack, which is done with. */
static void release_pages(void)
{
    void *at;
    size_t len;
    for (size_t seg = 0; sandbox_image_segment(&seg, false, &at, &len);)
        madvise(at, len, MADV_DONTNEED);
    madvise(shared_stack + 4096, sizeof(shared_stack) - 4096, MADV_DONTNEED);
}

/* into_cgroup: a v2 cgroup's directory to start the instance in (CLONE_INTO_CGROUP, Linux 5.7),
 * or -1; *into says whether it was. */
static pid_t clone_instance(int *pidfd, int into_cgroup, bool *into)
{
    /* The cgroup namespace comes later, from inside, once the instance is in its own cgroup:
     * that cgroup is then the root the guest sees. The ipc, uts and network namespaces too, made
     * while the instance builds its root (sandbox_aide.c). */
    uint64_t flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID;
    struct clone_args args = {
        .flags = flags | CLONE_PIDFD,
        .pidfd = (uint64_t)(uintptr_t)pidfd,
        .exit_signal = SIGCHLD,
    };
    /* clone3 hands back a pidfd atomically: signals and waits can never hit a recycled pid. */
    pid_t pid = -1;
    *into = into_cgroup >= 0;
    if (*into) {
        struct clone_args in = args;
        in.flags |= CLONE_INTO_CGROUP;
        in.cgroup = (uint64_t)into_cgroup;
        pid = (pid_t)syscall(SYS_clone3, &in, sizeof(in));
        if (pid != 0)
            *into = pid > 0;
        /* Refused (an older kernel, or the cgroup: then the instance's own join says why). */
        if (pid >= 0)
            return pid;
    }
    pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
    if (pid < 0 && errno == ENOSYS) {
        pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid > 0)
            *pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    }
    return pid;
}

/* A shared instance that ended in its set-up without a word: the memory it shared with us may
 * be half-changed, so we say what happened without allocating, and end. */
static _Noreturn void lost_in_setup(pid_t pid)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    char how[48] = "ended", msg[128];
    if (WIFSIGNALED(status))
        snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
    int n = snprintf(msg, sizeof(msg), "viv: run: the instance %s while it set itself up\n", how);
    (void)!write(2, msg, (size_t)n);
    _exit(SANDBOX_FAILED);
}

/* Whether the image has anything in the directory at path: a --tmpfs over an empty one (a /tmp,
 * a /run) copies nothing. In doubt, yes: a path through one of the image's symlinks too, which
 * may lead into a -v bind. */
static bool image_has_files_at(const char *rootfs, const char *path)
{
    _cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct open_how how = {.flags = O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS};
    int dir = root < 0 ? -1 : (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
    if (dir < 0)
        return root < 0 || (errno != ENOENT && errno != ENOTDIR);
    DIR *d = fdopendir(dir);
    if (!d) {
        close(dir);
        return true;
    }
    struct dirent *de;
    bool has = false;
    while (!has && (de = readdir(d)))
        has = strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return has;
}

/* Whether a --tmpfs copies in what the image has: a set-up as long as the image's tree, which
 * signals and --timeout must be able to cut short (sandbox_await_setup). */
static bool copies_in(const struct viv_sandbox_config *cfg)
{
    for (size_t i = 0; i < cfg->nbinds; i++) {
        const struct viv_bind *b = &cfg->binds[i];
        if (b->host || !b->tmpfs_copyup)
            continue;
        /* Beneath a -v bind the host's directory is copied: in doubt, something. */
        for (size_t k = 0; k < cfg->nbinds; k++) {
            size_t n = strlen(cfg->binds[k].guest);
            if (cfg->binds[k].host && strncmp(b->guest, cfg->binds[k].guest, n) == 0 &&
                (b->guest[n] == '/' || !b->guest[n] || n == 1))
                return true;
        }
        if (image_has_files_at(cfg->rootfs, b->guest))
            return true;
    }
    return false;
}

/* One that does not share our memory, killed before it said its set-up was done. */
static void died_in_setup(const struct viv_sandbox_config *cfg, pid_t pid,
                          const struct viv_limits_plan *plan, bool copying, struct viv_error *err)
{
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    uint64_t peak;
    bool oom = false;
    limits_read_usage(plan, &peak, &oom);
    if (oom) {
        char limit[32];
        viv_format_size(cfg->memory, limit, sizeof(limit));
        viv_fail(err, 0, "the instance ran out of memory (limit %s) while it was set up%s", limit,
                 copying ? ": what --tmpfs copies in counts against --memory" : "");
    } else if (WIFSIGNALED(status)) {
        viv_fail(err, 0, "the instance was killed by signal %d while it was set up",
                 WTERMSIG(status));
    } else {
        viv_fail(err, 0, "the instance ended (status %d) while it was set up", WEXITSTATUS(status));
    }
}

static const char *clone_advice(int e)
{
    if (e == EPERM || e == ENOSPC || e == EUSERS)
        return " (user namespaces are disabled or exhausted: check the sysctls "
               "user.max_user_namespaces and kernel.unprivileged_userns_clone)";
    return "";
}

int sandbox_run(const struct viv_sandbox_config *cfg, struct viv_run_stats *st,
                struct viv_error *err)
{
    memset(st, 0, sizeof(*st));
    uint64_t t0 = now_ns();
    char hex[13], instance[32];
    if (viv_random_hex(hex, 6, err) < 0)
        return -1;
    snprintf(instance, sizeof(instance), "viv-%s", hex);

    int rc = -1;
    pid_t pid = -1;
    int pidfd = -1, linger = -1;
    struct sandbox_pipes p;
    struct sandbox_early_hints h = {.seccomp = cfg->seccomp,
                                    .trap = sandbox_traps_ids(cfg),
                                    .tty = cfg->tty,
                                    .netns = !cfg->network_host};
    sandbox_pipes_init(&p);
    struct viv_pty pty = {.master = -1};
    struct viv_limits_plan plan;
    limits_plan_init(&plan);
    sigset_t caller_mask;
    bool masked = false;
    struct sandbox_start local, *start = &local;
    /* Checked now for an early, plain error; opened again inside the instance's mount namespace,
     * where mounts must be made (a mount of the host's namespace cannot be a target there). */
    struct stat sb;
    if (stat(cfg->rootfs, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        viv_fail(err, errno ? errno : ENOTDIR, "the image's checkout %s", cfg->rootfs);
        goto out;
    }
    for (size_t i = 0; i < cfg->nbinds; i++) {
        if (cfg->binds[i].host && stat(cfg->binds[i].host, &sb) < 0) {
            viv_fail(err, errno, "%s %s", cfg->binds[i].flag, cfg->binds[i].host);
            goto out;
        }
    }
    /* Blocked before the cgroups are made: a SIGTERM from here on waits for the supervisor
     * (or ends the set-up, sandbox_await_setup) instead of killing viv with them left behind. */
    sigset_t relayed;
    sandbox_relayed_signals(&relayed);
    sigprocmask(SIG_BLOCK, &relayed, &caller_mask);
    masked = true;
    if (limits_prepare(cfg, instance, true, &plan, err) < 0)
        goto out;
    /* -t: the instance allocates the pty in its own devpts, sized as the caller's terminal. */
    struct winsize ws;
    bool has_ws = cfg->tty && pty_caller_size(&ws);
    /* Where the instance ends in an exec of the guest and nothing of viv's runs in it after its
     * set-up, it shares viv's memory until then, as vfork's child does: no page tables copied by
     * the clone, none torn down by the exec, no copy-on-write fault for each page either side
     * touches (some 70 here, 0.1-0.15 ms of a launch). Until its exec (or its end) the report
     * pipe stays open, and on this side nothing may use what the two then share beyond plain
     * memory: no allocation, no stdio, no errno (sandbox_sys). The instance's writes to shared
     * memory are its own stack and heap blocks it allocates; it ends by _exit or exec, never
     * exit, and we kill it only while it waits for the id maps. Killed from outside, or by a
     * fault of its own, in the middle of an allocation, it would leave the heap half-changed: it
     * marks its exec, and without the mark viv says so and ends at once. viv-init and the
     * engines stay in the instance for its whole life: they get a copy, as does an instance
     * started straight in a v2 cgroup (the C library's clone cannot), one under a memory limit
     * (the OOM killer, choosing it in its set-up, would kill every process of that memory, viv
     * included), one that copies an image's tree into a --tmpfs (a set-up that long must yield
     * to signals and --timeout, which means killing it there), and one started by a process with
     * threads (a .viv file's import has them).
     * One with cgroups to join reads the fds for them only after its clone: an instance started
     * early has none of them. */
    bool copying = copies_in(cfg);
    bool shared = !cfg->init && !cfg->engine_main && plan.into_fd < 0 && !plan.dir[VIV_CG_MEMORY] &&
                  !copying && __libc_single_threaded;
    bool early =
        shared && !limits_plan_has_fds(&plan) && sandbox_early_take(&h, &p, &pid, &pidfd, &start);
    if (!early) {
        sandbox_early_cancel();
        /* The policy's pipe too where the instance would share our memory: it may not. */
        int r = sandbox_pipes_open(&p, &h, cfg->init || cfg->engine_main, true);
        if (r < 0) {
            viv_fail(err, -r, "create pipes");
            goto out;
        }
    }
    /* mm-wide, so the instance's prctl makes it ours too; given back once it has exec'd. */
    int dumpable = shared ? prctl(PR_GET_DUMPABLE) : -1;
    if (!early) {
        sandbox_start_init(&local, &p, &caller_mask, &h, -1, cfg->rootless);
    }
    /* What the instance reads only after its go: an early one has been waiting for it. */
    start->child.cfg = cfg;
    start->child.plan = &plan;
    start->child.has_winsize = has_ws;
    if (has_ws)
        start->child.winsize = ws;
    start->child.exec_reached = shared ? &start->exec_reached : NULL;
    start->child.tls = sandbox_thread_pointer();
    if (early) {
        viv_trace(VIV_TRACE_RUN, "run", "starting the instance: started early (shared memory)");
    } else {
        viv_trace(VIV_TRACE_RUN, "run", "starting the instance: cloning it%s",
                  shared ? " (shared memory)" : "");
        if (shared) {
            pid = sandbox_clone_shared(&pidfd, start, NULL);
            if (pid < 0)
                errno = -pid, pid = -1;
            if (pid < 0 && (errno == EINVAL || errno == ENOMEM))
                shared = false;
        }
        if (!shared) {
            bool into = false;
            pid = clone_instance(&pidfd, plan.into_fd, &into);
            start->child.in_v2_cgroup = into;
            start->child.exec_reached = NULL;
        }
        if (pid == 0)
            start_instance(start);
        if (pid < 0) {
            viv_fail(err, errno, "create the instance's namespaces");
            size_t n = strlen(err->msg);
            snprintf(err->msg + n, sizeof(err->msg) - n, "%s", clone_advice(err->code));
            if (err->code == EPERM || err->code == ENOSPC || err->code == EUSERS)
                rc = SANDBOX_NO_NAMESPACES;
            goto out;
        }
    }
    /* From here until the report pipe closes, a shared instance may be running beside us. */
    /* Said once the instance exists: where it cannot (SANDBOX_NO_NAMESPACES), the engine that
     * runs without namespaces plans its limits anew and says so itself. */
    if (cfg->verbose && plan.how[0])
        sandbox_note(cfg, false, "limits: %s", plan.how);
    if (plan.notes[0])
        sandbox_note(cfg, true, "%s", plan.notes);
    sandbox_pipes_close_instance_ends(&p);
    /* An instance that ended before its go (killed, out of memory) has closed the pipes written
     * to it from here, the policy's and the go's: EPIPE, told as such, rather than a SIGPIPE that
     * would end viv without a word. After the clone, which is not to inherit the setting. */
    struct sigaction ignore_sigpipe = {.sa_handler = SIG_IGN}, sigpipe;
    bool sigpipe_ignored = sigaction(SIGPIPE, &ignore_sigpipe, &sigpipe) == 0;
    /* libseccomp takes far longer to compile the policy than the kernel takes to load it: the
     * program comes from the supervisor's side, cached (compiled on a build's first run). An
     * instance that shares our memory reads it there; for any other it waits in the pipe for
     * the instance to load it when it gets there. The pipe holds more than the largest program
     * (BPF_MAXINSNS), so this never waits. */
    if (h.seccomp && shared &&
        seccomp_policy_program(h.trap, &start->child.policy, &start->child.policy_len, err) < 0)
        goto kill_early;
    if (!shared && p.flt[1] >= 0 && seccomp_policy_send(h.trap, p.flt[1], err) < 0) {
        if (err->code == EPIPE)
            viv_fail(err, 0, "the instance ended before it was given its policy");
        goto kill_early;
    }
    if (p.flt[1] >= 0)
        sandbox_sys(SYS_close, p.flt[1], 0, 0, 0);
    p.flt[1] = -1;
    /* After the go the instance is undumpable: its namespaces are ours to open only before.
     * viv-init has its own way not to wait for the teardown: it reports before it exits. */
    if (shared && sandbox_wait_mount_ns(start, pidfd, err) < 0)
        goto kill_early;
    if (!cfg->init)
        linger = sandbox_linger_take(pid, pidfd);
    /* As root, an instance started before the C library has its maps already (sandbox_early.c). */
    struct map_failure mf = {0};
    bool mapped = __atomic_load_n(&start->maps_ready, __ATOMIC_ACQUIRE);
    long went = !mapped && write_id_maps(cfg, pid, &mf) < 0
                    ? -1
                    : sandbox_sys(SYS_write, p.sync[1], (long)"g", 1, 0);
    if (sigpipe_ignored)
        sigaction(SIGPIPE, &sigpipe, NULL);
    if (went != 1) {
        sandbox_sys(SYS_kill, pid, SIGKILL, 0, 0);
        waitpid(pid, NULL, 0);
        if (mf.file)
            viv_fail(err, mf.err, "write %s '%s'", mf.file, mf.text);
        else if (!err->msg[0])
            viv_fail(err, EPIPE, "start the instance");
        goto out;
    }
    sandbox_sys(SYS_close, p.sync[1], 0, 0, 0);
    p.sync[1] = -1;

    /* Until the guest's exec closes the pipe, the instance reports notes and failures. */
    struct sandbox_setup su;
    sandbox_await_setup(cfg, p.rep[0], pid, !shared, t0, &su);
    /* The instance has exec'd or is ending: nothing of ours runs in it any more. */
    if (shared && !su.fail_status && !start->exec_reached)
        lost_in_setup(pid);
    /* A dumpable of 2 (suid_dumpable) cannot be set again: viv then stays undumpable. */
    if (shared && dumpable >= 0)
        prctl(PR_SET_DUMPABLE, dumpable);
    if (su.stopped_by) {
        /* Ended as a guest killed for the same reason would have been. */
        st->timed_out = su.stopped_by < 0;
        st->status = rc = st->timed_out ? 124 : 128 + su.stopped_by;
        st->ru = su.ru;
        sandbox_read_usage(&plan, st);
        st->wall_ns = now_ns() - t0;
        goto out;
    }
    if (!shared && !su.fail_status && !su.set_up) {
        died_in_setup(cfg, pid, &plan, copying, err);
        goto out;
    }
    if (su.fail_status) {
        waitpid(pid, NULL, 0);
        *err = su.err;
        rc = su.fail_status == SANDBOX_FAILED ? -1 : su.fail_status;
        /* A guest that could not be started (126, 127) is a run all the same: --stats tells it. */
        st->status = rc;
        st->wall_ns = now_ns() - t0;
        goto out;
    }
    viv_trace(VIV_TRACE_RUN, "run", "instance %d: the guest started", (int)pid);
    /* The ring once the guest runs, not at the go: until we sleep, the instance, on our CPU,
     * waits for it. The fd taken before the go keeps the namespace meanwhile. */
    linger = sandbox_linger_hold(linger);
    release_pages();
    int notify_fd = -1, stdio[3] = {-1, -1, -1};
    recv_handed_fds(p.sock[0], &notify_fd, &pty.master, stdio);
    if (cfg->tty && pty.master < 0) {
        viv_fail(err, EPROTO, "the instance did not hand over the guest's pty");
        if (notify_fd >= 0)
            close(notify_fd);
        for (int i = 0; i < 3; i++)
            if (stdio[i] >= 0)
                close(stdio[i]);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        goto out;
    }
    struct sandbox_supervise sup = {
        .cfg = cfg,
        .pid = pid,
        .pidfd = pidfd,
        .done_fd = p.done[0],
        .notify_fd = notify_fd,
        .pty = &pty,
        .stdio = {stdio[0], stdio[1], stdio[2]},
        .plan = &plan,
        .start_ns = t0,
    };
    rc = sandbox_supervise(&sup, st, err);
    st->wall_ns = now_ns() - t0;
    goto out;
kill_early:
    if (sigpipe_ignored)
        sigaction(SIGPIPE, &sigpipe, NULL);
    /* Taken but not let go: waiting for its go, it may be killed. */
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
out:
    sandbox_pipes_close(&p);
    if (pidfd >= 0)
        close(pidfd);
    if (linger >= 0)
        close(linger);
    pty_close(&pty);
    limits_cleanup(&plan);
    if (masked)
        sandbox_unblock_relayed(&relayed, &caller_mask);
    return rc;
}
