/* x86_emit: a small x86-64 assembler into byte buffers, and W^X executable code arenas. */
#ifndef VIV_X86_EMIT_H
#define VIV_X86_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Register numbers as the encodings use them (Intel SDM vol. 2, 3.1.1.3 table 3-1; 8-15 need
 * REX.R/X/B). */
enum x86_reg {
    X86_RAX,
    X86_RCX,
    X86_RDX,
    X86_RBX,
    X86_RSP,
    X86_RBP,
    X86_RSI,
    X86_RDI,
    X86_R8,
    X86_R9,
    X86_R10,
    X86_R11,
    X86_R12,
    X86_R13,
    X86_R14,
    X86_R15,
};

/* Condition codes: the low nibble of Jcc/SETcc/CMOVcc (SDM vol. 1, appendix B). */
enum x86_cc {
    X86_CC_O,
    X86_CC_NO,
    X86_CC_B,
    X86_CC_AE,
    X86_CC_E,
    X86_CC_NE,
    X86_CC_BE,
    X86_CC_A,
    X86_CC_S,
    X86_CC_NS,
    X86_CC_P,
    X86_CC_NP,
    X86_CC_L,
    X86_CC_GE,
    X86_CC_LE,
    X86_CC_G,
};

/* Two-operand ALU ops by their /digit in the 81/83 group (SDM vol. 2, "ADD", "OR", ...); the
 * register forms use opcode 8*digit + 1. */
enum x86_alu { X86_ADD = 0, X86_OR = 1, X86_AND = 4, X86_SUB = 5, X86_XOR = 6, X86_CMP = 7 };
/* Shifts by their /digit in the C1/D3 group. */
enum x86_shift { X86_ROL = 0, X86_ROR = 1, X86_SHL = 4, X86_SHR = 5, X86_SAR = 7 };
/* The F7 group: unary and rdx:rax multiply/divide. */
enum x86_grp3 { X86_NOT = 2, X86_NEG = 3, X86_MUL = 4, X86_IMUL1 = 5, X86_DIV = 6, X86_IDIV = 7 };

/* A memory operand [base + index*scale + disp]; index -1 for none (rsp cannot be an index). */
struct x86_mem {
    int8_t base, index;
    uint8_t scale; /* 1, 2, 4 or 8 */
    int32_t disp;
};
static inline struct x86_mem x86_m(int base, int32_t disp)
{
    return (struct x86_mem){(int8_t)base, -1, 1, disp};
}
static inline struct x86_mem x86_mi(int base, int index, int32_t disp)
{
    return (struct x86_mem){(int8_t)base, (int8_t)index, 1, disp};
}
/* [index*scale + disp32] with no base: disp32 is an address below 2 GiB (sign-extended). */
static inline struct x86_mem x86_mx(int index, int scale, int32_t disp)
{
    return (struct x86_mem){-1, (int8_t)index, (uint8_t)scale, disp};
}

/* An output buffer of fixed capacity; overflow is sticky and makes the result unusable. */
struct x86_buf {
    uint8_t *p;
    size_t len, cap;
    bool overflow;
    uintptr_t origin; /* the address p[0] will run at, for jumps to absolute targets; 0 if unknown */
};
void x86_buf_init(struct x86_buf *b, void *mem, size_t cap);

/* Operand width: 8, 16, 32 or 64 bits, where an instruction has one. */
void x86_mov_rr(struct x86_buf *b, int bits, int dst, int src);
void x86_mov_ri(struct x86_buf *b, int dst, uint64_t imm);              /* shortest exact form */
void x86_load(struct x86_buf *b, int bits, int dst, struct x86_mem m);  /* mov r, [m] */
void x86_store(struct x86_buf *b, int bits, struct x86_mem m, int src); /* mov [m], r */
void x86_store_imm32(struct x86_buf *b, struct x86_mem m, int32_t imm); /* mov qword [m], simm */
/* movsx/movzx from 8 or 16 bits (from 32: movsxd; zero-extending 32 is a plain 32-bit mov). */
void x86_movsx_rm(struct x86_buf *b, int dst_bits, int src_bits, int dst, struct x86_mem m);
void x86_movzx_rm(struct x86_buf *b, int src_bits, int dst, struct x86_mem m);
void x86_movsx_rr(struct x86_buf *b, int dst_bits, int src_bits, int dst, int src);
void x86_movzx_rr(struct x86_buf *b, int src_bits, int dst, int src);
void x86_lea(struct x86_buf *b, int dst, struct x86_mem m);

void x86_alu_rr(struct x86_buf *b, enum x86_alu op, int bits, int dst, int src);
void x86_alu_ri(struct x86_buf *b, enum x86_alu op, int bits, int dst, int32_t imm);
void x86_alu_mi(struct x86_buf *b, enum x86_alu op, struct x86_mem m, int32_t imm); /* 64-bit */
void x86_test_rr(struct x86_buf *b, int bits, int a, int c);
void x86_test_ri(struct x86_buf *b, int bits, int r, int32_t imm);
/* op [m], src and op dst, [m] on 32 or 64 bits. */
void x86_alu_mr(struct x86_buf *b, enum x86_alu op, int bits, struct x86_mem m, int src);
void x86_alu_rm(struct x86_buf *b, enum x86_alu op, int bits, int dst, struct x86_mem m);
void x86_alu_mi32(struct x86_buf *b, enum x86_alu op, struct x86_mem m, int32_t imm);
void x86_shift_cl(struct x86_buf *b, enum x86_shift op, int bits, int dst);
void x86_shift_ri(struct x86_buf *b, enum x86_shift op, int bits, int dst, uint8_t n);
void x86_imul_rr(struct x86_buf *b, int bits, int dst, int src);
void x86_grp3(struct x86_buf *b, enum x86_grp3 op, int bits, int r);
void x86_cqo(struct x86_buf *b); /* sign-extend rax into rdx */
void x86_cdq(struct x86_buf *b); /* sign-extend eax into edx */
void x86_setcc(struct x86_buf *b, enum x86_cc cc, int r8);
void x86_cmov(struct x86_buf *b, enum x86_cc cc, int bits, int dst, int src);
/* bsf/bsr (ZF set, dst undefined, for a zero source), popcnt (needs the POPCNT feature),
 * bswap of a 64-bit register. */
void x86_bsf(struct x86_buf *b, int bits, int dst, int src);
void x86_bsr(struct x86_buf *b, int bits, int dst, int src);
void x86_popcnt(struct x86_buf *b, int bits, int dst, int src);
void x86_bswap64(struct x86_buf *b, int r);

void x86_push(struct x86_buf *b, int r);
void x86_pop(struct x86_buf *b, int r);
void x86_ret(struct x86_buf *b);
void x86_int3(struct x86_buf *b); /* a trap, as padding nothing may run */
void x86_call_r(struct x86_buf *b, int r);
void x86_jmp_r(struct x86_buf *b, int r);
void x86_jmp_m(struct x86_buf *b, struct x86_mem m); /* jmp qword [m] */
void x86_mfence(struct x86_buf *b);
/* jcc/jmp rel32 to the buffer offset target, or, with target -1, to be fixed later with
 * x86_patch; both return the offset of the rel32 field. */
size_t x86_jcc(struct x86_buf *b, enum x86_cc cc, long target);
size_t x86_jmp(struct x86_buf *b, long target);
/* Point the rel32 at offset field to the current end of the buffer. */
void x86_patch(struct x86_buf *b, size_t field);
/* jmp/jcc/call rel32 to an absolute address (needs b->origin; the target must lie within 2 GiB,
 * as everything in one code arena does); they return the offset of the rel32 field. */
size_t x86_jmp_abs(struct x86_buf *b, const void *target);
size_t x86_jcc_abs(struct x86_buf *b, enum x86_cc cc, const void *target);
size_t x86_call_abs(struct x86_buf *b, const void *target);

/* SSE2 scalar double/single arithmetic and moves (SDM vol. 2: ADDSD, MOVQ, ...). xmm registers
 * are numbered 0-15 like the general ones. */
enum x86_sse {
    X86_SQRT = 0x51,
    X86_ADDS = 0x58,
    X86_MULS = 0x59,
    X86_SUBS = 0x5c,
    X86_DIVS = 0x5e,
};
void x86_sse_rr(struct x86_buf *b, enum x86_sse op, bool dbl, int xdst, int xsrc);
void x86_movsd_load(struct x86_buf *b, bool dbl, int xdst, struct x86_mem m); /* movsd/movss */
void x86_movsd_store(struct x86_buf *b, bool dbl, struct x86_mem m, int xsrc);
void x86_movaps_rr(struct x86_buf *b, int xdst, int xsrc);  /* the whole register */
/* cvtsi2sd xmm, r32/r64 and cvtsd2si/cvttsd2si r32/r64, xmm (truncating: the T form). */
void x86_cvtsi2sd(struct x86_buf *b, int bits, int xdst, int src);
void x86_cvtsd2si(struct x86_buf *b, int bits, bool truncate, int dst, int xsrc);
void x86_movq_to_x(struct x86_buf *b, int xdst, int src);   /* movq xmm, r64 */
void x86_movq_from_x(struct x86_buf *b, int dst, int xsrc); /* movq r64, xmm */
/* ucomisd/ucomiss (quiet: invalid only for signalling NaNs) or comisd/comiss (invalid for any
 * NaN): ZF PF CF = 111 unordered, 000 a > c, 001 a < c, 100 equal. */
void x86_comis(struct x86_buf *b, bool dbl, bool quiet, int xa, int xc);
/* FMA3 on scalars (VEX.LIG.66.0F38): x = xa * xb + x with the signs of kind: 0 vfmadd231,
 * 1 vfmsub231 (a*b - x), 2 vfnmadd231 (-(a*b) + x), 3 vfnmsub231 (-(a*b) - x). */
void x86_fma231(struct x86_buf *b, bool dbl, int kind, int x, int xa, int xb);
/* The 213 forms, kinds as above: x = xa * x + xc, the product's operand x overwritten. */
void x86_fma213(struct x86_buf *b, bool dbl, int kind, int x, int xa, int xc);
/* The AVX forms of the arithmetic above (VEX.LIG.F2/F3.0F): x = xa op xb, and x = sqrt(xb)
 * with the upper bits of xa; no source need be x. */
void x86_avx_rr(struct x86_buf *b, enum x86_sse op, bool dbl, int x, int xa, int xb);
/* Atomic read-modify-writes on [m] (SDM vol. 2: XCHG with memory locks by itself; LOCK XADD,
 * LOCK CMPXCHG compare with and load into rax). */
void x86_xchg_m(struct x86_buf *b, int bits, struct x86_mem m, int r);
void x86_lock_xadd(struct x86_buf *b, int bits, struct x86_mem m, int r);
void x86_lock_cmpxchg(struct x86_buf *b, int bits, struct x86_mem m, int r);
void x86_ldmxcsr(struct x86_buf *b, struct x86_mem m);
void x86_stmxcsr(struct x86_buf *b, struct x86_mem m);

/* What the host CPU (and OS) let generated code use, asked of CPUID the first time: not by
 * __builtin_cpu_supports, whose libgcc constructor would run CPUID at every start of viv, a
 * trap to the hypervisor in a VM, though most runs never translate the instructions that care. */
enum x86_feature { X86_FEAT_POPCNT, X86_FEAT_FMA, X86_FEAT_AVX };
bool x86_host_has(enum x86_feature f);

/* Executable memory: mapped writable, switched to read+execute before anything runs from it and
 * back only while code is added, so no page is ever writable and executable at once. */
struct x86_code {
    uint8_t *base;
    size_t size, used;
};
/* 0, or -errno. */
int x86_code_init(struct x86_code *c, size_t size);
void x86_code_free(struct x86_code *c);
/* Copy len bytes of position-independent code in; its address, or NULL when full or when the
 * protections cannot be changed. */
void *x86_code_add(struct x86_code *c, const void *code, size_t len);
/* x86_code_add, and in the same stretch of writable pages, the patch x86_code_patch32(at, v)
 * of code added before: NULL (nothing added, nothing patched) where at lies too far from the
 * new code for one stretch, or as x86_code_add fails. */
void *x86_code_add_patch(struct x86_code *c, const void *code, size_t len, void *at, int32_t v);
/* Forget everything added (its callers must no longer hold pointers into it). */
void x86_code_reset(struct x86_code *c);
/* Where the next x86_code_add will put its code (for x86_buf.origin); 0 when it is full. */
uintptr_t x86_code_next(const struct x86_code *c);
/* Overwrite 4 bytes of code already added (a jump's rel32), keeping W^X. 0, or -errno. */
int x86_code_patch32(struct x86_code *c, void *at, int32_t v);

#endif
