/* viv_write.c: write a .viv archive, reproducibly: same manifest, tree and content, same bytes. */
#include "appliance-fmt/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define WRITE_BLOCK (1024 * 1024)

static int ar_fail(struct viv_error *err, struct archive *a, const char *what)
{
    const char *msg = archive_error_string(a);
    return viv_fail(err, archive_errno(a) > 0 ? archive_errno(a) : 0, "%s: %s", what,
                    msg ? msg : "archive error");
}

static int set_filter(struct archive *a, enum viv_compression comp, struct viv_error *err)
{
    int r;
    switch (comp) {
    case VIV_COMPRESS_NONE: r = archive_write_add_filter_none(a); break;
    case VIV_COMPRESS_GZIP:
        r = archive_write_add_filter_gzip(a);
        /* gzip headers carry a timestamp by default: leave it out (RFC 1952 MTIME = 0). */
        if (r == ARCHIVE_OK)
            r = archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
        break;
    case VIV_COMPRESS_XZ: r = archive_write_add_filter_xz(a); break;
    case VIV_COMPRESS_ZSTD:
    default: r = archive_write_add_filter_zstd(a); break;
    }
    if (r != ARCHIVE_OK)
        return ar_fail(err, a, "set up compression");
    return 0;
}

/* Every header field that could differ between two runs is fixed: times, names, numeric ids. */
static struct archive_entry *entry_for(const char *name, mode_t type, uint32_t mode, uint32_t uid,
                                       uint32_t gid, int64_t mtime)
{
    struct archive_entry *e = archive_entry_new();
    if (!e)
        abort();
    archive_entry_set_pathname(e, name);
    archive_entry_set_filetype(e, type);
    archive_entry_set_perm(e, mode & 07777);
    archive_entry_set_uid(e, uid);
    archive_entry_set_gid(e, gid);
    archive_entry_set_uname(e, "");
    archive_entry_set_gname(e, "");
    archive_entry_set_mtime(e, mtime, 0);
    return e;
}

static int write_content(struct archive *a, int rootfs_dirfd, const struct viv_node *n,
                         char *buf, struct viv_error *err)
{
    _cleanup_close_ int fd = openat(rootfs_dirfd, n->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return viv_fail(err, errno, "open 'rootfs/%s'", n->path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return viv_fail(err, errno, "stat 'rootfs/%s'", n->path);
    if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != n->size)
        return viv_fail(err, 0, "'rootfs/%s' changed while it was written (size %llu, tree "
                        "says %llu)", n->path, (unsigned long long)st.st_size,
                        (unsigned long long)n->size);
    uint64_t left = n->size;
    while (left) {
        size_t want = left < WRITE_BLOCK ? (size_t)left : WRITE_BLOCK;
        ssize_t r = read(fd, buf, want);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return viv_fail(err, errno, "read 'rootfs/%s'", n->path);
        if (r == 0)
            return viv_fail(err, 0, "'rootfs/%s' shrank while it was written", n->path);
        if (archive_write_data(a, buf, (size_t)r) != r)
            return ar_fail(err, a, "write");
        left -= (uint64_t)r;
    }
    return 0;
}

static const mode_t ae_types[] = {
    [VIV_NODE_DIR] = AE_IFDIR,
    [VIV_NODE_REG] = AE_IFREG,
    [VIV_NODE_SYMLINK] = AE_IFLNK,
    [VIV_NODE_FIFO] = AE_IFIFO,
};

static int write_entries(struct archive *a, const struct viv_manifest *m, struct viv_tree *t,
                         int rootfs_dirfd, int64_t mtime, struct viv_error *err)
{
    _cleanup_free_ char *json = manifest_print(m, true);
    size_t jlen = strlen(json);
    struct archive_entry *e = entry_for("manifest.json", AE_IFREG, 0644, 0, 0, mtime);
    archive_entry_set_size(e, (la_int64_t)jlen);
    int r = archive_write_header(a, e);
    archive_entry_free(e);
    if (r != ARCHIVE_OK || archive_write_data(a, json, jlen) != (la_ssize_t)jlen)
        return ar_fail(err, a, "write manifest.json");

    _cleanup_free_ char *buf = viv_xmalloc(WRITE_BLOCK);
    const struct viv_node *const *nodes;
    size_t count = tree_sorted(t, &nodes);
    for (size_t i = 0; i < count; i++) {
        const struct viv_node *n = nodes[i];
        _cleanup_free_ char *name = viv_xasprintf("rootfs/%s", n->path);
        e = entry_for(name, ae_types[n->type], n->mode, n->uid, n->gid, mtime);
        if (n->type == VIV_NODE_SYMLINK)
            archive_entry_set_symlink(e, n->target ? n->target : "");
        archive_entry_set_size(e, n->type == VIV_NODE_REG ? (la_int64_t)n->size : 0);
        r = archive_write_header(a, e);
        archive_entry_free(e);
        if (r != ARCHIVE_OK)
            return ar_fail(err, a, name);
        if (n->type == VIV_NODE_REG && write_content(a, rootfs_dirfd, n, buf, err) < 0)
            return -1;
    }
    return 0;
}

int viv_archive_write(const char *out_path, const struct viv_manifest *m, struct viv_tree *t,
                      int rootfs_dirfd, enum viv_compression comp, int64_t mtime,
                      struct viv_error *err)
{
    char hex[17];
    if (viv_random_hex(hex, 8, err) < 0)
        return -1;
    _cleanup_free_ char *tmp = viv_xasprintf("%s.tmp.%s", out_path, hex);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return viv_fail(err, errno, "create '%s'", tmp);
    struct archive *a = archive_write_new();
    if (!a)
        abort();
    int rc = -1;
    if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK) {
        ar_fail(err, a, "set up pax format");
        goto out;
    }
    if (set_filter(a, comp, err) < 0)
        goto out;
    /* Whole-block padding of the last block would make size depend on nothing but the format. */
    archive_write_set_bytes_in_last_block(a, 1);
    if (archive_write_open_fd(a, fd) != ARCHIVE_OK) {
        ar_fail(err, a, "open");
        goto out;
    }
    if (write_entries(a, m, t, rootfs_dirfd, mtime, err) < 0)
        goto out;
    if (archive_write_close(a) != ARCHIVE_OK) {
        ar_fail(err, a, "finish");
        goto out;
    }
    if (fsync(fd) < 0) {
        viv_fail(err, errno, "sync");
        goto out;
    }
    rc = 0;
out:
    archive_write_free(a);
    close(fd);
    if (rc == 0 && rename(tmp, out_path) < 0)
        rc = viv_fail(err, errno, "rename '%s' to '%s'", tmp, out_path);
    if (rc < 0) {
        unlink(tmp);
        return viv_wrap(err, "write '%s'", out_path);
    }
    return 0;
}
