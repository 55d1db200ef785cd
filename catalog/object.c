/* catalog/object.c: the content store — hashing incoming file content into deduplicated objects. */
#include "catalog/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* One read buffer per import. Content that fits is hashed before anything touches the disk, so a
 * file already in the store (a re-import, a layer shared with another image) is never written. */
#define STORE_BUF_SIZE (1u << 20)

void catalog_object_relpath(const char *digest, char out[68])
{
    snprintf(out, 68, "%.2s/%s", digest, digest);
}

/* Hardlinks share one inode, so its mode and owner belong to the content: they are hashed with
 * it, as OSTree does, and two files that differ only in mode are two objects. */
int catalog_object_header(uint32_t mode, uint32_t uid, uint32_t gid, char *buf, size_t len)
{
    return snprintf(buf, len, "%o %" PRIu32 " %" PRIu32 "\n", mode & 07777, uid, gid);
}

int catalog_object_hash_fd(int fd, uint32_t mode, uint32_t uid, uint32_t gid, char digest[65],
                           struct viv_error *err)
{
    char hdr[64];
    int hl = catalog_object_header(mode, uid, gid, hdr, sizeof(hdr));
    struct viv_sha256 *h = viv_sha256_new();
    viv_sha256_update(h, hdr, (size_t)hl);
    _cleanup_free_ unsigned char *buf = viv_xmalloc(STORE_BUF_SIZE);
    for (;;) {
        ssize_t r = read(fd, buf, STORE_BUF_SIZE);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            viv_sha256_final(h, digest);
            return viv_fail(err, e, "read");
        }
        if (r == 0)
            break;
        viv_sha256_update(h, buf, (size_t)r);
    }
    viv_sha256_final(h, digest);
    return 0;
}

void catalog_store_init(struct catalog_store *s, struct viv_catalog *c, struct catalog_staging *st)
{
    s->c = c;
    s->st = st;
    s->bufsz = STORE_BUF_SIZE;
    s->buf = viv_xmalloc(s->bufsz);
    s->seq = 0;
}

void catalog_store_fini(struct catalog_store *s)
{
    free(s->buf);
    s->buf = NULL;
}

/* Read until the buffer is full or the content ends. */
static int fill(struct viv_content_reader *in, unsigned char *buf, size_t cap, size_t *got,
                bool *eof, struct viv_error *err)
{
    size_t n = 0;
    *eof = false;
    while (n < cap) {
        ssize_t r = in->read(in->ctx, buf + n, cap - n, err);
        if (r < 0)
            return -1;
        if (r == 0) {
            *eof = true;
            break;
        }
        n += (size_t)r;
    }
    *got = n;
    return 0;
}

static bool present(struct catalog_store *s, const char *digest)
{
    char rel[68];
    struct stat sb;
    catalog_object_relpath(digest, rel);
    return fstatat(s->c->objects_fd, rel, &sb, AT_SYMLINK_NOFOLLOW) == 0 ||
           fstatat(s->st->objects_fd, digest, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Give a new object its final owner (as root) and mode; chown first, as it clears setuid. */
static int seal(struct catalog_store *s, int fd, const struct viv_node *node)
{
    if (s->c->root && fchown(fd, node->uid, node->gid) < 0)
        return -1;
    return fchmod(fd, node->mode & 07777);
}

static int store_fail(struct viv_error *err, int e, const struct viv_node *node)
{
    viv_fail(err, e, "store '%s' in the catalog", node->path);
    catalog_advise(err);
    return -1;
}

static int store_small(struct catalog_store *s, struct viv_node *node, size_t n,
                       const char *digest, struct viv_error *err)
{
    if (present(s, digest))
        return 0;
    int fd = openat(s->st->objects_fd, digest, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return store_fail(err, errno, node);
    if (viv_write_all(fd, s->buf, n) < 0 || seal(s, fd, node) < 0) {
        int e = errno;
        close(fd);
        unlinkat(s->st->objects_fd, digest, 0);
        return store_fail(err, e, node);
    }
    close(fd);
    return 0;
}

int catalog_store_content(void *ctx, struct viv_node *node, struct viv_content_reader *in,
                          struct viv_error *err)
{
    struct catalog_store *s = ctx;
    char hdr[64], digest[65];
    int hl = catalog_object_header(node->mode, node->uid, node->gid, hdr, sizeof(hdr));
    struct viv_sha256 *h = viv_sha256_new();
    viv_sha256_update(h, hdr, (size_t)hl);

    size_t n;
    bool eof;
    if (fill(in, s->buf, s->bufsz, &n, &eof, err) < 0) {
        viv_sha256_final(h, digest);
        return -1;
    }
    if (eof) {
        viv_sha256_update(h, s->buf, n);
        viv_sha256_final(h, digest);
        if (store_small(s, node, n, digest, err) < 0)
            return -1;
        node->size = n;
        memcpy(node->digest, digest, 65);
        return 0;
    }

    /* Large content: one pass that hashes and writes each buffer, then name it by its digest. */
    char tmp[32];
    snprintf(tmp, sizeof(tmp), "tmp-%" PRIu64, s->seq++);
    int fd = openat(s->st->objects_fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        viv_sha256_final(h, digest);
        return store_fail(err, errno, node);
    }
    uint64_t total = 0;
    for (;;) {
        viv_sha256_update(h, s->buf, n);
        if (viv_write_all(fd, s->buf, n) < 0) {
            int e = errno;
            viv_sha256_final(h, digest);
            close(fd);
            unlinkat(s->st->objects_fd, tmp, 0);
            return store_fail(err, e, node);
        }
        total += n;
        if (eof)
            break;
        if (fill(in, s->buf, s->bufsz, &n, &eof, err) < 0) {
            viv_sha256_final(h, digest);
            close(fd);
            unlinkat(s->st->objects_fd, tmp, 0);
            return -1;
        }
    }
    viv_sha256_final(h, digest);
    if (present(s, digest)) {
        close(fd);
        unlinkat(s->st->objects_fd, tmp, 0);
    } else {
        if (seal(s, fd, node) < 0 || renameat(s->st->objects_fd, tmp, s->st->objects_fd, digest) < 0) {
            int e = errno;
            close(fd);
            unlinkat(s->st->objects_fd, tmp, 0);
            return store_fail(err, e, node);
        }
        close(fd);
    }
    node->size = total;
    memcpy(node->digest, digest, 65);
    return 0;
}

int catalog_object_publish(struct catalog_store *s, const char *digest, struct viv_error *err)
{
    struct viv_catalog *c = s->c;
    char rel[68];
    struct stat sb;
    catalog_object_relpath(digest, rel);
    if (fstatat(s->st->objects_fd, digest, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
        /* Deduplicated at store time: it must be in the store already (gc.lock keeps it there). */
        if (fstatat(c->objects_fd, rel, &sb, AT_SYMLINK_NOFOLLOW) == 0)
            return 0;
        return catalog_fail_rule(err, ENOENT, "object %s is in neither staging nor '%s/objects'", digest,
                        c->home);
    }
    char fan[3] = {digest[0], digest[1], 0};
    if (mkdirat(c->objects_fd, fan, 0755) < 0 && errno != EEXIST)
        goto fail;
    /* Never replace an object: checkouts of other images link to the existing inode. */
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
