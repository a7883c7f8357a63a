/*
 * qfork doctor: is this host ready for Grace GPU passthrough?  Read-only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include "qf-doctor.h"
#include "qfork.h"

int qf_cmd_doctor(QfContext *ctx, int argc, char **argv, GError **error)
{
    g_autofree char *sysroot = NULL;
    const GOptionEntry entries[] = {
        {"sysroot", 0, 0, G_OPTION_ARG_FILENAME, &sysroot, NULL, NULL},
        {NULL},
    };
    g_autoptr(GPtrArray) findings = NULL;
    g_autofree char *report = NULL;
    guint fails;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error) ||
        !qf_check_positionals(ctx, argc, 0, error)) {
        return QF_EXIT_ERROR;
    }
    findings = qf_doctor_run(sysroot ? sysroot : "/", error);
    if (!findings) {
        return QF_EXIT_ERROR;
    }
    report = qf_doctor_format(findings);
    qf_print(ctx, "%s", report);
    fails = qf_doctor_count(findings, QF_FINDING_FAIL);
    if (fails) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%u problem%s: this host is not ready for GPU "
                    "passthrough", fails, fails == 1 ? "" : "s");
        return QF_EXIT_ERROR;
    }
    return QF_EXIT_OK;
}
