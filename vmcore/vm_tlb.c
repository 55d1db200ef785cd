/* vm_tlb.c: TLB shootdown across the vCPUs of one process. Page tables are shared, TLBs are
 * per CPU: when one vCPU's call narrows or removes a mapping, every vCPU must drop what it
 * cached before it runs ring 3 again (AMD64 APM vol. 2, 5.5.2 "TLB Management"), and the call
 * must not return before the ones in ring 3 have stopped (Linux's flush_tlb_mm_range waits
 * for its IPIs the same way). */
#include "vm_internal.h"

#include <errno.h>
#include <time.h>

static void set_flush(struct vm_instance *v, struct vm_vcpu *c)
{
    __atomic_store_n(vm_sys_host(&v->mem, c->slot, VM_SYS_DATA) + VM_DATA_FLUSH, 1,
                     __ATOMIC_SEQ_CST);
}

void vm_tlb_shootdown(struct vm_vcpu *self)
{
    struct vm_instance *v = self->v;
    if (!__atomic_exchange_n(&v->mem.tlb_dirty, false, __ATOMIC_ACQ_REL))
        return;
    /* The caller flushes in the shim on its way back from this hypercall. */
    set_flush(v, self);
    /* The vCPUs to wait for, taken under the lock; the wait is without it (vCPUs are never
     * freed before the process ends). */
    struct vm_vcpu *wait[VM_MAX_VCPUS];
    uint64_t runs[VM_MAX_VCPUS];
    unsigned n = 0;
    pthread_mutex_lock(&v->lock);
    for (struct vm_vcpu *c = &v->main; c && n < VM_MAX_VCPUS; c = c->next) {
        if (c == self || c->fd < 0)
            continue;
        /* Flagged first: a vCPU that enters KVM_RUN after the check below sees the flag
         * (vm_vcpu_run looks at it after it marks itself in the guest). */
        set_flush(v, c);
        if (!__atomic_load_n(&c->in_guest, __ATOMIC_SEQ_CST))
            continue;
        runs[n] = __atomic_load_n(&c->runs, __ATOMIC_ACQUIRE);
        wait[n++] = c;
        vm_vcpu_kick(c);
    }
    pthread_mutex_unlock(&v->lock);
    /* Out of KVM_RUN once is enough: it flushes before ring 3 again, in the shim after a
     * hypercall or through vm_tlb_flush_stopped. */
    for (unsigned i = 0; i < n; i++) {
        struct vm_vcpu *c = wait[i];
        while (__atomic_load_n(&c->in_guest, __ATOMIC_SEQ_CST) &&
               __atomic_load_n(&c->runs, __ATOMIC_ACQUIRE) == runs[i]) {
            /* Sleep, not yield: on a busy host the vCPU's thread must get the CPU to leave. */
            nanosleep(&(struct timespec){.tv_nsec = 100 * 1000}, NULL);
            vm_vcpu_kick(c);
        }
    }
}

int vm_tlb_flush_stopped(struct vm_vcpu *c, struct viv_error *err)
{
    struct vm_instance *v = c->v;
    uint8_t *data = vm_sys_host(&v->mem, c->slot, VM_SYS_DATA);
    if (!c->stopped_in_ring3 || !__atomic_load_n(data + VM_DATA_FLUSH, __ATOMIC_SEQ_CST))
        return 0;
    c->stopped_in_ring3 = false;
    struct kvm_regs r;
    if (vm_regs_get(c, &r) < 0)
        return viv_fail(err, errno, "read the vCPU to flush its TLB");
    if (vm_cpu_enter_flush(c->fd, &v->mem, c->slot, &r, err) < 0)
        return -1;
    return vm_regs_set(c, &r) < 0 ? viv_fail(err, errno, "KVM_SET_REGS") : 0;
}
