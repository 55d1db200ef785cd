/* rv_csr: Zicsr for the user-level CSRs (fflags, frm, fcsr, cycle, time, instret). */
#include "isa-xlat/rv_internal.h"

#include <time.h>

enum {
    CSR_FFLAGS = 0x001,
    CSR_FRM = 0x002,
    CSR_FCSR = 0x003,
    CSR_CYCLE = 0xc00,
    CSR_TIME = 0xc01,
    CSR_INSTRET = 0xc02,
};

/* The time CSR counts at the platform's timebase. 10 MHz is the common riscv64 virtual
 * platform's; whatever reports the timebase to the guest must say the same. */
#define RV_TIMEBASE_HZ 10000000ull

static uint64_t read_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * RV_TIMEBASE_HZ +
           (uint64_t)ts.tv_nsec / (1000000000ull / RV_TIMEBASE_HZ);
}

int rv_exec_csr(struct rv_cpu *cpu, const struct rv_insn *in, uint64_t pc, struct rv_exit *ex)
{
    unsigned csr = (unsigned)in->imm & 0xfff;
    bool imm_form = in->op >= RV_OP_CSRRWI;
    uint64_t src = imm_form ? in->rs1 : cpu->x[in->rs1];
    /* 0 write, 1 set, 2 clear */
    unsigned kind = (unsigned)(in->op - (imm_form ? RV_OP_CSRRWI : RV_OP_CSRRW));
    /* csrrs/csrrc with x0 or uimm 0 do not write (spec 7.1), so they may read read-only CSRs. */
    bool writes = kind == 0 || in->rs1 != 0;
    uint64_t old;
    switch (csr) {
    case CSR_FFLAGS:
        old = cpu->fflags;
        break;
    case CSR_FRM:
        old = cpu->frm;
        break;
    case CSR_FCSR:
        old = cpu->frm << 5 | cpu->fflags;
        break;
    case CSR_CYCLE:
    case CSR_INSTRET:
        old = cpu->instret;
        break;
    case CSR_TIME:
        old = read_time();
        break;
    default:
        return rv_trap(ex, RV_EXIT_ILLEGAL, pc, 0, in);
    }
    if (writes) {
        /* csr[11:10] == 3 marks a read-only CSR: writing it is illegal (privileged spec 2.1). */
        if ((csr >> 10) == 3)
            return rv_trap(ex, RV_EXIT_ILLEGAL, pc, 0, in);
        uint64_t v = kind == 0 ? src : kind == 1 ? old | src : old & ~src;
        switch (csr) {
        case CSR_FFLAGS:
            cpu->fflags = (uint32_t)v & 0x1f;
            break;
        case CSR_FRM:
            cpu->frm = (uint32_t)v & 7;
            break;
        case CSR_FCSR:
            cpu->fflags = (uint32_t)v & 0x1f;
            cpu->frm = (uint32_t)(v >> 5) & 7;
            break;
        }
    }
    cpu->x[in->rd] = old;
    return 0;
}
