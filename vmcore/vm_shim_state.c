/* vm_shim_state.c: the state behind the system calls the shim answers without an exit: what
 * the VMM writes for it to answer (ids, credentials, the fds whose poll answer is fixed, the
 * pages the break may grow into and those anonymous mmap may take, the thread's name, the
 * limits, the signal mask), what it records for the personality (the clear-tid address, the
 * robust list, the break, mmap and munmap, mprotect, the signal mask), its counters, and the
 * flag that makes it exit for a signal that came while the vCPU was in ring 0. */
#include "vm_internal.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

/* x86-64 numbers (arch/x86/entry/syscalls/syscall_64.tbl). */
enum {
    NR_SETUID = 105,
    NR_SETGID = 106,
    NR_SETREUID = 113,
    NR_SETREGID = 114,
    NR_SETRESUID = 117,
    NR_SETRESGID = 119,
    NR_SET_TID_ADDRESS = 218,
    NR_SET_ROBUST_LIST = 273,
    NR_BRK = 12,
    NR_MMAP = 9,
    NR_MPROTECT = 10,
    NR_MUNMAP = 11,
    NR_WRITE = 1,
    NR_PWRITE64 = 18,
    NR_WRITEV = 20,
    NR_EXECVE = 59,
    NR_PRCTL = 157,
    NR_SETRLIMIT = 160,
    NR_EXECVEAT = 322,
    NR_PRLIMIT64 = 302,
    NR_ARCH_PRCTL = 158,
    ARCH_SET_FS = 0x1002,
    NR_POLL = 7,
    NR_CLOSE = 3,
    NR_DUP2 = 33,
    NR_DUP3 = 292,
    NR_FCNTL = 72,
    NR_PPOLL = 271,
    NR_RT_SIGPROCMASK = 14,
};

static uint8_t *data_page(const struct vm_instance *v, unsigned slot)
{
    return vm_sys_host(&v->mem, slot, VM_SYS_DATA);
}

static void put64(uint8_t *data, unsigned off, uint64_t val)
{
    memcpy(data + off, &val, 8);
}

static uint64_t get64(const uint8_t *data, unsigned off)
{
    uint64_t val;
    memcpy(&val, data + off, 8);
    return val;
}

/* The credentials as the personality's getuid and the like answer them: the VMM thread's own,
 * which the guest's set*id calls change. */
static void set_creds(uint8_t *data)
{
    put64(data, VM_DATA_CREDS, getuid());
    put64(data, VM_DATA_CREDS + 8, geteuid());
    put64(data, VM_DATA_CREDS + 16, getgid());
    put64(data, VM_DATA_CREDS + 24, getegid());
}

void vm_shim_set_ids(struct vm_instance *v, struct vm_vcpu *c, pid_t tid)
{
    /* As the personality would answer (xlat_proc_ids): the first process of a guest is alone
     * in its VM. */
    pid_t ids[2];
    xlat_proc_ids(v->proc, &ids[0], &ids[1]);
    uint8_t *data = data_page(v, c->slot);
    put64(data, VM_DATA_PID, (uint64_t)ids[0]);
    put64(data, VM_DATA_PPID, (uint64_t)ids[1]);
    put64(data, VM_DATA_TID, tid ? (uint64_t)tid : (uint64_t)ids[0]);
    put64(data, VM_DATA_USER_TOP, v->mem.user.size);
    put64(data, VM_DATA_PT_DELTA, VM_KERNEL_BASE - v->mem.sys_base);
    data[VM_DATA_ALONE] = 0;
    data[VM_DATA_SIGACT_OK] = 0;
    data[VM_DATA_COMM_OK] = data[VM_DATA_RLIM_OK] = 0;
    data[VM_DATA_SIGMASK_OK] = 0;
    put64(data, VM_DATA_BRK_POOL, 0);
    /* A forked child's copy of its parent's log was replayed by the parent: none is waiting. */
    put64(data, VM_DATA_MMAP_TOP, 0);
    put64(data, VM_DATA_MMAP_LOW, 0);
    put64(data, VM_DATA_MAP_TAKEN, get64(data, VM_DATA_MAP_HEAD));
    put64(data, VM_DATA_MAP_LIMIT, get64(data, VM_DATA_MAP_HEAD));
    c->comm_refresh = c->rlim_refresh = true;
    c->pool_known = false;
    /* A forked child's copy of its parent's pool, or a slot's from an earlier thread: never
     * handed out again. */
    put64(data, VM_DATA_RAND_LEFT, 0);
    set_creds(data);
}

#define PAGE_UP(x) (((x) + VM_PAGE - 1) & ~(uint64_t)(VM_PAGE - 1))

/* Pages the shim mapped and the guest may have written since: set aside while a replayed call
 * makes them the personality's (which makes them anew, zero), put back after. One buffer serves
 * every thread: only the one thread of a process takes records that map (the shim answers them
 * alone); untouched, it costs nothing. */
#define KEPT_MAX (VM_BRK_POOL_MAX > VM_MMAP_CALL_MAX ? VM_BRK_POOL_MAX : VM_MMAP_CALL_MAX)
static uint8_t kept[KEPT_MAX];

/* Replay call nr (a) of the personality, keeping what the guest wrote in [at, end) (at most
 * KEPT_MAX bytes): the pages whose leaf entry is dirty. Its result. */
static int64_t replay_keeping(struct vm_vcpu *c, uint64_t nr, const uint64_t a[6], uint64_t at,
                              uint64_t end)
{
    struct vm_mem *m = &c->v->mem;
    uint64_t dirty[KEPT_MAX / VM_PAGE / 64] = {0};
    for (uint64_t p = at; p < end; p += VM_PAGE) {
        const uint64_t *leaf = vm_pt_leaf(m, p);
        uint64_t i = (p - at) / VM_PAGE;
        if (leaf && (*leaf & VM_PTE_P) && (*leaf & VM_PTE_D)) {
            memcpy(kept + i * VM_PAGE, m->host + p, VM_PAGE);
            dirty[i / 64] |= 1ull << (i % 64);
        }
    }
    int64_t got = xlat_thread_replay(c->thread, nr, a);
    for (uint64_t p = at; p < end; p += VM_PAGE) {
        uint64_t i = (p - at) / VM_PAGE;
        if (dirty[i / 64] & 1ull << (i % 64))
            memcpy(m->host + p, kept + i * VM_PAGE, VM_PAGE);
    }
    return got;
}

/* The shim moved the break to cur, mapping the pages from the personality's break up to it
 * itself (VM_DATA_BRK_POOL): the personality's brk moves it too, making those pages its own
 * mappings as it makes any, a buffer's worth at a time (the shim never grows the break by more
 * between two exits). */
static void brk_taken(struct vm_vcpu *c, uint64_t cur)
{
    struct vm_instance *v = c->v;
    uint64_t start, old, limit;
    xlat_proc_brk(v->proc, &start, &old, &limit);
    uint64_t at = PAGE_UP(old), top = PAGE_UP(cur);
    do {
        uint64_t end = top > at && top - at > VM_BRK_POOL_MAX ? at + VM_BRK_POOL_MAX : top;
        uint64_t want = end == top ? cur : end;
        uint64_t a6[6] = {want};
        int64_t got = replay_keeping(c, NR_BRK, a6, at, end);
        if ((uint64_t)got != want) {
            /* The personality refused pages the guest was given: it cannot go on as if it had
             * them, nor as if it had not. */
            viv_trace(VIV_TRACE_VM, "vm", "brk %#llx: the personality refused the shim's pages",
                      (unsigned long long)want);
            vm_set_killed(v, SIGSEGV);
            return;
        }
        at = end;
    } while (at < top);
}

/* The shim mapped or unmapped anonymous memory (VM_DATA_MAP_LOG): the personality's mmap and
 * munmap make the same changes to its map, in the same order, from the records not yet taken.
 * A mapping must land where the shim put it; neither may be refused (the shim answers only
 * what the personality cannot refuse): should one be, the guest cannot go on. */
static void maps_taken(struct vm_vcpu *c, uint8_t *data)
{
    uint64_t head = get64(data, VM_DATA_MAP_HEAD);
    for (uint64_t n = get64(data, VM_DATA_MAP_TAKEN); n != head; n++) {
        const uint8_t *rec = data + VM_DATA_MAP_LOG + 16 * (n % VM_MAP_LOG_MAX);
        uint64_t addr = get64(rec, 0), word = get64(rec, 8);
        uint64_t len = word & ~(uint64_t)(VM_PAGE - 1);
        bool ok;
        if (word & VM_MAP_LOG_UNMAP) {
            uint64_t a[6] = {addr, len};
            ok = xlat_thread_replay(c->thread, NR_MUNMAP, a) == 0;
        } else {
            uint64_t flags =
                MAP_PRIVATE | MAP_ANONYMOUS | (word & VM_MAP_LOG_STACK ? MAP_STACK : 0);
            uint64_t a[6] = {0, len, word & 7, flags, (uint64_t)-1, 0};
            ok = (uint64_t)replay_keeping(c, NR_MMAP, a, addr, addr + len) == addr;
        }
        if (!ok) {
            viv_trace(VIV_TRACE_VM, "vm", "%s %#llx: the personality did otherwise than the shim",
                      word & VM_MAP_LOG_UNMAP ? "munmap" : "mmap", (unsigned long long)addr);
            vm_set_killed(c->v, SIGSEGV);
            put64(data, VM_DATA_MAP_TAKEN, head);
            return;
        }
        put64(data, VM_DATA_MAP_TAKEN, n + 1);
    }
}

/* The shim changed the rights of [a[0], a[0]+a[1]) to a[2]: the personality's mprotect does the
 * same to its map, which rewrites the same leaf entries. Should it refuse, the entries go back
 * to what its map says, before ring 3 runs again. */
static void mprotect_taken(struct vm_vcpu *c, const uint64_t a[6])
{
    if (xlat_thread_replay(c->thread, NR_MPROTECT, a) >= 0)
        return;
    struct vm_mem *m = &c->v->mem;
    viv_trace(VIV_TRACE_VM, "vm", "mprotect %#llx: the personality refused what the shim did",
              (unsigned long long)a[0]);
    m->user.changed(m->user.changed_ctx, a[0], PAGE_UP(a[1]), true);
    m->tlb_dirty = true;
    vm_tlb_shootdown(c);
}

void vm_shim_take_records(struct vm_vcpu *c)
{
    uint8_t *data = data_page(c->v, c->slot);
    uint8_t sync = data[VM_DATA_SYNC];
    if (!sync || !c->thread) {
        vm_guard_leave(c, false);
        return;
    }
    data[VM_DATA_SYNC] = 0;
    /* First: what is delivered next, and what the calls below may block, follow the mask; the
     * host acts now on what came while the thread was guarded (vm_sigguard.c). */
    if (sync & 64)
        xlat_thread_set_sigmask(c->thread, get64(data, VM_DATA_SIGMASK));
    vm_guard_leave(c, sync & 64);
    /* The calls themselves, made again: the personality keeps its state one way. */
    if (sync & 1) {
        uint64_t a[6] = {get64(data, VM_DATA_CLEAR_TID)};
        xlat_thread_replay(c->thread, NR_SET_TID_ADDRESS, a);
    }
    if (sync & 2) {
        uint64_t a[6] = {get64(data, VM_DATA_ROBUST), 24};
        xlat_thread_replay(c->thread, NR_SET_ROBUST_LIST, a);
    }
    if (sync & 4)
        brk_taken(c, get64(data, VM_DATA_BRK_CUR));
    if (sync & 8) {
        uint64_t a[6] = {ARCH_SET_FS, get64(data, VM_DATA_FS)};
        xlat_thread_replay(c->thread, NR_ARCH_PRCTL, a);
    }
    /* After the break, whose pool is apart from the mmap pool's (the two commute), so that a
     * munmap of pages the break took finds them mapped. */
    if (sync & 32)
        maps_taken(c, data);
    /* After the break and the maps: the pages it changed may be ones they took (the shim
     * maps and unmaps nothing while this record waits). */
    if (sync & 16) {
        uint64_t a[6] = {get64(data, VM_DATA_MPROTECT), get64(data, VM_DATA_MPROTECT + 8),
                         get64(data, VM_DATA_MPROTECT + 16)};
        mprotect_taken(c, a);
    }
}

void vm_shim_after_call(struct vm_vcpu *c, uint64_t nr)
{
    switch (nr) {
    case NR_SETUID:
    case NR_SETGID:
    case NR_SETREUID:
    case NR_SETREGID:
    case NR_SETRESUID:
    case NR_SETRESGID:
        set_creds(data_page(c->v, c->slot));
        break;
    case NR_PRLIMIT64:
    case NR_SETRLIMIT:
        c->rlim_refresh = true;
        break;
    case NR_PRCTL: /* PR_SET_NAME, or a PR_GET_NAME the shim left to the VMM */
    case NR_EXECVE:
    case NR_EXECVEAT:
        c->comm_refresh = true;
        break;
    case NR_WRITE: /* into /proc/self/comm, perhaps: the name is read again when next asked */
    case NR_PWRITE64:
    case NR_WRITEV:
        data_page(c->v, c->slot)[VM_DATA_COMM_OK] = 0;
        break;
    default:
        break;
    }
}

/* The pages the break may grow into without an exit: from its page end, those free in the
 * personality's map, up to VM_BRK_POOL_MAX; their page tables made, so that the shim finds
 * every leaf entry. Made again only when the map or the break changed. */
static uint64_t brk_pool(struct vm_vcpu *c, uint64_t cur)
{
    struct vm_mem *m = &c->v->mem;
    if (c->pool_known && c->pool_gen == m->map_gen && c->pool_brk == cur)
        return c->pool_end;
    uint64_t top = PAGE_UP(cur), end = top;
    uint64_t cap = m->user.size - top > VM_BRK_POOL_MAX ? top + VM_BRK_POOL_MAX : m->user.size;
    while (end < cap && !m->user.pages[end / VM_PAGE])
        end += VM_PAGE;
    const uint64_t mib2 = 2ull << 20;
    for (uint64_t a = top & ~(mib2 - 1); a < end; a += mib2)
        if (vm_pt_prepare(m, a) < 0) {
            end = top; /* no tables left (never: the pool has them for all of user memory) */
            break;
        }
    c->pool_known = true;
    c->pool_gen = m->map_gen; /* the tables just made count: taken after them */
    c->pool_brk = cur;
    c->pool_end = end;
    return end;
}

/* The shim's mmap and munmap: the pool, and room for records (VM_DATA_MAP_LIMIT) unless the map
 * is near vm.max_map_count: each record adds at most one range to it when replayed (a mapping,
 * or the split an unmap in the middle of one makes), the break one, mprotect two. */
static void set_map_pool(struct vm_vcpu *c, uint8_t *data, uint64_t brk_cur, uint64_t brk_end)
{
    struct vm_mem *m = &c->v->mem;
    bool room = m->user.nranges + 4 + VM_MAP_LOG_MAX <= XLAT_MAX_MAP_COUNT;
    put64(data, VM_DATA_MMAP_TOP, m->user.mmap_top);
    put64(data, VM_DATA_MMAP_LOW, vm_mem_mmap_pool(m, PAGE_UP(brk_cur), brk_end));
    put64(data, VM_DATA_MAP_LIMIT, get64(data, VM_DATA_MAP_TAKEN) + (room ? VM_MAP_LOG_MAX : 0));
}

/* The copies the shim answers prctl(PR_GET_NAME) and prlimit64 from, read on this vCPU's host
 * thread as the personality's calls would read them. */
static void refresh_copies(struct vm_vcpu *c, uint8_t *data)
{
    if (c->comm_refresh) {
        char name[16] = {0};
        bool ok = prctl(PR_GET_NAME, name, 0, 0, 0) == 0;
        memcpy(data + VM_DATA_COMM, name, sizeof(name));
        data[VM_DATA_COMM_OK] = ok;
        c->comm_refresh = false;
    }
    if (c->rlim_refresh) {
        bool ok = true;
        for (int r = 0; r < VM_DATA_RLIMS; r++) {
            struct rlimit l;
            ok &= xlat_proc_getrlimit(c->v->proc, r, &l) == 0;
            put64(data, VM_DATA_RLIM + 16 * r, l.rlim_cur);
            put64(data, VM_DATA_RLIM + 16 * r + 8, l.rlim_max);
        }
        data[VM_DATA_RLIM_OK] = ok;
        c->rlim_refresh = false;
    }
}

_Static_assert(VM_DATA_RAND + VM_DATA_RAND_SIZE <= VM_DATA_SIGACT, "the pool ends below the actions");
_Static_assert(VM_DATA_SAVE_RCX + 8 <= VM_DATA_PT_DELTA && VM_DATA_MPROTECT + 24 <= VM_DATA_COMM &&
                   VM_DATA_COMM + 16 <= VM_DATA_RLIM &&
                   VM_DATA_RLIM + 16 * VM_DATA_RLIMS <= VM_DATA_RAND,
               "the brk, mprotect, name and limit fields fit between the others");
_Static_assert(VM_DATA_SIGACT + 32 * VM_DATA_SIGACT_SIGS <= VM_DATA_COUNTS,
              "the actions end below the counters");
_Static_assert(VM_DATA_COUNTS + 8 * VM_SHIM_MAX_FAST <= VM_DATA_MAP_LOG &&
                   VM_DATA_MAP_LOG + 16 * VM_MAP_LOG_MAX <= VM_PAGE,
               "the counters, then the map log, fit the page");
_Static_assert(VM_DATA_RLIM + 16 * VM_DATA_RLIMS <= VM_DATA_MMAP_TOP &&
                   VM_DATA_MAP_LIMIT + 8 <= VM_DATA_RAND,
               "the mmap pool's fields fit between the limits and the random bytes");
_Static_assert(VM_DATA_MAP_LIMIT + 8 <= VM_DATA_SIGMASK &&
                   VM_DATA_SIGMASK + 8 <= VM_DATA_SIGMASK_HANDLED &&
                   VM_DATA_SIGMASK_HANDLED + 8 <= VM_DATA_SIGPENDING &&
                   VM_DATA_SIGPENDING + 8 <= VM_DATA_KVM_SIGSET &&
                   VM_DATA_KVM_SIGSET + 8 <= VM_DATA_KVM_SIGS &&
                   VM_DATA_KVM_SIGS + 8 <= VM_DATA_RAND &&
                   (int)VM_DATA_RLIM_OK + 1 == (int)VM_DATA_SIGMASK_OK &&
                   (int)VM_DATA_SIGMASK_OK < (int)VM_DATA_SAVE_NR,
               "the signal mask's fields fit between the mmap pool's and the random bytes");
_Static_assert((VM_MAP_LOG_MAX & (VM_MAP_LOG_MAX - 1)) == 0 && VM_MMAP_CALL_MAX % VM_PAGE == 0 &&
                   VM_MMAP_CALL_MAX <= VM_MMAP_POOL_MAX,
               "the log is a ring the shim indexes by a mask; a call fits the pool");

/* What the shim must not unblock without an exit (vmcore.h, VM_DATA_SIGPENDING), and the
 * signals KVM_RUN blocks. With one thread: those pending, and only those, so that any other that
 * comes stops the vCPU; blocked on the host, it stays pending there (KVM_RUN's mask decides only
 * whether it stops: api.rst, KVM_SET_SIGNAL_MASK), and is in the word at the next entry. None
 * pending that the host thread blocks may be left out, or KVM_RUN would stop at once, again and
 * again: once KVM_RUN has a mask of its own it is made from what is pending at every entry.
 * Until the guest first blocks a signal there is nothing to unblock, and KVM_RUN keeps the host
 * thread's mask (no ioctl). With more threads it keeps it too, unless the thread is guarded:
 * KVM_RUN's would make the host pick this thread for a process-wide signal another thread may
 * take at once, which only a guarded thread hands on (vm_sigguard.c). A guarded thread needs
 * KVM_RUN's mask, whose host mask blocks everything there: should KVM refuse it, the thread is
 * guarded no more. */
static void set_pending(struct vm_vcpu *c, uint8_t *data)
{
    uint64_t mask = xlat_thread_sigmask(c->thread), pend, kset = 0;
    uint64_t was = get64(data, VM_DATA_KVM_SIGS);
    /* Another process's, or none: a vCPU of a forked child, or new, has no mask of KVM_RUN's. */
    bool on = was >> 8 == (uint64_t)getpid() && (was & 1), want;
    if (c->guard) {
        pend = kset = xlat_thread_sigpending(c->thread);
        want = true;
    } else if (__atomic_load_n(&c->v->slots.n, __ATOMIC_ACQUIRE) != 1) {
        pend = mask;
        want = false;
    } else if (!mask && !on) {
        pend = 0; /* nothing to unblock, and KVM_RUN keeps the host thread's mask */
        want = false;
    } else {
        pend = kset = xlat_thread_sigpending(c->thread);
        want = true;
    }
    if (want != on || (want && kset != get64(data, VM_DATA_KVM_SIGSET))) {
        /* struct kvm_signal_mask: a 32-bit length, then the kernel's sigset_t right after it,
         * unaligned. */
        uint8_t k[sizeof(struct kvm_signal_mask) + 8];
        uint32_t len = 8;
        memcpy(k, &len, sizeof(len));
        memcpy(k + sizeof(struct kvm_signal_mask), &kset, 8);
        if (vm_ioctl(c->fd, KVM_SET_SIGNAL_MASK, want ? k : NULL) < 0) {
            pend = ~0ull; /* as it was: the shim unblocks nothing */
            c->guard = false;
        } else {
            put64(data, VM_DATA_KVM_SIGSET, kset);
            put64(data, VM_DATA_KVM_SIGS, (uint64_t)getpid() << 8 | want);
        }
    }
    put64(data, VM_DATA_SIGPENDING, pend);
}

void vm_shim_before_entry(struct vm_vcpu *c)
{
    struct vm_instance *v = c->v;
    uint8_t *data = data_page(v, c->slot);
    /* Before all else: a signal that stopped the vCPU halfway through an answer must not stop
     * it again at once. */
    if (c->thread)
        set_pending(c, data);
    /* Stopped halfway through an answer (a moved break not yet flagged, a pool being copied
     * out): what the shim is using is left alone until its next exit. */
    if (c->stopped_in_shim)
        return;
    /* The mask as the VMM left it (a handler's sa_mask, rt_sigreturn's, sigsuspend's): the one
     * the shim answers from and changes until the next exit. */
    if (c->thread) {
        put64(data, VM_DATA_SIGMASK, xlat_thread_sigmask(c->thread));
        data[VM_DATA_SIGMASK_OK] = 1;
    } else {
        data[VM_DATA_SIGMASK_OK] = 0;
    }
    /* Refilled when less than a quarter is left; a host without random bytes yet (getrandom
     * would block) leaves it empty, and the calls go to the VMM. */
    if (get64(data, VM_DATA_RAND_LEFT) < VM_DATA_RAND_SIZE / 4) {
        ssize_t n = getrandom(data + VM_DATA_RAND, VM_DATA_RAND_SIZE, GRND_NONBLOCK);
        put64(data, VM_DATA_RAND_LEFT, n == VM_DATA_RAND_SIZE ? VM_DATA_RAND_SIZE : 0);
    }
    /* Alone: no other thread can move the break or change an action while this one runs (the
     * VMM changes them only in this thread's exits: its calls, and SA_RESETHAND as it delivers).
     * A second thread comes only from this one's clone, served before its next entry. */
    /* Near vm.max_map_count the shim answers nothing that changes the map: the personality
     * replays its brk and mprotect at the next exit, and one it refused there (a split past the
     * cap) would come after the guest saw success. One mprotect adds at most two ranges, the
     * pool's break at most one. */
    bool near_cap = v->mem.user.nranges + 4 > XLAT_MAX_MAP_COUNT;
    if (__atomic_load_n(&v->slots.n, __ATOMIC_ACQUIRE) != 1 || !c->thread ||
        near_cap) {
        /* Another thread could take at once a process-wide signal the host would give this
         * one: unguarded, the shim blocks nothing more (vm_sigguard.c). */
        c->plain_blockable = 0;
        put64(data, VM_DATA_SIGMASK_HANDLED, c->guard ? ~0ull : 0);
        data[VM_DATA_ALONE] = 0;
        data[VM_DATA_SIGACT_OK] = 0;
        /* Another thread may rename this one (/proc/self/task/TID/comm) or change the limits
         * without an exit of this one: read again once alone. */
        data[VM_DATA_COMM_OK] = data[VM_DATA_RLIM_OK] = 0;
        c->comm_refresh = c->rlim_refresh = true;
        return;
    }
    uint64_t handled = 0;
    for (int sig = 1; sig <= 64; sig++) {
        uint64_t w[4] = {0};
        xlat_proc_sigaction(v->proc, sig, w);
        if (sig <= VM_DATA_SIGACT_SIGS)
            memcpy(data + VM_DATA_SIGACT + 32 * (sig - 1), w, sizeof(w));
        if (w[0] != (uint64_t)(uintptr_t)SIG_DFL && w[0] != (uint64_t)(uintptr_t)SIG_IGN)
            handled |= 1ull << (sig - 1);
    }
    data[VM_DATA_SIGACT_OK] = 1;
    /* The engine's own signals the host never blocks for the guest: blocking them changes
     * nothing there. A guarded thread may block anything (vm_sigguard.c). */
    c->plain_blockable = handled | xlat_signal_host_reserved();
    put64(data, VM_DATA_SIGMASK_HANDLED, c->guard ? ~0ull : c->plain_blockable);
    refresh_copies(c, data);
    uint64_t start, cur, limit;
    xlat_proc_brk(v->proc, &start, &cur, &limit);
    put64(data, VM_DATA_BRK_START, start);
    put64(data, VM_DATA_BRK_CUR, cur);
    put64(data, VM_DATA_BRK_LIMIT, limit);
    uint64_t brk_end = brk_pool(c, cur);
    put64(data, VM_DATA_BRK_POOL, brk_end);
    set_map_pool(c, data, cur, brk_end);
    data[VM_DATA_ALONE] = 1;
}

void vm_shim_new_vcpu(struct vm_vcpu *c)
{
    put64(data_page(c->v, c->slot), VM_DATA_KVM_SIGS, 0);
}

void vm_shim_kick(struct vm_vcpu *c, bool on)
{
    data_page(c->v, c->slot)[VM_DATA_KICK] = on;
}

uint64_t vm_shim_sigmask_answers(struct vm_vcpu *c)
{
    /* Its place in the shim's list of the calls it answers (vm_shim.fast_nr), found once. */
    static int at = -1;
    if (at < 0) {
        struct vm_shim shim;
        vm_shim_get(&shim);
        for (unsigned i = 0; i < shim.nfast; i++)
            if (shim.fast_nr[i] == NR_RT_SIGPROCMASK)
                at = (int)i;
    }
    return at < 0 ? 0 : get64(data_page(c->v, c->slot), VM_DATA_COUNTS + 8 * (unsigned)at);
}

void vm_shim_count(struct vm_instance *v)
{
    struct vm_shim shim;
    vm_shim_get(&shim);
    for (unsigned slot = 0; slot < v->slots.high; slot++) {
        const uint8_t *data = data_page(v, slot);
        for (unsigned i = 0; i < shim.nfast; i++) {
            uint64_t n = get64(data, VM_DATA_COUNTS + 8 * i);
            if (!n)
                continue;
            xlat_proc_add_calls(v->proc, shim.fast_nr[i], n);
            v->st->guest_calls += n;
        }
    }
}

void vm_shim_zero_counts(struct vm_instance *v)
{
    /* Only pages with counts are written: the others stay shared with the parent. */
    for (unsigned slot = 0; slot < v->slots.high; slot++) {
        uint8_t *at = data_page(v, slot) + VM_DATA_COUNTS;
        static const uint8_t zero[8 * VM_SHIM_MAX_FAST];
        if (memcmp(at, zero, sizeof(zero)))
            memset(at, 0, sizeof(zero));
    }
}

/* ---- fds whose poll(2) answer is fixed (VM_DATA_POLL_READY) ----
 *
 * A bit is set only after the VMM looked at the host fd under that number, and only when no
 * call that could close or replace an fd began since before the fd was made or looked at
 * (fd_gen, under v->lock): a thread that closes fd n while another marks it wins. */

static uint64_t *poll_ready(struct vm_instance *v)
{
    return (uint64_t *)(void *)(data_page(v, 0) + VM_DATA_POLL_READY);
}

static uint64_t fd_bit(uint64_t fd)
{
    return fd < VM_SHIM_POLL_FDS ? 1ull << fd : 0;
}

/* The x86-64 calls that never close an fd nor put another file under a number in use (they
 * read, write or stat through fds, or take the lowest free numbers); every other call clears
 * all the bits before it is served. close, dup2 and dup3 clear the one they replace. */
static bool keeps_fds(uint64_t nr)
{
    switch (nr) {
    case 0: case 1: case 2: case 4: case 5: case 6: case 7: case 8:      /* read .. lseek */
    case 9: case 10: case 11: case 12: case 13: case 14: case 15:        /* mmap .. rt_sigreturn */
    case 16: case 17: case 18: case 19: case 20: case 21: case 22:       /* ioctl .. pipe */
    case 23: case 24: case 25: case 26: case 27: case 28: case 32:       /* select .. dup */
    case 35: case 39: case 41: case 42: case 43: case 44: case 45:       /* nanosleep .. recvfrom */
    case 46: case 47: case 49: case 50: case 51: case 52: case 53:       /* sendmsg .. socketpair */
    case 54: case 55: case 61: case 62: case 63: case 72: case 73:       /* setsockopt .. flock */
    case 74: case 75: case 77: case 78: case 79: case 80: case 81:       /* fsync .. fchdir */
    case 82: case 83: case 84: case 85: case 86: case 87: case 88:       /* rename .. symlink */
    case 89: case 90: case 91: case 95: case 96: case 97: case 98:       /* readlink .. getrusage */
    case 99: case 100: case 102: case 104: case 107: case 108: case 109: /* sysinfo .. setpgid */
    case 110: case 111: case 112: case 121: case 124: case 127: case 128:
    case 130: case 131: case 137: case 138: case 157: case 158: case 186: /* .. gettid */
    case 200: case 201: case 202: case 217: case 218: case 228: case 229: /* tkill .. */
    case 230: case 232: case 234: case 257: case 258: case 262: case 263: /* .. unlinkat */
    case 264: case 267: case 268: case 269: case 270: case 271: case 273: /* .. set_robust_list */
    case 280: case 281: case 288: case 290: case 291: case 293: case 302: /* .. prlimit64 */
    case 318: case 319: case 332: case 334: case 437: case 439:          /* getrandom .. */
        return true;
    default:
        return false;
    }
}

uint64_t vm_shim_fds_before(struct vm_vcpu *c, uint64_t nr, const uint64_t a[6])
{
    struct vm_instance *v = c->v;
    uint64_t clear = ~0ull;
    if (nr == NR_CLOSE)
        clear = fd_bit(a[0]);
    else if (nr == NR_DUP2 || nr == NR_DUP3)
        clear = fd_bit(a[1]);
    else if (keeps_fds(nr))
        return __atomic_load_n(&v->fd_gen, __ATOMIC_ACQUIRE);
    /* A call that may release a number moves the generation even when no bit is set: a mark
     * of that number under way in another thread must not land after it. */
    pthread_mutex_lock(&v->lock);
    uint64_t gen = __atomic_add_fetch(&v->fd_gen, 1, __ATOMIC_ACQ_REL);
    __atomic_and_fetch(poll_ready(v), ~clear, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&v->lock);
    return gen;
}

/* Whether guest fd's poll answer is always DEFAULT_POLLMASK: a regular file (not O_PATH, which
 * poll sees as no fd: POLLNVAL) on a file system whose regular files have no f_op->poll
 * (Linux 6.x: ext2/3/4, tmpfs and memfds, xfs, btrfs, overlayfs, 9p; not procfs, sysfs,
 * kernfs or FUSE, whose files may poll). */
static bool poll_fixed(struct vm_instance *v, int64_t fd)
{
    if (fd < 0 || fd >= VM_SHIM_POLL_FDS || xlat_fd_reserved(v->proc, fd))
        return false;
    struct stat st;
    struct statfs sf;
    int fl = fcntl((int)fd, F_GETFL);
    if (fl < 0 || (fl & O_PATH) || fstat((int)fd, &st) < 0 || !S_ISREG(st.st_mode) ||
        fstatfs((int)fd, &sf) < 0)
        return false;
    switch ((unsigned long)sf.f_type) {
    case EXT4_SUPER_MAGIC:
    case TMPFS_MAGIC:
    case XFS_SUPER_MAGIC:
    case BTRFS_SUPER_MAGIC:
    case OVERLAYFS_SUPER_MAGIC:
    case V9FS_MAGIC:
        return true;
    default:
        return false;
    }
}

static void mark(struct vm_instance *v, int64_t fd, uint64_t gen)
{
    if (!poll_fixed(v, fd))
        return;
    pthread_mutex_lock(&v->lock);
    if (__atomic_load_n(&v->fd_gen, __ATOMIC_ACQUIRE) == gen)
        __atomic_or_fetch(poll_ready(v), fd_bit((uint64_t)fd), __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&v->lock);
}

void vm_shim_fds_after(struct vm_vcpu *c, uint64_t nr, const uint64_t a[6], int64_t ret,
                       uint64_t gen)
{
    struct vm_instance *v = c->v;
    if (ret < 0)
        return;
    switch (nr) {
    case 2: case 85: case 257: case 437: /* open, creat, openat, openat2 */
    case 32: case 33: case 292:          /* dup, dup2, dup3 */
        mark(v, ret, gen);
        break;
    case NR_FCNTL:
        if (a[1] == F_DUPFD || a[1] == F_DUPFD_CLOEXEC)
            mark(v, ret, gen);
        break;
    case NR_POLL:
    case NR_PPOLL: {
        /* fds the guest had before (inherited, or made before the bits were cleared): the next
         * poll of them is the shim's. */
        struct pollfd fds[VM_SHIM_POLL_MAX];
        uint64_t n = a[1];
        if (n > VM_SHIM_POLL_MAX || xlat_mem_read(&v->mem.user, a[0], fds, n * sizeof(*fds)) < 0)
            break;
        for (uint64_t i = 0; i < n; i++)
            if (fds[i].fd >= 0 && !(__atomic_load_n(poll_ready(v), __ATOMIC_ACQUIRE) &
                                    fd_bit((uint64_t)fds[i].fd)))
                mark(v, fds[i].fd, gen);
        break;
    }
    default:
        break;
    }
}
