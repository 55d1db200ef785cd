/* sandbox_etc.c: the instance's own /etc/hostname, /etc/hosts and /etc/resolv.conf, written
 * into its writable layer over the image's, as podman provides them: an image's copies name the
 * machine it was built on, and a guest on the host's network needs the host's resolver. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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

/* Replace /etc/name by a file of ours. The image's own regular file is truncated in place: the
 * overlay then copies up no data and leaves no whiteout, half the work of replacing it. Anything
 * else there (a symlink into a local resolver's run folder, a file the guest's ids cannot open)
 * is unlinked first, so that it is replaced rather than followed. */
static int put(int etc, const char *name, const char *text, size_t len, struct viv_error *err)
{
    int fd = openat(etc, name, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
                    ((st.st_mode & 07777) != 0644 && fchmod(fd, 0644) < 0))) {
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        if (unlinkat(etc, name, 0) < 0 && errno != ENOENT)
            return viv_fail(err, errno, "/etc/%s for the instance", name);
        fd = openat(etc, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    }
    if (fd < 0)
        return viv_fail(err, errno, "/etc/%s for the instance", name);
    ssize_t n = write(fd, text, len);
    close(fd);
    return n == (ssize_t)len ? 0 : viv_fail(err, n < 0 ? errno : EIO, "/etc/%s", name);
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
    char resolv[4096];
    size_t rlen = read_host_resolv(resolv, sizeof(resolv));
    char hostname[300], hosts[700];
    int hn = snprintf(hostname, sizeof(hostname), "%s\n", cfg->hostname);
    int hl = snprintf(hosts, sizeof(hosts),
                      "127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n"
                      "127.0.1.1\t%s\n",
                      cfg->hostname);
    if (put(etc, "hostname", hostname, (size_t)hn, err) < 0 ||
        put(etc, "hosts", hosts, (size_t)hl, err) < 0 ||
        (rlen && put(etc, "resolv.conf", resolv, rlen, err) < 0))
        return -1;
    return 0;
}
