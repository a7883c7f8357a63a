/*
 * qfork: the rebase report, for people (Markdown) and tools (JSON).
 *
 * Every series entry has a row, whatever became of it: nothing a rebase
 * drops goes unmentioned.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "qf-json.h"
#include "qf-rebase.h"

#define N_CLASSES (QF_REBASE_UNAVAILABLE + 1)

char *qf_rebase_report_counts(GPtrArray *items)
{
    guint count[N_CLASSES] = {0};
    guint unverified = 0;
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < items->len; i++) {
        const QfRebaseItem *it = items->pdata[i];
        count[it->cls]++;
        unverified += it->cls == QF_REBASE_IN_BASE && it->unverified;
    }
    g_string_printf(s, "%u entr%s:", items->len, items->len == 1 ? "y" : "ies");
    for (guint c = 0; c < N_CLASSES; c++) {
        if (!count[c]) {
            continue;
        }
        g_string_append_printf(s, "%s %u %s",
                               s->str[s->len - 1] == ':' ? "" : ",", count[c],
                               qf_rebase_class_name(c));
        if (c == QF_REBASE_IN_BASE && unverified) {
            g_string_append_printf(s,
                                   " (%u by the table's minimum release "
                                   "only: unverified)",
                                   unverified);
        }
    }
    return g_string_free(s, FALSE);
}

/* ---- Markdown ------------------------------------------------------------ */

/* Table cell text: no '|' or newline can break the row. */
static void append_cell(GString *out, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|') {
            g_string_append(out, "\\|");
        } else if (*s == '\n') {
            g_string_append_c(out, ' ');
        } else {
            g_string_append_c(out, *s);
        }
    }
}

static const char *patch_fate(const QfRebaseItem *it, char **owned)
{
    switch (it->cls) {
    case QF_REBASE_IN_BASE:
        if (it->old_patch) {
            return *owned = g_strdup_printf("removed (%s)", it->old_patch);
        }
        return "-";
    case QF_REBASE_CLEAN:
        return it->backport
                   ? (*owned = g_strdup_printf("new: %s", it->new_patch))
                   : "kept byte for byte";
    case QF_REBASE_OFFSET:
    case QF_REBASE_MERGED:
    case QF_REBASE_RESOLVED:
        return *owned = g_strdup_printf(
                   "%s: %s", it->backport ? "new" : "refreshed", it->new_patch);
    case QF_REBASE_CONFLICT:
        return "the rebase stopped here";
    case QF_REBASE_PENDING:
    case QF_REBASE_UNAVAILABLE:
        return "-";
    }
    return "-";
}

static void append_pin(GString *out, const char *what, const char *version,
                       const char *tarball, const char *sha256,
                       const char *source)
{
    g_string_append_printf(out, "- %s: QEMU %s", what, version);
    if (tarball) {
        g_string_append_printf(out, " (`%s`, sha256 `%s`)", tarball,
                               sha256 ? sha256 : "?");
    }
    if (source) {
        g_string_append_printf(out, ", obtained from: %s", source);
    }
    g_string_append_c(out, '\n');
}

static void append_entry_rows(GString *out, const QfRebaseReport *r)
{
    g_string_append(out, "| # | Entry | Kind | Result | Patch file | Why |\n"
                         "|--:|---|---|---|---|---|\n");
    for (guint i = 0; i < r->items->len; i++) {
        const QfRebaseItem *it = r->items->pdata[i];
        g_autofree char *owned = NULL;
        const char *fate = patch_fate(it, &owned);

        g_string_append_printf(out, "| %u | `%s` | %s | %s%s | ", it->position,
                               it->name, qf_entry_kind_name(it->kind),
                               qf_rebase_class_name(it->cls),
                               it->unverified ? " (unverified)" : "");
        append_cell(out, fate);
        g_string_append(out, " | ");
        append_cell(out, it->detail ? it->detail : "");
        if (it->first_release) {
            g_string_append_printf(out, "; first-release set to %s",
                                   it->first_release);
        }
        g_string_append(out, " |\n");
    }
}

static gboolean worth_a_section(const QfRebaseItem *it)
{
    return it->notes->len || it->interdiff || it->backport ||
           it->cls == QF_REBASE_CONFLICT;
}

static void append_details(GString *out, const QfRebaseItem *it)
{
    g_string_append_printf(out, "\n### %u `%s`: %s\n\n", it->position, it->name,
                           qf_rebase_class_name(it->cls));
    if (it->subject) {
        g_string_append_printf(out, "%s\n\n", it->subject);
    }
    if (it->new_patch) {
        g_string_append_printf(out, "Patch file: `%s`%s\n\n", it->new_patch,
                               it->patch_changed ? " (new content)" : "");
    }
    for (guint k = 0; k < it->notes->len; k++) {
        g_string_append_printf(out, "- %s\n", (char *)it->notes->pdata[k]);
    }
    if (it->interdiff) {
        g_string_append(out, "\nWhat changed in the patch (old patch's diff "
                             "against the new one):\n\n```diff\n");
        g_string_append(out, it->interdiff);
        if (!g_str_has_suffix(it->interdiff, "\n")) {
            g_string_append_c(out, '\n');
        }
        g_string_append(out, "```\n");
    }
}

char *qf_rebase_report_markdown(const QfRebaseReport *r)
{
    GString *out = g_string_new(NULL);
    g_autofree char *counts = qf_rebase_report_counts(r->items);
    gboolean any = FALSE;

    g_string_append_printf(out, "# qfork rebase: QEMU %s to %s\n\n",
                           r->old_version, r->new_version);
    append_pin(out, "Old base", r->old_version, r->old_tarball, r->old_sha256,
               r->old_source);
    append_pin(out, "New base", r->new_version, r->new_tarball, r->new_sha256,
               r->new_source);
    if (r->upstream) {
        g_string_append_printf(out,
                               "- In base: by git ancestry in the "
                               "upstream git `%s`\n",
                               r->upstream);
    } else {
        g_string_append(out, "- In base: upstream rows by the release data "
                             "(first-release; the table's minimum release, "
                             "marked unverified, where there is none); "
                             "patches when they reverse-apply\n");
    }
    if (r->done) {
        g_string_append_printf(out, "- Result: **done**. %s\n", counts);
    } else {
        g_string_append_printf(
            out,
            "- Result: **stopped** at `%s` (conflict). Resolve it in "
            "the tree, then `qfork rebase --continue`; or "
            "`qfork rebase --abort` to put everything back. %s\n",
            r->stopped ? r->stopped : "?", counts);
    }
    g_string_append(out, "\n## Entries\n\n");
    append_entry_rows(out, r);
    for (guint i = 0; i < r->items->len; i++) {
        const QfRebaseItem *it = r->items->pdata[i];
        if (!worth_a_section(it)) {
            continue;
        }
        if (!any) {
            g_string_append(out, "\n## Changed, new and stopped entries\n");
            any = TRUE;
        }
        append_details(out, it);
    }
    return g_string_free(out, FALSE);
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_str(GString *out, const char *s)
{
    if (s) {
        qf_json_append_string(out, s);
    } else {
        g_string_append(out, "null");
    }
}

static void json_key(GString *out, const char *indent, const char *key,
                     gboolean first)
{
    g_string_append_printf(out, "%s\n%s", first ? "" : ",", indent);
    qf_json_append_string(out, key);
    g_string_append(out, ": ");
}

static void json_pin(GString *out, const char *key, const char *version,
                     const char *tarball, const char *sha256,
                     const char *source)
{
    json_key(out, "  ", key, FALSE);
    g_string_append(out, "{\"version\": ");
    json_str(out, version);
    g_string_append(out, ", \"tarball\": ");
    json_str(out, tarball);
    g_string_append(out, ", \"sha256\": ");
    json_str(out, sha256);
    g_string_append(out, ", \"source\": ");
    json_str(out, source);
    g_string_append(out, "}");
}

static void json_item(GString *out, const QfRebaseItem *it)
{
    const char *in = "      ";

    g_string_append(out, "    {");
    json_key(out, in, "position", TRUE);
    g_string_append_printf(out, "%u", it->position);
    json_key(out, in, "name", FALSE);
    json_str(out, it->name);
    json_key(out, in, "kind", FALSE);
    json_str(out, qf_entry_kind_name(it->kind));
    json_key(out, in, "subject", FALSE);
    json_str(out, it->subject);
    json_key(out, in, "class", FALSE);
    json_str(out, qf_rebase_class_id(it->cls));
    json_key(out, in, "detail", FALSE);
    json_str(out, it->detail);
    json_key(out, in, "unverified", FALSE);
    g_string_append(out, it->unverified ? "true" : "false");
    json_key(out, in, "backport", FALSE);
    g_string_append(out, it->backport ? "true" : "false");
    json_key(out, in, "old-patch", FALSE);
    json_str(out, it->old_patch);
    json_key(out, in, "new-patch", FALSE);
    json_str(out, it->new_patch);
    json_key(out, in, "patch-changed", FALSE);
    g_string_append(out, it->patch_changed ? "true" : "false");
    json_key(out, in, "first-release", FALSE);
    json_str(out, it->first_release);
    json_key(out, in, "commit", FALSE);
    json_str(out, it->commit);
    json_key(out, in, "notes", FALSE);
    g_string_append(out, "[");
    for (guint k = 0; k < it->notes->len; k++) {
        g_string_append(out, k ? ", " : "");
        json_str(out, it->notes->pdata[k]);
    }
    g_string_append(out, "]");
    json_key(out, in, "interdiff", FALSE);
    json_str(out, it->interdiff);
    g_string_append(out, "\n    }");
}

char *qf_rebase_report_json(const QfRebaseReport *r)
{
    GString *out = g_string_new("{");
    guint count[N_CLASSES] = {0};
    gboolean first = TRUE;

    json_key(out, "  ", "format", TRUE);
    json_str(out, "qfork-rebase-report/1");
    json_pin(out, "old", r->old_version, r->old_tarball, r->old_sha256,
             r->old_source);
    json_pin(out, "new", r->new_version, r->new_tarball, r->new_sha256,
             r->new_source);
    json_key(out, "  ", "upstream-git", FALSE);
    json_str(out, r->upstream);
    json_key(out, "  ", "status", FALSE);
    json_str(out, r->done ? "done" : "stopped");
    json_key(out, "  ", "stopped-at", FALSE);
    json_str(out, r->done ? NULL : r->stopped);
    for (guint i = 0; i < r->items->len; i++) {
        count[((QfRebaseItem *)r->items->pdata[i])->cls]++;
    }
    json_key(out, "  ", "counts", FALSE);
    g_string_append(out, "{");
    for (guint c = 0; c < N_CLASSES; c++) {
        if (count[c]) {
            g_string_append(out, first ? "" : ", ");
            json_str(out, qf_rebase_class_id(c));
            g_string_append_printf(out, ": %u", count[c]);
            first = FALSE;
        }
    }
    g_string_append(out, "}");
    json_key(out, "  ", "entries", FALSE);
    g_string_append(out, "[\n");
    for (guint i = 0; i < r->items->len; i++) {
        json_item(out, r->items->pdata[i]);
        g_string_append(out, i + 1 < r->items->len ? ",\n" : "\n");
    }
    g_string_append(out, "  ]\n}\n");
    return g_string_free(out, FALSE);
}
