/* base: the error object, cleanup helpers, units and filesystem helpers every subsystem uses. */
#ifndef VIV_BASE_H
#define VIV_BASE_H

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

/* Libraries never print: they fill this and return -1; each layer prefixes its context. */
struct viv_error {
    int code;        /* errno of the root cause, or 0 */
    char msg[2048];  /* "what: why", without the leading "viv: " */
};

int viv_fail(struct viv_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int viv_wrap(struct viv_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void viv_error_clear(struct viv_error *err);

/* Cleanup idiom: owned pointers and fds released at scope exit unless stolen. */
static inline void viv_freep(void *p)
{
    free(*(void **)p);
}
static inline void viv_closep(int *fd)
{
    if (*fd >= 0)
        close(*fd);
}
static inline void viv_fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}
#define _cleanup_free_ __attribute__((cleanup(viv_freep)))
#define _cleanup_close_ __attribute__((cleanup(viv_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(viv_fclosep)))

static inline void *viv_steal_ptr(void *pp)
{
    void **p = pp;
    void *v = *p;
    *p = NULL;
    return v;
}
static inline int viv_steal_fd(int *fd)
{
    int v = *fd;
    *fd = -1;
    return v;
}
#define steal_pointer(pp) viv_steal_ptr(pp)

/* Allocation that cannot fail quietly: out of memory aborts with a message. */
void *viv_xmalloc(size_t n);
void *viv_xcalloc(size_t n, size_t size);
void *viv_xrealloc(void *p, size_t n);
char *viv_xstrdup(const char *s);
char *viv_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Units shared by manifests and the CLI: sizes "64m", "2G", "512"; durations "90", "90s",
 * "30m", "1h30m". Return 0 or -1 with err naming the text and the rule. */
int viv_parse_size(const char *text, uint64_t *bytes, struct viv_error *err);
int viv_parse_duration(const char *text, uint64_t *msec, struct viv_error *err);
/* The longest duration taken: a hundred years, far from where a deadline in nanoseconds of
 * the monotonic clock would wrap. */
#define VIV_DURATION_MAX_MS (36500ull * 86400000ull)
/* Shortest exact spelling: 268435456 -> "256M", 90000 ms -> "90s". */
void viv_format_size(uint64_t bytes, char *buf, size_t len);
void viv_format_duration(uint64_t msec, char *buf, size_t len);
/* Human-readable, rounded: "1.5 GiB"; for reports, never for round trips. */
void viv_format_bytes_human(uint64_t bytes, char *buf, size_t len);

/* Filesystem helpers; all fds O_CLOEXEC. */
int viv_mkdir_p(const char *path, mode_t mode, struct viv_error *err);
/* Remove a tree even where its directories lack write permission (read-only checkouts). */
int viv_rm_rf_at(int dirfd, const char *name, struct viv_error *err);
/* What directory from holds, copied into directory to (both open, O_RDONLY): regular files,
 * directories and symlinks (as symlinks, never followed), with their modes, owners where they can
 * be set, and times (fs_copy.c). */
int viv_copy_tree(int from, int to, struct viv_error *err);
/* The symlink name in directory from made again, with the same target, in directory to. */
int viv_copy_symlink(int from, const char *name, int to, struct viv_error *err);
int viv_rm_rf(const char *path, struct viv_error *err);
int viv_fsync_path(const char *path, struct viv_error *err);
/* Write a whole file through a temporary name, fsync, rename: readers see old or new. */
int viv_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                          struct viv_error *err);
/* Read a whole (small) file; refuses more than max bytes. Caller frees *data (NUL-terminated). */
int viv_read_file(const char *path, size_t max, char **data, size_t *len, struct viv_error *err);
int viv_read_fd(int fd, const char *name, size_t max, char **data, size_t *len,
                struct viv_error *err);
int viv_write_all(int fd, const void *buf, size_t len);
/* Read a directory relative to dirfd (name "." for dirfd itself) through a fresh open file
 * description, so that reading it never moves another user's offset. NULL with errno set. */
DIR *viv_opendir_at(int dirfd, const char *name);
/* What the kernel says fd names (readlink of /proc/self/fd/N) in buf, NUL-terminated: its
 * length, or -1 with errno set. */
ssize_t viv_fd_link(int fd, char *buf, size_t len);
/* Random hex string of n bytes (2n chars + NUL in out). */
int viv_random_hex(char *out, size_t nbytes, struct viv_error *err);

/* Tracing: categories cost one branch when off. Set from --trace=img,sys,... */
enum viv_trace_cat {
    VIV_TRACE_IMG = 1u << 0,
    VIV_TRACE_SYS = 1u << 1,
    VIV_TRACE_VM = 1u << 2,
    VIV_TRACE_RUN = 1u << 3,
    VIV_TRACE_XLAT = 1u << 4,
};
extern unsigned viv_trace_mask;
int viv_trace_parse(const char *list, struct viv_error *err);
void viv_trace_printf(const char *cat, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define viv_trace(c, name, ...)                                                                    \
    do {                                                                                           \
        if (__builtin_expect(viv_trace_mask & (c), 0))                                             \
            viv_trace_printf(name, __VA_ARGS__);                                                   \
    } while (0)

/* SHA-256 (OpenSSL EVP, SHA-NI where the CPU has it): content digests and blob verification. */
struct viv_sha256; /* opaque */
struct viv_sha256 *viv_sha256_new(void);
void viv_sha256_update(struct viv_sha256 *h, const void *data, size_t len);
/* Writes 64 lowercase hex digits and a NUL, and frees h. */
void viv_sha256_final(struct viv_sha256 *h, char hex[65]);
void viv_sha256_hex(const void *data, size_t len, char hex[65]);
bool viv_digest_valid(const char *hex); /* 64 lowercase hex digits */

/* Monotonic milliseconds, for traces and reports of how long a phase took. */
int64_t viv_now_ms(void);

/* Die of signal sig as the guest did, without a core file (die.c); returns 128+sig if that did
 * not end the process. */
int viv_die_of_signal(int sig);
/* Whether sig's default action ends a process (signal(7)). Stops count as not ending it. */
bool viv_signal_ends_by_default(int sig);

#define VIV_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
