/* sandbox_raw.c: system calls that leave errno alone. Three kinds of code run beside another task
 * that shares their memory and thread pointer, and so the C library's errno and its other
 * per-thread state: the instance's aide (a thread the C library does not know of), the
 * supervisor while an instance that shares its memory sets itself up (sandbox_spawn.c), and an
 * instance started early while the supervisor still reads the catalog (sandbox_early.c). */
#include "sandbox.h"

#include <fcntl.h>
#include <link.h>
#include <sys/syscall.h>

long sandbox_sys5(long nr, long a, long b, long c, long d, long e)
{
#if defined(__x86_64__)
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
                     : "rcx", "r11", "memory");
    return ret;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
    return x0;
#else
#error "sandbox_sys5: no system call sequence for this architecture"
#endif
}

long sandbox_sys(long nr, long a, long b, long c, long d)
{
    return sandbox_sys5(nr, a, b, c, d, 0);
}

int sandbox_getcpu(void)
{
    unsigned cpu = 0;
    return sandbox_sys(SYS_getcpu, (long)&cpu, 0, 0, 0) < 0 ? -1 : (int)cpu;
}

int sandbox_stat_fields(int first, int last, uint64_t *v)
{
    char buf[1024];
    long fd =
        sandbox_sys(SYS_openat, AT_FDCWD, (long)"/proc/thread-self/stat", O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    long n = sandbox_sys(SYS_read, fd, (long)buf, sizeof(buf) - 1, 0);
    sandbox_sys(SYS_close, fd, 0, 0, 0);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    long at = n - 1;
    while (at >= 0 && buf[at] != ')')
        at--;
    if (at < 0)
        return -1;
    int field = 2;
    for (const char *c = buf + at + 1; *c && field < last; c++) {
        if (*c != ' ' || ++field < first)
            continue;
        uint64_t x = 0;
        const char *d = c + 1;
        while (*d >= '0' && *d <= '9')
            x = x * 10 + (uint64_t)(*d++ - '0');
        if (d == c + 1)
            return -1;
        v[field - first] = x;
    }
    return field == last ? 0 : -1;
}

/* The C library's clone sets errno when the kernel refuses. Arguments as the C library's clone
 * takes them (the child's tid stored at ptid in the parent, cleared at ctid as it ends); the
 * kernel's order differs by architecture. */
#if defined(__x86_64__)
__asm__(".text\n"
        ".globl sandbox_clone\n"
        ".type sandbox_clone, @function\n"
        "sandbox_clone:\n"
        "    andq $-16, %rsi\n"
        "    subq $16, %rsi\n"
        "    movq %rdx, (%rsi)\n" /* fn and arg, for the child to pop from its new stack */
        "    movq %rcx, 8(%rsi)\n"
        "    movq %r8, %rdx\n"    /* parent_tid */
        "    movq %r9, %r10\n"    /* child_tid */
        "    movq 8(%rsp), %r8\n" /* tls, used with CLONE_SETTLS alone */
        "    movl $56, %eax\n"    /* SYS_clone */
        "    syscall\n"
        "    testq %rax, %rax\n"
        "    jnz 1f\n"
        "    xorl %ebp, %ebp\n"
        "    popq %rax\n"
        "    popq %rdi\n"
        "    callq *%rax\n"
        "    movl %eax, %edi\n"
        "    movl $60, %eax\n" /* SYS_exit: this task alone */
        "    syscall\n"
        "    hlt\n"
        "1:  ret\n"
        ".size sandbox_clone, .-sandbox_clone\n");
#elif defined(__aarch64__)
__asm__(".text\n"
        ".globl sandbox_clone\n"
        ".type sandbox_clone, %function\n"
        "sandbox_clone:\n"
        "    and x1, x1, #-16\n"
        "    stp x2, x3, [x1, #-16]!\n" /* fn and arg, for the child to load from its new stack */
        "    mov x2, x4\n"              /* parent_tid */
        "    mov x4, x5\n"              /* child_tid */
        "    mov x3, x6\n"              /* tls, used with CLONE_SETTLS alone */
        "    mov x8, #220\n"            /* SYS_clone */
        "    svc #0\n"
        "    cbnz x0, 1f\n"
        "    ldp x1, x0, [sp], #16\n"
        "    blr x1\n"
        "    mov x8, #93\n" /* SYS_exit: this task alone */
        "    svc #0\n"
        "    brk #0\n"
        "1:  ret\n"
        ".size sandbox_clone, .-sandbox_clone\n");
#else
#error "sandbox_clone: no clone sequence for this architecture"
#endif

void sandbox_close_raw(int *fd)
{
    if (*fd >= 0)
        sandbox_sys(SYS_close, *fd, 0, 0, 0);
    *fd = -1;
}

void sandbox_zero(void *p, size_t n)
{
#if defined(__x86_64__)
    __asm__ volatile("rep stosb" : "+D"(p), "+c"(n) : "a"(0) : "memory");
#else
    for (volatile char *c = p; n; n--)
        *c++ = 0;
#endif
}

void *sandbox_thread_pointer(void)
{
    void *tp;
#if defined(__x86_64__)
    /* The C library's thread control block starts with a pointer to itself. */
    __asm__("movq %%fs:0, %0" : "=r"(tp));
#elif defined(__aarch64__)
    __asm__("mrs %0, tpidr_el0" : "=r"(tp));
#endif
    return tp;
}

void sandbox_set_thread_pointer(void *tp)
{
    if (!tp)
        return;
#if defined(__x86_64__)
    sandbox_sys(SYS_arch_prctl, 0x1002 /* ARCH_SET_FS */, (long)tp, 0, 0);
#elif defined(__aarch64__)
    __asm__ volatile("msr tpidr_el0, %0" : : "r"(tp) : "memory");
#endif
}

#if defined(__x86_64__)
/* viv's entry point, before the C library's _start: sandbox_prestart sees the command line
 * (argc, then argv, at the initial stack pointer) while glibc has not run; %rdx, which the kernel
 * sets for _start, is kept. */
__asm__(".text\n"
        ".globl sandbox_entry\n"
        ".type sandbox_entry, @function\n"
        "sandbox_entry:\n"
        "    movq %rsp, %rdi\n"
        "    pushq %rdx\n"
        "    subq $8, %rsp\n"
        "    call sandbox_prestart\n"
        "    addq $8, %rsp\n"
        "    popq %rdx\n"
        "    jmp _start\n"
        ".size sandbox_entry, .-sandbox_entry\n");
#endif

/* The ELF header is mapped first, at the image's base (the linker names it __ehdr_start); its
 * program headers follow it. */
extern const ElfW(Ehdr) __ehdr_start;

bool sandbox_image_segment(size_t *i, bool writable, void **at, size_t *len)
{
    const uintptr_t page = 4096;
    const ElfW(Phdr) *ph = (const ElfW(Phdr) *)((uintptr_t)&__ehdr_start + __ehdr_start.e_phoff);
    /* The load bias: the first loaded segment maps the file from its start, the header. */
    uintptr_t base = 0;
    for (size_t k = 0; k < __ehdr_start.e_phnum; k++)
        if (ph[k].p_type == PT_LOAD) {
            base = (uintptr_t)&__ehdr_start - (ph[k].p_vaddr - ph[k].p_offset);
            break;
        }
    for (; *i < __ehdr_start.e_phnum; (*i)++) {
        if (ph[*i].p_type != PT_LOAD || !(ph[*i].p_flags & PF_W) != !writable)
            continue;
        uintptr_t from = (base + ph[*i].p_vaddr) & ~(page - 1);
        uintptr_t to = (base + ph[*i].p_vaddr + ph[*i].p_filesz + page - 1) & ~(page - 1);
        *at = (void *)from;
        *len = to - from;
        (*i)++;
        return true;
    }
    return false;
}
