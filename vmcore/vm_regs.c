/* vm_regs.c: a vCPU's general registers at each exit without KVM_GET_REGS and KVM_SET_REGS:
 * KVM copies them into the kvm_run area at every exit and loads them from there before the next
 * entry when asked (api.rst, KVM_CAP_SYNC_REGS: kvm_valid_regs, kvm_dirty_regs), so a served
 * system call costs one ioctl, KVM_RUN, instead of three. Where KVM lacks it, the ioctls. */
#include "vm_internal.h"

#include <errno.h>
#include <string.h>

void vm_regs_init(struct vm_instance *v, struct vm_vcpu *c)
{
    /* The answer is the module's, the same for every vCPU: asked once per process. */
    static int supported = -1;
    if (supported < 0) {
        int caps = vm_ioctl(v->kvm, KVM_CHECK_EXTENSION, (void *)(uintptr_t)KVM_CAP_SYNC_REGS);
        supported = caps > 0 && (caps & KVM_SYNC_X86_REGS);
    }
    c->sync_regs = supported;
    c->regs_fresh = c->regs_pending = false;
    if (c->sync_regs)
        c->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
}

void vm_regs_after_run(struct vm_vcpu *c)
{
    if (!c->sync_regs)
        return;
    /* Registers set for this entry that KVM did not load (it returned before entering, and may
     * have stored the old ones over them): set again for the next. */
    if (c->regs_pending && (c->run->kvm_dirty_regs & KVM_SYNC_X86_REGS))
        c->run->s.regs.regs = c->pending_regs;
    else
        c->regs_pending = false;
    c->regs_fresh = true;
}

void vm_regs_stale(struct vm_vcpu *c)
{
    c->regs_fresh = c->regs_pending = false;
    if (c->run)
        c->run->kvm_dirty_regs &= ~(uint64_t)KVM_SYNC_X86_REGS;
}

int vm_regs_get(struct vm_vcpu *c, struct kvm_regs *r)
{
    if (c->regs_fresh) {
        *r = c->run->s.regs.regs;
        return 0;
    }
    return vm_ioctl(c->fd, KVM_GET_REGS, r);
}

int vm_regs_set(struct vm_vcpu *c, const struct kvm_regs *r)
{
    if (c->regs_fresh) {
        c->run->s.regs.regs = *r;
        c->pending_regs = *r;
        c->regs_pending = true;
        c->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
        return 0;
    }
    struct kvm_regs copy = *r;
    return vm_ioctl(c->fd, KVM_SET_REGS, &copy);
}
