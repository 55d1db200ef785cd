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

#endif
