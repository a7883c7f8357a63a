/*
 * qfork: error domain and exit codes shared by the library and the CLI.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_ERROR_H
#define QF_ERROR_H

#include <glib.h>

/*
 * Exit codes follow quilt: 2 means "nothing to do", not failure.  3 is
 * bisect's: skipped positions leave a set of candidates, not one entry.
 */
enum {
    QF_EXIT_OK = 0,
    QF_EXIT_ERROR = 1,
    QF_EXIT_NOTHING = 2,
    QF_EXIT_AMBIGUOUS = 3,
};

#define QF_ERROR (qf_error_quark())
GQuark qf_error_quark(void);

typedef enum {
    QF_ERROR_FAILED,       /* generic failure */
    QF_ERROR_PARSE,        /* malformed series.conf or patch */
    QF_ERROR_NOT_FOUND,    /* missing file, unknown entry */
    QF_ERROR_UNSAFE_PATH,  /* patch path leaves the tree */
    QF_ERROR_CONFLICT,     /* a hunk does not match */
    QF_ERROR_ALREADY,      /* patch is already applied (reverse-applies) */
    QF_ERROR_DIRTY,        /* tree has uncommitted changes */
    QF_ERROR_NOTHING,      /* nothing to do: maps to QF_EXIT_NOTHING */
    QF_ERROR_IO,           /* read/write/spawn failure */
} QfErrorCode;

/* The QF_EXIT_* for an error: QF_ERROR_NOTHING gives 2, others 1. */
int qf_exit_code(const GError *error);

#endif
