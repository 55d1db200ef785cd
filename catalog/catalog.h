/* catalog: the local image store (objects, images, refs, locks, checkouts, fsck, prune, df). */
#ifndef VIV_CATALOG_H
#define VIV_CATALOG_H

#include "appliance-fmt/appliance.h"
#include "base/base.h"

#include <stdbool.h>
#include <stdint.h>

/*
 * Layout under $VIV_HOME (mode 0700):
 *   objects/ab/<sha256>           content + mode, one inode per distinct (content, mode, uid, gid)
 *   images/<id>/manifest.json     normalized manifest (with the name/tag it was imported under)
 *   images/<id>/tree.json         canonical tree
 *   images/<id>/rootfs/           read-only checkout: hardlinks to objects
 *   refs/<name>/<tag>             file holding an image id
 *   staging/<random>/             work in progress; a flock'd "lock" file marks it live
 *   layers/<random>/              a running instance's writable layer, flock'd while it runs
 *   gc.lock, refs.lock            serialize imports (shared) against prune/rm (exclusive)
 * An image is visible once images/<id> exists; it is renamed into place only when complete.
 */

struct viv_catalog; /* opaque */

/* The catalog folder for this user: $VIV_HOME, else $XDG_DATA_HOME/vivarium, else
 * ~/.local/share/vivarium, or /var/lib/vivarium for root without XDG_DATA_HOME. */
char *catalog_default_home(void);
/* Opens (creating if needed) the catalog at home (NULL: the default). Stale staging is swept by
 * the next import, prune or fsck. */
int catalog_open(const char *home, struct viv_catalog **out, struct viv_error *err);
void catalog_close(struct viv_catalog *c);
const char *catalog_home(const struct viv_catalog *c);

typedef void (*catalog_progress_fn)(void *ctx, uint64_t done, uint64_t total);
typedef void (*catalog_warn_fn)(void *ctx, const char *msg);

struct catalog_import_opts {
    const char *ref; /* "name[:tag]" overriding the manifest's name/tag, or NULL */
    catalog_progress_fn progress;
    catalog_warn_fn warn;
    void *ctx;
};

/* Import a .viv, OCI layout (dir or tar) or docker-save tarball. On success id holds the image id
 * and the ref name:tag points at it. On failure the catalog is exactly as before. */
int catalog_import(struct viv_catalog *c, const char *path, const struct catalog_import_opts *opts,
                   char id[65], struct viv_error *err);

/* "name[:tag]" (tag defaults to latest) or a unique prefix of an image id (at least 4 hex). */
int catalog_resolve(struct viv_catalog *c, const char *image, char id[65], struct viv_error *err);

struct viv_image {
    char id[65];
    struct viv_manifest manifest;
    char *rootfs;       /* absolute path of the read-only checkout */
    struct viv_strv refs; /* "name:tag" of every ref pointing here, sorted */
    uint64_t size;      /* bytes of regular-file content in the tree */
    uint64_t files;     /* nodes in the tree */
    int64_t created;    /* when it was imported (seconds since the epoch) */
};
int catalog_image_load(struct viv_catalog *c, const char *id, struct viv_image *img,
                       struct viv_error *err);
/* Only what a run needs: id, manifest and checkout (no refs, size or date), of an image the
 * caller holds (catalog_image_hold: it exists and stays). */
int catalog_image_load_to_run(struct viv_catalog *c, const char *id, struct viv_image *img,
                              struct viv_error *err);
void catalog_image_free(struct viv_image *img);
/* The tree of an image (caller frees). */
int catalog_image_tree(struct viv_catalog *c, const char *id, struct viv_tree **tree,
                       struct viv_error *err);

/* An instance's writable layer on disk (layers/<random>/), empty, held while fd stays open.
 * path is absolute, for the instance to open. */
struct catalog_layer {
    char name[33];
    char *path;
    int fd; /* -1: none */
};
int catalog_layer_new(struct viv_catalog *c, struct catalog_layer *l, struct viv_error *err);
/* Remove it and let it go, then the layers no run holds (a killed viv's); errors are ignored (a
 * later sweep finishes the job). */
void catalog_layer_remove(struct viv_catalog *c, struct catalog_layer *l);

/* Keep an image from being removed while *fd stays open (a running instance holds its image):
 * rm refuses it, prune passes it by. */
int catalog_image_hold(struct viv_catalog *c, const char *id, int *fd, struct viv_error *err);

/* Every image, sorted by first ref then id; images with no ref are listed with no refs. */
int catalog_list(struct viv_catalog *c, struct viv_image **imgs, size_t *n, struct viv_error *err);
void catalog_list_free(struct viv_image *imgs, size_t n);

/* Point name[:tag] at an image. */
int catalog_tag(struct viv_catalog *c, const char *image, const char *ref, struct viv_error *err);
/* Remove a ref (image given as name[:tag]: the image goes when its last ref goes) or, given an id
 * prefix, the image and every ref to it. removed_id gets the id of a removed image or "". */
int catalog_rm(struct viv_catalog *c, const char *image, char removed_id[65],
               struct viv_error *err);

/* Write an image as a .viv; importing it gives the same id. */
int catalog_export(struct viv_catalog *c, const char *image, const char *out_path,
                   struct viv_error *err);

/* Verify every object (rehash), every image (id recomputed, checkout matches the tree and its
 * objects) and every ref. Each damage is reported through report(); *damaged counts them. */
typedef void (*catalog_report_fn)(void *ctx, const char *damage);
int catalog_fsck(struct viv_catalog *c, catalog_report_fn report, void *ctx, size_t *damaged,
                 struct viv_error *err);

struct catalog_prune_result {
    size_t images;  /* images with no ref removed */
    size_t objects; /* objects no image references removed */
    size_t staging; /* stale staging folders removed */
    uint64_t bytes; /* space freed */
};
int catalog_prune(struct viv_catalog *c, struct catalog_prune_result *res, struct viv_error *err);

struct catalog_df {
    uint64_t images, objects;
    uint64_t bytes;        /* every inode under $VIV_HOME counted once (st_blocks) */
    uint64_t object_bytes; /* the objects alone */
    uint64_t reclaimable;  /* what `viv prune` would free */
};
int catalog_df(struct viv_catalog *c, struct catalog_df *df, struct viv_error *err);

/* ENOSPC or EDQUOT: add the advice that frees space (`viv prune`) to err, once. */
void catalog_advise(struct viv_error *err);

#endif
