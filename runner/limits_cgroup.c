/* limits_cgroup.c: --memory, --pids-limit and --cpus through cgroups: v2 where a delegated subtree
 * with the controller is writable, v1 controllers otherwise (root on a hybrid host), and
 * RLIMIT_NPROC for pids where neither is (limits_rlimit.c). */
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>

static const char *const ctrl_name[VIV_CG_COUNT] = {"memory", "pids", "cpu"};

/* What limits_prepare reads of the host, once for every controller: the mounts and viv's own
 * cgroups (NULL where unreadable). */
struct host_view {
    char *mountinfo, *cgroup;
};

static void host_view_free(struct host_view *h)
{
    free(h->mountinfo);
    free(h->cgroup);
}

static char *read_text(const char *path)
{
    char *text = NULL;
    size_t len;
    struct viv_error ignored;
    /* A host of many thousand mounts has a mountinfo of megabytes. */
    return viv_read_file(path, 256 << 20, &text, &len, &ignored) < 0 ? NULL : text;
}

static FILE *open_text(const char *text)
{
    return text ? fmemopen((void *)text, strlen(text), "r") : NULL;
}

/* The mount point of the cgroup2 hierarchy, or of the v1 hierarchy carrying ctrl (NULL: v2). */
/* The cgroup v1 options that are no controller's name. */
static bool v1_option(const char *o)
{
    static const char *const options[] = {"rw",     "ro",       "xattr", "noprefix",
                                           "clone_children", "cpuset_v2_mode",
                                           "favordynmods",   "nofavordynmods"};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(options); i++)
        if (strcmp(o, options[i]) == 0)
            return true;
    return strchr(o, '=') != NULL;
}

/* Where ctrl's hierarchy (NULL: the v2 one) is mounted, or NULL; for v1, with the controllers
 * mounted together in it ("cpu,cpuacct") in ctrls when not NULL. */
static char *find_mount_of(const struct host_view *h, const char *ctrl, char *ctrls, size_t len);

static char *find_mount(const struct host_view *h, const char *ctrl)
{
    return find_mount_of(h, ctrl, NULL, 0);
}

static char *find_mount_of(const struct host_view *h, const char *ctrl, char *ctrls, size_t len)
{
    _cleanup_fclose_ FILE *f = open_text(h->mountinfo);
    if (!f)
        return NULL;
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        /* "id parent maj:min root mountpoint opts [optional...] - fstype source superopts" */
        char *sep = strstr(line, " - ");
        if (!sep)
            continue;
        char mnt[1024], fstype[64], superopts[1024] = "";
        if (sscanf(line, "%*s %*s %*s %*s %1023s", mnt) != 1 ||
            sscanf(sep + 3, "%63s %*s %1023s", fstype, superopts) < 1)
            continue;
        if (!ctrl && strcmp(fstype, "cgroup2") == 0)
            return viv_xstrdup(mnt);
        if (ctrl && strcmp(fstype, "cgroup") == 0) {
            char *save = NULL, found[1024] = "";
            bool match = false;
            for (char *o = strtok_r(superopts, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
                match |= strcmp(o, ctrl) == 0;
                if (!v1_option(o))
                    snprintf(found + strlen(found), sizeof(found) - strlen(found), "%s%s",
                             found[0] ? "," : "", o);
            }
            if (match) {
                /* A list cut short would name another hierarchy: none, then. */
                if (ctrls && snprintf(ctrls, len, "%s", found) >= (int)len)
                    ctrls[0] = '\0';
                return viv_xstrdup(mnt);
            }
        }
    }
    return NULL;
}

/* Our own cgroup in the hierarchy carrying ctrl ("" for v2), from /proc/self/cgroup. */
static char *own_cgroup(const struct host_view *h, const char *ctrl)
{
    _cleanup_fclose_ FILE *f = open_text(h->cgroup);
    if (!f)
        return NULL;
    char line[4096];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2)
            continue;
        *c1 = '\0';
        *c2 = '\0';
        const char *list = c1 + 1, *path = c2 + 1;
        if (!ctrl[0]) {
            if (strcmp(line, "0") == 0 && !list[0])
                return viv_xstrdup(path);
            continue;
        }
        _cleanup_free_ char *copy = viv_xstrdup(list);
        char *save = NULL;
        for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
            if (strcmp(o, ctrl) == 0)
                return viv_xstrdup(path);
    }
    return NULL;
}

static bool word_in_file(const char *path, const char *word)
{
    char *text = NULL;
    size_t len;
    struct viv_error ignored;
    if (viv_read_file(path, 65536, &text, &len, &ignored) < 0)
        return false;
    bool found = false;
    char *save = NULL;
    for (char *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
        if (strcmp(w, word) == 0)
            found = true;
    free(text);
    return found;
}

static int write_knob(const char *dir, const char *knob, const char *value, struct viv_error *err)
{
    _cleanup_free_ char *path = viv_xasprintf("%s/%s", dir, knob);
    _cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || viv_write_all(fd, value, strlen(value)) < 0)
        return viv_fail(err, errno, "write %s to %s", value, path);
    return 0;
}

/* Can children of dir get ctrl? Fills why (the first reason found) when not. */
static bool v2_usable(const char *dir, const char *ctrl, char *why, size_t len)
{
    _cleanup_free_ char *sub = viv_xasprintf("%s/cgroup.subtree_control", dir);
    _cleanup_free_ char *avail = viv_xasprintf("%s/cgroup.controllers", dir);
    const char *no = NULL;
    if (!word_in_file(avail, ctrl))
        no = "has no";
    else if (!word_in_file(sub, ctrl))
        no = "does not delegate the";
    else if (access(dir, W_OK) < 0)
        no = "is not writable for the";
    if (no && !why[0])
        snprintf(why, len, "cgroup v2 at %s %s %s controller", dir, no, ctrl);
    return !no;
}

/* The "vivarium" cgroup under a hierarchy's root that has ctrl, with ctrl enabled for its
 * children: root's home for instance cgroups where no delegated subtree holds viv. */
static char *vivarium_cgroup(const char *root, const char *ctrl)
{
    char *dir = viv_xasprintf("%s/vivarium", root);
    struct viv_error e;
    char plus[32];
    snprintf(plus, sizeof(plus), "+%s", ctrl);
    /* It holds no process, so enabling a controller for its children is allowed. */
    if ((mkdir(dir, 0755) == 0 || errno == EEXIST) &&
        write_knob(dir, "cgroup.subtree_control", plus, &e) == 0)
        return dir;
    free(dir);
    return NULL;
}

/* Where a v2 limit for ctrl can go: our own cgroup when it is writable and already passes ctrl
 * down (a delegated subtree), else its parent (a user manager's delegated slice holds our
 * scope and its siblings). As root, a "vivarium" cgroup under the root of the hierarchy, where
 * systemd enables the controllers, so that root gets limits on a pure v2 host too. NULL with
 * why filled otherwise. */
static char *v2_parent(const struct host_view *h, const char *ctrl, char *why, size_t len)
{
    _cleanup_free_ char *mnt = find_mount(h, NULL);
    _cleanup_free_ char *own = own_cgroup(h, "");
    if (!mnt || !own) {
        snprintf(why, len, "no cgroup v2 hierarchy");
        return NULL;
    }
    bool at_root = strcmp(own, "/") == 0;
    char *dir = viv_xasprintf("%s%s", mnt, at_root ? "" : own);
    if (v2_usable(dir, ctrl, why, len))
        return dir;
    char *slash = strrchr(dir, '/');
    if (slash && (size_t)(slash - dir) > strlen(mnt)) {
        *slash = '\0';
        if (v2_usable(dir, ctrl, why, len))
            return dir;
    }
    free(dir);
    if (geteuid() != 0 || at_root)
        return NULL;
    char ignored[8] = "x";
    if (!v2_usable(mnt, ctrl, ignored, sizeof(ignored)))
        return NULL;
    return vivarium_cgroup(mnt, ctrl);
}

/* Root on a host that mounts no cgroup hierarchy at all (a minimal machine, a container without
 * cgroupfs): every controller bound to no v1 hierarchy is the unified hierarchy's, which a
 * cgroup2 mount reaches. A detached mount (fsmount) reaches it without a mount point in any
 * namespace; the plan keeps its fd. RLIMIT_NPROC cannot stand in for pids here: the kernel
 * exempts uid 0 from it (copy_process, INIT_USER). Nobody manages this hierarchy, so viv enables
 * the controller at its root, as an init would. */
static char *own_v2_parent(struct viv_limits_plan *plan, const char *ctrl, char *why, size_t len)
{
    size_t n = strlen(why);
    if (!plan->own_mount) {
        int fs = (int)syscall(SYS_fsopen, "cgroup2", FSOPEN_CLOEXEC);
        int m = -1;
        if (fs >= 0 && syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
            m = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
                             MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        int e = errno;
        if (fs >= 0)
            close(fs);
        if (m < 0) {
            snprintf(why + n, len - n, "; no cgroup is mounted and a cgroup2 mount failed (%s)",
                     strerror(e));
            return NULL;
        }
        plan->own_mount = true;
        plan->mount_fd = m;
    }
    char root[64];
    snprintf(root, sizeof(root), "/proc/self/fd/%d", plan->mount_fd);
    _cleanup_free_ char *avail = viv_xasprintf("%s/cgroup.controllers", root);
    _cleanup_free_ char *sub = viv_xasprintf("%s/cgroup.subtree_control", root);
    char plus[32];
    snprintf(plus, sizeof(plus), "+%s", ctrl);
    struct viv_error e;
    if (!word_in_file(avail, ctrl) ||
        (!word_in_file(sub, ctrl) && write_knob(root, "cgroup.subtree_control", plus, &e) < 0)) {
        snprintf(why + n, len - n, "; no cgroup is mounted and cgroup v2 has no %s controller",
                 ctrl);
        return NULL;
    }
    return vivarium_cgroup(root, ctrl);
}

static char *v1_parent(const struct host_view *h, const char *ctrl, char *why, size_t len)
{
    _cleanup_free_ char *mnt = find_mount(h, ctrl);
    _cleanup_free_ char *own = mnt ? own_cgroup(h, ctrl) : NULL;
    if (!mnt || !own) {
        snprintf(why + strlen(why), len - strlen(why), "; no cgroup v1 %s hierarchy", ctrl);
        return NULL;
    }
    char *dir = viv_xasprintf("%s%s", mnt, strcmp(own, "/") == 0 ? "" : own);
    if (access(dir, W_OK) < 0) {
        snprintf(why + strlen(why), len - strlen(why), "; cgroup v1 %s at %s is not writable", ctrl,
                 dir);
        free(dir);
        return NULL;
    }
    return dir;
}

static int set_limit(int c, int version, const char *dir, const struct viv_sandbox_config *cfg,
                     struct viv_error *err)
{
    char v[64];
    switch (c) {
    case VIV_CG_MEMORY:
        snprintf(v, sizeof(v), "%llu", (unsigned long long)cfg->memory);
        if (version == 2) {
            if (write_knob(dir, "memory.max", v, err) < 0)
                return -1;
            /* Swap would let a guest exceed its memory unnoticed. */
            struct viv_error ignored;
            write_knob(dir, "memory.swap.max", "0", &ignored);
            return 0;
        }
        if (write_knob(dir, "memory.limit_in_bytes", v, err) < 0)
            return -1;
        struct viv_error ignored; /* memsw exists only with swap accounting */
        write_knob(dir, "memory.memsw.limit_in_bytes", v, &ignored);
        return 0;
    case VIV_CG_PIDS:
        snprintf(v, sizeof(v), "%llu", (unsigned long long)cfg->pids);
        return write_knob(dir, "pids.max", v, err);
    case VIV_CG_CPU: {
        /* CFS bandwidth: cpus worth of runtime per 100 ms period. */
        unsigned long long quota = (unsigned long long)(cfg->cpus * 100000.0 + 0.5);
        if (version == 2) {
            snprintf(v, sizeof(v), "%llu 100000", quota);
            return write_knob(dir, "cpu.max", v, err);
        }
        snprintf(v, sizeof(v), "%llu", quota);
        if (write_knob(dir, "cpu.cfs_period_us", "100000", err) < 0)
            return -1;
        return write_knob(dir, "cpu.cfs_quota_us", v, err);
    }
    }
    return 0;
}

/* A viv killed outright (SIGKILL) cannot remove its instance's cgroup. Its successors do: rmdir
 * of a cgroup that still holds a process fails (EBUSY), and only ones older than a minute are
 * tried, so an instance being set up right now is never touched. */
static void sweep_stale(const char *parent)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, "viv-", 4) != 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode) &&
            now - st.st_mtime > 60)
            unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR);
    }
    closedir(d);
}

static void append(char *buf, size_t len, const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(buf);
    snprintf(buf + n, len - n, fmt, n ? "; " : "", a, b);
}

/* The files the instance joins its cgroup through, opened now (see limits_join). */
static int open_join(struct viv_limits_plan *plan, int c, struct viv_error *err)
{
    for (int d = 0; d < c; d++)
        if (plan->dir[d] && strcmp(plan->dir[d], plan->dir[c]) == 0)
            return 0;
    const char *knob = plan->version[c] == 1 ? "tasks" : "cgroup.procs";
    _cleanup_free_ char *path = viv_xasprintf("%s/%s", plan->dir[c], knob);
    plan->join_fd[c] = open(path, O_WRONLY | O_CLOEXEC);
    if (plan->join_fd[c] < 0)
        return viv_fail(err, errno, "open %s", path);
    if (plan->version[c] == 2 && plan->into_fd < 0) {
        plan->into_fd = open(plan->dir[c], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (plan->into_fd < 0)
            return viv_fail(err, errno, "open %s", plan->dir[c]);
    }
    return 0;
}

/* A process is in one v2 cgroup: every v2 limit of the instance goes under the parent the first
 * one chose, where this one can go too; NULL (why filled) where it cannot. Takes parent. */
static char *one_v2_cgroup(const struct viv_limits_plan *plan, int c, char *parent, char *why,
                           size_t len)
{
    for (int d = 0; d < c; d++) {
        if (plan->version[d] != 2 || !plan->dir[d])
            continue;
        char *first = viv_xstrdup(plan->dir[d]);
        char *slash = strrchr(first, '/');
        if (slash)
            *slash = '\0';
        if (strcmp(first, parent) == 0 || v2_usable(first, ctrl_name[c], why, len)) {
            free(parent);
            return first;
        }
        snprintf(why + strlen(why), len - strlen(why),
                 "; cgroup v2 has %s only at %s, not at %s, where the instance's other limits "
                 "are (a process is in one cgroup)",
                 ctrl_name[c], parent, first);
        free(first);
        free(parent);
        return NULL;
    }
    return parent;
}

void limits_plan_init(struct viv_limits_plan *plan)
{
    memset(plan, 0, sizeof(*plan));
    plan->mount_fd = -1;
    plan->into_fd = -1;
    for (int c = 0; c < VIV_CG_COUNT; c++)
        plan->join_fd[c] = -1;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(plan->view_join_fd); i++)
        plan->view_join_fd[i] = -1;
}

/* A cgroup of the instance's own in a view hierarchy (controllers, "cpu,cpuacct") that holds no
 * limit of it: made beside viv's, as a limit's is, with its tasks file open for the join. A
 * cpuset cgroup takes nothing until its CPUs and memory nodes are set: its parent's. */
static bool own_view_cgroup(struct viv_limits_plan *plan, int i, const struct host_view *host,
                            const char *controllers, const char *instance)
{
    char first[64];
    snprintf(first, sizeof(first), "%.*s", (int)strcspn(controllers, ","), controllers);
    char why[256] = "";
    _cleanup_free_ char *mnt = find_mount(host, first);
    for (int c = 0; mnt && c < VIV_CG_COUNT; c++)
        if (plan->dir[c] && plan->version[c] == 1 && strncmp(plan->dir[c], mnt, strlen(mnt)) == 0 &&
            plan->dir[c][strlen(mnt)] == '/')
            return true; /* a limit's cgroup is there */
    _cleanup_free_ char *parent = v1_parent(host, first, why, sizeof(why));
    if (!parent)
        return false;
    sweep_stale(parent);
    char *dir = viv_xasprintf("%s/%s", parent, instance);
    struct viv_error ignored;
    bool ok = mkdir(dir, 0755) == 0 || errno == EEXIST;
    for (size_t k = 0; ok && strcmp(first, "cpuset") == 0 && k < 2; k++) {
        const char *knob = k ? "cpuset.mems" : "cpuset.cpus";
        _cleanup_free_ char *from = viv_xasprintf("%s/%s", parent, knob);
        _cleanup_free_ char *value = read_text(from);
        ok = value && write_knob(dir, knob, value, &ignored) == 0;
    }
    _cleanup_free_ char *tasks = viv_xasprintf("%s/tasks", dir);
    int fd = ok ? open(tasks, O_WRONLY | O_CLOEXEC) : -1;
    if (fd < 0) {
        rmdir(dir);
        free(dir);
        return false;
    }
    plan->view_dir[i] = dir;
    plan->view_join_fd[i] = fd;
    return true;
}

/* The v1 hierarchies for the guest's view, once a limit is v1's: each where the instance has a
 * cgroup of its own (a limit's, or one made for the view); one where it cannot is left out. */
static void plan_v1_view(struct viv_limits_plan *plan, const struct host_view *host,
                         const char *instance)
{
    bool v1 = false;
    for (int c = 0; c < VIV_CG_COUNT; c++)
        v1 |= plan->dir[c] && plan->version[c] == 1;
    static const char *const shown[] = {"memory", "cpu", "cpuacct", "cpuset", "pids"};
    for (size_t i = 0; v1 && i < VIV_ARRAY_SIZE(shown); i++) {
        char ctrls[sizeof(plan->v1_view[0])] = "";
        _cleanup_free_ char *mnt = find_mount_of(host, shown[i], ctrls, sizeof(ctrls));
        bool seen = !mnt || !ctrls[0];
        for (int j = 0; !seen && j < plan->nv1_view; j++)
            seen = strcmp(plan->v1_view[j], ctrls) == 0;
        if (!seen && own_view_cgroup(plan, plan->nv1_view, host, ctrls, instance))
            memcpy(plan->v1_view[plan->nv1_view++], ctrls, sizeof(ctrls));
    }
}

int limits_prepare(const struct viv_sandbox_config *cfg, const char *instance, bool userns,
                   struct viv_limits_plan *plan, struct viv_error *err)
{
    limits_plan_init(plan);
    bool want[VIV_CG_COUNT] = {cfg->memory > 0, cfg->pids > 0, cfg->cpus > 0};
    __attribute__((cleanup(host_view_free))) struct host_view host = {NULL, NULL};
    if (want[VIV_CG_MEMORY] || want[VIV_CG_PIDS] || want[VIV_CG_CPU]) {
        host.mountinfo = read_text("/proc/self/mountinfo");
        host.cgroup = read_text("/proc/self/cgroup");
    }
    static const char *const option[VIV_CG_COUNT] = {"--memory", "--pids-limit", "--cpus"};
    static const char *const from_image[VIV_CG_COUNT] = {
        "the image's memory limit (resources.memory)", "the image's pids limit (resources.pids)",
        "the image's cpus limit (resources.cpus)"};
    for (int c = 0; c < VIV_CG_COUNT; c++) {
        if (!want[c])
            continue;
        bool manifest = cfg->limits_from_manifest & (1u << c);
        const char *const *flag = manifest ? from_image : option;
        char why[768] = "";
        _cleanup_free_ char *parent = v2_parent(&host, ctrl_name[c], why, sizeof(why));
        if (parent)
            parent = one_v2_cgroup(plan, c, parent, why, sizeof(why));
        const char *version_name = "v2";
        int version = parent ? 2 : 0;
        if (!parent && geteuid() == 0) {
            parent = v1_parent(&host, ctrl_name[c], why, sizeof(why));
            version = parent ? 1 : 0;
            version_name = "v1";
            _cleanup_free_ char *v2_mnt = parent ? NULL : find_mount(&host, NULL);
            if (!parent && !v2_mnt) {
                parent = own_v2_parent(plan, ctrl_name[c], why, sizeof(why));
                version = parent ? 2 : 0;
                version_name = "v2, on a mount of viv's own (no cgroup hierarchy is mounted here)";
            }
        } else if (!parent) {
            snprintf(why + strlen(why), sizeof(why) - strlen(why), "; cgroup v1 needs root");
        }
        if (parent) {
            sweep_stale(parent);
            char *dir = viv_xasprintf("%s/%s", parent, instance);
            if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
                viv_fail(err, errno, "%s: create cgroup %s", flag[c], dir);
                free(dir);
                limits_cleanup(plan);
                return -1;
            }
            plan->dir[c] = dir;
            plan->version[c] = version;
            if (set_limit(c, version, dir, cfg, err) < 0 || open_join(plan, c, err) < 0) {
                viv_wrap(err, "%s", flag[c]);
                limits_cleanup(plan);
                return -1;
            }
            append(plan->how, sizeof(plan->how), "%s%s: cgroup %s", flag[c], version_name);
            continue;
        }
        const char *extra = "";
        if (c == VIV_CG_PIDS) {
            /* Since Linux 5.14 RLIMIT_NPROC is counted per user namespace, and the instance's
             * uid is its own there: a per-instance process limit, threads included. But
             * copy_process never applies it to a real uid of 0, the instance's uid 0 when root
             * runs it, and without a user namespace it would count the user's every process. */
            uid_t host_uid = cfg->rootless ? getuid() : cfg->uid;
            size_t n = strlen(why);
            if (!userns) {
                snprintf(why + n, sizeof(why) - n,
                         "; RLIMIT_NPROC would count every process of uid %u, not the "
                         "instance's (no user namespace here)",
                         (unsigned)host_uid);
            } else if (host_uid == 0) {
                snprintf(why + n, sizeof(why) - n,
                         "; RLIMIT_NPROC does not bind uid 0 (the kernel exempts root from it)");
            } else {
                plan->nproc_rlimit = true;
                plan->nproc = cfg->pids;
                append(plan->how, sizeof(plan->how), "%s%s: %s", flag[c],
                       "RLIMIT_NPROC in the instance's user namespace");
                continue;
            }
        } else {
            extra = c == VIV_CG_MEMORY ? " (RLIMIT_AS limits address space, not memory, so it "
                                         "is no substitute)"
                                       : " (no rlimit limits a CPU share)";
        }
        const char *reason = why[0] == ';' ? why + 2 : why;
        if (!cfg->limits_best_effort) {
            viv_fail(err, 0,
                     "%s cannot be applied: %s%s; use --limits=best-effort to run "
                     "without it%s%s%s",
                     flag[c], reason, extra, manifest ? ", or " : "", manifest ? option[c] : "",
                     manifest ? " 0 to lift it" : "");
            limits_cleanup(plan);
            return -1;
        }
        append(plan->notes, sizeof(plan->notes), "%s%s not applied: %s", flag[c], reason);
    }
    plan_v1_view(plan, &host, instance);
    return 0;
}

static void close_join(struct viv_limits_plan *plan)
{
    for (int c = 0; c < VIV_CG_COUNT; c++) {
        if (plan->join_fd[c] >= 0)
            close(plan->join_fd[c]);
        plan->join_fd[c] = -1;
    }
}

int limits_join(const struct viv_limits_plan *plan, bool v2_joined, struct viv_error *err)
{
    int rc = 0;
    for (int c = 0; c < VIV_CG_COUNT; c++) {
        if (plan->join_fd[c] < 0)
            continue;
        bool joined = v2_joined && plan->version[c] == 2;
        if (rc == 0 && !joined && write(plan->join_fd[c], "0", 1) != 1)
            rc = viv_fail(err, errno, "join the instance's %s cgroup %s", ctrl_name[c],
                          plan->dir[c]);
        /* Our copy only: the plan may be the supervisor's own memory, whose fds it closes. */
        close(plan->join_fd[c]);
    }
    for (int i = 0; i < plan->nv1_view; i++) {
        if (plan->view_join_fd[i] < 0)
            continue;
        if (rc == 0 && write(plan->view_join_fd[i], "0", 1) != 1)
            rc = viv_fail(err, errno, "join the instance's cgroup %s", plan->view_dir[i]);
        close(plan->view_join_fd[i]);
    }
    return rc;
}

static uint64_t read_u64(const char *dir, const char *knob, const char *key)
{
    _cleanup_free_ char *path = viv_xasprintf("%s/%s", dir, knob);
    char *text = NULL;
    size_t len;
    struct viv_error ignored;
    if (viv_read_file(path, 65536, &text, &len, &ignored) < 0)
        return 0;
    uint64_t v = 0;
    if (!key) {
        v = strtoull(text, NULL, 10);
    } else {
        size_t k = strlen(key);
        for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
            if (strncmp(l, key, k) == 0 && l[k] == ' ')
                v = strtoull(l + k + 1, NULL, 10);
    }
    free(text);
    return v;
}

void limits_read_usage(const struct viv_limits_plan *plan, uint64_t *peak, bool *oom)
{
    *peak = 0;
    *oom = false;
    const char *dir = plan->dir[VIV_CG_MEMORY];
    if (!dir)
        return;
    if (plan->version[VIV_CG_MEMORY] == 2) {
        *peak = read_u64(dir, "memory.peak", NULL);
        *oom = read_u64(dir, "memory.events", "oom_kill") > 0;
    } else {
        *peak = read_u64(dir, "memory.max_usage_in_bytes", NULL);
        *oom = read_u64(dir, "memory.oom_control", "oom_kill") > 0;
    }
}

void limits_kill(const struct viv_limits_plan *plan)
{
    for (int c = 0; c < VIV_CG_COUNT; c++) {
        if (!plan->dir[c])
            continue;
        struct viv_error ignored;
        /* cgroup.kill (Linux 5.14) kills atomically, forks in flight included; else each
         * process named in cgroup.procs, again until none is left (a fork may race a pass). */
        if (plan->version[c] == 2 && write_knob(plan->dir[c], "cgroup.kill", "1", &ignored) == 0)
            continue;
        _cleanup_free_ char *procs = viv_xasprintf("%s/cgroup.procs", plan->dir[c]);
        for (int pass = 0; pass < 100; pass++) {
            char *text = NULL;
            size_t len;
            if (viv_read_file(procs, 1 << 20, &text, &len, &ignored) < 0)
                break;
            bool any = false;
            for (char *l = text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
                pid_t p = (pid_t)strtol(l, NULL, 10);
                if (p > 0 && kill(p, SIGKILL) == 0)
                    any = true;
            }
            free(text);
            if (!any)
                break;
            nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        }
    }
}

bool limits_plan_has_fds(const struct viv_limits_plan *plan)
{
    bool any = plan->own_mount || plan->into_fd >= 0;
    for (int c = 0; c < VIV_CG_COUNT; c++)
        any = any || plan->join_fd[c] >= 0;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(plan->view_join_fd); i++)
        any = any || plan->view_join_fd[i] >= 0;
    return any;
}

void limits_forget(const struct viv_limits_plan *plan)
{
    if (plan && plan->own_mount)
        close(plan->mount_fd);
    if (plan && plan->into_fd >= 0)
        close(plan->into_fd);
}

/* rmdir, waiting for the last tasks, which may still be leaving the cgroup just after init was
 * reaped. */
static void remove_cgroup(const char *dir)
{
    for (int tries = 0; tries < 200; tries++) {
        if (rmdir(dir) == 0 || errno == ENOENT || errno != EBUSY)
            break;
        nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
    }
}

void limits_cleanup(struct viv_limits_plan *plan)
{
    for (size_t i = 0; i < VIV_ARRAY_SIZE(plan->view_dir); i++) {
        if (plan->view_dir[i])
            remove_cgroup(plan->view_dir[i]);
        free(plan->view_dir[i]);
        plan->view_dir[i] = NULL;
        if (plan->view_join_fd[i] >= 0)
            close(plan->view_join_fd[i]);
        plan->view_join_fd[i] = -1;
    }
    for (int c = 0; c < VIV_CG_COUNT; c++) {
        if (!plan->dir[c])
            continue;
        remove_cgroup(plan->dir[c]);
        for (int d = c + 1; d < VIV_CG_COUNT; d++)
            if (plan->dir[d] && strcmp(plan->dir[d], plan->dir[c]) == 0) {
                free(plan->dir[d]);
                plan->dir[d] = NULL;
            }
        free(plan->dir[c]);
        plan->dir[c] = NULL;
    }
    if (plan->own_mount)
        close(plan->mount_fd);
    plan->own_mount = false;
    plan->mount_fd = -1;
    close_join(plan);
    if (plan->into_fd >= 0)
        close(plan->into_fd);
    plan->into_fd = -1;
}
