/* x86_sigframe.c: the x86-64 signal frame (struct rt_sigframe with its ucontext, the FXSAVE
 * image and siginfo), built on delivery and read back by rt_sigreturn. */
#include "sys_internal.h"

#include <stddef.h>

#ifndef SA_RESTORER
#define SA_RESTORER 0x04000000 /* arch/x86/include/uapi/asm/signal.h */
#endif
/* rflags bits rt_sigreturn takes from the frame (arch/x86/kernel/signal.c FIX_EFLAGS: AC, OF,
 * DF, TF, SF, ZF, AF, PF, CF, RF); IOPL, NT, VM and IF stay the kernel's. */
#define X86_FIX_EFLAGS 0x50dd5ull
#define X86_EFLAGS_TF (1ull << 8)
#define X86_EFLAGS_DF (1ull << 10)
#define X86_EFLAGS_RF (1ull << 16)
/* Below the interrupted rsp lies the red zone the System V AMD64 ABI (3.2.2) lets leaf code use
 * without moving rsp: the frame goes under it. */
#define X86_REDZONE 128
/* Ring 3's selectors, as Linux's GDT has them (__USER_CS, __USER_DS). */
#define X86_USER_CS 0x33
#define X86_USER_SS 0x2b
/* uc_flags: ss is saved and restored strictly (UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS). */
#define X86_UC_FLAGS 0x6ull
/* FXSAVE image offsets (Intel SDM vol. 1, Table 10-2). */
enum { FX_FCW = 0, FX_MXCSR = 24, FX_MXCSR_MASK = 28 };

/* struct sigcontext of x86-64 (arch/x86/include/uapi/asm/sigcontext.h): 256 bytes. */
struct x86_sigcontext {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
    uint16_t cs, gs, fs, ss;
    uint64_t err, trapno, oldmask, cr2;
    uint64_t fpstate; /* the FXSAVE image's address, 64-byte aligned */
    uint64_t reserved[8];
};
/* struct ucontext (arch/x86/include/uapi/asm/ucontext.h) with stack_t and the kernel's 8-byte
 * sigset_t. */
struct x86_ucontext {
    uint64_t flags, link;
    uint64_t ss_sp;
    int32_t ss_flags, pad;
    uint64_t ss_size;
    struct x86_sigcontext mc;
    uint64_t sigmask;
};
/* struct rt_sigframe (arch/x86/include/asm/sigframe.h): the handler's `ret` pops pretcode. */
struct x86_rt_sigframe {
    uint64_t pretcode;
    struct x86_ucontext uc;
    uint8_t info[128]; /* siginfo_t */
};
_Static_assert(sizeof(struct x86_sigcontext) == 256, "struct sigcontext is 256 bytes");
_Static_assert(offsetof(struct x86_rt_sigframe, uc.mc) == 48, "uc_mcontext at 40 in ucontext");
_Static_assert(offsetof(struct x86_rt_sigframe, info) == 312, "siginfo after the 304-byte uc");
/* xlat_x86_regs starts with sigcontext's 18 registers in the same order. */
_Static_assert(offsetof(struct xlat_x86_regs, rflags) == offsetof(struct x86_sigcontext, eflags),
               "the registers of xlat_x86_regs are sigcontext's");
#define X86_SC_REGS offsetof(struct xlat_x86_regs, err)

void xlat_x86_init_fx(uint8_t fx[512])
{
    /* FNINIT leaves FCW 0x37f and an empty tag word; MXCSR resets to 0x1f80 (all exceptions
     * masked), Intel SDM vol. 1, 8.1.5 and 10.2.3.1; the mask says every MXCSR bit is valid. */
    memset(fx, 0, 512);
    uint16_t fcw = 0x37f;
    uint32_t mxcsr = 0x1f80, mask = 0xffff;
    memcpy(fx + FX_FCW, &fcw, 2);
    memcpy(fx + FX_MXCSR, &mxcsr, 4);
    memcpy(fx + FX_MXCSR_MASK, &mask, 4);
}

/* IRETQ to a non-canonical rip raises #GP in ring 0 (AMD64 APM vol. 2, 8.7.3): Linux turns such
 * a return into SIGSEGV for the process, and so does this layer, before the engine resumes. */
static bool canonical(uint64_t va)
{
    return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

int x86_sigframe_push(struct xlat_thread *t, int sig, const siginfo_t *info,
                      struct xlat_regs *regs)
{
    struct xlat_proc *p = t->proc;
    const struct xlat_sigaction *act = &p->act[sig];
    struct xlat_x86_regs *s = &regs->x86;
    /* x86-64 Linux returns from a handler only through sa_restorer; without one the frame
     * cannot be built and the process gets SIGSEGV (arch/x86/kernel/signal.c). */
    if (!(act->flags & SA_RESTORER) || !canonical(act->handler))
        return -EFAULT;
    /* Where the frame goes (get_sigframe): under the red zone, or at the top of the alternate
     * stack for SA_ONSTACK when not already on it; the FXSAVE image 64-byte aligned first,
     * then the rt_sigframe with rsp + 8 16-byte aligned, as after a call. */
    bool on = xlat_on_altstack(t, s->rsp);
    bool to_alt = (act->flags & SA_ONSTACK) && t->ss_size && !on;
    uint64_t sp = to_alt ? t->ss_sp + t->ss_size : s->rsp - X86_REDZONE;
    uint64_t fx_addr = (sp - sizeof(s->fx)) & ~(uint64_t)63;
    uint64_t frame = ((fx_addr - sizeof(struct x86_rt_sigframe)) & ~(uint64_t)15) - 8;
    if (fx_addr > sp || frame > fx_addr)
        return -EFAULT; /* wraps below 0 */

    struct x86_rt_sigframe f;
    memset(&f, 0, sizeof(f));
    f.pretcode = act->restorer;
    f.uc.flags = X86_UC_FLAGS;
    f.uc.ss_sp = t->ss_sp;
    f.uc.ss_size = t->ss_size;
    f.uc.ss_flags = on ? SS_ONSTACK : t->ss_size ? t->ss_flags : SS_DISABLE;
    memcpy(&f.uc.mc, s, X86_SC_REGS);
    f.uc.mc.cs = X86_USER_CS;
    f.uc.mc.ss = X86_USER_SS;
    f.uc.mc.err = s->err;
    f.uc.mc.trapno = s->trapno;
    f.uc.mc.cr2 = s->cr2;
    f.uc.mc.fpstate = fx_addr;
    f.uc.sigmask = t->restore_pending ? t->restore_mask : t->sigmask;
    f.uc.mc.oldmask = f.uc.sigmask;
    /* setup_rt_frame copies siginfo only for SA_SIGINFO handlers. */
    _Static_assert(sizeof(siginfo_t) == sizeof(f.info), "siginfo_t is 128 bytes");
    if (act->flags & SA_SIGINFO)
        memcpy(f.info, info, sizeof(f.info));
    if (xlat_mem_write(p->mem, fx_addr, s->fx, sizeof(s->fx)) < 0 ||
        xlat_mem_write(p->mem, frame, &f, sizeof(f)) < 0)
        return -EFAULT;
    if (t->restore_pending) {
        t->sigmask = t->restore_mask;
        t->restore_pending = false;
    }
    /* SS_AUTODISARM: the altstack is off until sigreturn restores uc_stack. */
    if (to_alt && (t->ss_flags & (int)SS_AUTODISARM)) {
        t->ss_sp = t->ss_size = 0;
        t->ss_flags = SS_DISABLE;
    }
    /* The handler's entry: rdi = signo, rsi = &info, rdx = &uc (Linux sets all three whatever
     * SA_SIGINFO says), rax = 0; DF, RF and TF clear; a fresh FPU. */
    s->rdi = (uint64_t)sig;
    s->rsi = frame + offsetof(struct x86_rt_sigframe, info);
    s->rdx = frame + offsetof(struct x86_rt_sigframe, uc);
    s->rax = 0;
    s->rip = act->handler;
    s->rsp = frame;
    s->rflags &= ~(X86_EFLAGS_DF | X86_EFLAGS_RF | X86_EFLAGS_TF);
    xlat_x86_init_fx(s->fx);
    return 0;
}

int x86_sigframe_pop(struct xlat_thread *t, struct xlat_regs *regs)
{
    struct xlat_proc *p = t->proc;
    struct xlat_x86_regs *s = &regs->x86;
    /* The handler's `ret` popped pretcode: the frame starts 8 below (sys_rt_sigreturn). */
    struct x86_rt_sigframe f;
    uint64_t frame = s->rsp - 8;
    if (s->rsp < 8 || xlat_mem_read(p->mem, frame, &f, sizeof(f)) < 0)
        return -EFAULT;
    uint8_t fx[512];
    if (!f.uc.mc.fpstate)
        xlat_x86_init_fx(fx);
    else if (xlat_mem_read(p->mem, f.uc.mc.fpstate, fx, sizeof(fx)) < 0)
        return -EFAULT;
    if (!canonical(f.uc.mc.rip))
        return -EFAULT;
    uint64_t sp = s->rsp, flags = s->rflags;
    memcpy(s, &f.uc.mc, X86_SC_REGS);
    s->rflags = (flags & ~X86_FIX_EFLAGS) | (f.uc.mc.eflags & X86_FIX_EFLAGS);
    s->err = s->trapno = s->cr2 = 0;
    memcpy(s->fx, fx, sizeof(fx));
    t->sigmask = f.uc.sigmask & ~(XLAT_SIGBIT(SIGKILL) | XLAT_SIGBIT(SIGSTOP));
    xlat_altstack_restore(t, sp, f.uc.ss_sp, f.uc.ss_flags, f.uc.ss_size);
    xlat_signal_mirror_mask(t);
    return 0;
}
