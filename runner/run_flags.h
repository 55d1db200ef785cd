/* run_flags.h: `viv run`'s command line: flags, environment, binds and ids as parsed. */
#ifndef VIV_RUN_FLAGS_H
#define VIV_RUN_FLAGS_H

#include "runner.h"
#include "sandbox.h"

struct run_flags {
    struct viv_strv env; /* -e and --env-file, in order */
    struct viv_bind *binds;
    size_t nbinds;
    const char *workdir, *user, *hostname, *network, *entrypoint, *mode;
    const char *memory, *cpus, *pids, *timeout;
    bool read_only, best_effort, unconfined, interactive, tty;
    int stats; /* 0 off, 1 text, 2 json */
};

/* Parse options up to the first operand. Returns 0 (optind at IMAGE), 1 after --help, -1 on a
 * usage error (cli->err filled). */
int run_parse_flags(struct viv_cli *cli, int argc, char **argv, struct run_flags *f);
void run_flags_free(struct run_flags *f);

void run_strv_push(struct viv_strv *v, char *s);
void run_strv_free(struct viv_strv *v);
/* Set K=V in env, replacing an earlier K. */
void run_env_set(struct viv_strv *env, const char *kv);
bool run_env_has(const struct viv_strv *env, const char *key);
/* A decimal number below 2^32-1. */
int run_parse_count(const char *text, uint32_t *v);
/* "UID[:GID]", numeric; as root the ids must be within the mapped 0-65535. */
int run_parse_user(const char *text, bool rootless, uid_t *uid, gid_t *gid, struct viv_error *err);

#endif
