/* vm_shim_state.c: the state behind the system calls the shim answers without an exit: what
 * the VMM writes for it to answer (ids, credentials), what it records for the personality (the
 * clear-tid address, the robust list), its counters, and the flag that makes it exit for a
 * signal that came while the vCPU was in ring 0. */
#include "vm_internal.h"

#include <string.h>
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
    set_creds(data);
}

void vm_shim_take_records(struct vm_vcpu *c)
{
    uint8_t *data = data_page(c->v, c->slot);
    uint8_t sync = data[VM_DATA_SYNC];
    if (!sync || !c->thread)
        return;
    data[VM_DATA_SYNC] = 0;
    /* The calls themselves, made again: the personality keeps its state one way. */
    if (sync & 1) {
        uint64_t a[6] = {get64(data, VM_DATA_CLEAR_TID)};
        xlat_thread_replay(c->thread, NR_SET_TID_ADDRESS, a);
    }
    if (sync & 2) {
        uint64_t a[6] = {get64(data, VM_DATA_ROBUST), 24};
        xlat_thread_replay(c->thread, NR_SET_ROBUST_LIST, a);
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
    default:
        break;
    }
}

void vm_shim_kick(struct vm_vcpu *c, bool on)
{
    data_page(c->v, c->slot)[VM_DATA_KICK] = on;
}

void vm_shim_count(struct vm_instance *v)
{
    struct vm_shim shim;
    vm_shim_get(&shim);
    for (unsigned slot = 0; slot < VM_MAX_VCPUS; slot++) {
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
    for (unsigned slot = 0; slot < VM_MAX_VCPUS; slot++) {
        uint8_t *at = data_page(v, slot) + VM_DATA_COUNTS;
        static const uint8_t zero[8 * VM_SHIM_MAX_FAST];
        if (memcmp(at, zero, sizeof(zero)))
            memset(at, 0, sizeof(zero));
    }
}
