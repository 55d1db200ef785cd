/* test_archive.c: .viv reading (hostile entries), writing (round trips, reproducibility), OCI and
 * docker imports (layers, whiteouts, opaque dirs, corrupted blobs). */
#include "appliance-fmt/internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <check.h>

#include "unit.h"
#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define MKOCI_NO_MAIN
#include "tests/fixtures/mkoci.c"

/* ---- an in-memory sink: hashes content like the catalog does, keeps warnings ---- */

struct memsink {
    size_t stored;
    uint64_t bytes;
    char warnings[4096];
    uint64_t last_done, last_total;
};

static int ms_store(void *ctx, struct viv_node *node, struct viv_content_reader *in,
                    struct viv_error *err)
{
    struct memsink *ms = ctx;
    struct viv_sha256 *h = viv_sha256_new();
    char buf[65536];
    ssize_t n;
    uint64_t total = 0;
    while ((n = in->read(in->ctx, buf, sizeof(buf), err)) > 0) {
        viv_sha256_update(h, buf, (size_t)n);
        total += (uint64_t)n;
    }
    viv_sha256_final(h, node->digest);
    if (n < 0)
        return -1;
    ck_assert_uint_eq(total, node->size);
    ms->stored++;
    ms->bytes += total;
    return 0;
}

static void ms_warn(void *ctx, const char *msg)
{
    struct memsink *ms = ctx;
    size_t l = strlen(ms->warnings);
    snprintf(ms->warnings + l, sizeof(ms->warnings) - l, "%s\n", msg);
}

static void ms_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct memsink *ms = ctx;
    ck_assert(total == 0 || done <= total);
    ms->last_done = done;
    ms->last_total = total;
}

static struct memsink ms;
static struct viv_content_sink sink = {
    .ctx = &ms, .store = ms_store, .progress = ms_progress, .warn = ms_warn};
static char tmpdir[] = "/tmp/viv-test-archive-XXXXXX";

static void setup(void)
{
    memset(&ms, 0, sizeof(ms));
    strcpy(tmpdir, "/tmp/viv-test-archive-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void teardown(void)
{
    struct viv_error err;
    viv_rm_rf(tmpdir, &err);
}

static char *tmp_path(const char *name)
{
    return viv_xasprintf("%s/%s", tmpdir, name);
}

/* ---- building archives inside the test ---- */

/* Entries are written positionally; the trailing len is given only where content holds NULs. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
struct ent {
    const char *name;
    mode_t type; /* AE_IF*; 0 with link set: a hard link */
    int mode;
    const char *data; /* content, or symlink target */
    const char *link; /* hard link target */
    size_t len;       /* content length when it holds NULs, else 0 */
};

#define MANIFEST                                                                                   \
    "{\"vivarium\":1,\"name\":\"fixture\",\"arch\":\"x86_64\",\"entrypoint\":[\"/bin/true\"]}"

static void write_tar(const char *path, int filter, const struct ent *ents, size_t n)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (filter)
        archive_write_add_filter(a, filter);
    ck_assert_int_eq(archive_write_open_filename(a, path), ARCHIVE_OK);
    for (size_t i = 0; i < n; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, ents[i].name);
        archive_entry_set_perm(e, ents[i].mode ? ents[i].mode : 0644);
        if (ents[i].link) {
            archive_entry_set_filetype(e, AE_IFREG);
            archive_entry_set_hardlink(e, ents[i].link);
        } else {
            archive_entry_set_filetype(e, ents[i].type);
        }
        if (ents[i].type == AE_IFLNK)
            archive_entry_set_symlink(e, ents[i].data);
        if (ents[i].type == AE_IFCHR)
            archive_entry_set_rdev(e, makedev(1, 3));
        size_t len = ents[i].type == AE_IFREG && ents[i].data ? strlen(ents[i].data) : 0;
        if (ents[i].len)
            len = ents[i].len;
        archive_entry_set_size(e, (la_int64_t)len);
        ck_assert_int_eq(archive_write_header(a, e), ARCHIVE_OK);
        if (len)
            ck_assert_int_eq(archive_write_data(a, ents[i].data, len), (la_ssize_t)len);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

static void expect_import_error(const struct ent *ents, size_t n, const char *want_rule)
{
    _cleanup_free_ char *p = tmp_path("bad.viv");
    write_tar(p, 0, ents, n);
    struct viv_import imp = {0};
    struct viv_error err = {0};
    ck_assert_int_eq(appliance_import(p, &sink, &imp, &err), -1);
    _cleanup_free_ char *want = viv_xasprintf("%s: %s", p, want_rule);
    ck_assert_str_eq(err.msg, want);
    ck_assert_ptr_null(imp.tree);
}

#define M {"manifest.json", AE_IFREG, 0644, MANIFEST, NULL}
#define ROOT {"rootfs/", AE_IFDIR, 0755, NULL, NULL}
#define BAD(...)                                                                                   \
    do {                                                                                           \
        const struct ent e_[] = {__VA_ARGS__};                                                     \
        expect_import_error(e_, VIV_ARRAY_SIZE(e_), rule_);                                        \
    } while (0)

START_TEST(test_hostile_entries)
{
    const char *rule_;
    rule_ = "entry 'rootfs/../etc/passwd' escapes the root";
    BAD(M, ROOT, {"rootfs/../etc/passwd", AE_IFREG, 0644, "x", NULL});
    rule_ = "entry 'rootfs/a?b/../x' escapes the root";
    BAD(M, ROOT, {"rootfs/a\nb/../x", AE_IFREG, 0644, "x", NULL});
    rule_ = "entry '/etc/passwd' is an absolute path";
    BAD(M, ROOT, {"/etc/passwd", AE_IFREG, 0644, "x", NULL});
    rule_ = "entry 'etc/passwd' is outside rootfs/";
    BAD(M, ROOT, {"etc/passwd", AE_IFREG, 0644, "x", NULL});
    rule_ = "entry 'manifest.json' is outside rootfs/";
    BAD(M, ROOT, M);
    rule_ = "entry 'rootfs/x/passwd' passes through symlink 'rootfs/x'";
    BAD(M, ROOT, {"rootfs/x", AE_IFLNK, 0777, "/etc", NULL},
        {"rootfs/x/passwd", AE_IFREG, 0644, "x", NULL});
    rule_ = "entry 'rootfs/a/b' is under 'rootfs/a', which is not a directory";
    BAD(M, ROOT, {"rootfs/a", AE_IFREG, 0644, "x", NULL},
        {"rootfs/a/b", AE_IFREG, 0644, "y", NULL});
    rule_ = "entry 'rootfs/y' links to 'etc/shadow' outside the tree";
    BAD(M, ROOT, {"rootfs/y", 0, 0644, NULL, "etc/shadow"});
    rule_ = "entry 'rootfs/y' links to 'rootfs/z' outside the tree";
    BAD(M, ROOT, {"rootfs/y", 0, 0644, NULL, "rootfs/z"}, {"rootfs/z", AE_IFREG, 0644, "z", NULL});
    rule_ = "entry 'rootfs/y' links to 'rootfs/d' outside the tree";
    BAD(M, ROOT, {"rootfs/d", AE_IFDIR, 0755, NULL, NULL}, {"rootfs/y", 0, 0644, NULL, "rootfs/d"});
    rule_ = "entry 'rootfs/y' links to '../../etc/passwd' outside the tree";
    BAD(M, ROOT, {"rootfs/y", 0, 0644, NULL, "../../etc/passwd"});
    rule_ = "first entry is 'rootfs/', not manifest.json";
    BAD(ROOT, M);
    rule_ = "entry 'rootfs' replaces the root directory with a non-directory";
    BAD(M, {"rootfs", AE_IFREG, 0644, "x", NULL});
    rule_ = "entry 'rootfs/a//b' is not a clean path";
    BAD(M, ROOT, {"rootfs/a//b", AE_IFREG, 0644, "x", NULL});
    rule_ = "manifest.json: no program: 'entrypoint' and 'cmd' are both empty or absent";
    BAD({"manifest.json", AE_IFREG, 0644, "{\"vivarium\":1,\"name\":\"x\",\"arch\":\"x86_64\"}",
         NULL});
}
END_TEST

START_TEST(test_no_manifest_garbage_truncated)
{
    struct viv_import imp = {0};
    struct viv_error err = {0};
    _cleanup_free_ char *p = tmp_path("empty.viv");
    write_tar(p, 0, NULL, 0);
    ck_assert_int_eq(appliance_import(p, &sink, &imp, &err), -1);
    _cleanup_free_ char *want = viv_xasprintf("%s: archive has no manifest.json", p);
    ck_assert_str_eq(err.msg, want);

    _cleanup_free_ char *g = tmp_path("garbage");
    char junk[5000];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (char)(i * 7919 % 251);
    ck_assert_int_eq(viv_write_file_atomic(g, junk, sizeof(junk), 0644, &err), 0);
    ck_assert_int_eq(appliance_import(g, &sink, &imp, &err), -1);
    _cleanup_free_ char *want2 =
        viv_xasprintf("%s: not a .viv file, an OCI image layout or a docker-save archive", g);
    ck_assert_str_eq(err.msg, want2);

    /* A valid zstd .viv with a big file, cut in half. */
    char *big = viv_xmalloc(300000);
    uint64_t x = 88172645463325252ull; /* xorshift: content zstd cannot shrink much */
    for (size_t i = 0; i < 299999; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        big[i] = (char)('a' + x % 26);
    }
    big[299999] = '\0';
    const struct ent ents[] = {M, ROOT, {"rootfs/big", AE_IFREG, 0644, big, NULL},
                               {"rootfs/after", AE_IFREG, 0644, "x", NULL}};
    _cleanup_free_ char *t = tmp_path("trunc.viv");
    write_tar(t, ARCHIVE_FILTER_ZSTD, ents, VIV_ARRAY_SIZE(ents));
    free(big);
    struct stat st;
    ck_assert_int_eq(stat(t, &st), 0);
    ck_assert_int_eq(truncate(t, st.st_size / 2), 0);
    ck_assert_int_eq(appliance_import(t, &sink, &imp, &err), -1);
    _cleanup_free_ char *prefix = viv_xasprintf("%s: entry 'rootfs/big': ", t);
    if (strncmp(err.msg, prefix, strlen(prefix)) != 0)
        ck_abort_msg("got '%s'", err.msg);
    ck_assert_ptr_null(imp.tree);
}
END_TEST

START_TEST(test_devices_hardlinks_modes)
{
    const struct ent ents[] = {M,
                               {"./rootfs/", AE_IFDIR, 0700, NULL, NULL},
                               {"rootfs/dev/null", AE_IFCHR, 0666, NULL, NULL},
                               {"rootfs/bin/tool", AE_IFREG, 04755, "tool", NULL},
                               {"rootfs/bin/alias", 0, 0, NULL, "rootfs/bin/tool"},
                               {"rootfs/bin", AE_IFDIR, 0711, NULL, NULL},
                               {"rootfs/pipe", AE_IFIFO, 0600, NULL, NULL}};
    _cleanup_free_ char *p = tmp_path("dev.viv");
    write_tar(p, ARCHIVE_FILTER_GZIP, ents, VIV_ARRAY_SIZE(ents));
    struct viv_import imp = {0};
    struct viv_error err = {0};
    ck_assert_int_eq(appliance_import(p, &sink, &imp, &err), 0);
    ck_assert_str_eq(imp.format, "viv");
    ck_assert_str_eq(imp.manifest.name, "fixture");
    _cleanup_free_ char *w = viv_xasprintf("%s: entry 'rootfs/dev/null': device node dropped\n", p);
    ck_assert_str_eq(ms.warnings, w);
    ck_assert_ptr_null(tree_lookup(imp.tree, "dev/null"));
    ck_assert_uint_eq(tree_lookup(imp.tree, "")->mode, 0700);
    ck_assert_uint_eq(tree_lookup(imp.tree, "bin")->mode, 0711);
    const struct viv_node *tool = tree_lookup(imp.tree, "bin/tool");
    const struct viv_node *alias = tree_lookup(imp.tree, "bin/alias");
    ck_assert_uint_eq(tool->mode, 04755);
    ck_assert_int_eq(alias->type, VIV_NODE_REG);
    ck_assert_uint_eq(alias->mode, 04755);
    ck_assert_uint_eq(alias->size, 4);
    char hex[65];
    viv_sha256_hex("tool", 4, hex);
    ck_assert_str_eq(tool->digest, hex);
    ck_assert_str_eq(alias->digest, hex);
    ck_assert_int_eq(tree_lookup(imp.tree, "pipe")->type, VIV_NODE_FIFO);
    ck_assert_uint_eq(ms.stored, 1);
    ck_assert_uint_eq(ms.last_done, ms.last_total);
    viv_import_free(&imp);
}
END_TEST

/* ---- writing ---- */

static void make_rootfs(const char *root)
{
    struct viv_error err;
    _cleanup_free_ char *d = viv_xasprintf("%s/usr/lib/deep", root);
    ck_assert_int_eq(viv_mkdir_p(d, 0755, &err), 0);
    for (int i = 0; i < 50; i++) {
        _cleanup_free_ char *f = viv_xasprintf("%s/usr/lib/deep/f%02d-%s", root, i,
                                               "a-rather-long-name-to-need-pax-extended-headers-"
                                               "because-it-exceeds-one-hundred-bytes-xxxxxxxx");
        _cleanup_free_ char *body = viv_xasprintf("content %d\n", i * i);
        ck_assert_int_eq(viv_write_file_atomic(f, body, strlen(body), 0644, &err), 0);
    }
    _cleanup_free_ char *exe = viv_xasprintf("%s/usr/tool", root);
    ck_assert_int_eq(viv_write_file_atomic(exe, "#!/bin/sh\n", 10, 0755, &err), 0);
    ck_assert_int_eq(chmod(exe, 04755), 0);
    _cleanup_free_ char *ln = viv_xasprintf("%s/usr/lnk", root);
    ck_assert_int_eq(symlink("lib/deep", ln), 0);
    _cleanup_free_ char *fifo = viv_xasprintf("%s/fifo", root);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    _cleanup_free_ char *empty = viv_xasprintf("%s/empty", root);
    ck_assert_int_eq(viv_write_file_atomic(empty, "", 0, 0600, &err), 0);
}

START_TEST(test_write_round_trip)
{
    struct viv_error err = {0};
    _cleanup_free_ char *root = tmp_path("root");
    make_rootfs(root);
    struct viv_tree *t;
    ck_assert_int_eq(tree_from_dir(root, &t, &err), 0);
    ck_assert_uint_eq(tree_lookup(t, "usr/tool")->mode, 04755);
    ck_assert_uint_eq(tree_lookup(t, "usr/tool")->uid, 0);
    ck_assert_str_eq(tree_lookup(t, "usr/lnk")->target, "lib/deep");
    struct viv_manifest m;
    ck_assert_int_eq(manifest_parse(MANIFEST, strlen(MANIFEST), &m, &err), 0);
    int rfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char *ref_json = NULL;
    const enum viv_compression comps[] = {VIV_COMPRESS_NONE, VIV_COMPRESS_GZIP, VIV_COMPRESS_XZ,
                                          VIV_COMPRESS_ZSTD};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(comps); i++) {
        _cleanup_free_ char *a = tmp_path("a.viv"), *b = tmp_path("b.viv");
        ck_assert_int_eq(viv_archive_write(a, &m, t, rfd, comps[i], 1700000000, &err), 0);
        ck_assert_int_eq(viv_archive_write(b, &m, t, rfd, comps[i], 1700000000, &err), 0);
        char *da, *db;
        size_t la, lb;
        ck_assert_int_eq(viv_read_file(a, 1 << 24, &da, &la, &err), 0);
        ck_assert_int_eq(viv_read_file(b, 1 << 24, &db, &lb, &err), 0);
        ck_assert_uint_eq(la, lb);
        ck_assert(memcmp(da, db, la) == 0); /* reproducible */
        free(da);
        free(db);
        struct viv_import imp = {0};
        ck_assert_int_eq(appliance_import(a, &sink, &imp, &err), 0);
        ck_assert_str_eq(imp.manifest.name, "fixture");
        ck_assert_uint_eq(tree_count(imp.tree), tree_count(t));
        char hex[65];
        viv_sha256_hex("content 49\n", 11, hex);
        ck_assert_str_eq(tree_lookup(imp.tree,
                                     "usr/lib/deep/f07-a-rather-long-name-to-need-pax-extended-"
                                     "headers-because-it-exceeds-one-hundred-bytes-xxxxxxxx")
                             ->digest,
                         hex);
        char *json = tree_to_json(imp.tree);
        if (ref_json)
            ck_assert_str_eq(json, ref_json);
        free(ref_json);
        ref_json = json;
        viv_import_free(&imp);
        unlink(a);
        unlink(b);
    }
    free(ref_json);
    /* A failed write leaves nothing behind: the file vanished from under the tree. */
    _cleanup_free_ char *gone = viv_xasprintf("%s/usr/tool", root);
    unlink(gone);
    _cleanup_free_ char *c = tmp_path("c.viv");
    ck_assert_int_eq(viv_archive_write(c, &m, t, rfd, VIV_COMPRESS_ZSTD, 0, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "open 'rootfs/usr/tool'"));
    DIR *d = opendir(tmpdir);
    struct dirent *de;
    while ((de = readdir(d)))
        ck_assert_ptr_null(strstr(de->d_name, ".tmp."));
    closedir(d);
    close(rfd);
    manifest_free(&m);
    tree_free(t);
}
END_TEST

START_TEST(test_tree_from_dir_refuses_socket)
{
    struct viv_error err = {0};
    _cleanup_free_ char *root = tmp_path("root");
    ck_assert_int_eq(mkdir(root, 0755), 0);
    _cleanup_free_ char *sock = viv_xasprintf("%s/s", root);
    ck_assert_int_eq(mknod(sock, S_IFSOCK | 0600, 0), 0);
    struct viv_tree *t = NULL;
    ck_assert_int_eq(tree_from_dir(root, &t, &err), -1);
    _cleanup_free_ char *want = viv_xasprintf("'%s/s': is a socket; images hold no sockets", root);
    ck_assert_str_eq(err.msg, want);
}
END_TEST

/* ---- OCI and docker ---- */

static void check_image(struct viv_import *imp, const char *format, const char *name,
                        const char *tag)
{
    ck_assert_str_eq(imp->format, format);
    ck_assert_str_eq(imp->manifest.name, name);
    ck_assert_str_eq(imp->manifest.tag, tag);
    ck_assert_int_eq(imp->manifest.arch, VIV_ARCH_X86_64);
    ck_assert_str_eq(imp->manifest.entrypoint.v[0], "/bin/hello");
    ck_assert_uint_eq(imp->manifest.entrypoint.n, 1);
    ck_assert_str_eq(imp->manifest.cmd.v[0], "--greet");
    ck_assert_str_eq(imp->manifest.env.v[0], "PATH=/usr/bin:/bin");
    ck_assert_str_eq(imp->manifest.workdir, "/etc");
    struct viv_tree *t = imp->tree;
    ck_assert_ptr_nonnull(tree_lookup(t, "etc/hostname"));
    ck_assert_ptr_nonnull(tree_lookup(t, "etc/motd"));
    ck_assert_ptr_null(tree_lookup(t, "etc/old"));
    ck_assert_ptr_null(tree_lookup(t, "etc/.wh.old"));
    ck_assert_ptr_null(tree_lookup(t, "usr/share/doc/a"));
    ck_assert_ptr_null(tree_lookup(t, "usr/share/doc/b"));
    ck_assert_ptr_nonnull(tree_lookup(t, "usr/share/doc/c"));
    ck_assert_ptr_null(tree_lookup(t, "usr/share/doc/.wh..wh..opq"));
    const struct viv_node *h = tree_lookup(t, "bin/hello");
    ck_assert_uint_eq(h->mode, 0755);
    char hex[65];
    viv_sha256_hex("#!/bin/sh\necho hi\n", 18, hex);
    ck_assert_str_eq(h->digest, hex);
}

START_TEST(test_oci_and_docker)
{
    struct viv_error err = {0};
    struct viv_import imp = {0};
    _cleanup_free_ char *dir = tmp_path("hello-oci"), *otar = tmp_path("img.tar"),
                        *dtar = tmp_path("saved.tar");
    ck_assert_int_eq(mkoci_write("oci-dir", dir, NULL, false), 0);
    ck_assert_int_eq(mkoci_write("oci-archive", otar, "web:2.0", false), 0);
    ck_assert_int_eq(mkoci_write("docker-archive", dtar, NULL, false), 0);

    ck_assert_int_eq(appliance_import(dir, &sink, &imp, &err), 0);
    check_image(&imp, "oci", "hello-oci", "latest");
    ck_assert_uint_eq(ms.last_done, ms.last_total);
    viv_import_free(&imp);
    ck_assert_int_eq(appliance_import(otar, &sink, &imp, &err), 0);
    check_image(&imp, "oci", "web", "2.0");
    char *j1 = tree_to_json(imp.tree);
    viv_import_free(&imp);
    ck_assert_int_eq(appliance_import(dtar, &sink, &imp, &err), 0);
    check_image(&imp, "docker", "hello", "1.0");
    char *j2 = tree_to_json(imp.tree);
    ck_assert_str_eq(j1, j2);
    free(j1);
    free(j2);
    viv_import_free(&imp);
}
END_TEST

START_TEST(test_corrupt_blobs)
{
    struct viv_error err = {0};
    struct viv_import imp = {0};
    const char *kinds[] = {"oci-dir", "oci-archive", "docker-archive"};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(kinds); i++) {
        _cleanup_free_ char *p = tmp_path(kinds[i]);
        ck_assert_int_eq(mkoci_write(kinds[i], p, NULL, true), 0);
        ck_assert_int_eq(appliance_import(p, &sink, &imp, &err), -1);
        ck_assert_ptr_null(imp.tree);
        if (!strstr(err.msg, "digest mismatch") || strncmp(err.msg, p, strlen(p)) != 0 ||
            !strstr(err.msg, "blob sha256:"))
            ck_abort_msg("%s: got '%s'", kinds[i], err.msg);
    }
}
END_TEST

START_TEST(test_ref_normalize)
{
    char *n, *t;
    image_ref_normalize("docker.io/library/Alpine:3.19@sha256:abc", "x", &n, &t);
    ck_assert_str_eq(n, "alpine");
    ck_assert_str_eq(t, "3.19");
    free(n), free(t);
    image_ref_normalize("localhost:5000/team/app", "x", &n, &t);
    ck_assert_str_eq(n, "app");
    ck_assert_str_eq(t, "latest");
    free(n), free(t);
    image_ref_normalize(NULL, "/tmp/My Image.tar.gz", &n, &t);
    ck_assert_str_eq(n, "my-image");
    ck_assert_str_eq(t, "latest");
    free(n), free(t);
    image_ref_normalize("___", "/x/--.tar", &n, &t);
    ck_assert_str_eq(n, "image");
    free(n), free(t);
}
END_TEST

START_TEST(test_config_mapping)
{
    struct viv_error err = {0};
    struct viv_manifest m;
    const char *c1 = "{\"architecture\":\"arm64\",\"config\":{\"Cmd\":[\"/bin/app\",\"-x\"]}}";
    ck_assert_int_eq(image_config_to_manifest(c1, strlen(c1), "a", "b", &sink, &m, &err), 0);
    ck_assert_int_eq(m.arch, VIV_ARCH_AARCH64);
    ck_assert_uint_eq(m.entrypoint.n, 0);
    ck_assert_str_eq(m.cmd.v[0], "/bin/app");
    ck_assert_str_eq(m.cmd.v[1], "-x");
    ck_assert_str_eq(m.workdir, "/");
    ck_assert_uint_eq(m.modes, viv_arch_default_modes(VIV_ARCH_AARCH64));
    manifest_free(&m);
    const char *c2 = "{\"architecture\":\"riscv64\",\"config\":null}";
    ck_assert_int_eq(image_config_to_manifest(c2, strlen(c2), "a", "b", &sink, &m, &err), 0);
    ck_assert_uint_eq(m.entrypoint.n, 0);
    ck_assert_str_eq(m.cmd.v[0], "/bin/sh");
    ck_assert_ptr_nonnull(strstr(ms.warnings, "no Entrypoint or Cmd"));
    manifest_free(&m);
    const char *c3 = "{\"architecture\":\"s390x\"}";
    ck_assert_int_eq(image_config_to_manifest(c3, strlen(c3), "a", "b", &sink, &m, &err), -1);
    ck_assert_str_eq(err.msg, "config: architecture 's390x' is not supported (amd64, arm64, "
                              "riscv64)");
}
END_TEST

static void write_layer_image(const char *dir, const struct ent *layer, size_t n)
{
    /* An OCI layout around one hand-made layer, for layer-rule tests. */
    struct viv_error err;
    _cleanup_free_ char *lp = viv_xasprintf("%s.layer", dir);
    write_tar(lp, 0, layer, n);
    char *data;
    size_t len;
    ck_assert_int_eq(viv_read_file(lp, 1 << 20, &data, &len, &err), 0);
    char dl[65], dc[65], dm[65];
    viv_sha256_hex(data, len, dl);
    const char *config = "{\"architecture\":\"amd64\",\"config\":{\"Entrypoint\":[\"/x\"]}}";
    viv_sha256_hex(config, strlen(config), dc);
    _cleanup_free_ char *man = viv_xasprintf(
        "{\"config\":{\"digest\":\"sha256:%s\"},\"layers\":[{\"mediaType\":"
        "\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:%s\"}]}", dc, dl);
    viv_sha256_hex(man, strlen(man), dm);
    _cleanup_free_ char *idx = viv_xasprintf("{\"manifests\":[{\"digest\":\"sha256:%s\"}]}", dm);
    _cleanup_free_ char *blobs = viv_xasprintf("%s/blobs/sha256", dir);
    ck_assert_int_eq(viv_mkdir_p(blobs, 0755, &err), 0);
    const char *files[][2] = {{"oci-layout", "{}"}, {"index.json", idx}};
    for (size_t i = 0; i < 2; i++) {
        _cleanup_free_ char *p = viv_xasprintf("%s/%s", dir, files[i][0]);
        ck_assert_int_eq(viv_write_file_atomic(p, files[i][1], strlen(files[i][1]), 0644, &err), 0);
    }
    const char *blob_data[] = {data, config, man};
    size_t blob_len[] = {len, strlen(config), strlen(man)};
    const char *blob_hex[] = {dl, dc, dm};
    for (size_t i = 0; i < 3; i++) {
        _cleanup_free_ char *p = viv_xasprintf("%s/%s", blobs, blob_hex[i]);
        ck_assert_int_eq(viv_write_file_atomic(p, blob_data[i], blob_len[i], 0644, &err), 0);
    }
    free(data);
}

START_TEST(test_layer_rules)
{
    struct viv_error err = {0};
    struct viv_import imp = {0};
    _cleanup_free_ char *d1 = tmp_path("l1");
    const struct ent bad_wh[] = {{"etc/.wh..wh.foo", AE_IFREG, 0644, NULL, NULL}};
    write_layer_image(d1, bad_wh, 1);
    ck_assert_int_eq(appliance_import(d1, &sink, &imp, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "entry 'etc/.wh..wh.foo' is an unknown whiteout"));
    _cleanup_free_ char *d2 = tmp_path("l2");
    const struct ent esc[] = {{"./", AE_IFDIR, 0755, NULL, NULL},
                              {"./a/../../x", AE_IFREG, 0644, "x", NULL}};
    write_layer_image(d2, esc, 2);
    ck_assert_int_eq(appliance_import(d2, &sink, &imp, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, ": entry './a/../../x' escapes the root"));
    _cleanup_free_ char *d3 = tmp_path("l3");
    const struct ent ok[] = {{"./", AE_IFDIR, 0750, NULL, NULL},
                             {"./x", AE_IFREG, 0644, "x", NULL}};
    write_layer_image(d3, ok, 2);
    ck_assert_int_eq(appliance_import(d3, &sink, &imp, &err), 0);
    ck_assert_uint_eq(tree_lookup(imp.tree, "")->mode, 0750);
    ck_assert_str_eq(imp.manifest.name, "l3");
    viv_import_free(&imp);
}
END_TEST

/* docker save writes a layer it already wrote as a symlink to the first copy. */
START_TEST(test_docker_linked_layer)
{
    struct viv_error err = {0};
    struct viv_import imp = {0};
    _cleanup_free_ char *lp = tmp_path("layer.tar"), *out = tmp_path("linked.tar");
    const struct ent layer[] = {{"bin/sh", AE_IFREG, 0755, "#!", NULL, 0}};
    write_tar(lp, 0, layer, 1);
    char *data;
    size_t len;
    ck_assert_int_eq(viv_read_file(lp, 1 << 20, &data, &len, &err), 0);
    const struct ent outer[] = {
        {"aaa/layer.tar", AE_IFREG, 0644, data, NULL, len},
        {"bbb/layer.tar", AE_IFLNK, 0777, "../aaa/layer.tar", NULL, 0},
        {"cfg.json", AE_IFREG, 0644, "{\"architecture\":\"amd64\",\"config\":{\"Cmd\":[\"x\"]}}",
         NULL, 0},
        {"manifest.json", AE_IFREG, 0644,
         "[{\"Config\":\"cfg.json\",\"RepoTags\":null,\"Layers\":[\"aaa/layer.tar\","
         "\"bbb/layer.tar\"]}]", NULL, 0}};
    write_tar(out, 0, outer, VIV_ARRAY_SIZE(outer));
    free(data);
    ck_assert_int_eq(appliance_import(out, &sink, &imp, &err), 0);
    ck_assert_str_eq(imp.format, "docker");
    ck_assert_str_eq(imp.manifest.name, "linked");
    ck_assert_uint_eq(tree_lookup(imp.tree, "bin/sh")->mode, 0755);
    viv_import_free(&imp);
}
END_TEST

static void rewrite_index(const char *dir, const char *index)
{
    struct viv_error err;
    _cleanup_free_ char *p = viv_xasprintf("%s/index.json", dir);
    ck_assert_int_eq(viv_write_file_atomic(p, index, strlen(index), 0644, &err), 0);
}

/* Nested indexes and multi-platform indexes around mkoci's image manifest. */
START_TEST(test_oci_index_selection)
{
    struct viv_error err = {0};
    struct viv_import imp = {0};
    _cleanup_free_ char *dir = tmp_path("multi"), *ip = tmp_path("multi/index.json");
    ck_assert_int_eq(mkoci_write("oci-dir", dir, NULL, false), 0);
    char *orig;
    size_t len;
    ck_assert_int_eq(viv_read_file(ip, 1 << 20, &orig, &len, &err), 0);
    const char *d = strstr(orig, "sha256:");
    ck_assert_ptr_nonnull(d);
    char digest[72];
    memcpy(digest, d, 71);
    digest[71] = '\0';
    free(orig);

    _cleanup_free_ char *two = viv_xasprintf(
        "{\"manifests\":[{\"digest\":\"sha256:%064d\",\"platform\":{\"architecture\":\"arm64\","
        "\"os\":\"linux\"}},{\"digest\":\"%s\",\"platform\":{\"architecture\":\"amd64\","
        "\"os\":\"linux\"}}]}", 0, digest);
    rewrite_index(dir, two);
    ck_assert_int_eq(appliance_import(dir, &sink, &imp, &err), 0);
    check_image(&imp, "oci", "multi", "latest");
    viv_import_free(&imp);

    _cleanup_free_ char *amb = viv_xasprintf(
        "{\"manifests\":[{\"digest\":\"%s\",\"platform\":{\"architecture\":\"amd64\"}},"
        "{\"digest\":\"%s\",\"platform\":{\"architecture\":\"amd64\"}}]}", digest, digest);
    rewrite_index(dir, amb);
    ck_assert_int_eq(appliance_import(dir, &sink, &imp, &err), -1);
    _cleanup_free_ char *want = viv_xasprintf(
        "%s: index.json: 2 manifests, several for linux/amd64: cannot tell which to import", dir);
    ck_assert_str_eq(err.msg, want);

    /* One level of nesting: index.json -> index blob -> manifest. */
    _cleanup_free_ char *nested = viv_xasprintf(
        "{\"manifests\":[{\"digest\":\"%s\",\"annotations\":{\"io.containerd.image.name\":"
        "\"docker.io/library/nest:v2\"}}]}", digest);
    char nh[65];
    viv_sha256_hex(nested, strlen(nested), nh);
    _cleanup_free_ char *np = viv_xasprintf("%s/blobs/sha256/%s", dir, nh);
    ck_assert_int_eq(viv_write_file_atomic(np, nested, strlen(nested), 0644, &err), 0);
    _cleanup_free_ char *top = viv_xasprintf(
        "{\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
        "\"digest\":\"sha256:%s\",\"annotations\":{\"io.containerd.image.name\":"
        "\"docker.io/library/nest:v2\"}}]}", nh);
    rewrite_index(dir, top);
    ck_assert_int_eq(appliance_import(dir, &sink, &imp, &err), 0);
    check_image(&imp, "oci", "nest", "v2");
    viv_import_free(&imp);

    /* A digest that is not sha256 hex never becomes a path. */
    rewrite_index(dir, "{\"manifests\":[{\"digest\":\"sha256:../../../../etc/passwd\"}]}");
    ck_assert_int_eq(appliance_import(dir, &sink, &imp, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "image manifest: digest 'sha256:../../../../etc/passwd' "
                                          "is not sha256:<64 hex digits>"));
}
END_TEST

static void run_fuzz_regressions(void);

START_TEST(test_memory_reader)
{
    run_fuzz_regressions();
}
END_TEST

/* Inputs the fuzzer found interesting: they must fail cleanly, not crash or leak. */
static void run_fuzz_regressions(void)
{
    struct viv_error err = {0};
    struct viv_import imp = {0};
    static const char zeros[1024];
    ck_assert_int_eq(viv_read_memory(zeros, sizeof(zeros), "mem", &sink, &imp, &err), -1);
    ck_assert_int_eq(viv_read_memory("", 0, "mem", &sink, &imp, &err), -1);
}

int main(void)
{
    Suite *s = suite_create("archive");
    TCase *tc = tcase_create("archive");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_hostile_entries);
    tcase_add_test(tc, test_no_manifest_garbage_truncated);
    tcase_add_test(tc, test_devices_hardlinks_modes);
    tcase_add_test(tc, test_write_round_trip);
    tcase_add_test(tc, test_tree_from_dir_refuses_socket);
    tcase_add_test(tc, test_oci_and_docker);
    tcase_add_test(tc, test_corrupt_blobs);
    tcase_add_test(tc, test_ref_normalize);
    tcase_add_test(tc, test_config_mapping);
    tcase_add_test(tc, test_layer_rules);
    tcase_add_test(tc, test_memory_reader);
    tcase_add_test(tc, test_docker_linked_layer);
    tcase_add_test(tc, test_oci_index_selection);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
