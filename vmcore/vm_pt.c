/* vm_pt.c: the guest's 4-level page tables, built and kept by the VMM in guest-physical memory.
 *
 * Long-mode translation (AMD64 APM vol. 2, 5.3 "Long-Mode Page Translation"): PML4, PDPT, PD and
 * PT, 512 entries each, indexed by bits 47:39, 38:30, 29:21 and 20:12 of the address. The
 * rights of a page are the most restrictive of all levels (5.6 "Page-Protection Checks": U/S and
 * R/W must allow at every level, NX at any level forbids fetches), so the upper levels here
 * allow everything and each leaf says what its page may do. Tables are mapped into the guest's
 * address space for ring 0 only (the shim's brk and mprotect write user leaf entries through
 * that window), with U clear at every level of the kernel half: nothing ring 3 runs can read or
 * change them. */
#include "vmcore.h"

#include <errno.h>
#include <string.h>

#define VM_LEVELS 4
#define VM_USER_HALF (1ull << 47)

static uint64_t *table_at(const struct vm_mem *m, uint64_t pa)
{
    return (uint64_t *)(void *)(m->host + pa);
}

static unsigned index_of(uint64_t va, int level)
{
    /* level 3 = PML4 ... 0 = PT */
    return (unsigned)((va >> (12 + 9 * level)) & 511);
}

uint64_t vm_pt_pool_pages(uint64_t user)
{
    const uint64_t gib = 1ull << 30, mib2 = 2ull << 20;
    /* PML4, the user PDPT, the PDs and PTs covering user, and the kernel's PDPT and PD... */
    uint64_t n = 1 + 1 + (user + gib - 1) / gib + (user + mib2 - 1) / mib2 + 2;
    /* ... the slots past VM_BASE_VCPUS, below VM_KERNEL_BASE: a PD of their own and their PTs
     * (one more for a start off a table's boundary) ... */
    n += 1 + (VM_MORE_PAGES + 511) / 512 + 1;
    /* ... and the kernel's PTs, which map the system pages and this pool, themselves included
     * (vm_mem_reset_tables): k tables of 512 entries for VM_SYS_PAGES + n + k pages. */
    uint64_t k = (VM_SYS_PAGES + n + 510) / 511;
    return n + k;
}

static int alloc_table(struct vm_mem *m, uint64_t *pa)
{
    /* Atomic: a new thread's slot is mapped (vm_mem_map_slot) while other threads may change
     * user mappings; the two walk disjoint halves of the tables but share this pool. */
    uint64_t next = __atomic_fetch_add(&m->pt_next, VM_PAGE, __ATOMIC_RELAXED);
    if (next >= m->pt_end)
        return -ENOMEM;
    *pa = next;
    /* The pool is fresh anonymous memory, zero already; clear anyway so that a reused VM never
     * inherits stale entries. */
    memset(table_at(m, *pa), 0, VM_PAGE);
    return 0;
}

/* va's leaf entry, through tables made on the way when make is set: NULL when one is missing
 * (not made), or *err = -ENOMEM when the pool is exhausted. */
static uint64_t *walk(struct vm_mem *m, uint64_t va, bool make, int *err)
{
    uint64_t table = m->pml4;
    bool user = va < VM_USER_HALF;
    for (int level = VM_LEVELS - 1; level > 0; level--) {
        uint64_t *e = &table_at(m, table)[index_of(va, level)];
        if (!(*e & VM_PTE_P)) {
            if (!make)
                return NULL;
            uint64_t next;
            if ((*err = alloc_table(m, &next)) < 0)
                return NULL;
            *e = next | VM_PTE_P | VM_PTE_W | (user ? VM_PTE_U : 0);
            m->map_gen++;
        }
        table = *e & VM_PTE_ADDR;
    }
    return &table_at(m, table)[index_of(va, 0)];
}

int vm_pt_set(struct vm_mem *m, uint64_t va, uint64_t pa, uint64_t flags)
{
    int err = 0;
    /* Nothing mapped below a missing table: an absent entry is absent already. */
    uint64_t *leaf = walk(m, va, flags != 0, &err);
    if (leaf)
        *leaf = flags ? ((pa & VM_PTE_ADDR) | flags | VM_PTE_P) : 0;
    return err;
}

int vm_pt_prepare(struct vm_mem *m, uint64_t va)
{
    int err = 0;
    walk(m, va, true, &err);
    return err;
}

uint64_t *vm_pt_leaf(const struct vm_mem *m, uint64_t va)
{
    return walk((struct vm_mem *)m, va, false, NULL);
}

uint64_t vm_pt_lookup(const struct vm_mem *m, uint64_t va, uint64_t *eff)
{
    uint64_t table = m->pml4;
    uint64_t rights = VM_PTE_P | VM_PTE_W | VM_PTE_U, nx = 0;
    for (int level = VM_LEVELS - 1; level >= 0; level--) {
        uint64_t e = table_at(m, table)[index_of(va, level)];
        if (!(e & VM_PTE_P)) {
            if (eff)
                *eff = 0;
            return 0;
        }
        rights &= e;
        nx |= e & VM_PTE_NX;
        if (level == 0) {
            if (eff)
                *eff = rights | nx;
            return e;
        }
        table = e & VM_PTE_ADDR;
        /* A table outside the pool is a VMM bug, not something a guest can cause. */
        if (table < m->sys_base || table + VM_PAGE > m->pt_end)
            break;
    }
    if (eff)
        *eff = 0;
    return 0;
}
