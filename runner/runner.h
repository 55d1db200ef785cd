/* runner: the CLI verbs and what they share (the verb table, option parsing, output helpers). */
#ifndef VIV_RUNNER_H
#define VIV_RUNNER_H

#include "base/base.h"
#include "catalog/catalog.h"

#include <getopt.h>

/* The container convention for viv's own failures, shared with the run verbs. */
enum {
    VIV_EXIT_FAIL = 125,
    VIV_EXIT_CANNOT_EXEC = 126,
    VIV_EXIT_NOT_FOUND = 127,
};

struct viv_catalog;
struct viv_cli {
    const char *verb;
    struct viv_error err;
    bool verbose;
    /* Imports a file operand of `viv run`: NULL in viv, which leaves imports to viv-full (the
     * archive and hash libraries' start-up would cost every run); in_full then runs the whole
     * command there instead, returning only on failure. */
    int (*import_file)(struct viv_catalog *c, const char *path, char id[65],
                       struct viv_error *err);
    int (*in_full)(struct viv_cli *cli);
};

/* One verb: run returns the exit status; on failure it fills cli->err and returns
 * VIV_EXIT_FAIL, and main prints "viv: VERB: message" once. */
struct viv_verb {
    const char *name;
    const char *summary;
    const char *usage; /* full help text printed by `viv VERB --help` */
    int (*run)(struct viv_cli *cli, int argc, char **argv);
};

extern const struct viv_verb viv_verbs[];
extern const size_t viv_verb_count;
const struct viv_verb *viv_verb_find(const char *name);

int cmd_build(struct viv_cli *cli, int argc, char **argv);
int cmd_import(struct viv_cli *cli, int argc, char **argv);
int cmd_images(struct viv_cli *cli, int argc, char **argv);
int cmd_inspect(struct viv_cli *cli, int argc, char **argv);
int cmd_tag(struct viv_cli *cli, int argc, char **argv);
int cmd_rm(struct viv_cli *cli, int argc, char **argv);
int cmd_export(struct viv_cli *cli, int argc, char **argv);
int cmd_fsck(struct viv_cli *cli, int argc, char **argv);
int cmd_prune(struct viv_cli *cli, int argc, char **argv);
int cmd_df(struct viv_cli *cli, int argc, char **argv);
int cmd_run(struct viv_cli *cli, int argc, char **argv);
int cmd_exec(struct viv_cli *cli, int argc, char **argv);
int cmd_binfmt(struct viv_cli *cli, int argc, char **argv);
/* viv started by binfmt_misc for a foreign program (cmd_exec.c), and running it. */
bool cmd_exec_binfmt_invoked(int argc, char **argv);
int cmd_exec_binfmt(struct viv_cli *cli, int argc, char **argv);

/* Print the verb's usage (for --help) on stdout; returns 0. */
int cli_help(struct viv_cli *cli);
/* The long option every verb takes. */
#define CLI_HELP_OPTION {"help", no_argument, NULL, 'h'}
/* For verbs whose only option is --help: check the operand count (max < 0: unbounded).
 * Returns the index of the first operand, 0 after printing help, or -1 on a usage error. */
int cli_operands(struct viv_cli *cli, int argc, char **argv, int min, int max, const char *what);
/* A usage error: fills cli->err with the message and a pointer to --help; returns VIV_EXIT_FAIL. */
int cli_usage_error(struct viv_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A usage error for the option getopt_long just refused (opt its '?' or ':', with a leading ':'
 * in every optstring so that a missing value is told apart); returns VIV_EXIT_FAIL. */
int cli_bad_option(struct viv_cli *cli, int opt, char **argv);
/* Open the catalog named by $VIV_HOME (or the default); NULL with cli->err filled on failure. */
struct viv_catalog *cli_open_catalog(struct viv_cli *cli);
/* A progress bar on stderr when it is a terminal; silent otherwise. */
struct cli_progress {
    const char *label;
    bool tty;
    bool shown;
    int64_t start_ms;
    int last_pct;
};
void cli_progress_init(struct cli_progress *p, const char *label);
void cli_progress_update(void *p, uint64_t done, uint64_t total);
void cli_progress_done(struct cli_progress *p);
void cli_warn(void *ctx, const char *msg);
/* "12 seconds ago", "3 days ago". */
void cli_format_age(int64_t then, char *buf, size_t len);

#endif
