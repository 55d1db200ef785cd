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
    char path[256];
    ssize_t n = viv_fd_link(fd, path, sizeof(path));
    if (n <= 0)
        return false;
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

/* Whether tid is one of the guest's threads, by the number the guest knows it by. */
static bool own_thread(struct xlat_proc *p, long tid)
{
    bool found = false;
    pthread_mutex_lock(&p->lock);
    for (const struct xlat_thread *t = p->threads; t && !found; t = t->next)
        found = xlat_thread_guest_tid(t) == tid;
    pthread_mutex_unlock(&p->lock);
    return found;
}

/* Which of /proc/self's files path names, when it must be the guest's: 0 for none. A pid in the
 * path must be the guest's own (its guest pid). A thread's maps (task/TID/maps, thread-self) are
 * its process's. */
enum { PROC_NONE, PROC_MAPS, PROC_STATUS };
static int own_file(struct xlat_proc *p, const char *path)
{
    if (strncmp(path, "/proc/", 6) != 0)
        return PROC_NONE;
    const char *s = path + 6, *rest;
    if (strcmp(s, "thread-self/maps") == 0)
        return PROC_MAPS;
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
    if (strncmp(rest, "task/", 5) == 0) {
        char *end;
        long tid = strtol(rest + 5, &end, 10);
        if (end != rest + 5 && strcmp(end, "/maps") == 0 && own_thread(p, tid))
            return PROC_MAPS;
    }
    return PROC_NONE;
}

/* prefix/rest -> /rest when host starts with the folder prefix; else NULL. */
static const char *inside(const char *host, const char *prefix)
{
    size_t n = strlen(prefix);
    return strncmp(host, prefix, n) == 0 && host[n] == '/' ? host + n : NULL;
}

/* What maps names a file by: its path as the guest sees it, inside the root, and a file the
 * sysroot lent (qemu-user's -L) where the guest looked for it; a file from elsewhere (an fd the
 * engine handed in) by its host path, as /proc/self/exe does. */
static const char *guest_path(struct xlat_proc *p, const char *host, const char *sysroot)
{
    const char *g;
    if (sysroot && (g = inside(host, sysroot)))
        return g;
    if (!p->root_host && (g = inside(host, p->root_path)))
        return g;
    return host;
}

/* Where [heap] begins: the page the break starts in at exec (start_brk). */
static uint64_t heap_start(const struct xlat_proc *p)
{
    return XLAT_PAGE_UP(p->brk_start);
}

/* The name of a line (fs/proc/task_mmu.c get_vma_name): the file; the vma that holds the
 * program break's range ([start_brk, brk), vma_is_initial_heap) is [heap]; the one that holds
 * the initial stack is [stack], which both engines put at the top of guest memory (write_range
 * shows as much of it as Linux's vma would cover). */
static const char *range_name(struct xlat_proc *p, const struct xlat_range *r, const char *sysroot)
{
    switch (r->kind) {
    case XLAT_RANGE_VDSO:
        return "[vdso]";
    case XLAT_RANGE_VVAR:
        return "[vvar]";
    case XLAT_RANGE_FILE:
        return xlat_range_path(r) ? guest_path(p, xlat_range_path(r), sysroot) : NULL;
    default:
        break;
    }
    if (r->start < p->brk_cur && r->end > heap_start(p))
        return "[heap]";
    if (r->end == p->mem->size)
        return "[stack]";
    return NULL;
}

static void write_line(struct xlat_proc *p, FILE *f, const struct xlat_range *r,
                       const char *sysroot)
{
    char line[PATH_MAX + 128];
    xlat_range_format(r, range_name(p, r, sysroot), line, sizeof(line));
    fputs(line, f);
}

/* r, less the part of the stack's reservation below stack_lo: Linux's stack vma would not
 * reach there yet (it grows when the guest touches lower), so the pages are no mapping to a
 * reader of maps, though the guest may use them. Only the stack's kind of memory is hidden:
 * private and anonymous. */
static void write_stack_part(struct xlat_proc *p, FILE *f, const struct xlat_range *r,
                             uint64_t stack_lo, const char *sysroot)
{
    uint64_t base = p->mem->stack_base;
    if (r->kind != XLAT_RANGE_ANON || r->shared || r->end <= base || r->start >= stack_lo) {
        write_line(p, f, r, sysroot);
        return;
    }
    struct xlat_range part = *r;
    if (r->start < base) {
        part.end = base;
        write_line(p, f, &part, sysroot);
    }
    if (r->end > stack_lo) {
        part.start = stack_lo;
        part.end = r->end;
        write_line(p, f, &part, sysroot);
    }
}

/* Linux keeps a program's bss and its break's memory as two vmas, which never merge: the bss
 * unnamed, [heap] from where exec left the break (start_brk). The personality keeps the two as
 * one range where they touch: its line is cut there. */
static void write_range(struct xlat_proc *p, FILE *f, const struct xlat_range *r, uint64_t stack_lo,
                        const char *sysroot)
{
    uint64_t heap = heap_start(p);
    if (r->kind == XLAT_RANGE_ANON && !r->shared && r->start < heap && r->end > heap &&
        p->brk_cur > p->brk_start) {
        struct xlat_range bss = *r, brk = *r;
        bss.end = brk.start = heap;
        write_stack_part(p, f, &bss, stack_lo, sysroot);
        write_stack_part(p, f, &brk, stack_lo, sysroot);
        return;
    }
    write_stack_part(p, f, r, stack_lo, sysroot);
}

/* /proc/self/maps (proc(5)): the guest's mappings as the personality keeps them, one line per
 * range: rights, file offset, device and inode, and the file as the guest names it. */
static void write_maps(struct xlat_proc *p, FILE *f)
{
    char sysroot[PATH_MAX + 1], link[64];
    const char *sr = NULL;
    if (p->sysroot_fd >= 0) {
        snprintf(link, sizeof(link), "/proc/self/fd/%d", p->sysroot_fd);
        ssize_t n = readlink(link, sysroot, sizeof(sysroot) - 1);
        if (n > 0 && !(n == 1 && sysroot[0] == '/')) {
            sysroot[n] = '\0';
            sr = sysroot;
        }
    }
    /* The map changes only under the lock (the mm calls take it), and the guest's other
     * threads may be changing it now. */
    pthread_mutex_lock(&p->lock);
    const struct xlat_mem *m = p->mem;
    uint64_t stack_lo = xlat_mem_stack_start(m);
    for (const struct xlat_range *r = xlat_range_first(m); r; r = xlat_range_next(r))
        write_range(p, f, r, stack_lo, sr);
    pthread_mutex_unlock(&p->lock);
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
