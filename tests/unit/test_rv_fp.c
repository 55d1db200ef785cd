/* test_rv_fp.c: F and D arithmetic: NaN-boxing, canonical NaNs, fflags, rounding modes, fma. */
#include "tests/unit/test_rv_harness.h"

START_TEST(nan_boxing)
{
    /* An improperly boxed single reads as the canonical NaN (spec 12.2), quietly. */
    ck_assert_uint_eq(ff(OPS(0, 0), S_ONE, BOX(S_ONE)), BOX(S_QNAN));
    ck_assert_uint_eq(FLAGS(), 0);
    ck_assert_uint_eq(ff(OPS(4, 0), S_ONE, BOX(0xbf800000u)), BOX(0xffc00000u)); /* fsgnj.s */
    ck_assert_uint_eq(ff(CVT(8, 1, 0, 0), 0x12345678ull, 0), D_QNAN);            /* fcvt.d.s */
    /* Transfers move raw bits: fmv.x.w sign-extends bits 31..0 without checking the box. */
    ck_assert_uint_eq(fx(CVT(0x1c, 0, 0, 0), S_ONE, 0), S_ONE);
    ck_assert_uint_eq(fx(CVT(0x1c, 0, 0, 0), BOX(0xbf800000u), 0), 0xffffffffbf800000ull);
    ck_assert_uint_eq(ff(CVT(0x1e, 0, 0, 0), 0x123456789abcdef0ull, 0), BOX(0x9abcdef0u));
    ck_assert_uint_eq(fx(CVT(0x1c, 1, 0, 0), D_SNAN, 0), D_SNAN); /* fmv.x.d */
    ck_assert_uint_eq(ff(CVT(0x1e, 1, 0, 0), D_SNAN, 0), D_SNAN); /* fmv.d.x */
    ck_assert_uint_eq(FLAGS(), 0);
    /* flw boxes; fsw stores the low word of anything. */
    rvt_reset();
    T.cpu.x[1] = DATA;
    T.cpu.f[2] = 0x00000000deadbeefull;
    uint32_t w = S_THREE;
    memcpy(T.mem + DATA, &w, 4);
    emit(enc_i(0, 1, 2, 10, 0x07));  /* flw f10, 0(x1) */
    emit(enc_s(8, 2, 1, 2, 0x27));   /* fsw f2, 8(x1) */
    emit(enc_i(0, 1, 3, 11, 0x07));  /* fld f11, 0(x1) */
    emit(enc_s(16, 10, 1, 3, 0x27)); /* fsd f10, 16(x1) */
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.f[10], BOX(S_THREE));
    memcpy(&w, T.mem + DATA + 8, 4);
    ck_assert_uint_eq(w, 0xdeadbeef);
    uint64_t d;
    memcpy(&d, T.mem + DATA + 16, 8);
    ck_assert_uint_eq(d, BOX(S_THREE));
}
END_TEST

START_TEST(canonical_nan_and_flags)
{
    ck_assert_uint_eq(ff(OPS(0, 0), BOX(S_SNAN), BOX(S_ONE)), BOX(S_QNAN));
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(ff(OPS(0, 0), BOX(0x7fc12345u), BOX(S_ONE)), BOX(S_QNAN)); /* payload gone */
    ck_assert_uint_eq(FLAGS(), 0);
    ck_assert_uint_eq(ff(OPD(0, 0), 0x7ff8000000012345ull, D_ONE), D_QNAN);
    ck_assert_uint_eq(FLAGS(), 0);
    ck_assert_uint_eq(ff(OPD(0, 0), D_INF, D_INF | (1ull << 63)), D_QNAN); /* inf - inf */
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(ff(OPD(3, 0), 0, 0), D_QNAN); /* 0/0 */
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(ff(OPD(3, 0), D_ONE, 1ull << 63), D_INF | (1ull << 63)); /* 1/-0 */
    ck_assert_uint_eq(FLAGS(), DZ);
    ck_assert_uint_eq(ff(SQRT(0, 0), BOX(0xbf800000u), 0), BOX(S_QNAN)); /* sqrt(-1) */
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(ff(SQRT(1, 0), 1ull << 63, 0), 1ull << 63); /* sqrt(-0) */
    ck_assert_uint_eq(FLAGS(), 0);
    ck_assert_uint_eq(ff(SQRT(1, 0), 0x4010000000000000ull, 0), 0x4000000000000000ull);
    ck_assert_uint_eq(ff(OPS(3, 0), BOX(S_ONE), BOX(S_THREE)), BOX(0x3eaaaaabu)); /* 1/3 */
    ck_assert_uint_eq(FLAGS(), NX);
    ck_assert_uint_eq(ff(OPS(2, 0), BOX(0x7f7fffffu), BOX(S_TWO)), BOX(S_INF)); /* overflow */
    ck_assert_uint_eq(FLAGS(), OF | NX);
    ck_assert_uint_eq(ff(OPS(2, 1), BOX(0x7f7fffffu), BOX(S_TWO)), BOX(0x7f7fffffu)); /* RTZ */
    ck_assert_uint_eq(FLAGS(), OF | NX);
    /* 2^-149 * 0.5: a tie between 0 and 2^-149, tiny and inexact: UF NX, result +0 (even). */
    ck_assert_uint_eq(ff(OPS(2, 0), BOX(1), BOX(0x3f000000u)), BOX(0));
    ck_assert_uint_eq(FLAGS(), UF | NX);
    /* An exact subnormal result raises nothing (UF needs inexact, spec 11.3). */
    ck_assert_uint_eq(ff(OPS(2, 0), BOX(0x00800000u), BOX(0x3f000000u)), BOX(0x00400000u));
    ck_assert_uint_eq(FLAGS(), 0);
    /* Tininess after rounding (spec 11.3): 2^-126 (1 - 2^-46) rounds to 2^-126 with an
     * unbounded exponent, so it is not tiny: NX only. Rounded toward zero it stays tiny. */
    ck_assert_uint_eq(ff(OPS(2, 0), BOX(0x3f7ffffeu), BOX(0x00800001u)), BOX(0x00800000u));
    ck_assert_uint_eq(FLAGS(), NX);
    ck_assert_uint_eq(ff(OPS(2, 1), BOX(0x3f7ffffeu), BOX(0x00800001u)), BOX(0x007fffffu));
    ck_assert_uint_eq(FLAGS(), UF | NX);
    ck_assert_uint_eq(ff(OPD(2, 0), 0x3feffffffffffffeull, 0x0010000000000001ull),
                      0x0010000000000000ull);
    ck_assert_uint_eq(FLAGS(), NX);
    /* Flags accrue across instructions until software clears them. */
    rvt_reset();
    T.cpu.f[1] = BOX(S_ONE);
    T.cpu.f[2] = BOX(S_THREE);
    T.cpu.f[3] = 0;
    emit(FP(3, 0, 10, 1, 2, 0)); /* NX */
    emit(FP(3, 1, 11, 1, 3, 0)); /* fdiv.d of a boxed single by 0: the bits are a NaN: none */
    emit(FP(3, 0, 12, 1, 3, 0)); /* fdiv.s by an unboxed 0: canonical NaN input: none */
    emit(FP(3, 1, 13, 3, 3, 0)); /* 0/0: NV */
    rvt_run_to_ecall();
    ck_assert_uint_eq(FLAGS(), NX | NV);
}
END_TEST

/* Each mode on an exact tie and on a value 3/4 of an ulp above 1 (spec 11.2 table 11.1). */
START_TEST(rounding_modes)
{
    static const uint32_t tie_pos[5] = {S_ONE, S_ONE, S_ONE, 0x3f800001u, 0x3f800001u};
    static const uint32_t tie_neg[5] = {0xbf800000u, 0xbf800000u, 0xbf800001u, 0xbf800000u,
                                        0xbf800001u};
    static const uint32_t three_q[5] = {0x3f800001u, S_ONE, S_ONE, 0x3f800001u, 0x3f800001u};
    static const uint64_t dtie[5] = {D_ONE, D_ONE, D_ONE, D_ONE + 1, D_ONE + 1};
    /* 1.5 * (1 + 3*2^-52) = 1.5 + 4 ulp + half an ulp: RNE keeps the even 4, RMM goes to 5. */
    static const uint64_t mtie[5] = {0x3ff8000000000004ull, 0x3ff8000000000004ull,
                                     0x3ff8000000000004ull, 0x3ff8000000000005ull,
                                     0x3ff8000000000005ull};
    /* 2^24 + 1 to single: a tie between 2^24 and 2^24 + 2. */
    static const uint32_t itie[5] = {0x4b800000u, 0x4b800000u, 0x4b800000u, 0x4b800001u,
                                     0x4b800001u};
    static const uint32_t itie_neg[5] = {0xcb800000u, 0xcb800000u, 0xcb800001u, 0xcb800000u,
                                         0xcb800001u};
    /* 2^-1074 / 2: a tie between 0 and the smallest subnormal. */
    static const uint64_t sub[5] = {0, 0, 0, 1, 1};
    static const int32_t cvt25[5] = {2, 2, 2, 3, 3}, cvtm25[5] = {-2, -2, -3, -2, -3};
    for (unsigned rm = 0; rm < 5; rm++) {
        ck_assert_uint_eq(ff(OPS(0, rm), BOX(S_ONE), BOX(0x33800000u)), BOX(tie_pos[rm]));
        ck_assert_uint_eq(FLAGS(), NX);
        ck_assert_uint_eq(ff(OPS(0, rm), BOX(0xbf800000u), BOX(0xb3800000u)), BOX(tie_neg[rm]));
        ck_assert_uint_eq(ff(OPS(0, rm), BOX(S_ONE), BOX(0x33c00000u)), BOX(three_q[rm]));
        ck_assert_uint_eq(ff(OPD(0, rm), D_ONE, 0x3ca0000000000000ull), dtie[rm]);
        ck_assert_uint_eq(ff(OPD(2, rm), 0x3ff0000000000003ull, 0x3ff8000000000000ull), mtie[rm]);
        ck_assert_uint_eq(FLAGS(), NX);
        ck_assert_uint_eq(ff(OPD(3, rm), 1, 0x4000000000000000ull), sub[rm]);
        ck_assert_uint_eq(FLAGS(), UF | NX);
        ck_assert_uint_eq(ff(CVT(0x1a, 0, 0, rm), 16777217, 0), BOX(itie[rm]));
        ck_assert_uint_eq(FLAGS(), NX);
        ck_assert_uint_eq(ff(CVT(0x1a, 0, 2, rm), (uint64_t)-16777217, 0), BOX(itie_neg[rm]));
        ck_assert_uint_eq(ff(CVT(8, 0, 1, rm), 0x3ff0000010000000ull, 0), BOX(tie_pos[rm]));
        ck_assert_uint_eq(fx(CVT(0x18, 1, 0, rm), 0x4004000000000000ull, 0), (uint64_t)cvt25[rm]);
        ck_assert_uint_eq(FLAGS(), NX);
        ck_assert_uint_eq(fx(CVT(0x18, 1, 2, rm), 0xc004000000000000ull, 0),
                          (uint64_t)(int64_t)cvtm25[rm]);
        /* The same through frm with rm = 7 (dynamic). */
        rvt_reset();
        T.cpu.frm = rm;
        T.cpu.f[1] = BOX(S_ONE);
        T.cpu.f[2] = BOX(0x33800000u);
        emit(FP(0, 0, 10, 1, 2, 7));
        rvt_run_to_ecall();
        ck_assert_uint_eq(T.cpu.f[10], BOX(tie_pos[rm]));
    }
    /* RMM where an exact intermediate must not be rounded twice:
     * 1 + 2^-149 is inexact (NX) though far from any tie, and
     * (1 - 2^-23) * 1.5 - 2^-126 lies just below a tie, so RMM must not round it away. */
    ck_assert_uint_eq(ff(OPS(0, 4), BOX(S_ONE), BOX(1)), BOX(S_ONE));
    ck_assert_uint_eq(FLAGS(), NX);
    fp_run(FMA(0x47, 0, 4), BOX(0x3f7ffffeu), BOX(0x3fc00000u), BOX(0x00800000u));
    ck_assert_uint_eq(T.cpu.f[10], BOX(0x3fbffffeu));
    ck_assert_uint_eq(FLAGS(), NX);
    fp_run(FMA(0x47, 0, 4), BOX(0x3f7ffffeu), BOX(0x3fc00000u), BOX(0));
    ck_assert_uint_eq(T.cpu.f[10], BOX(0x3fbfffffu)); /* the exact tie goes away from zero */
    /* frm 5..7 makes a dynamic-rm instruction illegal when it runs; pc stays on it. */
    for (unsigned frm = 5; frm < 8; frm++) {
        rvt_reset();
        T.cpu.frm = frm;
        emit(ADDI(5, 0, 1));
        emit(FP(0, 0, 10, 1, 2, 7));
        ck_assert_int_eq(rvt_run(), RV_EXIT_ILLEGAL);
        ck_assert_uint_eq(T.ex.pc, CODE + 4);
        ck_assert_uint_eq(T.cpu.pc, CODE + 4);
        ck_assert_uint_eq(T.cpu.x[5], 1);
        ck_assert_uint_eq(T.ex.insn, FP(0, 0, 10, 1, 2, 7));
    }
    /* fsgnj ignores frm: its funct3 is not a rounding mode. */
    rvt_reset();
    T.cpu.frm = 6;
    T.cpu.f[1] = BOX(S_ONE);
    T.cpu.f[2] = BOX(0xbf800000u);
    emit(FP(4, 0, 10, 1, 2, 0));
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.f[10], BOX(0xbf800000u));
}
END_TEST

START_TEST(fused_multiply_add)
{
    const uint64_t two = 0x4000000000000000ull, three = 0x4008000000000000ull;
    fp_run(FMA(0x43, 1, 0), two, three, D_ONE);
    ck_assert_uint_eq(T.cpu.f[10], 0x401c000000000000ull); /* 2*3+1 = 7 */
    fp_run(FMA(0x47, 1, 0), two, three, D_ONE);
    ck_assert_uint_eq(T.cpu.f[10], 0x4014000000000000ull); /* 2*3-1 = 5 */
    fp_run(FMA(0x4b, 1, 0), two, three, D_ONE);
    ck_assert_uint_eq(T.cpu.f[10], 0xc014000000000000ull); /* -(2*3)+1 = -5 */
    fp_run(FMA(0x4f, 1, 0), two, three, D_ONE);
    ck_assert_uint_eq(T.cpu.f[10], 0xc01c000000000000ull); /* -(2*3)-1 = -7 */
    fp_run(FMA(0x43, 0, 0), BOX(S_TWO), BOX(S_THREE), BOX(S_ONE));
    ck_assert_uint_eq(T.cpu.f[10], BOX(0x40e00000u));
    ck_assert_uint_eq(FLAGS(), 0);
    /* One rounding: (1 + 2^-30)(1 - 2^-30) - 1 = -2^-60 exactly. */
    fp_run(FMA(0x43, 1, 0), 0x3ff0000000400000ull, 0x3fefffffff800000ull, 0xbff0000000000000ull);
    ck_assert_uint_eq(T.cpu.f[10], 0xbc30000000000000ull);
    ck_assert_uint_eq(FLAGS(), 0);
    /* inf * 0 + qNaN is invalid (spec 11.6), unlike IEEE's option to stay quiet. */
    fp_run(FMA(0x43, 1, 0), D_INF, 0, D_QNAN);
    ck_assert_uint_eq(T.cpu.f[10], D_QNAN);
    ck_assert_uint_eq(FLAGS(), NV);
    fp_run(FMA(0x4f, 0, 0), BOX(0), BOX(0xff800000u), BOX(S_QNAN));
    ck_assert_uint_eq(T.cpu.f[10], BOX(S_QNAN));
    ck_assert_uint_eq(FLAGS(), NV);
    fp_run(FMA(0x43, 1, 0), D_ONE, D_ONE, D_SNAN);
    ck_assert_uint_eq(T.cpu.f[10], D_QNAN);
    ck_assert_uint_eq(FLAGS(), NV);
    /* Signed zero: fnmadd computes -(+0 * 1) - (+0) = -0 - 0 = -0. */
    fp_run(FMA(0x4f, 1, 0), 0, D_ONE, 0);
    ck_assert_uint_eq(T.cpu.f[10], 1ull << 63);
    /* fmsub under RDN: 1*1 - 1 = -0 (an exact zero sum is -0 only when rounding down). */
    fp_run(FMA(0x47, 1, 2), D_ONE, D_ONE, D_ONE);
    ck_assert_uint_eq(T.cpu.f[10], 1ull << 63);
    fp_run(FMA(0x47, 1, 0), D_ONE, D_ONE, D_ONE);
    ck_assert_uint_eq(T.cpu.f[10], 0);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, nan_boxing);
    tcase_add_test(tc, canonical_nan_and_flags);
    tcase_add_test(tc, rounding_modes);
    tcase_add_test(tc, fused_multiply_add);
}

int main(void)
{
    return rvt_main("rv_fp", add_tests);
}
