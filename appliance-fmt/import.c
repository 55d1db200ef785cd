/* import.c: the importers' table (.viv, OCI, docker) and the pieces the image importers share. */
#include "appliance-fmt/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#define CACHE_MEMBER_MAX (1024 * 1024)
#define CACHE_BUDGET (64 * 1024 * 1024)

/* ---- image sources: a layout directory, or a tar read in passes ---- */

struct member {
    char *name;
    char *link; /* a symlink or hard link member: the member it names, else NULL */
    char *data; /* cached content of a small member, else NULL */
    size_t len;
};

/* "dir/../other/layer.tar" relative to the member's folder, as `docker save` links a layer it
 * already wrote; NULL if it leaves the archive. */
static char *resolve_link(const char *member, const char *target, bool relative)
{
    const char *slash = strrchr(member, '/');
    char *joined = relative && slash
                       ? viv_xasprintf("%.*s/%s", (int)(slash - member), member, target)
                       : viv_xstrdup(target);
    char *out = viv_xcalloc(1, strlen(joined) + 1);
    size_t k = 0;
    for (char *save = NULL, *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
        if (strcmp(c, ".") == 0)
            continue;
        if (strcmp(c, "..") == 0) {
            if (k == 0) {
                free(out);
                out = NULL;
                break;
            }
            while (k && out[k - 1] != '/')
                k--;
            k = k ? k - 1 : 0;
            out[k] = '\0';
            continue;
        }
        k += (size_t)sprintf(out + k, "%s%s", k ? "/" : "", c);
    }
    free(joined);
    return out;
}

struct image_src {
    char *path;
    bool is_tar;
    const struct viv_content_sink *sink;
    struct ain_progress prog;
    struct member *m;
    size_t n;
};

/* One pass: note every member and keep the small ones (JSON, tiny layers), so that the index,
 * manifest and config cost no further pass and big layers cost one pass each. */
static int tar_scan(struct image_src *s, struct viv_error *err)
{
    struct ain_src *src;
    struct archive *a = ain_open_file(s->path, &s->prog, false, &src, err);
    if (!a)
        return -1;
    size_t budget = CACHE_BUDGET, cap = 0;
    struct archive_entry *e;
    int r, rc = 0;
    while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
        if (r < ARCHIVE_WARN) {
            rc = viv_fail(err, 0, "%s: %s", s->path, archive_error_string(a));
            break;
        }
        const char *name = archive_entry_pathname(e);
        const char *hl = archive_entry_hardlink(e);
        bool sym = archive_entry_filetype(e) == AE_IFLNK;
        if (!name || (archive_entry_filetype(e) != AE_IFREG && !sym))
            continue;
        if (s->n == cap) {
            cap = cap ? cap * 2 : 16;
            s->m = viv_xrealloc(s->m, cap * sizeof(*s->m));
        }
        struct member *m = &s->m[s->n++];
        *m = (struct member){.name = viv_xstrdup(ain_entry_name(name))};
        if (hl || sym) {
            const char *target = hl ? ain_entry_name(hl) : archive_entry_symlink(e);
            m->link = target ? resolve_link(m->name, target, sym) : NULL;
            continue;
        }
        la_int64_t size = archive_entry_size(e);
        if (size >= 0 && size <= CACHE_MEMBER_MAX && (size_t)size <= budget) {
            if (ain_read_member(a, m->name, CACHE_MEMBER_MAX, &m->data, &m->len, err) < 0) {
                rc = viv_wrap(err, "%s", s->path);
                break;
            }
            budget -= m->len;
        }
    }
    ain_close(a, src);
    return rc;
}

int image_src_open(const char *path, bool is_tar, const struct viv_content_sink *sink,
                   struct image_src **out, struct viv_error *err)
{
    struct image_src *s = viv_xcalloc(1, sizeof(*s));
    s->path = viv_xstrdup(path);
    s->is_tar = is_tar;
    s->sink = sink;
    s->prog.sink = sink;
    struct stat st;
    if (is_tar && stat(path, &st) == 0)
        s->prog.total = (uint64_t)st.st_size;
    if (is_tar && tar_scan(s, err) < 0) {
        image_src_free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void image_src_free(struct image_src *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->m[i].name);
        free(s->m[i].link);
        free(s->m[i].data);
    }
    free(s->m);
    free(s->path);
    free(s);
}

void image_src_set_total(struct image_src *s, uint64_t total)
{
    if (!s->is_tar)
        s->prog.total = total;
}

void image_src_progress_end(struct image_src *s)
{
    /* Passes skip members and tar padding by seeking: the count of bytes read falls short. */
    if (s->sink && s->sink->progress && s->prog.total)
        s->sink->progress(s->sink->ctx, s->prog.total, s->prog.total);
}

static struct member *find_member(struct image_src *s, const char *name)
{
    for (int hops = 0; hops < 8; hops++) {
        struct member *m = NULL;
        for (size_t i = 0; i < s->n && !m; i++)
            if (strcmp(s->m[i].name, name) == 0)
                m = &s->m[i];
        if (!m || !m->link)
            return m;
        name = m->link;
    }
    return NULL;
}

/* Open the outer tar and stop at member name; the caller reads it and closes. */
static struct archive *tar_seek(struct image_src *s, const char *name, struct ain_src **src,
                                struct viv_error *err)
{
    struct archive *a = ain_open_file(s->path, &s->prog, false, src, err);
    if (!a)
        return NULL;
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
        if (r < ARCHIVE_WARN) {
            viv_fail(err, 0, "%s: %s", s->path, archive_error_string(a));
            goto fail;
        }
        const char *n = archive_entry_pathname(e);
        if (n && archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e) &&
            strcmp(ain_entry_name(n), name) == 0)
            return a;
    }
    viv_fail(err, 0, "%s: member '%s' vanished between passes", s->path, name);
fail:
    ain_close(a, *src);
    return NULL;
}

int image_src_json(struct image_src *s, const char *member, const char *digest_hex, size_t max,
                   char **data, size_t *len, struct viv_error *err)
{
    if (s->is_tar) {
        struct member *m = find_member(s, member);
        if (!m)
            return viv_fail(err, 0, "%s: no member '%s'", s->path, member);
        if (m->data) {
            if (m->len > max)
                return viv_fail(err, 0, "%s: %s: larger than %zu bytes", s->path, member, max);
            *data = viv_xmalloc(m->len + 1);
            memcpy(*data, m->data, m->len + 1);
            *len = m->len;
        } else {
            struct ain_src *src;
            struct archive *a = tar_seek(s, m->name, &src, err);
            if (!a)
                return -1;
            int rc = ain_read_member(a, member, max, data, len, err);
            ain_close(a, src);
            if (rc < 0)
                return viv_wrap(err, "%s", s->path);
        }
    } else {
        _cleanup_free_ char *p = viv_xasprintf("%s/%s", s->path, member);
        if (viv_read_file(p, max, data, len, err) < 0)
            return -1;
    }
    if (digest_hex) {
        char hex[65];
        viv_sha256_hex(*data, *len, hex);
        if (strcmp(hex, digest_hex) != 0) {
            free(*data);
            *data = NULL;
            return viv_fail(err, 0, "%s: blob sha256:%s digest mismatch (content hashes to "
                            "%s)", s->path, digest_hex, hex);
        }
    }
    return 0;
}

int image_src_layer(struct image_src *s, const char *member, const char *digest_hex, int64_t size,
                    struct viv_tree *t, unsigned gen, struct viv_error *err)
{
    struct archive *outer = NULL, *a = NULL;
    struct ain_src *outer_src = NULL, *src = NULL;
    bool hash = digest_hex != NULL;
    _cleanup_free_ char *what = viv_xasprintf("%s: layer %s", s->path, member);
    int rc = -1;
    if (s->is_tar) {
        struct member *m = find_member(s, member);
        if (!m) {
            viv_fail(err, 0, "%s: no member '%s'", s->path, member);
            goto out;
        }
        if (m->data) {
            a = ain_open_memory(m->data, m->len, hash, &src, err);
        } else {
            if (!(outer = tar_seek(s, m->name, &outer_src, err)))
                goto out;
            a = ain_open_member(outer, hash, &src, err);
        }
    } else {
        _cleanup_free_ char *p = viv_xasprintf("%s/%s", s->path, member);
        a = ain_open_file(p, &s->prog, hash, &src, err);
    }
    if (!a) {
        viv_wrap(err, "%s", what);
        goto out;
    }
    if (image_apply_layer(a, t, gen, what, s->sink, err) < 0)
        goto out;
    if (hash && ain_src_verify(src, digest_hex, size, err) < 0) {
        viv_wrap(err, "%s", s->path);
        goto out;
    }
    rc = 0;
out:
    ain_close(a, src);
    ain_close(outer, outer_src);
    return rc;
}

bool image_tar_peek(const char *path, const char *member, char *head, size_t len)
{
    struct viv_error err;
    struct ain_src *src;
    struct archive *a = ain_open_file(path, NULL, false, &src, &err);
    if (!a)
        return false;
    bool found = false;
    struct archive_entry *e;
    int r;
    while ((r = archive_read_next_header(a, &e)) >= ARCHIVE_WARN) {
        const char *n = archive_entry_pathname(e);
        if (n && archive_entry_filetype(e) == AE_IFREG && strcmp(ain_entry_name(n), member) == 0) {
            found = true;
            memset(head, 0, len);
            if (len && archive_read_data(a, head, len - 1) < 0)
                found = false;
            break;
        }
    }
    ain_close(a, src);
    return found;
}

/* ---- names for imported images ---- */

/* Lowercase, keep what viv names allow, and start with a letter or digit. */
static char *sanitize_name(const char *s, size_t len)
{
    char *out = viv_xmalloc(len + 1);
    size_t k = 0;
    for (size_t i = 0; i < len; i++) {
        char c = (char)tolower((unsigned char)s[i]);
        if (!(isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-'))
            c = '-';
        if (k == 0 && !isalnum((unsigned char)c))
            continue;
        out[k++] = c;
    }
    out[k] = '\0';
    if (k > 128)
        out[128] = '\0';
    return out;
}

static const char *const archive_exts[] = {".tar", ".tgz", ".gz",  ".xz",     ".zst",
                                           ".zstd", ".oci", ".docker", ".viv"};

static char *name_from_path(const char *path)
{
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        len--;
    const char *base = memrchr(path, '/', len);
    base = base ? base + 1 : path;
    len -= (size_t)(base - path);
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < VIV_ARRAY_SIZE(archive_exts); i++) {
            size_t el = strlen(archive_exts[i]);
            if (len > el && strncasecmp(base + len - el, archive_exts[i], el) == 0) {
                len -= el;
                again = true;
            }
        }
    }
    char *name = sanitize_name(base, len);
    if (!viv_name_valid(name)) {
        free(name);
        name = viv_xstrdup("image");
    }
    return name;
}

/* "docker.io/library/alpine:3.19@sha256:..." -> alpine, 3.19: the registry and repository path
 * say where an image came from, not what it is called here. */
void image_ref_normalize(const char *ref, const char *fallback_path, char **name, char **tag)
{
    *name = NULL;
    *tag = NULL;
    if (ref) {
        size_t len = strcspn(ref, "@");
        const char *slash = memrchr(ref, '/', len);
        const char *last = slash ? slash + 1 : ref;
        const char *colon = memchr(last, ':', len - (size_t)(last - ref));
        size_t nlen = colon ? (size_t)(colon - last) : len - (size_t)(last - ref);
        *name = sanitize_name(last, nlen);
        if (!viv_name_valid(*name)) {
            free(*name);
            *name = NULL;
        }
        if (colon) {
            *tag = strndup(colon + 1, len - (size_t)(colon + 1 - ref));
            if (!*tag)
                abort();
            if (!viv_tag_valid(*tag)) {
                free(*tag);
                *tag = NULL;
            }
        }
    }
    if (!*name)
        *name = name_from_path(fallback_path);
    if (!*tag)
        *tag = viv_xstrdup("latest");
}

int image_src_import(const char *path, bool is_tar, const struct viv_content_sink *sink,
                     image_src_body body, struct viv_import *out, struct viv_error *err)
{
    struct image_src *s;
    if (image_src_open(path, is_tar, sink, &s, err) < 0)
        return -1;
    struct viv_import imp = {0};
    int rc = body(s, path, sink, &imp, err);
    if (rc == 0)
        image_src_progress_end(s);
    image_src_free(s);
    if (rc < 0) {
        viv_import_free(&imp);
        if (strncmp(err->msg, path, strlen(path)) != 0)
            viv_wrap(err, "%s", path);
        return -1;
    }
    *out = imp;
    return 0;
}
