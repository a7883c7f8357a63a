/*
 * Unit tests of qf-evidence: the content check on real git trees (a
 * change present, reverted, changed since, moved, binary), and the
 * verifier over a fixture upstream git with release tags, a commit after
 * the last tag, and a mailing-list copy on a branch of its own.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-evidence.h"
#include "qf-test-fixture.h"

#include <string.h>

/* Lines "line N" for N in [1, 40], with @extra inserted after line @at. */
static char *numbered(guint at, const char *extra)
{
    GString *s = g_string_new(NULL);

    for (guint i = 1; i <= 40; i++) {
        g_string_append_printf(s, "    line %u;\n", i);
        if (i == at && extra) {
            g_string_append(s, extra);
        }
    }
    return g_string_free(s, FALSE);
}

#define FROB "    frob_init();\n    frob_start(1);\n"
#define FROB_LATER "    frob_init();\n    frob_start(2);\n"

typedef struct Upstream {
    char *dir;
    char *frob;  /* hw/foo: add the frob (released in v1.1.0) */
    char *bar;   /* hw/bar: a new file (released in v1.1.0) */
    char *later; /* hw/foo: start the frob with 2 (after every tag) */
    char *copy;  /* on branch list/qux only: a mailing-list copy */
} Upstream;

static char *head(const char *dir)
{
    char *out = fx_git(dir, "rev-parse", "HEAD");

    return g_strstrip(out);
}

static void upstream_init(Upstream *u)
{
    g_autofree char *v0 = numbered(0, NULL);
    g_autofree char *v1 = numbered(20, FROB);
    g_autofree char *v2 = numbered(20, FROB_LATER);

    fx_git_env();
    u->dir = fx_git_init();
    fx_write(u->dir, "hw/foo.c", v0, -1);
    fx_git_commit_all(u->dir, "initial");
    g_free(fx_git(u->dir, "tag", "v1.0.0"));
    fx_write(u->dir, "hw/foo.c", v1, -1);
    fx_git_commit_all(u->dir, "hw/foo: add the frob");
    u->frob = head(u->dir);
    fx_write(u->dir, "hw/bar.c", "int bar;\n", -1);
    fx_git_commit_all(u->dir, "hw/bar: a new file");
    u->bar = head(u->dir);
    g_free(fx_git(u->dir, "tag", "v1.1.0"));
    fx_write(u->dir, "hw/foo.c", v2, -1);
    fx_git_commit_all(u->dir, "hw/foo: start the frob with 2");
    u->later = head(u->dir);
    g_free(fx_git(u->dir, "checkout", "-q", "-b", "list/qux"));
    fx_write(u->dir, "hw/qux.c", "int qux;\nint quux;\n", -1);
    fx_git_commit_all(u->dir, "hw/qux: from the list");
    u->copy = head(u->dir);
    g_free(fx_git(u->dir, "checkout", "-q", "main"));
}

static void upstream_clear(Upstream *u)
{
    fx_rm_rf(u->dir);
    g_free(u->dir);
    g_free(u->frob);
    g_free(u->bar);
    g_free(u->later);
    g_free(u->copy);
}

/* The content check of @commit's diff on the files of @tree. */
static QfContentResult *check(const Upstream *u, const char *commit,
                              const char *tree)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(QfPatch) change = qf_evidence_commit_diff(u->dir, commit, &error);
    QfBaseTree base = {.dir = tree};
    QfContentResult *r;

    g_assert_no_error(error);
    r = qf_evidence_content(&base, change, &error);
    g_assert_no_error(error);
    for (guint i = 0; i < r->notes->len; i++) {
        g_test_message("%s", (char *)r->notes->pdata[i]);
    }
    return r;
}

static void test_content_present(void)
{
    Upstream u = {0};
    g_autofree char *tree = NULL;
    g_autoptr(QfContentResult) r = NULL;

    FX_SKIP_WITHOUT_GIT();
    upstream_init(&u);
    tree = fx_git_checkout_copy(u.dir, "v1.1.0");
    r = check(&u, u.frob, tree);
    g_assert_cmpstr(qf_content_verdict_name(r->verdict), ==, "present");
    g_assert_cmpuint(r->files, ==, 1);
    g_assert_cmpuint(r->hunks, ==, 1);
    g_assert_cmpuint(r->present, ==, 1);
    fx_rm_rf(tree);
    upstream_clear(&u);
}

/* The base with the row's commit reverted: its old side is back. */
static void test_content_reverted(void)
{
    Upstream u = {0};
    g_autofree char *tree = NULL;
    g_autoptr(QfContentResult) r = NULL;
    g_autoptr(QfContentResult) created = NULL;

    FX_SKIP_WITHOUT_GIT();
    upstream_init(&u);
    g_free(fx_git(u.dir, "checkout", "-q", "-b", "reverted", "v1.1.0"));
    g_free(fx_git(u.dir, "revert", "--no-edit", u.frob));
    g_free(fx_git(u.dir, "revert", "--no-edit", u.bar));
    tree = fx_git_checkout_copy(u.dir, "reverted");
    r = check(&u, u.frob, tree);
    g_assert_cmpstr(qf_content_verdict_name(r->verdict), ==, "absent");
    g_assert_cmpuint(r->present, ==, 0);
    g_assert_cmpuint(r->absent, ==, 1);
    g_assert_nonnull(strstr(r->notes->pdata[0], "hw/foo.c: hunk #1 absent"));
    /* A created file that is gone again is absent too. */
    created = check(&u, u.bar, tree);
    g_assert_cmpstr(qf_content_verdict_name(created->verdict), ==, "absent");
    fx_rm_rf(tree);
    upstream_clear(&u);
}

/* A later commit changed an added line: neither side is there. */
static void test_content_changed_since(void)
{
    Upstream u = {0};
    g_autofree char *tree = NULL;
    g_autoptr(QfContentResult) r = NULL;

    FX_SKIP_WITHOUT_GIT();
    upstream_init(&u);
    tree = fx_git_checkout_copy(u.dir, u.later);
    r = check(&u, u.frob, tree);
    g_assert_cmpstr(qf_content_verdict_name(r->verdict), ==, "partial");
    g_assert_cmpuint(r->present, ==, 0);
    g_assert_cmpuint(r->absent, ==, 0);
    g_assert_nonnull(strstr(r->notes->pdata[0], "changed since"));
    fx_rm_rf(tree);
    upstream_clear(&u);
}

/*
 * Context re-indented and a line inserted next to the change: the hunk's
 * new side is no longer there as a block, but its added lines are, in
 * order, and its old side is gone.
 */
static void test_content_moved(void)
{
    Upstream u = {0};
    g_autofree char *tree = NULL;
    g_autoptr(QfContentResult) r = NULL;
    g_autofree char *moved =
        numbered(20, "  frob_init();\n    unrelated();\n  frob_start(1);\n");

    FX_SKIP_WITHOUT_GIT();
    upstream_init(&u);
    tree = fx_tmpdir();
    fx_write(tree, "hw/foo.c", moved, -1);
    r = check(&u, u.frob, tree);
    g_assert_cmpstr(qf_content_verdict_name(r->verdict), ==, "present");
    fx_rm_rf(tree);
    upstream_clear(&u);
}

/* The tree lacks the file a change modifies (a +ds tarball's removal). */
static void test_content_no_files(void)
{
    Upstream u = {0};
    g_autofree char *tree = NULL;
    g_autoptr(QfContentResult) r = NULL;

    FX_SKIP_WITHOUT_GIT();
    upstream_init(&u);
    tree = fx_tmpdir();
    r = check(&u, u.frob, tree);
    g_assert_cmpstr(qf_content_verdict_name(r->verdict), ==, "no-files");
    g_assert_cmpuint(r->missing_files, ==, 1);
    fx_rm_rf(tree);
    upstream_clear(&u);
}

static void test_content_binary(void)
{
    g_autofree char *dir = NULL, *commit = NULL, *tree = NULL;
    g_autoptr(GBytes) v1 = fx_blob(1, 600), v2 = fx_blob(2, 600);
    g_autoptr(QfPatch) change = NULL;
    g_autoptr(QfContentResult) have = NULL, old = NULL;
    QfBaseTree base = {0};

    FX_SKIP_WITHOUT_GIT();
    fx_git_env();
    dir = fx_git_init();
    fx_write_bytes(dir, "tests/data/acpi/IORT", v1);
    fx_git_commit_all(dir, "IORT v1");
    fx_write_bytes(dir, "tests/data/acpi/IORT", v2);
    fx_git_commit_all(dir, "tests: update the IORT blob");
    commit = head(dir);
    change = qf_evidence_commit_diff(dir, commit, NULL);
    g_assert_nonnull(change);
    base.dir = dir;
    have = qf_evidence_content(&base, change, NULL);
    g_assert_cmpstr(qf_content_verdict_name(have->verdict), ==, "present");
    tree = fx_tmpdir();
    fx_write_bytes(tree, "tests/data/acpi/IORT", v1);
    base.dir = tree;
    old = qf_evidence_content(&base, change, NULL);
    g_assert_cmpstr(qf_content_verdict_name(old->verdict), ==, "absent");
    fx_rm_rf(tree);
    fx_rm_rf(dir);
}

/* ---- the verifier ------------------------------------------------------- */

static QfSeries *fixture_series(const Upstream *u, const char *base)
{
    g_autofree char *text = g_strdup_printf(
        "base %s\nsection S\ngroup March 2024\n  min-release v1.0\n"
        "upstream %.12s\n  commit %s\n  subject hw/foo: add the frob\n"
        "upstream %.12s\n  subject hw/foo: start the frob with 2\n"
        "upstream 0123456789ab\n  subject hw/qux: from the list\n"
        "upstream 0123456789ac\n  subject hw/none: nowhere at all\n"
        "  evidence content 1.1.0 (1 file, 1 hunk)\n",
        base, u->frob, u->frob, u->later);
    g_autoptr(GError) error = NULL;
    QfSeries *s = qf_series_parse(text, strlen(text), "series.conf", &error);

    g_assert_no_error(error);
    return s;
}

static void test_verify_rows(void)
{
    Upstream u = {0};
    g_autofree char *tree = NULL, *edited = NULL;
    g_autoptr(QfSeries) s = NULL, again = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    g_autoptr(GError) error = NULL;
    const QfRowEvidence *r;
    QfVerifyOptions opts = {0};
    guint changed;

    FX_SKIP_WITHOUT_GIT();
    upstream_init(&u);
    /* Base 1.2.0: after every tag of the fixture, and not tagged there. */
    g_free(fx_git(u.dir, "checkout", "-q", "-b", "base", u.later));
    fx_write(u.dir, "hw/qux.c", "int qux;\nint quux;\n", -1);
    fx_git_commit_all(u.dir, "hw/qux: as merged");
    g_free(fx_git(u.dir, "checkout", "-q", "main"));
    tree = fx_git_checkout_copy(u.dir, "base");
    s = fixture_series(&u, "1.2.0");
    opts = (QfVerifyOptions){
        .upstream = u.dir, .base_version = "1.2.0", .base = {.dir = tree}};
    rows = qf_verify_series(s, &opts, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rows->len, ==, 4);

    r = rows->pdata[0];
    g_assert_cmpint(r->kind, ==, QF_EVIDENCE_ANCESTRY);
    g_assert_true(r->in_base);
    g_assert_cmpstr(r->evidence, ==, "ancestry v1.1.0");

    r = rows->pdata[1];
    g_assert_cmpint(r->kind, ==, QF_EVIDENCE_CONTENT);
    g_assert_true(r->in_base);
    g_assert_true(g_str_has_prefix(r->evidence, "content 1.2.0 (1 file, 1 "
                                                "hunk) from upstream commit"));

    r = rows->pdata[2];
    g_assert_cmpint(r->kind, ==, QF_EVIDENCE_CONTENT);
    g_assert_cmpstr(r->commit, ==, u.copy);
    g_assert_nonnull(strstr(r->evidence, "from list copy"));

    r = rows->pdata[3];
    g_assert_cmpint(r->kind, ==, QF_EVIDENCE_OPEN);
    g_assert_nonnull(strstr(r->detail, "neither the commit nor a copy"));

    /* Recorded: ancestry with its first-release; a proof is kept. */
    edited = qf_verify_edit_series(
        "base 1.2.0\nsection S\ngroup March 2024\n  min-release v1.0\n", s,
        rows, &changed, &error);
    g_assert_null(edited);
    g_clear_error(&error);
    {
        g_autofree char *text = g_strdup_printf(
            "base 1.2.0\nsection S\ngroup March 2024\n  min-release v1.0\n"
            "upstream %.12s\n  commit %s\n  subject hw/foo: add the frob\n"
            "upstream %.12s\n  subject hw/foo: start the frob with 2\n"
            "upstream 0123456789ab\n  subject hw/qux: from the list\n"
            "upstream 0123456789ac\n  subject hw/none: nowhere at all\n"
            "  evidence content 1.1.0 (1 file, 1 hunk)\n",
            u.frob, u.frob, u.later);

        edited = qf_verify_edit_series(text, s, rows, &changed, &error);
    }
    g_assert_no_error(error);
    g_assert_cmpuint(changed, ==, 3);
    again = qf_series_parse(edited, strlen(edited), "series.conf", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(((QfEntry *)again->entries->pdata[0])->first_release, ==,
                    "v1.1.0");
    g_assert_cmpint(((QfEntry *)again->entries->pdata[0])->evidence, ==,
                    QF_EVIDENCE_ANCESTRY);
    g_assert_cmpint(((QfEntry *)again->entries->pdata[3])->evidence, ==,
                    QF_EVIDENCE_CONTENT);
    fx_rm_rf(tree);
    upstream_clear(&u);
}

/*
 * A row whose own lines a later commit changed is proven by that
 * descendant, when the descendant's change is in the base.
 */
static void test_verify_descendant(void)
{
    Upstream u = {0};
    g_autofree char *tree = NULL;
    g_autoptr(QfSeries) s = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) only = g_ptr_array_new();
    const QfRowEvidence *r;
    QfVerifyOptions opts = {0};
    g_autofree char *v3 = numbered(20, FROB_LATER "    frob_stop();\n");

    FX_SKIP_WITHOUT_GIT();
    upstream_init(&u);
    /* Untag the frob so that only content can speak for it. */
    g_free(fx_git(u.dir, "tag", "-d", "v1.1.0"));
    fx_write(u.dir, "hw/foo.c", v3, -1);
    fx_write(u.dir, "hw/bar.c", "int bar;\nint baz;\n", -1);
    fx_write(u.dir, "hw/a.c", "int a;\n", -1);
    fx_write(u.dir, "hw/b.c", "int b;\n", -1);
    fx_git_commit_all(u.dir, "hw: stop the frob, baz, a and b");
    tree = fx_git_checkout_copy(u.dir, "main");
    s = fixture_series(&u, "1.2.0");
    g_ptr_array_add(only, s->entries->pdata[0]);
    opts = (QfVerifyOptions){.upstream = u.dir,
                             .base_version = "1.2.0",
                             .base = {.dir = tree},
                             .tip = "main",
                             .only = only};
    rows = qf_verify_series(s, &opts, NULL, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(rows->len, ==, 1);
    r = rows->pdata[0];
    g_test_message("%s", r->detail);
    g_assert_cmpint(r->kind, ==, QF_EVIDENCE_CONTENT);
    g_assert_true(r->in_base);
    g_assert_nonnull(strstr(r->evidence, "of descendant"));
    g_assert_nonnull(strstr(r->evidence, "its own diff: 0 of 1 hunks"));
    fx_rm_rf(tree);
    upstream_clear(&u);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/evidence/content/present", test_content_present);
    g_test_add_func("/evidence/content/reverted", test_content_reverted);
    g_test_add_func("/evidence/content/changed-since",
                    test_content_changed_since);
    g_test_add_func("/evidence/content/moved", test_content_moved);
    g_test_add_func("/evidence/content/no-files", test_content_no_files);
    g_test_add_func("/evidence/content/binary", test_content_binary);
    g_test_add_func("/evidence/verify/rows", test_verify_rows);
    g_test_add_func("/evidence/verify/descendant", test_verify_descendant);
    return g_test_run();
}
