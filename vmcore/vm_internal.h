/* vm_internal.h: what vm_run.c (set-up and the exit loop) and vm_user.c (ring 3's system calls,
 * faults and signals) share: one running instance. */
#ifndef VIV_VM_INTERNAL_H
#define VIV_VM_INTERNAL_H

#include "vmcore.h"

#include <linux/kvm.h>

struct vm_instance {
    int kvm, vm, vcpu, root, exe;
    struct kvm_run *run;
    size_t run_size;
    struct vm_mem mem;
    struct xlat_proc *proc;     /* the guest's personality: x86-64 ABI over mem.user */
    struct xlat_thread *thread; /* its one thread, run by this vCPU */
    int killed_by;              /* the signal that ended the guest, or 0 */
    struct vm_stats *st;
};

/* Each returns 0 when the guest runs on, 1 when it is done (vm_status), -1 when viv failed.
 * The hypercall of a `syscall` in ring 3: serve it, deliver what is pending, resume. */
int vm_user_syscall(struct vm_instance *v, struct viv_error *err);
/* An exception in ring 3 (the shim's VM_PORT_FAULT): its signal to the guest's handler, or
 * death. */
int vm_user_fault(struct vm_instance *v, struct viv_error *err);
/* KVM_RUN was interrupted (a host signal, a kick): pending signals go to the guest now when the
 * vCPU is in ring 3; stopped in the shim, they wait for the next return from a hypercall. */
int vm_user_interrupted(struct vm_instance *v, struct viv_error *err);
/* The guest's status once it is done: 128+N when signal N ended it. */
int vm_status(const struct vm_instance *v);

#endif
