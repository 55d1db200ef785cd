/* test_vm_kvm.c: how vmcore tells a /dev/kvm it cannot use: kvm_pvm by the MSRs it lists. */
#include "vmcore/vmcore.h"
#include "unit.h"

#include <linux/kvm.h>
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

int main(void)
{
    Suite *s = suite_create("vm_kvm");
    TCase *tc = tcase_create("kvm");
    tcase_add_test(tc, pvm_msr_range);
    tcase_add_test(tc, pvm_host_refused);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
