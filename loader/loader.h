/* loader: ELF inspection and loading for every mode (architecture, linkage, interpreter). */
#ifndef VIV_LOADER_H
#define VIV_LOADER_H

#include "base/base.h"

#include <stdbool.h>
#include <stdint.h>

enum elf_machine { ELF_MACHINE_OTHER, ELF_MACHINE_X86_64, ELF_MACHINE_RISCV64, ELF_MACHINE_AARCH64 };

struct elf_info {
    enum elf_machine machine;
    unsigned e_machine; /* the raw value, for messages about unknown machines */
    bool is64;
    bool executable; /* ET_EXEC or ET_DYN with an entry point */
    bool pie;        /* ET_DYN */
    bool dynamic;    /* has PT_INTERP */
    char interp[256];
};

/* Identify an ELF file read through fd (not closed). name is for messages. Refuses what is not an
 * ELF executable or a shared object, naming the rule. */
int elf_identify(int fd, const char *name, struct elf_info *info, struct viv_error *err);
const char *elf_machine_name(enum elf_machine m);

/* The interpreter line of a #! script read through fd (script.c, as binfmt_script reads it):
 * the interpreter's name and at most one argument (empty when none). false when fd is no
 * script or the name does not fit. */
bool script_line(int fd, char *interp, size_t ilen, char *arg, size_t alen);

/* ---- Loading an ELF into guest memory, and the initial process stack (elf_load.c, stack.c) ----
 *
 * Engine-neutral: the loader never touches guest memory directly. It asks the engine, through
 * elf_load_ops, to map zero-filled regions, copy bytes and set protections, so the interpreter's
 * window and a VM's guest-physical memory can share it. Addresses are guest virtual addresses. */

struct elf_load_ops {
    void *ctx;
    /* Make guest [addr, addr+len) present, zero-filled, readable and writable (replacing what
     * was there). addr and len are multiples of the page size. */
    int (*map)(void *ctx, uint64_t addr, uint64_t len, struct viv_error *err);
    /* A free, page-aligned range of len bytes for a position-independent image. */
    int (*find)(void *ctx, uint64_t len, uint64_t *addr, struct viv_error *err);
    /* Copy len bytes into guest memory at addr (inside a region map made). */
    int (*write)(void *ctx, uint64_t addr, const void *src, size_t len, struct viv_error *err);
    /* Final protection of a mapped range: PROT_READ/WRITE/EXEC bits of <sys/mman.h>. */
    int (*protect)(void *ctx, uint64_t addr, uint64_t len, int prot, struct viv_error *err);
    /* Optional (NULL: segments are copied with write): make guest [addr, addr+len) a private,
     * copy-on-write, readable and writable mapping of the file fd from offset off, replacing
     * what map made there. addr, len and off are multiples of the page size. */
    int (*map_file)(void *ctx, uint64_t addr, uint64_t len, int fd, uint64_t off,
                    struct viv_error *err);
    /* Optional (NULL: a gap between segments stays mapped, inaccessible): make guest
     * [addr, addr+len) no mapping at all, free for a later mmap, as Linux's binfmt_elf leaves
     * the gaps of the span it reserved for an image. addr and len are multiples of the page
     * size. */
    int (*unmap)(void *ctx, uint64_t addr, uint64_t len, struct viv_error *err);
};

/* What a loaded image looks like in guest memory; the auxv and the engine need all of it. */
struct elf_image {
    uint64_t entry;  /* e_entry plus the load bias */
    uint64_t bias;   /* 0 for ET_EXEC */
    uint64_t lo, hi; /* page-aligned guest range the PT_LOAD segments span */
    uint64_t phdr;   /* guest address of the program headers (AT_PHDR), 0 if not loaded */
    uint16_t phent, phnum;
    bool dynamic;    /* PT_INTERP present */
    char interp[256];
};

#define ELF_LOAD_MAX_PHNUM 128

/* Validate and load the ELF read through fd (not closed) for machine want, with guest pages of
 * page_size bytes. Every rejection names the file, the header index and the rule; err->code is
 * ENOEXEC for a file that is not a loadable program of that machine. */
int elf_load(int fd, const char *name, enum elf_machine want, uint64_t page_size,
             const struct elf_load_ops *ops, struct elf_image *img, struct viv_error *err);
/* The same checks on an in-memory image, loading nothing (ops NULL): for tests and fuzzing. */
int elf_load_mem(const void *data, size_t len, const char *name, enum elf_machine want,
                 uint64_t page_size, const struct elf_load_ops *ops, struct elf_image *img,
                 struct viv_error *err);

/* The initial stack of a Linux process (System V ABI, "Process Initialization"; the riscv64
 * psABI adds only the 16-byte sp alignment): argc, argv[], NULL, envp[], NULL, auxv pairs ending
 * in AT_NULL, then the strings and AT_RANDOM's bytes above them. */
struct elf_stack_params {
    char *const *argv;
    char *const *envp;
    const char *execfn;   /* AT_EXECFN: the path the program was started by */
    const char *platform; /* AT_PLATFORM string, or NULL to omit it */
    const struct elf_image *exe;
    uint64_t interp_base; /* AT_BASE: the interpreter's load address, 0 when static */
    uint64_t page_size;
    uint64_t hwcap;       /* AT_HWCAP */
    uint64_t minsigstksz; /* AT_MINSIGSTKSZ, 0 to omit */
    uint64_t sysinfo_ehdr; /* AT_SYSINFO_EHDR: the vDSO's ELF header, 0 when there is none */
    uint64_t uid, euid, gid, egid;
    bool secure;
    uint8_t random[16];   /* AT_RANDOM's bytes, filled by the caller */
};

/* Write the stack below guest address top (stack region [top - size, top) is mapped) and return
 * the initial sp in *sp. E2BIG when argv and envp do not fit in a quarter of size, as Linux's
 * limit on exec arguments. */
int elf_stack_build(const struct elf_load_ops *ops, uint64_t top, uint64_t size,
                    const struct elf_stack_params *p, uint64_t *sp, struct viv_error *err);

/* The stack vma Linux's exec leaves for these arguments (fs/exec.c setup_arg_pages): the pages
 * the strings were copied to plus 128 KiB, at most limit: how far below the top of the stack
 * /proc/self/maps shows [stack] before the program touches lower. */
uint64_t elf_stack_vma_size(const struct elf_stack_params *p, uint64_t limit);

/* AT_HWCAP bits for riscv64: one bit per single-letter extension, bit (letter - 'a'), as the
 * Linux kernel reports them (arch/riscv/include/uapi/asm/hwcap.h). */
#define ELF_RISCV_HWCAP_IMAFDC                                                                     \
    ((1u << ('i' - 'a')) | (1u << ('m' - 'a')) | (1u << ('a' - 'a')) | (1u << ('f' - 'a')) |      \
     (1u << ('d' - 'a')) | (1u << ('c' - 'a')))

#endif
