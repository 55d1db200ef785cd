/* run_mount.c: `viv run --mount type=bind|tmpfs,KEY[=VALUE],...`, the spelling of docker's and
 * podman's scripts, taken as the -v or --tmpfs it stands for. */
#include "run_flags.h"

#include <stdlib.h>
#include <string.h>

/* A key=value's value when word is key=value or key is one of the names given, else NULL. */
static const char *value_of(const char *word, const char *const *names)
{
    for (; *names; names++) {
        size_t n = strlen(*names);
        if (strncmp(word, *names, n) == 0 && word[n] == '=')
            return word + n + 1;
    }
    return NULL;
}

/* readonly, readonly=true|false (ro too): the option it stands for, "" where it is not one. */
static const char *read_only_word(const char *word)
{
    static const char *const names[] = {"readonly", "ro", NULL};
    if (strcmp(word, "readonly") == 0 || strcmp(word, "ro") == 0)
        return "ro";
    const char *v = value_of(word, names);
    if (!v)
        return "";
    if (strcmp(v, "true") == 0 || strcmp(v, "1") == 0)
        return "ro";
    if (strcmp(v, "false") == 0 || strcmp(v, "0") == 0)
        return "rw";
    return NULL;
}

/* The next field of a CSV line, as podman reads --mount (Go's encoding/csv): a field may be
 * quoted whole, "src=/a,b", with "" for a quote in it. Cuts it out of *at, in place; NULL at the
 * end, or with *bad set where a quote does not close. */
static char *next_field(char **at, bool *bad)
{
    char *s = *at;
    if (!s)
        return NULL;
    if (*s != '"') {
        char *comma = strchr(s, ',');
        *at = comma ? comma + 1 : NULL;
        if (comma)
            *comma = '\0';
        return s;
    }
    char *out = s, *in = s + 1;
    for (;;) {
        if (!*in)
            return *bad = true, NULL;
        if (*in == '"' && in[1] == '"') {
            *out++ = '"';
            in += 2;
        } else if (*in == '"') {
            in++;
            break;
        } else {
            *out++ = *in++;
        }
    }
    *out = '\0';
    if (*in && *in != ',')
        return *bad = true, NULL;
    *at = *in ? in + 1 : NULL;
    return s;
}

static void append(char **list, const char *word)
{
    char *joined = viv_xasprintf("%s%s%s", *list ? *list : "", *list ? "," : "", word);
    free(*list);
    *list = joined;
}

int run_add_mount(struct run_flags *f, const char *arg, struct viv_error *err)
{
    static const char *const type_key[] = {"type", NULL};
    static const char *const source_keys[] = {"source", "src", NULL};
    static const char *const target_keys[] = {"destination", "dst", "target", NULL};
    static const char *const ignored_keys[] = {"relabel", "consistency", NULL};
    _cleanup_free_ char *words = viv_xstrdup(arg);
    _cleanup_free_ char *opts = NULL;
    const char *type = NULL, *source = NULL, *target = NULL;
    /* The keys that belong to one type, seen where the type may not be known yet. */
    const char *bind_only = NULL, *tmpfs_only = NULL;
    bool bad = false;
    char *at = words;
    for (char *w = next_field(&at, &bad); w; w = next_field(&at, &bad)) {
        if (!*w)
            continue;
        const char *v, *ro = read_only_word(w);
        if (strncmp(w, "bind-", 5) == 0 && !bind_only)
            bind_only = w;
        if (strncmp(w, "tmpfs-", 6) == 0 && !tmpfs_only)
            tmpfs_only = w;
        if ((v = value_of(w, type_key)))
            type = v;
        else if ((v = value_of(w, source_keys)))
            source = v;
        else if ((v = value_of(w, target_keys)))
            target = v;
        else if (value_of(w, ignored_keys))
            ; /* SELinux relabelling and macOS's file sharing: nothing to do here */
        else if (!ro)
            return viv_fail(err, 0, "--mount '%s': %s: expected true or false", arg, w);
        else if (*ro)
            append(&opts, ro);
        else if ((v = value_of(w, (const char *const[]){"bind-propagation", NULL})))
            append(&opts, v);
        else if ((v = value_of(w, (const char *const[]){"tmpfs-size", NULL})))
            append(&opts, w + strlen("tmpfs-")); /* size=SIZE */
        else if ((v = value_of(w, (const char *const[]){"tmpfs-mode", NULL})))
            append(&opts, w + strlen("tmpfs-"));
        else if (strcmp(w, "bind-nonrecursive") == 0)
            return viv_fail(err, 0,
                            "--mount '%s': bind-nonrecursive is not supported: a bind brings the "
                            "mounts under its source, as -v's does",
                            arg);
        else
            append(&opts, w); /* a flag of the mount, judged as -v's or --tmpfs's are */
    }
    if (bad)
        return viv_fail(err, 0, "--mount '%s': a quoted field does not end with its quote", arg);
    if (!type)
        return viv_fail(err, 0, "--mount '%s': type= is needed (bind or tmpfs)", arg);
    if (!target || !*target)
        return viv_fail(err, 0, "--mount '%s': destination= is needed", arg);
    bool bind = strcmp(type, "bind") == 0, tmpfs = strcmp(type, "tmpfs") == 0;
    if ((bind && tmpfs_only) || (tmpfs && bind_only))
        return viv_fail(err, 0, "--mount '%s': %s is not for type=%s", arg,
                        bind ? tmpfs_only : bind_only, type);
    if (bind) {
        if (!source || !*source)
            return viv_fail(err, 0, "--mount '%s': a bind needs source=", arg);
        return run_add_bind_at(f, "--mount", arg, source, target, opts, err);
    }
    if (tmpfs) {
        if (source)
            return viv_fail(err, 0, "--mount '%s': a tmpfs has no source", arg);
        return run_add_tmpfs_at(f, "--mount", arg, target, opts, err);
    }
    if (strcmp(type, "volume") == 0)
        return viv_fail(err, 0,
                        "--mount '%s': there are no volumes kept between runs: bind a host "
                        "directory (type=bind,source=DIR) or use a scratch one (type=tmpfs)",
                        arg);
    return viv_fail(err, 0, "--mount '%s': type=%s is not supported (bind, tmpfs)", arg, type);
}
