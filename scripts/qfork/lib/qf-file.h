/*
 * qfork: reading the files a user points qfork at (series.conf, patches).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_FILE_H
#define QF_FILE_H

#include <glib.h>

/*
 * Read all of @path, which must be a regular file (symlinks to one are
 * followed).  A FIFO, device, socket or directory is refused without
 * blocking on it: opening a FIFO for reading waits for a writer, and
 * qfork would wait holding the tree's lock.  QF_ERROR_NOT_FOUND when
 * @path does not exist, QF_ERROR_IO otherwise; messages name @path.
 * The contents are NUL-terminated (not counted in *@len; @len may be
 * NULL).
 */
gboolean qf_file_read_regular(const char *path, char **contents, gsize *len,
                              GError **error);

#endif
