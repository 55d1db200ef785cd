/* trap_internal.h: what the trap dispatcher shares with the per-family handlers. */
#ifndef VIV_XLAT_TRAP_INTERNAL_H
#define VIV_XLAT_TRAP_INTERNAL_H

#include "syscall-xlat.h"

#include <linux/seccomp.h>

/* One trapped call being answered. */
struct xlat_call {
    int notify_fd;
    const struct seccomp_notif *req;
    const struct xlat_trap_config *cfg;
};

/* What a handler decided: continue the call in the kernel, or answer it with val/-error. */
struct xlat_answer {
    bool cont;
    int64_t val;
    int error; /* positive errno, 0 on success */
};

/* Read a NUL-terminated string of the guest at addr (at most len-1 bytes) through
 * /proc/PID/mem, checking after the open that the notification is still live. Returns 0 or a
 * positive errno for the guest (EFAULT, ENAMETOOLONG), -1 when the guest is gone. */
int xlat_read_guest_string(const struct xlat_call *c, uint64_t addr, char *buf, size_t len);
/* Is the notification still live (the thread still blocked in the call)? */
bool xlat_call_valid(const struct xlat_call *c);

/* Whether the trapped thread holds capability cap in its namespace (its CapEff): 1 or 0, or -1
 * when it is gone. */
int xlat_caller_has_cap(const struct xlat_call *c, int cap);

void xlat_handle_chown(const struct xlat_call *c, struct xlat_answer *a);
void xlat_handle_setid(const struct xlat_call *c, struct xlat_answer *a);

#endif
