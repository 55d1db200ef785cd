/* viv_read.c: read a .viv archive (manifest.json first, then rootfs/) into a manifest and tree. */
#include "appliance-fmt/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* The first entry must be the manifest, so that a reader learns what the image is before it
 * streams a byte of its content, and a probe reads one entry only. */
static int read_manifest(struct archive *a, const char *name, struct viv_manifest *m,
                         struct viv_error *err)
{
    struct archive_entry *e;
    int r = archive_read_next_header(a, &e);
    if (r == ARCHIVE_EOF)
        return viv_fail(err, 0, "%s: archive has no manifest.json", name);
    if (r < ARCHIVE_WARN)
        return viv_fail(err, 0, "%s: %s", name, archive_error_string(a));
    const char *first = archive_entry_pathname(e);
    if (!first || strcmp(ain_entry_name(first), "manifest.json") != 0)
        return viv_fail(err, 0, "%s: first entry is '%s', not manifest.json", name,
                        first ? first : "");
    if (archive_entry_filetype(e) != AE_IFREG || archive_entry_hardlink(e))
        return viv_fail(err, 0, "%s: entry '%s' is not a regular file", name, first);
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (ain_read_member(a, "manifest.json", VIV_MANIFEST_MAX, &text, &len, err) < 0)
        return viv_wrap(err, "%s", name);
    if (manifest_parse(text, len, m, err) < 0)
        return viv_wrap(err, "%s: manifest.json", name);
    return 0;
}

int viv_read_archive(struct archive *a, const char *name, const struct viv_content_sink *sink,
                     struct viv_import *out, struct viv_error *err)
{
    struct viv_import imp = {.format = "viv"};
    if (read_manifest(a, name, &imp.manifest, err) < 0)
        return -1;
    imp.tree = tree_new();
    struct ain_apply how = {.archive = name, .prefix = "rootfs", .layer = false, .sink = sink};
    if (ain_apply_entries(a, imp.tree, &how, err) < 0) {
        viv_import_free(&imp);
        return -1;
    }
    *out = imp;
    return 0;
}

int viv_read_path(const char *path, const struct viv_content_sink *sink, struct viv_import *out,
                  struct viv_error *err)
{
    struct stat st;
    struct ain_progress prog = {.sink = sink};
    if (stat(path, &st) == 0)
        prog.total = (uint64_t)st.st_size;
    struct ain_src *src;
    struct archive *a = ain_open_file(path, &prog, false, &src, err);
    if (!a)
        return -1;
    int rc = viv_read_archive(a, path, sink, out, err);
    ain_close(a, src);
    return rc;
}

int viv_read_memory(const void *buf, size_t len, const char *name,
                    const struct viv_content_sink *sink, struct viv_import *out,
                    struct viv_error *err)
{
    struct ain_src *src;
    struct archive *a = ain_open_memory(buf, len, false, &src, err);
    if (!a)
        return viv_wrap(err, "%s", name);
    int rc = viv_read_archive(a, name, sink, out, err);
    ain_close(a, src);
    return rc;
}

/* A .viv: a tar whose first entry is manifest.json holding a JSON object (docker-save archives
 * also have a manifest.json, holding an array, and rarely first). */
bool import_viv_probe(const char *path)
{
    struct viv_error err;
    struct ain_src *src;
    struct archive *a = ain_open_file(path, NULL, false, &src, &err);
    if (!a)
        return false;
    bool yes = false;
    struct archive_entry *e;
    if (archive_read_next_header(a, &e) >= ARCHIVE_WARN && archive_entry_pathname(e) &&
        strcmp(ain_entry_name(archive_entry_pathname(e)), "manifest.json") == 0) {
        char buf[256];
        la_ssize_t n = archive_read_data(a, buf, sizeof(buf));
        for (la_ssize_t i = 0; i < n; i++) {
            if (buf[i] == ' ' || buf[i] == '\n' || buf[i] == '\t' || buf[i] == '\r')
                continue;
            yes = buf[i] == '{';
            break;
        }
    }
    ain_close(a, src);
    return yes;
}
