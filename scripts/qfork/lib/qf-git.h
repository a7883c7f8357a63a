/*
 * qfork: running git for the rebase and patch refresh code.
 *
 * git runs as a child with an argv array (no shell), LC_ALL=C, without
 * the GIT_DIR family of variables, and - unless QF_GIT_USER_CONFIG is
 * given - without the user's and the system's configuration: output that
 * ends up in patch files must not depend on who runs the command
 * (diff.noprefix, color.ui, diff.algorithm, core.abbrev...).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_GIT_H
#define QF_GIT_H

#include <glib.h>

typedef enum {
    QF_GIT_DEFAULT = 0,
    QF_GIT_USER_CONFIG = 1 << 0,  /* keep ~/.gitconfig (proxies, URLs) */
    QF_GIT_QUIET_ERRORS = 1 << 1, /* a failure's message omits stderr */
} QfGitFlags;

typedef struct QfGitCall {
    const char *dir;         /* working directory */
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
GBytes *qf_git_bytes(const char *dir, const char *const *args, GBytes *input,
                     GError **error);
/* Like qf_git_bytes(), as a string with trailing whitespace removed. */
char *qf_git_text(const char *dir, const char *const *args, GBytes *input,
                  GError **error);
gboolean qf_git_ok(const char *dir, const char *const *args, GError **error);

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
 * The blobs at @paths in @commit, as path -> QfGitFile*; paths the commit
 * does not have (or has as a directory or submodule) are absent.
 */
GHashTable *qf_git_read_files(const char *dir, const char *commit,
                              GPtrArray *paths, GError **error);

#endif
