/*
 * qfork: series.conf edited in place, through the parser's model.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-series-edit.h"

#include <string.h>

#include "qf-error.h"

/* What happens to one line of the file. */
typedef struct LineEdit {
    char *replace; /* new text, or NULL to keep */
    gboolean delete;
    GPtrArray *before; /* lines inserted before it */
    GPtrArray *after;  /* lines inserted after it */
} LineEdit;

typedef struct SeriesText {
    GStrv lines;            /* without their '\n' */
    guint n;                /* lines */
    gboolean final_newline; /* the text ends with one */
    LineEdit *edits;
} SeriesText;

static void series_text_clear(SeriesText *t)
{
    for (guint i = 0; t->edits && i < t->n; i++) {
        g_free(t->edits[i].replace);
        if (t->edits[i].before) {
            g_ptr_array_unref(t->edits[i].before);
        }
        if (t->edits[i].after) {
            g_ptr_array_unref(t->edits[i].after);
        }
    }
    g_free(t->edits);
    g_strfreev(t->lines);
}

static void add_line(GPtrArray **where, char *line)
{
    if (!*where) {
        *where = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(*where, line);
}

/* Line @line (1-based) becomes @text. */
static void replace_line(SeriesText *t, guint line, char *text)
{
    g_free(t->edits[line - 1].replace);
    t->edits[line - 1].replace = text;
}

/* "  @attr @value" in place of the block's line for it, or after its last. */
static void set_attribute(SeriesText *t, const QfBlock *b, QfAttr attr,
                          const char *value)
{
    char *line = g_strdup_printf("  %s %s", qf_attr_key(attr), value);

    if (b->attr_line[attr]) {
        replace_line(t, b->attr_line[attr], line);
    } else {
        add_line(&t->edits[b->last_line - 1].after, line);
    }
}

/* The block as comments, under a line saying why. */
static void comment_out(SeriesText *t, const QfBlock *b, const char *why)
{
    add_line(&t->edits[b->line - 1].before, g_strdup_printf("# %s", why));
    replace_line(t, b->line, g_strdup_printf("# %s", t->lines[b->line - 1]));
    for (guint a = 0; a < QF_ATTR_COUNT; a++) {
        guint l = b->attr_line[a];
        if (l) {
            replace_line(t, l, g_strdup_printf("#%s", t->lines[l - 1]));
        }
    }
}

static gboolean edit_entry(SeriesText *t, const QfSeries *series,
                           const QfEntry *e, const QfSeriesEdit *edit,
                           GError **error)
{
    const QfBlock *b = &e->block;

    switch (edit->kind) {
    case QF_EDIT_DROP:
        comment_out(t, b, edit->value);
        return TRUE;
    case QF_EDIT_SET_PATCH:
        set_attribute(t, b, QF_ATTR_PATCH, edit->value);
        return TRUE;
    case QF_EDIT_SET_FIRST_RELEASE:
        set_attribute(t, b, QF_ATTR_FIRST_RELEASE, edit->value);
        return TRUE;
    case QF_EDIT_SET_EVIDENCE:
        set_attribute(t, b, QF_ATTR_EVIDENCE, edit->value);
        return TRUE;
    case QF_EDIT_REMOVE_PATCH:
        if (!b->attr_line[QF_ATTR_PATCH]) {
            g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                        "%s:%u: %s has no patch line to remove", series->path,
                        e->line, e->name);
            return FALSE;
        }
        t->edits[b->attr_line[QF_ATTR_PATCH] - 1].delete = TRUE;
        return TRUE;
    }
    return TRUE;
}

static void edit_base(SeriesText *t, const QfSeries *series,
                      const QfBasePin *pin)
{
    const QfBlock *b = &series->base_block;

    replace_line(t, b->line, g_strdup_printf("base %s", pin->version));
    if (pin->tarball) {
        set_attribute(t, b, QF_ATTR_TARBALL, pin->tarball);
    }
    if (pin->sha256) {
        set_attribute(t, b, QF_ATTR_SHA256, pin->sha256);
    }
}

static void add_all(GPtrArray *out, const GPtrArray *lines)
{
    for (guint k = 0; lines && k < lines->len; k++) {
        g_ptr_array_add(out, lines->pdata[k]);
    }
}

static char *series_text_join(const SeriesText *t)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new();
    g_autofree char *joined = NULL;

    for (guint i = 0; i < t->n; i++) {
        const LineEdit *e = &t->edits[i];

        add_all(out, e->before);
        if (!e->delete) {
            g_ptr_array_add(out, e->replace ? e->replace : t->lines[i]);
        }
        add_all(out, e->after);
    }
    g_ptr_array_add(out, NULL);
    joined = g_strjoinv("\n", (char **)out->pdata);
    return g_strconcat(joined, out->len > 1 && t->final_newline ? "\n" : "",
                       NULL);
}

/* The text as lines, and whether it ends with a newline. */
static void series_text_split(SeriesText *t, const char *text)
{
    t->lines = g_strsplit(text, "\n", -1);
    t->n = g_strv_length(t->lines);
    t->final_newline = t->n && !*t->lines[t->n - 1];
    if (t->final_newline) {
        t->n--; /* the empty piece after the last '\n' */
    }
    t->edits = g_new0(LineEdit, t->n + 1);
}

/* @b's lines are lines of the text (it is the one @series came from). */
static gboolean block_in_text(const SeriesText *t, const QfBlock *b)
{
    return b->line && b->line <= t->n && b->last_line <= t->n;
}

static gboolean apply_edits(SeriesText *t, const QfSeries *series,
                            const QfSeriesEdit *edits, guint n_edits,
                            GError **error)
{
    for (guint i = 0; i < n_edits; i++) {
        QfEntry *e = qf_series_find(series, edits[i].entry, error);

        if (!e) {
            return FALSE;
        }
        if (!block_in_text(t, &e->block)) {
            g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                        "%s: cannot edit entry %s: the text is not the "
                        "one the series was read from",
                        series->path, edits[i].entry);
            return FALSE;
        }
        if (!edit_entry(t, series, e, &edits[i], error)) {
            return FALSE;
        }
    }
    return TRUE;
}

char *qf_series_edit(const char *text, const QfSeries *series,
                     const QfBasePin *pin, const QfSeriesEdit *edits,
                     guint n_edits, GError **error)
{
    SeriesText t = {0};
    g_autofree char *out = NULL;
    g_autoptr(QfSeries) check = NULL;
    gboolean ok;

    series_text_split(&t, text);
    if (!block_in_text(&t, &series->base_block)) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "%s: no base directive to update", series->path);
        series_text_clear(&t);
        return NULL;
    }
    edit_base(&t, series, pin);
    ok = apply_edits(&t, series, edits, n_edits, error);
    if (ok) {
        out = series_text_join(&t);
    }
    series_text_clear(&t);
    if (!ok) {
        return NULL;
    }
    check = qf_series_parse(out, strlen(out), series->path, error);
    if (!check) {
        g_prefix_error(error, "the edited series does not parse: ");
        return NULL;
    }
    return g_steal_pointer(&out);
}
