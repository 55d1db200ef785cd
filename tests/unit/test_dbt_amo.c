/* test_dbt_amo: LR/SC and the AMOs give the same registers, memory, reservation and exits
 * translated (host atomics) as interpreted, aligned or not, inside guest memory or not. */
#include "test_dbt_harness.h"

/* funct5 of LR, SC and the AMOs (spec table 8.1 / opcode map). */
static const unsigned amo_f5[] = {0x02, 0x03, 0x01, 0x00, 0x04, 0x0c, 0x08,
                                  0x10, 0x14, 0x18, 0x1c};

static uint32_t rand_amo(void)
{
    unsigned f3 = rnd() % 2 ? 3 : 2; /* .d or .w */
    unsigned f5 = amo_f5[rnd() % (sizeof(amo_f5) / sizeof(amo_f5[0]))];
    unsigned base = 5 + (unsigned)(rnd() % 4), rs2 = f5 == 0x02 ? 0 : reg();
    return AMOI(f5, f3, dst(), base, rs2, (unsigned)(rnd() % 2), (unsigned)(rnd() % 2));
}

START_TEST(amo_random_blocks)
{
    for (unsigned p = 0; p < 200; p++) {
        nprog = 0;
        for (unsigned i = 0; i < 1 + p % 12; i++) {
            switch (rnd() % 4) {
            case 0: { /* an LR/SC pair on one address, maybe with a store between */
                unsigned f3 = rnd() % 2 ? 3 : 2, base = 5 + (unsigned)(rnd() % 4);
                put(AMOI(0x02, f3, dst(), base, 0, 0, 0));
                if (rnd() % 3 == 0)
                    put(rand_mem());
                put(AMOI(0x03, rnd() % 4 ? f3 : 5 - f3, dst(), rnd() % 4 ? base : 5, reg(), 0,
                         0));
                break;
            }
            case 1:
                put(rand_alu_reg());
                break;
            default:
                put(rand_amo());
                break;
            }
        }
        put(ECALL);
        load_prog();
        for (unsigned s = 0; s < 24; s++) {
            random_state();
            /* Aligned most of the time; now and then misaligned or past the end. */
            for (unsigned r = 5; r <= 8; r++) {
                unsigned k = (unsigned)(rnd() % 16);
                if (k < 12)
                    A.cpu.x[r] &= ~7ull;
                else if (k == 12)
                    A.cpu.x[r] = MEM_SIZE - 4 + (rnd() % 2) * 8;
            }
            A.cpu.resv_size = 0;
            B.cpu = A.cpu;
            run_both();
            compare("amo", s);
        }
    }
    struct rv_cache_stats st;
    rv_cache_stats(B.cache, &st);
    ck_assert_uint_gt(st.translated, 0);
}
END_TEST

/* A counter bumped by an LR/SC retry loop and by amoadd in a translated loop. */
START_TEST(amo_loops)
{
    nprog = 0;
    put(AMOI(0x02, 3, 10, 5, 0, 1, 0));  /* again: lr.d.aq a0, (t0) */
    put(ADDI(10, 10, 1));
    put(AMOI(0x03, 3, 11, 5, 10, 0, 1)); /* sc.d.rl a1, a0, (t0) */
    put(enc_b(-12, 0, 11, 1));           /* bnez a1, again */
    put(AMOI(0x00, 2, 12, 6, 13, 0, 0)); /* amoadd.w a2, a3, (t1) */
    put(ADDI(14, 14, -1));
    put(enc_b(-24, 0, 14, 1));           /* bnez a4, again */
    put(ECALL);
    load_prog();
    for (unsigned s = 0; s < 4; s++) {
        random_state();
        A.cpu.x[5] &= ~7ull;
        A.cpu.x[6] &= ~3ull;
        A.cpu.x[13] = 3;
        A.cpu.x[14] = 500;
        B.cpu = A.cpu;
        run_both();
        compare("amo loop", s);
        ck_assert_int_eq(B.r, RV_EXIT_ECALL);
    }
}
END_TEST

static void add(TCase *tc)
{
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, amo_random_blocks);
    tcase_add_test(tc, amo_loops);
}

int main(void)
{
    return rvt_main("dbt_amo", add);
}
