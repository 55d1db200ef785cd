/* catalog/object_worker.c: a thread that does one thing to each buffer of a large object, one
 * buffer behind the thread that reads them. A large import does three things to every byte:
 * read it from the archive, hash it and write it; one after the other they took twice what
 * `tar -x` takes, which only reads and writes. With the hash and the write each on a thread of
 * its own, reading the next buffer overlaps both. */
#include "catalog/internal.h"

#include <pthread.h>

struct catalog_worker {
    void (*fn)(void *ctx, const void *data, size_t len);
    void *ctx;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* a buffer posted, one done, or quit */
    const void *data;
    size_t len;
    bool pending, quit;
};

static void *work_posted(void *arg)
{
    struct catalog_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->pending && !w->quit)
            pthread_cond_wait(&w->cond, &w->lock);
        if (!w->pending)
            break;
        const void *data = w->data;
        size_t len = w->len;
        pthread_mutex_unlock(&w->lock);
        w->fn(w->ctx, data, len);
        pthread_mutex_lock(&w->lock);
        w->pending = false;
        pthread_cond_broadcast(&w->cond);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

struct catalog_worker *catalog_worker_start(void (*fn)(void *ctx, const void *data, size_t len),
                                            void *ctx)
{
    struct catalog_worker *w = viv_xcalloc(1, sizeof(*w));
    w->fn = fn;
    w->ctx = ctx;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pthread_create(&w->thread, NULL, work_posted, w) != 0) {
        /* No thread to be had: the work is done in the caller, as it comes. */
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
        w->thread = 0;
        w->quit = true;
    }
    return w;
}

void catalog_worker_wait(struct catalog_worker *w)
{
    if (w->quit)
        return;
    pthread_mutex_lock(&w->lock);
    while (w->pending)
        pthread_cond_wait(&w->cond, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

void catalog_worker_post(struct catalog_worker *w, const void *data, size_t len)
{
    if (w->quit) {
        w->fn(w->ctx, data, len);
        return;
    }
    pthread_mutex_lock(&w->lock);
    while (w->pending)
        pthread_cond_wait(&w->cond, &w->lock);
    w->data = data;
    w->len = len;
    w->pending = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

void catalog_worker_stop(struct catalog_worker *w)
{
    if (!w->quit) {
        pthread_mutex_lock(&w->lock);
        w->quit = true;
        pthread_cond_broadcast(&w->cond);
        pthread_mutex_unlock(&w->lock);
        pthread_join(w->thread, NULL); /* it does what is pending before it sees quit */
        pthread_cond_destroy(&w->cond);
        pthread_mutex_destroy(&w->lock);
    }
    free(w);
}
