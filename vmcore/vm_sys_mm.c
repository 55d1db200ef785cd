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

static bool range_free(const struct vm_mem *m, uint64_t addr, uint64_t len)
{
    for (uint64_t a = addr; a < addr + len; a += VM_PAGE)
        if (m->rights[a / VM_PAGE])
            return false;
    return true;
}

VM_SYS(brk)
{
    struct vm_mem *m = p->mem;
    uint64_t want = a[0];
    /* brk(2) returns the current break on any failure: the C library compares. */
    if (want < p->brk_start || want > m->user_top)
        return (int64_t)p->brk_cur;
    uint64_t cur = page_up(p->brk_cur), next = page_up(want);
    if (next > cur) {
        if (!range_free(m, cur, next - cur) ||
            vm_mem_map(m, cur, next - cur, PROT_READ | PROT_WRITE) < 0)
            return (int64_t)p->brk_cur;
    } else if (next < cur) {
        if (vm_mem_unmap(m, next, cur - next) < 0)
            return (int64_t)p->brk_cur;
    }
    p->brk_cur = want;
    return (int64_t)want;
}

VM_SYS(mmap)
{
    struct vm_mem *m = p->mem;
    uint64_t addr = a[0], len = a[1], off = a[5];
    int prot = (int)a[2], flags = (int)a[3];
    int64_t gfd = (int32_t)a[4];
    if (len == 0 || off % VM_PAGE)
        return -EINVAL;
    if (len > m->user_top)
        return -ENOMEM;
    if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
        return -EINVAL;
    len = page_up(len);
    int hfd = -1;
    if (!(flags & MAP_ANONYMOUS)) {
        hfd = vm_host_fd(p, gfd);
        if (hfd < 0)
            return -EBADF;
        if (off + len < off)
            return -EOVERFLOW;
    }
    int type = flags & MAP_TYPE;
    if (type != MAP_PRIVATE && type != MAP_SHARED && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    /* One process: a shared anonymous mapping is private in all but name. Shared file mappings
     * would need the host's page cache in guest memory: not yet. */
    if (type != MAP_PRIVATE && hfd >= 0)
        return -ENODEV;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr % VM_PAGE)
            return -EINVAL;
        if (addr < MMAP_MIN_ADDR)
            return -EPERM;
        if (addr > m->user_top || len > m->user_top - addr)
            return -ENOMEM;
        if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) && !range_free(m, addr, len))
            return -EEXIST;
    } else {
        /* A hint is taken when the range is free, as Linux does. */
        addr &= ~(uint64_t)(VM_PAGE - 1);
        if (addr < MMAP_MIN_ADDR || addr > m->user_top || len > m->user_top - addr ||
            !range_free(m, addr, len)) {
            int r = vm_mem_find(m, len, &addr);
            if (r < 0)
                return r;
        }
    }
    int r = vm_mem_map(m, addr, len, hfd >= 0 ? PROT_READ | PROT_WRITE : prot);
    if (r < 0)
        return r;
    if (hfd >= 0) {
        /* A private file mapping is a copy of the file: read it in, then set the rights. Past
         * the end of the file the pages stay zero, as the tail of a mapped file reads. */
        uint8_t *h = m->host + addr;
        uint64_t done = 0;
        while (done < len) {
            ssize_t n = pread(hfd, h + done, len - done, (off_t)(off + done));
            if (n < 0) {
                int e = errno;
                vm_mem_unmap(m, addr, len);
                return e == EISDIR ? -ENODEV : -e;
            }
            if (n == 0)
                break;
            done += (uint64_t)n;
        }
        r = vm_mem_protect(m, addr, len, prot);
        if (r < 0)
            return r;
    }
    return (int64_t)addr;
}

VM_SYS(munmap)
{
    uint64_t addr = a[0], len = a[1];
    if (addr % VM_PAGE || len == 0)
        return -EINVAL;
    int r = vm_mem_unmap(p->mem, addr, page_up(len));
    return r;
}

VM_SYS(mprotect)
{
    if ((int)a[2] & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
        return -EINVAL;
    return vm_mem_protect(p->mem, a[0], a[1], (int)a[2]);
}

/* The prot of a mapped page, from its rights. */
static int prot_of(uint8_t rights)
{
    return (rights & VM_PG_R ? PROT_READ : 0) | (rights & VM_PG_W ? PROT_WRITE : 0) |
           (rights & VM_PG_X ? PROT_EXEC : 0);
}

/* mremap(2): shrink in place, grow in place when the pages after are free, else move (with
 * MREMAP_MAYMOVE, or to new_address with MREMAP_FIXED). Private mappings only, so moving is a
 * copy; the range keeps the protection of its first page. */
VM_SYS(mremap)
{
    struct vm_mem *m = p->mem;
    uint64_t old = a[0], old_len = page_up(a[1]), new_len = page_up(a[2]), fixed_at = a[4];
    int flags = (int)a[3];
    if (old % VM_PAGE || new_len == 0 || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
        ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)))
        return -EINVAL;
    if (old_len == 0 || old > m->user_top || old_len > m->user_top - old)
        return -EFAULT;
    for (uint64_t pg = old; pg < old + old_len; pg += VM_PAGE)
        if (!m->rights[pg / VM_PAGE])
            return -EFAULT;
    int prot = prot_of(m->rights[old / VM_PAGE]);
    if (!(flags & MREMAP_FIXED)) {
        if (new_len <= old_len) {
            if (new_len < old_len)
                vm_mem_unmap(m, old + new_len, old_len - new_len);
            return (int64_t)old;
        }
        uint64_t grow = new_len - old_len;
        if (old + old_len <= m->user_top && grow <= m->user_top - (old + old_len) &&
            range_free(m, old + old_len, grow)) {
            int r = vm_mem_map(m, old + old_len, grow, prot);
            return r < 0 ? r : (int64_t)old;
        }
        if (!(flags & MREMAP_MAYMOVE))
            return -ENOMEM;
    }
    uint64_t to = fixed_at;
    if (flags & MREMAP_FIXED) {
        if (to % VM_PAGE || to < MMAP_MIN_ADDR || to > m->user_top || new_len > m->user_top - to)
            return -EINVAL;
        if (to < old + old_len && old < to + new_len)
            return -EINVAL; /* the ranges may not overlap (mremap(2)) */
    } else {
        int r = vm_mem_find(m, new_len, &to);
        if (r < 0)
            return r;
    }
    int r = vm_mem_map(m, to, new_len, PROT_READ | PROT_WRITE);
    if (r < 0)
        return r;
    memcpy(m->host + to, m->host + old, old_len < new_len ? old_len : new_len);
    vm_mem_unmap(m, old, old_len);
    r = vm_mem_protect(m, to, new_len, prot);
    return r < 0 ? r : (int64_t)to;
}
