/* cmd_inspect.c: `viv inspect IMAGE`: everything the catalog knows of one image, as JSON. */
#include "image_json.h"
#include "runner.h"

int cmd_inspect(struct viv_cli *cli, int argc, char **argv)
{
    int first = cli_operands(cli, argc, argv, 1, 1, "one IMAGE");
    if (first <= 0)
        return first < 0 ? VIV_EXIT_FAIL : 0;
    struct viv_catalog *c = cli_open_catalog(cli);
    if (!c)
        return VIV_EXIT_FAIL;
    char id[65];
    struct viv_image img;
    int status = VIV_EXIT_FAIL;
    if (catalog_resolve(c, argv[first], id, &cli->err) == 0 &&
        catalog_image_load(c, id, &img, &cli->err) == 0) {
        image_json_print(image_json(&img, true));
        catalog_image_free(&img);
        status = 0;
    }
    catalog_close(c);
    return status;
}
