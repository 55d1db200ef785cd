/* guest_mem.c: the guest's address space as a window of host memory, with checked accessors. */
#include "syscall-xlat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int xlat_mem_init(struct xlat_mem *m, uint64_t size, struct viv_error *err)
{
    memset(m, 0, sizeof(*m));
    size &= ~(uint64_t)(XLAT_PAGE - 1);
    /* Reserved, not committed: PROT_NONE and MAP_NORESERVE cost address space only. */
    void *base = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return viv_fail(err, errno, "reserve %llu bytes of guest memory",
                        (unsigned long long)size);
    m->base = base;
    m->size = size;
    m->pages = viv_xcalloc(size / XLAT_PAGE, 1);
    m->mmap_top = size;
    return 0;
}

void xlat_mem_init_mmu(struct xlat_mem *m, uint8_t *base, uint64_t size)
{
    memset(m, 0, sizeof(*m));
    m->base = base;
    m->size = size & ~(uint64_t)(XLAT_PAGE - 1);
    m->pages = viv_xcalloc(m->size / XLAT_PAGE, 1);
    m->mmap_top = m->size;
    m->mmu = true;
}

void xlat_mem_destroy(struct xlat_mem *m)
{
    /* A VM's window belongs to the engine, which unmaps it with the rest of guest memory. */
    if (m->base && !m->mmu)
        munmap(m->base, m->size);
    free(m->pages);
    free(m->shm);
    xlat_ranges_free(m);
    memset(m, 0, sizeof(*m));
}

/* [addr, addr+len) page-aligned, non-empty and inside the window. */
static bool range_ok(const struct xlat_mem *m, uint64_t addr, uint64_t len)
{
    return addr % XLAT_PAGE == 0 && len > 0 && len % XLAT_PAGE == 0 && addr <= m->size &&
           len <= m->size - addr;
}

static int host_prot(int prot)
{
    /* The host never executes guest code: PROT_EXEC is the engine's business, not the MMU's. */
    return prot & (PROT_READ | PROT_WRITE);
}

static uint8_t rights_of(const struct xlat_mem *m, int prot)
{
    uint8_t r = (uint8_t)(XLAT_PG_MAPPED | (prot & 7));
    /* A VM's pages are readable whenever present (x86 cannot deny reads of a writable or
     * executable page): a system call sees what the guest sees. */
    if (m->mmu && (prot & 7))
        r |= XLAT_PG_R;
    return r;
}

/* Set the rights of [addr, addr+len) and tell the engine. */
static void set_pages(struct xlat_mem *m, uint64_t addr, uint64_t len, uint8_t v)
{
    uint8_t *first = m->pages + addr / XLAT_PAGE;
    uint64_t n = len / XLAT_PAGE;
    bool was_mapped = false;
    for (uint64_t i = 0; i < n && !was_mapped; i++)
        was_mapped = first[i] != 0;
    memset(first, v, n);
    if (m->changed)
        m->changed(m->changed_ctx, addr, len, was_mapped);
}

/* Fresh zero pages in place: dropping private anonymous pages makes the next touch a new zero
 * page, for a VM's guest (through KVM's MMU notifier) as for us. */
static int zero_in_place(struct xlat_mem *m, uint64_t addr, uint64_t len)
{
    return madvise(m->base + addr, len, MADV_DONTNEED) < 0 ? -errno : 0;
}

/* The host's rights for a VM's page of the guest's: readable whenever present, as the guest's
 * own tables make it (rights_of), so that the hypervisor can map what the guest may read. */
static int window_prot(int prot)
{
    return (prot & 7) ? PROT_READ | (prot & PROT_WRITE) : PROT_NONE;
}

int xlat_mem_each_run(struct xlat_mem *m, uint64_t addr, uint64_t len, unsigned mask,
                      int (*fn)(struct xlat_mem *m, uint64_t addr, uint64_t len, int arg), int arg)
{
    uint64_t p = addr / XLAT_PAGE, end = (addr + len) / XLAT_PAGE;
    while (p < end) {
        if (!(m->pages[p] & mask)) {
            p++;
            continue;
        }
        uint64_t first = p;
        while (p < end && (m->pages[p] & mask))
            p++;
        int e = fn(m, first * XLAT_PAGE, (p - first) * XLAT_PAGE, arg);
        if (e < 0)
            return e;
    }
    return 0;
}

/* Private anonymous pages again where a shared mapping was, mergeable like the rest of the
 * window (vm_mem_init). */
static int make_private(struct xlat_mem *m, uint64_t addr, uint64_t len, int unused)
{
    (void)unused;
    if (mmap(m->base + addr, len, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0) == MAP_FAILED)
        return -errno;
    (void)madvise(m->base + addr, len, MADV_MERGEABLE);
    return 0;
}

static int protect_host(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot)
{
    return mprotect(m->base + addr, len, window_prot(prot)) < 0 ? -errno : 0;
}

/* A VM's [addr, addr+len) as private zero pages, whatever the host mapped there. */
static int private_zero(struct xlat_mem *m, uint64_t addr, uint64_t len)
{
    int e = xlat_mem_each_run(m, addr, len, XLAT_PG_HOST, make_private, 0);
    return e < 0 ? e : zero_in_place(m, addr, len);
}

/* A VM's shared mapping: the host's, over the pages there (which MAP_FIXED replaces only once
 * the host has accepted the mapping: a refusal leaves them as they were, as Linux does). */
static int map_shared(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot, int flags,
                      int fd, uint64_t off)
{
    int hflags = (flags & (MAP_SHARED | MAP_SHARED_VALIDATE | MAP_ANONYMOUS)) | MAP_FIXED;
    if (mmap(m->base + addr, len, window_prot(prot), hflags, fd, (off_t)off) == MAP_FAILED)
        return errno == EOPNOTSUPP ? -EINVAL : -errno;
    return 0;
}

/* A private file mapping of a VM is a copy of the file; past its end the pages stay zero, as
 * the tail of a mapped file reads. (A shared one is the host's: map_shared.) */
static int copy_in(struct xlat_mem *m, uint64_t addr, uint64_t len, int fd, uint64_t off)
{
    if (off + len < off)
        return -EOVERFLOW;
    uint64_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, m->base + addr + done, len - done, (off_t)(off + done));
        if (n < 0)
            return errno == EISDIR ? -ENODEV : -errno;
        if (n == 0)
            break;
        done += (uint64_t)n;
    }
    return 0;
}

/* Whether fd is the regular file with that device and inode. */
static bool is_file(int fd, uint64_t dev, uint64_t ino)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_dev == dev &&
           (uint64_t)st.st_ino == ino;
}

/* An O_PATH fd of the file r maps: by the name it was mapped under, without following a
 * symlink, if that is still the file; else one of the process's open fds that is (a memfd has
 * no name to open). -1 when neither. */
static int find_file(const struct xlat_range *r)
{
    const char *path = xlat_range_path(r);
    struct open_how how = {.flags = O_PATH | O_CLOEXEC,
                           .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS};
    int fd = path ? (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how)) : -1;
    if (fd >= 0 && is_file(fd, r->dev, r->ino))
        return fd;
    if (fd >= 0)
        close(fd);
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    fd = -1;
    for (struct dirent *e; fd < 0 && (e = readdir(d)) != NULL;) {
        int n = atoi(e->d_name);
        if (e->d_name[0] != '.' && n != dirfd(d) && is_file(n, r->dev, r->ino))
            fd = fcntl(n, F_DUPFD_CLOEXEC, 0);
    }
    closedir(d);
    return fd;
}

/* A VM's private file mapping r that mremap made longer runs on in the file: [at, at+len)
 * gets the file's bytes from off, read through a descriptor of its own (the mapping holds
 * none); where the file cannot be found again the new pages stay zero. */
static void copy_more(struct xlat_mem *m, const struct xlat_range *r, uint64_t at, uint64_t len,
                      uint64_t off)
{
    if (!m->mmu || r->shared || r->kind != XLAT_RANGE_FILE)
        return;
    int found = find_file(r);
    if (found < 0)
        return;
    char self[64];
    snprintf(self, sizeof(self), "/proc/self/fd/%d", found);
    int fd = open(self, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        copy_in(m, at, len, fd, off);
        close(fd);
    }
    close(found);
}

/* The attachments that start in [addr, addr+len), which a change of the map there ends (shmdt
 * finds no segment at an address whose mapping is gone or replaced). */
static void forget_shm(struct xlat_mem *m, uint64_t addr, uint64_t len)
{
    for (size_t i = 0; i < m->nshm;)
        if (m->shm[i].addr - addr < len)
            m->shm[i] = m->shm[--m->nshm];
        else
            i++;
}

int xlat_mem_map(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot, int flags, int fd,
                 uint64_t off)
{
    len = (len + XLAT_PAGE - 1) & ~(uint64_t)(XLAT_PAGE - 1);
    if (!range_ok(m, addr, len))
        return -ENOMEM;
    if (xlat_ranges_room(m, addr, len, 1) < 0)
        return -ENOMEM; /* mmap(2): "the process's maximum number of mappings would have been
                         * exceeded" */
    uint8_t host = 0;
    if (m->mmu && (flags & (MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE)) != MAP_PRIVATE) {
        int e = map_shared(m, addr, len, prot, flags, fd, off);
        if (e < 0)
            return e;
        host = XLAT_PG_HOST;
    } else if (m->mmu) {
        int e = private_zero(m, addr, len);
        if (e == 0 && fd >= 0 && (e = copy_in(m, addr, len, fd, off)) < 0) {
            zero_in_place(m, addr, len);
            forget_shm(m, addr, len);
            set_pages(m, addr, len, 0); /* MAP_FIXED over a mapping: the old one is gone */
            xlat_ranges_clear(m, addr, len);
        }
        if (e < 0)
            return e;
    } else {
        /* Only the sharing type and harmless hints reach the host; MAP_FIXED is always ours,
         * since the address was chosen inside the window. */
        int hflags = (flags & (MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE | MAP_ANONYMOUS |
                               MAP_NORESERVE | MAP_POPULATE)) |
                     MAP_FIXED;
        if (mmap(m->base + addr, len, host_prot(prot), hflags, fd, (off_t)off) == MAP_FAILED)
            return -errno;
    }
    forget_shm(m, addr, len);
    set_pages(m, addr, len, rights_of(m, prot) | host);
    xlat_ranges_map(m, addr, len, prot, flags, fd, off);
    return 0;
}

/* The record of a move of [old, old+old_len) to [to, to+new_len) with these rights: a segment
 * attached at old goes along. */
static void moved(struct xlat_mem *m, uint64_t old, uint64_t old_len, uint64_t to,
                  uint64_t new_len, uint8_t rights)
{
    set_pages(m, old, old_len, 0);
    set_pages(m, to, new_len, rights);
    forget_shm(m, to, new_len);
    for (size_t i = 0; i < m->nshm; i++)
        if (m->shm[i].addr == old)
            m->shm[i] = (struct xlat_shm_attach){to, new_len};
    forget_shm(m, old, old_len);
    xlat_ranges_move(m, old, old_len, to, new_len);
}

int xlat_mem_attach_shm(struct xlat_mem *m, uint64_t addr, uint64_t len, int id, int shmflg)
{
    len = (len + XLAT_PAGE - 1) & ~(uint64_t)(XLAT_PAGE - 1);
    if (!range_ok(m, addr, len))
        return -EINVAL;
    if (xlat_ranges_room(m, addr, len, 1) < 0)
        return -ENOMEM;
    /* Its key names it in /proc/self/maps. */
    struct shmid_ds ds;
    if (shmctl(id, IPC_STAT, &ds) < 0)
        return -errno;
    /* The host never executes guest code: SHM_EXEC is the guest's right only. */
    if (shmat(id, m->base + addr, (shmflg & SHM_RDONLY) | SHM_REMAP) == (void *)-1)
        return -errno;
    int prot = PROT_READ | ((shmflg & SHM_RDONLY) ? 0 : PROT_WRITE) |
               ((shmflg & SHM_EXEC) ? PROT_EXEC : 0);
    forget_shm(m, addr, len);
    m->shm = viv_xrealloc(m->shm, (m->nshm + 1) * sizeof(*m->shm));
    m->shm[m->nshm++] = (struct xlat_shm_attach){addr, len};
    set_pages(m, addr, len, rights_of(m, prot) | (m->mmu ? XLAT_PG_HOST : 0));
    xlat_ranges_map_shm(m, addr, len, prot, ds.shm_perm.__key, id);
    return 0;
}

int xlat_mem_detach_shm(struct xlat_mem *m, uint64_t addr)
{
    for (size_t i = 0; i < m->nshm; i++)
        if (m->shm[i].addr == addr)
            return xlat_mem_unmap(m, addr, m->shm[i].len);
    return -EINVAL;
}

/* Give the pages of [addr, addr+len) back but keep the reservation, so nothing else lands in
 * the window. */
static int release(struct xlat_mem *m, uint64_t addr, uint64_t len)
{
    if (m->mmu)
        return private_zero(m, addr, len);
    if (mmap(m->base + addr, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
             MAP_FIXED, -1, 0) == MAP_FAILED)
        return -errno;
    return 0;
}

int xlat_mem_unmap(struct xlat_mem *m, uint64_t addr, uint64_t len)
{
    len = (len + XLAT_PAGE - 1) & ~(uint64_t)(XLAT_PAGE - 1);
    if (!range_ok(m, addr, len))
        return -EINVAL;
    if (xlat_ranges_room(m, addr, len, 0) < 0)
        return -ENOMEM; /* munmap(2): a split past the limit */
    int e = release(m, addr, len);
    if (e < 0)
        return e;
    forget_shm(m, addr, len);
    set_pages(m, addr, len, 0);
    xlat_ranges_clear(m, addr, len);
    return 0;
}

int xlat_mem_protect(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot)
{
    len = (len + XLAT_PAGE - 1) & ~(uint64_t)(XLAT_PAGE - 1);
    if (addr % XLAT_PAGE)
        return -EINVAL;
    if (len == 0)
        return 0;
    if (!range_ok(m, addr, len))
        return -ENOMEM;
    /* mprotect(2): ENOMEM when part of the range is not mapped. */
    for (uint64_t p = addr / XLAT_PAGE; p < (addr + len) / XLAT_PAGE; p++)
        if (!(m->pages[p] & XLAT_PG_MAPPED))
            return -ENOMEM;
    if (xlat_ranges_room(m, addr, len, 0) < 0)
        return -ENOMEM;
    if (!m->mmu && mprotect(m->base + addr, len, host_prot(prot)) < 0)
        return -errno;
    /* A shared mapping's pages are the host's: it refuses what Linux refuses (PROT_WRITE on a
     * file opened read-only: EACCES), and keeps them as the guest's tables have them. */
    int e = m->mmu ? xlat_mem_each_run(m, addr, len, XLAT_PG_HOST, protect_host, prot) : 0;
    if (e < 0)
        return e;
    for (uint64_t p = addr / XLAT_PAGE, end = (addr + len) / XLAT_PAGE; p < end;) {
        uint8_t host = m->pages[p] & XLAT_PG_HOST;
        uint64_t first = p;
        while (p < end && (m->pages[p] & XLAT_PG_HOST) == host)
            p++;
        set_pages(m, first * XLAT_PAGE, (p - first) * XLAT_PAGE, rights_of(m, prot) | host);
    }
    xlat_ranges_protect(m, addr, len, prot);
    return 0;
}

int xlat_mem_move(struct xlat_mem *m, uint64_t old, uint64_t old_len, uint64_t to,
                  uint64_t new_len)
{
    if (!range_ok(m, old, old_len) || !range_ok(m, to, new_len))
        return -EINVAL;
    if (xlat_ranges_room(m, old, old_len, 3) < 0)
        return -ENOMEM;
    uint8_t rights = m->pages[old / XLAT_PAGE];
    /* mremap(2) moves one mapping: EFAULT for a range that a shared one only partly fills. */
    for (uint64_t p = old / XLAT_PAGE; m->mmu && p < (old + old_len) / XLAT_PAGE; p++)
        if ((m->pages[p] ^ rights) & XLAT_PG_HOST)
            return -EFAULT;
    if (m->mmu && (rights & XLAT_PG_HOST)) {
        /* A shared mapping moves as the host's (one of its own, or the host refuses: EFAULT
         * for one that runs into other mappings), and private pages fill the hole it leaves
         * under the memory slot. */
        if (mremap(m->base + old, old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED,
                   m->base + to) == MAP_FAILED)
            return -errno;
        int e = make_private(m, old, old_len, 0);
        if (e < 0)
            return e;
        moved(m, old, old_len, to, new_len, rights);
        return 0;
    }
    if (m->mmu) {
        /* Guest-physical memory cannot move under the memory slot: a copy, and a file's
         * growth read from the file. */
        int e = private_zero(m, to, new_len);
        if (e < 0)
            return e;
        memcpy(m->base + to, m->base + old, old_len < new_len ? old_len : new_len);
        const struct xlat_range *last = xlat_range_at(m, old + old_len - 1);
        if (last && new_len > old_len)
            copy_more(m, last, to + old_len, new_len - old_len,
                      last->off + (old + old_len - last->start));
    } else if (mremap(m->base + old, old_len, new_len, MREMAP_MAYMOVE | MREMAP_FIXED,
                      m->base + to) == MAP_FAILED) {
        /* The host moves the pages (file or anonymous alike). */
        return -errno;
    }
    int e = release(m, old, old_len);
    if (e < 0)
        return e;
    moved(m, old, old_len, to, new_len, rights);
    return 0;
}

int xlat_mem_grow(struct xlat_mem *m, uint64_t old, uint64_t old_len, uint64_t new_len)
{
    if (!range_ok(m, old, old_len) || new_len <= old_len || !range_ok(m, old, new_len))
        return -EINVAL;
    const struct xlat_range *last = xlat_range_at(m, old + old_len - 1);
    if (!last)
        return -EFAULT;
    uint64_t end = old + old_len, grow = new_len - old_len;
    uint8_t rights = m->pages[(end - 1) / XLAT_PAGE];
    if (!m->mmu || (rights & XLAT_PG_HOST)) {
        /* The host's own mapping (a translator's, a VM's shared one) grows as the host's: the
         * free pages after it leave the window, for mremap to take in place; should it refuse
         * (one host mapping ends before old+old_len: EFAULT, as Linux), they come back. */
        if (munmap(m->base + end, grow) < 0)
            return -errno;
        if (mremap(m->base + old, old_len, new_len, 0) == MAP_FAILED) {
            int e = -errno;
            if (m->mmu)
                make_private(m, end, grow, 0);
            else
                release(m, end, grow);
            return e;
        }
        set_pages(m, end, grow, rights);
        xlat_ranges_extend(m, end, grow);
        return 0;
    }
    struct xlat_range was = *last;
    int e = xlat_mem_map(m, end, grow, was.prot, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (e < 0)
        return e;
    copy_more(m, &was, end, grow, was.off + (end - was.start));
    xlat_ranges_extend(m, end, grow);
    return 0;
}

int xlat_mem_find(struct xlat_mem *m, uint64_t len, uint64_t *addr)
{
    len = (len + XLAT_PAGE - 1) & ~(uint64_t)(XLAT_PAGE - 1);
    uint64_t n = len / XLAT_PAGE;
    if (n == 0 || len > m->size)
        return -ENOMEM;
    /* Two passes: below the last allocation (the usual top-down order), then the whole window
     * for holes that munmap left. Page 0 stays free so that NULL never maps. */
    uint64_t tops[2] = {m->mmap_top / XLAT_PAGE, m->size / XLAT_PAGE};
    for (int pass = 0; pass < 2; pass++) {
        uint64_t end = tops[pass];
        while (end >= n + 1) {
            uint64_t first = end - n;
            /* Scan down from the top of the candidate for the highest used page. */
            uint64_t i = n;
            while (i > 0 && !m->pages[first + i - 1])
                i--;
            if (i == 0) {
                *addr = first * XLAT_PAGE;
                if (pass == 0)
                    m->mmap_top = *addr;
                return 0;
            }
            end = first + i - 1;
        }
    }
    return -ENOMEM;
}

void *xlat_mem_ptr(const struct xlat_mem *m, uint64_t addr, uint64_t len, unsigned need)
{
    if (len == 0)
        return m->base + (addr < m->size ? addr : 0);
    if (addr >= m->size || len > m->size - addr)
        return NULL;
    uint64_t last = (addr + len - 1) / XLAT_PAGE;
    unsigned want = XLAT_PG_MAPPED | need;
    for (uint64_t p = addr / XLAT_PAGE; p <= last; p++)
        if ((m->pages[p] & want) != want)
            return NULL;
    return m->base + addr;
}

int xlat_mem_read(const struct xlat_mem *m, uint64_t addr, void *dst, uint64_t len)
{
    const void *h = xlat_mem_ptr(m, addr, len, XLAT_PG_R);
    if (!h)
        return -EFAULT;
    memcpy(dst, h, len);
    return 0;
}

int xlat_mem_write(const struct xlat_mem *m, uint64_t addr, const void *src, uint64_t len)
{
    void *h = xlat_mem_ptr(m, addr, len, XLAT_PG_W);
    if (!h)
        return -EFAULT;
    memcpy(h, src, len);
    return 0;
}

long xlat_mem_string(const struct xlat_mem *m, uint64_t addr, char *buf, size_t max)
{
    for (size_t i = 0; i < max; i++) {
        /* Page by page: a string may end right before an unmapped page. */
        const char *h = xlat_mem_ptr(m, addr + i, 1, XLAT_PG_R);
        if (!h || addr + i < addr)
            return -EFAULT;
        buf[i] = *h;
        if (buf[i] == '\0')
            return (long)i;
    }
    return -ENAMETOOLONG;
}

void xlat_mem_set_stack(struct xlat_mem *m, uint64_t base, uint64_t start)
{
    m->stack_base = base;
    m->stack_start = start;
    /* Residence says how far down the guest has touched, one page at a time: a transparent huge
     * page (made at a fault, or by khugepaged later) would make a single touch look like 2 MiB
     * of stack. Only advice: without it the guest runs the same. */
    if (base < m->size)
        (void)madvise(m->base + base, m->size - base, MADV_NOHUGEPAGE);
}

uint64_t xlat_mem_stack_start(const struct xlat_mem *m)
{
    if (!m->stack_start)
        return 0;
    /* Both kinds of window are host memory committed only when touched (MAP_NORESERVE, and
     * emptied with MADV_DONTNEED or replaced when mapped): a resident page below the start is
     * one the guest touched, where Linux would have taken a fault that grew the vma. */
    unsigned char vec[512];
    for (uint64_t a = m->stack_base; a < m->stack_start;) {
        uint64_t n = (m->stack_start - a) / XLAT_PAGE;
        if (n > sizeof(vec))
            n = sizeof(vec);
        if (mincore(m->base + a, n * XLAT_PAGE, vec) < 0)
            break;
        for (uint64_t i = 0; i < n; i++)
            if (vec[i] & 1)
                return a + i * XLAT_PAGE;
        a += n * XLAT_PAGE;
    }
    return m->stack_start;
}

/* ---- the loader's view ---- */

static int ld_map(void *ctx, uint64_t addr, uint64_t len, struct viv_error *err)
{
    int r = xlat_mem_map(ctx, addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                         -1, 0);
    if (r < 0)
        return viv_fail(err, -r, "map guest [%#llx, +%#llx)", (unsigned long long)addr,
                        (unsigned long long)len);
    return 0;
}

static int ld_map_file(void *ctx, uint64_t addr, uint64_t len, int fd, uint64_t off,
                       struct viv_error *err)
{
    int r = xlat_mem_map(ctx, addr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, off);
    if (r < 0)
        return viv_fail(err, -r, "map guest [%#llx, +%#llx) from the file",
                        (unsigned long long)addr, (unsigned long long)len);
    return 0;
}

static int ld_find(void *ctx, uint64_t len, uint64_t *addr, struct viv_error *err)
{
    int r = xlat_mem_find(ctx, len, addr);
    if (r < 0)
        return viv_fail(err, -r, "guest memory is full");
    return 0;
}

static int ld_write(void *ctx, uint64_t addr, const void *src, size_t len, struct viv_error *err)
{
    struct xlat_mem *m = ctx;
    void *h = xlat_mem_ptr(m, addr, len, XLAT_PG_W);
    if (!h)
        return viv_fail(err, EFAULT, "write guest [%#llx, +%#zx): not mapped writable",
                        (unsigned long long)addr, len);
    memcpy(h, src, len);
    return 0;
}

static int ld_protect(void *ctx, uint64_t addr, uint64_t len, int prot, struct viv_error *err)
{
    int r = xlat_mem_protect(ctx, addr, len, prot);
    if (r < 0)
        return viv_fail(err, -r, "protect guest [%#llx, +%#llx)", (unsigned long long)addr,
                        (unsigned long long)len);
    return 0;
}

static int ld_unmap(void *ctx, uint64_t addr, uint64_t len, struct viv_error *err)
{
    int r = xlat_mem_unmap(ctx, addr, len);
    if (r < 0)
        return viv_fail(err, -r, "unmap guest [%#llx, +%#llx)", (unsigned long long)addr,
                        (unsigned long long)len);
    return 0;
}

void xlat_mem_loader_ops(struct xlat_mem *m, struct elf_load_ops *ops)
{
    *ops = (struct elf_load_ops){
        .ctx = m,
        .map = ld_map,
        .find = ld_find,
        .write = ld_write,
        .protect = ld_protect,
        /* A gap between segments is unmapped as Linux's is: the guest faults there all the
         * same (no page, no page-table entry), and mmap may place memory there. */
        .unmap = ld_unmap,
        /* A VM's file mappings are copies (xlat_mem_map) as a copied segment is, but made as
         * mappings they are named in /proc/self/maps by their file, as Linux's are. */
        .map_file = ld_map_file};
}
