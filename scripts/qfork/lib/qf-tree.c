/*
 * qfork: the patched tree as a git repository.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-tree.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qf-delta.h"
#include "qf-error.h"
#include "qf-git.h"
#include "qf-odb.h"
#include "qf-state.h"

/*
 * The base commit's identity and date are fixed so that its id depends
 * only on the files: two machines extracting the same tarball get the
 * same base, hence the same ids for every pushed entry too.
 */
#define BASE_IDENT_NAME "QEMU"
#define BASE_IDENT_EMAIL "qemu-devel@nongnu.org"
#define BASE_DATE "2000-01-01T00:00:00+00:00"
/* Committer of series commits unless GIT_COMMITTER_* say otherwise. */
#define SERIES_COMMITTER_NAME "qfork"
#define SERIES_COMMITTER_EMAIL "qfork@invalid"
#define BRANCH "master"
#define MAX_DIRTY_LISTED 20

struct QfTree {
    char *dir;
    char *git_dir;
    char *state_dir;
    char *base_commit;
    char *base_version;
    char *recovery_note;
    int lock_fd;
    QfOdb *odb;             /* in-process writer, NULL: git does it all */
    gboolean odb_tried;
    /*
     * qf_tree_defer_index(): paths committed since the index was last
     * brought up to date, which the journal keeps naming until it is.
     */
    gboolean defer_index;
    GPtrArray *unindexed;
    GHashTable *unindexed_set;
};

void qf_tree_commit_free(QfTreeCommit *commit)
{
    if (!commit) {
        return;
    }
    g_free(commit->id);
    g_free(commit->entry);
    g_free(commit->subject);
    g_free(commit);
}

/* ---- git input -------------------------------------------------------- */

/* Paths NUL-terminated, for git's -z --stdin interfaces. */
static GBytes *nul_list(GPtrArray *paths)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < paths->len; i++) {
        g_string_append(s, g_ptr_array_index(paths, i));
        g_string_append_c(s, '\0');
    }
    return g_string_free_to_bytes(s);
}

/* ---- init ------------------------------------------------------------- */

static gboolean is_directory(const char *path)
{
    return g_file_test(path, G_FILE_TEST_IS_DIR);
}

/* "Base: QEMU 11.1.1" -> "11.1.1"; NULL for any other subject. */
static char *version_from_subject(const char *subject)
{
    if (!subject || !g_str_has_prefix(subject, QF_BASE_SUBJECT_PREFIX)) {
        return NULL;
    }
    return g_strstrip(g_strdup(subject + strlen(QF_BASE_SUBJECT_PREFIX)));
}

/* Reads refs/qfork/base; FALSE without error when the ref is absent. */
static gboolean read_base(const char *dir, char **commit, char **version,
                          GError **error)
{
    const char *args[] = {"for-each-ref",
                          "--format=%(objectname)%0a%(subject)", QF_BASE_REF,
                          NULL};
    g_autofree char *out = qf_git_text(dir, args, NULL, error);
    char *nl;

    if (!out || !*out) {
        return FALSE;
    }
    nl = strchr(out, '\n');
    *version = version_from_subject(nl ? nl + 1 : NULL);
    if (nl) {
        *nl = '\0';
    }
    *commit = g_strdup(out);
    return TRUE;
}

static gboolean refuse_existing_repo(const char *dir, const char *version,
                                     GError **error)
{
    g_autofree char *commit = NULL;
    g_autofree char *have = NULL;
    g_autoptr(GError) local = NULL;

    if (!read_base(dir, &commit, &have, &local)) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%s is already a git repository that qfork did not "
                    "create (no %s); refusing to touch it",
                    dir, QF_BASE_REF);
        return FALSE;
    }
    if (g_strcmp0(have, version) == 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                    "%s is already a qfork tree with base QEMU %s (commit "
                    "%.12s)", dir, version, commit);
    } else {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%s is already a qfork tree with base QEMU %s, not %s; "
                    "remove it to create a new one",
                    dir, have ? have : "(unknown)", version);
    }
    return FALSE;
}

static gboolean append_exclude(const char *git_dir, GError **error)
{
    g_autofree char *info = g_build_filename(git_dir, "info", NULL);
    g_autofree char *path = g_build_filename(info, "exclude", NULL);
    g_autofree char *old = NULL;
    g_autofree char *text = NULL;

    g_mkdir_with_parents(info, 0755);
    if (!g_file_get_contents(path, &old, NULL, NULL)) {
        old = g_strdup("");
    }
    text = g_strdup_printf("%s%s# QEMU is built inside the tree (qfork)\n"
                           "/build/\n",
                           old, *old && !g_str_has_suffix(old, "\n") ? "\n"
                                                                     : "");
    if (!g_file_set_contents(path, text, -1, error)) {
        return FALSE;
    }
    return TRUE;
}

/*
 * QEMU's index has ~37k entries (2.8 MB).  push -a writes it once (its
 * commits are written without it, see qf-odb.h), pop once; a split index
 * rewrites only the entries that changed and version 4 compresses the
 * paths.
 */
static gboolean configure_index(const char *dir, GError **error)
{
    const char *split[] = {"config", "core.splitIndex", "true", NULL};
    const char *version[] = {"config", "index.version", "4", NULL};

    return qf_git_ok(dir, split, error) && qf_git_ok(dir, version, error);
}

static const char *const base_env[] = {
    "GIT_AUTHOR_NAME=" BASE_IDENT_NAME,
    "GIT_AUTHOR_EMAIL=" BASE_IDENT_EMAIL,
    "GIT_AUTHOR_DATE=" BASE_DATE,
    "GIT_COMMITTER_NAME=" BASE_IDENT_NAME,
    "GIT_COMMITTER_EMAIL=" BASE_IDENT_EMAIL,
    "GIT_COMMITTER_DATE=" BASE_DATE,
    NULL,
};

static char *commit_base(const char *dir, const char *version,
                         const char *source_desc, GError **error)
{
    /*
     * -f: the pristine base is every file of the release, including any
     * its own .gitignore would hide.  Only our build directory stays out.
     */
    const char *add[] = {"add", "-A", "-f", "--", ".", ":(top,exclude)build",
                         NULL};
    const char *write_tree[] = {"write-tree", NULL};
    g_autofree char *tree = NULL;
    g_autofree char *commit = NULL;
    g_autofree char *message = NULL;
    g_autoptr(GBytes) msg = NULL;

    if (!qf_git_ok(dir, add, error)) {
        return NULL;
    }
    tree = qf_git_text(dir, write_tree, NULL, error);
    if (!tree) {
        return NULL;
    }
    message = source_desc && *source_desc
                  ? g_strdup_printf(QF_BASE_SUBJECT_PREFIX "%s\n\n%s\n",
                                    version, source_desc)
                  : g_strdup_printf(QF_BASE_SUBJECT_PREFIX "%s\n", version);
    msg = g_bytes_new(message, strlen(message));
    {
        const char *args[] = {"commit-tree", tree, NULL};
        QfGitCall call = {
            .dir = dir, .args = args, .input = msg, .env = base_env};
        commit = qf_git_run_text(&call, error);
    }
    if (!commit) {
        return NULL;
    }
    {
        const char *head[] = {"update-ref", "-m", "qfork init", "HEAD",
                              commit, NULL};
        const char *base[] = {"update-ref", QF_BASE_REF, commit, NULL};
        if (!qf_git_ok(dir, head, error) || !qf_git_ok(dir, base, error)) {
            return NULL;
        }
    }
    return g_steal_pointer(&commit);
}

char *qf_tree_init(const char *dir, const char *version,
                   const char *source_desc, GError **error)
{
    g_autofree char *git_dir = g_build_filename(dir, ".git", NULL);
    const char *init[] = {"init", "-q", "--initial-branch=" BRANCH, NULL};
    g_autoptr(GDir) d = NULL;

    if (!version || !*version) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "no base version given for %s", dir);
        return NULL;
    }
    if (!is_directory(dir)) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "%s is not a directory (extract the QEMU %s release "
                    "there first)", dir, version);
        return NULL;
    }
    if (g_file_test(git_dir, G_FILE_TEST_EXISTS)) {
        refuse_existing_repo(dir, version, error);
        return NULL;
    }
    d = g_dir_open(dir, 0, error);
    if (!d) {
        return NULL;
    }
    if (!g_dir_read_name(d)) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%s is empty (extract the QEMU %s release there first)",
                    dir, version);
        return NULL;
    }
    if (!qf_git_ok(dir, init, error) || !append_exclude(git_dir, error) ||
        !configure_index(dir, error)) {
        return NULL;
    }
    return commit_base(dir, version, source_desc, error);
}

/* ---- open, lock ------------------------------------------------------- */

static gboolean lock_tree(QfTree *tree, GError **error)
{
    g_autofree char *path = g_build_filename(tree->state_dir, "lock", NULL);

    if (!qf_state_make_dir(tree->state_dir, error)) {
        return FALSE;
    }
    /*
     * flock: released by the kernel however the holder dies, so holding
     * it proves that no other qfork is half way through a change here.
     */
    tree->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (tree->lock_fd < 0) {
        int saved = errno;
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot open %s: %s", path,
                    g_strerror(saved));
        return FALSE;
    }
    if (flock(tree->lock_fd, LOCK_EX | LOCK_NB) < 0) {
        int saved = errno;
        if (saved == EWOULDBLOCK) {
            g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                        "another qfork command is working on %s; wait for "
                        "it to finish", tree->dir);
        } else {
            g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot lock %s: %s",
                        path, g_strerror(saved));
        }
        return FALSE;
    }
    return TRUE;
}

static gboolean recover(QfTree *tree, GError **error);

QfTree *qf_tree_open(const char *dir, GError **error)
{
    g_autoptr(QfTree) tree = g_new0(QfTree, 1);
    g_autoptr(GError) local = NULL;

    tree->lock_fd = -1;
    tree->unindexed = g_ptr_array_new_with_free_func(g_free);
    tree->unindexed_set = g_hash_table_new(g_str_hash, g_str_equal);
    tree->dir = g_canonicalize_filename(dir, NULL);
    tree->git_dir = g_build_filename(tree->dir, ".git", NULL);
    tree->state_dir = g_build_filename(tree->git_dir, "qfork", NULL);
    if (!is_directory(tree->dir)) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "tree %s does not exist (create it with `make` or "
                    "`qfork init`)", dir);
        return NULL;
    }
    if (!is_directory(tree->git_dir)) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "%s is not a qfork tree (it has no .git; create it with "
                    "`qfork init`)", dir);
        return NULL;
    }
    if (!read_base(tree->dir, &tree->base_commit, &tree->base_version,
                   &local)) {
        if (local) {
            g_propagate_error(error, g_steal_pointer(&local));
        } else {
            g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                        "%s is a git repository but not a qfork tree (no "
                        "%s)", dir, QF_BASE_REF);
        }
        return NULL;
    }
    if (!lock_tree(tree, error) || !recover(tree, error)) {
        return NULL;
    }
    return g_steal_pointer(&tree);
}

void qf_tree_free(QfTree *tree)
{
    if (!tree) {
        return;
    }
    if (tree->unindexed && tree->unindexed->len) {
        /* A failure leaves the journal: the next qfork finishes the job. */
        qf_tree_flush(tree, NULL);
    }
    if (tree->lock_fd >= 0) {
        close(tree->lock_fd);
    }
    qf_odb_free(tree->odb);
    g_clear_pointer(&tree->unindexed, g_ptr_array_unref);
    g_clear_pointer(&tree->unindexed_set, g_hash_table_unref);
    g_free(tree->dir);
    g_free(tree->git_dir);
    g_free(tree->state_dir);
    g_free(tree->base_commit);
    g_free(tree->base_version);
    g_free(tree->recovery_note);
    g_free(tree);
}

const char *qf_tree_dir(const QfTree *tree)
{
    return tree->dir;
}

const char *qf_tree_state_dir(const QfTree *tree)
{
    return tree->state_dir;
}

const char *qf_tree_base_commit(const QfTree *tree)
{
    return tree->base_commit;
}

const char *qf_tree_base_version(const QfTree *tree)
{
    return tree->base_version;
}

const char *qf_tree_recovery_note(const QfTree *tree)
{
    return tree->recovery_note;
}

char *qf_tree_head(QfTree *tree, GError **error)
{
    const char *args[] = {"rev-parse", "--verify", "-q", "HEAD^{commit}",
                          NULL};
    return qf_git_text(tree->dir, args, NULL, error);
}

/* The NUL-separated records git @args prints in @tree; NULL on failure. */
static GStrv git_records(QfTree *tree, const char *const *args, GError **error)
{
    g_autoptr(GBytes) out = qf_git_bytes(tree->dir, args, NULL, error);

    return out ? qf_git_split_nul(out) : NULL;
}

/* ---- status ----------------------------------------------------------- */

GPtrArray *qf_tree_dirty_paths(QfTree *tree, GError **error)
{
    const char *args[] = {"status", "--porcelain=v1", "-z",
                          "--untracked-files=normal", NULL};
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) recs = NULL;

    if (!qf_tree_flush(tree, error)) {
        return NULL;
    }
    recs = git_records(tree, args, error);
    if (!recs) {
        return NULL;
    }
    for (gsize i = 0; recs[i]; i++) {
        const char *r = recs[i];

        g_ptr_array_add(lines, g_strdup(r));
        if (strlen(r) > 3 && (r[0] == 'R' || r[0] == 'C') && recs[i + 1]) {
            i++; /* the rename's source path */
        }
    }
    return g_steal_pointer(&lines);
}

/* The blob id of the work tree's @path as git would store it, or NULL. */
static char *work_blob_id(const char *top, const char *path)
{
    g_autofree char *full = g_build_filename(top, path, NULL);
    g_autofree char *data = NULL;
    g_autoptr(GBytes) bytes = NULL;
    gsize len = 0;

    if (g_file_test(full, G_FILE_TEST_IS_SYMLINK)) {
        data = g_file_read_link(full, NULL);
        len = data ? strlen(data) : 0;
    } else if (g_file_test(full, G_FILE_TEST_IS_REGULAR)) {
        g_file_get_contents(full, &data, &len, NULL);
    }
    if (!data) {
        return NULL;
    }
    bytes = g_bytes_new_take(g_steal_pointer(&data), len);
    return qf_git_blob_sha1(bytes);
}

/*
 * Files marked assume-unchanged or skip-worktree are not compared by git:
 * `git status` calls the tree clean and `reset --hard` overwrites them.
 * Their content is checked here instead; one that differs from the index
 * is an edit qfork would lose.
 */
static gboolean require_no_hidden_edits(QfTree *tree, GError **error)
{
    const char *args[] = {"ls-files", "-v", "-s", "-z", NULL};
    g_autoptr(GBytes) out = qf_git_bytes(tree->dir, args, NULL, error);
    g_auto(GStrv) recs = NULL;

    if (!out) {
        return FALSE;
    }
    recs = qf_git_split_nul(out);
    for (gsize i = 0; recs[i]; i++) {
        /* "t mode oid stage\tpath"; t lowercase or S: git does not look. */
        const char *r = recs[i];
        const char *tab = strchr(r, '\t');
        g_auto(GStrv) f = NULL;
        g_autofree char *actual = NULL;

        if (!tab || !(g_ascii_islower(r[0]) || r[0] == 'S')) {
            continue;
        }
        f = g_strsplit(r, " ", 4);
        actual = work_blob_id(tree->dir, tab + 1);
        if (g_strv_length(f) < 4 || g_strcmp0(actual, f[2]) != 0) {
            g_set_error(error, QF_ERROR, QF_ERROR_DIRTY,
                        "%s: %s is marked %s in git's index and differs "
                        "from it: an edit git does not show, that qfork "
                        "would lose; commit or discard it, then clear the "
                        "mark (git update-index --no-%s -- '%s')",
                        tree->dir, tab + 1,
                        r[0] == 'S' || r[0] == 's' ? "skip-worktree"
                                                   : "assume-unchanged",
                        r[0] == 'S' || r[0] == 's' ? "skip-worktree"
                                                   : "assume-unchanged",
                        tab + 1);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean qf_tree_require_clean(QfTree *tree, GError **error)
{
    g_autoptr(GPtrArray) dirty = qf_tree_dirty_paths(tree, error);
    GString *msg;

    if (!dirty) {
        return FALSE;
    }
    if (dirty->len == 0) {
        return require_no_hidden_edits(tree, error);
    }
    msg = g_string_new(NULL);
    g_string_printf(msg,
                    "%s has uncommitted changes; qfork changes nothing in a "
                    "dirty tree (commit, stash or discard these first):",
                    tree->dir);
    for (guint i = 0; i < dirty->len && i < MAX_DIRTY_LISTED; i++) {
        g_string_append_printf(msg, "\n  %s",
                               (char *)g_ptr_array_index(dirty, i));
    }
    if (dirty->len > MAX_DIRTY_LISTED) {
        g_string_append_printf(msg, "\n  ... and %u more",
                               dirty->len - MAX_DIRTY_LISTED);
    }
    g_set_error_literal(error, QF_ERROR, QF_ERROR_DIRTY, msg->str);
    g_string_free(msg, TRUE);
    return FALSE;
}

/* ---- what a patch may touch ------------------------------------------ */

/* The directory QEMU is built in: excluded from the tree by qf_tree_init. */
#define BUILD_DIR "build"

/*
 * The nearest directory above @path that exists in the work tree, ""
 * for the top or when a file is in the way (one the patch removes: the
 * applier checked that).  Directories an earlier change of the same
 * result would create do not exist yet, and need no check: they will be
 * git's.
 */
static char *nearest_existing_dir(const char *top, const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);

    while (strcmp(dir, ".") != 0) {
        g_autofree char *full = g_build_filename(top, dir, NULL);
        GStatBuf st;
        char *up;

        if (g_lstat(full, &st) == 0) {
            return S_ISDIR(st.st_mode) ? g_steal_pointer(&dir) : g_strdup("");
        }
        up = g_path_get_dirname(dir);
        g_free(dir);
        dir = up;
    }
    return g_strdup("");
}

static gboolean is_empty_dir(const char *top, const char *dir)
{
    g_autofree char *full = g_build_filename(top, dir, NULL);
    g_autoptr(GDir) d = g_dir_open(full, 0, NULL);

    return d && !g_dir_read_name(d);
}

static gboolean is_created(const QfFileChange *c)
{
    return c->kind == QF_CHANGE_CREATE || c->kind == QF_CHANGE_RENAME ||
           c->kind == QF_CHANGE_COPY;
}

static QfOdb *tree_odb(QfTree *tree);

/* HEAD's entries at @paths, as qf_git_list_entries() lists them. */
static GHashTable *head_entries(QfTree *tree, GPtrArray *paths,
                                GError **error)
{
    /* in-process: this runs for every entry a push applies */
    if (tree_odb(tree)) {
        return qf_odb_list_entries(tree->odb, "HEAD", paths, error);
    }
    return qf_git_list_entries(tree->dir, "HEAD", paths, error);
}

/* Every directory HEAD has among @entries: listed, or above a listed path. */
static GHashTable *head_dirs(GHashTable *entries)
{
    GHashTable *dirs =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTableIter it;
    gpointer key, value;

    g_hash_table_iter_init(&it, entries);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const char *path = key;

        if (strstr(value, " tree ")) {
            g_hash_table_add(dirs, g_strdup(path));
        }
        for (const char *slash = strchr(path, '/'); slash;
             slash = strchr(slash + 1, '/')) {
            g_hash_table_add(dirs, g_strndup(path, (gsize)(slash - path)));
        }
    }
    return dirs;
}

typedef struct TrackedCheck {
    QfTree *tree;
    const char *patch_file;
    GHashTable *entries; /* HEAD's entries at the paths asked for */
    GHashTable *dirs;    /* HEAD's directories among them */
    GHashTable *overlay; /* path -> tracked after the changes so far */
} TrackedCheck;

static gboolean is_tracked_file(const TrackedCheck *t, const char *path)
{
    gpointer known;
    const char *e;

    if (g_hash_table_lookup_extended(t->overlay, path, NULL, &known)) {
        return GPOINTER_TO_INT(known);
    }
    e = g_hash_table_lookup(t->entries, path);
    return e && strstr(e, " blob ");
}

static gboolean check_source(const TrackedCheck *t, const char *path,
                             GError **error)
{
    if (is_tracked_file(t, path)) {
        return TRUE;
    }
    g_set_error(error, QF_ERROR, QF_ERROR_CONFLICT,
                "%s: %s: not a file of the tree (git does not track it: it "
                "is yours, untracked or ignored); a patch changes only "
                "files of the tree", t->patch_file, path);
    return FALSE;
}

static gboolean check_created(const TrackedCheck *t, const char *path,
                              GError **error)
{
    const char *top = t->tree->dir;
    g_autofree char *dir = NULL;

    if (g_str_equal(path, BUILD_DIR) ||
        g_str_has_prefix(path, BUILD_DIR "/")) {
        g_set_error(error, QF_ERROR, QF_ERROR_CONFLICT,
                    "%s: %s: " BUILD_DIR "/ is excluded from the tree (QEMU "
                    "is built there); a patch may not write to it",
                    t->patch_file, path);
        return FALSE;
    }
    if (is_tracked_file(t, path)) {
        return TRUE; /* the applier has said whether it may be replaced */
    }
    dir = nearest_existing_dir(top, path);
    if (*dir && !g_hash_table_contains(t->dirs, dir) &&
        !is_empty_dir(top, dir)) {
        g_set_error(error, QF_ERROR, QF_ERROR_CONFLICT,
                    "%s: %s: would be created inside '%s', a directory git "
                    "does not track (it is yours); a patch adds files only "
                    "to the tree's directories",
                    t->patch_file, path, dir);
        return FALSE;
    }
    return TRUE;
}

/* Every path @result reads or writes, and where its new files would go. */
static GPtrArray *paths_to_ask(QfTree *tree, const QfApplyResult *result,
                               GHashTable *overlay)
{
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint i = 0; i < result->changes->len; i++) {
        const QfFileChange *c = g_ptr_array_index(result->changes, i);
        char *ask[3] = {g_strdup(c->old_path), g_strdup(c->path),
                        is_created(c) ? nearest_existing_dir(tree->dir,
                                                             c->path)
                                      : NULL};

        for (guint j = 0; j < G_N_ELEMENTS(ask); j++) {
            if (ask[j] && *ask[j] && !g_hash_table_contains(overlay, ask[j]) &&
                g_hash_table_add(seen, g_strdup(ask[j]))) {
                g_ptr_array_add(paths, g_steal_pointer(&ask[j]));
            }
            g_free(ask[j]);
        }
    }
    return paths;
}

gboolean qf_tree_check_tracked(QfTree *tree, const char *patch_file,
                               const QfApplyResult *result,
                               GHashTable *overlay, GError **error)
{
    g_autoptr(GHashTable) own = NULL;
    g_autoptr(GPtrArray) ask = NULL;
    g_autoptr(GHashTable) entries = NULL;
    g_autoptr(GHashTable) dirs = NULL;
    TrackedCheck t = {.tree = tree, .patch_file = patch_file};

    if (!overlay) {
        own = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        overlay = own;
    }
    ask = paths_to_ask(tree, result, overlay);
    entries = head_entries(tree, ask, error);
    if (!entries) {
        return FALSE;
    }
    dirs = head_dirs(entries);
    t.entries = entries;
    t.dirs = dirs;
    t.overlay = overlay;
    for (guint i = 0; i < result->changes->len; i++) {
        const QfFileChange *c = g_ptr_array_index(result->changes, i);

        if (c->old_path && !check_source(&t, c->old_path, error)) {
            return FALSE;
        }
        if (is_created(c) && !check_created(&t, c->path, error)) {
            return FALSE;
        }
        if (c->kind == QF_CHANGE_DELETE || c->kind == QF_CHANGE_RENAME) {
            g_hash_table_replace(overlay, g_strdup(c->old_path),
                                 GINT_TO_POINTER(FALSE));
        }
        if (c->kind != QF_CHANGE_DELETE) {
            g_hash_table_replace(overlay, g_strdup(c->path),
                                 GINT_TO_POINTER(TRUE));
        }
    }
    return TRUE;
}

/* ---- history ---------------------------------------------------------- */

/* Value of the last "Qfork-Entry:" line of a message, or NULL. */
static char *entry_from_message(const char *message)
{
    g_auto(GStrv) lines = g_strsplit(message, "\n", -1);
    char *found = NULL;

    for (gsize i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], QF_ENTRY_TRAILER ":")) {
            g_free(found);
            found = g_strstrip(
                g_strdup(lines[i] + strlen(QF_ENTRY_TRAILER ":")));
        }
    }
    if (found && !*found) {
        g_clear_pointer(&found, g_free);
    }
    return found;
}

/* One -z record of "%H%n%P%n%s%n%B". */
static QfTreeCommit *parse_log_record(const char *rec, char **parents)
{
    g_auto(GStrv) parts = g_strsplit(rec, "\n", 4);
    QfTreeCommit *c;

    if (g_strv_length(parts) < 3) {
        return NULL;
    }
    c = g_new0(QfTreeCommit, 1);
    c->id = g_strdup(parts[0]);
    c->subject = g_strdup(parts[2]);
    c->entry = entry_from_message(parts[3] ? parts[3] : "");
    *parents = g_strdup(parts[1]);
    return c;
}

static gboolean first_parent_is(const char *parents, const char *expect)
{
    return g_str_has_prefix(parents, expect) &&
           (parents[strlen(expect)] == '\0' || parents[strlen(expect)] == ' ');
}

GPtrArray *qf_tree_commits(QfTree *tree, GError **error)
{
    g_autofree char *range = g_strdup_printf("%s..HEAD", tree->base_commit);
    const char *args[] = {"log", "-z", "--reverse", "--first-parent",
                          "--format=%H%n%P%n%s%n%B", range, "--", NULL};
    g_autoptr(GPtrArray) commits =
        g_ptr_array_new_with_free_func((GDestroyNotify)qf_tree_commit_free);
    g_autofree char *head = qf_tree_head(tree, error);
    const char *prev = tree->base_commit;
    g_auto(GStrv) recs = NULL;

    if (!head) {
        return NULL;
    }
    recs = git_records(tree, args, error);
    if (!recs) {
        return NULL;
    }
    for (gsize i = 0; recs[i]; i++) {
        g_autofree char *parents = NULL;
        QfTreeCommit *c = parse_log_record(recs[i], &parents);

        if (!c || !first_parent_is(parents, prev)) {
            qf_tree_commit_free(c);
            break;          /* not a chain from the base: reported below */
        }
        g_ptr_array_add(commits, c);
        prev = c->id;
    }
    if (strcmp(prev, head) != 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "HEAD (%.12s) of %s does not descend from %s (%.12s): "
                    "check out the qfork history (`git -C %s checkout "
                    BRANCH "`)",
                    head, tree->dir, QF_BASE_REF, tree->base_commit,
                    tree->dir);
        return NULL;
    }
    return g_steal_pointer(&commits);
}

/* ---- commit ----------------------------------------------------------- */

static void add_env(GPtrArray *env, const char *name, const char *value)
{
    g_ptr_array_add(env, g_strdup_printf("%s=%s", name, value));
}

/*
 * Series commits get the patch's author and date.  The committer is
 * fixed, dated like the author, so that the same series on the same base
 * gives the same commit ids everywhere; GIT_COMMITTER_* still win.
 */
static GPtrArray *commit_env(const QfCommitInfo *info)
{
    GPtrArray *env = g_ptr_array_new_with_free_func(g_free);
    const char *date = info->author_date ? info->author_date : BASE_DATE;

    add_env(env, "GIT_AUTHOR_NAME",
            info->author_name ? info->author_name : SERIES_COMMITTER_NAME);
    add_env(env, "GIT_AUTHOR_EMAIL",
            info->author_email ? info->author_email : SERIES_COMMITTER_EMAIL);
    add_env(env, "GIT_AUTHOR_DATE", date);
    if (!g_getenv("GIT_COMMITTER_NAME")) {
        add_env(env, "GIT_COMMITTER_NAME", SERIES_COMMITTER_NAME);
    }
    if (!g_getenv("GIT_COMMITTER_EMAIL")) {
        add_env(env, "GIT_COMMITTER_EMAIL", SERIES_COMMITTER_EMAIL);
    }
    if (!g_getenv("GIT_COMMITTER_DATE")) {
        add_env(env, "GIT_COMMITTER_DATE", date);
    }
    g_ptr_array_add(env, NULL);
    return env;
}

/* @message as commit-tree wants it: ending in a newline */
static char *with_newline(const char *message)
{
    return g_str_has_suffix(message, "\n") ? g_strdup(message)
                                           : g_strconcat(message, "\n", NULL);
}

/* What git running with @env sees as $@name. */
static const char *env_value(GPtrArray *env, const char *name)
{
    gsize len = strlen(name);

    for (guint i = 0; i < env->len && env->pdata[i]; i++) {
        const char *e = env->pdata[i];
        if (!strncmp(e, name, len) && e[len] == '=') {
            return e + len + 1;
        }
    }
    return g_getenv(name);
}

/* The ident git makes for @who (AUTHOR, COMMITTER); NULL: ask git. */
static char *env_ident(GPtrArray *env, const char *who)
{
    g_autofree char *name = g_strdup_printf("GIT_%s_NAME", who);
    g_autofree char *email = g_strdup_printf("GIT_%s_EMAIL", who);
    g_autofree char *date = g_strdup_printf("GIT_%s_DATE", who);
    const char *n = env_value(env, name);
    const char *e = env_value(env, email);
    const char *d = env_value(env, date);

    return n && e && d ? qf_odb_ident(n, e, d) : NULL;
}

static QfOdb *tree_odb(QfTree *tree)
{
    if (!tree->odb_tried) {
        tree->odb_tried = TRUE;
        tree->odb = qf_odb_open(tree->dir, NULL);
    }
    return tree->odb;
}

/*
 * @paths in an order `git update-index` always takes: those the work tree
 * no longer has as a file first, so that a file replacing a directory, or
 * a directory a file, never meets the old one in the index.
 */
static GBytes *update_list(const char *top, GPtrArray *paths)
{
    GString *gone = g_string_new(NULL);
    g_autoptr(GString) files = g_string_new(NULL);

    for (guint i = 0; i < paths->len; i++) {
        const char *p = g_ptr_array_index(paths, i);
        g_autofree char *full = g_build_filename(top, p, NULL);
        struct stat st;
        gboolean file = lstat(full, &st) == 0 &&
                        (S_ISREG(st.st_mode) || S_ISLNK(st.st_mode));

        g_string_append_len(file ? files : gone, p, (gssize)strlen(p) + 1);
    }
    g_string_append_len(gone, files->str, (gssize)files->len);
    return g_string_free_to_bytes(gone);
}

/* The index entries of @paths made to match the work tree. */
static gboolean update_index(QfTree *tree, GPtrArray *paths, GError **error)
{
    const char *args[] = {"update-index", "--add", "--remove", "-z",
                          "--stdin", NULL};
    g_autoptr(GBytes) list = NULL;
    g_autoptr(GBytes) out = NULL;

    if (!paths->len) {
        return TRUE;
    }
    list = update_list(tree->dir, paths);
    out = qf_git_bytes(tree->dir, args, list, error);
    return out != NULL;
}

/* The paths of @a that are not in @b. */
static GPtrArray *paths_except(GPtrArray *a, GPtrArray *b)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) skip = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < b->len; i++) {
        g_hash_table_add(skip, g_ptr_array_index(b, i));
    }
    for (guint i = 0; i < a->len; i++) {
        if (!g_hash_table_contains(skip, g_ptr_array_index(a, i))) {
            g_ptr_array_add(out, g_strdup(g_ptr_array_index(a, i)));
        }
    }
    return out;
}

static void note_unindexed(QfTree *tree, GPtrArray *paths)
{
    for (guint i = 0; i < paths->len; i++) {
        const char *p = g_ptr_array_index(paths, i);
        if (!g_hash_table_contains(tree->unindexed_set, p)) {
            char *copy = g_strdup(p);
            g_ptr_array_add(tree->unindexed, copy);
            g_hash_table_add(tree->unindexed_set, copy);
        }
    }
}

/*
 * Bring the index up to the commits made under qf_tree_defer_index(),
 * except for @busy (an entry being undone puts those back itself).
 */
static gboolean sync_unindexed(QfTree *tree, GPtrArray *busy, GError **error)
{
    g_autoptr(GPtrArray) todo = NULL;
    g_autoptr(GPtrArray) none = g_ptr_array_new();

    if (!tree->unindexed->len) {
        return TRUE;
    }
    todo = paths_except(tree->unindexed, busy ? busy : none);
    if (!update_index(tree, todo, error)) {
        return FALSE;
    }
    g_hash_table_remove_all(tree->unindexed_set);
    g_ptr_array_set_size(tree->unindexed, 0);
    return TRUE;
}

void qf_tree_defer_index(QfTree *tree, gboolean defer)
{
    tree->defer_index = defer;
}

gboolean qf_tree_flush(QfTree *tree, GError **error)
{
    if (!tree->unindexed->len) {
        return TRUE;
    }
    return sync_unindexed(tree, NULL, error) &&
           qf_journal_remove(tree->state_dir, error);
}

/* The commit object: in-process, or by git commit-tree where only git can. */
static char *make_commit(QfTree *tree, const char *treeid, const char *parent,
                         const QfCommitInfo *info, GError **error)
{
    g_autoptr(GPtrArray) env = commit_env(info);
    g_autofree char *message = with_newline(info->message);
    g_autoptr(GBytes) msg = NULL;

    if (tree_odb(tree)) {
        g_autofree char *author = env_ident(env, "AUTHOR");
        g_autofree char *committer = env_ident(env, "COMMITTER");
        g_autoptr(GError) local = NULL;
        char *commit = NULL;

        if (author && committer) {
            commit = qf_odb_write_commit(tree->odb, treeid, parent, author,
                                         committer, message, &local);
        }
        if (local) {
            g_propagate_error(error, g_steal_pointer(&local));
            return NULL;
        }
        if (commit) {
            return commit;
        }
    }
    msg = g_bytes_new(message, strlen(message));
    {
        const char *args[] = {"commit-tree", treeid, "-p", parent, NULL};
        QfGitCall call = {.dir = tree->dir,
                          .args = args,
                          .input = msg,
                          .env = (const char *const *)env->pdata};
        return qf_git_run_text(&call, error);
    }
}

/* HEAD from @parent to @commit, failing if something else moved it. */
static gboolean move_head(QfTree *tree, const char *parent,
                          const char *commit, GError **error)
{
    const char *args[] = {"update-ref", "-m", "qfork push", "HEAD", commit,
                          parent, NULL};

    if (tree_odb(tree)) {
        return qf_odb_move_head(tree->odb, parent, commit, "qfork push",
                                error);
    }
    return qf_git_ok(tree->dir, args, error);
}

/*
 * The tree of @parent with @paths from the work tree, in-process where
 * qf-odb can; otherwise, and with an up-to-date index, git's way.
 * *@indexed says whether the index has @paths now.
 */
static char *write_tree(QfTree *tree, const char *parent, GPtrArray *paths,
                        gboolean *indexed, GError **error)
{
    const char *args[] = {"write-tree", NULL};
    g_autoptr(GError) local = NULL;
    char *id = NULL;

    *indexed = FALSE;
    if (tree_odb(tree)) {
        id = qf_odb_write_tree(tree->odb, parent, paths, &local);
        if (local) {
            g_propagate_error(error, g_steal_pointer(&local));
            return NULL;
        }
        if (id) {
            return id;
        }
    }
    if (!sync_unindexed(tree, NULL, error) ||
        !update_index(tree, paths, error)) {
        return NULL;
    }
    *indexed = TRUE;
    return qf_git_text(tree->dir, args, NULL, error);
}

/*
 * Commit @paths on top of @parent and move HEAD.  The index is updated
 * first, as git commit does, unless @defer: then the paths join those
 * qf_tree_flush() updates.
 */
static char *commit_paths(QfTree *tree, const char *parent, GPtrArray *paths,
                          const QfCommitInfo *info, gboolean defer,
                          GError **error)
{
    gboolean indexed;
    g_autofree char *treeid = write_tree(tree, parent, paths, &indexed, error);
    g_autofree char *commit = NULL;

    if (!treeid) {
        return NULL;
    }
    if (!indexed && !defer && !update_index(tree, paths, error)) {
        return NULL;
    }
    commit = make_commit(tree, treeid, parent, info, error);
    if (!commit || !move_head(tree, parent, commit, error)) {
        return NULL;
    }
    if (!indexed && defer) {
        note_unindexed(tree, paths);
    }
    return g_steal_pointer(&commit);
}

char *qf_tree_commit_paths(QfTree *tree, const char *parent,
                           GPtrArray *paths, const QfCommitInfo *info,
                           GError **error)
{
    return commit_paths(tree, parent, paths, info, FALSE, error);
}

/* ---- restore ---------------------------------------------------------- */

/*
 * Which of @paths HEAD has (as a file or link), with the paths whose work
 * file differs from HEAD's in @changed; the rest HEAD has not.
 * NUL-separated all the way: a path may hold a newline.
 */
static gboolean split_by_head(QfTree *tree, GPtrArray *paths,
                              GPtrArray *in_head, GPtrArray *changed,
                              GPtrArray *not_in_head, GError **error)
{
    g_autoptr(GHashTable) entries =
        qf_git_list_entries(tree->dir, "HEAD", paths, error);

    if (!entries) {
        return FALSE;
    }
    for (guint i = 0; i < paths->len; i++) {
        const char *p = g_ptr_array_index(paths, i);
        const char *e = g_hash_table_lookup(entries, p);
        g_auto(GStrv) f = e ? g_strsplit(e, " ", 3) : NULL;
        g_autofree char *actual = NULL;

        if (!f || g_strv_length(f) != 3 || !g_str_equal(f[1], "blob")) {
            g_ptr_array_add(not_in_head, g_strdup(p));
            continue;
        }
        g_ptr_array_add(in_head, g_strdup(p));
        actual = work_blob_id(tree->dir, p);
        if (g_strcmp0(actual, f[2]) != 0) {
            g_ptr_array_add(changed, g_strdup(p));
        }
    }
    return TRUE;
}

/*
 * qf_apply_write() writes each file as a temporary ".qfork-XXXXXX" beside
 * it and renames it into place; a killed push can leave one behind.
 */
#define APPLY_TEMP_PREFIX ".qfork-"

static void remove_write_leftovers(const char *top, GPtrArray *paths)
{
    g_autoptr(GHashTable) dirs =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTableIter it;
    gpointer dir;

    for (guint i = 0; i < paths->len; i++) {
        g_autofree char *full =
            g_build_filename(top, g_ptr_array_index(paths, i), NULL);
        g_hash_table_add(dirs, g_path_get_dirname(full));
    }
    g_hash_table_iter_init(&it, dirs);
    while (g_hash_table_iter_next(&it, &dir, NULL)) {
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
            if (g_str_has_prefix(name, APPLY_TEMP_PREFIX)) {
                g_autofree char *leftover = g_build_filename(dir, name, NULL);
                g_unlink(leftover);
            }
        }
    }
}

/*
 * git writes an object as objects/xx/tmp_obj_XXXXXX and renames it into
 * place; when the disk fills up it leaves the partial file behind, and
 * nothing would remove it for weeks (gc).  Those written since this push
 * began (its journal) are ours: they go first, to make room.
 */
static void remove_git_temporaries(QfTree *tree)
{
    g_autofree char *journal =
        g_build_filename(tree->state_dir, "journal", NULL);
    g_autofree char *objects = g_build_filename(tree->git_dir, "objects", NULL);
    g_autoptr(GDir) top = g_dir_open(objects, 0, NULL);
    GStatBuf since;
    const char *sub;

    if (!top || g_stat(journal, &since) < 0) {
        return;
    }
    while ((sub = g_dir_read_name(top))) {
        g_autofree char *dir = g_build_filename(objects, sub, NULL);
        g_autoptr(GDir) d = strlen(sub) == 2 ? g_dir_open(dir, 0, NULL) : NULL;
        const char *name;

        while (d && (name = g_dir_read_name(d))) {
            g_autofree char *tmp = g_build_filename(dir, name, NULL);
            GStatBuf st;

            if (g_str_has_prefix(name, "tmp_obj_") && g_lstat(tmp, &st) == 0 &&
                st.st_mtime >= since.st_mtime) {
                g_unlink(tmp);
            }
        }
    }
}

/* Remove @path from the work tree and the directories it leaves empty. */
static void remove_work_file(const char *top, const char *path)
{
    g_autofree char *full = g_build_filename(top, path, NULL);
    g_autofree char *dir = NULL;

    g_unlink(full);
    dir = g_path_get_dirname(full);
    while (strlen(dir) > strlen(top) && g_rmdir(dir) == 0) {
        char *up = g_path_get_dirname(dir);
        g_free(dir);
        dir = up;
    }
}

/* git reset or checkout: @paths (file names) as in HEAD. */
static gboolean head_paths_git(QfTree *tree, const char *command,
                               GPtrArray *paths, GError **error)
{
    const char *args[] = {command, "-q", "HEAD", "--pathspec-from-file=-",
                          "--pathspec-file-nul", NULL};
    g_autoptr(GBytes) list = NULL;
    g_autoptr(GBytes) out = NULL;
    QfGitCall call = {.dir = tree->dir,
                      .args = args,
                      .flags = QF_GIT_LITERAL_PATHS};

    if (!paths->len) {
        return TRUE;
    }
    list = nul_list(paths);
    call.input = list;
    out = qf_git_run(&call, error);
    return out != NULL;
}

/* After a restore, git must see @paths exactly as in HEAD. */
static gboolean verify_restored(QfTree *tree, GPtrArray *paths,
                                GError **error)
{
    static const char *const opts[] = {"status", "--porcelain=v1", "-z",
                                       "--untracked-files=all", NULL};
    QfGitCall call = {.dir = tree->dir, .flags = QF_GIT_LITERAL_PATHS};
    g_autoptr(GBytes) out = NULL;
    g_auto(GStrv) recs = NULL;

    out = qf_git_run_paths(&call, opts, paths, error);
    if (!out) {
        return FALSE;
    }
    recs = qf_git_split_nul(out);
    if (recs[0]) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "restoring from HEAD left '%s' (%.2s) changed", recs[0] + 3,
                    recs[0]);
        return FALSE;
    }
    return TRUE;
}

/*
 * The order frees disk space before anything needs some: a push that
 * failed because the disk is full leaves no room for git's new index, so
 * first the temporaries (ours and git's) and every file the push wrote go
 * (also those HEAD has that differ from it: checkout writes them again),
 * and only then does git rewrite the index and those files.  Success is claimed only once git sees every
 * path as in HEAD.
 */
gboolean qf_tree_restore_paths(QfTree *tree, GPtrArray *paths,
                               GError **error)
{
    g_autoptr(GPtrArray) in_head = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) not_in_head = g_ptr_array_new_with_free_func(g_free);

    if (paths->len == 0) {
        return TRUE;
    }
    remove_write_leftovers(tree->dir, paths);
    remove_git_temporaries(tree);
    if (!split_by_head(tree, paths, in_head, changed, not_in_head, error)) {
        return FALSE;
    }
    for (guint i = 0; i < not_in_head->len; i++) {
        remove_work_file(tree->dir, g_ptr_array_index(not_in_head, i));
    }
    for (guint i = 0; i < changed->len; i++) {
        remove_work_file(tree->dir, g_ptr_array_index(changed, i));
    }
    /* Only now that there is room: the index of earlier deferred entries. */
    if (!sync_unindexed(tree, paths, error)) {
        return FALSE;
    }
    if (not_in_head->len) {
        const char *args[] = {"update-index", "--force-remove", "-z",
                              "--stdin", NULL};
        g_autoptr(GBytes) list = nul_list(not_in_head);
        g_autoptr(GBytes) out = qf_git_bytes(tree->dir, args, list, error);
        if (!out) {
            return FALSE;
        }
    }
    /* The index entries, then only the files that differ: a file the */
    /* push did not get to write stays as it is (it may not be writable). */
    if (!head_paths_git(tree, "reset", in_head, error) ||
        !head_paths_git(tree, "checkout", changed, error)) {
        return FALSE;
    }
    return verify_restored(tree, paths, error);
}

static gboolean reset_hard(QfTree *tree, const char *commit, GError **error)
{
    const char *args[] = {"reset", "-q", "--hard", commit, NULL};
    return qf_git_ok(tree->dir, args, error);
}

/* ---- push, pop -------------------------------------------------------- */

static void add_unique(GPtrArray *paths, GHashTable *seen, const char *path)
{
    if (path && g_hash_table_add(seen, (gpointer)path)) {
        g_ptr_array_add(paths, g_strdup(path));
    }
}

static GPtrArray *result_paths(const QfApplyResult *result)
{
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < result->changes->len; i++) {
        const QfFileChange *c = g_ptr_array_index(result->changes, i);
        add_unique(paths, seen, c->old_path);
        add_unique(paths, seen, c->path);
    }
    return paths;
}

/* Undo a failed push in this process; keeps the journal if that fails. */
static void roll_back_push(QfTree *tree, GPtrArray *paths, GError **error)
{
    g_autoptr(GError) local = NULL;

    /* qf_tree_restore_paths() syncs the deferred index once it freed space */
    if (!qf_tree_restore_paths(tree, paths, &local)) {
        g_prefix_error(error, "%s; restoring the tree also failed (%s), the "
                       "next qfork command will retry: ", (*error)->message,
                       local->message);
        return;
    }
    qf_journal_remove(tree->state_dir, NULL);
}

char *qf_tree_push(QfTree *tree, const char *parent, const char *entry,
                   const QfApplyResult *result, const QfCommitInfo *info,
                   GError **error)
{
    g_autoptr(QfJournal) journal = qf_journal_new(QF_JOURNAL_PUSH);
    g_autoptr(GPtrArray) paths = result_paths(result);
    char *commit;

    journal->entry = g_strdup(entry);
    journal->pid = getpid();
    journal->old_head = g_strdup(parent);
    for (guint i = 0; i < paths->len; i++) {
        g_ptr_array_add(journal->paths, g_strdup(paths->pdata[i]));
    }
    for (guint i = 0; i < tree->unindexed->len; i++) {
        g_ptr_array_add(journal->unindexed,
                        g_strdup(tree->unindexed->pdata[i]));
    }
    if (!qf_journal_write(tree->state_dir, journal, error)) {
        return NULL;
    }
    if (!qf_apply_write(tree->dir, result, error)) {
        roll_back_push(tree, paths, error);
        return NULL;
    }
    commit = commit_paths(tree, journal->old_head, paths, info,
                          tree->defer_index, error);
    if (!commit) {
        roll_back_push(tree, paths, error);
        return NULL;
    }
    if (!tree->unindexed->len) {
        qf_journal_remove(tree->state_dir, NULL);
    }
    /* else the journal names the unindexed paths until qf_tree_flush() */
    return commit;
}

gboolean qf_tree_pop_to(QfTree *tree, const char *commit, GError **error)
{
    g_autoptr(QfJournal) journal = qf_journal_new(QF_JOURNAL_POP);
    g_autoptr(GError) local = NULL;

    if (!qf_tree_flush(tree, error)) {
        return FALSE;
    }
    journal->target = g_strdup(commit);
    journal->pid = getpid();
    journal->old_head = qf_tree_head(tree, error);
    if (!journal->old_head ||
        !qf_journal_write(tree->state_dir, journal, error)) {
        return FALSE;
    }
    if (!reset_hard(tree, commit, error)) {
        /* Put back what we had; if even that fails, recovery retries. */
        if (reset_hard(tree, journal->old_head, &local)) {
            qf_journal_remove(tree->state_dir, NULL);
        }
        return FALSE;
    }
    return qf_journal_remove(tree->state_dir, error);
}

/* ---- recovery --------------------------------------------------------- */

/* The branch HEAD points to, as a path below .git ("refs/heads/master"). */
static char *head_ref_path(QfTree *tree)
{
    g_autofree char *path = g_build_filename(tree->git_dir, "HEAD", NULL);
    g_autofree char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        !g_str_has_prefix(text, "ref: ")) {
        return NULL;
    }
    return g_strstrip(g_strdup(text + 5));
}

/*
 * A git child killed with qfork can leave its lock files behind, and every
 * later git command would then fail.  We hold the tree lock, so whoever
 * wrote the journal is gone and its children are dead or dying; give them
 * a moment to finish, then remove what is left.
 */
static void remove_stale_git_locks(QfTree *tree)
{
    g_autofree char *ref = head_ref_path(tree);
    g_autoptr(GPtrArray) locks = g_ptr_array_new_with_free_func(g_free);
    gboolean any = TRUE;

    g_ptr_array_add(locks, g_build_filename(tree->git_dir, "index.lock", NULL));
    g_ptr_array_add(locks, g_build_filename(tree->git_dir, "HEAD.lock", NULL));
    g_ptr_array_add(locks,
                    g_build_filename(tree->git_dir, "packed-refs.lock", NULL));
    if (ref) {
        g_autofree char *name = g_strconcat(ref, ".lock", NULL);
        g_ptr_array_add(locks, g_build_filename(tree->git_dir, name, NULL));
    }
    for (int tries = 0; any && tries < 10; tries++) {
        any = FALSE;
        for (guint i = 0; i < locks->len; i++) {
            any |= g_file_test(g_ptr_array_index(locks, i), G_FILE_TEST_EXISTS);
        }
        if (any) {
            g_usleep(10 * 1000);
        }
    }
    for (guint i = 0; i < locks->len; i++) {
        g_unlink(g_ptr_array_index(locks, i));
    }
}

/* HEAD's first parent and Qfork-Entry. */
static gboolean describe_head(QfTree *tree, char **parent, char **entry,
                              GError **error)
{
    const char *args[] = {"log", "-1", "--format=%P%n%B", "HEAD", "--", NULL};
    g_autofree char *out = qf_git_text(tree->dir, args, NULL, error);
    char *nl;

    if (!out) {
        return FALSE;
    }
    nl = strchr(out, '\n');
    *entry = entry_from_message(nl ? nl + 1 : "");
    if (nl) {
        *nl = '\0';
    }
    *parent = g_strndup(out, strcspn(out, " "));
    return TRUE;
}

static gboolean recover_push(QfTree *tree, const QfJournal *j,
                             const char *head, GError **error)
{
    g_autofree char *parent = NULL;
    g_autofree char *entry = NULL;
    g_autoptr(GPtrArray) earlier = paths_except(j->unindexed, j->paths);

    /* Entries committed before this one whose index update was deferred. */
    if (!update_index(tree, earlier, error)) {
        return FALSE;
    }
    if (g_str_equal(head, j->old_head)) {
        if (!qf_tree_restore_paths(tree, j->paths, error)) {
            return FALSE;
        }
        tree->recovery_note = g_strdup_printf(
            "recovered from an interrupted push of %s: restored %u path%s "
            "from HEAD; it is not applied",
            j->entry, j->paths->len, j->paths->len == 1 ? "" : "s");
        return TRUE;
    }
    if (!describe_head(tree, &parent, &entry, error)) {
        return FALSE;
    }
    if (g_str_equal(parent, j->old_head) && g_strcmp0(entry, j->entry) == 0) {
        /* its index update may have been deferred too */
        if (!update_index(tree, j->paths, error)) {
            return FALSE;
        }
        tree->recovery_note = g_strdup_printf(
            "recovered from an interrupted push of %s: its commit %.12s had "
            "been made; it is applied", j->entry, head);
        return TRUE;
    }
    g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                "%s/journal records an interrupted push of %s on top of "
                "%.12s, but HEAD is now %.12s; check the tree with `git "
                "status` and remove the journal by hand",
                tree->state_dir, j->entry, j->old_head, head);
    return FALSE;
}

static gboolean recover_pop(QfTree *tree, const QfJournal *j,
                            const char *head, GError **error)
{
    if (!g_str_equal(head, j->old_head) && !g_str_equal(head, j->target)) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%s/journal records an interrupted pop from %.12s to "
                    "%.12s, but HEAD is now %.12s; check the tree with `git "
                    "status` and remove the journal by hand",
                    tree->state_dir, j->old_head, j->target, head);
        return FALSE;
    }
    /* Finish the pop: the user asked for it and it cannot conflict. */
    if (!reset_hard(tree, j->target, error)) {
        return FALSE;
    }
    tree->recovery_note = g_strdup_printf(
        "recovered from an interrupted pop: finished resetting to %.12s",
        j->target);
    return TRUE;
}

static gboolean recover(QfTree *tree, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(QfJournal) journal = qf_journal_read(tree->state_dir, &local);
    g_autofree char *head = NULL;
    gboolean ok;

    if (!journal) {
        if (local) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        return TRUE;
    }
    remove_stale_git_locks(tree);
    head = qf_tree_head(tree, error);
    if (!head) {
        return FALSE;
    }
    ok = journal->kind == QF_JOURNAL_PUSH
             ? recover_push(tree, journal, head, error)
             : recover_pop(tree, journal, head, error);
    if (!ok) {
        g_prefix_error(error, "cannot recover from an interrupted %s: ",
                       journal->kind == QF_JOURNAL_PUSH ? "push" : "pop");
        return FALSE;
    }
    return qf_journal_remove(tree->state_dir, error);
}
