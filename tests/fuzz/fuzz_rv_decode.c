/* fuzz_rv_decode.c: random riscv64 code through the decoder and interpreter in a sandbox. */
#include "isa-xlat/isa-xlat.h"

#include <string.h>

#define MEM (64u * 1024u)
#define CODE 0x1000u
#define STEPS 20000
#define EXITS 64

static uint8_t mem[MEM];

static void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

/* Every 16-bit position decodes to something sane on its own. */
static void decode_all(const uint8_t *data, size_t size)
{
    for (size_t i = 0; i + 2 <= size; i += 2) {
        uint32_t bits = 0;
        memcpy(&bits, data + i, size - i >= 4 ? 4 : 2);
        struct rv_insn in;
        unsigned len = rv_decode(bits, &in);
        check(len == rv_insn_length((uint16_t)bits) && len == in.len);
        check(in.op < RV_OP_COUNT && in.rd < 32 && in.rs1 < 32 && in.rs2 < 32 && in.rs3 < 32);
        check(in.op != RV_OP_ILLEGAL || in.imm == 0);
        check(rv_op_name((enum rv_op)in.op)[0] != '?');
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decode_all(data, size);
    if (size > MEM - CODE)
        size = MEM - CODE;
    memset(mem, 0, sizeof(mem));
    memcpy(mem + CODE, data, size);
    struct rv_mem m;
    rv_mem_init(&m, mem, MEM);
    struct rv_cpu cpu;
    rv_cpu_init(&cpu, CODE);
    /* Registers mostly point into memory, a few are wild, so that memory instructions hit
     * both the sandbox and its edges. */
    for (unsigned i = 1; i < 32; i++)
        cpu.x[i] = i < 24 ? (uint64_t)i * 0x700 : (uint64_t)0 - i * 0x100;
    for (unsigned i = 0; i < 32; i++)
        cpu.f[i] = 0xffffffff3f800000ull + i * 0x0000000100000001ull;
    cpu.frm = size ? data[0] & 7 : 0;
    struct rv_cache *cache = rv_cache_new();
    struct rv_exit ex;
    for (unsigned n = 0; n < EXITS; n++) {
        uint64_t before = cpu.instret;
        enum rv_exit_reason r = rv_run(&cpu, &m, cache, STEPS, &ex);
        check(r == ex.reason && cpu.x[0] == 0 && cpu.instret - before <= STEPS + RV_BLOCK_MAX);
        check(cpu.frm < 8 && cpu.fflags < 32);
        if (r == RV_EXIT_ECALL || r == RV_EXIT_EBREAK) {
            check(ex.pc == cpu.pc);
            cpu.pc += ex.len; /* as the syscall and signal layers would resume */
        } else if (r == RV_EXIT_FENCE_I) {
            continue;
        } else if (r == RV_EXIT_LIMIT) {
            break;
        } else {
            /* A fault or an illegal instruction: what becomes a guest signal. */
            check(ex.pc == cpu.pc);
            if (r == RV_EXIT_LOAD_FAULT || r == RV_EXIT_STORE_FAULT || r == RV_EXIT_MISALIGNED)
                check(ex.addr >= MEM || ex.addr + 8 > MEM || r == RV_EXIT_MISALIGNED);
            if (r == RV_EXIT_FETCH_FAULT)
                check(ex.addr >= MEM - 2);
            break;
        }
    }
    rv_cache_free(cache);
    return 0;
}
