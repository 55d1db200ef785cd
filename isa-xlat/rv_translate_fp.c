/* rv_translate_fp: F and D instructions straight to SSE2 where the result is exactly the
 * interpreter's; the rest through the helper. */
#include "isa-xlat/rv_translate.h"

#define SIGN_D 0x8000000000000000ull
#define BOX_HI 0xffffffff00000000ull

/* SSE rounds as MXCSR says, which translated code keeps at RNE: a static RNE, or the dynamic
 * mode, is exact; false for anything else, which is the helper's. The dynamic mode is RNE
 * whenever translated code runs: rv_cache_exec interprets while frm is anything else, and
 * translated code that sets another leaves at once (fp_csr). No helper writes frm: fp_csr
 * translates every access to fcsr, frm and fflags. */
static bool rne_only(struct tr *t, const struct rv_insn *in)
{
    (void)t;
    return in->rm == RV_RNE || in->rm == RV_DYN;
}

/* The host register holding guest register r, or rcx loaded with it. */
static int src_x(struct tr *t, unsigned r)
{
    if (r != 0 && rv_tr_pin[r] >= 0)
        return rv_tr_pin[r];
    rv_tr_get(t, X86_RCX, r);
    return X86_RCX;
}

/* Double arithmetic with three-operand AVX forms, straight into rd's own register where it has
 * one: no copies around the operation but, for a fused one whose rd is a multiplicand, the copy
 * of it the NaN fix-up reads. A NaN result is made canonical out of line, with no helper: the
 * flags x86 raised are RISC-V's but for one case of the fused ones, which the fix-up adds. */
static void arith_d_avx(struct tr *t, const struct rv_insn *in, bool fused)
{
    struct x86_buf *b = &t->b;
    unsigned op = in->op;
    int d = rv_tr_fpin[in->rd], xa = -1, xb = -1;
    if (fused) {
        int c = rv_tr_fget(t, 0, in->rs3);
        xa = rv_tr_fget(t, 1, in->rs1);
        xb = rv_tr_fget(t, 2, in->rs2);
        int kind = (int)(op - RV_OP_FMADD_D);
        if (d >= 0 && d != c && (d == xa || d == xb)) {
            /* fnmsub fa4, fs0, fa4, fa3: rd = rs2 * rs1 + rs3 in rd's register (213), its old
             * value kept in xmm3 for the fix-up; a product's order is immaterial */
            x86_movaps_rr(b, 3, d);
            x86_fma213(b, true, kind, d, d == xa ? xb : xa, c);
            if (xa == d)
                xa = 3;
            if (xb == d)
                xb = 3;
        } else {
            if (d < 0 || d == xa || d == xb)
                d = 0;
            if (d != c)
                x86_movaps_rr(b, d, c);
            x86_fma231(b, true, kind, d, xa, xb);
        }
    } else {
        static const enum x86_sse sse[] = {X86_ADDS, X86_SUBS, X86_MULS, X86_DIVS, X86_SQRT};
        enum x86_sse s = sse[op - RV_OP_FADD_D];
        if (d < 0)
            d = 0;
        if (s == X86_SQRT) {
            int x1 = rv_tr_fget(t, 1, in->rs1);
            x86_avx_rr(b, s, true, d, x1, x1);
        } else {
            int x1 = rv_tr_fget(t, 1, in->rs1);
            x86_avx_rr(b, s, true, d, x1, rv_tr_fget(t, 2, in->rs2));
        }
        if (d != 0) { /* rd's own register: its NaN check put off (t->fpend) */
            t->fpnew = (uint16_t)(1u << (d - 4));
            return;
        }
    }
    x86_comis(b, true, true, d, d);
    unsigned nan = rv_tr_slow_nan(t, x86_jcc(b, X86_CC_P, -1), d, xa, xb);
    rv_tr_slow_resume(t, nan);
    rv_tr_fset(t, in->rd, d);
}

bool rv_tr_fp_inline(const struct rv_insn *in)
{
    bool fused = in->op >= RV_OP_FMADD_D && in->op <= RV_OP_FNMADD_D;
    bool plain = in->op >= RV_OP_FADD_D && in->op <= RV_OP_FSQRT_D;
    return (fused || plain) && (in->rm == RV_RNE || in->rm == RV_DYN) &&
           x86_host_has(X86_FEAT_AVX) && (!fused || x86_host_has(X86_FEAT_FMA));
}

/* Double arithmetic: xmm0 = the result, stored unless it is a NaN, which RISC-V makes the
 * canonical NaN with flags of its own rules (spec 11.3, and the fused ones' invalid 0 * inf):
 * those go to the helper, which computes them from the untouched sources. */
static bool arith_d(struct tr *t, const struct rv_insn *in)
{
    struct x86_buf *b = &t->b;
    unsigned op = in->op;
    bool fused = op >= RV_OP_FMADD_D && op <= RV_OP_FNMADD_D;
    if (fused && !x86_host_has(X86_FEAT_FMA))
        return false;
    if (!rne_only(t, in))
        return false;
    if (x86_host_has(X86_FEAT_AVX)) {
        arith_d_avx(t, in, fused);
        return true;
    }
    if (fused) {
        /* xmm0 = rs3, then xmm0 = rs1 * rs2 +- xmm0. RISC-V FMADD a*b+c, FMSUB a*b-c, FNMSUB
         * -(a*b)+c, FNMADD -(a*b)-c are, in order, vfmadd, vfmsub, vfnmadd, vfnmsub. */
        int c = rv_tr_fget(t, 0, in->rs3);
        if (c != 0)
            x86_movaps_rr(b, 0, c);
        int xa = rv_tr_fget(t, 1, in->rs1), xb = rv_tr_fget(t, 2, in->rs2);
        x86_fma231(b, true, (int)(op - RV_OP_FMADD_D), 0, xa, xb);
    } else {
        static const enum x86_sse sse[] = {X86_ADDS, X86_SUBS, X86_MULS, X86_DIVS, X86_SQRT};
        enum x86_sse s = sse[op - RV_OP_FADD_D];
        if (s == X86_SQRT) {
            x86_sse_rr(b, X86_SQRT, true, 0, rv_tr_fget(t, 1, in->rs1));
        } else {
            int xa = rv_tr_fget(t, 0, in->rs1);
            if (xa != 0)
                x86_movaps_rr(b, 0, xa);
            x86_sse_rr(b, s, true, 0, rv_tr_fget(t, 1, in->rs2));
        }
    }
    x86_comis(b, true, true, 0, 0);
    unsigned nan = rv_tr_slow(t, x86_jcc(b, X86_CC_P, -1), in, false);
    rv_tr_fset(t, in->rd, 0);
    rv_tr_slow_resume(t, nan);
    return true;
}

/* Signed integer to double: exact for words, rounded by MXCSR (RNE) for longs. */
static bool int_to_d(struct tr *t, const struct rv_insn *in)
{
    struct x86_buf *b = &t->b;
    if (!rne_only(t, in))
        return false;
    x86_cvtsi2sd(b, in->op == RV_OP_FCVT_D_W ? 32 : 64, 0, src_x(t, in->rs1));
    rv_tr_fset(t, in->rd, 0);
    return true;
}

/* Double to signed integer, truncating (RTZ, as C casts) or by MXCSR (RNE). x86 answers a NaN
 * or an out-of-range value with the "integer indefinite" most negative value, where RISC-V
 * saturates (spec 11.7): that value goes to the helper, which also gets a true most negative
 * result right. */
static bool d_to_int(struct tr *t, const struct rv_insn *in)
{
    struct x86_buf *b = &t->b;
    bool w = in->op == RV_OP_FCVT_W_D;
    bool truncate = in->rm == RV_RTZ;
    if (!truncate && !rne_only(t, in))
        return false;
    x86_cvtsd2si(b, w ? 32 : 64, truncate, X86_RAX, rv_tr_fget(t, 0, in->rs1));
    if (w) {
        x86_alu_ri(b, X86_CMP, 32, X86_RAX, INT32_MIN);
    } else {
        x86_mov_ri(b, X86_RDX, 1ull << 63);
        x86_alu_rr(b, X86_CMP, 64, X86_RAX, X86_RDX);
    }
    unsigned odd = rv_tr_slow(t, x86_jcc(b, X86_CC_E, -1), in, false);
    if (w)
        x86_movsx_rr(b, 64, 32, X86_RAX, X86_RAX);
    rv_tr_set(t, in->rd, X86_RAX);
    rv_tr_slow_resume(t, odd);
    return true;
}

static bool is_csr_fflags(const struct rv_insn *in, unsigned op)
{
    return in->op == op && ((unsigned)in->imm & 0xfff) == 1;
}

/* The guest register of "frflags rX; this compare; fsflags rX" around the compare in,
 * as GCC writes isless() and its like, else 0. */
static unsigned bracketed(const struct tr *t, const struct rv_insn *in)
{
    const struct rv_block *blk = t->blk;
    if (t->inlined || t->index == 0 || t->index + 1 >= blk->n || in != &blk->insn[t->index])
        return 0;
    const struct rv_insn *rd = in - 1, *wr = in + 1;
    if (!is_csr_fflags(rd, RV_OP_CSRRS) || rd->rs1 != 0 || rd->rd == 0 || rd->rd == in->rd ||
        !is_csr_fflags(wr, RV_OP_CSRRW) || wr->rd != 0 || wr->rs1 != rd->rd)
        return 0;
    return rd->rd;
}

/* feq (quiet: NV for signalling NaNs only, as ucomisd), flt and fle (NV for any NaN, as
 * comisd); unordered gives 0 (spec 11.8). Only an unordered compare can raise a flag (DE has
 * no RISC-V counterpart), and it merges it at once: glibc brackets comparisons with frflags
 * and fsflags, and the fsflags after a merge needs none of its own. Where the fsflags follows
 * at once and writes back what the frflags before read, it changes nothing unless the compare
 * was unordered: its work is done on that way only, out of line, and the main way has none. */
static void compare_d(struct tr *t, const struct rv_insn *in)
{
    struct x86_buf *b = &t->b;
    unsigned restore = bracketed(t, in);
    if (restore)
        t->ff_skip = t->index + 2;
    int xa = rv_tr_fget(t, 0, in->rs1), xb = rv_tr_fget(t, 1, in->rs2);
    enum x86_cc cc = X86_CC_E;
    if (in->op == RV_OP_FEQ_D) {
        x86_comis(b, true, true, xa, xb);
    } else {
        /* rs2 > rs1 (CF = ZF = 0) or rs2 >= rs1 (CF = 0) */
        x86_comis(b, true, false, xb, xa);
        cc = in->op == RV_OP_FLT_D ? X86_CC_A : X86_CC_AE;
    }
    /* unordered: out of line, so that the common way runs straight through */
    unsigned unordered = rv_tr_slow_unordered(t, x86_jcc(b, X86_CC_P, -1), restore);
    x86_setcc(b, cc, X86_RAX);
    rv_tr_slow_resume(t, unordered);
    x86_movzx_rr(b, 8, X86_RAX, X86_RAX);
    rv_tr_set(t, in->rd, X86_RAX);
}

/* Sign injection is a bit operation on the raw registers (spec 11.6). */
static void sign_inject_d(struct tr *t, const struct rv_insn *in)
{
    struct x86_buf *b = &t->b;
    x86_movq_from_x(b, X86_RAX, rv_tr_fget(t, 0, in->rs1));
    x86_movq_from_x(b, X86_RCX, rv_tr_fget(t, 1, in->rs2));
    x86_mov_ri(b, X86_RDX, SIGN_D);
    if (in->op == RV_OP_FSGNJN_D)
        x86_grp3(b, X86_NOT, 64, X86_RCX);
    x86_alu_rr(b, X86_AND, 64, X86_RCX, X86_RDX);
    if (in->op == RV_OP_FSGNJX_D) {
        x86_alu_rr(b, X86_XOR, 64, X86_RAX, X86_RCX);
    } else {
        x86_grp3(b, X86_NOT, 64, X86_RDX);
        x86_alu_rr(b, X86_AND, 64, X86_RAX, X86_RDX);
        x86_alu_rr(b, X86_OR, 64, X86_RAX, X86_RCX);
    }
    x86_movq_to_x(b, 0, X86_RAX);
    rv_tr_fset(t, in->rd, 0);
}

static void fp_load(struct tr *t, const struct rv_insn *in, bool dbl)
{
    struct x86_mem m = rv_tr_access_mem(t, in, dbl ? 8 : 4, RV_EXIT_LOAD_FAULT);
    if (dbl) {
        int p = rv_tr_fpin[in->rd];
        x86_movsd_load(&t->b, true, p >= 0 ? p : 0, m);
        rv_tr_fset(t, in->rd, p >= 0 ? p : 0);
        return;
    }
    /* NaN-boxed: the upper 32 bits all ones (spec 11.2) */
    x86_load(&t->b, 32, X86_RCX, m);
    x86_mov_ri(&t->b, X86_RDX, BOX_HI);
    x86_alu_rr(&t->b, X86_OR, 64, X86_RCX, X86_RDX);
    x86_movq_to_x(&t->b, 0, X86_RCX);
    rv_tr_fset(t, in->rd, 0);
}

static void fp_store(struct tr *t, const struct rv_insn *in, bool dbl)
{
    struct x86_mem m = rv_tr_access_mem(t, in, dbl ? 8 : 4, RV_EXIT_STORE_FAULT);
    /* fsw stores the low 32 bits whatever the boxing */
    x86_movsd_store(&t->b, dbl, m, rv_tr_fget(t, 0, in->rs2));
}

void rv_tr_write_fflags(struct tr *t)
{
    struct x86_buf *b = &t->b;
    x86_mov_rr(b, 32, X86_RDX, X86_RCX);
    x86_alu_ri(b, X86_AND, 32, X86_RDX, 0x1f);
    x86_store(b, 32, x86_m(TR_CPU, FFLAGS_OFF), X86_RDX);
    /* Only flags the MXCSR holds and the new fflags lacks could come back: clear the MXCSR (an
     * expensive ldmxcsr) only then. glibc's frflags ... fsflags pairs write back what they
     * read, and skip it. */
    x86_grp3(b, X86_NOT, 32, X86_RDX);
    x86_alu_rm(b, X86_AND, 32, X86_RDX, x86_m(TR_CPU, FR(mx_flags)));
    size_t keep = x86_jcc(b, X86_CC_E, -1);
    x86_ldmxcsr(b, x86_m(TR_CPU, FR(mx_guest)));
    x86_load(b, 32, X86_RDX, x86_m(TR_CPU, FR(mx_guest)));
    x86_store(b, 32, x86_m(TR_CPU, FR(mx_seen)), X86_RDX);
    x86_alu_rr(b, X86_XOR, 32, X86_RDX, X86_RDX);
    x86_store(b, 32, x86_m(TR_CPU, FR(mx_flags)), X86_RDX);
    x86_patch(b, keep);
}

/* fflags, frm and fcsr (as rv_exec_csr: spec 11.2 and Zicsr). Reading fflags needs the SSE
 * flags merged first; writing it starts SSE from clear flags, so that none raised before is
 * merged again after the guest cleared it. */
static bool fp_csr(struct tr *t, const struct rv_insn *in)
{
    struct x86_buf *b = &t->b;
    unsigned csr = (unsigned)in->imm & 0xfff;
    if (csr < 1 || csr > 3)
        return false;
    if (t->ff_skip == t->index + 1 && !t->inlined) { /* done by the compare before (compare_d) */
        t->ff_skip = 0;
        return true;
    }
    bool imm_form = in->op >= RV_OP_CSRRWI;
    unsigned kind = (unsigned)(in->op - (imm_form ? RV_OP_CSRRWI : RV_OP_CSRRW));
    bool writes = kind == 0 || in->rs1 != 0;
    struct x86_mem ff = x86_m(TR_CPU, FFLAGS_OFF), frm = x86_m(TR_CPU, FRM_OFF);
    if (!t->mx_merged)
        rv_tr_merge_flags(t);
    if (in->rd == 0 && kind == 0) {
        /* fsflags and its like: the old value goes nowhere */
    } else if (csr == 1) {
        x86_load(b, 32, X86_RAX, ff);
    } else {
        x86_load(b, 32, X86_RAX, frm);
        if (csr == 3) {
            x86_shift_ri(b, X86_SHL, 32, X86_RAX, 5);
            x86_alu_rm(b, X86_OR, 32, X86_RAX, ff);
        }
    }
    if (writes) {
        if (imm_form)
            x86_mov_ri(b, X86_RCX, in->rs1);
        else
            rv_tr_get(t, X86_RCX, in->rs1);
        if (kind == 1) {
            x86_alu_rr(b, X86_OR, 32, X86_RCX, X86_RAX);
        } else if (kind == 2) {
            x86_grp3(b, X86_NOT, 32, X86_RCX);
            x86_alu_rr(b, X86_AND, 32, X86_RCX, X86_RAX);
        }
        if (csr != 2)
            rv_tr_write_fflags(t);
        if (csr != 1) {
            if (csr == 3)
                x86_shift_ri(b, X86_SHR, 32, X86_RCX, 5);
            x86_alu_ri(b, X86_AND, 32, X86_RCX, 7);
            x86_store(b, 32, frm, X86_RCX);
        }
    }
    rv_tr_set(t, in->rd, X86_RAX);
    if (writes && csr != 1) { /* a rounding mode other than RNE: on in the interpreter */
        x86_test_rr(b, 32, X86_RCX, X86_RCX);
        rv_tr_slow_leave(t, x86_jcc(b, X86_CC_NE, -1));
    }
    return true;
}

bool rv_tr_fp(struct tr *t, const struct rv_insn *in)
{
    switch ((enum rv_op)in->op) {
    case RV_OP_CSRRW:
    case RV_OP_CSRRS:
    case RV_OP_CSRRC:
    case RV_OP_CSRRWI:
    case RV_OP_CSRRSI:
    case RV_OP_CSRRCI:
        return fp_csr(t, in);
    case RV_OP_FLD:
    case RV_OP_FLW:
        fp_load(t, in, in->op == RV_OP_FLD);
        return true;
    case RV_OP_FSD:
    case RV_OP_FSW:
        fp_store(t, in, in->op == RV_OP_FSD);
        return true;
    case RV_OP_FADD_D:
    case RV_OP_FSUB_D:
    case RV_OP_FMUL_D:
    case RV_OP_FDIV_D:
    case RV_OP_FSQRT_D:
    case RV_OP_FMADD_D:
    case RV_OP_FMSUB_D:
    case RV_OP_FNMSUB_D:
    case RV_OP_FNMADD_D:
        return arith_d(t, in);
    case RV_OP_FEQ_D:
    case RV_OP_FLT_D:
    case RV_OP_FLE_D:
        compare_d(t, in);
        return true;
    case RV_OP_FCVT_D_W:
    case RV_OP_FCVT_D_L:
        return int_to_d(t, in);
    case RV_OP_FCVT_W_D:
    case RV_OP_FCVT_L_D:
        return d_to_int(t, in);
    case RV_OP_FSGNJ_D:
    case RV_OP_FSGNJN_D:
    case RV_OP_FSGNJX_D:
        sign_inject_d(t, in);
        return true;
    case RV_OP_FMV_X_D:
        x86_movq_from_x(&t->b, X86_RAX, rv_tr_fget(t, 0, in->rs1));
        rv_tr_set(t, in->rd, X86_RAX);
        return true;
    case RV_OP_FMV_D_X:
        rv_tr_get(t, X86_RAX, in->rs1);
        x86_movq_to_x(&t->b, 0, X86_RAX);
        rv_tr_fset(t, in->rd, 0);
        return true;
    default:
        return false;
    }
}
