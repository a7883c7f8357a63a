/*
 * libFuzzer target: the apply path, writing.  Each input is parsed as a
 * patch and applied - prepared, then written - to a fresh copy of the
 * fixture tree named by $QF_FUZZ_TREE, in a sandbox directory that also
 * holds a sentinel beside the tree.
 *
 * Beyond "no crash, no leak", it checks what qfork's promises rest on:
 * - a failure carries a QF_ERROR with a message, and the tree is as it
 *   was (prepare writes nothing);
 * - whatever prepare accepts, write can write: a conflict found only
 *   while writing would leave a half-applied patch for the rollback;
 * - the tree then holds exactly the prepared result - every path with
 *   its content and kind, every removed path gone, no temporary left;
 * - nothing outside the tree is created or changed, whatever the paths
 *   and symlinks of the patch;
 * - the already-applied check (the reverse direction), which push runs
 *   when a patch does not apply, runs without crashing, before and after
 *   a write.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _XOPEN_SOURCE 700

#include <errno.h>
#include <ftw.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qf-apply.h"
#include "qf-error.h"
#include "qf-patch.h"

#define SENTINEL_TEXT "outside the tree\n"

static char *sandbox; /* holds "tree" and "outside" */
static char *tree;
static char *outside;
/* Copying the tree is the slow part: only after a write changed it. */
static gboolean tree_written = TRUE;

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

/* rm -rf that never follows a symlink the patch may have made. */
static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int copy_entry(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    const char *from = g_getenv("QF_FUZZ_TREE");
    g_autofree char *to = g_build_filename(tree, path + strlen(from), NULL);
    g_autofree char *data = NULL;
    gsize len;

    (void)ftw;
    if (flag == FTW_D) {
        return g_mkdir_with_parents(to, 0755);
    }
    if (S_ISLNK(st->st_mode)) {
        g_autofree char *target = g_file_read_link(path, NULL);
        return target ? symlink(target, to) : -1;
    }
    if (!g_file_get_contents(path, &data, &len, NULL) ||
        !g_file_set_contents(to, data, (gssize)len, NULL)) {
        return -1;
    }
    return chmod(to, st->st_mode & 07777);
}

static void remove_sandbox(void)
{
    remove_tree(sandbox);
}

static void fresh_tree(void)
{
    if (!tree_written) {
        return;
    }
    tree_written = FALSE;
    remove_tree(tree);
    if (nftw(g_getenv("QF_FUZZ_TREE"), copy_entry, 16, FTW_PHYS) != 0) {
        abort();
    }
}

/* Everything in the sandbox but the tree: the sentinel and nothing else. */
static void check_outside(void)
{
    g_autoptr(GDir) d = g_dir_open(sandbox, 0, NULL);
    g_autofree char *sentinel = g_build_filename(outside, "sentinel", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GDir) o = g_dir_open(outside, 0, NULL);
    const char *name;
    guint n = 0;

    while (d && (name = g_dir_read_name(d))) {
        if (strcmp(name, "tree") != 0 && strcmp(name, "outside") != 0) {
            abort();
        }
        n++;
    }
    while (o && (name = g_dir_read_name(o))) {
        if (strcmp(name, "sentinel") != 0) {
            abort();
        }
    }
    if (n != 2 || !g_file_get_contents(sentinel, &text, NULL, NULL) ||
        strcmp(text, SENTINEL_TEXT) != 0) {
        abort();
    }
}

/* No ".qfork-" temporary anywhere in the tree. */
static int find_temporary(const char *path, const struct stat *st, int flag,
                          struct FTW *ftw)
{
    (void)st;
    (void)flag;
    return strncmp(path + ftw->base, ".qfork-", 7) == 0;
}

static void check_path_written(const QfFileChange *c)
{
    g_autofree char *full = g_build_filename(tree, c->path, NULL);
    gsize want_len;
    const char *want = g_bytes_get_data(c->content, &want_len);
    g_autofree char *got = NULL;
    gsize got_len = 0;
    struct stat st;

    if (lstat(full, &st) < 0) {
        abort();
    }
    if (c->mode == 0120000) {
        if (!S_ISLNK(st.st_mode)) {
            abort();
        }
        got = g_file_read_link(full, NULL);
        got_len = got ? strlen(got) : 0;
    } else {
        if (!S_ISREG(st.st_mode) ||
            !g_file_get_contents(full, &got, &got_len, NULL)) {
            abort();
        }
        if (c->mode && (st.st_mode & 0111) != (c->mode & 0111)) {
            abort();
        }
    }
    if (!got || got_len != want_len ||
        (want_len && memcmp(got, want, want_len) != 0)) {
        abort();
    }
}

/*
 * The final state of each path, as qf_apply_write() replays the changes:
 * the last change naming a path wins; a delete or a rename removes.
 */
static void check_result_written(const QfApplyResult *r)
{
    g_autoptr(GHashTable) final = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTableIter it;
    gpointer key, value;

    for (guint i = 0; i < r->changes->len; i++) {
        QfFileChange *c = r->changes->pdata[i];

        if (c->kind == QF_CHANGE_DELETE || c->kind == QF_CHANGE_RENAME) {
            g_hash_table_insert(final, c->old_path, NULL);
        }
        if (c->kind != QF_CHANGE_DELETE) {
            g_hash_table_insert(final, c->path, c);
        }
    }
    g_hash_table_iter_init(&it, final);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_autofree char *full = g_build_filename(tree, key, NULL);
        struct stat st;

        if (value) {
            check_path_written(value);
        } else if (lstat(full, &st) == 0 && !S_ISDIR(st.st_mode)) {
            abort();
        }
    }
    if (nftw(tree, find_temporary, 16, FTW_PHYS) != 0) {
        abort();
    }
}

static void apply_once(const QfPatch *p, guint fuzz)
{
    QfApplyOptions opts = {.fuzz = fuzz};
    g_autoptr(GError) error = NULL;
    g_autoptr(QfApplyResult) r = NULL;

    fresh_tree();
    r = qf_apply_prepare(tree, p, &opts, &error);
    if (!r) {
        if (!error || error->domain != QF_ERROR || !error->message[0]) {
            abort();
        }
        /* push then asks whether the patch is already applied */
        (void)qf_apply_is_applied(tree, p);
        check_outside();
        return;
    }
    tree_written = TRUE;
    if (!qf_apply_write(tree, r, &error)) {
        /* prepare said it applies: writing must not find a conflict */
        abort();
    }
    check_result_written(r);
    check_outside();
    (void)qf_apply_is_applied(tree, p);
    check_outside();
}

static void set_up(void)
{
    const char *base = g_getenv("QF_FUZZ_SCRATCH");
    g_autofree char *sentinel = NULL;

    if (!g_getenv("QF_FUZZ_TREE")) {
        abort();
    }
    sandbox = g_build_filename(base ? base : g_get_tmp_dir(),
                               "fuzz-apply-XXXXXX", NULL);
    if (!g_mkdtemp(sandbox)) {
        abort();
    }
    tree = g_build_filename(sandbox, "tree", NULL);
    outside = g_build_filename(sandbox, "outside", NULL);
    sentinel = g_build_filename(outside, "sentinel", NULL);
    if (g_mkdir(outside, 0755) < 0 ||
        !g_file_set_contents(sentinel, SENTINEL_TEXT, -1, NULL)) {
        abort();
    }
    atexit(remove_sandbox);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(QfPatch) p = NULL;

    if (!sandbox) {
        set_up();
    }
    p = qf_patch_parse((const char *)data, size, "fuzz.patch", &error);
    if (!p) {
        return 0;
    }
    apply_once(p, 0);
    apply_once(p, 2);
    return 0;
}
