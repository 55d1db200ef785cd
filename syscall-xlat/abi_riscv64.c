/* abi_riscv64.c: the riscv64 Linux system call table: generic numbers (asm-generic/unistd.h). */
#include "sys_internal.h"

/* riscv64 has no legacy calls (no open, stat, fork, ...): only the generic table, plus
 * riscv_flush_icache at arch-specific 244 + 15 (arch/riscv/include/uapi/asm/unistd.h). The
 * argument registers are a0..a5 and the number is a7 (psABI); the engine reads those. */
#define E(nr, n, fmt) [nr] = {.name = #n, .fn = xlat_sys_##n, .args = fmt}

static const struct xlat_sys_entry riscv64_table[] = {
    E(8, getxattr, "ssxu"),
    E(9, lgetxattr, "ssxu"),
    E(10, fgetxattr, "dsxu"),
    E(11, listxattr, "sxu"),
    E(12, llistxattr, "sxu"),
    E(13, flistxattr, "dxu"),
    E(17, getcwd, "xu"),
    E(23, dup, "d"),
    E(24, dup3, "ddx"),
    E(25, fcntl, "ddx"),
    E(29, ioctl, "dxx"),
    E(34, mkdirat, "dso"),
    E(35, unlinkat, "dsx"),
    E(36, symlinkat, "sds"),
    E(38, renameat, "dsds"),
    E(46, ftruncate, "dd"),
    E(48, faccessat, "dso"),
    E(49, chdir, "s"),
    E(50, fchdir, "d"),
    E(52, fchmod, "do"),
    E(53, fchmodat, "dso"),
    E(56, openat, "dsxo"),
    E(57, close, "d"),
    E(59, pipe2, "xx"),
    E(61, getdents64, "dxu"),
    E(62, lseek, "ddd"),
    E(63, read, "dxu"),
    E(64, write, "dxu"),
    E(65, readv, "dxu"),
    E(66, writev, "dxu"),
    E(67, pread64, "dxud"),
    E(68, pwrite64, "dxud"),
    E(78, readlinkat, "dsxu"),
    E(79, newfstatat, "dsxx"),
    E(80, fstat, "dx"),
    E(82, fsync, "d"),
    E(93, exit, "d"),
    E(94, exit_group, "d"),
    E(95, waitid, "ddxxx"),
    E(96, set_tid_address, "x"),
    E(98, futex, "xdux"),
    E(99, set_robust_list, "xu"),
    E(101, nanosleep, "xx"),
    E(102, getitimer, "dx"),
    E(103, setitimer, "dxx"),
    E(113, clock_gettime, "dx"),
    E(114, clock_getres, "dx"),
    E(115, clock_nanosleep, "ddxx"),
    E(123, sched_getaffinity, "dux"),
    E(124, sched_yield, ""),
    E(129, kill, "dd"),
    E(130, tkill, "dd"),
    E(131, tgkill, "ddd"),
    E(132, sigaltstack, "xx"),
    E(133, rt_sigsuspend, "xu"),
    E(134, rt_sigaction, "dxxu"),
    E(135, rt_sigprocmask, "dxxu"),
    E(136, rt_sigpending, "xu"),
    E(139, rt_sigreturn, ""),
    E(153, times, "x"),
    E(160, uname, "x"),
    E(165, getrusage, "dx"),
    E(166, umask, "o"),
    E(167, prctl, "dxxxx"),
    E(169, gettimeofday, "xx"),
    E(172, getpid, ""),
    E(173, getppid, ""),
    E(174, getuid, ""),
    E(175, geteuid, ""),
    E(176, getgid, ""),
    E(177, getegid, ""),
    E(178, gettid, ""),
    E(179, sysinfo, "x"),
    E(214, brk, "x"),
    E(215, munmap, "xu"),
    E(216, mremap, "xuuxx"),
    E(220, clone, "xxxxx"),
    E(221, execve, "sxx"),
    E(222, mmap, "xuxxdx"),
    E(226, mprotect, "xux"),
    E(233, madvise, "xud"),
    E(259, riscv_flush_icache, "xxx"),
    E(260, wait4, "dxxx"),
    E(261, prlimit64, "ddxx"),
    E(276, renameat2, "dsdsx"),
    E(278, getrandom, "xux"),
    E(291, statx, "dsxxx"),
    E(439, faccessat2, "dsox"),
};

/* Calls glibc and musl make at start-up that this layer leaves unimplemented on purpose, with
 * the fallback they take on ENOSYS: rseq 293 (no restartable sequences), clone3 435 (clone). */
static uint64_t riscv64_sp(const struct xlat_regs *regs)
{
    return regs->x[2];
}

static void riscv64_clone_regs(struct xlat_regs *r, uint64_t sp, bool set_tls, uint64_t tls)
{
    r->pc += 4;   /* the child returns from the same ecall */
    r->x[10] = 0; /* with 0 in a0 */
    if (sp)
        r->x[2] = sp;
    if (set_tls)
        r->x[4] = tls; /* tp */
}

const struct xlat_abi xlat_abi_riscv64 = {
    .name = "riscv64",
    .table = riscv64_table,
    .n = VIV_ARRAY_SIZE(riscv64_table),
    .sp = riscv64_sp,
    .sigframe_push = rv_sigframe_push,
    .sigframe_pop = rv_sigframe_pop,
    .machine = ELF_MACHINE_RISCV64,
    .clone_ctid = 4,
    .clone_tls = 3,
    .clone_regs = riscv64_clone_regs,
};
