/* rv_decode_c: 16-bit RVC instructions (RV64 C, with the F/D loads and stores) to rv_insn. */
#include "isa-xlat/rv_internal.h"

#define B(h, hi, lo) ((uint32_t)(((h) >> (lo)) & ((1u << ((hi) - (lo) + 1)) - 1)))

/* Sign-extend the low n bits of v. */
static int32_t sext(uint32_t v, unsigned n)
{
    uint32_t m = 1u << (n - 1);
    return (int32_t)(((v & ((m << 1) - 1)) ^ m) - m);
}

static void set(struct rv_insn *d, unsigned op, unsigned rd, unsigned rs1, unsigned rs2,
                int32_t imm)
{
    d->op = (uint16_t)op;
    d->rd = (uint8_t)rd;
    d->rs1 = (uint8_t)rs1;
    d->rs2 = (uint8_t)rs2;
    d->imm = imm;
}

/* Quadrant 0: stack-pointer-based addi and the register-based loads and stores (spec 16.3-16.5). */
static void quadrant0(uint16_t h, struct rv_insn *d)
{
    unsigned rd = 8 + B(h, 4, 2), rs1 = 8 + B(h, 9, 7);
    uint32_t off8 = B(h, 12, 10) << 3 | B(h, 6, 5) << 6; /* c.ld / c.sd / c.fld / c.fsd */
    uint32_t off4 = B(h, 12, 10) << 3 | B(h, 6, 6) << 2 | B(h, 5, 5) << 6; /* c.lw / c.sw */
    switch (B(h, 15, 13)) {
    case 0: {
        uint32_t nz = B(h, 12, 11) << 4 | B(h, 10, 7) << 6 | B(h, 6, 6) << 2 | B(h, 5, 5) << 3;
        if (nz != 0) /* nzuimm == 0 is reserved (and covers the all-zero word) */
            set(d, RV_OP_ADDI, rd, 2, 0, (int32_t)nz);
        return;
    }
    case 1:
        set(d, RV_OP_FLD, rd, rs1, 0, (int32_t)off8);
        return;
    case 2:
        set(d, RV_OP_LW, rd, rs1, 0, (int32_t)off4);
        return;
    case 3:
        set(d, RV_OP_LD, rd, rs1, 0, (int32_t)off8);
        return;
    case 5:
        set(d, RV_OP_FSD, 0, rs1, rd, (int32_t)off8);
        return;
    case 6:
        set(d, RV_OP_SW, 0, rs1, rd, (int32_t)off4);
        return;
    case 7:
        set(d, RV_OP_SD, 0, rs1, rd, (int32_t)off8);
        return;
    }
}

static void quadrant1(uint16_t h, struct rv_insn *d)
{
    unsigned rd = B(h, 11, 7), rdp = 8 + B(h, 9, 7), rs2p = 8 + B(h, 4, 2);
    int32_t imm6 = sext(B(h, 12, 12) << 5 | B(h, 6, 2), 6);
    switch (B(h, 15, 13)) {
    case 0:
        set(d, RV_OP_ADDI, rd, rd, 0, imm6);
        return; /* c.nop and HINTs included */
    case 1:
        if (rd != 0) /* c.addiw with rd == 0 is reserved */
            set(d, RV_OP_ADDIW, rd, rd, 0, imm6);
        return;
    case 2:
        set(d, RV_OP_ADDI, rd, 0, 0, imm6);
        return; /* c.li */
    case 3:
        if (rd == 2) {
            int32_t nz = sext(B(h, 12, 12) << 9 | B(h, 6, 6) << 4 | B(h, 5, 5) << 6 |
                                  B(h, 4, 3) << 7 | B(h, 2, 2) << 5,
                              10);
            if (nz != 0)
                set(d, RV_OP_ADDI, 2, 2, 0, nz); /* c.addi16sp */
        } else if (imm6 != 0) {
            set(d, RV_OP_LUI, rd, 0, 0, (int32_t)((uint32_t)imm6 << 12)); /* c.lui */
        }
        return;
    case 4: {
        uint32_t shamt = B(h, 12, 12) << 5 | B(h, 6, 2);
        switch (B(h, 11, 10)) {
        case 0:
            set(d, RV_OP_SRLI, rdp, rdp, 0, (int32_t)shamt);
            return;
        case 1:
            set(d, RV_OP_SRAI, rdp, rdp, 0, (int32_t)shamt);
            return;
        case 2:
            set(d, RV_OP_ANDI, rdp, rdp, 0, imm6);
            return;
        }
        static const uint16_t alu[8] = {RV_OP_SUB,  RV_OP_XOR,  RV_OP_OR, RV_OP_AND,
                                        RV_OP_SUBW, RV_OP_ADDW, 0,        0};
        unsigned op = alu[B(h, 12, 12) << 2 | B(h, 6, 5)];
        if (op != 0)
            set(d, op, rdp, rdp, rs2p, 0);
        return;
    }
    case 5: {
        uint32_t j = B(h, 12, 12) << 11 | B(h, 11, 11) << 4 | B(h, 10, 9) << 8 | B(h, 8, 8) << 10 |
                     B(h, 7, 7) << 6 | B(h, 6, 6) << 7 | B(h, 5, 3) << 1 | B(h, 2, 2) << 5;
        set(d, RV_OP_JAL, 0, 0, 0, sext(j, 12));
        return;
    }
    default: { /* 6: c.beqz, 7: c.bnez */
        uint32_t b = B(h, 12, 12) << 8 | B(h, 11, 10) << 3 | B(h, 6, 5) << 6 | B(h, 4, 3) << 1 |
                     B(h, 2, 2) << 5;
        set(d, B(h, 13, 13) ? RV_OP_BNE : RV_OP_BEQ, 0, rdp, 0, sext(b, 9));
        return;
    }
    }
}

static void quadrant2(uint16_t h, struct rv_insn *d)
{
    unsigned rd = B(h, 11, 7), rs2 = B(h, 6, 2);
    uint32_t ld8 = B(h, 12, 12) << 5 | B(h, 6, 5) << 3 | B(h, 4, 2) << 6;
    uint32_t ld4 = B(h, 12, 12) << 5 | B(h, 6, 4) << 2 | B(h, 3, 2) << 6;
    uint32_t st8 = B(h, 12, 10) << 3 | B(h, 9, 7) << 6;
    uint32_t st4 = B(h, 12, 9) << 2 | B(h, 8, 7) << 6;
    switch (B(h, 15, 13)) {
    case 0:
        set(d, RV_OP_SLLI, rd, rd, 0, (int32_t)(B(h, 12, 12) << 5 | rs2));
        return;
    case 1:
        set(d, RV_OP_FLD, rd, 2, 0, (int32_t)ld8);
        return;
    case 2:
        if (rd != 0) /* c.lwsp with rd == 0 is reserved */
            set(d, RV_OP_LW, rd, 2, 0, (int32_t)ld4);
        return;
    case 3:
        if (rd != 0)
            set(d, RV_OP_LD, rd, 2, 0, (int32_t)ld8);
        return;
    case 4:
        if (!B(h, 12, 12)) {
            if (rs2 == 0) {
                if (rd != 0) /* c.jr with rs1 == 0 is reserved */
                    set(d, RV_OP_JALR, 0, rd, 0, 0);
            } else {
                set(d, RV_OP_ADD, rd, 0, rs2, 0); /* c.mv */
            }
        } else if (rs2 == 0) {
            if (rd == 0)
                set(d, RV_OP_EBREAK, 0, 0, 0, 0);
            else
                set(d, RV_OP_JALR, 1, rd, 0, 0); /* c.jalr */
        } else {
            set(d, RV_OP_ADD, rd, rd, rs2, 0);
        }
        return;
    case 5:
        set(d, RV_OP_FSD, 0, 2, rs2, (int32_t)st8);
        return;
    case 6:
        set(d, RV_OP_SW, 0, 2, rs2, (int32_t)st4);
        return;
    case 7:
        set(d, RV_OP_SD, 0, 2, rs2, (int32_t)st8);
        return;
    }
}

void rv_decode16(uint16_t h, struct rv_insn *d)
{
    memset(d, 0, sizeof(*d));
    d->len = 2;
    d->raw = h;
    d->op = RV_OP_ILLEGAL;
    switch (h & 3) {
    case 0:
        quadrant0(h, d);
        break;
    case 1:
        quadrant1(h, d);
        break;
    case 2:
        quadrant2(h, d);
        break;
    }
    if (d->op == RV_OP_ILLEGAL)
        d->imm = 0;
}
