/*
 * Unit tests of qf_series_lint() on fixture directories the tests create:
 * series <-> patches/ consistency, patch headers and provenance, table
 * order with and without the facts table.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-test-fixture.h"

#include "qf-lint.h"
#include "qf-series.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#define MBOX "From 0000000000000000000000000000000000000000 " \
    "Mon Sep 17 00:00:00 2001\n"
#define FROM "From: A U Thor <author@example.org>\n"
#define DATE "Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
#define SUBJECT "Subject: [PATCH] area: do a thing\n"
#define SOB "Signed-off-by: A U Thor <author@example.org>\n"
#define DIFF "---\n a | 1 +\n 1 file changed\n\n" \
    "diff --git a/a b/a\n--- a/a\n+++ b/a\n@@ -0,0 +1 @@\n+x\n"
#define HEADER MBOX FROM DATE SUBJECT "\nWhat was wrong and why.\n\n"

static const char good_downstream[] =
    HEADER "Downstream-only: upstream has no such problem.\n" SOB DIFF;
static const char good_backport[] =
    HEADER "(cherry picked from commit "
    "0a5b5acdf2d8c7302ca48d42e6ef3423e1b956d5)\n" SOB DIFF;
static const char good_sauce[] =
    HEADER "Qfork-Sauce: 70ac94ebadd5\n" SOB DIFF;

#define SERIES_CONF \
    "base 1.0.0\n"                                          /* 1 */ \
    "section Build fixes\n" \
    "downstream fix\n"                                      /* 3 */ \
    "  patch patches/0001-fix.patch\n" \
    "section Rows\n"                                        /* 5 */ \
    "group March 2024\n" \
    "  min-release v9.0\n" \
    "upstream b64b7ed8bb5d\n"                               /* 8 */ \
    "  commit b64b7ed8bb5d475eab3b4188ef0076e332937c62\n" \
    "  subject qom: new object\n" \
    "  first-release v9.0.0\n" \
    "upstream 0a5b5acdf2d8\n"                               /* 12 */ \
    "  commit 0a5b5acdf2d8c7302ca48d42e6ef3423e1b956d5\n" \
    "  subject hw/acpi: a backport\n" \
    "  patch patches/0002-backport.patch\n"                 /* 15 */ \
    "section Workarounds\n" \
    "sauce 70ac94ebadd5\n"                                  /* 17 */ \
    "  subject NVIDIA: SAUCE: x\n" \
    "  patch patches/0101-sauce.patch\n"                   /* 19 */
static const char series_conf[] = SERIES_CONF;

#define FACTS_HEADER "index\tsection\tml_month\tsha12\tfull_sha\t" \
    "seed_subject\tupstream_subject\tseed_min_release\t" \
    "actual_first_release\tactual_first_rc\tauthor\tauthor_date\n"
#define FACTS_1 "1\tRows\tMarch 2024\tb64b7ed8bb5d\t" \
    "b64b7ed8bb5d475eab3b4188ef0076e332937c62\tqom: new object\t" \
    "qom: new object\tv9.0\tv9.0.0\tv9.0.0-rc0\tA <a@b>\t2024\n"
#define FACTS_2 "2\tRows\t\t0a5b5acdf2d8\t" \
    "0a5b5acdf2d8c7302ca48d42e6ef3423e1b956d5\thw/acpi: a backport\t" \
    "hw/acpi: a backport\tv9.0\tpost-v10.2.0 (on master)\t\tA <a@b>\t2024\n"
#define FACTS_3 "3\tWorkarounds\t\t70ac94ebadd5\t\tNVIDIA: SAUCE: x\t" \
    "\t\t\t\t\t\n"

typedef struct Fixture {
    char *dir;
} Fixture;

static void put(Fixture *f, const char *rel, const char *content)
{
    g_autofree char *path = g_build_filename(f->dir, rel, NULL);
    g_autofree char *parent = g_path_get_dirname(path);
    FILE *file;

    g_assert_cmpint(g_mkdir_with_parents(parent, 0755), ==, 0);
    /* Plain stdio: g_file_set_contents() fsyncs, slow for scratch files. */
    file = fopen(path, "w");
    g_assert_nonnull(file);
    g_assert_cmpint(fputs(content, file), >=, 0);
    g_assert_cmpint(fclose(file), ==, 0);
}

/* The fixture every test starts from: lint finds nothing wrong. */
static void fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    (void)data;
    f->dir = g_dir_make_tmp("qf-lint-XXXXXX", &error);
    g_assert_no_error(error);
    put(f, "series.conf", series_conf);
    put(f, "patches/0001-fix.patch", good_downstream);
    put(f, "patches/0002-backport.patch", good_backport);
    put(f, "patches/0101-sauce.patch", good_sauce);
    put(f, "patches/README", "not a patch\n");
    put(f, "facts.tsv", FACTS_HEADER FACTS_1 FACTS_2 FACTS_3);
}

static void fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    fx_rm_rf(f->dir);
    g_free(f->dir);
}

static gint strcmp_ptr(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Lint the fixture and compare the problems with @want (NULL-terminated),
 * in any order.
 */
static void assert_lint(Fixture *f, const char *facts, const char *const *want)
{
    g_autofree char *conf = g_build_filename(f->dir, "series.conf", NULL);
    g_autofree char *facts_path = facts ? g_build_filename(f->dir, facts,
                                                           NULL) : NULL;
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) expected = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(QfSeries) s = qf_series_load(conf, &error);
    gboolean clean;

    g_assert_no_error(error);
    clean = qf_series_lint(s, facts_path, problems);
    for (guint i = 0; want[i]; i++) {
        g_ptr_array_add(expected, (gpointer)want[i]);
    }
    g_ptr_array_sort(problems, strcmp_ptr);
    g_ptr_array_sort(expected, strcmp_ptr);
    for (guint i = 0; i < problems->len; i++) {
        g_test_message("problem: %s", (char *)g_ptr_array_index(problems, i));
    }
    g_assert_cmpuint(problems->len, ==, expected->len);
    for (guint i = 0; i < problems->len; i++) {
        g_assert_cmpstr(g_ptr_array_index(problems, i), ==,
                        g_ptr_array_index(expected, i));
    }
    g_assert_true(clean == (expected->len == 0));
}

#define NONE ((const char *const[]){ NULL })
#define PROBLEMS(...) ((const char *const[]){ __VA_ARGS__, NULL })

static void test_clean(Fixture *f, gconstpointer data)
{
    (void)data;
    assert_lint(f, NULL, NONE);
    assert_lint(f, "facts.tsv", NONE);
}

/* The lead's own patch style: a folded From: header. */
static void test_folded_header(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "patches/0001-fix.patch", MBOX "From: A long name\n"
        " <author@example.org>\n" DATE SUBJECT "\nWhy.\n\n"
        "Downstream-only: reason\n" SOB DIFF);
    assert_lint(f, NULL, NONE);
}

static void test_missing_patch(Fixture *f, gconstpointer data)
{
    g_autofree char *path = g_build_filename(f->dir, "patches",
                                             "0101-sauce.patch", NULL);

    (void)data;
    g_unlink(path);
    assert_lint(f, NULL, PROBLEMS(
        "series.conf:19: patch file patches/0101-sauce.patch of sauce entry "
        "70ac94ebadd5 does not exist"));
}

static void test_orphans(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "patches/0003-extra.patch", good_downstream);
    put(f, "patches/old/0004-older.patch", good_downstream);
    put(f, "patches/old/notes.txt", "not a patch\n");
    assert_lint(f, NULL, PROBLEMS(
        "patches/0003-extra.patch: not listed in series.conf",
        "patches/old/0004-older.patch: not listed in series.conf"));
}

static void test_listed_twice(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "series.conf", "base 1.0.0\n"
        "downstream a\n  patch patches/0001-fix.patch\n"
        "downstream b\n  patch ./patches//0001-fix.patch\n"
        "upstream 0a5b5acdf2d8\n  subject s\n"
        "  patch patches/0002-backport.patch\n"
        "sauce 70ac94ebadd5\n  subject s\n"
        "  patch patches/0101-sauce.patch\n");
    assert_lint(f, NULL, PROBLEMS(
        "series.conf:5: ./patches//0001-fix.patch is listed twice "
        "(first at line 3)"));
}

static void test_headers(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "patches/0001-fix.patch", MBOX DATE SUBJECT
        "\nDownstream-only: x\n" SOB DIFF);
    put(f, "patches/0002-backport.patch", MBOX FROM "\n"
        "Upstream: 0a5b5acdf2d8\n" SOB DIFF);
    /* A Signed-off-by: after "---" is not in the message. */
    put(f, "patches/0101-sauce.patch", HEADER "Qfork-Sauce: 70ac94ebadd5\n"
        "---\n" SOB "diff --git a/a b/a\n");
    assert_lint(f, NULL, PROBLEMS(
        "patches/0001-fix.patch: no From: header (the author)",
        "patches/0002-backport.patch: no Date: header",
        "patches/0002-backport.patch: no Subject: header",
        "patches/0101-sauce.patch: no Signed-off-by: trailer in its message"));
}

static void test_no_header(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "patches/0001-fix.patch", "diff --git a/a b/a\n--- a/a\n"
        "+++ b/a\n@@ -0,0 +1 @@\n+x\n");
    put(f, "patches/0002-backport.patch", "");
    assert_lint(f, NULL, PROBLEMS(
        "patches/0001-fix.patch: no mail header (From:, Date:, Subject:); "
        "write it with git format-patch",
        "patches/0002-backport.patch: no mail header (From:, Date:, "
        "Subject:); write it with git format-patch"));
}

static void test_empty_header_values(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "patches/0001-fix.patch", MBOX "From: \nDate:\n" SUBJECT
        "\nDownstream-only: x\nSigned-off-by:   \n" DIFF);
    assert_lint(f, NULL, PROBLEMS(
        "patches/0001-fix.patch: no From: header (the author)",
        "patches/0001-fix.patch: no Date: header",
        "patches/0001-fix.patch: no Signed-off-by: trailer in its message"));
}

static void test_provenance_missing(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "patches/0001-fix.patch", HEADER SOB DIFF);
    put(f, "patches/0002-backport.patch", HEADER SOB DIFF);
    /* The sha12 glued into a longer word does not name the row. */
    put(f, "patches/0101-sauce.patch", HEADER "See 70ac94ebadd5ff.\n" SOB
        DIFF);
    assert_lint(f, NULL, PROBLEMS(
        "patches/0001-fix.patch: no 'Downstream-only: REASON' line for "
        "downstream entry fix",
        "patches/0002-backport.patch: no provenance for upstream row "
        "0a5b5acdf2d8: add 'Upstream: "
        "0a5b5acdf2d8c7302ca48d42e6ef3423e1b956d5' or '(cherry picked from "
        "commit 0a5b5acdf2d8c7302ca48d42e6ef3423e1b956d5)'",
        "patches/0101-sauce.patch: no line of its message names the SAUCE "
        "row 70ac94ebadd5 it implements (e.g. 'Qfork-Sauce: "
        "70ac94ebadd5')"));
}

static void test_provenance_forms(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "patches/0002-backport.patch", HEADER "Upstream: 0a5b5acdf2d8\n"
        SOB DIFF);
    put(f, "patches/0101-sauce.patch", HEADER
        "This implements the SAUCE row 70ac94ebadd5.\n" SOB DIFF);
    assert_lint(f, NULL, NONE);
}

static void test_provenance_wrong(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "patches/0002-backport.patch", HEADER
        "Upstream: b64b7ed8bb5d475eab3b4188ef0076e332937c62\n" SOB DIFF);
    put(f, "patches/0101-sauce.patch", HEADER "Qfork-Sauce: 338211ae1e03\n"
        SOB DIFF);
    assert_lint(f, NULL, PROBLEMS(
        "patches/0002-backport.patch: its provenance names "
        "b64b7ed8bb5d475eab3b4188ef0076e332937c62, not upstream row "
        "0a5b5acdf2d8",
        "patches/0101-sauce.patch: no line of its message names the SAUCE "
        "row 70ac94ebadd5 it implements (e.g. 'Qfork-Sauce: "
        "70ac94ebadd5')"));
    /* Right sha12, wrong full sha. */
    put(f, "patches/0002-backport.patch", HEADER
        "Upstream: 0a5b5acdf2d8ffffffffffffffffffffffffffff\n" SOB DIFF);
    put(f, "patches/0101-sauce.patch", good_sauce);
    assert_lint(f, NULL, PROBLEMS(
        "patches/0002-backport.patch: its provenance names "
        "0a5b5acdf2d8ffffffffffffffffffffffffffff, not upstream row "
        "0a5b5acdf2d8"));
}

static void test_sections_contiguous(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "series.conf", SERIES_CONF
        "section Build fixes\n"                             /* 20 */
        "downstream fix-2\n"                                /* 21 */
        "  patch patches/0003-fix.patch\n");
    put(f, "patches/0003-fix.patch", good_downstream);
    assert_lint(f, NULL, PROBLEMS(
        "series.conf:21: section 'Build fixes' appears again (first at "
        "line 3): a table section is one block"));
}

static void test_facts_order(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "facts.tsv", FACTS_HEADER FACTS_2 FACTS_1 FACTS_3);
    assert_lint(f, "facts.tsv", PROBLEMS(
        "series.conf:12: table row 0a5b5acdf2d8 (facts.tsv row 2) is out of "
        "table order: it comes after b64b7ed8bb5d (row 1)",
        /* Now the group's first row in the table has no month. */
        "series.conf:12: month of 0a5b5acdf2d8 is 'March 2024'; the facts "
        "table has none"));
}

static void test_facts_rows(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "facts.tsv", FACTS_HEADER FACTS_1 FACTS_3
        "4\tWorkarounds\t\t338211ae1e03\t\tNVIDIA: SAUCE: y\t\t\t\t\t\t\n");
    assert_lint(f, "facts.tsv", PROBLEMS(
        "series.conf:12: table row 0a5b5acdf2d8 is not in facts.tsv",
        "series.conf: table row 338211ae1e03 (facts.tsv row 4: "
        "NVIDIA: SAUCE: y) is missing"));
}

static void test_facts_fields(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "facts.tsv", FACTS_HEADER
        "1\tRows\tApril 2024\tb64b7ed8bb5d\t"
        "b64b7ed8bb5d475eab3b4188ef0076e332937c62\tqom: other\t"
        "qom: new object\tv9.1\tv9.1.0\tv9.1.0-rc0\tA <a@b>\t2024\n"
        FACTS_2 FACTS_3);
    assert_lint(f, "facts.tsv", PROBLEMS(
        "series.conf:8: month of b64b7ed8bb5d is 'March 2024'; the facts "
        "table says 'April 2024'",
        "series.conf:8: min-release of b64b7ed8bb5d is 'v9.0'; the facts "
        "table says 'v9.1'",
        "series.conf:8: subject of b64b7ed8bb5d is 'qom: new object'; the "
        "facts table says 'qom: other'",
        "series.conf:8: first-release of b64b7ed8bb5d is 'v9.0.0'; the "
        "facts table says 'v9.1.0'",
        /* Row 2 takes row 1's month; min-release is on every row. */
        "series.conf:12: month of 0a5b5acdf2d8 is 'March 2024'; the facts "
        "table says 'April 2024'"));
}

static void test_facts_bad_file(Fixture *f, gconstpointer data)
{
    (void)data;
    put(f, "facts.tsv", "index\tsection\n1\tRows\n");
    assert_lint(f, "facts.tsv", PROBLEMS(
        "facts.tsv:1: no 'ml_month' column"));
    put(f, "facts.tsv", FACTS_HEADER "1\tRows\n");
    assert_lint(f, "facts.tsv", PROBLEMS(
        "facts.tsv:2: 2 fields, the header has 12"));
}

int main(int argc, char **argv)
{
    static const struct {
        const char *path;
        void (*fn)(Fixture *, gconstpointer);
    } tests[] = {
        { "/lint/clean", test_clean },
        { "/lint/folded-header", test_folded_header },
        { "/lint/missing-patch", test_missing_patch },
        { "/lint/orphans", test_orphans },
        { "/lint/listed-twice", test_listed_twice },
        { "/lint/headers", test_headers },
        { "/lint/no-header", test_no_header },
        { "/lint/empty-header-values", test_empty_header_values },
        { "/lint/provenance/missing", test_provenance_missing },
        { "/lint/provenance/forms", test_provenance_forms },
        { "/lint/provenance/wrong", test_provenance_wrong },
        { "/lint/order/sections", test_sections_contiguous },
        { "/lint/order/facts", test_facts_order },
        { "/lint/facts/rows", test_facts_rows },
        { "/lint/facts/fields", test_facts_fields },
        { "/lint/facts/bad-file", test_facts_bad_file },
    };

    g_test_init(&argc, &argv, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(tests); i++) {
        g_test_add(tests[i].path, Fixture, NULL, fixture_setup, tests[i].fn,
                   fixture_teardown);
    }
    return g_test_run();
}
