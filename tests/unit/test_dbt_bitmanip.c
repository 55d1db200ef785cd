/* test_dbt_bitmanip: Zba and Zbb translated give what the interpreter gives, on random and
 * edge values (zero for the counts, shift amounts at their limits). */
#include "test_dbt_harness.h"

static uint32_t rand_zb(void)
{
    unsigned rd = dst(), a = reg(), c = reg();
    switch (rnd() % 24) {
    case 0:
        return enc_r(0x04, c, a, 0, rd, OP32); /* add.uw */
    case 1:
        return enc_r(0x10, c, a, 2 * (1 + (unsigned)(rnd() % 3)), rd, OP); /* shNadd */
    case 2:
        return enc_r(0x10, c, a, 2 * (1 + (unsigned)(rnd() % 3)), rd, OP32); /* shNadd.uw */
    case 3:
        return enc_i((int32_t)(0x080 | rnd() % 64), a, 1, rd, OPIMM32); /* slli.uw */
    case 4:
        return enc_r(0x20, c, a, 7, rd, OP); /* andn */
    case 5:
        return enc_r(0x20, c, a, 6, rd, OP); /* orn */
    case 6:
        return enc_r(0x20, c, a, 4, rd, OP); /* xnor */
    case 7:
    case 8:
        return enc_i((int32_t)(0x600 + rnd() % 3), a, 1, rd, OPIMM); /* clz ctz cpop */
    case 9:
    case 10:
        return enc_i((int32_t)(0x600 + rnd() % 3), a, 1, rd, OPIMM32); /* clzw ctzw cpopw */
    case 11:
    case 12:
        return enc_r(0x05, c, a, 4 + (unsigned)(rnd() % 4), rd, OP); /* min minu max maxu */
    case 13:
        return enc_i((int32_t)(0x604 + rnd() % 2), a, 1, rd, OPIMM); /* sext.b sext.h */
    case 14:
        return enc_r(0x04, 0, a, 4, rd, OP32); /* zext.h */
    case 15:
    case 16:
        return enc_r(0x30, c, a, rnd() % 2 ? 1 : 5, rd, rnd() % 2 ? OP : OP32); /* rol ror */
    case 17:
        return enc_i((int32_t)(0x600 | rnd() % 64), a, 5, rd, OPIMM); /* rori */
    case 18:
        return enc_i((int32_t)(0x600 | rnd() % 32), a, 5, rd, OPIMM32); /* roriw */
    case 19:
        return enc_i(0x287, a, 5, rd, OPIMM); /* orc.b: the helper */
    case 20:
        return enc_i(0x6b8, a, 5, rd, OPIMM); /* rev8 */
    default:
        return rand_alu_reg();
    }
}

START_TEST(bitmanip_random_blocks)
{
    for (unsigned p = 0; p < 200; p++) {
        nprog = 0;
        for (unsigned i = 0; i < 1 + p % 20; i++)
            put(rand_zb());
        put(ECALL);
        differential("zb", 24);
    }
}
END_TEST

static void add(TCase *tc)
{
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, bitmanip_random_blocks);
}

int main(void)
{
    return rvt_main("dbt_bitmanip", add);
}
