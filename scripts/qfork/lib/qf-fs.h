/*
 * qfork: the file helpers the library shares - removing a tree, copying a
 * file, listing and comparing files.  Every failure sets a GError naming
 * the path.
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

#endif
