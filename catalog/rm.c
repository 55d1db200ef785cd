/* catalog/rm.c: removing a ref, or an image with every ref to it. */
#include "catalog/internal.h"

#include <errno.h>
#include <string.h>

/* Is this the only ref naming the image? */
static bool last_ref(struct viv_catalog *c, const char *id)
{
    struct catalog_ref *refs;
    size_t n, count = 0;
    struct viv_error ignored;
    if (catalog_refs_list(c, &refs, &n, &ignored) < 0)
        return false;
    for (size_t i = 0; i < n; i++)
        count += strcmp(refs[i].id, id) == 0;
    catalog_refs_free(refs, n);
    return count == 1;
}

/* Drop the image once nothing names it any more. */
static int drop_if_unnamed(struct viv_catalog *c, const char *id, char removed_id[65],
                           struct viv_error *err)
{
    struct catalog_ref *refs;
    size_t n;
    if (catalog_refs_list(c, &refs, &n, err) < 0)
        return -1;
    bool named = false;
    for (size_t i = 0; i < n && !named; i++)
        named = strcmp(refs[i].id, id) == 0;
    catalog_refs_free(refs, n);
    if (named || !catalog_image_exists(c, id))
        return 0;
    if (catalog_image_dispose(c, id, err) < 0)
        return -1;
    memcpy(removed_id, id, 65);
    return 0;
}

static int rm_by_id(struct viv_catalog *c, const char *id, char removed_id[65],
                    struct viv_error *err)
{
    if (catalog_image_in_use(c, id))
        return catalog_fail_rule(err, EBUSY, "image %.*s is in use by a running instance",
                                 CATALOG_SHORT_ID, id);
    struct catalog_ref *refs;
    size_t n;
    if (catalog_refs_list(c, &refs, &n, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (strcmp(refs[i].id, id) == 0)
            rc = catalog_ref_remove(c, refs[i].name, refs[i].tag, err);
    catalog_refs_free(refs, n);
    if (rc == 0 && catalog_image_dispose(c, id, err) == 0)
        memcpy(removed_id, id, 65);
    else
        rc = -1;
    return rc;
}

int catalog_rm(struct viv_catalog *c, const char *image, char removed_id[65],
               struct viv_error *err)
{
    removed_id[0] = '\0';
    _cleanup_close_ int gc = -1, refs_lock = -1;
    if (catalog_lock(c, "gc.lock", LOCK_EX, &gc, err) < 0 ||
        catalog_lock(c, "refs.lock", LOCK_EX, &refs_lock, err) < 0)
        return -1;

    /* A ref is removed even when its image is gone or its file is damaged. */
    _cleanup_free_ char *name = NULL, *tag = NULL;
    struct viv_error perr;
    if (viv_ref_parse(image, &name, &tag, &perr) == 0) {
        if (!tag)
            tag = viv_xstrdup("latest");
        char id[65];
        int rc = catalog_ref_read(c, name, tag, id, err);
        if (rc < 0 && err->code != EINVAL)
            return -1;
        if (rc != 0) {
            if (rc == 1 && last_ref(c, id) && catalog_image_in_use(c, id))
                return catalog_fail_rule(err, EBUSY,
                                         "image %.*s (%s:%s) is in use by a running instance",
                                         CATALOG_SHORT_ID, id, name, tag);
            if (catalog_ref_remove(c, name, tag, err) < 0)
                return -1;
            return rc == 1 ? drop_if_unnamed(c, id, removed_id, err) : 0;
        }
    }
    char id[65];
    if (catalog_resolve(c, image, id, err) < 0)
        return -1;
    return rm_by_id(c, id, removed_id, err);
}
