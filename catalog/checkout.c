/* catalog/checkout.c: materializing an image tree as a read-only rootfs of hardlinks to objects. */
#include "catalog/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

static int copy_fd(int in, int out)
{
    char buf[65536];
    for (;;) {
        ssize_t r = copy_file_range(in, NULL, out, NULL, 1u << 30, 0);
        if (r > 0)
            continue;
        if (r == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
            return -1;
        break;
    }
    for (;;) {
        ssize_t r = read(in, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 0;
        if (viv_write_all(out, buf, (size_t)r) < 0)
            return -1;
    }
}

/* An inode has a link limit (65000 on ext4): an object shared by that many checkouts is copied. */
int catalog_copy_object(struct viv_catalog *c, const struct viv_node *n, int dirfd,
                        const char *path, struct viv_error *err)
{
    char rel[68];
    catalog_object_relpath(n->digest, rel);
    _cleanup_close_ int in = openat(c->objects_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (in < 0)
        return viv_fail(err, errno, "open object %s", n->digest);
    _cleanup_close_ int out =
        openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (out < 0)
        return viv_fail(err, errno, "create '%s'", path);
    if (copy_fd(in, out) < 0 || (c->root && fchown(out, n->uid, n->gid) < 0) ||
        fchmod(out, n->mode & 07777) < 0) {
        viv_fail(err, errno, "copy object %s to '%s'", n->digest, path);
        catalog_advise(err);
        return -1;
    }
    return 0;
}

static int checkout_node(struct viv_catalog *c, const struct catalog_store *staged,
                         const struct viv_node *n, int rootfs_fd, struct viv_error *err)
{
    char rel[68];
    switch (n->type) {
    case VIV_NODE_DIR:
        /* Owner-only until the last pass: a 0555 directory must still take its entries. One
         * that exists was made for an object written in place. */
        if (mkdirat(rootfs_fd, n->path, 0700) < 0 && (!staged || errno != EEXIST))
            return -1;
        return 0;
    case VIV_NODE_REG:
        if (!viv_digest_valid(n->digest)) {
            errno = EINVAL;
            return -1;
        }
        /* A new object may still be in staging, on its way into objects/ (publishing runs
         * alongside): link it where it is, or where it went. One written in place is either
         * this very file, already there, or another file of the checkout to link to. */
        const struct catalog_staged *e = staged ? catalog_store_staged(staged, n->digest) : NULL;
        if (e && e->path) {
            if (strcmp(e->path, n->path) == 0)
                return 0;
            return linkat(rootfs_fd, e->path, rootfs_fd, n->path, 0);
        }
        if (e) {
            if (linkat(staged->st->objects_fd, n->digest, rootfs_fd, n->path, 0) == 0)
                return 0;
            if (errno != ENOENT)
                return -1;
        }
        catalog_object_relpath(n->digest, rel);
        if (linkat(c->objects_fd, rel, rootfs_fd, n->path, 0) == 0)
            return 0;
        if (errno != EMLINK)
            return -1;
        return catalog_copy_object(c, n, rootfs_fd, n->path, err) < 0 ? -2 : 0;
    case VIV_NODE_SYMLINK:
        if (symlinkat(n->target ? n->target : "", rootfs_fd, n->path) < 0)
            return -1;
        if (c->root && fchownat(rootfs_fd, n->path, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
            return -1;
        return 0;
    case VIV_NODE_FIFO:
        if (mknodat(rootfs_fd, n->path, S_IFIFO | 0600, 0) < 0)
            return -1;
        if (c->root && fchownat(rootfs_fd, n->path, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
            return -1;
        return fchmodat(rootfs_fd, n->path, n->mode & 07777, 0);
    }
    errno = EINVAL;
    return -1;
}

static int dir_finish(struct viv_catalog *c, const struct viv_node *n, int rootfs_fd)
{
    if (!*n->path) {
        if (c->root && fchown(rootfs_fd, n->uid, n->gid) < 0)
            return -1;
        return fchmod(rootfs_fd, n->mode & 07777);
    }
    if (c->root && fchownat(rootfs_fd, n->path, n->uid, n->gid, AT_SYMLINK_NOFOLLOW) < 0)
        return -1;
    return fchmodat(rootfs_fd, n->path, n->mode & 07777, 0);
}

int catalog_checkout(struct viv_catalog *c, struct viv_tree *t, int rootfs_fd,
                     const struct catalog_store *staged, struct viv_error *err)
{
    if (catalog_checkout_entries(c, t, rootfs_fd, staged, err) < 0)
        return -1;
    return catalog_checkout_seal(c, t, rootfs_fd, err);
}

int catalog_checkout_entries(struct viv_catalog *c, struct viv_tree *t, int rootfs_fd,
                             const struct catalog_store *staged, struct viv_error *err)
{
    const struct viv_node *const *nodes;
    size_t n = tree_sorted(t, &nodes);
    /* Sorted by path, so a directory is created before anything in it. */
    for (size_t i = 0; i < n; i++) {
        if (!*nodes[i]->path)
            continue;
        int rc = checkout_node(c, staged, nodes[i], rootfs_fd, err);
        if (rc == -2)
            return viv_wrap(err, "check out 'rootfs/%s'", nodes[i]->path);
        if (rc < 0) {
            viv_fail(err, errno, "check out 'rootfs/%s'", nodes[i]->path);
            catalog_advise(err);
            return -1;
        }
    }
    return 0;
}

int catalog_checkout_seal(struct viv_catalog *c, struct viv_tree *t, int rootfs_fd,
                          struct viv_error *err)
{
    const struct viv_node *const *nodes;
    size_t n = tree_sorted(t, &nodes);
    /* Deepest first, so that a read-only directory is sealed only once its entries exist. */
    for (size_t i = n; i-- > 0;) {
        if (nodes[i]->type != VIV_NODE_DIR)
            continue;
        if (dir_finish(c, nodes[i], rootfs_fd) < 0)
            return viv_fail(err, errno, "set mode of 'rootfs/%s'", nodes[i]->path);
    }
    return 0;
}
