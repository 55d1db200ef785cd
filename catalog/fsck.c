/* catalog/fsck.c: verifying objects, images (id, checkout) and refs; one line per damage. */
#include "catalog/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

/* What a tree says about an object: the mode and owner its digest covers. */
struct obj_meta {
    char digest[65];
    uint32_t mode, uid, gid;
};

struct fsck {
    struct viv_catalog *c;
    catalog_report_fn report;
    void *ctx;
    size_t damaged;
    struct obj_meta *objs;
    size_t nobjs, cap;
};

static void damage(struct fsck *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void damage(struct fsck *f, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    f->damaged++;
    if (f->report)
        f->report(f->ctx, line);
}

static const char *type_name(mode_t m)
{
    return S_ISDIR(m) ? "directory" : S_ISREG(m) ? "regular file" : S_ISLNK(m) ? "symlink"
           : S_ISFIFO(m) ? "fifo" : "special file";
}

static const mode_t node_fmt[] = {
    [VIV_NODE_DIR] = S_IFDIR, [VIV_NODE_REG] = S_IFREG,
    [VIV_NODE_SYMLINK] = S_IFLNK, [VIV_NODE_FIFO] = S_IFIFO,
};

static void check_entry(struct fsck *f, const char *sid, int rootfs_fd, const struct viv_node *n)
{
    struct stat sb;
    const char *p = n->path;
    int rc = *p ? fstatat(rootfs_fd, p, &sb, AT_SYMLINK_NOFOLLOW) : fstat(rootfs_fd, &sb);
    if (rc < 0) {
        damage(f, "image %s: rootfs/%s: %s", sid, p, errno == ENOENT ? "missing" : strerror(errno));
        return;
    }
    if ((sb.st_mode & S_IFMT) != node_fmt[n->type]) {
        damage(f, "image %s: rootfs/%s: is a %s, the tree says %s", sid, p, type_name(sb.st_mode),
               type_name(node_fmt[n->type]));
        return;
    }
    if (n->type != VIV_NODE_SYMLINK && (sb.st_mode & 07777) != (n->mode & 07777))
        damage(f, "image %s: rootfs/%s: mode %04o, the tree says %04o", sid, p,
               (unsigned)(sb.st_mode & 07777), (unsigned)(n->mode & 07777));
    /* Rootless checkouts belong to the caller: only root can keep the tree's owners. */
    if (f->c->root && (sb.st_uid != n->uid || sb.st_gid != n->gid))
        damage(f, "image %s: rootfs/%s: owner %u:%u, the tree says %u:%u", sid, p,
               (unsigned)sb.st_uid, (unsigned)sb.st_gid, n->uid, n->gid);
    if (n->type == VIV_NODE_SYMLINK) {
        char target[PATH_MAX + 1];
        ssize_t len = readlinkat(rootfs_fd, p, target, PATH_MAX);
        if (len >= 0)
            target[len] = '\0';
        if (len < 0 || strcmp(target, n->target ? n->target : "") != 0)
            damage(f, "image %s: rootfs/%s: points to '%s', the tree says '%s'", sid, p,
                   len < 0 ? "?" : target, n->target ? n->target : "");
        return;
    }
    if (n->type != VIV_NODE_REG)
        return;
    char rel[68];
    struct stat ob;
    catalog_object_relpath(n->digest, rel);
    if (!viv_digest_valid(n->digest) ||
        fstatat(f->c->objects_fd, rel, &ob, AT_SYMLINK_NOFOLLOW) < 0) {
        damage(f, "image %s: rootfs/%s: object %s is missing", sid, p, n->digest);
        return;
    }
    if (ob.st_dev == sb.st_dev && ob.st_ino == sb.st_ino)
        return;
    /* A copy (made when the object had too many links) must hold the same content. */
    char digest[65];
    int fd = openat(rootfs_fd, p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct viv_error e;
    if (fd < 0 || catalog_object_hash_fd(fd, n->mode, n->uid, n->gid, digest, &e) < 0 ||
        strcmp(digest, n->digest) != 0)
        damage(f, "image %s: rootfs/%s: content differs from object %s", sid, p, n->digest);
    if (fd >= 0)
        close(fd);
}

/* Entries of the checkout that the tree does not have. */
static void check_extra(struct fsck *f, const char *sid, struct viv_tree *t, int dirfd,
                        const char *prefix, int depth)
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
        _cleanup_free_ char *path =
            *prefix ? viv_xasprintf("%s/%s", prefix, de->d_name) : viv_xstrdup(de->d_name);
        const struct viv_node *n = tree_lookup(t, path);
        if (!n) {
            damage(f, "image %s: rootfs/%s: not in the tree", sid, path);
            continue;
        }
        if (n->type != VIV_NODE_DIR || depth > 4096)
            continue;
        int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
            continue; /* wrong type: reported by check_entry */
        check_extra(f, sid, t, sub, path, depth + 1);
        close(sub);
    }
    closedir(d);
}

static void note_objects(struct fsck *f, struct viv_tree *t)
{
    const struct viv_node *const *nodes;
    size_t n = tree_sorted(t, &nodes);
    for (size_t i = 0; i < n; i++) {
        if (nodes[i]->type != VIV_NODE_REG)
            continue;
        if (f->nobjs == f->cap) {
            f->cap = f->cap ? 2 * f->cap : 256;
            f->objs = viv_xrealloc(f->objs, f->cap * sizeof(*f->objs));
        }
        struct obj_meta *o = &f->objs[f->nobjs++];
        memcpy(o->digest, nodes[i]->digest, 65);
        o->mode = nodes[i]->mode;
        o->uid = nodes[i]->uid;
        o->gid = nodes[i]->gid;
    }
}

static void check_image(struct fsck *f, const char *id)
{
    char sid[CATALOG_SHORT_ID + 1];
    snprintf(sid, sizeof(sid), "%s", id);
    struct viv_error e;
    struct viv_manifest m;
    struct viv_tree *t = NULL;
    bool have_m = catalog_read_manifest(f->c, id, &m, &e) == 0;
    if (!have_m)
        damage(f, "image %s: manifest.json: %s", sid, e.msg);
    if (catalog_image_tree(f->c, id, &t, &e) < 0) {
        damage(f, "image %s: tree.json: %s", sid, e.msg);
        t = NULL;
    }
    if (have_m && t) {
        char again[65];
        catalog_image_id(&m, t, again);
        if (strcmp(again, id) != 0)
            damage(f, "image %s: manifest.json and tree.json give id %.*s, not its own", sid,
                   CATALOG_SHORT_ID, again);
    }
    if (have_m)
        manifest_free(&m);
    if (!t)
        return;
    note_objects(f, t);
    char rel[80];
    snprintf(rel, sizeof(rel), "%s/rootfs", id);
    int rootfs_fd = openat(f->c->images_fd, rel, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (rootfs_fd < 0) {
        damage(f, "image %s: rootfs: %s", sid, errno == ENOENT ? "missing" : strerror(errno));
    } else {
        const struct viv_node *const *nodes;
        size_t n = tree_sorted(t, &nodes);
        for (size_t i = 0; i < n; i++)
            check_entry(f, sid, rootfs_fd, nodes[i]);
        check_extra(f, sid, t, rootfs_fd, "", 0);
        close(rootfs_fd);
    }
    tree_free(t);
}

static int meta_cmp(const void *a, const void *b)
{
    return strcmp(((const struct obj_meta *)a)->digest, ((const struct obj_meta *)b)->digest);
}

/*
 * An object's digest covers its content and the mode and owner that only a tree records: an
 * object some tree references is rehashed with that tree's mode and owner. One no tree references
 * cannot be verified that way, and nothing can be harmed by it either — prune drops it — so only
 * its name is checked.
 */
static void check_object(struct fsck *f, int fan_fd, const char *fan, const char *name)
{
    if (!viv_digest_valid(name) || strncmp(name, fan, 2) != 0 || strlen(fan) != 2) {
        damage(f, "object %s/%s: not a valid object name", fan, name);
        return;
    }
    struct stat sb;
    if (fstatat(fan_fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
        return; /* gone meanwhile */
    if (!S_ISREG(sb.st_mode)) {
        damage(f, "object %s: not a regular file", name);
        return;
    }
    struct obj_meta key;
    memcpy(key.digest, name, 65);
    const struct obj_meta *o = f->nobjs ? bsearch(&key, f->objs, f->nobjs, sizeof(key), meta_cmp)
                                        : NULL;
    if (!o)
        return;
    if ((sb.st_mode & 07777) != (o->mode & 07777))
        damage(f, "object %s: mode %04o, its digest covers %04o", name,
               (unsigned)(sb.st_mode & 07777), (unsigned)(o->mode & 07777));
    char digest[65];
    struct viv_error e;
    int fd = openat(fan_fd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 || catalog_object_hash_fd(fd, o->mode, o->uid, o->gid, digest, &e) < 0)
        damage(f, "object %s: cannot be read: %s", name, fd < 0 ? strerror(errno) : e.msg);
    else if (strcmp(digest, name) != 0)
        damage(f, "object %s: content does not match its digest", name);
    if (fd >= 0)
        close(fd);
}

static int check_objects(struct fsck *f, struct viv_error *err)
{
    DIR *d = viv_opendir_at(f->c->objects_fd, ".");
    if (!d) {
        return viv_fail(err, errno, "read '%s/objects'", f->c->home);
    }
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        DIR *sd = viv_opendir_at(f->c->objects_fd, de->d_name);
        if (!sd) {
            damage(f, "object %s: not a fan-out folder", de->d_name);
            continue;
        }
        struct dirent *oe;
        while ((oe = readdir(sd)))
            if (strcmp(oe->d_name, ".") != 0 && strcmp(oe->d_name, "..") != 0)
                check_object(f, dirfd(sd), de->d_name, oe->d_name);
        closedir(sd);
    }
    closedir(d);
    return 0;
}

int catalog_fsck(struct viv_catalog *c, catalog_report_fn report, void *ctx, size_t *damaged,
                 struct viv_error *err)
{
    _cleanup_close_ int gc = -1;
    if (catalog_lock(c, "gc.lock", LOCK_SH, &gc, err) < 0)
        return -1;
    /* Abandoned work is not damage: it is cleared away. */
    if (catalog_staging_sweep(c, NULL, err) < 0)
        return -1;
    struct fsck f = {.c = c, .report = report, .ctx = ctx};
    char(*ids)[65];
    size_t nids;
    if (catalog_image_ids(c, &ids, &nids, err) < 0)
        return -1;
    for (size_t i = 0; i < nids; i++)
        check_image(&f, ids[i]);
    if (f.nobjs)
        qsort(f.objs, f.nobjs, sizeof(*f.objs), meta_cmp);
    int rc = check_objects(&f, err);
    struct catalog_ref *refs;
    size_t nrefs;
    if (rc == 0 && (rc = catalog_refs_list(c, &refs, &nrefs, err)) == 0) {
        for (size_t i = 0; i < nrefs; i++) {
            if (!refs[i].id[0])
                damage(&f, "ref %s:%s: does not hold an image id", refs[i].name, refs[i].tag);
            else if (!catalog_image_exists(c, refs[i].id))
                damage(&f, "ref %s:%s: image %.*s does not exist", refs[i].name, refs[i].tag,
                       CATALOG_SHORT_ID, refs[i].id);
        }
        catalog_refs_free(refs, nrefs);
    }
    free(ids);
    free(f.objs);
    if (damaged)
        *damaged = f.damaged;
    return rc;
}
