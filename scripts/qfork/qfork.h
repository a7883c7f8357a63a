/*
 * qfork: what the subcommands share — the context built from the global
 * options and the command table's type.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QFORK_H
#define QFORK_H

#include <glib.h>

#include "qf-error.h"
#include "qf-queue.h"
#include "qf-series.h"
#include "qf-tree.h"

typedef struct QfContext {
    const char *command;        /* the subcommand being run */
    char *series_path;          /* -s, or series.conf found from the cwd */
    char *tree_dir;             /* -C, or NULL: "qemu" beside the series */
    gboolean quiet;             /* -q: errors only */
    gboolean tree_unneeded;     /* a missing tree is not worth a note */
    QfSeries *series;           /* loaded on first use */
    QfTree *tree;               /* opened on first use */
} QfContext;

/*
 * A subcommand: parses its own arguments (argv[0] is its name), returns
 * a QF_EXIT_* code and, unless QF_EXIT_OK, sets @error with the message
 * main prints as "qfork CMD: message".
 */
typedef int (*QfCommandFunc)(QfContext *ctx, int argc, char **argv,
                             GError **error);

typedef struct QfCommand {
    const char *name;
    QfCommandFunc run;
    const char *summary;        /* one line, for `qfork --help` */
    const char *usage;          /* "push [-a | N | NAME] ..." */
    const char *help;           /* options and details, for CMD --help */
} QfCommand;

/* The series, loaded once; errors name the file and line. */
QfSeries *qf_context_series(QfContext *ctx, GError **error);
/* The tree directory: -C, or "qemu" beside the series file. */
char *qf_context_tree_dir(QfContext *ctx, GError **error);
/* The tree, opened (and recovered) once; says what recovery did. */
QfTree *qf_context_tree(QfContext *ctx, GError **error);
/* Like qf_context_tree(), but NULL without error when there is no tree. */
QfTree *qf_context_tree_if_any(QfContext *ctx, GError **error);

/*
 * The series over the tree.  With @need_tree FALSE a missing tree is not
 * an error: nothing is applied then.
 */
QfQueue *qf_context_queue(QfContext *ctx, gboolean need_tree,
                          GError **error);

/*
 * For the commands that take no arguments and list from the queue
 * (applied, unapplied, top): parse the arguments, load the queue (no tree
 * means nothing applied) and warn on stderr when the tree does not follow
 * the series.
 */
QfQueue *qf_context_list_queue(QfContext *ctx, int argc, char **argv,
                               GError **error);

/* stdout unless -q. */
void qf_print(QfContext *ctx, const char *format, ...) G_GNUC_PRINTF(2, 3);

/*
 * Parse a subcommand's options with @entries; reports unknown options as
 * an error naming the command.  Leaves the positional arguments in argv.
 */
gboolean qf_parse_options(QfContext *ctx, const GOptionEntry *entries,
                          int *argc, char ***argv, GError **error);

/* Fails with a usage error unless argc - 1 <= @max positionals. */
gboolean qf_check_positionals(QfContext *ctx, int argc, int max,
                              GError **error);

/* A positive count ("3"); FALSE when @arg is not all digits. */
gboolean qf_parse_count(const char *arg, guint *count);

/*
 * From here on SIGINT, SIGTERM and SIGHUP only set a flag: push and pop
 * finish (or roll back) the change in hand, then stop at a consistent
 * point.  git children run in their own process group, so a terminal's
 * Ctrl-C does not reach them either.
 */
void qf_catch_interrupts(void);
/* The signal caught since qf_catch_interrupts(), or 0. */
int qf_interrupted(void);

int qf_cmd_init(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_series(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_applied(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_unapplied(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_top(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_status(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_push(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_pop(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_lint(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_rebase(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_vm(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_doctor(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_bisect(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_query(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_verify_base(QfContext *ctx, int argc, char **argv, GError **error);
int qf_cmd_table(QfContext *ctx, int argc, char **argv, GError **error);

#endif
