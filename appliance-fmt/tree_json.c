/* tree_json.c: the canonical JSON of a tree (what an image id covers) and its strict parser. */
#include "appliance-fmt/internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

/* Written directly rather than through a json_t of 100k objects: the output is byte-identical to
 * jansson's json_dumps(JSON_COMPACT | JSON_SORT_KEYS) of the same array (the unit test checks). */
struct buf {
    char *p;
    size_t len, cap;
};

static void put(struct buf *b, const char *s, size_t n)
{
    if (b->cap - b->len < n + 1) {
        while (b->cap - b->len < n + 1)
            b->cap = b->cap ? b->cap * 2 : 4096;
        b->p = viv_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

/* JSON string escaping as jansson does it: quote, backslash, short escapes, \uXXXX for the
 * remaining control characters; UTF-8 passes through (tree_add refuses anything else). */
static void put_str(struct buf *b, const char *s)
{
    put(b, "\"", 1);
    const char *run = s;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        put(b, run, (size_t)(s - run));
        char seq[8];
        switch (c) {
        case '"': puts_(b, "\\\""); break;
        case '\\': puts_(b, "\\\\"); break;
        case '\b': puts_(b, "\\b"); break;
        case '\f': puts_(b, "\\f"); break;
        case '\n': puts_(b, "\\n"); break;
        case '\r': puts_(b, "\\r"); break;
        case '\t': puts_(b, "\\t"); break;
        default:
            snprintf(seq, sizeof(seq), "\\u%04X", c);
            puts_(b, seq);
        }
        run = s + 1;
    }
    put(b, run, (size_t)(s - run));
    put(b, "\"", 1);
}

static void put_u64(struct buf *b, const char *key, uint64_t v)
{
    char num[64];
    snprintf(num, sizeof(num), "\"%s\":%" PRIu64, key, v);
    puts_(b, num);
}

static const char *const type_names[] = {
    [VIV_NODE_DIR] = "dir",
    [VIV_NODE_REG] = "reg",
    [VIV_NODE_SYMLINK] = "symlink",
    [VIV_NODE_FIFO] = "fifo",
};

char *tree_to_json(struct viv_tree *t)
{
    const struct viv_node *const *nodes;
    size_t n = tree_sorted(t, &nodes);
    struct buf b = {0};
    put(&b, "[", 1);
    for (size_t i = 0; i < n; i++) {
        const struct viv_node *x = nodes[i];
        if (i)
            put(&b, ",", 1);
        /* Keys in byte order: digest gid mode path size target type uid. */
        put(&b, "{", 1);
        if (x->type == VIV_NODE_REG) {
            puts_(&b, "\"digest\":");
            put_str(&b, x->digest);
            put(&b, ",", 1);
        }
        put_u64(&b, "gid", x->gid);
        put(&b, ",", 1);
        put_u64(&b, "mode", x->mode);
        puts_(&b, ",\"path\":");
        put_str(&b, x->path);
        if (x->type == VIV_NODE_REG) {
            put(&b, ",", 1);
            put_u64(&b, "size", x->size);
        }
        if (x->type == VIV_NODE_SYMLINK) {
            puts_(&b, ",\"target\":");
            put_str(&b, x->target ? x->target : "");
        }
        puts_(&b, ",\"type\":");
        put_str(&b, type_names[x->type]);
        put(&b, ",", 1);
        put_u64(&b, "uid", x->uid);
        put(&b, "}", 1);
    }
    put(&b, "]", 1);
    return b.p;
}

/* ---- parsing ---- */

static int node_fail(struct viv_error *err, size_t i, const char *fmt, const char *what)
{
    viv_fail(err, 0, fmt, what);
    return viv_wrap(err, "tree.json: node[%zu]", i);
}

static int get_uint(json_t *o, size_t i, const char *key, uint64_t max, uint64_t *out,
                    struct viv_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return node_fail(err, i, "missing key '%s'", key);
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        (uint64_t)json_integer_value(v) > max)
        return node_fail(err, i, "'%s' is not an integer in range", key);
    *out = (uint64_t)json_integer_value(v);
    return 0;
}

static int get_str(json_t *o, size_t i, const char *key, const char **out, struct viv_error *err)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return node_fail(err, i, "missing key '%s'", key);
    if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
        return node_fail(err, i, "'%s' is not a string without NULs", key);
    *out = json_string_value(v);
    return 0;
}

static int parse_node(json_t *o, size_t i, struct viv_node *n, struct viv_error *err)
{
    if (!json_is_object(o))
        return node_fail(err, i, "is not an %s", "object");
    const char *type;
    if (get_str(o, i, "type", &type, err) < 0 || get_str(o, i, "path", (const char **)&n->path,
                                                         err) < 0)
        return -1;
    size_t want = 5;
    if (strcmp(type, "dir") == 0) {
        n->type = VIV_NODE_DIR;
    } else if (strcmp(type, "reg") == 0) {
        n->type = VIV_NODE_REG;
        want = 7;
    } else if (strcmp(type, "symlink") == 0) {
        n->type = VIV_NODE_SYMLINK;
        want = 6;
    } else if (strcmp(type, "fifo") == 0) {
        n->type = VIV_NODE_FIFO;
    } else {
        return node_fail(err, i, "unknown type '%s' (dir, reg, symlink, fifo)", type);
    }
    uint64_t mode, uid, gid;
    if (get_uint(o, i, "mode", 07777, &mode, err) < 0 ||
        get_uint(o, i, "uid", UINT32_MAX, &uid, err) < 0 ||
        get_uint(o, i, "gid", UINT32_MAX, &gid, err) < 0)
        return -1;
    n->mode = (uint32_t)mode;
    n->uid = (uint32_t)uid;
    n->gid = (uint32_t)gid;
    if (n->type == VIV_NODE_REG) {
        const char *digest;
        if (get_uint(o, i, "size", INT64_MAX, &n->size, err) < 0 ||
            get_str(o, i, "digest", &digest, err) < 0)
            return -1;
        if (strlen(digest) != 64 || !viv_digest_valid(digest))
            return node_fail(err, i, "'digest' %s is not 64 lowercase hex digits", "value");
        memcpy(n->digest, digest, 65);
    }
    if (n->type == VIV_NODE_SYMLINK && get_str(o, i, "target", (const char **)&n->target, err) < 0)
        return -1;
    if (json_object_size(o) != want) {
        const char *key;
        json_t *v;
        static const char *const known[] = {"path", "type", "mode", "uid", "gid"};
        json_object_foreach(o, key, v) {
            bool ok = false;
            for (size_t k = 0; k < VIV_ARRAY_SIZE(known); k++)
                ok = ok || strcmp(key, known[k]) == 0;
            ok = ok || (n->type == VIV_NODE_REG &&
                        (!strcmp(key, "size") || !strcmp(key, "digest")));
            ok = ok || (n->type == VIV_NODE_SYMLINK && !strcmp(key, "target"));
            if (!ok)
                return node_fail(err, i, "unknown key '%s'", key);
        }
    }
    return 0;
}

int tree_from_json(const char *text, size_t len, struct viv_tree **out, struct viv_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return viv_fail(err, 0, "tree.json: line %d column %d: %s", je.line, je.column,
                        je.text);
    if (!json_is_array(root)) {
        json_decref(root);
        return viv_fail(err, 0, "tree.json: not a JSON array");
    }
    struct viv_tree *t = tree_new();
    const char *prev = NULL;
    size_t i;
    json_t *o;
    json_array_foreach(root, i, o) {
        struct viv_node n = {0};
        if (parse_node(o, i, &n, err) < 0)
            goto fail;
        /* Canonical order only: it also rules out duplicates and hand-made reorderings. */
        if (prev && strcmp(prev, n.path) >= 0) {
            node_fail(err, i, "path '%s' is not after the previous path in byte order", n.path);
            goto fail;
        }
        prev = n.path;
        if (n.path[0] && !tree_path_clean(n.path)) {
            node_fail(err, i, "path '%s' is not clean", n.path);
            goto fail;
        }
        enum tree_refusal why;
        size_t at, before = tree_count(t);
        if (!tree_put(t, &n, &why, &at)) {
            tree_add(t, &n, err); /* formats the same refusal */
            viv_wrap(err, "tree.json: node[%zu]", i);
            goto fail;
        }
        if (tree_count(t) > before + 1) {
            node_fail(err, i, "the parent directory of '%s' is not listed before it", n.path);
            goto fail;
        }
    }
    json_decref(root);
    *out = t;
    return 0;
fail:
    json_decref(root);
    tree_free(t);
    return -1;
}
