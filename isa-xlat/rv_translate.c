/* rv_translate: translates decoded riscv64 blocks (RV64I and M) to x86-64 functions. */
#include "isa-xlat/rv_translate.h"

/* Worst case per instruction is a memory access: about 80 bytes. */
#define BUF_MAX (RV_BLOCK_MAX * 128 + 256)

static void epilogue(struct tr *t)
{
    x86_pop(&t->b, X86_R13);
    x86_pop(&t->b, X86_R12);
    x86_pop(&t->b, X86_RBX);
    x86_ret(&t->b);
}

/* Make cpu->pc and cpu->instret describe the current instruction, before it can fault. */
static void sync_state(struct tr *t)
{
    if (t->pc <= INT32_MAX) {
        x86_store_imm32(&t->b, x86_m(TR_CPU, PC_OFF), (int32_t)t->pc);
    } else {
        x86_mov_ri(&t->b, X86_RAX, t->pc);
        x86_store(&t->b, 64, x86_m(TR_CPU, PC_OFF), X86_RAX);
    }
    if (t->index > t->synced)
        x86_alu_mi(&t->b, X86_ADD, x86_m(TR_CPU, INSTRET_OFF), (int32_t)(t->index - t->synced));
    t->synced = t->index;
}

/* rax = rs1 + imm, checked like rv_mem_host: the access of len bytes faults unless
 * addr <= size - len (size >= 8 is checked before translating). */
static void address(struct tr *t, const struct rv_insn *in, unsigned len, int reason)
{
    sync_state(t);
    rv_tr_get(t, X86_RAX, in->rs1);
    if (in->imm)
        x86_alu_ri(&t->b, X86_ADD, 64, X86_RAX, in->imm);
    x86_lea(&t->b, X86_RDX, x86_m(TR_SIZE, -(int32_t)len));
    x86_alu_rr(&t->b, X86_CMP, 64, X86_RAX, X86_RDX);
    size_t ok = x86_jcc(&t->b, X86_CC_BE, -1);
    x86_mov_rr(&t->b, 64, X86_RDX, X86_RAX);
    x86_mov_ri(&t->b, X86_RAX, (uint64_t)t->index << 8 | (unsigned)reason);
    epilogue(t);
    x86_patch(&t->b, ok);
}

static void load(struct tr *t, const struct rv_insn *in, unsigned len, bool sign)
{
    address(t, in, len, RV_EXIT_LOAD_FAULT);
    struct x86_mem m = x86_mi(TR_BASE, X86_RAX, 0);
    if (len == 8)
        x86_load(&t->b, 64, X86_RCX, m);
    else if (len == 4 && !sign)
        x86_load(&t->b, 32, X86_RCX, m); /* zero-extends */
    else if (sign)
        x86_movsx_rm(&t->b, 64, (int)len * 8, X86_RCX, m);
    else
        x86_movzx_rm(&t->b, (int)len * 8, X86_RCX, m);
    rv_tr_set(t, in->rd, X86_RCX);
}

static void store(struct tr *t, const struct rv_insn *in, unsigned len)
{
    address(t, in, len, RV_EXIT_STORE_FAULT);
    rv_tr_get(t, X86_RCX, in->rs2);
    x86_store(&t->b, (int)len * 8, x86_mi(TR_BASE, X86_RAX, 0), X86_RCX);
}

/* rd = op(rs1, rs2) on 64 or 32 bits; W results are sign-extended (spec 4.2.1). */
static void alu_rr(struct tr *t, const struct rv_insn *in, enum x86_alu op, int bits)
{
    rv_tr_get(t, X86_RAX, in->rs1);
    rv_tr_get(t, X86_RCX, in->rs2);
    x86_alu_rr(&t->b, op, bits, X86_RAX, X86_RCX);
    if (bits == 32)
        x86_movsx_rr(&t->b, 64, 32, X86_RAX, X86_RAX);
    rv_tr_set(t, in->rd, X86_RAX);
}

static void alu_ri(struct tr *t, const struct rv_insn *in, enum x86_alu op, int bits)
{
    rv_tr_get(t, X86_RAX, in->rs1);
    x86_alu_ri(&t->b, op, bits, X86_RAX, in->imm);
    if (bits == 32)
        x86_movsx_rr(&t->b, 64, 32, X86_RAX, X86_RAX);
    rv_tr_set(t, in->rd, X86_RAX);
}

/* x86 masks a shift count in cl to 6 bits (5 for 32-bit operands), exactly the rs2[5:0] and
 * rs2[4:0] of SLL and SLLW (spec 4.2.2; SDM vol. 2, "SAL/SAR/SHL/SHR"). */
static void shift_rr(struct tr *t, const struct rv_insn *in, enum x86_shift op, int bits)
{
    rv_tr_get(t, X86_RAX, in->rs1);
    rv_tr_get(t, X86_RCX, in->rs2);
    x86_shift_cl(&t->b, op, bits, X86_RAX);
    if (bits == 32)
        x86_movsx_rr(&t->b, 64, 32, X86_RAX, X86_RAX);
    rv_tr_set(t, in->rd, X86_RAX);
}

static void shift_ri(struct tr *t, const struct rv_insn *in, enum x86_shift op, int bits)
{
    rv_tr_get(t, X86_RAX, in->rs1);
    x86_shift_ri(&t->b, op, bits, X86_RAX, (uint8_t)in->imm);
    if (bits == 32)
        x86_movsx_rr(&t->b, 64, 32, X86_RAX, X86_RAX);
    rv_tr_set(t, in->rd, X86_RAX);
}

static void set_less(struct tr *t, const struct rv_insn *in, bool imm, enum x86_cc cc)
{
    rv_tr_get(t, X86_RAX, in->rs1);
    if (imm) { /* the immediate is sign-extended, then compared signed or unsigned (2.4.1) */
        x86_alu_ri(&t->b, X86_CMP, 64, X86_RAX, in->imm);
    } else {
        rv_tr_get(t, X86_RCX, in->rs2);
        x86_alu_rr(&t->b, X86_CMP, 64, X86_RAX, X86_RCX);
    }
    x86_setcc(&t->b, cc, X86_RAX);
    x86_movzx_rr(&t->b, 8, X86_RAX, X86_RAX);
    rv_tr_set(t, in->rd, X86_RAX);
}

/* A conditional branch ends the block with rax = the next pc. */
static void branch(struct tr *t, const struct rv_insn *in, enum x86_cc cc)
{
    rv_tr_get(t, X86_RAX, in->rs1);
    rv_tr_get(t, X86_RCX, in->rs2);
    x86_alu_rr(&t->b, X86_CMP, 64, X86_RAX, X86_RCX);
    /* MOV leaves the flags alone (SDM vol. 2, "MOV": flags affected: none). */
    x86_mov_ri(&t->b, X86_RAX, t->pc + in->len);
    x86_mov_ri(&t->b, X86_RDX, t->pc + (uint64_t)(int64_t)in->imm);
    x86_cmov(&t->b, cc, 64, X86_RAX, X86_RDX);
}

/* Translate one instruction; false when it is not of the handled subset. Control transfers
 * leave the next pc in rax. */
static bool insn(struct tr *t, const struct rv_insn *in)
{
    struct x86_buf *b = &t->b;
    switch ((enum rv_op)in->op) {
    case RV_OP_LUI:
        x86_mov_ri(b, X86_RAX, (uint64_t)(int64_t)in->imm);
        rv_tr_set(t, in->rd, X86_RAX);
        return true;
    case RV_OP_AUIPC:
        x86_mov_ri(b, X86_RAX, t->pc + (uint64_t)(int64_t)in->imm);
        rv_tr_set(t, in->rd, X86_RAX);
        return true;
    case RV_OP_JAL:
        x86_mov_ri(b, X86_RAX, t->pc + in->len);
        rv_tr_set(t, in->rd, X86_RAX);
        x86_mov_ri(b, X86_RAX, t->pc + (uint64_t)(int64_t)in->imm);
        return true;
    case RV_OP_JALR: /* the target uses the old rs1, and its bit 0 is cleared (spec 2.5) */
        rv_tr_get(t, X86_RAX, in->rs1);
        if (in->imm)
            x86_alu_ri(b, X86_ADD, 64, X86_RAX, in->imm);
        x86_alu_ri(b, X86_AND, 64, X86_RAX, -2);
        x86_mov_ri(b, X86_RCX, t->pc + in->len);
        rv_tr_set(t, in->rd, X86_RCX);
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
        /* M, or false: FP, AMO, CSR, Zba/Zbb and system ops are left to the interpreter */
        return rv_tr_muldiv(t, in);
    }
}

static bool ends_with_jump(unsigned op)
{
    return op == RV_OP_JAL || op == RV_OP_JALR || (op >= RV_OP_BEQ && op <= RV_OP_BGEU);
}

enum rv_xlat_result rv_translate(struct x86_code *code, const struct rv_mem *mem,
                                 struct rv_block *b)
{
    uint8_t buf[BUF_MAX];
    struct tr t = {.pc = b->pc};
    x86_buf_init(&t.b, buf, sizeof(buf));
    if (mem->size < 8)
        return RV_XLAT_NONE;
    x86_push(&t.b, X86_RBX);
    x86_push(&t.b, X86_R12);
    x86_push(&t.b, X86_R13);
    x86_mov_rr(&t.b, 64, TR_CPU, X86_RDI);
    x86_mov_rr(&t.b, 64, TR_BASE, X86_RSI);
    x86_mov_rr(&t.b, 64, TR_SIZE, X86_RDX);
    /* The longest prefix of handled instructions; the rest of the block runs in the
     * interpreter from the pc this code returns. */
    uint32_t i = 0;
    bool jumped = false;
    for (; i < b->n; i++) {
        const struct rv_insn *in = &b->insn[i];
        t.index = i;
        if (!insn(&t, in))
            break;
        t.pc += in->len;
        if (ends_with_jump(in->op)) {
            jumped = true;
            i++;
            break;
        }
    }
    if (i == 0)
        return RV_XLAT_NONE;
    if (!jumped)
        x86_mov_ri(&t.b, X86_RAX, t.pc);
    x86_store(&t.b, 64, x86_m(TR_CPU, PC_OFF), X86_RAX);
    if (i > t.synced)
        x86_alu_mi(&t.b, X86_ADD, x86_m(TR_CPU, INSTRET_OFF), (int32_t)(i - t.synced));
    x86_alu_rr(&t.b, X86_XOR, 32, X86_RAX, X86_RAX);
    epilogue(&t);
    if (t.b.overflow)
        return RV_XLAT_NONE;
    void *fn = x86_code_add(code, buf, t.b.len);
    if (!fn)
        return RV_XLAT_FULL;
    b->host_code = fn;
    return RV_XLAT_OK;
}

struct rv_xret {
    uint64_t code, addr;
};
typedef struct rv_xret (*rv_host_fn)(struct rv_cpu *cpu, uint8_t *base, uint64_t size);

int rv_xlat_exec(struct rv_cpu *cpu, struct rv_mem *mem, const struct rv_block *b,
                 struct rv_exit *ex)
{
    rv_host_fn fn;
    memcpy(&fn, &b->host_code, sizeof(fn));
    struct rv_xret r = fn(cpu, mem->base, mem->size);
    if (r.code == 0)
        return 0;
    return rv_trap(ex, (enum rv_exit_reason)(r.code & 0xff), cpu->pc, r.addr,
                   &b->insn[r.code >> 8]);
}
