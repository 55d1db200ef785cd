/* vm_run.c: one program in one micro-VM: KVM set-up, the program and its stack placed in guest
 * memory, and the exit loop that turns each hypercall into a served system call. */
#include "vmcore.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>

#define VM_STACK_MAX (8ull << 20) /* Linux's default RLIMIT_STACK */
#define VM_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct vm_instance {
    int kvm, vm, vcpu, root, exe;
    struct kvm_run *run;
    size_t run_size;
    struct vm_mem mem;
    struct vm_proc proc;
    bool have_proc;
};

static void instance_free(struct vm_instance *v)
{
    /* The kvm_run area keeps the vCPU, and with it the VM, alive after its fds are closed. */
    if (v->run)
        munmap(v->run, v->run_size);
    if (v->have_proc)
        vm_proc_release(&v->proc);
    for (int *fd = &v->kvm; fd <= &v->exe; fd++)
        if (*fd >= 0)
            close(*fd);
    if (v->mem.host)
        vm_mem_destroy(&v->mem);
}

static int open_in_root(int root, const char *path)
{
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

/* argv[0] as the guest's exec would find it: a path, or a name looked up along its PATH. */
static int find_program(int root, const struct vm_config *cfg, char *found, size_t len,
                        int *fail_status, struct viv_error *err)
{
    const char *name = cfg->argv[0];
    if (strchr(name, '/')) {
        snprintf(found, len, "%s", name);
        int fd = open_in_root(root, name);
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
        int fd = open_in_root(root, found);
        if (fd >= 0)
            return fd;
        s = *colon ? colon + 1 : colon;
    }
    *fail_status = 127;
    return viv_fail(err, ENOENT, "%s: not found in the image's PATH", name);
}

static int kvm_setup(struct vm_instance *v, int kvm_fd, uint64_t memory, struct viv_error *err)
{
    v->kvm = kvm_fd >= 0 ? kvm_fd : vm_kvm_open("/dev/kvm", "/sys", err);
    if (v->kvm < 0)
        return -1;
    if (vm_mem_init(&v->mem, memory, err) < 0)
        return -1;
    v->vm = vm_ioctl(v->kvm, KVM_CREATE_VM, NULL);
    if (v->vm < 0)
        return viv_fail(err, errno, "KVM_CREATE_VM");
    /* One slot is all of guest-physical memory (api.rst 4.35 KVM_SET_USER_MEMORY_REGION). */
    struct kvm_userspace_memory_region slot = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = v->mem.size,
        .userspace_addr = (uint64_t)(uintptr_t)v->mem.host,
    };
    if (vm_ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
        return viv_fail(err, errno, "KVM_SET_USER_MEMORY_REGION");
    v->vcpu = vm_ioctl(v->vm, KVM_CREATE_VCPU, NULL);
    if (v->vcpu < 0)
        return viv_fail(err, errno, "KVM_CREATE_VCPU");
    int size = vm_ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
    if (size < (int)sizeof(struct kvm_run))
        return viv_fail(err, errno, "KVM_GET_VCPU_MMAP_SIZE");
    void *run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
    if (run == MAP_FAILED)
        return viv_fail(err, errno, "map the vCPU's kvm_run area");
    v->run = run;
    v->run_size = (size_t)size;
    return vm_cpu_setup(v->kvm, v->vcpu, &v->mem, err);
}

static int load_program(struct vm_instance *v, const struct vm_config *cfg, const char *path,
                        uint64_t *entry, uint64_t *sp, int *fail_status, struct viv_error *err)
{
    struct elf_load_ops ops;
    xlat_mem_loader_ops(&v->mem.user, &ops);
    struct elf_image img;
    if (elf_load(v->exe, path, ELF_MACHINE_X86_64, VM_PAGE, &ops, &img, err) < 0) {
        *fail_status = err->code == ENOEXEC ? 126 : 125;
        return -1;
    }
    if (img.dynamic) {
        *fail_status = 126;
        return viv_fail(err, ENOEXEC, "%s: dynamically linked (interpreter %s): vm mode runs "
                        "static programs only", path, img.interp);
    }
    /* The stack at the top of user memory, the mmap area below it, the heap after the image. */
    uint64_t top = v->mem.user.size;
    uint64_t size = top / 8 < VM_STACK_MAX ? top / 8 : VM_STACK_MAX;
    size &= ~(uint64_t)(VM_PAGE - 1);
    int r = xlat_mem_map(&v->mem.user, top - size, size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r < 0)
        return viv_fail(err, -r, "map the guest's stack");
    v->mem.user.mmap_top = top - size - VM_PAGE; /* a guard page under the stack */
    unsigned eax, ebx, ecx = 0, edx = 0;
    __get_cpuid(1, &eax, &ebx, &ecx, &edx);
    struct elf_stack_params sp_params = {
        .argv = cfg->argv,
        .envp = cfg->envp,
        .execfn = path,
        .platform = "x86_64",
        .exe = &img,
        .page_size = VM_PAGE,
        .hwcap = edx, /* AT_HWCAP on x86 is CPUID.1:EDX (arch/x86/include/asm/elf.h) */
    };
    if (getrandom(sp_params.random, sizeof(sp_params.random), 0) != sizeof(sp_params.random))
        return viv_fail(err, errno, "getrandom for AT_RANDOM");
    if (elf_stack_build(&ops, top, size, &sp_params, sp, err) < 0)
        return viv_wrap(err, "%s: initial stack", path);
    v->proc.brk_start = v->proc.brk_cur = img.hi;
    *entry = img.entry;
    return 0;
}

/* The ring-3 state in kvm_regs, less rip, rsp and rflags, which the caller sets. */
static void state_from_regs(struct vm_user_state *s, const struct kvm_regs *r)
{
    memset(s, 0, offsetof(struct vm_user_state, fx));
    s->r8 = r->r8, s->r9 = r->r9, s->r10 = r->r10, s->r11 = r->r11;
    s->r12 = r->r12, s->r13 = r->r13, s->r14 = r->r14, s->r15 = r->r15;
    s->rdi = r->rdi, s->rsi = r->rsi, s->rbp = r->rbp, s->rbx = r->rbx;
    s->rdx = r->rdx, s->rax = r->rax, s->rcx = r->rcx;
}

/* Return to ring 3 in state s: the general registers through KVM_SET_REGS, rip, rsp and rflags
 * through the iret frame in the shim's data page (the vCPU's own rip stays at the `out`, so KVM
 * completes it and the shim goes on to its iretq). */
static int resume_user(struct vm_instance *v, struct kvm_regs *r, const struct vm_user_state *s,
                       struct viv_error *err)
{
    r->r8 = s->r8, r->r9 = s->r9, r->r10 = s->r10, r->r11 = s->r11;
    r->r12 = s->r12, r->r13 = s->r13, r->r14 = s->r14, r->r15 = s->r15;
    r->rdi = s->rdi, r->rsi = s->rsi, r->rbp = s->rbp, r->rbx = s->rbx;
    r->rdx = s->rdx, r->rax = s->rax, r->rcx = s->rcx;
    /* Only the flags ring 3 may hold: never IOPL, always IF and the reserved bit 1 (the
     * arithmetic flags, TF, DF, AC, RF and ID as given). */
    uint64_t rflags = (s->rflags & 0x250dd5ull) | 0x202;
    uint64_t frame[5] = {s->rip, VM_USER_CS, rflags, s->rsp, VM_USER_SS};
    uint8_t *data = v->mem.host + v->mem.sys_base + VM_SYS_DATA * VM_PAGE;
    memcpy(data + VM_DATA_FRAME, frame, sizeof(frame));
    data[VM_DATA_IRET] = 1;
    if (vm_ioctl(v->vcpu, KVM_SET_REGS, r) < 0)
        return viv_fail(err, errno, "KVM_SET_REGS");
    if (vm_cpu_set_fx(v->vcpu, s->fx) < 0)
        return viv_fail(err, errno, "KVM_SET_XSAVE");
    return 0;
}

/* Deliver si to the guest in state s: 0 when it runs on (a handler, or nothing to do), 1 when
 * the signal ended it (status in proc), -1 on viv's failure. */
static int deliver(struct vm_instance *v, struct kvm_regs *r, const struct vm_siginfo *si,
                   bool forced, struct vm_user_state *s, struct viv_error *err)
{
    switch (vm_signal_deliver(&v->proc, si, forced, s)) {
    case VM_SIG_KILL:
        viv_trace(VIV_TRACE_VM, "vm", "signal %d ends the guest", si->signo);
        return 1;
    case VM_SIG_HANDLER:
        viv_trace(VIV_TRACE_VM, "vm", "signal %d: handler %#llx, frame at %#llx", si->signo,
                  (unsigned long long)s->rip, (unsigned long long)s->rsp);
        return resume_user(v, r, s, err) < 0 ? -1 : 0;
    case VM_SIG_NONE:
        break;
    }
    /* Ignored: the guest goes on in s as it was. */
    return resume_user(v, r, s, err) < 0 ? -1 : 0;
}

/* si_code of a fault's signal (Linux arch/x86/kernel/traps.c, arch/x86/mm/fault.c). */
static int fault_code(unsigned vec, uint64_t error)
{
    switch (vec) {
    case 0: return 1;                    /* FPE_INTDIV */
    case 6: return 2;                    /* ILL_ILLOPN */
    case 14: return error & 1 ? 2 : 1;   /* SEGV_ACCERR on a present page, else SEGV_MAPERR */
    case 16: case 19: return 0;          /* the FPU's own codes: not decoded yet */
    default: return 0x80;                /* SI_KERNEL: #GP, int3, the rest */
    }
}

/* A guest exception: the shim left [vector, error, rip, cs, rflags, rsp, ss] on its stack.
 * 0 when the guest runs on in its handler, its status when the signal ended it, -1 on failure. */
static int fault(struct vm_instance *v, struct vm_stats *st, struct viv_error *err)
{
    struct kvm_regs r;
    struct kvm_sregs sr;
    if (vm_ioctl(v->vcpu, KVM_GET_REGS, &r) < 0 || vm_ioctl(v->vcpu, KVM_GET_SREGS, &sr) < 0)
        return viv_fail(err, errno, "read the faulting vCPU");
    uint64_t lo = VM_KERNEL_BASE + VM_SYS_STACK * VM_PAGE;
    uint64_t hi = VM_KERNEL_BASE + VM_SYS_PAGES * VM_PAGE;
    uint64_t f[7];
    if (r.rsp < lo || r.rsp > hi - sizeof(f))
        return viv_fail(err, EFAULT, "the shim's fault stack is off its pages (rsp %#llx)",
                        (unsigned long long)r.rsp);
    memcpy(f, v->mem.host + v->mem.sys_base + (r.rsp - VM_KERNEL_BASE), sizeof(f));
    unsigned vec = (unsigned)f[0];
    st->faults++;
    viv_trace(VIV_TRACE_VM, "vm", "%s (vector %u, error %#llx) at rip %#llx, cr2 %#llx",
              vm_fault_name(vec), vec, (unsigned long long)f[1], (unsigned long long)f[2],
              (unsigned long long)sr.cr2);
    if ((f[3] & 3) != 3)
        return viv_fail(err, EFAULT, "the shim itself took %s at %#llx (cr2 %#llx)",
                        vm_fault_name(vec), (unsigned long long)f[2],
                        (unsigned long long)sr.cr2);
    struct vm_user_state s;
    state_from_regs(&s, &r);
    s.rip = f[2], s.rflags = f[4], s.rsp = f[5];
    s.err = f[1], s.trapno = vec;
    /* si_addr is CR2 for a page fault, the faulting instruction for #UD/#DE/#MF/#XF, 0 for the
     * rest (Linux's do_trap and do_error_trap). */
    s.cr2 = vec == 14 ? sr.cr2 : 0;
    uint64_t addr = vec == 14 ? sr.cr2 : (vec == 0 || vec == 6 || vec == 16 || vec == 19) ? f[2] : 0;
    if (vm_cpu_get_fx(v->vcpu, s.fx) < 0)
        return viv_fail(err, errno, "KVM_GET_XSAVE");
    struct vm_siginfo si = {.signo = vm_fault_signal(vec), .code = fault_code(vec, f[1]),
                            .addr = addr};
    int r2 = deliver(v, &r, &si, true, &s, err);
    if (r2 < 0)
        return -1;
    if (r2 > 0 || v->proc.exited)
        return v->proc.exit_status;
    return 0;
}

/* Signals for the guest that reached the VMM, and the vCPU to stop for them. */
static uint64_t host_signals;
static struct kvm_run *volatile current_run;

void vm_notify_signal(int sig)
{
    if (sig < 1 || sig > VM_NSIG)
        return;
    __atomic_fetch_or(&host_signals, 1ull << (sig - 1), __ATOMIC_SEQ_CST);
    struct kvm_run *run = current_run;
    /* KVM_RUN returns EINTR at once, whether the signal came before it entered the guest or
     * while the guest ran (api.rst 5. "The kvm_run structure", immediate_exit). */
    if (run)
        run->immediate_exit = 1;
}

/* Move the signals the VMM caught into the guest's pending set. */
static void take_host_signals(struct vm_proc *p)
{
    uint64_t bits = __atomic_exchange_n(&host_signals, 0, __ATOMIC_SEQ_CST);
    while (bits) {
        int sig = __builtin_ctzll(bits) + 1;
        bits &= bits - 1;
        vm_signal_raise(p, sig);
    }
}

static int hypercall(struct vm_instance *v, struct viv_error *err)
{
    struct kvm_regs r;
    if (vm_ioctl(v->vcpu, KVM_GET_REGS, &r) < 0)
        return viv_fail(err, errno, "KVM_GET_REGS");
    const uint64_t a[6] = {r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9};
    int64_t ret;
    uint64_t nr = r.rax;
    v->proc.user_sp = r.rsp; /* SYSCALL does not switch stacks: ring 3's */
    if (vm_syscall(&v->proc, r.rax, a, &ret) == VM_SYS_EXIT)
        return 1;
    r.rax = (uint64_t)ret;
    if (v->proc.fs_dirty) {
        if (vm_cpu_set_fs(v->vcpu, v->proc.fs_base) < 0)
            return viv_fail(err, errno, "set the guest's FS base");
        v->proc.fs_dirty = false;
    }
    if (v->mem.tlb_dirty) {
        v->mem.host[v->mem.sys_base + VM_SYS_DATA * VM_PAGE + VM_DATA_FLUSH] = 1;
        v->mem.tlb_dirty = false;
    }
    struct vm_siginfo si;
    bool sigreturn = v->proc.sigreturn;
    take_host_signals(&v->proc);
    /* A host call the VMM's own signal interrupted: the guest's call runs again after the
     * handler when Linux would restart it (SA_RESTART, or no handler to run). */
    bool restart = ret == -EINTR && vm_signal_restarts(&v->proc);
    bool have = !sigreturn && v->proc.pending && vm_signal_next(&v->proc, &si);
    if (sigreturn || restart || have) {
        /* Every ring-3 register changes: the state at the syscall (rip in rcx, rflags in r11,
         * as SYSCALL left them: AMD64 APM vol. 2, 6.1.1), then the frame's or the handler's. */
        struct vm_user_state s;
        state_from_regs(&s, &r);
        s.rip = r.rcx, s.rflags = r.r11, s.rsp = r.rsp;
        if (restart) {
            /* Back onto the 2-byte `syscall` with the number in rax, as Linux's
             * -ERESTARTSYS handling does (arch/x86/kernel/signal.c). */
            s.rip -= 2;
            s.rax = nr;
        }
        if (vm_cpu_get_fx(v->vcpu, s.fx) < 0)
            return viv_fail(err, errno, "KVM_GET_XSAVE");
        if (sigreturn) {
            v->proc.sigreturn = false;
            if (vm_signal_return(&v->proc, &s) == VM_SIG_KILL)
                return 1;
            /* The restored mask may let a pending signal through. */
            have = v->proc.pending && vm_signal_next(&v->proc, &si);
        }
        if (!have)
            return resume_user(v, &r, &s, err) < 0 ? -1 : 0;
        /* Several pending: one frame now; the rest come at the handler's rt_sigreturn. */
        return deliver(v, &r, &si, false, &s, err);
    }
    /* KVM resumes after the `out` on the next KVM_RUN (the PIO completes there), with these
     * registers (api.rst 5. "The kvm_run structure", KVM_EXIT_IO). */
    if (vm_ioctl(v->vcpu, KVM_SET_REGS, &r) < 0)
        return viv_fail(err, errno, "KVM_SET_REGS");
    return 0;
}

/* KVM_RUN was interrupted: a signal the guest is ready for goes to it now when the vCPU is in
 * ring 3; stopped in the shim, it waits for the next return from a hypercall. 0, 1 when it
 * ended the guest, -1 on failure. */
static int interrupted(struct vm_instance *v, struct viv_error *err)
{
    v->run->immediate_exit = 0;
    take_host_signals(&v->proc);
    if (!(v->proc.pending & ~v->proc.sigmask))
        return 0;
    struct kvm_regs r;
    struct kvm_sregs sr;
    if (vm_ioctl(v->vcpu, KVM_GET_REGS, &r) < 0 || vm_ioctl(v->vcpu, KVM_GET_SREGS, &sr) < 0)
        return viv_fail(err, errno, "read the interrupted vCPU");
    if ((sr.cs.selector & 3) != 3)
        return 0;
    struct vm_user_state s;
    state_from_regs(&s, &r);
    s.rip = r.rip, s.rsp = r.rsp, s.rflags = r.rflags;
    if (vm_cpu_get_fx(v->vcpu, s.fx) < 0)
        return viv_fail(err, errno, "KVM_GET_XSAVE");
    struct vm_siginfo si;
    if (!vm_signal_next(&v->proc, &si))
        return 0;
    enum vm_sig_action act = vm_signal_deliver(&v->proc, &si, false, &s);
    if (act == VM_SIG_KILL)
        return 1;
    if (act == VM_SIG_NONE)
        return 0;
    /* In ring 3 with no I/O pending: the handler's registers go straight into the vCPU. */
    r.r8 = s.r8, r.r9 = s.r9, r.r10 = s.r10, r.r11 = s.r11;
    r.r12 = s.r12, r.r13 = s.r13, r.r14 = s.r14, r.r15 = s.r15;
    r.rdi = s.rdi, r.rsi = s.rsi, r.rbp = s.rbp, r.rbx = s.rbx;
    r.rdx = s.rdx, r.rax = s.rax, r.rcx = s.rcx;
    r.rip = s.rip, r.rsp = s.rsp, r.rflags = (s.rflags & 0x250dd5ull) | 0x202;
    if (vm_ioctl(v->vcpu, KVM_SET_REGS, &r) < 0)
        return viv_fail(err, errno, "KVM_SET_REGS");
    if (vm_cpu_set_fx(v->vcpu, s.fx) < 0)
        return viv_fail(err, errno, "KVM_SET_XSAVE");
    return 0;
}

static int loop(struct vm_instance *v, struct vm_stats *st, struct viv_error *err)
{
    for (;;) {
        if (vm_ioctl(v->vcpu, KVM_RUN, NULL) < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                st->exits[VM_EXIT_INTR]++;
                int r = interrupted(v, err);
                if (r < 0)
                    return -1;
                if (r > 0)
                    return v->proc.exit_status;
                continue;
            }
            return viv_fail(err, errno, "KVM_RUN");
        }
        struct kvm_run *run = v->run;
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            st->exits[VM_EXIT_IO]++;
            if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == VM_PORT_SYSCALL) {
                int r = hypercall(v, err);
                if (r < 0)
                    return -1;
                if (r > 0)
                    return v->proc.exit_status;
                continue;
            }
            if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == VM_PORT_FAULT) {
                int r = fault(v, st, err);
                if (r != 0)
                    return r;
                continue;
            }
            return viv_fail(err, EIO, "the guest used I/O port %#x from ring 0", run->io.port);
        case KVM_EXIT_HLT:
            st->exits[VM_EXIT_HLT]++;
            return viv_fail(err, EIO, "the guest halted in ring 0");
        case KVM_EXIT_SHUTDOWN:
            st->exits[VM_EXIT_SHUTDOWN]++;
            return viv_fail(err, EIO, "the guest triple-faulted (KVM_EXIT_SHUTDOWN)");
        case KVM_EXIT_FAIL_ENTRY:
            return viv_fail(err, EIO, "KVM cannot enter the guest (hardware reason %#llx)",
                            (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        case KVM_EXIT_INTERNAL_ERROR:
            return viv_fail(err, EIO, "KVM internal error, suberror %u", run->internal.suberror);
        default:
            st->exits[VM_EXIT_OTHER]++;
            return viv_fail(err, EIO, "unexpected VM exit, reason %u", run->exit_reason);
        }
    }
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
    struct vm_instance v = {.kvm = -1, .vm = -1, .vcpu = -1, .root = -1, .exe = -1};
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
    v.exe = find_program(v.root, cfg, path, sizeof(path), fail_status, err);
    if (v.exe < 0)
        goto out;
    vm_proc_init(&v.proc, &v.mem, v.root, cfg->hostname);
    v.have_proc = true;
    if (cfg->workdir)
        snprintf(v.proc.cwd, sizeof(v.proc.cwd), "%s", cfg->workdir);
    uint64_t entry = 0, sp = 0;
    if (load_program(&v, cfg, path, &entry, &sp, fail_status, err) < 0)
        goto out;
    *fail_status = 125;
    struct kvm_regs r;
    if (vm_ioctl(v.vcpu, KVM_GET_REGS, &r) < 0) {
        viv_fail(err, errno, "KVM_GET_REGS");
        goto out;
    }
    /* The shim's first sysretq goes to rcx with rflags from r11 (IF set, as Linux starts a
     * process) on the stack elf_stack_build made. */
    r.rcx = entry;
    r.r11 = 0x202;
    r.rsp = sp;
    if (vm_ioctl(v.vcpu, KVM_SET_REGS, &r) < 0) {
        viv_fail(err, errno, "KVM_SET_REGS");
        goto out;
    }
    viv_trace(VIV_TRACE_VM, "vm", "%s: entry %#llx, sp %#llx, %llu MiB of guest memory", path,
              (unsigned long long)entry, (unsigned long long)sp,
              (unsigned long long)(v.mem.size >> 20));
    current_run = v.run;
    status = loop(&v, st, err);
    current_run = NULL;
out:
    if (v.have_proc) {
        st->syscalls = v.proc.calls;
        st->unimplemented = v.proc.unimplemented;
        st->signals = v.proc.signals;
        memcpy(st->by_nr, v.proc.by_nr, sizeof(st->by_nr));
    }
    vm_ioctl_counts(st->ioctls);
    instance_free(&v);
    return status;
}
