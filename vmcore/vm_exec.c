/* vm_exec.c: execve in the same VM process: the user address space and its page tables are
 * made anew, the new program is loaded, and the vCPU leaves the shim at its entry. */
#include "vm_internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* Pages of tables in the pool that are in use. */
static uint64_t pt_pages(const struct vm_mem *m)
{
    return (m->pt_next - (m->sys_base + VM_SYS_PAGES * VM_PAGE)) / VM_PAGE;
}

/* Before the point of no return: a program whose interpreter is missing fails its execve with
 * ENOENT, and one that is no loadable program with ENOEXEC (fs/binfmt_elf.c), the caller
 * still running. */
static int check_loadable(struct vm_instance *v, int fd)
{
    struct elf_info info;
    struct viv_error e = {0};
    if (elf_identify(fd, "exec", &info, &e) < 0 || !info.executable)
        return -ENOEXEC;
    if (!info.dynamic)
        return 0;
    int ifd = vm_open_in_root(v->root, info.interp);
    if (ifd < 0)
        return -errno;
    close(ifd);
    return 0;
}

int vm_exec(struct vm_vcpu *c, struct kvm_regs *r, struct viv_error *err)
{
    struct vm_instance *v = c->v;
    const struct xlat_exec_request *rq = xlat_proc_exec_request(v->proc);
    int bad = check_loadable(v, rq->fd);
    if (bad < 0) {
        xlat_proc_exec_clear(v->proc);
        r->rax = (uint64_t)(int64_t)bad;
        if (vm_regs_set(c, r) < 0)
            return viv_fail(err, errno, "KVM_SET_REGS");
        return 0;
    }
    uint64_t before[VM_IOCTL_NRS], after[VM_IOCTL_NRS];
    vm_ioctl_counts(before);
    /* Past the point of no return (fs/exec.c begin_new_exec): a failure from here on kills the
     * process with SIGSEGV, as Linux's does. */
    int e = xlat_mem_unmap(&v->mem.user, 0, v->mem.user.size);
    if (e < 0) {
        viv_fail(err, -e, "execve %s: unmap the old program", rq->path);
        goto die;
    }
    /* Every user mapping is gone: the page tables start again from an empty pool. */
    vm_mem_reset_tables(&v->mem);
    struct vm_start st;
    int fail_status;
    if (vm_load(c, rq->fd, rq->path, rq->argv, rq->envp, &st, &fail_status, err) < 0)
        goto die;
    xlat_proc_exec_commit(v->proc, st.brk, v->mem.user.size);
    /* A thread other than the first that execs is the process now: its tid is the pid. */
    vm_shim_set_ids(v, c, c->thread ? xlat_thread_guest_tid(c->thread) : 0);
    /* A new program starts with no TLS, a fresh FPU and zeroed registers (ELF_PLAT_INIT,
     * start_thread), on its stack at its entry, from the shim's iret. */
    if (vm_cpu_set_fs(c->fd, 0) < 0) {
        viv_fail(err, errno, "execve: reset the FS base");
        goto die;
    }
    struct xlat_x86_regs s;
    memset(&s, 0, sizeof(s));
    s.rip = st.entry;
    s.rsp = st.sp;
    s.rflags = 0x202;
    xlat_x86_init_fx(s.fx);
    vm_sys_host(&v->mem, c->slot, VM_SYS_DATA)[VM_DATA_FLUSH] = 1;
    v->mem.tlb_dirty = false;
    if (vm_resume_from_shim(c, r, &s, err) < 0)
        return -1;
    vm_ioctl_counts(after);
    uint64_t n = 0;
    for (unsigned i = 0; i < VM_IOCTL_NRS; i++)
        n += after[i] - before[i];
    __atomic_add_fetch(&v->run_st->execs, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&v->run_st->exec_ioctls, n, __ATOMIC_RELAXED);
    __atomic_add_fetch(&v->run_st->exec_pt_pages, pt_pages(&v->mem), __ATOMIC_RELAXED);
    return 0;
die:
    viv_trace(VIV_TRACE_VM, "vm", "%s", err->msg);
    xlat_proc_exec_clear(v->proc);
    vm_set_killed(v, SIGSEGV);
    return 1;
}
