/* fuzz_archive.c: feed arbitrary bytes to the .viv reader (tar, filters, entry rules, tree). */
#include "appliance-fmt/internal.h"

#include <string.h>

/* The catalog's work without its disk: hash content, fill the digest. */
static int fuzz_store(void *ctx, struct viv_node *node, struct viv_content_reader *in,
                      struct viv_error *err)
{
    (void)ctx;
    static char buf[65536];
    struct viv_sha256 *h = viv_sha256_new();
    ssize_t n;
    while ((n = in->read(in->ctx, buf, sizeof(buf), err)) > 0)
        viv_sha256_update(h, buf, (size_t)n);
    viv_sha256_final(h, node->digest);
    return n < 0 ? -1 : 0;
}

static void fuzz_warn(void *ctx, const char *msg)
{
    (void)ctx;
    (void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct viv_content_sink sink = {.store = fuzz_store, .warn = fuzz_warn};
    struct viv_import imp;
    struct viv_error err;
    if (viv_read_memory(data, size, "fuzz.viv", &sink, &imp, &err) == 0) {
        /* Whatever was accepted must serialize and parse back. */
        char *json = tree_to_json(imp.tree);
        struct viv_tree *back;
        if (tree_from_json(json, strlen(json), &back, &err) != 0)
            __builtin_trap();
        tree_free(back);
        free(json);
        viv_import_free(&imp);
    }
    return 0;
}
