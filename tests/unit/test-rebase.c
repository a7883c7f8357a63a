/*
 * Unit tests of the rebase's parts (qf-rebase, qf-refresh, the report):
 * stable patch regeneration, classification of a patch on a tree, the
 * three-way merge, series.conf edits and the upstream git queries, on
 * real git repositories made in temporary directories.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-test-fixture.h"

#include "qf-error.h"
#include "qf-json.h"
#include "qf-rebase.h"
#include "qf-refresh.h"
#include "qf-series-edit.h"

/* "name line i" for i in 1..n, with line @at replaced by @text. */
static char *numbered(const char *name, guint n, guint at, const char *text)
{
    GString *s = g_string_new(NULL);

    for (guint i = 1; i <= n; i++) {
        if (i == at) {
            g_string_append_printf(s, "%s\n", text);
        } else {
            g_string_append_printf(s, "%s line %u\n", name, i);
        }
    }
    return g_string_free(s, FALSE);
}

static void commit_as(const char *dir, const char *msg, const char *date)
{
    g_setenv("GIT_AUTHOR_DATE", date, TRUE);
    g_setenv("GIT_COMMITTER_DATE", date, TRUE);
    fx_git_commit_all(dir, msg);
}

/*
 * A repository: a.c (40 lines, line 21 blank), then line 20 changed by
 * "Jörg Dev".  The blank context line is where diff.suppressBlankEmpty
 * would change the patch.
 */
static char *make_change_repo(const char *committer_date)
{
    char *repo = fx_git_init();
    g_autofree char *v1 = numbered("a.c", 40, 21, "");
    GString *v2s = g_string_new(v1);
    g_autofree char *v2 = NULL;

    g_string_replace(v2s, "a.c line 20\n", "changed line 20\n", 1);
    v2 = g_string_free(v2s, FALSE);

    fx_write(repo, "a.c", v1, -1);
    commit_as(repo, "base", committer_date);
    fx_write(repo, "a.c", v2, -1);
    g_setenv("GIT_AUTHOR_NAME", "J\xc3\xb6rg Dev", TRUE);
    commit_as(repo, "a.c: change line 20", committer_date);
    g_setenv("GIT_AUTHOR_NAME", "Test Author", TRUE);
    return repo;
}

static const QfPatchHeader test_header = {
    .author_name = "J\xc3\xb6rg Dev",
    .author_email = "joerg@example.com",
    .date = "Fri, 1 Mar 2024 12:00:00 +0000",
    .subject = "a.c: change line 20 \xe2\x80\x94 for Grace",
    .body = "Why: the line was wrong.\n\nSigned-off-by: J\xc3\xb6rg Dev "
            "<joerg@example.com>\n",
};

/* ---- refresh ------------------------------------------------------------- */

static void test_refresh_layout(void)
{
    g_autofree char *repo = make_change_repo("2024-03-01T12:00:00+0000");
    g_autoptr(GError) error = NULL;
    g_autofree char *text =
        qf_refresh_commit(repo, "HEAD", &test_header, &error);

    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(
        text, "From 0000000000000000000000000000000000000000 Mon Sep 17 "
              "00:00:00 2001\nFrom: =?UTF-8?q?J=C3=B6rg_Dev?= "
              "<joerg@example.com>\nDate: Fri, 1 Mar 2024 12:00:00 +0000\n"
              "Subject: [PATCH] =?UTF-8?q?"));
    g_assert_nonnull(strstr(text, "Content-Type: text/plain; charset=UTF-8\n"));
    g_assert_nonnull(strstr(text, "\n\nWhy: the line was wrong.\n\n"
                                  "Signed-off-by: J\xc3\xb6rg Dev "
                                  "<joerg@example.com>\n---\n"
                                  "diff --git a/a.c b/a.c\nindex "));
    g_assert_true(g_regex_match_simple("\nindex [0-9a-f]{40}\\.\\.[0-9a-f]{40} "
                                       "100644\n",
                                       text, 0, 0));
    g_assert_true(g_str_has_suffix(text, " a.c line 23\n"));
    g_assert_null(strstr(text, "\n-- \n"));
    g_assert_cmpstr(qf_refresh_diff_part(text), ==,
                    strstr(text, "diff --git a/a.c"));
    fx_rm_rf(repo);
}

/*
 * The same change committed at another time, in another repository, gives
 * the same bytes; so does a user configuration that changes git diff's
 * defaults (the refresh must not read it).
 */
static void test_refresh_stable(void)
{
    g_autofree char *r1 = make_change_repo("2024-03-01T12:00:00+0000");
    g_autofree char *r2 = make_change_repo("2031-07-09T08:00:00+0200");
    g_autofree char *home = fx_tmpdir();
    g_autofree char *cfg = g_build_filename(home, ".gitconfig", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *t1 = NULL, *t2 = NULL, *t3 = NULL;
    g_autofree char *id1 = fx_git(r1, "rev-parse", "HEAD");
    g_autofree char *id2 = fx_git(r2, "rev-parse", "HEAD");

    g_assert_cmpstr(id1, !=, id2);
    t1 = qf_refresh_commit(r1, "HEAD", &test_header, &error);
    g_assert_no_error(error);
    t2 = qf_refresh_commit(r2, "HEAD", &test_header, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(t1, ==, t2);
    fx_write(home, ".gitconfig",
             "[diff]\n\tnoprefix = true\n\tcontext = 9\n\talgorithm = "
             "patience\n\tsuppressBlankEmpty = true\n[core]\n\tabbrev = "
             "12\n[color]\n\tui = always\n",
             -1);
    g_setenv("GIT_CONFIG_GLOBAL", cfg, TRUE);
    t3 = qf_refresh_commit(r2, "HEAD", &test_header, &error);
    g_setenv("GIT_CONFIG_GLOBAL", "/dev/null", TRUE);
    g_assert_no_error(error);
    g_assert_cmpstr(t1, ==, t3);
    fx_rm_rf(r1);
    fx_rm_rf(r2);
    fx_rm_rf(home);
}

/*
 * A refreshed patch is a fixed point: parse it, apply it to the base in
 * another repository, commit, refresh again: the same bytes.
 */
static void test_refresh_fixed_point(void)
{
    g_autofree char *repo = make_change_repo("2024-03-01T12:00:00+0000");
    g_autofree char *other = fx_git_checkout_copy(repo, "HEAD^");
    g_autoptr(GError) error = NULL;
    g_autofree char *t1 = qf_refresh_commit(repo, "HEAD", &test_header, &error);
    g_autoptr(QfPatch) patch = NULL;
    g_autoptr(QfApplyResult) r = NULL;
    g_autofree char *t2 = NULL;
    QfPatchHeader h;
    QfApplyOptions opts = {0};

    g_assert_no_error(error);
    patch = qf_patch_parse(t1, strlen(t1), "t1.patch", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(patch->author_name, ==, test_header.author_name);
    g_assert_cmpstr(patch->subject, ==, test_header.subject);
    g_free(fx_git(other, "init", "-q", "-b", "main", "."));
    fx_git_commit_all(other, "base");
    r = qf_apply_prepare(other, patch, &opts, &error);
    g_assert_no_error(error);
    g_assert_true(qf_apply_write(other, r, &error));
    fx_git_commit_all(other, "applied");
    qf_refresh_header_of(patch, &h);
    t2 = qf_refresh_commit(other, "HEAD", &h, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(t1, ==, t2);
    fx_rm_rf(repo);
    fx_rm_rf(other);
}

static void test_refresh_binary(void)
{
    FxBinary b = {0};
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;
    g_autofree char *pre = NULL;
    g_autoptr(QfPatch) patch = NULL;
    g_autoptr(QfApplyResult) r = NULL;
    g_autoptr(GBytes) got = NULL;
    QfApplyOptions opts = {0};

    fx_binary(&b);
    text = qf_refresh_commit(b.repo, "HEAD", NULL, &error);
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(text, "diff --git a/tests/data/acpi"));
    g_assert_nonnull(strstr(text, "GIT binary patch\n"));
    pre = fx_git_checkout_copy(b.repo, "HEAD^");
    patch = qf_patch_parse(text, strlen(text), "bin.patch", &error);
    g_assert_no_error(error);
    r = qf_apply_prepare(pre, patch, &opts, &error);
    g_assert_no_error(error);
    g_assert_true(qf_apply_write(pre, r, &error));
    got = fx_read(pre, "tests/data/acpi/virt/SRAT");
    g_assert_true(g_bytes_equal(got, b.v2));
    fx_rm_rf(pre);
    fx_binary_clear(&b);
}

/* ---- classification of a patch on a tree --------------------------------- */

/* A patch changing @file's line @at to @text, made by git on @n lines. */
static QfPatch *line_patch(const char *file, guint n, guint at,
                           const char *text, char **raw)
{
    g_autofree char *repo = fx_git_init();
    g_autofree char *v1 = numbered(file, n, 0, NULL);
    g_autofree char *v2 = numbered(file, n, at, text);
    g_autoptr(GError) error = NULL;
    QfPatch *patch;

    fx_write(repo, file, v1, -1);
    fx_git_commit_all(repo, "base");
    fx_write(repo, file, v2, -1);
    fx_git_commit_all(repo, "change");
    *raw = fx_git(repo, "format-patch", "--stdout", "-1", "HEAD");
    patch = qf_patch_parse(*raw, strlen(*raw), "p.patch", &error);
    g_assert_no_error(error);
    fx_rm_rf(repo);
    return patch;
}

static void test_try_patch(void)
{
    g_autofree char *tree = fx_tmpdir();
    g_autofree char *raw = NULL;
    g_autoptr(QfPatch) patch = line_patch("f.c", 40, 20, "fork", &raw);
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(QfApplyResult) r = NULL;
    g_autofree char *detail = NULL;
    g_autofree char *same = numbered("f.c", 40, 0, NULL);
    g_autofree char *has = numbered("f.c", 40, 20, "fork");
    g_autofree char *changed = numbered("f.c", 40, 20, "upstream");
    GString *shifted = g_string_new("new 1\nnew 2\n");
    g_autofree char *shifted_text = NULL;

    fx_write(tree, "f.c", same, -1);
    g_assert_cmpint(qf_rebase_try_patch(tree, patch, &r, &detail, notes), ==,
                    QF_REBASE_CLEAN);
    g_assert_nonnull(r);
    g_assert_cmpuint(notes->len, ==, 0);
    g_clear_pointer(&r, qf_apply_result_free);
    g_clear_pointer(&detail, g_free);

    g_string_append(shifted, same);
    shifted_text = g_string_free(shifted, FALSE);
    fx_write(tree, "f.c", shifted_text, -1);
    g_assert_cmpint(qf_rebase_try_patch(tree, patch, &r, &detail, notes), ==,
                    QF_REBASE_OFFSET);
    g_assert_cmpuint(notes->len, ==, 1);
    g_assert_nonnull(strstr(notes->pdata[0], "offset +2"));
    g_clear_pointer(&r, qf_apply_result_free);
    g_clear_pointer(&detail, g_free);
    g_ptr_array_set_size(notes, 0);

    fx_write(tree, "f.c", has, -1);
    g_assert_cmpint(qf_rebase_try_patch(tree, patch, &r, &detail, notes), ==,
                    QF_REBASE_IN_BASE);
    g_assert_null(r);
    g_assert_nonnull(strstr(detail, "reverse-applies"));
    g_clear_pointer(&detail, g_free);

    fx_write(tree, "f.c", changed, -1);
    g_assert_cmpint(qf_rebase_try_patch(tree, patch, &r, &detail, notes), ==,
                    QF_REBASE_CONFLICT);
    g_assert_null(r);
    g_assert_cmpuint(notes->len, ==, 1);
    g_assert_nonnull(
        strstr(notes->pdata[0], "f.c: hunk #1 (@@ -17,7 +17,7 @@"));
    g_assert_nonnull(strstr(notes->pdata[0], "found \"upstream\""));
    fx_rm_rf(tree);
}

/* Only the hunk that does not match is listed, with its own number. */
static void test_failing_hunks(void)
{
    g_autofree char *repo = fx_git_init();
    g_autofree char *v1 = numbered("g.c", 60, 0, NULL);
    g_autofree char *v2a = numbered("g.c", 60, 10, "fork 10");
    g_autofree char *raw = NULL;
    g_autofree char *tree = fx_tmpdir();
    g_autofree char *upstream = numbered("g.c", 60, 50, "upstream 50");
    g_autoptr(QfPatch) patch = NULL;
    g_autoptr(GPtrArray) failing = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) lines = NULL;

    fx_write(repo, "g.c", v1, -1);
    fx_git_commit_all(repo, "base");
    lines = g_strsplit(v2a, "\n", -1);
    g_free(lines[49]);
    lines[49] = g_strdup("fork 50");
    {
        g_autofree char *v2 = g_strjoinv("\n", lines);
        fx_write(repo, "g.c", v2, -1);
    }
    fx_git_commit_all(repo, "two hunks");
    raw = fx_git(repo, "format-patch", "--stdout", "-1", "HEAD");
    patch = qf_patch_parse(raw, strlen(raw), "two.patch", &error);
    g_assert_no_error(error);
    fx_write(tree, "g.c", upstream, -1);
    failing = qf_rebase_failing_hunks(tree, patch);
    g_assert_cmpuint(failing->len, ==, 1);
    g_assert_true(
        g_str_has_prefix(failing->pdata[0], "g.c: hunk #2 (@@ -47,7 +47,7 @@"));
    fx_rm_rf(repo);
    fx_rm_rf(tree);
}

/* ---- three-way merge ----------------------------------------------------- */

static QfGitFile *text_file(const char *text)
{
    QfGitFile *f = g_new0(QfGitFile, 1);

    f->content = g_bytes_new(text, strlen(text));
    f->mode = 0100644;
    return f;
}

static GHashTable *files_table(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                 (GDestroyNotify)qf_git_file_free);
}

static const QfMergeLabels labels = {"new base", "old base", "entry"};

static void test_merge3(void)
{
    g_autofree char *tree = fx_tmpdir();
    g_autoptr(GHashTable) pre = files_table();
    g_autoptr(GHashTable) post = files_table();
    g_autoptr(GPtrArray) paths = g_ptr_array_new();
    g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(QfApplyResult) r = NULL;
    g_autofree char *base = numbered("m.c", 40, 0, NULL);
    g_autofree char *theirs = numbered("m.c", 40, 20, "entry 20");
    g_autofree char *ours = numbered("m.c", 40, 17, "new base 17");
    g_autofree char *ours_conflict = numbered("m.c", 40, 20, "new base 20");
    const QfFileChange *c;
    gsize len;
    g_autofree char *merged = NULL;

    g_ptr_array_add(paths, (char *)"m.c");
    g_ptr_array_add(paths, (char *)"new.c");
    g_ptr_array_add(paths, (char *)"gone.c");
    g_hash_table_insert(pre, g_strdup("m.c"), text_file(base));
    g_hash_table_insert(post, g_strdup("m.c"), text_file(theirs));
    g_hash_table_insert(post, g_strdup("new.c"), text_file("created\n"));
    g_hash_table_insert(pre, g_strdup("gone.c"), text_file("old\n"));
    fx_write(tree, "m.c", ours, -1);
    fx_write(tree, "gone.c", "old\n", -1);

    /* Changes two lines apart merge; create and delete go through. */
    r = qf_rebase_merge3(tree, paths, pre, post, &labels, conflicts, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(conflicts->len, ==, 0);
    g_assert_cmpuint(r->changes->len, ==, 3);
    c = r->changes->pdata[0];
    g_assert_cmpint(c->kind, ==, QF_CHANGE_MODIFY);
    merged = g_strndup(g_bytes_get_data(c->content, &len), 4096);
    g_assert_nonnull(strstr(merged, "\nnew base 17\n"));
    g_assert_nonnull(strstr(merged, "\nentry 20\n"));
    g_assert_cmpint(((QfFileChange *)r->changes->pdata[1])->kind, ==,
                    QF_CHANGE_CREATE);
    g_assert_cmpint(((QfFileChange *)r->changes->pdata[2])->kind, ==,
                    QF_CHANGE_DELETE);
    g_clear_pointer(&r, qf_apply_result_free);
    g_clear_pointer(&merged, g_free);

    /* The same line on both sides: markers, named conflicts. */
    fx_write(tree, "m.c", ours_conflict, -1);
    fx_write(tree, "gone.c", "changed in the new base\n", -1);
    r = qf_rebase_merge3(tree, paths, pre, post, &labels, conflicts, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(conflicts->len, ==, 2);
    g_assert_cmpstr(conflicts->pdata[0], ==,
                    "m.c: 1 conflict (markers in the file)");
    g_assert_true(g_str_has_prefix(conflicts->pdata[1],
                                   "gone.c: changed in new base but deleted "
                                   "by entry"));
    c = r->changes->pdata[0];
    merged = g_strndup(g_bytes_get_data(c->content, &len), len);
    g_assert_nonnull(strstr(merged, "<<<<<<< new base\nnew base 20\n"
                                    "||||||| old base\nm.c line 20\n"
                                    "=======\nentry 20\n>>>>>>> entry\n"));
    fx_rm_rf(tree);
}

/* ---- series.conf edits
 * ---------------------------------------------------------- */

/* The first rows of series_text, which qf_series_edit() leaves as they are. */
#define SECTION_S_FIRST_ROW                                                    \
    "section S\n"                                                              \
    "group March 2024\n"                                                       \
    "  min-release v1.0\n"                                                     \
    "upstream 0123456789ab\n"                                                  \
    "  commit 0123456789abcdef0123456789abcdef01234567\n"                      \
    "  subject up: one\n"

static const char series_text[] =
    "# test series\n"
    "base 1.0\n"
    "  tarball fx_1.0.tar.xz\n"
    "  sha256 "
    "0000000000000000000000000000000000000000000000000000000000000000"
    "\n"
    "\n" SECTION_S_FIRST_ROW "  patch patches/one.patch\n"
    "upstream 123456789abc\n"
    "  subject up: two\n"
    "downstream fix\n"
    "  subject a fix\n"
    "  reason because\n"
    "  patch patches/fix.patch\n"
    "downstream keep\n"
    "  subject kept\n"
    "  patch patches/keep.patch\n";

static void test_edit_series(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(QfSeries) s = qf_series_parse(series_text, strlen(series_text),
                                            "series.conf", &error);
    const char *sha =
        "1111111111111111111111111111111111111111111111111111111111111111";
    QfBasePin pin = {"1.1", "fx_1.1.tar.xz", sha};
    QfSeriesEdit edits[] = {
        {QF_EDIT_REMOVE_PATCH, "0123456789ab", NULL},
        {QF_EDIT_SET_FIRST_RELEASE, "0123456789ab", "v1.1"},
        {QF_EDIT_SET_PATCH, "123456789abc", "patches/backport-two.patch"},
        {QF_EDIT_DROP, "fix", "in base since 1.1"},
    };
    QfSeriesEdit bad[] = {{QF_EDIT_DROP, "nosuch", "x"}};
    g_autofree char *out = NULL;
    g_autofree char *none = NULL;

    g_assert_no_error(error);
    out = qf_series_edit(series_text, s, &pin, edits, G_N_ELEMENTS(edits),
                         &error);
    g_assert_no_error(error);
    g_assert_cmpstr(
        out, ==,
        "# test series\n"
        "base 1.1\n"
        "  tarball fx_1.1.tar.xz\n"
        "  sha256 "
        "1111111111111111111111111111111111111111111111111111111111111111\n"
        "\n" SECTION_S_FIRST_ROW "  first-release v1.1\n"
        "upstream 123456789abc\n"
        "  subject up: two\n"
        "  patch patches/backport-two.patch\n"
        "# in base since 1.1\n"
        "# downstream fix\n"
        "#  subject a fix\n"
        "#  reason because\n"
        "#  patch patches/fix.patch\n"
        "downstream keep\n"
        "  subject kept\n"
        "  patch patches/keep.patch\n");

    /* Only the pin: every other byte stays. */
    none = qf_series_edit(series_text, s, &pin, NULL, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(none +
                        strlen("# test series\nbase 1.1\n  tarball "
                               "fx_1.1.tar.xz\n  sha256 ") +
                        65,
                    ==,
                    series_text +
                        strlen("# test series\nbase 1.0\n  tarball "
                               "fx_1.0.tar.xz\n  sha256 ") +
                        65);

    g_assert_null(qf_series_edit(series_text, s, &pin, bad, 1, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(error->message, "nosuch"));
}

/* ---- upstream git
 * ------------------------------------------------------------- */

typedef struct {
    char *dir;
    char *in_base; /* released in v1.1 */
    char *later;   /* after v1.1 */
    char *merged;  /* the fork's change, taken upstream */
} Up;

static char *head_of(const char *dir)
{
    return g_strchomp(fx_git(dir, "rev-parse", "HEAD"));
}

static void make_up(Up *u)
{
    g_autofree char *a1 = numbered("a.c", 40, 0, NULL);
    g_autofree char *a2 = numbered("a.c", 40, 5, "in base");
    g_autofree char *a3 = NULL;

    u->dir = fx_git_init();
    fx_write(u->dir, "a.c", a1, -1);
    fx_write(u->dir, "b.c", "b\n", -1);
    commit_as(u->dir, "initial", "2024-01-01T00:00:00+0000");
    g_free(fx_git(u->dir, "tag", "v1.0"));
    fx_write(u->dir, "a.c", a2, -1);
    commit_as(u->dir, "a.c: in base", "2024-01-02T00:00:00+0000");
    u->in_base = head_of(u->dir);
    fx_write(u->dir, "b.c", "b\nfork line\n", -1);
    commit_as(u->dir, "b.c: the fork's line, upstream",
              "2024-01-03T00:00:00+0000");
    u->merged = head_of(u->dir);
    g_free(fx_git(u->dir, "tag", "v1.1-rc0"));
    g_free(fx_git(u->dir, "tag", "v1.1"));
    a3 = numbered("a.c", 40, 30, "later");
    {
        g_auto(GStrv) l = g_strsplit(a3, "\n", -1);
        g_free(l[4]);
        l[4] = g_strdup("in base");
        g_free(a3);
        a3 = g_strjoinv("\n", l);
    }
    fx_write(u->dir, "a.c", a3, -1);
    commit_as(u->dir,
              "a.c: later\n\nBecause.\n\nSigned-off-by: Up <up@example.com>",
              "2024-01-04T00:00:00+0000");
    u->later = head_of(u->dir);
    g_free(fx_git(u->dir, "tag", "v1.2"));
}

static void up_clear(Up *u)
{
    fx_rm_rf(u->dir);
    g_free(u->dir);
    g_free(u->in_base);
    g_free(u->later);
    g_free(u->merged);
}

static QfEntry upstream_row(const char *sha, const char *first, const char *min)
{
    QfEntry e = {
        .kind = QF_ENTRY_UPSTREAM,
        .name = (char *)"row",
        .sha12 = (char *)"row",
        .full_sha = (char *)sha,
        .first_release = (char *)first,
        .min_release = (char *)min,
    };
    return e;
}

static void test_upstream(void)
{
    Up u = {0};
    g_autoptr(GError) error = NULL;
    g_autoptr(QfUpstream) up = NULL;
    g_autofree char *detail = NULL, *first = NULL, *commit = NULL;
    g_autofree char *text = NULL, *hit = NULL, *fr = NULL;
    gboolean unverified;
    QfEntry e;

    make_up(&u);
    up = qf_upstream_open(u.dir, "1.0", "1.1", &error);
    g_assert_no_error(error);

    e = upstream_row(u.in_base, NULL, "v1.2");
    g_assert_true(qf_rebase_upstream_in_base(&e, "1.1", up, &detail,
                                             &unverified, &first, &commit));
    g_assert_true(g_str_has_prefix(detail, "git: "));
    g_assert_nonnull(strstr(detail, "is an ancestor of v1.1 (first released "
                                    "in v1.1)"));
    g_assert_cmpstr(first, ==, "v1.1"); /* not the -rc tag */
    g_assert_cmpstr(commit, ==, u.in_base);
    g_clear_pointer(&detail, g_free);
    g_clear_pointer(&first, g_free);
    g_clear_pointer(&commit, g_free);

    /* The release data says "in base"; git knows better. */
    e = upstream_row(u.later, "v1.0", NULL);
    g_assert_false(qf_rebase_upstream_in_base(&e, "1.1", up, &detail,
                                              &unverified, &first, &commit));
    g_assert_nonnull(strstr(detail, "is not in v1.1 (first released in v1.2)"));
    g_assert_cmpstr(first, ==, "v1.2");
    g_clear_pointer(&detail, g_free);
    g_clear_pointer(&first, g_free);
    g_clear_pointer(&commit, g_free);

    /* Unknown to git: the release data, said so. */
    e = upstream_row("abcdefabcdefabcdefabcdefabcdefabcdefabcd", NULL, "v1.0");
    g_assert_true(qf_rebase_upstream_in_base(&e, "1.1", up, &detail,
                                             &unverified, &first, &commit));
    g_assert_true(unverified);
    g_assert_true(g_str_has_prefix(detail, "the upstream git lacks row; "));
    g_assert_null(commit);
    g_clear_pointer(&detail, g_free);

    /* Without git: first-release, else the minimum release (unverified). */
    e = upstream_row(u.later, "v1.2", "v1.0");
    g_assert_false(qf_rebase_upstream_in_base(&e, "1.1", NULL, &detail,
                                              &unverified, &first, &commit));
    g_assert_false(unverified);
    g_clear_pointer(&detail, g_free);
    e = upstream_row(u.later, NULL, "v1.0");
    g_assert_true(qf_rebase_upstream_in_base(&e, "1.1", NULL, &detail,
                                             &unverified, &first, &commit));
    g_assert_true(unverified);
    g_clear_pointer(&detail, g_free);

    fr = qf_upstream_first_release(up, u.merged);
    g_assert_cmpstr(fr, ==, "v1.1");

    /* The fork's patch of the change upstream took: found by patch-id. */
    {
        g_autofree char *fork = fx_git_init();
        g_autofree char *a1 = numbered("a.c", 40, 0, NULL);
        g_autofree char *raw = NULL;

        fx_write(fork, "a.c", a1, -1);
        fx_write(fork, "b.c", "b\n", -1);
        commit_as(fork, "base", "2024-02-01T00:00:00+0000");
        fx_write(fork, "b.c", "b\nfork line\n", -1);
        commit_as(fork, "fork: a line", "2024-02-02T00:00:00+0000");
        raw = fx_git(fork, "format-patch", "--stdout", "-1", "HEAD");
        hit = qf_upstream_match_patch_id(up, raw, &error);
        g_assert_no_error(error);
        g_assert_nonnull(hit);
        g_assert_true(g_str_has_prefix(hit, u.merged));
        g_assert_nonnull(strstr(hit, "b.c: the fork's line, upstream"));
        fx_rm_rf(fork);
    }

    text = qf_upstream_backport(up, u.later, &error);
    g_assert_no_error(error);
    {
        g_autofree char *want = g_strdup_printf(
            "\n\nBecause.\n\nSigned-off-by: Up <up@example.com>\n"
            "(cherry picked from commit %s)\n---\ndiff --git a/a.c b/a.c\n",
            u.later);
        g_assert_nonnull(strstr(text, want));
    }
    g_assert_nonnull(strstr(text, "\nSubject: [PATCH] a.c: later\n"));
    up_clear(&u);
}

static void test_upstream_open_errors(void)
{
    Up u = {0};
    g_autoptr(GError) error = NULL;

    make_up(&u);
    g_assert_null(qf_upstream_open(u.dir, "1.0", "9.9", &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(error->message, "has no tag v9.9"));
    g_clear_error(&error);
    g_assert_null(qf_upstream_open("/nonexistent/qfork", "1.0", "1.1", &error));
    g_assert_nonnull(strstr(error->message, "no such directory"));
    up_clear(&u);
}

/* ---- report
 * ------------------------------------------------------------------- */

static void test_report(void)
{
    QfEntry e1 = {.position = 1,
                  .name = (char *)"aaaaaaaaaaaa",
                  .kind = QF_ENTRY_UPSTREAM,
                  .subject = (char *)"up"};
    QfEntry e2 = {.position = 2,
                  .name = (char *)"fix",
                  .kind = QF_ENTRY_DOWNSTREAM,
                  .subject = (char *)"a | fix",
                  .patch = (char *)"patches/fix.patch"};
    g_autoptr(GPtrArray) items =
        g_ptr_array_new_with_free_func((GDestroyNotify)qf_rebase_item_free);
    QfRebaseItem *a = qf_rebase_item_new(&e1);
    QfRebaseItem *b = qf_rebase_item_new(&e2);
    QfRebaseReport r = {
        .old_version = "1.0",
        .new_version = "1.1",
        .new_tarball = "fx_1.1.tar.xz",
        .new_sha256 = "ab",
        .done = TRUE,
        .items = items,
    };
    g_autofree char *md = NULL, *json = NULL, *counts = NULL;
    g_autoptr(QfJson) parsed = NULL;
    g_autoptr(GError) error = NULL;
    QfJson *entries;

    a->cls = QF_REBASE_IN_BASE;
    a->unverified = TRUE;
    a->detail = g_strdup("table minimum release v1.0 <= base 1.1");
    b->cls = QF_REBASE_OFFSET;
    b->patch_changed = TRUE;
    b->detail = g_strdup("applies with line offsets");
    g_ptr_array_add(b->notes,
                    g_strdup("f.c: hunk 1 applied at offset +2 lines"));
    b->interdiff =
        g_strdup("@@ -1 +1 @@\n-@@ -1,7 +1,7 @@\n+@@ -3,7 +3,7 @@\n");
    g_ptr_array_add(items, a);
    g_ptr_array_add(items, b);

    counts = qf_rebase_report_counts(items);
    g_assert_cmpstr(counts, ==,
                    "2 entries: 1 in base (1 by the table's "
                    "minimum release only: unverified), 1 "
                    "applies with offset");
    md = qf_rebase_report_markdown(&r);
    g_assert_nonnull(strstr(md, "| 1 | `aaaaaaaaaaaa` | upstream | in base "
                                "(unverified) | - |"));
    g_assert_nonnull(strstr(md, "| 2 | `fix` | downstream | applies with "
                                "offset | refreshed: patches/fix.patch |"));
    g_assert_nonnull(strstr(md, "```diff\n@@ -1 +1 @@\n"));
    g_assert_nonnull(strstr(md, "Result: **done**"));

    json = qf_rebase_report_json(&r);
    parsed = qf_json_parse(json, strlen(json), "report.json", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(qf_json_member(parsed, "status")->string, ==, "done");
    entries = qf_json_member(parsed, "entries");
    g_assert_cmpuint(entries->items->len, ==, 2);
    g_assert_cmpstr(qf_json_member(entries->items->pdata[1], "class")->string,
                    ==, "offset");
    g_assert_cmpstr(qf_json_member(entries->items->pdata[1], "subject")->string,
                    ==, "a | fix");
    g_assert_true(
        qf_json_member(entries->items->pdata[0], "unverified")->boolean);
    g_assert_cmpint(
        qf_json_member(qf_json_member(parsed, "counts"), "in-base")->integer,
        ==, 1);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fx_git_env();
    if (!fx_have_git()) {
        g_test_skip("git is not installed");
        return g_test_run();
    }
    g_test_add_func("/rebase/refresh/layout", test_refresh_layout);
    g_test_add_func("/rebase/refresh/stable", test_refresh_stable);
    g_test_add_func("/rebase/refresh/fixed-point", test_refresh_fixed_point);
    g_test_add_func("/rebase/refresh/binary", test_refresh_binary);
    g_test_add_func("/rebase/try-patch", test_try_patch);
    g_test_add_func("/rebase/failing-hunks", test_failing_hunks);
    g_test_add_func("/rebase/merge3", test_merge3);
    g_test_add_func("/rebase/edit-series", test_edit_series);
    g_test_add_func("/rebase/upstream", test_upstream);
    g_test_add_func("/rebase/upstream-open-errors", test_upstream_open_errors);
    g_test_add_func("/rebase/report", test_report);
    return g_test_run();
}
