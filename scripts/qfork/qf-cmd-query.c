/*
 * qfork query: one fact the scripts need, from its one owner (the series
 * parser for the pin, qf-tree for the tree's base and cleanliness), as a
 * stable line of output instead of a second reader of series.conf or a
 * second copy of git plumbing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <stdio.h>

#include "qfork.h"

typedef enum { FROM_SERIES, FROM_TREE } QuerySource;

typedef struct Query {
    const char *key;
    QuerySource source;
} Query;

static const Query queries[] = {
    {"base.version", FROM_SERIES},   {"base.tarball", FROM_SERIES},
    {"base.sha256", FROM_SERIES},    {"tree.base-version", FROM_TREE},
    {"tree.base-commit", FROM_TREE}, {"tree.dirty", FROM_TREE},
};

static const Query *find_query(const char *key)
{
    for (gsize i = 0; i < G_N_ELEMENTS(queries); i++) {
        if (g_str_equal(queries[i].key, key)) {
            return &queries[i];
        }
    }
    return NULL;
}

static gboolean print_value(const char *key, const char *value,
                            const char *owner, GError **error)
{
    if (!value) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND, "%s: %s has none", key,
                    owner);
        return FALSE;
    }
    printf("%s\n", value); /* the answer, even with -q */
    return TRUE;
}

static gboolean query_series(QfContext *ctx, const char *key, GError **error)
{
    QfSeries *s = qf_context_series(ctx, error);

    if (!s) {
        return FALSE;
    }
    if (g_str_equal(key, "base.version")) {
        return print_value(key, s->base_version, s->path, error);
    }
    if (g_str_equal(key, "base.tarball")) {
        return print_value(key, s->base_tarball, s->path, error);
    }
    return print_value(key, s->base_sha256, s->path, error);
}

static gboolean query_tree(QfContext *ctx, const char *key, GError **error)
{
    QfTree *tree = qf_context_tree(ctx, error);
    g_autoptr(GPtrArray) dirty = NULL;

    if (!tree) {
        return FALSE;
    }
    if (g_str_equal(key, "tree.base-version")) {
        return print_value(key, qf_tree_base_version(tree),
                           "its base commit's subject", error);
    }
    if (g_str_equal(key, "tree.base-commit")) {
        return print_value(key, qf_tree_base_commit(tree), QF_BASE_REF, error);
    }
    dirty = qf_tree_dirty_paths(tree, error);
    for (guint i = 0; dirty && i < dirty->len; i++) {
        printf("%s\n", (char *)g_ptr_array_index(dirty, i));
    }
    return dirty != NULL;
}

int qf_cmd_query(QfContext *ctx, int argc, char **argv, GError **error)
{
    const GOptionEntry entries[] = {{NULL}};
    const Query *q;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error) ||
        !qf_check_positionals(ctx, argc, 1, error)) {
        return QF_EXIT_ERROR;
    }
    if (argc < 2) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "which KEY? (see `qfork query --help`)");
        return QF_EXIT_ERROR;
    }
    q = find_query(argv[1]);
    if (!q) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "no key '%s' (see `qfork query --help`)", argv[1]);
        return QF_EXIT_ERROR;
    }
    if (!(q->source == FROM_SERIES ? query_series(ctx, q->key, error)
                                   : query_tree(ctx, q->key, error))) {
        return QF_EXIT_ERROR;
    }
    return QF_EXIT_OK;
}
