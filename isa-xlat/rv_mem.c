/* rv_mem: guest memory bounds, the shared code-invalidation log, and hart reset. */
#include "isa-xlat/rv_internal.h"

void rv_mem_init(struct rv_mem *mem, void *base, uint64_t size)
{
    memset(mem, 0, sizeof(*mem));
    mem->base = base;
    mem->size = size;
}

void *rv_mem_host(const struct rv_mem *mem, uint64_t addr, uint64_t len)
{
    /* addr + len may wrap: compare against what is left instead of adding. */
    if (addr > mem->size || len > mem->size - addr)
        return NULL;
    return mem->base + addr;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

void rv_invalidate(struct rv_mem *mem, uint64_t addr, uint64_t len)
{
    uint64_t hi;
    if (__builtin_add_overflow(addr, len, &hi))
        hi = UINT64_MAX;
    while (__atomic_exchange_n(&mem->inval_lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&mem->inval_lock, __ATOMIC_RELAXED))
            cpu_relax();
    /* Readers check the epoch again after reading the log: an entry is only overwritten once
     * the epoch has moved RV_INVAL_LOG past it (see rv_cache_sync). */
    uint64_t e = __atomic_load_n(&mem->inval_epoch, __ATOMIC_RELAXED);
    unsigned slot = (unsigned)(e % RV_INVAL_LOG);
    __atomic_store_n(&mem->inval_log[slot].lo, addr, __ATOMIC_RELAXED);
    __atomic_store_n(&mem->inval_log[slot].hi, hi, __ATOMIC_RELAXED);
    __atomic_store_n(&mem->inval_epoch, e + 1, __ATOMIC_RELEASE);
    __atomic_store_n(&mem->inval_lock, 0, __ATOMIC_RELEASE);
}

void rv_cpu_init(struct rv_cpu *cpu, uint64_t entry)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->pc = entry;
}

void rv_request_stop(struct rv_cpu *cpu)
{
    __atomic_store_n(&cpu->stop, 1, __ATOMIC_RELEASE);
}
