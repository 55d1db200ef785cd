/* fds.c: which descriptors beyond stdin, stdout and stderr a program starts with, and whether any
 * of them leads out of its root: a translated guest shares its process with the translator,
 * whose own descriptors it must not find; whether it may make itself dumpable; and how many
 * seccomp filters bind it. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
    int open_fds = 0;
    for (int fd = 3; fd < 1024; fd++) {
        if (fcntl(fd, F_GETFD) < 0)
            continue;
        open_fds++;
        struct stat st;
        int up = openat(fd, "../../../../../../../..", O_RDONLY | O_DIRECTORY);
        if (up >= 0 && fstatat(up, "etc/shadow", &st, 0) == 0)
            printf("fd %d leads to a root with etc/shadow\n", fd);
        if (up >= 0)
            close(up);
    }
    printf("fds above 2: %d\n", open_fds);
    /* Translated, the process holds the translator: its memory stays closed to the guest's
     * other processes. */
    printf("dumpable: %s\n", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0 ? "set" : "refused");
    /* The instance's policy, and over it the engine's own, which keeps ptrace refused to any
     * native process the guest starts. */
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "Seccomp_filters:", 16) == 0)
            printf("seccomp filters:%s", line + 16);
    if (f)
        fclose(f);
    return 0;
}
