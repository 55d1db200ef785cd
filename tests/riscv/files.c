/* files.c: create, write, read, stat, list, rename and remove files under the folder argv[1]. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    if (argc != 2 || chdir(argv[1]) != 0) {
        fprintf(stderr, "usage: files DIR\n");
        return 2;
    }
    if (mkdir("sub", 0755) != 0)
        perror("mkdir");
    FILE *f = fopen("sub/a.txt", "w");
    for (int i = 0; i < 1000; i++)
        fprintf(f, "line %d\n", i);
    fclose(f);
    struct stat st;
    stat("sub/a.txt", &st);
    printf("size %lld regular %d mode %o\n", (long long)st.st_size, S_ISREG(st.st_mode),
           st.st_mode & 0777 & ~0022);
    int fd = open("sub/a.txt", O_RDONLY);
    char buf[64];
    ssize_t n = pread(fd, buf, 20, 10);
    printf("pread %zd '%.*s'\n", n, (int)n - 1, buf);
    printf("lseek %lld\n", (long long)lseek(fd, 0, SEEK_END));
    fstat(fd, &st);
    printf("fstat size %lld\n", (long long)st.st_size);
    close(fd);
    if (symlink("a.txt", "sub/link") != 0)
        perror("symlink");
    char target[64];
    n = readlink("sub/link", target, sizeof(target));
    printf("readlink %.*s lstat-link %d\n", (int)n, target,
           lstat("sub/link", &st) == 0 && S_ISLNK(st.st_mode));
    rename("sub/a.txt", "sub/b.txt");
    printf("after rename: a %d b %d\n", access("sub/a.txt", F_OK) == 0,
           access("sub/b.txt", R_OK) == 0);
    printf("open missing: %s\n", open("sub/missing", O_RDONLY) < 0 ? strerror(errno) : "opened");
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof(name), "sub/f%d", i);
        close(open(name, O_CREAT | O_WRONLY, 0644));
    }
    DIR *d = opendir("sub");
    char *names[16];
    int count = 0;
    for (struct dirent *e; (e = readdir(d)) && count < 16;)
        if (e->d_name[0] != '.')
            names[count++] = strdup(e->d_name);
    closedir(d);
    qsort(names, (size_t)count, sizeof(names[0]), by_name);
    for (int i = 0; i < count; i++) {
        printf("entry %s\n", names[i]);
        char path[64];
        snprintf(path, sizeof(path), "sub/%s", names[i]);
        unlink(path);
        free(names[i]);
    }
    printf("rmdir %d\n", rmdir("sub"));
    /* poll and select, which riscv64's C library makes ppoll and pselect6: a pipe is writable,
     * and readable once written to. */
    int pp[2];
    if (pipe(pp) != 0)
        return 1;
    struct pollfd pf[2] = {{.fd = pp[0], .events = POLLIN}, {.fd = pp[1], .events = POLLOUT}};
    int ready = poll(pf, 2, 0);
    printf("poll empty pipe: %d, in %d out %d\n", ready, pf[0].revents, pf[1].revents);
    printf("write %zd\n", write(pp[1], "x", 1));
    fd_set rd;
    FD_ZERO(&rd);
    FD_SET(pp[0], &rd);
    struct timeval tv = {.tv_sec = 1};
    ready = select(pp[0] + 1, &rd, NULL, NULL, &tv);
    printf("select: %d, readable %d\n", ready, FD_ISSET(pp[0], &rd) != 0);
    close(pp[0]);
    close(pp[1]);
    char cwd[4096];
    printf("getcwd ends with argv[1] %d\n", getcwd(cwd, sizeof(cwd)) &&
           strstr(cwd, strrchr(argv[1], '/') ? strrchr(argv[1], '/') : argv[1]) != NULL);
    return 0;
}
