/* rv_fpu: F and D instruction semantics: NaN-boxing, moves, sign injection, min/max, compares. */
#include "isa-xlat/rv_fp.h"
#include "isa-xlat/rv_internal.h"

/* A single in a 64-bit register is valid only NaN-boxed (upper 32 bits all ones); anything else
 * reads as the canonical NaN (spec 12.2). Transfers (flw/fsw, fmv) move raw bits instead. */
static uint32_t unbox(uint64_t v)
{
    return (v >> 32) == 0xffffffffu ? (uint32_t)v : RV_CANON_NAN_S;
}
static uint64_t box(uint32_t v)
{
    return 0xffffffff00000000ull | v;
}

/* fmin/fmax (spec 11.6, version 2.2 semantics): -0 < +0; one NaN operand yields the other
 * operand; two NaNs yield the canonical NaN; a signaling NaN sets NV either way. */
static uint64_t minmax(uint64_t a, uint64_t b, bool is_max, bool dbl, uint32_t *fl)
{
    unsigned sb = dbl ? 63 : 31;
    bool an = dbl ? rv_f64_is_nan(a) : rv_f32_is_nan((uint32_t)a);
    bool bn = dbl ? rv_f64_is_nan(b) : rv_f32_is_nan((uint32_t)b);
    if ((dbl ? rv_f64_is_snan(a) || rv_f64_is_snan(b)
             : rv_f32_is_snan((uint32_t)a) || rv_f32_is_snan((uint32_t)b)))
        *fl |= RV_FF_NV;
    if (an && bn)
        return dbl ? RV_CANON_NAN_D : RV_CANON_NAN_S;
    if (an)
        return b;
    if (bn)
        return a;
    bool as = (a >> sb) & 1, bs = (b >> sb) & 1;
    bool a_less; /* a < b, treating -0 as below +0 */
    if (as != bs)
        a_less = as;
    else if (as)
        a_less = a > b; /* both negative: larger magnitude is smaller */
    else
        a_less = a < b;
    return (a_less != is_max) ? a : b;
}

/* Ordered comparison on raw bits; callers have excluded NaNs. */
static int cmp(uint64_t a, uint64_t b, bool dbl)
{
    unsigned sb = dbl ? 63 : 31;
    uint64_t mag = dbl ? 0x7fffffffffffffffull : 0x7fffffffu;
    if ((a & mag) == 0 && (b & mag) == 0)
        return 0; /* +0 == -0 */
    bool as = (a >> sb) & 1, bs = (b >> sb) & 1;
    if (as != bs)
        return as ? -1 : 1;
    if (a == b)
        return 0;
    return ((a < b) != as) ? -1 : 1;
}

/* fclass (spec 11.9): one bit set out of ten. */
static uint64_t fclass(uint64_t v, bool dbl)
{
    unsigned sb = dbl ? 63 : 31, mb = dbl ? 52 : 23;
    uint64_t expmask = dbl ? 0x7ff : 0xff;
    bool neg = (v >> sb) & 1;
    uint64_t e = (v >> mb) & expmask, m = v & ((1ull << mb) - 1);
    if (e == expmask) {
        if (m == 0)
            return neg ? 1u << 0 : 1u << 7;
        return (m >> (mb - 1)) ? 1u << 9 : 1u << 8;
    }
    if (e == 0)
        return m == 0 ? (neg ? 1u << 3 : 1u << 4) : (neg ? 1u << 2 : 1u << 5);
    return neg ? 1u << 1 : 1u << 6;
}


/* Whether the operation has an rm field (and so may be illegal by its rounding mode). */
static bool has_rm(unsigned op)
{
    switch (op) {
    case RV_OP_FLW:
    case RV_OP_FSW:
    case RV_OP_FLD:
    case RV_OP_FSD:
    case RV_OP_FSGNJ_S:
    case RV_OP_FSGNJN_S:
    case RV_OP_FSGNJX_S:
    case RV_OP_FMIN_S:
    case RV_OP_FMAX_S:
    case RV_OP_FMV_X_W:
    case RV_OP_FEQ_S:
    case RV_OP_FLT_S:
    case RV_OP_FLE_S:
    case RV_OP_FCLASS_S:
    case RV_OP_FMV_W_X:
    case RV_OP_FSGNJ_D:
    case RV_OP_FSGNJN_D:
    case RV_OP_FSGNJX_D:
    case RV_OP_FMIN_D:
    case RV_OP_FMAX_D:
    case RV_OP_FMV_X_D:
    case RV_OP_FEQ_D:
    case RV_OP_FLT_D:
    case RV_OP_FLE_D:
    case RV_OP_FCLASS_D:
    case RV_OP_FMV_D_X:
        return false;
    }
    return true;
}

int rv_exec_fp(struct rv_cpu *cpu, struct rv_mem *mem, const struct rv_insn *in, uint64_t pc,
               struct rv_exit *ex)
{
    uint64_t *F = cpu->f, *X = cpu->x;
    unsigned rm = in->rm;
    uint32_t fl = 0;
    if (has_rm(in->op)) {
        /* rm 7 selects frm; frm values 5..7 make the instruction illegal (spec 11.2). */
        if (rm == RV_DYN)
            rm = cpu->frm;
        if (rm > RV_RMM)
            return rv_trap(ex, RV_EXIT_ILLEGAL, pc, 0, in);
    }
    uint64_t a = F[in->rs1], b = F[in->rs2], c = F[in->rs3], xa = X[in->rs1];
    uint32_t sa = unbox(a), sb = unbox(b), sc = unbox(c);
    uint64_t sx32 = (uint64_t)(int64_t)(int32_t)xa; /* W sources: the low word, signed */
    enum rv_op op = in->op;
    switch (op) {
    case RV_OP_FLW:
    case RV_OP_FLD: {
        unsigned n = op == RV_OP_FLW ? 4 : 8;
        uint64_t addr = xa + (uint64_t)(int64_t)in->imm, v = 0;
        const void *h = rv_mem_host(mem, addr, n);
        if (!h)
            return rv_trap(ex, RV_EXIT_LOAD_FAULT, pc, addr, in);
        memcpy(&v, h, n);
        F[in->rd] = n == 4 ? box((uint32_t)v) : v;
        return 0;
    }
    case RV_OP_FSW:
    case RV_OP_FSD: {
        unsigned n = op == RV_OP_FSW ? 4 : 8;
        uint64_t addr = xa + (uint64_t)(int64_t)in->imm;
        void *h = rv_mem_host(mem, addr, n);
        if (!h)
            return rv_trap(ex, RV_EXIT_STORE_FAULT, pc, addr, in);
        memcpy(h, &b, n); /* fsw stores the low 32 bits whatever the boxing */
        return 0;
    }
    case RV_OP_FMADD_S:
    case RV_OP_FMSUB_S:
    case RV_OP_FNMSUB_S:
    case RV_OP_FNMADD_S:
        F[in->rd] = box(rv_f32_arith(RV_FK_FMADD + (op - RV_OP_FMADD_S), sa, sb, sc, rm, &fl));
        break;
    case RV_OP_FADD_S:
    case RV_OP_FSUB_S:
    case RV_OP_FMUL_S:
    case RV_OP_FDIV_S:
    case RV_OP_FSQRT_S:
        F[in->rd] = box(rv_f32_arith(RV_FK_ADD + (op - RV_OP_FADD_S), sa, sb, 0, rm, &fl));
        break;
    case RV_OP_FMADD_D:
    case RV_OP_FMSUB_D:
    case RV_OP_FNMSUB_D:
    case RV_OP_FNMADD_D:
        F[in->rd] = rv_f64_arith(RV_FK_FMADD + (op - RV_OP_FMADD_D), a, b, c, rm, &fl);
        break;
    case RV_OP_FADD_D:
    case RV_OP_FSUB_D:
    case RV_OP_FMUL_D:
    case RV_OP_FDIV_D:
    case RV_OP_FSQRT_D:
        F[in->rd] = rv_f64_arith(RV_FK_ADD + (op - RV_OP_FADD_D), a, b, 0, rm, &fl);
        break;
    /* Sign injection never canonicalises: it is a bit operation (spec 11.6). */
    case RV_OP_FSGNJ_S:
        F[in->rd] = box((sa & 0x7fffffffu) | (sb & 0x80000000u));
        break;
    case RV_OP_FSGNJN_S:
        F[in->rd] = box((sa & 0x7fffffffu) | (~sb & 0x80000000u));
        break;
    case RV_OP_FSGNJX_S:
        F[in->rd] = box(sa ^ (sb & 0x80000000u));
        break;
    case RV_OP_FSGNJ_D:
        F[in->rd] = (a & ~(1ull << 63)) | (b & (1ull << 63));
        break;
    case RV_OP_FSGNJN_D:
        F[in->rd] = (a & ~(1ull << 63)) | (~b & (1ull << 63));
        break;
    case RV_OP_FSGNJX_D:
        F[in->rd] = a ^ (b & (1ull << 63));
        break;
    case RV_OP_FMIN_S:
    case RV_OP_FMAX_S:
        F[in->rd] = box((uint32_t)minmax(sa, sb, op == RV_OP_FMAX_S, false, &fl));
        break;
    case RV_OP_FMIN_D:
    case RV_OP_FMAX_D:
        F[in->rd] = minmax(a, b, op == RV_OP_FMAX_D, true, &fl);
        break;
    case RV_OP_FCVT_W_S:
    case RV_OP_FCVT_WU_S:
    case RV_OP_FCVT_L_S:
    case RV_OP_FCVT_LU_S:
        X[in->rd] = rv_fp_to_int(rv_f_of(sa), rv_f32_is_nan(sa),
                                 (enum rv_int_kind)(op - RV_OP_FCVT_W_S), rm, &fl);
        break;
    case RV_OP_FCVT_W_D:
    case RV_OP_FCVT_WU_D:
    case RV_OP_FCVT_L_D:
    case RV_OP_FCVT_LU_D:
        X[in->rd] = rv_fp_to_int(rv_d_of(a), rv_f64_is_nan(a),
                                 (enum rv_int_kind)(op - RV_OP_FCVT_W_D), rm, &fl);
        break;
    case RV_OP_FMV_X_W:
        X[in->rd] = (uint64_t)(int64_t)(int32_t)(uint32_t)a;
        break;
    case RV_OP_FMV_X_D:
        X[in->rd] = a;
        break;
    case RV_OP_FMV_W_X:
        F[in->rd] = box((uint32_t)xa);
        break;
    case RV_OP_FMV_D_X:
        F[in->rd] = xa;
        break;
    /* feq is quiet (NV only for signaling NaNs); flt/fle signal on any NaN (spec 11.8). */
    case RV_OP_FEQ_S:
    case RV_OP_FLT_S:
    case RV_OP_FLE_S:
        if (rv_f32_is_nan(sa) || rv_f32_is_nan(sb)) {
            if (op != RV_OP_FEQ_S || rv_f32_is_snan(sa) || rv_f32_is_snan(sb))
                fl |= RV_FF_NV;
            X[in->rd] = 0;
        } else {
            int c3 = cmp(sa, sb, false);
            X[in->rd] = op == RV_OP_FEQ_S ? c3 == 0 : op == RV_OP_FLT_S ? c3 < 0 : c3 <= 0;
        }
        break;
    case RV_OP_FEQ_D:
    case RV_OP_FLT_D:
    case RV_OP_FLE_D:
        if (rv_f64_is_nan(a) || rv_f64_is_nan(b)) {
            if (op != RV_OP_FEQ_D || rv_f64_is_snan(a) || rv_f64_is_snan(b))
                fl |= RV_FF_NV;
            X[in->rd] = 0;
        } else {
            int c3 = cmp(a, b, true);
            X[in->rd] = op == RV_OP_FEQ_D ? c3 == 0 : op == RV_OP_FLT_D ? c3 < 0 : c3 <= 0;
        }
        break;
    case RV_OP_FCLASS_S:
        X[in->rd] = fclass(sa, false);
        break;
    case RV_OP_FCLASS_D:
        X[in->rd] = fclass(a, true);
        break;
    case RV_OP_FCVT_S_W:
        F[in->rd] = box(rv_int_to_f32(sx32, true, rm, &fl));
        break;
    case RV_OP_FCVT_S_WU:
        F[in->rd] = box(rv_int_to_f32((uint32_t)xa, false, rm, &fl));
        break;
    case RV_OP_FCVT_S_L:
        F[in->rd] = box(rv_int_to_f32(xa, true, rm, &fl));
        break;
    case RV_OP_FCVT_S_LU:
        F[in->rd] = box(rv_int_to_f32(xa, false, rm, &fl));
        break;
    case RV_OP_FCVT_D_W:
        F[in->rd] = rv_int_to_f64(sx32, true, rm, &fl);
        break;
    case RV_OP_FCVT_D_WU:
        F[in->rd] = rv_int_to_f64((uint32_t)xa, false, rm, &fl);
        break;
    case RV_OP_FCVT_D_L:
        F[in->rd] = rv_int_to_f64(xa, true, rm, &fl);
        break;
    case RV_OP_FCVT_D_LU:
        F[in->rd] = rv_int_to_f64(xa, false, rm, &fl);
        break;
    case RV_OP_FCVT_S_D:
        F[in->rd] = box(rv_f64_to_f32(a, rm, &fl));
        break;
    case RV_OP_FCVT_D_S:
        F[in->rd] = rv_f32_to_f64(sa, &fl);
        break;
    default:
        return rv_trap(ex, RV_EXIT_ILLEGAL, pc, 0, in);
    }
    cpu->fflags |= fl;
    return 0;
}
