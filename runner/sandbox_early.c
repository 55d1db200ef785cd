/* sandbox_early.c: an instance started while the catalog is still being read. Its clone, and what
 * it does before its go (starting the aide, whose namespaces are the longest part of a launch),
 * take about as long as finding the image, reading its manifest and building the configuration;
 * done first, the two overlap. Until its go the instance runs system calls by hand alone and
 * reads nothing the supervisor has not set before the clone (sandbox_init.c): the supervisor
 * beside it is in the C library, and fills in the rest of the instance's start meanwhile. So it
 * may be killed at any point before its go, which is what becomes of it when the image asks for
 * something else: another mode, limits, viv-init, another policy.
 *
 * Earliest of all, it is started from viv's entry point, before the C library's own start
 * (sandbox_prestart): the C library takes a third of a millisecond to start here (it asks the
 * CPU a few dozen questions, each of which traps to the hypervisor), while the other CPU stands
 * idle; the instance's network namespace is made meanwhile. Code that runs there reads no
 * pointer the C library has yet to relocate, calls none of its functions that are chosen at
 * start-up (memset, memcpy, strlen...) and has a stand-in thread pointer. */
#include "sandbox.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* One per viv process: its start lives here, in the memory the instance shares. */
static struct {
    bool started;
    bool before_main; /* tried by sandbox_prestart; sandbox_early_start has not looked yet */
    bool maps_failed; /* sandbox_prestart could not write the id maps: not to be used */
    int busy_running, busy_load;
    pid_t pid;
    int pidfd;
    struct sandbox_early_hints hints;
    struct sandbox_pipes pipes;
    struct sandbox_start start;
} early;

/* The thread pointer of an instance started before the C library: the stack protector's canary
 * at 0x28 of it, the C library's per-thread variables below it (read as zeros, never used). */
static struct {
    char below[4096];
    void *tcb[16];
} before_libc_tls __attribute__((aligned(64)));

/* The clone, by system calls alone. false where the CPUs are busy or the kernel refuses. tls:
 * the instance's thread pointer until its go, where the C library has not started (then its
 * writable pages are faulted in first, see sandbox_spawn.c), else NULL. */
static bool early_clone(const struct sandbox_early_hints *h, void *tls)
{
    /* Where the CPUs are oversubscribed, one more task beside us and the catalog only queues
     * behind what holds them, and each of its hand-offs waits for a CPU. Measured on two CPUs,
     * started early against not: 21% slower with four busy processes, but 6% faster with two,
     * and 25% faster on an idle machine. Busy: more tasks runnable this instant than twice the
     * CPUs, or a load average of the last minute that reaches their number. Not fewer: launches
     * back to back leave the teardown of the one before to kernel workers, which made one in
     * seven of them see three to six runnable tasks and go without. */
    cpu_set_t cpus;
    int load1, running = sandbox_running_tasks(&load1);
    if (sandbox_sys(SYS_sched_getaffinity, 0, sizeof(cpus), (long)&cpus, 0) < 0 ||
        running > 2 * CPU_COUNT(&cpus) || load1 >= 100 * CPU_COUNT(&cpus)) {
        early.busy_running = running;
        early.busy_load = load1;
        return false;
    }
    struct sandbox_pipes *p = &early.pipes;
    /* An instance started early execs its guest: no viv-init, no engine (sandbox_early_take). */
    if (sandbox_pipes_open(p, h, false, false) < 0)
        return false;
    /* The instance starts with the relayed signals blocked, as sandbox_run's would; viv itself
     * keeps its own mask until then, so that Ctrl-C still ends a slow catalog lookup. */
    sigset_t relayed, caller;
    sandbox_relayed_signals(&relayed);
    sandbox_sys(SYS_rt_sigprocmask, SIG_BLOCK, (long)&relayed, (long)&caller, _NSIG / 8);
    bool rootless = sandbox_sys(SYS_geteuid, 0, 0, 0, 0) != 0;
    sandbox_start_init(&early.start, p, &caller, h, sandbox_getcpu(), rootless);
    /* As root the id maps are the same for every run: before the C library, they are written
     * right after the clone (sandbox_prestart). */
    early.start.child.maps_before_go = tls && !rootless;
    early.start.child.has_cpus = true;
    early.start.child.cpus = cpus;
    early.pidfd = -1;
    size_t seg = 0;
    if (tls)
        sandbox_image_segment(&seg, true, &early.start.prefault_at, &early.start.prefault_len);
    early.pid = sandbox_clone_shared(&early.pidfd, &early.start, tls);
    sandbox_sys(SYS_rt_sigprocmask, SIG_SETMASK, (long)&caller, 0, _NSIG / 8);
    if (early.pid <= 0) {
        sandbox_pipes_close(p);
        return false;
    }
    /* Started on another CPU than ours, which the catalog lookup is about to keep busy: left to
     * itself the kernel may queue it behind us, and nothing would overlap. Before it has run, the
     * move costs next to nothing; it takes the CPUs viv may use back from has_cpus. */
    int self = sandbox_getcpu();
    if (self >= 0 && CPU_COUNT(&cpus) > 1) {
        cpu_set_t others = cpus;
        CPU_CLR(self, &others);
        sandbox_sys(SYS_sched_setaffinity, early.pid, sizeof(others), (long)&others, 0);
    }
    /* The instance's ends are its own now; the policy's write end stays ours: the policy goes
     * in once the image is known. */
    sandbox_pipes_close_instance_ends(p);
    early.hints = *h;
    early.started = true;
    return true;
}

/* Whether an instance started with have serves a run that wants want. A network namespace made
 * and not wanted is left unjoined; one wanted and not made is not there to join. */
static bool hints_fit(const struct sandbox_early_hints *have,
                      const struct sandbox_early_hints *want)
{
    return have->seccomp == want->seccomp && have->trap == want->trap && have->tty == want->tty &&
           (have->netns || !want->netns);
}

/* Whether the instance started early serves a run that wants want. */
static bool early_fits(const struct sandbox_early_hints *want)
{
    return hints_fit(&early.hints, want) && !early.maps_failed;
}

static void trace_busy(void)
{
    if (early.busy_running || early.busy_load)
        viv_trace(VIV_TRACE_RUN, "run", "not started early: %d tasks runnable, load %d.%02d",
                  early.busy_running, early.busy_load / 100, early.busy_load % 100);
}

void sandbox_early_start(const struct sandbox_early_hints *h)
{
    if (early.before_main) {
        /* Tried from the entry point: kept if it guessed right; not tried again if the machine
         * was busy or the kernel refused, a moment ago. */
        early.before_main = false;
        if (early.started && early_fits(h)) {
            viv_trace(VIV_TRACE_RUN, "run", "instance %d started early, before main",
                      (int)early.pid);
            return;
        }
        if (!early.started) {
            trace_busy();
            return;
        }
        sandbox_early_cancel();
    }
    if (early.started || !__libc_single_threaded)
        return;
    if (!early_clone(h, NULL)) {
        trace_busy();
        return;
    }
    viv_trace(VIV_TRACE_RUN, "run", "instance %d started early", (int)early.pid);
}

/* Before the C library: no strcmp. */
static bool equal(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

static bool starts_with(const char *s, const char *prefix)
{
    while (*prefix && *s == *prefix)
        s++, prefix++;
    return !*prefix;
}

/* Whether the command line is `viv [--global...] run ...` with nothing that would rule out, or
 * change the hints of, an instance started early: a guess, which cmd_run's start_early checks
 * once the flags are parsed (a wrong one costs the instance's cancelling). Any word of the
 * command line counts, the guest's own arguments too: one they rule out only goes without. */
static bool likely_native_run(int argc, char **argv, char **envp)
{
    int i = 1;
    while (i < argc && starts_with(argv[i], "--"))
        i++;
    if (i >= argc || !equal(argv[i], "run"))
        return false;
    for (char **e = envp; *e; e++)
        if (starts_with(*e, "VIV_MODE=") && !equal(*e, "VIV_MODE=") &&
            !equal(*e, "VIV_MODE=native") && !equal(*e, "VIV_MODE=auto"))
            return false;
    static const char ruled_out[][16] = {
        "--init",      "--memory", "--pids-limit", "--cpus",     "--limits", "--mode=vm",
        "--mode=xlat", "vm",       "xlat",         "--tty",      "--help",   "--network=host",
        "--net=host",  "host",     "--seccomp",    "unconfined",
    };
    for (i++; i < argc; i++) {
        const char *a = argv[i];
        for (size_t k = 0; k < VIV_ARRAY_SIZE(ruled_out); k++)
            if (starts_with(a, ruled_out[k]))
                return false;
        /* -t among short flags (-it); .viv files are imported first. */
        if (a[0] == '-' && a[1] != '-')
            for (const char *c = a + 1; *c; c++)
                if (*c == 't')
                    return false;
        const char *end = a;
        while (*end)
            end++;
        if (end - a > 4 && equal(end - 4, ".viv"))
            return false;
    }
    return true;
}

void sandbox_prestart(long *sp)
{
    int argc = (int)sp[0];
    char **argv = (char **)(sp + 1);
    if (!likely_native_run(argc, argv, argv + argc + 1))
        return;
    before_libc_tls.tcb[0] = before_libc_tls.tcb;
    before_libc_tls.tcb[2] = before_libc_tls.tcb;
    bool root = sandbox_sys(SYS_geteuid, 0, 0, 0, 0) == 0;
    struct sandbox_early_hints h = {
        .seccomp = true,
        .trap = !root,
        .tty = false,
        .netns = true,
    };
    /* As root, the id maps written now let the instance make what of its root does not depend on
     * the image, and the aide /dev, while the C library starts, where they would wait for the
     * go. */
    if (early_clone(&h, before_libc_tls.tcb) && early.start.child.maps_before_go &&
        sandbox_write_root_maps(&early.start, early.pid) < 0)
        early.maps_failed = true;
    early.before_main = true;
}

bool sandbox_early_take(const struct sandbox_early_hints *want, struct sandbox_pipes *p, pid_t *pid,
                        int *pidfd, struct sandbox_start **start)
{
    if (!early.started)
        return false;
    if (!early_fits(want)) {
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
    early.maps_failed = false;
    kill(early.pid, SIGKILL);
    while (waitpid(early.pid, NULL, 0) < 0 && errno == EINTR)
        ;
    close(early.pidfd);
    sandbox_pipes_close(&early.pipes);
    viv_trace(VIV_TRACE_RUN, "run", "instance %d started early: not used, killed", (int)early.pid);
}
