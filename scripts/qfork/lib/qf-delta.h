/*
 * qfork: git's binary delta format and blob ids, for "GIT binary patch"
 * hunks of the "delta" kind.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_DELTA_H
#define QF_DELTA_H

#include <glib.h>

/*
 * Validate a delta without its source: the size header, every opcode,
 * every copy against the declared source size, and that the output adds
 * up to the declared target size.  Errors are QF_ERROR_PARSE.
 */
gboolean qf_delta_check(GBytes *delta, guint64 *src_size, guint64 *dst_size,
                        GError **error);

/*
 * Apply @delta to @src.  A source whose size differs from the one the
 * delta was made for is QF_ERROR_CONFLICT; a corrupt delta is
 * QF_ERROR_PARSE.
 */
GBytes *qf_delta_apply(GBytes *src, GBytes *delta, GError **error);

/* git's object id of a blob: sha1("blob <len>\0" + data), 40 hex digits. */
char *qf_git_blob_sha1(GBytes *data);

#endif
