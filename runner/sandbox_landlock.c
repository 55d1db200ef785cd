/* sandbox_landlock.c: where namespaces cannot be had, the kernel's Landlock LSM still keeps a
 * process's file access to one folder, read-only: the wall around vm mode's VMM without a mount
 * namespace, so that a guest can neither write into the catalog's checkout nor open anything
 * outside it, whatever path the VMM's own code would let through. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Rights that later ABI versions added (include/uapi/linux/landlock.h); older headers lack them. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

/* Every filesystem right ABI version abi knows: the ones we handle, so that each is denied
 * unless a rule grants it. Device ioctls (ABI 5) are left alone: /dev/kvm is already open. */
static uint64_t handled_rights(int abi)
{
    uint64_t all = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0 to 12 */
    if (abi >= 2)
        all |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        all |= LANDLOCK_ACCESS_FS_TRUNCATE;
    return all;
}

int sandbox_landlock_read_only(const char *root, struct viv_error *err)
{
    int abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 0)
        return viv_fail(err, 0,
                        "no namespaces and no Landlock here (%s): nothing would keep the guest "
                        "from writing into the image",
                        errno == EOPNOTSUPP ? "disabled at boot: add landlock to lsm=" : "not in "
                                                                                         "this kernel");
    struct landlock_ruleset_attr attr = {.handled_access_fs = handled_rights(abi)};
    int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
    if (rs < 0)
        return viv_fail(err, errno, "landlock: create a ruleset");
    int dir = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) {
        int e = errno;
        close(rs);
        return viv_fail(err, e, "%s", root);
    }
    struct landlock_path_beneath_attr ro = {
        .allowed_access = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |
                          LANDLOCK_ACCESS_FS_EXECUTE,
        .parent_fd = dir,
    };
    int r = (int)syscall(SYS_landlock_add_rule, rs, LANDLOCK_RULE_PATH_BENEATH, &ro, 0);
    int e = errno;
    close(dir);
    /* landlock_restrict_self needs no_new_privs (or CAP_SYS_ADMIN); the caller has set it. */
    if (r == 0) {
        r = (int)syscall(SYS_landlock_restrict_self, rs, 0);
        e = errno;
    }
    close(rs);
    if (r < 0)
        return viv_fail(err, e, "landlock: confine to %s", root);
    return 0;
}
