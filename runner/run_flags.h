/* run_flags.h: `viv run`'s command line: flags, environment, binds and ids as parsed. */
#ifndef VIV_RUN_FLAGS_H
#define VIV_RUN_FLAGS_H

#include "runner.h"
#include "sandbox.h"

struct run_flags {
    struct viv_strv env;      /* -e, in order */
    struct viv_strv env_file; /* --env-file's, in order: -e wins over them, as in podman */
    struct viv_strv group_add; /* --group-add's, in order */
    struct viv_bind *binds;
    size_t nbinds;
    const char *workdir, *user, *hostname, *network, *entrypoint, *mode;
    const char *memory, *cpus, *pids, *timeout;
    const char *layer; /* --layer: "memory" (the default) or "disk" */
    bool read_only, read_only_tmpfs, best_effort, unconfined, interactive, tty, init;
    bool env_host, http_proxy; /* the caller's environment, or its proxy variables, passed on */
    bool keep_id;              /* --userns=keep-id: the guest runs as the caller's ids */
    int stats; /* 0 off, 1 text, 2 json */
    struct viv_ulimit *ulimits;
    size_t nulimits;
    struct viv_strv argv_owned; /* argv's words rewritten by run_podman_argv */
    uint64_t cap_drop, cap_add; /* 1 << CAP_* */
    int umask;                  /* --umask: the guest's, 022 unless given */
    char *added_hosts;          /* --add-host's /etc/hosts lines, or NULL */
    bool add_host_gateway;      /* one named host-gateway, the host's own address */
};

/* Parse options up to the first operand. Returns 0 (optind at IMAGE), 1 after --help, -1 on a
 * usage error (cli->err filled). */
int run_parse_flags(struct viv_cli *cli, int argc, char **argv, struct run_flags *f);
void run_flags_free(struct run_flags *f);

/* A mount destination in the guest, checked and cleaned, or NULL (err filled) (run_flags.c). */
char *run_guest_mount_path(const struct run_flags *f, const char *flag, const char *arg,
                           const char *guest, struct viv_error *err);
void run_push_mount(struct run_flags *f, struct viv_bind b);
/* An option of -v's or --tmpfs's that is a flag of the mount (ro, noexec, noatime, ...), into
 * *attr, or a propagation (private is what every guest mount is; others are refused): 1 when it
 * was one, 0 when not, -1 with err naming flag and arg (run_tmpfs.c). */
int run_mount_option(const char *flag, const char *arg, const char *o, uint64_t *attr,
                     struct viv_error *err);
/* --tmpfs DIR[:OPTIONS] (run_tmpfs.c); and its parts, from flag's arg: the guest's path and
 * the comma-separated options (NULL: none). */
int run_add_tmpfs(struct run_flags *f, const char *arg, struct viv_error *err);
int run_add_tmpfs_at(struct run_flags *f, const char *flag, const char *arg, const char *guest,
                     const char *opts, struct viv_error *err);
/* -v's parts, from flag's arg: a bind of host at guest with -v's options (NULL: none). */
int run_add_bind_at(struct run_flags *f, const char *flag, const char *arg, const char *host,
                    const char *guest, const char *opts, struct viv_error *err);
/* --mount type=bind|tmpfs,... as podman takes it, in -v's and --tmpfs's terms (run_mount.c). */
int run_add_mount(struct run_flags *f, const char *arg, struct viv_error *err);

/* podman's spellings (run_podman.c): argv's short options written "-e=K=V" or "-i=false" made
 * getopt's ("-eK=V", "--interactive=false"), up to the image; new strings go to owned. */
void run_podman_argv(int argc, char **argv, const char *shorts, const struct option *opts,
                     struct viv_strv *owned);
/* Why podman's flag word (or short letter, when not 0) is not taken, or NULL. */
const char *run_podman_unsupported(const char *word, int letter);
/* --security-opt KEY[=VALUE]: what viv can honour taken, the rest refused with the reason. */
int run_security_opt(struct run_flags *f, const char *arg, struct viv_error *err);
/* --add-host NAME[;NAME...]:IP, a line of the instance's /etc/hosts (run_hosts.c). */
int run_add_host(struct run_flags *f, const char *arg, struct viv_error *err);
/* --userns: "" and keep-id (the caller's ids, rootless) taken, the rest refused. */
int run_userns(struct run_flags *f, const char *arg, struct viv_error *err);
/* --pull POLICY: never and missing, what viv does, taken; the others refused. */
int run_pull_policy(const char *arg, struct viv_error *err);
/* --shm-size SIZE: a tmpfs of that size at /dev/shm. */
int run_shm_size(struct run_flags *f, const char *arg, struct viv_error *err);

void run_strv_push(struct viv_strv *v, char *s);
void run_strv_free(struct viv_strv *v);
/* Set K=V in env, replacing an earlier K. */
void run_env_set(struct viv_strv *env, const char *kv);
bool run_env_has(const struct viv_strv *env, const char *key);
/* A decimal number below 2^32-1. */
int run_parse_count(const char *text, uint32_t *v);
/* Who the guest runs as (run_user.c). */
struct run_user {
    uid_t uid;
    gid_t gid;
    gid_t *groups; /* supplementary, from the image's /etc/group; NULL when none */
    size_t ngroups;
    char *home; /* the image's passwd entry's home directory, or NULL */
    /* A uid the image's /etc/passwd has no entry for: that file with one added for it, as podman
     * adds one ("container user", home /), so that getpwuid (git, ssh, Python) finds the user;
     * else NULL. */
    char *passwd;
};
/* Resolve --user USER[:GROUP] (spec NULL: root) as podman does: names through the image's own
 * /etc/passwd and /etc/group under rootfs, numbers as they are (a uid without an entry keeps its
 * own number as gid); supplementary groups only for USER without GROUP. As root the ids must be
 * within the mapped 0-65535. what names spec's source in errors ("--user"). */
int run_resolve_user(const char *rootfs, const char *spec, const char *what, bool rootless,
                     struct run_user *u, struct viv_error *err);
/* --group-add's groups (names through the image's /etc/group, numbers as they are) after u's
 * supplementary ones. Rootless only keep-groups, what such a run does anyway. */
int run_add_groups(const char *rootfs, const struct viv_strv *groups, bool rootless,
                   struct run_user *u, struct viv_error *err);
void run_user_free(struct run_user *u);
/* openat2 of path inside rootfs (RESOLVE_IN_ROOT, no magic links), O_CLOEXEC added; -1 with
 * errno. */
int run_open_in_root(const char *rootfs, const char *path, int flags);
/* TERM for a guest whose image and -e give none (run_term.c): the caller's under -t where the
 * image has a terminfo entry for it, else xterm. */
const char *run_term(const char *rootfs, bool tty);

#endif
