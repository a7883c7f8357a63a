/*
 * qfork: writing a series commit without running git (libgit2).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-odb.h"

#include <errno.h>
#include <git2.h>
#include <string.h>
#include <sys/stat.h>

#include "qf-error.h"

struct QfOdb {
    char *dir;
    git_repository *repo;
    git_odb *db;
    gboolean filemode;      /* core.filemode: the executable bit counts */
    gboolean plain_blobs;   /* no core.autocrlf, real symlinks */
    gboolean plain_commits; /* no i18n.commitEncoding, no commit.gpgSign */
};

static gboolean git2_failed(GError **error, const char *what)
{
    const git_error *e = git_error_last();

    g_set_error(error, QF_ERROR, QF_ERROR_FAILED, "%s: %s", what,
                e && e->message ? e->message : "libgit2 error");
    return FALSE;
}

static gboolean config_bool(git_config *cfg, const char *name, gboolean dflt)
{
    int value;

    return git_config_get_bool(&value, cfg, name) == 0 ? value != 0 : dflt;
}

static gboolean config_is_set(git_config *cfg, const char *name)
{
    git_config_entry *entry = NULL;
    gboolean set = git_config_get_entry(&entry, cfg, name) == 0;

    git_config_entry_free(entry);
    return set;
}

/*
 * qf-git.h runs git with GIT_CONFIG_NOSYSTEM and no global configuration,
 * trusting the one repository it works on; libgit2 is told the same.
 * These are process-wide settings of libgit2, and qfork opens no other
 * repository through it.
 */
static void configure_libgit2(void)
{
    static const int levels[] = {
        GIT_CONFIG_LEVEL_SYSTEM,
        GIT_CONFIG_LEVEL_XDG,
        GIT_CONFIG_LEVEL_GLOBAL,
        GIT_CONFIG_LEVEL_PROGRAMDATA,
    };

    for (gsize i = 0; i < G_N_ELEMENTS(levels); i++) {
        git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, levels[i], "");
    }
    git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, 0);
}

QfOdb *qf_odb_open(const char *dir, GError **error)
{
    g_autoptr(QfOdb) odb = g_new0(QfOdb, 1);
    git_config *cfg = NULL;
    g_autofree char *autocrlf = NULL;
    const char *s;

    (void)error;
    git_libgit2_init();
    configure_libgit2();
    odb->dir = g_strdup(dir);
    if (git_repository_open_ext(&odb->repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH,
                                NULL) < 0 ||
        git_repository_odb(&odb->db, odb->repo) < 0 ||
        git_repository_config_snapshot(&cfg, odb->repo) < 0) {
        /* e.g. a repository format libgit2 1.5 does not know: git can */
        return NULL;
    }
    odb->filemode = config_bool(cfg, "core.filemode", TRUE);
    if (git_config_get_string(&s, cfg, "core.autocrlf") == 0) {
        autocrlf = g_ascii_strdown(s, -1);
    }
    odb->plain_blobs =
        config_bool(cfg, "core.symlinks", TRUE) &&
        !config_is_set(cfg, "core.attributesFile") &&
        (!autocrlf || g_str_equal(autocrlf, "false") ||
         g_str_equal(autocrlf, "no") || g_str_equal(autocrlf, "off") ||
         g_str_equal(autocrlf, "0"));
    odb->plain_commits = !config_is_set(cfg, "i18n.commitEncoding") &&
                         !config_bool(cfg, "commit.gpgSign", FALSE);
    git_config_free(cfg);
    /* for the reflog entries, as git's update-ref writes its own */
    git_repository_set_ident(odb->repo, "qfork", "qfork@invalid");
    return g_steal_pointer(&odb);
}

void qf_odb_free(QfOdb *odb)
{
    if (!odb) {
        return;
    }
    git_odb_free(odb->db);
    git_repository_free(odb->repo);
    git_libgit2_shutdown();
    g_free(odb->dir);
    g_free(odb);
}

/* ---- blobs ------------------------------------------------------------ */

/* One path of the new tree: a blob, or absent. */
typedef struct Change {
    const char *path;
    gboolean present;
    git_oid oid;
    git_filemode_t mode;
} Change;

/*
 * Does a line of an attributes file set an attribute that can make git
 * convert content on its way into the index?  "-text" and the like say
 * "no conversion" and are fine; a macro definition might set anything.
 */
static gboolean line_converts(const char *line)
{
    static const char *const converting[] = {
        "text", "eol", "crlf", "ident", "filter", "working-tree-encoding",
    };
    g_auto(GStrv) tokens = NULL;
    const char *p = line;

    while (g_ascii_isspace(*p)) {
        p++;
    }
    if (!*p || *p == '#') {
        return FALSE;
    }
    if (g_str_has_prefix(p, "[attr]")) {
        return TRUE;
    }
    if (*p == '"') {
        /* a quoted pattern: skip it */
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1]) {
                p++;
            }
        }
    }
    tokens = g_strsplit_set(p, " \t\r", -1);
    for (gsize i = 1; tokens[i]; i++) {
        const char *t = tokens[i];
        gsize len = strcspn(t, "=");

        if (*t == '-' || *t == '!') {
            continue;
        }
        for (gsize k = 0; k < G_N_ELEMENTS(converting); k++) {
            if (len == strlen(converting[k]) &&
                !strncmp(t, converting[k], len)) {
                return TRUE;
            }
        }
    }
    return FALSE;
}

static gboolean file_converts(const char *path)
{
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return FALSE;
    }
    lines = g_strsplit(text, "\n", -1);
    for (gsize i = 0; lines[i]; i++) {
        if (line_converts(lines[i])) {
            return TRUE;
        }
    }
    return FALSE;
}

/*
 * Might git convert @path's content (CRLF, ident, a filter driver...)?
 * Reads every attributes file git would consult for it - the system's,
 * the user's (git reads it whatever the configuration says), the
 * repository's info/attributes and the .gitattributes of each directory
 * from the top down - afresh each time: a patch may change them.
 */
static gboolean converted_by_attributes(QfOdb *odb, const char *path)
{
    g_autofree char *user =
        g_build_filename(g_get_user_config_dir(), "git", "attributes", NULL);
    g_autofree char *info = g_build_filename(git_repository_path(odb->repo),
                                             "info", "attributes", NULL);
    g_auto(GStrv) parts = g_strsplit(path, "/", -1);
    g_autoptr(GString) dir = g_string_new(odb->dir);

    if (file_converts("/etc/gitattributes") || file_converts(user) ||
        file_converts(info)) {
        return TRUE;
    }
    for (gsize i = 0; parts[i] && parts[i + 1]; i++) {
        g_autofree char *attrs =
            g_build_filename(dir->str, ".gitattributes", NULL);
        if (file_converts(attrs)) {
            return TRUE;
        }
        g_string_append_printf(dir, "/%s", parts[i]);
    }
    {
        g_autofree char *attrs =
            g_build_filename(dir->str, ".gitattributes", NULL);
        return file_converts(attrs);
    }
}

/* The mode git gives a regular file: its executable bit, if it trusts it. */
static git_filemode_t file_mode(QfOdb *odb, const struct stat *st,
                                git_filemode_t old)
{
    if (!odb->filemode) {
        return old == GIT_FILEMODE_BLOB_EXECUTABLE ? old : GIT_FILEMODE_BLOB;
    }
    return st->st_mode & S_IXUSR ? GIT_FILEMODE_BLOB_EXECUTABLE
                                 : GIT_FILEMODE_BLOB;
}

/* The mode @path has in @tree, 0 if none. */
static git_filemode_t mode_in(const git_tree *tree, const char *path)
{
    git_tree_entry *e = NULL;
    git_filemode_t mode = 0;

    if (tree && git_tree_entry_bypath(&e, tree, path) == 0) {
        mode = git_tree_entry_filemode(e);
        git_tree_entry_free(e);
    }
    return mode;
}

/*
 * Fill @c from the work tree: what `git update-index --add --remove` would
 * record.  FALSE without error: only git can tell.
 */
static gboolean hash_path(QfOdb *odb, const git_tree *base, Change *c,
                          GError **error)
{
    g_autofree char *full = g_build_filename(odb->dir, c->path, NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    struct stat st;

    if (lstat(full, &st) < 0) {
        int saved = errno;
        if (saved == ENOENT || saved == ENOTDIR) {
            c->present = FALSE;
            return TRUE;
        }
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot stat %s: %s", full,
                    g_strerror(saved));
        return FALSE;
    }
    if (S_ISDIR(st.st_mode)) {
        c->present = FALSE;
        return TRUE;
    }
    if (S_ISLNK(st.st_mode)) {
        data = g_file_read_link(full, error);
        if (!data) {
            return FALSE;
        }
        len = strlen(data);
        c->mode = GIT_FILEMODE_LINK;
    } else if (S_ISREG(st.st_mode)) {
        if (converted_by_attributes(odb, c->path)) {
            return FALSE;
        }
        if (!g_file_get_contents(full, &data, &len, error)) {
            return FALSE;
        }
        c->mode = file_mode(odb, &st, mode_in(base, c->path));
    } else {
        return FALSE;
    }
    if (git_blob_create_from_buffer(&c->oid, odb->repo, data, len) < 0) {
        return git2_failed(error, full);
    }
    c->present = TRUE;
    return TRUE;
}

/* ---- trees ------------------------------------------------------------ */

static gboolean is_tree(const git_tree_entry *e)
{
    return e && git_tree_entry_type(e) == GIT_OBJECT_TREE;
}

static gboolean build_tree(QfOdb *odb, const git_tree *base, GPtrArray *changes,
                           gsize prefix_len, git_oid *out, gboolean *empty,
                           GError **error);

/* Rebuild the subtree @name of @bld with @changes (paths below it). */
static gboolean build_subtree(QfOdb *odb, git_treebuilder *bld,
                              const char *name, GPtrArray *changes,
                              gsize prefix_len, GError **error)
{
    const git_tree_entry *e = git_treebuilder_get(bld, name);
    git_tree *sub = NULL;
    git_oid oid;
    gboolean empty = FALSE;
    gboolean ok;

    if (e && !is_tree(e)) {
        /* a file where the changes need a directory: git decides */
        return FALSE;
    }
    if (e && git_tree_lookup(&sub, odb->repo, git_tree_entry_id(e)) < 0) {
        return git2_failed(error, name);
    }
    ok = build_tree(odb, sub, changes, prefix_len, &oid, &empty, error);
    git_tree_free(sub);
    if (!ok) {
        return FALSE;
    }
    if (empty) {
        /* git has no empty trees: a directory whose files all went */
        if (e && git_treebuilder_remove(bld, name) < 0) {
            return git2_failed(error, name);
        }
        return TRUE;
    }
    if (git_treebuilder_insert(NULL, bld, name, &oid, GIT_FILEMODE_TREE) < 0) {
        return git2_failed(error, name);
    }
    return TRUE;
}

/*
 * @base (NULL: none) with @changes, whose paths all start with the same
 * prefix_len bytes (a directory and '/').  Removals first, then the
 * subdirectories, then the files: a file replacing a directory, or a
 * directory a file, works when the change removes the old one.
 */
static gboolean build_tree(QfOdb *odb, const git_tree *base, GPtrArray *changes,
                           gsize prefix_len, git_oid *out, gboolean *empty,
                           GError **error)
{
    git_treebuilder *bld = NULL;
    g_autoptr(GHashTable) groups = g_hash_table_new_full(
        g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    g_autoptr(GPtrArray) files = g_ptr_array_new();
    GHashTableIter it;
    gpointer key, value;
    gboolean ok = TRUE;

    for (guint i = 0; i < changes->len; i++) {
        Change *c = g_ptr_array_index(changes, i);
        const char *rest = c->path + prefix_len;
        const char *slash = strchr(rest, '/');

        if (!slash) {
            g_ptr_array_add(files, c);
        } else {
            g_autofree char *name = g_strndup(rest, (gsize)(slash - rest));
            GPtrArray *group = g_hash_table_lookup(groups, name);
            if (!group) {
                group = g_ptr_array_new();
                g_hash_table_insert(groups, g_steal_pointer(&name), group);
            }
            g_ptr_array_add(group, c);
        }
    }
    if (git_treebuilder_new(&bld, odb->repo, base) < 0) {
        return git2_failed(error, "tree");
    }
    for (guint i = 0; ok && i < files->len; i++) {
        Change *c = g_ptr_array_index(files, i);
        const char *name = c->path + prefix_len;
        const git_tree_entry *e = git_treebuilder_get(bld, name);

        if (!c->present && e && !is_tree(e) &&
            git_treebuilder_remove(bld, name) < 0) {
            ok = git2_failed(error, c->path);
        }
    }
    g_hash_table_iter_init(&it, groups);
    while (ok && g_hash_table_iter_next(&it, &key, &value)) {
        gsize len = prefix_len + strlen(key) + 1;
        ok = build_subtree(odb, bld, key, value, len, error);
    }
    for (guint i = 0; ok && i < files->len; i++) {
        Change *c = g_ptr_array_index(files, i);
        const char *name = c->path + prefix_len;

        if (!c->present) {
            continue;
        }
        if (is_tree(git_treebuilder_get(bld, name))) {
            ok = FALSE; /* a directory where a file goes: git decides */
        } else if (git_treebuilder_insert(NULL, bld, name, &c->oid, c->mode) <
                   0) {
            ok = git2_failed(error, c->path);
        }
    }
    if (ok) {
        *empty = git_treebuilder_entrycount(bld) == 0;
        if (!*empty && git_treebuilder_write(out, bld) < 0) {
            ok = git2_failed(error, "tree");
        }
    }
    git_treebuilder_free(bld);
    return ok;
}

static gboolean parse_oid(git_oid *oid, const char *hex, GError **error)
{
    if (!hex || git_oid_fromstr(oid, hex) < 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED, "not an object id: %s",
                    hex ? hex : "(none)");
        return FALSE;
    }
    return TRUE;
}

char *qf_odb_write_tree(QfOdb *odb, const char *parent, GPtrArray *paths,
                        GError **error)
{
    g_autofree Change *changes = g_new0(Change, paths->len);
    g_autoptr(GPtrArray) list = g_ptr_array_new();
    git_oid parent_oid, tree_oid;
    git_commit *commit = NULL;
    git_tree *base = NULL;
    gboolean empty = FALSE;
    gboolean ok = TRUE;

    if (!odb->plain_blobs || !parse_oid(&parent_oid, parent, error)) {
        return NULL;
    }
    if (git_commit_lookup(&commit, odb->repo, &parent_oid) < 0 ||
        git_commit_tree(&base, commit) < 0) {
        git_commit_free(commit);
        git2_failed(error, parent);
        return NULL;
    }
    for (guint i = 0; ok && i < paths->len; i++) {
        changes[i].path = g_ptr_array_index(paths, i);
        ok = hash_path(odb, base, &changes[i], error);
        g_ptr_array_add(list, &changes[i]);
    }
    if (ok) {
        ok = build_tree(odb, base, list, 0, &tree_oid, &empty, error);
    }
    git_tree_free(base);
    git_commit_free(commit);
    if (!ok) {
        return NULL;
    }
    if (empty) {
        /* write-tree writes the empty tree for an empty index */
        git_treebuilder *bld = NULL;
        if (git_treebuilder_new(&bld, odb->repo, NULL) < 0 ||
            git_treebuilder_write(&tree_oid, bld) < 0) {
            git_treebuilder_free(bld);
            git2_failed(error, "empty tree");
            return NULL;
        }
        git_treebuilder_free(bld);
    }
    return g_strdup(git_oid_tostr_s(&tree_oid));
}

GHashTable *qf_odb_list_entries(QfOdb *odb, const char *rev, GPtrArray *paths,
                                GError **error)
{
    g_autofree char *spec = g_strdup_printf("%s^{tree}", rev);
    g_autoptr(GHashTable) entries =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    git_object *tree = NULL;

    if (git_revparse_single(&tree, odb->repo, spec) < 0) {
        git2_failed(error, rev);
        return NULL;
    }
    for (guint i = 0; i < paths->len; i++) {
        const char *path = g_ptr_array_index(paths, i);
        git_tree_entry *e = NULL;

        if (git_tree_entry_bypath(&e, (git_tree *)tree, path) == 0) {
            char hex[GIT_OID_HEXSZ + 1];

            git_oid_tostr(hex, sizeof(hex), git_tree_entry_id(e));
            g_hash_table_insert(
                entries, g_strdup(path),
                g_strdup_printf("%06o %s %s", git_tree_entry_filemode(e),
                                git_object_type2string(git_tree_entry_type(e)),
                                hex));
            git_tree_entry_free(e);
        }
    }
    git_object_free(tree);
    return g_steal_pointer(&entries);
}

/* ---- commits ---------------------------------------------------------- */

/*
 * git's commit-tree re-encodes a commit that is not valid UTF-8 by its own
 * rules (invalid bytes taken as Latin-1, and it also refuses surrogates
 * and noncharacters).  Only text that is valid under any reading is
 * written here.
 */
static gboolean is_plain_utf8(const char *text)
{
    const char *end = NULL;

    if (!g_utf8_validate(text, -1, &end)) {
        return FALSE;
    }
    for (const char *p = text; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if ((c >= 0xfdd0 && c <= 0xfdef) || (c & 0xfffe) == 0xfffe ||
            (c >= 0xd800 && c <= 0xdfff)) {
            return FALSE;
        }
    }
    return TRUE;
}

char *qf_odb_write_commit(QfOdb *odb, const char *tree, const char *parent,
                          const char *author, const char *committer,
                          const char *message, GError **error)
{
    g_autofree char *text = NULL;
    git_oid tree_oid, parent_oid, oid;

    if (!odb->plain_commits || !parse_oid(&tree_oid, tree, error) ||
        !parse_oid(&parent_oid, parent, error)) {
        return NULL;
    }
    text = g_strdup_printf("tree %s\nparent %s\nauthor %s\ncommitter %s\n\n%s",
                           tree, parent, author, committer, message);
    if (!is_plain_utf8(text)) {
        return NULL;
    }
    if (git_odb_write(&oid, odb->db, text, strlen(text), GIT_OBJECT_COMMIT) <
        0) {
        git2_failed(error, "commit");
        return NULL;
    }
    return g_strdup(git_oid_tostr_s(&oid));
}

gboolean qf_odb_move_head(QfOdb *odb, const char *old, const char *commit,
                          const char *reflog, GError **error)
{
    git_reference *head = NULL;
    git_reference *moved = NULL;
    g_autofree char *name = NULL;
    git_oid old_oid, new_oid;
    int rc;

    if (!parse_oid(&old_oid, old, error) ||
        !parse_oid(&new_oid, commit, error)) {
        return FALSE;
    }
    if (git_reference_lookup(&head, odb->repo, "HEAD") < 0) {
        return git2_failed(error, "HEAD");
    }
    name = g_strdup(git_reference_type(head) == GIT_REFERENCE_SYMBOLIC
                        ? git_reference_symbolic_target(head)
                        : "HEAD");
    git_reference_free(head);
    rc = git_reference_create_matching(&moved, odb->repo, name, &new_oid, 1,
                                       &old_oid, reflog);
    git_reference_free(moved);
    if (rc == GIT_EMODIFIED) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%s is no longer at %.12s: something else changed it "
                    "meanwhile",
                    name, old);
        return FALSE;
    }
    if (rc < 0) {
        g_autofree char *what = g_strdup_printf("cannot move %s", name);
        return git2_failed(error, what);
    }
    return TRUE;
}

/* ---- identities ------------------------------------------------------- */

/* What git trims from both ends of a name or address. */
static gboolean is_crud(guchar c)
{
    return c <= ' ' || (c && strchr(".,:;<>\"\\'", c));
}

/* @s without crud at the ends and without '<', '>' and newlines inside. */
static char *strip_crud(const char *s)
{
    gsize len = strlen(s);
    GString *out = g_string_new(NULL);

    while (len && is_crud((guchar)*s)) {
        s++;
        len--;
    }
    while (len && is_crud((guchar)s[len - 1])) {
        len--;
    }
    for (gsize i = 0; i < len; i++) {
        if (s[i] != '<' && s[i] != '>' && s[i] != '\n') {
            g_string_append_c(out, s[i]);
        }
    }
    return g_string_free(out, FALSE);
}

/* A cursor over a date string. */
typedef struct Scan {
    const char *p;
} Scan;

static void skip_spaces(Scan *s)
{
    while (*s->p == ' ') {
        s->p++;
    }
}

/* @min to @max digits. */
static gboolean scan_number(Scan *s, int min, int max, int *value)
{
    int n = 0, v = 0;

    while (g_ascii_isdigit(s->p[n]) && n < max) {
        v = v * 10 + (s->p[n] - '0');
        n++;
    }
    /* what follows is checked by the caller: a separator, not a digit */
    if (n < min) {
        return FALSE;
    }
    s->p += n;
    *value = v;
    return TRUE;
}

static gboolean scan_char(Scan *s, char c)
{
    if (*s->p != c) {
        return FALSE;
    }
    s->p++;
    return TRUE;
}

/* One of @words (three letters, any case); its index. */
static gboolean scan_word(Scan *s, const char *const *words, int n, int *index)
{
    for (int i = 0; i < n; i++) {
        if (!g_ascii_strncasecmp(s->p, words[i], 3) &&
            !g_ascii_isalpha(s->p[3])) {
            s->p += 3;
            *index = i;
            return TRUE;
        }
    }
    return FALSE;
}

/* "HH:MM:SS" or, in RFC 2822, "HH:MM". */
static gboolean scan_time(Scan *s, gboolean seconds_optional, int *h, int *m,
                          int *sec)
{
    *sec = 0;
    if (!scan_number(s, 2, 2, h) || !scan_char(s, ':') ||
        !scan_number(s, 2, 2, m)) {
        return FALSE;
    }
    if (*s->p == ':') {
        s->p++;
        return scan_number(s, 2, 2, sec);
    }
    return seconds_optional;
}

/* "+HHMM", "-HHMM", "+HH:MM", "Z" (if @z_ok); minutes east of UTC. */
static gboolean scan_zone(Scan *s, gboolean colon_ok, gboolean z_ok,
                          int *minutes)
{
    int sign, hh, mm;

    if (z_ok && scan_char(s, 'Z')) {
        *minutes = 0;
        return TRUE;
    }
    if (*s->p != '+' && *s->p != '-') {
        return FALSE;
    }
    sign = *s->p++ == '-' ? -1 : 1;
    if (!scan_number(s, 2, 2, &hh)) {
        return FALSE;
    }
    if (colon_ok && *s->p == ':') {
        s->p++;
    }
    if (!scan_number(s, 2, 2, &mm) || hh > 14 || mm > 59) {
        return FALSE;
    }
    *minutes = sign * (hh * 60 + mm);
    return TRUE;
}

static const char *const weekdays[] = {"Sun", "Mon", "Tue", "Wed",
                                       "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* "[Www, ]D Mmm YYYY HH:MM[:SS] +HHMM" */
static gboolean parse_rfc2822(const char *date, int f[6], int *zone)
{
    Scan s = {date};
    int wday;

    if (scan_word(&s, weekdays, 7, &wday)) {
        if (!scan_char(&s, ',')) {
            return FALSE;
        }
        skip_spaces(&s);
    }
    if (!scan_number(&s, 1, 2, &f[2]) || !scan_char(&s, ' ')) {
        return FALSE;
    }
    skip_spaces(&s);
    if (!scan_word(&s, months, 12, &f[1]) || !scan_char(&s, ' ')) {
        return FALSE;
    }
    f[1]++;
    skip_spaces(&s);
    if (!scan_number(&s, 4, 4, &f[0]) || !scan_char(&s, ' ')) {
        return FALSE;
    }
    skip_spaces(&s);
    if (!scan_time(&s, TRUE, &f[3], &f[4], &f[5]) || !scan_char(&s, ' ')) {
        return FALSE;
    }
    skip_spaces(&s);
    return scan_zone(&s, FALSE, FALSE, zone) && !*s.p;
}

/* "YYYY-MM-DD[T ]HH:MM:SS[ ](Z|+HH:MM|+HHMM)" */
static gboolean parse_iso8601(const char *date, int f[6], int *zone)
{
    Scan s = {date};

    if (!scan_number(&s, 4, 4, &f[0]) || !scan_char(&s, '-') ||
        !scan_number(&s, 2, 2, &f[1]) || !scan_char(&s, '-') ||
        !scan_number(&s, 2, 2, &f[2])) {
        return FALSE;
    }
    if (!scan_char(&s, 'T') && !scan_char(&s, ' ')) {
        return FALSE;
    }
    if (!scan_time(&s, FALSE, &f[3], &f[4], &f[5])) {
        return FALSE;
    }
    scan_char(&s, ' ');
    return scan_zone(&s, TRUE, TRUE, zone) && !*s.p;
}

/*
 * "<seconds> <+hhmm>" for @date, or NULL.  Only dates from 1970 to now:
 * git reads others its own way (numeric dates in the future differently).
 */
static char *git_date(const char *date)
{
    int f[6], zone;
    g_autoptr(GDateTime) dt = NULL;
    gint64 t;

    if (!parse_rfc2822(date, f, &zone) && !parse_iso8601(date, f, &zone)) {
        return NULL;
    }
    if (f[0] < 1970 || f[0] > 2099 || f[1] < 1 || f[1] > 12 || f[2] < 1 ||
        f[2] > g_date_get_days_in_month(f[1], f[0]) || f[3] > 23 || f[4] > 59 ||
        f[5] > 59) {
        return NULL;
    }
    dt = g_date_time_new_utc(f[0], f[1], f[2], f[3], f[4], f[5]);
    if (!dt) {
        return NULL;
    }
    t = g_date_time_to_unix(dt) - (gint64)zone * 60;
    if (t < 0 || t > g_get_real_time() / G_USEC_PER_SEC) {
        return NULL;
    }
    return g_strdup_printf("%" G_GINT64_FORMAT " %c%02d%02d", t,
                           zone < 0 ? '-' : '+', ABS(zone) / 60,
                           ABS(zone) % 60);
}

char *qf_odb_ident(const char *name, const char *email, const char *date)
{
    g_autofree char *n = strip_crud(name);
    g_autofree char *e = strip_crud(email);
    g_autofree char *d = git_date(date);

    /* git refuses an empty name; whatever it says, it says it */
    if (!*n || !*e || !d) {
        return NULL;
    }
    return g_strdup_printf("%s <%s> %s", n, e, d);
}
