/*
 * qfork: git's binary delta format.
 *
 * A delta is two size varints (source, target) followed by opcodes:
 * bit 7 set = copy from the source (bits 0-3 select offset bytes, bits
 * 4-6 size bytes, size 0 meaning 0x10000), otherwise 1..127 = insert that
 * many literal bytes; 0 is reserved.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-delta.h"

#include <string.h>

#include "qf-error.h"

typedef struct DeltaReader {
    const guint8 *p, *end;
} DeltaReader;

static gboolean delta_fail(GError **error, const char *why)
{
    g_set_error(error, QF_ERROR, QF_ERROR_PARSE, "corrupt binary delta: %s",
                why);
    return FALSE;
}

static gboolean read_varint(DeltaReader *r, guint64 *value, GError **error)
{
    guint64 v = 0;
    guint shift = 0;
    guint8 byte;

    do {
        if (r->p >= r->end || shift > 63) {
            return delta_fail(error, "bad size header");
        }
        byte = *r->p++;
        v |= (guint64)(byte & 0x7f) << shift;
        shift += 7;
    } while (byte & 0x80);
    *value = v;
    return TRUE;
}

/* Parse the offset and size bytes that follow a copy opcode. */
static gboolean read_copy_args(DeltaReader *r, guint8 cmd, guint64 *offset,
                               guint64 *size, GError **error)
{
    *offset = 0;
    *size = 0;
    for (guint bit = 0; bit < 7; bit++) {
        if (!(cmd & (1u << bit))) {
            continue;
        }
        if (r->p >= r->end) {
            return delta_fail(error, "truncated copy opcode");
        }
        if (bit < 4) {
            *offset |= (guint64)*r->p++ << (8 * bit);
        } else {
            *size |= (guint64)*r->p++ << (8 * (bit - 4));
        }
    }
    if (*size == 0) {
        *size = 0x10000;
    }
    return TRUE;
}

/*
 * Walk the opcodes.  With @src NULL only the structure is checked
 * (against the declared @src_size); otherwise the output is built in @out.
 */
static gboolean delta_run(DeltaReader *r, const guint8 *src, guint64 src_size,
                          guint64 dst_size, GByteArray *out, GError **error)
{
    guint64 written = 0;

    while (r->p < r->end) {
        guint8 cmd = *r->p++;
        guint64 offset, size;

        if (cmd & 0x80) {
            if (!read_copy_args(r, cmd, &offset, &size, error)) {
                return FALSE;
            }
            if (offset > src_size || size > src_size - offset) {
                return delta_fail(error, "copy beyond the source");
            }
        } else if (cmd) {
            size = cmd;
            if (size > (guint64)(r->end - r->p)) {
                return delta_fail(error, "truncated insert opcode");
            }
        } else {
            return delta_fail(error, "reserved opcode 0");
        }
        if (size > dst_size - written) {
            return delta_fail(error, "output larger than declared");
        }
        if (out) {
            g_byte_array_append(out, (cmd & 0x80) ? src + offset : r->p,
                                (guint)size);
        }
        if (!(cmd & 0x80)) {
            r->p += size;
        }
        written += size;
    }
    if (written != dst_size) {
        return delta_fail(error, "output smaller than declared");
    }
    return TRUE;
}

gboolean qf_delta_check(GBytes *delta, guint64 *src_size, guint64 *dst_size,
                        GError **error)
{
    gsize len;
    const guint8 *d = g_bytes_get_data(delta, &len);
    DeltaReader r = { d, d + len };

    return read_varint(&r, src_size, error) &&
           read_varint(&r, dst_size, error) &&
           delta_run(&r, NULL, *src_size, *dst_size, NULL, error);
}

GBytes *qf_delta_apply(GBytes *src, GBytes *delta, GError **error)
{
    gsize len, src_len;
    const guint8 *d = g_bytes_get_data(delta, &len);
    const guint8 *s = g_bytes_get_data(src, &src_len);
    DeltaReader r = { d, d + len };
    guint64 src_size, dst_size;
    g_autoptr(GByteArray) out = NULL;

    if (!read_varint(&r, &src_size, error) ||
        !read_varint(&r, &dst_size, error)) {
        return NULL;
    }
    if (src_size != src_len) {
        g_set_error(error, QF_ERROR, QF_ERROR_CONFLICT,
                    "the delta is for a %" G_GUINT64_FORMAT
                    "-byte pre-image, the file has %" G_GSIZE_FORMAT " bytes",
                    src_size, src_len);
        return NULL;
    }
    if (dst_size > G_MAXUINT32) {
        delta_fail(error, "target too large");
        return NULL;
    }
    /* The size is only trusted once the opcodes have produced it. */
    out = g_byte_array_sized_new((guint)MIN(dst_size, 1u << 24));
    if (!delta_run(&r, s, src_size, dst_size, out, error)) {
        return NULL;
    }
    return g_byte_array_free_to_bytes(g_steal_pointer(&out));
}

char *qf_git_blob_sha1(GBytes *data)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA1);
    g_autofree char *header =
        g_strdup_printf("blob %" G_GSIZE_FORMAT, g_bytes_get_size(data));

    /* The header's NUL terminator is part of what git hashes. */
    g_checksum_update(sum, (const guchar *)header, strlen(header) + 1);
    g_checksum_update(sum, g_bytes_get_data(data, NULL),
                      g_bytes_get_size(data));
    return g_strdup(g_checksum_get_string(sum));
}
