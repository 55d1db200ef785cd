/* catalog/ref.c: names and tags (refs/<name>/<tag> files), resolving and tagging images. */
#include "catalog/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

/* A ref becomes a path: refuse what would not stay a plain path below refs/ ("a/../b", "."). */
static int ref_path_check(const char *name, const char *tag, struct viv_error *err)
{
    if (!viv_name_valid(name))
        return catalog_fail_rule(err, EINVAL, "image name '%s' is not valid", name);
    if (!viv_tag_valid(tag) || strcmp(tag, ".") == 0 || strcmp(tag, "..") == 0)
        return catalog_fail_rule(err, EINVAL, "image tag '%s' is not valid", tag);
    if (!tree_path_clean(name))
        return catalog_fail_rule(
            err, EINVAL, "image name '%s' has an empty, '.' or '..' component between slashes",
            name);
    return 0;
}

/* Tags may not start with '#': such names in refs/ are temporary files of a ref being written. */
static bool ref_entry_is_tag(const char *d_name)
{
    return d_name[0] != '#' && strcmp(d_name, ".") != 0 && strcmp(d_name, "..") != 0 &&
           viv_tag_valid(d_name);
}

static int parse_ref_file(int fd, char id[65])
{
    char buf[80];
    ssize_t r = pread(fd, buf, sizeof(buf) - 1, 0);
    if (r < 0)
        return -1;
    buf[r] = '\0';
    if (r == 65 && buf[64] == '\n') {
        buf[64] = '\0';
        if (viv_digest_valid(buf)) {
            memcpy(id, buf, 65);
            return 0;
        }
    }
    id[0] = '\0';
    return 0;
}

int catalog_ref_read(struct viv_catalog *c, const char *name, const char *tag, char id[65],
                     struct viv_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", name, tag);
    _cleanup_close_ int fd = openat(c->refs_fd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
            return 0;
        return viv_fail(err, errno, "read ref %s:%s", name, tag);
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0)
        return viv_fail(err, errno, "read ref %s:%s", name, tag);
    if (!S_ISREG(sb.st_mode))
        return 0;
    if (parse_ref_file(fd, id) < 0)
        return viv_fail(err, errno, "read ref %s:%s", name, tag);
    if (!id[0])
        return catalog_fail_rule(err, EINVAL,
                                 "ref %s:%s does not hold an image id (run `viv fsck`)", name, tag);
    return 1;
}

int catalog_ref_write(struct viv_catalog *c, const char *name, const char *tag, const char *id,
                      struct viv_error *err)
{
    if (ref_path_check(name, tag, err) < 0)
        return -1;
    /* The name's folders, one component at a time. */
    _cleanup_close_ int dfd = -1;
    char dir[PATH_MAX];
    snprintf(dir, sizeof(dir), "%s", name);
    for (char *s = dir;; s++) {
        if (*s != '/' && *s)
            continue;
        char ch = *s;
        *s = '\0';
        struct stat sb;
        if (mkdirat(c->refs_fd, dir, 0700) < 0 && errno != EEXIST)
            goto fail;
        if (fstatat(c->refs_fd, dir, &sb, AT_SYMLINK_NOFOLLOW) < 0)
            goto fail;
        if (!S_ISDIR(sb.st_mode)) {
            char *last = strrchr(dir, '/');
            if (!last)
                return catalog_fail_rule(err, ENOTDIR,
                                         "write ref %s:%s: '%s/refs/%s' is not a folder", name, tag,
                                         c->home, dir);
            *last = '\0';
            return catalog_fail_rule(err, ENOTDIR, "ref %s:%s conflicts with the ref %s:%s", name,
                                     tag, dir, last + 1);
        }
        *s = ch;
        if (!ch)
            break;
    }
    dfd = openat(c->refs_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0)
        goto fail;
    struct stat sb;
    if (fstatat(dfd, tag, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode))
        return catalog_fail_rule(err, EISDIR, "ref %s:%s conflicts with the refs named '%s/%s/...'",
                                 name, tag, name, tag);
    char hex[17], tmp[32], line[66];
    if (viv_random_hex(hex, 8, err) < 0)
        return -1;
    snprintf(tmp, sizeof(tmp), "#tmp-%s", hex);
    snprintf(line, sizeof(line), "%s\n", id);
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        goto fail;
    if (viv_write_all(fd, line, 65) < 0 || fsync(fd) < 0) {
        int e = errno;
        close(fd);
        unlinkat(dfd, tmp, 0);
        errno = e;
        goto fail;
    }
    close(fd);
    if (renameat(dfd, tmp, dfd, tag) < 0) {
        int e = errno;
        unlinkat(dfd, tmp, 0);
        errno = e;
        goto fail;
    }
    if (fsync(dfd) < 0)
        goto fail;
    return 0;
fail:
    viv_fail(err, errno, "write ref %s:%s", name, tag);
    catalog_advise(err);
    return -1;
}

int catalog_ref_remove(struct viv_catalog *c, const char *name, const char *tag,
                       struct viv_error *err)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/%s", name, tag);
    if (unlinkat(c->refs_fd, path, 0) < 0 && errno != ENOENT)
        return viv_fail(err, errno, "remove ref %s:%s", name, tag);
    /* Empty folders of the name go with their last tag. */
    for (char *slash = strrchr(path, '/'); slash; slash = strrchr(path, '/')) {
        *slash = '\0';
        if (unlinkat(c->refs_fd, path, AT_REMOVEDIR) < 0)
            break;
    }
    return 0;
}

struct ref_list {
    struct catalog_ref *v;
    size_t n, cap;
};

static int walk(struct viv_catalog *c, const char *prefix, struct ref_list *l, int depth,
                struct viv_error *err)
{
    if (depth > 128)
        return catalog_fail_rule(err, ELOOP, "refs/%s: nested too deep", prefix);
    DIR *d = viv_opendir_at(c->refs_fd, *prefix ? prefix : ".");
    if (!d)
        return viv_fail(err, errno, "read '%s/refs/%s'", c->home, prefix);
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        if (!ref_entry_is_tag(de->d_name))
            continue;
        struct stat sb;
        if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
            continue; /* removed meanwhile */
        _cleanup_free_ char *sub =
            *prefix ? viv_xasprintf("%s/%s", prefix, de->d_name) : viv_xstrdup(de->d_name);
        if (S_ISDIR(sb.st_mode)) {
            rc = walk(c, sub, l, depth + 1, err);
            continue;
        }
        if (!S_ISREG(sb.st_mode) || !*prefix)
            continue;
        int rfd = openat(dirfd(d), de->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (rfd < 0)
            continue;
        struct catalog_ref r = {.name = viv_xstrdup(prefix), .tag = viv_xstrdup(de->d_name)};
        if (parse_ref_file(rfd, r.id) < 0)
            r.id[0] = '\0';
        close(rfd);
        if (l->n == l->cap) {
            l->cap = l->cap ? 2 * l->cap : 16;
            l->v = viv_xrealloc(l->v, l->cap * sizeof(*l->v));
        }
        l->v[l->n++] = r;
    }
    closedir(d);
    return rc;
}

static int ref_cmp(const void *a, const void *b)
{
    const struct catalog_ref *x = a, *y = b;
    int r = strcmp(x->name, y->name);
    return r ? r : strcmp(x->tag, y->tag);
}

int catalog_refs_list(struct viv_catalog *c, struct catalog_ref **refs, size_t *n,
                      struct viv_error *err)
{
    struct ref_list l = {0};
    if (walk(c, "", &l, 0, err) < 0) {
        catalog_refs_free(l.v, l.n);
        return -1;
    }
    if (l.n)
        qsort(l.v, l.n, sizeof(*l.v), ref_cmp);
    *refs = l.v;
    *n = l.n;
    return 0;
}

void catalog_refs_free(struct catalog_ref *refs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(refs[i].name);
        free(refs[i].tag);
    }
    free(refs);
}

static bool is_hex_prefix(const char *s)
{
    size_t n = strlen(s);
    if (n < 4 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* 1 and id set on a unique match, 0 when nothing matches, -1 on error or ambiguity. */
static int resolve_prefix(struct viv_catalog *c, const char *prefix, char id[65],
                          struct viv_error *err)
{
    char(*ids)[65];
    size_t n, hits = 0;
    if (catalog_image_ids(c, &ids, &n, err) < 0)
        return -1;
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < n; i++) {
        if (strncmp(ids[i], prefix, pl) == 0) {
            if (!hits)
                memcpy(id, ids[i], 65);
            hits++;
        }
    }
    free(ids);
    if (hits > 1)
        return catalog_fail_rule(err, EINVAL, "ambiguous image id prefix '%s' (%zu images)", prefix,
                                 hits);
    return hits == 1;
}

int catalog_resolve_ref(struct viv_catalog *c, const char *image, char id[65], char **name,
                        char **tag, struct viv_error *err)
{
    *name = *tag = NULL;
    char *n = NULL, *t = NULL;
    struct viv_error perr = {0};
    bool parsed = viv_ref_parse(image, &n, &t, &perr) == 0;
    if (parsed && !t)
        t = viv_xstrdup("latest");
    if (parsed) {
        int rc = catalog_ref_read(c, n, t, id, err);
        /* "localhost/app", "docker.io/library/alpine": an import keeps a reference's last part
         * as the name (image_ref_normalize), so a lookup does too where the whole is none. */
        const char *last = strrchr(n, '/');
        if (rc == 0 && last && last[1] && (rc = catalog_ref_read(c, last + 1, t, id, err)) == 1) {
            char *shorter = viv_xstrdup(last + 1);
            free(n);
            n = shorter;
        }
        if (rc == 1 && !catalog_image_exists(c, id))
            rc = catalog_fail_rule(err, ENOENT,
                                   "ref %s:%s names image %.*s, which does not exist "
                                   "(run `viv fsck`)",
                                   n, t, CATALOG_SHORT_ID, id);
        if (rc != 0) {
            if (rc == 1) {
                *name = n;
                *tag = t;
                return 0;
            }
            free(n);
            free(t);
            return -1;
        }
    }
    if (is_hex_prefix(image)) {
        int rc = resolve_prefix(c, image, id, err);
        if (rc != 0) {
            free(n);
            free(t);
            return rc < 0 ? -1 : 0;
        }
    }
    if (parsed) {
        catalog_fail_rule(err, ENOENT, "no image '%s:%s'", n, t);
        free(n);
        free(t);
        return -1;
    }
    if (is_hex_prefix(image))
        return catalog_fail_rule(err, ENOENT, "no image '%s'", image);
    *err = perr;
    return -1;
}

int catalog_resolve(struct viv_catalog *c, const char *image, char id[65], struct viv_error *err)
{
    char *name, *tag;
    if (catalog_resolve_ref(c, image, id, &name, &tag, err) < 0)
        return -1;
    free(name);
    free(tag);
    return 0;
}

int catalog_tag(struct viv_catalog *c, const char *image, const char *ref, struct viv_error *err)
{
    _cleanup_free_ char *name = NULL, *tag = NULL;
    if (viv_ref_parse(ref, &name, &tag, err) < 0)
        return -1;
    if (!tag)
        tag = viv_xstrdup("latest");
    if (ref_path_check(name, tag, err) < 0)
        return -1;
    _cleanup_close_ int lock = -1;
    if (catalog_lock(c, "refs.lock", LOCK_EX, &lock, err) < 0)
        return -1;
    char id[65];
    if (catalog_resolve(c, image, id, err) < 0)
        return -1;
    return catalog_ref_write(c, name, tag, id, err);
}
