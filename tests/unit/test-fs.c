/*
 * Unit tests for qf-fs: the file helpers every library module shares.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-test-fixture.h"

#include "qf-error.h"
#include "qf-fs.h"

static void test_copy_regular(void)
{
    g_autofree char *dir = fx_tmpdir();
    g_autofree char *from = g_build_filename(dir, "a.sh", NULL);
    g_autofree char *to = g_build_filename(dir, "x", "y", "b.sh", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *copied = NULL;

    fx_write(dir, "a.sh", "#!/bin/sh\n\0bin", 14);
    g_chmod(from, 0750);
    g_assert_true(qf_fs_copy_file(from, to, &error));
    g_assert_no_error(error);
    g_assert_true(qf_fs_same_content(from, to));
    g_assert_cmpuint(fx_mode(dir, "x/y/b.sh") & 0777, ==, 0750);
    /* Over an existing file: replaced. */
    fx_write(dir, "a.sh", "new\n", -1);
    g_assert_true(qf_fs_copy_file(from, to, &error));
    copied = fx_read_str(dir, "x/y/b.sh");
    g_assert_cmpstr(copied, ==, "new\n");
    fx_rm_rf(dir);
}

static void test_copy_symlink(void)
{
    g_autofree char *dir = fx_tmpdir();
    g_autofree char *from = g_build_filename(dir, "link", NULL);
    g_autofree char *to = g_build_filename(dir, "copy", "link", NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *target = NULL;

    g_assert_cmpint(symlink("../somewhere/else", from), ==, 0);
    g_assert_true(qf_fs_copy_file(from, to, &error));
    g_assert_no_error(error);
    target = g_file_read_link(to, NULL);
    g_assert_cmpstr(target, ==, "../somewhere/else");
    /*
     * A symlink that cannot be made fails with a message naming it: the
     * dry run's copy used to return FALSE with no error set.
     */
    g_assert_false(qf_fs_copy_file(from, to, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_IO);
    g_assert_nonnull(strstr(error->message, to));
    fx_rm_rf(dir);
}

static void test_copy_errors(void)
{
    g_autofree char *dir = fx_tmpdir();
    g_autofree char *absent = g_build_filename(dir, "absent", NULL);
    g_autofree char *to = g_build_filename(dir, "to", NULL);
    g_autoptr(GError) error = NULL;

    g_assert_false(qf_fs_copy_file(absent, to, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_IO);
    g_assert_nonnull(strstr(error->message, absent));
    g_clear_error(&error);
    g_assert_false(qf_fs_copy_file(dir, to, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_IO);
    g_assert_nonnull(strstr(error->message, "not a regular file"));
    g_assert_false(fx_exists(dir, "to"));
    fx_rm_rf(dir);
}

static void test_remove_tree(void)
{
    g_autofree char *dir = fx_tmpdir();
    g_autofree char *outside = fx_tmpdir();
    g_autofree char *top = g_build_filename(dir, "top", NULL);
    g_autofree char *link = g_build_filename(top, "a", "out", NULL);
    g_autoptr(GError) error = NULL;

    fx_write(dir, "top/a/b/c.txt", "c", -1);
    fx_write(dir, "top/d.txt", "d", -1);
    fx_write(outside, "keep.txt", "keep", -1);
    g_assert_cmpint(symlink(outside, link), ==, 0);
    g_assert_true(qf_fs_remove_tree(top, &error));
    g_assert_no_error(error);
    g_assert_false(fx_exists(dir, "top"));
    /* The symlink went, not what it pointed to. */
    g_assert_true(fx_exists(outside, "keep.txt"));
    /* Nothing there: nothing to do. */
    g_assert_true(qf_fs_remove_tree(top, &error));
    g_assert_no_error(error);
    fx_rm_rf(dir);
    fx_rm_rf(outside);
}

static void test_list_and_compare(void)
{
    g_autofree char *dir = fx_tmpdir();
    g_autofree char *link = g_build_filename(dir, "b", "link", NULL);
    g_autofree char *a = g_build_filename(dir, "z.txt", NULL);
    g_autofree char *b = g_build_filename(dir, "b", "a.txt", NULL);
    g_autoptr(GPtrArray) files = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *abc = g_build_filename(dir, "a.txt", NULL);
    g_autofree char *sha = NULL;

    fx_write(dir, "z.txt", "same", -1);
    fx_write(dir, "b/a.txt", "same", -1);
    fx_write(dir, "b/c/d.txt", "other", -1);
    fx_write(dir, "a.txt", "abc", -1);
    g_assert_cmpint(symlink("a.txt", link), ==, 0);
    files = qf_fs_list_files(dir);
    g_assert_cmpuint(files->len, ==, 4);
    g_assert_cmpstr(files->pdata[0], ==, "a.txt");
    g_assert_cmpstr(files->pdata[1], ==, "b/a.txt");
    g_assert_cmpstr(files->pdata[2], ==, "b/c/d.txt");
    g_assert_cmpstr(files->pdata[3], ==, "z.txt");
    g_assert_true(qf_fs_same_content(a, b));
    fx_write(dir, "z.txt", "samE", -1);
    g_assert_false(qf_fs_same_content(a, b));
    g_assert_false(qf_fs_same_content(a, link)); /* b/link -> b/a.txt: none */
    sha = qf_fs_sha256(abc, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(sha, ==,
                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61"
                    "f20015ad");
    fx_rm_rf(dir);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fs/copy/regular", test_copy_regular);
    g_test_add_func("/fs/copy/symlink", test_copy_symlink);
    g_test_add_func("/fs/copy/errors", test_copy_errors);
    g_test_add_func("/fs/remove-tree", test_remove_tree);
    g_test_add_func("/fs/list-and-compare", test_list_and_compare);
    return g_test_run();
}
