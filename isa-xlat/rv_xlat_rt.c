/* rv_xlat_rt: the run-time side of translated code: entry and exit stubs, the helper that runs
 * untranslated instructions, and the SSE flags that become fflags. */
#include "isa-xlat/rv_translate.h"

/* Callee-saved registers of the System V AMD64 ABI that translated code uses. */
static const uint8_t saved[] = {X86_RBX, X86_RBP, X86_R12, X86_R13, X86_R14, X86_R15};
#define NSAVED (sizeof(saved) / sizeof(saved[0]))

/* MXCSR exception flags (SDM vol. 1, 10.2.3: IE ZE OE UE PE at bits 0, 2, 3, 4, 5) as fflags;
 * DE (bit 1, a denormal operand) has no RISC-V counterpart. */
static const struct {
    uint8_t mx, rv;
} flag_map[] = {{0x01, RV_FF_NV}, {0x04, RV_FF_DZ}, {0x08, RV_FF_OF}, {0x10, RV_FF_UF},
                {0x20, RV_FF_NX}};

uint32_t rv_fflags_of_mxcsr(uint32_t mx)
{
    uint32_t f = 0;
    for (unsigned i = 0; i < sizeof(flag_map) / sizeof(flag_map[0]); i++)
        if (mx & flag_map[i].mx)
            f |= flag_map[i].rv;
    return f;
}

static void emit_enter(struct x86_buf *b)
{
    for (unsigned i = 0; i < NSAVED; i++)
        x86_push(b, saved[i]);
    /* six pushes and the return address: one more word keeps calls 16-byte aligned */
    x86_alu_ri(b, X86_SUB, 64, X86_RSP, 8);
    x86_load(b, 64, TR_CPU, x86_m(X86_RDI, 0)); /* rdi is the frame, cpu->xf: its cpu */
    x86_load(b, 64, TR_BASE, x86_m(TR_CPU, FR(base)));
    x86_stmxcsr(b, x86_m(TR_CPU, FR(mx_host)));
    x86_ldmxcsr(b, x86_m(TR_CPU, FR(mx_guest)));
    x86_mov_rr(b, 64, X86_RAX, X86_RSI); /* rsi holds a pinned register from here on */
    rv_tr_reload(b);
    x86_jmp_r(b, X86_RAX);
}

/* Every pinned register to cpu (uses nothing else). */
static void store_pinned(struct x86_buf *b)
{
    for (unsigned r = 1; r < 32; r++)
        if (rv_tr_pin[r] >= 0)
            x86_store(b, 64, x86_m(TR_CPU, XOFF(r)), rv_tr_pin[r]);
    for (unsigned r = 0; r < 32; r++)
        if (rv_tr_fpin[r] >= 0)
            x86_movsd_store(b, true, x86_m(TR_CPU, FOFF(r)), rv_tr_fpin[r]);
}

/* Chained blocks pass their registers on in host registers: only a run's way out, taken once
 * per run, stores them. */
static void emit_exit(struct x86_buf *b)
{
    store_pinned(b);
    x86_store(b, 64, x86_m(TR_CPU, INSTRET_OFF), TR_INSTRET);
    x86_store(b, 64, x86_m(TR_CPU, FR(kind)), X86_RAX);
    x86_store(b, 64, x86_m(TR_CPU, FR(addr)), X86_RDX);
    x86_store(b, 64, x86_m(TR_CPU, FR(ptr)), X86_RCX);
    x86_stmxcsr(b, x86_m(TR_CPU, FR(mx_out)));
    x86_ldmxcsr(b, x86_m(TR_CPU, FR(mx_host)));
    x86_alu_ri(b, X86_ADD, 64, X86_RSP, 8);
    for (unsigned i = NSAVED; i-- > 0;)
        x86_pop(b, saved[i]);
    x86_ret(b);
}

/* eax = MXCSR: remember it as merged and OR its flags into cpu->fflags. Uses eax and ecx. */
static void emit_merge(struct x86_buf *b)
{
    x86_store(b, 32, x86_m(TR_CPU, FR(mx_seen)), X86_RAX);
    x86_alu_rr(b, X86_XOR, 32, X86_RCX, X86_RCX);
    for (unsigned i = 0; i < sizeof(flag_map) / sizeof(flag_map[0]); i++) {
        x86_test_ri(b, 32, X86_RAX, flag_map[i].mx);
        size_t clear = x86_jcc(b, X86_CC_E, -1);
        x86_alu_ri(b, X86_OR, 32, X86_RCX, flag_map[i].rv);
        x86_patch(b, clear);
    }
    x86_alu_mr(b, X86_OR, 32, x86_m(TR_CPU, FFLAGS_OFF), X86_RCX);
    x86_store(b, 32, x86_m(TR_CPU, FR(mx_flags)), X86_RCX);
    x86_ret(b);
}

/* Called before a helper, which reads and writes cpu. */
static void emit_save(struct x86_buf *b)
{
    store_pinned(b);
    x86_ret(b);
}

bool rv_xstubs_make(struct x86_code *code, struct rv_xstubs *st)
{
    void (*const emit[4])(struct x86_buf *) = {emit_enter, emit_exit, emit_merge, emit_save};
    void **where[4] = {&st->enter, &st->exit, &st->merge, &st->save};
    /* One copy into the arena, not four: each costs two mprotect calls, at start-up. */
    uint8_t buf[1024];
    size_t at[4];
    struct x86_buf b;
    x86_buf_init(&b, buf, sizeof(buf));
    for (unsigned i = 0; i < 4; i++) {
        while (b.len % 16)
            x86_int3(&b);
        at[i] = b.len;
        emit[i](&b);
    }
    uint8_t *p = b.overflow ? NULL : x86_code_add(code, buf, b.len);
    if (!p)
        return false;
    for (unsigned i = 0; i < 4; i++)
        *where[i] = p + at[i];
    return true;
}

uint64_t rv_xlat_helper(struct rv_xframe *f, const struct rv_insn *in)
{
    /* The interpreter's C code may raise SSE flags of its own (a conversion done with host
     * arithmetic): they are not the guest's, and must not reach fflags through the MXCSR that
     * translated code merges. */
    uint32_t mx;
    __asm__ volatile("stmxcsr %0" : "=m"(mx));
    struct rv_cpu *cpu = f->cpu;
    uint64_t r = (uint64_t)rv_exec_one(cpu, f->mem, in, cpu->pc, f->ex);
    __asm__ volatile("ldmxcsr %0" ::"m"(mx));
    return r;
}

/* Run code inside a frame; what it left is in f (kind, addr, ptr), fflags already merged. */
void rv_xlat_enter(const struct rv_xstubs *st, struct rv_xframe *f, void *code)
{
    uint64_t (*enter)(struct rv_xframe *, void *);
    memcpy(&enter, &st->enter, sizeof(enter));
    f->mx_guest = 0x1f80; /* all exceptions masked, flags clear, RNE, no FTZ/DAZ */
    f->mx_seen = f->mx_guest;
    f->mx_flags = 0;
    enter(f, code);
    f->cpu->fflags |= rv_fflags_of_mxcsr(f->mx_out);
}
