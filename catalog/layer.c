/* layer.c: instances' writable layers on disk, layers/<random>/ under the catalog's home: what a
 * guest writes to its root lands on the catalog's filesystem, as a container's does under podman,
 * not in memory. A layer is held (flock) for as long as its run lasts and removed after it; one
 * that a killed viv left behind is swept after the next run that makes one. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A layer this young may be one whose run has made it and not yet locked it. */
#define LAYER_GRACE_SECONDS 60

static int layers_dir(struct viv_catalog *c, struct viv_error *err)
{
    if (mkdirat(c->fd, "layers", 0700) < 0 && errno != EEXIST)
        return viv_fail(err, errno, "create '%s/layers'", c->home);
    int fd = openat(c->fd, "layers", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return viv_fail(err, errno, "open '%s/layers'", c->home);
    return fd;
}

/* Remove the layers no run holds. Best effort: what cannot go now is tried again next time. */
static void sweep(int layers)
{
    if (layers < 0)
        return;
    DIR *d = viv_opendir_at(layers, ".");
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        int fd = openat(layers, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0 || now - st.st_mtime < LAYER_GRACE_SECONDS ||
            flock(fd, LOCK_EX | LOCK_NB) < 0) {
            if (fd >= 0)
                close(fd);
            continue;
        }
        struct viv_error ignored;
        viv_rm_rf_at(layers, de->d_name, &ignored);
        close(fd);
    }
    closedir(d);
}

int catalog_layer_new(struct viv_catalog *c, struct catalog_layer *l, struct viv_error *err)
{
    l->fd = -1;
    l->path = NULL;
    _cleanup_close_ int layers = layers_dir(c, err);
    if (layers < 0)
        return -1;
    if (viv_random_hex(l->name, 16, err) < 0)
        return -1;
    if (mkdirat(layers, l->name, 0700) < 0)
        return viv_fail(err, errno, "create a writable layer in '%s/layers'", c->home);
    l->fd = openat(layers, l->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (l->fd < 0 || flock(l->fd, LOCK_EX) < 0) {
        viv_fail(err, errno, "open the writable layer '%s/layers/%s'", c->home, l->name);
        catalog_layer_remove(c, l);
        return -1;
    }
    l->path = viv_xasprintf("%s/layers/%s", c->home, l->name);
    return 0;
}

void catalog_layers_sweep(struct viv_catalog *c)
{
    int layers = openat(c->fd, "layers", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    sweep(layers);
    if (layers >= 0)
        close(layers);
}

void catalog_layer_remove(struct viv_catalog *c, struct catalog_layer *l)
{
    if (l->fd < 0)
        return;
    struct viv_error ignored;
    int layers = openat(c->fd, "layers", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (layers >= 0) {
        viv_rm_rf_at(layers, l->name, &ignored);
        /* Others a killed viv left, after the run rather than before its guest starts: one that a
         * hostile guest made large or deep must not delay the next job's start. */
        sweep(layers);
        close(layers);
    }
    close(l->fd);
    l->fd = -1;
    free(l->path);
    l->path = NULL;
}
