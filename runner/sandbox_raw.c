/* sandbox_raw.c: system calls that leave errno alone. Two kinds of code run beside another task
 * that shares their memory and thread pointer, and so the C library's errno and its other
 * per-thread state: the instance's aide (a thread the C library does not know of), and the
 * supervisor while an instance that shares its memory sets itself up (sandbox_spawn.c). */
#include "sandbox.h"

#include <sys/syscall.h>

long sandbox_sys(long nr, long a, long b, long c, long d)
{
#if defined(__x86_64__)
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return ret;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = nr;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc #0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
#else
#error "sandbox_sys: no system call sequence for this architecture"
#endif
}

int sandbox_getcpu(void)
{
    unsigned cpu = 0;
    return sandbox_sys(SYS_getcpu, (long)&cpu, 0, 0, 0) < 0 ? -1 : (int)cpu;
}
