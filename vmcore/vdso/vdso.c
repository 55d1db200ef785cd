/* vdso.c: the guest's vDSO, as Linux gives one to every x86-64 process: the clock calls answered
 * in ring 3, from the TSC and the parameters the VMM wrote to the page just below this image,
 * so that reading the time costs no exit. Anything it cannot answer makes the system call.
 *
 * Guest code: built -fPIC -shared -nostdlib by its own rule (GNUmakefile), linked by vdso.lds
 * into one read-only executable segment with no relocations, and carried in viv as data. */
#include "vvar.h"

#include <linux/time.h>
#include <stddef.h>

struct timeval_k {
    long tv_sec, tv_usec;
};
struct timezone_k {
    int tz_minuteswest, tz_dsttime;
};

/* The VMM's page is the one before this image's ELF header (__ehdr_start, the linker's symbol),
 * taken from the instruction pointer: no relocation, wherever the image is placed. */
static const volatile struct vm_vvar *vvar(void)
{
    uintptr_t ehdr;
    __asm__("lea __ehdr_start(%%rip), %0" : "=r"(ehdr));
    return (const volatile struct vm_vvar *)(ehdr - 4096);
}

static long syscall2(long nr, long a, long b)
{
    long r;
    __asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b) : "rcx", "r11", "memory");
    return r;
}

static uint64_t rdtsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Nanoseconds of clock id now, or 0 when this page cannot tell (the caller asks the host). */
static uint64_t now_ns(long id)
{
    const volatile struct vm_vvar *v = vvar();
    if (!v->ready)
        return 0;
    uint64_t base;
    switch (id) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
        base = v->real_ns0;
        break;
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_BOOTTIME:
        base = v->mono_ns0;
        break;
    default:
        return 0;
    }
    uint64_t ticks = rdtsc() - v->tsc0;
    return base + (uint64_t)(((unsigned __int128)ticks * v->mult) >> v->shift);
}

/* x86-64 numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
enum { NR_gettimeofday = 96, NR_time = 201, NR_clock_gettime = 228, NR_clock_getres = 229 };

int __vdso_clock_gettime(long id, struct timespec *ts)
{
    uint64_t ns = now_ns(id);
    if (!ns)
        return (int)syscall2(NR_clock_gettime, id, (long)ts);
    ts->tv_sec = (long)(ns / 1000000000u);
    ts->tv_nsec = (long)(ns % 1000000000u);
    return 0;
}

int __vdso_gettimeofday(struct timeval_k *tv, struct timezone_k *tz)
{
    uint64_t ns = now_ns(CLOCK_REALTIME);
    if (!ns)
        return (int)syscall2(NR_gettimeofday, (long)tv, (long)tz);
    if (tv) {
        tv->tv_sec = (long)(ns / 1000000000u);
        tv->tv_usec = (long)(ns % 1000000000u / 1000u);
    }
    if (tz) /* the kernel's sys_tz, which nothing in an appliance sets: UTC */
        tz->tz_minuteswest = tz->tz_dsttime = 0;
    return 0;
}

long __vdso_time(long *t)
{
    uint64_t ns = now_ns(CLOCK_REALTIME);
    if (!ns)
        return syscall2(NR_time, (long)t, 0);
    long s = (long)(ns / 1000000000u);
    if (t)
        *t = s;
    return s;
}

int __vdso_clock_getres(long id, struct timespec *res)
{
    if (!now_ns(id))
        return (int)syscall2(NR_clock_getres, id, (long)res);
    if (res) { /* the TSC counts faster than nanoseconds: the resolution is one */
        res->tv_sec = 0;
        res->tv_nsec = 1;
    }
    return 0;
}

/* One vCPU per thread, no NUMA in a micro-VM. */
long __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
    (void)unused;
    if (cpu)
        *cpu = 0;
    if (node)
        *node = 0;
    return 0;
}
