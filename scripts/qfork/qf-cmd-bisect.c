/*
 * qfork bisect: the arguments; the driver is qf-bisect-run.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include "qf-bisect-run.h"
#include "qfork.h"

/* Split argv at "--": what follows is the test command. */
static char **split_test_command(int *argc, char **argv)
{
    for (int i = 1; i < *argc; i++) {
        if (g_str_equal(argv[i], "--")) {
            char **test = g_new0(char *, *argc - i);
            for (int j = i + 1; j < *argc; j++) {
                test[j - i - 1] = g_strdup(argv[j]);
            }
            *argc = i;
            return test;
        }
    }
    return NULL;
}

static gboolean check_modes(gboolean resume_mode, gboolean reset_mode,
                            const QfBisectRunOptions *o, GError **error)
{
    gboolean any_start = o->good || o->bad || o->build || o->no_build ||
                         o->build_failure_is_bad || (o->test && o->test[0]);

    if ((resume_mode && reset_mode) ||
        ((resume_mode || reset_mode) && any_start)) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%s takes no other option or command: a bisect keeps "
                    "the ones it was started with",
                    reset_mode ? "--reset" : "--resume");
        return FALSE;
    }
    if (o->build && o->no_build) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "--build and --no-build exclude each other");
        return FALSE;
    }
    return TRUE;
}

/* Progress as it comes: a step's line is printed in pieces. */
static void print_progress(gpointer data, const char *text)
{
    (void)data;
    fputs(text, stdout);
    fflush(stdout);
}

static void print_warning(gpointer data, const char *text)
{
    (void)data;
    fprintf(stderr, "qfork bisect: warning: %s\n", text);
}

int qf_cmd_bisect(QfContext *ctx, int argc, char **argv, GError **error)
{
    g_auto(GStrv) test = split_test_command(&argc, argv);
    g_autofree char *good = NULL, *bad = NULL, *build = NULL;
    gboolean no_build = FALSE, failure_is_bad = FALSE, resume_mode = FALSE,
             reset_mode = FALSE, verbose = FALSE;
    const GOptionEntry entries[] = {
        {"good", 0, 0, G_OPTION_ARG_STRING, &good, NULL, NULL},
        {"bad", 0, 0, G_OPTION_ARG_STRING, &bad, NULL, NULL},
        {"build", 0, 0, G_OPTION_ARG_STRING, &build, NULL, NULL},
        {"no-build", 0, 0, G_OPTION_ARG_NONE, &no_build, NULL, NULL},
        {"build-failure-is-bad", 0, 0, G_OPTION_ARG_NONE, &failure_is_bad, NULL,
         NULL},
        {"resume", 0, 0, G_OPTION_ARG_NONE, &resume_mode, NULL, NULL},
        {"reset", 0, 0, G_OPTION_ARG_NONE, &reset_mode, NULL, NULL},
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, NULL, NULL},
        {NULL},
    };
    QfBisectRunOptions o;
    g_autoptr(QfQueue) q = NULL;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error)) {
        return QF_EXIT_ERROR;
    }
    if (argc > 1) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "unexpected argument '%s': the test command goes after "
                    "-- (see `qfork bisect --help`)",
                    argv[1]);
        return QF_EXIT_ERROR;
    }
    o = (QfBisectRunOptions){
        .good = good,
        .bad = bad,
        .build = build,
        .no_build = no_build,
        .build_failure_is_bad = failure_is_bad,
        .test = test,
        .verbose = verbose,
        .print = ctx->quiet ? NULL : print_progress,
        .warn = print_warning,
        .interrupted = qf_interrupted,
    };
    if (!check_modes(resume_mode, reset_mode, &o, error)) {
        return QF_EXIT_ERROR;
    }
    q = qf_context_queue(ctx, TRUE, error);
    if (!q) {
        return QF_EXIT_ERROR;
    }
    qf_catch_interrupts();
    return reset_mode    ? qf_bisect_run_reset(q, &o, error)
           : resume_mode ? qf_bisect_run_resume(q, &o, error)
                         : qf_bisect_run_start(q, &o, error);
}
