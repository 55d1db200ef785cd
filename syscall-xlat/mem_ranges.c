/* mem_ranges.c: the guest's mappings as /proc/self/maps names them: a sorted array of ranges,
 * each with the file it maps and from where, split and merged as Linux splits and merges vmas. */
#include "syscall-xlat.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* One allocation per file mapped, shared by every range cut from it: never a string a page. */
struct xlat_range_name {
    unsigned refs;
    char path[];
};

static struct xlat_range_name *name_ref(struct xlat_range_name *n)
{
    if (n)
        n->refs++;
    return n;
}

static void name_unref(struct xlat_range_name *n)
{
    if (n && --n->refs == 0)
        free(n);
}

const char *xlat_range_path(const struct xlat_range *r)
{
    return r->name ? r->name->path : NULL;
}

/* The first range that ends after addr (nranges if none). */
static size_t first_after(const struct xlat_mem *m, uint64_t addr)
{
    size_t lo = 0, hi = m->nranges;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->ranges[mid].end > addr)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

const struct xlat_range *xlat_range_at(const struct xlat_mem *m, uint64_t addr)
{
    size_t i = first_after(m, addr);
    return i < m->nranges && m->ranges[i].start <= addr ? &m->ranges[i] : NULL;
}

static void insert(struct xlat_mem *m, size_t i, const struct xlat_range *r)
{
    if (m->nranges == m->ranges_cap) {
        m->ranges_cap = m->ranges_cap ? 2 * m->ranges_cap : 16;
        m->ranges = viv_xrealloc(m->ranges, m->ranges_cap * sizeof(*m->ranges));
    }
    memmove(&m->ranges[i + 1], &m->ranges[i], (m->nranges - i) * sizeof(*m->ranges));
    m->ranges[i] = *r;
    m->nranges++;
}

/* Drop ranges [i, j) from the array; their names are the caller's business. */
static void drop(struct xlat_mem *m, size_t i, size_t j)
{
    if (i == j)
        return; /* the array may not exist yet */
    memmove(&m->ranges[i], &m->ranges[j], (m->nranges - j) * sizeof(*m->ranges));
    m->nranges -= j - i;
}

/* No range straddles x afterwards: the one that did is two, the second's offset moved on. */
static void split_at(struct xlat_mem *m, uint64_t x)
{
    size_t i = first_after(m, x);
    if (i == m->nranges || m->ranges[i].start >= x)
        return;
    struct xlat_range r = m->ranges[i];
    r.off += x - r.start;
    r.start = x;
    name_ref(r.name);
    m->ranges[i].end = x;
    insert(m, i + 1, &r);
}

static unsigned splits(const struct xlat_mem *m, uint64_t a, uint64_t b)
{
    unsigned n = 0;
    const struct xlat_range *r;
    if ((r = xlat_range_at(m, a)) && r->start < a)
        n++;
    if ((r = xlat_range_at(m, b)) && r->start < b)
        n++;
    return n;
}

int xlat_ranges_room(const struct xlat_mem *m, uint64_t addr, uint64_t len, unsigned add)
{
    size_t need = splits(m, addr, addr + len) + add;
    return m->nranges + need > XLAT_MAX_MAP_COUNT ? -ENOMEM : 0;
}

/* Remove [a, b) from the record: the index where a range starting at a would go. */
static size_t carve(struct xlat_mem *m, uint64_t a, uint64_t b)
{
    split_at(m, a);
    split_at(m, b);
    size_t i = first_after(m, a), j = i;
    while (j < m->nranges && m->ranges[j].start < b)
        name_unref(m->ranges[j++].name);
    drop(m, i, j);
    return i;
}

static bool same_name(const struct xlat_range *a, const struct xlat_range *b)
{
    if (a->name == b->name)
        return true;
    return a->name && b->name && strcmp(a->name->path, b->name->path) == 0;
}

/* Linux's vma_merge (mm/vma.c, is_mergeable_vma): adjacent, the same flags, the same file at
 * contiguous offsets (anonymous memory: contiguous vm_pgoff), nothing special. */
static bool mergeable(const struct xlat_range *a, const struct xlat_range *b)
{
    return a->end == b->start && a->prot == b->prot && a->kind == b->kind &&
           a->shared == b->shared && a->account == b->account && a->noreserve == b->noreserve &&
           a->dev == b->dev && a->ino == b->ino && a->kind != XLAT_RANGE_VDSO &&
           a->kind != XLAT_RANGE_VVAR && a->off + (a->end - a->start) == b->off && same_name(a, b);
}

/* Merge what ranges [lo, hi) changed into their neighbours and each other. */
static void merge_span(struct xlat_mem *m, size_t lo, size_t hi)
{
    size_t k = lo > 0 ? lo : 1;
    while (k <= hi && k < m->nranges) {
        struct xlat_range *a = &m->ranges[k - 1], *b = &m->ranges[k];
        if (mergeable(a, b)) {
            a->end = b->end;
            name_unref(b->name);
            drop(m, k, k + 1);
            hi--;
        } else {
            k++;
        }
    }
}

static struct xlat_range_name *name_new(const char *path)
{
    size_t n = strlen(path);
    struct xlat_range_name *nm = viv_xmalloc(sizeof(*nm) + n + 1);
    nm->refs = 1;
    memcpy(nm->path, path, n + 1);
    return nm;
}

/* The name of the file fd: shared with a range that maps the same file already. */
static struct xlat_range_name *name_of(struct xlat_mem *m, int fd, const struct stat *st)
{
    for (size_t i = 0; i < m->nranges; i++) {
        const struct xlat_range *r = &m->ranges[i];
        if (r->kind == XLAT_RANGE_FILE && r->name && r->dev == (uint64_t)st->st_dev &&
            r->ino == (uint64_t)st->st_ino)
            return name_ref(r->name);
    }
    char path[4096];
    if (viv_fd_link(fd, path, sizeof(path)) <= 0)
        return NULL;
    return name_new(path);
}

/* The inode of the host's shmem file behind the shared anonymous mapping at h, which a
 * translator's window maps as the guest asked; 0 when it cannot be found. */
static uint64_t host_shmem_ino(const void *h)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f)
        return 0;
    char line[512];
    unsigned long long start, ino, found = 0;
    while (!found && fgets(line, sizeof(line), f))
        if (sscanf(line, "%llx-%*x %*s %*s %*s %llu", &start, &ino) == 2 &&
            start == (unsigned long long)(uintptr_t)h)
            found = ino;
    fclose(f);
    return found;
}

void xlat_ranges_map(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot, int flags, int fd,
                     uint64_t off)
{
    struct xlat_range r = {.start = addr,
                           .end = addr + len,
                           .off = addr,
                           .prot = (uint8_t)(prot & (PROT_READ | PROT_WRITE | PROT_EXEC)),
                           .kind = XLAT_RANGE_ANON,
                           .shared = (flags & (MAP_SHARED | MAP_PRIVATE | MAP_SHARED_VALIDATE)) !=
                                     MAP_PRIVATE,
                           .noreserve = (flags & MAP_NORESERVE) != 0};
    /* mm/mmap.c accountable_mapping: private, writable, not MAP_NORESERVE. */
    r.account = !r.shared && !r.noreserve && (prot & PROT_WRITE);
    struct stat st;
    bool file = fd >= 0 && fstat(fd, &st) == 0;
    /* A mapping of /dev/zero is anonymous memory (drivers/char/mem.c, mmap_zero). */
    if (file && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 5))
        file = false;
    if (file) {
        r.kind = XLAT_RANGE_FILE;
        r.off = off;
        r.dev = (uint64_t)st.st_dev;
        r.ino = (uint64_t)st.st_ino;
    } else if (r.shared) {
        /* Shared anonymous memory is a file of its own (mm/shmem.c shmem_zero_setup) on the
         * kernel's internal mount: offsets from 0, so that it never merges with another. */
        r.kind = XLAT_RANGE_FILE;
        r.off = 0;
        r.dev = makedev(0, 1);
        r.ino = m->mmu ? 0 : host_shmem_ino(m->base + addr);
    }
    size_t i = carve(m, addr, addr + len);
    /* Looked up after the carve, so that a mapping replacing itself finds no stale name. */
    if (file)
        r.name = name_of(m, fd, &st);
    else if (r.shared)
        r.name = name_new("/dev/zero (deleted)");
    insert(m, i, &r);
    merge_span(m, i, i + 1);
}

void xlat_ranges_clear(struct xlat_mem *m, uint64_t addr, uint64_t len)
{
    carve(m, addr, addr + len);
}

void xlat_ranges_protect(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot)
{
    split_at(m, addr);
    split_at(m, addr + len);
    size_t i = first_after(m, addr), j = i;
    for (; j < m->nranges && m->ranges[j].start < addr + len; j++) {
        struct xlat_range *r = &m->ranges[j];
        r->prot = (uint8_t)(prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
        if ((prot & PROT_WRITE) && !r->shared && !r->noreserve)
            r->account = true;
    }
    merge_span(m, i, j);
}

void xlat_ranges_move(struct xlat_mem *m, uint64_t old, uint64_t old_len, uint64_t to,
                      uint64_t new_len)
{
    uint64_t keep = old_len < new_len ? old_len : new_len;
    split_at(m, old);
    split_at(m, old + keep);
    size_t i = first_after(m, old), j = i;
    while (j < m->nranges && m->ranges[j].start < old + keep)
        j++;
    /* The moved ranges keep their names and offsets (anonymous ones their vm_pgoff, as memory
     * that was touched keeps it in Linux's copy_vma) and take the rights of the first page, as
     * the pages do. */
    size_t n = j - i;
    struct xlat_range *moved = viv_xmalloc((n ? n : 1) * sizeof(*moved));
    if (n > 0)
        memcpy(moved, &m->ranges[i], n * sizeof(*moved));
    drop(m, i, j);
    carve(m, old + keep, old + old_len);
    for (size_t k = 0; k < n; k++) {
        moved[k].start = moved[k].start - old + to;
        moved[k].end = moved[k].end - old + to;
        moved[k].prot = moved[0].prot;
    }
    if (n > 0 && new_len > old_len)
        moved[n - 1].end = to + new_len; /* grown: the last range runs on */
    size_t at = carve(m, to, to + new_len);
    for (size_t k = 0; k < n; k++)
        insert(m, at + k, &moved[k]);
    free(moved);
    merge_span(m, at, at + n);
}

void xlat_ranges_extend(struct xlat_mem *m, uint64_t end, uint64_t grow)
{
    const struct xlat_range *prev = end ? xlat_range_at(m, end - 1) : NULL;
    if (!prev)
        return;
    struct xlat_range r = *prev;
    r.off += end - r.start;
    r.start = end;
    r.end = end + grow;
    name_ref(r.name);
    size_t i = carve(m, end, end + grow);
    insert(m, i, &r);
    merge_span(m, i, i + 1);
}

void xlat_mem_label(struct xlat_mem *m, uint64_t addr, uint64_t len, enum xlat_range_kind kind)
{
    split_at(m, addr);
    split_at(m, addr + len);
    size_t i = first_after(m, addr), j = i;
    for (; j < m->nranges && m->ranges[j].start < addr + len; j++) {
        struct xlat_range *r = &m->ranges[j];
        name_unref(r->name);
        r->name = NULL;
        r->kind = (uint8_t)kind;
        r->off = r->dev = r->ino = 0;
    }
    merge_span(m, i, j);
}

void xlat_ranges_free(struct xlat_mem *m)
{
    for (size_t i = 0; i < m->nranges; i++)
        name_unref(m->ranges[i].name);
    free(m->ranges);
    m->ranges = NULL;
    m->nranges = m->ranges_cap = 0;
}

int xlat_range_format(const struct xlat_range *r, const char *name, char *buf, size_t len)
{
    /* show_vma_header_prefix: at least 8 hex digits an address, 8 the offset, 2 a device
     * number; then seq_pad pads a named line to 25 + 6 * sizeof(void *) - 1 columns and one
     * space; a line without a name ends with the space after the inode. */
    uint64_t off = r->kind == XLAT_RANGE_FILE ? r->off : 0;
    int n =
        snprintf(buf, len, "%08llx-%08llx %c%c%c%c %08llx %02x:%02x %llu ",
                 (unsigned long long)r->start, (unsigned long long)r->end,
                 r->prot & PROT_READ ? 'r' : '-', r->prot & PROT_WRITE ? 'w' : '-',
                 r->prot & PROT_EXEC ? 'x' : '-', r->shared ? 's' : 'p', (unsigned long long)off,
                 major((dev_t)r->dev), minor((dev_t)r->dev), (unsigned long long)r->ino);
    if (n < 0)
        return n;
    if (!name)
        return n + snprintf((size_t)n < len ? buf + n : NULL, (size_t)n < len ? len - n : 0, "\n");
    int pad = (n < 72 ? 72 - n : 0) + 1;
    return n + snprintf((size_t)n < len ? buf + n : NULL, (size_t)n < len ? len - n : 0, "%*s%s\n",
                        pad, "", name);
}
