/* test_rv_fpconv.c: F and D conversions and saturation, min/max, compares, fclass, fsgnj. */
#include "tests/unit/test_rv_harness.h"

START_TEST(convert_to_int)
{
    /* Saturation and NV (spec 11.7, table 11.4): NaN gives the largest value. */
    ck_assert_uint_eq(fx(CVT(0x18, 0, 0, 0), BOX(S_QNAN), 0), 0x7fffffff);
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(fx(CVT(0x18, 0, 0, 0), BOX(S_INF), 0), 0x7fffffff);
    ck_assert_uint_eq(fx(CVT(0x18, 0, 0, 0), BOX(0xff800000u), 0), 0xffffffff80000000ull);
    ck_assert_uint_eq(fx(CVT(0x18, 0, 0, 0), BOX(0x4f32d05eu), 0), 0x7fffffff); /* 3e9 */
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(fx(CVT(0x18, 0, 1, 0), BOX(0x4f32d05eu), 0), 0xffffffffb2d05e00ull);
    ck_assert_uint_eq(FLAGS(), 0); /* wu results are sign-extended too */
    ck_assert_uint_eq(fx(CVT(0x18, 0, 1, 0), BOX(S_QNAN), 0), UINT64_MAX);
    ck_assert_uint_eq(fx(CVT(0x18, 0, 1, 0), BOX(0xbf800000u), 0), 0); /* -1 -> 0 */
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(fx(CVT(0x18, 0, 1, 0), BOX(0xbf000000u), 0), 0); /* -0.5 RNE */
    ck_assert_uint_eq(FLAGS(), NX);
    ck_assert_uint_eq(fx(CVT(0x18, 0, 1, 2), BOX(0xbf000000u), 0), 0); /* RDN: -1 */
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(fx(CVT(0x18, 1, 2, 0), 0x43e0000000000000ull, 0), INT64_MAX); /* 2^63 */
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(fx(CVT(0x18, 1, 2, 0), 0xc3e0000000000000ull, 0), (uint64_t)INT64_MIN);
    ck_assert_uint_eq(FLAGS(), 0);
    ck_assert_uint_eq(fx(CVT(0x18, 1, 3, 0), D_SNAN, 0), UINT64_MAX);
    ck_assert_uint_eq(fx(CVT(0x18, 1, 3, 0), 0x43f0000000000000ull, 0), UINT64_MAX); /* 2^64 */
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(fx(CVT(0x18, 1, 3, 0), 0x43efffffffffffffull, 0), 0xfffffffffffff800ull);
    ck_assert_uint_eq(FLAGS(), 0);
    /* -2147483648.5: RTZ gives INT32_MIN inexactly, RDN falls out of range. */
    ck_assert_uint_eq(fx(CVT(0x18, 1, 0, 1), 0xc1e0000000100000ull, 0), 0xffffffff80000000ull);
    ck_assert_uint_eq(FLAGS(), NX);
    ck_assert_uint_eq(fx(CVT(0x18, 1, 0, 2), 0xc1e0000000100000ull, 0), 0xffffffff80000000ull);
    ck_assert_uint_eq(FLAGS(), NV);
    /* Integer to FP: W sources are the low 32 bits, sign- or zero-extended. */
    ck_assert_uint_eq(ff(CVT(0x1a, 1, 0, 0), 0x00000000ffffffffull, 0), 0xbff0000000000000ull);
    ck_assert_uint_eq(ff(CVT(0x1a, 1, 1, 0), 0xffffffffffffffffull, 0), 0x41efffffffe00000ull);
    ck_assert_uint_eq(ff(CVT(0x1a, 1, 3, 0), UINT64_MAX, 0), 0x43f0000000000000ull);
    ck_assert_uint_eq(FLAGS(), NX);
    ck_assert_uint_eq(ff(CVT(0x1a, 1, 3, 1), UINT64_MAX, 0), 0x43efffffffffffffull);
    ck_assert_uint_eq(ff(CVT(0x1a, 1, 2, 0), (uint64_t)INT64_MIN, 0), 0xc3e0000000000000ull);
    ck_assert_uint_eq(FLAGS(), 0);
    /* Between formats. */
    ck_assert_uint_eq(ff(CVT(8, 1, 0, 0), BOX(S_SNAN), 0), D_QNAN); /* fcvt.d.s */
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(ff(CVT(8, 1, 0, 0), BOX(0x80000001u), 0), 0xb6a0000000000000ull);
    ck_assert_uint_eq(FLAGS(), 0);
    ck_assert_uint_eq(ff(CVT(8, 0, 1, 0), 0x7e37e43c8800759cull, 0), BOX(S_INF)); /* 1e300 */
    ck_assert_uint_eq(FLAGS(), OF | NX);
    ck_assert_uint_eq(ff(CVT(8, 0, 1, 1), 0x7e37e43c8800759cull, 0), BOX(0x7f7fffffu));
    ck_assert_uint_eq(ff(CVT(8, 0, 1, 0), D_SNAN, 0), BOX(S_QNAN));
    ck_assert_uint_eq(FLAGS(), NV);
}
END_TEST

START_TEST(min_max_compare_class)
{
    /* fmin/fmax (spec 11.6): -0 < +0, a NaN operand yields the other, sNaN sets NV. */
    ck_assert_uint_eq(ff(OPS(5, 0), BOX(0x80000000u), BOX(0)), BOX(0x80000000u));
    ck_assert_uint_eq(ff(OPS(5, 1), BOX(0x80000000u), BOX(0)), BOX(0));
    ck_assert_uint_eq(ff(OPS(5, 0), BOX(0), BOX(0x80000000u)), BOX(0x80000000u));
    ck_assert_uint_eq(ff(OPS(5, 0), BOX(S_QNAN), BOX(S_ONE)), BOX(S_ONE));
    ck_assert_uint_eq(FLAGS(), 0);
    ck_assert_uint_eq(ff(OPS(5, 1), BOX(S_ONE), BOX(S_SNAN)), BOX(S_ONE));
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(ff(OPS(5, 1), BOX(S_SNAN), BOX(0x7fc00001u)), BOX(S_QNAN));
    ck_assert_uint_eq(ff(OPD(5, 0), 0xbff0000000000000ull, 0xc000000000000000ull),
                      0xc000000000000000ull);
    ck_assert_uint_eq(ff(OPD(5, 1), 0xbff0000000000000ull, 0xc000000000000000ull),
                      0xbff0000000000000ull);
    ck_assert_uint_eq(ff(OPD(5, 1), D_QNAN, D_QNAN), D_QNAN);
    /* feq is quiet; flt/fle signal on any NaN (spec 11.8). */
    ck_assert_uint_eq(fx(OPS(0x14, 2), BOX(S_QNAN), BOX(S_ONE)), 0);
    ck_assert_uint_eq(FLAGS(), 0);
    ck_assert_uint_eq(fx(OPS(0x14, 2), BOX(S_SNAN), BOX(S_ONE)), 0);
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(fx(OPS(0x14, 1), BOX(S_QNAN), BOX(S_ONE)), 0);
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(fx(OPS(0x14, 0), BOX(S_ONE), BOX(S_QNAN)), 0);
    ck_assert_uint_eq(FLAGS(), NV);
    ck_assert_uint_eq(fx(OPD(0x14, 2), 1ull << 63, 0), 1); /* -0 == +0 */
    ck_assert_uint_eq(fx(OPD(0x14, 1), 1ull << 63, 0), 0); /* -0 < +0 is false */
    ck_assert_uint_eq(fx(OPD(0x14, 0), 1ull << 63, 0), 1);
    ck_assert_uint_eq(fx(OPD(0x14, 1), 0xc000000000000000ull, 0xbff0000000000000ull), 1);
    ck_assert_uint_eq(fx(OPS(0x14, 1), BOX(S_TWO), BOX(S_ONE)), 0);
    ck_assert_uint_eq(fx(OPS(0x14, 0), BOX(S_ONE), BOX(S_ONE)), 1);
    /* fclass (spec 11.9). */
    static const uint32_t s[10] = {0xff800000u, 0xbf800000u, 0x80000001u, 0x80000000u, 0,
                                   1,           S_ONE,       S_INF,       S_SNAN,      S_QNAN};
    static const uint64_t d[10] = {0xfff0000000000000ull,
                                   0xbff0000000000000ull,
                                   0x800fffffffffffffull,
                                   1ull << 63,
                                   0,
                                   0x000fffffffffffffull,
                                   D_ONE,
                                   D_INF,
                                   D_SNAN,
                                   D_QNAN};
    for (unsigned i = 0; i < 10; i++) {
        ck_assert_uint_eq(fx(CVT(0x1c, 0, 0, 1), BOX(s[i]), 0), 1u << i);
        ck_assert_uint_eq(fx(CVT(0x1c, 1, 0, 1), d[i], 0), 1u << i);
    }
    ck_assert_uint_eq(fx(CVT(0x1c, 0, 0, 1), s[1], 0), 1u << 9); /* unboxed: canonical NaN */
    /* Sign injection is a bit operation: NaN payloads survive and nothing is signalled. */
    ck_assert_uint_eq(ff(OPD(4, 0), D_SNAN, 0xbff0000000000000ull), D_SNAN | 1ull << 63);
    ck_assert_uint_eq(ff(OPD(4, 1), D_SNAN, 0xbff0000000000000ull), D_SNAN);
    ck_assert_uint_eq(ff(OPD(4, 2), D_SNAN | 1ull << 63, 0xbff0000000000000ull), D_SNAN);
    ck_assert_uint_eq(ff(OPS(4, 1), BOX(S_SNAN), BOX(S_ONE)), BOX(S_SNAN | 0x80000000u));
    ck_assert_uint_eq(ff(OPS(4, 2), BOX(0xbf800000u), BOX(0xbf800000u)), BOX(S_ONE));
    ck_assert_uint_eq(FLAGS(), 0);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, convert_to_int);
    tcase_add_test(tc, min_max_compare_class);
}

int main(void)
{
    return rvt_main("rv_fpconv", add_tests);
}
