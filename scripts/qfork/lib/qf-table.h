/*
 * qfork: the vendor's patch tables, rendered from series.conf.
 *
 * The vendor's page lists, per section and mailing-list month, each
 * row's commit, description and minimum release, and the SAUCE rows with
 * their impact.  The rendering adds what the page lacks: each row's state
 * in this fork, the evidence for it, and for SAUCE rows the patch and the
 * test that covers it.  Everything comes from the series alone, so the
 * output changes only when series.conf does.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_TABLE_H
#define QF_TABLE_H

#include <glib.h>

#include "qf-series.h"

typedef enum {
    QF_TABLE_MARKDOWN,
    QF_TABLE_HTML,
    QF_TABLE_JSON,
} QfTableFormat;

/* "markdown"/"md", "html", "json". */
gboolean qf_table_format_from_name(const char *name, QfTableFormat *format);

/* A table row's state in this fork, decided from the series. */
typedef enum {
    QF_ROW_IN_BASE, /* the pinned base has it */
    QF_ROW_PATCH,   /* our patch file applies it */
    QF_ROW_PENDING, /* neither: not in this fork yet */
} QfRowState;

/* "in-base", "patch", "pending". */
const char *qf_row_state_id(QfRowState state);

/*
 * @entry's state and one line for people: "in base since v9.0.0",
 * "in base (11.1.1 tree, by content)", "applied as patch P", "pending:
 * ...".
 */
QfRowState qf_table_row_state(const QfSeries *series, const QfEntry *entry,
                              char **text);

/* The whole table in @format. */
char *qf_table_render(const QfSeries *series, QfTableFormat format);

#endif
