/* fuzz_manifest.c: hostile bytes into manifest_parse; what parses must print stably. */
#include "appliance-fmt/appliance.h"

#include <string.h>

static void require(bool ok, const char *what, const char *a, const char *b)
{
    if (ok)
        return;
    fprintf(stderr, "fuzz_manifest: %s\n--- first\n%s\n--- second\n%s\n", what, a, b);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct viv_manifest m;
    struct viv_error err = {0};
    if (manifest_parse((const char *)data, size, &m, &err) < 0) {
        /* Every refusal says something, on one line. */
        require(err.msg[0] != '\0' && !strchr(err.msg, '\n'), "bad error message", err.msg, "");
        return 0;
    }
    require((m.entrypoint.n > 0 || m.cmd.n > 0) && m.modes != 0 && m.workdir[0] == '/', "invariants", m.name, "");
    for (int pretty = 0; pretty < 2; pretty++) {
        char *a = manifest_print(&m, pretty);
        struct viv_manifest again;
        int r = manifest_parse(a, strlen(a), &again, &err);
        require(r == 0, "printed manifest does not parse", a, err.msg);
        char *b = manifest_print(&again, pretty);
        require(strcmp(a, b) == 0, "print(parse(print(x))) != print(x)", a, b);
        struct viv_manifest copy;
        manifest_copy(&copy, &again);
        char *ida = manifest_canonical_for_id(&m), *idb = manifest_canonical_for_id(&copy);
        require(strcmp(ida, idb) == 0, "canonical form differs after a copy", ida, idb);
        free(a), free(b), free(ida), free(idb);
        manifest_free(&again);
        manifest_free(&copy);
    }
    manifest_free(&m);
    return 0;
}
