/* rv_translate: translates decoded riscv64 blocks to x86-64 code that chains to its successors. */
#include "isa-xlat/rv_translate.h"
#include "isa-xlat/rv_fp.h"

/* Worst case per instruction is FP arithmetic with its out-of-line helper call, which reloads
 * every pinned register: about 330 bytes. A block that does not fit is left to the
 * interpreter. */
#define BUF_MAX (RV_BLOCK_MAX * 400 + 1024)
_Static_assert(BUF_MAX <= UINT16_MAX, "a fault site's len holds any instruction's code");

/* sp, ra, a0-a5 and s0: the registers compiled code touches most (psABI calling convention;
 * s0, the first saved one, is the frame pointer or a loop's pointer). */
const uint8_t rv_tr_pinned[TR_NPIN] = {2, 1, 10, 11, 12, 13, 14, 15, 8};
static const uint8_t pin_host[TR_NPIN] = {X86_R14, X86_R15, X86_RSI, X86_RDI, X86_R8,
                                          X86_R9,  X86_R10, X86_R11, X86_RBP};
const int8_t rv_tr_pin[32] = {
    -1, X86_R15, X86_R14, -1, -1, -1, -1, -1, X86_RBP, -1, X86_RSI, X86_RDI, X86_R8, X86_R9,
    X86_R10, X86_R11, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};

/* The registers compiled FP code uses most: arguments and results, then the first saved ones. */
const uint8_t rv_tr_fpinned[TR_NFPIN] = {10, 11, 12, 13, 14, 15, 16, 17, 8, 9, 18, 19};
const int8_t rv_tr_fpin[32] = {
    -1, -1, -1, -1, -1, -1, -1, -1, 12, 13, 4,  5,  6,  7,  8,  9,
    10, 11, 14, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};

void rv_tr_reload(struct x86_buf *b)
{
    for (unsigned i = 0; i < TR_NPIN; i++)
        x86_load(b, 64, pin_host[i], x86_m(TR_CPU, XOFF(rv_tr_pinned[i])));
    for (unsigned i = 0; i < TR_NFPIN; i++)
        x86_movsd_load(b, true, rv_tr_fpin[rv_tr_fpinned[i]], x86_m(TR_CPU, FOFF(rv_tr_fpinned[i])));
    x86_load(b, 64, TR_INSTRET, x86_m(TR_CPU, INSTRET_OFF));
}

/* In a register, not by adding to memory: a chain of read-modify-writes through one memory
 * word would cost a store-to-load forwarding per block. */
void rv_tr_count(struct x86_buf *b, int32_t n)
{
    x86_alu_ri(b, X86_ADD, 64, TR_INSTRET, n);
}

void rv_tr_set(struct tr *t, unsigned r, int host)
{
    if (r == 0) /* writes to x0 are discarded (spec 2.1) */
        return;
    if (rv_tr_pin[r] < 0)
        x86_store(&t->b, 64, x86_m(TR_CPU, XOFF(r)), host);
    else if (host != rv_tr_pin[r])
        x86_mov_rr(&t->b, 64, rv_tr_pin[r], host);
}

int rv_tr_fget(struct tr *t, int scratch, unsigned r)
{
    if (rv_tr_fpin[r] >= 0)
        return rv_tr_fpin[r];
    x86_movsd_load(&t->b, true, scratch, x86_m(TR_CPU, FOFF(r)));
    return scratch;
}

void rv_tr_fset(struct tr *t, unsigned r, int x)
{
    int p = rv_tr_fpin[r];
    if (p < 0) {
        x86_movsd_store(&t->b, true, x86_m(TR_CPU, FOFF(r)), x);
        return;
    }
    if (p != x)
        x86_movaps_rr(&t->b, p, x);
}

/* The host register that holds guest register r: its pinned one, or scratch loaded with it. */
static int src(struct tr *t, unsigned r, int scratch)
{
    if (r != 0 && rv_tr_pin[r] >= 0)
        return rv_tr_pin[r];
    rv_tr_get(t, scratch, r);
    return scratch;
}

void rv_tr_sync(struct tr *t)
{
    if (t->pc <= INT32_MAX) {
        x86_store_imm32(&t->b, x86_m(TR_CPU, PC_OFF), (int32_t)t->pc);
    } else {
        x86_mov_ri(&t->b, X86_RAX, t->pc);
        x86_store(&t->b, 64, x86_m(TR_CPU, PC_OFF), X86_RAX);
    }
    if (t->index > t->synced)
        rv_tr_count(&t->b, (int32_t)(t->index - t->synced));
    x86_store(&t->b, 64, x86_m(TR_CPU, INSTRET_OFF), TR_INSTRET);
    t->synced = t->index;
}

void rv_tr_merge_flags(struct tr *t)
{
    /* Only when the flags changed since the last merge (they are sticky, so mostly not). */
    x86_stmxcsr(&t->b, x86_m(TR_CPU, FR(mx_tmp)));
    x86_load(&t->b, 32, X86_RAX, x86_m(TR_CPU, FR(mx_tmp)));
    x86_alu_rm(&t->b, X86_CMP, 32, X86_RAX, x86_m(TR_CPU, FR(mx_seen)));
    size_t same = x86_jcc(&t->b, X86_CC_E, -1);
    x86_call_abs(&t->b, t->st->merge);
    x86_patch(&t->b, same);
    t->mx_merged = true;
}

/* Instructions whose translation raises no SSE flag where a merge would not see it: all but
 * the FP ones, and of those the moves, loads, stores, sign injections and comparisons (which
 * merge themselves when they raise). The rest may leave flags in the MXCSR. */
static bool keeps_mx_merged(unsigned op)
{
    if (!rv_op_is_fp(op))
        return true;
    switch (op) {
    case RV_OP_FLW:
    case RV_OP_FLD:
    case RV_OP_FSW:
    case RV_OP_FSD:
    case RV_OP_FSGNJ_D:
    case RV_OP_FSGNJN_D:
    case RV_OP_FSGNJX_D:
    case RV_OP_FMV_X_D:
    case RV_OP_FMV_D_X:
    case RV_OP_FEQ_D:
    case RV_OP_FLT_D:
    case RV_OP_FLE_D:
        return true;
    }
    return false;
}

void rv_tr_call_helper(struct tr *t, const struct rv_insn *in)
{
    struct x86_buf *b = &t->b;
    rv_tr_sync(t);
    x86_call_abs(b, t->st->save);
    x86_lea(b, X86_RDI, x86_m(TR_CPU, FR(cpu))); /* the frame, cpu->xf */
    x86_mov_ri(b, X86_RSI, (uint64_t)(uintptr_t)in);
    x86_mov_ri(b, X86_RAX, (uint64_t)(uintptr_t)&rv_xlat_helper);
    x86_call_r(b, X86_RAX);
    rv_tr_reload(b);
    x86_test_rr(b, 64, X86_RAX, X86_RAX);
    size_t ok = x86_jcc(b, X86_CC_E, -1);
    x86_mov_ri(b, X86_RAX, TR_EXIT_DONE);
    x86_jmp_abs(b, t->st->exit);
    x86_patch(b, ok);
}

void rv_tr_access(struct tr *t)
{
    struct rv_fault_site *s = &t->site[t->nsite++];
    s->start = (uint32_t)t->b.len;
    s->len = 0;
    s->count = (t->index - t->synced) & 127;
    s->fpend = t->fpend & 0xfff;
    s->pc = t->pc;
}

/* Check the put-off NaNs of the registers of mask (t->fpend bits): canonical out of line. */
static void fp_flush(struct tr *t, uint16_t mask)
{
    for (int x = 4; x < 16; x++) {
        if (!(mask >> (x - 4) & 1))
            continue;
        x86_comis(&t->b, true, true, x, x);
        rv_tr_slow_resume(t, rv_tr_slow_nan(t, x86_jcc(&t->b, X86_CC_P, -1), x, -1, -1));
    }
    t->fpend &= (uint16_t)~mask;
}

/* Whether in may run with NaN checks put off (t->fpend): it reads no FP register but as an
 * operand of arithmetic, and neither calls out nor leaves but by a fault exit. */
static bool fp_defers(const struct rv_insn *in)
{
    switch ((enum rv_op)in->op) {
    case RV_OP_LUI:
    case RV_OP_AUIPC:
    case RV_OP_LB:
    case RV_OP_LH:
    case RV_OP_LW:
    case RV_OP_LD:
    case RV_OP_LBU:
    case RV_OP_LHU:
    case RV_OP_LWU:
    case RV_OP_SB:
    case RV_OP_SH:
    case RV_OP_SW:
    case RV_OP_SD:
    case RV_OP_FLW:
    case RV_OP_FLD:
    case RV_OP_FSW: /* the one register it reads is checked first (one) */
    case RV_OP_FSD:
        return true;
    default:
        return (in->op >= RV_OP_ADDI && in->op <= RV_OP_AND) ||
               (in->op >= RV_OP_ADDIW && in->op <= RV_OP_SRAW) || rv_tr_fp_inline(in);
    }
}

/* The address rs1 + imm, in the register returned, checked like rv_mem_host: the access of len
 * bytes faults unless addr <= size - len (size >= 8 is checked before translating). The fault
 * exit is out of line, after the block. */
int rv_tr_address(struct tr *t, const struct rv_insn *in, unsigned len, int reason)
{
    int base = src(t, in->rs1, X86_RAX), a = X86_RAX;
    if (base != X86_RAX && in->imm == 0) /* ld a0, 0(a5): the address is a5 as it stands */
        a = base;
    else if (base != X86_RAX)
        x86_lea(&t->b, X86_RAX, x86_m(base, in->imm));
    else if (in->imm)
        x86_alu_ri(&t->b, X86_ADD, 64, X86_RAX, in->imm);
    unsigned k = len == 8 ? 3 : len == 4 ? 2 : len == 2 ? 1 : 0;
    x86_alu_rm(&t->b, X86_CMP, 64, a, x86_m(TR_CPU, FR(last) + 8 * (int32_t)k));
    rv_tr_cold_exit(t, x86_jcc(&t->b, X86_CC_A, -1), reason);
    t->cold[t->ncold - 1].addr = (int8_t)a;
    rv_tr_access(t);
    return a;
}

/* Whether op's rd is an integer register: all but the FP ops, of which those that compare,
 * classify, convert to an integer or move to one. */
static bool writes_x(unsigned op)
{
    return !rv_op_is_fp(op) || (op >= RV_OP_FCVT_W_S && op <= RV_OP_FCLASS_S) ||
           (op >= RV_OP_FCVT_W_D && op <= RV_OP_FCLASS_D);
}

static bool in_bounds(const struct tr *t, unsigned reg, int32_t off, unsigned len)
{
    for (unsigned k = 0; k < t->ninb; k++) {
        const struct tr_inb *e = &t->inb[k];
        if (e->reg == reg && off >= e->off && (int64_t)off + len <= (int64_t)e->off + e->len)
            return true;
    }
    return false;
}

/* After guest register r changed by delta (addi r, r, delta), or in any other way (!shift). */
static void inb_moved(struct tr *t, unsigned r, bool shift, int32_t delta)
{
    unsigned n = 0;
    for (unsigned k = 0; k < t->ninb; k++) {
        struct tr_inb e = t->inb[k];
        if (e.reg == r) {
            if (!shift || __builtin_sub_overflow(e.off, delta, &e.off))
                continue;
        }
        t->inb[n++] = e;
    }
    t->ninb = n;
}

struct x86_mem rv_tr_access_mem(struct tr *t, const struct rv_insn *in, unsigned len, int reason)
{
    if (in_bounds(t, in->rs1, in->imm, len)) {
        int base = src(t, in->rs1, X86_RAX);
        rv_tr_access(t);
        return x86_mi(TR_BASE, base, in->imm);
    }
    int a = rv_tr_address(t, in, len, reason);
    if (t->ninb == sizeof(t->inb) / sizeof(t->inb[0])) { /* the oldest goes */
        memmove(t->inb, t->inb + 1, (t->ninb - 1) * sizeof(t->inb[0]));
        t->ninb--;
    }
    t->inb[t->ninb++] = (struct tr_inb){.reg = in->rs1, .len = (uint8_t)len, .off = in->imm};
    return x86_mi(TR_BASE, a, 0);
}

void rv_tr_cold_exit(struct tr *t, size_t field, int reason)
{
    struct tr_cold *c = &t->cold[t->ncold++];
    c->addr = X86_RAX;
    c->field = field;
    c->in = t->cur;
    c->count = t->index - t->synced;
    c->pc = t->pc;
    c->reason = (uint8_t)reason;
    c->fpend = t->fpend;
}

unsigned rv_tr_slow(struct tr *t, size_t field, const struct rv_insn *in, bool leave)
{
    unsigned k = t->nslow++;
    struct tr_slow *s = &t->slow[k];
    s->field = field;
    s->resume = leave ? SIZE_MAX : t->b.len;
    s->in = in;
    s->pc = t->pc;
    s->index = t->index;
    s->synced = t->synced;
    s->kind = TR_SLOW_HELPER;
    return k;
}

void rv_tr_slow_leave(struct tr *t, size_t field)
{
    unsigned k = rv_tr_slow(t, field, t->cur, true);
    t->slow[k].kind = TR_SLOW_LEAVE;
}

unsigned rv_tr_slow_unordered(struct tr *t, size_t field, unsigned restore)
{
    unsigned k = rv_tr_slow(t, field, NULL, false);
    t->slow[k].kind = TR_SLOW_UNORDERED;
    t->slow[k].restore = (uint8_t)restore;
    return k;
}

unsigned rv_tr_slow_nan(struct tr *t, size_t field, int x, int xa, int xb)
{
    unsigned k = rv_tr_slow(t, field, NULL, false);
    t->slow[k].kind = TR_SLOW_NAN;
    t->slow[k].nan_x = (int8_t)x;
    t->slow[k].mul_a = (int8_t)xa;
    t->slow[k].mul_b = (int8_t)xb;
    return k;
}

/* A NaN result of x86 arithmetic: the x86 flags are RISC-V's (invalid for a signalling NaN
 * operand or an invalid operation, nothing for quiet NaN operands: SDM vol. 1, 11.5.2.1 and
 * table E-1), but the value is whichever NaN x86 propagated, where RISC-V returns the canonical
 * NaN (spec 11.3). The one flag x86 leaves out: a fused multiply-add of infinity and zero with a
 * quiet NaN addend returns the addend quietly (SDM vol. 1, table 14-17), where RISC-V raises
 * invalid (spec 11.6). */
static void canon_nan(struct tr *t, const struct tr_slow *s)
{
    struct x86_buf *b = &t->b;
    if (s->mul_a >= 0) {
        /* the multiplicands without their signs: 0, or inf (0x7ff0...) shifted left by one */
        x86_movq_from_x(b, X86_RAX, s->mul_a);
        x86_movq_from_x(b, X86_RCX, s->mul_b);
        x86_alu_rr(b, X86_ADD, 64, X86_RAX, X86_RAX);
        x86_alu_rr(b, X86_ADD, 64, X86_RCX, X86_RCX);
        x86_mov_ri(b, X86_RDX, 0xffe0000000000000ull);
        x86_alu_rr(b, X86_CMP, 64, X86_RAX, X86_RDX);
        size_t a_inf = x86_jcc(b, X86_CC_E, -1);
        x86_test_rr(b, 64, X86_RAX, X86_RAX);
        size_t no1 = x86_jcc(b, X86_CC_NE, -1);
        x86_alu_rr(b, X86_CMP, 64, X86_RCX, X86_RDX); /* 0 * inf */
        size_t no2 = x86_jcc(b, X86_CC_NE, -1);
        size_t set = x86_jmp(b, -1);
        x86_patch(b, a_inf);
        x86_test_rr(b, 64, X86_RCX, X86_RCX); /* inf * 0 */
        size_t no3 = x86_jcc(b, X86_CC_NE, -1);
        x86_patch(b, set);
        x86_alu_mi32(b, X86_OR, x86_m(TR_CPU, FFLAGS_OFF), RV_FF_NV);
        x86_patch(b, no1);
        x86_patch(b, no2);
        x86_patch(b, no3);
    }
    x86_mov_ri(b, X86_RAX, RV_CANON_NAN_D);
    x86_movq_to_x(b, s->nan_x, X86_RAX);
    x86_jmp(b, (long)s->resume);
}

/* The slow paths, as the main path's state was at each: what the helper call syncs of
 * instret is given back before going back to the main path, which has not counted it. */
static void slow_paths(struct tr *t)
{
    struct x86_buf *b = &t->b;
    for (unsigned k = 0; k < t->nslow; k++) {
        const struct tr_slow *s = &t->slow[k];
        x86_patch(b, s->field);
        if (s->kind == TR_SLOW_NAN) {
            canon_nan(t, s);
            continue;
        }
        if (s->kind == TR_SLOW_LEAVE) {
            rv_tr_count(b, (int32_t)(s->index + 1 - s->synced));
            rv_tr_exit_to(t, s->pc + s->in->len, TR_EXIT_NEXT, NULL);
            continue;
        }
        if (s->kind == TR_SLOW_UNORDERED) {
            rv_tr_merge_flags(t);
            if (s->restore) {
                rv_tr_get(t, X86_RCX, s->restore);
                rv_tr_write_fflags(t);
            }
            x86_alu_rr(b, X86_XOR, 32, X86_RAX, X86_RAX);
            x86_jmp(b, (long)s->resume);
            continue;
        }
        t->pc = s->pc;
        t->index = s->index;
        t->synced = s->synced;
        rv_tr_call_helper(t, s->in);
        if (s->resume == SIZE_MAX) {
            rv_tr_count(b, 1); /* the helper ran it; instret does not count it yet */
            rv_tr_exit_to(t, s->pc + s->in->len, TR_EXIT_NEXT, NULL);
            continue;
        }
        if (s->index > s->synced)
            rv_tr_count(b, -(int32_t)(s->index - s->synced));
        x86_jmp(b, (long)s->resume);
    }
}

/* The fault exits: the pc and instret of the faulting instruction, stored here rather than
 * ahead of every access, and the exit with rdx = the guest address. */
static void cold_exits(struct tr *t)
{
    struct x86_buf *b = &t->b;
    for (unsigned k = 0; k < t->ncold; k++) {
        const struct tr_cold *c = &t->cold[k];
        x86_patch(b, c->field);
        for (int x = 4; x < 16; x++) { /* NaNs made canonical before the state is seen */
            if (!(c->fpend >> (x - 4) & 1))
                continue;
            x86_comis(b, true, true, x, x);
            size_t ordered = x86_jcc(b, X86_CC_NP, -1);
            x86_mov_ri(b, X86_RCX, RV_CANON_NAN_D);
            x86_movq_to_x(b, x, X86_RCX);
            x86_patch(b, ordered);
        }
        if (c->pc <= INT32_MAX) {
            x86_store_imm32(b, x86_m(TR_CPU, PC_OFF), (int32_t)c->pc);
        } else {
            x86_mov_ri(b, X86_RCX, c->pc);
            x86_store(b, 64, x86_m(TR_CPU, PC_OFF), X86_RCX);
        }
        if (c->count)
            rv_tr_count(b, (int32_t)c->count);
        x86_mov_rr(b, 64, X86_RDX, c->addr);
        x86_mov_ri(b, X86_RAX, TR_EXIT_TRAP + c->reason);
        x86_mov_ri(b, X86_RCX, (uint64_t)(uintptr_t)c->in);
        x86_jmp_abs(b, t->st->exit);
    }
}

static void load(struct tr *t, const struct rv_insn *in, unsigned len, bool sign)
{
    struct x86_mem m = rv_tr_access_mem(t, in, len, RV_EXIT_LOAD_FAULT);
    int d = in->rd != 0 && rv_tr_pin[in->rd] >= 0 ? rv_tr_pin[in->rd] : X86_RCX;
    if (len == 8)
        x86_load(&t->b, 64, d, m);
    else if (len == 4 && !sign)
        x86_load(&t->b, 32, d, m); /* zero-extends */
    else if (sign)
        x86_movsx_rm(&t->b, 64, (int)len * 8, d, m);
    else
        x86_movzx_rm(&t->b, (int)len * 8, d, m);
    rv_tr_set(t, in->rd, d);
}

static void store(struct tr *t, const struct rv_insn *in, unsigned len)
{
    struct x86_mem m = rv_tr_access_mem(t, in, len, RV_EXIT_STORE_FAULT);
    int v = src(t, in->rs2, X86_RCX);
    x86_store(&t->b, (int)len * 8, m, v);
}

/* d = guest register r, unless it is there already. */
static void get_into(struct tr *t, int d, unsigned r)
{
    if (r == 0 || rv_tr_pin[r] != d)
        rv_tr_get(t, d, r);
}

/* W results are the low 32 bits sign-extended (spec 4.2.1). */
static void finish(struct tr *t, const struct rv_insn *in, int d, int bits)
{
    if (bits == 32)
        x86_movsx_rr(&t->b, 64, 32, d, d);
    rv_tr_set(t, in->rd, d);
}

/* rd = op(rs1, rs2) on 64 or 32 bits, computed in rd's own register when it is pinned. */
static void alu_rr(struct tr *t, const struct rv_insn *in, enum x86_alu op, int bits)
{
    int d = rv_tr_dst(in->rd);
    /* mv (c.mv is add rd, x0, rs2) and its like: x0 is the identity of add, or and xor, and
     * the right one of sub: one move instead of zeroing and adding. */
    bool ident = op == X86_ADD || op == X86_OR || op == X86_XOR;
    if (bits == 64 && ((ident && in->rs1 == 0) || ((ident || op == X86_SUB) && in->rs2 == 0))) {
        get_into(t, d, in->rs1 == 0 ? in->rs2 : in->rs1);
        rv_tr_set(t, in->rd, d);
        return;
    }
    if (op == X86_ADD && in->rs1 != 0 && in->rs2 != 0) {
        /* add a4, a2, a6: one lea from both sources, whichever of them rd is */
        int s1 = src(t, in->rs1, X86_RAX);
        x86_lea(&t->b, d, x86_mi(s1, src(t, in->rs2, X86_RCX), 0));
        finish(t, in, d, bits);
        return;
    }
    int s2 = src(t, in->rs2, X86_RCX);
    if (s2 == d && in->rs1 != in->rs2) { /* rd = rs2: keep rs2 before d takes rs1 */
        x86_mov_rr(&t->b, 64, X86_RCX, s2);
        s2 = X86_RCX;
    }
    get_into(t, d, in->rs1);
    x86_alu_rr(&t->b, op, bits, d, s2);
    finish(t, in, d, bits);
}

static void alu_ri(struct tr *t, const struct rv_insn *in, enum x86_alu op, int bits)
{
    int d = rv_tr_dst(in->rd);
    if (bits == 64 && in->rd == in->rs1 && in->rd != 0 && rv_tr_pin[in->rd] < 0) {
        /* addi s0, s0, 8 on a register kept in cpu: one read-modify-write of its word */
        if (in->imm != 0 || op == X86_AND)
            x86_alu_mi(&t->b, op, x86_m(TR_CPU, XOFF(in->rd)), in->imm);
        return;
    }
    if (in->rs1 == 0 && bits == 64 && (op == X86_ADD || op == X86_OR || op == X86_XOR)) {
        x86_mov_ri(&t->b, d, (uint64_t)(int64_t)in->imm); /* li (c.li is addi rd, x0, imm) */
        rv_tr_set(t, in->rd, d);
        return;
    }
    if (op == X86_ADD && in->imm != 0 && in->rs1 != 0 && rv_tr_pin[in->rs1] >= 0 &&
        rv_tr_pin[in->rs1] != d) {
        /* addi a3, a5, 8: one lea instead of a move and an add */
        x86_lea(&t->b, d, x86_m(rv_tr_pin[in->rs1], in->imm));
        finish(t, in, d, bits);
        return;
    }
    get_into(t, d, in->rs1);
    if (in->imm != 0 || op == X86_AND || bits == 32)
        x86_alu_ri(&t->b, op, bits, d, in->imm);
    finish(t, in, d, bits);
}

/* x86 masks a shift count in cl to 6 bits (5 for 32-bit operands), exactly the rs2[5:0] and
 * rs2[4:0] of SLL and SLLW (spec 4.2.2; SDM vol. 2, "SAL/SAR/SHL/SHR"). */
static void shift_rr(struct tr *t, const struct rv_insn *in, enum x86_shift op, int bits)
{
    int d = rv_tr_dst(in->rd);
    rv_tr_get(t, X86_RCX, in->rs2);
    get_into(t, d, in->rs1);
    x86_shift_cl(&t->b, op, bits, d);
    finish(t, in, d, bits);
}

static void shift_ri(struct tr *t, const struct rv_insn *in, enum x86_shift op, int bits)
{
    int d = rv_tr_dst(in->rd);
    get_into(t, d, in->rs1);
    if (in->imm != 0 || bits == 32)
        x86_shift_ri(&t->b, op, bits, d, (uint8_t)in->imm);
    finish(t, in, d, bits);
}

static void set_less(struct tr *t, const struct rv_insn *in, bool imm, enum x86_cc cc)
{
    int a = src(t, in->rs1, X86_RAX);
    if (imm) /* the immediate is sign-extended, then compared signed or unsigned (2.4.1) */
        x86_alu_ri(&t->b, X86_CMP, 64, a, in->imm);
    else
        x86_alu_rr(&t->b, X86_CMP, 64, a, src(t, in->rs2, X86_RCX));
    x86_setcc(&t->b, cc, X86_RAX);
    x86_movzx_rr(&t->b, 8, X86_RAX, X86_RAX);
    rv_tr_set(t, in->rd, X86_RAX);
}

/* Add the block's remaining instructions to instret, ahead of its exits. */
static void count_all(struct tr *t, uint32_t n)
{
    if (n > t->synced)
        rv_tr_count(&t->b, (int32_t)(n - t->synced));
    t->synced = n;
}

/* Leave through the exit stub with cpu->pc = target; the checks that a run stops at (a stop
 * request, the instruction limit, code invalidated by another thread) jump here too. */
void rv_tr_exit_to(struct tr *t, uint64_t target, unsigned kind, const void *ptr)
{
    struct x86_buf *b = &t->b;
    if (target <= INT32_MAX) {
        x86_store_imm32(b, x86_m(TR_CPU, PC_OFF), (int32_t)target);
    } else {
        x86_mov_ri(b, X86_RAX, target);
        x86_store(b, 64, x86_m(TR_CPU, PC_OFF), X86_RAX);
    }
    x86_mov_ri(b, X86_RAX, kind);
    x86_mov_ri(b, X86_RCX, (uint64_t)(uintptr_t)ptr);
    x86_jmp_abs(b, t->st->exit);
}

/* Jumps (out: the field offsets to point at the exit) unless the run must stop: every loop
 * passes a backward or indirect jump, so checking there bounds how long a run goes on. One
 * compare covers the instruction limit, a stop request and code invalidated by another
 * thread, which clear cpu->run_limit (rv_cache_exec, rv_request_stop, rv_invalidate). */
static unsigned loop_checks(struct tr *t, size_t out[1])
{
    struct x86_buf *b = &t->b;
    x86_alu_rm(b, X86_CMP, 64, TR_INSTRET, x86_m(TR_CPU, RUN_LIMIT_OFF));
    out[0] = x86_jcc(b, X86_CC_AE, -1);
    return 1;
}

/* A jump back to the block's own start, the tight loop: straight to its code, which needs no
 * link, while the run may go on; else out with cpu->pc = the block's pc. */
static void loop_to_start(struct tr *t)
{
    struct x86_buf *b = &t->b;
    x86_alu_rm(b, X86_CMP, 64, TR_INSTRET, x86_m(TR_CPU, RUN_LIMIT_OFF));
    x86_jcc(b, X86_CC_B, 0);
    t->blk->loops = true;
    rv_tr_exit_to(t, t->blk->pc, TR_EXIT_NEXT, NULL);
}

/* A direct exit to target: a jump that rv_cache_exec links to the target's code, or, until
 * then, to the exit stub. */
static void chain_to(struct tr *t, uint64_t target)
{
    if (target == t->blk->pc) {
        loop_to_start(t);
        return;
    }
    unsigned k = t->blk->nchain++;
    struct rv_chain *ch = &t->blk->chain[k];
    size_t checks[1];
    unsigned nchecks = target <= t->blk->pc ? loop_checks(t, checks) : 0;
    size_t site = x86_jmp(&t->b, -1);
    x86_patch(&t->b, site);
    for (unsigned i = 0; i < nchecks; i++)
        x86_patch(&t->b, checks[i]);
    ch->target = target;
    ch->site = (uint8_t *)(t->b.origin + site);
    ch->unlinked = 0; /* the rel32 of a jump to the very next byte */
    ch->linked = false;
    ch->next_in = NULL;
    t->linked_to[k] = NULL;
    struct rv_block *to = t->links ? t->links->find(t->links->ctx, target) : NULL;
    /* Not past the buffer's end, where a jump that did not fit has no rel32 (the block is
     * given up anyway); the arena is within 2 GiB, so any rel32 reaches. */
    if (to && to->host_code && site + 4 <= t->b.len) {
        int32_t rel = (int32_t)((intptr_t)to->host_code - (intptr_t)(ch->site + 4));
        memcpy(t->b.p + site, &rel, 4);
        t->linked_to[k] = to;
    }
    rv_tr_exit_to(t, target, TR_EXIT_CHAIN, ch);
}

/* An indirect jump to rax: through the jump cache when it knows the target. Only a jump back
 * (to the block's pc or below) can close a loop, so only those pass the checks. */
static void jump_indirect(struct tr *t)
{
    struct x86_buf *b = &t->b;
    size_t checks[1];
    x86_mov_ri(b, X86_RDX, t->blk->pc);
    x86_alu_rr(b, X86_CMP, 64, X86_RAX, X86_RDX);
    size_t forward = x86_jcc(b, X86_CC_A, -1);
    unsigned nchecks = loop_checks(t, checks);
    x86_patch(b, forward);
    /* slot (pc >> 1) & (SIZE - 1), 16 bytes each: (pc & (2 * SIZE - 2)) << 3 */
    x86_mov_rr(b, 32, X86_RDX, X86_RAX);
    x86_alu_ri(b, X86_AND, 32, X86_RDX, (int32_t)(2 * RV_JCACHE_SIZE - 2));
    size_t miss;
    const struct rv_jcache *low = t->links ? t->links->jcache_low : NULL;
    if (low) { /* [cache + rdx * 8]: no load of the cache's address on the way */
        int32_t at = (int32_t)(intptr_t)low;
        x86_alu_rm(b, X86_CMP, 64, X86_RAX, x86_mx(X86_RDX, 8, at));
        miss = x86_jcc(b, X86_CC_NE, -1);
        x86_jmp_m(b, x86_mx(X86_RDX, 8, at + 8));
    } else {
        x86_shift_ri(b, X86_SHL, 32, X86_RDX, 3);
        x86_alu_rm(b, X86_ADD, 64, X86_RDX, x86_m(TR_CPU, FR(jcache)));
        x86_alu_rm(b, X86_CMP, 64, X86_RAX, x86_m(X86_RDX, 0));
        miss = x86_jcc(b, X86_CC_NE, -1);
        x86_jmp_m(b, x86_m(X86_RDX, 8));
    }
    x86_patch(b, miss);
    for (unsigned i = 0; i < nchecks; i++)
        x86_patch(b, checks[i]);
    x86_store(b, 64, x86_m(TR_CPU, PC_OFF), X86_RAX);
    x86_mov_ri(b, X86_RAX, TR_EXIT_NEXT);
    x86_jmp_abs(b, t->st->exit);
}

static void one(struct tr *t, const struct rv_insn *in);

/* A switch's dispatch: a short block that ends in an indirect jump, with nothing before it that
 * leaves. Translated again after every branch that falls through into it, each copy's indirect
 * jump is one more place the host's predictor keeps targets for: after the code of each case,
 * where the next case is better foretold than at one jump shared by all. */
#define DISPATCH_MAX 8
static const struct rv_block *dispatch_after(const struct tr *t, uint64_t pc)
{
    if (!t->links || t->inlined)
        return NULL;
    const struct rv_block *d = t->links->find(t->links->ctx, pc);
    if (!d || d->n == 0 || d->n > DISPATCH_MAX || t->index + 1 + d->n > RV_BLOCK_MAX ||
        d->insn[d->n - 1].op != RV_OP_JALR)
        return NULL;
    for (uint32_t i = 0; i + 1 < d->n; i++)
        if (rv_op_ends_block(d->insn[i].op) || d->insn[i].op == RV_OP_JAL)
            return NULL;
    return d;
}

/* The way straight on from a branch at its end: the dispatch block inlined, or a direct exit. */
static void fall_through(struct tr *t, const struct rv_insn *in)
{
    uint64_t next = t->pc + in->len;
    const struct rv_block *d = dispatch_after(t, next);
    if (!d) {
        chain_to(t, next);
        return;
    }
    uint64_t pc = t->pc;
    uint32_t index = t->index, synced = t->synced;
    const struct rv_insn *cur = t->cur;
    unsigned ninb = t->ninb; /* what the inlined code checks, the taken way has not */
    t->inlined = true;
    t->pc = next;
    for (uint32_t i = 0; i < d->n; i++) {
        t->index = index + 1 + i;
        one(t, &d->insn[i]);
    }
    t->inlined = false; /* the taken way goes on as the branch left things */
    t->ninb = ninb;
    t->pc = pc;
    t->index = index;
    t->cur = cur;
    t->synced = synced;
    /* Its code is in this block's now: a change to it must drop this block too. */
    if (d->lo < t->blk->lo)
        t->blk->lo = d->lo;
    if (d->end > t->blk->end)
        t->blk->end = d->end;
}

/* A conditional branch ends the block: both ways are direct exits. */
static void branch(struct tr *t, const struct rv_insn *in, enum x86_cc cc)
{
    count_all(t, t->index + 1);
    int a = src(t, in->rs1, X86_RAX);
    if (in->rs2 == 0 && in->rs1 != 0) /* against x0: the flags of a - 0 */
        x86_test_rr(&t->b, 64, a, a);
    else if (in->rs2 != 0 && rv_tr_pin[in->rs2] < 0) /* against memory, not a load first */
        x86_alu_rm(&t->b, X86_CMP, 64, a, x86_m(TR_CPU, XOFF(in->rs2)));
    else
        x86_alu_rr(&t->b, X86_CMP, 64, a, src(t, in->rs2, X86_RCX));
    uint64_t target = t->pc + (uint64_t)(int64_t)in->imm;
    if (target == t->blk->pc) { /* a loop of one block: going round is the way straight on */
        size_t out = x86_jcc(&t->b, (enum x86_cc)(cc ^ 1), -1);
        loop_to_start(t);
        x86_patch(&t->b, out);
        chain_to(t, t->pc + in->len);
        return;
    }
    size_t taken = x86_jcc(&t->b, cc, -1);
    fall_through(t, in);
    x86_patch(&t->b, taken);
    chain_to(t, target);
}

/* A trap that ends the block where it stands (ecall, ebreak, an illegal instruction). */
static void trap(struct tr *t, const struct rv_insn *in, int reason)
{
    rv_tr_sync(t);
    x86_mov_ri(&t->b, X86_RAX, TR_EXIT_TRAP + (unsigned)reason);
    x86_alu_rr(&t->b, X86_XOR, 32, X86_RDX, X86_RDX);
    x86_mov_ri(&t->b, X86_RCX, (uint64_t)(uintptr_t)in);
    x86_jmp_abs(&t->b, t->st->exit);
}

/* Translate one instruction; false when it is not of the handled subset. Control transfers
 * leave the next pc in rax. */
static bool insn(struct tr *t, const struct rv_insn *in)
{
    struct x86_buf *b = &t->b;
    switch ((enum rv_op)in->op) {
    case RV_OP_LUI:
        x86_mov_ri(b, rv_tr_dst(in->rd), (uint64_t)(int64_t)in->imm);
        rv_tr_set(t, in->rd, rv_tr_dst(in->rd));
        return true;
    case RV_OP_AUIPC:
        x86_mov_ri(b, rv_tr_dst(in->rd), t->pc + (uint64_t)(int64_t)in->imm);
        rv_tr_set(t, in->rd, rv_tr_dst(in->rd));
        return true;
    case RV_OP_JAL:
        if (in->rd != 0) {
            x86_mov_ri(b, X86_RAX, t->pc + in->len);
            rv_tr_set(t, in->rd, X86_RAX);
        }
        count_all(t, t->index + 1);
        chain_to(t, t->pc + (uint64_t)(int64_t)in->imm);
        return true;
    case RV_OP_JALR: /* the target uses the old rs1, and its bit 0 is cleared (spec 2.5) */
        rv_tr_get(t, X86_RAX, in->rs1);
        if (in->imm)
            x86_alu_ri(b, X86_ADD, 64, X86_RAX, in->imm);
        x86_alu_ri(b, X86_AND, 64, X86_RAX, -2);
        if (in->rd != 0) { /* ret and jr link nothing */
            x86_mov_ri(b, X86_RCX, t->pc + in->len);
            rv_tr_set(t, in->rd, X86_RCX);
        }
        count_all(t, t->index + 1);
        jump_indirect(t);
        return true;
    case RV_OP_ECALL:
        trap(t, in, RV_EXIT_ECALL);
        return true;
    case RV_OP_EBREAK:
        trap(t, in, RV_EXIT_EBREAK);
        return true;
    case RV_OP_ILLEGAL:
        trap(t, in, RV_EXIT_ILLEGAL);
        return true;
    case RV_OP_BEQ:
        branch(t, in, X86_CC_E);
        return true;
    case RV_OP_BNE:
        branch(t, in, X86_CC_NE);
        return true;
    case RV_OP_BLT:
        branch(t, in, X86_CC_L);
        return true;
    case RV_OP_BGE:
        branch(t, in, X86_CC_GE);
        return true;
    case RV_OP_BLTU:
        branch(t, in, X86_CC_B);
        return true;
    case RV_OP_BGEU:
        branch(t, in, X86_CC_AE);
        return true;
    case RV_OP_LB:
        load(t, in, 1, true);
        return true;
    case RV_OP_LH:
        load(t, in, 2, true);
        return true;
    case RV_OP_LW:
        load(t, in, 4, true);
        return true;
    case RV_OP_LD:
        load(t, in, 8, false);
        return true;
    case RV_OP_LBU:
        load(t, in, 1, false);
        return true;
    case RV_OP_LHU:
        load(t, in, 2, false);
        return true;
    case RV_OP_LWU:
        load(t, in, 4, false);
        return true;
    case RV_OP_SB:
        store(t, in, 1);
        return true;
    case RV_OP_SH:
        store(t, in, 2);
        return true;
    case RV_OP_SW:
        store(t, in, 4);
        return true;
    case RV_OP_SD:
        store(t, in, 8);
        return true;
    case RV_OP_ADDI:
        alu_ri(t, in, X86_ADD, 64);
        return true;
    case RV_OP_SLTI:
        set_less(t, in, true, X86_CC_L);
        return true;
    case RV_OP_SLTIU:
        set_less(t, in, true, X86_CC_B);
        return true;
    case RV_OP_XORI:
        alu_ri(t, in, X86_XOR, 64);
        return true;
    case RV_OP_ORI:
        alu_ri(t, in, X86_OR, 64);
        return true;
    case RV_OP_ANDI:
        alu_ri(t, in, X86_AND, 64);
        return true;
    case RV_OP_SLLI:
        shift_ri(t, in, X86_SHL, 64);
        return true;
    case RV_OP_SRLI:
        shift_ri(t, in, X86_SHR, 64);
        return true;
    case RV_OP_SRAI:
        shift_ri(t, in, X86_SAR, 64);
        return true;
    case RV_OP_ADD:
        alu_rr(t, in, X86_ADD, 64);
        return true;
    case RV_OP_SUB:
        alu_rr(t, in, X86_SUB, 64);
        return true;
    case RV_OP_SLL:
        shift_rr(t, in, X86_SHL, 64);
        return true;
    case RV_OP_SLT:
        set_less(t, in, false, X86_CC_L);
        return true;
    case RV_OP_SLTU:
        set_less(t, in, false, X86_CC_B);
        return true;
    case RV_OP_XOR:
        alu_rr(t, in, X86_XOR, 64);
        return true;
    case RV_OP_SRL:
        shift_rr(t, in, X86_SHR, 64);
        return true;
    case RV_OP_SRA:
        shift_rr(t, in, X86_SAR, 64);
        return true;
    case RV_OP_OR:
        alu_rr(t, in, X86_OR, 64);
        return true;
    case RV_OP_AND:
        alu_rr(t, in, X86_AND, 64);
        return true;
    case RV_OP_ADDIW:
        alu_ri(t, in, X86_ADD, 32);
        return true;
    case RV_OP_SLLIW:
        shift_ri(t, in, X86_SHL, 32);
        return true;
    case RV_OP_SRLIW:
        shift_ri(t, in, X86_SHR, 32);
        return true;
    case RV_OP_SRAIW:
        shift_ri(t, in, X86_SAR, 32);
        return true;
    case RV_OP_ADDW:
        alu_rr(t, in, X86_ADD, 32);
        return true;
    case RV_OP_SUBW:
        alu_rr(t, in, X86_SUB, 32);
        return true;
    case RV_OP_SLLW:
        shift_rr(t, in, X86_SHL, 32);
        return true;
    case RV_OP_SRLW:
        shift_rr(t, in, X86_SHR, 32);
        return true;
    case RV_OP_SRAW:
        shift_rr(t, in, X86_SAR, 32);
        return true;
    case RV_OP_FENCE: /* as the interpreter: a full barrier orders everything (spec 2.7) */
        x86_mfence(b);
        return true;
    default:
        if (rv_tr_muldiv(t, in) || rv_tr_fp(t, in) || rv_tr_amo(t, in) ||
            rv_tr_bitmanip(t, in))
            return true;
        /* AMO, CSR, Zba/Zbb, fence.i and what FP leaves: the interpreter's code, called */
        rv_tr_call_helper(t, in);
        return true;
    }
}

/* Translate in, the instruction at t->pc, and step t->pc past it. */
static void one(struct tr *t, const struct rv_insn *in)
{
    unsigned sites = t->nsite;
    t->cur = in;
    if (t->fpend && !fp_defers(in))
        fp_flush(t, t->fpend);
    else if ((in->op == RV_OP_FSD || in->op == RV_OP_FSW) && rv_tr_fpin[in->rs2] >= 0)
        fp_flush(t, t->fpend & (uint16_t)(1u << (rv_tr_fpin[in->rs2] - 4)));
    insn(t, in);
    if (rv_op_is_fp(in->op) && !writes_x(in->op) && rv_tr_fpin[in->rd] >= 0)
        t->fpend &= (uint16_t) ~(1u << (rv_tr_fpin[in->rd] - 4)); /* stores have rd 0 */
    t->fpend |= t->fpnew;
    t->fpnew = 0;
    if (writes_x(in->op)) /* S and B formats decode with rd 0 */
        inb_moved(t, in->rd, in->op == RV_OP_ADDI && in->rd == in->rs1, in->imm);
    for (unsigned k = sites; k < t->nsite; k++) {
        t->site_len[k] = t->b.len - t->site[k].start;
        t->site[k].len = t->site_len[k] & TR_SITE_LEN_MAX;
    }
    if (!keeps_mx_merged(in->op))
        t->mx_merged = false;
    t->pc += in->len;
}

enum rv_xlat_result rv_translate(struct x86_code *code, const struct rv_xstubs *st,
                                 struct rv_faultmap *faults, const struct rv_mem *mem,
                                 const struct rv_xlinks *links, struct rv_block *b)
{
    static _Thread_local uint8_t buf[BUF_MAX];
    static _Thread_local struct tr t;
    if (mem->size < 8)
        return RV_XLAT_NONE;
    uintptr_t origin = x86_code_next(code);
    if (!origin)
        return RV_XLAT_FULL;
    memset(&t, 0, offsetof(struct tr, cold));
    t.ncold = 0;
    t.nslow = 0;
    t.nsite = 0;
    t.pc = b->pc;
    t.blk = b;
    t.st = st;
    t.links = links;
    x86_buf_init(&t.b, buf, sizeof(buf));
    t.b.origin = origin;
    b->nchain = 0;
    b->in = NULL;
    b->loops = false;
    bool ended = false;
    for (uint32_t i = 0; i < b->n && !ended; i++) {
        const struct rv_insn *in = &b->insn[i];
        t.index = i;
        if (in->op == RV_OP_JAL && i + 1 < b->n) { /* the block goes on at the target */
            if (in->rd != 0) { /* j is jal x0: no link */
                x86_mov_ri(&t.b, rv_tr_dst(in->rd), t.pc + in->len);
                rv_tr_set(&t, in->rd, rv_tr_dst(in->rd));
                inb_moved(&t, in->rd, false, 0);
            }
            t.pc += (uint64_t)(int64_t)in->imm;
            continue;
        }
        one(&t, in);
        /* fence.i leaves through its helper; nothing after it is reached */
        ended = rv_op_ends_block(in->op) || in->op == RV_OP_JAL;
    }
    if (!ended) { /* ran into RV_BLOCK_MAX or an unfetchable instruction: fall through */
        fp_flush(&t, t.fpend);
        count_all(&t, b->n);
        chain_to(&t, t.pc);
    }
    cold_exits(&t);
    slow_paths(&t);
    if (t.b.overflow)
        return RV_XLAT_NONE;
    uint32_t at = (uint32_t)(origin - (uintptr_t)code->base);
    for (unsigned k = 0; k < t.nsite; k++) {
        t.site[k].start += at;
    }
    for (unsigned k = 0; k < t.nsite; k++) /* a length its field did not hold */
        if (t.site_len[k] > TR_SITE_LEN_MAX)
            return RV_XLAT_NONE;
    /* The sites first: code without them could fault where no site says what it was doing. */
    size_t had = faults->n;
    if (!rv_faultmap_add(faults, t.site, t.nsite))
        return RV_XLAT_NONE;
    struct rv_chain *into = links ? links->into : NULL;
    void *fn = NULL;
    if (into && !into->linked) {
        int32_t rel = (int32_t)((intptr_t)origin - (intptr_t)(into->site + 4));
        fn = x86_code_add_patch(code, buf, t.b.len, into->site, rel);
        if (!fn)
            into = NULL; /* too far away: linked later, on its own */
    }
    if (!fn)
        fn = x86_code_add(code, buf, t.b.len);
    if (!fn || (uintptr_t)fn != origin) {
        faults->n = had;
        /* the second cannot happen: x86_code_next said where it would go */
        return fn ? RV_XLAT_NONE : RV_XLAT_FULL;
    }
    b->host_code = fn;
    /* Only now that the code is there may a target's list point into it (unlink_into). */
    for (unsigned k = 0; k < b->nchain; k++) {
        struct rv_block *to = t.linked_to[k];
        if (to) {
            b->chain[k].linked = true;
            b->chain[k].next_in = to->in;
            to->in = &b->chain[k];
        }
    }
    if (into && !into->linked) {
        into->linked = true;
        into->next_in = b->in;
        b->in = into;
    }
    return RV_XLAT_OK;
}
