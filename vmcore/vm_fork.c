/* vm_fork.c: a guest's fork is a host fork of the VMM. Guest memory is a private anonymous
 * mapping, so the child's is a copy-on-write copy at the same host address; the child makes its
 * own VM and vCPU over it (KVM refuses a VM's ioctls from another mm) and loads the state its
 * parent read from the old vCPU before the fork. */
#include "vm_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vdso/vvar.h"

#define MSR_FS_BASE 0xc0000100u

static uint64_t ioctls_now(void)
{
    uint64_t c[VM_IOCTL_NRS], n = 0;
    vm_ioctl_counts(c);
    for (unsigned i = 0; i < VM_IOCTL_NRS; i++)
        n += c[i];
    return n;
}

/* The parent, before the fork: the FPU state and the FS base are the vCPU's alone. The general
 * registers the hypercall read already (vm_user_syscall); the segment and control registers
 * and the other MSRs are the shim's, which vm_cpu_setup makes the same in the child. */
int vm_fork_prepare(void *hart)
{
    struct vm_vcpu *c = hart;
    struct vm_instance *v = c->v;
    uint64_t n0 = ioctls_now();
    if (!c->fork_xsave && !(c->fork_xsave = malloc(sizeof(*c->fork_xsave))))
        return -ENOMEM;
    if (vm_ioctl(c->fd, KVM_GET_XSAVE, c->fork_xsave) < 0 ||
        vm_cpu_get_msr(c->fd, MSR_FS_BASE, &c->fork_fs_base) < 0)
        return -errno;
    __atomic_add_fetch(&v->run_st->fork_ioctls, ioctls_now() - n0, __ATOMIC_RELAXED);
    return 0;
}

/* Only the calling thread goes on in the child (fork(2)): the other vCPUs are the parent's,
 * and their host threads do not exist here. Their fds and kvm_run areas go; their structs
 * stay (cheap), off the list. */
static void drop_other_vcpus(struct vm_instance *v, struct vm_vcpu *self)
{
    vm_slots_reset(v, self->slot);
    for (struct vm_vcpu *o = &v->main; o; o = o->next) {
        if (o == self)
            continue;
        if (o->run)
            munmap(o->run, o->run_size);
        o->run = NULL;
        if (o->fd >= 0)
            close(o->fd);
        o->fd = -1;
    }
    v->main.next = self == &v->main ? NULL : self;
    self->next = NULL;
}

int vm_fork_child(void *hart)
{
    struct vm_vcpu *c = hart;
    struct vm_instance *v = c->v;
    uint64_t n0 = ioctls_now();
    uint64_t pt0 = v->mem.pt_next;
    struct viv_error err = {0};
    drop_other_vcpus(v, c);
    c->host_tid = gettid();
    if (vm_machine_create(v, c, &err) < 0 || vm_cpu_set_fs(c->fd, c->fork_fs_base) < 0 ||
        vm_ioctl(c->fd, KVM_SET_XSAVE, c->fork_xsave) < 0) {
        /* Nobody but the guest's parent will see this child again: say why it is gone. */
        fprintf(stderr, "viv: vm: fork: %s\n", err.msg[0] ? err.msg : strerror(errno));
        return -1;
    }
    /* The new vCPU's TSC counts from another offset: the vDSO's clock parameters are its own.
     * The shim answers getpid and getppid with this process's ids. */
    vm_vdso_params(c->fd, (struct vm_vvar *)(void *)(v->mem.host + v->vvar));
    vm_shim_set_ids(v, c, 0);
    vm_shim_new_vcpu(c);
    vm_shim_zero_counts(v);
    v->forked = c->resume_past_out = true;
    /* A child's exits and calls are its own: only the fork and exec counts are the run's. */
    static struct vm_stats own;
    memset(&own, 0, sizeof(own));
    v->st = &own;
    __atomic_add_fetch(&v->run_st->forks, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&v->run_st->fork_ioctls, ioctls_now() - n0, __ATOMIC_RELAXED);
    __atomic_add_fetch(&v->run_st->fork_pt_pages, (v->mem.pt_next - pt0) / VM_PAGE,
                       __ATOMIC_RELAXED);
    return 0;
}

_Noreturn void vm_child_exit(struct vm_instance *v, int status, const struct viv_error *err)
{
    if (status < 0) {
        fprintf(stderr, "viv: vm: %s\n", err->msg);
        _exit(125);
    }
    int sig = __atomic_load_n(&v->killed_by, __ATOMIC_ACQUIRE);
    if (sig)
        _exit(viv_die_of_signal(sig) & 0xff);
    _exit(status & 0xff);
}
