/* layout.c: how exec lays a program out, as /proc/self/maps shows it: the gaps between the
 * program's segments are holes (built with 64 KiB segment alignment, so that there are gaps),
 * faulting and free for mmap; the interpreter's too; [stack] as large as exec makes it, and
 * larger once the program touches lower. Printed without addresses, so that a translated run and
 * a native one print the same. */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096ul

extern char **environ;

struct line {
    unsigned long s, e;
    char perms[8];
    char name[512];
};

static struct line lines[512];
static int nlines;

static void read_maps(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    char buf[1024];
    nlines = 0;
    while (f && nlines < 512 && fgets(buf, sizeof(buf), f)) {
        struct line *l = &lines[nlines];
        int name = 0;
        if (sscanf(buf, "%lx-%lx %7s %*x %*x:%*x %*u %n", &l->s, &l->e, l->perms, &name) < 3)
            continue;
        snprintf(l->name, sizeof(l->name), "%s", name ? buf + name : "");
        l->name[strcspn(l->name, "\n")] = '\0';
        nlines++;
    }
    if (f)
        fclose(f);
}

/* The index of the line holding addr, or -1. */
static int line_at(unsigned long addr)
{
    for (int i = 0; i < nlines; i++)
        if (lines[i].s <= addr && addr < lines[i].e)
            return i;
    return -1;
}

/* The lines from the first to the last named name: how many holes lie between them (the first
 * one's address in *hole), and how many ---p lines. */
static void span_of(const char *name, int *holes, int *noaccess, unsigned long *hole)
{
    int first = -1, last = -1;
    for (int i = 0; i < nlines; i++)
        if (strcmp(lines[i].name, name) == 0) {
            if (first < 0)
                first = i;
            last = i;
        }
    *holes = *noaccess = 0;
    for (int i = first; first >= 0 && i <= last; i++) {
        if (strcmp(lines[i].perms, "---p") == 0)
            (*noaccess)++;
        if (i > first && lines[i - 1].e != lines[i].s && (*holes)++ == 0)
            *hole = lines[i - 1].e;
    }
}

/* Whether a read of addr kills a child with SIGSEGV. */
static int faults(unsigned long addr)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        volatile char *p = (volatile char *)addr;
        _exit(*p == 0 ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV;
}

static void program(void)
{
    char exe[512];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    int holes, noaccess;
    unsigned long hole = 0;
    span_of(exe, &holes, &noaccess, &hole);
    printf("program: %s, %d ---p lines between its segments\n",
           holes ? "holes between its segments" : "no holes", noaccess);
    if (!holes)
        return;
    printf("program: a read in a hole %s\n", faults(hole) ? "faults (SIGSEGV)" : "does not fault");
    void *p =
        mmap((void *)hole, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    printf("program: MAP_FIXED_NOREPLACE in a hole %s\n",
           p == (void *)hole ? "maps there" : "fails");
    if (p != MAP_FAILED)
        munmap(p, PG);
}

static void interpreter(void)
{
    unsigned long base = getauxval(AT_BASE);
    read_maps();
    int i = base ? line_at(base) : -1;
    int holes = 0, noaccess = 0;
    unsigned long hole;
    if (i >= 0)
        span_of(lines[i].name, &holes, &noaccess, &hole);
    printf("interpreter: %d ---p lines between its segments\n", noaccess);
}

/* fs/exec.c: the pages the file name, the environment and the arguments were copied to (below
 * a pointer's width at the top), and 128 KiB more (setup_arg_pages). */
static unsigned long exec_stack_size(int argc, char **argv)
{
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    unsigned long bytes = sizeof(void *) + strlen(execfn) + 1;
    for (int i = 0; i < argc; i++)
        bytes += strlen(argv[i]) + 1;
    for (char **e = environ; *e; e++)
        bytes += strlen(*e) + 1;
    return (bytes + PG - 1) / PG * PG + 128 * 1024;
}

static void stack(int argc, char **argv)
{
    int local = 0;
    read_maps();
    int i = line_at((unsigned long)&local);
    if (i < 0 || strcmp(lines[i].name, "[stack]") != 0) {
        puts("stack: not named");
        return;
    }
    unsigned long top = lines[i].e, want = exec_stack_size(argc, argv);
    unsigned long size = top - lines[i].s;
    if (size == want)
        puts("stack: as large as exec makes it");
    else
        printf("stack: %lu pages, exec makes %lu\n", size / PG, want / PG);
    /* A touch 300 KiB under the stack's lowest page: the stack grows to take it in. */
    uintptr_t deep = (lines[i].s - 300 * 1024) & ~(PG - 1);
    *(volatile char *)deep = 1;
    read_maps();
    i = line_at(deep);
    printf("stack: after a touch 300 KiB below it, %s\n",
           i >= 0 && lines[i].s == deep && lines[i].e == top &&
                   strcmp(lines[i].name, "[stack]") == 0
               ? "from the page touched to the top"
               : "not grown as Linux grows it");
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "cat") == 0) {
        FILE *f = fopen("/proc/self/maps", "r");
        int c;
        while ((c = getc(f)) != EOF)
            putchar(c);
        return 0;
    }
    stack(argc, argv);
    read_maps();
    program();
    interpreter();
    return 0;
}
