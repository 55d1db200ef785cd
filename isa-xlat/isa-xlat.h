/* isa-xlat: riscv64 (RV64GC user mode) guest state, guest memory, decoder and interpreter. */
#ifndef VIV_ISA_XLAT_H
#define VIV_ISA_XLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Guest state -------------------------------------------------------------------------- */

struct rv_cpu;
struct rv_jcache;
struct rv_mem;
struct rv_exit;
/* What translated code shares with the C around it for one run (rv_cache_exec, rv_translate.h).
 * Not architectural state: set up at the start of every run. */
struct rv_xframe {
    struct rv_cpu *cpu;
    uint8_t *base;
    uint64_t last[4];         /* the last guest address an access of 1, 2, 4, 8 bytes may use */
    struct rv_jcache *jcache; /* guest pc -> host code, for indirect jumps */
    struct rv_mem *mem;       /* for the helpers */
    struct rv_exit *ex;
    uint64_t kind, addr; /* what the exit stub was given */
    const void *ptr;
    uint32_t mx_host, mx_guest; /* MXCSR outside and inside translated code */
    uint32_t mx_out, mx_seen;   /* MXCSR at the exit; its flags last merged into cpu->fflags */
    uint32_t mx_tmp;
    uint32_t mx_flags; /* mx_seen's flags as fflags bits */
};

/* One hart's architectural state. Plain data: the signal layer copies it into and out of a
 * riscv64 ucontext; a translator addresses the fields by offset. */
struct rv_cpu {
    uint64_t x[32]; /* x[0] reads as 0 whatever is stored there */
    uint64_t f[32]; /* raw 64-bit FLEN registers; singles are NaN-boxed (upper 32 bits all 1) */
    uint64_t pc;
    uint32_t fflags; /* fcsr[4:0]: NV DZ OF UF NX, accrued (spec 11.2) */
    uint32_t frm;    /* fcsr[7:5]: dynamic rounding mode; 5..7 make dynamic-rm ops illegal */
    /* LR/SC reservation: SC succeeds iff the word still holds the value LR read (compare-and-swap
     * on the host, so it is atomic against other host threads running other harts). */
    uint64_t resv_addr;
    uint64_t resv_value;
    uint8_t resv_size; /* 0: no reservation, 4 or 8 */
    uint64_t instret;  /* retired instructions; the cycle CSR reads the same count */
    int stop;          /* set with rv_request_stop from any thread or a signal handler */
    /* Translated code leaves at its next loop edge once instret reaches this: the run's
     * instruction limit, or 0 from rv_request_stop and from rv_invalidate in another thread, so
     * that one compare checks all three. Not architectural state. */
    uint64_t run_limit;
    /* In the cpu, so that translated code reaches it from the register that holds the cpu and
     * has one more register for a guest one. */
    struct rv_xframe xf;
};

/* fflags bits (spec 11.2, table "accrued exception flag encoding"). */
enum { RV_FF_NX = 1, RV_FF_UF = 2, RV_FF_OF = 4, RV_FF_DZ = 8, RV_FF_NV = 16 };
/* Rounding modes (spec 11.2): RNE RTZ RDN RUP RMM; 7 in an instruction means "use frm". */
enum { RV_RNE = 0, RV_RTZ = 1, RV_RDN = 2, RV_RUP = 3, RV_RMM = 4, RV_DYN = 7 };

/* Reset x, f, fcsr and the reservation; pc = entry. */
void rv_cpu_init(struct rv_cpu *cpu, uint64_t entry);
/* Ask rv_run to return RV_EXIT_STOP before the next block (async-signal-safe). */
void rv_request_stop(struct rv_cpu *cpu);

/* ---- Guest memory ------------------------------------------------------------------------- */

/* Guest address g lives at host address base + g for 0 <= g < size; anything else faults with
 * the guest address reported. Within [0, size) the host protections of the mapping apply (a
 * PROT_NONE page raises a host SIGSEGV; the interpreter keeps cpu->pc at the instruction doing
 * the access so a host handler can report it precisely). One rv_mem is shared by every thread
 * of a guest process; it also carries the log of code invalidations those threads observe. */
#define RV_INVAL_LOG 16
/* A hart that runs over an rv_mem, which rv_invalidate tells to leave translated code
 * (cpu->run_limit). */
struct rv_running {
    struct rv_cpu *cpu;
    struct rv_running *next, **pprev;
};
struct rv_mem {
    uint8_t *base;
    uint64_t size;
    uint64_t inval_epoch; /* atomic: number of rv_invalidate calls so far */
    int inval_lock;       /* atomic spin lock serialising writers of the log and of running */
    struct {
        uint64_t lo, hi; /* guest range [lo, hi) */
    } inval_log[RV_INVAL_LOG];
    struct rv_running *running; /* the harts that run over it (one per rv_cache) */
};

void rv_mem_init(struct rv_mem *mem, void *base, uint64_t size);
/* Host pointer for guest [addr, addr+len), or NULL when any byte lies outside [0, size). */
void *rv_mem_host(const struct rv_mem *mem, uint64_t addr, uint64_t len);
/* Guest code in [addr, addr+len) changed or went away (munmap, mprotect, riscv_flush_icache,
 * a loaded library): every thread drops its decoded blocks overlapping it before its next
 * block. Thread-safe; len UINT64_MAX means everything. */
void rv_invalidate(struct rv_mem *mem, uint64_t addr, uint64_t len);

/* ---- Decoded instructions ----------------------------------------------------------------- */

/* clang-format off */
#define RV_OPS(X)                                                                                  \
    X(ILLEGAL) X(LUI) X(AUIPC) X(JAL) X(JALR) X(BEQ) X(BNE) X(BLT) X(BGE) X(BLTU) X(BGEU)          \
    X(LB) X(LH) X(LW) X(LD) X(LBU) X(LHU) X(LWU) X(SB) X(SH) X(SW) X(SD)                           \
    X(ADDI) X(SLTI) X(SLTIU) X(XORI) X(ORI) X(ANDI) X(SLLI) X(SRLI) X(SRAI)                        \
    X(ADD) X(SUB) X(SLL) X(SLT) X(SLTU) X(XOR) X(SRL) X(SRA) X(OR) X(AND)                          \
    X(ADDIW) X(SLLIW) X(SRLIW) X(SRAIW) X(ADDW) X(SUBW) X(SLLW) X(SRLW) X(SRAW)                    \
    X(FENCE) X(FENCE_I) X(ECALL) X(EBREAK)                                                         \
    X(MUL) X(MULH) X(MULHSU) X(MULHU) X(DIV) X(DIVU) X(REM) X(REMU)                                \
    X(MULW) X(DIVW) X(DIVUW) X(REMW) X(REMUW)                                                      \
    X(LR_W) X(SC_W) X(AMOSWAP_W) X(AMOADD_W) X(AMOXOR_W) X(AMOAND_W) X(AMOOR_W)                    \
    X(AMOMIN_W) X(AMOMAX_W) X(AMOMINU_W) X(AMOMAXU_W)                                              \
    X(LR_D) X(SC_D) X(AMOSWAP_D) X(AMOADD_D) X(AMOXOR_D) X(AMOAND_D) X(AMOOR_D)                    \
    X(AMOMIN_D) X(AMOMAX_D) X(AMOMINU_D) X(AMOMAXU_D)                                              \
    X(CSRRW) X(CSRRS) X(CSRRC) X(CSRRWI) X(CSRRSI) X(CSRRCI)                                       \
    X(FLW) X(FSW) X(FLD) X(FSD)                                                                    \
    X(FMADD_S) X(FMSUB_S) X(FNMSUB_S) X(FNMADD_S) X(FADD_S) X(FSUB_S) X(FMUL_S) X(FDIV_S)          \
    X(FSQRT_S) X(FSGNJ_S) X(FSGNJN_S) X(FSGNJX_S) X(FMIN_S) X(FMAX_S)                              \
    X(FCVT_W_S) X(FCVT_WU_S) X(FCVT_L_S) X(FCVT_LU_S) X(FMV_X_W) X(FEQ_S) X(FLT_S) X(FLE_S)        \
    X(FCLASS_S) X(FCVT_S_W) X(FCVT_S_WU) X(FCVT_S_L) X(FCVT_S_LU) X(FMV_W_X)                       \
    X(FMADD_D) X(FMSUB_D) X(FNMSUB_D) X(FNMADD_D) X(FADD_D) X(FSUB_D) X(FMUL_D) X(FDIV_D)          \
    X(FSQRT_D) X(FSGNJ_D) X(FSGNJN_D) X(FSGNJX_D) X(FMIN_D) X(FMAX_D)                              \
    X(FCVT_W_D) X(FCVT_WU_D) X(FCVT_L_D) X(FCVT_LU_D) X(FMV_X_D) X(FEQ_D) X(FLT_D) X(FLE_D)        \
    X(FCLASS_D) X(FCVT_D_W) X(FCVT_D_WU) X(FCVT_D_L) X(FCVT_D_LU) X(FMV_D_X)                       \
    X(FCVT_S_D) X(FCVT_D_S)                                                                        \
    X(ADD_UW) X(SH1ADD) X(SH2ADD) X(SH3ADD) X(SH1ADD_UW) X(SH2ADD_UW) X(SH3ADD_UW) X(SLLI_UW)      \
    X(ANDN) X(ORN) X(XNOR) X(CLZ) X(CLZW) X(CTZ) X(CTZW) X(CPOP) X(CPOPW)                          \
    X(MAX) X(MAXU) X(MIN) X(MINU) X(SEXT_B) X(SEXT_H) X(ZEXT_H)                                    \
    X(ROL) X(ROLW) X(ROR) X(RORW) X(RORI) X(RORIW) X(ORC_B) X(REV8)
/* clang-format on */

#define RV_OP_ENUM_(name) RV_OP_##name,
enum rv_op { RV_OPS(RV_OP_ENUM_) RV_OP_COUNT };
#undef RV_OP_ENUM_

/* One decoded instruction; compressed forms decode to the 32-bit operation they expand to.
 * imm holds: the immediate (sign-extended, already scaled/shifted: LUI/AUIPC hold imm<<12),
 * the shift amount, or the CSR number for CSR ops (whose rs1 is the register or the uimm). */
struct rv_insn {
    uint16_t op; /* enum rv_op */
    uint8_t rd, rs1, rs2, rs3;
    uint8_t rm;  /* FP rounding mode field; for AMOs aq<<1 | rl */
    uint8_t len; /* 2 or 4 bytes */
    int32_t imm;
    uint32_t raw; /* the instruction bits as fetched (16 or 32), for SIGILL reports */
};

/* Decode one instruction from the 32 bits at its address (little-endian; a compressed one uses
 * only the low 16). Reserved and unsupported encodings decode to RV_OP_ILLEGAL with the length
 * still filled in. Returns the length. */
unsigned rv_decode(uint32_t bits, struct rv_insn *out);
/* 2 when the low 16 bits begin a compressed instruction, 4 otherwise (longer forms are
 * illegal for RV64GC: spec 1.5). */
static inline unsigned rv_insn_length(uint16_t lo)
{
    return (lo & 3) == 3 ? 4 : 2;
}
const char *rv_op_name(enum rv_op op);

/* ---- Running ------------------------------------------------------------------------------ */

enum rv_exit_reason {
    RV_EXIT_ECALL = 1,   /* pc at the ecall; serve it, then cpu->pc += 4 */
    RV_EXIT_EBREAK,      /* pc at the (c.)ebreak: SIGTRAP */
    RV_EXIT_ILLEGAL,     /* pc at the instruction: SIGILL ILL_ILLOPC; insn holds its bits */
    RV_EXIT_FETCH_FAULT, /* addr: first unfetchable byte: SIGSEGV */
    RV_EXIT_LOAD_FAULT,  /* addr: the guest address accessed: SIGSEGV SEGV_MAPERR */
    RV_EXIT_STORE_FAULT, /* same, for stores and AMOs */
    RV_EXIT_MISALIGNED,  /* LR/SC/AMO on an unaligned address (spec 8.4), or an odd pc:
                          * SIGBUS BUS_ADRALN */
    RV_EXIT_FENCE_I,     /* fence.i done and code caches invalidated; cpu->pc is past it */
    RV_EXIT_LIMIT,       /* the instruction budget ran out; cpu->pc is the next one */
    RV_EXIT_STOP,        /* rv_request_stop was called; cpu->pc is the next one */
};

/* For trapping exits (ECALL..MISALIGNED) cpu->pc == pc and every register holds what it held
 * before the instruction: the syscall layer serves ecall and resumes at pc + 4, the signal layer
 * builds a frame with sepc = pc. */
struct rv_exit {
    enum rv_exit_reason reason;
    uint64_t pc;   /* the instruction that caused the exit */
    uint64_t addr; /* faulting guest address for the FAULT and MISALIGNED reasons */
    uint32_t insn; /* raw instruction bits (ILLEGAL, EBREAK) */
    uint8_t len;   /* its length in bytes */
};

/* Decoded-block cache for one thread (not thread-safe; one per host thread running a hart). */
struct rv_cache;
struct rv_cache *rv_cache_new(void);
void rv_cache_free(struct rv_cache *cache);
struct rv_cache_stats {
    uint64_t blocks, lookups, misses, flushes, bytes;
    uint64_t translated, code_bytes; /* blocks translated to host code, and its size */
    uint64_t chained; /* direct jumps linked from one translation to another (or to itself) */
};
void rv_cache_stats(const struct rv_cache *cache, struct rv_cache_stats *st);
/* A host SIGSEGV or SIGBUS with signal context uc (a ucontext_t) on the thread that runs cache:
 * when it is a guest access of translated code, which leaves cpu as of the last time it left,
 * make cpu the state of the faulting instruction (pc at it, instret counting those before, the
 * registers and fflags it saw) and return true. Otherwise cpu is exact already (the interpreter
 * and the helpers of translated code keep it so). Async-signal-safe. */
bool rv_cache_fault(const struct rv_cache *cache, struct rv_cpu *cpu, void *uc);

/* Run the hart until an exit; at most about max_insns instructions (checked between blocks,
 * which hold at most RV_BLOCK_MAX instructions; translated blocks that jump to each other check
 * it, the stop request and code invalidated by other threads at every jump backward or
 * indirect one, which every loop passes). Returns ex->reason. */
#define RV_BLOCK_MAX 64
enum rv_exit_reason rv_run(struct rv_cpu *cpu, struct rv_mem *mem, struct rv_cache *cache,
                           uint64_t max_insns, struct rv_exit *ex);

const char *rv_exit_name(enum rv_exit_reason reason);

/* Which tier runs a block: AUTO interprets a block until it has run `hot` times, then runs it
 * translated to x86-64; INTERP never translates; TRANSLATE translates every block the first time
 * it runs. Until rv_set_tier is called the environment decides: VIV_XLAT_TIER=interp|translate
 * (anything else: auto) and VIV_XLAT_HOT (default 50). Process-wide; caches keep what they have
 * translated. */
enum rv_tier { RV_TIER_AUTO, RV_TIER_INTERP, RV_TIER_TRANSLATE };
#define RV_XLAT_HOT_DEFAULT 50
void rv_set_tier(enum rv_tier tier, uint32_t hot);
enum rv_tier rv_get_tier(uint32_t *hot);

#endif
