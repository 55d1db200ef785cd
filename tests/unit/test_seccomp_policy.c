/* test_seccomp_policy.c: native mode's default seccomp policy, as text and as loaded into a
 * child process: what it refuses, with which errno, and what it leaves alone. */
#include "runner/sandbox.h"
#include "syscall-xlat/syscall-xlat.h"

#include <check.h>
#include <seccomp.h>

#include "unit.h"
#include <errno.h>
#include <linux/sched.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>

/* The policy's rule for one syscall in libseccomp's pseudo-filter text: the lines from its
 * "filter for syscall" comment up to the next one. */
static char *rule_of(const char *pfc, const char *name)
{
    char head[128];
    snprintf(head, sizeof(head), "# filter for syscall \"%s\" ", name);
    const char *at = strstr(pfc, head);
    if (!at)
        return NULL;
    const char *end = strstr(at + 1, "# filter for syscall");
    size_t n = end ? (size_t)(end - at) : strlen(at);
    char *r = viv_xmalloc(n + 1);
    memcpy(r, at, n);
    r[n] = '\0';
    return r;
}

static const char *const eperm[] = {
    "mount",
    "umount2",
    "pivot_root",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsmount",
    "fsconfig",
    "fspick",
    "mount_setattr",
    "open_tree_attr", /* newer than libseccomp: refused before its program */
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "bpf",
    "perf_event_open",
    "keyctl",
    "add_key",
    "request_key",
    "open_by_handle_at",
    "name_to_handle_at",
    "setns",
    "reboot",
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "quotactl_fd",
    "lookup_dcookie",
    "syslog",
    "vhangup",
    "iopl",
    "ioperm",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "modify_ldt",
};

START_TEST(denies_with_eperm)
{
    char *pfc = seccomp_policy_describe(false);
    ck_assert_ptr_nonnull(pfc);
    char *r = rule_of(pfc, eperm[_i]);
    ck_assert_msg(r != NULL, "no rule for %s", eperm[_i]);
    ck_assert_msg(strstr(r, "action ERRNO(1);"), "%s is not refused with EPERM:\n%s", eperm[_i], r);
    free(r);
    free(pfc);
}
END_TEST

START_TEST(argument_checks)
{
    char *pfc = seccomp_policy_describe(false);
    ck_assert_ptr_nonnull(pfc);
    char *r = rule_of(pfc, "clone3");
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(strstr(r, "action ERRNO(38);")); /* ENOSYS: libc falls back to clone */
    free(r);
    r = rule_of(pfc, "ioctl");
    ck_assert_ptr_nonnull(r);
    /* The request compared on its low 32 bits only. */
    ck_assert_ptr_nonnull(strstr(r, "$a1.hi32 & 0x00000000 == 0"));
    ck_assert_ptr_nonnull(strstr(r, "$a1.lo32 & 0xffffffff == 21522")); /* TIOCSTI */
    ck_assert_ptr_nonnull(strstr(r, "$a1.lo32 & 0xffffffff == 21532")); /* TIOCLINUX */
    free(r);
    r = rule_of(pfc, "unshare");
    ck_assert_ptr_nonnull(r);
    ck_assert_ptr_nonnull(strstr(r, "$a0.lo32 & 0x10000000 == 268435456")); /* CLONE_NEWUSER */
    free(r);
    ck_assert_ptr_null(strstr(pfc, "\"chown\""));
    ck_assert_ptr_null(strstr(pfc, "\"getppid\"")); /* hot calls never reach an argument check */
    free(pfc);
}
END_TEST

START_TEST(traps_chown_when_asked)
{
    char *pfc = seccomp_policy_describe(true);
    ck_assert_ptr_nonnull(pfc);
    const char *names[] = {"chown", "fchown", "lchown", "fchownat"};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(names); i++) {
        char *r = rule_of(pfc, names[i]);
        ck_assert_msg(r && strstr(r, "action 0x7fc00000;"), "%s is not sent to the listener",
                      names[i]); /* SECCOMP_RET_USER_NOTIF */
        free(r);
    }
    free(pfc);
}
END_TEST

/* In a child: load the policy, then try calls. Exit status 0 when each behaved. */
static int child_checks(void)
{
    int nfd;
    struct viv_error err;
    if (seccomp_policy_load(false, &nfd, &err) < 0)
        return 10;
    if (mount("none", "/", "tmpfs", 0, NULL) != -1 || errno != EPERM)
        return 11;
    if (unshare(CLONE_NEWUSER) != -1 || errno != EPERM)
        return 12;
    if (syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0) != -1 || errno != EPERM)
        return 13;
    char c = 'x';
    if (syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI | (1ul << 32), &c) != -1 || errno != EPERM)
        return 14;
    /* Its own processes are the guest's to trace (the pid namespace hides the rest). */
    pid_t traced = fork();
    if (traced == 0) {
        pause();
        _exit(0);
    }
    long attached = ptrace(PTRACE_ATTACH, traced, 0, 0);
    kill(traced, SIGKILL);
    waitpid(traced, NULL, 0);
    if (attached != 0)
        return 15;
    if (personality(0xffffffff) == -1)
        return 16;
    if (personality(READ_IMPLIES_EXEC) != -1 || errno != EPERM)
        return 17;
    /* Bit 31 set is no way around the flags' rules: only the query has it. */
    if (personality(0x80000000u | READ_IMPLIES_EXEC) != -1 || errno != EPERM)
        return 22;
    if (personality(0xfffffffeu) != -1 || errno != EPERM)
        return 23;
    if (getppid() <= 0)
        return 18;
    /* open_tree_attr (467), which libseccomp does not know, from both of the policy's ABIs:
     * unfiltered, a NULL path gets EFAULT. */
    if (syscall(467, -1, NULL, 0, NULL, 0) != -1 || errno != EPERM)
        return 20;
    long r;
    __asm__ volatile("int $0x80"
                     : "=a"(r)
                     : "a"(467L), "b"(-1L), "c"(0L), "d"(0L), "S"(0L), "D"(0L)
                     : "memory");
    if (r != -EPERM)
        return 21;
    /* i386's own umount (22) and stime (25), which x86_64 lacks: unfiltered, a NULL pointer
     * gets EFAULT. */
    static const long i386_only[] = {22, 25};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(i386_only); i++) {
        __asm__ volatile("int $0x80" : "=a"(r) : "a"(i386_only[i]), "b"(0L) : "memory");
        if (r != -EPERM)
            return 24;
    }
    pid_t p = fork();
    if (p == 0)
        _exit(3);
    int st;
    if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 3)
        return 19;
    return 0;
}

START_TEST(loaded_policy_behaves)
{
    pid_t p = fork();
    ck_assert_int_ge(p, 0);
    if (p == 0)
        _exit(child_checks());
    int st;
    ck_assert_int_eq(waitpid(p, &st, 0), p);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "check %d failed",
                  WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
}
END_TEST

/* A translator's or a VMM's own filter, over the policy: what the guest's native processes may
 * do to one another, the engine's process may not. */
static int engine_checks(void)
{
    struct viv_error err;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || seccomp_engine_load(&err) < 0)
        return 10;
    if (ptrace(PTRACE_TRACEME, 0, 0, 0) != -1 || errno != EPERM)
        return 11;
    char buf[8], mine[8] = "engine";
    struct iovec local = {buf, sizeof(buf)}, remote = {mine, sizeof(mine)};
    if (syscall(SYS_process_vm_readv, getpid(), &local, 1, &remote, 1, 0) != -1 || errno != EPERM)
        return 12;
    if (syscall(SYS_process_vm_writev, getpid(), &local, 1, &remote, 1, 0) != -1 || errno != EPERM)
        return 13;
    if (syscall(SYS_pidfd_getfd, -1, 0, 0) != -1 || errno != EPERM)
        return 14;
    long r;
    __asm__ volatile("int $0x80" : "=a"(r) : "a"(26L), "b"((long)PTRACE_TRACEME) : "memory");
    if (r != -EPERM)
        return 15;
    /* Every process it starts inherits it. */
    pid_t p = fork();
    if (p == 0)
        _exit(ptrace(PTRACE_TRACEME, 0, 0, 0) == -1 && errno == EPERM ? 0 : 1);
    int st;
    if (p < 0 || waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return 16;
    return getppid() > 0 ? 0 : 17;
}

START_TEST(engine_filter_refuses_tracing)
{
    pid_t p = fork();
    ck_assert_int_ge(p, 0);
    if (p == 0)
        _exit(engine_checks());
    int st;
    ck_assert_int_eq(waitpid(p, &st, 0), p);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "check %d failed",
                  WIFEXITED(st) ? WEXITSTATUS(st) : -WTERMSIG(st));
}
END_TEST

/* Every call native mode refuses is refused in the personality too, at its number in each ABI
 * that has it: a guest sees EPERM whatever the mode. */
START_TEST(personality_refuses_the_same)
{
    const struct {
        const struct xlat_abi *abi;
        const char *name;
        uint32_t arch;
    } abis[] = {{&xlat_abi_x86_64, "x86_64", SCMP_ARCH_X86_64},
                {&xlat_abi_riscv64, "riscv64", SCMP_ARCH_RISCV64}};
    for (size_t k = 0; k < VIV_ARRAY_SIZE(abis); k++) {
        for (size_t i = 0; i < xlat_refused_count; i++) {
            const char *name = xlat_refused_calls[i];
            long nr = seccomp_syscall_resolve_name_arch(abis[k].arch, name);
            if (nr < 0) {
                /* Newer than libseccomp (open_tree_attr): the policy refuses it at the number
                 * the x86-64 table gives it, which every ABI shares from 424 on. */
                nr = xlat_syscall_number(&xlat_abi_x86_64, name);
                if (nr < 424)
                    continue; /* the ABI has no such call (iopl on riscv64) */
            }
            const char *got = xlat_syscall_name(abis[k].abi, (uint64_t)nr);
            ck_assert_msg(got && strcmp(got, name) == 0, "%s: %s (%ld) is %s in the personality",
                          abis[k].name, name, nr, got ? got : "missing");
        }
    }
}
END_TEST

static Suite *policy_suite(void)
{
    Suite *s = suite_create("seccomp_policy");
    TCase *tc = tcase_create("text");
    tcase_add_loop_test(tc, denies_with_eperm, 0, VIV_ARRAY_SIZE(eperm));
    tcase_add_test(tc, argument_checks);
    tcase_add_test(tc, traps_chown_when_asked);
    tcase_add_test(tc, personality_refuses_the_same);
    suite_add_tcase(s, tc);
    tc = tcase_create("loaded");
    tcase_add_test(tc, loaded_policy_behaves);
    tcase_add_test(tc, engine_filter_refuses_tracing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(policy_suite());
}
