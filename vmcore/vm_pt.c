/* vm_pt.c: the guest's 4-level page tables, built and kept by the VMM in guest-physical memory.
 *
 * Long-mode translation (AMD64 APM vol. 2, 5.3 "Long-Mode Page Translation"): PML4, PDPT, PD and
 * PT, 512 entries each, indexed by bits 47:39, 38:30, 29:21 and 20:12 of the address. The
 * rights of a page are the most restrictive of all levels (5.6 "Page-Protection Checks": U/S and
 * R/W must allow at every level, NX at any level forbids fetches), so the upper levels here
 * allow everything and each leaf says what its page may do. Tables are never mapped into the
 * guest's address space: nothing the guest runs can read or change them. */
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
    /* PML4, the user PDPT, the PDs and PTs covering user, and the kernel's PDPT, PD and PT. */
    return 1 + 1 + (user + gib - 1) / gib + (user + mib2 - 1) / mib2 + 3;
}

static int alloc_table(struct vm_mem *m, uint64_t *pa)
{
    if (m->pt_next >= m->pt_end)
        return -ENOMEM;
    *pa = m->pt_next;
    m->pt_next += VM_PAGE;
    /* The pool is fresh anonymous memory, zero already; clear anyway so that a reused VM never
     * inherits stale entries. */
    memset(table_at(m, *pa), 0, VM_PAGE);
    return 0;
}

int vm_pt_set(struct vm_mem *m, uint64_t va, uint64_t pa, uint64_t flags)
{
    uint64_t table = m->pml4;
    bool user = va < VM_USER_HALF;
    for (int level = VM_LEVELS - 1; level > 0; level--) {
        uint64_t *e = &table_at(m, table)[index_of(va, level)];
        if (!(*e & VM_PTE_P)) {
            if (!flags)
                return 0; /* nothing mapped below: already absent */
            uint64_t next;
            if (alloc_table(m, &next) < 0)
                return -ENOMEM;
            *e = next | VM_PTE_P | VM_PTE_W | (user ? VM_PTE_U : 0);
        }
        table = *e & VM_PTE_ADDR;
    }
    uint64_t *leaf = &table_at(m, table)[index_of(va, 0)];
    *leaf = flags ? ((pa & VM_PTE_ADDR) | flags | VM_PTE_P) : 0;
    return 0;
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
        if (table < m->sys_base || table + VM_PAGE > m->size)
            break;
    }
    if (eff)
        *eff = 0;
    return 0;
}
