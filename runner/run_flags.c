/* run_flags.c: parsing `viv run`'s flags: -e/--env-file, -v binds, --user and the rest. */
#include "run_flags.h"

#include <ctype.h>
#include <errno.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <strings.h>
#include <sys/capability.h>

enum {
    OPT_ENV_FILE = 256,
    OPT_HOSTNAME,
    OPT_READ_ONLY,
    OPT_NETWORK,
    OPT_MEMORY,
    OPT_CPUS,
    OPT_PIDS,
    OPT_LIMITS,
    OPT_TIMEOUT,
    OPT_RM,
    OPT_ENTRYPOINT,
    OPT_MODE,
    OPT_SECCOMP,
    OPT_STATS,
    OPT_VERBOSE,
    OPT_UMASK,
    OPT_INIT,
    OPT_READ_ONLY_TMPFS,
    OPT_INTERACTIVE,
    OPT_TTY,
    OPT_TMPFS,
    OPT_ULIMIT,
    OPT_CAP_DROP,
    OPT_CAP_ADD,
    OPT_GROUP_ADD,
    OPT_MOUNT,
    OPT_SECURITY_OPT,
    OPT_SHM_SIZE,
    OPT_ADD_HOST,
    OPT_PULL,
    OPT_ENV_HOST,
    OPT_HTTP_PROXY,
    OPT_USERNS,
    OPT_LAYER,
};

void run_strv_push(struct viv_strv *v, char *s)
{
    v->v = viv_xrealloc(v->v, (v->n + 2) * sizeof(char *));
    v->v[v->n++] = s;
    v->v[v->n] = NULL;
}

void run_strv_free(struct viv_strv *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->v[i]);
    free(v->v);
    v->v = NULL;
    v->n = 0;
}

/* Set K=V, replacing an earlier K. */
void run_env_set(struct viv_strv *env, const char *kv)
{
    size_t k = strcspn(kv, "=");
    for (size_t i = 0; i < env->n; i++) {
        if (strncmp(env->v[i], kv, k) == 0 && env->v[i][k] == '=') {
            free(env->v[i]);
            env->v[i] = viv_xstrdup(kv);
            return;
        }
    }
    run_strv_push(env, viv_xstrdup(kv));
}

bool run_env_has(const struct viv_strv *env, const char *key)
{
    size_t k = strlen(key);
    for (size_t i = 0; i < env->n; i++)
        if (strncmp(env->v[i], key, k) == 0 && env->v[i][k] == '=')
            return true;
    return false;
}

/* "-e K=V", or "-e K" to pass the caller's K on (as podman does; absent K is left out). */
static int add_env(struct viv_strv *to, const char *arg, struct viv_error *err)
{
    size_t k = strcspn(arg, "=");
    if (k == 0)
        return viv_fail(err, 0, "-e '%s': the variable needs a name", arg);
    /* "export A=1" or "A B=1" from a shell script mistaken for an env file. */
    if (strcspn(arg, " \t") < k)
        return viv_fail(err, 0, "-e '%.*s': a variable's name has no blanks", (int)k, arg);
    if (arg[k] == '=') {
        run_strv_push(to, viv_xstrdup(arg));
    } else {
        const char *v = getenv(arg);
        if (v)
            run_strv_push(to, viv_xasprintf("%s=%s", arg, v));
    }
    return 0;
}

static int read_env_file(struct run_flags *f, const char *path, struct viv_error *err)
{
    char *text = NULL;
    size_t len;
    if (viv_read_file(path, 1 << 20, &text, &len, err) < 0)
        return viv_wrap(err, "--env-file");
    if (strlen(text) != len) {
        free(text);
        return viv_fail(err, 0, "--env-file %s: holds a NUL byte", path);
    }
    int rc = 0, line = 0;
    char *save = NULL;
    for (char *l = strtok_r(text, "\n", &save); l && rc == 0; l = strtok_r(NULL, "\n", &save)) {
        line++;
        l[strcspn(l, "\r")] = '\0';
        while (*l == ' ' || *l == '\t')
            l++;
        if (!*l || *l == '#')
            continue;
        if (add_env(&f->env_file, l, err) < 0)
            rc = viv_wrap(err, "--env-file %s: line %d", path, line);
    }
    free(text);
    return rc;
}

static bool has_dotdot(const char *path)
{
    for (const char *p = path; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return true;
        p += n;
        while (*p == '/')
            p++;
    }
    return false;
}

/* A path in the guest that a mount may go at: absolute, not the root, without "..", so it can
 * only name something under the guest's root (symlinks in the image are resolved inside it);
 * not /proc, /dev or /sys, which are the sandbox's own (a tmpfs over /dev would leave the guest
 * without devices, one over /proc without its masks, and /sys is mounted after the binds); and
 * not a destination given before. Returned cleaned ("/a/./b//" is "/a/b"), or NULL. */
char *run_guest_mount_path(const struct run_flags *f, const char *flag, const char *arg,
                           const char *guest, struct viv_error *err)
{
    if (guest[0] != '/')
        return viv_fail(err, 0, "%s '%s': the guest path '%s' must be absolute", flag, arg, guest),
               NULL;
    if (has_dotdot(guest))
        return viv_fail(err, 0, "%s '%s': the guest path '%s' must not contain '..'", flag, arg,
                        guest),
               NULL;
    char *clean = viv_xstrdup(guest), *to = clean;
    for (const char *p = guest; *p;) {
        while (*p == '/')
            p++;
        size_t n = strcspn(p, "/");
        if (n && !(n == 1 && p[0] == '.')) {
            *to++ = '/';
            memmove(to, p, n);
            to += n;
        }
        p += n;
    }
    *to = '\0';
    const char *why = NULL;
    if (!clean[0])
        why = "the guest path must not be /";
    else if (strcmp(clean, "/proc") == 0 || strncmp(clean, "/proc/", 6) == 0 ||
             strcmp(clean, "/sys") == 0 || strncmp(clean, "/sys/", 5) == 0 ||
             strcmp(clean, "/dev") == 0)
        why = "/proc, /dev and /sys are the sandbox's own";
    for (size_t i = 0; !why && i < f->nbinds; i++)
        if (strcmp(f->binds[i].guest, clean) == 0)
            why = "a mount is there already (duplicate destination)";
    if (why) {
        viv_fail(err, 0, "%s '%s': %s", flag, arg, why);
        free(clean);
        return NULL;
    }
    return clean;
}

void run_push_mount(struct run_flags *f, struct viv_bind b)
{
    f->binds = viv_xrealloc(f->binds, (f->nbinds + 1) * sizeof(*f->binds));
    f->binds[f->nbinds++] = b;
}

/* Why -v does not take a podman option, or NULL. */
static const char *bind_option_refused(const char *o)
{
    if (strcmp(o, "dev") == 0)
        return "device nodes are not passed to the guest";
    if (strcmp(o, "U") == 0)
        return "viv does not change the owner of host files (rootless, the guest's root is you)";
    if (strcmp(o, "O") == 0)
        return "no overlay over host directories: :ro, or a --tmpfs to work in";
    if (strcmp(o, "idmap") == 0 || strncmp(o, "idmap=", 6) == 0)
        return "no id-mapped binds";
    static const char *const atime[] = {"noatime", "relatime",   "strictatime",
                                        "atime",   "nodiratime", "diratime"};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(atime); i++)
        if (strcmp(o, atime[i]) == 0)
            return "a bind keeps the host mount's access-time rules (the kernel locks them)";
    return NULL;
}

int run_add_bind_at(struct run_flags *f, const char *flag, const char *arg, const char *host,
                    const char *guest, const char *opts, struct viv_error *err)
{
    uint64_t attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    _cleanup_free_ char *list = viv_xstrdup(opts ? opts : "");
    for (char *save = NULL, *o = strtok_r(list, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
        const char *why = bind_option_refused(o);
        if (why)
            return viv_fail(err, 0, "%s '%s': %s is not supported: %s", flag, arg, o, why);
        int known = strcmp(o, "z") == 0 || strcmp(o, "Z") == 0 || strcmp(o, "bind") == 0 ||
                            strcmp(o, "rbind") == 0
                        ? 1
                        : run_mount_option(flag, arg, o, &attr, err);
        if (known < 0)
            return -1;
        if (!known)
            return viv_fail(err, 0,
                            "%s '%s': unknown option '%s' (ro, rw, noexec, exec, nosuid, "
                            "suid, nodev, private, rprivate, z, Z)",
                            flag, arg, o);
    }
    char *g = run_guest_mount_path(f, flag, arg, guest, err);
    if (!g)
        return -1;
    run_push_mount(
        f, (struct viv_bind){.flag = flag, .host = viv_xstrdup(host), .guest = g, .attr = attr});
    return 0;
}

/* HOST:GUEST[:OPTIONS], as podman takes it: ro, rw, the mount's flags (noexec, nosuid, nodev),
 * private propagation; z and Z (SELinux labels there; vivarium sets none) are accepted and mean
 * nothing here. nosuid and nodev unless told otherwise; dev never. GUEST is a path in the guest:
 * absolute and without "..", so it can only name something under the guest's root (symlinks in
 * the image are resolved inside it too). */
static int add_bind(struct run_flags *f, const char *arg, struct viv_error *err)
{
    _cleanup_free_ char *s = viv_xstrdup(arg);
    char *last = strrchr(s, ':');
    const char *opts = NULL;
    /* A last part that is no path, after HOST:GUEST: the options. */
    if (last && last[1] != '/' && memchr(s, ':', (size_t)(last - s))) {
        *last = '\0';
        opts = last + 1;
    }
    char *colon = strrchr(s, ':');
    if (!colon && s[0] == '/')
        return viv_fail(err, 0,
                        "-v '%s': expected HOST:GUEST[:OPTIONS] (no anonymous volumes: "
                        "--tmpfs %s gives the guest a scratch directory there)",
                        arg, s);
    if (!colon || colon == s || !colon[1])
        return viv_fail(err, 0, "-v '%s': expected HOST:GUEST[:OPTIONS]", arg);
    *colon = '\0';
    return run_add_bind_at(f, "-v", arg, s, colon + 1, opts, err);
}

int run_parse_count(const char *text, uint32_t *id)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || end == text || *end || v >= 0xffffffffu || text[0] == '-')
        return -1;
    *id = (uint32_t)v;
    return 0;
}

/* A limit: a number, "unlimited", or -1, podman's "as high as viv's own hard limit". */
static int ulimit_value(const char *v, int resource, uint64_t *out)
{
    struct rlimit own;
    if (strcmp(v, "-1") == 0 && getrlimit(resource, &own) == 0)
        return *out = own.rlim_max, 0;
    if (strcmp(v, "unlimited") == 0 || strcmp(v, "-1") == 0)
        return *out = RLIM_INFINITY, 0;
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-' || n >= RLIM_INFINITY)
        return -1;
    *out = n;
    return 0;
}

/* NAME=SOFT[:HARD], as podman takes it: HARD is SOFT when left out; "unlimited" is no limit, -1
 * viv's own hard limit; "host" is viv's own limits, what the guest has anyway. A later one of
 * the same NAME replaces an earlier. */
static int add_ulimit(struct run_flags *f, const char *arg, struct viv_error *err)
{
    if (strcmp(arg, "host") == 0)
        return 0; /* the guest has viv's own limits unless told otherwise */
    static const struct {
        char name[12];
        int resource;
    } names[] = {
        {"as", RLIMIT_AS},
        {"core", RLIMIT_CORE},
        {"cpu", RLIMIT_CPU},
        {"data", RLIMIT_DATA},
        {"fsize", RLIMIT_FSIZE},
        {"locks", RLIMIT_LOCKS},
        {"memlock", RLIMIT_MEMLOCK},
        {"msgqueue", RLIMIT_MSGQUEUE},
        {"nice", RLIMIT_NICE},
        {"nofile", RLIMIT_NOFILE},
        {"nproc", RLIMIT_NPROC},
        {"rss", RLIMIT_RSS},
        {"rtprio", RLIMIT_RTPRIO},
        {"rttime", RLIMIT_RTTIME},
        {"sigpending", RLIMIT_SIGPENDING},
        {"stack", RLIMIT_STACK},
    };
    size_t k = strcspn(arg, "=");
    size_t i = 0;
    while (i < VIV_ARRAY_SIZE(names) &&
           (strlen(names[i].name) != k || strncmp(arg, names[i].name, k) != 0))
        i++;
    if (i == VIV_ARRAY_SIZE(names))
        return viv_fail(err, 0,
                        "--ulimit '%s': unknown limit '%.*s' (as, core, cpu, data, "
                        "fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, "
                        "rtprio, rttime, sigpending, stack)",
                        arg, (int)k, arg);
    if (!arg[k])
        return viv_fail(err, 0, "--ulimit '%s': expected NAME=SOFT[:HARD]", arg);
    _cleanup_free_ char *v = viv_xstrdup(arg + k + 1);
    char *hard = strchr(v, ':');
    if (hard)
        *hard++ = '\0';
    struct viv_ulimit u = {.resource = names[i].resource, .name = names[i].name};
    if (ulimit_value(v, u.resource, &u.soft) < 0 ||
        ulimit_value(hard ? hard : v, u.resource, &u.hard) < 0)
        return viv_fail(err, 0, "--ulimit '%s': expected a number or unlimited", arg);
    if (u.soft > u.hard)
        return viv_fail(err, 0, "--ulimit '%s': the soft limit is above the hard one", arg);
    for (size_t j = 0; j < f->nulimits; j++)
        if (f->ulimits[j].resource == u.resource)
            return f->ulimits[j] = u, 0;
    f->ulimits = viv_xrealloc(f->ulimits, (f->nulimits + 1) * sizeof(*f->ulimits));
    f->ulimits[f->nulimits++] = u;
    return 0;
}

/* --cap-drop and --cap-add LIST, as podman takes them: names with or without CAP_, any case,
 * comma-separated, or ALL. A root guest keeps only a few capabilities of its own namespace: one
 * outside those cannot be added. */
static int add_caps(bool add, const char *arg, uint64_t *mask, struct viv_error *err)
{
    const char *flag = add ? "--cap-add" : "--cap-drop";
    _cleanup_free_ char *list = viv_xstrdup(arg);
    char *save = NULL;
    for (char *w = strtok_r(list, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
        if (strcasecmp(w, "all") == 0) {
            if (add) {
                char names[256];
                sandbox_root_keeps_names(names, sizeof(names));
                return viv_fail(err, 0,
                                "--cap-add ALL is not supported: a root guest can hold "
                                "only %s",
                                names);
            }
            *mask = ~0ull;
            continue;
        }
        _cleanup_free_ char *name =
            viv_xasprintf("%s%s", strncasecmp(w, "cap_", 4) ? "cap_" : "", w);
        for (char *p = name; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        cap_value_t cap;
        if (cap_from_name(name, &cap) < 0 || cap < 0 || cap > 63)
            return viv_fail(err, 0, "%s '%s': unknown capability '%s'", flag, arg, w);
        if (add && !sandbox_root_may_keep(cap)) {
            char names[256];
            sandbox_root_keeps_names(names, sizeof(names));
            return viv_fail(err, 0, "%s '%s': %s is not supported: a root guest can hold only %s",
                            flag, arg, w, names);
        }
        *mask |= 1ull << cap;
    }
    return 0;
}

/* A switch, "--rm", or with its value as podman takes it, "--rm=false". */
static int parse_bool(struct viv_cli *cli, const struct option *opts, int opt, const char *arg,
                      bool *out)
{
    static const char *const yes[] = {"true", "True", "TRUE", "t", "T", "1"};
    static const char *const no[] = {"false", "False", "FALSE", "f", "F", "0"};
    for (size_t i = 0; arg && i < VIV_ARRAY_SIZE(yes); i++) {
        if (strcmp(arg, yes[i]) == 0)
            arg = NULL;
        else if (strcmp(arg, no[i]) == 0)
            return *out = false, 0;
    }
    if (!arg)
        return *out = true, 0;
    const char *name = "";
    for (; opts->name && !name[0]; opts++)
        if (opts->val == opt)
            name = opts->name;
    return cli_usage_error(cli, "--%s='%s': expected true or false", name, arg), -1;
}

int run_parse_flags(struct viv_cli *cli, int argc, char **argv, struct run_flags *f)
{
    static const struct option opts[] = {
        CLI_HELP_OPTION,
        {"env", required_argument, NULL, 'e'},
        {"env-file", required_argument, NULL, OPT_ENV_FILE},
        {"volume", required_argument, NULL, 'v'},
        {"tmpfs", required_argument, NULL, OPT_TMPFS},
        {"ulimit", required_argument, NULL, OPT_ULIMIT},
        {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
        {"cap-add", required_argument, NULL, OPT_CAP_ADD},
        {"group-add", required_argument, NULL, OPT_GROUP_ADD},
        {"mount", required_argument, NULL, OPT_MOUNT},
        {"security-opt", required_argument, NULL, OPT_SECURITY_OPT},
        {"shm-size", required_argument, NULL, OPT_SHM_SIZE},
        {"add-host", required_argument, NULL, OPT_ADD_HOST},
        {"pull", required_argument, NULL, OPT_PULL},
        {"userns", required_argument, NULL, OPT_USERNS},
        {"layer", required_argument, NULL, OPT_LAYER},
        {"env-host", optional_argument, NULL, OPT_ENV_HOST},
        {"http-proxy", optional_argument, NULL, OPT_HTTP_PROXY},
        {"workdir", required_argument, NULL, 'w'},
        {"user", required_argument, NULL, 'u'},
        {"hostname", required_argument, NULL, OPT_HOSTNAME},
        {"read-only", optional_argument, NULL, OPT_READ_ONLY},
        {"network", required_argument, NULL, OPT_NETWORK},
        {"memory", required_argument, NULL, OPT_MEMORY},
        {"cpus", required_argument, NULL, OPT_CPUS},
        {"pids-limit", required_argument, NULL, OPT_PIDS},
        {"limits", required_argument, NULL, OPT_LIMITS},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"rm", optional_argument, NULL, OPT_RM},
        {"entrypoint", required_argument, NULL, OPT_ENTRYPOINT},
        {"mode", required_argument, NULL, OPT_MODE},
        {"seccomp", required_argument, NULL, OPT_SECCOMP},
        {"stats", optional_argument, NULL, OPT_STATS},
        {"read-only-tmpfs", optional_argument, NULL, OPT_READ_ONLY_TMPFS},
        {"interactive", optional_argument, NULL, OPT_INTERACTIVE},
        {"tty", optional_argument, NULL, OPT_TTY},
        {"verbose", optional_argument, NULL, OPT_VERBOSE},
        {"umask", required_argument, NULL, OPT_UMASK},
        {"init", optional_argument, NULL, OPT_INIT},
        {0},
    };
    int opt;
    /* "+": options end at the image, so the guest's own flags are left alone. */
    static const char shorts[] = "+:he:v:w:u:m:it";
    run_podman_argv(argc, argv, shorts + 2, opts, &f->argv_owned);
    while ((opt = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            return cli_help(cli), 1;
        case 'e':
            if (add_env(&f->env, optarg, &cli->err) < 0)
                return -1;
            break;
        case OPT_ENV_FILE:
            if (read_env_file(f, optarg, &cli->err) < 0)
                return -1;
            break;
        case 'v':
            if (add_bind(f, optarg, &cli->err) < 0)
                return -1;
            break;
        case OPT_TMPFS:
            if (run_add_tmpfs(f, optarg, &cli->err) < 0)
                return -1;
            break;
        case OPT_MOUNT:
            if (run_add_mount(f, optarg, &cli->err) < 0)
                return -1;
            break;
        case OPT_SECURITY_OPT:
            if (run_security_opt(f, optarg, &cli->err) < 0)
                return -1;
            break;
        case OPT_LAYER:
            f->layer = optarg;
            break;
        case OPT_USERNS:
            if (run_userns(f, optarg, &cli->err) < 0)
                return -1;
            break;
        case OPT_PULL:
            if (run_pull_policy(optarg, &cli->err) < 0)
                return -1;
            break;
        case OPT_ENV_HOST:
            if (parse_bool(cli, opts, opt, optarg, &f->env_host) < 0)
                return -1;
            break;
        case OPT_HTTP_PROXY:
            if (parse_bool(cli, opts, opt, optarg, &f->http_proxy) < 0)
                return -1;
            break;
        case OPT_ADD_HOST:
            if (run_add_host(f, optarg, &cli->err) < 0)
                return -1;
            break;
        case OPT_SHM_SIZE:
            if (run_shm_size(f, optarg, &cli->err) < 0)
                return -1;
            break;
        case OPT_ULIMIT:
            if (add_ulimit(f, optarg, &cli->err) < 0)
                return -1;
            break;
        case OPT_GROUP_ADD:
            run_strv_push(&f->group_add, viv_xstrdup(optarg));
            break;
        case OPT_CAP_DROP:
        case OPT_CAP_ADD:
            if (add_caps(opt == OPT_CAP_ADD, optarg,
                         opt == OPT_CAP_ADD ? &f->cap_add : &f->cap_drop, &cli->err) < 0)
                return -1;
            break;
        case 'w':
            f->workdir = optarg;
            break;
        case 'u':
            f->user = optarg;
            break;
        case OPT_HOSTNAME:
            f->hostname = optarg;
            break;
        case OPT_READ_ONLY:
            if (parse_bool(cli, opts, opt, optarg, &f->read_only) < 0)
                return -1;
            break;
        case OPT_READ_ONLY_TMPFS:
            if (parse_bool(cli, opts, opt, optarg, &f->read_only_tmpfs) < 0)
                return -1;
            break;
        case OPT_INIT:
            if (parse_bool(cli, opts, opt, optarg, &f->init) < 0)
                return -1;
            break;
        case OPT_NETWORK:
            f->network = optarg;
            break;
        case 'm':
        case OPT_MEMORY:
            f->memory = optarg;
            break;
        case OPT_CPUS:
            f->cpus = optarg;
            break;
        case OPT_PIDS:
            f->pids = optarg;
            break;
        case OPT_TIMEOUT:
            f->timeout = optarg;
            break;
        case OPT_RM: {
            bool rm; /* instances never outlive their run, whatever it says */
            if (parse_bool(cli, opts, opt, optarg, &rm) < 0)
                return -1;
            break;
        }
        case OPT_ENTRYPOINT:
            f->entrypoint = optarg;
            break;
        case OPT_MODE:
            f->mode = optarg;
            break;
        case 'i':
        case OPT_INTERACTIVE:
            if (parse_bool(cli, opts, OPT_INTERACTIVE, optarg, &f->interactive) < 0)
                return -1;
            break;
        case 't':
        case OPT_TTY:
            if (parse_bool(cli, opts, OPT_TTY, optarg, &f->tty) < 0)
                return -1;
            break;
        case OPT_UMASK: {
            /* Octal, as podman takes it ("0077", "27"). */
            char *end;
            errno = 0;
            unsigned long m = strtoul(optarg, &end, 8);
            if (errno || end == optarg || *end || optarg[0] == '-' || m > 0777)
                return cli_usage_error(cli, "--umask '%s': expected an octal mask up to 0777",
                                       optarg),
                       -1;
            f->umask = (int)m;
            break;
        }
        case OPT_VERBOSE:
            if (parse_bool(cli, opts, opt, optarg, &cli->verbose) < 0)
                return -1;
            break;
        case OPT_LIMITS:
            if (strcmp(optarg, "best-effort") == 0)
                f->best_effort = true;
            else if (strcmp(optarg, "strict") == 0)
                f->best_effort = false;
            else
                return cli_usage_error(cli, "--limits '%s': expected strict or best-effort",
                                       optarg),
                       -1;
            break;
        case OPT_SECCOMP:
            if (strcmp(optarg, "unconfined") == 0)
                f->unconfined = true;
            else if (strcmp(optarg, "default") == 0)
                f->unconfined = false;
            else
                return cli_usage_error(cli, "--seccomp '%s': expected default or unconfined",
                                       optarg),
                       -1;
            break;
        case OPT_STATS:
            if (!optarg || strcmp(optarg, "text") == 0 || strcmp(optarg, "true") == 0)
                f->stats = 1;
            else if (strcmp(optarg, "json") == 0)
                f->stats = 2;
            else if (strcmp(optarg, "false") == 0)
                f->stats = 0;
            else
                return cli_usage_error(cli, "--stats='%s': expected json, true or false", optarg),
                       -1;
            break;
        default: {
            const char *word = argv[optind - 1];
            const char *why = opt == '?' ? run_podman_unsupported(word, optopt) : NULL;
            if (why)
                return cli_usage_error(cli, "%.*s is not supported: %s",
                                       optopt ? 2 : (int)strcspn(word, "="),
                                       optopt ? (char[]){'-', (char)optopt, 0} : word, why),
                       -1;
            return cli_bad_option(cli, opt, argv), -1;
        }
        }
    }
    /* As podman: one capability both dropped and added by name is a contradiction (after
     * --cap-drop ALL, adding is what the add is for). */
    uint64_t both = f->cap_drop != ~0ull ? f->cap_add & f->cap_drop : 0;
    if (both) {
        char *name = cap_to_name(__builtin_ctzll(both));
        cli_usage_error(cli, "--cap-add and --cap-drop both name %s", name ? name : "?");
        cap_free(name);
        return -1;
    }
    if (optind >= argc)
        return cli_usage_error(cli, "expected IMAGE or FILE.viv"), -1;
    return 0;
}

void run_flags_free(struct run_flags *f)
{
    run_strv_free(&f->env);
    run_strv_free(&f->env_file);
    run_strv_free(&f->group_add);
    free(f->added_hosts);
    for (size_t i = 0; i < f->nbinds; i++) {
        free(f->binds[i].host);
        free(f->binds[i].guest);
        free(f->binds[i].tmpfs_text);
    }
    free(f->binds);
    free(f->ulimits);
    run_strv_free(&f->argv_owned);
}
