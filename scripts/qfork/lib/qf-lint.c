/*
 * qfork: consistency checks of a parsed series (`qfork lint`).
 *
 * Everything here reports and goes on, so that one run lists every
 * problem.  The patch header scan is deliberately shallow (headers and
 * commit message only): lint must also judge files the patch parser
 * would reject.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-lint.h"

#include <string.h>

#include "qf-fs.h"

typedef struct Lint {
    const QfSeries *series;
    char *name;                 /* series file name for messages */
    GPtrArray *problems;
} Lint;

static void G_GNUC_PRINTF(2, 3)
problem(Lint *l, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(l->problems, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* Patch paths as keys: "patches//a" and "./patches/a" are one file. */
static char *patch_key(const char *relative)
{
    g_autofree char *abs = g_canonicalize_filename(relative, "/");

    return g_strdup(abs + 1);
}

/* ---- patch headers --------------------------------------------------- */

typedef struct PatchText {
    gboolean has_from, has_date, has_subject;
    gboolean has_header;
    GPtrArray *message;         /* char *: body lines up to "---"/diff */
} PatchText;

static gboolean is_blank(const char *s)
{
    return s[strspn(s, " \t\r")] == '\0';
}

static gboolean ends_message(const char *line)
{
    return strcmp(line, "---") == 0 || g_str_has_prefix(line, "diff --git ")
           || g_str_has_prefix(line, "Index: ")
           || g_str_has_prefix(line, "--- ");
}

/* Record a header (with its folded continuation) once we have it all. */
static void note_header(PatchText *t, const char *key, const GString *value)
{
    if (!key || is_blank(value->str)) {
        return;
    }
    if (g_ascii_strcasecmp(key, "From") == 0) {
        t->has_from = TRUE;
    } else if (g_ascii_strcasecmp(key, "Date") == 0) {
        t->has_date = TRUE;
    } else if (g_ascii_strcasecmp(key, "Subject") == 0) {
        t->has_subject = TRUE;
    }
}

/*
 * Split a format-patch file into what lint needs: which headers are
 * present and the commit message lines.
 */
static void scan_patch(const char *contents, PatchText *t)
{
    g_auto(GStrv) lines = g_strsplit(contents, "\n", -1);
    g_autoptr(GString) value = g_string_new(NULL);
    g_autofree char *key = NULL;
    guint i = 0;

    memset(t, 0, sizeof(*t));
    t->message = g_ptr_array_new_with_free_func(g_free);
    if (lines[0] && g_str_has_prefix(lines[0], "From ")) {
        i++;                    /* mbox separator line */
    }
    for (; lines[i]; i++) {
        const char *line = lines[i];
        const char *colon, *space;

        g_strchomp(lines[i]);
        if (*line == '\0') {
            break;
        }
        if ((*line == ' ' || *line == '\t') && key) {
            g_string_append(value, line);
            continue;
        }
        colon = strchr(line, ':');
        space = strchr(line, ' ');
        if (!colon || colon == line || (space && space < colon)) {
            return;             /* not a mail header: no message either */
        }
        note_header(t, key, value);
        g_free(key);
        key = g_strndup(line, colon - line);
        g_string_assign(value, colon + 1);
        t->has_header = TRUE;
    }
    note_header(t, key, value);
    if (!lines[i]) {
        return;
    }
    for (i++; lines[i] && !ends_message(lines[i]); i++) {
        g_ptr_array_add(t->message, g_strdup(lines[i]));
    }
}

static void patch_text_clear(PatchText *t)
{
    g_ptr_array_unref(t->message);
}

static const char *after_prefix(const char *line, const char *prefix)
{
    const char *s = line + strspn(line, " \t");

    if (g_ascii_strncasecmp(s, prefix, strlen(prefix)) != 0) {
        return NULL;
    }
    s += strlen(prefix);
    return s + strspn(s, " \t");
}

static gboolean message_has_trailer(const PatchText *t, const char *prefix)
{
    for (guint i = 0; i < t->message->len; i++) {
        const char *rest = after_prefix(g_ptr_array_index(t->message, i),
                                        prefix);

        if (rest && !is_blank(rest)) {
            return TRUE;
        }
    }
    return FALSE;
}

/* The hex word at @s (lowercased), or NULL. */
static char *hex_word(const char *s)
{
    gsize n = 0;

    while (g_ascii_isxdigit(s[n])) {
        n++;
    }
    return n ? g_ascii_strdown(s, n) : NULL;
}

/* Every sha an "Upstream:" or "cherry picked from commit" line names. */
static GPtrArray *upstream_refs(const PatchText *t)
{
    GPtrArray *refs = g_ptr_array_new_with_free_func(g_free);
    static const char cherry[] = "(cherry picked from commit ";

    for (guint i = 0; i < t->message->len; i++) {
        const char *line = g_ptr_array_index(t->message, i);
        const char *rest = after_prefix(line, "Upstream:");
        const char *c = strstr(line, cherry);
        char *sha = NULL;

        if (rest) {
            sha = hex_word(rest);
        } else if (c) {
            sha = hex_word(c + strlen(cherry));
        }
        if (sha) {
            g_ptr_array_add(refs, sha);
        }
    }
    return refs;
}

static gboolean sha_names_entry(const char *sha, const QfEntry *e)
{
    if (strlen(sha) < 12 || !g_str_has_prefix(sha, e->sha12)) {
        return FALSE;
    }
    return !e->full_sha || g_str_has_prefix(e->full_sha, sha);
}

static void check_upstream_provenance(Lint *l, const char *file,
                                      const PatchText *t, const QfEntry *e)
{
    g_autoptr(GPtrArray) refs = upstream_refs(t);

    for (guint i = 0; i < refs->len; i++) {
        if (sha_names_entry(g_ptr_array_index(refs, i), e)) {
            return;
        }
    }
    if (refs->len) {
        problem(l, "%s: its provenance names %s, not upstream row %s",
                file, (char *)g_ptr_array_index(refs, 0), e->sha12);
    } else {
        problem(l, "%s: no provenance for upstream row %s: add "
                "'Upstream: %s' or '(cherry picked from commit %s)'",
                file, e->sha12, e->full_sha ? e->full_sha : e->sha12,
                e->full_sha ? e->full_sha : e->sha12);
    }
}

/* @word occurs in @line not glued to other letters or digits. */
static gboolean line_names(const char *line, const char *word)
{
    gsize n = strlen(word);

    for (const char *c = strstr(line, word); c; c = strstr(c + 1, word)) {
        if ((c == line || !g_ascii_isalnum(c[-1])) &&
            !g_ascii_isalnum(c[n])) {
            return TRUE;
        }
    }
    return FALSE;
}

static void check_sauce_provenance(Lint *l, const char *file,
                                   const PatchText *t, const QfEntry *e)
{
    for (guint i = 0; i < t->message->len; i++) {
        if (line_names(g_ptr_array_index(t->message, i), e->sha12)) {
            return;
        }
    }
    problem(l, "%s: no line of its message names the SAUCE row %s it "
            "implements (e.g. 'Qfork-Sauce: %s')", file, e->sha12, e->sha12);
}

static void check_patch_text(Lint *l, const char *file, const char *contents,
                             const QfEntry *e)
{
    PatchText t;

    scan_patch(contents, &t);
    if (!t.has_header) {
        problem(l, "%s: no mail header (From:, Date:, Subject:); write it "
                "with git format-patch", file);
        patch_text_clear(&t);
        return;
    }
    if (!t.has_from) {
        problem(l, "%s: no From: header (the author)", file);
    }
    if (!t.has_date) {
        problem(l, "%s: no Date: header", file);
    }
    if (!t.has_subject) {
        problem(l, "%s: no Subject: header", file);
    }
    if (!message_has_trailer(&t, "Signed-off-by:")) {
        problem(l, "%s: no Signed-off-by: trailer in its message", file);
    }
    switch (e->kind) {
    case QF_ENTRY_UPSTREAM:
        check_upstream_provenance(l, file, &t, e);
        break;
    case QF_ENTRY_SAUCE:
        check_sauce_provenance(l, file, &t, e);
        break;
    case QF_ENTRY_DOWNSTREAM:
        if (!message_has_trailer(&t, "Downstream-only:")) {
            problem(l, "%s: no 'Downstream-only: REASON' line for "
                    "downstream entry %s", file, e->name);
        }
        break;
    }
    patch_text_clear(&t);
}

/* ---- series <-> patches/ --------------------------------------------- */

static void check_listed_patch(Lint *l, const QfEntry *e, GHashTable *listed)
{
    g_autofree char *key = patch_key(e->patch);
    g_autofree char *path = qf_entry_patch_path(l->series, e);
    g_autofree char *contents = NULL;
    g_autoptr(GError) error = NULL;
    guint line = e->block.attr_line[QF_ATTR_PATCH]
                     ? e->block.attr_line[QF_ATTR_PATCH]
                     : e->line;
    gpointer first = g_hash_table_lookup(listed, key);

    if (first) {
        problem(l, "%s:%u: %s is listed twice (first at line %u)", l->name,
                line, e->patch, GPOINTER_TO_UINT(first));
        return;
    }
    g_hash_table_insert(listed, g_steal_pointer(&key),
                        GUINT_TO_POINTER(line));
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        problem(l, "%s:%u: patch file %s of %s entry %s does not exist",
                l->name, line, e->patch, qf_entry_kind_name(e->kind),
                e->name);
        return;
    }
    if (!qf_fs_read_regular(path, &contents, NULL, &error)) {
        problem(l, "%s:%u: patch file of %s entry %s: %s", l->name, line,
                qf_entry_kind_name(e->kind), e->name, error->message);
        return;
    }
    check_patch_text(l, e->patch, contents, e);
}

/* Every *.patch below @dir (relative name @rel) must be in @listed. */
static void find_orphans(Lint *l, const char *dir, const char *rel,
                         GHashTable *listed)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    if (!d) {
        return;
    }
    while ((name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *child = g_strconcat(rel, "/", name, NULL);

        if (g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
            continue;
        }
        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            find_orphans(l, path, child, listed);
        } else if (g_str_has_suffix(name, ".patch") &&
                   !g_hash_table_contains(listed, child)) {
            problem(l, "%s: not listed in %s", child, l->name);
        }
    }
}

static void check_patches(Lint *l)
{
    g_autoptr(GHashTable) listed =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *patches = g_build_filename(l->series->dir, "patches",
                                                NULL);

    for (guint i = 0; i < l->series->entries->len; i++) {
        const QfEntry *e = g_ptr_array_index(l->series->entries, i);

        if (e->patch) {
            check_listed_patch(l, e, listed);
        }
    }
    find_orphans(l, patches, "patches", listed);
}

/* ---- order ----------------------------------------------------------- */

static void check_sections_contiguous(Lint *l)
{
    g_autoptr(GHashTable) seen =
        g_hash_table_new(g_str_hash, g_str_equal);
    const char *current = NULL;

    for (guint i = 0; i < l->series->entries->len; i++) {
        const QfEntry *e = g_ptr_array_index(l->series->entries, i);
        gpointer first;

        if (!e->section || g_strcmp0(e->section, current) == 0) {
            continue;
        }
        current = e->section;
        first = g_hash_table_lookup(seen, current);
        if (first) {
            problem(l, "%s:%u: section '%s' appears again (first at line "
                    "%u): a table section is one block", l->name, e->line,
                    current, GPOINTER_TO_UINT(first));
        } else {
            g_hash_table_insert(seen, (gpointer)current,
                                GUINT_TO_POINTER(e->line));
        }
    }
}

typedef struct FactsRow {
    guint line;                 /* line in the TSV */
    char *index;
    char *section, *month, *sha12, *full_sha, *subject, *min_release;
    char *first_release;        /* NULL unless a real release */
    gboolean seen;
} FactsRow;

static void facts_row_free(FactsRow *r)
{
    g_free(r->index);
    g_free(r->section);
    g_free(r->month);
    g_free(r->sha12);
    g_free(r->full_sha);
    g_free(r->subject);
    g_free(r->min_release);
    g_free(r->first_release);
    g_free(r);
}

static const char *const facts_columns[] = {
    "index", "section", "ml_month", "sha12", "full_sha", "seed_subject",
    "seed_min_release", "actual_first_release",
};
enum {
    COL_INDEX, COL_SECTION, COL_MONTH, COL_SHA12, COL_FULL_SHA, COL_SUBJECT,
    COL_MIN_RELEASE, COL_FIRST_RELEASE, N_COLS,
};

static char *nonempty(const char *s)
{
    return s && *s ? g_strdup(s) : NULL;
}

static gboolean is_release(const char *s)
{
    int cmp;

    return s && qf_release_compare(s, s, &cmp, NULL);
}

/*
 * Rows in table order.  The month is only on a group's first row in the
 * table: carry it down within a section, as series.conf's groups do.
 */
static GPtrArray *read_facts(Lint *l, const char *tsv, const char *name)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GPtrArray) rows =
        g_ptr_array_new_with_free_func((GDestroyNotify)facts_row_free);
    int col[N_COLS];
    g_auto(GStrv) header = NULL;
    const char *month = NULL, *section = NULL;

    if (!g_file_get_contents(tsv, &text, NULL, &error)) {
        problem(l, "%s: %s", name, error->message);
        return NULL;
    }
    lines = g_strsplit(text, "\n", -1);
    header = g_strsplit(lines[0], "\t", -1);
    for (int c = 0; c < N_COLS; c++) {
        col[c] = -1;
        for (int h = 0; header[h]; h++) {
            if (strcmp(g_strstrip(header[h]), facts_columns[c]) == 0) {
                col[c] = h;
            }
        }
        if (col[c] < 0) {
            problem(l, "%s:1: no '%s' column", name, facts_columns[c]);
            return NULL;
        }
    }
    for (guint i = 1; lines[i]; i++) {
        g_auto(GStrv) f = NULL;
        FactsRow *r;

        if (is_blank(lines[i])) {
            continue;
        }
        /* Trailing fields may be empty: drop a CR, not the tabs. */
        if (g_str_has_suffix(lines[i], "\r")) {
            lines[i][strlen(lines[i]) - 1] = '\0';
        }
        f = g_strsplit(lines[i], "\t", -1);
        if (g_strv_length(f) != g_strv_length(header)) {
            problem(l, "%s:%u: %u fields, the header has %u", name, i + 1,
                    g_strv_length(f), g_strv_length(header));
            return NULL;
        }
        r = g_new0(FactsRow, 1);
        r->line = i + 1;
        r->index = g_strdup(f[col[COL_INDEX]]);
        r->section = nonempty(f[col[COL_SECTION]]);
        if (g_strcmp0(r->section, section) != 0) {
            month = NULL;
        }
        section = r->section;
        if (*f[col[COL_MONTH]]) {
            month = f[col[COL_MONTH]];
        }
        r->month = nonempty(month);
        r->sha12 = nonempty(f[col[COL_SHA12]]);
        r->full_sha = nonempty(f[col[COL_FULL_SHA]]);
        r->subject = nonempty(f[col[COL_SUBJECT]]);
        r->min_release = nonempty(f[col[COL_MIN_RELEASE]]);
        if (is_release(f[col[COL_FIRST_RELEASE]])) {
            r->first_release = g_strdup(f[col[COL_FIRST_RELEASE]]);
        }
        g_ptr_array_add(rows, r);
        /* Strings of @f are freed with it: keep no pointer into them. */
        month = r->month;
    }
    return g_steal_pointer(&rows);
}

static void check_field(Lint *l, const QfEntry *e, const char *what,
                        const char *have, const char *want)
{
    if (g_strcmp0(have, want) == 0) {
        return;
    }
    if (!want) {
        problem(l, "%s:%u: %s of %s is '%s'; the facts table has none",
                l->name, e->line, what, e->name, have);
    } else if (!have) {
        problem(l, "%s:%u: %s has no %s; the facts table says '%s'",
                l->name, e->line, e->name, what, want);
    } else {
        problem(l, "%s:%u: %s of %s is '%s'; the facts table says '%s'",
                l->name, e->line, what, e->name, have, want);
    }
}

static void check_against_facts(Lint *l, const char *tsv)
{
    g_autofree char *name = g_path_get_basename(tsv);
    g_autoptr(GPtrArray) rows = read_facts(l, tsv, name);
    g_autoptr(GHashTable) by_sha = g_hash_table_new(g_str_hash, g_str_equal);
    const QfEntry *prev = NULL;
    gint prev_pos = -1;

    if (!rows) {
        return;
    }
    for (guint i = 0; i < rows->len; i++) {
        FactsRow *r = g_ptr_array_index(rows, i);

        if (r->sha12) {
            g_hash_table_insert(by_sha, r->sha12, GINT_TO_POINTER(i + 1));
        }
    }
    for (guint i = 0; i < l->series->entries->len; i++) {
        const QfEntry *e = g_ptr_array_index(l->series->entries, i);
        gint pos;
        FactsRow *r;

        if (!e->sha12) {
            continue;
        }
        pos = GPOINTER_TO_INT(g_hash_table_lookup(by_sha, e->sha12)) - 1;
        if (pos < 0) {
            problem(l, "%s:%u: table row %s is not in %s", l->name, e->line,
                    e->sha12, name);
            continue;
        }
        r = g_ptr_array_index(rows, pos);
        r->seen = TRUE;
        if (pos < prev_pos) {
            problem(l, "%s:%u: table row %s (%s row %s) is out of table "
                    "order: it comes after %s (row %s)", l->name, e->line,
                    e->sha12, name, r->index, prev->sha12,
                    ((FactsRow *)g_ptr_array_index(rows, prev_pos))->index);
        } else {
            prev_pos = pos;
            prev = e;
        }
        check_field(l, e, "section", e->section, r->section);
        check_field(l, e, "month", e->ml_month, r->month);
        check_field(l, e, "min-release", e->min_release, r->min_release);
        check_field(l, e, "commit", e->full_sha, r->full_sha);
        check_field(l, e, "subject", e->subject, r->subject);
        if (e->kind == QF_ENTRY_UPSTREAM) {
            check_field(l, e, "first-release", e->first_release,
                        r->first_release);
        }
    }
    for (guint i = 0; i < rows->len; i++) {
        FactsRow *r = g_ptr_array_index(rows, i);

        if (!r->seen) {
            problem(l, "%s: table row %s (%s row %s: %s) is missing",
                    l->name, r->sha12 ? r->sha12 : "?", name, r->index,
                    r->subject ? r->subject : "");
        }
    }
}

gboolean qf_series_lint(const QfSeries *series, const char *facts_tsv,
                        GPtrArray *problems)
{
    Lint l = {
        .series = series,
        .name = g_path_get_basename(series->path),
        .problems = problems,
    };
    guint before = problems->len;

    check_patches(&l);
    check_sections_contiguous(&l);
    if (facts_tsv) {
        check_against_facts(&l, facts_tsv);
    }
    g_free(l.name);
    return problems->len == before;
}
