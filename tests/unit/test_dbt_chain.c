/* test_dbt_chain: translated blocks jump to each other directly and through the jump cache,
 * stop where a run must stop, and never run code that was replaced. */
#include "test_dbt_harness.h"

#include <pthread.h>
#include <time.h>

static void put_at(struct guest *g, uint64_t at, uint32_t w)
{
    memcpy(g->mem + at, &w, 4);
}

static uint64_t chained(struct guest *g)
{
    struct rv_cache_stats st;
    rv_cache_stats(g->cache, &st);
    return st.chained;
}

/* A counted loop: x10 += step, x1 times. */
static void loop_prog(int32_t step)
{
    nprog = 0;
    put(ADDI(10, 10, step)); /* loop: */
    put(ADDI(1, 1, -1));
    put(enc_b(-8, 0, 1, 1)); /* bne x1, x0, loop */
    put(ECALL);
}

/* The loop's block jumps to itself without the dispatcher; after the guest rewrites it and runs
 * fence.i, the new code runs, not the linked old one. */
START_TEST(loop_chains_and_fence_i_replaces_it)
{
    rv_set_tier(RV_TIER_TRANSLATE, 1);
    loop_prog(1);
    load_prog();
    rv_cpu_init(&B.cpu, CODE);
    B.cpu.x[1] = 1000;
    ck_assert_int_eq(rv_run(&B.cpu, &B.m, B.cache, 1000000, &B.ex), RV_EXIT_ECALL);
    ck_assert_uint_eq(B.cpu.x[10], 1000);
    ck_assert_uint_eq(B.cpu.instret, 3000);
    ck_assert_uint_ge(chained(&B), 1);

    /* Elsewhere: sw x6, 0(x7); fence.i; jal to the loop. */
    put_at(&B, CODE + 0x100, STOREI(2, 6, 7, 0));
    put_at(&B, CODE + 0x104, FENCE_I);
    put_at(&B, CODE + 0x108, JAL(0, -0x108));
    rv_cpu_init(&B.cpu, CODE + 0x100);
    B.cpu.x[1] = 1000;
    B.cpu.x[6] = ADDI(10, 10, 7);
    B.cpu.x[7] = CODE;
    enum rv_exit_reason r;
    while ((r = rv_run(&B.cpu, &B.m, B.cache, 1000000, &B.ex)) == RV_EXIT_FENCE_I)
        ;
    ck_assert_int_eq(r, RV_EXIT_ECALL);
    ck_assert_uint_eq(B.cpu.x[10], 7000);
}
END_TEST

/* Block P branches to block Q (a chained jump; a jal would make them one block); Q alone is
 * replaced through rv_invalidate, as munmap and mprotect do: P's jump must no longer reach the
 * old Q. */
START_TEST(invalidated_target_is_unlinked)
{
    rv_set_tier(RV_TIER_TRANSLATE, 1);
    nprog = 0;
    put(ADDI(10, 10, 1));             /* P */
    put(enc_b(0x40 - 4, 0, 0, 0));    /* beq x0, x0, Q */
    load_prog();
    put_at(&B, CODE + 0x40, ADDI(11, 11, 1)); /* Q */
    put_at(&B, CODE + 0x44, ECALL);
    for (int i = 0; i < 3; i++) {
        rv_cpu_init(&B.cpu, CODE);
        ck_assert_int_eq(rv_run(&B.cpu, &B.m, B.cache, 1000, &B.ex), RV_EXIT_ECALL);
        ck_assert_uint_eq(B.cpu.x[11], 1);
    }
    ck_assert_uint_ge(chained(&B), 1);
    put_at(&B, CODE + 0x40, ADDI(11, 11, 5));
    rv_invalidate(&B.m, CODE + 0x40, 4);
    for (int i = 0; i < 3; i++) {
        rv_cpu_init(&B.cpu, CODE);
        ck_assert_int_eq(rv_run(&B.cpu, &B.m, B.cache, 1000, &B.ex), RV_EXIT_ECALL);
        ck_assert_uint_eq(B.cpu.x[10], 1);
        ck_assert_uint_eq(B.cpu.x[11], 5);
    }
}
END_TEST

/* A jal is followed when decoding: P and its target Q are one block, which an invalidation of
 * Q alone must drop too, in both tiers. */
START_TEST(jal_target_invalidated)
{
    struct guest *gs[2] = {&A, &B};
    enum rv_tier tiers[2] = {RV_TIER_INTERP, RV_TIER_TRANSLATE};
    nprog = 0;
    put(ADDI(10, 10, 1));
    put(JAL(0, 0x40 - 4));
    load_prog();
    for (int k = 0; k < 2; k++) {
        struct guest *g = gs[k];
        rv_set_tier(tiers[k], 1);
        put_at(g, CODE + 0x40, ADDI(11, 11, 1));
        put_at(g, CODE + 0x44, ECALL);
        rv_cpu_init(&g->cpu, CODE);
        ck_assert_int_eq(rv_run(&g->cpu, &g->m, g->cache, 1000, &g->ex), RV_EXIT_ECALL);
        ck_assert_uint_eq(g->cpu.x[11], 1);
        struct rv_cache_stats st;
        rv_cache_stats(g->cache, &st);
        ck_assert_uint_eq(st.blocks, 1);
        put_at(g, CODE + 0x40, ADDI(11, 11, 5));
        rv_invalidate(&g->m, CODE + 0x40, 4);
        rv_cpu_init(&g->cpu, CODE);
        ck_assert_int_eq(rv_run(&g->cpu, &g->m, g->cache, 1000, &g->ex), RV_EXIT_ECALL);
        ck_assert_uint_eq(g->cpu.x[11], 5);
        ck_assert_uint_eq(g->cpu.instret, 3);
    }
}
END_TEST

/* Calls and returns: decoding follows jal into the callee, jalr goes through the jump cache;
 * the same as interpreted. */
START_TEST(calls_and_returns)
{
    nprog = 0;
    put(ADDI(5, 0, 100));
    put(JAL(1, 20));         /* loop: call f */
    put(ADDI(5, 5, -1));
    put(enc_b(-8, 0, 5, 1)); /* bne x5, x0, loop */
    put(ECALL);
    put(ECALL);
    put(ADDI(10, 10, 3));    /* f: */
    put(enc_b(8, 0, 10, 1)); /* bne x10, x0, +8: skip the next */
    put(ADDI(11, 11, 1));
    put(JALR(0, 1, 0));      /* ret */
    differential("calls", 8);
    ck_assert_uint_eq(B.cpu.x[10], A.cpu.x[10]);
    ck_assert_uint_ge(chained(&B), 1);
}
END_TEST

/* Pinned registers written in one block reach the next in host registers only: a helper call
 * in a later block, and the run's exit, must still see them. */
START_TEST(pinned_registers_cross_blocks)
{
    nprog = 0;
    put(ADDI(15, 0, 10));           /* a5 = 10 */
    put(ADDI(10, 10, 1));           /* loop: a0 += 1 */
    put(ADDI(2, 2, -16));           /* sp -= 16 */
    put(ADD(11, 11, 10));           /* a1 += a0 */
    put(FP(0x00, 1, 10, 10, 11, 0)); /* fadd.d fa0, fa0, fa1 */
    put(enc_b(4, 0, 0, 0));         /* beq x0, x0, +4: a block ends, chained to the next */
    put(CSRR(2, 12, 0xc02, 0));     /* rdinstret a2: the helper, which reads cpu */
    put(ADD(13, 12, 10));           /* a3 = a2 + a0 */
    put(ADD(1, 1, 11));             /* ra += a1 */
    put(ADDI(15, 15, -1));
    put(enc_b(-36, 0, 15, 1));      /* bne a5, x0, loop */
    put(ECALL);
    differential("pinned", 8);
    ck_assert_uint_ge(chained(&B), 1);
}
END_TEST

/* A translated endless loop still ends its run at the instruction limit. */
START_TEST(limit_ends_a_chained_loop)
{
    rv_set_tier(RV_TIER_TRANSLATE, 1);
    nprog = 0;
    put(ADDI(10, 10, 1));
    put(JAL(0, -4));
    load_prog();
    rv_cpu_init(&B.cpu, CODE);
    ck_assert_int_eq(rv_run(&B.cpu, &B.m, B.cache, 100000, &B.ex), RV_EXIT_LIMIT);
    ck_assert_uint_ge(B.cpu.instret, 100000);
    ck_assert_uint_le(B.cpu.instret, 100000 + RV_BLOCK_MAX);
    ck_assert_uint_eq(B.cpu.x[10] * 2, B.cpu.instret);
    ck_assert_uint_eq(B.cpu.pc, CODE);
    ck_assert_uint_ge(chained(&B), 1);
}
END_TEST

static void *stop_later(void *cpu)
{
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
    rv_request_stop(cpu);
    return NULL;
}

/* ... and at a stop request from another thread. */
START_TEST(stop_ends_a_chained_loop)
{
    rv_set_tier(RV_TIER_TRANSLATE, 1);
    nprog = 0;
    put(ADDI(10, 10, 1));
    put(JAL(0, -4));
    load_prog();
    rv_cpu_init(&B.cpu, CODE);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, stop_later, &B.cpu), 0);
    enum rv_exit_reason r = rv_run(&B.cpu, &B.m, B.cache, UINT64_MAX, &B.ex);
    pthread_join(th, NULL);
    ck_assert_int_eq(r, RV_EXIT_STOP);
    ck_assert_uint_eq(B.cpu.x[10] * 2, B.cpu.instret);
}
END_TEST

/* Branches against x0 (compiled code's most common ones) in every condition, and an indirect
 * jump back into its own block, which passes the loop checks. */
START_TEST(branches_against_zero)
{
    static const unsigned f3s[] = {0, 1, 4, 5, 6, 7};
    for (unsigned k = 0; k < 12; k++) {
        nprog = 0;
        unsigned r = k % 2 ? 10 : 20; /* pinned or not */
        if (k < 6)
            put(enc_b(8, 0, r, f3s[k % 6]));
        else
            put(enc_b(8, r, 0, f3s[k % 6]));
        put(ECALL);
        put(ECALL);
        differential("branch zero", 32);
    }
    nprog = 0;
    put(ADDI(5, 5, -1));       /* loop: */
    put(enc_b(8, 0, 5, 0));    /* beq x5, x0, out */
    put(JALR(0, 31, 0));       /* to loop, through the jump cache */
    put(ECALL);                /* out: */
    load_prog();
    for (unsigned s = 0; s < 4; s++) {
        random_state();
        A.cpu.x[5] = 50 + s;
        A.cpu.x[31] = CODE;
        B.cpu = A.cpu;
        run_both();
        compare("jalr loop", s);
    }
}
END_TEST

/* The interpreter runs from block to block without rv_run's dispatch, and still ends a run at
 * the instruction limit and at a stop request from another thread. */
START_TEST(interpreted_loop_stops)
{
    rv_set_tier(RV_TIER_INTERP, 1);
    nprog = 0;
    put(ADDI(10, 10, 1));    /* loop: */
    put(enc_b(-4, 0, 0, 0)); /* beq x0, x0, loop */
    load_prog();
    rv_cpu_init(&A.cpu, CODE);
    ck_assert_int_eq(rv_run(&A.cpu, &A.m, A.cache, 100001, &A.ex), RV_EXIT_LIMIT);
    ck_assert_uint_eq(A.cpu.instret, 100002); /* whole blocks of two */
    ck_assert_uint_eq(A.cpu.x[10], 50001);
    ck_assert_uint_eq(A.cpu.pc, CODE);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, stop_later, &A.cpu), 0);
    ck_assert_int_eq(rv_run(&A.cpu, &A.m, A.cache, UINT64_MAX, &A.ex), RV_EXIT_STOP);
    pthread_join(th, NULL);
    ck_assert_uint_eq(A.cpu.x[10] * 2, A.cpu.instret);
    ck_assert_uint_eq(A.cpu.pc, CODE);
}
END_TEST

#define ANDI(rd, rs1, imm) enc_i((imm), (rs1), 7, (rd), OPIMM)
#define SLLI(rd, rs1, sh) enc_i((sh), (rs1), 1, (rd), OPIMM)

/* A switch: G counts and falls through into the dispatch T (a short block that loads and jumps
 * through a register) to H1 or H2 by x5's low bit; both go back to G with j, which decoding
 * follows, so that G's branch ends their blocks and T is translated again inside each. H1 adds
 * x13 to the address T loads from. T lies outside the range the blocks of H1 and H2 were
 * decoded from. */
static void dispatch_prog(void)
{
    nprog = 0;
    put(ANDI(5, 5, 31));
    put(ADDI(5, 5, 8));
    put(AUIPC(9, 0));
    put(ADDI(9, 9, 0x18)); /* x9 = H1 */
    put(JAL(0, 0x80 - 0x10));
    while (nprog < 0x20 / 4)
        put(ECALL);
    put(ADDI(10, 10, 1)); /* 0x20 H1: */
    put(ADDI(5, 5, -1));
    put(ADD(7, 7, 13));
    put(JAL(0, 0x80 - 0x2c));
    while (nprog < 0x40 / 4)
        put(ECALL);
    put(ADDI(10, 10, 3)); /* 0x40 H2: */
    put(ADDI(5, 5, -1));
    put(JAL(0, 0x80 - 0x48));
    while (nprog < 0x80 / 4)
        put(ECALL);
    put(ADDI(11, 11, 1));      /* 0x80 G: */
    put(enc_b(0x1c, 0, 5, 0)); /* beq x5, x0, exit */
    put(ANDI(6, 5, 1));        /* 0x88 T: */
    put(SLLI(6, 6, 5));
    put(LOADI(3, 12, 7, 0)); /* ld x12, 0(x7) */
    put(ADD(6, 6, 9));
    put(JALR(0, 6, 0));
    put(ECALL);
    put(ECALL); /* 0xa0 exit: */
}

/* The same registers, instret and exits as interpreted, a load fault inside a copy of T
 * included (x13 moves x7 past the end of memory after two passes through H1). */
START_TEST(dispatch_inlined)
{
    dispatch_prog();
    load_prog();
    for (unsigned s = 0; s < 16; s++) {
        random_state();
        A.cpu.x[13] = B.cpu.x[13] = s % 2 ? MEM_SIZE / 4 : 0;
        run_both();
        compare("dispatch", s);
        ck_assert_int_eq(A.r, s % 2 ? RV_EXIT_LOAD_FAULT : RV_EXIT_ECALL);
    }
    struct rv_cache_stats st;
    rv_cache_stats(B.cache, &st);
    ck_assert_uint_ge(st.translated, 4);
}
END_TEST

/* Replacing T alone must drop the copies of it inside H1's and H2's blocks. */
START_TEST(inlined_dispatch_invalidated)
{
    rv_set_tier(RV_TIER_TRANSLATE, 1);
    dispatch_prog();
    load_prog();
    for (int k = 0; k < 2; k++) {
        rv_cpu_init(&B.cpu, CODE);
        B.cpu.x[5] = 8; /* 16 passes */
        B.cpu.x[7] = DATA;
        ck_assert_int_eq(rv_run(&B.cpu, &B.m, B.cache, 100000, &B.ex), RV_EXIT_ECALL);
        ck_assert_uint_eq(B.cpu.x[10], k == 0 ? 8 * 1 + 8 * 3 : 16 * 1);
        ck_assert_uint_eq(B.cpu.x[11], 17);
        put_at(&B, CODE + 0x88, ANDI(6, 5, 0)); /* always H1 */
        rv_invalidate(&B.m, CODE + 0x88, 4);
    }
}
END_TEST

static void add(TCase *tc)
{
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, loop_chains_and_fence_i_replaces_it);
    tcase_add_test(tc, invalidated_target_is_unlinked);
    tcase_add_test(tc, jal_target_invalidated);
    tcase_add_test(tc, calls_and_returns);
    tcase_add_test(tc, limit_ends_a_chained_loop);
    tcase_add_test(tc, stop_ends_a_chained_loop);
    tcase_add_test(tc, branches_against_zero);
    tcase_add_test(tc, pinned_registers_cross_blocks);
    tcase_add_test(tc, interpreted_loop_stops);
    tcase_add_test(tc, dispatch_inlined);
    tcase_add_test(tc, inlined_dispatch_invalidated);
}

int main(void)
{
    return rvt_main("dbt_chain", add);
}
