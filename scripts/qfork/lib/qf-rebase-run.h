/*
 * qfork: the rebase of the series onto a new QEMU release, over a tree.
 *
 * 1. Check everything that can be checked first (the version and its
 *    checksum, a clean tree on the pinned base, every patch parses, every
 *    upstream row the new base lacks can be carried), then back up
 *    series.conf, base.lock and patches/.
 * 2. Obtain the new base with the build's own scripts/fetch-base.sh (same
 *    sources, same verification) into a staging tree, and bring its base
 *    commit into the tree's repository.
 * 3. Move the tree to the new base and walk the series in order, each
 *    entry classified (qf-rebase.h) and, when kept, committed as `push`
 *    would.  A conflict stops the walk with markers in the tree.
 * 4. At the end, install the refreshed and new patch files, the edited
 *    series.conf and the new base.lock, and write the report.
 *
 * Until step 4, series.conf, base.lock and patches/ are untouched: new
 * patch files are staged in <tree>/.git/qfork/rebase/.  --abort resets
 * the tree to where it was and restores those files from the backup.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_REBASE_RUN_H
#define QF_REBASE_RUN_H

#include <glib.h>

#include "qf-series.h"
#include "qf-tree.h"

typedef struct QfRebaseOptions {
    const char *version;      /* the new release, e.g. "11.1.1" */
    const char *tarball;      /* NULL: the pinned name, new version */
    const char *sha256;       /* the new tarball's checksum: required */
    const char *source;       /* QEMU_SOURCE for the fetch, or NULL */
    const char *upstream_git; /* a QEMU git (directory or URL), or NULL */
    const char *report;       /* report path without .md/.json, or NULL */
    const char *fetch_script; /* scripts/fetch-base.sh */
    const char *qfork;        /* this program, for the fetch script */
    /* progress lines; NULL: quiet */
    void (*say)(gpointer data, const char *line);
    gpointer say_data;
    /* polled between entries: non-zero stops the rebase, resumable */
    int (*interrupted)(void);
} QfRebaseOptions;

/* Is a rebase of @tree under way (stopped or interrupted)? */
gboolean qf_rebase_in_progress(QfTree *tree);

/* Where a rebase under way is, for `qfork status`. */
typedef struct QfRebaseProgress {
    char *new_version; /* the release the series moves to */
    char *stopped;     /* the entry it stopped at on a conflict, or NULL */
    guint position;    /* 1-based: that entry's, else the next entry's */
} QfRebaseProgress;

/* NULL without @error when no rebase is under way. */
QfRebaseProgress *qf_rebase_progress(QfTree *tree, GError **error);
void qf_rebase_progress_free(QfRebaseProgress *progress);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfRebaseProgress, qf_rebase_progress_free)

/*
 * Start a rebase.  TRUE when it finished or stopped on a conflict
 * (*@stopped tells which); FALSE with @error otherwise.  Errors found
 * before the tree is moved leave everything as it was.
 */
gboolean qf_rebase_start(const QfSeries *series, QfTree *tree,
                         const QfRebaseOptions *opts, gboolean *stopped,
                         GError **error);

/*
 * Go on after a stop: the stopped entry becomes the tree's uncommitted
 * changes (refused while a conflict marker is left), then the walk
 * resumes.  Also resumes an interrupted rebase.
 */
gboolean qf_rebase_continue(const QfSeries *series, QfTree *tree,
                            const QfRebaseOptions *opts, gboolean *stopped,
                            GError **error);

/* Put the tree, series.conf, base.lock and patches/ back as they were. */
gboolean qf_rebase_abort(QfTree *tree, const QfRebaseOptions *opts,
                         GError **error);

#endif
