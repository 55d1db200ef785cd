/* sandbox_supervise.c: viv's side of a running instance: one poll loop over the instance's pidfd,
 * viv's own signals, the timeout, the seccomp listener and the pty. */
#include "sandbox.h"
#include "syscall-xlat/syscall-xlat.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* Signals to viv that belong to the guest. With -t, SIGWINCH is ours: it resizes the guest's
 * pty. */
static const int relayed[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

/* By hand, not with sigaddset: an instance started before the C library blocks them too. */
void sandbox_relayed_signals(sigset_t *set)
{
    sandbox_zero(set, sizeof(*set));
    for (size_t i = 0; i < VIV_ARRAY_SIZE(relayed); i++)
        set->__val[(relayed[i] - 1) / (8 * sizeof(set->__val[0]))] |=
            1ul << ((relayed[i] - 1) % (8 * sizeof(set->__val[0])));
}

void sandbox_unblock_relayed(const sigset_t *relayed, const sigset_t *caller_mask)
{
    /* Each arrived for an instance that is gone now (relayed already, or too late to be): taken
     * here, it does not end viv on its way to telling how the instance ended, as a timeout's
     * 124 and --stats. */
    const struct timespec now = {0, 0};
    while (sigtimedwait(relayed, NULL, &now) > 0)
        ;
    sigprocmask(SIG_SETMASK, caller_mask, NULL);
}

void sandbox_note(const struct viv_sandbox_config *cfg, bool warning, const char *fmt, ...)
{
    if (!cfg->note)
        return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cfg->note(cfg->note_ctx, warning, msg);
}

static int pidfd_signal(int pidfd, int sig)
{
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* Whether the process handles, ignores or blocks sig, from its /proc status (in doubt, yes). */
static bool takes_signal(pid_t pid, int sig)
{
    char path[64], line[128];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return true;
    bool takes = false, seen = false;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "SigBlk:", 7) && strncmp(line, "SigIgn:", 7) &&
            strncmp(line, "SigCgt:", 7))
            continue;
        seen = true;
        if ((strtoull(line + 7, NULL, 16) >> (sig - 1)) & 1)
            takes = true;
    }
    fclose(f);
    return takes || !seen;
}

/* Without --init the entrypoint is its namespace's pid 1, to which the kernel delivers only the
 * signals it handles: a SIGTERM it leaves at its default would be dropped, though viv was asked
 * to end it. For such a signal the instance is killed instead (SIGKILL: the whole namespace),
 * and viv's status says which signal it was, as it would for a guest that died of it. Whether
 * that was done. */
static bool end_for(const struct sandbox_supervise *s, int sig, int *ended_by)
{
    if (s->cfg->init || !viv_signal_ends_by_default(sig) || takes_signal(s->pid, sig))
        return false;
    if (!*ended_by)
        *ended_by = sig;
    pidfd_signal(s->pidfd, SIGKILL);
    return true;
}

/* One of viv's signals, to the guest. */
static void relay_signal(const struct sandbox_supervise *s, int sig, int *ended_by)
{
    if (!end_for(s, sig, ended_by))
        pidfd_signal(s->pidfd, sig);
}

/* Ctrl-C or Ctrl-\ typed at -t's terminal, which the pty turns into SIGINT or SIGQUIT for its
 * foreground process group. When that group is pid 1's own and pid 1 leaves the signal at its
 * default, the kernel would drop it: the instance ends instead, as under --init. */
static void pty_interrupts(const struct sandbox_supervise *s, const char *buf, size_t len,
                           int *ended_by)
{
    struct termios tio;
    if (s->cfg->init || tcgetattr(s->pty->master, &tio) < 0 || !(tio.c_lflag & ISIG) ||
        tcgetpgrp(s->pty->master) != s->pid)
        return;
    for (size_t i = 0; i < len; i++) {
        int sig = buf[i] == (char)tio.c_cc[VINTR]   ? SIGINT
                  : buf[i] == (char)tio.c_cc[VQUIT] ? SIGQUIT
                                                    : 0;
        /* The byte goes on to the pty either way: a pid 1 that handles it gets it from there. */
        if (sig && tio.c_cc[sig == SIGINT ? VINTR : VQUIT] != _POSIX_VDISABLE) {
            end_for(s, sig, ended_by);
            return;
        }
    }
}

/* Write all of buf even to a non-blocking fd (the pty master is one): wait while it is full. */
static bool write_full(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {.fd = fd, .events = POLLOUT};
            poll(&p, 1, 100);
            continue;
        }
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

/* Copy what is available from one fd to another; false at end of input. */
static bool relay(int from, int to)
{
    char buf[16384];
    ssize_t n = read(from, buf, sizeof(buf));
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return true;
    if (n <= 0)
        return false; /* EOF, or EIO once the pty's last user is gone */
    return write_full(to, buf, (size_t)n);
}

/* What is left of the guest's output once it has ended: its writers are gone or blocked, so
 * nothing more is coming than what is there now. */
static void drain(int from, int to)
{
    struct pollfd one = {.fd = from, .events = POLLIN};
    while (from >= 0 && poll(&one, 1, 0) > 0 && relay(from, to))
        ;
}

enum {
    FD_PID,
    FD_DONE,
    FD_SIG,
    FD_TIMER,
    FD_NOTIFY,
    FD_STDIN,
    FD_MASTER,
    FD_GUEST_IN,  /* without -t: the pipe that is the guest's stdin */
    FD_GUEST_OUT, /* and those of its stdout and stderr */
    FD_GUEST_ERR,
    FD_COUNT
};

/* pid 1's last word, once it is written or pid 1 is gone (a short read: it was killed). */
static bool read_done(int fd, struct sandbox_done *d)
{
    ssize_t n;
    while ((n = read(fd, d, sizeof(*d))) < 0 && errno == EINTR)
        ;
    return n == (ssize_t)sizeof(*d);
}

/* A timerfd that fires when --timeout, counted from start_ns, is over; -1 with errno. */
static int timeout_fd(const struct viv_sandbox_config *cfg, uint64_t start_ns)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    uint64_t at = start_ns + cfg->timeout_ms * 1000000u;
    struct itimerspec its = {
        .it_value = {.tv_sec = (time_t)(at / 1000000000u), .tv_nsec = (long)(at % 1000000000u)}};
    if (fd >= 0 && timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

/* One record of the report pipe into out; false at its end. */
static bool read_report(const struct viv_sandbox_config *cfg, int fd, struct sandbox_setup *out)
{
    struct sandbox_report r;
    long n;
    /* By hand: an instance that shares viv's memory shares errno too. */
    while ((n = sandbox_sys(SYS_read, fd, (long)&r, sizeof(r), 0)) == -EINTR)
        ;
    if (n != (long)sizeof(r))
        return false;
    if (r.type == SANDBOX_REPORT_NOTE) {
        sandbox_note(cfg, false, "%s", r.err.msg);
    } else if (r.type == SANDBOX_REPORT_SET_UP) {
        out->set_up = true;
    } else if (!out->fail_status) {
        out->fail_status = r.status; /* 125 for a set-up that failed, 126 or 127 for the exec */
        out->err = r.err;
    }
    return true;
}

void sandbox_await_setup(const struct viv_sandbox_config *cfg, int rep_fd, pid_t pid,
                         bool interruptible, uint64_t start_ns, struct sandbox_setup *out)
{
    memset(out, 0, sizeof(*out));
    /* Made only here: a launch that cannot be interrupted (the common one) pays for no more
     * than its reads. */
    sigset_t ending;
    sigemptyset(&ending);
    for (int i = 0; i < 4; i++)
        sigaddset(&ending, relayed[i]); /* SIGINT, SIGTERM, SIGHUP, SIGQUIT */
    _cleanup_close_ int sfd =
        interruptible ? signalfd(-1, &ending, SFD_CLOEXEC | SFD_NONBLOCK) : -1;
    _cleanup_close_ int tfd = sfd >= 0 && cfg->timeout_ms ? timeout_fd(cfg, start_ns) : -1;
    struct pollfd p[3] = {{.fd = rep_fd, .events = POLLIN},
                          {.fd = sfd, .events = POLLIN},
                          {.fd = tfd, .events = POLLIN}};
    for (;;) {
        if (sfd >= 0 && poll(p, 3, -1) < 0)
            continue; /* EINTR: nothing of ours is caught, but a stop and continue may do it */
        /* What the instance reported comes first: a guest that has started is the
         * supervisor's to signal, and its timeout too. */
        if (sfd < 0 || p[0].revents) {
            if (!read_report(cfg, rep_fd, out))
                return;
            continue;
        }
        struct signalfd_siginfo si;
        if (p[1].revents && read(sfd, &si, sizeof(si)) == sizeof(si))
            out->stopped_by = (int)si.ssi_signo;
        else if (p[2].revents)
            out->stopped_by = -1;
        else
            continue;
        kill(pid, SIGKILL);
        while (wait4(pid, &out->status, 0, &out->ru) < 0 && errno == EINTR)
            ;
        return;
    }
}

void sandbox_read_usage(const struct viv_limits_plan *plan, struct viv_run_stats *st)
{
    limits_read_usage(plan, &st->peak_memory, &st->oom_killed);
    if (st->peak_memory) {
        st->peak_source = "cgroup";
    } else {
        /* ru_maxrss (KiB) of init and the descendants it reaped: the largest single process. */
        st->peak_memory = (uint64_t)st->ru.ru_maxrss * 1024u;
        st->peak_source = "largest process";
    }
}

static bool has_cgroup(const struct viv_limits_plan *plan)
{
    for (int c = 0; c < VIV_CG_COUNT; c++)
        if (plan && plan->dir[c])
            return true;
    return false;
}

int sandbox_supervise(struct sandbox_supervise *s, struct viv_run_stats *st, struct viv_error *err)
{
    const struct viv_sandbox_config *cfg = s->cfg;
    int rc = -1;
    struct xlat_trap *trap = NULL;
    struct sandbox_done done;
    bool reported = false;
    int ended_by = 0; /* the signal of viv's that the instance was killed for */
    bool tty = s->pty && s->pty->master >= 0;
    /* Input for a guest that has closed its stdin is EPIPE, not a SIGPIPE that ends viv. */
    struct sigaction ignore_sigpipe = {.sa_handler = SIG_IGN}, sigpipe;
    bool sigpipe_ignored = s->stdio[0] >= 0 && sigaction(SIGPIPE, &ignore_sigpipe, &sigpipe) == 0;
    for (int i = 0; i < 3; i++)
        if (s->stdio[i] >= 0)
            fcntl(s->stdio[i], F_SETFL, O_NONBLOCK);
    sigset_t mask, old;
    sandbox_relayed_signals(&mask);
    sigprocmask(SIG_BLOCK, &mask, &old);
    _cleanup_close_ int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    _cleanup_close_ int tfd = -1;
    if (sfd < 0) {
        viv_fail(err, errno, "signalfd");
        goto kill;
    }
    if (cfg->timeout_ms && (tfd = timeout_fd(cfg, s->start_ns)) < 0) {
        viv_fail(err, errno, "--timeout: timerfd");
        goto kill;
    }
    if (s->notify_fd >= 0) {
        struct xlat_trap_config tc = {
            .rootless = cfg->rootless, .mapped_uid = cfg->uid, .mapped_gid = cfg->gid};
        if (xlat_trap_open(s->notify_fd, &tc, &trap, err) < 0) {
            close(s->notify_fd);
            goto kill;
        }
        s->notify_fd = -1;
    }
    if (tty) {
        /* Raw only where the keys go to the guest (-i): under -t alone they are not read, and
         * the caller's terminal must still turn Ctrl-C into the SIGINT that viv relays. */
        if (cfg->interactive)
            pty_raw(s->pty);
        fcntl(s->pty->master, F_SETFL, O_NONBLOCK);
        /* A window change between the clone (which took the first size) and here found
         * SIGWINCH not yet ours. */
        pty_resize(s->pty);
    }

    struct pollfd p[FD_COUNT];
    for (int i = 0; i < FD_COUNT; i++)
        p[i] = (struct pollfd){.fd = -1, .events = POLLIN};
    p[FD_PID].fd = s->pidfd;
    p[FD_DONE].fd = s->done_fd;
    p[FD_SIG].fd = sfd;
    p[FD_TIMER].fd = tfd;
    p[FD_NOTIFY].fd = trap ? xlat_trap_fd(trap) : -1;
    /* Input for the guest waits here while its pty is full, so that a guest that does not read
     * never blocks the loop (and with it signals and --timeout). */
    struct {
        char buf[4096];
        size_t off, len;
    } in = {.off = 0, .len = 0};
    bool stdin_open = (tty && cfg->interactive) || s->stdio[0] >= 0;
    int in_to = tty ? s->pty->master : s->stdio[0];
    p[FD_MASTER].fd = tty ? s->pty->master : -1;
    p[FD_GUEST_OUT].fd = s->stdio[1];
    p[FD_GUEST_ERR].fd = s->stdio[2];
    for (;;) {
        p[FD_STDIN].fd = stdin_open && in.len == 0 ? STDIN_FILENO : -1;
        p[FD_MASTER].events = POLLIN | (in.len ? POLLOUT : 0);
        p[FD_GUEST_IN].fd = !tty && in.len ? in_to : -1;
        p[FD_GUEST_IN].events = POLLOUT;
        if (poll(p, FD_COUNT, -1) < 0) {
            if (errno == EINTR)
                continue;
            viv_fail(err, errno, "poll");
            goto kill;
        }
        if (p[FD_SIG].revents & POLLIN) {
            struct signalfd_siginfo si;
            while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
                /* Without -t the guest may share the caller's terminal: it gets SIGWINCH as
                 * it would there. */
                if (si.ssi_signo == SIGWINCH && tty)
                    pty_resize(s->pty);
                else
                    relay_signal(s, (int)si.ssi_signo, &ended_by);
            }
        }
        if (p[FD_TIMER].revents & POLLIN) {
            /* The whole instance: killing pid 1 of a pid namespace kills every process in it. */
            st->timed_out = true;
            pidfd_signal(s->pidfd, SIGKILL);
            p[FD_TIMER].fd = -1;
        }
        if (p[FD_NOTIFY].revents & POLLIN) {
            if (xlat_trap_serve(trap, err) < 0)
                goto kill;
        } else if (p[FD_NOTIFY].revents & (POLLHUP | POLLERR)) {
            p[FD_NOTIFY].fd = -1; /* every filtered task is gone */
        }
        if (p[FD_STDIN].revents & (POLLIN | POLLHUP | POLLERR)) {
            ssize_t n = read(STDIN_FILENO, in.buf, sizeof(in.buf));
            if (n > 0) {
                in.off = 0;
                in.len = (size_t)n;
                if (tty)
                    pty_interrupts(s, in.buf, in.len, &ended_by);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                stdin_open = false;
                /* The guest's end of input, where it reads a pipe of ours. */
                if (!tty) {
                    sandbox_close_raw(&s->stdio[0]);
                    in_to = -1;
                }
            }
        }
        if (in.len && (p[tty ? FD_MASTER : FD_GUEST_IN].revents & (POLLOUT | POLLERR))) {
            ssize_t n = write(in_to, in.buf + in.off, in.len);
            if (n > 0) {
                in.off += (size_t)n;
                in.len -= (size_t)n;
            } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
                in.len = 0;
                stdin_open = false;
            }
        }
        if (p[FD_MASTER].revents & (POLLIN | POLLHUP | POLLERR))
            if (!relay(s->pty->master, STDOUT_FILENO))
                p[FD_MASTER].fd = -1;
        for (int i = FD_GUEST_OUT; i <= FD_GUEST_ERR; i++)
            if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
                if (!relay(p[i].fd, i == FD_GUEST_OUT ? STDOUT_FILENO : STDERR_FILENO))
                    p[i].fd = -1;
        if (p[FD_DONE].revents & (POLLIN | POLLHUP | POLLERR)) {
            reported = read_done(s->done_fd, &done);
            if (reported)
                break;
            p[FD_DONE].fd = -1; /* killed before its last word: the pidfd tells */
        }
        if (p[FD_PID].revents & POLLIN) {
            if (p[FD_DONE].fd >= 0)
                reported = read_done(s->done_fd, &done);
            break;
        }
    }
    /* What the guest wrote just before it ended is still in the pty, or in the pipes. */
    drain(p[FD_MASTER].fd, STDOUT_FILENO);
    drain(p[FD_GUEST_OUT].fd, STDOUT_FILENO);
    drain(p[FD_GUEST_ERR].fd, STDERR_FILENO);
    rc = 0;
kill:
    if (rc < 0)
        pidfd_signal(s->pidfd, SIGKILL);
    viv_trace(VIV_TRACE_RUN, "run", "instance %d: ended", (int)s->pid);
    int status = 0;
    /* With pid 1's last word, nothing of the guest is left: what remains of pid 1's exit is the
     * kernel's, except that a cgroup can only go once pid 1 has left it. */
    if (rc < 0 || !reported || has_cgroup(s->plan)) {
        struct rusage ru;
        while (wait4(s->pid, &status, 0, &ru) < 0 && errno == EINTR)
            ;
        viv_trace(VIV_TRACE_RUN, "run", "instance %d: reaped", (int)s->pid);
        if (!reported)
            st->ru = ru;
    }
    if (reported)
        st->ru = done.ru;
    if (tty)
        pty_close(s->pty);
    for (int i = 0; i < 3; i++)
        sandbox_close_raw(&s->stdio[i]);
    if (sigpipe_ignored)
        sigaction(SIGPIPE, &sigpipe, NULL);
    sigprocmask(SIG_SETMASK, &old, NULL);
    st->trapped = xlat_trap_count(trap);
    xlat_trap_close(trap);
    sandbox_read_usage(s->plan, st);
    if (rc < 0)
        return -1;
    if (reported)
        st->status = done.status;
    else if (WIFEXITED(status))
        st->status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && ended_by)
        st->status = 128 + ended_by;
    else if (WIFSIGNALED(status))
        st->status = 128 + WTERMSIG(status);
    if (st->timed_out)
        st->status = 124;
    return st->status;
}
