/*
 * qfork: series.conf edited in place, through the parser's model.
 *
 * The parser records where every block and attribute stands
 * (QfBlock); an edit replaces, inserts or comments out exactly those
 * lines and keeps every other byte - comments, blank lines, layout - as
 * it was.  The result is parsed again before it is returned.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_SERIES_EDIT_H
#define QF_SERIES_EDIT_H

#include <glib.h>

#include "qf-series.h"

typedef enum {
    QF_EDIT_DROP,              /* comment the entry's block out, with @value */
    QF_EDIT_SET_PATCH,         /* set "  patch @value" */
    QF_EDIT_REMOVE_PATCH,      /* remove its "patch" line */
    QF_EDIT_SET_FIRST_RELEASE, /* set "  first-release @value" */
    QF_EDIT_SET_EVIDENCE,      /* set "  evidence @value" */
} QfSeriesEditKind;

typedef struct QfSeriesEdit {
    QfSeriesEditKind kind;
    const char *entry; /* entry name */
    const char *value;
} QfSeriesEdit;

typedef struct QfBasePin {
    const char *version;
    const char *tarball; /* NULL: keep the file's */
    const char *sha256;  /* NULL: keep the file's */
} QfBasePin;

/*
 * series.conf's @text (which @series was parsed from) with the base pin
 * replaced by @pin and @edits made, every other byte as it was.  An error
 * names what is wrong, also when the result does not parse.
 */
char *qf_series_edit(const char *text, const QfSeries *series,
                     const QfBasePin *pin, const QfSeriesEdit *edits,
                     guint n_edits, GError **error);

#endif
