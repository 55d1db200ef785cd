/* cmd_binfmt.c: `viv binfmt install|remove|status`: let the kernel start riscv64 programs via viv. */
#include "runner.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

#define BINFMT_DIR "/proc/sys/fs/binfmt_misc"
#define BINFMT_NAME "viv-riscv64"
#define BINFMT_ENTRY BINFMT_DIR "/" BINFMT_NAME

/* The first 20 bytes of a riscv64 ELF executable or PIE: ELFCLASS64, little-endian, version 1,
 * any OS ABI, e_type 2 or 3 (the mask drops the low bit), e_machine 243 (EM_RISCV). */
#define RISCV64_MAGIC                                                                              \
    "\\x7fELF\\x02\\x01\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x02\\x00\\xf3\\x00"
#define RISCV64_MASK                                                                               \
    "\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\x00\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xff\\xfe\\xff\\xff\\xff"

static int binfmt_ready(struct viv_cli *cli, bool write)
{
    struct stat st;
    if (stat(BINFMT_DIR "/register", &st) < 0)
        return viv_fail(&cli->err, 0,
                        "binfmt_misc is not mounted (as root: mount -t binfmt_misc binfmt_misc "
                        BINFMT_DIR ")");
    if (write && geteuid() != 0)
        return viv_fail(&cli->err, 0, "changing binfmt_misc entries requires root");
    return 0;
}

static int write_string(struct viv_cli *cli, const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return viv_fail(&cli->err, errno, "open %s", path);
    ssize_t n = write(fd, s, strlen(s));
    int e = errno;
    close(fd);
    if (n != (ssize_t)strlen(s))
        return viv_fail(&cli->err, e, "write %s", path);
    return 0;
}

static int binfmt_install(struct viv_cli *cli)
{
    if (binfmt_ready(cli, true) < 0)
        return VIV_EXIT_FAIL;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n < 0)
        return viv_fail(&cli->err, errno, "find viv's own path"),
               VIV_EXIT_FAIL;
    self[n] = '\0';
    if (strchr(self, ':') || strstr(self, " (deleted)"))
        return viv_fail(&cli->err, 0, "%s: cannot be a binfmt_misc interpreter", self),
               VIV_EXIT_FAIL;
    struct stat st;
    if (stat(BINFMT_ENTRY, &st) == 0 && write_string(cli, BINFMT_ENTRY, "-1") < 0)
        return VIV_EXIT_FAIL;
    /* Flags: F opens viv now, so the entry works inside containers and chroots that lack it;
     * P passes the caller's argv[0] after the path, which viv recognises (cmd_exec_binfmt). */
    _cleanup_free_ char *rule =
        viv_xasprintf(":" BINFMT_NAME ":M::" RISCV64_MAGIC ":" RISCV64_MASK ":%s:FP", self);
    if (write_string(cli, BINFMT_DIR "/register", rule) < 0)
        return VIV_EXIT_FAIL;
    printf("registered %s: riscv64 ELF programs now run through %s\n", BINFMT_NAME, self);
    return 0;
}

static int binfmt_remove(struct viv_cli *cli)
{
    if (binfmt_ready(cli, true) < 0)
        return VIV_EXIT_FAIL;
    struct stat st;
    if (stat(BINFMT_ENTRY, &st) < 0) {
        printf("%s is not registered\n", BINFMT_NAME);
        return 0;
    }
    if (write_string(cli, BINFMT_ENTRY, "-1") < 0)
        return VIV_EXIT_FAIL;
    printf("removed %s\n", BINFMT_NAME);
    return 0;
}

static int binfmt_status(struct viv_cli *cli)
{
    (void)cli;
    struct stat st;
    if (stat(BINFMT_DIR "/register", &st) < 0) {
        printf("%s: not registered (binfmt_misc is not mounted)\n", BINFMT_NAME);
        return 0;
    }
    char *text = NULL;
    size_t len;
    struct viv_error err = {0};
    if (viv_read_file(BINFMT_ENTRY, 4096, &text, &len, &err) < 0) {
        if (err.code != ENOENT)
            return viv_fail(&cli->err, err.code, "%s", err.msg), VIV_EXIT_FAIL;
        printf("%s: not registered\n", BINFMT_NAME);
        return 0;
    }
    /* The kernel's own report: enabled/disabled, interpreter, flags, offset, magic, mask. */
    printf("%s: registered\n", BINFMT_NAME);
    for (char *save = NULL, *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
        printf("  %s\n", l);
    free(text);
    return 0;
}

int cmd_binfmt(struct viv_cli *cli, int argc, char **argv)
{
    int first = cli_operands(cli, argc, argv, 1, 1, "install, remove or status");
    if (first <= 0)
        return first == 0 ? 0 : VIV_EXIT_FAIL;
    const char *what = argv[first];
    if (strcmp(what, "install") == 0)
        return binfmt_install(cli);
    if (strcmp(what, "remove") == 0)
        return binfmt_remove(cli);
    if (strcmp(what, "status") == 0)
        return binfmt_status(cli);
    return cli_usage_error(cli, "unknown action '%s': install, remove or status", what);
}
