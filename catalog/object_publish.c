/* catalog/object_publish.c: naming an import's new objects in objects/, once their data is on
 * disk. */
#include "catalog/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The checkout may keep what was written in place only if it is exactly what the final tree has
 * at those paths: a later layer may have replaced a file, removed it with a whiteout, or put a
 * symlink where its directory was. */
static bool placed_fits(struct catalog_store *s, struct viv_tree *t)
{
    if (s->misplaced)
        return false;
    for (size_t i = 0; i < s->capstaged; i++) {
        const struct catalog_staged *e = &s->staged[i];
        if (!e->path)
            continue;
        const struct viv_node *n = tree_lookup(t, e->path);
        if (!n || n->type != VIV_NODE_REG || strcmp(n->digest, e->digest) != 0)
            return false;
    }
    return true;
}

int catalog_objects_settle(struct catalog_store *s, struct viv_tree *t, struct viv_error *err)
{
    if (placed_fits(s, t))
        return 0;
    /* The namers link from the places the files are about to leave. */
    catalog_writer_finish_names(s);
    struct catalog_staging *st = s->st;
    for (size_t i = 0; i < s->capstaged; i++) {
        struct catalog_staged *e = &s->staged[i];
        if (!e->path)
            continue;
        if (renameat(s->rootfs_fd, e->path, st->objects_fd, e->digest) < 0)
            return viv_fail(err, errno, "move 'rootfs/%s' aside in '%s/staging/%s'", e->path,
                            s->c->home, st->name);
        free(e->path);
        e->path = NULL;
    }
    /* What is left are directories: out of the image, and removed with the staging folder. */
    close(s->rootfs_fd);
    s->rootfs_fd = -1;
    if (renameat(s->image_fd, "rootfs", st->fd, "misplaced") < 0 ||
        mkdirat(s->image_fd, "rootfs", 0700) < 0 ||
        (s->rootfs_fd = openat(s->image_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        viv_fail(err, errno, "start a new rootfs in '%s/staging/%s'", s->c->home, st->name);
        catalog_advise(err);
        return -1;
    }
    return 0;
}

int catalog_object_publish(struct catalog_store *s, const char *digest, const char *path,
                           struct viv_error *err)
{
    struct viv_catalog *c = s->c;
    char rel[68];
    catalog_object_relpath(digest, rel);
    unsigned fan = (unsigned)catalog_object_fan(digest);
    uint8_t bit = (uint8_t)(1u << (fan % 8));
    /* Atomic: the namers share the bitmap (a lost race costs one mkdir that finds EEXIST). */
    if (!(__atomic_load_n(&s->fans[fan / 8], __ATOMIC_RELAXED) & bit)) {
        char dir[3] = {digest[0], digest[1], 0};
        if (mkdirat(c->objects_fd, dir, 0755) < 0 && errno != EEXIST)
            goto fail;
        __atomic_fetch_or(&s->fans[fan / 8], bit, __ATOMIC_RELAXED);
    }
    /* Never replace an object: checkouts of other images link to the existing inode. One that
     * got there first (another import of the same content) stands; the file in this checkout
     * then stays a copy with the same content, mode and owner, as fsck allows. */
    if (path) {
        if (linkat(s->rootfs_fd, path, c->objects_fd, rel, 0) == 0 || errno == EEXIST)
            return 0;
        goto fail;
    }
    if (renameat2(s->st->objects_fd, digest, c->objects_fd, rel, RENAME_NOREPLACE) == 0 ||
        errno == EEXIST)
        return 0;
    if (errno != EINVAL && errno != ENOSYS)
        goto fail;
    if (linkat(s->st->objects_fd, digest, c->objects_fd, rel, 0) == 0 || errno == EEXIST)
        return 0;
fail:
    viv_fail(err, errno, "add object %s to '%s/objects'", digest, c->home);
    catalog_advise(err);
    return -1;
}

int catalog_objects_publish(struct catalog_store *s, size_t *count, struct viv_error *err)
{
    *count = 0;
    for (size_t i = 0; i < s->capstaged; i++)
        *count += s->staged[i].digest[0] && !s->staged[i].named;
    /* Data before names. Usually the namers have named everything already, and a sync with
     * nothing of ours to write would still wait for a journal commit. */
    if (*count && syncfs(s->st->fd) < 0)
        return viv_fail(err, errno, "sync '%s'", s->c->home);
    for (size_t i = 0; i < s->capstaged; i++)
        if (s->staged[i].digest[0] && !s->staged[i].named &&
            catalog_object_publish(s, s->staged[i].digest, s->staged[i].path, err) < 0)
            return -1;
    return 0;
}
