/* run_xlat.c: mode xlat of `viv run`: the translator runs the guest inside the same sandbox as
 * native mode, in the place where native mode would exec the entrypoint. */
#include "appliance-fmt/appliance.h"
#include "sandbox.h"
#include "xlat_engine.h"

#include <stdio.h>

const char *xlat_engine_check(const struct viv_manifest *m)
{
    /* The interpreter and the system-call personality exist for riscv64 only so far. */
    return m->arch == VIV_ARCH_RISCV64 ? NULL : "only riscv64 images can be translated";
}

static int xlat_main(const struct viv_sandbox_config *cfg, const char *prog, struct viv_error *err)
{
    /* After pivot_root the appliance root is "/": the guest's paths resolve inside it. */
    struct xlat_engine_config xc = {
        .program = prog,
        .argv = cfg->argv,
        .envp = cfg->envp,
        .root = "/",
    };
    int killed_by = 0, fail_status = 125;
    int status = xlat_engine_run(&xc, &killed_by, &fail_status, err);
    if (status < 0)
        return fail_status;
    fflush(NULL);
    if (killed_by)
        status = viv_die_of_signal(killed_by);
    _exit(status);
}

int xlat_engine_sandboxed(const struct viv_sandbox_config *cfg, struct viv_run_stats *st,
                          struct viv_error *err)
{
    struct viv_sandbox_config c = *cfg;
    c.engine_main = xlat_main;
    return sandbox_run(&c, st, err);
}
