/* test_dbt_harness.h: two guests, one interpreted, one translated, run from equal states. */
#ifndef TEST_DBT_HARNESS_H
#define TEST_DBT_HARNESS_H

#include "test_rv_harness.h"

#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>

/* Two identical guests: A runs interpreted, B translated. */
struct guest {
    uint8_t *mem;
    struct rv_mem m;
    struct rv_cpu cpu;
    struct rv_cache *cache;
    struct rv_exit ex;
    enum rv_exit_reason r;
};
static struct guest A, B;

static uint64_t seed;
static inline uint64_t rnd(void)
{
    /* xorshift64*: a fixed seed makes every failure reproducible. */
    seed ^= seed >> 12;
    seed ^= seed << 25;
    seed ^= seed >> 27;
    return seed * 0x2545f4914f6cdd1dull;
}

static inline uint64_t rand_val(void)
{
    static const uint64_t edge[] = {
        0,         1,           UINT64_MAX, 2,           1ull << 63,
        INT64_MAX, 0x80000000u, 0x7fffffff, 0xffffffffu, 0xffffffff80000000ull,
        63,        64,          31,         32,          0xffffffffffff7fffull};
    switch (rnd() % 4) {
    case 0:
        return edge[rnd() % (sizeof(edge) / sizeof(edge[0]))];
    case 1:
        return (uint64_t)((int64_t)(rnd() % 17) - 8);
    default:
        return rnd();
    }
}

static inline void guest_new(struct guest *g)
{
    /* Page-aligned, so that a page of it can be made inaccessible. */
    g->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_ptr_ne(g->mem, MAP_FAILED);
    rv_mem_init(&g->m, g->mem, MEM_SIZE);
    g->cache = rv_cache_new();
}

static inline void guest_free(struct guest *g)
{
    rv_cache_free(g->cache);
    munmap(g->mem, MEM_SIZE);
}

static inline void setup(void)
{
    seed = 0x9e3779b97f4a7c15ull;
    guest_new(&A);
    guest_new(&B);
}

static inline void teardown(void)
{
    guest_free(&A);
    guest_free(&B);
    rv_set_tier(RV_TIER_AUTO, RV_XLAT_HOT_DEFAULT);
}

/* The program under test, ending in an ecall that the run stops at. */
static uint32_t prog[256];
static unsigned nprog;
static inline void put(uint32_t w)
{
    ck_assert_uint_lt(nprog, 256);
    prog[nprog++] = w;
}

static inline void load_prog(void)
{
    memcpy(A.mem + CODE, prog, nprog * 4);
    memcpy(B.mem + CODE, prog, nprog * 4);
    rv_invalidate(&A.m, 0, UINT64_MAX);
    rv_invalidate(&B.m, 0, UINT64_MAX);
}

/* Registers: random; x5..x8 hold addresses inside the data area for loads and stores. */
static inline void random_state(void)
{
    rv_cpu_init(&A.cpu, CODE);
    for (unsigned r = 1; r < 32; r++)
        A.cpu.x[r] = rand_val();
    for (unsigned r = 5; r <= 8; r++)
        A.cpu.x[r] = DATA + 128 + rnd() % 4096;
    A.cpu.instret = rnd() % 1000;
    for (unsigned i = 0; i < 8192; i++)
        A.mem[DATA + i] = (uint8_t)rnd();
    memcpy(B.mem + DATA, A.mem + DATA, 8192);
    B.cpu = A.cpu;
}

static inline void run_both(void)
{
    rv_set_tier(RV_TIER_INTERP, 1);
    A.r = rv_run(&A.cpu, &A.m, A.cache, 100000, &A.ex);
    rv_set_tier(RV_TIER_TRANSLATE, 1);
    B.r = rv_run(&B.cpu, &B.m, B.cache, 100000, &B.ex);
}

/* Every register, the pc, instret, the exit and the memory bytes [lo, lo + len) agree. */
static inline void compare_in(const char *what, unsigned state, uint64_t lo, uint64_t len)
{
    ck_assert_msg(A.r == B.r, "%s state %u: exit %s vs %s", what, state, rv_exit_name(A.r),
                  rv_exit_name(B.r));
    ck_assert_msg(A.ex.pc == B.ex.pc && A.ex.addr == B.ex.addr && A.ex.insn == B.ex.insn &&
                      A.ex.len == B.ex.len,
                  "%s state %u: exit pc %#" PRIx64 "/%#" PRIx64 " addr %#" PRIx64 "/%#" PRIx64,
                  what, state, A.ex.pc, B.ex.pc, A.ex.addr, B.ex.addr);
    for (unsigned r = 0; r < 32; r++)
        ck_assert_msg(A.cpu.x[r] == B.cpu.x[r],
                      "%s state %u: x%u interp %#" PRIx64 " translated %#" PRIx64, what, state, r,
                      A.cpu.x[r], B.cpu.x[r]);
    for (unsigned r = 0; r < 32; r++)
        ck_assert_msg(A.cpu.f[r] == B.cpu.f[r],
                      "%s state %u: f%u interp %#" PRIx64 " translated %#" PRIx64, what, state, r,
                      A.cpu.f[r], B.cpu.f[r]);
    ck_assert_msg(A.cpu.fflags == B.cpu.fflags && A.cpu.frm == B.cpu.frm,
                  "%s state %u: fflags %#x/%#x frm %u/%u", what, state, A.cpu.fflags,
                  B.cpu.fflags, A.cpu.frm, B.cpu.frm);
    ck_assert_msg(A.cpu.resv_size == B.cpu.resv_size &&
                      (A.cpu.resv_size == 0 || (A.cpu.resv_addr == B.cpu.resv_addr &&
                                                A.cpu.resv_value == B.cpu.resv_value)),
                  "%s state %u: reservation differs", what, state);
    ck_assert_msg(A.cpu.pc == B.cpu.pc, "%s state %u: pc %#" PRIx64 " vs %#" PRIx64, what, state,
                  A.cpu.pc, B.cpu.pc);
    ck_assert_msg(A.cpu.instret == B.cpu.instret, "%s state %u: instret %" PRIu64 " vs %" PRIu64,
                  what, state, A.cpu.instret, B.cpu.instret);
    ck_assert_msg(memcmp(A.mem + lo, B.mem + lo, len) == 0, "%s state %u: memory differs", what,
                  state);
}

static inline void compare(const char *what, unsigned state)
{
    compare_in(what, state, 0, MEM_SIZE);
}

/* Run the program from many random states in both tiers; B must really have translated. */
static inline void differential(const char *what, unsigned states)
{
    load_prog();
    for (unsigned s = 0; s < states; s++) {
        random_state();
        run_both();
        compare(what, s);
    }
    struct rv_cache_stats st;
    rv_cache_stats(B.cache, &st);
    ck_assert_msg(st.translated > 0, "%s: nothing was translated", what);
    rv_cache_stats(A.cache, &st);
    ck_assert_uint_eq(st.translated, 0);
}

static inline unsigned reg(void)
{
    return (unsigned)(rnd() % 32);
}
/* A destination that leaves the address registers x5..x8 alone. */
static inline unsigned dst(void)
{
    unsigned r = (unsigned)(rnd() % 28);
    return r >= 5 ? r + 4 : r;
}
static inline int32_t imm12(void)
{
    return (int32_t)(rnd() % 4096) - 2048;
}

static inline uint32_t rand_alu_imm(void)
{
    unsigned rd = dst(), rs1 = reg();
    switch (rnd() % 14) {
    case 0:
        return enc_i(imm12(), rs1, 0, rd, OPIMM); /* ADDI */
    case 1:
        return enc_i(imm12(), rs1, 2, rd, OPIMM); /* SLTI */
    case 2:
        return enc_i(imm12(), rs1, 3, rd, OPIMM); /* SLTIU */
    case 3:
        return enc_i(imm12(), rs1, 4, rd, OPIMM); /* XORI */
    case 4:
        return enc_i(imm12(), rs1, 6, rd, OPIMM); /* ORI */
    case 5:
        return enc_i(imm12(), rs1, 7, rd, OPIMM); /* ANDI */
    case 6:
        return enc_i((int32_t)(rnd() % 64), rs1, 1, rd, OPIMM); /* SLLI */
    case 7:
        return enc_i((int32_t)(rnd() % 64), rs1, 5, rd, OPIMM); /* SRLI */
    case 8:
        return enc_i((int32_t)(0x400 | rnd() % 64), rs1, 5, rd, OPIMM); /* SRAI */
    case 9:
        return enc_i(imm12(), rs1, 0, rd, OPIMM32); /* ADDIW */
    case 10:
        return enc_i((int32_t)(rnd() % 32), rs1, 1, rd, OPIMM32); /* SLLIW */
    case 11:
        return enc_i((int32_t)(rnd() % 32), rs1, 5, rd, OPIMM32); /* SRLIW */
    case 12:
        return enc_i((int32_t)(0x400 | rnd() % 32), rs1, 5, rd, OPIMM32); /* SRAIW */
    default:
        return rnd() % 2 ? LUI(rd, (uint32_t)rnd()) : AUIPC(rd, (uint32_t)rnd());
    }
}

static inline uint32_t rand_alu_reg(void)
{
    static const struct {
        uint8_t f7, f3, opc;
    } ops[] = {
        {0, 0, OP},   {0x20, 0, OP},   {0, 1, OP},    {0, 2, OP},   {0, 3, OP},
        {0, 4, OP},   {0, 5, OP},      {0x20, 5, OP}, {0, 6, OP},   {0, 7, OP},
        {0, 0, OP32}, {0x20, 0, OP32}, {0, 1, OP32},  {0, 5, OP32}, {0x20, 5, OP32},
    };
    unsigned k = (unsigned)(rnd() % (sizeof(ops) / sizeof(ops[0])));
    return enc_r(ops[k].f7, reg(), reg(), ops[k].f3, dst(), ops[k].opc);
}

static inline uint32_t rand_muldiv(void)
{
    /* funct7 1: the M extension; OP32 has no MULH* (f3 1..3). */
    unsigned f3 = (unsigned)(rnd() % 8);
    bool w = rnd() % 3 == 0;
    if (w && f3 >= 1 && f3 <= 3)
        f3 += 3;
    return enc_r(1, reg(), reg(), f3, dst(), w ? OP32 : OP);
}

static inline uint32_t rand_mem(void)
{
    unsigned base = 5 + (unsigned)(rnd() % 4);
    int32_t off = (int32_t)(rnd() % 128) - 64;
    if (rnd() % 2)
        return LOADI((unsigned)(rnd() % 7), dst(), base, off);
    return STOREI((unsigned)(rnd() % 4), reg(), base, off);
}

#define STATES 64

#endif
