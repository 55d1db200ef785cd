/* rv_decode: 32-bit RV64 words (I, M, A, F, D, Zicsr, Zifencei, Zba, Zbb) to rv_insn. */
#include "isa-xlat/rv_internal.h"

#define BITS(w, hi, lo) (((w) >> (lo)) & ((1u << ((hi) - (lo) + 1)) - 1))

/* Sign-extend the low n bits of v (two's complement, without shifting negative values). */
static int32_t sext(uint32_t v, unsigned n)
{
    uint32_t m = 1u << (n - 1);
    return (int32_t)((v ^ m) - m);
}
static int32_t imm_i(uint32_t w)
{
    return sext(BITS(w, 31, 20), 12);
}
static int32_t imm_s(uint32_t w)
{
    return sext(BITS(w, 31, 25) << 5 | BITS(w, 11, 7), 12);
}
static int32_t imm_b(uint32_t w)
{
    return sext(BITS(w, 31, 31) << 12 | BITS(w, 7, 7) << 11 | BITS(w, 30, 25) << 5 |
                    BITS(w, 11, 8) << 1,
                13);
}
static int32_t imm_j(uint32_t w)
{
    return sext(BITS(w, 31, 31) << 20 | BITS(w, 19, 12) << 12 | BITS(w, 20, 20) << 11 |
                    BITS(w, 30, 21) << 1,
                21);
}

/* OP (0110011) and OP-32 (0111011): register-register forms keyed by funct7 and funct3. */
static unsigned op_reg(uint32_t f7, uint32_t f3, bool w32)
{
    static const uint16_t base[8] = {RV_OP_ADD, RV_OP_SLL, RV_OP_SLT, RV_OP_SLTU,
                                     RV_OP_XOR, RV_OP_SRL, RV_OP_OR,  RV_OP_AND};
    static const uint16_t mul[8] = {RV_OP_MUL, RV_OP_MULH, RV_OP_MULHSU, RV_OP_MULHU,
                                    RV_OP_DIV, RV_OP_DIVU, RV_OP_REM,    RV_OP_REMU};
    static const uint16_t mulw[8] = {RV_OP_MULW, 0,           0,          0,
                                     RV_OP_DIVW, RV_OP_DIVUW, RV_OP_REMW, RV_OP_REMUW};
    if (!w32) {
        switch (f7) {
        case 0x00:
            return base[f3];
        case 0x01:
            return mul[f3];
        case 0x20:
            return f3 == 0   ? RV_OP_SUB
                   : f3 == 5 ? RV_OP_SRA
                   : f3 == 4 ? RV_OP_XNOR
                   : f3 == 6 ? RV_OP_ORN
                   : f3 == 7 ? RV_OP_ANDN
                             : RV_OP_ILLEGAL;
        case 0x10:
            return f3 == 2   ? RV_OP_SH1ADD
                   : f3 == 4 ? RV_OP_SH2ADD
                   : f3 == 6 ? RV_OP_SH3ADD
                             : RV_OP_ILLEGAL;
        case 0x05: {
            static const uint16_t mm[8] = {0,         0,          0,         0,
                                           RV_OP_MIN, RV_OP_MINU, RV_OP_MAX, RV_OP_MAXU};
            return mm[f3];
        }
        case 0x30:
            return f3 == 1 ? RV_OP_ROL : f3 == 5 ? RV_OP_ROR : RV_OP_ILLEGAL;
        }
        return RV_OP_ILLEGAL;
    }
    switch (f7) {
    case 0x00:
        return f3 == 0 ? RV_OP_ADDW : f3 == 1 ? RV_OP_SLLW : f3 == 5 ? RV_OP_SRLW : RV_OP_ILLEGAL;
    case 0x01:
        return mulw[f3];
    case 0x20:
        return f3 == 0 ? RV_OP_SUBW : f3 == 5 ? RV_OP_SRAW : RV_OP_ILLEGAL;
    case 0x04:
        return f3 == 0 ? RV_OP_ADD_UW : RV_OP_ILLEGAL; /* zext.h needs rs2 == 0 */
    case 0x10:
        return f3 == 2   ? RV_OP_SH1ADD_UW
               : f3 == 4 ? RV_OP_SH2ADD_UW
               : f3 == 6 ? RV_OP_SH3ADD_UW
                         : RV_OP_ILLEGAL;
    case 0x30:
        return f3 == 1 ? RV_OP_ROLW : f3 == 5 ? RV_OP_RORW : RV_OP_ILLEGAL;
    }
    return RV_OP_ILLEGAL;
}

/* OP-IMM (0010011): shifts take a 6-bit shamt on RV64; the upper immediate bits select the Zbb
 * unary operations (clz/ctz/cpop/sext.b/sext.h, orc.b, rev8, rori). */
static unsigned op_imm(uint32_t w, uint32_t f3, struct rv_insn *d)
{
    uint32_t hi6 = BITS(w, 31, 26), imm12 = BITS(w, 31, 20);
    switch (f3) {
    case 0:
        return RV_OP_ADDI;
    case 2:
        return RV_OP_SLTI;
    case 3:
        return RV_OP_SLTIU;
    case 4:
        return RV_OP_XORI;
    case 6:
        return RV_OP_ORI;
    case 7:
        return RV_OP_ANDI;
    case 1:
        if (hi6 == 0) {
            d->imm = (int32_t)BITS(w, 25, 20);
            return RV_OP_SLLI;
        }
        switch (imm12) {
        case 0x600:
            return RV_OP_CLZ;
        case 0x601:
            return RV_OP_CTZ;
        case 0x602:
            return RV_OP_CPOP;
        case 0x604:
            return RV_OP_SEXT_B;
        case 0x605:
            return RV_OP_SEXT_H;
        }
        return RV_OP_ILLEGAL;
    default: /* 5 */
        d->imm = (int32_t)BITS(w, 25, 20);
        if (hi6 == 0x00)
            return RV_OP_SRLI;
        if (hi6 == 0x10)
            return RV_OP_SRAI;
        if (hi6 == 0x18)
            return RV_OP_RORI;
        if (imm12 == 0x287)
            return RV_OP_ORC_B;
        if (imm12 == 0x6b8)
            return RV_OP_REV8;
        return RV_OP_ILLEGAL;
    }
}

/* OP-IMM-32 (0011011): W shifts have a 5-bit shamt; imm[25] set is reserved (spec 4.2). */
static unsigned op_imm32(uint32_t w, uint32_t f3, struct rv_insn *d)
{
    uint32_t f7 = BITS(w, 31, 25), imm12 = BITS(w, 31, 20);
    if (f3 == 0)
        return RV_OP_ADDIW;
    if (f3 == 1) {
        if (BITS(w, 31, 26) == 0x02) { /* slli.uw: 6-bit shamt */
            d->imm = (int32_t)BITS(w, 25, 20);
            return RV_OP_SLLI_UW;
        }
        switch (imm12) {
        case 0x600:
            return RV_OP_CLZW;
        case 0x601:
            return RV_OP_CTZW;
        case 0x602:
            return RV_OP_CPOPW;
        }
        d->imm = (int32_t)BITS(w, 24, 20);
        return f7 == 0 ? RV_OP_SLLIW : RV_OP_ILLEGAL;
    }
    if (f3 == 5) {
        d->imm = (int32_t)BITS(w, 24, 20);
        return f7 == 0x00   ? RV_OP_SRLIW
               : f7 == 0x20 ? RV_OP_SRAIW
               : f7 == 0x30 ? RV_OP_RORIW
                            : RV_OP_ILLEGAL;
    }
    return RV_OP_ILLEGAL;
}

/* AMO (0101111): funct5 selects the operation, funct3 2/3 the width; LR needs rs2 == 0. */
static unsigned op_amo(uint32_t w, uint32_t f3)
{
    /* Position in the LR..AMOMAXU run of enum rv_op, plus one; 0 marks a reserved funct5. */
    static const uint8_t idx[32] = {
        [0x02] = 1, [0x03] = 2, [0x01] = 3, [0x00] = 4,  [0x04] = 5, [0x0c] = 6,
        [0x08] = 7, [0x10] = 8, [0x14] = 9, [0x18] = 10, [0x1c] = 11};
    uint32_t f5 = BITS(w, 31, 27);
    if ((f3 != 2 && f3 != 3) || idx[f5] == 0)
        return RV_OP_ILLEGAL;
    if (f5 == 0x02 && BITS(w, 24, 20) != 0)
        return RV_OP_ILLEGAL;
    return (f3 == 2 ? RV_OP_LR_W : RV_OP_LR_D) + idx[f5] - 1u;
}

/* Static rounding modes 5 and 6 are reserved (spec 11.2); 7 is checked against frm when run. */
static bool rm_ok(uint32_t rm)
{
    return rm != 5 && rm != 6;
}

/* OP-FP (1010011). Single and double forms sit at the same distance in enum rv_op. */
static unsigned op_fp(uint32_t w)
{
    uint32_t f7 = BITS(w, 31, 25), fmt = f7 & 3, f5 = f7 >> 2, rm = BITS(w, 14, 12);
    uint32_t rs2 = BITS(w, 24, 20);
    unsigned dd = RV_OP_FADD_D - RV_OP_FADD_S;
    if (fmt > 1)
        return RV_OP_ILLEGAL; /* H and Q are not part of RV64GC */
    unsigned sd = fmt ? dd : 0;
    switch (f5) {
    case 0x00:
        return rm_ok(rm) ? RV_OP_FADD_S + sd : RV_OP_ILLEGAL;
    case 0x01:
        return rm_ok(rm) ? RV_OP_FSUB_S + sd : RV_OP_ILLEGAL;
    case 0x02:
        return rm_ok(rm) ? RV_OP_FMUL_S + sd : RV_OP_ILLEGAL;
    case 0x03:
        return rm_ok(rm) ? RV_OP_FDIV_S + sd : RV_OP_ILLEGAL;
    case 0x0b:
        return rm_ok(rm) && rs2 == 0 ? RV_OP_FSQRT_S + sd : RV_OP_ILLEGAL;
    case 0x04:
        return rm <= 2 ? RV_OP_FSGNJ_S + sd + rm : RV_OP_ILLEGAL;
    case 0x05:
        return rm <= 1 ? RV_OP_FMIN_S + sd + rm : RV_OP_ILLEGAL;
    case 0x08: /* fcvt.s.d (fmt S, rs2 1) and fcvt.d.s (fmt D, rs2 0) */
        if (!rm_ok(rm) || rs2 != (fmt ? 0u : 1u))
            return RV_OP_ILLEGAL;
        return fmt ? RV_OP_FCVT_D_S : RV_OP_FCVT_S_D;
    case 0x14:
        return rm == 2   ? RV_OP_FEQ_S + sd
               : rm == 1 ? RV_OP_FLT_S + sd
               : rm == 0 ? RV_OP_FLE_S + sd
                         : RV_OP_ILLEGAL;
    case 0x18:
        return rm_ok(rm) && rs2 <= 3 ? RV_OP_FCVT_W_S + sd + rs2 : RV_OP_ILLEGAL;
    case 0x1a:
        if (!rm_ok(rm) || rs2 > 3)
            return RV_OP_ILLEGAL;
        return (rs2 == 0   ? RV_OP_FCVT_S_W
                : rs2 == 1 ? RV_OP_FCVT_S_WU
                : rs2 == 2 ? RV_OP_FCVT_S_L
                           : RV_OP_FCVT_S_LU) +
               sd;
    case 0x1c:
        if (rs2 != 0)
            return RV_OP_ILLEGAL;
        return rm == 0 ? RV_OP_FMV_X_W + sd : rm == 1 ? RV_OP_FCLASS_S + sd : RV_OP_ILLEGAL;
    case 0x1e:
        return rs2 == 0 && rm == 0 ? RV_OP_FMV_W_X + sd : RV_OP_ILLEGAL;
    }
    return RV_OP_ILLEGAL;
}

static unsigned op_system(uint32_t w, uint32_t f3, struct rv_insn *d)
{
    if (f3 == 0) {
        /* Only ecall and ebreak exist in user mode; the rest (mret, wfi, sfence...) trap. */
        if (w == 0x00000073)
            return RV_OP_ECALL;
        if (w == 0x00100073)
            return RV_OP_EBREAK;
        return RV_OP_ILLEGAL;
    }
    if (f3 == 4)
        return RV_OP_ILLEGAL;
    d->imm = (int32_t)BITS(w, 31, 20); /* CSR number; user CSRs are checked when run */
    static const uint16_t csr[8] = {0, RV_OP_CSRRW,  RV_OP_CSRRS,  RV_OP_CSRRC,
                                    0, RV_OP_CSRRWI, RV_OP_CSRRSI, RV_OP_CSRRCI};
    return csr[f3];
}

void rv_decode32(uint32_t w, struct rv_insn *d)
{
    uint32_t f3 = BITS(w, 14, 12);
    unsigned op = RV_OP_ILLEGAL;
    memset(d, 0, sizeof(*d));
    d->len = 4;
    d->raw = w;
    d->rd = (uint8_t)BITS(w, 11, 7);
    d->rs1 = (uint8_t)BITS(w, 19, 15);
    d->rs2 = (uint8_t)BITS(w, 24, 20);
    d->rs3 = (uint8_t)BITS(w, 31, 27);
    d->rm = (uint8_t)f3;
    switch (w & 0x7f) {
    case 0x37:
        op = RV_OP_LUI;
        d->imm = (int32_t)(w & 0xfffff000u);
        break;
    case 0x17:
        op = RV_OP_AUIPC;
        d->imm = (int32_t)(w & 0xfffff000u);
        break;
    case 0x6f:
        op = RV_OP_JAL;
        d->imm = imm_j(w);
        break;
    case 0x67:
        op = f3 == 0 ? RV_OP_JALR : RV_OP_ILLEGAL;
        d->imm = imm_i(w);
        break;
    case 0x63: {
        static const uint16_t br[8] = {RV_OP_BEQ, RV_OP_BNE, 0,          0,
                                       RV_OP_BLT, RV_OP_BGE, RV_OP_BLTU, RV_OP_BGEU};
        op = br[f3];
        d->imm = imm_b(w);
        break;
    }
    case 0x03: {
        static const uint16_t ld[8] = {RV_OP_LB,  RV_OP_LH,  RV_OP_LW,  RV_OP_LD,
                                       RV_OP_LBU, RV_OP_LHU, RV_OP_LWU, 0};
        op = ld[f3];
        d->imm = imm_i(w);
        break;
    }
    case 0x23:
        op = f3 <= 3 ? RV_OP_SB + f3 : RV_OP_ILLEGAL;
        d->imm = imm_s(w);
        break;
    case 0x13:
        d->imm = imm_i(w);
        op = op_imm(w, f3, d);
        break;
    case 0x1b:
        d->imm = imm_i(w);
        op = op_imm32(w, f3, d);
        break;
    case 0x33:
        op = op_reg(BITS(w, 31, 25), f3, false);
        break;
    case 0x3b:
        op = op_reg(BITS(w, 31, 25), f3, true);
        if (BITS(w, 31, 25) == 0x04 && f3 == 4 && d->rs2 == 0)
            op = RV_OP_ZEXT_H;
        break;
    case 0x0f:
        /* Unknown fence fields are reserved for future use and run as a full fence
         * (spec 2.7); fence.i's imm and registers are likewise ignored (spec 3.1). */
        op = f3 == 0 ? RV_OP_FENCE : f3 == 1 ? RV_OP_FENCE_I : RV_OP_ILLEGAL;
        break;
    case 0x73:
        op = op_system(w, f3, d);
        break;
    case 0x2f:
        op = op_amo(w, f3);
        d->rm = (uint8_t)BITS(w, 26, 25);
        break;
    case 0x07:
        op = f3 == 2 ? RV_OP_FLW : f3 == 3 ? RV_OP_FLD : RV_OP_ILLEGAL;
        d->imm = imm_i(w);
        break;
    case 0x27:
        op = f3 == 2 ? RV_OP_FSW : f3 == 3 ? RV_OP_FSD : RV_OP_ILLEGAL;
        d->imm = imm_s(w);
        break;
    case 0x43:
    case 0x47:
    case 0x4b:
    case 0x4f: {
        uint32_t fmt = BITS(w, 26, 25);
        if (fmt <= 1 && rm_ok(f3))
            op = (fmt ? RV_OP_FMADD_D : RV_OP_FMADD_S) + ((w & 0x7f) - 0x43) / 4;
        break;
    }
    case 0x53:
        op = op_fp(w);
        break;
    }
    if (op == 0)
        op = RV_OP_ILLEGAL;
    d->op = (uint16_t)op;
    /* Clear the fields a format does not have, so that consumers (and comparisons with the
     * compressed expansions) see only real register operands. */
    switch (w & 0x7f) {
    case 0x23:
    case 0x27:
    case 0x63:
        d->rd = 0;
        d->rs3 = 0;
        break; /* S, B */
    case 0x37:
    case 0x17:
    case 0x6f:
        d->rs1 = 0; /* fall through */ /* U, J */
    case 0x03:
    case 0x07:
    case 0x13:
    case 0x1b:
    case 0x67:
    case 0x73:
    case 0x0f:
        d->rs2 = 0;
        d->rs3 = 0;
        break;
    case 0x43:
    case 0x47:
    case 0x4b:
    case 0x4f:
        break; /* R4 */
    default:
        d->rs3 = 0;
        break; /* R */
    }
    if (op == RV_OP_ILLEGAL)
        d->imm = 0;
}

unsigned rv_decode(uint32_t bits, struct rv_insn *out)
{
    if ((bits & 3) == 3) {
        /* 48-bit and longer encodings (bits[4:2] == 111) are not defined for RV64GC. */
        rv_decode32(bits, out);
        if ((bits & 0x1f) == 0x1f) {
            out->op = RV_OP_ILLEGAL;
            out->imm = 0;
        }
    } else {
        rv_decode16((uint16_t)bits, out);
    }
    return out->len;
}

#define RV_OP_NAME_(name) #name,
static const char *const op_names[] = {RV_OPS(RV_OP_NAME_)};

const char *rv_op_name(enum rv_op op)
{
    return (unsigned)op < RV_OP_COUNT ? op_names[op] : "?";
}
