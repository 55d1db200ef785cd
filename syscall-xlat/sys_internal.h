/* sys_internal.h: what the guest-personality files share: the process state and the handlers. */
#ifndef VIV_XLAT_SYS_INTERNAL_H
#define VIV_XLAT_SYS_INTERNAL_H

#include "syscall-xlat.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>

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

struct xlat_thread;

struct xlat_abi {
    const char *name; /* also what uname reports as the machine */
    const struct xlat_sys_entry *table;
    size_t n;
    /* struct stat is the host's (x86-64): copied as is, else converted to the generic one. */
    bool host_stat;
    /* struct sigaction has sa_restorer between the flags and the mask (x86-64). */
    bool sa_restorer;
    /* The stack pointer in a thread's registers. */
    uint64_t (*sp)(const struct xlat_regs *regs);
    /* Build the frame for sig on t's stack and point regs at the handler: 0, or -EFAULT when
     * it cannot be written (the guest then dies of SIGSEGV, as force_sigsegv makes it). */
    int (*sigframe_push)(struct xlat_thread *t, int sig, const siginfo_t *info,
                         struct xlat_regs *regs);
    /* rt_sigreturn: restore regs, mask and altstack from the frame the handler returned with:
     * 0 or -EFAULT. */
    int (*sigframe_pop)(struct xlat_thread *t, struct xlat_regs *regs);
    /* The machine of the programs execve runs in place (the others are the host's). */
    enum elf_machine machine;
    /* clone's argument order: which of a[] holds the child's tid address and the TLS
     * (riscv64 has CONFIG_CLONE_BACKWARDS: flags, sp, ptid, tls, ctid; x86-64: flags, sp,
     * ptid, ctid, tls). */
    unsigned clone_ctid, clone_tls;
    /* A clone child's registers from its parent's at the call: the call returns 0 there, on
     * stack sp when it is not 0; the TLS goes into regs where the ABI keeps it in a register
     * (riscv64's tp), else the engine's set_fs hook loads it (tls_is_fs). */
    void (*clone_regs)(struct xlat_regs *r, uint64_t sp, bool set_tls, uint64_t tls);
    bool tls_is_fs;
    /* struct epoll_event: packed to 12 bytes on x86-64 (the host's), 16 elsewhere
     * (include/uapi/linux/eventpoll.h, EPOLL_PACKED). */
    unsigned epoll_event_size;
    /* struct semid64_ds without x86-64's padding after each time (asm-generic/sembuf.h). */
    bool semid_generic;
};

/* struct k_sigaction as the guest's kernel keeps it; restorer only where the ABI has one. */
struct xlat_sigaction {
    uint64_t handler, flags, mask, restorer;
};
#define XLAT_NSIG 64
#define XLAT_SIGBIT(sig) (1ull << ((sig) - 1))
/* x rounded up to a whole guest page. */
#define XLAT_PAGE_UP(x) (((x) + XLAT_PAGE - 1) & ~(uint64_t)(XLAT_PAGE - 1))
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1u << 31) /* include/uapi/linux/signal.h */
#endif

#define XLAT_SIGNALFD_FDS 1024

/* One guest thread: what Linux keeps per task rather than per process. */
struct xlat_thread {
    struct xlat_proc *proc;
    pid_t tid;                 /* the host thread's id, which is the guest's */
    pid_t *tid_to;             /* where the cloning thread waits for it (clone_thread) */
    uint64_t clear_tid;        /* CLONE_CHILD_CLEARTID / set_tid_address: 0 and a wake at exit */
    uint64_t sigmask;          /* blocked signals, bit sig-1 */
    uint64_t ss_sp, ss_size;   /* sigaltstack */
    int ss_flags;              /* 0 or SS_DISABLE (| SS_AUTODISARM) */
    uint64_t pending;          /* atomic: signals the host delivered here, not yet the guest */
    siginfo_t info[XLAT_NSIG + 1]; /* what came with each pending signal */
    struct xlat_regs *regs;    /* the hart's registers during a system call */
    int result;                /* enum xlat_sys_result the current call asks of the engine */
    uint64_t restore_mask;     /* rt_sigsuspend: the mask the handler's frame must save */
    bool restore_pending;
    void *hart;                /* the engine's, for hooks.kick */
    uint64_t set_ptid, set_ctid; /* CLONE_PARENT_SETTID / CLONE_CHILD_SETTID, done by the child */
    uint64_t fs_base;          /* x86-64 arch_prctl(ARCH_SET_FS) */
    struct xlat_thread *next;  /* in proc->threads, under proc->lock */
};

/* A translating engine's callbacks (xlat_proc_set_hooks). */
struct xlat_hooks_state {
    struct xlat_engine_hooks h;
    bool set;
};

struct xlat_proc {
    const struct xlat_abi *abi;
    struct xlat_mem *mem;
    struct rlimit nofile; /* the guest's RLIMIT_NOFILE (xlat_sys_prlimit64) */
    int root_fd;      /* the guest's "/" */
    bool root_host;   /* root is the host's "/": paths need no confinement */
    char *root_path;  /* canonical host path of the root, for relative-path joins */
    int sysroot_fd;   /* -1, or the lookaside folder for absolute paths */
    char *exe_path;
    uint64_t brk_start, brk_cur, brk_limit;
    uint64_t tid_address, robust_head, robust_len;
    struct xlat_sigaction act[XLAT_NSIG + 1];
    const char *hostname;  /* NULL: the host's */
    bool no_network;       /* AF_UNIX sockets only, and no abstract names */
    bool alone;            /* kill and friends reach only the guest's own processes */
    pid_t alone_root;      /* alone: the host pid of the guest's first process */
    pid_t alone_pid;       /* alone: the pid the guest knows it by */
    pid_t alone_pgrp;      /* alone: the host group it started in (viv's own too) */
    bool exec_in_place_only;
    int engine_fds[8];     /* xlat_proc_reserve_fd */
    int n_engine_fds;
    bool exiting;
    int exit_status;
    uint64_t calls, unimplemented, frames;
    uint64_t by_nr[XLAT_COUNTED_NRS];
    /* Threads (sys_thread.c): the first is embedded; the others are allocated by clone. */
    pthread_mutex_t lock;      /* threads, nthreads, the memory map */
    pthread_cond_t gone;       /* signalled when a thread leaves */
    struct xlat_thread main_thread;
    struct xlat_thread *threads;
    int nthreads;
    bool threads_ready;
    struct xlat_thread *survivor; /* set while exit_group or exec stops the other threads */
    /* The thread other than the first that an exec or a fork left alone: it is the process now,
     * its tid the pid (fs/exec.c de_thread). */
    struct xlat_thread *leader;
    struct xlat_hooks_state hooks;
    uint64_t sigreturn_tramp;  /* guest address of `li a7, 139; ecall`, 0 until needed */
    struct xlat_exec_request exec; /* what execve asked the engine to load */
    uint32_t persona;              /* what personality(2) last set: the guest's own */
    /* fds signalfd4 made (sys_event.c), a hint for read: a stale bit is checked, never
     * trusted. */
    uint64_t signalfds[XLAT_SIGNALFD_FDS / 64];
};

/* Guest paths (sys_path.c). A resolved path is a base fd and a name relative to it: for the
 * host root without a sysroot, the guest's own dirfd and path; otherwise the result of
 * resolving inside the root, with in_root saying the host call must keep RESOLVE_IN_ROOT. */
struct xlat_path {
    int dirfd;    /* base for the host *at call */
    int owned_fd; /* closed by xlat_path_done, -1 if none */
    bool in_root;
    bool self_exe; /* the guest named /proc/self/exe: name is now its program's path */
    char *name;   /* points into buf */
    char buf[PATH_MAX + 8];
};
int xlat_path_get(struct xlat_proc *p, int64_t gdirfd, uint64_t gpath, struct xlat_path *r);
/* The same for a path already in host memory (an AF_UNIX socket's name). */
int xlat_path_host(struct xlat_proc *p, int64_t gdirfd, const char *path, struct xlat_path *r);
/* Open what r names (openat2 flags and mode): a new fd or -errno. */
int xlat_path_open(struct xlat_path *r, int flags, unsigned mode);
/* Replace r by its parent folder and last component, so that *at calls that never follow the
 * last component stay inside the root. */
int xlat_path_split(struct xlat_path *r);
void xlat_path_done(struct xlat_path *r);
/* fn(dirfd, name, flags, out) on the object the guest's (dirfd, path) names, inside the root,
 * the last component followed unless flags has AT_SYMLINK_NOFOLLOW (a followed one is opened
 * O_PATH and handed over as (fd, "", flags | AT_EMPTY_PATH)); an empty path is ENOENT without
 * AT_EMPTY_PATH. fn's result as the guest sees it (sys_stat.c). */
int64_t xlat_path_call(struct xlat_proc *p, int64_t dirfd, uint64_t gpath, int flags,
                       int (*fn)(int, const char *, int, void *), void *out);
/* For the host calls that have no *at form (xattrs, inotify): the host path of guest path gpath,
 * /proc/self/fd/N of the file itself (follow) or of its folder joined with its last component
 * (a symlink there is not followed), or the path itself where the root is the host's. *fd is
 * the O_PATH fd to close after the call, or -1. */
int64_t xlat_path_proc_link(struct xlat_proc *p, uint64_t gpath, bool follow, char *out, size_t len,
                            int *fd);
/* In a handler (p in scope): an fd argument that names an engine fd is EBADF to the guest. */
#define FD_OR_EBADF(fd)                                                                            \
    do {                                                                                           \
        if (xlat_fd_reserved(p, (int64_t)(fd)))                                                    \
            return -EBADF;                                                                         \
    } while (0)
/* AT_FDCWD as a guest register holds it, for the legacy calls served by their *at forms. */
#define XLAT_CWD ((uint64_t)(int64_t)AT_FDCWD)

#define XLAT_SYS(name) int64_t xlat_sys_##name(struct xlat_proc *p, const uint64_t *a)
/* A host call's result as the guest sees it: the value, or -errno (evaluated once). */
static inline int64_t xlat_ret(int64_t r)
{
    return r < 0 ? -(int64_t)errno : r;
}
#define XLAT_RET(expr) xlat_ret((int64_t)(expr))
/* Whether the calling host thread holds capability cap in its effective set: the guest's
 * privilege, as the engine's credentials follow the guest's (sys_ids.c). */
bool xlat_has_cap(int cap);

/* sys_fs.c */
XLAT_SYS(openat); XLAT_SYS(close); XLAT_SYS(read); XLAT_SYS(write); XLAT_SYS(readv);
XLAT_SYS(writev); XLAT_SYS(pread64); XLAT_SYS(pwrite64); XLAT_SYS(lseek); XLAT_SYS(dup);
XLAT_SYS(dup3); XLAT_SYS(fcntl); XLAT_SYS(pipe2); XLAT_SYS(ioctl); XLAT_SYS(getdents64);
XLAT_SYS(ftruncate); XLAT_SYS(fsync); XLAT_SYS(fchmod); XLAT_SYS(preadv); XLAT_SYS(pwritev);
XLAT_SYS(preadv2); XLAT_SYS(pwritev2); XLAT_SYS(memfd_create); XLAT_SYS(close_range);
/* sys_stat.c */
XLAT_SYS(fstat); XLAT_SYS(newfstatat); XLAT_SYS(statx); XLAT_SYS(faccessat); XLAT_SYS(faccessat2);
/* sys_path.c */
XLAT_SYS(readlinkat); XLAT_SYS(getcwd); XLAT_SYS(chdir); XLAT_SYS(fchdir);
XLAT_SYS(mkdirat); XLAT_SYS(unlinkat); XLAT_SYS(renameat); XLAT_SYS(renameat2); XLAT_SYS(fchmodat);
XLAT_SYS(symlinkat);
/* sys_mm.c */
XLAT_SYS(brk); XLAT_SYS(mmap); XLAT_SYS(munmap); XLAT_SYS(mprotect); XLAT_SYS(mremap);
XLAT_SYS(madvise); XLAT_SYS(riscv_flush_icache); XLAT_SYS(msync); XLAT_SYS(mincore); XLAT_SYS(mlock);
XLAT_SYS(munlock); XLAT_SYS(mlock2); XLAT_SYS(mlockall); XLAT_SYS(munlockall);
/* sys_process.c */
XLAT_SYS(exit_group); XLAT_SYS(getpid); XLAT_SYS(gettid); XLAT_SYS(getppid);
XLAT_SYS(getuid); XLAT_SYS(geteuid); XLAT_SYS(getgid); XLAT_SYS(getegid);
XLAT_SYS(set_robust_list); XLAT_SYS(prlimit64); XLAT_SYS(getrandom);
XLAT_SYS(uname); XLAT_SYS(sysinfo); XLAT_SYS(sched_yield);
XLAT_SYS(sched_getaffinity); XLAT_SYS(umask); XLAT_SYS(prctl); XLAT_SYS(getrusage);
/* sys_time.c */
XLAT_SYS(clock_gettime); XLAT_SYS(clock_getres); XLAT_SYS(gettimeofday); XLAT_SYS(nanosleep);
XLAT_SYS(clock_nanosleep); XLAT_SYS(times); XLAT_SYS(time); XLAT_SYS(timer_create);
XLAT_SYS(timer_settime); XLAT_SYS(timer_gettime); XLAT_SYS(timer_getoverrun); XLAT_SYS(timer_delete);
/* sys_signal.c */
XLAT_SYS(rt_sigaction); XLAT_SYS(rt_sigprocmask); XLAT_SYS(sigaltstack); XLAT_SYS(rt_sigpending);
XLAT_SYS(rt_sigsuspend); XLAT_SYS(pause); XLAT_SYS(rt_sigreturn); XLAT_SYS(kill); XLAT_SYS(tgkill);
XLAT_SYS(tkill); XLAT_SYS(rt_sigqueueinfo); XLAT_SYS(rt_tgsigqueueinfo); XLAT_SYS(setitimer); XLAT_SYS(getitimer);
XLAT_SYS(rt_sigtimedwait);
/* The host thread of the guest's tid, or 0 when the process has none by that id. */
pid_t xlat_own_thread(struct xlat_proc *p, pid_t tid);
/* sys_x86_64.c: x86-64's legacy calls and arch_prctl */
XLAT_SYS(open); XLAT_SYS(stat); XLAT_SYS(lstat); XLAT_SYS(access); XLAT_SYS(pipe); XLAT_SYS(dup2);
XLAT_SYS(mkdir); XLAT_SYS(rmdir); XLAT_SYS(unlink); XLAT_SYS(rename); XLAT_SYS(readlink);
XLAT_SYS(symlink); XLAT_SYS(chmod); XLAT_SYS(arch_prctl);
/* sys_owner.c: owners and times of files */
XLAT_SYS(fchownat); XLAT_SYS(fchown); XLAT_SYS(chown); XLAT_SYS(lchown); XLAT_SYS(utimensat);
XLAT_SYS(utimes); XLAT_SYS(utime); XLAT_SYS(futimesat);
/* sys_ids.c: the set*id family and supplementary groups */
XLAT_SYS(setuid); XLAT_SYS(setgid); XLAT_SYS(setreuid); XLAT_SYS(setregid); XLAT_SYS(setresuid);
XLAT_SYS(setresgid); XLAT_SYS(getresuid); XLAT_SYS(getresgid); XLAT_SYS(getgroups);
XLAT_SYS(setgroups); XLAT_SYS(setfsuid); XLAT_SYS(setfsgid); XLAT_SYS(capget); XLAT_SYS(capset);
/* sys_filedata.c: a file's data and locks, links and nodes */
XLAT_SYS(truncate); XLAT_SYS(fallocate); XLAT_SYS(fdatasync); XLAT_SYS(sync); XLAT_SYS(syncfs);
XLAT_SYS(flock); XLAT_SYS(fadvise64); XLAT_SYS(statfs); XLAT_SYS(fstatfs); XLAT_SYS(linkat);
XLAT_SYS(link); XLAT_SYS(mknodat); XLAT_SYS(mknod); XLAT_SYS(sync_file_range); XLAT_SYS(readahead);
/* sys_copy.c: data moved between fds by the kernel */
XLAT_SYS(sendfile); XLAT_SYS(copy_file_range); XLAT_SYS(splice); XLAT_SYS(tee);
/* sys_sched.c: limits, priorities and scheduling of the calling process */
XLAT_SYS(getrlimit); XLAT_SYS(setrlimit); XLAT_SYS(getpriority); XLAT_SYS(setpriority);
XLAT_SYS(sched_setaffinity); XLAT_SYS(sched_getparam); XLAT_SYS(sched_getscheduler);
XLAT_SYS(sched_get_priority_max); XLAT_SYS(sched_get_priority_min); XLAT_SYS(alarm);
XLAT_SYS(sched_setparam); XLAT_SYS(sched_setscheduler); XLAT_SYS(sched_rr_get_interval);
XLAT_SYS(sched_setattr); XLAT_SYS(sched_getattr); XLAT_SYS(getcpu); XLAT_SYS(membarrier);
/* refused.c: what no guest may do (EPERM), its persona, and unshare */
int64_t xlat_sys_refused(struct xlat_proc *p, const uint64_t *a);
XLAT_SYS(personality); XLAT_SYS(unshare);
/* sys_thread.c */
XLAT_SYS(clone); XLAT_SYS(fork); XLAT_SYS(vfork); XLAT_SYS(exit); XLAT_SYS(gettid); XLAT_SYS(set_tid_address);
/* sys_futex.c */
XLAT_SYS(futex);
/* sys_exec.c */
XLAT_SYS(execve); XLAT_SYS(wait4); XLAT_SYS(waitid);
/* The guest's view of a getdents64 answer of n bytes in buf from fd: the engine's fds left
 * out of its /proc/self/fd (sys_procfs.c). The new length. */
int64_t xlat_procfs_dents(struct xlat_proc *p, int fd, void *buf, int64_t n);
/* open of an absolute guest path: when it is the guest's own /proc/self/maps or status, an fd
 * with what they say of the guest (or -errno); else XLAT_PROCFS_NOT_OURS. */
#define XLAT_PROCFS_NOT_OURS INT32_MIN
int xlat_procfs_open(struct xlat_proc *p, const char *path, int flags);
/* sys_xattr.c */
XLAT_SYS(getxattr); XLAT_SYS(lgetxattr); XLAT_SYS(fgetxattr); XLAT_SYS(listxattr);
XLAT_SYS(llistxattr); XLAT_SYS(flistxattr); XLAT_SYS(setxattr); XLAT_SYS(lsetxattr);
XLAT_SYS(fsetxattr); XLAT_SYS(removexattr); XLAT_SYS(lremovexattr); XLAT_SYS(fremovexattr);
/* sys_poll.c */
XLAT_SYS(poll); XLAT_SYS(ppoll); XLAT_SYS(select); XLAT_SYS(pselect6);
/* The temporary signal mask of ppoll, pselect6 and epoll_pwait: the guest's sigset at gmask
 * (size bytes; none when gmask is 0) becomes the thread's until xlat_mask_end, which keeps it
 * for the signal frame when the call was interrupted (rc -EINTR). The host call waits with
 * *host as its own mask (when *masked), which the host sets and takes back atomically, so that
 * a signal pending from before and let through by it ends the wait as on Linux; -EINTR at once
 * for one the engine holds already. 0 or -errno. */
int64_t xlat_mask_begin(struct xlat_proc *p, uint64_t gmask, uint64_t size, bool *masked,
                        uint64_t *host);
void xlat_mask_end(struct xlat_proc *p, bool masked, int64_t rc);
/* The host's form of t's mask, the signals the engine holds for it included (they wait on the
 * host for the guest to take them). */
uint64_t xlat_signal_host_set(const struct xlat_thread *t);
/* sys_socket.c */
XLAT_SYS(socket); XLAT_SYS(socketpair); XLAT_SYS(bind); XLAT_SYS(connect); XLAT_SYS(listen);
XLAT_SYS(accept); XLAT_SYS(accept4); XLAT_SYS(getsockname); XLAT_SYS(getpeername);
XLAT_SYS(sendto); XLAT_SYS(recvfrom); XLAT_SYS(shutdown); XLAT_SYS(setsockopt);
XLAT_SYS(getsockopt);
/* sys_sockmsg.c */
XLAT_SYS(sendmsg); XLAT_SYS(recvmsg); XLAT_SYS(sendmmsg); XLAT_SYS(recvmmsg);
/* sys_event.c */
XLAT_SYS(epoll_create); XLAT_SYS(epoll_create1); XLAT_SYS(epoll_ctl); XLAT_SYS(epoll_wait);
XLAT_SYS(epoll_pwait); XLAT_SYS(epoll_pwait2); XLAT_SYS(eventfd); XLAT_SYS(eventfd2);
XLAT_SYS(timerfd_create); XLAT_SYS(timerfd_settime); XLAT_SYS(timerfd_gettime);
XLAT_SYS(signalfd); XLAT_SYS(signalfd4); XLAT_SYS(inotify_init); XLAT_SYS(inotify_init1);
XLAT_SYS(inotify_add_watch); XLAT_SYS(inotify_rm_watch);
/* After read(2) of fd gave n bytes at buf: a signalfd's records get the pids the guest knows. */
void xlat_signalfd_read(struct xlat_proc *p, int fd, void *buf, int64_t n);

/* Socket addresses (sys_sockaddr.c). What the address names: one to create (bind: an AF_UNIX
 * path's last component is never followed) or one to reach (connect, sendto: followed, inside
 * the root). */
enum xlat_addr_use { XLAT_ADDR_CREATE, XLAT_ADDR_REACH };
struct xlat_sockaddr {
    struct sockaddr_storage ss;
    socklen_t len;
    int hold; /* an fd the host address names through /proc/self/fd: closed after the call */
};
/* Copy the guest's address (g, len) in: 0 or -errno. An AF_UNIX path is resolved in the guest's
 * root; abstract and unnamed ones, and other families, are copied as they are. */
int xlat_sockaddr_in(struct xlat_proc *p, uint64_t g, uint64_t len, enum xlat_addr_use use,
                     struct xlat_sockaddr *sa);
void xlat_sockaddr_done(struct xlat_sockaddr *sa);
/* Before a call that returns an address (accept, recvfrom, getsockname): the guest's buffer
 * length at glenp, checked along with the buffer, so that nothing the host call does (a
 * connection accepted, a datagram taken) is lost to a fault after it. */
int xlat_sockaddr_out_check(struct xlat_proc *p, uint64_t g, uint64_t glenp, socklen_t *len);
/* After it: as much of the host's address as fits, and its whole length at glenp (Linux's
 * move_addr_to_user). */
int xlat_sockaddr_out(struct xlat_proc *p, const struct sockaddr_storage *ss, socklen_t klen,
                      uint64_t g, uint64_t glenp);
/* sys_ipc.c: SysV message queues and semaphores */
XLAT_SYS(msgget); XLAT_SYS(msgsnd); XLAT_SYS(msgrcv); XLAT_SYS(msgctl); XLAT_SYS(semget);
XLAT_SYS(semop); XLAT_SYS(semtimedop); XLAT_SYS(semctl); XLAT_SYS(shmget); XLAT_SYS(shmctl);
XLAT_SYS(shmat); XLAT_SYS(shmdt);
/* sys_pgrp.c */
XLAT_SYS(getpgid); XLAT_SYS(getpgrp); XLAT_SYS(getsid); XLAT_SYS(setpgid); XLAT_SYS(setsid);
XLAT_SYS(pidfd_open); XLAT_SYS(pidfd_send_signal);
/* The pid the guest knows host process `host` by, and back (the identity unless alone). */
pid_t xlat_pid_to_guest(const struct xlat_proc *p, pid_t host);
pid_t xlat_pid_to_host(const struct xlat_proc *p, pid_t guest);
/* kill(2) of a guest that is alone: its own processes only. */
int64_t xlat_kill_alone(struct xlat_proc *p, pid_t pid, int sig);
/* The host pid of a guest that is alone's process `pid` (one of its tree, or the instance's
 * init), 0 for one beyond its reach. */
pid_t xlat_alone_process(const struct xlat_proc *p, pid_t pid);

/* The calling guest thread (sys_thread.c): the one the engine attached to this host thread,
 * else the process's first, for engines that run one thread and never attach. */
struct xlat_thread *xlat_thread_cur(struct xlat_proc *p);
/* The guest thread of this host thread or NULL; async-signal-safe. */
struct xlat_thread *xlat_thread_self(void);
/* Put back the guest's dispositions of signals 32 and 33, which the host C library takes for
 * its own handlers as it makes its first thread. */
void xlat_signal_reclaim(void);
/* The signal frames of each ABI (rv_sigframe.c, x86_sigframe.c), as struct xlat_abi has them. */
int rv_sigframe_push(struct xlat_thread *t, int sig, const siginfo_t *info,
                     struct xlat_regs *regs);
int rv_sigframe_pop(struct xlat_thread *t, struct xlat_regs *regs);
int x86_sigframe_push(struct xlat_thread *t, int sig, const siginfo_t *info,
                      struct xlat_regs *regs);
int x86_sigframe_pop(struct xlat_thread *t, struct xlat_regs *regs);
/* Whether sp lies on t's alternate signal stack (kernel on_sig_stack: the stack grows down, so
 * its top belongs to it). */
bool xlat_on_altstack(const struct xlat_thread *t, uint64_t sp);
/* The altstack a frame saved comes back as sigaltstack would set it, unless the thread is on
 * the current one at sp; bad values are ignored (kernel restore_altstack). */
void xlat_altstack_restore(struct xlat_thread *t, uint64_t sp, uint64_t ss_sp, int32_t ss_flags,
                           uint64_t ss_size);

#endif
