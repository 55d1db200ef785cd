/* stack.c: the initial stack of a Linux process: argc, argv, envp, the auxiliary vector, strings. */
#include "loader.h"

#include <elf.h>
#include <errno.h>
#include <string.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

#define STACK_MAX_AUXV 32

struct auxv_list {
    uint64_t v[STACK_MAX_AUXV * 2];
    unsigned n;
};

static void aux(struct auxv_list *a, uint64_t type, uint64_t val)
{
    a->v[a->n++] = type;
    a->v[a->n++] = val;
}

static size_t vec_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

/* AT_EXECFN's string: the path the program was started by. */
static const char *execfn_of(const struct elf_stack_params *p)
{
    if (p->execfn)
        return p->execfn;
    return p->argv && p->argv[0] ? p->argv[0] : "";
}

uint64_t elf_stack_vma_size(const struct elf_stack_params *p, uint64_t limit)
{
    /* fs/exec.c: bprm->p starts a pointer's width below the top of the vma; the file name, the
     * environment and the arguments are copied under it, each page they reach joining the vma;
     * setup_arg_pages then expands it by stack_expand (128 KiB), no further than RLIMIT_STACK.
     * The auxv, the pointers and AT_RANDOM's bytes land inside that expansion. */
    uint64_t bytes = sizeof(uint64_t) + strlen(execfn_of(p)) + 1;
    for (size_t i = 0; p->argv && p->argv[i]; i++)
        bytes += strlen(p->argv[i]) + 1;
    for (size_t i = 0; p->envp && p->envp[i]; i++)
        bytes += strlen(p->envp[i]) + 1;
    uint64_t mask = ~(p->page_size - 1);
    uint64_t size = ((bytes + p->page_size - 1) & mask) + ((131072 + p->page_size - 1) & mask);
    limit &= mask;
    return size < limit ? size : limit;
}

/* The layout, from the top of the stack down (System V ABI figure "Initial Process Stack",
 * Linux fs/binfmt_elf.c create_elf_tables): the AT_EXECFN string, the argv and envp strings,
 * the platform string and the 16 AT_RANDOM bytes; then, 16-byte aligned as the riscv64 psABI
 * requires of sp at process entry, argc, argv pointers, NULL, envp pointers, NULL, auxv. */
int elf_stack_build(const struct elf_load_ops *ops, uint64_t top, uint64_t size,
                    const struct elf_stack_params *p, uint64_t *sp, struct viv_error *err)
{
    size_t argc = vec_len(p->argv), envc = vec_len(p->envp);
    uint64_t strings = 0;
    for (size_t i = 0; i < argc; i++)
        strings += strlen(p->argv[i]) + 1;
    for (size_t i = 0; i < envc; i++)
        strings += strlen(p->envp[i]) + 1;
    const char *execfn = execfn_of(p);
    strings += strlen(execfn) + 1 + (p->platform ? strlen(p->platform) + 1 : 0) + 16;
    /* Linux limits exec arguments to a quarter of the stack limit (fs/exec.c). */
    if (strings > size / 4 || argc + envc > size / 4 / sizeof(uint64_t))
        return viv_fail(err, E2BIG, "arguments and environment of %llu bytes exceed %llu",
                        (unsigned long long)strings, (unsigned long long)(size / 4));

    struct auxv_list a = {.n = 0};
    uint64_t ptrs = 1 + argc + 1 + envc + 1 + STACK_MAX_AUXV * 2;
    uint64_t total = ptrs * 8 + strings + 32;
    uint8_t *buf = viv_xcalloc(1, total);
    uint64_t base = top - total; /* guest address of buf[0] */
    uint64_t at = total;         /* strings grow down from the top */
#define PUT_STR(s, out)                                                                            \
    do {                                                                                           \
        size_t l_ = strlen(s) + 1;                                                                 \
        at -= l_;                                                                                  \
        memcpy(buf + at, (s), l_);                                                                 \
        (out) = base + at;                                                                         \
    } while (0)
    uint64_t execfn_addr, platform_addr = 0, random_addr;
    PUT_STR(execfn, execfn_addr);
    uint64_t *argv_addr = viv_xcalloc(argc + 1, sizeof(uint64_t));
    uint64_t *envp_addr = viv_xcalloc(envc + 1, sizeof(uint64_t));
    for (size_t i = envc; i-- > 0;)
        PUT_STR(p->envp[i], envp_addr[i]);
    for (size_t i = argc; i-- > 0;)
        PUT_STR(p->argv[i], argv_addr[i]);
    if (p->platform)
        PUT_STR(p->platform, platform_addr);
    at -= 16;
    memcpy(buf + at, p->random, 16);
    random_addr = base + at;
#undef PUT_STR

    const struct elf_image *e = p->exe;
    if (p->sysinfo_ehdr) /* first, where Linux puts it (ARCH_DLINFO) */
        aux(&a, AT_SYSINFO_EHDR, p->sysinfo_ehdr);
    aux(&a, AT_PHDR, e->phdr);
    aux(&a, AT_PHENT, e->phent);
    aux(&a, AT_PHNUM, e->phnum);
    aux(&a, AT_PAGESZ, p->page_size);
    aux(&a, AT_BASE, p->interp_base);
    aux(&a, AT_FLAGS, 0);
    aux(&a, AT_ENTRY, e->entry);
    aux(&a, AT_UID, p->uid);
    aux(&a, AT_EUID, p->euid);
    aux(&a, AT_GID, p->gid);
    aux(&a, AT_EGID, p->egid);
    aux(&a, AT_SECURE, p->secure);
    aux(&a, AT_HWCAP, p->hwcap);
    aux(&a, AT_CLKTCK, 100);
    aux(&a, AT_RANDOM, random_addr);
    aux(&a, AT_EXECFN, execfn_addr);
    if (p->platform)
        aux(&a, AT_PLATFORM, platform_addr);
    if (p->minsigstksz)
        aux(&a, AT_MINSIGSTKSZ, p->minsigstksz);
    aux(&a, AT_NULL, 0);

    uint64_t nwords = 1 + argc + 1 + envc + 1 + a.n;
    uint64_t vec = (base + at - nwords * 8) & ~(uint64_t)15;
    uint64_t off = vec - base;
    uint64_t *w = viv_xcalloc(nwords, sizeof(uint64_t));
    uint64_t k = 0;
    w[k++] = argc;
    for (size_t i = 0; i < argc; i++)
        w[k++] = argv_addr[i];
    w[k++] = 0;
    for (size_t i = 0; i < envc; i++)
        w[k++] = envp_addr[i];
    w[k++] = 0;
    memcpy(&w[k], a.v, a.n * 8);
    memcpy(buf + off, w, nwords * 8);
    free(w);
    free(argv_addr);
    free(envp_addr);
    int rc = 0;
    if (vec < top - size) {
        rc = viv_fail(err, E2BIG, "initial stack of %llu bytes exceeds %llu",
                      (unsigned long long)(top - vec), (unsigned long long)size);
    } else if (ops->write(ops->ctx, vec, buf + off, total - off, err) < 0) {
        rc = viv_wrap(err, "write the initial stack");
    } else {
        *sp = vec;
    }
    free(buf);
    return rc;
}
