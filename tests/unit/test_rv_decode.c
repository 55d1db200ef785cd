/* test_rv_decode.c: compressed expansions equal their 32-bit forms; reserved encodings trap. */
#include "tests/unit/test_rv_harness.h"

/* RVC encoders, field by field from the spec's chapter 16 tables. */
#define BIT(v, n) (((uint32_t)(v) >> (n)) & 1u)
#define FLD(v, hi, lo) (((uint32_t)(v) >> (lo)) & ((1u << ((hi) - (lo) + 1)) - 1))
static uint16_t c_addi4spn(unsigned rdp, unsigned nz)
{
    return (uint16_t)(FLD(nz, 5, 4) << 11 | FLD(nz, 9, 6) << 7 | BIT(nz, 2) << 6 | BIT(nz, 3) << 5 |
                      rdp << 2);
}
static uint16_t c_lw(unsigned f3, unsigned rdp, unsigned rs1p, unsigned off) /* also sw */
{
    return (uint16_t)(f3 << 13 | FLD(off, 5, 3) << 10 | rs1p << 7 | BIT(off, 2) << 6 |
                      BIT(off, 6) << 5 | rdp << 2);
}
static uint16_t c_ld(unsigned f3, unsigned rdp, unsigned rs1p, unsigned off) /* ld sd fld fsd */
{
    return (uint16_t)(f3 << 13 | FLD(off, 5, 3) << 10 | rs1p << 7 | FLD(off, 7, 6) << 5 | rdp << 2);
}
static uint16_t c_ci(unsigned f3, unsigned rd, int imm) /* addi addiw li, and lui's imm[17:12] */
{
    return (uint16_t)(f3 << 13 | BIT(imm, 5) << 12 | rd << 7 | FLD(imm, 4, 0) << 2 | 1);
}
static uint16_t c_addi16sp(int nz)
{
    return (uint16_t)(3u << 13 | BIT(nz, 9) << 12 | 2u << 7 | BIT(nz, 4) << 6 | BIT(nz, 6) << 5 |
                      FLD(nz, 8, 7) << 3 | BIT(nz, 5) << 2 | 1);
}
static uint16_t c_alu_imm(unsigned f2, unsigned rdp, int imm) /* srli srai andi */
{
    return (uint16_t)(4u << 13 | BIT(imm, 5) << 12 | f2 << 10 | rdp << 7 | FLD(imm, 4, 0) << 2 | 1);
}
static uint16_t c_alu(unsigned b12, unsigned f2, unsigned rdp, unsigned rs2p)
{
    return (uint16_t)(4u << 13 | b12 << 12 | 3u << 10 | rdp << 7 | f2 << 5 | rs2p << 2 | 1);
}
static uint16_t c_j(int off)
{
    return (uint16_t)(5u << 13 | BIT(off, 11) << 12 | BIT(off, 4) << 11 | FLD(off, 9, 8) << 9 |
                      BIT(off, 10) << 8 | BIT(off, 6) << 7 | BIT(off, 7) << 6 |
                      FLD(off, 3, 1) << 3 | BIT(off, 5) << 2 | 1);
}
static uint16_t c_b(unsigned f3, unsigned rs1p, int off)
{
    return (uint16_t)(f3 << 13 | BIT(off, 8) << 12 | FLD(off, 4, 3) << 10 | rs1p << 7 |
                      FLD(off, 7, 6) << 5 | FLD(off, 2, 1) << 3 | BIT(off, 5) << 2 | 1);
}
static uint16_t c_slli(unsigned rd, unsigned sh)
{
    return (uint16_t)(BIT(sh, 5) << 12 | rd << 7 | FLD(sh, 4, 0) << 2 | 2);
}
static uint16_t c_lwsp(unsigned rd, unsigned off)
{
    return (uint16_t)(2u << 13 | BIT(off, 5) << 12 | rd << 7 | FLD(off, 4, 2) << 4 |
                      FLD(off, 7, 6) << 2 | 2);
}
static uint16_t c_ldsp(unsigned f3, unsigned rd, unsigned off) /* ldsp fldsp */
{
    return (uint16_t)(f3 << 13 | BIT(off, 5) << 12 | rd << 7 | FLD(off, 4, 3) << 5 |
                      FLD(off, 8, 6) << 2 | 2);
}
static uint16_t c_cr(unsigned b12, unsigned rd, unsigned rs2)
{
    return (uint16_t)(4u << 13 | b12 << 12 | rd << 7 | rs2 << 2 | 2);
}
static uint16_t c_swsp(unsigned rs2, unsigned off)
{
    return (uint16_t)(6u << 13 | FLD(off, 5, 2) << 9 | FLD(off, 7, 6) << 7 | rs2 << 2 | 2);
}
static uint16_t c_sdsp(unsigned f3, unsigned rs2, unsigned off) /* sdsp fsdsp */
{
    return (uint16_t)(f3 << 13 | FLD(off, 5, 3) << 10 | FLD(off, 8, 6) << 7 | rs2 << 2 | 2);
}

START_TEST(compressed_expansions)
{
    /* x8..x15 are rd'/rs1'/rs2' 0..7. */
    const struct {
        uint16_t c;
        uint32_t w;
    } c[] = {
        {c_addi4spn(0, 1020), ADDI(8, 2, 1020)},
        {c_addi4spn(7, 4), ADDI(15, 2, 4)},
        {c_ld(1, 1, 2, 248), enc_i(248, 10, 3, 9, 0x07)}, /* c.fld */
        {c_lw(2, 7, 0, 124), LOADI(2, 15, 8, 124)},
        {c_lw(2, 0, 0, 64), LOADI(2, 8, 8, 64)},
        {c_ld(3, 0, 7, 248), LOADI(3, 8, 15, 248)},
        {c_ld(5, 0, 1, 8), enc_s(8, 8, 9, 3, 0x27)}, /* c.fsd */
        {c_lw(6, 1, 2, 68), STOREI(2, 9, 10, 68)},   /* c.sw */
        {c_ld(7, 7, 0, 248), STOREI(3, 15, 8, 248)}, /* c.sd */
        {c_ci(0, 0, 0), ADDI(0, 0, 0)},              /* c.nop */
        {c_ci(0, 1, -32), ADDI(1, 1, -32)},
        {c_ci(0, 31, 31), ADDI(31, 31, 31)},
        {c_ci(1, 2, 31), enc_i(31, 2, 0, 2, OPIMM32)}, /* c.addiw */
        {c_ci(1, 9, -1), enc_i(-1, 9, 0, 9, OPIMM32)},
        {c_ci(2, 31, -1), ADDI(31, 0, -1)}, /* c.li */
        {c_addi16sp(-512), ADDI(2, 2, -512)},
        {c_addi16sp(496), ADDI(2, 2, 496)},
        {c_addi16sp(16), ADDI(2, 2, 16)},
        {c_ci(3, 3, -32), LUI(3, 0xfffe0)}, /* c.lui */
        {c_ci(3, 5, 1), LUI(5, 1)},
        {c_ci(3, 5, 31), LUI(5, 31)},
        {c_alu_imm(0, 0, 63), enc_i(63, 8, 5, 8, OPIMM)},         /* c.srli */
        {c_alu_imm(1, 1, 32), enc_i(0x400 | 32, 9, 5, 9, OPIMM)}, /* c.srai */
        {c_alu_imm(2, 2, -1), enc_i(-1, 10, 7, 10, OPIMM)},       /* c.andi */
        {c_alu(0, 0, 0, 1), enc_r(0x20, 9, 8, 0, 8, OP)},         /* c.sub */
        {c_alu(0, 1, 2, 3), enc_r(0, 11, 10, 4, 10, OP)},         /* c.xor */
        {c_alu(0, 2, 4, 5), enc_r(0, 13, 12, 6, 12, OP)},         /* c.or */
        {c_alu(0, 3, 6, 7), enc_r(0, 15, 14, 7, 14, OP)},         /* c.and */
        {c_alu(1, 0, 7, 0), enc_r(0x20, 8, 15, 0, 15, OP32)},     /* c.subw */
        {c_alu(1, 1, 3, 3), enc_r(0, 11, 11, 0, 11, OP32)},       /* c.addw */
        {c_j(-2048), JAL(0, -2048)},
        {c_j(2046), JAL(0, 2046)},
        {c_j(0x2aa), JAL(0, 0x2aa)},
        {c_j(-0x2ac), JAL(0, -0x2ac)},
        {c_b(6, 0, -256), enc_b(-256, 0, 8, 0)}, /* c.beqz */
        {c_b(7, 7, 254), enc_b(254, 0, 15, 1)},  /* c.bnez */
        {c_b(7, 3, 0xaa), enc_b(0xaa, 0, 11, 1)},
        {c_slli(1, 63), enc_i(63, 1, 1, 1, OPIMM)},
        {c_slli(31, 1), enc_i(1, 31, 1, 31, OPIMM)},
        {c_ldsp(1, 1, 504), enc_i(504, 2, 3, 1, 0x07)}, /* c.fldsp */
        {c_lwsp(1, 252), LOADI(2, 1, 2, 252)},
        {c_lwsp(9, 0x44), LOADI(2, 9, 2, 0x44)},
        {c_ldsp(3, 31, 504), LOADI(3, 31, 2, 504)},
        {c_ldsp(3, 31, 0x28), LOADI(3, 31, 2, 0x28)},
        {c_cr(0, 1, 0), JALR(0, 1, 0)},                   /* c.jr */
        {c_cr(0, 1, 2), ADD(1, 0, 2)},                    /* c.mv */
        {c_cr(1, 0, 0), EBREAK},                          /* c.ebreak */
        {c_cr(1, 5, 0), JALR(1, 5, 0)},                   /* c.jalr */
        {c_cr(1, 1, 2), ADD(1, 1, 2)},                    /* c.add */
        {c_sdsp(5, 31, 504), enc_s(504, 31, 2, 3, 0x27)}, /* c.fsdsp */
        {c_swsp(31, 252), STOREI(2, 31, 2, 252)},
        {c_swsp(4, 0x44), STOREI(2, 4, 2, 0x44)},
        {c_sdsp(7, 1, 504), STOREI(3, 1, 2, 504)},
        {c_sdsp(7, 1, 0x28), STOREI(3, 1, 2, 0x28)},
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct rv_insn a, b;
        ck_assert_uint_eq(rv_decode(c[i].c, &a), 2);
        ck_assert_uint_eq(rv_decode(c[i].w, &b), 4);
        ck_assert_msg(b.op != RV_OP_ILLEGAL, "case %u: 32-bit form illegal", i);
        ck_assert_msg(a.op == b.op && a.rd == b.rd && a.rs1 == b.rs1 && a.rs2 == b.rs2 &&
                          a.imm == b.imm,
                      "case %u %#06x: %s rd%u rs1 %u rs2 %u imm %d != %s rd%u rs1 %u rs2 %u imm %d",
                      i, c[i].c, rv_op_name(a.op), a.rd, a.rs1, a.rs2, a.imm, rv_op_name(b.op),
                      b.rd, b.rs1, b.rs2, b.imm);
    }
}
END_TEST

START_TEST(compressed_program)
{
    rvt_reset();
    emit16(c_ci(2, 8, 5));  /* c.li x8, 5 */
    emit16(c_ci(0, 8, -1)); /* c.addi x8, -1 */
    emit16(c_cr(0, 9, 8));  /* c.mv x9, x8 */
    emit16(c_cr(1, 9, 8));  /* c.add x9, x8 */
    emit16(c_slli(9, 2));   /* c.slli x9, 2 */
    emit16(c_j(4));         /* c.j over the next */
    emit16(c_ci(2, 9, 0));
    emit16(c_b(6, 2, 4)); /* c.beqz x10, over the next */
    emit16(c_ci(2, 9, 1));
    emit(ADDI(11, 9, 1));    /* a 32-bit instruction at pc % 4 == 2 */
    emit16(c_ci(1, 12, -1)); /* c.addiw x12, -1 */
    rvt_run_to_ecall();
    ck_assert_uint_eq(T.cpu.x[8], 4);
    ck_assert_uint_eq(T.cpu.x[9], 32);
    ck_assert_uint_eq(T.cpu.x[11], 33);
    ck_assert_uint_eq(T.cpu.x[12], UINT64_MAX);
    ck_assert_uint_eq(T.cpu.instret, 9); /* two skipped */
}
END_TEST

START_TEST(reserved_encodings)
{
    const uint32_t bad[] = {
        0x00000000u, /* all zero: c.addi4spn with 0 (16.5) */
        0x0000ffffu,
        0xffffffffu,      /* 48-bit-and-longer prefixes */
        c_addi4spn(1, 0), /* nzuimm 0 */
        c_ci(3, 1, 0),    /* c.lui with 0 */
        c_addi16sp(0),    /* c.addi16sp with 0 */
        c_ci(1, 0, 1),    /* c.addiw rd 0 */
        c_lwsp(0, 4),
        c_ldsp(3, 0, 8), /* c.lwsp / c.ldsp rd 0 */
        c_cr(0, 0, 0),   /* c.jr x0 */
        c_alu(1, 2, 0, 0),
        c_alu(1, 3, 0, 0),              /* reserved c.subw/c.addw neighbours */
        0x8000u,                        /* quadrant 0, funct3 100 */
        enc_i(0x20, 1, 1, 3, OPIMM32),  /* slliw with shamt[5] (4.2) */
        enc_i(0x20, 1, 5, 3, OPIMM32),  /* srliw with shamt[5] */
        enc_i(0x420, 1, 5, 3, OPIMM32), /* sraiw with shamt[5] */
        enc_i(0x040, 1, 1, 3, OPIMM),   /* slli with imm[11:6] = 1 */
        enc_i(0x200, 1, 5, 3, OPIMM),   /* srli with a stray high bit */
        enc_r(0x02, 2, 1, 0, 3, OP),    /* unknown funct7 */
        enc_r(0x01, 2, 1, 1, 3, OP32),  /* mulw's funct3 1 */
        FP(0, 0, 10, 1, 2, 5),
        FP(0, 1, 10, 1, 2, 6),           /* rm 5/6 (11.2) */
        enc_r4(3, 0, 2, 1, 5, 10, 0x43), /* fmadd rm 5 */
        FP(0x18, 0, 10, 1, 0, 6),        /* fcvt.w.s rm 6 */
        FP(0x1a, 1, 10, 1, 0, 5),        /* fcvt.d.w rm 5 */
        FP(0, 2, 10, 1, 2, 0),
        FP(0, 3, 10, 1, 2, 0),        /* half and quad formats */
        FP(0x0b, 0, 10, 1, 1, 0),     /* fsqrt with rs2 != 0 */
        FP(0x1c, 0, 10, 1, 0, 2),     /* fmv.x.w funct3 2 */
        FP(0x1e, 0, 10, 1, 0, 1),     /* fmv.w.x funct3 1 */
        FP(0x14, 0, 10, 1, 2, 3),     /* compare funct3 3 */
        FP(0x08, 0, 10, 1, 0, 0),     /* fcvt.s.s */
        FP(0x18, 0, 10, 1, 4, 0),     /* fcvt with rs2 4 */
        AMOI(0x02, 2, 3, 1, 2, 0, 0), /* lr with rs2 != 0 */
        AMOI(0x00, 0, 3, 1, 2, 0, 0), /* amoadd.b */
        AMOI(0x05, 2, 3, 1, 2, 0, 0), /* funct5 5 */
        LOADI(7, 3, 1, 0),
        STOREI(4, 3, 1, 0),
        enc_b(8, 2, 1, 2),
        enc_i(0, 1, 1, 3, 0x67),
        enc_i(0, 1, 4, 3, 0x07),
        enc_s(0, 2, 1, 1, 0x27), /* flh/fsh */
        0x30200073u,
        0x10500073u,
        0x10200073u,                   /* mret, wfi, sret */
        enc_i(0, 0, 4, 0, 0x73),       /* SYSTEM funct3 4 */
        enc_i(0x6b0, 1, 5, 3, OPIMM),  /* neither rev8 nor orc.b */
        enc_i(0x603, 1, 1, 3, OPIMM),  /* Zbb unary 3 */
        enc_r(0x04, 1, 1, 4, 3, OP32), /* zext.h needs rs2 0 */
        0x0000000bu,
        0x0000007fu,                   /* custom-0, 80-bit prefix */
        enc_r(0x08, 2, 1, 0, 3, 0x2f), /* amoor.b */
    };
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct rv_insn d;
        rv_decode(bad[i], &d);
        ck_assert_msg(d.op == RV_OP_ILLEGAL, "case %u (%#x) decoded as %s", i, bad[i],
                      rv_op_name(d.op));
        /* And running it raises an illegal-instruction exit at its pc, nothing retired. */
        rvt_reset();
        emit(bad[i]);
        ck_assert_int_eq(rvt_run(), RV_EXIT_ILLEGAL);
        ck_assert_uint_eq(T.ex.pc, CODE);
        ck_assert_uint_eq(T.ex.insn, (bad[i] & 3) == 3 ? bad[i] : (bad[i] & 0xffff));
        ck_assert_uint_eq(T.ex.len, (bad[i] & 3) == 3 ? 4 : 2);
        ck_assert_uint_eq(T.cpu.instret, 0);
    }
    /* HINTs are not illegal: they run as no-ops (16.7, 2.9). */
    const uint32_t hints[] = {c_ci(0, 0, 5), c_ci(2, 0, 1), c_ci(3, 0, 1),
                              c_cr(0, 0, 5), c_slli(0, 1),  c_alu_imm(0, 0, 0),
                              ADDI(0, 5, 1), 0x0100000fu,   0x8330000fu /* fence.tso */};
    for (unsigned i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
        rvt_reset();
        emit(hints[i]);
        if ((hints[i] & 3) != 3)
            T.at -= 2;
        rvt_run_to_ecall();
        ck_assert_uint_eq(T.cpu.x[0], 0);
    }
}
END_TEST

/* Immediates at their extremes (the sign bit is instruction bit 31 in every format, 2.3);
 * the fuzzer found the decoder shifting negative values here. */
START_TEST(immediate_extremes)
{
    const struct {
        uint32_t w;
        int32_t imm;
    } c[] = {
        {ADDI(1, 2, -2048), -2048},
        {ADDI(1, 2, 2047), 2047},
        {STOREI(3, 1, 2, -2048), -2048},
        {STOREI(3, 1, 2, 2047), 2047},
        {enc_b(-4096, 1, 2, 0), -4096},
        {enc_b(4094, 1, 2, 0), 4094},
        {JAL(1, -1048576), -1048576},
        {JAL(1, 1048574), 1048574},
        {LUI(1, 0xfffff), -4096},
        {LUI(1, 0x80000), INT32_MIN},
        {AUIPC(1, 0x7ffff), 0x7ffff000},
        {0xfffff06fu, -2}, /* jal x0, -2: every immediate bit set */
    };
    for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
        struct rv_insn d;
        rv_decode(c[i].w, &d);
        ck_assert_msg(d.op != RV_OP_ILLEGAL && d.imm == c[i].imm, "case %u: imm %d", i, d.imm);
    }
    struct rv_insn d;
    rv_decode(c_j(-2048), &d);
    ck_assert_int_eq(d.imm, -2048);
    rv_decode(c_b(6, 0, -256), &d);
    ck_assert_int_eq(d.imm, -256);
    rv_decode(c_ci(3, 1, -32), &d);
    ck_assert_int_eq(d.imm, -32 * 4096);
    rv_decode(c_addi16sp(-512), &d);
    ck_assert_int_eq(d.imm, -512);
}
END_TEST

static void add_tests(TCase *tc)
{
    tcase_add_test(tc, immediate_extremes);
    tcase_add_test(tc, compressed_expansions);
    tcase_add_test(tc, compressed_program);
    tcase_add_test(tc, reserved_encodings);
}

int main(void)
{
    return rvt_main("rv_decode", add_tests);
}
