/*
 * qfork: parser for git-format (mbox) and plain unified-diff patches.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_PATCH_H
#define QF_PATCH_H

#include <glib.h>

typedef struct QfHunk {
    guint old_start, old_len;   /* from "@@ -a,b" */
    guint new_start, new_len;   /* from "+c,d @@" */
    /*
     * Body lines, each starting with ' ', '-' or '+', without the line
     * terminator.  "\ No newline at end of file" is folded into the
     * *_no_eol flags below.
     */
    GPtrArray *lines;
    gboolean old_no_eol, new_no_eol;
    guint patch_line;           /* line of the "@@" header in the patch */
} QfHunk;

typedef enum {
    QF_BINARY_NONE,
    QF_BINARY_LITERAL,          /* zlib-deflated full content */
    QF_BINARY_DELTA,            /* zlib-deflated git delta */
} QfBinaryKind;

typedef struct QfFilePatch {
    char *old_path;             /* NULL when the file is created */
    char *new_path;             /* NULL when the file is deleted */
    guint old_mode, new_mode;   /* 0 when not stated */
    gboolean is_rename, is_copy;
    char *old_oid, *new_oid;    /* from the "index" line, may be abbreviated */
    GPtrArray *hunks;           /* QfHunk*, text patches */
    /* "GIT binary patch": forward data, and the reverse data git emits. */
    QfBinaryKind bin_kind, bin_reverse_kind;
    GBytes *bin_data, *bin_reverse_data;   /* already inflated */
    gsize bin_size, bin_reverse_size;      /* sizes declared in the patch */
    guint patch_line;           /* line of the "diff --git" (or "---") */
} QfFilePatch;

typedef struct QfPatch {
    char *filename;             /* for messages */
    char *author_name, *author_email;   /* NULL for a bare diff */
    char *date;                 /* RFC 2822 string as in the patch */
    char *subject;              /* "[PATCH n/m]" prefixes removed; NULL
                                   for a bare diff */
    /*
     * Message body incl. trailers, no diffstat, no trailing newline; for a
     * bare (quilt) diff, the text before the first diff.  Never NULL.
     */
    char *body;
    GPtrArray *files;           /* QfFilePatch* */
} QfPatch;

QfPatch *qf_patch_parse(const char *data, gsize len, const char *filename,
                        GError **error);
QfPatch *qf_patch_load(const char *path, GError **error);
void qf_patch_free(QfPatch *patch);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfPatch, qf_patch_free)

/* All paths a patch touches (old and new), in patch order, no duplicates. */
GPtrArray *qf_patch_paths(const QfPatch *patch);

#endif
