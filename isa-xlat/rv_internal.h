/* rv_internal: what the isa-xlat files share with each other and not with other subsystems. */
#ifndef VIV_RV_INTERNAL_H
#define VIV_RV_INTERNAL_H

#include "isa-xlat/isa-xlat.h"

#include <string.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "guest memory is accessed in host byte order: riscv64 is little-endian, so must the host be"
#endif

void rv_decode32(uint32_t w, struct rv_insn *d);
void rv_decode16(uint16_t h, struct rv_insn *d);

/* A direct exit of a translated block to a known guest pc: the rel32 of its jump at site goes
 * to the block's own exit path until the target has code, then straight to the target's code.
 * When the target goes (invalidation), the jump is pointed back at the exit path. */
struct rv_block;
struct rv_chain {
    uint64_t target;
    uint8_t *site;          /* host address of the rel32 field */
    int32_t unlinked;       /* its value when it goes to the exit path */
    bool linked;
    struct rv_chain *next_in; /* the target block's list of jumps into it */
};

/* A decoded block: the instructions control runs through from pc, up to and including the
 * first conditional branch, indirect jump or trapping instruction (or RV_BLOCK_MAX of them);
 * a jal does not end it: the block goes on at the jal's target. hits and host_code are where a
 * translating tier counts executions and hangs its code. */
struct rv_block {
    uint64_t pc;      /* where it starts */
    uint64_t lo, end; /* every guest byte it was decoded from lies in [lo, end) */
    struct rv_block *next;
    uint32_t n;
    uint32_t hits;
    void *host_code;  /* translated code, or NULL */
    bool xlat_failed; /* not to be translated: no code memory */
    bool loops;       /* its code jumps back to its own start, linked from the outset */
    uint8_t nchain;
    struct rv_chain chain[2];  /* its direct exits, when translated */
    struct rv_chain *in;       /* chained jumps of other blocks into this one */
    struct rv_insn insn[];
};

/* Find or decode the block at pc. NULL with ex filled (fetch fault) when the first instruction
 * cannot be fetched. */
struct rv_block *rv_cache_get(struct rv_cache *c, struct rv_mem *mem, uint64_t pc,
                              struct rv_exit *ex);
/* Add r, for the hart cpu, to the harts whose run_limit rv_invalidate clears; take it away. */
void rv_running_enter(struct rv_mem *mem, struct rv_running *r, struct rv_cpu *cpu);
void rv_running_leave(struct rv_mem *mem, struct rv_running *r);
/* The cache runs cpu over mem from now on: its hart is one of mem's until rv_cache_free (or
 * another pair), so that another thread's rv_invalidate reaches its translated code. Kept by
 * the cache, not by rv_run's frame, which a host fault may leave by siglongjmp. */
void rv_cache_attach(struct rv_cache *c, struct rv_mem *mem, struct rv_cpu *cpu);
/* Apply rv_invalidate calls made since this cache last looked. */
void rv_cache_sync(struct rv_cache *c, struct rv_mem *mem);

/* The translated tier. rv_translate puts code for the whole of b into code (every instruction
 * the translator does not handle itself calls the interpreter's code for it), sets
 * b->host_code and b->chain and adds the block's guest accesses to faults; NONE when it cannot
 * (guest memory under 8 bytes, code too big, no memory for the fault sites), FULL when the
 * arena has no room. With links, the new code's direct exits to blocks that have code already
 * are linked as it is written, and so is the direct exit links->into of another block to it:
 * each link made later costs the arena two changes of protection. */
struct x86_code;
struct rv_xstubs;
struct rv_faultmap;
struct rv_xlinks {
    struct rv_block *(*find)(void *ctx, uint64_t pc); /* the block at pc, or NULL */
    void *ctx;
    struct rv_chain *into; /* an unlinked direct exit whose target is b, or NULL */
    const struct rv_jcache *jcache_low; /* the jump cache when it is below 2 GiB, or NULL */
};
enum rv_xlat_result { RV_XLAT_OK, RV_XLAT_NONE, RV_XLAT_FULL };
enum rv_xlat_result rv_translate(struct x86_code *code, const struct rv_xstubs *st,
                                 struct rv_faultmap *faults, const struct rv_mem *mem,
                                 const struct rv_xlinks *links, struct rv_block *b);
/* Translate b into the cache's code arena. false when the arena was full and the whole cache
 * was flushed to make room: b no longer exists. */
bool rv_cache_translate(struct rv_cache *c, const struct rv_mem *mem, struct rv_block *b);
/* Run translated code from b (which has host_code) until it leaves it: 0 with cpu->pc the next
 * pc, or the exit reason with ex filled exactly as the interpreter fills it. limit bounds
 * cpu->instret, checked at loop edges. Links the block's direct exits as targets get code. */
int rv_cache_exec(struct rv_cache *c, struct rv_cpu *cpu, struct rv_mem *mem, struct rv_block *b,
                  uint64_t limit, struct rv_exit *ex);
/* Interpret from b (its hits already counted) and on through the blocks after it that the
 * cache holds, until one exits (its reason, ex filled) or rv_run has something to do before the
 * next block (0, cpu->pc the next pc): a stop request, instret at limit, code invalidated, a
 * block not decoded yet, translated, or due for translation after `hot` runs. */
int rv_cache_interp(struct rv_cache *c, struct rv_cpu *cpu, struct rv_mem *mem,
                    struct rv_block *b, uint64_t limit, uint32_t hot, struct rv_exit *ex);
/* One instruction of any class, as the interpreter runs it (x0 written back to 0; instret not
 * counted except by fence.i, which counts itself): 0, or the exit reason with ex filled. */
int rv_exec_one(struct rv_cpu *cpu, struct rv_mem *mem, const struct rv_insn *in, uint64_t pc,
                struct rv_exit *ex);

/* Interpret the decoded block b from its first instruction: 0 when control reached its end
 * (cpu->pc is the next pc), or the exit reason with ex filled. */
int rv_interp_block(struct rv_cpu *cpu, struct rv_mem *mem, const struct rv_block *b,
                    struct rv_exit *ex);

/* Execution of the instruction classes kept outside the main loop. Each returns 0, or an exit
 * reason with ex filled, leaving cpu untouched except for fflags/pc as the spec allows. */
int rv_exec_fp(struct rv_cpu *cpu, struct rv_mem *mem, const struct rv_insn *in, uint64_t pc,
               struct rv_exit *ex);
int rv_exec_amo(struct rv_cpu *cpu, struct rv_mem *mem, const struct rv_insn *in, uint64_t pc,
                struct rv_exit *ex);
/* Zba and Zbb (ops from RV_OP_ADD_UW on): they cannot trap. */
void rv_exec_bitmanip(struct rv_cpu *cpu, const struct rv_insn *in);
int rv_exec_csr(struct rv_cpu *cpu, const struct rv_insn *in, uint64_t pc, struct rv_exit *ex);

static inline int rv_trap(struct rv_exit *ex, enum rv_exit_reason r, uint64_t pc, uint64_t addr,
                          const struct rv_insn *in)
{
    ex->reason = r;
    ex->pc = pc;
    ex->addr = addr;
    ex->insn = in ? in->raw : 0;
    ex->len = in ? in->len : 0;
    return (int)r;
}

static inline bool rv_op_is_fp(unsigned op)
{
    return op >= RV_OP_FLW && op <= RV_OP_FCVT_D_S;
}
static inline bool rv_op_is_amo(unsigned op)
{
    return op >= RV_OP_LR_W && op <= RV_OP_AMOMAXU_D;
}
/* Instructions after which the next pc is not known when decoding, or which leave the block's
 * run (a trap, a cache flush). jal is not one: decoding follows it, so that a loop closed by "j"
 * is one decoded block; translated code leaves its block at a jal as well. */
static inline bool rv_op_ends_block(unsigned op)
{
    switch (op) {
    case RV_OP_JALR:
    case RV_OP_BEQ:
    case RV_OP_BNE:
    case RV_OP_BLT:
    case RV_OP_BGE:
    case RV_OP_BLTU:
    case RV_OP_BGEU:
    case RV_OP_ECALL:
    case RV_OP_EBREAK:
    case RV_OP_FENCE_I:
    case RV_OP_ILLEGAL:
        return true;
    }
    return false;
}

#endif
