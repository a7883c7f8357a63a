/*
 * qfork: series.conf parser.
 *
 * The parser collects every error as "FILE:LINE: message" and keeps going
 * so that `qfork lint` can list them all; qf_series_parse() reports the
 * first.  It never repairs input: anything not spelled out in the syntax
 * at the top of series.conf is an error.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-series.h"
#include "qf-error.h"
#include "qf-fs.h"

#include <string.h>

/* What the attribute lines under the current directive belong to. */
typedef enum {
    BLOCK_NONE,         /* no directive yet */
    BLOCK_SKIP,         /* a directive that was in error: swallow its lines */
    BLOCK_BASE,
    BLOCK_SECTION,
    BLOCK_GROUP,
    BLOCK_ENTRY,
} BlockKind;

typedef struct Parser {
    const char *path;
    GPtrArray *errors;          /* ParseError *, sorted by line at the end */
    QfSeries *series;

    guint line;                 /* line being parsed */
    BlockKind block;
    guint block_line;
    QfEntry *entry;             /* BLOCK_ENTRY: the entry being filled */
    QfBlock *lines;             /* BLOCK_BASE, BLOCK_ENTRY: where it stands */
    GHashTable *block_attrs;    /* key -> first line, in the current block */

    char *section;              /* context carried into entries */
    char *ml_month;
    char *min_release;
    guint group;                /* current group's number, 0 for none */
    guint groups;               /* groups seen */

    gboolean seen_directive;
    gboolean before_base_reported;
    guint base_line;
    guint table_rows;
    GHashTable *names;          /* entry name -> line */
} Parser;

static char *split_word(const char *s, const char **rest);

static const char *const month_names[] = {
    "January", "February", "March", "April", "May", "June", "July",
    "August", "September", "October", "November", "December",
};

typedef struct ParseError {
    guint line;
    char *message;              /* "FILE:LINE: message" */
} ParseError;

static void parse_error_free(ParseError *e)
{
    g_free(e->message);
    g_free(e);
}

static void G_GNUC_PRINTF(3, 4)
parse_error(Parser *p, guint line, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;
    ParseError *e = g_new0(ParseError, 1);

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    e->line = line;
    e->message = g_strdup_printf("%s:%u: %s", p->path, line, msg);
    g_ptr_array_add(p->errors, e);
}

static gint parse_error_cmp(gconstpointer a, gconstpointer b)
{
    const ParseError *ea = *(ParseError *const *)a;
    const ParseError *eb = *(ParseError *const *)b;

    return (ea->line > eb->line) - (ea->line < eb->line);
}

static void qf_entry_free(QfEntry *e)
{
    g_free(e->name);
    g_free(e->section);
    g_free(e->ml_month);
    g_free(e->sha12);
    g_free(e->full_sha);
    g_free(e->subject);
    g_free(e->min_release);
    g_free(e->first_release);
    g_free(e->patch);
    g_free(e->impact);
    g_free(e->reason);
    g_free(e->test);
    g_free(e->evidence_text);
    g_free(e->evidence_release);
    g_free(e);
}

void qf_series_free(QfSeries *series)
{
    if (!series) {
        return;
    }
    g_free(series->path);
    g_free(series->dir);
    g_free(series->base_version);
    g_free(series->base_tarball);
    g_free(series->base_sha256);
    g_ptr_array_unref(series->entries);
    g_free(series);
}

const char *qf_entry_kind_name(QfEntryKind kind)
{
    switch (kind) {
    case QF_ENTRY_UPSTREAM:
        return "upstream";
    case QF_ENTRY_SAUCE:
        return "sauce";
    case QF_ENTRY_DOWNSTREAM:
        return "downstream";
    }
    return "?";
}

const char *qf_evidence_kind_name(QfEvidenceKind kind)
{
    switch (kind) {
    case QF_EVIDENCE_UNSET:
        return "unverified";
    case QF_EVIDENCE_ANCESTRY:
        return "ancestry";
    case QF_EVIDENCE_CONTENT:
        return "content";
    case QF_EVIDENCE_OPEN:
        return "none";
    }
    return "?";
}

/* ---- value syntax ---------------------------------------------------- */

static gboolean is_lower_hex(const char *s, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        if (!g_ascii_isxdigit(s[i]) || g_ascii_isupper(s[i])) {
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean is_sha_of_length(const char *s, gsize n)
{
    return strlen(s) == n && is_lower_hex(s, n);
}

static gboolean is_slug(const char *s)
{
    if (!g_ascii_islower(s[0])) {
        return FALSE;
    }
    for (const char *c = s; *c; c++) {
        if (!g_ascii_islower(*c) && !g_ascii_isdigit(*c) &&
            *c != '-' && *c != '.' && *c != '_') {
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean is_month(const char *s)
{
    const char *space = strchr(s, ' ');

    if (!space || strlen(space + 1) != 4 ||
        !g_ascii_isdigit(space[1]) || !g_ascii_isdigit(space[2]) ||
        !g_ascii_isdigit(space[3]) || !g_ascii_isdigit(space[4])) {
        return FALSE;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(month_names); i++) {
        if (strlen(month_names[i]) == (gsize)(space - s) &&
            strncmp(s, month_names[i], space - s) == 0) {
            return TRUE;
        }
    }
    return FALSE;
}

/* A relative path that stays below the series directory. */
static gboolean is_safe_relative_path(const char *s)
{
    g_auto(GStrv) parts = NULL;

    if (s[0] == '/') {
        return FALSE;
    }
    parts = g_strsplit(s, "/", -1);
    for (char **c = parts; *c; c++) {
        if (strcmp(*c, "..") == 0) {
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- releases -------------------------------------------------------- */

typedef struct {
    guint num[3];               /* major, minor, micro (0 when omitted) */
    gint rc;                    /* -1 for a final release */
} Release;

/* Digits without a leading zero, at most 5 of them; advances *s. */
static gboolean parse_release_number(const char **s, guint *out)
{
    const char *c = *s;
    guint v = 0;
    gsize n = 0;

    while (g_ascii_isdigit(c[n])) {
        v = v * 10 + (c[n] - '0');
        n++;
        if (n > 5) {
            return FALSE;
        }
    }
    if (n == 0 || (n > 1 && c[0] == '0')) {
        return FALSE;
    }
    *out = v;
    *s = c + n;
    return TRUE;
}

static gboolean parse_release(const char *s, Release *r)
{
    guint rc;

    memset(r, 0, sizeof(*r));
    r->rc = -1;
    if (*s == 'v') {
        s++;
    }
    if (!parse_release_number(&s, &r->num[0]) || *s++ != '.' ||
        !parse_release_number(&s, &r->num[1])) {
        return FALSE;
    }
    if (*s == '.') {
        s++;
        if (!parse_release_number(&s, &r->num[2])) {
            return FALSE;
        }
    }
    if (g_str_has_prefix(s, "-rc")) {
        s += 3;
        if (!parse_release_number(&s, &rc)) {
            return FALSE;
        }
        r->rc = rc;
    }
    return *s == '\0';
}

static gboolean release_is_valid(const char *s)
{
    Release r;

    return parse_release(s, &r);
}

gboolean qf_release_compare(const char *a, const char *b, int *result,
                            GError **error)
{
    Release ra, rb;

    for (int i = 0; i < 2; i++) {
        const char *s = i ? b : a;

        if (!parse_release(s, i ? &rb : &ra)) {
            g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                        "'%s' is not a release "
                        "(expected [v]MAJOR.MINOR[.MICRO][-rcN])", s);
            return FALSE;
        }
    }
    for (int i = 0; i < 3; i++) {
        if (ra.num[i] != rb.num[i]) {
            *result = ra.num[i] < rb.num[i] ? -1 : 1;
            return TRUE;
        }
    }
    if (ra.rc == rb.rc) {
        *result = 0;
    } else if (ra.rc < 0 || rb.rc < 0) {
        /* A final release comes after all of its release candidates. */
        *result = ra.rc < 0 ? 1 : -1;
    } else {
        *result = ra.rc < rb.rc ? -1 : 1;
    }
    return TRUE;
}

/* ---- blocks ---------------------------------------------------------- */

/* "upstream b64b7ed8bb5d", "base", "group" -- names the block in messages. */
static char *block_label(const Parser *p)
{
    switch (p->block) {
    case BLOCK_BASE:
        return g_strdup("'base'");
    case BLOCK_SECTION:
        return g_strdup("'section'");
    case BLOCK_GROUP:
        return g_strdup("'group'");
    case BLOCK_ENTRY:
        return g_strdup_printf("%s entry %s",
                               qf_entry_kind_name(p->entry->kind),
                               p->entry->name);
    default:
        return g_strdup("?");
    }
}

/*
 * Ancestry proves the first release: it must be the row's first-release,
 * or the two facts contradict each other.
 */
static void check_ancestry_release(Parser *p, const QfEntry *e)
{
    int cmp = 0;

    if (e->evidence != QF_EVIDENCE_ANCESTRY || !e->evidence_release) {
        return;
    }
    if (!e->first_release) {
        parse_error(p, e->line, "%s has 'evidence ancestry %s' but no "
                    "'first-release'", e->name, e->evidence_release);
    } else if (qf_release_compare(e->first_release, e->evidence_release,
                                  &cmp, NULL) && cmp != 0) {
        parse_error(p, e->line, "%s: first-release %s but 'evidence "
                    "ancestry %s'", e->name, e->first_release,
                    e->evidence_release);
    }
}

/* Checks that need the whole block: required attributes. */
static void finish_block(Parser *p)
{
    QfEntry *e = p->entry;

    gboolean tarball = g_hash_table_contains(p->block_attrs, "tarball");
    gboolean sha256 = g_hash_table_contains(p->block_attrs, "sha256");

    if (p->block == BLOCK_BASE && tarball != sha256) {
        parse_error(p, p->block_line,
                    "'base' has %s but no %s: the tarball cannot be verified",
                    tarball ? "a tarball" : "a sha256",
                    tarball ? "sha256" : "tarball");
    }
    /* Checked by key: an attribute given without a value was reported. */
    if (p->block == BLOCK_ENTRY) {
        if (!g_hash_table_contains(p->block_attrs, "subject") &&
            e->kind != QF_ENTRY_DOWNSTREAM) {
            parse_error(p, e->line, "%s entry %s has no 'subject'",
                        qf_entry_kind_name(e->kind), e->name);
        }
        if (!g_hash_table_contains(p->block_attrs, "patch") &&
            e->kind != QF_ENTRY_UPSTREAM) {
            parse_error(p, e->line, "%s entry %s has no 'patch'",
                        qf_entry_kind_name(e->kind), e->name);
        }
        check_ancestry_release(p, e);
    }
    p->block = BLOCK_NONE;
    p->entry = NULL;
    p->lines = NULL;
    g_hash_table_remove_all(p->block_attrs);
}

static void start_block(Parser *p, BlockKind kind)
{
    finish_block(p);
    p->block = kind;
    p->block_line = p->line;
}

/* The block just started is one whose lines the model keeps. */
static void keep_lines(Parser *p, QfBlock *lines)
{
    p->lines = lines;
    lines->line = p->line;
    lines->last_line = p->line;
}

/* ---- directives ------------------------------------------------------ */

static void directive_base(Parser *p, const char *arg)
{
    QfSeries *s = p->series;

    if (p->base_line) {
        parse_error(p, p->line, "duplicate 'base' (first at line %u)",
                    p->base_line);
        start_block(p, BLOCK_SKIP);
        return;
    }
    start_block(p, BLOCK_BASE);
    keep_lines(p, &s->base_block);
    p->base_line = p->line;
    s->base_line = p->line;
    if (!release_is_valid(arg)) {
        parse_error(p, p->line, "base version '%s' is not a release "
                    "(expected MAJOR.MINOR[.MICRO][-rcN])", arg);
    }
    s->base_version = g_strdup(arg);
}

static void directive_section(Parser *p, const char *arg)
{
    start_block(p, BLOCK_SECTION);
    g_free(p->section);
    p->section = g_strdup(arg);
    p->group = 0;
    g_clear_pointer(&p->ml_month, g_free);
    g_clear_pointer(&p->min_release, g_free);
}

static void directive_group(Parser *p, const char *arg)
{
    start_block(p, BLOCK_GROUP);
    p->group = ++p->groups;
    g_clear_pointer(&p->ml_month, g_free);
    g_clear_pointer(&p->min_release, g_free);
    if (strcmp(arg, "-") == 0) {
        return;
    }
    if (!is_month(arg)) {
        parse_error(p, p->line, "group '%s' is not a month such as "
                    "'March 2024' (or '-' for none)", arg);
    }
    p->ml_month = g_strdup(arg);
}

static void remember_name(Parser *p, const char *name)
{
    gpointer first = g_hash_table_lookup(p->names, name);

    if (first) {
        parse_error(p, p->line, "duplicate entry %s (first at line %u)",
                    name, GPOINTER_TO_UINT(first));
    } else {
        g_hash_table_insert(p->names, g_strdup(name),
                            GUINT_TO_POINTER(p->line));
    }
}

static void directive_entry(Parser *p, QfEntryKind kind, const char *arg)
{
    QfEntry *e;

    if (kind == QF_ENTRY_DOWNSTREAM && !is_slug(arg)) {
        parse_error(p, p->line, "downstream name '%s' is not a slug "
                    "(a lowercase letter, then lowercase letters, digits, "
                    "'.', '_', '-')", arg);
        start_block(p, BLOCK_SKIP);
        return;
    }
    if (kind != QF_ENTRY_DOWNSTREAM && !is_sha_of_length(arg, 12)) {
        parse_error(p, p->line, "%s '%s': not a sha12 "
                    "(12 lowercase hex digits)", qf_entry_kind_name(kind),
                    arg);
        start_block(p, BLOCK_SKIP);
        return;
    }
    start_block(p, BLOCK_ENTRY);
    remember_name(p, arg);

    e = g_new0(QfEntry, 1);
    e->kind = kind;
    e->line = p->line;
    e->position = p->series->entries->len + 1;
    e->name = g_strdup(arg);
    if (kind != QF_ENTRY_DOWNSTREAM) {
        e->table_row = ++p->table_rows;
        e->sha12 = g_strdup(arg);
    }
    e->section = g_strdup(p->section);
    e->ml_month = g_strdup(p->ml_month);
    e->group = p->group;
    e->min_release = g_strdup(p->min_release);
    g_ptr_array_add(p->series->entries, e);
    p->entry = e;
    keep_lines(p, &e->block);
}

static const char *const attribute_keys[QF_ATTR_COUNT] = {
    [QF_ATTR_TARBALL] = "tarball",
    [QF_ATTR_SHA256] = "sha256",
    [QF_ATTR_MIN_RELEASE] = "min-release",
    [QF_ATTR_COMMIT] = "commit",
    [QF_ATTR_SUBJECT] = "subject",
    [QF_ATTR_FIRST_RELEASE] = "first-release",
    [QF_ATTR_PATCH] = "patch",
    [QF_ATTR_IMPACT] = "impact",
    [QF_ATTR_REASON] = "reason",
    [QF_ATTR_EVIDENCE] = "evidence",
    [QF_ATTR_TEST] = "test",
};

const char *qf_attr_key(QfAttr attr)
{
    return attr < QF_ATTR_COUNT ? attribute_keys[attr] : "?";
}

/* The attribute named @word, or QF_ATTR_COUNT. */
static QfAttr attribute_of(const char *word)
{
    for (gsize i = 0; i < G_N_ELEMENTS(attribute_keys); i++) {
        if (strcmp(word, attribute_keys[i]) == 0) {
            return (QfAttr)i;
        }
    }
    return QF_ATTR_COUNT;
}

static gboolean is_attribute_key(const char *word)
{
    return attribute_of(word) != QF_ATTR_COUNT;
}

/* Note where a (first) attribute line of a kept block stands. */
static void note_attribute_line(Parser *p, const char *key)
{
    QfAttr attr = attribute_of(key);

    if (!p->lines || attr == QF_ATTR_COUNT) {
        return; /* an unknown key is an error: no model is returned */
    }
    p->lines->attr_line[attr] = p->line;
    p->lines->last_line = p->line;
}

static void parse_directive(Parser *p, const char *word, const char *arg)
{
    gboolean known = strcmp(word, "base") == 0 ||
                     strcmp(word, "section") == 0 ||
                     strcmp(word, "group") == 0 ||
                     strcmp(word, "upstream") == 0 ||
                     strcmp(word, "sauce") == 0 ||
                     strcmp(word, "downstream") == 0;

    if (!known) {
        parse_error(p, p->line, "unknown directive '%s'%s", word,
                    is_attribute_key(word)
                    ? " (attributes are indented by two spaces)" : "");
        start_block(p, BLOCK_SKIP);
        return;
    }
    if (!*arg) {
        parse_error(p, p->line, "'%s' needs an argument", word);
        start_block(p, BLOCK_SKIP);
        return;
    }
    if (!p->base_line && strcmp(word, "base") != 0 &&
        !p->before_base_reported) {
        parse_error(p, p->line, "'%s' before 'base': the series must "
                    "start with 'base VERSION'", word);
        p->before_base_reported = TRUE;
    }

    if (strcmp(word, "base") == 0) {
        directive_base(p, arg);
    } else if (strcmp(word, "section") == 0) {
        directive_section(p, arg);
    } else if (strcmp(word, "group") == 0) {
        directive_group(p, arg);
    } else if (strcmp(word, "upstream") == 0) {
        directive_entry(p, QF_ENTRY_UPSTREAM, arg);
    } else if (strcmp(word, "sauce") == 0) {
        directive_entry(p, QF_ENTRY_SAUCE, arg);
    } else {
        directive_entry(p, QF_ENTRY_DOWNSTREAM, arg);
    }
}

/* ---- attributes ------------------------------------------------------ */

static void attr_base(Parser *p, const char *key, const char *value)
{
    QfSeries *s = p->series;

    if (strcmp(key, "tarball") == 0) {
        if (strchr(value, '/') || strcmp(value, "..") == 0 ||
            strcmp(value, ".") == 0) {
            parse_error(p, p->line, "tarball '%s' is not a file name",
                        value);
        }
        s->base_tarball = g_strdup(value);
    } else if (strcmp(key, "sha256") == 0) {
        if (!is_sha_of_length(value, 64)) {
            parse_error(p, p->line, "sha256 '%s' is not 64 lowercase hex "
                        "digits", value);
        }
        s->base_sha256 = g_strdup(value);
    } else {
        parse_error(p, p->line, "unknown attribute '%s' for 'base' "
                    "(tarball, sha256)", key);
    }
}

static void attr_group(Parser *p, const char *key, const char *value)
{
    if (strcmp(key, "min-release") != 0) {
        parse_error(p, p->line, "unknown attribute '%s' for 'group' "
                    "(min-release)", key);
        return;
    }
    if (!release_is_valid(value)) {
        parse_error(p, p->line, "min-release '%s' is not a release "
                    "(expected [v]MAJOR.MINOR[.MICRO][-rcN])", value);
    }
    p->min_release = g_strdup(value);
}

/* Unique by construction: it starts with the entry's unique sha12. */
static void attr_commit(Parser *p, QfEntry *e, const char *value)
{
    if (!is_sha_of_length(value, 40)) {
        parse_error(p, p->line, "commit '%s' of %s is not a full sha "
                    "(40 lowercase hex digits)", value, e->name);
    } else if (!g_str_has_prefix(value, e->sha12)) {
        parse_error(p, p->line, "commit %s does not start with the entry's "
                    "sha12 %s", value, e->sha12);
    }
    e->full_sha = g_strdup(value);
}

/* "(N file[s], M hunk[s])" with N, M > 0; anything may follow it. */
static gboolean is_content_counts(const char *s)
{
    guint64 files, hunks;
    char *end;

    if (*s != '(' || !g_ascii_isdigit(s[1])) {
        return FALSE;
    }
    files = g_ascii_strtoull(s + 1, &end, 10);
    if (files == 0 || !(g_str_has_prefix(end, files == 1 ? " file, "
                                                           : " files, "))) {
        return FALSE;
    }
    end += files == 1 ? 7 : 8;
    if (!g_ascii_isdigit(*end)) {
        return FALSE;
    }
    hunks = g_ascii_strtoull(end, &end, 10);
    return hunks > 0 &&
           g_str_has_prefix(end, hunks == 1 ? " hunk)" : " hunks)");
}

/*
 *   ancestry RELEASE                      git: the commit is in tag RELEASE
 *   content RELEASE (N files, M hunks)... its change is in RELEASE's tree
 *   none: REASON                          no source could settle it
 */
static void attr_evidence(Parser *p, QfEntry *e, const char *value)
{
    const char *rest = NULL;
    g_autofree char *word = split_word(value, &rest);
    g_autofree char *release = NULL;

    e->evidence_text = g_strdup(value);
    if (strcmp(word, "none:") == 0) {
        e->evidence = QF_EVIDENCE_OPEN;
        if (!*rest) {
            parse_error(p, p->line, "'evidence none:' of %s needs a reason",
                        e->name);
        }
        return;
    }
    if (strcmp(word, "ancestry") != 0 && strcmp(word, "content") != 0) {
        parse_error(p, p->line, "evidence '%s' of %s: expected 'ancestry "
                    "RELEASE', 'content RELEASE (N files, M hunks)' or "
                    "'none: REASON'", value, e->name);
        return;
    }
    e->evidence = word[0] == 'a' ? QF_EVIDENCE_ANCESTRY : QF_EVIDENCE_CONTENT;
    release = split_word(rest, &rest);
    if (!release_is_valid(release)) {
        parse_error(p, p->line, "evidence of %s: '%s' is not a release "
                    "(expected [v]MAJOR.MINOR[.MICRO][-rcN])", e->name,
                    release);
        return;
    }
    e->evidence_release = g_steal_pointer(&release);
    if (e->evidence == QF_EVIDENCE_ANCESTRY && *rest) {
        parse_error(p, p->line, "evidence of %s: nothing may follow "
                    "'ancestry %s'", e->name, e->evidence_release);
    } else if (e->evidence == QF_EVIDENCE_CONTENT &&
               !is_content_counts(rest)) {
        parse_error(p, p->line, "evidence of %s: 'content %s' must be "
                    "followed by '(N files, M hunks)'", e->name,
                    e->evidence_release);
    }
}

/* Which attributes each entry kind takes. */
static gboolean entry_takes(QfEntryKind kind, const char *key)
{
    if (strcmp(key, "subject") == 0 || strcmp(key, "patch") == 0) {
        return TRUE;
    }
    switch (kind) {
    case QF_ENTRY_UPSTREAM:
        return strcmp(key, "commit") == 0 ||
               strcmp(key, "first-release") == 0 ||
               strcmp(key, "evidence") == 0;
    case QF_ENTRY_SAUCE:
        return strcmp(key, "commit") == 0 || strcmp(key, "impact") == 0 ||
               strcmp(key, "test") == 0;
    case QF_ENTRY_DOWNSTREAM:
        return strcmp(key, "reason") == 0;
    }
    return FALSE;
}

static const char *entry_keys(QfEntryKind kind)
{
    switch (kind) {
    case QF_ENTRY_UPSTREAM:
        return "subject, commit, first-release, evidence, patch";
    case QF_ENTRY_SAUCE:
        return "subject, impact, commit, patch, test";
    case QF_ENTRY_DOWNSTREAM:
        return "subject, reason, patch";
    }
    return "";
}

static void attr_entry(Parser *p, const char *key, const char *value)
{
    QfEntry *e = p->entry;

    if (!entry_takes(e->kind, key)) {
        parse_error(p, p->line, "unknown attribute '%s' for %s entry %s "
                    "(%s)", key, qf_entry_kind_name(e->kind), e->name,
                    entry_keys(e->kind));
    } else if (strcmp(key, "commit") == 0) {
        attr_commit(p, e, value);
    } else if (strcmp(key, "subject") == 0) {
        e->subject = g_strdup(value);
    } else if (strcmp(key, "impact") == 0) {
        e->impact = g_strdup(value);
    } else if (strcmp(key, "reason") == 0) {
        e->reason = g_strdup(value);
    } else if (strcmp(key, "evidence") == 0) {
        attr_evidence(p, e, value);
    } else if (strcmp(key, "test") == 0) {
        if (!is_safe_relative_path(value)) {
            parse_error(p, p->line, "test path '%s' of %s must be relative "
                        "to the series file, without '..'", value, e->name);
        }
        e->test = g_strdup(value);
    } else if (strcmp(key, "first-release") == 0) {
        if (!release_is_valid(value)) {
            parse_error(p, p->line, "first-release '%s' of %s is not a "
                        "release (expected [v]MAJOR.MINOR[.MICRO][-rcN])",
                        value, e->name);
        }
        e->first_release = g_strdup(value);
    } else {
        if (!is_safe_relative_path(value)) {
            parse_error(p, p->line, "patch path '%s' of %s must be "
                        "relative to the series file, without '..'",
                        value, e->name);
        }
        e->patch = g_strdup(value);
    }
}

static void parse_attribute(Parser *p, const char *key, const char *value)
{
    g_autofree char *label = NULL;
    gpointer first;

    switch (p->block) {
    case BLOCK_NONE:
        parse_error(p, p->line, "attribute '%s' outside an entry", key);
        return;
    case BLOCK_SKIP:
        return;
    default:
        break;
    }
    first = g_hash_table_lookup(p->block_attrs, key);
    if (first) {
        label = block_label(p);
        parse_error(p, p->line, "duplicate attribute '%s' in %s "
                    "(first at line %u)", key, label,
                    GPOINTER_TO_UINT(first));
        return;
    }
    g_hash_table_insert(p->block_attrs, g_strdup(key),
                        GUINT_TO_POINTER(p->line));
    note_attribute_line(p, key);
    if (!*value) {
        label = block_label(p);
        parse_error(p, p->line, "attribute '%s' of %s has no value", key,
                    label);
        return;
    }

    switch (p->block) {
    case BLOCK_BASE:
        attr_base(p, key, value);
        break;
    case BLOCK_SECTION:
        parse_error(p, p->line, "unknown attribute '%s' for 'section' "
                    "(it takes none)", key);
        break;
    case BLOCK_GROUP:
        attr_group(p, key, value);
        break;
    default:
        attr_entry(p, key, value);
        break;
    }
}

/* ---- lines ----------------------------------------------------------- */

/* Splits "word rest": *rest points past the blanks after the word. */
static char *split_word(const char *s, const char **rest)
{
    gsize n = strcspn(s, " \t");
    const char *r = s + n;

    while (*r == ' ' || *r == '\t') {
        r++;
    }
    *rest = r;
    return g_strndup(s, n);
}

/*
 * A badly indented attribute is reported at its own line; its key still
 * counts as given, so that the block is not also said to lack it (which
 * would be reported first, at the entry's line, and point away from the
 * real mistake).
 */
static void note_misindented_key(Parser *p, const char *line, gsize indent)
{
    const char *value;
    g_autofree char *key = split_word(line + indent, &value);

    if (p->block != BLOCK_NONE && *key &&
        !g_hash_table_contains(p->block_attrs, key)) {
        g_hash_table_insert(p->block_attrs, g_steal_pointer(&key),
                            GUINT_TO_POINTER(p->line));
    }
}

static void parse_indented(Parser *p, const char *line)
{
    gsize indent = strspn(line, " \t");
    g_autofree char *key = NULL;
    const char *value;

    if (memchr(line, '\t', indent)) {
        parse_error(p, p->line, "tab in indentation: attributes are "
                    "indented by exactly two spaces");
        note_misindented_key(p, line, indent);
        return;
    }
    if (indent != 2) {
        parse_error(p, p->line, "indented by %zu space%s: attributes are "
                    "indented by exactly two spaces", indent,
                    indent == 1 ? "" : "s");
        note_misindented_key(p, line, indent);
        return;
    }
    key = split_word(line + 2, &value);
    parse_attribute(p, key, value);
}

static void parse_line(Parser *p, char *line, gsize len)
{
    const char *first = line + strspn(line, " \t");
    g_autofree char *word = NULL;
    const char *arg;

    if (!g_utf8_validate(line, len, NULL)) {
        parse_error(p, p->line, "line is not valid UTF-8");
        return;
    }
    /* Trailing blanks (and a CR) carry no meaning: drop them. */
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t' ||
                       line[len - 1] == '\r')) {
        line[--len] = '\0';
    }
    if (*first == '\0' || *first == '#') {
        return;
    }
    if (line[0] == ' ' || line[0] == '\t') {
        parse_indented(p, line);
        return;
    }
    p->seen_directive = TRUE;
    word = split_word(line, &arg);
    parse_directive(p, word, arg);
}

static void parser_init(Parser *p, const char *path)
{
    memset(p, 0, sizeof(*p));
    p->path = path;
    p->errors =
        g_ptr_array_new_with_free_func((GDestroyNotify)parse_error_free);
    p->series = g_new0(QfSeries, 1);
    p->series->path = g_strdup(path);
    p->series->dir = g_path_get_dirname(path);
    p->series->entries =
        g_ptr_array_new_with_free_func((GDestroyNotify)qf_entry_free);
    p->block_attrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           NULL);
    p->names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

static void parser_clear(Parser *p)
{
    g_hash_table_unref(p->block_attrs);
    g_hash_table_unref(p->names);
    g_ptr_array_unref(p->errors);
    g_free(p->section);
    g_free(p->ml_month);
    g_free(p->min_release);
    qf_series_free(p->series);
}

QfSeries *qf_series_parse_all(const char *text, gsize len, const char *path,
                              GPtrArray *errors)
{
    Parser p;
    gsize pos = 0;
    QfSeries *series;

    parser_init(&p, path);
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        gsize line_len = nl ? (gsize)(nl - (text + pos)) : len - pos;
        g_autofree char *line = NULL;

        p.line++;
        if (memchr(text + pos, '\0', line_len)) {
            parse_error(&p, p.line, "NUL byte in line");
        } else {
            line = g_strndup(text + pos, line_len);
            parse_line(&p, line, line_len);
        }
        pos += line_len + 1;
    }
    finish_block(&p);
    if (!p.base_line && !p.before_base_reported) {
        parse_error(&p, 1, "no 'base' directive: the series must start "
                    "with 'base VERSION'");
    }
    if (p.errors->len) {
        /* Stable: errors of one line stay in the order found. */
        g_ptr_array_sort(p.errors, parse_error_cmp);
        for (guint i = 0; i < p.errors->len; i++) {
            ParseError *e = g_ptr_array_index(p.errors, i);

            g_ptr_array_add(errors, g_steal_pointer(&e->message));
        }
        parser_clear(&p);
        return NULL;
    }
    series = g_steal_pointer(&p.series);
    parser_clear(&p);
    return series;
}

QfSeries *qf_series_parse(const char *text, gsize len, const char *path,
                          GError **error)
{
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    QfSeries *series = qf_series_parse_all(text, len, path, errors);

    if (!series) {
        g_set_error_literal(error, QF_ERROR, QF_ERROR_PARSE,
                            g_ptr_array_index(errors, 0));
    }
    return series;
}

static char *read_series_file(const char *path, gsize *len, GError **error)
{
    char *text = NULL;

    if (!qf_fs_read_regular(path, &text, len, error)) {
        return NULL;
    }
    return text;
}

QfSeries *qf_series_load(const char *path, GError **error)
{
    gsize len;
    g_autofree char *text = read_series_file(path, &len, error);

    return text ? qf_series_parse(text, len, path, error) : NULL;
}

QfSeries *qf_series_load_all(const char *path, GPtrArray *errors)
{
    g_autoptr(GError) error = NULL;
    gsize len;
    g_autofree char *text = read_series_file(path, &len, &error);

    if (!text) {
        g_ptr_array_add(errors, g_strdup(error->message));
        return NULL;
    }
    return qf_series_parse_all(text, len, path, errors);
}

char *qf_entry_patch_path(const QfSeries *series, const QfEntry *entry)
{
    return entry->patch ? g_build_filename(series->dir, entry->patch, NULL)
                        : NULL;
}

/* ---- finding entries ------------------------------------------------- */

static gboolean all_chars(const char *s, gboolean (*pred)(gchar))
{
    for (; *s; s++) {
        if (!pred(*s)) {
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean is_digit(gchar c)
{
    return g_ascii_isdigit(c);
}

static gboolean is_xdigit(gchar c)
{
    return g_ascii_isxdigit(c);
}

static QfEntry *find_by_position(const QfSeries *series, const char *ref,
                                 GError **error)
{
    guint64 pos;

    if (ref[0] == '0') {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "'%s' is not a position (positions start at 1, with no "
                    "leading zero); give a patch file by its full name",
                    ref);
        return NULL;
    }
    pos = g_ascii_strtoull(ref, NULL, 10);
    if (pos > series->entries->len) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "position %s is out of range: %s has %u entries", ref,
                    series->path, series->entries->len);
        return NULL;
    }
    return g_ptr_array_index(series->entries, pos - 1);
}

static gboolean sha_matches(const QfEntry *e, const char *prefix)
{
    if (!e->sha12) {
        return FALSE;
    }
    if (e->full_sha) {
        return g_str_has_prefix(e->full_sha, prefix);
    }
    /* Without the full sha, a longer ref can only be checked to 12. */
    return strlen(prefix) <= 12 ? g_str_has_prefix(e->sha12, prefix)
                                : g_str_has_prefix(prefix, e->sha12);
}

/* Adds every entry that @match accepts to @hits. */
static void collect(const QfSeries *series, const char *ref,
                    gboolean (*match)(const QfEntry *, const char *),
                    GPtrArray *hits)
{
    for (guint i = 0; i < series->entries->len; i++) {
        QfEntry *e = g_ptr_array_index(series->entries, i);

        if (match(e, ref)) {
            g_ptr_array_add(hits, e);
        }
    }
}

static gboolean name_matches(const QfEntry *e, const char *ref)
{
    return strcmp(e->name, ref) == 0;
}

static gboolean patch_matches(const QfEntry *e, const char *ref)
{
    const char *base;

    if (!e->patch) {
        return FALSE;
    }
    if (strchr(ref, '/')) {
        return strcmp(e->patch, ref) == 0;
    }
    base = strrchr(e->patch, '/');
    return strcmp(base ? base + 1 : e->patch, ref) == 0;
}

static QfEntry *one_hit(const QfSeries *series, const char *ref,
                        const char *what, GPtrArray *hits, GError **error)
{
    g_autoptr(GString) names = NULL;

    if (hits->len == 1) {
        return g_ptr_array_index(hits, 0);
    }
    names = g_string_new(NULL);
    for (guint i = 0; i < hits->len; i++) {
        const QfEntry *e = g_ptr_array_index(hits, i);

        g_string_append_printf(names, "%s%s (position %u)", i ? ", " : "",
                               e->name, e->position);
    }
    g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                "%s '%s' is ambiguous in %s: %s", what, ref, series->path,
                names->str);
    return NULL;
}

QfEntry *qf_series_find(const QfSeries *series, const char *ref,
                        GError **error)
{
    g_autoptr(GPtrArray) hits = g_ptr_array_new();
    g_autofree char *lower = NULL;
    gsize len = ref ? strlen(ref) : 0;

    if (len == 0) {
        g_set_error_literal(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                            "empty entry reference");
        return NULL;
    }
    /* Seven digits or more is a sha prefix, never a position. */
    if (all_chars(ref, is_digit) && len < 7) {
        return find_by_position(series, ref, error);
    }
    collect(series, ref, name_matches, hits);
    if (hits->len) {
        return g_ptr_array_index(hits, 0);  /* names are unique */
    }
    collect(series, ref, patch_matches, hits);
    if (hits->len) {
        return one_hit(series, ref, "patch file", hits, error);
    }
    if (all_chars(ref, is_xdigit) && len >= 7 && len <= 40) {
        lower = g_ascii_strdown(ref, -1);
        collect(series, lower, sha_matches, hits);
        if (hits->len) {
            return one_hit(series, ref, "sha prefix", hits, error);
        }
    }
    g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                "no entry '%s' in %s%s", ref, series->path,
                all_chars(ref, is_xdigit) && len < 7
                ? ": a sha prefix needs at least 7 hex digits"
                : " (give a position, a name, a sha prefix of at least 7 "
                  "hex digits, or a patch file name)");
    return NULL;
}
