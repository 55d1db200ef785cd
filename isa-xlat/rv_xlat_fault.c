/* rv_xlat_fault: a host fault in translated code mapped back to the guest instruction that made
 * it, so that its guest signal sees that instruction's pc, registers and instret. */
#include "isa-xlat/rv_translate.h"
#include "isa-xlat/rv_fp.h"

#include <stdlib.h>
#include <ucontext.h>

bool rv_faultmap_add(struct rv_faultmap *m, const struct rv_fault_site *s, size_t n)
{
    if (m->n + n > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 1024;
        while (cap < m->n + n)
            cap *= 2;
        struct rv_fault_site *e = realloc(m->e, cap * sizeof(*e));
        if (!e)
            return false;
        m->e = e;
        m->cap = cap;
    }
    memcpy(m->e + m->n, s, n * sizeof(*s));
    m->n += n;
    return true;
}

void rv_faultmap_free(struct rv_faultmap *m)
{
    free(m->e);
    m->e = NULL;
    m->n = m->cap = 0;
}

/* The site whose code holds arena offset off, or NULL. Sites are sorted and do not overlap. */
static const struct rv_fault_site *find(const struct rv_faultmap *m, uint64_t off)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) { /* the first site that starts after off */
        size_t mid = lo + (hi - lo) / 2;
        if (m->e[mid].start <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0 || off - m->e[lo - 1].start >= m->e[lo - 1].len)
        return NULL;
    return &m->e[lo - 1];
}

/* gregs index of each x86 register number (rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8-r15). */
static const uint8_t greg_of[16] = {REG_RAX, REG_RCX, REG_RDX, REG_RBX, REG_RSP, REG_RBP,
                                    REG_RSI, REG_RDI, REG_R8,  REG_R9,  REG_R10, REG_R11,
                                    REG_R12, REG_R13, REG_R14, REG_R15};

bool rv_faultmap_restore(const struct rv_faultmap *m, const uint8_t *base, struct rv_cpu *cpu,
                         void *uc)
{
    const mcontext_t *mc = &((const ucontext_t *)uc)->uc_mcontext;
    uintptr_t pc = (uintptr_t)mc->gregs[REG_RIP];
    if (!base || pc < (uintptr_t)base)
        return false;
    const struct rv_fault_site *s = find(m, pc - (uintptr_t)base);
    if (!s)
        return false;
    /* The translated code's own registers are the truth: it stores them only when it leaves. */
    for (unsigned r = 1; r < 32; r++)
        if (rv_tr_pin[r] >= 0)
            cpu->x[r] = (uint64_t)mc->gregs[greg_of[rv_tr_pin[r]]];
    if (mc->fpregs) {
        for (unsigned r = 0; r < 32; r++) {
            int x = rv_tr_fpin[r];
            if (x < 0)
                continue;
            memcpy(&cpu->f[r], &mc->fpregs->_xmm[x], 8);
            /* a result whose NaN check was put off: RISC-V's NaN, as the check would make it */
            if (s->fpend >> (x - 4) & 1 && (cpu->f[r] & ~(1ull << 63)) > 0x7ff0000000000000ull)
                cpu->f[r] = RV_CANON_NAN_D;
        }
        /* The flags translated FP code raised this run, as the exit stub would merge them. */
        cpu->fflags |= rv_fflags_of_mxcsr(mc->fpregs->mxcsr);
    }
    cpu->instret = (uint64_t)mc->gregs[greg_of[TR_INSTRET]] + s->count;
    cpu->pc = s->pc;
    return true;
}
