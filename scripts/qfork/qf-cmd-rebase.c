/*
 * qfork rebase: move the series onto a new QEMU release.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "qf-rebase-run.h"
#include "qfork.h"

static void say(gpointer data, const char *line)
{
    qf_print(data, "%s\n", line);
}

/*
 * scripts/fetch-base.sh: $QFORK_FETCH_BASE, else beside series.conf,
 * else beside this program (build/qfork -> scripts/fetch-base.sh).
 */
static char *fetch_script(const QfSeries *series, const char *self)
{
    const char *env = g_getenv("QFORK_FETCH_BASE");
    g_autofree char *beside_series = NULL;
    g_autofree char *self_dir = NULL;

    if (env && *env) {
        return g_canonicalize_filename(env, NULL);
    }
    beside_series =
        g_build_filename(series->dir, "scripts", "fetch-base.sh", NULL);
    if (g_file_test(beside_series, G_FILE_TEST_IS_EXECUTABLE)) {
        return g_canonicalize_filename(beside_series, NULL);
    }
    self_dir = g_path_get_dirname(self);
    return g_build_filename(self_dir, "..", "scripts", "fetch-base.sh", NULL);
}

static int outcome(QfContext *ctx, gboolean ok, gboolean stopped,
                   GError **error)
{
    if (!ok) {
        return qf_exit_code(*error);
    }
    if (stopped) {
        (void)ctx;
        g_set_error(error, QF_ERROR, QF_ERROR_CONFLICT,
                    "stopped on a conflict (see above)");
        return QF_EXIT_ERROR;
    }
    return QF_EXIT_OK;
}

int qf_cmd_rebase(QfContext *ctx, int argc, char **argv, GError **error)
{
    gboolean cont = FALSE, abort_ = FALSE;
    g_autofree char *sha256 = NULL, *tarball = NULL, *source = NULL;
    g_autofree char *upstream = NULL, *report = NULL;
    const GOptionEntry entries[] = {
        {"continue", 0, 0, G_OPTION_ARG_NONE, &cont, NULL, NULL},
        {"abort", 0, 0, G_OPTION_ARG_NONE, &abort_, NULL, NULL},
        {"sha256", 0, 0, G_OPTION_ARG_STRING, &sha256, NULL, NULL},
        {"tarball", 0, 0, G_OPTION_ARG_STRING, &tarball, NULL, NULL},
        {"source", 0, 0, G_OPTION_ARG_STRING, &source, NULL, NULL},
        {"upstream-git", 0, 0, G_OPTION_ARG_STRING, &upstream, NULL, NULL},
        {"report", 0, 0, G_OPTION_ARG_STRING, &report, NULL, NULL},
        {NULL},
    };
    g_autofree char *self = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *script = NULL;
    QfRebaseOptions opts = {0};
    QfSeries *series;
    QfTree *tree;
    gboolean stopped = FALSE, ok;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error) ||
        !qf_check_positionals(ctx, argc, 1, error)) {
        return QF_EXIT_ERROR;
    }
    if ((cont || abort_) ? (argc > 1 || (cont && abort_) || sha256 || tarball ||
                            source || upstream || report)
                         : argc != 2) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "give a VERSION with its options, or --continue, or "
                    "--abort alone (see `qfork rebase --help`)");
        return QF_EXIT_ERROR;
    }
    series = qf_context_series(ctx, error);
    tree = series ? qf_context_tree(ctx, error) : NULL;
    if (!tree) {
        return QF_EXIT_ERROR;
    }
    script = fetch_script(series, self ? self : argv[0]);
    opts = (QfRebaseOptions){
        .version = argc > 1 ? argv[1] : NULL,
        .tarball = tarball,
        .sha256 = sha256,
        .source = source,
        .upstream_git = upstream,
        .report = report,
        .fetch_script = script,
        .qfork = self,
        .say = say,
        .say_data = ctx,
        .interrupted = qf_interrupted,
    };
    qf_catch_interrupts();
    if (abort_) {
        return qf_rebase_abort(tree, &opts, error) ? QF_EXIT_OK
                                                   : qf_exit_code(*error);
    }
    ok = cont ? qf_rebase_continue(series, tree, &opts, &stopped, error)
              : qf_rebase_start(series, tree, &opts, &stopped, error);
    return outcome(ctx, ok, stopped, error);
}
