/* catalog/internal.h: what the catalog's files share with each other and no one else. */
#ifndef VIV_CATALOG_INTERNAL_H
#define VIV_CATALOG_INTERNAL_H

#include "catalog/catalog.h"

#include <sys/file.h>

struct viv_catalog {
    char *home; /* absolute */
    int fd;     /* home itself */
    int objects_fd, images_fd, refs_fd, staging_fd;
    bool root; /* effective uid 0: checkouts and objects carry the tree's owners */
};

/* Short form of an id in messages, as people see it in `viv images`. */
#define CATALOG_SHORT_ID 12

/* ---- lock.c ---- */
/* flock a lock file in home (created if missing); *fd holds it until closed. op: LOCK_SH/LOCK_EX. */
int catalog_lock(struct viv_catalog *c, const char *name, int op, int *fd, struct viv_error *err);

/* ---- home.c: staging folders ---- */
struct catalog_staging {
    char name[33];
    int fd;         /* staging/<name> */
    int lock_fd;    /* staging/<name>/lock, flock'd LOCK_EX while we live */
    int objects_fd; /* staging/<name>/objects */
};
int catalog_staging_new(struct viv_catalog *c, struct catalog_staging *st, struct viv_error *err);
/* Remove the folder and release its lock; errors are ignored (a later sweep finishes the job). */
void catalog_staging_discard(struct viv_catalog *c, struct catalog_staging *st);
/* Is staging/<name> abandoned (its lock free)? If so and lock_fd is not NULL, *lock_fd holds the
 * lock so that no one else can claim it while it is removed. */
bool catalog_staging_stale(struct viv_catalog *c, const char *name, int *lock_fd);
/* Remove abandoned staging folders; counts them and the bytes they held. */
int catalog_staging_sweep(struct viv_catalog *c, size_t *count, struct viv_error *err);
/* ---- layer.c ---- */
/* Remove the writable layers of instances no run holds (a killed viv's). */
void catalog_layers_sweep(struct viv_catalog *c);
/* A refusal by rule: the message says it all (no strerror appended), code still tells callers. */
int catalog_fail_rule(struct viv_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- object.c: the content store ---- */
/* "ab/abcdef..." for an object. */
void catalog_object_relpath(const char digest[65], char out[68]);
/* The objects/<xx>/ folder a digest (or a folder's name) falls in, 0-255; -1 when its first two
 * characters are not lowercase hex. */
int catalog_object_fan(const char *name);
/* The header that puts mode and owner into an object's digest. */
int catalog_object_header(uint32_t mode, uint32_t uid, uint32_t gid, char *buf, size_t len);
/* Digest of the content of fd under that mode and owner. */
int catalog_object_hash_fd(int fd, uint32_t mode, uint32_t uid, uint32_t gid, char digest[65],
                           struct viv_error *err);
struct catalog_store {
    struct viv_catalog *c;
    struct catalog_staging *st;
    unsigned char *buf;
    unsigned char *buf2; /* a large object's second buffer: one is written while one is hashed */
    size_t bufsz;
    uint64_t seq; /* names temporary files in staging */
    /* Digests written to staging by this import (open addressing, power-of-two capacity): one
     * lookup instead of a stat per file, and the list of what to publish. */
    struct catalog_staged *staged;
    size_t nstaged, capstaged;
    int image_fd, rootfs_fd; /* staging/<name>/image and its rootfs: the checkout being built */
    bool misplaced;          /* a small object could not be written at its place */
    mode_t umask;      /* the process umask, so files are created with their final mode */
    uid_t euid;        /* who new files belong to without a chown */
    gid_t egid;
    uint8_t fans[32];  /* bitmap of objects/<xx>/ folders known to exist */
    /* The objects/<xx>/ folders there were when the import began: an object already stored is
     * under one of them, or under one that a concurrent import made since (its objects are then
     * not shared with ours, which costs space, never correctness). */
    uint8_t fans_before[32];
    bool fans_before_read;
    /* Large objects already in the store, by size: a re-imported large file is compared with
     * its likely twin instead of being written again (object_match.c). */
    struct catalog_big_object *bigs;
    size_t nbigs;
    bool bigs_loaded;
    unsigned char *cmpbuf;
    struct catalog_writer *writer; /* started on the first small file */
};
/* Where a new object waits for its name. Small objects are written where tar would put them: at
 * their place in the checkout (path, relative to its rootfs), so that once synced one link names
 * them and the checkout already holds them. Large ones, and small ones whose place was taken, wait
 * in staging/<name>/objects/<digest> (path NULL). */
struct catalog_staged {
    char digest[65];
    char *path;
    bool named; /* already in objects/ (named while the archive streamed) */
};
struct catalog_big_object {
    uint64_t size;
    uint32_t mode;
    char digest[65];
};
/* The digest's entry if this import staged it, else NULL. */
const struct catalog_staged *catalog_store_staged(const struct catalog_store *s,
                                                  const char *digest);
/* A staging file created with the object's final mode where the umask allows (no chmod then). */
int catalog_object_create(struct catalog_store *s, const char *name, uint32_t mode);
/* Give a new object its final owner (as root) and mode; chown first, as it clears setuid. */
int catalog_object_seal(struct catalog_store *s, int fd, uint32_t mode, uint32_t uid, uint32_t gid);
/* ---- object_writer.c: small objects written on a second thread while the archive streams ---- */
/* Queue a small object's file with content buf[0..n): at node's place in the checkout being
 * built (rootfs_fd), else staging/objects/<digest>. Fails if an earlier write failed. */
int catalog_writer_submit(struct catalog_store *s, const struct viv_node *node, const char *digest,
                          const void *buf, size_t n, struct viv_error *err);
/* Wait for every queued write; the first failure, if any, naming its file. Idempotent. Then
 * the staged entries say where each object was written; the namers may still be naming them. */
int catalog_writer_finish_writes(struct catalog_store *s, struct viv_error *err);
/* Wait for the namers too; then the staged entries also say which objects they named. */
void catalog_writer_finish_names(struct catalog_store *s);
/* Both. */
int catalog_writer_finish(struct catalog_store *s, struct viv_error *err);
/* Stop without naming what is still unnamed (the import failed); nothing reported. */
void catalog_writer_abandon(struct catalog_store *s);
/* ---- object_worker.c: a thread that hashes, or writes, a large object's buffers ---- */
struct catalog_worker;
/* A thread that calls fn(ctx, data, len) for each buffer posted, in order. Should no thread be
 * had, post calls fn itself. */
struct catalog_worker *catalog_worker_start(void (*fn)(void *ctx, const void *data, size_t len),
                                            void *ctx);
/* Hand data[0..len) to the thread; returns once the previous buffer is done, so the caller may
 * reuse that one. data must stay untouched until the next post, wait or stop. */
void catalog_worker_post(struct catalog_worker *w, const void *data, size_t len);
/* Until every posted buffer is done: ctx is then the caller's again. */
void catalog_worker_wait(struct catalog_worker *w);
/* Do what is posted, then end the thread. */
void catalog_worker_stop(struct catalog_worker *w);
/* ---- object_match.c ---- */
/* An open object of the same size and mode as node that may hold the same content, or -1. */
int catalog_match_open(struct catalog_store *s, const struct viv_node *node, char digest[65]);
/* Does the object at fd hold exactly buf[0..n) at off? */
bool catalog_match_chunk(struct catalog_store *s, int fd, uint64_t off, const void *buf, size_t n);
/* Copy the first len bytes of in to out. */
int catalog_copy_prefix(int in, int out, uint64_t len);
void catalog_store_init(struct catalog_store *s, struct viv_catalog *c, struct catalog_staging *st);
void catalog_store_fini(struct catalog_store *s);
/* struct viv_content_sink.store, ctx = struct catalog_store. */
int catalog_store_content(void *ctx, struct viv_node *node, struct viv_content_reader *in,
                          struct viv_error *err);
/* Note where the writer put a staged object (path owned by the entry from now on)... */
void catalog_store_placed(struct catalog_store *s, const char *digest, char *path);
/* ...and that a namer named it in objects/. */
void catalog_store_named(struct catalog_store *s, const char *digest);
/* Name one new object in objects/, from its place in the checkout (path) or from staging. Its
 * data must be on disk. */
int catalog_object_publish(struct catalog_store *s, const char *digest, const char *path,
                           struct viv_error *err);
/* Are the objects written in place exactly the final tree's files at those paths? If not (a later
 * layer replaced or removed one), move them all to staging/objects and start an empty rootfs. */
int catalog_objects_settle(struct catalog_store *s, struct viv_tree *t, struct viv_error *err);
/* Sync and name every object this import staged and the namers did not (keeping any that got
 * there first); *count says how many that was. */
int catalog_objects_publish(struct catalog_store *s, size_t *count, struct viv_error *err);

/* ---- checkout.c ---- */
/* Materialize a tree under rootfs_fd: hardlinks to objects, taken from the staging folder of
 * `staged` (may be NULL) for the objects it holds. rootfs_fd is empty, or holds the objects
 * `staged` wrote in place (catalog_objects_settle checked them) and their directories. */
int catalog_checkout(struct viv_catalog *c, struct viv_tree *t, int rootfs_fd,
                     const struct catalog_store *staged, struct viv_error *err);
/* catalog_checkout in two steps: the entries, then directory modes and owners (last, as a
 * read-only directory takes no more entries). */
int catalog_checkout_entries(struct viv_catalog *c, struct viv_tree *t, int rootfs_fd,
                             const struct catalog_store *staged, struct viv_error *err);
int catalog_checkout_seal(struct viv_catalog *c, struct viv_tree *t, int rootfs_fd,
                          struct viv_error *err);
/* Copy an object into a new file (when it has too many links to link once more). */
int catalog_copy_object(struct viv_catalog *c, const struct viv_node *n, int dirfd,
                        const char *path, struct viv_error *err);

/* ---- image.c ---- */
/* Image id: SHA-256 of "viv-image 1\n" + canonical manifest without name/tag + "\n" + tree json. */
void catalog_image_id(const struct viv_manifest *m, struct viv_tree *t, char id[65]);
bool catalog_image_exists(struct viv_catalog *c, const char *id);
int catalog_read_manifest(struct viv_catalog *c, const char *id, struct viv_manifest *m,
                          struct viv_error *err);
/* Every images/ entry that looks like an id (caller frees the array). */
int catalog_image_ids(struct viv_catalog *c, char (**ids)[65], size_t *n, struct viv_error *err);
/* Is an instance running the image (catalog_image_hold)? */
bool catalog_image_in_use(struct viv_catalog *c, const char *id);
/* Make an image invisible at once (rename into a staging folder), then delete it. Caller holds
 * gc.lock exclusively. */
int catalog_image_dispose(struct viv_catalog *c, const char *id, struct viv_error *err);

/* ---- ref.c ---- */
struct catalog_ref {
    char *name, *tag;
    char id[65]; /* "" when the file does not hold an id */
};
/* Walk refs/ (sorted by name then tag). */
int catalog_refs_list(struct viv_catalog *c, struct catalog_ref **refs, size_t *n,
                      struct viv_error *err);
void catalog_refs_free(struct catalog_ref *refs, size_t n);
/* 1 and id filled if refs/<name>/<tag> exists, 0 if not, -1 on error. */
int catalog_ref_read(struct viv_catalog *c, const char *name, const char *tag, char id[65],
                     struct viv_error *err);
/* Caller holds refs.lock. */
int catalog_ref_write(struct viv_catalog *c, const char *name, const char *tag, const char *id,
                      struct viv_error *err);
int catalog_ref_remove(struct viv_catalog *c, const char *name, const char *tag,
                       struct viv_error *err);
/* catalog_resolve that also says whether a ref was used (name and tag set, caller frees) or not. */
int catalog_resolve_ref(struct viv_catalog *c, const char *image, char id[65], char **name,
                        char **tag, struct viv_error *err);

/* ---- df.c ---- */
/* Space accounting; also what prune would free. Caller holds gc.lock and refs.lock. */
int catalog_usage(struct viv_catalog *c, struct catalog_df *df, struct viv_error *err);
/* Sorted digests every tree of the given images references. */
int catalog_referenced_objects(struct viv_catalog *c, char (*ids)[65], size_t nids,
                               char (**digests)[65], size_t *n, struct viv_error *err);
bool catalog_digest_in(char (*set)[65], size_t n, const char *digest);
/* Sorted ids of the existing images some ref names. */
int catalog_named_images(struct viv_catalog *c, char (**ids)[65], size_t *n,
                         struct viv_error *err);

#endif
