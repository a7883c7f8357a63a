/*
 * qfork: binary search over the series for the entry that broke something.
 *
 * A position is a number of pushable entries applied: 0 is the base,
 * p means the first p pushable entries are pushed ("in base" upstream rows
 * are not positions, their code is in the base commit).  The search knows
 * one good position and one bad one above it; the first bad entry is in
 * (good, bad].  Each step tests a position between them and narrows that
 * interval.  A skipped position (untestable, e.g. it does not build)
 * stays a candidate: when only skipped positions are left between the
 * last good and the first bad one, the answer is a set.
 *
 * Build bound: with N = bad - good candidate entries, the search needs at
 * most ceil(log2(N)) builds, plus one per skip (qf_bisect_build_bound();
 * that is within the ceil(log2(N + 1)) the fork promises).  It holds
 * because every test picks the median of the testable positions, so
 * each verdict halves the number of possible answers, and a skip only
 * ever removes one.
 *
 * QfBisectState is what a run keeps in <tree>/.git/qfork/bisect/ so that
 * `qfork bisect --resume` continues after an interruption (even
 * SIGKILL: every verdict is written before the next step starts) and
 * `--reset` finds the starting position again.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_BISECT_H
#define QF_BISECT_H

#include <glib.h>

typedef enum {
    QF_VERDICT_UNTESTED,
    QF_VERDICT_GOOD,
    QF_VERDICT_BAD,
    QF_VERDICT_SKIP,
} QfVerdict;

const char *qf_verdict_name(QfVerdict verdict);
/* "good", "bad", "skip"; FALSE for anything else. */
gboolean qf_verdict_parse(const char *name, QfVerdict *verdict);

/*
 * The verdict for a test command's end, as `git bisect run` reads it:
 * exit 0 good, 125 skip, 1-124 and 126-127 bad.  Anything else (exit
 * 128-255, killed by a signal) means "stop the bisect": returns FALSE.
 */
gboolean qf_verdict_from_exit(gboolean exited, int code, QfVerdict *verdict);

typedef struct QfBisect QfBisect;

/*
 * A search over positions 0..@n_positions between @good and @bad.
 * Fails unless good < bad <= n_positions.
 */
QfBisect *qf_bisect_new(guint n_positions, guint good, guint bad,
                        GError **error);
void qf_bisect_free(QfBisect *bisect);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfBisect, qf_bisect_free)

/* The highest position known good below qf_bisect_bad(). */
guint qf_bisect_good(const QfBisect *bisect);
/* The lowest position known bad. */
guint qf_bisect_bad(const QfBisect *bisect);
QfVerdict qf_bisect_verdict(const QfBisect *bisect, guint position);

/*
 * The position to test next: the median of the untested positions
 * strictly between good and bad.  FALSE when there is none left (the
 * search is over: see qf_bisect_candidates()).
 */
gboolean qf_bisect_next(const QfBisect *bisect, guint *position);

/*
 * Record @verdict (not UNTESTED) for @position, which must be untested
 * and strictly between good and bad.
 */
gboolean qf_bisect_record(QfBisect *bisect, guint position, QfVerdict verdict,
                          GError **error);

/*
 * Where the first bad entry can still be, ascending: every position in
 * (good, bad] not known good or bad, and bad itself.  Once the search is
 * over it is one position, or skipped ones followed by bad.
 */
GArray *qf_bisect_candidates(const QfBisect *bisect);

/* ceil(log2(n_candidates)): builds needed for that many, without skips. */
guint qf_bisect_build_bound(guint n_candidates);

/* ---- state kept between runs ------------------------------------------ */

#define QF_BISECT_DIR "bisect"          /* below the tree's state dir */
#define QF_BISECT_LOG "log"

typedef struct QfBisectState {
    /* Entry names; "good" may be QF_BISECT_BASE_NAME for the base. */
    char *good;
    char *bad;
    /* Where the tree was when the bisect started, for --reset. */
    char *start_head;           /* commit id */
    char *start_top;            /* top entry, NULL at the base */
    guint start_applied;        /* pushable entries applied */
    char *build;                /* shell command run in the tree, or NULL */
    gboolean build_failure_is_bad;
    GStrv test;                 /* the test command's argv */
    char *started;              /* ISO 8601 time of the start */
    /* Entry name -> QfVerdict (as GINT_TO_POINTER), in test order. */
    GPtrArray *tested;          /* char* entry names, in test order */
    GHashTable *verdicts;
} QfBisectState;

#define QF_BISECT_BASE_NAME "base"

QfBisectState *qf_bisect_state_new(void);
void qf_bisect_state_free(QfBisectState *state);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfBisectState, qf_bisect_state_free)

/* Note (or replace) the verdict of @entry. */
void qf_bisect_state_set(QfBisectState *state, const char *entry,
                         QfVerdict verdict);
QfVerdict qf_bisect_state_get(const QfBisectState *state, const char *entry);

/* <state_dir>/bisect, where the state file and the log live. */
char *qf_bisect_dir(const char *state_dir);

/* Write the state file atomically (a reader sees old or new, whole). */
gboolean qf_bisect_state_save(const char *state_dir,
                              const QfBisectState *state, GError **error);
/*
 * The saved state; NULL without setting @error when no bisect is in
 * progress.  A damaged file is an error naming it.
 */
QfBisectState *qf_bisect_state_load(const char *state_dir, GError **error);
/* End the bisect: remove the state file (the log stays for reading). */
gboolean qf_bisect_state_remove(const char *state_dir, GError **error);

/*
 * Append one line to the log, prefixed with the time.  @truncate starts
 * a new log.  Failures to log are reported but do not stop a bisect.
 */
gboolean qf_bisect_log(const char *state_dir, gboolean truncate,
                       GError **error, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

#endif
