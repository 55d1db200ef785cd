/* catalog/lock.c: the two catalog-wide locks (gc.lock, refs.lock) taken with flock. */
#include "catalog/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>

/*
 * gc.lock: imports, fsck, export and df hold it shared; rm and prune hold it exclusive, so nothing
 * an import relies on (an object it found already present, an image it found already imported)
 * can vanish under it. refs.lock: every writer of refs/ holds it exclusive. Order: gc before refs.
 * flock locks belong to the open file description, so a killed process releases them at once.
 */
int catalog_lock(struct viv_catalog *c, const char *name, int op, int *fd, struct viv_error *err)
{
    int lfd = openat(c->fd, name, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lfd < 0) {
        viv_fail(err, errno, "open lock '%s/%s'", c->home, name);
        catalog_advise(err);
        return -1;
    }
    while (flock(lfd, op) < 0) {
        if (errno == EINTR)
            continue;
        int e = errno;
        close(lfd);
        return viv_fail(err, e, "lock '%s/%s'", c->home, name);
    }
    *fd = lfd;
    return 0;
}
