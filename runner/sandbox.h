/* sandbox.h: native mode's process sandbox, limits, pty and metering, as `viv run` uses them. */
#ifndef VIV_SANDBOX_H
#define VIV_SANDBOX_H

#include "base/base.h"

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <termios.h>

/* A -v bind, or a --tmpfs mount (host NULL). */
struct viv_bind {
    const char *flag; /* what gave it ("-v", "--mount", "--tmpfs", "--shm-size"), for messages */
    char *host;       /* as given; opened before any mount changes what it names */
    char *guest;   /* absolute, no ".." component */
    uint64_t attr; /* the mount's MOUNT_ATTR_* flags */
    /* --tmpfs: its options as fsconfig takes them, key, value pairs (a NULL value: a flag),
     * NULL-ended, pointing into tmpfs_text. */
    const char *tmpfs_opts[16];
    char *tmpfs_text;
    bool tmpfs_chown;  /* U: the tmpfs's root is the guest user's */
    bool tmpfs_copyup; /* tmpcopyup (the default): what the image has there is copied in */
};

/* A --ulimit: an rlimit set in the instance before the guest runs. */
struct viv_ulimit {
    int resource; /* RLIMIT_* */
    const char *name;
    uint64_t soft, hard; /* RLIM_INFINITY: unlimited */
};

/* Everything one native instance needs, settled by `viv run` before anything is created. */
struct viv_sandbox_config {
    const char *rootfs;  /* the image's read-only checkout */
    char **argv;         /* entrypoint + cmd, never empty */
    char **envp;         /* "K=V", complete (PATH, HOSTNAME, TERM already added) */
    const char *workdir; /* absolute, inside the guest */
    const char *hostname;
    const char *passwd; /* /etc/passwd for the instance (the image's, an entry added), or NULL */
    const char *added_hosts; /* lines for the instance's /etc/hosts (--add-host), or NULL */
    /* An empty directory on disk for the writable layer and /tmp (catalog_layer_new), or NULL:
     * a private tmpfs, as where the directory's filesystem cannot hold an overlay's upper. */
    const char *layer_dir;
    mode_t umask;       /* the guest's (--umask) */
    uid_t uid; /* guest ids */
    gid_t gid;
    const gid_t *groups; /* supplementary; the list is gid alone when none */
    size_t ngroups;
    struct viv_bind *binds;
    size_t nbinds;
    bool read_only;
    /* Where the root is read-only, fresh directories of the scratch tmpfs over /run and /var/tmp
     * (with /tmp, always there), as podman's --read-only-tmpfs mounts; true unless it is
     * turned off. */
    bool read_only_tmpfs;
    /* --init: the entrypoint is pid 2, under a minimal init that reaps orphans and forwards
     * signals; else it is pid 1 itself. */
    bool init;
    bool network_host;
    bool tty;         /* give the guest a pty */
    bool interactive; /* keep stdin attached */
    bool seccomp;     /* false with --seccomp=unconfined */
    bool verbose;
    bool rootless;       /* viv runs as an unprivileged user: one uid and one gid are mapped */
    uint64_t timeout_ms; /* 0: none */
    /* Limits; 0 means none. */
    uint64_t memory;
    uint64_t pids;
    double cpus;
    /* Which of them the image's manifest set (1 << VIV_CG_*), so that a message names it rather
     * than a flag the caller never gave. */
    unsigned limits_from_manifest;
    bool limits_best_effort;
    /* --cap-drop and --cap-add, 1 << CAP_*: what a root guest gives up of its few, and takes
     * back. */
    uint64_t cap_drop, cap_add;
    const struct viv_ulimit *ulimits;
    size_t nulimits;
    /* A translating engine runs the guest inside this process instead of exec'ing it: called in
     * the guest's place, inside the sandbox, with prog the entrypoint's path in the new root. It
     * does not return when the guest ran; it returns the status to exit with (126, 127, 125)
     * when it could not start it, err filled. NULL: exec the entrypoint (native). */
    int (*engine_main)(const struct viv_sandbox_config *cfg, const char *prog,
                       struct viv_error *err);
    /* An fd the engine opened before entering (vm: /dev/kvm, unreachable inside), or -1. */
    int engine_fd;
    /* vm: the guest's memory, which the VM bounds by construction (no cgroup needed for it). */
    uint64_t guest_memory;
    /* Where notes (--verbose) and warnings go; the caller prints them. */
    void (*note)(void *ctx, bool warning, const char *msg);
    void *note_ctx;
};

void sandbox_note(const struct viv_sandbox_config *cfg, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Whether the chown and set*id families are trapped and emulated for a rootless guest. Not where
 * an engine serves the guest: its personality emulates them itself (syscall-xlat), and the trap
 * would judge the engine's calls, not the guest's (it failed the engine's fchown of a guest's
 * file, looking the fd up through /proc). */
bool sandbox_traps_ids(const struct viv_sandbox_config *cfg);

struct vm_stats;
/* What an instance cost, for --stats. */
struct viv_run_stats {
    uint64_t wall_ns;
    struct rusage ru;        /* of the instance's init and everything it reaped */
    uint64_t peak_memory;    /* bytes; 0 when unknown */
    const char *peak_source; /* "cgroup" or "rusage" */
    uint64_t trapped;        /* system calls trapped and emulated */
    int status;              /* what viv exits with */
    bool timed_out;
    bool oom_killed;
    const struct vm_stats *vm; /* vm mode: VM exits and served calls (vm_engine.c); else NULL */
};

/* Run the instance to its end. Returns the exit status per the container convention (guest
 * status, 124 on timeout, 126/127 when the entrypoint cannot run, 128+N when killed by signal N),
 * or -1 when viv itself failed (err filled; the status to use is then VIV_EXIT_FAIL, or the
 * 126/127 that err->code carries as -status). */
int sandbox_run(const struct viv_sandbox_config *cfg, struct viv_run_stats *st,
                struct viv_error *err);
/* What sandbox_run returns (err filled, nothing started) when this host refuses the namespaces:
 * an engine that confines its guest itself (vm) can still run without them. */
#define SANDBOX_NO_NAMESPACES (-2)

struct viv_limits_plan;

/* ---- the instance's first process (sandbox_init.c) ---- */

/* What the child reports to the supervisor over a CLOEXEC pipe; EOF after the guest's exec
 * means it started. One write each, smaller than PIPE_BUF, so never interleaved. */
/* SANDBOX_REPORT_SET_UP: the set-up is done and the guest about to start, from an instance that
 * does not share viv's memory (one that does marks exec_reached instead): a pipe that closes
 * without it closed because the instance was killed in its set-up (the OOM killer, as --tmpfs
 * copies in under --memory). */
enum { SANDBOX_REPORT_NOTE = 1, SANDBOX_REPORT_FAIL, SANDBOX_REPORT_EXEC, SANDBOX_REPORT_SET_UP };
struct sandbox_report {
    int type;
    int status; /* SANDBOX_REPORT_EXEC: 126 or 127 */
    struct viv_error err;
};

/* viv-init's last word (--init), on a pipe of its own once the entrypoint has ended and nothing
 * of the guest is left: the status, and the CPU and memory of the instance (init's own and every
 * process it reaped, as wait4 on init would give). viv then need not wait while the kernel
 * tears the namespaces down. */
struct sandbox_done {
    int status;
    struct rusage ru;
};

/* The fds the instance hands to the supervisor over sock_fd (SCM_RIGHTS), each tagged by the
 * one data byte of its message. */
enum {
    SANDBOX_FD_NOTIFY = 'n',
    SANDBOX_FD_PTY = 'p',
    /* Without -t, pipes in place of the caller's terminal: the write end of the guest's stdin,
     * the read ends of its stdout and stderr. */
    SANDBOX_FD_STDIN = '0',
    SANDBOX_FD_STDOUT = '1',
    SANDBOX_FD_STDERR = '2',
};

struct sandbox_child {
    const struct viv_sandbox_config *cfg;
    const struct viv_limits_plan *plan;
    int sync_fd;          /* read end: one byte once the id maps are in place */
    int report_fd;        /* write end of the report pipe */
    int sock_fd;          /* where the seccomp listener, the pty master and the pipes that stand
                           * for the caller's terminals go, or -1 */
    unsigned terminals;   /* without -t: bit n set where the caller's fd n is a terminal */
    int filter_fd;        /* read end: the compiled seccomp policy, then EOF; -1 when unconfined
                           * or when policy is set */
    int done_fd;          /* write end: struct sandbox_done, written just before pid 1 exits */
    sigset_t caller_mask; /* viv's signal mask before it blocked the relayed signals */
    /* -t: the caller's window size, the pty's first (when has_winsize). */
    struct winsize winsize;
    bool has_winsize;
    /* Where the instance shares viv's memory, the compiled policy itself, read from there (set
     * before the go; NULL otherwise, or when unconfined). */
    const void *policy;
    size_t policy_len;
    /* Where the instance shares viv's memory: set just before the guest's exec, so that an
     * instance killed in its set-up (perhaps mid-allocation) is not taken for a started guest. */
    volatile sig_atomic_t *exec_reached;
    /* Cloned straight into its v2 cgroup: only v1 ones are left to join. */
    bool in_v2_cgroup;
    /* Whether the aide makes a network namespace: set before the clone, with sync_fd,
     * caller_mask and the fds the instance closes, which is all it reads before its go; the rest
     * may be filled in until the go (sandbox_early.c). */
    bool make_netns;
    /* -t: the guest takes a pty as its controlling terminal, which needs a session of its own. */
    bool tty;
    /* The CPU the first thread keeps for itself (the aide gets the others), or -1 for the one it
     * starts on; and, where has_cpus, the CPUs viv may use (else the instance's own affinity,
     * which an early start narrows at first). */
    int home_cpu;
    bool has_cpus;
    cpu_set_t cpus;
    /* viv's thread pointer, which the instance and its aide take at the go: one started before
     * the C library set it up has had a stand-in until then (sandbox_prestart). */
    void *tls;
    /* viv runs as an unprivileged user (the configuration's rootless, known before the clone). */
    bool rootless;
    /* Set once the id maps are in place, the futex on it woken: as root, by an early start before
     * the C library's (sandbox_write_root_maps), so that the aide can make /dev before the go;
     * else by the instance itself at its go. In struct sandbox_start. */
    int *maps_ready;
    /* Whether they are written before the go (maps_ready is then waited for and the root's
     * image-free part made before it, sandbox_premade.c): set before the clone. */
    bool maps_before_go;
};
/* Runs in the new namespaces as their pid 1; never returns. */
_Noreturn void sandbox_child_main(const struct sandbox_child *c);

/* What the instance starts from, and the supervisor's ends of the pipes, which it closes. */
struct sandbox_start {
    struct sandbox_child child;
    int theirs[5];
    volatile sig_atomic_t exec_reached;
    /* A shared instance makes its own mount namespace, first thing: 1 until then, when it is
     * set to 0 (or -errno) and the futex on it woken. */
    int mount_ns;
    /* viv's written pages, for an instance started before the C library to fault in first. */
    void *prefault_at;
    size_t prefault_len;
    int maps_ready; /* child.maps_ready */
};
/* The instance in viv's own memory, as vfork does (the child starts on its own stack, in
 * start_instance); -errno where the kernel refuses. Its mount namespace it makes itself
 * (from->mount_ns): copying the host's mounts is the longest part of the clone, which viv would
 * wait for, and the instance's CPU is free at first. tls: its thread pointer until its go, where
 * the C library has not set up viv's yet (sandbox_prestart), else NULL (viv's). */
pid_t sandbox_clone_shared(int *pidfd, struct sandbox_start *from, void *tls);
/* Until a shared instance has made its mount namespace: 0, or -1 with err. */
int sandbox_wait_mount_ns(struct sandbox_start *from, int pidfd, struct viv_error *err);

/* ---- an instance started before the image is known (sandbox_early.c) ---- */

/* The instance's pipes: each pair as pipe2 fills it, -1 where not made. */
struct sandbox_pipes {
    int sync[2], rep[2], done[2], flt[2], sock[2];
    unsigned terminals; /* without -t: bit n set where our fd n is a terminal */
};
/* What the command line tells before the image is read; the image may still change it. */
struct sandbox_early_hints {
    bool seccomp; /* a policy will be loaded */
    bool trap;    /* with trapped calls: a listener to hand over */
    bool tty;     /* -t: a pty to hand over */
    bool netns;   /* not --network host */
};
/* Clone a shared-memory instance now, to set itself up while the catalog is read; best effort:
 * where it cannot be, sandbox_run clones one as it always does. */
void sandbox_early_start(const struct sandbox_early_hints *h);
/* sandbox_run's: the early instance, if it fits what the configuration asks (its pipes, pid and
 * pidfd handed over, its start to fill in before the go); else it is cancelled. */
bool sandbox_early_take(const struct sandbox_early_hints *want, struct sandbox_pipes *p, pid_t *pid,
                        int *pidfd, struct sandbox_start **start);
/* Kill and reap an early instance not taken (another mode, an error): it has done nothing yet
 * that outlives it. */
void sandbox_early_cancel(void);
/* Every end -1. */
void sandbox_pipes_init(struct sandbox_pipes *p);
/* The pipes sandbox_run and an early start make alike: 0, or -errno with none left. The done
 * pipe only with done: only viv-init and the engines, which stay in the instance, write it (an
 * exec'd guest would only close it, one more wake-up of the supervisor). The policy's only with
 * policy_pipe: an instance that shares viv's memory reads the program from there. */
int sandbox_pipes_open(struct sandbox_pipes *p, const struct sandbox_early_hints *h, bool done,
                       bool policy_pipe);
void sandbox_pipes_close(struct sandbox_pipes *p);
/* The supervisor's copies of the instance's ends, once it is cloned (the policy's write end,
 * flt[1], is the supervisor's own). */
void sandbox_pipes_close_instance_ends(struct sandbox_pipes *p);
/* What the instance reads before its go, from the pipes. */
void sandbox_start_init(struct sandbox_start *s, const struct sandbox_pipes *p,
                        const sigset_t *caller_mask, const struct sandbox_early_hints *h,
                        int home_cpu, bool rootless);
/* As root, the id maps every instance gets, written from outside as the kernel requires, and
 * s->maps_ready set: 0, or -1 (nothing said: the caller cancels the instance). System calls by
 * hand: this runs before the C library has started (sandbox_prestart). */
int sandbox_write_root_maps(struct sandbox_start *s, pid_t pid);

/* ---- the supervisor (sandbox_supervise.c) ---- */

struct xlat_trap;
struct viv_pty;
struct sandbox_supervise {
    const struct viv_sandbox_config *cfg;
    pid_t pid;
    int pidfd;
    int done_fd;   /* read end of pid 1's struct sandbox_done */
    int notify_fd; /* the seccomp listener, or -1; owned from here on */
    struct viv_pty *pty;
    int stdio[3]; /* the pipes in place of the caller's terminal (SANDBOX_FD_STDIN...), or -1;
                   * owned from here on */
    struct viv_limits_plan *plan;
    uint64_t start_ns; /* CLOCK_MONOTONIC, for --timeout */
};
/* The signals to viv that the supervisor relays to the instance (or, SIGWINCH, turns into a
 * resize). sandbox_run blocks them before the clone, so that one sent while the instance starts
 * waits for the supervisor instead of killing viv, or being discarded where the caller left it
 * ignored (a script's background job ignores SIGINT). */
void sandbox_relayed_signals(sigset_t *set);
/* Unblock them once the instance is gone: those pending are taken first, as meant for it. */
void sandbox_unblock_relayed(const sigset_t *relayed, const sigset_t *caller_mask);
/* Serve the instance until its init exits: signals, the timeout, trapped calls, the pty. Returns
 * the exit status, or -1 (err filled) when supervising failed and the instance was killed. */
int sandbox_supervise(struct sandbox_supervise *s, struct viv_run_stats *st, struct viv_error *err);

/* Peak memory and whether the OOM killer struck, from the instance's cgroup, else from st->ru. */
void sandbox_read_usage(const struct viv_limits_plan *plan, struct viv_run_stats *st);

/* How the instance's set-up ended, as its report pipe told it. */
struct sandbox_setup {
    int fail_status;      /* 0, or the status of a set-up that failed (125) or an exec (126/127) */
    struct viv_error err; /* what failed */
    bool set_up;          /* SANDBOX_REPORT_SET_UP was read */
    /* Where viv was asked to stop before the guest started: the signal, or -1 for --timeout.
     * The instance is then killed and reaped (status). */
    int stopped_by;
    int status;
    struct rusage ru;
};
/* Until the report pipe closes (the guest's exec, or the instance's end). interruptible: the
 * instance does not share viv's memory, so it may be killed in its set-up, which can be long
 * (--tmpfs copies the image's tree in): SIGINT, SIGTERM, SIGHUP, SIGQUIT and --timeout then end
 * it there. Else they wait for the supervisor, which relays them once the guest runs. */
void sandbox_await_setup(const struct viv_sandbox_config *cfg, int rep_fd, pid_t pid,
                         bool interruptible, uint64_t start_ns, struct sandbox_setup *out);

/* ---- made before the go where it can be (sandbox_premade.c); system calls by hand ---- */

/* The scratch tmpfs (fd, a mount not yet anywhere) and O_PATH fds of its directories: the
 * overlay's upper and work directories, the root's mount point (mnt) and /tmp. */
struct sandbox_scratch {
    int fd, upper, work, mnt, tmp;
};
/* 0, or -errno with nothing left open. */
long sandbox_scratch_make(struct sandbox_scratch *s);
/* The same on an empty directory (the writable layer on disk, sandbox_config.layer_dir): a
 * bind of it, nosuid and nodev. */
long sandbox_scratch_on(struct sandbox_scratch *s, int dir);
void sandbox_scratch_close(struct sandbox_scratch *s);
/* A procfs of the calling process's pid namespace, mounted nowhere: its fd, or -errno. */
long sandbox_proc_make(void);
struct sandbox_premade {
    bool cgroup_ns;                 /* the cgroup namespace made */
    struct sandbox_scratch scratch; /* fd -1: not made */
    int proc;                       /* -1: not made */
    bool proc_protected;            /* proc has its masks (sandbox_proc_protect) */
};
/* As root, in an instance started early: once *maps_ready is set (the id maps are in place),
 * make what does not depend on the image, and drop the bounding set to root's; best effort.
 * /proc's masks are made of host_dev's null (the aide's fd of the host's /dev, or -1).
 * maps_ready NULL: nothing is made. */
void sandbox_premake(struct sandbox_premade *p, int *maps_ready, int host_dev);
void sandbox_premade_close(struct sandbox_premade *p);

/* ---- inside the new namespaces (sandbox_rootfs.c, sandbox_path.c) ---- */

/* Mount the instance's root under a private tmpfs, populate /proc, /dev (from the aide), /tmp and
 * the binds, and pivot into it; the old root stays stacked on top of it, for the aide or
 * sandbox_aide_join to detach. What pre holds is used, and taken (its fds closed). note gets a
 * line on the root's layout, for --verbose. */
struct sandbox_aide;
int sandbox_setup_root(const struct viv_sandbox_config *cfg, struct sandbox_aide *aide,
                       struct sandbox_premade *pre, int *sys_at, char *note, size_t note_len,
                       struct viv_error *err);
/* The instance's sysfs (sandbox_sysfs.c): fd, mounted nowhere until attached, or -errno; masked
 * once what of it is host-wide and sensitive is covered. */
struct sandbox_sysfs {
    long fd;
    bool masked;
};
/* A read-only sysfs of the calling thread's network namespace, masked where the kernel mounts
 * beneath a mount not yet anywhere (Linux 6.15). System calls by hand (the aide makes it). */
void sandbox_sysfs_make(struct sandbox_sysfs *s);
/* The guest's /sys: s (from sandbox_aide_join) attached at sys_at, an O_PATH fd of the mount
 * point, masked there if it was not, with the cgroups of plan's limits at its /sys/fs/cgroup
 * (with host_network, where s is none, a read-only tmpfs holding that view alone, if any);
 * s's fd and sys_at are closed. /sys is the guest's convenience, not a wall: what cannot be
 * mounted is left out, and said in note (for --verbose). -1 (err filled) only when a /sys
 * attached could not be masked. */
struct viv_limits_plan;
int sandbox_attach_sys(struct sandbox_sysfs *s, int sys_at, bool host_network,
                       const struct viv_limits_plan *plan, char *note, size_t note_len,
                       struct viv_error *err);
/* Whether plan's limits have a view to mount: any limit in a cgroup. */
bool sandbox_cgroup_view_wanted(const struct viv_limits_plan *plan);
/* A read-only tmpfs (mode 0755, nosuid, nodev, noexec) holding what fill makes in it, made
 * read-only before it is attached at name under at ("": at itself): its fd, or -1 (err filled)
 * with nothing attached (sandbox_cgroupfs.c). */
long sandbox_ro_tmpfs_at(int at, const char *name,
                         int (*fill)(int top, const void *ctx, struct viv_error *err),
                         const void *ctx, struct viv_error *err);
/* The hierarchies plan's limits live in, read-only at /sys/fs/cgroup of the attached sysfs sys,
 * as the cgroup namespace shows them (sandbox_cgroupfs.c); nothing for an unlimited instance. */
int sandbox_mount_cgroup_view(const struct viv_limits_plan *plan, int sys, struct viv_error *err);
/* Write the instance's /etc/hostname, /etc/hosts and the host's /etc/resolv.conf over the
 * image's, into the writable layer (sandbox_etc.c). Nothing for an image without /etc. */
int sandbox_setup_etc(const struct viv_sandbox_config *cfg, int root, struct viv_error *err);
/* The same files put into the overlay's upper layer before it is mounted, where the image's /etc
 * is a directory (*done then): plain files on a tmpfs, no copy-up of /etc nor of the image's
 * files. */
int sandbox_etc_into_upper(const struct viv_sandbox_config *cfg, int rootfs_fd, int upper,
                           bool *done, struct viv_error *err);
/* Open (O_PATH) a path inside root_fd as the guest would see it, never leaving the root; with
 * create, missing components are made as directories (or, for the last one, a file when
 * want_file). */
int sandbox_open_in_root(int root_fd, const char *path, bool create, bool want_file,
                         struct viv_error *err);
/* Mount onto an O_PATH fd, through its /proc/self/fd magic link (no path walk to race). */
int sandbox_mount_at(const char *source, int target_fd, const char *fstype, unsigned long flags,
                     const char *data, const char *what, struct viv_error *err);
/* Bind src (src_path under src_dirfd, "" for the fd itself) onto target_name under target_dirfd
 * ("" for the fd itself; a name only in a directory nothing else can touch yet), with
 * MOUNT_ATTR_* flags attr set on the new mount(s) before they become visible. */
int sandbox_bind(int src_dirfd, const char *src_path, int target_dirfd, const char *target_name,
                 uint64_t attr, bool recursive, const char *what, struct viv_error *err);
/* sandbox_bind by system calls alone (the aide binds /dev's nodes and masks /proc so): 0 or
 * -errno. */
long sandbox_bind_raw(int src_dirfd, const char *src_path, uint64_t attr, bool recursive,
                      int target_dirfd, const char *target_name);
/* A detached copy of the mount at src_path (recursive: with those beneath), attr set on it before
 * anyone can see it: its fd, or -errno. Attach it, or its close waits out a grace period. */
long sandbox_clone_raw(int src_dirfd, const char *src_path, uint64_t attr, bool recursive);
/* A detached mount (mnt, left open) onto target_name under target_dirfd, or onto target_dirfd
 * itself when the name is "": 0 or -errno. System calls by hand, as the next one. */
long sandbox_attach_raw(int mnt, int target_dirfd, const char *target_name);
/* A new filesystem of its own, mounted nowhere: opts are key, value pairs (a NULL value sets a
 * flag), NULL-ended. The mount's fd, or -errno. System calls by hand (the aide makes /dev so). */
long sandbox_new_mount(const char *fstype, const char *const *opts, uint64_t attr);
/* The same, attached onto target_fd: the new mount's fd (its root), or -1. No path is walked,
 * not even through /proc/self/fd, whose entries would be invalidated with the instance. */
int sandbox_mount_new_at(const char *fstype, const char *const *opts, uint64_t attr, int target_fd,
                         const char *what, struct viv_error *err);
/* Set MOUNT_ATTR_* flags on the mount whose root mount_fd is. */
int sandbox_set_mount_attr(int mount_fd, uint64_t attr, bool recursive, const char *what,
                           struct viv_error *err);

/* ---- after the instance (sandbox_linger.c) ---- */

/* The mount namespace of the instance whose first process is pid (pidfd, if not -1), as an fd;
 * -1 when it cannot be had. Taken before the instance is let go: it then makes itself
 * undumpable, after which an unprivileged caller may no longer open its namespaces. */
int sandbox_linger_take(pid_t pid, int pidfd);
/* Hold that namespace (ns, which this closes) for the kernel to tear down once the returned fd
 * is closed, after the instance, off viv's path; -1 when it cannot be held (the namespace then
 * goes with the instance). */
int sandbox_linger_hold(int ns);

/* ---- system calls beside a task that shares our memory (sandbox_raw.c) ---- */

/* The system call nr; -errno on failure, errno untouched. */
long sandbox_sys(long nr, long a, long b, long c, long d);
long sandbox_sys5(long nr, long a, long b, long c, long d, long e);
/* The CPU the calling task runs on, from the kernel: the C library's sched_getcpu reads a
 * per-thread area the kernel fills for the task that registered it, which a task sharing its
 * memory is not. -1 if unknown. */
int sandbox_getcpu(void);
/* Fields first..last of the calling thread's /proc/thread-self/stat, as numbers, into v[0..]:
 * counted from the last ')' (the command name, field 2, may hold spaces and parentheses). 0, or
 * -1 where they cannot all be read. */
int sandbox_stat_fields(int first, int last, uint64_t *v);
/* clone(2) onto a new stack, where fn(arg) runs and its return ends the new task; errno left
 * alone. The new task's tid, or -errno. tls is its thread pointer with CLONE_SETTLS. */
long sandbox_clone(unsigned long flags, void *stack_top, int (*fn)(void *), void *arg, pid_t *ptid,
                   pid_t *ctid, void *tls);

/* From program header *i on, the next loaded segment of viv's own image that is written (or,
 * !writable, never written): its part from the file, in whole pages, at [*at, *at + *len); *i
 * moves past it. false after the last. No C library needed. */
bool sandbox_image_segment(size_t *i, bool writable, void **at, size_t *len);
/* *fd closed by a system call, if open, and set to -1. */
void sandbox_close_raw(int *fd);
/* n zero bytes at p, without the C library (whose memset is chosen at start-up). */
void sandbox_zero(void *p, size_t n);
/* The calling task's thread pointer, and setting it (the C library's, shared by the instance). */
void *sandbox_thread_pointer(void);
void sandbox_set_thread_pointer(void *tp);
/* Called from viv's entry point with the initial stack, before the C library has started. */
void sandbox_prestart(long *sp);

/* ---- the aide (sandbox_aide.c) ---- */

/* ---- /dev, made apart from the root (sandbox_devtree.c) ---- */

struct sandbox_devtree {
    int dev;            /* a mount of its own, not attached anywhere yet; -1 until made */
    int host;           /* the host's /dev (O_PATH), whose nodes are bound; not ours to close */
    bool populated;     /* /dev has its nodes and mounts (else: fill it once attached) */
    int error;          /* why they could not be made */
    const char *failed; /* the step that failed */
};
/* System calls by hand (the aide runs it); needs the id maps written. -1 with t->error. */
int sandbox_devtree_make(struct sandbox_devtree *t, bool rootless, int host);
/* Where the kernel refused to mount beneath /dev while detached: once it is attached. */
int sandbox_devtree_fill(struct sandbox_devtree *t, bool rootless);
void sandbox_devtree_close(struct sandbox_devtree *t);

/* A thread of the instance's first process: it makes the namespaces the clone left out (network,
 * unless the host's is used, then ipc and uts) and /dev while the root is built, then brings
 * loopback up and detaches the old root while privileges are dropped. */
enum { SANDBOX_NS_IPC, SANDBOX_NS_UTS, SANDBOX_NS_NET, SANDBOX_NS_COUNT };
struct sandbox_aide {
    pid_t tid;       /* the aide's, cleared by the kernel as it ends */
    bool started;    /* else the first thread does the aide's work itself */
    bool make_netns; /* a network namespace is wanted */
    int ns_pidfd;    /* the aide's own pidfd, through which all of them are joined at once */
    long ns_flags;   /* the namespaces the aide made */
    int ns_fd[SANDBOX_NS_COUNT]; /* else each one's fd (before Linux 6.9); -1 for one not made */
    int ns_error;                /* why they could not be made */
    const char *ns_failed;       /* which step failed */
    int ns_ready;                /* set by the aide: the network namespace is made (or ns_error) */
    int ns_claim;                /* who makes it: 0 no one yet, 1 the aide, 2 the first thread */
    int small_claim;             /* who makes the ipc and uts ones, likewise */
    int small_ready;             /* set by the aide once it has made those */
    int *maps_ready;             /* the instance's (struct sandbox_child): /dev may be made */
    int released;                /* set by the first thread at its go */
    bool rootless;               /* for the devpts options */
    void *tls;                   /* set before released: viv's thread pointer, taken then */
    int tree_claim;              /* who makes /dev: 0 no one yet, 1 the aide, 2 the first thread */
    int tree_ready;              /* set by the aide: tree holds */
    int host_dev;                /* the host's /dev (O_PATH), opened before the aide starts */
    int proc_mounted;            /* set by the first thread: proc_fd is the guest's /proc */
    int proc_fd;
    int sys_claim; /* who makes the sysfs: 0 no one yet, 1 the aide, 2 the first thread */
    int sys_ready; /* set by the aide once sys_fd holds */
    struct sandbox_sysfs sys; /* the aide's */
    int proc_claim;           /* who masks it: 0 no one yet, 1 the aide, 2 the first thread */
    int proc_done;            /* set by the aide once it has */
    int proc_error;           /* the aide's: -errno, and where */
    const char *proc_failed;
    struct sandbox_devtree tree;
    bool dispositions_reset; /* by the aide: every signal's default (read once it is gone) */
    int idle;                /* set by the aide once loopback is up: it waits for the pivot */
    int pivoted;             /* set by the first thread: the old root is on top of the new one */
    bool aide_detaches;      /* set before pivoted: the aide detaches the old root */
    int joined;              /* set by the first thread once in the namespaces the aide made */
    int detach_error;        /* why the old root could not be detached */
    int last_pid_fd;         /* the pid namespace's ns_last_pid, to keep pid 2 free */
    int home;                /* the first thread's CPU, or -1 */
    bool pinned;             /* kept off our CPU until we wait for it */
    bool self_pinned;        /* we stay on ours until then */
    bool narrowed;  /* our affinity is not cpus (an early start): set it back before the guest */
    cpu_set_t cpus; /* the CPUs viv may use */
    int done;       /* set by the aide as it returns */
    /* For --trace=run: when the namespaces were begun and handed over (us). */
    int64_t ns_us[2];
    int64_t detach_us[2]; /* the aide's detach, begun and ended (--trace) */
    char stack[16384] __attribute__((aligned(16)));
};
/* The tasks runnable this instant (/proc/loadavg), the caller among them; -1 if unknown. load1,
 * if not NULL: the last minute's load average in hundredths (-1 if unknown). System calls by
 * hand. */
int sandbox_running_tasks(int *load1);
/* First thing in the instance: start the aide, on another CPU than c's home_cpu (-1: ours),
 * which the calling thread moves to (sandbox_aide_home) and keeps until the aide is waited for,
 * among c's cpus where has_cpus (else ours). */
void sandbox_aide_start(struct sandbox_aide *a, const struct sandbox_child *c);
/* Before the go: the calling thread onto its home CPU, where the aide has another. */
void sandbox_aide_home(struct sandbox_aide *a);
/* Right after the go: the aide takes tls as its thread pointer, and may go on to /dev, which
 * needs the id maps, if it has not already (c->maps_ready). */
void sandbox_aide_released(struct sandbox_aide *a, void *tls);
/* Whether the aide is making /dev this moment, which sandbox_aide_devtree would wait for. */
bool sandbox_aide_devtree_pending(const struct sandbox_aide *a);
/* Whether the aide is making the network namespace this moment, which sandbox_aide_join would
 * wait for. */
bool sandbox_aide_netns_pending(const struct sandbox_aide *a);
/* Before such a wait: take over what of the aide's work it has not begun (the ipc and uts
 * namespaces). */
void sandbox_aide_meanwhile(struct sandbox_aide *a);
/* /dev for the root (into t): made by the aide if it has begun it, else here. */
int sandbox_aide_devtree(struct sandbox_aide *a, struct sandbox_devtree *t, struct viv_error *err);
/* /proc mounted (proc, an fd of it, is the aide's from here on): the aide may protect it. */
void sandbox_aide_proc_mounted(struct sandbox_aide *a, int proc);
/* Once /dev is attached (dev, its mount): /proc protected here, its masks from the guest's
 * /dev/null, unless the aide has begun it; -1 with err. */
int sandbox_aide_proc(struct sandbox_aide *a, int dev, struct viv_error *err);
/* Masks and read-only binds over what of /proc exposes the host (sandbox_procmask.c), the masks
 * copies of null_dir's "null"; system calls by hand. 0, or -errno with *failed naming the
 * entry. */
long sandbox_proc_protect(int proc, int null_dir, const char **failed);
/* Right after pivot_root (the working directory the new root): the old root is the aide's to
 * detach, once it has made the network namespace. */
void sandbox_aide_pivoted(struct sandbox_aide *a);
/* Once the root is ready, with the capabilities: the namespaces waited for and entered, the
 * network one only with join_net (one made for an instance started early may turn out not
 * wanted); with sysfs, the sysfs of that network namespace there, the aide's or made now; then the
 * old root detached here if the aide does not. */
int sandbox_aide_join(struct sandbox_aide *a, bool join_net, struct sandbox_sysfs *sysfs,
                      struct viv_error *err);
/* Before the guest starts: wait until the aide is gone; loopback is up, the old root detached. */
int sandbox_aide_finish(struct sandbox_aide *a, struct viv_error *err);

/* ---- privileges (sandbox_privs.c) ---- */

/* The bounding set down to what uid keeps (root: its allowlist; others: nothing), in a user
 * namespace of ours; once only, however often called. The effective set is untouched: the
 * set-up goes on as before. */
int sandbox_drop_bounding_set(uid_t uid, struct viv_error *err);
/* The same by system calls alone, root's allowlist kept or nothing (before the go, an instance
 * started early does root's part: sandbox_premade.c): 0, or -errno with the capability it
 * failed on in *failed, and then not taken as done by the next call. */
long sandbox_drop_bounding_set_raw(bool root, int *failed);
/* The one place privileges go: bounding set, groups, ids, capabilities, no_new_privs. A root
 * guest keeps its allowlist less what cap_drop names (1 << CAP_*), plus what cap_add names of
 * it again. */
int sandbox_drop_privileges(const struct viv_sandbox_config *cfg, struct viv_error *err);
/* Whether a root guest may hold capability cap (its allowlist); for --cap-add. */
bool sandbox_root_may_keep(int cap);
/* The allowlist's names, for a message ("CHOWN, DAC_OVERRIDE, ..."). */
void sandbox_root_keeps_names(char *buf, size_t len);

/* ---- without namespaces (sandbox_landlock.c) ---- */

/* Confine the calling process (no_new_privs set) with Landlock to reading and executing beneath
 * root: no write anywhere, no read outside. 0, or -1 with err saying why it cannot be had. */
int sandbox_landlock_read_only(const char *root, struct viv_error *err);

/* ---- the default seccomp policy (seccomp_policy.c) ---- */

/* Load the policy (seccomp_policy_program's) into the calling process, no_new_privs set first. With
 * trap_chown the chown family is sent to a user-notification listener, whose fd is returned in
 * *notify_fd (else -1). */
int seccomp_policy_load(bool trap_chown, int *notify_fd, struct viv_error *err);
/* Compile the policy to a BPF program of at most max bytes in buf. */
int seccomp_policy_compile(bool trap_chown, void *buf, size_t max, size_t *len,
                           struct viv_error *err);
/* The compiled policy, from the cache of compiled programs (seccomp_cache.c) or compiled now
 * and cached: *bpf is viv's own buffer, the same on every call. */
int seccomp_policy_program(bool trap_chown, const void **bpf, size_t *len, struct viv_error *err);
/* seccomp_policy_program's program, written to fd: the write end of a pipe, which this makes
 * non-blocking. For an instance with memory of its own, before it needs the program. */
int seccomp_policy_send(bool trap_chown, int fd, struct viv_error *err);
/* Load a program seccomp_policy_send wrote into the calling process (no_new_privs set), with
 * a user-notification listener in *notify_fd when trap_chown (else -1). */
int seccomp_policy_install(const void *bpf, size_t len, bool trap_chown, int *notify_fd,
                           struct viv_error *err);
/* The policy as libseccomp's pseudo-filter text, for tests and docs (caller frees). */
char *seccomp_policy_describe(bool trap_chown);
/* A second filter for a translator or a VMM, over the policy: ptrace, process_vm_readv and
 * writev, and pidfd_getfd refused (EPERM) in it and every process it starts. no_new_privs must
 * be set. */
int seccomp_engine_load(struct viv_error *err);

/* ---- limits (limits_cgroup.c, limits_rlimit.c) ---- */

enum { VIV_CG_MEMORY, VIV_CG_PIDS, VIV_CG_CPU, VIV_CG_COUNT };
struct viv_limits_plan {
    /* Per controller: where its limit lives (NULL: not through a cgroup) and which version. */
    char *dir[VIV_CG_COUNT];
    int version[VIV_CG_COUNT];
    /* Where a limit is v1's: the hierarchies the guest's /sys/fs/cgroup shows, each as the
     * controllers it holds ("cpu,cpuacct"), which a mount of it must name: those a runtime
     * sizes itself from (a JVM ignores the lot unless memory, cpu, cpuacct and cpuset are all
     * there), and pids. */
    char v1_view[5][128];
    int nv1_view;
    /* For a view hierarchy no limit is in: a cgroup of the instance's own there too, joined like
     * the others, so that the view's top is its own cgroup and not the one viv runs in (on a host
     * where that is the root, every other cgroup there would be in sight). NULL / -1: none. */
    char *view_dir[5];
    int view_join_fd[5];
    bool nproc_rlimit; /* pids through RLIMIT_NPROC in the child */
    uint64_t nproc;
    /* A cgroup2 mount of viv's own (detached: in no mount namespace), where the host mounts no
     * hierarchy; dir[] names it through /proc/self/fd. The instance closes it first thing. */
    bool own_mount;
    int mount_fd;
    /* Per controller, the file the instance writes "0" into to join its cgroup itself: v1's
     * `tasks`, v2's `cgroup.procs` (-1: none, or the same cgroup as an earlier controller's).
     * Opened by the supervisor: the kernel checks the opener's credentials. */
    int join_fd[VIV_CG_COUNT];
    /* The v2 cgroup's directory, for a clone straight into it (CLONE_INTO_CGROUP); -1: none. */
    int into_fd;
    char how[512];   /* how each limit is applied, for --verbose */
    char notes[512]; /* what best-effort left out, for a warning */
};
/* An empty plan, safe to clean up. */
void limits_plan_init(struct viv_limits_plan *plan);
/* Whether the plan holds fds for the instance (cgroups to join, viv's own cgroup2 mount): an
 * instance cloned before they were opened has none of them. */
bool limits_plan_has_fds(const struct viv_limits_plan *plan);
/* Decide how each requested limit is applied and create the cgroup. An unappliable limit is an
 * error unless best_effort (then it is noted in plan->notes). userns: the instance has a user
 * namespace of its own, where RLIMIT_NPROC counts its processes alone. */
int limits_prepare(const struct viv_sandbox_config *cfg, const char *instance, bool userns,
                   struct viv_limits_plan *plan, struct viv_error *err);
/* The calling process joins its cgroups, before it runs guest code; v2 ones are skipped where
 * the clone already put it there. Moving a whole process takes a kernel-wide lock whose first
 * writer waits out an RCU grace period (10-20 ms here); a thread moving itself in a v1 hierarchy
 * does not: there only the calling thread moves (another thread, such as the aide, stays where
 * it was). Closes the caller's copies of the join files. */
int limits_join(const struct viv_limits_plan *plan, bool v2_joined, struct viv_error *err);
/* In the child: the rlimits part. */
int limits_apply_rlimits(const struct viv_limits_plan *plan, struct viv_error *err);
/* cfg's --ulimit values, set in the calling process (limits_rlimit.c); the lower of nproc and
 * plan's RLIMIT_NPROC holds; without a nofile one, the soft limit of open files is raised to the
 * hard one, as podman does. */
int limits_apply_ulimits(const struct viv_sandbox_config *cfg, const struct viv_limits_plan *plan,
                         struct viv_error *err);
/* Peak memory and whether the OOM killer acted, read before the cgroup goes. */
void limits_read_usage(const struct viv_limits_plan *plan, uint64_t *peak, bool *oom);
/* SIGKILL whatever is still in the instance's cgroups (an instance without a pid namespace of
 * its own leaves its orphans there). */
void limits_kill(const struct viv_limits_plan *plan);
/* In a process of the instance: drop what only the supervisor may hold (viv's own mount, the
 * v2 cgroup's directory). */
void limits_forget(const struct viv_limits_plan *plan);
/* Remove the cgroup (waiting briefly for it to empty) and free the plan. */
void limits_cleanup(struct viv_limits_plan *plan);

/* ---- the terminal (pty.c) ---- */

struct viv_pty {
    int master; /* handed over by the instance, which allocates the pair; -1 until then */
    bool raw;   /* caller's terminal put in raw mode */
    struct termios *saved;
};
/* The caller's window size, from whichever of stdin, stdout, stderr is a terminal. */
bool pty_caller_size(struct winsize *ws);
/* In the instance, once its devpts is mounted and with the guest's ids: a pty pair of that
 * devpts, unlocked, sized ws (NULL: left as is). Both fds CLOEXEC. */
int pty_open_in_instance(const struct winsize *ws, int *master, int *slave, struct viv_error *err);
/* Raw mode on the caller's stdin when it is a terminal; restored by pty_close. */
void pty_raw(struct viv_pty *p);
void pty_resize(struct viv_pty *p); /* copy the caller's window size to the pty */
void pty_close(struct viv_pty *p);

/* ---- --stats (stats.c) ---- */
void stats_print(FILE *out, const struct viv_run_stats *st, bool json);

#endif
