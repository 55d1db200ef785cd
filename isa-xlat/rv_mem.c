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

static void lock(struct rv_mem *mem)
{
    while (__atomic_exchange_n(&mem->inval_lock, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&mem->inval_lock, __ATOMIC_RELAXED))
            cpu_relax();
}

static void unlock(struct rv_mem *mem)
{
    __atomic_store_n(&mem->inval_lock, 0, __ATOMIC_RELEASE);
}

void rv_running_enter(struct rv_mem *mem, struct rv_running *r, struct rv_cpu *cpu)
{
    r->cpu = cpu;
    lock(mem);
    r->next = mem->running;
    r->pprev = &mem->running;
    if (r->next)
        r->next->pprev = &r->next;
    mem->running = r;
    unlock(mem);
}

void rv_running_leave(struct rv_mem *mem, struct rv_running *r)
{
    lock(mem);
    *r->pprev = r->next;
    if (r->next)
        r->next->pprev = r->pprev;
    unlock(mem);
}

void rv_invalidate(struct rv_mem *mem, uint64_t addr, uint64_t len)
{
    uint64_t hi;
    if (__builtin_add_overflow(addr, len, &hi))
        hi = UINT64_MAX;
    lock(mem);
    /* Readers check the epoch again after reading the log: an entry is only overwritten once
     * the epoch has moved RV_INVAL_LOG past it (see rv_cache_sync). */
    uint64_t e = __atomic_load_n(&mem->inval_epoch, __ATOMIC_RELAXED);
    unsigned slot = (unsigned)(e % RV_INVAL_LOG);
    __atomic_store_n(&mem->inval_log[slot].lo, addr, __ATOMIC_RELAXED);
    __atomic_store_n(&mem->inval_log[slot].hi, hi, __ATOMIC_RELAXED);
    __atomic_store_n(&mem->inval_epoch, e + 1, __ATOMIC_RELEASE);
    /* After the epoch: a hart that set its run_limit and then read the old epoch (see
     * rv_cache_exec) has its limit overwritten here; one that read the new epoch syncs. */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (struct rv_running *r = mem->running; r; r = r->next)
        __atomic_store_n(&r->cpu->run_limit, 0, __ATOMIC_RELAXED);
    unlock(mem);
}

void rv_cpu_init(struct rv_cpu *cpu, uint64_t entry)
{
    memset(cpu, 0, sizeof(*cpu));
    cpu->pc = entry;
}

void rv_request_stop(struct rv_cpu *cpu)
{
    /* stop first: a run that starts after run_limit is cleared sees it (rv_cache_exec). */
    __atomic_store_n(&cpu->stop, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&cpu->run_limit, 0, __ATOMIC_SEQ_CST);
}
