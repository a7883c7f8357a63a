/*
 * libFuzzer target: the patch parser, and the applier's prepare step
 * (read-only) on a fixture tree named by $QF_FUZZ_TREE.
 *
 * Beyond "no crash, no leak", it checks invariants the applier relies on:
 * a failure always carries an error, parse failures are QF_ERROR_PARSE,
 * and every parsed hunk holds exactly the lines its header counts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "qf-apply.h"
#include "qf-error.h"
#include "qf-patch.h"

static void check_hunk(const QfHunk *h)
{
    guint old_lines = 0, new_lines = 0;

    for (guint i = 0; i < h->lines->len; i++) {
        const char *l = h->lines->pdata[i];

        if (l[0] != ' ' && l[0] != '-' && l[0] != '+') {
            abort();
        }
        old_lines += l[0] != '+';
        new_lines += l[0] != '-';
    }
    if (old_lines != h->old_len || new_lines != h->new_len) {
        abort();
    }
}

static void check_patch(const QfPatch *p)
{
    for (guint i = 0; i < p->files->len; i++) {
        const QfFilePatch *fp = p->files->pdata[i];

        if (!fp->old_path && !fp->new_path) {
            abort();
        }
        for (guint j = 0; j < fp->hunks->len; j++) {
            check_hunk(fp->hunks->pdata[j]);
        }
        if ((fp->bin_kind != QF_BINARY_NONE) != (fp->bin_data != NULL)) {
            abort();
        }
    }
}

static void prepare(const char *tree, const QfPatch *p, guint fuzz,
                    gboolean reverse)
{
    QfApplyOptions opts = { .fuzz = fuzz, .reverse = reverse };
    g_autoptr(GError) error = NULL;
    g_autoptr(QfApplyResult) r = qf_apply_prepare(tree, p, &opts, &error);

    if (!r && (!error || error->domain != QF_ERROR || !error->message[0])) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(QfPatch) p =
        qf_patch_parse((const char *)data, size, "fuzz.patch", &error);
    const char *tree = getenv("QF_FUZZ_TREE");

    if (!p) {
        if (!error || !g_error_matches(error, QF_ERROR, QF_ERROR_PARSE)) {
            abort();
        }
        return 0;
    }
    check_patch(p);
    g_ptr_array_unref(qf_patch_paths(p));
    if (tree) {
        prepare(tree, p, 0, FALSE);
        prepare(tree, p, 2, FALSE);
        prepare(tree, p, 0, TRUE);
    }
    return 0;
}
