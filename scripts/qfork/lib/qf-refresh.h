/*
 * qfork: stable patch files, regenerated from commits.
 *
 * A refreshed patch is a function of the patch's message (author, date,
 * subject, body) and the two trees it is the difference of - nothing else,
 * so regenerating an unchanged patch gives the same bytes:
 *
 *   From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
 *   From: NAME <EMAIL>
 *   Date: DATE                      (as the patch had it, RFC 2822)
 *   Subject: [PATCH] SUBJECT
 *                                   (MIME headers when any text is not ASCII)
 *   BODY (trailers included)
 *   ---
 *   diff --git a/... b/...
 *
 * - the mbox "From " line carries the zero commit id and git's fixed
 *   date, not the commit the patch came from (which changes every rebase);
 * - no diffstat (derived data that changes with git's layout rules) and no
 *   "-- " version signature (changes with every git upgrade);
 * - no [PATCH n/m] numbering;
 * - the diff is `git diff` with every option that changes its bytes fixed
 *   and the user's and system's git configuration ignored:
 *     --no-color --no-ext-diff --no-textconv  nothing user-defined
 *     --no-renames      a move is a delete plus a create: no similarity
 *                       heuristic decides the patch's shape, and plain
 *                       patch(1)/quilt can apply it
 *     --full-index      index lines carry full blob ids: they do not
 *                       depend on the repository's size (abbreviation
 *                       length), binary patches need them, and they let
 *                       `git apply --3way` find the pre-image
 *     --binary          binary files as git binary patches
 *     -U3 --inter-hunk-context=0 --diff-algorithm=myers
 *     --indent-heuristic  git's defaults, pinned against future changes
 *     --src-prefix=a/ --dst-prefix=b/ --no-relative
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_REFRESH_H
#define QF_REFRESH_H

#include <glib.h>

#include "qf-patch.h"

/* What goes before the diff.  Strings are borrowed. */
typedef struct QfPatchHeader {
    const char *author_name; /* NULL: a bare diff, no mail header */
    const char *author_email;
    const char *date;
    const char *subject;
    const char *body; /* may be NULL or "" */
} QfPatchHeader;

/* The header of a parsed patch file (borrowing its strings). */
void qf_refresh_header_of(const QfPatch *patch, QfPatchHeader *header);

/* The diff between the trees of @from and @to in the repository @dir. */
char *qf_refresh_diff(const char *dir, const char *from, const char *to,
                      GError **error);

/* A patch file: @header (NULL for a bare diff) followed by @diff. */
char *qf_refresh_format(const QfPatchHeader *header, const char *diff);

/* The patch file of @commit against its first parent, with @header. */
char *qf_refresh_commit(const char *dir, const char *commit,
                        const QfPatchHeader *header, GError **error);

/* Where the diff of a patch file's text starts ("" when it has none). */
const char *qf_refresh_diff_part(const char *text);

#endif
