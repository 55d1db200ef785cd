/* vm_fault.c: which signal an exception raised by the guest's ring 3 becomes, as on Linux. */
#include "vmcore.h"

#include <signal.h>

/* Vector names from AMD64 APM vol. 2, 8.2 "Vectors"; signals from Linux's
 * arch/x86/kernel/traps.c (do_error_trap, exc_general_protection, exc_page_fault). */
static const struct {
    const char *name;
    int sig;
} vectors[32] = {
    [0] = {"#DE divide error", SIGFPE},
    [1] = {"#DB debug", SIGTRAP},
    [2] = {"NMI", SIGSEGV},
    [3] = {"#BP breakpoint", SIGTRAP},
    [4] = {"#OF overflow", SIGSEGV},
    [5] = {"#BR bound range", SIGSEGV},
    [6] = {"#UD invalid opcode", SIGILL},
    [7] = {"#NM device not available", SIGFPE},
    [8] = {"#DF double fault", SIGSEGV},
    [10] = {"#TS invalid TSS", SIGSEGV},
    [11] = {"#NP segment not present", SIGBUS},
    [12] = {"#SS stack fault", SIGBUS},
    [13] = {"#GP general protection", SIGSEGV},
    [14] = {"#PF page fault", SIGSEGV},
    [16] = {"#MF x87 floating point", SIGFPE},
    [17] = {"#AC alignment check", SIGBUS},
    [18] = {"#MC machine check", SIGBUS},
    [19] = {"#XF SIMD floating point", SIGFPE},
    [21] = {"#CP control protection", SIGSEGV},
};

int vm_fault_signal(unsigned vec)
{
    if (vec < 32 && vectors[vec].sig)
        return vectors[vec].sig;
    return SIGSEGV;
}

const char *vm_fault_name(unsigned vec)
{
    if (vec < 32 && vectors[vec].name)
        return vectors[vec].name;
    return "reserved vector";
}
