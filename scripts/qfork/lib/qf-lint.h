/*
 * qfork: consistency checks of a parsed series (`qfork lint`).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_LINT_H
#define QF_LINT_H

#include "qf-series.h"

/*
 * Check @series against the files beside it and, when @facts_tsv is not
 * NULL, against the facts table (grace-series-facts.tsv: a header line
 * naming the columns, then one row per table row in table order).
 *
 *  - every listed patch file exists, none is listed twice, and every
 *    patches/ **.patch file is listed;
 *  - each listed patch has From:, Date: and Subject: headers, and its
 *    message a Signed-off-by: trailer and the provenance line for its
 *    entry kind (the rule is documented at the top of series.conf):
 *      upstream    "Upstream: SHA" or "(cherry picked from commit SHA)",
 *                  SHA starting with the row's sha12
 *      sauce       a line naming the row's sha12 as a word
 *      downstream  "Downstream-only: REASON"
 *  - table sections are contiguous;
 *  - with the facts: the table rows are exactly the facts' rows, in their
 *    order, with their sections, subjects and full shas.
 *
 * Each problem is appended to @problems (a GPtrArray of g_free-able
 * strings) as "series.conf:LINE: ...", "series.conf: ..." or
 * "patches/X: ..." (file names relative to the series file's directory).
 * Returns TRUE when no problem was found.
 */
gboolean qf_series_lint(const QfSeries *series, const char *facts_tsv,
                        GPtrArray *problems);

#endif
