/* syscall-xlat: the guest Linux personality; today the system calls native mode traps and
 * emulates for a guest that otherwise runs on the host kernel. */
#ifndef VIV_SYSCALL_XLAT_H
#define VIV_SYSCALL_XLAT_H

#include "base/base.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* ---- trap-and-emulate for native mode (trap.c, trap_chown.c) ----
 *
 * The sandbox's seccomp policy sends the calls below to a user-notification listener
 * (SECCOMP_RET_USER_NOTIF). The supervisor owns the listener fd and calls xlat_trap_serve()
 * whenever it is readable. Handlers either emulate the call and answer for the kernel, or let it
 * proceed unchanged (SECCOMP_USER_NOTIF_FLAG_CONTINUE) when the kernel would do the right thing;
 * they never act on memory or paths of the guest without checking that the notification is still
 * live (SECCOMP_IOCTL_NOTIF_ID_VALID), since the guest thread may have died and its pid been
 * reused. */

/* What the user namespace of the guest maps, which decides which calls need emulating. */
struct xlat_trap_config {
    bool rootless; /* only one uid and one gid are mapped */
    uid_t mapped_uid; /* the guest-side ids that exist when rootless */
    gid_t mapped_gid;
};

struct xlat_trap; /* opaque */

/* Host syscall numbers the policy must trap for this configuration; *n gets the count. */
const int *xlat_trap_syscalls(const struct xlat_trap_config *cfg, size_t *n);

/* Take ownership of a listener fd. */
int xlat_trap_open(int notify_fd, const struct xlat_trap_config *cfg, struct xlat_trap **out,
                   struct viv_error *err);
/* Receive and answer one notification. A guest that vanished mid-call is not an error. */
int xlat_trap_serve(struct xlat_trap *t, struct viv_error *err);
int xlat_trap_fd(const struct xlat_trap *t);
/* Calls trapped so far, and how many of them were emulated rather than continued. */
uint64_t xlat_trap_count(const struct xlat_trap *t);
uint64_t xlat_trap_emulated(const struct xlat_trap *t);
void xlat_trap_close(struct xlat_trap *t);

#endif
