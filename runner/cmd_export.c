/* cmd_export.c: `viv export IMAGE -o FILE`. */
#include "runner.h"

int cmd_export(struct viv_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_HELP_OPTION,
        {"output", required_argument, NULL, 'o'},
        {0},
    };
    const char *out = NULL;
    int opt;
    while ((opt = getopt_long(argc, argv, ":ho:", opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            return cli_help(cli);
        case 'o':
            out = optarg;
            break;
        default:
            return cli_bad_option(cli, opt, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(cli, "expected one IMAGE");
    if (!out)
        return cli_usage_error(cli, "missing -o FILE");
    struct viv_catalog *c = cli_open_catalog(cli);
    if (!c)
        return VIV_EXIT_FAIL;
    int rc = catalog_export(c, argv[optind], out, &cli->err);
    catalog_close(c);
    return rc < 0 ? VIV_EXIT_FAIL : 0;
}
