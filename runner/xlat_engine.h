/* xlat_engine.h: run a foreign-ISA Linux program in this process through the translator. */
#ifndef VIV_RUNNER_XLAT_ENGINE_H
#define VIV_RUNNER_XLAT_ENGINE_H

#include "base/base.h"

struct xlat_engine_config {
    const char *program; /* host path of the riscv64 ELF, opened as given */
    char *const *argv;   /* the guest's argv; argv[0] is what it sees as its name */
    char *const *envp;
    /* The guest's "/": every path it names resolves inside (RESOLVE_IN_ROOT). "/" for the
     * host's filesystem (viv exec), the appliance root for an instance. */
    const char *root;
    /* NULL, or a folder that supplies the dynamic linker and is tried first for absolute paths
     * (qemu-user's -L). Without one the interpreter is looked up in root. */
    const char *sysroot;
};

/* Load and run the program until the guest exits. Returns the guest's exit status, or 128+N
 * when a signal N killed it, with *killed_by = N (else 0) so that the caller can die of the same
 * signal once its output is flushed. On failure returns -1 with err filled and *fail_status the
 * container-convention status: 127 program or interpreter not found, 126 not loadable, 125
 * viv's own failure. */
int xlat_engine_run(const struct xlat_engine_config *cfg, int *killed_by, int *fail_status,
                    struct viv_error *err);

/* Mode xlat of `viv run` (run_xlat.c): why this engine cannot run an image of manifest m (NULL
 * when it can), and the run itself, in native mode's sandbox. */
struct viv_manifest;
struct viv_sandbox_config;
struct viv_run_stats;
const char *xlat_engine_check(const struct viv_manifest *m);
int xlat_engine_sandboxed(const struct viv_sandbox_config *cfg, struct viv_run_stats *st,
                          struct viv_error *err);

#endif
