/* catalog/object.c: the content store — hashing incoming file content into deduplicated objects. */
#include "catalog/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* One read buffer per import. Content that fits is hashed before anything touches the disk, so a
 * file already in the store (a re-import, a layer shared with another image) is never written. */
#define STORE_BUF_SIZE (1u << 20)
#define WRITEBACK_CHUNK (8u << 20)

void catalog_object_relpath(const char digest[65], char out[68])
{
    out[0] = digest[0];
    out[1] = digest[1];
    out[2] = '/';
    memcpy(out + 3, digest, 65);
}

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    return -1;
}

int catalog_object_fan(const char *name)
{
    int hi = hex_value(name[0]), lo = hi < 0 ? -1 : hex_value(name[1]);
    return lo < 0 ? -1 : hi << 4 | lo;
}

/* Hardlinks share one inode, so its mode and owner belong to the content: they are hashed with
 * it, as OSTree does, and two files that differ only in mode are two objects. */
int catalog_object_header(uint32_t mode, uint32_t uid, uint32_t gid, char *buf, size_t len)
{
    return snprintf(buf, len, "%o %" PRIu32 " %" PRIu32 "\n", mode & 07777, uid, gid);
}

int catalog_object_hash_fd(int fd, uint32_t mode, uint32_t uid, uint32_t gid, char digest[65],
                           struct viv_error *err)
{
    char hdr[64];
    int hl = catalog_object_header(mode, uid, gid, hdr, sizeof(hdr));
    struct viv_sha256 *h = viv_sha256_new();
    viv_sha256_update(h, hdr, (size_t)hl);
    _cleanup_free_ unsigned char *buf = viv_xmalloc(STORE_BUF_SIZE);
    for (;;) {
        ssize_t r = read(fd, buf, STORE_BUF_SIZE);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            viv_sha256_final(h, digest);
            return viv_fail(err, e, "read");
        }
        if (r == 0)
            break;
        viv_sha256_update(h, buf, (size_t)r);
    }
    viv_sha256_final(h, digest);
    return 0;
}

void catalog_store_init(struct catalog_store *s, struct viv_catalog *c, struct catalog_staging *st)
{
    memset(s, 0, sizeof(*s));
    s->c = c;
    s->st = st;
    s->bufsz = STORE_BUF_SIZE;
    s->buf = viv_xmalloc(s->bufsz);
    s->umask = umask(0);
    umask(s->umask);
    s->euid = geteuid();
    s->egid = getegid();
    s->image_fd = s->rootfs_fd = -1;
}

void catalog_store_fini(struct catalog_store *s)
{
    catalog_writer_abandon(s);
    free(s->buf);
    free(s->buf2);
    for (size_t i = 0; i < s->capstaged; i++)
        free(s->staged[i].path);
    free(s->staged);
    if (s->rootfs_fd >= 0)
        close(s->rootfs_fd);
    if (s->image_fd >= 0)
        close(s->image_fd);
    s->rootfs_fd = s->image_fd = -1;
    s->buf = s->buf2 = NULL;
    s->staged = NULL;
}

static size_t staged_slot(const struct catalog_store *s, const char *digest)
{
    /* The digest is uniformly distributed: its first hex digits are hash enough. */
    size_t h = 0;
    for (int i = 0; i < 16; i++)
        h = h << 4 | (size_t)(hex_value(digest[i]) & 0xf);
    size_t mask = s->capstaged - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask)
        if (!s->staged[i].digest[0] || memcmp(s->staged[i].digest, digest, 64) == 0)
            return i;
}

const struct catalog_staged *catalog_store_staged(const struct catalog_store *s,
                                                  const char *digest)
{
    if (!s->capstaged)
        return NULL;
    const struct catalog_staged *e = &s->staged[staged_slot(s, digest)];
    return e->digest[0] ? e : NULL;
}

static void staged_add(struct catalog_store *s, const char *digest)
{
    if ((s->nstaged + 1) * 2 > s->capstaged) {
        struct catalog_staged *old = s->staged;
        size_t oldcap = s->capstaged;
        s->capstaged = oldcap ? oldcap * 2 : 1024;
        /* Zeroed by writing, not by calloc: fresh pages that are read first map the zero page,
         * and the first write to each then shoots down the TLB of the threads writing files on
         * the other CPU (an interrupt each, costly in a VM). */
        s->staged = viv_xmalloc(s->capstaged * sizeof(*s->staged));
        memset(s->staged, 0, s->capstaged * sizeof(*s->staged));
        for (size_t i = 0; i < oldcap; i++)
            if (old[i].digest[0])
                s->staged[staged_slot(s, old[i].digest)] = old[i];
        free(old);
    }
    size_t i = staged_slot(s, digest);
    if (!s->staged[i].digest[0]) {
        memcpy(s->staged[i].digest, digest, 65);
        s->nstaged++;
    }
}

void catalog_store_placed(struct catalog_store *s, const char *digest, char *path)
{
    struct catalog_staged *e = &s->staged[staged_slot(s, digest)];
    free(e->path);
    e->path = path;
}

void catalog_store_named(struct catalog_store *s, const char *digest)
{
    s->staged[staged_slot(s, digest)].named = true;
}

/* Read until the buffer is full or the content ends. */
static int fill(struct viv_content_reader *in, unsigned char *buf, size_t cap, size_t *got,
                bool *eof, struct viv_error *err)
{
    size_t n = 0;
    *eof = false;
    while (n < cap) {
        ssize_t r = in->read(in->ctx, buf + n, cap - n, err);
        if (r < 0)
            return -1;
        if (r == 0) {
            *eof = true;
            break;
        }
        n += (size_t)r;
    }
    *got = n;
    return 0;
}

/* One read of objects/ spares a failed lookup per new object while the store is young (into an
 * empty catalog, every lookup fails). Unreadable, it tells nothing: every lookup is made. */
static void read_fans_before(struct catalog_store *s)
{
    s->fans_before_read = true;
    DIR *d = viv_opendir_at(s->c->objects_fd, ".");
    if (!d) {
        memset(s->fans_before, 0xff, sizeof(s->fans_before));
        return;
    }
    for (struct dirent *e; (e = readdir(d));) {
        int fan = catalog_object_fan(e->d_name);
        if (fan >= 0 && !e->d_name[2])
            s->fans_before[fan / 8] |= (uint8_t)(1u << (fan % 8));
    }
    closedir(d);
}

static bool fan_existed(struct catalog_store *s, const char *digest)
{
    if (!s->fans_before_read)
        read_fans_before(s);
    int fan = catalog_object_fan(digest);
    return fan < 0 || (s->fans_before[fan / 8] & (1u << (fan % 8)));
}

static bool present(struct catalog_store *s, const char *digest)
{
    if (catalog_store_staged(s, digest))
        return true;
    if (!fan_existed(s, digest))
        return false;
    char rel[68];
    struct stat sb;
    catalog_object_relpath(digest, rel);
    return fstatat(s->c->objects_fd, rel, &sb, AT_SYMLINK_NOFOLLOW) == 0;
}

static int create_object_file(struct catalog_store *s, const char *name, const struct viv_node *node)
{
    return catalog_object_create(s, name, node->mode);
}

static int seal(struct catalog_store *s, int fd, const struct viv_node *node)
{
    return catalog_object_seal(s, fd, node->mode, node->uid, node->gid);
}

static int store_fail(struct viv_error *err, int e, const struct viv_node *node)
{
    viv_fail(err, e, "store '%s' in the catalog", node->path);
    catalog_advise(err);
    return -1;
}

static int store_small(struct catalog_store *s, struct viv_node *node, size_t n,
                       const char *digest, struct viv_error *err)
{
    if (present(s, digest))
        return 0;
    /* Small files are written by the writer thread while this one reads on. */
    if (catalog_writer_submit(s, node, digest, s->buf, n, err) < 0)
        return -1;
    staged_add(s, digest);
    return 0;
}

/* Content larger than the buffer: one pass that hashes each buffer and writes it, then names the
 * file by its digest. While the content equals a stored twin's (a re-import), nothing is written;
 * at the first difference the twin's matching prefix is copied and writing takes over. */
struct large_state {
    struct catalog_store *s;
    const struct viv_node *node;
    char tmp[32];
    int fd;   /* the staging file, once writing has begun */
    int twin; /* the stored twin while content still matches it */
    char twin_digest[65];
};

static int large_start_writing(struct large_state *ls, uint64_t copied)
{
    struct catalog_store *s = ls->s;
    snprintf(ls->tmp, sizeof(ls->tmp), "tmp-%" PRIu64, s->seq++);
    ls->fd = create_object_file(s, ls->tmp, ls->node);
    if (ls->fd < 0)
        return -1;
    if (ls->twin >= 0) {
        int rc = catalog_copy_prefix(ls->twin, ls->fd, copied);
        close(ls->twin);
        ls->twin = -1;
        if (rc < 0 || lseek(ls->fd, (off_t)copied, SEEK_SET) < 0)
            return -1;
    }
    return 0;
}

static void large_abort(struct large_state *ls)
{
    if (ls->twin >= 0)
        close(ls->twin);
    if (ls->fd >= 0) {
        close(ls->fd);
        unlinkat(ls->s->st->objects_fd, ls->tmp, 0);
    }
}

/* The twin's digest covers the same header as node's: its mode matched when it was chosen, and as
 * root an object's owner is the one its digest covers. Then content equal to the twin's needs no
 * hashing: the twin's name already is its digest (fsck checks that for every object). */
static bool twin_same_header(struct catalog_store *s, int twin, const struct viv_node *node)
{
    struct stat sb;
    return s->c->root && fstat(twin, &sb) == 0 && sb.st_uid == node->uid &&
           sb.st_gid == node->gid;
}

/* Hash the first len bytes of the twin: the part of the content that matched it unhashed. */
static int hash_twin_prefix(struct catalog_store *s, int twin, uint64_t len, struct viv_sha256 *h)
{
    for (uint64_t off = 0; off < len;) {
        size_t want = len - off < s->bufsz ? (size_t)(len - off) : s->bufsz;
        ssize_t r = pread(twin, s->cmpbuf, want, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        viv_sha256_update(h, s->cmpbuf, (size_t)r);
        off += (uint64_t)r;
    }
    return 0;
}

static void hash_buffer(void *h, const void *data, size_t len)
{
    viv_sha256_update(h, data, len);
}

/* The writer's side of a large object: where its buffers go, and the first error. */
struct large_write {
    int fd;
    uint64_t written;
    int error; /* read by the reader thread while the writer runs: atomically */
};

static void write_buffer(void *ctx, const void *data, size_t len)
{
    struct large_write *w = ctx;
    if (__atomic_load_n(&w->error, __ATOMIC_RELAXED))
        return;
    if (viv_write_all(w->fd, data, len) < 0) {
        __atomic_store_n(&w->error, errno ? errno : EIO, __ATOMIC_RELAXED);
        return;
    }
    w->written += len;
    /* The import syncs before it names anything: start writing back now, so that the disk
     * works while the archive is still being read and the final sync has little left. */
    if (w->written % WRITEBACK_CHUNK < len)
        sync_file_range(w->fd, (off_t)(w->written - w->written % WRITEBACK_CHUNK - WRITEBACK_CHUNK),
                        WRITEBACK_CHUNK, SYNC_FILE_RANGE_WRITE);
}

static int store_large(struct catalog_store *s, struct viv_node *node,
                       struct viv_content_reader *in, struct viv_sha256 *h, size_t n,
                       struct viv_error *err)
{
    struct large_state ls = {.s = s, .node = node, .fd = -1};
    char digest[65];
    ls.twin = catalog_match_open(s, node, ls.twin_digest);
    bool unhashed = ls.twin >= 0 && twin_same_header(s, ls.twin, node);
    uint64_t total = 0;
    bool eof = false;
    int failed = 0; /* errno of a failed read or write, -1 when the reader said why */
    /* Two buffers: the one just read is hashed and written on threads of their own while the
     * next is read into the other, which both have finished with by then. */
    if (!s->buf2)
        s->buf2 = viv_xmalloc(s->bufsz);
    unsigned char *bufs[2] = {s->buf, s->buf2};
    int cur = 0;
    struct large_write wr = {.fd = -1};
    struct catalog_worker *hasher = catalog_worker_start(hash_buffer, h);
    struct catalog_worker *writer = catalog_worker_start(write_buffer, &wr);
    if (ls.twin < 0 && large_start_writing(&ls, 0) < 0)
        failed = errno;
    wr.fd = ls.fd;
    while (!failed) {
        unsigned char *b = bufs[cur];
        if (ls.twin >= 0 && !catalog_match_chunk(s, ls.twin, total, b, n)) {
            /* Nothing was posted while the content matched: h and the file are ours. */
            if (unhashed && hash_twin_prefix(s, ls.twin, total, h) < 0) {
                failed = errno;
                break;
            }
            unhashed = false;
            if (large_start_writing(&ls, total) < 0) {
                failed = errno;
                break;
            }
            wr.fd = ls.fd;
            wr.written = total;
        }
        if (!unhashed)
            catalog_worker_post(hasher, b, n);
        if (ls.fd >= 0)
            catalog_worker_post(writer, b, n);
        total += n;
        if (eof)
            break;
        cur ^= 1;
        if (fill(in, bufs[cur], s->bufsz, &n, &eof, err) < 0)
            failed = -1;
        else if (__atomic_load_n(&wr.error, __ATOMIC_RELAXED))
            break;
    }
    catalog_worker_stop(hasher);
    catalog_worker_stop(writer);
    viv_sha256_final(h, digest);
    if (!failed)
        failed = wr.error;
    if (failed) {
        large_abort(&ls);
        return failed < 0 ? -1 : store_fail(err, failed, node);
    }
    if (unhashed)
        memcpy(digest, ls.twin_digest, 65);
    node->size = total;
    memcpy(node->digest, digest, 65);
    if (present(s, digest)) {
        large_abort(&ls);
        return 0;
    }
    /* Same bytes as the twin but another mode or owner: a new object, copied from the twin. */
    if ((ls.fd < 0 && large_start_writing(&ls, total) < 0) || seal(s, ls.fd, node) < 0 ||
        renameat(s->st->objects_fd, ls.tmp, s->st->objects_fd, digest) < 0) {
        int e = errno;
        large_abort(&ls);
        return store_fail(err, e, node);
    }
    close(ls.fd);
    staged_add(s, digest);
    return 0;
}

int catalog_store_content(void *ctx, struct viv_node *node, struct viv_content_reader *in,
                          struct viv_error *err)
{
    struct catalog_store *s = ctx;
    char hdr[64], digest[65];
    int hl = catalog_object_header(node->mode, node->uid, node->gid, hdr, sizeof(hdr));
    struct viv_sha256 *h = viv_sha256_new();
    viv_sha256_update(h, hdr, (size_t)hl);

    size_t n;
    bool eof;
    if (fill(in, s->buf, s->bufsz, &n, &eof, err) < 0) {
        viv_sha256_final(h, digest);
        return -1;
    }
    if (eof) {
        viv_sha256_update(h, s->buf, n);
        viv_sha256_final(h, digest);
        if (store_small(s, node, n, digest, err) < 0)
            return -1;
        node->size = n;
        memcpy(node->digest, digest, 65);
        return 0;
    }

    return store_large(s, node, in, h, n, err);
}
