/* rv_translate_m: translation of the M extension: multiplication and trap-free division. */
#include "isa-xlat/rv_translate.h"

/* High products: the one-operand MUL/IMUL leave the 128-bit product in rdx:rax. MULHSU is the
 * unsigned high word minus rs2 when rs1 is negative (rs1 = u - 2^64 for rs1 < 0). */
static void mul_high(struct tr *t, const struct rv_insn *in)
{
    rv_tr_get(t, X86_RAX, in->rs1);
    rv_tr_get(t, X86_RCX, in->rs2);
    if (in->op == RV_OP_MULH) {
        x86_grp3(&t->b, X86_IMUL1, 64, X86_RCX);
    } else if (in->op == RV_OP_MULHU) {
        x86_grp3(&t->b, X86_MUL, 64, X86_RCX);
    } else {
        x86_grp3(&t->b, X86_MUL, 64, X86_RCX);
        rv_tr_get(t, X86_RAX, in->rs1); /* the low product is not needed */
        x86_shift_ri(&t->b, X86_SAR, 64, X86_RAX, 63);
        x86_alu_rr(&t->b, X86_AND, 64, X86_RAX, X86_RCX);
        x86_alu_rr(&t->b, X86_SUB, 64, X86_RDX, X86_RAX);
    }
    rv_tr_set(t, in->rd, X86_RDX);
}

/* Division without traps (spec 13.2, table 13.1): x/0 = -1 and x%0 = x; the signed overflow
 * -2^(L-1) / -1 gives the dividend and remainder 0. x86 DIV/IDIV raise #DE for both (SDM vol.
 * 2, "IDIV"), so the divisors 0 and -1 are taken aside; -1 gives -x (which wraps to the dividend
 * for the most negative one) and remainder 0. */
static void divide(struct tr *t, const struct rv_insn *in)
{
    unsigned op = in->op;
    bool w = op >= RV_OP_DIVW;
    int bits = w ? 32 : 64;
    bool rem = op == RV_OP_REM || op == RV_OP_REMU || op == RV_OP_REMW || op == RV_OP_REMUW;
    bool sign = op == RV_OP_DIV || op == RV_OP_REM || op == RV_OP_DIVW || op == RV_OP_REMW;
    struct x86_buf *b = &t->b;
    rv_tr_get(t, X86_RAX, in->rs1);
    rv_tr_get(t, X86_RCX, in->rs2);
    x86_test_rr(b, bits, X86_RCX, X86_RCX);
    size_t nonzero = x86_jcc(b, X86_CC_NE, -1);
    if (!rem)
        x86_mov_ri(b, X86_RAX, UINT64_MAX);
    else if (w)
        x86_movsx_rr(b, 64, 32, X86_RAX, X86_RAX);
    size_t done0 = x86_jmp(b, -1), done1 = 0;
    x86_patch(b, nonzero);
    if (sign) {
        x86_alu_ri(b, X86_CMP, bits, X86_RCX, -1);
        size_t other = x86_jcc(b, X86_CC_NE, -1);
        if (rem) {
            x86_alu_rr(b, X86_XOR, 32, X86_RAX, X86_RAX);
        } else {
            x86_grp3(b, X86_NEG, bits, X86_RAX);
            if (w)
                x86_movsx_rr(b, 64, 32, X86_RAX, X86_RAX);
        }
        done1 = x86_jmp(b, -1);
        x86_patch(b, other);
        if (w)
            x86_cdq(b);
        else
            x86_cqo(b);
        x86_grp3(b, X86_IDIV, bits, X86_RCX);
    } else {
        x86_alu_rr(b, X86_XOR, 32, X86_RDX, X86_RDX);
        x86_grp3(b, X86_DIV, bits, X86_RCX);
    }
    if (w)
        x86_movsx_rr(b, 64, 32, X86_RAX, rem ? X86_RDX : X86_RAX);
    else if (rem)
        x86_mov_rr(b, 64, X86_RAX, X86_RDX);
    x86_patch(b, done0);
    if (sign)
        x86_patch(b, done1);
    rv_tr_set(t, in->rd, X86_RAX);
}

bool rv_tr_muldiv(struct tr *t, const struct rv_insn *in)
{
    switch ((enum rv_op)in->op) {
    case RV_OP_MUL:
    case RV_OP_MULW: {
        /* in rd's own register when it is pinned; rs2 first, in case rd is rs2 */
        int d = rv_tr_dst(in->rd);
        rv_tr_get(t, X86_RCX, in->rs2);
        if (in->rs1 == 0 || rv_tr_pin[in->rs1] != d)
            rv_tr_get(t, d, in->rs1);
        x86_imul_rr(&t->b, in->op == RV_OP_MUL ? 64 : 32, d, X86_RCX);
        if (in->op == RV_OP_MULW) /* the low 32 bits, sign-extended (spec 13.1) */
            x86_movsx_rr(&t->b, 64, 32, d, d);
        rv_tr_set(t, in->rd, d);
        return true;
    }
    case RV_OP_MULH:
    case RV_OP_MULHSU:
    case RV_OP_MULHU:
        mul_high(t, in);
        return true;
    case RV_OP_DIV:
    case RV_OP_DIVU:
    case RV_OP_REM:
    case RV_OP_REMU:
    case RV_OP_DIVW:
    case RV_OP_DIVUW:
    case RV_OP_REMW:
    case RV_OP_REMUW:
        divide(t, in);
        return true;
    default:
        return false;
    }
}
