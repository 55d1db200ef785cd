/* catalog/prune.c: removing unnamed images, abandoned staging and objects no image uses. */
#include "catalog/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Objects are judged by the trees of the images that stay, never by link counts: a checkout
 * copied on EMLINK, or a damaged one, would make link counts lie. */
static int prune_objects(struct viv_catalog *c, char (*keep)[65], size_t nkeep, size_t *count,
                         struct viv_error *err)
{
    DIR *d = viv_opendir_at(c->objects_fd, ".");
    if (!d) {
        return viv_fail(err, errno, "read '%s/objects'", c->home);
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        DIR *sd = viv_opendir_at(c->objects_fd, de->d_name);
        if (!sd) {
            continue; /* not a fan-out folder: not ours to judge */
        }
        struct dirent *oe;
        while ((oe = readdir(sd))) {
            if (strcmp(oe->d_name, ".") == 0 || strcmp(oe->d_name, "..") == 0)
                continue;
            if (catalog_digest_in(keep, nkeep, oe->d_name))
                continue;
            if (unlinkat(dirfd(sd), oe->d_name, 0) < 0 && errno != ENOENT) {
                rc = viv_fail(err, errno, "remove object %s", oe->d_name);
                break;
            }
            (*count)++;
        }
        closedir(sd);
    }
    closedir(d);
    return rc;
}

static int id_cmp(const void *a, const void *b)
{
    return strcmp(a, b);
}

int catalog_prune(struct viv_catalog *c, struct catalog_prune_result *res, struct viv_error *err)
{
    memset(res, 0, sizeof(*res));
    _cleanup_close_ int gc = -1, refs_lock = -1;
    if (catalog_lock(c, "gc.lock", LOCK_EX, &gc, err) < 0 ||
        catalog_lock(c, "refs.lock", LOCK_EX, &refs_lock, err) < 0)
        return -1;
    /* Measured before anything goes, with the same rules that decide below what goes. */
    struct catalog_df usage;
    if (catalog_usage(c, &usage, err) < 0)
        return viv_wrap(err, "prune");

    char(*named)[65] = NULL, (*ids)[65] = NULL, (*objs)[65] = NULL;
    size_t nnamed = 0, nids = 0, nobjs = 0;
    int rc = catalog_named_images(c, &named, &nnamed, err);
    if (rc == 0)
        rc = catalog_image_ids(c, &ids, &nids, err);
    size_t nsorted = nnamed;
    for (size_t i = 0; rc == 0 && i < nids; i++) {
        if (catalog_digest_in(named, nsorted, ids[i]))
            continue;
        /* A running instance keeps even an unnamed image, and the objects it uses. */
        if (catalog_image_in_use(c, ids[i])) {
            named = viv_xrealloc(named, (nnamed + 1) * sizeof(*named));
            memcpy(named[nnamed++], ids[i], 65);
            continue;
        }
        rc = catalog_image_dispose(c, ids[i], err);
        if (rc == 0)
            res->images++;
    }
    if (nnamed > nsorted)
        qsort(named, nnamed, sizeof(*named), id_cmp);
    if (rc == 0)
        rc = catalog_staging_sweep(c, &res->staging, err);
    if (rc == 0)
        catalog_layers_sweep(c);
    if (rc == 0)
        rc = catalog_referenced_objects(c, named, nnamed, &objs, &nobjs, err);
    if (rc == 0)
        rc = prune_objects(c, objs, nobjs, &res->objects, err);
    free(named);
    free(ids);
    free(objs);
    if (rc < 0)
        return viv_wrap(err, "prune");
    res->bytes = usage.reclaimable;
    return 0;
}
