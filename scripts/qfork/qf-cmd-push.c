/*
 * qfork push: apply the next entries, each as one commit.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "qfork.h"

/* How many entries [-a | N | NAME] asks for; 0 with an error if none. */
static guint entries_to_push(QfQueue *q, gboolean all, const char *arg,
                             GError **error)
{
    guint remaining = q->pushable->len - q->applied;
    const QfEntryStatus *top = qf_queue_top(q);
    guint n, index;

    if (remaining == 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                    top ? "series fully applied, ends at %s"
                        : "no pushable entries in the series%s",
                    top ? top->entry->name : "");
        return 0;
    }
    if (all) {
        return remaining;
    }
    if (!arg) {
        return 1;
    }
    if (qf_parse_count(arg, &n)) {
        if (n == 0) {
            g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                        "0 entries asked for");
        }
        return MIN(n, remaining);
    }
    if (!qf_queue_find_pushable(q, arg, &index, error)) {
        return 0;
    }
    if (index < q->applied) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                    "%s is already applied",
                    ((QfEntryStatus *)q->pushable->pdata[index])->entry->name);
        return 0;
    }
    return index + 1 - q->applied;
}

static void print_notes(QfContext *ctx, GPtrArray *notes)
{
    for (guint i = 0; i < notes->len; i++) {
        qf_print(ctx, "  %s\n", (char *)g_ptr_array_index(notes, i));
    }
    g_ptr_array_set_size(notes, 0);
}

static int dry_run(QfContext *ctx, QfQueue *q, guint count,
                   const QfPushOptions *opts, GError **error)
{
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    gboolean ok = qf_queue_dry_run(q, count, opts, notes, error);

    print_notes(ctx, notes);
    if (!ok) {
        return QF_EXIT_ERROR;
    }
    qf_print(ctx, "Dry run: %u entr%s would apply; nothing was changed.\n",
             count, count == 1 ? "y" : "ies");
    return QF_EXIT_OK;
}

static int push_loop(QfContext *ctx, QfQueue *q, guint count,
                     const QfPushOptions *opts, GError **error)
{
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);

    qf_catch_interrupts();
    for (guint k = 0; k < count; k++) {
        const QfEntryStatus *next = qf_queue_next(q);
        gboolean ok;

        if (qf_interrupted()) {
            const QfEntryStatus *top = qf_queue_top(q);
            g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                        "interrupted (signal %d): stopped at %s; %u entr%s "
                        "not pushed", qf_interrupted(),
                        top ? top->entry->name : "the base", count - k,
                        count - k == 1 ? "y" : "ies");
            return QF_EXIT_ERROR;
        }
        qf_print(ctx, "Applying %s: %s\n", next->entry->name,
                 next->entry->subject ? next->entry->subject : "");
        ok = qf_queue_push_next(q, opts, notes, error);
        print_notes(ctx, notes);
        if (!ok) {
            return QF_EXIT_ERROR;
        }
    }
    qf_print(ctx, "Now at %s.\n", qf_queue_top(q)->entry->name);
    return QF_EXIT_OK;
}

int qf_cmd_push(QfContext *ctx, int argc, char **argv, GError **error)
{
    gboolean all = FALSE, dry = FALSE;
    gint fuzz = 0;
    const GOptionEntry entries[] = {
        {"all", 'a', 0, G_OPTION_ARG_NONE, &all, NULL, NULL},
        {"fuzz", 0, 0, G_OPTION_ARG_INT, &fuzz, NULL, NULL},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry, NULL, NULL},
        {NULL},
    };
    g_autoptr(QfQueue) q = NULL;
    QfPushOptions opts = {0};
    guint count;
    int rc;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error) ||
        !qf_check_positionals(ctx, argc, 1, error)) {
        return QF_EXIT_ERROR;
    }
    if (fuzz < 0 || (all && argc > 1)) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    fuzz < 0 ? "--fuzz must be 0 or more"
                             : "-a and N or NAME exclude each other");
        return QF_EXIT_ERROR;
    }
    opts.fuzz = fuzz;
    q = qf_context_queue(ctx, TRUE, error);
    if (!q) {
        return QF_EXIT_ERROR;
    }
    if (q->mismatch) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "the tree does not follow the series: %s", q->mismatch);
        return QF_EXIT_ERROR;
    }
    count = entries_to_push(q, all, argc > 1 ? argv[1] : NULL, error);
    if (count == 0) {
        return qf_exit_code(*error);
    }
    if (dry) {
        return dry_run(ctx, q, count, &opts, error);
    }
    if (!qf_tree_require_clean(q->tree, error)) {
        return QF_EXIT_ERROR;
    }
    /* The index catches up once, after the last entry: see qf-tree.h. */
    qf_tree_defer_index(q->tree, TRUE);
    rc = push_loop(ctx, q, count, &opts, error);
    if (!qf_tree_flush(q->tree, rc == QF_EXIT_OK ? error : NULL)) {
        rc = QF_EXIT_ERROR;
    }
    return rc;
}
