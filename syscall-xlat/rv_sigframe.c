/* rv_sigframe.c: the riscv64 signal frame (struct rt_sigframe) and the sigreturn trampoline. */
#include "sys_internal.h"

#include <stddef.h>
#include <sys/mman.h>

/* arch/riscv/kernel/signal.c struct rt_sigframe { struct siginfo info; struct ucontext uc; }
 * with arch/riscv/include/uapi/asm/ucontext.h: uc_flags, uc_link, uc_stack, a 64-bit
 * uc_sigmask padded to 128 bytes, then uc_mcontext, a struct sigcontext aligned to 16 (its FP
 * union holds the Q state, __u64 f[64] aligned(16)): user_regs_struct (pc, x1..x31), then
 * union __riscv_fp_state, whose D member is f[32] and fcsr. The union is 528 bytes (Q). */
struct rv_stack {
    uint64_t ss_sp;
    int32_t ss_flags, pad;
    uint64_t ss_size;
};

struct rv_ucontext {
    uint64_t uc_flags;
    uint64_t uc_link;
    struct rv_stack uc_stack;
    uint64_t uc_sigmask;
    uint8_t unused[1024 / 8 - 8];
    uint8_t align[8]; /* uc_mcontext is 16-byte aligned */
    uint64_t sc_regs[32]; /* pc, ra, sp, gp, tp, t0-t2, s0-s1, a0-a7, s2-s11, t3-t6 */
    uint64_t sc_f[32];
    uint32_t sc_fcsr;
    uint32_t sc_fp_rest[(528 - 32 * 8 - 4) / 4]; /* the Q member's size; END header zeros */
};

struct rv_sigframe {
    uint8_t info[128];
    struct rv_ucontext uc;
};

_Static_assert(offsetof(struct rv_ucontext, sc_regs) == 176, "uc_mcontext at 176 (glibc, kernel)");
_Static_assert(offsetof(struct rv_ucontext, sc_f) == 176 + 256, "fp state after 32 registers");
_Static_assert(sizeof(struct rv_ucontext) == 960, "riscv64 struct ucontext is 960 bytes");
_Static_assert(sizeof(struct rv_sigframe) % 16 == 0, "frames keep sp 16-byte aligned");

/* The vDSO's __vdso_rt_sigreturn, where the kernel points ra; without a vDSO a page of our
 * own holds the same two instructions, which is also what unwinders look for at a signal
 * frame's return address (libgcc's riscv linux-unwind.h). */
static const uint32_t tramp_code[2] = {
    0x08b00893, /* addi a7, zero, 139 (__NR_rt_sigreturn) */
    0x00000073, /* ecall */
};

static int64_t tramp_addr(struct xlat_proc *p)
{
    pthread_mutex_lock(&p->lock);
    uint64_t at = p->sigreturn_tramp;
    int rc = 0;
    if (!at) {
        if ((rc = xlat_mem_find(p->mem, XLAT_PAGE, &at)) == 0 &&
            (rc = xlat_mem_map(p->mem, at, XLAT_PAGE, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) == 0 &&
            (rc = xlat_mem_write(p->mem, at, tramp_code, sizeof(tramp_code))) == 0 &&
            (rc = xlat_mem_protect(p->mem, at, XLAT_PAGE, PROT_READ | PROT_EXEC)) == 0)
            p->sigreturn_tramp = at;
    }
    pthread_mutex_unlock(&p->lock);
    return rc < 0 ? rc : (int64_t)at;
}

int rv_sigframe_push(struct xlat_thread *t, int sig, const siginfo_t *info,
                     struct xlat_regs *regs)
{
    struct xlat_proc *p = t->proc;
    const struct xlat_sigaction *act = &p->act[sig];
    int64_t tramp = tramp_addr(p);
    if (tramp < 0)
        return -EFAULT;
    uint64_t sp = regs->x[2];
    bool on = xlat_on_altstack(t, sp);
    /* get_sigframe: the altstack's top for SA_ONSTACK when not already on it; never overflow
     * the altstack silently. */
    if ((act->flags & SA_ONSTACK) && t->ss_size && !on)
        sp = t->ss_sp + t->ss_size;
    uint64_t frame;
    if (__builtin_sub_overflow(sp, sizeof(struct rv_sigframe), &frame))
        return -EFAULT;
    frame &= ~(uint64_t)15;
    if (on && !xlat_on_altstack(t, frame))
        return -EFAULT;

    struct rv_sigframe f;
    memset(&f, 0, sizeof(f));
    /* siginfo_t is the generic 128-byte layout on both LP64 ABIs. */
    _Static_assert(sizeof(siginfo_t) == 128, "siginfo_t is 128 bytes");
    memcpy(f.info, info, sizeof(f.info));
    f.uc.uc_stack.ss_sp = t->ss_sp;
    f.uc.uc_stack.ss_size = t->ss_size;
    f.uc.uc_stack.ss_flags = on ? SS_ONSTACK : t->ss_size ? t->ss_flags : SS_DISABLE;
    f.uc.uc_sigmask = t->restore_pending ? t->restore_mask : t->sigmask;
    f.uc.sc_regs[0] = regs->pc;
    for (int i = 1; i < 32; i++)
        f.uc.sc_regs[i] = regs->x[i];
    memcpy(f.uc.sc_f, regs->f, sizeof(f.uc.sc_f));
    f.uc.sc_fcsr = regs->fcsr;
    if (xlat_mem_write(p->mem, frame, &f, sizeof(f)) < 0)
        return -EFAULT;
    if (t->restore_pending) {
        t->sigmask = t->restore_mask;
        t->restore_pending = false;
    }
    /* SS_AUTODISARM: the altstack is off until sigreturn restores uc_stack. */
    if ((t->ss_flags & (int)SS_AUTODISARM) && (act->flags & SA_ONSTACK) && !on) {
        t->ss_sp = t->ss_size = 0;
        t->ss_flags = SS_DISABLE;
    }
    /* setup_rt_frame: the handler gets (sig, &info, &uc), returns to the trampoline. */
    regs->pc = act->handler;
    regs->x[1] = (uint64_t)tramp;
    regs->x[2] = frame;
    regs->x[10] = (uint64_t)sig;
    regs->x[11] = frame + offsetof(struct rv_sigframe, info);
    regs->x[12] = frame + offsetof(struct rv_sigframe, uc);
    return 0;
}

int rv_sigframe_pop(struct xlat_thread *t, struct xlat_regs *regs)
{
    struct xlat_proc *p = t->proc;
    struct rv_sigframe f;
    /* The handler returned with sp where the frame was built (sys_rt_sigreturn). */
    if (xlat_mem_read(p->mem, regs->x[2], &f, sizeof(f)) < 0)
        return -EFAULT;
    regs->pc = f.uc.sc_regs[0];
    for (int i = 1; i < 32; i++)
        regs->x[i] = f.uc.sc_regs[i];
    memcpy(regs->f, f.uc.sc_f, sizeof(regs->f));
    regs->fcsr = f.uc.sc_fcsr & 0xff; /* fcsr[7:0]: frm and fflags; the rest reads as 0 */
    t->sigmask = f.uc.uc_sigmask & ~(XLAT_SIGBIT(SIGKILL) | XLAT_SIGBIT(SIGSTOP));
    const struct rv_stack *ss = &f.uc.uc_stack;
    xlat_altstack_restore(t, regs->x[2], ss->ss_sp, ss->ss_flags, ss->ss_size);
    xlat_signal_mirror_mask(t);
    return 0;
}
