/* image_json.h: JSON views of images for the listing verbs (private to runner/). */
#ifndef VIV_RUNNER_IMAGE_JSON_H
#define VIV_RUNNER_IMAGE_JSON_H

#include "catalog/catalog.h"

#include <jansson.h>

json_t *image_json(const struct viv_image *img, bool with_manifest);
/* Print indented to stdout with a newline, and release j. */
int image_json_print(json_t *j);

#endif
