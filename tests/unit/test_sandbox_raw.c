/* test_sandbox_raw.c: the instance's system calls by hand: results and errors come back as the
 * kernel's (-errno), errno stays as it was; a thread cloned onto its own stack runs its function
 * there and the kernel clears its tid as it ends, on the thread pointer it was given if any;
 * /proc/loadavg is read right; zeroing and the relayed signals' mask without the C library. */
#include "runner/sandbox.h"

#include <check.h>

#include "unit.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

START_TEST(sys_leaves_errno)
{
    errno = 1234;
    ck_assert_int_eq(sandbox_sys(SYS_getpid, 0, 0, 0, 0), getpid());
    ck_assert_int_eq(sandbox_sys(SYS_close, -1, 0, 0, 0), -EBADF);
    ck_assert_int_eq(sandbox_sys5(SYS_openat, AT_FDCWD, (long)"/no/such/file", O_RDONLY, 0, 0),
                     -ENOENT);
    ck_assert_int_eq(errno, 1234);
}
END_TEST

static char stack[64 * 1024] __attribute__((aligned(16)));
static pid_t child_tid = -1;
static int seen, seen_tid;
static uintptr_t seen_frame;

/* Plain stores only: a thread the C library does not know of. */
static int in_thread(void *arg)
{
    char here;
    seen = *(int *)arg;
    seen_tid = (int)sandbox_sys(SYS_gettid, 0, 0, 0, 0);
    seen_frame = (uintptr_t)&here;
    return 0;
}

START_TEST(clone_runs_on_its_stack)
{
    int arg = 42;
    errno = 1234;
    long tid = sandbox_clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                 CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID,
                             stack + sizeof(stack), in_thread, &arg, &child_tid, &child_tid, NULL);
    ck_assert_int_gt(tid, 0);
    pid_t t;
    while ((t = __atomic_load_n(&child_tid, __ATOMIC_ACQUIRE)) != 0)
        syscall(SYS_futex, &child_tid, FUTEX_WAIT, t, NULL);
    ck_assert_int_eq(seen, 42);
    ck_assert_int_eq(seen_tid, tid);
    /* On the stack it was given, not ours. */
    ck_assert(seen_frame >= (uintptr_t)stack && seen_frame < (uintptr_t)(stack + sizeof(stack)));
    ck_assert_int_eq(errno, 1234);
    /* Refused: the kernel's error, errno untouched. */
    ck_assert_int_eq(
        sandbox_clone(CLONE_THREAD, stack + sizeof(stack), in_thread, &arg, NULL, NULL, NULL),
        -EINVAL);
    ck_assert_int_eq(errno, 1234);
}
END_TEST

/* A thread control block of our own, as sandbox_prestart gives an instance: a pointer to itself
 * first. */
static void *stand_in[16] __attribute__((aligned(64)));
static void *seen_tp, *seen_tp_after;

static int on_thread_pointer(void *viv_tp)
{
    seen_tp = sandbox_thread_pointer();
    sandbox_set_thread_pointer(viv_tp);
    seen_tp_after = sandbox_thread_pointer();
    return 0;
}

START_TEST(clone_sets_thread_pointer)
{
    stand_in[0] = stand_in;
    void *ours = sandbox_thread_pointer();
    ck_assert_ptr_nonnull(ours);
    child_tid = -1;
    long tid = sandbox_clone(CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD |
                                 CLONE_SYSVSEM | CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID |
                                 CLONE_SETTLS,
                             stack + sizeof(stack), on_thread_pointer, ours, &child_tid,
                             &child_tid, stand_in);
    ck_assert_int_gt(tid, 0);
    pid_t t;
    while ((t = __atomic_load_n(&child_tid, __ATOMIC_ACQUIRE)) != 0)
        syscall(SYS_futex, &child_tid, FUTEX_WAIT, t, NULL);
    /* The stand-in until it took ours; ours untouched meanwhile. */
    ck_assert_ptr_eq(seen_tp, stand_in);
    ck_assert_ptr_eq(seen_tp_after, ours);
    ck_assert_ptr_eq(sandbox_thread_pointer(), ours);
}
END_TEST

START_TEST(zero_clears_exactly)
{
    char buf[300];
    memset(buf, 0x5a, sizeof(buf));
    sandbox_zero(buf + 3, 257);
    for (size_t i = 0; i < sizeof(buf); i++)
        ck_assert_int_eq(buf[i], i >= 3 && i < 260 ? 0 : 0x5a);
}
END_TEST

START_TEST(relayed_signals_by_hand)
{
    sigset_t set;
    memset(&set, 0xff, sizeof(set));
    sandbox_relayed_signals(&set);
    const int relayed[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};
    int members = 0;
    for (int sig = 1; sig < NSIG; sig++)
        members += sigismember(&set, sig) == 1;
    ck_assert_int_eq(members, (int)(sizeof(relayed) / sizeof(relayed[0])));
    for (size_t i = 0; i < sizeof(relayed) / sizeof(relayed[0]); i++)
        ck_assert_int_eq(sigismember(&set, relayed[i]), 1);
}
END_TEST

START_TEST(load_is_read)
{
    int load1 = -2;
    int running = sandbox_running_tasks(&load1);
    /* This process itself is running. */
    ck_assert_int_ge(running, 1);
    ck_assert_int_ge(load1, 0);
    ck_assert_int_ge(sandbox_running_tasks(NULL), 1);
}
END_TEST

static Suite *raw_suite(void)
{
    Suite *s = suite_create("sandbox_raw");
    TCase *tc = tcase_create("raw");
    tcase_add_test(tc, sys_leaves_errno);
    tcase_add_test(tc, clone_runs_on_its_stack);
    tcase_add_test(tc, clone_sets_thread_pointer);
    tcase_add_test(tc, zero_clears_exactly);
    tcase_add_test(tc, relayed_signals_by_hand);
    tcase_add_test(tc, load_is_read);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(raw_suite());
}
