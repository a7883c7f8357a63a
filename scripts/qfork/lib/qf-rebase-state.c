/*
 * qfork rebase: the rebase driver's state: the Run, its key file, one
 * group per entry done, the report, progress for `qfork status`.
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

void rebase_run_clear(Run *run)
{
    g_free(run->state_dir);
    g_clear_pointer(&run->state, g_key_file_unref);
    g_clear_pointer(&run->items, g_ptr_array_unref);
    g_clear_pointer(&run->up, qf_upstream_free);
    g_clear_pointer(&run->chain, g_hash_table_unref);
}

void rebase_say(const Run *run, const char *fmt, ...)
{
    g_autofree char *line = NULL;
    va_list ap;

    if (!run->opts->say) {
        return;
    }
    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    run->opts->say(run->opts->say_data, line);
}

void rebase_banner(const Run *run, const char *fmt, ...)
{
    const char *env = g_getenv("PIPELINE_START");
    gint64 start = env ? g_ascii_strtoll(env, NULL, 10) : 0;
    gint64 secs;
    g_autofree char *what = NULL;
    va_list ap;

    secs =
        g_get_real_time() / G_USEC_PER_SEC - (start > 0 ? start : run->started);
    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    rebase_say(run, "==> [%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s] %s",
               secs / 60, secs % 60, what);
}

gboolean rebase_git(const Run *run, const char *const *args, GError **error)
{
    return qf_git_ok(run->dir, args, error);
}

char *rebase_path(const Run *run, const char *name)
{
    return g_build_filename(run->state_dir, name, NULL);
}

char *rebase_get(const Run *run, const char *key)
{
    char *v = g_key_file_get_string(run->state, GROUP, key, NULL);

    if (v && !*v) {
        g_clear_pointer(&v, g_free);
    }
    return v;
}

void rebase_set(Run *run, const char *key, const char *value)
{
    g_key_file_set_string(run->state, GROUP, key, value ? value : "");
}

gboolean rebase_save(Run *run, GError **error)
{
    g_autofree char *path = rebase_path(run, "state");

    return g_key_file_save_to_file(run->state, path, error);
}

static char *item_group(const QfRebaseItem *it)
{
    return g_strdup_printf("item %u", it->position);
}

void rebase_item_save(Run *run, const QfRebaseItem *it)
{
    g_autofree char *g = item_group(it);
    GKeyFile *k = run->state;

    g_key_file_remove_group(k, g, NULL);
    g_key_file_set_string(k, g, "class", qf_rebase_class_id(it->cls));
    g_key_file_set_string(k, g, "detail", it->detail ? it->detail : "");
    g_key_file_set_boolean(k, g, "unverified", it->unverified);
    g_key_file_set_boolean(k, g, "backport", it->backport);
    g_key_file_set_string(k, g, "new-patch",
                          it->new_patch ? it->new_patch : "");
    g_key_file_set_boolean(k, g, "patch-changed", it->patch_changed);
    g_key_file_set_string(k, g, "first-release",
                          it->first_release ? it->first_release : "");
    g_key_file_set_string(k, g, "commit", it->commit ? it->commit : "");
    g_key_file_set_string(k, g, "interdiff",
                          it->interdiff ? it->interdiff : "");
    g_key_file_set_string_list(
        k, g, "notes", (const char *const *)it->notes->pdata, it->notes->len);
}

static char *item_str(GKeyFile *k, const char *g, const char *key)
{
    char *v = g_key_file_get_string(k, g, key, NULL);

    if (v && !*v) {
        g_clear_pointer(&v, g_free);
    }
    return v;
}

static void item_load(Run *run, QfRebaseItem *it)
{
    g_autofree char *g = item_group(it);
    GKeyFile *k = run->state;
    g_autofree char *cls = NULL;
    g_auto(GStrv) notes = NULL;

    if (!g_key_file_has_group(k, g)) {
        return;
    }
    cls = g_key_file_get_string(k, g, "class", NULL);
    qf_rebase_class_from_id(cls, &it->cls);
    it->detail = item_str(k, g, "detail");
    it->unverified = g_key_file_get_boolean(k, g, "unverified", NULL);
    it->backport = g_key_file_get_boolean(k, g, "backport", NULL);
    g_free(it->new_patch);
    it->new_patch = item_str(k, g, "new-patch");
    it->patch_changed = g_key_file_get_boolean(k, g, "patch-changed", NULL);
    it->first_release = item_str(k, g, "first-release");
    it->commit = item_str(k, g, "commit");
    it->interdiff = item_str(k, g, "interdiff");
    notes = g_key_file_get_string_list(k, g, "notes", NULL, NULL);
    for (gsize i = 0; notes && notes[i]; i++) {
        g_ptr_array_add(it->notes, g_strdup(notes[i]));
    }
}

void rebase_items_init(Run *run)
{
    run->items =
        g_ptr_array_new_with_free_func((GDestroyNotify)qf_rebase_item_free);
    for (guint i = 0; i < run->series->entries->len; i++) {
        QfRebaseItem *it = qf_rebase_item_new(run->series->entries->pdata[i]);
        item_load(run, it);
        g_ptr_array_add(run->items, it);
    }
}

QfRebaseItem *rebase_item_reset(Run *run, guint index)
{
    QfRebaseItem *it = qf_rebase_item_new(run->series->entries->pdata[index]);

    qf_rebase_item_free(g_ptr_array_index(run->items, index));
    g_ptr_array_index(run->items, index) = it;
    return it;
}

gboolean rebase_write_report(Run *run, gboolean done, const char *stopped,
                             GError **error)
{
    g_autofree char *prefix = rebase_get(run, "report");
    g_autofree char *ov = rebase_get(run, "old-version"),
                    *ot = rebase_get(run, "old-tarball"),
                    *os = rebase_get(run, "old-sha256"),
                    *oo = rebase_get(run, "old-source");
    g_autofree char *nv = rebase_get(run, "new-version"),
                    *nt = rebase_get(run, "new-tarball"),
                    *ns = rebase_get(run, "new-sha256"),
                    *no = rebase_get(run, "new-source");
    g_autofree char *upstream = rebase_get(run, "upstream-given");
    QfRebaseReport r = {
        .old_version = ov,
        .old_tarball = ot,
        .old_sha256 = os,
        .old_source = oo,
        .new_version = nv,
        .new_tarball = nt,
        .new_sha256 = ns,
        .new_source = no,
        .upstream = upstream,
        .done = done,
        .stopped = stopped,
        .items = run->items,
    };
    g_autofree char *md = qf_rebase_report_markdown(&r);
    g_autofree char *json = qf_rebase_report_json(&r);
    g_autofree char *md_path = g_strconcat(prefix, ".md", NULL);
    g_autofree char *json_path = g_strconcat(prefix, ".json", NULL);
    g_autofree char *dir = g_path_get_dirname(prefix);

    g_mkdir_with_parents(dir, 0755);
    return g_file_set_contents(md_path, md, -1, error) &&
           g_file_set_contents(json_path, json, -1, error);
}

static char *state_file_of(QfTree *tree)
{
    return g_build_filename(qf_tree_state_dir(tree), "rebase", "state", NULL);
}

gboolean qf_rebase_in_progress(QfTree *tree)
{
    g_autofree char *path = state_file_of(tree);
    return g_file_test(path, G_FILE_TEST_EXISTS);
}

QfRebaseProgress *qf_rebase_progress(QfTree *tree, GError **error)
{
    g_autofree char *path = state_file_of(tree);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(QfRebaseProgress) p = g_new0(QfRebaseProgress, 1);
    g_autoptr(GError) local = NULL;

    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        return NULL;
    }
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot read %s: %s", path,
                    local->message);
        return NULL;
    }
    p->new_version = g_key_file_get_string(kf, GROUP, "new-version", NULL);
    p->stopped = g_key_file_get_string(kf, GROUP, "stopped", NULL);
    if (p->stopped && !*p->stopped) {
        g_clear_pointer(&p->stopped, g_free);
    }
    p->position =
        (guint)MAX(g_key_file_get_integer(kf, GROUP, "next", NULL), 0) + 1;
    return g_steal_pointer(&p);
}

void qf_rebase_progress_free(QfRebaseProgress *progress)
{
    if (progress) {
        g_free(progress->new_version);
        g_free(progress->stopped);
        g_free(progress);
    }
}

gboolean rebase_load_state(Run *run, GError **error)
{
    g_autofree char *path = rebase_path(run, "state");

    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                    "no rebase is under way in %s", run->dir);
        return FALSE;
    }
    return g_key_file_load_from_file(run->state, path, G_KEY_FILE_NONE, error);
}

gboolean rebase_run_open(Run *run, const QfSeries *series, QfTree *tree,
                         const QfRebaseOptions *opts)
{
    run->series = series;
    run->tree = tree;
    run->opts = opts;
    run->dir = qf_tree_dir(tree);
    run->state_dir = g_build_filename(qf_tree_state_dir(tree), "rebase", NULL);
    run->state = g_key_file_new();
    run->started = g_get_real_time() / G_USEC_PER_SEC;
    return TRUE;
}
