/* escape.c: a hostile guest for the native sandbox's tests. Each check tries one way out and
 * prints "ok NAME" when the sandbox refused it cleanly, "FAIL NAME: why" when it did not; the exit
 * status is the number of failures. `escape all` runs every check that needs no argument. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/keyctl.h>
#include <linux/sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;

static void check(const char *name, bool ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void check(const char *name, bool ok, const char *fmt, ...)
{
    if (ok) {
        printf("ok %s\n", name);
        return;
    }
    failures++;
    printf("FAIL %s: ", name);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
}

/* A system call that must fail with one errno. */
static void refused(const char *name, long rc, int want)
{
    int e = errno;
    check(name, rc == -1 && e == want, "returned %ld errno %d (%s), wanted %s", rc, e, strerror(e),
          strerror(want));
}

static void t_mount(void)
{
    refused("mount", mount("tmpfs", "/tmp", "tmpfs", 0, NULL), EPERM);
    refused("umount", umount2("/proc", MNT_DETACH), EPERM);
    refused("pivot_root", syscall(SYS_pivot_root, "/tmp", "/tmp"), EPERM);
    refused("open_tree", syscall(SYS_open_tree, AT_FDCWD, "/", 1), EPERM);
    refused("fsopen", syscall(SYS_fsopen, "tmpfs", 0), EPERM);
    refused("fspick", syscall(SYS_fspick, AT_FDCWD, "/", 0), EPERM);
    refused("move_mount", syscall(SYS_move_mount, AT_FDCWD, "/tmp", AT_FDCWD, "/", 0), EPERM);
    /* Made read-write again, the read-only root could be written. */
    refused("mount_setattr", syscall(SYS_mount_setattr, AT_FDCWD, "/", 0, NULL, 0), EPERM);
    /* Linux 6.15's clone-with-flags (467 in every ABI), newer than the policy's libseccomp. */
    refused("open_tree_attr", syscall(467, AT_FDCWD, "/", 1, NULL, 0), EPERM);
}

static void t_userns(void)
{
    refused("unshare-user", unshare(CLONE_NEWUSER), EPERM);
    refused("clone-user", syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0), EPERM);
    struct clone_args a = {.flags = CLONE_NEWUSER, .exit_signal = SIGCHLD};
    refused("clone3", syscall(SYS_clone3, &a, sizeof(a)), ENOSYS);
    refused("setns", syscall(SYS_setns, 0, 0), EPERM);
    /* Ordinary work keeps working: fork and threads go through clone without the flag. */
    pid_t p = fork();
    if (p == 0)
        _exit(7);
    int st = 0;
    waitpid(p, &st, 0);
    check("fork-works", p > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7, "fork gave %d", p);
}

/* Natively a guest traces its own processes, as under podman (gdb, strace, LeakSanitizer), but
 * nothing of viv's, and a tracer cannot turn an allowed call into a refused one: seccomp checks
 * the call after the tracer has changed it. */
static void t_ptrace(void)
{
    pid_t p = fork();
    if (p == 0) {
        pause();
        _exit(0);
    }
    int st = 0;
    long rc = ptrace(PTRACE_ATTACH, p, 0, 0);
    check("ptrace-own-process", rc == 0 && waitpid(p, &st, 0) == p && WIFSTOPPED(st),
          "attach returned %ld: %s", rc, strerror(errno));
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
#ifdef __x86_64__
    p = fork();
    if (p == 0) {
        ptrace(PTRACE_TRACEME, 0, 0, 0);
        raise(SIGSTOP);
        long r = syscall(SYS_getppid);
        _exit(r == -1 && errno == EPERM ? 0 : 1);
    }
    waitpid(p, &st, 0); /* its SIGSTOP */
    /* At getppid's entry, made keyctl, which the policy refuses and which would otherwise
     * answer with the user keyring's id. */
    ptrace(PTRACE_SYSCALL, p, 0, 0);
    waitpid(p, &st, 0);
    struct user_regs_struct regs;
    bool changed = ptrace(PTRACE_GETREGS, p, 0, &regs) == 0 && regs.orig_rax == SYS_getppid;
    regs.orig_rax = SYS_keyctl;
    regs.rdi = KEYCTL_GET_KEYRING_ID;
    regs.rsi = (unsigned long long)KEY_SPEC_USER_KEYRING;
    regs.rdx = 0;
    changed = changed && ptrace(PTRACE_SETREGS, p, 0, &regs) == 0;
    ptrace(PTRACE_DETACH, p, 0, 0);
    waitpid(p, &st, 0);
    check("ptrace-cannot-pass-the-policy", changed && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "changed %d, status %#x", changed, st);
#endif
    /* Under --init pid 1 is viv-init: not the guest's to trace. */
    if (getpid() != 1)
        refused("ptrace-viv-init", ptrace(PTRACE_ATTACH, 1, 0, 0), EPERM);
}

/* Translated or in the VM a guest's processes are no host processes: ptrace is refused. */
static void t_ptrace_refused(void)
{
    pid_t p = fork();
    if (p == 0) {
        pause();
        _exit(0);
    }
    refused("ptrace-attach", ptrace(PTRACE_ATTACH, p, 0, 0), EPERM);
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
    refused("ptrace-traceme", ptrace(PTRACE_TRACEME, 0, 0, 0), EPERM);
}

static void t_kernel(void)
{
    refused("keyctl", syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 0), EPERM);
    refused("add_key", syscall(SYS_add_key, "user", "x", "y", 1, KEY_SPEC_PROCESS_KEYRING), EPERM);
    refused("bpf", syscall(SYS_bpf, 0, NULL, 0), EPERM);
    refused("perf_event_open", syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0), EPERM);
    refused("open_by_handle_at", syscall(SYS_open_by_handle_at, AT_FDCWD, NULL, 0), EPERM);
    refused("init_module", syscall(SYS_init_module, NULL, 0, ""), EPERM);
    refused("kexec_load", syscall(SYS_kexec_load, 0, 0, NULL, 0), EPERM);
    refused("reboot", syscall(SYS_reboot, 0xfee1dead, 672274793, 0x1234567, NULL), EPERM);
    struct timespec ts = {0};
    refused("clock_settime", clock_settime(CLOCK_REALTIME, &ts), EPERM);
    refused("swapon", syscall(SYS_swapon, "/tmp/x", 0), EPERM);
    refused("acct", syscall(SYS_acct, NULL), EPERM);
    refused("userfaultfd", syscall(SYS_userfaultfd, 0), EPERM);
    refused("io_uring_setup", syscall(SYS_io_uring_setup, 8, NULL), EPERM);
    refused("modify_ldt", syscall(SYS_modify_ldt, 0, NULL, 0), EPERM);
    refused("personality-exec", personality(READ_IMPLIES_EXEC), EPERM);
    check("personality-query", personality(0xffffffff) != -1, "query refused: %s", strerror(errno));
    refused("personality-bit31", personality(0x80000000u | READ_IMPLIES_EXEC), EPERM);
    refused("mknod", mknod("/tmp/null", S_IFCHR | 0666, makedev(1, 3)), EPERM);
}

/* The same calls through the other x86 system-call ABIs must not get around the policy. */
static void t_abis(void)
{
    /* i386 mount (21) through int 0x80: refused like the 64-bit one. */
    long rc;
    __asm__ volatile("int $0x80" : "=a"(rc) : "a"(21L), "b"(0L), "c"(0L), "d"(0L) : "memory");
    check("i386-mount", rc == -EPERM, "int 0x80 mount returned %ld", rc);
    __asm__ volatile("int $0x80"
                     : "=a"(rc)
                     : "a"(467L), "b"(-100L), "c"(0L), "d"(0L), "S"(0L), "D"(0L)
                     : "memory");
    check("i386-open_tree_attr", rc == -EPERM, "int 0x80 open_tree_attr returned %ld", rc);
    /* i386's umount (22), which x86_64 never had: refused by number, not only by the lack of a
     * capability. */
    __asm__ volatile("int $0x80" : "=a"(rc) : "a"(22L), "b"(0L) : "memory");
    check("i386-umount", rc == -EPERM, "int 0x80 umount returned %ld", rc);
    /* x32 mount (bit 30 set): the process is killed rather than let through. */
    pid_t p = fork();
    if (p == 0) {
        syscall(0x40000000L | SYS_mount, "none", "/tmp", "tmpfs", 0L, NULL);
        _exit(0);
    }
    int st = 0;
    waitpid(p, &st, 0);
    check("x32-mount", WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "x32 mount: status %#x", st);
}

static void t_tty(void)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        fd = 0;
    char c = 'x';
    refused("tiocsti", ioctl(fd, TIOCSTI, &c), EPERM);
    /* The request is an int: a register with the upper half set must be refused as well. */
    refused("tiocsti-high-bits", syscall(SYS_ioctl, fd, (unsigned long)TIOCSTI | (1ul << 32), &c),
            EPERM);
}

static void t_limits(void)
{
    struct rlimit r;
    getrlimit(RLIMIT_NOFILE, &r);
    if (r.rlim_max != RLIM_INFINITY) {
        struct rlimit up = {r.rlim_max + 1, r.rlim_max + 1};
        refused("raise-nofile", setrlimit(RLIMIT_NOFILE, &up), EPERM);
    }
    getrlimit(RLIMIT_NPROC, &r);
    if (r.rlim_max != RLIM_INFINITY) {
        struct rlimit up = {RLIM_INFINITY, RLIM_INFINITY};
        refused("raise-nproc", setrlimit(RLIMIT_NPROC, &up), EPERM);
    }
    /* cgroup files of the instance are not writable from inside. */
    int fd = open("/sys/fs/cgroup/pids.max", O_WRONLY | O_CLOEXEC);
    check("cgroupfs-absent", fd < 0, "opened the cgroup filesystem");
}

static void t_procs(void)
{
    DIR *d = opendir("/proc");
    int n = 0, others = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] < '1' || de->d_name[0] > '9')
            continue;
        n++;
        int pid = atoi(de->d_name);
        others += pid != 1 && pid != getpid();
    }
    if (d)
        closedir(d);
    /* This program and pid 1 (itself, or viv-init under --init): nothing of the host. */
    check("host-processes-hidden", others == 0 && n <= 2, "/proc lists %d processes", n);
    char comm[64] = "";
    int fd = open("/proc/1/comm", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t r = read(fd, comm, sizeof(comm) - 1);
        comm[r > 0 ? r : 0] = '\0';
        close(fd);
    }
    check("pid1-is-entrypoint-or-init", getpid() == 1 || strcmp(comm, "viv-init\n") == 0,
          "pid %d, pid 1 is '%s'", (int)getpid(), comm);
    /* pid 1 of a namespace ignores signals from inside that it has no handler for, SIGKILL
     * from itself included. */
    kill(1, SIGKILL);
    usleep(20000);
    check("init-survives-kill", kill(1, 0) == 0, "pid 1 is gone");
}

static void t_net(void)
{
    struct if_nameindex *ifs = if_nameindex();
    int n = 0;
    bool lo = false;
    for (struct if_nameindex *i = ifs; i && i->if_index; i++, n++)
        lo |= strcmp(i->if_name, "lo") == 0;
    if (ifs)
        if_freenameindex(ifs);
    check("only-loopback", n == 1 && lo, "%d interfaces", n);
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(80)};
    inet_pton(AF_INET, "1.1.1.1", &sa.sin_addr);
    refused("no-route-out", connect(s, (struct sockaddr *)&sa, sizeof(sa)), ENETUNREACH);
    close(s);
    /* Loopback works: a listener and a connection to it. */
    int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in lsa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(lsa);
    bool ok = bind(l, (struct sockaddr *)&lsa, sizeof(lsa)) == 0 && listen(l, 1) == 0 &&
              getsockname(l, (struct sockaddr *)&lsa, &len) == 0;
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ok = ok && connect(c, (struct sockaddr *)&lsa, sizeof(lsa)) == 0;
    check("loopback-works", ok, "%s", strerror(errno));
    close(c);
    close(l);
}

/* A host file must not be readable by any path, /proc/PID/root included. */
static void t_hostfile(const char *path)
{
    char p[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    check("host-file-direct", fd < 0, "opened %s", path);
    if (fd >= 0)
        close(fd);
    for (int pid = 1; pid < 64; pid++) {
        snprintf(p, sizeof(p), "/proc/%d/root%s", pid, path);
        fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            check("host-file-proc-root", false, "opened %s", p);
            close(fd);
            return;
        }
    }
    check("host-file-proc-root", true, "%s", path);
    snprintf(p, sizeof(p), "/proc/self/root/../../../../..%s", path);
    fd = open(p, O_RDONLY | O_CLOEXEC);
    check("host-file-dotdot", fd < 0, "opened %s", p);
}

static void t_signal(const char *pidtext)
{
    pid_t pid = atoi(pidtext);
    /* A host pid means nothing here: either no such process or one of our own. */
    int rc = kill(pid, SIGKILL);
    check("signal-outside", rc == -1 && errno == ESRCH, "kill(%d) gave %d (%s)", pid, rc,
          strerror(errno));
}

static void t_forkflood(void)
{
    static pid_t kids[4096];
    int made = 0;
    for (int i = 0; i < 4096; i++) {
        pid_t p = fork();
        if (p == 0) {
            pause();
            _exit(0);
        }
        if (p < 0)
            break;
        kids[made++] = p;
    }
    printf("forked %d\n", made);
    check("fork-flood-contained", made < 4096, "forked %d", made);
    for (int i = 0; i < made; i++)
        kill(kids[i], SIGKILL);
    while (wait(NULL) > 0)
        ;
}

static void t_memhog(const char *mib)
{
    long n = atol(mib);
    for (long i = 0; i < n; i++) {
        char *p = malloc(1 << 20);
        if (!p) {
            printf("malloc failed at %ld MiB\n", i);
            return;
        }
        memset(p, 1, 1 << 20);
    }
    printf("touched %ld MiB\n", n);
}

/* A system call that must succeed (errno read after the call, not among the arguments). */
static void accepted(const char *name, long rc)
{
    int e = errno;
    check(name, rc == 0, "returned %ld errno %d (%s)", rc, e, strerror(e));
}

/* Rootless: a chown to ids the namespace cannot map succeeds (and changes nothing); errors stay
 * the kernel's. A non-root guest gets EPERM, as for ids that exist. */
static void t_chown(void)
{
    int fd = open("/tmp/owned", O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    close(fd);
    if (getuid() != 0) {
        refused("chown-unprivileged", chown("/tmp/owned", 2000, 2000), EPERM);
        fd = open("/tmp/owned", O_RDONLY | O_CLOEXEC);
        refused("fchown-unprivileged", fchown(fd, 2000, -1), EPERM);
        close(fd);
        return;
    }
    accepted("chown-unmapped", chown("/tmp/owned", 1234, 1234));
    accepted("lchown-unmapped", lchown("/tmp/owned", 1234, -1));
    fd = open("/tmp/owned", O_RDONLY | O_CLOEXEC);
    accepted("fchown-unmapped", fchown(fd, 4321, 4321));
    accepted("fchownat-unmapped", fchownat(AT_FDCWD, "/tmp/owned", 99, 99, 0));
    close(fd);
    refused("chown-missing", chown("/tmp/no-such-file", 1234, 1234), ENOENT);
    refused("fchown-badfd", fchown(999, 1234, 1234), EBADF);
    accepted("chown-mapped", chown("/tmp/owned", 0, 0));
}

/* Rootless: a switch to ids the namespace cannot map (a package manager dropping to its own
 * user) succeeds and changes nothing; errors stay the kernel's. A non-root guest gets EPERM. */
static void t_setid(void)
{
    if (getuid() != 0) {
        refused("setuid-unprivileged", setuid(2000), EPERM);
        refused("setresgid-unprivileged", setresgid(2000, 2000, 2000), EPERM);
        refused("setgroups-unprivileged", setgroups(0, NULL), EPERM);
        return;
    }
    gid_t groups[] = {1234, 65534};
    accepted("setgroups-unmapped", setgroups(2, groups));
    accepted("setresgid-unmapped", setresgid(1234, 1234, 1234));
    accepted("setregid-unmapped", setregid(-1, 4321));
    accepted("setgid-unmapped", setgid(1234));
    accepted("setresuid-unmapped", setresuid(100, 100, 100));
    accepted("setreuid-unmapped", setreuid(-1, 200));
    accepted("setuid-unmapped", setuid(100));
    check("ids-unchanged", getuid() == 0 && geteuid() == 0 && getgid() == 0 && getegid() == 0,
          "uid %d euid %d gid %d egid %d", (int)getuid(), (int)geteuid(), (int)getgid(),
          (int)getegid());
    accepted("setuid-mapped", setuid(0));
    refused("setgroups-too-many", setgroups(65537, groups), EINVAL);
    refused("setgroups-efault", setgroups(2, (gid_t *)8), EFAULT);
    refused("setuid-minus-one", setuid(-1), EINVAL);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    const char *what = argc > 1 ? argv[1] : "all";
    bool all = strcmp(what, "all") == 0;
    if (all || !strcmp(what, "mount"))
        t_mount();
    if (all || !strcmp(what, "userns"))
        t_userns();
    if (all || !strcmp(what, "ptrace"))
        t_ptrace();
    if (!strcmp(what, "ptrace-refused"))
        t_ptrace_refused();
    if (all || !strcmp(what, "kernel"))
        t_kernel();
    if (all || !strcmp(what, "tty"))
        t_tty();
    if (all || !strcmp(what, "abis"))
        t_abis();
    if (all || !strcmp(what, "limits"))
        t_limits();
    if (all || !strcmp(what, "procs"))
        t_procs();
    if (all || !strcmp(what, "net"))
        t_net();
    if (!strcmp(what, "hostfile") && argc > 2)
        t_hostfile(argv[2]);
    if (!strcmp(what, "signal") && argc > 2)
        t_signal(argv[2]);
    if (!strcmp(what, "forkflood"))
        t_forkflood();
    if (!strcmp(what, "memhog") && argc > 2)
        t_memhog(argv[2]);
    if (!strcmp(what, "chown"))
        t_chown();
    if (!strcmp(what, "setid"))
        t_setid();
    if (!strcmp(what, "segv")) {
        volatile int *volatile nowhere = (volatile int *)(uintptr_t)8;
        *nowhere = 1;
    }
    if (!strcmp(what, "ids"))
        printf("uid=%d euid=%d\n", (int)getuid(), (int)geteuid());
    return failures;
}
