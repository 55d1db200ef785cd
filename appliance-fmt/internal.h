/* internal.h: what the files of appliance-fmt share with each other and nobody else. */
#ifndef VIV_APPLIANCE_INTERNAL_H
#define VIV_APPLIANCE_INTERNAL_H

#include "appliance-fmt/appliance.h"

#include <jansson.h>

struct archive;

/* ---- trees (tree.c) ---- */

/* Why tree_put refused a node; "at" is the length of the offending prefix of the path. */
enum tree_refusal {
    TREE_OK,
    TREE_UNCLEAN,      /* empty, "." or ".." component, or a NUL */
    TREE_NOT_UTF8,     /* trees become JSON: paths and targets must be UTF-8 */
    TREE_ROOT_TYPE,    /* the root must stay a directory */
    TREE_SYMLINK,      /* a parent (path[0..at)) is a symlink */
    TREE_NOT_DIR,      /* a parent (path[0..at)) is not a directory */
    TREE_TOO_LONG,     /* over TREE_PATH_MAX: no checkout could create it by path */
};
#define TREE_PATH_MAX 4095

/* tree_add without formatting a message: returns the stored node, or NULL with *why and *at. */
struct viv_node *tree_put(struct viv_tree *t, const struct viv_node *n, enum tree_refusal *why,
                          size_t *at);
struct viv_node *tree_lookup_mut(struct viv_tree *t, const char *path);
bool tree_utf8_valid(const char *s);

/* Layers: nodes remember the generation that last added them, so that a whiteout or an opaque
 * marker removes what lower layers made and keeps what the current layer already made (OCI image
 * spec, layer.md: "whiteout files MUST only apply to resources in lower/parent layers"). */
void tree_set_generation(struct viv_tree *t, unsigned gen);
void tree_remove_lower(struct viv_tree *t, const char *path);
void tree_clear_dir_lower(struct viv_tree *t, const char *path);

/* ---- reading tar streams (archive_in.c) ---- */

/* Counts bytes read from outer files across every pass of one import, for progress. */
struct ain_progress {
    const struct viv_content_sink *sink;
    uint64_t done, total;
};

/* A byte source read by libarchive: a file, memory, or a member of another archive; optionally
 * hashed while it streams so that a blob can be checked against its digest. */
struct ain_src;

/* Open a tar reader (tar format only; gzip, xz and zstd filters, or none) on a file, memory, or
 * the current member of outer (a layer inside an image archive). hash: digest every byte the
 * source delivers, for ain_src_verify. */
struct archive *ain_open_file(const char *path, struct ain_progress *prog, bool hash,
                              struct ain_src **src, struct viv_error *err);
struct archive *ain_open_memory(const void *buf, size_t len, bool hash, struct ain_src **src,
                                struct viv_error *err);
struct archive *ain_open_member(struct archive *outer, bool hash, struct ain_src **src,
                                struct viv_error *err);
/* Read the rest of the source and compare its digest (hex) and size (size_expect < 0: any). */
int ain_src_verify(struct ain_src *src, const char *digest, int64_t size_expect,
                   struct viv_error *err);
void ain_close(struct archive *a, struct ain_src *src);

/* Entry name of the current header with a leading "./" dropped (as tar -C writers spell it). */
const char *ain_entry_name(const char *name);
/* Read the current member whole, refusing more than max bytes. Caller frees *data. */
int ain_read_member(struct archive *a, const char *what, size_t max, char **data, size_t *len,
                    struct viv_error *err);

/* How entries map onto the tree. */
struct ain_apply {
    const char *archive;   /* the name errors start with */
    const char *prefix;    /* "rootfs" for a .viv, NULL for a layer (entries are the root) */
    bool layer;            /* whiteouts apply */
    const struct viv_content_sink *sink;
};
/* Apply every remaining entry of a to t. */
int ain_apply_entries(struct archive *a, struct viv_tree *t, const struct ain_apply *how,
                      struct viv_error *err);

/* ---- .viv (viv_read.c) ---- */

int viv_read_archive(struct archive *a, const char *name, const struct viv_content_sink *sink,
                     struct viv_import *out, struct viv_error *err);
int viv_read_path(const char *path, const struct viv_content_sink *sink, struct viv_import *out,
                  struct viv_error *err);
/* The same code path from memory (the fuzz target). */
int viv_read_memory(const void *buf, size_t len, const char *name,
                    const struct viv_content_sink *sink, struct viv_import *out,
                    struct viv_error *err);

/* ---- shared by the OCI and docker importers (import.c; config mapping in import_oci.c) ---- */

/* Map an image config (OCI image-spec config.md) to a manifest named name:tag. */
int image_config_to_manifest(const char *config, size_t len, const char *name, const char *tag,
                             const struct viv_content_sink *sink, struct viv_manifest *m,
                             struct viv_error *err);
/* Turn "docker.io/library/alpine:3.19" (or, when ref is NULL, a file name) into a valid name and
 * tag (tag: "latest" unless the reference names one). */
void image_ref_normalize(const char *ref, const char *fallback_path, char **name, char **tag);
/* "sha256:<64 hex>" -> the hex, or NULL when the string is anything else. */
const char *image_digest_hex(const char *digest);
/* Apply one layer stream (already opened) as generation gen (archive_in.c). */
int image_apply_layer(struct archive *a, struct viv_tree *t, unsigned gen, const char *what,
                      const struct viv_content_sink *sink, struct viv_error *err);

/* An image layout as a directory or as a tar read in passes (never extracted): members are named
 * by their path inside the layout ("index.json", "blobs/sha256/<hex>"). */
struct image_src;
int image_src_open(const char *path, bool is_tar, const struct viv_content_sink *sink,
                   struct image_src **out, struct viv_error *err);
void image_src_free(struct image_src *s);
/* A small member, verified against digest_hex when not NULL. */
int image_src_json(struct image_src *s, const char *member, const char *digest_hex, size_t max,
                   char **data, size_t *len, struct viv_error *err);
/* Apply a layer member as generation gen, verified against digest_hex when not NULL. */
int image_src_layer(struct image_src *s, const char *member, const char *digest_hex, int64_t size,
                    struct viv_tree *t, unsigned gen, struct viv_error *err);
/* Progress total for a directory source (a tar's is its size). */
void image_src_set_total(struct image_src *s, uint64_t total);
/* Report the whole input done (after the last pass of a successful import). */
void image_src_progress_end(struct image_src *s);
/* Open path as an image source, run body over it, and on failure leave out nothing and name the
 * archive in the error: what the OCI and docker importers share. */
typedef int (*image_src_body)(struct image_src *s, const char *path,
                              const struct viv_content_sink *sink, struct viv_import *out,
                              struct viv_error *err);
int image_src_import(const char *path, bool is_tar, const struct viv_content_sink *sink,
                     image_src_body body, struct viv_import *out, struct viv_error *err);
/* Find a top-level member of a tar by name; copy up to len bytes of its start into head. */
bool image_tar_peek(const char *path, const char *member, char *head, size_t len);

#define IMAGE_JSON_MAX (4 * 1024 * 1024)

int import_oci(const char *path, const struct viv_content_sink *sink, struct viv_import *out,
               struct viv_error *err);
bool import_oci_probe(const char *path);
int import_docker(const char *path, const struct viv_content_sink *sink, struct viv_import *out,
                  struct viv_error *err);
bool import_docker_probe(const char *path);
bool import_viv_probe(const char *path);

#endif
