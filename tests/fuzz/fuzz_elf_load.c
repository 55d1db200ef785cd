/* fuzz_elf_load.c: hostile bytes through elf_load into a real guest window, and the stack. */
#include "loader/loader.h"
#include "syscall-xlat/syscall-xlat.h"

#include <sys/mman.h>

#define GUEST (256ull << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xlat_mem m;
    static struct elf_load_ops ops;
    struct viv_error err = {0};
    if (!m.base) {
        if (xlat_mem_init(&m, GUEST, &err) < 0)
            return 0;
        xlat_mem_loader_ops(&m, &ops);
    }
    struct elf_image img;
    if (elf_load_mem(data, size, "fuzz", ELF_MACHINE_RISCV64, 4096, &ops, &img, &err) == 0) {
        /* What was loaded must lie inside the window, and a stack must build above it. */
        if (img.hi > m.size || img.lo >= img.hi || img.entry < img.lo || img.entry >= img.hi)
            __builtin_trap();
        uint64_t top = m.size, size = 1 << 20;
        if (img.hi <= top - size &&
            xlat_mem_map(&m, top - size, size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == 0) {
            char *argv[] = {"fuzz", NULL}, *envp[] = {NULL};
            struct elf_stack_params p = {.argv = argv, .envp = envp, .exe = &img,
                                         .page_size = 4096};
            uint64_t sp;
            if (elf_stack_build(&ops, top, size, &p, &sp, &err) == 0 && (sp % 16 || sp >= top))
                __builtin_trap();
        }
    }
    xlat_mem_unmap(&m, 0, m.size);
    m.mmap_top = m.size;
    return 0;
}
