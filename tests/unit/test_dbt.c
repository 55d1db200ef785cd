/* test_dbt: every translated block of the integer ops must do what the interpreter does. */
#include "test_dbt_harness.h"

START_TEST(alu_immediate)
{
    for (unsigned p = 0; p < 40; p++) {
        nprog = 0;
        for (unsigned i = 0; i < 1 + p % 30; i++)
            put(rand_alu_imm());
        put(ECALL);
        differential("alu-imm", STATES);
    }
}
END_TEST

START_TEST(alu_register)
{
    for (unsigned p = 0; p < 40; p++) {
        nprog = 0;
        for (unsigned i = 0; i < 1 + p % 30; i++)
            put(rand_alu_reg());
        put(ECALL);
        differential("alu-reg", STATES);
    }
}
END_TEST

/* mv and li as compilers write them (add rd, x0, rs; addi rd, x0, imm) and the other forms
 * with x0 as an operand, into and from pinned (sp, ra, a0-a5) and unpinned registers. */
START_TEST(moves_and_constants)
{
    static const uint8_t f3s[] = {0, 4, 6}; /* add, xor, or; and their immediate forms */
    for (unsigned p = 0; p < 40; p++) {
        nprog = 0;
        for (unsigned i = 0; i < 1 + p % 16; i++) {
            unsigned rd = dst(), rs = reg(), f3 = f3s[rnd() % 3];
            switch (rnd() % 5) {
            case 0:
                put(enc_r(0, rs, 0, f3, rd, OP)); /* rd = x0 op rs */
                break;
            case 1:
                put(enc_r(0, 0, rs, f3, rd, OP)); /* rd = rs op x0 */
                break;
            case 2:
                put(enc_r(0x20, 0, rs, 0, rd, OP)); /* sub rd, rs, x0 */
                break;
            case 3:
                put(enc_r(0x20, rs, 0, 0, rd, OP)); /* sub rd, x0, rs (neg) */
                break;
            default:
                put(enc_i(imm12(), 0, f3, rd, OPIMM)); /* rd = x0 op imm */
                break;
            }
            put(rand_alu_reg()); /* something that reads what was moved */
        }
        put(ECALL);
        differential("moves", STATES);
    }
}
END_TEST

START_TEST(multiply_divide)
{
    for (unsigned p = 0; p < 60; p++) {
        nprog = 0;
        for (unsigned i = 0; i < 1 + p % 20; i++)
            put(rand_muldiv());
        put(ECALL);
        differential("muldiv", STATES);
    }
}
END_TEST

/* The spec's table 13.1 cases, each as the only instruction: both tiers give the fixed values. */
START_TEST(division_edge_cases)
{
    static const uint64_t pairs[][2] = {
        {5, 0},
        {1ull << 63, UINT64_MAX},
        {0xffffffff80000000ull, UINT64_MAX},
        {0x80000000u, UINT64_MAX},
        {7, UINT64_MAX},
        {0, 0},
        {UINT64_MAX, 0xffffffffu},
        /* operands on both sides of 2^32 */
        {1000003, 13},
        {0xffffffffu, 7},
        {0x100000000ull, 7},
        {0xffffffffu, 0xffffffffu},
        {12345, 0x100000000ull},
        {0x7fffffff, 0x80000000u},
    };
    for (unsigned f3 = 4; f3 < 8; f3++)
        for (unsigned w = 0; w < 2; w++)
            for (unsigned k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++) {
                nprog = 0;
                put(enc_r(1, 2, 1, f3, 3, w ? OP32 : OP));
                put(ECALL);
                load_prog();
                random_state();
                A.cpu.x[1] = B.cpu.x[1] = pairs[k][0];
                A.cpu.x[2] = B.cpu.x[2] = pairs[k][1];
                run_both();
                compare("div edge", k);
            }
    /* Spot values: DIV INT64_MIN / -1 = INT64_MIN, REM = 0; DIVU x/0 = all ones. */
    nprog = 0;
    put(enc_r(1, 2, 1, 4, 3, OP));
    put(enc_r(1, 2, 1, 6, 4, OP));
    put(enc_r(1, 0, 1, 5, 9, OP));
    put(enc_r(1, 0, 1, 7, 10, OP32));
    put(ECALL);
    load_prog();
    random_state();
    B.cpu.x[1] = 1ull << 63;
    B.cpu.x[2] = UINT64_MAX;
    rv_set_tier(RV_TIER_TRANSLATE, 1);
    ck_assert_int_eq(rv_run(&B.cpu, &B.m, B.cache, 1000, &B.ex), RV_EXIT_ECALL);
    ck_assert_uint_eq(B.cpu.x[3], 1ull << 63);
    ck_assert_uint_eq(B.cpu.x[4], 0);
    ck_assert_uint_eq(B.cpu.x[9], UINT64_MAX);
    ck_assert_uint_eq(B.cpu.x[10], 0); /* REMUW x/0 = sign-extended low word of x */
}
END_TEST

START_TEST(loads_and_stores)
{
    for (unsigned p = 0; p < 60; p++) {
        nprog = 0;
        for (unsigned i = 0; i < 1 + p % 30; i++)
            put(rnd() % 3 ? rand_mem() : rand_alu_reg());
        put(ECALL);
        differential("mem", STATES);
    }
}
END_TEST

/* Control transfers end the block: fall through to one ecall, jump to the other. */
START_TEST(branches_and_jumps)
{
    for (unsigned p = 0; p < 120; p++) {
        nprog = 0;
        for (unsigned i = 0; i < p % 8; i++)
            put(rnd() % 2 ? rand_alu_imm() : rand_alu_reg());
        uint64_t at = CODE + nprog * 4;
        static const unsigned f3s[] = {0, 1, 4, 5, 6, 7};
        unsigned k = (unsigned)(rnd() % 8);
        /* Small registers make equal operands common; x31 holds the JALR target. */
        unsigned r1 = 1 + (unsigned)(rnd() % 4), r2 = 1 + (unsigned)(rnd() % 4);
        if (k < 6)
            put(enc_b(8, r2, r1, f3s[k]));
        else if (k == 6)
            put(JAL(dst(), 8));
        else
            put(JALR(dst() % 31, 31, (int32_t)(rnd() % 2) - 4));
        put(ECALL);
        put(ECALL);
        load_prog();
        for (unsigned s = 0; s < STATES; s++) {
            random_state();
            for (unsigned r = 1; r <= 4; r++)
                A.cpu.x[r] = rnd() % 3;
            A.cpu.x[31] = at + 12 + rnd() % 2; /* bit 0 is cleared by JALR */
            B.cpu = A.cpu;
            run_both();
            compare("branch", s);
        }
    }
    struct rv_cache_stats st;
    rv_cache_stats(B.cache, &st);
    ck_assert_uint_gt(st.translated, 0);
}
END_TEST

/* A mix that includes instructions left to the interpreter (csrr instret, FP, AMO): translated
 * prefixes hand over to it with instret exact. */
START_TEST(mixed_with_fallback)
{
    for (unsigned p = 0; p < 80; p++) {
        nprog = 0;
        for (unsigned i = 0; i < 1 + p % 40; i++) {
            switch (rnd() % 8) {
            case 0:
                put(rand_alu_imm());
                break;
            case 1:
                put(rand_alu_reg());
                break;
            case 2:
                put(rand_muldiv());
                break;
            case 3:
                put(rand_mem());
                break;
            case 4:
                put(CSRR(2, dst(), 0xc02, 0));
                break; /* rdinstret */
            case 5:
                put(FP(0, 1, 1, 2, 3, 0));
                break; /* fadd.d f1, f2, f3 */
            case 6:
                put(AMOI(0, 3, dst(), 5 + (unsigned)(rnd() % 4), reg(), 0, 0));
                break;
            default:
                put(0x0ff0000f);
                break; /* fence */
            }
        }
        put(ECALL);
        differential("mixed", 16);
    }
}
END_TEST

static void add(TCase *tc)
{
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, alu_immediate);
    tcase_add_test(tc, alu_register);
    tcase_add_test(tc, moves_and_constants);
    tcase_add_test(tc, multiply_divide);
    tcase_add_test(tc, division_edge_cases);
    tcase_add_test(tc, loads_and_stores);
    tcase_add_test(tc, branches_and_jumps);
    tcase_add_test(tc, mixed_with_fallback);
}

int main(void)
{
    return rvt_main("dbt", add);
}
