/*
 * qfork: proving that the base tree has an upstream row - by git
 * ancestry against release tags, or by the row's change in the tree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-evidence.h"
#include "qf-error.h"
#include "qf-git.h"
#include "qf-rebase.h"
#include "qf-series-edit.h"
#include "qf-tree.h"

#include <string.h>

/* ---- the content check ------------------------------------------------- */

const char *qf_content_verdict_name(QfContentVerdict verdict)
{
    switch (verdict) {
    case QF_CONTENT_PRESENT:
        return "present";
    case QF_CONTENT_ABSENT:
        return "absent";
    case QF_CONTENT_PARTIAL:
        return "partial";
    case QF_CONTENT_NO_FILES:
        return "no-files";
    }
    return "?";
}

void qf_content_result_free(QfContentResult *result)
{
    if (!result) {
        return;
    }
    g_clear_pointer(&result->notes, g_ptr_array_unref);
    g_free(result);
}

/* The lines of @content, without their terminators. */
static GStrv split_lines(GBytes *content)
{
    gsize len;
    const char *data = g_bytes_get_data(content, &len);
    g_autofree char *text = g_strndup(data, len);
    GStrv lines = g_strsplit(text, "\n", -1);
    guint n = g_strv_length(lines);

    /* A final newline ends the last line; it does not start another. */
    if (n && !*lines[n - 1]) {
        g_free(lines[n - 1]);
        lines[n - 1] = NULL;
    }
    return lines;
}

/* One side of a hunk: context plus the lines starting with @mark. */
static GPtrArray *hunk_side(const QfHunk *h, char mark)
{
    GPtrArray *side = g_ptr_array_new();

    for (guint i = 0; i < h->lines->len; i++) {
        const char *l = h->lines->pdata[i];

        if (l[0] == ' ' || l[0] == mark) {
            g_ptr_array_add(side, (char *)l + 1);
        }
    }
    return side;
}

/* Does @block occur in @lines as consecutive lines?  Never when empty. */
static gboolean has_block(const GStrv lines, GPtrArray *block)
{
    guint n = g_strv_length(lines);

    if (!block->len || block->len > n) {
        return FALSE;
    }
    for (guint i = 0; i + block->len <= n; i++) {
        guint k = 0;

        while (k < block->len && strcmp(lines[i + k], block->pdata[k]) == 0) {
            k++;
        }
        if (k == block->len) {
            return TRUE;
        }
    }
    return FALSE;
}

/*
 * Are the hunk's added lines in @lines, in order?  Blank lines are
 * skipped: they say nothing.  Whitespace at either end is ignored, since
 * a later commit may have re-indented the code around them.
 */
static gboolean has_added_lines(const GStrv lines, const QfHunk *h)
{
    guint at = 0, added = 0;

    for (guint i = 0; i < h->lines->len; i++) {
        const char *l = h->lines->pdata[i];
        g_autofree char *want = NULL;
        gboolean found = FALSE;

        if (l[0] != '+') {
            continue;
        }
        want = g_strstrip(g_strdup(l + 1));
        if (!*want) {
            continue;
        }
        added++;
        while (!found && lines[at]) {
            g_autofree char *have = g_strstrip(g_strdup(lines[at++]));

            found = strcmp(have, want) == 0;
        }
        if (!found) {
            return FALSE;
        }
    }
    return added > 0;
}

typedef enum { HUNK_PRESENT, HUNK_ABSENT, HUNK_CHANGED } HunkState;

static HunkState check_hunk(const GStrv lines, const QfHunk *h)
{
    g_autoptr(GPtrArray) after = hunk_side(h, '+');
    g_autoptr(GPtrArray) before = hunk_side(h, '-');
    gboolean old_there = has_block(lines, before);

    if (has_block(lines, after)) {
        return HUNK_PRESENT;
    }
    if (!old_there && has_added_lines(lines, h)) {
        return HUNK_PRESENT;
    }
    return old_there ? HUNK_ABSENT : HUNK_CHANGED;
}

/* git's blob id of @content, to compare binary files with the diff's. */
static char *blob_id(GBytes *content)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA1);
    g_autofree char *header =
        g_strdup_printf("blob %zu", g_bytes_get_size(content));

    g_checksum_update(sum, (const guchar *)header, strlen(header) + 1);
    g_checksum_update(sum, g_bytes_get_data(content, NULL),
                      g_bytes_get_size(content));
    return g_strdup(g_checksum_get_string(sum));
}

static void count_hunk(QfContentResult *r, HunkState state, const char *path,
                       const char *what)
{
    r->hunks++;
    if (state == HUNK_PRESENT) {
        r->present++;
        return;
    }
    r->absent += state == HUNK_ABSENT;
    g_ptr_array_add(r->notes,
                    g_strdup_printf("%s: %s %s", path, what,
                                    state == HUNK_ABSENT
                                        ? "absent: the tree still has its "
                                          "old side"
                                        : "not found: the code there has "
                                          "changed since"));
}

static void check_binary(QfContentResult *r, const QfFilePatch *fp,
                         const char *path, const QfGitFile *have)
{
    g_autofree char *id = blob_id(have->content);
    HunkState state = HUNK_CHANGED;

    if (fp->new_oid && strcmp(id, fp->new_oid) == 0) {
        state = HUNK_PRESENT;
    } else if (fp->old_oid && strcmp(id, fp->old_oid) == 0) {
        state = HUNK_ABSENT;
    }
    count_hunk(r, state, path, "binary content");
}

static void check_file(QfContentResult *r, const QfFilePatch *fp,
                       GHashTable *files)
{
    const char *path = fp->new_path ? fp->new_path : fp->old_path;
    const QfGitFile *have = g_hash_table_lookup(files, path);
    g_auto(GStrv) lines = NULL;

    if (!fp->new_path) {
        /* A deletion is there when the file is gone. */
        r->files++;
        count_hunk(r, have ? HUNK_ABSENT : HUNK_PRESENT, path, "deletion");
        return;
    }
    if (!have) {
        if (fp->old_path) {
            r->missing_files++;
            g_ptr_array_add(r->notes,
                            g_strdup_printf("%s: not in the tree", path));
        } else {
            r->files++;
            count_hunk(r, HUNK_ABSENT, path, "creation");
        }
        return;
    }
    r->files++;
    if (fp->bin_kind != QF_BINARY_NONE) {
        check_binary(r, fp, path, have);
        return;
    }
    lines = split_lines(have->content);
    for (guint i = 0; fp->hunks && i < fp->hunks->len; i++) {
        g_autofree char *what = g_strdup_printf("hunk #%u", i + 1);

        count_hunk(r, check_hunk(lines, fp->hunks->pdata[i]), path, what);
    }
}

/* The files of @base at @paths, as path -> QfGitFile*. */
static GHashTable *read_base(const QfBaseTree *base, GPtrArray *paths,
                             GError **error)
{
    GHashTable *files;

    if (base->commit) {
        return qf_git_read_files(base->dir, base->commit, paths, error);
    }
    files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                  (GDestroyNotify)qf_git_file_free);
    for (guint i = 0; i < paths->len; i++) {
        g_autofree char *p = g_build_filename(base->dir, paths->pdata[i], NULL);
        char *data;
        gsize len;
        QfGitFile *f;

        if (!g_file_test(p, G_FILE_TEST_IS_REGULAR) ||
            !g_file_get_contents(p, &data, &len, NULL)) {
            continue;
        }
        f = g_new0(QfGitFile, 1);
        f->content = g_bytes_new_take(data, len);
        f->mode = 0100644;
        g_hash_table_insert(files, g_strdup(paths->pdata[i]), f);
    }
    return files;
}

static QfContentVerdict verdict_of(const QfContentResult *r)
{
    if (!r->hunks) {
        return QF_CONTENT_NO_FILES;
    }
    if (r->present == r->hunks) {
        return QF_CONTENT_PRESENT;
    }
    return r->present == 0 && r->absent > 0 ? QF_CONTENT_ABSENT
                                            : QF_CONTENT_PARTIAL;
}

QfContentResult *qf_evidence_content(const QfBaseTree *base,
                                     const QfPatch *change, GError **error)
{
    g_autoptr(GPtrArray) paths = qf_patch_paths(change);
    g_autoptr(GHashTable) files = read_base(base, paths, error);
    QfContentResult *r;

    if (!files) {
        return NULL;
    }
    r = g_new0(QfContentResult, 1);
    r->notes = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < change->files->len; i++) {
        check_file(r, change->files->pdata[i], files);
    }
    r->verdict = verdict_of(r);
    return r;
}

QfPatch *qf_evidence_commit_diff(const char *dir, const char *commit,
                                 GError **error)
{
    const char *args[] = {"show",       "--pretty=format:", "--patch",
                          "--binary",   "--full-index",     "--no-renames",
                          "--no-color", "--no-ext-diff",    commit,
                          NULL};
    g_autoptr(GBytes) out = qf_git_bytes(dir, args, NULL, error);
    g_autofree char *name = g_strdup_printf("commit %.12s", commit);
    gsize len;
    const char *data;

    if (!out) {
        return NULL;
    }
    data = g_bytes_get_data(out, &len);
    return qf_patch_parse(data, len, name, error);
}

/* ---- every upstream row -------------------------------------------------- */

struct QfVerifier {
    char *base_version;
    char *base_dir, *base_commit;
    QfUpstream *up;         /* new_commit: tag v<base>, or NULL */
    GHashTable *by_subject; /* subject -> newest commit, filled lazily */
    char *tip;              /* where the anchor is looked for */
    gboolean anchor_done;   /* looked for it already */
    char *anchor;           /* newest commit of tip whose change is in base */
    QfContentResult *anchor_content;
};

void qf_row_evidence_free(QfRowEvidence *row)
{
    if (!row) {
        return;
    }
    g_free(row->release);
    g_free(row->commit);
    g_free(row->evidence);
    g_free(row->detail);
    qf_content_result_free(row->content);
    g_free(row);
}

void qf_verifier_free(QfVerifier *v)
{
    if (!v) {
        return;
    }
    g_free(v->base_version);
    g_free(v->base_dir);
    g_free(v->base_commit);
    qf_upstream_free(v->up);
    g_clear_pointer(&v->by_subject, g_hash_table_unref);
    g_free(v->tip);
    g_free(v->anchor);
    qf_content_result_free(v->anchor_content);
    g_free(v);
}

/*
 * The upstream git, with the base's release tag when it has one: then
 * ancestry is asked of that tag directly (as the rebase does).  Without
 * it, the first release tag containing a commit decides, since every
 * QEMU release contains the releases before it.
 */
static QfUpstream *open_upstream(const char *dir, const char *version,
                                 GError **error)
{
    const char *args[] = {"rev-parse", "--git-dir", NULL};
    QfUpstream *up = qf_upstream_open(dir, version, version, NULL);

    if (up) {
        return up;
    }
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR) || !qf_git_ok(dir, args, NULL)) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "upstream git %s: not a git repository", dir);
        return NULL;
    }
    up = g_new0(QfUpstream, 1);
    up->dir = g_strdup(dir);
    up->new_version = g_strdup(version);
    up->patch_ids =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return up;
}

QfVerifier *qf_verifier_new(const QfVerifyOptions *opts, GError **error)
{
    g_autoptr(QfVerifier) v = g_new0(QfVerifier, 1);

    v->up = open_upstream(opts->upstream, opts->base_version, error);
    if (!v->up) {
        return NULL;
    }
    v->base_version = g_strdup(opts->base_version);
    v->tip = g_strdup(opts->tip ? opts->tip : "HEAD");
    if (!g_file_test(opts->base.dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "base tree %s: no such directory", opts->base.dir);
        return NULL;
    }
    v->base_dir = g_strdup(opts->base.dir);
    /* A qfork tree: its base commit, not the files with patches on top. */
    v->base_commit = opts->base.commit
                         ? g_strdup(opts->base.commit)
                         : qf_git_resolve_commit(opts->base.dir, QF_BASE_REF);
    return g_steal_pointer(&v);
}

/*
 * Subjects compare without quotes of any kind and with blanks collapsed:
 * the vendor's table prints “ats” where the commit says "ats".
 */
static char *subject_key(const char *subject)
{
    GString *k = g_string_new(NULL);

    for (const char *c = subject; *c; c = g_utf8_next_char(c)) {
        gunichar u = g_utf8_get_char(c);

        if (u == '"' || u == '\'' || u == 0x201c || u == 0x201d ||
            u == 0x2018 || u == 0x2019) {
            continue;
        }
        if (g_unichar_isspace(u)) {
            if (k->len && k->str[k->len - 1] != ' ') {
                g_string_append_c(k, ' ');
            }
            continue;
        }
        g_string_append_unichar(k, u);
    }
    while (k->len && k->str[k->len - 1] == ' ') {
        g_string_truncate(k, k->len - 1);
    }
    return g_string_free(k, FALSE);
}

/* Every commit of every ref by subject, the newest first kept. */
static GHashTable *index_subjects(const char *dir)
{
    const char *args[] = {"log", "--all", "--format=%H %s", NULL};
    g_autofree char *out = qf_git_text(dir, args, NULL, NULL);
    g_auto(GStrv) lines = out ? g_strsplit(out, "\n", -1) : NULL;
    GHashTable *index =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    for (gsize i = 0; lines && lines[i]; i++) {
        const char *sp = strchr(lines[i], ' ');
        g_autofree char *key = NULL;

        if (!sp) {
            continue;
        }
        key = subject_key(sp + 1);
        if (!g_hash_table_contains(index, key)) {
            g_hash_table_insert(index, g_steal_pointer(&key),
                                g_strndup(lines[i], sp - lines[i]));
        }
    }
    return index;
}

static const char *commit_by_subject(QfVerifier *v, const char *subject)
{
    g_autofree char *key = subject_key(subject);

    if (!v->by_subject) {
        v->by_subject = index_subjects(v->up->dir);
    }
    return g_hash_table_lookup(v->by_subject, key);
}

static void set_open(QfRowEvidence *row, const char *why)
{
    row->kind = QF_EVIDENCE_OPEN;
    row->evidence = g_strdup_printf("none: %s", why);
    row->detail = g_strdup(why);
}

/* By the first release tag containing @full; FALSE when none does. */
static gboolean by_ancestry(QfVerifier *v, QfRowEvidence *row, const char *full)
{
    g_autofree char *first = qf_upstream_first_release(v->up, full);
    int cmp = 0;

    if (!first) {
        return FALSE;
    }
    row->kind = QF_EVIDENCE_ANCESTRY;
    row->release = g_strdup(first);
    row->evidence = g_strdup_printf("ancestry %s", first);
    if (v->up->new_commit) {
        g_autofree char *detail = NULL, *first2 = NULL, *commit = NULL;
        gboolean unverified;

        row->in_base =
            qf_rebase_upstream_in_base(row->entry, v->base_version, v->up,
                                       &detail, &unverified, &first2, &commit);
        row->detail = g_steal_pointer(&detail);
        return TRUE;
    }
    row->in_base =
        qf_release_compare(first, v->base_version, &cmp, NULL) && cmp <= 0;
    row->detail = g_strdup_printf(
        "git: %.12s is in release tag %s, %s base "
        "%s",
        full, first, row->in_base ? "not after" : "after", v->base_version);
    return TRUE;
}

/* How many of the tip's newest commits may be tried as the anchor. */
#define ANCHOR_TRIES 40
/* An anchor's change must be big enough not to be there by chance. */
#define ANCHOR_MIN_HUNKS 4

/*
 * The anchor: the newest commit of the tip's history, merges left out,
 * whose change is in the
 * base tree (ANCHOR_MIN_HUNKS hunks at least, so that it cannot be there
 * by chance).  A release cut from that history after it holds it and
 * every commit before it.
 */
static const char *find_anchor(QfVerifier *v, GError **error)
{
    g_autofree char *count = g_strdup_printf("--max-count=%d", ANCHOR_TRIES);
    const char *args[] = {"rev-list", "--no-merges", count, v->tip, NULL};
    g_autofree char *out = NULL;
    g_auto(GStrv) commits = NULL;
    QfBaseTree base = {.dir = v->base_dir, .commit = v->base_commit};

    if (v->anchor_done) {
        return v->anchor;
    }
    v->anchor_done = TRUE;
    out = qf_git_text(v->up->dir, args, NULL, NULL);
    commits = out ? g_strsplit(out, "\n", -1) : NULL;
    for (gsize i = 0; commits && commits[i] && *commits[i]; i++) {
        g_autoptr(QfPatch) change =
            qf_evidence_commit_diff(v->up->dir, commits[i], NULL);
        g_autoptr(QfContentResult) r =
            change ? qf_evidence_content(&base, change, error) : NULL;

        if (change && !r) {
            return NULL;
        }
        if (r && r->verdict == QF_CONTENT_PRESENT &&
            r->hunks >= ANCHOR_MIN_HUNKS) {
            v->anchor = g_strdup(commits[i]);
            v->anchor_content = g_steal_pointer(&r);
            break;
        }
    }
    return v->anchor;
}

/* Is @commit an ancestor of @of?  git merge-base --is-ancestor. */
static gboolean is_ancestor(const char *dir, const char *commit, const char *of)
{
    const char *args[] = {"merge-base", "--is-ancestor", commit, of, NULL};

    return qf_git_ok(dir, args, NULL);
}

/* @row's own diff was not all there: prove it by the anchor, if it can. */
static gboolean by_descendant(QfVerifier *v, QfRowEvidence *row,
                              const char *commit, GError **error)
{
    const QfContentResult *own = row->content;
    const QfContentResult *a;
    const char *anchor = find_anchor(v, error);

    if (!anchor || !is_ancestor(v->up->dir, commit, anchor)) {
        return FALSE;
    }
    a = v->anchor_content;
    row->kind = QF_EVIDENCE_CONTENT;
    row->in_base = TRUE;
    g_free(row->release);
    row->release = g_strdup(v->base_version);
    g_free(row->evidence);
    row->evidence = g_strdup_printf(
        "content %s (%u file%s, %u hunk%s) of descendant %.12s; its own "
        "diff: %u of %u hunks there, %u read as before it",
        v->base_version, a->files, a->files == 1 ? "" : "s", a->hunks,
        a->hunks == 1 ? "" : "s", anchor, own->present, own->hunks,
        own->absent);
    g_free(row->detail);
    row->detail = g_strdup_printf(
        "%.12s is an ancestor of %.12s, whose change is in the %s tree "
        "(its own diff: %u of %u hunks there, %u read as before it: later "
        "commits changed them)",
        commit, anchor, v->base_version, own->present, own->hunks, own->absent);
    (void)error;
    return TRUE;
}

static gboolean by_content(QfVerifier *v, QfRowEvidence *row,
                           const char *commit, const char *source,
                           GError **error)
{
    QfBaseTree base = {.dir = v->base_dir, .commit = v->base_commit};
    g_autoptr(GError) local = NULL;
    g_autoptr(QfPatch) change =
        qf_evidence_commit_diff(v->up->dir, commit, &local);
    QfContentResult *r;
    g_autofree char *missing = NULL;

    if (!change) {
        g_autofree char *why = g_strdup_printf("the diff of %s %.12s cannot "
                                               "be read: %s",
                                               source, commit, local->message);
        set_open(row, why);
        return TRUE;
    }
    r = row->content = qf_evidence_content(&base, change, error);
    if (!r) {
        return FALSE;
    }
    row->commit = g_strdup(commit);
    if (r->missing_files) {
        missing =
            g_strdup_printf("; %u file%s not in the %s tree", r->missing_files,
                            r->missing_files == 1 ? "" : "s", v->base_version);
    }
    if (r->verdict == QF_CONTENT_PRESENT) {
        row->kind = QF_EVIDENCE_CONTENT;
        row->in_base = TRUE;
        row->release = g_strdup(v->base_version);
        row->evidence = g_strdup_printf(
            "content %s (%u file%s, %u hunk%s) from %s %.12s%s",
            v->base_version, r->files, r->files == 1 ? "" : "s", r->hunks,
            r->hunks == 1 ? "" : "s", source, commit, missing ? missing : "");
        row->detail = g_strdup_printf("every hunk of %s %.12s is in the %s "
                                      "tree%s",
                                      source, commit, v->base_version,
                                      missing ? missing : "");
        return TRUE;
    }
    if (r->verdict == QF_CONTENT_ABSENT) {
        g_autofree char *why = g_strdup_printf(
            "no hunk of %s %.12s is in the %s tree (%u of %u read as before "
            "it)",
            source, commit, v->base_version, r->absent, r->hunks);
        set_open(row, why);
        return TRUE;
    }
    {
        g_autofree char *why =
            r->verdict == QF_CONTENT_NO_FILES
                ? g_strdup_printf("the %s tree has none of the files %s "
                                  "%.12s changes",
                                  v->base_version, source, commit)
                : g_strdup_printf("%u of %u hunks of %s %.12s are in the %s "
                                  "tree, %u read as before it, the rest "
                                  "changed since%s%s",
                                  r->present, r->hunks, source, commit,
                                  v->base_version, r->absent,
                                  missing ? missing : "",
                                  g_str_equal(source, "list copy")
                                      ? "; the merged commit is not in the "
                                        "upstream git"
                                      : "");
        set_open(row, why);
    }
    return TRUE;
}

QfRowEvidence *qf_verifier_row(QfVerifier *v, const QfEntry *entry,
                               GError **error)
{
    g_autoptr(QfRowEvidence) row = g_new0(QfRowEvidence, 1);
    const char *sha = entry->full_sha ? entry->full_sha : entry->sha12;
    g_autofree char *full = sha ? qf_git_resolve_commit(v->up->dir, sha) : NULL;
    const char *copy;

    row->entry = entry;
    if (full) {
        if (by_ancestry(v, row, full)) {
            row->commit = g_steal_pointer(&full);
            return g_steal_pointer(&row);
        }
        if (!by_content(v, row, full, "upstream commit", error)) {
            return NULL;
        }
        if (row->kind == QF_EVIDENCE_OPEN && row->content &&
            !by_descendant(v, row, row->commit, error) && error && *error) {
            return NULL;
        }
        return g_steal_pointer(&row);
    }
    copy = entry->subject ? commit_by_subject(v, entry->subject) : NULL;
    if (copy) {
        return by_content(v, row, copy, "list copy", error)
                   ? g_steal_pointer(&row)
                   : NULL;
    }
    set_open(row, "the upstream git has neither the commit nor a copy of "
                  "the patch with its subject");
    return g_steal_pointer(&row);
}

/* ---- the whole series -----------------------------------------------------
 */

char *qf_row_evidence_line(const QfRowEvidence *row)
{
    const char *what = row->kind == QF_EVIDENCE_OPEN ? "open"
                       : row->in_base                ? "in base"
                                                     : "NOT in base";

    return g_strdup_printf("%4u  %-12s  %-11s  %s", row->entry->table_row,
                           row->entry->name, what, row->detail);
}

GPtrArray *qf_verify_series(const QfSeries *series, const QfVerifyOptions *opts,
                            void (*say)(gpointer data, const char *line),
                            gpointer say_data, GError **error)
{
    g_autoptr(QfVerifier) v = qf_verifier_new(opts, error);
    g_autoptr(GPtrArray) rows = NULL;

    if (!v) {
        return NULL;
    }
    rows = g_ptr_array_new_with_free_func((GDestroyNotify)qf_row_evidence_free);
    for (guint i = 0; i < series->entries->len; i++) {
        const QfEntry *e = series->entries->pdata[i];
        QfRowEvidence *row;

        if (e->kind != QF_ENTRY_UPSTREAM ||
            (opts->only && !g_ptr_array_find(opts->only, e, NULL))) {
            continue;
        }
        row = qf_verifier_row(v, e, error);
        if (!row) {
            return NULL;
        }
        g_ptr_array_add(rows, row);
        if (say) {
            g_autofree char *line = qf_row_evidence_line(row);
            say(say_data, line);
        }
    }
    return g_steal_pointer(&rows);
}

char *qf_verify_edit_series(const char *text, const QfSeries *series,
                            GPtrArray *rows, guint *changed, GError **error)
{
    g_autoptr(GArray) edits = g_array_new(FALSE, TRUE, sizeof(QfSeriesEdit));
    const QfBasePin pin = {.version = series->base_version};

    *changed = 0;
    for (guint i = 0; i < rows->len; i++) {
        const QfRowEvidence *row = rows->pdata[i];
        const QfEntry *e = row->entry;
        gboolean first_differs = FALSE;
        QfSeriesEdit ed = {.entry = e->name};

        if (row->kind == QF_EVIDENCE_OPEN && e->evidence != QF_EVIDENCE_UNSET) {
            continue;
        }
        if (row->kind == QF_EVIDENCE_ANCESTRY &&
            g_strcmp0(e->first_release, row->release) != 0) {
            ed.kind = QF_EDIT_SET_FIRST_RELEASE;
            ed.value = row->release;
            g_array_append_val(edits, ed);
            first_differs = TRUE;
        }
        if (first_differs || g_strcmp0(e->evidence_text, row->evidence) != 0) {
            ed.kind = QF_EDIT_SET_EVIDENCE;
            ed.value = row->evidence;
            g_array_append_val(edits, ed);
            (*changed)++;
        }
    }
    return qf_series_edit(text, series, &pin, (const QfSeriesEdit *)edits->data,
                          edits->len, error);
}
