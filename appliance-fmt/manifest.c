/* manifest.c: strict parsing, validation and normalized printing of manifest.json (version 1). */
#include "appliance-fmt/appliance.h"

#include <ctype.h>
#include <jansson.h>
#include <string.h>

#define MANIFEST_VERSION 1

/* Untrusted text goes into one-line error messages: escape control bytes and cut it short. */
static const char *show(const char *s, size_t len, char *buf, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o + 8 >= size) {
            memcpy(buf + o, "...", 4);
            return buf;
        }
        if (c < 0x20 || c == 0x7f) {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o] = '\0';
    return buf;
}

#define SHOW(s) show((s), strlen(s), (char[96]){0}, 96)

static void strv_free(struct viv_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = 0;
}

static void strv_copy(struct viv_strv *dst, const struct viv_strv *src)
{
    dst->n = src->n;
    dst->v = viv_xcalloc(src->n + 1, sizeof(char *));
    for (size_t i = 0; i < src->n; i++)
        dst->v[i] = viv_xstrdup(src->v[i]);
}

void manifest_free(struct viv_manifest *m)
{
    if (!m)
        return;
    free(m->name);
    free(m->tag);
    strv_free(&m->entrypoint);
    strv_free(&m->cmd);
    strv_free(&m->env);
    free(m->workdir);
    free(m->user);
    memset(m, 0, sizeof(*m));
}

const char *manifest_program(const struct viv_manifest *m)
{
    return m->entrypoint.n ? m->entrypoint.v[0] : m->cmd.v[0];
}

void manifest_copy(struct viv_manifest *dst, const struct viv_manifest *src)
{
    *dst = *src;
    dst->name = src->name ? viv_xstrdup(src->name) : NULL;
    dst->tag = src->tag ? viv_xstrdup(src->tag) : NULL;
    strv_copy(&dst->entrypoint, &src->entrypoint);
    strv_copy(&dst->cmd, &src->cmd);
    strv_copy(&dst->env, &src->env);
    dst->workdir = src->workdir ? viv_xstrdup(src->workdir) : NULL;
    dst->user = src->user ? viv_xstrdup(src->user) : NULL;
}

/* Raw NULs and hostile nesting are caught before jansson sees the text: its recursive descent
 * would otherwise spend a stack frame per level. Brackets inside strings do not count. */
static int prescan(const char *text, size_t len, struct viv_error *err)
{
    bool in_string = false, escaped = false;
    unsigned depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = text[i];
        if (c == '\0')
            return viv_fail(err, 0, "NUL byte at offset %zu", i);
        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > VIV_MANIFEST_MAX_DEPTH)
                return viv_fail(err, 0, "nesting deeper than %d levels at offset %zu",
                                VIV_MANIFEST_MAX_DEPTH, i);
        } else if ((c == ']' || c == '}') && depth > 0) {
            depth--;
        }
    }
    return 0;
}

/* jansson reports "duplicate object key near '\"k\"'": name the key the way our messages do. */
static int json_load_error(const json_error_t *je, struct viv_error *err)
{
    enum json_error_code code = json_error_code(je);
    const char *near = strstr(je->text, "near '");
    if (code == json_error_duplicate_key && near) {
        const char *tok = near + strlen("near '");
        size_t n = strlen(tok);
        if (n >= 3 && tok[0] == '"' && tok[n - 1] == '\'' && tok[n - 2] == '"')
            return viv_fail(err, 0, "duplicate key '%s' at line %d, column %d",
                            show(tok + 1, n - 3, (char[96]){0}, 96), je->line, je->column);
    }
    if (code == json_error_null_byte_in_key)
        return viv_fail(err, 0, "key with a NUL character (\\u0000) at line %d, column %d",
                        je->line, je->column);
    return viv_fail(err, 0, "invalid JSON at line %d, column %d: %s", je->line, je->column,
                    show(je->text, strnlen(je->text, sizeof(je->text)), (char[256]){0}, 256));
}

static const char *json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a real number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

/* A string value without embedded NULs (JSON_ALLOW_NUL lets \u0000 through so we can name it). */
static int get_string(const json_t *v, const char *key, const char **out, struct viv_error *err)
{
    if (!json_is_string(v))
        return viv_fail(err, 0, "'%s' must be a string, not %s", key, json_type_name(v));
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v))
        return viv_fail(err, 0, "'%s' contains a NUL character (\\u0000)", key);
    *out = s;
    return 0;
}

static int get_strv(const json_t *v, const char *key, struct viv_strv *out, struct viv_error *err)
{
    if (!json_is_array(v))
        return viv_fail(err, 0, "'%s' must be an array of strings, not %s", key, json_type_name(v));
    size_t n = json_array_size(v);
    struct viv_strv sv = {.v = viv_xcalloc(n + 1, sizeof(char *)), .n = 0};
    for (size_t i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof(path), "%s[%zu]", key, i);
        const char *s;
        if (get_string(json_array_get(v, i), path, &s, err) < 0) {
            strv_free(&sv);
            return -1;
        }
        sv.v[sv.n++] = viv_xstrdup(s);
    }
    *out = sv;
    return 0;
}

static const char *const top_keys[] = {"vivarium",   "name",  "tag",       "arch",
                                       "entrypoint", "cmd",   "env",       "workdir",
                                       "user",       "modes", "resources", "network"};
static const char *const resource_keys[] = {"memory", "pids", "cpus", "timeout"};

/* USER[:GROUP], each a name or a number, as an image's config gives it: resolved against the
 * image's own /etc/passwd and /etc/group at run time, as --user is. */
static int parse_user(const json_t *v, struct viv_manifest *m, struct viv_error *err)
{
    const char *s;
    if (get_string(v, "user", &s, err) < 0)
        return -1;
    size_t n = strlen(s), colon = strcspn(s, ":");
    bool ok = n > 0 && n <= 64 && colon > 0 &&
              (colon == n || (colon + 1 < n && !strchr(s + colon + 1, ':')));
    for (size_t i = 0; ok && i < n; i++)
        ok = s[i] == ':' || isalnum((unsigned char)s[i]) || strchr("._-$", s[i]);
    if (!ok)
        return viv_fail(err, 0,
                        "'user' must be USER or USER:GROUP, names or numbers (letters, digits, "
                        "'.', '_', '-'), got '%s'",
                        SHOW(s));
    m->user = viv_xstrdup(s);
    return 0;
}

static int check_keys(const json_t *obj, const char *prefix, const char *const *keys, size_t nkeys,
                      struct viv_error *err)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v)
    {
        bool known = false;
        for (size_t i = 0; i < nkeys && !known; i++)
            known = strcmp(k, keys[i]) == 0;
        if (!known)
            return viv_fail(err, 0, "unknown key '%s%s'", prefix, SHOW(k));
    }
    return 0;
}

static int parse_version(const json_t *root, struct viv_error *err)
{
    const json_t *v = json_object_get(root, "vivarium");
    if (!v)
        return viv_fail(err, 0, "missing required key 'vivarium' (the format version, 1)");
    if (!json_is_integer(v))
        return viv_fail(err, 0, "'vivarium' must be an integer, not %s", json_type_name(v));
    if (json_integer_value(v) != MANIFEST_VERSION)
        return viv_fail(err, 0, "unsupported format version %lld",
                        (long long)json_integer_value(v));
    return 0;
}

static int parse_env(struct viv_manifest *m, struct viv_error *err)
{
    for (size_t i = 0; i < m->env.n; i++) {
        const char *e = m->env.v[i];
        const char *eq = strchr(e, '=');
        if (!eq)
            return viv_fail(err, 0, "'env[%zu]' must have the form KEY=VALUE, got '%s'", i,
                            SHOW(e));
        if (eq == e)
            return viv_fail(err, 0, "'env[%zu]' has an empty variable name", i);
    }
    return 0;
}

static int parse_modes(const json_t *v, struct viv_manifest *m, struct viv_error *err)
{
    if (!v) {
        m->modes = viv_arch_default_modes(m->arch);
        return 0;
    }
    if (!json_is_array(v))
        return viv_fail(err, 0, "'modes' must be an array of strings, not %s", json_type_name(v));
    if (json_array_size(v) == 0)
        return viv_fail(err, 0, "'modes' must not be empty");
    unsigned allowed = viv_arch_default_modes(m->arch);
    for (size_t i = 0; i < json_array_size(v); i++) {
        char key[32];
        snprintf(key, sizeof(key), "modes[%zu]", i);
        const char *s;
        if (get_string(json_array_get(v, i), key, &s, err) < 0)
            return -1;
        unsigned bit = 0;
        for (unsigned b = VIV_MODE_NATIVE; b <= VIV_MODE_XLAT; b <<= 1)
            if (strcmp(s, viv_mode_name(b)) == 0)
                bit = b;
        if (!bit)
            return viv_fail(err, 0, "'%s': unknown mode '%s' (native, vm, xlat)", key, SHOW(s));
        if (m->modes & bit)
            return viv_fail(err, 0, "'%s': mode '%s' is listed twice", key, s);
        if (!(allowed & bit))
            return viv_fail(err, 0, "'%s': mode '%s' cannot run %s images", key, s,
                            viv_arch_name(m->arch));
        m->modes |= bit;
    }
    return 0;
}

static int parse_resources(const json_t *v, struct viv_manifest *m, struct viv_error *err)
{
    if (!v)
        return 0;
    if (!json_is_object(v))
        return viv_fail(err, 0, "'resources' must be an object, not %s", json_type_name(v));
    if (check_keys(v, "resources.", resource_keys, VIV_ARRAY_SIZE(resource_keys), err) < 0)
        return -1;
    const json_t *x;
    const char *s;
    if ((x = json_object_get(v, "memory"))) {
        if (get_string(x, "resources.memory", &s, err) < 0)
            return -1;
        if (viv_parse_size(s, &m->resources.memory, err) < 0)
            return viv_wrap(err, "'resources.memory'");
        if (m->resources.memory == 0)
            return viv_fail(err, 0, "'resources.memory' must be greater than 0");
    }
    if ((x = json_object_get(v, "pids"))) {
        if (!json_is_integer(x) || json_integer_value(x) <= 0)
            return viv_fail(err, 0, "'resources.pids' must be a positive integer");
        m->resources.pids = (uint64_t)json_integer_value(x);
    }
    if ((x = json_object_get(v, "cpus"))) {
        if (!json_is_number(x) || !(json_number_value(x) >= VIV_CPUS_MIN) ||
            json_number_value(x) > VIV_CPUS_MAX)
            return viv_fail(err, 0, "'resources.cpus' must be a number from %g to %g", VIV_CPUS_MIN,
                            VIV_CPUS_MAX);
        m->resources.cpus = json_number_value(x);
    }
    if ((x = json_object_get(v, "timeout"))) {
        if (get_string(x, "resources.timeout", &s, err) < 0)
            return -1;
        if (viv_parse_duration(s, &m->resources.timeout_ms, err) < 0)
            return viv_wrap(err, "'resources.timeout'");
        if (m->resources.timeout_ms == 0)
            return viv_fail(err, 0, "'resources.timeout' must be greater than 0");
    }
    return 0;
}

static int parse_fields(const json_t *root, struct viv_manifest *m, struct viv_error *err)
{
    const json_t *v;
    const char *s;
    if (parse_version(root, err) < 0)
        return -1;
    if (check_keys(root, "", top_keys, VIV_ARRAY_SIZE(top_keys), err) < 0)
        return -1;

    if (!(v = json_object_get(root, "name")))
        return viv_fail(err, 0, "missing required key 'name'");
    if (get_string(v, "name", &s, err) < 0)
        return -1;
    const char *why = viv_name_problem(s);
    if (why)
        return viv_fail(err, 0, "'name': invalid name '%s': %s", SHOW(s), why);
    m->name = viv_xstrdup(s);

    s = "latest";
    if ((v = json_object_get(root, "tag")) && get_string(v, "tag", &s, err) < 0)
        return -1;
    if ((why = viv_tag_problem(s)))
        return viv_fail(err, 0, "'tag': invalid tag '%s': %s", SHOW(s), why);
    m->tag = viv_xstrdup(s);

    if (!(v = json_object_get(root, "arch")))
        return viv_fail(err, 0, "missing required key 'arch'");
    if (get_string(v, "arch", &s, err) < 0)
        return -1;
    if (viv_arch_parse(s, &m->arch) < 0)
        return viv_fail(err, 0, "'arch': unknown architecture '%s' (x86_64, riscv64, aarch64)",
                        SHOW(s));

    /* As in an OCI image config: the program is entrypoint[0], or cmd[0] when there is no
     * entrypoint, so that a command given at run time replaces the whole of cmd. */
    if ((v = json_object_get(root, "entrypoint"))) {
        if (get_strv(v, "entrypoint", &m->entrypoint, err) < 0)
            return -1;
    } else {
        m->entrypoint.v = viv_xcalloc(1, sizeof(char *));
    }
    if (m->entrypoint.n > 0 && m->entrypoint.v[0][0] == '\0')
        return viv_fail(err, 0, "'entrypoint[0]' must not be empty");

    if ((v = json_object_get(root, "cmd"))) {
        if (get_strv(v, "cmd", &m->cmd, err) < 0)
            return -1;
    } else {
        m->cmd.v = viv_xcalloc(1, sizeof(char *));
    }
    if (m->entrypoint.n == 0 && m->cmd.n == 0)
        return viv_fail(err, 0, "no program: 'entrypoint' and 'cmd' are both empty or absent");
    if (m->entrypoint.n == 0 && m->cmd.v[0][0] == '\0')
        return viv_fail(err, 0, "'cmd[0]' must not be empty when there is no 'entrypoint'");
    if ((v = json_object_get(root, "env"))) {
        if (get_strv(v, "env", &m->env, err) < 0 || parse_env(m, err) < 0)
            return -1;
    } else {
        m->env.v = viv_xcalloc(1, sizeof(char *));
    }

    s = "/";
    if ((v = json_object_get(root, "workdir")) && get_string(v, "workdir", &s, err) < 0)
        return -1;
    if (s[0] != '/')
        return viv_fail(err, 0, "'workdir' must be an absolute path, got '%s'", SHOW(s));
    m->workdir = viv_xstrdup(s);

    if ((v = json_object_get(root, "user")) && parse_user(v, m, err) < 0)
        return -1;

    if (parse_modes(json_object_get(root, "modes"), m, err) < 0)
        return -1;
    if (parse_resources(json_object_get(root, "resources"), m, err) < 0)
        return -1;

    m->network = VIV_NET_NONE;
    if ((v = json_object_get(root, "network"))) {
        if (get_string(v, "network", &s, err) < 0)
            return -1;
        if (strcmp(s, "host") == 0)
            m->network = VIV_NET_HOST;
        else if (strcmp(s, "none") != 0)
            return viv_fail(err, 0, "'network': unknown network '%s' (none, host)", SHOW(s));
    }
    return 0;
}

int manifest_parse(const char *text, size_t len, struct viv_manifest *m, struct viv_error *err)
{
    memset(m, 0, sizeof(*m));
    if (len > VIV_MANIFEST_MAX)
        return viv_fail(err, 0, "manifest is %zu bytes, over the 1 MiB limit", len);
    if (prescan(text, len, err) < 0)
        return -1;
    size_t ws = 0;
    while (ws < len && strchr(" \t\r\n", text[ws]))
        ws++;
    if (ws == len)
        return viv_fail(err, 0, "manifest is empty");
    json_error_t je;
    json_t *root =
        json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL | JSON_DECODE_ANY, &je);
    if (!root)
        return json_load_error(&je, err);
    int r;
    if (!json_is_object(root)) {
        r = viv_fail(err, 0, "manifest must be a JSON object, not %s", json_type_name(root));
    } else {
        struct viv_manifest tmp = {0};
        r = parse_fields(root, &tmp, err);
        if (r < 0)
            manifest_free(&tmp);
        else
            *m = tmp;
    }
    json_decref(root);
    return r;
}

static json_t *strv_json(const struct viv_strv *sv)
{
    json_t *a = json_array();
    for (size_t i = 0; i < sv->n; i++)
        json_array_append_new(a, json_string(sv->v[i]));
    return a;
}

/* One builder for both forms: the pretty one relies on jansson keeping insertion order. */
static json_t *manifest_json(const struct viv_manifest *m, bool with_ref)
{
    json_t *o = json_object();
    char buf[64];
    json_object_set_new(o, "vivarium", json_integer(MANIFEST_VERSION));
    if (with_ref) {
        json_object_set_new(o, "name", json_string(m->name ? m->name : ""));
        json_object_set_new(o, "tag", json_string(m->tag ? m->tag : "latest"));
    }
    json_object_set_new(o, "arch", json_string(viv_arch_name(m->arch)));
    json_object_set_new(o, "entrypoint", strv_json(&m->entrypoint));
    json_object_set_new(o, "cmd", strv_json(&m->cmd));
    json_object_set_new(o, "env", strv_json(&m->env));
    json_object_set_new(o, "workdir", json_string(m->workdir ? m->workdir : "/"));
    /* Only where there is one: the image ids of manifests from before it stay what they were. */
    if (m->user)
        json_object_set_new(o, "user", json_string(m->user));
    json_t *modes = json_array();
    for (unsigned b = VIV_MODE_NATIVE; b <= VIV_MODE_XLAT; b <<= 1)
        if (m->modes & b)
            json_array_append_new(modes, json_string(viv_mode_name(b)));
    json_object_set_new(o, "modes", modes);
    json_t *res = json_object();
    if (m->resources.memory) {
        viv_format_size(m->resources.memory, buf, sizeof(buf));
        json_object_set_new(res, "memory", json_string(buf));
    }
    if (m->resources.pids)
        json_object_set_new(res, "pids", json_integer((json_int_t)m->resources.pids));
    if (m->resources.cpus > 0)
        json_object_set_new(res, "cpus", json_real(m->resources.cpus));
    if (m->resources.timeout_ms) {
        viv_format_duration(m->resources.timeout_ms, buf, sizeof(buf));
        json_object_set_new(res, "timeout", json_string(buf));
    }
    json_object_set_new(o, "resources", res);
    json_object_set_new(o, "network", json_string(m->network == VIV_NET_HOST ? "host" : "none"));
    return o;
}

static char *dump(json_t *o, bool pretty)
{
    char *s = json_dumps(o, pretty ? JSON_INDENT(2) : JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    if (!s) {
        fputs("viv: out of memory (manifest)\n", stderr);
        _exit(125);
    }
    if (!pretty)
        return s;
    char *out = viv_xasprintf("%s\n", s);
    free(s);
    return out;
}

char *manifest_print(const struct viv_manifest *m, bool pretty)
{
    return dump(manifest_json(m, true), pretty);
}

char *manifest_canonical_for_id(const struct viv_manifest *m)
{
    return dump(manifest_json(m, false), false);
}
