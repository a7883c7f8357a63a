/*
 * Unit tests of qf-table: the Markdown rendering of the real series.conf
 * has the vendor's rows, sections, groups, subjects, minimum releases and
 * impacts, as the seed text of the vendor's page (QF_SEED_TXT) lists
 * them; the JSON and HTML renderings have every row; row states.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-json.h"
#include "qf-table.h"
#include "qf-test-fixture.h"

#include <string.h>

typedef struct Row {
    char *section;
    guint group; /* counted from 1 over the whole table, 0: none */
    char *month; /* or NULL */
    char *sha12;
    char *subject;
    char *min_release; /* or NULL */
    char *impact;      /* SAUCE rows, or NULL */
} Row;

static void row_free(Row *r)
{
    g_free(r->section);
    g_free(r->month);
    g_free(r->sha12);
    g_free(r->subject);
    g_free(r->min_release);
    g_free(r->impact);
    g_free(r);
}

static gboolean is_sha12(const char *s)
{
    if (strlen(s) != 12) {
        return FALSE;
    }
    for (const char *c = s; *c; c++) {
        if (!g_ascii_isxdigit(*c) || g_ascii_isupper(*c)) {
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean is_month(const char *s)
{
    static const char *const months[] = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December",
    };
    const char *sp = strchr(s, ' ');

    if (!sp || strlen(sp + 1) != 4) {
        return FALSE;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(months); i++) {
        if ((gsize)(sp - s) == strlen(months[i]) &&
            strncmp(s, months[i], sp - s) == 0) {
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean is_release(const char *s)
{
    return s[0] == 'v' && g_ascii_isdigit(s[1]) && strchr(s, '.') &&
           !strchr(s, ' ');
}

/*
 * A group's minimum release is printed once, after its first row; a
 * group that prints none has the one before it (the page's cell spans
 * them).  Fill in the rows of @rows from @from on.
 */
static void set_group_release(GPtrArray *rows, guint from, const char *rel)
{
    for (guint i = from; i < rows->len; i++) {
        Row *r = rows->pdata[i];

        g_free(r->min_release);
        r->min_release = g_strdup(rel);
    }
}

#define SECTION_PREFIX "QEMU I/O Virtualization: "

/* The vendor's page as text: one item a line, blank lines between. */
static GPtrArray *parse_seed(const char *text)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)row_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *section = NULL, *month = NULL, *release = NULL;
    guint group = 0, groups = 0, group_start = 0;
    Row *last = NULL;
    enum { NONE, SUBJECT, IMPACT } want = NONE;

    for (gsize i = 0; lines[i]; i++) {
        char *l = g_strstrip(lines[i]);

        if (!*l) {
            continue;
        }
        if (want == SUBJECT) {
            last->subject = g_strdup(l);
            want = g_strcmp0(section, "Workarounds") == 0 ? IMPACT : NONE;
        } else if (want == IMPACT) {
            last->impact = g_strdup(l);
            want = NONE;
        } else if (g_str_has_prefix(l, SECTION_PREFIX) &&
                   g_str_has_suffix(l, "#")) {
            g_autofree char *name =
                g_strndup(l + strlen(SECTION_PREFIX),
                          strlen(l) - strlen(SECTION_PREFIX) - 1);

            if (g_strcmp0(name, section) != 0) {
                g_free(section);
                section = g_steal_pointer(&name);
                g_clear_pointer(&month, g_free);
                g_clear_pointer(&release, g_free);
                group = 0;
            }
        } else if (is_month(l)) {
            g_free(month);
            month = g_strdup(l);
            group = ++groups;
            group_start = rows->len;
            set_group_release(rows, group_start, release);
        } else if (is_release(l) && section) {
            g_free(release);
            release = g_strdup(l);
            set_group_release(rows, group_start, release);
        } else if (is_sha12(l) && section) {
            last = g_new0(Row, 1);
            last->section = g_strdup(section);
            last->group = group;
            last->month = g_strdup(month);
            last->sha12 = g_strdup(l);
            last->min_release = g_strdup(release);
            g_ptr_array_add(rows, last);
            want = SUBJECT;
        }
    }
    return rows;
}

/* The cells of a Markdown table row, "\|" unescaped, blanks trimmed. */
static GPtrArray *md_cells(const char *line)
{
    GPtrArray *cells = g_ptr_array_new_with_free_func(g_free);
    GString *cell = NULL;

    for (const char *c = line; *c; c++) {
        if (*c == '\\' && c[1] == '|') {
            g_string_append_c(cell, '|');
            c++;
        } else if (*c == '|') {
            if (cell) {
                g_ptr_array_add(cells, g_strstrip(g_string_free(cell, FALSE)));
            }
            cell = g_string_new(NULL);
        } else if (cell) {
            g_string_append_c(cell, *c);
        }
    }
    if (cell) {
        g_string_free(cell, TRUE);
    }
    return cells;
}

static char *unquote(const char *cell)
{
    gsize n = strlen(cell);

    if (n >= 2 && cell[0] == '`' && cell[n - 1] == '`') {
        return g_strndup(cell + 1, n - 2);
    }
    return g_strdup(cell);
}

static char *nonempty(const char *cell)
{
    return *cell ? g_strdup(cell) : NULL;
}

/* The table rows of qf_table_render()'s Markdown, read back. */
static GPtrArray *parse_markdown(const char *text)
{
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)row_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *section = NULL, *month = NULL, *release = NULL;
    guint group = 0, groups = 0;

    for (gsize i = 0; lines[i]; i++) {
        const char *l = lines[i];
        g_autoptr(GPtrArray) c = NULL;
        Row *r;

        if (g_str_has_prefix(l, "## Downstream")) {
            break;
        }
        if (g_str_has_prefix(l, "### " SECTION_PREFIX)) {
            g_free(section);
            section = g_strdup(l + strlen("### " SECTION_PREFIX));
            g_clear_pointer(&month, g_free);
            g_clear_pointer(&release, g_free);
            group = 0;
            continue;
        }
        if (!g_str_has_prefix(l, "| ") || !section) {
            continue;
        }
        c = md_cells(l);
        if (c->len != 6 || g_str_has_prefix(c->pdata[0], "QEMU-Devel") ||
            g_str_has_prefix(c->pdata[0], "Git Commit")) {
            continue;
        }
        r = g_new0(Row, 1);
        r->section = g_strdup(section);
        if (g_str_has_prefix(c->pdata[0], "`")) { /* a SAUCE table */
            r->sha12 = unquote(c->pdata[0]);
            r->subject = g_strdup(c->pdata[1]);
            r->impact = g_strdup(c->pdata[2]);
        } else {
            if (*(char *)c->pdata[0]) {
                g_free(month);
                month = g_strdup(c->pdata[0]);
                group = ++groups;
            }
            if (*(char *)c->pdata[3]) {
                g_free(release);
                release = g_strdup(c->pdata[3]);
            }
            r->group = group;
            r->month = g_strdup(month);
            r->sha12 = unquote(c->pdata[1]);
            r->subject = g_strdup(c->pdata[2]);
            r->min_release = nonempty(release ? release : "");
        }
        g_ptr_array_add(rows, r);
    }
    return rows;
}

/*
 * The rendered table against the vendor's page: rows, sections, groups
 * (their boundaries too: two "January 2026" groups are two), subjects,
 * minimum releases and impacts, in order.
 */
static void test_markdown_matches_seed(void)
{
    const char *seed_path = g_getenv("QF_SEED_TXT");
    g_autofree char *seed = NULL;
    g_autoptr(QfSeries) s = NULL;
    g_autofree char *md = NULL;
    g_autoptr(GPtrArray) want = NULL, got = NULL;
    g_autoptr(GHashTable) group_map = NULL;
    g_autoptr(GHashTable) back_map =
        g_hash_table_new(g_direct_hash, g_direct_equal);

    if (!seed_path || !*seed_path ||
        !g_file_get_contents(seed_path, &seed, NULL, NULL)) {
        g_test_skip("no seed text of the vendor's page (QF_SEED_TXT, "
                    "../shared/seed/grace-qemu-patches.txt beside a checkout)");
        return;
    }
    s = fx_load_real_series();
    md = qf_table_render(s, QF_TABLE_MARKDOWN);
    want = parse_seed(seed);
    got = parse_markdown(md);
    g_assert_cmpuint(want->len, ==, 171);
    g_assert_cmpuint(got->len, ==, want->len);
    group_map = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < want->len; i++) {
        const Row *w = want->pdata[i], *g = got->pdata[i];
        gpointer mapped;

        g_test_message("row %u: %s %s", i + 1, w->sha12, w->subject);
        g_assert_cmpstr(g->section, ==, w->section);
        g_assert_cmpstr(g->sha12, ==, w->sha12);
        g_assert_cmpstr(g->subject, ==, w->subject);
        g_assert_cmpstr(g->month, ==, w->month);
        g_assert_cmpstr(g->min_release, ==, w->min_release);
        g_assert_cmpstr(g->impact, ==, w->impact);
        /* The same partition into groups, whatever the numbers. */
        if (g_hash_table_lookup_extended(group_map, GUINT_TO_POINTER(w->group),
                                         NULL, &mapped)) {
            g_assert_cmpuint(GPOINTER_TO_UINT(mapped), ==, g->group);
        } else {
            g_assert_false(g_hash_table_lookup_extended(
                back_map, GUINT_TO_POINTER(g->group), NULL, NULL));
            g_hash_table_insert(group_map, GUINT_TO_POINTER(w->group),
                                GUINT_TO_POINTER(g->group));
            g_hash_table_insert(back_map, GUINT_TO_POINTER(g->group),
                                GUINT_TO_POINTER(w->group));
        }
    }
    /* The page's 17 month headings, and the Workarounds without one. */
    g_assert_cmpuint(g_hash_table_size(group_map), ==, 18);
}

/* What the vendor's page lacks: state, evidence, patch and test. */
static void test_markdown_extras(void)
{
    g_autoptr(QfSeries) s = fx_load_real_series();
    g_autofree char *md = qf_table_render(s, QF_TABLE_MARKDOWN);

    g_assert_nonnull(strstr(md, "| in base since v9.0.0 | ancestry v9.0.0 |"));
    g_assert_nonnull(strstr(md, "applied as patch patches/0101-"));
    g_assert_nonnull(strstr(md, "`tests/qemu/gi-order.sh`"));
    g_assert_nonnull(strstr(md, "`tests/qemu/egm-dsdt.sh`"));
    g_assert_nonnull(strstr(md, "## Downstream entries"));
    g_assert_nonnull(strstr(md, "`pc-bios-skip-missing-edk2`"));
}

static void test_json_rows(void)
{
    g_autoptr(QfSeries) s = fx_load_real_series();
    g_autofree char *text = qf_table_render(s, QF_TABLE_JSON);
    g_autoptr(GError) error = NULL;
    g_autoptr(QfJson) json =
        qf_json_parse(text, strlen(text), "table.json", &error);
    QfJson *rows, *first;

    g_assert_no_error(error);
    g_assert_cmpstr(qf_json_member(json, "base")->string, ==, s->base_version);
    rows = qf_json_member(json, "rows");
    g_assert_cmpuint(rows->items->len, ==, 171);
    first = rows->items->pdata[0];
    g_assert_cmpstr(qf_json_member(first, "commit")->string, ==,
                    "b64b7ed8bb5d");
    g_assert_cmpstr(qf_json_member(first, "state")->string, ==, "in-base");
    g_assert_cmpstr(qf_json_member(first, "evidence_kind")->string, ==,
                    "ancestry");
    g_assert_cmpstr(qf_json_member(rows->items->pdata[170], "state")->string,
                    ==, "patch");
    g_assert_cmpuint(qf_json_member(json, "downstream")->items->len, >=, 1);
}

static guint count(const char *hay, const char *needle)
{
    guint n = 0;

    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

/* Standalone: every row, a script, no external asset. */
static void test_html_standalone(void)
{
    g_autoptr(QfSeries) s = fx_load_real_series();
    g_autofree char *html = qf_table_render(s, QF_TABLE_HTML);

    g_assert_cmpuint(count(html, "<tr class=\""), ==, 171);
    g_assert_cmpuint(count(html, "<script>"), ==, 1);
    g_assert_null(strstr(html, "src="));
    g_assert_null(strstr(html, "href="));
    g_assert_null(strstr(html, "@import"));
    g_assert_nonnull(strstr(html, "id=\"section\""));
    g_assert_nonnull(strstr(html, "id=\"state\""));
}

static void test_row_state(void)
{
    static const char text[] =
        "base 11.1.1\nsection S\ngroup -\n  min-release v11.0\n"
        "upstream 0123456789ab\n  subject in by release\n"
        "  first-release v10.0.0\n  evidence ancestry v10.0.0\n"
        "upstream 0123456789ac\n  subject in by content\n"
        "  evidence content 11.1.1 (1 file, 1 hunk)\n"
        "upstream 0123456789ad\n  subject too new\n  first-release v12.0.0\n"
        "upstream 0123456789ae\n  subject backported\n"
        "  first-release v12.0.0\n  patch patches/b.patch\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(QfSeries) s =
        qf_series_parse(text, strlen(text), "s.conf", &error);
    static const struct {
        QfRowState state;
        const char *text;
    } want[] = {
        {QF_ROW_IN_BASE, "in base since v10.0.0"},
        {QF_ROW_IN_BASE, "in base (its change is in the 11.1.1 tree)"},
        {QF_ROW_PENDING, "pending: first released in v12.0.0, after base"},
        {QF_ROW_PATCH, "applied as patch patches/b.patch"},
    };

    g_assert_no_error(error);
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        g_autofree char *t = NULL;
        QfRowState st = qf_table_row_state(s, s->entries->pdata[i], &t);

        g_assert_cmpint(st, ==, want[i].state);
        g_assert_true(g_str_has_prefix(t, want[i].text));
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/table/markdown/seed", test_markdown_matches_seed);
    g_test_add_func("/table/markdown/extras", test_markdown_extras);
    g_test_add_func("/table/json/rows", test_json_rows);
    g_test_add_func("/table/html/standalone", test_html_standalone);
    g_test_add_func("/table/state", test_row_state);
    return g_test_run();
}
