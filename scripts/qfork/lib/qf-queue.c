/*
 * qfork: the series as a quilt-style stack over a qfork tree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-queue.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qf-apply.h"
#include "qf-error.h"
#include "qf-fs.h"
#include "qf-patch.h"
#include "qf-state.h"

const char *qf_entry_state_name(QfEntryState state)
{
    switch (state) {
    case QF_STATE_IN_BASE:
        return "in base";
    case QF_STATE_APPLIED:
        return "applied";
    case QF_STATE_PENDING:
        return "pending";
    case QF_STATE_FAILED:
        return "failed";
    case QF_STATE_UNAVAILABLE:
        return "unavailable";
    }
    return "?";
}

static gboolean release_le(const char *release, const char *base, int *cmp)
{
    return release && qf_release_compare(release, base, cmp, NULL);
}

gboolean qf_entry_in_base(const QfEntry *entry, const char *base_version,
                          gboolean *unverified, char **reason)
{
    int cmp = 0;

    *unverified = FALSE;
    if (entry->kind != QF_ENTRY_UPSTREAM) {
        *reason = g_strdup_printf("%s entry, never in upstream releases",
                                  qf_entry_kind_name(entry->kind));
        return FALSE;
    }
    if (release_le(entry->first_release, base_version, &cmp)) {
        *reason = g_strdup_printf(cmp <= 0 ? "first released in %s (base %s)%s"
                                           : "first released in %s, after "
                                             "base %s%s",
                                  entry->first_release, base_version,
                                  entry->evidence == QF_EVIDENCE_ANCESTRY
                                      ? ", by git ancestry"
                                      : "");
        return cmp <= 0;
    }
    /* Its change found in a release's tree: in every later base too. */
    if (entry->evidence == QF_EVIDENCE_CONTENT &&
        release_le(entry->evidence_release, base_version, &cmp) &&
        cmp <= 0) {
        *reason = g_strdup_printf("its change is in the %s tree (base %s); "
                                  "first release not known",
                                  entry->evidence_release, base_version);
        return TRUE;
    }
    *unverified = TRUE;
    if (release_le(entry->min_release, base_version, &cmp)) {
        *reason = g_strdup_printf(
            "table minimum release %s %s base %s; first release unverified%s%s%s",
            entry->min_release, cmp <= 0 ? "<=" : ">", base_version,
            entry->evidence == QF_EVIDENCE_OPEN ? " (evidence " : "",
            entry->evidence == QF_EVIDENCE_OPEN ? entry->evidence_text : "",
            entry->evidence == QF_EVIDENCE_OPEN ? ")" : "");
        return cmp <= 0;
    }
    *reason = g_strdup("no release known for it; assumed not in base");
    return FALSE;
}

static void entry_status_free(QfEntryStatus *s)
{
    g_free(s->reason);
    g_free(s->commit);
    g_free(s);
}

void qf_queue_free(QfQueue *queue)
{
    if (!queue) {
        return;
    }
    g_ptr_array_unref(queue->all);
    g_ptr_array_unref(queue->pushable);
    if (queue->commits) {
        g_ptr_array_unref(queue->commits);
    }
    g_free(queue->mismatch);
    g_free(queue);
}

static gboolean is_release(const char *s)
{
    int cmp;
    return release_le(s, "0.0.0", &cmp);
}

/* State of an entry that is not in base, ignoring the tree. */
static void classify_not_in_base(QfEntryStatus *s, const char *why,
                                 const char *base_version)
{
    const QfEntry *e = s->entry;

    if (!e->patch) {
        s->state = QF_STATE_UNAVAILABLE;
        if (e->kind == QF_ENTRY_UPSTREAM) {
            s->reason = g_strdup_printf(
                "needs QEMU %s (base is %s) and has no backport patch file "
                "(%s)",
                is_release(e->first_release)
                    ? e->first_release
                    : (e->min_release ? e->min_release : "(unknown)"),
                base_version, why);
        } else {
            s->reason = g_strdup("no patch file listed");
        }
        return;
    }
    s->state = QF_STATE_PENDING;
    s->reason = g_strdup_printf("patch %s", e->patch);
}

static QfEntryStatus *status_for(const QfEntry *e, const char *base_version)
{
    QfEntryStatus *s = g_new0(QfEntryStatus, 1);
    g_autofree char *why = NULL;

    s->entry = e;
    if (qf_entry_in_base(e, base_version, &s->unverified, &why)) {
        s->state = QF_STATE_IN_BASE;
        s->reason = g_steal_pointer(&why);
    } else {
        classify_not_in_base(s, why, base_version);
    }
    return s;
}

static QfEntryStatus *find_status(const QfQueue *q, const char *name)
{
    for (guint i = 0; i < q->all->len; i++) {
        QfEntryStatus *s = g_ptr_array_index(q->all, i);
        if (g_str_equal(s->entry->name, name)) {
            return s;
        }
    }
    return NULL;
}

/*
 * Match the tree's commits against the pushable entries.  The applied
 * prefix is what push and pop may rely on; anything after a mismatch is
 * still shown as applied (it is in the tree) but blocks push.
 */
static void match_commits(QfQueue *q)
{
    gboolean in_order = TRUE;

    for (guint i = 0; i < q->commits->len; i++) {
        const QfTreeCommit *c = g_ptr_array_index(q->commits, i);
        QfEntryStatus *s = c->entry ? find_status(q, c->entry) : NULL;
        QfEntryStatus *expect =
            i < q->pushable->len ? g_ptr_array_index(q->pushable, i) : NULL;

        if (s) {
            s->state = QF_STATE_APPLIED;
            g_free(s->reason);
            s->reason = g_strdup_printf("commit %.12s", c->id);
            s->commit = g_strdup(c->id);
        }
        if (in_order && s && s == expect) {
            q->applied++;
            continue;
        }
        if (!in_order) {
            continue;
        }
        in_order = FALSE;
        if (!c->entry) {
            q->mismatch = g_strdup_printf(
                "commit %.12s (%s) on the series is not a qfork entry (no "
                QF_ENTRY_TRAILER " trailer)", c->id, c->subject);
        } else if (!s) {
            q->mismatch = g_strdup_printf(
                "commit %.12s applies %s, which series.conf does not list",
                c->id, c->entry);
        } else {
            q->mismatch = g_strdup_printf(
                "commit %.12s applies %s where series.conf has %s (%s)",
                c->id, c->entry, expect ? expect->entry->name : "nothing",
                s->state == QF_STATE_IN_BASE ? "it is in base" : "out of "
                                                                 "order");
        }
    }
}

static gboolean apply_failure_record(QfQueue *q, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(QfFailure) f = qf_failure_read(qf_tree_state_dir(q->tree),
                                             &local);
    QfEntryStatus *s;

    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    s = f ? find_status(q, f->entry) : NULL;
    if (s && s->state == QF_STATE_PENDING) {
        s->state = QF_STATE_FAILED;
        g_free(s->reason);
        s->reason = g_strdup(f->message);
    }
    return TRUE;
}

QfQueue *qf_queue_load(const QfSeries *series, QfTree *tree, GError **error)
{
    g_autoptr(QfQueue) q = g_new0(QfQueue, 1);
    const char *base = series->base_version;

    if (!base) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "%s has no base version", series->path);
        return NULL;
    }
    q->series = series;
    q->tree = tree;
    q->all = g_ptr_array_new_with_free_func((GDestroyNotify)entry_status_free);
    q->pushable = g_ptr_array_new();
    for (guint i = 0; i < series->entries->len; i++) {
        QfEntryStatus *s = status_for(g_ptr_array_index(series->entries, i),
                                      base);
        g_ptr_array_add(q->all, s);
        if (s->state != QF_STATE_IN_BASE) {
            g_ptr_array_add(q->pushable, s);
        }
    }
    if (!tree) {
        /* No tree, nothing applied. */
        q->commits = g_ptr_array_new_with_free_func(
            (GDestroyNotify)qf_tree_commit_free);
        return g_steal_pointer(&q);
    }
    q->commits = qf_tree_commits(tree, error);
    if (!q->commits || !apply_failure_record(q, error)) {
        return NULL;
    }
    match_commits(q);
    if (!q->mismatch && g_strcmp0(qf_tree_base_version(tree), base) != 0) {
        q->mismatch = g_strdup_printf(
            "the tree's base is QEMU %s but %s pins %s; re-create the tree",
            qf_tree_base_version(tree) ? qf_tree_base_version(tree)
                                       : "(unknown)",
            series->path, base);
    }
    return g_steal_pointer(&q);
}

QfEntryStatus *qf_queue_top(const QfQueue *queue)
{
    return queue->applied ? g_ptr_array_index(queue->pushable,
                                              queue->applied - 1)
                          : NULL;
}

QfEntryStatus *qf_queue_next(const QfQueue *queue)
{
    return queue->applied < queue->pushable->len
               ? g_ptr_array_index(queue->pushable, queue->applied)
               : NULL;
}

gboolean qf_queue_find_pushable(const QfQueue *queue, const char *ref,
                                guint *index, GError **error)
{
    QfEntry *e = qf_series_find(queue->series, ref, error);

    if (!e) {
        return FALSE;
    }
    for (guint i = 0; i < queue->pushable->len; i++) {
        QfEntryStatus *s = g_ptr_array_index(queue->pushable, i);
        if (s->entry == e) {
            *index = i;
            return TRUE;
        }
    }
    g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                "%s is in base (%s): there is no commit to push or pop for "
                "it", e->name, find_status(queue, e->name)->reason);
    return FALSE;
}

/* ---- commit message --------------------------------------------------- */

static gboolean is_trailer_line(const char *line)
{
    const char *p = line;

    if (*line == ' ' || *line == '\t') {
        return TRUE;                /* continuation of the previous one */
    }
    if (g_str_has_prefix(line, "(cherry picked from commit ")) {
        return TRUE;
    }
    while (g_ascii_isalnum(*p) || *p == '-') {
        p++;
    }
    return p > line && p[0] == ':' && (p[1] == ' ' || p[1] == '\0');
}

/* Is the last paragraph of @lines (non-empty) all trailers? */
static gboolean ends_with_trailers(GPtrArray *lines)
{
    guint n = 0;

    for (guint i = lines->len; i > 0; i--) {
        const char *l = g_ptr_array_index(lines, i - 1);
        if (!*l) {
            break;
        }
        if (!is_trailer_line(l)) {
            return FALSE;
        }
        n++;
    }
    return n > 0;
}

static gboolean is_own_trailer(const char *line)
{
    return g_str_has_prefix(line, "Qfork-");
}

char *qf_commit_message(const QfEntry *entry, const char *subject,
                        const char *body)
{
    g_auto(GStrv) split = g_strsplit(body ? body : "", "\n", -1);
    g_autoptr(GPtrArray) lines = g_ptr_array_new();
    g_autoptr(GPtrArray) trailers = g_ptr_array_new_with_free_func(g_free);
    GString *msg = g_string_new(subject && *subject ? subject
                                                    : entry->subject);
    gboolean has_upstream = FALSE;
    const char *upstream =
        entry->full_sha ? entry->full_sha : entry->sha12;
    g_autofree char *upstream_line =
        g_strdup_printf("Upstream: %s", upstream ? upstream : "");

    /* A patch exported from a qfork tree already has our trailers. */
    for (gsize i = 0; split[i]; i++) {
        if (is_own_trailer(split[i])) {
            continue;
        }
        has_upstream |= g_str_equal(g_strstrip(split[i]), upstream_line);
        g_ptr_array_add(lines, split[i]);
    }
    while (lines->len && !*(char *)g_ptr_array_index(lines, lines->len - 1)) {
        g_ptr_array_remove_index(lines, lines->len - 1);
    }
    while (lines->len && !*(char *)g_ptr_array_index(lines, 0)) {
        g_ptr_array_remove_index(lines, 0);
    }

    g_ptr_array_add(trailers,
                    g_strdup_printf(QF_ENTRY_TRAILER ": %s", entry->name));
    switch (entry->kind) {
    case QF_ENTRY_UPSTREAM:
        if (!has_upstream && upstream) {
            g_ptr_array_add(trailers, g_strdup(upstream_line));
        }
        break;
    case QF_ENTRY_SAUCE:
        g_ptr_array_add(trailers,
                        g_strdup_printf("Qfork-Sauce: %s", entry->sha12));
        break;
    case QF_ENTRY_DOWNSTREAM:
        g_ptr_array_add(trailers,
                        g_strdup_printf("Qfork-Downstream: %s", entry->name));
        break;
    }

    g_string_append(msg, "\n");
    if (lines->len) {
        g_string_append(msg, "\n");
        for (guint i = 0; i < lines->len; i++) {
            g_string_append_printf(msg, "%s\n",
                                   (char *)g_ptr_array_index(lines, i));
        }
    }
    /* Join the patch's trailer block so that git sees one block. */
    if (!ends_with_trailers(lines)) {
        g_string_append(msg, "\n");
    }
    for (guint i = 0; i < trailers->len; i++) {
        g_string_append_printf(msg, "%s\n",
                               (char *)g_ptr_array_index(trailers, i));
    }
    return g_string_free(msg, FALSE);
}

/* ---- push ------------------------------------------------------------- */

static QfPatch *load_entry_patch(const QfQueue *q, const QfEntry *e,
                                 GError **error)
{
    g_autofree char *path = NULL;
    QfPatch *patch;

    if (!e->patch) {
        QfEntryStatus *s = find_status(q, e->name);
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND, "%s cannot be "
                    "pushed: %s", e->name, s->reason);
        return NULL;
    }
    path = qf_entry_patch_path(q->series, e);
    patch = qf_patch_load(path, error);
    if (!patch) {
        g_prefix_error(error, "%s: ", e->name);
    }
    return patch;
}

/*
 * prepare() failed: is that because the patch is already in the tree?
 * Saying "does not apply" about a patch that is already there sends
 * people hunting for a conflict that does not exist.
 */
static void explain_prepare_failure(const char *tree, const QfEntry *e,
                                    const QfPatch *patch, GError **error)
{
    if (qf_apply_is_applied(tree, patch)) {
        g_clear_error(error);
        g_set_error(error, QF_ERROR, QF_ERROR_ALREADY,
                    "%s (%s) is already applied in the tree: it applies in "
                    "reverse cleanly, so its changes are there without its "
                    "commit (is it in the base release already?)",
                    e->name, e->patch);
        return;
    }
    g_prefix_error(error, "%s does not apply: ", e->name);
}

static void add_notes(GPtrArray *notes, const QfApplyResult *r)
{
    for (guint i = 0; notes && i < r->notes->len; i++) {
        g_ptr_array_add(notes, g_strdup(g_ptr_array_index(r->notes, i)));
    }
}

/*
 * Prepare @e on @tree (the tree, or a dry run's scratch copy of its
 * paths), then check against the tree's index that it touches only what
 * is the tree's (@overlay: see qf_tree_check_tracked()).
 */
static QfApplyResult *prepare_entry(const char *tree, const QfQueue *q,
                                    const QfEntry *e,
                                    const QfPushOptions *opts,
                                    GHashTable *overlay, QfPatch **patch_out,
                                    GError **error)
{
    QfApplyOptions aopts = {.fuzz = opts ? opts->fuzz : 0};
    g_autoptr(QfPatch) patch = load_entry_patch(q, e, error);
    QfApplyResult *r;

    if (!patch) {
        return NULL;
    }
    r = qf_apply_prepare(tree, patch, &aopts, error);
    if (!r) {
        explain_prepare_failure(tree, e, patch, error);
        return NULL;
    }
    if (!qf_tree_check_tracked(q->tree, patch->filename, r, overlay, error)) {
        g_prefix_error(error, "%s does not apply: ", e->name);
        qf_apply_result_free(r);
        return NULL;
    }
    if (patch_out) {
        *patch_out = g_steal_pointer(&patch);
    }
    return r;
}

static void record_failure(QfQueue *q, QfEntryStatus *s, const GError *err)
{
    qf_failure_record(qf_tree_state_dir(q->tree), s->entry->name,
                      err->message, NULL);
    if (s->state == QF_STATE_PENDING) {
        s->state = QF_STATE_FAILED;
        g_free(s->reason);
        s->reason = g_strdup(err->message);
    }
}

/* HEAD as the queue knows it: the last commit, or the base. */
static const char *queue_head(const QfQueue *q)
{
    return q->commits->len
               ? ((QfTreeCommit *)g_ptr_array_index(q->commits,
                                                    q->commits->len - 1))->id
               : qf_tree_base_commit(q->tree);
}

static void add_commit(QfQueue *q, const char *id, const char *entry,
                       const char *message)
{
    QfTreeCommit *c = g_new0(QfTreeCommit, 1);

    c->id = g_strdup(id);
    c->entry = g_strdup(entry);
    c->subject = g_strndup(message, strcspn(message, "\n"));
    g_ptr_array_add(q->commits, c);
}

gboolean qf_queue_push_next(QfQueue *queue, const QfPushOptions *opts,
                            GPtrArray *notes, GError **error)
{
    QfEntryStatus *s = qf_queue_next(queue);
    const char *dir = qf_tree_dir(queue->tree);
    g_autoptr(QfPatch) patch = NULL;
    g_autoptr(QfApplyResult) r = NULL;
    g_autofree char *message = NULL;
    g_autofree char *commit = NULL;
    QfCommitInfo info;

    if (!s) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING, "nothing to push");
        return FALSE;
    }
    if (s->state == QF_STATE_UNAVAILABLE) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "%s cannot be pushed: %s", s->entry->name, s->reason);
        return FALSE;
    }
    r = prepare_entry(dir, queue, s->entry, opts, NULL, &patch, error);
    if (!r) {
        record_failure(queue, s, *error);
        return FALSE;
    }
    add_notes(notes, r);
    message = qf_commit_message(s->entry, patch->subject, patch->body);
    info = (QfCommitInfo){
        .author_name = patch->author_name,
        .author_email = patch->author_email,
        .author_date = patch->date,
        .message = message,
    };
    commit = qf_tree_push(queue->tree, queue_head(queue), s->entry->name, r,
                          &info, error);
    if (!commit) {
        g_prefix_error(error, "%s (%s) could not be written: ", s->entry->name,
                       s->entry->patch);
        record_failure(queue, s, *error);
        return FALSE;
    }
    add_commit(queue, commit, s->entry->name, info.message);
    {
        g_autoptr(QfFailure) f =
            qf_failure_read(qf_tree_state_dir(queue->tree), NULL);
        if (f && g_str_equal(f->entry, s->entry->name)) {
            qf_failure_clear(qf_tree_state_dir(queue->tree), NULL);
        }
    }
    s->state = QF_STATE_APPLIED;
    g_free(s->reason);
    s->reason = g_strdup_printf("commit %.12s", commit);
    s->commit = g_steal_pointer(&commit);
    queue->applied++;
    return TRUE;
}

/* ---- dry run ---------------------------------------------------------- */

/* What the tree has at @from (a file or symlink) into the scratch copy. */
static gboolean copy_file(const char *from, const char *to, GError **error)
{
    struct stat st;

    if (lstat(from, &st) < 0 ||
        !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode))) {
        return TRUE; /* absent: the patch may create it */
    }
    return qf_fs_copy_file(from, to, error);
}

/*
 * Recreate @path below @scratch as it is below @tree: directories,
 * symlinks on the way (so unsafe paths are still caught) and the file.
 */
static gboolean copy_path(const char *tree, const char *scratch,
                          const char *path, GError **error)
{
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    g_autofree char *from = g_strdup(tree);
    g_autofree char *to = g_strdup(scratch);

    for (gsize i = 0; parts[i]; i++) {
        char *f = g_build_filename(from, parts[i], NULL);
        char *t = g_build_filename(to, parts[i], NULL);
        struct stat st;
        gboolean last = parts[i + 1] == NULL;

        g_free(from);
        g_free(to);
        from = f;
        to = t;
        if (!*parts[i] || g_str_equal(parts[i], ".") ||
            g_str_equal(parts[i], "..") || lstat(to, &st) == 0) {
            if (g_str_equal(parts[i], "..")) {
                return TRUE;        /* prepare() refuses it by name */
            }
            continue;
        }
        if (last || lstat(from, &st) < 0 || !S_ISDIR(st.st_mode)) {
            return copy_file(from, to, error);
        }
        if (g_mkdir(to, 0755) < 0) {
            int saved = errno;
            g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot create %s: %s",
                        to, g_strerror(saved));
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean dry_run_in(const char *scratch, QfQueue *q, guint count,
                           const QfPushOptions *opts, GPtrArray *notes,
                           GError **error)
{
    const char *tree = qf_tree_dir(q->tree);
    /* Paths already in the scratch copy: an earlier entry may change them. */
    g_autoptr(GHashTable) copied =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    /* What the entries so far have added to or removed from the index. */
    g_autoptr(GHashTable) overlay =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

    for (guint k = 0; k < count; k++) {
        QfEntryStatus *s = g_ptr_array_index(q->pushable, q->applied + k);
        g_autoptr(QfPatch) patch = load_entry_patch(q, s->entry, error);
        g_autoptr(GPtrArray) paths = NULL;
        g_autoptr(QfApplyResult) r = NULL;

        if (!patch) {
            return FALSE;
        }
        paths = qf_patch_paths(patch);
        for (guint i = 0; i < paths->len; i++) {
            const char *p = g_ptr_array_index(paths, i);
            if (g_hash_table_contains(copied, p)) {
                continue;
            }
            if (!copy_path(tree, scratch, p, error)) {
                return FALSE;
            }
            g_hash_table_add(copied, g_strdup(p));
        }
        r = prepare_entry(scratch, q, s->entry, opts, overlay, NULL, error);
        if (!r) {
            return FALSE;
        }
        if (notes) {
            g_ptr_array_add(notes, g_strdup_printf("%s applies",
                                                   s->entry->name));
        }
        add_notes(notes, r);
        if (!qf_apply_write(scratch, r, error)) {
            return FALSE;
        }
    }
    return TRUE;
}

gboolean qf_queue_dry_run(QfQueue *queue, guint count,
                          const QfPushOptions *opts, GPtrArray *notes,
                          GError **error)
{
    g_autofree char *scratch = NULL;
    gboolean ok;

    if (queue->applied + count > queue->pushable->len) {
        count = queue->pushable->len - queue->applied;
    }
    scratch = g_dir_make_tmp("qfork-dry-run-XXXXXX", error);
    if (!scratch) {
        return FALSE;
    }
    ok = dry_run_in(scratch, queue, count, opts, notes, error);
    qf_fs_remove_tree(scratch, NULL);
    return ok;
}

/* ---- pop -------------------------------------------------------------- */

gboolean qf_queue_pop_to(QfQueue *queue, guint keep, GError **error)
{
    const char *target;

    if (keep >= queue->commits->len) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING, "nothing to pop");
        return FALSE;
    }
    for (guint i = keep; i < queue->commits->len; i++) {
        const QfTreeCommit *c = g_ptr_array_index(queue->commits, i);
        if (!c->entry) {
            g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                        "commit %.12s (%s) is not a qfork entry; popping "
                        "would discard it: move it away yourself first",
                        c->id, c->subject);
            return FALSE;
        }
    }
    target = keep ? ((QfTreeCommit *)g_ptr_array_index(queue->commits,
                                                       keep - 1))->id
                  : qf_tree_base_commit(queue->tree);
    if (!qf_tree_pop_to(queue->tree, target, error)) {
        return FALSE;
    }
    for (guint i = keep; i < queue->commits->len; i++) {
        const QfTreeCommit *c = g_ptr_array_index(queue->commits, i);
        QfEntryStatus *s = find_status(queue, c->entry);
        if (s) {
            g_clear_pointer(&s->commit, g_free);
            g_free(s->reason);
            classify_not_in_base(s, "", queue->series->base_version);
        }
    }
    g_ptr_array_set_size(queue->commits, keep);
    queue->applied = MIN(queue->applied, keep);
    return TRUE;
}
