/* vm_load.c: a program into the VM's empty user memory, as Linux's binfmt_elf lays it out: the
 * stack at the top, the vDSO and mmap area under it, the program, and its interpreter
 * (PT_INTERP: the appliance's own ld.so) where mmap would put it. */
#include "vm_internal.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#define VM_STACK_MAX (8ull << 20) /* Linux's default RLIMIT_STACK */
/* Where a position-independent program goes (Linux's ELF_ET_DYN_BASE, scaled to a VM whose
 * user memory is a few hundred MiB): low, so that its heap grows far from the mmap area. */
#define VM_PIE_BASE (16ull << 20)

/* The loader's `find` for a PIE program: VM_PIE_BASE when it fits below the mmap area. */
static int find_pie(void *ctx, uint64_t len, uint64_t *addr, struct viv_error *err)
{
    struct xlat_mem *m = ctx;
    if (len > m->mmap_top || VM_PIE_BASE > m->mmap_top - len)
        return viv_fail(err, ENOMEM, "a program of %llu bytes does not fit in guest memory",
                        (unsigned long long)len);
    *addr = VM_PIE_BASE;
    return 0;
}

int vm_open_in_root(int root, const char *name)
{
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, root, name, &how, sizeof(how));
}

int vm_load(struct vm_vcpu *c, int fd, const char *path, char *const *argv,
            char *const *envp, struct vm_start *st, int *fail_status, struct viv_error *err)
{
    struct vm_instance *v = c->v;
    struct xlat_mem *u = &v->mem.user;
    *fail_status = 125;
    /* The stack first, at the top of user memory; the mmap area below it, past a guard page. */
    uint64_t top = u->size;
    uint64_t size = top / 8 < VM_STACK_MAX ? top / 8 : VM_STACK_MAX;
    size &= ~(uint64_t)(VM_PAGE - 1);
    int r = xlat_mem_map(u, top - size, size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (r < 0)
        return viv_fail(err, -r, "map the guest's stack");
    /* Recorded before anything is written near it (xlat_mem_set_stack's advice must come
     * first, the vDSO goes just below); the extent exec gives the stack depends on the strings
     * alone. */
    struct elf_stack_params strings = {
        .argv = argv, .envp = envp, .execfn = path, .page_size = VM_PAGE};
    xlat_mem_set_stack(u, top - size, top - elf_stack_vma_size(&strings, size));
    u->mmap_top = top - size - VM_PAGE;
    uint64_t vdso = 0;
    if ((r = vm_vdso_place(&v->mem, c->fd, &vdso)) < 0)
        return viv_fail(err, -r, "map the guest's vDSO");
    v->vvar = vdso - VM_PAGE;

    struct elf_load_ops ops, pie_ops;
    xlat_mem_loader_ops(u, &ops);
    pie_ops = ops;
    pie_ops.find = find_pie;
    struct elf_image img, interp = {0};
    if (elf_load(fd, path, ELF_MACHINE_X86_64, VM_PAGE, &pie_ops, &img, err) < 0) {
        *fail_status = err->code == ENOEXEC ? 126 : 125;
        return -1;
    }
    if (img.dynamic) {
        int ifd = vm_open_in_root(v->root, img.interp);
        if (ifd < 0) {
            *fail_status = errno == ENOENT ? 127 : 126;
            return viv_fail(err, errno, "%s: its interpreter %s", path, img.interp);
        }
        r = elf_load(ifd, img.interp, ELF_MACHINE_X86_64, VM_PAGE, &ops, &interp, err);
        close(ifd);
        if (r < 0) {
            *fail_status = 126;
            return viv_wrap(err, "%s: its interpreter", path);
        }
    }
    unsigned eax, ebx, ecx = 0, edx = 0;
    __get_cpuid(1, &eax, &ebx, &ecx, &edx);
    struct elf_stack_params sp = {
        .argv = argv,
        .envp = envp,
        .execfn = path,
        .platform = "x86_64",
        .exe = &img,
        .interp_base = img.dynamic ? interp.bias : 0,
        .page_size = VM_PAGE,
        .hwcap = edx, /* AT_HWCAP on x86 is CPUID.1:EDX (arch/x86/include/asm/elf.h) */
        .sysinfo_ehdr = vdso,
        .uid = getuid(),
        .euid = geteuid(),
        .gid = getgid(),
        .egid = getegid(),
    };
    if (getrandom(sp.random, sizeof(sp.random), 0) != sizeof(sp.random))
        return viv_fail(err, errno, "getrandom for AT_RANDOM");
    if (elf_stack_build(&ops, top, size, &sp, &st->sp, err) < 0)
        return viv_wrap(err, "%s: initial stack", path);
    st->brk = img.hi;
    st->entry = img.dynamic ? interp.entry : img.entry;
    viv_trace(VIV_TRACE_VM, "vm", "%s: entry %#llx, sp %#llx%s%s", path,
              (unsigned long long)st->entry, (unsigned long long)st->sp,
              img.dynamic ? ", interpreter " : "", img.dynamic ? img.interp : "");
    return 0;
}
