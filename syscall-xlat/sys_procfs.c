/* sys_procfs.c: /proc/self as the guest should see it: its fd folder lists the guest's fds, never
 * the engine's own (the VM's, the root's), which live at XLAT_FD_FLOOR and above. */
#include "sys_internal.h"

#include <dirent.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Whether fd is this process's /proc/PID/fd or /proc/PID/task/TID/fd folder. */
static bool is_own_fd_dir(int fd)
{
    struct statfs sf;
    if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC)
        return false;
    char link[64], path[256];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof(path) - 1);
    if (n <= 0)
        return false;
    path[n] = '\0';
    char own[64], task[64];
    snprintf(own, sizeof(own), "/%d/fd", (int)getpid());
    snprintf(task, sizeof(task), "/task/%d/fd", (int)gettid());
    size_t ol = strlen(own), tl = strlen(task);
    return ((size_t)n >= ol && strcmp(path + n - ol, own) == 0) ||
           ((size_t)n >= tl && strcmp(path + n - tl, task) == 0);
}

int64_t xlat_procfs_dents(struct xlat_proc *p, int fd, void *buf, int64_t n)
{
    (void)p;
    if (n <= 0 || !is_own_fd_dir(fd))
        return n;
    /* struct linux_dirent64: d_ino, d_off, d_reclen, d_type, d_name. Entries of the engine's fds
     * are squeezed out; the offsets of the others still resume the listing correctly. */
    uint8_t *b = buf;
    int64_t in = 0, out = 0;
    while (in < n) {
        struct dirent64 *d = (struct dirent64 *)(void *)(b + in);
        unsigned short len = d->d_reclen;
        if (len == 0 || in + len > n)
            break;
        char *end;
        long num = strtol(d->d_name, &end, 10);
        bool engine = *end == '\0' && end != d->d_name && num >= XLAT_FD_FLOOR;
        if (!engine) {
            if (out != in)
                memmove(b + out, b + in, len);
            out += len;
        }
        in += len;
    }
    return out;
}
