/* vm_mem.c: the guest's memory: one lazily reserved, KSM-mergeable host mapping whose user part
 * is the personality's guest memory, and the page tables that follow its every change. */
#include "vmcore.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

/* The leaf entry for a user page of these rights (XLAT_PG_*). */
static uint64_t leaf_flags(uint8_t rights)
{
    if (!(rights & (XLAT_PG_R | XLAT_PG_W | XLAT_PG_X)))
        return 0; /* unmapped or PROT_NONE: kept in the rights, absent in the tables */
    /* x86 pages are always readable when present; W and NX are the only other rights
     * (AMD64 APM vol. 2, 5.6). */
    return VM_PTE_P | VM_PTE_U | ((rights & XLAT_PG_W) ? VM_PTE_W : 0) |
           ((rights & XLAT_PG_X) ? 0 : VM_PTE_NX) | ((rights & XLAT_PG_HOST) ? VM_PTE_HOST : 0);
}

/* The personality changed [addr, addr+len) of user memory: the leaf entries follow. */
static void user_changed(void *ctx, uint64_t addr, uint64_t len, bool was_mapped)
{
    struct vm_mem *m = ctx;
    if (addr >= m->user.size) {
        if (was_mapped)
            m->tlb_dirty = true;
        return;
    }
    uint64_t end = len > m->user.size - addr ? m->user.size : addr + len;
    bool changed = false;
    for (uint64_t a = addr & ~(uint64_t)(VM_PAGE - 1); a < end; a += VM_PAGE) {
        uint64_t old = was_mapped ? vm_pt_lookup(m, a, NULL) : 0;
        uint64_t now = leaf_flags(m->user.pages[a / VM_PAGE]);
        /* A page that was present may sit in a TLB: any change to it needs a flush before
         * ring 3 runs again (AMD64 APM vol. 2, 5.5.2 "TLB Management"); one that was absent
         * cannot (absent entries are not cached), which spares the flush, and with threads
         * the shootdown, when a PROT_NONE reservation is opened up (glibc's thread stacks).
         * The CPU's accessed and dirty bits do not count. */
        uint64_t next = now ? (a & VM_PTE_ADDR) | now | VM_PTE_P : 0;
        if ((old & VM_PTE_P) && (old & ~VM_PTE_AD) != next)
            changed = true;
        /* Cannot fail: the pool has tables for all of user memory (vm_pt_pool_pages). */
        (void)vm_pt_set(m, a, a, now);
    }
    if (changed)
        m->tlb_dirty = true;
    m->map_gen++;
}

int vm_mem_init(struct vm_mem *m, uint64_t size, struct viv_error *err)
{
    memset(m, 0, sizeof(*m));
    size &= ~(uint64_t)(VM_PAGE - 1);
    if (size < VM_MIN_MEMORY)
        return viv_fail(err, EINVAL, "guest memory of %llu bytes: vm mode needs at least 8 MiB",
                        (unsigned long long)size);
    uint64_t sys_pages = VM_SYS_PAGES + vm_pt_pool_pages(size);
    /* The slots past VM_BASE_VCPUS come on top of the memory asked for: reserved like the
     * rest, touched only by a process with that many threads. */
    uint64_t total = size + (uint64_t)VM_MORE_PAGES * VM_PAGE;
    /* Reserved, not committed: untouched guest pages cost nothing (MAP_NORESERVE), and pages
     * equal across instances can be shared by KSM (MADV_MERGEABLE). */
    void *host = mmap(NULL, total, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED)
        return viv_fail(err, errno, "reserve %llu bytes of guest memory",
                        (unsigned long long)total);
    /* A kernel without KSM refuses the advice: the guest runs the same without it. */
    (void)madvise(host, total, MADV_MERGEABLE);
    m->host = host;
    m->size = total;
    m->sys_base = size - sys_pages * VM_PAGE;
    xlat_mem_init_mmu(&m->user, m->host, m->sys_base);
    m->user.changed = user_changed;
    m->user.changed_ctx = m;
    m->pt_end = size;
    m->slots_mapped = VM_BASE_VCPUS;
    if (vm_mem_reset_tables(m) < 0) {
        vm_mem_destroy(m);
        return viv_fail(err, ENOMEM, "page-table pool too small for the system area");
    }
    return 0;
}

int vm_mem_reset_tables(struct vm_mem *m)
{
    m->pt_next = m->sys_base + VM_SYS_PAGES * VM_PAGE;
    m->pml4 = m->pt_next;
    m->pt_next += VM_PAGE;
    memset(m->host + m->pml4, 0, VM_PAGE);
    m->map_gen++;
    /* The system area for ring 0 only (U=0): shim code read-only and executable, the rest
     * writable and never executable; the page-table pool after the slots' pages, every page of
     * it, made or not yet, so that a table is at VM_KERNEL_BASE + (its address - sys_base)
     * (the shim's VM_DATA_PT_DELTA). */
    uint64_t pages = (m->pt_end - m->sys_base) / VM_PAGE;
    for (uint64_t i = 0; i < pages; i++) {
        uint64_t f = i < VM_SYS_PAGES && i % VM_SYS_SLOT < VM_SYS_DATA ? 0 : (VM_PTE_W | VM_PTE_NX);
        if (vm_pt_set(m, VM_KERNEL_BASE + i * VM_PAGE, m->sys_base + i * VM_PAGE, f | VM_PTE_P) < 0)
            return -ENOMEM;
    }
    /* The slots past the system area proper that threads took (an execve from one of their
     * threads goes on in its slot). */
    for (unsigned slot = VM_BASE_VCPUS; slot < m->slots_mapped; slot++)
        if (vm_mem_map_slot(m, slot) < 0)
            return -ENOMEM;
    return 0;
}

int vm_mem_map_slot(struct vm_mem *m, unsigned slot)
{
    if (slot < VM_BASE_VCPUS)
        return 0; /* mapped with the system area */
    for (unsigned page = 0; page < VM_SYS_SLOT; page++) {
        uint64_t f = page < VM_SYS_DATA ? 0 : (VM_PTE_W | VM_PTE_NX);
        uint64_t pa = (uint64_t)(vm_sys_host(m, slot, page) - m->host);
        if (vm_pt_set(m, vm_sys_kva(slot, page), pa, f | VM_PTE_P) < 0)
            return -ENOMEM;
    }
    if (slot >= m->slots_mapped)
        m->slots_mapped = slot + 1;
    return 0;
}

void vm_mem_destroy(struct vm_mem *m)
{
    xlat_mem_destroy(&m->user);
    if (m->host)
        munmap(m->host, m->size);
    memset(m, 0, sizeof(*m));
}

uint64_t vm_mem_mmap_pool(struct vm_mem *m, uint64_t brk_top, uint64_t brk_end)
{
    uint64_t top = m->user.mmap_top, floor = VM_PAGE;
    /* Above the break, the pool stops where the brk pool ends: no page is the shim's twice. */
    if (top > brk_top && brk_end > floor)
        floor = brk_end;
    if (top <= floor)
        return top;
    uint64_t low = top, cap = top - floor > VM_MMAP_POOL_MAX ? top - VM_MMAP_POOL_MAX : floor;
    while (low > cap && !m->user.pages[low / VM_PAGE - 1])
        low -= VM_PAGE;
    const uint64_t mib2 = 2ull << 20;
    for (uint64_t a = low & ~(mib2 - 1); a < top; a += mib2)
        if (vm_pt_prepare(m, a) < 0)
            return top; /* no tables left (never: the pool has them for all of user memory) */
    return low;
}
