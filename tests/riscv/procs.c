/* procs.c: fork, vfork, wait4/waitid statuses, a pipe between parent and child, execve of
 * another test program, of a host program and of #! scripts; prints the same natively. */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void show(const char *what, int st)
{
    if (WIFEXITED(st))
        printf("%s: exited %d\n", what, WEXITSTATUS(st));
    else if (WIFSIGNALED(st))
        printf("%s: killed by %s\n", what, strsignal(WTERMSIG(st)));
    else
        printf("%s: status %#x\n", what, st);
}

static int wait_for(pid_t pid)
{
    int st = 0;
    if (waitpid(pid, &st, 0) != pid)
        printf("waitpid: %s\n", strerror(errno));
    return st;
}

/* Another program of this build: the same directory and the same -static/-dynamic/-native. */
static char *sibling(const char *self, const char *name)
{
    static char buf[4096];
    const char *slash = strrchr(self, '/'), *dash = strrchr(self, '-');
    if (!dash || (slash && dash < slash))
        return NULL;
    snprintf(buf, sizeof(buf), "%.*s%s%s", slash ? (int)(slash - self + 1) : 0, self, name,
             dash);
    return buf;
}

int main(int argc, char **argv)
{
    (void)argc;
    setvbuf(stdout, NULL, _IONBF, 0);

    /* fork: the child's exit status reaches the parent. */
    pid_t pid = fork();
    if (pid == 0) {
        printf("child: fork returned 0, parent matches %d\n", getppid() > 1);
        _exit(7);
    }
    show("fork child", wait_for(pid));

    /* A child killed by a signal. */
    if ((pid = fork()) == 0) {
        raise(SIGTERM);
        _exit(0);
    }
    show("signalled child", wait_for(pid));

    /* A pipe from child to parent; the parent reads until the child's end closes. */
    int pfd[2];
    if (pipe(pfd) != 0)
        return 1;
    if ((pid = fork()) == 0) {
        close(pfd[0]);
        for (int i = 0; i < 3; i++)
            dprintf(pfd[1], "line %d from the child\n", i);
        _exit(0);
    }
    close(pfd[1]);
    char buf[256];
    size_t got = 0;
    ssize_t n;
    while ((n = read(pfd[0], buf + got, sizeof(buf) - 1 - got)) > 0)
        got += (size_t)n;
    buf[got] = '\0';
    close(pfd[0]);
    printf("parent read %zu bytes:\n%s", got, buf);
    show("pipe child", wait_for(pid));

    /* Memory is copied, not shared. */
    static int shared_value = 1;
    if ((pid = fork()) == 0) {
        shared_value = 2;
        _exit(shared_value);
    }
    int st = wait_for(pid);
    printf("child wrote %d, parent still sees %d\n", WEXITSTATUS(st), shared_value);

    /* vfork: the child may only _exit or exec. */
    if ((pid = vfork()) == 0)
        _exit(3);
    show("vfork child", wait_for(pid));

    /* waitid reports through a siginfo_t. */
    if ((pid = fork()) == 0)
        _exit(9);
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    if (waitid(P_PID, (id_t)pid, &si, WEXITED) != 0)
        printf("waitid: %s\n", strerror(errno));
    printf("waitid: pid ok %d code CLD_EXITED %d status %d\n", si.si_pid == pid,
           si.si_code == CLD_EXITED, si.si_status);

    /* execve of another program of this build, with arguments. */
    char *args = sibling(argv[0], "args");
    if (!args)
        return 1;
    char *args_copy = realpath(args, NULL); /* the #! line and the last exec run elsewhere */
    if (!args_copy)
        return 1;
    if ((pid = fork()) == 0) {
        char *av[] = {args_copy, "exit", "5", NULL};
        execve(args_copy, av, environ);
        printf("execve: %s\n", strerror(errno));
        _exit(127);
    }
    show("exec'd args", wait_for(pid));

    /* execve of a host program (posix_spawn: vfork-style clone, then execve). */
    char *echo_av[] = {"echo", "a host program ran", NULL};
    if (posix_spawn(&pid, "/bin/echo", NULL, NULL, echo_av, environ) != 0)
        printf("posix_spawn failed\n");
    show("posix_spawn echo", wait_for(pid));

    /* #! scripts: one for the host's shell, one whose interpreter is the args program. */
    char dir[] = "/tmp/procs-XXXXXX";
    if (!mkdtemp(dir) || chdir(dir) != 0)
        return 1;
    FILE *f = fopen("sh-script", "w");
    fprintf(f, "#!/bin/sh\necho shell script says \"$1\"\nexit 4\n");
    fclose(f);
    f = fopen("args-script", "w");
    fprintf(f, "#!%s from-the-line\n", args_copy);
    fclose(f);
    chmod("sh-script", 0755);
    chmod("args-script", 0755);
    if ((pid = fork()) == 0) {
        char *av[] = {"sh-script", "hi", NULL};
        execve("./sh-script", av, environ);
        _exit(127);
    }
    show("shell script", wait_for(pid));
    if ((pid = fork()) == 0) {
        char *av[] = {"args-script", "exit", "6", NULL};
        execve("./args-script", av, environ);
        _exit(127);
    }
    show("args script", wait_for(pid));
    unlink("sh-script");
    unlink("args-script");
    if (chdir("/") != 0 || rmdir(dir) != 0)
        return 1;

    /* Errors come back to the caller, which keeps running. */
    char *av[] = {"nope", NULL};
    int rc = execve("/nonexistent/nope", av, environ);
    printf("execve missing: %d %s\n", rc, strerror(errno));
    rc = execve("/tmp", av, environ);
    printf("execve folder: %d %s\n", rc, strerror(errno));
    rc = wait(NULL);
    printf("wait without children: %d %s\n", rc, strerror(errno));

    /* Finally the process itself becomes another program. */
    char *last[] = {args_copy, "exit", "0", NULL};
    execve(args_copy, last, environ);
    return 1;
}
