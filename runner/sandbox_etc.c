/* sandbox_etc.c: the instance's own /etc/hostname, /etc/hosts and /etc/resolv.conf, written
 * into its writable layer over the image's, as podman provides them: an image's copies name the
 * machine it was built on, and a guest on the host's network needs the host's resolver. And, for
 * a guest user the image does not know, its /etc/passwd with an entry for it. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct etc_file {
    const char *name;
    const char *text; /* buf, or the configuration's */
    size_t len;
    char buf[8192];
};
#define ETC_FILES 4

/* The host's /etc/hosts, whole lines of it up to len bytes (its names are the guest's too on
 * the host's network, as podman gives them): its length, 0 without one. */
static size_t host_hosts(char *buf, size_t len)
{
    int fd = open("/etc/hosts", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, buf, len) : -1;
    if (fd >= 0)
        close(fd);
    while (n > 0 && buf[n - 1] != '\n')
        n--;
    return n > 0 ? (size_t)n : 0;
}

/* The files, resolv.conf the host's own (none when the host has none), passwd only where the
 * configuration has one. Read before the first mount can hide the host's. */
static void etc_texts(const struct viv_sandbox_config *cfg, struct etc_file f[ETC_FILES])
{
    f[0].name = "hostname";
    f[0].len = (size_t)snprintf(f[0].buf, sizeof(f[0].buf), "%s\n", cfg->hostname);
    f[1].name = "hosts";
    /* --add-host's first, as podman writes them: the first line that names a host wins. */
    size_t added = cfg->added_hosts ? strlen(cfg->added_hosts) : 0;
    memcpy(f[1].buf, cfg->added_hosts ? cfg->added_hosts : "", added);
    size_t own =
        cfg->network_host ? host_hosts(f[1].buf + added, sizeof(f[1].buf) - added - 80) : 0;
    if (!own)
        own = (size_t)snprintf(f[1].buf + added, sizeof(f[1].buf) - added,
                               "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost "
                               "ip6-loopback\n");
    f[1].len = added + own;
    f[1].len += (size_t)snprintf(f[1].buf + f[1].len, sizeof(f[1].buf) - f[1].len,
                                 "127.0.1.1\t%s\n", cfg->hostname);
    f[2].name = "resolv.conf";
    f[2].len = 0;
    int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, f[2].buf, sizeof(f[2].buf));
        f[2].len = n > 0 ? (size_t)n : 0;
        close(fd);
    }
    for (int i = 0; i < 3; i++)
        f[i].text = f[i].buf;
    f[3].name = "passwd";
    f[3].text = cfg->passwd;
    f[3].len = cfg->passwd ? strlen(cfg->passwd) : 0;
}

/* Write fd's whole text, mode 0644 (made so for a file that was there: one made here has it,
 * the instance's umask being 0). Closes fd. */
static int fill(int fd, const struct etc_file *f, bool made, struct viv_error *err)
{
    ssize_t n = !made && fchmod(fd, 0644) < 0 ? -1 : write(fd, f->text, f->len);
    int e = errno;
    close(fd);
    if (n == (ssize_t)f->len)
        return 0;
    return viv_fail(err, n < 0 ? e : EIO, "/etc/%s for the instance", f->name);
}

/* Replace /etc/name of the merged root by a file of ours. The image's own regular file is
 * truncated in place: the overlay then copies up no data and leaves no whiteout, half the work
 * of replacing it. Anything else there (a symlink into a local resolver's run folder, a file the
 * guest's ids cannot open) is unlinked first, so that it is replaced rather than followed. */
static int put(int etc, const struct etc_file *f, struct viv_error *err)
{
    int fd = openat(etc, f->name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))) {
        close(fd);
        fd = -1;
    }
    bool made = fd < 0;
    if (fd < 0) {
        if (unlinkat(etc, f->name, 0) < 0 && errno != ENOENT)
            return viv_fail(err, errno, "/etc/%s for the instance", f->name);
        fd = openat(etc, f->name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    }
    if (fd < 0)
        return viv_fail(err, errno, "/etc/%s for the instance", f->name);
    return fill(fd, f, made, err);
}

int sandbox_etc_into_upper(const struct viv_sandbox_config *cfg, int rootfs_fd, int upper,
                           bool *done, struct viv_error *err)
{
    *done = false;
    struct stat st;
    if (fstatat(rootfs_fd, "etc", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
        return 0;
    /* The upper layer's /etc is what the merged /etc shows of itself: the image's mode and
     * owner. An owner the user namespace cannot map stays ours, as a copy-up would fail to
     * give it too. */
    if (mkdirat(upper, "etc", 0700) < 0)
        return viv_fail(err, errno, "/etc for the instance");
    _cleanup_close_ int etc = openat(upper, "etc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (etc < 0 || fchmod(etc, st.st_mode & 07777) < 0)
        return viv_fail(err, errno, "/etc for the instance");
    if (fchown(etc, st.st_uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM)
        return viv_fail(err, errno, "/etc for the instance");
    struct etc_file f[ETC_FILES];
    etc_texts(cfg, f);
    for (int i = 0; i < ETC_FILES; i++) {
        if (!f[i].len)
            continue;
        int fd = openat(etc, f[i].name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            return viv_fail(err, errno, "/etc/%s for the instance", f[i].name);
        if (fill(fd, &f[i], true, err) < 0)
            return -1;
    }
    *done = true;
    return 0;
}

int sandbox_setup_etc(const struct viv_sandbox_config *cfg, int root, struct viv_error *err)
{
    /* An image without /etc (a lone static program) gets none. */
    struct viv_error ignored;
    _cleanup_close_ int path = sandbox_open_in_root(root, "/etc", false, false, &ignored);
    if (path < 0)
        return 0;
    char self[64];
    snprintf(self, sizeof(self), "/proc/self/fd/%d", path);
    _cleanup_close_ int etc = open(self, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (etc < 0)
        return 0;
    struct etc_file f[ETC_FILES];
    etc_texts(cfg, f);
    for (int i = 0; i < ETC_FILES; i++)
        if (f[i].len && put(etc, &f[i], err) < 0)
            return -1;
    return 0;
}
