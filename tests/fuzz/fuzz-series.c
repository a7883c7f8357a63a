/*
 * libFuzzer target for the series.conf parser.
 *
 * Besides crashes and leaks (the sanitizers' job) it checks what callers
 * rely on: qf_series_parse() and qf_series_parse_all() agree, every error
 * is "FILE:LINE: message", and a parsed series is consistent (positions,
 * table rows, unique names that qf_series_find() resolves, valid
 * releases).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-series.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_PATH "fuzz.conf"

static void check(gboolean ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "invariant broken: %s\n", what);
        abort();
    }
}

static void check_release(const char *release)
{
    int cmp;

    check(!release || qf_release_compare(release, release, &cmp, NULL),
          "a parsed release compares");
}

static void check_errors(const GPtrArray *errors, const GError *first)
{
    check(errors->len > 0, "a failed parse reports an error");
    check(first && strcmp(first->message,
                          g_ptr_array_index(errors, 0)) == 0,
          "qf_series_parse() reports the first error");
    for (guint i = 0; i < errors->len; i++) {
        const char *e = g_ptr_array_index(errors, i);
        const char *line = e + strlen(FUZZ_PATH ":");

        check(g_str_has_prefix(e, FUZZ_PATH ":") && g_ascii_isdigit(*line),
              "errors start with FILE:LINE:");
    }
}

static void check_series(const QfSeries *s)
{
    guint table_row = 0;

    check(s->base_version != NULL, "a series has a base");
    for (guint i = 0; i < s->entries->len; i++) {
        const QfEntry *e = g_ptr_array_index(s->entries, i);
        g_autofree char *pos = g_strdup_printf("%u", e->position);

        check(e->position == i + 1, "positions count from 1");
        check(e->table_row == (e->kind == QF_ENTRY_DOWNSTREAM
                               ? 0 : ++table_row), "table rows count");
        check(e->subject || e->kind == QF_ENTRY_DOWNSTREAM,
              "table rows have a subject");
        check(e->patch || e->kind == QF_ENTRY_UPSTREAM,
              "sauce and downstream entries have a patch");
        check(qf_series_find(s, e->name, NULL) == e, "find by name");
        if (i < 99999) {
            check(qf_series_find(s, pos, NULL) == e, "find by position");
        }
        check_release(e->min_release);
        check_release(e->first_release);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(QfSeries) all = qf_series_parse_all((const char *)data, size,
                                                  FUZZ_PATH, errors);
    g_autoptr(QfSeries) first = qf_series_parse((const char *)data, size,
                                                FUZZ_PATH, &error);

    check(!all == !first, "both parsers agree");
    if (all) {
        check(errors->len == 0 && !error, "success reports no error");
        check_series(all);
    } else {
        check_errors(errors, error);
    }
    return 0;
}
