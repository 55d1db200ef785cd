/* vmthreads: a multi-call guest payload of POSIX threads for vm mode: each first argument is one
 * behaviour whose output and exit status vm_suite.sh compares with a native run. */
#include <errno.h>
#include <pthread.h>
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
    if (!strcmp(c, "shootdown"))
        return shootdown();
    fprintf(stderr, "vmthreads: unknown case '%s'\n", c);
    return 2;
}
