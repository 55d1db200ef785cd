/* vm_signal.c: the guest's signals: dispositions, the mask, the alternate stack, kills the guest
 * sends itself, and Linux x86-64 signal frames built on delivery and read back by rt_sigreturn. */
#include "vmcore.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>

/* sa_flags and sigaltstack flags of x86-64 (Linux arch/x86/include/uapi/asm/signal.h,
 * include/uapi/linux/signal.h): fixed by the ABI, whatever the host's headers expose. */
#define VM_SA_SIGINFO 0x00000004ull
#define VM_SA_RESTORER 0x04000000ull
#define VM_SA_ONSTACK 0x08000000ull
#define VM_SA_RESTART 0x10000000ull
#define VM_SA_NODEFER 0x40000000ull
#define VM_SA_RESETHAND 0x80000000ull
#define VM_SS_ONSTACK 1
#define VM_SS_DISABLE 2
#define VM_SS_AUTODISARM (1u << 31)
#define VM_MINSIGSTKSZ 2048
#define VM_SIG_DFL 0
#define VM_SIG_IGN 1
#define VM_SI_USER 0
#define VM_SI_TKILL (-6)
/* The guest's own ids (vm_sys.c's getpid/gettid): its kills name these. */
#define VM_SELF 2

/* rflags bits rt_sigreturn takes from the frame (Linux arch/x86/kernel/signal.c FIX_EFLAGS: AC,
 * OF, DF, TF, SF, ZF, AF, PF, CF, RF); IOPL, NT, VM and IF stay the kernel's. */
#define VM_FIX_EFLAGS 0x50dd5ull
#define VM_EFLAGS_TF (1ull << 8)
#define VM_EFLAGS_DF (1ull << 10)
#define VM_EFLAGS_RF (1ull << 16)
#define VM_UNBLOCKABLE ((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)))
/* Below the interrupted rsp lies the red zone the System V AMD64 ABI (3.2.2) lets leaf code use
 * without moving rsp: the frame goes under it. */
#define VM_REDZONE 128

/* struct sigcontext of x86-64 (arch/x86/include/uapi/asm/sigcontext.h): 256 bytes. */
struct vm_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; /* the FXSAVE image's address, 64-byte aligned */
    uint64_t reserved[8];
};
/* struct ucontext (arch/x86/include/uapi/asm/ucontext.h) with stack_t and the kernel's 8-byte
 * sigset_t. */
struct vm_ucontext {
    uint64_t flags, link;
    uint64_t ss_sp;
    int32_t ss_flags, pad;
    uint64_t ss_size;
    struct vm_sigcontext mc;
    uint64_t sigmask;
};
/* struct rt_sigframe (arch/x86/include/asm/sigframe.h): the handler's `ret` pops pretcode. */
struct vm_rt_sigframe {
    uint64_t pretcode;
    struct vm_ucontext uc;
    uint8_t info[128]; /* siginfo_t */
};
_Static_assert(sizeof(struct vm_sigcontext) == 256, "struct sigcontext is 256 bytes");
_Static_assert(offsetof(struct vm_rt_sigframe, uc.mc) == 48, "uc_mcontext at 40 in ucontext");
_Static_assert(offsetof(struct vm_rt_sigframe, info) == 312, "siginfo after the 304-byte uc");
/* vm_user_state starts with sigcontext's 18 registers in the same order. */
_Static_assert(offsetof(struct vm_user_state, rflags) == offsetof(struct vm_sigcontext, eflags),
               "the registers of vm_user_state are sigcontext's");
/* uc_flags: ss is saved and restored strictly (UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS). */
#define VM_UC_FLAGS 0x6ull

static uint64_t sigbit(int sig)
{
    return 1ull << (sig - 1);
}

static bool valid_sig(int64_t sig)
{
    return sig >= 1 && sig <= VM_NSIG;
}

/* Signals whose default action is to do nothing (signal(7)). Stopping needs a job-control
 * parent, which a guest alone in its VM has not: the stop signals are ignored too. */
static bool default_ignored(int sig)
{
    return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH ||
           sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU || sig == SIGSTOP;
}

static bool on_altstack(const struct vm_proc *p, uint64_t sp)
{
    /* Linux's on_sig_stack: the stack grows down from ss_sp + ss_size; with SS_AUTODISARM the
     * stack is disarmed while in use, so the guest is never "on" it. */
    return !(p->ss_flags & (VM_SS_DISABLE | (int)VM_SS_AUTODISARM)) && sp > p->ss_sp && sp - p->ss_sp <= p->ss_size;
}

/* IRETQ to a non-canonical rip raises #GP in ring 0 (AMD64 APM vol. 2, 8.7.3): Linux turns such a
 * return into SIGSEGV for the process, and so do we, before the shim can take that fault. */
static bool canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

static enum vm_sig_action kill_with(struct vm_proc *p, int sig)
{
    p->exited = true;
    p->exit_status = 128 + sig;
    return VM_SIG_KILL;
}

VM_SYS(rt_sigprocmask)
{
    if (a[3] != 8)
        return -EINVAL;
    uint64_t old = p->sigmask, set = 0;
    if (a[1]) {
        if (xlat_mem_read(&p->mem->user, a[1], &set, 8) < 0)
            return -EFAULT;
        switch (a[0]) {
        case SIG_BLOCK: p->sigmask |= set; break;
        case SIG_UNBLOCK: p->sigmask &= ~set; break;
        case SIG_SETMASK: p->sigmask = set; break;
        default: return -EINVAL;
        }
        /* SIGKILL and SIGSTOP cannot be blocked (sigprocmask(2)). */
        p->sigmask &= ~VM_UNBLOCKABLE;
    }
    if (a[2] && xlat_mem_write(&p->mem->user, a[2], &old, 8) < 0)
        return -EFAULT;
    return 0;
}

VM_SYS(rt_sigaction)
{
    int64_t sig = (int64_t)a[0];
    if (a[3] != 8 || !valid_sig(sig))
        return -EINVAL;
    struct vm_sigaction n;
    if (a[1]) {
        if (xlat_mem_read(&p->mem->user, a[1], &n, sizeof(n)) < 0)
            return -EFAULT;
        /* SIGKILL and SIGSTOP keep their default action (sigaction(2): EINVAL). */
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
    }
    struct vm_sigaction old = p->act[sig - 1];
    if (a[1]) {
        n.mask &= ~VM_UNBLOCKABLE;
        p->act[sig - 1] = n;
        /* A signal set to be ignored is discarded even while pending (POSIX sigaction). */
        if (n.handler == VM_SIG_IGN || (n.handler == VM_SIG_DFL && default_ignored((int)sig)))
            p->pending &= ~sigbit((int)sig);
    }
    if (a[2] && xlat_mem_write(&p->mem->user, a[2], &old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

VM_SYS(rt_sigreturn)
{
    (void)a;
    /* The registers are the engine's to restore (vm_signal_return), after this returns. */
    p->sigreturn = true;
    return 0;
}

/* Set the alternate stack as sigaltstack(2) does: 0 or -errno. */
static int64_t set_altstack(struct vm_proc *p, uint64_t sp, int flags, uint64_t size)
{
    if (on_altstack(p, p->user_sp))
        return -EPERM;
    int mode = flags & ~(int)VM_SS_AUTODISARM;
    if (mode != 0 && mode != VM_SS_DISABLE && mode != VM_SS_ONSTACK)
        return -EINVAL;
    if (mode == VM_SS_DISABLE) {
        p->ss_sp = p->ss_size = 0;
        p->ss_flags = VM_SS_DISABLE;
        return 0;
    }
    if (size < VM_MINSIGSTKSZ)
        return -ENOMEM;
    p->ss_sp = sp;
    p->ss_size = size;
    p->ss_flags = flags & (int)VM_SS_AUTODISARM;
    return 0;
}

VM_SYS(sigaltstack)
{
    /* stack_t: ss_sp, int ss_flags (padded to 8), ss_size. */
    uint64_t old[3] = {p->ss_sp, (uint32_t)p->ss_flags, p->ss_size};
    if (on_altstack(p, p->user_sp))
        old[1] |= VM_SS_ONSTACK;
    if (a[0]) {
        uint64_t n[3];
        if (xlat_mem_read(&p->mem->user, a[0], n, sizeof(n)) < 0)
            return -EFAULT;
        int64_t r = set_altstack(p, n[0], (int)(uint32_t)n[1], n[2]);
        if (r < 0)
            return r;
    }
    if (a[1] && xlat_mem_write(&p->mem->user, a[1], old, sizeof(old)) < 0)
        return -EFAULT;
    return 0;
}

static int64_t raise_sig(struct vm_proc *p, int64_t sig, int code)
{
    if (sig == 0)
        return 0; /* only whether the target exists: it does */
    if (!valid_sig(sig))
        return -EINVAL;
    /* Delivered on the way back to ring 3 (vm_signal_next), once the mask lets it through. */
    p->pending |= sigbit((int)sig);
    p->pending_code[sig - 1] = code;
    return 0;
}

bool vm_signal_restarts(const struct vm_proc *p)
{
    uint64_t ready = p->pending & ~p->sigmask;
    if (!ready)
        return true;
    int sig = __builtin_ctzll(ready) + 1;
    const struct vm_sigaction *act = &p->act[sig - 1];
    if (act->handler == VM_SIG_IGN || (act->handler == VM_SIG_DFL && default_ignored(sig)))
        return true;
    return act->handler != VM_SIG_DFL && (act->flags & VM_SA_RESTART);
}

void vm_signal_raise(struct vm_proc *p, int sig)
{
    raise_sig(p, sig, VM_SI_USER);
}

VM_SYS(kill)
{
    int32_t pid = (int32_t)a[0];
    if (!valid_sig((int64_t)a[1]) && a[1] != 0)
        return -EINVAL;
    /* The guest is alone: itself (its pid, its group 0, everyone -1) or no one. */
    if (pid != VM_SELF && pid != 0 && pid != -1 && pid != -VM_SELF)
        return -ESRCH;
    return raise_sig(p, (int64_t)a[1], VM_SI_USER);
}

VM_SYS(tgkill)
{
    int32_t tgid = (int32_t)a[0], tid = (int32_t)a[1];
    if (tgid <= 0 || tid <= 0 || (!valid_sig((int64_t)a[2]) && a[2] != 0))
        return -EINVAL;
    if (tgid != VM_SELF || tid != VM_SELF)
        return -ESRCH;
    return raise_sig(p, (int64_t)a[2], VM_SI_TKILL);
}

VM_SYS(tkill)
{
    if ((int32_t)a[0] <= 0 || (!valid_sig((int64_t)a[1]) && a[1] != 0))
        return -EINVAL;
    if ((int32_t)a[0] != VM_SELF)
        return -ESRCH;
    return raise_sig(p, (int64_t)a[1], VM_SI_TKILL);
}

VM_SYS(rt_sigpending)
{
    if (a[1] != 8)
        return -EINVAL;
    /* Only blocked signals stay pending: the rest were delivered on the way back to ring 3. */
    return xlat_mem_write(&p->mem->user, a[0], &p->pending, 8);
}

bool vm_signal_next(struct vm_proc *p, struct vm_siginfo *si)
{
    uint64_t ready = p->pending & ~p->sigmask;
    if (!ready)
        return false;
    int sig = __builtin_ctzll(ready) + 1;
    p->pending &= ~sigbit(sig);
    si->signo = sig;
    si->code = p->pending_code[sig - 1];
    si->addr = 0;
    return true;
}

/* siginfo_t (include/uapi/asm-generic/siginfo.h): signo, errno, code, then the union at 16:
 * si_addr for a fault, si_pid and si_uid for a kill. */
static void fill_info(uint8_t info[128], const struct vm_siginfo *si, bool forced)
{
    memset(info, 0, 128);
    int32_t head[3] = {si->signo, 0, si->code};
    memcpy(info, head, sizeof(head));
    if (forced) {
        memcpy(info + 16, &si->addr, 8);
    } else {
        int32_t who[2] = {VM_SELF, 0};
        memcpy(info + 16, who, sizeof(who));
    }
}

enum vm_sig_action vm_signal_deliver(struct vm_proc *p, const struct vm_siginfo *si, bool forced,
                                     struct vm_user_state *s)
{
    int sig = si->signo;
    if (!valid_sig(sig))
        return kill_with(p, SIGSEGV);
    struct vm_sigaction *act = &p->act[sig - 1];
    /* A fault cannot be blocked or ignored away: Linux resets such a handler to the default
     * and unblocks the signal (kernel/signal.c force_sig_info_to_task). */
    if (forced && ((p->sigmask & sigbit(sig)) || act->handler == VM_SIG_IGN)) {
        act->handler = VM_SIG_DFL;
        p->sigmask &= ~sigbit(sig);
    }
    if (act->handler == VM_SIG_IGN)
        return VM_SIG_NONE;
    if (act->handler == VM_SIG_DFL || sig == SIGKILL)
        return default_ignored(sig) && !forced ? VM_SIG_NONE : kill_with(p, sig);
    /* x86-64 Linux returns from a handler only through sa_restorer; without one the frame
     * cannot be built and the process gets SIGSEGV (arch/x86/kernel/signal.c). */
    if (!(act->flags & VM_SA_RESTORER) || !canonical(act->handler))
        return kill_with(p, SIGSEGV);

    /* Where the frame goes (Linux get_sigframe): under the red zone, or at the top of the
     * alternate stack for SA_ONSTACK when not already on it; the FXSAVE image 64-byte aligned
     * first, then the rt_sigframe with rsp + 8 16-byte aligned, as after a call. */
    uint64_t sp = s->rsp - VM_REDZONE;
    bool to_alt = (act->flags & VM_SA_ONSTACK) && !(p->ss_flags & VM_SS_DISABLE) &&
                  !on_altstack(p, s->rsp);
    if (to_alt)
        sp = p->ss_sp + p->ss_size;
    uint64_t fx_addr = (sp - sizeof(s->fx)) & ~(uint64_t)63;
    uint64_t frame_addr = ((fx_addr - sizeof(struct vm_rt_sigframe)) & ~(uint64_t)15) - 8;

    struct vm_rt_sigframe f;
    memset(&f, 0, sizeof(f));
    f.pretcode = act->restorer;
    f.uc.flags = VM_UC_FLAGS;
    f.uc.ss_sp = p->ss_sp;
    f.uc.ss_flags = p->ss_flags | (on_altstack(p, s->rsp) ? VM_SS_ONSTACK : 0);
    f.uc.ss_size = p->ss_size;
    memcpy(&f.uc.mc, s, offsetof(struct vm_user_state, err));
    f.uc.mc.cs = VM_USER_CS;
    f.uc.mc.ss = VM_USER_SS;
    f.uc.mc.err = s->err;
    f.uc.mc.trapno = s->trapno;
    f.uc.mc.oldmask = p->sigmask;
    f.uc.mc.cr2 = s->cr2;
    f.uc.mc.fpstate = fx_addr;
    f.uc.sigmask = p->sigmask;
    if (act->flags & VM_SA_SIGINFO)
        fill_info(f.info, si, forced);
    /* A frame that cannot be written (stack unmapped, read-only, wrapping) is SIGSEGV, which
     * kills (Linux force_sigsegv). */
    if (fx_addr > sp || frame_addr > fx_addr ||
        xlat_mem_write(&p->mem->user, fx_addr, s->fx, sizeof(s->fx)) < 0 ||
        xlat_mem_write(&p->mem->user, frame_addr, &f, sizeof(f)) < 0)
        return kill_with(p, SIGSEGV);
    if (to_alt && (p->ss_flags & (int)VM_SS_AUTODISARM)) {
        p->ss_sp = p->ss_size = 0;
        p->ss_flags = VM_SS_DISABLE;
    }

    /* The handler's entry: rdi = signo, rsi = &info, rdx = &uc (Linux sets all three whatever
     * SA_SIGINFO says), rax = 0; DF, RF and TF clear; a fresh FPU. */
    s->rdi = (uint64_t)sig;
    s->rsi = frame_addr + offsetof(struct vm_rt_sigframe, info);
    s->rdx = frame_addr + offsetof(struct vm_rt_sigframe, uc);
    s->rax = 0;
    s->rip = act->handler;
    s->rsp = frame_addr;
    s->rflags &= ~(VM_EFLAGS_DF | VM_EFLAGS_RF | VM_EFLAGS_TF);
    vm_cpu_init_fx(s->fx);

    p->sigmask |= act->mask;
    if (!(act->flags & VM_SA_NODEFER))
        p->sigmask |= sigbit(sig);
    p->sigmask &= ~VM_UNBLOCKABLE;
    if (act->flags & VM_SA_RESETHAND)
        act->handler = VM_SIG_DFL;
    p->signals++;
    return VM_SIG_HANDLER;
}

enum vm_sig_action vm_signal_return(struct vm_proc *p, struct vm_user_state *s)
{
    /* The handler's `ret` popped pretcode: the frame starts 8 below (Linux sys_rt_sigreturn). */
    struct vm_rt_sigframe f;
    uint64_t frame_addr = s->rsp - 8;
    if (s->rsp < 8 || xlat_mem_read(&p->mem->user, frame_addr, &f, sizeof(f)) < 0)
        return kill_with(p, SIGSEGV);
    if (f.uc.mc.fpstate) {
        if (xlat_mem_read(&p->mem->user, f.uc.mc.fpstate, s->fx, sizeof(s->fx)) < 0)
            return kill_with(p, SIGSEGV);
    } else {
        vm_cpu_init_fx(s->fx);
    }
    p->sigmask = f.uc.sigmask & ~VM_UNBLOCKABLE;
    uint64_t flags = s->rflags;
    memcpy(s, &f.uc.mc, offsetof(struct vm_user_state, err));
    s->rflags = (flags & ~VM_FIX_EFLAGS) | (f.uc.mc.eflags & VM_FIX_EFLAGS);
    if (!canonical(s->rip))
        return kill_with(p, SIGSEGV);
    /* The alternate stack as the frame saved it; refused (still on it) or bad, it is left as it
     * is (Linux restore_altstack ignores the error). */
    set_altstack(p, f.uc.ss_sp, f.uc.ss_flags, f.uc.ss_size);
    return VM_SIG_HANDLER;
}
