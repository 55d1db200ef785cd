/* cli.c: what the verbs share: help, usage errors, the catalog handle, progress and warnings. */
#include "runner.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

const struct viv_verb *viv_verb_find(const char *name)
{
    for (size_t i = 0; i < viv_verb_count; i++)
        if (strcmp(viv_verbs[i].name, name) == 0)
            return &viv_verbs[i];
    return NULL;
}

int cli_help(struct viv_cli *cli)
{
    const struct viv_verb *v = viv_verb_find(cli->verb);
    fputs(v ? v->usage : "", stdout);
    return 0;
}

int cli_usage_error(struct viv_cli *cli, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    viv_fail(&cli->err, 0, "%s (see 'viv %s --help')", msg, cli->verb);
    return VIV_EXIT_FAIL;
}

int cli_bad_option(struct viv_cli *cli, int opt, char **argv)
{
    /* getopt says nothing itself (the leading ':' of every optstring): one line, ours, says what
     * was wrong. A long option is named as typed, up to any "=VALUE"; a short one, which may sit
     * in a cluster ("-it"), by its letter. getopt sets optopt to 0 for an unknown long option and
     * to the option's value when one was missing or not wanted. */
    const char *word = optind > 0 ? argv[optind - 1] : "";
    bool is_long = strncmp(word, "--", 2) == 0 && (optopt == 0 || opt == ':' || strchr(word, '='));
    char name[64];
    if (is_long)
        snprintf(name, sizeof(name), "%.*s", (int)strcspn(word, "="), word);
    else
        snprintf(name, sizeof(name), "-%c", optopt > ' ' && optopt < 127 ? optopt : '?');
    if (opt == ':')
        return cli_usage_error(cli, "option '%s' needs a value", name);
    if (is_long && optopt)
        return cli_usage_error(cli, "option '%s' takes no value", name);
    return cli_usage_error(cli, "unknown option '%s'", name);
}

int cli_operands(struct viv_cli *cli, int argc, char **argv, int min, int max, const char *what)
{
    static const struct option opts[] = {CLI_HELP_OPTION, {0}};
    int opt;
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        if (opt == 'h')
            return cli_help(cli);
        cli_bad_option(cli, opt, argv);
        return -1;
    }
    int n = argc - optind;
    if (n < min || (max >= 0 && n > max)) {
        cli_usage_error(cli, "expected %s", what);
        return -1;
    }
    return optind;
}

struct viv_catalog *cli_open_catalog(struct viv_cli *cli)
{
    struct viv_catalog *c = NULL;
    if (catalog_open(NULL, &c, &cli->err) < 0)
        return NULL;
    return c;
}

void cli_progress_init(struct cli_progress *p, const char *label)
{
    memset(p, 0, sizeof(*p));
    p->label = label;
    p->tty = isatty(STDERR_FILENO);
    p->start_ms = viv_now_ms();
    p->last_pct = -1;
}

void cli_progress_update(void *ctx, uint64_t done, uint64_t total)
{
    struct cli_progress *p = ctx;
    /* Small imports finish before a bar would help: show one for large inputs, or once an
     * import has taken half a second. */
    if (!p->tty || total == 0)
        return;
    if (!p->shown && total < (64u << 20) && viv_now_ms() - p->start_ms < 500)
        return;
    int pct = (int)(done >= total ? 100 : done * 100 / total);
    if (pct == p->last_pct)
        return;
    p->last_pct = pct;
    p->shown = true;
    char d[32], t[32], bar[31];
    viv_format_bytes_human(done, d, sizeof(d));
    viv_format_bytes_human(total, t, sizeof(t));
    int fill = pct * 30 / 100;
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, ' ', (size_t)(30 - fill));
    bar[30] = '\0';
    fprintf(stderr, "\r%s [%s] %3d%% %s / %s\033[K", p->label, bar, pct, d, t);
    fflush(stderr);
}

void cli_progress_done(struct cli_progress *p)
{
    if (p->shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}

void cli_warn(void *ctx, const char *msg)
{
    struct cli_progress *p = ctx;
    if (p && p->shown)
        fputs("\r\033[K", stderr);
    fprintf(stderr, "viv: warning: %s\n", msg);
}

void cli_format_age(int64_t then, char *buf, size_t len)
{
    int64_t d = (int64_t)time(NULL) - then;
    if (d < 0)
        d = 0;
    static const struct {
        int64_t secs;
        const char *unit;
    } units[] = {{86400 * 365, "year"}, {86400 * 30, "month"}, {86400 * 7, "week"},
                 {86400, "day"},        {3600, "hour"},        {60, "minute"}};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(units); i++) {
        if (d >= units[i].secs) {
            int64_t n = d / units[i].secs;
            snprintf(buf, len, "%lld %s%s ago", (long long)n, units[i].unit, n == 1 ? "" : "s");
            return;
        }
    }
    snprintf(buf, len, "%lld second%s ago", (long long)d, d == 1 ? "" : "s");
}
