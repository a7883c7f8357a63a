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
#include "qf-rebase-internal.h"
#include "qf-rebase.h"
#include "qf-refresh.h"
#include "qf-series-edit.h"
#include "qf-state.h"

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
    clone = rebase_path(run, "upstream.git");
    {
        const char *args[] = {"clone", "--bare", "--quiet", given, clone, NULL};
        QfGitCall call = {.args = args,
                          .flags = QF_GIT_USER_CONFIG | QF_GIT_INTERRUPTIBLE};
        g_autofree char *err = NULL;
        int status;

        rebase_banner(run, "rebase: cloning the upstream git %s (once)", given);
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
    g_autofree char *staging = rebase_path(run, "new");
    g_autofree char *lock = rebase_path(run, "base.lock");
    g_autofree char *upstream = rebase_get(run, "upstream");
    g_autofree char *tarball = rebase_get(run, "new-tarball");
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
    g_autofree char *staging = rebase_path(run, "new");
    g_autofree char *refspec =
        g_strdup_printf("+%s:%s", QF_BASE_REF, REF_NEW_BASE);
    const char *fetch[] = {"fetch", "--quiet", "--no-tags",
                           staging, refspec,   NULL};
    g_autofree char *lock = rebase_path(run, "base.lock");
    g_autofree char *source = read_lock_value(lock, "source");

    rebase_banner(run, "rebase: bringing the new base commit into %s",
                  run->dir);
    if (!rebase_git(run, fetch, error)) {
        return FALSE;
    }
    rebase_set(run, "new-source", source);
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
    rebase_set(run, "orig-head", head);
    rebase_set(run, "orig-base", base);
    rebase_set(run, "new-base", new_base);
    rebase_set(run, "head", new_base);
    g_key_file_set_integer(run->state, GROUP, "next", 0);
    if (!rebase_save(run, error)) {
        return FALSE;
    }
    {
        const char *save[] = {"update-ref", REF_ORIG_HEAD, head, NULL};
        const char *reset[] = {"reset", "--quiet", "--hard", new_base, NULL};
        const char *set[] = {"update-ref", QF_BASE_REF, new_base, NULL};
        rebase_banner(run, "rebase: moving %s to QEMU %s", run->dir,
                      run->opts->version);
        return rebase_git(run, save, error) && rebase_git(run, reset, error) &&
               rebase_git(run, set, error);
    }
}

static gboolean record_start(Run *run, const char *tarball, GError **error)
{
    const QfSeries *s = run->series;
    g_autofree char *series_path = rebase_series_path(s);
    g_autofree char *series_sha = qf_fs_sha256(series_path, error);
    g_autofree char *old_lock = rebase_repo_file(s->dir, "base.lock");
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
    rebase_set(run, "series", series_path);
    rebase_set(run, "series-sha256", series_sha);
    rebase_set(run, "old-version", s->base_version);
    rebase_set(run, "old-tarball", s->base_tarball);
    rebase_set(run, "old-sha256", s->base_sha256);
    rebase_set(run, "old-source", old_source);
    rebase_set(run, "new-version", run->opts->version);
    rebase_set(run, "new-tarball", tarball);
    rebase_set(run, "new-sha256", run->opts->sha256);
    rebase_set(run, "upstream-given", run->opts->upstream_git);
    rebase_set(run, "report", report);
    rebase_set(run, "stopped", NULL);
    return rebase_save(run, error);
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
        rebase_set(run, "upstream", up);
        run->up = qf_upstream_open(up, run->series->base_version,
                                   run->opts->version, error);
        if (!run->up) {
            return FALSE;
        }
    }
    return check_carriable(run, error) &&
           rebase_back_up(run, run->series->dir, error) &&
           fetch_new_base(run, error) && import_new_base(run, error) &&
           rebase_save(run, error);
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
    rebase_run_open(&run, series, tree, opts);
    if (!prepare(&run, error)) {
        qf_fs_remove_tree(run.state_dir, NULL);
        {
            const char *del[] = {"update-ref", "-d", REF_NEW_BASE, NULL};
            qf_git_ok(run.dir, del, NULL);
        }
        g_prefix_error(error, "nothing was changed: ");
        rebase_run_clear(&run);
        return FALSE;
    }
    if (!move_tree(&run, error)) {
        rebase_run_clear(&run);
        return FALSE;
    }
    rebase_items_init(&run);
    rebase_banner(&run, "rebase: walking the series (%u entries) on QEMU %s",
                  series->entries->len, opts->version);
    ok = rebase_walk(&run, 0, stopped, error);
    rebase_run_clear(&run);
    return ok;
}

static gboolean check_series_unchanged(Run *run, GError **error)
{
    g_autofree char *want = rebase_get(run, "series-sha256");
    g_autofree char *path = rebase_series_path(run->series);
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
    g_autofree char *path = rebase_path(run, "current.patch");

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
    g_autofree char *want = rebase_get(run, "head");
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
    return rebase_refresh_item(run, it, patch, it->backport ? NULL : text,
                               error);
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
    rebase_run_open(&run, series, tree, opts);
    if (!rebase_load_state(&run, error) ||
        !check_series_unchanged(&run, error)) {
        goto out;
    }
    upstream = rebase_get(&run, "upstream");
    if (upstream) {
        g_autofree char *old = rebase_get(&run, "old-version");
        g_autofree char *nv = rebase_get(&run, "new-version");
        run.up = qf_upstream_open(upstream, old, nv, error);
        if (!run.up) {
            goto out;
        }
    }
    rebase_items_init(&run);
    next = (guint)g_key_file_get_integer(run.state, GROUP, "next", NULL);
    stopped_at = rebase_get(&run, "stopped");
    if (stopped_at) {
        if (next >= series->entries->len ||
            !take_resolution(&run, next, error)) {
            goto out;
        }
        rebase_say(&run, "%3u %-28s %s", next + 1, stopped_at,
                   qf_rebase_class_name(
                       ((QfRebaseItem *)run.items->pdata[next])->cls));
        rebase_item_save(&run, run.items->pdata[next]);
        rebase_set(&run, "stopped", NULL);
        next++;
        {
            g_autofree char *head = qf_tree_head(run.tree, error);
            if (!head) {
                goto out;
            }
            rebase_set(&run, "head", head);
        }
        g_key_file_set_integer(run.state, GROUP, "next", (gint)next);
        if (!rebase_save(&run, error)) {
            goto out;
        }
    } else {
        g_autofree char *head = qf_tree_head(run.tree, error);
        g_autofree char *want = rebase_get(&run, "head");
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
    ok = rebase_walk(&run, next, stopped, error);
out:
    rebase_run_clear(&run);
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
    if (!rebase_load_state(&run, error)) {
        goto out;
    }
    orig_head = rebase_get(&run, "orig-head");
    orig_base = rebase_get(&run, "orig-base");
    series = rebase_get(&run, "series");
    created = g_key_file_get_string_list(run.state, GROUP, "created-files",
                                         NULL, NULL);
    if (orig_head) {
        const char *reset[] = {"reset", "--quiet", "--hard", orig_head, NULL};
        const char *set[] = {"update-ref", QF_BASE_REF, orig_base, NULL};
        if (!rebase_git(&run, reset, error) || !rebase_git(&run, set, error)) {
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
    if ((series_dir && !rebase_restore_backup(&run, series_dir, error)) ||
        !rebase_drop_refs(&run, error) ||
        !qf_fs_remove_tree(run.state_dir, error)) {
        goto out;
    }
    rebase_say(&run,
               "Rebase aborted: %s is back at %.12s; series.conf, base.lock "
               "and patches/ are as they were.",
               run.dir, orig_head ? orig_head : "its old HEAD");
    ok = TRUE;
out:
    rebase_run_clear(&run);
    return ok;
}
