/* cmd_build.c: `viv build DIR -o FILE`: check an appliance directory and write a reproducible .viv. */
#include "appliance-fmt/appliance.h"
#include "loader/loader.h"
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* The PATH the guest will search: the manifest's env, else the usual default. */
static const char *manifest_path(const struct viv_manifest *m)
{
    for (size_t i = 0; i < m->env.n; i++)
        if (strncmp(m->env.v[i], "PATH=", 5) == 0)
            return m->env.v[i] + 5;
    return DEFAULT_PATH;
}

/* What the manifest's program is called in messages: the key that names it. */
static const char *program_key(const struct viv_manifest *m)
{
    return m->entrypoint.n ? "entrypoint" : "cmd";
}

/* Find the program in the tree as the guest's execvp would: a bare name goes through PATH. */
static int find_program(const struct viv_tree *t, const struct viv_manifest *m, char **found,
                           struct viv_error *err)
{
    const char *ep = manifest_program(m), *key = program_key(m);
    if (strchr(ep, '/')) {
        if (tree_resolve(t, ep, found, err) < 0)
            return viv_fail(err, err->code, "%s '%s' does not exist in rootfs/", key, ep);
        return 0;
    }
    char *path = viv_xstrdup(manifest_path(m));
    char *save = NULL;
    for (char *dir = strtok_r(path, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
        char *cand = viv_xasprintf("%s/%s", dir, ep);
        struct viv_error ignored = {0};
        int rc = tree_resolve(t, cand, found, &ignored);
        free(cand);
        if (rc == 0 && tree_lookup(t, *found)->type == VIV_NODE_REG) {
            free(path);
            return 0;
        }
        if (rc == 0)
            free(*found);
    }
    free(path);
    return viv_fail(err, ENOENT, "%s '%s' is not in rootfs/ on PATH %s", key, ep,
                    manifest_path(m));
}

static enum elf_machine machine_of(enum viv_arch arch)
{
    switch (arch) {
    case VIV_ARCH_X86_64:
        return ELF_MACHINE_X86_64;
    case VIV_ARCH_RISCV64:
        return ELF_MACHINE_RISCV64;
    case VIV_ARCH_AARCH64:
        return ELF_MACHINE_AARCH64;
    }
    return ELF_MACHINE_OTHER;
}

/* The program must be something the guest can exec: an ELF of the arch or a #! script. */
static int check_program(int rootfd, const struct viv_tree *t, const struct viv_manifest *m,
                            struct viv_error *err)
{
    _cleanup_free_ char *rel = NULL;
    if (find_program(t, m, &rel, err) < 0)
        return -1;
    const char *ep = manifest_program(m), *key = program_key(m);
    const struct viv_node *n = tree_lookup(t, rel);
    if (n->type != VIV_NODE_REG)
        return viv_fail(err, 0, "%s '%s' is not a regular file", key, ep);
    if (!(n->mode & 0111))
        return viv_fail(err, 0, "%s '%s' is not executable (mode %04o)", key, ep,
                        n->mode);
    /* RESOLVE_IN_ROOT: even if the directory changes under us, nothing outside it is read. */
    struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    _cleanup_close_ int fd = (int)syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
    if (fd < 0)
        return viv_fail(err, errno, "open %s '%s'", key, ep);
    char magic[4] = {0};
    if (pread(fd, magic, sizeof(magic), 0) < 2)
        return viv_fail(err, 0, "%s '%s' is neither an ELF executable nor a #! script",
                        key, ep);
    if (magic[0] == '#' && magic[1] == '!')
        return 0;
    if (memcmp(magic, "\177ELF", 4) != 0)
        return viv_fail(err, 0, "%s '%s' is neither an ELF executable nor a #! script",
                        key, ep);
    struct elf_info info;
    if (elf_identify(fd, ep, &info, err) < 0)
        return viv_wrap(err, key);
    if (info.machine != machine_of(m->arch))
        return viv_fail(err, 0, "%s '%s' is a %s ELF, but the manifest says arch %s", key, ep,
                        info.machine == ELF_MACHINE_OTHER ? "foreign"
                                                          : elf_machine_name(info.machine),
                        viv_arch_name(m->arch));
    return 0;
}

static int64_t build_mtime(struct viv_error *err, bool *ok)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    *ok = true;
    if (!sde || !*sde)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(sde, &end, 10);
    if (errno || *end || v < 0) {
        *ok = false;
        viv_fail(err, 0, "SOURCE_DATE_EPOCH='%s' is not a number of seconds", sde);
        return 0;
    }
    return v;
}

static int parse_compression(const char *s, enum viv_compression *c)
{
    static const struct {
        const char *name;
        enum viv_compression c;
    } algs[] = {{"zstd", VIV_COMPRESS_ZSTD},
                {"gzip", VIV_COMPRESS_GZIP},
                {"xz", VIV_COMPRESS_XZ},
                {"none", VIV_COMPRESS_NONE}};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(algs); i++) {
        if (strcmp(s, algs[i].name) == 0) {
            *c = algs[i].c;
            return 0;
        }
    }
    return -1;
}

int cmd_build(struct viv_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_HELP_OPTION,
        {"output", required_argument, NULL, 'o'},
        {"compression", required_argument, NULL, 'c'},
        {0},
    };
    const char *out = NULL;
    enum viv_compression comp = VIV_COMPRESS_ZSTD;
    int opt;
    while ((opt = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            return cli_help(cli);
        case 'o':
            out = optarg;
            break;
        case 'c':
            if (parse_compression(optarg, &comp) < 0)
                return cli_usage_error(cli, "unknown compression '%s'", optarg);
            break;
        default:
            return cli_bad_option(cli, opt, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(cli, "expected one DIR");
    if (!out)
        return cli_usage_error(cli, "missing -o FILE");
    const char *dir = argv[optind];
    struct viv_error *err = &cli->err;

    bool ok;
    int64_t mtime = build_mtime(err, &ok);
    if (!ok)
        return VIV_EXIT_FAIL;
    _cleanup_free_ char *mpath = viv_xasprintf("%s/manifest.json", dir);
    _cleanup_free_ char *text = NULL;
    size_t len;
    if (viv_read_file(mpath, VIV_MANIFEST_MAX, &text, &len, err) < 0)
        return VIV_EXIT_FAIL;
    struct viv_manifest m;
    if (manifest_parse(text, len, &m, err) < 0) {
        viv_wrap(err, "%s", mpath);
        return VIV_EXIT_FAIL;
    }
    int status = VIV_EXIT_FAIL;
    struct viv_tree *tree = NULL;
    _cleanup_free_ char *rootfs = viv_xasprintf("%s/rootfs", dir);
    _cleanup_close_ int rootfd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0) {
        viv_fail(err, errno, "%s", rootfs);
        goto out;
    }
    if (tree_from_dir(rootfs, &tree, err) < 0)
        goto out;
    if (check_program(rootfd, tree, &m, err) < 0) {
        viv_wrap(err, "%s", mpath);
        goto out;
    }
    if (viv_archive_write(out, &m, tree, rootfd, comp, mtime, err) < 0)
        goto out;
    char sz[32];
    const struct viv_node *const *nodes;
    size_t n = tree_sorted(tree, &nodes);
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++)
        bytes += nodes[i]->size;
    viv_format_bytes_human(bytes, sz, sizeof(sz));
    printf("built %s:%s (%s, %zu entries, %s) -> %s\n", m.name, m.tag, viv_arch_name(m.arch), n,
           sz, out);
    status = 0;
out:
    tree_free(tree);
    manifest_free(&m);
    return status;
}
