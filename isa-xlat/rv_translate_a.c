/* rv_translate_a: the A extension on host atomics, as rv_amo.c runs it: LR/SC by
 * compare-and-swap against the value LR read, AMOs by locked instructions. */
#include "isa-xlat/rv_translate.h"

/* rax = the guest address in rs1, checked as rv_exec_amo checks it: misaligned first (spec
 * 8.2, 8.4), then inside guest memory. */
static void amo_address(struct tr *t, const struct rv_insn *in, unsigned size, bool lr)
{
    rv_tr_get(t, X86_RAX, in->rs1);
    x86_test_ri(&t->b, 32, X86_RAX, (int32_t)size - 1);
    rv_tr_cold_exit(t, x86_jcc(&t->b, X86_CC_NE, -1), RV_EXIT_MISALIGNED);
    unsigned k = size == 8 ? 3 : 2;
    x86_alu_rm(&t->b, X86_CMP, 64, X86_RAX, x86_m(TR_CPU, FR(last) + 8 * (int32_t)k));
    rv_tr_cold_exit(t, x86_jcc(&t->b, X86_CC_A, -1),
                    lr ? RV_EXIT_LOAD_FAULT : RV_EXIT_STORE_FAULT);
    rv_tr_access(t);
}

/* rd = old, the memory word; .W results sign-extended (spec 8.4). */
static void set_old(struct tr *t, const struct rv_insn *in, int r, bool wide)
{
    if (!wide)
        x86_movsx_rr(&t->b, 64, 32, r, r);
    rv_tr_set(t, in->rd, r);
}

static void lr(struct tr *t, const struct rv_insn *in, unsigned size)
{
    struct x86_buf *b = &t->b;
    amo_address(t, in, size, true);
    /* An x86 load is sequentially consistent against locked stores (SDM vol. 3, 8.2). */
    x86_load(b, size == 8 ? 64 : 32, X86_RCX, x86_mi(TR_BASE, X86_RAX, 0));
    x86_store(b, 64, x86_m(TR_CPU, RESV_ADDR_OFF), X86_RAX);
    x86_store(b, 64, x86_m(TR_CPU, RESV_VALUE_OFF), X86_RCX);
    x86_mov_ri(b, X86_RDX, size);
    x86_store(b, 8, x86_m(TR_CPU, RESV_SIZE_OFF), X86_RDX);
    set_old(t, in, X86_RCX, size == 8);
}

/* SC succeeds (rd = 0) with a reservation of this address and size while memory still holds
 * what LR read; the reservation ends either way (spec 8.2). */
static void sc(struct tr *t, const struct rv_insn *in, unsigned size)
{
    struct x86_buf *b = &t->b;
    int bits = size == 8 ? 64 : 32;
    amo_address(t, in, size, false);
    x86_mov_rr(b, 64, X86_RDX, X86_RAX);
    x86_movzx_rm(b, 8, X86_RCX, x86_m(TR_CPU, RESV_SIZE_OFF));
    x86_alu_ri(b, X86_CMP, 32, X86_RCX, (int32_t)size);
    size_t f1 = x86_jcc(b, X86_CC_NE, -1);
    x86_alu_rm(b, X86_CMP, 64, X86_RDX, x86_m(TR_CPU, RESV_ADDR_OFF));
    size_t f2 = x86_jcc(b, X86_CC_NE, -1);
    x86_load(b, bits, X86_RAX, x86_m(TR_CPU, RESV_VALUE_OFF));
    rv_tr_get(t, X86_RCX, in->rs2);
    x86_lock_cmpxchg(b, bits, x86_mi(TR_BASE, X86_RDX, 0), X86_RCX);
    size_t f3 = x86_jcc(b, X86_CC_NE, -1);
    x86_alu_rr(b, X86_XOR, 32, X86_RCX, X86_RCX);
    size_t done = x86_jmp(b, -1);
    x86_patch(b, f1);
    x86_patch(b, f2);
    x86_patch(b, f3);
    x86_mov_ri(b, X86_RCX, 1);
    x86_patch(b, done);
    x86_alu_rr(b, X86_XOR, 32, X86_RDX, X86_RDX);
    x86_store(b, 8, x86_m(TR_CPU, RESV_SIZE_OFF), X86_RDX);
    rv_tr_set(t, in->rd, X86_RCX);
}

/* The AMO kinds in order from AMOSWAP (rv_amo.c's k - 2). */
enum { K_SWAP, K_ADD, K_XOR, K_AND, K_OR, K_MIN, K_MAX, K_MINU, K_MAXU };

static void amo(struct tr *t, const struct rv_insn *in, unsigned size, unsigned k)
{
    struct x86_buf *b = &t->b;
    int bits = size == 8 ? 64 : 32;
    amo_address(t, in, size, false);
    if (k == K_SWAP || k == K_ADD) {
        rv_tr_get(t, X86_RCX, in->rs2);
        if (k == K_SWAP)
            x86_xchg_m(b, bits, x86_mi(TR_BASE, X86_RAX, 0), X86_RCX);
        else
            x86_lock_xadd(b, bits, x86_mi(TR_BASE, X86_RAX, 0), X86_RCX);
        set_old(t, in, X86_RCX, size == 8);
        return;
    }
    /* The rest: compare-and-swap until memory did not change under us; rax = old. */
    x86_lea(b, X86_RDX, x86_mi(TR_BASE, X86_RAX, 0));
    x86_load(b, bits, X86_RAX, x86_m(X86_RDX, 0));
    size_t again = b->len;
    rv_tr_get(t, X86_RCX, in->rs2);
    switch (k) {
    case K_XOR:
        x86_alu_rr(b, X86_XOR, bits, X86_RCX, X86_RAX);
        break;
    case K_AND:
        x86_alu_rr(b, X86_AND, bits, X86_RCX, X86_RAX);
        break;
    case K_OR:
        x86_alu_rr(b, X86_OR, bits, X86_RCX, X86_RAX);
        break;
    default: { /* keep old where it wins: min l, max g, minu b, maxu a (old against src) */
        static const enum x86_cc keep[] = {X86_CC_L, X86_CC_G, X86_CC_B, X86_CC_A};
        x86_alu_rr(b, X86_CMP, bits, X86_RAX, X86_RCX);
        x86_cmov(b, keep[k - K_MIN], bits, X86_RCX, X86_RAX);
        break;
    }
    }
    x86_lock_cmpxchg(b, bits, x86_m(X86_RDX, 0), X86_RCX);
    x86_jcc(b, X86_CC_NE, (long)again);
    set_old(t, in, X86_RAX, size == 8);
}

bool rv_tr_amo(struct tr *t, const struct rv_insn *in)
{
    if (!rv_op_is_amo(in->op))
        return false;
    bool wide = in->op >= RV_OP_LR_D;
    unsigned k = (unsigned)(in->op - (wide ? RV_OP_LR_D : RV_OP_LR_W)); /* 0 lr, 1 sc, 2.. */
    unsigned size = wide ? 8 : 4;
    if (k == 0)
        lr(t, in, size);
    else if (k == 1)
        sc(t, in, size);
    else
        amo(t, in, size, k - 2);
    return true;
}
