/*
 * qfork rebase: series.conf, base.lock and patches/ backed up at the
 * start of a rebase and put back by --abort.
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

char *rebase_series_path(const QfSeries *series)
{
    return g_canonicalize_filename(series->path, NULL);
}

char *rebase_repo_file(const char *series_dir, const char *rel)
{
    return g_build_filename(series_dir, rel, NULL);
}

/* series.conf, base.lock and patches/ into backup/. */
gboolean rebase_back_up(Run *run, const char *series_dir, GError **error)
{
    g_autofree char *backup = rebase_path(run, "backup");
    g_autofree char *pdir = rebase_repo_file(series_dir, "patches");
    g_autoptr(GPtrArray) patches = qf_fs_list_files(pdir);
    const char *top[] = {"series.conf", "base.lock"};

    g_mkdir_with_parents(backup, 0755);
    for (gsize i = 0; i < G_N_ELEMENTS(top); i++) {
        g_autofree char *from = rebase_repo_file(series_dir, top[i]);
        g_autofree char *to = g_build_filename(backup, top[i], NULL);
        if (g_file_test(from, G_FILE_TEST_IS_REGULAR) &&
            !qf_fs_copy_file(from, to, error)) {
            return FALSE;
        }
    }
    for (guint i = 0; i < patches->len; i++) {
        g_autofree char *from = g_build_filename(pdir, patches->pdata[i], NULL);
        g_autofree char *to =
            g_build_filename(backup, "patches", patches->pdata[i], NULL);
        if (!qf_fs_copy_file(from, to, error)) {
            return FALSE;
        }
    }
    return TRUE;
}

/* Put @rel back from the backup (or remove it if the backup has none). */
static gboolean restore_one(const char *backup, const char *series_dir,
                            const char *rel, GError **error)
{
    g_autofree char *saved = g_build_filename(backup, rel, NULL);
    g_autofree char *live = rebase_repo_file(series_dir, rel);

    if (!g_file_test(saved, G_FILE_TEST_IS_REGULAR)) {
        return qf_fs_remove_tree(live, error);
    }
    if (qf_fs_same_content(saved, live)) {
        return TRUE;
    }
    if (!g_file_test(live, G_FILE_TEST_IS_REGULAR) &&
        !qf_fs_remove_tree(live, error)) {
        return FALSE;
    }
    return qf_fs_copy_file(saved, live, error);
}

gboolean rebase_restore_backup(Run *run, const char *series_dir, GError **error)
{
    g_autofree char *backup = rebase_path(run, "backup");
    g_autofree char *saved_pdir = g_build_filename(backup, "patches", NULL);
    g_autofree char *pdir = rebase_repo_file(series_dir, "patches");
    g_autoptr(GPtrArray) live = qf_fs_list_files(pdir);
    g_autoptr(GPtrArray) saved = qf_fs_list_files(saved_pdir);

    if (!g_file_test(backup, G_FILE_TEST_IS_DIR)) {
        return TRUE;
    }
    if (!restore_one(backup, series_dir, "series.conf", error) ||
        !restore_one(backup, series_dir, "base.lock", error)) {
        return FALSE;
    }
    for (guint i = 0; i < live->len; i++) {
        g_autofree char *rel =
            g_build_filename("patches", live->pdata[i], NULL);
        if (!restore_one(backup, series_dir, rel, error)) {
            return FALSE;
        }
    }
    for (guint i = 0; i < saved->len; i++) {
        g_autofree char *rel =
            g_build_filename("patches", saved->pdata[i], NULL);
        if (!restore_one(backup, series_dir, rel, error)) {
            return FALSE;
        }
    }
    return TRUE;
}
