/*
 * qfork rebase: the walk: each entry classified, committed and refreshed
 * on the new base in series order, then the results installed.
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

/* How a note says a first-release is only an upper bound. */
#define UPPER_BOUND "(an upper bound; check it)"

char *rebase_commit_entry(Run *run, const QfEntry *e, const QfPatch *patch,
                          const QfApplyResult *r, GError **error)
{
    g_autofree char *message =
        qf_commit_message(e, patch->subject, patch->body);
    g_autofree char *head = qf_tree_head(run->tree, error);
    QfCommitInfo info = {
        .author_name = patch->author_name,
        .author_email = patch->author_email,
        .author_date = patch->date,
        .message = message,
    };

    if (!head) {
        return NULL;
    }
    return qf_tree_push(run->tree, head, e->name, r, &info, error);
}

/*
 * What a range-diff shows of one patch: its diff without the index lines
 * (blob ids change with any change elsewhere in a file) and without a
 * format-patch signature.
 */
static char *comparable_diff(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(qf_refresh_diff_part(text), "\n", -1);
    GString *out = g_string_new(NULL);

    for (gsize i = 0; lines[i]; i++) {
        if (g_str_equal(lines[i], "-- ") || (!lines[i + 1] && !*lines[i])) {
            break; /* a signature, or the piece after the last newline */
        }
        if (!g_str_has_prefix(lines[i], "index ")) {
            g_string_append_printf(out, "%s\n", lines[i]);
        }
    }
    return g_string_free(out, FALSE);
}

/* The old patch's diff against the new one, hunks only. */
static char *interdiff(const char *old_text, const char *new_text)
{
    g_autofree char *tmp = g_dir_make_tmp("qfork-interdiff-XXXXXX", NULL);
    g_autofree char *a = NULL, *b = NULL;
    g_autofree char *old_diff = comparable_diff(old_text);
    g_autofree char *new_diff = comparable_diff(new_text);
    g_autoptr(GBytes) out = NULL;
    char *result = NULL;
    int status = -1;

    if (!tmp) {
        return NULL;
    }
    a = g_build_filename(tmp, "old", NULL);
    b = g_build_filename(tmp, "new", NULL);
    if (g_file_set_contents(a, old_diff, -1, NULL) &&
        g_file_set_contents(b, new_diff, -1, NULL)) {
        const char *args[] = {"diff", "--no-index", "--no-color", "-U2",
                              "old",  "new",        NULL};
        QfGitCall call = {.dir = tmp, .args = args};

        qf_git_call(&call, &status, &out, NULL, NULL);
    }
    if (status == 1 && out) {
        gsize len;
        const char *p = g_bytes_get_data(out, &len);
        g_autofree char *text = g_strndup(p, len);
        const char *hunks = strstr(text, "\n@@");

        result = g_strdup(hunks ? hunks + 1 : text);
    }
    g_unlink(a);
    g_unlink(b);
    g_rmdir(tmp);
    return result;
}

static char *staged_path(const Run *run, const QfRebaseItem *it)
{
    g_autofree char *name = g_strdup_printf("%u.patch", it->position);
    return g_build_filename(run->state_dir, "staged", name, NULL);
}

/* Regenerate @it's patch from its commit; stage it when the bytes change. */
gboolean rebase_refresh_item(Run *run, QfRebaseItem *it, const QfPatch *patch,
                             const char *old_text, GError **error)
{
    QfPatchHeader h;
    g_autofree char *text = NULL;
    g_autofree char *path = staged_path(run, it);
    g_autofree char *dir = g_path_get_dirname(path);

    qf_refresh_header_of(patch, &h);
    text = qf_refresh_commit(run->dir, it->commit, &h, error);
    if (!text) {
        return FALSE;
    }
    if (old_text && g_str_equal(old_text, text)) {
        return TRUE;
    }
    g_mkdir_with_parents(dir, 0755);
    if (!g_file_set_contents(path, text, -1, error)) {
        return FALSE;
    }
    it->patch_changed = TRUE;
    if (old_text && !it->backport) {
        it->interdiff = interdiff(old_text, text);
    }
    return TRUE;
}

/* "patches/backport-<sha12>-<subject slug>.patch" */
static char *backport_name(const QfEntry *e)
{
    GString *slug = g_string_new(NULL);
    const char *s = e->subject ? e->subject : "";

    for (; *s && slug->len < 52; s++) {
        if (g_ascii_isalnum(*s)) {
            g_string_append_c(slug, g_ascii_tolower(*s));
        } else if (slug->len && slug->str[slug->len - 1] != '-') {
            g_string_append_c(slug, '-');
        }
    }
    while (slug->len && slug->str[slug->len - 1] == '-') {
        g_string_truncate(slug, slug->len - 1);
    }
    {
        g_autofree char *tail = g_string_free(slug, FALSE);
        return g_strdup_printf("patches/backport-%s%s%s.patch", e->sha12,
                               *tail ? "-" : "", tail);
    }
}

static gboolean patch_id_in_base(Run *run, QfRebaseItem *it, const char *text,
                                 GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *hit = NULL;

    if (!run->up) {
        return FALSE;
    }
    hit = qf_upstream_match_patch_id(run->up, text, &local);
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    if (!hit) {
        return FALSE;
    }
    it->cls = QF_REBASE_IN_BASE;
    g_free(it->detail);
    it->detail = g_strdup_printf("patch-id matches upstream commit %s", hit);
    return TRUE;
}

static StepResult apply_entry(Run *run, QfRebaseItem *it, const QfEntry *e,
                              const char *text, const char *upstream_commit,
                              GError **error)
{
    g_autoptr(QfPatch) patch = qf_patch_parse(
        text, strlen(text), it->new_patch ? it->new_patch : e->name, error);
    g_autoptr(QfApplyResult) r = NULL;

    if (!patch) {
        return STEP_ERROR;
    }
    if (e->kind != QF_ENTRY_UPSTREAM) {
        if (patch_id_in_base(run, it, text, error)) {
            return STEP_OK;
        }
        if (error && *error) {
            return STEP_ERROR;
        }
    }
    {
        /* An upstream row's detail says why it is carried: keep it first. */
        g_autofree char *why = g_steal_pointer(&it->detail);
        g_autofree char *how = NULL;

        it->cls = qf_rebase_try_patch(run->dir, patch, &r, &how, it->notes);
        it->detail =
            why ? g_strdup_printf("%s; %s", why, how) : g_steal_pointer(&how);
    }
    switch (it->cls) {
    case QF_REBASE_IN_BASE:
        if (e->kind == QF_ENTRY_UPSTREAM) {
            g_autofree char *v = rebase_get(run, "new-version");
            /* Keep the release data in step with what the tree has. */
            it->first_release = g_strdup_printf("v%s", v);
            g_ptr_array_add(
                it->notes,
                g_strdup_printf(
                    "the release data said QEMU %s lacks it, but the patch "
                    "reverse-applies: first-release set to v%s " UPPER_BOUND,
                    v, v));
        }
        return STEP_OK;
    case QF_REBASE_CLEAN:
    case QF_REBASE_OFFSET:
        it->commit = rebase_commit_entry(run, e, patch, r, error);
        if (!it->commit) {
            return STEP_ERROR;
        }
        if (it->cls == QF_REBASE_CLEAN && !it->backport) {
            return STEP_OK; /* the file stays byte for byte */
        }
        return rebase_refresh_item(run, it, patch, it->backport ? NULL : text,
                                   error)
                   ? STEP_OK
                   : STEP_ERROR;
    default:
        return rebase_merge_entry(run, it, e, patch, text, upstream_commit,
                                  error);
    }
}

static StepResult upstream_entry(Run *run, QfRebaseItem *it, const QfEntry *e,
                                 GError **error)
{
    g_autofree char *version = rebase_get(run, "new-version");
    g_autofree char *commit = NULL;
    g_autofree char *text = NULL;
    g_autofree char *path = NULL;

    if (qf_rebase_upstream_in_base(e, version, run->up, &it->detail,
                                   &it->unverified, &it->first_release,
                                   &commit)) {
        it->cls = QF_REBASE_IN_BASE;
        if (it->old_patch) {
            g_ptr_array_add(
                it->notes,
                g_strdup_printf(
                    "its backport %s is not needed any more: removed",
                    it->old_patch));
        }
        g_clear_pointer(&it->new_patch, g_free);
        return STEP_OK;
    }
    if (e->patch) {
        path = qf_entry_patch_path(run->series, e);
        if (!g_file_get_contents(path, &text, NULL, error)) {
            return STEP_ERROR;
        }
    } else if (commit && run->up) {
        text = qf_upstream_backport(run->up, commit, error);
        if (!text) {
            return STEP_ERROR;
        }
        it->backport = TRUE;
        it->new_patch = backport_name(e);
        g_ptr_array_add(
            it->notes,
            g_strdup_printf("backported from the upstream git: %s", commit));
    } else {
        it->cls = QF_REBASE_UNAVAILABLE;
        return STEP_OK;
    }
    return apply_entry(run, it, e, text, commit, error);
}

static StepResult process_entry(Run *run, guint index, GError **error)
{
    const QfEntry *e = run->series->entries->pdata[index];
    QfRebaseItem *it = rebase_item_reset(run, index);
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    StepResult res;

    if (e->kind == QF_ENTRY_UPSTREAM) {
        res = upstream_entry(run, it, e, error);
    } else {
        path = qf_entry_patch_path(run->series, e);
        if (!g_file_get_contents(path, &text, NULL, error)) {
            return STEP_ERROR;
        }
        res = apply_entry(run, it, e, text, NULL, error);
    }
    if (res == STEP_ERROR) {
        g_prefix_error(error, "%s: ", e->name);
        return res;
    }
    if (it->cls == QF_REBASE_IN_BASE) {
        g_clear_pointer(&it->new_patch, g_free); /* nothing to carry */
    }
    if (it->cls != QF_REBASE_IN_BASE || e->kind != QF_ENTRY_UPSTREAM ||
        it->old_patch) {
        rebase_say(run, "%3u %-28s %s%s%s", it->position, it->name,
                   qf_rebase_class_name(it->cls), it->detail ? ": " : "",
                   it->detail ? it->detail : "");
    }
    return res;
}

static gboolean install_results(Run *run, GError **error);

static gboolean report_stop(Run *run, GError **error)
{
    const QfRebaseItem *it = NULL;
    g_autofree char *prefix = rebase_get(run, "report");
    g_autofree char *stopped = rebase_get(run, "stopped");

    for (guint i = 0; i < run->items->len; i++) {
        const QfRebaseItem *c = run->items->pdata[i];
        if (g_strcmp0(c->name, stopped) == 0) {
            it = c;
        }
    }
    if (!rebase_write_report(run, FALSE, stopped, error)) {
        return FALSE;
    }
    rebase_say(run, "%s", "");
    rebase_say(run, "Stopped at %u %s: it conflicts with the new base.",
               it ? it->position : 0, stopped);
    for (guint k = 0; it && k < it->notes->len; k++) {
        rebase_say(run, "  %s", (char *)it->notes->pdata[k]);
    }
    rebase_say(run,
               "Resolve it in %s (edit the files; no commit needed), then run "
               "`qfork rebase --continue`; or `qfork rebase --abort` to put "
               "everything back.  Report: %s.md",
               run->dir, prefix);
    return TRUE;
}

gboolean rebase_walk(Run *run, guint from, gboolean *stopped, GError **error)
{
    *stopped = FALSE;
    for (guint i = from; i < run->series->entries->len; i++) {
        StepResult res;

        if (run->opts->interrupted && run->opts->interrupted()) {
            g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                        "interrupted before %s; `qfork rebase --continue` "
                        "resumes, `qfork rebase --abort` puts everything "
                        "back",
                        ((QfEntry *)run->series->entries->pdata[i])->name);
            return FALSE;
        }
        res = process_entry(run, i, error);
        if (res == STEP_ERROR) {
            g_prefix_error(error, "rebase stopped (`qfork rebase --abort` "
                                  "puts everything back): ");
            return FALSE;
        }
        rebase_item_save(run, run->items->pdata[i]);
        if (res == STEP_STOP) {
            g_key_file_set_integer(run->state, GROUP, "next", (gint)i);
            *stopped = TRUE;
            return rebase_save(run, error) && report_stop(run, error);
        }
        {
            g_autofree char *head = qf_tree_head(run->tree, error);
            if (!head) {
                return FALSE;
            }
            rebase_set(run, "head", head);
        }
        g_key_file_set_integer(run->state, GROUP, "next", (gint)i + 1);
        if (!rebase_save(run, error)) {
            return FALSE;
        }
    }
    return install_results(run, error);
}

static void add_edit(GArray *edits, QfSeriesEditKind kind, const char *entry,
                     const char *value)
{
    QfSeriesEdit e = {kind, entry, value};
    g_array_append_val(edits, e);
}

/*
 * The evidence for the first-release the rebase records: the upstream
 * git's tags (ancestry), or the patch reverse-applying on the new base -
 * an upper bound, which only `qfork verify-base` can settle.  series.conf
 * refuses an ancestry evidence that disagrees with the first-release.
 */
static const char *first_release_evidence(const QfRebaseItem *it,
                                          const char *version, GPtrArray *keep)
{
    for (guint n = 0; n < it->notes->len; n++) {
        if (strstr(it->notes->pdata[n], UPPER_BOUND)) {
            char *why = g_strdup_printf(
                "none: the patch reverse-applies on QEMU %s, an upper bound "
                "for its first release (qfork rebase)",
                version);
            g_ptr_array_add(keep, why);
            return why;
        }
    }
    g_ptr_array_add(keep, g_strdup_printf("ancestry %s", it->first_release));
    return g_ptr_array_index(keep, keep->len - 1);
}

static char *edited_series(Run *run, GPtrArray *notes, GError **error)
{
    g_autofree char *text = NULL;
    g_autofree char *v = rebase_get(run, "new-version");
    g_autofree char *t = rebase_get(run, "new-tarball");
    g_autofree char *s = rebase_get(run, "new-sha256");
    g_autoptr(GArray) edits = g_array_new(FALSE, TRUE, sizeof(QfSeriesEdit));
    g_autoptr(GPtrArray) evidence = g_ptr_array_new_with_free_func(g_free);
    QfBasePin pin = {v, t, s};

    if (!g_file_get_contents(run->series->path, &text, NULL, error)) {
        return NULL;
    }
    for (guint i = 0; i < run->items->len; i++) {
        const QfRebaseItem *it = run->items->pdata[i];
        if (it->cls == QF_REBASE_IN_BASE && it->kind != QF_ENTRY_UPSTREAM) {
            char *note = g_strdup_printf(
                "qfork rebase to QEMU %s: %s is in the new base (%s); its "
                "entry is kept here as a comment, its patch file removed",
                v, it->name, it->detail);
            g_ptr_array_add(notes, note);
            add_edit(edits, QF_EDIT_DROP, it->name, note);
        } else if (it->cls == QF_REBASE_IN_BASE && it->old_patch) {
            add_edit(edits, QF_EDIT_REMOVE_PATCH, it->name, NULL);
        }
        if (it->backport && it->new_patch) {
            add_edit(edits, QF_EDIT_SET_PATCH, it->name, it->new_patch);
        }
        if (it->first_release) {
            add_edit(edits, QF_EDIT_SET_FIRST_RELEASE, it->name,
                     it->first_release);
            add_edit(edits, QF_EDIT_SET_EVIDENCE, it->name,
                     first_release_evidence(it, v, evidence));
        }
    }
    return qf_series_edit(text, run->series, &pin, (QfSeriesEdit *)edits->data,
                          edits->len, error);
}

static gboolean install_patch_files(Run *run, GError **error)
{
    for (guint i = 0; i < run->items->len; i++) {
        const QfRebaseItem *it = run->items->pdata[i];
        g_autofree char *staged = staged_path(run, it);

        if (it->patch_changed && it->new_patch) {
            g_autofree char *to =
                rebase_repo_file(run->series->dir, it->new_patch);
            if (!qf_fs_copy_file(staged, to, error)) {
                return FALSE;
            }
        }
        if (it->old_patch && !it->new_patch) {
            g_autofree char *gone =
                rebase_repo_file(run->series->dir, it->old_patch);
            if (!qf_fs_remove_tree(gone, error)) {
                return FALSE;
            }
        }
    }
    return TRUE;
}

gboolean rebase_drop_refs(Run *run, GError **error)
{
    const char *del_new[] = {"update-ref", "-d", REF_NEW_BASE, NULL};
    const char *del_orig[] = {"update-ref", "-d", REF_ORIG_HEAD, NULL};

    return rebase_git(run, del_new, error) && rebase_git(run, del_orig, error);
}

static gboolean install_results(Run *run, GError **error)
{
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *series_text = edited_series(run, notes, error);
    g_autofree char *lock = rebase_path(run, "base.lock");
    g_autofree char *lock_to = rebase_repo_file(run->series->dir, "base.lock");
    g_autofree char *counts = NULL;
    g_autofree char *prefix = rebase_get(run, "report");
    g_autofree char *version = rebase_get(run, "new-version");

    /* The report first: failing to write it changes nothing yet. */
    if (!series_text || !rebase_write_report(run, TRUE, NULL, error)) {
        return FALSE;
    }
    if (!install_patch_files(run, error) ||
        !qf_fs_copy_file(lock, lock_to, error) ||
        !g_file_set_contents(run->series->path, series_text, -1, error) ||
        !rebase_drop_refs(run, error)) {
        g_prefix_error(error, "installing the results failed (`qfork rebase "
                              "--abort` puts everything back): ");
        return FALSE;
    }
    counts = qf_rebase_report_counts(run->items);
    if (!qf_fs_remove_tree(run->state_dir, error)) {
        return FALSE;
    }
    rebase_say(run, "%s", "");
    rebase_say(run, "Rebased onto QEMU %s. %s", version, counts);
    rebase_say(run,
               "series.conf and base.lock now pin QEMU %s; report: %s.md "
               "(and .json).  `make` builds it.",
               version, prefix);
    return TRUE;
}
