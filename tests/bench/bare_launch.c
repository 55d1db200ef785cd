/* bare_launch: the least a namespace launcher does, as a yardstick for viv's launch time in
 * make bench: new user, mount, pid, network, ipc, uts and cgroup namespaces in one clone, ROOT
 * bound, /proc and a /dev of six bound device nodes, pivot_root, the old root detached, CMD exec'd
 * as pid 1. No seccomp policy, no capability drop, no writable layer, no loopback, no limits:
 * what a sandbox adds to it is what viv's time is to be judged by.
 *
 * bare_launch ROOT CMD [ARG...]: exits with CMD's status, 125 when the launch itself fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *root;
static char *const *cmd;
static int go[2];

static _Noreturn void die(const char *what)
{
    fprintf(stderr, "bare_launch: %s: %s\n", what, strerror(errno));
    _exit(125);
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, text, strlen(text)) < 0)
        die(path);
    close(fd);
}

static int instance(void *arg)
{
    (void)arg;
    char c;
    if (read(go[0], &c, 1) != 1)
        _exit(125); /* the launcher is gone */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        die("make / private");
    if (mount(root, root, NULL, MS_BIND | MS_REC, NULL) < 0)
        die(root);
    if (chdir(root) < 0)
        die(root);
    if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        die("mount /proc");
    if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID, "mode=0755") < 0)
        die("mount /dev");
    static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
    for (size_t i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
        char host[64], mine[64];
        snprintf(host, sizeof(host), "/dev/%s", nodes[i]);
        snprintf(mine, sizeof(mine), "dev/%s", nodes[i]);
        int fd = open(mine, O_CREAT | O_WRONLY | O_CLOEXEC, 0666);
        if (fd < 0)
            die(mine);
        close(fd);
        if (mount(host, mine, NULL, MS_BIND, NULL) < 0)
            die(mine);
    }
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        die("pivot_root");
    if (umount2(".", MNT_DETACH) < 0)
        die("detach the old root");
    if (chdir("/") < 0)
        die("/");
    execv(cmd[0], cmd);
    fprintf(stderr, "bare_launch: %s: %s\n", cmd[0], strerror(errno));
    _exit(127);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bare_launch ROOT CMD [ARG...]\n");
        return 125;
    }
    root = argv[1];
    cmd = argv + 2;
    if (pipe2(go, O_CLOEXEC) < 0)
        die("pipe");
    static char stack[64 * 1024];
    int flags = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC |
                CLONE_NEWUTS | CLONE_NEWCGROUP | SIGCHLD;
    pid_t pid = clone(instance, stack + sizeof(stack), flags, NULL);
    if (pid < 0)
        die("clone");
    /* Root maps the first 65536 ids to themselves, as bwrap and viv do; anyone else maps their
     * own ids to root inside. */
    char path[64], map[64];
    if (geteuid() == 0) {
        snprintf(map, sizeof(map), "0 0 65536\n");
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
        write_file(path, map);
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
        write_file(path, map);
    } else {
        snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
        write_file(path, "deny\n");
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
        snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)geteuid());
        write_file(path, map);
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
        snprintf(map, sizeof(map), "0 %u 1\n", (unsigned)getegid());
        write_file(path, map);
    }
    if (write(go[1], "g", 1) != 1)
        die("start the instance");
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            die("wait");
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
