/* rv_translate_b: Zba and Zbb (bit-manipulation spec 1.0) to x86-64, as rv_bitmanip.c runs
 * them; orc.b, and cpop without the host's POPCNT, are left to the helper. */
#include "isa-xlat/rv_translate.h"

/* rax = rs1, rcx = rs2 (rs2 first: reading it never disturbs rax). */
static void both(struct tr *t, const struct rv_insn *in)
{
    rv_tr_get(t, X86_RCX, in->rs2);
    rv_tr_get(t, X86_RAX, in->rs1);
}

static void done(struct tr *t, const struct rv_insn *in, int bits)
{
    if (bits == 32) /* W results sign-extended */
        x86_movsx_rr(&t->b, 64, 32, X86_RAX, X86_RAX);
    rv_tr_set(t, in->rd, X86_RAX);
}

/* rax = (rs1 zero-extended from 32 bits when uw) << n, + rs2. */
static void shift_add(struct tr *t, const struct rv_insn *in, unsigned n, bool uw)
{
    both(t, in);
    if (uw)
        x86_mov_rr(&t->b, 32, X86_RAX, X86_RAX);
    if (n)
        x86_shift_ri(&t->b, X86_SHL, 64, X86_RAX, (uint8_t)n);
    x86_alu_rr(&t->b, X86_ADD, 64, X86_RAX, X86_RCX);
    done(t, in, 64);
}

/* rax = rs1, replaced by rs2 under cc (rs1 against rs2): max takes rs2 when rs1 <= rs2. */
static void minmax(struct tr *t, const struct rv_insn *in, enum x86_cc take_rs2)
{
    both(t, in);
    x86_alu_rr(&t->b, X86_CMP, 64, X86_RAX, X86_RCX);
    x86_cmov(&t->b, take_rs2, 64, X86_RAX, X86_RCX);
    done(t, in, 64);
}

/* clz and ctz by bsr and bsf, whose zero source sets ZF: it gives the width instead. clz is
 * (width - 1) - bsr = bsr ^ (width - 1); for zero, (2 * width - 1) ^ (width - 1) = width. */
static void count_zeros(struct tr *t, const struct rv_insn *in, bool leading, int bits)
{
    struct x86_buf *b = &t->b;
    rv_tr_get(t, X86_RAX, in->rs1);
    if (leading)
        x86_bsr(b, bits, X86_RAX, X86_RAX);
    else
        x86_bsf(b, bits, X86_RAX, X86_RAX);
    x86_mov_ri(b, X86_RCX, leading ? (uint64_t)(2 * bits - 1) : (uint64_t)bits);
    x86_cmov(b, X86_CC_E, 64, X86_RAX, X86_RCX);
    if (leading)
        x86_alu_ri(b, X86_XOR, 64, X86_RAX, bits - 1);
    x86_mov_rr(b, 32, X86_RAX, X86_RAX); /* bsf/bsr of 32 bits leave the upper half open */
    rv_tr_set(t, in->rd, X86_RAX);
}

static void rotate(struct tr *t, const struct rv_insn *in, enum x86_shift op, int bits, bool imm)
{
    if (imm) {
        rv_tr_get(t, X86_RAX, in->rs1);
        x86_shift_ri(&t->b, op, bits, X86_RAX, (uint8_t)in->imm);
    } else { /* x86 masks cl to 6 (5) bits: rs2[5:0] (rs2[4:0]) as the spec reads it */
        both(t, in);
        x86_shift_cl(&t->b, op, bits, X86_RAX);
    }
    done(t, in, bits);
}

bool rv_tr_bitmanip(struct tr *t, const struct rv_insn *in)
{
    struct x86_buf *b = &t->b;
    switch ((enum rv_op)in->op) {
    case RV_OP_ADD_UW:
        shift_add(t, in, 0, true);
        return true;
    case RV_OP_SH1ADD:
    case RV_OP_SH2ADD:
    case RV_OP_SH3ADD:
        shift_add(t, in, 1 + (unsigned)(in->op - RV_OP_SH1ADD), false);
        return true;
    case RV_OP_SH1ADD_UW:
    case RV_OP_SH2ADD_UW:
    case RV_OP_SH3ADD_UW:
        shift_add(t, in, 1 + (unsigned)(in->op - RV_OP_SH1ADD_UW), true);
        return true;
    case RV_OP_SLLI_UW:
        rv_tr_get(t, X86_RAX, in->rs1);
        x86_mov_rr(b, 32, X86_RAX, X86_RAX);
        if (in->imm)
            x86_shift_ri(b, X86_SHL, 64, X86_RAX, (uint8_t)in->imm);
        done(t, in, 64);
        return true;
    case RV_OP_ANDN:
    case RV_OP_ORN:
        both(t, in);
        x86_grp3(b, X86_NOT, 64, X86_RCX);
        x86_alu_rr(b, in->op == RV_OP_ANDN ? X86_AND : X86_OR, 64, X86_RAX, X86_RCX);
        done(t, in, 64);
        return true;
    case RV_OP_XNOR:
        both(t, in);
        x86_alu_rr(b, X86_XOR, 64, X86_RAX, X86_RCX);
        x86_grp3(b, X86_NOT, 64, X86_RAX);
        done(t, in, 64);
        return true;
    case RV_OP_CLZ:
    case RV_OP_CLZW:
        count_zeros(t, in, true, in->op == RV_OP_CLZ ? 64 : 32);
        return true;
    case RV_OP_CTZ:
    case RV_OP_CTZW:
        count_zeros(t, in, false, in->op == RV_OP_CTZ ? 64 : 32);
        return true;
    case RV_OP_CPOP:
    case RV_OP_CPOPW:
        if (!x86_host_has(X86_FEAT_POPCNT))
            return false;
        rv_tr_get(t, X86_RAX, in->rs1);
        x86_popcnt(b, in->op == RV_OP_CPOP ? 64 : 32, X86_RAX, X86_RAX);
        rv_tr_set(t, in->rd, X86_RAX);
        return true;
    case RV_OP_MAX:
        minmax(t, in, X86_CC_LE);
        return true;
    case RV_OP_MAXU:
        minmax(t, in, X86_CC_BE);
        return true;
    case RV_OP_MIN:
        minmax(t, in, X86_CC_GE);
        return true;
    case RV_OP_MINU:
        minmax(t, in, X86_CC_AE);
        return true;
    case RV_OP_SEXT_B:
    case RV_OP_SEXT_H:
        rv_tr_get(t, X86_RAX, in->rs1);
        x86_movsx_rr(b, 64, in->op == RV_OP_SEXT_B ? 8 : 16, X86_RAX, X86_RAX);
        done(t, in, 64);
        return true;
    case RV_OP_ZEXT_H:
        rv_tr_get(t, X86_RAX, in->rs1);
        x86_movzx_rr(b, 16, X86_RAX, X86_RAX);
        done(t, in, 64);
        return true;
    case RV_OP_ROL:
    case RV_OP_ROLW:
        rotate(t, in, X86_ROL, in->op == RV_OP_ROL ? 64 : 32, false);
        return true;
    case RV_OP_ROR:
    case RV_OP_RORW:
        rotate(t, in, X86_ROR, in->op == RV_OP_ROR ? 64 : 32, false);
        return true;
    case RV_OP_RORI:
    case RV_OP_RORIW:
        rotate(t, in, X86_ROR, in->op == RV_OP_RORI ? 64 : 32, true);
        return true;
    case RV_OP_REV8:
        rv_tr_get(t, X86_RAX, in->rs1);
        x86_bswap64(b, X86_RAX);
        done(t, in, 64);
        return true;
    default:
        return false; /* orc.b and anything else: the helper */
    }
}
