/* cmd_images.c: `viv images [--json] [-q]`. */
#include "image_json.h"
#include "runner.h"

#include <string.h>

static void print_row(const struct viv_image *img, const char *ref)
{
    char name[256] = "<none>", size[32], age[48];
    const char *tag = "<none>";
    if (ref) {
        snprintf(name, sizeof(name), "%s", ref);
        /* Tags never hold ':' and names never do either, so the last ':' splits them. */
        char *colon = strrchr(name, ':');
        if (colon) {
            *colon = '\0';
            tag = colon + 1;
        }
    }
    viv_format_bytes_human(img->size, size, sizeof(size));
    cli_format_age(img->created, age, sizeof(age));
    printf("%-30s %-12s %-12.12s %-8s %-10s %s\n", name, tag, img->id,
           viv_arch_name(img->manifest.arch), size, age);
}

int cmd_images(struct viv_cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        CLI_HELP_OPTION,
        {"json", no_argument, NULL, 'j'},
        {"quiet", no_argument, NULL, 'q'},
        {0},
    };
    bool json = false, quiet = false;
    int opt;
    while ((opt = getopt_long(argc, argv, ":hq", opts, NULL)) != -1) {
        switch (opt) {
        case 'h':
            return cli_help(cli);
        case 'j':
            json = true;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            return cli_bad_option(cli, opt, argv);
        }
    }
    if (optind != argc)
        return cli_usage_error(cli, "unexpected operand '%s'", argv[optind]);
    struct viv_catalog *c = cli_open_catalog(cli);
    if (!c)
        return VIV_EXIT_FAIL;
    struct viv_image *imgs;
    size_t n;
    if (catalog_list(c, &imgs, &n, &cli->err) < 0) {
        catalog_close(c);
        return VIV_EXIT_FAIL;
    }
    if (json) {
        json_t *a = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(a, image_json(&imgs[i], false));
        image_json_print(a);
    } else if (quiet) {
        for (size_t i = 0; i < n; i++)
            printf("%s\n", imgs[i].id);
    } else {
        printf("%-30s %-12s %-12s %-8s %-10s %s\n", "NAME", "TAG", "ID", "ARCH", "SIZE",
               "CREATED");
        for (size_t i = 0; i < n; i++) {
            if (imgs[i].refs.n == 0)
                print_row(&imgs[i], NULL);
            for (size_t r = 0; r < imgs[i].refs.n; r++)
                print_row(&imgs[i], imgs[i].refs.v[r]);
        }
    }
    catalog_list_free(imgs, n);
    catalog_close(c);
    return 0;
}
