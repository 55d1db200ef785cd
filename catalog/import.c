/* catalog/import.c: importing an archive — stage objects, build the image, publish it, name it. */
#include "catalog/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

struct import_ctx {
    struct catalog_store store; /* first: the sink's store() takes the context as a store */
    const struct catalog_import_opts *opts;
};

static void fwd_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct import_ctx *ic = ctx;
    if (ic->opts && ic->opts->progress)
        ic->opts->progress(ic->opts->ctx, done, total);
}

static void fwd_warn(void *ctx, const char *msg)
{
    struct import_ctx *ic = ctx;
    if (ic->opts && ic->opts->warn)
        ic->opts->warn(ic->opts->ctx, msg);
}

static int write_at(int dirfd, const char *name, const char *data, size_t len,
                    struct viv_error *err)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0 || viv_write_all(fd, data, len) < 0) {
        viv_fail(err, errno, "write '%s'", name);
        if (fd >= 0)
            close(fd);
        catalog_advise(err);
        return -1;
    }
    close(fd);
    return 0;
}

static int write_metadata(int image_fd, const struct viv_manifest *m, struct viv_tree *t,
                          struct viv_error *err)
{
    _cleanup_free_ char *mj = manifest_print(m, true);
    _cleanup_free_ char *tj = tree_to_json(t);
    if (write_at(image_fd, "manifest.json", mj, strlen(mj), err) < 0 ||
        write_at(image_fd, "tree.json", tj, strlen(tj), err) < 0)
        return -1;
    const struct viv_node *const *nodes;
    size_t n = tree_sorted(t, &nodes);
    uint64_t size = 0;
    for (size_t i = 0; i < n; i++)
        if (nodes[i]->type == VIV_NODE_REG)
            size += nodes[i]->size;
    char buf[128];
    int len = snprintf(buf, sizeof(buf), "%lld\n", (long long)time(NULL));
    if (write_at(image_fd, "created", buf, (size_t)len, err) < 0)
        return -1;
    len = snprintf(buf, sizeof(buf), "size %" PRIu64 "\nfiles %zu\n", size, n);
    return write_at(image_fd, "stats", buf, (size_t)len, err);
}

/* Data before names: a name that reaches the disk before the content it names loses it. Once the
 * namers are done, what they left (large objects, misplaced ones) is synced, then named in
 * objects/ — on a second thread, while this one builds the checkout from the same inodes. */
struct publisher {
    pthread_t thread;
    struct catalog_store *s;
    struct viv_error err;
    int rc;
};

static void *publish_objects(void *arg)
{
    struct publisher *p = arg;
    catalog_writer_finish_names(p->s);
    int64_t t0 = viv_now_ms();
    size_t n;
    p->rc = catalog_objects_publish(p->s, &n, &p->err);
    viv_trace(VIV_TRACE_IMG, "img", "objects: %zu more synced and named in %lld ms", n,
              (long long)(viv_now_ms() - t0));
    return NULL;
}

/* The image folder and its rootfs exist before the archive is read: small objects are written
 * at their place in it. */
static int open_image_folder(struct catalog_store *s, struct viv_error *err)
{
    struct catalog_staging *st = s->st;
    if (mkdirat(st->fd, "image", 0755) < 0 ||
        (s->image_fd = openat(st->fd, "image", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0 ||
        mkdirat(s->image_fd, "rootfs", 0700) < 0 ||
        (s->rootfs_fd = openat(s->image_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        viv_fail(err, errno, "create image folder in '%s/staging/%s'", s->c->home, st->name);
        catalog_advise(err);
        return -1;
    }
    return 0;
}

/* Everything is built inside staging and synced; one rename makes the image visible. */
static int publish(struct catalog_store *s, const struct viv_manifest *m, struct viv_tree *t,
                   const char *id, struct viv_error *err)
{
    struct viv_catalog *c = s->c;
    struct catalog_staging *st = s->st;
    int64_t t0 = viv_now_ms();
    if (catalog_objects_settle(s, t, err) < 0)
        return -1;
    struct publisher p = {.s = s};
    int e = pthread_create(&p.thread, NULL, publish_objects, &p);
    if (e)
        return viv_fail(err, e, "start a thread");
    int rc = catalog_checkout_entries(c, t, s->rootfs_fd, s, err);
    if (rc == 0)
        rc = write_metadata(s->image_fd, m, t, err);
    int64_t t1 = viv_now_ms();
    pthread_join(p.thread, NULL);
    if (rc < 0)
        return -1;
    if (p.rc < 0) {
        *err = p.err;
        return -1;
    }
    /* Directory modes last: the objects were named from inside those directories. */
    if (catalog_checkout_seal(c, t, s->rootfs_fd, err) < 0)
        return -1;
    int64_t t2 = viv_now_ms();
    if (syncfs(st->fd) < 0)
        return viv_fail(err, errno, "sync '%s'", c->home);
    viv_trace(VIV_TRACE_IMG, "img",
              "publish: checkout of %zu entries %lld ms, objects synced and named %lld ms, "
              "final sync %lld ms",
              tree_count(t), (long long)(t1 - t0), (long long)(t2 - t0),
              (long long)(viv_now_ms() - t2));
    rc = renameat2(st->fd, "image", c->images_fd, id, RENAME_NOREPLACE);
    if (rc < 0 && (errno == EINVAL || errno == ENOSYS))
        rc = renameat(st->fd, "image", c->images_fd, id);
    /* The same image published meanwhile by someone else: theirs stands, ours is dropped. */
    if (rc < 0 && errno != EEXIST && errno != ENOTEMPTY)
        return viv_fail(err, errno, "add image %.*s to '%s/images'", CATALOG_SHORT_ID, id,
                        c->home);
    if (fsync(c->images_fd) < 0)
        return viv_fail(err, errno, "sync '%s/images'", c->home);
    return 0;
}

/* The ref given at import wins over the manifest's name and tag. */
static int apply_ref(struct viv_manifest *m, const char *ref, struct viv_error *err)
{
    if (ref) {
        char *name, *tag;
        if (viv_ref_parse(ref, &name, &tag, err) < 0)
            return -1;
        free(m->name);
        m->name = name;
        if (tag) {
            free(m->tag);
            m->tag = tag;
        }
    }
    if (!m->name)
        return catalog_fail_rule(err, EINVAL, "the image has no name: give it one with a ref (name[:tag])");
    if (!m->tag)
        m->tag = viv_xstrdup("latest");
    return 0;
}

static int import_staged(struct import_ctx *ic, const char *path, char id[65],
                         struct viv_error *err)
{
    struct catalog_store *s = &ic->store;
    struct viv_content_sink sink = {
        .ctx = ic,
        .store = catalog_store_content,
        .progress = fwd_progress,
        .warn = fwd_warn,
    };
    struct viv_import imp = {0};
    /* The importer's errors already name the archive and the entry: passed up as they are. */
    int64_t t0 = viv_now_ms();
    if (open_image_folder(s, err) < 0)
        return -1;
    /* The namers go on naming while the image id is worked out and the checkout completed. */
    if (appliance_import(path, &sink, &imp, err) < 0 || catalog_writer_finish_writes(s, err) < 0) {
        viv_import_free(&imp);
        return -1;
    }
    viv_trace(VIV_TRACE_IMG, "img", "import %s: read and stored in %lld ms", path,
              (long long)(viv_now_ms() - t0));
    int rc = apply_ref(&imp.manifest, ic->opts ? ic->opts->ref : NULL, err);
    if (rc == 0) {
        catalog_image_id(&imp.manifest, imp.tree, id);
        viv_trace(VIV_TRACE_IMG, "img", "import %s: image %s", path, id);
        if (!catalog_image_exists(s->c, id))
            rc = publish(s, &imp.manifest, imp.tree, id, err);
    }
    if (rc == 0) {
        _cleanup_close_ int lock = -1;
        rc = catalog_lock(s->c, "refs.lock", LOCK_EX, &lock, err);
        if (rc == 0)
            rc = catalog_ref_write(s->c, imp.manifest.name, imp.manifest.tag, id, err);
    }
    viv_import_free(&imp);
    return rc;
}

int catalog_import(struct viv_catalog *c, const char *path, const struct catalog_import_opts *opts,
                   char id[65], struct viv_error *err)
{
    _cleanup_close_ int gc = -1;
    if (catalog_lock(c, "gc.lock", LOCK_SH, &gc, err) < 0)
        return -1;
    struct catalog_staging st;
    if (catalog_staging_new(c, &st, err) < 0)
        return -1;
    struct import_ctx ic = {.opts = opts};
    catalog_store_init(&ic.store, c, &st);
    int rc = import_staged(&ic, path, id, err);
    catalog_store_fini(&ic.store);
    catalog_staging_discard(c, &st);
    if (rc < 0)
        catalog_advise(err);
    return rc;
}
