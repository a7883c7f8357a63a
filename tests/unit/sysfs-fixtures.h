/*
 * Helpers for the tests that read the fake sysfs trees under
 * tests/fixtures/sysfs/: find them, and copy one to a temporary directory
 * so that a test can break it in one precise way.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef SYSFS_FIXTURES_H
#define SYSFS_FIXTURES_H

#include "qf-test-fixture.h"

/*
 * tests/fixtures/sysfs: $QF_FIXTURES if set, else found from the test
 * binary (build/tests/test-X) or the current directory.
 */
static inline char *fixtures_dir(void)
{
    const char *env = g_getenv("QF_FIXTURES");
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    const char *rel = "tests/fixtures/sysfs";

    if (env) {
        return g_strdup(env);
    }
    for (char *dir = exe ? g_path_get_dirname(exe) : NULL; dir;) {
        g_autofree char *cand = g_build_filename(dir, rel, NULL);
        char *parent = g_path_get_dirname(dir);
        gboolean top = g_str_equal(parent, dir);

        g_free(dir);
        if (g_file_test(cand, G_FILE_TEST_IS_DIR)) {
            g_free(parent);
            return g_steal_pointer(&cand);
        }
        dir = top ? (g_free(parent), NULL) : parent;
    }
    return g_strdup(rel);
}

static inline char *fixture(const char *name)
{
    g_autofree char *dir = fixtures_dir();

    return g_build_filename(dir, name, NULL);
}

/* Copy a tree, symlinks as symlinks; aborts the test on failure. */
static inline void copy_tree(const char *from, const char *to)
{
    g_autoptr(GDir) dir = g_dir_open(from, 0, NULL);
    const char *name;

    g_assert_nonnull(dir);
    g_assert_cmpint(g_mkdir_with_parents(to, 0755), ==, 0);
    while ((name = g_dir_read_name(dir))) {
        g_autofree char *src = g_build_filename(from, name, NULL);
        g_autofree char *dst = g_build_filename(to, name, NULL);
        g_autofree char *link = g_file_read_link(src, NULL);

        if (link) {
            g_assert_cmpint(symlink(link, dst), ==, 0);
        } else if (g_file_test(src, G_FILE_TEST_IS_DIR)) {
            copy_tree(src, dst);
        } else {
            g_autofree char *data = NULL;
            gsize len;
            g_assert_true(g_file_get_contents(src, &data, &len, NULL));
            g_assert_true(g_file_set_contents(dst, data, (gssize)len, NULL));
        }
    }
}

/* A scratch copy of fixture @name; fixture_copy_free() it when done. */
static inline char *fixture_copy(const char *name)
{
    g_autofree char *src = fixture(name);
    g_autofree char *tmp = g_dir_make_tmp("qf-sysfs-XXXXXX", NULL);
    char *dst;

    g_assert_nonnull(tmp);
    dst = g_build_filename(tmp, "root", NULL);
    copy_tree(src, dst);
    return dst;
}

static inline void fixture_copy_free(char *root)
{
    g_autofree char *tmp = g_path_get_dirname(root);

    fx_rm_rf(tmp);
    g_free(root);
}

/*
 * A copy of gb200-egm-rfc where 0009:01:00.0 has an EGM region of its own
 * (6) beside its socket's (4): the inconsistent host of issue 13.
 */
static inline char *fixture_egm_conflict(void)
{
    char *root = fixture_copy("gb200-egm-rfc");
    g_autofree char *dir = g_build_filename(
        root, "sys/bus/pci/devices/0009:01:00.0/nvgrace_gpu_vfio_pci.egm.6/"
        "egm/egm6", NULL);
    g_autofree char *size = g_build_filename(dir, "egm_size", NULL);

    g_assert_cmpint(g_mkdir_with_parents(dir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(size, "0x1000000000\n", -1, NULL));
    return root;
}

static inline void drop(const char *root, const char *rel)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);

    fx_rm_rf(path);
}

#endif
