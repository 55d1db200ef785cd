/* vmthreads: a multi-call guest payload of POSIX threads for vm mode: each first argument is one
 * behaviour whose output and exit status vm_suite.sh compares with a native run. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* mremap; the fidelity suite builds this without -D_GNU_SOURCE */
#endif
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NTHREADS 8
#define ROUNDS 20000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int arrived, go;
static __thread long mine = -1;
static pid_t tids[NTHREADS];

/* Each thread: its own TLS value survives the others' writes; the counter is contended under
 * the mutex; all wait on the condition variable until the last has arrived. */
static void *contend(void *arg)
{
    long id = (long)(intptr_t)arg;
    mine = id * 7;
    tids[id] = (pid_t)syscall(SYS_gettid);
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock);
        counter++;
        pthread_mutex_unlock(&lock);
    }
    pthread_mutex_lock(&lock);
    if (++arrived == NTHREADS) {
        go = 1;
        pthread_cond_broadcast(&cond);
    }
    while (!go)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    return (void *)(intptr_t)(mine == id * 7 ? id * id : -1);
}

static int mutex_cond(void)
{
    pthread_t th[NTHREADS];
    mine = 1000;
    /* Small stacks: the image's guest memory is 64 MiB, glibc's default stack 8 MiB. */
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 256 * 1024);
    for (long i = 0; i < NTHREADS; i++)
        if (pthread_create(&th[i], &attr, contend, (void *)(intptr_t)i) != 0) {
            perror("pthread_create");
            return 1;
        }
    long sum = 0;
    for (int i = 0; i < NTHREADS; i++) {
        void *r;
        pthread_join(th[i], &r);
        sum += (long)(intptr_t)r;
    }
    int distinct = 1;
    pid_t self = (pid_t)syscall(SYS_gettid);
    for (int i = 0; i < NTHREADS; i++) {
        distinct &= tids[i] > 0 && tids[i] != self && tids[i] != getpid();
        for (int j = 0; j < i; j++)
            distinct &= tids[i] != tids[j];
    }
    printf("counter %ld, joined sum %ld, main's tls %ld, tids distinct %d, gettid of main is pid %d\n",
           counter, sum, mine, distinct, self == getpid());
    return 0;
}

static int pipe_fds[2];

static void *block_read(void *arg)
{
    (void)arg;
    char c;
    read(pipe_fds[0], &c, 1);
    return NULL;
}

static void *block_cond(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&lock);
    while (!go)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    return NULL;
}

static void *exit_now(void *arg)
{
    (void)arg;
    usleep(50 * 1000);
    _exit(7); /* exit_group: every thread stops, blocked or not */
}

static void *segv_now(void *arg)
{
    (void)arg;
    usleep(50 * 1000);
    volatile int *volatile nowhere = NULL;
    *nowhere = 1;
    return NULL;
}

/* Threads block in futex and read while one ends the process (exit_group or a fault). */
static int blocked_then(void *(*last)(void *))
{
    pthread_t th;
    if (pipe(pipe_fds) < 0)
        return 1;
    for (int i = 0; i < 3; i++)
        pthread_create(&th, NULL, block_cond, NULL);
    for (int i = 0; i < 2; i++)
        pthread_create(&th, NULL, block_read, NULL);
    printf("threads blocked\n");
    fflush(stdout);
    pthread_create(&th, NULL, last, NULL);
    block_cond(NULL);
    return 1; /* never: the process ends first */
}

static char altstack[65536];
static volatile pid_t handler_tid;
static volatile int on_altstack;

static void on_usr1(int sig)
{
    (void)sig;
    char here;
    handler_tid = (pid_t)syscall(SYS_gettid);
    on_altstack = &here >= altstack && &here < altstack + sizeof(altstack);
}

static volatile int target_ready;
static pid_t target_tid;

static void *target(void *arg)
{
    (void)arg;
    stack_t ss = {.ss_sp = altstack, .ss_size = sizeof(altstack)};
    sigaltstack(&ss, NULL);
    target_tid = (pid_t)syscall(SYS_gettid);
    target_ready = 1;
    while (!handler_tid)
        usleep(1000);
    return NULL;
}

static void *pauser(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

/* The C library's own signals between threads: set*id reaches every thread (SIGSETXID, 33), and
 * pthread_cancel ends one blocked in a cancellation point (SIGCANCEL, 32). */
static int library_signals(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, pauser, NULL) != 0)
        return 1;
    usleep(10000);
    printf("setuid to itself with two threads: %d, setgid: %d\n", setuid(getuid()),
           setgid(getgid()));
    printf("cancel a thread in pause: %d\n", pthread_cancel(t));
    void *r;
    pthread_join(t, &r);
    printf("joined: %s\n", r == PTHREAD_CANCELED ? "cancelled" : "not cancelled");
    return 0;
}

/* pthread_kill reaches the one thread named, which runs the handler on its own altstack. */
static int kill_thread(void)
{
    struct sigaction sa = {.sa_handler = on_usr1, .sa_flags = SA_ONSTACK};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    pthread_t th;
    pthread_create(&th, NULL, target, NULL);
    while (!target_ready)
        usleep(1000);
    pthread_kill(th, SIGUSR1);
    pthread_join(th, NULL);
    printf("handler ran in the target thread %d, on its altstack %d\n",
           handler_tid == target_tid, on_altstack);
    return 0;
}

static volatile int *shared_page;
static volatile int unmapped, reader_running;

static void on_segv(int sig)
{
    (void)sig;
    static const char msg[] = "the other thread faults on the page unmapped\n";
    write(1, msg, sizeof(msg) - 1);
    _exit(0);
}

/* Reads the page over and over (its translation cached), then once more after the unmap. */
static void *reader(void *arg)
{
    (void)arg;
    long sum = 0;
    while (!unmapped) {
        sum += shared_page[0];
        reader_running = 1;
    }
    sum += shared_page[0];
    printf("read after munmap: %ld\n", sum);
    return NULL;
}

/* One thread unmaps a page another is reading in a loop: once munmap returns, the reader's
 * cached translation is gone (TLB shootdown), and its next read faults. */
static int shootdown(void)
{
    struct sigaction sa = {.sa_handler = on_segv};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    shared_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (shared_page == MAP_FAILED)
        return 1;
    shared_page[0] = 1;
    pthread_t th;
    pthread_create(&th, NULL, reader, NULL);
    while (!reader_running)
        ;
    munmap((void *)shared_page, 4096);
    unmapped = 1;
    pthread_join(th, NULL);
    return 1;
}

/* ---- many threads at once ---- */

static pthread_barrier_t all_up;
static pid_t many_tids[4096];

static void *wait_for_all(void *arg)
{
    many_tids[(long)arg] = (pid_t)syscall(SYS_gettid);
    pthread_barrier_wait(&all_up); /* everyone is alive */
    pthread_barrier_wait(&all_up); /* everyone saw it */
    return NULL;
}

static int cmp_pid(const void *a, const void *b)
{
    return *(const pid_t *)a - *(const pid_t *)b;
}

static pthread_attr_t small_stack(void)
{
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 64 * 1024);
    return at;
}

/* n threads alive at once (each a vCPU), far past the 32 of old: all start, all have their own
 * tid, all are joined. */
static int many_threads(int n)
{
    if (n < 1 || n > 4096)
        return 2;
    pthread_t *th = calloc((size_t)n, sizeof(*th));
    pthread_attr_t at = small_stack();
    pthread_barrier_init(&all_up, NULL, (unsigned)n + 1);
    for (long i = 0; i < n; i++) {
        int e = pthread_create(&th[i], &at, wait_for_all, (void *)i);
        if (e) {
            printf("thread %ld: %s\n", i, strerror(e));
            return 1;
        }
    }
    pthread_barrier_wait(&all_up);
    qsort(many_tids, (size_t)n, sizeof(pid_t), cmp_pid);
    int distinct = 1;
    for (int i = 1; i < n; i++)
        distinct &= many_tids[i] != many_tids[i - 1] && many_tids[i - 1] > 0;
    pthread_barrier_wait(&all_up);
    int joined = 0;
    for (int i = 0; i < n; i++)
        joined += pthread_join(th[i], NULL) == 0;
    printf("%d threads at once: tids distinct %d, joined %d\n", n, distinct, joined == n);
    return 0;
}

static void *add_one(void *arg)
{
    __atomic_add_fetch((int *)arg, 1, __ATOMIC_RELAXED);
    return NULL;
}

/* Threads started one after another, each joined before the next: the vCPU a thread leaves is
 * taken again by a later one (after a pause that lets it go) or a new one is made. */
static int one_after_another(int n)
{
    pthread_attr_t at = small_stack();
    int ran = 0, started = 0;
    for (int i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, &at, add_one, &ran) == 0) {
            started++;
            pthread_join(t, NULL);
        }
        if (i % 2)
            usleep(5000);
    }
    printf("%d threads one after another: started %d, ran %d\n", n, started, ran);
    return 0;
}

static void *park_forever(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

/* Threads until clone fails: past the vCPUs KVM gives, it fails with EAGAIN as Linux's does at
 * its limit of threads, and the process goes on. */
static int thread_limit(void)
{
    pthread_attr_t at = small_stack();
    int n = 0, e = 0;
    while (n < 4096) {
        pthread_t th;
        if ((e = pthread_create(&th, &at, park_forever, NULL)) != 0)
            break;
        n++;
    }
    printf("more than 500 at once %d, then %s\n", n > 500, e ? strerror(e) : "no limit");
    fflush(stdout);
    _exit(0);
}

/* ---- TLB shootdown under load ---- *
 * Readers hammer a page (reading and writing it, so that their vCPUs cache its translation)
 * while the main thread unmaps, protects and moves it. Each change is a step: the main thread
 * makes it, and only once its call has returned tells the readers, which then check that the
 * change holds for them: Linux's munmap, mprotect and mremap return only when no CPU can use the
 * old translation any more. */
#define STRESS_THREADS 8
enum { HAMMER, GONE, FRESH, HAMMER_RO, READ_ONLY, HAMMER_MOVE, MOVED, DONE = -1, INIT = -2 };
static volatile char *stress_page, *stress_other;
static volatile int stress_step, stress_round;
static int stress_acks;
static int missed_faults, old_data, wrong_reads;
static __thread sigjmp_buf fault_jmp;
static __thread volatile int fault_armed;

static void on_stress_segv(int sig)
{
    if (fault_armed)
        siglongjmp(fault_jmp, 1);
    signal(sig, SIG_DFL); /* a fault nobody expected: die of it */
}

/* Whether reading (write 0) or writing (write 1) addr faults. */
static int faults(volatile char *addr, int write)
{
    if (sigsetjmp(fault_jmp, 1)) {
        fault_armed = 0;
        return 1;
    }
    fault_armed = 1;
    if (write)
        *addr = 1;
    else
        (void)*addr;
    fault_armed = 0;
    return 0;
}

static void ack(void)
{
    __atomic_add_fetch(&stress_acks, 1, __ATOMIC_ACQ_REL);
}

static int step_now(void)
{
    return __atomic_load_n(&stress_step, __ATOMIC_ACQUIRE);
}

/* Read and write the page until the step changes; a fault on the way is the main thread's
 * change landing (its call has not returned yet, or just has): wait for its step. */
static void hammer(int id)
{
    int step = step_now();
    static __thread volatile int acked;
    acked = 0;
    if (sigsetjmp(fault_jmp, 1) == 0) {
        fault_armed = 1;
        for (long n = 1; step_now() == step; n++) {
            (void)stress_page[0];
            stress_page[64 + id] = (char)(stress_round | 1);
            if (!acked) {
                acked = 1;
                ack();
            }
            if (n % 256 == 0)
                sched_yield();
        }
        fault_armed = 0;
        return;
    }
    fault_armed = 0;
    if (!acked)
        ack(); /* faulted before its first round through the loop */
    while (step_now() == step)
        sched_yield();
}

static void count(int *what, int bad)
{
    if (bad)
        __atomic_add_fetch(what, 1, __ATOMIC_RELAXED);
}

static void *stress_reader(void *arg)
{
    int id = (int)(long)arg, seen = INIT;
    for (;;) {
        int step;
        while ((step = step_now()) == seen)
            sched_yield();
        seen = step;
        switch (step) {
        case DONE:
            return NULL;
        case HAMMER:
        case HAMMER_RO:
        case HAMMER_MOVE:
            hammer(id);
            continue; /* acknowledged inside */
        case GONE:
            count(&missed_faults, !faults(stress_page, 0));
            count(&missed_faults, !faults(stress_page + 64 + id, 1));
            break;
        case FRESH:
            for (int i = 0; i < 4096; i++)
                count(&old_data, stress_page[i] != 0);
            break;
        case READ_ONLY:
            count(&wrong_reads, stress_page[0] != (char)stress_round);
            count(&missed_faults, !faults(stress_page + 64 + id, 1));
            break;
        case MOVED:
            count(&missed_faults, !faults(stress_page, 0));
            count(&wrong_reads, stress_other[0] != (char)stress_round);
            break;
        }
        ack();
    }
}

/* Publish step, then wait until every reader has acknowledged it. */
static void stress_go(int step)
{
    __atomic_store_n(&stress_acks, 0, __ATOMIC_RELEASE);
    __atomic_store_n(&stress_step, step, __ATOMIC_RELEASE);
    if (step == DONE)
        return;
    while (__atomic_load_n(&stress_acks, __ATOMIC_ACQUIRE) < STRESS_THREADS)
        sched_yield();
}

static int shootdown_stress(int rounds)
{
    struct sigaction sa = {.sa_handler = on_stress_segv};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    int prot = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;
    /* Two pages apart, with a hole between them that stays unmapped. */
    char *area = mmap(NULL, 3 * 4096, prot, anon, -1, 0);
    if (area == MAP_FAILED)
        return 1;
    munmap(area + 4096, 4096);
    munmap(area + 2 * 4096, 4096);
    char *other = area + 2 * 4096;
    stress_page = area;
    stress_other = other;
    stress_step = INIT;
    pthread_t th[STRESS_THREADS];
    pthread_attr_t at = small_stack();
    for (long i = 0; i < STRESS_THREADS; i++)
        if (pthread_create(&th[i], &at, stress_reader, (void *)i) != 0)
            return 1;
    int moved = 0;
    for (int r = 1; r <= rounds; r++) {
        stress_round = r;
        stress_page[0] = (char)r;
        stress_go(HAMMER);
        munmap(area, 4096);
        stress_go(GONE);
        mmap(area, 4096, prot, anon | MAP_FIXED, -1, 0);
        stress_go(FRESH);
        stress_page[0] = (char)r;
        stress_go(HAMMER_RO);
        mprotect(area, 4096, PROT_READ);
        stress_go(READ_ONLY);
        mprotect(area, 4096, prot);
        stress_go(HAMMER_MOVE);
        moved += mremap(area, 4096, 4096, MREMAP_MAYMOVE | MREMAP_FIXED, other) == other;
        stress_go(MOVED);
        munmap(other, 4096);
        mmap(area, 4096, prot, anon | MAP_FIXED, -1, 0);
    }
    stress_go(DONE);
    for (int i = 0; i < STRESS_THREADS; i++)
        pthread_join(th[i], NULL);
    printf("%d rounds, %d threads: accesses that did not fault %d, old data in fresh pages %d, "
           "wrong reads %d, moves %d\n",
           rounds, STRESS_THREADS, missed_faults, old_data, wrong_reads, moved);
    return 0;
}

static volatile sig_atomic_t alarmed;
static void on_alarm(int sig)
{
    (void)sig;
    alarmed = 1;
}

/* execve from a thread other than the first: the new program is the same process, and its
 * one thread's tid is the pid (execve(2), "All threads other than the calling thread are
 * destroyed"; de_thread). */
static char **self_argv;
static void *exec_now(void *arg)
{
    (void)arg;
    char pid[16];
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    char *args[] = {self_argv[0], "after-exec", pid, NULL};
    execv(self_argv[0], args);
    perror("execv");
    _exit(3);
}

static int exec_from_thread(char **argv)
{
    self_argv = argv;
    pthread_t th;
    pthread_create(&th, NULL, exec_now, NULL);
    pause();
    return 4;
}

int main(int argc, char **argv)
{
    const char *c = argc > 1 ? argv[1] : "";
    if (!strcmp(c, "exec-thread"))
        return exec_from_thread(argv);
    if (!strcmp(c, "pause")) {
        /* pause sleeps until a handler has run, then fails with EINTR. */
        signal(SIGALRM, on_alarm);
        struct itimerval it = {.it_value = {.tv_usec = 50000}};
        setitimer(ITIMER_REAL, &it, NULL);
        int r = pause();
        printf("pause %d, EINTR %d, after the handler %d\n", r, errno == EINTR, alarmed);
        return 0;
    }
    if (!strcmp(c, "after-exec") && argc > 2) {
        long tid = syscall(SYS_gettid);
        printf("pid kept %d, tid is the pid %d, one thread %d\n", getpid() == atoi(argv[2]),
               tid == getpid(), (int)syscall(SYS_tgkill, getpid(), getpid(), 0) == 0);
        return 0;
    }
    if (!strcmp(c, "mutex-cond"))
        return mutex_cond();
    if (!strcmp(c, "exit-group"))
        return blocked_then(exit_now);
    if (!strcmp(c, "segv"))
        return blocked_then(segv_now);
    if (!strcmp(c, "pthread-kill"))
        return kill_thread();
    if (!strcmp(c, "library-signals"))
        return library_signals();
    if (!strcmp(c, "shootdown"))
        return shootdown();
    if (!strcmp(c, "shootdown-stress"))
        return shootdown_stress(argc > 2 ? atoi(argv[2]) : 200);
    if (!strcmp(c, "one-after-another"))
        return one_after_another(20);
    if (!strcmp(c, "many") && argc > 2)
        return many_threads(atoi(argv[2]));
    if (!strcmp(c, "thread-limit"))
        return thread_limit();
    fprintf(stderr, "vmthreads: unknown case '%s'\n", c);
    return 2;
}
