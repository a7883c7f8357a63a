/*
 * Unit tests of the small JSON reader (qf-json).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-error.h"
#include "qf-json.h"

#include <string.h>

static QfJson *parse_ok(const char *text)
{
    g_autoptr(GError) err = NULL;
    QfJson *v = qf_json_parse(text, strlen(text), "t.json", &err);

    g_assert_no_error(err);
    g_assert_nonnull(v);
    return v;
}

/* Parsing fails with a message that contains @want. */
static void parse_bad(const char *text, gsize len, const char *want)
{
    g_autoptr(GError) err = NULL;
    QfJson *v = qf_json_parse(text, len, "t.json", &err);

    g_assert_null(v);
    g_assert_error(err, QF_ERROR, QF_ERROR_PARSE);
    if (!strstr(err->message, want)) {
        g_error("'%s': message '%s' lacks '%s'", text, err->message, want);
    }
}

#define BAD(text, want) parse_bad(text, strlen(text), want)

static void test_values(void)
{
    g_autoptr(QfJson) v = parse_ok(
        "{ \"a\": 1, \"b\": -42, \"c\": true, \"d\": false, \"e\": null,\n"
        "  \"f\": [1, [2], {}], \"g\": \"x\", \"h\": 9223372036854775807 }");
    QfJson *f;

    g_assert_cmpint(v->type, ==, QF_JSON_OBJECT);
    g_assert_cmpuint(v->keys->len, ==, 8);
    g_assert_cmpint(qf_json_member(v, "a")->integer, ==, 1);
    g_assert_cmpint(qf_json_member(v, "b")->integer, ==, -42);
    g_assert_true(qf_json_member(v, "c")->boolean);
    g_assert_cmpint(qf_json_member(v, "d")->type, ==, QF_JSON_BOOL);
    g_assert_false(qf_json_member(v, "d")->boolean);
    g_assert_cmpint(qf_json_member(v, "e")->type, ==, QF_JSON_NULL);
    f = qf_json_member(v, "f");
    g_assert_cmpuint(f->items->len, ==, 3);
    g_assert_cmpint(((QfJson *)g_ptr_array_index(f->items, 2))->type, ==,
                    QF_JSON_OBJECT);
    g_assert_cmpstr(qf_json_member(v, "g")->string, ==, "x");
    g_assert_cmpint(qf_json_member(v, "h")->integer, ==, G_MAXINT64);
    g_assert_cmpuint(qf_json_member(v, "f")->line, ==, 2);
    g_assert_null(qf_json_member(v, "zz"));
    g_assert_null(qf_json_member(f, "a"));
}

static void test_strings(void)
{
    g_autoptr(QfJson) v = parse_ok(
        "\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00 ünï\"");
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(QfJson) back = NULL;

    g_assert_cmpstr(v->string, ==,
                    "q\" b\\ s/ \b\f\n\r\t \xc3\xa9 \xf0\x9f\x98\x80 ünï");
    qf_json_append_string(out, v->string);
    back = parse_ok(out->str);
    g_assert_cmpstr(back->string, ==, v->string);
    g_string_truncate(out, 0);
    qf_json_append_string(out, "\x01");
    g_assert_cmpstr(out->str, ==, "\"\\u0001\"");
}

static void test_errors(void)
{
    BAD("", "unexpected end of input");
    BAD("{\"a\": 1,}", "expected a string key");
    BAD("[1, 2,]", "unexpected character ']'");
    BAD("[1 2]", "expected ',' or ']'");
    BAD("{\"a\" 1}", "expected ':' after key \"a\"");
    BAD("{\"a\": 1 \"b\": 2}", "expected ',' or '}'");
    BAD("{\"a\": 1, \"a\": 2}", "duplicate key \"a\"");
    BAD("01", "leading zeros");
    BAD("1.5", "only integers");
    BAD("1e3", "only integers");
    BAD("-", "expected a digit");
    BAD("99999999999999999999", "out of range");
    BAD("\"abc", "unterminated string");
    BAD("\"a\nb\"", "control character");
    BAD("\"\\x\"", "unknown escape");
    BAD("\"\\u12zz\"", "bad \\u escape");
    BAD("\"\\u12", "truncated \\u escape");
    BAD("\"\\ud800\"", "unpaired high surrogate");
    BAD("\"\\udc00\"", "unpaired low surrogate");
    BAD("\"\\u0000\"", "\\u0000");
    BAD("\"\xff\"", "not valid UTF-8");
    BAD("tru", "unexpected character 't'");
    BAD("{} x", "unexpected text after");
    BAD("[\n\n  ?]", "t.json:3:3:");
    parse_bad("[1]\0", 4, "NUL byte");
}

static void test_depth(void)
{
    g_autoptr(GString) deep = g_string_new(NULL);
    g_autoptr(QfJson) ok = NULL;

    for (int i = 0; i < 64; i++) {
        g_string_append_c(deep, '[');
    }
    for (int i = 0; i < 64; i++) {
        g_string_append_c(deep, ']');
    }
    ok = parse_ok(deep->str);
    g_string_prepend_c(deep, '[');
    g_string_append_c(deep, ']');
    BAD(deep->str, "nesting deeper than 64");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json/values", test_values);
    g_test_add_func("/json/strings", test_strings);
    g_test_add_func("/json/errors", test_errors);
    g_test_add_func("/json/depth", test_depth);
    return g_test_run();
}
