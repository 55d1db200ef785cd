/* test_rv_harness.h: instruction encoders and a small guest for the riscv64 interpreter tests. */
#ifndef TEST_RV_HARNESS_H
#define TEST_RV_HARNESS_H

#include "isa-xlat/isa-xlat.h"

#include <check.h>

#include "unit.h"
#include <stdlib.h>
#include <string.h>

/* ---- Encoders (formats of spec 2.2/2.3; compressed in chapter 16) ---- */
static inline uint32_t enc_r(uint32_t f7, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t rd,
                             uint32_t opc)
{
    return f7 << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
static inline uint32_t enc_i(int32_t imm, uint32_t rs1, uint32_t f3, uint32_t rd, uint32_t opc)
{
    return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opc;
}
static inline uint32_t enc_s(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3, uint32_t opc)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | opc;
}
static inline uint32_t enc_b(int32_t imm, uint32_t rs2, uint32_t rs1, uint32_t f3)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 12 & 1) << 31 | (u >> 5 & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           (u >> 1 & 0xf) << 8 | (u >> 11 & 1) << 7 | 0x63;
}
static inline uint32_t enc_u(uint32_t imm20, uint32_t rd, uint32_t opc)
{
    return (imm20 & 0xfffff) << 12 | rd << 7 | opc;
}
static inline uint32_t enc_j(int32_t imm, uint32_t rd)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 20 & 1) << 31 | (u >> 1 & 0x3ff) << 21 | (u >> 11 & 1) << 20 |
           (u >> 12 & 0xff) << 12 | rd << 7 | 0x6f;
}
/* R4 (fused multiply-add) format. */
static inline uint32_t enc_r4(uint32_t rs3, uint32_t fmt, uint32_t rs2, uint32_t rs1, uint32_t rm,
                              uint32_t rd, uint32_t opc)
{
    return rs3 << 27 | fmt << 25 | rs2 << 20 | rs1 << 15 | rm << 12 | rd << 7 | opc;
}

#define OP 0x33
#define OP32 0x3b
#define OPIMM 0x13
#define OPIMM32 0x1b
#define OPFP 0x53
#define AMO 0x2f
#define ECALL 0x00000073u
#define EBREAK 0x00100073u

#define ADDI(rd, rs1, imm) enc_i((imm), (rs1), 0, (rd), OPIMM)
#define ADD(rd, rs1, rs2) enc_r(0, (rs2), (rs1), 0, (rd), OP)
#define LUI(rd, imm20) enc_u((imm20), (rd), 0x37)
#define AUIPC(rd, imm20) enc_u((imm20), (rd), 0x17)
#define JAL(rd, off) enc_j((off), (rd))
#define JALR(rd, rs1, imm) enc_i((imm), (rs1), 0, (rd), 0x67)
#define LOADI(f3, rd, rs1, imm) enc_i((imm), (rs1), (f3), (rd), 0x03)
#define STOREI(f3, rs2, rs1, imm) enc_s((imm), (rs2), (rs1), (f3), 0x23)
#define CSRR(f3, rd, csr, rs1) enc_i((int32_t)(csr), (rs1), (f3), (rd), 0x73)
#define FENCE_I 0x0000100fu
/* OP-FP with funct5, fmt (0 S, 1 D), rs2 field and rm/funct3. */
#define FP(f5, fmt, rd, rs1, rs2, rm) enc_r((f5) << 2 | (fmt), (rs2), (rs1), (rm), (rd), OPFP)
/* AMO with funct5, width funct3 (2 .w, 3 .d), aq, rl. */
#define AMOI(f5, f3, rd, rs1, rs2, aq, rl)                                                         \
    enc_r((f5) << 2 | (aq) << 1 | (rl), (rs2), (rs1), (f3), (rd), AMO)

/* ---- A tiny guest: 1 MiB of memory, code at CODE, data at DATA ---- */
#define MEM_SIZE (1u << 20)
#define CODE 0x1000u
#define DATA 0x80000u

struct rvt {
    uint8_t *mem;
    struct rv_mem m;
    struct rv_cpu cpu;
    struct rv_cache *cache;
    struct rv_exit ex;
    uint64_t at; /* where the next emitted instruction goes */
};
static struct rvt T;

static void rvt_setup(void)
{
    T.mem = calloc(1, MEM_SIZE);
    ck_assert_ptr_nonnull(T.mem);
    rv_mem_init(&T.m, T.mem, MEM_SIZE);
    rv_cpu_init(&T.cpu, CODE);
    T.cache = rv_cache_new();
    T.at = CODE;
}
static void rvt_teardown(void)
{
    rv_cache_free(T.cache);
    free(T.mem);
}

/* Start a new program at CODE with fresh registers and an empty cache. */
static inline void rvt_reset(void)
{
    rv_cpu_init(&T.cpu, CODE);
    rv_cache_free(T.cache);
    T.cache = rv_cache_new();
    T.at = CODE;
}
static inline void emit(uint32_t w)
{
    memcpy(T.mem + T.at, &w, 4);
    T.at += 4;
}
static inline void emit16(uint16_t h)
{
    memcpy(T.mem + T.at, &h, 2);
    T.at += 2;
}
static inline enum rv_exit_reason rvt_run(void)
{
    return rv_run(&T.cpu, &T.m, T.cache, 100000, &T.ex);
}
/* Emit an ecall after what is there, run, and insist that the ecall is where it stopped. */
static inline void rvt_run_to_ecall(void)
{
    uint64_t end = T.at;
    emit(ECALL);
    ck_assert_str_eq(rv_exit_name(rvt_run()), "ecall");
    ck_assert_uint_eq(T.ex.pc, end);
    ck_assert_uint_eq(T.cpu.pc, end);
}

/* Run one instruction with rd = x3, rs1 = x1 = a, rs2 = x2 = b; return x3. */
static inline uint64_t op2(uint32_t insn, uint64_t a, uint64_t b)
{
    rvt_reset();
    T.cpu.x[1] = a;
    T.cpu.x[2] = b;
    emit(insn);
    rvt_run_to_ecall();
    return T.cpu.x[3];
}
#define R3(f7, f3, opc) enc_r((f7), 2, 1, (f3), 3, (opc))
#define I3(imm, f3, opc) enc_i((imm), 1, (f3), 3, (opc))

/* ---- FP helpers ---- */
#define BOX(v) (0xffffffff00000000ull | (uint32_t)(v))
#define S_ONE 0x3f800000u
#define S_TWO 0x40000000u
#define S_THREE 0x40400000u
#define S_QNAN 0x7fc00000u
#define S_SNAN 0x7f800001u
#define S_INF 0x7f800000u
#define D_ONE 0x3ff0000000000000ull
#define D_QNAN 0x7ff8000000000000ull
#define D_SNAN 0x7ff0000000000001ull
#define D_INF 0x7ff0000000000000ull
#define NV RV_FF_NV
#define DZ RV_FF_DZ
#define OF RV_FF_OF
#define UF RV_FF_UF
#define NX RV_FF_NX

/* Run one FP instruction with f1..f3 = a, b, c and x1 = a; fd/rd is register 10. */
static inline void fp_run(uint32_t insn, uint64_t a, uint64_t b, uint64_t c)
{
    rvt_reset();
    T.cpu.f[1] = a;
    T.cpu.f[2] = b;
    T.cpu.f[3] = c;
    T.cpu.x[1] = a;
    emit(insn);
    rvt_run_to_ecall();
}
static inline uint64_t ff(uint32_t insn, uint64_t a, uint64_t b)
{
    fp_run(insn, a, b, 0);
    return T.cpu.f[10];
}
static inline uint64_t fx(uint32_t insn, uint64_t a, uint64_t b)
{
    fp_run(insn, a, b, 0);
    return T.cpu.x[10];
}
#define FLAGS() (T.cpu.fflags)
#define OPS(f5, rm) FP((f5), 0, 10, 1, 2, (rm))
#define OPD(f5, rm) FP((f5), 1, 10, 1, 2, (rm))
#define CVT(f5, fmt, rs2, rm) FP((f5), (fmt), 10, 1, (rs2), (rm))
#define SQRT(fmt, rm) FP(0x0b, (fmt), 10, 1, 0, (rm))
#define FMA(opc, fmt, rm) enc_r4(3, (fmt), 2, 1, (rm), 10, (opc))

static inline int rvt_main(const char *name, void (*add)(TCase *))
{
    Suite *s = suite_create(name);
    TCase *tc = tcase_create(name);
    tcase_add_checked_fixture(tc, rvt_setup, rvt_teardown);
    add(tc);
    suite_add_tcase(s, tc);
    return unit_run(s);
}

#endif
