/* vm_internal.h: what vm_run.c (set-up and the exit loop) and vm_user.c (ring 3's system calls,
 * faults and signals) share: one running instance. */
#ifndef VIV_VM_INTERNAL_H
#define VIV_VM_INTERNAL_H

#include "vmcore.h"

#include <linux/kvm.h>
#include <pthread.h>
#include <sys/types.h>

struct vm_instance;

/* One vCPU: it runs one guest thread on one host thread, in its own slot of the system area
 * (its shim, data page, tables and stacks). */
struct vm_vcpu {
    struct vm_instance *v;
    int fd;
    unsigned slot;
    struct kvm_run *run;
    size_t run_size;
    struct xlat_thread *thread;
    pid_t host_tid; /* its host thread, for kicks; -1 once its thread left (atomic) */
    /* For TLB shootdowns (vm_tlb.c): in KVM_RUN now, how many KVM_RUNs returned, whether
     * the last stopped it in ring 3 (with no hypercall to flush on the way back), and whether
     * its thread is out of the exit loop for good (all atomic: another vCPU's shootdown
     * reads them). */
    int in_guest;
    uint64_t runs;
    bool stopped_in_ring3;
    bool out_of_loop;
    /* The last KVM_RUN was interrupted in ring 0: the shim may be halfway through an answer,
     * so the data page's answers stay as it left them (vm_shim_before_entry). */
    bool stopped_in_shim;
    /* What the shim answers from copies (vm_shim_state.c): the thread's name and the process's
     * limits to be read again before the next entry; the brk pool as last made, for the map
     * generation and the break it was made for. */
    bool comm_refresh, rlim_refresh, pool_known;
    uint64_t pool_gen, pool_brk, pool_end;
    /* What the shim may block with the host thread's mask left as it is (vm_shim_before_entry):
     * the signals whose arrival the host leaves to the VMM. */
    uint64_t plain_blockable;
    /* vm_sigguard.c: whether the host thread blocks every signal around KVM_RUN (guard) and
     * does now (guarded); the exits since the shim last answered rt_sigprocmask, and its count
     * of those answers then. */
    bool guard, guarded;
    unsigned guard_idle;
    uint64_t guard_answers;
    /* fork (vm_fork.c): what the parent kept of this vCPU for the child, which cannot read it;
     * resume_past_out: the vCPU is new, with no `out` for KVM to complete, so the shim must be
     * resumed past it by hand. */
    /* vm_regs.c: registers through kvm_run (KVM_CAP_SYNC_REGS): whether KVM offers it, whether
     * run->s.regs holds the vCPU's registers now, and the ones set for the next entry. */
    bool sync_regs, regs_fresh, regs_pending;
    struct kvm_regs pending_regs;
    struct kvm_xsave *fork_xsave;
    uint64_t fork_fs_base;
    bool resume_past_out;
    struct vm_vcpu *next;   /* the process's vCPUs, under lock */
    struct vm_vcpu *parked; /* the vCPUs whose thread left, to be taken again, under lock */
};

/* The slots of the system area in use: a bitmap, the count, and the slots below which any was
 * ever taken (what loops over every slot's data page need to look at). */
struct vm_slots {
    uint64_t used[VM_MAX_VCPUS / 64];
    unsigned n, high;
    unsigned limit; /* what KVM allows (KVM_CAP_MAX_VCPUS, _MAX_VCPU_ID); 0: not asked yet */
};

struct vm_instance {
    int kvm, vm, root, exe;
    struct vm_vcpu main;        /* the first thread's; more run the guest's other threads */
    pthread_mutex_t lock;       /* the list of vCPUs and the slots in use */
    struct vm_slots slots;      /* under lock; slots.n also read atomically */
    struct vm_vcpu *parked;     /* vCPUs free to take again (vm_vcpu.parked), under lock */
    /* Held by a TLB shootdown from its flags to the end of its wait, which tlb_busy says to
     * the calls that find nothing to flush without taking it (vm_tlb.c). */
    pthread_mutex_t tlb_lock;
    int tlb_busy;
    struct vm_mem mem;
    struct xlat_proc *proc;     /* the guest's personality: x86-64 ABI over mem.user */
    int killed_by;              /* the signal that ended the guest, or 0 (atomic) */
    struct vm_stats *st;        /* this process's counters */
    struct vm_stats *run_st;    /* the whole run's, for the fork and exec counts (atomic) */
    uint64_t vvar;              /* guest address of the vDSO's parameter page */
    bool forked;                /* this VMM is a guest's child process */
    bool thread_failed;         /* viv failed in another thread's vCPU: why, under lock */
    uint64_t fd_gen;            /* calls that could release an fd so far (vm_shim_state.c) */
    struct viv_error thread_err;
};
_Static_assert(VM_MAX_VCPUS % 64 == 0, "slots.used is whole 64-bit words");

/* The slots of a new process: slot 0, the first thread's, and slot `also` (its vCPU's, when a
 * thread other than the first forked), nothing parked (vm_thread.c). Also makes the locks new:
 * a forked child may have copied them held. */
void vm_slots_reset(struct vm_instance *v, unsigned also);

/* ---- the machine and the program in it (vm_machine.c, vm_load.c, vm_exec.c) ---- */

/* Create the VM over v->mem with vCPU c in it (see vm_vcpu_create); the VM's fd already in
 * v->vm (a forked child's, inherited) is replaced under the same number, else it is moved above
 * XLAT_FD_FLOOR. */
int vm_machine_create(struct vm_instance *v, struct vm_vcpu *c, struct viv_error *err);
/* Create vCPU c (KVM id: its slot), its kvm_run area, long mode, shim and tables
 * (vm_cpu_setup); as for the VM, an fd already in c->fd is replaced under its number. */
int vm_vcpu_create(struct vm_instance *v, struct vm_vcpu *c, struct viv_error *err);

/* ---- the general registers (vm_regs.c) ---- */

/* c's kvm_run area is mapped: use KVM_CAP_SYNC_REGS where KVM has it. */
void vm_regs_init(struct vm_instance *v, struct vm_vcpu *c);
/* After every KVM_RUN of c: run->s.regs holds its registers. */
void vm_regs_after_run(struct vm_vcpu *c);
/* c's registers were set some other way (its set-up): the ioctls until its next exit. */
void vm_regs_stale(struct vm_vcpu *c);
/* c's general registers, and new ones for its next entry: every read and write of a vCPU's
 * registers goes through these, so that the two ways never disagree. -1 with errno. */
int vm_regs_get(struct vm_vcpu *c, struct kvm_regs *r);
int vm_regs_set(struct vm_vcpu *c, const struct kvm_regs *r);

/* ---- the host thread's signal mask around KVM_RUN (vm_sigguard.c) ---- */

/* Before KVM_RUN: a guarded thread's host mask blocks every signal it can. */
void vm_guard_enter(struct vm_vcpu *c);
/* Once the shim's record of the mask is taken at an exit (vm_shim_take_records): the host mask
 * is the guest's again (mirrored: the personality made it so already), and the host acts on
 * what came meanwhile. */
void vm_guard_leave(struct vm_vcpu *c, bool mirrored);
/* c's thread leaves the exit loop for good: it takes no more of the process's signals while
 * other threads run (the host hands them on to those), nor acts on a guarded thread's mask of
 * before the shim's last change, which it never took; the vCPU, taken again by another thread,
 * starts unguarded. */
void vm_guard_end(struct vm_vcpu *c);
/* After the VMM served call nr for c's thread, whose mask was before: a block the shim had to
 * leave to the VMM guards the thread from then on. */
void vm_guard_note(struct vm_vcpu *c, uint64_t nr, uint64_t before);

/* ---- what the shim answers without an exit (vm_shim_state.c) ---- */

/* Write this process's guest pid and ppid, tid (0: the pid) and credentials where c's shim
 * answers getpid, getppid, gettid, getuid and the like. */
void vm_shim_set_ids(struct vm_instance *v, struct vm_vcpu *c, pid_t tid);
/* At each exit of c, before anything else (but not while it is stopped in ring 0, halfway
 * through an answer perhaps): what its shim recorded for the personality
 * (set_tid_address, set_robust_list, a moved break and the pages it mapped for it, the FS base,
 * anonymous mmap and munmap in the order made, mprotect) goes there, the signal mask first,
 * which ends the thread's guard (vm_guard_leave). */
void vm_shim_take_records(struct vm_vcpu *c);
/* Just before c enters the guest: what its shim answers from the personality's state now (the
 * program break and the pages it may grow into, the free pages below the next mmap placement,
 * the actions, the thread's name and the limits, while the process has one thread). */
void vm_shim_before_entry(struct vm_vcpu *c);
/* After c's hypercall nr was served: the credentials, the thread's name and the limits again
 * when the call may have changed them. */
void vm_shim_after_call(struct vm_vcpu *c, uint64_t nr);
/* Around each hypercall nr of c that the personality serves: the bits of VM_DATA_POLL_READY
 * that the call could make wrong go before it (the generation to hand to _after), and the fds
 * it made or polled are looked at after it (ret: its result). */
uint64_t vm_shim_fds_before(struct vm_vcpu *c, uint64_t nr, const uint64_t a[6]);
void vm_shim_fds_after(struct vm_vcpu *c, uint64_t nr, const uint64_t a[6], int64_t ret,
                       uint64_t gen);
/* c stopped in ring 0 with a signal to deliver: its shim exits before ring 3 (on, at
 * vm_user_interrupted), or that exit came (off). */
void vm_shim_kick(struct vm_vcpu *c, bool on);
/* c is a new vCPU over a data page it did not write (a forked child's copy): KVM_RUN has no
 * mask of its own yet, whatever the page says (the child's pid may be one an ancestor had). */
void vm_shim_new_vcpu(struct vm_vcpu *c);
/* How many rt_sigprocmask calls the shim answered for c so far. */
uint64_t vm_shim_sigmask_answers(struct vm_vcpu *c);
/* The calls every slot's shim answered, added to the personality's counts and st->guest_calls
 * (at the process's end); a forked child starts its counters at zero. */
void vm_shim_count(struct vm_instance *v);
void vm_shim_zero_counts(struct vm_instance *v);

/* ---- threads (vm_thread.c) and the TLB (vm_tlb.c) ---- */

/* The personality's spawn hook: a new vCPU in a free slot on a new host thread. */
int vm_thread_spawn(void *ctx, struct xlat_thread *child, const struct xlat_regs *regs);
/* Run vCPU c until its thread is done (vm_run.c): its status as the loop gives it. */
int vm_vcpu_loop(struct vm_vcpu *c, struct viv_error *err);
/* Stop the host thread that runs c in KVM_RUN or before it enters (a kick). */
void vm_vcpu_kick(struct vm_vcpu *c);
/* The personality narrowed or removed a mapping (mem.tlb_dirty): every vCPU flushes before it
 * runs ring 3 again; the caller's on its way back from the hypercall, others stopped now. */
void vm_tlb_shootdown(struct vm_vcpu *self);
/* c was stopped in ring 3 (vm_user_interrupted): its flush, if another vCPU asked for one, by
 * entering the shim's flush path. 0, or -1 with err. */
int vm_tlb_flush_stopped(struct vm_vcpu *c, struct viv_error *err);

/* Open path for reading inside the appliance's root (openat2 RESOLVE_IN_ROOT): fd or -1. */
int vm_open_in_root(int root, const char *path);
/* What a loaded program starts with. */
struct vm_start {
    uint64_t entry, sp, brk;
};
/* Load the x86-64 program read through fd (path: its guest path, for messages and AT_EXECFN)
 * into the empty user memory: the stack at the top with argv, envp and the auxv, the vDSO
 * under it, the program, and the interpreter it names (PT_INTERP, from the appliance's root
 * v->root). *fail_status is 126 (not loadable), 127 (the interpreter not found) or 125. */
int vm_load(struct vm_vcpu *c, int fd, const char *path, char *const *argv,
            char *const *envp, struct vm_start *st, int *fail_status, struct viv_error *err);
/* The personality's execve of an x86-64 program: the old address space goes, the new program
 * is loaded in its place and the vCPU, stopped at the shim's `out`, resumes at its entry.
 * 0, 1 when the guest died of it (past the point of no return, as Linux's SIGSEGV), -1. */
int vm_exec(struct vm_vcpu *c, struct kvm_regs *r, struct viv_error *err);
/* The personality's fork hooks (vm_fork.c). */
int vm_fork_prepare(void *hart);
int vm_fork_child(void *hart);
/* A forked guest process is done: it ends the VMM process the way the guest ended (its exit
 * status or its signal), so that its parent's wait sees the guest's truth. Never returns. */
_Noreturn void vm_child_exit(struct vm_instance *v, int status, const struct viv_error *err);
/* Return to ring 3 in state s from the shim stopped at its `out` (vm_user.c). */
int vm_resume_from_shim(struct vm_vcpu *c, struct kvm_regs *r, const struct xlat_x86_regs *s,
                        struct viv_error *err);

/* Each returns 0 when the guest runs on, 1 when it is done (vm_status), -1 when viv failed.
 * The hypercall of a `syscall` in ring 3: serve it, deliver what is pending, resume. */
int vm_user_syscall(struct vm_vcpu *c, struct viv_error *err);
/* An exception in ring 3 (the shim's VM_PORT_FAULT): its signal to the guest's handler, or
 * death. */
int vm_user_fault(struct vm_vcpu *c, struct viv_error *err);
/* KVM_RUN was interrupted (a host signal, a kick): pending signals go to the guest now when the
 * vCPU is in ring 3; stopped in the shim, the shim exits for them before it returns to ring 3
 * (vm_shim_kick). */
int vm_user_interrupted(struct vm_vcpu *c, struct viv_error *err);
/* KVM_RUN failed with EFAULT: ring 3 touched guest memory the host cannot give (a shared file
 * mapping past the file's end), which Linux answers with SIGBUS. 1 when that ended the guest. */
int vm_user_bus_error(struct vm_vcpu *c, struct viv_error *err);
/* That exit (VM_PORT_KICK, or _IRET on the way through the data page's frame): what is pending
 * is delivered onto the state ring 3 would have resumed in. */
int vm_user_kicked(struct vm_vcpu *c, bool iret, struct viv_error *err);
/* Signal sig ends the guest: the first to say so wins. */
static inline void vm_set_killed(struct vm_instance *v, int sig)
{
    int none = 0;
    __atomic_compare_exchange_n(&v->killed_by, &none, sig, false, __ATOMIC_ACQ_REL,
                                __ATOMIC_ACQUIRE);
}
/* The guest's status once it is done: 128+N when signal N ended it. */
int vm_status(const struct vm_instance *v);

#endif
