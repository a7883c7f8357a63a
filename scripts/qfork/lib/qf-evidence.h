/*
 * qfork: proving that the base tree has an upstream row.
 *
 * Two kinds of proof, recorded in series.conf as a row's "evidence":
 *   ancestry  in an upstream git with release tags, the row's commit is
 *             contained in a release tag not after the base;
 *   content   the row's own change (the commit's diff, or a mailing-list
 *             copy of the patch) is in the base tree, hunk by hunk.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_EVIDENCE_H
#define QF_EVIDENCE_H

#include <glib.h>

#include "qf-patch.h"
#include "qf-series.h"

/*
 * The tree a change is looked for in: the files of @commit in the git at
 * @dir, or, with @commit NULL, the files below the directory @dir.
 */
typedef struct QfBaseTree {
    const char *dir;
    const char *commit;
} QfBaseTree;

typedef enum {
    QF_CONTENT_PRESENT,  /* every hunk that could be looked at is there */
    QF_CONTENT_ABSENT,   /* no hunk is there; some still read as before */
    QF_CONTENT_PARTIAL,  /* some hunks there, others not, or changed since */
    QF_CONTENT_NO_FILES, /* the tree lacks every file the change touches */
} QfContentVerdict;

/* "present", "absent", "partial", "no-files". */
const char *qf_content_verdict_name(QfContentVerdict verdict);

typedef struct QfContentResult {
    QfContentVerdict verdict;
    guint files;         /* files of the change found in the tree */
    guint missing_files; /* files it modifies that the tree lacks */
    guint hunks;         /* hunks looked at (a binary file counts one) */
    guint present;       /* hunks whose new side is in the tree */
    guint absent;        /* hunks whose old side is still in the tree */
    GPtrArray *notes;    /* "FILE: hunk #N ...", every hunk not present */
} QfContentResult;

void qf_content_result_free(QfContentResult *result);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfContentResult, qf_content_result_free)

/*
 * Is @change in @base?  File by file: a created file must exist with its
 * hunks, a deleted one must be gone; a hunk is there when its new side
 * (context and added lines) is, or when its added lines are there in
 * order and its old side (context and removed lines) is gone.  A binary
 * file is there when its blob is the change's post-image.
 */
QfContentResult *qf_evidence_content(const QfBaseTree *base,
                                     const QfPatch *change, GError **error);

/* The diff of @commit against its parent in the git at @dir. */
QfPatch *qf_evidence_commit_diff(const char *dir, const char *commit,
                                 GError **error);

/* ---- every upstream row ------------------------------------------------ */

typedef struct QfVerifyOptions {
    const char *upstream;     /* an upstream QEMU git */
    const char *base_version; /* the pinned release, e.g. "11.1.1" */
    /*
     * Its tree, for the content check; with base.commit NULL, a qfork
     * tree's base commit (refs/qfork/base), else the files below base.dir.
     */
    QfBaseTree base;
    /*
     * Where to look for a descendant proven by content (default HEAD):
     * see qf_verifier_row().
     */
    const char *tip;
    GPtrArray *only; /* QfEntry*: verify these rows only; NULL: all */
} QfVerifyOptions;

typedef struct QfRowEvidence {
    const QfEntry *entry; /* borrowed */
    QfEvidenceKind kind;  /* what was proven; OPEN when nothing was */
    gboolean in_base;     /* ANCESTRY/CONTENT: proven in (or not in) */
    char *release;        /* ANCESTRY: first release; CONTENT: base */
    char *commit;         /* the commit whose diff was checked */
    char *evidence;       /* the series.conf "evidence" value */
    char *detail;         /* one line for people */
    QfContentResult *content;
} QfRowEvidence;

void qf_row_evidence_free(QfRowEvidence *row);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfRowEvidence, qf_row_evidence_free)

typedef struct QfVerifier QfVerifier;

/* Fails unless @opts->upstream is a git repository. */
QfVerifier *qf_verifier_new(const QfVerifyOptions *opts, GError **error);
void qf_verifier_free(QfVerifier *v);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfVerifier, qf_verifier_free)

/*
 * The evidence for upstream row @entry: by ancestry when the git has its
 * commit under a release tag; else by content, from the commit's diff or,
 * when later upstream commits changed some of its lines, from the diff of
 * a descendant: the newest commit of the tip's history (no merges)
 * whose change is in the base, since a release made from that history
 * holds everything before it; else by content from the diff or,
 * when the git lacks the commit, from the newest commit of any ref whose
 * subject is the row's (a mailing-list copy of the patch); else OPEN with
 * the reason.  Errors only for what stops the whole run (the base tree
 * unreadable).
 */
QfRowEvidence *qf_verifier_row(QfVerifier *v, const QfEntry *entry,
                               GError **error);

/*
 * Every upstream row of @series, in order (QfRowEvidence*).  @say, when
 * given, gets one line per row as it is settled.
 */
GPtrArray *qf_verify_series(const QfSeries *series, const QfVerifyOptions *opts,
                            void (*say)(gpointer data, const char *line),
                            gpointer say_data, GError **error);

/* "  12  b64b7ed8bb5d  ancestry v9.0.0  git: ..." */
char *qf_row_evidence_line(const QfRowEvidence *row);

/*
 * series.conf's @text (parsed as @series) with what @rows proved
 * recorded: "evidence" for every proven row (and "first-release" for
 * ancestry), "evidence none: ..." only where a row has no evidence yet -
 * a proof made with another upstream git is never replaced by a failure
 * to repeat it.  *@changed counts the rows whose attributes change.
 */
char *qf_verify_edit_series(const char *text, const QfSeries *series,
                            GPtrArray *rows, guint *changed, GError **error);

#endif
