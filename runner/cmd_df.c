/* cmd_df.c: `viv df [--json]`: the catalog's disk usage, each inode counted once. */
#include "runner.h"

#include <jansson.h>

int cmd_df(struct viv_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {CLI_HELP_OPTION, {"json", no_argument, NULL, 'j'}, {0}};
    bool json = false;
    int opt;
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (opt == 'h')
            return cli_help(cli);
        if (opt != 'j')
            return cli_bad_option(cli, opt, argv);
        json = true;
    }
    if (optind != argc)
        return cli_usage_error(cli, "unexpected operand '%s'", argv[optind]);
    struct viv_catalog *c = cli_open_catalog(cli);
    if (!c)
        return VIV_EXIT_FAIL;
    struct catalog_df df = {0};
    int rc = catalog_df(c, &df, &cli->err);
    if (rc == 0 && json) {
        json_t *o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "home", catalog_home(c),
                              "images", (json_int_t)df.images, "objects", (json_int_t)df.objects,
                              "bytes", (json_int_t)df.bytes, "object_bytes",
                              (json_int_t)df.object_bytes, "reclaimable",
                              (json_int_t)df.reclaimable);
        json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', stdout);
        json_decref(o);
    } else if (rc == 0) {
        char total[32], objs[32], recl[32];
        viv_format_bytes_human(df.bytes, total, sizeof(total));
        viv_format_bytes_human(df.object_bytes, objs, sizeof(objs));
        viv_format_bytes_human(df.reclaimable, recl, sizeof(recl));
        printf("catalog      %s\n", catalog_home(c));
        printf("images       %llu\n", (unsigned long long)df.images);
        printf("objects      %llu (%s)\n", (unsigned long long)df.objects, objs);
        printf("total        %s (each file counted once)\n", total);
        printf("reclaimable  %s (viv prune)\n", recl);
    }
    catalog_close(c);
    return rc < 0 ? VIV_EXIT_FAIL : 0;
}
