/*
 * qfork: moving the series onto a new QEMU release - classification,
 * three-way merge and upstream git queries.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-rebase.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qf-error.h"
#include "qf-git.h"
#include "qf-queue.h"
#include "qf-refresh.h"

/* ---- classes ------------------------------------------------------------- */

static const struct {
    const char *name;
    const char *id;
} class_names[] = {
    [QF_REBASE_PENDING] = {"not reached", "pending"},
    [QF_REBASE_IN_BASE] = {"in base", "in-base"},
    [QF_REBASE_CLEAN] = {"applies cleanly", "clean"},
    [QF_REBASE_OFFSET] = {"applies with offset", "offset"},
    [QF_REBASE_MERGED] = {"3-way merged", "merged"},
    [QF_REBASE_CONFLICT] = {"conflict", "conflict"},
    [QF_REBASE_RESOLVED] = {"resolved by hand", "resolved"},
    [QF_REBASE_UNAVAILABLE] = {"unavailable", "unavailable"},
};

const char *qf_rebase_class_name(QfRebaseClass cls)
{
    return cls < G_N_ELEMENTS(class_names) ? class_names[cls].name : "?";
}

const char *qf_rebase_class_id(QfRebaseClass cls)
{
    return cls < G_N_ELEMENTS(class_names) ? class_names[cls].id : "?";
}

gboolean qf_rebase_class_from_id(const char *id, QfRebaseClass *cls)
{
    for (guint i = 0; i < G_N_ELEMENTS(class_names); i++) {
        if (g_strcmp0(class_names[i].id, id) == 0) {
            *cls = (QfRebaseClass)i;
            return TRUE;
        }
    }
    return FALSE;
}

QfRebaseItem *qf_rebase_item_new(const QfEntry *entry)
{
    QfRebaseItem *item = g_new0(QfRebaseItem, 1);

    item->position = entry->position;
    item->name = g_strdup(entry->name);
    item->kind = entry->kind;
    item->subject = g_strdup(entry->subject);
    item->old_patch = g_strdup(entry->patch);
    item->new_patch = g_strdup(entry->patch);
    item->notes = g_ptr_array_new_with_free_func(g_free);
    return item;
}

void qf_rebase_item_free(QfRebaseItem *item)
{
    if (!item) {
        return;
    }
    g_free(item->name);
    g_free(item->subject);
    g_free(item->detail);
    g_free(item->old_patch);
    g_free(item->new_patch);
    g_free(item->first_release);
    g_ptr_array_unref(item->notes);
    g_free(item->interdiff);
    g_free(item->commit);
    g_free(item);
}

/* ---- upstream git -------------------------------------------------------- */

QfUpstream *qf_upstream_open(const char *dir, const char *old_version,
                             const char *new_version, GError **error)
{
    g_autoptr(QfUpstream) up = g_new0(QfUpstream, 1);
    g_autofree char *new_tag = g_strdup_printf("v%s", new_version);
    g_autofree char *old_tag = g_strdup_printf("v%s", old_version);

    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "upstream git %s: no such directory", dir);
        return NULL;
    }
    up->dir = g_strdup(dir);
    up->new_version = g_strdup(new_version);
    up->new_commit = qf_git_resolve_commit(dir, new_tag);
    if (!up->new_commit) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "upstream git %s has no tag %s (is it a QEMU git with "
                    "its tags?)",
                    dir, new_tag);
        return NULL;
    }
    up->old_commit = qf_git_resolve_commit(dir, old_tag);
    up->patch_ids =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    return g_steal_pointer(&up);
}

void qf_upstream_free(QfUpstream *up)
{
    if (!up) {
        return;
    }
    g_free(up->dir);
    g_free(up->new_version);
    g_free(up->new_commit);
    g_free(up->old_commit);
    g_clear_pointer(&up->patch_ids, g_hash_table_unref);
    g_free(up);
}

/* A final release tag "vX.Y.Z" (QEMU tags releases so), not an -rc. */
static gboolean is_release_tag(const char *tag)
{
    int cmp;

    return g_str_has_prefix(tag, "v") && !strchr(tag, '-') &&
           qf_release_compare(tag, "v0.0.0", &cmp, NULL);
}

char *qf_upstream_first_release(QfUpstream *up, const char *commit)
{
    const char *args[] = {"tag", "--list", "v*", "--contains", commit, NULL};
    g_autofree char *out = qf_git_text(up->dir, args, NULL, NULL);
    g_auto(GStrv) tags = out ? g_strsplit(out, "\n", -1) : NULL;
    const char *best = NULL;

    for (gsize i = 0; tags && tags[i]; i++) {
        int cmp = 0;

        if (!is_release_tag(tags[i])) {
            continue;
        }
        if (!best ||
            (qf_release_compare(tags[i], best, &cmp, NULL) && cmp < 0)) {
            best = tags[i];
        }
    }
    return g_strdup(best);
}

/* "patch-id commit" lines of `git patch-id --stable` on @input. */
static void add_patch_ids(QfUpstream *up, GBytes *input, GHashTable *subjects)
{
    const char *args[] = {"patch-id", "--stable", NULL};
    g_autofree char *out = qf_git_text(up->dir, args, input, NULL);
    g_auto(GStrv) lines = out ? g_strsplit(out, "\n", -1) : NULL;

    for (gsize i = 0; lines && lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], " ", 2);
        const char *subject;

        if (!f[0] || !f[1]) {
            continue;
        }
        subject = g_hash_table_lookup(subjects, f[1]);
        g_hash_table_insert(
            up->patch_ids, g_strdup(f[0]),
            g_strdup_printf("%s %s", f[1], subject ? subject : ""));
    }
}

/* Patch-ids of every commit in old..new, computed once. */
static gboolean load_patch_ids(QfUpstream *up, GError **error)
{
    g_autofree char *range = NULL;
    g_autoptr(GBytes) log = NULL;
    g_autofree char *subjects_out = NULL;
    g_autoptr(GHashTable) subjects =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_auto(GStrv) lines = NULL;

    if (g_hash_table_size(up->patch_ids)) {
        return TRUE;
    }
    range = g_strdup_printf("%s..%s", up->old_commit, up->new_commit);
    {
        const char *args[] = {"log", "--no-merges", "--format=%H %s", range,
                              NULL};
        subjects_out = qf_git_text(up->dir, args, NULL, error);
    }
    if (!subjects_out) {
        return FALSE;
    }
    lines = g_strsplit(subjects_out, "\n", -1);
    for (gsize i = 0; lines[i]; i++) {
        char *sp = strchr(lines[i], ' ');
        if (sp) {
            g_hash_table_insert(subjects,
                                g_strndup(lines[i], (gsize)(sp - lines[i])),
                                g_strdup(sp + 1));
        }
    }
    {
        const char *args[] = {"log",           "-p",
                              "--no-merges",   "--no-color",
                              "--no-ext-diff", "--format=commit %H",
                              range,           NULL};
        log = qf_git_bytes(up->dir, args, NULL, error);
    }
    if (!log) {
        return FALSE;
    }
    add_patch_ids(up, log, subjects);
    /* An empty range still counts as loaded. */
    g_hash_table_insert(up->patch_ids, g_strdup(""), g_strdup(""));
    return TRUE;
}

char *qf_upstream_match_patch_id(QfUpstream *up, const char *patch_text,
                                 GError **error)
{
    const char *args[] = {"patch-id", "--stable", NULL};
    g_autoptr(GBytes) in = g_bytes_new(patch_text, strlen(patch_text));
    g_autofree char *out = NULL;
    g_auto(GStrv) f = NULL;
    const char *hit;

    if (!up->old_commit) {
        return NULL;
    }
    if (!load_patch_ids(up, error)) {
        return NULL;
    }
    out = qf_git_text(up->dir, args, in, error);
    if (!out || !*out) {
        return NULL;
    }
    f = g_strsplit(out, " ", 2);
    hit = g_hash_table_lookup(up->patch_ids, f[0]);
    return hit && *hit ? g_strdup(hit) : NULL;
}

/* git cherry-pick -x's line, in the message's trailer block. */
static char *with_cherry_pick_line(const char *body, const char *commit)
{
    g_autofree char *trimmed = g_strchomp(g_strdup(body ? body : ""));
    const char *last = strrchr(trimmed, '\n');
    const char *p;

    last = last ? last + 1 : trimmed;
    for (p = last; g_ascii_isalnum(*p) || *p == '-'; p++) {
    }
    if (!*trimmed) {
        return g_strdup_printf("(cherry picked from commit %s)", commit);
    }
    return g_strdup_printf("%s\n%s(cherry picked from commit %s)", trimmed,
                           p > last && p[0] == ':' ? "" : "\n", commit);
}

char *qf_upstream_backport(QfUpstream *up, const char *commit, GError **error)
{
    const char *args[] = {"log",
                          "-1",
                          "--no-show-signature",
                          "--format=%H%x00%an%x00%ae%x00%aD%x00%s%x00%b",
                          commit,
                          "--",
                          NULL};
    g_autoptr(GBytes) out = qf_git_bytes(up->dir, args, NULL, error);
    g_auto(GStrv) f = NULL;
    g_autofree char *body = NULL;
    g_autofree char *parent = NULL;
    g_autofree char *diff = NULL;
    QfPatchHeader h;

    if (!out) {
        return NULL;
    }
    f = qf_git_split_nul(out);
    if (g_strv_length(f) < 6) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "upstream git %s: cannot read commit %s", up->dir, commit);
        return NULL;
    }
    body = with_cherry_pick_line(f[5], f[0]);
    parent = g_strdup_printf("%s^", f[0]);
    diff = qf_refresh_diff(up->dir, parent, f[0], error);
    if (!diff) {
        return NULL;
    }
    h = (QfPatchHeader){
        .author_name = f[1],
        .author_email = f[2],
        .date = f[3],
        .subject = f[4],
        .body = body,
    };
    return qf_refresh_format(&h, diff);
}

/* ---- classification ------------------------------------------------------ */

/* git merge-base --is-ancestor: 1 yes, 0 no, -1 cannot tell. */
static int git_is_ancestor(const char *dir, const char *commit, const char *of)
{
    const char *args[] = {"merge-base", "--is-ancestor", commit, of, NULL};
    QfGitCall call = {.dir = dir, .args = args};
    int status;

    if (!qf_git_call(&call, &status, NULL, NULL, NULL)) {
        return -1;
    }
    return status == 0 ? 1 : status == 1 ? 0 : -1;
}

static gboolean same_release(const char *a, const char *b)
{
    int cmp;

    return a && b && qf_release_compare(a, b, &cmp, NULL) && cmp == 0;
}

/* In base by git ancestry; FALSE with *@known unset when git cannot say. */
static gboolean upstream_in_base_by_git(const QfEntry *entry, QfUpstream *up,
                                        gboolean *known, char **detail,
                                        char **first_release, char **commit)
{
    const char *sha = entry->full_sha ? entry->full_sha : entry->sha12;
    g_autofree char *full = sha ? qf_git_resolve_commit(up->dir, sha) : NULL;
    g_autofree char *first = NULL;
    int anc;

    *known = FALSE;
    if (!full) {
        return FALSE;
    }
    anc = git_is_ancestor(up->dir, full, up->new_commit);
    if (anc < 0) {
        return FALSE;
    }
    *known = TRUE;
    first = qf_upstream_first_release(up, full);
    *detail =
        g_strdup_printf("git: %.12s is %s v%s (first released in %s)", full,
                        anc ? "an ancestor of" : "not in", up->new_version,
                        first ? first : "no release yet");
    if (first && !same_release(first, entry->first_release)) {
        *first_release = g_steal_pointer(&first);
    }
    *commit = g_steal_pointer(&full);
    return anc == 1;
}

gboolean qf_rebase_upstream_in_base(const QfEntry *entry, const char *version,
                                    QfUpstream *up, char **detail,
                                    gboolean *unverified, char **first_release,
                                    char **commit)
{
    g_autofree char *why = NULL;
    gboolean in_base;

    *unverified = FALSE;
    *first_release = NULL;
    *commit = NULL;
    if (up) {
        gboolean known;
        in_base = upstream_in_base_by_git(entry, up, &known, detail,
                                          first_release, commit);
        if (known) {
            return in_base;
        }
    }
    in_base = qf_entry_in_base(entry, version, unverified, &why);
    *detail =
        up ? g_strdup_printf("the upstream git lacks %s; %s",
                             entry->sha12 ? entry->sha12 : entry->name, why)
           : g_steal_pointer(&why);
    return in_base;
}

/* "hunk #1" of a one-hunk trial is hunk #@number of the real patch. */
static char *hunk_failure_line(const char *path, const QfHunk *h, guint number,
                               const GError *err)
{
    const char *why = err ? strstr(err->message, "does not apply: ") : NULL;

    why = why   ? why + strlen("does not apply: ")
          : err ? err->message
                : "does not apply";
    return g_strdup_printf("%s: hunk #%u (@@ -%u,%u +%u,%u @@, patch line "
                           "%u) does not apply: %s",
                           path, number, h->old_start, h->old_len, h->new_start,
                           h->new_len, h->patch_line, why);
}

/* Apply @fp with only @hunks (borrowed) of it; the error if it fails. */
static GError *try_file_patch(const char *tree, const QfPatch *patch,
                              const QfFilePatch *fp, GPtrArray *hunks)
{
    QfFilePatch one = *fp;
    QfPatch trial = {.filename = patch->filename};
    QfApplyOptions opts = {0};
    g_autoptr(GPtrArray) files = g_ptr_array_new();
    QfApplyResult *r;
    GError *err = NULL;

    one.hunks = hunks;
    g_ptr_array_add(files, &one);
    trial.files = files;
    r = qf_apply_prepare(tree, &trial, &opts, &err);
    qf_apply_result_free(r);
    return err;
}

GPtrArray *qf_rebase_failing_hunks(const char *tree, const QfPatch *patch)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    for (guint f = 0; f < patch->files->len; f++) {
        const QfFilePatch *fp = patch->files->pdata[f];
        const char *path = fp->new_path ? fp->new_path : fp->old_path;

        if (!fp->hunks || !fp->hunks->len) {
            g_autoptr(GError) err = try_file_patch(tree, patch, fp, fp->hunks);
            if (err) {
                g_ptr_array_add(out, g_strdup(err->message));
            }
            continue;
        }
        for (guint i = 0; i < fp->hunks->len; i++) {
            g_autoptr(GPtrArray) one = g_ptr_array_new();
            g_autoptr(GError) err = NULL;

            g_ptr_array_add(one, fp->hunks->pdata[i]);
            err = try_file_patch(tree, patch, fp, one);
            if (err) {
                g_ptr_array_add(
                    out,
                    hunk_failure_line(path, fp->hunks->pdata[i], i + 1, err));
            }
        }
    }
    return out;
}

QfRebaseClass qf_rebase_try_patch(const char *tree, const QfPatch *patch,
                                  QfApplyResult **result, char **detail,
                                  GPtrArray *notes)
{
    QfApplyOptions opts = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(QfApplyResult) r = NULL;
    g_autoptr(GPtrArray) failing = NULL;

    *result = NULL;
    if (patch->files->len && qf_apply_is_applied(tree, patch)) {
        *detail = g_strdup("reverse-applies cleanly: the new base already "
                           "has the change");
        return QF_REBASE_IN_BASE;
    }
    r = qf_apply_prepare(tree, patch, &opts, &err);
    if (r) {
        for (guint i = 0; i < r->notes->len; i++) {
            g_ptr_array_add(notes, g_strdup(r->notes->pdata[i]));
        }
        *detail = g_strdup(r->offset_used ? "applies with line offsets, no fuzz"
                                          : "applies as it is");
        *result = g_steal_pointer(&r);
        return (*result)->offset_used ? QF_REBASE_OFFSET : QF_REBASE_CLEAN;
    }
    failing = qf_rebase_failing_hunks(tree, patch);
    if (!failing->len) {
        g_ptr_array_add(notes, g_strdup(err->message));
    }
    for (guint i = 0; i < failing->len; i++) {
        g_ptr_array_add(notes, g_strdup(failing->pdata[i]));
    }
    *detail = g_strdup_printf("does not apply (%u failing hunk%s)",
                              failing->len, failing->len == 1 ? "" : "s");
    return QF_REBASE_CONFLICT;
}

/* ---- three-way merge ----------------------------------------------------- */

void qf_rebase_result_add(QfApplyResult *result, QfChangeKind kind,
                          const char *path, GBytes *content, guint mode)
{
    QfFileChange *c = g_new0(QfFileChange, 1);

    c->kind = kind;
    c->path = g_strdup(path);
    c->old_path = kind == QF_CHANGE_CREATE ? NULL : g_strdup(path);
    c->content = content ? g_bytes_ref(content) : NULL;
    c->mode = mode;
    g_ptr_array_add(result->changes, c);
}

QfGitFile *qf_rebase_read_file(const char *tree, const char *path)
{
    g_autofree char *full = g_build_filename(tree, path, NULL);
    QfGitFile *f;
    struct stat st;
    char *data = NULL;
    gsize len = 0;

    if (lstat(full, &st) < 0 || S_ISDIR(st.st_mode)) {
        return NULL;
    }
    f = g_new0(QfGitFile, 1);
    if (S_ISLNK(st.st_mode)) {
        data = g_file_read_link(full, NULL);
        len = data ? strlen(data) : 0;
        f->mode = 0120000;
    } else {
        g_file_get_contents(full, &data, &len, NULL);
        f->mode = st.st_mode & 0111 ? 0100755 : 0100644;
    }
    f->content = g_bytes_new_take(data, len);
    return f;
}

static gboolean file_equal(const QfGitFile *a, const QfGitFile *b)
{
    if (!a || !b) {
        return a == b;
    }
    return a->mode == b->mode && g_bytes_equal(a->content, b->content);
}

static gboolean is_text(const QfGitFile *f)
{
    gsize len;
    const char *p = f ? g_bytes_get_data(f->content, &len) : NULL;

    return f && f->mode != 0120000 && (!p || !memchr(p, '\0', len));
}

/* The applier's mode: permission bits, or the symlink type. */
static guint apply_mode(guint git_mode)
{
    return git_mode == 0120000 ? 0120000 : git_mode & 0777;
}

static gboolean write_temp(const char *dir, const char *name,
                           const QfGitFile *f, char **path, GError **error)
{
    gsize len = 0;
    const char *data = f ? g_bytes_get_data(f->content, &len) : "";

    *path = g_build_filename(dir, name, NULL);
    return g_file_set_contents(*path, data ? data : "", (gssize)len, error);
}

/*
 * git merge-file of one path: the merged bytes and the number of
 * conflicts, or -1 when git cannot merge them.
 */
static int merge_file(const QfGitFile *ours, const QfGitFile *base,
                      const QfGitFile *theirs, const QfMergeLabels *labels,
                      GBytes **merged, GError **error)
{
    g_autofree char *tmp = g_dir_make_tmp("qfork-merge-XXXXXX", error);
    g_autofree char *o = NULL, *b = NULL, *t = NULL;
    int status = -1;

    if (!tmp) {
        return -1;
    }
    if (write_temp(tmp, "ours", ours, &o, error) &&
        write_temp(tmp, "base", base, &b, error) &&
        write_temp(tmp, "theirs", theirs, &t, error)) {
        const char *args[] = {"merge-file",
                              "-p",
                              "--diff3",
                              "-L",
                              labels->ours,
                              "-L",
                              labels->base,
                              "-L",
                              labels->theirs,
                              o,
                              b,
                              t,
                              NULL};
        QfGitCall call = {.dir = tmp, .args = args};

        if (!qf_git_call(&call, &status, merged, NULL, error) || status > 127) {
            status = -1;
        }
    }
    if (o) {
        g_unlink(o);
    }
    if (b) {
        g_unlink(b);
    }
    if (t) {
        g_unlink(t);
    }
    g_rmdir(tmp);
    return status;
}

static void add_whole(QfApplyResult *r, const char *path, const QfGitFile *ours,
                      const QfGitFile *want)
{
    if (!want) {
        qf_rebase_result_add(r, QF_CHANGE_DELETE, path, NULL, 0);
    } else {
        qf_rebase_result_add(r, ours ? QF_CHANGE_MODIFY : QF_CHANGE_CREATE,
                             path, want->content, apply_mode(want->mode));
    }
}

/* Both sides changed @path: merge the text, or say why it cannot be. */
static gboolean merge_both_changed(QfApplyResult *r, const char *path,
                                   const QfGitFile *ours, const QfGitFile *base,
                                   const QfGitFile *theirs,
                                   const QfMergeLabels *labels,
                                   GPtrArray *conflicts, GError **error)
{
    g_autoptr(GBytes) merged = NULL;
    int n;

    if (!ours) {
        /* Deleted (or moved) in the new base, changed by the entry. */
        g_ptr_array_add(conflicts,
                        g_strdup_printf("%s: deleted in %s but changed by %s; "
                                        "the entry's version is in "
                                        "the tree",
                                        path, labels->ours, labels->theirs));
        add_whole(r, path, NULL, theirs);
        return TRUE;
    }
    if (!theirs) {
        g_ptr_array_add(
            conflicts,
            g_strdup_printf(
                "%s: changed in %s but deleted by %s; the new base's version "
                "is in the tree",
                path, labels->ours, labels->theirs));
        return TRUE;
    }
    if (!is_text(ours) || !is_text(theirs) || (base && !is_text(base))) {
        g_ptr_array_add(
            conflicts,
            g_strdup_printf(
                "%s: binary file or symlink changed on both sides; the new "
                "base's version is in the tree",
                path));
        return TRUE;
    }
    n = merge_file(ours, base, theirs, labels, &merged, error);
    if (n < 0) {
        return FALSE;
    }
    if (n > 0) {
        g_ptr_array_add(
            conflicts,
            g_strdup_printf("%s: %d conflict%s (markers in the file)", path, n,
                            n == 1 ? "" : "s"));
    }
    qf_rebase_result_add(r, QF_CHANGE_MODIFY, path, merged,
                         ours->mode != theirs->mode &&
                                 (!base || base->mode == ours->mode)
                             ? apply_mode(theirs->mode)
                             : 0);
    return TRUE;
}

QfApplyResult *qf_rebase_merge3(const char *tree, GPtrArray *paths,
                                GHashTable *pre, GHashTable *post,
                                const QfMergeLabels *labels,
                                GPtrArray *conflicts, GError **error)
{
    g_autoptr(QfApplyResult) r = qf_apply_result_new();

    for (guint i = 0; i < paths->len; i++) {
        const char *path = paths->pdata[i];
        const QfGitFile *base = g_hash_table_lookup(pre, path);
        const QfGitFile *theirs = g_hash_table_lookup(post, path);
        g_autoptr(QfGitFile) ours = qf_rebase_read_file(tree, path);

        if (file_equal(ours, theirs) || file_equal(base, theirs)) {
            continue; /* already so, or the entry leaves it alone */
        }
        if (file_equal(ours, base)) {
            add_whole(r, path, ours, theirs);
            continue;
        }
        if (!merge_both_changed(r, path, ours, base, theirs, labels, conflicts,
                                error)) {
            return NULL;
        }
    }
    return g_steal_pointer(&r);
}

