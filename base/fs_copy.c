/* fs_copy.c: a directory's tree copied into another by fds alone: what is copied is never
 * followed through a symlink (a symlink is copied as one), so a tree that is not ours (an
 * image's) cannot lead the copy anywhere else. */
#include "base.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Owner and times as the source has them, where they can be set: an owner the caller's user
 * namespace does not map stays the caller's. */
static void keep_attrs(int to, const char *name, const struct stat *st, bool link)
{
    int nofollow = link ? AT_SYMLINK_NOFOLLOW : 0;
    (void)!fchownat(to, name, st->st_uid, st->st_gid, nofollow);
    /* After the owner: a chown clears the setuid and setgid bits. */
    if (!link)
        fchmodat(to, name, st->st_mode & 07777, 0);
    struct timespec times[2] = {st->st_atim, st->st_mtim};
    utimensat(to, name, times, nofollow);
}

/* The data of in (size bytes) into out, holes left holes: a sparse file of the image's must not
 * become one that fills the tmpfs. */
static int copy_data(int in, int out, off_t size)
{
    /* For where copy_file_range cannot go (across filesystems, the image's to a tmpfs): on the
     * heap, as this runs on whatever stack the caller has, a small one maybe. */
    _cleanup_free_ char *buf = NULL;
    off_t at = 0;
    while (at < size) {
        off_t data = lseek(in, at, SEEK_DATA);
        if (data < 0)
            return errno == ENXIO ? 0 : -1; /* only a hole is left */
        off_t hole = lseek(in, data, SEEK_HOLE);
        if (hole < 0)
            return -1;
        off_t from = data, to = data;
        while (from < hole) {
            ssize_t n = copy_file_range(in, &from, out, &to, (size_t)(hole - from), 0);
            if (n < 0 &&
                (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
                if (!buf)
                    buf = viv_xmalloc(65536);
                size_t want = (size_t)(hole - from) < 65536 ? (size_t)(hole - from) : 65536;
                n = pread(in, buf, want, from);
                if (n > 0 && pwrite(out, buf, (size_t)n, to) != n)
                    return -1;
                from += n > 0 ? n : 0;
                to += n > 0 ? n : 0;
            }
            if (n < 0)
                return -1;
            if (n == 0)
                return 0; /* shorter than it was */
        }
        at = hole;
    }
    return 0;
}

static int copy_file(int from, int to, const char *name, const struct stat *st,
                     struct viv_error *err)
{
    /* Non-blocking, and its type checked again once open: a tree that someone else changes
     * meanwhile (a -v bind's) may have put a fifo there, whose open would wait for a writer. */
    _cleanup_close_ int in = openat(from, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (in < 0)
        return viv_fail(err, errno, "open %s", name);
    struct stat now;
    if (fstat(in, &now) < 0 || !S_ISREG(now.st_mode))
        return viv_fail(err, ENOENT, "%s changed while it was copied", name);
    _cleanup_close_ int out =
        openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 0777);
    if (out < 0)
        return viv_fail(err, errno, "create %s", name);
    if (ftruncate(out, st->st_size) < 0 || copy_data(in, out, st->st_size) < 0)
        return viv_fail(err, errno, "copy %s", name);
    return 0;
}

/* Apart from copy_dir, whose frames pile up as deep as the tree: its buffer is on the stack only
 * while it runs. */
__attribute__((noinline)) int viv_copy_symlink(int from, const char *name, int to,
                                               struct viv_error *err)
{
    char target[4096];
    ssize_t len = readlinkat(from, name, target, sizeof(target) - 1);
    if (len < 0 || (target[len] = '\0', symlinkat(target, to, name) < 0))
        return viv_fail(err, errno, "copy the link %s", name);
    return 0;
}

/* Recursive, so its frame is kept small (no buffer of its own): a caller may run on a stack of
 * 1 MiB, which 256 levels of it must fit in many times over. */
static int copy_dir(int from, int to, int depth, struct viv_error *err)
{
    if (depth > 256)
        return viv_fail(err, ELOOP, "directories nested too deep");
    int fd = dup(from);
    DIR *d = fd < 0 ? NULL : fdopendir(fd);
    if (!d) {
        if (fd >= 0)
            close(fd);
        return viv_fail(err, errno, "read the directory");
    }
    struct dirent *de;
    int rc = 0;
    while (rc == 0 && (de = readdir(d))) {
        const char *n = de->d_name;
        if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
            continue;
        struct stat st;
        if (fstatat(from, n, &st, AT_SYMLINK_NOFOLLOW) < 0) {
            rc = viv_fail(err, errno, "stat %s", n);
        } else if (S_ISREG(st.st_mode)) {
            rc = copy_file(from, to, n, &st, err);
            if (rc == 0)
                keep_attrs(to, n, &st, false);
        } else if (S_ISLNK(st.st_mode)) {
            rc = viv_copy_symlink(from, n, to, err);
            if (rc == 0)
                keep_attrs(to, n, &st, true);
        } else if (S_ISDIR(st.st_mode)) {
            _cleanup_close_ int sub_from =
                openat(from, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub_from < 0 || mkdirat(to, n, 0700) < 0) {
                rc = viv_fail(err, errno, "copy the directory %s", n);
                continue;
            }
            _cleanup_close_ int sub_to =
                openat(to, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            rc = sub_to < 0 ? viv_fail(err, errno, "open %s", n)
                            : copy_dir(sub_from, sub_to, depth + 1, err);
            /* The path down to what failed, but no more of it than a message shows. */
            if (rc < 0 && depth < 8)
                viv_wrap(err, "%s", n);
            else
                keep_attrs(to, n, &st, false);
        }
        /* Devices, fifos and sockets are no files to copy. */
    }
    closedir(d);
    return rc;
}

int viv_copy_tree(int from, int to, struct viv_error *err)
{
    return copy_dir(from, to, 0, err);
}
