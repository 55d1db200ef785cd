/* seccomp_cache.c: the compiled seccomp policy, kept between runs so that libseccomp compiles it
 * once per viv binary instead of once per instance. */
#include "sandbox.h"

#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/filter.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The program depends on nothing but viv's own code (the rules, the libseccomp linked in) and on
 * whether chown is trapped, so the binary's GNU build id names it. A rebuilt viv never reads a
 * program an older one wrote. */
struct build_id {
    char hex[2 * 64 + 1];
};

static int find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    struct build_id *id = data;
    /* The first object reported is the executable itself. */
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_NOTE)
            continue;
        const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
        const char *end = p + ph->p_memsz;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)p;
            const char *name = p + sizeof(*n);
            const unsigned char *desc = (const unsigned char *)name + ((n->n_namesz + 3) & ~3u);
            const char *next = (const char *)desc + ((n->n_descsz + 3) & ~3u);
            if (next > end)
                break;
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0 &&
                n->n_descsz > 0 && n->n_descsz <= 64) {
                for (unsigned j = 0; j < n->n_descsz; j++)
                    snprintf(id->hex + 2 * j, 3, "%02x", desc[j]);
                return 1;
            }
            p = next;
        }
    }
    return 1;
}

/* The cache lives with other per-boot runtime state (tmpfs, cleared at reboot), never in the
 * catalog: /run/vivarium as root, $XDG_RUNTIME_DIR/vivarium otherwise. Returns an fd of that
 * folder, or -1 when there is none we can trust: it must be ours and closed to everyone else,
 * since a program planted there would be the guest's whole seccomp policy. */
static int open_cache_dir(void)
{
    const char *base = geteuid() == 0 ? "/run" : getenv("XDG_RUNTIME_DIR");
    if (!base || base[0] != '/')
        return -1;
    _cleanup_close_ int b = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (b < 0)
        return -1;
    /* Made once per boot: opened first, made only when missing. */
    int d = openat(b, "vivarium", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (d < 0 && errno == ENOENT) {
        if (mkdirat(b, "vivarium", 0700) < 0 && errno != EEXIST)
            return -1;
        d = openat(b, "vivarium", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    }
    struct stat st;
    if (d >= 0 && (fstat(d, &st) < 0 || st.st_uid != geteuid() || (st.st_mode & 077))) {
        close(d);
        return -1;
    }
    return d;
}

static int read_cached(int dir, const char *name, char *buf, size_t max, size_t *len)
{
    _cleanup_close_ int fd = openat(dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
        (st.st_mode & 022) || st.st_size <= 0 || (size_t)st.st_size > max ||
        st.st_size % sizeof(struct sock_filter))
        return -1;
    size_t n = 0;
    while (n < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        n += (size_t)r;
    }
    *len = n;
    return 0;
}

/* Programs of other builds untouched for a day are of no further use: dropped when a new one is
 * written, so a viv rebuilt often does not fill the folder, while two builds in use side by
 * side (an installed viv and a development one) do not evict each other's programs. So is a
 * temporary file a run left behind when it died while writing one. */
static void drop_stale(int dir, const char *keep_prefix)
{
    DIR *d = viv_opendir_at(dir, ".");
    if (!d)
        return;
    time_t day_ago = time(NULL) - 24 * 3600;
    struct dirent *de;
    struct stat st;
    while ((de = readdir(d)))
        if (strncmp(de->d_name, "seccomp-", 8) == 0 &&
            (strncmp(de->d_name, keep_prefix, strlen(keep_prefix)) != 0 ||
             strstr(de->d_name, ".tmp-")) &&
            fstatat(dir, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && st.st_mtime < day_ago)
            unlinkat(dir, de->d_name, 0);
    closedir(d);
}

static void store(int dir, const char *name, const char *prefix, const void *bpf, size_t len)
{
    char tmp[256];
    snprintf(tmp, sizeof(tmp), "%s.tmp-%d", name, (int)getpid());
    int fd = openat(dir, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    bool ok = viv_write_all(fd, bpf, len) == 0;
    close(fd);
    /* rename is atomic: a concurrent run reads the old program, none, or this one whole. */
    if (!ok || renameat(dir, tmp, dir, name) < 0) {
        unlinkat(dir, tmp, 0);
        return;
    }
    drop_stale(dir, prefix);
}

/* Written before the instance exists: the pipe must hold the whole program, or the write would
 * wait for a reader that is not there yet. A pipe holds 64 KiB unless the user's pipes already
 * take more than pipe-user-pages-soft; a privileged caller may grow it then, anyone else gets
 * the limit told (the write end does not block: a program that does not fit fails, never
 * hangs). */
static int write_program(int fd, const void *bpf, size_t len, struct viv_error *err)
{
    int size = fcntl(fd, F_GETPIPE_SZ);
    if (size >= 0 && (size_t)size < len && fcntl(fd, F_SETPIPE_SZ, (int)len) < 0)
        return viv_fail(err, errno,
                        "hand the seccomp policy (%zu bytes) to the instance: a pipe here holds "
                        "%d (see /proc/sys/fs/pipe-user-pages-soft)",
                        len, size);
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 || viv_write_all(fd, bpf, len) < 0)
        return viv_fail(err, errno, "hand the seccomp policy to the instance");
    return 0;
}

int seccomp_policy_program(bool trap_chown, const void **program, size_t *program_len,
                           struct viv_error *err)
{
    static char bpf[(BPF_MAXINSNS + 1) * sizeof(struct sock_filter)];
    size_t len = 0;
    struct build_id id = {.hex = ""};
    dl_iterate_phdr(find_build_id, &id);
    char prefix[160], name[192];
    snprintf(prefix, sizeof(prefix), "seccomp-%s-", id.hex);
    snprintf(name, sizeof(name), "%s%s.bpf", prefix, trap_chown ? "trap" : "plain");
    _cleanup_close_ int dir = id.hex[0] ? open_cache_dir() : -1;
    bool cached = dir >= 0 && read_cached(dir, name, bpf, sizeof(bpf), &len) == 0;
    if (!cached) {
        if (seccomp_policy_compile(trap_chown, bpf, sizeof(bpf), &len, err) < 0)
            return -1;
        if (dir >= 0)
            store(dir, name, prefix, bpf, len);
    }
    viv_trace(VIV_TRACE_RUN, "run", "seccomp policy: %zu instructions, %s", len / 8,
              cached ? "compiled before" : "compiled now");
    *program = bpf;
    *program_len = len;
    return 0;
}

int seccomp_policy_send(bool trap_chown, int fd, struct viv_error *err)
{
    const void *bpf;
    size_t len;
    if (seccomp_policy_program(trap_chown, &bpf, &len, err) < 0)
        return -1;
    return write_program(fd, bpf, len, err);
}
