/* vm_vdso.c: the guest's vDSO and the page of clock parameters below it: glibc and musl read
 * the time through it in ring 3, as they do on Linux, so a clock read costs no exit. */
#include "vmcore.h"
#include "vdso/vvar.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

extern const uint8_t vm_vdso_image[], vm_vdso_image_end[];

#define MSR_IA32_TSC 0x10u

static uint64_t clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}


void vm_vdso_params(int vcpu_fd, struct vm_vvar *v)
{
    memset(v, 0, sizeof(*v));
    int khz = vm_ioctl(vcpu_fd, KVM_GET_TSC_KHZ, NULL);
    if (khz <= 0) {
        /* No known rate: every clock call goes to the host. */
        viv_trace(VIV_TRACE_VM, "vm", "vdso: KVM gives no TSC rate (%s): clocks from the host",
                  khz < 0 ? strerror(errno) : "0 kHz");
        return;
    }
    /* Both clocks at the same instant as nearly as can be, with the guest's TSC as KVM keeps it
     * (the host's, scaled and offset). A new VM's counts from 0, and may read 0 still: a value
     * like any other. */
    int got = vm_cpu_get_msr(vcpu_fd, MSR_IA32_TSC, &v->tsc0);
    v->real_ns0 = clock_ns(CLOCK_REALTIME);
    v->mono_ns0 = clock_ns(CLOCK_MONOTONIC);
    if (got != 0) {
        viv_trace(VIV_TRACE_VM, "vm", "vdso: the guest's TSC cannot be read: clocks from the host");
        return;
    }
    v->shift = 32;
    v->mult = (1000000ull << 32) / (uint64_t)khz;
    v->ready = 1;
}

size_t vm_vdso_size(void)
{
    size_t n = (size_t)(vm_vdso_image_end - vm_vdso_image);
    return VM_PAGE + ((n + VM_PAGE - 1) & ~(size_t)(VM_PAGE - 1));
}

int vm_vdso_place(struct vm_mem *m, int vcpu_fd, uint64_t *ehdr)
{
    struct xlat_mem *u = &m->user;
    uint64_t len = vm_vdso_size(), at;
    int r = xlat_mem_find(u, len, &at);
    if (r < 0)
        return r;
    if ((r = xlat_mem_map(u, at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                          0)) < 0)
        return r;
    struct vm_vvar v;
    vm_vdso_params(vcpu_fd, &v);
    xlat_mem_write(u, at, &v, sizeof(v));
    xlat_mem_write(u, at + VM_PAGE, vm_vdso_image, (uint64_t)(vm_vdso_image_end - vm_vdso_image));
    /* Read-only to the guest from here on: the parameters, and the code. */
    if ((r = xlat_mem_protect(u, at, VM_PAGE, PROT_READ)) < 0 ||
        (r = xlat_mem_protect(u, at + VM_PAGE, len - VM_PAGE, PROT_READ | PROT_EXEC)) < 0)
        return r;
    /* Named in /proc/self/maps as Linux names them, for what reads it (a debugger, libc's
     * own checks). */
    xlat_mem_label(u, at, VM_PAGE, XLAT_RANGE_VVAR);
    xlat_mem_label(u, at + VM_PAGE, len - VM_PAGE, XLAT_RANGE_VDSO);
    *ehdr = at + VM_PAGE;
    return 0;
}
