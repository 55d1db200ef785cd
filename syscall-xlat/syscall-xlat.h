/* syscall-xlat: the guest Linux personality: the system calls native mode traps and emulates
 * for a guest that otherwise runs on the host kernel, and every system call of the engines that
 * do not run on the host kernel (vm's hypercalls, xlat's translated ecalls). */
#ifndef VIV_SYSCALL_XLAT_H
#define VIV_SYSCALL_XLAT_H

#include "base/base.h"

#include <sys/resource.h>

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- trap-and-emulate for native mode (trap.c, trap_chown.c) ----
 *
 * The sandbox's seccomp policy sends the calls below to a user-notification listener
 * (SECCOMP_RET_USER_NOTIF). The supervisor owns the listener fd and calls xlat_trap_serve()
 * whenever it is readable. Handlers either emulate the call and answer for the kernel, or let it
 * proceed unchanged (SECCOMP_USER_NOTIF_FLAG_CONTINUE) when the kernel would do the right thing;
 * they never act on memory or paths of the guest without checking that the notification is still
 * live (SECCOMP_IOCTL_NOTIF_ID_VALID), since the guest thread may have died and its pid been
 * reused. */

/* What the user namespace of the guest maps, which decides which calls need emulating. */
struct xlat_trap_config {
    bool rootless; /* only one uid and one gid are mapped */
    uid_t mapped_uid; /* the guest-side ids that exist when rootless */
    gid_t mapped_gid;
};

struct xlat_trap; /* opaque */

/* Host syscall numbers the policy must trap for this configuration; *n gets the count. */
const int *xlat_trap_syscalls(const struct xlat_trap_config *cfg, size_t *n);

/* The system calls no guest may make, by name (refused.c): native mode's seccomp policy refuses
 * them with EPERM, and so does the personality. personality(2) flags refused when set. */
extern const char *const xlat_refused_calls[];
extern const size_t xlat_refused_count;
extern const unsigned long xlat_personality_refused[];
extern const size_t xlat_personality_refused_count;

/* Take ownership of a listener fd. */
int xlat_trap_open(int notify_fd, const struct xlat_trap_config *cfg, struct xlat_trap **out,
                   struct viv_error *err);
/* Receive and answer one notification. A guest that vanished mid-call is not an error. */
int xlat_trap_serve(struct xlat_trap *t, struct viv_error *err);
int xlat_trap_fd(const struct xlat_trap *t);
/* Calls trapped so far, and how many of them were emulated rather than continued. */
uint64_t xlat_trap_count(const struct xlat_trap *t);
uint64_t xlat_trap_emulated(const struct xlat_trap *t);
void xlat_trap_close(struct xlat_trap *t);

/* ---- the guest Linux personality of vm and xlat (guest_mem.c, abi_*.c, sys_*.c) ----
 *
 * Engine-neutral: the engine runs guest instructions and hands each system call here as a
 * number and six argument registers; this layer sees guest memory only through struct xlat_mem
 * and the guest's ABI only through a table, and knows nothing of KVM or instruction decoding. */

#include "loader/loader.h"

/* Guest memory: a window of host address space; guest address g is host address base + g for
 * 0 <= g < size. The rights of every guest page are kept here as well as where they are
 * enforced, so that a system call checks a guest pointer instead of faulting on it.
 *
 * Two engines enforce rights differently. A translator's window is reserved here
 * (xlat_mem_init) and the host MMU enforces reads and writes: every change remaps or
 * mprotects host pages. A VM's window is guest-physical memory the engine owns
 * (xlat_mem_init_mmu): the host mapping stays in place under the hypervisor's memory slot, the
 * guest's own page tables enforce the rights (kept by the engine in its `changed` hook), fresh
 * pages are emptied with MADV_DONTNEED and private file mappings are copies. A shared mapping
 * (a file's, or shared anonymous memory) must be the host's own to be shared: the host maps it
 * into the window in place of the private pages there (XLAT_PG_HOST, with the guest's rights,
 * so that the host refuses what Linux refuses), and private pages are put back when it goes. */
enum { XLAT_PG_R = 1, XLAT_PG_W = 2, XLAT_PG_X = 4, XLAT_PG_MAPPED = 8, XLAT_PG_HOST = 16 };
#define XLAT_PAGE 4096u /* the guest page size: 4 KiB on riscv64 and x86-64 Linux */

/* What /proc/self/maps says of a run of guest pages besides where it is (mem_ranges.c): Linux's
 * vma, as far as a reader of maps can see one. The rights enforced stay in pages[]; prot is the
 * guest's request, which maps prints (a VM's pages are readable whenever present). */
enum xlat_range_kind {
    XLAT_RANGE_ANON,
    XLAT_RANGE_FILE, /* shared anonymous memory too: "/dev/zero (deleted)", as a shmem file */
    XLAT_RANGE_VDSO, /* [vdso] and [vvar]: labelled by the engine that places them */
    XLAT_RANGE_VVAR,
};
struct xlat_range_name; /* a file's host path, shared by the ranges that map it */
struct xlat_range_node; /* a range's place in the record */
struct xlat_range {
    uint64_t start, end;
    /* A file's offset at start. Anonymous memory keeps Linux's vm_pgoff (the address it was
     * first mapped at, as bytes) so that it merges where Linux merges; maps prints 0 for it. */
    uint64_t off;
    uint64_t dev, ino;
    struct xlat_range_name *name; /* NULL for anonymous memory, or a path that was not had */
    uint8_t prot;                 /* PROT_READ/WRITE/EXEC */
    uint8_t kind;                 /* enum xlat_range_kind */
    bool shared;                  /* MAP_SHARED: 's' in maps */
    /* Linux's VM_ACCOUNT: private memory that was ever writable is charged to the commit
     * limit, and keeps the charge (and so stays apart from its uncharged neighbours) when it
     * is made read-only again (mm/mprotect.c mprotect_fixup); VM_NORESERVE never is. */
    bool account, noreserve;
};
/* Linux's default vm.max_map_count: past it, a call that would add a range fails with ENOMEM. */
#define XLAT_MAX_MAP_COUNT 65530

struct xlat_mem {
    uint8_t *base;
    uint64_t size;
    uint8_t *pages;    /* one byte per guest page: XLAT_PG_* */
    uint64_t mmap_top; /* where the next search for free space starts, going down */
    bool mmu;          /* the window is a VM's (xlat_mem_init_mmu) */
    /* Called after every change of the map (map, unmap, protect, mremap) and on a cache flush:
     * [addr, addr+len) now has the rights in pages[]; was_mapped says whether any of it was
     * mapped before, which a TLB may still hold. A translator drops what it decoded there; a VM
     * rewrites its page-table entries. */
    void (*changed)(void *ctx, uint64_t addr, uint64_t len, bool was_mapped);
    void *changed_ctx;
    /* Disjoint, covering exactly the mapped pages; adjacent ranges differ in something that
     * keeps Linux from merging two vmas. Changed only with pages[]. A tree by address and a
     * list in address order (mem_ranges.c); walk it with xlat_range_first and _next. */
    struct xlat_range_node *ranges_root, *ranges_first;
    size_t nranges;
    uint64_t ranges_seed;          /* the tree's source of priorities */
    struct xlat_range_name *names; /* the names of mapped files, one a file */
    /* The initial stack (xlat_mem_set_stack): the reservation [stack_base, size) and where
     * Linux's stack vma would start after exec; both 0 when there is none. */
    uint64_t stack_base, stack_start;
    /* SysV shared memory segments attached (shmat), for shmdt to find their length. */
    struct xlat_shm_attach {
        uint64_t addr, len;
    } *shm;
    size_t nshm;
};

int xlat_mem_init(struct xlat_mem *m, uint64_t size, struct viv_error *err);
/* A VM's window: size bytes at base (page-aligned, read-write, owned by the caller). A page
 * mapped with any right is readable, as x86 pages are (AMD64 APM vol. 2, 5.6). */
void xlat_mem_init_mmu(struct xlat_mem *m, uint8_t *base, uint64_t size);
void xlat_mem_destroy(struct xlat_mem *m);
/* These return 0 or a negative errno, as the guest's system call would. */
int xlat_mem_map(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot, int flags, int fd,
                 uint64_t off);
int xlat_mem_unmap(struct xlat_mem *m, uint64_t addr, uint64_t len);
int xlat_mem_protect(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot);
/* shmat: SysV segment id (its length len, page-rounded) at [addr, addr+len), read-only with
 * SHM_RDONLY, executable with SHM_EXEC; the host attaches it there (SHM_REMAP). */
int xlat_mem_attach_shm(struct xlat_mem *m, uint64_t addr, uint64_t len, int id, int shmflg);
/* shmdt: the segment attached at addr detached; -EINVAL when none starts there. */
int xlat_mem_detach_shm(struct xlat_mem *m, uint64_t addr);
/* mremap's move: the pages of [old, old+old_len) go to [to, to+new_len) (page-aligned, inside,
 * not overlapping), keeping old's rights; old is unmapped. */
int xlat_mem_move(struct xlat_mem *m, uint64_t old, uint64_t old_len, uint64_t to,
                  uint64_t new_len);
/* mremap's growth in place: [old+old_len, old+new_len) (free) joins the mapping that ends at
 * old+old_len, with its rights, as its continuation (the same file, offsets running on). */
int xlat_mem_grow(struct xlat_mem *m, uint64_t old, uint64_t old_len, uint64_t new_len);
/* Mark [addr, addr+len) (mapped) as what the engine placed there: [vdso] or [vvar]. */
void xlat_mem_label(struct xlat_mem *m, uint64_t addr, uint64_t len, enum xlat_range_kind kind);
/* The bookkeeping of the ranges, for guest_mem.c's calls, which keep pages[] alongside
 * (mem_ranges.c). room: 0, or -ENOMEM when changing [addr, addr+len) and adding `add` ranges
 * could pass XLAT_MAX_MAP_COUNT. */
int xlat_ranges_room(const struct xlat_mem *m, uint64_t addr, uint64_t len, unsigned add);
void xlat_ranges_map(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot, int flags, int fd,
                     uint64_t off);
/* A SysV segment attached there (shared memory whose file is the segment's: ipc/shm.c newseg
 * names it after its key, its inode the segment's id). */
void xlat_ranges_map_shm(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot, int32_t key,
                         int id);
void xlat_ranges_clear(struct xlat_mem *m, uint64_t addr, uint64_t len);
void xlat_ranges_protect(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot);
void xlat_ranges_move(struct xlat_mem *m, uint64_t old, uint64_t old_len, uint64_t to,
                      uint64_t new_len);
void xlat_ranges_extend(struct xlat_mem *m, uint64_t end, uint64_t grow);
void xlat_ranges_free(struct xlat_mem *m);
/* The range that holds addr, or NULL. */
const struct xlat_range *xlat_range_at(const struct xlat_mem *m, uint64_t addr);
/* The ranges in address order: the lowest (NULL when none), and the one after r (NULL after
 * the last). Valid until the map changes. */
const struct xlat_range *xlat_range_first(const struct xlat_mem *m);
const struct xlat_range *xlat_range_next(const struct xlat_range *r);
/* The host path a file range maps (as readlink of its fd said, " (deleted)" and all), or NULL. */
const char *xlat_range_path(const struct xlat_range *r);
/* r as one line of /proc/PID/maps (proc(5), fs/proc/task_mmu.c show_map_vma), named name
 * (NULL: none), with its newline: the length, truncated to fit len as snprintf does. */
int xlat_range_format(const struct xlat_range *r, const char *name, char *buf, size_t len);
/* fn on each run of pages in [addr, addr+len) (page-aligned) that have a bit of mask in pages[],
 * in address order; the first failure ends the walk and is returned. */
int xlat_mem_each_run(struct xlat_mem *m, uint64_t addr, uint64_t len, unsigned mask,
                      int (*fn)(struct xlat_mem *m, uint64_t addr, uint64_t len, int arg), int arg);
/* Highest free page-aligned range of len bytes below m->mmap_top (then anywhere). */
int xlat_mem_find(struct xlat_mem *m, uint64_t len, uint64_t *addr);
/* Host pointer for guest [addr, addr+len) when every page is mapped with the rights in need
 * (XLAT_PG_R/W); NULL when not (the guest gets EFAULT). len 0 is always valid. */
void *xlat_mem_ptr(const struct xlat_mem *m, uint64_t addr, uint64_t len, unsigned need);
int xlat_mem_read(const struct xlat_mem *m, uint64_t addr, void *dst, uint64_t len);
int xlat_mem_write(const struct xlat_mem *m, uint64_t addr, const void *src, uint64_t len);
/* Copy a NUL-terminated guest string into buf: its length, -EFAULT or -ENAMETOOLONG. */
long xlat_mem_string(const struct xlat_mem *m, uint64_t addr, char *buf, size_t max);
/* The engine's stack: the reservation [base, size) it mapped at the top of the window, the
 * guest's to use all of as Linux would let the stack grow, and start, where Linux's stack vma
 * would begin after exec (elf_stack_vma_size). Called right after the reservation is mapped,
 * before anything is written in or near it. */
void xlat_mem_set_stack(struct xlat_mem *m, uint64_t base, uint64_t start);
/* Where /proc/self/maps begins [stack] now: at the set start or at the lowest page of the
 * reservation the guest has touched, whichever is lower, as Linux grows its vma down on a
 * fault below it; 0 when no stack was set. */
uint64_t xlat_mem_stack_start(const struct xlat_mem *m);
/* The loader's view of this memory (elf_load, elf_stack_build). */
void xlat_mem_loader_ops(struct xlat_mem *m, struct elf_load_ops *ops);

/* One guest ABI: its name, its syscall numbers and their handlers, its structures and its signal
 * frames (abi_riscv64.c, abi_x86_64.c). */
struct xlat_abi;
extern const struct xlat_abi xlat_abi_riscv64;
extern const struct xlat_abi xlat_abi_x86_64;
/* The name of system call nr in abi ("openat"), or NULL. */
const char *xlat_syscall_name(const struct xlat_abi *abi, uint64_t nr);
/* The number of system call name in abi, or -1. */
long xlat_syscall_number(const struct xlat_abi *abi, const char *name);

/* viv's own fds live at or above this, out of the way of the small numbers a guest expects. */
#define XLAT_FD_FLOOR 900

struct xlat_proc_config {
    const struct xlat_abi *abi;
    struct xlat_mem *mem;
    /* Every guest path resolves inside root (openat2 RESOLVE_IN_ROOT from a root fd). */
    const char *root;
    /* Optional: a folder tried first for absolute paths that exist in it, as qemu-user's -L
     * (so the dynamic linker finds its libraries); NULL for none. */
    const char *sysroot;
    const char *exe_path;  /* what /proc/self/exe reads as to the guest */
    uint64_t brk_start;    /* first page after the program's segments */
    uint64_t brk_limit;    /* brk never grows past this */
    const char *hostname;  /* uname's nodename; NULL for the host's (a UTS namespace's) */
    /* The engine runs in the host's network namespace but the guest has no network: socket
     * refuses every family but AF_UNIX and AF_UNIX refuses abstract names (which live in the
     * network namespace), with EACCES. */
    bool no_network;
    /* The guest is alone in a pid space the engine gives it (a VM, which may run where the
     * host grants no pid namespace): it is pid alone_pid, as in native mode's instance (1, or
     * 2 under --init's init; 0 for XLAT_ALONE_PID), and kill, tgkill and tkill reach only
     * itself, never the host's processes. */
    bool alone;
    pid_t alone_pid;
    /* execve runs programs of the ABI's machine in place and refuses the others (ENOEXEC),
     * rather than handing them to the host's execve: the guest must not leave its VM. */
    bool exec_in_place_only;
};

struct xlat_proc; /* opaque: one guest process */
/* Whether fd is one of the engine's (the guest sees EBADF for it) rather than a guest number. */
bool xlat_fd_reserved(const struct xlat_proc *p, int64_t fd);
int xlat_proc_new(const struct xlat_proc_config *cfg, struct xlat_proc **out,
                  struct viv_error *err);
void xlat_proc_free(struct xlat_proc *p);
#define XLAT_ALONE_PID 1
/* What getpid and getppid answer the guest (for an engine that answers them itself); either
 * pointer may be NULL when only the other is wanted. */
void xlat_proc_ids(const struct xlat_proc *p, pid_t *pid, pid_t *ppid);
/* The program break as brk(2) sees it: its start, where it is now, and how far it may go. */
void xlat_proc_brk(const struct xlat_proc *p, uint64_t *start, uint64_t *cur, uint64_t *limit);
/* Signal sig's action (1 <= sig <= 64) as rt_sigaction's old action: the words the guest's
 * struct sigaction holds, their count (4 on x86-64: handler, flags, restorer, mask). */
size_t xlat_proc_sigaction(const struct xlat_proc *p, int sig, uint64_t w[4]);
/* The guest's limit on resource as getrlimit answers it: its own RLIMIT_NOFILE (the host's is
 * kept high enough for the engine's fds), the host's others. */
int xlat_proc_getrlimit(const struct xlat_proc *p, int resource, struct rlimit *rl);
/* A copy of the engine's fd at at (a forked child keeps its parent's numbers), or when at is -1
 * at the lowest number from XLAT_FD_FLOOR up, close-on-exec: for an engine that makes fds while
 * the guest runs, whose RLIMIT_NOFILE may be lower than those numbers. -1 with errno set. */
int xlat_engine_fd_high(int fd, int at);
/* fd is the engine's (a VM's vCPU, say): the guest's calls treat it as closed (EBADF) and can
 * never close, replace or read it. At most 8. */
void xlat_proc_reserve_fd(struct xlat_proc *p, int fd);

enum xlat_sys_result {
    XLAT_SYS_DONE, /* put *ret in the guest's return register and continue after the call */
    XLAT_SYS_EXIT, /* the guest process is done: xlat_proc_exit_status */
    XLAT_SYS_THREAD_EXIT, /* only the calling thread is done (exit with other threads left) */
    XLAT_SYS_REGS,    /* every register was replaced (rt_sigreturn): load them, pc included */
    XLAT_SYS_RESTART, /* interrupted by a signal to restart: leave pc and a0 at the call */
    XLAT_SYS_EXEC,    /* execve of a program this engine runs: xlat_proc_exec_request */
};
/* Serve guest system call nr with argument registers a[0..5]. *ret is the value for the guest's
 * return register: the result, or -errno. Unknown numbers give -ENOSYS and are counted. Traced as
 * strace does under --trace=sys. */
enum xlat_sys_result xlat_syscall(struct xlat_proc *p, uint64_t nr, const uint64_t a[6],
                                  int64_t *ret);
int xlat_proc_exit_status(const struct xlat_proc *p);
/* System calls served, and how many of them were unknown to the ABI table. */
uint64_t xlat_proc_calls(const struct xlat_proc *p);
uint64_t xlat_proc_unimplemented(const struct xlat_proc *p);
/* Calls by number, known or not (for --stats): out[nr] for nr < n. */
#define XLAT_COUNTED_NRS 512
void xlat_proc_call_counts(const struct xlat_proc *p, uint64_t *out, size_t n);
/* n calls of number nr that the engine answered without the personality (vm mode's shim),
 * counted as if served: unimplemented too when the ABI has no such call. */
void xlat_proc_add_calls(struct xlat_proc *p, uint64_t nr, uint64_t n);
/* Signal frames built so far (handlers run). */
uint64_t xlat_proc_signal_frames(const struct xlat_proc *p);
/* Guest signal numbers are Linux's generic ones, the same as the host's on x86-64. */
enum xlat_sig_action {
    XLAT_SIG_IGNORE, /* nothing happens; the guest continues */
    XLAT_SIG_KILL,   /* the default action terminates the process: exit as killed by sig */
    XLAT_SIG_HANDLER, /* the guest has a handler: the engine builds a signal frame */
};
/* What the guest's disposition makes of signal sig raised synchronously by a guest fault
 * (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP). */
enum xlat_sig_action xlat_signal_fault(struct xlat_proc *p, int sig);


/* ---- threads, signal frames and exec (sys_thread.c, sys_signal.c, rv_sigframe.c,
 * x86_sigframe.c, sys_exec.c) ---- */

/* An x86-64 thread's user state: struct sigcontext's 18 registers in its order
 * (arch/x86/include/uapi/asm/sigcontext.h), what the exception that stopped it reports (error
 * code, vector, CR2: 0 for a system call or a signal from outside), and the x87/SSE state as an
 * FXSAVE image (Intel SDM vol. 1, 10.5.1, Table 10-2). */
struct xlat_x86_regs {
    uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
    uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, rflags;
    uint64_t err, trapno, cr2;
    uint8_t fx[512];
};
/* The FXSAVE image of a fresh FPU (FNINIT, MXCSR 0x1f80), as a signal handler starts with. */
void xlat_x86_init_fx(uint8_t fx[512]);

/* A guest thread's registers, in the layout of its ABI. riscv64: the kernel's struct
 * user_regs_struct (pc, then x1..x31; x[0] is unused) followed by the D extension's state
 * (struct __riscv_d_ext_state). x86-64: struct xlat_x86_regs. */
struct xlat_regs {
    union {
        struct {
            uint64_t pc;
            uint64_t x[32];
            uint64_t f[32];
            uint32_t fcsr;
        };
        struct xlat_x86_regs x86;
    };
};

struct xlat_thread; /* opaque: one guest thread */

struct xlat_engine_hooks {
    void *ctx;
    /* Start a host thread that calls xlat_thread_attach(child) and runs from regs; 0 or
     * -errno (the guest's clone fails with it). */
    int (*spawn)(void *ctx, struct xlat_thread *child, const struct xlat_regs *regs);
    /* Make the hart stop before its next block; called from host signal handlers. */
    void (*kick)(void *hart);
    /* x86-64 arch_prctl(ARCH_SET_FS): load base into the hart's FS base; 0 or -errno. NULL
     * where the ABI has no such call. */
    int (*set_fs)(void *hart, uint64_t base);
    /* fork, vfork and clone without CLONE_VM are host forks. fork_prepare runs in the parent
     * before it (to keep what the child cannot read: a vCPU belongs to its creator's mm),
     * fork_child in the child after it (to make its machine anew over the copied memory):
     * 0 or -errno (the parent's call fails; a child that fails exits 125). NULL where a host
     * fork copies all there is. */
    int (*fork_prepare)(void *hart);
    int (*fork_child)(void *hart);
};
void xlat_proc_set_hooks(struct xlat_proc *p, const struct xlat_engine_hooks *h);
/* The process's first thread, run by the calling host thread; hart is the engine's. */
struct xlat_thread *xlat_thread_first(struct xlat_proc *p, void *hart);
void xlat_thread_attach(struct xlat_thread *t, void *hart);
/* Start fn(arg) on a detached host thread with every guest signal blocked until it attaches
 * (an engine's spawn hook): 0 or -errno. */
int xlat_host_thread_start(void *(*fn)(void *), void *arg);
/* The id the guest knows t by (gettid: the host's, but for a guest that is alone, whose first
 * thread is its pid), and the FS base it starts with: clone's tls with
 * CLONE_SETTLS on x86-64, else its parent's (the engine loads it before t runs). */
pid_t xlat_thread_guest_tid(const struct xlat_thread *t);
uint64_t xlat_thread_fs_base(const struct xlat_thread *t);
/* t's host thread is done with it: clear-child-tid (store 0, futex wake: clone(2)), then t is
 * forgotten (and freed, but for the first thread, which the process owns); the host thread
 * takes no more guest signals. */
void xlat_thread_leave(struct xlat_thread *t);
/* exit_group, exec or a fatal signal: ask every other thread to stop and wait until they have
 * left. false when another thread got there first: then t must leave too. */
bool xlat_proc_stop_others(struct xlat_thread *t);
/* Block until every thread has left (the first thread's host thread, before it returns). */
void xlat_proc_wait_empty(struct xlat_proc *p);
/* Whether t must leave now because another thread called exit_group or execve. */
bool xlat_thread_must_leave(const struct xlat_thread *t);
/* The host signal that interrupts a thread's blocking call so that it sees it must leave;
 * reserved: the guest cannot use it. */
#define XLAT_KICK_SIGNAL 64
/* xlat_syscall for thread t, whose registers are regs (read by clone, replaced by
 * rt_sigreturn); also decides whether a call a signal interrupted is restarted. */
enum xlat_sys_result xlat_thread_syscall(struct xlat_thread *t, uint64_t nr, const uint64_t a[6],
                                         struct xlat_regs *regs, int64_t *ret);
/* A call the engine already answered for the guest (vm mode's shim records set_tid_address
 * and set_robust_list), made again for its effect on t's state, on t's own host thread: its
 * result, neither counted nor traced. Only calls that touch no registers and no guest memory. */
int64_t xlat_thread_replay(struct xlat_thread *t, uint64_t nr, const uint64_t a[6]);

/* t's blocked signals (bit sig-1), for an engine that lets the guest read and change them
 * without a call (vm mode's shim); a mask set so is rt_sigprocmask's SIG_SETMASK: less SIGKILL
 * and SIGSTOP, mirrored on the host thread. Only on t's own host thread. */
uint64_t xlat_thread_sigmask(const struct xlat_thread *t);
void xlat_thread_set_sigmask(struct xlat_thread *t, uint64_t mask);
/* Make the host thread's signal mask follow the guest thread's (sys_signal.c), so that the host
 * kernel picks the thread a process-directed signal goes to and keeps blocked ones pending. */
void xlat_signal_mirror_mask(const struct xlat_thread *t);
/* For an engine whose guest changes its mask where the host cannot see it (vm mode's shim,
 * while ring 3 runs): the host thread blocks every signal it can, so that one that comes waits
 * in the host's queue until xlat_signal_mirror_mask lets the host act on it under the guest's
 * mask as it stands then, as Linux would at that point. It acts on the calling host thread. */
void xlat_signal_block_all(void);
/* Signals the engine itself needs on the host and the guest can never block there. */
uint64_t xlat_signal_host_reserved(void);
/* The signals pending for t that it has not taken: the engine's, and those the host holds for
 * t's host thread and its process (blocked there). Only on t's own host thread. */
uint64_t xlat_thread_sigpending(const struct xlat_thread *t);
/* The next signal pending for t that its mask lets through: its number (0 for none) and what
 * the disposition makes of it; info gets what came with it. */
int xlat_signal_next(struct xlat_thread *t, siginfo_t *info, enum xlat_sig_action *act);
/* Run the guest's handler for sig: a signal frame on the right stack, regs at the handler,
 * the mask and one-shot dispositions updated. 0, or -EFAULT: the guest must die of SIGSEGV. */
int xlat_signal_deliver(struct xlat_thread *t, int sig, const siginfo_t *info,
                        struct xlat_regs *regs);

/* What execve asked for when the result is XLAT_SYS_EXEC: fd is the program (O_CLOEXEC, the
 * engine's to close), path its name for AT_EXECFN and /proc/self/exe, argv and envp
 * NULL-terminated. */
struct xlat_exec_request {
    int fd;
    char *path;
    char **argv;
    char **envp;
};
const struct xlat_exec_request *xlat_proc_exec_request(const struct xlat_proc *p);
/* /proc/self/exe from the program's open fd: the file's path inside the root. */
void xlat_proc_set_exe(struct xlat_proc *p, int fd);
/* Name the calling host thread after the program at path, as execve names a process. */
void xlat_proc_set_comm(const char *path);
/* The engine loaded the new program: what exec does to the rest of the process (execve(2):
 * close-on-exec fds closed, handled signals back to default, no altstack, new brk). */
void xlat_proc_exec_commit(struct xlat_proc *p, uint64_t brk_start, uint64_t brk_limit);
void xlat_proc_exec_clear(struct xlat_proc *p);

#endif
