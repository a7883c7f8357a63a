/*
 * qfork: a small JSON reader and writer helpers.
 *
 * Enough JSON for the files qfork reads and writes (the VM description):
 * objects, arrays, strings, integers, booleans and null.  Fractions and
 * exponents are rejected rather than rounded, duplicate keys are an error,
 * and every value remembers its line so that messages can name it.
 * Written here instead of depending on json-glib: the reader is ~300 lines
 * and keeps the build to glib alone.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_JSON_H
#define QF_JSON_H

#include <glib.h>

typedef enum {
    QF_JSON_NULL,
    QF_JSON_BOOL,
    QF_JSON_INT,
    QF_JSON_STRING,
    QF_JSON_ARRAY,
    QF_JSON_OBJECT,
} QfJsonType;

typedef struct QfJson QfJson;
struct QfJson {
    QfJsonType type;
    guint line;                 /* 1-based line where the value starts */
    gboolean boolean;
    gint64 integer;
    char *string;               /* QF_JSON_STRING, valid UTF-8 */
    GPtrArray *items;           /* ARRAY and OBJECT values: QfJson* */
    GPtrArray *keys;            /* OBJECT keys: char*, same order as items */
};

/*
 * Parse one JSON document.  @name is used in messages ("vm.json:3:7:
 * expected ':' after object key").  Nesting deeper than 64 levels is
 * refused.
 */
QfJson *qf_json_parse(const char *text, gsize len, const char *name,
                      GError **error);
void qf_json_free(QfJson *json);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfJson, qf_json_free)

/* Member of an object, or NULL when absent (or @json is not an object). */
QfJson *qf_json_member(const QfJson *json, const char *key);

const char *qf_json_type_name(QfJsonType type);

/* Append @s as a JSON string literal (quoted, escaped). */
void qf_json_append_string(GString *out, const char *s);

#endif
