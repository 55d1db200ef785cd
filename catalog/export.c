/* catalog/export.c: writing an image back out as a .viv archive. */
#include "catalog/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

/* Reproducible builds convention: https://reproducible-builds.org/specs/source-date-epoch/ */
static int export_mtime(int64_t *mtime, struct viv_error *err)
{
    *mtime = 0;
    const char *s = getenv("SOURCE_DATE_EPOCH");
    if (!s || !*s)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < 0)
        return catalog_fail_rule(err, EINVAL,
                        "SOURCE_DATE_EPOCH '%s' is not a non-negative count of seconds", s);
    *mtime = v;
    return 0;
}

int catalog_export(struct viv_catalog *c, const char *image, const char *out_path,
                   struct viv_error *err)
{
    int64_t mtime;
    if (export_mtime(&mtime, err) < 0)
        return -1;
    /* Shared: no rm or prune may delete the checkout while it is read. */
    _cleanup_close_ int gc = -1;
    if (catalog_lock(c, "gc.lock", LOCK_SH, &gc, err) < 0)
        return -1;
    char id[65];
    _cleanup_free_ char *name = NULL, *tag = NULL;
    if (catalog_resolve_ref(c, image, id, &name, &tag, err) < 0)
        return -1;
    struct viv_manifest m;
    if (catalog_read_manifest(c, id, &m, err) < 0)
        return -1;
    /* Exported under the name it was asked for by, so it imports under that name again. */
    if (name) {
        free(m.name);
        free(m.tag);
        m.name = viv_xstrdup(name);
        m.tag = viv_xstrdup(tag);
    }
    struct viv_tree *t = NULL;
    int rc = catalog_image_tree(c, id, &t, err);
    if (rc == 0) {
        char rootfs[80];
        snprintf(rootfs, sizeof(rootfs), "%s/rootfs", id);
        int fd = openat(c->images_fd, rootfs, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            rc = viv_fail(err, errno, "open '%s/images/%s'", c->home, rootfs);
        } else {
            rc = viv_archive_write(out_path, &m, t, fd, VIV_COMPRESS_ZSTD, mtime, err);
            close(fd);
        }
        tree_free(t);
    }
    manifest_free(&m);
    return rc;
}
