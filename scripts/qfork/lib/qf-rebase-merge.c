/*
 * qfork rebase: a patch that no longer applies, three-way merged with the
 * old series on the old base as its merge base, or stopped with conflict
 * markers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qf-error.h"
#include "qf-fs.h"
#include "qf-git.h"
#include "qf-queue.h"
#include "qf-rebase-internal.h"
#include "qf-rebase.h"
#include "qf-refresh.h"
#include "qf-series-edit.h"
#include "qf-state.h"

/* The old series applied to the old base, for three-way merges. */
typedef struct ChainStep {
    GPtrArray *paths;
    GHashTable *pre; /* path -> QfGitFile*, absent: no file */
    GHashTable *post;
} ChainStep;

static void chain_step_free(ChainStep *s)
{
    g_ptr_array_unref(s->paths);
    g_hash_table_unref(s->pre);
    g_hash_table_unref(s->post);
    g_free(s);
}

static gboolean chain_materialize(Run *run, const char *scratch,
                                  const char *old_base, GPtrArray *paths,
                                  GHashTable *seen, GError **error)
{
    g_autoptr(GPtrArray) missing = g_ptr_array_new();
    g_autoptr(GHashTable) files = NULL;
    GHashTableIter it;
    gpointer key, value;

    for (guint i = 0; i < paths->len; i++) {
        if (!g_hash_table_contains(seen, paths->pdata[i])) {
            g_hash_table_add(seen, g_strdup(paths->pdata[i]));
            g_ptr_array_add(missing, paths->pdata[i]);
        }
    }
    files = qf_git_read_files(run->dir, old_base, missing, error);
    if (!files) {
        return FALSE;
    }
    g_hash_table_iter_init(&it, files);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const QfGitFile *f = value;
        g_autofree char *full = g_build_filename(scratch, key, NULL);
        g_autofree char *parent = g_path_get_dirname(full);
        gsize len;
        const char *data = g_bytes_get_data(f->content, &len);

        g_mkdir_with_parents(parent, 0755);
        if (f->mode == 0120000) {
            g_autofree char *target = g_strndup(data, len);
            if (symlink(target, full) < 0) {
                continue;
            }
        } else if (!g_file_set_contents(full, data ? data : "", (gssize)len,
                                        error)) {
            return FALSE;
        } else {
            g_chmod(full, f->mode & 0777);
        }
    }
    return TRUE;
}

static GHashTable *snapshot(const char *dir, GPtrArray *paths)
{
    GHashTable *snap = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify)qf_git_file_free);

    for (guint i = 0; i < paths->len; i++) {
        QfGitFile *f = qf_rebase_read_file(dir, paths->pdata[i]);
        if (f) {
            g_hash_table_insert(snap, g_strdup(paths->pdata[i]), f);
        }
    }
    return snap;
}

static gboolean pushed_on_old_base(const Run *run, const QfEntry *e)
{
    g_autofree char *old = rebase_get(run, "old-version");
    g_autofree char *why = NULL;
    gboolean unverified;

    return e->patch && !(e->kind == QF_ENTRY_UPSTREAM &&
                         qf_entry_in_base(e, old, &unverified, &why));
}

/*
 * Apply the old series, as it is, to the files it touches of the old
 * base in a scratch directory, recording each entry's pre- and
 * post-images: the three-way merge's base and "theirs".
 */
static gboolean chain_build(Run *run, GError **error)
{
    g_autofree char *scratch = g_dir_make_tmp("qfork-rebase-XXXXXX", error);
    g_autofree char *old_base = rebase_get(run, "orig-base");
    g_autoptr(GHashTable) seen =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    gboolean ok = TRUE;

    if (!scratch) {
        return FALSE;
    }
    run->chain = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify)chain_step_free);
    for (guint i = 0; ok && i < run->series->entries->len; i++) {
        const QfEntry *e = run->series->entries->pdata[i];
        g_autofree char *path = NULL;
        g_autoptr(QfPatch) patch = NULL;
        g_autoptr(QfApplyResult) r = NULL;
        ChainStep *step;
        QfApplyOptions opts = {0};

        if (!pushed_on_old_base(run, e)) {
            continue;
        }
        path = qf_entry_patch_path(run->series, e);
        patch = qf_patch_load(path, NULL);
        if (!patch) {
            continue;
        }
        step = g_new0(ChainStep, 1);
        step->paths = qf_patch_paths(patch);
        ok =
            chain_materialize(run, scratch, old_base, step->paths, seen, error);
        step->pre = snapshot(scratch, step->paths);
        r = ok ? qf_apply_prepare(scratch, patch, &opts, NULL) : NULL;
        if (!r || !qf_apply_write(scratch, r, NULL)) {
            /* It did not apply on the old base either: no merge base. */
            step->post = g_hash_table_new(g_str_hash, g_str_equal);
            chain_step_free(step);
            continue;
        }
        step->post = snapshot(scratch, step->paths);
        g_hash_table_insert(run->chain, g_strdup(e->name), step);
    }
    qf_fs_remove_tree(scratch, NULL);
    return ok;
}

/* Pre- and post-images of @e's change: upstream's, or the old chain's. */
static gboolean merge_inputs(Run *run, const QfEntry *e, const QfPatch *patch,
                             const char *upstream_commit, GPtrArray **paths,
                             GHashTable **pre, GHashTable **post,
                             GError **error)
{
    ChainStep *step;

    if (upstream_commit && run->up) {
        g_autofree char *parent = g_strdup_printf("%s^", upstream_commit);
        *paths = qf_patch_paths(patch);
        *pre = qf_git_read_files(run->up->dir, parent, *paths, error);
        *post = *pre ? qf_git_read_files(run->up->dir, upstream_commit, *paths,
                                         error)
                     : NULL;
        return *post != NULL;
    }
    if (!run->chain && !chain_build(run, error)) {
        return FALSE;
    }
    step = g_hash_table_lookup(run->chain, e->name);
    if (!step) {
        *paths = NULL;
        return TRUE;
    }
    *paths = g_ptr_array_ref(step->paths);
    *pre = g_hash_table_ref(step->pre);
    *post = g_hash_table_ref(step->post);
    return TRUE;
}

static gboolean save_current_patch(Run *run, const char *text, GError **error)
{
    g_autofree char *path = rebase_path(run, "current.patch");
    return g_file_set_contents(path, text, -1, error);
}

/* Write the merge with its conflicts into the tree and stop there. */
static StepResult stop_with_conflicts(Run *run, QfRebaseItem *it,
                                      QfApplyResult *merged,
                                      GPtrArray *conflicts, const char *text,
                                      GError **error)
{
    g_autoptr(GPtrArray) created = g_ptr_array_new();
    g_autofree char *head = qf_tree_head(run->tree, error);

    if (!head) {
        return STEP_ERROR;
    }
    for (guint i = 0; merged && i < merged->changes->len; i++) {
        QfFileChange *c = merged->changes->pdata[i];
        if (c->kind == QF_CHANGE_CREATE) {
            g_ptr_array_add(created, c->path);
        }
    }
    if (merged && !qf_apply_write(run->dir, merged, error)) {
        return STEP_ERROR;
    }
    for (guint i = 0; i < conflicts->len; i++) {
        g_ptr_array_add(
            it->notes,
            g_strdup_printf("conflict: %s", (char *)conflicts->pdata[i]));
    }
    it->cls = QF_REBASE_CONFLICT;
    g_key_file_set_string_list(run->state, GROUP, "created-files",
                               (const char *const *)created->pdata,
                               created->len);
    rebase_set(run, "stopped", it->name);
    rebase_set(run, "head", head);
    return save_current_patch(run, text, error) ? STEP_STOP : STEP_ERROR;
}

/* A patch that no longer applies: three-way merge, or stop. */
StepResult rebase_merge_entry(Run *run, QfRebaseItem *it, const QfEntry *e,
                              const QfPatch *patch, const char *text,
                              const char *upstream_commit, GError **error)
{
    g_autofree char *new_version = rebase_get(run, "new-version");
    g_autofree char *old_version = rebase_get(run, "old-version");
    g_autofree char *ours = g_strdup_printf("QEMU %s (new base)", new_version);
    g_autofree char *base = g_strdup_printf("QEMU %s (old base)", old_version);
    g_autofree char *theirs = g_strdup_printf(
        "%s (%s)", e->name, it->new_patch ? it->new_patch : "patch");
    QfMergeLabels labels = {ours, base, theirs};
    g_autoptr(GPtrArray) paths = NULL;
    g_autoptr(GHashTable) pre = NULL, post = NULL;
    g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(QfApplyResult) merged = NULL;

    if (!merge_inputs(run, e, patch, upstream_commit, &paths, &pre, &post,
                      error)) {
        return STEP_ERROR;
    }
    if (!paths) {
        g_ptr_array_add(
            conflicts,
            g_strdup(
                "no three-way merge: the patch does not apply to the old base "
                "either; apply the failing hunks by hand"));
        return stop_with_conflicts(run, it, NULL, conflicts, text, error);
    }
    merged =
        qf_rebase_merge3(run->dir, paths, pre, post, &labels, conflicts, error);
    if (!merged) {
        return STEP_ERROR;
    }
    if (conflicts->len) {
        return stop_with_conflicts(run, it, merged, conflicts, text, error);
    }
    if (!merged->changes->len) {
        it->cls = QF_REBASE_IN_BASE;
        g_free(it->detail);
        it->detail = g_strdup("the three-way merge leaves nothing to change: "
                              "the new base already has it");
        return STEP_OK;
    }
    it->commit = rebase_commit_entry(run, e, patch, merged, error);
    if (!it->commit) {
        return STEP_ERROR;
    }
    it->cls = QF_REBASE_MERGED;
    {
        char *detail = g_strdup_printf("%s; the three-way merge with the old "
                                       "base resolved it",
                                       it->detail);
        g_free(it->detail);
        it->detail = detail;
    }
    return rebase_refresh_item(run, it, patch, it->backport ? NULL : text,
                               error)
               ? STEP_OK
               : STEP_ERROR;
}
