/* x86_emit: encodes the x86-64 instructions the translator needs; manages executable memory. */
#include "isa-xlat/x86_emit.h"

#include <cpuid.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* Encoding flags: operand size and the 8-bit register rule of SDM vol. 2, 2.2.1.2 (without a
 * REX prefix, byte registers 4-7 are ah/ch/dh/bh; with any REX they are spl/bpl/sil/dil). */
enum {
    F_W = 1,   /* REX.W: 64-bit operand */
    F_66 = 2,  /* operand-size prefix: 16-bit operand */
    F_B8R = 4, /* the ModRM.reg operand is a byte register */
    F_B8M = 8, /* the ModRM.rm register operand is a byte register */
    F_F2 = 16, /* mandatory prefixes of SSE instructions, which go before REX */
    F_F3 = 32,
};

void x86_buf_init(struct x86_buf *b, void *mem, size_t cap)
{
    b->p = mem;
    b->len = 0;
    b->cap = cap;
    b->overflow = false;
    b->origin = 0;
}

static void put(struct x86_buf *b, uint8_t v)
{
    if (b->len < b->cap)
        b->p[b->len++] = v;
    else
        b->overflow = true;
}

static void put32(struct x86_buf *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        put(b, (uint8_t)(v >> (8 * i)));
}

static void put64(struct x86_buf *b, uint64_t v)
{
    put32(b, (uint32_t)v);
    put32(b, (uint32_t)(v >> 32));
}

static bool fits8(int64_t v)
{
    return v >= -128 && v <= 127;
}

static int size_flags(int bits)
{
    return bits == 64 ? F_W : bits == 16 ? F_66 : 0;
}

/* Prefixes, REX (SDM vol. 2, 2.2.1), opcode, ModRM, SIB and displacement (2.1.5, tables 2-2 and
 * 2-3). m NULL: the rm operand is the register rmreg (mod 11). */
static void emit_rm(struct x86_buf *b, int flags, const uint8_t *op, int oplen, int reg,
                    const struct x86_mem *m, int rmreg)
{
    if (flags & F_66)
        put(b, 0x66);
    if (flags & F_F2)
        put(b, 0xf2);
    if (flags & F_F3)
        put(b, 0xf3);
    int base = m ? m->base : rmreg;
    int index = m ? m->index : -1;
    uint8_t rex = 0x40 | (flags & F_W ? 8 : 0) | (reg & 8 ? 4 : 0) |
                  (index >= 0 && index & 8 ? 2 : 0) | (base >= 0 && base & 8 ? 1 : 0);
    bool need = rex != 0x40 || ((flags & F_B8R) && reg >= 4 && reg < 8) ||
                (!m && (flags & F_B8M) && rmreg >= 4 && rmreg < 8);
    if (need)
        put(b, rex);
    for (int i = 0; i < oplen; i++)
        put(b, op[i]);
    if (!m) {
        put(b, (uint8_t)(0xc0 | (reg & 7) << 3 | (rmreg & 7)));
        return;
    }
    if (base < 0) { /* [index*scale + disp32]: mod 00, a SIB with base 101 */
        int ss = m->scale == 8 ? 3 : m->scale == 4 ? 2 : m->scale == 2 ? 1 : 0;
        put(b, (uint8_t)((reg & 7) << 3 | 4));
        put(b, (uint8_t)(ss << 6 | (index & 7) << 3 | 5));
        put32(b, (uint32_t)m->disp);
        return;
    }
    /* mod 00 with base 101 means disp32 without a base, so rbp/r13 take a zero disp8. */
    int mod = (m->disp == 0 && (base & 7) != 5) ? 0 : fits8(m->disp) ? 1 : 2;
    bool sib = index >= 0 || (base & 7) == 4; /* rm 100 means "a SIB follows" */
    put(b, (uint8_t)(mod << 6 | (reg & 7) << 3 | (sib ? 4 : (base & 7))));
    if (sib) {
        int ss = m->scale == 8 ? 3 : m->scale == 4 ? 2 : m->scale == 2 ? 1 : 0;
        put(b, (uint8_t)(ss << 6 | (index >= 0 ? (index & 7) : 4) << 3 | (base & 7)));
    }
    if (mod == 1)
        put(b, (uint8_t)(int8_t)m->disp);
    else if (mod == 2)
        put32(b, (uint32_t)m->disp);
}

static void op1_r(struct x86_buf *b, int flags, uint8_t op, int reg, int rm)
{
    emit_rm(b, flags, &op, 1, reg, NULL, rm);
}

static void op1_m(struct x86_buf *b, int flags, uint8_t op, int reg, struct x86_mem m)
{
    emit_rm(b, flags, &op, 1, reg, &m, 0);
}

void x86_mov_rr(struct x86_buf *b, int bits, int dst, int src)
{
    op1_r(b, size_flags(bits), 0x89, src, dst); /* MOV r/m, r */
}

void x86_mov_ri(struct x86_buf *b, int dst, uint64_t imm)
{
    if (imm <= UINT32_MAX) { /* B8+rd id: a 32-bit write zero-extends (SDM vol. 1, 3.4.1.1) */
        if (dst & 8)
            put(b, 0x41);
        put(b, (uint8_t)(0xb8 + (dst & 7)));
        put32(b, (uint32_t)imm);
    } else if ((int64_t)imm >= INT32_MIN && (int64_t)imm <= INT32_MAX) {
        op1_r(b, F_W, 0xc7, 0, dst); /* REX.W C7 /0 id: sign-extended */
        put32(b, (uint32_t)imm);
    } else {
        put(b, (uint8_t)(0x48 | (dst & 8 ? 1 : 0))); /* REX.W B8+rd io */
        put(b, (uint8_t)(0xb8 + (dst & 7)));
        put64(b, imm);
    }
}

void x86_load(struct x86_buf *b, int bits, int dst, struct x86_mem m)
{
    op1_m(b, size_flags(bits) | (bits == 8 ? F_B8R : 0), bits == 8 ? 0x8a : 0x8b, dst, m);
}

void x86_store(struct x86_buf *b, int bits, struct x86_mem m, int src)
{
    op1_m(b, size_flags(bits) | (bits == 8 ? F_B8R : 0), bits == 8 ? 0x88 : 0x89, src, m);
}

void x86_store_imm32(struct x86_buf *b, struct x86_mem m, int32_t imm)
{
    op1_m(b, F_W, 0xc7, 0, m);
    put32(b, (uint32_t)imm);
}

void x86_movsx_rm(struct x86_buf *b, int dst_bits, int src_bits, int dst, struct x86_mem m)
{
    if (src_bits == 32) {
        op1_m(b, F_W, 0x63, dst, m); /* MOVSXD r64, r/m32 */
        return;
    }
    uint8_t op[2] = {0x0f, src_bits == 8 ? 0xbe : 0xbf};
    emit_rm(b, size_flags(dst_bits), op, 2, dst, &m, 0);
}

void x86_movzx_rm(struct x86_buf *b, int src_bits, int dst, struct x86_mem m)
{
    uint8_t op[2] = {0x0f, src_bits == 8 ? 0xb6 : 0xb7};
    emit_rm(b, 0, op, 2, dst, &m, 0);
}

void x86_movsx_rr(struct x86_buf *b, int dst_bits, int src_bits, int dst, int src)
{
    if (src_bits == 32) {
        op1_r(b, F_W, 0x63, dst, src);
        return;
    }
    uint8_t op[2] = {0x0f, src_bits == 8 ? 0xbe : 0xbf};
    emit_rm(b, size_flags(dst_bits) | (src_bits == 8 ? F_B8M : 0), op, 2, dst, NULL, src);
}

void x86_movzx_rr(struct x86_buf *b, int src_bits, int dst, int src)
{
    uint8_t op[2] = {0x0f, src_bits == 8 ? 0xb6 : 0xb7};
    emit_rm(b, src_bits == 8 ? F_B8M : 0, op, 2, dst, NULL, src);
}

void x86_lea(struct x86_buf *b, int dst, struct x86_mem m)
{
    op1_m(b, F_W, 0x8d, dst, m);
}

void x86_alu_rr(struct x86_buf *b, enum x86_alu op, int bits, int dst, int src)
{
    op1_r(b, size_flags(bits), (uint8_t)(op * 8 + 1), src, dst); /* OP r/m, r */
}

void x86_alu_ri(struct x86_buf *b, enum x86_alu op, int bits, int dst, int32_t imm)
{
    if (fits8(imm)) { /* 83 /digit ib, sign-extended */
        op1_r(b, size_flags(bits), 0x83, op, dst);
        put(b, (uint8_t)(int8_t)imm);
    } else {
        op1_r(b, size_flags(bits), 0x81, op, dst);
        put32(b, (uint32_t)imm);
    }
}

void x86_alu_mi(struct x86_buf *b, enum x86_alu op, struct x86_mem m, int32_t imm)
{
    if (fits8(imm)) {
        op1_m(b, F_W, 0x83, op, m);
        put(b, (uint8_t)(int8_t)imm);
    } else {
        op1_m(b, F_W, 0x81, op, m);
        put32(b, (uint32_t)imm);
    }
}

void x86_test_rr(struct x86_buf *b, int bits, int a, int c)
{
    op1_r(b, size_flags(bits), 0x85, c, a);
}

void x86_test_ri(struct x86_buf *b, int bits, int r, int32_t imm)
{
    op1_r(b, size_flags(bits), 0xf7, 0, r); /* F7 /0 id */
    put32(b, (uint32_t)imm);
}

void x86_alu_mr(struct x86_buf *b, enum x86_alu op, int bits, struct x86_mem m, int src)
{
    op1_m(b, size_flags(bits), (uint8_t)(op * 8 + 1), src, m); /* OP r/m, r */
}

void x86_alu_rm(struct x86_buf *b, enum x86_alu op, int bits, int dst, struct x86_mem m)
{
    op1_m(b, size_flags(bits), (uint8_t)(op * 8 + 3), dst, m); /* OP r, r/m */
}

void x86_alu_mi32(struct x86_buf *b, enum x86_alu op, struct x86_mem m, int32_t imm)
{
    op1_m(b, 0, 0x81, op, m);
    put32(b, (uint32_t)imm);
}

void x86_shift_cl(struct x86_buf *b, enum x86_shift op, int bits, int dst)
{
    op1_r(b, size_flags(bits), 0xd3, op, dst);
}

void x86_shift_ri(struct x86_buf *b, enum x86_shift op, int bits, int dst, uint8_t n)
{
    op1_r(b, size_flags(bits), 0xc1, op, dst);
    put(b, n);
}

void x86_imul_rr(struct x86_buf *b, int bits, int dst, int src)
{
    static const uint8_t op[2] = {0x0f, 0xaf}; /* IMUL r, r/m */
    emit_rm(b, size_flags(bits), op, 2, dst, NULL, src);
}

void x86_grp3(struct x86_buf *b, enum x86_grp3 op, int bits, int r)
{
    op1_r(b, size_flags(bits), 0xf7, op, r);
}

void x86_cqo(struct x86_buf *b)
{
    put(b, 0x48);
    put(b, 0x99);
}

void x86_cdq(struct x86_buf *b)
{
    put(b, 0x99);
}

void x86_setcc(struct x86_buf *b, enum x86_cc cc, int r8)
{
    uint8_t op[2] = {0x0f, (uint8_t)(0x90 + cc)};
    emit_rm(b, F_B8M, op, 2, 0, NULL, r8);
}

void x86_cmov(struct x86_buf *b, enum x86_cc cc, int bits, int dst, int src)
{
    uint8_t op[2] = {0x0f, (uint8_t)(0x40 + cc)};
    emit_rm(b, size_flags(bits), op, 2, dst, NULL, src);
}

void x86_bsf(struct x86_buf *b, int bits, int dst, int src)
{
    static const uint8_t op[2] = {0x0f, 0xbc};
    emit_rm(b, size_flags(bits), op, 2, dst, NULL, src);
}

void x86_bsr(struct x86_buf *b, int bits, int dst, int src)
{
    static const uint8_t op[2] = {0x0f, 0xbd};
    emit_rm(b, size_flags(bits), op, 2, dst, NULL, src);
}

void x86_popcnt(struct x86_buf *b, int bits, int dst, int src)
{
    static const uint8_t op[2] = {0x0f, 0xb8};
    emit_rm(b, size_flags(bits) | F_F3, op, 2, dst, NULL, src);
}

void x86_bswap64(struct x86_buf *b, int r)
{
    put(b, (uint8_t)(0x48 | (r & 8 ? 1 : 0))); /* REX.W 0F C8+rd */
    put(b, 0x0f);
    put(b, (uint8_t)(0xc8 + (r & 7)));
}

void x86_push(struct x86_buf *b, int r)
{
    if (r & 8)
        put(b, 0x41);
    put(b, (uint8_t)(0x50 + (r & 7)));
}

void x86_pop(struct x86_buf *b, int r)
{
    if (r & 8)
        put(b, 0x41);
    put(b, (uint8_t)(0x58 + (r & 7)));
}

void x86_int3(struct x86_buf *b)
{
    put(b, 0xcc);
}

void x86_ret(struct x86_buf *b)
{
    put(b, 0xc3);
}

void x86_call_r(struct x86_buf *b, int r)
{
    op1_r(b, 0, 0xff, 2, r); /* FF /2: near call, 64-bit operand by default in long mode */
}

void x86_jmp_r(struct x86_buf *b, int r)
{
    op1_r(b, 0, 0xff, 4, r);
}

void x86_jmp_m(struct x86_buf *b, struct x86_mem m)
{
    op1_m(b, 0, 0xff, 4, m);
}

void x86_mfence(struct x86_buf *b)
{
    put(b, 0x0f);
    put(b, 0xae);
    put(b, 0xf0);
}

/* rel32 is relative to the end of the instruction, which is the end of the field. */
static size_t rel32(struct x86_buf *b, long target)
{
    size_t field = b->len;
    put32(b, target < 0 ? 0 : (uint32_t)(int32_t)(target - (long)(field + 4)));
    return field;
}

size_t x86_jcc(struct x86_buf *b, enum x86_cc cc, long target)
{
    put(b, 0x0f);
    put(b, (uint8_t)(0x80 + cc));
    return rel32(b, target);
}

size_t x86_jmp(struct x86_buf *b, long target)
{
    put(b, 0xe9);
    return rel32(b, target);
}

void x86_patch(struct x86_buf *b, size_t field)
{
    if (b->overflow || field + 4 > b->len)
        return;
    uint32_t rel = (uint32_t)(int32_t)((long)b->len - (long)(field + 4));
    memcpy(b->p + field, &rel, 4);
}

static size_t rel32_abs(struct x86_buf *b, const void *target)
{
    size_t field = b->len;
    put32(b, (uint32_t)(int32_t)((intptr_t)target - (intptr_t)(b->origin + field + 4)));
    return field;
}

size_t x86_jmp_abs(struct x86_buf *b, const void *target)
{
    put(b, 0xe9);
    return rel32_abs(b, target);
}

size_t x86_jcc_abs(struct x86_buf *b, enum x86_cc cc, const void *target)
{
    put(b, 0x0f);
    put(b, (uint8_t)(0x80 + cc));
    return rel32_abs(b, target);
}

size_t x86_call_abs(struct x86_buf *b, const void *target)
{
    put(b, 0xe8);
    return rel32_abs(b, target);
}

void x86_sse_rr(struct x86_buf *b, enum x86_sse op, bool dbl, int xdst, int xsrc)
{
    uint8_t o[2] = {0x0f, (uint8_t)op};
    emit_rm(b, dbl ? F_F2 : F_F3, o, 2, xdst, NULL, xsrc);
}

void x86_movsd_load(struct x86_buf *b, bool dbl, int xdst, struct x86_mem m)
{
    static const uint8_t o[2] = {0x0f, 0x10};
    emit_rm(b, dbl ? F_F2 : F_F3, o, 2, xdst, &m, 0);
}

void x86_movsd_store(struct x86_buf *b, bool dbl, struct x86_mem m, int xsrc)
{
    static const uint8_t o[2] = {0x0f, 0x11};
    emit_rm(b, dbl ? F_F2 : F_F3, o, 2, xsrc, &m, 0);
}

void x86_movaps_rr(struct x86_buf *b, int xdst, int xsrc)
{
    static const uint8_t o[2] = {0x0f, 0x28};
    emit_rm(b, 0, o, 2, xdst, NULL, xsrc);
}

void x86_cvtsi2sd(struct x86_buf *b, int bits, int xdst, int src)
{
    static const uint8_t o[2] = {0x0f, 0x2a};
    emit_rm(b, F_F2 | size_flags(bits), o, 2, xdst, NULL, src);
}

void x86_cvtsd2si(struct x86_buf *b, int bits, bool truncate, int dst, int xsrc)
{
    uint8_t o[2] = {0x0f, truncate ? 0x2c : 0x2d};
    emit_rm(b, F_F2 | size_flags(bits), o, 2, dst, NULL, xsrc);
}

void x86_movq_to_x(struct x86_buf *b, int xdst, int src)
{
    static const uint8_t o[2] = {0x0f, 0x6e}; /* 66 REX.W 0F 6E /r */
    emit_rm(b, F_66 | F_W, o, 2, xdst, NULL, src);
}

void x86_movq_from_x(struct x86_buf *b, int dst, int xsrc)
{
    static const uint8_t o[2] = {0x0f, 0x7e}; /* 66 REX.W 0F 7E /r */
    emit_rm(b, F_66 | F_W, o, 2, xsrc, NULL, dst);
}

void x86_comis(struct x86_buf *b, bool dbl, bool quiet, int xa, int xc)
{
    uint8_t o[2] = {0x0f, quiet ? 0x2e : 0x2f};
    emit_rm(b, dbl ? F_66 : 0, o, 2, xa, NULL, xc);
}

/* The 231 forms are 0F38 B9 BB BD BF, the 213 forms A9 AB AD AF. */
static void vfma(struct x86_buf *b, uint8_t op0, bool dbl, int kind, int x, int xa, int xb)
{
    /* Three-byte VEX (SDM vol. 2, 2.3.5): C4, then ~R ~X ~B and map 00010 (0F38), then W,
     * ~vvvv (the second source), L = 0 and pp = 01 (66). W1 selects the double forms. */
    put(b, 0xc4);
    put(b, (uint8_t)((x & 8 ? 0 : 0x80) | 0x40 | (xb & 8 ? 0 : 0x20) | 0x02));
    put(b, (uint8_t)((dbl ? 0x80 : 0) | (~xa & 15) << 3 | 0x01));
    put(b, (uint8_t)(op0 + 2 * (kind & 3)));
    put(b, (uint8_t)(0xc0 | (x & 7) << 3 | (xb & 7)));
}

void x86_fma231(struct x86_buf *b, bool dbl, int kind, int x, int xa, int xb)
{
    vfma(b, 0xb9, dbl, kind, x, xa, xb);
}

void x86_fma213(struct x86_buf *b, bool dbl, int kind, int x, int xa, int xc)
{
    vfma(b, 0xa9, dbl, kind, x, xa, xc);
}

void x86_avx_rr(struct x86_buf *b, enum x86_sse op, bool dbl, int x, int xa, int xb)
{
    /* Three-byte VEX (SDM vol. 2, 2.3.5): C4, ~R ~X ~B and map 00001 (0F), then W0, ~vvvv (the
     * first source), L = 0 and pp = 11 (F2) or 10 (F3), as the SSE forms' mandatory prefix. */
    put(b, 0xc4);
    put(b, (uint8_t)((x & 8 ? 0 : 0x80) | 0x40 | (xb & 8 ? 0 : 0x20) | 0x01));
    put(b, (uint8_t)((~xa & 15) << 3 | (dbl ? 0x03 : 0x02)));
    put(b, (uint8_t)op);
    put(b, (uint8_t)(0xc0 | (x & 7) << 3 | (xb & 7)));
}

void x86_xchg_m(struct x86_buf *b, int bits, struct x86_mem m, int r)
{
    op1_m(b, size_flags(bits), 0x87, r, m);
}

void x86_lock_xadd(struct x86_buf *b, int bits, struct x86_mem m, int r)
{
    static const uint8_t o[2] = {0x0f, 0xc1};
    put(b, 0xf0);
    emit_rm(b, size_flags(bits), o, 2, r, &m, 0);
}

void x86_lock_cmpxchg(struct x86_buf *b, int bits, struct x86_mem m, int r)
{
    static const uint8_t o[2] = {0x0f, 0xb1};
    put(b, 0xf0);
    emit_rm(b, size_flags(bits), o, 2, r, &m, 0);
}

void x86_ldmxcsr(struct x86_buf *b, struct x86_mem m)
{
    static const uint8_t o[2] = {0x0f, 0xae};
    emit_rm(b, 0, o, 2, 2, &m, 0);
}

void x86_stmxcsr(struct x86_buf *b, struct x86_mem m)
{
    static const uint8_t o[2] = {0x0f, 0xae};
    emit_rm(b, 0, o, 2, 3, &m, 0);
}

/* CPUID leaf 1 ECX bits (SDM vol. 2, "CPUID", table 3-10) and XCR0's SSE and AVX state bits
 * (SDM vol. 1, 13.3): VEX-encoded FMA needs the OS to save the YMM state. */
enum { ECX_FMA = 1u << 12, ECX_POPCNT = 1u << 23, ECX_OSXSAVE = 1u << 27, ECX_AVX = 1u << 28 };

static unsigned host_features(void)
{
    unsigned eax, ebx, ecx, edx, f = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return 0;
    if (ecx & ECX_POPCNT)
        f |= 1u << X86_FEAT_POPCNT;
    if ((ecx & (ECX_AVX | ECX_OSXSAVE)) == (ECX_AVX | ECX_OSXSAVE)) {
        unsigned lo, hi;
        __asm__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        if ((lo & 6) == 6) {
            f |= 1u << X86_FEAT_AVX;
            if (ecx & ECX_FMA)
                f |= 1u << X86_FEAT_FMA;
        }
    }
    return f;
}

bool x86_host_has(enum x86_feature f)
{
    /* Any thread may be first: every one computes the same value. */
    static unsigned known; /* the features, with bit 31 set once computed */
    unsigned k = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (!k) {
        k = host_features() | 1u << 31;
        __atomic_store_n(&known, k, __ATOMIC_RELAXED);
    }
    return k >> f & 1;
}

int x86_code_init(struct x86_code *c, size_t size)
{
    c->base = NULL;
    c->size = c->used = 0;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (p == MAP_FAILED)
        return -errno;
    if (mprotect(p, size, PROT_READ | PROT_EXEC) < 0) {
        int e = errno;
        munmap(p, size);
        return -e;
    }
    c->base = p;
    c->size = size;
    return 0;
}

void x86_code_free(struct x86_code *c)
{
    if (c->base)
        munmap(c->base, c->size);
    c->base = NULL;
    c->size = c->used = 0;
}

/* The pages a patch may share a writable stretch with new code across: more would make the
 * two protection changes cost more than the two they save. */
#define PATCH_SPAN (64u * 1024u)

static void *add(struct x86_code *c, const void *code, size_t len, uint8_t *patch, int32_t v)
{
    size_t at = (c->used + 15) & ~(size_t)15;
    if (!c->base || at > c->size || len > c->size - at)
        return NULL;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t lo = at & ~(page - 1), hi = (at + len + page - 1) & ~(page - 1);
    if (patch) {
        if (patch < c->base || patch + 4 > c->base + c->used)
            return NULL;
        size_t p = (size_t)(patch - c->base) & ~(page - 1);
        if (p < lo)
            lo = p;
        if (hi - lo > PATCH_SPAN)
            return NULL;
    }
    if (mprotect(c->base + lo, hi - lo, PROT_READ | PROT_WRITE) < 0)
        return NULL;
    memcpy(c->base + at, code, len);
    if (patch)
        memcpy(patch, &v, 4);
    if (mprotect(c->base + lo, hi - lo, PROT_READ | PROT_EXEC) < 0) {
        c->size = 0; /* the range stays writable and not executable: never run from it again */
        return NULL;
    }
    c->used = at + len;
    return c->base + at;
}

void *x86_code_add(struct x86_code *c, const void *code, size_t len)
{
    return add(c, code, len, NULL, 0);
}

void *x86_code_add_patch(struct x86_code *c, const void *code, size_t len, void *at, int32_t v)
{
    return add(c, code, len, at, v);
}

void x86_code_reset(struct x86_code *c)
{
    c->used = 0;
}

uintptr_t x86_code_next(const struct x86_code *c)
{
    size_t at = (c->used + 15) & ~(size_t)15;
    return c->base && at < c->size ? (uintptr_t)(c->base + at) : 0;
}

int x86_code_patch32(struct x86_code *c, void *at, int32_t v)
{
    uint8_t *p = at;
    if (!c->base || p < c->base || p + 4 > c->base + c->used)
        return -EINVAL;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(page - 1);
    uintptr_t hi = ((uintptr_t)p + 4 + page - 1) & ~(uintptr_t)(page - 1);
    if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE) < 0)
        return -errno;
    memcpy(p, &v, 4);
    if (mprotect((void *)lo, hi - lo, PROT_READ | PROT_EXEC) < 0) {
        c->size = 0; /* as in x86_code_add: never run from it again */
        return -errno;
    }
    return 0;
}
