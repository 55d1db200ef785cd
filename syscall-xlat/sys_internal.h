/* sys_internal.h: what the guest-personality files share: the process state and the handlers. */
#ifndef VIV_XLAT_SYS_INTERNAL_H
#define VIV_XLAT_SYS_INTERNAL_H

#include "syscall-xlat.h"

#include <errno.h>
#include <limits.h>
#include <string.h>

struct xlat_proc;
/* A handler gets the six argument registers and returns the result or -errno. */
typedef int64_t (*xlat_sys_fn)(struct xlat_proc *p, const uint64_t *a);

/* One row of an ABI table. args spells how --trace=sys prints each argument: d signed decimal,
 * u unsigned, x hex, s a guest string, one letter per argument. */
struct xlat_sys_entry {
    const char *name;
    xlat_sys_fn fn;
    const char *args;
};

struct xlat_abi {
    const char *name;
    const struct xlat_sys_entry *table;
    size_t n;
};

/* struct k_sigaction as the guest's kernel keeps it (asm-generic: no sa_restorer). */
struct xlat_sigaction {
    uint64_t handler, flags, mask;
};
#define XLAT_NSIG 64

struct xlat_proc {
    const struct xlat_abi *abi;
    struct xlat_mem *mem;
    int root_fd;      /* the guest's "/" */
    bool root_host;   /* root is the host's "/": paths need no confinement */
    char *root_path;  /* canonical host path of the root, for relative-path joins */
    int sysroot_fd;   /* -1, or the lookaside folder for absolute paths */
    char *exe_path;
    uint64_t brk_start, brk_cur, brk_limit;
    uint64_t tid_address, robust_head, robust_len;
    struct xlat_sigaction act[XLAT_NSIG + 1];
    uint64_t sigmask;
    uint64_t ss_sp, ss_size;
    int ss_flags;
    bool exiting;
    int exit_status;
    uint64_t calls, unimplemented;
};

/* Guest paths (sys_path.c). A resolved path is a base fd and a name relative to it: for the
 * host root without a sysroot, the guest's own dirfd and path; otherwise the result of
 * resolving inside the root, with in_root saying the host call must keep RESOLVE_IN_ROOT. */
struct xlat_path {
    int dirfd;    /* base for the host *at call */
    int owned_fd; /* closed by xlat_path_done, -1 if none */
    bool in_root;
    char *name;   /* points into buf */
    char buf[PATH_MAX + 8];
};
int xlat_path_get(struct xlat_proc *p, int64_t gdirfd, uint64_t gpath, struct xlat_path *r);
/* Open what r names (openat2 flags and mode): a new fd or -errno. */
int xlat_path_open(struct xlat_path *r, int flags, unsigned mode);
/* Replace r by its parent folder and last component, so that *at calls that never follow the
 * last component stay inside the root. */
int xlat_path_split(struct xlat_path *r);
void xlat_path_done(struct xlat_path *r);
bool xlat_fd_reserved(const struct xlat_proc *p, int64_t fd);

#define XLAT_SYS(name) int64_t xlat_sys_##name(struct xlat_proc *p, const uint64_t *a)
/* A host call's result as the guest sees it: the value, or -errno (evaluated once). */
static inline int64_t xlat_ret(int64_t r)
{
    return r < 0 ? -(int64_t)errno : r;
}
#define XLAT_RET(expr) xlat_ret((int64_t)(expr))

/* sys_fs.c */
XLAT_SYS(openat); XLAT_SYS(close); XLAT_SYS(read); XLAT_SYS(write); XLAT_SYS(readv);
XLAT_SYS(writev); XLAT_SYS(pread64); XLAT_SYS(pwrite64); XLAT_SYS(lseek); XLAT_SYS(dup);
XLAT_SYS(dup3); XLAT_SYS(fcntl); XLAT_SYS(pipe2); XLAT_SYS(ioctl); XLAT_SYS(getdents64);
XLAT_SYS(ftruncate); XLAT_SYS(fsync); XLAT_SYS(fchmod);
/* sys_stat.c */
XLAT_SYS(fstat); XLAT_SYS(newfstatat); XLAT_SYS(statx); XLAT_SYS(faccessat); XLAT_SYS(faccessat2);
/* sys_path.c */
XLAT_SYS(readlinkat); XLAT_SYS(getcwd); XLAT_SYS(chdir); XLAT_SYS(fchdir);
XLAT_SYS(mkdirat); XLAT_SYS(unlinkat); XLAT_SYS(renameat); XLAT_SYS(renameat2); XLAT_SYS(fchmodat);
XLAT_SYS(symlinkat);
/* sys_mm.c */
XLAT_SYS(brk); XLAT_SYS(mmap); XLAT_SYS(munmap); XLAT_SYS(mprotect); XLAT_SYS(mremap);
XLAT_SYS(madvise); XLAT_SYS(riscv_flush_icache);
/* sys_process.c */
XLAT_SYS(exit); XLAT_SYS(exit_group); XLAT_SYS(getpid); XLAT_SYS(gettid); XLAT_SYS(getppid);
XLAT_SYS(getuid); XLAT_SYS(geteuid); XLAT_SYS(getgid); XLAT_SYS(getegid);
XLAT_SYS(set_tid_address); XLAT_SYS(set_robust_list); XLAT_SYS(prlimit64); XLAT_SYS(getrandom);
XLAT_SYS(uname); XLAT_SYS(sysinfo); XLAT_SYS(futex); XLAT_SYS(sched_yield);
XLAT_SYS(sched_getaffinity); XLAT_SYS(umask); XLAT_SYS(prctl); XLAT_SYS(getrusage);
XLAT_SYS(kill); XLAT_SYS(tgkill);
/* sys_time.c */
XLAT_SYS(clock_gettime); XLAT_SYS(clock_getres); XLAT_SYS(gettimeofday); XLAT_SYS(nanosleep);
XLAT_SYS(clock_nanosleep); XLAT_SYS(times);
/* sys_signal.c */
XLAT_SYS(rt_sigaction); XLAT_SYS(rt_sigprocmask); XLAT_SYS(sigaltstack);

#endif
