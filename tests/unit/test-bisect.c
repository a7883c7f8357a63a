/*
 * Unit tests of the bisect search and its saved state (qf-bisect): the
 * search is run against simulated series where the first bad position is
 * known, for every size up to 64 and every first bad position, with and
 * without untestable (skipped) positions, counting the builds.  The
 * driver (qf-bisect-run) runs over a real series on a real git tree.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-test-fixture.h"

#include "qf-bisect-run.h"
#include "qf-bisect.h"
#include "qf-error.h"
#include "qf-tree.h"

/* ---- a simulated series ----------------------------------------------- */

typedef struct Simulation {
    guint first_bad;            /* positions >= this are bad */
    const gboolean *skipped;    /* untestable positions, or NULL */
    guint builds;               /* positions tested */
    guint skips;                /* of which untestable */
} Simulation;

static QfVerdict simulate_test(Simulation *sim, guint position)
{
    sim->builds++;
    if (sim->skipped && sim->skipped[position]) {
        sim->skips++;
        return QF_VERDICT_SKIP;
    }
    return position >= sim->first_bad ? QF_VERDICT_BAD : QF_VERDICT_GOOD;
}

/* Run the search to its end; returns the candidates. */
static GArray *run_search(QfBisect *b, Simulation *sim)
{
    guint p;

    while (qf_bisect_next(b, &p)) {
        g_autoptr(GError) error = NULL;

        g_assert_cmpuint(p, >, qf_bisect_good(b));
        g_assert_cmpuint(p, <, qf_bisect_bad(b));
        g_assert_true(qf_bisect_record(b, p, simulate_test(sim, p), &error));
        g_assert_no_error(error);
    }
    return qf_bisect_candidates(b);
}

/* The spec's bound, ceil(log2(n + 1)), computed the slow way. */
static guint ceil_log2_plus_one(guint n)
{
    guint bits = 0;

    while ((1u << bits) < n + 1) {
        bits++;
    }
    return bits;
}

/* ---- verdicts --------------------------------------------------------- */

static void test_exit_codes(void)
{
    QfVerdict v = QF_VERDICT_UNTESTED;

    g_assert_true(qf_verdict_from_exit(TRUE, 0, &v));
    g_assert_cmpint(v, ==, QF_VERDICT_GOOD);
    for (int code = 1; code <= 127; code++) {
        g_assert_true(qf_verdict_from_exit(TRUE, code, &v));
        g_assert_cmpint(v, ==, code == 125 ? QF_VERDICT_SKIP
                                           : QF_VERDICT_BAD);
    }
    for (int code = 128; code <= 255; code++) {
        g_assert_false(qf_verdict_from_exit(TRUE, code, &v));
    }
    g_assert_false(qf_verdict_from_exit(TRUE, -1, &v));
    /* Killed by a signal (here 9, 2): stop, whatever the number. */
    g_assert_false(qf_verdict_from_exit(FALSE, 9, &v));
    g_assert_false(qf_verdict_from_exit(FALSE, 2, &v));
}

static void test_verdict_names(void)
{
    QfVerdict v;

    g_assert_true(qf_verdict_parse("good", &v));
    g_assert_cmpint(v, ==, QF_VERDICT_GOOD);
    g_assert_true(qf_verdict_parse("bad", &v));
    g_assert_cmpint(v, ==, QF_VERDICT_BAD);
    g_assert_true(qf_verdict_parse("skip", &v));
    g_assert_cmpint(v, ==, QF_VERDICT_SKIP);
    g_assert_false(qf_verdict_parse("untested", &v));
    g_assert_false(qf_verdict_parse("Good", &v));
    g_assert_false(qf_verdict_parse(NULL, &v));
    g_assert_cmpstr(qf_verdict_name(QF_VERDICT_SKIP), ==, "skip");
}

/* ---- the search ------------------------------------------------------- */

static void test_new_refuses_bad_ranges(void)
{
    g_autoptr(GError) error = NULL;

    g_assert_null(qf_bisect_new(10, 5, 5, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_FAILED);
    g_clear_error(&error);
    g_assert_null(qf_bisect_new(10, 6, 5, &error));
    g_assert_nonnull(error);
    g_clear_error(&error);
    g_assert_null(qf_bisect_new(10, 0, 11, &error));
    g_assert_nonnull(strstr(error->message, "at most 10"));
}

static void test_build_bound(void)
{
    static const guint expect[][2] = {
        {0, 0}, {1, 0}, {2, 1}, {3, 2}, {4, 2}, {5, 3}, {8, 3}, {9, 4},
        {40, 6}, {60, 6}, {64, 6}, {65, 7}, {1000, 10},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(expect); i++) {
        g_assert_cmpuint(qf_bisect_build_bound(expect[i][0]), ==,
                         expect[i][1]);
        /* Never more than what the fork promises. */
        g_assert_cmpuint(qf_bisect_build_bound(expect[i][0]), <=,
                         ceil_log2_plus_one(expect[i][0]));
    }
}

/* Known midpoints: halves of 40 candidates after the base. */
static void test_midpoints(void)
{
    g_autoptr(QfBisect) b = qf_bisect_new(40, 0, 40, NULL);
    guint p;

    g_assert_true(qf_bisect_next(b, &p));
    g_assert_cmpuint(p, ==, 20);
    g_assert_true(qf_bisect_record(b, 20, QF_VERDICT_GOOD, NULL));
    g_assert_true(qf_bisect_next(b, &p));
    g_assert_cmpuint(p, ==, 30);
    g_assert_true(qf_bisect_record(b, 30, QF_VERDICT_BAD, NULL));
    g_assert_true(qf_bisect_next(b, &p));
    g_assert_cmpuint(p, ==, 25);
    g_assert_cmpuint(qf_bisect_good(b), ==, 20);
    g_assert_cmpuint(qf_bisect_bad(b), ==, 30);

    /* A skip at the midpoint: the median of what is left (21-24, 26-29). */
    g_assert_true(qf_bisect_record(b, 25, QF_VERDICT_SKIP, NULL));
    g_assert_true(qf_bisect_next(b, &p));
    g_assert_cmpuint(p, ==, 24);
}

/*
 * Every range of up to 64 positions, every first bad position, several
 * good positions: the search names it with at most ceil(log2(N)) builds.
 */
static void test_finds_every_position(void)
{
    for (guint n = 1; n <= 64; n++) {
        for (guint good = 0; good < n; good += MAX(1, n / 4)) {
            for (guint k = good + 1; k <= n; k++) {
                g_autoptr(QfBisect) b = qf_bisect_new(n, good, n, NULL);
                Simulation sim = {.first_bad = k};
                g_autoptr(GArray) c = run_search(b, &sim);

                g_assert_cmpuint(c->len, ==, 1);
                g_assert_cmpuint(g_array_index(c, guint, 0), ==, k);
                g_assert_cmpuint(sim.builds, <=,
                                 qf_bisect_build_bound(n - good));
                g_assert_cmpuint(sim.builds, <=,
                                 ceil_log2_plus_one(n - good));
            }
        }
    }
}

/* The bound is tight: some first bad position needs every build. */
static void test_bound_is_reached(void)
{
    for (guint n = 2; n <= 64; n++) {
        guint worst = 0;

        for (guint k = 1; k <= n; k++) {
            g_autoptr(QfBisect) b = qf_bisect_new(n, 0, n, NULL);
            Simulation sim = {.first_bad = k};
            g_autoptr(GArray) c = run_search(b, &sim);
            worst = MAX(worst, sim.builds);
        }
        g_assert_cmpuint(worst, ==, qf_bisect_build_bound(n));
    }
}

/*
 * With untestable positions: the answer is exactly the run of skipped
 * positions around the first bad one, up to the first testable bad
 * position ((last testable good, first testable bad]), with never more
 * than one build per skip over the bound.
 */
static void check_with_skips(guint n, guint k, const gboolean *skipped)
{
    g_autoptr(QfBisect) b = qf_bisect_new(n, 0, n, NULL);
    Simulation sim = {.first_bad = k, .skipped = skipped};
    g_autoptr(GArray) c = run_search(b, &sim);
    guint lo = k - 1, hi = k;

    while (lo > 0 && skipped[lo]) {
        lo--;
    }
    while (hi < n && skipped[hi]) {
        hi++;
    }
    g_assert_cmpuint(sim.builds, <=, qf_bisect_build_bound(n) + sim.skips);
    g_assert_cmpuint(c->len, ==, hi - lo);
    for (guint i = 0; i < c->len; i++) {
        g_assert_cmpuint(g_array_index(c, guint, i), ==, lo + 1 + i);
    }
    g_assert_cmpuint(qf_bisect_good(b), ==, lo);
    g_assert_cmpuint(qf_bisect_bad(b), ==, hi);
}

static void test_skips(void)
{
    g_autoptr(GRand) rand = g_rand_new_with_seed(20240301);

    for (guint n = 1; n <= 48; n++) {
        for (guint round = 0; round < 12; round++) {
            g_autofree gboolean *skipped = g_new0(gboolean, n + 1);
            /* From a few skips to most positions untestable. */
            guint percent = 10 + round * 7;

            for (guint p = 1; p < n; p++) {
                skipped[p] = g_rand_int_range(rand, 0, 100) < (int)percent;
            }
            for (guint k = 1; k <= n; k++) {
                check_with_skips(n, k, skipped);
            }
        }
    }
}

/* Every position between good and bad untestable: all are candidates. */
static void test_all_skipped(void)
{
    gboolean skipped[9] = {FALSE, TRUE, TRUE, TRUE, TRUE,
                           TRUE,  TRUE, TRUE, FALSE};
    g_autoptr(QfBisect) b = qf_bisect_new(8, 0, 8, NULL);
    Simulation sim = {.first_bad = 3, .skipped = skipped};
    g_autoptr(GArray) c = run_search(b, &sim);

    g_assert_cmpuint(c->len, ==, 8);
    g_assert_cmpuint(sim.builds, ==, 7);
    g_assert_cmpuint(sim.skips, ==, 7);
}

static void test_record_refuses(void)
{
    g_autoptr(QfBisect) b = qf_bisect_new(10, 2, 8, NULL);
    g_autoptr(GError) error = NULL;

    g_assert_false(qf_bisect_record(b, 2, QF_VERDICT_BAD, &error));
    g_assert_nonnull(strstr(error->message, "not between"));
    g_clear_error(&error);
    g_assert_false(qf_bisect_record(b, 9, QF_VERDICT_GOOD, &error));
    g_clear_error(&error);
    g_assert_false(qf_bisect_record(b, 5, QF_VERDICT_UNTESTED, &error));
    g_clear_error(&error);
    g_assert_true(qf_bisect_record(b, 5, QF_VERDICT_SKIP, &error));
    g_assert_false(qf_bisect_record(b, 5, QF_VERDICT_GOOD, &error));
    g_assert_nonnull(strstr(error->message, "already"));
    g_clear_error(&error);
    /* Narrowing makes positions outside the new range refused. */
    g_assert_true(qf_bisect_record(b, 6, QF_VERDICT_BAD, NULL));
    g_assert_false(qf_bisect_record(b, 7, QF_VERDICT_GOOD, &error));
    g_assert_cmpuint(qf_bisect_bad(b), ==, 6);
}

static void test_adjacent_good_bad(void)
{
    g_autoptr(QfBisect) b = qf_bisect_new(5, 3, 4, NULL);
    g_autoptr(GArray) c = qf_bisect_candidates(b);
    guint p;

    g_assert_false(qf_bisect_next(b, &p));
    g_assert_cmpuint(c->len, ==, 1);
    g_assert_cmpuint(g_array_index(c, guint, 0), ==, 4);
}

/* ---- saved state ------------------------------------------------------ */

typedef struct {
    char *dir;
} StateFixture;

static void state_set_up(StateFixture *f, gconstpointer data)
{
    (void)data;
    f->dir = g_dir_make_tmp("qf-test-bisect-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
}

static void state_tear_down(StateFixture *f, gconstpointer data)
{
    (void)data;
    fx_rm_rf(f->dir);
    g_free(f->dir);
}

static QfBisectState *sample_state(void)
{
    QfBisectState *s = qf_bisect_state_new();
    const char *test[] = {"sh", "-c", "grep -q 'a;b' out; exit $?", NULL};

    s->good = g_strdup(QF_BISECT_BASE_NAME);
    s->bad = g_strdup("src-change-40");
    s->start_head = g_strdup("0123456789abcdef0123456789abcdef01234567");
    s->start_top = g_strdup("src-change-12");
    s->start_applied = 12;
    s->build = g_strdup("make -j2 && echo \"built\"");
    s->build_failure_is_bad = TRUE;
    s->test = g_strdupv((char **)test);
    s->started = g_strdup("2024-03-01T12:00:00Z");
    qf_bisect_state_set(s, "src-change-20", QF_VERDICT_SKIP);
    qf_bisect_state_set(s, "src-change-19", QF_VERDICT_GOOD);
    qf_bisect_state_set(s, "src-change-30", QF_VERDICT_BAD);
    return s;
}

static void test_state_round_trip(StateFixture *f, gconstpointer data)
{
    g_autoptr(QfBisectState) s = sample_state();
    g_autoptr(QfBisectState) back = NULL;
    g_autoptr(GError) error = NULL;

    (void)data;
    g_assert_null(qf_bisect_state_load(f->dir, &error));
    g_assert_no_error(error);
    g_assert_true(qf_bisect_state_save(f->dir, s, &error));
    g_assert_no_error(error);
    back = qf_bisect_state_load(f->dir, &error);
    g_assert_no_error(error);
    g_assert_nonnull(back);
    g_assert_cmpstr(back->good, ==, "base");
    g_assert_cmpstr(back->bad, ==, "src-change-40");
    g_assert_cmpstr(back->start_head, ==, s->start_head);
    g_assert_cmpstr(back->start_top, ==, "src-change-12");
    g_assert_cmpuint(back->start_applied, ==, 12);
    g_assert_cmpstr(back->build, ==, s->build);
    g_assert_true(back->build_failure_is_bad);
    g_assert_cmpuint(g_strv_length(back->test), ==, 3);
    g_assert_cmpstr(back->test[2], ==, s->test[2]);
    g_assert_cmpuint(back->tested->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(back->tested, 0), ==, "src-change-20");
    g_assert_cmpstr(g_ptr_array_index(back->tested, 2), ==, "src-change-30");
    g_assert_cmpint(qf_bisect_state_get(back, "src-change-20"), ==,
                    QF_VERDICT_SKIP);
    g_assert_cmpint(qf_bisect_state_get(back, "src-change-30"), ==,
                    QF_VERDICT_BAD);
    g_assert_cmpint(qf_bisect_state_get(back, "src-change-1"), ==,
                    QF_VERDICT_UNTESTED);

    g_assert_true(qf_bisect_state_remove(f->dir, &error));
    g_assert_null(qf_bisect_state_load(f->dir, &error));
    g_assert_no_error(error);
    /* Removing twice is not an error. */
    g_assert_true(qf_bisect_state_remove(f->dir, &error));
}

/* A start at the base has no top entry and no build command. */
static void test_state_minimal(StateFixture *f, gconstpointer data)
{
    g_autoptr(QfBisectState) s = sample_state();
    g_autoptr(QfBisectState) back = NULL;

    (void)data;
    g_clear_pointer(&s->start_top, g_free);
    g_clear_pointer(&s->build, g_free);
    s->start_applied = 0;
    g_assert_true(qf_bisect_state_save(f->dir, s, NULL));
    back = qf_bisect_state_load(f->dir, NULL);
    g_assert_nonnull(back);
    g_assert_null(back->start_top);
    g_assert_null(back->build);
}

static void write_state_file(const char *dir, const char *text)
{
    g_autofree char *bdir = qf_bisect_dir(dir);
    g_autofree char *path = g_build_filename(bdir, "state", NULL);

    g_assert_cmpint(g_mkdir_with_parents(bdir, 0755), ==, 0);
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

static void test_state_damaged(StateFixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    (void)data;
    write_state_file(f->dir, "not a key file\n");
    g_assert_null(qf_bisect_state_load(f->dir, &error));
    g_assert_error(error, QF_ERROR, QF_ERROR_PARSE);
    g_assert_nonnull(strstr(error->message, "bisect/state"));
    g_clear_error(&error);

    write_state_file(f->dir, "[bisect]\nversion=1\ngood=base\n");
    g_assert_null(qf_bisect_state_load(f->dir, &error));
    g_assert_nonnull(strstr(error->message, "incomplete"));
    g_clear_error(&error);

    write_state_file(f->dir, "[bisect]\nversion=1\ngood=base\nbad=x\n"
                             "start-head=abc\ntest=true;\n"
                             "[verdicts]\nx1=maybe\n");
    g_assert_null(qf_bisect_state_load(f->dir, &error));
    g_assert_nonnull(strstr(error->message, "x1"));
    g_assert_nonnull(strstr(error->message, "maybe"));
}

static void test_log(StateFixture *f, gconstpointer data)
{
    g_autofree char *bdir = qf_bisect_dir(f->dir);
    g_autofree char *path = g_build_filename(bdir, QF_BISECT_LOG, NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;

    (void)data;
    g_assert_true(qf_bisect_log(f->dir, TRUE, &error, "first %d", 1));
    g_assert_true(qf_bisect_log(f->dir, FALSE, &error, "second"));
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, " first 1\n"));
    g_assert_nonnull(strstr(text, " second\n"));
    g_clear_pointer(&text, g_free);
    /* A new bisect starts a new log. */
    g_assert_true(qf_bisect_log(f->dir, TRUE, &error, "third"));
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    g_assert_null(strstr(text, "first"));
    g_assert_nonnull(strstr(text, " third\n"));
}

/* ---- the driver over a real tree -------------------------------------- */

#define DRIVER_ENTRIES 6

typedef struct {
    char *dir;    /* project: series.conf, patches/, qemu/ */
    char *tree;   /* dir/qemu */
    GString *out; /* what the driver printed */
    QfSeries *series;
} DriverFixture;

/*
 * DRIVER_ENTRIES downstream entries, made by git format-patch: entry i
 * adds the line "change i" to f.txt.
 */
static void driver_set_up(DriverFixture *f, gconstpointer data)
{
    g_autofree char *up = fx_git_init();
    g_autoptr(GString) conf = g_string_new("base 1.0\nsection S\n");
    g_autofree char *base = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) text = g_string_new("base\n");

    (void)data;
    fx_git_env();
    f->dir = fx_tmpdir();
    f->tree = g_build_filename(f->dir, "qemu", NULL);
    f->out = g_string_new(NULL);
    fx_write(up, "f.txt", text->str, -1);
    fx_git_commit_all(up, "base");
    for (int i = 1; i <= DRIVER_ENTRIES; i++) {
        g_autofree char *msg = g_strdup_printf("change %d", i);
        g_string_append_printf(text, "change %d\n", i);
        fx_write(up, "f.txt", text->str, -1);
        fx_git_commit_all(up, msg);
        g_string_append_printf(conf,
                               "downstream change-%d\n  subject change %d\n"
                               "  patch patches/%04d-change-%d.patch\n",
                               i, i, i, i);
    }
    {
        g_autofree char *pdir = g_build_filename(f->dir, "patches", NULL);
        g_free(fx_git(up, "format-patch", "-q", "-o", pdir, "HEAD~6"));
        g_free(fx_git(up, "checkout", "-q", "HEAD~6"));
        g_autofree char *prefix = g_strconcat("--prefix=", f->tree, "/", NULL);
        g_free(fx_git(up, "checkout-index", "-a", prefix));
    }
    g_string_append_c(conf, '\n');
    fx_write(f->dir, "series.conf", conf->str, -1);
    {
        g_autofree char *path = g_build_filename(f->dir, "series.conf", NULL);
        f->series = qf_series_load(path, &error);
        g_assert_no_error(error);
    }
    base = qf_tree_init(f->tree, "1.0", NULL, &error);
    g_assert_no_error(error);
    fx_rm_rf(up);
}

static void driver_tear_down(DriverFixture *f, gconstpointer data)
{
    (void)data;
    qf_series_free(f->series);
    fx_rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->tree);
    g_string_free(f->out, TRUE);
}

#define add_driver_test(path, test)                                            \
    g_test_add((path), DriverFixture, NULL, driver_set_up, (test),             \
               driver_tear_down)

static void collect(gpointer data, const char *text)
{
    g_string_append((GString *)data, text);
}

static int interrupt_now(void)
{
    return 15;
}

/* One driver call on a freshly opened tree, as one qfork command. */
typedef int (*DriverCall)(QfQueue *q, const QfBisectRunOptions *o,
                          GError **error);

static int drive(DriverFixture *f, DriverCall call, QfBisectRunOptions *o,
                 guint *applied, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(QfTree) tree = qf_tree_open(f->tree, &local);
    g_autoptr(QfQueue) q = NULL;
    int rc;

    g_assert_no_error(local);
    q = qf_queue_load(f->series, tree, &local);
    g_assert_no_error(local);
    o->print = collect;
    o->print_data = f->out;
    g_string_truncate(f->out, 0);
    rc = call(q, o, error);
    *applied = q->applied;
    return rc;
}

/* The test: bad from the position in $FIRST_BAD on, skip where $SKIP. */
static char **test_command(void)
{
    const char *argv[] = {
        "/bin/sh", "-c",
        "[ \"$QFORK_BISECT_POSITION\" = \"${SKIP:-none}\" ] && exit 125; "
        "grep -q \"change $FIRST_BAD\" f.txt && exit 1; exit 0",
        NULL};
    return g_strdupv((char **)argv);
}

static void test_driver_finds(DriverFixture *f, gconstpointer data)
{
    g_auto(GStrv) test = test_command();
    QfBisectRunOptions o = {
        .good = "base", .bad = "change-6", .no_build = TRUE, .test = test};
    g_autoptr(GError) error = NULL;
    g_autofree char *log = NULL;
    guint applied;

    (void)data;
    FX_SKIP_WITHOUT_GIT();
    g_setenv("FIRST_BAD", "4", TRUE);
    g_unsetenv("SKIP");
    g_assert_cmpint(drive(f, qf_bisect_run_start, &o, &applied, &error), ==,
                    QF_EXIT_OK);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(f->out->str, "First bad entry: #4 change-4\n"));
    g_assert_nonnull(strstr(f->out->str, "subject:  change 4\n"));
    log = fx_read_str(f->tree, ".git/qfork/bisect/log");
    g_assert_nonnull(strstr(log, "result: first bad entry #4 change-4"));
    /* The tree stays where the search ended until --reset. */
    g_assert_cmpuint(applied, >, 0);
    g_assert_cmpint(drive(f, qf_bisect_run_reset, &o, &applied, &error), ==,
                    QF_EXIT_OK);
    g_assert_no_error(error);
    g_assert_cmpuint(applied, ==, 0);
    g_assert_nonnull(strstr(f->out->str, "the tree is back at base"));
    /* Nothing left to reset: exit 2. */
    g_assert_cmpint(drive(f, qf_bisect_run_reset, &o, &applied, &error), ==,
                    QF_EXIT_NOTHING);
    g_assert_error(error, QF_ERROR, QF_ERROR_NOTHING);
}

static void test_driver_ambiguous(DriverFixture *f, gconstpointer data)
{
    g_auto(GStrv) test = test_command();
    QfBisectRunOptions o = {
        .good = "base", .bad = "change-6", .no_build = TRUE, .test = test};
    g_autoptr(GError) error = NULL;
    guint applied;

    (void)data;
    FX_SKIP_WITHOUT_GIT();
    /* A skip next to the first bad one leaves two candidates: exit 3. */
    g_setenv("SKIP", "4", TRUE);
    g_setenv("FIRST_BAD", "5", TRUE);
    g_assert_cmpint(drive(f, qf_bisect_run_start, &o, &applied, &error), ==,
                    QF_EXIT_AMBIGUOUS);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(f->out->str, "is one of these 2"));
    g_assert_nonnull(strstr(f->out->str, "#4 change-4 [skip]"));
    g_assert_nonnull(strstr(f->out->str, "#5 change-5 [bad]"));
}

static void test_driver_interrupted(DriverFixture *f, gconstpointer data)
{
    g_auto(GStrv) test = test_command();
    QfBisectRunOptions o = {.good = "base",
                            .bad = "change-6",
                            .no_build = TRUE,
                            .test = test,
                            .interrupted = interrupt_now};
    QfBisectRunOptions again = {.interrupted = NULL};
    g_autoptr(GError) error = NULL;
    guint applied;

    (void)data;
    FX_SKIP_WITHOUT_GIT();
    g_setenv("FIRST_BAD", "2", TRUE);
    g_unsetenv("SKIP");
    g_assert_cmpint(drive(f, qf_bisect_run_start, &o, &applied, &error), ==,
                    QF_EXIT_ERROR);
    g_assert_error(error, QF_ERROR, QF_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "interrupted (signal 15)"));
    g_assert_nonnull(strstr(error->message, "`qfork bisect --resume`"));
    g_clear_error(&error);
    /* A second start is refused; the resume finishes the search. */
    g_assert_cmpint(drive(f, qf_bisect_run_start, &o, &applied, &error), ==,
                    QF_EXIT_ERROR);
    g_assert_nonnull(strstr(error->message, "a bisect is in progress"));
    g_clear_error(&error);
    g_assert_cmpint(drive(f, qf_bisect_run_resume, &again, &applied, &error),
                    ==, QF_EXIT_OK);
    g_assert_no_error(error);
    g_assert_nonnull(strstr(f->out->str, "Resuming the search"));
    g_assert_nonnull(strstr(f->out->str, "First bad entry: #2 change-2\n"));
}

static void test_driver_test_aborts(DriverFixture *f, gconstpointer data)
{
    const char *argv[] = {"/bin/sh", "-c", "echo broken test; exit 200", NULL};
    QfBisectRunOptions o = {.good = "change-1",
                            .bad = "change-6",
                            .no_build = TRUE,
                            .test = (char **)argv};
    QfBisectRunOptions bad_range = {.good = "change-5",
                                    .bad = "change-2",
                                    .no_build = TRUE,
                                    .test = (char **)argv};
    g_autoptr(GError) error = NULL;
    guint applied;

    (void)data;
    FX_SKIP_WITHOUT_GIT();
    g_assert_cmpint(drive(f, qf_bisect_run_start, &bad_range, &applied, &error),
                    ==, QF_EXIT_ERROR);
    g_assert_nonnull(strstr(error->message, "must come before --bad"));
    g_clear_error(&error);
    g_assert_cmpint(drive(f, qf_bisect_run_start, &o, &applied, &error), ==,
                    QF_EXIT_ERROR);
    g_assert_nonnull(strstr(error->message, "exit 200"));
    g_assert_nonnull(strstr(error->message, "broken test"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/bisect/exit-codes", test_exit_codes);
    g_test_add_func("/bisect/verdict-names", test_verdict_names);
    g_test_add_func("/bisect/new-refuses-bad-ranges",
                    test_new_refuses_bad_ranges);
    g_test_add_func("/bisect/build-bound", test_build_bound);
    g_test_add_func("/bisect/midpoints", test_midpoints);
    g_test_add_func("/bisect/finds-every-position",
                    test_finds_every_position);
    g_test_add_func("/bisect/bound-is-reached", test_bound_is_reached);
    g_test_add_func("/bisect/skips", test_skips);
    g_test_add_func("/bisect/all-skipped", test_all_skipped);
    g_test_add_func("/bisect/record-refuses", test_record_refuses);
    g_test_add_func("/bisect/adjacent-good-bad", test_adjacent_good_bad);
    g_test_add("/bisect/state/round-trip", StateFixture, NULL, state_set_up,
               test_state_round_trip, state_tear_down);
    g_test_add("/bisect/state/minimal", StateFixture, NULL, state_set_up,
               test_state_minimal, state_tear_down);
    g_test_add("/bisect/state/damaged", StateFixture, NULL, state_set_up,
               test_state_damaged, state_tear_down);
    g_test_add("/bisect/state/log", StateFixture, NULL, state_set_up,
               test_log, state_tear_down);
    add_driver_test("/bisect/driver/finds", test_driver_finds);
    add_driver_test("/bisect/driver/ambiguous", test_driver_ambiguous);
    add_driver_test("/bisect/driver/interrupted", test_driver_interrupted);
    add_driver_test("/bisect/driver/test-aborts", test_driver_test_aborts);
    return g_test_run();
}
