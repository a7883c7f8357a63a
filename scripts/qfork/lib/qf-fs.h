/*
 * qfork: the file helpers the library shares - removing a tree, copying a
 * file, listing and comparing files, reading a file the user names.  Every
 * failure sets a GError naming the path.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_FS_H
#define QF_FS_H

#include <glib.h>

/*
 * Remove @path and, for a directory, everything below it; symlinks are
 * removed, never followed.  An absent @path is not an error.
 */
gboolean qf_fs_remove_tree(const char *path, GError **error);

/*
 * Copy @from to @to, creating @to's directory: a regular file's bytes and
 * permission bits, a symlink as a symlink to the same target.  Anything
 * else (absent, a directory, a device) is an error.
 */
gboolean qf_fs_copy_file(const char *from, const char *to, GError **error);

/* The regular files below @dir, relative to it, sorted; no symlinks. */
GPtrArray *qf_fs_list_files(const char *dir);

/* Both files are readable and have the same bytes. */
gboolean qf_fs_same_content(const char *a, const char *b);

/* The file's sha256 as 64 lowercase hex digits. */
char *qf_fs_sha256(const char *path, GError **error);

/*
 * Read all of @path, which must be a regular file (symlinks to one are
 * followed).  A FIFO, device, socket or directory is refused without
 * blocking on it: opening a FIFO for reading waits for a writer, and
 * qfork would wait holding the tree's lock.  QF_ERROR_NOT_FOUND when
 * @path does not exist, QF_ERROR_IO otherwise; messages name @path.
 * The contents are NUL-terminated (not counted in *@len; @len may be
 * NULL).
 */
gboolean qf_fs_read_regular(const char *path, char **contents, gsize *len,
                            GError **error);

#endif
