/* test_manifest.c: manifest parsing, validation, printing, image references and golden files. */
#include "appliance-fmt/appliance.h"

#include <check.h>

#include "unit.h"
#include <dirent.h>
#include <string.h>

static const char full_json[] =
    "{\"vivarium\": 1, \"name\": \"hello\", \"tag\": \"1.0\", \"arch\": \"x86_64\", "
    "\"entrypoint\": [\"/bin/hello\"], \"cmd\": [], \"env\": [\"PATH=/bin\"], \"workdir\": \"/\", "
    "\"modes\": [\"native\", \"vm\"], \"resources\": {\"memory\": \"256M\", \"pids\": 256, "
    "\"cpus\": 1.5, \"timeout\": \"30m\"}, \"network\": \"none\"}";

static void parse_ok(const char *text, struct viv_manifest *m)
{
    struct viv_error err = {0};
    ck_assert_msg(manifest_parse(text, strlen(text), m, &err) == 0, "%s: %s", text, err.msg);
}

static void parse_fails(const char *text, size_t len, const char *msg)
{
    struct viv_manifest m;
    struct viv_error err = {0};
    ck_assert_int_eq(manifest_parse(text, len, &m, &err), -1);
    ck_assert_str_eq(err.msg, msg);
    /* A failed parse leaves nothing owned behind. */
    ck_assert_ptr_null(m.name);
    ck_assert_ptr_null(m.entrypoint.v);
    manifest_free(&m);
}

/* print(parse(print(x))) == print(x), for both forms, and the copy prints the same. */
static void check_round_trip(const struct viv_manifest *m)
{
    for (int pretty = 0; pretty < 2; pretty++) {
        char *a = manifest_print(m, pretty);
        struct viv_manifest again, copy;
        parse_ok(a, &again);
        char *b = manifest_print(&again, pretty);
        ck_assert_str_eq(a, b);
        manifest_copy(&copy, &again);
        char *c = manifest_print(&copy, pretty);
        ck_assert_str_eq(a, c);
        char *ida = manifest_canonical_for_id(m), *idb = manifest_canonical_for_id(&copy);
        ck_assert_str_eq(ida, idb);
        free(a), free(b), free(c), free(ida), free(idb);
        manifest_free(&again);
        manifest_free(&copy);
    }
}

START_TEST(full_example)
{
    struct viv_manifest m;
    parse_ok(full_json, &m);
    ck_assert_str_eq(m.name, "hello");
    ck_assert_str_eq(m.tag, "1.0");
    ck_assert_int_eq(m.arch, VIV_ARCH_X86_64);
    ck_assert_uint_eq(m.entrypoint.n, 1);
    ck_assert_str_eq(m.entrypoint.v[0], "/bin/hello");
    ck_assert_ptr_null(m.entrypoint.v[1]);
    ck_assert_uint_eq(m.cmd.n, 0);
    ck_assert_ptr_nonnull(m.cmd.v);
    ck_assert_ptr_null(m.cmd.v[0]);
    ck_assert_uint_eq(m.env.n, 1);
    ck_assert_str_eq(m.env.v[0], "PATH=/bin");
    ck_assert_str_eq(m.workdir, "/");
    ck_assert_uint_eq(m.modes, VIV_MODE_NATIVE | VIV_MODE_VM);
    ck_assert_uint_eq(m.resources.memory, 256ull << 20);
    ck_assert_uint_eq(m.resources.pids, 256);
    ck_assert_double_eq(m.resources.cpus, 1.5);
    ck_assert_uint_eq(m.resources.timeout_ms, 30 * 60 * 1000);
    ck_assert_int_eq(m.network, VIV_NET_NONE);

    char *canon = manifest_print(&m, false);
    ck_assert_str_eq(canon, "{\"arch\":\"x86_64\",\"cmd\":[],\"entrypoint\":[\"/bin/hello\"],"
                            "\"env\":[\"PATH=/bin\"],\"modes\":[\"native\",\"vm\"],"
                            "\"name\":\"hello\",\"network\":\"none\",\"resources\":{\"cpus\":1.5,"
                            "\"memory\":\"256M\",\"pids\":256,\"timeout\":\"30m\"},\"tag\":\"1.0\","
                            "\"vivarium\":1,\"workdir\":\"/\"}");
    char *id = manifest_canonical_for_id(&m);
    ck_assert_str_eq(id, "{\"arch\":\"x86_64\",\"cmd\":[],\"entrypoint\":[\"/bin/hello\"],"
                         "\"env\":[\"PATH=/bin\"],\"modes\":[\"native\",\"vm\"],"
                         "\"network\":\"none\",\"resources\":{\"cpus\":1.5,\"memory\":\"256M\","
                         "\"pids\":256,\"timeout\":\"30m\"},\"vivarium\":1,\"workdir\":\"/\"}");
    char *pretty = manifest_print(&m, true);
    ck_assert_ptr_nonnull(strstr(pretty, "{\n  \"vivarium\": 1,\n  \"name\": \"hello\",\n"));
    ck_assert_ptr_nonnull(strstr(pretty, "  \"resources\": {\n    \"memory\": \"256M\",\n"));
    ck_assert_str_eq(pretty + strlen(pretty) - 22, "  \"network\": \"none\"\n}\n");
    check_round_trip(&m);
    free(canon), free(id), free(pretty);
    manifest_free(&m);
    manifest_free(&m); /* idempotent */
}
END_TEST

START_TEST(defaults)
{
    static const struct {
        const char *arch;
        enum viv_arch a;
        unsigned modes;
    } cases[] = {
        {"x86_64", VIV_ARCH_X86_64, VIV_MODE_NATIVE | VIV_MODE_VM},
        {"riscv64", VIV_ARCH_RISCV64, VIV_MODE_NATIVE | VIV_MODE_XLAT},
        {"aarch64", VIV_ARCH_AARCH64, VIV_MODE_NATIVE | VIV_MODE_XLAT},
    };
    for (size_t i = 0; i < VIV_ARRAY_SIZE(cases); i++) {
        char *text = viv_xasprintf("{\"vivarium\":1,\"name\":\"x\",\"arch\":\"%s\","
                                   "\"entrypoint\":[\"sh\"]}",
                                   cases[i].arch);
        struct viv_manifest m;
        parse_ok(text, &m);
        ck_assert_int_eq(m.arch, cases[i].a);
        ck_assert_str_eq(m.tag, "latest");
        ck_assert_uint_eq(m.cmd.n, 0);
        ck_assert_uint_eq(m.env.n, 0);
        ck_assert_str_eq(m.workdir, "/");
        ck_assert_uint_eq(m.modes, cases[i].modes);
        ck_assert_uint_eq(m.resources.memory, 0);
        ck_assert_uint_eq(m.resources.pids, 0);
        ck_assert_double_eq(m.resources.cpus, 0);
        ck_assert_uint_eq(m.resources.timeout_ms, 0);
        ck_assert_int_eq(m.network, VIV_NET_NONE);
        check_round_trip(&m);
        manifest_free(&m);
        free(text);
    }
}
END_TEST

/* The id covers neither name nor tag: the same appliance under two names has one id. */
START_TEST(canonical_ignores_ref)
{
    struct viv_manifest a, b;
    parse_ok("{\"vivarium\":1,\"name\":\"one\",\"tag\":\"x\",\"arch\":\"x86_64\","
             "\"entrypoint\":[\"sh\"]}",
             &a);
    parse_ok("{\"entrypoint\":[\"sh\"],\"arch\":\"x86_64\",\"name\":\"two/sub\",\"vivarium\":1}",
             &b);
    char *ia = manifest_canonical_for_id(&a), *ib = manifest_canonical_for_id(&b);
    ck_assert_str_eq(ia, ib);
    ck_assert_ptr_null(strstr(ia, "name"));
    ck_assert_ptr_null(strstr(ia, "\"tag\""));
    char *pa = manifest_print(&a, false), *pb = manifest_print(&b, false);
    ck_assert_str_ne(pa, pb);
    free(ia), free(ib), free(pa), free(pb);
    manifest_free(&a);
    manifest_free(&b);
}
END_TEST

/* Values whose printed form differs from what was written still print stably. */
START_TEST(round_trip_odd_values)
{
    struct viv_manifest m;
    parse_ok("{\"vivarium\":1,\"name\":\"o\",\"arch\":\"aarch64\",\"entrypoint\":[\"a\\\"b\\\\\"],"
             "\"modes\":[\"xlat\",\"native\"],\"env\":[\"K=\\n\\t\"],\"workdir\":\"/a b\","
             "\"resources\":{\"memory\":\"1.5k\",\"cpus\":0.1,\"timeout\":\"1d1ms\","
             "\"pids\":9223372036854775807}}",
             &m);
    ck_assert_uint_eq(m.resources.memory, 1536);
    ck_assert_uint_eq(m.resources.timeout_ms, 86400001);
    ck_assert_uint_eq(m.resources.pids, 9223372036854775807ull);
    ck_assert_double_eq(m.resources.cpus, 0.1);
    ck_assert_uint_eq(m.modes, VIV_MODE_NATIVE | VIV_MODE_XLAT);
    check_round_trip(&m);
    char *s = manifest_print(&m, false);
    ck_assert_ptr_nonnull(strstr(s, "\"memory\":\"1536\""));
    ck_assert_ptr_nonnull(strstr(s, "\"timeout\":\"86400001ms\""));
    free(s);
    manifest_free(&m);
}
END_TEST

/* An image's user, as its config gives it: kept, printed where there is one, and absent from
 * the canonical form (and so from the image id) where there is none. */
START_TEST(user_kept_where_given)
{
    struct viv_manifest m;
    parse_ok("{\"vivarium\":1,\"name\":\"u\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
             "\"user\":\"app:1000\"}",
             &m);
    ck_assert_str_eq(m.user, "app:1000");
    check_round_trip(&m);
    char *s = manifest_canonical_for_id(&m);
    ck_assert_ptr_nonnull(strstr(s, "\"user\":\"app:1000\""));
    free(s);
    manifest_free(&m);
    parse_ok("{\"vivarium\":1,\"name\":\"u\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"]}", &m);
    ck_assert_ptr_null(m.user);
    s = manifest_canonical_for_id(&m);
    ck_assert_ptr_null(strstr(s, "user"));
    free(s);
    manifest_free(&m);
}
END_TEST

START_TEST(messages)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"{\"vivarium\":2}", "unsupported format version 2"},
        {"{\"vivarium\":-1,\"x\":1}", "unsupported format version -1"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
         "\"resources\":{\"swap\":\"1G\"}}",
         "unknown key 'resources.swap'"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\",1]}",
         "'entrypoint[1]' must be a string, not an integer"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
         "\"resources\":{\"pids\":\"5\"}}",
         "'resources.pids' must be a positive integer"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
         "\"resources\":{\"memory\":\"64x\"}}",
         "'resources.memory': invalid size '64x': unknown unit 'x' (b, k, m, g, t)"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
         "\"resources\":{\"cpus\":0.001}}",
         "'resources.cpus' must be a number from 0.01 to 4096"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
         "\"resources\":{\"cpus\":1e9}}",
         "'resources.cpus' must be a number from 0.01 to 4096"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
         "\"resources\":{\"timeout\":\"0\"}}",
         "'resources.timeout' must be greater than 0"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
         "\"user\":\"a:b:c\"}",
         "'user' must be USER or USER:GROUP, names or numbers (letters, digits, '.', '_', '-'), "
         "got 'a:b:c'"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
         "\"user\":\":1\"}",
         "'user' must be USER or USER:GROUP, names or numbers (letters, digits, '.', '_', '-'), "
         "got ':1'"},
        {"{\"vivarium\":1,\"vivarium\":1}", "duplicate key 'vivarium' at line 1, column 24"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
         "\"workdir\":\"x\\u0000\"}",
         "'workdir' contains a NUL character (\\u0000)"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
         "\"modes\":[\"xlat\"]}",
         "'modes[0]': mode 'xlat' cannot run x86_64 images"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"aarch64\",\"entrypoint\":[\"/a\"],"
         "\"modes\":[\"native\",\"vm\"]}",
         "'modes[1]': mode 'vm' cannot run aarch64 images"},
        {"{\"vivarium\":1,\"name\":\"a\",\"tag\":\"\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"]}",
         "'tag': invalid tag '': must not be empty"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
         "\"\\u001b[31m\":1}",
         "unknown key '\\x1b[31m'"},
        {"", "manifest is empty"},
        {" \n\t", "manifest is empty"},
        {"{\"vivarium\":1}  x", "invalid JSON at line 1, column 17: end of file expected near 'x'"},
        {"null", "manifest must be a JSON object, not null"},
        {"{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],"
         "\"cmd\":[\"\\ud800\"]}",
         "invalid JSON at line 1, column 76: invalid Unicode '\\uD800' near '\"\\ud800\"'"},
    };
    for (size_t i = 0; i < VIV_ARRAY_SIZE(cases); i++)
        parse_fails(cases[i].text, strlen(cases[i].text), cases[i].msg);
}
END_TEST

START_TEST(size_limit)
{
    size_t len = VIV_MANIFEST_MAX + 1;
    char *text = viv_xmalloc(len);
    memset(text, ' ', len);
    parse_fails(text, len, "manifest is 1048577 bytes, over the 1 MiB limit");
    /* Exactly the limit is parsed (here: a valid manifest padded with whitespace). */
    memcpy(text, full_json, strlen(full_json));
    struct viv_manifest m;
    struct viv_error err = {0};
    ck_assert_int_eq(manifest_parse(text, VIV_MANIFEST_MAX, &m, &err), 0);
    manifest_free(&m);
    free(text);
}
END_TEST

START_TEST(raw_nul)
{
    static const char text[] = "{\"vivarium\":1,\"name\":\"a\0b\"}";
    parse_fails(text, sizeof(text) - 1, "NUL byte at offset 23");
    /* A NUL just past len is not part of the text. */
    struct viv_manifest m;
    struct viv_error err = {0};
    ck_assert_int_eq(manifest_parse(full_json, strlen(full_json), &m, &err), 0);
    manifest_free(&m);
}
END_TEST

/* A manifest whose cmd opens depth-1 times (the object itself is level 1). */
static char *nested(unsigned depth, const char *open, const char *close)
{
    static const char prefix[] =
        "{\"vivarium\":1,\"name\":\"a\",\"arch\":\"x86_64\",\"entrypoint\":[\"/a\"],\"cmd\":";
    size_t ol = strlen(open), cl = strlen(close), pl = strlen(prefix);
    char *s = viv_xmalloc(pl + (depth - 1) * (ol + cl) + 2);
    char *p = stpcpy(s, prefix);
    for (unsigned i = 1; i < depth; i++)
        p = mempcpy(p, open, ol);
    for (unsigned i = 1; i < depth; i++)
        p = mempcpy(p, close, cl);
    strcpy(p, "}");
    return s;
}

START_TEST(depth_limit)
{
    char *ok = nested(VIV_MANIFEST_MAX_DEPTH, "[", "]");
    parse_fails(ok, strlen(ok), "'cmd[0]' must be a string, not an array");
    char *deep = nested(VIV_MANIFEST_MAX_DEPTH + 1, "[", "]");
    /* The 65th level opens at offset 67 (the prefix) + 63. */
    parse_fails(deep, strlen(deep), "nesting deeper than 64 levels at offset 130");
    /* Brackets and escaped quotes inside strings do not count. */
    char *str =
        nested(2,
               "[\"\\\"[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{["
               "{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[{[\"",
               "]");
    struct viv_manifest m;
    parse_ok(str, &m);
    ck_assert_uint_eq(m.cmd.n, 1);
    ck_assert_int_eq(m.cmd.v[0][0], '"');
    manifest_free(&m);
    /* Hostile depth far beyond any parser's stack is refused at once. */
    char *huge = nested(500000, "[", "]");
    parse_fails(huge, strlen(huge), "nesting deeper than 64 levels at offset 130");
    free(ok), free(deep), free(str), free(huge);
}
END_TEST

START_TEST(refs)
{
    static const struct {
        const char *ref, *name, *tag;
    } good[] = {
        {"hello", "hello", "latest"},
        {"hello:1.0", "hello", "1.0"},
        {"org/app-x_y.z:V_1-rc.2", "org/app-x_y.z", "V_1-rc.2"},
        {"0:_", "0", "_"},
        {"a/b/c", "a/b/c", "latest"},
    };
    for (size_t i = 0; i < VIV_ARRAY_SIZE(good); i++) {
        char *n = NULL, *t = NULL;
        struct viv_error err = {0};
        ck_assert_msg(viv_ref_parse(good[i].ref, &n, &t, &err) == 0, "%s", err.msg);
        ck_assert_str_eq(n, good[i].name);
        ck_assert_str_eq(t, good[i].tag);
        free(n), free(t);
    }
    static const struct {
        const char *ref, *msg;
    } bad[] = {
        {"", "invalid image reference '': name '' must not be empty"},
        {":1", "invalid image reference ':1': name '' must not be empty"},
        {"Hello", "invalid image reference 'Hello': name 'Hello' each component must start with a "
                  "lowercase letter or digit"},
        {"a/../b", "invalid image reference 'a/../b': name 'a/../b' each component must start "
                   "with a lowercase letter or digit"},
        {"a//b", "invalid image reference 'a//b': name 'a//b' has an empty component"},
        {"/a", "invalid image reference '/a': name '/a' has an empty component"},
        {"a/", "invalid image reference 'a/': name 'a/' must not end with '/'"},
        {"a b", "invalid image reference 'a b': name 'a b' may hold only lowercase letters, "
                "digits and . _ - /"},
        {"a:", "invalid image reference 'a:': tag '' must not be empty"},
        {"a:..", "invalid image reference 'a:..': tag '..' must start with a letter, digit or "
                 "underscore"},
        {"a:-x", "invalid image reference 'a:-x': tag '-x' must start with a letter, digit or "
                 "underscore"},
        {"a:b:c", "invalid image reference 'a:b:c': tag 'b:c' may hold only letters, digits and "
                  ". _ -"},
        {"a:b/c", "invalid image reference 'a:b/c': tag 'b/c' may hold only letters, digits and "
                  ". _ -"},
    };
    for (size_t i = 0; i < VIV_ARRAY_SIZE(bad); i++) {
        char *n = NULL, *t = NULL;
        struct viv_error err = {0};
        ck_assert_int_eq(viv_ref_parse(bad[i].ref, &n, &t, &err), -1);
        ck_assert_str_eq(err.msg, bad[i].msg);
        ck_assert_ptr_null(n);
        ck_assert_ptr_null(t);
    }
    char max[130];
    memset(max, 'a', 128);
    max[128] = '\0';
    ck_assert(viv_name_valid(max));
    ck_assert(viv_tag_valid(max));
    max[128] = 'a';
    max[129] = '\0';
    ck_assert(!viv_name_valid(max));
    ck_assert(!viv_tag_valid(max));
    ck_assert_str_eq(viv_name_problem(max), "longer than 128 bytes");
    char *n = NULL, *t = NULL;
    struct viv_error err = {0};
    ck_assert_int_eq(viv_ref_parse(max, &n, &t, &err), -1);
    ck_assert_str_eq(err.msg, "invalid image reference 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...': "
                              "name longer than 128 bytes");
    ck_assert(!viv_name_valid(NULL));
    ck_assert(viv_tag_valid("Latest"));
    ck_assert(!viv_name_valid("latesT"));
    ck_assert(!viv_tag_valid("."));
    ck_assert(!viv_name_valid("."));
    ck_assert(!viv_name_valid("a/."));
    ck_assert(viv_name_valid("a/b.c/d"));
}
END_TEST

START_TEST(arch_and_modes)
{
    enum viv_arch a;
    ck_assert_int_eq(viv_arch_parse("x86_64", &a), 0);
    ck_assert_int_eq(a, VIV_ARCH_X86_64);
    ck_assert_int_eq(viv_arch_parse("riscv64", &a), 0);
    ck_assert_int_eq(a, VIV_ARCH_RISCV64);
    ck_assert_int_eq(viv_arch_parse("aarch64", &a), 0);
    ck_assert_int_eq(a, VIV_ARCH_AARCH64);
    ck_assert_int_eq(viv_arch_parse("amd64", &a), -1);
    ck_assert_int_eq(viv_arch_parse("X86_64", &a), -1);
    ck_assert_str_eq(viv_arch_name(VIV_ARCH_X86_64), "x86_64");
    ck_assert_str_eq(viv_arch_name(VIV_ARCH_RISCV64), "riscv64");
    ck_assert_str_eq(viv_arch_name(VIV_ARCH_AARCH64), "aarch64");
    ck_assert_str_eq(viv_arch_name((enum viv_arch)42), "unknown");
    ck_assert_uint_eq(viv_arch_default_modes(VIV_ARCH_X86_64), VIV_MODE_NATIVE | VIV_MODE_VM);
    ck_assert_uint_eq(viv_arch_default_modes(VIV_ARCH_RISCV64), VIV_MODE_NATIVE | VIV_MODE_XLAT);
    ck_assert_uint_eq(viv_arch_default_modes(VIV_ARCH_AARCH64), VIV_MODE_NATIVE | VIV_MODE_XLAT);
    ck_assert_str_eq(viv_mode_name(VIV_MODE_NATIVE), "native");
    ck_assert_str_eq(viv_mode_name(VIV_MODE_VM), "vm");
    ck_assert_str_eq(viv_mode_name(VIV_MODE_XLAT), "xlat");
}
END_TEST

static char *cases_dir(void)
{
    const char *src = getenv("VIV_SRCDIR");
    return viv_xasprintf("%s/tests/unit/manifest-cases", src && *src ? src : ".");
}

static char *slurp(const char *dir, const char *name, size_t *len)
{
    char *path = viv_xasprintf("%s/%s", dir, name);
    char *data = NULL;
    struct viv_error err = {0};
    ck_assert_msg(viv_read_file(path, 2 * VIV_MANIFEST_MAX, &data, len, &err) == 0, "%s", err.msg);
    free(path);
    return data;
}

/* pass-X.json prints as pass-X.ok; fail-X.json fails with the message in fail-X.err. */
START_TEST(golden)
{
    char *dir = cases_dir();
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort);
    ck_assert_msg(n >= 0, "cannot read %s (set VIV_SRCDIR to the source tree)", dir);
    unsigned passes = 0, fails = 0;
    for (int i = 0; i < n; i++) {
        const char *name = ents[i]->d_name;
        size_t nl = strlen(name);
        bool pass = strncmp(name, "pass-", 5) == 0, fail = strncmp(name, "fail-", 5) == 0;
        if ((!pass && !fail) || nl < 6 || strcmp(name + nl - 5, ".json") != 0)
            continue;
        size_t len, elen;
        char *text = slurp(dir, name, &len);
        char *expname = viv_xasprintf("%.*s.%s", (int)(nl - 5), name, pass ? "ok" : "err");
        char *expected = slurp(dir, expname, &elen);
        struct viv_manifest m;
        struct viv_error err = {0};
        int r = manifest_parse(text, len, &m, &err);
        if (pass) {
            ck_assert_msg(r == 0, "%s: %s", name, err.msg);
            char *out = manifest_print(&m, true);
            ck_assert_msg(strcmp(out, expected) == 0, "%s: printed\n%s\nexpected\n%s", name, out,
                          expected);
            check_round_trip(&m);
            free(out);
            manifest_free(&m);
            passes++;
        } else {
            ck_assert_msg(r == -1, "%s: parsed but should fail", name);
            if (elen && expected[elen - 1] == '\n')
                expected[elen - 1] = '\0';
            ck_assert_msg(strcmp(err.msg, expected) == 0, "%s: got '%s', expected '%s'", name,
                          err.msg, expected);
            fails++;
        }
        free(text), free(expname), free(expected);
    }
    for (int i = 0; i < n; i++)
        free(ents[i]);
    free(ents);
    free(dir);
    /* An empty or missing folder must not pass quietly. */
    ck_assert_uint_ge(passes, 10);
    ck_assert_uint_ge(fails, 50);
}
END_TEST

static Suite *manifest_suite(void)
{
    Suite *s = suite_create("manifest");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, full_example);
    tcase_add_test(tc, defaults);
    tcase_add_test(tc, canonical_ignores_ref);
    tcase_add_test(tc, round_trip_odd_values);
    tcase_add_test(tc, user_kept_where_given);
    tcase_add_test(tc, messages);
    tcase_add_test(tc, size_limit);
    tcase_add_test(tc, raw_nul);
    tcase_add_test(tc, depth_limit);
    suite_add_tcase(s, tc);
    tc = tcase_create("refs");
    tcase_add_test(tc, refs);
    tcase_add_test(tc, arch_and_modes);
    suite_add_tcase(s, tc);
    tc = tcase_create("golden");
    tcase_add_test(tc, golden);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(manifest_suite());
}
