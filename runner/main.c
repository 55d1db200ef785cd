/* main.c: viv's entry point: global options, the verb table, and the one place errors are printed.
 * Built twice: viv, and viv-full (VIV_FULL), which alone has the verbs that read or write
 * archives or hash content. Their libraries (libarchive and its compressors, libcrypto) ask the
 * CPU what it can do as the program starts, a dozen trapped instructions on a virtual machine
 * (0.05-0.1 ms): every `viv run` would pay for them. viv hands those verbs to viv-full by exec. */
#include "runner.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#define VIV_VERSION "0.1.0"

static char **main_argv;

#ifdef VIV_FULL
#define FULL_ONLY(cmd) cmd
static int import_file(struct viv_catalog *c, const char *path, char id[65], struct viv_error *err)
{
    struct catalog_import_opts io = {.warn = cli_warn};
    return catalog_import(c, path, &io, id, err);
}
#else
#define FULL_ONLY(cmd) cmd_in_full

/* The same command line, run by viv-full: beside viv (the build tree), else where `make install`
 * puts it. Returns only on failure. */
static int run_in_full(struct viv_cli *cli)
{
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    char *slash = n > 0 ? memrchr(self, '/', (size_t)n) : NULL;
    if (!slash)
        return viv_fail(&cli->err, n < 0 ? errno : ENOENT, "find viv-full: /proc/self/exe");
    *slash = '\0';
    static const char *const places[] = {"viv-full", "../libexec/vivarium/viv-full"};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(places); i++) {
        char path[PATH_MAX + 64];
        snprintf(path, sizeof(path), "%s/%s", self, places[i]);
        execv(path, main_argv);
        if (errno != ENOENT)
            return viv_fail(&cli->err, errno, "run %s", path);
    }
    return viv_fail(&cli->err, ENOENT, "viv-full, which '%s' needs, is neither in %s nor in %s/%s",
                    cli->verb, self, self, "../libexec/vivarium");
}

static int cmd_in_full(struct viv_cli *cli, int argc, char **argv)
{
    (void)argc;
    (void)argv;
    run_in_full(cli);
    return VIV_EXIT_FAIL;
}
#endif

const struct viv_verb viv_verbs[] = {
    {.name = "build",
     .summary = "build a .viv file from a directory",
     .run = FULL_ONLY(cmd_build),
     .usage = "Usage: viv build DIR -o FILE [--compression zstd|gzip|xz|none]\n"
              "\n"
              "Build an appliance file from DIR, which holds manifest.json and rootfs/.\n"
              "The entrypoint must exist in rootfs/ and be an ELF executable of the manifest's\n"
              "arch or a #! script. The same DIR always gives a byte-identical FILE: entries are\n"
              "sorted and every mtime is $SOURCE_DATE_EPOCH (or 0); files owned by the caller\n"
              "are stored as owned by 0:0.\n"
              "\n"
              "  -o, --output FILE        where to write the appliance (required)\n"
              "      --compression ALG    zstd (default), gzip, xz or none\n"},
    {.name = "import",
     .summary = "import a .viv, OCI layout or docker-save archive",
     .run = FULL_ONLY(cmd_import),
     .usage = "Usage: viv import FILE [--name NAME[:TAG]] [-q]\n"
              "\n"
              "Import an appliance into the catalog: a .viv file (tar, optionally gzip, xz or\n"
              "zstd compressed), an OCI image layout (a directory or a tar of one, as\n"
              "'podman save --format oci-archive' writes) or a docker-save tarball. Prints the\n"
              "image id as its last line. Importing the same content again costs little and\n"
              "gives the same id.\n"
              "\n"
              "  -n, --name NAME[:TAG]    name (and tag) for the image instead of the manifest's\n"
              "  -q, --quiet              print only the image id\n"},
    {.name = "images",
     .summary = "list images in the catalog",
     .run = cmd_images,
     .usage = "Usage: viv images [--json] [-q]\n"
              "\n"
              "List the catalog's images, one line per name:tag (untagged images as <none>).\n"
              "\n"
              "      --json               a JSON array, one object per image\n"
              "  -q, --quiet              image ids only\n"},
    {.name = "inspect",
     .summary = "show an image's manifest and details as JSON",
     .run = cmd_inspect,
     .usage = "Usage: viv inspect IMAGE\n"
              "\n"
              "Print the image's id, names, size, checkout path and normalized manifest as JSON.\n"
              "IMAGE is name[:tag] (tag defaults to latest) or a unique id prefix.\n"},
    {.name = "tag",
     .summary = "give an image another name",
     .run = cmd_tag,
     .usage = "Usage: viv tag IMAGE NAME[:TAG]\n"
              "\n"
              "Point NAME:TAG (tag defaults to latest) at IMAGE, moving it if it existed.\n"},
    {.name = "rm",
     .summary = "remove image names and images",
     .run = cmd_rm,
     .usage = "Usage: viv rm IMAGE...\n"
              "\n"
              "Remove each name:tag; an image goes when its last name goes. Given an id prefix,\n"
              "remove the image and every name that points to it.\n"},
    {.name = "export",
     .summary = "write an image as a .viv file",
     .run = FULL_ONLY(cmd_export),
     .usage = "Usage: viv export IMAGE -o FILE\n"
              "\n"
              "Write IMAGE as a zstd-compressed .viv file. Importing it gives the same id.\n"
              "\n"
              "  -o, --output FILE        where to write (required)\n"},
    {.name = "fsck",
     .summary = "verify every object, image and name",
     .run = FULL_ONLY(cmd_fsck),
     .usage = "Usage: viv fsck\n"
              "\n"
              "Rehash every object, recompute every image id, compare every checkout with its\n"
              "tree and check every name. Prints each damage on its own line and exits 1 if\n"
              "there is any, 0 when the catalog is clean.\n"},
    {.name = "prune",
     .summary = "remove what no image references",
     .run = cmd_prune,
     .usage = "Usage: viv prune\n"
              "\n"
              "Remove images that have no name, objects that no image uses and leftovers of\n"
              "interrupted imports, and say how much space that freed.\n"},
    {.name = "run",
     .summary = "run an appliance",
     .run = cmd_run,
     .usage =
         "Usage: viv run [OPTIONS] IMAGE|FILE.viv [CMD [ARG...]]\n"
         "\n"
         "Run an appliance. A FILE.viv (or any existing file) is imported first. CMD replaces\n"
         "the manifest's cmd. Options end at IMAGE: what follows is the guest's. In mode\n"
         "native the guest runs as a process in new user, mount, pid, ipc, uts, cgroup and\n"
         "network namespaces, on a writable layer over the image that is discarded at exit,\n"
         "with capabilities dropped, no_new_privs and a seccomp policy (docs/sandbox.md).\n"
         "Exit status: the guest's; 124 on timeout; 125 when viv fails; 126 when the\n"
         "entrypoint cannot be executed; 127 when it is not found; 128+N when killed by N.\n"
         "\n"
         "  -e, --env K=V            set a variable (-e K passes the caller's K on)\n"
         "      --env-file FILE      variables from FILE, one K=V a line, # comments\n"
         "      --env-host           pass the caller's environment (below the image's)\n"
         "      --http-proxy=false   keep the caller's proxy variables out\n"
         "  -v, --volume HOST:GUEST[:OPTS]  bind HOST at GUEST (OPTS: ro, rw, noexec, ...)\n"
         "      --tmpfs DIR[:OPTS]   a fresh tmpfs at DIR (size=, mode=, exec, ro, ...)\n"
         "      --mount type=bind|tmpfs,...  -v or --tmpfs as docker spells them\n"
         "      --layer memory|disk  where the writable layer and /tmp live (default memory)\n"
         "      --shm-size SIZE      /dev/shm a tmpfs of that size\n"
         "  -w, --workdir DIR        working directory in the guest\n"
         "  -u, --user USER[:GROUP]  run as this user, a name of the image's /etc/passwd\n"
         "                           or a uid (default root)\n"
         "      --group-add GROUP    a supplementary group more (a name or a gid; as root)\n"
         "      --userns=keep-id     rootless: run as your own uid and gid\n"
         "      --hostname NAME      the guest's hostname (default: the image name)\n"
         "      --add-host NAME:IP   a line of the guest's /etc/hosts\n"
         "      --read-only          make the root read-only (/tmp stays writable, /run and\n"
         "                           /var/tmp become fresh tmpfs directories)\n"
         "      --read-only-tmpfs=false  leave /run and /var/tmp read-only too\n"
         "      --init               run the entrypoint under a minimal init that reaps\n"
         "                           orphans and forwards signals (else it is pid 1)\n"
         "      --network none|host  no network but loopback (default), or the host's\n"
         "  -m, --memory SIZE        memory limit (64M, 2G); a guest beyond it is killed\n"
         "      --cpus N             CPU time limit in CPUs (1.5)\n"
         "      --pids-limit N       at most N processes and threads\n"
         "      --limits=best-effort run even when a limit cannot be applied (warns)\n"
         "      --ulimit NAME=SOFT[:HARD]  an rlimit for the guest (nofile=1024:4096)\n"
         "      --timeout DURATION   kill the whole instance after DURATION (90, 90s, 30m);\n"
         "                           exit status 124\n"
         "      --rm                 accepted: instances never outlive their run\n"
         "      --umask MASK         the guest's umask, octal (default 0022)\n"
         "      --entrypoint PROG    run PROG instead of the manifest's entrypoint and cmd\n"
         "                           ('' clears it; a JSON array: '[\"/bin/sh\",\"-c\"]')\n"
         "      --mode MODE          native, vm, xlat or auto (default)\n"
         "      --cap-drop LIST      capabilities a root guest gives up (ALL, CHOWN, ...)\n"
         "      --cap-add LIST       of those, the ones it keeps despite --cap-drop\n"
         "      --seccomp=unconfined run without the seccomp policy\n"
         "      --security-opt OPT   podman's: seccomp=unconfined, no-new-privileges, ...\n"
         "      --stats[=json]       print wall and CPU time, peak memory, trapped calls and\n"
         "                           the exit status to stderr at exit\n"
         "  -i, --interactive        keep stdin attached (else it is /dev/null)\n"
         "  -t, --tty                give the guest a terminal\n"
         "      --verbose            say which mode, root layout and limits were chosen\n"
         "--read-only, --read-only-tmpfs, --init, --rm, -i and -t also take =true or\n"
         "=false, and short options \"=VALUE\" (-e=K=V), as podman spells them.\n"},
    {.name = "exec",
     .summary = "run a riscv64 program from the host, translated",
     .run = cmd_exec,
     .usage = "Usage: viv exec [--sysroot DIR] PROGRAM [ARG...]\n"
              "\n"
              "Run a riscv64 Linux program from the host's filesystem through the translator,\n"
              "as qemu-riscv64 would: its system calls are served by viv, its files are the\n"
              "host's. PROGRAM without a slash is looked up in $PATH. Options end at PROGRAM.\n"
              "A program for the host's own architecture (or a script) is simply executed.\n"
              "Exit status: the program's; 126 when it cannot be loaded; 127 when it (or its\n"
              "dynamic linker) is not found; 128+N when signal N killed it.\n"
              "\n"
              "      --sysroot DIR        where the dynamic linker and libraries come from:\n"
              "                           absolute paths that exist in DIR are taken from it\n"
              "                           (default for dynamic programs: /usr/riscv64-linux-gnu\n"
              "                           when it exists)\n"},
    {.name = "binfmt",
     .summary = "run riscv64 programs through viv when executed",
     .run = cmd_binfmt,
     .usage = "Usage: viv binfmt install|remove|status\n"
              "\n"
              "install registers the binfmt_misc entry viv-riscv64 (flags F and P) so that the\n"
              "kernel runs every riscv64 ELF program through this viv binary, as 'viv exec'\n"
              "would: ./prog-riscv64 simply runs, also inside containers. remove deletes the\n"
              "entry; status prints what is registered. install and remove require root and a\n"
              "mounted /proc/sys/fs/binfmt_misc.\n"},
    {.name = "df",
     .summary = "show the catalog's disk usage",
     .run = cmd_df,
     .usage = "Usage: viv df [--json]\n"
              "\n"
              "Report the space the catalog uses, each file counted once however many images\n"
              "share it, and how much 'viv prune' would free.\n"
              "\n"
              "      --json               as a JSON object\n"},
};
const size_t viv_verb_count = VIV_ARRAY_SIZE(viv_verbs);

static void print_main_help(FILE *out)
{
    fprintf(out, "Usage: viv [--trace=CATS] VERB [ARGS...]\n"
                 "\n"
                 "vivarium runs appliances: a root filesystem plus a manifest, kept in a local\n"
                 "catalog ($VIV_HOME, default ~/.local/share/vivarium).\n"
                 "\n"
                 "Verbs:\n");
    for (size_t i = 0; i < viv_verb_count; i++)
        fprintf(out, "  %-10s %s\n", viv_verbs[i].name, viv_verbs[i].summary);
    fprintf(out, "\n"
                 "Options:\n"
                 "  -h, --help          this help; 'viv VERB --help' for a verb\n"
                 "      --version       print the version\n"
                 "      --trace=CATS    trace to stderr: img, sys, vm, run, xlat or all\n"
                 "\n"
                 "Exit status: the guest's own; 125 when viv fails, 126 when the entrypoint\n"
                 "cannot be executed, 127 when it is not found.\n");
}

static int fail(const char *fmt, const char *arg)
{
    fputs("viv: ", stderr);
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return VIV_EXIT_FAIL;
}

int main(int argc, char **argv)
{
    struct viv_error err = {0};
    main_argv = argv;
    /* jansson would seed its hash function (against colliding keys in a hostile manifest) from
     * /dev/urandom on first use: an open, a read and a close where getrandom is one call. */
    size_t seed = 0;
    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed) && seed)
        json_object_seed(seed);
    if (cmd_exec_binfmt_invoked(argc, argv)) {
        struct viv_cli bcli = {.verb = "exec"};
        int st = cmd_exec_binfmt(&bcli, argc, argv);
        if (st == VIV_EXIT_FAIL && bcli.err.msg[0])
            fprintf(stderr, "viv: exec: %s\n", bcli.err.msg);
        return st;
    }
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            print_main_help(stdout);
            return 0;
        } else if (strcmp(a, "--version") == 0) {
            printf("viv %s\n", VIV_VERSION);
            return 0;
        } else if (strncmp(a, "--trace=", 8) == 0) {
            if (viv_trace_parse(a + 8, &err) < 0)
                return fail("%s", err.msg);
        } else {
            return fail("unknown option '%s' (see 'viv --help')", a);
        }
    }
    if (i >= argc) {
        print_main_help(stderr);
        return VIV_EXIT_FAIL;
    }
    const struct viv_verb *verb = viv_verb_find(argv[i]);
    if (!verb)
        return fail("unknown verb '%s' (see 'viv --help')", argv[i]);

    struct viv_cli cli = {.verb = verb->name};
#ifdef VIV_FULL
    cli.import_file = import_file;
#else
    cli.in_full = run_in_full;
#endif
    int status = verb->run(&cli, argc - i, argv + i);
    if (status == VIV_EXIT_FAIL && cli.err.msg[0]) {
        /* Advice at the boundary: the error is the catalog's, the fix is the user's; errors
         * that did not pass through the catalog get it here, once. */
        catalog_advise(&cli.err);
        fprintf(stderr, "viv: %s: %s\n", verb->name, cli.err.msg);
    }
    if (fflush(stdout) != 0 && status == 0) {
        fprintf(stderr, "viv: %s: write output: %s\n", verb->name, strerror(errno));
        return VIV_EXIT_FAIL;
    }
    return status;
}
