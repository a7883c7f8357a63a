/*
 * qfork: writing a series commit without running git (libgit2).
 *
 * `qfork push` used to run git update-index, write-tree, commit-tree and
 * update-ref for every entry; on QEMU's 37k-file index each of them reads
 * the whole index.  Here the blobs of the touched paths, the trees from
 * the parent commit's tree down to them, the commit and the branch update
 * are written in-process, byte for byte what those commands write for the
 * same work tree: the commit ids do not change (tests/cli/qfork-commit-ids.sh).
 * The index stays git's business (qf-tree.c).
 *
 * Where qfork cannot be sure to write what git would - content filters in
 * .gitattributes or core.autocrlf, a date or name it does not read exactly
 * as git does, a commit git would re-encode or sign - a function returns
 * NULL without setting an error, and the caller asks git instead.
 *
 * Like qf-git.h, only the repository's own configuration counts, never the
 * user's or the system's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_ODB_H
#define QF_ODB_H

#include <glib.h>

typedef struct QfOdb QfOdb;

/* The repository of the work tree @dir; NULL without error if libgit2
 * cannot handle it (then git does everything). */
QfOdb *qf_odb_open(const char *dir, GError **error);
void qf_odb_free(QfOdb *odb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfOdb, qf_odb_free)

/*
 * The tree of commit @parent with each of @paths as it is in the work tree
 * (a regular file or symlink is added or replaced, anything else removed),
 * as `git update-index --add --remove` and `git write-tree` would make it
 * from an index that matched @parent.  Returns its id.
 */
char *qf_odb_write_tree(QfOdb *odb, const char *parent, GPtrArray *paths,
                        GError **error);

/*
 * The entries of commit @rev (e.g. "HEAD") at @paths, as path -> "mode
 * type id" as `git ls-tree --full-tree @rev -- @paths` formats them;
 * paths it does not have are absent.  A directory is listed as its own
 * tree entry (ls-tree lists what is in it instead).
 */
GHashTable *qf_odb_list_entries(QfOdb *odb, const char *rev, GPtrArray *paths,
                                GError **error);

/*
 * The commit `git commit-tree @tree -p @parent` makes with these ident
 * lines ("Name <email> 1700000000 +0100") and @message (ending in a
 * newline).  Returns its id.
 */
char *qf_odb_write_commit(QfOdb *odb, const char *tree, const char *parent,
                          const char *author, const char *committer,
                          const char *message, GError **error);

/* Move HEAD (its branch) from @old to @commit, failing if it is not at
 * @old, with @reflog as the reflog message: `git update-ref`. */
gboolean qf_odb_move_head(QfOdb *odb, const char *old, const char *commit,
                          const char *reflog, GError **error);

/*
 * The ident line git makes from GIT_*_NAME, GIT_*_EMAIL and GIT_*_DATE set
 * to @name, @email and @date (RFC 2822 or ISO 8601 with a numeric zone):
 * ends of the name and address trimmed of what git calls crud, the date as
 * seconds and zone.  NULL when it cannot be sure to match git.
 */
char *qf_odb_ident(const char *name, const char *email, const char *date);

#endif
