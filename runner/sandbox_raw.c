/* sandbox_raw.c: system calls that leave errno alone. Two kinds of code run beside another task
 * that shares their memory and thread pointer, and so the C library's errno and its other
 * per-thread state: the instance's aide (a thread the C library does not know of), and the
 * supervisor while an instance that shares its memory sets itself up (sandbox_spawn.c). */
#include "sandbox.h"

#include <sys/syscall.h>

long sandbox_sys(long nr, long a, long b, long c, long d)
{
    long ret;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return ret;
}

int sandbox_getcpu(void)
{
    unsigned cpu = 0;
    return sandbox_sys(SYS_getcpu, (long)&cpu, 0, 0, 0) < 0 ? -1 : (int)cpu;
}
