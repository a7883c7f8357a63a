/*
 * qfork: the series as a quilt-style stack over a qfork tree.
 *
 * Every series entry has a state.  Upstream rows already released in the
 * pinned base are "in base": there is nothing to push for them.  The
 * other entries are the pushable ones, and the applied entries must be a
 * prefix of them, in series order (the tree's commits since the base).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_QUEUE_H
#define QF_QUEUE_H

#include <glib.h>

#include "qf-series.h"
#include "qf-tree.h"

typedef enum {
    QF_STATE_IN_BASE,           /* upstream row released in the base */
    QF_STATE_APPLIED,           /* has its commit in the tree */
    QF_STATE_PENDING,           /* pushable, not applied yet */
    QF_STATE_FAILED,            /* the last push of it failed */
    QF_STATE_UNAVAILABLE,       /* newer than the base and no patch file */
} QfEntryState;

typedef struct QfEntryStatus {
    const QfEntry *entry;
    QfEntryState state;
    char *reason;               /* why it is in that state, one line */
    char *commit;               /* APPLIED: its commit id */
    gboolean unverified;        /* IN_BASE judged by the table's minimum */
} QfEntryStatus;

typedef struct QfQueue {
    const QfSeries *series;     /* borrowed */
    QfTree *tree;               /* borrowed, NULL when there is no tree */
    GPtrArray *all;             /* QfEntryStatus*, series order */
    GPtrArray *pushable;        /* QfEntryStatus* of @all not in base */
    guint applied;              /* leading pushable entries applied */
    GPtrArray *commits;         /* QfTreeCommit*, base..HEAD */
    /*
     * Why the tree cannot be pushed onto as it is (its commits do not
     * follow the series, or its base is another release), or NULL.
     */
    char *mismatch;
} QfQueue;

const char *qf_entry_state_name(QfEntryState state);

/*
 * Is @entry an upstream row released in @base_version?  Uses the
 * verified first-release when it is a release string, else the table's
 * minimum release (and sets *@unverified).  @reason says which.
 */
gboolean qf_entry_in_base(const QfEntry *entry, const char *base_version,
                          gboolean *unverified, char **reason);

QfQueue *qf_queue_load(const QfSeries *series, QfTree *tree, GError **error);
void qf_queue_free(QfQueue *queue);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfQueue, qf_queue_free)

/* The top applied entry, or NULL. */
QfEntryStatus *qf_queue_top(const QfQueue *queue);
/* The entry the next push applies, or NULL when all are applied. */
QfEntryStatus *qf_queue_next(const QfQueue *queue);
/* Index in @pushable of the entry @ref names (see qf_series_find). */
gboolean qf_queue_find_pushable(const QfQueue *queue, const char *ref,
                                guint *index, GError **error);

/* The commit message of @entry's commit: the patch's, plus trailers. */
char *qf_commit_message(const QfEntry *entry, const char *subject,
                        const char *body);

typedef struct QfPushOptions {
    guint fuzz;
} QfPushOptions;

/*
 * Push qf_queue_next(): load its patch, check that every hunk applies,
 * write it and commit it as one commit.  Notes on offsets and fuzz are
 * appended to @notes.  A failure changes nothing in the tree and is
 * recorded for `qfork status`; a patch that is already in the tree (it
 * applies in reverse) fails with QF_ERROR_ALREADY.
 */
gboolean qf_queue_push_next(QfQueue *queue, const QfPushOptions *opts,
                            GPtrArray *notes, GError **error);

/*
 * Check that the next @count entries would apply, one on top of the
 * other, without touching the tree: they are applied to a scratch copy
 * of the files they touch.
 */
gboolean qf_queue_dry_run(QfQueue *queue, guint count,
                          const QfPushOptions *opts, GPtrArray *notes,
                          GError **error);

/* Pop entries until @keep pushable entries remain applied. */
gboolean qf_queue_pop_to(QfQueue *queue, guint keep, GError **error);

#endif
