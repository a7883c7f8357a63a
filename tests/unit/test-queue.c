/*
 * Unit tests of qf-queue's pure parts: which entries are in the base, and
 * the commit message a pushed entry gets (checked with git's own trailer
 * parser).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "qf-queue.h"

static QfEntry *entry(QfEntryKind kind, const char *name,
                      const char *first_release, const char *min_release)
{
    QfEntry *e = g_new0(QfEntry, 1);

    e->kind = kind;
    e->name = g_strdup(name);
    e->sha12 = kind == QF_ENTRY_DOWNSTREAM ? NULL : g_strdup(name);
    e->subject = g_strdup("the table's subject");
    e->first_release = g_strdup(first_release);
    e->min_release = g_strdup(min_release);
    return e;
}

static void entry_free(QfEntry *e)
{
    g_free(e->name);
    g_free(e->sha12);
    g_free(e->full_sha);
    g_free(e->subject);
    g_free(e->first_release);
    g_free(e->min_release);
    g_free(e);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfEntry, entry_free)

typedef struct {
    QfEntryKind kind;
    const char *first, *min;
    gboolean in_base, unverified;
    const char *reason_has;
} InBaseCase;

static void test_in_base(void)
{
    static const InBaseCase cases[] = {
        {QF_ENTRY_UPSTREAM, "v9.0.0", "v9.0", TRUE, FALSE, "first released in v9.0.0"},
        {QF_ENTRY_UPSTREAM, "v11.1.1", NULL, TRUE, FALSE, "(base 11.1.1)"},
        {QF_ENTRY_UPSTREAM, "v11.1.1-rc2", NULL, TRUE, FALSE, "v11.1.1-rc2"},
        {QF_ENTRY_UPSTREAM, "v11.2.0", "v9.0", FALSE, FALSE, "after base 11.1.1"},
        /* The verified release wins over the table's minimum. */
        {QF_ENTRY_UPSTREAM, "v11.2.0", "v11.0", FALSE, FALSE, "first released"},
        {QF_ENTRY_UPSTREAM, NULL, "v11.0", TRUE, TRUE, "first release unverified"},
        {QF_ENTRY_UPSTREAM, NULL, "v11.2", FALSE, TRUE, "v11.2 > base"},
        {QF_ENTRY_UPSTREAM, NULL, NULL, FALSE, TRUE, "no release known"},
        {QF_ENTRY_SAUCE, NULL, "v9.0", FALSE, FALSE, "never in upstream"},
        {QF_ENTRY_DOWNSTREAM, NULL, NULL, FALSE, FALSE, "never in upstream"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        const InBaseCase *c = &cases[i];
        g_autoptr(QfEntry) e = entry(c->kind, "0123456789ab", c->first, c->min);
        g_autofree char *reason = NULL;
        gboolean unverified = !c->unverified;
        gboolean in_base = qf_entry_in_base(e, "11.1.1", &unverified, &reason);

        g_test_message("case %zu: %s", i, reason);
        g_assert_cmpint(in_base, ==, c->in_base);
        g_assert_cmpint(unverified, ==, c->unverified);
        g_assert_nonnull(strstr(reason, c->reason_has));
    }
}

/* git's own view of the message's trailers, "key: value" per line. */
static char *git_trailers(const char *message)
{
    g_autofree char *dir = g_dir_make_tmp("qfork-test-queue-XXXXXX", NULL);
    g_autofree char *file = g_build_filename(dir, "msg", NULL);
    g_autofree char *cmd = NULL;
    char *out = NULL;
    int status;

    g_assert_true(g_file_set_contents(file, message, -1, NULL));
    cmd = g_strdup_printf("git interpret-trailers --parse %s", file);
    g_assert_true(g_spawn_command_line_sync(cmd, &out, NULL, &status, NULL));
    g_assert_true(g_spawn_check_wait_status(status, NULL));
    g_unlink(file);
    g_rmdir(dir);
    return out;
}

static void test_message_joins_trailer_block(void)
{
    g_autoptr(QfEntry) e = entry(QF_ENTRY_DOWNSTREAM, "my-fix", NULL, NULL);
    g_autofree char *msg = qf_commit_message(
        e, "pc-bios: a fix",
        "Why it is needed.\n\nSigned-off-by: A <a@example.org>\n");
    g_autofree char *trailers = git_trailers(msg);

    g_assert_cmpstr(msg, ==,
                    "pc-bios: a fix\n\nWhy it is needed.\n\n"
                    "Signed-off-by: A <a@example.org>\n"
                    "Qfork-Entry: my-fix\nQfork-Downstream: my-fix\n");
    g_assert_cmpstr(trailers, ==,
                    "Signed-off-by: A <a@example.org>\n"
                    "Qfork-Entry: my-fix\nQfork-Downstream: my-fix\n");
}

static void test_message_new_trailer_block(void)
{
    g_autoptr(QfEntry) e = entry(QF_ENTRY_SAUCE, "70ac94ebadd5", NULL, NULL);
    g_autofree char *msg = qf_commit_message(
        e, "hw/acpi: order", "The body ends in prose, not trailers.");
    g_autofree char *trailers = git_trailers(msg);

    g_assert_cmpstr(msg, ==,
                    "hw/acpi: order\n\nThe body ends in prose, not trailers.\n"
                    "\nQfork-Entry: 70ac94ebadd5\nQfork-Sauce: 70ac94ebadd5\n");
    g_assert_cmpstr(trailers, ==,
                    "Qfork-Entry: 70ac94ebadd5\nQfork-Sauce: 70ac94ebadd5\n");
}

/* A patch exported from a qfork tree, or one already naming upstream. */
static void test_message_no_duplicates(void)
{
    g_autoptr(QfEntry) e = entry(QF_ENTRY_UPSTREAM, "b64b7ed8bb5d", NULL, NULL);
    g_autofree char *msg = NULL;
    g_autofree char *trailers = NULL;

    e->full_sha = g_strdup("b64b7ed8bb5d475eab3b4188ef0076e332937c62");
    msg = qf_commit_message(
        e, "qom: numa",
        "Body.\n\nSigned-off-by: A <a@example.org>\n"
        "Upstream: b64b7ed8bb5d475eab3b4188ef0076e332937c62\n"
        "Qfork-Entry: stale-name\n");
    trailers = git_trailers(msg);
    g_assert_cmpstr(trailers, ==,
                    "Signed-off-by: A <a@example.org>\n"
                    "Upstream: b64b7ed8bb5d475eab3b4188ef0076e332937c62\n"
                    "Qfork-Entry: b64b7ed8bb5d\n");
}

static void test_message_fallbacks(void)
{
    g_autoptr(QfEntry) e = entry(QF_ENTRY_UPSTREAM, "0a5b5acdf2d8", NULL, NULL);
    g_autofree char *msg = qf_commit_message(e, NULL, NULL);

    /* A bare diff: the table's subject; sha12 when no full sha is known. */
    g_assert_cmpstr(msg, ==,
                    "the table's subject\n\nQfork-Entry: 0a5b5acdf2d8\n"
                    "Upstream: 0a5b5acdf2d8\n");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/queue/in-base", test_in_base);
    g_test_add_func("/queue/message/joins-trailer-block",
                    test_message_joins_trailer_block);
    g_test_add_func("/queue/message/new-trailer-block",
                    test_message_new_trailer_block);
    g_test_add_func("/queue/message/no-duplicates", test_message_no_duplicates);
    g_test_add_func("/queue/message/fallbacks", test_message_fallbacks);
    return g_test_run();
}
