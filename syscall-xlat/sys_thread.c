/* sys_thread.c: guest threads as host threads, fork as a host fork, and the per-call wrapper. */
#include "sys_internal.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* The guest thread this host thread runs; read by host signal handlers, hence local-exec TLS
 * in the executable rather than anything that allocates on first use. */
static __thread struct xlat_thread *xlat_self;

static void kick_handler(int sig)
{
    (void)sig; /* its only job is to make a blocking host call return EINTR */
}

static void threads_init(struct xlat_proc *p)
{
    if (p->threads_ready)
        return;
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->gone, NULL);
    struct xlat_thread *t = &p->main_thread;
    t->proc = p;
    t->tid = gettid();
    t->ss_flags = SS_DISABLE;
    p->threads = t;
    p->nthreads = 1;
    p->threads_ready = true;
    /* No SA_RESTART: the point is to interrupt (signal(7), "Interruption of system calls"). */
    struct sigaction sa = {.sa_handler = kick_handler};
    sigfillset(&sa.sa_mask);
    sigaction(XLAT_KICK_SIGNAL, &sa, NULL);
}

struct xlat_thread *xlat_thread_self(void)
{
    return xlat_self;
}

struct xlat_thread *xlat_thread_cur(struct xlat_proc *p)
{
    if (xlat_self && xlat_self->proc == p)
        return xlat_self;
    threads_init(p);
    return &p->main_thread;
}

void xlat_proc_set_hooks(struct xlat_proc *p, const struct xlat_engine_hooks *h)
{
    p->hooks.h = *h;
    p->hooks.set = true;
}

struct xlat_thread *xlat_thread_first(struct xlat_proc *p, void *hart)
{
    threads_init(p);
    xlat_thread_attach(&p->main_thread, hart);
    return &p->main_thread;
}

void xlat_thread_attach(struct xlat_thread *t, void *hart)
{
    struct xlat_proc *p = t->proc;
    xlat_self = t;
    t->hart = hart;
    pid_t tid = gettid();
    /* The kernel stores the new tid before the child runs (kernel_clone, schedule_tail): the
     * child's first guest instruction may read it (glibc's pd->tid). The parent waits for
     * the tid (tid_to), so the stores are also done before its clone returns. */
    if (t->set_ptid)
        xlat_mem_write(p->mem, t->set_ptid, &tid, sizeof(tid));
    if (t->set_ctid)
        xlat_mem_write(p->mem, t->set_ctid, &tid, sizeof(tid));
    xlat_signal_mirror_mask(t);
    pthread_mutex_lock(&p->lock);
    t->tid = tid;
    if (t->tid_to)
        *t->tid_to = tid;
    t->tid_to = NULL;
    pthread_cond_broadcast(&p->gone);
    pthread_mutex_unlock(&p->lock);
}

int xlat_host_thread_start(void *(*fn)(void *), void *arg)
{
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    /* The new host thread starts with every signal blocked and takes the guest thread's mask
     * in xlat_thread_attach: nothing may land on it before it knows whom it runs. The raw call:
     * the C library's leaves out 32 and 33, which are the guest's too. */
    uint64_t all = ~0ull, old;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, sizeof(all));
    pthread_t tid;
    int rc = pthread_create(&tid, &attr, fn, arg);
    /* The first one made the C library install its handlers for 32 and 33. */
    xlat_signal_reclaim();
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, sizeof(old));
    pthread_attr_destroy(&attr);
    return rc == 0 ? 0 : -rc;
}

/* A host thread without a guest thread takes no guest signals: the host kernel must route
 * process-directed ones to a thread that still runs one. */
static void block_guest_signals(void)
{
    sigset_t set;
    sigfillset(&set);
    sigdelset(&set, SIGSEGV);
    sigdelset(&set, SIGBUS);
    pthread_sigmask(SIG_SETMASK, &set, NULL);
}

void xlat_thread_leave(struct xlat_thread *t)
{
    struct xlat_proc *p = t->proc;
    /* clone(2) CLONE_CHILD_CLEARTID: store 0 at the address and wake one futex waiter there;
     * this is how pthread_join learns the thread is gone. */
    if (t->clear_tid) {
        uint32_t *w = xlat_mem_ptr(p->mem, t->clear_tid, 4, XLAT_PG_W);
        if (w && t->clear_tid % 4 == 0) {
            __atomic_store_n(w, 0, __ATOMIC_SEQ_CST);
            syscall(SYS_futex, w, FUTEX_WAKE, 1, NULL, NULL, 0);
        }
    }
    pthread_mutex_lock(&p->lock);
    for (struct xlat_thread **pp = &p->threads; *pp; pp = &(*pp)->next)
        if (*pp == t) {
            *pp = t->next;
            p->nthreads--;
            break;
        }
    pthread_cond_broadcast(&p->gone);
    pthread_mutex_unlock(&p->lock);
    if (xlat_self == t) {
        block_guest_signals();
        xlat_self = NULL;
    }
    if (t != &p->main_thread) {
        if (p->leader == t)
            p->leader = NULL;
        free(t);
    }
}

bool xlat_thread_must_leave(const struct xlat_thread *t)
{
    const struct xlat_proc *p = t->proc;
    struct xlat_thread *s = __atomic_load_n(&p->survivor, __ATOMIC_ACQUIRE);
    return s && s != t;
}

bool xlat_proc_stop_others(struct xlat_thread *t)
{
    struct xlat_proc *p = t->proc;
    threads_init(p);
    pthread_mutex_lock(&p->lock);
    if (p->survivor && p->survivor != t) {
        pthread_mutex_unlock(&p->lock);
        return false;
    }
    __atomic_store_n(&p->survivor, t, __ATOMIC_RELEASE);
    while (p->nthreads > 1) {
        /* A thread may be about to enter a blocking call when the first kick lands: kick
         * again until every other thread has left. */
        for (struct xlat_thread *o = p->threads; o; o = o->next) {
            if (o == t)
                continue;
            if (p->hooks.set && o->hart)
                p->hooks.h.kick(o->hart);
            if (o->tid)
                syscall(SYS_tgkill, getpid(), o->tid, XLAT_KICK_SIGNAL);
        }
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 20 * 1000 * 1000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&p->gone, &p->lock, &ts);
    }
    /* Left set for an exit, so that nobody starts anything; cleared for an exec, which goes
     * on running. */
    if (!p->exiting)
        __atomic_store_n(&p->survivor, NULL, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&p->lock);
    return true;
}

void xlat_proc_wait_empty(struct xlat_proc *p)
{
    threads_init(p);
    pthread_mutex_lock(&p->lock);
    while (p->nthreads > 0)
        pthread_cond_wait(&p->gone, &p->lock);
    pthread_mutex_unlock(&p->lock);
}


pid_t xlat_thread_guest_tid(const struct xlat_thread *t)
{
    if (t == &t->proc->main_thread)
        return xlat_pid_to_guest(t->proc, t->tid);
    return t == t->proc->leader ? xlat_pid_to_guest(t->proc, getpid()) : t->tid;
}

uint64_t xlat_thread_fs_base(const struct xlat_thread *t)
{
    return t->fs_base;
}

XLAT_SYS(gettid)
{
    (void)a;
    return xlat_thread_guest_tid(xlat_thread_cur(p));
}

/* Returns the tid; the address is kept for the thread's exit (CLONE_CHILD_CLEARTID). */
XLAT_SYS(set_tid_address)
{
    struct xlat_thread *t = xlat_thread_cur(p);
    t->clear_tid = a[0];
    return xlat_thread_guest_tid(t);
}

/* exit ends the calling thread; the process ends with its last thread (exit(2)). */
XLAT_SYS(exit)
{
    struct xlat_thread *t = xlat_thread_cur(p);
    pthread_mutex_lock(&p->lock);
    bool last = p->nthreads <= 1;
    pthread_mutex_unlock(&p->lock);
    if (last) {
        p->exiting = true;
        p->exit_status = (int)(a[0] & 0xff);
    } else {
        t->result = XLAT_SYS_THREAD_EXIT;
    }
    return 0;
}

static int64_t clone_thread(struct xlat_proc *p, struct xlat_thread *t, const uint64_t *a)
{
    uint64_t flags = a[0];
    /* clone(2): CLONE_THREAD needs CLONE_SIGHAND, which needs CLONE_VM. A thread that is not
     * a member of the thread group would need its own signal state: not supported. */
    if (!(flags & CLONE_THREAD) || !(flags & CLONE_SIGHAND))
        return -EINVAL;
    if (!p->hooks.set || !p->hooks.h.spawn || !t->regs)
        return -ENOSYS;
    struct xlat_thread *c = calloc(1, sizeof(*c));
    if (!c)
        return -ENOMEM;
    c->proc = p;
    c->sigmask = t->sigmask;
    c->ss_flags = SS_DISABLE; /* copy_process: a CLONE_VM child gets no altstack */
    if (flags & CLONE_PARENT_SETTID)
        c->set_ptid = a[2];
    if (flags & CLONE_CHILD_SETTID)
        c->set_ctid = a[p->abi->clone_ctid];
    if (flags & CLONE_CHILD_CLEARTID)
        c->clear_tid = a[p->abi->clone_ctid];
    c->fs_base = (flags & CLONE_SETTLS) && p->abi->tls_is_fs ? a[p->abi->clone_tls] : t->fs_base;
    struct xlat_regs r = *t->regs;
    p->abi->clone_regs(&r, a[1], flags & CLONE_SETTLS, a[p->abi->clone_tls]);
    /* The child reports its tid here, on our stack: once it runs, it may end and free c
     * before we are scheduled again, so c is not ours to read after the spawn. */
    pid_t tid = 0;
    c->tid_to = &tid;
    pthread_mutex_lock(&p->lock);
    c->next = p->threads;
    p->threads = c;
    p->nthreads++;
    pthread_mutex_unlock(&p->lock);
    int rc = p->hooks.h.spawn(p->hooks.h.ctx, c, &r);
    if (rc < 0) {
        xlat_thread_leave(c);
        return rc;
    }
    pthread_mutex_lock(&p->lock);
    while (!tid)
        pthread_cond_wait(&p->gone, &p->lock);
    pthread_mutex_unlock(&p->lock);
    return tid;
}

/* The child of a fork is this whole translator, copied by the host: guest memory is a private
 * mapping, so the child's is a copy-on-write copy, as the guest expects. Only the calling
 * thread exists in the child (fork(2)). vfork is served the same way, as qemu-user does: a
 * program may only exec or _exit in a vfork child, which a copy serves just as well. */
static int64_t clone_process(struct xlat_proc *p, struct xlat_thread *t, const uint64_t *a)
{
    uint64_t flags = a[0];
    int exit_sig = (int)(flags & CSIGNAL);
    if (exit_sig > XLAT_NSIG)
        return -EINVAL;
    struct xlat_engine_hooks *h = p->hooks.set ? &p->hooks.h : NULL;
    int e;
    if (h && h->fork_prepare && (e = h->fork_prepare(t->hart)) < 0)
        return e;
    pid_t pid;
    if (exit_sig == SIGCHLD)
        pid = fork(); /* keeps the host libc's locks consistent in the child */
    else
        pid = (pid_t)syscall(SYS_clone, (unsigned long)exit_sig, 0, NULL, NULL, 0);
    if (pid < 0)
        return -errno;
    if (pid > 0) {
        if (flags & CLONE_PARENT_SETTID)
            xlat_mem_write(p->mem, a[2], &pid, sizeof(pid));
        return pid;
    }
    /* The child: alone, with fresh locks (another thread may have held them at the fork). */
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->gone, NULL);
    for (struct xlat_thread *o = p->threads, *n; o; o = n) {
        n = o->next;
        if (o != t && o != &p->main_thread)
            free(o);
    }
    t->next = NULL;
    p->threads = t;
    p->nthreads = 1;
    p->survivor = NULL;
    p->leader = t == &p->main_thread ? NULL : t;
    t->tid = gettid();
    /* A child starts with no signal pending (fork(2)); the host thread unblocks what only the
     * parent's pending ones kept blocked. */
    __atomic_store_n(&t->pending, 0, __ATOMIC_RELEASE);
    xlat_signal_mirror_mask(t);
    if (h && h->fork_child && h->fork_child(t->hart) < 0)
        _exit(125);
    uint64_t ctid = a[p->abi->clone_ctid], tls = a[p->abi->clone_tls];
    if (flags & CLONE_CHILD_SETTID)
        xlat_mem_write(p->mem, ctid, &t->tid, sizeof(t->tid));
    if (flags & CLONE_CHILD_CLEARTID)
        t->clear_tid = ctid;
    if ((flags & CLONE_SETTLS) && p->abi->tls_is_fs) {
        if (!h || !h->set_fs || h->set_fs(t->hart, tls) < 0)
            _exit(125);
        t->fs_base = tls;
    }
    if (t->regs && (a[1] || ((flags & CLONE_SETTLS) && !p->abi->tls_is_fs))) {
        /* A new stack (posix_spawn's) or tls: the child's registers differ beyond the
         * return value. */
        p->abi->clone_regs(t->regs, a[1], flags & CLONE_SETTLS, tls);
        t->result = XLAT_SYS_REGS;
    }
    return 0;
}

/* fork(2) and vfork(2) are clone's (kernel/fork.c): vfork's sharing is served by a copy, as
 * clone_process says. */
XLAT_SYS(fork)
{
    (void)a;
    return xlat_sys_clone(p, (const uint64_t[]){SIGCHLD, 0, 0, 0, 0, 0});
}

XLAT_SYS(vfork)
{
    (void)a;
    return xlat_sys_clone(p, (const uint64_t[]){CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0, 0});
}

XLAT_SYS(clone)
{
    struct xlat_thread *t = xlat_thread_cur(p);
    uint64_t flags = a[0];
    /* Namespaces and the like are the sandbox's business, not the guest's. */
    const uint64_t unsupported = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |
                                 CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_PIDFD |
                                 CLONE_PTRACE | CLONE_UNTRACED | CLONE_PARENT;
    /* Nested user namespaces are refused as native mode's policy refuses them (EPERM). */
    if (flags & CLONE_NEWUSER)
        return -EPERM;
    if ((flags & CLONE_VM) && !(flags & CLONE_VFORK)) {
        /* glibc's pthread_create: VM|FS|FILES|SIGHAND|THREAD|SYSVSEM|SETTLS|PARENT_SETTID|
         * CHILD_CLEARTID. Threads share everything here already. */
        return clone_thread(p, t, a);
    }
    if (flags & unsupported)
        return -EINVAL;
    if (flags & (CLONE_THREAD | CLONE_SIGHAND))
        return -EINVAL;
    return clone_process(p, t, a);
}

/* Calls interrupted by a handled signal that never restart whatever SA_RESTART says
 * (signal(7)): the sleeps, the waits for signals, the waits on file descriptors (poll, select
 * and epoll's) and those of SysV IPC. */
static bool never_restarted(xlat_sys_fn fn)
{
    return fn == xlat_sys_nanosleep || fn == xlat_sys_clock_nanosleep ||
           fn == xlat_sys_rt_sigsuspend || fn == xlat_sys_pause || fn == xlat_sys_epoll_wait ||
           fn == xlat_sys_epoll_pwait || fn == xlat_sys_epoll_pwait2 || fn == xlat_sys_poll ||
           fn == xlat_sys_ppoll || fn == xlat_sys_select || fn == xlat_sys_pselect6 ||
           fn == xlat_sys_rt_sigtimedwait || fn == xlat_sys_msgrcv || fn == xlat_sys_msgsnd ||
           fn == xlat_sys_semop || fn == xlat_sys_semtimedop;
}

/* Calls that change the guest's memory map and its bookkeeping, which is not thread-safe. */
static bool changes_map(xlat_sys_fn fn)
{
    return fn == xlat_sys_mmap || fn == xlat_sys_munmap || fn == xlat_sys_mprotect ||
           fn == xlat_sys_mremap || fn == xlat_sys_brk || fn == xlat_sys_madvise;
}

int64_t xlat_thread_replay(struct xlat_thread *t, uint64_t nr, const uint64_t a[6])
{
    struct xlat_proc *p = t->proc;
    xlat_sys_fn fn = nr < p->abi->n ? p->abi->table[nr].fn : NULL;
    return fn ? fn(p, a) : -ENOSYS;
}

enum xlat_sys_result xlat_thread_syscall(struct xlat_thread *t, uint64_t nr, const uint64_t a[6],
                                         struct xlat_regs *regs, int64_t *ret)
{
    struct xlat_proc *p = t->proc;
    xlat_sys_fn fn = nr < p->abi->n ? p->abi->table[nr].fn : NULL;
    t->regs = regs;
    t->result = XLAT_SYS_DONE;
    bool lock = fn && changes_map(fn);
    if (lock)
        pthread_mutex_lock(&p->lock);
    enum xlat_sys_result r = xlat_syscall(p, nr, a, ret);
    if (lock)
        pthread_mutex_unlock(&p->lock);
    t->regs = NULL;
    if (r != XLAT_SYS_DONE)
        return r;
    if (t->result != XLAT_SYS_DONE)
        return (enum xlat_sys_result)t->result;
    if (*ret != -EINTR)
        return XLAT_SYS_DONE;
    /* Interrupted: the kernel returns -ERESTARTSYS, which becomes EINTR only when a handler
     * without SA_RESTART runs (arch/riscv/kernel/signal.c, handle_signal). */
    uint64_t pend = __atomic_load_n(&t->pending, __ATOMIC_ACQUIRE) & ~t->sigmask;
    int sig = pend ? __builtin_ctzll(pend) + 1 : 0;
    bool handled = sig && p->act[sig].handler != (uint64_t)(uintptr_t)SIG_DFL &&
                   p->act[sig].handler != (uint64_t)(uintptr_t)SIG_IGN;
    if (t->restore_pending && !handled) {
        /* rt_sigsuspend woken by nothing the guest handles: it keeps waiting. */
        t->sigmask = t->restore_mask;
        t->restore_pending = false;
        xlat_signal_mirror_mask(t);
    }
    if (!handled)
        return XLAT_SYS_RESTART;
    if ((p->act[sig].flags & SA_RESTART) && !(fn && never_restarted(fn)))
        return XLAT_SYS_RESTART;
    return XLAT_SYS_DONE;
}
