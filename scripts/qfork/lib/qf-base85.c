/*
 * qfork: decoding of "GIT binary patch" data.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-base85.h"

#include <string.h>
#include <zlib.h>

#include "qf-error.h"

/* git's alphabet after the 62 alphanumerics (see git's base85.c). */
static const char b85_symbols[] = "!#$%&()*+-;<=>?@^_`{|}~";

/* deflate cannot expand data by more than this factor (zlib's tech notes). */
#define QF_MAX_INFLATE_RATIO 1032

static int b85_value(unsigned char c)
{
    const char *p;

    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'Z') {
        return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 36;
    }
    p = c ? strchr(b85_symbols, c) : NULL;
    return p ? 62 + (int)(p - b85_symbols) : -1;
}

static int b85_line_length(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A' + 1;
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 27;
    }
    return -1;
}

/* One 5-character group is a big-endian 32-bit value in base 85. */
static gboolean b85_decode_group(const char *in, guint8 bytes[4],
                                 GError **error)
{
    guint64 acc = 0;

    for (int i = 0; i < 5; i++) {
        int v = b85_value((unsigned char)in[i]);

        if (v < 0) {
            g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                        "invalid base85 character 0x%02x",
                        (unsigned char)in[i]);
            return FALSE;
        }
        acc = acc * 85 + (guint64)v;
    }
    if (acc > G_MAXUINT32) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "base85 group out of range");
        return FALSE;
    }
    for (int i = 0; i < 4; i++) {
        bytes[i] = (guint8)(acc >> (24 - 8 * i));
    }
    return TRUE;
}

gboolean qf_base85_decode_line(const char *line, gsize len, GByteArray *out,
                               GError **error)
{
    int nbytes = len ? b85_line_length((unsigned char)line[0]) : -1;
    gsize groups;

    if (nbytes < 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "invalid base85 line length character");
        return FALSE;
    }
    groups = ((gsize)nbytes + 3) / 4;
    if (len - 1 != groups * 5) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "base85 line has %" G_GSIZE_FORMAT
                    " characters, its length byte says %" G_GSIZE_FORMAT,
                    len - 1, groups * 5);
        return FALSE;
    }
    for (gsize g = 0; g < groups; g++) {
        guint8 bytes[4];
        guint take = MIN(4, (guint)nbytes - (guint)(g * 4));

        if (!b85_decode_group(line + 1 + g * 5, bytes, error)) {
            return FALSE;
        }
        g_byte_array_append(out, bytes, take);
    }
    return TRUE;
}

GBytes *qf_inflate_exact(const guint8 *data, gsize len, guint64 expected,
                         GError **error)
{
    z_stream zs = { 0 };
    g_autofree guint8 *buf = NULL;
    const char *why;
    gsize produced;
    gboolean full;
    int rc;

    /*
     * Reject impossible sizes before allocating, so a corrupt header
     * cannot make us allocate gigabytes.
     */
    if (expected > (guint64)len * QF_MAX_INFLATE_RATIO + 64 ||
        expected > G_MAXUINT32) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "declared size %" G_GUINT64_FORMAT
                    " does not fit %" G_GSIZE_FORMAT " bytes of zlib data",
                    expected, len);
        return NULL;
    }
    if (len > G_MAXUINT32 || inflateInit(&zs) != Z_OK) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE, "inflate error");
        return NULL;
    }
    /* One spare byte lets inflate show that the data is too long. */
    buf = g_malloc(expected + 1);
    zs.next_in = (Bytef *)data;
    zs.avail_in = (uInt)len;
    zs.next_out = buf;
    zs.avail_out = (uInt)(expected + 1);
    rc = inflate(&zs, Z_FINISH);
    produced = expected + 1 - zs.avail_out;
    full = zs.avail_out == 0;
    why = rc == Z_BUF_ERROR ? "truncated stream"
                            : (zs.msg ? zs.msg : "corrupt stream");
    inflateEnd(&zs);
    if (rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && full)) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE, "inflate error: %s", why);
        return NULL;
    }
    if (produced != expected) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "inflated data is %s%" G_GSIZE_FORMAT
                    " bytes, declared %" G_GUINT64_FORMAT,
                    full ? "more than " : "", produced - (full ? 1 : 0),
                    expected);
        return NULL;
    }
    return g_bytes_new_take(g_steal_pointer(&buf), produced);
}
