/*
 * qfork table: the vendor's patch tables, rendered from series.conf.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include "qf-table.h"
#include "qfork.h"

int qf_cmd_table(QfContext *ctx, int argc, char **argv, GError **error)
{
    g_autofree char *format_name = NULL, *output = NULL;
    gboolean html = FALSE, json = FALSE;
    const GOptionEntry entries[] = {
        {"format", 0, 0, G_OPTION_ARG_STRING, &format_name, NULL, NULL},
        {"html", 0, 0, G_OPTION_ARG_NONE, &html, NULL, NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, NULL, NULL},
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &output, NULL, NULL},
        {NULL},
    };
    QfTableFormat format = QF_TABLE_MARKDOWN;
    QfSeries *series;
    g_autofree char *text = NULL;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error) ||
        !qf_check_positionals(ctx, argc, 0, error)) {
        return QF_EXIT_ERROR;
    }
    if ((html + json + (format_name != NULL)) > 1 ||
        (format_name && !qf_table_format_from_name(format_name, &format))) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "give one format: --format markdown|html|json, --html "
                    "or --json");
        return QF_EXIT_ERROR;
    }
    format = html ? QF_TABLE_HTML : json ? QF_TABLE_JSON : format;
    series = qf_context_series(ctx, error);
    if (!series) {
        return QF_EXIT_ERROR;
    }
    text = qf_table_render(series, format);
    if (output) {
        /* Replaced whole: a reader never sees half a page. */
        return g_file_set_contents(output, text, -1, error) ? QF_EXIT_OK
                                                            : QF_EXIT_ERROR;
    }
    fputs(text, stdout);
    return QF_EXIT_OK;
}
