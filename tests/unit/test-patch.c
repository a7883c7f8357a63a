/*
 * Unit tests of the patch parser (lib/qf-patch.c) and of the binary
 * helpers it uses (base85, zlib, git deltas).
 *
 * Git-format fixtures come from real git runs on repositories the tests
 * create; hand-written patches cover what git never emits (quilt headers,
 * corrupt input).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-test-fixture.h"

#include "qf-base85.h"
#include "qf-delta.h"
#include "qf-error.h"
#include "qf-patch.h"

static QfPatch *parse_ok(const char *text)
{
    g_autoptr(GError) error = NULL;
    QfPatch *p = qf_patch_parse(text, strlen(text), "t.patch", &error);

    g_assert_no_error(error);
    g_assert_nonnull(p);
    return p;
}

/* Parsing must fail with QF_ERROR_PARSE naming the file and @line. */
static void parse_fails_at(const char *text, gsize len, guint line,
                           const char *what)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(QfPatch) p = qf_patch_parse(text, len, "bad.patch", &error);
    g_autofree char *where = g_strdup_printf("bad.patch:%u: ", line);

    g_assert_null(p);
    g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
    g_test_message("error: %s", error->message);
    g_assert_true(g_str_has_prefix(error->message, where));
    g_assert_nonnull(strstr(error->message, what));
}

static QfFilePatch *file_at(const QfPatch *p, guint i)
{
    g_assert_cmpuint(p->files->len, >, i);
    return p->files->pdata[i];
}

static QfHunk *hunk_at(const QfFilePatch *fp, guint i)
{
    g_assert_cmpuint(fp->hunks->len, >, i);
    return fp->hunks->pdata[i];
}

static const char *hunk_line(const QfHunk *h, guint i)
{
    g_assert_cmpuint(h->lines->len, >, i);
    return h->lines->pdata[i];
}

/* 1-based number of the first line of @text that starts with @prefix. */
static guint line_of(const char *text, const char *prefix)
{
    guint n = 1;

    for (const char *p = text; *p; n++) {
        const char *nl = strchr(p, '\n');

        if (g_str_has_prefix(p, prefix)) {
            return n;
        }
        if (!nl) {
            break;
        }
        p = nl + 1;
    }
    g_assert_not_reached();
    return 0;
}

/* ---- mail headers ---------------------------------------------------- */

static void test_format_patch_utf8(void)
{
    g_autofree char *repo = NULL, *mbox = NULL;
    g_autoptr(QfPatch) p = NULL;
    const char *subject = "hw/acpi: préserve the generic initiator order "
                          "across repeated hotplug événements";

    FX_SKIP_WITHOUT_GIT();
    repo = fx_git_init();
    fx_write(repo, "hw/acpi/gi.c", "one\ntwo\nthree\n", -1);
    fx_git_commit_all(repo, "base");
    fx_write(repo, "hw/acpi/gi.c", "one\n2\nthree\n", -1);
    g_free(fx_git(repo, "add", "-A"));
    {
        g_autofree char *msg = g_strdup_printf(
            "%s\n\nBody line one.\n\nSigned-off-by: Jöhn Dœ <john@example.com>",
            subject);

        g_free(fx_git(repo, "commit", "-q", "--author",
                      "Jöhn Dœ <john@example.com>", "-m", msg));
    }
    mbox = fx_git(repo, "format-patch", "-1", "--stdout");
    /* The fixture must exercise encoded words and header folding. */
    g_assert_nonnull(strstr(mbox, "=?UTF-8?q?"));
    g_assert_nonnull(strstr(mbox, "\n =?UTF-8?q?"));

    p = parse_ok(mbox);
    g_assert_cmpstr(p->author_name, ==, "Jöhn Dœ");
    g_assert_cmpstr(p->author_email, ==, "john@example.com");
    g_assert_cmpstr(p->date, ==, "Fri, 1 Mar 2024 12:00:00 +0000");
    g_assert_cmpstr(p->subject, ==, subject);
    g_assert_cmpstr(
        p->body, ==,
        "Body line one.\n\nSigned-off-by: Jöhn Dœ <john@example.com>");
    g_assert_cmpuint(p->files->len, ==, 1);
    g_assert_cmpstr(file_at(p, 0)->old_path, ==, "hw/acpi/gi.c");
    g_assert_cmpstr(file_at(p, 0)->new_path, ==, "hw/acpi/gi.c");
    g_assert_cmpuint(file_at(p, 0)->hunks->len, ==, 1);
    fx_rm_rf(repo);
}

/*
 * QEMU's ACPI table updates quote the disassembled table diff in the
 * commit message.  git am takes that quote for the patch; we must not.
 */
static void test_diff_quoted_in_message(void)
{
    static const char message[] =
        "tests/acpi: update expected DSDT\n"
        "\n"
        "--- a/DSDT.dsl\n"
        "+++ b/DSDT.dsl\n"
        "@@ -1,2 +1,2 @@\n"
        "- *     Checksum         0x0F\n"
        "+ *     Checksum         0xE9\n"
        "\n"
        "Signed-off-by: A U Thor <author@example.com>";
    g_autofree char *repo = NULL, *mbox = NULL;
    g_autoptr(QfPatch) p = NULL;

    FX_SKIP_WITHOUT_GIT();
    repo = fx_git_init();
    fx_write(repo, "tests/data/acpi/virt/DSDT", "v1\n", -1);
    fx_git_commit_all(repo, "base");
    fx_write(repo, "tests/data/acpi/virt/DSDT", "v2\n", -1);
    g_free(fx_git(repo, "commit", "-q", "-a", "-m", message));
    mbox = fx_git(repo, "format-patch", "-1", "--stdout");
    p = parse_ok(mbox);
    g_assert_cmpstr(p->subject, ==, "tests/acpi: update expected DSDT");
    g_assert_cmpstr(p->body, ==, strchr(message, '\n') + 2);
    g_assert_cmpuint(p->files->len, ==, 1);
    g_assert_cmpstr(file_at(p, 0)->new_path, ==, "tests/data/acpi/virt/DSDT");
    fx_rm_rf(repo);
}

/* Saved from a list archive: transport headers first, no mbox line. */
static const char archived_mail[] =
    "Return-Path: <list-bounces@example.org>\n"
    "Received: from localhost ([::1] helo=lists.example.org)\n"
    "\tby lists.example.org with esmtp (Exim 4.90_1)\n"
    "X-Spam_report: (-7.5 / 5.0 requ) BAYES_00=-1.9,\n"
    " DKIM_SIGNED=0.1\n"
    "From: Mauro Example <mauro@example.org>\n"
    "Subject: [PATCH v4 12/14] tests/acpi: virt: add a HEST table to\n"
    " aarch64 virt and update DSDT\n"
    "Date: Fri, 21 Feb 2025 15:35:21 +0100\n"
    "\n"
    "--- a/DSDT.dsl        2025-01-28 09:38:15.155347858 +0100\n"
    "+++ b/DSDT.dsl        2025-01-28 09:39:01.684836954 +0100\n"
    "@@ -9,1 +9,1 @@\n"
    "- *     Checksum         0x0F\n"
    "+ *     Checksum         0xE9\n"
    "\n"
    "Signed-off-by: Mauro Example <mauro@example.org>\n"
    "---\n"
    " tests/qtest/bios-tables-test-allowed-diff.h | 1 -\n"
    "\n"
    "diff --git a/tests/qtest/bios-tables-test-allowed-diff.h "
    "b/tests/qtest/bios-tables-test-allowed-diff.h\n"
    "--- a/tests/qtest/bios-tables-test-allowed-diff.h\n"
    "+++ b/tests/qtest/bios-tables-test-allowed-diff.h\n"
    "@@ -1,2 +1 @@\n"
    " /* List of comma-separated changed AML files to ignore */\n"
    "-\"tests/data/acpi/aarch64/virt/DSDT\",\n"
    "-- \n"
    "2.48.1\n";

static void test_archived_mail(void)
{
    g_autoptr(QfPatch) p = parse_ok(archived_mail);

    g_assert_cmpstr(p->author_name, ==, "Mauro Example");
    g_assert_cmpstr(p->subject, ==,
                    "tests/acpi: virt: add a HEST table to "
                    "aarch64 virt and update DSDT");
    g_assert_true(g_str_has_prefix(p->body, "--- a/DSDT.dsl "));
    g_assert_true(g_str_has_suffix(p->body, "<mauro@example.org>"));
    g_assert_cmpuint(p->files->len, ==, 1);
}

/* A description that starts like a header is still a description. */
static void test_quilt_note_is_not_mail(void)
{
    static const char text[] = "Note: keep this line.\n"
                               "\n"
                               "--- a/x.c        2025-01-28 09:38:15 +0100\n"
                               "+++ b/x.c        2025-01-28 09:39:01 +0100\n"
                               "@@ -1 +1 @@\n"
                               "-a\n"
                               "+b\n";
    g_autoptr(QfPatch) p = parse_ok(text);

    g_assert_null(p->subject);
    g_assert_cmpstr(p->body, ==, "Note: keep this line.");
    /* A mailer turned the TAB before the timestamp into spaces. */
    g_assert_cmpstr(file_at(p, 0)->new_path, ==, "x.c");
}

static const char handwritten_mbox[] =
    "From 1234567890abcdef1234567890abcdef12345678 Mon Sep 17 00:00:00 2001\n"
    "From: \"Doe, John\" <john@example.com>\n"
    "Date: Tue, 2 Apr 2024 10:00:00 +0200\n"
    "Subject: [PATCH v2 3/7] =?UTF-8?q?hw/arm/virt:=20caf=C3=A9=20?=\n"
    " =?UTF-8?q?na=C3=AFve=20r=C3=A9sum=C3=A9?= handling\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "\n"
    "Body text.\n"
    "\n"
    "Signed-off-by: John Doe <john@example.com>\n"
    "---\n"
    "v2: notes after the separator are not part of the message\n"
    " a.c | 2 +-\n"
    " 1 file changed, 1 insertion(+), 1 deletion(-)\n"
    "\n"
    "diff --git a/a.c b/a.c\n"
    "index 1111111..2222222 100644\n"
    "--- a/a.c\n"
    "+++ b/a.c\n"
    "@@ -1,3 +1,3 @@\n"
    " one\n"
    "-two\n"
    "+TWO\n"
    " three\n"
    "-- \n"
    "2.39.5\n"
    "\n";

static void test_mbox_headers(void)
{
    g_autoptr(QfPatch) p = parse_ok(handwritten_mbox);
    QfFilePatch *fp = file_at(p, 0);

    g_assert_cmpstr(p->author_name, ==, "Doe, John");
    g_assert_cmpstr(p->author_email, ==, "john@example.com");
    g_assert_cmpstr(p->date, ==, "Tue, 2 Apr 2024 10:00:00 +0200");
    /* Space between adjacent encoded words goes, the encoded =20 stays. */
    g_assert_cmpstr(p->subject, ==, "hw/arm/virt: café naïve résumé handling");
    g_assert_cmpstr(p->body, ==,
                    "Body text.\n\nSigned-off-by: John Doe <john@example.com>");
    g_assert_cmpstr(fp->old_oid, ==, "1111111");
    g_assert_cmpstr(fp->new_oid, ==, "2222222");
    g_assert_cmpuint(fp->old_mode, ==, 0100644);
    g_assert_cmpuint(fp->patch_line, ==,
                     line_of(handwritten_mbox, "diff --git"));
    g_assert_cmpuint(hunk_at(fp, 0)->patch_line, ==,
                     line_of(handwritten_mbox, "@@"));
    /* The signature after the last hunk is not part of the hunk. */
    g_assert_cmpuint(hunk_at(fp, 0)->lines->len, ==, 4);
}

static void test_mbox_in_body_from_and_base64(void)
{
    static const char text[] =
        "From: Sender <sender@example.com>\n"
        "Subject: =?utf-8?b?w6lsw6ln?= =?ISO-8859-1?Q?_caf=E9?=\n"
        "\n"
        "From: Real Author <real@example.com>\n"
        "Date: Wed, 3 Apr 2024 09:00:00 +0000\n"
        "\n"
        "Real body.\n"
        "---\n"
        "diff --git a/a b/a\n"
        "--- a/a\n"
        "+++ b/a\n"
        "@@ -1 +1 @@\n"
        "-x\n"
        "+y\n";
    g_autoptr(QfPatch) p = parse_ok(text);

    g_assert_cmpstr(p->author_name, ==, "Real Author");
    g_assert_cmpstr(p->author_email, ==, "real@example.com");
    g_assert_cmpstr(p->date, ==, "Wed, 3 Apr 2024 09:00:00 +0000");
    g_assert_cmpstr(p->subject, ==, "élég café");
    g_assert_cmpstr(p->body, ==, "Real body.");
}

/* ---- plain diffs ------------------------------------------------------ */

static const char quilt_patch[] =
    "Fix the frobnicator.\n"
    "\n"
    "The frobnicator overflowed.\n"
    "\n"
    "Index: qemu/hw/frob.c\n"
    "===================================================================\n"
    "--- qemu.orig/hw/frob.c\t2024-01-01 10:00:00.000000000 +0100\n"
    "+++ qemu/hw/frob.c\t2024-01-02 10:00:00.000000000 +0100\n"
    "@@ -1 +1 @@\n"
    "-old\n"
    "+new\n"
    "Index: qemu/hw/new.c\n"
    "===================================================================\n"
    "--- /dev/null\t1970-01-01 00:00:00.000000000 +0000\n"
    "+++ qemu/hw/new.c\t2024-01-02 10:00:00.000000000 +0100\n"
    "@@ -0,0 +1,2 @@\n"
    "+a\n"
    "+b\n"
    "--- qemu.orig/hw/gone.c\t2024-01-01 10:00:00.000000000 +0100\n"
    "+++ qemu/hw/gone.c\t1970-01-01 01:00:00.000000000 +0100\n"
    "@@ -1 +0,0 @@\n"
    "-bye\n";

static void test_quilt_patch(void)
{
    g_autoptr(QfPatch) p = parse_ok(quilt_patch);
    QfHunk *h;

    g_assert_null(p->author_name);
    g_assert_null(p->subject);
    g_assert_cmpstr(p->body, ==,
                    "Fix the frobnicator.\n\nThe frobnicator overflowed.");
    g_assert_cmpuint(p->files->len, ==, 3);
    g_assert_cmpstr(file_at(p, 0)->old_path, ==, "hw/frob.c");
    g_assert_cmpstr(file_at(p, 0)->new_path, ==, "hw/frob.c");
    h = hunk_at(file_at(p, 0), 0);
    g_assert_cmpuint(h->old_start, ==, 1);
    g_assert_cmpuint(h->old_len, ==, 1); /* omitted length */
    g_assert_cmpuint(h->new_len, ==, 1);
    g_assert_cmpstr(hunk_line(h, 0), ==, "-old");
    g_assert_cmpstr(hunk_line(h, 1), ==, "+new");
    /* /dev/null creates; an epoch timestamp (any zone) deletes. */
    g_assert_null(file_at(p, 1)->old_path);
    g_assert_cmpstr(file_at(p, 1)->new_path, ==, "hw/new.c");
    g_assert_cmpstr(file_at(p, 2)->old_path, ==, "hw/gone.c");
    g_assert_null(file_at(p, 2)->new_path);
}

static void test_plain_without_ab_prefix(void)
{
    static const char ok[] = "--- orig/dir/f.c\n"
                             "+++ new/dir/f.c\n"
                             "@@ -1 +1 @@\n"
                             "-a\n"
                             "+b\n";
    g_autoptr(QfPatch) p = parse_ok(ok);

    g_assert_cmpstr(file_at(p, 0)->old_path, ==, "dir/f.c");
    g_assert_cmpstr(file_at(p, 0)->new_path, ==, "dir/f.c");
}

static void test_hunk_forms(void)
{
    static const char text[] = "--- a/f\n"
                               "+++ b/f\n"
                               "@@ -1,3 +1,3 @@ section name\n"
                               " one\r\n"
                               "\n" /* mailer-stripped context */
                               "-three\r\n"
                               "\\ No newline at end of file\n"
                               "+THREE\r\n"
                               "\\ No newline at end of file\n";
    g_autoptr(QfPatch) p = parse_ok(text);
    QfHunk *h = hunk_at(file_at(p, 0), 0);

    g_assert_cmpuint(h->lines->len, ==, 4);
    g_assert_cmpstr(hunk_line(h, 0), ==, " one\r"); /* CR kept */
    g_assert_cmpstr(hunk_line(h, 1), ==, " ");
    g_assert_cmpstr(hunk_line(h, 2), ==, "-three\r");
    g_assert_cmpstr(hunk_line(h, 3), ==, "+THREE\r");
    g_assert_true(h->old_no_eol);
    g_assert_true(h->new_no_eol);
    g_assert_cmpuint(h->patch_line, ==, 3);
}

static void test_no_eol_one_side(void)
{
    static const char text[] = "--- a/f\n"
                               "+++ b/f\n"
                               "@@ -1 +1,2 @@\n"
                               "-x\n"
                               "\\ No newline at end of file\n"
                               "+x\n"
                               "+y\n";
    g_autoptr(QfPatch) p = parse_ok(text);
    QfHunk *h = hunk_at(file_at(p, 0), 0);

    g_assert_true(h->old_no_eol);
    g_assert_false(h->new_no_eol);
}

/* ---- git extended headers from real git -------------------------------- */

static char *numbered_lines(guint n, const char *tag)
{
    GString *s = g_string_new(NULL);

    for (guint i = 1; i <= n; i++) {
        g_string_append_printf(s, "%s line %u\n", tag, i);
    }
    return g_string_free(s, FALSE);
}

static void test_git_rename_copy(void)
{
    g_autofree char *repo = NULL, *body = NULL, *diff = NULL, *cdiff = NULL;
    g_autoptr(QfPatch) p = NULL, c = NULL;
    QfFilePatch *fp;

    FX_SKIP_WITHOUT_GIT();
    repo = fx_git_init();
    body = numbered_lines(30, "src");
    fx_write(repo, "old/name.c", body, -1);
    fx_git_commit_all(repo, "base");
    g_free(fx_git(repo, "rm", "-q", "old/name.c"));
    body[0] = 'S';
    fx_write(repo, "new/name.c", body, -1);
    fx_git_commit_all(repo, "rename");
    diff = fx_git(repo, "format-patch", "-M", "-1", "--stdout");
    p = parse_ok(diff);
    fp = file_at(p, 0);
    g_assert_true(fp->is_rename);
    g_assert_false(fp->is_copy);
    g_assert_cmpstr(fp->old_path, ==, "old/name.c");
    g_assert_cmpstr(fp->new_path, ==, "new/name.c");
    g_assert_cmpuint(fp->hunks->len, ==, 1);

    fx_write(repo, "copy/name.c", body, -1);
    fx_git_commit_all(repo, "copy");
    cdiff = fx_git(repo, "diff", "-C", "-C", "HEAD~1", "HEAD");
    c = parse_ok(cdiff);
    fp = file_at(c, 0);
    g_assert_true(fp->is_copy);
    g_assert_cmpstr(fp->old_path, ==, "new/name.c");
    g_assert_cmpstr(fp->new_path, ==, "copy/name.c");
    g_assert_cmpuint(fp->hunks->len, ==, 0);
    fx_rm_rf(repo);
}

static void test_git_modes(void)
{
    g_autofree char *repo = NULL, *d1 = NULL, *d2 = NULL;
    g_autofree char *script = NULL, *tool = NULL;
    g_autoptr(QfPatch) p1 = NULL, p2 = NULL;

    FX_SKIP_WITHOUT_GIT();
    repo = fx_git_init();
    fx_write(repo, "run.sh", "#!/bin/sh\n", -1);
    fx_write(repo, "gone.txt", "bye\n", -1);
    fx_git_commit_all(repo, "base");
    script = g_build_filename(repo, "run.sh", NULL);
    g_assert_cmpint(g_chmod(script, 0755), ==, 0);
    fx_write(repo, "tool", "#!/bin/sh\necho\n", -1);
    tool = g_build_filename(repo, "tool", NULL);
    g_assert_cmpint(g_chmod(tool, 0755), ==, 0);
    g_free(fx_git(repo, "rm", "-q", "gone.txt"));
    fx_git_commit_all(repo, "modes");
    d1 = fx_git(repo, "diff", "HEAD~1", "HEAD", "--", "run.sh");
    p1 = parse_ok(d1);
    g_assert_cmpuint(file_at(p1, 0)->old_mode, ==, 0100644);
    g_assert_cmpuint(file_at(p1, 0)->new_mode, ==, 0100755);
    g_assert_cmpuint(file_at(p1, 0)->hunks->len, ==, 0);
    g_assert_cmpstr(file_at(p1, 0)->new_path, ==, "run.sh");

    d2 = fx_git(repo, "diff", "HEAD~1", "HEAD", "--", "tool", "gone.txt");
    p2 = parse_ok(d2);
    g_assert_cmpuint(p2->files->len, ==, 2);
    /* git sorts by name: gone.txt (deleted) then tool (created). */
    g_assert_cmpstr(file_at(p2, 0)->old_path, ==, "gone.txt");
    g_assert_null(file_at(p2, 0)->new_path);
    g_assert_cmpuint(file_at(p2, 0)->old_mode, ==, 0100644);
    g_assert_null(file_at(p2, 1)->old_path);
    g_assert_cmpstr(file_at(p2, 1)->new_path, ==, "tool");
    g_assert_cmpuint(file_at(p2, 1)->new_mode, ==, 0100755);
    fx_rm_rf(repo);
}

static void test_git_quoted_path(void)
{
    g_autofree char *repo = NULL, *diff = NULL;
    g_autoptr(QfPatch) p = NULL;

    FX_SKIP_WITHOUT_GIT();
    repo = fx_git_init();
    fx_write(repo, "dir/with space/é.txt", "x\n", -1);
    fx_git_commit_all(repo, "add");
    diff = fx_git(repo, "format-patch", "-1", "--stdout");
    g_assert_nonnull(strstr(diff, "\\303\\251")); /* git quoted it */
    p = parse_ok(diff);
    g_assert_null(file_at(p, 0)->old_path);
    g_assert_cmpstr(file_at(p, 0)->new_path, ==, "dir/with space/é.txt");
    fx_rm_rf(repo);
}

static void test_paths_dedup(void)
{
    static const char text[] = "diff --git a/x b/y\n"
                               "similarity index 100%\n"
                               "rename from x\n"
                               "rename to y\n"
                               "diff --git a/y b/y\n"
                               "--- a/y\n"
                               "+++ b/y\n"
                               "@@ -1 +1 @@\n"
                               "-a\n"
                               "+b\n"
                               "diff --git a/z b/z\n"
                               "new file mode 100644\n"
                               "index 0000000..e69de29\n";
    g_autoptr(QfPatch) p = parse_ok(text);
    g_autoptr(GPtrArray) paths = qf_patch_paths(p);

    g_assert_cmpuint(paths->len, ==, 3);
    g_assert_cmpstr(paths->pdata[0], ==, "x");
    g_assert_cmpstr(paths->pdata[1], ==, "y");
    g_assert_cmpstr(paths->pdata[2], ==, "z");
    /* An empty new file has no hunk: its name comes from "diff --git". */
    g_assert_null(file_at(p, 2)->old_path);
    g_assert_cmpuint(file_at(p, 2)->new_mode, ==, 0100644);
}

/* ---- binary patches from real git -------------------------------------- */

static void test_git_binary(void)
{
    FxBinary f;
    g_autoptr(QfPatch) add = NULL, change = NULL;
    g_autoptr(GBytes) out = NULL, back = NULL;
    QfFilePatch *fp;

    FX_SKIP_WITHOUT_GIT();
    fx_binary(&f);
    add = parse_ok(f.add_patch);
    fp = file_at(add, 0);
    g_assert_cmpint(fp->bin_kind, ==, QF_BINARY_LITERAL);
    g_assert_cmpuint(fp->bin_size, ==, 20000);
    g_assert_true(g_bytes_equal(fp->bin_data, f.v1));
    g_assert_cmpint(fp->bin_reverse_kind, ==, QF_BINARY_LITERAL);
    g_assert_cmpuint(fp->bin_reverse_size, ==, 0);
    g_assert_cmpuint(strlen(fp->new_oid), ==, 40);

    change = parse_ok(f.change_patch);
    fp = file_at(change, 0);
    g_assert_cmpint(fp->bin_kind, ==, QF_BINARY_DELTA);
    g_assert_cmpint(fp->bin_reverse_kind, ==, QF_BINARY_DELTA);
    out = qf_delta_apply(f.v1, fp->bin_data, NULL);
    g_assert_nonnull(out);
    g_assert_true(g_bytes_equal(out, f.v2));
    back = qf_delta_apply(f.v2, fp->bin_reverse_data, NULL);
    g_assert_true(g_bytes_equal(back, f.v1));
    fx_binary_clear(&f);
}

/* Change the @nth character of the first base85 data line (to @c or c+1). */
static char *corrupt_base85(const char *patch, guint nth, char c, guint *line)
{
    char *copy = g_strdup(patch);
    char *lit = strstr(copy, "\nliteral ");
    char *data;

    if (!lit) {
        lit = strstr(copy, "\ndelta ");
    }
    g_assert_nonnull(lit);
    data = strchr(lit + 1, '\n') + 1;
    data[nth] = data[nth] == c ? c + 1 : c;
    *line = 1;
    for (const char *p = copy; p < data; p++) {
        *line += *p == '\n';
    }
    return copy;
}

static void test_binary_errors(void)
{
    FxBinary f;
    g_autofree char *bad_char = NULL, *bad_len = NULL, *bad_zlib = NULL;
    g_autofree char *bad_size = NULL;
    guint line, block;
    char *size;

    FX_SKIP_WITHOUT_GIT();
    fx_binary(&f);
    bad_char = corrupt_base85(f.add_patch, 3, '"', &line);
    parse_fails_at(bad_char, strlen(bad_char), line, "invalid base85");
    bad_len = corrupt_base85(f.add_patch, 0, 'A', &line);
    parse_fails_at(bad_len, strlen(bad_len), line, "base85 line");
    /* A valid character changes the bytes: zlib must notice. */
    bad_zlib = corrupt_base85(f.change_patch, 5, '0', &line);
    block = line - 1;
    parse_fails_at(bad_zlib, strlen(bad_zlib), block, "inflate error");
    bad_size = g_strdup(f.add_patch);
    size = strstr(bad_size, "literal 20000");
    g_assert_nonnull(size);
    memcpy(size, "literal 19990", 13);
    parse_fails_at(bad_size, strlen(bad_size),
                   line_of(bad_size, "literal 19990"), "declared 19990");
    fx_binary_clear(&f);
}

/* ---- corrupt or unsupported input: one table ------------------------- */

typedef struct BadPatch {
    const char *name;
    const char *text;
    guint line;       /* the line the error must name */
    const char *what; /* part of the message */
} BadPatch;

static const BadPatch bad_patches[] = {
    { "truncated-hunk", "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n one\n-two\n", 3,
      "truncated" },
    { "garbage-in-hunk",
      "--- a/f\n+++ b/f\n@@ -1,3 +1,3 @@\n one\ngarbage\n-two\n+2\n three\n", 5,
      "unexpected line" },
    { "hunk-too-long",
      "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n one\n-two\n+2\n+extra\n", 7,
      "longer than its header" },
    /* Two old lines where the header says one; new lines still pending. */
    { "hunk-too-long-inside",
      "--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n-one\n-two\n+1\n+2\n", 5,
      "more lines than the hunk header" },
    { "malformed-hunk-header", "--- a/f\n+++ b/f\n@@ -1,x +1 @@\n-a\n", 3,
      "malformed hunk header" },
    { "hunk-without-header",
      "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+b\n\n@@ -5 +5 @@\n-c\n+d\n", 7,
      "without a file header" },
    { "minus-without-plus", "diff --git a/f b/f\n--- a/f\n@@ -1 +1 @@\n", 3,
      "\"+++\"" },
    { "malformed-mode", "diff --git a/f b/f\nold mode 10x644\n", 2,
      "malformed line" },
    { "no-component-to-strip", "--- f.c\n+++ f.c\n@@ -1 +1 @@\n-a\n+b\n", 1,
      "cannot strip" },
    { "binary-without-data",
      "diff --git a/b.bin b/b.bin\nindex 1111111..2222222 100644\n"
      "Binary files a/b.bin and b/b.bin differ\n",
      3, "--binary" },
    { "encoded-body",
      "From: A <a@example.com>\nSubject: x\n"
      "Content-Transfer-Encoding: quoted-printable\n\nbody\n",
      3, "quoted-printable" },
};

static void test_bad_patch(gconstpointer data)
{
    const BadPatch *b = data;

    parse_fails_at(b->text, strlen(b->text), b->line, b->what);
}

static void test_no_diff(void)
{
    static const char text[] = "From: A <a@example.com>\n"
                               "Subject: nothing\n\nbody\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(QfPatch) p =
        qf_patch_parse(text, strlen(text), "empty.patch", &error);

    g_assert_null(p);
    g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
    g_assert_nonnull(strstr(error->message, "empty.patch"));
}

/*
 * A file is created, deleted, renamed or copied, never two of these (git:
 * "inconsistent header lines").  Deleted + copy used to crash the applier.
 */
static void test_inconsistent_headers(void)
{
    static const struct {
        const char *headers;
        guint line;
        const char *what;
    } cases[] = {
        { "deleted file mode 100644\ncopy from a\ncopy to b\n", 3,
          "inconsistent header lines 2 and 3: a copy header after a "
          "deleted file one" },
        { "new file mode 100644\ncopy from a\ncopy to b\n", 3,
          "inconsistent header lines 2 and 3" },
        { "copy from a\ncopy to b\ndeleted file mode 100644\n", 4,
          "inconsistent header lines 2 and 4" },
        { "rename from a\nrename to b\nnew file mode 100644\n", 4,
          "a new file header after a rename one" },
        { "rename from a\ncopy to b\n", 3, "a copy header after a rename" },
        { "new file mode 100644\ndeleted file mode 100644\n", 3,
          "inconsistent header lines 2 and 3" },
        { "new file mode 100755\nold mode 100644\n", 3,
          "a new file has no old mode" },
        { "old mode 100644\nnew file mode 100755\n", 3,
          "a new file has no old mode" },
        { "deleted file mode 100644\nnew mode 100755\n", 3,
          "a deleted file has no new mode" },
        { "copy from a\ncopy to a\n", 2, "copy from and to the same path" },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *text = g_strdup_printf(
            "diff --git a/a b/b\n%s", cases[i].headers);

        parse_fails_at(text, strlen(text), cases[i].line, cases[i].what);
    }
}

/* A FIFO is refused without waiting for a writer. */
static void test_load_fifo(void)
{
    g_autofree char *dir = g_dir_make_tmp("test-patch-XXXXXX", NULL);
    g_autofree char *fifo = g_build_filename(dir, "p.patch", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(QfPatch) p = NULL;

    g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
    p = qf_patch_load(fifo, &error);
    g_assert_null(p);
    g_assert_error(error, QF_ERROR, QF_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "is a FIFO, not a regular file"));
    g_unlink(fifo);
    g_rmdir(dir);
}

static void test_load_missing(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(QfPatch) p = qf_patch_load("/nonexistent/x.patch", &error);

    g_assert_null(p);
    g_assert_error(error, QF_ERROR, QF_ERROR_NOT_FOUND);
}

/* ---- binary helpers ------------------------------------------------------ */

static void test_base85_vector(void)
{
    g_autoptr(GByteArray) out = g_byte_array_new();
    g_autoptr(GError) error = NULL;

    /* git encodes the 4 bytes "\0\0\0\0" as "00000", one byte "A" + group. */
    g_assert_true(qf_base85_decode_line("D00000", 6, out, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(out->len, ==, 4);
    g_assert_cmpuint(out->data[0] | out->data[1] | out->data[2] | out->data[3],
                     ==, 0);
    /* 85^5 - 1 overflows 32 bits. */
    g_assert_false(qf_base85_decode_line("D~~~~~", 6, out, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
}

static void test_delta_opcodes(void)
{
    /* src 11, dst 11; copy 6 bytes from offset 0; insert "there". */
    static const guint8 delta[] = {
        11, 11, 0x90, 6, 5, 't', 'h', 'e', 'r', 'e'
    };
    static const guint8 beyond[] = { 11, 4, 0x91, 10, 4 };
    static const guint8 zero_op[] = { 11, 1, 0 };
    static const guint8 short_out[] = { 11, 7, 0x90, 6 };
    g_autoptr(GBytes) src = g_bytes_new_static("hello world", 11);
    g_autoptr(GBytes) d = g_bytes_new_static(delta, sizeof(delta));
    g_autoptr(GBytes) small = g_bytes_new_static("hello", 5);
    g_autoptr(GBytes) out = NULL;
    g_autoptr(GError) error = NULL;
    guint64 s, t;

    out = qf_delta_apply(src, d, &error);
    g_assert_no_error(error);
    g_assert_cmpmem(g_bytes_get_data(out, NULL), g_bytes_get_size(out),
                    "hello there", 11);
    g_assert_null(qf_delta_apply(small, d, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_CONFLICT);
    g_clear_error(&error);
    {
        const guint8 *bad[] = { beyond, zero_op, short_out };
        gsize lens[] = { sizeof(beyond), sizeof(zero_op), sizeof(short_out) };

        for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
            g_autoptr(GBytes) b = g_bytes_new_static(bad[i], lens[i]);

            g_assert_false(qf_delta_check(b, &s, &t, &error));
            g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
            g_clear_error(&error);
        }
    }
}

static void test_blob_sha1(void)
{
    g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);
    g_autofree char *id = qf_git_blob_sha1(empty);

    /* git's well-known id of the empty blob. */
    g_assert_cmpstr(id, ==, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fx_git_env();
    g_test_add_func("/patch/mail/format-patch-utf8", test_format_patch_utf8);
    g_test_add_func("/patch/mail/headers", test_mbox_headers);
    g_test_add_func("/patch/mail/diff-in-message", test_diff_quoted_in_message);
    g_test_add_func("/patch/mail/archived", test_archived_mail);
    g_test_add_func("/patch/plain/note-is-not-mail",
                    test_quilt_note_is_not_mail);
    g_test_add_func("/patch/mail/in-body-from",
                    test_mbox_in_body_from_and_base64);
    g_test_add_func("/patch/plain/quilt", test_quilt_patch);
    g_test_add_func("/patch/plain/no-ab-prefix", test_plain_without_ab_prefix);
    g_test_add_func("/patch/hunk/forms", test_hunk_forms);
    g_test_add_func("/patch/hunk/no-eol-one-side", test_no_eol_one_side);
    g_test_add_func("/patch/git/rename-copy", test_git_rename_copy);
    g_test_add_func("/patch/git/modes", test_git_modes);
    g_test_add_func("/patch/git/quoted-path", test_git_quoted_path);
    g_test_add_func("/patch/git/paths", test_paths_dedup);
    g_test_add_func("/patch/binary/literal-delta", test_git_binary);
    g_test_add_func("/patch/binary/errors", test_binary_errors);
    for (guint i = 0; i < G_N_ELEMENTS(bad_patches); i++) {
        g_autofree char *path =
            g_strdup_printf("/patch/bad/%s", bad_patches[i].name);

        g_test_add_data_func(path, &bad_patches[i], test_bad_patch);
    }
    g_test_add_func("/patch/bad/no-diff", test_no_diff);
    g_test_add_func("/patch/load/missing", test_load_missing);
    g_test_add_func("/patch/load/fifo", test_load_fifo);
    g_test_add_func("/patch/bad/inconsistent-headers",
                    test_inconsistent_headers);
    g_test_add_func("/patch/helpers/base85", test_base85_vector);
    g_test_add_func("/patch/helpers/delta", test_delta_opcodes);
    g_test_add_func("/patch/helpers/blob-sha1", test_blob_sha1);
    return g_test_run();
}
