/*
 * qfork top: the topmost applied entry.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include "qfork.h"

int qf_cmd_top(QfContext *ctx, int argc, char **argv, GError **error)
{
    const GOptionEntry entries[] = {{NULL}};
    g_autoptr(QfQueue) q = NULL;
    const QfEntryStatus *top;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error) ||
        !qf_check_positionals(ctx, argc, 0, error)) {
        return QF_EXIT_ERROR;
    }
    q = qf_context_queue(ctx, FALSE, error);
    if (!q) {
        return QF_EXIT_ERROR;
    }
    if (q->mismatch) {
        fprintf(stderr, "qfork top: warning: %s\n", q->mismatch);
    }
    top = qf_queue_top(q);
    if (!top) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING, "no entries applied");
        return QF_EXIT_NOTHING;
    }
    qf_print(ctx, "%s\n", top->entry->name);
    return QF_EXIT_OK;
}
