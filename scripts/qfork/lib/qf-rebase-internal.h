/*
 * qfork rebase: what the files of the rebase driver (qf-rebase-run.c,
 * -state.c, -backup.c, -replay.c, -merge.c) share.  Not an API: the
 * driver's API is qf-rebase-run.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_REBASE_INTERNAL_H
#define QF_REBASE_INTERNAL_H

#include <glib.h>

#include "qf-rebase-run.h"
#include "qf-rebase.h"

#define GROUP "rebase"
#define REF_NEW_BASE "refs/qfork/rebase/new-base"
#define REF_ORIG_HEAD "refs/qfork/rebase/orig-head"

/* One rebase over a tree: what start, --continue and --abort share. */
typedef struct Run {
    const QfSeries *series;
    QfTree *tree;
    const QfRebaseOptions *opts;
    const char *dir; /* the tree */
    char *state_dir;
    GKeyFile *state;
    GPtrArray *items; /* QfRebaseItem*, one per series entry */
    QfUpstream *up;
    GHashTable *chain; /* entry name -> ChainStep*, lazily */
    gint64 started;    /* seconds since the epoch */
} Run;

/* What became of one entry: done, stopped on a conflict, or an error. */
typedef enum { STEP_OK, STEP_STOP, STEP_ERROR } StepResult;

/* ---- state (qf-rebase-state.c) */
void rebase_run_clear(Run *run);
void rebase_say(const Run *run, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void rebase_banner(const Run *run, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
gboolean rebase_git(const Run *run, const char *const *args, GError **error);
char *rebase_path(const Run *run, const char *name);
char *rebase_get(const Run *run, const char *key);
void rebase_set(Run *run, const char *key, const char *value);
gboolean rebase_save(Run *run, GError **error);
void rebase_item_save(Run *run, const QfRebaseItem *it);
void rebase_items_init(Run *run);
QfRebaseItem *rebase_item_reset(Run *run, guint index);
gboolean rebase_write_report(Run *run, gboolean done, const char *stopped,
                             GError **error);
gboolean rebase_load_state(Run *run, GError **error);
gboolean rebase_run_open(Run *run, const QfSeries *series, QfTree *tree,
                         const QfRebaseOptions *opts);

/* ---- backup (qf-rebase-backup.c) */
char *rebase_series_path(const QfSeries *series);
char *rebase_repo_file(const char *series_dir, const char *rel);
gboolean rebase_back_up(Run *run, const char *series_dir, GError **error);
gboolean rebase_restore_backup(Run *run, const char *series_dir,
                               GError **error);

/* ---- merge (qf-rebase-merge.c) */
StepResult rebase_merge_entry(Run *run, QfRebaseItem *it, const QfEntry *e,
                              const QfPatch *patch, const char *text,
                              const char *upstream_commit, GError **error);

/* ---- replay (qf-rebase-replay.c) */
char *rebase_commit_entry(Run *run, const QfEntry *e, const QfPatch *patch,
                          const QfApplyResult *r, GError **error);
gboolean rebase_refresh_item(Run *run, QfRebaseItem *it, const QfPatch *patch,
                             const char *old_text, GError **error);
gboolean rebase_walk(Run *run, guint from, gboolean *stopped, GError **error);
gboolean rebase_drop_refs(Run *run, GError **error);

#endif
