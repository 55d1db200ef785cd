/* abi_x86_64.c: the x86-64 Linux system call table (arch/x86/entry/syscalls/syscall_64.tbl). */
#include "sys_internal.h"

/* The argument registers are rdi, rsi, rdx, r10, r8, r9 and the number is rax; the engine reads
 * those. The structures are the host's, so most calls are the generic handlers; the legacy
 * calls the generic table dropped (open, stat, pipe, dup2, fork, ...) are served by their
 * modern forms. */
#define E(nr, n, fmt) [nr] = {.name = #n, .fn = xlat_sys_##n, .args = fmt}

static const struct xlat_sys_entry x86_64_table[] = {
    E(0, read, "dxu"),
    E(1, write, "dxu"),
    E(2, open, "sxo"),
    E(3, close, "d"),
    E(4, stat, "sx"),
    E(5, fstat, "dx"),
    E(6, lstat, "sx"),
    E(7, poll, "xud"),
    E(8, lseek, "ddd"),
    E(9, mmap, "xuxxdx"),
    E(10, mprotect, "xux"),
    E(11, munmap, "xu"),
    E(12, brk, "x"),
    E(13, rt_sigaction, "dxxu"),
    E(14, rt_sigprocmask, "dxxu"),
    E(15, rt_sigreturn, ""),
    E(16, ioctl, "dxx"),
    E(17, pread64, "dxud"),
    E(18, pwrite64, "dxud"),
    E(19, readv, "dxu"),
    E(20, writev, "dxu"),
    E(21, access, "so"),
    E(22, pipe, "x"),
    E(23, select, "dxxxx"),
    E(24, sched_yield, ""),
    E(25, mremap, "xuuxx"),
    E(28, madvise, "xud"),
    E(32, dup, "d"),
    E(33, dup2, "dd"),
    E(35, nanosleep, "xx"),
    E(36, getitimer, "dx"),
    E(38, setitimer, "dxx"),
    E(39, getpid, ""),
    E(56, clone, "xxxxx"),
    E(57, fork, ""),
    E(58, vfork, ""),
    E(59, execve, "sxx"),
    E(60, exit, "d"),
    E(61, wait4, "dxxx"),
    E(62, kill, "dd"),
    E(63, uname, "x"),
    E(72, fcntl, "ddx"),
    E(74, fsync, "d"),
    E(77, ftruncate, "dd"),
    E(79, getcwd, "xu"),
    E(80, chdir, "s"),
    E(81, fchdir, "d"),
    E(82, rename, "ss"),
    E(83, mkdir, "so"),
    E(84, rmdir, "s"),
    E(87, unlink, "s"),
    E(88, symlink, "ss"),
    E(89, readlink, "sxu"),
    E(90, chmod, "so"),
    E(91, fchmod, "do"),
    E(95, umask, "o"),
    E(96, gettimeofday, "xx"),
    E(98, getrusage, "dx"),
    E(99, sysinfo, "x"),
    E(100, times, "x"),
    E(102, getuid, ""),
    E(104, getgid, ""),
    E(107, geteuid, ""),
    E(108, getegid, ""),
    E(109, setpgid, "dd"),
    E(110, getppid, ""),
    E(111, getpgrp, ""),
    E(112, setsid, ""),
    E(121, getpgid, "d"),
    E(124, getsid, "d"),
    E(127, rt_sigpending, "xu"),
    E(130, rt_sigsuspend, "xu"),
    E(131, sigaltstack, "xx"),
    E(157, prctl, "dxxxx"),
    E(158, arch_prctl, "xx"),
    E(186, gettid, ""),
    E(200, tkill, "dd"),
    E(201, time, "x"),
    E(202, futex, "xdux"),
    E(204, sched_getaffinity, "dux"),
    E(217, getdents64, "dxu"),
    E(218, set_tid_address, "x"),
    E(228, clock_gettime, "dx"),
    E(229, clock_getres, "dx"),
    E(230, clock_nanosleep, "ddxx"),
    E(231, exit_group, "d"),
    E(234, tgkill, "ddd"),
    E(247, waitid, "ddxxx"),
    E(257, openat, "dsxo"),
    E(258, mkdirat, "dso"),
    E(262, newfstatat, "dsxx"),
    E(263, unlinkat, "dsx"),
    E(264, renameat, "dsds"),
    E(266, symlinkat, "sds"),
    E(267, readlinkat, "dsxu"),
    E(268, fchmodat, "dso"),
    E(269, faccessat, "dso"),
    E(270, pselect6, "dxxxxx"),
    E(271, ppoll, "xuxxu"),
    E(273, set_robust_list, "xu"),
    E(292, dup3, "ddx"),
    E(293, pipe2, "xx"),
    E(302, prlimit64, "ddxx"),
    E(316, renameat2, "dsdsx"),
    E(318, getrandom, "xux"),
    E(332, statx, "dsxxx"),
    E(439, faccessat2, "dsox"),
};

static uint64_t x86_64_sp(const struct xlat_regs *regs)
{
    return regs->x86.rsp;
}

/* SYSCALL left the return address in rip already (the engine's view of the call): the child
 * only differs in rax and, maybe, rsp. */
static void x86_64_clone_regs(struct xlat_regs *r, uint64_t sp, bool set_tls, uint64_t tls)
{
    (void)set_tls, (void)tls; /* the FS base, loaded by the engine */
    r->x86.rax = 0;
    if (sp)
        r->x86.rsp = sp;
}

const struct xlat_abi xlat_abi_x86_64 = {
    .name = "x86_64",
    .table = x86_64_table,
    .n = VIV_ARRAY_SIZE(x86_64_table),
    .host_stat = true,
    .sa_restorer = true,
    .sp = x86_64_sp,
    .sigframe_push = x86_sigframe_push,
    .sigframe_pop = x86_sigframe_pop,
    .machine = ELF_MACHINE_X86_64,
    .clone_ctid = 3,
    .clone_tls = 4,
    .clone_regs = x86_64_clone_regs,
    .tls_is_fs = true,
};
