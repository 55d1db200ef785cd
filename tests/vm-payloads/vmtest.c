/* vmtest: a multi-call guest payload for vm mode: each first argument is one behaviour whose
 * output and exit status the tests check (vm_suite.sh). Raw system calls where the C library
 * would hide what is tested. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define KERNEL_HALF ((void *)0xffff800000000000ull)

static int failures;

/* expect_errno: a raw call returned -1 with errno e. */
static void expect_errno(const char *what, long r, int e)
{
    if (r != -1 || errno != e) {
        printf("FAIL %s: got %ld errno %d, wanted -1 errno %d\n", what, r, errno, e);
        failures++;
    }
}

static int efault(const char *argv0)
{
    char buf[16];
    struct timespec *ts_kernel = KERNEL_HALF;
    expect_errno("write from NULL", syscall(SYS_write, 1, NULL, 1), EFAULT);
    expect_errno("write from the kernel half", syscall(SYS_write, 1, KERNEL_HALF, 8), EFAULT);
    expect_errno("write of a wrapping range", syscall(SYS_write, 1, (void *)-4096l, 8192), EFAULT);
    expect_errno("write beyond guest memory", syscall(SYS_write, 1, (void *)(1ull << 40), 8),
                 EFAULT);
    expect_errno("read into the kernel half", syscall(SYS_read, 0, KERNEL_HALF, 8), EFAULT);
    expect_errno("openat of a kernel-half path", syscall(SYS_openat, AT_FDCWD, KERNEL_HALF, 0),
                 EFAULT);
    expect_errno("clock_gettime into the kernel half",
                 syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ts_kernel), EFAULT);
    expect_errno("uname into NULL", syscall(SYS_uname, NULL), EFAULT);
    expect_errno("fstat into NULL", syscall(SYS_fstat, 1, NULL), EFAULT);
    /* A read-only page is not a buffer to read into. */
    char *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    int self = open(argv0, O_RDONLY);
    expect_errno("read into a read-only page", syscall(SYS_read, self, ro, 8), EFAULT);
    close(self);
    /* A string that runs into an unmapped page. */
    char *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(two, 'a', 8192);
    munmap(two + 4096, 4096);
    expect_errno("a path running off its page", syscall(SYS_openat, AT_FDCWD, two + 4000, 0),
                 EFAULT);
    expect_errno("an unknown call", syscall(999), ENOSYS);
    expect_errno("a bad fd", syscall(SYS_write, 77, buf, 1), EBADF);
    printf("efault: %s\n", failures ? "FAILED" : "ok");
    return failures ? 1 : 0;
}

static int files(void)
{
    /* Paths resolve inside the image's root: ".." from / and absolute symlinks stay there. */
    const char *paths[] = {"/etc/vm-msg", "../../../../etc/vm-msg", "/etc/vm-link"};
    for (unsigned i = 0; i < 3; i++) {
        int fd = open(paths[i], O_RDONLY);
        char buf[64] = {0};
        if (fd < 0 || read(fd, buf, sizeof(buf) - 1) < 0) {
            printf("FAIL open %s: %s\n", paths[i], strerror(errno));
            return 1;
        }
        close(fd);
        printf("%s: %s", paths[i], buf);
    }
    /* The escape symlink points at /etc/passwd of whatever root: the image's. */
    int fd = open("/etc/escape", O_RDONLY);
    char buf[128] = {0};
    if (fd >= 0 && read(fd, buf, sizeof(buf) - 1) > 0)
        printf("escape reads the image's passwd: %s", strncmp(buf, "root:x:0:0:vm-image", 19) == 0 ? "yes\n" : buf);
    else
        printf("escape: %s\n", strerror(errno));
    return 0;
}

static volatile int sink;

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "hello";
    if (strcmp(what, "hello") == 0) {
        printf("hello from the vm payload\n");
        return 0;
    }
    if (strcmp(what, "exit") == 0)
        return argc > 2 ? atoi(argv[2]) : 0;
    if (strcmp(what, "spin") == 0)
        for (volatile unsigned long n = 0;; n++)
            ;
    if (strcmp(what, "efault") == 0)
        return efault(argv[0]);
    if (strcmp(what, "files") == 0)
        return files();
    if (strcmp(what, "segv") == 0) {
        volatile uintptr_t addr = 16;
        return *(volatile int *)addr;
    }
    if (strcmp(what, "ud2") == 0)
        __asm__ volatile("ud2");
    if (strcmp(what, "div0") == 0)
        __asm__ volatile("xor %%ecx, %%ecx; mov $1, %%eax; cltd; idivl %%ecx" ::: "rax", "rcx",
                         "rdx");
    if (strcmp(what, "int3") == 0)
        __asm__ volatile("int3");
    if (strcmp(what, "int81") == 0)
        __asm__ volatile("int $0x81"); /* no gate ring 3 may use: #GP */
    if (strcmp(what, "hlt") == 0)
        __asm__ volatile("hlt");
    if (strcmp(what, "cli") == 0)
        __asm__ volatile("cli");
    if (strcmp(what, "out") == 0)
        __asm__ volatile("outb %%al, $0xe0" ::"a"(0));
    if (strcmp(what, "rdmsr") == 0)
        __asm__ volatile("rdmsr" ::"c"(0xc0000080) : "rax", "rdx");
    if (strcmp(what, "movcr3") == 0)
        __asm__ volatile("mov %%rax, %%cr3" ::"a"(0));
    if (strcmp(what, "kernel-read") == 0) {
        volatile uintptr_t shim = 0xffffffff80000000ull; /* the shim: ring 0 only */
        sink = *(volatile int *)shim;
    }
    if (strcmp(what, "rowrite") == 0) {
        char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p[0] = 1;
        mprotect(p, 4096, PROT_READ);
        printf("read back %d\n", p[0]);
        fflush(stdout);
        p[0] = 2; /* a stale writable TLB entry would let this through */
        printf("FAIL: wrote a read-only page\n");
        return 1;
    }
    if (strcmp(what, "nx") == 0) {
        unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                -1, 0);
        p[0] = 0xc3; /* ret */
        printf("calling a non-executable page\n");
        fflush(stdout);
        ((void (*)(void))p)();
        printf("FAIL: executed a non-executable page\n");
        return 1;
    }
    if (strcmp(what, "exec-page") == 0) {
        unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                                -1, 0);
        p[0] = 0xb8, p[1] = 42, p[2] = p[3] = p[4] = 0, p[5] = 0xc3; /* mov $42, %eax; ret */
        mprotect(p, 4096, PROT_READ | PROT_EXEC);
        return ((int (*)(void))p)();
    }
    if (strcmp(what, "unmapped") == 0) {
        char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        p[4096] = 7;
        munmap(p, 8192);
        printf("unmapped\n");
        fflush(stdout);
        return p[4096];
    }
    if (strcmp(what, "alloc") == 0) {
        /* argv[2] MiB in one mapping, every page touched: fine below --memory, ENOMEM above. */
        size_t mib = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
        char *p = mmap(NULL, mib << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                       0);
        if (p == MAP_FAILED) {
            printf("alloc %zu MiB: %s\n", mib, strerror(errno));
            return 1;
        }
        for (size_t i = 0; i < mib << 20; i += 4096)
            p[i] = 1;
        printf("alloc %zu MiB: ok\n", mib);
        return 0;
    }
    if (strcmp(what, "malloc") == 0) {
        size_t total = 0;
        for (int i = 0; i < 1000; i++) {
            char *p = malloc(1000 + i * 37);
            memset(p, i, 1000 + i * 37);
            total += 1000 + i * 37;
            if (i % 3)
                free(p);
        }
        printf("malloc: %zu bytes\n", total);
        return 0;
    }
    printf("vmtest: unknown behaviour %s\n", what);
    return 2;
}
