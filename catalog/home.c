/* catalog/home.c: finding, creating and opening the catalog folder; staging folders and sweeping. */
#include "catalog/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* A staging folder gets its lock file a moment after it is created (the lock is taken under a
 * temporary name and renamed to "lock", so "lock" is never seen unlocked while its owner lives).
 * One without a lock file is abandoned only once it is older than this. */
#define STAGING_GRACE_SECONDS 60

static const char *const subdirs[] = {"objects", "images", "refs", "staging"};

/* The home folder /etc/passwd gives uid, or NULL. Read from the file itself: viv is linked
 * statically, where glibc's name-service lookups would need its shared modules at run time. */
static char *passwd_home(uid_t uid)
{
    FILE *f = fopen("/etc/passwd", "re");
    if (!f)
        return NULL;
    char *dir = NULL;
    struct passwd *pw;
    while (!dir && (pw = fgetpwent(f)))
        if (pw->pw_uid == uid && pw->pw_dir && *pw->pw_dir)
            dir = viv_xstrdup(pw->pw_dir);
    fclose(f);
    return dir;
}

char *catalog_default_home(void)
{
    const char *v = getenv("VIV_HOME");
    if (v && *v)
        return viv_xstrdup(v);
    const char *xdg = getenv("XDG_DATA_HOME");
    if (xdg && *xdg)
        return viv_xasprintf("%s/vivarium", xdg);
    if (geteuid() == 0)
        return viv_xstrdup("/var/lib/vivarium");
    const char *home = getenv("HOME");
    if (home && *home)
        return viv_xasprintf("%s/.local/share/vivarium", home);
    char *dir = passwd_home(geteuid());
    char *path = viv_xasprintf("%s/.local/share/vivarium", dir ? dir : "");
    free(dir);
    return path;
}

const char *catalog_home(const struct viv_catalog *c)
{
    return c->home;
}

void catalog_advise(struct viv_error *err)
{
    if (!err || (err->code != ENOSPC && err->code != EDQUOT) || strstr(err->msg, "viv prune"))
        return;
    size_t n = strlen(err->msg);
    snprintf(err->msg + n, sizeof(err->msg) - n, " (free space with `viv prune`)");
}

void catalog_close(struct viv_catalog *c)
{
    if (!c)
        return;
    int *fds[] = {&c->fd, &c->objects_fd, &c->images_fd, &c->refs_fd, &c->staging_fd};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(fds); i++)
        if (*fds[i] >= 0)
            close(*fds[i]);
    free(c->home);
    free(c);
}

static int open_dir_at(int at, const char *name, const char *home, int *out, struct viv_error *err)
{
    /* Made only when missing: every command opens the catalog, and it is there but once. */
    int fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) {
        if (mkdirat(at, name, 0700) < 0 && errno != EEXIST) {
            viv_fail(err, errno, "create '%s/%s'", home, name);
            catalog_advise(err);
            return -1;
        }
        fd = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    if (fd < 0)
        return viv_fail(err, errno, "open '%s/%s' (is the catalog damaged? `viv fsck` says)", home,
                        name);
    *out = fd;
    return 0;
}

int catalog_open(const char *home, struct viv_catalog **out, struct viv_error *err)
{
    _cleanup_free_ char *def = home ? NULL : catalog_default_home();
    const char *path = home ? home : def;
    struct stat sb;
    if (stat(path, &sb) < 0 && errno == ENOENT && viv_mkdir_p(path, 0700, err) < 0) {
        catalog_advise(err);
        return viv_wrap(err, "catalog '%s' (set VIV_HOME to a writable folder)", path);
    }
    if (stat(path, &sb) < 0)
        return viv_fail(err, errno, "catalog '%s'", path);
    if (!S_ISDIR(sb.st_mode))
        return catalog_fail_rule(
            err, ENOTDIR, "catalog '%s' is not a directory (set VIV_HOME to a writable folder)",
            path);
    if (access(path, W_OK | X_OK) < 0) {
        viv_fail(err, errno, "catalog '%s' is not writable", path);
        size_t n = strlen(err->msg);
        snprintf(err->msg + n, sizeof(err->msg) - n, " (set VIV_HOME to a writable folder)");
        return -1;
    }
    char *abs = realpath(path, NULL);
    if (!abs)
        return viv_fail(err, errno, "catalog '%s'", path);

    struct viv_catalog *c = viv_xcalloc(1, sizeof(*c));
    c->home = abs;
    c->objects_fd = c->images_fd = c->refs_fd = c->staging_fd = -1;
    c->root = geteuid() == 0;
    c->fd = open(abs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (c->fd < 0) {
        viv_fail(err, errno, "open catalog '%s'", abs);
        catalog_close(c);
        return -1;
    }
    int *fds[] = {&c->objects_fd, &c->images_fd, &c->refs_fd, &c->staging_fd};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(subdirs); i++) {
        if (open_dir_at(c->fd, subdirs[i], abs, fds[i], err) < 0) {
            catalog_close(c);
            return -1;
        }
    }
    *out = c;
    return 0;
}

int catalog_staging_new(struct viv_catalog *c, struct catalog_staging *st, struct viv_error *err)
{
    /* What an import killed midway left is removed by the next one, not by every command that
     * opens the catalog: a run only reads it, and would pay for the look (prune and fsck sweep
     * too). */
    st->fd = st->lock_fd = st->objects_fd = -1;
    if (catalog_staging_sweep(c, NULL, err) < 0)
        return -1;
    if (viv_random_hex(st->name, 16, err) < 0)
        return -1;
    if (mkdirat(c->staging_fd, st->name, 0700) < 0)
        goto fail;
    st->fd = openat(c->staging_fd, st->name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (st->fd < 0)
        goto fail;
    st->lock_fd = openat(st->fd, "lock.new", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (st->lock_fd < 0 || flock(st->lock_fd, LOCK_EX) < 0 ||
        renameat(st->fd, "lock.new", st->fd, "lock") < 0)
        goto fail;
    if (mkdirat(st->fd, "objects", 0700) < 0)
        goto fail;
    st->objects_fd = openat(st->fd, "objects", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (st->objects_fd < 0)
        goto fail;
    return 0;
fail:
    viv_fail(err, errno, "create staging folder '%s/staging/%s'", c->home, st->name);
    catalog_advise(err);
    catalog_staging_discard(c, st);
    return -1;
}

void catalog_staging_discard(struct viv_catalog *c, struct catalog_staging *st)
{
    if (st->fd >= 0) {
        struct viv_error ignored;
        viv_rm_rf_at(c->staging_fd, st->name, &ignored);
    }
    int *fds[] = {&st->objects_fd, &st->fd, &st->lock_fd};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(fds); i++) {
        if (*fds[i] >= 0)
            close(*fds[i]);
        *fds[i] = -1;
    }
}

bool catalog_staging_stale(struct viv_catalog *c, const char *name, int *lock_fd)
{
    struct stat sb;
    if (fstatat(c->staging_fd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0)
        return false;
    if (!S_ISDIR(sb.st_mode))
        return true; /* nothing we create; cannot be anyone's work */
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/lock", name);
    int fd = openat(c->staging_fd, path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT && time(NULL) - sb.st_mtime > STAGING_GRACE_SECONDS;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        close(fd);
        return false;
    }
    if (lock_fd)
        *lock_fd = fd;
    else
        close(fd);
    return true;
}

int catalog_staging_sweep(struct viv_catalog *c, size_t *count, struct viv_error *err)
{
    DIR *d = viv_opendir_at(c->staging_fd, ".");
    if (!d)
        return viv_fail(err, errno, "read '%s/staging'", c->home);
    size_t n = 0;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        int lfd = -1;
        if (!catalog_staging_stale(c, de->d_name, &lfd))
            continue;
        rc = viv_rm_rf_at(c->staging_fd, de->d_name, err);
        if (lfd >= 0)
            close(lfd);
        if (rc < 0) {
            viv_wrap(err, "remove abandoned staging folder '%s/staging'", c->home);
            break;
        }
        n++;
    }
    closedir(d);
    if (count)
        *count = n;
    return rc;
}

int catalog_fail_rule(struct viv_error *err, int code, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    err->code = code;
    return -1;
}
