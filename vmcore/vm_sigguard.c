/* vm_sigguard.c: the host thread's signal mask around KVM_RUN, for a guest that blocks signals
 * the host would act on by itself.
 *
 * The shim answers rt_sigprocmask in ring 0, and the host thread's mask follows the guest's only
 * at the next exit. A signal the guest handles lands with the VMM whatever that mask says, so
 * the shim may block it at once. One the guest leaves at its default, or ignores, the host
 * kernel acts on as it comes, at the return of KVM_RUN, before the VMM has seen the shim's mask:
 * it would end or stop the process, or drop the signal, that Linux keeps pending for a guest
 * blocking it. So the shim leaves such a block to the VMM (an exit), unless the thread is
 * guarded: its host mask then blocks every signal from just before KVM_RUN until the shim's
 * record of the mask is taken at the exit. A signal that comes meanwhile waits in the host's
 * queue (the thread's own or the process's, as it was sent), still stops the vCPU (KVM_RUN's
 * own mask lets it through: vm_shim_state.c), and the host acts on it when the guest's mask is
 * mirrored again, under that mask as it stands then, as Linux would at that point.
 *
 * With more threads, a process-wide signal the host gave a guarded thread whose guest blocks it
 * stays in the process's queue: as the thread's mask becomes all at the return of KVM_RUN, the
 * host kernel hands it on to a thread that does not block it (kernel/signal.c,
 * retarget_shared_pending), as Linux would have chosen one. Unguarded, the shim blocks nothing
 * in a process with more threads: the host would deliver such a signal to this thread.
 *
 * A guard costs three host calls an exit: the block, the mirror (one the exit that took a mask
 * change makes anyway), and the look at what is pending that KVM_RUN's own mask is made from.
 * A thread is guarded once the VMM served a block the shim could not answer, and no longer
 * after GUARD_IDLE exits with no rt_sigprocmask answered by the shim. */
#include "vm_internal.h"

enum { NR_RT_SIGPROCMASK = 14, GUARD_IDLE = 256 };

void vm_guard_enter(struct vm_vcpu *c)
{
    if (!c->guard || c->guarded || !c->thread)
        return;
    xlat_signal_block_all();
    c->guarded = true;
}

void vm_guard_leave(struct vm_vcpu *c, bool mirrored)
{
    if (!c->guarded)
        return;
    c->guarded = false;
    if (!mirrored)
        xlat_signal_mirror_mask(c->thread);
    uint64_t answers = vm_shim_sigmask_answers(c);
    if (answers != c->guard_answers) {
        c->guard_answers = answers;
        c->guard_idle = 0;
    } else if (++c->guard_idle >= GUARD_IDLE) {
        c->guard = false;
    }
}

void vm_guard_end(struct vm_vcpu *c)
{
    if (c->thread && (c->guarded || __atomic_load_n(&c->v->slots.n, __ATOMIC_ACQUIRE) != 1))
        xlat_signal_block_all();
    c->guard = c->guarded = false;
}

void vm_guard_note(struct vm_vcpu *c, uint64_t nr, uint64_t before)
{
    if (nr != NR_RT_SIGPROCMASK || c->guard || !c->thread)
        return;
    uint64_t now = xlat_thread_sigmask(c->thread);
    if (!(now & ~before & ~c->plain_blockable))
        return;
    c->guard = true;
    c->guard_idle = 0;
    c->guard_answers = vm_shim_sigmask_answers(c);
}
