/* test_vm_mem.c: vm mode's pure logic: the page tables the VMM builds, guest-pointer checks, ELF
 * placement in guest memory, and the hypercall dispatcher's answers (no KVM needed). */
#include "vmcore/vmcore.h"

#include <check.h>

#include "unit.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MEM (16ull << 20)

static struct vm_mem m;

static void setup(void)
{
    struct viv_error err = {0};
    ck_assert_int_eq(vm_mem_init(&m, MEM, &err), 0);
}

static void teardown(void)
{
    vm_mem_destroy(&m);
}

/* An anonymous private mapping of user memory, as the loader and mmap make them. */
static int map(struct vm_mem *vm, uint64_t addr, uint64_t len, int prot)
{
    return xlat_mem_map(&vm->user, addr, len, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

START_TEST(layout)
{
    /* The slots past VM_BASE_VCPUS come on top of the memory asked for. */
    ck_assert_uint_eq(m.pt_end, MEM);
    ck_assert_uint_eq(m.size, MEM + (uint64_t)VM_MORE_PAGES * VM_PAGE);
    ck_assert_uint_lt(m.user.size, m.pt_end);
    ck_assert_uint_eq(m.user.size % VM_PAGE, 0);
    /* The system area: ring 0 only; code read-only and executable, the rest NX. */
    uint64_t eff;
    uint64_t e = vm_pt_lookup(&m, VM_KERNEL_BASE, &eff);
    ck_assert(e & VM_PTE_P);
    ck_assert_uint_eq(e & VM_PTE_ADDR, m.sys_base);
    ck_assert(!(eff & VM_PTE_U) && !(eff & VM_PTE_W) && !(eff & VM_PTE_NX));
    e = vm_pt_lookup(&m, VM_KERNEL_BASE + VM_SYS_DATA * VM_PAGE, &eff);
    ck_assert(!(eff & VM_PTE_U) && (eff & VM_PTE_W) && (eff & VM_PTE_NX));
    /* The page tables are mapped for ring 0 only, past the kernel pages, every page of the pool
     * (the shim's window): writable, never executable, never ring 3's; not at their own address
     * nor anywhere in the user half. */
    uint64_t pool = m.sys_base + VM_SYS_PAGES * VM_PAGE;
    for (uint64_t pa = pool; pa < m.pt_end; pa += VM_PAGE) {
        e = vm_pt_lookup(&m, VM_KERNEL_BASE + (pa - m.sys_base), &eff);
        ck_assert_uint_eq(e & VM_PTE_ADDR, pa);
        ck_assert(!(eff & VM_PTE_U) && (eff & VM_PTE_W) && (eff & VM_PTE_NX));
    }
    ck_assert_uint_eq(vm_pt_lookup(&m, VM_KERNEL_BASE + (m.pt_end - m.sys_base), NULL), 0);
    ck_assert_uint_eq(vm_pt_lookup(&m, m.pml4, NULL), 0);
    ck_assert_uint_eq(vm_pt_lookup(&m, m.user.size, NULL), 0);
    struct viv_error err = {0};
    struct vm_mem small;
    ck_assert_int_eq(vm_mem_init(&small, 1 << 20, &err), -1);
    ck_assert_int_eq(err.code, EINVAL);
}
END_TEST

START_TEST(more_slots)
{
    /* A slot past the system area proper is unmapped until a thread takes it; then its pages
     * are ring 0's, below VM_KERNEL_BASE, code read-only, the rest NX, backed past pt_end. */
    unsigned slot = VM_BASE_VCPUS + 7, last = VM_MAX_VCPUS - 1;
    ck_assert_uint_eq(vm_pt_lookup(&m, vm_sys_kva(slot, 0), NULL), 0);
    uint64_t pt0 = m.pt_next;
    ck_assert_int_eq(vm_mem_map_slot(&m, slot), 0);
    ck_assert_uint_eq((m.pt_next - pt0) / VM_PAGE, 2); /* its PD and PT */
    uint64_t eff, e = vm_pt_lookup(&m, vm_sys_kva(slot, VM_SYS_SHIM), &eff);
    ck_assert_uint_eq(e & VM_PTE_ADDR, (uint64_t)(vm_sys_host(&m, slot, 0) - m.host));
    ck_assert_uint_ge(e & VM_PTE_ADDR, m.pt_end);
    ck_assert(!(eff & VM_PTE_U) && !(eff & VM_PTE_W) && !(eff & VM_PTE_NX));
    e = vm_pt_lookup(&m, vm_sys_kva(slot, VM_SYS_STACK + 2), &eff);
    ck_assert(!(eff & VM_PTE_U) && (eff & VM_PTE_W) && (eff & VM_PTE_NX));
    ck_assert_uint_lt(vm_sys_kva(slot, 0), VM_KERNEL_BASE);
    /* An execve's new tables keep the slots threads took, up to the highest. */
    ck_assert_int_eq(vm_mem_reset_tables(&m), 0);
    ck_assert(vm_pt_lookup(&m, vm_sys_kva(slot, VM_SYS_DATA), NULL) & VM_PTE_P);
    ck_assert(vm_pt_lookup(&m, vm_sys_kva(VM_BASE_VCPUS, VM_SYS_DATA), NULL) & VM_PTE_P);
    ck_assert_uint_eq(vm_pt_lookup(&m, vm_sys_kva(slot + 1, VM_SYS_DATA), NULL) & VM_PTE_P, 0);
    /* The last slot ends where slot 0 starts, and its last page is the memory's last. */
    ck_assert_uint_eq(vm_sys_kva(last, VM_SYS_SLOT), VM_KERNEL_BASE);
    ck_assert_ptr_eq(vm_sys_host(&m, last, VM_SYS_SLOT), m.host + m.size);
    ck_assert_int_eq(vm_mem_map_slot(&m, last), 0);
    ck_assert(vm_pt_lookup(&m, vm_sys_kva(last, VM_SYS_STACK + 2), NULL) & VM_PTE_P);
}
END_TEST

START_TEST(user_pages)
{
    uint64_t a = 0x400000, eff;
    ck_assert_int_eq(map(&m, a, 3 * VM_PAGE, PROT_READ | PROT_WRITE), 0);
    uint64_t e = vm_pt_lookup(&m, a + VM_PAGE, &eff);
    ck_assert_uint_eq(e & VM_PTE_ADDR, a + VM_PAGE); /* identity */
    ck_assert((eff & (VM_PTE_P | VM_PTE_U | VM_PTE_W | VM_PTE_NX)) ==
              (VM_PTE_P | VM_PTE_U | VM_PTE_W | VM_PTE_NX));
    ck_assert(!m.tlb_dirty); /* nothing was present before */
    ck_assert_int_eq(xlat_mem_protect(&m.user, a, VM_PAGE, PROT_READ | PROT_EXEC), 0);
    vm_pt_lookup(&m, a, &eff);
    ck_assert((eff & VM_PTE_U) && !(eff & VM_PTE_W) && !(eff & VM_PTE_NX));
    ck_assert(m.tlb_dirty);
    m.tlb_dirty = false;
    ck_assert_int_eq(xlat_mem_protect(&m.user, a + VM_PAGE, VM_PAGE, PROT_NONE), 0);
    ck_assert_uint_eq(vm_pt_lookup(&m, a + VM_PAGE, NULL), 0);
    ck_assert(m.user.pages[(a + VM_PAGE) / VM_PAGE] & XLAT_PG_MAPPED);
    ck_assert_int_eq(xlat_mem_unmap(&m.user, a + 2 * VM_PAGE, 1), 0);
    ck_assert_uint_eq(vm_pt_lookup(&m, a + 2 * VM_PAGE, NULL), 0);
    ck_assert_uint_eq(m.user.pages[(a + 2 * VM_PAGE) / VM_PAGE], 0);
    ck_assert(m.tlb_dirty);
    /* mprotect of a range with a hole: ENOMEM; misaligned: EINVAL; beyond memory: ENOMEM. */
    ck_assert_int_eq(xlat_mem_protect(&m.user, a, 3 * VM_PAGE, PROT_READ), -ENOMEM);
    ck_assert_int_eq(xlat_mem_protect(&m.user, a + 1, VM_PAGE, PROT_READ), -EINVAL);
    ck_assert_int_eq(map(&m, m.user.size, VM_PAGE, PROT_READ), -ENOMEM);
    ck_assert_int_eq(map(&m, m.user.size - VM_PAGE, 2 * VM_PAGE, PROT_READ), -ENOMEM);
    ck_assert_int_eq(map(&m, -(uint64_t)VM_PAGE, 2 * VM_PAGE, PROT_READ), -ENOMEM);
    /* New pages read as zeros, even where something was written before. */
    ck_assert_int_eq(map(&m, a + 2 * VM_PAGE, VM_PAGE, PROT_READ | PROT_WRITE), 0);
    m.host[a + 2 * VM_PAGE] = 9;
    ck_assert_int_eq(map(&m, a + 2 * VM_PAGE, VM_PAGE, PROT_READ | PROT_WRITE), 0);
    ck_assert_int_eq(m.host[a + 2 * VM_PAGE], 0);
}
END_TEST

/* A shared mapping is the host's own in the window: a forked child's writes reach it, its
 * leaf entries carry VM_PTE_HOST (the shim leaves their mprotect to the VMM), the host refuses
 * what Linux refuses, and private zero pages come back where it was. */
START_TEST(shared_pages)
{
    uint64_t a = 0x400000;
    int rw = PROT_READ | PROT_WRITE;
    ck_assert_int_eq(xlat_mem_map(&m.user, a, 2 * VM_PAGE, rw, MAP_SHARED | MAP_ANONYMOUS, -1, 0),
                     0);
    ck_assert(m.user.pages[a / VM_PAGE] & XLAT_PG_HOST);
    ck_assert(vm_pt_lookup(&m, a, NULL) & VM_PTE_HOST);
    pid_t child = fork();
    if (child == 0) {
        m.host[a] = 7;
        _exit(0);
    }
    ck_assert_int_eq(waitpid(child, NULL, 0), child);
    ck_assert_int_eq(m.host[a], 7);
    /* mprotect keeps the mark, and the host's rights follow the guest's. */
    ck_assert_int_eq(xlat_mem_protect(&m.user, a, VM_PAGE, PROT_READ), 0);
    ck_assert(m.user.pages[a / VM_PAGE] & XLAT_PG_HOST);
    ck_assert(!(vm_pt_lookup(&m, a, NULL) & VM_PTE_W));
    ck_assert_int_eq(xlat_mem_protect(&m.user, a, VM_PAGE, rw), 0);
    /* Unmapped: private and zero again, mergeable with the rest. */
    ck_assert_int_eq(xlat_mem_unmap(&m.user, a, VM_PAGE), 0);
    ck_assert_int_eq(map(&m, a, VM_PAGE, rw), 0);
    ck_assert(!(m.user.pages[a / VM_PAGE] & XLAT_PG_HOST));
    ck_assert(!(vm_pt_lookup(&m, a, NULL) & VM_PTE_HOST));
    ck_assert_int_eq(m.host[a], 0);
    child = fork();
    if (child == 0) {
        m.host[a] = 8;
        _exit(0);
    }
    ck_assert_int_eq(waitpid(child, NULL, 0), child);
    ck_assert_int_eq(m.host[a], 0);
    /* A file opened read-only: shared and writable is EACCES, and so is making it writable. */
    int ro = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(ro, 0);
    ck_assert_int_eq(xlat_mem_map(&m.user, a, VM_PAGE, rw, MAP_SHARED, ro, 0), -EACCES);
    ck_assert_int_eq(xlat_mem_map(&m.user, a, VM_PAGE, PROT_READ, MAP_SHARED, ro, 0), 0);
    ck_assert_int_eq(memcmp(m.host + a, "\177ELF", 4), 0);
    ck_assert_int_eq(xlat_mem_protect(&m.user, a, VM_PAGE, rw), -EACCES);
    close(ro);
    /* Moved: still the host's at its new place, private zero pages at the old. */
    uint64_t b = a + VM_PAGE;
    ck_assert_int_eq(xlat_mem_move(&m.user, b, VM_PAGE, a + 8 * VM_PAGE, VM_PAGE), 0);
    ck_assert(m.user.pages[(a + 8 * VM_PAGE) / VM_PAGE] & XLAT_PG_HOST);
    ck_assert_int_eq(m.user.pages[b / VM_PAGE], 0);
    ck_assert_int_eq(map(&m, b, VM_PAGE, rw), 0);
    ck_assert_int_eq(m.host[b], 0);
    /* A move of a range that a shared mapping only partly fills is EFAULT. */
    ck_assert_int_eq(map(&m, a + 7 * VM_PAGE, VM_PAGE, rw), 0);
    ck_assert_int_eq(xlat_mem_move(&m.user, a + 7 * VM_PAGE, 2 * VM_PAGE, a + 20 * VM_PAGE,
                                   2 * VM_PAGE),
                     -EFAULT);
}
END_TEST

/* A page table made ahead (the shim's brk pool): its leaf entries exist and are absent; a
 * missing one is NULL; new tables count as changes of the map. */
START_TEST(prepared_tables)
{
    uint64_t a = 0x800000;
    ck_assert_ptr_null(vm_pt_leaf(&m, a));
    uint64_t gen = m.map_gen, used = m.pt_next;
    ck_assert_int_eq(vm_pt_prepare(&m, a), 0);
    ck_assert_uint_gt(m.map_gen, gen);
    ck_assert_uint_gt(m.pt_next, used);
    uint64_t *leaf = vm_pt_leaf(&m, a + 5 * VM_PAGE);
    ck_assert_ptr_nonnull(leaf);
    ck_assert_uint_eq(*leaf, 0);
    ck_assert_uint_eq(vm_pt_lookup(&m, a, NULL), 0);
    used = m.pt_next;
    ck_assert_int_eq(vm_pt_prepare(&m, a + VM_PAGE), 0); /* the same table: nothing new */
    ck_assert_uint_eq(m.pt_next, used);
    ck_assert_int_eq(map(&m, a + 5 * VM_PAGE, VM_PAGE, PROT_READ), 0);
    ck_assert_uint_eq(*leaf & VM_PTE_ADDR, a + 5 * VM_PAGE);
    ck_assert(*leaf & VM_PTE_P);
}
END_TEST

/* execve: every user page unmapped, then the pool starts again: the same top-level table, only
 * the system area mapped, and no more tables in use than a fresh VM's. */
START_TEST(reset_tables)
{
    uint64_t fresh = m.pt_next, pml4 = m.pml4;
    ck_assert_int_eq(map(&m, 0x400000, 4 * VM_PAGE, PROT_READ | PROT_WRITE), 0);
    ck_assert_int_eq(map(&m, m.user.size - 8 * VM_PAGE, 8 * VM_PAGE, PROT_READ), 0);
    ck_assert_uint_gt(m.pt_next, fresh);
    ck_assert_int_eq(xlat_mem_unmap(&m.user, 0, m.user.size), 0);
    ck_assert_int_eq(vm_mem_reset_tables(&m), 0);
    ck_assert_uint_eq(m.pt_next, fresh);
    ck_assert_uint_eq(m.pml4, pml4);
    ck_assert_uint_eq(vm_pt_lookup(&m, 0x400000, NULL), 0);
    ck_assert(vm_pt_lookup(&m, VM_KERNEL_BASE, NULL) & VM_PTE_P);
    /* Mapping again builds tables from the reset pool. */
    ck_assert_int_eq(map(&m, 0x400000, VM_PAGE, PROT_READ), 0);
    ck_assert(vm_pt_lookup(&m, 0x400000, NULL) & VM_PTE_P);
}
END_TEST

START_TEST(pointers)
{
    uint64_t a = 0x400000;
    ck_assert_int_eq(map(&m, a, 2 * VM_PAGE, PROT_READ | PROT_WRITE), 0);
    ck_assert_int_eq(map(&m, a + 2 * VM_PAGE, VM_PAGE, PROT_READ), 0);
    ck_assert_ptr_nonnull(xlat_mem_ptr(&m.user, a, 3 * VM_PAGE, XLAT_PG_R));
    ck_assert_ptr_null(xlat_mem_ptr(&m.user, a, 3 * VM_PAGE, XLAT_PG_W));   /* last page read-only */
    ck_assert_ptr_null(xlat_mem_ptr(&m.user, a, 3 * VM_PAGE + 1, XLAT_PG_R)); /* runs off the end */
    ck_assert_ptr_null(xlat_mem_ptr(&m.user, 0, 1, XLAT_PG_R));                /* NULL */
    ck_assert_ptr_null(xlat_mem_ptr(&m.user, 0xffff800000000000ull, 8, XLAT_PG_R));
    ck_assert_ptr_null(xlat_mem_ptr(&m.user, VM_KERNEL_BASE, 8, XLAT_PG_R)); /* the shim */
    ck_assert_ptr_null(xlat_mem_ptr(&m.user, m.user.size, 8, XLAT_PG_R));     /* the system area */
    ck_assert_ptr_null(xlat_mem_ptr(&m.user, -(uint64_t)VM_PAGE, 2 * VM_PAGE, XLAT_PG_R)); /* wraps */
    ck_assert_ptr_null(xlat_mem_ptr(&m.user, a, UINT64_MAX, XLAT_PG_R));
    ck_assert_ptr_nonnull(xlat_mem_ptr(&m.user, 0xffff800000000000ull, 0, XLAT_PG_R)); /* len 0 */
    char buf[64];
    memcpy(m.host + a + 2 * VM_PAGE - 3, "abc", 3); /* no NUL before the read-only page... */
    m.host[a + 2 * VM_PAGE] = 0;                      /* ...which starts with one */
    ck_assert_int_eq(xlat_mem_string(&m.user, a + 2 * VM_PAGE - 3, buf, sizeof(buf)), 3);
    ck_assert_int_eq(xlat_mem_unmap(&m.user, a + 2 * VM_PAGE, VM_PAGE), 0);
    ck_assert_int_eq(xlat_mem_string(&m.user, a + 2 * VM_PAGE - 3, buf, sizeof(buf)), -EFAULT);
    memset(m.host + a, 'x', 100);
    ck_assert_int_eq(xlat_mem_string(&m.user, a, buf, 50), -ENAMETOOLONG);
    ck_assert_int_eq(xlat_mem_write(&m.user, VM_KERNEL_BASE, buf, 1), -EFAULT);
}
END_TEST

START_TEST(find)
{
    uint64_t a1, a2;
    ck_assert_int_eq(xlat_mem_find(&m.user, 3 * VM_PAGE, &a1), 0);
    ck_assert_uint_eq(a1, m.user.size - 3 * VM_PAGE);
    ck_assert_int_eq(map(&m, a1, 3 * VM_PAGE, PROT_READ), 0);
    ck_assert_int_eq(xlat_mem_find(&m.user, VM_PAGE, &a2), 0);
    ck_assert_uint_eq(a2, a1 - VM_PAGE);
    ck_assert_int_eq(xlat_mem_find(&m.user, m.user.size, &a2), -ENOMEM); /* page 0 stays free */
}
END_TEST

/* The shim's mmap pool: the free pages right below mmap_top, 1 MiB at most, stopped by a used
 * page, by the brk pool above the break and by page 0, each with its leaf entry; a mapping of
 * any length up to all of it is put right below the top by the personality's search, as the
 * shim puts it. */
static uint64_t found_for(uint64_t len)
{
    uint64_t keep = m.user.mmap_top, at = 0;
    ck_assert_int_eq(xlat_mem_find(&m.user, len, &at), 0);
    m.user.mmap_top = keep;
    return at;
}

START_TEST(mmap_pool)
{
    struct xlat_mem *u = &m.user;
    uint64_t top = u->mmap_top, brk = 0x400000;
    uint64_t low = vm_mem_mmap_pool(&m, brk, brk + VM_PAGE);
    ck_assert_uint_eq(low, top - VM_MMAP_POOL_MAX);
    for (uint64_t a = low; a < top; a += VM_PAGE) {
        uint64_t *leaf = vm_pt_leaf(&m, a);
        ck_assert_ptr_nonnull(leaf);
        ck_assert_uint_eq(*leaf, 0);
    }
    for (uint64_t len = VM_PAGE; len <= top - low; len += 7 * VM_PAGE)
        ck_assert_uint_eq(found_for(len), top - len);
    ck_assert_uint_eq(found_for(top - low), low);
    /* A used page: the pool ends above it. */
    ck_assert_int_eq(map(&m, top - 5 * VM_PAGE, VM_PAGE, PROT_READ), 0);
    ck_assert_uint_eq(vm_mem_mmap_pool(&m, brk, brk + VM_PAGE), top - 4 * VM_PAGE);
    ck_assert_int_eq(xlat_mem_unmap(u, top - 5 * VM_PAGE, VM_PAGE), 0);
    /* The brk pool reaches up to 512 KiB below the top, or to the top: the pools never meet. */
    uint64_t half = top - (512u << 10);
    ck_assert_uint_eq(vm_mem_mmap_pool(&m, half - (1u << 20), half), half);
    ck_assert_uint_eq(vm_mem_mmap_pool(&m, top - 16 * VM_PAGE, top), top);
    /* The search's top below the break: the brk pool is above it, no bound. */
    u->mmap_top = 8ull << 20;
    ck_assert_uint_eq(vm_mem_mmap_pool(&m, 12ull << 20, 13ull << 20),
                      (8ull << 20) - VM_MMAP_POOL_MAX);
    /* Near address 0: page 0 is never the pool's. */
    u->mmap_top = 3 * VM_PAGE;
    ck_assert_uint_eq(vm_mem_mmap_pool(&m, 12ull << 20, 13ull << 20), VM_PAGE);
    ck_assert_uint_eq(found_for(2 * VM_PAGE), VM_PAGE);
    u->mmap_top = top;
}
END_TEST

/* The loader places a real program through the VM's memory: this test binary itself. */
START_TEST(elf_placement)
{
    struct elf_load_ops ops;
    xlat_mem_loader_ops(&m.user, &ops);
    int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    struct elf_image img;
    struct viv_error err = {0};
    ck_assert_msg(elf_load(fd, "self", ELF_MACHINE_X86_64, VM_PAGE, &ops, &img, &err) == 0, "%s",
                  err.msg);
    close(fd);
    ck_assert_uint_le(img.hi, m.user.size);
    ck_assert_uint_ge(img.entry, img.lo);
    ck_assert_uint_lt(img.entry, img.hi);
    uint64_t eff;
    /* The entry point's page runs and cannot be written; the program headers are readable. */
    ck_assert(vm_pt_lookup(&m, img.entry, &eff));
    ck_assert((eff & VM_PTE_U) && !(eff & VM_PTE_NX) && !(eff & VM_PTE_W));
    ck_assert_ptr_nonnull(xlat_mem_ptr(&m.user, img.phdr, (uint64_t)img.phent * img.phnum, XLAT_PG_R));
    /* The initial stack: argc, argv[0] readable back through guest addresses. */
    uint64_t top = m.user.size, size = 1 << 20, sp;
    ck_assert_int_eq(map(&m, top - size, size, PROT_READ | PROT_WRITE), 0);
    char *argv[] = {"/bin/x", NULL}, *envp[] = {"A=b", NULL};
    struct elf_stack_params p = {.argv = argv, .envp = envp, .execfn = "/bin/x", .exe = &img,
                                 .page_size = VM_PAGE};
    ck_assert_int_eq(elf_stack_build(&ops, top, size, &p, &sp, &err), 0);
    ck_assert_uint_eq(sp % 16, 0);
    uint64_t argc, argv0;
    char s[16];
    ck_assert_int_eq(xlat_mem_read(&m.user, sp, &argc, 8), 0);
    ck_assert_uint_eq(argc, 1);
    ck_assert_int_eq(xlat_mem_read(&m.user, sp + 8, &argv0, 8), 0);
    ck_assert_int_eq(xlat_mem_string(&m.user, argv0, s, sizeof(s)), 6);
    ck_assert_str_eq(s, "/bin/x");
}
END_TEST

/* The personality with the x86-64 ABI over VM memory, against a scratch root: what the
 * hypercall dispatcher serves. */
static struct xlat_proc *p;
static struct xlat_thread *thr;
static int root_fd;
static char root[] = "/tmp/viv-vmtest.XXXXXX";
static uint64_t fs_set;
static int hart;

static int fake_set_fs(void *h, uint64_t base)
{
    ck_assert_ptr_eq(h, &hart);
    fs_set = base;
    return 0;
}

static void fake_kick(void *h)
{
    (void)h;
}

static int64_t sys(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
    uint64_t a[6] = {a0, a1, a2, a3, 0, 0};
    int64_t r;
    xlat_syscall(p, nr, a, &r);
    return r;
}

static void proc_setup(void)
{
    setup();
    ck_assert_ptr_nonnull(mkdtemp(root));
    char path[256];
    snprintf(path, sizeof(path), "%s/etc", root);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/etc/passwd", root);
    FILE *f = fopen(path, "w");
    fputs("inside\n", f);
    fclose(f);
    root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    struct xlat_proc_config pc = {.abi = &xlat_abi_x86_64, .mem = &m.user, .root = root,
                                  .brk_start = 0x800000, .brk_limit = m.user.size,
                                  .hostname = "box", .alone = true};
    struct viv_error err = {0};
    ck_assert_msg(xlat_proc_new(&pc, &p, &err) == 0, "%s", err.msg);
    xlat_proc_reserve_fd(p, root_fd);
    struct xlat_engine_hooks hooks = {.kick = fake_kick, .set_fs = fake_set_fs};
    xlat_proc_set_hooks(p, &hooks);
    thr = xlat_thread_first(p, &hart);
    ck_assert_int_eq(map(&m, 0x400000, VM_PAGE, PROT_READ | PROT_WRITE), 0);
}

static void proc_teardown(void)
{
    xlat_thread_leave(thr);
    xlat_proc_free(p);
    close(root_fd);
    char path[256];
    snprintf(path, sizeof(path), "%s/etc/passwd", root);
    unlink(path);
    snprintf(path, sizeof(path), "%s/etc", root);
    rmdir(path);
    rmdir(root);
    teardown();
}

START_TEST(dispatch)
{
    uint8_t *g = m.host + 0x400000;
    ck_assert_str_eq(xlat_syscall_name(&xlat_abi_x86_64, 257), "openat");
    ck_assert_str_eq(xlat_syscall_name(&xlat_abi_x86_64, 57), "fork");
    ck_assert_str_eq(xlat_syscall_name(&xlat_abi_x86_64, 59), "execve");
    ck_assert_str_eq(xlat_syscall_name(&xlat_abi_x86_64, 7), "poll");
    ck_assert_ptr_null(xlat_syscall_name(&xlat_abi_x86_64, 334)); /* rseq: ENOSYS */
    strcpy((char *)g, "/../../../etc/passwd");
    int64_t fd = sys(257, (uint64_t)(int64_t)AT_FDCWD, 0x400000, O_RDONLY, 0); /* openat */
    ck_assert_int_ge(fd, 3);
    ck_assert_int_eq(sys(0, (uint64_t)fd, 0x400100, 64, 0), 7); /* read */
    ck_assert(memcmp(g + 0x100, "inside\n", 7) == 0);
    ck_assert_int_eq(sys(0, (uint64_t)fd, 0xffff800000000000ull, 8, 0), -EFAULT);
    ck_assert_int_eq(sys(3, (uint64_t)fd, 0, 0, 0), 0);         /* close */
    ck_assert_int_eq(sys(3, (uint64_t)fd, 0, 0, 0), -EBADF);
    ck_assert_int_eq(sys(2, 0x400000, O_RDONLY, 0, 0), fd);     /* open, legacy */
    ck_assert_int_eq(sys(3, (uint64_t)fd, 0, 0, 0), 0);
    /* The engine's fds are out of reach: not readable, closable or replaceable. */
    ck_assert_int_eq(sys(0, (uint64_t)root_fd, 0x400100, 1, 0), -EBADF);
    ck_assert_int_eq(sys(3, (uint64_t)root_fd, 0, 0, 0), -EBADF);
    ck_assert_int_eq(sys(33, 1, (uint64_t)root_fd, 0, 0), -EBADF); /* dup2 */
    ck_assert_int_eq(sys(33, (uint64_t)root_fd, (uint64_t)root_fd, 0, 0), -EBADF);
    ck_assert_int_eq(sys(1, 1, (uint64_t)-4096, 8192, 0), -EFAULT); /* write, wrapping */
    ck_assert_int_eq(sys(5, 0, 0x3ff000, 0, 0), -EFAULT);           /* fstat to unmapped */
    ck_assert_int_eq(sys(4, 0x400000, 0x400200, 0, 0), 0);          /* stat: the host's */
    struct stat st;
    memcpy(&st, g + 0x200, sizeof(st));
    ck_assert_int_eq(st.st_size, 7);
    ck_assert_int_eq(sys(63, VM_KERNEL_BASE, 0, 0, 0), -EFAULT);    /* uname */
    ck_assert_int_eq(sys(63, 0x400000, 0, 0, 0), 0);
    ck_assert_str_eq((char *)g + 65, "box");         /* nodename */
    ck_assert_str_eq((char *)g + 4 * 65, "x86_64"); /* machine */
    /* Alone: pid 1 with no parent, as a native entrypoint is, and kill reaches only itself. */
    ck_assert_int_eq(sys(39, 0, 0, 0, 0), 1);
    ck_assert_int_eq(sys(110, 0, 0, 0, 0), 0);
    ck_assert_int_eq(sys(186, 0, 0, 0, 0), 1);
    ck_assert_int_eq(sys(62, 2, 0, 0, 0), -ESRCH);
    ck_assert_int_eq(sys(62, 1, 0, 0, 0), 0);
    ck_assert_int_eq(sys(234, 2, 3, 0, 0), -ESRCH);
    ck_assert_int_eq(sys(121, 2, 0, 0, 0), -ESRCH);  /* getpgid: not one of the guest's */
    ck_assert_int_eq(sys(121, 1, 0, 0, 0), sys(111, 0, 0, 0, 0)); /* pid 1 is the guest */
    ck_assert_int_eq(sys(121, 0, 0, 0, 0), sys(111, 0, 0, 0, 0)); /* its own: getpgrp */
    ck_assert_int_eq(sys(61, (uint64_t)-1, 0, WNOHANG, 0), -ECHILD); /* wait4: no children */
    /* poll: an engine fd is POLLNVAL, as a closed one is, and ready at once. */
    struct pollfd pf[2] = {{.fd = root_fd, .events = POLLIN}, {.fd = 1, .events = POLLOUT}};
    memcpy(g + 0x300, pf, sizeof(pf));
    ck_assert_int_ge(sys(7, 0x400300, 2, (uint64_t)-1, 0), 1);
    memcpy(pf, g + 0x300, sizeof(pf));
    ck_assert_int_eq(pf[0].revents, POLLNVAL);
    ck_assert_int_eq(pf[0].fd, root_fd);
    /* arch_prctl goes to the engine's hook. */
    ck_assert_int_eq(sys(158, 0x1002, 0xffff800000000000ull, 0, 0), -EPERM);
    ck_assert_int_eq(sys(158, 0x1002, 0x400000, 0, 0), 0);
    ck_assert_uint_eq(fs_set, 0x400000);
    ck_assert_int_eq(sys(158, 0x1003, 0x400300, 0, 0), 0);
    ck_assert_int_eq(*(uint64_t *)(g + 0x300), 0x400000);
    /* brk grows into free pages and stops at mapped ones. */
    ck_assert_int_eq(sys(12, 0, 0, 0, 0), 0x800000);
    ck_assert_int_eq(sys(12, 0x802000, 0, 0, 0), 0x802000);
    ck_assert_ptr_nonnull(xlat_mem_ptr(&m.user, 0x801000, 8, XLAT_PG_W));
    ck_assert_int_eq(map(&m, 0x900000, VM_PAGE, PROT_READ), 0);
    ck_assert_int_eq(sys(12, 0x901000, 0, 0, 0), 0x802000);
    /* mmap, mprotect, munmap, and the page tables that follow. */
    int64_t a = sys(9, 0, 8192, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS);
    ck_assert_int_gt(a, 0);
    ck_assert_ptr_null(xlat_mem_ptr(&m.user, (uint64_t)a, 8, XLAT_PG_W));
    uint64_t eff;
    ck_assert(vm_pt_lookup(&m, (uint64_t)a, &eff) && !(eff & VM_PTE_W) && (eff & VM_PTE_NX));
    ck_assert_int_eq(sys(10, (uint64_t)a, 8192, PROT_READ | PROT_WRITE, 0), 0);
    ck_assert_ptr_nonnull(xlat_mem_ptr(&m.user, (uint64_t)a, 8192, XLAT_PG_W));
    ck_assert(vm_pt_lookup(&m, (uint64_t)a + VM_PAGE, &eff) && (eff & VM_PTE_W));
    ck_assert_int_eq(sys(11, (uint64_t)a, 8192, 0, 0), 0);
    ck_assert_ptr_null(xlat_mem_ptr(&m.user, (uint64_t)a, 1, XLAT_PG_R));
    ck_assert_uint_eq(vm_pt_lookup(&m, (uint64_t)a, NULL), 0);
    ck_assert(m.tlb_dirty);
    ck_assert_int_eq(sys(9, 0, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS), -EINVAL);
    ck_assert_int_eq(sys(9, 0, 1ull << 40, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS), -ENOMEM);
    ck_assert_int_eq(sys(9, 0x1000, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED),
                     -EPERM);
    /* Unknown calls: ENOSYS, counted, by number too. */
    uint64_t before = xlat_proc_unimplemented(p);
    ck_assert_int_eq(sys(999, 0, 0, 0, 0), -ENOSYS);
    ck_assert_int_eq(sys(UINT64_MAX, 0, 0, 0, 0), -ENOSYS);
    ck_assert_uint_eq(xlat_proc_unimplemented(p), before + 2);
    uint64_t counts[XLAT_COUNTED_NRS];
    xlat_proc_call_counts(p, counts, XLAT_COUNTED_NRS);
    ck_assert_uint_eq(counts[257], 1);
    ck_assert_uint_eq(counts[3], 4); /* close, refused ones included */
    /* exit_group ends the process with the low byte of its status. */
    uint64_t args[6] = {0x1ff, 0, 0, 0, 0, 0};
    int64_t r;
    ck_assert_int_eq(xlat_syscall(p, 231, args, &r), XLAT_SYS_EXIT);
    ck_assert_int_eq(xlat_proc_exit_status(p), 0xff);
}
END_TEST

/* An x86-64 signal frame: built under the red zone with the FXSAVE image 64-byte aligned, the
 * handler entered as Linux enters it, and rt_sigreturn giving back every register. */
START_TEST(sigframe)
{
    uint64_t stack = 0x600000;
    ck_assert_int_eq(map(&m, stack, 4 * VM_PAGE, PROT_READ | PROT_WRITE), 0);
    uint64_t act[4] = {0x401000, SA_SIGINFO | 0x04000000 /* SA_RESTORER */, 0x402000, 0};
    memcpy(m.host + 0x400000, act, sizeof(act));
    ck_assert_int_eq(sys(13, SIGUSR1, 0x400000, 0, 8), 0); /* rt_sigaction */
    ck_assert_int_eq(sys(13, SIGUSR1, 0, 0x400040, 8), 0);
    ck_assert(memcmp(m.host + 0x400040, act, sizeof(act)) == 0);
    struct xlat_regs regs;
    memset(&regs, 0, sizeof(regs));
    regs.x86.rsp = stack + 4 * VM_PAGE - 8;
    regs.x86.rip = 0x401234;
    regs.x86.rbx = 77;
    regs.x86.rflags = 0x246 | (1u << 10); /* DF set */
    regs.x86.fx[160] = 0x5a;               /* xmm0's first byte */
    struct xlat_regs saved = regs;
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = SIGUSR1;
    si.si_code = SI_TKILL;
    ck_assert_int_eq(xlat_signal_deliver(thr, SIGUSR1, &si, &regs), 0);
    ck_assert_uint_eq(regs.x86.rip, 0x401000);
    ck_assert_uint_eq(regs.x86.rdi, SIGUSR1);
    ck_assert_uint_eq((regs.x86.rsp + 8) % 16, 0);
    ck_assert_uint_lt(regs.x86.rsp, saved.x86.rsp - 128); /* under the red zone */
    ck_assert(!(regs.x86.rflags & (1u << 10)));
    ck_assert_uint_eq(regs.x86.fx[160], 0);
    uint64_t pretcode;
    ck_assert_int_eq(xlat_mem_read(&m.user, regs.x86.rsp, &pretcode, 8), 0);
    ck_assert_uint_eq(pretcode, 0x402000);
    int32_t signo;
    ck_assert_int_eq(xlat_mem_read(&m.user, regs.x86.rsi, &signo, 4), 0);
    ck_assert_int_eq(signo, SIGUSR1);
    ck_assert_uint_eq(xlat_proc_signal_frames(p), 1);
    /* The handler's ret pops pretcode; the restorer's syscall is rt_sigreturn. */
    regs.x86.rsp += 8;
    regs.x86.rbx = 1;
    int64_t r;
    uint64_t none[6] = {0};
    ck_assert_int_eq(xlat_thread_syscall(thr, 15, none, &regs, &r), XLAT_SYS_REGS);
    ck_assert_uint_eq(regs.x86.rip, saved.x86.rip);
    ck_assert_uint_eq(regs.x86.rsp, saved.x86.rsp);
    ck_assert_uint_eq(regs.x86.rbx, 77);
    ck_assert(regs.x86.rflags & (1u << 10));
    ck_assert_uint_eq(regs.x86.fx[160], 0x5a);
    /* No sa_restorer: no frame (the guest dies of SIGSEGV). */
    act[1] = SA_SIGINFO;
    memcpy(m.host + 0x400000, act, sizeof(act));
    ck_assert_int_eq(sys(13, SIGUSR2, 0x400000, 0, 8), 0);
    ck_assert_int_eq(xlat_signal_deliver(thr, SIGUSR2, &si, &regs), -EFAULT);
    sys(13, SIGUSR1, 0, 0, 8);
    uint64_t dfl[4] = {0};
    memcpy(m.host + 0x400000, dfl, sizeof(dfl));
    sys(13, SIGUSR1, 0x400000, 0, 8);
    sys(13, SIGUSR2, 0x400000, 0, 8);
}
END_TEST

START_TEST(fault_signals)
{
    ck_assert_int_eq(vm_fault_signal(0), SIGFPE);
    ck_assert_int_eq(vm_fault_signal(3), SIGTRAP);
    ck_assert_int_eq(vm_fault_signal(6), SIGILL);
    ck_assert_int_eq(vm_fault_signal(13), SIGSEGV);
    ck_assert_int_eq(vm_fault_signal(14), SIGSEGV);
    ck_assert_int_eq(vm_fault_signal(17), SIGBUS);
    ck_assert_int_eq(vm_fault_signal(200), SIGSEGV);
}
END_TEST

/* The /dev/kvm a host offers is told apart in one line each: missing, or served by kvm_pvm
 * (told by its module in sysfs). A fake sysfs stands in for the host's. */
START_TEST(kvm_refusals)
{
    struct viv_error err = {0};
    ck_assert_int_lt(vm_kvm_open("/nonexistent/kvm", "/sys", &err), 0);
    ck_assert_str_eq(err.msg, "/nonexistent/kvm: not found: this kernel offers no KVM (load "
                              "kvm_amd or kvm_intel, and enable virtualization in the firmware)");
    char sysfs[] = "/tmp/viv-sysfs.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(sysfs));
    char mod[128];
    snprintf(mod, sizeof(mod), "%s/module", sysfs);
    ck_assert_int_eq(mkdir(mod, 0755), 0);
    snprintf(mod, sizeof(mod), "%s/module/kvm_pvm", sysfs);
    ck_assert_int_eq(mkdir(mod, 0755), 0);
    /* Any device that opens stands in for /dev/kvm: the module is checked before the API. */
    ck_assert_int_lt(vm_kvm_open("/dev/null", sysfs, &err), 0);
    ck_assert(strstr(err.msg, "/dev/null is served by kvm_pvm, which cannot run vivarium's "
                              "guests") == err.msg);
    rmdir(mod);
    snprintf(mod, sizeof(mod), "%s/module", sysfs);
    rmdir(mod);
    rmdir(sysfs);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("vm_mem");
    TCase *tc = tcase_create("memory");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, layout);
    tcase_add_test(tc, more_slots);
    tcase_add_test(tc, user_pages);
    tcase_add_test(tc, shared_pages);
    tcase_add_test(tc, reset_tables);
    tcase_add_test(tc, prepared_tables);
    tcase_add_test(tc, pointers);
    tcase_add_test(tc, find);
    tcase_add_test(tc, mmap_pool);
    tcase_add_test(tc, elf_placement);
    suite_add_tcase(s, tc);
    tc = tcase_create("dispatch");
    tcase_add_checked_fixture(tc, proc_setup, proc_teardown);
    tcase_add_test(tc, dispatch);
    tcase_add_test(tc, sigframe);
    tcase_add_test(tc, fault_signals);
    suite_add_tcase(s, tc);
    tc = tcase_create("kvm");
    tcase_add_test(tc, kvm_refusals);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
