/*
 * qfork unapplied: the entries push has still to apply, in order.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qfork.h"

int qf_cmd_unapplied(QfContext *ctx, int argc, char **argv, GError **error)
{
    g_autoptr(QfQueue) q = qf_context_list_queue(ctx, argc, argv, error);

    if (!q) {
        return QF_EXIT_ERROR;
    }
    if (q->applied == q->pushable->len) {
        const QfEntryStatus *top = qf_queue_top(q);
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                    top ? "series fully applied, ends at %s"
                        : "no pushable entries in the series%s",
                    top ? top->entry->name : "");
        return QF_EXIT_NOTHING;
    }
    for (guint i = q->applied; i < q->pushable->len; i++) {
        const QfEntryStatus *s = g_ptr_array_index(q->pushable, i);
        qf_print(ctx, "%s\n", s->entry->name);
    }
    return QF_EXIT_OK;
}
