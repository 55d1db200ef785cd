/* test_tree.c: image trees: add, replace, remove, opaque clears, lookups, JSON round trips. */
#include "appliance-fmt/internal.h"

#include <check.h>

#include "unit.h"
#include <string.h>

static int add(struct viv_tree *t, const char *path, enum viv_node_type type, uint32_t mode,
               struct viv_error *err)
{
    struct viv_node n = {.path = (char *)path, .type = type, .mode = mode};
    if (type == VIV_NODE_REG) {
        n.size = strlen(path);
        viv_sha256_hex(path, strlen(path), n.digest);
    }
    if (type == VIV_NODE_SYMLINK)
        n.target = "/target";
    return tree_add(t, &n, err);
}

START_TEST(test_add_creates_parents)
{
    struct viv_error err = {0};
    struct viv_tree *t = tree_new();
    ck_assert_uint_eq(tree_count(t), 1);
    ck_assert_int_eq(add(t, "usr/bin/env", VIV_NODE_REG, 0755, &err), 0);
    ck_assert_uint_eq(tree_count(t), 4);
    const struct viv_node *d = tree_lookup(t, "usr/bin");
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(d->type, VIV_NODE_DIR);
    ck_assert_uint_eq(d->mode, 0755);
    ck_assert_uint_eq(d->uid, 0);
    const struct viv_node *f = tree_lookup(t, "usr/bin/env");
    ck_assert_int_eq(f->type, VIV_NODE_REG);
    ck_assert_uint_eq(f->size, 11);
    ck_assert_ptr_null(tree_lookup(t, "usr/bin/e"));
    ck_assert_ptr_nonnull(tree_lookup(t, ""));
    /* A later directory entry sets the mode and keeps the contents. */
    ck_assert_int_eq(add(t, "usr", VIV_NODE_DIR, 0700, &err), 0);
    ck_assert_uint_eq(tree_lookup(t, "usr")->mode, 0700);
    ck_assert_ptr_nonnull(tree_lookup(t, "usr/bin/env"));
    tree_free(t);
}
END_TEST

START_TEST(test_refusals)
{
    struct viv_error err = {0};
    struct viv_tree *t = tree_new();
    ck_assert_int_eq(add(t, "usr/lib", VIV_NODE_SYMLINK, 0777, &err), 0);
    ck_assert_int_eq(add(t, "usr/lib/x", VIV_NODE_REG, 0644, &err), -1);
    ck_assert_str_eq(err.msg, "'usr/lib/x': path passes through symlink 'usr/lib'");
    ck_assert_int_eq(add(t, "etc/passwd", VIV_NODE_REG, 0644, &err), 0);
    ck_assert_int_eq(add(t, "etc/passwd/x", VIV_NODE_REG, 0644, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "parent 'etc/passwd' is not a directory"));
    const char *bad[] = {"/abs", "a//b", "a/./b", "a/../b", "..", ".", "a/", "a/.."};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(bad); i++) {
        ck_assert_int_eq(add(t, bad[i], VIV_NODE_DIR, 0755, &err), -1);
        ck_assert_ptr_nonnull(strstr(err.msg, "path is not clean"));
        ck_assert(!tree_path_clean(bad[i]));
    }
    ck_assert(!tree_path_clean(""));
    ck_assert(tree_path_clean("a/b..c/.d"));
    ck_assert_int_eq(add(t, "bad\xff", VIV_NODE_REG, 0644, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "UTF-8"));
    char *longp = viv_xmalloc(5000);
    for (int i = 0; i < 4999; i++)
        longp[i] = i % 2 ? '/' : 'a';
    longp[4999] = '\0';
    ck_assert_int_eq(add(t, longp, VIV_NODE_DIR, 0755, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "path is longer than 4095 bytes"));
    longp[3999] = '\0';
    ck_assert_int_eq(add(t, longp, VIV_NODE_DIR, 0755, &err), 0);
    ck_assert_ptr_nonnull(tree_lookup(t, "a/a/a"));
    free(longp);
    tree_remove(t, "a");
    ck_assert_int_eq(add(t, "", VIV_NODE_REG, 0644, &err), -1);
    ck_assert_int_eq(add(t, "", VIV_NODE_DIR, 0700, &err), 0);
    ck_assert_uint_eq(tree_lookup(t, "")->mode, 0700);
    /* Nothing half-made: the refused symlink path created nothing. */
    ck_assert_ptr_null(tree_lookup(t, "usr/lib/x"));
    tree_free(t);
}
END_TEST

START_TEST(test_replace_remove_clear)
{
    struct viv_error err = {0};
    struct viv_tree *t = tree_new();
    ck_assert_int_eq(add(t, "a/b/c/d", VIV_NODE_REG, 0644, &err), 0);
    ck_assert_int_eq(add(t, "a/b/e", VIV_NODE_REG, 0644, &err), 0);
    ck_assert_int_eq(add(t, "a/bb", VIV_NODE_REG, 0644, &err), 0);
    ck_assert_uint_eq(tree_count(t), 7);
    /* Replacing a directory with a file drops its contents. */
    ck_assert_int_eq(add(t, "a/b", VIV_NODE_SYMLINK, 0777, &err), 0);
    ck_assert_uint_eq(tree_count(t), 4);
    ck_assert_ptr_null(tree_lookup(t, "a/b/c"));
    ck_assert_str_eq(tree_lookup(t, "a/b")->target, "/target");
    ck_assert_int_eq(add(t, "a/b", VIV_NODE_DIR, 0755, &err), 0);
    ck_assert_ptr_null(tree_lookup(t, "a/b")->target);
    ck_assert_int_eq(add(t, "a/b/x", VIV_NODE_FIFO, 0600, &err), 0);
    tree_remove(t, "a/b");
    ck_assert_ptr_null(tree_lookup(t, "a/b"));
    ck_assert_ptr_null(tree_lookup(t, "a/b/x"));
    ck_assert_ptr_nonnull(tree_lookup(t, "a/bb"));
    tree_remove(t, "missing/path");
    tree_clear_dir(t, "a");
    ck_assert_ptr_nonnull(tree_lookup(t, "a"));
    ck_assert_uint_eq(tree_count(t), 2);
    tree_remove(t, "");
    ck_assert_uint_eq(tree_count(t), 1);
    tree_free(t);
}
END_TEST

START_TEST(test_lower_generations)
{
    struct viv_error err = {0};
    struct viv_tree *t = tree_new();
    tree_set_generation(t, 1);
    ck_assert_int_eq(add(t, "d/old1", VIV_NODE_REG, 0644, &err), 0);
    ck_assert_int_eq(add(t, "d/sub/old2", VIV_NODE_REG, 0644, &err), 0);
    ck_assert_int_eq(add(t, "w/x", VIV_NODE_REG, 0644, &err), 0);
    tree_set_generation(t, 2);
    ck_assert_int_eq(add(t, "d/new", VIV_NODE_REG, 0644, &err), 0);
    ck_assert_int_eq(add(t, "d/sub/new2", VIV_NODE_REG, 0644, &err), 0);
    tree_clear_dir_lower(t, "d");
    ck_assert_ptr_nonnull(tree_lookup(t, "d/new"));
    ck_assert_ptr_nonnull(tree_lookup(t, "d/sub/new2"));
    ck_assert_ptr_null(tree_lookup(t, "d/old1"));
    ck_assert_ptr_null(tree_lookup(t, "d/sub/old2"));
    tree_remove_lower(t, "w");
    ck_assert_ptr_null(tree_lookup(t, "w"));
    tree_free(t);
}
END_TEST

START_TEST(test_sorted_many)
{
    struct viv_error err = {0};
    struct viv_tree *t = tree_new();
    char path[64];
    for (int i = 0; i < 100000; i++) {
        snprintf(path, sizeof(path), "d%03d/f%06d", i % 997, i);
        ck_assert_int_eq(add(t, path, VIV_NODE_REG, 0644, &err), 0);
    }
    ck_assert_uint_eq(tree_count(t), 100000 + 997 + 1);
    const struct viv_node *const *nodes;
    size_t n = tree_sorted(t, &nodes);
    ck_assert_uint_eq(n, tree_count(t));
    ck_assert_str_eq(nodes[0]->path, "");
    for (size_t i = 1; i < n; i++)
        ck_assert_int_lt(strcmp(nodes[i - 1]->path, nodes[i]->path), 0);
    char *json = tree_to_json(t);
    struct viv_tree *back = NULL;
    ck_assert_int_eq(tree_from_json(json, strlen(json), &back, &err), 0);
    char *again = tree_to_json(back);
    ck_assert_str_eq(json, again);
    free(json);
    free(again);
    tree_free(back);
    tree_free(t);
}
END_TEST

/* The direct writer must print what jansson would print for the same array. */
START_TEST(test_json_matches_jansson)
{
    struct viv_error err = {0};
    struct viv_tree *t = tree_new();
    const char *weird = "weird \"q\" \\ \t\n\x01\x7f/\xc3\xa9t\xc3\xa9";
    ck_assert_int_eq(add(t, weird, VIV_NODE_REG, 04755, &err), 0);
    struct viv_node l = {.path = "lnk", .type = VIV_NODE_SYMLINK, .mode = 0777, .uid = 7, .gid = 8,
                         .target = "../x/\x1f"};
    ck_assert_int_eq(tree_add(t, &l, &err), 0);
    ck_assert_int_eq(add(t, "p", VIV_NODE_FIFO, 0600, &err), 0);
    char *mine = tree_to_json(t);
    json_t *arr = json_loads(mine, 0, NULL);
    ck_assert_ptr_nonnull(arr);
    char *theirs = json_dumps(arr, JSON_COMPACT | JSON_SORT_KEYS);
    ck_assert_str_eq(mine, theirs);
    ck_assert_ptr_nonnull(strstr(mine, "{\"gid\":8,\"mode\":511,\"path\":\"lnk\",\"target\":"));
    json_decref(arr);
    free(theirs);
    free(mine);
    tree_free(t);
}
END_TEST

static void expect_bad_json(const char *text, const char *want)
{
    struct viv_error err = {0};
    struct viv_tree *t = NULL;
    ck_assert_int_eq(tree_from_json(text, strlen(text), &t, &err), -1);
    ck_assert_ptr_null(t);
    if (!strstr(err.msg, want))
        ck_abort_msg("for %s: got '%s', want '%s'", text, err.msg, want);
}

START_TEST(test_json_refusals)
{
    expect_bad_json("{}", "not a JSON array");
    expect_bad_json("[", "tree.json: line");
    expect_bad_json("[1]", "node[0]: is not an object");
    expect_bad_json("[{\"path\":\"\",\"type\":\"dir\",\"mode\":493,\"uid\":0,\"gid\":0,\"x\":1}]",
                    "node[0]: unknown key 'x'");
    expect_bad_json("[{\"path\":\"\",\"type\":\"dir\",\"mode\":\"493\",\"uid\":0,\"gid\":0}]",
                    "node[0]: 'mode' is not an integer");
    expect_bad_json("[{\"path\":\"\",\"type\":\"dir\",\"mode\":4096,\"uid\":0,\"gid\":0}]",
                    "node[0]: 'mode' is not an integer in range");
    expect_bad_json("[{\"path\":\"a/../b\",\"type\":\"dir\",\"mode\":493,\"uid\":0,\"gid\":0}]",
                    "node[0]: path 'a/../b' is not clean");
    expect_bad_json("[{\"path\":\"a\",\"type\":\"reg\",\"mode\":420,\"uid\":0,\"gid\":0,"
                    "\"size\":1,\"digest\":\"ABC\"}]",
                    "node[0]: 'digest' value is not 64 lowercase hex digits");
    expect_bad_json("[{\"path\":\"a\",\"type\":\"sock\",\"mode\":420,\"uid\":0,\"gid\":0}]",
                    "node[0]: unknown type 'sock'");
    expect_bad_json("[{\"path\":\"b\",\"type\":\"dir\",\"mode\":493,\"uid\":0,\"gid\":0},"
                    "{\"path\":\"a\",\"type\":\"dir\",\"mode\":493,\"uid\":0,\"gid\":0}]",
                    "node[1]: path 'a' is not after");
    expect_bad_json("[{\"path\":\"a/b\",\"type\":\"dir\",\"mode\":493,\"uid\":0,\"gid\":0}]",
                    "node[0]: the parent directory of 'a/b' is not listed");
    expect_bad_json("[{\"path\":\"a\",\"type\":\"symlink\",\"mode\":511,\"uid\":0,\"gid\":0,"
                    "\"target\":\"x\"},{\"path\":\"a/b\",\"type\":\"dir\",\"mode\":493,\"uid\":0,"
                    "\"gid\":0}]",
                    "node[1]: 'a/b': path passes through symlink 'a'");
    expect_bad_json("[{\"path\":\"a\",\"type\":\"reg\",\"mode\":420,\"uid\":0,\"gid\":0}]",
                    "node[0]: missing key 'size'");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("tree");
    TCase *tc = tcase_create("tree");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_add_creates_parents);
    tcase_add_test(tc, test_refusals);
    tcase_add_test(tc, test_replace_remove_clear);
    tcase_add_test(tc, test_lower_generations);
    tcase_add_test(tc, test_sorted_many);
    tcase_add_test(tc, test_json_matches_jansson);
    tcase_add_test(tc, test_json_refusals);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
