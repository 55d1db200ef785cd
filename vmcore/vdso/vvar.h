/* vvar.h: the page the VMM writes just below the guest's vDSO, and the vDSO reads: how to turn
 * the guest's TSC into the host's clocks. Shared by the guest's vdso.c and the VMM's vm_vdso.c. */
#ifndef VIV_VMCORE_VVAR_H
#define VIV_VMCORE_VVAR_H

#include <stdint.h>

struct vm_vvar {
    uint64_t tsc0;     /* the guest's TSC at the instant the two clocks below were read */
    uint64_t real_ns0; /* CLOCK_REALTIME then, in nanoseconds */
    uint64_t mono_ns0; /* CLOCK_MONOTONIC then */
    uint64_t mult;     /* nanoseconds = ticks * mult >> shift */
    uint32_t shift;
    uint32_t ready;    /* 0: no parameters (a TSC of unknown rate): every call goes to the host */
};

#endif
