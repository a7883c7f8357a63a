/*
 * qfork: decoding of "GIT binary patch" data: git's base85 lines and the
 * zlib stream they carry.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_BASE85_H
#define QF_BASE85_H

#include <glib.h>

/*
 * Decode one base85 line (without its terminator) and append the bytes
 * to @out.  The first character encodes how many bytes the line holds
 * ('A'..'Z' = 1..26, 'a'..'z' = 27..52); the rest must be exactly the
 * 5-character groups needed for them.  Errors are QF_ERROR_PARSE.
 */
gboolean qf_base85_decode_line(const char *line, gsize len, GByteArray *out,
                               GError **error);

/*
 * Inflate a complete zlib stream that must expand to exactly @expected
 * bytes.  Errors (corrupt or truncated stream, size mismatch) are
 * QF_ERROR_PARSE.
 */
GBytes *qf_inflate_exact(const guint8 *data, gsize len, guint64 expected,
                         GError **error);

#endif
