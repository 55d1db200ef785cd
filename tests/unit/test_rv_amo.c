/* test_rv_amo.c: the A extension: every AMO, LR/SC success and failure, alignment, threads. */
#include "tests/unit/test_rv_harness.h"

#include <pthread.h>

enum {
    F_ADD = 0x00,
    F_SWAP = 0x01,
    F_LR = 0x02,
    F_SC = 0x03,
    F_XOR = 0x04,
    F_OR = 0x08,
    F_AND = 0x0c,
    F_MIN = 0x10,
    F_MAX = 0x14,
    F_MINU = 0x18,
    F_MAXU = 0x1c
};

/* One AMO on memory holding m with rs2 = v: returns rd; *after is the memory afterwards. */
static uint64_t amo(unsigned f5, unsigned f3, uint64_t m, uint64_t v, uint64_t *after)
{
    rvt_reset();
    memcpy(T.mem + DATA, &m, 8);
    T.cpu.x[1] = DATA;
    T.cpu.x[2] = v;
    emit(AMOI(f5, f3, 3, 1, 2, f5 & 1, (f5 >> 1) & 1));
    rvt_run_to_ecall();
    memcpy(after, T.mem + DATA, 8);
    return T.cpu.x[3];
}

START_TEST(amo_word)
{
    /* Memory word 0x80000000 (negative as int32) next to a guard word; rs2's upper half is
     * ignored by .w forms (spec 8.4). */
    const uint64_t m = 0x5555555580000000ull, v = 0xffffffff00000001ull;
    static const struct {
        unsigned f5;
        uint32_t result;
    } c[] = {
        {F_SWAP, 1}, {F_ADD, 0x80000001u}, {F_XOR, 0x80000001u},
        {F_AND, 0},  {F_OR, 0x80000001u},  {F_MIN, 0x80000000u},
        {F_MAX, 1},  {F_MINU, 1},          {F_MAXU, 0x80000000u},
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        uint64_t after;
        uint64_t rd = amo(c[i].f5, 2, m, v, &after);
        ck_assert_msg(rd == 0xffffffff80000000ull, "amo %#x.w rd %#llx", c[i].f5,
                      (unsigned long long)rd);
        ck_assert_msg(after == (0x5555555500000000ull | c[i].result), "amo %#x.w memory %#llx",
                      c[i].f5, (unsigned long long)after);
    }
}
END_TEST

START_TEST(amo_double)
{
    const uint64_t m = 0x8000000000000000ull, v = 1;
    static const struct {
        unsigned f5;
        uint64_t result;
    } c[] = {
        {F_SWAP, 1},
        {F_ADD, 0x8000000000000001ull},
        {F_XOR, 0x8000000000000001ull},
        {F_AND, 0},
        {F_OR, 0x8000000000000001ull},
        {F_MIN, 0x8000000000000000ull},
        {F_MAX, 1},
        {F_MINU, 1},
        {F_MAXU, 0x8000000000000000ull},
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        uint64_t after;
        ck_assert_uint_eq(amo(c[i].f5, 3, m, v, &after), m);
        ck_assert_msg(after == c[i].result, "amo %#x.d", c[i].f5);
    }
    /* rd == rs2: the old value lands in rd after the operand was read. */
    rvt_reset();
    uint64_t seven = 7;
    memcpy(T.mem + DATA, &seven, 8);
    T.cpu.x[1] = DATA;
    T.cpu.x[2] = 5;
    emit(AMOI(F_ADD, 3, 2, 1, 2, 1, 1));
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[2], 7);
    memcpy(&seven, T.mem + DATA, 8);
    ck_assert_uint_eq(seven, 12);
}
END_TEST

START_TEST(lr_sc)
{
    uint64_t v = 0x00000000fffffffeull;
    /* Success: lr.w sign-extends; sc.w writes 0 to rd and stores. */
    rvt_reset();
    memcpy(T.mem + DATA, &v, 8);
    T.cpu.x[1] = DATA;
    emit(AMOI(F_LR, 2, 10, 1, 0, 1, 0));
    emit(ADDI(10, 10, 1));
    emit(AMOI(F_SC, 2, 11, 1, 10, 0, 1));
    emit(AMOI(F_SC, 2, 12, 1, 10, 0, 1)); /* the reservation is gone: fails */
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[10], 0xffffffffffffffffull);
    ck_assert_uint_eq(T.cpu.x[11], 0);
    ck_assert_uint_eq(T.cpu.x[12], 1);
    memcpy(&v, T.mem + DATA, 8);
    ck_assert_uint_eq(v, 0xffffffffull);
    /* Failure without any reservation: rd = 1 and memory is untouched (nonzero rd, 8.2). */
    rvt_reset();
    T.cpu.x[1] = DATA;
    T.cpu.x[2] = 42;
    emit(AMOI(F_SC, 3, 11, 1, 2, 0, 0));
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[11], 1);
    memcpy(&v, T.mem + DATA, 8);
    ck_assert_uint_eq(v, 0xffffffffull);
    /* Failure after the reserved word changed; failure on another address; on another size. */
    rvt_reset();
    T.cpu.x[1] = DATA;
    T.cpu.x[2] = 42;
    T.cpu.x[3] = DATA + 8;
    emit(AMOI(F_LR, 3, 10, 1, 0, 0, 0));
    emit(STOREI(3, 2, 1, 0)); /* sd x2, 0(x1): the value changes */
    emit(AMOI(F_SC, 3, 11, 1, 2, 0, 0));
    emit(AMOI(F_LR, 3, 10, 1, 0, 0, 0));
    emit(AMOI(F_SC, 3, 12, 3, 2, 0, 0)); /* other address */
    emit(AMOI(F_LR, 3, 10, 1, 0, 0, 0));
    emit(AMOI(F_SC, 2, 13, 1, 2, 0, 0)); /* sc.w after lr.d */
    emit(AMOI(F_LR, 3, 10, 1, 0, 0, 0));
    emit(AMOI(F_SC, 3, 14, 1, 0, 0, 0)); /* matching: succeeds, stores 0 */
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[11], 1);
    ck_assert_uint_eq(T.cpu.x[12], 1);
    ck_assert_uint_eq(T.cpu.x[13], 1);
    ck_assert_uint_eq(T.cpu.x[14], 0);
    memcpy(&v, T.mem + DATA, 8);
    ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(alignment_and_bounds)
{
    /* Misaligned atomics trap precisely (spec 8.4), before anything is written. */
    const struct {
        uint32_t insn;
        uint64_t addr;
        enum rv_exit_reason why;
    } c[] = {
        {AMOI(F_ADD, 2, 3, 1, 2, 0, 0), DATA + 2, RV_EXIT_MISALIGNED},
        {AMOI(F_LR, 3, 3, 1, 0, 0, 0), DATA + 4, RV_EXIT_MISALIGNED},
        {AMOI(F_SC, 3, 3, 1, 2, 0, 0), DATA + 4, RV_EXIT_MISALIGNED},
        {AMOI(F_SWAP, 3, 3, 1, 2, 0, 0), MEM_SIZE - 4, RV_EXIT_MISALIGNED},
        {AMOI(F_SWAP, 3, 3, 1, 2, 0, 0), MEM_SIZE, RV_EXIT_STORE_FAULT},
        {AMOI(F_LR, 2, 3, 1, 0, 0, 0), MEM_SIZE, RV_EXIT_LOAD_FAULT},
        {AMOI(F_MAXU, 2, 3, 1, 2, 0, 0), UINT64_MAX - 3, RV_EXIT_STORE_FAULT},
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        rvt_reset();
        T.cpu.x[1] = c[i].addr;
        T.cpu.x[2] = 9;
        T.cpu.x[3] = 77;
        emit(ADDI(4, 0, 1));
        emit(c[i].insn);
        ck_assert_int_eq(rvt_run(), c[i].why);
        ck_assert_uint_eq(T.ex.addr, c[i].addr);
        ck_assert_uint_eq(T.ex.pc, CODE + 4);
        ck_assert_uint_eq(T.cpu.pc, CODE + 4);
        ck_assert_uint_eq(T.cpu.x[3], 77);
        ck_assert_uint_eq(T.cpu.x[4], 1);
    }
}
END_TEST

/* Threads: each runs its own hart (cpu + cache) on the shared memory. */
#define THREADS 4
#define ITERS 20000

struct hart {
    struct rv_cpu cpu;
    struct rv_exit ex;
    enum rv_exit_reason why;
};

static void *hart_main(void *arg)
{
    struct hart *h = arg;
    struct rv_cache *c = rv_cache_new();
    h->why = rv_run(&h->cpu, &T.m, c, UINT64_MAX, &h->ex);
    rv_cache_free(c);
    return NULL;
}

START_TEST(atomic_across_threads)
{
    rvt_reset();
    /* x1: amoadd counter, x5: LR/SC counter, x2: iterations left, x3 = 1. */
    emit(AMOI(F_ADD, 2, 0, 1, 3, 0, 0)); /* loop: amoadd.w x0, x3, (x1) */
    emit(AMOI(F_LR, 3, 4, 5, 0, 1, 0));  /* retry: lr.d.aq x4, (x5) */
    emit(ADDI(4, 4, 1));
    emit(AMOI(F_SC, 3, 6, 5, 4, 0, 1)); /* sc.d.rl x6, x4, (x5) */
    emit(enc_b(-12, 0, 6, 1));          /* bnez x6, retry */
    emit(ADDI(2, 2, -1));
    emit(enc_b(-24, 0, 2, 1)); /* bnez x2, loop */
    emit(ECALL);
    static struct hart h[THREADS];
    pthread_t tid[THREADS];
    for (unsigned i = 0; i < THREADS; i++) {
        rv_cpu_init(&h[i].cpu, CODE);
        h[i].cpu.x[1] = DATA;
        h[i].cpu.x[5] = DATA + 64;
        h[i].cpu.x[2] = ITERS;
        h[i].cpu.x[3] = 1;
        ck_assert_int_eq(pthread_create(&tid[i], NULL, hart_main, &h[i]), 0);
    }
    for (unsigned i = 0; i < THREADS; i++) {
        pthread_join(tid[i], NULL);
        ck_assert_int_eq(h[i].why, RV_EXIT_ECALL);
    }
    uint32_t a;
    uint64_t b;
    memcpy(&a, T.mem + DATA, 4);
    memcpy(&b, T.mem + DATA + 64, 8);
    ck_assert_uint_eq(a, THREADS * ITERS);
    ck_assert_uint_eq(b, THREADS * ITERS);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, amo_word);
    tcase_add_test(tc, amo_double);
    tcase_add_test(tc, lr_sc);
    tcase_add_test(tc, alignment_and_bounds);
    tcase_add_test(tc, atomic_across_threads);
}

int main(void)
{
    return rvt_main("rv_amo", add_tests);
}
