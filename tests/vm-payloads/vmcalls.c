/* vmcalls.c: tests/riscv/calls.c as a vm-mode payload: the same calls and lines, compared with a
 * native instance's, whose sandbox limits locking memory as the VM's does. */
#define CALLS_IN_SANDBOX 1
#include "../riscv/calls.c"
