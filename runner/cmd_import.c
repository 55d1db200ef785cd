/* cmd_import.c: `viv import FILE [--name NAME[:TAG]]`. */
#include "runner.h"

#include <libgen.h>
#include <string.h>

int cmd_import(struct viv_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_HELP_OPTION,
        {"name", required_argument, NULL, 'n'},
        {"quiet", no_argument, NULL, 'q'},
        {0},
    };
    const char *ref = NULL;
    bool quiet = false;
    int opt;
    while ((opt = getopt_long(argc, argv, ":hn:q", opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            return cli_help(cli);
        case 'n':
            ref = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            return cli_bad_option(cli, opt, argv);
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(cli, "expected one FILE");
    const char *path = argv[optind];
    struct viv_catalog *c = cli_open_catalog(cli);
    if (!c)
        return VIV_EXIT_FAIL;
    _cleanup_free_ char *copy = viv_xstrdup(path);
    struct cli_progress progress;
    cli_progress_init(&progress, basename(copy));
    struct catalog_import_opts io = {
        .ref = ref,
        .progress = cli_progress_update,
        .warn = cli_warn,
        .ctx = &progress,
    };
    char id[65];
    int rc = catalog_import(c, path, &io, id, &cli->err);
    cli_progress_done(&progress);
    if (rc == 0 && !quiet) {
        struct viv_image img;
        if (catalog_image_load(c, id, &img, &cli->err) < 0) {
            rc = -1;
        } else {
            printf("imported %s:%s (%s)\n", img.manifest.name, img.manifest.tag,
                   viv_arch_name(img.manifest.arch));
            catalog_image_free(&img);
        }
    }
    if (rc == 0)
        printf("%s\n", id);
    catalog_close(c);
    return rc < 0 ? VIV_EXIT_FAIL : 0;
}
