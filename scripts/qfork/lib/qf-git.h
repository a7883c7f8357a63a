/*
 * qfork: running git.  Every git child of qfork goes through here.
 *
 * git runs with an argv array (no shell), LC_ALL=C, without the GIT_DIR
 * family of variables, trusting (safe.directory) only the repository it
 * is run in, and - unless QF_GIT_USER_CONFIG is given - without the
 * user's and the system's configuration: what ends up in commits and
 * patch files must not depend on who runs the command (core.autocrlf
 * would change the base commit's blobs; diff.noprefix, color.ui,
 * diff.algorithm, core.abbrev... the refreshed patches).
 *
 * The child runs in its own process group, so that a terminal's Ctrl-C
 * reaches qfork only and qfork decides what an interrupt means (finish
 * the entry, then stop), and it dies with qfork, so that no orphan keeps
 * changing a tree while the next qfork recovers it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_GIT_H
#define QF_GIT_H

#include <glib.h>

typedef enum {
    QF_GIT_DEFAULT = 0,
    QF_GIT_USER_CONFIG = 1 << 0,   /* keep ~/.gitconfig (proxies, URLs) */
    QF_GIT_LITERAL_PATHS = 1 << 1, /* pathspecs are file names, not globs */
    /*
     * Stay in qfork's process group: Ctrl-C stops this git too.  For a
     * download that nothing depends on half done (a clone).
     */
    QF_GIT_INTERRUPTIBLE = 1 << 2,
} QfGitFlags;

typedef struct QfGitCall {
    const char *dir;         /* working directory (the repository), or NULL */
    const char *const *args; /* after "git", NULL-terminated */
    GBytes *input;           /* stdin, or NULL */
    const char *const *env;  /* extra "NAME=VALUE", or NULL */
    QfGitFlags flags;
} QfGitCall;

/*
 * Run git; *@status is its exit status (-1 when killed by a signal),
 * *@out its stdout and *@err its stderr (either may be NULL).  FALSE only
 * when git could not be run at all.
 */
gboolean qf_git_call(const QfGitCall *call, int *status, GBytes **out,
                     char **err, GError **error);

/* stdout of a git that must succeed; the error carries its stderr. */
GBytes *qf_git_run(const QfGitCall *call, GError **error);
/* Like qf_git_run(), as a string with trailing whitespace removed. */
char *qf_git_run_text(const QfGitCall *call, GError **error);

/*
 * qf_git_run() of git @opts (NULL-terminated) -- @paths: @call's own
 * args are replaced for the run and left unset after it.
 */
GBytes *qf_git_run_paths(QfGitCall *call, const char *const *opts,
                         GPtrArray *paths, GError **error);

/* The same for the common case: no environment, no flags. */
GBytes *qf_git_bytes(const char *dir, const char *const *args, GBytes *input,
                     GError **error);
char *qf_git_text(const char *dir, const char *const *args, GBytes *input,
                  GError **error);
gboolean qf_git_ok(const char *dir, const char *const *args, GError **error);

/* The records of git's -z output, split at NULs (the last may lack one). */
GStrv qf_git_split_nul(GBytes *out);

/* Is @rev a commit in the repository at @dir?  Its full id, or NULL. */
char *qf_git_resolve_commit(const char *dir, const char *rev);

/* One file of a commit: content (symlinks: the target) and git mode. */
typedef struct QfGitFile {
    GBytes *content;
    guint mode; /* 0100644, 0100755 or 0120000 */
} QfGitFile;

void qf_git_file_free(QfGitFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfGitFile, qf_git_file_free)

/*
 * The entries of @commit at @paths (file names, not globs), as path ->
 * "mode type oid" ("100644 blob <oid>", "040000 tree <oid>").  As in
 * `git ls-tree` without -r, a directory among @paths is listed itself -
 * unless a deeper path below it is asked for too: then only that deeper
 * entry is (its directories exist all the same).  NUL-separated, so any
 * file name works.
 */
GHashTable *qf_git_list_entries(const char *dir, const char *commit,
                                GPtrArray *paths, GError **error);

/*
 * The blobs at @paths in @commit, as path -> QfGitFile*; paths the commit
 * does not have (or has as a directory or submodule) are absent.
 */
GHashTable *qf_git_read_files(const char *dir, const char *commit,
                              GPtrArray *paths, GError **error);

#endif
