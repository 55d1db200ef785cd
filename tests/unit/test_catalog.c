/* test_catalog.c: the local image store — objects, import, refs, fsck, prune, df, concurrency. */
#include "catalog/catalog.h"
#include "catalog/internal.h"

#include <check.h>

#include "unit.h"
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char tmpdir[256];

/* snprintf whose truncation fails the test instead of passing silently. */
static void pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void pathf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    ck_assert_int_lt(n, (int)len);
}
static char home[300];

static void setup(void)
{
    pathf(tmpdir, sizeof(tmpdir), "/tmp/viv-catalog-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    pathf(home, sizeof(home), "%s/home", tmpdir);
}

static void teardown(void)
{
    struct viv_error err;
    viv_rm_rf(tmpdir, &err);
}

static struct viv_catalog *open_catalog(void)
{
    struct viv_catalog *c;
    struct viv_error err = {0};
    ck_assert_msg(catalog_open(home, &c, &err) == 0, "%s", err.msg);
    return c;
}

static void put_file(const char *path, const char *content, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(viv_write_all(fd, content, strlen(content)), 0);
    ck_assert_int_eq(fchmod(fd, mode), 0);
    close(fd);
}

static void put_big(const char *path, size_t size, unsigned char seed)
{
    unsigned char *buf = viv_xmalloc(size);
    for (size_t i = 0; i < size; i++)
        buf[i] = (unsigned char)(seed + i * 7 + (i >> 12));
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(viv_write_all(fd, buf, size), 0);
    close(fd);
    free(buf);
}

/* A small rootfs: a program, a config file, a symlink, a fifo, a read-only dir, a hardlink, and
 * (with extra) a file larger than the store's in-memory buffer. */
static void make_rootfs(const char *dir, const char *flavour, bool big)
{
    char p[512], q[512];
    struct viv_error err;
    ck_assert_int_eq(viv_mkdir_p(dir, 0755, &err), 0);
    pathf(p, sizeof(p), "%s/bin", dir);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    pathf(p, sizeof(p), "%s/bin/hello", dir);
    put_file(p, "#!/bin/sh\necho hello\n", 0755);
    pathf(q, sizeof(q), "%s/bin/hello-again", dir);
    ck_assert_int_eq(link(p, q), 0);
    pathf(p, sizeof(p), "%s/bin/hi", dir);
    ck_assert_int_eq(symlink("hello", p), 0);
    pathf(p, sizeof(p), "%s/etc", dir);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    pathf(p, sizeof(p), "%s/etc/motd", dir);
    put_file(p, flavour, 0644);
    pathf(p, sizeof(p), "%s/etc/fifo", dir);
    ck_assert_int_eq(mkfifo(p, 0620), 0);
    ck_assert_int_eq(chmod(p, 0620), 0);
    pathf(p, sizeof(p), "%s/ro", dir);
    ck_assert_int_eq(mkdir(p, 0755), 0);
    pathf(q, sizeof(q), "%s/ro/file", dir);
    put_file(q, "read only\n", 0444);
    ck_assert_int_eq(chmod(p, 0555), 0);
    if (big) {
        pathf(p, sizeof(p), "%s/big", dir);
        put_big(p, 3u << 20, 1);
    }
}

static void make_manifest(struct viv_manifest *m, const char *name)
{
    char *text = viv_xasprintf("{\"vivarium\": 1, \"name\": \"%s\", \"arch\": \"x86_64\", "
                               "\"entrypoint\": [\"/bin/hello\"]}",
                               name);
    struct viv_error err = {0};
    ck_assert_msg(manifest_parse(text, strlen(text), m, &err) == 0, "%s", err.msg);
    free(text);
}

/* rootfs dir -> .viv archive at out. */
static void make_archive(const char *rootfs, const char *out, const char *name)
{
    struct viv_tree *t;
    struct viv_error err = {0};
    ck_assert_msg(tree_from_dir(rootfs, &t, &err) == 0, "%s", err.msg);
    struct viv_manifest m;
    make_manifest(&m, name);
    int fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_msg(viv_archive_write(out, &m, t, fd, VIV_COMPRESS_ZSTD, 0, &err) == 0, "%s",
                  err.msg);
    close(fd);
    manifest_free(&m);
    tree_free(t);
}

/* Build and archive a rootfs called tag under tmpdir; returns the archive path (static). */
static const char *fixture(const char *tag, const char *name, bool big)
{
    static char out[512];
    char dir[512];
    pathf(dir, sizeof(dir), "%s/src-%s", tmpdir, tag);
    struct stat sb;
    if (stat(dir, &sb) < 0)
        make_rootfs(dir, tag, big);
    pathf(out, sizeof(out), "%s/%s-%s.viv", tmpdir, tag, name);
    make_archive(dir, out, name);
    return out;
}

static void import_ok(struct viv_catalog *c, const char *path, const char *ref, char id[65])
{
    struct catalog_import_opts o = {.ref = ref};
    struct viv_error err = {0};
    ck_assert_msg(catalog_import(c, path, &o, id, &err) == 0, "%s", err.msg);
    ck_assert(viv_digest_valid(id));
}

struct reports {
    char lines[64][512];
    size_t n;
};

static void collect(void *ctx, const char *line)
{
    struct reports *r = ctx;
    if (r->n < 64)
        snprintf(r->lines[r->n++], 512, "%.500s", line);
}

static size_t fsck_run(struct viv_catalog *c, struct reports *r)
{
    memset(r, 0, sizeof(*r));
    size_t damaged = 0;
    struct viv_error err = {0};
    ck_assert_msg(catalog_fsck(c, collect, r, &damaged, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(damaged, r->n);
    return damaged;
}

static bool reported(const struct reports *r, const char *needle)
{
    for (size_t i = 0; i < r->n; i++)
        if (strstr(r->lines[i], needle))
            return true;
    return false;
}

static size_t count_entries(const char *path)
{
    DIR *d = opendir(path);
    ck_assert_ptr_nonnull(d);
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

/* ---- the content store ---- */

struct mem_reader {
    const unsigned char *p;
    size_t len, pos, chunk;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len, struct viv_error *err)
{
    (void)err;
    struct mem_reader *m = ctx;
    size_t n = m->len - m->pos;
    if (n > len)
        n = len;
    if (n > m->chunk)
        n = m->chunk;
    memcpy(buf, m->p + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

static void store(struct catalog_store *s, struct viv_node *n, const void *data, size_t len)
{
    struct mem_reader m = {.p = data, .len = len, .chunk = 100000};
    struct viv_content_reader in = {.ctx = &m, .read = mem_read};
    struct viv_error err = {0};
    ck_assert_msg(catalog_store_content(s, n, &in, &err) == 0, "%s", err.msg);
    ck_assert(viv_digest_valid(n->digest));
    ck_assert_uint_eq(n->size, len);
}

/* A large file already stored is compared, not written again; content that turns out to differ
 * from that twin part-way, or that matches it under another mode, still gets its own digest. */
static void expect_object(struct viv_catalog *c, const struct viv_node *n, const void *data,
                          size_t len)
{
    char hdr[64], want[65];
    int hl = catalog_object_header(n->mode, n->uid, n->gid, hdr, sizeof(hdr));
    struct viv_sha256 *h = viv_sha256_new();
    viv_sha256_update(h, hdr, (size_t)hl);
    viv_sha256_update(h, data, len);
    viv_sha256_final(h, want);
    ck_assert_str_eq(n->digest, want);
    char rel[68];
    catalog_object_relpath(n->digest, rel);
    int fd = openat(c->objects_fd, rel, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    unsigned char *got = viv_xmalloc(len + 1);
    ck_assert_int_eq(pread(fd, got, len + 1, 0), (ssize_t)len);
    ck_assert(memcmp(got, data, len) == 0);
    free(got);
    close(fd);
}

static void store_published(struct viv_catalog *c, struct viv_node *n, const void *data,
                            size_t len)
{
    struct catalog_staging st;
    struct viv_error err = {0};
    ck_assert_msg(catalog_staging_new(c, &st, &err) == 0, "%s", err.msg);
    struct catalog_store s;
    catalog_store_init(&s, c, &st);
    n->size = len; /* as the importers set it from the archive header */
    store(&s, n, data, len);
    ck_assert_int_eq(catalog_writer_finish(&s, &err), 0);
    size_t published;
    ck_assert_msg(catalog_objects_publish(&s, &published, &err) == 0, "%s", err.msg);
    catalog_store_fini(&s);
    catalog_staging_discard(c, &st);
}

START_TEST(test_store_large_twin)
{
    struct viv_catalog *c = open_catalog();
    size_t len = (6u << 20) + 77;
    unsigned char *a = viv_xmalloc(len), *b = viv_xmalloc(len);
    for (size_t i = 0; i < len; i++)
        a[i] = (unsigned char)(i * 31 + (i >> 12));
    memcpy(b, a, len);
    b[(3u << 20) + 5] ^= 0x40; /* differs from a half-way through */

    struct viv_node na = {.path = "a", .type = VIV_NODE_REG, .mode = 0644};
    struct viv_node nb = na, nc = na, nd = na;
    nc.mode = 0600;
    store_published(c, &na, a, len);
    expect_object(c, &na, a, len);
    store_published(c, &nd, a, len); /* the same again: the twin, nothing written */
    ck_assert_str_eq(nd.digest, na.digest);
    store_published(c, &nb, b, len);
    ck_assert_str_ne(nb.digest, na.digest);
    expect_object(c, &nb, b, len);
    store_published(c, &nc, a, len); /* same bytes as the twin, another mode */
    ck_assert_str_ne(nc.digest, na.digest);
    expect_object(c, &nc, a, len);
    expect_object(c, &na, a, len); /* the twin itself untouched */
    free(a);
    free(b);
    catalog_close(c);
}
END_TEST

/* A large object whose write fails part-way (the file size limit here, as a full disk would)
 * fails the store with the file's name and the cause, and leaves nothing in staging. */
START_TEST(test_store_large_write_fails)
{
    struct viv_catalog *c = open_catalog();
    size_t len = (6u << 20) + 5;
    unsigned char *a = viv_xmalloc(len);
    for (size_t i = 0; i < len; i++)
        a[i] = (unsigned char)(i * 7 + (i >> 10));
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit fsize = {.rlim_cur = 3u << 20, .rlim_max = RLIM_INFINITY};
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &fsize), 0);
    struct catalog_staging st;
    struct viv_error err = {0};
    ck_assert_msg(catalog_staging_new(c, &st, &err) == 0, "%s", err.msg);
    struct catalog_store s;
    catalog_store_init(&s, c, &st);
    struct viv_node n = {.path = "big", .type = VIV_NODE_REG, .mode = 0644, .size = len};
    struct mem_reader m = {.p = a, .len = len, .chunk = 100000};
    struct viv_content_reader in = {.ctx = &m, .read = mem_read};
    ck_assert_int_eq(catalog_store_content(&s, &n, &in, &err), -1);
    ck_assert_msg(strstr(err.msg, "'big'") && strstr(err.msg, strerror(EFBIG)), "%s", err.msg);
    char objects[512];
    pathf(objects, sizeof(objects), "%s/staging/%s/objects", home, st.name);
    ck_assert_uint_eq(count_entries(objects), 0);
    catalog_store_fini(&s);
    catalog_staging_discard(c, &st);
    free(a);
    catalog_close(c);
}
END_TEST

START_TEST(test_store_dedup)
{
    struct viv_catalog *c = open_catalog();
    struct catalog_staging st;
    struct viv_error err = {0};
    ck_assert_msg(catalog_staging_new(c, &st, &err) == 0, "%s", err.msg);
    struct catalog_store s;
    catalog_store_init(&s, c, &st);

    struct viv_node a = {.path = "a", .type = VIV_NODE_REG, .mode = 0644};
    struct viv_node b = a, x = a;
    b.path = "b";
    x.path = "x";
    x.mode = 0755;
    store(&s, &a, "same", 4);
    store(&s, &b, "same", 4);
    store(&s, &x, "same", 4);
    ck_assert_str_eq(a.digest, b.digest);
    ck_assert_str_ne(a.digest, x.digest);

    /* The digest is the documented one: header, then content. */
    char want[65];
    viv_sha256_hex("644 0 0\nsame", 12, want);
    ck_assert_str_eq(a.digest, want);

    /* Large content takes the streaming path and dedups the same way. */
    size_t big = (5u << 20) + 3;
    unsigned char *data = viv_xmalloc(big);
    for (size_t i = 0; i < big; i++)
        data[i] = (unsigned char)(i * 13);
    struct viv_node l1 = {.path = "l1", .type = VIV_NODE_REG, .mode = 0600};
    struct viv_node l2 = l1;
    store(&s, &l1, data, big);
    store(&s, &l2, data, big);
    ck_assert_str_eq(l1.digest, l2.digest);
    free(data);

    ck_assert_int_eq(catalog_writer_finish(&s, &err), 0);
    char path[512];
    pathf(path, sizeof(path), "%s/staging/%s/objects", home, st.name);
    ck_assert_uint_eq(count_entries(path), 3); /* "same" 0644, "same" 0755, the large one */
    pathf(path, sizeof(path), "%s/staging/%s/objects/%s", home, st.name, x.digest);
    struct stat sb;
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 07777, 0755);

    /* Published objects are found by later stores without writing anything. */
    size_t published;
    ck_assert_int_eq(catalog_objects_publish(&s, &published, &err), 0);
    ck_assert_uint_eq(published, 3);
    catalog_store_fini(&s);
    catalog_staging_discard(c, &st);
    pathf(path, sizeof(path), "%s/staging", home);
    ck_assert_uint_eq(count_entries(path), 0);
    ck_assert_int_eq(catalog_staging_new(c, &st, &err), 0);
    catalog_store_init(&s, c, &st);
    struct viv_node again = {.path = "again", .type = VIV_NODE_REG, .mode = 0644};
    store(&s, &again, "same", 4);
    ck_assert_str_eq(again.digest, a.digest);
    ck_assert_int_eq(catalog_writer_finish(&s, &err), 0);
    pathf(path, sizeof(path), "%s/staging/%s/objects", home, st.name);
    ck_assert_uint_eq(count_entries(path), 0);
    catalog_store_fini(&s);
    catalog_staging_discard(c, &st);
    catalog_close(c);
}
END_TEST

/* Small objects are written at their place in the checkout; a place taken twice sends the
 * second file to staging/objects, and a checkout whose placed files the final tree no longer has
 * at those paths is started over with every object moved aside. */
static void open_rootfs(struct catalog_store *s, struct catalog_staging *st)
{
    ck_assert_int_eq(mkdirat(st->fd, "image", 0755), 0);
    s->image_fd = openat(st->fd, "image", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(s->image_fd, 0);
    ck_assert_int_eq(mkdirat(s->image_fd, "rootfs", 0700), 0);
    s->rootfs_fd = openat(s->image_fd, "rootfs", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ck_assert_int_ge(s->rootfs_fd, 0);
}

static struct viv_tree *tree_of(struct viv_node *nodes, size_t n)
{
    struct viv_tree *t = tree_new();
    struct viv_error err = {0};
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(tree_add(t, &nodes[i], &err) == 0, "%s", err.msg);
    return t;
}

START_TEST(test_store_in_place)
{
    struct viv_catalog *c = open_catalog();
    struct catalog_staging st;
    struct viv_error err = {0};
    ck_assert_msg(catalog_staging_new(c, &st, &err) == 0, "%s", err.msg);
    struct catalog_store s;
    catalog_store_init(&s, c, &st);
    open_rootfs(&s, &st);

    struct viv_node a = {.path = "d/e/a", .type = VIV_NODE_REG, .mode = 0644};
    struct viv_node b = a;
    b.path = "d/b";
    store(&s, &a, "one", 3);
    store(&s, &b, "one", 3); /* the same object: not written again */
    ck_assert_int_eq(catalog_writer_finish(&s, &err), 0);
    ck_assert(!s.misplaced);
    const struct catalog_staged *e = catalog_store_staged(&s, a.digest);
    ck_assert_ptr_nonnull(e);
    ck_assert_str_eq(e->path, "d/e/a");
    char path[512];
    pathf(path, sizeof(path), "%s/staging/%s/image/rootfs/d/e", home, st.name);
    ck_assert_uint_eq(count_entries(path), 1);
    pathf(path, sizeof(path), "%s/staging/%s/objects", home, st.name);
    ck_assert_uint_eq(count_entries(path), 0);
    /* Synced and named by the writer's namer: objects/ holds the checkout's file itself. */
    ck_assert(e->named);
    struct stat placed, named;
    pathf(path, sizeof(path), "%s/staging/%s/image/rootfs/d/e/a", home, st.name);
    ck_assert_int_eq(stat(path, &placed), 0);
    pathf(path, sizeof(path), "%s/objects/%.2s/%s", home, a.digest, a.digest);
    ck_assert_int_eq(stat(path, &named), 0);
    ck_assert_uint_eq(placed.st_ino, named.st_ino);

    /* The final tree has d/e/a as written: kept; the checkout links d/b to it. */
    struct viv_node nodes[] = {a, b};
    struct viv_tree *t = tree_of(nodes, 2);
    ck_assert_int_eq(catalog_objects_settle(&s, t, &err), 0);
    ck_assert_str_eq(catalog_store_staged(&s, a.digest)->path, "d/e/a");

    /* The archive names d/e/a again with other content: that one waits in staging/objects. */
    struct viv_node a2 = a;
    store(&s, &a2, "two", 3);
    ck_assert_int_eq(catalog_writer_finish(&s, &err), 0);
    ck_assert(s.misplaced);
    ck_assert_ptr_null(catalog_store_staged(&s, a2.digest)->path);
    pathf(path, sizeof(path), "%s/staging/%s/objects", home, st.name);
    ck_assert_uint_eq(count_entries(path), 1);

    /* Then the placed file is not the tree's: everything moves aside, the rootfs starts over. */
    struct viv_node last[] = {a2, b};
    tree_free(t);
    t = tree_of(last, 2);
    ck_assert_int_eq(catalog_objects_settle(&s, t, &err), 0);
    ck_assert_ptr_null(catalog_store_staged(&s, a.digest)->path);
    ck_assert_uint_eq(count_entries(path), 2);
    pathf(path, sizeof(path), "%s/staging/%s/image/rootfs", home, st.name);
    ck_assert_uint_eq(count_entries(path), 0);
    ck_assert_int_eq(catalog_checkout(c, t, s.rootfs_fd, &s, &err), 0);
    pathf(path, sizeof(path), "%s/staging/%s/image/rootfs/d/e/a", home, st.name);
    char buf[8] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(read(fd, buf, sizeof(buf)), 3);
    close(fd);
    ck_assert_str_eq(buf, "two");
    tree_free(t);
    catalog_store_fini(&s);
    catalog_staging_discard(c, &st);
    catalog_close(c);
}
END_TEST

/* A failed import stops the namers: what they had not named yet stays unnamed. */
START_TEST(test_store_abandon)
{
    struct viv_catalog *c = open_catalog();
    struct catalog_staging st;
    struct viv_error err = {0};
    ck_assert_msg(catalog_staging_new(c, &st, &err) == 0, "%s", err.msg);
    struct catalog_store s;
    catalog_store_init(&s, c, &st);
    open_rootfs(&s, &st);
    struct viv_node a = {.path = "a", .type = VIV_NODE_REG, .mode = 0644};
    struct viv_node b = a;
    b.path = "b";
    store(&s, &a, "one", 3);
    store(&s, &b, "two", 3);
    catalog_writer_abandon(&s);
    ck_assert_ptr_null(s.writer);
    char path[512];
    pathf(path, sizeof(path), "%s/objects", home);
    ck_assert_uint_eq(count_entries(path), 0);
    catalog_store_fini(&s);
    catalog_staging_discard(c, &st);
    catalog_close(c);
}
END_TEST

/* ---- ids, import, resolve, list, tag, rm, export ---- */

START_TEST(test_id_stable)
{
    struct viv_catalog *c = open_catalog();
    char id1[65], id2[65], id3[65];
    import_ok(c, fixture("one", "hello", false), NULL, id1);
    import_ok(c, fixture("one", "other", false), NULL, id2);
    ck_assert_str_eq(id1, id2); /* the name is not part of the id */
    import_ok(c, fixture("one", "hello", false), "third:v1", id3);
    ck_assert_str_eq(id1, id3);
    char r[65];
    struct viv_error err = {0};
    ck_assert_int_eq(catalog_resolve(c, "third:v1", r, &err), 0);
    ck_assert_str_eq(r, id1);
    ck_assert_int_eq(catalog_resolve(c, "other", r, &err), 0);
    ck_assert_str_eq(r, id1);
    /* Different content, different id. */
    import_ok(c, fixture("two", "hello", false), NULL, id2);
    ck_assert_str_ne(id1, id2);
    char path[512];
    pathf(path, sizeof(path), "%s/images", home);
    ck_assert_uint_eq(count_entries(path), 2);
    catalog_close(c);
}
END_TEST

START_TEST(test_roundtrip)
{
    struct viv_catalog *c = open_catalog();
    struct viv_error err = {0};
    char id[65], r[65];
    import_ok(c, fixture("one", "hello", true), NULL, id);

    /* The checkout: hardlinks to objects, modes and types of the tree. */
    struct viv_image img;
    ck_assert_msg(catalog_image_load(c, id, &img, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(img.manifest.name, "hello");
    ck_assert_uint_eq(img.refs.n, 1);
    ck_assert_str_eq(img.refs.v[0], "hello:latest");
    ck_assert_uint_ge(img.size, 3u << 20);
    ck_assert_uint_ge(img.files, 10);
    ck_assert_int_gt(img.created, 0);
    char p[600];
    struct stat sb, ob;
    pathf(p, sizeof(p), "%s/bin/hello", img.rootfs);
    ck_assert_int_eq(stat(p, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 07777, 0755);
    ck_assert_uint_ge(sb.st_nlink, 2);
    pathf(p, sizeof(p), "%s/ro", img.rootfs);
    ck_assert_int_eq(lstat(p, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 07777, 0555);
    pathf(p, sizeof(p), "%s/etc/fifo", img.rootfs);
    ck_assert_int_eq(lstat(p, &sb), 0);
    ck_assert(S_ISFIFO(sb.st_mode));
    ck_assert_uint_eq(sb.st_mode & 07777, 0620);
    pathf(p, sizeof(p), "%s/big", img.rootfs);
    ck_assert_int_eq(stat(p, &sb), 0);
    struct viv_tree *t;
    ck_assert_int_eq(catalog_image_tree(c, id, &t, &err), 0);
    const struct viv_node *big = tree_lookup(t, "big");
    ck_assert_ptr_nonnull(big);
    pathf(p, sizeof(p), "%s/objects/%.2s/%s", home, big->digest, big->digest);
    ck_assert_int_eq(stat(p, &ob), 0);
    ck_assert_uint_eq(ob.st_ino, sb.st_ino);
    tree_free(t);
    catalog_image_free(&img);

    /* Resolving. */
    ck_assert_int_eq(catalog_resolve(c, "hello", r, &err), 0);
    ck_assert_str_eq(r, id);
    char prefix[8];
    pathf(prefix, sizeof(prefix), "%.6s", id);
    ck_assert_int_eq(catalog_resolve(c, prefix, r, &err), 0);
    ck_assert_str_eq(r, id);
    ck_assert_int_eq(catalog_resolve(c, "nothere", r, &err), -1);
    ck_assert_str_eq(err.msg, "no image 'nothere:latest'");
    ck_assert_int_eq(catalog_resolve(c, "hello:9", r, &err), -1);
    ck_assert_str_eq(err.msg, "no image 'hello:9'");

    /* Tags, nested names, list. */
    ck_assert_msg(catalog_tag(c, "hello", "hello:1.0", &err) == 0, "%s", err.msg);
    ck_assert_msg(catalog_tag(c, prefix, "library/hello:x", &err) == 0, "%s", err.msg);
    ck_assert_int_eq(catalog_tag(c, "missing", "a:b", &err), -1);
    struct viv_image *imgs;
    size_t n;
    ck_assert_int_eq(catalog_list(c, &imgs, &n, &err), 0);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(imgs[0].refs.n, 3);
    ck_assert_str_eq(imgs[0].refs.v[0], "hello:1.0");
    ck_assert_str_eq(imgs[0].refs.v[2], "library/hello:x");
    catalog_list_free(imgs, n);

    /* Export by a ref, import again: same id, named by that ref. */
    char out[512];
    pathf(out, sizeof(out), "%s/exported.viv", tmpdir);
    ck_assert_msg(catalog_export(c, "hello:1.0", out, &err) == 0, "%s", err.msg);
    ck_assert_msg(catalog_rm(c, "hello:1.0", r, &err) == 0, "%s", err.msg);
    ck_assert_str_eq(r, ""); /* other refs remain */
    char id2[65];
    import_ok(c, out, NULL, id2);
    ck_assert_str_eq(id2, id);
    ck_assert_int_eq(catalog_resolve(c, "hello:1.0", r, &err), 0);

    /* rm by ref keeps the image while other refs name it; the last one takes it. */
    ck_assert_int_eq(catalog_rm(c, "hello", r, &err), 0);
    ck_assert_str_eq(r, "");
    ck_assert_int_eq(catalog_rm(c, "library/hello:x", r, &err), 0);
    ck_assert_str_eq(r, "");
    pathf(p, sizeof(p), "%s/refs/library", home);
    ck_assert_int_eq(access(p, F_OK), -1); /* empty ref folders go */
    ck_assert_int_eq(catalog_rm(c, "hello:1.0", r, &err), 0);
    ck_assert_str_eq(r, id);
    ck_assert_int_eq(catalog_resolve(c, prefix, r, &err), -1);
    pathf(p, sizeof(p), "%s/images", home);
    ck_assert_uint_eq(count_entries(p), 0);

    /* rm by id prefix takes every ref. */
    import_ok(c, out, "a:1", id2);
    ck_assert_int_eq(catalog_tag(c, "a:1", "b:2", &err), 0);
    ck_assert_int_eq(catalog_rm(c, prefix, r, &err), 0);
    ck_assert_str_eq(r, id);
    pathf(p, sizeof(p), "%s/refs", home);
    ck_assert_uint_eq(count_entries(p), 0);
    struct reports rep;
    ck_assert_uint_eq(fsck_run(c, &rep), 0);
    catalog_close(c);
}
END_TEST

START_TEST(test_ambiguous_prefix)
{
    struct viv_catalog *c = open_catalog();
    struct viv_error err = {0};
    char p[512];
    pathf(p, sizeof(p), "%s/images/abcd1111%056d", home, 0);
    ck_assert_int_eq(viv_mkdir_p(p, 0755, &err), 0);
    pathf(p, sizeof(p), "%s/images/abcd2222%056d", home, 0);
    ck_assert_int_eq(viv_mkdir_p(p, 0755, &err), 0);
    char r[65];
    ck_assert_int_eq(catalog_resolve(c, "abcd", r, &err), -1);
    ck_assert_str_eq(err.msg, "ambiguous image id prefix 'abcd' (2 images)");
    ck_assert_int_eq(catalog_resolve(c, "abcd2", r, &err), 0);
    ck_assert(strncmp(r, "abcd2222", 8) == 0);
    catalog_close(c);
}
END_TEST

/* A snapshot of every path under home, to compare before and after. */
static void snapshot(const char *dir, const char *rel, char *buf, size_t len)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char sub[1024], srel[1024];
        pathf(sub, sizeof(sub), "%s/%s", dir, de->d_name);
        pathf(srel, sizeof(srel), "%s/%s", rel, de->d_name);
        size_t l = strlen(buf);
        pathf(buf + l, len - l, "%s\n", srel);
        if (de->d_type == DT_DIR)
            snapshot(sub, srel, buf, len);
    }
    closedir(d);
}

START_TEST(test_failed_import)
{
    struct viv_catalog *c = open_catalog();
    struct viv_error err = {0};
    char id[65];
    import_ok(c, fixture("one", "hello", false), NULL, id);
    const char *good = fixture("two", "second", true);
    struct stat sb;
    ck_assert_int_eq(stat(good, &sb), 0);
    ck_assert_int_eq(truncate(good, sb.st_size / 2), 0);
    static char before[1 << 16], after[1 << 16];
    before[0] = after[0] = '\0';
    snapshot(home, "", before, sizeof(before));
    char id2[65];
    ck_assert_int_eq(catalog_import(c, good, NULL, id2, &err), -1);
    ck_assert(strstr(err.msg, good) != NULL); /* the importer's message names the archive */
    snapshot(home, "", after, sizeof(after));
    ck_assert_str_eq(before, after);
    /* Not an archive at all. */
    char junk[512];
    pathf(junk, sizeof(junk), "%s/junk", tmpdir);
    put_file(junk, "not an archive", 0644);
    ck_assert_int_eq(catalog_import(c, junk, NULL, id2, &err), -1);
    after[0] = '\0';
    snapshot(home, "", after, sizeof(after));
    ck_assert_str_eq(before, after);
    catalog_close(c);
}
END_TEST

START_TEST(test_stale_staging)
{
    struct viv_catalog *c = open_catalog();
    char p[512];
    /* Abandoned: a lock file nobody holds. */
    pathf(p, sizeof(p), "%s/staging/dead/objects", home);
    struct viv_error err;
    ck_assert_int_eq(viv_mkdir_p(p, 0700, &err), 0);
    pathf(p, sizeof(p), "%s/staging/dead/lock", home);
    put_file(p, "", 0600);
    pathf(p, sizeof(p), "%s/staging/dead/objects/x", home);
    put_file(p, "half written", 0444);
    /* Live: someone holds its lock. */
    pathf(p, sizeof(p), "%s/staging/live", home);
    ck_assert_int_eq(mkdir(p, 0700), 0);
    pathf(p, sizeof(p), "%s/staging/live/lock", home);
    put_file(p, "", 0600);
    int fd = open(p, O_RDWR | O_CLOEXEC);
    ck_assert_int_eq(flock(fd, LOCK_EX), 0);
    /* Young and without a lock yet: being created. */
    pathf(p, sizeof(p), "%s/staging/young", home);
    ck_assert_int_eq(mkdir(p, 0700), 0);
    catalog_close(c);

    /* Opening the catalog leaves staging alone (a run only reads); the next staging folder made
     * (an import's) sweeps the abandoned one first. */
    c = open_catalog();
    pathf(p, sizeof(p), "%s/staging/dead", home);
    ck_assert_int_eq(access(p, F_OK), 0);
    struct catalog_staging st;
    ck_assert_msg(catalog_staging_new(c, &st, &err) == 0, "%s", err.msg);
    catalog_staging_discard(c, &st);
    ck_assert_int_eq(access(p, F_OK), -1);
    pathf(p, sizeof(p), "%s/staging/live", home);
    ck_assert_int_eq(access(p, F_OK), 0);
    pathf(p, sizeof(p), "%s/staging/young", home);
    ck_assert_int_eq(access(p, F_OK), 0);
    close(fd);
    struct catalog_prune_result res;
    ck_assert_int_eq(catalog_prune(c, &res, &err), 0);
    ck_assert_uint_eq(res.staging, 1);
    pathf(p, sizeof(p), "%s/staging/live", home);
    ck_assert_int_eq(access(p, F_OK), -1);
    catalog_close(c);
}
END_TEST

/* ---- fsck ---- */

static void object_of(struct viv_catalog *c, const char *id, const char *path, char *out,
                      size_t len)
{
    struct viv_tree *t;
    struct viv_error err;
    ck_assert_int_eq(catalog_image_tree(c, id, &t, &err), 0);
    const struct viv_node *n = tree_lookup(t, path);
    ck_assert_ptr_nonnull(n);
    pathf(out, len, "%s/objects/%.2s/%s", home, n->digest, n->digest);
    tree_free(t);
}

START_TEST(test_fsck)
{
    struct viv_catalog *c = open_catalog();
    struct reports r;
    char id[65], p[600], sid[13];
    import_ok(c, fixture("one", "hello", false), NULL, id);
    pathf(sid, sizeof(sid), "%.12s", id);
    ck_assert_uint_eq(fsck_run(c, &r), 0);

    /* A modified object. */
    object_of(c, id, "etc/motd", p, sizeof(p));
    int fd = open(p, O_WRONLY | O_APPEND | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "x", 1), 1);
    close(fd);
    ck_assert_uint_ge(fsck_run(c, &r), 1);
    ck_assert_msg(reported(&r, "content does not match its digest"), "%s", r.lines[0]);

    /* A removed checkout file. */
    pathf(p, sizeof(p), "%s/images/%s/rootfs/bin/hello-again", home, id);
    ck_assert_int_eq(unlink(p), 0);
    fsck_run(c, &r);
    char want[128];
    pathf(want, sizeof(want), "image %s: rootfs/bin/hello-again: missing", sid);
    ck_assert_msg(reported(&r, want), "%s", r.lines[0]);

    /* An extra file in the checkout. */
    pathf(p, sizeof(p), "%s/images/%s/rootfs/etc/extra", home, id);
    put_file(p, "x", 0644);
    fsck_run(c, &r);
    pathf(want, sizeof(want), "image %s: rootfs/etc/extra: not in the tree", sid);
    ck_assert(reported(&r, want));

    /* A ref to a missing image. */
    pathf(p, sizeof(p), "%s/refs/ghost", home);
    ck_assert_int_eq(mkdir(p, 0700), 0);
    pathf(p, sizeof(p), "%s/refs/ghost/1.0", home);
    char line[80];
    pathf(line, sizeof(line), "%064d\n", 7);
    put_file(p, line, 0600);
    fsck_run(c, &r);
    ck_assert(reported(&r, "ref ghost:1.0: image 000000000000 does not exist"));

    /* A tampered tree.json. */
    pathf(p, sizeof(p), "%s/images/%s/tree.json", home, id);
    char *text;
    size_t len;
    struct viv_error err;
    ck_assert_int_eq(viv_read_file(p, 1 << 20, &text, &len, &err), 0);
    char *at = strstr(text, "\"hello\"");
    ck_assert_ptr_nonnull(at);
    at[1] = 'j'; /* the symlink target "hello" becomes "jello" */
    ck_assert_int_eq(viv_write_file_atomic(p, text, len, 0644, &err), 0);
    free(text);
    fsck_run(c, &r);
    pathf(want, sizeof(want), "image %s: manifest.json and tree.json give id", sid);
    ck_assert(reported(&r, want));
    ck_assert(reported(&r, "rootfs/bin/hi: points to 'hello', the tree says 'jello'"));
    catalog_close(c);
}
END_TEST

/* ---- prune and df ---- */

START_TEST(test_prune_df)
{
    struct viv_catalog *c = open_catalog();
    struct viv_error err = {0};
    char a[65], b[65], removed[65];
    import_ok(c, fixture("one", "a", true), NULL, a);
    import_ok(c, fixture("two", "b", false), NULL, b);

    struct catalog_df df;
    ck_assert_int_eq(catalog_df(c, &df, &err), 0);
    ck_assert_uint_eq(df.images, 2);
    ck_assert_uint_ge(df.object_bytes, 3u << 20);
    /* The big file is in objects/ and linked from a checkout: counted once. */
    ck_assert_uint_lt(df.bytes, (3u << 20) + (1u << 20));
    ck_assert_uint_eq(df.reclaimable, 0);

    /* An unnamed image: its ref gone behind the catalog's back. */
    char p[512];
    pathf(p, sizeof(p), "%s/refs/b/latest", home);
    ck_assert_int_eq(unlink(p), 0);
    ck_assert_int_eq(catalog_rm(c, "a", removed, &err), 0);
    ck_assert_str_eq(removed, a);
    ck_assert_int_eq(catalog_df(c, &df, &err), 0);
    ck_assert_uint_ge(df.reclaimable, 3u << 20);
    uint64_t before = df.bytes, reclaim = df.reclaimable;

    /* Keep one image that shares objects with the others. */
    char k[65];
    import_ok(c, fixture("one", "keep", false), NULL, k); /* reuses "one"'s tree: same id as a */
    ck_assert_str_eq(k, a);
    ck_assert_int_eq(catalog_rm(c, "keep", removed, &err), 0);

    struct catalog_prune_result res;
    ck_assert_msg(catalog_prune(c, &res, &err) == 0, "%s", err.msg);
    ck_assert_uint_eq(res.images, 1);
    ck_assert_uint_ge(res.objects, 4);
    ck_assert_uint_ge(res.bytes, 3u << 20);
    (void)reclaim;
    ck_assert_int_eq(catalog_df(c, &df, &err), 0);
    ck_assert_uint_eq(df.images, 0);
    ck_assert_uint_eq(df.objects, 0);
    ck_assert_uint_eq(df.reclaimable, 0);
    ck_assert_uint_lt(df.bytes, before);

    /* Shared objects survive while some image uses them. */
    import_ok(c, fixture("one", "x", false), NULL, a);
    import_ok(c, fixture("two", "y", false), NULL, b);
    ck_assert_int_eq(catalog_rm(c, "y", removed, &err), 0);
    ck_assert_int_eq(catalog_prune(c, &res, &err), 0);
    struct reports r;
    ck_assert_uint_eq(fsck_run(c, &r), 0);
    ck_assert_int_eq(catalog_resolve(c, "x", removed, &err), 0);
    catalog_close(c);
}
END_TEST

/* ---- concurrency ---- */

static int child(int i, const char *arch_shared, const char *arch_own)
{
    struct viv_catalog *c;
    struct viv_error err = {0};
    if (catalog_open(home, &c, &err) < 0)
        return 1;
    char id[65], removed[65], ref[64];
    for (int round = 0; round < 6; round++) {
        pathf(ref, sizeof(ref), "s%d:r%d", i, round);
        if (catalog_import(c, arch_shared, &(struct catalog_import_opts){.ref = ref}, id, &err) < 0)
            goto fail;
        pathf(ref, sizeof(ref), "own%d", i);
        if (catalog_import(c, arch_own, &(struct catalog_import_opts){.ref = ref}, id, &err) < 0)
            goto fail;
        pathf(ref, sizeof(ref), "t%d:%d", i, round);
        if (catalog_tag(c, id, ref, &err) < 0)
            goto fail;
        if (round % 2 && catalog_rm(c, ref, removed, &err) < 0)
            goto fail;
        if (round == 3 && i % 2) {
            struct catalog_prune_result res;
            if (catalog_prune(c, &res, &err) < 0)
                goto fail;
        }
        if (round == 4 && catalog_rm(c, id, removed, &err) < 0)
            goto fail;
    }
    catalog_close(c);
    return 0;
fail:
    fprintf(stderr, "child %d: %s\n", i, err.msg);
    catalog_close(c);
    return 1;
}

START_TEST(test_concurrency)
{
    char shared[512], own[4][512];
    pathf(shared, sizeof(shared), "%s", fixture("shared", "s", true));
    for (int i = 0; i < 4; i++) {
        char tag[16];
        pathf(tag, sizeof(tag), "own%d", i);
        pathf(own[i], sizeof(own[i]), "%s", fixture(tag, "o", false));
    }
    struct viv_catalog *c = open_catalog();
    pid_t pids[4];
    for (int i = 0; i < 4; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0)
            _exit(child(i, shared, own[i]));
    }
    for (int i = 0; i < 4; i++) {
        int st;
        ck_assert_int_eq(waitpid(pids[i], &st, 0), pids[i]);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child %d failed", i);
    }
    struct reports r;
    ck_assert_msg(fsck_run(c, &r) == 0, "%s", r.lines[0]);
    struct viv_error err = {0};
    char id[65];
    for (int i = 0; i < 4; i++) {
        char ref[32];
        pathf(ref, sizeof(ref), "s%d:r5", i);
        ck_assert_msg(catalog_resolve(c, ref, id, &err) == 0, "%s", err.msg);
        pathf(ref, sizeof(ref), "own%d", i);
        ck_assert_msg(catalog_resolve(c, ref, id, &err) == 0, "%s", err.msg);
    }
    char p[512];
    pathf(p, sizeof(p), "%s/staging", home);
    ck_assert_uint_eq(count_entries(p), 0);
    catalog_close(c);
}
END_TEST

START_TEST(test_home)
{
    setenv("VIV_HOME", "/x/y", 1);
    char *h = catalog_default_home();
    ck_assert_str_eq(h, "/x/y");
    free(h);
    unsetenv("VIV_HOME");
    setenv("XDG_DATA_HOME", "/data", 1);
    h = catalog_default_home();
    ck_assert_str_eq(h, "/data/vivarium");
    free(h);
    unsetenv("XDG_DATA_HOME");

    /* A file where the catalog should be. */
    put_file(home, "", 0644);
    struct viv_catalog *c;
    struct viv_error err = {0};
    ck_assert_int_eq(catalog_open(home, &c, &err), -1);
    ck_assert_msg(strstr(err.msg, "is not a directory") && strstr(err.msg, "VIV_HOME"), "%s",
                  err.msg);
    unlink(home);
    c = open_catalog();
    struct stat sb;
    ck_assert_int_eq(stat(home, &sb), 0);
    ck_assert_uint_eq(sb.st_mode & 07777, 0700);
    catalog_close(c);
}
END_TEST

static Suite *catalog_suite(void)
{
    Suite *s = suite_create("catalog");
    TCase *tc = tcase_create("catalog");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_home);
    tcase_add_test(tc, test_store_dedup);
    tcase_add_test(tc, test_store_large_twin);
    tcase_add_test(tc, test_store_large_write_fails);
    tcase_add_test(tc, test_store_in_place);
    tcase_add_test(tc, test_store_abandon);
    tcase_add_test(tc, test_id_stable);
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_ambiguous_prefix);
    tcase_add_test(tc, test_failed_import);
    tcase_add_test(tc, test_stale_staging);
    tcase_add_test(tc, test_fsck);
    tcase_add_test(tc, test_prune_df);
    tcase_add_test(tc, test_concurrency);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(catalog_suite());
}
