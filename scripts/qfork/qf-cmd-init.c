/*
 * qfork init: make an extracted QEMU release the base of a qfork tree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qfork.h"

/* --version, else the series' base; the series is optional here. */
static char *base_version(QfContext *ctx, const char *given, GError **error)
{
    QfSeries *series;

    if (given) {
        return g_strdup(given);
    }
    series = qf_context_series(ctx, error);
    if (!series) {
        g_prefix_error(error, "no --version given and ");
        return NULL;
    }
    if (!series->base_version) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "no --version given and %s has no base", series->path);
        return NULL;
    }
    return g_strdup(series->base_version);
}

int qf_cmd_init(QfContext *ctx, int argc, char **argv, GError **error)
{
    g_autofree char *version_opt = NULL;
    g_autofree char *source_desc = NULL;
    const GOptionEntry entries[] = {
        {"version", 0, 0, G_OPTION_ARG_STRING, &version_opt, NULL, NULL},
        {"source-desc", 0, 0, G_OPTION_ARG_STRING, &source_desc, NULL, NULL},
        {NULL},
    };
    g_autofree char *version = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *commit = NULL;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error) ||
        !qf_check_positionals(ctx, argc, 1, error)) {
        return QF_EXIT_ERROR;
    }
    version = base_version(ctx, version_opt, error);
    if (!version) {
        return QF_EXIT_ERROR;
    }
    dir = argc > 1 ? g_strdup(argv[1]) : qf_context_tree_dir(ctx, error);
    if (!dir) {
        return QF_EXIT_ERROR;
    }
    commit = qf_tree_init(dir, version, source_desc, error);
    if (!commit) {
        return qf_exit_code(*error);
    }
    qf_print(ctx, "%s: base QEMU %s is commit %s (%s)\n", dir, version,
             commit, QF_BASE_REF);
    return QF_EXIT_OK;
}
