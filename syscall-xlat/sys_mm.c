/* sys_mm.c: brk, mmap, munmap, mprotect, mremap, madvise, msync, the mlock family, mincore and
 * icache flushes in the guest window. */
#include "sys_internal.h"

#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MMAP_MIN_ADDR 65536 /* Linux's default vm.mmap_min_addr: low pages stay unmapped */

static bool range_free(const struct xlat_mem *m, uint64_t addr, uint64_t len)
{
    if (addr >= m->size || len > m->size - addr)
        return false;
    for (uint64_t pg = addr / XLAT_PAGE; pg < (addr + len) / XLAT_PAGE; pg++)
        if (m->pages[pg])
            return false;
    return true;
}

/* brk(2) as Linux has it: the call never fails, it returns the break it could set; brk(0) (or
 * anything below the start) asks for the current one. */
XLAT_SYS(brk)
{
    uint64_t want = a[0];
    if (want < p->brk_start || want > p->brk_limit)
        return (int64_t)p->brk_cur;
    uint64_t old_top = XLAT_PAGE_UP(p->brk_cur), new_top = XLAT_PAGE_UP(want);
    if (new_top > old_top) {
        if (!range_free(p->mem, old_top, new_top - old_top) ||
            xlat_mem_map(p->mem, old_top, new_top - old_top, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) < 0)
            return (int64_t)p->brk_cur;
    } else if (new_top < old_top) {
        xlat_mem_unmap(p->mem, new_top, old_top - new_top);
    }
    p->brk_cur = want;
    return (int64_t)want;
}

void xlat_proc_brk(const struct xlat_proc *p, uint64_t *start, uint64_t *cur, uint64_t *limit)
{
    *start = p->brk_start, *cur = p->brk_cur, *limit = p->brk_limit;
}

/* The mmap flags of asm-generic/mman-common.h (riscv64) have x86-64's values. */
#define GUEST_MAP_KNOWN                                                                            \
    (MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE | MAP_FIXED | MAP_ANONYMOUS | MAP_NORESERVE |  \
     MAP_POPULATE | MAP_STACK | MAP_GROWSDOWN | MAP_DENYWRITE | MAP_EXECUTABLE | MAP_LOCKED |      \
     MAP_NONBLOCK | MAP_FIXED_NOREPLACE)

XLAT_SYS(mmap)
{
    uint64_t addr = a[0], len = a[1], off = a[5];
    int prot = (int)a[2], flags = (int)a[3], fd = (int)a[4];
    if (len == 0 || off % XLAT_PAGE || (flags & ~GUEST_MAP_KNOWN) ||
        (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC)))
        return -EINVAL;
    int type = flags & (MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE);
    if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
        return -EINVAL;
    if (len > p->mem->size)
        return -ENOMEM;
    len = XLAT_PAGE_UP(len);
    if (flags & MAP_ANONYMOUS)
        fd = -1;
    else if (xlat_fd_reserved(p, fd))
        return -EBADF;
    if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
        if (addr % XLAT_PAGE)
            return -EINVAL;
        if (addr < MMAP_MIN_ADDR)
            return -EPERM;
        if (addr >= p->mem->size || len > p->mem->size - addr)
            return -ENOMEM; /* outside the window: as if the address space ended there */
        if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) &&
            !range_free(p->mem, addr, len))
            return -EEXIST;
    } else if (addr % XLAT_PAGE || addr < MMAP_MIN_ADDR || !range_free(p->mem, addr, len)) {
        /* A hint that cannot be honoured: anywhere else, as mmap(2) says. */
        int e = xlat_mem_find(p->mem, len, &addr);
        if (e < 0)
            return e;
    }
    int e = xlat_mem_map(p->mem, addr, len, prot, flags & ~(MAP_FIXED | MAP_FIXED_NOREPLACE), fd,
                         off);
    return e < 0 ? e : (int64_t)addr;
}

XLAT_SYS(munmap)
{
    if (a[0] % XLAT_PAGE || a[1] == 0)
        return -EINVAL;
    /* munmap(2) of a range that maps nothing (or lies past the window) succeeds. */
    if (a[0] >= p->mem->size)
        return 0;
    uint64_t len = XLAT_PAGE_UP(a[1]);
    if (len > p->mem->size - a[0])
        len = p->mem->size - a[0];
    return xlat_mem_unmap(p->mem, a[0], len);
}

XLAT_SYS(mprotect)
{
    if (a[2] & ~(uint64_t)(PROT_READ | PROT_WRITE | PROT_EXEC))
        return -EINVAL;
    return xlat_mem_protect(p->mem, a[0], a[1], (int)a[2]);
}

/* mremap(2): shrink in place, grow in place when the pages after are free, else move (with
 * MREMAP_MAYMOVE, or to new_address with MREMAP_FIXED); the range keeps the rights of its first
 * page, and what /proc/self/maps names it by: a file's growth runs on in the file. */
XLAT_SYS(mremap)
{
    struct xlat_mem *m = p->mem;
    uint64_t old = a[0], old_len = XLAT_PAGE_UP(a[1]), new_len = XLAT_PAGE_UP(a[2]);
    int flags = (int)a[3];
    if (old % XLAT_PAGE || new_len == 0 || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)) ||
        ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE)))
        return -EINVAL;
    if (old_len == 0 || !xlat_mem_ptr(m, old, old_len, 0))
        return -EFAULT;
    if (!(flags & MREMAP_FIXED)) {
        if (new_len <= old_len) {
            if (new_len < old_len)
                xlat_mem_unmap(m, old + new_len, old_len - new_len);
            return (int64_t)old;
        }
        /* In place when the pages after are free, as Linux tries first; else moved, if it
         * may be. */
        uint64_t end = old + old_len, grow = new_len - old_len;
        if (range_free(m, end, grow)) {
            int e = xlat_mem_grow(m, old, old_len, new_len);
            if (e == 0)
                return (int64_t)old;
            if (!(flags & MREMAP_MAYMOVE))
                return e;
        } else if (!(flags & MREMAP_MAYMOVE)) {
            return -ENOMEM;
        }
    }
    uint64_t dst;
    if (flags & MREMAP_FIXED) {
        dst = a[4];
        if (dst % XLAT_PAGE || dst < MMAP_MIN_ADDR || dst >= m->size || new_len > m->size - dst)
            return -EINVAL;
        if (dst < old + old_len && old < dst + new_len)
            return -EINVAL; /* the ranges may not overlap (mremap(2)) */
    } else if (xlat_mem_find(m, new_len, &dst) < 0) {
        return -ENOMEM;
    }
    int e = xlat_mem_move(m, old, old_len, dst, new_len);
    return e < 0 ? e : (int64_t)dst;
}

XLAT_SYS(madvise)
{
    if (a[0] % XLAT_PAGE)
        return -EINVAL;
    uint64_t len = XLAT_PAGE_UP(a[1]);
    if (len == 0)
        return 0;
    if (!xlat_mem_ptr(p->mem, a[0], len, 0))
        return -ENOMEM;
    int advice = (int)a[2];
    switch (advice) {
    case MADV_DONTNEED:
    case MADV_FREE:
    case MADV_WILLNEED:
    case MADV_SEQUENTIAL:
    case MADV_RANDOM:
    case MADV_NORMAL:
    case MADV_HUGEPAGE:
    case MADV_NOHUGEPAGE:
    case MADV_DONTDUMP:
    case MADV_DODUMP:
        /* Same numbers and meaning on the host; DONTNEED's zero-fill is what the guest needs. */
        return madvise(p->mem->base + a[0], len, advice) < 0 ? -errno : 0;
    default:
        return -EINVAL;
    }
}

/* The host address of the guest's page-aligned range [addr, addr + len rounded up), every page
 * of it mapped: NULL for an unaligned address (EINVAL) or *e = -ENOMEM for a range that maps
 * nothing somewhere, as msync(2), mlock(2) and mincore(2) say of one outside the address space. */
static void *mapped_range(struct xlat_proc *p, uint64_t addr, uint64_t *len, int64_t *e)
{
    *e = addr % XLAT_PAGE ? -EINVAL : -ENOMEM;
    if (addr % XLAT_PAGE || *len > p->mem->size)
        return NULL;
    *len = XLAT_PAGE_UP(*len);
    return xlat_mem_ptr(p->mem, addr, *len, 0);
}

XLAT_SYS(msync)
{
    uint64_t len = a[1];
    int64_t e;
    void *h = mapped_range(p, a[0], &len, &e);
    return h ? XLAT_RET(msync(h, len, (int)a[2])) : e;
}

XLAT_SYS(mincore)
{
    uint64_t len = a[1];
    int64_t e;
    void *h = mapped_range(p, a[0], &len, &e);
    if (!h)
        return e;
    unsigned char *vec = xlat_mem_ptr(p->mem, a[2], len / XLAT_PAGE, XLAT_PG_W);
    if (!vec)
        return -EFAULT;
    return XLAT_RET(mincore(h, len, vec));
}

/* mlock, munlock and mlock2 lock the host pages under the guest's (its own memory, never the
 * engine's); a lock needs CAP_IPC_LOCK or room in RLIMIT_MEMLOCK, which the host checks. */
static int64_t lock_range(struct xlat_proc *p, uint64_t addr, uint64_t len, bool lock,
                          unsigned flags)
{
    /* mlock(2) rounds the start down to its page. */
    uint64_t off = addr % XLAT_PAGE;
    if (__builtin_add_overflow(len, off, &len))
        return -ENOMEM;
    int64_t e;
    void *h = mapped_range(p, addr - off, &len, &e);
    if (!h)
        return e == -EINVAL ? -ENOMEM : e;
    return XLAT_RET(lock ? syscall(SYS_mlock2, h, len, flags) : munlock(h, len));
}

XLAT_SYS(mlock)
{
    return lock_range(p, a[0], a[1], true, 0);
}

XLAT_SYS(munlock)
{
    return lock_range(p, a[0], a[1], false, 0);
}

XLAT_SYS(mlock2)
{
    if (a[2] & ~(uint64_t)MLOCK_ONFAULT)
        return -EINVAL;
    return lock_range(p, a[0], a[1], true, (unsigned)a[2]);
}

/* A run of pages locked with mlock2's flags, or unlocked (flags -1). */
static int lock_run(struct xlat_mem *m, uint64_t addr, uint64_t len, int flags)
{
    void *h = m->base + addr;
    return (flags >= 0 ? syscall(SYS_mlock2, h, len, (unsigned)flags) : munlock(h, len)) < 0
               ? -errno
               : 0;
}

/* Each run of the guest's accessible pages, locked (flags for mlock2) or unlocked: 0 or the
 * first error. Linux's mlockall marks PROT_NONE mappings too but faults nothing in there, where
 * mlock would fail (mm/gup.c __mm_populate, which mlockall tells to ignore such errors): they
 * are left alone, as the thread stacks' guard pages must be. */
static int64_t lock_all(struct xlat_proc *p, bool lock, unsigned flags)
{
    return xlat_mem_each_run(p->mem, 0, p->mem->size, XLAT_PG_R | XLAT_PG_W | XLAT_PG_X,
                             lock_run, lock ? (int)flags : -1);
}

/* mlockall locks what the guest has mapped now; MCL_FUTURE is accepted, but the mappings it
 * makes later stay unlocked, as the engine's own must. */
XLAT_SYS(mlockall)
{
    uint64_t f = a[0];
    if (!f || (f & ~(uint64_t)(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) || f == MCL_ONFAULT)
        return -EINVAL;
    return (f & MCL_CURRENT) ? lock_all(p, true, (f & MCL_ONFAULT) ? MLOCK_ONFAULT : 0) : 0;
}

XLAT_SYS(munlockall)
{
    (void)a;
    return lock_all(p, false, 0);
}

/* riscv_flush_icache(start, end, flags): the guest wrote code; decoded blocks must go. */
XLAT_SYS(riscv_flush_icache)
{
    if (a[2] & ~(uint64_t)1) /* SYS_RISCV_FLUSH_ICACHE_LOCAL is the only flag */
        return -EINVAL;
    if (p->mem->changed) {
        uint64_t lo = a[0], hi = a[1];
        p->mem->changed(p->mem->changed_ctx, lo, hi > lo ? hi - lo : UINT64_MAX, true);
    }
    return 0;
}
