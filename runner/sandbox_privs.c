/* sandbox_privs.c: the one point where the instance gives up privileges before the guest runs. */
#include "sandbox.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* What a root guest keeps. Every capability here is one of its user namespace, so it reaches only
 * objects that namespace owns or maps (its own files, processes, network namespace): enough for
 * a package manager or a daemon that drops privileges, nothing that touches the host. */
static const cap_value_t root_keeps[] = {
    CAP_CHOWN,        /* chown files of the image (package managers, tar -p) */
    CAP_DAC_OVERRIDE, /* root reads and writes any file of its image, as root expects */
    CAP_FOWNER,       /* chmod/utime files it does not own */
    CAP_FSETID,       /* keep setgid bits on its own directories */
    CAP_KILL,         /* signal its own processes of other uids */
    CAP_SETGID,       /* daemons and su switching to their service ids */
    CAP_SETUID,       CAP_NET_BIND_SERVICE, /* ports below 1024, in its own network namespace */
    CAP_SYS_CHROOT, /* chroot into a subtree of its own root (build tools do) */
};
/* Dropped even for root, among others: CAP_SYS_ADMIN (mount, namespaces: kernel surface that
 * the seccomp policy also refuses), CAP_NET_ADMIN and CAP_NET_RAW (network namespace
 * configuration, raw sockets), CAP_SYS_PTRACE, CAP_SETPCAP and CAP_SETFCAP (no file
 * capabilities to plant for a later exec), CAP_MKNOD, CAP_AUDIT_*, CAP_SYS_RESOURCE. */

static bool kept(cap_value_t c, bool root)
{
    if (!root)
        return false;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(root_keeps); i++)
        if (root_keeps[i] == c)
            return true;
    return false;
}

long sandbox_drop_bounding_set_raw(bool root, int *failed)
{
    /* Done before: a new user namespace starts with every capability in the bounding set, and
     * the first one root does not keep (every one for others) is dropped last, so its being out
     * means the whole drop went through. A drop that failed halfway is made again, and fails
     * where it did. */
    const int last = root ? CAP_DAC_READ_SEARCH : CAP_CHOWN;
    if (sandbox_sys(SYS_prctl, PR_CAPBSET_READ, last, 0, 0) == 0)
        return 0;
    /* Up to the running kernel's last, which may be past the one in our headers: the kernel
     * refuses the first number beyond it. */
    for (int c = 0; c < 64; c++) {
        long r = kept(c, root) || c == last ? 0 : sandbox_sys(SYS_prctl, PR_CAPBSET_DROP, c, 0, 0);
        if (r == -EINVAL)
            break;
        if (r < 0) {
            *failed = c;
            return r;
        }
    }
    long r = sandbox_sys(SYS_prctl, PR_CAPBSET_DROP, last, 0, 0);
    if (r < 0)
        *failed = last;
    return r < 0 ? r : 0;
}

int sandbox_drop_bounding_set(uid_t uid, struct viv_error *err)
{
    int c;
    long r = sandbox_drop_bounding_set_raw(uid == 0, &c);
    return r < 0 ? viv_fail(err, (int)-r, "drop capability %d from the bounding set", c) : 0;
}

bool sandbox_root_may_keep(int cap)
{
    return kept(cap, true);
}

void sandbox_root_keeps_names(char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < VIV_ARRAY_SIZE(root_keeps); i++) {
        char *name = cap_to_name(root_keeps[i]);
        size_t n = strlen(buf);
        /* "cap_chown": podman's spelling is "CHOWN". */
        snprintf(buf + n, len - n, "%s%s", i ? ", " : "", name ? name + 4 : "?");
        for (char *p = buf + n; *p; p++)
            *p = (char)toupper((unsigned char)*p);
        cap_free(name);
    }
}

int sandbox_drop_privileges(const struct viv_sandbox_config *cfg, struct viv_error *err)
{
    uid_t uid = cfg->uid;
    gid_t gid = cfg->gid;
    bool root = uid == 0;
    /* 1. The bounding set, while we still hold CAP_SETPCAP: no exec can ever regain a dropped
     *    capability, setuid-root binaries included. */
    if (sandbox_drop_bounding_set(uid, err) < 0)
        return -1;
    cap_value_t keep[VIV_ARRAY_SIZE(root_keeps)];
    int nkeep = 0;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(root_keeps); i++) {
        uint64_t bit = 1ull << root_keeps[i];
        if (!(cfg->cap_drop & bit) || (cfg->cap_add & bit))
            keep[nkeep++] = root_keeps[i];
        else if (prctl(PR_CAPBSET_DROP, root_keeps[i], 0, 0, 0) < 0)
            return viv_fail(err, errno, "--cap-drop: drop capability %d", (int)root_keeps[i]);
    }
    /* 2. Groups then ids. Rootless, setgroups(2) is denied in the namespace (that is what lets
     *    an unprivileged user write the gid map) and the caller's groups stay unmapped. */
    if (!cfg->rootless) {
        /* The primary group first, then the supplementary ones, as initgroups(3) leaves them. */
        _cleanup_free_ gid_t *list = viv_xcalloc(cfg->ngroups + 1, sizeof(*list));
        size_t n = 0;
        list[n++] = gid;
        for (size_t i = 0; i < cfg->ngroups; i++)
            if (cfg->groups[i] != gid)
                list[n++] = cfg->groups[i];
        if (setgroups(n, list) < 0)
            return viv_fail(err, errno, "setgroups");
    }
    if (setresgid(gid, gid, gid) < 0)
        return viv_fail(err, errno, "setresgid %u", (unsigned)gid);
    /* keepcaps off (the default): a non-root guest loses every capability here. */
    if (setresuid(uid, uid, uid) < 0)
        return viv_fail(err, errno, "setresuid %u", (unsigned)uid);
    /* 3. Effective, permitted and inheritable sets: exactly the allowlist for root, nothing for
     *    anyone else; no ambient capabilities. */
    cap_t caps = cap_init();
    if (!caps)
        return viv_fail(err, errno, "cap_init");
    if (root && nkeep) {
        cap_set_flag(caps, CAP_EFFECTIVE, nkeep, keep, CAP_SET);
        cap_set_flag(caps, CAP_PERMITTED, nkeep, keep, CAP_SET);
    }
    int rc = cap_set_proc(caps);
    int e = errno;
    cap_free(caps);
    if (rc < 0)
        return viv_fail(err, e, "set capabilities");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        return viv_fail(err, errno, "clear ambient capabilities");
    /* 4. no_new_privs: setuid/setgid bits and file capabilities give nothing on exec (the
     *    mounts are nosuid as well); it also lets the seccomp policy load without
     *    CAP_SYS_ADMIN. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return viv_fail(err, errno, "set no_new_privs");
    return 0;
}
