/* tree.c: an image's root filesystem as a set of nodes keyed by path (hash table + child lists). */
#include "appliance-fmt/internal.h"

#include <errno.h>
#include <string.h>

/* A node, its hash chain, and its place among its parent's children: removing a directory walks
 * only its own subtree, so whiteouts and replacements cost what they remove, never the tree. */
struct tnode {
    struct viv_node n; /* first, so that a struct viv_node * converts back */
    struct tnode *hnext;
    struct tnode *parent, *child, *next, *prev;
    uint64_t hash;
    size_t len;
    unsigned gen;
};

struct viv_tree {
    struct tnode **buckets;
    size_t nbuckets; /* a power of two */
    size_t count;
    struct tnode *root;
    const struct viv_node **sorted; /* cache for tree_sorted(); NULL when stale */
    unsigned gen;
};

/* FNV-1a, kept incremental so that walking the prefixes of a path hashes each byte once. */
#define HASH_INIT 1469598103934665603ull
static uint64_t hash_more(uint64_t h, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static uint64_t hash_mix(uint64_t h)
{
    return h ^ (h >> 29);
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    return hash_mix(hash_more(HASH_INIT, s, len));
}

static struct tnode *find_hashed(const struct viv_tree *t, const char *path, size_t len,
                                 uint64_t h)
{
    for (struct tnode *n = t->buckets[h & (t->nbuckets - 1)]; n; n = n->hnext)
        if (n->hash == h && n->len == len && memcmp(n->n.path, path, len) == 0)
            return n;
    return NULL;
}

static struct tnode *find(const struct viv_tree *t, const char *path, size_t len)
{
    return find_hashed(t, path, len, hash_bytes(path, len));
}

static void grow(struct viv_tree *t)
{
    size_t nb = t->nbuckets * 2;
    struct tnode **b = viv_xcalloc(nb, sizeof(*b));
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct tnode *n = t->buckets[i], *next;
        for (; n; n = next) {
            next = n->hnext;
            n->hnext = b[n->hash & (nb - 1)];
            b[n->hash & (nb - 1)] = n;
        }
    }
    free(t->buckets);
    t->buckets = b;
    t->nbuckets = nb;
}

static struct tnode *insert(struct viv_tree *t, struct tnode *parent, const char *path, size_t len)
{
    if (t->count >= t->nbuckets)
        grow(t);
    struct tnode *n = viv_xcalloc(1, sizeof(*n));
    n->n.path = viv_xmalloc(len + 1);
    memcpy(n->n.path, path, len);
    n->n.path[len] = '\0';
    n->len = len;
    n->hash = hash_bytes(path, len);
    n->hnext = t->buckets[n->hash & (t->nbuckets - 1)];
    t->buckets[n->hash & (t->nbuckets - 1)] = n;
    n->parent = parent;
    if (parent) {
        n->next = parent->child;
        if (parent->child)
            parent->child->prev = n;
        parent->child = n;
    }
    n->gen = t->gen;
    t->count++;
    free(t->sorted);
    t->sorted = NULL;
    return n;
}

/* Unhash and free a node that has no children left. */
static void drop_leaf(struct viv_tree *t, struct tnode *n)
{
    struct tnode **pp = &t->buckets[n->hash & (t->nbuckets - 1)];
    while (*pp != n)
        pp = &(*pp)->hnext;
    *pp = n->hnext;
    if (n->prev)
        n->prev->next = n->next;
    else if (n->parent)
        n->parent->child = n->next;
    if (n->next)
        n->next->prev = n->prev;
    free(n->n.path);
    free(n->n.target);
    free(n);
    t->count--;
    free(t->sorted);
    t->sorted = NULL;
}

/* Remove the subtree below top (and top itself when with_top). lower_only keeps the nodes the
 * current generation made and the directories that lead to them. Iterative: a hostile archive
 * can nest deeper than the stack would allow. */
static void prune(struct viv_tree *t, struct tnode *top, bool with_top, bool lower_only)
{
    size_t cap = 64, n = 0, sp = 0;
    struct tnode **order = viv_xmalloc(cap * sizeof(*order));
    struct tnode **stack = viv_xmalloc(cap * sizeof(*stack));
    size_t scap = cap;
    stack[sp++] = top;
    while (sp) {
        struct tnode *x = stack[--sp];
        if (n == cap) {
            cap *= 2;
            order = viv_xrealloc(order, cap * sizeof(*order));
        }
        order[n++] = x;
        for (struct tnode *c = x->child; c; c = c->next) {
            if (sp == scap) {
                scap *= 2;
                stack = viv_xrealloc(stack, scap * sizeof(*stack));
            }
            stack[sp++] = c;
        }
    }
    free(stack);
    /* Reverse pre-order visits every child before its parent. */
    while (n--) {
        struct tnode *x = order[n];
        if (x == top && !with_top)
            break;
        if (x == t->root)
            continue;
        if (lower_only && (x->gen == t->gen || x->child))
            continue;
        drop_leaf(t, x);
    }
    free(order);
}

struct viv_tree *tree_new(void)
{
    struct viv_tree *t = viv_xcalloc(1, sizeof(*t));
    t->nbuckets = 64;
    t->buckets = viv_xcalloc(t->nbuckets, sizeof(*t->buckets));
    t->root = insert(t, NULL, "", 0);
    t->root->n.type = VIV_NODE_DIR;
    t->root->n.mode = 0755;
    return t;
}

void tree_free(struct viv_tree *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->nbuckets; i++) {
        struct tnode *n = t->buckets[i], *next;
        for (; n; n = next) {
            next = n->hnext;
            free(n->n.path);
            free(n->n.target);
            free(n);
        }
    }
    free(t->buckets);
    free(t->sorted);
    free(t);
}

bool tree_path_clean(const char *path)
{
    const char *p = path;
    if (!*p)
        return false;
    for (;;) {
        size_t len = strcspn(p, "/");
        if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        p += len;
        if (!*p)
            return true;
        p++; /* a trailing slash leaves an empty last component: refused above */
    }
}

bool tree_utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, need;
        uint32_t cp, min;
        if (c < 0x80) {
            p++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            need = 1, cp = c & 0x1f, min = 0x80;
        } else if ((c & 0xf0) == 0xe0) {
            need = 2, cp = c & 0x0f, min = 0x800;
        } else if ((c & 0xf8) == 0xf0) {
            need = 3, cp = c & 0x07, min = 0x10000;
        } else {
            return false;
        }
        p++;
        for (unsigned i = 0; i < need; i++, p++) {
            if ((*p & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (*p & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
    }
    return true;
}

static void set_attrs(struct tnode *x, const struct viv_node *n, unsigned gen)
{
    x->n.type = n->type;
    x->n.mode = n->mode & 07777;
    x->n.uid = n->uid;
    x->n.gid = n->gid;
    x->n.size = n->type == VIV_NODE_REG ? n->size : 0;
    if (n->type == VIV_NODE_REG && n->digest[0])
        memcpy(x->n.digest, n->digest, sizeof(x->n.digest));
    else
        x->n.digest[0] = '\0';
    x->n.digest[64] = '\0';
    char *target = n->type == VIV_NODE_SYMLINK ? viv_xstrdup(n->target ? n->target : "") : NULL;
    free(x->n.target);
    x->n.target = target;
    x->gen = gen;
}

/* The parent of path (len bytes) as a directory, creating missing ones; NULL when refused. */
static struct tnode *parent_dir(struct viv_tree *t, const char *path, size_t len,
                                enum tree_refusal *why, size_t *at)
{
    const char *slash = memrchr(path, '/', len);
    if (!slash)
        return t->root;
    size_t plen = (size_t)(slash - path);
    struct tnode *p = find(t, path, plen);
    if (p && p->n.type == VIV_NODE_DIR)
        return p;
    /* Slow path: walk down from the root, naming the first component that is not a directory. */
    struct tnode *cur = t->root;
    size_t pos = 0;
    uint64_t h = HASH_INIT;
    for (;;) {
        const char *s = memchr(path + pos, '/', plen - pos);
        size_t end = s ? (size_t)(s - path) : plen;
        h = hash_more(h, path + pos, end - pos);
        struct tnode *x = find_hashed(t, path, end, hash_mix(h));
        if (!x) {
            x = insert(t, cur, path, end);
            x->n.type = VIV_NODE_DIR;
            x->n.mode = 0755;
        } else if (x->n.type == VIV_NODE_SYMLINK) {
            *why = TREE_SYMLINK;
            *at = end;
            return NULL;
        } else if (x->n.type != VIV_NODE_DIR) {
            *why = TREE_NOT_DIR;
            *at = end;
            return NULL;
        }
        cur = x;
        if (end == plen)
            return cur;
        h = hash_more(h, "/", 1);
        pos = end + 1;
    }
}

struct viv_node *tree_put(struct viv_tree *t, const struct viv_node *n, enum tree_refusal *why,
                          size_t *at)
{
    *why = TREE_OK;
    *at = 0;
    if (!n->path[0]) {
        if (n->type != VIV_NODE_DIR) {
            *why = TREE_ROOT_TYPE;
            return NULL;
        }
        set_attrs(t->root, n, t->gen);
        return &t->root->n;
    }
    if (!tree_path_clean(n->path)) {
        *why = TREE_UNCLEAN;
        return NULL;
    }
    size_t len = strlen(n->path);
    if (len > TREE_PATH_MAX) {
        *why = TREE_TOO_LONG;
        return NULL;
    }
    if (!tree_utf8_valid(n->path) ||
        (n->type == VIV_NODE_SYMLINK && n->target && !tree_utf8_valid(n->target))) {
        *why = TREE_NOT_UTF8;
        return NULL;
    }
    struct tnode *x = find(t, n->path, len);
    if (!x) {
        /* The parent check comes first so that a refusal changes nothing but missing parents. */
        struct tnode *p = parent_dir(t, n->path, len, why, at);
        if (!p)
            return NULL;
        x = insert(t, p, n->path, len);
    } else if (x->n.type == VIV_NODE_DIR && n->type != VIV_NODE_DIR) {
        prune(t, x, false, false);
    }
    set_attrs(x, n, t->gen);
    return &x->n;
}

int tree_add(struct viv_tree *t, const struct viv_node *n, struct viv_error *err)
{
    enum tree_refusal why;
    size_t at;
    if (tree_put(t, n, &why, &at))
        return 0;
    switch (why) {
    case TREE_UNCLEAN:
        return viv_fail(err, 0, "'%s': path is not clean (empty, '.' or '..' component)",
                        n->path);
    case TREE_NOT_UTF8:
        return viv_fail(err, 0, "'%s': path or link target is not valid UTF-8", n->path);
    case TREE_ROOT_TYPE:
        return viv_fail(err, 0, "'': the root must be a directory");
    case TREE_TOO_LONG:
        return viv_fail(err, 0, "'%.64s...': path is longer than %d bytes", n->path,
                        TREE_PATH_MAX);
    case TREE_SYMLINK:
        return viv_fail(err, 0, "'%s': path passes through symlink '%.*s'", n->path, (int)at,
                        n->path);
    case TREE_NOT_DIR:
    default:
        return viv_fail(err, 0, "'%s': parent '%.*s' is not a directory", n->path, (int)at,
                        n->path);
    }
}

void tree_remove(struct viv_tree *t, const char *path)
{
    struct tnode *x = find(t, path, strlen(path));
    if (x)
        prune(t, x, x != t->root, false);
}

void tree_clear_dir(struct viv_tree *t, const char *path)
{
    struct tnode *x = find(t, path, strlen(path));
    if (x && x->n.type == VIV_NODE_DIR)
        prune(t, x, false, false);
}

void tree_set_generation(struct viv_tree *t, unsigned gen)
{
    t->gen = gen;
}

void tree_remove_lower(struct viv_tree *t, const char *path)
{
    struct tnode *x = find(t, path, strlen(path));
    if (x)
        prune(t, x, x != t->root, true);
}

void tree_clear_dir_lower(struct viv_tree *t, const char *path)
{
    struct tnode *x = find(t, path, strlen(path));
    if (x && x->n.type == VIV_NODE_DIR)
        prune(t, x, false, true);
}

const struct viv_node *tree_lookup(const struct viv_tree *t, const char *path)
{
    struct tnode *x = find(t, path, strlen(path));
    return x ? &x->n : NULL;
}

struct viv_node *tree_lookup_mut(struct viv_tree *t, const char *path)
{
    struct tnode *x = find(t, path, strlen(path));
    return x ? &x->n : NULL;
}

static int by_path(const void *a, const void *b)
{
    const struct viv_node *x = *(const struct viv_node *const *)a;
    const struct viv_node *y = *(const struct viv_node *const *)b;
    return strcmp(x->path, y->path); /* compares as unsigned char: byte order */
}

size_t tree_sorted(struct viv_tree *t, const struct viv_node *const **nodes)
{
    if (!t->sorted) {
        t->sorted = viv_xmalloc(t->count * sizeof(*t->sorted));
        size_t k = 0;
        for (size_t i = 0; i < t->nbuckets; i++)
            for (struct tnode *n = t->buckets[i]; n; n = n->hnext)
                t->sorted[k++] = &n->n;
        qsort(t->sorted, k, sizeof(*t->sorted), by_path);
    }
    *nodes = t->sorted;
    return t->count;
}

size_t tree_count(const struct viv_tree *t)
{
    return t->count;
}
