/*
 * qfork: stable patch files, regenerated from commits.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-refresh.h"

#include <string.h>

#include "qf-git.h"

#define ZERO_FROM_LINE                                                         \
    "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001\n"

void qf_refresh_header_of(const QfPatch *patch, QfPatchHeader *header)
{
    *header = (QfPatchHeader){
        .author_name = patch->author_name,
        .author_email = patch->author_email,
        .date = patch->date,
        .subject = patch->subject,
        .body = patch->body,
    };
}

char *qf_refresh_diff(const char *dir, const char *from, const char *to,
                      GError **error)
{
    const char *args[] = {
        "diff",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--no-renames",
        "--full-index",
        "--binary",
        "--unified=3",
        "--inter-hunk-context=0",
        "--diff-algorithm=myers",
        "--indent-heuristic",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--no-relative",
        from,
        to,
        "--",
        NULL,
    };
    /* Bytes as they are: a diff may end in a context line of blanks. */
    g_autoptr(GBytes) out = qf_git_bytes(dir, args, NULL, error);
    gsize len;
    const char *p;

    if (!out) {
        return NULL;
    }
    p = g_bytes_get_data(out, &len);
    return g_strndup(p ? p : "", len);
}

static gboolean is_ascii(const char *s)
{
    for (; s && *s; s++) {
        if ((unsigned char)*s >= 0x80) {
            return FALSE;
        }
    }
    return TRUE;
}

/* RFC 2047 "Q" encoded word, as git format-patch writes non-ASCII. */
static void append_encoded_word(GString *out, const char *s)
{
    g_string_append(out, "=?UTF-8?q?");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == ' ') {
            g_string_append_c(out, '_');
        } else if (g_ascii_isalnum(*p) || strchr("!*+-/", *p)) {
            g_string_append_c(out, (char)*p);
        } else {
            g_string_append_printf(out, "=%02X", *p);
        }
    }
    g_string_append(out, "?=");
}

static void append_header_text(GString *out, const char *s)
{
    if (is_ascii(s)) {
        g_string_append(out, s);
    } else {
        append_encoded_word(out, s);
    }
}

/* A display name that needs quoting in an address (RFC 5322 specials). */
static void append_author(GString *out, const QfPatchHeader *h)
{
    const char *name = h->author_name;
    const char *email = h->author_email ? h->author_email : "";

    g_string_append(out, "From: ");
    if (name && *name && g_strcmp0(name, email) != 0) {
        if (!is_ascii(name)) {
            append_encoded_word(out, name);
        } else if (strpbrk(name, "()<>[]:;@\\,.\"")) {
            g_string_append_c(out, '"');
            for (const char *p = name; *p; p++) {
                if (*p == '"' || *p == '\\') {
                    g_string_append_c(out, '\\');
                }
                g_string_append_c(out, *p);
            }
            g_string_append_c(out, '"');
        } else {
            g_string_append(out, name);
        }
        g_string_append_c(out, ' ');
    }
    g_string_append_printf(out, "<%s>\n", email);
}

static void append_header(GString *out, const QfPatchHeader *h)
{
    const char *body = h->body ? h->body : "";

    g_string_append(out, ZERO_FROM_LINE);
    append_author(out, h);
    if (h->date) {
        g_string_append_printf(out, "Date: %s\n", h->date);
    }
    g_string_append(out, "Subject: [PATCH] ");
    append_header_text(out, h->subject ? h->subject : "");
    g_string_append_c(out, '\n');
    if (!is_ascii(body)) {
        g_string_append(out, "MIME-Version: 1.0\n"
                             "Content-Type: text/plain; charset=UTF-8\n"
                             "Content-Transfer-Encoding: 8bit\n");
    }
    g_string_append_c(out, '\n');
    /* The body without leading or trailing blank lines. */
    while (*body == '\n') {
        body++;
    }
    if (*body) {
        gsize len = strlen(body);
        while (len && (body[len - 1] == '\n' || body[len - 1] == ' ')) {
            len--;
        }
        g_string_append_len(out, body, (gssize)len);
        g_string_append_c(out, '\n');
    }
    g_string_append(out, "---\n");
}

char *qf_refresh_format(const QfPatchHeader *header, const char *diff)
{
    GString *out = g_string_new(NULL);

    if (header && header->author_name) {
        append_header(out, header);
    }
    if (diff && *diff) {
        g_string_append(out, diff);
        if (!g_str_has_suffix(diff, "\n")) {
            g_string_append_c(out, '\n');
        }
    }
    return g_string_free(out, FALSE);
}

char *qf_refresh_commit(const char *dir, const char *commit,
                        const QfPatchHeader *header, GError **error)
{
    g_autofree char *parent = g_strdup_printf("%s^", commit);
    g_autofree char *diff = qf_refresh_diff(dir, parent, commit, error);

    if (!diff) {
        return NULL;
    }
    return qf_refresh_format(header, diff);
}

const char *qf_refresh_diff_part(const char *text)
{
    const char *p = text;

    while (p && *p) {
        const char *next = strchr(p, '\n');

        if (g_str_has_prefix(p, "diff --git ") ||
            (g_str_has_prefix(p, "--- ") && next &&
             g_str_has_prefix(next + 1, "+++ "))) {
            return p;
        }
        p = next ? next + 1 : NULL;
    }
    return "";
}
