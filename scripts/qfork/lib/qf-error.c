/*
 * qfork: the error domain shared by the library and the CLI.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-error.h"

/* The quark's name is a token sequence that clang-format would space out. */
/* clang-format off */
G_DEFINE_QUARK(qf-error-quark, qf_error)
/* clang-format on */

int qf_exit_code(const GError *error)
{
    return g_error_matches(error, QF_ERROR, QF_ERROR_NOTHING)
               ? QF_EXIT_NOTHING
               : QF_EXIT_ERROR;
}
