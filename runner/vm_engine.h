/* vm_engine.h: `viv run --mode vm`: an instance as one program in a KVM micro-VM. */
#ifndef VIV_RUNNER_VM_ENGINE_H
#define VIV_RUNNER_VM_ENGINE_H

#include "sandbox.h"

#include <jansson.h>
#include <stdio.h>

/* Why vm mode cannot run an image of this manifest, or NULL (whether this host's KVM can is
 * found out by vm_engine_run, which says so in one line). */
struct viv_manifest;
const char *vm_engine_check(const struct viv_manifest *m);
/* Why this host's KVM cannot run vm mode, or NULL: what auto asks before it picks vm. */
const char *vm_engine_host_check(void);
/* As sandbox_run: the guest's status, 128+N for a fault signal N, 126/127 with err filled when
 * the program cannot run, -1 with err filled when viv fails (KVM unusable included). */
int vm_engine_run(const struct viv_sandbox_config *cfg, struct viv_run_stats *st,
                  struct viv_error *err);

/* The vm part of --stats: VM exits by reason, KVM ioctls, system calls served by name. json: a
 * ,"vm":{...} member to append to the report's object; else text lines. */
struct vm_stats;
void vm_engine_stats_print(FILE *out, const struct vm_stats *vs);
json_t *vm_engine_stats_json(const struct vm_stats *vs);

#endif
