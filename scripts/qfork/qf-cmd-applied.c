/*
 * qfork applied: the applied entries, bottom first.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qfork.h"

int qf_cmd_applied(QfContext *ctx, int argc, char **argv, GError **error)
{
    g_autoptr(QfQueue) q = qf_context_list_queue(ctx, argc, argv, error);

    if (!q) {
        return QF_EXIT_ERROR;
    }
    if (q->applied == 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING, "no entries applied");
        return QF_EXIT_NOTHING;
    }
    for (guint i = 0; i < q->applied; i++) {
        const QfEntryStatus *s = g_ptr_array_index(q->pushable, i);
        qf_print(ctx, "%s\n", s->entry->name);
    }
    return QF_EXIT_OK;
}
