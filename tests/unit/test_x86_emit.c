/* test_x86_emit: the x86-64 assembler against encodings the Intel SDM fixes, and W^X code. */
#include "isa-xlat/x86_emit.h"

#include "unit.h"

#include <stdio.h>
#include <string.h>

static uint8_t mem[256];
static struct x86_buf B;

static void start(void)
{
    memset(mem, 0xcc, sizeof(mem));
    x86_buf_init(&B, mem, sizeof(mem));
}

/* The buffer holds exactly the bytes of the hex string (spaces between bytes). */
static void expect(const char *hex, int line)
{
    uint8_t want[32];
    size_t n = 0;
    for (const char *p = hex; *p;) {
        unsigned v;
        int used;
        if (sscanf(p, "%2x%n", &v, &used) != 1)
            break;
        want[n++] = (uint8_t)v;
        p += used;
        while (*p == ' ')
            p++;
    }
    char got[128] = "";
    for (size_t i = 0; i < B.len && i < 40; i++)
        snprintf(got + strlen(got), sizeof(got) - strlen(got), "%02x ", B.p[i]);
    ck_assert_msg(!B.overflow, "line %d: overflow", line);
    ck_assert_msg(B.len == n && memcmp(B.p, want, n) == 0, "line %d: want %s, got %s", line, hex,
                  got);
}
#define EXPECT(hex, ...)                                                                           \
    do {                                                                                           \
        start();                                                                                   \
        __VA_ARGS__;                                                                               \
        expect(hex, __LINE__);                                                                     \
    } while (0)

START_TEST(alu)
{
    /* SDM vol. 2: ADD r/m64, r64 is REX.W 01 /r; ModRM 11 reg rm. */
    EXPECT("48 01 d8", x86_alu_rr(&B, X86_ADD, 64, X86_RAX, X86_RBX));
    EXPECT("4d 01 c8", x86_alu_rr(&B, X86_ADD, 64, X86_R8, X86_R9));
    EXPECT("29 d1", x86_alu_rr(&B, X86_SUB, 32, X86_RCX, X86_RDX));
    EXPECT("31 c0", x86_alu_rr(&B, X86_XOR, 32, X86_RAX, X86_RAX));
    EXPECT("48 21 c8", x86_alu_rr(&B, X86_AND, 64, X86_RAX, X86_RCX));
    EXPECT("48 09 f2", x86_alu_rr(&B, X86_OR, 64, X86_RDX, X86_RSI));
    EXPECT("48 39 c8", x86_alu_rr(&B, X86_CMP, 64, X86_RAX, X86_RCX));
    EXPECT("48 85 c9", x86_test_rr(&B, 64, X86_RCX, X86_RCX));
    EXPECT("85 c9", x86_test_rr(&B, 32, X86_RCX, X86_RCX));
    /* 83 /0 ib (sign-extended imm8), 81 /0 id. */
    EXPECT("48 83 c0 01", x86_alu_ri(&B, X86_ADD, 64, X86_RAX, 1));
    EXPECT("48 81 c0 00 10 00 00", x86_alu_ri(&B, X86_ADD, 64, X86_RAX, 0x1000));
    EXPECT("83 f9 ff", x86_alu_ri(&B, X86_CMP, 32, X86_RCX, -1));
    EXPECT("48 83 e0 fe", x86_alu_ri(&B, X86_AND, 64, X86_RAX, -2));
    EXPECT("49 81 f7 00 00 00 80", x86_alu_ri(&B, X86_XOR, 64, X86_R15, INT32_MIN));
    EXPECT("48 83 83 20 01 00 00 05", x86_alu_mi(&B, X86_ADD, x86_m(X86_RBX, 0x120), 5));
}
END_TEST

START_TEST(mov)
{
    EXPECT("48 89 d8", x86_mov_rr(&B, 64, X86_RAX, X86_RBX));
    EXPECT("49 89 f4", x86_mov_rr(&B, 64, X86_R12, X86_RSI));
    EXPECT("89 c8", x86_mov_rr(&B, 32, X86_RAX, X86_RCX));
    /* B8+rd id zero-extends; REX.W C7 /0 id sign-extends; REX.W B8+rd io. */
    EXPECT("b8 01 00 00 00", x86_mov_ri(&B, X86_RAX, 1));
    EXPECT("41 b9 05 00 00 00", x86_mov_ri(&B, X86_R9, 5));
    EXPECT("b8 ff ff ff ff", x86_mov_ri(&B, X86_RAX, 0xffffffffu));
    EXPECT("48 c7 c0 ff ff ff ff", x86_mov_ri(&B, X86_RAX, UINT64_MAX));
    EXPECT("48 b8 89 67 45 23 01 00 00 00", x86_mov_ri(&B, X86_RAX, 0x123456789ull));
    EXPECT("49 ba 00 00 00 00 00 00 00 80", x86_mov_ri(&B, X86_R10, 1ull << 63));
}
END_TEST

START_TEST(memory)
{
    /* ModRM/SIB forms of SDM vol. 2, tables 2-2 and 2-3: disp8, disp32, SIB for rsp/r12 and any
     * index, a zero disp8 for rbp/r13. */
    EXPECT("48 8b 03", x86_load(&B, 64, X86_RAX, x86_m(X86_RBX, 0)));
    EXPECT("48 8b 43 08", x86_load(&B, 64, X86_RAX, x86_m(X86_RBX, 8)));
    EXPECT("48 8b 83 00 01 00 00", x86_load(&B, 64, X86_RAX, x86_m(X86_RBX, 0x100)));
    EXPECT("48 8b 04 24", x86_load(&B, 64, X86_RAX, x86_m(X86_RSP, 0)));
    EXPECT("49 8b 45 00", x86_load(&B, 64, X86_RAX, x86_m(X86_R13, 0)));
    EXPECT("49 8b 0c 04", x86_load(&B, 64, X86_RCX, x86_mi(X86_R12, X86_RAX, 0)));
    EXPECT("4b 8b 4c 35 f0", x86_load(&B, 64, X86_RCX, x86_mi(X86_R13, X86_R14, -16)));
    EXPECT("8b 4b 04", x86_load(&B, 32, X86_RCX, x86_m(X86_RBX, 4)));
    EXPECT("48 89 43 10", x86_store(&B, 64, x86_m(X86_RBX, 16), X86_RAX));
    EXPECT("41 89 0c 04", x86_store(&B, 32, x86_mi(X86_R12, X86_RAX, 0), X86_RCX));
    EXPECT("66 41 89 0c 04", x86_store(&B, 16, x86_mi(X86_R12, X86_RAX, 0), X86_RCX));
    EXPECT("41 88 0c 04", x86_store(&B, 8, x86_mi(X86_R12, X86_RAX, 0), X86_RCX));
    /* sil needs a REX prefix, or the encoding means dh (SDM vol. 2, 2.2.1.2). */
    EXPECT("40 88 30", x86_store(&B, 8, x86_m(X86_RAX, 0), X86_RSI));
    EXPECT("48 c7 83 00 01 00 00 00 10 00 00", x86_store_imm32(&B, x86_m(X86_RBX, 0x100), 0x1000));
    EXPECT("49 8d 55 f8", x86_lea(&B, X86_RDX, x86_m(X86_R13, -8)));
}
END_TEST

START_TEST(extend)
{
    EXPECT("49 0f be 0c 04", x86_movsx_rm(&B, 64, 8, X86_RCX, x86_mi(X86_R12, X86_RAX, 0)));
    EXPECT("49 0f bf 0c 04", x86_movsx_rm(&B, 64, 16, X86_RCX, x86_mi(X86_R12, X86_RAX, 0)));
    EXPECT("49 63 0c 04", x86_movsx_rm(&B, 64, 32, X86_RCX, x86_mi(X86_R12, X86_RAX, 0)));
    EXPECT("41 0f b6 0c 04", x86_movzx_rm(&B, 8, X86_RCX, x86_mi(X86_R12, X86_RAX, 0)));
    EXPECT("41 0f b7 0c 04", x86_movzx_rm(&B, 16, X86_RCX, x86_mi(X86_R12, X86_RAX, 0)));
    EXPECT("48 63 c0", x86_movsx_rr(&B, 64, 32, X86_RAX, X86_RAX));
    EXPECT("48 0f be c1", x86_movsx_rr(&B, 64, 8, X86_RAX, X86_RCX));
    EXPECT("0f b6 c0", x86_movzx_rr(&B, 8, X86_RAX, X86_RAX));
    EXPECT("40 0f b6 c6", x86_movzx_rr(&B, 8, X86_RAX, X86_RSI));
    EXPECT("0f b7 c1", x86_movzx_rr(&B, 16, X86_RAX, X86_RCX));
}
END_TEST

START_TEST(shift_mul_div)
{
    EXPECT("48 d3 e0", x86_shift_cl(&B, X86_SHL, 64, X86_RAX));
    EXPECT("d3 e8", x86_shift_cl(&B, X86_SHR, 32, X86_RAX));
    EXPECT("48 d3 f8", x86_shift_cl(&B, X86_SAR, 64, X86_RAX));
    EXPECT("48 c1 e0 03", x86_shift_ri(&B, X86_SHL, 64, X86_RAX, 3));
    EXPECT("49 c1 f8 3f", x86_shift_ri(&B, X86_SAR, 64, X86_R8, 63));
    EXPECT("48 0f af c1", x86_imul_rr(&B, 64, X86_RAX, X86_RCX));
    EXPECT("0f af c1", x86_imul_rr(&B, 32, X86_RAX, X86_RCX));
    EXPECT("48 f7 e1", x86_grp3(&B, X86_MUL, 64, X86_RCX));
    EXPECT("48 f7 e9", x86_grp3(&B, X86_IMUL1, 64, X86_RCX));
    EXPECT("f7 f1", x86_grp3(&B, X86_DIV, 32, X86_RCX));
    EXPECT("48 f7 f9", x86_grp3(&B, X86_IDIV, 64, X86_RCX));
    EXPECT("48 f7 d8", x86_grp3(&B, X86_NEG, 64, X86_RAX));
    EXPECT("48 99", x86_cqo(&B));
    EXPECT("99", x86_cdq(&B));
}
END_TEST

START_TEST(cond_and_control)
{
    EXPECT("0f 9c c0", x86_setcc(&B, X86_CC_L, X86_RAX));
    EXPECT("0f 92 c0", x86_setcc(&B, X86_CC_B, X86_RAX));
    EXPECT("40 0f 94 c7", x86_setcc(&B, X86_CC_E, X86_RDI));
    EXPECT("41 0f 95 c0", x86_setcc(&B, X86_CC_NE, X86_R8));
    EXPECT("48 0f 44 c2", x86_cmov(&B, X86_CC_E, 64, X86_RAX, X86_RDX));
    EXPECT("48 0f 4c c2", x86_cmov(&B, X86_CC_L, 64, X86_RAX, X86_RDX));
    EXPECT("53", x86_push(&B, X86_RBX));
    EXPECT("41 54", x86_push(&B, X86_R12));
    EXPECT("41 5d", x86_pop(&B, X86_R13));
    EXPECT("c3", x86_ret(&B));
    EXPECT("cc", x86_int3(&B));
    EXPECT("ff d0", x86_call_r(&B, X86_RAX));
    EXPECT("41 ff d3", x86_call_r(&B, X86_R11));
    EXPECT("ff e0", x86_jmp_r(&B, X86_RAX));
    EXPECT("0f ae f0", x86_mfence(&B));
    /* rel32 counts from the end of the instruction: a jump to itself is -5 (E9 cd). */
    EXPECT("e9 fb ff ff ff", x86_jmp(&B, 0));
    EXPECT("0f 8f 04 00 00 00 c3 c3 c3 c3", {
        size_t f = x86_jcc(&B, X86_CC_G, -1);
        for (int i = 0; i < 4; i++)
            x86_ret(&B);
        x86_patch(&B, f);
    });
}
END_TEST

START_TEST(overflow_is_sticky)
{
    uint8_t small[3];
    struct x86_buf b;
    x86_buf_init(&b, small, sizeof(small));
    x86_mov_ri(&b, X86_RAX, 1);
    ck_assert(b.overflow);
    ck_assert_uint_le(b.len, sizeof(small));
}
END_TEST

/* The mapping holding addr: its permission string from /proc/self/maps. */
static void perms_of(const void *addr, char out[5])
{
    FILE *f = fopen("/proc/self/maps", "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    strcpy(out, "????");
    while (fgets(line, sizeof(line), f)) {
        unsigned long lo, hi;
        char p[5];
        if (sscanf(line, "%lx-%lx %4s", &lo, &hi, p) == 3 && (unsigned long)addr >= lo &&
            (unsigned long)addr < hi) {
            memcpy(out, p, 5);
            break;
        }
    }
    fclose(f);
}

START_TEST(code_runs_and_is_never_writable)
{
    struct x86_code c;
    ck_assert_int_eq(x86_code_init(&c, 1 << 16), 0);
    start();
    x86_mov_rr(&B, 64, X86_RAX, X86_RDI); /* rdi: first argument (System V AMD64 ABI) */
    x86_imul_rr(&B, 64, X86_RAX, X86_RSI);
    x86_alu_ri(&B, X86_ADD, 64, X86_RAX, 7);
    x86_ret(&B);
    void *p = x86_code_add(&c, B.p, B.len);
    ck_assert_ptr_nonnull(p);
    char perms[5];
    perms_of(p, perms);
    ck_assert_str_eq(perms, "r-xp");
    uint64_t (*fn)(uint64_t, uint64_t);
    memcpy(&fn, &p, sizeof(fn));
    ck_assert_uint_eq(fn(6, 7), 49);
    /* A second function lands after the first, 16-aligned, and both still run. */
    start();
    x86_mov_ri(&B, X86_RAX, 0x123456789ull);
    x86_ret(&B);
    void *q = x86_code_add(&c, B.p, B.len);
    ck_assert_ptr_nonnull(q);
    ck_assert((uintptr_t)q % 16 == 0 && q > p);
    uint64_t (*g)(void);
    memcpy(&g, &q, sizeof(g));
    ck_assert_uint_eq(g(), 0x123456789ull);
    ck_assert_uint_eq(fn(2, 3), 13);
    perms_of(q, perms);
    ck_assert_str_eq(perms, "r-xp");
    /* Full: refused, not overrun. */
    static uint8_t big[1 << 16];
    ck_assert_ptr_null(x86_code_add(&c, big, sizeof(big)));
    x86_code_reset(&c);
    ck_assert_ptr_eq(x86_code_add(&c, B.p, B.len), c.base);
    x86_code_free(&c);
}
END_TEST

/* The SSE2, FMA3, MXCSR and atomic forms the FP and A translations use (SDM vol. 2: ADDSD is F2 0F 58 /r,
 * MOVQ xmm, r/m64 is 66 REX.W 0F 6E /r, VFMADD231SD is VEX.LIG.66.0F38.W1 B9 /r, LDMXCSR is
 * 0F AE /2, ...); the mandatory prefix goes before REX. */
START_TEST(sse)
{
    EXPECT("f2 0f 58 c1", x86_sse_rr(&B, X86_ADDS, true, 0, 1));
    EXPECT("f2 41 0f 51 c1", x86_sse_rr(&B, X86_SQRT, true, 0, 9));
    EXPECT("f2 44 0f 10 63 10", x86_movsd_load(&B, true, 12, x86_m(X86_RBX, 0x10)));
    EXPECT("f2 45 0f 11 04 04", x86_movsd_store(&B, true, x86_mi(X86_R12, X86_RAX, 0), 8));
    EXPECT("f3 41 0f 11 24 04", x86_movsd_store(&B, false, x86_mi(X86_R12, X86_RAX, 0), 4));
    EXPECT("66 48 0f 6e c0", x86_movq_to_x(&B, 0, X86_RAX));
    EXPECT("66 4c 0f 7e c9", x86_movq_from_x(&B, X86_RCX, 9));
    EXPECT("66 0f 2e c0", x86_comis(&B, true, true, 0, 0));
    EXPECT("66 41 0f 2f cc", x86_comis(&B, true, false, 1, 12));
    EXPECT("c4 c2 b1 b9 c4", x86_fma231(&B, true, 0, 0, 9, 12));
    EXPECT("c4 62 f1 bf c2", x86_fma231(&B, true, 3, 8, 1, 2));
    EXPECT("c4 62 99 ad c7", x86_fma213(&B, true, 2, 8, 12, 7)); /* vfnmadd213sd */
    EXPECT("c4 c2 e9 a9 c0", x86_fma213(&B, true, 0, 0, 2, 8));  /* vfmadd213sd */
    /* with displacement from an index: [r12 + r11 - 8] */
    EXPECT("f2 47 0f 11 44 1c f8", x86_movsd_store(&B, true, x86_mi(X86_R12, X86_R11, -8), 8));
    EXPECT("c4 e1 73 5c c2", x86_avx_rr(&B, X86_SUBS, true, 0, 1, 2));
    EXPECT("c4 41 1b 58 ca", x86_avx_rr(&B, X86_ADDS, true, 9, 12, 10));
    EXPECT("c4 41 0a 51 ca", x86_avx_rr(&B, X86_SQRT, false, 9, 14, 10));
    EXPECT("0f ae 55 64", x86_ldmxcsr(&B, x86_m(X86_RBP, 0x64)));
    EXPECT("0f ae 5d 70", x86_stmxcsr(&B, x86_m(X86_RBP, 0x70)));
    EXPECT("44 0f 28 c8", x86_movaps_rr(&B, 9, 0));
    EXPECT("ff 62 08", x86_jmp_m(&B, x86_m(X86_RDX, 8)));
    EXPECT("ff 24 d5 08 00 01 00", x86_jmp_m(&B, x86_mx(X86_RDX, 8, 0x10008)));
    EXPECT("48 3b 04 d5 00 00 01 00",
           x86_alu_rm(&B, X86_CMP, 64, X86_RAX, x86_mx(X86_RDX, 8, 0x10000)));
    EXPECT("4a 3b 04 c5 00 10 00 00",
           x86_alu_rm(&B, X86_CMP, 64, X86_RAX, x86_mx(X86_R8, 8, 0x1000)));
    /* F7 /0 id; 09 /r; 3B /r; 81 /7 id */
    EXPECT("f7 c0 20 00 00 00", x86_test_ri(&B, 32, X86_RAX, 0x20));
    EXPECT("09 8b 08 02 00 00", x86_alu_mr(&B, X86_OR, 32, x86_m(X86_RBX, 0x208), X86_RCX));
    EXPECT("48 3b 45 28", x86_alu_rm(&B, X86_CMP, 64, X86_RAX, x86_m(X86_RBP, 0x28)));
    EXPECT("81 bb 30 02 00 00 00 00 00 00", x86_alu_mi32(&B, X86_CMP, x86_m(X86_RBX, 0x230), 0));
    /* XCHG r/m64, r64 is REX.W 87 /r; LOCK (F0) goes before REX: 0F C1 XADD, 0F B1 CMPXCHG. */
    EXPECT("49 87 0c 04", x86_xchg_m(&B, 64, x86_mi(X86_R12, X86_RAX, 0), X86_RCX));
    EXPECT("f0 41 0f c1 0c 04", x86_lock_xadd(&B, 32, x86_mi(X86_R12, X86_RAX, 0), X86_RCX));
    EXPECT("f0 48 0f b1 0a", x86_lock_cmpxchg(&B, 64, x86_m(X86_RDX, 0), X86_RCX));
    /* CVTSI2SD F2 REX.W 0F 2A /r, CVTTSD2SI F2 REX.W 0F 2C /r, CVTSD2SI F2 0F 2D /r. */
    EXPECT("f2 48 0f 2a c0", x86_cvtsi2sd(&B, 64, 0, X86_RAX));
    EXPECT("f2 0f 2a c0", x86_cvtsi2sd(&B, 32, 0, X86_RAX));
    EXPECT("f2 49 0f 2c c1", x86_cvtsd2si(&B, 64, true, X86_RAX, 9));
    EXPECT("f2 0f 2d c0", x86_cvtsd2si(&B, 32, false, X86_RAX, 0));
    /* BSF 0F BC, BSR 0F BD, POPCNT F3 0F B8, BSWAP 0F C8+rd; ROL D3 /0, ROR C1 /1 ib. */
    EXPECT("48 0f bc c0", x86_bsf(&B, 64, X86_RAX, X86_RAX));
    EXPECT("0f bd c0", x86_bsr(&B, 32, X86_RAX, X86_RAX));
    EXPECT("f3 48 0f b8 c0", x86_popcnt(&B, 64, X86_RAX, X86_RAX));
    EXPECT("48 0f c8", x86_bswap64(&B, X86_RAX));
    EXPECT("49 0f c9", x86_bswap64(&B, X86_R9));
    EXPECT("48 d3 c0", x86_shift_cl(&B, X86_ROL, 64, X86_RAX));
    EXPECT("c1 c8 03", x86_shift_ri(&B, X86_ROR, 32, X86_RAX, 3));
}
END_TEST

/* A jump to an absolute address in the arena, then patched to another one: W^X throughout. */
START_TEST(absolute_jumps_and_patching)
{
    struct x86_code c;
    ck_assert_int_eq(x86_code_init(&c, 1 << 16), 0);
    void *ret[2];
    for (int k = 0; k < 2; k++) { /* two functions: return 1, return 2 */
        start();
        x86_mov_ri(&B, X86_RAX, (uint64_t)k + 1);
        x86_ret(&B);
        ret[k] = x86_code_add(&c, B.p, B.len);
        ck_assert_ptr_nonnull(ret[k]);
    }
    start();
    B.origin = x86_code_next(&c);
    ck_assert(B.origin != 0);
    size_t field = x86_jmp_abs(&B, ret[0]);
    void *p = x86_code_add(&c, B.p, B.len);
    ck_assert_ptr_eq(p, (void *)B.origin);
    uint64_t (*fn)(void);
    memcpy(&fn, &p, sizeof(fn));
    ck_assert_uint_eq(fn(), 1);
    uint8_t *site = (uint8_t *)p + field;
    int32_t rel = (int32_t)((intptr_t)ret[1] - (intptr_t)(site + 4));
    ck_assert_int_eq(x86_code_patch32(&c, site, rel), 0);
    ck_assert_uint_eq(fn(), 2);
    char perms[5];
    perms_of(site, perms);
    ck_assert_str_eq(perms, "r-xp");
    /* Outside what was added: refused. */
    ck_assert_int_lt(x86_code_patch32(&c, c.base + c.used, 0), 0);
    x86_code_free(&c);
}
END_TEST

/* New code and a patch of older code in one writable stretch: the jump of a function added
 * first is pointed at one added with it; too far apart, or outside the code, nothing happens. */
START_TEST(add_with_patch)
{
    struct x86_code c;
    ck_assert_int_eq(x86_code_init(&c, 1 << 20), 0);
    start();
    B.origin = x86_code_next(&c);
    size_t field = x86_jmp(&B, -1); /* to the next byte until patched */
    x86_patch(&B, field);
    x86_mov_ri(&B, X86_RAX, 1);
    x86_ret(&B);
    void *p = x86_code_add(&c, B.p, B.len);
    ck_assert_ptr_nonnull(p);
    uint64_t (*fn)(void);
    memcpy(&fn, &p, sizeof(fn));
    ck_assert_uint_eq(fn(), 1);
    uint8_t *site = (uint8_t *)p + field;
    start();
    x86_mov_ri(&B, X86_RAX, 2);
    x86_ret(&B);
    void *next = (void *)x86_code_next(&c);
    int32_t rel = (int32_t)((intptr_t)next - (intptr_t)(site + 4));
    void *q = x86_code_add_patch(&c, B.p, B.len, site, rel);
    ck_assert_ptr_eq(q, next);
    ck_assert_uint_eq(fn(), 2);
    char perms[5];
    perms_of(site, perms);
    ck_assert_str_eq(perms, "r-xp");
    perms_of(q, perms);
    ck_assert_str_eq(perms, "r-xp");
    /* Far from the site (past 64 KiB of pages): refused, the site untouched. */
    static uint8_t pad[100 * 1024];
    memset(pad, 0xcc, sizeof(pad));
    ck_assert_ptr_nonnull(x86_code_add(&c, pad, sizeof(pad)));
    size_t used = c.used;
    ck_assert_ptr_null(x86_code_add_patch(&c, B.p, B.len, site, 0));
    ck_assert_uint_eq(c.used, used);
    ck_assert_uint_eq(fn(), 2);
    /* A site outside what was added: refused. */
    ck_assert_ptr_null(x86_code_add_patch(&c, B.p, B.len, c.base + c.used, 0));
    x86_code_free(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("x86_emit");
    TCase *tc = tcase_create("x86_emit");
    tcase_add_test(tc, alu);
    tcase_add_test(tc, mov);
    tcase_add_test(tc, memory);
    tcase_add_test(tc, extend);
    tcase_add_test(tc, shift_mul_div);
    tcase_add_test(tc, cond_and_control);
    tcase_add_test(tc, overflow_is_sticky);
    tcase_add_test(tc, code_runs_and_is_never_writable);
    tcase_add_test(tc, sse);
    tcase_add_test(tc, absolute_jumps_and_patching);
    tcase_add_test(tc, add_with_patch);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
