/*
 * Unit tests of the in-process commit writer (qf-odb): everything it
 * writes is compared with what git itself writes for the same input.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-test-fixture.h"

#include "qf-odb.h"

/* ---- identities ------------------------------------------------------- */

typedef struct {
    const char *name, *email, *date;
    gboolean in_process; /* qf-odb must not need git for it */
} IdentCase;

static const IdentCase ident_cases[] = {
    {"Alice Example", "alice@example.org", "Fri, 1 Mar 2024 10:00:00 +0000",
     TRUE},
    {"José Núñez", "jose@example.org", "Sat, 2 Mar 2024 11:30:00 +0530", TRUE},
    {"Bob Builder Jr.", "bob@example.org", "Thu, 29 Feb 2024 23:59:59 +1400",
     TRUE},
    {" 'Quoted, Name' ", " <odd@example.org>", "2000-01-01T00:00:00+00:00",
     TRUE},
    {"Name <with> brackets", "x@example.org", "2023-12-31T23:59:59-12:00",
     TRUE},
    {"Tab\tInside", "t@example.org", "2024-06-15 12:00:00 +0200", TRUE},
    {"Zulu", "z@example.org", "2024-06-15T12:00:00Z", TRUE},
    {"No Seconds", "n@example.org", "Mon, 15 Jul 2024 08:00 -0700", TRUE},
    {"No Weekday", "w@example.org", "1 Oct 2024 10:11:12 +0100", TRUE},
    {"Half Hour", "h@example.org", "Fri, 4 Oct 2024 05:06:07 -0330", TRUE},
    {"Epoch", "e@example.org", "Thu, 1 Jan 1970 00:00:01 +0000", TRUE},
    /* git reads these its own way: qf-odb leaves them to it */
    {"Comment", "c@example.org", "Thu, 3 Oct 2024 01:02:03 +0000 (UTC)", FALSE},
    {"Raw", "r@example.org", "1700000000 +0100", FALSE},
    {"Bad Day", "b@example.org", "Sat, 31 Feb 2024 00:00:00 +0000", FALSE},
    {"Future", "f@example.org", "Mon, 1 Jan 2090 00:00:00 +0000", FALSE},
    {"GMT", "g@example.org", "Fri, 1 Mar 2024 10:00:00 GMT", FALSE},
    {"...", "dots@example.org", "Fri, 1 Mar 2024 10:00:00 +0000", FALSE},
};

/* What `git var GIT_AUTHOR_IDENT` says for @c; NULL if git refuses it. */
static char *git_ident(const IdentCase *c)
{
    const char *argv[] = {"git", "var", "GIT_AUTHOR_IDENT", NULL};
    g_auto(GStrv) env = g_get_environ();
    g_autofree char *out = NULL;
    int status = 0;

    env = g_environ_setenv(env, "GIT_AUTHOR_NAME", c->name, TRUE);
    env = g_environ_setenv(env, "GIT_AUTHOR_EMAIL", c->email, TRUE);
    env = g_environ_setenv(env, "GIT_AUTHOR_DATE", c->date, TRUE);
    g_assert_true(g_spawn_sync(NULL, (char **)argv, env,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, &out, NULL, &status, NULL));
    if (!g_spawn_check_wait_status(status, NULL)) {
        return NULL;
    }
    return g_strchomp(g_steal_pointer(&out));
}

static void test_ident_matches_git(void)
{
    FX_SKIP_WITHOUT_GIT();
    for (gsize i = 0; i < G_N_ELEMENTS(ident_cases); i++) {
        const IdentCase *c = &ident_cases[i];
        g_autofree char *ours = qf_odb_ident(c->name, c->email, c->date);
        g_autofree char *git = git_ident(c);

        g_test_message("%s <%s> %s: qfork %s, git %s", c->name, c->email,
                       c->date, ours, git);
        if (c->in_process) {
            g_assert_nonnull(ours);
        } else {
            g_assert_null(ours);
        }
        if (ours) {
            g_assert_cmpstr(ours, ==, git);
        }
    }
}

/* ---- trees, commits, HEAD --------------------------------------------- */

typedef struct {
    char *dir;
} Repo;

static void repo_set_up(Repo *r, gconstpointer data)
{
    (void)data;
    fx_git_env();
    r->dir = fx_git_init();
    fx_write(r->dir, "README", "readme\n", -1);
    fx_write(r->dir, "src/a.c", "int a;\n", -1);
    fx_write(r->dir, "src/deep/er/b.c", "int b;\n", -1);
    fx_write(r->dir, "lonely/only.txt", "alone\n", -1);
    fx_write(r->dir, "tool.sh", "#!/bin/sh\n", -1);
    fx_write(r->dir, "file-then-dir", "a file\n", -1);
    fx_git_commit_all(r->dir, "base");
}

static void repo_tear_down(Repo *r, gconstpointer data)
{
    (void)data;
    fx_rm_rf(r->dir);
    g_free(r->dir);
}

static GPtrArray *path_list(const char *first, ...)
{
    GPtrArray *paths = g_ptr_array_new();
    va_list ap;

    va_start(ap, first);
    for (const char *p = first; p; p = va_arg(ap, const char *)) {
        g_ptr_array_add(paths, (char *)p);
    }
    va_end(ap);
    return paths;
}

/* git's tree for @paths: update-index (removals first) and write-tree. */
static char *git_tree(const char *dir, GPtrArray *paths)
{
    for (guint i = 0; i < paths->len; i++) {
        const char *p = g_ptr_array_index(paths, i);
        if (!fx_exists(dir, p) || S_ISDIR(fx_mode(dir, p))) {
            g_free(fx_git(dir, "update-index", "--remove", "--", p));
        }
    }
    for (guint i = 0; i < paths->len; i++) {
        const char *p = g_ptr_array_index(paths, i);
        if (fx_exists(dir, p) && !S_ISDIR(fx_mode(dir, p))) {
            g_free(fx_git(dir, "update-index", "--add", "--", p));
        }
    }
    return g_strchomp(fx_git(dir, "write-tree"));
}

static void test_tree_matches_git(Repo *r, gconstpointer data)
{
    g_autoptr(QfOdb) odb = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = NULL;
    g_autofree char *head = g_strchomp(fx_git(r->dir, "rev-parse", "HEAD"));
    g_autofree char *ours = NULL;
    g_autofree char *theirs = NULL;
    g_autofree char *link = g_build_filename(r->dir, "src", "link", NULL);
    g_autofree char *tool = g_build_filename(r->dir, "tool.sh", NULL);
    g_autofree char *gone = g_build_filename(r->dir, "file-then-dir", NULL);

    (void)data;
    FX_SKIP_WITHOUT_GIT();
    fx_write(r->dir, "src/a.c", "int a = 1;\n", -1);
    fx_write(r->dir, "src/new/dir/c.c", "int c;\n", -1);
    fx_write(r->dir, "src/deep/er/b.c", "int b = 2;\n", -1);
    fx_write(r->dir, "TOP", "new at the top\n", -1);
    g_assert_cmpint(g_unlink(gone), ==, 0);
    fx_write(r->dir, "file-then-dir/now.c", "a directory now\n", -1);
    g_assert_cmpint(symlink("../README", link), ==, 0);
    g_assert_cmpint(chmod(tool, 0755), ==, 0);
    fx_rm_rf(g_build_filename(r->dir, "lonely", NULL));
    paths = path_list("src/a.c", "src/new/dir/c.c", "src/deep/er/b.c", "TOP",
                      "file-then-dir", "file-then-dir/now.c", "src/link",
                      "tool.sh", "lonely/only.txt", "never/was.c", NULL);

    odb = qf_odb_open(r->dir, &error);
    g_assert_no_error(error);
    g_assert_nonnull(odb);
    ours = qf_odb_write_tree(odb, head, paths, &error);
    g_assert_no_error(error);
    theirs = git_tree(r->dir, paths);
    g_assert_cmpstr(ours, ==, theirs);
}

/* Content git would convert: qf-odb leaves the tree to git. */
static void test_tree_leaves_filters_to_git(Repo *r, gconstpointer data)
{
    g_autoptr(QfOdb) odb = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = path_list("src/a.c", "README", NULL);
    g_autofree char *head = g_strchomp(fx_git(r->dir, "rev-parse", "HEAD"));
    g_autofree char *id = NULL;

    (void)data;
    FX_SKIP_WITHOUT_GIT();
    odb = qf_odb_open(r->dir, &error);
    g_assert_nonnull(odb);
    fx_write(r->dir, "src/a.c", "int a = 1;\r\n", -1);
    /* "-text" converts nothing: still in-process */
    fx_write(r->dir, ".gitattributes", "*.patch -text -whitespace\n", -1);
    id = qf_odb_write_tree(odb, head, paths, &error);
    g_assert_no_error(error);
    g_assert_nonnull(id);
    g_clear_pointer(&id, g_free);
    fx_write(r->dir, "src/.gitattributes", "*.c text eol=lf\n", -1);
    id = qf_odb_write_tree(odb, head, paths, &error);
    g_assert_no_error(error);
    g_assert_null(id);
}

static void test_commit_matches_git(Repo *r, gconstpointer data)
{
    g_autoptr(QfOdb) odb = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *head = g_strchomp(fx_git(r->dir, "rev-parse", "HEAD"));
    g_autofree char *tree =
        g_strchomp(fx_git(r->dir, "rev-parse", "HEAD^{tree}"));
    const char *msg =
        "area: a subject with ünïcode\n\nA body.\n\nQfork-Entry: x\n";
    g_autofree char *ours = NULL;
    g_autofree char *theirs = NULL;
    g_autofree char *author = qf_odb_ident("José Núñez", "jose@example.org",
                                           "Sat, 2 Mar 2024 11:30:00 +0530");
    g_autofree char *committer = qf_odb_ident("qfork", "qfork@invalid",
                                              "Sat, 2 Mar 2024 11:30:00 +0530");

    (void)data;
    FX_SKIP_WITHOUT_GIT();
    odb = qf_odb_open(r->dir, &error);
    g_assert_nonnull(odb);
    ours = qf_odb_write_commit(odb, tree, head, author, committer, msg, &error);
    g_assert_no_error(error);
    fx_git_idents("José Núñez", "jose@example.org",
                  "Sat, 2 Mar 2024 11:30:00 +0530", "qfork", "qfork@invalid",
                  "Sat, 2 Mar 2024 11:30:00 +0530");
    {
        g_autofree char *file = g_build_filename(r->dir, ".git", "msg", NULL);
        g_assert_true(g_file_set_contents(file, msg, -1, NULL));
        theirs = g_strchomp(
            fx_git(r->dir, "commit-tree", tree, "-p", head, "-F", file));
    }
    g_assert_cmpstr(ours, ==, theirs);

    /* Not valid UTF-8: git re-encodes it, so qf-odb does not write it. */
    g_clear_pointer(&ours, g_free);
    ours = qf_odb_write_commit(odb, tree, head, author, committer,
                               "latin-1 \xe9t\xe9\n", &error);
    g_assert_no_error(error);
    g_assert_null(ours);
}

/*
 * Entries of HEAD at some paths, against `git ls-tree`: the same files
 * with the same mode and blob; a directory is its own tree entry where
 * ls-tree lists what is in it.
 */
static void test_list_entries_matches_git(Repo *r, gconstpointer data)
{
    g_autoptr(QfOdb) odb = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths =
        path_list("README", "src", "src/deep/er", "src/deep/er/b.c",
                  "tool.sh", "missing.c", "README/below", "src/nope/x.c", NULL);
    g_autoptr(GHashTable) ours = NULL;
    g_autoptr(GHashTable) git = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                      g_free, g_free);
    g_autofree char *out = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GPtrArray) args = g_ptr_array_new();

    (void)data;
    FX_SKIP_WITHOUT_GIT();
    odb = qf_odb_open(r->dir, &error);
    g_assert_nonnull(odb);
    ours = qf_odb_list_entries(odb, "HEAD", paths, &error);
    g_assert_no_error(error);
    g_assert_nonnull(ours);

    g_ptr_array_add(args, "git");
    g_ptr_array_add(args, "ls-tree");
    g_ptr_array_add(args, "--full-tree");
    g_ptr_array_add(args, "HEAD");
    g_ptr_array_add(args, "--");
    for (guint i = 0; i < paths->len; i++) {
        g_ptr_array_add(args, g_ptr_array_index(paths, i));
    }
    g_ptr_array_add(args, NULL);
    out = fx_run_argv(r->dir, (const char *const *)args->pdata, NULL);
    lines = g_strsplit(g_strchomp(out), "\n", -1);
    for (gsize i = 0; lines[i]; i++) {
        char *tab = strchr(lines[i], '\t');
        g_assert_nonnull(tab);
        g_hash_table_insert(git, g_strdup(tab + 1),
                            g_strndup(lines[i], (gsize)(tab - lines[i])));
    }
    for (guint i = 0; i < paths->len; i++) {
        const char *p = g_ptr_array_index(paths, i);
        const char *o = g_hash_table_lookup(ours, p);
        g_autofree char *below = g_strconcat(p, "/", NULL);
        gboolean git_has_below = FALSE;
        GHashTableIter it;
        gpointer k;

        g_hash_table_iter_init(&it, git);
        while (g_hash_table_iter_next(&it, &k, NULL)) {
            git_has_below |= g_str_has_prefix(k, below);
        }
        if (o && g_str_has_prefix(o, "040000 tree ")) {
            g_assert_true(git_has_below);
        } else {
            g_assert_cmpstr(o, ==, g_hash_table_lookup(git, p));
            g_assert_false(git_has_below);
        }
    }
    g_assert_cmpuint(g_hash_table_size(ours), ==, 5);
}

static void test_move_head(Repo *r, gconstpointer data)
{
    g_autoptr(QfOdb) odb = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *base = g_strchomp(fx_git(r->dir, "rev-parse", "HEAD"));
    g_autofree char *next = NULL;
    g_autofree char *head = NULL;
    g_autofree char *reflog = NULL;

    (void)data;
    FX_SKIP_WITHOUT_GIT();
    fx_git_commit_all(r->dir, "second");
    next = g_strchomp(fx_git(r->dir, "rev-parse", "HEAD"));
    g_free(fx_git(r->dir, "reset", "-q", "--soft", base));
    odb = qf_odb_open(r->dir, &error);
    g_assert_nonnull(odb);

    /* HEAD is not where the caller thinks: refused, nothing moves */
    g_assert_false(qf_odb_move_head(odb, next, base, "qfork push", &error));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "no longer at"));
    g_clear_error(&error);

    g_assert_true(qf_odb_move_head(odb, base, next, "qfork push", &error));
    g_assert_no_error(error);
    head = g_strchomp(fx_git(r->dir, "rev-parse", "HEAD"));
    g_assert_cmpstr(head, ==, next);
    /* the branch moved, HEAD still points to it, both reflogs say why */
    g_free(fx_git(r->dir, "symbolic-ref", "HEAD"));
    reflog = fx_git(r->dir, "reflog", "-1", "--format=%gs", "main");
    g_assert_cmpstr(g_strchomp(reflog), ==, "qfork push");
    g_clear_pointer(&reflog, g_free);
    reflog = fx_git(r->dir, "reflog", "-1", "--format=%gs", "HEAD");
    g_assert_cmpstr(g_strchomp(reflog), ==, "qfork push");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    fx_git_env();
    g_test_add_func("/odb/ident/matches-git", test_ident_matches_git);
#define ADD(name, fn)                                                          \
    g_test_add(name, Repo, NULL, repo_set_up, fn, repo_tear_down)
    ADD("/odb/tree/matches-git", test_tree_matches_git);
    ADD("/odb/tree/leaves-filters-to-git", test_tree_leaves_filters_to_git);
    ADD("/odb/commit/matches-git", test_commit_matches_git);
    ADD("/odb/list-entries/matches-git", test_list_entries_matches_git);
    ADD("/odb/move-head", test_move_head);
    return g_test_run();
}
