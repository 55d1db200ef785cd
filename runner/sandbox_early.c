/* sandbox_early.c: an instance started while the catalog is still being read. Its clone, and what
 * it does before its go (starting the aide, whose namespaces are the longest part of a launch),
 * take about as long as finding the image, reading its manifest and building the configuration;
 * done first, the two overlap. Until its go the instance runs system calls by hand alone and
 * reads nothing the supervisor has not set before the clone (sandbox_init.c): the supervisor
 * beside it is in the C library, and fills in the rest of the instance's start meanwhile. So it
 * may be killed at any point before its go, which is what becomes of it when the image asks for
 * something else: another mode, limits, viv-init, another policy. */
#include "sandbox.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <sys/single_threaded.h>
#include <sys/wait.h>

/* One per viv process: its start lives here, in the memory the instance shares. */
static struct {
    bool started;
    pid_t pid;
    int pidfd;
    struct sandbox_early_hints hints;
    struct sandbox_pipes pipes;
    struct sandbox_start start;
} early;

void sandbox_early_start(const struct sandbox_early_hints *h)
{
    if (early.started || !__libc_single_threaded)
        return;
    /* Where the CPUs are oversubscribed, one more task beside us and the catalog only queues
     * behind what holds them, and each of its hand-offs waits for a CPU. Measured on two CPUs,
     * started early against not: 21% slower with four busy processes, but 6% faster with two,
     * and 25% faster on an idle machine. Busy: more tasks runnable this instant than twice the
     * CPUs, or a load average of the last minute that reaches their number. Not fewer: launches
     * back to back leave the teardown of the one before to kernel workers, which made one in
     * seven of them see three to six runnable tasks and go without. */
    cpu_set_t cpus;
    int load1, running = sandbox_running_tasks(&load1);
    if (sched_getaffinity(0, sizeof(cpus), &cpus) < 0 || running > 2 * CPU_COUNT(&cpus) ||
        load1 >= 100 * CPU_COUNT(&cpus)) {
        viv_trace(VIV_TRACE_RUN, "run", "not started early: %d tasks runnable, load %d.%02d",
                  running, load1 / 100, load1 % 100);
        return;
    }
    struct sandbox_pipes *p = &early.pipes;
    /* An instance started early execs its guest: no viv-init, no engine (sandbox_early_take). */
    if (sandbox_pipes_open(p, h, false) < 0)
        return;
    /* The instance starts with the relayed signals blocked, as sandbox_run's would; viv itself
     * keeps its own mask until then, so that Ctrl-C still ends a slow catalog lookup. */
    sigset_t relayed, caller;
    sandbox_relayed_signals(&relayed);
    sigprocmask(SIG_BLOCK, &relayed, &caller);
    sandbox_start_init(&early.start, p, &caller, h, sandbox_getcpu());
    early.start.child.has_cpus = true;
    early.start.child.cpus = cpus;
    early.pidfd = -1;
    early.pid = sandbox_clone_shared(&early.pidfd, &early.start);
    sigprocmask(SIG_SETMASK, &caller, NULL);
    if (early.pid <= 0) {
        sandbox_pipes_close(p);
        return;
    }
    /* Started on another CPU than ours, which the catalog lookup is about to keep busy: left to
     * itself the kernel may queue it behind us, and nothing would overlap. Before it has run, the
     * move costs next to nothing; it takes the CPUs viv may use back from has_cpus. */
    int self = sandbox_getcpu();
    if (self >= 0 && CPU_COUNT(&cpus) > 1) {
        cpu_set_t others = cpus;
        CPU_CLR(self, &others);
        sched_setaffinity(early.pid, sizeof(others), &others);
    }
    /* The instance's ends are its own now; the policy's write end stays ours: the policy goes
     * in once the image is known. */
    sandbox_pipes_close_instance_ends(p);
    early.hints = *h;
    early.started = true;
    viv_trace(VIV_TRACE_RUN, "run", "instance %d started early", (int)early.pid);
}

bool sandbox_early_take(const struct sandbox_early_hints *want, struct sandbox_pipes *p, pid_t *pid,
                        int *pidfd, struct sandbox_start **start)
{
    if (!early.started)
        return false;
    /* A network namespace made and not wanted is left unjoined; one wanted and not made is not
     * there to join. */
    const struct sandbox_early_hints *h = &early.hints;
    if (h->seccomp != want->seccomp || h->trap != want->trap || h->tty != want->tty ||
        (want->netns && !h->netns)) {
        sandbox_early_cancel();
        return false;
    }
    *p = early.pipes;
    *pid = early.pid;
    *pidfd = early.pidfd;
    *start = &early.start;
    early.started = false;
    return true;
}

void sandbox_early_cancel(void)
{
    if (!early.started)
        return;
    early.started = false;
    kill(early.pid, SIGKILL);
    while (waitpid(early.pid, NULL, 0) < 0 && errno == EINTR)
        ;
    close(early.pidfd);
    sandbox_pipes_close(&early.pipes);
    viv_trace(VIV_TRACE_RUN, "run", "instance %d started early: not used, killed", (int)early.pid);
}
