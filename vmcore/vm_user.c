/* vm_user.c: ring 3 as the personality sees it: KVM's registers to and from the ABI's register
 * state, each hypercall handed to syscall-xlat, exceptions turned into signals, and the
 * personality's signal frames loaded back into the vCPU. */
#include "vm_internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>

/* Only the flags ring 3 may hold: never IOPL, always IF and the reserved bit 1 (the arithmetic
 * flags, TF, DF, AC, RF and ID as given). */
#define VM_USER_RFLAGS(f) (((f) & 0x250dd5ull) | 0x202)

/* The general registers of kvm_regs; rip, rsp, rflags and the rest are the caller's. */
static void regs_from_kvm(struct xlat_x86_regs *s, const struct kvm_regs *r)
{
    memset(s, 0, offsetof(struct xlat_x86_regs, fx));
    s->r8 = r->r8, s->r9 = r->r9, s->r10 = r->r10, s->r11 = r->r11;
    s->r12 = r->r12, s->r13 = r->r13, s->r14 = r->r14, s->r15 = r->r15;
    s->rdi = r->rdi, s->rsi = r->rsi, s->rbp = r->rbp, s->rbx = r->rbx;
    s->rdx = r->rdx, s->rax = r->rax, s->rcx = r->rcx;
    s->rip = r->rip, s->rsp = r->rsp, s->rflags = r->rflags;
}

static void regs_to_kvm(struct kvm_regs *r, const struct xlat_x86_regs *s)
{
    r->r8 = s->r8, r->r9 = s->r9, r->r10 = s->r10, r->r11 = s->r11;
    r->r12 = s->r12, r->r13 = s->r13, r->r14 = s->r14, r->r15 = s->r15;
    r->rdi = s->rdi, r->rsi = s->rsi, r->rbp = s->rbp, r->rbx = s->rbx;
    r->rdx = s->rdx, r->rax = s->rax, r->rcx = s->rcx;
    r->rip = s->rip, r->rsp = s->rsp, r->rflags = VM_USER_RFLAGS(s->rflags);
}

/* Return to ring 3 in state s from the shim, which is stopped at its `out`: the general
 * registers through KVM_SET_REGS, rip, rsp and rflags through the iret frame in the shim's data
 * page (the vCPU's own rip stays at the `out`, so KVM completes it and the shim goes on to its
 * iretq). */
int vm_resume_from_shim(struct vm_vcpu *c, struct kvm_regs *r, const struct xlat_x86_regs *s,
                        struct viv_error *err)
{
    uint64_t rip = r->rip, rsp = r->rsp, rflags = r->rflags;
    regs_to_kvm(r, s);
    uint64_t frame[5] = {s->rip, VM_USER_CS, VM_USER_RFLAGS(s->rflags), s->rsp, VM_USER_SS};
    r->rip = rip, r->rsp = rsp, r->rflags = rflags;
    uint8_t *data = vm_sys_host(&c->v->mem, c->slot, VM_SYS_DATA);
    memcpy(data + VM_DATA_FRAME, frame, sizeof(frame));
    data[VM_DATA_IRET] = 1;
    if (vm_regs_set(c, r) < 0)
        return viv_fail(err, errno, "KVM_SET_REGS");
    if (vm_cpu_set_fx(c->fd, s->fx) < 0)
        return viv_fail(err, errno, "KVM_SET_XSAVE");
    return 0;
}

int vm_status(const struct vm_instance *v)
{
    int sig = __atomic_load_n(&v->killed_by, __ATOMIC_ACQUIRE);
    return sig ? 128 + sig : xlat_proc_exit_status(v->proc);
}

/* Deliver what is pending for the guest's thread onto s (*fx_loaded: s->fx is the vCPU's).
 * *changed tells whether a handler's frame was built; 1 when a signal ended the guest. */
static int take_signals(struct vm_vcpu *c, struct xlat_regs *s, bool *fx_loaded,
                        bool *changed, struct viv_error *err)
{
    struct vm_instance *v = c->v;
    siginfo_t si;
    enum xlat_sig_action act;
    int sig;
    while ((sig = xlat_signal_next(c->thread, &si, &act)) != 0) {
        if (act == XLAT_SIG_KILL) {
            viv_trace(VIV_TRACE_VM, "vm", "signal %d ends the guest", sig);
            vm_set_killed(v, sig);
            return 1;
        }
        if (!*fx_loaded) {
            if (vm_cpu_get_fx(c->fd, s->x86.fx) < 0)
                return viv_fail(err, errno, "KVM_GET_XSAVE");
            *fx_loaded = true;
        }
        if (xlat_signal_deliver(c->thread, sig, &si, s) < 0) {
            /* No room for the frame, or no sa_restorer: force_sigsegv. */
            viv_trace(VIV_TRACE_VM, "vm", "signal %d: cannot build its frame", sig);
            vm_set_killed(v, SIGSEGV);
            return 1;
        }
        viv_trace(VIV_TRACE_VM, "vm", "signal %d: handler %#llx, frame at %#llx", sig,
                  (unsigned long long)s->x86.rip, (unsigned long long)s->x86.rsp);
        *changed = true;
    }
    return 0;
}

int vm_user_syscall(struct vm_vcpu *c, struct viv_error *err)
{
    struct vm_instance *v = c->v;
    struct kvm_regs r;
    if (vm_regs_get(c, &r) < 0)
        return viv_fail(err, errno, "KVM_GET_REGS");
    /* The state at the syscall: rip in rcx and rflags in r11 as SYSCALL left them (AMD64 APM
     * vol. 2, 6.1.1); SYSCALL does not switch stacks, so rsp is ring 3's. */
    /* Pending signals are taken below: a kick from before this exit needs no exit of its own. */
    vm_shim_kick(c, false);
    struct xlat_regs s;
    regs_from_kvm(&s.x86, &r);
    s.x86.rip = r.rcx, s.x86.rflags = r.r11;
    const uint64_t a[6] = {r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9};
    int64_t ret = 0;
    uint64_t gen = vm_shim_fds_before(c, r.rax, a);
    uint64_t mask = xlat_thread_sigmask(c->thread);
    enum xlat_sys_result res = xlat_thread_syscall(c->thread, r.rax, a, &s, &ret);
    vm_guard_note(c, r.rax, mask);
    vm_shim_after_call(c, r.rax);
    if (res == XLAT_SYS_DONE)
        vm_shim_fds_after(c, r.rax, a, ret, gen);
    vm_tlb_shootdown(c);
    bool fx_loaded = false, changed = false;
    if (c->resume_past_out) {
        /* A forked child's new vCPU: no `out` is pending for KVM to complete, so the shim
         * goes on after its 2-byte `out` by hand. */
        r.rip += 2;
        c->resume_past_out = false;
    }
    switch (res) {
    case XLAT_SYS_DONE:
        r.rax = (uint64_t)ret;
        s.x86.rax = (uint64_t)ret;
        break;
    case XLAT_SYS_RESTART:
        /* Back onto the 2-byte `syscall` with the number in rax, as Linux's -ERESTARTSYS
         * handling does (arch/x86/kernel/signal.c). */
        s.x86.rip -= 2;
        changed = true;
        break;
    case XLAT_SYS_REGS:
        /* rt_sigreturn: every register, the FPU's included, comes from the frame. A clone
         * child on a new stack: the FPU is the vCPU's. */
        fx_loaded = r.rax == 15; /* rax still holds the call's number */
        changed = true;
        break;
    case XLAT_SYS_EXIT:
        /* exit_group: every other vCPU stops, then the process is done. */
        xlat_proc_stop_others(c->thread);
        return 1;
    case XLAT_SYS_THREAD_EXIT:
        return 1;
    case XLAT_SYS_EXEC:
        /* The other threads go first (de_thread); one that lost the race to another exit or
         * exec leaves instead. */
        if (!xlat_proc_stop_others(c->thread)) {
            xlat_proc_exec_clear(v->proc);
            return 1;
        }
        return vm_exec(c, &r, err);
    default:
        return viv_fail(err, EINVAL, "the personality asked for what this engine lacks (%d)",
                        (int)res);
    }
    int k = take_signals(c, &s, &fx_loaded, &changed, err);
    if (k != 0)
        return k;
    if (!changed) {
        /* KVM resumes after the `out` on the next KVM_RUN (the PIO completes there), with
         * these registers (api.rst 5. "The kvm_run structure", KVM_EXIT_IO). */
        if (vm_regs_set(c, &r) < 0)
            return viv_fail(err, errno, "KVM_SET_REGS");
        return 0;
    }
    if (!fx_loaded && vm_cpu_get_fx(c->fd, s.x86.fx) < 0)
        return viv_fail(err, errno, "KVM_GET_XSAVE");
    return vm_resume_from_shim(c, &r, &s.x86, err) < 0 ? -1 : 0;
}

/* si_code of a fault's signal (Linux arch/x86/kernel/traps.c, arch/x86/mm/fault.c). */
static int fault_code(unsigned vec, uint64_t error)
{
    switch (vec) {
    case 0: return FPE_INTDIV;
    case 6: return ILL_ILLOPN;
    case 14: return error & 1 ? SEGV_ACCERR : SEGV_MAPERR; /* present page, or none */
    case 16: case 19: return 0;          /* the FPU's own codes: not decoded yet */
    default: return SI_KERNEL;           /* #GP, int3, the rest */
    }
}

/* A fault's signal si onto the guest's state s: 1 when it ends the guest instead (blocked,
 * ignored or at its default, as force_sig_fault has it, or no room for the frame), else 0 with
 * s the handler's. */
static int fault_to_handler(struct vm_vcpu *c, siginfo_t *si, struct xlat_regs *s,
                            struct viv_error *err)
{
    struct vm_instance *v = c->v;
    int sig = si->si_signo;
    if (xlat_signal_fault(v->proc, sig) != XLAT_SIG_HANDLER) {
        viv_trace(VIV_TRACE_VM, "vm", "signal %d ends the guest", sig);
        vm_set_killed(v, sig);
        return 1;
    }
    if (vm_cpu_get_fx(c->fd, s->x86.fx) < 0)
        return viv_fail(err, errno, "KVM_GET_XSAVE");
    if (xlat_signal_deliver(c->thread, sig, si, s) < 0) {
        vm_set_killed(v, SIGSEGV);
        return 1;
    }
    viv_trace(VIV_TRACE_VM, "vm", "signal %d: handler %#llx, frame at %#llx", sig,
              (unsigned long long)s->x86.rip, (unsigned long long)s->x86.rsp);
    return 0;
}

int vm_user_fault(struct vm_vcpu *c, struct viv_error *err)
{
    struct vm_instance *v = c->v;
    /* The shim left [vector, error, rip, cs, rflags, rsp, ss] on its stack. */
    struct kvm_regs r;
    struct kvm_sregs sr;
    if (vm_regs_get(c, &r) < 0 || vm_ioctl(c->fd, KVM_GET_SREGS, &sr) < 0)
        return viv_fail(err, errno, "read the faulting vCPU");
    uint64_t lo = vm_sys_kva(c->slot, VM_SYS_STACK);
    uint64_t hi = vm_sys_kva(c->slot, VM_SYS_SLOT);
    uint64_t f[7];
    if (r.rsp < lo || r.rsp > hi - sizeof(f))
        return viv_fail(err, EFAULT, "the shim's fault stack is off its pages (rsp %#llx)",
                        (unsigned long long)r.rsp);
    memcpy(f, vm_sys_host(&v->mem, c->slot, 0) + (r.rsp - vm_sys_kva(c->slot, 0)), sizeof(f));
    unsigned vec = (unsigned)f[0];
    v->st->faults++;
    viv_trace(VIV_TRACE_VM, "vm", "%s (vector %u, error %#llx) at rip %#llx, cr2 %#llx",
              vm_fault_name(vec), vec, (unsigned long long)f[1], (unsigned long long)f[2],
              (unsigned long long)sr.cr2);
    if ((f[3] & 3) != 3)
        return viv_fail(err, EFAULT, "the shim itself took %s at %#llx (cr2 %#llx)",
                        vm_fault_name(vec), (unsigned long long)f[2],
                        (unsigned long long)sr.cr2);
    int sig = vm_fault_signal(vec);
    struct xlat_regs s;
    regs_from_kvm(&s.x86, &r);
    s.x86.rip = f[2], s.x86.rflags = f[4], s.x86.rsp = f[5];
    s.x86.err = f[1], s.x86.trapno = vec;
    s.x86.cr2 = vec == 14 ? sr.cr2 : 0;
    /* si_addr is CR2 for a page fault, the faulting instruction for #UD/#DE/#MF/#XF, 0 for the
     * rest (Linux's do_trap and do_error_trap). */
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    si.si_code = fault_code(vec, f[1]);
    /* A page mapped without rights (PROT_NONE) is absent from the tables but in the map: Linux
     * finds its vma, so the fault is an access error (arch/x86/mm/fault.c, access_error and
     * bad_area_access_error), not a missing mapping. */
    const struct xlat_mem *um = &v->mem.user;
    if (vec == 14 && si.si_code == SEGV_MAPERR && sr.cr2 < um->size &&
        (um->pages[sr.cr2 / VM_PAGE] & XLAT_PG_MAPPED))
        si.si_code = SEGV_ACCERR;
    uint64_t addr = vec == 14 ? sr.cr2 : (vec == 0 || vec == 6 || vec == 16 || vec == 19) ? f[2] : 0;
    si.si_addr = (void *)(uintptr_t)addr;
    int k = fault_to_handler(c, &si, &s, err);
    if (k != 0)
        return k;
    return vm_resume_from_shim(c, &r, &s.x86, err) < 0 ? -1 : 0;
}

int vm_user_bus_error(struct vm_vcpu *c, struct viv_error *err)
{
    struct vm_instance *v = c->v;
    struct kvm_regs r;
    struct kvm_sregs sr;
    if (vm_ioctl(c->fd, KVM_GET_SREGS, &sr) < 0 || vm_regs_get(c, &r) < 0)
        return viv_fail(err, errno, "read the vCPU KVM could not run");
    if ((sr.cs.selector & 3) != 3)
        return viv_fail(err, EFAULT, "KVM_RUN: the shim touched a page the host cannot give "
                                     "(rip %#llx)", (unsigned long long)r.rip);
    v->st->faults++;
    viv_trace(VIV_TRACE_VM, "vm", "SIGBUS: a page the host cannot give, at rip %#llx",
              (unsigned long long)r.rip);
    vm_shim_take_records(c);
    struct xlat_regs s;
    regs_from_kvm(&s.x86, &r);
    /* KVM does not say which address it could not map: si_addr stays 0. */
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGBUS;
    si.si_code = BUS_ADRERR;
    int k = fault_to_handler(c, &si, &s, err);
    if (k != 0)
        return k;
    regs_to_kvm(&r, &s.x86);
    if (vm_regs_set(c, &r) < 0)
        return viv_fail(err, errno, "KVM_SET_REGS");
    if (vm_cpu_set_fx(c->fd, s.x86.fx) < 0)
        return viv_fail(err, errno, "KVM_SET_XSAVE");
    return 0;
}

/* A vCPU stopped in the shim past its last look at the kick flag would return to ring 3 without
 * seeing the flag just set: it goes back to that look. */
static int look_again(struct vm_vcpu *c, struct viv_error *err)
{
    struct vm_shim shim;
    vm_shim_get(&shim);
    struct kvm_regs r;
    if (vm_regs_get(c, &r) < 0)
        return viv_fail(err, errno, "read the interrupted vCPU");
    uint64_t base = vm_sys_kva(c->slot, 0), off = r.rip - base;
    uint64_t at = vm_shim_resume_at(&shim, off);
    if (at == off)
        return 0;
    r.rip = base + at;
    if (vm_regs_set(c, &r) < 0)
        return viv_fail(err, errno, "KVM_SET_REGS");
    return 0;
}

int vm_user_interrupted(struct vm_vcpu *c, struct viv_error *err)
{
    c->run->immediate_exit = 0;
    struct kvm_regs r;
    struct kvm_sregs sr;
    if (vm_ioctl(c->fd, KVM_GET_SREGS, &sr) < 0)
        return viv_fail(err, errno, "read the interrupted vCPU");
    if ((sr.cs.selector & 3) != 3) {
        /* In the shim, between ring 3 and its exit or on its way back without one (a call it
         * answers itself): it exits again before ring 3. */
        vm_shim_kick(c, true);
        c->stopped_in_shim = true;
        return look_again(c, err);
    }
    /* Published before the records are taken: replaying one may start a shootdown of its own
     * (vm_shim_state.c, mprotect_taken), which waits for any shootdown running, and that one
     * may be waiting for this vCPU (vm_tlb.c, flushed). */
    __atomic_store_n(&c->stopped_in_ring3, true, __ATOMIC_SEQ_CST);
    vm_shim_take_records(c);
    if (vm_regs_get(c, &r) < 0)
        return viv_fail(err, errno, "read the interrupted vCPU");
    struct xlat_regs s;
    regs_from_kvm(&s.x86, &r);
    bool fx_loaded = false, changed = false;
    int k = take_signals(c, &s, &fx_loaded, &changed, err);
    if (k != 0)
        return k;
    if (changed) {
        /* In ring 3 with no I/O pending: the handler's registers go straight into the vCPU. */
        regs_to_kvm(&r, &s.x86);
        if (vm_regs_set(c, &r) < 0)
            return viv_fail(err, errno, "KVM_SET_REGS");
        if (vm_cpu_set_fx(c->fd, s.x86.fx) < 0)
            return viv_fail(err, errno, "KVM_SET_XSAVE");
    }
    return vm_tlb_flush_stopped(c, err);
}

int vm_user_kicked(struct vm_vcpu *c, bool iret, struct viv_error *err)
{
    vm_shim_kick(c, false);
    struct kvm_regs r;
    if (vm_regs_get(c, &r) < 0)
        return viv_fail(err, errno, "KVM_GET_REGS");
    /* Ring 3's state: sysretq's (rip in rcx, rflags in r11, rsp ring 3's), or the frame's. */
    struct xlat_regs s;
    regs_from_kvm(&s.x86, &r);
    s.x86.rip = r.rcx, s.x86.rflags = r.r11;
    uint8_t *data = vm_sys_host(&c->v->mem, c->slot, VM_SYS_DATA);
    if (iret) {
        uint64_t frame[5];
        memcpy(frame, data + VM_DATA_FRAME, sizeof(frame));
        s.x86.rip = frame[0], s.x86.rflags = frame[2], s.x86.rsp = frame[3];
    }
    bool fx_loaded = false, changed = false;
    int k = take_signals(c, &s, &fx_loaded, &changed, err);
    if (k != 0)
        return k;
    if (changed) {
        if (!fx_loaded && vm_cpu_get_fx(c->fd, s.x86.fx) < 0)
            return viv_fail(err, errno, "KVM_GET_XSAVE");
        return vm_resume_from_shim(c, &r, &s.x86, err) < 0 ? -1 : 0;
    }
    /* Nothing to deliver (it went to another thread, or is blocked): back the way it was. */
    if (iret)
        data[VM_DATA_IRET] = 1;
    return 0;
}
