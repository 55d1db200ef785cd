/* vmcore: the KVM micro-VM: an x86-64 program (static, or dynamic with the image's ld.so) runs
 * in guest ring 3 under a ring-0 shim of our own, and each of its system calls is one hypercall
 * served here with host calls; its forks are VMM forks, each child with a VM of its own. */
#ifndef VIV_VMCORE_H
#define VIV_VMCORE_H

#include "base/base.h"
#include "loader/loader.h"
#include "syscall-xlat/syscall-xlat.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- /dev/kvm (vm_kvm.c) ---- */

/* Whether the KVM behind dev can run our guests. sysfs is normally "/sys" (tests point it
 * elsewhere). 0, or -1 with err one line that names the problem and the advice that fixes it. */
int vm_kvm_check(const char *dev, const char *sysfs, struct viv_error *err);
/* The same checks, keeping the fd open (O_CLOEXEC): the fd, or -1. */
int vm_kvm_open(const char *dev, const char *sysfs, struct viv_error *err);
/* Whether a KVM_GET_MSR_INDEX_LIST answer names PVM's own MSRs (0x4b564df0-0x4b564dff): the
 * sign of kvm_pvm where no module directory shows it (built into the kernel). */
bool vm_kvm_msrs_say_pvm(const uint32_t *msrs, size_t n);

/* Every KVM ioctl goes through here, counted by request number (_IOC_NR: KVM's are below 256)
 * for --stats and the bench. The count is the process's: vm_run starts it afresh. */
#define VM_IOCTL_NRS 256
int vm_ioctl(int fd, unsigned long req, void *arg);
void vm_ioctl_counts(uint64_t out[VM_IOCTL_NRS]);
/* KVM ioctls the calling host thread made so far. */
uint64_t vm_ioctl_count_here(void);
void vm_ioctl_reset(void);
/* The name of a KVM request number as vmcore uses them ("KVM_RUN"), or NULL. */
const char *vm_ioctl_name(unsigned nr);

/* ---- guest memory and page tables (vm_mem.c, vm_pt.c) ----
 *
 * One host mapping is all of guest-physical memory. User addresses [0, user.size) are mapped
 * one to one onto guest-physical addresses: that part is the personality's guest memory (an
 * xlat_mem of the MMU kind), whose every change vm_mem.c follows in the page tables. Above it
 * lies the system area: the shim, the descriptor tables, the kernel stack and the page tables,
 * all mapped for ring 0 only at VM_KERNEL_BASE (the tables right after the slots' pages, where
 * the shim reads and writes user leaf entries), never for ring 3. */
#define VM_PAGE 4096u
_Static_assert(VM_PAGE == XLAT_PAGE, "the guest's pages are the personality's");
#define VM_DEFAULT_MEMORY (512ull << 20)
#define VM_MIN_MEMORY (8ull << 20)
#define VM_KERNEL_BASE 0xffffffff80000000ull
/* The system area's first pages, in order (page numbers from its start). */
enum {
    VM_SYS_SHIM = 0,   /* 2 pages of shim code, read-only and executable */
    VM_SYS_DATA = 2,   /* the shim's data: the TLB-flush flag and a save slot */
    VM_SYS_GDT = 3,    /* GDT then TSS */
    VM_SYS_IDT = 4,
    VM_SYS_STACK = 5,  /* 3 pages of kernel stack for exceptions, top at page 8 */
    VM_SYS_SLOT = 8,   /* pages of one vCPU's set above */
    /* Slots in the system area proper, mapped with it at VM_KERNEL_BASE; page tables follow. */
    VM_BASE_VCPUS = 32,
    VM_SYS_PAGES = VM_SYS_SLOT * VM_BASE_VCPUS,
    /* Slots at most: one per guest thread alive at once. KVM_MAX_VCPUS on x86 since Linux 5.15;
     * KVM_CAP_MAX_VCPUS may say fewer, and then clone fails with EAGAIN past it (vm_thread.c). */
    VM_MAX_VCPUS = 1024,
    VM_MORE_PAGES = VM_SYS_SLOT * (VM_MAX_VCPUS - VM_BASE_VCPUS),
};
/* Each vCPU has its own copy of the shim, data page, GDT and TSS, IDT and stacks: slot n's
 * pages start at page n * VM_SYS_SLOT of the system area. The shim addresses its data
 * relative to its code, so each copy uses its own data page with no per-CPU register.
 * Slots from VM_BASE_VCPUS on cost a process nothing until it has that many threads: their
 * pages lie past the end of the memory asked for (guest-physical [pt_end, size)), below
 * VM_KERNEL_BASE in the kernel's half, and are mapped when a thread first takes one
 * (vm_mem_map_slot). */
/* Byte offsets in the shim's data page (shim.S): the TLB-flush flag, the shim's save slot, the
 * flag that makes the shim return through iretq, and the [rip, cs, rflags, rsp, ss] frame it
 * returns through. */
enum { VM_DATA_FLUSH = 0, VM_DATA_RAX = 8, VM_DATA_IRET = 16, VM_DATA_FRAME = 24 };
/* What the calls the shim answers itself (vm_shim.fast_nr) answer, without an exit, as the
 * personality would: the ids, and the credentials (uid, euid, gid, egid). */
enum { VM_DATA_PID = 64, VM_DATA_PPID = 72, VM_DATA_TID = 80, VM_DATA_CREDS = 88 };
/* VM_DATA_KICK: a signal came while the vCPU was in ring 0; the shim exits at VM_PORT_KICK (or
 * _IRET) before it returns to ring 3, so that the VMM delivers it. VM_DATA_SYNC: bit 0, the
 * guest set its clear-tid address (VM_DATA_CLEAR_TID); bit 1, its robust list (VM_DATA_ROBUST);
 * bit 2, it moved its break (VM_DATA_BRK_CUR); bit 3, its FS base (VM_DATA_FS); bit 4, it
 * changed the rights of pages (VM_DATA_MPROTECT); bit 5, it mapped or unmapped anonymous memory
 * (VM_DATA_MAP_LOG); bit 6, it changed its signal mask (VM_DATA_SIGMASK): the personality
 * takes them at the next exit.
 * VM_DATA_COUNTS: one 64-bit counter per call the shim answered, in vm_shim.fast_nr's order. */
enum {
    VM_DATA_KICK = 120,
    VM_DATA_SYNC = 121,
    VM_DATA_CLEAR_TID = 128,
    VM_DATA_ROBUST = 136,
    VM_DATA_COUNTS = 2048,
};
/* For the calls the shim answers from ring 3's memory: VM_DATA_USER_TOP, where user addresses
 * end (the shim touches nothing at or above it); VM_DATA_SAVE, 4 registers the shim saves while
 * it works; VM_DATA_POLL_REVENTS, the answer it builds before it writes any of it. A fault on
 * ring 3's memory sends the call to the VMM, which serves it from the start.
 * VM_DATA_POLL_READY, in slot 0's page only (one for the process, as the fd table is): bit n
 * set, guest fd n is one whose poll(2) answer is fixed (a regular file on a file system whose
 * files have no poll method: Linux's DEFAULT_POLLMASK); the VMM clears a bit before any call
 * that could close or replace the fd. */
enum {
    VM_DATA_USER_TOP = 144,
    VM_DATA_SAVE = 152,
    VM_DATA_POLL_REVENTS = 184,
    VM_DATA_POLL_READY = 216,
};
/* The program break, for the shim's brk(2): VM_DATA_ALONE set, the process has one thread, this
 * vCPU's, which alone can change the break and the memory map; VM_DATA_BRK_START/_CUR/_LIMIT are
 * the personality's. The shim answers a brk that unmaps no page (below the start, past the
 * limit, within the page the break ends in, or growing it no further than VM_DATA_BRK_POOL) and
 * records a moved break (VM_DATA_SYNC bit 2). VM_DATA_BRK_POOL: the pages from the break's page
 * up to it are free in the personality's map, zero (a free page always is: unmapping drops it),
 * and have their page table: the shim maps them read-write itself, and the VMM makes them the
 * personality's at the next exit (vm_shim_take_records). */
enum {
    VM_DATA_BRK_START = 224,
    VM_DATA_BRK_CUR = 232,
    VM_DATA_BRK_LIMIT = 240,
    VM_DATA_ALONE = 248,
    VM_DATA_BRK_POOL = 296,
};
#define VM_BRK_POOL_MAX (1u << 20) /* bytes of the pool at most */
/* Anonymous memory, for the shim's mmap(NULL, len, prot, MAP_PRIVATE | MAP_ANONYMOUS[ |
 * MAP_STACK], fd, 0) while VM_DATA_ALONE: [VM_DATA_MMAP_LOW, VM_DATA_MMAP_TOP) are free pages in
 * the personality's map right below where its next search for free space starts (its
 * mmap_top), zero, with their page tables made, and apart from the brk pool. The shim places a
 * mapping of up to VM_MMAP_CALL_MAX bytes where that search would (right below the top), moves
 * the top down and records the call. munmap(2) of up to VM_MMAP_CALL_MAX bytes whose pages are
 * all present is the shim's too: it clears their leaf entries (invlpg) and records the call.
 * The records go to a ring of VM_MAP_LOG_MAX at VM_DATA_MAP_LOG (address; length with the
 * rights in bits 0-2, VM_MAP_LOG_UNMAP, VM_MAP_LOG_STACK), the shim adding at VM_DATA_MAP_HEAD
 * while it is below VM_DATA_MAP_LIMIT, the VMM replaying them in order (VM_DATA_SYNC bit 5) and
 * counting them at VM_DATA_MAP_TAKEN: each side writes only its own counter, so a vCPU stopped
 * halfway through an answer loses nothing. */
enum {
    VM_DATA_MMAP_TOP = 608,
    VM_DATA_MMAP_LOW = 616,
    VM_DATA_MAP_HEAD = 624,
    VM_DATA_MAP_TAKEN = 632,
    VM_DATA_MAP_LIMIT = 640,
    VM_DATA_MAP_LOG = 2560,
    VM_MAP_LOG_MAX = 64,
    VM_MAP_LOG_UNMAP = 8,
    VM_MAP_LOG_STACK = 16,
};
#define VM_MMAP_POOL_MAX (1u << 20) /* bytes of the pool at most, as the brk pool's */
/* Bytes of one mapping the shim makes or removes: twice the size from which malloc maps a block
 * of its own (glibc's M_MMAP_THRESHOLD starts at 128 KiB, musl's is about as much), while the
 * entries the shim writes in ring 0 (64) and the bytes the VMM keeps aside at replay stay few. */
#define VM_MMAP_CALL_MAX (256u << 10)
/* mprotect(2) while VM_DATA_ALONE: of pages that are all present, within one page table, to
 * any rights but none; the shim rewrites their leaf entries (keeping the accessed and dirty
 * bits), invalidates them (invlpg) and records the call at VM_DATA_MPROTECT (address, length,
 * rights) for the personality (VM_DATA_SYNC bit 4), one at a time. VM_DATA_PT_DELTA: what a
 * table's guest-physical address plus it is, the address the shim reads the table at. */
enum {
    VM_DATA_PT_DELTA = 288,
    VM_DATA_MPROTECT = 304,
};
/* prctl(PR_GET_NAME) and prlimit64(0, resource, NULL, old) answered from copies:
 * VM_DATA_COMM_OK set, VM_DATA_COMM is this thread's name as the personality's prctl reads it
 * (16 bytes); VM_DATA_RLIM_OK set, VM_DATA_RLIM holds the 16 resources' struct rlimit as its
 * prlimit64 reads them. The VMM sets them only while the process has one thread, and clears or
 * refreshes them after any call that could change what they copy. */
enum {
    VM_DATA_COMM_OK = 250,
    VM_DATA_RLIM_OK = 251,
    VM_DATA_COMM = 328,
    VM_DATA_RLIM = 352,
    VM_DATA_RLIMS = 16,
};
/* The actions of signals 1 to 31, for the shim's rt_sigaction that only asks (no new action):
 * VM_DATA_SIGACT_OK set, VM_DATA_SIGACT holds them as the guest's struct sigaction (handler,
 * flags, restorer, mask; 32 bytes a signal from signal 1), and only this vCPU's thread can change
 * them (the process has no other). VM_DATA_SAVE_NR: the call the shim is answering, for the way
 * to the VMM from a fault on ring 3's memory. */
enum {
    VM_DATA_SIGACT_OK = 249,
    VM_DATA_SAVE_NR = 256,
    VM_DATA_SIGACT = 1024,
    VM_DATA_SIGACT_SIGS = 31,
};
/* getrandom(2) from a pool of the host's random bytes: VM_DATA_RAND_LEFT of the VM_DATA_RAND_SIZE
 * bytes at VM_DATA_RAND are unused (the shim hands out the last ones first, each once); the VMM
 * refills the pool before an entry when it runs low, and empties it in a forked child, whose
 * copy of the parent's page must not hand out the same bytes. VM_DATA_FS: the FS base the shim
 * set for arch_prctl(ARCH_SET_FS) (VM_DATA_SYNC bit 3); VM_DATA_SAVE_RCX: rcx while wrmsr needs
 * it. */
/* rt_sigprocmask(2): VM_DATA_SIGMASK_OK set, VM_DATA_SIGMASK is the blocked mask of this vCPU's
 * thread (bit sig-1): the VMM writes its own before each entry and takes the shim's at each exit
 * (VM_DATA_SYNC bit 6), so that while ring 3 runs the word is the one truth.
 * The shim blocks more only signals in VM_DATA_SIGMASK_HANDLED: the host thread's mask follows
 * the guest's only at the next exit, and until then the host kernel would pick this thread for
 * a process-wide signal another thread does not block, and would carry out a default action or
 * discard an ignored signal that Linux keeps pending, blocked. While VM_DATA_ALONE the set is the
 * signals whose action is a handler (one lands with the VMM, which keeps it pending, and stops
 * the vCPU) and the VMM's own; with more threads, none. While the VMM guards the thread (its
 * host mask blocks everything around KVM_RUN: vm_sigguard.c) it is all signals.
 * The shim unblocks only signals not in VM_DATA_SIGPENDING: with one thread, those the VMM and
 * the host hold pending at the entry, and KVM_RUN blocks exactly those (KVM_SET_SIGNAL_MASK), so
 * that any other that comes stops the vCPU, where it stays pending on the host if the host
 * thread's mask blocks it (api.rst, KVM_SET_SIGNAL_MASK), and the word is written again before
 * ring 3 runs; the same for a guarded thread of a process with more threads; for an unguarded
 * one, every signal blocked at the entry. VM_DATA_KVM_SIGSET and VM_DATA_KVM_SIGS are the VMM's
 * own: the mask it gave KVM_RUN, and the host pid that gave it (shifted by 8) with bit 0 set
 * when one is in force (a forked child's vCPU is new, with none: vm_shim_new_vcpu). */
enum {
    VM_DATA_SIGMASK_OK = 252,
    VM_DATA_SIGMASK = 648,
    VM_DATA_SIGMASK_HANDLED = 656,
    VM_DATA_SIGPENDING = 664,
    VM_DATA_KVM_SIGSET = 672,
    VM_DATA_KVM_SIGS = 680,
};
enum {
    VM_DATA_RAND_LEFT = 264,
    VM_DATA_FS = 272,
    VM_DATA_SAVE_RCX = 280,
    VM_DATA_RAND = 768,
    VM_DATA_RAND_SIZE = 256,
};
#define VM_SHIM_POLL_MAX 16 /* pollfds the shim answers for; more go to the VMM */
#define VM_SHIM_POLL_FDS 64 /* fds VM_DATA_POLL_READY has bits for */
/* Ring 3's selectors (vm_cpu.c's GDT, RPL 3). */
#define VM_USER_CS 0x23
#define VM_USER_SS 0x1b

struct vm_mem {
    struct xlat_mem user; /* user memory, guest-physical [0, user.size) */
    uint8_t *host;     /* guest-physical 0 */
    uint64_t size;     /* bytes of guest-physical memory */
    uint64_t sys_base; /* guest-physical start of the system area (user.size) */
    uint64_t pml4;     /* guest-physical address of the top-level table (CR3) */
    uint64_t pt_next, pt_end; /* the page-table pool: bump-allocated, never freed */
    /* A mapping was narrowed or removed since the guest last flushed its TLB. */
    bool tlb_dirty;
    /* Slots below it may have their pages mapped (vm_mem_map_slot): at least VM_BASE_VCPUS. */
    unsigned slots_mapped;
    /* Changes of the user map so far (the personality's, and new tables). */
    uint64_t map_gen;
};

/* Reserve size bytes (rounded down to pages) lazily (MAP_NORESERVE) and mergeable by KSM, map
 * the system area, and hook the page tables to m->user. EINVAL below VM_MIN_MEMORY. m must not
 * move afterwards (the hook keeps its address). User pages change through xlat_mem_map,
 * _unmap, _protect; prot is PROT_READ/WRITE/EXEC, with x86's rule that a present page reads. */
int vm_mem_init(struct vm_mem *m, uint64_t size, struct viv_error *err);
void vm_mem_destroy(struct vm_mem *m);
/* Start the page tables again from an empty pool with only the system area mapped (execve,
 * once every user page is unmapped): CR3 stays where it was. 0 or -ENOMEM. */
int vm_mem_reset_tables(struct vm_mem *m);
/* Map the pages of slot (< VM_MAX_VCPUS) for ring 0, making the tables they need: 0 or
 * -ENOMEM. Safe while other threads change user mappings (the pool hands out tables
 * atomically); callers of it serialize among themselves. */
int vm_mem_map_slot(struct vm_mem *m, unsigned slot);
/* The shim's mmap pool (VM_DATA_MMAP_LOW): the lowest address of the free pages right below the
 * personality's mmap_top, where xlat_mem_find looks first, so that a mapping of up to all of
 * them lands right below the top; at most VM_MMAP_POOL_MAX of them, none of the brk pool
 * [brk_top, brk_end) nor page 0 (which the search never gives); their page tables made. The
 * top when there are none. */
uint64_t vm_mem_mmap_pool(struct vm_mem *m, uint64_t brk_top, uint64_t brk_end);

/* Page-table entries (AMD64 APM vol. 2, 5.4 "Page-Translation-Table Entry Fields"). */
#define VM_PTE_P (1ull << 0)
#define VM_PTE_W (1ull << 1)
#define VM_PTE_U (1ull << 2)
#define VM_PTE_NX (1ull << 63)
#define VM_PTE_AD (3ull << 5) /* accessed and dirty, set by the CPU */
#define VM_PTE_D (1ull << 6)
/* Bit 9 is the software's (AVL): a page of a shared mapping, which the host maps itself
 * (XLAT_PG_HOST), so that the shim leaves its mprotect to the VMM, which has the host's
 * rights follow. */
#define VM_PTE_HOST (1ull << 9)
#define VM_PTE_ADDR 0x000ffffffffff000ull
/* Map the 4 KiB page at virtual va to guest-physical pa with leaf flags (0: not present).
 * -ENOMEM when the pool of tables is exhausted. */
int vm_pt_set(struct vm_mem *m, uint64_t va, uint64_t pa, uint64_t flags);
/* The leaf entry for va, or 0; *eff gets the rights every level grants (P, W, U; NX if any
 * level sets it), as the MMU combines them. */
uint64_t vm_pt_lookup(const struct vm_mem *m, uint64_t va, uint64_t *eff);
/* Make the tables down to va's page table, so that its leaf entry exists: 0 or -ENOMEM. */
int vm_pt_prepare(struct vm_mem *m, uint64_t va);
/* va's leaf entry as it is (present or not), or NULL when its page table does not exist. */
uint64_t *vm_pt_leaf(const struct vm_mem *m, uint64_t va);
/* Pages of tables that mapping [0, user), the system area and these tables themselves (for
 * ring 0) may need. */
uint64_t vm_pt_pool_pages(uint64_t user);

/* ---- faults (vm_fault.c) ----
 *
 * The guest's system calls and signals are the personality's (syscall-xlat, x86-64 ABI): the
 * engine hands each hypercall to it and loads the registers it returns. */

/* The signal Linux raises for exception vector vec taken in user mode (arch/x86/kernel/traps.c):
 * #DE SIGFPE, #DB and #BP SIGTRAP, #UD SIGILL, #PF and #GP SIGSEGV, #AC SIGBUS, ... */
int vm_fault_signal(unsigned vec);
const char *vm_fault_name(unsigned vec);

/* ---- the shim (shim.S, vm_shim.c) ---- */

/* The guest-virtual and host addresses of page `page` of vCPU slot `slot`'s system pages. */
static inline uint64_t vm_sys_kva(unsigned slot, unsigned page)
{
    if (slot < VM_BASE_VCPUS)
        return VM_KERNEL_BASE + ((uint64_t)slot * VM_SYS_SLOT + page) * VM_PAGE;
    return VM_KERNEL_BASE - ((uint64_t)(VM_MAX_VCPUS - slot) * VM_SYS_SLOT - page) * VM_PAGE;
}
static inline uint8_t *vm_sys_host(const struct vm_mem *m, unsigned slot, unsigned page)
{
    if (slot < VM_BASE_VCPUS)
        return m->host + m->sys_base + ((uint64_t)slot * VM_SYS_SLOT + page) * VM_PAGE;
    return m->host + m->pt_end + ((uint64_t)(slot - VM_BASE_VCPUS) * VM_SYS_SLOT + page) * VM_PAGE;
}

/* I/O ports the shim writes to: the exit they cause is the hypercall. */
#define VM_PORT_SYSCALL 0xe0
#define VM_PORT_FAULT 0xe1
#define VM_PORT_KICK 0xe2      /* on the way back through sysretq: rcx, r11, rsp are ring 3's */
#define VM_PORT_KICK_IRET 0xe3 /* on the way back through the data page's iret frame */
#define VM_SHIM_MAX_FAST 24
#define VM_SHIM_RESUMES 3
/* Offsets into the shim's code (the header of shim.S) and the code itself. */
struct vm_shim {
    const uint8_t *code;
    size_t size;
    uint64_t start;   /* ring 0 -> ring 3 entry: sysretq to rcx with rflags r11 */
    uint64_t syscall; /* LSTAR */
    uint64_t faults;  /* vector v's entry code at faults + 16 * v, v < 32 */
    uint64_t flush;   /* reload CR3, then iretq through the data page's frame */
    /* [from, to, resume at]: the code between the last look at the kick flag and the return
     * to ring 3. A vCPU stopped there must look again, or a signal the VMM flagged while it was
     * there would wait for the guest's next system call. */
    uint64_t resume[VM_SHIM_RESUMES][3];
    /* The system calls the shim answers without an exit, by number; their counters are in
     * this order at VM_DATA_COUNTS. */
    unsigned nfast;
    uint64_t fast_nr[VM_SHIM_MAX_FAST];
};
void vm_shim_get(struct vm_shim *s);
/* Where a vCPU stopped in ring 0 at shim offset off goes on, once its kick flag is set: off, or
 * the look at the flag it has already passed. */
uint64_t vm_shim_resume_at(const struct vm_shim *s, uint64_t off);

/* ---- the guest's vDSO (vm_vdso.c, vdso/) ---- */

struct vm_vvar;
/* Fill the clock parameters the vDSO reads from KVM's view of the vCPU's TSC (ready 0 when the
 * TSC rate is unknown: the vDSO then makes the system calls). */
void vm_vdso_params(int vcpu_fd, struct vm_vvar *v);
/* Bytes the vDSO takes in the guest: its parameter page, then its image. */
size_t vm_vdso_size(void);
/* Map the parameter page and the image below m->mmap_top, read-only and read-execute; *ehdr is
 * the image's address for AT_SYSINFO_EHDR. 0 or -errno. */
int vm_vdso_place(struct vm_mem *m, int vcpu_fd, uint64_t *ehdr);

/* ---- running a program (vm_cpu.c, vm_run.c) ---- */

/* Copy the shim and build the GDT, TSS and IDT in the system area's slot for this vCPU, then
 * put the vCPU in long mode in ring 0 at that copy's start (the caller sets rcx, r11 and rsp
 * for the first sysret). A new vCPU gets its CPUID from kvm_fd; one that has run keeps the one
 * it has, which KVM no longer lets change (kvm_fd -1). */
int vm_cpu_setup(int kvm_fd, int vcpu_fd, struct vm_mem *m, unsigned slot, struct viv_error *err);
/* Load the guest's FS base (arch_prctl ARCH_SET_FS): 0 or -1 with errno. */
int vm_cpu_set_fs(int vcpu_fd, uint64_t base);
struct kvm_regs;
/* Send the vCPU, stopped in ring 3 (or set up to start there), through its shim's TLB flush
 * and iretq back to where it was: the way into ring 3 with nothing stale in its TLB. *r holds
 * its registers, which it changes for the caller to set. */
int vm_cpu_enter_flush(int vcpu_fd, struct vm_mem *m, unsigned slot, struct kvm_regs *r,
                       struct viv_error *err);
/* Read one MSR of the vCPU: 0 or -1 with errno. */
int vm_cpu_get_msr(int vcpu_fd, uint32_t index, uint64_t *value);
/* The vCPU's x87/SSE state as an FXSAVE image, and back: 0 or -1 with errno. */
int vm_cpu_get_fx(int vcpu_fd, uint8_t fx[512]);
int vm_cpu_set_fx(int vcpu_fd, const uint8_t fx[512]);

struct vm_config {
    const char *root;      /* the appliance root */
    char *const *argv;     /* argv[0] is looked up in root, through PATH when it has no '/' */
    char *const *envp;
    const char *workdir;   /* absolute inside root */
    const char *hostname;
    uint64_t memory;       /* bytes of guest memory; 0 for VM_DEFAULT_MEMORY */
    /* An open /dev/kvm (vm_kvm_open), taken over by vm_run, or -1 to open it there: a VMM that
     * runs inside a sandbox opens it before it enters, where /dev/kvm cannot be reached. */
    int kvm_fd;
    /* The VMM shares the host's network namespace while the guest was given no network (a
     * host without namespaces, --network none): the guest gets AF_UNIX sockets only. */
    bool no_network;
    /* The pid the guest's first process knows itself by: 1, or 2 under an init (--init). */
    pid_t first_pid;
};

enum { VM_EXIT_IO, VM_EXIT_HLT, VM_EXIT_SHUTDOWN, VM_EXIT_INTR, VM_EXIT_OTHER, VM_EXIT_KINDS };
struct vm_stats {
    uint64_t exits[VM_EXIT_KINDS];
    uint64_t syscalls, unimplemented, faults;
    uint64_t by_nr[512];
    uint64_t guest_calls;               /* of the syscalls, those the shim answered, no exit */
    uint64_t signals;                   /* handler frames built */
    uint64_t ioctls[VM_IOCTL_NRS];      /* KVM ioctls by request number */
    /* Guest processes forked and programs exec'd in the whole run, with the KVM ioctls and the
     * guest page-table pages each took. A forked VMM adds its own with atomic adds: viv shares
     * this struct with every VMM process of the run. The ioctls, exits and calls above are the
     * first process's. */
    uint64_t forks, fork_ioctls, fork_pt_pages;
    uint64_t execs, exec_ioctls, exec_pt_pages;
    /* Guest threads started (vCPUs set up), with the KVM ioctls and page-table pages each
     * took; the VM exits of a start are the clone's hypercall alone. */
    uint64_t threads, thread_ioctls, thread_pt_pages;
};
/* The names of the exit kinds, for reports: "io", "hlt", ... */
const char *vm_exit_name(unsigned kind);

/* Run the program until it exits. A guest process it forks is a host fork of the VMM, which
 * never returns from here: it exits as the guest process did (vm_child_exit). Returns its exit status, or 128+N when signal N (a fault, or
 * one it sent itself) killed it; -1 with err filled and *fail_status 125 (viv's failure, KVM
 * unusable), 126 (not loadable) or 127 (not found). The guest's signal dispositions are the
 * VMM process's, as the personality mirrors them: a signal the guest handles stops the vCPU
 * and runs its handler, one it leaves at its default acts on the VMM as it would on the guest.
 * Call it from the VMM's first thread (the shim answers getpid and gettid with its id). */
int vm_run(const struct vm_config *cfg, struct vm_stats *st, int *fail_status,
           struct viv_error *err);

#endif
