/*
 * Unit tests of the series.conf parser: the real series.conf, every error
 * the parser reports (with its file:line), entry lookup and releases.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-series.h"
#include "qf-error.h"
#include "qf-lint.h"
#include "qf-test-fixture.h"
#include "qf-series-edit.h"

#include <glib/gstdio.h>
#include <string.h>

/*
 * The table rows in table order, from the facts table
 * (grace-series-facts.tsv, column sha12): the oracle for series.conf.
 */
static const char *const table_order[] = {
    "b64b7ed8bb5d", "0a5b5acdf2d8", "16c687d84574", "f10104aeae3a",
    "8cba58b57865", "f7cbfa71303c", "1e09f52f4d1f", "77c212599d38",
    "a33832b19485", "5621c02d5adf", "5456b1867d10", "da5ed43299bb",
    "c95d128ee3cf", "e08041ece739", "c8fcb90c9687", "7103ef7e765d",
    "0bddd8802767", "3d779abafe9f", "7e63b3113889", "6e6d8ac62b5b",
    "d6b5c4c1b516", "1eae5b7bd3dd", "5ee3dc7af785", "36e84d0c1710",
    "714e9affa8ae", "4d36ec23a75e", "c328e7e8ad1c", "96d6f85ff012",
    "ee42b261b0a2", "da3e04b26fd8", "a6c50e1c3f8d", "3016e60f8f71",
    "336f308958d5", "5e7ba401b71d", "e70f971a6c12", "909a6254edaa",
    "4517c33c31d3", "0970238343af", "73e2df669335", "64ad06f6eba6",
    "dd2fcb1716be", "a0cf44c8d618", "cbbcc2f1706a", "c12b55ad6f9d",
    "6106a329141a", "98dad2b01931", "1f94b21801b2", "38998c79a183",
    "0533739ecefb", "9005f9284478", "6f274444c579", "d441e05e2603",
    "42965386ea21", "930589520128", "ed92ed2d486e", "63c6e83ec236",
    "a7fd91b876fe", "6c8ed5fea1ff", "b025ea6886fb", "ee26474daa12",
    "d5fd978d9185", "a20910ca3e28", "77f6efc0ab93", "a84e37af36ca",
    "b291dae33d1d", "791346f93d2a", "ad0a7f1e1edb", "eda4c9b5b3c4",
    "eb9da9d26328", "305e469b7188", "fed51ee5e02d", "65c4f0999991",
    "16d4e418e98f", "6ebe6cf2a066", "1075645d430e", "dd8200503e23",
    "1ab93575bdcb", "9609d7101867", "ddd84fd0c1f8", "81ab964f2162",
    "aa68a9fbdb81", "d9d32478ed45", "2c746dfe1c69", "5c47679cb6e6",
    "98962d629844", "e50a3ead976d", "1ab3d93fd24b", "a8d178e1492a",
    "1e82e8a828cf", "6a3ae6a2440d", "dcad6cb2abf4", "5be8cf79188a",
    "8ff9e1def0ef", "042cbc9aec7c", "7e94e45296d6", "a849ff5d6fa9",
    "e9b457500adb", "f0f37daf8e67", "47a4f6a900e1", "d9e6b8424fd2",
    "0e6a5bfb0eb1", "01e9a18730e6", "7a276b757026", "466197fc7a25",
    "951bc76fb669", "66d2f665e163", "73d3d0187bc6", "c69520c13d6e",
    "3f8cd046c151", "d35146a6606c", "3e6ad83f209e", "325aa2d86a20",
    "ccf166d89dcf", "f2d31df0d925", "cd438bf9bdf7", "8d9633f1edbb",
    "797fffedac93", "79fcbec80a85", "7d7931257d6f", "e4eab7d4a148",
    "84ce97290c19", "d1c585db8bb0", "c7ecb4cf2e94", "fc6dafb98cec",
    "703b7b91db06", "95d855167af4", "2da17a988c2d", "b6b867b9c16d",
    "5c921b29c989", "3558c85392a4", "5ec2700dcbf7", "58a789c389cb",
    "f577dcdb5c1c", "ad32238ad26b", "59a5c80623ab", "45c57eaefd4c",
    "b8e196a746eb", "06c0c8fde786", "f48bddafa251", "be0cf3c8f121",
    "6cc3a621c6f1", "bd715ff5bda9", "f7f5013a55a3", "a015ac990fd3",
    "550beca3d7b0", "22afd9d865cb", "49a2bed19b0e", "7d59fa20594e",
    "06b38473cda8", "b8c6f8a69d27", "49f6b93d0752", "de36da106dcf",
    "8cfaf22668c7", "da02b21cc70e", "c42010197eb9", "3863e47828d5",
    "dc86d4523244", "9f8a8e0f2c6f", "1a76cc39333c", "3a3dd64e63dc",
    "ffded86bdda6", "d3d2de3d227b", "c2ff1305cc7d", "af35bc0c146c",
    "0885cd5504df", "674d57bf6e26", "46f0d4839352", "43585524a7c6",
    "c0c97fbc6cf7", "70ac94ebadd5", "338211ae1e03",
};

static QfEntry *entry_at(const QfSeries *s, guint position)
{
    return g_ptr_array_index(s->entries, position - 1);
}

static QfEntry *table_row(const QfSeries *s, guint row)
{
    for (guint i = 0; i < s->entries->len; i++) {
        QfEntry *e = g_ptr_array_index(s->entries, i);

        if (e->table_row == row) {
            return e;
        }
    }
    g_assert_not_reached();
}

/* ---- the real series.conf -------------------------------------------- */

static void test_real_counts(void)
{
    g_autoptr(QfSeries) s = fx_load_real_series();
    guint count[3] = { 0 };

    g_assert_cmpstr(s->base_version, ==, "11.1.1");
    g_assert_cmpstr(s->base_tarball, ==, "qemu_11.1.1+ds.orig.tar.xz");
    g_assert_cmpstr(s->base_sha256, ==, "0b1376e75dbe3e2fea4e408f8669f88a"
                    "723f419f36a5b7d74cc6a4cfe07e4f5e");
    for (guint i = 0; i < s->entries->len; i++) {
        QfEntry *e = g_ptr_array_index(s->entries, i);

        g_assert_cmpuint(e->position, ==, i + 1);
        count[e->kind]++;
    }
    g_assert_cmpuint(count[QF_ENTRY_UPSTREAM], ==, 169);
    g_assert_cmpuint(count[QF_ENTRY_SAUCE], ==, 2);
    g_assert_cmpuint(count[QF_ENTRY_DOWNSTREAM], >=, 1);
    g_assert_cmpuint(s->entries->len, ==, 171 + count[QF_ENTRY_DOWNSTREAM]);
}

static void test_real_table_order(void)
{
    g_autoptr(QfSeries) s = fx_load_real_series();
    guint row = 0;

    g_assert_cmpuint(G_N_ELEMENTS(table_order), ==, 171);
    for (guint i = 0; i < s->entries->len; i++) {
        QfEntry *e = g_ptr_array_index(s->entries, i);

        if (e->kind == QF_ENTRY_DOWNSTREAM) {
            g_assert_cmpuint(e->table_row, ==, 0);
            g_assert_null(e->sha12);
            continue;
        }
        g_assert_cmpuint(e->table_row, ==, row + 1);
        g_assert_cmpstr(e->sha12, ==, table_order[row]);
        g_assert_cmpstr(e->name, ==, e->sha12);
        g_assert_nonnull(e->subject);
        g_assert_nonnull(e->section);
        if (e->full_sha) {
            g_assert_true(g_str_has_prefix(e->full_sha, e->sha12));
        }
        row++;
    }
    g_assert_cmpuint(row, ==, 171);
}

static void test_real_entries(void)
{
    g_autoptr(QfSeries) s = fx_load_real_series();
    QfEntry *e = entry_at(s, 1);

    /* The edk2 build fix comes first: the base does not build without. */
    g_assert_cmpint(e->kind, ==, QF_ENTRY_DOWNSTREAM);
    g_assert_cmpstr(e->name, ==, "pc-bios-skip-missing-edk2");
    g_assert_cmpstr(e->patch, ==, "patches/0001-pc-bios-skip-edk2-images-"
                    "missing-from-the-source-tree.patch");
    g_assert_nonnull(e->reason);

    e = table_row(s, 1);
    g_assert_cmpstr(e->section, ==, "GPU Passthrough");
    g_assert_cmpstr(e->ml_month, ==, "March 2024");
    g_assert_cmpstr(e->min_release, ==, "v9.0");
    g_assert_cmpstr(e->full_sha, ==, "b64b7ed8bb5d475eab3b4188ef0076e332937c62");
    g_assert_cmpstr(e->first_release, ==, "v9.0.0");
    g_assert_cmpstr(e->subject, ==,
                    "qom: new object to associate device to NUMA node");

    /* The month is carried by the group to the rows after its first. */
    g_assert_cmpstr(table_row(s, 2)->ml_month, ==, "March 2024");
    g_assert_cmpstr(table_row(s, 19)->min_release, ==, "v8.2.0");
    g_assert_cmpstr(table_row(s, 19)->ml_month, ==, "October 2023");
    /* The table's typographic apostrophe is kept. */
    g_assert_cmpstr(table_row(s, 22)->subject, ==,
                    "vfio/common: return early if space isn\u2019t empty");

    for (guint row = 1; row <= 169; row++) {
        e = table_row(s, row);
        g_assert_cmpint(e->kind, ==, QF_ENTRY_UPSTREAM);
        g_assert_nonnull(e->min_release);
        /* Only rows 1-113 have a verified first release. */
        g_assert_true((e->first_release != NULL) == (row <= 113));
        /* Rows 157-169 have no known full sha. */
        g_assert_true((e->full_sha != NULL) == (row <= 156));
    }
    g_assert_cmpstr(table_row(s, 165)->section, ==, "vEVENTQ");

    e = table_row(s, 170);
    g_assert_cmpint(e->kind, ==, QF_ENTRY_SAUCE);
    g_assert_cmpstr(e->sha12, ==, "70ac94ebadd5");
    g_assert_cmpstr(e->section, ==, "Workarounds");
    g_assert_null(e->ml_month);
    g_assert_null(e->min_release);
    g_assert_cmpstr(e->patch, ==, "patches/0101-hw-acpi-pci-preserve-"
                    "generic-initiator-insertion-order.patch");
    g_assert_true(g_str_has_prefix(e->impact, "Fixes non-deterministic"));
    e = table_row(s, 171);
    g_assert_cmpstr(e->sha12, ==, "338211ae1e03");
    g_assert_cmpstr(e->patch, ==, "patches/0201-hw-arm-virt-acpi-reset-gpu-"
                    "id-each-time-building-dsdt.patch");
}

/* A patch file that passes lint's header checks for @e. */
static char *stub_patch(const QfEntry *e)
{
    g_autofree char *provenance =
        e->kind == QF_ENTRY_UPSTREAM ? g_strdup_printf("Upstream: %s",
                                                       e->sha12)
        : e->kind == QF_ENTRY_SAUCE ? g_strdup_printf("Qfork-Sauce: %s",
                                                      e->sha12)
        : g_strdup("Downstream-only: stub");

    return g_strdup_printf("From: A <a@example.org>\n"
                           "Date: Mon, 1 Jan 2024 00:00:00 +0000\n"
                           "Subject: [PATCH] stub\n\n%s\n"
                           "Signed-off-by: A <a@example.org>\n---\n",
                           provenance);
}

/*
 * series.conf against the facts table itself, when given: the table rows
 * are exactly the facts' rows in order, with their sections, months,
 * minimum releases, shas, subjects and first releases.  The patch files
 * are stubbed in a copy: their own checks are lint's tests.
 */
static void test_real_facts(void)
{
    const char *tsv = g_getenv("QF_FACTS_TSV");
    g_autoptr(QfSeries) real = NULL;
    g_autoptr(QfSeries) copy = NULL;
    g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *tmp = NULL, *conf = NULL, *text = NULL;

    /* make exports the variable empty when no facts table is at hand. */
    if (!tsv || !*tsv) {
        g_test_skip("QF_FACTS_TSV (path of grace-series-facts.tsv) not set");
        return;
    }
    real = fx_load_real_series();
    g_assert_true(g_file_get_contents(real->path, &text, NULL, NULL));
    tmp = g_dir_make_tmp("qf-series-XXXXXX", &error);
    g_assert_no_error(error);
    conf = g_build_filename(tmp, "series.conf", NULL);
    g_assert_true(g_file_set_contents(conf, text, -1, NULL));
    for (guint i = 0; i < real->entries->len; i++) {
        const QfEntry *e = g_ptr_array_index(real->entries, i);
        g_autofree char *path = NULL, *dir = NULL, *patch = NULL;

        if (!e->patch) {
            continue;
        }
        path = g_build_filename(tmp, e->patch, NULL);
        dir = g_path_get_dirname(path);
        patch = stub_patch(e);
        g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
        g_assert_true(g_file_set_contents(path, patch, -1, NULL));
    }
    copy = qf_series_load(conf, &error);
    g_assert_no_error(error);
    qf_series_lint(copy, tsv, problems);
    for (guint i = 0; i < problems->len; i++) {
        g_printerr("%s\n", (char *)g_ptr_array_index(problems, i));
    }
    g_assert_cmpuint(problems->len, ==, 0);
    for (guint i = 0; i < copy->entries->len; i++) {
        const QfEntry *e = g_ptr_array_index(copy->entries, i);
        g_autofree char *path = NULL, *dir = NULL;

        if (!e->patch) {
            continue;
        }
        path = g_build_filename(tmp, e->patch, NULL);
        dir = g_path_get_dirname(path);
        g_unlink(path);
        g_rmdir(dir);
    }
    g_unlink(conf);
    g_rmdir(tmp);
}

/* ---- syntax ---------------------------------------------------------- */

#define BASE "base 11.1.1\n"
#define SHA_A "b64b7ed8bb5d"
#define FULL_A "b64b7ed8bb5d475eab3b4188ef0076e332937c62"
#define SHA_B "0a5b5acdf2d8"

static QfSeries *parse_ok(const char *text)
{
    g_autoptr(GError) error = NULL;
    QfSeries *s = qf_series_parse(text, strlen(text), "t.conf", &error);

    g_assert_no_error(error);
    g_assert_nonnull(s);
    return s;
}

static void test_parse_context(void)
{
    g_autoptr(QfSeries) s = parse_ok(
        "# comment\n"
        BASE
        "  tarball qemu.tar.xz\n"
        "  sha256 0b1376e75dbe3e2fea4e408f8669f88a723f419f36a5b7d74cc6a4cfe07e4f5e\n"
        "\n"
        "section One\n"
        "group March 2024\n"
        "  min-release v9.0\n"
        "   # an indented comment\n"
        "upstream " SHA_A "\n"
        "  commit " FULL_A "\n"
        "  subject qom: a #hash is part of the value   \n"
        "  first-release v9.0.0\n"
        "downstream fix-1\n"
        "  patch patches/a..b.patch\n"
        "section Two\n"
        "sauce " SHA_B "\n"
        "  subject NVIDIA: SAUCE: x\n"
        "  impact Fixes it.\n"
        "  patch patches/b.patch\n"
        "group -\n"
        "  min-release 10.2\n"
        "upstream 16c687d84574\n"
        "  subject y\n");
    QfEntry *e;

    g_assert_cmpstr(s->dir, ==, ".");
    g_assert_cmpuint(s->base_line, ==, 2);
    g_assert_cmpuint(s->entries->len, ==, 4);
    e = entry_at(s, 1);
    g_assert_cmpstr(e->section, ==, "One");
    g_assert_cmpstr(e->ml_month, ==, "March 2024");
    g_assert_cmpstr(e->min_release, ==, "v9.0");
    g_assert_cmpstr(e->subject, ==, "qom: a #hash is part of the value");
    g_assert_cmpuint(e->line, ==, 10);
    g_assert_cmpuint(e->table_row, ==, 1);
    e = entry_at(s, 2);
    g_assert_cmpint(e->kind, ==, QF_ENTRY_DOWNSTREAM);
    g_assert_cmpuint(e->table_row, ==, 0);
    g_assert_cmpstr(e->section, ==, "One");
    g_assert_cmpuint(e->block.attr_line[QF_ATTR_PATCH], ==, 15);
    /* A section starts with no group. */
    e = entry_at(s, 3);
    g_assert_cmpuint(e->table_row, ==, 2);
    g_assert_null(e->ml_month);
    g_assert_null(e->min_release);
    g_assert_cmpstr(e->impact, ==, "Fixes it.");
    e = entry_at(s, 4);
    g_assert_null(e->ml_month);
    g_assert_cmpstr(e->min_release, ==, "10.2");
    g_assert_cmpuint(e->position, ==, 4);
}

/* The three kinds of evidence, the SAUCE row's test, the group numbers. */
static void test_parse_evidence(void)
{
    g_autoptr(QfSeries) s = parse_ok(
        BASE "section S\ngroup March 2024\n  min-release v9.0\n"
        "upstream " SHA_A "\n  subject a\n  first-release v9.0.0\n"
        "  evidence ancestry v9.0\n"
        "group March 2024\n  min-release v11.0\n"
        "upstream " SHA_B "\n  subject b\n"
        "  evidence content 11.1.1 (1 file, 3 hunks) from upstream commit "
        SHA_B "\n"
        "upstream 0123456789ab\n  subject c\n"
        "  evidence none: no copy of the patch anywhere\n"
        "upstream 0123456789ac\n  subject d\n"
        "sauce 0123456789ad\n  subject e\n  patch p.patch\n"
        "  test tests/qemu/t.sh\n");
    const QfEntry *a = entry_at(s, 1), *b = entry_at(s, 2);
    const QfEntry *c = entry_at(s, 3), *d = entry_at(s, 4);

    g_assert_cmpint(a->evidence, ==, QF_EVIDENCE_ANCESTRY);
    g_assert_cmpstr(a->evidence_release, ==, "v9.0");
    g_assert_cmpstr(a->evidence_text, ==, "ancestry v9.0");
    g_assert_cmpint(b->evidence, ==, QF_EVIDENCE_CONTENT);
    g_assert_cmpstr(b->evidence_release, ==, "11.1.1");
    g_assert_cmpint(c->evidence, ==, QF_EVIDENCE_OPEN);
    g_assert_cmpstr(c->evidence_text, ==,
                    "none: no copy of the patch anywhere");
    g_assert_cmpint(d->evidence, ==, QF_EVIDENCE_UNSET);
    g_assert_null(d->evidence_text);
    g_assert_cmpstr(qf_evidence_kind_name(d->evidence), ==, "unverified");
    g_assert_cmpstr(entry_at(s, 5)->test, ==, "tests/qemu/t.sh");
    /* Two groups of the same month stay two groups. */
    g_assert_cmpuint(a->group, ==, 1);
    g_assert_cmpuint(b->group, ==, 2);
    g_assert_cmpuint(d->group, ==, 2);
}

static void test_parse_crlf(void)
{
    g_autoptr(QfSeries) s = parse_ok(BASE "upstream " SHA_A "\r\n"
                                     "  subject x\r\n");

    g_assert_cmpstr(entry_at(s, 1)->subject, ==, "x");
}

static void test_load_dir(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *tmp = g_dir_make_tmp("qf-series-XXXXXX", &error);
    g_autofree char *path = g_build_filename(tmp, "series.conf", NULL);
    g_autoptr(QfSeries) s = NULL;
    g_autofree char *patch = NULL;

    g_assert_no_error(error);
    g_assert_true(g_file_set_contents(path, BASE "downstream x\n"
                                      "  patch patches/x.patch\n", -1,
                                      NULL));
    s = qf_series_load(path, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(s->dir, ==, tmp);
    patch = qf_entry_patch_path(s, entry_at(s, 1));
    g_assert_true(g_str_has_prefix(patch, tmp));
    g_assert_true(g_str_has_suffix(patch, "/patches/x.patch"));
    g_unlink(path);
    g_rmdir(tmp);

    qf_series_free(qf_series_load(path, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_NOT_FOUND);
}

/* ---- errors ---------------------------------------------------------- */

typedef struct BadCase {
    const char *name;
    const char *text;
    guint line;
    const char *message;        /* must occur after "t.conf:LINE: " */
} BadCase;

static const BadCase bad_cases[] = {
    { "unknown-directive", BASE "frobnicate x\n", 2,
      "unknown directive 'frobnicate'" },
    { "attribute-at-column-0", BASE "upstream " SHA_A "\n  subject a\n"
      "patch x\n", 4,
      "unknown directive 'patch' (attributes are indented by two" },
    { "attribute-outside-entry", "  subject x\n" BASE, 1,
      "attribute 'subject' outside an entry" },
    { "unknown-attribute-upstream", BASE "upstream " SHA_A "\n"
      "  subject x\n  impact y\n", 4,
      "unknown attribute 'impact' for upstream entry " SHA_A },
    { "unknown-attribute-sauce", BASE "sauce " SHA_A "\n"
      "  subject x\n  patch p.patch\n  first-release v9.0.0\n", 5,
      "unknown attribute 'first-release' for sauce entry" },
    { "unknown-attribute-downstream", BASE "downstream d\n"
      "  patch p.patch\n  commit " FULL_A "\n", 4,
      "unknown attribute 'commit' for downstream entry d" },
    { "unknown-attribute-base", BASE "  subject x\n", 2,
      "unknown attribute 'subject' for 'base'" },
    { "unknown-attribute-section", BASE "section S\n  min-release v9.0\n",
      3, "unknown attribute 'min-release' for 'section'" },
    { "unknown-attribute-group", BASE "group March 2024\n  subject x\n", 3,
      "unknown attribute 'subject' for 'group'" },
    { "duplicate-attribute", BASE "upstream " SHA_A "\n"
      "  subject x\n  subject y\n", 4,
      "duplicate attribute 'subject' in upstream entry " SHA_A
      " (first at line 3)" },
    { "duplicate-attribute-group", BASE "group -\n  min-release v9.0\n"
      "  min-release v9.1\n", 4,
      "duplicate attribute 'min-release' in 'group' (first at line 3)" },
    { "duplicate-entry", BASE "upstream " SHA_A "\n  subject x\n"
      "sauce " SHA_A "\n  subject y\n  patch p.patch\n", 4,
      "duplicate entry " SHA_A " (first at line 2)" },
    { "duplicate-downstream", BASE "downstream d\n  patch a.patch\n"
      "downstream d\n  patch b.patch\n", 4,
      "duplicate entry d (first at line 2)" },
    { "duplicate-name-sha", BASE "downstream abcdef123456\n"
      "  patch a.patch\nsauce abcdef123456\n  subject s\n"
      "  patch b.patch\n", 4, "duplicate entry abcdef123456" },
    { "sha12-short", BASE "upstream b64b7ed8bb5\n", 2,
      "upstream 'b64b7ed8bb5': not a sha12 (12 lowercase hex digits)" },
    { "sha12-long", BASE "sauce b64b7ed8bb5d4\n", 2,
      "sauce 'b64b7ed8bb5d4': not a sha12" },
    { "sha12-upper", BASE "upstream B64B7ED8BB5D\n", 2, "not a sha12" },
    { "sha12-not-hex", BASE "upstream g64b7ed8bb5d\n", 2, "not a sha12" },
    { "commit-short", BASE "upstream " SHA_A "\n  subject x\n"
      "  commit b64b7ed8bb5d475eab3b\n", 4,
      "commit 'b64b7ed8bb5d475eab3b' of " SHA_A " is not a full sha" },
    { "commit-other-sha", BASE "upstream " SHA_A "\n  subject x\n"
      "  commit 0a5b5acdf2d8c7302ca48d42e6ef3423e1b956d5\n", 4,
      "does not start with the entry's sha12 " SHA_A },
    { "sauce-without-patch", BASE "sauce " SHA_A "\n  subject x\n"
      "upstream " SHA_B "\n  subject y\n", 2,
      "sauce entry " SHA_A " has no 'patch'" },
    { "downstream-without-patch", BASE "downstream d\n  subject x\n", 2,
      "downstream entry d has no 'patch'" },
    { "upstream-without-subject", BASE "\nupstream " SHA_A "\n"
      "  first-release v9.0.0\n", 3,
      "upstream entry " SHA_A " has no 'subject'" },
    { "sauce-without-subject", BASE "sauce " SHA_A "\n  patch p.patch\n",
      2, "sauce entry " SHA_A " has no 'subject'" },
    { "missing-base-empty", "", 1, "no 'base' directive" },
    { "missing-base-comments", "# nothing\n\n", 1, "no 'base' directive" },
    { "duplicate-base", BASE "section S\nbase 11.1.0\n", 3,
      "duplicate 'base' (first at line 1)" },
    { "entry-before-base", "# c\nupstream " SHA_A "\n  subject x\n" BASE,
      2, "'upstream' before 'base'" },
    { "section-before-base", "section S\n" BASE, 1,
      "'section' before 'base'" },
    { "indent-tab", BASE "upstream " SHA_A "\n  subject a\n\tpatch x\n", 4,
      "tab in indentation" },
    { "indent-space-tab", BASE "upstream " SHA_A "\n  subject a\n"
      " \tpatch x\n", 4, "tab in indentation" },
    /* A required attribute behind a bad indent: only the indent is wrong. */
    { "indent-tab-required", BASE "downstream d\n  subject a\n"
      "\tpatch p.patch\n", 4, "tab in indentation" },
    { "indent-3-required", BASE "sauce " SHA_A "\n   subject a\n"
      "  patch p.patch\n", 3, "indented by 3 spaces" },
    { "indent-1", BASE "upstream " SHA_A "\n  subject a\n patch x\n", 4,
      "indented by 1 space: attributes are indented by exactly two" },
    { "indent-3", BASE "upstream " SHA_A "\n  subject a\n   patch x\n", 4,
      "indented by 3 spaces" },
    { "indent-4", BASE "upstream " SHA_A "\n  subject x\n    patch y\n", 4,
      "indented by 4 spaces" },
    { "base-not-release", "base eleven\n", 1,
      "base version 'eleven' is not a release" },
    { "min-release-bad", BASE "group May 2025\n  min-release v10\n", 3,
      "min-release 'v10' is not a release" },
    { "first-release-bad", BASE "upstream " SHA_A "\n  subject x\n"
      "  first-release post-v10.2.0\n", 4,
      "first-release 'post-v10.2.0' of " SHA_A " is not a release" },
    { "first-release-rc-bad", BASE "upstream " SHA_A "\n  subject x\n"
      "  first-release v9.0.0-rc\n", 4, "is not a release" },
    { "first-release-leading-zero", BASE "upstream " SHA_A "\n"
      "  subject x\n  first-release v09.0\n", 4, "is not a release" },
    { "patch-absolute", BASE "downstream d\n  patch /etc/x.patch\n", 3,
      "patch path '/etc/x.patch' of d must be relative" },
    { "patch-dotdot", BASE "downstream d\n  patch patches/../../x.patch\n",
      3, "without '..'" },
    { "patch-dotdot-first", BASE "downstream d\n  patch ../x.patch\n", 3,
      "without '..'" },
    { "group-bad-month", BASE "group Marchember 2024\n", 2,
      "group 'Marchember 2024' is not a month" },
    { "group-bad-year", BASE "group March 24\n", 2, "is not a month" },
    { "downstream-bad-slug", BASE "downstream Bad_Name\n", 2,
      "downstream name 'Bad_Name' is not a slug" },
    { "directive-without-argument", BASE "section\n", 2,
      "'section' needs an argument" },
    { "attribute-without-value", BASE "upstream " SHA_A "\n  subject\n",
      3, "attribute 'subject' of upstream entry " SHA_A " has no value" },
    { "tarball-without-sha256", BASE "  tarball q.tar.xz\n", 1,
      "'base' has a tarball but no sha256" },
    { "sha256-bad", BASE "  tarball q.tar.xz\n  sha256 0b13\n", 3,
      "sha256 '0b13' is not 64 lowercase hex digits" },
    { "tarball-path", BASE "  tarball a/q.tar.xz\n  sha256 "
      "0b1376e75dbe3e2fea4e408f8669f88a723f419f36a5b7d74cc6a4cfe07e4f5e\n",
      2, "tarball 'a/q.tar.xz' is not a file name" },
    { "evidence-unknown", BASE "upstream " SHA_A "\n  subject x\n"
      "  evidence hearsay\n", 4, "evidence 'hearsay' of " SHA_A
      ": expected 'ancestry RELEASE'" },
    { "evidence-ancestry-bad-release", BASE "upstream " SHA_A "\n"
      "  subject x\n  first-release v9.0.0\n  evidence ancestry v9\n", 5,
      "evidence of " SHA_A ": 'v9' is not a release" },
    { "evidence-ancestry-trailing", BASE "upstream " SHA_A "\n"
      "  subject x\n  first-release v9.0.0\n"
      "  evidence ancestry v9.0.0 maybe\n", 5,
      "nothing may follow 'ancestry v9.0.0'" },
    { "evidence-ancestry-no-first-release", BASE "upstream " SHA_A "\n"
      "  subject x\n  evidence ancestry v9.0.0\n", 2,
      SHA_A " has 'evidence ancestry v9.0.0' but no 'first-release'" },
    { "evidence-ancestry-contradicts", BASE "upstream " SHA_A "\n"
      "  subject x\n  first-release v9.1.0\n  evidence ancestry v9.0.0\n",
      2, SHA_A ": first-release v9.1.0 but 'evidence ancestry v9.0.0'" },
    { "evidence-content-no-counts", BASE "upstream " SHA_A "\n"
      "  subject x\n  evidence content 11.1.1\n", 4,
      "'content 11.1.1' must be followed by '(N files, M hunks)'" },
    { "evidence-content-zero", BASE "upstream " SHA_A "\n"
      "  subject x\n  evidence content 11.1.1 (0 files, 2 hunks)\n", 4,
      "must be followed by '(N files, M hunks)'" },
    { "evidence-content-plural", BASE "upstream " SHA_A "\n"
      "  subject x\n  evidence content 11.1.1 (2 file, 2 hunks)\n", 4,
      "must be followed by '(N files, M hunks)'" },
    { "evidence-none-no-reason", BASE "upstream " SHA_A "\n"
      "  subject x\n  evidence none:\n", 4,
      "'evidence none:' of " SHA_A " needs a reason" },
    { "evidence-on-sauce", BASE "sauce " SHA_A "\n  subject x\n"
      "  patch p.patch\n  evidence ancestry v9.0.0\n", 5,
      "unknown attribute 'evidence' for sauce entry" },
    { "test-on-upstream", BASE "upstream " SHA_A "\n  subject x\n"
      "  test tests/t.sh\n", 4, "unknown attribute 'test' for upstream" },
    { "test-dotdot", BASE "sauce " SHA_A "\n  subject x\n"
      "  patch p.patch\n  test ../t.sh\n", 5,
      "test path '../t.sh' of " SHA_A " must be relative" },
    { "invalid-utf8", BASE "downstream d\n  patch p\n  reason caf\xe9\n", 4,
      "line is not valid UTF-8" },
};

/* The case's error is the only one, and qf_series_parse() reports it. */
static void test_bad(gconstpointer data)
{
    const BadCase *c = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(QfSeries) all = qf_series_parse_all(c->text, strlen(c->text),
                                                  "t.conf", errors);
    g_autoptr(QfSeries) s = qf_series_parse(c->text, strlen(c->text),
                                            "t.conf", &error);
    g_autofree char *prefix = g_strdup_printf("t.conf:%u: ", c->line);
    const char *got;

    g_assert_null(all);
    g_assert_null(s);
    for (guint i = 0; i < errors->len; i++) {
        g_test_message("%s", (char *)g_ptr_array_index(errors, i));
    }
    g_assert_cmpuint(errors->len, ==, 1);
    got = g_ptr_array_index(errors, 0);
    if (!g_str_has_prefix(got, prefix) || !strstr(got, c->message)) {
        g_error("%s: got \"%s\", want \"%s...%s...\"", c->name, got,
                prefix, c->message);
    }
    g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
    g_assert_cmpstr(error->message, ==, got);
}

static void test_bad_nul(void)
{
    static const char text[] = BASE "downstream d\n  patch p\n"
                               "  reason a\0b\n";
    g_autoptr(GError) error = NULL;
    g_autoptr(QfSeries) s = qf_series_parse(text, sizeof(text) - 1, "t.conf",
                                            &error);

    g_assert_null(s);
    g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
    g_assert_cmpstr(error->message, ==, "t.conf:4: NUL byte in line");
}

/* Every error is listed, sorted by line, without cascades. */
static void test_parse_all(void)
{
    static const char text[] =
        BASE                                /* 1 */
        "frobnicate x\n"                    /* 2: unknown directive */
        "  subject swallowed\n"             /* 3: belongs to line 2 */
        "upstream " SHA_A "\n"              /* 4: no subject */
        "  first-release v9\n"              /* 5: bad release */
        "   patch x\n"                      /* 6: indentation */
        "downstream d\n"                    /* 7 */
        "  patch /abs.patch\n"              /* 8: absolute */
        "upstream " SHA_A "\n"              /* 9: duplicate */
        "  subject x\n";
    const char *want[] = {
        "t.conf:2: unknown directive 'frobnicate'",
        "t.conf:4: upstream entry " SHA_A " has no 'subject'",
        "t.conf:5: first-release 'v9'",
        "t.conf:6: indented by 3 spaces",
        "t.conf:8: patch path '/abs.patch'",
        "t.conf:9: duplicate entry " SHA_A " (first at line 4)",
    };
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(QfSeries) s = qf_series_parse_all(text, strlen(text), "t.conf",
                                                errors);

    g_assert_null(s);
    for (guint i = 0; i < errors->len; i++) {
        g_test_message("%s", (char *)g_ptr_array_index(errors, i));
    }
    g_assert_cmpuint(errors->len, ==, G_N_ELEMENTS(want));
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        g_assert_true(g_str_has_prefix(g_ptr_array_index(errors, i),
                                       want[i]));
    }
}

static void test_load_all_missing(void)
{
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(QfSeries) s = qf_series_load_all("/nonexistent/series.conf",
                                               errors);

    g_assert_null(s);
    g_assert_cmpuint(errors->len, ==, 1);
    g_assert_nonnull(strstr(g_ptr_array_index(errors, 0),
                            "/nonexistent/series.conf"));
}

/* ---- finding entries ------------------------------------------------- */

/* qf_series_find(@ref) finds @name, or with @name NULL fails with @message. */
static void assert_find(const QfSeries *s, const char *ref, const char *name,
                        const char *message)
{
    g_autoptr(GError) error = NULL;
    QfEntry *e = qf_series_find(s, ref, &error);

    if (name) {
        g_assert_no_error(error);
        g_assert_nonnull(e);
        g_assert_cmpstr(e->name, ==, name);
        return;
    }
    g_assert_null(e);
    g_assert_nonnull(error);
    if (!strstr(error->message, message)) {
        g_error("find '%s': got \"%s\", want \"...%s...\"", ref,
                error->message, message);
    }
}

static void assert_finds(const QfSeries *s, const char *ref, const char *name)
{
    assert_find(s, ref, name, NULL);
}

static void assert_not_found(const QfSeries *s, const char *ref,
                             const char *message)
{
    assert_find(s, ref, NULL, message);
}

static void test_find_real(void)
{
    g_autoptr(QfSeries) s = fx_load_real_series();
    guint n = s->entries->len;
    g_autofree char *last = g_strdup_printf("%u", n);
    g_autofree char *past = g_strdup_printf("%u", n + 1);

    assert_finds(s, "1", "pc-bios-skip-missing-edk2");
    assert_finds(s, "2", "b64b7ed8bb5d");
    assert_finds(s, last, "338211ae1e03");
    assert_not_found(s, past, "out of range");
    assert_not_found(s, "0", "is not a position");
    assert_not_found(s, "0001", "is not a position");

    assert_finds(s, "b64b7ed8bb5d", "b64b7ed8bb5d");
    assert_finds(s, "pc-bios-skip-missing-edk2", "pc-bios-skip-missing-edk2");
    assert_finds(s, "b64b7ed", "b64b7ed8bb5d");
    assert_finds(s, "B64B7ED8", "b64b7ed8bb5d");
    assert_finds(s, "b64b7ed8bb5d475eab3b4188ef0076e332937c62",
                 "b64b7ed8bb5d");
    /* Row 157 has no full sha: a longer ref is checked to 12 digits. */
    assert_finds(s, "dc86d4523244aaaa", "dc86d4523244");
    assert_not_found(s, "b64b7ed8bb5d475eab3b4188ef0076e332937c63",
                     "no entry");
    assert_not_found(s, "b64b7e", "at least 7 hex digits");

    assert_finds(s, "0101-hw-acpi-pci-preserve-generic-initiator-insertion-"
                 "order.patch", "70ac94ebadd5");
    assert_finds(s, "patches/0201-hw-arm-virt-acpi-reset-gpu-id-each-time-"
                 "building-dsdt.patch", "338211ae1e03");
    assert_not_found(s, "nonsense", "no entry 'nonsense'");
    assert_not_found(s, "", "empty");
}

static void test_find_ambiguous(void)
{
    g_autoptr(QfSeries) s = parse_ok(
        BASE
        "upstream 1234567aaaaa\n  subject a\n"
        "upstream 1234567bbbbb\n  subject b\n"
        "downstream x\n  patch p/one.patch\n"
        "downstream y\n  patch q/one.patch\n");
    g_autoptr(GError) error = NULL;

    /* Seven digits or more: a sha prefix, not a position. */
    g_assert_null(qf_series_find(s, "1234567", &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "ambiguous"));
    g_assert_nonnull(strstr(error->message, "1234567aaaaa (position 1)"));
    g_assert_nonnull(strstr(error->message, "1234567bbbbb (position 2)"));
    assert_finds(s, "1234567a", "1234567aaaaa");
    assert_not_found(s, "one.patch", "patch file 'one.patch' is ambiguous");
    assert_finds(s, "q/one.patch", "y");
}

/* ---- releases -------------------------------------------------------- */

static void test_release_compare(void)
{
    static const struct {
        const char *a, *b;
        int sign;
    } cases[] = {
        { "v9.0", "v9.0.0", 0 },
        { "9.0", "v9.0.0", 0 },
        { "v9.0.0", "v9.1", -1 },
        { "v10.0.0", "v9.2.0", 1 },
        { "11.1.1", "v11.1.0", 1 },
        { "v11.0.0-rc1", "v11.0.0", -1 },
        { "v11.0.0", "v11.0.0-rc4", 1 },
        { "v11.0.0-rc1", "v11.0.0-rc0", 1 },
        { "v11.0-rc2", "v11.0.0-rc2", 0 },
        { "v8.2.0", "11.1.1", -1 },
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        int r = 42;

        g_assert_true(qf_release_compare(cases[i].a, cases[i].b, &r,
                                         &error));
        g_assert_no_error(error);
        g_assert_cmpint((r > 0) - (r < 0), ==, cases[i].sign);
        g_assert_true(qf_release_compare(cases[i].b, cases[i].a, &r, NULL));
        g_assert_cmpint((r > 0) - (r < 0), ==, -cases[i].sign);
    }
}

static void test_release_invalid(void)
{
    static const char *const bad[] = {
        "", "v", "9", "v9", "v9.", "9.0.", "v9.0.0.1", "v9.0.0-rc",
        "v9.0.0-rc1x", "post-v10.2.0", "V9.0", "v09.0", "v9.00",
        "v123456.0", " 9.0", "9.0 ", "v9.0-beta",
    };

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        int r;

        g_assert_false(qf_release_compare(bad[i], "v9.0", &r, &error));
        g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
        g_assert_nonnull(strstr(error->message, "is not a release"));
        g_assert_false(qf_release_compare("v9.0", bad[i], &r, NULL));
    }
}

/* ---- the model's lines and the in-place edit ------------------------ */

/* A comment inside a block, and CRLF-free text with no final newline. */
static const char edit_text[] =
    "base 1.0\n"
    "  # the pin, from Debian\n"
    "  tarball fx_1.0.tar.xz\n"
    "  sha256 "
    "0000000000000000000000000000000000000000000000000000000000000000\n"
    "section S\n"
    "upstream 0123456789ab\n"
    "  subject up: one\n"
    "# a note kept inside the block\n"
    "\n"
    "  patch patches/one.patch\n"
    "downstream keep\n"
    "  subject kept\n"
    "  patch patches/keep.patch";

static void test_block_lines(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(QfSeries) s =
        qf_series_parse(edit_text, strlen(edit_text), "s.conf", &error);
    const QfEntry *e;

    g_assert_no_error(error);
    g_assert_cmpuint(s->base_block.line, ==, 1);
    g_assert_cmpuint(s->base_block.attr_line[QF_ATTR_TARBALL], ==, 3);
    g_assert_cmpuint(s->base_block.attr_line[QF_ATTR_SHA256], ==, 4);
    g_assert_cmpuint(s->base_block.last_line, ==, 4);
    e = s->entries->pdata[0];
    g_assert_cmpuint(e->block.line, ==, 6);
    g_assert_cmpuint(e->block.attr_line[QF_ATTR_SUBJECT], ==, 7);
    g_assert_cmpuint(e->block.attr_line[QF_ATTR_PATCH], ==, 10);
    g_assert_cmpuint(e->block.attr_line[QF_ATTR_COMMIT], ==, 0);
    g_assert_cmpuint(e->block.last_line, ==, 10);
    g_assert_cmpstr(qf_attr_key(QF_ATTR_FIRST_RELEASE), ==, "first-release");
}

/*
 * The edit goes by the model, not by the layout: attributes after a
 * comment inside a block are still the block's, comments and blank lines
 * stay, and a file without a final newline keeps its last line.
 */
static void test_edit_in_place(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(QfSeries) s =
        qf_series_parse(edit_text, strlen(edit_text), "s.conf", &error);
    QfBasePin pin = {"1.1", NULL, NULL};
    QfSeriesEdit drop[] = {{QF_EDIT_DROP, "0123456789ab", "in base"}};
    QfSeriesEdit set[] = {
        {QF_EDIT_SET_FIRST_RELEASE, "0123456789ab", "v1.1"},
        {QF_EDIT_SET_PATCH, "keep", "patches/kept.patch"},
    };
    g_autofree char *dropped = NULL, *changed = NULL;

    g_assert_no_error(error);
    dropped = qf_series_edit(edit_text, s, &pin, drop, 1, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(dropped, ==,
                    "base 1.1\n"
                    "  # the pin, from Debian\n"
                    "  tarball fx_1.0.tar.xz\n"
                    "  sha256 "
                    "0000000000000000000000000000000000000000000000000000000000"
                    "000000\n"
                    "section S\n"
                    "# in base\n"
                    "# upstream 0123456789ab\n"
                    "#  subject up: one\n"
                    "# a note kept inside the block\n"
                    "\n"
                    "#  patch patches/one.patch\n"
                    "downstream keep\n"
                    "  subject kept\n"
                    "  patch patches/keep.patch");
    changed =
        qf_series_edit(edit_text, s, &pin, set, G_N_ELEMENTS(set), &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(changed, "# a note kept inside the block\n\n"
                                     "  patch patches/one.patch\n"
                                     "  first-release v1.1\n"));
    g_assert_true(g_str_has_suffix(changed, "  patch patches/kept.patch"));
}

static void test_edit_errors(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(QfSeries) s =
        qf_series_parse(edit_text, strlen(edit_text), "s.conf", &error);
    QfBasePin pin = {"1.1", "../fx.tar.xz", NULL};
    QfBasePin good = {"1.1", NULL, NULL};
    QfSeriesEdit remove[] = {{QF_EDIT_REMOVE_PATCH, "keep", NULL},
                             {QF_EDIT_REMOVE_PATCH, "keep", NULL}};
    QfSeriesEdit nosuch[] = {{QF_EDIT_DROP, "nosuch", "x"}};

    g_assert_no_error(error);
    /* The result is parsed again: a pin it cannot hold is refused. */
    g_assert_null(qf_series_edit(edit_text, s, &pin, NULL, 0, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
    g_assert_nonnull(strstr(error->message, "the edited series does not "
                                            "parse: s.conf:3: tarball"));
    g_clear_error(&error);
    /* A downstream entry without its patch does not parse either. */
    g_assert_null(qf_series_edit(edit_text, s, &good, remove, 1, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
    g_clear_error(&error);
    g_assert_null(qf_series_edit(edit_text, s, &good, nosuch, 1, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_NOT_FOUND);
    g_clear_error(&error);
    /* Another text than the one the series came from. */
    g_assert_null(qf_series_edit("base 1.0\n", s, &good, NULL, 0, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/series/real/counts", test_real_counts);
    g_test_add_func("/series/real/table-order", test_real_table_order);
    g_test_add_func("/series/real/entries", test_real_entries);
    g_test_add_func("/series/real/facts", test_real_facts);
    g_test_add_func("/series/parse/context", test_parse_context);
    g_test_add_func("/series/parse/crlf", test_parse_crlf);
    g_test_add_func("/series/parse/evidence", test_parse_evidence);
    g_test_add_func("/series/parse/load-dir", test_load_dir);
    for (guint i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
        g_autofree char *path = g_strdup_printf("/series/error/%s",
                                                bad_cases[i].name);

        g_test_add_data_func(path, &bad_cases[i], test_bad);
    }
    g_test_add_func("/series/error/nul", test_bad_nul);
    g_test_add_func("/series/error/all", test_parse_all);
    g_test_add_func("/series/error/load-missing", test_load_all_missing);
    g_test_add_func("/series/find/real", test_find_real);
    g_test_add_func("/series/find/ambiguous", test_find_ambiguous);
    g_test_add_func("/series/release/compare", test_release_compare);
    g_test_add_func("/series/release/invalid", test_release_invalid);
    g_test_add_func("/series/model/block-lines", test_block_lines);
    g_test_add_func("/series/edit/in-place", test_edit_in_place);
    g_test_add_func("/series/edit/errors", test_edit_errors);
    return g_test_run();
}
