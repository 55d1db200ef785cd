/* sys_signal.c: the guest's signal dispositions and mask, and what a guest fault turns into. */
#include "sys_internal.h"

#include <signal.h>

#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31) /* include/uapi/linux/signal.h */
#endif
/* MINSIGSTKSZ of asm-generic/signal.h, which riscv64 uses. */
#define GUEST_MINSIGSTKSZ 2048u

/* What the host does when the guest's disposition is SIG_IGN or SIG_DFL for signals that come
 * from outside (SIGPIPE from a write, SIGINT from a terminal): the same, so that a guest which
 * ignores SIGPIPE gets EPIPE and one that does not dies of it. Handlers need signal frames,
 * which this engine-neutral layer leaves to the engine; their signals keep the default. */
static void mirror_on_host(int sig, uint64_t handler)
{
    switch (sig) {
    case SIGSEGV:
    case SIGBUS:
    case SIGILL:
    case SIGFPE:
    case SIGTRAP:
    case SIGKILL:
    case SIGSTOP:
        return; /* the engine's own, or not changeable */
    default:
        break;
    }
    struct sigaction sa = {.sa_handler = handler == (uint64_t)(uintptr_t)SIG_IGN ? SIG_IGN
                                                                                 : SIG_DFL};
    sigemptyset(&sa.sa_mask);
    sigaction(sig, &sa, NULL);
}

XLAT_SYS(rt_sigaction)
{
    int sig = (int)a[0];
    /* The sigset size the generic ABI passes must be the kernel's: 8 bytes. */
    if (a[3] != 8)
        return -EINVAL;
    if (sig < 1 || sig > XLAT_NSIG)
        return -EINVAL;
    struct xlat_sigaction nact;
    if (a[1] && xlat_mem_read(p->mem, a[1], &nact, sizeof(nact)) < 0)
        return -EFAULT;
    if (a[2] && xlat_mem_write(p->mem, a[2], &p->act[sig], sizeof(p->act[sig])) < 0)
        return -EFAULT;
    if (a[1]) {
        if (sig == SIGKILL || sig == SIGSTOP)
            return -EINVAL;
        p->act[sig] = nact;
        mirror_on_host(sig, nact.handler);
    }
    return 0;
}

XLAT_SYS(rt_sigprocmask)
{
    if (a[3] != 8)
        return -EINVAL;
    uint64_t set = 0;
    if (a[1] && xlat_mem_read(p->mem, a[1], &set, 8) < 0)
        return -EFAULT;
    if (a[2] && xlat_mem_write(p->mem, a[2], &p->sigmask, 8) < 0)
        return -EFAULT;
    if (!a[1])
        return 0;
    /* SIGKILL and SIGSTOP cannot be blocked (signal(7)). */
    set &= ~((1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1)));
    switch ((int)a[0]) {
    case SIG_BLOCK:
        p->sigmask |= set;
        break;
    case SIG_UNBLOCK:
        p->sigmask &= ~set;
        break;
    case SIG_SETMASK:
        p->sigmask = set;
        break;
    default:
        return -EINVAL;
    }
    return 0;
}

XLAT_SYS(sigaltstack)
{
    /* stack_t on LP64: void *ss_sp; int ss_flags; size_t ss_size (24 bytes with padding). */
    struct {
        uint64_t sp;
        int32_t flags, pad;
        uint64_t size;
    } ns, os = {.sp = p->ss_sp, .flags = p->ss_flags ? p->ss_flags : SS_DISABLE, .size = p->ss_size};
    if (a[1] && xlat_mem_write(p->mem, a[1], &os, sizeof(os)) < 0)
        return -EFAULT;
    if (a[0]) {
        if (xlat_mem_read(p->mem, a[0], &ns, sizeof(ns)) < 0)
            return -EFAULT;
        if ((uint32_t)ns.flags & ~(uint32_t)(SS_DISABLE | SS_AUTODISARM))
            return -EINVAL;
        if (!(ns.flags & SS_DISABLE) && ns.size < GUEST_MINSIGSTKSZ)
            return -ENOMEM;
        p->ss_sp = ns.sp;
        p->ss_size = ns.size;
        p->ss_flags = ns.flags;
    }
    return 0;
}

enum xlat_sig_action xlat_signal_fault(struct xlat_proc *p, int sig)
{
    if (sig < 1 || sig > XLAT_NSIG)
        return XLAT_SIG_KILL;
    uint64_t h = p->act[sig].handler;
    /* A synchronous fault that is blocked or ignored still kills: the kernel forces the default
     * action (force_sig_info_to_task), since returning would fault again. */
    if (h == (uint64_t)(uintptr_t)SIG_DFL || h == (uint64_t)(uintptr_t)SIG_IGN ||
        (p->sigmask & (1ull << (sig - 1))))
        return XLAT_SIG_KILL;
    return XLAT_SIG_HANDLER;
}
