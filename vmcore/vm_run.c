/* vm_run.c: one program in one micro-VM: KVM set-up, the program and its stack placed in guest
 * memory, and the exit loop that turns each hypercall into a served system call. */
#include "vmcore.h"

#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/syscall.h>

#define VM_STACK_MAX (8ull << 20) /* Linux's default RLIMIT_STACK */
#define VM_DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct vm_instance {
    int kvm, vm, vcpu, root, exe;
    struct kvm_run *run;
    size_t run_size;
    struct vm_mem mem;
    struct vm_proc proc;
    bool have_proc;
};

static void instance_free(struct vm_instance *v)
{
    /* The kvm_run area keeps the vCPU, and with it the VM, alive after its fds are closed. */
    if (v->run)
        munmap(v->run, v->run_size);
    if (v->have_proc)
        vm_proc_release(&v->proc);
    for (int *fd = &v->kvm; fd <= &v->exe; fd++)
        if (*fd >= 0)
            close(*fd);
    if (v->mem.host)
        vm_mem_destroy(&v->mem);
}

static int open_in_root(int root, const char *path)
{
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

/* argv[0] as the guest's exec would find it: a path, or a name looked up along its PATH. */
static int find_program(int root, const struct vm_config *cfg, char *found, size_t len,
                        int *fail_status, struct viv_error *err)
{
    const char *name = cfg->argv[0];
    if (strchr(name, '/')) {
        snprintf(found, len, "%s", name);
        int fd = open_in_root(root, name);
        if (fd >= 0)
            return fd;
        *fail_status = errno == ENOENT || errno == ENOTDIR ? 127 : 126;
        return viv_fail(err, errno, "%s: cannot open in the image", name);
    }
    const char *path = VM_DEFAULT_PATH;
    for (char *const *e = cfg->envp; e && *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            path = *e + 5;
    for (const char *s = path; *s;) {
        const char *colon = strchrnul(s, ':');
        snprintf(found, len, "%.*s/%s", (int)(colon - s), s, name);
        int fd = open_in_root(root, found);
        if (fd >= 0)
            return fd;
        s = *colon ? colon + 1 : colon;
    }
    *fail_status = 127;
    return viv_fail(err, ENOENT, "%s: not found in the image's PATH", name);
}

static int kvm_setup(struct vm_instance *v, int kvm_fd, uint64_t memory, struct viv_error *err)
{
    v->kvm = kvm_fd >= 0 ? kvm_fd : vm_kvm_open("/dev/kvm", "/sys", err);
    if (v->kvm < 0)
        return -1;
    if (vm_mem_init(&v->mem, memory, err) < 0)
        return -1;
    v->vm = ioctl(v->kvm, KVM_CREATE_VM, 0);
    if (v->vm < 0)
        return viv_fail(err, errno, "KVM_CREATE_VM");
    /* One slot is all of guest-physical memory (api.rst 4.35 KVM_SET_USER_MEMORY_REGION). */
    struct kvm_userspace_memory_region slot = {
        .slot = 0,
        .guest_phys_addr = 0,
        .memory_size = v->mem.size,
        .userspace_addr = (uint64_t)(uintptr_t)v->mem.host,
    };
    if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
        return viv_fail(err, errno, "KVM_SET_USER_MEMORY_REGION");
    v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
    if (v->vcpu < 0)
        return viv_fail(err, errno, "KVM_CREATE_VCPU");
    int size = ioctl(v->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size < (int)sizeof(struct kvm_run))
        return viv_fail(err, errno, "KVM_GET_VCPU_MMAP_SIZE");
    void *run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, v->vcpu, 0);
    if (run == MAP_FAILED)
        return viv_fail(err, errno, "map the vCPU's kvm_run area");
    v->run = run;
    v->run_size = (size_t)size;
    return vm_cpu_setup(v->kvm, v->vcpu, &v->mem, err);
}

static int load_program(struct vm_instance *v, const struct vm_config *cfg, const char *path,
                        uint64_t *entry, uint64_t *sp, int *fail_status, struct viv_error *err)
{
    struct elf_load_ops ops;
    vm_mem_loader_ops(&v->mem, &ops);
    struct elf_image img;
    if (elf_load(v->exe, path, ELF_MACHINE_X86_64, VM_PAGE, &ops, &img, err) < 0) {
        *fail_status = err->code == ENOEXEC ? 126 : 125;
        return -1;
    }
    if (img.dynamic) {
        *fail_status = 126;
        return viv_fail(err, ENOEXEC, "%s: dynamically linked (interpreter %s): vm mode runs "
                        "static programs only", path, img.interp);
    }
    /* The stack at the top of user memory, the mmap area below it, the heap after the image. */
    uint64_t top = v->mem.user_top;
    uint64_t size = v->mem.user_top / 8 < VM_STACK_MAX ? v->mem.user_top / 8 : VM_STACK_MAX;
    size &= ~(uint64_t)(VM_PAGE - 1);
    int r = vm_mem_map(&v->mem, top - size, size, PROT_READ | PROT_WRITE);
    if (r < 0)
        return viv_fail(err, -r, "map the guest's stack");
    v->mem.mmap_top = top - size - VM_PAGE; /* a guard page under the stack */
    unsigned eax, ebx, ecx = 0, edx = 0;
    __get_cpuid(1, &eax, &ebx, &ecx, &edx);
    struct elf_stack_params sp_params = {
        .argv = cfg->argv,
        .envp = cfg->envp,
        .execfn = path,
        .platform = "x86_64",
        .exe = &img,
        .page_size = VM_PAGE,
        .hwcap = edx, /* AT_HWCAP on x86 is CPUID.1:EDX (arch/x86/include/asm/elf.h) */
    };
    if (getrandom(sp_params.random, sizeof(sp_params.random), 0) != sizeof(sp_params.random))
        return viv_fail(err, errno, "getrandom for AT_RANDOM");
    if (elf_stack_build(&ops, top, size, &sp_params, sp, err) < 0)
        return viv_wrap(err, "%s: initial stack", path);
    v->proc.brk_start = v->proc.brk_cur = img.hi;
    *entry = img.entry;
    return 0;
}

/* A guest exception: the shim left [vector, error, rip, cs, rflags, rsp, ss] on its stack. */
static int fault(struct vm_instance *v, struct vm_stats *st, struct viv_error *err)
{
    struct kvm_regs r;
    struct kvm_sregs sr;
    if (ioctl(v->vcpu, KVM_GET_REGS, &r) < 0 || ioctl(v->vcpu, KVM_GET_SREGS, &sr) < 0)
        return viv_fail(err, errno, "read the faulting vCPU");
    uint64_t lo = VM_KERNEL_BASE + VM_SYS_STACK * VM_PAGE;
    uint64_t hi = VM_KERNEL_BASE + VM_SYS_PAGES * VM_PAGE;
    uint64_t f[7];
    if (r.rsp < lo || r.rsp > hi - sizeof(f))
        return viv_fail(err, EFAULT, "the shim's fault stack is off its pages (rsp %#llx)",
                        (unsigned long long)r.rsp);
    memcpy(f, v->mem.host + v->mem.sys_base + (r.rsp - VM_KERNEL_BASE), sizeof(f));
    unsigned vec = (unsigned)f[0];
    st->faults++;
    viv_trace(VIV_TRACE_VM, "vm", "%s (vector %u, error %#llx) at rip %#llx, cr2 %#llx",
              vm_fault_name(vec), vec, (unsigned long long)f[1], (unsigned long long)f[2],
              (unsigned long long)sr.cr2);
    if ((f[3] & 3) != 3)
        return viv_fail(err, EFAULT, "the shim itself took %s at %#llx (cr2 %#llx)",
                        vm_fault_name(vec), (unsigned long long)f[2],
                        (unsigned long long)sr.cr2);
    /* No handlers yet: the default action of every fault signal ends the process. */
    return 128 + vm_fault_signal(vec);
}

static int hypercall(struct vm_instance *v, struct viv_error *err)
{
    struct kvm_regs r;
    if (ioctl(v->vcpu, KVM_GET_REGS, &r) < 0)
        return viv_fail(err, errno, "KVM_GET_REGS");
    const uint64_t a[6] = {r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9};
    int64_t ret;
    if (vm_syscall(&v->proc, r.rax, a, &ret) == VM_SYS_EXIT)
        return 1;
    r.rax = (uint64_t)ret;
    /* KVM resumes after the `out` on the next KVM_RUN (the PIO completes there), with these
     * registers (api.rst 5. "The kvm_run structure", KVM_EXIT_IO). */
    if (ioctl(v->vcpu, KVM_SET_REGS, &r) < 0)
        return viv_fail(err, errno, "KVM_SET_REGS");
    if (v->proc.fs_dirty) {
        if (vm_cpu_set_fs(v->vcpu, v->proc.fs_base) < 0)
            return viv_fail(err, errno, "set the guest's FS base");
        v->proc.fs_dirty = false;
    }
    if (v->mem.tlb_dirty) {
        v->mem.host[v->mem.sys_base + VM_SYS_DATA * VM_PAGE] = 1; /* the shim's flush flag */
        v->mem.tlb_dirty = false;
    }
    return 0;
}

static int loop(struct vm_instance *v, struct vm_stats *st, struct viv_error *err)
{
    for (;;) {
        if (ioctl(v->vcpu, KVM_RUN, 0) < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                st->exits[VM_EXIT_INTR]++;
                continue;
            }
            return viv_fail(err, errno, "KVM_RUN");
        }
        struct kvm_run *run = v->run;
        switch (run->exit_reason) {
        case KVM_EXIT_IO:
            st->exits[VM_EXIT_IO]++;
            if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == VM_PORT_SYSCALL) {
                int r = hypercall(v, err);
                if (r < 0)
                    return -1;
                if (r > 0)
                    return v->proc.exit_status;
                continue;
            }
            if (run->io.direction == KVM_EXIT_IO_OUT && run->io.port == VM_PORT_FAULT)
                return fault(v, st, err);
            return viv_fail(err, EIO, "the guest used I/O port %#x from ring 0", run->io.port);
        case KVM_EXIT_HLT:
            st->exits[VM_EXIT_HLT]++;
            return viv_fail(err, EIO, "the guest halted in ring 0");
        case KVM_EXIT_SHUTDOWN:
            st->exits[VM_EXIT_SHUTDOWN]++;
            return viv_fail(err, EIO, "the guest triple-faulted (KVM_EXIT_SHUTDOWN)");
        case KVM_EXIT_FAIL_ENTRY:
            return viv_fail(err, EIO, "KVM cannot enter the guest (hardware reason %#llx)",
                            (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
        case KVM_EXIT_INTERNAL_ERROR:
            return viv_fail(err, EIO, "KVM internal error, suberror %u", run->internal.suberror);
        default:
            st->exits[VM_EXIT_OTHER]++;
            return viv_fail(err, EIO, "unexpected VM exit, reason %u", run->exit_reason);
        }
    }
}

int vm_run(const struct vm_config *cfg, struct vm_stats *st, int *fail_status,
           struct viv_error *err)
{
    struct vm_instance v = {.kvm = -1, .vm = -1, .vcpu = -1, .root = -1, .exe = -1};
    memset(st, 0, sizeof(*st));
    *fail_status = 125;
    int status = -1;
    char path[4096];
    v.root = open(cfg->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (v.root < 0) {
        viv_fail(err, errno, "%s: cannot open the image's root", cfg->root);
        goto out;
    }
    if (kvm_setup(&v, cfg->kvm_fd, cfg->memory ? cfg->memory : VM_DEFAULT_MEMORY, err) < 0)
        goto out;
    v.exe = find_program(v.root, cfg, path, sizeof(path), fail_status, err);
    if (v.exe < 0)
        goto out;
    vm_proc_init(&v.proc, &v.mem, v.root, cfg->hostname);
    v.have_proc = true;
    if (cfg->workdir)
        snprintf(v.proc.cwd, sizeof(v.proc.cwd), "%s", cfg->workdir);
    uint64_t entry = 0, sp = 0;
    if (load_program(&v, cfg, path, &entry, &sp, fail_status, err) < 0)
        goto out;
    *fail_status = 125;
    struct kvm_regs r;
    if (ioctl(v.vcpu, KVM_GET_REGS, &r) < 0) {
        viv_fail(err, errno, "KVM_GET_REGS");
        goto out;
    }
    /* The shim's first sysretq goes to rcx with rflags from r11 (IF set, as Linux starts a
     * process) on the stack elf_stack_build made. */
    r.rcx = entry;
    r.r11 = 0x202;
    r.rsp = sp;
    if (ioctl(v.vcpu, KVM_SET_REGS, &r) < 0) {
        viv_fail(err, errno, "KVM_SET_REGS");
        goto out;
    }
    viv_trace(VIV_TRACE_VM, "vm", "%s: entry %#llx, sp %#llx, %llu MiB of guest memory", path,
              (unsigned long long)entry, (unsigned long long)sp,
              (unsigned long long)(v.mem.size >> 20));
    status = loop(&v, st, err);
out:
    if (v.have_proc) {
        st->syscalls = v.proc.calls;
        st->unimplemented = v.proc.unimplemented;
        memcpy(st->by_nr, v.proc.by_nr, sizeof(st->by_nr));
    }
    instance_free(&v);
    return status;
}
