/*
 * qfork: binary search over the series, and the state a bisect keeps.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-bisect.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>

#include "qf-error.h"
#include "qf-state.h"

struct QfBisect {
    guint n_positions;
    QfVerdict *verdicts;        /* n_positions + 1, indexed by position */
};

/* ---- verdicts --------------------------------------------------------- */

const char *qf_verdict_name(QfVerdict verdict)
{
    switch (verdict) {
    case QF_VERDICT_UNTESTED:
        return "untested";
    case QF_VERDICT_GOOD:
        return "good";
    case QF_VERDICT_BAD:
        return "bad";
    case QF_VERDICT_SKIP:
        return "skip";
    }
    return "?";
}

gboolean qf_verdict_parse(const char *name, QfVerdict *verdict)
{
    static const QfVerdict all[] = {QF_VERDICT_GOOD, QF_VERDICT_BAD,
                                    QF_VERDICT_SKIP};

    for (gsize i = 0; i < G_N_ELEMENTS(all); i++) {
        if (g_strcmp0(name, qf_verdict_name(all[i])) == 0) {
            *verdict = all[i];
            return TRUE;
        }
    }
    return FALSE;
}

gboolean qf_verdict_from_exit(gboolean exited, int code, QfVerdict *verdict)
{
    if (!exited || code < 0 || code >= 128) {
        return FALSE;
    }
    *verdict = code == 0     ? QF_VERDICT_GOOD
               : code == 125 ? QF_VERDICT_SKIP
                             : QF_VERDICT_BAD;
    return TRUE;
}

/* ---- the search ------------------------------------------------------- */

QfBisect *qf_bisect_new(guint n_positions, guint good, guint bad,
                        GError **error)
{
    QfBisect *b;

    if (good >= bad || bad > n_positions) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "the good position (%u) must come before the bad one "
                    "(%u), which must be at most %u",
                    good, bad, n_positions);
        return NULL;
    }
    b = g_new0(QfBisect, 1);
    b->n_positions = n_positions;
    b->verdicts = g_new0(QfVerdict, n_positions + 1);
    b->verdicts[good] = QF_VERDICT_GOOD;
    b->verdicts[bad] = QF_VERDICT_BAD;
    return b;
}

void qf_bisect_free(QfBisect *bisect)
{
    if (bisect) {
        g_free(bisect->verdicts);
        g_free(bisect);
    }
}

guint qf_bisect_bad(const QfBisect *bisect)
{
    for (guint p = 0; p <= bisect->n_positions; p++) {
        if (bisect->verdicts[p] == QF_VERDICT_BAD) {
            return p;
        }
    }
    g_assert_not_reached();     /* qf_bisect_new() marks one */
}

guint qf_bisect_good(const QfBisect *bisect)
{
    for (guint p = qf_bisect_bad(bisect); p > 0; p--) {
        if (bisect->verdicts[p - 1] == QF_VERDICT_GOOD) {
            return p - 1;
        }
    }
    g_assert_not_reached();     /* qf_bisect_record() keeps one below bad */
}

QfVerdict qf_bisect_verdict(const QfBisect *bisect, guint position)
{
    return position <= bisect->n_positions ? bisect->verdicts[position]
                                           : QF_VERDICT_UNTESTED;
}

/* Untested positions strictly between good and bad, ascending. */
static GArray *testable(const QfBisect *bisect)
{
    GArray *t = g_array_new(FALSE, FALSE, sizeof(guint));
    guint bad = qf_bisect_bad(bisect);

    for (guint p = qf_bisect_good(bisect) + 1; p < bad; p++) {
        if (bisect->verdicts[p] == QF_VERDICT_UNTESTED) {
            g_array_append_val(t, p);
        }
    }
    return t;
}

gboolean qf_bisect_next(const QfBisect *bisect, guint *position)
{
    g_autoptr(GArray) t = testable(bisect);

    if (t->len == 0) {
        return FALSE;
    }
    /*
     * m testable positions leave m + 1 possible answers (each of them, or
     * bad).  Testing the k-th (1-based) leaves k answers if it is bad and
     * m + 1 - k if it is good; k = floor((m + 1) / 2) keeps the larger
     * of the two at ceil((m + 1) / 2), which gives the log2 bound.
     */
    *position = g_array_index(t, guint, (t->len + 1) / 2 - 1);
    return TRUE;
}

gboolean qf_bisect_record(QfBisect *bisect, guint position, QfVerdict verdict,
                          GError **error)
{
    guint good = qf_bisect_good(bisect), bad = qf_bisect_bad(bisect);

    if (verdict == QF_VERDICT_UNTESTED) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "position %u: no verdict to record", position);
        return FALSE;
    }
    if (position <= good || position >= bad) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "position %u is not between the good position %u and "
                    "the bad position %u", position, good, bad);
        return FALSE;
    }
    if (bisect->verdicts[position] != QF_VERDICT_UNTESTED) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "position %u already has a verdict (%s)", position,
                    qf_verdict_name(bisect->verdicts[position]));
        return FALSE;
    }
    bisect->verdicts[position] = verdict;
    return TRUE;
}

GArray *qf_bisect_candidates(const QfBisect *bisect)
{
    GArray *c = g_array_new(FALSE, FALSE, sizeof(guint));
    guint bad = qf_bisect_bad(bisect);

    for (guint p = qf_bisect_good(bisect) + 1; p <= bad; p++) {
        if (p == bad || bisect->verdicts[p] == QF_VERDICT_UNTESTED ||
            bisect->verdicts[p] == QF_VERDICT_SKIP) {
            g_array_append_val(c, p);
        }
    }
    return c;
}

guint qf_bisect_build_bound(guint n_candidates)
{
    guint bound = 0;

    while (n_candidates > 1) {
        n_candidates = (n_candidates + 1) / 2;
        bound++;
    }
    return bound;
}

/* ---- state ------------------------------------------------------------ */

#define STATE_FILE "state"
#define GROUP "bisect"
#define VERDICTS "verdicts"
#define STATE_VERSION 1

QfBisectState *qf_bisect_state_new(void)
{
    QfBisectState *s = g_new0(QfBisectState, 1);

    s->tested = g_ptr_array_new_with_free_func(g_free);
    s->verdicts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                        NULL);
    return s;
}

void qf_bisect_state_free(QfBisectState *state)
{
    if (!state) {
        return;
    }
    g_free(state->good);
    g_free(state->bad);
    g_free(state->start_head);
    g_free(state->start_top);
    g_free(state->build);
    g_strfreev(state->test);
    g_free(state->started);
    g_ptr_array_unref(state->tested);
    g_hash_table_unref(state->verdicts);
    g_free(state);
}

void qf_bisect_state_set(QfBisectState *state, const char *entry,
                         QfVerdict verdict)
{
    if (!g_hash_table_contains(state->verdicts, entry)) {
        g_ptr_array_add(state->tested, g_strdup(entry));
    }
    g_hash_table_insert(state->verdicts, g_strdup(entry),
                        GINT_TO_POINTER(verdict));
}

QfVerdict qf_bisect_state_get(const QfBisectState *state, const char *entry)
{
    return GPOINTER_TO_INT(g_hash_table_lookup(state->verdicts, entry));
}

char *qf_bisect_dir(const char *state_dir)
{
    return g_build_filename(state_dir, QF_BISECT_DIR, NULL);
}

static void set_optional(GKeyFile *kf, const char *key, const char *value)
{
    if (value) {
        g_key_file_set_string(kf, GROUP, key, value);
    }
}

gboolean qf_bisect_state_save(const char *state_dir,
                              const QfBisectState *state, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *dir = qf_bisect_dir(state_dir);
    g_autofree char *path = g_build_filename(dir, STATE_FILE, NULL);
    g_autofree char *data = NULL;
    gsize len;

    g_key_file_set_integer(kf, GROUP, "version", STATE_VERSION);
    set_optional(kf, "good", state->good);
    set_optional(kf, "bad", state->bad);
    set_optional(kf, "start-head", state->start_head);
    set_optional(kf, "start-top", state->start_top);
    g_key_file_set_uint64(kf, GROUP, "start-applied", state->start_applied);
    set_optional(kf, "build", state->build);
    g_key_file_set_boolean(kf, GROUP, "build-failure-is-bad",
                           state->build_failure_is_bad);
    if (state->test) {
        g_key_file_set_string_list(kf, GROUP, "test",
                                   (const char *const *)state->test,
                                   g_strv_length(state->test));
    }
    set_optional(kf, "started", state->started);
    for (guint i = 0; i < state->tested->len; i++) {
        const char *entry = g_ptr_array_index(state->tested, i);
        g_key_file_set_string(
            kf, VERDICTS, entry,
            qf_verdict_name(qf_bisect_state_get(state, entry)));
    }
    data = g_key_file_to_data(kf, &len, NULL);
    if (!qf_state_make_dir(dir, error)) {
        return FALSE;
    }
    /* g_file_set_contents() writes a temporary, fsyncs it and renames. */
    return g_file_set_contents(path, data, len, error);
}

static gboolean load_verdicts(GKeyFile *kf, const char *path,
                              QfBisectState *s, GError **error)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, VERDICTS, NULL, NULL);

    for (gsize i = 0; keys && keys[i]; i++) {
        g_autofree char *v = g_key_file_get_string(kf, VERDICTS, keys[i],
                                                   NULL);
        QfVerdict verdict;

        if (!qf_verdict_parse(v, &verdict)) {
            g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                        "%s: entry %s has no valid verdict ('%s'); remove "
                        "the file to forget this bisect", path, keys[i],
                        v ? v : "");
            return FALSE;
        }
        qf_bisect_state_set(s, keys[i], verdict);
    }
    return TRUE;
}

QfBisectState *qf_bisect_state_load(const char *state_dir, GError **error)
{
    g_autofree char *dir = qf_bisect_dir(state_dir);
    g_autofree char *path = g_build_filename(dir, STATE_FILE, NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(QfBisectState) s = NULL;
    g_autoptr(GError) local = NULL;

    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        return NULL;
    }
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local) ||
        g_key_file_get_integer(kf, GROUP, "version", NULL) != STATE_VERSION) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "%s: not a bisect state file%s%s; remove it to forget "
                    "this bisect", path, local ? ": " : "",
                    local ? local->message : "");
        return NULL;
    }
    s = qf_bisect_state_new();
    s->good = g_key_file_get_string(kf, GROUP, "good", NULL);
    s->bad = g_key_file_get_string(kf, GROUP, "bad", NULL);
    s->start_head = g_key_file_get_string(kf, GROUP, "start-head", NULL);
    s->start_top = g_key_file_get_string(kf, GROUP, "start-top", NULL);
    s->start_applied = g_key_file_get_uint64(kf, GROUP, "start-applied",
                                             NULL);
    s->build = g_key_file_get_string(kf, GROUP, "build", NULL);
    s->build_failure_is_bad =
        g_key_file_get_boolean(kf, GROUP, "build-failure-is-bad", NULL);
    s->test = g_key_file_get_string_list(kf, GROUP, "test", NULL, NULL);
    s->started = g_key_file_get_string(kf, GROUP, "started", NULL);
    if (!s->good || !s->bad || !s->start_head || !s->test || !*s->test) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "%s: incomplete bisect state (good, bad, start-head and "
                    "test are needed); remove it to forget this bisect",
                    path);
        return NULL;
    }
    if (!load_verdicts(kf, path, s, error)) {
        return NULL;
    }
    return g_steal_pointer(&s);
}

gboolean qf_bisect_state_remove(const char *state_dir, GError **error)
{
    g_autofree char *dir = qf_bisect_dir(state_dir);
    g_autofree char *path = g_build_filename(dir, STATE_FILE, NULL);

    if (g_unlink(path) < 0 && errno != ENOENT) {
        int saved = errno;
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot remove %s: %s",
                    path, g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

gboolean qf_bisect_log(const char *state_dir, gboolean truncate,
                       GError **error, const char *format, ...)
{
    g_autofree char *dir = qf_bisect_dir(state_dir);
    g_autofree char *path = g_build_filename(dir, QF_BISECT_LOG, NULL);
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%F %T");
    g_autofree char *line = NULL;
    va_list ap;
    FILE *f;
    int failed;

    va_start(ap, format);
    line = g_strdup_vprintf(format, ap);
    va_end(ap);
    if (!qf_state_make_dir(dir, error)) {
        return FALSE;
    }
    f = fopen(path, truncate ? "w" : "a");
    if (!f) {
        int saved = errno;
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot write %s: %s",
                    path, g_strerror(saved));
        return FALSE;
    }
    fprintf(f, "%s %s\n", stamp, line);
    failed = ferror(f);
    failed |= fclose(f) != 0;
    if (failed) {
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot write %s", path);
        return FALSE;
    }
    return TRUE;
}
