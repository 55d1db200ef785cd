/* cmd_prune.c: `viv prune`: drop what no image references. */
#include "runner.h"

int cmd_prune(struct viv_cli *cli, int argc, char **argv)
{
    int first = cli_operands(cli, argc, argv, 0, 0, "no operands");
    if (first <= 0)
        return first < 0 ? VIV_EXIT_FAIL : 0;
    struct viv_catalog *c = cli_open_catalog(cli);
    if (!c)
        return VIV_EXIT_FAIL;
    struct catalog_prune_result res = {0};
    int rc = catalog_prune(c, &res, &cli->err);
    catalog_close(c);
    if (rc < 0)
        return VIV_EXIT_FAIL;
    char freed[32];
    viv_format_bytes_human(res.bytes, freed, sizeof(freed));
    printf("removed %zu untagged image%s, %zu unused object%s, %zu interrupted import%s; "
           "freed %s\n",
           res.images, res.images == 1 ? "" : "s", res.objects, res.objects == 1 ? "" : "s",
           res.staging, res.staging == 1 ? "" : "s", freed);
    return 0;
}
