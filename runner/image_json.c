/* image_json.c: an image as JSON, shared by `viv images --json` and `viv inspect`. */
#include "image_json.h"

#include <string.h>
#include <time.h>

static json_t *strv_json(const struct viv_strv *v)
{
    json_t *a = json_array();
    for (size_t i = 0; i < v->n; i++)
        json_array_append_new(a, json_string(v->v[i]));
    return a;
}

static json_t *time_json(int64_t t)
{
    char buf[64];
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

json_t *image_json(const struct viv_image *img, bool with_manifest)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(img->id));
    json_object_set_new(o, "names", strv_json(&img->refs));
    json_object_set_new(o, "arch", json_string(viv_arch_name(img->manifest.arch)));
    json_object_set_new(o, "size", json_integer((json_int_t)img->size));
    json_object_set_new(o, "files", json_integer((json_int_t)img->files));
    json_object_set_new(o, "created", time_json(img->created));
    if (with_manifest) {
        json_object_set_new(o, "rootfs", json_string(img->rootfs));
        _cleanup_free_ char *text = manifest_print(&img->manifest, true);
        json_object_set_new(o, "manifest", json_loads(text, 0, NULL));
    }
    return o;
}

int image_json_print(json_t *j)
{
    int rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    json_decref(j);
    return rc;
}
