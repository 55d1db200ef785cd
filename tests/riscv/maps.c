/* maps.c: what a program sees of its own mappings in /proc/self/maps, through munmap, mprotect,
 * MAP_FIXED, mremap and brk, printed without addresses so that a translated run and a native one
 * print the same; `maps cat` prints the file as it is. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096ul

/* The lines of maps inside [lo, hi) as TAG+pages, length, rights, offset and name (FILE is
 * "file" when the device and inode are the file's). */
static void show(const char *tag, uintptr_t lo, uintptr_t hi, const char *file,
                 const struct stat *st)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        unsigned long s, e, off, ino;
        unsigned maj, min;
        char perms[8];
        int name = 0;
        if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu %n", &s, &e, perms, &off, &maj, &min, &ino,
                   &name) < 7)
            continue;
        if (s < lo || e > hi)
            continue;
        char *nm = line + name;
        nm[strcspn(nm, "\n")] = '\0';
        const char *what = *nm ? nm : "anon";
        if (file && strcmp(nm, file) == 0)
            what = maj == major(st->st_dev) && min == minor(st->st_dev) && ino == st->st_ino
                       ? "file"
                       : "file, wrong dev:ino";
        printf("%s+%lu %lup %s %08lx %s\n", tag, (s - lo) / PG, (e - s) / PG, perms, off, what);
    }
    fclose(f);
}

/* Whether a line naming want holds addr (0: anywhere). */
static char bss[3 * PG];

static int has(const char *want, uintptr_t addr)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    int found = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long s, e;
        if (sscanf(line, "%lx-%lx", &s, &e) == 2 && strstr(line, want) &&
            (addr == 0 || (s <= addr && addr < e)))
            found = 1;
    }
    fclose(f);
    return found;
}

/* A data file of n pages at path, page i filled with fill + i (fill + 0 for all when same):
 * its fd, its stat and its real path in real[4096]; -1 when it cannot be made. */
static int data_file(const char *path, int n, char fill, int same, struct stat *st, char *real)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    char page[PG];
    for (int i = 0; i < n; i++) {
        memset(page, fill + (same ? 0 : i), PG);
        if (write(fd, page, PG) != (ssize_t)PG)
            return -1;
    }
    fstat(fd, st);
    return realpath(path, real) ? fd : -1;
}

/* A fork's child sees its parent's mappings; an exec leaves none of them. */
static int fork_exec(const char *argv0, const char *path)
{
    struct stat st;
    char real[4096];
    int fd = data_file(path, 4, 'x', 1, &st, real);
    if (fd < 0)
        return 1;
    char *a = mmap(NULL, 4 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
    mprotect(a + PG, PG, PROT_NONE);
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        show("child", (uintptr_t)a, (uintptr_t)a + 4 * PG, real, &st);
        fflush(stdout);
        execl(argv0, argv0, "lookfor", real, (char *)NULL);
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    munmap(a, PG);
    show("parent", (uintptr_t)a, (uintptr_t)a + 4 * PG, real, &st);
    unlink(path);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int main(int argc, char **argv)
{
    if (argc > 2 && strcmp(argv[1], "forkexec") == 0)
        return fork_exec(argv[0], argv[2]);
    if (argc > 2 && strcmp(argv[1], "lookfor") == 0) {
        int stack = 0;
        printf("after exec: %s %s, stack %s\n", argv[2], has(argv[2], 0) ? "still mapped" : "gone",
               has("[stack]", (uintptr_t)&stack) ? "named" : "not named");
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "cat") == 0) {
        FILE *f = fopen("/proc/self/maps", "r");
        int c;
        while ((c = getc(f)) != EOF)
            putchar(c);
        return 0;
    }
    const char *path = argc > 1 ? argv[1] : "/tmp/maps-data";
    struct stat st;
    char real[4096];
    int fd = data_file(path, 8, 'a', 0, &st, real);
    if (fd < 0)
        return 1;
    char *a = mmap(NULL, 6 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
    puts("-- mapped");
    show("a", (uintptr_t)a, (uintptr_t)a + 6 * PG, real, &st);
    munmap(a + PG, PG);
    puts("-- page 1 unmapped");
    show("a", (uintptr_t)a, (uintptr_t)a + 6 * PG, real, &st);
    mprotect(a + 3 * PG, PG, PROT_READ | PROT_WRITE);
    puts("-- page 3 writable");
    show("a", (uintptr_t)a, (uintptr_t)a + 6 * PG, real, &st);
    mprotect(a + 3 * PG, PG, PROT_READ);
    puts("-- page 3 read-only again");
    show("a", (uintptr_t)a, (uintptr_t)a + 6 * PG, real, &st);
    mmap(a + 4 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    puts("-- anonymous page over page 4");
    show("a", (uintptr_t)a, (uintptr_t)a + 6 * PG, real, &st);
    char *b = mremap(a + 5 * PG, PG, 2 * PG, MREMAP_MAYMOVE);
    puts("-- page 5 moved and grown by one");
    show("a", (uintptr_t)a, (uintptr_t)a + 6 * PG, real, &st);
    show("b", (uintptr_t)b, (uintptr_t)b + 2 * PG, real, &st);
    printf("moved page reads %c, grown page reads %c\n", b[0], b[PG]);
    char *c = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 4 * PG);
    puts("-- the file again at offset 4");
    show("c", (uintptr_t)c, (uintptr_t)c + 2 * PG, real, &st);
    char *sa = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    mprotect(sa + PG, PG, PROT_READ);
    puts("-- shared anonymous memory, its second page read-only");
    show("s", (uintptr_t)sa, (uintptr_t)sa + 2 * PG, NULL, NULL);
    char *brk0 = sbrk(0);
    sbrk(8 * PG);
    brk0[0] = 1;
    int local = 0;
    printf("heap %s, stack %s\n", has("[heap]", (uintptr_t)brk0) ? "named" : "not named",
           has("[stack]", (uintptr_t)&local) ? "named" : "not named");
    /* The bss is a line of its own, unnamed, even where the break starts right after it. */
    bss[sizeof(bss) - 1] = 1;
    printf("bss %s\n",
           has("[heap]", (uintptr_t)&bss[sizeof(bss) - 1]) ? "named [heap]" : "not named [heap]");
    unlink(path);
    return 0;
}
