/*
 * Unit tests of the applier (lib/qf-apply.c): placement, fuzz, reverse,
 * creation and deletion, binary patches, path safety, atomicity, and a
 * cross-check against git on random edits.
 *
 * Every failure case asserts the error code and that the tree is
 * byte-for-byte what it was.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-test-fixture.h"

#include "qf-apply.h"
#include "qf-error.h"
#include "qf-patch.h"

static QfPatch *parse(const char *text)
{
    g_autoptr(GError) error = NULL;
    QfPatch *p = qf_patch_parse(text, strlen(text), "t.patch", &error);

    g_assert_no_error(error);
    return p;
}

/* Prepare and write; the result is returned for its notes. */
static QfApplyResult *apply_ok(const char *tree, const char *text, guint fuzz,
                               gboolean reverse)
{
    QfApplyOptions opts = { .fuzz = fuzz, .reverse = reverse };
    g_autoptr(QfPatch) p = parse(text);
    g_autoptr(GError) error = NULL;
    QfApplyResult *r = qf_apply_prepare(tree, p, &opts, &error);

    g_assert_no_error(error);
    g_assert_true(qf_apply_write(tree, r, &error));
    g_assert_no_error(error);
    return r;
}

/*
 * The patch must fail with @code, mention @what, and leave the tree
 * byte-for-byte unchanged.  Parse errors count: the CLI parses first.
 */
static void apply_fails(const char *tree, const char *text, guint fuzz,
                        QfErrorCode code, const char *what)
{
    QfApplyOptions opts = { .fuzz = fuzz };
    g_autofree char *before = fx_snapshot(tree);
    g_autofree char *after = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(QfPatch) p =
        qf_patch_parse(text, strlen(text), "t.patch", &error);
    g_autoptr(QfApplyResult) r = NULL;

    if (p) {
        r = qf_apply_prepare(tree, p, &opts, &error);
        g_assert_null(r);
    }
    g_assert_error(error, QF_ERROR, (int)code);
    g_test_message("error: %s", error->message);
    g_assert_nonnull(strstr(error->message, what));
    after = fx_snapshot(tree);
    g_assert_cmpstr(before, ==, after);
}

static void assert_file(const char *tree, const char *rel, const char *want)
{
    g_autofree char *got = fx_read_str(tree, rel);

    g_assert_cmpstr(got, ==, want);
}

static char *numbered(guint from, guint to)
{
    GString *s = g_string_new(NULL);

    for (guint i = from; i <= to; i++) {
        g_string_append_printf(s, "line %u\n", i);
    }
    return g_string_free(s, FALSE);
}

/* Lines 1..10 with line 5 changed, 3 lines of context. */
static const char patch_line5[] = "--- a/f.c\n"
                                  "+++ b/f.c\n"
                                  "@@ -2,7 +2,7 @@\n"
                                  " line 2\n"
                                  " line 3\n"
                                  " line 4\n"
                                  "-line 5\n"
                                  "+LINE FIVE\n"
                                  " line 6\n"
                                  " line 7\n"
                                  " line 8\n";

static char *with_line5_changed(const char *text)
{
    g_auto(GStrv) parts = g_strsplit(text, "line 5\n", 2);

    return g_strjoinv("LINE FIVE\n", parts);
}

/* ---- placement ------------------------------------------------------- */

static void test_exact(void)
{
    g_autofree char *tree = fx_tmpdir(), *orig = numbered(1, 10);
    g_autofree char *want = with_line5_changed(orig);
    g_autoptr(QfApplyResult) r = NULL;
    QfFileChange *c;

    fx_write(tree, "f.c", orig, -1);
    r = apply_ok(tree, patch_line5, 0, FALSE);
    assert_file(tree, "f.c", want);
    g_assert_cmpuint(r->notes->len, ==, 0);
    g_assert_false(r->offset_used);
    g_assert_cmpuint(r->max_fuzz_used, ==, 0);
    g_assert_cmpuint(r->changes->len, ==, 1);
    c = r->changes->pdata[0];
    g_assert_cmpint(c->kind, ==, QF_CHANGE_MODIFY);
    g_assert_cmpstr(c->path, ==, "f.c");
    g_assert_cmpstr(c->old_path, ==, "f.c");
    g_assert_cmpuint(c->mode, ==, 0644);
    fx_rm_rf(tree);
}

static void test_offset(void)
{
    g_autofree char *tree = fx_tmpdir(), *body = numbered(1, 10);
    g_autofree char *orig = g_strconcat("new a\nnew b\nnew c\n", body, NULL);
    g_autofree char *want = with_line5_changed(orig);
    g_autoptr(QfApplyResult) r = NULL;

    fx_write(tree, "f.c", orig, -1);
    r = apply_ok(tree, patch_line5, 0, FALSE);
    assert_file(tree, "f.c", want);
    g_assert_true(r->offset_used);
    g_assert_cmpuint(r->notes->len, ==, 1);
    g_assert_cmpstr(r->notes->pdata[0], ==,
                    "f.c: hunk 1 applied at offset +3 lines");
    fx_rm_rf(tree);
}

/* The nearest match wins, searching after before before at each distance. */
static void test_offset_nearest(void)
{
    static const char patch[] = "--- a/f\n"
                                "+++ b/f\n"
                                "@@ -5,3 +5,3 @@\n"
                                " x\n"
                                "-y\n"
                                "+Y\n"
                                " z\n";
    g_autofree char *tree = fx_tmpdir();
    g_autoptr(QfApplyResult) r = NULL;

    /* x y z at lines 2 (offset -3) and 7 (offset +2): +2 is nearer. */
    fx_write(tree, "f", "a\nx\ny\nz\nb\nc\nx\ny\nz\nd\n", -1);
    r = apply_ok(tree, patch, 0, FALSE);
    assert_file(tree, "f", "a\nx\ny\nz\nb\nc\nx\nY\nz\nd\n");
    g_assert_cmpstr(r->notes->pdata[0], ==,
                    "f: hunk 1 applied at offset +2 lines");
    fx_rm_rf(tree);
}

static void test_fuzz(void)
{
    g_autofree char *tree = fx_tmpdir(), *orig = numbered(1, 10);
    g_auto(GStrv) parts = g_strsplit(orig, "line 2\n", 2);
    g_autofree char *edited = g_strjoinv("line two\n", parts);
    g_autofree char *want = with_line5_changed(edited);
    g_autoptr(QfApplyResult) r = NULL;

    fx_write(tree, "f.c", edited, -1);
    apply_fails(tree, patch_line5, 0, QF_ERROR_CONFLICT,
                "t.patch: f.c: hunk #1 (patch line 3) does not apply: "
                "at line 2 expected \"line 2\", found \"line two\"");
    r = apply_ok(tree, patch_line5, 1, FALSE);
    assert_file(tree, "f.c", want);
    g_assert_cmpuint(r->max_fuzz_used, ==, 1);
    g_assert_cmpstr(r->notes->pdata[0], ==, "f.c: hunk 1 applied with fuzz 1");
    fx_rm_rf(tree);
}

/* Less leading than trailing context pins a hunk to the file's start. */
static void test_anchored_at_start(void)
{
    static const char patch[] = "--- a/f\n"
                                "+++ b/f\n"
                                "@@ -1,3 +1,4 @@\n"
                                "+header\n"
                                " a\n"
                                " b\n"
                                " c\n";
    g_autofree char *tree = fx_tmpdir();

    fx_write(tree, "f", "z\na\nb\nc\n", -1);
    apply_fails(tree, patch, 0, QF_ERROR_CONFLICT, "hunk #1");
    fx_write(tree, "f", "a\nb\nc\nd\n", -1);
    g_autoptr(QfApplyResult) r = apply_ok(tree, patch, 0, FALSE);
    assert_file(tree, "f", "header\na\nb\nc\nd\n");
    fx_rm_rf(tree);
}

static const char two_hunks[] = "--- a/f\n"
                                "+++ b/f\n"
                                "@@ -1,3 +1,4 @@\n"
                                " line 1\n"
                                "+added\n"
                                " line 2\n"
                                " line 3\n"
                                "@@ -8,3 +9,2 @@\n"
                                " line 8\n"
                                "-line 9\n"
                                " line 10\n";

static void test_hunks_in_order(void)
{
    g_autofree char *tree = fx_tmpdir(), *orig = numbered(1, 10);
    g_autoptr(QfApplyResult) r = NULL;
    g_autofree char *swapped = NULL;
    const char *second = strstr(two_hunks, "@@ -8");
    g_autofree char *first = g_strndup(two_hunks, (gsize)(second - two_hunks));
    g_autofree char *head = NULL;

    fx_write(tree, "f", orig, -1);
    r = apply_ok(tree, two_hunks, 0, FALSE);
    assert_file(tree, "f",
                "line 1\nadded\nline 2\nline 3\nline 4\nline 5\nline 6\n"
                "line 7\nline 8\nline 10\n");
    fx_write(tree, "f", orig, -1);
    /* A hunk may not go before the one applied before it. */
    head = g_strndup(first, (gsize)(strstr(first, "@@") - first));
    swapped = g_strconcat(head, second, strstr(first, "@@"), NULL);
    apply_fails(tree, swapped, 0, QF_ERROR_CONFLICT, "hunk #2");
    fx_rm_rf(tree);
}

/* ---- reverse, already applied ---------------------------------------- */

static void test_reverse_is_applied(void)
{
    g_autofree char *tree = fx_tmpdir(), *orig = numbered(1, 10);
    g_autoptr(QfPatch) p = parse(patch_line5);
    g_autoptr(QfApplyResult) r1 = NULL, r2 = NULL;

    fx_write(tree, "f.c", orig, -1);
    g_assert_false(qf_apply_is_applied(tree, p));
    r1 = apply_ok(tree, patch_line5, 0, FALSE);
    g_assert_true(qf_apply_is_applied(tree, p));
    apply_fails(tree, patch_line5, 0, QF_ERROR_CONFLICT, "does not apply");
    r2 = apply_ok(tree, patch_line5, 0, TRUE);
    assert_file(tree, "f.c", orig);
    g_assert_false(qf_apply_is_applied(tree, p));
    fx_rm_rf(tree);
}

/* ---- creation, deletion, modes --------------------------------------- */

static const char create_delete[] = "diff --git a/bin/tool b/bin/tool\n"
                                    "new file mode 100755\n"
                                    "index 0000000..1111111\n"
                                    "--- /dev/null\n"
                                    "+++ b/bin/tool\n"
                                    "@@ -0,0 +1,2 @@\n"
                                    "+#!/bin/sh\n"
                                    "+echo hi\n"
                                    "diff --git a/old/gone.txt b/old/gone.txt\n"
                                    "deleted file mode 100644\n"
                                    "index 2222222..0000000\n"
                                    "--- a/old/gone.txt\n"
                                    "+++ /dev/null\n"
                                    "@@ -1,2 +0,0 @@\n"
                                    "-bye\n"
                                    "-now\n";

static void test_create_delete(void)
{
    g_autofree char *tree = fx_tmpdir();
    g_autoptr(QfApplyResult) r = NULL, back = NULL;
    QfFileChange *c;

    fx_write(tree, "old/gone.txt", "bye\nnow\n", -1);
    r = apply_ok(tree, create_delete, 0, FALSE);
    assert_file(tree, "bin/tool", "#!/bin/sh\necho hi\n");
    g_assert_cmpuint(fx_mode(tree, "bin/tool") & 07777, ==, 0755);
    g_assert_false(fx_exists(tree, "old/gone.txt"));
    g_assert_false(fx_exists(tree, "old")); /* emptied directory goes */
    c = r->changes->pdata[0];
    g_assert_cmpint(c->kind, ==, QF_CHANGE_CREATE);
    g_assert_null(c->old_path);
    c = r->changes->pdata[1];
    g_assert_cmpint(c->kind, ==, QF_CHANGE_DELETE);
    g_assert_cmpstr(c->path, ==, "old/gone.txt");
    g_assert_null(c->content);

    back = apply_ok(tree, create_delete, 0, TRUE);
    assert_file(tree, "old/gone.txt", "bye\nnow\n");
    g_assert_false(fx_exists(tree, "bin"));
    fx_rm_rf(tree);
}

static void test_create_delete_conflicts(void)
{
    g_autofree char *tree = fx_tmpdir();
    static const char modify_missing[] = "--- a/nope.c\n"
                                         "+++ b/nope.c\n"
                                         "@@ -1 +1 @@\n"
                                         "-a\n"
                                         "+b\n";

    /* Creating a file that exists. */
    fx_write(tree, "bin/tool", "mine\n", -1);
    fx_write(tree, "old/gone.txt", "bye\nnow\n", -1);
    apply_fails(tree, create_delete, 0, QF_ERROR_CONFLICT,
                "bin/tool: file to create already exists");
    /* Deleting a file that is missing. */
    fx_rm_rf(tree);
    g_assert_cmpint(g_mkdir(tree, 0700), ==, 0);
    apply_fails(tree, create_delete, 0, QF_ERROR_CONFLICT,
                "old/gone.txt: file to delete does not exist");
    /* Deleting a file with more in it than the patch removes. */
    fx_write(tree, "old/gone.txt", "bye\nnow\nkeep me\n", -1);
    apply_fails(tree, create_delete, 0, QF_ERROR_CONFLICT, "not deleted");
    /* Modifying a file that is missing. */
    apply_fails(tree, modify_missing, 0, QF_ERROR_CONFLICT,
                "nope.c: file to patch does not exist");
    fx_rm_rf(tree);
}

static void test_mode_change_and_symlink(void)
{
    static const char patch[] = "diff --git a/run.sh b/run.sh\n"
                                "old mode 100644\n"
                                "new mode 100755\n"
                                "diff --git a/cur b/cur\n"
                                "new file mode 120000\n"
                                "index 0000000..3333333\n"
                                "--- /dev/null\n"
                                "+++ b/cur\n"
                                "@@ -0,0 +1 @@\n"
                                "+run.sh\n"
                                "\\ No newline at end of file\n";
    g_autofree char *tree = fx_tmpdir();
    g_autofree char *link = NULL, *target = NULL;
    g_autoptr(QfApplyResult) r = NULL;
    g_autoptr(QfPatch) p = parse(patch);

    fx_write(tree, "run.sh", "#!/bin/sh\n", -1);
    r = apply_ok(tree, patch, 0, FALSE);
    g_assert_cmpuint(fx_mode(tree, "run.sh") & 07777, ==, 0755);
    link = g_build_filename(tree, "cur", NULL);
    g_assert_true(g_file_test(link, G_FILE_TEST_IS_SYMLINK));
    target = g_file_read_link(link, NULL);
    g_assert_cmpstr(target, ==, "run.sh");
    g_assert_true(qf_apply_is_applied(tree, p));
    /* The mode change is part of the pre-image: it does not apply twice. */
    apply_fails(tree,
                "diff --git a/run.sh b/run.sh\n"
                "old mode 100644\n"
                "new mode 100755\n",
                0, QF_ERROR_CONFLICT, "mode");
    fx_rm_rf(tree);
}

/* ---- line endings ---------------------------------------------------- */

static void test_crlf_preserved(void)
{
    static const char patch[] = "--- a/w.txt\n"
                                "+++ b/w.txt\n"
                                "@@ -1,3 +1,3 @@\n"
                                " a\r\n"
                                "-b\r\n"
                                "+B\r\n"
                                " c\r\n";
    g_autofree char *tree = fx_tmpdir();
    g_autoptr(QfApplyResult) r = NULL;

    fx_write(tree, "w.txt", "a\r\nb\r\nc\r\n", -1);
    r = apply_ok(tree, patch, 0, FALSE);
    assert_file(tree, "w.txt", "a\r\nB\r\nc\r\n");
    /* LF-only content does not match CRLF context. */
    fx_write(tree, "w.txt", "a\nb\nc\n", -1);
    apply_fails(tree, patch, 0, QF_ERROR_CONFLICT, "\\r");
    fx_rm_rf(tree);
}

static void test_no_newline_at_eof(void)
{
    static const char add_eol[] = "--- a/f\n"
                                  "+++ b/f\n"
                                  "@@ -1,2 +1,3 @@\n"
                                  " a\n"
                                  "-b\n"
                                  "\\ No newline at end of file\n"
                                  "+b\n"
                                  "+c\n";
    g_autofree char *tree = fx_tmpdir();
    g_autoptr(QfApplyResult) r1 = NULL, r2 = NULL;

    fx_write(tree, "f", "a\nb", -1);
    r1 = apply_ok(tree, add_eol, 0, FALSE);
    assert_file(tree, "f", "a\nb\nc\n");
    /* The "b" with a newline is not the "b" without one. */
    apply_fails(tree, add_eol, 0, QF_ERROR_CONFLICT, "no newline at end");
    r2 = apply_ok(tree, add_eol, 0, TRUE);
    assert_file(tree, "f", "a\nb");
    fx_rm_rf(tree);
}

/* ---- binary ------------------------------------------------------------ */

static void assert_bytes(const char *tree, const char *rel, GBytes *want)
{
    g_autoptr(GBytes) got = fx_read(tree, rel);

    g_assert_nonnull(got);
    g_assert_true(g_bytes_equal(got, want));
}

static void test_binary_round_trip(void)
{
    FxBinary f;
    g_autofree char *tree = NULL;
    g_autoptr(QfApplyResult) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL;
    g_autoptr(QfPatch) change = NULL;

    FX_SKIP_WITHOUT_GIT();
    fx_binary(&f);
    tree = fx_tmpdir();
    r1 = apply_ok(tree, f.add_patch, 0, FALSE);
    assert_bytes(tree, "tests/data/acpi/virt/SRAT", f.v1);
    r2 = apply_ok(tree, f.change_patch, 0, FALSE);
    assert_bytes(tree, "tests/data/acpi/virt/SRAT", f.v2);
    change = parse(f.change_patch);
    g_assert_true(qf_apply_is_applied(tree, change));
    r3 = apply_ok(tree, f.change_patch, 0, TRUE);
    assert_bytes(tree, "tests/data/acpi/virt/SRAT", f.v1);
    r4 = apply_ok(tree, f.add_patch, 0, TRUE);
    g_assert_false(fx_exists(tree, "tests"));
    fx_rm_rf(tree);
    fx_binary_clear(&f);
}

static void test_binary_preimage_mismatch(void)
{
    FxBinary f;
    g_autofree char *tree = NULL;
    g_autofree guint8 *edited = NULL;
    gsize len;

    FX_SKIP_WITHOUT_GIT();
    fx_binary(&f);
    tree = fx_tmpdir();
    len = g_bytes_get_size(f.v1);
    edited = g_memdup2(g_bytes_get_data(f.v1, NULL), len);
    edited[10] ^= 1; /* same size: only the blob id can tell */
    fx_write(tree, "tests/data/acpi/virt/SRAT", edited, (gssize)len);
    apply_fails(tree, f.change_patch, 0, QF_ERROR_CONFLICT,
                "differs from the patch's pre-image");
    /* The literal creation conflicts with any existing file. */
    apply_fails(tree, f.add_patch, 0, QF_ERROR_CONFLICT, "already exists");
    fx_rm_rf(tree);
    fx_binary_clear(&f);
}

/*
 * A delta copies its unchanged bytes from whatever file has the size it
 * names: without an index line nothing identifies the pre-image, and the
 * patch is refused, even where it would happen to be right.
 */
static void test_binary_without_index(void)
{
    FxBinary f;
    g_autofree char *tree = NULL;
    g_autoptr(GRegex) index_line =
        g_regex_new("^index .*\n", G_REGEX_MULTILINE, 0, NULL);
    g_autofree char *no_index = NULL;
    g_autoptr(QfApplyResult) r = NULL;

    FX_SKIP_WITHOUT_GIT();
    fx_binary(&f);
    no_index = g_regex_replace_literal(index_line, f.change_patch, -1, 0, "",
                                       0, NULL);
    g_assert_null(strstr(no_index, "\nindex "));
    tree = fx_tmpdir();
    r = apply_ok(tree, f.add_patch, 0, FALSE);
    apply_fails(tree, no_index, 0, QF_ERROR_CONFLICT,
                "tests/data/acpi/virt/SRAT: binary patch without an "
                "\"index\" line");
    fx_rm_rf(tree);
    fx_binary_clear(&f);
}

/* ---- changes of one patch that cannot exist together -------------------- */

static void test_layout_conflict(void)
{
    static const char link_over_file[] = "diff --git a/esc/new b/esc/new\n"
                                         "new file mode 100644\n"
                                         "--- /dev/null\n"
                                         "+++ b/esc/new\n"
                                         "@@ -0,0 +1 @@\n"
                                         "+x\n"
                                         "diff --git a/esc b/esc\n"
                                         "new file mode 120000\n"
                                         "--- /dev/null\n"
                                         "+++ b/esc\n"
                                         "@@ -0,0 +1 @@\n"
                                         "+/tmp\n"
                                         "\\ No newline at end of file\n";
    g_autofree char *tree = fx_tmpdir();

    fx_write(tree, "f", "a\n", -1);
    apply_fails(tree, link_over_file, 0, QF_ERROR_CONFLICT,
                "t.patch:7: esc: the patch makes 'esc' a symlink and also "
                "writes 'esc/new' below it (line 1)");
    fx_rm_rf(tree);
}

/* A hand-made patch (the parser refuses such headers) fails, not crashes. */
static void test_no_path_left(void)
{
    static const char copy[] = "diff --git a/f b/g\n"
                               "similarity index 100%\n"
                               "copy from f\n"
                               "copy to g\n";
    g_autofree char *tree = fx_tmpdir();
    g_autoptr(QfPatch) p = parse(copy);
    QfFilePatch *fp = p->files->pdata[0];
    QfApplyOptions opts = { .reverse = TRUE };
    g_autoptr(GError) error = NULL;
    g_autoptr(QfApplyResult) r = NULL;

    fx_write(tree, "f", "a\n", -1);
    g_clear_pointer(&fp->new_path, g_free);
    r = qf_apply_prepare(tree, p, &opts, &error);
    g_assert_null(r);
    g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
    g_assert_false(qf_apply_is_applied(tree, p));
    fx_rm_rf(tree);
}

/* ---- bad input: clear error, nothing changed ---------------------------- */

static void test_bad_parse(void)
{
    static const char truncated[] = "--- a/f\n"
                                    "+++ b/f\n"
                                    "@@ -1,3 +1,3 @@\n"
                                    " a\n";
    static const char base85[] = "diff --git a/b b/b\n"
                                 "new file mode 100644\n"
                                 "index 0000000..1111111\n"
                                 "GIT binary patch\n"
                                 "literal 3\n"
                                 "Kc${NkU|;|M\"^4j-\n"
                                 "\n";
    g_autofree char *tree = fx_tmpdir();

    fx_write(tree, "f", "a\nb\nc\n", -1);
    apply_fails(tree, truncated, 0, QF_ERROR_PARSE, "t.patch:3:");
    apply_fails(tree, base85, 0, QF_ERROR_PARSE, "t.patch:6: invalid base85");
    fx_rm_rf(tree);
}

static char *modify_patch(const char *minus, const char *plus)
{
    return g_strdup_printf("--- %s\n+++ %s\n@@ -1 +1 @@\n-a\n+b\n", minus,
                           plus);
}

static void test_unsafe_paths(void)
{
    g_autofree char *tree = fx_tmpdir();
    g_autofree char *outside = fx_tmpdir();
    g_autofree char *abs = modify_patch("/etc/hostname", "/etc/hostname");
    g_autofree char *dotdot = modify_patch("a/../escape", "b/../escape");
    g_autofree char *dotgit = modify_patch("a/.git/config", "b/.git/config");
    g_autofree char *dotgit2 = modify_patch("a/sub/.GIT/x", "b/sub/.GIT/x");
    g_autofree char *empty = modify_patch("a/x//y", "b/x//y");
    g_autofree char *via_dir = modify_patch("a/linkdir/f", "b/linkdir/f");
    g_autofree char *via_file = modify_patch("a/linkfile", "b/linkfile");
    g_autofree char *link_dir = g_build_filename(tree, "linkdir", NULL);
    g_autofree char *link_file = g_build_filename(tree, "linkfile", NULL);
    g_autofree char *out_file = g_build_filename(outside, "f", NULL);
    g_autofree char *outside_before = NULL, *outside_after = NULL;
    static const char rename_out[] = "diff --git a/f b/f\n"
                                     "similarity index 100%\n"
                                     "rename from f\n"
                                     "rename to ../f\n";

    fx_write(outside, "f", "a\n", -1);
    fx_write(tree, "f", "a\n", -1);
    g_assert_cmpint(symlink(outside, link_dir), ==, 0);
    g_assert_cmpint(symlink(out_file, link_file), ==, 0);
    outside_before = fx_snapshot(outside);

    apply_fails(tree, abs, 0, QF_ERROR_UNSAFE_PATH,
                "t.patch: unsafe path '/etc/hostname': absolute path");
    apply_fails(tree, dotdot, 0, QF_ERROR_UNSAFE_PATH, "'../escape'");
    apply_fails(tree, dotgit, 0, QF_ERROR_UNSAFE_PATH, ".git");
    apply_fails(tree, dotgit2, 0, QF_ERROR_UNSAFE_PATH, ".git");
    apply_fails(tree, empty, 0, QF_ERROR_UNSAFE_PATH, "empty path component");
    apply_fails(tree, via_dir, 0, QF_ERROR_UNSAFE_PATH,
                "unsafe path 'linkdir/f': 'linkdir' is a symlink");
    apply_fails(tree, via_file, 0, QF_ERROR_UNSAFE_PATH,
                "unsafe path 'linkfile': 'linkfile' is a symlink");
    apply_fails(tree, rename_out, 0, QF_ERROR_UNSAFE_PATH, "'../f'");
    outside_after = fx_snapshot(outside);
    g_assert_cmpstr(outside_before, ==, outside_after);
    fx_rm_rf(tree);
    fx_rm_rf(outside);
}

/* A later file failing leaves the earlier ones untouched too. */
static void test_all_or_nothing(void)
{
    static const char patch[] = "--- a/one\n"
                                "+++ b/one\n"
                                "@@ -1 +1 @@\n"
                                "-a\n"
                                "+A\n"
                                "--- a/two\n"
                                "+++ b/two\n"
                                "@@ -1,3 +1,3 @@\n"
                                " x\n"
                                "-y\n"
                                "+Y\n"
                                " z\n";
    g_autofree char *tree = fx_tmpdir();

    fx_write(tree, "one", "a\n", -1);
    fx_write(tree, "two", "x\nq\nz\n", -1);
    apply_fails(tree, patch, 0, QF_ERROR_CONFLICT,
                "t.patch: two: hunk #1 (patch line 8) does not apply: "
                "at line 2 expected \"y\", found \"q\"");
    fx_rm_rf(tree);
}

/* Writing can fail after prepare (disk full, tree changed): name the path. */
static void test_write_failure_names_path(void)
{
    static const char patch[] = "--- /dev/null\n"
                                "+++ b/d/new.txt\n"
                                "@@ -0,0 +1 @@\n"
                                "+x\n";
    g_autofree char *tree = fx_tmpdir();
    g_autoptr(QfPatch) p = parse(patch);
    g_autoptr(GError) error = NULL;
    g_autoptr(QfApplyResult) r = qf_apply_prepare(tree, p, NULL, &error);

    g_assert_no_error(error);
    /* Root ignores permissions, so block the directory with a file. */
    fx_write(tree, "d", "in the way\n", -1);
    g_assert_false(qf_apply_write(tree, r, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_IO);
    g_assert_true(g_str_has_prefix(error->message, "d/new.txt: "));
    fx_rm_rf(tree);
}

/* ---- renames, type changes, directory/file swaps ----------------------- */

static void test_rename(void)
{
    static const char patch[] = "diff --git a/a b/b\n"
                                "similarity index 100%\n"
                                "rename from a\n"
                                "rename to b\n"
                                "diff --git a/b b/a\n"
                                "similarity index 100%\n"
                                "rename from b\n"
                                "rename to a\n";
    g_autofree char *tree = fx_tmpdir();
    g_autofree char *b = g_build_filename(tree, "b", NULL);
    g_autoptr(QfApplyResult) r = NULL;

    fx_write(tree, "a", "A\n", -1);
    fx_write(tree, "b", "B\n", -1);
    /* b exists when renaming a onto it: git refuses, so do we. */
    apply_fails(tree, patch, 0, QF_ERROR_CONFLICT, "b: file to rename to");
    fx_rm_rf(b);
    r = apply_ok(tree,
                 "diff --git a/a b/d/b\n"
                 "similarity index 100%\n"
                 "rename from a\n"
                 "rename to d/b\n",
                 0, FALSE);
    g_assert_false(fx_exists(tree, "a"));
    assert_file(tree, "d/b", "A\n");
    fx_rm_rf(tree);
}

/* ---- cross-check against git ------------------------------------------- */

static const char *const vocabulary[] = {
    "{",
    "}",
    "return 0;",
    "",
    "    break;",
    "int x;",
    "/* comment */",
    "#include <glib.h>",
    "static void f(void)",
    "    x++;",
    "    crlf_line();\r",
};

static void random_lines(GRand *rand, GString *out, guint n)
{
    for (guint i = 0; i < n; i++) {
        /* Mostly repeated lines, so that context is often ambiguous. */
        if (g_rand_int_range(rand, 0, 4)) {
            g_string_append(out, vocabulary[g_rand_int_range(
                                     rand, 0, G_N_ELEMENTS(vocabulary))]);
        } else {
            g_string_append_printf(out, "unique %u", g_rand_int(rand));
        }
        g_string_append_c(out, '\n');
    }
}

static char *random_edit(GRand *rand, const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint n = g_strv_length(lines);
    GString *out = g_string_new(NULL);
    gboolean no_eol = g_rand_int_range(rand, 0, 8) == 0;

    for (guint i = 0; i + 1 < n || (i < n && lines[i][0]); i++) {
        int op = g_rand_int_range(rand, 0, 30);

        if (op == 0) {
            continue; /* delete */
        }
        if (op == 1) {
            random_lines(rand, out, g_rand_int_range(rand, 1, 4));
        }
        g_string_append(out, op == 2 ? "changed line" : lines[i]);
        g_string_append_c(out, '\n');
    }
    if (no_eol && out->len) {
        g_string_truncate(out, out->len - 1);
    }
    return g_string_free(out, FALSE);
}

/* Mostly small edits (git writes deltas), sometimes a new table (literal). */
static void random_blob_change(GRand *rand, const char *repo, guint round)
{
    const char *rel = "tests/data/acpi/table.aml";
    g_autoptr(GBytes) old = fx_read(repo, rel);
    g_autoptr(GBytes) b = NULL;
    g_autoptr(GByteArray) edit = NULL;

    if (!old || g_rand_int_range(rand, 0, 4) == 0) {
        b = fx_blob(round, 3000 + g_rand_int_range(rand, 0, 3000));
        fx_write_bytes(repo, rel, b);
        return;
    }
    edit = g_byte_array_new();
    g_byte_array_append(edit, g_bytes_get_data(old, NULL),
                        g_bytes_get_size(old));
    for (guint i = 0; i < 4; i++) {
        edit->data[g_rand_int_range(rand, 0, (gint32)edit->len)] ^= 0x5a;
    }
    g_byte_array_append(edit, (const guint8 *)"SRAT", 4);
    fx_write(repo, rel, edit->data, edit->len);
}

static void random_tree_change(GRand *rand, const char *repo, guint round)
{
    for (guint f = 0; f < 6; f++) {
        g_autofree char *rel = g_strdup_printf("src/dir%u/file%u.c", f % 2, f);
        g_autofree char *text = fx_read_str(repo, rel);
        int what = g_rand_int_range(rand, 0, 10);

        if (!text) {
            if (what < 5) {
                g_autoptr(GString) s = g_string_new(NULL);

                random_lines(rand, s, g_rand_int_range(rand, 0, 120));
                fx_write(repo, rel, s->str, (gssize)s->len);
            }
        } else if (what == 0) {
            g_free(fx_git(repo, "rm", "-q", rel));
        } else if (what == 9 && strlen(text) > 200) {
            /* A moved file with a small edit: git -M writes a rename. */
            g_autofree char *to =
                g_strdup_printf("src/moved/r%u_%u.c", round, f);
            g_autofree char *edited = g_strconcat(text, "moved\n", NULL);

            g_free(fx_git(repo, "rm", "-q", rel));
            fx_write(repo, to, edited, -1);
        } else if (what == 1) {
            g_autofree char *full = g_build_filename(repo, rel, NULL);

            g_assert_cmpint(g_chmod(full, (round & 1) ? 0755 : 0644), ==, 0);
        } else {
            g_autofree char *edited = random_edit(rand, text);

            fx_write(repo, rel, edited, -1);
        }
    }
    random_blob_change(rand, repo, round);
}

/* What the generated patches exercised, so the test can prove coverage. */
static const char *const cross_check_features[] = {
    "GIT binary patch",    "\ndelta ",        "\nliteral ",
    "\ndeleted file mode", "\nnew file mode", "\nold mode",
    "\\ No newline",       "@@ -0,0 ",        "\nrename from ",
};

static void cross_check_round(const char *repo, guint round, guint *seen)
{
    static const char *const context[] = { "-U3", "-U1", "-U0", "-U5" };
    g_autofree char *patch = NULL, *ours = NULL, *want = NULL;
    g_autofree char *want_snap = NULL, *ours_snap = NULL, *back_snap = NULL;
    g_autofree char *base_snap = NULL;
    g_autoptr(QfApplyResult) r = NULL, back = NULL;

    patch = fx_git(repo, "diff", "--binary", "-M", context[round % 4], "HEAD~1",
                   "HEAD");
    for (guint i = 0; i < G_N_ELEMENTS(cross_check_features); i++) {
        seen[i] += strstr(patch, cross_check_features[i]) != NULL;
    }
    ours = fx_git_checkout_copy(repo, "HEAD~1");
    want = fx_git_checkout_copy(repo, "HEAD");
    base_snap = fx_snapshot(ours);
    r = apply_ok(ours, patch, 0, FALSE);
    want_snap = fx_snapshot(want);
    ours_snap = fx_snapshot(ours);
    if (strcmp(want_snap, ours_snap) != 0) {
        g_test_message("round %u patch:\n%s", round, patch);
    }
    g_assert_cmpstr(ours_snap, ==, want_snap);
    back = apply_ok(ours, patch, 0, TRUE);
    back_snap = fx_snapshot(ours);
    g_assert_cmpstr(back_snap, ==, base_snap);
    fx_rm_rf(ours);
    fx_rm_rf(want);
}

static void test_git_cross_check(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(20240301);
    g_autofree char *repo = NULL;
    guint rounds = g_test_slow() ? 200 : 40;
    guint seen[G_N_ELEMENTS(cross_check_features)] = { 0 };

    FX_SKIP_WITHOUT_GIT();
    repo = fx_git_init();
    fx_write(repo, "README", "cross-check\n", -1);
    random_tree_change(rand, repo, 0);
    fx_git_commit_all(repo, "base");
    for (guint round = 1; round <= rounds; round++) {
        random_tree_change(rand, repo, round);
        fx_git_commit_all(repo, "edit");
        cross_check_round(repo, round, seen);
    }
    for (guint i = 0; i < G_N_ELEMENTS(cross_check_features); i++) {
        g_autofree char *feature = g_strescape(cross_check_features[i], NULL);

        g_test_message("%u patches with \"%s\"", seen[i], feature);
        g_assert_cmpuint(seen[i], >, 0);
    }
    fx_rm_rf(repo);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fx_git_env();
    g_test_add_func("/apply/place/exact", test_exact);
    g_test_add_func("/apply/place/offset", test_offset);
    g_test_add_func("/apply/place/offset-nearest", test_offset_nearest);
    g_test_add_func("/apply/place/fuzz", test_fuzz);
    g_test_add_func("/apply/place/anchored-at-start", test_anchored_at_start);
    g_test_add_func("/apply/place/hunks-in-order", test_hunks_in_order);
    g_test_add_func("/apply/reverse/is-applied", test_reverse_is_applied);
    g_test_add_func("/apply/file/create-delete", test_create_delete);
    g_test_add_func("/apply/file/create-delete-conflicts",
                    test_create_delete_conflicts);
    g_test_add_func("/apply/file/mode-symlink", test_mode_change_and_symlink);
    g_test_add_func("/apply/file/rename", test_rename);
    g_test_add_func("/apply/text/crlf", test_crlf_preserved);
    g_test_add_func("/apply/text/no-newline-at-eof", test_no_newline_at_eof);
    g_test_add_func("/apply/binary/round-trip", test_binary_round_trip);
    g_test_add_func("/apply/binary/preimage-mismatch",
                    test_binary_preimage_mismatch);
    g_test_add_func("/apply/bad/parse", test_bad_parse);
    g_test_add_func("/apply/bad/unsafe-paths", test_unsafe_paths);
    g_test_add_func("/apply/bad/all-or-nothing", test_all_or_nothing);
    g_test_add_func("/apply/write/failure-names-path",
                    test_write_failure_names_path);
    g_test_add_func("/apply/git/cross-check", test_git_cross_check);
    g_test_add_func("/apply/binary/without-index", test_binary_without_index);
    g_test_add_func("/apply/bad/layout-conflict", test_layout_conflict);
    g_test_add_func("/apply/bad/no-path-left", test_no_path_left);
    return g_test_run();
}
