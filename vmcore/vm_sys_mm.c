/* vm_sys_mm.c: the guest's memory calls: brk, mmap (anonymous and private file-backed), munmap,
 * mprotect, mremap. The VMM changes the guest's page tables; NX and read-only are the MMU's to enforce. */
#include "vmcore.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MMAP_MIN_ADDR 65536 /* Linux's default vm.mmap_min_addr: low pages stay unmapped */

static uint64_t page_up(uint64_t v)
{
    return (v + VM_PAGE - 1) & ~(uint64_t)(VM_PAGE - 1);
}

static bool range_free(const struct xlat_mem *m, uint64_t addr, uint64_t len)
{
    for (uint64_t a = addr; a < addr + len; a += VM_PAGE)
        if (m->pages[a / VM_PAGE])
            return false;
    return true;
}

VM_SYS(brk)
{
    struct xlat_mem *m = &p->mem->user;
    uint64_t want = a[0];
    /* brk(2) returns the current break on any failure: the C library compares. */
    if (want < p->brk_start || want > m->size)
        return (int64_t)p->brk_cur;
    uint64_t cur = page_up(p->brk_cur), next = page_up(want);
    if (next > cur) {
        if (!range_free(m, cur, next - cur) ||
            xlat_mem_map(m, cur, next - cur, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) < 0)
            return (int64_t)p->brk_cur;
    } else if (next < cur) {
        if (xlat_mem_unmap(m, next, cur - next) < 0)
            return (int64_t)p->brk_cur;
    }
    p->brk_cur = want;
    return (int64_t)want;
}

VM_SYS(mmap)
{
    struct xlat_mem *m = &p->mem->user;
    uint64_t addr = a[0], len = a[1], off = a[5];
    int prot = (int)a[2], flags = (int)a[3];
    int64_t gfd = (int32_t)a[4];
    if (len == 0 || off % VM_PAGE)
        return -EINVAL;
    if (len > m->size)
        return -ENOMEM;
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
        return -EINVAL;
    len = page_up(len);
    int hfd = -1;
    if (!(flags & MAP_ANONYMOUS)) {
        hfd = vm_host_fd(p, gfd);
        if (hfd < 0)
            return -EBADF;
    }
    int type = flags & MAP_TYPE;
    if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    /* One process: a shared anonymous mapping is private in all but name (a shared file
     * mapping is refused by xlat_mem_map). */
    if (hfd < 0)
        type = MAP_PRIVATE | MAP_ANONYMOUS;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr % VM_PAGE)
            return -EINVAL;
        if (addr < MMAP_MIN_ADDR)
            return -EPERM;
        if (addr > m->size || len > m->size - addr)
            return -ENOMEM;
        if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !range_free(m, addr, len))
            return -EEXIST;
    } else {
        /* A hint is taken when the range is free, as Linux does. */
        addr &= ~(uint64_t)(VM_PAGE - 1);
        if (addr < MMAP_MIN_ADDR || addr > m->size || len > m->size - addr ||
            !range_free(m, addr, len)) {
            int r = xlat_mem_find(m, len, &addr);
            if (r < 0)
                return r;
        }
    }
    int r = xlat_mem_map(m, addr, len, prot, type, hfd, off);
    if (r < 0)
        return r;
    return (int64_t)addr;
}

VM_SYS(munmap)
{
    uint64_t addr = a[0], len = a[1];
    if (addr % VM_PAGE || len == 0)
        return -EINVAL;
    int r = xlat_mem_unmap(&p->mem->user, addr, page_up(len));
    return r;
}

VM_SYS(mprotect)
{
    if ((int)a[2] & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
        return -EINVAL;
    return xlat_mem_protect(&p->mem->user, a[0], a[1], (int)a[2]);
}

/* The prot of a mapped page, from its rights. */
static int prot_of(uint8_t rights)
{
    return (rights & XLAT_PG_R ? PROT_READ : 0) | (rights & XLAT_PG_W ? PROT_WRITE : 0) |
           (rights & XLAT_PG_X ? PROT_EXEC : 0);
}

/* mremap(2): shrink in place, grow in place when the pages after are free, else move (with
 * MREMAP_MAYMOVE, or to new_address with MREMAP_FIXED). Private mappings only, so moving is a
 * copy; the range keeps the protection of its first page. */
VM_SYS(mremap)
{
    struct xlat_mem *m = &p->mem->user;
    uint64_t old = a[0], old_len = page_up(a[1]), new_len = page_up(a[2]), fixed_at = a[4];
    int flags = (int)a[3];
    if (old % VM_PAGE || new_len == 0 || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
        ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)))
        return -EINVAL;
    if (old_len == 0 || old > m->size || old_len > m->size - old)
        return -EFAULT;
    for (uint64_t pg = old; pg < old + old_len; pg += VM_PAGE)
        if (!m->pages[pg / VM_PAGE])
            return -EFAULT;
    int prot = prot_of(m->pages[old / VM_PAGE]);
    if (!(flags & MREMAP_FIXED)) {
        if (new_len <= old_len) {
            if (new_len < old_len)
                xlat_mem_unmap(m, old + new_len, old_len - new_len);
            return (int64_t)old;
        }
        uint64_t grow = new_len - old_len;
        if (old + old_len <= m->size && grow <= m->size - (old + old_len) &&
            range_free(m, old + old_len, grow)) {
            int r = xlat_mem_map(m, old + old_len, grow, prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            return r < 0 ? r : (int64_t)old;
        }
        if (!(flags & MREMAP_MAYMOVE))
            return -ENOMEM;
    }
    uint64_t to = fixed_at;
    if (flags & MREMAP_FIXED) {
        if (to % VM_PAGE || to < MMAP_MIN_ADDR || to > m->size || new_len > m->size - to)
            return -EINVAL;
        if (to < old + old_len && old < to + new_len)
            return -EINVAL; /* the ranges may not overlap (mremap(2)) */
    } else {
        int r = xlat_mem_find(m, new_len, &to);
        if (r < 0)
            return r;
    }
    int r = xlat_mem_move(m, old, old_len, to, new_len);
    return r < 0 ? r : (int64_t)to;
}
