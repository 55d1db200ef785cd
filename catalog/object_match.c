/* catalog/object_match.c: finding a stored twin of a large incoming file, so that a re-import
 * reads and compares instead of writing hundreds of megabytes again. */
#include "catalog/internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

/* Only files that do not fit the store's buffer take the streaming path, and only those need a
 * twin: smaller ones are hashed in memory before anything is written. */
#define MATCH_MIN_SIZE (1u << 20)

static void add_big(struct catalog_store *s, size_t *cap, uint64_t size, uint32_t mode,
                    const char *digest)
{
    if (s->nbigs == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        s->bigs = viv_xrealloc(s->bigs, *cap * sizeof(*s->bigs));
    }
    struct catalog_big_object *b = &s->bigs[s->nbigs++];
    b->size = size;
    b->mode = mode;
    memcpy(b->digest, digest, 65);
}

/* One walk of objects/ per import that meets a large file; a stat per object. */
static void load_bigs(struct catalog_store *s)
{
    size_t cap = 0;
    s->bigs_loaded = true;
    for (unsigned fan = 0; fan < 256; fan++) {
        char name[3];
        snprintf(name, sizeof(name), "%02x", fan);
        DIR *d = viv_opendir_at(s->c->objects_fd, name);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            struct stat sb;
            if (!viv_digest_valid(de->d_name) ||
                fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) < 0 ||
                !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size < MATCH_MIN_SIZE)
                continue;
            add_big(s, &cap, (uint64_t)sb.st_size, sb.st_mode & 07777, de->d_name);
        }
        closedir(d);
    }
}

int catalog_match_open(struct catalog_store *s, const struct viv_node *node, char digest[65])
{
    if (node->size < MATCH_MIN_SIZE)
        return -1;
    if (!s->bigs_loaded)
        load_bigs(s);
    for (size_t i = 0; i < s->nbigs; i++) {
        const struct catalog_big_object *b = &s->bigs[i];
        if (b->size != node->size || b->mode != (node->mode & 07777))
            continue;
        char rel[68];
        catalog_object_relpath(b->digest, rel);
        int fd = openat(s->c->objects_fd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (!s->cmpbuf)
            s->cmpbuf = viv_xmalloc(s->bufsz);
        memcpy(digest, b->digest, 65);
        return fd;
    }
    return -1;
}

bool catalog_match_chunk(struct catalog_store *s, int fd, uint64_t off, const void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = pread(fd, s->cmpbuf + got, n - got, (off_t)(off + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return memcmp(s->cmpbuf, buf, n) == 0;
}

int catalog_copy_prefix(int in, int out, uint64_t len)
{
    loff_t from = 0, to = 0;
    while ((uint64_t)from < len) {
        ssize_t r = copy_file_range(in, &from, out, &to, (size_t)(len - (uint64_t)from), 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
    }
    if ((uint64_t)from == len)
        return 0;
    /* copy_file_range refused (another filesystem, old kernel): plain reads and writes. */
    char buf[65536];
    while ((uint64_t)from < len) {
        size_t want = len - (uint64_t)from < sizeof(buf) ? (size_t)(len - (uint64_t)from)
                                                           : sizeof(buf);
        ssize_t r = pread(in, buf, want, from);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        if (pwrite(out, buf, (size_t)r, to) != r)
            return -1;
        from += r;
        to += r;
    }
    return 0;
}
