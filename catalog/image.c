/* catalog/image.c: loading an image's manifest, tree and stats, listing, removal. */
#include "catalog/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <sys/stat.h>

/* tree.json of a very large rootfs (a million entries) stays well below this. */
#define TREE_JSON_MAX (1024u * 1024 * 1024)

bool catalog_image_exists(struct viv_catalog *c, const char *id)
{
    struct stat sb;
    return viv_digest_valid(id) && fstatat(c->images_fd, id, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
           S_ISDIR(sb.st_mode);
}

int catalog_read_manifest(struct viv_catalog *c, const char *id, struct viv_manifest *m,
                          struct viv_error *err)
{
    _cleanup_free_ char *path = viv_xasprintf("%s/images/%s/manifest.json", c->home, id);
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (viv_read_file(path, VIV_MANIFEST_MAX, &text, &len, err) < 0)
        return -1;
    if (manifest_parse(text, len, m, err) < 0)
        return viv_wrap(err, "%s", path);
    return 0;
}

int catalog_image_tree(struct viv_catalog *c, const char *id, struct viv_tree **tree,
                       struct viv_error *err)
{
    if (!viv_digest_valid(id))
        return catalog_fail_rule(err, EINVAL, "'%s' is not an image id", id);
    _cleanup_free_ char *path = viv_xasprintf("%s/images/%s/tree.json", c->home, id);
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (viv_read_file(path, TREE_JSON_MAX, &text, &len, err) < 0)
        return -1;
    if (tree_from_json(text, len, tree, err) < 0)
        return viv_wrap(err, "%s", path);
    return 0;
}

int catalog_image_ids(struct viv_catalog *c, char (**ids)[65], size_t *n, struct viv_error *err)
{
    DIR *d = viv_opendir_at(c->images_fd, ".");
    if (!d) {
        return viv_fail(err, errno, "read '%s/images'", c->home);
    }
    char(*v)[65] = NULL;
    size_t cnt = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!viv_digest_valid(de->d_name))
            continue;
        if (cnt == cap) {
            cap = cap ? 2 * cap : 16;
            v = viv_xrealloc(v, cap * sizeof(*v));
        }
        memcpy(v[cnt++], de->d_name, 65);
    }
    closedir(d);
    *ids = v;
    *n = cnt;
    return 0;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void read_stats(struct viv_catalog *c, struct viv_image *img)
{
    _cleanup_free_ char *path = viv_xasprintf("%s/images/%s/stats", c->home, img->id);
    _cleanup_free_ char *text = NULL;
    struct viv_error ignored;
    if (viv_read_file(path, 4096, &text, NULL, &ignored) == 0 &&
        sscanf(text, "size %" SCNu64 "\nfiles %" SCNu64, &img->size, &img->files) == 2)
        return;
    /* Written at import; should it be gone, the tree knows the same. */
    struct viv_tree *t;
    if (catalog_image_tree(c, img->id, &t, &ignored) < 0)
        return;
    const struct viv_node *const *nodes;
    size_t n = tree_sorted(t, &nodes);
    img->files = n;
    for (size_t i = 0; i < n; i++)
        if (nodes[i]->type == VIV_NODE_REG)
            img->size += nodes[i]->size;
    tree_free(t);
}

static int load_core(struct viv_catalog *c, const char *id, struct viv_image *img,
                     struct viv_error *err)
{
    memset(img, 0, sizeof(*img));
    memcpy(img->id, id, 65);
    if (catalog_read_manifest(c, id, &img->manifest, err) < 0)
        return viv_wrap(err, "image %.*s", CATALOG_SHORT_ID, id);
    img->rootfs = viv_xasprintf("%s/images/%s/rootfs", c->home, id);
    return 0;
}

static int load_with_refs(struct viv_catalog *c, const char *id, const struct catalog_ref *refs,
                          size_t nrefs, struct viv_image *img, struct viv_error *err)
{
    if (load_core(c, id, img, err) < 0)
        return -1;
    img->refs.v = viv_xcalloc(nrefs + 1, sizeof(char *));
    for (size_t i = 0; i < nrefs; i++)
        if (strcmp(refs[i].id, id) == 0)
            img->refs.v[img->refs.n++] = viv_xasprintf("%s:%s", refs[i].name, refs[i].tag);
    qsort(img->refs.v, img->refs.n, sizeof(char *), str_cmp);
    read_stats(c, img);
    _cleanup_free_ char *path = viv_xasprintf("%s/images/%s/created", c->home, id);
    _cleanup_free_ char *text = NULL;
    struct viv_error ignored;
    if (viv_read_file(path, 64, &text, NULL, &ignored) == 0)
        img->created = strtoll(text, NULL, 10);
    return 0;
}

int catalog_image_load(struct viv_catalog *c, const char *id, struct viv_image *img,
                       struct viv_error *err)
{
    char full[65];
    if (!viv_digest_valid(id)) {
        if (catalog_resolve(c, id, full, err) < 0)
            return -1;
        id = full;
    }
    if (!catalog_image_exists(c, id))
        return catalog_fail_rule(err, ENOENT, "no image '%s'", id);
    struct catalog_ref *refs;
    size_t nrefs;
    if (catalog_refs_list(c, &refs, &nrefs, err) < 0)
        return -1;
    int rc = load_with_refs(c, id, refs, nrefs, img, err);
    catalog_refs_free(refs, nrefs);
    if (rc < 0)
        catalog_image_free(img);
    return rc;
}

int catalog_image_load_to_run(struct viv_catalog *c, const char *id, struct viv_image *img,
                              struct viv_error *err)
{
    int rc = load_core(c, id, img, err);
    if (rc < 0)
        catalog_image_free(img);
    return rc;
}

void catalog_image_free(struct viv_image *img)
{
    manifest_free(&img->manifest);
    free(img->rootfs);
    for (size_t i = 0; i < img->refs.n; i++)
        free(img->refs.v[i]);
    free(img->refs.v);
    memset(img, 0, sizeof(*img));
}

static int image_cmp(const void *a, const void *b)
{
    const struct viv_image *x = a, *y = b;
    if (x->refs.n && y->refs.n) {
        int r = strcmp(x->refs.v[0], y->refs.v[0]);
        if (r)
            return r;
    } else if (x->refs.n || y->refs.n) {
        return x->refs.n ? -1 : 1; /* named images first */
    }
    return strcmp(x->id, y->id);
}

int catalog_list(struct viv_catalog *c, struct viv_image **imgs, size_t *n, struct viv_error *err)
{
    char(*ids)[65];
    size_t nids;
    struct catalog_ref *refs;
    size_t nrefs;
    if (catalog_image_ids(c, &ids, &nids, err) < 0)
        return -1;
    if (catalog_refs_list(c, &refs, &nrefs, err) < 0) {
        free(ids);
        return -1;
    }
    struct viv_image *v = viv_xcalloc(nids + 1, sizeof(*v));
    size_t cnt = 0;
    for (size_t i = 0; i < nids; i++) {
        struct viv_error ignored;
        /* A damaged image is left out here; `viv fsck` names it. */
        if (load_with_refs(c, ids[i], refs, nrefs, &v[cnt], &ignored) == 0)
            cnt++;
        else
            catalog_image_free(&v[cnt]);
    }
    catalog_refs_free(refs, nrefs);
    free(ids);
    qsort(v, cnt, sizeof(*v), image_cmp);
    *imgs = v;
    *n = cnt;
    return 0;
}

void catalog_list_free(struct viv_image *imgs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        catalog_image_free(&imgs[i]);
    free(imgs);
}

/* A run holds a shared flock on its image's folder; removal needs it exclusively. flock on a
 * directory works like on a file, and the lock goes with the holder's process, however it ends. */
int catalog_image_hold(struct viv_catalog *c, const char *id, int *fd, struct viv_error *err)
{
    *fd = openat(c->images_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (*fd < 0)
        return viv_fail(err, errno, "image %.*s", CATALOG_SHORT_ID, id);
    if (flock(*fd, LOCK_SH) < 0) {
        int e = errno;
        close(*fd);
        *fd = -1;
        return viv_fail(err, e, "hold image %.*s", CATALOG_SHORT_ID, id);
    }
    return 0;
}

static int image_lock_exclusive(struct viv_catalog *c, const char *id)
{
    int fd = openat(c->images_fd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? -2 : -1;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

bool catalog_image_in_use(struct viv_catalog *c, const char *id)
{
    int fd = image_lock_exclusive(c, id);
    if (fd >= 0)
        close(fd);
    return fd == -1 && errno == EWOULDBLOCK;
}

int catalog_image_dispose(struct viv_catalog *c, const char *id, struct viv_error *err)
{
    _cleanup_close_ int lock = image_lock_exclusive(c, id);
    if (lock == -1 && errno == EWOULDBLOCK)
        return catalog_fail_rule(err, EBUSY, "image %.*s is in use by a running instance",
                                 CATALOG_SHORT_ID, id);
    struct catalog_staging st;
    if (catalog_staging_new(c, &st, err) < 0)
        return -1;
    /* One rename makes it vanish whole; the slow delete happens out of sight. */
    if (renameat(c->images_fd, id, st.fd, "image") < 0 && errno != ENOENT) {
        viv_fail(err, errno, "remove image %.*s", CATALOG_SHORT_ID, id);
        catalog_staging_discard(c, &st);
        return -1;
    }
    fsync(c->images_fd);
    int rc = viv_rm_rf_at(st.fd, "image", err);
    catalog_staging_discard(c, &st);
    if (rc < 0)
        return viv_wrap(err, "remove image %.*s", CATALOG_SHORT_ID, id);
    return 0;
}
