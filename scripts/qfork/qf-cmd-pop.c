/*
 * qfork pop: remove applied entries from the top.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qfork.h"

/* Index in the tree's commits of the commit applying @name, or -1. */
static int commit_of(const QfQueue *q, const char *name)
{
    for (guint i = 0; i < q->commits->len; i++) {
        const QfTreeCommit *c = g_ptr_array_index(q->commits, i);
        if (g_strcmp0(c->entry, name) == 0) {
            return (int)i;
        }
    }
    return -1;
}

/* How many commits [-a | N | NAME] leaves; -1 with an error if none. */
static int commits_to_keep(const QfQueue *q, gboolean all, const char *arg,
                           GError **error)
{
    guint applied = q->commits->len;
    const QfEntry *e;
    guint n;
    int index;

    if (applied == 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                    "no entries applied; nothing removed");
        return -1;
    }
    if (all) {
        return 0;
    }
    if (!arg) {
        return applied - 1;
    }
    if (qf_parse_count(arg, &n)) {
        if (n == 0) {
            g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                        "0 entries asked for; nothing removed");
            return -1;
        }
        return applied - MIN(n, applied);
    }
    e = qf_series_find(q->series, arg, error);
    if (!e) {
        return -1;
    }
    index = commit_of(q, e->name);
    if (index < 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "%s is not applied", e->name);
        return -1;
    }
    if ((guint)index + 1 == applied) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                    "%s is already on top; nothing removed", e->name);
        return -1;
    }
    return index + 1;
}

int qf_cmd_pop(QfContext *ctx, int argc, char **argv, GError **error)
{
    gboolean all = FALSE;
    const GOptionEntry entries[] = {
        {"all", 'a', 0, G_OPTION_ARG_NONE, &all, NULL, NULL},
        {NULL},
    };
    g_autoptr(QfQueue) q = NULL;
    g_autoptr(GPtrArray) removed = g_ptr_array_new_with_free_func(g_free);
    const QfTreeCommit *top;
    int keep;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error) ||
        !qf_check_positionals(ctx, argc, 1, error)) {
        return QF_EXIT_ERROR;
    }
    if (all && argc > 1) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "-a and N or NAME exclude each other");
        return QF_EXIT_ERROR;
    }
    q = qf_context_queue(ctx, TRUE, error);
    if (!q) {
        return QF_EXIT_ERROR;
    }
    keep = commits_to_keep(q, all, argc > 1 ? argv[1] : NULL, error);
    if (keep < 0) {
        return qf_exit_code(*error);
    }
    if (!qf_tree_require_clean(q->tree, error)) {
        return QF_EXIT_ERROR;
    }
    for (guint i = q->commits->len; i > (guint)keep; i--) {
        const QfTreeCommit *c = g_ptr_array_index(q->commits, i - 1);
        g_ptr_array_add(removed, g_strdup(c->entry ? c->entry : c->id));
    }
    qf_catch_interrupts();
    if (!qf_queue_pop_to(q, keep, error)) {
        return QF_EXIT_ERROR;
    }
    for (guint i = 0; i < removed->len; i++) {
        qf_print(ctx, "Removing %s\n", (char *)g_ptr_array_index(removed, i));
    }
    top = keep ? g_ptr_array_index(q->commits, keep - 1) : NULL;
    if (top) {
        qf_print(ctx, "Now at %s.\n", top->entry);
    } else {
        qf_print(ctx, "No entries applied.\n");
    }
    return QF_EXIT_OK;
}
