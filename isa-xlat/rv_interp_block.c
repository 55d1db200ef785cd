/* rv_interp_block: the interpreter's loop over one decoded block, in threaded code: each common
 * instruction ends in a dispatch of its own to the next one, whose indirect jump the host
 * predicts from where it stands; the rest run through rv_exec_one. */
#include "isa-xlat/rv_internal.h"

#define X(r) (cpu->x[(r)])
#define SX32(v) ((uint64_t)(int64_t)(int32_t)(uint32_t)(v))
#define IMM ((uint64_t)(int64_t)in->imm)

/* The semantics are rv_interp.c's step(), which tests compare the translator against; this loop
 * only dispatches differently. cpu->pc and cpu->instret are stored where something can look at
 * them: before a guest access (a host fault reports them), before the helper, at the end. */
#if defined(__GNUC__) && !defined(__clang__)
/* GCC would otherwise merge the dispatches back into one (cross-jumping), and with them the
 * branch history that makes each predictable. */
__attribute__((optimize("no-crossjumping", "no-gcse")))
#endif
int rv_interp_block(struct rv_cpu *cpu, struct rv_mem *mem, const struct rv_block *b,
                    struct rv_exit *ex)
{
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
    /* clang-format off */
    static const void *const go[RV_OP_COUNT] = {
        [0 ... RV_OP_COUNT - 1] = &&other,
        [RV_OP_FLW ... RV_OP_FCVT_D_S] = &&fp,
        [RV_OP_FLD] = &&fld,
        [RV_OP_FSD] = &&fsd,
        [RV_OP_LUI] = &&lui,     [RV_OP_AUIPC] = &&auipc, [RV_OP_JAL] = &&jal,
        [RV_OP_JALR] = &&jalr,   [RV_OP_BEQ] = &&beq,     [RV_OP_BNE] = &&bne,
        [RV_OP_BLT] = &&blt,     [RV_OP_BGE] = &&bge,     [RV_OP_BLTU] = &&bltu,
        [RV_OP_BGEU] = &&bgeu,   [RV_OP_LB] = &&lb,       [RV_OP_LH] = &&lh,
        [RV_OP_LW] = &&lw,       [RV_OP_LD] = &&ld,       [RV_OP_LBU] = &&lbu,
        [RV_OP_LHU] = &&lhu,     [RV_OP_LWU] = &&lwu,     [RV_OP_SB] = &&sb,
        [RV_OP_SH] = &&sh,       [RV_OP_SW] = &&sw,       [RV_OP_SD] = &&sd,
        [RV_OP_ADDI] = &&addi,   [RV_OP_SLTI] = &&slti,   [RV_OP_SLTIU] = &&sltiu,
        [RV_OP_XORI] = &&xori,   [RV_OP_ORI] = &&ori,     [RV_OP_ANDI] = &&andi,
        [RV_OP_SLLI] = &&slli,   [RV_OP_SRLI] = &&srli,   [RV_OP_SRAI] = &&srai,
        [RV_OP_ADD] = &&add,     [RV_OP_SUB] = &&sub,     [RV_OP_SLL] = &&sll,
        [RV_OP_SLT] = &&slt,     [RV_OP_SLTU] = &&sltu,   [RV_OP_XOR] = &&xor_,
        [RV_OP_SRL] = &&srl,     [RV_OP_SRA] = &&sra,     [RV_OP_OR] = &&or_,
        [RV_OP_AND] = &&and_,    [RV_OP_ADDIW] = &&addiw, [RV_OP_SLLIW] = &&slliw,
        [RV_OP_SRLIW] = &&srliw, [RV_OP_SRAIW] = &&sraiw, [RV_OP_ADDW] = &&addw,
        [RV_OP_SUBW] = &&subw,   [RV_OP_SLLW] = &&sllw,   [RV_OP_SRLW] = &&srlw,
        [RV_OP_SRAW] = &&sraw,   [RV_OP_MUL] = &&mul,     [RV_OP_MULW] = &&mulw,
    };
    /* clang-format on */
#pragma GCC diagnostic pop
    const struct rv_insn *in = b->insn, *const end = b->insn + b->n;
    uint64_t pc = b->pc, ir = cpu->instret;
    uint8_t *const base = mem->base;
    const uint64_t size = mem->size;
    int r;

/* Writes to x0 are discarded (spec 2.1); one instruction retires. */
#define NEXT_AT(target)                                                                            \
    do {                                                                                           \
        X(0) = 0;                                                                                  \
        ir++;                                                                                      \
        pc = (target);                                                                             \
        if (++in == end)                                                                           \
            goto done;                                                                             \
        goto *go[in->op];                                                                          \
    } while (0)
#define NEXT() NEXT_AT(pc + in->len)
#define OP(label, expr)                                                                            \
    label:                                                                                         \
    X(in->rd) = (expr);                                                                            \
    NEXT()
#define BRANCH(label, cond)                                                                        \
    label:                                                                                         \
    NEXT_AT((cond) ? pc + IMM : pc + in->len)
/* Any alignment; every byte inside guest memory (as rv_mem_host checks it). */
#define ACCESS(type, kind)                                                                         \
    uint64_t a_ = X(in->rs1) + IMM;                                                                \
    cpu->pc = pc;                                                                                  \
    cpu->instret = ir;                                                                             \
    if (__builtin_expect(a_ > size || sizeof(type) > size - a_, 0))                                \
        return rv_trap(ex, kind, pc, a_, in)
#define LOAD(label, type, conv)                                                                    \
    label : {                                                                                      \
        ACCESS(type, RV_EXIT_LOAD_FAULT);                                                          \
        type v_;                                                                                   \
        memcpy(&v_, base + a_, sizeof(v_));                                                        \
        X(in->rd) = (conv)v_;                                                                      \
        NEXT();                                                                                    \
    }
#define STORE(label, type)                                                                         \
    label : {                                                                                      \
        ACCESS(type, RV_EXIT_STORE_FAULT);                                                         \
        type v_ = (type)X(in->rs2);                                                                \
        memcpy(base + a_, &v_, sizeof(v_));                                                        \
        NEXT();                                                                                    \
    }
#define S1 X(in->rs1)
#define S2 X(in->rs2)

    if (in == end)
        goto done;
    goto *go[in->op];

    OP(lui, IMM);
    OP(auipc, pc + IMM);
jal : {
    uint64_t t = pc + IMM;
    X(in->rd) = pc + in->len;
    NEXT_AT(t);
}
jalr : { /* the target from the old rs1, which rd may overwrite (spec 2.5) */
    uint64_t t = (S1 + IMM) & ~(uint64_t)1;
    X(in->rd) = pc + in->len;
    NEXT_AT(t);
}
    BRANCH(beq, S1 == S2);
    BRANCH(bne, S1 != S2);
    BRANCH(blt, (int64_t)S1 < (int64_t)S2);
    BRANCH(bge, (int64_t)S1 >= (int64_t)S2);
    BRANCH(bltu, S1 < S2);
    BRANCH(bgeu, S1 >= S2);
    LOAD(lb, int8_t, int64_t);
    LOAD(lh, int16_t, int64_t);
    LOAD(lw, int32_t, int64_t);
    LOAD(ld, uint64_t, uint64_t);
    LOAD(lbu, uint8_t, uint64_t);
    LOAD(lhu, uint16_t, uint64_t);
    LOAD(lwu, uint32_t, uint64_t);
    STORE(sb, uint8_t);
    STORE(sh, uint16_t);
    STORE(sw, uint32_t);
    STORE(sd, uint64_t);
    OP(addi, S1 + IMM);
    OP(slti, (int64_t)S1 < (int64_t)IMM);
    OP(sltiu, S1 < IMM);
    OP(xori, S1 ^ IMM);
    OP(ori, S1 | IMM);
    OP(andi, S1 & IMM);
    OP(slli, S1 << in->imm);
    OP(srli, S1 >> in->imm);
    OP(srai, (uint64_t)((int64_t)S1 >> in->imm));
    OP(add, S1 + S2);
    OP(sub, S1 - S2);
    OP(sll, S1 << (S2 & 63)); /* shamt is rs2[5:0] (spec 4.2.2) */
    OP(slt, (int64_t)S1 < (int64_t)S2);
    OP(sltu, S1 < S2);
    OP(xor_, S1 ^ S2);
    OP(srl, S1 >> (S2 & 63));
    OP(sra, (uint64_t)((int64_t)S1 >> (S2 & 63)));
    OP(or_, S1 | S2);
    OP(and_, S1 & S2);
    /* W forms work on the low 32 bits and sign-extend the 32-bit result (spec 4.2). */
    OP(addiw, SX32(S1 + IMM));
    OP(slliw, SX32((uint32_t)S1 << in->imm));
    OP(srliw, SX32((uint32_t)S1 >> in->imm));
    OP(sraiw, SX32((int32_t)S1 >> in->imm));
    OP(addw, SX32(S1 + S2));
    OP(subw, SX32(S1 - S2));
    OP(sllw, SX32((uint32_t)S1 << (S2 & 31)));
    OP(srlw, SX32((uint32_t)S1 >> (S2 & 31)));
    OP(sraw, SX32((int32_t)S1 >> (S2 & 31)));
    OP(mul, S1 * S2);
    OP(mulw, SX32((uint32_t)S1 * (uint32_t)S2));
fld : { /* the 64 bits as they are: a double needs no NaN-boxing */
    ACCESS(uint64_t, RV_EXIT_LOAD_FAULT);
    memcpy(&cpu->f[in->rd], base + a_, 8);
    NEXT();
}
fsd : {
    ACCESS(uint64_t, RV_EXIT_STORE_FAULT);
    memcpy(base + a_, &cpu->f[in->rs2], 8);
    NEXT();
}
fp:
    cpu->pc = pc;
    cpu->instret = ir;
    if ((r = rv_exec_fp(cpu, mem, in, pc, ex)) != 0)
        return r;
    NEXT();
other:
    /* Everything else goes on to the next instruction unless it leaves (fence.i, traps). */
    cpu->pc = pc;
    cpu->instret = ir;
    if ((r = rv_exec_one(cpu, mem, in, pc, ex)) != 0)
        return r;
    ir = cpu->instret;
    NEXT();
done:
    cpu->pc = pc;
    cpu->instret = ir;
    return 0;
}
