/* rv_amo: the A extension on host memory: LR/SC by compare-and-swap, AMOs by host atomics. */
#include "isa-xlat/rv_internal.h"

#define SX32(v) ((uint64_t)(int64_t)(int32_t)(uint32_t)(v))

/* Every AMO and LR/SC runs sequentially consistent, which satisfies any aq/rl combination
 * (spec 8.4; A.5 of the memory model maps them to the strongest host ordering). */
#define ORD __ATOMIC_SEQ_CST

#define AMO_MINMAX(T, h, src, cmp)                                                                 \
    ({                                                                                             \
        T old_ = __atomic_load_n((T *)(h), __ATOMIC_RELAXED), new_;                                \
        do                                                                                         \
            new_ = (cmp) ? old_ : (T)(src);                                                        \
        while (!__atomic_compare_exchange_n((T *)(h), &old_, new_, true, ORD, __ATOMIC_RELAXED));  \
        old_;                                                                                      \
    })

/* One body for the .W and .D forms (spec 8.4): U is the memory word, S its signed view. The
 * result is U zero-extended; the caller sign-extends .W results into rd. */
#define RV_AMO_FN(name, U, S)                                                                      \
    static uint64_t name(unsigned k, void *h, U v)                                                 \
    {                                                                                              \
        U *p = h;                                                                                  \
        switch (k) {                                                                               \
        case 2:                                                                                    \
            return __atomic_exchange_n(p, v, ORD);                                                 \
        case 3:                                                                                    \
            return __atomic_fetch_add(p, v, ORD);                                                  \
        case 4:                                                                                    \
            return __atomic_fetch_xor(p, v, ORD);                                                  \
        case 5:                                                                                    \
            return __atomic_fetch_and(p, v, ORD);                                                  \
        case 6:                                                                                    \
            return __atomic_fetch_or(p, v, ORD);                                                   \
        case 7:                                                                                    \
            return AMO_MINMAX(U, h, v, (S)old_ < (S)v);                                            \
        case 8:                                                                                    \
            return AMO_MINMAX(U, h, v, (S)old_ > (S)v);                                            \
        case 9:                                                                                    \
            return AMO_MINMAX(U, h, v, old_ < v);                                                  \
        default:                                                                                   \
            return AMO_MINMAX(U, h, v, old_ > v);                                                  \
        }                                                                                          \
    }

RV_AMO_FN(amo32, uint32_t, int32_t)
RV_AMO_FN(amo64, uint64_t, int64_t)

int rv_exec_amo(struct rv_cpu *cpu, struct rv_mem *mem, const struct rv_insn *in, uint64_t pc,
                struct rv_exit *ex)
{
    bool wide = in->op >= RV_OP_LR_D;
    unsigned k = (unsigned)(in->op - (wide ? RV_OP_LR_D : RV_OP_LR_W)); /* 0 lr, 1 sc, 2.. amo */
    unsigned size = wide ? 8 : 4;
    uint64_t a = cpu->x[in->rs1], src = cpu->x[in->rs2];
    /* Misaligned LR/SC/AMOs raise an address-misaligned exception (spec 8.2, 8.4); Linux
     * does not emulate them for user code and delivers SIGBUS. */
    if (a & (size - 1))
        return rv_trap(ex, RV_EXIT_MISALIGNED, pc, a, in);
    void *h = rv_mem_host(mem, a, size);
    if (!h)
        return rv_trap(ex, k == 0 ? RV_EXIT_LOAD_FAULT : RV_EXIT_STORE_FAULT, pc, a, in);
    uint64_t old;
    if (k == 0) {
        old = wide ? __atomic_load_n((uint64_t *)h, ORD) : __atomic_load_n((uint32_t *)h, ORD);
        cpu->resv_addr = a;
        cpu->resv_value = old;
        cpu->resv_size = (uint8_t)size;
    } else if (k == 1) {
        /* SC succeeds (rd = 0) only with a reservation of the same address and size, and
         * only if memory still holds what LR read; it always ends the reservation (8.2). */
        bool ok = false;
        if (cpu->resv_size == size && cpu->resv_addr == a) {
            if (wide) {
                uint64_t expect = cpu->resv_value;
                ok = __atomic_compare_exchange_n((uint64_t *)h, &expect, src, false, ORD, ORD);
            } else {
                uint32_t expect = (uint32_t)cpu->resv_value;
                ok = __atomic_compare_exchange_n((uint32_t *)h, &expect, (uint32_t)src, false, ORD,
                                                 ORD);
            }
        }
        cpu->resv_size = 0;
        cpu->x[in->rd] = ok ? 0 : 1;
        return 0;
    } else {
        old = wide ? amo64(k, h, src) : amo32(k, h, (uint32_t)src);
    }
    cpu->x[in->rd] = wide ? old : SX32(old);
    return 0;
}
