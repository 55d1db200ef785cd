/* vm_thread.c: a guest thread (clone with CLONE_VM|CLONE_THREAD) is a new vCPU in the same VM,
 * run by a new host thread: guest memory is host memory, so futexes, set_tid_address and the
 * robust lists the personality serves work across vCPUs as across host threads. */
#include "vm_internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A free slot of the system area, taken; -1 when every slot runs a thread. */
static int take_slot(struct vm_instance *v)
{
    int slot = -1;
    pthread_mutex_lock(&v->lock);
    for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
        if (!(v->slots & (1u << i))) {
            v->slots |= 1u << i;
            slot = (int)i;
            break;
        }
    pthread_mutex_unlock(&v->lock);
    return slot;
}

/* The clone child's registers are the parent's at its syscall, rax 0 and rsp new (clone(2));
 * rcx and r11 hold the return address and rflags there, as SYSCALL left them. The vCPU enters
 * ring 3 through its shim's TLB flush: a vCPU taken again may have cached its last thread's
 * translations. */
static int start_regs(struct vm_vcpu *c, const struct xlat_regs *regs, uint64_t fs,
                      struct viv_error *err)
{
    struct kvm_regs r;
    if (vm_regs_get(c, &r) < 0)
        return viv_fail(err, errno, "KVM_GET_REGS");
    const struct xlat_x86_regs *s = &regs->x86;
    r.r8 = s->r8, r.r9 = s->r9, r.r10 = s->r10, r.r12 = s->r12;
    r.r13 = s->r13, r.r14 = s->r14, r.r15 = s->r15;
    r.rdi = s->rdi, r.rsi = s->rsi, r.rbp = s->rbp, r.rbx = s->rbx, r.rdx = s->rdx;
    r.rax = s->rax;
    r.rcx = s->rcx, r.r11 = s->r11;
    r.rsp = s->rsp;
    r.rip = s->rip;
    r.rflags = s->rflags;
    if (vm_cpu_enter_flush(c->fd, &c->v->mem, c->slot, &r, err) < 0)
        return -1;
    if (vm_regs_set(c, &r) < 0)
        return viv_fail(err, errno, "KVM_SET_REGS");
    /* A new thread's FPU is in its initial state: glibc's start_thread expects nothing else. */
    uint8_t fx[512];
    xlat_x86_init_fx(fx);
    if (vm_cpu_set_fx(c->fd, fx) < 0)
        return viv_fail(err, errno, "KVM_SET_XSAVE");
    if (vm_cpu_set_fs(c->fd, fs) < 0)
        return viv_fail(err, errno, "load the thread's FS base");
    return 0;
}

static void *vcpu_thread(void *arg)
{
    struct vm_vcpu *c = arg;
    struct vm_instance *v = c->v;
    c->host_tid = gettid();
    xlat_thread_attach(c->thread, c);
    /* The shim answers gettid from this vCPU's data page: the host tid, as the personality's
     * gettid does for every thread but the first. */
    vm_shim_set_ids(v, c, xlat_thread_guest_tid(c->thread));
    struct viv_error err = {0};
    int status = vm_vcpu_loop(c, &err);
    if (v->forked)
        /* fork from this thread: in the child it is the process's only one. */
        vm_child_exit(v, status, &err);
    if (status < 0) {
        pthread_mutex_lock(&v->lock);
        if (!v->thread_failed) {
            v->thread_failed = true;
            v->thread_err = err;
        }
        pthread_mutex_unlock(&v->lock);
        vm_set_killed(v, SIGKILL);
        xlat_proc_stop_others(c->thread);
    }
    /* The vCPU stays (its slot too) until the process ends: KVM cannot destroy one vCPU of a
     * VM, and its fd keeps it whether or not it is closed. */
    struct xlat_thread *t = c->thread;
    pthread_mutex_lock(&v->lock);
    c->thread = NULL;
    __atomic_store_n(&c->host_tid, -1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&v->lock);
    xlat_thread_leave(t);
    return NULL;
}

int vm_thread_spawn(void *ctx, struct xlat_thread *child, const struct xlat_regs *regs)
{
    struct vm_instance *v = ctx;
    uint64_t n0 = vm_ioctl_count_here(), pt0 = v->mem.pt_next;
    struct vm_vcpu *c = NULL;
    /* A vCPU whose thread has left is taken again: its slot and KVM's vCPU are free. */
    pthread_mutex_lock(&v->lock);
    for (struct vm_vcpu *o = v->main.next; o; o = o->next)
        if (o->fd >= 0 && !o->thread && __atomic_load_n(&o->host_tid, __ATOMIC_ACQUIRE) == -1) {
            c = o;
            break;
        }
    if (c)
        c->host_tid = 0;
    pthread_mutex_unlock(&v->lock);
    if (c)
        vm_regs_stale(c); /* vm_cpu_setup sets them again by ioctl */
    struct viv_error err = {0};
    if (!c) {
        int slot = take_slot(v);
        if (slot < 0)
            return -EAGAIN;
        c = viv_xcalloc(1, sizeof(*c));
        c->v = v;
        c->fd = -1;
        c->slot = (unsigned)slot;
        if (vm_vcpu_create(v, c, &err) < 0) {
            viv_trace(VIV_TRACE_VM, "vm", "thread: %s", err.msg);
            if (c->run)
                munmap(c->run, c->run_size);
            if (c->fd >= 0)
                close(c->fd);
            free(c);
            pthread_mutex_lock(&v->lock);
            v->slots &= ~(1u << slot);
            pthread_mutex_unlock(&v->lock);
            return -EAGAIN;
        }
        xlat_proc_reserve_fd(v->proc, c->fd);
        pthread_mutex_lock(&v->lock);
        c->next = v->main.next;
        v->main.next = c;
        pthread_mutex_unlock(&v->lock);
    } else if (vm_cpu_setup(v->kvm, c->fd, &v->mem, c->slot, &err) < 0) {
        viv_trace(VIV_TRACE_VM, "vm", "thread: %s", err.msg);
        c->host_tid = -1;
        return -EAGAIN;
    }
    c->thread = child;
    c->resume_past_out = false;
    if (start_regs(c, regs, xlat_thread_fs_base(child), &err) < 0) {
        viv_trace(VIV_TRACE_VM, "vm", "thread: %s", err.msg);
        c->thread = NULL;
        c->host_tid = -1;
        return -EAGAIN;
    }
    int rc = xlat_host_thread_start(vcpu_thread, c);
    if (rc < 0) {
        c->thread = NULL;
        c->host_tid = -1;
        return rc;
    }
    uint64_t n = vm_ioctl_count_here() - n0;
    uint64_t pt = (v->mem.pt_next - pt0) / VM_PAGE;
    __atomic_add_fetch(&v->run_st->threads, 1, __ATOMIC_RELAXED);
    __atomic_add_fetch(&v->run_st->thread_ioctls, n, __ATOMIC_RELAXED);
    __atomic_add_fetch(&v->run_st->thread_pt_pages, pt, __ATOMIC_RELAXED);
    /* The bench reads this line (tests/bench/vm.sh): the new vCPU enters ring 3 through its
     * shim's flush path, without an exit; the clone's own hypercall is the one exit. */
    viv_trace(VIV_TRACE_VM, "vm",
              "thread start: vCPU %u, %llu KVM ioctls, 1 exit, %llu page-table pages", c->slot,
              (unsigned long long)n, (unsigned long long)pt);
    return 0;
}

void vm_vcpu_kick(struct vm_vcpu *c)
{
    if (c->run)
        __atomic_store_n(&c->run->immediate_exit, 1, __ATOMIC_RELEASE);
    pid_t tid = __atomic_load_n(&c->host_tid, __ATOMIC_ACQUIRE);
    if (tid > 0)
        tgkill(getpid(), tid, XLAT_KICK_SIGNAL);
}
