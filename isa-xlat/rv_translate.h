/* rv_translate.h: what the translator's files share: the code convention and the emit state. */
#ifndef VIV_RV_TRANSLATE_H
#define VIV_RV_TRANSLATE_H

#include "isa-xlat/rv_internal.h"
#include "isa-xlat/x86_emit.h"

#include <stddef.h>

/* The code of a block is a function
 *     struct rv_xret fn(struct rv_cpu *cpu, uint8_t *base, uint64_t size)
 * (System V AMD64 ABI: arguments in rdi, rsi, rdx; a two-word struct comes back in rax:rdx). It
 * keeps cpu in rbx, the guest memory base in r12 and its size in r13 (callee-saved, so pushed),
 * loads guest registers from cpu->x before each instruction and stores the result right after:
 * every guest register is in cpu->x whenever a host fault can happen. Returns code 0 with cpu->pc
 * the next guest pc, or code (index << 8 | exit reason) with addr the faulting guest address,
 * cpu->pc at the faulting instruction and cpu->instret counting the ones before it. */
#define TR_CPU X86_RBX
#define TR_BASE X86_R12
#define TR_SIZE X86_R13
#define XOFF(r) ((int32_t)offsetof(struct rv_cpu, x) + 8 * (int32_t)(r))
#define PC_OFF ((int32_t)offsetof(struct rv_cpu, pc))
#define INSTRET_OFF ((int32_t)offsetof(struct rv_cpu, instret))

struct tr {
    struct x86_buf b;
    uint64_t pc;     /* guest pc of the instruction being translated */
    uint32_t index;  /* its index in the block */
    uint32_t synced; /* instructions already added to cpu->instret */
};

static inline void rv_tr_get(struct tr *t, int host, unsigned r)
{
    if (r == 0)
        x86_alu_rr(&t->b, X86_XOR, 32, host, host); /* x0 reads as zero */
    else
        x86_load(&t->b, 64, host, x86_m(TR_CPU, XOFF(r)));
}

static inline void rv_tr_set(struct tr *t, unsigned r, int host)
{
    if (r != 0) /* writes to x0 are discarded (spec 2.1) */
        x86_store(&t->b, 64, x86_m(TR_CPU, XOFF(r)), host);
}

/* The M extension (rv_translate_m.c); false for any other op. */
bool rv_tr_muldiv(struct tr *t, const struct rv_insn *in);

#endif
