/* mem_ranges.c: the guest's mappings as /proc/self/maps names them: a balanced tree of ranges,
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

/* One allocation per file mapped, shared by every range cut from it: never a string a page.
 * A file's name is also in the process's list of names (by its device and inode), so that a
 * new mapping of the file finds it without a walk over every range; shared anonymous memory's
 * names are each a file of their own that nothing maps again, and stay out of it. */
struct xlat_range_name {
    unsigned refs;
    uint64_t dev, ino;
    struct xlat_range_name *next, **pprev; /* pprev NULL: not in the list */
    char path[];
};

/* A range in the record: a node of a treap (a search tree by start address whose nodes also
 * form a heap by a random priority, which keeps it balanced in expectation: O(log n) to find,
 * add or remove a range, which an array's memmove made O(n)), and of the list of ranges in
 * address order, which walks and merges of neighbours follow. */
struct xlat_range_node {
    struct xlat_range r; /* first: a range handed out is its node */
    struct xlat_range_node *left, *right, *prev, *next;
    uint64_t prio;
};

static struct xlat_range_node *node_of(const struct xlat_range *r)
{
    return (struct xlat_range_node *)(uintptr_t)r;
}

static struct xlat_range_name *name_ref(struct xlat_range_name *n)
{
    if (n)
        n->refs++;
    return n;
}

static void name_unref(struct xlat_range_name *n)
{
    if (!n || --n->refs > 0)
        return;
    if (n->pprev) {
        *n->pprev = n->next;
        if (n->next)
            n->next->pprev = n->pprev;
    }
    free(n);
}

const char *xlat_range_path(const struct xlat_range *r)
{
    return r->name ? r->name->path : NULL;
}

const struct xlat_range *xlat_range_first(const struct xlat_mem *m)
{
    return m->ranges_first ? &m->ranges_first->r : NULL;
}

const struct xlat_range *xlat_range_next(const struct xlat_range *r)
{
    struct xlat_range_node *n = node_of(r)->next;
    return n ? &n->r : NULL;
}

/* The first range that ends after addr, or NULL: ranges are disjoint, so their ends are in
 * the order of their starts, which the tree is searched by. */
static struct xlat_range_node *first_after(const struct xlat_mem *m, uint64_t addr)
{
    struct xlat_range_node *best = NULL;
    for (struct xlat_range_node *n = m->ranges_root; n;) {
        if (n->r.end > addr) {
            best = n;
            n = n->left;
        } else {
            n = n->right;
        }
    }
    return best;
}

/* The last range that starts before addr, or NULL. */
static struct xlat_range_node *last_before(const struct xlat_mem *m, uint64_t addr)
{
    struct xlat_range_node *best = NULL;
    for (struct xlat_range_node *n = m->ranges_root; n;) {
        if (n->r.start < addr) {
            best = n;
            n = n->right;
        } else {
            n = n->left;
        }
    }
    return best;
}

const struct xlat_range *xlat_range_at(const struct xlat_mem *m, uint64_t addr)
{
    struct xlat_range_node *n = first_after(m, addr);
    return n && n->r.start <= addr ? &n->r : NULL;
}

/* splitmix64: priorities need only be independent of the addresses, not secret. */
static uint64_t next_prio(struct xlat_mem *m)
{
    uint64_t z = (m->ranges_seed += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Split tree t into the ranges that start below key (*lo) and the others (*hi). */
static void tree_split(struct xlat_range_node *t, uint64_t key, struct xlat_range_node **lo,
                       struct xlat_range_node **hi)
{
    if (!t) {
        *lo = *hi = NULL;
    } else if (t->r.start < key) {
        tree_split(t->right, key, &t->right, hi);
        *lo = t;
    } else {
        tree_split(t->left, key, lo, &t->left);
        *hi = t;
    }
}

/* Join trees a and b, every range of a below every range of b. */
static struct xlat_range_node *tree_join(struct xlat_range_node *a, struct xlat_range_node *b)
{
    if (!a || !b)
        return a ? a : b;
    if (a->prio > b->prio) {
        a->right = tree_join(a->right, b);
        return a;
    }
    b->left = tree_join(a, b->left);
    return b;
}

static struct xlat_range_node *tree_insert(struct xlat_range_node *t, struct xlat_range_node *n)
{
    if (!t)
        return n;
    if (n->prio > t->prio) {
        tree_split(t, n->r.start, &n->left, &n->right);
        return n;
    }
    if (n->r.start < t->r.start)
        t->left = tree_insert(t->left, n);
    else
        t->right = tree_insert(t->right, n);
    return t;
}

static struct xlat_range_node *tree_remove(struct xlat_range_node *t, uint64_t start)
{
    if (t->r.start == start)
        return tree_join(t->left, t->right);
    if (start < t->r.start)
        t->left = tree_remove(t->left, start);
    else
        t->right = tree_remove(t->right, start);
    return t;
}

/* Add r (disjoint from every range in the record) as a node of its own: the node. */
static struct xlat_range_node *insert(struct xlat_mem *m, const struct xlat_range *r)
{
    struct xlat_range_node *n = viv_xcalloc(1, sizeof(*n));
    n->r = *r;
    n->prio = next_prio(m);
    n->prev = last_before(m, r->start);
    n->next = n->prev ? n->prev->next : m->ranges_first;
    if (n->prev)
        n->prev->next = n;
    else
        m->ranges_first = n;
    if (n->next)
        n->next->prev = n;
    m->ranges_root = tree_insert(m->ranges_root, n);
    m->nranges++;
    return n;
}

/* Take n out of the record; n itself and its name are the caller's business. */
static void unlink_node(struct xlat_mem *m, struct xlat_range_node *n)
{
    m->ranges_root = tree_remove(m->ranges_root, n->r.start);
    if (n->prev)
        n->prev->next = n->next;
    else
        m->ranges_first = n->next;
    if (n->next)
        n->next->prev = n->prev;
    n->left = n->right = n->prev = n->next = NULL;
    m->nranges--;
}

static void drop(struct xlat_mem *m, struct xlat_range_node *n)
{
    unlink_node(m, n);
    name_unref(n->r.name);
    free(n);
}

/* No range straddles x afterwards: the one that did is two, the second's offset moved on. */
static void split_at(struct xlat_mem *m, uint64_t x)
{
    struct xlat_range_node *n = first_after(m, x);
    if (!n || n->r.start >= x)
        return;
    struct xlat_range r = n->r;
    r.off += x - r.start;
    r.start = x;
    name_ref(r.name);
    n->r.end = x; /* its start, the tree's key, stays */
    insert(m, &r);
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

/* Remove [a, b) from the record. */
static void carve(struct xlat_mem *m, uint64_t a, uint64_t b)
{
    split_at(m, a);
    split_at(m, b);
    struct xlat_range_node *n = first_after(m, a);
    while (n && n->r.start < b) {
        struct xlat_range_node *next = n->next;
        drop(m, n);
        n = next;
    }
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

/* Merge the ranges from first to last (in address order), which a call changed, into their
 * neighbours and each other. */
static void merge_run(struct xlat_mem *m, struct xlat_range_node *first,
                      struct xlat_range_node *last)
{
    struct xlat_range_node *a = first->prev ? first->prev : first, *stop = last->next;
    while (a != stop && a->next) {
        struct xlat_range_node *b = a->next;
        if (!mergeable(&a->r, &b->r)) {
            a = b;
            continue;
        }
        bool was_stop = b == stop;
        a->r.end = b->r.end;
        drop(m, b);
        if (was_stop)
            break;
    }
}

static struct xlat_range_name *name_new(const char *path)
{
    size_t n = strlen(path);
    struct xlat_range_name *nm = viv_xcalloc(1, sizeof(*nm) + n + 1);
    nm->refs = 1;
    memcpy(nm->path, path, n + 1);
    return nm;
}

/* The name of the file fd: shared with a range that maps the same file already. */
static struct xlat_range_name *name_of(struct xlat_mem *m, int fd, const struct stat *st)
{
    for (struct xlat_range_name *n = m->names; n; n = n->next)
        if (n->dev == (uint64_t)st->st_dev && n->ino == (uint64_t)st->st_ino)
            return name_ref(n);
    char path[4096];
    if (viv_fd_link(fd, path, sizeof(path)) <= 0)
        return NULL;
    struct xlat_range_name *nm = name_new(path);
    nm->dev = (uint64_t)st->st_dev;
    nm->ino = (uint64_t)st->st_ino;
    nm->next = m->names;
    nm->pprev = &m->names;
    if (m->names)
        m->names->pprev = &nm->next;
    m->names = nm;
    return nm;
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
    carve(m, addr, addr + len);
    /* Looked up after the carve, so that a mapping replacing itself finds no stale name. */
    if (file)
        r.name = name_of(m, fd, &st);
    else if (r.shared)
        r.name = name_new("/dev/zero (deleted)");
    struct xlat_range_node *n = insert(m, &r);
    merge_run(m, n, n);
}

void xlat_ranges_map_shm(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot, int32_t key,
                         int id)
{
    xlat_ranges_map(m, addr, len, prot, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    /* Its own range: shared anonymous memory never merges with a neighbour. */
    struct xlat_range_node *n = first_after(m, addr);
    if (!n || n->r.start != addr)
        return;
    char name[32];
    snprintf(name, sizeof(name), "/SYSV%08x (deleted)", (unsigned)key);
    name_unref(n->r.name);
    n->r.name = name_new(name);
    n->r.ino = (uint64_t)(unsigned)id;
}

void xlat_ranges_clear(struct xlat_mem *m, uint64_t addr, uint64_t len)
{
    carve(m, addr, addr + len);
}

/* Give each range of [addr, addr+len) (split at its ends) to set, then merge what changed. */
static void update_span(struct xlat_mem *m, uint64_t addr, uint64_t len,
                        void (*set)(struct xlat_range *r, int arg), int arg)
{
    split_at(m, addr);
    split_at(m, addr + len);
    struct xlat_range_node *first = first_after(m, addr), *last = NULL;
    for (struct xlat_range_node *n = first; n && n->r.start < addr + len; n = n->next) {
        set(&n->r, arg);
        last = n;
    }
    if (last)
        merge_run(m, first, last);
}

static void set_prot(struct xlat_range *r, int prot)
{
    r->prot = (uint8_t)(prot & (PROT_READ | PROT_WRITE | PROT_EXEC));
    if ((prot & PROT_WRITE) && !r->shared && !r->noreserve)
        r->account = true;
}

void xlat_ranges_protect(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot)
{
    update_span(m, addr, len, set_prot, prot);
}

void xlat_ranges_move(struct xlat_mem *m, uint64_t old, uint64_t old_len, uint64_t to,
                      uint64_t new_len)
{
    uint64_t keep = old_len < new_len ? old_len : new_len;
    split_at(m, old);
    split_at(m, old + keep);
    /* The moved ranges keep their nodes, names and offsets (anonymous ones their vm_pgoff, as
     * memory that was touched keeps it in Linux's copy_vma) and take the rights of the first
     * page, as the pages do. */
    struct xlat_range_node *moved = NULL, **tail = &moved;
    for (struct xlat_range_node *n = first_after(m, old); n && n->r.start < old + keep;) {
        struct xlat_range_node *next = n->next;
        unlink_node(m, n);
        *tail = n;
        tail = &n->next;
        n = next;
    }
    carve(m, old + keep, old + old_len);
    carve(m, to, to + new_len);
    struct xlat_range_node *first = NULL, *last = NULL;
    uint8_t prot = moved ? moved->r.prot : 0;
    for (struct xlat_range_node *n = moved; n;) {
        struct xlat_range_node *next = n->next;
        n->next = NULL;
        n->r.start = n->r.start - old + to;
        n->r.end = n->r.end - old + to;
        n->r.prot = prot;
        if (!next && new_len > old_len)
            n->r.end = to + new_len; /* grown: the last range runs on */
        last = insert(m, &n->r);
        if (!first)
            first = last;
        free(n); /* insert copied it */
        n = next;
    }
    if (first)
        merge_run(m, first, last);
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
    carve(m, end, end + grow);
    struct xlat_range_node *n = insert(m, &r);
    merge_run(m, n, n);
}

static void set_kind(struct xlat_range *r, int kind)
{
    name_unref(r->name);
    r->name = NULL;
    r->kind = (uint8_t)kind;
    r->off = r->dev = r->ino = 0;
}

void xlat_mem_label(struct xlat_mem *m, uint64_t addr, uint64_t len, enum xlat_range_kind kind)
{
    update_span(m, addr, len, set_kind, (int)kind);
}

void xlat_ranges_free(struct xlat_mem *m)
{
    for (struct xlat_range_node *n = m->ranges_first; n;) {
        struct xlat_range_node *next = n->next;
        name_unref(n->r.name);
        free(n);
        n = next;
    }
    m->ranges_root = m->ranges_first = NULL;
    m->nranges = 0;
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
