/* catalog/image_id.c: an image's id, the digest of its manifest and tree. Apart from the rest of
 * the image code: what hashes belongs to imports, which `viv run` leaves to viv-full. */
#include "catalog/internal.h"

#include <string.h>

void catalog_image_id(const struct viv_manifest *m, struct viv_tree *t, char id[65])
{
    _cleanup_free_ char *canon = manifest_canonical_for_id(m);
    _cleanup_free_ char *tree = tree_to_json(t);
    static const char magic[] = "viv-image 1\n";
    struct viv_sha256 *h = viv_sha256_new();
    viv_sha256_update(h, magic, sizeof(magic) - 1);
    viv_sha256_update(h, canon, strlen(canon));
    viv_sha256_update(h, "\n", 1);
    viv_sha256_update(h, tree, strlen(tree));
    viv_sha256_final(h, id);
}
