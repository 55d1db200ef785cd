/* vm_shim.c: where the ring-0 shim's bytes (shim.S, linked into viv as data) and its entry
 * points are. */
#include "vmcore.h"

#include <string.h>

extern const uint8_t vm_shim_code[], vm_shim_end[];

enum { HDR_RESUME = 4, HDR_NFAST = HDR_RESUME + 3 * VM_SHIM_RESUMES, HDR_FAST };

void vm_shim_get(struct vm_shim *s)
{
    uint64_t hdr[HDR_FAST];
    memcpy(hdr, vm_shim_code, sizeof(hdr));
    memcpy(s->resume, hdr + HDR_RESUME, sizeof(s->resume));
    s->nfast = hdr[HDR_NFAST] < VM_SHIM_MAX_FAST ? (unsigned)hdr[HDR_NFAST] : VM_SHIM_MAX_FAST;
    memcpy(s->fast_nr, vm_shim_code + sizeof(hdr), s->nfast * sizeof(uint64_t));
    s->code = vm_shim_code;
    s->size = (size_t)(vm_shim_end - vm_shim_code);
    s->start = hdr[0];
    s->syscall = hdr[1];
    s->faults = hdr[2];
    s->flush = hdr[3];
}

uint64_t vm_shim_resume_at(const struct vm_shim *s, uint64_t off)
{
    for (unsigned i = 0; i < VM_SHIM_RESUMES; i++)
        if (off >= s->resume[i][0] && off < s->resume[i][1])
            return s->resume[i][2];
    return off;
}
