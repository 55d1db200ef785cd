/* sandbox_etc.c: the instance's own /etc/hostname, /etc/hosts and /etc/resolv.conf, bound
 * read-only over the image's as podman does: an image's copies name the machine it was built
 * on, and a guest on the host's network needs the host's resolver. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* The host's resolver configuration, read before the first mount can hide it; empty when
 * there is none. */
static size_t read_host_resolv(char *buf, size_t len)
{
    int fd = open("/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    ssize_t n = read(fd, buf, len - 1);
    close(fd);
    return n > 0 ? (size_t)n : 0;
}

static int put(int dir, const char *name, const char *text, size_t len, struct viv_error *err)
{
    int fd = openat(dir, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return viv_fail(err, errno, "/etc/%s for the instance", name);
    ssize_t n = write(fd, text, len);
    close(fd);
    return n == (ssize_t)len ? 0 : viv_fail(err, n < 0 ? errno : EIO, "/etc/%s", name);
}

/* A small tmpfs of our own, mounted nowhere: the files' home until they are bound into /etc. */
static int detached_tmpfs(struct viv_error *err)
{
    int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs < 0)
        return viv_fail(err, errno, "tmpfs for /etc's files");
    int mnt = -1;
    if (fsconfig(fs, FSCONFIG_SET_STRING, "size", "64k", 0) == 0 &&
        fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
        mnt = fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    int e = errno;
    close(fs);
    return mnt >= 0 ? mnt : viv_fail(err, e, "tmpfs for /etc's files");
}

int sandbox_setup_etc(const struct viv_sandbox_config *cfg, int root, bool may_create,
                      struct viv_error *err)
{
    struct stat st;
    /* An image without /etc (a lone static program) gets none. */
    if (fstatat(root, "etc", &st, 0) < 0 || !S_ISDIR(st.st_mode))
        return 0;
    char resolv[4096];
    size_t rlen = read_host_resolv(resolv, sizeof(resolv));
    char hostname[300], hosts[700];
    int hn = snprintf(hostname, sizeof(hostname), "%s\n", cfg->hostname);
    int hl = snprintf(hosts, sizeof(hosts),
                      "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n"
                      "127.0.1.1\t%s\n",
                      cfg->hostname);
    const struct {
        const char *name, *text;
        size_t len;
    } files[] = {
        {"hostname", hostname, (size_t)hn},
        {"hosts", hosts, (size_t)hl},
        {"resolv.conf", resolv, rlen},
    };
    _cleanup_close_ int fs = detached_tmpfs(err);
    if (fs < 0)
        return -1;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(files); i++) {
        if (files[i].len == 0)
            continue;
        char path[64];
        snprintf(path, sizeof(path), "/etc/%s", files[i].name);
        /* A mount point is needed: the image's file, or one made in the writable layer. A
         * symlink there (a resolver's stub) is followed inside the root; a dangling one, or a
         * read-only root without the file, keeps the image's. */
        struct viv_error ignored;
        int t = sandbox_open_in_root(root, path, may_create, true, &ignored);
        if (t < 0)
            continue;
        int rc = fstat(t, &st) == 0 && S_ISREG(st.st_mode) ? 0 : 1;
        if (rc == 0 && (put(fs, files[i].name, files[i].text, files[i].len, err) < 0 ||
                        sandbox_bind(fs, files[i].name, t,
                                     MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
                                         MOUNT_ATTR_NOEXEC,
                                     false, path, err) < 0))
            rc = -1;
        close(t);
        if (rc < 0)
            return -1;
    }
    return 0;
}
