/*
 * qfork: the file helpers the library shares.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* lstat, O_CLOEXEC, S_ISSOCK under -std=c11 (the fuzz builds link this). */
#define _XOPEN_SOURCE 700

#include "qf-fs.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qf-error.h"

static gboolean io_error(GError **error, const char *what, const char *path,
                         int err)
{
    g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot %s %s: %s", what, path,
                g_strerror(err));
    return FALSE;
}

gboolean qf_fs_remove_tree(const char *path, GError **error)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        return errno == ENOENT || io_error(error, "inspect", path, errno);
    }
    if (S_ISDIR(st.st_mode)) {
        g_autoptr(GDir) d = g_dir_open(path, 0, error);
        const char *name;

        if (!d) {
            return FALSE;
        }
        while ((name = g_dir_read_name(d))) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            if (!qf_fs_remove_tree(child, error)) {
                return FALSE;
            }
        }
    }
    if (g_remove(path) < 0) {
        return io_error(error, "remove", path, errno);
    }
    return TRUE;
}

static gboolean copy_symlink(const char *from, const char *to, GError **error)
{
    g_autofree char *target = g_file_read_link(from, error);

    if (!target) {
        return FALSE;
    }
    if (symlink(target, to) < 0) {
        return io_error(error, "create the symlink", to, errno);
    }
    return TRUE;
}

static gboolean copy_regular(const char *from, const char *to, mode_t mode,
                             GError **error)
{
    g_autofree char *data = NULL;
    gsize len;

    if (!g_file_get_contents(from, &data, &len, error) ||
        !g_file_set_contents(to, data, (gssize)len, error)) {
        return FALSE;
    }
    if (g_chmod(to, mode & 07777) < 0) {
        return io_error(error, "set the mode of", to, errno);
    }
    return TRUE;
}

gboolean qf_fs_copy_file(const char *from, const char *to, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(to);
    struct stat st;

    if (lstat(from, &st) < 0) {
        return io_error(error, "copy", from, errno);
    }
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        return io_error(error, "create", dir, errno);
    }
    if (S_ISLNK(st.st_mode)) {
        return copy_symlink(from, to, error);
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(error, QF_ERROR, QF_ERROR_IO,
                    "cannot copy %s: not a regular file or a symlink", from);
        return FALSE;
    }
    return copy_regular(from, to, st.st_mode, error);
}

static void list_below(const char *dir, const char *rel, GPtrArray *out)
{
    g_autofree char *full =
        rel ? g_build_filename(dir, rel, NULL) : g_strdup(dir);
    g_autoptr(GDir) d = g_dir_open(full, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *r =
            rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
        g_autofree char *p = g_build_filename(dir, r, NULL);
        struct stat st;

        if (lstat(p, &st) < 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            list_below(dir, r, out);
        } else if (S_ISREG(st.st_mode)) {
            g_ptr_array_add(out, g_steal_pointer(&r));
        }
    }
}

static gint compare_paths(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *qf_fs_list_files(const char *dir)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    list_below(dir, NULL, out);
    g_ptr_array_sort(out, compare_paths);
    return out;
}

gboolean qf_fs_same_content(const char *a, const char *b)
{
    g_autofree char *da = NULL, *db = NULL;
    gsize la, lb;

    return g_file_get_contents(a, &da, &la, NULL) &&
           g_file_get_contents(b, &db, &lb, NULL) && la == lb &&
           memcmp(da, db, la) == 0;
}

char *qf_fs_sha256(const char *path, GError **error)
{
    g_autofree char *data = NULL;
    gsize len;

    if (!g_file_get_contents(path, &data, &len, error)) {
        return NULL;
    }
    return g_compute_checksum_for_data(G_CHECKSUM_SHA256, (guchar *)data, len);
}

/* ---- reading what the user points qfork at ----------------------------- */

static const char *file_type_name(mode_t mode)
{
    if (S_ISDIR(mode)) {
        return "a directory";
    }
    if (S_ISFIFO(mode)) {
        return "a FIFO";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    if (S_ISCHR(mode) || S_ISBLK(mode)) {
        return "a device";
    }
    return "not a regular file";
}

static gboolean read_error(const char *path, int err, GError **error)
{
    g_set_error(error, QF_ERROR,
                err == ENOENT ? QF_ERROR_NOT_FOUND : QF_ERROR_IO, "%s: %s",
                path, g_strerror(err));
    return FALSE;
}

gboolean qf_fs_read_regular(const char *path, char **contents, gsize *len,
                              GError **error)
{
    /* O_NONBLOCK: open() of a FIFO without a writer must not wait. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    g_autoptr(GByteArray) buf = NULL;
    struct stat st;

    if (fd < 0) {
        return read_error(path, errno, error);
    }
    if (fstat(fd, &st) < 0) {
        int err = errno;
        close(fd);
        return read_error(path, err, error);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        g_set_error(error, QF_ERROR, QF_ERROR_IO,
                    "%s is %s, not a regular file; refusing to read it", path,
                    file_type_name(st.st_mode));
        return FALSE;
    }
    buf = g_byte_array_sized_new((guint)st.st_size + 1);
    for (;;) {
        guint8 chunk[65536];
        gssize n = read(fd, chunk, sizeof(chunk));

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            int err = errno;
            close(fd);
            return read_error(path, err, error);
        }
        if (n == 0) {
            break;
        }
        g_byte_array_append(buf, chunk, (guint)n);
    }
    close(fd);
    if (len) {
        *len = buf->len;
    }
    g_byte_array_append(buf, (const guint8 *)"", 1);
    *contents = (char *)g_byte_array_free(g_steal_pointer(&buf), FALSE);
    return TRUE;
}
