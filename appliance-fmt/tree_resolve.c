/* tree_resolve.c: follow a path through an image tree's symlinks, confined to the tree's root. */
#include "appliance.h"

#include <errno.h>
#include <string.h>

#define RESOLVE_MAX_LINKS 40

/* Drop the last component of a resolved path ("a/b" -> "a", "a" -> ""). */
static void pop_component(char *path)
{
    char *slash = strrchr(path, '/');
    if (slash)
        *slash = '\0';
    else
        path[0] = '\0';
}

int tree_resolve(const struct viv_tree *t, const char *path, char **resolved, struct viv_error *err)
{
    /* pending holds what is left to walk; done is the resolved prefix (clean, relative). */
    char *pending = viv_xstrdup(path);
    char *done = viv_xstrdup("");
    int links = 0;
    size_t pos = 0;
    for (;;) {
        while (pending[pos] == '/')
            pos++;
        if (!pending[pos])
            break;
        size_t len = strcspn(pending + pos, "/");
        const char *comp = pending + pos;
        pos += len;
        if (len == 1 && comp[0] == '.')
            continue;
        if (len == 2 && comp[0] == '.' && comp[1] == '.') {
            pop_component(done);
            continue;
        }
        char *next = done[0] ? viv_xasprintf("%s/%.*s", done, (int)len, comp)
                             : viv_xasprintf("%.*s", (int)len, comp);
        const struct viv_node *n = tree_lookup(t, next);
        if (!n) {
            viv_fail(err, ENOENT, "'%s'", path);
            free(next);
            goto fail;
        }
        if (n->type == VIV_NODE_SYMLINK) {
            if (++links > RESOLVE_MAX_LINKS) {
                viv_fail(err, ELOOP, "'%s'", path);
                free(next);
                goto fail;
            }
            /* Splice the target in front of what is left; absolute targets restart at root. */
            char *rest = viv_xasprintf("%s/%s", n->target, pending + pos);
            free(pending);
            pending = rest;
            pos = 0;
            if (n->target[0] == '/')
                done[0] = '\0';
            free(next);
            continue;
        }
        if (pending[pos] == '/' && n->type != VIV_NODE_DIR) {
            /* Only a directory may have more path after it. */
            size_t k = pos;
            while (pending[k] == '/')
                k++;
            if (pending[k]) {
                viv_fail(err, ENOTDIR, "'%s'", path);
                free(next);
                goto fail;
            }
        }
        free(done);
        done = next;
    }
    free(pending);
    *resolved = done;
    return 0;
fail:
    free(pending);
    free(done);
    return -1;
}
