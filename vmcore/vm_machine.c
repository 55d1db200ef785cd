/* vm_machine.c: the VM and its vCPU over guest memory that exists already: a new instance's, or
 * a forked child's copy of its parent's (KVM serves a VM only to the mm that created it, so the
 * child makes its own over the same host address, now copy-on-write). */
#include "vm_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Put new fd at *slot's number when it has one (a child keeps its parent's numbers, which the
 * personality reserves), else above the guest's fds. */
static int settle_fd(int fd, int *slot)
{
    int at = xlat_engine_fd_high(fd, *slot);
    int e = errno;
    close(fd);
    if (at < 0) {
        errno = e;
        return -1;
    }
    *slot = at;
    return 0;
}

int vm_machine_create(struct vm_instance *v, struct vm_vcpu *c, struct viv_error *err)
{
    int vm = vm_ioctl(v->kvm, KVM_CREATE_VM, NULL);
    if (vm < 0)
        return viv_fail(err, errno, "KVM_CREATE_VM");
    if (settle_fd(vm, &v->vm) < 0)
        return viv_fail(err, errno, "move KVM's fds out of the guest's way");
    /* One slot is all of guest-physical memory (api.rst 4.35 KVM_SET_USER_MEMORY_REGION). */
    struct kvm_userspace_memory_region slot = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = v->mem.size,
        .userspace_addr = (uint64_t)(uintptr_t)v->mem.host,
    };
    if (vm_ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
        return viv_fail(err, errno, "KVM_SET_USER_MEMORY_REGION");
    return vm_vcpu_create(v, c, err);
}

int vm_vcpu_create(struct vm_instance *v, struct vm_vcpu *c, struct viv_error *err)
{
    if (c->run) {
        munmap(c->run, c->run_size);
        c->run = NULL;
    }
    int vcpu = vm_ioctl(v->vm, KVM_CREATE_VCPU, (void *)(uintptr_t)c->slot);
    if (vcpu < 0)
        return viv_fail(err, errno, "KVM_CREATE_VCPU");
    if (settle_fd(vcpu, &c->fd) < 0)
        return viv_fail(err, errno, "move KVM's fds out of the guest's way");
    int size = vm_ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
    if (size < (int)sizeof(struct kvm_run))
        return viv_fail(err, errno, "KVM_GET_VCPU_MMAP_SIZE");
    void *run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd, 0);
    if (run == MAP_FAILED)
        return viv_fail(err, errno, "map the vCPU's kvm_run area");
    c->run = run;
    c->run_size = (size_t)size;
    vm_regs_init(v, c);
    return vm_cpu_setup(v->kvm, c->fd, &v->mem, c->slot, err);
}
