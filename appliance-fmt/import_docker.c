/* import_docker.c: import a `docker save` / `podman save` tarball (manifest.json is an array). */
#include "appliance-fmt/internal.h"

#include <errno.h>
#include <string.h>

/* docker's image spec v1.2 archive: manifest.json = [{"Config", "RepoTags", "Layers"}]. Member
 * paths come from the archive itself, so they are checked like entry names. */
static const char *member_path(json_t *v, const char *what, struct viv_error *err)
{
    const char *p = json_string_value(v);
    if (!p) {
        viv_fail(err, 0, "manifest.json: %s is not a string", what);
        return NULL;
    }
    p = ain_entry_name(p);
    if (!tree_path_clean(p)) {
        viv_fail(err, 0, "manifest.json: %s '%s' is not a clean relative path", what, p);
        return NULL;
    }
    return p;
}

/* Newer writers name blobs by digest ("blobs/sha256/<hex>"); older ones name the config
 * "<hex>.json". Layer paths "<id>/layer.tar" carry no content digest. */
static const char *path_digest(const char *p, bool config, char hex[65])
{
    if (strncmp(p, "blobs/sha256/", 13) == 0 && viv_digest_valid(p + 13)) {
        memcpy(hex, p + 13, 65);
        return hex;
    }
    size_t len = strlen(p);
    if (config && len == 69 && strcmp(p + 64, ".json") == 0) {
        memcpy(hex, p, 64);
        hex[64] = '\0';
        if (viv_digest_valid(hex))
            return hex;
    }
    return NULL;
}

static int import_saved(struct image_src *s, const char *path, const struct viv_content_sink *sink,
                        struct viv_import *out, struct viv_error *err)
{
    _cleanup_free_ char *text = NULL, *config = NULL, *name = NULL, *tag = NULL;
    size_t len, clen;
    if (image_src_json(s, "manifest.json", NULL, IMAGE_JSON_MAX, &text, &len, err) < 0)
        return -1;
    json_error_t je;
    json_t *root = json_loadb(text, len, 0, &je);
    int rc = -1;
    if (!root || !json_is_array(root)) {
        viv_fail(err, 0, "manifest.json: not a JSON array%s%s", root ? "" : ": ",
                 root ? "" : je.text);
        goto out;
    }
    if (json_array_size(root) != 1) {
        viv_fail(err, 0, "manifest.json: holds %zu images; save exactly one",
                 json_array_size(root));
        goto out;
    }
    json_t *img = json_array_get(root, 0);
    json_t *layers = json_object_get(img, "Layers");
    if (!json_is_object(img) || !json_is_array(layers)) {
        viv_fail(err, 0, "manifest.json: [0] has no 'Layers' array");
        goto out;
    }
    char hex[65];
    const char *cpath = member_path(json_object_get(img, "Config"), "[0].Config", err);
    if (!cpath)
        goto out;
    if (image_src_json(s, cpath, path_digest(cpath, true, hex), IMAGE_JSON_MAX, &config, &clen,
                       err) < 0)
        goto out;
    json_t *tags = json_object_get(img, "RepoTags");
    const char *ref = json_is_array(tags) ? json_string_value(json_array_get(tags, 0)) : NULL;
    image_ref_normalize(ref, path, &name, &tag);
    if (image_config_to_manifest(config, clen, name, tag, sink, &out->manifest, err) < 0)
        goto out;
    out->tree = tree_new();
    size_t i;
    json_t *l;
    json_array_foreach(layers, i, l) {
        char what[64];
        snprintf(what, sizeof(what), "[0].Layers[%zu]", i);
        const char *lpath = member_path(l, what, err);
        if (!lpath || image_src_layer(s, lpath, path_digest(lpath, false, hex), -1, out->tree,
                                      (unsigned)i + 1, err) < 0)
            goto out;
    }
    out->format = "docker";
    rc = 0;
out:
    json_decref(root);
    return rc;
}

int import_docker(const char *path, const struct viv_content_sink *sink, struct viv_import *out,
                  struct viv_error *err)
{
    return image_src_import(path, true, sink, import_saved, out, err);
}

bool import_docker_probe(const char *path)
{
    char head[64];
    if (!image_tar_peek(path, "manifest.json", head, sizeof(head)))
        return false;
    for (size_t i = 0; head[i]; i++)
        if (head[i] != ' ' && head[i] != '\n' && head[i] != '\t' && head[i] != '\r')
            return head[i] == '[';
    return false;
}
