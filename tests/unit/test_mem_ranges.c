/* test_mem_ranges.c: the record of the guest's mappings that /proc/self/maps prints: split by
 * munmap, mprotect and MAP_FIXED with file offsets running on, merged only where Linux merges
 * vmas, moved and grown by mremap, reset by an unmap of everything, bounded by
 * vm.max_map_count; the line format of proc(5); and the personality's maps file, with paths
 * inside the root, [heap] and [stack] (as far down as Linux's stack vma would reach). Both kinds
 * of window: a translator's and a VM's. */
#include "syscall-xlat/syscall-xlat.h"

#include <check.h>

#include "unit.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define GUEST (512ull << 20) /* room for vm.max_map_count pages */
#define PG XLAT_PAGE
#define A 0x100000ull

static struct xlat_mem m;
static uint8_t *vm_window; /* the VM kind's guest-physical memory, ours to free */
static char dir[] = "/tmp/viv-ranges.XXXXXX";
static char file[sizeof(dir) + 32]; /* 8 pages, page i full of 'a' + i */
static int fd = -1;
static struct stat fst;

static void make_file(void)
{
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(file, sizeof(file), "%s/lib.so", dir);
    fd = open(file, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ck_assert_int_ge(fd, 0);
    char page[PG];
    for (int i = 0; i < 8; i++) {
        memset(page, 'a' + i, sizeof(page));
        ck_assert_int_eq(write(fd, page, sizeof(page)), (ssize_t)sizeof(page));
    }
    ck_assert_int_eq(fstat(fd, &fst), 0);
}

static void setup_host(void)
{
    struct viv_error err = {0};
    ck_assert_int_eq(xlat_mem_init(&m, GUEST, &err), 0);
    make_file();
}

static void setup_vm(void)
{
    vm_window = mmap(NULL, GUEST, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    ck_assert_ptr_ne(vm_window, MAP_FAILED);
    xlat_mem_init_mmu(&m, vm_window, GUEST);
    make_file();
}

static void teardown(void)
{
    xlat_mem_destroy(&m);
    if (vm_window)
        munmap(vm_window, GUEST);
    vm_window = NULL;
    close(fd);
    unlink(file);
    rmdir(dir);
    memcpy(dir + sizeof(dir) - 7, "XXXXXX", 6);
}

/* The record as one string: "start-end rwx offset what;" per range, addresses as pages past A,
 * what being "f" for the test file, "-" for anonymous memory. */
static const char *record(void)
{
    static char s[4096];
    size_t n = 0;
    s[0] = '\0';
    const struct xlat_range *prev = NULL;
    for (const struct xlat_range *r = xlat_range_first(&m); r; prev = r, r = xlat_range_next(r)) {
        const char *what = "-";
        if (r->kind == XLAT_RANGE_FILE && strcmp(xlat_range_path(r), "/dev/zero (deleted)") == 0) {
            ck_assert(r->shared);
            ck_assert_uint_eq(r->dev, makedev(0, 1));
            /* A translator's is the host's shmem file; a VM's has none. */
            ck_assert(m.mmu ? r->ino == 0 : r->ino != 0);
            what = "z";
        } else if (r->kind == XLAT_RANGE_FILE) {
            ck_assert_str_eq(xlat_range_path(r), file);
            ck_assert_uint_eq(r->dev, fst.st_dev);
            ck_assert_uint_eq(r->ino, fst.st_ino);
            what = "f";
        } else if (r->kind == XLAT_RANGE_VDSO) {
            what = "vdso";
        } else if (r->kind == XLAT_RANGE_VVAR) {
            what = "vvar";
        }
        if (prev)
            ck_assert_uint_le(prev->end, r->start);
        n += (size_t)snprintf(
            s + n, sizeof(s) - n, "%lld-%lld %c%c%c %llu %s;", (long long)(r->start - A) / PG,
            (long long)(r->end - A) / PG, r->prot & PROT_READ ? 'r' : '-',
            r->prot & PROT_WRITE ? 'w' : '-', r->prot & PROT_EXEC ? 'x' : '-',
            r->kind == XLAT_RANGE_FILE ? (unsigned long long)(r->off / PG) : 0, what);
    }
    /* The record covers exactly the mapped pages. */
    for (uint64_t a = 0; a < m.size; a += PG)
        ck_assert_int_eq((m.pages[a / PG] & XLAT_PG_MAPPED) != 0, xlat_range_at(&m, a) != NULL);
    return s;
}

/* The record's range number i, in address order. */
static const struct xlat_range *nth(unsigned i)
{
    const struct xlat_range *r = xlat_range_first(&m);
    while (r && i-- > 0)
        r = xlat_range_next(r);
    ck_assert_ptr_nonnull(r);
    return r;
}

static int map_file(uint64_t addr, uint64_t pages, int prot, uint64_t off_pages)
{
    return xlat_mem_map(&m, addr, pages * PG, prot, MAP_PRIVATE, fd, off_pages * PG);
}

static int map_anon(uint64_t addr, uint64_t pages, int prot)
{
    return xlat_mem_map(&m, addr, pages * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

START_TEST(split_by_unmap_and_protect)
{
    ck_assert_int_eq(map_file(A, 6, PROT_READ, 0), 0);
    ck_assert_str_eq(record(), "0-6 r-- 0 f;");
    ck_assert_int_eq(xlat_mem_unmap(&m, A + PG, PG), 0);
    ck_assert_str_eq(record(), "0-1 r-- 0 f;2-6 r-- 2 f;");
    ck_assert_int_eq(xlat_mem_protect(&m, A + 3 * PG, PG, PROT_READ | PROT_EXEC), 0);
    ck_assert_str_eq(record(), "0-1 r-- 0 f;2-3 r-- 2 f;3-4 r-x 3 f;4-6 r-- 4 f;");
    /* Back to the same rights, never writable: one vma again. */
    ck_assert_int_eq(xlat_mem_protect(&m, A + 3 * PG, PG, PROT_READ), 0);
    ck_assert_str_eq(record(), "0-1 r-- 0 f;2-6 r-- 2 f;");
    /* Made writable and back, the page stays charged (VM_ACCOUNT) and apart. */
    ck_assert_int_eq(xlat_mem_protect(&m, A + 3 * PG, PG, PROT_READ | PROT_WRITE), 0);
    ck_assert_int_eq(xlat_mem_protect(&m, A + 3 * PG, PG, PROT_READ), 0);
    ck_assert_str_eq(record(), "0-1 r-- 0 f;2-3 r-- 2 f;3-4 r-- 3 f;4-6 r-- 4 f;");
    /* Unmapping across ranges trims both ends. */
    ck_assert_int_eq(xlat_mem_unmap(&m, A + 3 * PG, 2 * PG), 0);
    ck_assert_str_eq(record(), "0-1 r-- 0 f;2-3 r-- 2 f;5-6 r-- 5 f;");
    /* An unmap of everything (exec) leaves nothing. */
    ck_assert_int_eq(xlat_mem_unmap(&m, 0, m.size), 0);
    ck_assert_uint_eq(m.nranges, 0);
}
END_TEST

START_TEST(merge_as_linux)
{
    /* Anonymous neighbours merge; other rights do not. */
    ck_assert_int_eq(map_anon(A, 2, PROT_READ | PROT_WRITE), 0);
    ck_assert_int_eq(map_anon(A + 2 * PG, 1, PROT_READ | PROT_WRITE), 0);
    ck_assert_int_eq(map_anon(A + 3 * PG, 1, PROT_READ), 0);
    ck_assert_str_eq(record(), "0-3 rw- 0 -;3-4 r-- 0 -;");
    /* The same file at contiguous offsets merges, at others does not, nor with anonymous. */
    ck_assert_int_eq(map_file(A + 10 * PG, 2, PROT_READ, 0), 0);
    ck_assert_int_eq(map_file(A + 12 * PG, 2, PROT_READ, 2), 0);
    ck_assert_int_eq(map_file(A + 14 * PG, 1, PROT_READ, 5), 0);
    ck_assert_int_eq(map_anon(A + 15 * PG, 1, PROT_READ), 0);
    ck_assert_str_eq(record(),
                     "0-3 rw- 0 -;3-4 r-- 0 -;10-14 r-- 0 f;14-15 r-- 5 f;15-16 r-- 0 -;");
    /* Every range of the file shares one name. */
    ck_assert_ptr_eq(xlat_range_path(nth(2)), xlat_range_path(nth(3)));
    /* Shared and private mappings of one file stay apart (a VM has no shared files). */
    if (!m.mmu) {
        ck_assert_int_eq(xlat_mem_map(&m, A + 13 * PG, PG, PROT_READ, MAP_SHARED, fd, 3 * PG), 0);
        ck_assert_str_eq(record(), "0-3 rw- 0 -;3-4 r-- 0 -;10-13 r-- 0 f;13-14 r-- 3 f;"
                                   "14-15 r-- 5 f;15-16 r-- 0 -;");
        ck_assert(nth(3)->shared && !nth(2)->shared);
    }
}
END_TEST

START_TEST(fixed_over_existing)
{
    ck_assert_int_eq(map_anon(A, 6, PROT_READ | PROT_WRITE), 0);
    /* MAP_FIXED of the file over the middle: anonymous, file, anonymous. */
    ck_assert_int_eq(map_file(A + 2 * PG, 2, PROT_READ | PROT_EXEC, 3), 0);
    ck_assert_str_eq(record(), "0-2 rw- 0 -;2-4 r-x 3 f;4-6 rw- 0 -;");
    ck_assert_uint_eq(nth(2)->off, A + 4 * PG); /* vm_pgoff runs on */
    /* Anonymous memory back in the hole lines up with both sides: one vma, as in Linux. */
    ck_assert_int_eq(map_anon(A + 2 * PG, 2, PROT_READ | PROT_WRITE), 0);
    ck_assert_str_eq(record(), "0-6 rw- 0 -;");
    /* A file mapping over several old ones, covering one exactly and two in part. */
    ck_assert_int_eq(map_file(A + 6 * PG, 2, PROT_READ, 0), 0);
    ck_assert_int_eq(map_file(A + 5 * PG, 2, PROT_READ, 4), 0);
    ck_assert_str_eq(record(), "0-5 rw- 0 -;5-7 r-- 4 f;7-8 r-- 1 f;");
    /* Replacing a file mapping with itself keeps one range and the name. */
    ck_assert_int_eq(map_file(A + 5 * PG, 3, PROT_READ, 4), 0);
    ck_assert_str_eq(record(), "0-5 rw- 0 -;5-8 r-- 4 f;");
}
END_TEST

START_TEST(move_and_grow)
{
    ck_assert_int_eq(map_file(A, 4, PROT_READ, 1), 0);
    ck_assert_int_eq(xlat_mem_protect(&m, A + 3 * PG, PG, PROT_READ | PROT_EXEC), 0);
    /* Pages 1-2 of the mapping move to 20 and grow by two: the file's offsets run on. */
    ck_assert_int_eq(xlat_mem_move(&m, A + PG, 2 * PG, A + 20 * PG, 4 * PG), 0);
    ck_assert_str_eq(record(), "0-1 r-- 1 f;3-4 r-x 4 f;20-24 r-- 2 f;");
    /* Half of it moved back next to its start, contiguous again: merged. */
    ck_assert_int_eq(xlat_mem_move(&m, A + 20 * PG, 2 * PG, A + PG, 2 * PG), 0);
    ck_assert_str_eq(record(), "0-3 r-- 1 f;3-4 r-x 4 f;22-24 r-- 4 f;");
    /* A shrinking move leaves the rest unmapped. */
    ck_assert_int_eq(xlat_mem_move(&m, A, 3 * PG, A + 30 * PG, PG), 0);
    ck_assert_str_eq(record(), "3-4 r-x 4 f;22-24 r-- 4 f;30-31 r-- 1 f;");
    /* Anonymous memory moved keeps its vm_pgoff: it does not merge at the new place. */
    ck_assert_int_eq(map_anon(A + 40 * PG, 1, PROT_READ | PROT_WRITE), 0);
    ck_assert_int_eq(map_anon(A + 50 * PG, 1, PROT_READ | PROT_WRITE), 0);
    ck_assert_int_eq(xlat_mem_move(&m, A + 50 * PG, PG, A + 41 * PG, PG), 0);
    ck_assert_str_eq(record(),
                     "3-4 r-x 4 f;22-24 r-- 4 f;30-31 r-- 1 f;40-41 rw- 0 -;41-42 rw- 0 -;");
    /* Growth in place continues the mapping that ends there. */
    ck_assert_int_eq(xlat_mem_grow(&m, A + 30 * PG, PG, 3 * PG), 0);
    ck_assert_str_eq(record(),
                     "3-4 r-x 4 f;22-24 r-- 4 f;30-33 r-- 1 f;40-41 rw- 0 -;41-42 rw- 0 -;");
    ck_assert_int_eq(xlat_mem_grow(&m, A + 41 * PG, PG, 2 * PG), 0);
    ck_assert_str_eq(record(),
                     "3-4 r-x 4 f;22-24 r-- 4 f;30-33 r-- 1 f;40-41 rw- 0 -;41-43 rw- 0 -;");
}
END_TEST

/* /dev/zero maps anonymous memory; shared anonymous memory is a shmem file of its own. */
START_TEST(zero_and_shared_anon)
{
    int z = open("/dev/zero", O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(z, 0);
    ck_assert_int_eq(map_anon(A, 1, PROT_READ), 0);
    ck_assert_int_eq(xlat_mem_map(&m, A + PG, PG, PROT_READ, MAP_PRIVATE, z, 0), 0);
    ck_assert_str_eq(record(), "0-2 r-- 0 -;");
    close(z);
    int sh = MAP_SHARED | MAP_ANONYMOUS;
    ck_assert_int_eq(xlat_mem_map(&m, A + 4 * PG, 3 * PG, PROT_READ | PROT_WRITE, sh, -1, 0), 0);
    ck_assert_int_eq(xlat_mem_map(&m, A + 7 * PG, PG, PROT_READ | PROT_WRITE, sh, -1, 0), 0);
    ck_assert_str_eq(record(), "0-2 r-- 0 -;4-7 rw- 0 z;7-8 rw- 0 z;");
    /* Split and joined again, one mapping is one vma. */
    ck_assert_int_eq(xlat_mem_protect(&m, A + 5 * PG, PG, PROT_READ), 0);
    ck_assert_str_eq(record(), "0-2 r-- 0 -;4-5 rw- 0 z;5-6 r-- 1 z;6-7 rw- 2 z;7-8 rw- 0 z;");
    ck_assert_int_eq(xlat_mem_protect(&m, A + 5 * PG, PG, PROT_READ | PROT_WRITE), 0);
    ck_assert_str_eq(record(), "0-2 r-- 0 -;4-7 rw- 0 z;7-8 rw- 0 z;");
    char line[256];
    xlat_range_format(nth(1), "/dev/zero (deleted)", line, sizeof(line));
    ck_assert_msg(strncmp(line + 17, " rw-s 00000000 00:01 ", 21) == 0, "%s", line);
}
END_TEST

START_TEST(labels)
{
    ck_assert_int_eq(map_anon(A, 3, PROT_READ), 0);
    ck_assert_int_eq(xlat_mem_protect(&m, A + PG, 2 * PG, PROT_READ | PROT_EXEC), 0);
    xlat_mem_label(&m, A, PG, XLAT_RANGE_VVAR);
    xlat_mem_label(&m, A + PG, 2 * PG, XLAT_RANGE_VDSO);
    ck_assert_int_eq(map_anon(A + 3 * PG, 1, PROT_READ | PROT_EXEC), 0);
    ck_assert_str_eq(record(), "0-1 r-- 0 vvar;1-3 r-x 0 vdso;3-4 r-x 0 -;");
    ck_assert_int_eq(xlat_mem_unmap(&m, A, 4 * PG), 0);
    ck_assert_uint_eq(m.nranges, 0);
}
END_TEST

START_TEST(bounded)
{
    /* Alternating rights: every page a range of its own, up to vm.max_map_count. */
    uint64_t big = A + 70000 * PG;
    ck_assert_int_eq(map_anon(big, 3, PROT_READ | PROT_EXEC), 0);
    int e = 0;
    for (uint64_t i = 0; i < XLAT_MAX_MAP_COUNT + 10 && e == 0; i++)
        e = map_anon(A + i * PG, 1, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE);
    ck_assert_int_eq(e, -ENOMEM);
    ck_assert_uint_eq(m.nranges, XLAT_MAX_MAP_COUNT);
    /* Splits past the limit fail and change nothing; an unmap of whole ranges, and of
     * everything, does not fail. */
    ck_assert_int_eq(xlat_mem_protect(&m, big + PG, PG, PROT_READ), -ENOMEM);
    ck_assert_int_eq(xlat_mem_unmap(&m, big + PG, PG), -ENOMEM);
    ck_assert_uint_eq(m.pages[(big + PG) / PG], XLAT_PG_MAPPED | XLAT_PG_R | XLAT_PG_X);
    ck_assert_int_eq(xlat_mem_unmap(&m, A, 2 * PG), 0);
    ck_assert_int_eq(xlat_mem_unmap(&m, 0, m.size), 0);
    ck_assert_uint_eq(m.nranges, 0);
}
END_TEST

START_TEST(many_ranges)
{
    /* 65000 ranges of alternating rights, then changes in the middle of them: the record stays
     * exact, and (a tree, not an array) this takes well under a second. The loops count what
     * goes wrong and assert once: Check's bookkeeping of each assertion would cost more than
     * the record. */
    enum { N = 65000 };
    unsigned bad = 0;
    for (uint64_t i = 0; i < N; i++)
        bad += map_anon(A + i * PG, 1, i % 2 ? PROT_READ : PROT_READ | PROT_WRITE) != 0;
    ck_assert_uint_eq(bad, 0);
    ck_assert_uint_eq(m.nranges, N);
    for (uint64_t i = 0; i < N; i++) {
        const struct xlat_range *r = xlat_range_at(&m, A + i * PG + 5);
        bad += !r || r->start != A + i * PG || r->end != A + (i + 1) * PG ||
               r->prot != (i % 2 ? PROT_READ : PROT_READ | PROT_WRITE);
    }
    ck_assert_uint_eq(bad, 0);
    ck_assert_ptr_null(xlat_range_at(&m, A + N * PG));
    /* Unmapping every fourth page from the back leaves three quarters; the walk agrees. */
    for (uint64_t i = N; i-- > 0;)
        if (i % 4 == 3)
            bad += xlat_mem_unmap(&m, A + i * PG, PG) != 0;
    ck_assert_uint_eq(bad, 0);
    ck_assert_uint_eq(m.nranges, N - N / 4);
    size_t walked = 0;
    for (const struct xlat_range *r = xlat_range_first(&m); r; r = xlat_range_next(r))
        walked++;
    ck_assert_uint_eq(walked, m.nranges);
    ck_assert_ptr_null(xlat_range_at(&m, A + 3 * PG));
    /* Writable, each run of three pages between the holes is one range again (all charged). */
    for (uint64_t i = 0; i < N; i += 4)
        bad += xlat_mem_protect(&m, A + i * PG, 3 * PG, PROT_READ | PROT_WRITE) != 0;
    ck_assert_uint_eq(bad, 0);
    ck_assert_uint_eq(m.nranges, N / 4);
    const struct xlat_range *r = xlat_range_at(&m, A + 4 * PG);
    ck_assert_uint_eq(r->start, A + 4 * PG);
    ck_assert_uint_eq(r->end, A + 7 * PG);
    /* Filled in, it is one range. */
    ck_assert_int_eq(map_anon(A, N, PROT_READ), 0);
    ck_assert_uint_eq(m.nranges, 1);
    ck_assert_int_eq(xlat_mem_unmap(&m, 0, m.size), 0);
    ck_assert_uint_eq(m.nranges, 0);
    ck_assert_ptr_null(xlat_range_first(&m));
}
END_TEST

START_TEST(line_format)
{
    char buf[512];
    struct xlat_range r = {.start = 0x10000,
                           .end = 0x12000,
                           .off = 0x3000,
                           .dev = makedev(0xfe, 1),
                           .ino = 247134,
                           .prot = PROT_READ | PROT_EXEC,
                           .kind = XLAT_RANGE_FILE};
    /* As Linux prints it: the name in column 74, after the padding. */
    ck_assert_int_eq(xlat_range_format(&r, "/lib/libc.so.6", buf, sizeof(buf)), 88);
    ck_assert_str_eq(buf, "00010000-00012000 r-xp 00003000 fe:01 247134 "
                          "                            /lib/libc.so.6\n");
    struct xlat_range an = {.start = 0x3ff800000,
                            .end = 0x400000000,
                            .off = 0x3ff800000,
                            .prot = PROT_READ | PROT_WRITE,
                            .kind = XLAT_RANGE_ANON,
                            .shared = true};
    xlat_range_format(&an, NULL, buf, sizeof(buf));
    ck_assert_str_eq(buf, "3ff800000-400000000 rw-s 00000000 00:00 0 \n");
    struct xlat_range big = {.start = 0x7fbc76bc4000,
                             .end = 0x7fbc76bc5000,
                             .ino = 1234567890123,
                             .prot = PROT_READ,
                             .kind = XLAT_RANGE_FILE,
                             .dev = makedev(0x103, 0x12345)};
    xlat_range_format(&big, "/x", buf, sizeof(buf));
    ck_assert_str_eq(buf, "7fbc76bc4000-7fbc76bc5000 r--p 00000000 103:12345 1234567890123 "
                          "         /x\n");
    /* Truncated as snprintf truncates, and the length says how much was wanted. */
    ck_assert_int_eq(xlat_range_format(&r, "/lib/libc.so.6", buf, 10), 88);
    ck_assert_str_eq(buf, "00010000-");
}
END_TEST

/* The personality's file: the lines of the record, paths inside the root, [heap], [stack]. */
START_TEST(proc_maps)
{
    struct viv_error err = {0};
    struct xlat_proc_config pc = {.abi = &xlat_abi_riscv64,
                                  .mem = &m,
                                  .root = dir,
                                  .brk_start = A + 8 * PG,
                                  .brk_limit = A + 64 * PG};
    struct xlat_proc *p;
    ck_assert_msg(xlat_proc_new(&pc, &p, &err) == 0, "%s", err.msg);
    static int hart;
    struct xlat_thread *t = xlat_thread_first(p, &hart);
    ck_assert_int_eq(map_file(A, 2, PROT_READ | PROT_EXEC, 0), 0);
    ck_assert_int_eq(map_file(A + 2 * PG, 1, PROT_READ | PROT_WRITE, 2), 0);
    ck_assert_int_eq(map_anon(A + 3 * PG, 1, PROT_READ | PROT_WRITE), 0);
    ck_assert_int_eq(map_anon(m.size - 4 * PG, 4, PROT_READ | PROT_WRITE), 0);
    /* The program break moves up by two pages. */
    uint64_t a[6] = {0};
    int64_t ret;
    a[0] = A + 10 * PG;
    ck_assert_int_eq(xlat_syscall(p, 214 /* brk */, a, &ret), XLAT_SYS_DONE);
    ck_assert_int_eq(ret, (int64_t)(A + 10 * PG));
    /* openat(AT_FDCWD, "/proc/self/maps", O_RDONLY) with the path in guest memory. */
    ck_assert_int_eq(map_anon(A + 40 * PG, 1, PROT_READ | PROT_WRITE), 0);
    ck_assert_int_eq(xlat_mem_write(&m, A + 40 * PG, "/proc/self/maps", 16), 0);
    uint64_t o[6] = {(uint64_t)(int64_t)AT_FDCWD, A + 40 * PG, O_RDONLY};
    ck_assert_int_eq(xlat_syscall(p, 56 /* openat */, o, &ret), XLAT_SYS_DONE);
    ck_assert_int_ge(ret, 0);
    char got[4096] = {0};
    ck_assert_int_gt(read((int)ret, got, sizeof(got) - 1), 0);
    close((int)ret);
    char want[4096], line[512];
    struct xlat_range fr = {.start = A,
                            .end = A + 2 * PG,
                            .dev = fst.st_dev,
                            .ino = fst.st_ino,
                            .prot = PROT_READ | PROT_EXEC,
                            .kind = XLAT_RANGE_FILE};
    xlat_range_format(&fr, "/lib.so", want, sizeof(want));
    fr.start = A + 2 * PG, fr.end = A + 3 * PG, fr.off = 2 * PG, fr.prot = PROT_READ | PROT_WRITE;
    xlat_range_format(&fr, "/lib.so", line, sizeof(line));
    strcat(want, line);
    struct xlat_range an = {.prot = PROT_READ | PROT_WRITE, .kind = XLAT_RANGE_ANON};
    an.start = A + 3 * PG, an.end = A + 4 * PG;
    xlat_range_format(&an, NULL, line, sizeof(line));
    strcat(want, line);
    an.start = A + 8 * PG, an.end = A + 10 * PG;
    xlat_range_format(&an, "[heap]", line, sizeof(line));
    strcat(want, line);
    an.start = A + 40 * PG, an.end = A + 41 * PG;
    xlat_range_format(&an, NULL, line, sizeof(line));
    strcat(want, line);
    an.start = m.size - 4 * PG, an.end = m.size;
    xlat_range_format(&an, "[stack]", line, sizeof(line));
    strcat(want, line);
    ck_assert_str_eq(got, want);
    /* A thread's maps are its process's; a thread that is not the guest's is not ours. */
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/maps", (int)xlat_thread_guest_tid(t));
    const char *same[] = {"/proc/thread-self/maps", path};
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(xlat_mem_write(&m, A + 40 * PG, same[k], strlen(same[k]) + 1), 0);
        ck_assert_int_eq(xlat_syscall(p, 56, o, &ret), XLAT_SYS_DONE);
        ck_assert_int_ge(ret, 0);
        memset(got, 0, sizeof(got));
        ck_assert_int_gt(read((int)ret, got, sizeof(got) - 1), 0);
        close((int)ret);
        ck_assert_str_eq(got, want);
    }
    const char *other = "/proc/self/task/2000000000/maps";
    ck_assert_int_eq(xlat_mem_write(&m, A + 40 * PG, other, strlen(other) + 1), 0);
    ck_assert_int_eq(xlat_syscall(p, 56, o, &ret), XLAT_SYS_DONE);
    ck_assert_int_eq(ret, -ENOENT);
    xlat_thread_leave(t);
    xlat_proc_free(p);
}
END_TEST

/* The guest's /proc/self/maps through the personality, its path written at guest address at. */
static void read_maps(struct xlat_proc *p, uint64_t at, char *got, size_t len)
{
    ck_assert_int_eq(xlat_mem_write(&m, at, "/proc/self/maps", 16), 0);
    uint64_t o[6] = {(uint64_t)(int64_t)AT_FDCWD, at, O_RDONLY};
    int64_t fd;
    ck_assert_int_eq(xlat_syscall(p, 56 /* openat */, o, &fd), XLAT_SYS_DONE);
    ck_assert_int_ge(fd, 0);
    memset(got, 0, len);
    ck_assert_int_gt(read((int)fd, got, len - 1), 0);
    close((int)fd);
}

/* [stack] as Linux's vma would be: from where exec leaves it, or lower once the guest touched
 * lower, never the untouched rest of the reservation; memory below the reservation that joined
 * the stack's range shows as itself. */
START_TEST(proc_maps_stack)
{
    struct viv_error err = {0};
    struct xlat_proc_config pc = {.abi = &xlat_abi_riscv64, .mem = &m, .root = dir};
    struct xlat_proc *p;
    ck_assert_msg(xlat_proc_new(&pc, &p, &err) == 0, "%s", err.msg);
    static int hart;
    struct xlat_thread *t = xlat_thread_first(p, &hart);
    ck_assert_int_eq(map_anon(A, 1, PROT_READ | PROT_WRITE), 0);
    uint64_t base = m.size - 256 * PG, top = m.size;
    ck_assert_int_eq(map_anon(base, 256, PROT_READ | PROT_WRITE), 0);
    ck_assert_uint_eq(xlat_mem_stack_start(&m), 0);
    xlat_mem_set_stack(&m, base, top - 40 * PG);
    ck_assert_int_eq(xlat_mem_write(&m, top - 8, "args", 4), 0);
    ck_assert_uint_eq(xlat_mem_stack_start(&m), top - 40 * PG);
    char got[4096], want[4096], line[512];
    read_maps(p, A, got, sizeof(got));
    struct xlat_range an = {.start = A, .end = A + PG, .prot = PROT_READ | PROT_WRITE};
    xlat_range_format(&an, NULL, want, sizeof(want));
    an.start = top - 40 * PG, an.end = top;
    xlat_range_format(&an, "[stack]", line, sizeof(line));
    strcat(want, line);
    ck_assert_str_eq(got, want);
    /* A touch 100 pages down: the stack reaches its page. */
    ck_assert_int_eq(xlat_mem_write(&m, top - 100 * PG + 5, "x", 1), 0);
    ck_assert_uint_eq(xlat_mem_stack_start(&m), top - 100 * PG);
    /* Anonymous memory right under the reservation, merged into its range: itself. */
    ck_assert_int_eq(map_anon(base - 4 * PG, 4, PROT_READ | PROT_WRITE), 0);
    ck_assert_uint_eq(xlat_range_at(&m, base - PG)->end, top);
    read_maps(p, A, got, sizeof(got));
    an.start = A, an.end = A + PG;
    xlat_range_format(&an, NULL, want, sizeof(want));
    an.start = base - 4 * PG, an.end = base;
    xlat_range_format(&an, NULL, line, sizeof(line));
    strcat(want, line);
    an.start = top - 100 * PG, an.end = top;
    xlat_range_format(&an, "[stack]", line, sizeof(line));
    strcat(want, line);
    ck_assert_str_eq(got, want);
    xlat_thread_leave(t);
    xlat_proc_free(p);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, split_by_unmap_and_protect);
    tcase_add_test(tc, merge_as_linux);
    tcase_add_test(tc, fixed_over_existing);
    tcase_add_test(tc, move_and_grow);
    tcase_add_test(tc, labels);
    tcase_add_test(tc, zero_and_shared_anon);
    tcase_add_test(tc, proc_maps);
    tcase_add_test(tc, proc_maps_stack);
}

int main(void)
{
    Suite *s = suite_create("mem_ranges");
    TCase *host = tcase_create("translator window");
    tcase_add_checked_fixture(host, setup_host, teardown);
    add_tests(host);
    suite_add_tcase(s, host);
    TCase *vm = tcase_create("vm window");
    tcase_add_checked_fixture(vm, setup_vm, teardown);
    add_tests(vm);
    /* The host kernel's own vm.max_map_count would bind a translator's window first. */
    tcase_add_test(vm, bounded);
    tcase_add_test(vm, many_ranges);
    tcase_set_timeout(vm, 60);
    suite_add_tcase(s, vm);
    TCase *fmt = tcase_create("format");
    tcase_add_test(fmt, line_format);
    suite_add_tcase(s, fmt);
    return unit_run(s);
}
