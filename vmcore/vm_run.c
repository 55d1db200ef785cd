/* vm_run.c: one program in one micro-VM: KVM set-up, the program and its stack placed in guest
 * memory, its process in the personality, and the exit loop (vm_user.c serves what ring 3
 * asks). */
#include "vm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#define VM_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Every thread but the first has left by now (xlat_proc_wait_empty): their vCPUs are idle. */
static void instance_free(struct vm_instance *v)
{
    if (v->main.thread)
        xlat_thread_leave(v->main.thread);
    xlat_proc_free(v->proc);
    for (struct vm_vcpu *c = &v->main, *n; c; c = n) {
        n = c->next;
        /* The kvm_run area keeps the vCPU, and with it the VM, alive after its fds close. */
        if (c->run)
            munmap(c->run, c->run_size);
        if (c->fd >= 0)
            close(c->fd);
        free(c->fork_xsave);
        if (c != &v->main)
            free(c);
    }
    for (int *fd = &v->kvm; fd <= &v->exe; fd++)
        if (*fd >= 0)
            close(*fd);
    if (v->mem.host)
        vm_mem_destroy(&v->mem);
}

/* argv[0] as the guest's exec would find it: a path, or a name looked up along its PATH. */
static int find_program(int root, const struct vm_config *cfg, char *found, size_t len,
                        int *fail_status, struct viv_error *err)
{
    const char *name = cfg->argv[0];
    if (strchr(name, '/')) {
        snprintf(found, len, "%s", name);
        int fd = vm_open_in_root(root, name);
        if (fd >= 0)
            return fd;
        *fail_status = errno == ENOENT || errno == ENOTDIR ? 127 : 126;
        return viv_fail(err, errno, "%s: cannot open in the image", name);
    }
    const char *path = VM_DEFAULT_PATH;
    for (char *const *e = cfg->envp; e && *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            path = *e + 5;
    for (const char *s = path; *s;) {
        const char *colon = strchrnul(s, ':');
        snprintf(found, len, "%.*s/%s", (int)(colon - s), s, name);
        int fd = vm_open_in_root(root, found);
        if (fd >= 0)
            return fd;
        s = *colon ? colon + 1 : colon;
    }
    *fail_status = 127;
    return viv_fail(err, ENOENT, "%s: not found in the image's PATH", name);
}

/* A #! script runs as execve runs it (binfmt_script): its interpreter is the program, with the
 * interpreter's argument and the script's path in front of the script's own arguments. *argv
 * becomes a new array (strings borrowed) the caller frees, path and v->exe the interpreter's. */
static int script_argv(struct vm_instance *v, char *path, size_t len, char *const **argv,
                       int *fail_status, struct viv_error *err)
{
    char interp[256], arg[256];
    if (!script_line(v->exe, interp, sizeof(interp), arg, sizeof(arg)))
        return 0;
    int fd = vm_open_in_root(v->root, interp);
    if (fd < 0) {
        *fail_status = errno == ENOENT || errno == ENOTDIR ? 127 : 126;
        return viv_fail(err, errno, "%s: its interpreter %s", path, interp);
    }
    size_t n = 0;
    while ((*argv)[n])
        n++;
    /* Strings that outlive this call: the interpreter's name and argument, the script's path. */
    static char s_interp[256], s_arg[256], s_path[4096];
    snprintf(s_interp, sizeof(s_interp), "%s", interp);
    snprintf(s_arg, sizeof(s_arg), "%s", arg);
    snprintf(s_path, sizeof(s_path), "%s", path);
    char **nv = calloc(n + 3, sizeof(*nv));
    if (!nv) {
        close(fd);
        return viv_fail(err, ENOMEM, "%s", path);
    }
    size_t k = 0;
    nv[k++] = s_interp;
    if (arg[0])
        nv[k++] = s_arg;
    nv[k++] = s_path;
    for (size_t i = 1; i < n; i++)
        nv[k++] = (*argv)[i];
    close(v->exe);
    v->exe = fd;
    snprintf(path, len, "%s", interp);
    *argv = nv;
    return 0;
}

/* The guest starts as if exec'd (execve(2)): the close-on-exec fds the VMM inherited from viv
 * (the catalog's, the sandbox's) close, where the guest would otherwise find them. viv's own
 * live at XLAT_FD_FLOOR and above by now. */
static void close_on_exec(void)
{
    for (int fd = 3; fd < XLAT_FD_FLOOR; fd++) {
        int fl = fcntl(fd, F_GETFD);
        if (fl >= 0 && (fl & FD_CLOEXEC))
            close(fd);
    }
}

static int kvm_setup(struct vm_instance *v, int kvm_fd, uint64_t memory, struct viv_error *err)
{
    v->kvm = kvm_fd >= 0 ? kvm_fd : vm_kvm_open("/dev/kvm", "/sys", err);
    if (v->kvm < 0)
        return -1;
    /* The guest's fds are the VMM's (the personality passes them through): KVM's and the
     * root's live high, out of the way of the numbers a guest expects, and the personality
     * keeps the guest off them (xlat_proc_reserve_fd). */
    int *mine[] = {&v->kvm, &v->root};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(mine); i++) {
        int *fd = mine[i];
        int hi = fcntl(*fd, F_DUPFD_CLOEXEC, XLAT_FD_FLOOR);
        if (hi < 0)
            return viv_fail(err, errno, "move viv's fds out of the guest's way");
        close(*fd);
        *fd = hi;
    }
    if (vm_mem_init(&v->mem, memory, err) < 0)
        return -1;
    return vm_machine_create(v, &v->main, err);
}

/* Whether c's thread must stop: another thread's exit_group or execve, or a signal that ends
 * the process. */
static bool must_stop(struct vm_vcpu *c)
{
    return xlat_thread_must_leave(c->thread) ||
           __atomic_load_n(&c->v->killed_by, __ATOMIC_ACQUIRE);
}

static int vm_vcpu_run(struct vm_vcpu *c, struct viv_error *err)
{
    struct vm_instance *v = c->v;
    for (;;) {
        if (must_stop(c))
            return 1;
        /* In the guest from here, for TLB shootdowns (vm_tlb.c): one flagged before this
         * point is done now, one after it kicks KVM_RUN out. */
        __atomic_store_n(&c->in_guest, 1, __ATOMIC_SEQ_CST);
        vm_shim_before_entry(c);
        int rc = vm_tlb_flush_stopped(c, err);
        if (rc == 0) {
            vm_guard_enter(c);
            rc = vm_ioctl(c->fd, KVM_RUN, NULL) < 0 ? 1 : 0;
        }
        int e = errno;
        __atomic_store_n(&c->stopped_in_ring3, false, __ATOMIC_SEQ_CST);
        c->stopped_in_shim = false;
        __atomic_add_fetch(&c->runs, 1, __ATOMIC_RELEASE);
        __atomic_store_n(&c->in_guest, 0, __ATOMIC_SEQ_CST);
        if (rc < 0)
            return -1;
        vm_regs_after_run(c);
        /* What the shim recorded goes to the personality at each exit, before anything else;
         * after an interruption, only once the vCPU is known to be in ring 3
         * (vm_user_interrupted): in ring 0 the shim may be halfway through an answer whose
         * leaf entries the replay of an earlier record (a mapping, the break) would rewrite
         * under it. */
        if (rc == 0)
            vm_shim_take_records(c);
        errno = e;
        if (rc > 0) {
            if (errno == EINTR || errno == EAGAIN) {
                __atomic_add_fetch(&v->st->exits[VM_EXIT_INTR], 1, __ATOMIC_RELAXED);
                int r = vm_user_interrupted(c, err);
                if (r < 0)
                    return -1;
                if (r > 0)
                    return 1;
                continue;
            }
            if (errno == EFAULT) {
                int r = vm_user_bus_error(c, err);
                if (r != 0)
                    return r;
                continue;
            }
            return viv_fail(err, errno, "KVM_RUN");
        }
        struct kvm_run *run = c->run;
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            __atomic_add_fetch(&v->st->exits[VM_EXIT_IO], 1, __ATOMIC_RELAXED);
            if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == VM_PORT_SYSCALL) {
                int r = vm_user_syscall(c, err);
                if (r < 0)
                    return -1;
                if (r > 0)
                    return 1;
                continue;
            }
            if (run->io.direction == KVM_EXIT_IO_OUT &&
                (run->io.port == VM_PORT_KICK || run->io.port == VM_PORT_KICK_IRET)) {
                int r = vm_user_kicked(c, run->io.port == VM_PORT_KICK_IRET, err);
                if (r < 0)
                    return -1;
                if (r > 0)
                    return 1;
                continue;
            }
            if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == VM_PORT_FAULT) {
                int r = vm_user_fault(c, err);
                if (r < 0)
                    return -1;
                if (r > 0)
                    return 1;
                continue;
            }
            return viv_fail(err, EIO, "the guest used I/O port %#x from ring 0", run->io.port);
        case KVM_EXIT_HLT:
            v->st->exits[VM_EXIT_HLT]++;
            return viv_fail(err, EIO, "the guest halted in ring 0");
        case KVM_EXIT_SHUTDOWN:
            v->st->exits[VM_EXIT_SHUTDOWN]++;
            return viv_fail(err, EIO, "the guest triple-faulted (KVM_EXIT_SHUTDOWN)");
        case KVM_EXIT_FAIL_ENTRY:
            return viv_fail(err, EIO, "KVM cannot enter the guest (hardware reason %#llx)",
                            (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        case KVM_EXIT_INTERNAL_ERROR:
            return viv_fail(err, EIO, "KVM internal error, suberror %u", run->internal.suberror);
        default:
            v->st->exits[VM_EXIT_OTHER]++;
            return viv_fail(err, EIO, "unexpected VM exit, reason %u", run->exit_reason);
        }
    }
}

int vm_vcpu_loop(struct vm_vcpu *c, struct viv_error *err)
{
    struct vm_instance *v = c->v;
    __atomic_store_n(&c->out_of_loop, false, __ATOMIC_SEQ_CST);
    int status = vm_vcpu_run(c, err);
    vm_guard_end(c);
    /* Before waiting for the other threads: one of them may be in a TLB shootdown that waits
     * for this vCPU, which never runs this thread's ring 3 again (vm_tlb.c). */
    __atomic_store_n(&c->out_of_loop, true, __ATOMIC_SEQ_CST);
    /* A thread that ends the process (a fatal signal, a failure of viv's) stops the others;
     * exit_group and execve stopped them already. */
    if (status < 0 || __atomic_load_n(&v->killed_by, __ATOMIC_ACQUIRE))
        xlat_proc_stop_others(c->thread);
    return status < 0 ? -1 : vm_status(v);
}

/* The personality's hooks: a host signal for the guest stops the vCPU at once (KVM_RUN returns
 * EINTR whether it came before the vCPU entered the guest or while it ran: api.rst 5. "The
 * kvm_run structure", immediate_exit); arch_prctl(ARCH_SET_FS) loads the vCPU's FS base. */
static void vm_kick(void *hart)
{
    struct vm_vcpu *c = hart;
    c->run->immediate_exit = 1;
}

static int vm_set_fs(void *hart, uint64_t base)
{
    struct vm_vcpu *c = hart;
    return vm_cpu_set_fs(c->fd, base) < 0 ? -errno : 0;
}

/* The guest's process in the personality: the x86-64 ABI over user memory, paths inside the
 * root, the working folder the host process's own, KVM's fds out of the guest's reach. */
static int start_personality(struct vm_instance *v, const struct vm_config *cfg,
                             const char *path, uint64_t brk, struct viv_error *err)
{
    struct xlat_proc_config pc = {
        .abi = &xlat_abi_x86_64,
        .mem = &v->mem.user,
        .root = cfg->root,
        .exe_path = path,
        .brk_start = brk,
        .brk_limit = v->mem.user.size,
        .hostname = cfg->hostname,
        .no_network = cfg->no_network,
        .alone = true,
        .alone_pid = cfg->first_pid,
        .exec_in_place_only = true,
    };
    if (xlat_proc_new(&pc, &v->proc, err) < 0)
        return -1;
    for (int *fd = &v->kvm; fd <= &v->root; fd++)
        xlat_proc_reserve_fd(v->proc, *fd);
    xlat_proc_set_exe(v->proc, v->exe);
    xlat_proc_set_comm(path);
    /* What the program needed is done with; the root stays for the interpreters of the
     * programs the guest execs. */
    close(v->exe);
    v->exe = -1;
    const char *wd = cfg->workdir ? cfg->workdir : "/";
    struct open_how how = {.flags = O_PATH | O_DIRECTORY | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    int root = open(cfg->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    int fd = root < 0 ? -1 : (int)syscall(SYS_openat2, root, wd, &how, sizeof(how));
    int e = fd < 0 || fchdir(fd) < 0 ? errno : 0;
    if (fd >= 0)
        close(fd);
    if (root >= 0)
        close(root);
    if (e)
        return viv_fail(err, e, "%s: cannot enter the working folder", wd);
    vm_shim_set_ids(v, &v->main, 0);
    /* A signal the guest leaves at its default ends the VMM itself, as it would the guest: never
     * with a core file of the VMM, which would mislead. */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    struct xlat_engine_hooks hooks = {.ctx = v,
                                      .spawn = vm_thread_spawn,
                                      .kick = vm_kick,
                                      .set_fs = vm_set_fs,
                                      .fork_prepare = vm_fork_prepare,
                                      .fork_child = vm_fork_child};
    xlat_proc_set_hooks(v->proc, &hooks);
    v->main.thread = xlat_thread_first(v->proc, &v->main);
    return 0;
}

const char *vm_exit_name(unsigned kind)
{
    static const char *const names[VM_EXIT_KINDS] = {
        [VM_EXIT_IO] = "io", [VM_EXIT_HLT] = "hlt", [VM_EXIT_SHUTDOWN] = "shutdown",
        [VM_EXIT_INTR] = "interrupted", [VM_EXIT_OTHER] = "other"};
    return kind < VM_EXIT_KINDS ? names[kind] : "unknown";
}

int vm_run(const struct vm_config *cfg, struct vm_stats *st, int *fail_status,
           struct viv_error *err)
{
    struct vm_instance v = {.kvm = -1, .vm = -1, .root = -1, .exe = -1, .st = st,
                            .run_st = st, .main = {.fd = -1}};
    v.main.v = &v;
    v.main.host_tid = gettid();
    vm_slots_reset(&v, 0);
    memset(st, 0, sizeof(*st));
    vm_ioctl_reset();
    *fail_status = 125;
    int status = -1;
    char path[4096];
    v.root = open(cfg->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (v.root < 0) {
        viv_fail(err, errno, "%s: cannot open the image's root", cfg->root);
        goto out;
    }
    if (kvm_setup(&v, cfg->kvm_fd, cfg->memory ? cfg->memory : VM_DEFAULT_MEMORY, err) < 0)
        goto out;
    close_on_exec();
    v.exe = find_program(v.root, cfg, path, sizeof(path), fail_status, err);
    if (v.exe < 0)
        goto out;
    char *const *argv = cfg->argv;
    if (script_argv(&v, path, sizeof(path), &argv, fail_status, err) < 0)
        goto out;
    struct vm_start start;
    int loaded = vm_load(&v.main, v.exe, path, argv, cfg->envp, &start, fail_status, err);
    if (argv != cfg->argv)
        free((void *)argv);
    if (loaded < 0)
        goto out;
    uint64_t entry = start.entry, sp = start.sp;
    if (start_personality(&v, cfg, path, start.brk, err) < 0)
        goto out;
    *fail_status = 125;
    struct kvm_regs r;
    if (vm_regs_get(&v.main, &r) < 0) {
        viv_fail(err, errno, "KVM_GET_REGS");
        goto out;
    }
    /* The shim's first sysretq goes to rcx with rflags from r11 (IF set, as Linux starts a
     * process) on the stack elf_stack_build made. */
    r.rcx = entry;
    r.r11 = 0x202;
    r.rsp = sp;
    if (vm_regs_set(&v.main, &r) < 0) {
        viv_fail(err, errno, "KVM_SET_REGS");
        goto out;
    }
    viv_trace(VIV_TRACE_VM, "vm", "%s: entry %#llx, sp %#llx, %llu MiB of guest memory", path,
              (unsigned long long)entry, (unsigned long long)sp,
              (unsigned long long)(v.mem.pt_end >> 20)); /* as asked: the slots past it apart */
    status = vm_vcpu_loop(&v.main, err);
    /* The guest's other threads may outlive its first (pthread_exit in main). */
    xlat_thread_leave(v.main.thread);
    v.main.thread = NULL;
    xlat_proc_wait_empty(v.proc);
    if (status >= 0 && v.thread_failed) {
        *err = v.thread_err;
        status = -1;
    } else if (status >= 0) {
        status = vm_status(&v);
    }
    if (v.forked)
        vm_child_exit(&v, status, err);
out:
    if (v.proc) {
        vm_shim_count(&v);
        st->syscalls = xlat_proc_calls(v.proc);
        st->unimplemented = xlat_proc_unimplemented(v.proc);
        st->signals = xlat_proc_signal_frames(v.proc);
        xlat_proc_call_counts(v.proc, st->by_nr, VIV_ARRAY_SIZE(st->by_nr));
    }
    vm_ioctl_counts(st->ioctls);
    instance_free(&v);
    return status;
}
