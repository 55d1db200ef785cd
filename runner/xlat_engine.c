/* xlat_engine.c: the translated-process driver: loader, guest memory, interpreter and syscalls. */
#include "xlat_engine.h"

#include "runner.h"

#include "isa-xlat/isa-xlat.h"
#include "loader/loader.h"
#include "syscall-xlat/syscall-xlat.h"

#include <errno.h>
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

/* A host SIGSEGV/SIGBUS inside the window is the guest touching a page its rights forbid: the
 * interpreter left cpu->pc at that instruction. Anything else is viv's own bug and must crash. */
static sigjmp_buf fault_jmp;
static uint8_t *fault_lo, *fault_hi;
static volatile sig_atomic_t fault_sig;
static volatile uint64_t fault_addr;

static void on_host_fault(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    uint8_t *a = si->si_addr;
    if (fault_lo && a >= fault_lo && a < fault_hi) {
        fault_sig = sig;
        fault_addr = (uint64_t)(a - fault_lo);
        siglongjmp(fault_jmp, 1);
    }
    signal(sig, SIG_DFL); /* returning re-executes the access, which now kills us */
}

static void engine_invalidate(void *ctx, uint64_t addr, uint64_t len)
{
    rv_invalidate(ctx, addr, len);
}

int xlat_die_of_signal(int sig)
{
    /* A translated process killed by a signal must look killed to its parent, as qemu-user
     * makes it; without a core file of the translator, which would mislead. */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    return 128 + sig;
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
    struct xlat_mem mem;
    struct rv_mem rvm;
    struct rv_cpu cpu;
    struct rv_cache *cache;
    struct xlat_proc *proc;
};

static int load_all(struct engine *g, const struct xlat_engine_config *cfg, int *fail_status,
                    struct viv_error *err)
{
    *fail_status = VIV_EXIT_CANNOT_EXEC;
    int fd = open(cfg->program, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            *fail_status = VIV_EXIT_NOT_FOUND;
        return viv_fail(err, errno, "%s", cfg->program);
    }
    /* The stack first, at the top: mmap and the interpreter then go below it. */
    uint64_t stack_lo = GUEST_SIZE - GUEST_STACK;
    if (xlat_mem_map(&g->mem, stack_lo, GUEST_STACK, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0) < 0)
        return viv_fail(err, ENOMEM, "map the guest stack");
    struct elf_load_ops ops, pie_ops;
    xlat_mem_loader_ops(&g->mem, &ops);
    pie_ops = ops;
    pie_ops.find = find_pie;
    struct elf_image exe, interp = {0};
    int rc = elf_load(fd, cfg->program, ELF_MACHINE_RISCV64, XLAT_PAGE, &pie_ops, &exe, err);
    close(fd);
    if (rc < 0)
        return -1;
    if (exe.dynamic) {
        char where[PATH_MAX + 300];
        int ifd = open_interp(cfg, exe.interp, where, sizeof(where), err);
        if (ifd < 0) {
            if (err->code == ENOENT)
                *fail_status = VIV_EXIT_NOT_FOUND;
            return -1;
        }
        rc = elf_load(ifd, where, ELF_MACHINE_RISCV64, XLAT_PAGE, &ops, &interp, err);
        close(ifd);
        if (rc < 0)
            return -1;
    }
    struct elf_stack_params sp = {
        .argv = cfg->argv,
        .envp = cfg->envp,
        .execfn = cfg->program,
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
    uint64_t sp_addr;
    if (elf_stack_build(&ops, GUEST_SIZE, GUEST_STACK, &sp, &sp_addr, err) < 0) {
        *fail_status = VIV_EXIT_FAIL;
        return -1;
    }

    *fail_status = VIV_EXIT_FAIL;
    char *exe_path = realpath(cfg->program, NULL);
    uint64_t brk = (exe.hi + XLAT_PAGE - 1) & ~(uint64_t)(XLAT_PAGE - 1);
    struct xlat_proc_config pc = {
        .abi = &xlat_abi_riscv64,
        .mem = &g->mem,
        .root = cfg->root,
        .sysroot = cfg->sysroot,
        .exe_path = exe_path ? exe_path : cfg->program,
        .brk_start = brk,
        .brk_limit = brk + GUEST_BRK_MAX < stack_lo ? brk + GUEST_BRK_MAX : stack_lo,
    };
    rc = xlat_proc_new(&pc, &g->proc, err);
    free(exe_path);
    if (rc < 0)
        return -1;
    rv_cpu_init(&g->cpu, exe.dynamic ? interp.entry : exe.entry);
    g->cpu.x[2] = sp_addr; /* sp; every other register is 0 at entry, as Linux leaves them */
    viv_trace(VIV_TRACE_XLAT, "xlat", "%s: entry %#llx sp %#llx brk %#llx%s%s",
              cfg->program, (unsigned long long)g->cpu.pc, (unsigned long long)sp_addr,
              (unsigned long long)brk, exe.dynamic ? " interp " : "",
              exe.dynamic ? exe.interp : "");
    return 0;
}

static int fault_signal(enum rv_exit_reason r)
{
    switch (r) {
    case RV_EXIT_EBREAK:
        return SIGTRAP;
    case RV_EXIT_ILLEGAL:
        return SIGILL;
    case RV_EXIT_MISALIGNED:
        return SIGBUS;
    default:
        return SIGSEGV;
    }
}

/* The guest got a synchronous signal. Handlers need riscv64 signal frames, which this engine
 * does not build yet: a guest with a handler dies as if it had none, and the trace says so. */
static int guest_fault(struct engine *g, int sig, uint64_t pc, uint64_t addr, int *killed_by)
{
    enum xlat_sig_action act = xlat_signal_fault(g->proc, sig);
    viv_trace(VIV_TRACE_XLAT, "xlat", "%s at pc %#llx (address %#llx)%s", strsignal(sig),
              (unsigned long long)pc, (unsigned long long)addr,
              act == XLAT_SIG_HANDLER ? ": guest handler not supported, default action" : "");
    *killed_by = sig;
    return 128 + sig;
}

static int run_loop(struct engine *g, int *killed_by)
{
    struct sigaction sa = {.sa_sigaction = on_host_fault, .sa_flags = SA_SIGINFO | SA_NODEFER};
    sigemptyset(&sa.sa_mask);
    struct sigaction old_segv, old_bus;
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    fault_lo = g->mem.base;
    fault_hi = g->mem.base + g->mem.size;
    int status;
    if (sigsetjmp(fault_jmp, 1)) {
        status = guest_fault(g, fault_sig, g->cpu.pc, fault_addr, killed_by);
        goto out;
    }
    for (;;) {
        struct rv_exit ex;
        enum rv_exit_reason r = rv_run(&g->cpu, &g->rvm, g->cache, UINT64_C(1) << 40, &ex);
        if (r == RV_EXIT_ECALL) {
            /* psABI / Linux: number in a7, arguments in a0..a5, result in a0. */
            uint64_t *x = g->cpu.x;
            const uint64_t args[6] = {x[10], x[11], x[12], x[13], x[14], x[15]};
            int64_t ret;
            if (xlat_syscall(g->proc, x[17], args, &ret) == XLAT_SYS_EXIT) {
                status = xlat_proc_exit_status(g->proc);
                goto out;
            }
            x[10] = (uint64_t)ret;
            g->cpu.pc = ex.pc + 4;
        } else if (r == RV_EXIT_FENCE_I || r == RV_EXIT_LIMIT || r == RV_EXIT_STOP) {
            continue;
        } else {
            status = guest_fault(g, fault_signal(r), ex.pc, ex.addr, killed_by);
            goto out;
        }
    }
out:
    fault_lo = fault_hi = NULL;
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    return status;
}

int xlat_engine_run(const struct xlat_engine_config *cfg, int *killed_by, int *fail_status,
                    struct viv_error *err)
{
    *killed_by = 0;
    *fail_status = VIV_EXIT_FAIL;
    struct engine *g = viv_xcalloc(1, sizeof(*g));
    int rc = -1;
    if (xlat_mem_init(&g->mem, GUEST_SIZE, err) < 0)
        goto out;
    rv_mem_init(&g->rvm, g->mem.base, g->mem.size);
    g->mem.invalidate = engine_invalidate;
    g->mem.inval_ctx = &g->rvm;
    if (load_all(g, cfg, fail_status, err) < 0)
        goto out;
    g->cache = rv_cache_new();
    rc = run_loop(g, killed_by);
    if (viv_trace_mask & VIV_TRACE_XLAT) {
        struct rv_cache_stats st;
        rv_cache_stats(g->cache, &st);
        viv_trace_printf("xlat", "%llu instructions, %llu system calls (%llu unknown), %llu "
                         "blocks decoded",
                         (unsigned long long)g->cpu.instret,
                         (unsigned long long)xlat_proc_calls(g->proc),
                         (unsigned long long)xlat_proc_unimplemented(g->proc),
                         (unsigned long long)st.misses);
    }
out:
    if (g->cache)
        rv_cache_free(g->cache);
    xlat_proc_free(g->proc);
    xlat_mem_destroy(&g->mem);
    free(g);
    return rc;
}
