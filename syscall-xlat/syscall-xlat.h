/* syscall-xlat: the guest Linux personality; today the system calls native mode traps and
 * emulates for a guest that otherwise runs on the host kernel. */
#ifndef VIV_SYSCALL_XLAT_H
#define VIV_SYSCALL_XLAT_H

#include "base/base.h"

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

/* ---- the guest Linux personality of translating engines (guest_mem.c, abi_riscv64.c, sys_*.c)
 *
 * Engine-neutral: the engine runs guest instructions and hands each system call here as a
 * number and six argument registers; this layer sees guest memory only through struct xlat_mem
 * and the guest's ABI only through a table, and knows nothing of instruction decoding. */

#include "loader/loader.h"

/* Guest memory: a window of host address space reserved up front; guest address g is host
 * address base + g for 0 <= g < size. The rights of every guest page are kept here as well as in
 * the host mapping, so that a system call checks a guest pointer instead of faulting on it. */
enum { XLAT_PG_R = 1, XLAT_PG_W = 2, XLAT_PG_X = 4, XLAT_PG_MAPPED = 8 };
#define XLAT_PAGE 4096u /* the guest page size: riscv64 Linux uses 4 KiB pages */

struct xlat_mem {
    uint8_t *base;
    uint64_t size;
    uint8_t *pages;    /* one byte per guest page: XLAT_PG_* */
    uint64_t mmap_top; /* where the next search for free space starts, going down */
    /* Called when guest code may have changed (munmap, mprotect, mmap over it, a cache flush):
     * the engine drops what it decoded or translated from [addr, addr+len). */
    void (*invalidate)(void *ctx, uint64_t addr, uint64_t len);
    void *inval_ctx;
};

int xlat_mem_init(struct xlat_mem *m, uint64_t size, struct viv_error *err);
void xlat_mem_destroy(struct xlat_mem *m);
/* These return 0 or a negative errno, as the guest's system call would. */
int xlat_mem_map(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot, int flags, int fd,
                 uint64_t off);
int xlat_mem_unmap(struct xlat_mem *m, uint64_t addr, uint64_t len);
int xlat_mem_protect(struct xlat_mem *m, uint64_t addr, uint64_t len, int prot);
/* Highest free page-aligned range of len bytes below m->mmap_top (then anywhere). */
int xlat_mem_find(struct xlat_mem *m, uint64_t len, uint64_t *addr);
/* Host pointer for guest [addr, addr+len) when every page is mapped with the rights in need
 * (XLAT_PG_R/W); NULL when not (the guest gets EFAULT). len 0 is always valid. */
void *xlat_mem_ptr(const struct xlat_mem *m, uint64_t addr, uint64_t len, unsigned need);
int xlat_mem_read(const struct xlat_mem *m, uint64_t addr, void *dst, uint64_t len);
int xlat_mem_write(const struct xlat_mem *m, uint64_t addr, const void *src, uint64_t len);
/* Copy a NUL-terminated guest string into buf: its length, -EFAULT or -ENAMETOOLONG. */
long xlat_mem_string(const struct xlat_mem *m, uint64_t addr, char *buf, size_t max);
/* The loader's view of this memory (elf_load, elf_stack_build). */
void xlat_mem_loader_ops(struct xlat_mem *m, struct elf_load_ops *ops);

/* One guest ABI: its name, its syscall numbers and their handlers (abi_riscv64.c). */
struct xlat_abi;
extern const struct xlat_abi xlat_abi_riscv64;

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
};

struct xlat_proc; /* opaque: one guest process */
int xlat_proc_new(const struct xlat_proc_config *cfg, struct xlat_proc **out,
                  struct viv_error *err);
void xlat_proc_free(struct xlat_proc *p);

enum xlat_sys_result {
    XLAT_SYS_DONE, /* put *ret in the guest's return register and continue after the call */
    XLAT_SYS_EXIT, /* the guest process is done: xlat_proc_exit_status */
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
/* Guest signal numbers are Linux's generic ones, the same as the host's on x86-64. */
enum xlat_sig_action {
    XLAT_SIG_IGNORE, /* nothing happens; the guest continues */
    XLAT_SIG_KILL,   /* the default action terminates the process: exit as killed by sig */
    XLAT_SIG_HANDLER, /* the guest has a handler: the engine builds a signal frame */
};
/* What the guest's disposition makes of signal sig raised synchronously by a guest fault
 * (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP). */
enum xlat_sig_action xlat_signal_fault(struct xlat_proc *p, int sig);

#endif
