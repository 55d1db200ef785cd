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
    struct vm_stats *st;        /* this process's counters */
    struct vm_stats *run_st;    /* the whole run's, for the fork and exec counts (atomic) */
    uint64_t vvar;              /* guest address of the vDSO's parameter page */
    /* fork (vm_fork.c): what the parent kept of its vCPU for the child, which cannot read it;
     * forked: this VMM is a guest's child process; resume_past_out: its vCPU is new, with no
     * `out` for KVM to complete, so the shim must be resumed past it by hand. */
    struct kvm_xsave *fork_xsave;
    uint64_t fork_fs_base;
    bool forked, resume_past_out;
};

/* ---- the machine and the program in it (vm_machine.c, vm_load.c, vm_exec.c) ---- */

/* Create the VM over v->mem, its vCPU and its kvm_run area; fds already in v->vm and v->vcpu
 * (a forked child's, inherited) are replaced under the same numbers, others are moved above
 * XLAT_FD_FLOOR. Then the vCPU's long mode, shim and tables (vm_cpu_setup). */
int vm_machine_create(struct vm_instance *v, struct viv_error *err);
/* Write this process's guest pid and ppid where the shim answers getpid and getppid. */
void vm_machine_set_ids(struct vm_instance *v);

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
int vm_load(struct vm_instance *v, int fd, const char *path, char *const *argv,
            char *const *envp, struct vm_start *st, int *fail_status, struct viv_error *err);
/* The personality's execve of an x86-64 program: the old address space goes, the new program
 * is loaded in its place and the vCPU, stopped at the shim's `out`, resumes at its entry.
 * 0, 1 when the guest died of it (past the point of no return, as Linux's SIGSEGV), -1. */
int vm_exec(struct vm_instance *v, struct kvm_regs *r, struct viv_error *err);
/* The personality's fork hooks (vm_fork.c). */
int vm_fork_prepare(void *hart);
int vm_fork_child(void *hart);
/* A forked guest process is done: it ends the VMM process the way the guest ended (its exit
 * status or its signal), so that its parent's wait sees the guest's truth. Never returns. */
_Noreturn void vm_child_exit(struct vm_instance *v, int status, const struct viv_error *err);
/* Return to ring 3 in state s from the shim stopped at its `out` (vm_user.c). */
int vm_resume_from_shim(struct vm_instance *v, struct kvm_regs *r, const struct xlat_x86_regs *s,
                        struct viv_error *err);

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
