/* test_sandbox_raw.c: the instance's system calls by hand: results and errors come back as the
 * kernel's (-errno), errno stays as it was; a thread cloned onto its own stack runs its function
 * there and the kernel clears its tid as it ends, on the thread pointer it was given if any;
 * /proc/loadavg and /proc/thread-self/stat are read right; zeroing and the relayed signals' mask
 * without the C library; a bind gets its flags whether the kernel has open_tree_attr or not. */
#include "runner/sandbox.h"

#include <check.h>

#include "unit.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/mount.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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
    long tid = sandbox_clone(
        CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM |
            CLONE_PARENT_SETTID | CLONE_CHILD_CLEARTID | CLONE_SETTLS,
        stack + sizeof(stack), on_thread_pointer, ours, &child_tid, &child_tid, stand_in);
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

/* In .data: from the file, and written. */
static int written_data = 1;

static bool in_segments(bool writable, uintptr_t addr)
{
    void *at;
    size_t len;
    for (size_t seg = 0; sandbox_image_segment(&seg, writable, &at, &len);)
        if (addr >= (uintptr_t)at && addr < (uintptr_t)at + len)
            return true;
    return false;
}

/* The segments found by the program headers are where the image's code and data are. */
START_TEST(image_segments_hold_code_and_data)
{
    written_data++; /* written, so that no compiler keeps it with the constants */
    uintptr_t code = (uintptr_t)&sandbox_zero, data = (uintptr_t)&written_data;
    ck_assert(in_segments(false, code));
    ck_assert(!in_segments(true, code));
    ck_assert(in_segments(true, data));
    ck_assert(!in_segments(false, data));
    ck_assert_int_eq(written_data, 2);
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

START_TEST(stat_fields_are_read)
{
    /* Fields 4 and 5: the parent's pid and the process group; 33 and 34: the ignored and the
     * caught signals. */
    uint64_t v[2];
    ck_assert_int_eq(sandbox_stat_fields(4, 5, v), 0);
    ck_assert_int_eq(v[0], (uint64_t)getppid());
    ck_assert_int_eq(v[1], (uint64_t)getpgrp());
    signal(SIGUSR2, SIG_IGN);
    ck_assert_int_eq(sandbox_stat_fields(33, 34, v), 0);
    ck_assert(v[0] & (1ull << (SIGUSR2 - 1)));
    signal(SIGUSR2, SIG_DFL);
    ck_assert_int_eq(sandbox_stat_fields(33, 34, v), 0);
    ck_assert(!(v[0] & (1ull << (SIGUSR2 - 1))));
    /* Past the last field there is: refused, not made up. */
    ck_assert_int_eq(sandbox_stat_fields(5, 400, v), -1);
}
END_TEST

/* In a child of its own user and mount namespaces: src bound onto dst read-only, optionally with
 * open_tree_attr refused ENOSYS as a kernel before 6.15 would. The child's exit status: 0 when
 * dst is read-only, 10 + the step that failed otherwise. */
static int bind_read_only_in_child(const char *src, const char *dst, bool without_open_tree_attr)
{
    pid_t pid = fork();
    if (pid != 0) {
        int status = -1;
        waitpid(pid, &status, 0);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
    }
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
        _exit(11);
    if (without_open_tree_attr) {
        struct sock_filter f[] = {
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
            BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
            BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 467 /* open_tree_attr */, 0, 1),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
            BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        };
        struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
            _exit(12);
    }
    if (sandbox_bind_raw(AT_FDCWD, src, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, false, AT_FDCWD,
                         dst) < 0)
        _exit(13);
    struct statvfs st;
    if (statvfs(dst, &st) < 0)
        _exit(14);
    _exit((st.f_flag & ST_RDONLY) && (st.f_flag & ST_NOSUID) ? 0 : 15);
}

START_TEST(bind_sets_flags_either_way)
{
    char dir[] = "/tmp/viv-bind-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char src[64], dst[64];
    snprintf(src, sizeof(src), "%s/src", dir);
    snprintf(dst, sizeof(dst), "%s/dst", dir);
    ck_assert_int_eq(mkdir(src, 0755), 0);
    ck_assert_int_eq(mkdir(dst, 0755), 0);
    int with = bind_read_only_in_child(src, dst, false);
    int without = bind_read_only_in_child(src, dst, true);
    rmdir(src);
    rmdir(dst);
    rmdir(dir);
    if (with == 11) {
        printf("SKIP: bind flags: no user namespaces here to bind in\n");
        return;
    }
    ck_assert_int_eq(with, 0);
    ck_assert_int_eq(without, 0);
}
END_TEST

/* In a child of its own user namespace: root's bounding set dropped by system calls. Where a
 * filter refuses the drop of CAP_SYS_ADMIN (in a child of the child), the failed drop says
 * where, and is not taken as done by the next one; unrefused, root's allowlist stays and the
 * rest goes. Exit status 0, or the step that went wrong. */
static int bounding_drop_in_child(void)
{
    if (fork() != 0) {
        int status = -1;
        wait(&status);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 99;
    }
    if (unshare(CLONE_NEWUSER) < 0)
        _exit(11);
    /* prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN) refused with EPERM. */
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 5),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_CAPBSET_DROP, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CAP_SYS_ADMIN, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
    pid_t refused = fork();
    if (refused == 0) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
            syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
            _exit(12);
        int failed = -1;
        if (sandbox_drop_bounding_set_raw(true, &failed) != -EPERM || failed != CAP_SYS_ADMIN)
            _exit(13);
        /* Half dropped, and seen as such: made again, it fails again, where it did. */
        failed = -1;
        if (sandbox_drop_bounding_set_raw(true, &failed) != -EPERM || failed != CAP_SYS_ADMIN)
            _exit(14);
        _exit(0);
    }
    int status = -1;
    waitpid(refused, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 98);
    /* Unrefused: root's allowlist stays, the rest goes, and a second drop has nothing to do. */
    int failed = -1;
    if (sandbox_drop_bounding_set_raw(true, &failed) != 0 ||
        sandbox_drop_bounding_set_raw(true, &failed) != 0)
        _exit(15);
    if (prctl(PR_CAPBSET_READ, CAP_CHOWN) != 1 || prctl(PR_CAPBSET_READ, CAP_SYS_CHROOT) != 1 ||
        prctl(PR_CAPBSET_READ, CAP_SYS_ADMIN) != 0 ||
        prctl(PR_CAPBSET_READ, CAP_DAC_READ_SEARCH) != 0)
        _exit(16);
    /* Then down to nothing, for a guest that is not root. */
    if (sandbox_drop_bounding_set_raw(false, &failed) != 0 ||
        prctl(PR_CAPBSET_READ, CAP_CHOWN) != 0)
        _exit(17);
    _exit(0);
}

START_TEST(bounding_set_drop_is_redone_after_a_failure)
{
    int rc = bounding_drop_in_child();
    if (rc == 11) {
        printf("SKIP: bounding set: no user namespaces here\n");
        return;
    }
    ck_assert_int_eq(rc, 0);
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
    tcase_add_test(tc, image_segments_hold_code_and_data);
    tcase_add_test(tc, load_is_read);
    tcase_add_test(tc, stat_fields_are_read);
    tcase_add_test(tc, bind_sets_flags_either_way);
    tcase_add_test(tc, bounding_set_drop_is_redone_after_a_failure);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(raw_suite());
}
