/* test_fs_copy.c: a tree copied by fds: files with their modes and contents, directories,
 * symlinks as symlinks (a link out of the tree is copied, never followed). */
#include "base/base.h"

#include <check.h>

#include "unit.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static char base[64];

static void setup(void)
{
    snprintf(base, sizeof(base), "/tmp/viv-fscopy-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(base));
}

static void teardown(void)
{
    struct viv_error err = {0};
    viv_rm_rf(base, &err);
}

static int dir_fd(const char *sub)
{
    char p[128];
    snprintf(p, sizeof(p), "%s/%s", base, sub);
    mkdir(p, 0755);
    return open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static void write_at(int dir, const char *name, const char *text, mode_t mode)
{
    int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC, mode);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    fchmod(fd, mode);
    close(fd);
}

START_TEST(copies_files_dirs_and_links)
{
    int from = dir_fd("from"), to = dir_fd("to");
    write_at(from, "secret-outside", "host", 0600);
    ck_assert_int_eq(mkdirat(from, "d", 0750), 0);
    int d = openat(from, "d", O_RDONLY | O_DIRECTORY);
    write_at(d, "run.sh", "#!/bin/sh\n", 04755);
    ck_assert_int_eq(symlinkat("/etc/shadow", d, "abs"), 0);
    ck_assert_int_eq(symlinkat("../../..", d, "up"), 0);
    close(d);
    struct viv_error err = {0};
    ck_assert_int_eq(viv_copy_tree(from, to, &err), 0);

    struct stat st;
    ck_assert_int_eq(fstatat(to, "d", &st, AT_SYMLINK_NOFOLLOW), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(st.st_mode & 07777, 0750);
    ck_assert_int_eq(fstatat(to, "d/run.sh", &st, AT_SYMLINK_NOFOLLOW), 0);
    ck_assert_int_eq(st.st_mode & 07777, 04755);
    ck_assert_int_eq(st.st_size, 10);
    char link[64] = "";
    ck_assert_int_eq(readlinkat(to, "d/abs", link, sizeof(link) - 1), 11);
    ck_assert_str_eq(link, "/etc/shadow");
    ck_assert_int_eq(fstatat(to, "d/up", &st, AT_SYMLINK_NOFOLLOW), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(fstatat(to, "secret-outside", &st, AT_SYMLINK_NOFOLLOW), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    close(from);
    close(to);
}
END_TEST

/* A sparse file stays sparse: an image's must not fill the tmpfs it is copied into. */
START_TEST(holes_stay_holes)
{
    int from = dir_fd("from"), to = dir_fd("to");
    int fd = openat(from, "sparse", O_WRONLY | O_CREAT, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, 256 << 20), 0);
    ck_assert_int_eq(pwrite(fd, "end", 3, (256 << 20) - 3), 3);
    close(fd);
    struct viv_error err = {0};
    ck_assert_int_eq(viv_copy_tree(from, to, &err), 0);
    struct stat st;
    ck_assert_int_eq(fstatat(to, "sparse", &st, 0), 0);
    ck_assert_int_eq(st.st_size, 256 << 20);
    ck_assert_int_lt(st.st_blocks, 1024); /* 512 KiB, where a full copy takes 256 MiB */
    char tail[4] = "";
    fd = openat(to, "sparse", O_RDONLY);
    ck_assert_int_eq(pread(fd, tail, 3, (256 << 20) - 3), 3);
    ck_assert_str_eq(tail, "end");
    close(fd);
    close(from);
    close(to);
}
END_TEST

/* A deep tree is copied on a small stack: the copy may run on a 1 MiB one. */
static int deep_result;
static struct viv_error deep_err;
static int deep_from, deep_to;
static int copy_on_small_stack(void *arg)
{
    (void)arg;
    deep_result = viv_copy_tree(deep_from, deep_to, &deep_err);
    return 0;
}

START_TEST(deep_trees_fit_a_small_stack)
{
    deep_from = dir_fd("from");
    deep_to = dir_fd("to");
    int d = dup(deep_from);
    for (int i = 0; i < 250; i++) {
        ck_assert_int_eq(mkdirat(d, "d", 0755), 0);
        int next = openat(d, "d", O_RDONLY | O_DIRECTORY);
        close(d);
        d = next;
        if (i % 50 == 0) {
            char link[8] = "../";
            ck_assert_int_eq(symlinkat(link, d, "up"), 0);
        }
    }
    write_at(d, "bottom", "deep", 0644);
    close(d);
    /* 256 KiB of stack, a quarter of what the instance's shared one has. */
    static char stack[256 << 10] __attribute__((aligned(16)));
    pid_t pid = clone(copy_on_small_stack, stack + sizeof(stack), CLONE_VM | SIGCHLD, NULL);
    ck_assert_int_gt(pid, 0);
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert(WIFEXITED(status));
    ck_assert_int_eq(deep_result, 0);
    close(deep_from);
    close(deep_to);
}
END_TEST

/* An instance's writable layer is removed after its run, however its guest shaped it: a chain of
 * directories deeper than viv's descriptors allow it to hold open at once, an unreadable
 * directory, a read-only one. */
static int remove_deep_tree(void)
{
    struct rlimit few = {64, 64};
    if (setrlimit(RLIMIT_NOFILE, &few) < 0)
        return 10;
    /* Not as root, whom no mode stops: a rootless run's user removes its layer. */
    if (geteuid() == 0 && (chmod(base, 0777) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                           setresuid(65534, 65534, 65534) < 0))
        return 18;
    char top[128];
    snprintf(top, sizeof(top), "%s/layer", base);
    if (mkdir(top, 0700) < 0)
        return 11;
    int d = open(top, O_RDONLY | O_DIRECTORY);
    for (int i = 0; i < 3000 && d >= 0; i++) {
        if (mkdirat(d, "d", 0755) < 0)
            return 12;
        int next = openat(d, "d", O_RDONLY | O_DIRECTORY);
        if (i % 500 == 0) {
            int f = openat(d, "f", O_WRONLY | O_CREAT, 0600);
            close(f);
            if (symlinkat("../../..", d, "up") < 0)
                return 13;
        }
        if (i == 1200)
            fchmod(d, 0);
        /* Read-only ones among those moved up: moving rewrites their "..". */
        if (i == 2100 || (i >= 1000 && i < 1100))
            fchmod(d, 0555);
        close(d);
        d = next;
    }
    if (d < 0)
        return 14;
    close(d);
    /* A name of the kind deep directories are moved up under, there already. */
    char taken[160];
    snprintf(taken, sizeof(taken), "%s/.rm-deep.0", top);
    if (mkdir(taken, 0700) < 0)
        return 15;
    struct viv_error err = {0};
    if (viv_rm_rf(top, &err) < 0) {
        fprintf(stderr, "%s\n", err.msg);
        return 16;
    }
    struct stat st;
    return stat(top, &st) == 0 ? 17 : 0;
}

START_TEST(removes_trees_deeper_than_its_descriptors)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(remove_deep_tree());
    int status = 0;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "check %d failed",
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}
END_TEST

/* A fifo is no file to copy, and no open of one waits for a writer. */
START_TEST(fifos_are_passed_by)
{
    int from = dir_fd("from"), to = dir_fd("to");
    ck_assert_int_eq(mkfifoat(from, "pipe", 0644), 0);
    write_at(from, "f", "x", 0644);
    struct viv_error err = {0};
    ck_assert_int_eq(viv_copy_tree(from, to, &err), 0);
    struct stat st;
    ck_assert_int_eq(fstatat(to, "pipe", &st, AT_SYMLINK_NOFOLLOW), -1);
    ck_assert_int_eq(fstatat(to, "f", &st, AT_SYMLINK_NOFOLLOW), 0);
    close(from);
    close(to);
}
END_TEST

/* Names of one file are copied as files of their own: in a catalog's checkout identical files
 * are one (linked by content), which the guest must not find joined in its copy. */
START_TEST(linked_names_are_files_of_their_own)
{
    int from = dir_fd("from"), to = dir_fd("to");
    write_at(from, "a", "same", 0640);
    ck_assert_int_eq(linkat(from, "a", from, "b", 0), 0);
    struct viv_error err = {0};
    ck_assert_int_eq(viv_copy_tree(from, to, &err), 0);
    struct stat a, b;
    ck_assert_int_eq(fstatat(to, "a", &a, AT_SYMLINK_NOFOLLOW), 0);
    ck_assert_int_eq(fstatat(to, "b", &b, AT_SYMLINK_NOFOLLOW), 0);
    ck_assert(a.st_ino != b.st_ino);
    ck_assert_int_eq(a.st_nlink, 1);
    ck_assert_int_eq(b.st_size, 4);
    close(from);
    close(to);
}
END_TEST

START_TEST(an_existing_name_is_an_error)
{
    int from = dir_fd("from"), to = dir_fd("to");
    write_at(from, "f", "new", 0644);
    ck_assert_int_eq(symlinkat("/tmp", to, "f"), 0);
    struct viv_error err = {0};
    /* A planted symlink in the destination is not written through. */
    ck_assert_int_eq(viv_copy_tree(from, to, &err), -1);
    ck_assert_ptr_nonnull(strstr(err.msg, "create f"));
    close(from);
    close(to);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fs_copy");
    TCase *t = tcase_create("copy");
    tcase_add_checked_fixture(t, setup, teardown);
    tcase_add_test(t, copies_files_dirs_and_links);
    tcase_add_test(t, an_existing_name_is_an_error);
    tcase_add_test(t, holes_stay_holes);
    tcase_add_test(t, linked_names_are_files_of_their_own);
    tcase_add_test(t, fifos_are_passed_by);
    tcase_add_test(t, deep_trees_fit_a_small_stack);
    tcase_add_test(t, removes_trees_deeper_than_its_descriptors);
    suite_add_tcase(s, t);
    return unit_run(s);
}
