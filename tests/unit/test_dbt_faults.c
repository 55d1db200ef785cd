/* test_dbt_faults: translated code faults, switches tiers and drops stale code as it must. */
#include "test_dbt_harness.h"

/* Loads and stores outside guest memory: the same exit, pc, address, registers and instret. */
START_TEST(faults)
{
    bool saw_load = false, saw_store = false;
    for (unsigned p = 0; p < 80; p++) {
        nprog = 0;
        for (unsigned i = 0; i < p % 6; i++)
            put(rand_alu_reg());
        unsigned f3 = (unsigned)(rnd() % 7);
        bool st = rnd() % 2;
        put(st ? STOREI(f3 % 4, reg(), 5, 0) : LOADI(f3, dst(), 5, 0));
        put(ECALL);
        load_prog();
        for (unsigned s = 0; s < 16; s++) {
            random_state();
            /* The last bytes of memory, just past them, or nowhere near. */
            static const uint64_t near[] = {MEM_SIZE - 8, MEM_SIZE - 4,   MEM_SIZE - 2,
                                            MEM_SIZE - 1, MEM_SIZE,       MEM_SIZE + 1,
                                            UINT64_MAX,   UINT64_MAX - 3, 1ull << 63};
            A.cpu.x[5] = near[rnd() % (sizeof(near) / sizeof(near[0]))];
            B.cpu = A.cpu;
            run_both();
            compare("fault", s);
            saw_load |= A.r == RV_EXIT_LOAD_FAULT;
            saw_store |= A.r == RV_EXIT_STORE_FAULT;
            if (A.r != RV_EXIT_ECALL)
                ck_assert_uint_eq(A.ex.pc, CODE + (p % 6) * 4);
        }
    }
    ck_assert(saw_load && saw_store);
}
END_TEST

/* AUTO translates a block once it has run `hot` times; INTERP never; the results agree. */
START_TEST(tiers)
{
    nprog = 0;
    put(ADDI(1, 0, 20));
    put(ADDI(2, 2, 3)); /* loop: */
    put(ADDI(1, 1, -1));
    put(enc_b(-8, 0, 1, 1)); /* bne x1, x0, loop */
    put(ECALL);
    load_prog();
    rv_cpu_init(&A.cpu, CODE);
    rv_set_tier(RV_TIER_INTERP, 1);
    ck_assert_int_eq(rv_run(&A.cpu, &A.m, A.cache, 100000, &A.ex), RV_EXIT_ECALL);
    struct rv_cache_stats st;
    rv_cache_stats(A.cache, &st);
    ck_assert_uint_eq(st.translated, 0);
    ck_assert_uint_eq(A.cpu.x[2], 60);

    rv_cpu_init(&B.cpu, CODE);
    rv_set_tier(RV_TIER_AUTO, 5);
    ck_assert_int_eq(rv_run(&B.cpu, &B.m, B.cache, 100000, &B.ex), RV_EXIT_ECALL);
    rv_cache_stats(B.cache, &st);
    ck_assert_uint_eq(st.translated, 1); /* the loop body only: the rest ran fewer times */
    ck_assert_uint_gt(st.code_bytes, 0);
    ck_assert_uint_eq(B.cpu.x[2], 60);
    ck_assert_uint_eq(B.cpu.instret, A.cpu.instret);
    ck_assert_uint_eq(B.cpu.instret, 1 + 20 * 3);
}
END_TEST

/* Changed code is run, not its stale translation: rv_invalidate and fence.i drop it. */
START_TEST(invalidation)
{
    rv_set_tier(RV_TIER_TRANSLATE, 1);
    nprog = 0;
    put(ADDI(10, 0, 1));
    put(ECALL);
    load_prog();
    rv_cpu_init(&B.cpu, CODE);
    ck_assert_int_eq(rv_run(&B.cpu, &B.m, B.cache, 1000, &B.ex), RV_EXIT_ECALL);
    ck_assert_uint_eq(B.cpu.x[10], 1);
    uint32_t w = ADDI(10, 0, 2);
    memcpy(B.mem + CODE, &w, 4);
    rv_invalidate(&B.m, CODE, 4);
    rv_cpu_init(&B.cpu, CODE);
    ck_assert_int_eq(rv_run(&B.cpu, &B.m, B.cache, 1000, &B.ex), RV_EXIT_ECALL);
    ck_assert_uint_eq(B.cpu.x[10], 2);
    /* The guest rewrites code that has a translation, runs fence.i and jumps to it. */
    nprog = 0;
    put(STOREI(2, 6, 7, 0)); /* sw x6, 0(x7) */
    put(FENCE_I);
    put(JAL(0, 0x30 - 2 * 4)); /* to CODE + 0x30 */
    load_prog();
    w = ADDI(10, 0, 5);
    memcpy(B.mem + CODE + 0x30, &w, 4);
    w = ECALL;
    memcpy(B.mem + CODE + 0x34, &w, 4);
    rv_cpu_init(&B.cpu, CODE + 0x30);
    ck_assert_int_eq(rv_run(&B.cpu, &B.m, B.cache, 1000, &B.ex), RV_EXIT_ECALL);
    ck_assert_uint_eq(B.cpu.x[10], 5);
    rv_cpu_init(&B.cpu, CODE);
    B.cpu.x[6] = ADDI(10, 0, 9);
    B.cpu.x[7] = CODE + 0x30;
    enum rv_exit_reason r;
    do
        r = rv_run(&B.cpu, &B.m, B.cache, 1000, &B.ex);
    while (r == RV_EXIT_FENCE_I);
    ck_assert_int_eq(r, RV_EXIT_ECALL);
    ck_assert_uint_eq(B.cpu.x[10], 9);
}
END_TEST

/* A host fault inside guest memory (a page the guest may not touch) leaves the state of the
 * faulting instruction: the pc at it, instret counting those before, registers of before.
 * Translated code does not store that state before an access: the handler asks the cache to
 * map the host pc back, as the engine's does. */
static sigjmp_buf fault_jmp;
static struct guest *faulting;
static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)si;
    rv_cache_fault(faulting->cache, &faulting->cpu, uc);
    siglongjmp(fault_jmp, 1);
}

static bool run_to_host_fault(struct guest *g, enum rv_tier tier)
{
    struct sigaction sa = {.sa_sigaction = on_segv, .sa_flags = SA_SIGINFO | SA_NODEFER}, old;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old);
    rv_set_tier(tier, 1);
    faulting = g;
    bool faulted = false;
    if (sigsetjmp(fault_jmp, 1))
        faulted = true;
    else
        g->r = rv_run(&g->cpu, &g->m, g->cache, 100000, &g->ex);
    sigaction(SIGSEGV, &old, NULL);
    return faulted;
}

static void guard_both(uint64_t guard, int prot)
{
    ck_assert_int_eq(mprotect(A.mem + guard, 4096, prot), 0);
    ck_assert_int_eq(mprotect(B.mem + guard, 4096, prot), 0);
}

/* FP registers with values whose sums are inexact, so that fflags has something to say. */
static void random_fp_state(void)
{
    for (unsigned r = 0; r < 32; r++) {
        double d = (double)(int64_t)rnd() / 3.0;
        memcpy(&A.cpu.f[r], &d, 8);
    }
    B.cpu = A.cpu;
}

START_TEST(host_fault_is_precise)
{
    uint64_t guard = DATA + 0x4000;
    for (unsigned p = 0; p < 80; p++) {
        nprog = 0;
        for (unsigned i = 0; i < p % 10; i++) {
            switch (rnd() % 4) { /* x5 stays as set; x6..x8 point into the data */
            case 0:
                put(rand_alu_reg());
                break;
            case 1:
                put(rand_alu_imm());
                break;
            case 2:
                put(rand_mem());
                break;
            default: /* fadd.d into a pinned FP register (fa0-fa7, fs0-fs3) */
                put(FP(0, 1, 8 + (unsigned)(rnd() % 12), reg(), reg(), 0));
                break;
            }
        }
        unsigned f3 = (unsigned)(rnd() % 4);
        bool amo = p % 4 == 3; /* amoadd.d or lr.d: a locked access, or a plain load */
        if (amo)
            put(rnd() % 2 ? AMOI(0x00, 3, dst(), 5, reg(), 0, 0)
                          : AMOI(0x02, 3, dst(), 5, 0, 0, 0));
        else
            put(p % 2 ? STOREI(f3, reg(), 5, 0) : LOADI(f3, dst(), 5, 0));
        put(ECALL);
        load_prog();
        random_state();
        random_fp_state();
        A.cpu.x[5] = B.cpu.x[5] = guard + (rnd() % 4096 & (amo ? ~7u : ~0u));
        guard_both(guard, PROT_NONE);
        bool fa = run_to_host_fault(&A, RV_TIER_INTERP);
        bool fb = run_to_host_fault(&B, RV_TIER_TRANSLATE);
        guard_both(guard, PROT_READ | PROT_WRITE);
        ck_assert(fa && fb);
        A.ex = B.ex;
        A.r = B.r;
        compare("host fault", p);
    }
    struct rv_cache_stats st;
    rv_cache_stats(B.cache, &st);
    ck_assert_uint_gt(st.translated, 0);
}
END_TEST

/* A hot loop runs translated, chained to itself, until its loads walk into a page the guest may
 * not touch: the state is that of the faulting load in the last iteration. */
START_TEST(host_fault_in_hot_loop)
{
    uint64_t guard = DATA + 0x4000;
    nprog = 0;
    put(ADDI(10, 10, 1));    /* loop: a0 counts (a pinned register) */
    put(LOADI(3, 11, 5, 0)); /* ld a1, 0(t0) */
    put(ADD(12, 12, 11));    /* a2 += a1 */
    put(ADDI(5, 5, 8));
    put(FP(0, 1, 10, 10, 11, 0)); /* fadd.d fa0, fa0, fa1 */
    put(LOADI(3, 13, 5, 0));      /* ld a3, 0(t0): the one that faults */
    put(enc_b(-24, 0, 0, 0));     /* beq x0, x0, loop */
    load_prog();
    for (unsigned s = 0; s < 8; s++) {
        random_state();
        random_fp_state();
        A.cpu.x[5] = B.cpu.x[5] = guard - 8 * (1000 + rnd() % 100);
        guard_both(guard, PROT_NONE);
        bool fa = run_to_host_fault(&A, RV_TIER_INTERP);
        bool fb = run_to_host_fault(&B, RV_TIER_TRANSLATE);
        guard_both(guard, PROT_READ | PROT_WRITE);
        ck_assert(fa && fb);
        ck_assert_uint_eq(B.cpu.pc, CODE + 20);
        ck_assert_uint_eq(B.cpu.x[5], guard);
        A.ex = B.ex;
        A.r = B.r;
        compare("hot loop", s);
    }
    struct rv_cache_stats st;
    rv_cache_stats(B.cache, &st);
    ck_assert_uint_gt(st.chained, 0);
}
END_TEST

/* Code and data above 4 GiB: pcs and targets that need 64-bit immediates in the translation. */
START_TEST(high_addresses)
{
    const uint64_t size = 6ull << 30, hi = 5ull << 30, win = 1 << 16;
    struct guest *gs[2] = {&A, &B};
    for (int k = 0; k < 2; k++) {
        struct guest *g = gs[k];
        munmap(g->mem, MEM_SIZE);
        /* Reserved, not committed: only the window at hi and the last page are accessible. */
        g->mem = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        ck_assert_ptr_ne(g->mem, MAP_FAILED);
        ck_assert_int_eq(mprotect(g->mem + hi, win, PROT_READ | PROT_WRITE), 0);
        ck_assert_int_eq(mprotect(g->mem + size - 4096, 4096, PROT_READ), 0);
        rv_mem_init(&g->m, g->mem, size);
    }
    for (unsigned p = 0; p < 60; p++) {
        nprog = 0;
        put(AUIPC(10, (uint32_t)rnd()));
        for (unsigned i = 0; i < p % 12; i++) {
            /* x9 and x31 keep what the state gives them (rd is bits 11:7; in a store they are
             * offset bits, which may change too). */
            uint32_t w = rnd() % 2 ? rand_mem() : rand_alu_reg();
            unsigned rd = w >> 7 & 31;
            put(rd == 9 || rd == 31 ? (w & ~(31u << 7)) | 10u << 7 : w);
        }
        unsigned k = p % 4;
        if (k == 0)
            put(enc_b(8, 2, 1, (unsigned)(rnd() % 2)));
        else if (k == 1)
            put(JAL(1, 8));
        else if (k == 2)
            put(JALR(1, 31, 0));
        else /* a load past the end of guest memory, pc above 4 GiB */
            put(LOADI(3, 11, 9, 0));
        put(ECALL);
        put(ECALL);
        memcpy(A.mem + hi, prog, nprog * 4);
        memcpy(B.mem + hi, prog, nprog * 4);
        rv_invalidate(&A.m, 0, UINT64_MAX);
        rv_invalidate(&B.m, 0, UINT64_MAX);
        for (unsigned s = 0; s < 16; s++) {
            rv_cpu_init(&A.cpu, hi);
            for (unsigned r = 1; r < 32; r++)
                A.cpu.x[r] = rand_val();
            for (unsigned r = 5; r <= 8; r++)
                A.cpu.x[r] = hi + 0x8000 + rnd() % 4096;
            A.cpu.x[1] = rnd() % 2;
            A.cpu.x[2] = rnd() % 2;
            A.cpu.x[9] = size - (rnd() % 16);
            A.cpu.x[31] = hi + (nprog - 1) * 4;
            B.cpu = A.cpu;
            run_both();
            compare_in("high", s, hi, win);
            if (k == 3 && A.r != RV_EXIT_ECALL)
                ck_assert_int_eq(A.r, RV_EXIT_LOAD_FAULT);
        }
    }
    struct rv_cache_stats st;
    rv_cache_stats(B.cache, &st);
    ck_assert_uint_gt(st.translated, 0);
    for (int k = 0; k < 2; k++) {
        munmap(gs[k]->mem, size);
        gs[k]->mem =
            mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        ck_assert_ptr_ne(gs[k]->mem, MAP_FAILED);
    }
}
END_TEST

/* A NaN result whose check was put off, then an access that faults: at the fault exit (out of
 * bounds) and at a host fault (a guarded page) the register holds RISC-V's canonical NaN. */
START_TEST(put_off_nan_at_a_fault)
{
    static const uint64_t vals[] = {0x7ff0000000000000ull, 0xfff0000000000000ull,
                                    0x7ff8000000000123ull, 0x3ff0000000000000ull};
    uint64_t guard = DATA + 0x4000;
    for (unsigned k = 0; k < 4 * 4 * 2 * 2; k++) {
        nprog = 0;
        put(FP(0x01, 1, 10, 11, 12, 0));                             /* fsub.d fa0, fa1, fa2 */
        put(FP(0x02, 1, 8, 10, 10, 0));                              /* fmul.d fs0, fa0, fa0 */
        put(k & 1 ? STOREI(3, 10, 5, 0) : enc_i(0, 5, 3, 13, 0x07)); /* sd a0 / fld fa3 */
        put(ECALL);
        load_prog();
        random_state();
        random_fp_state();
        A.cpu.f[11] = vals[k / 2 % 4];
        A.cpu.f[12] = vals[k / 8 % 4];
        bool host = k / 32;
        A.cpu.x[5] = host ? guard + 8 : MEM_SIZE - 4;
        B.cpu = A.cpu;
        if (host) {
            guard_both(guard, PROT_NONE);
            bool fa = run_to_host_fault(&A, RV_TIER_INTERP);
            bool fb = run_to_host_fault(&B, RV_TIER_TRANSLATE);
            guard_both(guard, PROT_READ | PROT_WRITE);
            ck_assert(fa && fb);
            A.ex = B.ex;
            A.r = B.r;
        } else {
            run_both();
            ck_assert_int_ne(A.r, RV_EXIT_ECALL);
        }
        compare("put-off NaN at a fault", k);
    }
}
END_TEST

/* A block checks an access once: the accesses after it through the same pointer, moved by
 * addi or not, go unchecked when they lie inside it, and are checked when the pointer changed
 * otherwise or they reach past it. Pointers near either end of memory: the same fault, at the
 * same instruction, with the same registers as interpreted. */
START_TEST(reused_bounds_checks)
{
    unsigned faulted = 0;
    for (unsigned p = 0; p < 200; p++) {
        nprog = 0;
        unsigned n = 2 + (unsigned)(rnd() % 12);
        for (unsigned i = 0; i < n; i++) {
            unsigned base = 5 + (unsigned)(rnd() % 4);
            int32_t off = (int32_t)(rnd() % 5) * 4 - 8;
            switch (rnd() % 8) {
            case 0:
            case 1:
            case 2:
                put(LOADI((unsigned)(rnd() % 7), dst(), base, off));
                break;
            case 3:
            case 4:
                put(STOREI((unsigned)(rnd() % 4), reg(), base, off));
                break;
            case 5:
            case 6: /* the pointer moves on, or back */
                put(ADDI(base, base, (int32_t)(rnd() % 5) * 4 - 8));
                break;
            default: /* the pointer changes another way: its checks go */
                switch (rnd() % 3) {
                case 0:
                    put(ADD(base, base, reg()));
                    break;
                case 1:
                    put(enc_i((int32_t)(rnd() % 17) - 8, base, 0, base, OPIMM32)); /* addiw */
                    break;
                default:
                    put(ADDI(base, 5 + (unsigned)(rnd() % 4), (int32_t)(rnd() % 17) - 8));
                    break;
                }
            }
        }
        put(ECALL);
        load_prog();
        for (unsigned s = 0; s < 12; s++) {
            random_state();
            for (unsigned r = 5; r <= 8; r++) {
                uint64_t k = rnd() % 3;
                A.cpu.x[r] = k == 0   ? MEM_SIZE - 24 + rnd() % 32
                             : k == 1 ? rnd() % 24
                                      : DATA + rnd() % 4096;
            }
            A.cpu.x[5 + rnd() % 4] = rnd() % 2 ? MEM_SIZE - 8 : 0;
            B.cpu = A.cpu;
            run_both();
            compare("reused check", s);
            faulted += A.r != RV_EXIT_ECALL;
        }
    }
    ck_assert_uint_gt(faulted, 100);
    struct rv_cache_stats st;
    rv_cache_stats(B.cache, &st);
    ck_assert_uint_gt(st.translated, 0);
}
END_TEST

/* The loop that walks off the end of memory: a load, a store through the pointer moved on
 * (checked by the load) and a load one further (checked itself), round until it faults. */
START_TEST(reused_check_in_a_loop)
{
    nprog = 0;
    put(LOADI(3, 10, 5, 0));   /* loop: ld a0, 0(t0) */
    put(ADDI(5, 5, 8));        /* addi t0, t0, 8 */
    put(STOREI(3, 10, 5, -8)); /* sd a0, -8(t0) */
    put(LOADI(2, 11, 5, -4));  /* lw a1, -4(t0) */
    put(LOADI(2, 12, 5, 0));   /* lw a2, 0(t0) */
    put(ADDI(6, 6, -1));       /* addi t1, t1, -1 */
    put(enc_b(-24, 0, 6, 1));  /* bne t1, x0, loop */
    put(ECALL);
    load_prog();
    for (unsigned s = 0; s < 64; s++) {
        random_state();
        A.cpu.x[5] = MEM_SIZE - 8 * (1 + s % 16) - (s / 16) * 4;
        A.cpu.x[6] = 200;
        B.cpu = A.cpu;
        run_both();
        compare("loop off the end", s);
        ck_assert_int_eq(A.r, RV_EXIT_LOAD_FAULT);
    }
}
END_TEST

static void add(TCase *tc)
{
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, faults);
    tcase_add_test(tc, reused_bounds_checks);
    tcase_add_test(tc, reused_check_in_a_loop);
    tcase_add_test(tc, put_off_nan_at_a_fault);
    tcase_add_test(tc, host_fault_is_precise);
    tcase_add_test(tc, host_fault_in_hot_loop);
    tcase_add_test(tc, high_addresses);
    tcase_add_test(tc, tiers);
    tcase_add_test(tc, invalidation);
}

int main(void)
{
    return rvt_main("dbt_faults", add);
}
