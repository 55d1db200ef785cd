/* cmd_exec.c: `viv exec`: run a foreign-ISA program from the host's filesystem, translated. */
#include "runner.h"
#include "xlat_engine.h"

#include "loader/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>

extern char **environ;

/* Where Debian's libc6-riscv64-cross puts the riscv64 dynamic linker and libraries. */
#define DEFAULT_SYSROOT "/usr/riscv64-linux-gnu"

/* PATH lookup as execvp(3) does it for names without a slash. */
static char *find_program(const char *name)
{
    if (strchr(name, '/'))
        return viv_xstrdup(name);
    const char *path = getenv("PATH");
    char *copy = viv_xstrdup(path && *path ? path : "/usr/local/bin:/usr/bin:/bin"), *save = NULL;
    char *found = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *cand = viv_xasprintf("%s/%s", *dir ? dir : ".", name);
        struct stat st;
        if (stat(cand, &st) == 0 && S_ISREG(st.st_mode))
            found = cand;
        else
            free(cand);
    }
    free(copy);
    return found;
}

/* Run PROGRAM with argv (argv[0] is the guest's name for itself). */
static int exec_program(struct viv_cli *cli, const char *program, char **argv, const char *sysroot)
{
    _cleanup_free_ char *path = find_program(program);
    if (!path) {
        viv_fail(&cli->err, 0, "%s: not found", program);
        return VIV_EXIT_NOT_FOUND;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        viv_fail(&cli->err, e, "%s", path);
        return e == ENOENT || e == ENOTDIR ? VIV_EXIT_NOT_FOUND : VIV_EXIT_CANNOT_EXEC;
    }
    struct elf_info info;
    struct viv_error ierr = {0};
    int rc = elf_identify(fd, path, &info, &ierr);
    close(fd);
    if (rc < 0 || info.machine != ELF_MACHINE_RISCV64) {
        /* The host's own programs and scripts run natively, as the kernel would run them: this
         * is what a translated shell's exec of an x86-64 tool comes to. */
        if (rc == 0 && info.machine == ELF_MACHINE_OTHER)
            return viv_fail(&cli->err, ENOEXEC, "%s: ELF machine %u is not supported", path,
                            info.e_machine),
                   VIV_EXIT_CANNOT_EXEC;
        execve(path, argv, environ);
        int e = errno;
        if (rc < 0)
            viv_fail(&cli->err, e, "%s", ierr.msg);
        else
            viv_fail(&cli->err, e, "%s", path);
        return e == ENOENT ? VIV_EXIT_NOT_FOUND : VIV_EXIT_CANNOT_EXEC;
    }
    struct stat st;
    if (!sysroot && info.dynamic && stat(DEFAULT_SYSROOT, &st) == 0 && S_ISDIR(st.st_mode))
        sysroot = DEFAULT_SYSROOT;
    struct xlat_engine_config cfg = {
        .program = path, .argv = argv, .envp = environ, .root = "/", .sysroot = sysroot};
    int killed_by = 0, fail_status = VIV_EXIT_FAIL;
    int status = xlat_engine_run(&cfg, &killed_by, &fail_status, &cli->err);
    if (status < 0)
        return fail_status;
    if (killed_by) {
        fflush(stdout);
        return viv_die_of_signal(killed_by);
    }
    return status;
}

/* main prints VIV_EXIT_FAIL's message; the two statuses of a program that cannot start are
 * this verb's to explain, as `viv run` does for its entrypoint. */
static int report(struct viv_cli *cli, int status)
{
    if ((status == VIV_EXIT_CANNOT_EXEC || status == VIV_EXIT_NOT_FOUND) && cli->err.msg[0])
        fprintf(stderr, "viv: exec: %s\n", cli->err.msg);
    return status;
}

int cmd_exec(struct viv_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_HELP_OPTION,
        {"sysroot", required_argument, NULL, 's'},
        {0},
    };
    const char *sysroot = NULL;
    int opt;
    /* "+": options end at PROGRAM; everything after it is the guest's. */
    while ((opt = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            return cli_help(cli);
        case 's':
            sysroot = optarg;
            break;
        default:
            return cli_bad_option(cli, opt, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error(cli, "expected PROGRAM [ARG...]");
    struct stat st;
    errno = 0;
    if (sysroot && (stat(sysroot, &st) < 0 || !S_ISDIR(st.st_mode)))
        return viv_fail(&cli->err, errno ? errno : ENOTDIR, "--sysroot %s", sysroot),
               VIV_EXIT_FAIL;
    return report(cli, exec_program(cli, argv[optind], argv + optind, sysroot));
}

/* binfmt_misc with the P flag runs "viv PATH ARGV0 ARG..." (Documentation/admin-guide/
 * binfmt-misc.rst), and the kernel's AT_EXECFN is still PATH, the file the caller exec'd. A
 * person typing "viv ..." never has argv[1] equal to AT_EXECFN: that is the test. */
bool cmd_exec_binfmt_invoked(int argc, char **argv)
{
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    if (argc < 3 || !execfn || strcmp(argv[1], execfn) != 0)
        return false;
    /* Never viv itself: a program named like viv's own path must not loop through exec. */
    struct stat self, prog;
    return stat("/proc/self/exe", &self) == 0 && stat(argv[1], &prog) == 0 &&
           (self.st_dev != prog.st_dev || self.st_ino != prog.st_ino);
}

int cmd_exec_binfmt(struct viv_cli *cli, int argc, char **argv)
{
    (void)argc;
    /* argv[1] is the program's path, argv[2..] the argv its caller passed (argv0 preserved). */
    return report(cli, exec_program(cli, argv[1], argv + 2, NULL));
}
