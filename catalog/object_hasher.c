/* catalog/object_hasher.c: a large object's digest computed on a second thread, one buffer
 * behind the writes. Hashing a buffer costs about as much CPU as reading and writing it; one
 * after the other they made a large import take twice what `tar -x` takes. */
#include "catalog/internal.h"

#include <pthread.h>

struct catalog_hasher {
    struct viv_sha256 *h;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* a buffer posted, one hashed, or quit */
    const void *data;
    size_t len;
    bool pending, quit;
};

static void *hash_posted(void *arg)
{
    struct catalog_hasher *hs = arg;
    pthread_mutex_lock(&hs->lock);
    for (;;) {
        while (!hs->pending && !hs->quit)
            pthread_cond_wait(&hs->cond, &hs->lock);
        if (!hs->pending)
            break;
        const void *data = hs->data;
        size_t len = hs->len;
        pthread_mutex_unlock(&hs->lock);
        viv_sha256_update(hs->h, data, len);
        pthread_mutex_lock(&hs->lock);
        hs->pending = false;
        pthread_cond_broadcast(&hs->cond);
    }
    pthread_mutex_unlock(&hs->lock);
    return NULL;
}

struct catalog_hasher *catalog_hasher_start(struct viv_sha256 *h)
{
    struct catalog_hasher *hs = viv_xcalloc(1, sizeof(*hs));
    hs->h = h;
    pthread_mutex_init(&hs->lock, NULL);
    pthread_cond_init(&hs->cond, NULL);
    if (pthread_create(&hs->thread, NULL, hash_posted, hs) != 0) {
        pthread_cond_destroy(&hs->cond);
        pthread_mutex_destroy(&hs->lock);
        free(hs);
        return NULL;
    }
    return hs;
}

void catalog_hasher_wait(struct catalog_hasher *hs)
{
    if (!hs)
        return;
    pthread_mutex_lock(&hs->lock);
    while (hs->pending)
        pthread_cond_wait(&hs->cond, &hs->lock);
    pthread_mutex_unlock(&hs->lock);
}

void catalog_hasher_post(struct catalog_hasher *hs, struct viv_sha256 *h, const void *data,
                         size_t len)
{
    if (!hs) {
        viv_sha256_update(h, data, len);
        return;
    }
    pthread_mutex_lock(&hs->lock);
    while (hs->pending)
        pthread_cond_wait(&hs->cond, &hs->lock);
    hs->data = data;
    hs->len = len;
    hs->pending = true;
    pthread_cond_broadcast(&hs->cond);
    pthread_mutex_unlock(&hs->lock);
}

void catalog_hasher_stop(struct catalog_hasher *hs)
{
    if (!hs)
        return;
    pthread_mutex_lock(&hs->lock);
    hs->quit = true;
    pthread_cond_broadcast(&hs->cond);
    pthread_mutex_unlock(&hs->lock);
    pthread_join(hs->thread, NULL); /* it hashes what is pending before it sees quit */
    pthread_cond_destroy(&hs->cond);
    pthread_mutex_destroy(&hs->lock);
    free(hs);
}
