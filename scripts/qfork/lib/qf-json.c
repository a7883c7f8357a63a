/*
 * qfork: a small JSON reader and writer helpers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-json.h"
#include "qf-error.h"

#include <errno.h>
#include <string.h>

#define QF_JSON_MAX_DEPTH 64

typedef struct {
    const char *p, *end;
    const char *line_start;
    guint line;
    const char *name;
    GError **error;
} Reader;

static QfJson *read_value(Reader *r, guint depth);

G_GNUC_PRINTF(2, 3)
static void fail(Reader *r, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    if (*r->error) {
        return;
    }
    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(r->error, QF_ERROR, QF_ERROR_PARSE, "%s:%u:%u: %s", r->name,
                r->line, (guint)(r->p - r->line_start) + 1, msg);
}

static void skip_space(Reader *r)
{
    while (r->p < r->end) {
        char c = *r->p;
        if (c == '\n') {
            r->line++;
            r->line_start = r->p + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            return;
        }
        r->p++;
    }
}

static QfJson *new_value(Reader *r, QfJsonType type)
{
    QfJson *v = g_new0(QfJson, 1);

    v->type = type;
    v->line = r->line;
    if (type == QF_JSON_ARRAY || type == QF_JSON_OBJECT) {
        v->items = g_ptr_array_new_with_free_func((GDestroyNotify)qf_json_free);
    }
    if (type == QF_JSON_OBJECT) {
        v->keys = g_ptr_array_new_with_free_func(g_free);
    }
    return v;
}

static gboolean read_literal(Reader *r, const char *word)
{
    gsize n = strlen(word);

    if ((gsize)(r->end - r->p) < n || memcmp(r->p, word, n) != 0) {
        return FALSE;
    }
    r->p += n;
    return TRUE;
}

static int hex_digit(char c)
{
    return g_ascii_isxdigit(c) ? g_ascii_xdigit_value(c) : -1;
}

static gboolean read_hex4(Reader *r, gunichar *out)
{
    gunichar v = 0;

    if (r->end - r->p < 4) {
        fail(r, "truncated \\u escape");
        return FALSE;
    }
    for (int i = 0; i < 4; i++) {
        int d = hex_digit(r->p[i]);
        if (d < 0) {
            fail(r, "bad \\u escape");
            return FALSE;
        }
        v = v * 16 + (gunichar)d;
    }
    r->p += 4;
    *out = v;
    return TRUE;
}

/* \uXXXX, possibly a UTF-16 surrogate pair; r->p is after the 'u'. */
static gboolean read_unicode_escape(Reader *r, GString *out)
{
    gunichar c, low;

    if (!read_hex4(r, &c)) {
        return FALSE;
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
        fail(r, "unpaired low surrogate in \\u escape");
        return FALSE;
    }
    if (c >= 0xd800 && c <= 0xdbff) {
        if (!read_literal(r, "\\u") || !read_hex4(r, &low) ||
            low < 0xdc00 || low > 0xdfff) {
            fail(r, "unpaired high surrogate in \\u escape");
            return FALSE;
        }
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
    }
    if (c == 0) {
        fail(r, "\\u0000 is not allowed in strings");
        return FALSE;
    }
    g_string_append_unichar(out, c);
    return TRUE;
}

static gboolean read_escape(Reader *r, GString *out)
{
    char c;

    if (r->p >= r->end) {
        fail(r, "unterminated string");
        return FALSE;
    }
    c = *r->p++;
    switch (c) {
    case '"': case '\\': case '/':
        g_string_append_c(out, c);
        return TRUE;
    case 'b': g_string_append_c(out, '\b'); return TRUE;
    case 'f': g_string_append_c(out, '\f'); return TRUE;
    case 'n': g_string_append_c(out, '\n'); return TRUE;
    case 'r': g_string_append_c(out, '\r'); return TRUE;
    case 't': g_string_append_c(out, '\t'); return TRUE;
    case 'u': return read_unicode_escape(r, out);
    default:
        r->p--;
        fail(r, "unknown escape '\\%c'", c);
        return FALSE;
    }
}

/* r->p is on the opening quote; returns a newly allocated UTF-8 string. */
static char *read_string_raw(Reader *r)
{
    g_autoptr(GString) s = g_string_new(NULL);

    r->p++;
    while (r->p < r->end && *r->p != '"') {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20) {
            fail(r, "control character in string (use an escape)");
            return NULL;
        }
        r->p++;
        if (c == '\\') {
            if (!read_escape(r, s)) {
                return NULL;
            }
        } else {
            g_string_append_c(s, (char)c);
        }
    }
    if (r->p >= r->end) {
        fail(r, "unterminated string");
        return NULL;
    }
    r->p++;
    if (!g_utf8_validate(s->str, (gssize)s->len, NULL)) {
        fail(r, "string is not valid UTF-8");
        return NULL;
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static QfJson *read_number(Reader *r)
{
    const char *start = r->p;
    g_autofree char *text = NULL;
    QfJson *v;
    gint64 n;
    char *endp;

    if (r->p < r->end && *r->p == '-') {
        r->p++;
    }
    if (r->p >= r->end || !g_ascii_isdigit(*r->p)) {
        fail(r, "expected a digit");
        return NULL;
    }
    if (*r->p == '0' && r->p + 1 < r->end && g_ascii_isdigit(r->p[1])) {
        fail(r, "numbers must not have leading zeros");
        return NULL;
    }
    while (r->p < r->end && g_ascii_isdigit(*r->p)) {
        r->p++;
    }
    if (r->p < r->end && strchr(".eE", *r->p)) {
        fail(r, "only integers are supported here");
        return NULL;
    }
    text = g_strndup(start, (gsize)(r->p - start));
    errno = 0;
    n = g_ascii_strtoll(text, &endp, 10);
    if (errno == ERANGE || *endp) {
        r->p = start;
        fail(r, "integer %s is out of range", text);
        return NULL;
    }
    v = new_value(r, QF_JSON_INT);
    v->integer = n;
    return v;
}

static QfJson *read_array(Reader *r, guint depth)
{
    g_autoptr(QfJson) v = new_value(r, QF_JSON_ARRAY);

    r->p++;
    skip_space(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return g_steal_pointer(&v);
    }
    for (;;) {
        QfJson *item = read_value(r, depth + 1);
        if (!item) {
            return NULL;
        }
        g_ptr_array_add(v->items, item);
        skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            return g_steal_pointer(&v);
        }
        fail(r, "expected ',' or ']' in array");
        return NULL;
    }
}

static gboolean read_member(Reader *r, QfJson *obj, guint depth)
{
    g_autofree char *key = NULL;
    QfJson *value;

    skip_space(r);
    if (r->p >= r->end || *r->p != '"') {
        fail(r, "expected a string key in object");
        return FALSE;
    }
    key = read_string_raw(r);
    if (!key) {
        return FALSE;
    }
    if (qf_json_member(obj, key)) {
        fail(r, "duplicate key \"%s\"", key);
        return FALSE;
    }
    skip_space(r);
    if (r->p >= r->end || *r->p != ':') {
        fail(r, "expected ':' after key \"%s\"", key);
        return FALSE;
    }
    r->p++;
    value = read_value(r, depth + 1);
    if (!value) {
        return FALSE;
    }
    g_ptr_array_add(obj->keys, g_steal_pointer(&key));
    g_ptr_array_add(obj->items, value);
    return TRUE;
}

static QfJson *read_object(Reader *r, guint depth)
{
    g_autoptr(QfJson) v = new_value(r, QF_JSON_OBJECT);

    r->p++;
    skip_space(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return g_steal_pointer(&v);
    }
    for (;;) {
        if (!read_member(r, v, depth)) {
            return NULL;
        }
        skip_space(r);
        if (r->p < r->end && *r->p == ',') {
            r->p++;
            continue;
        }
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            return g_steal_pointer(&v);
        }
        fail(r, "expected ',' or '}' in object");
        return NULL;
    }
}

static QfJson *read_value(Reader *r, guint depth)
{
    QfJson *v;

    if (depth >= QF_JSON_MAX_DEPTH) {
        fail(r, "nesting deeper than %d levels", QF_JSON_MAX_DEPTH);
        return NULL;
    }
    skip_space(r);
    if (r->p >= r->end) {
        fail(r, "unexpected end of input");
        return NULL;
    }
    switch (*r->p) {
    case '{':
        return read_object(r, depth);
    case '[':
        return read_array(r, depth);
    case '"': {
        guint line = r->line;
        char *s = read_string_raw(r);
        if (!s) {
            return NULL;
        }
        v = new_value(r, QF_JSON_STRING);
        v->line = line;
        v->string = s;
        return v;
    }
    case 't': case 'f': case 'n':
        if (read_literal(r, "true")) {
            v = new_value(r, QF_JSON_BOOL);
            v->boolean = TRUE;
            return v;
        }
        if (read_literal(r, "false")) {
            return new_value(r, QF_JSON_BOOL);
        }
        if (read_literal(r, "null")) {
            return new_value(r, QF_JSON_NULL);
        }
        break;
    default:
        if (*r->p == '-' || g_ascii_isdigit(*r->p)) {
            return read_number(r);
        }
        break;
    }
    fail(r, "unexpected character '%c'", *r->p);
    return NULL;
}

QfJson *qf_json_parse(const char *text, gsize len, const char *name,
                      GError **error)
{
    Reader r = {
        .p = text, .end = text + len, .line_start = text, .line = 1,
        .name = name ? name : "<json>", .error = error,
    };
    g_autoptr(QfJson) v = NULL;

    g_return_val_if_fail(error == NULL || *error == NULL, NULL);
    if (memchr(text, '\0', len)) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "%s: contains a NUL byte; not a JSON text", r.name);
        return NULL;
    }
    v = read_value(&r, 0);
    if (!v) {
        return NULL;
    }
    skip_space(&r);
    if (r.p != r.end) {
        fail(&r, "unexpected text after the JSON value");
        return NULL;
    }
    return g_steal_pointer(&v);
}

void qf_json_free(QfJson *json)
{
    if (!json) {
        return;
    }
    g_free(json->string);
    if (json->items) {
        g_ptr_array_unref(json->items);
    }
    if (json->keys) {
        g_ptr_array_unref(json->keys);
    }
    g_free(json);
}

QfJson *qf_json_member(const QfJson *json, const char *key)
{
    if (!json || json->type != QF_JSON_OBJECT) {
        return NULL;
    }
    for (guint i = 0; i < json->keys->len; i++) {
        if (strcmp(g_ptr_array_index(json->keys, i), key) == 0) {
            return g_ptr_array_index(json->items, i);
        }
    }
    return NULL;
}

const char *qf_json_type_name(QfJsonType type)
{
    static const char *const names[] = {
        [QF_JSON_NULL] = "null",     [QF_JSON_BOOL] = "a boolean",
        [QF_JSON_INT] = "an integer", [QF_JSON_STRING] = "a string",
        [QF_JSON_ARRAY] = "an array", [QF_JSON_OBJECT] = "an object",
    };
    return names[type];
}

void qf_json_append_string(GString *out, const char *s)
{
    g_string_append_c(out, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': g_string_append(out, "\\\""); break;
        case '\\': g_string_append(out, "\\\\"); break;
        case '\n': g_string_append(out, "\\n"); break;
        case '\r': g_string_append(out, "\\r"); break;
        case '\t': g_string_append(out, "\\t"); break;
        default:
            if (*p < 0x20) {
                g_string_append_printf(out, "\\u%04x", *p);
            } else {
                g_string_append_c(out, (char)*p);
            }
        }
    }
    g_string_append_c(out, '"');
}
