/*
 * qfork series: the pushable entries, or with -v every entry and its mark.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qfork.h"

static char mark_of(const QfQueue *q, const QfEntryStatus *s)
{
    switch (s->state) {
    case QF_STATE_APPLIED:
        return s == qf_queue_top(q) ? '=' : '+';
    case QF_STATE_IN_BASE:
        return 'b';
    case QF_STATE_FAILED:
        return '!';
    case QF_STATE_UNAVAILABLE:
        return 'x';
    case QF_STATE_PENDING:
        break;
    }
    return ' ';
}

int qf_cmd_series(QfContext *ctx, int argc, char **argv, GError **error)
{
    gboolean verbose = FALSE;
    const GOptionEntry entries[] = {
        {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, NULL, NULL},
        {NULL},
    };
    g_autoptr(QfQueue) q = NULL;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error) ||
        !qf_check_positionals(ctx, argc, 0, error)) {
        return QF_EXIT_ERROR;
    }
    /* The plain list does not depend on the tree (only -v marks do). */
    ctx->tree_unneeded = !verbose;
    q = qf_context_queue(ctx, FALSE, error);
    if (!q) {
        return QF_EXIT_ERROR;
    }
    if (!verbose) {
        for (guint i = 0; i < q->pushable->len; i++) {
            const QfEntryStatus *s = g_ptr_array_index(q->pushable, i);
            qf_print(ctx, "%s\n", s->entry->name);
        }
        return QF_EXIT_OK;
    }
    for (guint i = 0; i < q->all->len; i++) {
        const QfEntryStatus *s = g_ptr_array_index(q->all, i);
        qf_print(ctx, "%c %-40s %s\n", mark_of(q, s), s->entry->name,
                 s->entry->subject ? s->entry->subject : "");
    }
    return QF_EXIT_OK;
}
