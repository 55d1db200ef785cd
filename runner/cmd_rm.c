/* cmd_rm.c: `viv rm IMAGE...`: drop names, and images whose last name went. */
#include "runner.h"

int cmd_rm(struct viv_cli *cli, int argc, char **argv)
{
    int first = cli_operands(cli, argc, argv, 1, -1, "at least one IMAGE");
    if (first <= 0)
        return first < 0 ? VIV_EXIT_FAIL : 0;
    struct viv_catalog *c = cli_open_catalog(cli);
    if (!c)
        return VIV_EXIT_FAIL;
    /* Like podman rmi: go on past a failure, report it, and fail at the end. */
    int status = 0;
    for (int i = first; i < argc; i++) {
        char removed[65];
        struct viv_error err = {0};
        if (catalog_rm(c, argv[i], removed, &err) < 0) {
            fprintf(stderr, "viv: rm: %s\n", err.msg);
            status = VIV_EXIT_FAIL;
            continue;
        }
        printf("untagged: %s\n", argv[i]);
        if (removed[0])
            printf("deleted: %s\n", removed);
    }
    catalog_close(c);
    return status;
}
