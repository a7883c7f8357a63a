/*
 * qfork: journal and failure record in <tree>/.git/qfork/.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-state.h"

#include <errno.h>
#include <glib/gstdio.h>

#include "qf-error.h"

#define JOURNAL_FILE "journal"
#define FAILURE_FILE "failed"
#define GROUP "qfork"

QfJournal *qf_journal_new(QfJournalKind kind)
{
    QfJournal *journal = g_new0(QfJournal, 1);

    journal->kind = kind;
    journal->paths = g_ptr_array_new_with_free_func(g_free);
    journal->unindexed = g_ptr_array_new_with_free_func(g_free);
    return journal;
}

void qf_journal_free(QfJournal *journal)
{
    if (!journal) {
        return;
    }
    g_free(journal->entry);
    g_free(journal->old_head);
    g_free(journal->target);
    g_ptr_array_unref(journal->paths);
    g_ptr_array_unref(journal->unindexed);
    g_free(journal);
}

gboolean qf_state_make_dir(const char *dir, GError **error)
{
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        int saved = errno;
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot create %s: %s", dir,
                    g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

/*
 * Write a temporary and rename it over the target, so a reader sees the
 * old file or the new one, never a part.  No fsync: the state has to
 * outlive a killed qfork, which the page cache does.  (g_file_set_contents()
 * would fsync the file and its directory whenever the target exists - for
 * the journal, twice per entry of a push -a, which defers the index.)
 */
static gboolean save_key_file(const char *state_dir, const char *name,
                              GKeyFile *kf, GError **error)
{
    g_autofree char *path = g_build_filename(state_dir, name, NULL);
    g_autofree char *tmp = g_strconcat(path, ".new", NULL);
    g_autofree char *data = NULL;
    gsize len;
    g_autoptr(GError) local = NULL;

    if (!qf_state_make_dir(state_dir, error)) {
        return FALSE;
    }
    data = g_key_file_to_data(kf, &len, NULL);
    if (!g_file_set_contents_full(tmp, data, (gssize)len,
                                  G_FILE_SET_CONTENTS_NONE, 0644, &local)) {
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot write %s: %s", tmp,
                    local->message);
        g_unlink(tmp);
        return FALSE;
    }
    if (g_rename(tmp, path) < 0) {
        int saved = errno;
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot rename %s to %s: %s",
                    tmp, path, g_strerror(saved));
        g_unlink(tmp);
        return FALSE;
    }
    return TRUE;
}

/* Returns NULL with no error when the file does not exist. */
static GKeyFile *load_key_file(const char *state_dir, const char *name,
                               GError **error)
{
    g_autofree char *path = g_build_filename(state_dir, name, NULL);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;

    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
            return NULL;
        }
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot read %s: %s", path,
                    local->message);
        return NULL;
    }
    return g_steal_pointer(&kf);
}

static gboolean remove_state_file(const char *state_dir, const char *name,
                                  GError **error)
{
    g_autofree char *path = g_build_filename(state_dir, name, NULL);

    if (g_unlink(path) < 0 && errno != ENOENT) {
        int saved = errno;
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot remove %s: %s",
                    path, g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

static void set_optional_string(GKeyFile *kf, const char *key,
                                const char *value)
{
    if (value) {
        g_key_file_set_string(kf, GROUP, key, value);
    }
}

gboolean qf_journal_write(const char *state_dir, const QfJournal *journal,
                          GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();

    g_key_file_set_string(kf, GROUP, "operation",
                          journal->kind == QF_JOURNAL_PUSH ? "push" : "pop");
    set_optional_string(kf, "entry", journal->entry);
    set_optional_string(kf, "old-head", journal->old_head);
    set_optional_string(kf, "target", journal->target);
    g_key_file_set_int64(kf, GROUP, "pid", journal->pid);
    g_key_file_set_string_list(kf, GROUP, "paths",
                               (const char *const *)journal->paths->pdata,
                               journal->paths->len);
    if (journal->unindexed->len) {
        g_key_file_set_string_list(
            kf, GROUP, "unindexed",
            (const char *const *)journal->unindexed->pdata,
            journal->unindexed->len);
    }
    return save_key_file(state_dir, JOURNAL_FILE, kf, error);
}

static gboolean journal_corrupt(const char *state_dir, const char *what,
                                GError **error)
{
    g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                "%s/" JOURNAL_FILE " is corrupt (%s); check the tree with "
                "`git status` and remove the file by hand",
                state_dir, what);
    return FALSE;
}

QfJournal *qf_journal_read(const char *state_dir, GError **error)
{
    g_autoptr(GKeyFile) kf = load_key_file(state_dir, JOURNAL_FILE, error);
    g_autoptr(QfJournal) journal = NULL;
    g_autofree char *op = NULL;
    g_auto(GStrv) paths = NULL;
    gsize n = 0;

    if (!kf) {
        return NULL;
    }
    op = g_key_file_get_string(kf, GROUP, "operation", NULL);
    if (g_strcmp0(op, "push") == 0) {
        journal = qf_journal_new(QF_JOURNAL_PUSH);
    } else if (g_strcmp0(op, "pop") == 0) {
        journal = qf_journal_new(QF_JOURNAL_POP);
    } else {
        journal_corrupt(state_dir, "unknown operation", error);
        return NULL;
    }
    journal->entry = g_key_file_get_string(kf, GROUP, "entry", NULL);
    journal->old_head = g_key_file_get_string(kf, GROUP, "old-head", NULL);
    journal->target = g_key_file_get_string(kf, GROUP, "target", NULL);
    journal->pid = g_key_file_get_int64(kf, GROUP, "pid", NULL);
    paths = g_key_file_get_string_list(kf, GROUP, "paths", &n, NULL);
    for (gsize i = 0; i < n; i++) {
        g_ptr_array_add(journal->paths, g_strdup(paths[i]));
    }
    g_strfreev(paths);
    paths = g_key_file_get_string_list(kf, GROUP, "unindexed", &n, NULL);
    for (gsize i = 0; paths && i < n; i++) {
        g_ptr_array_add(journal->unindexed, g_strdup(paths[i]));
    }
    if (!journal->old_head ||
        (journal->kind == QF_JOURNAL_PUSH && !journal->entry) ||
        (journal->kind == QF_JOURNAL_POP && !journal->target)) {
        journal_corrupt(state_dir, "missing keys", error);
        return NULL;
    }
    return g_steal_pointer(&journal);
}

gboolean qf_journal_remove(const char *state_dir, GError **error)
{
    return remove_state_file(state_dir, JOURNAL_FILE, error);
}

void qf_failure_free(QfFailure *failure)
{
    if (!failure) {
        return;
    }
    g_free(failure->entry);
    g_free(failure->message);
    g_free(failure);
}

gboolean qf_failure_record(const char *state_dir, const char *entry,
                           const char *message, GError **error)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();

    g_key_file_set_string(kf, GROUP, "entry", entry);
    g_key_file_set_string(kf, GROUP, "message", message);
    return save_key_file(state_dir, FAILURE_FILE, kf, error);
}

QfFailure *qf_failure_read(const char *state_dir, GError **error)
{
    g_autoptr(GKeyFile) kf = load_key_file(state_dir, FAILURE_FILE, error);
    g_autoptr(QfFailure) failure = NULL;

    if (!kf) {
        return NULL;
    }
    failure = g_new0(QfFailure, 1);
    failure->entry = g_key_file_get_string(kf, GROUP, "entry", NULL);
    failure->message = g_key_file_get_string(kf, GROUP, "message", NULL);
    if (!failure->entry) {
        /* A record without an entry names nothing: treat it as absent. */
        return NULL;
    }
    if (!failure->message) {
        failure->message = g_strdup("(no message recorded)");
    }
    return g_steal_pointer(&failure);
}

gboolean qf_failure_clear(const char *state_dir, GError **error)
{
    return remove_state_file(state_dir, FAILURE_FILE, error);
}
