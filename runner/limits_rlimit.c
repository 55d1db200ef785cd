/* limits_rlimit.c: the limits that rlimits can enforce, applied in the instance before the guest
 * runs. A hard limit only ever goes down here: nobody in the instance can raise it again, and
 * viv itself could not either (it may lack CAP_SYS_RESOURCE, even as root). */
#include "sandbox.h"

#include <errno.h>
#include <sys/resource.h>

int limits_apply_rlimits(const struct viv_limits_plan *plan, struct viv_error *err)
{
    if (!plan || !plan->nproc_rlimit)
        return 0;
    struct rlimit cur;
    if (getrlimit(RLIMIT_NPROC, &cur) < 0)
        return viv_fail(err, errno, "--pids-limit: getrlimit RLIMIT_NPROC");
    rlim_t want = (rlim_t)plan->nproc;
    /* An existing hard limit below the request already enforces it. */
    if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < want)
        want = cur.rlim_max;
    struct rlimit nl = {.rlim_cur = want, .rlim_max = want};
    if (setrlimit(RLIMIT_NPROC, &nl) < 0)
        return viv_fail(err, errno, "--pids-limit: setrlimit RLIMIT_NPROC %llu",
                        (unsigned long long)want);
    return 0;
}

int limits_apply_ulimits(const struct viv_sandbox_config *cfg, const struct viv_limits_plan *plan,
                         struct viv_error *err)
{
    bool nofile = false;
    for (size_t i = 0; i < cfg->nulimits; i++) {
        const struct viv_ulimit *u = &cfg->ulimits[i];
        struct rlimit rl = {.rlim_cur = (rlim_t)u->soft, .rlim_max = (rlim_t)u->hard};
        nofile |= u->resource == RLIMIT_NOFILE;
        /* --pids-limit through RLIMIT_NPROC and --ulimit nproc: the lower one holds. */
        if (u->resource == RLIMIT_NPROC && plan && plan->nproc_rlimit) {
            struct rlimit now;
            if (getrlimit(RLIMIT_NPROC, &now) == 0 && rl.rlim_max > now.rlim_max)
                rl.rlim_max = now.rlim_max;
            if (rl.rlim_cur > rl.rlim_max)
                rl.rlim_cur = rl.rlim_max;
        }
        if (setrlimit(u->resource, &rl) < 0)
            return viv_fail(err, errno, "--ulimit %s", u->name);
    }
    /* As podman and docker do: open files up to the hard limit, not a login shell's 1024. */
    struct rlimit files;
    if (!nofile && getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        setrlimit(RLIMIT_NOFILE, &files);
    }
    return 0;
}
