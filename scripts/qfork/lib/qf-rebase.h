/*
 * qfork: moving the series onto a new QEMU release - the parts that
 * decide, each callable on its own: what becomes of each entry, the
 * three-way merge of a patch that no longer applies, the upstream git
 * queries, and the report (series.conf is edited by qf-series-edit.h).
 *
 * The driver that strings them together over a tree, with --continue and
 * --abort, is qf-rebase-run.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_REBASE_H
#define QF_REBASE_H

#include <glib.h>

#include "qf-apply.h"
#include "qf-git.h"
#include "qf-patch.h"
#include "qf-series.h"

/* What became of an entry on the new base. */
typedef enum {
    QF_REBASE_PENDING,     /* not reached: the rebase stopped before it */
    QF_REBASE_IN_BASE,     /* the new base has it: nothing to carry */
    QF_REBASE_CLEAN,       /* applies as it is: patch file kept */
    QF_REBASE_OFFSET,      /* applies with line offsets: refreshed */
    QF_REBASE_MERGED,      /* did not apply, three-way merge did: refreshed */
    QF_REBASE_CONFLICT,    /* the merge conflicts: a person must resolve */
    QF_REBASE_RESOLVED,    /* resolved by hand, --continue: refreshed */
    QF_REBASE_UNAVAILABLE, /* upstream row newer than the base, no patch */
} QfRebaseClass;

/* "in base", "clean", ... for people; "in-base", ... for the JSON. */
const char *qf_rebase_class_name(QfRebaseClass cls);
const char *qf_rebase_class_id(QfRebaseClass cls);
gboolean qf_rebase_class_from_id(const char *id, QfRebaseClass *cls);

/* One series entry in the report. */
typedef struct QfRebaseItem {
    guint position;
    char *name;
    QfEntryKind kind;
    char *subject;
    QfRebaseClass cls;
    char *detail;           /* one line: the evidence for @cls */
    gboolean unverified;    /* in base by the table's minimum release only */
    gboolean backport;      /* patch made from the upstream git */
    char *old_patch;        /* patch file before (series-relative) or NULL */
    char *new_patch;        /* after; NULL when the entry carries none */
    gboolean patch_changed; /* new_patch gets new bytes */
    char *first_release;    /* first release as verified in git, or NULL */
    GPtrArray *notes;       /* offsets, failing hunks, conflicts */
    char *interdiff;        /* old patch's diff against the new one */
    char *commit;           /* its commit on the new base */
} QfRebaseItem;

QfRebaseItem *qf_rebase_item_new(const QfEntry *entry);
void qf_rebase_item_free(QfRebaseItem *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfRebaseItem, qf_rebase_item_free)

/* ---- upstream git ------------------------------------------------------ */

/* An upstream QEMU git (a local repository) and the two releases. */
typedef struct QfUpstream {
    char *dir;
    char *new_version;
    char *new_commit;      /* tag v<new_version> */
    char *old_commit;      /* tag v<old_version>, NULL if it has none */
    GHashTable *patch_ids; /* patch-id -> "sha subject", filled lazily */
} QfUpstream;

/* Fails unless @dir is a git repository with the tag v<new_version>. */
QfUpstream *qf_upstream_open(const char *dir, const char *old_version,
                             const char *new_version, GError **error);
void qf_upstream_free(QfUpstream *up);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfUpstream, qf_upstream_free)

/*
 * The earliest release tag (vX.Y.Z, no -rc) containing @commit, or NULL
 * when no release contains it.
 */
char *qf_upstream_first_release(QfUpstream *up, const char *commit);

/*
 * The upstream commit between the two releases whose patch-id
 * (git patch-id --stable) equals that of @patch_text: "sha subject", or
 * NULL.  Needs the tag of the old release.
 */
char *qf_upstream_match_patch_id(QfUpstream *up, const char *patch_text,
                                 GError **error);

/*
 * A backport of upstream @commit as a stable patch file: the commit's
 * author, date and message, plus "(cherry picked from commit <sha>)".
 */
char *qf_upstream_backport(QfUpstream *up, const char *commit, GError **error);

/* ---- classification ---------------------------------------------------- */

/*
 * Is upstream row @entry in QEMU @version?  With @up, by git ancestry
 * (falling back to the release data when the git lacks the commit, said
 * in @detail); without, by the release data: the verified first release,
 * else the table's minimum release (*@unverified set).  In git mode
 * *@first_release is the first release found in git when it differs from
 * the entry's.  *@commit is the full sha when @up knows the commit.
 */
gboolean qf_rebase_upstream_in_base(const QfEntry *entry, const char *version,
                                    QfUpstream *up, char **detail,
                                    gboolean *unverified, char **first_release,
                                    char **commit);

/*
 * Try @patch on @tree with fuzz 0, touching nothing.  Returns IN_BASE
 * (it reverse-applies cleanly: the tree has it), CLEAN or OFFSET (with
 * *@result set and the offsets appended to @notes), or CONFLICT (the
 * failing hunks appended to @notes).  @detail says why.
 */
QfRebaseClass qf_rebase_try_patch(const char *tree, const QfPatch *patch,
                                  QfApplyResult **result, char **detail,
                                  GPtrArray *notes);

/*
 * Every hunk of @patch that does not apply on @tree by itself, as
 * "FILE: hunk #N (patch line L) ...: why", in patch order.
 */
GPtrArray *qf_rebase_failing_hunks(const char *tree, const QfPatch *patch);

/* ---- three-way merge ---------------------------------------------------- */

typedef struct QfMergeLabels {
    const char *ours;   /* the new base with the series so far */
    const char *base;   /* the old base with the series so far */
    const char *theirs; /* the entry */
} QfMergeLabels;

/*
 * Merge the change from @pre to @post (path -> QfGitFile*, absent = no
 * such file; the paths are @paths) into @tree as `git merge-file` does,
 * file by file.  Returns the resulting changes (written by nobody yet);
 * files that conflict get conflict markers and are named, with why, in
 * @conflicts.
 */
QfApplyResult *qf_rebase_merge3(const char *tree, GPtrArray *paths,
                                GHashTable *pre, GHashTable *post,
                                const QfMergeLabels *labels,
                                GPtrArray *conflicts, GError **error);

/* The file at @path below @tree as git would store it; NULL if absent. */
QfGitFile *qf_rebase_read_file(const char *tree, const char *path);

/* One file of a QfApplyResult filled by hand (qf_apply_result_new()). */
void qf_rebase_result_add(QfApplyResult *result, QfChangeKind kind,
                          const char *path, GBytes *content, guint mode);

/* ---- report ------------------------------------------------------------- */

typedef struct QfRebaseReport {
    const char *old_version, *old_tarball, *old_sha256, *old_source;
    const char *new_version, *new_tarball, *new_sha256, *new_source;
    const char *upstream; /* the upstream git, or NULL */
    gboolean done;        /* FALSE: stopped at @stopped */
    const char *stopped;  /* entry name */
    GPtrArray *items;     /* QfRebaseItem*, series order */
} QfRebaseReport;

char *qf_rebase_report_markdown(const QfRebaseReport *report);
char *qf_rebase_report_json(const QfRebaseReport *report);
/* "3 in base, 1 clean, ..." over @items. */
char *qf_rebase_report_counts(GPtrArray *items);

#endif
