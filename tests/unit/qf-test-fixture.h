/*
 * Fixture helpers for the patch engine's unit tests: temporary trees,
 * real git repositories, and byte-for-byte tree snapshots.
 *
 * Header-only (static functions) so that each tests/unit/test-*.c stays a
 * single translation unit linked against the library.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_TEST_FIXTURE_H
#define QF_TEST_FIXTURE_H

#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qf-fs.h"
#include "qf-series.h"

/* The author and committer git takes from the environment. */
static inline void fx_git_idents(const char *author, const char *author_email,
                                 const char *author_date, const char *committer,
                                 const char *committer_email,
                                 const char *committer_date)
{
    g_setenv("GIT_AUTHOR_NAME", author, TRUE);
    g_setenv("GIT_AUTHOR_EMAIL", author_email, TRUE);
    g_setenv("GIT_AUTHOR_DATE", author_date, TRUE);
    g_setenv("GIT_COMMITTER_NAME", committer, TRUE);
    g_setenv("GIT_COMMITTER_EMAIL", committer_email, TRUE);
    g_setenv("GIT_COMMITTER_DATE", committer_date, TRUE);
}

/* Reproducible git: no user or system config, fixed identities and dates. */
static inline void fx_git_env(void)
{
    g_setenv("GIT_CONFIG_NOSYSTEM", "1", TRUE);
    g_setenv("GIT_CONFIG_GLOBAL", "/dev/null", TRUE);
    fx_git_idents("Test Author", "author@example.com",
                  "2024-03-01T12:00:00+0000", "Test Committer",
                  "committer@example.com", "2024-03-01T12:00:00+0000");
    g_setenv("LC_ALL", "C", TRUE);
}

static inline gboolean fx_have_git(void)
{
    g_autofree char *git = g_find_program_in_path("git");

    return git != NULL;
}

/* Real git output is preferred over hand-written fixtures; skip without. */
#define FX_SKIP_WITHOUT_GIT()                                                  \
    do {                                                                       \
        if (!fx_have_git()) {                                                  \
            g_test_skip("git is not installed");                               \
            return;                                                            \
        }                                                                      \
    } while (0)

static inline char *fx_tmpdir(void)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("qf-test-XXXXXX", &error);

    g_assert_no_error(error);
    return dir;
}

/* Cleanup: the library's own remover (tests/unit/test-fs.c tests it). */
static inline void fx_rm_rf(const char *path)
{
    qf_fs_remove_tree(path, NULL);
}

static inline void fx_write(const char *tree, const char *rel, const void *data,
                            gssize len)
{
    g_autofree char *full = g_build_filename(tree, rel, NULL);
    g_autofree char *dir = g_path_get_dirname(full);
    g_autoptr(GError) error = NULL;

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_file_set_contents(full, data, len < 0 ? (gssize)strlen(data) : len,
                        &error);
    g_assert_no_error(error);
}

static inline GBytes *fx_read(const char *tree, const char *rel)
{
    g_autofree char *full = g_build_filename(tree, rel, NULL);
    char *data = NULL;
    gsize len = 0;

    if (!g_file_get_contents(full, &data, &len, NULL)) {
        return NULL;
    }
    return g_bytes_new_take(data, len);
}

static inline char *fx_read_str(const char *tree, const char *rel)
{
    g_autofree char *full = g_build_filename(tree, rel, NULL);
    char *data = NULL;

    return g_file_get_contents(full, &data, NULL, NULL) ? data : NULL;
}

static inline gboolean fx_exists(const char *tree, const char *rel)
{
    g_autofree char *full = g_build_filename(tree, rel, NULL);
    struct stat st;

    return lstat(full, &st) == 0;
}

static inline guint fx_mode(const char *tree, const char *rel)
{
    g_autofree char *full = g_build_filename(tree, rel, NULL);
    struct stat st;

    g_assert_cmpint(lstat(full, &st), ==, 0);
    return st.st_mode;
}

/* Run a command in @dir, fail the test on error, return its stdout. */
static inline char *fx_run_argv(const char *dir, const char *const *argv,
                                gsize *out_len)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *err = NULL;
    char *out = NULL;
    int status = 0;

    g_spawn_sync(dir, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                 &out, &err, &status, &error);
    g_assert_no_error(error);
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_test_message("%s failed: %s", argv[0], err);
        g_assert_not_reached();
    }
    if (out_len) {
        *out_len = strlen(out);
    }
    return out;
}

#define fx_git(dir, ...)                                                       \
    fx_run_argv((dir), (const char *const[]){ "git", __VA_ARGS__, NULL }, NULL)

static inline char *fx_git_init(void)
{
    char *dir = fx_tmpdir();

    g_free(fx_git(dir, "init", "-q", "-b", "main", "."));
    return dir;
}

static inline void fx_git_commit_all(const char *dir, const char *msg)
{
    g_free(fx_git(dir, "add", "-A"));
    g_free(fx_git(dir, "commit", "-q", "--allow-empty", "-m", msg));
}

/* Deterministic pseudo-random bytes, like a compiled ACPI table. */
static inline GBytes *fx_blob(guint32 seed, gsize len)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
    guint8 *data = g_malloc(len);

    for (gsize i = 0; i < len; i++) {
        data[i] = (guint8)g_rand_int_range(rand, 0, 256);
    }
    return g_bytes_new_take(data, len);
}

static inline void fx_write_bytes(const char *tree, const char *rel, GBytes *b)
{
    fx_write(tree, rel, g_bytes_get_data(b, NULL), (gssize)g_bytes_get_size(b));
}

/* A new directory holding the files of @rev, as git checks them out. */
static inline char *fx_git_checkout_copy(const char *repo, const char *rev)
{
    char *dir = fx_tmpdir();
    g_autofree char *wt = g_strdup_printf("--work-tree=%s", dir);

    g_free(fx_git(repo, wt, "checkout", "-q", "-f", rev, "--", "."));
    /* Leave the repository's own index as HEAD has it. */
    g_free(fx_git(repo, "reset", "-q"));
    return dir;
}

/*
 * A binary file as git patches it: v1 added (literal), then v2 with a
 * small edit and 10 bytes shorter (delta), like an updated ACPI table.
 */
typedef struct FxBinary {
    char *repo;
    GBytes *v1, *v2;
    char *add_patch, *change_patch;
} FxBinary;

static inline void fx_binary(FxBinary *f)
{
    g_autofree guint8 *v2 = NULL;
    gsize len;

    f->repo = fx_git_init();
    fx_write(f->repo, "README", "fixture\n", -1);
    fx_git_commit_all(f->repo, "base");
    f->v1 = fx_blob(7, 20000);
    fx_write_bytes(f->repo, "tests/data/acpi/virt/SRAT", f->v1);
    fx_git_commit_all(f->repo, "add");
    len = g_bytes_get_size(f->v1);
    v2 = g_memdup2(g_bytes_get_data(f->v1, NULL), len);
    memcpy(v2 + 5000, "generic initiator", 17);
    f->v2 = g_bytes_new(v2, len - 10);
    fx_write_bytes(f->repo, "tests/data/acpi/virt/SRAT", f->v2);
    fx_git_commit_all(f->repo, "update");
    f->add_patch = fx_git(f->repo, "format-patch", "--stdout", "-1", "HEAD~1");
    f->change_patch = fx_git(f->repo, "format-patch", "--stdout", "-1", "HEAD");
    g_assert_nonnull(strstr(f->change_patch, "\ndelta "));
}

static inline void fx_binary_clear(FxBinary *f)
{
    fx_rm_rf(f->repo);
    g_free(f->repo);
    g_bytes_unref(f->v1);
    g_bytes_unref(f->v2);
    g_free(f->add_patch);
    g_free(f->change_patch);
}

/*
 * Every entry below @tree, sorted: type, mode and content (or link target).
 * Two equal snapshots mean the tree is byte-for-byte the same.
 */
static inline void fx_snapshot_into(const char *tree, const char *rel,
                                    GPtrArray *out)
{
    g_autofree char *full = g_build_filename(tree, rel, NULL);
    GDir *dir = g_dir_open(full, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        g_autofree char *child =
            *rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
        g_autofree char *path = g_build_filename(tree, child, NULL);
        struct stat st;
        g_autofree char *data = NULL;
        gsize len = 0;
        char link[4096];
        gssize n;

        g_assert_cmpint(lstat(path, &st), ==, 0);
        if (S_ISDIR(st.st_mode)) {
            g_ptr_array_add(
                out, g_strdup_printf("%s/ dir %o", child, st.st_mode & 07777));
            if (strcmp(name, ".git") != 0) {
                fx_snapshot_into(tree, child, out);
            }
        } else if (S_ISLNK(st.st_mode)) {
            n = readlink(path, link, sizeof(link) - 1);
            g_assert_cmpint(n, >=, 0);
            link[n] = '\0';
            g_ptr_array_add(out, g_strdup_printf("%s link %s", child, link));
        } else {
            g_autofree char *sum = NULL;

            g_assert_true(g_file_get_contents(path, &data, &len, NULL));
            sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                              (const guchar *)data, len);
            g_ptr_array_add(out, g_strdup_printf("%s file %o %s", child,
                                                 st.st_mode & 07777, sum));
        }
    }
    if (dir) {
        g_dir_close(dir);
    }
}

static inline int fx_strcmp_p(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline char *fx_snapshot(const char *tree)
{
    g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(g_free);

    fx_snapshot_into(tree, "", entries);
    g_ptr_array_sort(entries, fx_strcmp_p);
    g_ptr_array_add(entries, NULL);
    return g_strjoinv("\n", (char **)entries->pdata);
}

/*
 * The checkout this test was built from: $QF_SRCDIR, else the first
 * directory above the test binary that holds series.conf and scripts/qfork
 * (the build puts tests in build/tests/), so it runs from any cwd.
 */
static inline char *fx_find_top(void)
{
    const char *env = g_getenv("QF_SRCDIR");
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    g_autofree char *dir = NULL;

    if (env) {
        return g_strdup(env);
    }
    g_assert_nonnull(exe);
    dir = g_path_get_dirname(exe);
    while (strcmp(dir, "/") != 0) {
        g_autofree char *conf = g_build_filename(dir, "series.conf", NULL);
        g_autofree char *qfork =
            g_build_filename(dir, "scripts", "qfork", NULL);
        char *parent;

        if (g_file_test(conf, G_FILE_TEST_IS_REGULAR) &&
            g_file_test(qfork, G_FILE_TEST_IS_DIR)) {
            return g_steal_pointer(&dir);
        }
        parent = g_path_get_dirname(dir);
        g_free(dir);
        dir = parent;
    }
    g_error("no series.conf above %s: set QF_SRCDIR to the checkout", exe);
    return NULL;
}

/* The checkout's own series.conf, which must parse. */
static inline QfSeries *fx_load_real_series(void)
{
    g_autofree char *top = fx_find_top();
    g_autofree char *path = g_build_filename(top, "series.conf", NULL);
    g_autoptr(GError) error = NULL;
    QfSeries *s = qf_series_load(path, &error);

    g_assert_no_error(error);
    g_assert_nonnull(s);
    return s;
}

#endif
