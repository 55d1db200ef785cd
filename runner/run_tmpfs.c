/* run_tmpfs.c: `viv run --tmpfs DIR[:OPTIONS]`, as podman takes it: a fresh tmpfs at DIR holding a
 * copy of what the image has there (tmpcopyup), rw,nosuid,nodev unless OPTIONS say otherwise
 * (podman's documentation says noexec too; podman itself leaves programs there runnable). The
 * tmpfs's own options are checked here, so that a typo is told as one rather than as the kernel's
 * EINVAL. */
#include "run_flags.h"

#include <errno.h>
#include <linux/mount.h>
#include <stdlib.h>
#include <string.h>

/* Flags of the mount itself, which fsmount or mount_setattr sets. */
static const struct {
    char name[12];
    uint64_t clear, set;
} mount_flags[] = {
    {"ro", 0, MOUNT_ATTR_RDONLY},
    {"rw", MOUNT_ATTR_RDONLY, 0},
    {"noexec", 0, MOUNT_ATTR_NOEXEC},
    {"exec", MOUNT_ATTR_NOEXEC, 0},
    {"nosuid", 0, MOUNT_ATTR_NOSUID},
    {"suid", MOUNT_ATTR_NOSUID, 0},
    {"nodev", 0, MOUNT_ATTR_NODEV},
    {"dev", MOUNT_ATTR_NODEV, 0},
    {"noatime", MOUNT_ATTR__ATIME, MOUNT_ATTR_NOATIME},
    {"relatime", MOUNT_ATTR__ATIME, MOUNT_ATTR_RELATIME},
    {"strictatime", MOUNT_ATTR__ATIME, MOUNT_ATTR_STRICTATIME},
    {"atime", MOUNT_ATTR__ATIME, MOUNT_ATTR_RELATIME},
    {"nodiratime", 0, MOUNT_ATTR_NODIRATIME},
    {"diratime", MOUNT_ATTR_NODIRATIME, 0},
};

/* Digits (octal ones for a mode), then at most one of the suffixes allowed. */
static bool number_with(const char *v, const char *suffixes, bool octal)
{
    size_t n = strspn(v, octal ? "01234567" : "0123456789");
    return n > 0 && (!v[n] || (strchr(suffixes, v[n]) && !v[n + 1]));
}

static bool valid_value(const char *key, const char *v)
{
    if (strcmp(key, "size") == 0)
        return number_with(v, "kKmMgG%", false);
    if (strcmp(key, "nr_inodes") == 0 || strcmp(key, "nr_blocks") == 0)
        return number_with(v, "kKmMgG", false);
    if (strcmp(key, "mode") == 0)
        return number_with(v, "", true) && strtoul(v, NULL, 8) <= 07777;
    return number_with(v, "", false) && strlen(v) <= 9; /* uid, gid */
}

int run_mount_option(const char *flag, const char *arg, const char *o, uint64_t *attr,
                     struct viv_error *err)
{
    for (size_t i = 0; i < VIV_ARRAY_SIZE(mount_flags); i++) {
        if (strcmp(o, mount_flags[i].name) == 0) {
            *attr = (*attr & ~mount_flags[i].clear) | mount_flags[i].set;
            return 1;
        }
    }
    /* The guest's mounts propagate nowhere whatever is asked: private is what it gets. */
    if (strcmp(o, "private") == 0 || strcmp(o, "rprivate") == 0)
        return 1;
    static const char *const propagation[] = {"shared", "rshared",    "slave",
                                              "rslave", "unbindable", "runbindable"};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(propagation); i++)
        if (strcmp(o, propagation[i]) == 0)
            return viv_fail(err, 0, "%s '%s': %s is not supported: the guest's mounts are private",
                            flag, arg, o);
    return 0;
}

static int option(struct viv_bind *b, size_t *n, char *o, const char *flag_name, const char *arg,
                  struct viv_error *err)
{
    int flag = run_mount_option(flag_name, arg, o, &b->attr, err);
    if (flag)
        return flag < 0 ? -1 : 0;
    if (strcmp(o, "tmpcopyup") == 0 || strcmp(o, "notmpcopyup") == 0)
        return b->tmpfs_copyup = o[0] == 't', 0;
    if (strcmp(o, "U") == 0)
        return b->tmpfs_chown = true, 0;
    /* Linux takes it only from its initial user namespace's tmpfs mounts. */
    if (strcmp(o, "noswap") == 0)
        return viv_fail(err, 0,
                        "%s '%s': noswap is not supported: the kernel takes it only for "
                        "mounts of its initial user namespace",
                        flag_name, arg);
    static const char *const keys[] = {"size", "mode", "uid", "gid", "nr_inodes", "nr_blocks"};
    _cleanup_free_ char *word = viv_xstrdup(o); /* as given, for the messages */
    char *eq = strchr(o, '=');
    const char *v = eq ? eq + 1 : NULL;
    if (eq)
        *eq = '\0';
    bool known = false;
    for (size_t i = 0; !known && eq && i < VIV_ARRAY_SIZE(keys); i++)
        known = strcmp(o, keys[i]) == 0;
    if (!known)
        return viv_fail(err, 0,
                        "%s '%s': unknown option '%s' (size=, mode=, uid=, gid=, nr_inodes=, "
                        "nr_blocks=, U, tmpcopyup, notmpcopyup, ro, rw, exec, noexec, suid, "
                        "nosuid, dev, nodev, "
                        "noatime, relatime, strictatime, nodiratime)",
                        flag_name, arg, o);
    if (!valid_value(o, v))
        return viv_fail(err, 0, "%s '%s': %s: not a valid value", flag_name, arg, word);
    if (*n + 3 > VIV_ARRAY_SIZE(b->tmpfs_opts))
        return viv_fail(err, 0, "%s '%s': too many options", flag_name, arg);
    b->tmpfs_opts[(*n)++] = o;
    b->tmpfs_opts[(*n)++] = v;
    return 0;
}

int run_add_tmpfs_at(struct run_flags *f, const char *flag, const char *arg, const char *guest,
                     const char *opts, struct viv_error *err)
{
    struct viv_bind b = {
        .flag = flag,
        .tmpfs_text = viv_xstrdup(opts ? opts : ""),
        .attr = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV,
        .tmpfs_copyup = true,
    };
    b.guest = run_guest_mount_path(f, flag, arg, guest, err);
    int rc = b.guest ? 0 : -1;
    size_t n = 0;
    b.tmpfs_opts[n++] = "source";
    b.tmpfs_opts[n++] = "tmpfs";
    char *save = NULL;
    for (char *o = rc == 0 ? strtok_r(b.tmpfs_text, ",", &save) : NULL; o && rc == 0;
         o = strtok_r(NULL, ",", &save))
        rc = option(&b, &n, o, flag, arg, err);
    if (rc < 0) {
        free(b.tmpfs_text);
        free(b.guest);
        return -1;
    }
    b.tmpfs_opts[n] = NULL;
    run_push_mount(f, b);
    return 0;
}

int run_add_tmpfs(struct run_flags *f, const char *arg, struct viv_error *err)
{
    _cleanup_free_ char *guest = viv_xstrdup(arg);
    char *opts = strchr(guest, ':');
    if (opts)
        *opts++ = '\0';
    return run_add_tmpfs_at(f, "--tmpfs", arg, guest, opts, err);
}
