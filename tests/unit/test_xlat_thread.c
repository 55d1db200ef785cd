/* test_xlat_thread.c: the clone of a thread answers with the new thread's tid even when that
 * thread has run to its end, and its bookkeeping been freed and the memory reused, before the
 * cloning thread is scheduled again (a short-lived thread on another CPU). */
#include "syscall-xlat/syscall-xlat.h"
#include "syscall-xlat/sys_internal.h"

#include <check.h>

#include "unit.h"
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define GUEST (16ull << 20)

static struct xlat_mem m;
static struct xlat_proc *p;
static struct xlat_thread *thr;
static char root[] = "/tmp/viv-threadtest.XXXXXX";
static int hart, child_hart;
static pid_t child_tid;

static void no_kick(void *h)
{
    (void)h;
}

/* The child's whole life: it reports its tid, ends, and frees its xlat_thread. */
static void *child_main(void *arg)
{
    struct xlat_thread *c = arg;
    xlat_thread_attach(c, &child_hart);
    child_tid = gettid();
    xlat_thread_leave(c);
    return NULL;
}

/* Runs the child to its end before the clone goes on, then reuses the memory it freed, as the
 * next allocation of another thread would. */
static int spawn_and_finish(void *ctx, struct xlat_thread *child, const struct xlat_regs *regs)
{
    (void)ctx;
    (void)regs;
    pthread_t t;
    if (pthread_create(&t, NULL, child_main, child) != 0)
        return -EAGAIN;
    pthread_join(t, NULL);
    void *reuse = malloc(sizeof(struct xlat_thread));
    memset(reuse, 0xa5, sizeof(struct xlat_thread));
    free(reuse);
    return 0;
}

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(root));
    struct viv_error err = {0};
    ck_assert_int_eq(xlat_mem_init(&m, GUEST, &err), 0);
    struct xlat_proc_config pc = {.abi = &xlat_abi_x86_64, .mem = &m, .root = root,
                                  .brk_start = 0x800000, .brk_limit = GUEST, .hostname = "box",
                                  .alone = true};
    ck_assert_msg(xlat_proc_new(&pc, &p, &err) == 0, "%s", err.msg);
    struct xlat_engine_hooks hooks = {.kick = no_kick, .spawn = spawn_and_finish};
    xlat_proc_set_hooks(p, &hooks);
    thr = xlat_thread_first(p, &hart);
}

static void teardown(void)
{
    xlat_thread_leave(thr);
    xlat_proc_free(p);
    xlat_mem_destroy(&m);
    rmdir(root);
}

START_TEST(clone_of_a_thread_that_has_ended)
{
    struct xlat_regs regs;
    memset(&regs, 0, sizeof(regs));
    uint64_t flags = CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                     CLONE_SYSVSEM;
    uint64_t a[6] = {flags, 0x700000, 0, 0, 0, 0};
    int64_t ret = 0;
    for (int i = 0; i < 20; i++) {
        child_tid = 0;
        xlat_thread_syscall(thr, 56 /* clone */, a, &regs, &ret);
        ck_assert_int_gt(child_tid, 0);
        ck_assert_int_eq(ret, child_tid);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xlat_thread");
    TCase *tc = tcase_create("clone");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, clone_of_a_thread_that_has_ended);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
