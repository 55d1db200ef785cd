/* cmd_fsck.c: `viv fsck`: verify the catalog; exit 1 naming each damage. */
#include "runner.h"

static void print_damage(void *ctx, const char *damage)
{
    (void)ctx;
    printf("damaged: %s\n", damage);
}

int cmd_fsck(struct viv_cli *cli, int argc, char **argv)
{
    int first = cli_operands(cli, argc, argv, 0, 0, "no operands");
    if (first <= 0)
        return first < 0 ? VIV_EXIT_FAIL : 0;
    struct viv_catalog *c = cli_open_catalog(cli);
    if (!c)
        return VIV_EXIT_FAIL;
    size_t damaged = 0;
    int rc = catalog_fsck(c, print_damage, NULL, &damaged, &cli->err);
    catalog_close(c);
    if (rc < 0)
        return VIV_EXIT_FAIL;
    if (damaged) {
        fflush(stdout);
        fprintf(stderr, "viv: fsck: %zu problem%s found\n", damaged, damaged == 1 ? "" : "s");
        return 1;
    }
    printf("catalog is clean\n");
    return 0;
}
