/* test_rv_system.c: user CSRs, precise exits and faults, the block cache and its invalidation. */
#include "tests/unit/test_rv_harness.h"

#include <pthread.h>
#include <time.h>

enum { CSRRW = 1, CSRRS = 2, CSRRC = 3, CSRRWI = 5, CSRRSI = 6, CSRRCI = 7 };

START_TEST(float_csrs)
{
    rvt_reset();
    T.cpu.x[1] = 0x1ff;
    emit(CSRR(CSRRWI, 5, 0x002, 3));    /* frm = 3 (RUP); x5 = old frm 0 */
    emit(CSRR(CSRRS, 6, 0x003, 0));     /* read fcsr = 3 << 5 */
    emit(CSRR(CSRRWI, 7, 0x001, 0x1f)); /* fflags = all; x7 = 0 */
    emit(CSRR(CSRRCI, 8, 0x001, 1));    /* clear NX; x8 = 0x1f */
    emit(CSRR(CSRRS, 9, 0x003, 0));     /* fcsr = 0x7e */
    emit(CSRR(CSRRW, 10, 0x003, 1));    /* fcsr = 0x1ff & 0xff: frm 7, flags 0x1f */
    emit(CSRR(CSRRS, 11, 0x002, 0));
    emit(CSRR(CSRRS, 12, 0x001, 0));
    emit(CSRR(CSRRSI, 13, 0x002, 0)); /* uimm 0: a pure read */
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[5], 0);
    ck_assert_uint_eq(T.cpu.x[6], 3 << 5);
    ck_assert_uint_eq(T.cpu.x[7], 0);
    ck_assert_uint_eq(T.cpu.x[8], 0x1f);
    ck_assert_uint_eq(T.cpu.x[9], 0x7e);
    ck_assert_uint_eq(T.cpu.x[10], 0x7e);
    ck_assert_uint_eq(T.cpu.x[11], 7);
    ck_assert_uint_eq(T.cpu.x[12], 0x1f);
    ck_assert_uint_eq(T.cpu.x[13], 7);
    ck_assert_uint_eq(T.cpu.frm, 7);
    ck_assert_uint_eq(T.cpu.fflags, 0x1f);
}
END_TEST

START_TEST(counters)
{
    rvt_reset();
    emit(ADDI(1, 0, 1));
    emit(ADDI(1, 1, 1));
    emit(CSRR(CSRRS, 5, 0xc02, 0));  /* instret: two retired before it */
    emit(CSRR(CSRRS, 6, 0xc00, 0));  /* cycle */
    emit(CSRR(CSRRS, 7, 0xc01, 0));  /* time */
    emit(CSRR(CSRRSI, 8, 0xc01, 0)); /* csrrsi with uimm 0 does not write: legal */
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[5], 2);
    ck_assert_uint_eq(T.cpu.x[6], 3);
    ck_assert_uint_gt(T.cpu.x[7], 0);
    ck_assert_uint_ge(T.cpu.x[8], T.cpu.x[7]);
    /* Writing a read-only counter, or touching a CSR user mode does not have, is illegal. */
    const uint32_t bad[] = {CSRR(CSRRW, 0, 0xc00, 1),  CSRR(CSRRS, 5, 0xc01, 1),
                            CSRR(CSRRCI, 5, 0xc02, 1), CSRR(CSRRS, 5, 0x300, 0),
                            CSRR(CSRRS, 5, 0xc03, 0),  CSRR(CSRRS, 5, 0x004, 0),
                            CSRR(CSRRW, 5, 0x100, 0)};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rvt_reset();
        T.cpu.x[5] = 99;
        emit(bad[i]);
        ck_assert_int_eq(rvt_run(), RV_EXIT_ILLEGAL);
        ck_assert_uint_eq(T.ex.pc, CODE);
        ck_assert_uint_eq(T.cpu.x[5], 99);
    }
}
END_TEST

START_TEST(precise_exits)
{
    /* ebreak and c.ebreak: pc on them, with their length. */
    rvt_reset();
    emit(ADDI(1, 0, 1));
    emit(EBREAK);
    ck_assert_int_eq(rvt_run(), RV_EXIT_EBREAK);
    ck_assert_uint_eq(T.ex.pc, CODE + 4);
    ck_assert_uint_eq(T.ex.len, 4);
    rvt_reset();
    emit16(0x9002);
    ck_assert_int_eq(rvt_run(), RV_EXIT_EBREAK);
    ck_assert_uint_eq(T.ex.pc, CODE);
    ck_assert_uint_eq(T.ex.len, 2);
    /* ecall: the syscall layer resumes at pc + 4. */
    rvt_reset();
    emit(ECALL);
    emit(ADDI(1, 0, 7));
    emit(ECALL);
    ck_assert_int_eq(rvt_run(), RV_EXIT_ECALL);
    ck_assert_uint_eq(T.cpu.pc, CODE);
    T.cpu.pc += 4;
    ck_assert_int_eq(rvt_run(), RV_EXIT_ECALL);
    ck_assert_uint_eq(T.cpu.pc, CODE + 8);
    ck_assert_uint_eq(T.cpu.x[1], 7);
}
END_TEST

START_TEST(memory_faults)
{
    const struct {
        uint32_t insn;
        uint64_t base;
        enum rv_exit_reason why;
        uint64_t addr;
    } c[] = {
        {LOADI(3, 5, 1, 0), MEM_SIZE - 4, RV_EXIT_LOAD_FAULT, MEM_SIZE - 4},
        {LOADI(0, 5, 1, 0), MEM_SIZE, RV_EXIT_LOAD_FAULT, MEM_SIZE},
        {LOADI(2, 5, 1, -8), 4, RV_EXIT_LOAD_FAULT, UINT64_MAX - 3},
        {LOADI(3, 5, 1, 0), UINT64_MAX - 3, RV_EXIT_LOAD_FAULT, UINT64_MAX - 3},
        {STOREI(3, 2, 1, 1), MEM_SIZE - 8, RV_EXIT_STORE_FAULT, MEM_SIZE - 7},
        {STOREI(0, 2, 1, 0), 1ull << 63, RV_EXIT_STORE_FAULT, 1ull << 63},
        {enc_i(0, 1, 3, 5, 0x07), MEM_SIZE - 1, RV_EXIT_LOAD_FAULT, MEM_SIZE - 1},  /* fld */
        {enc_s(0, 2, 1, 2, 0x27), MEM_SIZE - 2, RV_EXIT_STORE_FAULT, MEM_SIZE - 2}, /* fsw */
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        rvt_reset();
        T.cpu.x[1] = c[i].base;
        T.cpu.x[5] = 55;
        T.cpu.f[5] = 55;
        emit(ADDI(6, 0, 1));
        emit(c[i].insn);
        ck_assert_int_eq(rvt_run(), c[i].why);
        ck_assert_uint_eq(T.ex.addr, c[i].addr);
        ck_assert_uint_eq(T.ex.pc, CODE + 4);
        ck_assert_uint_eq(T.cpu.pc, CODE + 4);
        ck_assert_uint_eq(T.cpu.x[5], 55);
        ck_assert_uint_eq(T.cpu.f[5], 55);
        ck_assert_uint_eq(T.cpu.x[6], 1);
        ck_assert_uint_eq(T.cpu.instret, 1);
    }
    /* The last bytes of memory are usable. */
    rvt_reset();
    T.cpu.x[1] = MEM_SIZE - 8;
    T.cpu.x[2] = 0x1122334455667788ull;
    emit(STOREI(3, 2, 1, 0));
    emit(LOADI(3, 3, 1, 0));
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[3], 0x1122334455667788ull);
    /* Fetch faults: a jump out of memory, and a 32-bit instruction cut by the end. */
    rvt_reset();
    T.cpu.x[1] = MEM_SIZE;
    emit(JALR(5, 1, 0));
    ck_assert_int_eq(rvt_run(), RV_EXIT_FETCH_FAULT);
    ck_assert_uint_eq(T.ex.pc, MEM_SIZE);
    ck_assert_uint_eq(T.ex.addr, MEM_SIZE);
    ck_assert_uint_eq(T.cpu.pc, MEM_SIZE);
    ck_assert_uint_eq(T.cpu.x[5], CODE + 4); /* the jump itself completed */
    rvt_reset();
    T.cpu.x[1] = MEM_SIZE - 2;
    uint16_t half = 0x0013; /* low half of an addi */
    memcpy(T.mem + MEM_SIZE - 2, &half, 2);
    emit(JALR(0, 1, 0));
    ck_assert_int_eq(rvt_run(), RV_EXIT_FETCH_FAULT);
    ck_assert_uint_eq(T.ex.pc, MEM_SIZE - 2);
    ck_assert_uint_eq(T.ex.addr, MEM_SIZE);
    /* An odd pc (only a bad signal return can make one): misaligned. */
    rvt_reset();
    T.cpu.pc = CODE + 1;
    ck_assert_int_eq(rvt_run(), RV_EXIT_MISALIGNED);
    ck_assert_uint_eq(T.ex.addr, CODE + 1);
    /* A block running into a fault: the instructions before it retire. */
    rvt_reset();
    T.at = MEM_SIZE - 8;
    T.cpu.pc = T.at;
    emit(ADDI(7, 0, 3));
    emit(ADDI(7, 7, 3));
    ck_assert_int_eq(rvt_run(), RV_EXIT_FETCH_FAULT);
    ck_assert_uint_eq(T.cpu.x[7], 6);
    ck_assert_uint_eq(T.ex.pc, MEM_SIZE);
}
END_TEST

START_TEST(limit_and_stop)
{
    rvt_reset();
    emit(JAL(0, 0)); /* j . */
    ck_assert_int_eq(rv_run(&T.cpu, &T.m, T.cache, 1000, &T.ex), RV_EXIT_LIMIT);
    ck_assert_uint_eq(T.cpu.pc, CODE);
    ck_assert_uint_eq(T.cpu.instret, 1000);
    rv_request_stop(&T.cpu);
    ck_assert_int_eq(rvt_run(), RV_EXIT_STOP);
    ck_assert_int_eq(rv_run(&T.cpu, &T.m, T.cache, 10, &T.ex), RV_EXIT_LIMIT); /* cleared */
}
END_TEST

static void *stopper(void *arg)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    rv_request_stop(arg);
    return NULL;
}

START_TEST(stop_from_another_thread)
{
    rvt_reset();
    emit(ADDI(1, 1, 1));
    emit(JAL(0, -4));
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, stopper, &T.cpu), 0);
    ck_assert_int_eq(rv_run(&T.cpu, &T.m, T.cache, UINT64_MAX, &T.ex), RV_EXIT_STOP);
    pthread_join(t, NULL);
    ck_assert_uint_gt(T.cpu.x[1], 0);
}
END_TEST

/* A subroutine at SUB that sets x5 to v and returns. */
#define SUB (CODE + 0x800)
static void put_sub(int v)
{
    uint32_t w[2] = {ADDI(5, 0, v), JALR(0, 1, 0)};
    memcpy(T.mem + SUB, w, 8);
}

START_TEST(cache_and_invalidation)
{
    rvt_reset();
    put_sub(1);
    emit(JAL(1, (int)(SUB - T.at)));
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[5], 1);
    struct rv_cache_stats st;
    rv_cache_stats(T.cache, &st);
    /* The call and the subroutine are one block (decoding follows jal); after the return,
     * the ecall is the other. */
    ck_assert_uint_eq(st.blocks, 2);
    /* Changed code is seen once it is invalidated; a range elsewhere keeps the block. */
    put_sub(2);
    rv_invalidate(&T.m, DATA, 4096);
    T.cpu.pc = CODE;
    rvt_run();
    ck_assert_uint_eq(T.cpu.x[5], 1); /* still the decoded copy: no fence.i yet (spec 5.1) */
    rv_invalidate(&T.m, SUB + 4, 1);
    T.cpu.pc = CODE;
    rvt_run();
    ck_assert_uint_eq(T.cpu.x[5], 2);
    /* More invalidations than the log holds: the cache starts again from empty. */
    put_sub(3);
    for (unsigned i = 0; i < 2 * RV_INVAL_LOG; i++)
        rv_invalidate(&T.m, DATA + i * 64, 64);
    T.cpu.pc = CODE;
    rvt_run();
    ck_assert_uint_eq(T.cpu.x[5], 3);
    rv_cache_stats(T.cache, &st);
    ck_assert_uint_ge(st.flushes, 1);
    /* Lengths that overflow the address space mean "to the end". */
    put_sub(4);
    rv_invalidate(&T.m, SUB, UINT64_MAX);
    T.cpu.pc = CODE;
    rvt_run();
    ck_assert_uint_eq(T.cpu.x[5], 4);
}
END_TEST

START_TEST(fence_i)
{
    /* Store a new instruction over a decoded one, fence.i, run it again (spec 5.1). */
    rvt_reset();
    put_sub(1);
    T.cpu.x[6] = ADDI(5, 0, 9);
    T.cpu.x[7] = SUB;
    emit(JAL(1, (int)(SUB - T.at)));
    emit(STOREI(2, 6, 7, 0));
    emit(FENCE_I);
    emit(JAL(1, (int)(SUB - T.at)));
    emit(ECALL);
    ck_assert_int_eq(rvt_run(), RV_EXIT_FENCE_I);
    ck_assert_uint_eq(T.ex.pc, CODE + 8);
    ck_assert_uint_eq(T.cpu.pc, CODE + 12);
    ck_assert_uint_eq(T.cpu.x[5], 1);
    ck_assert_int_eq(rvt_run(), RV_EXIT_ECALL);
    ck_assert_uint_eq(T.cpu.x[5], 9);
    /* Another thread's cache (another hart) sees the invalidation too. */
    struct rv_cache *other = rv_cache_new();
    struct rv_cpu cpu2;
    struct rv_exit ex2;
    rv_cpu_init(&cpu2, SUB);
    cpu2.x[1] = CODE + 16; /* return to the ecall */
    ck_assert_int_eq(rv_run(&cpu2, &T.m, other, 100, &ex2), RV_EXIT_ECALL);
    ck_assert_uint_eq(cpu2.x[5], 9);
    T.cpu.x[6] = ADDI(5, 0, 10); /* what the program stores this time */
    T.cpu.pc = CODE;             /* this hart's fence.i invalidates for everyone */
    ck_assert_int_eq(rvt_run(), RV_EXIT_FENCE_I);
    cpu2.pc = SUB;
    ck_assert_int_eq(rv_run(&cpu2, &T.m, other, 100, &ex2), RV_EXIT_ECALL);
    ck_assert_uint_eq(cpu2.x[5], 10);
    rv_cache_free(other);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, float_csrs);
    tcase_add_test(tc, counters);
    tcase_add_test(tc, precise_exits);
    tcase_add_test(tc, memory_faults);
    tcase_add_test(tc, limit_and_stop);
    tcase_add_test(tc, stop_from_another_thread);
    tcase_add_test(tc, cache_and_invalidation);
    tcase_add_test(tc, fence_i);
}

int main(void)
{
    return rvt_main("rv_system", add_tests);
}
