/* cmd_tag.c: `viv tag IMAGE NAME[:TAG]`. */
#include "runner.h"

int cmd_tag(struct viv_cli *cli, int argc, char **argv)
{
    int first = cli_operands(cli, argc, argv, 2, 2, "IMAGE NAME[:TAG]");
    if (first <= 0)
        return first < 0 ? VIV_EXIT_FAIL : 0;
    struct viv_catalog *c = cli_open_catalog(cli);
    if (!c)
        return VIV_EXIT_FAIL;
    int rc = catalog_tag(c, argv[first], argv[first + 1], &cli->err);
    catalog_close(c);
    return rc < 0 ? VIV_EXIT_FAIL : 0;
}
