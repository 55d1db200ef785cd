/* sandbox_spawn.c: start one native instance: clone into new namespaces, write its id maps, put
 * it in its cgroup, collect what it reports until the guest's exec, then supervise it. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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

static int write_proc(pid_t pid, const char *file, const char *text, struct viv_error *err)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
        return viv_fail(err, errno, "write %s '%s'", file, text);
    return 0;
}

/* The id maps, written from outside as the kernel requires. Rootless, the guest's uid and gid
 * map to the caller's and nothing else can be mapped (setgroups must be denied first). As root,
 * ids 0-65535 map to themselves so the image's files keep their owners; the guest's capabilities
 * are still only those of its own namespace. */
static int write_id_maps(const struct viv_sandbox_config *cfg, pid_t pid, struct viv_error *err)
{
    char map[64];
    if (cfg->rootless) {
        if (write_proc(pid, "setgroups", "deny", err) < 0)
            return -1;
        snprintf(map, sizeof(map), "%u %u 1", (unsigned)cfg->uid, (unsigned)getuid());
        if (write_proc(pid, "uid_map", map, err) < 0)
            return -1;
        snprintf(map, sizeof(map), "%u %u 1", (unsigned)cfg->gid, (unsigned)getgid());
        return write_proc(pid, "gid_map", map, err);
    }
    if (write_proc(pid, "uid_map", "0 0 65536", err) < 0)
        return -1;
    return write_proc(pid, "gid_map", "0 0 65536", err);
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
static void recv_handed_fds(int sock, int *notify_fd, int *pty_master)
{
    char tag;
    int fd;
    while (sock >= 0 && (fd = recv_fd(sock, &tag)) >= 0) {
        int *slot = tag == SANDBOX_FD_NOTIFY ? notify_fd
                    : tag == SANDBOX_FD_PTY  ? pty_master
                                             : NULL;
        if (slot && *slot < 0)
            *slot = fd;
        else
            close(fd);
    }
}

static pid_t clone_instance(int *pidfd)
{
    /* The cgroup namespace comes later, from inside, once the instance is in its own cgroup:
     * that cgroup is then the root the guest sees. The network namespace too, made while the
     * instance builds its root (sandbox_aide.c). */
    uint64_t flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS;
    struct clone_args args = {
        .flags = flags | CLONE_PIDFD,
        .pidfd = (uint64_t)(uintptr_t)pidfd,
        .exit_signal = SIGCHLD,
    };
    /* clone3 hands back a pidfd atomically: signals and waits can never hit a recycled pid. */
    pid_t pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
    if (pid < 0 && errno == ENOSYS) {
        pid = (pid_t)syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid > 0)
            *pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    }
    return pid;
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
    int pidfd = -1, sync[2] = {-1, -1}, rep[2] = {-1, -1}, sock[2] = {-1, -1};
    int flt[2] = {-1, -1}, done[2] = {-1, -1}, linger = -1;
    struct viv_pty pty = {.master = -1};
    struct viv_limits_plan plan;
    memset(&plan, 0, sizeof(plan));
    plan.mount_fd = -1;
    sigset_t caller_mask;
    bool masked = false;
    /* Checked now for an early, plain error; opened again inside the instance's mount namespace,
     * where mounts must be made (a mount of the host's namespace cannot be a target there). */
    struct stat sb;
    if (stat(cfg->rootfs, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        viv_fail(err, errno ? errno : ENOTDIR, "the image's checkout %s", cfg->rootfs);
        goto out;
    }
    for (size_t i = 0; i < cfg->nbinds; i++) {
        if (stat(cfg->binds[i].host, &sb) < 0) {
            viv_fail(err, errno, "-v %s", cfg->binds[i].host);
            goto out;
        }
    }
    if (limits_prepare(cfg, instance, true, &plan, err) < 0)
        goto out;
    /* -t: the instance allocates the pty in its own devpts, sized as the caller's terminal. */
    struct winsize ws;
    bool has_ws = cfg->tty && pty_caller_size(&ws);
    bool trap = sandbox_traps_ids(cfg);
    if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 || pipe2(done, O_CLOEXEC) < 0 ||
        (cfg->seccomp && pipe2(flt, O_CLOEXEC) < 0) ||
        ((trap || cfg->tty) && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)) {
        viv_fail(err, errno, "create pipes");
        goto out;
    }
    sigset_t relayed;
    sandbox_relayed_signals(&relayed);
    sigprocmask(SIG_BLOCK, &relayed, &caller_mask);
    masked = true;
    viv_trace(VIV_TRACE_RUN, "run", "cloning the instance");
    pid = clone_instance(&pidfd);
    if (pid == 0) {
        close(sync[1]);
        close(rep[0]);
        close(done[0]);
        if (flt[1] >= 0)
            close(flt[1]);
        if (sock[0] >= 0)
            close(sock[0]);
        struct sandbox_child child = {
            .cfg = cfg,
            .plan = &plan,
            .sync_fd = sync[0],
            .report_fd = rep[1],
            .sock_fd = sock[1],
            .filter_fd = flt[0],
            .done_fd = done[1],
            .caller_mask = caller_mask,
            .has_winsize = has_ws,
        };
        if (has_ws)
            child.winsize = ws;
        sandbox_child_main(&child);
    }
    if (pid < 0) {
        viv_fail(err, errno, "create the instance's namespaces");
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof(err->msg) - n, "%s", clone_advice(err->code));
        if (err->code == EPERM || err->code == ENOSPC || err->code == EUSERS)
            rc = SANDBOX_NO_NAMESPACES;
        goto out;
    }
    /* Said once the instance exists: where it cannot (SANDBOX_NO_NAMESPACES), the engine that
     * runs without namespaces plans its limits anew and says so itself. */
    if (cfg->verbose && plan.how[0])
        sandbox_note(cfg, false, "limits: %s", plan.how);
    if (plan.notes[0])
        sandbox_note(cfg, true, "%s", plan.notes);
    close(sync[0]);
    close(rep[1]);
    close(done[1]);
    sync[0] = rep[1] = done[1] = -1;
    if (flt[0] >= 0) {
        close(flt[0]);
        flt[0] = -1;
    }
    if (sock[1] >= 0) {
        close(sock[1]);
        sock[1] = -1;
    }
    /* viv-init has its own way not to wait for the teardown: it reports before it exits. */
    if (!cfg->init)
        linger = sandbox_linger_open(pid);
    if (write_id_maps(cfg, pid, err) < 0 || limits_attach(&plan, pid, err) < 0 ||
        write(sync[1], "g", 1) != 1) {
        if (!err->msg[0])
            viv_fail(err, errno, "start the instance");
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        goto out;
    }
    close(sync[1]);
    sync[1] = -1;
    viv_trace(VIV_TRACE_RUN, "run", "instance %d: id maps written, released", (int)pid);
    /* libseccomp takes far longer to compile the policy than the kernel takes to load it: the
     * program comes from the supervisor's side (cached, or compiled while the instance builds
     * its root), and the instance loads it when it gets there. The pipe holds more than the
     * largest program (BPF_MAXINSNS), so this never waits for the instance. */
    if (flt[1] >= 0) {
        if (seccomp_policy_send(trap, flt[1], err) < 0) {
            if (err->code != EPIPE) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                goto out;
            }
            /* The instance ended before it read the policy: its report says why. */
            viv_error_clear(err);
        }
        close(flt[1]);
        flt[1] = -1;
    }

    /* Until the guest's exec closes the pipe, the instance reports notes and failures. */
    struct sandbox_report r;
    int fail_status = 0;
    for (;;) {
        ssize_t n = read(rep[0], &r, sizeof(r));
        if (n < 0 && errno == EINTR)
            continue;
        if (n != (ssize_t)sizeof(r))
            break;
        if (r.type == SANDBOX_REPORT_NOTE) {
            sandbox_note(cfg, false, "%s", r.err.msg);
        } else if (!fail_status) {
            fail_status = r.type == SANDBOX_REPORT_EXEC ? r.status : SANDBOX_FAILED;
            *err = r.err;
        }
    }
    if (fail_status) {
        waitpid(pid, NULL, 0);
        rc = fail_status == SANDBOX_FAILED ? -1 : fail_status;
        goto out;
    }
    viv_trace(VIV_TRACE_RUN, "run", "instance %d: the guest started", (int)pid);
    int notify_fd = -1;
    recv_handed_fds(sock[0], &notify_fd, &pty.master);
    if (cfg->tty && pty.master < 0) {
        viv_fail(err, EPROTO, "the instance did not hand over the guest's pty");
        if (notify_fd >= 0)
            close(notify_fd);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        goto out;
    }
    struct sandbox_supervise sup = {
        .cfg = cfg,
        .pid = pid,
        .pidfd = pidfd,
        .done_fd = done[0],
        .notify_fd = notify_fd,
        .pty = &pty,
        .plan = &plan,
        .start_ns = t0,
    };
    rc = sandbox_supervise(&sup, st, err);
    st->wall_ns = now_ns() - t0;
out:;
    int fds[] = {pidfd,  sync[0], sync[1], rep[0],  rep[1], sock[0],
                 sock[1], flt[0], flt[1],  done[0], done[1], linger};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(fds); i++)
        if (fds[i] >= 0)
            close(fds[i]);
    pty_close(&pty);
    limits_cleanup(&plan);
    if (masked)
        sigprocmask(SIG_SETMASK, &caller_mask, NULL);
    return rc;
}
