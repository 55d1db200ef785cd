/* fs.c: directory creation and removal, atomic writes, whole-file reads. */
#include "base.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

int viv_mkdir_p(const char *path, mode_t mode, struct viv_error *err)
{
    char *p = viv_xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, mode) < 0 && errno != EEXIST) {
                viv_fail(err, errno, "create directory '%s'", p);
                free(p);
                return -1;
            }
            *s = c;
            if (!c)
                break;
        }
    }
    free(p);
    return 0;
}

/* Deeper than this, a directory is moved up to the top of the tree being removed, to be emptied
 * by a later pass, rather than descended into: the tree's depth may be a guest's to choose (an
 * instance's writable layer), and neither viv's stack nor its descriptors may bound what it
 * can remove. */
#define RM_DEPTH_MAX 32

struct rm_walk {
    int top;       /* the tree's top, where a deep directory is moved */
    unsigned next; /* for the moved ones' names */
    bool moved;    /* one was moved in this pass */
    struct viv_error *err;
};

/* Move the directory name of dir up to the top under a fresh name: 1 done, 0 not (the
 * filesystem has no RENAME_NOREPLACE), -1 on failure. */
static int move_up(struct rm_walk *w, int dir, const char *name)
{
    /* Moving a directory rewrites its "..": one its owner made read-only must be made writable
     * first, or a rootless caller cannot move it. */
    fchmodat(dir, name, 0700, AT_SYMLINK_NOFOLLOW);
    for (int tries = 0; tries < 64; tries++) {
        char fresh[32];
        snprintf(fresh, sizeof(fresh), ".rm-deep.%u", w->next++);
        if (renameat2(dir, name, w->top, fresh, RENAME_NOREPLACE) == 0)
            return w->moved = true, 1;
        if (errno == EINVAL || errno == ENOSYS)
            return 0;
        if (errno != EEXIST)
            return viv_fail(w->err, errno, "remove '%s'", name);
    }
    return viv_fail(w->err, EEXIST, "remove '%s'", name);
}

/* Remove everything in the directory fd (taken, closed here). */
static int empty_dir(struct rm_walk *w, int fd, const char *name, int depth)
{
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return viv_fail(w->err, errno, "read directory '%s'", name);
    }
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        const char *n = de->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        if (unlinkat(dirfd(d), n, 0) == 0 || errno == ENOENT)
            continue;
        if (errno != EISDIR && errno != EPERM && errno != EACCES) {
            rc = viv_fail(w->err, errno, "remove '%s'", n);
            break;
        }
        int up = depth >= RM_DEPTH_MAX ? move_up(w, dirfd(d), n) : 0;
        if (up != 0) {
            rc = up < 0 ? -1 : 0;
            continue;
        }
        /* A read-only directory (a checkout of a 0555 dir) must be made writable to empty it;
         * never through a symlink. */
        fchmodat(dirfd(d), n, 0700, AT_SYMLINK_NOFOLLOW);
        int child = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (child < 0)
            rc = viv_fail(w->err, errno, "open directory '%s'", n);
        else if ((rc = empty_dir(w, child, n, depth + 1)) == 0 &&
                 unlinkat(dirfd(d), n, AT_REMOVEDIR) < 0 && errno != ENOENT)
            rc = viv_fail(w->err, errno, "remove directory '%s'", n);
    }
    if (rc < 0)
        viv_wrap(w->err, "%s", name);
    closedir(d);
    return rc;
}

int viv_rm_rf_at(int dirfd, const char *name, struct viv_error *err)
{
    if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
        return 0;
    if (errno != EISDIR && errno != EPERM && errno != EACCES)
        return viv_fail(err, errno, "remove '%s'", name);
    fchmodat(dirfd, name, 0700, AT_SYMLINK_NOFOLLOW);
    struct rm_walk w = {.err = err};
    w.top = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (w.top < 0)
        return viv_fail(err, errno, "open directory '%s'", name);
    int rc = 0;
    do {
        w.moved = false;
        /* Read afresh each pass, from its start: what was moved up is in it now. */
        int fd = openat(w.top, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        rc =
            fd < 0 ? viv_fail(err, errno, "open directory '%s'", name) : empty_dir(&w, fd, name, 0);
    } while (rc == 0 && w.moved);
    close(w.top);
    if (rc == 0 && unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return viv_fail(err, errno, "remove directory '%s'", name);
    return rc;
}

int viv_rm_rf(const char *path, struct viv_error *err)
{
    return viv_rm_rf_at(AT_FDCWD, path, err);
}

int viv_fsync_path(const char *path, struct viv_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return viv_fail(err, errno, "open '%s' to sync", path);
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    if (rc < 0)
        return viv_fail(err, e, "sync '%s'", path);
    return 0;
}

int viv_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int viv_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                          struct viv_error *err)
{
    char hex[17];
    if (viv_random_hex(hex, 8, err) < 0)
        return -1;
    _cleanup_free_ char *tmp = viv_xasprintf("%s.tmp-%s", path, hex);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return viv_fail(err, errno, "create '%s'", tmp);
    if (viv_write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return viv_fail(err, e, "write '%s'", tmp);
    }
    close(fd);
    if (rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return viv_fail(err, e, "rename '%s' to '%s'", tmp, path);
    }
    char *slash = strrchr(path, '/');
    if (slash) {
        _cleanup_free_ char *dir = strndup(path, (size_t)(slash - path));
        if (dir && viv_fsync_path(*dir ? dir : "/", err) < 0)
            return -1;
    }
    return 0;
}

int viv_read_fd(int fd, const char *name, size_t max, char **data, size_t *len,
                struct viv_error *err)
{
    size_t cap = 4096, n = 0;
    char *buf = viv_xmalloc(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                free(buf);
                return viv_fail(err, EFBIG, "read '%s': larger than %zu bytes", name, max);
            }
            cap *= 2;
            buf = viv_xrealloc(buf, cap + 1);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            return viv_fail(err, e, "read '%s'", name);
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    if (n > max) {
        free(buf);
        return viv_fail(err, EFBIG, "read '%s': larger than %zu bytes", name, max);
    }
    buf[n] = '\0';
    *data = buf;
    if (len)
        *len = n;
    return 0;
}

int viv_read_file(const char *path, size_t max, char **data, size_t *len, struct viv_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return viv_fail(err, errno, "open '%s'", path);
    int rc = viv_read_fd(fd, path, max, data, len, err);
    close(fd);
    return rc;
}

int viv_random_hex(char *out, size_t nbytes, struct viv_error *err)
{
    unsigned char raw[64];
    if (nbytes > sizeof(raw))
        nbytes = sizeof(raw);
    if (getrandom(raw, nbytes, 0) != (ssize_t)nbytes)
        return viv_fail(err, errno, "getrandom");
    for (size_t i = 0; i < nbytes; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    return 0;
}

DIR *viv_opendir_at(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    DIR *d = fdopendir(fd);
    if (!d) {
        int e = errno;
        close(fd);
        errno = e;
    }
    return d;
}

ssize_t viv_fd_link(int fd, char *buf, size_t len)
{
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buf, len - 1);
    if (n >= 0)
        buf[n] = '\0';
    return n;
}
