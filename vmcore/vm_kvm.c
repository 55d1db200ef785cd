/* vm_kvm.c: is this host's /dev/kvm one that can run our guests, and if not, what fixes it. */
#include "vmcore.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

/* KVM_GET_API_VERSION must answer 12 (Documentation/virt/kvm/api.rst, 4.1: "Applications
 * should refuse to run if KVM_GET_API_VERSION returns a value other than 12"). */
#define VM_KVM_API 12

/* PVM's own virtual MSRs (its uapi pvm_para.h: 0x4b564df0 to 0x4b564dff). A kvm_pvm built into
 * the kernel has no module directory, but it still lists these among the MSRs KVM saves. */
#define PVM_MSR_FIRST 0x4b564df0u
#define PVM_MSR_LAST 0x4b564dffu

bool vm_kvm_msrs_say_pvm(const uint32_t *msrs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (msrs[i] >= PVM_MSR_FIRST && msrs[i] <= PVM_MSR_LAST)
            return true;
    return false;
}

/* Whether KVM_GET_MSR_INDEX_LIST names any of PVM's MSRs; false when the list cannot be read. */
static bool kvm_lists_pvm_msrs(int fd)
{
    struct kvm_msr_list probe = {.nmsrs = 0};
    /* The first call fails with E2BIG and says how many there are. */
    if (vm_ioctl(fd, KVM_GET_MSR_INDEX_LIST, &probe) == 0 || errno != E2BIG || !probe.nmsrs)
        return false;
    struct kvm_msr_list *list = malloc(sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
    if (!list)
        return false;
    list->nmsrs = probe.nmsrs;
    bool pvm = vm_ioctl(fd, KVM_GET_MSR_INDEX_LIST, list) == 0 &&
               vm_kvm_msrs_say_pvm(list->indices, list->nmsrs);
    free(list);
    return pvm;
}

static int refuse_pvm(int fd, const char *dev, struct viv_error *err)
{
    close(fd);
    return viv_fail(err, 0,
                    "%s is served by kvm_pvm, which cannot run vivarium's guests (it runs "
                    "only PVM-aware kernels): vm mode needs AMD SVM or Intel VT-x, on bare "
                    "metal or nested",
                    dev);
}

int vm_kvm_open(const char *dev, const char *sysfs, struct viv_error *err)
{
    int fd = open(dev, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT || e == ENODEV || e == ENXIO)
            return viv_fail(err, 0,
                            "%s: not found: this kernel offers no KVM (load kvm_amd or "
                            "kvm_intel, and enable virtualization in the firmware)",
                            dev);
        if (e == EACCES || e == EPERM)
            return viv_fail(err, 0,
                            "%s: permission denied: add your user to the kvm group "
                            "(usermod -aG kvm $USER) and log in again",
                            dev);
        return viv_fail(err, e, "%s", dev);
    }
    /* kvm_pvm serves /dev/kvm for PVM-aware guest kernels only: it ignores the guest's GDT and
     * IDT and has no sysret, so our shim would triple-fault there. Its module is one sign, the
     * MSRs it saves the other. */
    char path[512];
    struct stat st;
    snprintf(path, sizeof(path), "%s/module/kvm_pvm", sysfs);
    if (stat(path, &st) == 0)
        return refuse_pvm(fd, dev, err);
    int v = vm_ioctl(fd, KVM_GET_API_VERSION, NULL);
    if (v != VM_KVM_API) {
        close(fd);
        return viv_fail(err, 0, "%s: KVM API version %d, vm mode needs %d", dev, v,
                        VM_KVM_API);
    }
    if (kvm_lists_pvm_msrs(fd))
        return refuse_pvm(fd, dev, err);
    return fd;
}

int vm_kvm_check(const char *dev, const char *sysfs, struct viv_error *err)
{
    int fd = vm_kvm_open(dev, sysfs, err);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static uint64_t ioctl_counts[VM_IOCTL_NRS];
/* This host thread's, for the costs of one step (a thread's start) while others run. */
static __thread uint64_t ioctls_here;

int vm_ioctl(int fd, unsigned long req, void *arg)
{
    __atomic_add_fetch(&ioctl_counts[_IOC_NR(req) % VM_IOCTL_NRS], 1, __ATOMIC_RELAXED);
    ioctls_here++;
    return ioctl(fd, req, arg);
}

uint64_t vm_ioctl_count_here(void)
{
    return ioctls_here;
}

void vm_ioctl_counts(uint64_t out[VM_IOCTL_NRS])
{
    memcpy(out, ioctl_counts, sizeof(ioctl_counts));
}

void vm_ioctl_reset(void)
{
    memset(ioctl_counts, 0, sizeof(ioctl_counts));
}

const char *vm_ioctl_name(unsigned nr)
{
    /* The requests vmcore makes (linux/kvm.h). */
    static const unsigned long reqs[] = {
        KVM_GET_API_VERSION, KVM_CREATE_VM, KVM_GET_VCPU_MMAP_SIZE, KVM_GET_SUPPORTED_CPUID,
        KVM_SET_USER_MEMORY_REGION, KVM_CREATE_VCPU, KVM_RUN, KVM_GET_REGS, KVM_SET_REGS,
        KVM_GET_SREGS, KVM_SET_SREGS, KVM_SET_MSRS, KVM_SET_CPUID2,
        KVM_GET_XSAVE, KVM_SET_XSAVE, KVM_GET_MSR_INDEX_LIST, KVM_GET_MSRS, KVM_GET_TSC_KHZ,
        KVM_CHECK_EXTENSION, KVM_SET_SIGNAL_MASK,
    };
    static const char *const names[] = {
        "KVM_GET_API_VERSION", "KVM_CREATE_VM", "KVM_GET_VCPU_MMAP_SIZE",
        "KVM_GET_SUPPORTED_CPUID", "KVM_SET_USER_MEMORY_REGION", "KVM_CREATE_VCPU", "KVM_RUN",
        "KVM_GET_REGS", "KVM_SET_REGS", "KVM_GET_SREGS", "KVM_SET_SREGS", "KVM_SET_MSRS",
        "KVM_SET_CPUID2", "KVM_GET_XSAVE", "KVM_SET_XSAVE", "KVM_GET_MSR_INDEX_LIST",
        "KVM_GET_MSRS", "KVM_GET_TSC_KHZ", "KVM_CHECK_EXTENSION", "KVM_SET_SIGNAL_MASK",
    };
    _Static_assert(sizeof(reqs) / sizeof(reqs[0]) == sizeof(names) / sizeof(names[0]),
                   "one name per request");
    for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
        if (_IOC_NR(reqs[i]) == nr)
            return names[i];
    return NULL;
}
