/*
 * qfork: apply a parsed patch to a directory tree, all or nothing.
 *
 * Application is split in two so that nothing is written before every
 * hunk of every file is known to apply: qf_apply_prepare() computes all
 * post-images in memory and touches nothing; qf_apply_write() puts them
 * in place.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_APPLY_H
#define QF_APPLY_H

#include "qf-patch.h"

typedef struct QfApplyOptions {
    guint fuzz;                 /* max context lines that may be ignored; 0 default */
    gboolean reverse;           /* apply the patch backwards */
} QfApplyOptions;

typedef enum {
    QF_CHANGE_MODIFY,
    QF_CHANGE_CREATE,
    QF_CHANGE_DELETE,
    QF_CHANGE_RENAME,           /* old_path removed, path written */
    QF_CHANGE_COPY,
} QfChangeKind;

typedef struct QfFileChange {
    QfChangeKind kind;
    char *path;                 /* path written (relative to the tree);
                                   for DELETE the path removed */
    char *old_path;             /* path read/removed, NULL for CREATE;
                                   equals path for MODIFY and DELETE */
    GBytes *content;            /* post-image; NULL for DELETE */
    /*
     * 0644/0755/0120000(symlink); 0 = keep.  qf_apply_prepare() always
     * states it (the file's current permission bits when unchanged).
     */
    guint mode;
} QfFileChange;

typedef struct QfApplyResult {
    GPtrArray *changes;         /* QfFileChange*, in patch order */
    /*
     * Human-readable notes on anything that was not an exact match, e.g.
     * "hw/acpi/pci.c: hunk 2 applied at offset +3 lines",
     * "hw/acpi/pci.c: hunk 1 applied with fuzz 1".
     */
    GPtrArray *notes;
    guint max_fuzz_used;
    gboolean offset_used;
} QfApplyResult;

/* An empty result, to fill by hand (the rebase's merge, tests). */
QfApplyResult *qf_apply_result_new(void);
void qf_file_change_free(QfFileChange *change);
void qf_apply_result_free(QfApplyResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfApplyResult, qf_apply_result_free)

/*
 * Compute every post-image in memory.  Fails, writing nothing, on a path
 * that leaves @tree (absolute, "..", or through a symlink), a missing or
 * unexpected file, a hunk that does not match within opts->fuzz, or a
 * binary patch whose pre-image does not match.  Messages name the patch
 * file, the target file and the hunk number and its patch line.
 */
QfApplyResult *qf_apply_prepare(const char *tree, const QfPatch *patch,
                                const QfApplyOptions *opts, GError **error);

/*
 * Write a prepared result into @tree: first every removal (directories
 * left empty go too), then each file via a temporary ".qfork-XXXXXX" in
 * its directory and rename().  A failure (QF_ERROR_IO) names the path and
 * may leave earlier files written: the caller restores from its journal.
 */
gboolean qf_apply_write(const char *tree, const QfApplyResult *result,
                        GError **error);

/* TRUE when @patch reverse-applies cleanly (fuzz 0) on @tree. */
gboolean qf_apply_is_applied(const char *tree, const QfPatch *patch);

#endif
