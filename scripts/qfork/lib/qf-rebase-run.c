/*
 * qfork: the rebase of the series onto a new QEMU release, over a tree.
 *
 * The rebase's state lives in <tree>/.git/qfork/rebase/:
 *   state            GKeyFile: the pins, refs, progress, one group per
 *                    entry done ("item N")
 *   backup/          series.conf, base.lock and patches/ as they were
 *   staged/N.patch   the new content of entry N's patch file
 *   current.patch    the patch of the entry the rebase stopped at
 *   base.lock        what fetch-base.sh obtained
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-rebase-run.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qf-error.h"
#include "qf-fs.h"
#include "qf-git.h"
#include "qf-queue.h"
#include "qf-rebase.h"
#include "qf-refresh.h"
#include "qf-series-edit.h"
#include "qf-state.h"

#define GROUP "rebase"
#define REF_NEW_BASE "refs/qfork/rebase/new-base"
#define REF_ORIG_HEAD "refs/qfork/rebase/orig-head"

/* The old series applied to the old base, for three-way merges. */
typedef struct ChainStep {
    GPtrArray *paths;
    GHashTable *pre; /* path -> QfGitFile*, absent: no file */
    GHashTable *post;
} ChainStep;

typedef struct Run {
    const QfSeries *series;
    QfTree *tree;
    const QfRebaseOptions *opts;
    const char *dir; /* the tree */
    char *state_dir;
    GKeyFile *state;
    GPtrArray *items; /* QfRebaseItem*, one per series entry */
    QfUpstream *up;
    GHashTable *chain; /* entry name -> ChainStep*, lazily */
    gint64 started;    /* seconds since the epoch */
} Run;

static void chain_step_free(ChainStep *s)
{
    g_ptr_array_unref(s->paths);
    g_hash_table_unref(s->pre);
    g_hash_table_unref(s->post);
    g_free(s);
}

static void run_clear(Run *run)
{
    g_free(run->state_dir);
    g_clear_pointer(&run->state, g_key_file_unref);
    g_clear_pointer(&run->items, g_ptr_array_unref);
    g_clear_pointer(&run->up, qf_upstream_free);
    g_clear_pointer(&run->chain, g_hash_table_unref);
}

static void say(const Run *run, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void say(const Run *run, const char *fmt, ...)
{
    g_autofree char *line = NULL;
    va_list ap;

    if (!run->opts->say) {
        return;
    }
    va_start(ap, fmt);
    line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    run->opts->say(run->opts->say_data, line);
}

/*
 * "==> [1m05s] what": the build pipeline's banner, timed from the start of
 * the `make` run ($PIPELINE_START) when there is one, else of this one.
 */
static void banner(const Run *run, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void banner(const Run *run, const char *fmt, ...)
{
    const char *env = g_getenv("PIPELINE_START");
    gint64 start = env ? g_ascii_strtoll(env, NULL, 10) : 0;
    gint64 secs;
    g_autofree char *what = NULL;
    va_list ap;

    secs =
        g_get_real_time() / G_USEC_PER_SEC - (start > 0 ? start : run->started);
    va_start(ap, fmt);
    what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    say(run, "==> [%" G_GINT64_FORMAT "m%02" G_GINT64_FORMAT "s] %s", secs / 60,
        secs % 60, what);
}

static char *state_path(const Run *run, const char *name)
{
    return g_build_filename(run->state_dir, name, NULL);
}

static char *st(const Run *run, const char *key)
{
    char *v = g_key_file_get_string(run->state, GROUP, key, NULL);

    if (v && !*v) {
        g_clear_pointer(&v, g_free);
    }
    return v;
}

static void st_set(Run *run, const char *key, const char *value)
{
    g_key_file_set_string(run->state, GROUP, key, value ? value : "");
}

static gboolean state_save(Run *run, GError **error)
{
    g_autofree char *path = state_path(run, "state");

    return g_key_file_save_to_file(run->state, path, error);
}

static char *series_file_path(const QfSeries *series)
{
    return g_canonicalize_filename(series->path, NULL);
}

static char *repo_file(const char *series_dir, const char *rel)
{
    return g_build_filename(series_dir, rel, NULL);
}

/* series.conf, base.lock and patches/ into backup/. */
static gboolean back_up(Run *run, const char *series_dir, GError **error)
{
    g_autofree char *backup = state_path(run, "backup");
    g_autofree char *pdir = repo_file(series_dir, "patches");
    g_autoptr(GPtrArray) patches = qf_fs_list_files(pdir);
    const char *top[] = {"series.conf", "base.lock"};

    g_mkdir_with_parents(backup, 0755);
    for (gsize i = 0; i < G_N_ELEMENTS(top); i++) {
        g_autofree char *from = repo_file(series_dir, top[i]);
        g_autofree char *to = g_build_filename(backup, top[i], NULL);
        if (g_file_test(from, G_FILE_TEST_IS_REGULAR) &&
            !qf_fs_copy_file(from, to, error)) {
            return FALSE;
        }
    }
    for (guint i = 0; i < patches->len; i++) {
        g_autofree char *from = g_build_filename(pdir, patches->pdata[i], NULL);
        g_autofree char *to =
            g_build_filename(backup, "patches", patches->pdata[i], NULL);
        if (!qf_fs_copy_file(from, to, error)) {
            return FALSE;
        }
    }
    return TRUE;
}

/* Put @rel back from the backup (or remove it if the backup has none). */
static gboolean restore_one(const char *backup, const char *series_dir,
                            const char *rel, GError **error)
{
    g_autofree char *saved = g_build_filename(backup, rel, NULL);
    g_autofree char *live = repo_file(series_dir, rel);

    if (!g_file_test(saved, G_FILE_TEST_IS_REGULAR)) {
        return qf_fs_remove_tree(live, error);
    }
    if (qf_fs_same_content(saved, live)) {
        return TRUE;
    }
    if (!g_file_test(live, G_FILE_TEST_IS_REGULAR) && !qf_fs_remove_tree(live, error)) {
        return FALSE;
    }
    return qf_fs_copy_file(saved, live, error);
}

static gboolean restore_backup(Run *run, const char *series_dir, GError **error)
{
    g_autofree char *backup = state_path(run, "backup");
    g_autofree char *saved_pdir = g_build_filename(backup, "patches", NULL);
    g_autofree char *pdir = repo_file(series_dir, "patches");
    g_autoptr(GPtrArray) live = qf_fs_list_files(pdir);
    g_autoptr(GPtrArray) saved = qf_fs_list_files(saved_pdir);

    if (!g_file_test(backup, G_FILE_TEST_IS_DIR)) {
        return TRUE;
    }
    if (!restore_one(backup, series_dir, "series.conf", error) ||
        !restore_one(backup, series_dir, "base.lock", error)) {
        return FALSE;
    }
    for (guint i = 0; i < live->len; i++) {
        g_autofree char *rel =
            g_build_filename("patches", live->pdata[i], NULL);
        if (!restore_one(backup, series_dir, rel, error)) {
            return FALSE;
        }
    }
    for (guint i = 0; i < saved->len; i++) {
        g_autofree char *rel =
            g_build_filename("patches", saved->pdata[i], NULL);
        if (!restore_one(backup, series_dir, rel, error)) {
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- git in the tree ----------------------------------------------------- */

static gboolean tree_git(const Run *run, const char *const *args,
                         GError **error)
{
    return qf_git_ok(run->dir, args, error);
}

/* Paths with uncommitted changes, untracked files one by one. */
static GPtrArray *changed_paths(const Run *run, GError **error)
{
    const char *args[] = {"status", "--porcelain=v1", "-z",
                          "--untracked-files=all", NULL};
    g_autoptr(GBytes) out = qf_git_bytes(run->dir, args, NULL, error);
    g_auto(GStrv) recs = NULL;
    GPtrArray *paths;

    if (!out) {
        return NULL;
    }
    paths = g_ptr_array_new_with_free_func(g_free);
    recs = qf_git_split_nul(out);
    for (gsize i = 0; recs[i]; i++) {
        const char *r = recs[i];

        if (strlen(r) <= 3) {
            continue;
        }
        g_ptr_array_add(paths, g_strdup(r + 3));
        if ((r[0] == 'R' || r[0] == 'C') && recs[i + 1]) {
            g_ptr_array_add(paths, g_strdup(recs[++i])); /* the source */
        }
    }
    return paths;
}

/* ---- items in the state -------------------------------------------------- */

static char *item_group(const QfRebaseItem *it)
{
    return g_strdup_printf("item %u", it->position);
}

static void item_save(Run *run, const QfRebaseItem *it)
{
    g_autofree char *g = item_group(it);
    GKeyFile *k = run->state;

    g_key_file_remove_group(k, g, NULL);
    g_key_file_set_string(k, g, "class", qf_rebase_class_id(it->cls));
    g_key_file_set_string(k, g, "detail", it->detail ? it->detail : "");
    g_key_file_set_boolean(k, g, "unverified", it->unverified);
    g_key_file_set_boolean(k, g, "backport", it->backport);
    g_key_file_set_string(k, g, "new-patch",
                          it->new_patch ? it->new_patch : "");
    g_key_file_set_boolean(k, g, "patch-changed", it->patch_changed);
    g_key_file_set_string(k, g, "first-release",
                          it->first_release ? it->first_release : "");
    g_key_file_set_string(k, g, "commit", it->commit ? it->commit : "");
    g_key_file_set_string(k, g, "interdiff",
                          it->interdiff ? it->interdiff : "");
    g_key_file_set_string_list(
        k, g, "notes", (const char *const *)it->notes->pdata, it->notes->len);
}

static char *item_str(GKeyFile *k, const char *g, const char *key)
{
    char *v = g_key_file_get_string(k, g, key, NULL);

    if (v && !*v) {
        g_clear_pointer(&v, g_free);
    }
    return v;
}

static void item_load(Run *run, QfRebaseItem *it)
{
    g_autofree char *g = item_group(it);
    GKeyFile *k = run->state;
    g_autofree char *cls = NULL;
    g_auto(GStrv) notes = NULL;

    if (!g_key_file_has_group(k, g)) {
        return;
    }
    cls = g_key_file_get_string(k, g, "class", NULL);
    qf_rebase_class_from_id(cls, &it->cls);
    it->detail = item_str(k, g, "detail");
    it->unverified = g_key_file_get_boolean(k, g, "unverified", NULL);
    it->backport = g_key_file_get_boolean(k, g, "backport", NULL);
    g_free(it->new_patch);
    it->new_patch = item_str(k, g, "new-patch");
    it->patch_changed = g_key_file_get_boolean(k, g, "patch-changed", NULL);
    it->first_release = item_str(k, g, "first-release");
    it->commit = item_str(k, g, "commit");
    it->interdiff = item_str(k, g, "interdiff");
    notes = g_key_file_get_string_list(k, g, "notes", NULL, NULL);
    for (gsize i = 0; notes && notes[i]; i++) {
        g_ptr_array_add(it->notes, g_strdup(notes[i]));
    }
}

static void items_init(Run *run)
{
    run->items =
        g_ptr_array_new_with_free_func((GDestroyNotify)qf_rebase_item_free);
    for (guint i = 0; i < run->series->entries->len; i++) {
        QfRebaseItem *it = qf_rebase_item_new(run->series->entries->pdata[i]);
        item_load(run, it);
        g_ptr_array_add(run->items, it);
    }
}

static QfRebaseItem *item_reset(Run *run, guint index)
{
    QfRebaseItem *it = qf_rebase_item_new(run->series->entries->pdata[index]);

    qf_rebase_item_free(g_ptr_array_index(run->items, index));
    g_ptr_array_index(run->items, index) = it;
    return it;
}

/* ---- report -------------------------------------------------------------- */

static gboolean write_report(Run *run, gboolean done, const char *stopped,
                             GError **error)
{
    g_autofree char *prefix = st(run, "report");
    g_autofree char *ov = st(run, "old-version"), *ot = st(run, "old-tarball"),
                    *os = st(run, "old-sha256"), *oo = st(run, "old-source");
    g_autofree char *nv = st(run, "new-version"), *nt = st(run, "new-tarball"),
                    *ns = st(run, "new-sha256"), *no = st(run, "new-source");
    g_autofree char *upstream = st(run, "upstream-given");
    QfRebaseReport r = {
        .old_version = ov,
        .old_tarball = ot,
        .old_sha256 = os,
        .old_source = oo,
        .new_version = nv,
        .new_tarball = nt,
        .new_sha256 = ns,
        .new_source = no,
        .upstream = upstream,
        .done = done,
        .stopped = stopped,
        .items = run->items,
    };
    g_autofree char *md = qf_rebase_report_markdown(&r);
    g_autofree char *json = qf_rebase_report_json(&r);
    g_autofree char *md_path = g_strconcat(prefix, ".md", NULL);
    g_autofree char *json_path = g_strconcat(prefix, ".json", NULL);
    g_autofree char *dir = g_path_get_dirname(prefix);

    g_mkdir_with_parents(dir, 0755);
    return g_file_set_contents(md_path, md, -1, error) &&
           g_file_set_contents(json_path, json, -1, error);
}

/* ---- the old series on the old base -------------------------------------- */

static gboolean chain_materialize(Run *run, const char *scratch,
                                  const char *old_base, GPtrArray *paths,
                                  GHashTable *seen, GError **error)
{
    g_autoptr(GPtrArray) missing = g_ptr_array_new();
    g_autoptr(GHashTable) files = NULL;
    GHashTableIter it;
    gpointer key, value;

    for (guint i = 0; i < paths->len; i++) {
        if (!g_hash_table_contains(seen, paths->pdata[i])) {
            g_hash_table_add(seen, g_strdup(paths->pdata[i]));
            g_ptr_array_add(missing, paths->pdata[i]);
        }
    }
    files = qf_git_read_files(run->dir, old_base, missing, error);
    if (!files) {
        return FALSE;
    }
    g_hash_table_iter_init(&it, files);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        const QfGitFile *f = value;
        g_autofree char *full = g_build_filename(scratch, key, NULL);
        g_autofree char *parent = g_path_get_dirname(full);
        gsize len;
        const char *data = g_bytes_get_data(f->content, &len);

        g_mkdir_with_parents(parent, 0755);
        if (f->mode == 0120000) {
            g_autofree char *target = g_strndup(data, len);
            if (symlink(target, full) < 0) {
                continue;
            }
        } else if (!g_file_set_contents(full, data ? data : "", (gssize)len,
                                        error)) {
            return FALSE;
        } else {
            g_chmod(full, f->mode & 0777);
        }
    }
    return TRUE;
}

static GHashTable *snapshot(const char *dir, GPtrArray *paths)
{
    GHashTable *snap = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                             (GDestroyNotify)qf_git_file_free);

    for (guint i = 0; i < paths->len; i++) {
        QfGitFile *f = qf_rebase_read_file(dir, paths->pdata[i]);
        if (f) {
            g_hash_table_insert(snap, g_strdup(paths->pdata[i]), f);
        }
    }
    return snap;
}

static gboolean pushed_on_old_base(const Run *run, const QfEntry *e)
{
    g_autofree char *old = st(run, "old-version");
    g_autofree char *why = NULL;
    gboolean unverified;

    return e->patch && !(e->kind == QF_ENTRY_UPSTREAM &&
                         qf_entry_in_base(e, old, &unverified, &why));
}

/*
 * Apply the old series, as it is, to the files it touches of the old
 * base in a scratch directory, recording each entry's pre- and
 * post-images: the three-way merge's base and "theirs".
 */
static gboolean chain_build(Run *run, GError **error)
{
    g_autofree char *scratch = g_dir_make_tmp("qfork-rebase-XXXXXX", error);
    g_autofree char *old_base = st(run, "orig-base");
    g_autoptr(GHashTable) seen =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    gboolean ok = TRUE;

    if (!scratch) {
        return FALSE;
    }
    run->chain = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify)chain_step_free);
    for (guint i = 0; ok && i < run->series->entries->len; i++) {
        const QfEntry *e = run->series->entries->pdata[i];
        g_autofree char *path = NULL;
        g_autoptr(QfPatch) patch = NULL;
        g_autoptr(QfApplyResult) r = NULL;
        ChainStep *step;
        QfApplyOptions opts = {0};

        if (!pushed_on_old_base(run, e)) {
            continue;
        }
        path = qf_entry_patch_path(run->series, e);
        patch = qf_patch_load(path, NULL);
        if (!patch) {
            continue;
        }
        step = g_new0(ChainStep, 1);
        step->paths = qf_patch_paths(patch);
        ok =
            chain_materialize(run, scratch, old_base, step->paths, seen, error);
        step->pre = snapshot(scratch, step->paths);
        r = ok ? qf_apply_prepare(scratch, patch, &opts, NULL) : NULL;
        if (!r || !qf_apply_write(scratch, r, NULL)) {
            /* It did not apply on the old base either: no merge base. */
            step->post = g_hash_table_new(g_str_hash, g_str_equal);
            chain_step_free(step);
            continue;
        }
        step->post = snapshot(scratch, step->paths);
        g_hash_table_insert(run->chain, g_strdup(e->name), step);
    }
    qf_fs_remove_tree(scratch, NULL);
    return ok;
}

/* ---- one entry ----------------------------------------------------------- */

typedef enum { STEP_OK, STEP_STOP, STEP_ERROR } StepResult;

static char *commit_entry(Run *run, const QfEntry *e, const QfPatch *patch,
                          const QfApplyResult *r, GError **error)
{
    g_autofree char *message =
        qf_commit_message(e, patch->subject, patch->body);
    g_autofree char *head = qf_tree_head(run->tree, error);
    QfCommitInfo info = {
        .author_name = patch->author_name,
        .author_email = patch->author_email,
        .author_date = patch->date,
        .message = message,
    };

    if (!head) {
        return NULL;
    }
    return qf_tree_push(run->tree, head, e->name, r, &info, error);
}

/*
 * What a range-diff shows of one patch: its diff without the index lines
 * (blob ids change with any change elsewhere in a file) and without a
 * format-patch signature.
 */
static char *comparable_diff(const char *text)
{
    g_auto(GStrv) lines = g_strsplit(qf_refresh_diff_part(text), "\n", -1);
    GString *out = g_string_new(NULL);

    for (gsize i = 0; lines[i]; i++) {
        if (g_str_equal(lines[i], "-- ") || (!lines[i + 1] && !*lines[i])) {
            break; /* a signature, or the piece after the last newline */
        }
        if (!g_str_has_prefix(lines[i], "index ")) {
            g_string_append_printf(out, "%s\n", lines[i]);
        }
    }
    return g_string_free(out, FALSE);
}

/* The old patch's diff against the new one, hunks only. */
static char *interdiff(const char *old_text, const char *new_text)
{
    g_autofree char *tmp = g_dir_make_tmp("qfork-interdiff-XXXXXX", NULL);
    g_autofree char *a = NULL, *b = NULL;
    g_autofree char *old_diff = comparable_diff(old_text);
    g_autofree char *new_diff = comparable_diff(new_text);
    g_autoptr(GBytes) out = NULL;
    char *result = NULL;
    int status = -1;

    if (!tmp) {
        return NULL;
    }
    a = g_build_filename(tmp, "old", NULL);
    b = g_build_filename(tmp, "new", NULL);
    if (g_file_set_contents(a, old_diff, -1, NULL) &&
        g_file_set_contents(b, new_diff, -1, NULL)) {
        const char *args[] = {"diff", "--no-index", "--no-color", "-U2",
                              "old",  "new",        NULL};
        QfGitCall call = {.dir = tmp, .args = args};

        qf_git_call(&call, &status, &out, NULL, NULL);
    }
    if (status == 1 && out) {
        gsize len;
        const char *p = g_bytes_get_data(out, &len);
        g_autofree char *text = g_strndup(p, len);
        const char *hunks = strstr(text, "\n@@");

        result = g_strdup(hunks ? hunks + 1 : text);
    }
    g_unlink(a);
    g_unlink(b);
    g_rmdir(tmp);
    return result;
}

static char *staged_path(const Run *run, const QfRebaseItem *it)
{
    g_autofree char *name = g_strdup_printf("%u.patch", it->position);
    return g_build_filename(run->state_dir, "staged", name, NULL);
}

/* Regenerate @it's patch from its commit; stage it when the bytes change. */
static gboolean refresh_item(Run *run, QfRebaseItem *it, const QfPatch *patch,
                             const char *old_text, GError **error)
{
    QfPatchHeader h;
    g_autofree char *text = NULL;
    g_autofree char *path = staged_path(run, it);
    g_autofree char *dir = g_path_get_dirname(path);

    qf_refresh_header_of(patch, &h);
    text = qf_refresh_commit(run->dir, it->commit, &h, error);
    if (!text) {
        return FALSE;
    }
    if (old_text && g_str_equal(old_text, text)) {
        return TRUE;
    }
    g_mkdir_with_parents(dir, 0755);
    if (!g_file_set_contents(path, text, -1, error)) {
        return FALSE;
    }
    it->patch_changed = TRUE;
    if (old_text && !it->backport) {
        it->interdiff = interdiff(old_text, text);
    }
    return TRUE;
}

/* "patches/backport-<sha12>-<subject slug>.patch" */
static char *backport_name(const QfEntry *e)
{
    GString *slug = g_string_new(NULL);
    const char *s = e->subject ? e->subject : "";

    for (; *s && slug->len < 52; s++) {
        if (g_ascii_isalnum(*s)) {
            g_string_append_c(slug, g_ascii_tolower(*s));
        } else if (slug->len && slug->str[slug->len - 1] != '-') {
            g_string_append_c(slug, '-');
        }
    }
    while (slug->len && slug->str[slug->len - 1] == '-') {
        g_string_truncate(slug, slug->len - 1);
    }
    {
        g_autofree char *tail = g_string_free(slug, FALSE);
        return g_strdup_printf("patches/backport-%s%s%s.patch", e->sha12,
                               *tail ? "-" : "", tail);
    }
}

/* Pre- and post-images of @e's change: upstream's, or the old chain's. */
static gboolean merge_inputs(Run *run, const QfEntry *e, const QfPatch *patch,
                             const char *upstream_commit, GPtrArray **paths,
                             GHashTable **pre, GHashTable **post,
                             GError **error)
{
    ChainStep *step;

    if (upstream_commit && run->up) {
        g_autofree char *parent = g_strdup_printf("%s^", upstream_commit);
        *paths = qf_patch_paths(patch);
        *pre = qf_git_read_files(run->up->dir, parent, *paths, error);
        *post = *pre ? qf_git_read_files(run->up->dir, upstream_commit, *paths,
                                         error)
                     : NULL;
        return *post != NULL;
    }
    if (!run->chain && !chain_build(run, error)) {
        return FALSE;
    }
    step = g_hash_table_lookup(run->chain, e->name);
    if (!step) {
        *paths = NULL;
        return TRUE;
    }
    *paths = g_ptr_array_ref(step->paths);
    *pre = g_hash_table_ref(step->pre);
    *post = g_hash_table_ref(step->post);
    return TRUE;
}

static gboolean save_current_patch(Run *run, const char *text, GError **error)
{
    g_autofree char *path = state_path(run, "current.patch");
    return g_file_set_contents(path, text, -1, error);
}

/* Write the merge with its conflicts into the tree and stop there. */
static StepResult stop_with_conflicts(Run *run, QfRebaseItem *it,
                                      QfApplyResult *merged,
                                      GPtrArray *conflicts, const char *text,
                                      GError **error)
{
    g_autoptr(GPtrArray) created = g_ptr_array_new();
    g_autofree char *head = qf_tree_head(run->tree, error);

    if (!head) {
        return STEP_ERROR;
    }
    for (guint i = 0; merged && i < merged->changes->len; i++) {
        QfFileChange *c = merged->changes->pdata[i];
        if (c->kind == QF_CHANGE_CREATE) {
            g_ptr_array_add(created, c->path);
        }
    }
    if (merged && !qf_apply_write(run->dir, merged, error)) {
        return STEP_ERROR;
    }
    for (guint i = 0; i < conflicts->len; i++) {
        g_ptr_array_add(
            it->notes,
            g_strdup_printf("conflict: %s", (char *)conflicts->pdata[i]));
    }
    it->cls = QF_REBASE_CONFLICT;
    g_key_file_set_string_list(run->state, GROUP, "created-files",
                               (const char *const *)created->pdata,
                               created->len);
    st_set(run, "stopped", it->name);
    st_set(run, "head", head);
    return save_current_patch(run, text, error) ? STEP_STOP : STEP_ERROR;
}

/* A patch that no longer applies: three-way merge, or stop. */
static StepResult merge_entry(Run *run, QfRebaseItem *it, const QfEntry *e,
                              const QfPatch *patch, const char *text,
                              const char *upstream_commit, GError **error)
{
    g_autofree char *new_version = st(run, "new-version");
    g_autofree char *old_version = st(run, "old-version");
    g_autofree char *ours = g_strdup_printf("QEMU %s (new base)", new_version);
    g_autofree char *base = g_strdup_printf("QEMU %s (old base)", old_version);
    g_autofree char *theirs = g_strdup_printf(
        "%s (%s)", e->name, it->new_patch ? it->new_patch : "patch");
    QfMergeLabels labels = {ours, base, theirs};
    g_autoptr(GPtrArray) paths = NULL;
    g_autoptr(GHashTable) pre = NULL, post = NULL;
    g_autoptr(GPtrArray) conflicts = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(QfApplyResult) merged = NULL;

    if (!merge_inputs(run, e, patch, upstream_commit, &paths, &pre, &post,
                      error)) {
        return STEP_ERROR;
    }
    if (!paths) {
        g_ptr_array_add(
            conflicts,
            g_strdup(
                "no three-way merge: the patch does not apply to the old base "
                "either; apply the failing hunks by hand"));
        return stop_with_conflicts(run, it, NULL, conflicts, text, error);
    }
    merged =
        qf_rebase_merge3(run->dir, paths, pre, post, &labels, conflicts, error);
    if (!merged) {
        return STEP_ERROR;
    }
    if (conflicts->len) {
        return stop_with_conflicts(run, it, merged, conflicts, text, error);
    }
    if (!merged->changes->len) {
        it->cls = QF_REBASE_IN_BASE;
        g_free(it->detail);
        it->detail = g_strdup("the three-way merge leaves nothing to change: "
                              "the new base already has it");
        return STEP_OK;
    }
    it->commit = commit_entry(run, e, patch, merged, error);
    if (!it->commit) {
        return STEP_ERROR;
    }
    it->cls = QF_REBASE_MERGED;
    {
        char *detail = g_strdup_printf("%s; the three-way merge with the old "
                                       "base resolved it",
                                       it->detail);
        g_free(it->detail);
        it->detail = detail;
    }
    return refresh_item(run, it, patch, it->backport ? NULL : text, error)
               ? STEP_OK
               : STEP_ERROR;
}

static gboolean patch_id_in_base(Run *run, QfRebaseItem *it, const char *text,
                                 GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *hit = NULL;

    if (!run->up) {
        return FALSE;
    }
    hit = qf_upstream_match_patch_id(run->up, text, &local);
    if (local) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    if (!hit) {
        return FALSE;
    }
    it->cls = QF_REBASE_IN_BASE;
    g_free(it->detail);
    it->detail = g_strdup_printf("patch-id matches upstream commit %s", hit);
    return TRUE;
}

static StepResult apply_entry(Run *run, QfRebaseItem *it, const QfEntry *e,
                              const char *text, const char *upstream_commit,
                              GError **error)
{
    g_autoptr(QfPatch) patch = qf_patch_parse(
        text, strlen(text), it->new_patch ? it->new_patch : e->name, error);
    g_autoptr(QfApplyResult) r = NULL;

    if (!patch) {
        return STEP_ERROR;
    }
    if (e->kind != QF_ENTRY_UPSTREAM) {
        if (patch_id_in_base(run, it, text, error)) {
            return STEP_OK;
        }
        if (error && *error) {
            return STEP_ERROR;
        }
    }
    {
        /* An upstream row's detail says why it is carried: keep it first. */
        g_autofree char *why = g_steal_pointer(&it->detail);
        g_autofree char *how = NULL;

        it->cls = qf_rebase_try_patch(run->dir, patch, &r, &how, it->notes);
        it->detail =
            why ? g_strdup_printf("%s; %s", why, how) : g_steal_pointer(&how);
    }
    switch (it->cls) {
    case QF_REBASE_IN_BASE:
        if (e->kind == QF_ENTRY_UPSTREAM) {
            g_autofree char *v = st(run, "new-version");
            /* Keep the release data in step with what the tree has. */
            it->first_release = g_strdup_printf("v%s", v);
            g_ptr_array_add(
                it->notes,
                g_strdup_printf(
                    "the release data said QEMU %s lacks it, but the patch "
                    "reverse-applies: first-release set to v%s (an upper "
                    "bound; check it)",
                    v, v));
        }
        return STEP_OK;
    case QF_REBASE_CLEAN:
    case QF_REBASE_OFFSET:
        it->commit = commit_entry(run, e, patch, r, error);
        if (!it->commit) {
            return STEP_ERROR;
        }
        if (it->cls == QF_REBASE_CLEAN && !it->backport) {
            return STEP_OK; /* the file stays byte for byte */
        }
        return refresh_item(run, it, patch, it->backport ? NULL : text, error)
                   ? STEP_OK
                   : STEP_ERROR;
    default:
        return merge_entry(run, it, e, patch, text, upstream_commit, error);
    }
}

static StepResult upstream_entry(Run *run, QfRebaseItem *it, const QfEntry *e,
                                 GError **error)
{
    g_autofree char *version = st(run, "new-version");
    g_autofree char *commit = NULL;
    g_autofree char *text = NULL;
    g_autofree char *path = NULL;

    if (qf_rebase_upstream_in_base(e, version, run->up, &it->detail,
                                   &it->unverified, &it->first_release,
                                   &commit)) {
        it->cls = QF_REBASE_IN_BASE;
        if (it->old_patch) {
            g_ptr_array_add(
                it->notes,
                g_strdup_printf(
                    "its backport %s is not needed any more: removed",
                    it->old_patch));
        }
        g_clear_pointer(&it->new_patch, g_free);
        return STEP_OK;
    }
    if (e->patch) {
        path = qf_entry_patch_path(run->series, e);
        if (!g_file_get_contents(path, &text, NULL, error)) {
            return STEP_ERROR;
        }
    } else if (commit && run->up) {
        text = qf_upstream_backport(run->up, commit, error);
        if (!text) {
            return STEP_ERROR;
        }
        it->backport = TRUE;
        it->new_patch = backport_name(e);
        g_ptr_array_add(
            it->notes,
            g_strdup_printf("backported from the upstream git: %s", commit));
    } else {
        it->cls = QF_REBASE_UNAVAILABLE;
        return STEP_OK;
    }
    return apply_entry(run, it, e, text, commit, error);
}

static StepResult process_entry(Run *run, guint index, GError **error)
{
    const QfEntry *e = run->series->entries->pdata[index];
    QfRebaseItem *it = item_reset(run, index);
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    StepResult res;

    if (e->kind == QF_ENTRY_UPSTREAM) {
        res = upstream_entry(run, it, e, error);
    } else {
        path = qf_entry_patch_path(run->series, e);
        if (!g_file_get_contents(path, &text, NULL, error)) {
            return STEP_ERROR;
        }
        res = apply_entry(run, it, e, text, NULL, error);
    }
    if (res == STEP_ERROR) {
        g_prefix_error(error, "%s: ", e->name);
        return res;
    }
    if (it->cls == QF_REBASE_IN_BASE) {
        g_clear_pointer(&it->new_patch, g_free); /* nothing to carry */
    }
    if (it->cls != QF_REBASE_IN_BASE || e->kind != QF_ENTRY_UPSTREAM ||
        it->old_patch) {
        say(run, "%3u %-28s %s%s%s", it->position, it->name,
            qf_rebase_class_name(it->cls), it->detail ? ": " : "",
            it->detail ? it->detail : "");
    }
    return res;
}

/* ---- the walk ------------------------------------------------------------ */

static gboolean install_results(Run *run, GError **error);

static gboolean report_stop(Run *run, GError **error)
{
    const QfRebaseItem *it = NULL;
    g_autofree char *prefix = st(run, "report");
    g_autofree char *stopped = st(run, "stopped");

    for (guint i = 0; i < run->items->len; i++) {
        const QfRebaseItem *c = run->items->pdata[i];
        if (g_strcmp0(c->name, stopped) == 0) {
            it = c;
        }
    }
    if (!write_report(run, FALSE, stopped, error)) {
        return FALSE;
    }
    say(run, "%s", "");
    say(run, "Stopped at %u %s: it conflicts with the new base.",
        it ? it->position : 0, stopped);
    for (guint k = 0; it && k < it->notes->len; k++) {
        say(run, "  %s", (char *)it->notes->pdata[k]);
    }
    say(run,
        "Resolve it in %s (edit the files; no commit needed), then run "
        "`qfork rebase --continue`; or `qfork rebase --abort` to put "
        "everything back.  Report: %s.md",
        run->dir, prefix);
    return TRUE;
}

static gboolean walk(Run *run, guint from, gboolean *stopped, GError **error)
{
    *stopped = FALSE;
    for (guint i = from; i < run->series->entries->len; i++) {
        StepResult res;

        if (run->opts->interrupted && run->opts->interrupted()) {
            g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                        "interrupted before %s; `qfork rebase --continue` "
                        "resumes, `qfork rebase --abort` puts everything "
                        "back",
                        ((QfEntry *)run->series->entries->pdata[i])->name);
            return FALSE;
        }
        res = process_entry(run, i, error);
        if (res == STEP_ERROR) {
            g_prefix_error(error, "rebase stopped (`qfork rebase --abort` "
                                  "puts everything back): ");
            return FALSE;
        }
        item_save(run, run->items->pdata[i]);
        if (res == STEP_STOP) {
            g_key_file_set_integer(run->state, GROUP, "next", (gint)i);
            *stopped = TRUE;
            return state_save(run, error) && report_stop(run, error);
        }
        {
            g_autofree char *head = qf_tree_head(run->tree, error);
            if (!head) {
                return FALSE;
            }
            st_set(run, "head", head);
        }
        g_key_file_set_integer(run->state, GROUP, "next", (gint)i + 1);
        if (!state_save(run, error)) {
            return FALSE;
        }
    }
    return install_results(run, error);
}

/* ---- the end ------------------------------------------------------------- */

static void add_edit(GArray *edits, QfSeriesEditKind kind, const char *entry,
                     const char *value)
{
    QfSeriesEdit e = {kind, entry, value};
    g_array_append_val(edits, e);
}

static char *edited_series(Run *run, GPtrArray *notes, GError **error)
{
    g_autofree char *text = NULL;
    g_autofree char *v = st(run, "new-version");
    g_autofree char *t = st(run, "new-tarball");
    g_autofree char *s = st(run, "new-sha256");
    g_autoptr(GArray) edits = g_array_new(FALSE, TRUE, sizeof(QfSeriesEdit));
    QfBasePin pin = {v, t, s};

    if (!g_file_get_contents(run->series->path, &text, NULL, error)) {
        return NULL;
    }
    for (guint i = 0; i < run->items->len; i++) {
        const QfRebaseItem *it = run->items->pdata[i];
        if (it->cls == QF_REBASE_IN_BASE && it->kind != QF_ENTRY_UPSTREAM) {
            char *note = g_strdup_printf(
                "qfork rebase to QEMU %s: %s is in the new base (%s); its "
                "entry is kept here as a comment, its patch file removed",
                v, it->name, it->detail);
            g_ptr_array_add(notes, note);
            add_edit(edits, QF_EDIT_DROP, it->name, note);
        } else if (it->cls == QF_REBASE_IN_BASE && it->old_patch) {
            add_edit(edits, QF_EDIT_REMOVE_PATCH, it->name, NULL);
        }
        if (it->backport && it->new_patch) {
            add_edit(edits, QF_EDIT_SET_PATCH, it->name, it->new_patch);
        }
        if (it->first_release) {
            add_edit(edits, QF_EDIT_SET_FIRST_RELEASE, it->name,
                     it->first_release);
        }
    }
    return qf_series_edit(text, run->series, &pin,
                                 (QfSeriesEdit *)edits->data, edits->len,
                                 error);
}

static gboolean install_patch_files(Run *run, GError **error)
{
    for (guint i = 0; i < run->items->len; i++) {
        const QfRebaseItem *it = run->items->pdata[i];
        g_autofree char *staged = staged_path(run, it);

        if (it->patch_changed && it->new_patch) {
            g_autofree char *to = repo_file(run->series->dir, it->new_patch);
            if (!qf_fs_copy_file(staged, to, error)) {
                return FALSE;
            }
        }
        if (it->old_patch && !it->new_patch) {
            g_autofree char *gone = repo_file(run->series->dir, it->old_patch);
            if (!qf_fs_remove_tree(gone, error)) {
                return FALSE;
            }
        }
    }
    return TRUE;
}

static gboolean drop_rebase_refs(Run *run, GError **error)
{
    const char *del_new[] = {"update-ref", "-d", REF_NEW_BASE, NULL};
    const char *del_orig[] = {"update-ref", "-d", REF_ORIG_HEAD, NULL};

    return tree_git(run, del_new, error) && tree_git(run, del_orig, error);
}

static gboolean install_results(Run *run, GError **error)
{
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *series_text = edited_series(run, notes, error);
    g_autofree char *lock = state_path(run, "base.lock");
    g_autofree char *lock_to = repo_file(run->series->dir, "base.lock");
    g_autofree char *counts = NULL;
    g_autofree char *prefix = st(run, "report");
    g_autofree char *version = st(run, "new-version");

    /* The report first: failing to write it changes nothing yet. */
    if (!series_text || !write_report(run, TRUE, NULL, error)) {
        return FALSE;
    }
    if (!install_patch_files(run, error) || !qf_fs_copy_file(lock, lock_to, error) ||
        !g_file_set_contents(run->series->path, series_text, -1, error) ||
        !drop_rebase_refs(run, error)) {
        g_prefix_error(error, "installing the results failed (`qfork rebase "
                              "--abort` puts everything back): ");
        return FALSE;
    }
    counts = qf_rebase_report_counts(run->items);
    if (!qf_fs_remove_tree(run->state_dir, error)) {
        return FALSE;
    }
    say(run, "%s", "");
    say(run, "Rebased onto QEMU %s. %s", version, counts);
    say(run,
        "series.conf and base.lock now pin QEMU %s; report: %s.md "
        "(and .json).  `make` builds it.",
        version, prefix);
    return TRUE;
}

/* ---- start --------------------------------------------------------------- */

static gboolean check_version(const char *v, GError **error)
{
    int cmp;

    if (!v || !qf_release_compare(v, "0.0.0", &cmp, NULL) ||
        g_str_has_prefix(v, "v")) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "'%s' is not a QEMU release (like 11.1.1)", v ? v : "");
        return FALSE;
    }
    return TRUE;
}

static gboolean check_sha256(const char *s, GError **error)
{
    if (!s) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "--sha256 is required: the checksum of the new base's "
                    "tarball, from a source you trust (e.g. the .dsc of "
                    "Debian's package), becomes the new pin");
        return FALSE;
    }
    if (strlen(s) != 64 || strspn(s, "0123456789abcdef") != 64) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "--sha256 %s: not 64 lowercase hex digits", s);
        return FALSE;
    }
    return TRUE;
}

/* The pinned tarball's name with the old version replaced by the new. */
static char *new_tarball_name(const QfSeries *series,
                              const QfRebaseOptions *opts, GError **error)
{
    const char *old = series->base_tarball;
    const char *at = old ? strstr(old, series->base_version) : NULL;

    if (opts->tarball) {
        return g_strdup(opts->tarball);
    }
    if (!at) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "cannot derive the new tarball's name from '%s': give "
                    "--tarball",
                    old ? old : "(none)");
        return NULL;
    }
    return g_strdup_printf("%.*s%s%s", (int)(at - old), old, opts->version,
                           at + strlen(series->base_version));
}

/* Every patch the series lists parses: found now, not halfway. */
static gboolean check_patches(const QfSeries *series, GError **error)
{
    for (guint i = 0; i < series->entries->len; i++) {
        const QfEntry *e = series->entries->pdata[i];
        g_autofree char *path = NULL;
        g_autoptr(QfPatch) patch = NULL;

        if (!e->patch) {
            continue;
        }
        path = qf_entry_patch_path(series, e);
        patch = qf_patch_load(path, error);
        if (!patch) {
            g_prefix_error(error, "%s: ", e->name);
            return FALSE;
        }
    }
    return TRUE;
}

/* Upstream rows the new base lacks must come from a patch or the git. */
static gboolean check_carriable(Run *run, GError **error)
{
    g_autoptr(GString) missing = g_string_new(NULL);
    guint n = 0;

    for (guint i = 0; i < run->series->entries->len; i++) {
        const QfEntry *e = run->series->entries->pdata[i];
        g_autofree char *detail = NULL, *first = NULL, *commit = NULL;
        gboolean unverified;

        if (e->kind != QF_ENTRY_UPSTREAM || e->patch ||
            qf_rebase_upstream_in_base(e, run->opts->version, run->up, &detail,
                                       &unverified, &first, &commit) ||
            (commit && run->up)) {
            continue;
        }
        if (n++ < 20) {
            g_string_append_printf(missing, "\n  %u %s (%s): %s", e->position,
                                   e->name, e->subject, detail);
        }
    }
    if (!n) {
        return TRUE;
    }
    g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                "%u upstream row%s not in QEMU %s and ha%s no backport "
                "patch; give --upstream-git to make them from upstream, or "
                "add patch files:%s",
                n, n == 1 ? " is" : "s are", run->opts->version,
                n == 1 ? "s" : "ve", missing->str);
    return FALSE;
}

/* An upstream URL is cloned (bare, once) into the state directory. */
static char *upstream_dir(Run *run, GError **error)
{
    const char *given = run->opts->upstream_git;
    g_autofree char *clone = NULL;

    if (g_file_test(given, G_FILE_TEST_IS_DIR)) {
        return g_canonicalize_filename(given, NULL);
    }
    if (!strstr(given, "://") && !g_str_has_suffix(given, ".git")) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "--upstream-git %s: no such directory, and not a URL",
                    given);
        return NULL;
    }
    clone = state_path(run, "upstream.git");
    {
        const char *args[] = {"clone", "--bare", "--quiet", given, clone, NULL};
        QfGitCall call = {.args = args,
                          .flags = QF_GIT_USER_CONFIG | QF_GIT_INTERRUPTIBLE};
        g_autofree char *err = NULL;
        int status;

        banner(run, "rebase: cloning the upstream git %s (once)", given);
        if (!qf_git_call(&call, &status, NULL, &err, error)) {
            return NULL;
        }
        if (status != 0) {
            g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                        "cloning %s failed: %s", given, err);
            return NULL;
        }
    }
    return g_steal_pointer(&clone);
}

static char *read_lock_value(const char *lock, const char *key)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    gsize klen = strlen(key);

    if (!g_file_get_contents(lock, &text, NULL, NULL)) {
        return NULL;
    }
    lines = g_strsplit(text, "\n", -1);
    for (gsize i = 0; lines[i]; i++) {
        if (strncmp(lines[i], key, klen) == 0 && lines[i][klen] == ' ') {
            return g_strstrip(g_strdup(lines[i] + klen + 1));
        }
    }
    return NULL;
}

/* scripts/fetch-base.sh, given the new pin, into the staging tree. */
static gboolean fetch_new_base(Run *run, GError **error)
{
    g_autoptr(GSubprocessLauncher) l =
        g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_NONE);
    g_autoptr(GSubprocess) proc = NULL;
    g_autofree char *staging = state_path(run, "new");
    g_autofree char *lock = state_path(run, "base.lock");
    g_autofree char *upstream = st(run, "upstream");
    g_autofree char *tarball = st(run, "new-tarball");
    const char *source = run->opts->source ? run->opts->source : upstream;
    const char *argv[] = {run->opts->fetch_script,
                          "--version",
                          run->opts->version,
                          "--tarball",
                          tarball,
                          "--sha256",
                          run->opts->sha256,
                          NULL};

    g_subprocess_launcher_setenv(l, "QEMU_DIR", staging, TRUE);
    g_subprocess_launcher_setenv(l, "BASE_LOCK", lock, TRUE);
    g_subprocess_launcher_setenv(l, "TOP", run->series->dir, TRUE);
    g_subprocess_launcher_setenv(l, "QFORK", run->opts->qfork, TRUE);
    if (source) {
        g_subprocess_launcher_setenv(l, "QEMU_SOURCE", source, TRUE);
    } else {
        g_subprocess_launcher_unsetenv(l, "QEMU_SOURCE");
    }
    proc = g_subprocess_launcher_spawnv(l, argv, error);
    if (!proc || !g_subprocess_wait(proc, NULL, error)) {
        return FALSE;
    }
    if (!g_subprocess_get_successful(proc)) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%s could not obtain QEMU %s (see above)",
                    run->opts->fetch_script, run->opts->version);
        return FALSE;
    }
    return TRUE;
}

/* The staging tree's base commit into the tree's repository. */
static gboolean import_new_base(Run *run, GError **error)
{
    g_autofree char *staging = state_path(run, "new");
    g_autofree char *refspec =
        g_strdup_printf("+%s:%s", QF_BASE_REF, REF_NEW_BASE);
    const char *fetch[] = {"fetch", "--quiet", "--no-tags",
                           staging, refspec,   NULL};
    g_autofree char *lock = state_path(run, "base.lock");
    g_autofree char *source = read_lock_value(lock, "source");

    banner(run, "rebase: bringing the new base commit into %s", run->dir);
    if (!tree_git(run, fetch, error)) {
        return FALSE;
    }
    st_set(run, "new-source", source);
    return qf_fs_remove_tree(staging, error);
}

/* HEAD to the new base, refs/qfork/base with it; the old ones saved. */
static gboolean move_tree(Run *run, GError **error)
{
    g_autofree char *head = qf_tree_head(run->tree, error);
    const char *base = qf_tree_base_commit(run->tree);
    g_autofree char *new_base = NULL;

    if (!head) {
        return FALSE;
    }
    {
        const char *args[] = {"rev-parse", "--verify", REF_NEW_BASE, NULL};
        new_base = qf_git_text(run->dir, args, NULL, error);
    }
    if (!new_base) {
        return FALSE;
    }
    st_set(run, "orig-head", head);
    st_set(run, "orig-base", base);
    st_set(run, "new-base", new_base);
    st_set(run, "head", new_base);
    g_key_file_set_integer(run->state, GROUP, "next", 0);
    if (!state_save(run, error)) {
        return FALSE;
    }
    {
        const char *save[] = {"update-ref", REF_ORIG_HEAD, head, NULL};
        const char *reset[] = {"reset", "--quiet", "--hard", new_base, NULL};
        const char *set[] = {"update-ref", QF_BASE_REF, new_base, NULL};
        banner(run, "rebase: moving %s to QEMU %s", run->dir,
               run->opts->version);
        return tree_git(run, save, error) && tree_git(run, reset, error) &&
               tree_git(run, set, error);
    }
}

static gboolean record_start(Run *run, const char *tarball, GError **error)
{
    const QfSeries *s = run->series;
    g_autofree char *series_path = series_file_path(s);
    g_autofree char *series_sha = qf_fs_sha256(series_path, error);
    g_autofree char *old_lock = repo_file(s->dir, "base.lock");
    g_autofree char *old_source = read_lock_value(old_lock, "source");
    g_autofree char *report = NULL;

    if (!series_sha) {
        return FALSE;
    }
    if (run->opts->report) {
        report = g_canonicalize_filename(run->opts->report, NULL);
    } else {
        g_autofree char *name = g_strdup_printf(
            "rebase-%s-to-%s", s->base_version, run->opts->version);
        g_autofree char *dir = g_canonicalize_filename(s->dir, NULL);
        report = g_build_filename(dir, "build", name, NULL);
    }
    st_set(run, "series", series_path);
    st_set(run, "series-sha256", series_sha);
    st_set(run, "old-version", s->base_version);
    st_set(run, "old-tarball", s->base_tarball);
    st_set(run, "old-sha256", s->base_sha256);
    st_set(run, "old-source", old_source);
    st_set(run, "new-version", run->opts->version);
    st_set(run, "new-tarball", tarball);
    st_set(run, "new-sha256", run->opts->sha256);
    st_set(run, "upstream-given", run->opts->upstream_git);
    st_set(run, "report", report);
    st_set(run, "stopped", NULL);
    return state_save(run, error);
}

/*
 * The new pin is one series.conf can hold (a release, a tarball file name,
 * a sha256): fetch-base.sh gets it as arguments, and the end writes it.
 */
static gboolean check_new_pin(Run *run, const char *tarball, GError **error)
{
    g_autofree char *text = NULL;
    g_autofree char *edited = NULL;
    QfBasePin pin = {run->opts->version, tarball, run->opts->sha256};

    if (!g_file_get_contents(run->series->path, &text, NULL, error)) {
        return FALSE;
    }
    edited = qf_series_edit(text, run->series, &pin, NULL, 0, error);
    return edited != NULL;
}

static gboolean check_start(const QfSeries *series, QfTree *tree,
                            const QfRebaseOptions *opts, GError **error)
{
    int cmp = 0;

    if (qf_rebase_in_progress(tree)) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "a rebase of %s is under way: `qfork rebase --continue` "
                    "or `qfork rebase --abort` first",
                    qf_tree_dir(tree));
        return FALSE;
    }
    if (!check_version(opts->version, error) ||
        !check_sha256(opts->sha256, error)) {
        return FALSE;
    }
    if (qf_release_compare(opts->version, series->base_version, &cmp, NULL) &&
        cmp == 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                    "series.conf already pins QEMU %s", opts->version);
        return FALSE;
    }
    if (g_strcmp0(qf_tree_base_version(tree), series->base_version) != 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%s is based on QEMU %s but series.conf pins %s: the "
                    "rebase starts from a tree of the pinned base (run make "
                    "first)",
                    qf_tree_dir(tree),
                    qf_tree_base_version(tree) ? qf_tree_base_version(tree)
                                               : "(unknown)",
                    series->base_version);
        return FALSE;
    }
    if (!opts->fetch_script ||
        !g_file_test(opts->fetch_script, G_FILE_TEST_IS_EXECUTABLE)) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "the base fetch script %s is missing",
                    opts->fetch_script ? opts->fetch_script : "(none)");
        return FALSE;
    }
    return qf_tree_require_clean(tree, error) && check_patches(series, error);
}

static gboolean run_open(Run *run, const QfSeries *series, QfTree *tree,
                         const QfRebaseOptions *opts)
{
    run->series = series;
    run->tree = tree;
    run->opts = opts;
    run->dir = qf_tree_dir(tree);
    run->state_dir = g_build_filename(qf_tree_state_dir(tree), "rebase", NULL);
    run->state = g_key_file_new();
    run->started = g_get_real_time() / G_USEC_PER_SEC;
    return TRUE;
}

/* Everything up to moving the tree; nothing is changed if it fails. */
static gboolean prepare(Run *run, GError **error)
{
    g_autofree char *tarball = new_tarball_name(run->series, run->opts, error);
    g_autofree char *up = NULL;

    if (!tarball || !check_new_pin(run, tarball, error) ||
        !qf_state_make_dir(run->state_dir, error) ||
        !record_start(run, tarball, error)) {
        return FALSE;
    }
    if (run->opts->upstream_git) {
        up = upstream_dir(run, error);
        if (!up) {
            return FALSE;
        }
        st_set(run, "upstream", up);
        run->up = qf_upstream_open(up, run->series->base_version,
                                   run->opts->version, error);
        if (!run->up) {
            return FALSE;
        }
    }
    return check_carriable(run, error) &&
           back_up(run, run->series->dir, error) &&
           fetch_new_base(run, error) && import_new_base(run, error) &&
           state_save(run, error);
}

static char *state_file_of(QfTree *tree)
{
    return g_build_filename(qf_tree_state_dir(tree), "rebase", "state", NULL);
}

gboolean qf_rebase_in_progress(QfTree *tree)
{
    g_autofree char *path = state_file_of(tree);
    return g_file_test(path, G_FILE_TEST_EXISTS);
}

QfRebaseProgress *qf_rebase_progress(QfTree *tree, GError **error)
{
    g_autofree char *path = state_file_of(tree);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(QfRebaseProgress) p = g_new0(QfRebaseProgress, 1);
    g_autoptr(GError) local = NULL;

    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        return NULL;
    }
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot read %s: %s", path,
                    local->message);
        return NULL;
    }
    p->new_version = g_key_file_get_string(kf, GROUP, "new-version", NULL);
    p->stopped = g_key_file_get_string(kf, GROUP, "stopped", NULL);
    if (p->stopped && !*p->stopped) {
        g_clear_pointer(&p->stopped, g_free);
    }
    p->position =
        (guint)MAX(g_key_file_get_integer(kf, GROUP, "next", NULL), 0) + 1;
    return g_steal_pointer(&p);
}

void qf_rebase_progress_free(QfRebaseProgress *progress)
{
    if (progress) {
        g_free(progress->new_version);
        g_free(progress->stopped);
        g_free(progress);
    }
}

gboolean qf_rebase_start(const QfSeries *series, QfTree *tree,
                         const QfRebaseOptions *opts, gboolean *stopped,
                         GError **error)
{
    Run run = {0};
    gboolean ok;

    *stopped = FALSE;
    if (!check_start(series, tree, opts, error)) {
        return FALSE;
    }
    run_open(&run, series, tree, opts);
    if (!prepare(&run, error)) {
        qf_fs_remove_tree(run.state_dir, NULL);
        {
            const char *del[] = {"update-ref", "-d", REF_NEW_BASE, NULL};
            qf_git_ok(run.dir, del, NULL);
        }
        g_prefix_error(error, "nothing was changed: ");
        run_clear(&run);
        return FALSE;
    }
    if (!move_tree(&run, error)) {
        run_clear(&run);
        return FALSE;
    }
    items_init(&run);
    banner(&run, "rebase: walking the series (%u entries) on QEMU %s",
           series->entries->len, opts->version);
    ok = walk(&run, 0, stopped, error);
    run_clear(&run);
    return ok;
}

/* ---- continue and abort -------------------------------------------------- */

static gboolean load_state(Run *run, GError **error)
{
    g_autofree char *path = state_path(run, "state");

    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                    "no rebase is under way in %s", run->dir);
        return FALSE;
    }
    return g_key_file_load_from_file(run->state, path, G_KEY_FILE_NONE, error);
}

static gboolean check_series_unchanged(Run *run, GError **error)
{
    g_autofree char *want = st(run, "series-sha256");
    g_autofree char *path = series_file_path(run->series);
    g_autofree char *have = qf_fs_sha256(path, error);

    if (!have) {
        return FALSE;
    }
    if (g_strcmp0(want, have) != 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%s changed since the rebase started; put it back (the "
                    "rebase edits it at the end) or `qfork rebase --abort`",
                    path);
        return FALSE;
    }
    return TRUE;
}

/* A conflict marker left in @path: its first line number, else 0. */
static guint marker_line(const char *dir, const char *path)
{
    g_autofree char *full = g_build_filename(dir, path, NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (g_file_test(full, G_FILE_TEST_IS_SYMLINK) ||
        !g_file_get_contents(full, &text, NULL, NULL)) {
        return 0;
    }
    lines = g_strsplit(text, "\n", -1);
    for (gsize i = 0; lines[i]; i++) {
        if (g_str_has_prefix(lines[i], "<<<<<<< ") ||
            g_str_has_prefix(lines[i], ">>>>>>> ") ||
            g_str_has_prefix(lines[i], "||||||| ")) {
            return (guint)i + 1;
        }
    }
    return 0;
}

static QfPatch *load_current_patch(Run *run, char **text, GError **error)
{
    g_autofree char *path = state_path(run, "current.patch");

    if (!g_file_get_contents(path, text, NULL, error)) {
        return NULL;
    }
    return qf_patch_parse(*text, strlen(*text), path, error);
}

/* The person's resolution of the stopped entry becomes its commit. */
static gboolean take_resolution(Run *run, guint index, GError **error)
{
    const QfEntry *e = run->series->entries->pdata[index];
    QfRebaseItem *it = run->items->pdata[index];
    g_autofree char *head = qf_tree_head(run->tree, error);
    g_autofree char *want = st(run, "head");
    g_autoptr(GPtrArray) paths = NULL;
    g_autofree char *text = NULL;
    g_autoptr(QfPatch) patch = NULL;
    g_autofree char *message = NULL;
    QfCommitInfo info;

    if (!head) {
        return FALSE;
    }
    if (g_strcmp0(head, want) != 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "HEAD of %s moved since the rebase stopped (%.12s, was "
                    "%.12s): leave the resolution uncommitted; reset HEAD "
                    "to %.12s and try again",
                    run->dir, head, want, want);
        return FALSE;
    }
    paths = changed_paths(run, error);
    if (!paths) {
        return FALSE;
    }
    for (guint i = 0; i < paths->len; i++) {
        guint line = marker_line(run->dir, paths->pdata[i]);
        if (line) {
            g_set_error(error, QF_ERROR, QF_ERROR_CONFLICT,
                        "%s:%u: a conflict marker is left; resolve every "
                        "conflict of %s first",
                        (char *)paths->pdata[i], line, e->name);
            return FALSE;
        }
    }
    patch = load_current_patch(run, &text, error);
    if (!patch) {
        return FALSE;
    }
    g_ptr_array_add(it->notes, g_strdup("resolved by hand, then "
                                        "`qfork rebase --continue`"));
    if (!paths->len) {
        it->cls = QF_REBASE_IN_BASE;
        g_free(it->detail);
        it->detail = g_strdup("resolved by hand to no change: the new base "
                              "has what the entry did");
        return TRUE;
    }
    message = qf_commit_message(e, patch->subject, patch->body);
    info = (QfCommitInfo){patch->author_name, patch->author_email, patch->date,
                          message};
    it->commit = qf_tree_commit_paths(run->tree, head, paths, &info, error);
    if (!it->commit) {
        return FALSE;
    }
    it->cls = QF_REBASE_RESOLVED;
    return refresh_item(run, it, patch, it->backport ? NULL : text, error);
}

gboolean qf_rebase_continue(const QfSeries *series, QfTree *tree,
                            const QfRebaseOptions *opts, gboolean *stopped,
                            GError **error)
{
    Run run = {0};
    g_autofree char *stopped_at = NULL;
    g_autofree char *upstream = NULL;
    guint next;
    gboolean ok = FALSE;

    *stopped = FALSE;
    run_open(&run, series, tree, opts);
    if (!load_state(&run, error) || !check_series_unchanged(&run, error)) {
        goto out;
    }
    upstream = st(&run, "upstream");
    if (upstream) {
        g_autofree char *old = st(&run, "old-version");
        g_autofree char *nv = st(&run, "new-version");
        run.up = qf_upstream_open(upstream, old, nv, error);
        if (!run.up) {
            goto out;
        }
    }
    items_init(&run);
    next = (guint)g_key_file_get_integer(run.state, GROUP, "next", NULL);
    stopped_at = st(&run, "stopped");
    if (stopped_at) {
        if (next >= series->entries->len ||
            !take_resolution(&run, next, error)) {
            goto out;
        }
        say(&run, "%3u %-28s %s", next + 1, stopped_at,
            qf_rebase_class_name(
                ((QfRebaseItem *)run.items->pdata[next])->cls));
        item_save(&run, run.items->pdata[next]);
        st_set(&run, "stopped", NULL);
        next++;
        {
            g_autofree char *head = qf_tree_head(run.tree, error);
            if (!head) {
                goto out;
            }
            st_set(&run, "head", head);
        }
        g_key_file_set_integer(run.state, GROUP, "next", (gint)next);
        if (!state_save(&run, error)) {
            goto out;
        }
    } else {
        g_autofree char *head = qf_tree_head(run.tree, error);
        g_autofree char *want = st(&run, "head");
        if (!head || g_strcmp0(head, want) != 0 ||
            !qf_tree_require_clean(tree, error)) {
            if (head && g_strcmp0(head, want) != 0) {
                g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                            "HEAD of %s is not where the interrupted rebase "
                            "left it (%.12s); `qfork rebase --abort`",
                            run.dir, want);
            }
            goto out;
        }
    }
    ok = walk(&run, next, stopped, error);
out:
    run_clear(&run);
    return ok;
}

gboolean qf_rebase_abort(QfTree *tree, const QfRebaseOptions *opts,
                         GError **error)
{
    Run run = {0};
    g_autofree char *orig_head = NULL, *orig_base = NULL, *series = NULL;
    g_autofree char *series_dir = NULL;
    g_auto(GStrv) created = NULL;
    gboolean ok = FALSE;

    run.opts = opts;
    run.tree = tree;
    run.dir = qf_tree_dir(tree);
    run.state_dir = g_build_filename(qf_tree_state_dir(tree), "rebase", NULL);
    run.state = g_key_file_new();
    if (!load_state(&run, error)) {
        goto out;
    }
    orig_head = st(&run, "orig-head");
    orig_base = st(&run, "orig-base");
    series = st(&run, "series");
    created = g_key_file_get_string_list(run.state, GROUP, "created-files",
                                         NULL, NULL);
    if (orig_head) {
        const char *reset[] = {"reset", "--quiet", "--hard", orig_head, NULL};
        const char *set[] = {"update-ref", QF_BASE_REF, orig_base, NULL};
        if (!tree_git(&run, reset, error) || !tree_git(&run, set, error)) {
            goto out;
        }
    }
    for (gsize i = 0; created && created[i]; i++) {
        const char *args[] = {"ls-files", "--error-unmatch", "--", created[i],
                              NULL};
        QfGitCall call = {.dir = run.dir, .args = args};
        int status = 0;
        if (qf_git_call(&call, &status, NULL, NULL, NULL) && status != 0) {
            g_autofree char *full = g_build_filename(run.dir, created[i], NULL);
            g_unlink(full);
        }
    }
    series_dir = series ? g_path_get_dirname(series) : NULL;
    if ((series_dir && !restore_backup(&run, series_dir, error)) ||
        !drop_rebase_refs(&run, error) || !qf_fs_remove_tree(run.state_dir, error)) {
        goto out;
    }
    say(&run,
        "Rebase aborted: %s is back at %.12s; series.conf, base.lock "
        "and patches/ are as they were.",
        run.dir, orig_head ? orig_head : "its old HEAD");
    ok = TRUE;
out:
    run_clear(&run);
    return ok;
}
