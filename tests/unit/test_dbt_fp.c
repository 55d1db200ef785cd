/* test_dbt_fp: F and D instructions give the same registers and fflags translated (SSE, or the
 * helper) as interpreted, NaNs, rounding modes and flags included. */
#include "test_dbt_harness.h"

#define FLD(rd, rs1, imm) enc_i((imm), (rs1), 3, (rd), 0x07)
#define FLW(rd, rs1, imm) enc_i((imm), (rs1), 2, (rd), 0x07)
#define FSD(rs2, rs1, imm) enc_s((imm), (rs2), (rs1), 3, 0x27)
#define FSW(rs2, rs1, imm) enc_s((imm), (rs2), (rs1), 2, 0x27)

/* Values that exercise every rule: NaNs of both kinds, infinities, zeros, subnormals, results
 * that overflow, underflow or are inexact; singles NaN-boxed or not. */
static uint64_t rand_fval(void)
{
    static const uint64_t edge[] = {
        0,
        1ull << 63,
        D_ONE,
        D_ONE | 1ull << 63,
        D_QNAN,
        D_SNAN,
        D_INF,
        D_INF | 1ull << 63,
        0x0000000000000001ull, /* smallest subnormal */
        0x0010000000000000ull, /* smallest normal */
        0x7fefffffffffffffull, /* largest finite */
        0x3fb999999999999aull, /* 0.1 */
        0x4008000000000000ull, /* 3 */
        0xbff8000000000000ull, /* -1.5 */
        0x2000000000000000ull, /* tiny: squares underflow */
        0x5ff0000000000000ull, /* huge: squares overflow */
        BOX(S_ONE),
        BOX(S_QNAN),
        BOX(S_SNAN),
        BOX(S_THREE),
        S_ONE, /* not NaN-boxed: a canonical NaN as a single */
    };
    switch (rnd() % 3) {
    case 0:
        return edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
    case 1: /* an ordinary double of moderate size */
        return (rnd() & 0x800fffffffffffffull) | (uint64_t)(0x3f0 + rnd() % 32) << 52;
    default:
        return rnd();
    }
}

/* FP registers, kept in xmm registers by the translator (f8-f19) or not. */
static unsigned fr(void)
{
    static const uint8_t regs[] = {0, 1, 2, 7, 8, 9, 10, 11, 12, 15, 17, 18, 19, 20, 31};
    return regs[rnd() % sizeof(regs)];
}

static uint32_t rand_fp_insn(void)
{
    unsigned rd = fr(), r1 = fr(), r2 = fr(), r3 = fr();
    static const unsigned rms[] = {0, 0, 0, 7, 7, 1, 2, 3, 4};
    unsigned rm = rms[rnd() % (sizeof(rms) / sizeof(rms[0]))];
    unsigned fmt = rnd() % 4 == 0 ? 0 : 1; /* mostly double, as compiled code */
    switch (rnd() % 16) {
    case 0:
    case 1:
        return FP((unsigned)(rnd() % 4), fmt, rd, r1, r2, rm); /* fadd fsub fmul fdiv */
    case 2:
        return FP(0x0b, fmt, rd, r1, 0, rm); /* fsqrt */
    case 3:
    case 4: {
        static const unsigned opc[] = {0x43, 0x47, 0x4b, 0x4f};
        return enc_r4(r3, fmt, r2, r1, rm, rd, opc[rnd() % 4]);
    }
    case 5:
        return FP(0x04, fmt, rd, r1, r2, (unsigned)(rnd() % 3)); /* fsgnj fsgnjn fsgnjx */
    case 6:
        return FP(0x14, fmt, dst(), r1, r2, (unsigned)(rnd() % 3)); /* fle flt feq */
    case 7:
        return FP(0x05, fmt, rd, r1, r2, (unsigned)(rnd() % 2)); /* fmin fmax */
    case 8:
        return rnd() % 2 ? FP(0x1c, 1, dst(), r1, 0, 0) : FP(0x1e, 1, rd, 10 + r1 % 8, 0, 0);
    case 9:
        return FP(0x18, fmt, dst(), r1, (unsigned)(rnd() % 4), rm); /* fcvt.w/wu/l/lu */
    case 10:
        return FP(0x1a, fmt, rd, 10 + r1 % 8, (unsigned)(rnd() % 4), rm); /* fcvt from int */
    case 11: {
        unsigned base = 5 + (unsigned)(rnd() % 4);
        int32_t off = (int32_t)(rnd() % 64) * 8 - 256;
        return rnd() % 2 ? FLD(rd, base, off) : FSD(r2, base, off);
    }
    case 12: {
        unsigned base = 5 + (unsigned)(rnd() % 4);
        int32_t off = (int32_t)(rnd() % 64) * 4 - 128;
        return rnd() % 2 ? FLW(rd, base, off) : FSW(r2, base, off);
    }
    case 13: /* read or clear fflags, or set frm (5..7 make dynamic-rm ops illegal) */
        switch (rnd() % 7) {
        case 0:
            return CSRR(2, dst(), 0x001, 0); /* frflags */
        case 1:
            return CSRR(5, dst(), 0x001, 0); /* fsflagsi 0 */
        case 2: /* fsflags from a register: what frflags read, or anything */
            return CSRR(1, dst(), 0x001, 10 + r1 % 8);
        case 3: /* csrrsi / csrrci on fflags, csrrs on fcsr */
            return rnd() % 2 ? CSRR(6, dst(), 0x001, (unsigned)(rnd() % 32))
                             : CSRR(7, dst(), 0x001, (unsigned)(rnd() % 32));
        case 4:
            return CSRR(rnd() % 2 ? 2 : 1, dst(), 0x003, 10 + r1 % 8); /* frcsr, fscsr */
        default:
            return CSRR(5, dst(), 0x002, (unsigned)(rnd() % 5)); /* fsrmi */
        }
    default:
        return rnd() % 2 ? rand_alu_reg() : FP(0x08, 0, rd, r1, 1, rm); /* fcvt.s.d */
    }
}

static void fp_state(void)
{
    random_state();
    for (unsigned r = 0; r < 32; r++)
        A.cpu.f[r] = rand_fval();
    for (unsigned r = 10; r < 18; r++)
        A.cpu.x[r] = rnd() % 2 ? rand_val() : (uint64_t)(int64_t)(rnd() % 7) - 3;
    A.cpu.fflags = (uint32_t)(rnd() % 2 ? 0 : rnd() % 32);
    A.cpu.frm = (uint32_t)(rnd() % 8 == 0 ? 1 + rnd() % 4 : 0);
    for (unsigned i = 0; i < 8192; i += 8) {
        uint64_t v = rand_fval();
        memcpy(A.mem + DATA + i, &v, 8);
    }
    memcpy(B.mem + DATA, A.mem + DATA, 8192);
    B.cpu = A.cpu;
}

static void fp_differential(const char *what, unsigned states)
{
    load_prog();
    for (unsigned s = 0; s < states; s++) {
        fp_state();
        run_both();
        compare(what, s);
    }
    struct rv_cache_stats st;
    rv_cache_stats(B.cache, &st);
    ck_assert_msg(st.translated > 0, "%s: nothing was translated", what);
}

START_TEST(fp_random_blocks)
{
    for (unsigned p = 0; p < 150; p++) {
        nprog = 0;
        for (unsigned i = 0; i < 1 + p % 24; i++)
            put(rand_fp_insn());
        put(ECALL);
        fp_differential("fp", 24);
    }
}
END_TEST

/* Flags accrue across translated instructions and blocks, and a cleared fflags stays clear of
 * what was raised before (the SSE flags are not merged a second time). */
START_TEST(fp_flags_across_blocks)
{
    nprog = 0;
    put(FP(0x03, 1, 1, 2, 3, 0)); /* fdiv.d f1, f2, f3 */
    put(JAL(0, 8));
    put(ECALL);
    put(FP(0x02, 1, 4, 1, 1, 7)); /* fmul.d f4, f1, f1 (dynamic rm) */
    put(CSRR(2, 10, 0x001, 0));   /* frflags a0 */
    put(CSRR(5, 0, 0x001, 0));    /* fsflagsi 0 */
    put(FP(0x00, 1, 5, 4, 4, 0)); /* fadd.d f5, f4, f4 */
    put(CSRR(2, 11, 0x001, 0));   /* frflags a1 */
    put(ECALL);
    load_prog();
    static const uint64_t vals[][2] = {
        {D_ONE, 0x4008000000000000ull}, /* 1/3: inexact */
        {D_ONE, 0},                     /* 1/0: divide by zero, then inf * inf, inf + inf */
        {0, 0},                         /* 0/0: invalid, NaN on */
        {0x0010000000000000ull, 0x4008000000000000ull}, /* tiny: underflow */
        {0x7fefffffffffffffull, 0x3fb999999999999aull}, /* huge: overflow */
    };
    for (unsigned s = 0; s < sizeof(vals) / sizeof(vals[0]); s++) {
        fp_state();
        A.cpu.f[2] = vals[s][0];
        A.cpu.f[3] = vals[s][1];
        A.cpu.fflags = 0;
        A.cpu.frm = 0;
        B.cpu = A.cpu;
        run_both();
        compare("flags", s);
    }
}
END_TEST

/* glibc's quiet comparisons: frflags, a signalling compare, fsflags of what was read. The
 * compare's NV goes, what arithmetic raised before and after stays. */
START_TEST(fp_flags_around_compare)
{
    nprog = 0;
    put(FP(0x03, 1, 1, 2, 3, 0));  /* fdiv.d f1, f2, f3 */
    put(CSRR(2, 14, 0x001, 0));    /* frflags a4 */
    put(FP(0x14, 1, 15, 8, 9, 1)); /* flt.d a5, fs0, fs1 */
    put(FP(0x14, 1, 13, 8, 9, 0)); /* fle.d a3, fs0, fs1 */
    put(FP(0x14, 1, 12, 8, 9, 2)); /* feq.d a2, fs0, fs1 */
    put(CSRR(1, 0, 0x001, 14));    /* fsflags a4 */
    put(FP(0x03, 1, 4, 3, 2, 0));  /* fdiv.d f4, f3, f2 */
    put(CSRR(2, 11, 0x001, 0));    /* frflags a1 */
    put(ECALL);
    load_prog();
    static const uint64_t vals[] = {D_ONE, D_QNAN, D_SNAN, 0, 0x4008000000000000ull, D_INF};
    const unsigned nv = sizeof(vals) / sizeof(vals[0]);
    for (unsigned s = 0; s < nv * nv * 4; s++) {
        fp_state();
        A.cpu.f[2] = vals[s % nv];
        A.cpu.f[3] = vals[s / nv % nv];
        A.cpu.f[8] = vals[s / nv % nv];
        A.cpu.f[9] = vals[(s + s / 4) % nv];
        A.cpu.fflags = s % 4 == 0 ? RV_FF_NV : 0;
        A.cpu.frm = 0;
        B.cpu = A.cpu;
        run_both();
        compare("around compare", s);
    }
}
END_TEST

/* GCC's isless(): frflags rX, flt (or fle, feq) and fsflags rX straight after, whose fsflags
 * translated code does only when the compare is unordered; and the near misses that it must
 * do as written: the compare writes rX, the fsflags writes another register, rX is x0. */
START_TEST(fp_bracketed_compare)
{
    static const struct {
        unsigned rx, rd, wr;
    } forms[] = {
        {14, 15, 14}, /* a4, a5: pinned */
        {5, 28, 5},   /* t0, t3: in memory */
        {14, 14, 14}, /* the compare overwrites what frflags read */
        {14, 15, 13}, /* fsflags from another register */
        {0, 15, 0},   /* frflags x0 ... fsflags x0: clears fflags */
    };
    static const uint64_t vals[] = {D_ONE, D_QNAN, D_SNAN, 0, D_INF, 0x4008000000000000ull};
    const unsigned nv = sizeof(vals) / sizeof(vals[0]);
    for (unsigned f = 0; f < sizeof(forms) / sizeof(forms[0]); f++)
        for (unsigned c = 0; c < 3; c++) {
            nprog = 0;
            put(FP(0x03, 1, 1, 2, 3, 0));           /* fdiv.d f1, f2, f3 */
            put(CSRR(2, forms[f].rx, 0x001, 0));    /* frflags rX */
            put(FP(0x14, 1, forms[f].rd, 8, 9, c)); /* fle/flt/feq.d rd, fs0, fs1 */
            put(CSRR(1, 0, 0x001, forms[f].wr));    /* fsflags */
            put(CSRR(2, 11, 0x001, 0));             /* frflags a1 */
            put(FP(0x00, 1, 4, 8, 9, 0));           /* fadd.d f4, fs0, fs1 */
            put(CSRR(2, 12, 0x001, 0));             /* frflags a2 */
            put(ECALL);
            load_prog();
            for (unsigned s = 0; s < nv * nv * 2; s++) {
                fp_state();
                A.cpu.f[2] = vals[s % nv];
                A.cpu.f[3] = vals[(s + 1) % nv];
                A.cpu.f[8] = vals[s % nv];
                A.cpu.f[9] = vals[s / nv % nv];
                A.cpu.fflags = s & 1 ? RV_FF_NV | RV_FF_NX : 0;
                A.cpu.frm = 0;
                B.cpu = A.cpu;
                run_both();
                compare("bracketed compare", s);
            }
        }
}
END_TEST

/* Fused multiply-adds into one of their own multiplicands (computed in place, a copy of it kept
 * for the NaN fix-up), into the addend, and into another register, on the values whose NaNs
 * and flags differ between the two ISAs: 0 * inf with a quiet NaN addend above all. */
START_TEST(fp_fused_into_operand)
{
    static const struct {
        unsigned rd, r1, r2, r3;
    } forms[] = {
        {10, 10, 11, 12}, {11, 10, 11, 12}, {10, 10, 10, 12}, {12, 10, 11, 12},
        {10, 1, 10, 12},  {10, 10, 2, 1},   {1, 1, 10, 12},   {13, 10, 11, 12},
    };
    static const uint64_t vals[] = {D_ONE, 0, D_INF, D_QNAN, D_SNAN, 0x4008000000000000ull};
    const unsigned nv = sizeof(vals) / sizeof(vals[0]);
    static const unsigned opc[] = {0x43, 0x47, 0x4b, 0x4f};
    for (unsigned f = 0; f < sizeof(forms) / sizeof(forms[0]); f++)
        for (unsigned o = 0; o < 4; o++) {
            nprog = 0;
            put(enc_r4(forms[f].r3, 1, forms[f].r2, forms[f].r1, 0, forms[f].rd, opc[o]));
            put(FP(0x00, 1, 14, 10, 11, 0)); /* fadd.d fa4, fa0, fa1: what is left of them */
            put(ECALL);
            load_prog();
            for (unsigned s = 0; s < nv * nv * nv; s++) {
                fp_state();
                A.cpu.f[forms[f].r1] = vals[s % nv];
                A.cpu.f[forms[f].r2] = vals[s / nv % nv];
                A.cpu.f[forms[f].r3] = vals[s / nv / nv];
                A.cpu.fflags = 0;
                A.cpu.frm = 0;
                B.cpu = A.cpu;
                run_both();
                compare("fused into an operand", s);
            }
        }
}
END_TEST

/* Arithmetic into a pinned register puts its NaN check off: whatever reads the result other
 * than arithmetic (a store, a move, a sign injection, a compare, a conversion, the block's end)
 * or overwrites it must see RISC-V's canonical NaN, where x86 leaves its own NaN (negative for
 * an invalid operation, the operand's payload for a NaN operand). */
START_TEST(fp_put_off_nan_checks)
{
    const uint32_t readers[] = {
        FSD(10, 6, 0),                      /* fsd fa0, 0(t1) */
        FSW(10, 6, 4),                      /* fsw fa0, 4(t1) */
        FP(0x1c, 1, 12, 10, 0, 0),          /* fmv.x.d a2, fa0 */
        FP(0x04, 1, 11, 10, 10, 1),         /* fneg.d fa1, fa0 */
        FP(0x04, 1, 11, 10, 10, 2),         /* fabs.d fa1, fa0 */
        FP(0x14, 1, 12, 10, 11, 2),         /* feq.d a2, fa0, fa1 */
        FP(0x18, 1, 12, 10, 0, 1),          /* fcvt.w.d a2, fa0, rtz */
        FP(0x01, 1, 11, 10, 12, 0),         /* fsub.d fa1, fa0, fa2: put off in turn */
        enc_r4(12, 1, 10, 10, 0, 11, 0x43), /* fmadd.d fa1, fa0, fa0, fa2 */
        FLD(10, 6, 8),                      /* fld fa0, 8(t1): overwritten */
        FP(0x00, 1, 10, 12, 12, 0),         /* fadd.d fa0, fa2, fa2: overwritten */
        ADDI(12, 12, 1),                    /* nothing: the block ends */
    };
    static const uint64_t vals[] = {
        D_INF, D_INF | 1ull << 63, D_QNAN, D_SNAN, 0, 0x7ff8000000000123ull, 0xfff0000000000456ull,
        D_ONE};
    const unsigned nv = sizeof(vals) / sizeof(vals[0]);
    for (unsigned r = 0; r < sizeof(readers) / sizeof(readers[0]); r++)
        for (unsigned op = 0; op < 5; op++) {
            nprog = 0;
            put(FP(op == 4 ? 0x0b : op, 1, 10, 13, 14, 0)); /* fa0 = fa3 op fa4 */
            put(ADDI(7, 7, 8));                             /* between: integer work */
            put(readers[r]);
            put(FSD(11, 6, 16)); /* fsd fa1, 16(t1) */
            put(ECALL);
            load_prog();
            for (unsigned s = 0; s < nv * nv; s++) {
                fp_state();
                A.cpu.f[13] = vals[s % nv];
                A.cpu.f[14] = vals[s / nv];
                A.cpu.f[12] = vals[(s + 3) % nv];
                A.cpu.fflags = 0;
                A.cpu.frm = 0;
                B.cpu = A.cpu;
                run_both();
                compare("put-off NaN check", s);
            }
        }
}
END_TEST

/* A block of nothing but FP arithmetic with their out-of-line helper paths still fits. */
START_TEST(long_fp_block_is_translated)
{
    nprog = 0;
    for (unsigned i = 0; i + 1 < RV_BLOCK_MAX; i++)
        put(enc_r4(fr(), 1, fr(), fr(), 7, fr(), 0x43)); /* fmadd.d, dynamic rm */
    put(ECALL);
    fp_differential("long", 4);
    struct rv_cache_stats st;
    rv_cache_stats(B.cache, &st);
    ck_assert_uint_eq(st.translated, 1);
}
END_TEST

/* A block that ends at RV_BLOCK_MAX instructions, not at a branch, with NaN checks put off
 * (plain arithmetic into pinned registers): they are made on the way into the next one. */
START_TEST(full_block_ends_with_put_off_checks)
{
    nprog = 0;
    for (unsigned i = 0; i < RV_BLOCK_MAX; i++)
        put(FP((unsigned)(i % 4), 1, 8 + i % 12, 8 + (i + 5) % 12, 8 + (i + 7) % 12, 0));
    for (unsigned r = 8; r < 20; r++)
        put(FSD(r, 6, (int32_t)(r * 8)));
    put(ECALL);
    load_prog();
    static const uint64_t vals[] = {D_INF, D_INF | 1ull << 63, 0, D_QNAN, 0x7ff8000000000123ull};
    for (unsigned s = 0; s < 40; s++) {
        fp_state();
        for (unsigned r = 8; r < 20; r++)
            A.cpu.f[r] = vals[(r + s) % 5];
        B.cpu = A.cpu;
        run_both();
        compare("full block", s);
    }
}
END_TEST

static void add(TCase *tc)
{
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, fp_random_blocks);
    tcase_add_test(tc, fp_flags_across_blocks);
    tcase_add_test(tc, fp_flags_around_compare);
    tcase_add_test(tc, fp_bracketed_compare);
    tcase_add_test(tc, fp_fused_into_operand);
    tcase_add_test(tc, fp_put_off_nan_checks);
    tcase_add_test(tc, long_fp_block_is_translated);
    tcase_add_test(tc, full_block_ends_with_put_off_checks);
}

int main(void)
{
    return rvt_main("dbt_fp", add);
}
