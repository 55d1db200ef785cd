/* vm_shim.c: where the ring-0 shim's bytes (shim.S, linked into viv as data) and its entry
 * points are. */
#include "vmcore.h"

#include <string.h>

extern const uint8_t vm_shim_code[], vm_shim_end[];

void vm_shim_get(struct vm_shim *s)
{
    uint64_t hdr[5 + VM_SHIM_MAX_FAST];
    memcpy(hdr, vm_shim_code, 5 * sizeof(uint64_t));
    s->nfast = hdr[4] < VM_SHIM_MAX_FAST ? (unsigned)hdr[4] : VM_SHIM_MAX_FAST;
    memcpy(s->fast_nr, vm_shim_code + 5 * sizeof(uint64_t), s->nfast * sizeof(uint64_t));
    s->code = vm_shim_code;
    s->size = (size_t)(vm_shim_end - vm_shim_code);
    s->start = hdr[0];
    s->syscall = hdr[1];
    s->faults = hdr[2];
    s->flush = hdr[3];
}
