/* archive_in.c: the one place that opens tar readers, checks entry names and applies entries. */
#include "appliance-fmt/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define AIN_BLOCK (1024 * 1024)

enum src_kind { SRC_FD, SRC_MEM, SRC_MEMBER };

struct ain_src {
    enum src_kind kind;
    int fd;
    const char *mem;
    size_t memlen;
    bool mem_done;
    struct archive *outer;
    int64_t outer_off;
    char *buf;
    struct ain_progress *prog;
    struct viv_sha256 *sha;
    uint64_t bytes; /* delivered so far */
};

/* One block from the underlying source: 0 at end, -1 with errno-style message in *why. */
static ssize_t src_next(struct ain_src *s, const void **out, const char **why)
{
    ssize_t n;
    switch (s->kind) {
    case SRC_FD:
        do
            n = read(s->fd, s->buf, AIN_BLOCK);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            *why = strerror(errno);
            return -1;
        }
        *out = s->buf;
        if (s->prog) {
            s->prog->done += (uint64_t)n;
            uint64_t done = s->prog->done;
            if (s->prog->total && done > s->prog->total)
                done = s->prog->total;
            if (n && s->prog->sink && s->prog->sink->progress)
                s->prog->sink->progress(s->prog->sink->ctx, done, s->prog->total);
        }
        break;
    case SRC_MEM:
        n = s->mem_done ? 0 : (ssize_t)s->memlen;
        s->mem_done = true;
        *out = s->mem;
        break;
    case SRC_MEMBER:
    default: {
        size_t size;
        la_int64_t off;
        int r = archive_read_data_block(s->outer, out, &size, &off);
        if (r == ARCHIVE_EOF)
            return 0;
        if (r < ARCHIVE_WARN) {
            *why = archive_error_string(s->outer);
            return -1;
        }
        /* A sparse member would need holes filled: no writer produces one for a blob. */
        if (off != s->outer_off) {
            *why = "member is sparse";
            return -1;
        }
        s->outer_off += (int64_t)size;
        n = (ssize_t)size;
    }
    }
    if (s->sha && n > 0)
        viv_sha256_update(s->sha, *out, (size_t)n);
    s->bytes += (uint64_t)n;
    return n;
}

static la_ssize_t src_read_cb(struct archive *a, void *ud, const void **buf)
{
    const char *why = NULL;
    ssize_t n = src_next(ud, buf, &why);
    if (n < 0)
        archive_set_error(a, EIO, "read: %s", why ? why : "error");
    return n;
}

/* Skipping by seeking is what makes a pass over an uncompressed image tar cheap; a hashed source
 * must see every byte, so it never skips. */
static la_int64_t src_skip_cb(struct archive *a, void *ud, la_int64_t request)
{
    (void)a;
    struct ain_src *s = ud;
    if (s->kind != SRC_FD || s->sha || request <= 0)
        return 0;
    if (lseek(s->fd, request, SEEK_CUR) < 0)
        return 0;
    return request;
}

static struct archive *open_src(struct ain_src *s, const char *name, struct ain_src **out,
                                struct viv_error *err)
{
    struct archive *a = archive_read_new();
    if (!a)
        abort();
    /* Only what images use; never *_all, never external programs: a filter that libarchive would
     * run as a program answers ARCHIVE_WARN, which we refuse. */
    if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
        archive_read_support_filter_gzip(a) != ARCHIVE_OK ||
        archive_read_support_filter_xz(a) != ARCHIVE_OK ||
        archive_read_support_filter_zstd(a) != ARCHIVE_OK) {
        viv_fail(err, ENOTSUP, "%s: libarchive lacks built-in tar, gzip, xz or zstd support",
                 name);
        goto fail;
    }
    archive_read_set_read_callback(a, src_read_cb);
    archive_read_set_skip_callback(a, src_skip_cb);
    archive_read_set_callback_data(a, s);
    if (archive_read_open1(a) != ARCHIVE_OK) {
        viv_fail(err, 0, "%s: %s", name,
                 archive_error_string(a) ? archive_error_string(a) : "cannot open");
        goto fail;
    }
    *out = s;
    return a;
fail:
    archive_read_free(a);
    if (s->sha) {
        char hex[65];
        viv_sha256_final(s->sha, hex);
    }
    if (s->kind == SRC_FD)
        close(s->fd);
    free(s->buf);
    free(s);
    return NULL;
}

static struct ain_src *src_new(enum src_kind kind, bool hash)
{
    struct ain_src *s = viv_xcalloc(1, sizeof(*s));
    s->kind = kind;
    s->fd = -1;
    if (hash)
        s->sha = viv_sha256_new();
    return s;
}

struct archive *ain_open_file(const char *path, struct ain_progress *prog, bool hash,
                              struct ain_src **src, struct viv_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        viv_fail(err, errno, "open '%s'", path);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        viv_fail(err, EISDIR, "'%s'", path);
        return NULL;
    }
    struct ain_src *s = src_new(SRC_FD, hash);
    s->fd = fd;
    s->buf = viv_xmalloc(AIN_BLOCK);
    s->prog = prog;
    return open_src(s, path, src, err);
}

struct archive *ain_open_memory(const void *buf, size_t len, bool hash, struct ain_src **src,
                                struct viv_error *err)
{
    struct ain_src *s = src_new(SRC_MEM, hash);
    s->mem = buf;
    s->memlen = len;
    return open_src(s, "archive in memory", src, err);
}

struct archive *ain_open_member(struct archive *outer, bool hash, struct ain_src **src,
                                struct viv_error *err)
{
    struct ain_src *s = src_new(SRC_MEMBER, hash);
    s->outer = outer;
    return open_src(s, "member", src, err);
}

int ain_src_verify(struct ain_src *s, const char *digest, int64_t size_expect,
                   struct viv_error *err)
{
    const void *p;
    const char *why = NULL;
    ssize_t n;
    /* A decompressor or the tar reader may stop before the blob's last bytes (padding): the
     * digest covers the whole blob, so read what is left. */
    while ((n = src_next(s, &p, &why)) > 0)
        ;
    if (n < 0)
        return viv_fail(err, 0, "blob sha256:%s: read: %s", digest, why ? why : "error");
    char hex[65];
    viv_sha256_final(s->sha, hex);
    s->sha = NULL;
    if (strcmp(hex, digest) != 0)
        return viv_fail(err, 0, "blob sha256:%s digest mismatch (content hashes to %s)",
                        digest, hex);
    if (size_expect >= 0 && s->bytes != (uint64_t)size_expect)
        return viv_fail(err, 0, "blob sha256:%s size mismatch (%llu bytes, descriptor says "
                        "%lld)", digest, (unsigned long long)s->bytes, (long long)size_expect);
    return 0;
}

void ain_close(struct archive *a, struct ain_src *s)
{
    if (a)
        archive_read_free(a);
    if (!s)
        return;
    if (s->sha) {
        char hex[65];
        viv_sha256_final(s->sha, hex);
    }
    if (s->kind == SRC_FD && s->fd >= 0)
        close(s->fd);
    free(s->buf);
    free(s);
}

const char *ain_entry_name(const char *name)
{
    while (name[0] == '.' && name[1] == '/')
        name += 2;
    return name;
}

int ain_read_member(struct archive *a, const char *what, size_t max, char **data, size_t *len,
                    struct viv_error *err)
{
    size_t cap = 4096, n = 0;
    char *buf = viv_xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                free(buf);
                return viv_fail(err, 0, "%s: larger than %zu bytes", what, max);
            }
            cap *= 2;
            buf = viv_xrealloc(buf, cap + 1);
        }
        la_ssize_t r = archive_read_data(a, buf + n, cap - n);
        if (r < 0) {
            viv_fail(err, 0, "%s: %s", what, archive_error_string(a));
            free(buf);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        free(buf);
        return viv_fail(err, 0, "%s: larger than %zu bytes", what, max);
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return 0;
}

/* ---- streaming one entry's content to the sink ---- */

struct data_reader {
    struct archive *a;
    const char *blk;
    size_t left;
    int64_t pos;      /* offset of the next byte handed out */
    int64_t blk_off;  /* offset of blk[0] */
    int64_t size;
    bool eof;
};

static ssize_t data_read(void *ctx, void *buf, size_t len, struct viv_error *err)
{
    struct data_reader *d = ctx;
    while (!d->left && !d->eof) {
        const void *b;
        size_t sz;
        la_int64_t off;
        int r = archive_read_data_block(d->a, &b, &sz, &off);
        if (r == ARCHIVE_EOF) {
            d->eof = true;
            break;
        }
        if (r < ARCHIVE_WARN)
            return viv_fail(err, 0, "%s", archive_error_string(d->a));
        if (off < d->pos)
            return viv_fail(err, 0, "sparse map goes backwards");
        if (!sz)
            continue;
        d->blk = b;
        d->left = sz;
        d->blk_off = off;
    }
    /* Holes of a sparse file read as zeros, up to the next block or the declared size. */
    int64_t hole_end = d->left ? d->blk_off : d->size;
    if (d->pos < hole_end) {
        uint64_t z = (uint64_t)(hole_end - d->pos);
        size_t k = z < len ? (size_t)z : len;
        memset(buf, 0, k);
        d->pos += (int64_t)k;
        return (ssize_t)k;
    }
    if (!d->left)
        return 0;
    size_t k = d->left < len ? d->left : len;
    memcpy(buf, d->blk, k);
    d->blk += k;
    d->left -= k;
    d->pos += (int64_t)k;
    d->blk_off = d->pos;
    return (ssize_t)k;
}

/* ---- entry names and application ---- */

static int entry_fail(struct viv_error *err, int code, const struct ain_apply *how,
                      const char *name, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int entry_fail(struct viv_error *err, int code, const struct ain_apply *how,
                      const char *name, const char *fmt, ...)
{
    char rule[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rule, sizeof(rule), fmt, ap);
    va_end(ap);
    /* Errors are one line on a terminal: a hostile name's control bytes are shown as '?'. */
    char shown[512];
    size_t k = 0;
    for (; name[k] && k < sizeof(shown) - 4; k++)
        shown[k] = (unsigned char)name[k] < 0x20 || name[k] == 0x7f ? '?' : name[k];
    strcpy(shown + k, name[k] ? "..." : "");
    viv_fail(err, 0, "%s: entry '%s' %s", how->archive, shown, rule);
    err->code = code;
    return -1;
}

static bool has_dotdot(const char *p)
{
    for (;;) {
        size_t len = strcspn(p, "/");
        if (len == 2 && p[0] == '.' && p[1] == '.')
            return true;
        if (!p[len])
            return false;
        p += len + 1;
    }
}

/* Map an entry name to a tree path: NULL with *rule set when it is refused. The result points
 * into scratch or name. */
static const char *tree_path_of(const char *raw, bool is_dir, const struct ain_apply *how,
                                char **scratch, const char **rule)
{
    if (raw[0] == '/') {
        *rule = "is an absolute path";
        return NULL;
    }
    if (has_dotdot(raw)) {
        *rule = "escapes the root";
        return NULL;
    }
    const char *n = ain_entry_name(raw);
    size_t len = strlen(n);
    if (is_dir)
        while (len && n[len - 1] == '/')
            len--;
    if (!how->prefix && len == 1 && n[0] == '.')
        len = 0; /* "./" or "." is the layer's root */
    const char *rel = n;
    if (how->prefix) {
        size_t plen = strlen(how->prefix);
        if (len == plen && memcmp(n, how->prefix, plen) == 0) {
            rel = n + plen;
            len = 0;
        } else if (len > plen && memcmp(n, how->prefix, plen) == 0 && n[plen] == '/') {
            rel = n + plen + 1;
            len -= plen + 1;
        } else {
            *rule = "is outside rootfs/";
            return NULL;
        }
    }
    free(*scratch);
    *scratch = strndup(rel, len);
    if (!*scratch)
        abort();
    if (len && !tree_path_clean(*scratch)) {
        *rule = "is not a clean path";
        return NULL;
    }
    return *scratch;
}

static int refuse_put(struct viv_error *err, const struct ain_apply *how, const char *name,
                      const char *path, enum tree_refusal why, size_t at)
{
    const char *pre = how->prefix ? how->prefix : "";
    const char *sep = how->prefix ? "/" : "";
    switch (why) {
    case TREE_SYMLINK:
        return entry_fail(err, ELOOP, how, name, "passes through symlink '%s%s%.*s'", pre, sep,
                          (int)at, path);
    case TREE_NOT_DIR:
        return entry_fail(err, ENOTDIR, how, name, "is under '%s%s%.*s', which is not a directory",
                          pre, sep, (int)at, path);
    case TREE_NOT_UTF8:
        return entry_fail(err, EILSEQ, how, name, "is not valid UTF-8");
    case TREE_TOO_LONG:
        return entry_fail(err, ENAMETOOLONG, how, name, "is longer than %d bytes", TREE_PATH_MAX);
    case TREE_ROOT_TYPE:
        return entry_fail(err, EINVAL, how, name, "replaces the root directory with a "
                                                  "non-directory");
    case TREE_UNCLEAN:
    case TREE_OK:
    default:
        return entry_fail(err, EINVAL, how, name, "is not a clean path");
    }
}

/* OCI image spec, layer.md: ".wh.<name>" deletes <name> from lower layers; ".wh..wh..opq" hides
 * every lower-layer entry of its directory. */
static int whiteout(struct viv_tree *t, const char *name, const char *path, const char *base,
                    const struct ain_apply *how, struct viv_error *err)
{
    size_t dirlen = (size_t)(base - path);
    if (strcmp(base, ".wh..wh..opq") == 0) {
        char *dir = strndup(path, dirlen ? dirlen - 1 : 0);
        if (!dir)
            abort();
        tree_clear_dir_lower(t, dir);
        free(dir);
        return 0;
    }
    const char *victim = base + 4;
    if (strncmp(base, ".wh..wh.", 8) == 0 || !victim[0] || strcmp(victim, ".") == 0 ||
        strcmp(victim, "..") == 0)
        return entry_fail(err, EINVAL, how, name, "is an unknown whiteout");
    char *target = viv_xasprintf("%.*s%s", (int)dirlen, path, victim);
    tree_remove_lower(t, target);
    free(target);
    return 0;
}

static int apply_one(struct archive *a, struct archive_entry *e, struct viv_tree *t,
                     const struct ain_apply *how, char **scratch, struct viv_error *err)
{
    const char *name = archive_entry_pathname(e);
    if (!name)
        return entry_fail(err, EINVAL, how, "", "has no name");
    mode_t ft = archive_entry_filetype(e);
    const char *hl = archive_entry_hardlink(e);
    const char *rule = NULL;
    const char *path = tree_path_of(name, ft == AE_IFDIR && !hl, how, scratch, &rule);
    if (!path)
        return entry_fail(err, EINVAL, how, name, "%s", rule);

    if (how->layer && path[0]) {
        const char *slash = strrchr(path, '/');
        const char *base = slash ? slash + 1 : path;
        if (strncmp(base, ".wh.", 4) == 0)
            return whiteout(t, name, path, base, how, err);
    }
    if (!hl && (ft == AE_IFCHR || ft == AE_IFBLK || ft == AE_IFSOCK)) {
        if (how->sink && how->sink->warn) {
            char *msg = viv_xasprintf("%s: entry '%s': %s dropped", how->archive, name,
                                      ft == AE_IFSOCK ? "socket" : "device node");
            how->sink->warn(how->sink->ctx, msg);
            free(msg);
        }
        return 0;
    }

    struct viv_node n = {.path = (char *)path};
    la_int64_t uid = archive_entry_uid(e), gid = archive_entry_gid(e);
    if (uid < 0 || uid > UINT32_MAX || gid < 0 || gid > UINT32_MAX)
        return entry_fail(err, EINVAL, how, name, "has an owner out of range (%lld:%lld)",
                          (long long)uid, (long long)gid);
    n.uid = (uint32_t)uid;
    n.gid = (uint32_t)gid;
    n.mode = archive_entry_perm(e) & 07777;

    if (hl) {
        /* A hard link shares its target's inode: same content, mode and owner. */
        char *tscratch = NULL;
        const char *trule;
        const char *tpath = tree_path_of(hl, false, how, &tscratch, &trule);
        const struct viv_node *target = tpath && tpath[0] ? tree_lookup(t, tpath) : NULL;
        if (!target || target->type != VIV_NODE_REG) {
            free(tscratch);
            return entry_fail(err, EINVAL, how, name, "links to '%s' outside the tree", hl);
        }
        n = *target;
        n.path = (char *)path;
        free(tscratch);
        enum tree_refusal why;
        size_t at;
        if (!tree_put(t, &n, &why, &at))
            return refuse_put(err, how, name, path, why, at);
        return 0;
    }

    switch (ft) {
    case AE_IFDIR: n.type = VIV_NODE_DIR; break;
    case AE_IFREG: n.type = VIV_NODE_REG; break;
    case AE_IFIFO: n.type = VIV_NODE_FIFO; break;
    case AE_IFLNK:
        n.type = VIV_NODE_SYMLINK;
        n.target = (char *)archive_entry_symlink(e);
        if (!n.target || !n.target[0])
            return entry_fail(err, EINVAL, how, name, "is a symlink with an empty target");
        break;
    default:
        return entry_fail(err, EINVAL, how, name, "has an unsupported file type (0%o)",
                          (unsigned)ft);
    }
    if (n.type == VIV_NODE_REG) {
        la_int64_t size = archive_entry_size(e);
        if (size < 0)
            return entry_fail(err, EINVAL, how, name, "has a negative size");
        n.size = (uint64_t)size;
    }
    enum tree_refusal why;
    size_t at;
    struct viv_node *stored = tree_put(t, &n, &why, &at);
    if (!stored)
        return refuse_put(err, how, name, path, why, at);
    if (n.type != VIV_NODE_REG)
        return 0;
    struct viv_node local = *stored;
    struct data_reader d = {.a = a, .size = (int64_t)n.size};
    struct viv_content_reader in = {.ctx = &d, .read = data_read};
    if (how->sink->store(how->sink->ctx, &local, &in, err) < 0)
        return viv_wrap(err, "%s: entry '%s'", how->archive, name);
    memcpy(stored->digest, local.digest, sizeof(stored->digest));
    stored->digest[64] = '\0';
    return 0;
}

int ain_apply_entries(struct archive *a, struct viv_tree *t, const struct ain_apply *how,
                      struct viv_error *err)
{
    struct archive_entry *e;
    char *scratch = NULL, *last = NULL;
    int rc = 0;
    for (;;) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            if (last)
                viv_fail(err, 0, "%s: after entry '%s': %s", how->archive, last,
                         archive_error_string(a));
            else
                viv_fail(err, 0, "%s: %s", how->archive, archive_error_string(a));
            rc = -1;
            break;
        }
        if (apply_one(a, e, t, how, &scratch, err) < 0) {
            rc = -1;
            break;
        }
        const char *name = archive_entry_pathname(e);
        free(last);
        last = viv_xstrdup(name ? name : "");
    }
    free(scratch);
    free(last);
    return rc;
}

int image_apply_layer(struct archive *a, struct viv_tree *t, unsigned gen, const char *what,
                      const struct viv_content_sink *sink, struct viv_error *err)
{
    tree_set_generation(t, gen);
    struct ain_apply how = {.archive = what, .prefix = NULL, .layer = true, .sink = sink};
    return ain_apply_entries(a, t, &how, err);
}
