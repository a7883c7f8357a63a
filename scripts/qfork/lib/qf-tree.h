/*
 * qfork: the patched tree as a git repository.
 *
 * The tree contract: the first commit is the pristine base, made by
 * qf_tree_init() with a fixed identity and date so that its id depends
 * only on the files, and pointed to by refs/qfork/base.  Every pushed
 * series entry is one commit on top carrying a "Qfork-Entry: <name>"
 * trailer.  /build/ is excluded so QEMU can be built inside the tree.
 *
 * Commits are written in-process (qf-odb.h) where that gives what git
 * would write, and otherwise by git through qf-git.h.  Opening a tree takes an
 * exclusive lock for the life of the QfTree and finishes or undoes
 * whatever a killed qfork left half done (see qf-state.h for the journal).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_TREE_H
#define QF_TREE_H

#include <glib.h>

#include "qf-apply.h"

#define QF_BASE_REF "refs/qfork/base"
#define QF_BASE_SUBJECT_PREFIX "Base: QEMU "
#define QF_ENTRY_TRAILER "Qfork-Entry"

typedef struct QfTree QfTree;

/* One commit between the base and HEAD. */
typedef struct QfTreeCommit {
    char *id;                   /* full object id */
    char *entry;                /* its Qfork-Entry trailer, NULL if none */
    char *subject;
} QfTreeCommit;

void qf_tree_commit_free(QfTreeCommit *commit);

/* Who made a series commit and what it says. */
typedef struct QfCommitInfo {
    const char *author_name;
    const char *author_email;
    const char *author_date;    /* any format git accepts, e.g. RFC 2822 */
    const char *message;        /* complete message, trailers included */
} QfCommitInfo;

/*
 * Turn the extracted tree @dir into a qfork tree whose base commit says
 * "Base: QEMU <version>" (and @source_desc as its body when given).
 * Returns the base commit id.  Refuses a directory that already is a git
 * repository: with QF_ERROR_NOTHING when it is a qfork tree of the same
 * @version, QF_ERROR_FAILED otherwise.
 */
char *qf_tree_init(const char *dir, const char *version,
                   const char *source_desc, GError **error);

/*
 * Open a qfork tree: lock it, then recover from an interrupted push or
 * pop (qf_tree_recovery_note() says what was done).  QF_ERROR_NOT_FOUND
 * when @dir does not exist or is not a qfork tree.
 */
QfTree *qf_tree_open(const char *dir, GError **error);
void qf_tree_free(QfTree *tree);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfTree, qf_tree_free)

const char *qf_tree_dir(const QfTree *tree);          /* absolute */
const char *qf_tree_state_dir(const QfTree *tree);    /* .git/qfork */
const char *qf_tree_base_commit(const QfTree *tree);
/* The version in the base commit's subject, NULL if it has none. */
const char *qf_tree_base_version(const QfTree *tree);
/* What opening the tree had to recover, or NULL. */
const char *qf_tree_recovery_note(const QfTree *tree);

char *qf_tree_head(QfTree *tree, GError **error);

/*
 * Uncommitted changes as `git status --porcelain` lines ("XY path").
 * Untracked files count; files ignored by git (build/) do not.
 */
GPtrArray *qf_tree_dirty_paths(QfTree *tree, GError **error);
/* QF_ERROR_DIRTY, listing the paths, unless the tree is clean. */
gboolean qf_tree_require_clean(QfTree *tree, GError **error);

/*
 * What a push may touch: files git tracks (in HEAD: push needs a clean
 * tree) and new files where nothing is - never a file git does not track
 * (ignored, or in build/, which is the user's), nor a new one inside a
 * directory git does not track, nor anything below build/.  @result was
 * prepared from @patch_file (for messages).  @overlay (path -> TRUE for a
 * file an earlier entry created, FALSE for one it removed) lets a dry run
 * check entry after entry without committing; it is updated with
 * @result's changes.  NULL for a single entry.  QF_ERROR_CONFLICT naming
 * the path.
 */
gboolean qf_tree_check_tracked(QfTree *tree, const char *patch_file,
                               const QfApplyResult *result,
                               GHashTable *overlay, GError **error);

/* Commits from the base (excluded) to HEAD, oldest first. */
GPtrArray *qf_tree_commits(QfTree *tree, GError **error);

/*
 * Write @result into the tree and commit it on top of @parent, which must
 * be HEAD, as one commit with @info, all under the journal: if anything
 * fails the touched paths are restored from HEAD, and if the process dies
 * the next qf_tree_open() does the same.  Returns the new commit id.
 */
char *qf_tree_push(QfTree *tree, const char *parent, const char *entry,
                   const QfApplyResult *result, const QfCommitInfo *info,
                   GError **error);

/*
 * Let qf_tree_push() leave the index behind: on QEMU's 37k-file index,
 * writing it is most of what a push costs.  The journal names the paths
 * the index lags on, so a killed qfork's successor catches it up; any
 * function here that git needs the index for catches it up first, and so
 * do qf_tree_flush() and qf_tree_free().
 */
void qf_tree_defer_index(QfTree *tree, gboolean defer);
/* Bring the index up to the commits qf_tree_push() made (one git run). */
gboolean qf_tree_flush(QfTree *tree, GError **error);

/* Reset the tree to @commit (an ancestor of HEAD), under the journal. */
gboolean qf_tree_pop_to(QfTree *tree, const char *commit, GError **error);

/*
 * Building blocks of the above, for tests and recovery: commit the
 * current content of @paths on top of @parent and move HEAD from @parent
 * to it; put @paths back as they are in HEAD (deleting those HEAD does
 * not have, and the temporaries qf_apply_write() may have left).
 */
char *qf_tree_commit_paths(QfTree *tree, const char *parent,
                           GPtrArray *paths, const QfCommitInfo *info,
                           GError **error);
gboolean qf_tree_restore_paths(QfTree *tree, GPtrArray *paths,
                               GError **error);

#endif
