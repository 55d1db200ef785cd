/* cmd_run.c: `viv run [flags] IMAGE|FILE.viv [CMD [ARG...]]`: settle what to run and how, then
 * hand it to the engine of the chosen mode (native: the process sandbox). */
#include "run_flags.h"
#include "vm_engine.h"
#include "xlat_engine.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <sched.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The engines, in the order auto tries them. One that cannot run yet has no run(). */
struct viv_engine_ops {
    const char *name;
    unsigned mode; /* enum viv_mode_bit */
    /* Why this engine cannot run an image of this manifest on this host, or NULL. */
    const char *(*check)(const struct viv_manifest *m);
    /* For auto only: why this host cannot run the engine at all, or NULL (may be absent).
     * Asked for explicitly, the engine says so itself when it starts. */
    const char *(*host_check)(void);
    int (*run)(const struct viv_sandbox_config *cfg, struct viv_run_stats *st,
               struct viv_error *err);
};

static const char *native_check(const struct viv_manifest *m)
{
    /* The host CPU runs the guest's instructions: only images of its own ISA. */
    return m->arch == VIV_ARCH_X86_64 ? NULL : "it needs an x86_64 image";
}

static const struct viv_engine_ops engines[] = {
    {.name = "native", .mode = VIV_MODE_NATIVE, .check = native_check, .run = sandbox_run},
    {.name = "xlat",
     .mode = VIV_MODE_XLAT,
     .check = xlat_engine_check,
     .run = xlat_engine_sandboxed},
    {.name = "vm",
     .mode = VIV_MODE_VM,
     .check = vm_engine_check,
     .host_check = vm_engine_host_check,
     .run = vm_engine_run},
};

/* auto found that native mode cannot be had here (err says why): vm, if it can run the image. */
static const struct viv_engine_ops *fallback_engine(const struct viv_manifest *m, bool verbose,
                                                    struct viv_error *err)
{
    const struct viv_engine_ops *vm = NULL;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(engines); i++)
        if (engines[i].mode == VIV_MODE_VM)
            vm = &engines[i];
    const char *why = vm->check(m);
    if (!why && !(m->modes & vm->mode))
        why = "the manifest does not allow it";
    if (!why)
        why = vm->host_check();
    if (why) {
        viv_wrap(err, "native mode cannot be had, and vm cannot run the image either (%s)", why);
        return NULL;
    }
    if (verbose)
        fprintf(stderr, "viv: run: mode vm: auto: native mode cannot be had here (%s)\n", err->msg);
    viv_error_clear(err);
    return vm;
}

/* Pick the engine: the one asked for, or with auto the first that the manifest allows and that
 * can run the image here. */
static const struct viv_engine_ops *choose_engine(const char *want, const struct viv_manifest *m,
                                                  const char *image, bool verbose,
                                                  struct viv_error *err)
{
    bool is_auto = strcmp(want, "auto") == 0;
    /* With auto, every mode's reason goes into the one error, so the user sees what to change. */
    char reasons[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(engines); i++) {
        const struct viv_engine_ops *e = &engines[i];
        if (!is_auto && strcmp(want, e->name) != 0)
            continue;
        const char *why = e->run ? e->check(m) : "not available yet";
        if (!why && !(m->modes & e->mode))
            why = "the manifest does not allow it";
        if (!why && is_auto && e->host_check)
            why = e->host_check();
        if (why && !is_auto && !e->run)
            return viv_fail(err, 0, "mode %s is not available yet", e->name), NULL;
        if (why && !is_auto)
            return viv_fail(err, 0, "mode %s cannot run %s (%s): %s", e->name, image,
                            viv_arch_name(m->arch), why),
                   NULL;
        if (why) {
            int n = snprintf(reasons + used, sizeof(reasons) - used, "%s%s: %s", used ? "; " : "",
                             e->name, why);
            if (n > 0 && (size_t)n < sizeof(reasons) - used)
                used += (size_t)n;
            continue;
        }
        if (verbose && is_auto)
            fprintf(stderr,
                    "viv: run: mode %s: auto: %s %s image on an x86_64 host, and its manifest "
                    "allows %s\n",
                    e->name, m->arch == VIV_ARCH_RISCV64 ? "a" : "an", viv_arch_name(m->arch),
                    e->name);
        else if (verbose)
            fprintf(stderr, "viv: run: mode %s: asked for with %s\n", e->name,
                    want == getenv("VIV_MODE") ? "VIV_MODE" : "--mode");
        return e;
    }
    if (!is_auto)
        viv_fail(err, 0, "--mode '%s': expected native, vm, xlat or auto", want);
    else
        viv_fail(err, 0, "no mode can run %s (%s) here: %s", image, viv_arch_name(m->arch),
                 reasons);
    return NULL;
}

/* The CPUs viv may run on, or 0 when that cannot be told. */
static int cpus_to_run_on(void)
{
    cpu_set_t mine;
    return sched_getaffinity(0, sizeof(mine), &mine) == 0 ? CPU_COUNT(&mine) : 0;
}

/* One write of the whole line, without stdio: notes come while an instance that shares viv's
 * memory, the C library's streams included, sets itself up (sandbox_spawn.c). */
static void print_note(void *ctx, bool warning, const char *msg)
{
    (void)ctx;
    char line[2200];
    int n = snprintf(line, sizeof(line), "viv: run: %s%s\n", warning ? "warning: " : "", msg);
    if (n > (int)sizeof(line) - 1) {
        n = (int)sizeof(line) - 1;
        line[n - 1] = '\n';
    }
    if (n > 0)
        sandbox_sys(SYS_write, 2, (long)line, n, 0);
}

/* A .viv path, or an existing file named as a path or by an archive's suffix. A bare word that
 * could be an image's name stays one even where a file of that name lies in the working
 * directory: what a CI script runs must not depend on what its checkout holds. */
static bool names_a_file(const char *arg)
{
    static const char *const archives[] = {".tar", ".tar.gz", ".tgz", ".tar.xz", ".tar.zst"};
    size_t n = strlen(arg);
    if (n > 4 && strcmp(arg + n - 4, ".viv") == 0)
        return true;
    bool suffix = false;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(archives); i++) {
        size_t l = strlen(archives[i]);
        suffix |= n > l && strcmp(arg + n - l, archives[i]) == 0;
    }
    struct stat st;
    return (strchr(arg, '/') || suffix || viv_name_problem(arg)) && stat(arg, &st) == 0 &&
           S_ISREG(st.st_mode);
}

static int resolve_image(struct viv_cli *cli, struct viv_catalog *c, const char *arg, bool file,
                         char id[65])
{
    /* A file operand is imported first (cheap when already present: same content, same id). */
    if (file)
        return cli->import_file ? cli->import_file(c, arg, id, &cli->err) : cli->in_full(cli);
    return catalog_resolve(c, arg, id, &cli->err);
}

static bool can_raise_hard_limits(void)
{
    cap_t caps = cap_get_proc();
    cap_flag_value_t v = CAP_CLEAR;
    if (caps)
        cap_get_flag(caps, CAP_SYS_RESOURCE, CAP_EFFECTIVE, &v);
    cap_free(caps);
    return v == CAP_SET;
}

/* The flags' values into cfg, checked before the image is looked up, so that "--memory busybox
 * true" is told as a bad --memory, not as no image "true". build_config fills in the manifest's
 * resources where no flag was given: every resource in the manifest is the default of its
 * flag. */
static int apply_flag_values(const struct run_flags *f, struct viv_sandbox_config *cfg,
                             struct viv_error *err)
{
    if (f->network) {
        if (strcmp(f->network, "host") == 0)
            cfg->network_host = true;
        else if (strcmp(f->network, "none") == 0)
            cfg->network_host = false;
        else
            return viv_fail(err, 0, "--network '%s': expected none or host", f->network);
    }
    if (f->add_host_gateway && !cfg->network_host)
        return viv_fail(err, 0,
                        "--add-host NAME:host-gateway: the guest reaches the host only on its "
                        "network (--network host)");
    cfg->added_hosts = f->added_hosts;

    /* 0 (and -1 for pids) is no limit, as in podman: it lifts one the manifest sets. */
    if (f->memory && viv_parse_size(f->memory, &cfg->memory, err) < 0)
        return viv_wrap(err, "--memory");
    if (f->memory && cfg->memory && cfg->memory < (1u << 20))
        return viv_fail(err, 0, "--memory '%s': below 1M no guest can start", f->memory);
    if (f->pids) {
        uint32_t v = 0;
        if (strcmp(f->pids, "-1") != 0 && run_parse_count(f->pids, &v) < 0)
            return viv_fail(err, 0, "--pids-limit '%s': expected a number (0 or -1: no limit)",
                            f->pids);
        cfg->pids = v;
    }
    if (f->cpus) {
        char *end;
        double v = strtod(f->cpus, &end);
        if (end == f->cpus || *end || !isfinite(v) || v < 0 || v > VIV_CPUS_MAX)
            return viv_fail(err, 0, "--cpus '%s': expected a number of CPUs (0: no limit)",
                            f->cpus);
        /* Raising it silently would be a limit other than the one asked for. */
        if (v > 0 && v < VIV_CPUS_MIN)
            return viv_fail(err, 0,
                            "--cpus '%s': the kernel limits no finer than %g CPUs (1 ms of "
                            "each 100 ms)",
                            f->cpus, VIV_CPUS_MIN);
        /* As podman: more than viv may run on would limit nothing. */
        int have = cpus_to_run_on();
        if (have > 0 && v > have)
            return viv_fail(err, 0, "--cpus '%s': there are only %d CPUs to run on", f->cpus, have);
        cfg->cpus = v;
    }
    if (strcmp(f->layer, "memory") != 0 && strcmp(f->layer, "disk") != 0)
        return viv_fail(err, 0, "%s '%s': expected memory or disk",
                        f->layer == getenv("VIV_LAYER") ? "VIV_LAYER" : "--layer", f->layer);
    if (f->timeout && viv_parse_duration(f->timeout, &cfg->timeout_ms, err) < 0)
        return viv_wrap(err, "--timeout");
    /* A hard limit can be lowered here, not raised (that needs CAP_SYS_RESOURCE, which root
     * lacks on some hosts): said before anything is made. */
    for (size_t i = 0; i < f->nulimits; i++) {
        const struct viv_ulimit *u = &f->ulimits[i];
        struct rlimit now;
        if (getrlimit(u->resource, &now) == 0 && now.rlim_max != RLIM_INFINITY &&
            (u->hard == RLIM_INFINITY || u->hard > now.rlim_max) && !can_raise_hard_limits())
            return viv_fail(err, 0,
                            "--ulimit %s: the hard limit cannot go above this host's, %llu "
                            "(raising it needs CAP_SYS_RESOURCE)",
                            u->name, (unsigned long long)now.rlim_max);
    }
    cfg->ulimits = f->ulimits;
    cfg->nulimits = f->nulimits;
    return 0;
}

/* A host name, as RFC 1123 spells one: it goes into the guest's /etc/hosts and /etc/hostname,
 * where a space or a newline would make it more than a name. */
static bool host_name_ok(const char *name)
{
    return strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._") ==
               strlen(name) &&
           name[0] != '-' && name[0] != '.' && strlen(name) <= 64;
}

/* --entrypoint's words: a JSON array of strings, as podman takes it ('["/bin/sh","-c"]'; "[]"
 * clears it as "" does), else the text as one word. */
static void push_entrypoint(const char *text, struct viv_strv *argv)
{
    json_t *words = text[0] == '[' ? json_loads(text, JSON_REJECT_DUPLICATES, NULL) : NULL;
    bool strings = json_is_array(words);
    for (size_t i = 0; strings && i < json_array_size(words); i++)
        strings = json_is_string(json_array_get(words, i));
    if (strings) {
        for (size_t i = 0; i < json_array_size(words); i++)
            run_strv_push(argv, viv_xstrdup(json_string_value(json_array_get(words, i))));
    } else if (text[0]) {
        run_strv_push(argv, viv_xstrdup(text));
    }
    json_decref(words);
}

/* cfg holds the flags' values already (apply_flag_values). */
static int build_config(struct viv_cli *cli, const struct run_flags *f, const struct viv_image *img,
                        char **cmd, int ncmd, struct viv_sandbox_config *cfg, struct viv_strv *argv,
                        struct viv_strv *env, struct run_user *user, char *hostname, size_t hlen)
{
    const struct viv_manifest *m = &img->manifest;
    struct viv_error *err = &cli->err;
    cfg->rootfs = img->rootfs;
    cfg->rootless = geteuid() != 0;
    cfg->verbose = cli->verbose;
    cfg->note = print_note;
    cfg->seccomp = !f->unconfined;
    cfg->read_only = f->read_only;
    cfg->read_only_tmpfs = f->read_only_tmpfs;
    cfg->init = f->init;
    cfg->tty = f->tty;
    cfg->interactive = f->interactive;
    cfg->binds = f->binds;
    cfg->nbinds = f->nbinds;
    cfg->limits_best_effort = f->best_effort;
    cfg->cap_drop = f->cap_drop;
    cfg->umask = (mode_t)f->umask;
    cfg->cap_add = f->cap_add;

    if (f->entrypoint) {
        /* As docker does: a new entrypoint drops the image's cmd too; an empty one clears the
         * image's, so that the command given runs by itself. */
        push_entrypoint(f->entrypoint, argv);
    } else {
        for (size_t i = 0; i < m->entrypoint.n; i++)
            run_strv_push(argv, viv_xstrdup(m->entrypoint.v[i]));
    }
    if (ncmd > 0) {
        for (int i = 0; i < ncmd; i++)
            run_strv_push(argv, viv_xstrdup(cmd[i]));
    } else if (!f->entrypoint) {
        for (size_t i = 0; i < m->cmd.n; i++)
            run_strv_push(argv, viv_xstrdup(m->cmd.v[i]));
    }
    if (!argv->n && f->entrypoint)
        return viv_fail(err, 0, "--entrypoint '': cleared, and no command given after the image");
    if (!argv->n || !argv->v[0][0])
        return viv_fail(err, 0, "the command must not be empty");
    cfg->argv = argv->v;

    /* A copy: -w's string is in viv's argv, which the instance blanks before the guest (or an
     * engine serving it) starts. */
    const char *wd = f->workdir ? f->workdir : m->workdir;
    cfg->workdir = wd ? viv_xstrdup(wd) : NULL;
    if (!cfg->workdir || cfg->workdir[0] != '/')
        return viv_fail(err, 0, "-w '%s': must be an absolute path", cfg->workdir);

    /* The image's USER unless --user says otherwise, as podman has it; with --userns=keep-id
     * the caller's own ids, which a rootless instance maps to the caller. */
    const char *spec = f->user ? f->user : m->user;
    const char *what = f->user ? "--user" : "the image's user";
    char caller[32];
    if (f->keep_id && !cfg->rootless)
        return viv_fail(err, 0,
                        "--userns=keep-id: for rootless runs (as in podman); as root, give the "
                        "ids with --user");
    if (f->keep_id && !f->user) {
        snprintf(caller, sizeof(caller), "%u:%u", (unsigned)getuid(), (unsigned)getgid());
        spec = caller;
        what = "--userns=keep-id";
    }
    if (run_resolve_user(img->rootfs, spec, what, cfg->rootless, user, err) < 0 ||
        run_add_groups(img->rootfs, &f->group_add, cfg->rootless, user, err) < 0)
        return -1;
    cfg->uid = user->uid;
    cfg->gid = user->gid;
    cfg->passwd = user->passwd;
    cfg->groups = user->groups;
    cfg->ngroups = user->ngroups;

    if (f->hostname) {
        snprintf(hostname, hlen, "%s", f->hostname);
    } else if (cfg->network_host && gethostname(hostname, hlen) == 0 && hostname[0] &&
               host_name_ok(hostname)) {
        /* On the host's network, the host's name, as podman gives it there. */
    } else {
        /* The image's name, the last part of it: a name's characters are a host name's, and
         * one longer than a host name may be is cut. */
        const char *slash = strrchr(m->name, '/');
        snprintf(hostname, hlen < 65 ? hlen : 65, "%s", slash ? slash + 1 : m->name);
    }
    if (!hostname[0] || strlen(hostname) > 64)
        return viv_fail(err, 0, "--hostname '%s': must be 1 to 64 bytes", hostname);
    if (!host_name_ok(hostname))
        return viv_fail(
            err, 0, "--hostname '%s': letters, digits, '-', '_' and '.' only, not first '-' or '.'",
            hostname);
    cfg->hostname = hostname;

    /* The host's network is the caller's to give: an image's manifest may ask for it, not take
     * it (a CI job's image would reach what the job must not). */
    if (!f->network && m->network == VIV_NET_HOST)
        return viv_fail(err, 0,
                        "image '%s' asks for the host's network: give it with --network host, or "
                        "run it without with --network none",
                        m->name);
    if (!f->memory)
        cfg->memory = m->resources.memory;
    if (!f->pids)
        cfg->pids = m->resources.pids;
    if (!f->cpus) {
        cfg->cpus = m->resources.cpus;
        /* The image's author cannot know this host: a limit above its CPUs limits nothing, and
         * is not made (rootless, it could not be, and would stop the run). */
        int have = cpus_to_run_on();
        if (have > 0 && cfg->cpus >= have) {
            if (cfg->verbose)
                sandbox_note(cfg, false,
                             "the image's limit of %g CPUs is no fewer than the %d here: none",
                             cfg->cpus, have);
            cfg->cpus = 0;
        }
    }
    if (!f->timeout)
        cfg->timeout_ms = m->resources.timeout_ms;
    cfg->limits_from_manifest = (!f->memory && cfg->memory ? 1u << VIV_CG_MEMORY : 0) |
                                (!f->pids && cfg->pids ? 1u << VIV_CG_PIDS : 0) |
                                (!f->cpus && cfg->cpus > 0 ? 1u << VIV_CG_CPU : 0);

    /* Below the image's environment, as podman has them: the caller's whole (--env-host), or
     * its proxy settings (--http-proxy, on unless turned off), which a job behind a proxy on the
     * host's network needs. */
    static const char *const proxy_vars[] = {"http_proxy", "https_proxy", "ftp_proxy", "no_proxy",
                                             "HTTP_PROXY", "HTTPS_PROXY", "FTP_PROXY", "NO_PROXY"};
    for (char **e = f->env_host ? environ : NULL; e && *e; e++)
        run_env_set(env, *e);
    for (size_t i = 0; !f->env_host && f->http_proxy && i < VIV_ARRAY_SIZE(proxy_vars); i++) {
        const char *v = getenv(proxy_vars[i]);
        if (v) {
            _cleanup_free_ char *kv = viv_xasprintf("%s=%s", proxy_vars[i], v);
            run_env_set(env, kv);
        }
    }
    for (size_t i = 0; i < m->env.n; i++)
        run_env_set(env, m->env.v[i]);
    for (size_t i = 0; i < f->env_file.n; i++)
        run_env_set(env, f->env_file.v[i]);
    for (size_t i = 0; i < f->env.n; i++)
        run_env_set(env, f->env.v[i]);
    if (!run_env_has(env, "PATH"))
        run_env_set(env, "PATH=" DEFAULT_PATH);
    /* As runc does: HOME from the user's passwd entry unless the image or -e set it. */
    if (!run_env_has(env, "HOME")) {
        const char *home = user->home && *user->home ? user->home : "/";
        _cleanup_free_ char *h = viv_xasprintf("HOME=%s", home);
        run_env_set(env, h);
    }
    if (!run_env_has(env, "HOSTNAME")) {
        _cleanup_free_ char *h = viv_xasprintf("HOSTNAME=%s", hostname);
        run_env_set(env, h);
    }
    if (!run_env_has(env, "TERM")) {
        _cleanup_free_ char *t = viv_xasprintf("TERM=%s", run_term(img->rootfs, f->tty));
        run_env_set(env, t);
    }
    if (!env->v)
        run_strv_push(env, viv_xstrdup("PATH=" DEFAULT_PATH));
    cfg->envp = env->v;
    return 0;
}

/* A native instance set going before the image is read, where the command line leaves it likely
 * (sandbox_early.c): the image may still want another mode, a limit from its manifest, or the
 * host's network; the instance is then killed unused. An import, with its threads, a limit
 * (whose cgroup files the instance would need from its start) and viv-init rule it out. */
static void start_early(const struct run_flags *f, bool file)
{
    bool native = strcmp(f->mode, "native") == 0 || strcmp(f->mode, "auto") == 0;
    if (!native || f->init || f->memory || f->pids || f->cpus || file) {
        /* One viv's entry point started on a guess. */
        sandbox_early_cancel();
        return;
    }
    bool seccomp = !f->unconfined;
    struct sandbox_early_hints h = {
        .seccomp = seccomp,
        .trap = seccomp && geteuid() != 0,
        .tty = f->tty,
        .netns = !f->network || strcmp(f->network, "host") != 0,
    };
    sandbox_early_start(&h);
}

int cmd_run(struct viv_cli *cli, int argc, char **argv)
{
    /* VIV_MODE: the default of --mode, as DOCKER_DEFAULT_PLATFORM is docker's; VIV_LAYER of
     * --layer, for a CI host whose every job should write to disk. */
    const char *mode = getenv("VIV_MODE");
    const char *layer_at = getenv("VIV_LAYER");
    struct run_flags f = {.mode = mode && *mode ? mode : "auto",
                          .layer = layer_at && *layer_at ? layer_at : "memory",
                          .read_only_tmpfs = true,
                          .http_proxy = true,
                          .umask = 022};
    struct viv_strv gargv = {0}, genv = {0};
    struct run_user user = {0};
    struct viv_image img;
    bool have_img = false;
    int hold = -1; /* the image cannot be removed while this instance runs */
    struct catalog_layer layer = {.fd = -1};
    struct viv_catalog *c = NULL;
    int status = VIV_EXIT_FAIL;
    int p = run_parse_flags(cli, argc, argv, &f);
    if (p != 0) {
        status = p > 0 ? 0 : VIV_EXIT_FAIL;
        goto out;
    }
    struct viv_sandbox_config cfg = {0};
    if (apply_flag_values(&f, &cfg, &cli->err) < 0)
        goto out;
    const char *image = argv[optind];
    bool file = names_a_file(image);
    start_early(&f, file);
    viv_trace(VIV_TRACE_RUN, "run", "opening the catalog");
    c = cli_open_catalog(cli);
    if (!c)
        goto out;
    char id[65];
    if (resolve_image(cli, c, image, file, id) < 0 ||
        catalog_image_hold(c, id, &hold, &cli->err) < 0 ||
        catalog_image_load_to_run(c, id, &img, &cli->err) < 0)
        goto out;
    have_img = true;
    const struct viv_engine_ops *engine =
        choose_engine(f.mode, &img.manifest, image, cli->verbose, &cli->err);
    if (!engine)
        goto out;
    if (engine->mode != VIV_MODE_NATIVE)
        sandbox_early_cancel();
    char hostname[128];
    if (build_config(cli, &f, &img, argv + optind + 1, argc - optind - 1, &cfg, &gargv, &genv,
                     &user, hostname, sizeof(hostname)) < 0)
        goto out;
    /* --layer disk: the writable layer on the catalog's disk, as podman keeps a container's:
     * what the guest writes to its root and /tmp is page cache the kernel writes back and
     * reclaims, not memory held (under --memory too), bounded by the disk, not by half the RAM.
     * It costs a launch some journaled writes, which is why memory is the default. */
    if (strcmp(f.layer, "disk") == 0 && catalog_layer_new(c, &layer, &cli->err) < 0)
        goto out;
    cfg.layer_dir = layer.path;
    viv_trace(VIV_TRACE_RUN, "run", "image %.12s, starting", img.id);
    struct viv_run_stats st;
    int rc = engine->run(&cfg, &st, &cli->err);
    if (rc == SANDBOX_NO_NAMESPACES && strcmp(f.mode, "auto") == 0 &&
        engine->mode == VIV_MODE_NATIVE) {
        /* This host refuses what native mode needs: the VM, its own wall, is the fallback. */
        const struct viv_engine_ops *vm = fallback_engine(&img.manifest, cli->verbose, &cli->err);
        if (vm)
            rc = vm->run(&cfg, &st, &cli->err);
    }
    if (rc < 0)
        goto out;
    status = rc;
    if (status == VIV_EXIT_CANNOT_EXEC || status == VIV_EXIT_NOT_FOUND) {
        /* main prints only viv's own failures (125); these are the guest's. */
        if (cli->err.msg[0])
            fprintf(stderr, "viv: run: %s\n", cli->err.msg);
    }
    if (st.timed_out) {
        char d[32];
        viv_format_duration(cfg.timeout_ms, d, sizeof(d));
        fprintf(stderr, "viv: run: timed out after %s: instance killed\n", d);
    } else if (st.oom_killed && status == 128 + 9) {
        char s[32];
        viv_format_size(cfg.memory, s, sizeof(s));
        fprintf(stderr, "viv: run: the guest ran out of memory (limit %s) and was killed\n", s);
    }
    if (f.stats)
        stats_print(stderr, &st, f.stats == 2);
out:
    sandbox_early_cancel();
    if (c)
        catalog_layer_remove(c, &layer);
    if (hold >= 0)
        close(hold);
    if (have_img)
        catalog_image_free(&img);
    if (c)
        catalog_close(c);
    run_strv_free(&gargv);
    run_strv_free(&genv);
    run_user_free(&user);
    run_flags_free(&f);
    return status;
}
