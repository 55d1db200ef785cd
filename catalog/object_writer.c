/* catalog/object_writer.c: small objects written by a second thread, so that creating thousands
 * of files overlaps reading, decompressing and hashing the archive; and named by two more, batch
 * by batch once each is synced, so that naming them overlaps it too. */
#include "catalog/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>

/* Enough queued content to keep the writer busy, little enough to bound memory. */
#define WRITER_MAX_BYTES (32u << 20)
#define WRITER_MAX_JOBS 4096
/* Files written in place before the namer syncs and names them: fewer means more syncs (each a
 * journal commit), more means a longer tail of naming once the archive has ended. */
#define NAME_BATCH 256
/* A sync waits mostly for the disk (a journal commit and a cache flush). With two namers, the
 * files written while one waits are synced by the other at once rather than after it; above
 * all the last ones, whose sync and naming are what the import waits for once the archive ends. */
#define NAMERS 2

struct writer_job {
    struct writer_job *next;
    char digest[65];
    char *path;  /* where the file goes in the checkout; names it in an error message */
    bool placed; /* written at path, not in staging/objects */
    uint32_t mode, uid, gid;
    size_t n;
    unsigned char data[];
};

struct catalog_writer {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t more, room;
    struct writer_job *head, *tail;
    size_t jobs, bytes;
    bool closing;
    int failed_errno; /* first failure */
    char *failed_path;
    bool misplaced;
    /* Written in place, for the namers; then named, for stop_names to note which. */
    struct writer_job *done, *named;
    size_t ndone;
    bool written_all; /* the writer thread has ended */
    bool abandoned;   /* the import failed: name nothing more */
    pthread_cond_t written;
    pthread_t namer[NAMERS];
    unsigned namers;
    unsigned batches; /* for the trace */
    size_t nnamed;
    struct writer_job *inflight[NAMERS]; /* each namer's batch */
    bool stopped;                        /* the writer thread has been joined */
    int64_t stopped_ms;
};

int catalog_object_create(struct catalog_store *s, const char *name, uint32_t mode)
{
    return openat(s->st->objects_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode & 0777);
}

int catalog_object_seal(struct catalog_store *s, int fd, uint32_t mode, uint32_t uid, uint32_t gid)
{
    bool chown_needed = s->c->root && (uid != s->euid || gid != s->egid);
    if (chown_needed && fchown(fd, uid, gid) < 0)
        return -1;
    if (!chown_needed && (mode & 07777) == (mode & 0777 & ~s->umask))
        return 0;
    return fchmod(fd, mode & 07777);
}

/* Parent directories of a checkout path, owner-only until the checkout seals them. */
static int make_parents(int rootfs_fd, const char *path)
{
    char buf[PATH_MAX];
    if (strlen(path) >= sizeof(buf))
        return -1;
    strcpy(buf, path);
    for (char *p = strchr(buf, '/'); p; p = strchr(p + 1, '/')) {
        *p = '\0';
        int rc = mkdirat(rootfs_fd, buf, 0700);
        *p = '/';
        if (rc < 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

/* Where tar would put the file: then the checkout already holds it and, once synced, one link
 * names the object. That is one directory operation per file fewer than creating it in staging,
 * renaming it into objects/ and linking it into the checkout, and the files of a folder land in
 * one small directory instead of one large one. A place that is taken (the archive names a path
 * twice, or a file stands where a directory should) leaves the file to staging/objects. */
static int create_in_place(struct catalog_store *s, const struct writer_job *j)
{
    int fd = openat(s->rootfs_fd, j->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    j->mode & 0777);
    if (fd < 0 && errno == ENOENT && make_parents(s->rootfs_fd, j->path) == 0)
        fd = openat(s->rootfs_fd, j->path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                    j->mode & 0777);
    return fd;
}

static int write_job(struct catalog_store *s, struct writer_job *j)
{
    int fd = s->rootfs_fd >= 0 ? create_in_place(s, j) : -1;
    j->placed = fd >= 0;
    if (fd < 0 && (fd = catalog_object_create(s, j->digest, j->mode)) < 0)
        return errno;
    int e = 0;
    if (viv_write_all(fd, j->data, j->n) < 0 || catalog_object_seal(s, fd, j->mode, j->uid, j->gid) < 0)
        e = errno;
    close(fd);
    if (e) {
        if (j->placed)
            unlinkat(s->rootfs_fd, j->path, 0);
        else
            unlinkat(s->st->objects_fd, j->digest, 0);
    }
    return e;
}

static void *writer_main(void *arg)
{
    struct catalog_store *s = arg;
    struct catalog_writer *w = s->writer;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->head && !w->closing)
            pthread_cond_wait(&w->more, &w->mu);
        struct writer_job *j = w->head;
        if (!j)
            break;
        w->head = j->next;
        if (!w->head)
            w->tail = NULL;
        pthread_mutex_unlock(&w->mu);
        /* After a failure the rest is dropped: the import is failing anyway. */
        int e = w->failed_errno ? 0 : write_job(s, j);
        pthread_mutex_lock(&w->mu);
        if (e && !w->failed_errno) {
            w->failed_errno = e;
            w->failed_path = j->path;
            j->path = NULL;
        }
        w->jobs--;
        w->bytes -= j->n;
        pthread_cond_signal(&w->room);
        if (!e && !w->failed_errno && j->placed) {
            /* Kept (without its content) for the namer and for finish to note where. */
            j = viv_xrealloc(j, sizeof(*j));
            j->next = w->done;
            w->done = j;
            if (++w->ndone >= NAME_BATCH)
                pthread_cond_signal(&w->written);
            continue;
        }
        if (!e && !j->placed)
            w->misplaced = true;
        free(j->path);
        free(j);
    }
    w->written_all = true;
    pthread_cond_broadcast(&w->written);
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* Data before names, batch by batch: a syncfs makes every file written so far durable, then each
 * gets its name in objects/ while the writer goes on with the next batch. What the namer cannot
 * name (a failed sync or link) is left for catalog_objects_publish, which reports the error. */
struct namer_arg {
    struct catalog_store *s;
    unsigned index;
};

static void *namer_main(void *arg)
{
    struct namer_arg *na = arg;
    struct catalog_store *s = na->s;
    struct catalog_writer *w = s->writer;
    struct writer_job **inflight = &w->inflight[na->index];
    free(na);
    struct viv_error ignored;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (w->ndone < NAME_BATCH && !w->written_all && !w->failed_errno && !w->abandoned)
            pthread_cond_wait(&w->written, &w->mu);
        struct writer_job *batch = w->done;
        if (!batch || w->failed_errno || w->abandoned)
            break;
        w->done = NULL;
        w->ndone = 0;
        *inflight = batch;
        pthread_mutex_unlock(&w->mu);
        bool ok = syncfs(s->st->fd) == 0;
        struct writer_job *j = batch, *last = NULL;
        size_t n = 0;
        while (ok && j) {
            if (!(ok = catalog_object_publish(s, j->digest, j->path, &ignored) == 0))
                break;
            last = j;
            j = j->next;
            n++;
        }
        pthread_mutex_lock(&w->mu);
        *inflight = NULL;
        if (last) {
            last->next = w->named;
            w->named = batch;
        }
        w->batches++;
        w->nnamed += n;
        /* The rest of the batch goes back, unnamed; and naming stops. */
        for (struct writer_job *next; j; j = next) {
            next = j->next;
            j->next = w->done;
            w->done = j;
        }
        if (!ok)
            break;
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

static int writer_failure(struct catalog_writer *w, struct viv_error *err)
{
    viv_fail(err, w->failed_errno, "store '%s' in the catalog", w->failed_path);
    catalog_advise(err);
    return -1;
}

int catalog_writer_submit(struct catalog_store *s, const struct viv_node *node, const char *digest,
                          const void *buf, size_t n, struct viv_error *err)
{
    if (s->writer && s->writer->stopped)
        catalog_writer_finish_names(s);
    struct catalog_writer *w = s->writer;
    if (!w) {
        w = viv_xcalloc(1, sizeof(*w));
        pthread_mutex_init(&w->mu, NULL);
        pthread_cond_init(&w->more, NULL);
        pthread_cond_init(&w->room, NULL);
        pthread_cond_init(&w->written, NULL);
        s->writer = w;
        int e = pthread_create(&w->thread, NULL, writer_main, s);
        if (e) {
            s->writer = NULL;
            free(w);
            return viv_fail(err, e, "start the catalog's writer thread");
        }
        /* Without a namer, catalog_objects_publish names everything. */
        while (s->rootfs_fd >= 0 && w->namers < NAMERS) {
            struct namer_arg *na = viv_xmalloc(sizeof(*na));
            *na = (struct namer_arg){.s = s, .index = w->namers};
            if (pthread_create(&w->namer[w->namers], NULL, namer_main, na) != 0) {
                free(na);
                break;
            }
            w->namers++;
        }
    }
    struct writer_job *j = viv_xmalloc(sizeof(*j) + n);
    memcpy(j->digest, digest, 65);
    j->path = viv_xstrdup(node->path);
    j->mode = node->mode;
    j->uid = node->uid;
    j->gid = node->gid;
    j->n = n;
    j->next = NULL;
    memcpy(j->data, buf, n);
    pthread_mutex_lock(&w->mu);
    while (!w->failed_errno && (w->jobs >= WRITER_MAX_JOBS || w->bytes + n > WRITER_MAX_BYTES) &&
           w->jobs > 0)
        pthread_cond_wait(&w->room, &w->mu);
    if (w->failed_errno) {
        pthread_mutex_unlock(&w->mu);
        free(j->path);
        free(j);
        return writer_failure(w, err);
    }
    if (w->tail)
        w->tail->next = j;
    else
        w->head = j;
    w->tail = j;
    w->jobs++;
    w->bytes += n;
    pthread_cond_signal(&w->more);
    pthread_mutex_unlock(&w->mu);
    return 0;
}

/* The writer thread joined, and the staged entries told where each object was written, while
 * the namers may still be naming them. Every placed job is, under the lock, in exactly one of
 * the lists: written, in a namer's hands, or named. */
static void stop_writes(struct catalog_store *s, bool abandon)
{
    struct catalog_writer *w = s->writer;
    pthread_mutex_lock(&w->mu);
    w->closing = true;
    w->abandoned |= abandon;
    pthread_cond_broadcast(&w->written);
    pthread_cond_signal(&w->more);
    pthread_mutex_unlock(&w->mu);
    if (w->stopped)
        return;
    pthread_join(w->thread, NULL);
    w->stopped = true;
    w->stopped_ms = viv_now_ms();
    s->misplaced |= w->misplaced;
    pthread_mutex_lock(&w->mu);
    struct writer_job *lists[2 + NAMERS] = {w->done, w->named};
    memcpy(lists + 2, w->inflight, sizeof(w->inflight));
    for (size_t i = 0; i < VIV_ARRAY_SIZE(lists); i++)
        for (struct writer_job *j = lists[i]; j; j = j->next)
            catalog_store_placed(s, j->digest, viv_xstrdup(j->path));
    pthread_mutex_unlock(&w->mu);
}

static void stop_names(struct catalog_store *s)
{
    struct catalog_writer *w = s->writer;
    for (unsigned i = 0; i < w->namers; i++)
        pthread_join(w->namer[i], NULL);
    viv_trace(VIV_TRACE_IMG, "img", "objects: %zu synced and named in %u batches, the last %lld ms "
              "after the last write", w->nnamed, w->batches,
              (long long)(viv_now_ms() - w->stopped_ms));
    s->writer = NULL;
    struct writer_job *lists[] = {w->done, w->named};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(lists); i++) {
        for (struct writer_job *j = lists[i], *next; j; j = next) {
            next = j->next;
            if (i == 1)
                catalog_store_named(s, j->digest);
            free(j->path);
            free(j);
        }
    }
    pthread_mutex_destroy(&w->mu);
    pthread_cond_destroy(&w->more);
    pthread_cond_destroy(&w->room);
    pthread_cond_destroy(&w->written);
    free(w->failed_path);
    free(w);
}

int catalog_writer_finish_writes(struct catalog_store *s, struct viv_error *err)
{
    struct catalog_writer *w = s->writer;
    if (!w)
        return 0;
    stop_writes(s, false);
    return w->failed_errno ? writer_failure(w, err) : 0;
}

void catalog_writer_finish_names(struct catalog_store *s)
{
    if (!s->writer)
        return;
    stop_writes(s, false);
    stop_names(s);
}

int catalog_writer_finish(struct catalog_store *s, struct viv_error *err)
{
    int rc = catalog_writer_finish_writes(s, err);
    catalog_writer_finish_names(s);
    return rc;
}

void catalog_writer_abandon(struct catalog_store *s)
{
    if (!s->writer)
        return;
    stop_writes(s, true);
    stop_names(s);
}
