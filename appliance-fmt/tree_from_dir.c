/* tree_from_dir.c: describe a directory on disk (a build's rootfs) as an image tree. */
#include "appliance-fmt/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define WALK_MAX_DEPTH 4096

struct walk {
    struct viv_tree *t;
    const char *dir;
    uid_t euid;
};

static int node_from_stat(struct walk *w, int dfd, const char *name, const char *path,
                          const struct stat *st, struct viv_node *n, struct viv_error *err)
{
    n->path = (char *)path;
    n->mode = st->st_mode & 07777;
    /* An unprivileged build and root's build of the same files give the same image. */
    if (st->st_uid == w->euid) {
        n->uid = 0;
        n->gid = 0;
    } else {
        n->uid = st->st_uid;
        n->gid = st->st_gid;
    }
    switch (st->st_mode & S_IFMT) {
    case S_IFDIR: n->type = VIV_NODE_DIR; return 0;
    case S_IFREG:
        n->type = VIV_NODE_REG;
        n->size = (uint64_t)st->st_size;
        return 0;
    case S_IFIFO: n->type = VIV_NODE_FIFO; return 0;
    case S_IFLNK: {
        size_t cap = (size_t)st->st_size + 1 > 256 ? (size_t)st->st_size + 1 : 256;
        for (;;) {
            n->target = viv_xmalloc(cap);
            ssize_t len = readlinkat(dfd, name, n->target, cap);
            if (len < 0) {
                free(n->target);
                n->target = NULL;
                return viv_fail(err, errno, "'%s/%s': read symlink", w->dir, path);
            }
            if ((size_t)len < cap) {
                n->target[len] = '\0';
                break;
            }
            free(n->target);
            cap *= 2;
        }
        n->type = VIV_NODE_SYMLINK;
        return 0;
    }
    case S_IFSOCK:
        return viv_fail(err, 0, "'%s/%s': is a socket; images hold no sockets", w->dir,
                        path);
    default:
        return viv_fail(err, 0, "'%s/%s': is a device node; images hold no device nodes "
                        "(the runtime provides /dev)", w->dir, path);
    }
}

static int walk_dir(struct walk *w, int dfd, const char *prefix, int depth, struct viv_error *err)
{
    if (depth > WALK_MAX_DEPTH)
        return viv_fail(err, 0, "'%s/%s': nested too deeply", w->dir, prefix);
    DIR *d = fdopendir(dfd);
    if (!d) {
        close(dfd);
        return viv_fail(err, errno, "'%s/%s': read directory", w->dir, prefix);
    }
    int rc = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        _cleanup_free_ char *path = prefix[0] ? viv_xasprintf("%s/%s", prefix, de->d_name)
                                              : viv_xstrdup(de->d_name);
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            rc = viv_fail(err, errno, "'%s/%s': stat", w->dir, path);
            break;
        }
        struct viv_node n = {0};
        if (node_from_stat(w, dirfd(d), de->d_name, path, &st, &n, err) < 0) {
            rc = -1;
            break;
        }
        rc = tree_add(w->t, &n, err);
        free(n.target);
        if (rc < 0)
            break;
        if (n.type == VIV_NODE_DIR) {
            int sub = openat(dirfd(d), de->d_name,
                             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                rc = viv_fail(err, errno, "'%s/%s': open directory", w->dir, path);
                break;
            }
            if ((rc = walk_dir(w, sub, path, depth + 1, err)) < 0)
                break;
        }
        errno = 0;
    }
    if (rc == 0 && errno)
        rc = viv_fail(err, errno, "'%s/%s': read directory", w->dir, prefix);
    closedir(d);
    return rc;
}

int tree_from_dir(const char *dir, struct viv_tree **out, struct viv_error *err)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return viv_fail(err, errno, "open directory '%s'", dir);
    struct stat st;
    if (fstat(dfd, &st) < 0) {
        close(dfd);
        return viv_fail(err, errno, "stat '%s'", dir);
    }
    struct walk w = {.t = tree_new(), .dir = dir, .euid = geteuid()};
    struct viv_node root = {0};
    int rc = node_from_stat(&w, dfd, ".", "", &st, &root, err);
    if (rc == 0)
        rc = tree_add(w.t, &root, err);
    if (rc == 0)
        rc = walk_dir(&w, dfd, "", 0, err); /* takes dfd */
    else
        close(dfd);
    if (rc < 0) {
        tree_free(w.t);
        return -1;
    }
    *out = w.t;
    return 0;
}
