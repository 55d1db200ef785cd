/* vm_tlb.c: TLB shootdown across the vCPUs of one process. Page tables are shared, TLBs are
 * per CPU: when one vCPU's call narrows or removes a mapping, every vCPU must drop what it
 * cached before it runs ring 3 again (AMD64 APM vol. 2, 5.5.2 "TLB Management"), and the call
 * must not return before the ones in ring 3 have stopped (Linux's flush_tlb_mm_range waits
 * for its IPIs the same way). */
#include "vm_internal.h"

#include <errno.h>
#include <time.h>

static uint8_t *flush_flag(struct vm_instance *v, struct vm_vcpu *c)
{
    return vm_sys_host(&v->mem, c->slot, VM_SYS_DATA) + VM_DATA_FLUSH;
}

/* Whether c can no longer reach ring 3 through a stale translation: its shim flushed (it
 * clears the flag as it reloads CR3), its thread is gone or out of the exit loop for good (a
 * vCPU taken again for a new thread enters through the flush path: vm_thread.c), or it is out
 * of KVM_RUN either at one of the shim's `out`s, from which every way back to ring 3 passes
 * the flag, or stopped in ring 3, from which its next entry goes through the flush path
 * (vm_tlb_flush_stopped, after it marks itself in the guest). A KVM_RUN that a signal
 * interrupted (KVM_EXIT_INTR) may also have stopped it in ring 0 past the shim's check, a few
 * instructions from sysretq: that is not enough.
 *
 * The wait must not depend on c's thread going on: a thread that leaves the loop waits for
 * the others to leave (xlat_proc_stop_others), and a vCPU stopped in ring 3 may take a
 * shootdown of its own (vm_shim_take_records), which waits for this one. */
static bool flushed(struct vm_instance *v, struct vm_vcpu *c)
{
    if (!__atomic_load_n(flush_flag(v, c), __ATOMIC_SEQ_CST))
        return true;
    if (__atomic_load_n(&c->host_tid, __ATOMIC_ACQUIRE) == -1 ||
        __atomic_load_n(&c->out_of_loop, __ATOMIC_SEQ_CST))
        return true;
    if (__atomic_load_n(&c->in_guest, __ATOMIC_SEQ_CST))
        return false;
    return __atomic_load_n(&c->run->exit_reason, __ATOMIC_ACQUIRE) == KVM_EXIT_IO ||
           __atomic_load_n(&c->stopped_in_ring3, __ATOMIC_SEQ_CST);
}

/* Wait until c is flushed, kicking it out of KVM_RUN when it stays in one run: not at every
 * poll, which would send it back out of each entry before it ran the flush. */
static void wait_flushed(struct vm_instance *v, struct vm_vcpu *c)
{
    uint64_t kicked_run = __atomic_load_n(&c->runs, __ATOMIC_ACQUIRE);
    unsigned polls = 0;
    while (!flushed(v, c)) {
        /* Sleep, not yield: on a busy host the vCPU's thread must get the CPU to leave. */
        nanosleep(&(struct timespec){.tv_nsec = 100 * 1000}, NULL);
        uint64_t run = __atomic_load_n(&c->runs, __ATOMIC_ACQUIRE);
        if (run != kicked_run) {
            kicked_run = run;
            polls = 0;
        } else if (++polls >= 10 && __atomic_load_n(&c->in_guest, __ATOMIC_SEQ_CST)) {
            vm_vcpu_kick(c);
            polls = 0;
        }
    }
}

void vm_tlb_shootdown(struct vm_vcpu *self)
{
    struct vm_instance *v = self->v;
    /* Most calls narrow nothing and find no shootdown running: they go on at once. A shootdown
     * marks itself busy before it takes the dirty flag, so a call whose narrowing it took
     * sees it busy, and waits below until it is done before its own call returns. */
    if (!__atomic_load_n(&v->mem.tlb_dirty, __ATOMIC_SEQ_CST) &&
        !__atomic_load_n(&v->tlb_busy, __ATOMIC_SEQ_CST))
        return;
    /* One shootdown at a time, whole. */
    pthread_mutex_lock(&v->tlb_lock);
    __atomic_store_n(&v->tlb_busy, 1, __ATOMIC_SEQ_CST);
    if (!__atomic_exchange_n(&v->mem.tlb_dirty, false, __ATOMIC_SEQ_CST)) {
        __atomic_store_n(&v->tlb_busy, 0, __ATOMIC_SEQ_CST);
        pthread_mutex_unlock(&v->tlb_lock);
        return;
    }
    /* The caller flushes in the shim on its way back from this hypercall. */
    __atomic_store_n(flush_flag(v, self), 1, __ATOMIC_SEQ_CST);
    /* Flag every vCPU that runs a thread, and kick the ones in KVM_RUN. A vCPU without one
     * (parked, or being started) enters through its shim's flush path (vm_thread.c). */
    pthread_mutex_lock(&v->lock);
    struct vm_vcpu *head = &v->main;
    for (struct vm_vcpu *c = head; c; c = c->next) {
        if (c == self || c->fd < 0 || !c->thread)
            continue;
        /* Flagged first: a vCPU that enters KVM_RUN after the check below sees the flag
         * (vm_vcpu_run looks at it after it marks itself in the guest). */
        __atomic_store_n(flush_flag(v, c), 1, __ATOMIC_SEQ_CST);
        if (__atomic_load_n(&c->in_guest, __ATOMIC_SEQ_CST))
            vm_vcpu_kick(c);
    }
    pthread_mutex_unlock(&v->lock);
    /* The wait is without the lock (a thread that leaves takes it); the list only grows at
     * its head, and vCPUs are never freed before the process ends, so the walk from the
     * snapshot is safe, and a vCPU added since then enters through its flush path. */
    for (struct vm_vcpu *c = head; c; c = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE))
        if (c != self && c->fd >= 0 && c->run)
            wait_flushed(v, c);
    __atomic_store_n(&v->tlb_busy, 0, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&v->tlb_lock);
}

/* Whether c stopped while its CPU was taking an exception (a #PF of ring 3, say), which KVM
 * delivers again at its next entry (api.rst, KVM_GET_VCPU_EVENTS). Sent through the flush path
 * now, c would take it there, as if the shim had faulted; let it go first instead: it enters
 * the shim's fault path, which flushes on its way back to ring 3 (shim.S, fault_common). */
static bool taking_exception(struct vm_vcpu *c)
{
    struct kvm_vcpu_events ev;
    if (vm_ioctl(c->fd, KVM_GET_VCPU_EVENTS, &ev) < 0)
        return false;
    return ev.exception.injected || ev.exception.pending;
}

int vm_tlb_flush_stopped(struct vm_vcpu *c, struct viv_error *err)
{
    struct vm_instance *v = c->v;
    if (!__atomic_load_n(&c->stopped_in_ring3, __ATOMIC_SEQ_CST) ||
        !__atomic_load_n(flush_flag(v, c), __ATOMIC_SEQ_CST))
        return 0;
    __atomic_store_n(&c->stopped_in_ring3, false, __ATOMIC_SEQ_CST);
    if (taking_exception(c))
        return 0;
    struct kvm_regs r;
    if (vm_regs_get(c, &r) < 0)
        return viv_fail(err, errno, "read the vCPU to flush its TLB");
    if (vm_cpu_enter_flush(c->fd, &v->mem, c->slot, &r, err) < 0)
        return -1;
    return vm_regs_set(c, &r) < 0 ? viv_fail(err, errno, "KVM_SET_REGS") : 0;
}
