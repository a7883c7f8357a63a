/*
 * qfork verify-base: prove every upstream row is in the pinned base.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-evidence.h"
#include "qfork.h"

/* Exit status when rows remain open: the run itself went well. */
#define EXIT_OPEN 3

static void say(gpointer data, const char *line)
{
    qf_print(data, "%s\n", line);
}

static void print_counts(QfContext *ctx, GPtrArray *rows, guint *open)
{
    guint ancestry = 0, content = 0, not_in = 0;

    *open = 0;
    for (guint i = 0; i < rows->len; i++) {
        const QfRowEvidence *r = rows->pdata[i];

        ancestry += r->kind == QF_EVIDENCE_ANCESTRY && r->in_base;
        content += r->kind == QF_EVIDENCE_CONTENT && r->in_base;
        not_in += r->kind != QF_EVIDENCE_OPEN && !r->in_base;
        *open += r->kind == QF_EVIDENCE_OPEN;
    }
    qf_print(ctx,
             "%u upstream rows: %u in base by ancestry, %u by content, "
             "%u proven not in base, %u open\n",
             rows->len, ancestry, content, not_in, *open);
}

static void print_notes(QfContext *ctx, GPtrArray *rows)
{
    for (guint i = 0; i < rows->len; i++) {
        const QfRowEvidence *r = rows->pdata[i];

        for (guint n = 0; r->content && n < r->content->notes->len; n++) {
            qf_print(ctx, "      %s: %s\n", r->entry->name,
                     (char *)r->content->notes->pdata[n]);
        }
    }
}

static gboolean write_series(QfContext *ctx, const QfSeries *series,
                             GPtrArray *rows, GError **error)
{
    g_autofree char *text = NULL;
    g_autofree char *edited = NULL;
    guint changed = 0;

    if (!g_file_get_contents(series->path, &text, NULL, error)) {
        return FALSE;
    }
    edited = qf_verify_edit_series(text, series, rows, &changed, error);
    if (!edited ||
        (changed && !g_file_set_contents(series->path, edited, -1, error))) {
        return FALSE;
    }
    qf_print(ctx, "%s: evidence recorded for %u row%s\n", series->path, changed,
             changed == 1 ? "" : "s");
    return TRUE;
}

int qf_cmd_verify_base(QfContext *ctx, int argc, char **argv, GError **error)
{
    g_autofree char *upstream = NULL, *base = NULL, *tip = NULL;
    gboolean write = FALSE, verbose = FALSE;
    const GOptionEntry entries[] = {
        {"upstream-git", 0, 0, G_OPTION_ARG_STRING, &upstream, NULL, NULL},
        {"base", 0, 0, G_OPTION_ARG_STRING, &base, NULL, NULL},
        {"tip", 0, 0, G_OPTION_ARG_STRING, &tip, NULL, NULL},
        {"write", 'w', 0, G_OPTION_ARG_NONE, &write, NULL, NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, NULL, NULL},
        {NULL},
    };
    QfVerifyOptions opts = {0};
    QfSeries *series;
    g_autoptr(GPtrArray) rows = NULL;
    g_autoptr(GPtrArray) only = NULL;
    guint open;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error)) {
        return QF_EXIT_ERROR;
    }
    if (!upstream) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "--upstream-git DIR is required (see `qfork verify-base "
                    "--help`)");
        return QF_EXIT_ERROR;
    }
    series = qf_context_series(ctx, error);
    if (!series || (!base && !(base = qf_context_tree_dir(ctx, error)))) {
        return QF_EXIT_ERROR;
    }
    if (argc > 1) {
        only = g_ptr_array_new();
        for (int i = 1; i < argc; i++) {
            QfEntry *e = qf_series_find(series, argv[i], error);

            if (!e) {
                return QF_EXIT_ERROR;
            }
            g_ptr_array_add(only, e);
        }
    }
    opts = (QfVerifyOptions){.upstream = upstream,
                             .tip = tip,
                             .only = only,
                             .base_version = series->base_version,
                             .base = {.dir = base}};
    rows = qf_verify_series(series, &opts, say, ctx, error);
    if (!rows) {
        return QF_EXIT_ERROR;
    }
    if (verbose) {
        print_notes(ctx, rows);
    }
    print_counts(ctx, rows, &open);
    if (write && !write_series(ctx, series, rows, error)) {
        return QF_EXIT_ERROR;
    }
    if (open) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%u row%s not proven (see 'open' above)", open,
                    open == 1 ? "" : "s");
        return EXIT_OPEN;
    }
    return QF_EXIT_OK;
}
