/*
 * qfork: the bisect driver - find the series entry that broke something.
 *
 * Binary search over series positions (qf-bisect.h): the tree moves
 * between positions with pop and push, never a fresh extraction, so the
 * build at each step is incremental; then the build command and the test
 * command run in the tree.  Every verdict is saved before the next step
 * so that --resume continues after any interruption.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-bisect-run.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>

#include "qf-bisect.h"
#include "qf-error.h"
#include "qf-tree.h"

/* Lines of a failed build's or an aborting test's output to show. */
#define TAIL_LINES 15
/* At most this many lines of a test's output go into the log. */
#define LOG_TEST_LINES 200

typedef struct BisectRun {
    const QfBisectRunOptions *o;
    QfQueue *q; /* the caller's */
    QfBisectState *state;
    QfBisect *search;
    const char *state_dir; /* the tree's .git/qfork */
    char *bisect_dir;      /* .git/qfork/bisect */
    gboolean verbose;
    guint steps;  /* positions tested, earlier runs included */
    guint builds; /* this run's builds, failed ones included */
    guint skips;
    double build_seconds; /* this run's successful builds */
    double build_cpu_seconds;
    gint64 start_us;
} BisectRun;

static void bisect_run_clear(BisectRun *r)
{
    g_clear_pointer(&r->state, qf_bisect_state_free);
    g_clear_pointer(&r->search, qf_bisect_free);
    g_clear_pointer(&r->bisect_dir, g_free);
}

/* Progress for the person watching, when the caller wants it. */
static void out(BisectRun *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void out(BisectRun *r, const char *fmt, ...)
{
    g_autofree char *text = NULL;
    va_list ap;

    if (!r->o->print) {
        return;
    }
    va_start(ap, fmt);
    text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    r->o->print(r->o->print_data, text);
}

static int interrupted(const BisectRun *r)
{
    return r->o->interrupted ? r->o->interrupted() : 0;
}

/* Failing to log is worth a warning, never a reason to stop. */
#define LOG(r, ...)                                                            \
    do {                                                                       \
        g_autoptr(GError) log_err_ = NULL;                                     \
        if (!qf_bisect_log((r)->state_dir, FALSE, &log_err_, __VA_ARGS__) &&   \
            (r)->o->warn) {                                                    \
            (r)->o->warn((r)->o->print_data, log_err_->message);               \
        }                                                                      \
    } while (0)

static double seconds_since(gint64 start_us)
{
    return (g_get_monotonic_time() - start_us) / 1e6;
}

/* ---- positions and entries -------------------------------------------- */

static const QfEntryStatus *at_position(const QfQueue *q, guint position)
{
    return position ? g_ptr_array_index(q->pushable, position - 1) : NULL;
}

static const char *position_name(const QfQueue *q, guint position)
{
    return position ? at_position(q, position)->entry->name
                    : QF_BISECT_BASE_NAME;
}

/* "#12 name" for an entry, "the base" for position 0. */
static char *describe_position(const QfQueue *q, guint position)
{
    const QfEntryStatus *s = at_position(q, position);

    return s ? g_strdup_printf("#%u %s", s->entry->position, s->entry->name)
             : g_strdup("the base");
}

static const QfEntryStatus *status_of(const QfQueue *q, const QfEntry *e)
{
    for (guint i = 0; i < q->all->len; i++) {
        const QfEntryStatus *s = g_ptr_array_index(q->all, i);
        if (s->entry == e) {
            return s;
        }
    }
    return NULL;
}

/*
 * The position @ref names: "base" (or 0) for the base, else an entry
 * that is not in base.  @what says which option it came from.
 */
static gboolean resolve_position(const QfQueue *q, const char *what,
                                 const char *ref, guint *position,
                                 GError **error)
{
    const QfEntry *e;
    const QfEntryStatus *s;

    if (g_str_equal(ref, QF_BISECT_BASE_NAME) || g_str_equal(ref, "0")) {
        *position = 0;
        return TRUE;
    }
    e = qf_series_find(q->series, ref, error);
    if (!e) {
        g_prefix_error(error, "%s %s: ", what, ref);
        return FALSE;
    }
    s = status_of(q, e);
    if (s->state == QF_STATE_IN_BASE) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "%s %s: #%u %s (%s) is in base (%s): it is not a bisect "
                    "position, its code is part of the base commit; say "
                    "'base' for the base itself",
                    what, ref, e->position, e->name,
                    e->subject ? e->subject : "", s->reason);
        return FALSE;
    }
    for (guint i = 0; i < q->pushable->len; i++) {
        if (g_ptr_array_index(q->pushable, i) == s) {
            *position = i + 1;
            return TRUE;
        }
    }
    g_assert_not_reached();
}

/* Every entry the search may push must have a patch. */
static gboolean check_range(const QfQueue *q, guint bad, GError **error)
{
    for (guint p = 1; p <= bad; p++) {
        const QfEntryStatus *s = at_position(q, p);
        if (s->state == QF_STATE_UNAVAILABLE) {
            g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                        "#%u %s cannot be pushed (%s), so positions from it "
                        "on cannot be built",
                        s->entry->position, s->entry->name, s->reason);
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- moving the tree -------------------------------------------------- */

static gboolean move_to(BisectRun *r, guint target, GError **error)
{
    QfQueue *q = r->q;
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    QfPushOptions opts = {0};

    if (!qf_tree_require_clean(q->tree, error)) {
        g_prefix_error(error, "the tree has changes of its own (did the "
                              "build or test command write outside build/?): ");
        return FALSE;
    }
    if (target < q->applied && !qf_queue_pop_to(q, target, error)) {
        return FALSE;
    }
    /* the index catches up once per step, before the build */
    qf_tree_defer_index(q->tree, TRUE);
    /* on an interrupt the caller stops and says so */
    while (q->applied < target && !interrupted(r)) {
        if (!qf_queue_push_next(q, &opts, notes, error)) {
            g_prefix_error(error, "cannot move the tree to %s: ",
                           position_name(q, target));
            qf_tree_flush(q->tree, NULL);
            return FALSE;
        }
    }
    if (!qf_tree_flush(q->tree, error)) {
        return FALSE;
    }
    for (guint i = 0; r->verbose && i < notes->len; i++) {
        out(r, "      %s\n", (char *)g_ptr_array_index(notes, i));
    }
    return TRUE;
}

/* ---- running the build and the test ----------------------------------- */

typedef struct CommandEnd {
    gboolean exited;
    int code; /* exit code, or the signal */
    double seconds;
    double cpu_seconds; /* user + system time of it and its children */
} CommandEnd;

/*
 * CPU time of the children waited for so far: on a shared machine it
 * says what a build cost better than the wall clock does.
 */
static double children_cpu_seconds(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_CHILDREN, &ru) < 0) {
        return 0;
    }
    return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static char *output_path(BisectRun *r, const char *name)
{
    return g_build_filename(r->bisect_dir, name, NULL);
}

/*
 * Run @argv in the tree with the bisect's environment; its output goes to
 * bisect/@out_name (or to ours with --verbose).
 */
static gboolean run_in_tree(BisectRun *r, const char *const *argv,
                            guint position, const char *out_name,
                            CommandEnd *end, GError **error)
{
    const char *tree = qf_tree_dir(r->q->tree);
    g_autoptr(GSubprocessLauncher) l = g_subprocess_launcher_new(
        r->verbose ? G_SUBPROCESS_FLAGS_NONE : G_SUBPROCESS_FLAGS_STDERR_MERGE);
    g_autoptr(GSubprocess) p = NULL;
    g_autofree char *out = output_path(r, out_name);
    g_autofree char *pos = g_strdup_printf("%u", position);
    g_autofree char *ccache_base = g_path_get_dirname(tree);
    gint64 start = g_get_monotonic_time();
    double cpu_start = children_cpu_seconds();

    g_subprocess_launcher_set_cwd(l, tree);
    if (!r->verbose) {
        /* GSubprocess appends to an existing file: start it afresh. */
        g_unlink(out);
        g_subprocess_launcher_set_stdout_file_path(l, out);
    }
    g_subprocess_launcher_setenv(l, "QFORK_BISECT_TREE", tree, TRUE);
    g_subprocess_launcher_setenv(l, "QFORK_BISECT_ENTRY",
                                 position_name(r->q, position), TRUE);
    g_subprocess_launcher_setenv(l, "QFORK_BISECT_POSITION", pos, TRUE);
    /* As scripts/build-qemu.sh: share ccache between checkouts. */
    g_subprocess_launcher_setenv(l, "CCACHE_BASEDIR", ccache_base, FALSE);
    g_subprocess_launcher_setenv(l, "CCACHE_NOHASHDIR", "1", FALSE);
    p = g_subprocess_launcher_spawnv(l, argv, error);
    if (!p) {
        g_prefix_error(error, "cannot run %s: ", argv[0]);
        return FALSE;
    }
    if (!g_subprocess_wait(p, NULL, error)) {
        return FALSE;
    }
    end->seconds = seconds_since(start);
    end->cpu_seconds = children_cpu_seconds() - cpu_start;
    end->exited = g_subprocess_get_if_exited(p);
    end->code = end->exited ? g_subprocess_get_exit_status(p)
                            : g_subprocess_get_term_sig(p);
    return TRUE;
}

static char *describe_end(const CommandEnd *end)
{
    return end->exited ? g_strdup_printf("exit %d", end->code)
                       : g_strdup_printf("killed by signal %d", end->code);
}

/* The last @n lines of bisect/@out_name, each prefixed with @indent. */
static char *output_tail(BisectRun *r, const char *out_name, guint n,
                         const char *indent)
{
    g_autofree char *path = output_path(r, out_name);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    GString *tail = g_string_new(NULL);
    guint len, first;

    if (r->verbose || !g_file_get_contents(path, &text, NULL, NULL)) {
        return g_string_free(tail, FALSE);
    }
    g_strchomp(text);
    lines = g_strsplit(text, "\n", -1);
    len = g_strv_length(lines);
    first = len > n ? len - n : 0;
    for (guint i = first; i < len && *text; i++) {
        g_string_append_printf(tail, "%s%s\n", indent, lines[i]);
    }
    return g_string_free(tail, FALSE);
}

static void log_output(BisectRun *r, const char *what, const char *out_name,
                       guint n)
{
    g_autofree char *tail = output_tail(r, out_name, n, "  | ");

    if (*tail) {
        g_strchomp(tail);
        LOG(r, "%s output (last %u lines at most):\n%s", what, n, tail);
    }
}

/*
 * Build the tree at @position.  Returns FALSE only when the build could
 * not be started; a failing build sets *@verdict (skip, or bad).
 */
static gboolean build_step(BisectRun *r, guint position, gboolean *built,
                           QfVerdict *verdict, GError **error)
{
    const char *argv[] = {"/bin/sh", "-c", r->state->build, NULL};
    g_autofree char *how = NULL;
    CommandEnd end;

    *built = TRUE;
    if (!r->state->build) {
        return TRUE;
    }
    r->builds++;
    if (!run_in_tree(r, argv, position, "build.out", &end, error)) {
        return FALSE;
    }
    how = describe_end(&end);
    if (end.exited && end.code == 0) {
        out(r, "build %.1fs, ", end.seconds);
        LOG(r, "  build ok in %.1fs (cpu %.1fs)", end.seconds, end.cpu_seconds);
        r->build_seconds += end.seconds;
        r->build_cpu_seconds += end.cpu_seconds;
        return TRUE;
    }
    *built = FALSE;
    *verdict =
        r->state->build_failure_is_bad ? QF_VERDICT_BAD : QF_VERDICT_SKIP;
    out(r, "build FAILED (%s) in %.1fs", how, end.seconds);
    LOG(r, "  build failed (%s) in %.1fs", how, end.seconds);
    out(r, ": %s", qf_verdict_name(*verdict));
    log_output(r, "build", "build.out", TAIL_LINES);
    return TRUE;
}

/*
 * Run the test at @position.  FALSE with an error when it cannot run or
 * its exit status says to stop the bisect.
 */
static gboolean test_step(BisectRun *r, guint position, QfVerdict *verdict,
                          GError **error)
{
    g_autofree char *how = NULL;
    CommandEnd end;

    if (!run_in_tree(r, (const char *const *)r->state->test, position,
                     "test.out", &end, error)) {
        return FALSE;
    }
    how = describe_end(&end);
    log_output(r, "test", "test.out", LOG_TEST_LINES);
    if (!qf_verdict_from_exit(end.exited, end.code, verdict)) {
        g_autofree char *tail =
            output_tail(r, "test.out", TAIL_LINES, "    | ");
        LOG(r, "  test %s: abort", how);
        out(r, "test %s\n", how);
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "the test command %s at %s: the bisect stops (exit 0 "
                    "is good, 125 skip, 1-127 bad, anything else aborts, "
                    "as with git bisect run).  Fix the test, then `qfork "
                    "bisect --resume` tests this position again.%s%s",
                    how, position_name(r->q, position),
                    *tail ? "\n  Its output ends with:\n" : "", tail);
        return FALSE;
    }
    out(r, "test %s", how);
    LOG(r, "  test %s in %.1fs", how, end.seconds);
    return TRUE;
}

/* ---- the search loop -------------------------------------------------- */

static void print_left(BisectRun *r)
{
    g_autoptr(GArray) c = qf_bisect_candidates(r->search);

    out(r, "; %u candidate%s left\n", c->len, c->len == 1 ? "" : "s");
}

static gboolean record(BisectRun *r, guint position, QfVerdict verdict,
                       GError **error)
{
    if (!qf_bisect_record(r->search, position, verdict, error)) {
        return FALSE;
    }
    r->skips += verdict == QF_VERDICT_SKIP;
    qf_bisect_state_set(r->state, position_name(r->q, position), verdict);
    LOG(r, "  verdict: %s", qf_verdict_name(verdict));
    return qf_bisect_state_save(r->state_dir, r->state, error);
}

static gboolean step(BisectRun *r, guint position, GError **error)
{
    g_autofree char *where = describe_position(r->q, position);
    const QfEntryStatus *s = at_position(r->q, position);
    guint from = r->q->applied;
    gint64 start = g_get_monotonic_time();
    QfVerdict verdict = QF_VERDICT_UNTESTED;
    gboolean built;

    out(r, "[%u] %s: ", ++r->steps, where);
    LOG(r, "step: %s (%s), moving from position %u to %u", where,
        s->entry->subject ? s->entry->subject : "", from, position);
    if (!move_to(r, position, error)) {
        out(r, "\n");
        return FALSE;
    }
    if (interrupted(r)) {
        return TRUE;
    }
    out(r, "%s %u in %.1fs, ", position < from ? "pop" : "push",
        position < from ? from - position : position - from,
        seconds_since(start));
    if (r->verbose) {
        out(r, "\n");
    }
    if (!build_step(r, position, &built, &verdict, error)) {
        return FALSE;
    }
    if (built) {
        if (interrupted(r)) {
            return TRUE;
        }
        if (!test_step(r, position, &verdict, error)) {
            return FALSE;
        }
        out(r, ": %s", qf_verdict_name(verdict));
    }
    if (interrupted(r)) {
        return TRUE; /* the verdict may come from a killed child */
    }
    if (!record(r, position, verdict, error)) {
        return FALSE;
    }
    print_left(r);
    if (!built) {
        g_autofree char *tail = output_tail(r, "build.out", 5, "    | ");
        out(r, "%s", tail);
    }
    return TRUE;
}

/* ---- the result ------------------------------------------------------- */

static void print_entry_metadata(BisectRun *r, const QfEntry *e)
{
    g_autofree char *patch = NULL;

    out(r, "  subject:  %s\n", e->subject ? e->subject : "");
    switch (e->kind) {
    case QF_ENTRY_UPSTREAM:
        out(r, "  upstream: commit %s (table row %u)\n",
            e->full_sha ? e->full_sha : e->sha12, e->table_row);
        break;
    case QF_ENTRY_SAUCE:
        out(r, "  SAUCE:    table row %u, %s%s%s\n", e->table_row, e->sha12,
            e->impact ? ": " : "", e->impact ? e->impact : "");
        break;
    case QF_ENTRY_DOWNSTREAM:
        out(r, "  downstream entry (not a table row)%s%s\n",
            e->reason ? ": " : "", e->reason ? e->reason : "");
        break;
    }
    if (e->section) {
        out(r, "  section:  %s\n", e->section);
    }
    if (e->patch) {
        patch = qf_entry_patch_path(r->q->series, e);
        out(r, "  patch:    %s\n", patch);
    }
}

static int report(BisectRun *r)
{
    g_autoptr(GArray) c = qf_bisect_candidates(r->search);
    double secs = seconds_since(r->start_us);

    out(r, "\n");
    if (c->len == 1) {
        guint p = g_array_index(c, guint, 0);
        const QfEntry *e = at_position(r->q, p)->entry;
        out(r, "First bad entry: #%u %s\n", e->position, e->name);
        print_entry_metadata(r, e);
        LOG(r, "result: first bad entry #%u %s (%s)", e->position, e->name,
            e->subject ? e->subject : "");
    } else {
        out(r,
            "The first bad entry is one of these %u (skipped "
            "positions leave it ambiguous):\n",
            c->len);
        LOG(r, "result: ambiguous, %u candidates", c->len);
        for (guint i = 0; i < c->len; i++) {
            guint p = g_array_index(c, guint, i);
            const QfEntry *e = at_position(r->q, p)->entry;
            out(r, "  #%u %s [%s]: %s\n", e->position, e->name,
                qf_verdict_name(qf_bisect_verdict(r->search, p)),
                e->subject ? e->subject : "");
            LOG(r, "  candidate #%u %s (%s)", e->position, e->name,
                qf_verdict_name(qf_bisect_verdict(r->search, p)));
        }
    }
    out(r,
        "\n%u build%s (%u skipped) in %.1fs this run; log: "
        "%s/" QF_BISECT_LOG "\n",
        r->builds, r->builds == 1 ? "" : "s", r->skips, secs, r->bisect_dir);
    out(r,
        "The tree is at %s; `qfork bisect --reset` puts it "
        "back at %s.\n",
        position_name(r->q, r->q->applied),
        r->state->start_top ? r->state->start_top : "the base");
    LOG(r,
        "%u builds (%u skipped) in %.1fs; successful builds took "
        "%.1fs (cpu %.1fs)",
        r->builds, r->skips, secs, r->build_seconds, r->build_cpu_seconds);
    return c->len == 1 ? QF_EXIT_OK : QF_EXIT_AMBIGUOUS;
}

static int search_loop(BisectRun *r, GError **error)
{
    guint position;
    while (qf_bisect_next(r->search, &position)) {
        if (!step(r, position, error)) {
            LOG(r, "stopped: %s", (*error)->message);
            return QF_EXIT_ERROR;
        }
        if (interrupted(r)) {
            out(r, "\n");
            LOG(r, "interrupted by signal %d", interrupted(r));
            g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                        "interrupted (signal %d) at %s; every verdict so far "
                        "is saved: `qfork bisect --resume` continues",
                        interrupted(r), position_name(r->q, position));
            return QF_EXIT_ERROR;
        }
    }
    return report(r);
}

/* ---- setting up: start, resume ---------------------------------------- */

static gboolean open_queue(BisectRun *r, GError **error)
{
    if (r->q->mismatch) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "the tree does not follow the series: %s", r->q->mismatch);
        return FALSE;
    }
    r->state_dir = qf_tree_state_dir(r->q->tree);
    r->bisect_dir = qf_bisect_dir(r->state_dir);
    return TRUE;
}

/* The default build: a configured QEMU tree's ninja step. */
static char *default_build(BisectRun *r, GError **error)
{
    g_autofree char *ninja =
        g_build_filename(qf_tree_dir(r->q->tree), "build", "build.ninja", NULL);
    const char *jobs = g_getenv("JOBS");

    if (!g_file_test(ninja, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "no build command: give --build CMD (run in the tree) "
                    "or --no-build; the default, a QEMU build with ninja, "
                    "needs %s (configure the tree first)",
                    ninja);
        return NULL;
    }
    return g_strdup_printf("ninja -C build -j%s qemu-system-aarch64",
                           jobs && *jobs ? jobs : "2");
}

/* The search from the state's good, bad and verdicts. */
static gboolean load_search(BisectRun *r, GError **error)
{
    QfBisectState *st = r->state;
    guint good, bad;

    if (!resolve_position(r->q, "good", st->good, &good, error) ||
        !resolve_position(r->q, "bad", st->bad, &bad, error)) {
        g_prefix_error(error, "the series changed since the bisect started "
                              "(`qfork bisect --reset` ends it): ");
        return FALSE;
    }
    r->search = qf_bisect_new(r->q->pushable->len, good, bad, error);
    if (!r->search) {
        return FALSE;
    }
    for (guint i = 0; i < st->tested->len; i++) {
        const char *name = g_ptr_array_index(st->tested, i);
        guint p;

        if (!resolve_position(r->q, "tested", name, &p, error) ||
            !qf_bisect_record(r->search, p, qf_bisect_state_get(st, name),
                              error)) {
            g_prefix_error(error, "the bisect state does not fit the series "
                                  "(`qfork bisect --reset` ends it): ");
            return FALSE;
        }
    }
    return TRUE;
}

/* @argv as one would type it: words with spaces or quotes are quoted. */
static char *shell_words(char **argv)
{
    GString *s = g_string_new(NULL);

    for (gsize i = 0; argv[i]; i++) {
        gboolean plain =
            *argv[i] &&
            strspn(argv[i], "abcdefghijklmnopqrstuvwxyz"
                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                            "0123456789-_./=:,+@%") == strlen(argv[i]);
        g_autofree char *quoted = plain ? NULL : g_shell_quote(argv[i]);

        g_string_append_printf(s, "%s%s", i ? " " : "",
                               plain ? argv[i] : quoted);
    }
    return g_string_free(s, FALSE);
}

static void announce(BisectRun *r, gboolean resumed)
{
    guint good = qf_bisect_good(r->search), bad = qf_bisect_bad(r->search);
    g_autofree char *from = describe_position(r->q, good);
    g_autofree char *to = describe_position(r->q, bad);
    g_autofree char *test = shell_words(r->state->test);
    g_autoptr(GArray) c = qf_bisect_candidates(r->search);
    guint n = bad - good;

    out(r,
        "%s %u entr%s after %s up to %s: at most %u build%s "
        "plus one per skip.\n",
        resumed ? "Resuming the search of" : "Searching", n,
        n == 1 ? "y" : "ies", from, to, qf_bisect_build_bound(c->len),
        qf_bisect_build_bound(c->len) == 1 ? "" : "s");
    out(r, "  build: %s\n  test:  %s\n  log:   %s/" QF_BISECT_LOG "\n",
        r->state->build ? r->state->build : "(none)", test, r->bisect_dir);
    LOG(r,
        "%s: good %s, bad %s (%u entries, %u candidates left); build: "
        "%s; test: %s",
        resumed ? "resume" : "start", from, to, n, c->len,
        r->state->build ? r->state->build : "(none)", test);
}

static int start_bisect(BisectRun *r, GError **error)
{
    const QfBisectRunOptions *o = r->o;
    g_autoptr(QfBisectState) old = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    QfBisectState *st;
    guint good, bad;

    if (!o->good || !o->bad || !o->test || !o->test[0]) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "give --good REF, --bad REF and the test command after "
                    "-- (see `qfork bisect --help`)");
        return QF_EXIT_ERROR;
    }
    if (!open_queue(r, error)) {
        return QF_EXIT_ERROR;
    }
    old = qf_bisect_state_load(r->state_dir, error);
    if (old || *error) {
        if (old) {
            g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                        "a bisect is in progress (started %s, good %s, bad "
                        "%s): `qfork bisect --resume` continues it, `qfork "
                        "bisect --reset` ends it",
                        old->started, old->good, old->bad);
        }
        return QF_EXIT_ERROR;
    }
    if (!resolve_position(r->q, "--good", o->good, &good, error) ||
        !resolve_position(r->q, "--bad", o->bad, &bad, error)) {
        return QF_EXIT_ERROR;
    }
    if (good >= bad) {
        g_autofree char *g = describe_position(r->q, good);
        g_autofree char *b = describe_position(r->q, bad);
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "--good %s (%s) must come before --bad %s (%s) in the "
                    "series",
                    o->good, g, o->bad, b);
        return QF_EXIT_ERROR;
    }
    if (!check_range(r->q, bad, error) ||
        !qf_tree_require_clean(r->q->tree, error)) {
        return QF_EXIT_ERROR;
    }
    r->search = qf_bisect_new(r->q->pushable->len, good, bad, error);
    if (!r->search) {
        return QF_EXIT_ERROR;
    }
    r->state = st = qf_bisect_state_new();
    st->good = g_strdup(position_name(r->q, good));
    st->bad = g_strdup(position_name(r->q, bad));
    st->start_head = qf_tree_head(r->q->tree, error);
    if (!st->start_head) {
        return QF_EXIT_ERROR;
    }
    st->start_applied = r->q->applied;
    st->start_top =
        r->q->applied ? g_strdup(position_name(r->q, r->q->applied)) : NULL;
    st->build = o->no_build ? NULL
                : o->build  ? g_strdup(o->build)
                            : default_build(r, error);
    if (!o->no_build && !st->build) {
        return QF_EXIT_ERROR;
    }
    st->build_failure_is_bad = o->build_failure_is_bad;
    st->test = g_strdupv(o->test);
    st->started = g_date_time_format_iso8601(now);
    if (!qf_bisect_log(r->state_dir, TRUE, error,
                       "qfork bisect, tree %s, "
                       "at %s",
                       qf_tree_dir(r->q->tree),
                       position_name(r->q, r->q->applied)) ||
        !qf_bisect_state_save(r->state_dir, st, error)) {
        return QF_EXIT_ERROR;
    }
    announce(r, FALSE);
    return search_loop(r, error);
}

static int resume_bisect(BisectRun *r, GError **error)
{
    if (!open_queue(r, error)) {
        return QF_EXIT_ERROR;
    }
    r->state = qf_bisect_state_load(r->state_dir, error);
    if (!r->state) {
        if (!*error) {
            g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                        "no bisect in progress in %s", qf_tree_dir(r->q->tree));
        }
        return qf_exit_code(*error);
    }
    if (!load_search(r, error)) {
        return QF_EXIT_ERROR;
    }
    r->steps = r->state->tested->len;
    announce(r, TRUE);
    return search_loop(r, error);
}

/* ---- reset ------------------------------------------------------------ */

static int reset_bisect(BisectRun *r, GError **error)
{
    QfBisectState *st;
    guint target;

    if (!open_queue(r, error)) {
        return QF_EXIT_ERROR;
    }
    r->state = st = qf_bisect_state_load(r->state_dir, error);
    if (!st) {
        if (!*error) {
            g_set_error(error, QF_ERROR, QF_ERROR_NOTHING,
                        "no bisect in progress in %s; nothing to reset",
                        qf_tree_dir(r->q->tree));
        }
        return qf_exit_code(*error);
    }
    target = st->start_applied;
    if (target > r->q->pushable->len ||
        g_strcmp0(target ? position_name(r->q, target) : NULL, st->start_top) !=
            0) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "the bisect started at %s (position %u), which the "
                    "series no longer has there; move the tree with qfork "
                    "push/pop and remove %s/state",
                    st->start_top ? st->start_top : "the base", target,
                    r->bisect_dir);
        return QF_EXIT_ERROR;
    }
    if (!move_to(r, target, error)) {
        return QF_EXIT_ERROR;
    }
    if (interrupted(r)) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "interrupted (signal %d); run --reset again",
                    interrupted(r));
        return QF_EXIT_ERROR;
    }
    LOG(r, "reset: tree back at %s", position_name(r->q, target));
    if (!qf_bisect_state_remove(r->state_dir, error)) {
        return QF_EXIT_ERROR;
    }
    out(r,
        "Bisect ended; the tree is back at %s, as before it "
        "started.\n",
        position_name(r->q, target));
    if (st->build) {
        out(r, "Its build is still that of the last position "
               "tested: rebuild before using it.\n");
    }
    return QF_EXIT_OK;
}

/* ---- the API ---------------------------------------------------------- */

typedef int (*Mode)(BisectRun *r, GError **error);

static int run_mode(Mode mode, QfQueue *q, const QfBisectRunOptions *o,
                    GError **error)
{
    BisectRun r = {.o = o,
                   .q = q,
                   .verbose = o->verbose,
                   .start_us = g_get_monotonic_time()};
    int rc = mode(&r, error);

    bisect_run_clear(&r);
    return rc;
}

int qf_bisect_run_start(QfQueue *q, const QfBisectRunOptions *o, GError **error)
{
    return run_mode(start_bisect, q, o, error);
}

int qf_bisect_run_resume(QfQueue *q, const QfBisectRunOptions *o,
                         GError **error)
{
    return run_mode(resume_bisect, q, o, error);
}

int qf_bisect_run_reset(QfQueue *q, const QfBisectRunOptions *o, GError **error)
{
    return run_mode(reset_bisect, q, o, error);
}
