/* run_podman.c: the parts of `viv run`'s command line that are there for podman's users: its
 * short options with "=" ("-e=K=V", "-i=false", which podman's flag library takes and getopt does
 * not), and a reason for each of its common flags that viv does not take, instead of "unknown". */
#include "run_flags.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The long option named by "--name" or "--name=value", exactly, in opts. */
static const struct option *long_option(const struct option *opts, const char *word)
{
    size_t n = strcspn(word + 2, "=");
    for (; opts->name; opts++)
        if (strlen(opts->name) == n && strncmp(opts->name, word + 2, n) == 0)
            return opts;
    return NULL;
}

/* The switches among the short options, by the long name that takes "=VALUE". */
static const char *switch_name(char c)
{
    return c == 'i' ? "interactive" : c == 't' ? "tty" : NULL;
}

void run_podman_argv(int argc, char **argv, const char *shorts, const struct option *opts,
                     struct viv_strv *owned)
{
    for (int i = 1; i < argc; i++) {
        char *a = argv[i];
        if (a[0] != '-' || !a[1] || strcmp(a, "--") == 0)
            return; /* the image: what follows is the guest's */
        if (a[1] == '-') {
            const struct option *o = long_option(opts, a);
            if (o && o->has_arg == required_argument && !strchr(a, '='))
                i++; /* its value */
            continue;
        }
        const char *spec = strchr(shorts, a[1]);
        bool takes_value = spec && spec[1] == ':';
        if (a[2] == '=' && a[3] && takes_value) {
            memmove(a + 2, a + 3, strlen(a + 3) + 1); /* "-e=K=V" is "-eK=V" */
            continue;
        }
        const char *name = a[2] == '=' ? switch_name(a[1]) : NULL;
        if (name) {
            argv[i] = viv_xasprintf("--%s%s", name, a + 2); /* "-i=false" */
            run_strv_push(owned, argv[i]);
            continue;
        }
        /* A cluster ("-it", "-ie"): a value-taking letter takes the rest, or the next word. */
        for (const char *c = a + 1; *c; c++) {
            const char *s = strchr(shorts, *c);
            if (s && s[1] == ':') {
                if (!c[1])
                    i++;
                break;
            }
        }
    }
}

const char *run_podman_unsupported(const char *word, int letter)
{
    static const struct {
        char name[16];
        char letter;
        const char *why;
    } flags[] = {
        {"name", 0, "instances have no name: each lives as long as its viv run"},
        {"detach", 'd', "an instance lives as long as its viv run: run viv in the background"},
        {"publish", 'p', "there is no network to publish from: use --network host"},
        {"privileged", 0, "the sandbox has no privileged mode"},
        {"device", 0, "host devices are not passed to the guest"},
        {"pod", 0, "instances are not grouped"},
        {"restart", 0, "an instance is not restarted: its viv run returns its status"},
        {"stop-signal", 0, "viv's own signals are relayed to the guest as they come"},
        {"stop-timeout", 0, "viv's own signals are relayed to the guest as they come"},
        {"sig-proxy", 0, "viv always relays its signals to the guest"},
        {"tz", 0, "set TZ with -e TZ=ZONE"},
        {"platform", 0, "the image's arch chooses: --mode xlat runs a foreign one"},
        {"arch", 0, "the image's arch chooses: --mode xlat runs a foreign one"},
        {"memory-swap", 0, "swap is not limited apart from --memory"},
        {"cpu-shares", 0, "use --cpus for a CPU limit"},
        {"cpuset-cpus", 0, "use --cpus for a CPU limit"},
        {"dns", 0, "the guest has no network of its own: --network host uses the host's resolver"},
    };
    for (size_t i = 0; i < VIV_ARRAY_SIZE(flags); i++) {
        if (letter
                ? flags[i].letter == letter
                : strncmp(word, "--", 2) == 0 && strlen(flags[i].name) == strcspn(word + 2, "=") &&
                      strncmp(word + 2, flags[i].name, strlen(flags[i].name)) == 0)
            return flags[i].why;
    }
    return NULL;
}

/* --security-opt, as podman takes it. What asks for what viv does anyway (no_new_privs, no
 * AppArmor profile, no SELinux label) is taken; what asks for something else is refused, never
 * dropped. */
int run_security_opt(struct run_flags *f, const char *arg, struct viv_error *err)
{
    /* podman takes "KEY:VALUE" as well as "KEY=VALUE" for the older ones. */
    _cleanup_free_ char *s = viv_xstrdup(arg);
    char *sep = s + strcspn(s, "=:");
    const char *v = *sep ? sep + 1 : NULL;
    *sep = '\0';
    if (strcmp(s, "seccomp") == 0 && v) {
        if (strcmp(v, "unconfined") == 0)
            return f->unconfined = true, 0;
        return viv_fail(err, 0,
                        "--security-opt '%s': seccomp takes unconfined only: the guest runs under "
                        "viv's own policy (docs/sandbox.md) or none",
                        arg);
    }
    if (strcmp(s, "no-new-privileges") == 0) {
        if (!v || strcmp(v, "true") == 0)
            return 0;
        return viv_fail(err, 0, "--security-opt '%s': no_new_privs is always set", arg);
    }
    if (strcmp(s, "label") == 0 && v && strcmp(v, "disable") == 0)
        return 0;
    if (strcmp(s, "label") == 0)
        return viv_fail(err, 0, "--security-opt '%s': viv sets no SELinux labels", arg);
    if (strcmp(s, "apparmor") == 0 && v && strcmp(v, "unconfined") == 0)
        return 0;
    if (strcmp(s, "apparmor") == 0)
        return viv_fail(err, 0, "--security-opt '%s': viv loads no AppArmor profile", arg);
    if (strcmp(s, "mask") == 0)
        return viv_fail(err, 0,
                        "--security-opt '%s': the sandbox hides a fixed set of paths; bind an "
                        "empty directory or file over others with -v",
                        arg);
    if (strcmp(s, "unmask") == 0 || strcmp(s, "systempaths") == 0)
        return viv_fail(err, 0,
                        "--security-opt '%s': the paths of /proc and /sys that the sandbox "
                        "hides stay hidden",
                        arg);
    return viv_fail(err, 0,
                    "--security-opt '%s': not supported (seccomp=unconfined, "
                    "no-new-privileges, label=disable and apparmor=unconfined are taken)",
                    arg);
}

int run_shm_size(struct run_flags *f, const char *arg, struct viv_error *err)
{
    uint64_t bytes;
    if (viv_parse_size(arg, &bytes, err) < 0)
        return viv_wrap(err, "--shm-size");
    if (bytes == 0)
        return viv_fail(err, 0, "--shm-size '%s': must be greater than 0", arg);
    /* A later one wins, as in podman. */
    for (size_t i = 0; i < f->nbinds; i++) {
        if (f->binds[i].flag && strcmp(f->binds[i].flag, "--shm-size") == 0) {
            free(f->binds[i].tmpfs_text);
            free(f->binds[i].guest);
            memmove(&f->binds[i], &f->binds[i + 1], (f->nbinds - i - 1) * sizeof(*f->binds));
            f->nbinds--;
            i--;
        }
    }
    /* A tmpfs of its own there, as podman's /dev/shm is: written to by the guest alone. */
    char opts[64];
    snprintf(opts, sizeof(opts), "size=%llu,mode=1777,notmpcopyup", (unsigned long long)bytes);
    return run_add_tmpfs_at(f, "--shm-size", arg, "/dev/shm", opts, err);
}

int run_pull_policy(const char *arg, struct viv_error *err)
{
    /* What viv always does: run what the local catalog has, fetch nothing. */
    if (strcmp(arg, "never") == 0 || strcmp(arg, "missing") == 0)
        return 0;
    if (strcmp(arg, "always") == 0 || strcmp(arg, "newer") == 0)
        return viv_fail(err, 0,
                        "--pull %s is not supported: images come from the local catalog (viv "
                        "import); --pull never and missing are taken",
                        arg);
    return viv_fail(err, 0, "--pull '%s': expected always, missing, never or newer", arg);
}

int run_userns(struct run_flags *f, const char *arg, struct viv_error *err)
{
    f->keep_id = strcmp(arg, "keep-id") == 0;
    if (f->keep_id || !*arg)
        return 0;
    return viv_fail(err, 0,
                    "--userns=%s is not supported: the guest always has a user namespace of its "
                    "own; keep-id (rootless) runs it as your own ids",
                    arg);
}
