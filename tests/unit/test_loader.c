/* test_loader.c: elf_identify on ELF images built byte by byte, good and hostile. */
#include "loader/loader.h"

#include <check.h>

#include "unit.h"
#include <elf.h>
#include <string.h>
#include <sys/mman.h>

/* An ELF64 header, one or two program headers and an interpreter string. */
struct image {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[2];
    char interp[48];
};

static struct image make(uint16_t machine, uint16_t type, bool with_interp)
{
    struct image im;
    memset(&im, 0, sizeof(im));
    memcpy(im.eh.e_ident, ELFMAG, SELFMAG);
    im.eh.e_ident[EI_CLASS] = ELFCLASS64;
    im.eh.e_ident[EI_DATA] = ELFDATA2LSB;
    im.eh.e_ident[EI_VERSION] = EV_CURRENT;
    im.eh.e_type = type;
    im.eh.e_machine = machine;
    im.eh.e_version = EV_CURRENT;
    im.eh.e_entry = 0x401000;
    im.eh.e_phoff = offsetof(struct image, ph);
    im.eh.e_ehsize = sizeof(Elf64_Ehdr);
    im.eh.e_phentsize = sizeof(Elf64_Phdr);
    im.eh.e_phnum = 1;
    im.ph[0].p_type = PT_LOAD;
    if (with_interp) {
        im.eh.e_phnum = 2;
        strcpy(im.interp, "/lib/ld-linux-riscv64-lp64d.so.1");
        im.ph[1].p_type = PT_INTERP;
        im.ph[1].p_offset = offsetof(struct image, interp);
        im.ph[1].p_filesz = strlen(im.interp) + 1;
    }
    return im;
}

static int memfd_of(const void *data, size_t len)
{
    int fd = memfd_create("elf", MFD_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    return fd;
}

START_TEST(static_x86_64)
{
    struct image im = make(EM_X86_64, ET_EXEC, false);
    int fd = memfd_of(&im, sizeof(im));
    struct elf_info info;
    struct viv_error err = {0};
    ck_assert_int_eq(elf_identify(fd, "t", &info, &err), 0);
    ck_assert_int_eq(info.machine, ELF_MACHINE_X86_64);
    ck_assert(!info.dynamic);
    ck_assert(!info.pie);
    close(fd);
}
END_TEST

START_TEST(dynamic_riscv64_pie)
{
    struct image im = make(243, ET_DYN, true);
    int fd = memfd_of(&im, sizeof(im));
    struct elf_info info;
    struct viv_error err = {0};
    ck_assert_int_eq(elf_identify(fd, "t", &info, &err), 0);
    ck_assert_int_eq(info.machine, ELF_MACHINE_RISCV64);
    ck_assert(info.dynamic);
    ck_assert(info.pie);
    ck_assert_str_eq(info.interp, "/lib/ld-linux-riscv64-lp64d.so.1");
    close(fd);
}
END_TEST

START_TEST(refusals)
{
    struct viv_error err = {0};
    struct elf_info info;
    int fd = memfd_of("#!/bin/sh\n", 10);
    ck_assert_int_eq(elf_identify(fd, "script", &info, &err), -1);
    ck_assert_str_eq(err.msg, "script: not an ELF file");
    close(fd);

    struct image im = make(EM_X86_64, ET_REL, false);
    fd = memfd_of(&im, sizeof(im));
    ck_assert_int_eq(elf_identify(fd, "obj", &info, &err), -1);
    ck_assert_str_eq(err.msg, "obj: ELF type 1 is not an executable");
    close(fd);

    /* An interpreter path that runs past its segment without a NUL. */
    im = make(EM_X86_64, ET_EXEC, true);
    im.ph[1].p_filesz = 4;
    fd = memfd_of(&im, sizeof(im));
    ck_assert_int_eq(elf_identify(fd, "bad", &info, &err), -1);
    ck_assert_str_eq(err.msg, "bad: PT_INTERP is not a NUL-terminated path");
    close(fd);

    /* Program headers beyond the end of the file. */
    im = make(EM_X86_64, ET_EXEC, false);
    im.eh.e_phoff = 1u << 30;
    fd = memfd_of(&im, sizeof(im));
    ck_assert_int_eq(elf_identify(fd, "cut", &info, &err), -1);
    close(fd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loader");
    TCase *tc = tcase_create("elf_identify");
    tcase_add_test(tc, static_x86_64);
    tcase_add_test(tc, dynamic_riscv64_pie);
    tcase_add_test(tc, refusals);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
