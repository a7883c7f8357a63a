/*
 * qfork: series.conf, the fork's single source of truth.
 *
 * The syntax is documented at the top of series.conf itself.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_SERIES_H
#define QF_SERIES_H

#include <glib.h>

typedef enum {
    QF_ENTRY_UPSTREAM,      /* table row, an upstream QEMU commit */
    QF_ENTRY_SAUCE,         /* table row, downstream-only; our patch file implements it */
    QF_ENTRY_DOWNSTREAM,    /* not in the table: build fix, prerequisite, feature */
} QfEntryKind;

/*
 * How an upstream row's presence in a release was established (its
 * "evidence" attribute; see series.conf's header for the syntax).
 */
typedef enum {
    QF_EVIDENCE_UNSET,      /* no "evidence" attribute */
    QF_EVIDENCE_ANCESTRY,   /* the commit is an ancestor of a release tag */
    QF_EVIDENCE_CONTENT,    /* the commit's change is in a release's tree */
    QF_EVIDENCE_OPEN,       /* "none: REASON": no source could settle it */
} QfEvidenceKind;

/* The attributes a block may have, in the order series.conf documents. */
typedef enum {
    QF_ATTR_TARBALL,
    QF_ATTR_SHA256,
    QF_ATTR_MIN_RELEASE,
    QF_ATTR_COMMIT,
    QF_ATTR_SUBJECT,
    QF_ATTR_FIRST_RELEASE,
    QF_ATTR_PATCH,
    QF_ATTR_IMPACT,
    QF_ATTR_REASON,
    QF_ATTR_EVIDENCE,
    QF_ATTR_TEST,
    QF_ATTR_COUNT,
} QfAttr;

/* "tarball", "first-release", ...: the attribute's key in the file. */
const char *qf_attr_key(QfAttr attr);

/*
 * Where a directive and its attributes stand in the file (1-based lines,
 * comments between them not counted): what the in-place edit of
 * series.conf (qf-series-edit.h) goes by.
 */
typedef struct QfBlock {
    guint line;                     /* the directive */
    guint last_line;                /* its last attribute; line if none */
    guint attr_line[QF_ATTR_COUNT]; /* each attribute's line, 0 if absent */
} QfBlock;

typedef struct QfEntry {
    guint position;         /* 1-based position in the series */
    guint table_row;        /* 1-based row of the seed tables, 0 if not a table row */
    QfEntryKind kind;
    char *name;             /* unique: sha12 for table rows, a slug for downstream */
    char *section;          /* table section, e.g. "Core SMMU" */
    char *ml_month;         /* "March 2024" or NULL */
    guint group;            /* its "group" directive, counted from 1; 0 none */
    char *sha12;            /* upstream/SAUCE commit as in the table, or NULL */
    char *full_sha;         /* 40-hex where known, or NULL */
    char *subject;
    char *min_release;      /* the table's "Minimum QEMU Release", e.g. "v9.0" */
    char *first_release;    /* verified first release, e.g. "v9.0.0", or NULL */
    char *patch;            /* patch file, relative to the series file's dir, or NULL */
    char *impact;           /* SAUCE rows: the table's impact text */
    char *reason;           /* downstream entries: why it exists */
    char *test;             /* SAUCE rows: the test covering it, or NULL */
    QfEvidenceKind evidence;
    char *evidence_text;    /* the "evidence" value as written, or NULL */
    char *evidence_release; /* ANCESTRY: the tag; CONTENT: the tree */
    guint line;             /* line of the entry in series.conf */
    QfBlock block;          /* its lines, attributes included */
} QfEntry;

typedef struct QfSeries {
    char *path;             /* series.conf path as given */
    char *dir;              /* directory patch paths are relative to */
    char *base_version;     /* pinned QEMU release, e.g. "11.1.1" */
    char *base_tarball;     /* e.g. "qemu_11.1.1+ds.orig.tar.xz" */
    char *base_sha256;
    GPtrArray *entries;     /* QfEntry*, in series order */
    guint base_line;        /* line of the "base" directive */
    QfBlock base_block;     /* its lines, attributes included */
} QfSeries;

QfSeries *qf_series_parse(const char *text, gsize len, const char *path,
                          GError **error);
QfSeries *qf_series_load(const char *path, GError **error);

/*
 * Like qf_series_parse()/qf_series_load(), but report every error: each is
 * appended to @errors (a GPtrArray of g_free-able strings, e.g. from
 * g_ptr_array_new_with_free_func(g_free)) as "FILE:LINE: message", or
 * "FILE: message" when the file cannot be read.  Returns NULL if any error
 * was found.  qf_series_parse() returns the first of these as a
 * QF_ERROR_PARSE GError.
 */
QfSeries *qf_series_parse_all(const char *text, gsize len, const char *path,
                              GPtrArray *errors);
QfSeries *qf_series_load_all(const char *path, GPtrArray *errors);
void qf_series_free(QfSeries *series);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfSeries, qf_series_free)

/*
 * Find an entry by 1-based position, name, sha prefix (>= 7 hex, must be
 * unambiguous) or patch file name.  Errors name what did not match.
 */
QfEntry *qf_series_find(const QfSeries *series, const char *ref,
                        GError **error);

const char *qf_entry_kind_name(QfEntryKind kind);
/* "ancestry", "content", "none" or "unverified" (no attribute). */
const char *qf_evidence_kind_name(QfEvidenceKind kind);

/* The entry's patch file as a path usable from the cwd, or NULL. */
char *qf_entry_patch_path(const QfSeries *series, const QfEntry *entry);

/*
 * Compare release strings such as "v9.0", "v9.0.0", "11.1.1",
 * "v11.0.0-rc1": returns <0, 0, >0.  "v9.0" equals "v9.0.0".
 * Returns FALSE (and sets @error) for a string that is not a release.
 */
gboolean qf_release_compare(const char *a, const char *b, int *result,
                            GError **error);

#endif
