/*
 * qfork: the vendor's patch tables, rendered from series.conf as
 * Markdown, a standalone HTML page, or JSON.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-table.h"
#include "qf-json.h"
#include "qf-queue.h"

#include <string.h>

gboolean qf_table_format_from_name(const char *name, QfTableFormat *format)
{
    if (g_strcmp0(name, "markdown") == 0 || g_strcmp0(name, "md") == 0) {
        *format = QF_TABLE_MARKDOWN;
    } else if (g_strcmp0(name, "html") == 0) {
        *format = QF_TABLE_HTML;
    } else if (g_strcmp0(name, "json") == 0) {
        *format = QF_TABLE_JSON;
    } else {
        return FALSE;
    }
    return TRUE;
}

const char *qf_row_state_id(QfRowState state)
{
    switch (state) {
    case QF_ROW_IN_BASE:
        return "in-base";
    case QF_ROW_PATCH:
        return "patch";
    case QF_ROW_PENDING:
        return "pending";
    }
    return "?";
}

QfRowState qf_table_row_state(const QfSeries *series, const QfEntry *entry,
                              char **text)
{
    g_autofree char *why = NULL;
    gboolean unverified;

    if (qf_entry_in_base(entry, series->base_version, &unverified, &why)) {
        if (entry->first_release) {
            *text = g_strdup_printf("in base since %s", entry->first_release);
        } else if (entry->evidence == QF_EVIDENCE_CONTENT) {
            *text = g_strdup_printf("in base (its change is in the %s tree)",
                                    entry->evidence_release);
        } else {
            *text = g_strdup_printf("in base by the table's minimum release "
                                    "%s (unverified)",
                                    entry->min_release);
        }
        return QF_ROW_IN_BASE;
    }
    if (entry->patch) {
        *text = g_strdup_printf("applied as patch %s", entry->patch);
        return QF_ROW_PATCH;
    }
    *text = g_strdup_printf("pending: %s", why);
    return QF_ROW_PENDING;
}

/* What the "evidence" column says for a table row. */
static const char *row_evidence(const QfEntry *e)
{
    if (e->kind == QF_ENTRY_SAUCE) {
        return "not upstream: our patch implements it";
    }
    return e->evidence_text ? e->evidence_text
                            : "unverified: the table's minimum release only";
}

/* The part of the vendor's page a section belongs to. */
static gboolean is_workaround_section(const QfSeries *series,
                                      const char *section)
{
    for (guint i = 0; i < series->entries->len; i++) {
        const QfEntry *e = series->entries->pdata[i];

        if (g_strcmp0(e->section, section) == 0 && e->table_row) {
            return e->kind == QF_ENTRY_SAUCE;
        }
    }
    return FALSE;
}

typedef struct Counts {
    guint rows, upstream, sauce, downstream;
    guint state[QF_ROW_PENDING + 1];
    guint evidence[QF_EVIDENCE_OPEN + 1];
} Counts;

static void count_rows(const QfSeries *series, Counts *c)
{
    memset(c, 0, sizeof(*c));
    for (guint i = 0; i < series->entries->len; i++) {
        const QfEntry *e = series->entries->pdata[i];
        g_autofree char *text = NULL;

        if (!e->table_row) {
            c->downstream++;
            continue;
        }
        c->rows++;
        c->state[qf_table_row_state(series, e, &text)]++;
        if (e->kind == QF_ENTRY_UPSTREAM) {
            c->upstream++;
            c->evidence[e->evidence]++;
        } else {
            c->sauce++;
        }
    }
}

static char *summary(const QfSeries *series)
{
    Counts c;

    count_rows(series, &c);
    return g_strdup_printf(
        "%u table rows (%u upstream, %u SAUCE) on QEMU %s: %u in base, %u "
        "applied as our patches, %u pending.  Evidence for the upstream "
        "rows: %u by git ancestry, %u by content, %u open with a reason, %u "
        "unverified.  Plus %u downstream entries of our own.",
        c.rows, c.upstream, c.sauce, series->base_version,
        c.state[QF_ROW_IN_BASE], c.state[QF_ROW_PATCH], c.state[QF_ROW_PENDING],
        c.evidence[QF_EVIDENCE_ANCESTRY], c.evidence[QF_EVIDENCE_CONTENT],
        c.evidence[QF_EVIDENCE_OPEN], c.evidence[QF_EVIDENCE_UNSET],
        c.downstream);
}

/* ---- Markdown ------------------------------------------------------------ */

/* A table cell: '|' escaped, never empty-looking because of blanks. */
static void md_cell(GString *out, const char *s)
{
    g_string_append(out, " ");
    for (const char *c = s ? s : ""; *c; c++) {
        if (*c == '|') {
            g_string_append(out, "\\|");
        } else if (*c == '\n') {
            g_string_append_c(out, ' ');
        } else {
            g_string_append_c(out, *c);
        }
    }
    g_string_append(out, " |");
}

static void md_code_cell(GString *out, const char *s)
{
    g_autofree char *code = s ? g_strdup_printf("`%s`", s) : NULL;

    md_cell(out, code);
}

static void md_upstream_header(GString *out)
{
    g_string_append(out,
                    "| QEMU-Devel ML Discussion | Git Commit | Git "
                    "Description | Minimum QEMU Release | State in this fork "
                    "| Evidence |\n"
                    "|---|---|---|---|---|---|\n");
}

static void md_sauce_header(GString *out)
{
    g_string_append(out, "| Git Commit | Git Description | Impact | State in "
                         "this fork | Patch | Test |\n"
                         "|---|---|---|---|---|---|\n");
}

static void md_row(GString *out, const QfSeries *series, const QfEntry *e,
                   gboolean first_of_group)
{
    g_autofree char *state = NULL;

    qf_table_row_state(series, e, &state);
    g_string_append(out, "|");
    if (e->kind == QF_ENTRY_SAUCE) {
        md_code_cell(out, e->sha12);
        md_cell(out, e->subject);
        md_cell(out, e->impact);
        md_cell(out, state);
        md_code_cell(out, e->patch);
        md_code_cell(out, e->test);
    } else {
        md_cell(out, first_of_group ? e->ml_month : NULL);
        md_code_cell(out, e->sha12);
        md_cell(out, e->subject);
        md_cell(out, first_of_group ? e->min_release : NULL);
        md_cell(out, state);
        md_cell(out, row_evidence(e));
    }
    g_string_append(out, "\n");
}

static void md_downstream(GString *out, const QfSeries *series)
{
    g_string_append(out, "\n## Downstream entries (not in the vendor's "
                         "tables)\n\n"
                         "| Name | Subject | Why | Patch |\n"
                         "|---|---|---|---|\n");
    for (guint i = 0; i < series->entries->len; i++) {
        const QfEntry *e = series->entries->pdata[i];

        if (e->table_row) {
            continue;
        }
        g_string_append(out, "|");
        md_code_cell(out, e->name);
        md_cell(out, e->subject);
        md_cell(out, e->reason);
        md_code_cell(out, e->patch);
        g_string_append(out, "\n");
    }
}

static char *render_markdown(const QfSeries *series)
{
    GString *out = g_string_new(NULL);
    g_autofree char *sum = summary(series);
    const char *section = NULL;
    const char *part = NULL;
    guint group = G_MAXUINT;

    g_string_append_printf(
        out,
        "# QEMU patches for Grace I/O virtualization, in this fork\n\n"
        "<!-- Generated by `qfork table` from series.conf: do not edit. "
        "`make series-table` regenerates it; `make check` checks it. -->\n\n"
        "The vendor's patch tables as this fork carries them: each row's "
        "state on the pinned base and the evidence for it (see "
        "[qfork.md](qfork.md), `qfork verify-base`).\n\n%s\n",
        sum);
    for (guint i = 0; i < series->entries->len; i++) {
        const QfEntry *e = series->entries->pdata[i];
        gboolean workaround;
        const char *this_part;

        if (!e->table_row) {
            continue;
        }
        workaround = is_workaround_section(series, e->section);
        this_part = workaround ? "QEMU Workarounds" : "Upstream QEMU";
        if (g_strcmp0(part, this_part) != 0) {
            part = this_part;
            g_string_append_printf(out, "\n## %s\n", part);
        }
        if (g_strcmp0(section, e->section) != 0) {
            section = e->section;
            group = G_MAXUINT;
            g_string_append_printf(out, "\n### QEMU I/O Virtualization: %s\n\n",
                                   section);
            if (workaround) {
                md_sauce_header(out);
            } else {
                md_upstream_header(out);
            }
        }
        md_row(out, series, e, e->group != group);
        group = e->group;
    }
    md_downstream(out, series);
    return g_string_free(out, FALSE);
}

/* ---- JSON ---------------------------------------------------------------- */

static void json_field(GString *out, const char *key, const char *value,
                       gboolean first)
{
    g_string_append(out, first ? "" : ", ");
    qf_json_append_string(out, key);
    g_string_append(out, ": ");
    if (value) {
        qf_json_append_string(out, value);
    } else {
        g_string_append(out, "null");
    }
}

static void json_entry(GString *out, const QfSeries *series, const QfEntry *e)
{
    g_autofree char *state = NULL;
    QfRowState st = qf_table_row_state(series, e, &state);

    g_string_append_printf(out, "    {\"row\": %u, \"position\": %u",
                           e->table_row, e->position);
    json_field(out, "kind", qf_entry_kind_name(e->kind), FALSE);
    json_field(out, "name", e->name, FALSE);
    json_field(out, "section", e->section, FALSE);
    json_field(out, "group", e->ml_month, FALSE);
    json_field(out, "commit", e->sha12, FALSE);
    json_field(out, "full_commit", e->full_sha, FALSE);
    json_field(out, "subject", e->subject, FALSE);
    json_field(out, "min_release", e->min_release, FALSE);
    json_field(out, "first_release", e->first_release, FALSE);
    json_field(out, "state", qf_row_state_id(st), FALSE);
    json_field(out, "state_text", state, FALSE);
    json_field(out, "evidence_kind",
               e->kind == QF_ENTRY_UPSTREAM ? qf_evidence_kind_name(e->evidence)
                                            : NULL,
               FALSE);
    json_field(out, "evidence", e->table_row ? row_evidence(e) : NULL, FALSE);
    json_field(out, "patch", e->patch, FALSE);
    json_field(out, "test", e->test, FALSE);
    json_field(out, "impact", e->impact, FALSE);
    json_field(out, "reason", e->reason, FALSE);
    g_string_append(out, "}");
}

static char *render_json(const QfSeries *series)
{
    GString *out = g_string_new("{\n  ");
    gboolean first = TRUE;

    json_field(out, "base", series->base_version, TRUE);
    g_string_append(out, ",\n  \"rows\": [\n");
    for (int pass = 0; pass < 2; pass++) {
        if (pass) {
            g_string_append(out, "\n  ],\n  \"downstream\": [\n");
            first = TRUE;
        }
        for (guint i = 0; i < series->entries->len; i++) {
            const QfEntry *e = series->entries->pdata[i];

            if ((e->table_row != 0) == pass) {
                continue;
            }
            g_string_append(out, first ? "" : ",\n");
            first = FALSE;
            json_entry(out, series, e);
        }
    }
    g_string_append(out, "\n  ]\n}\n");
    return g_string_free(out, FALSE);
}

/* ---- HTML ---------------------------------------------------------------- */

static void html_text(GString *out, const char *s)
{
    g_autofree char *esc = g_markup_escape_text(s ? s : "", -1);

    g_string_append(out, esc);
}

static void html_cell(GString *out, const char *s, const char *cls)
{
    g_string_append_printf(out, "<td%s%s%s>", cls ? " class=\"" : "",
                           cls ? cls : "", cls ? "\"" : "");
    html_text(out, s);
    g_string_append(out, "</td>");
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
    "<title>QEMU patches for Grace I/O virtualization, in this fork</title>\n"
    "<style>\n"
    "body{font-family:sans-serif;margin:1em;}\n"
    "table{border-collapse:collapse;width:100%;font-size:90%;}\n"
    "th,td{border:1px solid #bbb;padding:.25em .4em;vertical-align:top;"
    "text-align:left;}\n"
    "th{background:#eee;cursor:pointer;position:sticky;top:0;}\n"
    "th[aria-sort=ascending]::after{content:\" \\25b2\";}\n"
    "th[aria-sort=descending]::after{content:\" \\25bc\";}\n"
    "td.commit{font-family:monospace;}\n"
    "tr.in-base td.state{background:#e6f4e6;}\n"
    "tr.patch td.state{background:#e6ecf8;}\n"
    "tr.pending td.state{background:#fbe9e6;}\n"
    "#filters{margin:.5em 0;}\n"
    "</style>\n</head>\n<body>\n";

/*
 * Sorting and filtering, in the page itself: no external assets.  After
 * every change the table's data-shown says how many rows are visible.
 */
static const char html_script[] =
    "<script>\n"
    "(function () {\n"
    "  var table = document.getElementById('series');\n"
    "  var body = table.tBodies[0];\n"
    "  var rows = Array.prototype.slice.call(body.rows);\n"
    "  var sec = document.getElementById('section');\n"
    "  var st = document.getElementById('state');\n"
    "  var text = document.getElementById('text');\n"
    "  var count = document.getElementById('count');\n"
    "  function fill(select, key) {\n"
    "    var seen = {};\n"
    "    rows.forEach(function (r) {\n"
    "      var v = r.dataset[key];\n"
    "      if (seen[v]) return;\n"
    "      seen[v] = true;\n"
    "      var o = document.createElement('option');\n"
    "      o.value = o.textContent = v;\n"
    "      select.appendChild(o);\n"
    "    });\n"
    "  }\n"
    "  function apply() {\n"
    "    var shown = 0, q = text.value.toLowerCase();\n"
    "    rows.forEach(function (r) {\n"
    "      var ok = (!sec.value || r.dataset.section === sec.value) &&\n"
    "               (!st.value || r.dataset.state === st.value) &&\n"
    "               (!q || r.textContent.toLowerCase().indexOf(q) >= 0);\n"
    "      r.hidden = !ok;\n"
    "      shown += ok;\n"
    "    });\n"
    "    table.dataset.shown = shown;\n"
    "    count.textContent = shown + ' of ' + rows.length + ' rows shown';\n"
    "  }\n"
    "  function key(r, i) {\n"
    "    var t = r.cells[i].textContent;\n"
    "    return i === 0 ? ('000000' + t).slice(-6) : t.toLowerCase();\n"
    "  }\n"
    "  Array.prototype.forEach.call(table.tHead.rows[0].cells,\n"
    "    function (th, i) {\n"
    "      th.addEventListener('click', function () {\n"
    "        var up = th.getAttribute('aria-sort') !== 'ascending';\n"
    "        Array.prototype.forEach.call(table.tHead.rows[0].cells,\n"
    "          function (c) { c.removeAttribute('aria-sort'); });\n"
    "        th.setAttribute('aria-sort', up ? 'ascending' : 'descending');\n"
    "        rows.sort(function (a, b) {\n"
    "          var x = key(a, i), y = key(b, i);\n"
    "          return (x < y ? -1 : x > y ? 1 : 0) * (up ? 1 : -1);\n"
    "        });\n"
    "        rows.forEach(function (r) { body.appendChild(r); });\n"
    "      });\n"
    "    });\n"
    "  fill(sec, 'section');\n"
    "  fill(st, 'state');\n"
    "  /* #section=S&state=T preselects the filters: a link to a view. */\n"
    "  location.hash.slice(1).split('&').forEach(function (kv) {\n"
    "    var p = kv.split('='), v = decodeURIComponent(p[1] || '');\n"
    "    if (p[0] === 'section') sec.value = v;\n"
    "    if (p[0] === 'state') st.value = v;\n"
    "  });\n"
    "  [sec, st].forEach(function (s) { s.addEventListener('change', apply); "
    "});\n"
    "  text.addEventListener('input', apply);\n"
    "  apply();\n"
    "})();\n"
    "</script>\n";

static void html_row(GString *out, const QfSeries *series, const QfEntry *e)
{
    g_autofree char *state = NULL;
    QfRowState st = qf_table_row_state(series, e, &state);
    g_autofree char *row = g_strdup_printf("%u", e->table_row);
    g_autofree char *patch_test =
        e->patch
            ? g_strdup_printf("%s%s%s", e->patch, e->test ? "; test: " : "",
                              e->test ? e->test : "")
            : NULL;

    g_string_append_printf(out,
                           "<tr class=\"%s\" data-state=\"%s\" "
                           "data-section=\"",
                           qf_row_state_id(st), qf_row_state_id(st));
    html_text(out, e->section);
    g_string_append(out, "\">");
    html_cell(out, row, NULL);
    html_cell(out, e->section, NULL);
    html_cell(out, e->ml_month, NULL);
    html_cell(out, e->sha12, "commit");
    html_cell(out, e->subject, NULL);
    html_cell(out, e->kind == QF_ENTRY_SAUCE ? e->impact : e->min_release,
              NULL);
    html_cell(out, state, "state");
    html_cell(out, row_evidence(e), NULL);
    html_cell(out, patch_test, NULL);
    g_string_append(out, "</tr>\n");
}

static char *render_html(const QfSeries *series)
{
    GString *out = g_string_new(html_head);
    g_autofree char *sum = summary(series);

    g_string_append(out, "<h1>QEMU patches for Grace I/O virtualization, in "
                         "this fork</h1>\n<p>");
    html_text(out, sum);
    g_string_append(out,
                    "</p>\n<p>Generated by <code>qfork table --html</code> "
                    "from series.conf.  Click a column to sort.</p>\n"
                    "<div id=\"filters\">Section <select id=\"section\">"
                    "<option value=\"\">all</option></select> State "
                    "<select id=\"state\"><option value=\"\">all</option>"
                    "</select> Text <input id=\"text\" type=\"search\"> "
                    "<span id=\"count\"></span></div>\n"
                    "<table id=\"series\">\n<thead><tr><th>Row</th>"
                    "<th>Section</th><th>ML discussion</th><th>Commit</th>"
                    "<th>Description</th><th>Minimum release / impact</th>"
                    "<th>State in this fork</th><th>Evidence</th>"
                    "<th>Patch and test</th></tr></thead>\n<tbody>\n");
    for (guint i = 0; i < series->entries->len; i++) {
        const QfEntry *e = series->entries->pdata[i];

        if (e->table_row) {
            html_row(out, series, e);
        }
    }
    g_string_append(out, "</tbody>\n</table>\n");
    g_string_append(out, html_script);
    g_string_append(out, "</body>\n</html>\n");
    return g_string_free(out, FALSE);
}

char *qf_table_render(const QfSeries *series, QfTableFormat format)
{
    switch (format) {
    case QF_TABLE_MARKDOWN:
        return render_markdown(series);
    case QF_TABLE_HTML:
        return render_html(series);
    case QF_TABLE_JSON:
        return render_json(series);
    }
    return NULL;
}
