/* appliance-fmt: the .viv archive, the manifest, image trees and the OCI/docker importers. */
#ifndef VIV_APPLIANCE_H
#define VIV_APPLIANCE_H

#include "base/base.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- manifest (manifest.c) ---- */

enum viv_arch { VIV_ARCH_X86_64, VIV_ARCH_RISCV64, VIV_ARCH_AARCH64 };

enum viv_mode_bit {
    VIV_MODE_NATIVE = 1u << 0,
    VIV_MODE_VM = 1u << 1,
    VIV_MODE_XLAT = 1u << 2,
};

enum viv_network { VIV_NET_NONE, VIV_NET_HOST };

#define VIV_MANIFEST_MAX (1024 * 1024)
#define VIV_MANIFEST_MAX_DEPTH 64

struct viv_strv {
    char **v; /* NULL-terminated */
    size_t n;
};

/* The CPU limits the kernel can apply: CFS bandwidth grants at least 1 ms of each 100 ms period. */
#define VIV_CPUS_MIN 0.01
#define VIV_CPUS_MAX 4096.0

/* A parsed, validated manifest. Zero in a resource means "no limit". */
struct viv_manifest {
    char *name;
    char *tag;
    enum viv_arch arch;
    struct viv_strv entrypoint; /* may be empty: then cmd is not */
    struct viv_strv cmd;
    struct viv_strv env; /* "K=V" */
    char *workdir;       /* absolute */
    char *user;          /* USER[:GROUP] as --user takes it, names or ids; NULL: root */
    unsigned modes;      /* viv_mode_bit set, never 0 */
    struct {
        uint64_t memory; /* bytes */
        uint64_t pids;
        double cpus;
        uint64_t timeout_ms;
    } resources;
    enum viv_network network;
};

/* Strict parse of manifest.json text (which may hold NULs: they are refused). Unknown keys, wrong
 * types, a manifest with neither entrypoint nor cmd, more than VIV_MANIFEST_MAX bytes or nesting
 * deeper than VIV_MANIFEST_MAX_DEPTH are refused with the key or byte position named. */
int manifest_parse(const char *text, size_t len, struct viv_manifest *m, struct viv_error *err);
void manifest_free(struct viv_manifest *m);
/* Normalized JSON, every default spelled out, sizes as "256M", durations as "30m". pretty:
 * two-space indented with a trailing newline (for people); else compact with sorted keys
 * (canonical). */
char *manifest_print(const struct viv_manifest *m, bool pretty);
/* The canonical form without name and tag: what the image id covers. */
char *manifest_canonical_for_id(const struct viv_manifest *m);
/* The program a run without a command executes: entrypoint[0], else cmd[0]. */
const char *manifest_program(const struct viv_manifest *m);
/* Deep copy. */
void manifest_copy(struct viv_manifest *dst, const struct viv_manifest *src);

const char *viv_arch_name(enum viv_arch arch);
int viv_arch_parse(const char *name, enum viv_arch *arch);
/* The modes an arch can run in when the manifest names none. */
unsigned viv_arch_default_modes(enum viv_arch arch);
const char *viv_mode_name(enum viv_mode_bit mode);

/* Image references "name[:tag]". Names: lowercase letters, digits and . _ - /, starting with a
 * letter or digit, at most 128 bytes; tags: letters, digits and . _ -, at most 128 bytes. */
int viv_ref_parse(const char *ref, char **name, char **tag, struct viv_error *err);
bool viv_name_valid(const char *name);
bool viv_tag_valid(const char *tag);
/* Added: why a name or tag is invalid ("must not be empty", ...), or NULL when it is valid; for
 * error messages that name the rule. Name components must each start with a letter or digit and
 * tags with a letter, digit or underscore, so neither can spell "." or "..". */
const char *viv_name_problem(const char *name);
const char *viv_tag_problem(const char *tag);

/* ---- image trees (tree.c) ---- */

enum viv_node_type { VIV_NODE_DIR, VIV_NODE_REG, VIV_NODE_SYMLINK, VIV_NODE_FIFO };

/* One entry of a root filesystem. Paths are relative to the root, without a leading or trailing
 * slash; the root itself is "". */
struct viv_node {
    char *path;
    enum viv_node_type type;
    uint32_t mode; /* permission bits incl. setuid/setgid/sticky (07777) */
    uint32_t uid, gid;
    uint64_t size;   /* regular files */
    char digest[65]; /* regular files: object digest (lowercase hex SHA-256), else "" */
    char *target;    /* symlinks */
};

struct viv_tree; /* opaque: a set of nodes keyed by path, always holding the root "" */

struct viv_tree *tree_new(void);
void tree_free(struct viv_tree *t);
/* Add or replace a node (its path, target are copied). Missing parent directories are created
 * 0755 0:0. Refused: a path with empty, "." or ".." components, a path whose parent is not a
 * directory or passes through a symlink. Replacing a directory with a non-directory drops the
 * directory's contents; replacing a directory with a directory keeps them. */
int tree_add(struct viv_tree *t, const struct viv_node *n, struct viv_error *err);
/* Remove a path and everything below it (a whiteout). Removing a missing path is not an error. */
void tree_remove(struct viv_tree *t, const char *path);
/* Remove everything below a directory, keeping it (an opaque directory). */
void tree_clear_dir(struct viv_tree *t, const char *path);
const struct viv_node *tree_lookup(const struct viv_tree *t, const char *path);
/* Nodes in byte order of path (so parents precede children); valid until the tree changes. */
size_t tree_sorted(struct viv_tree *t, const struct viv_node *const **nodes);
size_t tree_count(const struct viv_tree *t);
/* Canonical JSON (compact, sorted, no mtimes): what the image id covers and tree.json holds. */
char *tree_to_json(struct viv_tree *t);
int tree_from_json(const char *text, size_t len, struct viv_tree **out, struct viv_error *err);
/* Check that a path is a clean relative path (no empty, ".", ".." components, no NUL). */
bool tree_path_clean(const char *path);
/* Resolve a path inside the tree as the kernel would inside a chroot of it: symlinks followed
 * (absolute targets from the tree's root, at most 40), ".." stopping at the root. The result
 * (caller frees) names a node that exists and is not a symlink; ENOENT/ELOOP/ENOTDIR otherwise. */
int tree_resolve(const struct viv_tree *t, const char *path, char **resolved,
                 struct viv_error *err);

/* ---- reading archives into a tree (archive_in.c, viv_read.c, import_*.c) ---- */

/* Where regular-file content goes while an archive streams past: the catalog hashes and stores it,
 * and fills node->digest. read() returns bytes read, 0 at end, -1 on error (err filled). */
struct viv_content_reader {
    void *ctx;
    ssize_t (*read)(void *ctx, void *buf, size_t len, struct viv_error *err);
};
struct viv_content_sink {
    void *ctx;
    int (*store)(void *ctx, struct viv_node *node, struct viv_content_reader *in,
                 struct viv_error *err);
    /* Called with bytes consumed of the input so far and its total size (0 if unknown). */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    /* Non-fatal notices (dropped device nodes); may be NULL. */
    void (*warn)(void *ctx, const char *msg);
};

/* What an importer produces. */
struct viv_import {
    struct viv_manifest manifest;
    struct viv_tree *tree;
    const char *format; /* "viv", "oci", "docker" (static string) */
};
void viv_import_free(struct viv_import *imp);

/* Detect the format of path (a file or directory) and import it: every regular file goes through
 * sink->store. Errors name the archive and the entry. */
int appliance_import(const char *path, const struct viv_content_sink *sink, struct viv_import *out,
                     struct viv_error *err);

/* ---- writing .viv archives (viv_write.c) ---- */

enum viv_compression { VIV_COMPRESS_NONE, VIV_COMPRESS_GZIP, VIV_COMPRESS_XZ, VIV_COMPRESS_ZSTD };

/* Build a tree from a directory on disk (a `viv build` rootfs). Files owned by the caller become
 * 0:0 so that an unprivileged build gives the same image as root's. Regular files get no digest.
 * Sockets and device nodes are refused. */
int tree_from_dir(const char *dir, struct viv_tree **out, struct viv_error *err);

/* Write a .viv archive: manifest.json first, then rootfs/ entries sorted by path, regular-file
 * content read from rootfs_dirfd at each node's path. mtime is the time every entry carries
 * (SOURCE_DATE_EPOCH or 0), so the same input gives a byte-identical file. Writes to a temporary
 * name beside out_path and renames it into place. */
int viv_archive_write(const char *out_path, const struct viv_manifest *m, struct viv_tree *t,
                      int rootfs_dirfd, enum viv_compression comp, int64_t mtime,
                      struct viv_error *err);

#endif
