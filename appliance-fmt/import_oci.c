/* import_oci.c: import an OCI image layout (directory or tar); map image configs to manifests. */
#include "appliance-fmt/internal.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

/* ---- image config -> manifest (OCI image-spec config.md; docker's is the same shape) ---- */

const char *image_digest_hex(const char *digest)
{
    if (!digest || strncmp(digest, "sha256:", 7) != 0 || !viv_digest_valid(digest + 7))
        return NULL;
    return digest + 7;
}

static int strv_field(json_t *cfg, const char *key, json_t **out, struct viv_error *err)
{
    json_t *v = cfg ? json_object_get(cfg, key) : NULL;
    *out = json_array();
    if (!v || json_is_null(v))
        return 0;
    size_t i;
    json_t *x;
    if (!json_is_array(v))
        return viv_fail(err, 0, "config: 'config.%s' is not an array", key);
    json_array_foreach(v, i, x)
    {
        if (!json_is_string(x))
            return viv_fail(err, 0, "config: 'config.%s[%zu]' is not a string", key, i);
        json_array_append(*out, x);
    }
    return 0;
}

static const struct {
    const char *oci, *viv;
} arch_map[] = {{"amd64", "x86_64"}, {"arm64", "aarch64"}, {"riscv64", "riscv64"}};

int image_config_to_manifest(const char *config, size_t len, const char *name, const char *tag,
                             const struct viv_content_sink *sink, struct viv_manifest *m,
                             struct viv_error *err)
{
    json_error_t je;
    json_t *root = json_loadb(config, len, JSON_REJECT_DUPLICATES, &je), *ep = NULL, *cmd = NULL,
           *env = NULL;
    json_t *out = json_object();
    int rc = -1;
    if (!root || !json_is_object(root)) {
        viv_fail(err, 0, "config: not a JSON object%s%s", root ? "" : ": ", root ? "" : je.text);
        goto out;
    }
    json_t *cfg = json_object_get(root, "config");
    if (cfg && !json_is_object(cfg) && !json_is_null(cfg)) {
        viv_fail(err, 0, "config: 'config' is not an object");
        goto out;
    }
    if (cfg && json_is_null(cfg))
        cfg = NULL;
    const char *arch = json_string_value(json_object_get(root, "architecture"));
    const char *varch = NULL;
    for (size_t i = 0; arch && i < VIV_ARRAY_SIZE(arch_map); i++)
        if (strcmp(arch, arch_map[i].oci) == 0)
            varch = arch_map[i].viv;
    if (!varch) {
        viv_fail(err, 0, "config: architecture '%s' is not supported (amd64, arm64, riscv64)",
                 arch ? arch : "(missing)");
        goto out;
    }
    if (strv_field(cfg, "Entrypoint", &ep, err) < 0 || strv_field(cfg, "Cmd", &cmd, err) < 0 ||
        strv_field(cfg, "Env", &env, err) < 0)
        goto out;
    /* Entrypoint and Cmd carry over as they are: with no Entrypoint, Cmd is the program, and a
     * command given to `viv run` replaces it, as with docker. */
    if (json_array_size(ep) == 0 && json_array_size(cmd) == 0) {
        json_array_append_new(cmd, json_string("/bin/sh"));
        if (sink && sink->warn)
            sink->warn(sink->ctx, "image config has no Entrypoint or Cmd: using /bin/sh");
    }
    const char *wd = cfg ? json_string_value(json_object_get(cfg, "WorkingDir")) : NULL;
    json_object_set_new(out, "vivarium", json_integer(1));
    json_object_set_new(out, "name", json_string(name));
    json_object_set_new(out, "tag", json_string(tag));
    json_object_set_new(out, "arch", json_string(varch));
    json_object_set(out, "entrypoint", ep);
    json_object_set(out, "cmd", cmd);
    json_object_set(out, "env", env);
    json_object_set_new(out, "workdir", json_string(wd && wd[0] ? wd : "/"));
    /* The image's USER, which an image made to run unprivileged relies on. */
    const char *user = cfg ? json_string_value(json_object_get(cfg, "User")) : NULL;
    if (user && user[0])
        json_object_set_new(out, "user", json_string(user));
    char *text = json_dumps(out, JSON_COMPACT);
    if (!text) {
        viv_fail(err, 0, "config: strings are not valid UTF-8");
        goto out;
    }
    rc = manifest_parse(text, strlen(text), m, err);
    free(text);
    if (rc < 0)
        viv_wrap(err, "config");
out:
    json_decref(root);
    json_decref(out);
    json_decref(ep);
    json_decref(cmd);
    json_decref(env);
    return rc;
}

static const struct importer_ops {
    const char *name;
    bool (*probe)(const char *path);
    int (*import)(const char *path, const struct viv_content_sink *sink, struct viv_import *out,
                  struct viv_error *err);
} importers[] = {
    /* The .viv probe reads one entry; the others scan headers, so they come after it. Docker
     * before OCI: newer docker and podman docker-archives also carry an OCI index. */
    {.name = "viv", .probe = import_viv_probe, .import = viv_read_path},
    {.name = "docker", .probe = import_docker_probe, .import = import_docker},
    {.name = "oci", .probe = import_oci_probe, .import = import_oci},
};

int appliance_import(const char *path, const struct viv_content_sink *sink, struct viv_import *out,
                     struct viv_error *err)
{
    if (access(path, R_OK) < 0)
        return viv_fail(err, errno, "'%s'", path);
    for (size_t i = 0; i < VIV_ARRAY_SIZE(importers); i++) {
        if (!importers[i].probe(path))
            continue;
        viv_trace(VIV_TRACE_IMG, "img", "%s: importing as %s", path, importers[i].name);
        memset(out, 0, sizeof(*out));
        return importers[i].import(path, sink, out, err);
    }
    /* A tar that no probe recognizes is most likely a broken .viv: its reader names the entry
     * and the rule ("first entry is 'x', not manifest.json"). */
    struct viv_error ignored;
    struct ain_src *src;
    struct archive *a = ain_open_file(path, NULL, false, &src, &ignored);
    if (a) {
        ain_close(a, src);
        memset(out, 0, sizeof(*out));
        return viv_read_path(path, sink, out, err);
    }
    return viv_fail(err, 0, "%s: not a .viv file, an OCI image layout or a docker-save archive",
                    path);
}

void viv_import_free(struct viv_import *imp)
{
    if (!imp)
        return;
    manifest_free(&imp->manifest);
    tree_free(imp->tree);
    imp->tree = NULL;
}

/* ---- the OCI layout: index.json -> image manifest -> config + layers ---- */

#if defined(__x86_64__)
#define HOST_GOARCH "amd64"
#elif defined(__aarch64__)
#define HOST_GOARCH "arm64"
#elif defined(__riscv)
#define HOST_GOARCH "riscv64"
#else
#define HOST_GOARCH "unknown"
#endif

#define MT_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"

static const char *const layer_types[] = {
    "application/vnd.oci.image.layer.v1.tar",
    "application/vnd.oci.image.layer.v1.tar+gzip",
    "application/vnd.oci.image.layer.v1.tar+zstd",
    "application/vnd.docker.image.rootfs.diff.tar.gzip",
    "application/vnd.docker.image.rootfs.diff.tar",
};

static json_t *load_json(struct image_src *s, const char *member, const char *hex,
                         struct viv_error *err)
{
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (image_src_json(s, member, hex, IMAGE_JSON_MAX, &text, &len, err) < 0)
        return NULL;
    json_error_t je;
    json_t *j = json_loadb(text, len, 0, &je);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        viv_fail(err, 0, "%s: not a JSON object%s%s", member, j ? "" : ": ", j ? "" : je.text);
        return NULL;
    }
    return j;
}

static bool is_index(json_t *d)
{
    const char *mt = json_string_value(json_object_get(d, "mediaType"));
    return mt && (strcmp(mt, MT_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
}

/* The one manifest of an index, or the one for this host's platform (image-spec image-index.md). */
static json_t *pick_manifest(json_t *index, const char *what, struct viv_error *err)
{
    json_t *ms = json_object_get(index, "manifests");
    if (!json_is_array(ms) || json_array_size(ms) == 0) {
        viv_fail(err, 0, "%s: 'manifests' is missing or empty", what);
        return NULL;
    }
    if (json_array_size(ms) == 1)
        return json_array_get(ms, 0);
    json_t *pick = NULL, *d;
    size_t i, matches = 0;
    json_array_foreach(ms, i, d)
    {
        json_t *p = json_object_get(d, "platform");
        const char *arch = json_string_value(json_object_get(p, "architecture"));
        const char *os = json_string_value(json_object_get(p, "os"));
        if (arch && strcmp(arch, HOST_GOARCH) == 0 && (!os || strcmp(os, "linux") == 0)) {
            pick = d;
            matches++;
        }
    }
    if (matches != 1) {
        viv_fail(err, 0, "%s: %zu manifests, %s for linux/%s: cannot tell which to import", what,
                 json_array_size(ms), matches ? "several" : "none", HOST_GOARCH);
        return NULL;
    }
    return pick;
}

/* Descriptor digests become member paths only after they are proved to be sha256 hex. */
static const char *descriptor_hex(json_t *d, const char *what, struct viv_error *err)
{
    const char *digest = json_string_value(json_object_get(d, "digest"));
    const char *hex = image_digest_hex(digest);
    if (!hex)
        viv_fail(err, 0, "%s: digest '%s' is not sha256:<64 hex digits>", what,
                 digest ? digest : "(missing)");
    return hex;
}

static void name_from_annotations(json_t *desc, const char *path, char **name, char **tag)
{
    json_t *ann = json_object_get(desc, "annotations");
    const char *ref = json_string_value(json_object_get(ann, "org.opencontainers.image.ref.name"));
    const char *ctr = json_string_value(json_object_get(ann, "io.containerd.image.name"));
    if (ctr) {
        image_ref_normalize(ctr, path, name, tag);
    } else if (ref && (strchr(ref, ':') || strchr(ref, '/'))) {
        image_ref_normalize(ref, path, name, tag);
    } else {
        image_ref_normalize(NULL, path, name, tag);
        if (ref && viv_tag_valid(ref)) {
            free(*tag);
            *tag = viv_xstrdup(ref);
        }
    }
}

static int import_layout(struct image_src *s, const char *path, const struct viv_content_sink *sink,
                         struct viv_import *out, struct viv_error *err)
{
    json_t *index = NULL, *nested = NULL, *man = NULL;
    _cleanup_free_ char *config = NULL, *name = NULL, *tag = NULL;
    size_t clen;
    int rc = -1;
    if (!(index = load_json(s, "index.json", NULL, err)))
        goto out;
    json_t *desc = pick_manifest(index, "index.json", err), *named = desc;
    if (!desc)
        goto out;
    char member[128];
    const char *hex;
    if (is_index(desc)) {
        if (!(hex = descriptor_hex(desc, "index.json: manifest", err)))
            goto out;
        snprintf(member, sizeof(member), "blobs/sha256/%s", hex);
        if (!(nested = load_json(s, member, hex, err)) ||
            !(desc = pick_manifest(nested, "nested index", err)))
            goto out;
        if (is_index(desc)) {
            viv_fail(err, 0, "nested index: indexes nest more than one level");
            goto out;
        }
    }
    if (!(hex = descriptor_hex(desc, "image manifest", err)))
        goto out;
    snprintf(member, sizeof(member), "blobs/sha256/%s", hex);
    if (!(man = load_json(s, member, hex, err)))
        goto out;
    json_t *cdesc = json_object_get(man, "config"), *layers = json_object_get(man, "layers");
    if (!json_is_object(cdesc) || !json_is_array(layers)) {
        viv_fail(err, 0, "image manifest sha256:%s: 'config' or 'layers' missing", hex);
        goto out;
    }
    if (!(hex = descriptor_hex(cdesc, "image manifest: config", err)))
        goto out;
    snprintf(member, sizeof(member), "blobs/sha256/%s", hex);
    if (image_src_json(s, member, hex, IMAGE_JSON_MAX, &config, &clen, err) < 0)
        goto out;
    name_from_annotations(named, path, &name, &tag);
    if (image_config_to_manifest(config, clen, name, tag, sink, &out->manifest, err) < 0)
        goto out;

    size_t i;
    json_t *l;
    uint64_t total = 0;
    json_array_foreach(layers, i, l)
    {
        json_int_t size = json_integer_value(json_object_get(l, "size"));
        if (size > 0 && __builtin_add_overflow(total, (uint64_t)size, &total))
            total = UINT64_MAX;
    }
    image_src_set_total(s, total);
    out->tree = tree_new();
    json_array_foreach(layers, i, l)
    {
        char what[64];
        snprintf(what, sizeof(what), "image manifest: layers[%zu]", i);
        const char *mt = json_string_value(json_object_get(l, "mediaType"));
        bool ok = false;
        for (size_t k = 0; mt && k < VIV_ARRAY_SIZE(layer_types); k++)
            ok = ok || strcmp(mt, layer_types[k]) == 0;
        if (!ok) {
            viv_fail(err, 0, "%s: media type '%s' is not a supported layer type", what,
                     mt ? mt : "(missing)");
            goto out;
        }
        if (!(hex = descriptor_hex(l, what, err)))
            goto out;
        json_t *sz = json_object_get(l, "size");
        snprintf(member, sizeof(member), "blobs/sha256/%s", hex);
        if (image_src_layer(s, member, hex, json_is_integer(sz) ? json_integer_value(sz) : -1,
                            out->tree, (unsigned)i + 1, err) < 0)
            goto out;
    }
    out->format = "oci";
    rc = 0;
out:
    json_decref(index);
    json_decref(nested);
    json_decref(man);
    return rc;
}

int import_oci(const char *path, const struct viv_content_sink *sink, struct viv_import *out,
               struct viv_error *err)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return viv_fail(err, errno, "'%s'", path);
    return image_src_import(path, !S_ISDIR(st.st_mode), sink, import_layout, out, err);
}

bool import_oci_probe(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return false;
    if (S_ISDIR(st.st_mode)) {
        _cleanup_free_ char *p = viv_xasprintf("%s/oci-layout", path);
        return access(p, R_OK) == 0;
    }
    char head[2];
    return image_tar_peek(path, "oci-layout", head, sizeof(head));
}
