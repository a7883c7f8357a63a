/*
 * qfork top: the topmost applied entry.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qfork.h"

int qf_cmd_top(QfContext *ctx, int argc, char **argv, GError **error)
{
    g_autoptr(QfQueue) q = qf_context_list_queue(ctx, argc, argv, error);
    const QfEntryStatus *top;

    if (!q) {
        return QF_EXIT_ERROR;
    }
    top = qf_queue_top(q);
    if (!top) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING, "no entries applied");
        return QF_EXIT_NOTHING;
    }
    qf_print(ctx, "%s\n", top->entry->name);
    return QF_EXIT_OK;
}
