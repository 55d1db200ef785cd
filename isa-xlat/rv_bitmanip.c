/* rv_bitmanip: the Zba (address generation) and Zbb (basic bit manipulation) instructions. */
#include "isa-xlat/rv_internal.h"

#define X(r) (cpu->x[(r)])
#define SX32(v) ((uint64_t)(int64_t)(int32_t)(uint32_t)(v))

static uint64_t rol64(uint64_t v, unsigned s)
{
    s &= 63;
    return s ? (v << s) | (v >> (64 - s)) : v;
}
static uint32_t rol32(uint32_t v, unsigned s)
{
    s &= 31;
    return s ? (v << s) | (v >> (32 - s)) : v;
}

static uint64_t orc_b(uint64_t v)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 64; i += 8)
        if ((v >> i) & 0xff)
            r |= (uint64_t)0xff << i;
    return r;
}

void rv_exec_bitmanip(struct rv_cpu *cpu, const struct rv_insn *in)
{
    uint64_t s1 = X(in->rs1), s2 = X(in->rs2);
    int64_t imm = in->imm;
    switch ((enum rv_op)in->op) {
        /* Zba (bit-manipulation spec 1.0, chapter 2.1). */
    case RV_OP_ADD_UW:
        X(in->rd) = (uint32_t)s1 + s2;
        break;
    case RV_OP_SH1ADD:
        X(in->rd) = (s1 << 1) + s2;
        break;
    case RV_OP_SH2ADD:
        X(in->rd) = (s1 << 2) + s2;
        break;
    case RV_OP_SH3ADD:
        X(in->rd) = (s1 << 3) + s2;
        break;
    case RV_OP_SH1ADD_UW:
        X(in->rd) = ((uint64_t)(uint32_t)s1 << 1) + s2;
        break;
    case RV_OP_SH2ADD_UW:
        X(in->rd) = ((uint64_t)(uint32_t)s1 << 2) + s2;
        break;
    case RV_OP_SH3ADD_UW:
        X(in->rd) = ((uint64_t)(uint32_t)s1 << 3) + s2;
        break;
    case RV_OP_SLLI_UW:
        X(in->rd) = (uint64_t)(uint32_t)s1 << imm;
        break;
        /* Zbb. */
    case RV_OP_ANDN:
        X(in->rd) = s1 & ~s2;
        break;
    case RV_OP_ORN:
        X(in->rd) = s1 | ~s2;
        break;
    case RV_OP_XNOR:
        X(in->rd) = ~(s1 ^ s2);
        break;
    case RV_OP_CLZ:
        X(in->rd) = s1 ? (uint64_t)__builtin_clzll(s1) : 64;
        break;
    case RV_OP_CLZW:
        X(in->rd) = (uint32_t)s1 ? (uint64_t)__builtin_clz((uint32_t)s1) : 32;
        break;
    case RV_OP_CTZ:
        X(in->rd) = s1 ? (uint64_t)__builtin_ctzll(s1) : 64;
        break;
    case RV_OP_CTZW:
        X(in->rd) = (uint32_t)s1 ? (uint64_t)__builtin_ctz((uint32_t)s1) : 32;
        break;
    case RV_OP_CPOP:
        X(in->rd) = (uint64_t)__builtin_popcountll(s1);
        break;
    case RV_OP_CPOPW:
        X(in->rd) = (uint64_t)__builtin_popcount((uint32_t)s1);
        break;
    case RV_OP_MAX:
        X(in->rd) = (int64_t)s1 > (int64_t)s2 ? s1 : s2;
        break;
    case RV_OP_MAXU:
        X(in->rd) = s1 > s2 ? s1 : s2;
        break;
    case RV_OP_MIN:
        X(in->rd) = (int64_t)s1 < (int64_t)s2 ? s1 : s2;
        break;
    case RV_OP_MINU:
        X(in->rd) = s1 < s2 ? s1 : s2;
        break;
    case RV_OP_SEXT_B:
        X(in->rd) = (uint64_t)(int64_t)(int8_t)s1;
        break;
    case RV_OP_SEXT_H:
        X(in->rd) = (uint64_t)(int64_t)(int16_t)s1;
        break;
    case RV_OP_ZEXT_H:
        X(in->rd) = (uint16_t)s1;
        break;
    case RV_OP_ROL:
        X(in->rd) = rol64(s1, (unsigned)s2);
        break;
    case RV_OP_ROR:
        X(in->rd) = rol64(s1, (unsigned)(64 - (s2 & 63)));
        break;
    case RV_OP_RORI:
        X(in->rd) = rol64(s1, (unsigned)(64 - imm));
        break;
    case RV_OP_ROLW:
        X(in->rd) = SX32(rol32((uint32_t)s1, (unsigned)s2));
        break;
    case RV_OP_RORW:
        X(in->rd) = SX32(rol32((uint32_t)s1, (unsigned)(32 - (s2 & 31))));
        break;
    case RV_OP_RORIW:
        X(in->rd) = SX32(rol32((uint32_t)s1, (unsigned)(32 - imm)));
        break;
    case RV_OP_ORC_B:
        X(in->rd) = orc_b(s1);
        break;
    case RV_OP_REV8:
        X(in->rd) = __builtin_bswap64(s1);
        break;
    default:
        break;
    }
}
