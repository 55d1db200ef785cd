/* sys_signal.c: the guest's signal dispositions, masks and altstacks, and host signals for it. */
#include "sys_internal.h"

#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <ucontext.h>
#include <unistd.h>

/* MINSIGSTKSZ of asm-generic/signal.h, which riscv64 uses. */
#define GUEST_MINSIGSTKSZ 2048u
#define UNBLOCKABLE (XLAT_SIGBIT(SIGKILL) | XLAT_SIGBIT(SIGSTOP))

static bool is_handler(uint64_t h)
{
    return h != (uint64_t)(uintptr_t)SIG_DFL && h != (uint64_t)(uintptr_t)SIG_IGN;
}

uint64_t xlat_signal_host_reserved(void)
{
    /* SIGSEGV and SIGBUS are how the engine learns of guest accesses to forbidden pages. */
    return XLAT_SIGBIT(SIGSEGV) | XLAT_SIGBIT(SIGBUS) | XLAT_SIGBIT(XLAT_KICK_SIGNAL);
}

/* A signal the host delivered for the guest: record it for the thread it landed on (the host
 * kernel chose it by the mirrored masks, as it would have chosen the guest thread) and make
 * that hart stop at its next block boundary, where the engine delivers it. The thread holds one
 * of each signal: until the guest has taken it, the host thread blocks it, so that another of
 * the same real-time signal waits in the host's queue, in order and with its own siginfo, as
 * Linux queues them, rather than land on this one. */
static void block_in(void *uc, int sig)
{
    /* The kernel's word of the saved mask, directly: sigaddset refuses 32 and 33. */
    uint64_t mask;
    memcpy(&mask, &((ucontext_t *)uc)->uc_sigmask, sizeof(mask));
    mask |= XLAT_SIGBIT(sig);
    memcpy(&((ucontext_t *)uc)->uc_sigmask, &mask, sizeof(mask));
}

static void on_guest_signal(int sig, siginfo_t *si, void *uc)
{
    int e = errno;
    struct xlat_thread *t = xlat_thread_self();
    if (!t && sig >= 1 && sig <= XLAT_NSIG) {
        /* A host thread that runs no guest thread yet (one just made: the C library lets 32
         * through from its start) or any more: the process's signal goes back to the process,
         * for a thread of the guest's to take, and this one takes no more of it. */
        syscall(SYS_rt_sigqueueinfo, getpid(), sig, si);
        block_in(uc, sig);
    } else if (t && sig >= 1 && sig <= XLAT_NSIG) {
        struct xlat_proc *p = t->proc;
        t->info[sig] = *si;
        __atomic_or_fetch(&t->pending, XLAT_SIGBIT(sig), __ATOMIC_RELEASE);
        block_in(uc, sig);
        if (p->hooks.set && t->hart)
            p->hooks.h.kick(t->hart);
    }
    errno = e;
}

/* Where a handler returns to: rt_sigreturn (15), as the C library's own restorer does; x86-64
 * Linux takes the address from sa_restorer. */
void xlat_host_sigreturn(void);
__asm__(".pushsection .text\n"
        ".p2align 4\n"
        ".type xlat_host_sigreturn, @function\n"
        "xlat_host_sigreturn:\n"
        "    movq $15, %rax\n"
        "    syscall\n"
        "    hlt\n"
        ".size xlat_host_sigreturn, .-xlat_host_sigreturn\n"
        ".popsection\n");

/* The kernel's struct sigaction on x86-64 (arch/x86/include/uapi/asm/signal.h), for the raw
 * call: the C library's sigaction refuses 32 and 33, which it keeps for itself, and they are
 * the guest's C library's as much (its pthread_cancel, its set*id across threads). */
struct host_sigaction {
    uint64_t handler;
    uint64_t flags;
    uint64_t restorer;
    uint64_t mask;
};

#define HOST_SA_RESTORER 0x04000000ul

/* The host C library installs its own handlers for 32 and 33 when it makes its first thread
 * (pthread_create), over what the guest asked for: what the guest asked for is kept here, to be
 * put back (xlat_signal_reclaim). The host's dispositions are the process's, and so is this. */
static struct host_sigaction reserved_now[2]; /* SIGRTMIN - 2 and - 1: the guest's, SIG_DFL first */
/* One thread may change them while another puts them back after making a thread. */
static pthread_mutex_t reserved_lock = PTHREAD_MUTEX_INITIALIZER;

static void install(int sig, const struct host_sigaction *sa)
{
    syscall(SYS_rt_sigaction, sig, sa, NULL, sizeof(sa->mask));
}

void xlat_signal_reclaim(void)
{
    pthread_mutex_lock(&reserved_lock);
    for (int i = 0; i < 2; i++)
        install(32 + i, &reserved_now[i]);
    pthread_mutex_unlock(&reserved_lock);
}

/* What the host does with sig follows the guest's disposition: SIG_IGN and SIG_DFL the same
 * (a guest that ignores SIGPIPE gets EPIPE, one that does not dies of it; SIGCHLD ignored
 * reaps children), a handler becomes on_guest_signal, every signal blocked while it runs and
 * without SA_RESTART, so that a blocking call returns EINTR and the restart is decided by the
 * guest's flags. */
static void mirror_on_host(int sig, const struct xlat_sigaction *act)
{
    if (sig == SIGKILL || sig == SIGSTOP || (xlat_signal_host_reserved() & XLAT_SIGBIT(sig)))
        return;
    struct host_sigaction sa = {0};
    if (is_handler(act->handler)) {
        sa.handler = (uint64_t)(uintptr_t)on_guest_signal;
        sa.flags = SA_SIGINFO | HOST_SA_RESTORER;
        sa.restorer = (uint64_t)(uintptr_t)xlat_host_sigreturn;
        sa.mask = ~0ull;
    } else {
        sa.handler = act->handler == (uint64_t)(uintptr_t)SIG_IGN ? (uint64_t)(uintptr_t)SIG_IGN
                                                                  : (uint64_t)(uintptr_t)SIG_DFL;
    }
    if (sig == SIGCHLD)
        sa.flags |= act->flags & (SA_NOCLDSTOP | SA_NOCLDWAIT);
    if (sig != 32 && sig != 33) {
        install(sig, &sa);
        return;
    }
    pthread_mutex_lock(&reserved_lock);
    reserved_now[sig - 32] = sa;
    install(sig, &sa);
    pthread_mutex_unlock(&reserved_lock);
}

/* The host's form of a guest mask, less the signals the engine can never let the guest block,
 * for the kernel's calls, whose 64-bit word it is. Not sigaddset, sigismember nor
 * pthread_sigmask, which leave out the two signals the host's C library keeps for itself (32 and
 * 33): the guest's own C library blocks them too, and its SIGEV_THREAD timer thread waits for
 * 32. */
static uint64_t host_mask(uint64_t mask)
{
    return mask & ~xlat_signal_host_reserved();
}

uint64_t xlat_signal_host_set(const struct xlat_thread *t)
{
    return host_mask(t->sigmask | __atomic_load_n(&t->pending, __ATOMIC_ACQUIRE));
}

void xlat_signal_mirror_mask(const struct xlat_thread *t)
{
    uint64_t set = xlat_signal_host_set(t);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &set, NULL, sizeof(set));
}

void xlat_signal_block_all(void)
{
    uint64_t all = host_mask(~0ull);
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, NULL, sizeof(all));
}

uint64_t xlat_thread_sigmask(const struct xlat_thread *t)
{
    return t->sigmask;
}

/* Put a signal this thread held back in the host's queue, ahead of the later ones of its kind
 * that wait there (a real-time signal queues: Linux delivers them in the order they came).
 * Those are taken out and put back after it, as many as fit here. */
static bool requeue_first(int sig, const siginfo_t *info)
{
    siginfo_t later[32];
    int n = 0;
    if (sig >= 32) {
        uint64_t one = XLAT_SIGBIT(sig);
        struct timespec now = {0, 0};
        while (n < (int)(sizeof(later) / sizeof(later[0])) &&
               syscall(SYS_rt_sigtimedwait, &one, &later[n], &now, sizeof(one)) == sig)
            n++;
    }
    bool ok = syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), sig, info) == 0;
    for (int i = 0; i < n; i++)
        syscall(SYS_rt_tgsigqueueinfo, getpid(), gettid(), sig, &later[i]);
    return ok;
}

void xlat_thread_set_sigmask(struct xlat_thread *t, uint64_t mask)
{
    t->sigmask = mask & ~UNBLOCKABLE;
    xlat_signal_mirror_mask(t);
    /* The engine learns of a block only at its next exit: a signal that came before, while the
     * host thread's mask still let it through, landed here. Blocked on the host now, it goes
     * back to where a blocked signal waits, the host's pending set, where the next unblocking,
     * rt_sigpending and a signalfd find it as they would in Linux. rt_tgsigqueueinfo to the
     * calling thread keeps what came with it (a kernel si_code included: the target is the
     * sender's own process). */
    uint64_t held = __atomic_load_n(&t->pending, __ATOMIC_ACQUIRE) & t->sigmask &
                    ~xlat_signal_host_reserved();
    for (; held; held &= held - 1) {
        int sig = __builtin_ctzll(held) + 1;
        siginfo_t info = t->info[sig];
        info.si_signo = sig;
        if (requeue_first(sig, &info))
            __atomic_and_fetch(&t->pending, ~XLAT_SIGBIT(sig), __ATOMIC_ACQ_REL);
    }
}

/* The guest's struct sigaction at addr, in its ABI's layout: handler, flags, then the
 * restorer where the ABI has one (x86-64), then the mask. */
static int read_sigaction(struct xlat_proc *p, uint64_t addr, struct xlat_sigaction *act)
{
    uint64_t w[4] = {0};
    size_t n = p->abi->sa_restorer ? 4 : 3;
    if (xlat_mem_read(p->mem, addr, w, n * 8) < 0)
        return -EFAULT;
    act->handler = w[0];
    act->flags = w[1];
    act->restorer = p->abi->sa_restorer ? w[2] : 0;
    act->mask = w[n - 1];
    return 0;
}

/* The words of act as rt_sigaction writes them for the guest: their count. */
static size_t sigaction_words(const struct xlat_proc *p, const struct xlat_sigaction *act,
                              uint64_t w[4])
{
    w[0] = act->handler, w[1] = act->flags, w[2] = act->restorer, w[3] = act->mask;
    if (!p->abi->sa_restorer)
        w[2] = act->mask, w[3] = 0;
    return p->abi->sa_restorer ? 4 : 3;
}

static int write_sigaction(struct xlat_proc *p, uint64_t addr, const struct xlat_sigaction *act)
{
    uint64_t w[4];
    return xlat_mem_write(p->mem, addr, w, sigaction_words(p, act, w) * 8);
}

size_t xlat_proc_sigaction(const struct xlat_proc *p, int sig, uint64_t w[4])
{
    return sigaction_words(p, &p->act[sig], w);
}

XLAT_SYS(rt_sigaction)
{
    int sig = (int)a[0];
    /* The sigset size the ABI passes must be the kernel's: 8 bytes. */
    if (a[3] != 8)
        return -EINVAL;
    if (sig < 1 || sig > XLAT_NSIG)
        return -EINVAL;
    struct xlat_sigaction nact;
    if (a[1] && read_sigaction(p, a[1], &nact) < 0)
        return -EFAULT;
    if (a[1] && (sig == SIGKILL || sig == SIGSTOP || sig == XLAT_KICK_SIGNAL))
        return -EINVAL; /* sigaction(2); checked before the old action is written, as Linux */
    if (a[2] && write_sigaction(p, a[2], &p->act[sig]) < 0)
        return -EFAULT;
    if (a[1]) {
        nact.mask &= ~UNBLOCKABLE;
        /* Unknown flag bits are dropped, so that the old action shows which ones the kernel
         * knows (kernel/signal.c do_sigaction, UAPI_SA_FLAGS of include/linux/signal_types.h):
         * glibc's int sa_flags with SA_RESETHAND arrives sign-extended. */
        nact.flags &= SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART |
                      SA_NODEFER | SA_RESETHAND | 0x800 /* SA_EXPOSE_TAGBITS */ |
                      (p->abi->sa_restorer ? 0x04000000 /* SA_RESTORER */ : 0);
        p->act[sig] = nact;
        mirror_on_host(sig, &nact);
    }
    return 0;
}

/* In Linux's order (kernel/signal.c): a bad `how` writes no old mask, and the new mask holds
 * even when writing the old one faults. */
XLAT_SYS(rt_sigprocmask)
{
    struct xlat_thread *t = xlat_thread_cur(p);
    if (a[3] != 8)
        return -EINVAL;
    uint64_t old = t->sigmask, set = 0;
    if (a[1]) {
        if (xlat_mem_read(p->mem, a[1], &set, 8) < 0)
            return -EFAULT;
        set &= ~UNBLOCKABLE; /* signal(7): SIGKILL and SIGSTOP cannot be blocked */
        switch ((int)a[0]) {
        case SIG_BLOCK:
            t->sigmask |= set;
            break;
        case SIG_UNBLOCK:
            t->sigmask &= ~set;
            break;
        case SIG_SETMASK:
            t->sigmask = set;
            break;
        default:
            return -EINVAL;
        }
        /* Unblocking lets the host deliver what it held pending, here and now. */
        xlat_signal_mirror_mask(t);
    }
    if (a[2] && xlat_mem_write(p->mem, a[2], &old, 8) < 0)
        return -EFAULT;
    return 0;
}

uint64_t xlat_thread_sigpending(const struct xlat_thread *t)
{
    uint64_t host = 0;
    syscall(SYS_rt_sigpending, &host, sizeof(host));
    return __atomic_load_n(&t->pending, __ATOMIC_ACQUIRE) | host;
}

XLAT_SYS(rt_sigpending)
{
    struct xlat_thread *t = xlat_thread_cur(p);
    if (a[1] > 8)
        return -EINVAL;
    /* Pending and blocked (kernel/signal.c do_sigpending): ours, and what the host holds. */
    uint64_t set = xlat_thread_sigpending(t) & t->sigmask;
    return xlat_mem_write(p->mem, a[0], &set, a[1]);
}

/* Sleep until a signal comes that t's mask lets through, unless one is held already. Every
 * signal is blocked from the look at the held ones to the sleep, which lets them through
 * atomically: one that came in between would be held, and the sleep would wait for another. */
static void suspend(struct xlat_thread *t)
{
    uint64_t all = host_mask(~0ull), old;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof(all));
    if (!(__atomic_load_n(&t->pending, __ATOMIC_ACQUIRE) & ~t->sigmask)) {
        uint64_t wait = host_mask(t->sigmask);
        syscall(SYS_rt_sigsuspend, &wait, sizeof(wait));
    }
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof(old));
}

XLAT_SYS(rt_sigsuspend)
{
    struct xlat_thread *t = xlat_thread_cur(p);
    if (a[1] != 8)
        return -EINVAL;
    uint64_t set;
    if (xlat_mem_read(p->mem, a[0], &set, 8) < 0)
        return -EFAULT;
    /* The handler runs with the temporary mask; its frame saves the old one, which sigreturn
     * restores (kernel/signal.c sigsuspend, set_restore_sigmask). */
    t->restore_mask = t->sigmask;
    t->restore_pending = true;
    t->sigmask = set & ~UNBLOCKABLE;
    suspend(t);
    return -EINTR;
}

/* A signal of set this thread holds (on_guest_signal took it from the host): taken, and the
 * host may bring the next of its kind. 0 when none. */
static int take_held(struct xlat_thread *t, uint64_t set, siginfo_t *info)
{
    uint64_t held = __atomic_load_n(&t->pending, __ATOMIC_ACQUIRE) & set;
    if (!held)
        return 0;
    int sig = __builtin_ctzll(held) + 1;
    *info = t->info[sig];
    __atomic_and_fetch(&t->pending, ~XLAT_SIGBIT(sig), __ATOMIC_ACQ_REL);
    xlat_signal_mirror_mask(t);
    return sig;
}

/* sigwaitinfo and sigtimedwait: first a signal of the set the thread holds already, else one
 * the host kernel takes from its queue for it, without a handler (kernel/signal.c
 * do_sigtimedwait, which unblocks the set for the wait as the host's does). A handled signal
 * outside the set ends the wait with EINTR, and the engine delivers it. */
XLAT_SYS(rt_sigtimedwait)
{
    struct xlat_thread *t = xlat_thread_cur(p);
    if (a[3] != 8)
        return -EINVAL;
    uint64_t set;
    struct timespec ts;
    if (xlat_mem_read(p->mem, a[0], &set, 8) < 0 ||
        (a[2] && xlat_mem_read(p->mem, a[2], &ts, sizeof(ts)) < 0) ||
        (a[1] && !xlat_mem_ptr(p->mem, a[1], sizeof(siginfo_t), XLAT_PG_W)))
        return -EFAULT;
    set &= ~UNBLOCKABLE;
    siginfo_t info;
    int sig = take_held(t, set, &info);
    if (!sig) {
        uint64_t hs = host_mask(set);
        /* The raw call: glibc's wrapper would fold SI_TKILL into SI_USER. */
        sig = (int)syscall(SYS_rt_sigtimedwait, &hs, &info, a[2] ? &ts : NULL, sizeof(hs));
        if (sig < 0)
            return -errno;
    }
    if (p->alone && (info.si_code <= 0 || sig == SIGCHLD))
        info.si_pid = xlat_pid_to_guest(p, info.si_pid);
    if (a[1] && xlat_mem_write(p->mem, a[1], &info, sizeof(info)) < 0)
        return -EFAULT;
    return sig;
}

/* pause (x86-64's; riscv64 has only rt_sigsuspend): a sleep until a signal runs a handler or
 * ends the process, with the mask as it is. */
XLAT_SYS(pause)
{
    (void)a;
    struct xlat_thread *t = xlat_thread_cur(p);
    suspend(t);
    return -EINTR;
}

XLAT_SYS(rt_sigreturn)
{
    (void)a;
    struct xlat_thread *t = xlat_thread_cur(p);
    if (!t->regs)
        return -ENOSYS;
    if (p->abi->sigframe_pop(t, t->regs) < 0) {
        /* A bad frame: the kernel's force_sigsegv (default action, unblocked). */
        p->act[SIGSEGV].handler = (uint64_t)(uintptr_t)SIG_DFL;
        t->sigmask &= ~XLAT_SIGBIT(SIGSEGV);
        memset(&t->info[SIGSEGV], 0, sizeof(t->info[SIGSEGV]));
        t->info[SIGSEGV].si_signo = SIGSEGV;
        t->info[SIGSEGV].si_code = SI_KERNEL;
        __atomic_or_fetch(&t->pending, XLAT_SIGBIT(SIGSEGV), __ATOMIC_RELEASE);
        return -EFAULT;
    }
    t->result = XLAT_SYS_REGS;
    return 0; /* the engine loads every register from the frame: this value is not used */
}

bool xlat_on_altstack(const struct xlat_thread *t, uint64_t sp)
{
    return t->ss_size && sp > t->ss_sp && sp - t->ss_sp <= t->ss_size;
}

void xlat_altstack_restore(struct xlat_thread *t, uint64_t sp, uint64_t ss_sp, int32_t ss_flags,
                           uint64_t ss_size)
{
    if (xlat_on_altstack(t, sp))
        return;
    int mode = ss_flags & ~(int32_t)SS_AUTODISARM;
    if (mode == SS_DISABLE || ss_size == 0) {
        t->ss_sp = t->ss_size = 0;
        t->ss_flags = SS_DISABLE;
    } else if (ss_size >= GUEST_MINSIGSTKSZ) {
        t->ss_sp = ss_sp;
        t->ss_size = ss_size;
        t->ss_flags = ss_flags & (int32_t)SS_AUTODISARM;
    }
}

XLAT_SYS(sigaltstack)
{
    struct xlat_thread *t = xlat_thread_cur(p);
    uint64_t sp = t->regs ? p->abi->sp(t->regs) : 0;
    bool on = xlat_on_altstack(t, sp);
    /* stack_t on LP64: void *ss_sp; int ss_flags; size_t ss_size (24 bytes with padding). */
    struct {
        uint64_t sp;
        int32_t flags, pad;
        uint64_t size;
    } ns, os = {.sp = t->ss_sp, .size = t->ss_size};
    os.flags = on ? SS_ONSTACK : t->ss_size == 0 ? SS_DISABLE : (t->ss_flags & SS_AUTODISARM);
    if (a[0] && xlat_mem_read(p->mem, a[0], &ns, sizeof(ns)) < 0)
        return -EFAULT;
    if (a[1] && xlat_mem_write(p->mem, a[1], &os, sizeof(os)) < 0)
        return -EFAULT;
    if (a[0]) {
        int mode = ns.flags & ~(int32_t)SS_AUTODISARM;
        if (on)
            return -EPERM; /* sigaltstack(2): cannot change the stack in use */
        if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
            return -EINVAL;
        if (mode == SS_DISABLE) {
            t->ss_sp = t->ss_size = 0;
            t->ss_flags = SS_DISABLE;
        } else {
            if (ns.size < GUEST_MINSIGSTKSZ)
                return -ENOMEM;
            t->ss_sp = ns.sp;
            t->ss_size = ns.size;
            t->ss_flags = ns.flags & (int32_t)SS_AUTODISARM;
        }
    }
    return 0;
}

pid_t xlat_own_thread(struct xlat_proc *p, pid_t tid)
{
    xlat_thread_cur(p); /* the thread list exists */
    pthread_mutex_lock(&p->lock);
    pid_t host = 0;
    for (struct xlat_thread *t = p->threads; t && !host; t = t->next)
        if (xlat_thread_guest_tid(t) == tid)
            host = t->tid;
    pthread_mutex_unlock(&p->lock);
    return host;
}

/* Signals between processes and threads are host signals: guest pids and tids are the
 * host's, and the numbers are Linux's generic ones on both. A guest that is alone reaches only
 * itself (its pid, its group, everyone: kill(2)), under the ids it knows. */
XLAT_SYS(kill)
{
    pid_t pid = (pid_t)a[0];
    if ((int)a[1] == XLAT_KICK_SIGNAL)
        return -EINVAL;
    if (p->alone)
        return xlat_kill_alone(p, pid, (int)a[1]);
    return XLAT_RET(kill(pid, (int)a[1]));
}

XLAT_SYS(tgkill)
{
    pid_t tgid = (pid_t)a[0], tid = (pid_t)a[1];
    if ((int)a[2] == XLAT_KICK_SIGNAL)
        return -EINVAL;
    if (p->alone && tgid > 0 && tid > 0) {
        if (xlat_pid_to_host(p, tgid) != getpid() || !(tid = xlat_own_thread(p, tid)))
            return -ESRCH;
        tgid = getpid();
    }
    return XLAT_RET(syscall(SYS_tgkill, tgid, tid, (int)a[2]));
}

XLAT_SYS(tkill)
{
    pid_t tid = (pid_t)a[0];
    if ((int)a[1] == XLAT_KICK_SIGNAL)
        return -EINVAL;
    if (p->alone && tid > 0 && !(tid = xlat_own_thread(p, tid)))
        return -ESRCH;
    return XLAT_RET(syscall(SYS_tkill, tid, (int)a[1]));
}

/* sigqueue(3) and pthread_sigqueue: a signal with the sender's own siginfo, which both LP64
 * ABIs lay out alike. The host kernel applies Linux's rule that a sender may claim a kernel's
 * or tkill's si_code only towards itself. A guest that is alone names processes by the ids it
 * knows, in the target and in si_pid, which it gives its own. */
static int64_t queue_signal(struct xlat_proc *p, pid_t tgid, pid_t tid, int sig, uint64_t uinfo)
{
    if (sig == XLAT_KICK_SIGNAL)
        return -EINVAL;
    siginfo_t info;
    if (xlat_mem_read(p->mem, uinfo, &info, sizeof(info)) < 0)
        return -EFAULT;
    if (p->alone) {
        if (!(tgid = xlat_alone_process(p, tgid)))
            return -ESRCH;
        if (tid && !(tgid == getpid() && (tid = xlat_own_thread(p, tid))))
            return -ESRCH;
        info.si_pid = xlat_pid_to_host(p, info.si_pid);
    }
    if (tid)
        return XLAT_RET(syscall(SYS_rt_tgsigqueueinfo, tgid, tid, sig, &info));
    return XLAT_RET(syscall(SYS_rt_sigqueueinfo, tgid, sig, &info));
}

XLAT_SYS(rt_sigqueueinfo)
{
    return queue_signal(p, (pid_t)a[0], 0, (int)a[1], a[2]);
}

XLAT_SYS(rt_tgsigqueueinfo)
{
    if ((pid_t)a[0] <= 0 || (pid_t)a[1] <= 0)
        return -EINVAL;
    return queue_signal(p, (pid_t)a[0], (pid_t)a[1], (int)a[2], a[3]);
}

/* struct itimerval is four longs on both LP64 ABIs; SIGALRM comes from the host. */
XLAT_SYS(setitimer)
{
    struct itimerval nv, ov;
    if (xlat_mem_read(p->mem, a[1], &nv, sizeof(nv)) < 0)
        return -EFAULT;
    if (a[2] && !xlat_mem_ptr(p->mem, a[2], sizeof(ov), XLAT_PG_W))
        return -EFAULT;
    if (setitimer((int)a[0], &nv, &ov) < 0)
        return -errno;
    return a[2] ? xlat_mem_write(p->mem, a[2], &ov, sizeof(ov)) : 0;
}

XLAT_SYS(getitimer)
{
    struct itimerval v;
    if (getitimer((int)a[0], &v) < 0)
        return -errno;
    return xlat_mem_write(p->mem, a[1], &v, sizeof(v));
}

int xlat_signal_next(struct xlat_thread *t, siginfo_t *info, enum xlat_sig_action *act)
{
    struct xlat_proc *p = t->proc;
    for (;;) {
        uint64_t pend = __atomic_load_n(&t->pending, __ATOMIC_ACQUIRE) & ~t->sigmask;
        if (!pend)
            return 0;
        int sig = __builtin_ctzll(pend) + 1;
        *info = t->info[sig];
        /* A guest that is alone sent it to itself under the id it knows. */
        if (p->alone && (info->si_code <= 0 || sig == SIGCHLD))
            info->si_pid = xlat_pid_to_guest(p, info->si_pid);
        __atomic_and_fetch(&t->pending, ~XLAT_SIGBIT(sig), __ATOMIC_ACQ_REL);
        uint64_t h = p->act[sig].handler;
        if (is_handler(h)) {
            *act = XLAT_SIG_HANDLER;
        } else if (h == (uint64_t)(uintptr_t)SIG_IGN || !viv_signal_ends_by_default(sig)) {
            /* The disposition changed while it was pending: the next of its kind may come. */
            xlat_signal_mirror_mask(t);
            continue;
        } else {
            *act = XLAT_SIG_KILL;
        }
        return sig;
    }
}

int xlat_signal_deliver(struct xlat_thread *t, int sig, const siginfo_t *info,
                        struct xlat_regs *regs)
{
    struct xlat_proc *p = t->proc;
    struct xlat_sigaction *act = &p->act[sig];
    uint64_t flags = act->flags, mask = act->mask;
    if (p->abi->sigframe_push(t, sig, info, regs) < 0)
        return -EFAULT;
    p->frames++;
    /* kernel/signal.c signal_delivered: block sa_mask, and sig itself unless SA_NODEFER;
     * SA_RESETHAND makes the disposition the default again. */
    t->sigmask |= mask & ~UNBLOCKABLE;
    if (!(flags & SA_NODEFER))
        t->sigmask |= XLAT_SIGBIT(sig) & ~UNBLOCKABLE;
    if (flags & SA_RESETHAND) {
        act->handler = (uint64_t)(uintptr_t)SIG_DFL;
        mirror_on_host(sig, act);
    }
    xlat_signal_mirror_mask(t);
    return 0;
}

enum xlat_sig_action xlat_signal_fault(struct xlat_proc *p, int sig)
{
    if (sig < 1 || sig > XLAT_NSIG)
        return XLAT_SIG_KILL;
    uint64_t h = p->act[sig].handler;
    /* A synchronous fault that is blocked or ignored still kills: the kernel forces the default
     * action (force_sig_info_to_task), since returning would fault again. */
    if (!is_handler(h) || (xlat_thread_cur(p)->sigmask & XLAT_SIGBIT(sig)))
        return XLAT_SIG_KILL;
    return XLAT_SIG_HANDLER;
}
