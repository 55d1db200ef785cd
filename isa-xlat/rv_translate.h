/* rv_translate.h: what the translator's files share: the code convention and the emit state. */
#ifndef VIV_RV_TRANSLATE_H
#define VIV_RV_TRANSLATE_H

#include "isa-xlat/rv_internal.h"
#include "isa-xlat/x86_emit.h"

#include <stddef.h>

/* Translated blocks are not functions: they run inside one frame that the entry stub of the code
 * arena sets up (rv_xlat_rt.c) and jump to each other (chained direct jumps, the jump cache for
 * indirect ones) until one leaves through the exit stub. Inside that frame
 *   rbx = the rv_cpu (and the run's struct rv_xframe, cpu->xf), r12 = guest memory base,
 *   r13 = instret
 *   (stored to cpu->instret where the pinned registers are, and by the exit stub),
 *   the pinned guest registers live in the host registers of rv_tr_pin, and only there while
 *   translated code runs, blocks chained to blocks included: the save stub stores them to
 *   cpu->x before a helper call, and the exit stub when the run leaves, so that cpu->x is
 *   exact whenever C code can look,
 *   the pinned FP registers live in xmm4-xmm15 (rv_tr_fpin) under the same rules,
 *   rax, rcx, rdx and xmm0-xmm3 are scratch.
 * Before an instruction that calls out, cpu->pc is its pc and cpu->instret counts the
 * instructions before it. A guest memory access stores nothing first: it would cost more than
 * the access. Its fault exit (the bounds check) stores pc and instret out of line, and a host
 * fault inside it is mapped back to the guest state by the block's fault sites
 * (rv_xlat_fault.c). The exit stub expects eax = the exit kind, rdx = a guest address and
 * rcx = a pointer that goes with the kind. */
#define TR_CPU X86_RBX
#define TR_BASE X86_R12
#define TR_INSTRET X86_R13
#define XOFF(r) ((int32_t)offsetof(struct rv_cpu, x) + 8 * (int32_t)(r))
#define FOFF(r) ((int32_t)offsetof(struct rv_cpu, f) + 8 * (int32_t)(r))
#define PC_OFF ((int32_t)offsetof(struct rv_cpu, pc))
#define INSTRET_OFF ((int32_t)offsetof(struct rv_cpu, instret))
#define RESV_ADDR_OFF ((int32_t)offsetof(struct rv_cpu, resv_addr))
#define RESV_VALUE_OFF ((int32_t)offsetof(struct rv_cpu, resv_value))
#define RESV_SIZE_OFF ((int32_t)offsetof(struct rv_cpu, resv_size))
#define FFLAGS_OFF ((int32_t)offsetof(struct rv_cpu, fflags))
#define FRM_OFF ((int32_t)offsetof(struct rv_cpu, frm))
#define RUN_LIMIT_OFF ((int32_t)offsetof(struct rv_cpu, run_limit))
/* A field of the run's struct rv_xframe, which is cpu->xf: at rbx + FR(field). */
#define FR(field) ((int32_t)(offsetof(struct rv_cpu, xf) + offsetof(struct rv_xframe, field)))
_Static_assert(offsetof(struct rv_xframe, cpu) == 0, "the entry stub finds the cpu at the frame");

/* Exit kinds (eax at the exit stub). */
enum {
    TR_EXIT_NEXT = 0,  /* cpu->pc is the next pc */
    TR_EXIT_CHAIN = 1, /* the same, and rcx is the struct rv_chain whose jump may be linked */
    TR_EXIT_DONE = 2,  /* a helper filled ex; the reason is ex->reason */
    TR_EXIT_TRAP = 16, /* 16 + reason: rdx the address, rcx the rv_insn */
};

/* The jump cache: direct-mapped by guest pc. */
#define RV_JCACHE_SIZE 4096u
struct rv_jcache {
    struct {
        uint64_t pc;
        void *code;
    } e[RV_JCACHE_SIZE];
};
static inline unsigned rv_jcache_slot(uint64_t pc)
{
    return (unsigned)(pc >> 1) & (RV_JCACHE_SIZE - 1);
}

/* The stubs at the start of a code arena (rv_xlat_rt.c). */
struct rv_xstubs {
    void *enter; /* uint64_t enter(struct rv_xframe *f, void *code): runs code; returns at exit */
    void *exit;  /* jumped to with eax, rdx, rcx as above */
    void *merge; /* called with eax = the MXCSR: ORs its flags into cpu->fflags */
    void *save;  /* called: stores every pinned register to cpu */
};
/* Put the stubs into an empty arena; false when it has no room. */
bool rv_xstubs_make(struct x86_code *code, struct rv_xstubs *st);

/* Run code inside the frame f until it leaves; the exit stub's eax, rdx, rcx are in f->kind,
 * f->addr, f->ptr, and the SSE flags it raised are merged into cpu->fflags. */
void rv_xlat_enter(const struct rv_xstubs *st, struct rv_xframe *f, void *code);

/* Guest registers kept in host registers, and the host register of each (-1: in cpu->x). */
#define TR_NPIN 9
extern const uint8_t rv_tr_pinned[TR_NPIN];
extern const int8_t rv_tr_pin[32];
/* FP registers kept in xmm registers (fs0, fs1, fa0-fa7, fs2, fs3), and the xmm of each. */
#define TR_NFPIN 12
extern const uint8_t rv_tr_fpinned[TR_NFPIN];
extern const int8_t rv_tr_fpin[32];

/* Where a host fault in translated code is a guest access: code at arena offsets
 * [start, start + len) is the access of the instruction at pc, with r13 short of its instret by
 * count, and the pinned FP registers of fpend (bit x - 4 for xmm x) holding results whose NaN
 * is not yet made canonical (struct tr, fpend). The sites of a cache's arena are kept in the
 * order of their code, which is the order the arena fills; 16 bytes each, as there is one for
 * most loads and stores translated. */
#define TR_SITE_LEN_MAX 4095u
struct rv_fault_site {
    uint64_t pc;
    uint32_t start;
    uint32_t len : 12;   /* an access's code is some tens of bytes: longer is not translated */
    uint32_t count : 7;  /* at most RV_BLOCK_MAX */
    uint32_t fpend : 12; /* xmm4-xmm15 */
};
_Static_assert(RV_BLOCK_MAX < 128 && TR_NFPIN <= 12, "a fault site's fields hold their values");
_Static_assert(sizeof(struct rv_fault_site) == 16, "a fault site is 16 bytes");
struct rv_faultmap {
    struct rv_fault_site *e;
    size_t n, cap;
};
/* Append n sites; false when there is no memory for them. */
bool rv_faultmap_add(struct rv_faultmap *m, const struct rv_fault_site *s, size_t n);
void rv_faultmap_free(struct rv_faultmap *m);
/* Make cpu the state of the guest access whose code holds the host pc of the host signal
 * context uc (a ucontext_t) in the arena at base: false when no site holds it. */
bool rv_faultmap_restore(const struct rv_faultmap *m, const uint8_t *base, struct rv_cpu *cpu,
                         void *uc);
/* MXCSR exception flags as fflags bits. */
uint32_t rv_fflags_of_mxcsr(uint32_t mx);

struct tr {
    struct x86_buf b;
    struct rv_block *blk;
    const struct rv_xstubs *st;
    uint64_t pc;     /* guest pc of the instruction being translated */
    uint32_t index;  /* its index in the block (past its end in an inlined dispatch) */
    const struct rv_insn *cur; /* the instruction itself */
    bool inlined;    /* translating the dispatch block inlined at a branch (branch) */
    uint32_t synced; /* instructions already added to cpu->instret */
    bool mx_merged;  /* code before has merged the SSE flags, and nothing raised one since */
    uint32_t ff_skip; /* 1 + the index of an fsflags whose work a compare's code did (fp.c) */
    /* Pinned FP registers (bit x - 4 for xmm x) that hold the result of arithmetic whose NaN
     * check is put off: a NaN there may be x86's, not yet RISC-V's canonical one. Arithmetic
     * reads them as they are (a NaN operand gives a NaN result, checked in its turn, and no
     * flag: x86's NaN results are quiet), a write drops them, and anything else that reads
     * them, leaves the block or calls out checks them first (one()); so do the fault exits and
     * a host fault's restore (fault sites) of an access between. fpnew: the bits the current
     * instruction adds. */
    uint16_t fpend, fpnew;
    /* Guest accesses this block's code has checked on the way here: [x[reg] + off, + len) is
     * inside guest memory, with x[reg] as it is now (an addi of reg to itself moves off; any
     * other write of reg drops its entries). An access inside one needs no check of its own,
     * as in a loop's body that loads and stores through one pointer. */
    struct tr_inb {
        uint8_t reg, len;
        int32_t off;
    } inb[8];
    unsigned ninb;
    /* Out-of-line code, emitted after the block: fault exits. */
    struct tr_cold {
        size_t field; /* the jcc to point at it */
        const struct rv_insn *in;
        uint32_t count; /* instructions r13 is short of at the jcc */
        uint64_t pc;
        uint8_t reason;
        int8_t addr; /* the host register that holds the guest address */
        uint16_t fpend;
    } cold[2 * RV_BLOCK_MAX]; /* an AMO has two: misaligned and out of memory */
    unsigned ncold;
    /* Out-of-line code, emitted after the block: the helper for an instruction whose fast
     * path does not cover the case at hand (a NaN result, a rounding mode SSE lacks). Kept off
     * the main path so that a block's common case runs straight through, without a taken jump
     * per instruction around a helper call it does not make. */
    struct tr_slow {
        size_t field;  /* the jcc to point at it */
        size_t resume; /* where the main path goes on after the instruction; SIZE_MAX: leave */
        const struct rv_insn *in;
        uint64_t pc;
        uint32_t index, synced;
        enum { TR_SLOW_HELPER, TR_SLOW_NAN, TR_SLOW_UNORDERED, TR_SLOW_LEAVE } kind;
        int8_t nan_x, mul_a, mul_b; /* TR_SLOW_NAN: the result, a fused one's multiplicands */
        uint8_t restore;      /* TR_SLOW_UNORDERED: fflags = this guest register after (or 0) */
    } slow[2 * RV_BLOCK_MAX]; /* an FP instruction has at most two: frm, and its result */
    unsigned nslow;
    /* The guest accesses of the block, at buffer offsets (len set when the instruction ends). */
    struct rv_fault_site site[RV_BLOCK_MAX];
    size_t site_len[RV_BLOCK_MAX]; /* the lengths, before they go into their fields */
    unsigned nsite;
    /* Direct exits written linked to a target's code (rv_xlinks), which go on the target's
     * list of jumps into it once the block's code is in the arena. */
    const struct rv_xlinks *links;
    struct rv_block *linked_to[2];
};

static inline void rv_tr_get(struct tr *t, int host, unsigned r)
{
    if (r == 0)
        x86_alu_rr(&t->b, X86_XOR, 32, host, host); /* x0 reads as zero */
    else if (rv_tr_pin[r] >= 0)
        x86_mov_rr(&t->b, 64, host, rv_tr_pin[r]);
    else
        x86_load(&t->b, 64, host, x86_m(TR_CPU, XOFF(r)));
}

/* Guest register r = host register host. */
void rv_tr_set(struct tr *t, unsigned r, int host);
/* Where to compute a value for guest register r: its pinned register, or rax; then rv_tr_set. */
static inline int rv_tr_dst(unsigned r)
{
    return r != 0 && rv_tr_pin[r] >= 0 ? rv_tr_pin[r] : X86_RAX;
}
/* The xmm register that holds f[r]: its pinned one, or scratch loaded with it. */
int rv_tr_fget(struct tr *t, int scratch, unsigned r);
/* f[r] = the xmm register x (all 64 bits). */
void rv_tr_fset(struct tr *t, unsigned r, int x);

/* instret += n, in r13 only. */
void rv_tr_count(struct x86_buf *b, int32_t n);
/* Load every pinned register and instret from cpu (after C code may have written them). */
void rv_tr_reload(struct x86_buf *b);
/* Make cpu->pc and cpu->instret describe the current instruction, before it calls out. */
void rv_tr_sync(struct tr *t);
/* The code emitted from here to the end of the current instruction is its guest access: a host
 * fault there is mapped back to the instruction, with the registers it finds in the host's. */
void rv_tr_access(struct tr *t);
/* Merge SSE flags raised since the last merge into cpu->fflags. Translated FP arithmetic
 * leaves its flags in the MXCSR; they reach cpu->fflags here (before fflags is read or
 * written), at the exit stub and in the host fault handler. Reading the MXCSR costs more than
 * the arithmetic, so nothing else merges, and a merge is left out where one earlier in the
 * block has nothing to add (t->mx_merged). */
void rv_tr_merge_flags(struct tr *t);
/* Leave through the exit stub with cpu->pc = target (everything stored before). */
void rv_tr_exit_to(struct tr *t, uint64_t target, unsigned kind, const void *ptr);
/* Run the current instruction in C (rv_xlat_helper), then reload the pinned registers. */
void rv_tr_call_helper(struct tr *t, const struct rv_insn *in);
/* The jcc at field goes to out-of-line code that runs the current instruction in the helper,
 * then leaves for the dispatcher at the next pc (leave) or, for the returned slot k, comes
 * back to the main path where rv_tr_slow_resume(t, k) is called: after the instruction's own
 * writes, which the helper has made instead. */
unsigned rv_tr_slow(struct tr *t, size_t field, const struct rv_insn *in, bool leave);
/* The jcc at field goes to out-of-line code that makes the NaN result in xmm register x the
 * canonical NaN and comes back to the main path at rv_tr_slow_resume(t, k), for the returned k.
 * For a fused multiply-add, xa and xb (else -1) are its untouched multiplicands: the code adds
 * the invalid flag the host leaves out for infinity times zero plus a quiet NaN. */
unsigned rv_tr_slow_nan(struct tr *t, size_t field, int x, int xa, int xb);
/* The jcc at field goes to out-of-line code that leaves for the dispatcher at the next pc,
 * the current instruction done. */
void rv_tr_slow_leave(struct tr *t, size_t field);
/* The jcc at field goes to out-of-line code for an unordered FP comparison: it merges the flags
 * the comparison raised, makes al 0 and comes back at rv_tr_slow_resume(t, k). With restore
 * (a guest register, else 0) it writes fflags from that register after the merge, which is
 * what the fsflags after a compare does (rv_tr_write_fflags). */
unsigned rv_tr_slow_unordered(struct tr *t, size_t field, unsigned restore);
/* fflags = ecx & 0x1f, the SSE flags started again if it drops one that they hold (rcx, rdx). */
void rv_tr_write_fflags(struct tr *t);
static inline void rv_tr_slow_resume(struct tr *t, unsigned k)
{
    t->slow[k].resume = t->b.len;
}

/* The M extension (rv_translate_m.c); false for any other op. */
bool rv_tr_muldiv(struct tr *t, const struct rv_insn *in);
/* F and D and the FP CSRs (rv_translate_fp.c): straight to SSE where results are exact. */
bool rv_tr_fp(struct tr *t, const struct rv_insn *in);
/* Whether rv_tr_fp translates in as arithmetic that neither calls out nor leaves. */
bool rv_tr_fp_inline(const struct rv_insn *in);
/* Zba and Zbb (rv_translate_b.c); false for any other op and for orc.b. */
bool rv_tr_bitmanip(struct tr *t, const struct rv_insn *in);
/* The A extension (rv_translate_a.c); false for any other op. */
bool rv_tr_amo(struct tr *t, const struct rv_insn *in);
/* A fault exit after the block, taken by the jcc at field (rdx = rax = the guest address); it
 * stores the state of the current instruction itself. */
void rv_tr_cold_exit(struct tr *t, size_t field, int reason);
/* Loads and stores: the host register that holds the checked guest address of the access (at
 * host r12 + it): the pinned register of rs1 itself when the offset is 0, else rax. */
int rv_tr_address(struct tr *t, const struct rv_insn *in, unsigned len, int reason);
/* The same as an operand: [r12 + rs1 + imm] with no check where the block has checked the
 * access already (t->inb), else r12 + the checked address of rv_tr_address. */
struct x86_mem rv_tr_access_mem(struct tr *t, const struct rv_insn *in, unsigned len, int reason);

/* The helper translated code calls for one instruction it does not translate itself: 0, or the
 * exit reason with ex filled (rv_xlat_rt.c). */
uint64_t rv_xlat_helper(struct rv_xframe *f, const struct rv_insn *in);

#endif
