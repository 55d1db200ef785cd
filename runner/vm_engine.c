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
#include <sys/prctl.h>
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

static uint64_t vm_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Wait for the VMM child; kill it at the timeout (124). Its status in the container convention. */
static int vm_wait(pid_t pid, uint64_t timeout_ms, struct viv_error *err)
{
    int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (pidfd >= 0 && timeout_ms) {
        struct pollfd p = {.fd = pidfd, .events = POLLIN};
        int r;
        do
            r = poll(&p, 1, timeout_ms > INT32_MAX ? INT32_MAX : (int)timeout_ms);
        while (r < 0 && errno == EINTR);
        if (r == 0) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            close(pidfd);
            return 124;
        }
    }
    if (pidfd >= 0)
        close(pidfd);
    int ws;
    while (waitpid(pid, &ws, 0) < 0)
        if (errno != EINTR)
            return viv_fail(err, errno, "wait for the VMM");
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

/* Run the program in a VM with this root; returns only on failure (the status to exit with). */
static int vm_serve(const struct viv_sandbox_config *cfg, const char *root, struct viv_error *err)
{
    struct vm_config vc = {
        .root = root,
        .argv = cfg->argv,
        .envp = cfg->envp,
        .workdir = cfg->workdir,
        .hostname = cfg->hostname,
        .memory = cfg->guest_memory,
        .kvm_fd = cfg->engine_fd,
    };
    struct vm_stats vs;
    int fail_status;
    int status = vm_run(&vc, &vs, &fail_status, err);
    trace_exits(&vs);
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
    return vm_serve(cfg, "/", err);
}

/* Where this host refuses namespaces, the VM is the wall: the VMM resolves every guest path
 * inside the image's root itself (RESOLVE_IN_ROOT), and runs under no_new_privs and the seccomp
 * policy. A child does it, so that the timeout can still stop it. */
static int run_without_namespaces(const struct viv_sandbox_config *cfg, struct viv_run_stats *st,
                                  struct viv_error *err)
{
    if (cfg->note)
        cfg->note(cfg->note_ctx, false,
                  "no namespaces here: the VMM runs under seccomp and no_new_privs, confining "
                  "the guest to the image itself");
    uint64_t t0 = vm_now_ns();
    pid_t pid = fork();
    if (pid < 0)
        return viv_fail(err, errno, "fork the VMM");
    if (pid == 0) {
        struct viv_error e = {0};
        int unused;
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            viv_fail(&e, errno, "set no_new_privs");
        else if (cfg->seccomp)
            seccomp_policy_load(false, &unused, &e);
        int status = e.msg[0] ? 125 : vm_serve(cfg, cfg->rootfs, &e);
        fprintf(stderr, "viv: run: %s\n", e.msg);
        _exit(status);
    }
    int status = vm_wait(pid, cfg->timeout_ms, err);
    st->wall_ns = vm_now_ns() - t0;
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
    /* --memory is the size of the guest's memory: the VM itself is the limit. */
    c.guest_memory = cfg->memory;
    c.memory = 0;
    int status = sandbox_run(&c, st, err);
    if (status == SANDBOX_NO_NAMESPACES) {
        viv_error_clear(err);
        status = run_without_namespaces(&c, st, err);
    }
    close(kvm);
    return status;
}
