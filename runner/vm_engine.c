/* vm_engine.c: `viv run --mode vm`: the run configuration handed to vmcore, and its result
 * handed back in the container convention. */
#include "vm_engine.h"

#include "appliance-fmt/appliance.h"
#include "runner.h"
#include "vmcore/vmcore.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *vm_engine_check(const struct viv_manifest *m)
{
    /* The guest runs on the host CPU: only images of its own ISA. */
    return m->arch == VIV_ARCH_X86_64 ? NULL : "it needs an x86_64 image";
}

const char *vm_engine_host_check(void)
{
    /* A KVM that can run our shim: auto must never pick a vm that cannot start. */
    static struct viv_error why;
    return vm_kvm_check("/dev/kvm", "/sys", &why) < 0 ? why.msg : NULL;
}

/* Signals to viv that belong to the guest, as native mode relays them. */
static const int vm_relayed[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
                                 SIGUSR2, SIGWINCH, SIGCONT, SIGALRM};

static uint64_t vm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait for the VMM child, passing on the signals that belong to the guest; kill it at the
 * timeout (124). Its status in the container convention. */
static int vm_wait(pid_t pid, uint64_t timeout_ms, struct rusage *ru, struct viv_error *err)
{
    sigset_t relay, old;
    sigemptyset(&relay);
    for (size_t i = 0; i < VIV_ARRAY_SIZE(vm_relayed); i++)
        sigaddset(&relay, vm_relayed[i]);
    sigprocmask(SIG_BLOCK, &relay, &old);
    int sfd = signalfd(-1, &relay, SFD_CLOEXEC);
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    uint64_t deadline = timeout_ms ? vm_now_ns() + timeout_ms * 1000000u : 0;
    bool timed_out = false;
    while (pidfd >= 0) {
        struct pollfd p[2] = {{.fd = pidfd, .events = POLLIN}, {.fd = sfd, .events = POLLIN}};
        int wait_ms = -1;
        if (deadline) {
            uint64_t now = vm_now_ns();
            if (now >= deadline) {
                timed_out = true;
                break;
            }
            uint64_t left = (deadline - now + 999999) / 1000000;
            wait_ms = left > INT32_MAX ? INT32_MAX : (int)left;
        }
        int r = poll(p, sfd >= 0 ? 2 : 1, wait_ms);
        if (r < 0 && errno != EINTR)
            break;
        if (r > 0 && (p[0].revents & POLLIN))
            break;
        struct signalfd_siginfo si;
        if (r > 0 && sfd >= 0 && (p[1].revents & POLLIN) &&
            read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
            kill(pid, (int)si.ssi_signo);
    }
    if (sfd >= 0)
        close(sfd);
    if (pidfd >= 0)
        close(pidfd);
    if (timed_out) {
        kill(pid, SIGKILL);
        wait4(pid, NULL, 0, ru);
        sandbox_unblock_relayed(&relay, &old);
        return 124;
    }
    int ws;
    int status = 0;
    while (wait4(pid, &ws, 0, ru) < 0) {
        if (errno != EINTR) {
            status = viv_fail(err, errno, "wait for the VMM");
            break;
        }
    }
    sandbox_unblock_relayed(&relay, &old);
    if (status < 0)
        return status;
    return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : WEXITSTATUS(ws);
}

static void trace_exits(const struct vm_stats *vs)
{
    viv_trace(VIV_TRACE_VM, "vm",
              "exits: %llu io, %llu hlt, %llu shutdown, %llu interrupted; %llu syscalls, %llu "
              "unimplemented, %llu faults",
              (unsigned long long)vs->exits[VM_EXIT_IO], (unsigned long long)vs->exits[VM_EXIT_HLT],
              (unsigned long long)vs->exits[VM_EXIT_SHUTDOWN],
              (unsigned long long)vs->exits[VM_EXIT_INTR], (unsigned long long)vs->syscalls,
              (unsigned long long)vs->unimplemented, (unsigned long long)vs->faults);
}

/* The VMM's counters, in a shared anonymous mapping made before the sandbox starts: the VMM,
 * a child inside it (forked, never exec'd), fills it; viv reads it for --stats after the child
 * is gone. No channel is needed that the sandbox or seccomp could close. */
static struct vm_stats *vm_shared_stats;

static struct vm_stats *shared_stats(void)
{
    if (!vm_shared_stats) {
        void *p = mmap(NULL, sizeof(struct vm_stats), PROT_READ | PROT_WRITE,
                       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED)
            vm_shared_stats = p;
    }
    if (vm_shared_stats)
        memset(vm_shared_stats, 0, sizeof(*vm_shared_stats));
    return vm_shared_stats;
}

/* Run the program in a VM with this root; returns only on failure (the status to exit with). */
static int vm_serve(const struct viv_sandbox_config *cfg, const char *root, bool host_netns,
                    struct viv_error *err)
{
    /* What is relayed to the VMM is the guest's: its dispositions are the VMM's (the
     * personality mirrors them), so a handler runs in the guest and a default action ends the
     * VMM as it would the guest, with 128+N. */
    struct vm_config vc = {
        .root = root,
        .argv = cfg->argv,
        .envp = cfg->envp,
        .workdir = cfg->workdir,
        .hostname = cfg->hostname,
        .memory = cfg->guest_memory,
        .kvm_fd = cfg->engine_fd,
        .no_network = host_netns && !cfg->network_host,
        .first_pid = cfg->init ? 2 : 1,
    };
    static struct vm_stats local;
    struct vm_stats *vs = vm_shared_stats ? vm_shared_stats : &local;
    int fail_status;
    int status = vm_run(&vc, vs, &fail_status, err);
    trace_exits(vs);
    if (status < 0)
        return fail_status;
    fflush(NULL);
    _exit(status);
}

/* In the instance, in the place of the entrypoint's exec: the VMM serves the guest from inside
 * the sandbox, so its host calls see only the appliance root, under seccomp and no_new_privs. */
static int vm_main(const struct viv_sandbox_config *cfg, const char *prog, struct viv_error *err)
{
    (void)prog; /* the VMM looks the entrypoint up itself, in the guest's PATH */
    return vm_serve(cfg, "/", false, err);
}

/* Where this host refuses namespaces, the VM is the wall: the VMM resolves every guest path
 * inside the image's root itself (RESOLVE_IN_ROOT), and runs under no_new_privs and the seccomp
 * policy. A child does it, so that the timeout can still stop it. The limits are the instance's
 * cgroup's, which the child joins before it serves the guest: a guest's fork is a fork of the
 * VMM, so --pids-limit counts the guest's processes. No pid namespace ends what the guest leaves
 * behind: the cgroup is emptied at the end. */
static int run_without_namespaces(const struct viv_sandbox_config *cfg, struct viv_run_stats *st,
                                  struct viv_error *err)
{
    if (cfg->note)
        cfg->note(cfg->note_ctx, false,
                  "no namespaces here: the VMM runs under Landlock, seccomp and no_new_privs, "
                  "confining the guest to the image itself, read-only");
    char hex[13], instance[32];
    if (viv_random_hex(hex, 6, err) < 0)
        return -1;
    snprintf(instance, sizeof(instance), "viv-%s", hex);
    struct viv_limits_plan plan;
    if (limits_prepare(cfg, instance, false, &plan, err) < 0)
        return -1;
    if (cfg->verbose && plan.how[0])
        sandbox_note(cfg, false, "limits: %s", plan.how);
    if (plan.notes[0])
        sandbox_note(cfg, true, "%s", plan.notes);
    uint64_t t0 = vm_now_ns();
    pid_t pid = fork();
    if (pid < 0) {
        limits_cleanup(&plan);
        return viv_fail(err, errno, "fork the VMM");
    }
    if (pid == 0) {
        struct viv_error e = {0};
        int unused;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        /* A run without its limits is refused. */
        int joined = limits_join(&plan, false, &e);
        limits_forget(&plan);
        if (joined < 0)
            ;
        else if (limits_apply_ulimits(cfg, &plan, &e) < 0)
            ;
        else if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            viv_fail(&e, errno, "set no_new_privs");
        else if (sandbox_landlock_read_only(cfg->rootfs, &e) < 0)
            ; /* the image would be written through: refuse to run */
        else if (cfg->seccomp && seccomp_policy_load(false, &unused, &e) == 0)
            seccomp_engine_load(&e);
        int status = e.msg[0] ? 125 : vm_serve(cfg, cfg->rootfs, true, &e);
        fprintf(stderr, "viv: run: %s\n", e.msg);
        _exit(status);
    }
    memset(st, 0, sizeof(*st));
    int status = vm_wait(pid, cfg->timeout_ms, &st->ru, err);
    st->wall_ns = vm_now_ns() - t0;
    limits_kill(&plan);
    limits_cleanup(&plan);
    /* No memory cgroup here: the VMM's own high-water mark, guest memory included. */
    st->peak_memory = (uint64_t)st->ru.ru_maxrss * 1024u;
    st->peak_source = "largest process";
    st->status = status;
    st->timed_out = status == 124;
    return status;
}

int vm_engine_run(const struct viv_sandbox_config *cfg, struct viv_run_stats *st,
                  struct viv_error *err)
{
    /* Before anything is created: an unusable /dev/kvm is one line and exit 125. */
    int kvm = vm_kvm_open("/dev/kvm", "/sys", err);
    if (kvm < 0)
        return -1;
    struct viv_sandbox_config c = *cfg;
    c.engine_main = vm_main;
    c.engine_fd = kvm;
    struct vm_stats *vs = shared_stats();
    /* --memory is the size of the guest's memory: the VM itself is the limit. */
    c.guest_memory = cfg->memory;
    if (cfg->memory && cfg->note) {
        char size[32], msg[160];
        viv_format_bytes_human(cfg->memory, size, sizeof(size));
        snprintf(msg, sizeof(msg),
                 "limits: --memory: the VM's memory, %s: the guest's allocations beyond it fail "
                 "(ENOMEM), as the VM has no more",
                 size);
        cfg->note(cfg->note_ctx, false, msg);
    }
    c.memory = 0;
    int status = sandbox_run(&c, st, err);
    if (status == SANDBOX_NO_NAMESPACES) {
        viv_error_clear(err);
        status = run_without_namespaces(&c, st, err);
    }
    st->vm = vs;
    close(kvm);
    return status;
}

static int by_count_desc(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b; /* [count, nr] pairs */
    return x[0] != y[0] ? (x[0] < y[0] ? 1 : -1) : (x[1] > y[1]) - (x[1] < y[1]);
}

/* Nonzero counters as [count, index] pairs, largest first: how many. */
static size_t sorted_counts(const uint64_t *counts, size_t n, uint64_t (*out)[2])
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (counts[i]) {
            out[k][0] = counts[i];
            out[k][1] = i;
            k++;
        }
    qsort(out, k, sizeof(out[0]), by_count_desc);
    return k;
}

static const char *syscall_name(uint64_t nr, char *buf, size_t len)
{
    const char *name = xlat_syscall_name(&xlat_abi_x86_64, nr);
    if (name)
        return name;
    snprintf(buf, len, "syscall_%llu", (unsigned long long)nr);
    return buf;
}

static const char *ioctl_name(uint64_t nr, char *buf, size_t len)
{
    const char *name = vm_ioctl_name((unsigned)nr);
    if (name)
        return name;
    snprintf(buf, len, "KVM_ioctl_%#llx", (unsigned long long)nr);
    return buf;
}

/* The counters in the order both reports give them. */
struct vm_counts {
    uint64_t exits, ioctls;
    uint64_t calls[512][2], reqs[VM_IOCTL_NRS][2]; /* [count, nr], largest first */
    size_t ncalls, nreqs;
};

static void vm_counts(const struct vm_stats *vs, struct vm_counts *c)
{
    c->exits = c->ioctls = 0;
    for (unsigned k = 0; k < VM_EXIT_KINDS; k++)
        c->exits += vs->exits[k];
    for (unsigned k = 0; k < VM_IOCTL_NRS; k++)
        c->ioctls += vs->ioctls[k];
    c->ncalls = sorted_counts(vs->by_nr, 512, c->calls);
    c->nreqs = sorted_counts(vs->ioctls, VM_IOCTL_NRS, c->reqs);
}

json_t *vm_engine_stats_json(const struct vm_stats *vs)
{
    static struct vm_counts c;
    vm_counts(vs, &c);
    char buf[64];
    json_t *by_reason = json_object(), *by_ioctl = json_object(), *by_call = json_object();
    for (unsigned k = 0; k < VM_EXIT_KINDS; k++)
        json_object_set_new(by_reason, vm_exit_name(k), json_integer((json_int_t)vs->exits[k]));
    for (size_t i = 0; i < c.nreqs; i++)
        json_object_set_new(by_ioctl, ioctl_name(c.reqs[i][1], buf, sizeof(buf)),
                            json_integer((json_int_t)c.reqs[i][0]));
    for (size_t i = 0; i < c.ncalls; i++)
        json_object_set_new(by_call, syscall_name(c.calls[i][1], buf, sizeof(buf)),
                            json_integer((json_int_t)c.calls[i][0]));
    json_t *j = json_pack("{s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "exits",
                          (json_int_t)c.exits, "exits_by_reason", by_reason, "syscalls",
                          (json_int_t)vs->syscalls, "syscalls_in_guest",
                          (json_int_t)vs->guest_calls, "unimplemented_syscalls",
                          (json_int_t)vs->unimplemented, "faults", (json_int_t)vs->faults,
                          "signal_frames", (json_int_t)vs->signals, "kvm_ioctls",
                          (json_int_t)c.ioctls, "kvm_ioctls_by_name", by_ioctl,
                          "syscalls_by_name", by_call);
    /* The guest's processes over the whole run: forks, execs and thread starts, with what they
     * took. */
    json_t *procs = json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "forks", (json_int_t)vs->forks,
        "fork_kvm_ioctls", (json_int_t)vs->fork_ioctls, "fork_pt_pages",
        (json_int_t)vs->fork_pt_pages, "execs", (json_int_t)vs->execs, "exec_kvm_ioctls",
        (json_int_t)vs->exec_ioctls, "exec_pt_pages", (json_int_t)vs->exec_pt_pages, "threads",
        (json_int_t)vs->threads, "thread_kvm_ioctls", (json_int_t)vs->thread_ioctls,
        "thread_pt_pages", (json_int_t)vs->thread_pt_pages);
    if (j && procs)
        json_object_set_new(j, "processes", procs);
    else
        json_decref(procs);
    return j;
}

void vm_engine_stats_print(FILE *out, const struct vm_stats *vs)
{
    static struct vm_counts c;
    vm_counts(vs, &c);
    char buf[64];
    fprintf(out, "viv: stats: vm exits %llu (", (unsigned long long)c.exits);
    for (unsigned k = 0; k < VM_EXIT_KINDS; k++)
        fprintf(out, "%s%s %llu", k ? ", " : "", vm_exit_name(k),
                (unsigned long long)vs->exits[k]);
    fprintf(out,
            "), system calls %llu (%llu answered in the guest, %llu unimplemented), faults %llu, "
            "signal frames %llu, KVM ioctls %llu\n",
            (unsigned long long)vs->syscalls, (unsigned long long)vs->guest_calls,
            (unsigned long long)vs->unimplemented,
            (unsigned long long)vs->faults, (unsigned long long)vs->signals,
            (unsigned long long)c.ioctls);
    fprintf(out, "viv: stats: vm system calls:");
    for (size_t i = 0; i < c.ncalls; i++)
        fprintf(out, "%s%s %llu", i ? ", " : " ", syscall_name(c.calls[i][1], buf, sizeof(buf)),
                (unsigned long long)c.calls[i][0]);
    fprintf(out, "%s\nviv: stats: vm KVM ioctls:", c.ncalls ? "" : " none");
    for (size_t i = 0; i < c.nreqs; i++)
        fprintf(out, "%s%s %llu", i ? ", " : " ", ioctl_name(c.reqs[i][1], buf, sizeof(buf)),
                (unsigned long long)c.reqs[i][0]);
    fprintf(out, "%s\n", c.nreqs ? "" : " none");
    if (vs->forks || vs->execs)
        fprintf(out,
                "viv: stats: vm processes: %llu forks (%llu KVM ioctls, %llu page-table pages "
                "built), %llu execs (%llu KVM ioctls, %llu page-table pages built)\n",
                (unsigned long long)vs->forks, (unsigned long long)vs->fork_ioctls,
                (unsigned long long)vs->fork_pt_pages, (unsigned long long)vs->execs,
                (unsigned long long)vs->exec_ioctls, (unsigned long long)vs->exec_pt_pages);
    if (vs->threads)
        fprintf(out,
                "viv: stats: vm threads: %llu started (%llu KVM ioctls, %llu page-table pages "
                "built)\n",
                (unsigned long long)vs->threads, (unsigned long long)vs->thread_ioctls,
                (unsigned long long)vs->thread_pt_pages);
}
