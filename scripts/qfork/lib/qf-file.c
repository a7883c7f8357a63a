/*
 * qfork: reading the files a user points qfork at (series.conf, patches).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* O_CLOEXEC and S_ISSOCK under -std=c11 (the fuzz build). */
#define _XOPEN_SOURCE 700

#include "qf-file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qf-error.h"

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

static gboolean io_error(const char *path, int err, GError **error)
{
    g_set_error(error, QF_ERROR,
                err == ENOENT ? QF_ERROR_NOT_FOUND : QF_ERROR_IO,
                "%s: %s", path, g_strerror(err));
    return FALSE;
}

gboolean qf_file_read_regular(const char *path, char **contents, gsize *len,
                              GError **error)
{
    /* O_NONBLOCK: open() of a FIFO without a writer must not wait. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    g_autoptr(GByteArray) buf = NULL;
    struct stat st;

    if (fd < 0) {
        return io_error(path, errno, error);
    }
    if (fstat(fd, &st) < 0) {
        int err = errno;
        close(fd);
        return io_error(path, err, error);
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
            return io_error(path, err, error);
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
