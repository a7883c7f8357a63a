/*
 * qfork: running git.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-git.h"

#include <gio/gio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "qf-error.h"

static const char *const unset_vars[] = {
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_PREFIX",
    "GIT_NAMESPACE",
    "GIT_COMMON_DIR",
    "GIT_CEILING_DIRECTORIES",
    "GIT_EXTERNAL_DIFF",
    "GIT_DIFF_OPTS",
    "GIT_PAGER",
    "GIT_CONFIG",
    "GIT_CONFIG_PARAMETERS",
    "GIT_CONFIG_COUNT",
};

/* What qfork catches to stop between entries (qf_catch_interrupts()). */
static const int interrupts[] = {SIGINT, SIGTERM, SIGHUP};

/* What the child needs to know between fork and exec. */
typedef struct ChildSetup {
    pid_t parent;
    gboolean own_group;
    sigset_t mask; /* the parent's signal mask before the spawn */
} ChildSetup;

/*
 * An interrupt sent to qfork's process group after fork but before the
 * child's setpgid() would kill git with the default action (GLib resets
 * the child's handlers first).  qf_git_call() blocks the interrupts
 * across the spawn, so such a signal is pending here: ignoring it
 * discards it - it was for qfork - and the disposition is put back.
 */
static void drop_pending_interrupts(const sigset_t *mask)
{
    struct sigaction ignore = {.sa_handler = SIG_IGN};

    for (gsize i = 0; i < G_N_ELEMENTS(interrupts); i++) {
        struct sigaction was;

        sigaction(interrupts[i], &ignore, &was);
        sigaction(interrupts[i], &was, NULL);
    }
    pthread_sigmask(SIG_SETMASK, mask, NULL);
}

/*
 * Runs in the child between fork and exec.  PR_SET_PDEATHSIG makes git
 * die with a killed qfork; the getppid() check covers a qfork that died
 * before the prctl.
 */
static void child_setup(gpointer data)
{
    const ChildSetup *setup = data;

    if (setup->own_group) {
        setpgid(0, 0);
        drop_pending_interrupts(&setup->mask);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != setup->parent) {
        _exit(127);
    }
}

/* @setup must live until the spawn: it is read in the child. */
static GSubprocessLauncher *launcher_for(const QfGitCall *call,
                                         ChildSetup *setup)
{
    GSubprocessFlags flags =
        G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE;
    GSubprocessLauncher *l;

    if (call->input) {
        flags |= G_SUBPROCESS_FLAGS_STDIN_PIPE;
    }
    l = g_subprocess_launcher_new(flags);
    if (call->dir) {
        g_subprocess_launcher_set_cwd(l, call->dir);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(unset_vars); i++) {
        g_subprocess_launcher_unsetenv(l, unset_vars[i]);
    }
    g_subprocess_launcher_setenv(l, "LC_ALL", "C", TRUE);
    g_subprocess_launcher_setenv(l, "GIT_TERMINAL_PROMPT", "0", TRUE);
    /*
     * `git status` takes index.lock to refresh the index on the side.
     * Killed with qfork before any journal was written, it would leave a
     * lock that no recovery removes and that makes the next push fail.
     */
    g_subprocess_launcher_setenv(l, "GIT_OPTIONAL_LOCKS", "0", TRUE);
    if (!(call->flags & QF_GIT_USER_CONFIG)) {
        g_subprocess_launcher_setenv(l, "GIT_CONFIG_NOSYSTEM", "1", TRUE);
        g_subprocess_launcher_setenv(l, "GIT_CONFIG_GLOBAL", "/dev/null", TRUE);
    }
    if (call->flags & QF_GIT_LITERAL_PATHS) {
        g_subprocess_launcher_setenv(l, "GIT_LITERAL_PATHSPECS", "1", TRUE);
    }
    for (gsize i = 0; call->env && call->env[i]; i++) {
        g_auto(GStrv) kv = g_strsplit(call->env[i], "=", 2);
        g_subprocess_launcher_setenv(l, kv[0], kv[1] ? kv[1] : "", TRUE);
    }
    g_subprocess_launcher_set_child_setup(l, child_setup, setup, NULL);
    return l;
}

/* "git", the trust in @dir, then @args; the strings are owned. */
static GPtrArray *git_argv(const QfGitCall *call)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(argv, g_strdup("git"));
    if (call->dir) {
        g_autofree char *real = realpath(call->dir, NULL);
        /*
         * A tarball extracted as root keeps the archive's owner, and git
         * refuses a repository owned by someone else.  qfork was pointed
         * at this one: say so on the command line rather than in anyone's
         * config, and for this repository only.
         */
        g_ptr_array_add(argv, g_strdup("-c"));
        g_ptr_array_add(argv, g_strdup_printf("safe.directory=%s",
                                              real ? real : call->dir));
    }
    for (gsize i = 0; call->args[i]; i++) {
        g_ptr_array_add(argv, g_strdup(call->args[i]));
    }
    g_ptr_array_add(argv, NULL);
    return argv;
}

gboolean qf_git_call(const QfGitCall *call, int *status, GBytes **out,
                     char **err, GError **error)
{
    ChildSetup setup = {
        .parent = getpid(),
        .own_group = !(call->flags & QF_GIT_INTERRUPTIBLE),
    };
    g_autoptr(GSubprocessLauncher) l = launcher_for(call, &setup);
    g_autoptr(GPtrArray) argv = git_argv(call);
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GBytes) o = NULL;
    g_autoptr(GBytes) e = NULL;
    g_autoptr(GError) local = NULL;

    if (setup.own_group) {
        sigset_t block;

        sigemptyset(&block);
        for (gsize i = 0; i < G_N_ELEMENTS(interrupts); i++) {
            sigaddset(&block, interrupts[i]);
        }
        pthread_sigmask(SIG_BLOCK, &block, &setup.mask);
    }
    proc = g_subprocess_launcher_spawnv(l, (const char *const *)argv->pdata,
                                        &local);
    if (setup.own_group) {
        pthread_sigmask(SIG_SETMASK, &setup.mask, NULL);
    }
    if (!proc ||
        !g_subprocess_communicate(proc, call->input, NULL, &o, &e, &local)) {
        g_autofree char *cmd = g_strjoinv(" ", (char **)call->args);
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot run git %s: %s", cmd,
                    local->message);
        return FALSE;
    }
    *status = g_subprocess_get_if_exited(proc)
                  ? g_subprocess_get_exit_status(proc)
                  : -1;
    if (out) {
        *out = g_steal_pointer(&o);
    }
    if (err) {
        gsize len;
        const char *p = g_bytes_get_data(e, &len);
        *err = g_strchomp(g_strndup(p ? p : "", len));
    }
    return TRUE;
}

GBytes *qf_git_run(const QfGitCall *call, GError **error)
{
    g_autoptr(GBytes) out = NULL;
    g_autofree char *err = NULL;
    int status;

    if (!qf_git_call(call, &status, &out, &err, error)) {
        return NULL;
    }
    if (status != 0) {
        g_autofree char *cmd = g_strjoinv(" ", (char **)call->args);
        if (!*g_strstrip(err)) {
            g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                        "git %s failed (exit %d)", cmd, status);
        } else {
            g_set_error(error, QF_ERROR, QF_ERROR_FAILED, "git %s failed: %s",
                        cmd, err);
        }
        return NULL;
    }
    return g_steal_pointer(&out);
}

char *qf_git_run_text(const QfGitCall *call, GError **error)
{
    g_autoptr(GBytes) out = qf_git_run(call, error);
    gsize len;
    const char *p;

    if (!out) {
        return NULL;
    }
    p = g_bytes_get_data(out, &len);
    return g_strchomp(g_strndup(p ? p : "", len));
}

GBytes *qf_git_bytes(const char *dir, const char *const *args, GBytes *input,
                     GError **error)
{
    QfGitCall call = {.dir = dir, .args = args, .input = input};

    return qf_git_run(&call, error);
}

char *qf_git_text(const char *dir, const char *const *args, GBytes *input,
                  GError **error)
{
    QfGitCall call = {.dir = dir, .args = args, .input = input};

    return qf_git_run_text(&call, error);
}

gboolean qf_git_ok(const char *dir, const char *const *args, GError **error)
{
    g_autoptr(GBytes) out = qf_git_bytes(dir, args, NULL, error);

    return out != NULL;
}

GStrv qf_git_split_nul(GBytes *out)
{
    g_autoptr(GPtrArray) parts = g_ptr_array_new();
    gsize len;
    const char *p = g_bytes_get_data(out, &len);
    const char *end = p + len;

    while (p && p < end) {
        gsize n = strnlen(p, (gsize)(end - p));
        g_ptr_array_add(parts, g_strndup(p, n));
        p += n + 1;
    }
    g_ptr_array_add(parts, NULL);
    return (GStrv)g_ptr_array_free(g_steal_pointer(&parts), FALSE);
}

char *qf_git_resolve_commit(const char *dir, const char *rev)
{
    g_autofree char *spec = g_strdup_printf("%s^{commit}", rev);
    const char *args[] = {"rev-parse", "--verify", "-q", spec, NULL};
    g_autofree char *id = qf_git_text(dir, args, NULL, NULL);

    return id && *id ? g_steal_pointer(&id) : NULL;
}

void qf_git_file_free(QfGitFile *file)
{
    if (file) {
        g_bytes_unref(file->content);
        g_free(file);
    }
}

GBytes *qf_git_run_paths(QfGitCall *call, const char *const *opts,
                         GPtrArray *paths, GError **error)
{
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    GBytes *out;

    for (guint i = 0; opts[i]; i++) {
        g_ptr_array_add(args, (char *)opts[i]);
    }
    g_ptr_array_add(args, (char *)"--");
    for (guint i = 0; i < paths->len; i++) {
        g_ptr_array_add(args, paths->pdata[i]);
    }
    g_ptr_array_add(args, NULL);
    call->args = (const char *const *)args->pdata;
    out = qf_git_run(call, error);
    call->args = NULL;
    return out;
}

GHashTable *qf_git_list_entries(const char *dir, const char *commit,
                                GPtrArray *paths, GError **error)
{
    const char *opts[] = {"ls-tree", "-z", "--full-tree", NULL, NULL};
    QfGitCall call = {.dir = dir, .flags = QF_GIT_LITERAL_PATHS};
    g_autoptr(GBytes) out = NULL;
    GHashTable *entries =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_auto(GStrv) recs = NULL;

    if (!paths->len) {
        return entries;
    }
    opts[3] = commit;
    out = qf_git_run_paths(&call, opts, paths, error);
    if (!out) {
        g_hash_table_unref(entries);
        return NULL;
    }
    recs = qf_git_split_nul(out);
    for (gsize i = 0; recs[i]; i++) {
        char *rec = recs[i];
        char *tab = strchr(rec, '\t');

        if (tab && tab - rec > 0) {
            *tab = '\0';
            g_hash_table_insert(entries, g_strdup(tab + 1), g_strdup(rec));
        }
    }
    return entries;
}

/* The blobs among qf_git_list_entries(), with the same values. */
static GHashTable *list_blobs(const char *dir, const char *commit,
                              GPtrArray *paths, GError **error)
{
    g_autoptr(GHashTable) entries =
        qf_git_list_entries(dir, commit, paths, error);
    GHashTable *blobs =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GHashTableIter it;
    gpointer key, value;

    if (!entries) {
        g_hash_table_unref(blobs);
        return NULL;
    }
    g_hash_table_iter_init(&it, entries);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_auto(GStrv) f = g_strsplit(value, " ", 3);

        if (g_strv_length(f) == 3 && g_str_equal(f[1], "blob")) {
            g_hash_table_insert(blobs, g_strdup(key), g_strdup(value));
        }
    }
    return blobs;
}

GHashTable *qf_git_read_files(const char *dir, const char *commit,
                              GPtrArray *paths, GError **error)
{
    g_autoptr(GHashTable) blobs = NULL;
    g_autoptr(GHashTable) files = g_hash_table_new_full(
        g_str_hash, g_str_equal, g_free, (GDestroyNotify)qf_git_file_free);
    GHashTableIter it;
    gpointer key, value;

    if (!paths->len) {
        return g_steal_pointer(&files);
    }
    blobs = list_blobs(dir, commit, paths, error);
    if (!blobs) {
        return NULL;
    }
    g_hash_table_iter_init(&it, blobs);
    while (g_hash_table_iter_next(&it, &key, &value)) {
        g_auto(GStrv) f = g_strsplit(value, " ", 3);
        const char *args[] = {"cat-file", "blob", f[2], NULL};
        QfGitFile *file = g_new0(QfGitFile, 1);

        file->content = qf_git_bytes(dir, args, NULL, error);
        file->mode = (guint)strtoul(f[0], NULL, 8);
        if (!file->content) {
            qf_git_file_free(file);
            return NULL;
        }
        g_hash_table_insert(files, g_strdup(key), file);
    }
    return g_steal_pointer(&files);
}
