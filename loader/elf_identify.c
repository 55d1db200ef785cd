/* elf_identify.c: what an ELF file is (machine, class, static or dynamic) without loading it. */
#include "loader.h"

#include <errno.h>
#include <gelf.h>
#include <libelf.h>
#include <string.h>

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

const char *elf_machine_name(enum elf_machine m)
{
    switch (m) {
    case ELF_MACHINE_X86_64:
        return "x86_64";
    case ELF_MACHINE_RISCV64:
        return "riscv64";
    case ELF_MACHINE_AARCH64:
        return "aarch64";
    default:
        return "unknown";
    }
}

static int read_interp(Elf *elf, int fd, const GElf_Phdr *ph, const char *name,
                       struct elf_info *info, struct viv_error *err)
{
    if (ph->p_filesz == 0 || ph->p_filesz > sizeof(info->interp))
        return viv_fail(err, 0, "%s: PT_INTERP of %llu bytes is not a path", name,
                        (unsigned long long)ph->p_filesz);
    (void)elf;
    ssize_t n = pread(fd, info->interp, ph->p_filesz, (off_t)ph->p_offset);
    if (n != (ssize_t)ph->p_filesz)
        return viv_fail(err, n < 0 ? errno : EIO, "%s: read PT_INTERP", name);
    if (info->interp[ph->p_filesz - 1] != '\0' || strlen(info->interp) == 0)
        return viv_fail(err, 0, "%s: PT_INTERP is not a NUL-terminated path", name);
    return 0;
}

int elf_identify(int fd, const char *name, struct elf_info *info, struct viv_error *err)
{
    memset(info, 0, sizeof(*info));
    if (elf_version(EV_CURRENT) == EV_NONE)
        return viv_fail(err, 0, "libelf: %s", elf_errmsg(-1));
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    if (!elf)
        return viv_fail(err, 0, "%s: %s", name, elf_errmsg(-1));
    int rc = -1;
    GElf_Ehdr eh;
    if (elf_kind(elf) != ELF_K_ELF) {
        viv_fail(err, 0, "%s: not an ELF file", name);
        goto out;
    }
    if (!gelf_getehdr(elf, &eh)) {
        viv_fail(err, 0, "%s: bad ELF header: %s", name, elf_errmsg(-1));
        goto out;
    }
    info->is64 = gelf_getclass(elf) == ELFCLASS64;
    info->e_machine = eh.e_machine;
    switch (eh.e_machine) {
    case EM_X86_64:
        info->machine = ELF_MACHINE_X86_64;
        break;
    case EM_RISCV:
        info->machine = info->is64 ? ELF_MACHINE_RISCV64 : ELF_MACHINE_OTHER;
        break;
    case EM_AARCH64:
        info->machine = ELF_MACHINE_AARCH64;
        break;
    default:
        info->machine = ELF_MACHINE_OTHER;
    }
    if (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) {
        viv_fail(err, 0, "%s: ELF type %u is not an executable", name, eh.e_type);
        goto out;
    }
    info->pie = eh.e_type == ET_DYN;
    info->executable = eh.e_entry != 0;
    size_t phnum;
    if (elf_getphdrnum(elf, &phnum) != 0) {
        viv_fail(err, 0, "%s: bad program headers: %s", name, elf_errmsg(-1));
        goto out;
    }
    for (size_t i = 0; i < phnum; i++) {
        GElf_Phdr ph;
        if (!gelf_getphdr(elf, (int)i, &ph)) {
            viv_fail(err, 0, "%s: phdr[%zu]: %s", name, i, elf_errmsg(-1));
            goto out;
        }
        if (ph.p_type == PT_INTERP) {
            if (info->dynamic) {
                viv_fail(err, 0, "%s: phdr[%zu]: a second PT_INTERP", name, i);
                goto out;
            }
            if (read_interp(elf, fd, &ph, name, info, err) < 0)
                goto out;
            info->dynamic = true;
        }
    }
    rc = 0;
out:
    elf_end(elf);
    return rc;
}
