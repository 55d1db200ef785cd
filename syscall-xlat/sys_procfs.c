/* sys_procfs.c: /proc/self as the guest should see it: its fd folder lists the guest's fds, never
 * the engine's own (the VM's, the root's), which live at XLAT_FD_FLOOR and above; its maps and
 * status are the guest's, not the engine's. */
#include "sys_internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
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

/* Which of /proc/self's files path names, when it must be the guest's: 0 for none. A pid in the
 * path must be the guest's own (its guest pid). */
enum { PROC_NONE, PROC_MAPS, PROC_STATUS };
static int own_file(struct xlat_proc *p, const char *path)
{
    if (strncmp(path, "/proc/", 6) != 0)
        return PROC_NONE;
    const char *s = path + 6, *rest;
    if (strncmp(s, "self/", 5) == 0) {
        rest = s + 5;
    } else {
        char *end;
        long pid = strtol(s, &end, 10);
        pid_t self, parent;
        xlat_proc_ids(p, &self, &parent);
        if (end == s || *end != '/' || pid != self)
            return PROC_NONE;
        rest = end + 1;
    }
    if (strcmp(rest, "maps") == 0)
        return PROC_MAPS;
    if (strcmp(rest, "status") == 0)
        return PROC_STATUS;
    return PROC_NONE;
}

/* /proc/self/maps (proc(5)): the guest's mappings as the personality keeps them, one line per
 * run of pages with the same rights; the one that ends at the top of guest memory is the stack.
 * File names are not kept: every line is anonymous. */
static void write_maps(struct xlat_proc *p, FILE *f)
{
    const struct xlat_mem *m = p->mem;
    uint64_t n = m->size / XLAT_PAGE;
    for (uint64_t i = 0; i < n;) {
        uint8_t r = m->pages[i];
        uint64_t j = i + 1;
        while (j < n && m->pages[j] == r)
            j++;
        if (r & XLAT_PG_MAPPED)
            fprintf(f, "%08llx-%08llx %c%c%cp 00000000 00:00 0%s\n",
                    (unsigned long long)(i * XLAT_PAGE), (unsigned long long)(j * XLAT_PAGE),
                    (r & XLAT_PG_R) ? 'r' : '-', (r & XLAT_PG_W) ? 'w' : '-',
                    (r & XLAT_PG_X) ? 'x' : '-', j == n ? "                          [stack]" : "");
        i = j;
    }
}

/* /proc/self/status: the host's, with the ids the guest knows (Tgid, Pid, PPid, NSpid). */
static void write_status(struct xlat_proc *p, FILE *f)
{
    FILE *in = fopen("/proc/self/status", "re");
    if (!in)
        return;
    pid_t self, parent;
    xlat_proc_ids(p, &self, &parent);
    char line[512];
    while (fgets(line, sizeof(line), in)) {
        if (strncmp(line, "Tgid:", 5) == 0 || strncmp(line, "Pid:", 4) == 0 ||
            strncmp(line, "NSpid:", 6) == 0)
            fprintf(f, "%.*s\t%d\n", (int)(strchr(line, ':') - line + 1), line, (int)self);
        else if (strncmp(line, "PPid:", 5) == 0)
            fprintf(f, "PPid:\t%d\n", (int)parent);
        else
            fputs(line, f);
    }
    fclose(in);
}

int xlat_procfs_open(struct xlat_proc *p, const char *path, int flags)
{
    int which = own_file(p, path);
    if (which == PROC_NONE)
        return XLAT_PROCFS_NOT_OURS;
    if ((flags & O_ACCMODE) != O_RDONLY)
        return -EACCES;
    int fd = memfd_create(which == PROC_MAPS ? "maps" : "status", MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    int copy = dup(fd);
    FILE *f = copy < 0 ? NULL : fdopen(copy, "w");
    if (!f) {
        if (copy >= 0)
            close(copy);
        close(fd);
        return -ENOMEM;
    }
    if (which == PROC_MAPS)
        write_maps(p, f);
    else
        write_status(p, f);
    fclose(f);
    lseek(fd, 0, SEEK_SET);
    if (!(flags & O_CLOEXEC))
        fcntl(fd, F_SETFD, 0);
    return fd;
}
