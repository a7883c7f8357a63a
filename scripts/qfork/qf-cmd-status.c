/*
 * qfork status: the base, its lock, the tree, and every entry's state.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include "qf-rebase-run.h"
#include "qfork.h"

#define LOCK_FILE "base.lock"

/* base.lock beside the series: "key value" lines, '#' comments. */
static void print_lock(QfContext *ctx, const QfSeries *series)
{
    g_autofree char *dir = g_path_get_dirname(series->path);
    g_autofree char *path = g_build_filename(dir, LOCK_FILE, NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GString) fields = g_string_new(NULL);
    g_autofree char *version = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        qf_print(ctx, "lock:   no " LOCK_FILE "\n");
        return;
    }
    lines = g_strsplit(text, "\n", -1);
    for (gsize i = 0; lines[i]; i++) {
        char *l = g_strstrip(lines[i]);
        char *sp;

        if (!*l || *l == '#') {
            continue;
        }
        sp = strchr(l, ' ');
        if (sp && g_str_has_prefix(l, "version ")) {
            version = g_strdup(g_strstrip(sp + 1));
        }
        g_string_append_printf(fields, "%s%s", fields->len ? ", " : "", l);
    }
    qf_print(ctx, "lock:   " LOCK_FILE ": %s\n", fields->str);
    if (version && g_strcmp0(version, series->base_version) != 0) {
        qf_print(ctx, "        warning: " LOCK_FILE " records %s, %s pins "
                 "%s\n", version, series->path, series->base_version);
    }
}

/*
 * A rebase under way has moved the tree to the new base while series.conf
 * still pins the old one, so comparing the two says nothing useful (the
 * commits look "out of order"): say where the rebase is instead.
 */
static void print_rebase(QfContext *ctx, QfTree *tree)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(QfRebaseProgress) p = qf_rebase_progress(tree, &error);
    const char *next = "`qfork rebase --continue` goes on";

    if (!p) {
        qf_print(ctx, "        rebase: under way, but %s\n",
                 error ? error->message : "its state is gone");
    } else if (p->stopped) {
        qf_print(ctx,
                 "        rebase: onto QEMU %s, stopped at entry %u %s (it "
                 "conflicts with the new base)\n",
                 p->new_version, p->position, p->stopped);
        next = "resolve the conflict in the tree, then `qfork rebase "
               "--continue`";
    } else {
        qf_print(ctx,
                 "        rebase: onto QEMU %s, interrupted before entry "
                 "%u\n",
                 p->new_version, p->position);
    }
    qf_print(ctx, "        %s; `qfork rebase --abort` puts everything back\n",
             next);
}

static void print_tree(QfContext *ctx, QfTree *tree, const QfQueue *q,
                       const char *tree_dir, const GError *no_tree)
{
    g_autoptr(GPtrArray) dirty = tree ? qf_tree_dirty_paths(tree, NULL)
                                      : NULL;

    if (!tree) {
        qf_print(ctx, "tree:   %s: %s\n", tree_dir,
                 no_tree ? no_tree->message : "absent");
        return;
    }
    qf_print(ctx, "tree:   %s: base QEMU %s (commit %.12s), %u of %u "
             "pushable entries applied\n", qf_tree_dir(tree),
             qf_tree_base_version(tree) ? qf_tree_base_version(tree) : "?",
             qf_tree_base_commit(tree), q->applied, q->pushable->len);
    if (qf_rebase_in_progress(tree)) {
        print_rebase(ctx, tree);
    } else if (q->mismatch) {
        qf_print(ctx, "        problem: %s\n", q->mismatch);
    }
    if (dirty && dirty->len) {
        qf_print(ctx, "        uncommitted changes in %u path%s (push and "
                 "pop refuse to run)\n", dirty->len,
                 dirty->len == 1 ? "" : "s");
    }
}

/* How the upstream rows in base were proven (series.conf "evidence"). */
static void print_evidence(QfContext *ctx, const QfQueue *q)
{
    guint by[QF_EVIDENCE_OPEN + 1] = {0};
    guint rows = 0;

    for (guint i = 0; i < q->all->len; i++) {
        const QfEntryStatus *s = g_ptr_array_index(q->all, i);

        if (s->state == QF_STATE_IN_BASE) {
            by[s->entry->evidence]++;
            rows++;
        }
    }
    qf_print(ctx, "evidence for the %u rows in base: %u by git ancestry, %u by "
             "content, %u open with a stated reason, %u unverified (see "
             "`qfork verify-base`)\n", rows, by[QF_EVIDENCE_ANCESTRY],
             by[QF_EVIDENCE_CONTENT], by[QF_EVIDENCE_OPEN],
             by[QF_EVIDENCE_UNSET]);
}

static void print_entries(QfContext *ctx, const QfQueue *q)
{
    guint counts[QF_STATE_UNAVAILABLE + 1] = {0};
    guint unverified = 0, with_reason = 0;
    g_autofree char *reasons = NULL;

    for (guint i = 0; i < q->all->len; i++) {
        const QfEntryStatus *s = g_ptr_array_index(q->all, i);
        gboolean unv = s->state == QF_STATE_IN_BASE && s->unverified;

        counts[s->state]++;
        unverified += unv;
        with_reason += unv && s->entry->evidence == QF_EVIDENCE_OPEN;
        qf_print(ctx, "%4u  %-40s  %-11s  %s\n", s->entry->position,
                 s->entry->name, qf_entry_state_name(s->state),
                 s->reason ? s->reason : "");
    }
    if (with_reason) {
        reasons = g_strdup_printf(", %u with a stated reason", with_reason);
    }
    qf_print(ctx, "%u entries: %u in base (%u unverified%s), %u applied, %u "
             "pending, %u failed, %u unavailable\n", q->all->len,
             counts[QF_STATE_IN_BASE], unverified, reasons ? reasons : "",
             counts[QF_STATE_APPLIED], counts[QF_STATE_PENDING],
             counts[QF_STATE_FAILED], counts[QF_STATE_UNAVAILABLE]);
    print_evidence(ctx, q);
}

int qf_cmd_status(QfContext *ctx, int argc, char **argv, GError **error)
{
    const GOptionEntry entries[] = {{NULL}};
    QfSeries *series;
    QfTree *tree;
    g_autoptr(GError) no_tree = NULL;
    g_autofree char *tree_dir = NULL;
    g_autoptr(QfQueue) q = NULL;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error) ||
        !qf_check_positionals(ctx, argc, 0, error)) {
        return QF_EXIT_ERROR;
    }
    series = qf_context_series(ctx, error);
    tree_dir = series ? qf_context_tree_dir(ctx, error) : NULL;
    if (!tree_dir) {
        return QF_EXIT_ERROR;
    }
    tree = qf_context_tree(ctx, &no_tree);
    if (!tree && !g_error_matches(no_tree, QF_ERROR, QF_ERROR_NOT_FOUND)) {
        g_propagate_error(error, g_steal_pointer(&no_tree));
        return QF_EXIT_ERROR;
    }
    q = qf_queue_load(series, tree, error);
    if (!q) {
        return QF_EXIT_ERROR;
    }
    qf_print(ctx, "series: %s: base QEMU %s", series->path,
             series->base_version);
    if (series->base_tarball) {
        qf_print(ctx, " (%s)", series->base_tarball);
    }
    qf_print(ctx, "\n");
    print_lock(ctx, series);
    print_tree(ctx, tree, q, tree_dir, no_tree);
    print_entries(ctx, q);
    return QF_EXIT_OK;
}
