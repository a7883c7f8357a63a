/*
 * qfork: the tool's own state inside a tree, kept in <tree>/.git/qfork/.
 *
 * - journal: written before a push or pop changes anything and removed
 *   once the change is committed, so that a killed qfork leaves enough
 *   behind for the next run to put the tree back in a consistent state.
 * - failed: the last push failure (entry and message), for `qfork status`.
 *
 * Both are GKeyFile files replaced atomically (write a temporary, rename).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_STATE_H
#define QF_STATE_H

#include <glib.h>

/* Create @dir and its parents; QF_ERROR_IO naming @dir if that fails. */
gboolean qf_state_make_dir(const char *dir, GError **error);

typedef enum {
    QF_JOURNAL_PUSH,            /* writing one entry's files and commit */
    QF_JOURNAL_POP,             /* resetting the tree to an older commit */
} QfJournalKind;

typedef struct QfJournal {
    QfJournalKind kind;
    char *entry;                /* push: the entry being pushed */
    char *old_head;             /* HEAD before the operation started */
    char *target;               /* pop: the commit being reset to */
    GPtrArray *paths;           /* push: every path the change touches */
    /*
     * push: paths that earlier entries of the same run committed and that
     * the index has not caught up with yet (qf_tree_defer_index()).
     */
    GPtrArray *unindexed;
    gint64 pid;                 /* the qfork process that wrote it */
} QfJournal;

QfJournal *qf_journal_new(QfJournalKind kind);
void qf_journal_free(QfJournal *journal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfJournal, qf_journal_free)

gboolean qf_journal_write(const char *state_dir, const QfJournal *journal,
                          GError **error);
/* Returns NULL without setting @error when there is no journal. */
QfJournal *qf_journal_read(const char *state_dir, GError **error);
gboolean qf_journal_remove(const char *state_dir, GError **error);

/* The last failed push; NULL without error when none is recorded. */
typedef struct QfFailure {
    char *entry;
    char *message;
} QfFailure;

void qf_failure_free(QfFailure *failure);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfFailure, qf_failure_free)

gboolean qf_failure_record(const char *state_dir, const char *entry,
                           const char *message, GError **error);
QfFailure *qf_failure_read(const char *state_dir, GError **error);
gboolean qf_failure_clear(const char *state_dir, GError **error);

#endif
