/* test_vm_kvm.c: how vmcore tells a /dev/kvm it cannot use (kvm_pvm, by the MSRs it lists), and
 * where a vCPU that KVM stopped inside the shim goes on. */
#include "vmcore/vmcore.h"
#include "unit.h"

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A hardware KVM's list holds KVM's own paravirtual MSRs (0x4b564d00-0x4b564d07); PVM adds its
 * range just above them. */
START_TEST(pvm_msr_range)
{
    const uint32_t kvm[] = {0x174, 0xc0000081, 0x10, 0x4b564d00, 0x4b564d01, 0x4b564d07, 0x3b};
    ck_assert(!vm_kvm_msrs_say_pvm(kvm, sizeof(kvm) / sizeof(kvm[0])));
    ck_assert(!vm_kvm_msrs_say_pvm(kvm, 0));
    const uint32_t pvm[] = {0x174, 0x4b564d01, 0x4b564df0};
    ck_assert(vm_kvm_msrs_say_pvm(pvm, 3));
    const uint32_t last[] = {0x4b564dff};
    ck_assert(vm_kvm_msrs_say_pvm(last, 1));
    const uint32_t past[] = {0x4b564e00, 0x4b564def};
    ck_assert(!vm_kvm_msrs_say_pvm(past, 2));
}
END_TEST

/* Here, on the machine itself: a kvm_pvm /dev/kvm is refused whatever else it says. */
START_TEST(pvm_host_refused)
{
    struct stat st;
    if (stat("/dev/kvm", &st) != 0 || stat("/sys/module/kvm_pvm", &st) != 0) {
        printf("SKIP: pvm_host_refused: this host's /dev/kvm is not kvm_pvm\n");
        return;
    }
    struct viv_error err = {0};
    ck_assert_int_lt(vm_kvm_open("/dev/kvm", "/sys", &err), 0);
    ck_assert(strstr(err.msg, "/dev/kvm is served by kvm_pvm, which cannot run vivarium's "
                              "guests") == err.msg);
    ck_assert_str_eq(vm_ioctl_name(_IOC_NR(KVM_GET_MSR_INDEX_LIST)), "KVM_GET_MSR_INDEX_LIST");
}
END_TEST

/* A signal flagged while the vCPU is on its way back to ring 3 is seen before ring 3 runs: every
 * sysretq lies where a stopped vCPU goes back to its look at the flag, each such stretch ends
 * with the return itself, and the place a vCPU goes back to is one it stays at when stopped there. */
START_TEST(stopped_on_the_way_back)
{
    struct vm_shim shim;
    vm_shim_get(&shim);
    const uint8_t sysretq[] = {0x48, 0x0f, 0x07}, iretq[] = {0x48, 0xcf};
    unsigned sysrets = 0;
    for (uint64_t off = 0; off < shim.size; off++) {
        uint64_t at = vm_shim_resume_at(&shim, off);
        ck_assert_uint_eq(vm_shim_resume_at(&shim, at), at);
        if (off + 3 <= shim.size && memcmp(shim.code + off, sysretq, 3) == 0) {
            sysrets++;
            bool looked_again = false;
            for (unsigned i = 0; i < VM_SHIM_RESUMES; i++)
                looked_again |= off >= shim.resume[i][0] && off < shim.resume[i][1];
            ck_assert_msg(looked_again, "sysretq at %#llx returns to ring 3 unseen",
                          (unsigned long long)off);
        }
    }
    ck_assert_uint_ge(sysrets, 2);
    for (unsigned i = 0; i < VM_SHIM_RESUMES; i++) {
        const uint64_t *w = shim.resume[i];
        ck_assert(w[0] < w[1] && w[1] <= shim.size && w[2] < shim.size);
        bool ends_sysret = memcmp(shim.code + w[1] - 3, sysretq, 3) == 0;
        bool ends_iret = memcmp(shim.code + w[1] - 2, iretq, 2) == 0;
        ck_assert_msg(ends_sysret || ends_iret, "window %u ends at a return to ring 3", i);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vm_kvm");
    TCase *tc = tcase_create("kvm");
    tcase_add_test(tc, pvm_msr_range);
    tcase_add_test(tc, pvm_host_refused);
    tcase_add_test(tc, stopped_on_the_way_back);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
