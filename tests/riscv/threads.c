/* threads.c: 8 threads contend on a mutex and a condition variable; the result is exact. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/syscall.h>

#define NTHREADS 8
#define ROUNDS 2000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t turn_changed = PTHREAD_COND_INITIALIZER;
static long counter;
static int turn; /* which thread may take the next ticket in the relay */
static int order[NTHREADS * 4], norder;
static __thread int my_id = -1; /* thread-local: each thread's tp must be its own */
static pid_t tids[NTHREADS];

static void *worker(void *arg)
{
    int id = (int)(long)arg;
    my_id = id;
    tids[id] = (pid_t)syscall(SYS_gettid);
    /* Plain contention: every increment under the mutex. */
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter += id + 1;
        pthread_mutex_unlock(&lock);
    }
    /* A relay in a fixed order: each waits on the condition variable for its turn. */
    for (int r = 0; r < 4; r++) {
        pthread_mutex_lock(&lock);
        while (turn % NTHREADS != id)
            pthread_cond_wait(&turn_changed, &lock);
        order[norder++] = id;
        turn++;
        pthread_cond_broadcast(&turn_changed);
        pthread_mutex_unlock(&lock);
    }
    return (void *)(long)(my_id * 100);
}

static void *blocker(void *arg)
{
    int *fds = arg;
    char c;
    return (void *)(long)read(fds[0], &c, 1); /* never returns: nobody writes */
}

static void *spinner(void *arg)
{
    (void)arg;
    for (volatile unsigned long i = 0;; i++)
        ;
    return NULL;
}

static void *pauser(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

int main(void)
{
    pthread_t th[NTHREADS];
    for (long i = 0; i < NTHREADS; i++)
        if (pthread_create(&th[i], NULL, worker, (void *)i) != 0) {
            perror("pthread_create");
            return 1;
        }
    long sum = 0;
    for (int i = 0; i < NTHREADS; i++) {
        void *ret;
        pthread_join(th[i], &ret);
        sum += (long)ret;
    }
    printf("counter %ld (expected %ld)\n", counter, (long)ROUNDS * NTHREADS * (NTHREADS + 1) / 2);
    printf("joined results %ld\n", sum);
    printf("relay order:");
    for (int i = 0; i < norder; i++)
        printf(" %d", order[i]);
    printf("\n");
    int distinct = 1;
    for (int i = 0; i < NTHREADS; i++)
        for (int j = 0; j < i; j++)
            if (tids[i] == tids[j] || tids[i] == getpid())
                distinct = 0;
    printf("thread ids distinct %d, main thread-local untouched %d\n", distinct, my_id == -1);
    /* The C library's own signals between threads: set*id reaches every thread (33), and
     * pthread_cancel ends one blocked in a cancellation point (32). */
    pthread_t pz;
    if (pthread_create(&pz, NULL, pauser, NULL) != 0)
        return 1;
    usleep(10000);
    printf("setuid to itself with two threads: %d, setgid: %d\n", setuid(getuid()),
           setgid(getgid()));
    printf("cancel a thread in pause: %d\n", pthread_cancel(pz));
    void *res;
    pthread_join(pz, &res);
    printf("joined: %s\n", res == PTHREAD_CANCELED ? "cancelled" : "not cancelled");
    /* Threads still blocked or running at exit: exit_group ends them too. */
    static int fds[2];
    pthread_t b, s;
    if (pipe(fds) != 0 || pthread_create(&b, NULL, blocker, fds) != 0 ||
        pthread_create(&s, NULL, spinner, NULL) != 0)
        return 1;
    usleep(20000);
    return 0;
}
