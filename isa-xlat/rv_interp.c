/* rv_interp: the reference interpreter: runs decoded blocks; integer, branch and memory ops. */
#include "isa-xlat/rv_internal.h"

#include <stdlib.h>

#define X(r) (cpu->x[(r)])
#define SX32(v) ((uint64_t)(int64_t)(int32_t)(uint32_t)(v))

/* Division semantics of spec 13.2: no trap; x/0 = all ones, x%0 = x; overflow gives the
 * dividend for div and 0 for rem. */
static uint64_t div_s(int64_t a, int64_t b)
{
    if (b == 0)
        return UINT64_MAX;
    if (a == INT64_MIN && b == -1)
        return (uint64_t)a;
    return (uint64_t)(a / b);
}
static uint64_t rem_s(int64_t a, int64_t b)
{
    if (b == 0)
        return (uint64_t)a;
    if (a == INT64_MIN && b == -1)
        return 0;
    return (uint64_t)(a % b);
}
static uint64_t div_w(int32_t a, int32_t b)
{
    if (b == 0)
        return UINT64_MAX;
    if (a == INT32_MIN && b == -1)
        return SX32(a);
    return SX32(a / b);
}
static uint64_t rem_w(int32_t a, int32_t b)
{
    if (b == 0)
        return SX32(a);
    if (a == INT32_MIN && b == -1)
        return 0;
    return SX32(a % b);
}

/* Loads and stores: any alignment is allowed (Linux emulates misaligned accesses for user
 * code), but every byte must lie inside guest memory. */
#define LOAD(type, conv)                                                                           \
    do {                                                                                           \
        uint64_t a_ = X(in->rs1) + (uint64_t)(int64_t)in->imm;                                     \
        const void *h_ = rv_mem_host(mem, a_, sizeof(type));                                       \
        if (!h_)                                                                                   \
            return rv_trap(ex, RV_EXIT_LOAD_FAULT, pc, a_, in);                                    \
        type v_;                                                                                   \
        memcpy(&v_, h_, sizeof(v_));                                                               \
        X(in->rd) = conv(v_);                                                                      \
    } while (0)
#define STORE(type)                                                                                \
    do {                                                                                           \
        uint64_t a_ = X(in->rs1) + (uint64_t)(int64_t)in->imm;                                     \
        void *h_ = rv_mem_host(mem, a_, sizeof(type));                                             \
        if (!h_)                                                                                   \
            return rv_trap(ex, RV_EXIT_STORE_FAULT, pc, a_, in);                                   \
        type v_ = (type)X(in->rs2);                                                                \
        memcpy(h_, &v_, sizeof(v_));                                                               \
    } while (0)
#define S64(v) ((uint64_t)(int64_t)(v))
#define U64(v) ((uint64_t)(v))

#define BRANCH(cond)                                                                               \
    do {                                                                                           \
        if (cond)                                                                                  \
            npc = pc + (uint64_t)(int64_t)in->imm;                                                 \
    } while (0)

/* Execute one instruction at pc: 0 with *next the next pc, or the exit reason. */
static inline __attribute__((always_inline)) int step(struct rv_cpu *cpu, struct rv_mem *mem,
                                                      const struct rv_insn *in, uint64_t pc,
                                                      uint64_t *next, struct rv_exit *ex)
{
    uint64_t npc = pc + in->len;
    uint64_t s1 = X(in->rs1), s2 = X(in->rs2);
    int64_t imm = in->imm;
    int r;
    switch ((enum rv_op)in->op) {
    case RV_OP_ILLEGAL:
        return rv_trap(ex, RV_EXIT_ILLEGAL, pc, 0, in);
    case RV_OP_LUI:
        X(in->rd) = (uint64_t)imm;
        break;
    case RV_OP_AUIPC:
        X(in->rd) = pc + (uint64_t)imm;
        break;
    case RV_OP_JAL:
        X(in->rd) = npc;
        npc = pc + (uint64_t)imm;
        break;
    case RV_OP_JALR: /* target from the old rs1, which rd may overwrite (spec 2.5) */
        X(in->rd) = npc;
        npc = (s1 + (uint64_t)imm) & ~(uint64_t)1;
        break;
    case RV_OP_BEQ:
        BRANCH(s1 == s2);
        break;
    case RV_OP_BNE:
        BRANCH(s1 != s2);
        break;
    case RV_OP_BLT:
        BRANCH((int64_t)s1 < (int64_t)s2);
        break;
    case RV_OP_BGE:
        BRANCH((int64_t)s1 >= (int64_t)s2);
        break;
    case RV_OP_BLTU:
        BRANCH(s1 < s2);
        break;
    case RV_OP_BGEU:
        BRANCH(s1 >= s2);
        break;
    case RV_OP_LB:
        LOAD(int8_t, S64);
        break;
    case RV_OP_LH:
        LOAD(int16_t, S64);
        break;
    case RV_OP_LW:
        LOAD(int32_t, S64);
        break;
    case RV_OP_LD:
        LOAD(uint64_t, U64);
        break;
    case RV_OP_LBU:
        LOAD(uint8_t, U64);
        break;
    case RV_OP_LHU:
        LOAD(uint16_t, U64);
        break;
    case RV_OP_LWU:
        LOAD(uint32_t, U64);
        break;
    case RV_OP_SB:
        STORE(uint8_t);
        break;
    case RV_OP_SH:
        STORE(uint16_t);
        break;
    case RV_OP_SW:
        STORE(uint32_t);
        break;
    case RV_OP_SD:
        STORE(uint64_t);
        break;
    case RV_OP_ADDI:
        X(in->rd) = s1 + (uint64_t)imm;
        break;
    case RV_OP_SLTI:
        X(in->rd) = (int64_t)s1 < imm;
        break;
    case RV_OP_SLTIU:
        X(in->rd) = s1 < (uint64_t)imm;
        break;
    case RV_OP_XORI:
        X(in->rd) = s1 ^ (uint64_t)imm;
        break;
    case RV_OP_ORI:
        X(in->rd) = s1 | (uint64_t)imm;
        break;
    case RV_OP_ANDI:
        X(in->rd) = s1 & (uint64_t)imm;
        break;
    case RV_OP_SLLI:
        X(in->rd) = s1 << imm;
        break;
    case RV_OP_SRLI:
        X(in->rd) = s1 >> imm;
        break;
    case RV_OP_SRAI:
        X(in->rd) = (uint64_t)((int64_t)s1 >> imm);
        break;
    case RV_OP_ADD:
        X(in->rd) = s1 + s2;
        break;
    case RV_OP_SUB:
        X(in->rd) = s1 - s2;
        break;
    case RV_OP_SLL:
        X(in->rd) = s1 << (s2 & 63);
        break; /* shamt is rs2[5:0] (spec 4.2.2) */
    case RV_OP_SLT:
        X(in->rd) = (int64_t)s1 < (int64_t)s2;
        break;
    case RV_OP_SLTU:
        X(in->rd) = s1 < s2;
        break;
    case RV_OP_XOR:
        X(in->rd) = s1 ^ s2;
        break;
    case RV_OP_SRL:
        X(in->rd) = s1 >> (s2 & 63);
        break;
    case RV_OP_SRA:
        X(in->rd) = (uint64_t)((int64_t)s1 >> (s2 & 63));
        break;
    case RV_OP_OR:
        X(in->rd) = s1 | s2;
        break;
    case RV_OP_AND:
        X(in->rd) = s1 & s2;
        break;
    /* W forms operate on the low 32 bits and sign-extend the 32-bit result (spec 4.2). */
    case RV_OP_ADDIW:
        X(in->rd) = SX32(s1 + (uint64_t)imm);
        break;
    case RV_OP_SLLIW:
        X(in->rd) = SX32((uint32_t)s1 << imm);
        break;
    case RV_OP_SRLIW:
        X(in->rd) = SX32((uint32_t)s1 >> imm);
        break;
    case RV_OP_SRAIW:
        X(in->rd) = SX32((int32_t)s1 >> imm);
        break;
    case RV_OP_ADDW:
        X(in->rd) = SX32(s1 + s2);
        break;
    case RV_OP_SUBW:
        X(in->rd) = SX32(s1 - s2);
        break;
    case RV_OP_SLLW:
        X(in->rd) = SX32((uint32_t)s1 << (s2 & 31));
        break;
    case RV_OP_SRLW:
        X(in->rd) = SX32((uint32_t)s1 >> (s2 & 31));
        break;
    case RV_OP_SRAW:
        X(in->rd) = SX32((int32_t)s1 >> (s2 & 31));
        break;
    case RV_OP_FENCE:
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        break;
    case RV_OP_FENCE_I:
        /* Code written by this or another thread becomes visible: every thread's decoded
         * blocks go (spec 5.1; Linux makes it process-wide through riscv_flush_icache). */
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        rv_invalidate(mem, 0, UINT64_MAX);
        cpu->instret++;
        cpu->pc = npc;
        return rv_trap(ex, RV_EXIT_FENCE_I, pc, 0, in);
    case RV_OP_ECALL:
        return rv_trap(ex, RV_EXIT_ECALL, pc, 0, in);
    case RV_OP_EBREAK:
        return rv_trap(ex, RV_EXIT_EBREAK, pc, 0, in);
    case RV_OP_MUL:
        X(in->rd) = s1 * s2;
        break;
    case RV_OP_MULH:
        X(in->rd) = (uint64_t)(((__int128)(int64_t)s1 * (int64_t)s2) >> 64);
        break;
    case RV_OP_MULHSU:
        X(in->rd) = (uint64_t)(((__int128)(int64_t)s1 * (__int128)s2) >> 64);
        break;
    case RV_OP_MULHU:
        X(in->rd) = (uint64_t)(((unsigned __int128)s1 * s2) >> 64);
        break;
    case RV_OP_DIV:
        X(in->rd) = div_s((int64_t)s1, (int64_t)s2);
        break;
    case RV_OP_DIVU:
        X(in->rd) = s2 ? s1 / s2 : UINT64_MAX;
        break;
    case RV_OP_REM:
        X(in->rd) = rem_s((int64_t)s1, (int64_t)s2);
        break;
    case RV_OP_REMU:
        X(in->rd) = s2 ? s1 % s2 : s1;
        break;
    case RV_OP_MULW:
        X(in->rd) = SX32((uint32_t)s1 * (uint32_t)s2);
        break;
    case RV_OP_DIVW:
        X(in->rd) = div_w((int32_t)s1, (int32_t)s2);
        break;
    case RV_OP_DIVUW:
        X(in->rd) = (uint32_t)s2 ? SX32((uint32_t)s1 / (uint32_t)s2) : UINT64_MAX;
        break;
    case RV_OP_REMW:
        X(in->rd) = rem_w((int32_t)s1, (int32_t)s2);
        break;
    case RV_OP_REMUW:
        X(in->rd) = SX32((uint32_t)s2 ? (uint32_t)s1 % (uint32_t)s2 : (uint32_t)s1);
        break;
    case RV_OP_CSRRW:
    case RV_OP_CSRRS:
    case RV_OP_CSRRC:
    case RV_OP_CSRRWI:
    case RV_OP_CSRRSI:
    case RV_OP_CSRRCI:
        if ((r = rv_exec_csr(cpu, in, pc, ex)) != 0)
            return r;
        break;
    default:
        if (in->op >= RV_OP_ADD_UW) {
            rv_exec_bitmanip(cpu, in);
            break;
        }
        if (rv_op_is_amo(in->op))
            r = rv_exec_amo(cpu, mem, in, pc, ex);
        else
            r = rv_exec_fp(cpu, mem, in, pc, ex);
        if (r)
            return r;
        break;
    }
    *next = npc;
    return 0;
}

int rv_exec_one(struct rv_cpu *cpu, struct rv_mem *mem, const struct rv_insn *in, uint64_t pc,
                struct rv_exit *ex)
{
    uint64_t npc;
    int r = step(cpu, mem, in, pc, &npc, ex);
    X(0) = 0;
    return r;
}

/* The tier setting: -1 until read from the environment or set. */
static int tier_mode = -1;
static uint32_t tier_hot = RV_XLAT_HOT_DEFAULT;

void rv_set_tier(enum rv_tier tier, uint32_t hot)
{
    __atomic_store_n(&tier_hot, hot ? hot : 1, __ATOMIC_RELAXED);
    __atomic_store_n(&tier_mode, (int)tier, __ATOMIC_RELEASE);
}

enum rv_tier rv_get_tier(uint32_t *hot)
{
    int m = __atomic_load_n(&tier_mode, __ATOMIC_ACQUIRE);
    if (m < 0) {
        const char *t = getenv("VIV_XLAT_TIER"), *h = getenv("VIV_XLAT_HOT");
        enum rv_tier tier = RV_TIER_AUTO;
        if (t && strcmp(t, "interp") == 0)
            tier = RV_TIER_INTERP;
        else if (t && strcmp(t, "translate") == 0)
            tier = RV_TIER_TRANSLATE;
        unsigned long n = h && *h ? strtoul(h, NULL, 10) : RV_XLAT_HOT_DEFAULT;
        rv_set_tier(tier, n > UINT32_MAX ? UINT32_MAX : (uint32_t)n);
        m = (int)tier;
    }
    if (hot)
        *hot = __atomic_load_n(&tier_hot, __ATOMIC_RELAXED);
    return (enum rv_tier)m;
}

enum rv_exit_reason rv_run(struct rv_cpu *cpu, struct rv_mem *mem, struct rv_cache *cache,
                           uint64_t max_insns, struct rv_exit *ex)
{
    uint64_t start = cpu->instret, limit;
    if (__builtin_add_overflow(start, max_insns, &limit))
        limit = UINT64_MAX;
    uint32_t hot;
    enum rv_tier tier = rv_get_tier(&hot);
    if (tier == RV_TIER_TRANSLATE)
        hot = 1;
    X(0) = 0;
    rv_cache_attach(cache, mem, cpu);
    for (;;) {
        if (__builtin_expect(__atomic_load_n(&cpu->stop, __ATOMIC_ACQUIRE), 0)) {
            __atomic_store_n(&cpu->stop, 0, __ATOMIC_RELAXED);
            rv_trap(ex, RV_EXIT_STOP, cpu->pc, 0, NULL);
            return ex->reason;
        }
        if (cpu->instret - start >= max_insns) {
            rv_trap(ex, RV_EXIT_LIMIT, cpu->pc, 0, NULL);
            return ex->reason;
        }
        rv_cache_sync(cache, mem);
        struct rv_block *b = rv_cache_get(cache, mem, cpu->pc, ex);
        if (!b)
            return ex->reason;
        b->hits++;
        if (tier != RV_TIER_INTERP && !b->host_code && !b->xlat_failed && b->hits >= hot &&
            !rv_cache_translate(cache, mem, b))
            continue; /* the cache was emptied to make room: look the block up again */
        int r = tier != RV_TIER_INTERP && b->host_code
                    ? rv_cache_exec(cache, cpu, mem, b, limit, ex)
                    : rv_cache_interp(cache, cpu, mem, b, limit,
                                      tier == RV_TIER_INTERP ? UINT32_MAX : hot, ex);
        if (r != 0)
            return ex->reason;
    }
}

const char *rv_exit_name(enum rv_exit_reason reason)
{
    static const char *const names[] = {
        [RV_EXIT_ECALL] = "ecall",
        [RV_EXIT_EBREAK] = "ebreak",
        [RV_EXIT_ILLEGAL] = "illegal instruction",
        [RV_EXIT_FETCH_FAULT] = "instruction fetch fault",
        [RV_EXIT_LOAD_FAULT] = "load fault",
        [RV_EXIT_STORE_FAULT] = "store fault",
        [RV_EXIT_MISALIGNED] = "misaligned atomic access",
        [RV_EXIT_FENCE_I] = "fence.i",
        [RV_EXIT_LIMIT] = "instruction limit",
        [RV_EXIT_STOP] = "stop requested",
    };
    if ((unsigned)reason < sizeof(names) / sizeof(names[0]) && names[reason])
        return names[reason];
    return "?";
}
