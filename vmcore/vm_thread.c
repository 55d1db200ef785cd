/* vm_thread.c: a guest thread (clone with CLONE_VM|CLONE_THREAD) is a new vCPU in the same VM,
 * run by a new host thread: guest memory is host memory, so futexes, set_tid_address and the
 * robust lists the personality serves work across vCPUs as across host threads. */
#include "vm_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

static bool slot_used(const struct vm_slots *s, unsigned slot)
{
    return s->used[slot / 64] & (1ull << (slot % 64));
}

static void slot_mark(struct vm_slots *s, unsigned slot, bool used)
{
    if (used == slot_used(s, slot))
        return;
    s->used[slot / 64] ^= 1ull << (slot % 64);
    __atomic_store_n(&s->n, s->n + (used ? 1 : -1), __ATOMIC_RELEASE);
    if (used && slot >= s->high)
        s->high = slot + 1;
}

void vm_slots_reset(struct vm_instance *v, unsigned also)
{
    pthread_mutex_init(&v->lock, NULL);
    pthread_mutex_init(&v->tlb_lock, NULL);
    /* high stays: a forked child's data pages past it are its parent's copies. */
    memset(v->slots.used, 0, sizeof(v->slots.used));
    v->slots.n = 0;
    slot_mark(&v->slots, 0, true);
    slot_mark(&v->slots, also, true);
    v->parked = NULL;
}

/* How many vCPUs KVM gives a VM (api.rst 4.4: KVM_CAP_MAX_VCPUS, which KVM_CAP_NR_VCPUS and then
 * 4 stand in for where it is missing; our vCPU ids are slots, below KVM_CAP_MAX_VCPU_ID), at
 * most VM_MAX_VCPUS. Asked once, when a thread first needs a slot past the system area proper,
 * so that a process with fewer threads makes no ioctl for it. */
static unsigned kvm_vcpu_limit(struct vm_instance *v)
{
    int max = vm_ioctl(v->vm, KVM_CHECK_EXTENSION, (void *)(uintptr_t)KVM_CAP_MAX_VCPUS);
    if (max <= 0)
        max = vm_ioctl(v->vm, KVM_CHECK_EXTENSION, (void *)(uintptr_t)KVM_CAP_NR_VCPUS);
    if (max <= 0)
        max = 4;
    int ids = vm_ioctl(v->vm, KVM_CHECK_EXTENSION, (void *)(uintptr_t)KVM_CAP_MAX_VCPU_ID);
    if (ids > 0 && ids < max)
        max = ids;
    return max < VM_MAX_VCPUS ? (unsigned)max : VM_MAX_VCPUS;
}

/* A free slot of the system area, taken, its pages mapped; -1 when every slot KVM allows runs a
 * thread (the guest's clone fails with EAGAIN, as Linux's at its limit of threads). */
static int take_slot(struct vm_instance *v)
{
    int slot = -1;
    pthread_mutex_lock(&v->lock);
    struct vm_slots *s = &v->slots;
    unsigned limit = s->limit ? s->limit : VM_BASE_VCPUS;
    if (s->n >= VM_BASE_VCPUS && !s->limit)
        limit = s->limit = kvm_vcpu_limit(v);
    for (unsigned w = 0; w * 64 < limit && slot < 0; w++) {
        if (s->used[w] == ~0ull)
            continue;
        unsigned i = w * 64 + (unsigned)__builtin_ctzll(~s->used[w]);
        if (i < limit)
            slot = (int)i;
    }
    /* Under the lock: two threads' clones may map slots at once. */
    if (slot >= 0 && vm_mem_map_slot(&v->mem, (unsigned)slot) < 0)
        slot = -1;
    if (slot >= 0)
        slot_mark(s, (unsigned)slot, true);
    pthread_mutex_unlock(&v->lock);
    return slot;
}

/* A vCPU whose thread has left, to run a new one (its slot and KVM's vCPU are free), or NULL. */
static struct vm_vcpu *take_parked(struct vm_instance *v)
{
    pthread_mutex_lock(&v->lock);
    struct vm_vcpu *c = v->parked;
    if (c) {
        v->parked = c->parked;
        c->parked = NULL;
        c->host_tid = 0;
    }
    pthread_mutex_unlock(&v->lock);
    return c;
}

/* c runs no thread (any more, or after all): it waits to be taken again. Under v->lock. */
static void park(struct vm_instance *v, struct vm_vcpu *c)
{
    c->thread = NULL;
    __atomic_store_n(&c->host_tid, -1, __ATOMIC_RELEASE);
    c->parked = v->parked;
    v->parked = c;
}

static void park_locked(struct vm_instance *v, struct vm_vcpu *c)
{
    pthread_mutex_lock(&v->lock);
    park(v, c);
    pthread_mutex_unlock(&v->lock);
}

/* The clone child's registers are the parent's at its syscall, rax 0 and rsp new (clone(2));
 * rcx and r11 hold the return address and rflags there, as SYSCALL left them. The vCPU enters
 * ring 3 through its shim's TLB flush: a vCPU taken again may have cached its last thread's
 * translations. */
static int start_regs(struct vm_vcpu *c, const struct xlat_regs *regs, uint64_t fs,
                      struct viv_error *err)
{
    struct kvm_regs r;
    if (vm_regs_get(c, &r) < 0)
        return viv_fail(err, errno, "KVM_GET_REGS");
    const struct xlat_x86_regs *s = &regs->x86;
    r.r8 = s->r8, r.r9 = s->r9, r.r10 = s->r10, r.r12 = s->r12;
    r.r13 = s->r13, r.r14 = s->r14, r.r15 = s->r15;
    r.rdi = s->rdi, r.rsi = s->rsi, r.rbp = s->rbp, r.rbx = s->rbx, r.rdx = s->rdx;
    r.rax = s->rax;
    r.rcx = s->rcx, r.r11 = s->r11;
    r.rsp = s->rsp;
    r.rip = s->rip;
    r.rflags = s->rflags;
    if (vm_cpu_enter_flush(c->fd, &c->v->mem, c->slot, &r, err) < 0)
        return -1;
    if (vm_regs_set(c, &r) < 0)
        return viv_fail(err, errno, "KVM_SET_REGS");
    /* A new thread's FPU is in its initial state: glibc's start_thread expects nothing else. */
    uint8_t fx[512];
    xlat_x86_init_fx(fx);
    if (vm_cpu_set_fx(c->fd, fx) < 0)
        return viv_fail(err, errno, "KVM_SET_XSAVE");
    if (vm_cpu_set_fs(c->fd, fs) < 0)
        return viv_fail(err, errno, "load the thread's FS base");
    return 0;
}

static void *vcpu_thread(void *arg)
{
    struct vm_vcpu *c = arg;
    struct vm_instance *v = c->v;
    c->host_tid = gettid();
    xlat_thread_attach(c->thread, c);
    /* The shim answers gettid from this vCPU's data page: the host tid, as the personality's
     * gettid does for every thread but the first. */
    vm_shim_set_ids(v, c, xlat_thread_guest_tid(c->thread));
    struct viv_error err = {0};
    int status = vm_vcpu_loop(c, &err);
    if (v->forked)
        /* fork from this thread: in the child it is the process's only one. */
        vm_child_exit(v, status, &err);
    if (status < 0) {
        pthread_mutex_lock(&v->lock);
        if (!v->thread_failed) {
            v->thread_failed = true;
            v->thread_err = err;
        }
        pthread_mutex_unlock(&v->lock);
        vm_set_killed(v, SIGKILL);
        xlat_proc_stop_others(c->thread);
    }
    /* The vCPU stays (its slot too) until the process ends: KVM cannot destroy one vCPU of a
     * VM, and its fd keeps it whether or not it is closed. The next thread takes it. */
    struct xlat_thread *t = c->thread;
    park_locked(v, c);
    xlat_thread_leave(t);
    return NULL;
}

/* Create vCPU c with the soft limit of open files raised to the hard one: each vCPU is an fd of
 * the engine's, above XLAT_FD_FLOOR, and a few hundred threads need more of them than the
 * default soft limit (1024) leaves there; an fd above the soft limit stays valid once it is
 * lowered again. The guest's own limit is the personality's and does not change. Under
 * v->lock, so that two threads' clones do not restore each other's limit. */
static int create_with_fd_room(struct vm_instance *v, struct vm_vcpu *c, struct viv_error *err)
{
    pthread_mutex_lock(&v->lock);
    struct rlimit was;
    bool raised = getrlimit(RLIMIT_NOFILE, &was) == 0 && was.rlim_cur < was.rlim_max &&
                  setrlimit(RLIMIT_NOFILE, &(struct rlimit){was.rlim_max, was.rlim_max}) == 0;
    int rc = vm_vcpu_create(v, c, err);
    if (raised)
        setrlimit(RLIMIT_NOFILE, &was);
    pthread_mutex_unlock(&v->lock);
    return rc;
}

/* A new vCPU in a free slot, in the process's list: NULL when none can be had. */
static struct vm_vcpu *new_vcpu(struct vm_instance *v)
{
    int slot = take_slot(v);
    if (slot < 0)
        return NULL;
    struct viv_error err = {0};
    struct vm_vcpu *c = viv_xcalloc(1, sizeof(*c));
    c->v = v;
    c->fd = -1;
    c->slot = (unsigned)slot;
    if (create_with_fd_room(v, c, &err) < 0) {
        viv_trace(VIV_TRACE_VM, "vm", "thread: %s", err.msg);
        if (c->run)
            munmap(c->run, c->run_size);
        if (c->fd >= 0)
            close(c->fd);
        free(c);
        pthread_mutex_lock(&v->lock);
        slot_mark(&v->slots, (unsigned)slot, false);
        pthread_mutex_unlock(&v->lock);
        return NULL;
    }
    xlat_proc_reserve_fd(v->proc, c->fd);
    pthread_mutex_lock(&v->lock);
    c->next = v->main.next;
    /* Published whole: a TLB shootdown walks the list without the lock (vm_tlb.c). */
    __atomic_store_n(&v->main.next, c, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&v->lock);
    return c;
}

int vm_thread_spawn(void *ctx, struct xlat_thread *child, const struct xlat_regs *regs)
{
    struct vm_instance *v = ctx;
    uint64_t n0 = vm_ioctl_count_here(), pt0 = v->mem.pt_next;
    struct viv_error err = {0};
    struct vm_vcpu *c = take_parked(v);
    if (c) {
        vm_regs_stale(c); /* vm_cpu_setup sets them again by ioctl */
        /* Its CPUID stays: once a vCPU has run, KVM refuses KVM_SET_CPUID2 with anything but
         * the entries it holds, which it has updated as the guest ran (EINVAL). */
        if (vm_cpu_setup(-1, c->fd, &v->mem, c->slot, &err) < 0) {
            viv_trace(VIV_TRACE_VM, "vm", "thread: %s", err.msg);
            park_locked(v, c);
            return -EAGAIN;
        }
    } else if (!(c = new_vcpu(v))) {
        return -EAGAIN;
    }
    c->thread = child;
    c->resume_past_out = false;
    /* Where its last thread stopped is no guide to the new one, which starts in the flush
     * path: left set, it would send that start through the flush path again, with the
     * shim's address as ring 3's (vm_tlb_flush_stopped). */
    __atomic_store_n(&c->stopped_in_ring3, false, __ATOMIC_SEQ_CST);
    c->stopped_in_shim = false;
    if (start_regs(c, regs, xlat_thread_fs_base(child), &err) < 0) {
        viv_trace(VIV_TRACE_VM, "vm", "thread: %s", err.msg);
        park_locked(v, c);
        return -EAGAIN;
    }
    int rc = xlat_host_thread_start(vcpu_thread, c);
    if (rc < 0) {
        park_locked(v, c);
        return rc;
    }
    uint64_t n = vm_ioctl_count_here() - n0;
    uint64_t pt = (v->mem.pt_next - pt0) / VM_PAGE;
    __atomic_add_fetch(&v->run_st->threads, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&v->run_st->thread_ioctls, n, __ATOMIC_RELAXED);
    __atomic_add_fetch(&v->run_st->thread_pt_pages, pt, __ATOMIC_RELAXED);
    /* The bench reads this line (tests/bench/vm.sh): the new vCPU enters ring 3 through its
     * shim's flush path, without an exit; the clone's own hypercall is the one exit. */
    viv_trace(VIV_TRACE_VM, "vm",
              "thread start: vCPU %u, %llu KVM ioctls, 1 exit, %llu page-table pages", c->slot,
              (unsigned long long)n, (unsigned long long)pt);
    return 0;
}

void vm_vcpu_kick(struct vm_vcpu *c)
{
    if (c->run)
        __atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_RELEASE);
    pid_t tid = __atomic_load_n(&c->host_tid, __ATOMIC_ACQUIRE);
    if (tid > 0)
        tgkill(getpid(), tid, XLAT_KICK_SIGNAL);
}
