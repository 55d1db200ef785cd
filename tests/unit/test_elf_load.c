/* test_elf_load.c: elf_load and elf_stack_build on crafted images, into a real guest window. */
#include "loader/loader.h"
#include "syscall-xlat/syscall-xlat.h"

#include <check.h>

#include "unit.h"
#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST (64ull << 20)

/* A riscv64 image: header, two PT_LOADs (text at 0x10000, data+bss at 0x12000), code bytes. */
struct image {
    Elf64_Ehdr eh;
    Elf64_Phdr ph[3];
    uint8_t pad[4096 - sizeof(Elf64_Ehdr) - 3 * sizeof(Elf64_Phdr)];
    uint8_t text[4096];
    uint8_t data[4096];
};

static struct image *make(void)
{
    struct image *im = calloc(1, sizeof(*im));
    memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
    im->eh.e_ident[EI_CLASS] = ELFCLASS64;
    im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
    im->eh.e_ident[EI_VERSION] = EV_CURRENT;
    im->eh.e_type = ET_EXEC;
    im->eh.e_machine = 243;
    im->eh.e_version = EV_CURRENT;
    im->eh.e_entry = 0x11000;
    im->eh.e_phoff = offsetof(struct image, ph);
    im->eh.e_ehsize = sizeof(Elf64_Ehdr);
    im->eh.e_phentsize = sizeof(Elf64_Phdr);
    im->eh.e_phnum = 2;
    im->ph[0] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0,
                             .p_vaddr = 0x10000, .p_filesz = 8192, .p_memsz = 8192,
                             .p_align = 4096};
    im->ph[1] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = 8192,
                             .p_vaddr = 0x12000, .p_filesz = 4096, .p_memsz = 3 * 4096,
                             .p_align = 4096};
    memset(im->text, 0x13, sizeof(im->text)); /* addi x0, x0, 0 bytes: any pattern will do */
    memset(im->data, 0xab, sizeof(im->data));
    return im;
}

static int check_mem(struct image *im, const char *want)
{
    struct elf_image img;
    struct viv_error err = {0};
    int rc = elf_load_mem(im, sizeof(*im), "t", ELF_MACHINE_RISCV64, 4096, NULL, &img, &err);
    if (want) {
        ck_assert_int_eq(rc, -1);
        ck_assert_msg(strstr(err.msg, want), "got '%s', wanted '%s'", err.msg, want);
        ck_assert_int_eq(err.code, ENOEXEC);
    } else {
        ck_assert_msg(rc == 0, "%s", err.msg);
    }
    free(im);
    return rc;
}

START_TEST(loads_segments_with_rights)
{
    struct image *im = make();
    struct xlat_mem m;
    struct viv_error err = {0};
    ck_assert_int_eq(xlat_mem_init(&m, GUEST, &err), 0);
    struct elf_load_ops ops;
    xlat_mem_loader_ops(&m, &ops);
    struct elf_image img;
    ck_assert_msg(elf_load_mem(im, sizeof(*im), "t", ELF_MACHINE_RISCV64, 4096, &ops, &img, &err) ==
                      0, "%s", err.msg);
    ck_assert_uint_eq(img.entry, 0x11000);
    ck_assert_uint_eq(img.lo, 0x10000);
    ck_assert_uint_eq(img.hi, 0x15000);
    ck_assert_uint_eq(img.phdr, 0x10000 + offsetof(struct image, ph));
    ck_assert_uint_eq(img.phnum, 2);
    /* Text readable, not writable; data written from the file; bss zero and writable. */
    ck_assert_ptr_nonnull(xlat_mem_ptr(&m, 0x11000, 4096, XLAT_PG_R));
    ck_assert_ptr_null(xlat_mem_ptr(&m, 0x11000, 1, XLAT_PG_W));
    uint8_t b;
    ck_assert_int_eq(xlat_mem_read(&m, 0x11000, &b, 1), 0);
    ck_assert_uint_eq(b, 0x13);
    ck_assert_int_eq(xlat_mem_read(&m, 0x12fff, &b, 1), 0);
    ck_assert_uint_eq(b, 0xab);
    ck_assert_int_eq(xlat_mem_read(&m, 0x14fff, &b, 1), 0);
    ck_assert_uint_eq(b, 0);
    ck_assert_ptr_nonnull(xlat_mem_ptr(&m, 0x13000, 8192, XLAT_PG_W));
    /* Nothing below or above; reads there are EFAULT, not a host fault. */
    ck_assert_int_eq(xlat_mem_read(&m, 0xffff, &b, 1), -EFAULT);
    ck_assert_int_eq(xlat_mem_read(&m, 0x15000, &b, 1), -EFAULT);
    ck_assert_int_eq(xlat_mem_read(&m, UINT64_MAX, &b, 2), -EFAULT);
    xlat_mem_destroy(&m);
    free(im);
}
END_TEST

/* A program file whose segments start and end inside pages (text at 0x10000 ends at 0x11800;
 * data at data_va), each file byte distinct from zero; loaded through fd. */
static int write_program(uint64_t data_va, uint64_t data_off)
{
    static uint8_t file[0x3000];
    for (size_t i = 0; i < sizeof(file); i++)
        file[i] = (uint8_t)(i * 7 + 1) | 1;
    Elf64_Ehdr eh = {.e_type = ET_EXEC, .e_machine = 243, .e_version = EV_CURRENT,
                     .e_entry = 0x10100, .e_phoff = sizeof(Elf64_Ehdr),
                     .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
                     .e_phnum = 2};
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    Elf64_Phdr ph[2] = {
        {.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0, .p_vaddr = 0x10000,
         .p_filesz = 0x1800, .p_memsz = 0x1800, .p_align = 4096},
        {.p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = data_off, .p_vaddr = data_va,
         .p_filesz = 0x500, .p_memsz = 0x2000, .p_align = 4096},
    };
    memcpy(file, &eh, sizeof(eh));
    memcpy(file + sizeof(eh), ph, sizeof(ph));
    char path[] = "/tmp/viv-elf-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    ck_assert_int_eq(write(fd, file, sizeof(file)), (ssize_t)sizeof(file));
    return fd;
}

/* Mapped from the file (the xlat window's map_file) or copied (none), guest memory holds the
 * same bytes: the segments' own, zero around them in their pages, and the same rights. */
static void same_either_way(uint64_t data_va, uint64_t data_off)
{
    int fd = write_program(data_va, data_off);
    struct xlat_mem m[2];
    struct viv_error err = {0};
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(xlat_mem_init(&m[k], GUEST, &err), 0);
        struct elf_load_ops ops;
        xlat_mem_loader_ops(&m[k], &ops);
        ck_assert_ptr_nonnull(ops.map_file);
        if (k == 1)
            ops.map_file = NULL;
        struct elf_image img;
        ck_assert_msg(elf_load(fd, "t", ELF_MACHINE_RISCV64, 4096, &ops, &img, &err) == 0, "%s",
                      err.msg);
        ck_assert_uint_eq(img.lo, 0x10000);
    }
    for (uint64_t a = 0x10000; a < 0x17000; a += 4096) {
        const uint8_t *p0 = xlat_mem_ptr(&m[0], a, 4096, XLAT_PG_R);
        const uint8_t *p1 = xlat_mem_ptr(&m[1], a, 4096, XLAT_PG_R);
        ck_assert_msg((p0 == NULL) == (p1 == NULL), "page %#llx", (unsigned long long)a);
        if (p0)
            ck_assert_msg(memcmp(p0, p1, 4096) == 0, "page %#llx", (unsigned long long)a);
        ck_assert_int_eq(xlat_mem_ptr(&m[0], a, 1, XLAT_PG_W) != NULL,
                         xlat_mem_ptr(&m[1], a, 1, XLAT_PG_W) != NULL);
    }
    uint8_t b;
    ck_assert_int_eq(xlat_mem_read(&m[0], 0x10100, &b, 1), 0);
    ck_assert_uint_eq(b, (uint8_t)(0x100 * 7 + 1) | 1);
    ck_assert_int_eq(xlat_mem_read(&m[0], 0x11800, &b, 1), 0); /* past the text, in its page */
    ck_assert_uint_eq(b, 0);
    ck_assert_int_eq(xlat_mem_read(&m[0], data_va, &b, 1), 0);
    ck_assert_uint_eq(b, (uint8_t)(data_off * 7 + 1) | 1);
    ck_assert_int_eq(xlat_mem_read(&m[0], data_va - 1, &b, 1), 0); /* before the data */
    ck_assert_uint_eq(b, 0);
    ck_assert_int_eq(xlat_mem_read(&m[0], data_va + 0x500, &b, 1), 0); /* the bss */
    ck_assert_uint_eq(b, 0);
    /* A write to the data reaches the guest's copy only, never the file. */
    ck_assert_int_eq(xlat_mem_write(&m[0], data_va, "\0", 1), 0);
    ck_assert_int_eq(pread(fd, &b, 1, (off_t)data_off), 1);
    ck_assert_uint_eq(b, (uint8_t)(data_off * 7 + 1) | 1);
    xlat_mem_destroy(&m[0]);
    xlat_mem_destroy(&m[1]);
    close(fd);
}

START_TEST(mapped_from_the_file_as_if_copied)
{
    same_either_way(0x13100, 0x2100); /* pages of their own: data mapped */
    same_either_way(0x11900, 0x1900); /* data shares the text's last page: copied */
}
END_TEST

/* The gap between the segments of a program (text ends at 0x12000, data starts at 0x14000) is
 * no mapping at all once loaded, as Linux leaves it, for ET_EXEC and ET_DYN alike and in both
 * kinds of window, so that mmap may take it; without the unmap op it stays mapped, inaccessible. */
static void gap_of(bool pie, bool mmu, bool with_unmap)
{
    int fd = write_program(0x14100, 0x2100);
    if (pie) {
        uint16_t type = ET_DYN;
        ck_assert_int_eq(pwrite(fd, &type, sizeof(type), offsetof(Elf64_Ehdr, e_type)), 2);
    }
    struct xlat_mem m;
    struct viv_error err = {0};
    uint8_t *window = NULL;
    if (mmu) {
        window = mmap(NULL, GUEST, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        ck_assert_ptr_ne(window, MAP_FAILED);
        xlat_mem_init_mmu(&m, window, GUEST);
    } else {
        ck_assert_int_eq(xlat_mem_init(&m, GUEST, &err), 0);
    }
    struct elf_load_ops ops;
    xlat_mem_loader_ops(&m, &ops);
    ck_assert_ptr_nonnull(ops.unmap);
    if (!with_unmap)
        ops.unmap = NULL;
    struct elf_image img;
    ck_assert_msg(elf_load(fd, "t", ELF_MACHINE_RISCV64, 4096, &ops, &img, &err) == 0, "%s",
                  err.msg);
    uint64_t gap = img.bias + 0x12000, gap_end = img.bias + 0x14000;
    ck_assert_uint_eq(img.lo, img.bias + 0x10000);
    ck_assert_uint_eq(img.hi, img.bias + 0x17000);
    uint8_t b;
    for (uint64_t a = gap; a < gap_end; a += 4096) {
        ck_assert_int_eq(xlat_mem_read(&m, a, &b, 1), -EFAULT);
        ck_assert_int_eq(m.pages[a / 4096] != 0, !with_unmap);
        ck_assert_int_eq(xlat_range_at(&m, a) != NULL, !with_unmap);
    }
    /* The segments on either side keep their bytes and rights. */
    ck_assert_int_eq(xlat_mem_read(&m, img.bias + 0x11fff, &b, 1), 0);
    ck_assert_int_eq(xlat_mem_read(&m, img.bias + 0x14100, &b, 1), 0);
    ck_assert_uint_eq(b, (uint8_t)(0x2100 * 7 + 1) | 1);
    ck_assert_ptr_nonnull(xlat_mem_ptr(&m, img.bias + 0x14000, 2 * 4096, XLAT_PG_W));
    const struct xlat_range *text = xlat_range_at(&m, img.bias + 0x11000);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(text->end, gap);
    if (!with_unmap) /* a ---p line of its own */
        ck_assert_uint_eq(xlat_range_at(&m, gap)->prot, PROT_NONE);
    if (with_unmap) /* free for a mapping of the guest's (MAP_FIXED_NOREPLACE finds it free) */
        ck_assert_int_eq(
            xlat_mem_map(&m, gap, gap_end - gap, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 0);
    xlat_mem_destroy(&m);
    if (window)
        munmap(window, GUEST);
    close(fd);
}

START_TEST(gaps_between_segments_are_holes)
{
    for (int k = 0; k < 8; k++)
        gap_of(k & 1, k & 2, k & 4);
}
END_TEST

START_TEST(pie_goes_where_find_says)
{
    struct image *im = make();
    im->eh.e_type = ET_DYN;
    struct xlat_mem m;
    struct viv_error err = {0};
    ck_assert_int_eq(xlat_mem_init(&m, GUEST, &err), 0);
    struct elf_load_ops ops;
    xlat_mem_loader_ops(&m, &ops);
    struct elf_image img;
    ck_assert_int_eq(elf_load_mem(im, sizeof(*im), "t", ELF_MACHINE_RISCV64, 4096, &ops, &img,
                                  &err), 0);
    ck_assert_uint_eq(img.hi, GUEST); /* top-down, as mmap places it */
    ck_assert_uint_eq(img.bias + 0x10000, img.lo);
    ck_assert_uint_eq(img.entry, img.bias + 0x11000);
    xlat_mem_destroy(&m);
    free(im);
}
END_TEST

START_TEST(hostile_headers)
{
    struct image *im;
    im = make(), im->eh.e_ident[EI_CLASS] = ELFCLASS32;
    check_mem(im, "t: not a 64-bit ELF file (class 1)");
    im = make(), im->eh.e_machine = EM_X86_64;
    check_mem(im, "t: machine 62 is not riscv64");
    im = make(), im->eh.e_type = ET_REL;
    check_mem(im, "t: ELF type 1 is not an executable");
    im = make(), im->eh.e_phentsize = 32;
    check_mem(im, "t: e_phentsize 32 is not 56");
    im = make(), im->eh.e_phnum = 0;
    check_mem(im, "t: e_phnum 0 is not in 1..128");
    im = make(), im->eh.e_phoff = UINT64_MAX - 8;
    check_mem(im, "t: program headers at 0xfffffffffffffff7 lie outside the file");
    im = make(), im->ph[1].p_filesz = im->ph[1].p_memsz + 1;
    check_mem(im, "t: phdr[1]: p_filesz 0x3001 exceeds p_memsz 0x3000");
    im = make(), im->ph[1].p_offset = UINT64_MAX;
    check_mem(im, "t: phdr[1]: file range 0xffffffffffffffff+0x1000 lies outside the file");
    im = make(), im->ph[1].p_memsz = UINT64_MAX - 0x1000;
    check_mem(im, "t: phdr[1]: address range 0x12000+0xffffffffffffefff wraps");
    im = make(), im->ph[1].p_align = 3000;
    check_mem(im, "t: phdr[1]: p_align 0xbb8 is not a power of two");
    im = make(), im->ph[1].p_vaddr = 0x12008;
    check_mem(im, "t: phdr[1]: p_vaddr 0x12008 and p_offset 0x2000 differ modulo the page");
    im = make(), im->ph[1].p_vaddr = 0x11000, im->ph[1].p_offset = 0x1000;
    check_mem(im, "t: phdr[1]: PT_LOAD overlaps or precedes the one before");
    im = make(), im->ph[0].p_type = PT_NULL, im->ph[1].p_type = PT_NULL;
    check_mem(im, "t: no PT_LOAD segment");
    im = make(), im->eh.e_entry = 0x20000;
    check_mem(im, "t: entry point 0x20000 lies outside the loaded segments");
    im = make(), im->ph[0].p_vaddr = 0, im->ph[1].p_vaddr = 0x2000, im->eh.e_entry = 0x1000;
    check_mem(im, "t: segments start at 0, inside the first page");
    /* PT_INTERP: not terminated, two of them, outside the file. */
    im = make(), im->eh.e_phnum = 3;
    im->ph[2] = (Elf64_Phdr){.p_type = PT_INTERP, .p_offset = 8192, .p_filesz = 16};
    check_mem(im, "t: phdr[2]: PT_INTERP is not one NUL-terminated path");
    im = make(), im->eh.e_phnum = 3;
    im->ph[2] = (Elf64_Phdr){.p_type = PT_INTERP, .p_offset = UINT64_MAX - 2, .p_filesz = 16};
    check_mem(im, "t: phdr[2]: PT_INTERP lies outside the file");
    im = make(), im->eh.e_phnum = 3;
    memcpy(im->data, "/lib/ld.so\0", 11);
    im->ph[2] = (Elf64_Phdr){.p_type = PT_INTERP, .p_offset = 8192, .p_filesz = 11};
    struct elf_image img;
    struct viv_error err = {0};
    ck_assert_int_eq(elf_load_mem(im, sizeof(*im), "t", ELF_MACHINE_RISCV64, 4096, NULL, &img,
                                  &err), 0);
    ck_assert(img.dynamic);
    ck_assert_str_eq(img.interp, "/lib/ld.so");
    free(im);
    /* Shorter than a header. */
    uint8_t tiny[10] = {0x7f, 'E', 'L', 'F'};
    ck_assert_int_eq(elf_load_mem(tiny, sizeof(tiny), "t", ELF_MACHINE_RISCV64, 4096, NULL, &img,
                                  &err), -1);
    ck_assert_str_eq(err.msg, "t: shorter than an ELF header");
}
END_TEST

START_TEST(initial_stack)
{
    struct xlat_mem m;
    struct viv_error err = {0};
    ck_assert_int_eq(xlat_mem_init(&m, GUEST, &err), 0);
    uint64_t top = GUEST, size = 1 << 20;
    ck_assert_int_eq(xlat_mem_map(&m, top - size, size, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 0);
    struct elf_load_ops ops;
    xlat_mem_loader_ops(&m, &ops);
    char *argv[] = {"prog", "a1", NULL}, *envp[] = {"K=V", NULL};
    struct elf_image exe = {.entry = 0x10100, .phdr = 0x10040, .phent = 56, .phnum = 7};
    struct elf_stack_params p = {.argv = argv, .envp = envp, .execfn = "/bin/prog", .exe = &exe,
                                 .page_size = 4096, .hwcap = ELF_RISCV_HWCAP_IMAFDC,
                                 .uid = 1000, .euid = 1000, .gid = 100, .egid = 100};
    memset(p.random, 0x5a, 16);
    uint64_t sp;
    ck_assert_msg(elf_stack_build(&ops, top, size, &p, &sp, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(sp % 16, 0);
    uint64_t w[64] = {0};
    uint64_t avail = top - sp < sizeof(w) ? top - sp : sizeof(w);
    ck_assert_int_eq(xlat_mem_read(&m, sp, w, avail), 0);
    ck_assert_uint_eq(w[0], 2);
    char s[32];
    ck_assert_int_eq(xlat_mem_string(&m, w[1], s, sizeof(s)), 4);
    ck_assert_str_eq(s, "prog");
    xlat_mem_string(&m, w[2], s, sizeof(s));
    ck_assert_str_eq(s, "a1");
    ck_assert_uint_eq(w[3], 0);
    xlat_mem_string(&m, w[4], s, sizeof(s));
    ck_assert_str_eq(s, "K=V");
    ck_assert_uint_eq(w[5], 0);
    /* auxv pairs up to AT_NULL; the ones a libc start-up reads. */
    uint64_t seen = 0;
    for (unsigned i = 6; i + 1 < 64 && w[i] != AT_NULL; i += 2) {
        seen |= 1ull << w[i];
        if (w[i] == AT_PAGESZ)
            ck_assert_uint_eq(w[i + 1], 4096);
        if (w[i] == AT_PHDR)
            ck_assert_uint_eq(w[i + 1], 0x10040);
        if (w[i] == AT_ENTRY)
            ck_assert_uint_eq(w[i + 1], 0x10100);
        if (w[i] == AT_HWCAP)
            ck_assert_uint_eq(w[i + 1], 0x112d); /* I M A F D C */
        if (w[i] == AT_UID)
            ck_assert_uint_eq(w[i + 1], 1000);
        if (w[i] == AT_RANDOM) {
            uint8_t r[16];
            xlat_mem_read(&m, w[i + 1], r, 16);
            ck_assert_uint_eq(r[0], 0x5a);
            ck_assert_uint_eq(r[15], 0x5a);
        }
        if (w[i] == AT_EXECFN) {
            xlat_mem_string(&m, w[i + 1], s, sizeof(s));
            ck_assert_str_eq(s, "/bin/prog");
        }
    }
    uint64_t want = 1ull << AT_PHDR | 1ull << AT_PHENT | 1ull << AT_PHNUM | 1ull << AT_PAGESZ |
                    1ull << AT_BASE | 1ull << AT_ENTRY | 1ull << AT_UID | 1ull << AT_EUID |
                    1ull << AT_GID | 1ull << AT_EGID | 1ull << AT_SECURE | 1ull << AT_HWCAP |
                    1ull << AT_RANDOM | 1ull << AT_EXECFN;
    ck_assert_uint_eq(seen & want, want);
    /* Arguments beyond a quarter of the stack: E2BIG. */
    char *huge = malloc(size / 2);
    memset(huge, 'x', size / 2 - 1);
    huge[size / 2 - 1] = '\0';
    char *bigv[] = {huge, NULL};
    p.argv = bigv;
    ck_assert_int_eq(elf_stack_build(&ops, top, size, &p, &sp, &err), -1);
    ck_assert_int_eq(err.code, E2BIG);
    free(huge);
    xlat_mem_destroy(&m);
}
END_TEST

/* fs/exec.c's stack vma: the pages of a pointer, the file name and the strings, plus 128 KiB,
 * within the limit. */
START_TEST(stack_vma_as_exec_leaves_it)
{
    char *argv[] = {"prog", "a1", NULL}, *envp[] = {"K=V", NULL, NULL};
    struct elf_stack_params p = {
        .argv = argv, .envp = envp, .execfn = "/bin/prog", .page_size = 4096};
    /* 8 + 10 + 5 + 3 + 4 bytes: one page. */
    ck_assert_uint_eq(elf_stack_vma_size(&p, 8 << 20), 4096 + 131072);
    /* 4096 - 30 more bytes fill the page exactly; one more needs a second. */
    static char big[4096];
    memset(big, 'x', sizeof(big));
    big[4096 - 30 - 1] = '\0';
    envp[1] = big;
    ck_assert_uint_eq(elf_stack_vma_size(&p, 8 << 20), 4096 + 131072);
    big[4096 - 30 - 1] = 'x';
    big[4096 - 30] = '\0';
    ck_assert_uint_eq(elf_stack_vma_size(&p, 8 << 20), 8192 + 131072);
    /* No execfn: argv[0] is what exec copied. */
    p.execfn = NULL;
    ck_assert_uint_eq(elf_stack_vma_size(&p, 8 << 20), 4096 + 131072);
    /* RLIMIT_STACK caps it, in whole pages. */
    ck_assert_uint_eq(elf_stack_vma_size(&p, 70000), 69632);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("elf_load");
    TCase *tc = tcase_create("elf_load");
    tcase_add_test(tc, loads_segments_with_rights);
    tcase_add_test(tc, mapped_from_the_file_as_if_copied);
    tcase_add_test(tc, pie_goes_where_find_says);
    tcase_add_test(tc, hostile_headers);
    tcase_add_test(tc, initial_stack);
    tcase_add_test(tc, gaps_between_segments_are_holes);
    tcase_add_test(tc, stack_vma_as_exec_leaves_it);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
