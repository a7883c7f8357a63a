/*
 * qfork: the bisect driver - find the series entry that broke something.
 *
 * The search (qf-bisect.h) over a tree: at each step the tree moves to a
 * position with pop and push (never a fresh extraction, so the build is
 * incremental), the build command and then the test command run in the
 * tree, and the verdict is saved before the next step, so that a resume
 * continues after any interruption.  The log, the state and the last
 * build's and test's output live in the tree's .git/qfork/bisect/.
 *
 * Each call returns a QF_EXIT_* code: QF_EXIT_OK (the first bad entry
 * found; --reset done), QF_EXIT_AMBIGUOUS (skips leave a set of
 * candidates), QF_EXIT_NOTHING (nothing to resume or reset) or
 * QF_EXIT_ERROR with @error set (also when stopped: resumable).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_BISECT_RUN_H
#define QF_BISECT_RUN_H

#include <glib.h>

#include "qf-queue.h"

typedef struct QfBisectRunOptions {
    /* Starting a bisect (resume and reset take the saved ones). */
    const char *good;  /* an entry, or "base" */
    const char *bad;   /* an entry after @good */
    const char *build; /* shell command run in the tree; NULL: the default */
    gboolean no_build; /* no build at all */
    gboolean build_failure_is_bad; /* else a failed build is a skip */
    char **test;                   /* the test command's argv */
    /* The build's and test's output on ours, not in bisect/. */
    gboolean verbose;
    /* Progress, in pieces (a step's line comes in several); NULL: quiet. */
    void (*print)(gpointer data, const char *text);
    /* A warning that does not stop the bisect (a log it cannot write). */
    void (*warn)(gpointer data, const char *text);
    gpointer print_data; /* for both */
    /* Polled between steps: the signal that should stop it, or 0. */
    int (*interrupted)(void);
} QfBisectRunOptions;

/*
 * Start a bisect over @q's tree (which must follow the series and be
 * clean) and search until the first bad entry is found.
 */
int qf_bisect_run_start(QfQueue *q, const QfBisectRunOptions *o,
                        GError **error);
/* Continue the bisect under way, from its saved verdicts. */
int qf_bisect_run_resume(QfQueue *q, const QfBisectRunOptions *o,
                         GError **error);
/* End it: pop/push the tree back to where it started. */
int qf_bisect_run_reset(QfQueue *q, const QfBisectRunOptions *o,
                        GError **error);

#endif
