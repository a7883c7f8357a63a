/*
 * qfork lint: series.conf against patches/ and the patches' headers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include "qf-lint.h"
#include "qfork.h"

int qf_cmd_lint(QfContext *ctx, int argc, char **argv, GError **error)
{
    g_autofree char *facts = NULL;
    const GOptionEntry entries[] = {
        {"facts", 0, 0, G_OPTION_ARG_FILENAME, &facts, NULL, NULL},
        {NULL},
    };
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(QfSeries) series = NULL;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error) ||
        !qf_check_positionals(ctx, argc, 0, error)) {
        return QF_EXIT_ERROR;
    }
    if (!ctx->series_path) {
        return qf_context_series(ctx, error) ? QF_EXIT_OK : QF_EXIT_ERROR;
    }
    /* Every parse error, not just the first: lint is for fixing them all. */
    series = qf_series_load_all(ctx->series_path, problems);
    if (series) {
        qf_series_lint(series, facts, problems);
    }
    for (guint i = 0; i < problems->len; i++) {
        fprintf(stderr, "%s\n", (char *)g_ptr_array_index(problems, i));
    }
    if (problems->len) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED, "%u problem%s found",
                    problems->len, problems->len == 1 ? "" : "s");
        return QF_EXIT_ERROR;
    }
    qf_print(ctx, "%s: %u entries, no problems\n", series->path,
             series->entries->len);
    return QF_EXIT_OK;
}
