/* vm_mem.c: the guest's memory: one lazily reserved, KSM-mergeable host mapping, the rights of
 * every user page, and checked accessors that turn a bad guest pointer into EFAULT. */
#include "vmcore.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

static uint64_t leaf_flags(int prot)
{
    if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
        return 0; /* PROT_NONE: kept in rights, absent in the tables */
    /* x86 pages are always readable when present; W and NX are the only other rights
     * (AMD64 APM vol. 2, 5.6). Writable pages are also readable to the guest. */
    return VM_PTE_P | VM_PTE_U | ((prot & PROT_WRITE) ? VM_PTE_W : 0) |
           ((prot & PROT_EXEC) ? 0 : VM_PTE_NX);
}

static uint8_t rights_of(int prot)
{
    uint8_t r = VM_PG_MAPPED;
    /* Readability follows what the MMU will allow, so that a syscall sees what the guest sees. */
    if (prot & (PROT_READ | PROT_WRITE | PROT_EXEC))
        r |= VM_PG_R;
    if (prot & PROT_WRITE)
        r |= VM_PG_W;
    if (prot & PROT_EXEC)
        r |= VM_PG_X;
    return r;
}

int vm_mem_init(struct vm_mem *m, uint64_t size, struct viv_error *err)
{
    memset(m, 0, sizeof(*m));
    size &= ~(uint64_t)(VM_PAGE - 1);
    if (size < VM_MIN_MEMORY)
        return viv_fail(err, EINVAL, "guest memory of %llu bytes: vm mode needs at least 8 MiB",
                        (unsigned long long)size);
    uint64_t sys_pages = VM_SYS_PAGES + vm_pt_pool_pages(size);
    /* Reserved, not committed: untouched guest pages cost nothing (MAP_NORESERVE), and pages
     * equal across instances can be shared by KSM (MADV_MERGEABLE). */
    void *host = mmap(NULL, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED)
        return viv_fail(err, errno, "reserve %llu bytes of guest memory",
                        (unsigned long long)size);
    /* A kernel without KSM refuses the advice: the guest runs the same without it. */
    (void)madvise(host, size, MADV_MERGEABLE);
    m->host = host;
    m->size = size;
    m->sys_base = size - sys_pages * VM_PAGE;
    m->user_top = m->sys_base;
    m->mmap_top = m->user_top;
    m->rights = viv_xcalloc(m->user_top / VM_PAGE, 1);
    m->pt_next = m->sys_base + VM_SYS_PAGES * VM_PAGE;
    m->pt_end = size;
    m->pml4 = m->pt_next;
    m->pt_next += VM_PAGE;
    /* The system area for ring 0 only (U=0): shim code read-only and executable, the rest
     * writable and never executable. */
    for (unsigned i = 0; i < VM_SYS_PAGES; i++) {
        uint64_t f = i < VM_SYS_DATA ? 0 : (VM_PTE_W | VM_PTE_NX);
        if (vm_pt_set(m, VM_KERNEL_BASE + (uint64_t)i * VM_PAGE, m->sys_base + i * VM_PAGE,
                      f | VM_PTE_P) < 0) {
            vm_mem_destroy(m);
            return viv_fail(err, ENOMEM, "page-table pool too small for the system area");
        }
    }
    return 0;
}

void vm_mem_destroy(struct vm_mem *m)
{
    if (m->host)
        munmap(m->host, m->size);
    free(m->rights);
    memset(m, 0, sizeof(*m));
}

/* Round len up to pages; [addr, addr+len) page-aligned, non-empty, inside user memory. */
static bool user_range(const struct vm_mem *m, uint64_t addr, uint64_t *len)
{
    if (addr % VM_PAGE || *len == 0 || *len > m->user_top)
        return false;
    *len = (*len + VM_PAGE - 1) & ~(uint64_t)(VM_PAGE - 1);
    return addr <= m->user_top && *len <= m->user_top - addr;
}

static int set_range(struct vm_mem *m, uint64_t addr, uint64_t len, uint8_t rights, int prot)
{
    uint64_t flags = rights ? leaf_flags(prot) : 0;
    for (uint64_t a = addr; a < addr + len; a += VM_PAGE) {
        uint8_t *r = &m->rights[a / VM_PAGE];
        /* A page that was present may sit in the guest's TLB: narrowing or removing it needs a
         * flush before ring 3 runs again (AMD64 APM vol. 2, 5.5.2 "TLB Management"). */
        if (*r)
            m->tlb_dirty = true;
        if (vm_pt_set(m, a, a, flags) < 0)
            return -ENOMEM;
        *r = rights;
    }
    return 0;
}

int vm_mem_map(struct vm_mem *m, uint64_t addr, uint64_t len, int prot)
{
    if (!user_range(m, addr, &len))
        return -ENOMEM;
    /* Fresh pages read as zeros: dropping private anonymous pages makes the next touch a new
     * zero page, for the guest (through KVM's MMU notifier) as for us. */
    if (madvise(m->host + addr, len, MADV_DONTNEED) < 0)
        return -errno;
    return set_range(m, addr, len, rights_of(prot), prot);
}

int vm_mem_unmap(struct vm_mem *m, uint64_t addr, uint64_t len)
{
    if (!user_range(m, addr, &len))
        return -EINVAL;
    if (madvise(m->host + addr, len, MADV_DONTNEED) < 0)
        return -errno;
    return set_range(m, addr, len, 0, 0);
}

int vm_mem_protect(struct vm_mem *m, uint64_t addr, uint64_t len, int prot)
{
    if (addr % VM_PAGE)
        return -EINVAL;
    if (len == 0)
        return 0;
    if (!user_range(m, addr, &len))
        return -ENOMEM;
    /* mprotect(2): ENOMEM when part of the range is not mapped. */
    for (uint64_t a = addr; a < addr + len; a += VM_PAGE)
        if (!(m->rights[a / VM_PAGE] & VM_PG_MAPPED))
            return -ENOMEM;
    return set_range(m, addr, len, rights_of(prot), prot);
}

int vm_mem_find(struct vm_mem *m, uint64_t len, uint64_t *addr)
{
    if (len == 0 || len > m->user_top)
        return -ENOMEM;
    uint64_t n = (len + VM_PAGE - 1) / VM_PAGE;
    uint64_t tops[2] = {m->mmap_top / VM_PAGE, m->user_top / VM_PAGE};
    for (int pass = 0; pass < 2; pass++) {
        uint64_t end = tops[pass];
        /* Page 0 stays free, so that NULL never maps. */
        while (end >= n + 1) {
            uint64_t first = end - n, i = n;
            while (i > 0 && !m->rights[first + i - 1])
                i--;
            if (i == 0) {
                *addr = first * VM_PAGE;
                if (pass == 0)
                    m->mmap_top = *addr;
                return 0;
            }
            end = first + i - 1;
        }
    }
    return -ENOMEM;
}

void *vm_mem_ptr(const struct vm_mem *m, uint64_t addr, uint64_t len, unsigned need)
{
    if (len == 0)
        return m->host;
    /* Kernel-half and beyond-memory addresses fail the first test, wrapping ranges the second. */
    if (addr >= m->user_top || len > m->user_top - addr)
        return NULL;
    unsigned want = VM_PG_MAPPED | need;
    for (uint64_t p = addr / VM_PAGE; p <= (addr + len - 1) / VM_PAGE; p++)
        if ((m->rights[p] & want) != want)
            return NULL;
    return m->host + addr;
}

int vm_mem_read(const struct vm_mem *m, uint64_t addr, void *dst, uint64_t len)
{
    const void *h = vm_mem_ptr(m, addr, len, VM_PG_R);
    if (!h)
        return -EFAULT;
    memcpy(dst, h, len);
    return 0;
}

int vm_mem_write(const struct vm_mem *m, uint64_t addr, const void *src, uint64_t len)
{
    void *h = vm_mem_ptr(m, addr, len, VM_PG_W);
    if (!h)
        return -EFAULT;
    memcpy(h, src, len);
    return 0;
}

long vm_mem_string(const struct vm_mem *m, uint64_t addr, char *buf, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        if (addr + i < addr)
            return -EFAULT;
        const char *h = vm_mem_ptr(m, addr + i, 1, VM_PG_R);
        if (!h)
            return -EFAULT;
        buf[i] = *h;
        if (!buf[i])
            return (long)i;
    }
    return -ENAMETOOLONG;
}

/* ---- the loader's view ---- */

static int ld_map(void *ctx, uint64_t addr, uint64_t len, struct viv_error *err)
{
    int r = vm_mem_map(ctx, addr, len, PROT_READ | PROT_WRITE);
    if (r < 0)
        return viv_fail(err, -r, "map guest [%#llx, +%#llx)", (unsigned long long)addr,
                        (unsigned long long)len);
    return 0;
}

static int ld_find(void *ctx, uint64_t len, uint64_t *addr, struct viv_error *err)
{
    int r = vm_mem_find(ctx, len, addr);
    if (r < 0)
        return viv_fail(err, -r, "guest memory is full");
    return 0;
}

static int ld_write(void *ctx, uint64_t addr, const void *src, size_t len, struct viv_error *err)
{
    void *h = vm_mem_ptr(ctx, addr, len, VM_PG_MAPPED);
    if (!h)
        return viv_fail(err, EFAULT, "write guest [%#llx, +%#zx): not mapped",
                        (unsigned long long)addr, len);
    memcpy(h, src, len);
    return 0;
}

static int ld_protect(void *ctx, uint64_t addr, uint64_t len, int prot, struct viv_error *err)
{
    int r = vm_mem_protect(ctx, addr, len, prot);
    if (r < 0)
        return viv_fail(err, -r, "protect guest [%#llx, +%#llx)", (unsigned long long)addr,
                        (unsigned long long)len);
    return 0;
}

void vm_mem_loader_ops(struct vm_mem *m, struct elf_load_ops *ops)
{
    ops->ctx = m;
    ops->map = ld_map;
    ops->find = ld_find;
    ops->write = ld_write;
    ops->protect = ld_protect;
}
