/*
 * Unit tests of the git layer (qf-tree) and the journal (qf-state), on
 * real git repositories made in temporary directories.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-test-fixture.h"

#include "qf-error.h"
#include "qf-state.h"
#include "qf-tree.h"

typedef struct {
    char *tmp;      /* removed after the test */
    char *dir;      /* a base tree, not yet a repository */
} Fixture;

/* ---- helpers ---------------------------------------------------------- */

static char *git(const char *dir, const char *args)
{
    g_autofree char *cmd = g_strdup_printf("git -C %s %s", dir, args);
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autoptr(GError) error = NULL;
    int status;

    g_assert_true(g_spawn_command_line_sync(cmd, &out, &err, &status,
                                            &error));
    g_assert_no_error(error);
    if (!g_spawn_check_wait_status(status, NULL)) {
        g_error("%s failed: %s", cmd, err);
    }
    return g_strchomp(g_steal_pointer(&out));
}

static void remove_file(const char *dir, const char *path)
{
    g_autofree char *full = g_build_filename(dir, path, NULL);
    g_assert_cmpint(g_unlink(full), ==, 0);
}

static void make_base_files(const char *dir)
{
    fx_write(dir, "README", "base readme\n", -1);
    fx_write(dir, "hw/acpi/pci.c", "int pci;\n", -1);
    fx_write(dir, "hw/arm/virt.c", "int virt;\n", -1);
    /* Ignored by the release's own .gitignore: must be in the base. */
    fx_write(dir, ".gitignore", "*.o\n", -1);
    fx_write(dir, "prebuilt.o", "blob\n", -1);
}

static void fixture_set_up(Fixture *f, gconstpointer data)
{
    (void)data;
    f->tmp = g_dir_make_tmp("qfork-test-tree-XXXXXX", NULL);
    g_assert_nonnull(f->tmp);
    f->dir = g_build_filename(f->tmp, "qemu", NULL);
    make_base_files(f->dir);
}

static void fixture_tear_down(Fixture *f, gconstpointer data)
{
    (void)data;
    fx_rm_rf(f->tmp);
    g_free(f->tmp);
    g_free(f->dir);
}

static QfTree *init_and_open(Fixture *f)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *base = qf_tree_init(f->dir, "11.1.1", "test tarball",
                                         &error);
    QfTree *tree;

    g_assert_no_error(error);
    g_assert_nonnull(base);
    tree = qf_tree_open(f->dir, &error);
    g_assert_no_error(error);
    return tree;
}

static const QfCommitInfo test_info = {
    .author_name = "Ada Lovelace",
    .author_email = "ada@example.org",
    .author_date = "Fri, 8 Mar 2024 14:55:23 +0000",
    .message = "hw/acpi: a change\n\nBody.\n\nQfork-Entry: e1\n",
};

static GPtrArray *paths_of(const char *first, ...)
{
    GPtrArray *paths = g_ptr_array_new_with_free_func(g_free);
    va_list ap;

    va_start(ap, first);
    for (const char *p = first; p; p = va_arg(ap, const char *)) {
        g_ptr_array_add(paths, g_strdup(p));
    }
    va_end(ap);
    return paths;
}

static void assert_clean(QfTree *tree)
{
    g_autoptr(GError) error = NULL;
    g_assert_true(qf_tree_require_clean(tree, &error));
    g_assert_no_error(error);
}

/* ---- init ------------------------------------------------------------- */

static void test_init_base(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autofree char *subject = git(f->dir, "log -1 --format=%s refs/qfork/base");
    g_autofree char *body = git(f->dir, "log -1 --format=%b refs/qfork/base");
    g_autofree char *author = git(f->dir, "log -1 --format=%an<%ae>%ad refs/qfork/base");
    g_autofree char *files = git(f->dir, "ls-files");
    g_autofree char *exclude = fx_read_str(f->dir, ".git/info/exclude");

    (void)data;
    g_assert_cmpstr(subject, ==, "Base: QEMU 11.1.1");
    g_assert_cmpstr(body, ==, "test tarball");
    g_assert_true(g_str_has_prefix(author, "QEMU<qemu-devel@nongnu.org>"));
    g_assert_nonnull(strstr(files, "prebuilt.o"));
    g_assert_nonnull(strstr(exclude, "/build/"));
    g_assert_cmpstr(qf_tree_base_version(tree), ==, "11.1.1");
    assert_clean(tree);
}

/* The base id depends on the files only, not on time or user. */
static void test_init_reproducible(Fixture *f, gconstpointer data)
{
    g_autofree char *other = g_build_filename(f->tmp, "other", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;

    (void)data;
    make_base_files(other);
    /* A build directory at init time stays out of the base. */
    fx_write(other, "build/qemu-system-aarch64", "binary\n", -1);
    a = qf_tree_init(f->dir, "11.1.1", "test tarball", &error);
    g_assert_no_error(error);
    sleep(1);
    b = qf_tree_init(other, "11.1.1", "test tarball", &error);
    g_assert_no_error(error);
    g_assert_cmpstr(a, ==, b);
}

static void test_init_refuses(Fixture *f, gconstpointer data)
{
    g_autofree char *plain = g_build_filename(f->tmp, "plain", NULL);
    g_autofree char *empty = g_build_filename(f->tmp, "empty", NULL);
    g_autofree char *missing = g_build_filename(f->tmp, "missing", NULL);
    g_autofree char *a = NULL;
    g_autofree char *again = NULL;
    g_autoptr(GError) error = NULL;

    (void)data;
    a = qf_tree_init(f->dir, "11.1.1", NULL, &error);
    g_assert_no_error(error);

    again = qf_tree_init(f->dir, "11.1.1", NULL, &error);
    g_assert_null(again);
    g_assert_error(error, QF_ERROR, QF_ERROR_NOTHING);
    g_assert_nonnull(strstr(error->message, "already a qfork tree"));
    g_clear_error(&error);

    g_assert_null(qf_tree_init(f->dir, "11.0.3", NULL, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "11.1.1, not 11.0.3"));
    g_clear_error(&error);

    fx_write(plain, "file", "x\n", -1);
    g_free(git(plain, "init -q"));
    g_assert_null(qf_tree_init(plain, "11.1.1", NULL, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "did not create"));
    g_clear_error(&error);

    g_mkdir(empty, 0755);
    g_assert_null(qf_tree_init(empty, "11.1.1", NULL, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_FAILED);
    g_clear_error(&error);

    g_assert_null(qf_tree_init(missing, "11.1.1", NULL, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_NOT_FOUND);
}

/* ---- open ------------------------------------------------------------- */

static void test_open_refuses(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(QfTree) tree = qf_tree_open(f->dir, &error);

    (void)data;
    g_assert_null(tree);
    g_assert_error(error, QF_ERROR, QF_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_free(git(f->dir, "init -q"));
    g_assert_null(qf_tree_open(f->dir, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(error->message, "not a qfork tree"));
}

/* Two qforks on one tree at once would corrupt the journal. */
static void test_open_locks(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(QfTree) second = qf_tree_open(f->dir, &error);

    (void)data;
    g_assert_null(second);
    g_assert_error(error, QF_ERROR, QF_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "another qfork"));
    g_clear_pointer(&tree, qf_tree_free);
    g_clear_error(&error);
    second = qf_tree_open(f->dir, &error);
    g_assert_no_error(error);
}

/* ---- dirty ------------------------------------------------------------ */

static void test_dirty(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;

    (void)data;
    fx_write(f->dir, "build/config.h", "ignored\n", -1);
    assert_clean(tree);

    fx_write(f->dir, "hw/arm/virt.c", "int edited;\n", -1);
    g_assert_false(qf_tree_require_clean(tree, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_DIRTY);
    g_assert_nonnull(strstr(error->message, "hw/arm/virt.c"));
    g_clear_error(&error);
    g_free(git(f->dir, "checkout -q -- hw/arm/virt.c"));
    assert_clean(tree);

    fx_write(f->dir, "new-file.c", "untracked\n", -1);
    g_assert_false(qf_tree_require_clean(tree, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_DIRTY);
    g_assert_nonnull(strstr(error->message, "?? new-file.c"));
}

/* ---- commits ---------------------------------------------------------- */

static void test_commit_paths(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths =
        paths_of("hw/acpi/pci.c", "hw/new/gi.c", "README", NULL);
    g_autofree char *head = qf_tree_head(tree, &error);
    g_autofree char *commit = NULL;
    g_autoptr(GPtrArray) commits = NULL;
    g_autofree char *author = NULL;
    g_autofree char *files = NULL;
    QfTreeCommit *c;

    (void)data;
    fx_write(f->dir, "hw/acpi/pci.c", "int pci2;\n", -1);
    fx_write(f->dir, "hw/new/gi.c", "int gi;\n", -1);
    remove_file(f->dir, "README");
    commit = qf_tree_commit_paths(tree, head, paths, &test_info, &error);
    g_assert_no_error(error);
    g_assert_nonnull(commit);
    assert_clean(tree);

    commits = qf_tree_commits(tree, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(commits->len, ==, 1);
    c = g_ptr_array_index(commits, 0);
    g_assert_cmpstr(c->id, ==, commit);
    g_assert_cmpstr(c->entry, ==, "e1");
    g_assert_cmpstr(c->subject, ==, "hw/acpi: a change");

    author = git(f->dir, "log -1 --format=%an<%ae>%aI");
    g_assert_cmpstr(author, ==, "Ada Lovelace<ada@example.org>2024-03-08T14:55:23+00:00");
    files = git(f->dir, "show --format= --name-status HEAD");
    g_assert_nonnull(strstr(files, "D\tREADME"));
    g_assert_nonnull(strstr(files, "A\thw/new/gi.c"));
    g_assert_nonnull(strstr(files, "M\thw/acpi/pci.c"));
}

/* Same changes, same base: same commit id (rebuilds bisect alike). */
static void test_commit_reproducible(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = paths_of("hw/acpi/pci.c", NULL);
    g_autofree char *base = qf_tree_head(tree, &error);
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;

    (void)data;
    fx_write(f->dir, "hw/acpi/pci.c", "int pci2;\n", -1);
    a = qf_tree_commit_paths(tree, base, paths, &test_info, &error);
    g_assert_no_error(error);
    g_free(git(f->dir, "reset -q --hard refs/qfork/base"));
    sleep(1);
    fx_write(f->dir, "hw/acpi/pci.c", "int pci2;\n", -1);
    b = qf_tree_commit_paths(tree, base, paths, &test_info, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(a, ==, b);
}

/* update-ref with the old value: a moved HEAD is not overwritten. */
static void test_commit_stale_parent(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = paths_of("hw/acpi/pci.c", NULL);
    g_autofree char *base = qf_tree_head(tree, &error);
    g_autofree char *first = NULL;
    g_autofree char *second = NULL;

    (void)data;
    fx_write(f->dir, "hw/acpi/pci.c", "int pci2;\n", -1);
    first = qf_tree_commit_paths(tree, base, paths, &test_info, &error);
    g_assert_no_error(error);
    fx_write(f->dir, "hw/acpi/pci.c", "int pci3;\n", -1);
    second = qf_tree_commit_paths(tree, base, paths, &test_info, &error);
    g_assert_null(second);
    g_assert_nonnull(error);
}

static void test_commits_off_history(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) commits = NULL;

    (void)data;
    g_free(git(f->dir, "checkout -q --orphan other"));
    g_free(git(f->dir, "-c user.name=x -c user.email=y commit -q -m other"));
    commits = qf_tree_commits(tree, &error);
    g_assert_null(commits);
    g_assert_error(error, QF_ERROR, QF_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "does not descend"));
}

/* ---- restore and recovery --------------------------------------------- */

static void test_restore_paths(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths =
        paths_of("hw/acpi/pci.c", "hw/new/deep/gi.c", "README", NULL);
    g_autofree char *pci = NULL;

    (void)data;
    fx_write(f->dir, "hw/acpi/pci.c", "half written", -1);
    fx_write(f->dir, "hw/new/deep/gi.c", "int gi;\n", -1);
    remove_file(f->dir, "README");
    /* As after a killed update-index: the index has them too. */
    g_free(git(f->dir, "add -A"));
    /* As after a killed qf_apply_write(): its temporaries. */
    fx_write(f->dir, "hw/acpi/.qfork-a1b2c3", "half", -1);
    fx_write(f->dir, "hw/new/deep/.qfork-d4e5f6", "half", -1);

    g_assert_true(qf_tree_restore_paths(tree, paths, &error));
    g_assert_no_error(error);
    assert_clean(tree);
    pci = fx_read_str(f->dir, "hw/acpi/pci.c");
    g_assert_cmpstr(pci, ==, "int pci;\n");
    g_assert_true(fx_exists(f->dir, "README"));
    g_assert_false(fx_exists(f->dir, "hw/new"));
}

/*
 * Names git allows and a line-based exchange does not: a newline shifted
 * every later answer of the old cat-file exchange, and README was left
 * deleted in the index.
 */
static void test_restore_hostile_names(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = paths_of("a\nb", "README", "d/f", "t\tab",
                                          "hw/acpi/pci.c", NULL);
    g_autofree char *readme = NULL;

    (void)data;
    fx_write(f->dir, "a\nb", "new\n", -1);
    fx_write(f->dir, "README", "changed\n", -1);
    fx_write(f->dir, "d/f", "new\n", -1);
    fx_write(f->dir, "t\tab", "new\n", -1);
    remove_file(f->dir, "hw/acpi/pci.c");
    g_free(git(f->dir, "add -A"));

    g_assert_true(qf_tree_restore_paths(tree, paths, &error));
    g_assert_no_error(error);
    assert_clean(tree);
    readme = fx_read_str(f->dir, "README");
    g_assert_cmpstr(readme, ==, "base readme\n");
    g_assert_true(fx_exists(f->dir, "hw/acpi/pci.c"));
    g_assert_false(fx_exists(f->dir, "a\nb"));
    g_assert_false(fx_exists(f->dir, "d"));
}

static QfFileChange *change(QfChangeKind kind, const char *path,
                            const char *old_path, const char *content);

/* A patch touches what is the tree's, never the user's files. */
static void test_check_tracked(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(QfApplyResult) ok = qf_apply_result_new();
    g_autoptr(GHashTable) overlay =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    static const struct {
        QfChangeKind kind;
        const char *path, *old_path, *what;
    } bad[] = {
        { QF_CHANGE_MODIFY, "build/user.txt", "build/user.txt",
          "build/user.txt: not a file of the tree" },
        { QF_CHANGE_DELETE, "build/keep.txt", "build/keep.txt",
          "build/keep.txt: not a file of the tree" },
        { QF_CHANGE_CREATE, "build/new.txt", NULL,
          "build/new.txt: build/ is excluded" },
        { QF_CHANGE_MODIFY, "hw/x.o", "hw/x.o", "hw/x.o: not a file" },
        { QF_CHANGE_CREATE, "objs/new.c", NULL,
          "would be created inside 'objs'" },
        { QF_CHANGE_RENAME, "hw/y.c", "hw/x.o", "hw/x.o: not a file" },
    };

    (void)data;
    fx_write(f->dir, "build/user.txt", "mine\n", -1);
    fx_write(f->dir, "build/keep.txt", "mine\n", -1);
    fx_write(f->dir, "hw/x.o", "ignored\n", -1);
    fx_write(f->dir, "objs/a.o", "ignored\n", -1);
    g_assert_cmpint(g_mkdir(g_build_filename(f->dir, "empty", NULL), 0755),
                    ==, 0);
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(QfApplyResult) r = qf_apply_result_new();
        g_autoptr(GError) error = NULL;

        g_ptr_array_add(r->changes, change(bad[i].kind, bad[i].path,
                                           bad[i].old_path, "x\n"));
        g_assert_false(qf_tree_check_tracked(tree, "p.patch", r, NULL, &error));
        g_assert_error(error, QF_ERROR, QF_ERROR_CONFLICT);
        g_test_message("%s", error->message);
        g_assert_true(g_str_has_prefix(error->message, "p.patch: "));
        g_assert_nonnull(strstr(error->message, bad[i].what));
    }
    /* Tracked files, new directories, an empty directory, and a file an
       earlier entry of a dry run created (the overlay). */
    g_ptr_array_add(ok->changes, change(QF_CHANGE_MODIFY, "README", "README",
                                        "x\n"));
    g_ptr_array_add(ok->changes,
                    change(QF_CHANGE_CREATE, "hw/new/deep/f.c", NULL, "x\n"));
    g_ptr_array_add(ok->changes,
                    change(QF_CHANGE_CREATE, "empty/f.c", NULL, "x\n"));
    g_ptr_array_add(ok->changes, change(QF_CHANGE_RENAME, "hw/arm/v.c",
                                        "hw/arm/virt.c", "x\n"));
    g_assert_true(qf_tree_check_tracked(tree, "p.patch", ok, overlay, NULL));
    g_assert_true(GPOINTER_TO_INT(g_hash_table_lookup(overlay, "hw/arm/v.c")));
    g_assert_true(g_hash_table_contains(overlay, "hw/arm/virt.c"));
    g_ptr_array_set_size(ok->changes, 0);
    g_ptr_array_add(ok->changes, change(QF_CHANGE_MODIFY, "hw/arm/v.c",
                                        "hw/arm/v.c", "y\n"));
    g_assert_true(qf_tree_check_tracked(tree, "p.patch", ok, overlay, NULL));
    g_ptr_array_set_size(ok->changes, 0);
    g_ptr_array_add(ok->changes, change(QF_CHANGE_MODIFY, "hw/arm/virt.c",
                                        "hw/arm/virt.c", "y\n"));
    g_assert_false(qf_tree_check_tracked(tree, "p.patch", ok, overlay, NULL));
}

/* An edit hidden by assume-unchanged is not "clean". */
static void test_hidden_edit(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;

    (void)data;
    g_free(git(f->dir, "update-index --assume-unchanged README"));
    assert_clean(tree);
    fx_write(f->dir, "README", "my edit\n", -1);
    g_assert_false(qf_tree_require_clean(tree, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_DIRTY);
    g_assert_nonnull(strstr(error->message,
                            "README is marked assume-unchanged"));
}

static void write_push_journal(QfTree *tree, const char *entry,
                               const char *old_head, GPtrArray *paths)
{
    g_autoptr(QfJournal) j = qf_journal_new(QF_JOURNAL_PUSH);
    g_autoptr(GError) error = NULL;

    j->entry = g_strdup(entry);
    j->old_head = g_strdup(old_head);
    j->pid = 1;
    for (guint i = 0; i < paths->len; i++) {
        g_ptr_array_add(j->paths, g_strdup(paths->pdata[i]));
    }
    g_assert_true(qf_journal_write(qf_tree_state_dir(tree), j, &error));
    g_assert_no_error(error);
}

/* Killed between writing files and committing: the files go back. */
static void test_recover_uncommitted_push(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = paths_of("hw/acpi/pci.c", "hw/gi.c", NULL);
    g_autofree char *head = qf_tree_head(tree, &error);
    g_autofree char *state = g_strdup(qf_tree_state_dir(tree));
    g_autofree char *lock = g_build_filename(f->dir, ".git/index.lock", NULL);

    (void)data;
    write_push_journal(tree, "e1", head, paths);
    fx_write(f->dir, "hw/acpi/pci.c", "int pci2;\n", -1);
    fx_write(f->dir, "hw/gi.c", "int gi;\n", -1);
    /* A git child killed with qfork leaves its lock behind. */
    fx_write(f->dir, ".git/index.lock", "", -1);
    g_clear_pointer(&tree, qf_tree_free);

    tree = qf_tree_open(f->dir, &error);
    g_assert_no_error(error);
    g_assert_nonnull(qf_tree_recovery_note(tree));
    g_assert_nonnull(strstr(qf_tree_recovery_note(tree),
                            "interrupted push of e1"));
    g_assert_nonnull(strstr(qf_tree_recovery_note(tree), "not applied"));
    g_assert_false(g_file_test(lock, G_FILE_TEST_EXISTS));
    assert_clean(tree);
    g_assert_false(fx_exists(f->dir, "hw/gi.c"));
    g_assert_null(qf_journal_read(state, &error));
    g_assert_no_error(error);
}

/* Killed after the commit, before removing the journal: keep it. */
static void test_recover_committed_push(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = paths_of("hw/acpi/pci.c", NULL);
    g_autofree char *base = qf_tree_head(tree, &error);
    g_autofree char *commit = NULL;
    g_autofree char *head = NULL;
    g_autofree char *pci = NULL;

    (void)data;
    write_push_journal(tree, "e1", base, paths);
    fx_write(f->dir, "hw/acpi/pci.c", "int pci2;\n", -1);
    commit = qf_tree_commit_paths(tree, base, paths, &test_info, &error);
    g_assert_no_error(error);
    g_clear_pointer(&tree, qf_tree_free);

    tree = qf_tree_open(f->dir, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(qf_tree_recovery_note(tree), "it is applied"));
    head = qf_tree_head(tree, &error);
    g_assert_cmpstr(head, ==, commit);
    pci = fx_read_str(f->dir, "hw/acpi/pci.c");
    g_assert_cmpstr(pci, ==, "int pci2;\n");
    assert_clean(tree);
}

/* A journal that does not fit HEAD is not guessed at. */
static void test_recover_refuses_moved_head(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = paths_of("hw/acpi/pci.c", NULL);

    (void)data;
    write_push_journal(tree, "e1", "0123456789012345678901234567890123456789",
                       paths);
    g_clear_pointer(&tree, qf_tree_free);
    tree = qf_tree_open(f->dir, &error);
    g_assert_null(tree);
    g_assert_error(error, QF_ERROR, QF_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "remove the journal by hand"));
}

static void test_recover_pop(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = paths_of("hw/acpi/pci.c", NULL);
    g_autofree char *base = qf_tree_head(tree, &error);
    g_autofree char *commit = NULL;
    g_autoptr(QfJournal) j = qf_journal_new(QF_JOURNAL_POP);
    g_autofree char *head = NULL;

    (void)data;
    fx_write(f->dir, "hw/acpi/pci.c", "int pci2;\n", -1);
    commit = qf_tree_commit_paths(tree, base, paths, &test_info, &error);
    g_assert_no_error(error);
    j->old_head = g_strdup(commit);
    j->target = g_strdup(base);
    g_assert_true(qf_journal_write(qf_tree_state_dir(tree), j, &error));
    /* Half reset: the file is back, HEAD is not. */
    fx_write(f->dir, "hw/acpi/pci.c", "int pci;\n", -1);
    g_clear_pointer(&tree, qf_tree_free);

    tree = qf_tree_open(f->dir, &error);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(qf_tree_recovery_note(tree), "interrupted pop"));
    head = qf_tree_head(tree, &error);
    g_assert_cmpstr(head, ==, base);
    assert_clean(tree);
}

static void test_pop_to(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) paths = paths_of("hw/acpi/pci.c", NULL);
    g_autofree char *base = qf_tree_head(tree, &error);
    g_autofree char *commit = NULL;
    g_autofree char *pci = NULL;
    g_autoptr(GPtrArray) commits = NULL;

    (void)data;
    fx_write(f->dir, "hw/acpi/pci.c", "int pci2;\n", -1);
    commit = qf_tree_commit_paths(tree, base, paths, &test_info, &error);
    g_assert_no_error(error);
    fx_write(f->dir, "build/keep.o", "build output\n", -1);
    g_assert_true(qf_tree_pop_to(tree, base, &error));
    g_assert_no_error(error);
    pci = fx_read_str(f->dir, "hw/acpi/pci.c");
    g_assert_cmpstr(pci, ==, "int pci;\n");
    g_assert_true(fx_exists(f->dir, "build/keep.o"));
    commits = qf_tree_commits(tree, &error);
    g_assert_cmpuint(commits->len, ==, 0);
    assert_clean(tree);
}

/* ---- push (needs qf_apply_write) -------------------------------------- */

static QfFileChange *change(QfChangeKind kind, const char *path,
                            const char *old_path, const char *content)
{
    QfFileChange *c = g_new0(QfFileChange, 1);

    c->kind = kind;
    c->path = g_strdup(path);
    c->old_path = g_strdup(old_path);
    c->content = content ? g_bytes_new(content, strlen(content)) : NULL;
    return c;
}

static void test_push(Fixture *f, gconstpointer data)
{
    g_autoptr(QfTree) tree = init_and_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(QfApplyResult) r = qf_apply_result_new();
    g_autofree char *base = NULL;
    g_autofree char *commit = NULL;
    g_autofree char *virt = NULL;
    g_autoptr(GPtrArray) commits = NULL;
    g_autoptr(QfJournal) j = NULL;

    (void)data;
    g_ptr_array_add(r->changes, change(QF_CHANGE_MODIFY, "hw/arm/virt.c",
                                       "hw/arm/virt.c", "int virt2;\n"));
    g_ptr_array_add(r->changes,
                    change(QF_CHANGE_CREATE, "hw/gi/gi.c", NULL, "int gi;\n"));
    g_ptr_array_add(r->changes,
                    change(QF_CHANGE_DELETE, "README", "README", NULL));
    base = qf_tree_head(tree, &error);
    commit = qf_tree_push(tree, base, "e1", r, &test_info, &error);
    g_assert_no_error(error);
    g_assert_nonnull(commit);
    assert_clean(tree);
    virt = fx_read_str(f->dir, "hw/arm/virt.c");
    g_assert_cmpstr(virt, ==, "int virt2;\n");
    g_assert_false(fx_exists(f->dir, "README"));
    commits = qf_tree_commits(tree, &error);
    g_assert_cmpuint(commits->len, ==, 1);
    j = qf_journal_read(qf_tree_state_dir(tree), &error);
    g_assert_no_error(error);
    g_assert_null(j);
}

/* ---- state files ------------------------------------------------------ */

static void test_journal_roundtrip(Fixture *f, gconstpointer data)
{
    g_autofree char *state = g_build_filename(f->tmp, "state", NULL);
    g_autoptr(QfJournal) j = qf_journal_new(QF_JOURNAL_PUSH);
    g_autoptr(QfJournal) back = NULL;
    g_autoptr(GError) error = NULL;
    const char *odd[] = {"a;b.c", "dir with space/x", "new\nline", "back\\slash"};

    (void)data;
    j->entry = g_strdup("b64b7ed8bb5d");
    j->old_head = g_strdup("0123456789abcdef0123456789abcdef01234567");
    j->pid = 4242;
    for (gsize i = 0; i < G_N_ELEMENTS(odd); i++) {
        g_ptr_array_add(j->paths, g_strdup(odd[i]));
    }
    g_assert_true(qf_journal_write(state, j, &error));
    back = qf_journal_read(state, &error);
    g_assert_no_error(error);
    g_assert_nonnull(back);
    g_assert_cmpint(back->kind, ==, QF_JOURNAL_PUSH);
    g_assert_cmpstr(back->entry, ==, j->entry);
    g_assert_cmpstr(back->old_head, ==, j->old_head);
    g_assert_cmpint(back->pid, ==, 4242);
    g_assert_cmpuint(back->paths->len, ==, G_N_ELEMENTS(odd));
    for (gsize i = 0; i < G_N_ELEMENTS(odd); i++) {
        g_assert_cmpstr(back->paths->pdata[i], ==, odd[i]);
    }
    g_assert_true(qf_journal_remove(state, &error));
    g_assert_null(qf_journal_read(state, &error));
    g_assert_no_error(error);
    /* Removing twice is fine: recovery may race a finished push. */
    g_assert_true(qf_journal_remove(state, &error));
}

static void test_journal_corrupt(Fixture *f, gconstpointer data)
{
    g_autofree char *state = g_build_filename(f->tmp, "state", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(QfJournal) j = NULL;

    (void)data;
    fx_write(state, "journal", "[qfork]\noperation=push\n", -1);
    j = qf_journal_read(state, &error);
    g_assert_null(j);
    g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
    g_assert_nonnull(strstr(error->message, "journal is corrupt"));
}

static void test_failure_record(Fixture *f, gconstpointer data)
{
    g_autofree char *state = g_build_filename(f->tmp, "state", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(QfFailure) none = qf_failure_read(state, &error);
    g_autoptr(QfFailure) got = NULL;

    (void)data;
    g_assert_no_error(error);
    g_assert_null(none);
    g_assert_true(qf_failure_record(state, "e2", "hunk 2 of x.c does not "
                                    "apply\nsecond line", &error));
    got = qf_failure_read(state, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(got->entry, ==, "e2");
    g_assert_cmpstr(got->message, ==, "hunk 2 of x.c does not apply\nsecond line");
    g_assert_true(qf_failure_clear(state, &error));
    g_clear_pointer(&got, qf_failure_free);
    got = qf_failure_read(state, &error);
    g_assert_null(got);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    /* The tests' git runs must not depend on the user's identity. */
    g_setenv("GIT_CONFIG_NOSYSTEM", "1", TRUE);
#define ADD(name, fn) \
    g_test_add(name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
    ADD("/tree/init/base", test_init_base);
    ADD("/tree/init/reproducible", test_init_reproducible);
    ADD("/tree/init/refuses", test_init_refuses);
    ADD("/tree/open/refuses", test_open_refuses);
    ADD("/tree/open/locks", test_open_locks);
    ADD("/tree/dirty", test_dirty);
    ADD("/tree/commit/paths", test_commit_paths);
    ADD("/tree/commit/reproducible", test_commit_reproducible);
    ADD("/tree/commit/stale-parent", test_commit_stale_parent);
    ADD("/tree/commits/off-history", test_commits_off_history);
    ADD("/tree/restore-paths", test_restore_paths);
    ADD("/tree/restore-paths/hostile-names", test_restore_hostile_names);
    ADD("/tree/check-tracked", test_check_tracked);
    ADD("/tree/dirty/hidden-edit", test_hidden_edit);
    ADD("/tree/recover/uncommitted-push", test_recover_uncommitted_push);
    ADD("/tree/recover/committed-push", test_recover_committed_push);
    ADD("/tree/recover/refuses-moved-head", test_recover_refuses_moved_head);
    ADD("/tree/recover/pop", test_recover_pop);
    ADD("/tree/pop-to", test_pop_to);
    ADD("/tree/push", test_push);
    ADD("/state/journal/roundtrip", test_journal_roundtrip);
    ADD("/state/journal/corrupt", test_journal_corrupt);
    ADD("/state/failure", test_failure_record);
#undef ADD
    return g_test_run();
}
