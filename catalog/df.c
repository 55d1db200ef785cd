/* catalog/df.c: space accounting — every inode once — and what a prune would free. */
#include "catalog/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* Checkouts are hardlinks to objects: bytes are counted per inode, never per path. */
struct inode_entry {
    dev_t dev;
    ino_t ino;
    uint64_t bytes;
    bool used, kept, object;
};
struct inode_set {
    struct inode_entry *v;
    size_t cap, n;
};

static size_t inode_hash(dev_t dev, ino_t ino)
{
    uint64_t h = (uint64_t)ino * 0x9e3779b97f4a7c15ull ^ (uint64_t)dev * 0xff51afd7ed558ccdull;
    return (size_t)(h ^ (h >> 29));
}

static struct inode_entry *iset_get(struct inode_set *s, dev_t dev, ino_t ino)
{
    if (2 * (s->n + 1) > s->cap) {
        struct inode_set g = {.cap = s->cap ? 2 * s->cap : 1024};
        g.v = viv_xcalloc(g.cap, sizeof(*g.v));
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->v[i].used)
                continue;
            size_t j = inode_hash(s->v[i].dev, s->v[i].ino) & (g.cap - 1);
            while (g.v[j].used)
                j = (j + 1) & (g.cap - 1);
            g.v[j] = s->v[i];
        }
        g.n = s->n;
        free(s->v);
        *s = g;
    }
    size_t j = inode_hash(dev, ino) & (s->cap - 1);
    while (s->v[j].used && (s->v[j].dev != dev || s->v[j].ino != ino))
        j = (j + 1) & (s->cap - 1);
    if (!s->v[j].used) {
        s->v[j] = (struct inode_entry){.dev = dev, .ino = ino, .used = true};
        s->n++;
    }
    return &s->v[j];
}

static int digest_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

bool catalog_digest_in(char (*set)[65], size_t n, const char *digest)
{
    return n && bsearch(digest, set, n, sizeof(*set), digest_cmp) != NULL;
}

int catalog_referenced_objects(struct viv_catalog *c, char (*ids)[65], size_t nids,
                               char (**digests)[65], size_t *n, struct viv_error *err)
{
    char(*v)[65] = NULL;
    size_t cnt = 0, cap = 0;
    for (size_t i = 0; i < nids; i++) {
        struct viv_tree *t;
        if (catalog_image_tree(c, ids[i], &t, err) < 0) {
            free(v);
            return viv_wrap(err, "image %.*s (run `viv fsck`)", CATALOG_SHORT_ID, ids[i]);
        }
        const struct viv_node *const *nodes;
        size_t nn = tree_sorted(t, &nodes);
        for (size_t k = 0; k < nn; k++) {
            if (nodes[k]->type != VIV_NODE_REG)
                continue;
            if (cnt == cap) {
                cap = cap ? 2 * cap : 256;
                v = viv_xrealloc(v, cap * sizeof(*v));
            }
            memcpy(v[cnt++], nodes[k]->digest, 65);
        }
        tree_free(t);
    }
    if (cnt)
        qsort(v, cnt, sizeof(*v), digest_cmp);
    size_t u = 0;
    for (size_t i = 0; i < cnt; i++)
        if (!u || strcmp(v[u - 1], v[i]) != 0)
            memmove(v[u++], v[i], 65);
    *digests = v;
    *n = u;
    return 0;
}

/* Where a path lies decides whether a prune keeps it. */
enum area { AREA_OTHER, AREA_OBJECTS, AREA_IMAGES, AREA_STAGING };

struct usage_walk {
    struct viv_catalog *c;
    struct inode_set set;
    char (*keep_ids)[65];
    size_t nkeep;
    char (*keep_objs)[65];
    size_t nobjs;
    uint64_t objects;
};

static void walk(struct usage_walk *w, int dirfd, int depth, enum area area, bool kept)
{
    /* A fresh open, not a dup: a dup would share (and move) the caller's directory offset. */
    DIR *d = viv_opendir_at(dirfd, ".");
    if (!d) {
        return;
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        struct stat sb;
        if (fstatat(dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
            continue; /* gone meanwhile */
        enum area a = area;
        bool k = kept;
        if (depth == 0) {
            a = strcmp(de->d_name, "objects") == 0   ? AREA_OBJECTS
                : strcmp(de->d_name, "images") == 0  ? AREA_IMAGES
                : strcmp(de->d_name, "staging") == 0 ? AREA_STAGING
                                                     : AREA_OTHER;
        } else if (depth == 1 && a == AREA_IMAGES && viv_digest_valid(de->d_name)) {
            k = catalog_digest_in(w->keep_ids, w->nkeep, de->d_name);
        } else if (depth == 1 && a == AREA_STAGING) {
            k = !catalog_staging_stale(w->c, de->d_name, NULL);
        } else if (depth == 2 && a == AREA_OBJECTS && S_ISREG(sb.st_mode)) {
            k = catalog_digest_in(w->keep_objs, w->nobjs, de->d_name);
            w->objects++;
        }
        struct inode_entry *e = iset_get(&w->set, sb.st_dev, sb.st_ino);
        e->bytes = (uint64_t)sb.st_blocks * 512;
        e->kept |= k;
        e->object |= a == AREA_OBJECTS;
        /* Running instances' writable layers are their guests' trees, of a guest's depth and
         * size: not catalog data, and not walked. */
        if (!S_ISDIR(sb.st_mode) || depth > 4096 ||
            (depth == 0 && strcmp(de->d_name, "layers") == 0))
            continue;
        int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
            continue; /* an unreadable directory in a checkout: its own size still counts */
        walk(w, sub, depth + 1, a, k);
        close(sub);
    }
    closedir(d);
}

int catalog_named_images(struct viv_catalog *c, char (**ids)[65], size_t *n, struct viv_error *err)
{
    struct catalog_ref *refs;
    size_t nrefs;
    if (catalog_refs_list(c, &refs, &nrefs, err) < 0)
        return -1;
    char(*v)[65] = viv_xcalloc(nrefs + 1, sizeof(*v));
    size_t cnt = 0;
    for (size_t i = 0; i < nrefs; i++)
        if (refs[i].id[0] && catalog_image_exists(c, refs[i].id))
            memcpy(v[cnt++], refs[i].id, 65);
    catalog_refs_free(refs, nrefs);
    qsort(v, cnt, sizeof(*v), digest_cmp);
    size_t u = 0;
    for (size_t i = 0; i < cnt; i++)
        if (!u || strcmp(v[u - 1], v[i]) != 0)
            memmove(v[u++], v[i], 65);
    *ids = v;
    *n = u;
    return 0;
}

int catalog_usage(struct viv_catalog *c, struct catalog_df *df, struct viv_error *err)
{
    memset(df, 0, sizeof(*df));
    struct usage_walk w = {.c = c};
    char(*ids)[65];
    size_t nids;
    if (catalog_image_ids(c, &ids, &nids, err) < 0)
        return -1;
    /* Images a ref names survive a prune, and so do the objects their trees use. */
    if (catalog_named_images(c, &w.keep_ids, &w.nkeep, err) < 0) {
        free(ids);
        return -1;
    }
    int rc = catalog_referenced_objects(c, w.keep_ids, w.nkeep, &w.keep_objs, &w.nobjs, err);
    if (rc == 0) {
        struct stat sb;
        if (fstat(c->fd, &sb) == 0)
            df->bytes += (uint64_t)sb.st_blocks * 512;
        walk(&w, c->fd, 0, AREA_OTHER, true);
        for (size_t i = 0; i < w.set.cap; i++) {
            struct inode_entry *e = &w.set.v[i];
            if (!e->used)
                continue;
            df->bytes += e->bytes;
            if (e->object)
                df->object_bytes += e->bytes;
            if (!e->kept)
                df->reclaimable += e->bytes;
        }
        df->images = nids;
        df->objects = w.objects;
    }
    free(w.set.v);
    free(w.keep_ids);
    free(w.keep_objs);
    free(ids);
    return rc;
}

int catalog_df(struct viv_catalog *c, struct catalog_df *df, struct viv_error *err)
{
    _cleanup_close_ int gc = -1, refs_lock = -1;
    if (catalog_lock(c, "gc.lock", LOCK_SH, &gc, err) < 0 ||
        catalog_lock(c, "refs.lock", LOCK_SH, &refs_lock, err) < 0)
        return -1;
    return catalog_usage(c, df, err);
}
