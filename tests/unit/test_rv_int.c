/* test_rv_int.c: RV64I, M, Zba and Zbb semantics on edge values the specifications fix. */
#include "tests/unit/test_rv_harness.h"

#define M1 UINT64_MAX
#define MIN64 0x8000000000000000ull
#define MAX64 0x7fffffffffffffffull

START_TEST(alu_register)
{
    ck_assert_uint_eq(op2(R3(0, 0, OP), MAX64, 1), MIN64);        /* add wraps */
    ck_assert_uint_eq(op2(R3(0x20, 0, OP), 0, 1), M1);            /* sub */
    ck_assert_uint_eq(op2(R3(0, 2, OP), M1, 1), 1);               /* slt: -1 < 1 */
    ck_assert_uint_eq(op2(R3(0, 3, OP), M1, 1), 0);               /* sltu */
    ck_assert_uint_eq(op2(R3(0, 4, OP), 0xff00, 0x0ff0), 0xf0f0); /* xor */
    ck_assert_uint_eq(op2(R3(0, 6, OP), 0xff00, 0x0ff0), 0xfff0); /* or */
    ck_assert_uint_eq(op2(R3(0, 7, OP), 0xff00, 0x0ff0), 0x0f00); /* and */
    /* Shifts use rs2[5:0] (spec 4.2.2): 63 shifts, 64 is 0, 65 is 1. */
    ck_assert_uint_eq(op2(R3(0, 1, OP), 1, 63), MIN64);
    ck_assert_uint_eq(op2(R3(0, 1, OP), 5, 64), 5);
    ck_assert_uint_eq(op2(R3(0, 1, OP), 5, 65), 10);
    ck_assert_uint_eq(op2(R3(0, 5, OP), MIN64, 63), 1);
    ck_assert_uint_eq(op2(R3(0x20, 5, OP), MIN64, 63), M1);
    ck_assert_uint_eq(op2(R3(0x20, 5, OP), MIN64, 64), MIN64);
    /* Writes to x0 vanish. */
    rvt_reset();
    emit(ADDI(0, 0, 5));
    emit(ADD(3, 0, 0));
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[0], 0);
    ck_assert_uint_eq(T.cpu.x[3], 0);
}
END_TEST

START_TEST(alu_immediate)
{
    ck_assert_uint_eq(op2(I3(-1, 0, OPIMM), 0, 0), M1); /* addi sign-extends imm */
    ck_assert_uint_eq(op2(I3(2047, 0, OPIMM), 1, 0), 2048);
    ck_assert_uint_eq(op2(I3(-2048, 2, OPIMM), M1 - 2048, 0), 1);    /* slti */
    ck_assert_uint_eq(op2(I3(1, 3, OPIMM), 0, 0), 1);                /* sltiu = seqz */
    ck_assert_uint_eq(op2(I3(-1, 3, OPIMM), 5, 0), 1);               /* sltiu compares to 2^64-1 */
    ck_assert_uint_eq(op2(I3(-1, 4, OPIMM), 0x1234, 0), ~0x1234ull); /* not */
    ck_assert_uint_eq(op2(I3(-16, 7, OPIMM), M1, 0), M1 - 15);
    ck_assert_uint_eq(op2(I3(0x800, 6, OPIMM), 0, 0), 0xfffffffffffff800ull);
    ck_assert_uint_eq(op2(I3(63, 1, OPIMM), 1, 0), MIN64);          /* slli 63 */
    ck_assert_uint_eq(op2(I3(63, 5, OPIMM), MIN64, 0), 1);          /* srli 63 */
    ck_assert_uint_eq(op2(I3(0x400 | 63, 5, OPIMM), MIN64, 0), M1); /* srai 63 */
    ck_assert_uint_eq(op2(I3(0x400 | 4, 5, OPIMM), 0x80, 0), 8);
    /* lui/auipc: the 32-bit value is sign-extended (spec 4.2.1). */
    rvt_reset();
    emit(LUI(3, 0x80000));
    emit(AUIPC(4, 0xfffff));
    emit(LUI(5, 0x7ffff));
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[3], 0xffffffff80000000ull);
    ck_assert_uint_eq(T.cpu.x[4], CODE + 4 - 0x1000);
    ck_assert_uint_eq(T.cpu.x[5], 0x7ffff000);
}
END_TEST

START_TEST(word_ops)
{
    ck_assert_uint_eq(op2(R3(0, 0, OP32), 0x7fffffff, 1), 0xffffffff80000000ull); /* addw */
    ck_assert_uint_eq(op2(R3(0x20, 0, OP32), 0x80000000, 1), 0x7fffffff);         /* subw */
    ck_assert_uint_eq(op2(R3(0, 1, OP32), 1, 31), 0xffffffff80000000ull);         /* sllw */
    ck_assert_uint_eq(op2(R3(0, 1, OP32), 0xffffffff00000003ull, 32), 3);         /* shamt&31 */
    ck_assert_uint_eq(op2(R3(0, 5, OP32), 0x80000000, 31), 1);                    /* srlw */
    ck_assert_uint_eq(op2(R3(0, 5, OP32), 0x80000000, 0), 0xffffffff80000000ull);
    ck_assert_uint_eq(op2(R3(0x20, 5, OP32), 0x80000000, 31), M1); /* sraw */
    ck_assert_uint_eq(op2(R3(0x20, 5, OP32), 0x1ffffffffull, 4), M1);
    ck_assert_uint_eq(op2(I3(0, 0, OPIMM32), 0xffffffff00000001ull, 0), 1); /* sext.w */
    ck_assert_uint_eq(op2(I3(1, 0, OPIMM32), 0x7fffffff, 0), 0xffffffff80000000ull);
    ck_assert_uint_eq(op2(I3(31, 1, OPIMM32), 1, 0), 0xffffffff80000000ull); /* slliw */
    ck_assert_uint_eq(op2(I3(0, 5, OPIMM32), 0x80000000, 0), 0xffffffff80000000ull);
    ck_assert_uint_eq(op2(I3(31, 5, OPIMM32), 0xffffffff, 0), 1);          /* srliw */
    ck_assert_uint_eq(op2(I3(0x400 | 31, 5, OPIMM32), 0x80000000, 0), M1); /* sraiw */
}
END_TEST

START_TEST(multiply)
{
    ck_assert_uint_eq(op2(R3(1, 0, OP), MIN64, 2), 0); /* mul */
    ck_assert_uint_eq(op2(R3(1, 0, OP), M1, M1), 1);
    ck_assert_uint_eq(op2(R3(1, 1, OP), M1, M1), 0); /* mulh */
    ck_assert_uint_eq(op2(R3(1, 1, OP), MIN64, MIN64), 0x4000000000000000ull);
    ck_assert_uint_eq(op2(R3(1, 1, OP), MIN64, 1), M1);
    ck_assert_uint_eq(op2(R3(1, 2, OP), M1, M1), M1); /* mulhsu */
    ck_assert_uint_eq(op2(R3(1, 2, OP), 2, M1), 1);
    ck_assert_uint_eq(op2(R3(1, 3, OP), M1, M1), M1 - 1);                         /* mulhu */
    ck_assert_uint_eq(op2(R3(1, 0, OP32), 0x7fffffff, 2), 0xfffffffffffffffeull); /* mulw */
    ck_assert_uint_eq(op2(R3(1, 0, OP32), 0x100000003ull, 0x100000005ull), 15);
}
END_TEST

/* Spec 13.2, table "semantics for division by zero and division overflow". */
START_TEST(divide)
{
    ck_assert_uint_eq(op2(R3(1, 4, OP), 7, (uint64_t)-2), (uint64_t)-3); /* div truncates */
    ck_assert_uint_eq(op2(R3(1, 6, OP), 7, (uint64_t)-2), 1);            /* rem */
    ck_assert_uint_eq(op2(R3(1, 6, OP), (uint64_t)-7, 2), (uint64_t)-1);
    ck_assert_uint_eq(op2(R3(1, 4, OP), 42, 0), M1);        /* x/0 = -1 */
    ck_assert_uint_eq(op2(R3(1, 5, OP), 42, 0), M1);        /* divu: 2^64-1 */
    ck_assert_uint_eq(op2(R3(1, 6, OP), 42, 0), 42);        /* x%0 = x */
    ck_assert_uint_eq(op2(R3(1, 7, OP), M1, 0), M1);        /* remu */
    ck_assert_uint_eq(op2(R3(1, 4, OP), MIN64, M1), MIN64); /* overflow */
    ck_assert_uint_eq(op2(R3(1, 6, OP), MIN64, M1), 0);
    ck_assert_uint_eq(op2(R3(1, 5, OP), M1, 2), MAX64);
    ck_assert_uint_eq(op2(R3(1, 4, OP32), 0x80000000, M1), 0xffffffff80000000ull); /* divw */
    ck_assert_uint_eq(op2(R3(1, 6, OP32), 0x80000000, M1), 0);                     /* remw */
    ck_assert_uint_eq(op2(R3(1, 4, OP32), 5, 0), M1);
    ck_assert_uint_eq(op2(R3(1, 5, OP32), 5, 0), M1); /* divuw */
    ck_assert_uint_eq(op2(R3(1, 6, OP32), 0xffffffff80000001ull, 0), 0xffffffff80000001ull);
    ck_assert_uint_eq(op2(R3(1, 7, OP32), 0x80000000, 0), 0xffffffff80000000ull); /* remuw */
    ck_assert_uint_eq(op2(R3(1, 4, OP32), 0x100000004ull, 2), 2);                 /* low words */
    ck_assert_uint_eq(op2(R3(1, 5, OP32), 0xffffffff, 1), M1);
    ck_assert_uint_eq(op2(R3(1, 7, OP32), 0xffffffff, 0x10), 0xf);
}
END_TEST

START_TEST(branches_and_jumps)
{
    static const struct {
        unsigned f3;
        uint64_t a, b;
        bool taken;
    } br[] = {
        {0, 5, 5, true},  {0, 5, 6, false},  {1, 5, 6, true},   {1, 5, 5, false},
        {4, M1, 1, true}, {4, 1, M1, false}, {5, M1, M1, true}, {5, M1, 1, false},
        {6, 1, M1, true}, {6, M1, 1, false}, {7, M1, 1, true},  {7, 1, M1, false},
    };
    for (unsigned i = 0; i < sizeof(br) / sizeof(br[0]); i++) {
        rvt_reset();
        T.cpu.x[1] = br[i].a;
        T.cpu.x[2] = br[i].b;
        emit(enc_b(8, 2, 1, br[i].f3)); /* skip the next instruction when taken */
        emit(ADDI(3, 0, 1));
        rvt_run_to_ecall();
        ck_assert_msg(T.cpu.x[3] == (br[i].taken ? 0u : 1u), "branch case %u", i);
    }
    /* A backward branch loop: x3 counts to 10. */
    rvt_reset();
    emit(ADDI(4, 0, 10));
    emit(ADDI(3, 3, 1));
    emit(enc_b(-4, 4, 3, 1)); /* bne x3, x4, -4 */
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[3], 10);
    /* jal links pc+4; jalr clears bit 0 of the target and may use rd == rs1. */
    rvt_reset();
    emit(JAL(1, 8));      /* 0x1000 -> 0x1008, x1 = 0x1004 */
    emit(JAL(0, 16));     /* 0x1004 -> 0x1014 */
    emit(AUIPC(5, 0));    /* 0x1008: x5 = 0x1008 */
    emit(JALR(5, 5, -3)); /* target (0x1008 - 3) & ~1 = 0x1004; x5 = 0x1010 */
    emit(0);              /* 0x1010: never reached */
    rvt_run_to_ecall();   /* 0x1014 */
    ck_assert_uint_eq(T.cpu.x[1], CODE + 4);
    ck_assert_uint_eq(T.cpu.x[5], CODE + 16);
}
END_TEST

START_TEST(loads_and_stores)
{
    rvt_reset();
    static const uint8_t pattern[8] = {0x80, 0xff, 0x00, 0x80, 0x01, 0x02, 0x03, 0x84};
    memcpy(T.mem + DATA, pattern, 8);
    T.cpu.x[1] = DATA;
    emit(LOADI(0, 10, 1, 0));   /* lb */
    emit(LOADI(4, 11, 1, 0));   /* lbu */
    emit(LOADI(1, 12, 1, 0));   /* lh */
    emit(LOADI(5, 13, 1, 2));   /* lhu */
    emit(LOADI(2, 14, 1, 0));   /* lw */
    emit(LOADI(6, 15, 1, 0));   /* lwu */
    emit(LOADI(3, 16, 1, 0));   /* ld */
    emit(LOADI(3, 17, 1, 1));   /* misaligned ld: allowed for user code */
    emit(STOREI(0, 10, 1, 16)); /* sb */
    emit(STOREI(1, 10, 1, 24)); /* sh */
    emit(STOREI(2, 10, 1, 32)); /* sw */
    emit(STOREI(3, 16, 1, 41)); /* sd, misaligned */
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[10], 0xffffffffffffff80ull);
    ck_assert_uint_eq(T.cpu.x[11], 0x80);
    ck_assert_uint_eq(T.cpu.x[12], 0xffffffffffffff80ull);
    ck_assert_uint_eq(T.cpu.x[13], 0x8000);
    ck_assert_uint_eq(T.cpu.x[14], 0xffffffff8000ff80ull);
    ck_assert_uint_eq(T.cpu.x[15], 0x8000ff80ull);
    ck_assert_uint_eq(T.cpu.x[16], 0x840302018000ff80ull);
    ck_assert_uint_eq(T.cpu.x[17] & 0x00ffffffffffffffull, 0x840302018000ffull);
    uint64_t w = 0;
    memcpy(&w, T.mem + DATA + 16, 8);
    ck_assert_uint_eq(w, 0x80);
    memcpy(&w, T.mem + DATA + 24, 8);
    ck_assert_uint_eq(w, 0xff80);
    memcpy(&w, T.mem + DATA + 32, 8);
    ck_assert_uint_eq(w, 0xffffff80);
    memcpy(&w, T.mem + DATA + 41, 8);
    ck_assert_uint_eq(w, 0x840302018000ff80ull);
}
END_TEST

START_TEST(zba)
{
    ck_assert_uint_eq(op2(R3(0x04, 0, OP32), M1, 1), 0x100000000ull); /* add.uw */
    ck_assert_uint_eq(op2(R3(0x10, 2, OP), 3, 10), 16);               /* sh1add */
    ck_assert_uint_eq(op2(R3(0x10, 4, OP), 3, 10), 22);               /* sh2add */
    ck_assert_uint_eq(op2(R3(0x10, 6, OP), M1, 0), M1 << 3);          /* sh3add */
    ck_assert_uint_eq(op2(R3(0x10, 2, OP32), 0xffffffff80000000ull, 1), 0x100000001ull);
    ck_assert_uint_eq(op2(R3(0x10, 4, OP32), 0xffffffff00000001ull, 0), 4);
    ck_assert_uint_eq(op2(R3(0x10, 6, OP32), 0xffffffff00000001ull, 0), 8);
    ck_assert_uint_eq(op2(I3(0x80 | 1, 1, OPIMM32), 0xffffffff80000000ull, 0), 0x100000000ull);
    ck_assert_uint_eq(op2(I3(0x80 | 63, 1, OPIMM32), 1, 0), MIN64); /* slli.uw 63 */
}
END_TEST

START_TEST(zbb)
{
    ck_assert_uint_eq(op2(R3(0x20, 7, OP), 0xff, 0x0f), 0xf0);   /* andn */
    ck_assert_uint_eq(op2(R3(0x20, 6, OP), 0, 0), M1);           /* orn */
    ck_assert_uint_eq(op2(R3(0x20, 4, OP), 0x1234, 0x1234), M1); /* xnor */
    ck_assert_uint_eq(op2(I3(0x600, 1, OPIMM), 0, 0), 64);       /* clz */
    ck_assert_uint_eq(op2(I3(0x600, 1, OPIMM), 1, 0), 63);
    ck_assert_uint_eq(op2(I3(0x600, 1, OPIMM32), 0, 0), 32); /* clzw */
    ck_assert_uint_eq(op2(I3(0x600, 1, OPIMM32), 0xffffffff00000001ull, 0), 31);
    ck_assert_uint_eq(op2(I3(0x601, 1, OPIMM), 0, 0), 64); /* ctz */
    ck_assert_uint_eq(op2(I3(0x601, 1, OPIMM), MIN64, 0), 63);
    ck_assert_uint_eq(op2(I3(0x601, 1, OPIMM32), 0x100000000ull, 0), 32);         /* ctzw */
    ck_assert_uint_eq(op2(I3(0x602, 1, OPIMM), M1, 0), 64);                       /* cpop */
    ck_assert_uint_eq(op2(I3(0x602, 1, OPIMM32), M1, 0), 32);                     /* cpopw */
    ck_assert_uint_eq(op2(R3(0x05, 6, OP), M1, 1), 1);                            /* max */
    ck_assert_uint_eq(op2(R3(0x05, 7, OP), M1, 1), M1);                           /* maxu */
    ck_assert_uint_eq(op2(R3(0x05, 4, OP), M1, 1), M1);                           /* min */
    ck_assert_uint_eq(op2(R3(0x05, 5, OP), M1, 1), 1);                            /* minu */
    ck_assert_uint_eq(op2(I3(0x604, 1, OPIMM), 0x180, 0), 0xffffffffffffff80ull); /* sext.b */
    ck_assert_uint_eq(op2(I3(0x605, 1, OPIMM), 0x18000, 0), 0xffffffffffff8000ull);
    ck_assert_uint_eq(op2(enc_r(0x04, 0, 1, 4, 3, OP32), M1, 0), 0xffff); /* zext.h */
    ck_assert_uint_eq(op2(R3(0x30, 1, OP), 0x8000000000000001ull, 1), 3); /* rol */
    ck_assert_uint_eq(op2(R3(0x30, 1, OP), 0x1234, 64), 0x1234);
    ck_assert_uint_eq(op2(R3(0x30, 5, OP), 1, 1), MIN64);                   /* ror */
    ck_assert_uint_eq(op2(I3(0x600 | 63, 5, OPIMM), 1, 0), 2);              /* rori 63 */
    ck_assert_uint_eq(op2(R3(0x30, 1, OP32), 0x80000001, 1), 3);            /* rolw */
    ck_assert_uint_eq(op2(R3(0x30, 5, OP32), 1, 1), 0xffffffff80000000ull); /* rorw */
    ck_assert_uint_eq(op2(I3(0x600 | 4, 5, OPIMM32), 0x10, 0), 1);          /* roriw */
    ck_assert_uint_eq(op2(I3(0x287, 5, OPIMM), 0x01000000000000f0ull, 0), 0xff000000000000ffull);
    ck_assert_uint_eq(op2(I3(0x6b8, 5, OPIMM), 0x0102030405060708ull, 0), 0x0807060504030201ull);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, alu_register);
    tcase_add_test(tc, alu_immediate);
    tcase_add_test(tc, word_ops);
    tcase_add_test(tc, multiply);
    tcase_add_test(tc, divide);
    tcase_add_test(tc, branches_and_jumps);
    tcase_add_test(tc, loads_and_stores);
    tcase_add_test(tc, zba);
    tcase_add_test(tc, zbb);
}

int main(void)
{
    return rvt_main("rv_int", add_tests);
}
