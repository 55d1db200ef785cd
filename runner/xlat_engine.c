/* xlat_engine.c: the translated-process driver: loader, guest memory, interpreter and syscalls. */
#include "xlat_engine.h"

#include "runner.h"

#include "isa-xlat/isa-xlat.h"
#include "loader/loader.h"
#include "syscall-xlat/syscall-xlat.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/syscall.h>

/* The guest's address space: 16 GiB of reserved host address space (Sv39 user space is 256
 * GiB, but programs that need more than this are not the ones run translated). */
#define GUEST_SIZE (16ull << 30)
#define GUEST_STACK (8ull << 20) /* the default RLIMIT_STACK of Linux distributions */
#define GUEST_PIE_BASE (1ull << 30)
#define GUEST_BRK_MAX (4ull << 30)
#define GUEST_MINSIGSTKSZ 2048

/* One hart: a guest thread's registers and decoded blocks, run by one host thread. */
struct engine;
struct hart {
    struct engine *g;
    struct rv_cpu cpu;
    struct rv_cache *cache;
    struct xlat_thread *t;
    struct xlat_regs regs;
    sigjmp_buf fault_jmp;
    volatile sig_atomic_t fault_sig;
    volatile uint64_t fault_addr;
    volatile int fault_code;
};

/* The hart this host thread runs, for the host fault handler. */
static __thread struct hart *cur_hart;
static uint8_t *fault_lo, *fault_hi;

/* A host SIGSEGV/SIGBUS inside the window is the guest touching a page its rights forbid: the
 * interpreter left cpu->pc at that instruction; translated code did not, and the cache maps its
 * host pc back. Anything else is viv's own bug and must crash. */
static void on_host_fault(int sig, siginfo_t *si, void *uc)
{
    uint8_t *a = si->si_addr;
    struct hart *h = cur_hart;
    if (h && fault_lo && a >= fault_lo && a < fault_hi) {
        if (h->cache)
            rv_cache_fault(h->cache, &h->cpu, uc);
        h->fault_sig = sig;
        h->fault_addr = (uint64_t)(a - fault_lo);
        h->fault_code = si->si_code;
        siglongjmp(h->fault_jmp, 1);
    }
    signal(sig, SIG_DFL); /* returning re-executes the access, which now kills us */
}

static void engine_invalidate(void *ctx, uint64_t addr, uint64_t len, bool was_mapped)
{
    (void)was_mapped; /* blocks decoded from the range go, whatever it held before */
    rv_invalidate(ctx, addr, len);
}

/* Find a fixed base for a PIE main program, so that its brk has room above it, as Linux's
 * ELF_ET_DYN_BASE does; the interpreter goes wherever mmap would put it. */
static int find_pie(void *ctx, uint64_t len, uint64_t *addr, struct viv_error *err)
{
    (void)ctx;
    if (len > GUEST_SIZE / 2)
        return viv_fail(err, ENOMEM, "image of %llu bytes", (unsigned long long)len);
    *addr = GUEST_PIE_BASE;
    return 0;
}

static int open_interp(const struct xlat_engine_config *cfg, const char *interp, char *where,
                       size_t wlen, struct viv_error *err)
{
    const char *dir = cfg->sysroot ? cfg->sysroot : cfg->root ? cfg->root : "/";
    snprintf(where, wlen, "%s%s", strcmp(dir, "/") == 0 ? "" : dir, interp);
    int dfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0)
        return viv_fail(err, errno, "%s", dir);
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT};
    int fd = (int)syscall(SYS_openat2, dfd, interp, &how, sizeof(how));
    int e = errno;
    close(dfd);
    if (fd < 0 && e == ENOENT) {
        viv_fail(err, 0, "interpreter %s not found%s", where,
                 cfg->sysroot ? "" : " (use --sysroot DIR)");
        err->code = ENOENT;
        return -1;
    }
    if (fd < 0)
        return viv_fail(err, e, "interpreter %s", where);
    return fd;
}

struct engine {
    const struct xlat_engine_config *cfg;
    struct xlat_mem mem;
    struct rv_mem rvm;
    struct xlat_proc *proc;
    struct hart main;
    int killed_by; /* atomic: the signal the process dies of, 0 if none */
};

/* What a loaded program starts with. */
struct image_start {
    uint64_t entry, sp, brk, brk_limit;
};

/* Load the riscv64 program read through fd (and its interpreter) into the empty guest memory
 * with a fresh stack holding argv, envp and the auxv. */
static int load_image(struct engine *g, int fd, const char *name, char *const *argv,
                      char *const *envp, struct image_start *st, int *fail_status,
                      struct viv_error *err)
{
    const struct xlat_engine_config *cfg = g->cfg;
    *fail_status = VIV_EXIT_CANNOT_EXEC;
    /* The stack first, at the top: mmap and the interpreter then go below it. */
    uint64_t stack_lo = GUEST_SIZE - GUEST_STACK;
    if (xlat_mem_map(&g->mem, stack_lo, GUEST_STACK, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) < 0)
        return viv_fail(err, ENOMEM, "map the guest stack");
    /* Recorded before anything is written near it (xlat_mem_set_stack's advice must come
     * first); the extent exec gives the stack depends on the strings alone. */
    struct elf_stack_params strings = {
        .argv = argv, .envp = envp, .execfn = name, .page_size = XLAT_PAGE};
    xlat_mem_set_stack(&g->mem, stack_lo, GUEST_SIZE - elf_stack_vma_size(&strings, GUEST_STACK));
    struct elf_load_ops ops, pie_ops;
    xlat_mem_loader_ops(&g->mem, &ops);
    pie_ops = ops;
    pie_ops.find = find_pie;
    struct elf_image exe, interp = {0};
    if (elf_load(fd, name, ELF_MACHINE_RISCV64, XLAT_PAGE, &pie_ops, &exe, err) < 0)
        return -1;
    if (exe.dynamic) {
        char where[PATH_MAX + 300];
        int ifd = open_interp(cfg, exe.interp, where, sizeof(where), err);
        if (ifd < 0) {
            if (err->code == ENOENT)
                *fail_status = VIV_EXIT_NOT_FOUND;
            return -1;
        }
        int rc = elf_load(ifd, where, ELF_MACHINE_RISCV64, XLAT_PAGE, &ops, &interp, err);
        close(ifd);
        if (rc < 0)
            return -1;
    }
    struct elf_stack_params sp = {
        .argv = argv,
        .envp = envp,
        .execfn = name,
        .exe = &exe,
        .interp_base = exe.dynamic ? interp.bias : 0,
        .page_size = XLAT_PAGE,
        .hwcap = ELF_RISCV_HWCAP_IMAFDC,
        .minsigstksz = GUEST_MINSIGSTKSZ,
        .uid = getuid(),
        .euid = geteuid(),
        .gid = getgid(),
        .egid = getegid(),
    };
    if (getrandom(sp.random, sizeof(sp.random), 0) != sizeof(sp.random))
        return viv_fail(err, errno, "getrandom");
    *fail_status = VIV_EXIT_FAIL;
    if (elf_stack_build(&ops, GUEST_SIZE, GUEST_STACK, &sp, &st->sp, err) < 0)
        return -1;
    st->entry = exe.dynamic ? interp.entry : exe.entry;
    st->brk = (exe.hi + XLAT_PAGE - 1) & ~(uint64_t)(XLAT_PAGE - 1);
    st->brk_limit = st->brk + GUEST_BRK_MAX < stack_lo ? st->brk + GUEST_BRK_MAX : stack_lo;
    viv_trace(VIV_TRACE_XLAT, "xlat", "%s: entry %#llx sp %#llx brk %#llx%s%s", name,
              (unsigned long long)st->entry, (unsigned long long)st->sp,
              (unsigned long long)st->brk, exe.dynamic ? " interp " : "",
              exe.dynamic ? exe.interp : "");
    return 0;
}

static int load_all(struct engine *g, int *fail_status, struct viv_error *err)
{
    const struct xlat_engine_config *cfg = g->cfg;
    *fail_status = VIV_EXIT_CANNOT_EXEC;
    int fd = open(cfg->program, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            *fail_status = VIV_EXIT_NOT_FOUND;
        return viv_fail(err, errno, "%s", cfg->program);
    }
    struct image_start st;
    int rc = load_image(g, fd, cfg->program, cfg->argv, cfg->envp, &st, fail_status, err);
    close(fd);
    if (rc < 0)
        return -1;
    *fail_status = VIV_EXIT_FAIL;
    char *exe_path = realpath(cfg->program, NULL);
    struct xlat_proc_config pc = {
        .abi = &xlat_abi_riscv64,
        .mem = &g->mem,
        .root = cfg->root,
        .sysroot = cfg->sysroot,
        .exe_path = exe_path ? exe_path : cfg->program,
        .brk_start = st.brk,
        .brk_limit = st.brk_limit,
    };
    rc = xlat_proc_new(&pc, &g->proc, err);
    free(exe_path);
    if (rc < 0)
        return -1;
    xlat_proc_set_comm(cfg->program);
    rv_cpu_init(&g->main.cpu, st.entry);
    g->main.cpu.x[2] = st.sp; /* every other register is 0 at entry, as Linux leaves them */
    return 0;
}

/* The register file as the signal frame and clone see it, and back. */
static void cpu_to_regs(struct hart *h)
{
    struct xlat_regs *r = &h->regs;
    r->pc = h->cpu.pc;
    memcpy(r->x, h->cpu.x, sizeof(r->x));
    r->x[0] = 0;
    memcpy(r->f, h->cpu.f, sizeof(r->f));
    r->fcsr = h->cpu.fflags | h->cpu.frm << 5;
}

static void regs_to_cpu(struct hart *h)
{
    const struct xlat_regs *r = &h->regs;
    h->cpu.pc = r->pc;
    memcpy(h->cpu.x, r->x, sizeof(h->cpu.x));
    h->cpu.x[0] = 0;
    memcpy(h->cpu.f, r->f, sizeof(h->cpu.f));
    h->cpu.fflags = r->fcsr & 0x1f;
    h->cpu.frm = (r->fcsr >> 5) & 7;
}

/* The whole process dies of sig: the first thread's host thread returns it once every thread
 * has stopped. */
static void die_of(struct hart *h, int sig)
{
    int none = 0;
    __atomic_compare_exchange_n(&h->g->killed_by, &none, sig, false, __ATOMIC_ACQ_REL,
                                __ATOMIC_ACQUIRE);
}

/* Run the guest's handler for sig (info describes it) from the current registers. false when
 * the process must die instead. */
static bool run_handler(struct hart *h, int sig, const siginfo_t *info)
{
    cpu_to_regs(h);
    if (xlat_signal_deliver(h->t, sig, info, &h->regs) < 0) {
        /* No room for the frame: force_sigsegv. */
        viv_trace(VIV_TRACE_XLAT, "xlat", "%s: cannot write the signal frame", strsignal(sig));
        die_of(h, SIGSEGV);
        return false;
    }
    regs_to_cpu(h);
    /* The kernel's return to user mode clears any LR reservation (arch/riscv entry.S). */
    h->cpu.resv_size = 0;
    return true;
}

/* A synchronous fault of the instruction at pc: the guest's handler, or death by sig. */
static bool guest_fault(struct hart *h, int sig, int code, uint64_t pc, uint64_t addr)
{
    enum xlat_sig_action act = xlat_signal_fault(h->g->proc, sig);
    viv_trace(VIV_TRACE_XLAT, "xlat", "%s at pc %#llx (address %#llx)%s", strsignal(sig),
              (unsigned long long)pc, (unsigned long long)addr,
              act == XLAT_SIG_HANDLER ? ": to the guest's handler" : "");
    if (act != XLAT_SIG_HANDLER) {
        die_of(h, sig);
        return false;
    }
    siginfo_t si;
    memset(&si, 0, sizeof(si));
    si.si_signo = sig;
    si.si_code = code;
    si.si_addr = (void *)(uintptr_t)addr;
    h->cpu.pc = pc;
    return run_handler(h, sig, &si);
}

/* What riscv64 Linux reports for each trapping exit (arch/riscv/kernel/traps.c): si_code and
 * si_addr, which is the pc for everything but memory accesses. */
static bool trap_exit(struct hart *h, const struct rv_exit *ex)
{
    switch (ex->reason) {
    case RV_EXIT_EBREAK:
        return guest_fault(h, SIGTRAP, TRAP_BRKPT, ex->pc, ex->pc);
    case RV_EXIT_ILLEGAL:
        return guest_fault(h, SIGILL, ILL_ILLOPC, ex->pc, ex->pc);
    case RV_EXIT_MISALIGNED:
        return guest_fault(h, SIGBUS, BUS_ADRALN, ex->pc, ex->pc);
    default: {
        /* SEGV_ACCERR for a mapped page the access is not allowed on, else SEGV_MAPERR. */
        bool mapped = xlat_mem_ptr(&h->g->mem, ex->addr, 1, 0) != NULL;
        return guest_fault(h, SIGSEGV, mapped ? SEGV_ACCERR : SEGV_MAPERR, ex->pc, ex->addr);
    }
    }
}

/* Deliver what is pending for this thread, at a block boundary or after a system call. */
static bool take_signals(struct hart *h)
{
    siginfo_t si;
    enum xlat_sig_action act;
    int sig;
    while ((sig = xlat_signal_next(h->t, &si, &act)) != 0) {
        if (act == XLAT_SIG_KILL) {
            viv_trace(VIV_TRACE_XLAT, "xlat", "%s: default action, the process dies",
                      strsignal(sig));
            die_of(h, sig);
            return false;
        }
        if (!run_handler(h, sig, &si))
            return false;
    }
    return true;
}

/* execve of a riscv64 program: everything of the old image goes, the new one is loaded into
 * the same window and this hart starts it (fs/exec.c: past the point of no return a failure
 * kills the process with SIGSEGV). */
static bool exec_in_place(struct hart *h)
{
    struct engine *g = h->g;
    const struct xlat_exec_request *rq = xlat_proc_exec_request(g->proc);
    if (xlat_mem_unmap(&g->mem, 0, g->mem.size) < 0) {
        die_of(h, SIGSEGV);
        return false;
    }
    g->mem.mmap_top = g->mem.size;
    struct image_start st;
    struct viv_error err = {0};
    int fail_status;
    if (load_image(g, rq->fd, rq->path, rq->argv, rq->envp, &st, &fail_status, &err) < 0) {
        viv_trace(VIV_TRACE_XLAT, "xlat", "execve %s: %s", rq->path, err.msg);
        die_of(h, SIGSEGV);
        return false;
    }
    xlat_proc_exec_commit(g->proc, st.brk, st.brk_limit);
    rv_cpu_init(&h->cpu, st.entry);
    h->cpu.x[2] = st.sp;
    return true;
}

/* Serve the ecall at ex->pc. false when this hart's guest thread is done. */
static bool serve_ecall(struct hart *h, const struct rv_exit *ex)
{
    /* psABI / Linux: number in a7, arguments in a0..a5, result in a0. */
    uint64_t *x = h->cpu.x;
    const uint64_t args[6] = {x[10], x[11], x[12], x[13], x[14], x[15]};
    int64_t ret = 0;
    cpu_to_regs(h);
    enum xlat_sys_result r = xlat_thread_syscall(h->t, x[17], args, &h->regs, &ret);
    h->cpu.resv_size = 0;
    switch (r) {
    case XLAT_SYS_DONE:
        x[10] = (uint64_t)ret;
        h->cpu.pc = ex->pc + 4;
        return true;
    case XLAT_SYS_RESTART:
        /* -ERESTARTSYS: the ecall runs again with its arguments once handlers are done. */
        h->cpu.pc = ex->pc;
        return true;
    case XLAT_SYS_REGS:
        regs_to_cpu(h);
        return true;
    case XLAT_SYS_EXEC:
        if (!xlat_proc_stop_others(h->t)) {
            xlat_proc_exec_clear(h->g->proc);
            return false;
        }
        return exec_in_place(h);
    case XLAT_SYS_EXIT:
        xlat_proc_stop_others(h->t);
        return false;
    case XLAT_SYS_THREAD_EXIT:
    default:
        return false;
    }
}

/* Run the hart until its guest thread is done; the caller then calls xlat_thread_leave. */
static void run_hart(struct hart *h)
{
    cur_hart = h;
    struct rv_exit ex;
    /* A host fault comes back here (the mask is not saved: the fault handler runs with
     * SA_NODEFER and an empty sa_mask, so the mask it longjmps with is the one it had). */
    if (sigsetjmp(h->fault_jmp, 0)) {
        int sig = h->fault_sig;
        int code = sig == SIGBUS ? BUS_ADRERR
                                 : xlat_mem_ptr(&h->g->mem, h->fault_addr, 1, 0) ? SEGV_ACCERR
                                                                                : SEGV_MAPERR;
        if (!guest_fault(h, sig, code, h->cpu.pc, h->fault_addr))
            goto stop;
    }
    for (;;) {
        if (xlat_thread_must_leave(h->t) || __atomic_load_n(&h->g->killed_by, __ATOMIC_ACQUIRE))
            break;
        enum rv_exit_reason r = rv_run(&h->cpu, &h->g->rvm, h->cache, UINT64_C(1) << 40, &ex);
        if (r == RV_EXIT_ECALL) {
            if (!serve_ecall(h, &ex))
                break;
        } else if (r == RV_EXIT_FENCE_I || r == RV_EXIT_LIMIT || r == RV_EXIT_STOP) {
            /* nothing to do but look for signals */
        } else if (!trap_exit(h, &ex)) {
            goto stop;
        }
        if (!take_signals(h))
            goto stop;
    }
    cur_hart = NULL;
    return;
stop:
    /* The process dies: no other thread may run on. */
    xlat_proc_stop_others(h->t);
    cur_hart = NULL;
}

static void hart_kick(void *hart)
{
    rv_request_stop(&((struct hart *)hart)->cpu);
}

static void *hart_thread(void *arg)
{
    struct hart *h = arg;
    struct xlat_thread *t = h->t;
    xlat_thread_attach(t, h);
    run_hart(h);
    /* Leaving is the last touch of shared state: after it the process may be torn down. */
    rv_cache_free(h->cache);
    free(h);
    xlat_thread_leave(t);
    return NULL;
}

/* clone of a thread: a host thread with its own hart and block cache over the shared memory. */
static int hart_spawn(void *ctx, struct xlat_thread *child, const struct xlat_regs *regs)
{
    struct engine *g = ctx;
    struct hart *h = calloc(1, sizeof(*h));
    if (!h)
        return -ENOMEM;
    h->g = g;
    h->t = child;
    h->regs = *regs;
    rv_cpu_init(&h->cpu, regs->pc);
    regs_to_cpu(h);
    h->cache = rv_cache_new();
    int rc = xlat_host_thread_start(hart_thread, h);
    if (rc < 0) {
        rv_cache_free(h->cache);
        free(h);
    }
    return rc;
}

int xlat_engine_run(const struct xlat_engine_config *cfg, int *killed_by, int *fail_status,
                    struct viv_error *err)
{
    *killed_by = 0;
    *fail_status = VIV_EXIT_FAIL;
    struct engine *g = viv_xcalloc(1, sizeof(*g));
    g->cfg = cfg;
    g->main.g = g;
    int rc = -1;
    if (xlat_mem_init(&g->mem, GUEST_SIZE, err) < 0)
        goto out;
    rv_mem_init(&g->rvm, g->mem.base, g->mem.size);
    g->mem.changed = engine_invalidate;
    g->mem.changed_ctx = &g->rvm;
    if (load_all(g, fail_status, err) < 0)
        goto out;
    g->main.cache = rv_cache_new();

    struct sigaction sa = {.sa_sigaction = on_host_fault, .sa_flags = SA_SIGINFO | SA_NODEFER};
    sigemptyset(&sa.sa_mask);
    struct sigaction old_segv, old_bus;
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    sigset_t old_mask;
    pthread_sigmask(SIG_SETMASK, NULL, &old_mask);
    fault_lo = g->mem.base;
    fault_hi = g->mem.base + g->mem.size;
    struct xlat_engine_hooks hooks = {.ctx = g, .spawn = hart_spawn, .kick = hart_kick};
    xlat_proc_set_hooks(g->proc, &hooks);
    g->main.t = xlat_thread_first(g->proc, &g->main);
    run_hart(&g->main);
    xlat_thread_leave(g->main.t);
    /* The guest's other threads may outlive its first (pthread_exit in main). */
    xlat_proc_wait_empty(g->proc);
    fault_lo = fault_hi = NULL;
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);

    *killed_by = __atomic_load_n(&g->killed_by, __ATOMIC_ACQUIRE);
    rc = *killed_by ? 128 + *killed_by : xlat_proc_exit_status(g->proc);
    if (viv_trace_mask & VIV_TRACE_XLAT) {
        struct rv_cache_stats st;
        rv_cache_stats(g->main.cache, &st);
        /* The translation cache's memory: the decoded blocks and the host code made of the
         * hot ones (the first thread's; each thread has its own). */
        viv_trace_printf("xlat", "%llu instructions, %llu system calls (%llu unknown), %llu "
                         "blocks decoded, %llu translated, %llu jumps chained; translation "
                         "cache %llu KiB of decoded blocks, %llu KiB of host code",
                         (unsigned long long)g->main.cpu.instret,
                         (unsigned long long)xlat_proc_calls(g->proc),
                         (unsigned long long)xlat_proc_unimplemented(g->proc),
                         (unsigned long long)st.misses, (unsigned long long)st.translated,
                         (unsigned long long)st.chained, (unsigned long long)(st.bytes + 1023) / 1024,
                         (unsigned long long)(st.code_bytes + 1023) / 1024);
    }
out:
    if (g->main.cache)
        rv_cache_free(g->main.cache);
    xlat_proc_free(g->proc);
    xlat_mem_destroy(&g->mem);
    free(g);
    return rc;
}
