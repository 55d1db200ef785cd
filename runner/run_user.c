/* run_user.c: `--user USER[:GROUP]` resolved as podman and runc resolve it, through the image's
 * own /etc/passwd and /etc/group. */
#include "run_flags.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* An /etc/passwd larger than this is not one an image would ship. */
#define ACCOUNTS_MAX (4u << 20)

int run_open_in_root(const char *rootfs, const char *path, int flags)
{
    _cleanup_close_ int root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0)
        return -1;
    struct open_how how = {.flags = (uint64_t)flags | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

/* The image's file, never the host's: resolved inside the checkout as the guest would resolve it
 * (an absolute symlink such as /etc/passwd -> /run/passwd stays in the image). A missing file is
 * an empty one. */
static int read_in_root(const char *rootfs, const char *path, char **text, struct viv_error *err)
{
    *text = NULL;
    /* O_NONBLOCK: a FIFO planted there must not hang viv (it is refused below). */
    _cleanup_close_ int fd = run_open_in_root(rootfs, path, O_RDONLY | O_NONBLOCK);
    if (fd < 0 && (errno == ENOENT || errno == ENOTDIR)) {
        *text = viv_xstrdup("");
        return 0;
    }
    if (fd < 0)
        return viv_fail(err, errno, "the image's %s", path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        return viv_fail(err, errno, "the image's %s", path);
    if (!S_ISREG(st.st_mode))
        return viv_fail(err, 0, "the image's %s is not a regular file", path);
    size_t len;
    if (viv_read_fd(fd, path, ACCOUNTS_MAX, text, &len, err) < 0)
        return viv_wrap(err, "the image's %s", path);
    return 0;
}

/* Split one line of /etc/passwd or /etc/group into its colon-separated fields, in place. Lines
 * with fewer fields than want (comments, blanks, damage) are skipped, as glibc's nss_files does. */
static size_t split_fields(char *line, char **field, size_t max)
{
    size_t n = 0;
    field[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == ':') {
            *p = '\0';
            field[n++] = p + 1;
        }
    return n;
}

/* The numeric form of a user or group: digits only, below 2^32-1. */
static bool numeric_id(const char *s, uint32_t *id)
{
    return s[0] >= '0' && s[0] <= '9' && run_parse_count(s, id) == 0;
}

struct passwd_entry {
    bool found;
    char *name; /* owned */
    uint32_t uid, gid;
    char *home; /* owned */
};

/* The first entry whose name is key (by_uid false) or whose uid is uid: the first match wins,
 * as in every libc. */
static void find_passwd(char *text, const char *key, bool by_uid, uint32_t uid,
                        struct passwd_entry *e)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[7];
        uint32_t u, g;
        if (split_fields(line, f, 7) < 7 || run_parse_count(f[2], &u) < 0 ||
            run_parse_count(f[3], &g) < 0)
            continue;
        if (by_uid ? u != uid : strcmp(f[0], key) != 0)
            continue;
        e->found = true;
        e->name = viv_xstrdup(f[0]);
        e->uid = u;
        e->gid = g;
        e->home = viv_xstrdup(f[5]);
        return;
    }
}

/* Duplicates are kept (setgroups takes them): checking for them would make a hostile
 * /etc/group cost quadratic time. */
static void push_gid(struct run_user *u, uint32_t gid)
{
    if (u->ngroups % 64 == 0)
        u->groups = viv_xrealloc(u->groups, (u->ngroups + 64) * sizeof(*u->groups));
    u->groups[u->ngroups++] = gid;
}

/* Walk /etc/group: with group set, find it (by name, or by gid when numeric) into *gid and say
 * whether it was there; without, collect every group that lists member as supplementary. */
static bool scan_groups(char *text, const char *group, bool numeric, uint32_t want,
                        const char *member, uint32_t *gid, struct run_user *u)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[4];
        uint32_t g;
        if (split_fields(line, f, 4) < 4 || run_parse_count(f[2], &g) < 0)
            continue;
        if (group) {
            if (numeric ? g == want : strcmp(f[0], group) == 0) {
                *gid = g;
                return true;
            }
            continue;
        }
        char *msave = NULL;
        for (char *m = strtok_r(f[3], ",", &msave); m; m = strtok_r(NULL, ",", &msave))
            if (strcmp(m, member) == 0) {
                push_gid(u, g);
                break;
            }
    }
    return false;
}

int run_resolve_user(const char *rootfs, const char *spec, const char *what, bool rootless,
                     struct run_user *u, struct viv_error *err)
{
    memset(u, 0, sizeof(*u));
    _cleanup_free_ char *s = viv_xstrdup(spec ? spec : "0");
    char *group = strchr(s, ':');
    if (group)
        *group++ = '\0';
    if (!s[0] || (group && !group[0]))
        return viv_fail(err, 0, "%s '%s': expected USER[:GROUP]", what, spec);

    _cleanup_free_ char *passwd = NULL;
    if (read_in_root(rootfs, "/etc/passwd", &passwd, err) < 0) {
        if (spec)
            return viv_wrap(err, "%s '%s'", what, spec);
        /* Without --user the file only gives HOME: root runs without it. */
        viv_error_clear(err);
        passwd = viv_xstrdup("");
    }
    /* Digits are an id, never a name (useradd takes no such name): too large a one is said
     * so, not looked up. */
    for (const char *id = s; id; id = id == s ? group : NULL)
        if (id[strspn(id, "0123456789")] == '\0' && !numeric_id(id, &(uint32_t){0}))
            return viv_fail(err, 0, "%s '%s': %s is out of range (ids go to %u)", what, spec, id,
                            0xfffffffeu);
    uint32_t uid = 0, gid = 0;
    bool uid_numeric = numeric_id(s, &uid);
    struct passwd_entry pw = {0};
    /* The scan cuts the text up: a uid it may lack, which gets the text whole with one line
     * more, is looked up in a copy. */
    _cleanup_free_ char *whole = uid_numeric && uid != 0 ? viv_xstrdup(passwd) : NULL;
    find_passwd(passwd, s, uid_numeric, uid, &pw);
    if (pw.found) {
        /* Without --user the guest is 0:0 whatever root's entry says, as in runc; only its home
         * is taken. */
        if (spec) {
            uid = pw.uid;
            gid = pw.gid;
        }
        u->home = steal_pointer(&pw.home);
    } else if (!uid_numeric) {
        return viv_fail(err, 0, "%s '%s': no user '%s' in the image's /etc/passwd", what, spec, s);
    } else {
        gid = uid; /* no entry: the user's own group, as before names were looked up */
    }
    _cleanup_free_ char *name = pw.name;

    /* Supplementary groups only in the implicit form, as runc has it: USER:GROUP names exactly
     * the one group. Rootless, setgroups(2) is denied and only one gid is mapped: none. */
    if (group || (pw.found && spec && !rootless)) {
        _cleanup_free_ char *etc_group = NULL;
        if (read_in_root(rootfs, "/etc/group", &etc_group, err) < 0) {
            run_user_free(u);
            return viv_wrap(err, "%s '%s'", what, spec);
        }
        uint32_t want = 0;
        bool gid_numeric = group && numeric_id(group, &want);
        if (group) {
            if (!scan_groups(etc_group, group, gid_numeric, want, NULL, &gid, u)) {
                if (!gid_numeric) {
                    run_user_free(u);
                    return viv_fail(err, 0, "%s '%s': no group '%s' in the image's /etc/group",
                                    what, spec, group);
                }
                gid = want;
            }
        } else {
            scan_groups(etc_group, NULL, false, 0, name, NULL, u);
            /* setgroups(2) takes at most NGROUPS_MAX, the primary group included. */
            if (u->ngroups >= NGROUPS_MAX) {
                run_user_free(u);
                return viv_fail(err, 0,
                                "%s '%s': the image's /etc/group gives '%s' more than %d "
                                "supplementary groups",
                                what, spec, name, NGROUPS_MAX - 1);
            }
        }
    }
    /* As root the namespace maps ids 0-65535 (sandbox_spawn.c). */
    bool unmapped = uid > 65535 || gid > 65535;
    for (size_t i = 0; i < u->ngroups; i++)
        unmapped |= u->groups[i] > 65535;
    if (!rootless && unmapped) {
        run_user_free(u);
        return viv_fail(err, 0, "%s '%s': ids above 65535 are not mapped", what, spec);
    }
    u->uid = uid;
    u->gid = gid;
    size_t n = whole ? strlen(whole) : 0;
    if (!pw.found && n)
        u->passwd = viv_xasprintf("%s%s%u:*:%u:%u:container user:/:/bin/sh\n", whole,
                                  whole[n - 1] == '\n' ? "" : "\n", (unsigned)uid, (unsigned)uid,
                                  (unsigned)gid);
    return 0;
}

int run_add_groups(const char *rootfs, const struct viv_strv *groups, bool rootless,
                   struct run_user *u, struct viv_error *err)
{
    bool keep = false;
    for (size_t i = 0; i < groups->n; i++)
        keep |= strcmp(groups->v[i], "keep-groups") == 0;
    if (keep && groups->n > 1)
        return viv_fail(err, 0, "--group-add keep-groups: it goes alone, as in podman");
    if (keep && !rootless)
        return viv_fail(err, 0,
                        "--group-add keep-groups: for rootless runs, which keep the caller's "
                        "groups; as root, name the groups to add");
    /* The caller's supplementary groups stay with a rootless guest (unmapped, seen as nobody's):
     * setgroups(2) is denied there, so no other can be given, nor these taken. */
    if (keep)
        return 0;
    if (groups->n && rootless)
        return viv_fail(err, 0,
                        "--group-add %s: rootless, the instance maps only your own group; "
                        "--group-add keep-groups keeps your groups' access, which it has anyway",
                        groups->v[0]);
    if (!groups->n)
        return 0;
    _cleanup_free_ char *etc_group = NULL, *scratch = NULL;
    if (read_in_root(rootfs, "/etc/group", &etc_group, err) < 0)
        return viv_wrap(err, "--group-add %s", groups->v[0]);
    size_t len = strlen(etc_group);
    scratch = viv_xmalloc(len + 1);
    for (size_t i = 0; i < groups->n; i++) {
        const char *g = groups->v[i];
        uint32_t want = 0, gid;
        if (!g[0])
            return viv_fail(err, 0, "--group-add '': a group name or id is needed");
        bool numeric = g[strspn(g, "0123456789")] == '\0';
        if (numeric && !numeric_id(g, &want))
            return viv_fail(err, 0, "--group-add %s: out of range (ids go to %u)", g, 0xfffffffeu);
        /* The scan cuts the text up: a fresh copy for each name. */
        memcpy(scratch, etc_group, len + 1);
        if (!scan_groups(scratch, g, numeric, want, NULL, &gid, u)) {
            if (!numeric)
                return viv_fail(err, 0, "--group-add %s: no such group in the image's /etc/group",
                                g);
            gid = want;
        }
        /* As root the namespace maps ids 0-65535 (sandbox_spawn.c). */
        if (gid > 65535)
            return viv_fail(err, 0, "--group-add %s: ids above 65535 are not mapped", g);
        /* Once each, as podman lists them; the user's own group is the primary one. */
        bool have = gid == u->gid;
        for (size_t k = 0; !have && k < u->ngroups; k++)
            have = u->groups[k] == gid;
        if (have)
            continue;
        if (u->ngroups + 1 >= NGROUPS_MAX)
            return viv_fail(err, 0, "--group-add %s: more than %d supplementary groups", g,
                            NGROUPS_MAX - 1);
        push_gid(u, gid);
    }
    return 0;
}

void run_user_free(struct run_user *u)
{
    free(u->groups);
    free(u->home);
    free(u->passwd);
    u->groups = NULL;
    u->home = NULL;
    u->passwd = NULL;
    u->ngroups = 0;
}
