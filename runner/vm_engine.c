/* vm_engine.c: `viv run --mode vm`: the run configuration handed to vmcore, and its result
 * handed back in the container convention. */
#include "vm_engine.h"

#include "appliance-fmt/appliance.h"
#include "runner.h"
#include "vmcore/vmcore.h"

#include <string.h>
#include <time.h>

const char *vm_engine_check(const struct viv_manifest *m)
{
    /* The guest runs on the host CPU: only images of its own ISA. */
    return m->arch == VIV_ARCH_X86_64 ? NULL : "it needs an x86_64 image";
}

int vm_engine_run(const struct viv_sandbox_config *cfg, struct viv_run_stats *st,
                  struct viv_error *err)
{
    memset(st, 0, sizeof(*st));
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct vm_config vc = {
        .root = cfg->rootfs,
        .argv = cfg->argv,
        .envp = cfg->envp,
        .workdir = cfg->workdir,
        .hostname = cfg->hostname,
        .memory = cfg->memory,
    };
    struct vm_stats vs;
    int fail_status;
    int status = vm_run(&vc, &vs, &fail_status, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    st->wall_ns = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec));
    st->trapped = vs.syscalls;
    viv_trace(VIV_TRACE_VM, "vm",
              "exits: %llu io, %llu hlt, %llu shutdown, %llu interrupted; %llu syscalls, %llu "
              "unimplemented, %llu faults",
              (unsigned long long)vs.exits[VM_EXIT_IO], (unsigned long long)vs.exits[VM_EXIT_HLT],
              (unsigned long long)vs.exits[VM_EXIT_SHUTDOWN],
              (unsigned long long)vs.exits[VM_EXIT_INTR], (unsigned long long)vs.syscalls,
              (unsigned long long)vs.unimplemented, (unsigned long long)vs.faults);
    if (status < 0 && fail_status != VIV_EXIT_FAIL) {
        st->status = fail_status;
        return fail_status; /* err says why; the caller prints it */
    }
    st->status = status;
    return status;
}
