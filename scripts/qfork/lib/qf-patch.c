/*
 * qfork: parser for git-format (mbox) and plain unified-diff patches.
 *
 * The parser is strict where a mistake would silently change what gets
 * applied (hunk line counts, binary data, file names) and lenient where
 * git and GNU patch are (text around the diffs is ignored).  Every error
 * names the patch file and line.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-patch.h"

#include <stdarg.h>
#include <string.h>

#include "qf-base85.h"
#include "qf-delta.h"
#include "qf-error.h"
#include "qf-fs.h"

/* One line of the patch: len excludes the '\n' but keeps any '\r'. */
typedef struct Line {
    const char *p;
    gsize len;
} Line;

/* A cursor over the patch text. */
typedef struct Reader {
    const char *data;
    gsize len;
    gsize pos;    /* start of the next line */
    guint lineno; /* 1-based number of the next line */
    const char *filename;
} Reader;

/* ---- lines ------------------------------------------------------------ */

static gboolean line_at(const Reader *r, gsize pos, Line *line, gsize *next)
{
    const char *nl;

    if (pos >= r->len) {
        return FALSE;
    }
    nl = memchr(r->data + pos, '\n', r->len - pos);
    line->p = r->data + pos;
    line->len = nl ? (gsize)(nl - line->p) : r->len - pos;
    if (next) {
        *next = pos + line->len + (nl ? 1 : 0);
    }
    return TRUE;
}

static gboolean reader_peek(const Reader *r, Line *line)
{
    return line_at(r, r->pos, line, NULL);
}

/* The line after the next one, for two-line patterns like "---"/"+++". */
static gboolean reader_peek2(const Reader *r, Line *line)
{
    Line first;
    gsize next = 0;

    return line_at(r, r->pos, &first, &next) && line_at(r, next, line, NULL);
}

static gboolean reader_next(Reader *r, Line *line)
{
    gsize next = 0;

    if (!line_at(r, r->pos, line, &next)) {
        return FALSE;
    }
    r->pos = next;
    r->lineno++;
    return TRUE;
}

/* Structural lines may come from a CRLF mail; content lines keep '\r'. */
static Line line_chomp(Line l)
{
    if (l.len && l.p[l.len - 1] == '\r') {
        l.len--;
    }
    return l;
}

static gboolean line_starts(Line l, const char *prefix)
{
    gsize n = strlen(prefix);

    return l.len >= n && memcmp(l.p, prefix, n) == 0;
}

static gboolean line_starts_ci(Line l, const char *prefix)
{
    gsize n = strlen(prefix);

    return l.len >= n && g_ascii_strncasecmp(l.p, prefix, n) == 0;
}

/* The rest of @l after @prefix, which the caller has checked. */
static Line line_after(Line l, const char *prefix)
{
    gsize n = strlen(prefix);
    Line rest = { l.p + n, l.len - n };

    return rest;
}

static gboolean line_is_blank(Line l)
{
    for (gsize i = 0; i < l.len; i++) {
        if (!g_ascii_isspace(l.p[i])) {
            return FALSE;
        }
    }
    return TRUE;
}

static char *line_dup(Line l)
{
    return g_strndup(l.p, l.len);
}

static char *line_dup_stripped(Line l)
{
    return g_strstrip(line_dup(l));
}

G_GNUC_PRINTF(4, 5)
static gboolean parse_error(const Reader *r, guint lineno, GError **error,
                            const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, QF_ERROR, QF_ERROR_PARSE, "%s:%u: %s", r->filename,
                lineno, msg);
    return FALSE;
}

/* ---- object lifetime -------------------------------------------------- */

static void hunk_free(gpointer p)
{
    QfHunk *h = p;

    g_ptr_array_unref(h->lines);
    g_free(h);
}

static void file_patch_free(gpointer p)
{
    QfFilePatch *fp = p;

    g_free(fp->old_path);
    g_free(fp->new_path);
    g_free(fp->old_oid);
    g_free(fp->new_oid);
    g_ptr_array_unref(fp->hunks);
    g_clear_pointer(&fp->bin_data, g_bytes_unref);
    g_clear_pointer(&fp->bin_reverse_data, g_bytes_unref);
    g_free(fp);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfFilePatch, file_patch_free)

static QfFilePatch *file_patch_new(guint patch_line)
{
    QfFilePatch *fp = g_new0(QfFilePatch, 1);

    fp->hunks = g_ptr_array_new_with_free_func(hunk_free);
    fp->patch_line = patch_line;
    return fp;
}

void qf_patch_free(QfPatch *patch)
{
    if (!patch) {
        return;
    }
    g_free(patch->filename);
    g_free(patch->author_name);
    g_free(patch->author_email);
    g_free(patch->date);
    g_free(patch->subject);
    g_free(patch->body);
    g_ptr_array_unref(patch->files);
    g_free(patch);
}

/* ---- RFC 2047 encoded words ------------------------------------------ */

typedef struct EncodedWord {
    char *charset;
    GByteArray *bytes;
    gsize end; /* offset just past the closing "?=" */
} EncodedWord;

static void encoded_word_clear(EncodedWord *w)
{
    g_clear_pointer(&w->charset, g_free);
    g_clear_pointer(&w->bytes, g_byte_array_unref);
}

static void q_decode(const char *s, gsize len, GByteArray *out)
{
    for (gsize i = 0; i < len; i++) {
        guint8 c = (guint8)s[i];

        if (c == '_') {
            c = ' ';
        } else if (c == '=' && i + 2 < len && g_ascii_isxdigit(s[i + 1]) &&
                   g_ascii_isxdigit(s[i + 2])) {
            c = (guint8)(g_ascii_xdigit_value(s[i + 1]) * 16 +
                         g_ascii_xdigit_value(s[i + 2]));
            i += 2;
        }
        g_byte_array_append(out, &c, 1);
    }
}

/* Parse "=?charset?Q|B?text?=" at @s[@pos]; FALSE when it is not one. */
static gboolean encoded_word_parse(const char *s, gsize pos, EncodedWord *w)
{
    const char *cs = s + pos + 2, *enc, *text, *end;

    if (strncmp(s + pos, "=?", 2) != 0 || !(enc = strchr(cs, '?')) ||
        enc == cs || enc[1] == '\0' || !strchr("QqBb", enc[1]) ||
        enc[2] != '?') {
        return FALSE;
    }
    text = enc + 3;
    end = strstr(text, "?=");
    if (!end) {
        return FALSE;
    }
    for (const char *p = text; p < end; p++) {
        if (*p == ' ' || *p == '\t') {
            return FALSE;
        }
    }
    w->charset = g_strndup(cs, (gsize)(enc - cs));
    /* RFC 2231 allows a language suffix: "UTF-8*en". */
    w->charset[strcspn(w->charset, "*")] = '\0';
    w->bytes = g_byte_array_new();
    if (enc[1] == 'Q' || enc[1] == 'q') {
        q_decode(text, (gsize)(end - text), w->bytes);
    } else {
        g_autofree char *b64 = g_strndup(text, (gsize)(end - text));
        gsize n;
        g_autofree guchar *raw = g_base64_decode(b64, &n);

        g_byte_array_append(w->bytes, raw, (guint)n);
    }
    w->end = (gsize)(end + 2 - s);
    return TRUE;
}

static void append_charset_text(GString *out, const char *charset,
                                GByteArray *bytes)
{
    g_autofree char *utf8 = NULL;

    if (!bytes->len) {
        return;
    }
    if (g_ascii_strcasecmp(charset, "utf-8") != 0 &&
        g_ascii_strcasecmp(charset, "us-ascii") != 0) {
        utf8 = g_convert((const char *)bytes->data, bytes->len, "UTF-8",
                         charset, NULL, NULL, NULL);
    }
    if (utf8) {
        g_string_append(out, utf8);
    } else {
        g_string_append_len(out, (const char *)bytes->data, bytes->len);
    }
}

/* Headers may carry raw 8-bit text; never hand invalid UTF-8 on. */
static char *make_valid_utf8(char *s)
{
    char *valid;

    if (g_utf8_validate(s, -1, NULL)) {
        return s;
    }
    valid = g_utf8_make_valid(s, -1);
    g_free(s);
    return valid;
}

/*
 * Decode RFC 2047 encoded words.  Adjacent words of one charset are
 * joined before conversion (a character may be split across them) and
 * the white space between encoded words is dropped, as the RFC says.
 */
static char *rfc2047_decode(const char *s)
{
    GString *out = g_string_new(NULL);
    g_autoptr(GByteArray) run = g_byte_array_new();
    g_autofree char *run_charset = NULL;
    gsize i = 0;

    while (s[i]) {
        EncodedWord w = { 0 };
        gsize ws = i + strspn(s + i, " \t");

        /* White space between two encoded words is dropped (RFC 2047). */
        if (!(run_charset && ws > i && encoded_word_parse(s, ws, &w)) &&
            !encoded_word_parse(s, i, &w)) {
            if (run_charset) {
                append_charset_text(out, run_charset, run);
                g_byte_array_set_size(run, 0);
                g_clear_pointer(&run_charset, g_free);
            }
            g_string_append_c(out, s[i++]);
            continue;
        }
        if (run_charset && g_ascii_strcasecmp(run_charset, w.charset) != 0) {
            append_charset_text(out, run_charset, run);
            g_byte_array_set_size(run, 0);
            g_clear_pointer(&run_charset, g_free);
        }
        if (!run_charset) {
            run_charset = g_strdup(w.charset);
        }
        g_byte_array_append(run, w.bytes->data, w.bytes->len);
        i = w.end;
        encoded_word_clear(&w);
    }
    if (run_charset) {
        append_charset_text(out, run_charset, run);
    }
    return make_valid_utf8(g_string_free(out, FALSE));
}

/* ---- mail headers and message ---------------------------------------- */

/* "[PATCH v2 3/7] " and "Re: " prefixes are mail transport, not subject. */
static char *strip_subject_prefixes(const char *subject)
{
    const char *s = subject;

    for (;;) {
        const char *close;

        s += strspn(s, " \t");
        if (*s == '[' && (close = strchr(s, ']'))) {
            s = close + 1;
        } else if (g_ascii_strncasecmp(s, "re:", 3) == 0) {
            s += 3;
        } else {
            break;
        }
    }
    return g_strstrip(g_strdup(s));
}

/* "Name <email>", "\"Last, First\" <email>" or a bare address. */
static void parse_author(QfPatch *patch, const char *value)
{
    g_autofree char *decoded = rfc2047_decode(value);
    char *lt = strrchr(decoded, '<');
    char *gt = lt ? strchr(lt, '>') : NULL;
    char *name;

    g_clear_pointer(&patch->author_name, g_free);
    g_clear_pointer(&patch->author_email, g_free);
    if (!lt || !gt) {
        patch->author_email = g_strstrip(g_strdup(decoded));
        /* git refuses an empty author name; use the address like git am. */
        patch->author_name = g_strdup(patch->author_email);
        return;
    }
    patch->author_email = g_strstrip(g_strndup(lt + 1, (gsize)(gt - lt - 1)));
    *lt = '\0';
    name = g_strstrip(decoded);
    if (name[0] == '"' && strlen(name) >= 2 && name[strlen(name) - 1] == '"') {
        name[strlen(name) - 1] = '\0';
        name++;
    }
    patch->author_name = g_strdup(*name ? name : patch->author_email);
}

static gboolean is_header_line(Line l)
{
    gsize i = 0;

    /* RFC 5322 field names: printable ASCII except the colon. */
    while (i < l.len && l.p[i] > ' ' && l.p[i] < 127 && l.p[i] != ':') {
        i++;
    }
    return i > 0 && i < l.len && l.p[i] == ':';
}

/* Read one header field with its folded continuation lines unfolded. */
static gboolean read_header_field(Reader *r, char **name, char **value)
{
    Line l;
    g_autoptr(GString) v = NULL;
    const char *colon;

    if (!reader_peek(r, &l) || !is_header_line(line_chomp(l))) {
        return FALSE;
    }
    reader_next(r, &l);
    l = line_chomp(l);
    colon = memchr(l.p, ':', l.len);
    *name = g_strndup(l.p, (gsize)(colon - l.p));
    v = g_string_new_len(colon + 1, (gssize)(l.len - (gsize)(colon + 1 - l.p)));
    while (reader_peek(r, &l) && l.len && (l.p[0] == ' ' || l.p[0] == '\t')) {
        g_autofree char *cont = NULL;

        reader_next(r, &l);
        cont = line_dup_stripped(line_chomp(l));
        g_string_append_printf(v, " %s", cont);
    }
    *value = g_strstrip(g_string_free(g_steal_pointer(&v), FALSE));
    return TRUE;
}

static gboolean apply_header(const Reader *r, guint lineno, QfPatch *patch,
                             const char *name, const char *value,
                             GError **error)
{
    if (!g_ascii_strcasecmp(name, "From")) {
        parse_author(patch, value);
    } else if (!g_ascii_strcasecmp(name, "Date")) {
        g_free(patch->date);
        patch->date = g_strdup(value);
    } else if (!g_ascii_strcasecmp(name, "Subject")) {
        g_autofree char *decoded = rfc2047_decode(value);

        g_free(patch->subject);
        patch->subject = strip_subject_prefixes(decoded);
    } else if (!g_ascii_strcasecmp(name, "Content-Transfer-Encoding") &&
               (!g_ascii_strcasecmp(value, "quoted-printable") ||
                !g_ascii_strcasecmp(value, "base64"))) {
        /* Decoding the body would change the diff; refuse, don't guess. */
        return parse_error(r, lineno, error,
                           "unsupported Content-Transfer-Encoding '%s' "
                           "(save the patch as git format-patch wrote it)",
                           value);
    } else if (!g_ascii_strcasecmp(name, "Content-Type") &&
               g_ascii_strncasecmp(value, "multipart/", 10) == 0) {
        return parse_error(r, lineno, error,
                           "MIME multipart mails are not supported");
    }
    return TRUE;
}

static gboolean parse_header_block(Reader *r, QfPatch *patch, GError **error)
{
    for (;;) {
        g_autofree char *name = NULL, *value = NULL;
        guint lineno = r->lineno;

        if (!read_header_field(r, &name, &value)) {
            break;
        }
        if (!apply_header(r, lineno, patch, name, value, error)) {
            return FALSE;
        }
    }
    return TRUE;
}

/* The headers git am takes from the top of a mail body. */
static gboolean is_in_body_header(Line l)
{
    return line_starts_ci(l, "From:") || line_starts_ci(l, "Subject:") ||
           line_starts_ci(l, "Date:");
}

/*
 * A mail starts with an mbox "From " line, or with a header block (any
 * headers, as saved from a list archive) that has From: or Subject:.  A
 * quilt description that merely starts with "Note: ..." is not one.
 */
static gboolean is_mail_start(const Reader *r)
{
    gsize pos = r->pos, next;
    gboolean known = FALSE, in_header = FALSE;
    Line l;

    if (line_at(r, pos, &l, NULL) && line_starts(l, "From ")) {
        return TRUE;
    }
    for (; line_at(r, pos, &l, &next) && !line_is_blank(l); pos = next) {
        l = line_chomp(l);
        if (in_header && (l.p[0] == ' ' || l.p[0] == '\t')) {
            continue; /* folded continuation */
        }
        if (!is_header_line(l)) {
            return FALSE;
        }
        in_header = TRUE;
        known |= line_starts_ci(l, "From:") || line_starts_ci(l, "Subject:");
    }
    return known;
}

static gboolean is_separator_line(Line l)
{
    l = line_chomp(l);
    return line_starts(l, "---") && line_is_blank(line_after(l, "---"));
}

/* A line where the message ends and the diff (or the diffstat) begins. */
static gboolean at_diff_start(const Reader *r)
{
    Line l, l2;

    if (!reader_peek(r, &l)) {
        return TRUE;
    }
    if (is_separator_line(l)) {
        return TRUE; /* git format-patch's separator */
    }
    l = line_chomp(l);
    if (line_starts(l, "diff -") || line_starts(l, "Index: ")) {
        return TRUE;
    }
    return line_starts(l, "--- ") && reader_peek2(r, &l2) &&
           line_starts(l2, "+++ ");
}

/*
 * Where a mail's message ends: format-patch's bare "---" separator, or
 * the first "diff --git".  Only when neither exists does the looser rule
 * of at_diff_start() apply.  This keeps diffs quoted in a commit message
 * (QEMU's ACPI table updates quote the disassembled DSDT.dsl diff) in the
 * message, where git am would mistake them for the patch.
 */
static gsize mail_body_end(const Reader *r)
{
    gsize pos = r->pos, next;
    Line l;

    while (line_at(r, pos, &l, &next)) {
        if (is_separator_line(l) || line_starts(l, "diff --git ")) {
            return pos;
        }
        pos = next;
    }
    return G_MAXSIZE;
}

static gboolean body_continues(const Reader *r, gsize end)
{
    return end == G_MAXSIZE ? !at_diff_start(r) : r->pos < end;
}

static char *collect_body(Reader *r, gboolean mail)
{
    GString *body = g_string_new(NULL);
    gsize keep = 0; /* length without the trailing blank lines */
    gsize end = mail ? mail_body_end(r) : G_MAXSIZE;
    Line l;

    while (body_continues(r, end) && reader_next(r, &l)) {
        l = line_chomp(l);
        if (!body->len && line_is_blank(l)) {
            continue; /* leading blank lines */
        }
        g_string_append_len(body, l.p, (gssize)l.len);
        if (!line_is_blank(l)) {
            keep = body->len;
        }
        g_string_append_c(body, '\n');
    }
    g_string_truncate(body, keep);
    return g_string_free(body, FALSE);
}

static gboolean parse_message(Reader *r, QfPatch *patch, GError **error)
{
    Line l;
    gboolean mail;

    while (reader_peek(r, &l) && line_is_blank(l)) {
        reader_next(r, &l);
    }
    mail = is_mail_start(r);
    if (mail) {
        if (line_starts(l, "From ")) {
            reader_next(r, &l); /* mbox separator */
        }
        if (!parse_header_block(r, patch, error)) {
            return FALSE;
        }
        while (reader_peek(r, &l) && line_is_blank(l)) {
            reader_next(r, &l);
        }
        /* git am honours From:/Subject:/Date: at the top of the body. */
        if (reader_peek(r, &l) && is_in_body_header(l) &&
            !parse_header_block(r, patch, error)) {
            return FALSE;
        }
    }
    patch->body = collect_body(r, mail);
    return TRUE;
}

/* ---- file names ------------------------------------------------------- */

static int octal_digit(char c)
{
    return c >= '0' && c <= '7' ? c - '0' : -1;
}

/* The escape after a backslash in a git C-quoted name; -1 when invalid. */
static int unquote_escape(const char *s, gsize len, gsize *used)
{
    static const char from[] = "abfnrtv\\\"", to[] = "\a\b\f\n\r\t\v\\\"";
    const char *hit = len ? strchr(from, s[0]) : NULL;

    *used = 1;
    if (hit && s[0]) {
        return to[hit - from];
    }
    if (len >= 3 && octal_digit(s[0]) >= 0 && octal_digit(s[1]) >= 0 &&
        octal_digit(s[2]) >= 0 && octal_digit(s[0]) < 4) {
        *used = 3;
        return octal_digit(s[0]) * 64 + octal_digit(s[1]) * 8 +
               octal_digit(s[2]);
    }
    return -1;
}

/*
 * A name git quoted because of special or non-ASCII bytes, e.g.
 * "a/r\303\251sum\303\251.txt".  @s starts at the opening quote; returns
 * NULL when it is not a valid quoted name, else sets @consumed.
 */
static char *unquote_c(const char *s, gsize len, gsize *consumed)
{
    g_autoptr(GString) out = g_string_new(NULL);

    for (gsize i = 1; i < len; i++) {
        gsize used;
        int c;

        if (s[i] == '"') {
            *consumed = i + 1;
            return g_string_free(g_steal_pointer(&out), FALSE);
        }
        if (s[i] != '\\') {
            g_string_append_c(out, s[i]);
            continue;
        }
        c = unquote_escape(s + i + 1, len - i - 1, &used);
        if (c <= 0) {
            return NULL;
        }
        g_string_append_c(out, (char)c);
        i += used;
    }
    return NULL;
}

/*
 * Drop the first component ("a/", "b/", "linux.orig/") like patch -p1.
 * Absolute names are kept whole so that the applier rejects them instead
 * of quietly turning "/etc/x" into "etc/x".  NULL when there is nothing
 * to strip.
 */
static char *strip_component(const char *name)
{
    const char *slash;

    if (name[0] == '/') {
        return g_strdup(name);
    }
    slash = strchr(name, '/');
    if (!slash) {
        return NULL;
    }
    while (*slash == '/') {
        slash++;
    }
    return *slash ? g_strdup(slash) : NULL;
}

/* diff -N marks a missing file by an epoch timestamp instead of /dev/null. */
static gboolean is_epoch_timestamp(const char *ts)
{
    g_autofree char *iso = g_strstrip(g_strdup(ts));
    g_autoptr(GDateTime) dt = NULL;
    char *space = strchr(iso, ' ');

    if (!space) {
        return FALSE;
    }
    *space = 'T'; /* "1970-01-01 00:00:00.0 +0000" -> ISO 8601 */
    space = strchr(space, ' ');
    if (space) {
        memmove(space, space + 1, strlen(space));
    }
    dt = g_date_time_new_from_iso8601(iso, NULL);
    if (!dt) {
        g_autoptr(GTimeZone) utc = g_time_zone_new_utc();

        dt = g_date_time_new_from_iso8601(iso, utc);
    }
    return dt && g_date_time_to_unix(dt) == 0;
}

/*
 * Where a plain diff's timestamp starts: at a TAB, or (when a mailer
 * turned the TAB into spaces) at the spaces before "YYYY-MM-DD".
 */
static const char *timestamp_start(Line rest)
{
    const char *tab = memchr(rest.p, '\t', rest.len);

    if (tab) {
        return tab;
    }
    for (gsize i = 1; i + 11 <= rest.len; i++) {
        const char *d = rest.p + i;

        if (d[-1] == ' ' && g_ascii_isdigit(d[0]) && g_ascii_isdigit(d[3]) &&
            d[4] == '-' && g_ascii_isdigit(d[5]) && d[7] == '-' &&
            g_ascii_isdigit(d[9]) && (i + 10 == rest.len || d[10] == ' ')) {
            while (d > rest.p && d[-1] == ' ') {
                d--;
            }
            return d;
        }
    }
    return NULL;
}

/*
 * The file name of a "---"/"+++" line: quoted, or up to the timestamp
 * plain diffs add.  *name stays NULL for /dev/null.
 */
static gboolean parse_name_field(const Reader *r, guint lineno, Line rest,
                                 gboolean strip, char **name, GError **error)
{
    g_autofree char *raw = NULL;
    const char *ts = NULL;
    gsize used;

    rest = line_chomp(rest);
    *name = NULL;
    if (rest.len && rest.p[0] == '"') {
        raw = unquote_c(rest.p, rest.len, &used);
        if (!raw) {
            return parse_error(r, lineno, error, "badly quoted file name");
        }
    } else {
        ts = timestamp_start(rest);
        raw = g_strndup(rest.p, ts ? (gsize)(ts - rest.p) : rest.len);
    }
    if (!strcmp(raw, "/dev/null")) {
        return TRUE;
    }
    if (ts) {
        g_autofree char *stamp =
            g_strndup(ts + 1, rest.len - (gsize)(ts + 1 - rest.p));

        if (is_epoch_timestamp(stamp)) {
            return TRUE;
        }
    }
    if (!raw[0]) {
        return parse_error(r, lineno, error, "missing file name");
    }
    *name = strip ? strip_component(raw) : g_strdup(raw);
    if (!*name) {
        return parse_error(r, lineno, error,
                           "cannot strip a leading directory from '%s' "
                           "(patches are applied like patch -p1)",
                           raw);
    }
    return TRUE;
}

/* Names from "diff --git a/x b/x", when they are unambiguous. */
static void git_header_names(Line rest, char **a, char **b)
{
    g_autofree char *line = line_dup(line_chomp(rest));
    gsize len = strlen(line), used;

    *a = *b = NULL;
    if (line[0] == '"') {
        g_autofree char *qa = unquote_c(line, len, &used);
        g_autofree char *qb = NULL;

        if (!qa || line[used] != ' ') {
            return;
        }
        qb = line[used + 1] == '"'
                 ? unquote_c(line + used + 1, len - used - 1, &used)
                 : g_strdup(line + used + 1);
        *a = qa ? strip_component(qa) : NULL;
        *b = qb ? strip_component(qb) : NULL;
        return;
    }
    /* Unquoted names may contain spaces: find the split where both agree. */
    for (gsize i = 1; i + 1 < len; i++) {
        g_autofree char *left = NULL, *sa = NULL, *sb = NULL;

        if (line[i] != ' ') {
            continue;
        }
        left = g_strndup(line, i);
        sa = strip_component(left);
        sb = strip_component(line + i + 1);
        if (sa && sb && !strcmp(sa, sb)) {
            *a = g_steal_pointer(&sa);
            *b = g_steal_pointer(&sb);
            return;
        }
    }
}

/* ---- hunks ------------------------------------------------------------ */

static gboolean parse_uint(const char **p, const char *end, guint *value)
{
    guint64 v = 0;
    const char *s = *p;

    while (s < end && g_ascii_isdigit(*s)) {
        v = v * 10 + (guint64)(*s - '0');
        if (v > G_MAXINT32) {
            return FALSE;
        }
        s++;
    }
    if (s == *p) {
        return FALSE;
    }
    *value = (guint)v;
    *p = s;
    return TRUE;
}

/* "start[,len]"; an omitted length means 1. */
static gboolean parse_range(const char **p, const char *end, guint *start,
                            guint *len)
{
    if (!parse_uint(p, end, start)) {
        return FALSE;
    }
    *len = 1;
    if (*p < end && **p == ',') {
        (*p)++;
        return parse_uint(p, end, len);
    }
    return TRUE;
}

static gboolean parse_hunk_header(Line l, QfHunk *h)
{
    const char *p = l.p + 4, *end = l.p + l.len; /* after "@@ -" */

    if (!parse_range(&p, end, &h->old_start, &h->old_len) || end - p < 2 ||
        p[0] != ' ' || p[1] != '+') {
        return FALSE;
    }
    p += 2;
    if (!parse_range(&p, end, &h->new_start, &h->new_len) || end - p < 3 ||
        strncmp(p, " @@", 3) != 0) {
        return FALSE;
    }
    /* Line 0 only exists for an empty range ("-0,0": before line 1). */
    return (h->old_start || !h->old_len) && (h->new_start || !h->new_len);
}

/* What a body line does; an empty line is an empty context line. */
static char hunk_line_kind(Line l)
{
    if (!l.len || (l.len == 1 && l.p[0] == '\r')) {
        return ' ';
    }
    return l.p[0];
}

typedef struct HunkCounts {
    guint old_left, new_left;
    char last;                     /* kind of the previous body line */
    gboolean old_ended, new_ended; /* a "\ No newline" was seen */
} HunkCounts;

/* Account for one body line; FALSE with a reason when it does not fit. */
static gboolean hunk_count_line(HunkCounts *c, char kind, const char **why)
{
    gboolean old_side = kind == ' ' || kind == '-';
    gboolean new_side = kind == ' ' || kind == '+';

    if ((old_side && c->old_ended) || (new_side && c->new_ended)) {
        *why = "line after a \"\\ No newline at end of file\" marker";
        return FALSE;
    }
    if ((old_side && !c->old_left) || (new_side && !c->new_left)) {
        *why = "more lines than the hunk header says";
        return FALSE;
    }
    c->old_left -= old_side;
    c->new_left -= new_side;
    c->last = kind;
    return TRUE;
}

static gboolean hunk_no_eol(QfHunk *h, HunkCounts *c, const char **why)
{
    if (!c->last) {
        *why = "\"\\ No newline\" marker without a line before it";
        return FALSE;
    }
    if (c->last != '+') {
        h->old_no_eol = c->old_ended = TRUE;
    }
    if (c->last != '-') {
        h->new_no_eol = c->new_ended = TRUE;
    }
    return TRUE;
}

static gboolean hunk_add_line(QfHunk *h, HunkCounts *c, Line l,
                              const char **why)
{
    char kind = hunk_line_kind(l);

    if (kind == '\\') {
        return hunk_no_eol(h, c, why);
    }
    if (kind != ' ' && kind != '-' && kind != '+') {
        *why = "unexpected line inside a hunk (corrupt patch?)";
        return FALSE;
    }
    if (memchr(l.p, '\0', l.len)) {
        *why = "NUL byte in a hunk line";
        return FALSE;
    }
    if (!hunk_count_line(c, kind, why)) {
        return FALSE;
    }
    /* Store empty context lines (mailers strip the space) in full. */
    g_ptr_array_add(h->lines, l.len && l.p[0] == kind
                                  ? line_dup(l)
                                  : g_strdup_printf(" %.*s", (int)l.len, l.p));
    return TRUE;
}

static QfHunk *parse_hunk(Reader *r, GError **error)
{
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    QfHunk tmp = { .lines = lines, .patch_line = r->lineno };
    HunkCounts c = { 0 };
    const char *why = NULL;
    Line l;

    reader_next(r, &l);
    if (!parse_hunk_header(line_chomp(l), &tmp)) {
        parse_error(r, tmp.patch_line, error, "malformed hunk header");
        return NULL;
    }
    c.old_left = tmp.old_len;
    c.new_left = tmp.new_len;
    while (c.old_left || c.new_left) {
        if (!reader_next(r, &l)) {
            parse_error(r, tmp.patch_line, error,
                        "patch ends inside the hunk: %u old and %u new "
                        "lines missing (truncated patch?)",
                        c.old_left, c.new_left);
            return NULL;
        }
        if (!hunk_add_line(&tmp, &c, l, &why)) {
            parse_error(r, r->lineno - 1, error, "%s", why);
            return NULL;
        }
    }
    if (reader_peek(r, &l) && hunk_line_kind(l) == '\\') {
        reader_next(r, &l);
        if (!hunk_no_eol(&tmp, &c, &why)) {
            parse_error(r, r->lineno - 1, error, "%s", why);
            return NULL;
        }
    }
    tmp.lines = g_steal_pointer(&lines);
    return g_memdup2(&tmp, sizeof(tmp));
}

/*
 * A body line right after a complete hunk means the header undercounts:
 * applying only part of the hunk would be wrong, so refuse.  "--" lines
 * (a mail signature "-- ", the next "--- " header) are not body lines.
 */
static gboolean check_hunk_end(const Reader *r, GError **error)
{
    Line l;

    if (!reader_peek(r, &l) || !l.len) {
        return TRUE;
    }
    if (l.p[0] == '+' || (l.p[0] == ' ' && !line_is_blank(l)) ||
        (l.p[0] == '-' && !line_starts(l, "--"))) {
        return parse_error(r, r->lineno, error,
                           "hunk is longer than its header says");
    }
    return TRUE;
}

static gboolean parse_hunks(Reader *r, QfFilePatch *fp, GError **error)
{
    Line l;

    while (reader_peek(r, &l) && line_starts(l, "@@ -")) {
        QfHunk *h = parse_hunk(r, error);

        if (!h) {
            return FALSE;
        }
        g_ptr_array_add(fp->hunks, h);
        if (!check_hunk_end(r, error)) {
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- GIT binary patch ------------------------------------------------- */

typedef struct BinaryBlock {
    QfBinaryKind kind;
    guint64 size;
    GBytes *data;
} BinaryBlock;

static gboolean parse_binary_size(Line l, BinaryBlock *b)
{
    const char *digits;
    char *end = NULL;
    g_autofree char *s = NULL;

    if (line_starts(l, "literal ")) {
        b->kind = QF_BINARY_LITERAL;
        digits = l.p + 8;
    } else if (line_starts(l, "delta ")) {
        b->kind = QF_BINARY_DELTA;
        digits = l.p + 6;
    } else {
        return FALSE;
    }
    s = g_strndup(digits, l.len - (gsize)(digits - l.p));
    if (!g_ascii_isdigit(s[0])) {
        return FALSE;
    }
    b->size = g_ascii_strtoull(s, &end, 10);
    return *end == '\0' && b->size < G_MAXUINT32;
}

/* The base85 lines of one block, up to the blank line that ends it. */
static gboolean read_base85_lines(Reader *r, guint start, GByteArray *z,
                                  GError **error)
{
    Line l;

    for (;;) {
        g_autoptr(GError) local = NULL;

        if (!reader_next(r, &l)) {
            return parse_error(r, start, error,
                               "binary patch ends without its blank line "
                               "(truncated patch?)");
        }
        l = line_chomp(l);
        if (!l.len) {
            return TRUE;
        }
        if (!qf_base85_decode_line(l.p, l.len, z, &local)) {
            return parse_error(r, r->lineno - 1, error, "%s", local->message);
        }
    }
}

/* "literal N" or "delta N", base85 lines, a blank line. */
static gboolean parse_binary_block(Reader *r, BinaryBlock *b, GError **error)
{
    g_autoptr(GByteArray) z = g_byte_array_new();
    g_autoptr(GError) local = NULL;
    guint start = r->lineno;
    guint64 src_size, dst_size;
    Line l;

    if (!reader_next(r, &l) || !parse_binary_size(line_chomp(l), b)) {
        return parse_error(r, start, error,
                           "expected \"literal <size>\" or \"delta <size>\"");
    }
    if (!read_base85_lines(r, start, z, error)) {
        return FALSE;
    }
    b->data = qf_inflate_exact(z->data, z->len, b->size, &local);
    if (!b->data) {
        return parse_error(r, start, error, "%s", local->message);
    }
    if (b->kind == QF_BINARY_DELTA &&
        !qf_delta_check(b->data, &src_size, &dst_size, &local)) {
        return parse_error(r, start, error, "%s", local->message);
    }
    return TRUE;
}

static gboolean parse_binary(Reader *r, QfFilePatch *fp, GError **error)
{
    BinaryBlock fwd = { 0 }, rev = { 0 };
    Line l;

    reader_next(r, &l); /* "GIT binary patch" */
    if (!parse_binary_block(r, &fwd, error)) {
        return FALSE;
    }
    fp->bin_kind = fwd.kind;
    fp->bin_data = fwd.data;
    fp->bin_size = fwd.size;
    /* git also writes the reverse data; older patches may lack it. */
    if (reader_peek(r, &l) &&
        (line_starts(l, "literal ") || line_starts(l, "delta "))) {
        if (!parse_binary_block(r, &rev, error)) {
            return FALSE;
        }
        fp->bin_reverse_kind = rev.kind;
        fp->bin_reverse_data = rev.data;
        fp->bin_reverse_size = rev.size;
    }
    return TRUE;
}

static gboolean is_binary_differ_line(Line l)
{
    l = line_chomp(l);
    return line_starts(l, "Binary files ") && l.len >= 7 &&
           !memcmp(l.p + l.len - 7, " differ", 7);
}

/* ---- git extended headers --------------------------------------------- */

typedef struct GitHeader {
    char *a, *b;        /* from "diff --git", already stripped */
    char *from, *to;    /* rename/copy from/to */
    char *minus, *plus; /* from the ---/+++ lines; NULL for /dev/null */
    gboolean have_minus;
    gboolean created, deleted;
    /*
     * Line of the first header saying what happens to the file as a whole
     * (created, deleted, renamed, copied) and what it was; at most one
     * such kind may appear, as in git's "inconsistent header lines".
     */
    guint kind_line;
    const char *kind_name;
    guint old_mode_line, new_mode_line; /* "old mode", "new mode" */
} GitHeader;

static void git_header_clear(GitHeader *h)
{
    g_free(h->a);
    g_free(h->b);
    g_free(h->from);
    g_free(h->to);
    g_free(h->minus);
    g_free(h->plus);
}

static gboolean parse_mode(Line value, guint *mode)
{
    guint v = 0;

    value = line_chomp(value);
    if (!value.len || value.len > 7) {
        return FALSE;
    }
    for (gsize i = 0; i < value.len; i++) {
        int d = octal_digit(value.p[i]);

        if (d < 0) {
            return FALSE;
        }
        v = v * 8 + (guint)d;
    }
    *mode = v;
    return v != 0;
}

static gboolean is_hex(const char *s, gsize len)
{
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isxdigit(s[i])) {
            return FALSE;
        }
    }
    return len > 0;
}

/* "index <old>..<new>[ <mode>]" */
static gboolean parse_index_line(Line value, QfFilePatch *fp)
{
    const char *dots, *space, *end;
    guint mode = 0;

    value = line_chomp(value);
    end = value.p + value.len;
    dots = g_strstr_len(value.p, (gssize)value.len, "..");
    if (!dots || !is_hex(value.p, (gsize)(dots - value.p))) {
        return FALSE;
    }
    space = memchr(dots, ' ', (gsize)(end - dots));
    if (!is_hex(dots + 2, (gsize)((space ? space : end) - dots - 2))) {
        return FALSE;
    }
    if (space) {
        Line m = { space + 1, (gsize)(end - space - 1) };

        if (!parse_mode(m, &mode)) {
            return FALSE;
        }
    }
    g_free(fp->old_oid);
    g_free(fp->new_oid);
    fp->old_oid = g_ascii_strdown(value.p, dots - value.p);
    fp->new_oid = g_ascii_strdown(dots + 2, (space ? space : end) - dots - 2);
    fp->old_mode = fp->old_mode ? fp->old_mode : mode;
    fp->new_mode = fp->new_mode ? fp->new_mode : mode;
    return TRUE;
}

typedef enum {
    EXT_MODE_OLD,
    EXT_MODE_NEW,
    EXT_MODE_DELETED,
    EXT_MODE_CREATED,
    EXT_RENAME_FROM,
    EXT_RENAME_TO,
    EXT_COPY_FROM,
    EXT_COPY_TO,
    EXT_SIMILARITY,
    EXT_INDEX,
} ExtKind;

static const struct {
    const char *prefix;
    ExtKind kind;
} ext_headers[] = {
    { "old mode ", EXT_MODE_OLD },
    { "new mode ", EXT_MODE_NEW },
    { "deleted file mode ", EXT_MODE_DELETED },
    { "new file mode ", EXT_MODE_CREATED },
    { "rename from ", EXT_RENAME_FROM },
    { "rename to ", EXT_RENAME_TO },
    { "copy from ", EXT_COPY_FROM },
    { "copy to ", EXT_COPY_TO },
    { "similarity index ", EXT_SIMILARITY },
    { "dissimilarity index ", EXT_SIMILARITY },
    { "index ", EXT_INDEX },
};

static gboolean apply_ext_name(const Reader *r, GitHeader *h, QfFilePatch *fp,
                               ExtKind kind, Line value, GError **error)
{
    g_autofree char *name = NULL;
    guint lineno = r->lineno;

    /* rename/copy names carry no a/ b/ prefix. */
    if (!parse_name_field(r, lineno, value, FALSE, &name, error)) {
        return FALSE;
    }
    if (!name) {
        return parse_error(r, lineno, error, "missing file name");
    }
    if (kind == EXT_RENAME_FROM || kind == EXT_COPY_FROM) {
        g_free(h->from);
        h->from = g_steal_pointer(&name);
    } else {
        g_free(h->to);
        h->to = g_steal_pointer(&name);
    }
    fp->is_rename |= kind == EXT_RENAME_FROM || kind == EXT_RENAME_TO;
    fp->is_copy |= kind == EXT_COPY_FROM || kind == EXT_COPY_TO;
    return TRUE;
}

static const char *ext_kind_name(ExtKind kind)
{
    switch (kind) {
    case EXT_MODE_DELETED:
        return "deleted file";
    case EXT_MODE_CREATED:
        return "new file";
    case EXT_RENAME_FROM:
    case EXT_RENAME_TO:
        return "rename";
    case EXT_COPY_FROM:
    case EXT_COPY_TO:
        return "copy";
    default:
        return NULL;
    }
}

/*
 * A file is created, deleted, renamed or copied - never two of these at
 * once (git: "inconsistent header lines"): applying such a mix would be a
 * guess, and some mixes (a deleted copy) leave no path to work on.  A
 * created file has no old mode and a deleted one no new mode.
 */
static gboolean check_ext_consistency(const Reader *r, GitHeader *h,
                                      ExtKind kind, GError **error)
{
    const char *name = ext_kind_name(kind);
    guint lineno = r->lineno;

    if (kind == EXT_MODE_OLD) {
        h->old_mode_line = lineno;
    } else if (kind == EXT_MODE_NEW) {
        h->new_mode_line = lineno;
    }
    if (name && h->kind_name && strcmp(name, h->kind_name) != 0) {
        return parse_error(r, lineno, error,
                           "inconsistent header lines %u and %u: a %s "
                           "header after a %s one",
                           h->kind_line, lineno, name, h->kind_name);
    }
    if (name && !h->kind_name) {
        h->kind_name = name;
        h->kind_line = lineno;
    }
    if (g_strcmp0(h->kind_name, "new file") == 0 && h->old_mode_line) {
        return parse_error(r, MAX(h->kind_line, h->old_mode_line), error,
                           "inconsistent header lines %u and %u: a new "
                           "file has no old mode",
                           MIN(h->kind_line, h->old_mode_line),
                           MAX(h->kind_line, h->old_mode_line));
    }
    if (g_strcmp0(h->kind_name, "deleted file") == 0 && h->new_mode_line) {
        return parse_error(r, MAX(h->kind_line, h->new_mode_line), error,
                           "inconsistent header lines %u and %u: a deleted "
                           "file has no new mode",
                           MIN(h->kind_line, h->new_mode_line),
                           MAX(h->kind_line, h->new_mode_line));
    }
    return TRUE;
}

static gboolean apply_ext_header(const Reader *r, GitHeader *h, QfFilePatch *fp,
                                 ExtKind kind, Line line, Line value,
                                 GError **error)
{
    gboolean ok = TRUE;

    if (!check_ext_consistency(r, h, kind, error)) {
        return FALSE;
    }
    switch (kind) {
    case EXT_MODE_OLD:
    case EXT_MODE_DELETED:
        ok = parse_mode(value, &fp->old_mode);
        h->deleted |= kind == EXT_MODE_DELETED;
        break;
    case EXT_MODE_NEW:
    case EXT_MODE_CREATED:
        ok = parse_mode(value, &fp->new_mode);
        h->created |= kind == EXT_MODE_CREATED;
        break;
    case EXT_SIMILARITY:
        break;
    case EXT_INDEX:
        ok = parse_index_line(value, fp);
        break;
    default:
        return apply_ext_name(r, h, fp, kind, value, error);
    }
    line = line_chomp(line);
    return ok || parse_error(r, r->lineno, error, "malformed line \"%.*s\"",
                             (int)MIN(line.len, 200), line.p);
}

/* One extended header line; FALSE in *known when the header ended. */
static gboolean parse_ext_line(Reader *r, GitHeader *h, QfFilePatch *fp, Line l,
                               gboolean *known, GError **error)
{
    for (gsize i = 0; i < G_N_ELEMENTS(ext_headers); i++) {
        if (line_starts(l, ext_headers[i].prefix)) {
            *known = TRUE;
            if (!apply_ext_header(r, h, fp, ext_headers[i].kind, l,
                                  line_after(l, ext_headers[i].prefix),
                                  error)) {
                return FALSE;
            }
            reader_next(r, &l);
            return TRUE;
        }
    }
    *known = FALSE;
    return TRUE;
}

/* ---- file patches ----------------------------------------------------- */

/* A "---" line and the "+++" line that must follow it. */
static gboolean parse_minus_plus(Reader *r, GitHeader *h, GError **error)
{
    Line l;

    reader_next(r, &l);
    if (!parse_name_field(r, r->lineno - 1, line_after(l, "--- "), TRUE,
                          &h->minus, error)) {
        return FALSE;
    }
    if (!reader_peek(r, &l) || !line_starts(l, "+++ ")) {
        return parse_error(r, r->lineno, error,
                           "expected a \"+++\" line after \"---\"");
    }
    reader_next(r, &l);
    h->have_minus = TRUE;
    return parse_name_field(r, r->lineno - 1, line_after(l, "+++ "), TRUE,
                            &h->plus, error);
}

static gboolean store_paths(const Reader *r, QfFilePatch *fp, const char *old,
                            const char *new, GError **error)
{
    if (!old && !new) {
        return parse_error(r, fp->patch_line, error,
                           "cannot tell which file this diff changes");
    }
    fp->old_path = g_strdup(old);
    fp->new_path = g_strdup(new);
    return TRUE;
}

static gboolean git_resolve_paths(const Reader *r, GitHeader *h,
                                  QfFilePatch *fp, GError **error)
{
    const char *old = h->a, *new = h->b;

    if (fp->is_rename || fp->is_copy) {
        if (!h->from || !h->to) {
            return parse_error(r, fp->patch_line, error,
                               "rename or copy without both from and to");
        }
        if (strcmp(h->from, h->to) == 0) {
            return parse_error(r, h->kind_line, error,
                               "%s from and to the same path '%s'",
                               h->kind_name, h->from);
        }
        old = h->from;
        new = h->to;
    } else if (h->have_minus) {
        old = h->minus;
        new = h->plus;
        if (old && new &&strcmp(old, new) != 0) {
            return parse_error(r, fp->patch_line, error,
                               "old and new names differ ('%s', '%s') "
                               "without a rename header",
                               old, new);
        }
    }
    return store_paths(r, fp, h->created ? NULL : old, h->deleted ? NULL : new,
                       error);
}

static gboolean git_file_body(Reader *r, GitHeader *h, QfFilePatch *fp,
                              GError **error)
{
    Line l;

    if (!reader_peek(r, &l)) {
        return TRUE;
    }
    if (line_starts(l, "--- ")) {
        if (!parse_minus_plus(r, h, error) || !parse_hunks(r, fp, error)) {
            return FALSE;
        }
        if (!fp->hunks->len) {
            return parse_error(r, r->lineno, error, "expected a hunk (\"@@\")");
        }
        return TRUE;
    }
    if (line_starts(l, "GIT binary patch")) {
        return parse_binary(r, fp, error);
    }
    if (is_binary_differ_line(l)) {
        return parse_error(r, r->lineno, error,
                           "binary diff without data; regenerate the patch "
                           "with git format-patch --binary");
    }
    return TRUE;
}

static gboolean parse_git_file(Reader *r, QfPatch *patch, GError **error)
{
    GitHeader h = { 0 };
    g_autoptr(QfFilePatch) fp = file_patch_new(r->lineno);
    gboolean ok = TRUE, known = TRUE;
    Line l;

    reader_next(r, &l);
    git_header_names(line_after(l, "diff --git "), &h.a, &h.b);
    while (ok && known && reader_peek(r, &l)) {
        ok = parse_ext_line(r, &h, fp, l, &known, error);
    }
    ok = ok && git_file_body(r, &h, fp, error) &&
         git_resolve_paths(r, &h, fp, error);
    git_header_clear(&h);
    if (ok) {
        g_ptr_array_add(patch->files, g_steal_pointer(&fp));
    }
    return ok;
}

static guint count_components(const char *path)
{
    guint n = 1;

    for (const char *p = path; *p; p++) {
        n += *p == '/';
    }
    return n;
}

/*
 * Plain diffs name the file twice ("x.orig" and "x"); prefer, as GNU patch
 * does, fewer components, then the shorter base name, then the shorter name.
 */
static const char *best_plain_name(const char *old, const char *new)
{
    guint co = count_components(old), cn = count_components(new);
    gsize bo = strlen(strrchr(old, '/') ? strrchr(old, '/') : old);
    gsize bn = strlen(strrchr(new, '/') ? strrchr(new, '/') : new);

    if (co != cn) {
        return co < cn ? old : new;
    }
    if (bo != bn) {
        return bo < bn ? old : new;
    }
    return strlen(new) < strlen(old) ? new : old;
}

static gboolean parse_plain_file(Reader *r, QfPatch *patch, GError **error)
{
    GitHeader h = { 0 };
    g_autoptr(QfFilePatch) fp = file_patch_new(r->lineno);
    gboolean ok;

    ok = parse_minus_plus(r, &h, error) && parse_hunks(r, fp, error);
    if (ok && !fp->hunks->len) {
        ok = parse_error(r, r->lineno, error, "expected a hunk (\"@@\")");
    }
    if (ok && h.minus && h.plus) {
        const char *name = best_plain_name(h.minus, h.plus);

        ok = store_paths(r, fp, name, name, error);
    } else if (ok) {
        ok = store_paths(r, fp, h.minus, h.plus, error);
    }
    git_header_clear(&h);
    if (ok) {
        g_ptr_array_add(patch->files, g_steal_pointer(&fp));
    }
    return ok;
}

/* Lines between file diffs that must not be skipped as commentary. */
static gboolean reject_stray_line(const Reader *r, Line l, GError **error)
{
    if (line_starts(l, "diff --cc ") || line_starts(l, "diff --combined ")) {
        return parse_error(r, r->lineno, error,
                           "combined (merge) diffs cannot be applied");
    }
    if (line_starts(l, "@@ -")) {
        return parse_error(r, r->lineno, error,
                           "hunk without a file header (corrupt patch?)");
    }
    if (line_starts(l, "GIT binary patch")) {
        return parse_error(r, r->lineno, error,
                           "binary patch without a \"diff --git\" header");
    }
    if (is_binary_differ_line(l)) {
        return parse_error(r, r->lineno, error,
                           "binary diff without data; regenerate the patch "
                           "with --binary");
    }
    return TRUE;
}

static gboolean parse_files(Reader *r, QfPatch *patch, GError **error)
{
    Line l, l2;

    while (reader_peek(r, &l)) {
        gboolean ok;

        if (line_starts(l, "diff --git ")) {
            ok = parse_git_file(r, patch, error);
        } else if (line_starts(l, "--- ") && reader_peek2(r, &l2) &&
                   line_starts(l2, "+++ ")) {
            ok = parse_plain_file(r, patch, error);
        } else {
            /* Diffstat, "Index:", "====", the signature: commentary. */
            ok = reject_stray_line(r, l, error);
            reader_next(r, &l);
        }
        if (!ok) {
            return FALSE;
        }
    }
    return TRUE;
}

QfPatch *qf_patch_parse(const char *data, gsize len, const char *filename,
                        GError **error)
{
    Reader r = { data, len, 0, 1, filename ? filename : "<patch>" };
    g_autoptr(QfPatch) patch = g_new0(QfPatch, 1);

    patch->filename = g_strdup(r.filename);
    patch->files = g_ptr_array_new_with_free_func(file_patch_free);
    if (!parse_message(&r, patch, error) || !parse_files(&r, patch, error)) {
        return NULL;
    }
    if (!patch->files->len) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "%s: no diff found in the patch", r.filename);
        return NULL;
    }
    return g_steal_pointer(&patch);
}

QfPatch *qf_patch_load(const char *path, GError **error)
{
    g_autofree char *data = NULL;
    gsize len;

    if (!qf_fs_read_regular(path, &data, &len, error)) {
        return NULL;
    }
    return qf_patch_parse(data, len, path, error);
}

GPtrArray *qf_patch_paths(const QfPatch *patch)
{
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    for (guint i = 0; i < patch->files->len; i++) {
        const QfFilePatch *fp = patch->files->pdata[i];
        const char *names[] = { fp->old_path, fp->new_path };

        for (guint j = 0; j < G_N_ELEMENTS(names); j++) {
            char *copy;

            if (!names[j] || g_hash_table_contains(seen, names[j])) {
                continue;
            }
            copy = g_strdup(names[j]);
            g_ptr_array_add(paths, copy);
            g_hash_table_add(seen, copy);
        }
    }
    return paths;
}
