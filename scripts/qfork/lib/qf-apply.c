/*
 * qfork: apply a parsed patch to a directory tree, all or nothing.
 *
 * qf_apply_prepare() reads only the files the patch names and keeps an
 * in-memory overlay of what the patch has done to each of them so far, so
 * that a patch may touch one path twice (git writes a type change as a
 * deletion plus a creation) and renames may be chained.
 * qf_apply_write() then replays the result: removals first, then writes,
 * each via a temporary file and rename().
 *
 * Hunk placement follows GNU patch: the stated line first, then outward
 * (after, then before, at each distance) for an exact match; with fuzz
 * F, up to F context lines may be ignored at each end.  A hunk with less
 * context on one side than the other is anchored to that end of the
 * file, as in GNU patch.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
/* lstat, readlink, symlink, O_NOFOLLOW under -std=c11. */
#define _POSIX_C_SOURCE 200809L

#include "qf-apply.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qf-delta.h"
#include "qf-error.h"

#define GIT_TYPE_MASK 0170000
#define GIT_TYPE_SYMLINK 0120000
#define GIT_TYPE_GITLINK 0160000
#define MODE_SYMLINK 0120000

/* ---- messages --------------------------------------------------------- */

G_GNUC_PRINTF(3, 4)
static gboolean fail(GError **error, QfErrorCode code, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, QF_ERROR, code, msg);
    return FALSE;
}

/* A line of file or patch text quoted for a message, kept short. */
static char *quote_text(const char *s, gsize len)
{
    GString *out = g_string_new("\"");

    for (gsize i = 0; i < len && i < 120; i++) {
        guchar c = (guchar)s[i];

        if (c == '"' || c == '\\') {
            g_string_append_printf(out, "\\%c", c);
        } else if (c == '\r') {
            g_string_append(out, "\\r");
        } else if (c < 0x20 && c != '\t') {
            g_string_append_printf(out, "\\x%02x", c);
        } else {
            g_string_append_c(out, (char)c);
        }
    }
    g_string_append(out, len > 120 ? "...\"" : "\"");
    return g_string_free(out, FALSE);
}

/* ---- lines ------------------------------------------------------------ */

/* A line of a file or of a hunk; len excludes the '\n', nl says if any. */
typedef struct TextLine {
    const char *p;
    gsize len;
    gboolean nl;
} TextLine;

static gboolean text_line_equal(const TextLine *a, const TextLine *b)
{
    return a->len == b->len && a->nl == b->nl && !memcmp(a->p, b->p, a->len);
}

static GArray *split_lines(GBytes *content)
{
    gsize len;
    const char *p = content ? g_bytes_get_data(content, &len) : NULL;
    const char *end = p ? p + len : NULL;
    GArray *lines = g_array_new(FALSE, FALSE, sizeof(TextLine));

    while (p && p < end) {
        const char *nl = memchr(p, '\n', (gsize)(end - p));
        TextLine l = { p, nl ? (gsize)(nl - p) : (gsize)(end - p), nl != NULL };

        g_array_append_val(lines, l);
        p += l.len + (nl ? 1 : 0);
    }
    return lines;
}

static void append_line(GString *out, const TextLine *l)
{
    g_string_append_len(out, l->p, (gssize)l->len);
    if (l->nl) {
        g_string_append_c(out, '\n');
    }
}

/* ---- hunks as applied in one direction -------------------------------- */

typedef struct Hunk {
    GArray *pre, *post;   /* TextLine: what must match, what replaces it */
    guint prefix, suffix; /* leading and trailing context lines */
    gsize start;          /* 0-based line where @pre is expected */
    gboolean at_start;    /* the hunk says it begins at the first line */
    guint number, patch_line;
} Hunk;

static void hunk_clear(Hunk *h)
{
    g_clear_pointer(&h->pre, g_array_unref);
    g_clear_pointer(&h->post, g_array_unref);
}

static void count_context(Hunk *h, const GPtrArray *lines)
{
    guint n = lines->len, lead = 0, trail = 0;

    while (lead < n && ((const char *)lines->pdata[lead])[0] == ' ') {
        lead++;
    }
    /* Trailing context ends at the last change, never before lead. */
    while (lead + trail < n &&
           ((const char *)lines->pdata[n - 1 - trail])[0] == ' ') {
        trail++;
    }
    h->prefix = lead;
    h->suffix = trail;
}

/* Only the last line of a side can lack its newline. */
static void mark_no_eol(GArray *side, gboolean no_eol)
{
    if (side->len && no_eol) {
        g_array_index(side, TextLine, side->len - 1).nl = FALSE;
    }
}

static void hunk_build(Hunk *h, const QfHunk *qh, guint number,
                       gboolean reverse)
{
    char minus = reverse ? '+' : '-';
    guint old_start = reverse ? qh->new_start : qh->old_start;
    guint old_len = reverse ? qh->new_len : qh->old_len;

    h->pre = g_array_new(FALSE, FALSE, sizeof(TextLine));
    h->post = g_array_new(FALSE, FALSE, sizeof(TextLine));
    for (guint i = 0; i < qh->lines->len; i++) {
        const char *s = qh->lines->pdata[i];
        TextLine l = { s + 1, strlen(s + 1), TRUE };

        if (s[0] == ' ' || s[0] == minus) {
            g_array_append_val(h->pre, l);
        }
        if (s[0] != minus) {
            g_array_append_val(h->post, l);
        }
    }
    mark_no_eol(h->pre, reverse ? qh->new_no_eol : qh->old_no_eol);
    mark_no_eol(h->post, reverse ? qh->old_no_eol : qh->new_no_eol);
    count_context(h, qh->lines);
    /* "-5,0" means "after line 5": an empty range names the line before. */
    h->start = old_len ? old_start - 1 : old_start;
    h->at_start = old_start <= 1;
    h->number = number;
    h->patch_line = qh->patch_line;
}

/* ---- placement -------------------------------------------------------- */

typedef struct Placement {
    gsize at;                   /* first file line replaced */
    guint skip_head, skip_tail; /* context lines ignored at each end */
    guint fuzz;
    gssize offset; /* against the line the hunk states */
} Placement;

static gboolean match_at(const GArray *file, const Hunk *h, gsize at,
                         guint skip_head, guint skip_tail)
{
    gsize n = h->pre->len - skip_head - skip_tail;

    if (at > file->len || n > file->len - at) {
        return FALSE;
    }
    for (gsize i = 0; i < n; i++) {
        if (!text_line_equal(&g_array_index(file, TextLine, at + i),
                             &g_array_index(h->pre, TextLine, skip_head + i))) {
            return FALSE;
        }
    }
    return TRUE;
}

/* Nearest match to @expect within [lo, hi]: @expect, then +1, -1, +2... */
static gboolean search_outward(const GArray *file, const Hunk *h, gssize expect,
                               gssize lo, gssize hi, Placement *pl)
{
    expect = CLAMP(expect, lo, hi);
    for (gssize d = 0; expect + d <= hi || expect - d >= lo; d++) {
        if (expect + d <= hi && match_at(file, h, (gsize)(expect + d),
                                         pl->skip_head, pl->skip_tail)) {
            pl->at = (gsize)(expect + d);
            return TRUE;
        }
        if (d && expect - d >= lo &&
            match_at(file, h, (gsize)(expect - d), pl->skip_head,
                     pl->skip_tail)) {
            pl->at = (gsize)(expect - d);
            return TRUE;
        }
    }
    return FALSE;
}

/*
 * Try one fuzz level.  GNU patch's rule: with C = max(prefix, suffix)
 * context lines, fuzz F ignores F + prefix - C leading and F + suffix - C
 * trailing lines; a negative count means the hunk is pinned to that end
 * of the file (it had less context there because the file ends there).
 */
static gboolean locate_with_fuzz(const GArray *file, const Hunk *h, guint fuzz,
                                 gsize min_at, gssize last_offset,
                                 Placement *pl)
{
    gssize context = MAX(h->prefix, h->suffix);
    gssize head = (gssize)fuzz + h->prefix - context;
    gssize tail = (gssize)fuzz + h->suffix - context;
    gssize n, expect;

    if (head < 0 && !h->at_start) {
        head = 0;
    }
    pl->skip_head = (guint)CLAMP(head, 0, (gssize)h->prefix);
    pl->skip_tail = (guint)CLAMP(tail, 0, (gssize)h->suffix);
    pl->fuzz = fuzz;
    n = (gssize)h->pre->len - pl->skip_head - pl->skip_tail;
    if (head < 0) {
        /* Pinned to the start (and to the end as well when tail < 0). */
        pl->at = 0;
        return min_at == 0 && match_at(file, h, 0, 0, pl->skip_tail) &&
               (tail >= 0 || (gsize)n == file->len);
    }
    if (tail < 0) {
        pl->at = file->len >= (gsize)n ? file->len - (gsize)n : 0;
        return file->len >= (gsize)n && pl->at >= min_at &&
               match_at(file, h, pl->at, pl->skip_head, 0);
    }
    expect = (gssize)(h->start + pl->skip_head) + last_offset;
    return (gssize)file->len - n >= (gssize)min_at &&
           search_outward(file, h, expect, (gssize)min_at,
                          (gssize)file->len - n, pl);
}

/* A hunk with nothing to match goes where it says, shifted like the rest. */
static gboolean place_insertion(const GArray *file, const Hunk *h, gsize min_at,
                                gssize last_offset, Placement *pl)
{
    gssize at = (gssize)h->start + last_offset;

    if (at < (gssize)min_at || at > (gssize)file->len) {
        at = (gssize)h->start;
    }
    if (at < (gssize)min_at || at > (gssize)file->len) {
        return FALSE;
    }
    *pl = (Placement){ .at = (gsize)at, .offset = at - (gssize)h->start };
    return TRUE;
}

static gboolean locate(const GArray *file, const Hunk *h, guint max_fuzz,
                       gsize min_at, gssize last_offset, Placement *pl)
{
    if (!h->pre->len) {
        return place_insertion(file, h, min_at, last_offset, pl);
    }
    /* Past the hunk's context, more fuzz ignores nothing more. */
    max_fuzz = MIN(max_fuzz, MAX(h->prefix, h->suffix));
    for (guint fuzz = 0; fuzz <= max_fuzz; fuzz++) {
        if (locate_with_fuzz(file, h, fuzz, min_at, last_offset, pl)) {
            pl->offset = (gssize)pl->at - (gssize)(h->start + pl->skip_head);
            pl->fuzz = MAX(pl->skip_head, pl->skip_tail) ? fuzz : 0;
            return TRUE;
        }
    }
    return FALSE;
}

/* ---- context of one qf_apply_prepare() call --------------------------- */

/* A path as the patch has left it so far. */
typedef struct Node {
    gboolean exists;
    gboolean is_dir; /* a directory on disk: never a patch target */
    GBytes *content;
    guint mode; /* permission bits, or MODE_SYMLINK */
} Node;

typedef struct Ctx {
    const char *tree;
    const QfPatch *patch;
    QfApplyOptions opts;
    GHashTable *nodes; /* path -> Node*: the overlay */
    GHashTable *dirs;  /* directory prefix -> verified on disk */
    QfApplyResult *result;
} Ctx;

/* The file patch in the direction it is applied. */
typedef struct Side {
    const char *src, *dst;    /* NULL: the file does not exist */
    guint src_mode, dst_mode; /* git modes, 0 when not stated */
    const char *src_oid, *dst_oid;
    QfBinaryKind bin_kind; /* data turning src into dst */
    GBytes *bin_data;
    QfBinaryKind check_kind; /* data of the other direction */
    GBytes *check_data;
    QfChangeKind kind;
    gboolean undo_copy; /* reverse of a copy: delete the copy */
} Side;

static void node_free(gpointer p)
{
    Node *n = p;

    g_clear_pointer(&n->content, g_bytes_unref);
    g_free(n);
}

void qf_file_change_free(QfFileChange *change)
{
    if (!change) {
        return;
    }
    g_free(change->path);
    g_free(change->old_path);
    g_clear_pointer(&change->content, g_bytes_unref);
    g_free(change);
}

QfApplyResult *qf_apply_result_new(void)
{
    QfApplyResult *r = g_new0(QfApplyResult, 1);

    r->changes =
        g_ptr_array_new_with_free_func((GDestroyNotify)qf_file_change_free);
    r->notes = g_ptr_array_new_with_free_func(g_free);
    return r;
}

void qf_apply_result_free(QfApplyResult *r)
{
    if (!r) {
        return;
    }
    g_ptr_array_unref(r->changes);
    g_ptr_array_unref(r->notes);
    g_free(r);
}

static void ctx_clear(Ctx *ctx)
{
    g_clear_pointer(&ctx->nodes, g_hash_table_unref);
    g_clear_pointer(&ctx->dirs, g_hash_table_unref);
    g_clear_pointer(&ctx->result, qf_apply_result_free);
}

/* ---- text hunks ------------------------------------------------------- */

/* Why a hunk failed: the first line that differs where it should go. */
static gboolean hunk_failure(const Ctx *ctx, const char *path,
                             const GArray *file, const Hunk *h, gsize min_at,
                             gssize last_offset, GError **error)
{
    gssize guess = (gssize)h->start + last_offset;
    gsize at = (gsize)CLAMP(guess, (gssize)min_at, (gssize)file->len);
    g_autofree char *detail = NULL;

    for (gsize i = 0; i < h->pre->len && !detail; i++) {
        const TextLine *want = &g_array_index(h->pre, TextLine, i);
        g_autofree char *w = quote_text(want->p, want->len);

        if (at + i >= file->len) {
            detail = g_strdup_printf("expected %s at line %" G_GSIZE_FORMAT
                                     ", past the end of the file",
                                     w, at + i + 1);
        } else if (!text_line_equal(&g_array_index(file, TextLine, at + i),
                                    want)) {
            const TextLine *got = &g_array_index(file, TextLine, at + i);
            g_autofree char *g = quote_text(got->p, got->len);

            detail = g_strdup_printf(
                "at line %" G_GSIZE_FORMAT " expected %s%s, found %s%s",
                at + i + 1, w, want->nl ? "" : " (no newline at end)", g,
                got->nl ? "" : " (no newline at end)");
        }
    }
    return fail(error, QF_ERROR_CONFLICT,
                "%s: %s: hunk #%u (patch line %u) does not apply: %s",
                ctx->patch->filename, path, h->number, h->patch_line,
                detail ? detail
                       : "its context only matches where the hunk may not go "
                         "(over an earlier hunk, or away from the start or "
                         "end of the file its context requires)");
}

static void note_placement(Ctx *ctx, const char *path, const Hunk *h,
                           const Placement *pl)
{
    g_autofree char *offset = NULL;
    g_autofree char *fuzz = NULL;
    gssize abs_off = pl->offset < 0 ? -pl->offset : pl->offset;

    if (!pl->offset && !pl->fuzz) {
        return;
    }
    if (pl->offset) {
        offset = g_strdup_printf(" at offset %+" G_GSSIZE_FORMAT " line%s",
                                 pl->offset, abs_off == 1 ? "" : "s");
        ctx->result->offset_used = TRUE;
    }
    if (pl->fuzz) {
        fuzz = g_strdup_printf(" with fuzz %u", pl->fuzz);
        ctx->result->max_fuzz_used = MAX(ctx->result->max_fuzz_used, pl->fuzz);
    }
    g_ptr_array_add(ctx->result->notes,
                    g_strdup_printf("%s: hunk %u applied%s%s", path, h->number,
                                    fuzz ? fuzz : "", offset ? offset : ""));
}

/* Copy file lines [from, to) straight from the pre-image buffer. */
static void append_file_lines(GString *out, const GArray *file, gsize from,
                              gsize to)
{
    const TextLine *first, *last;

    if (from >= to) {
        return;
    }
    first = &g_array_index(file, TextLine, from);
    last = &g_array_index(file, TextLine, to - 1);
    g_string_append_len(out, first->p,
                        (gssize)(last->p + last->len + last->nl - first->p));
}

/* Emit a placed hunk; FALSE if it ends the file before its end. */
static gboolean emit_hunk(GString *out, const Hunk *h, const Placement *pl,
                          gsize next_line, gsize file_lines)
{
    gsize end = h->post->len - pl->skip_tail;
    const TextLine *last = NULL;

    for (gsize i = pl->skip_head; i < end; i++) {
        last = &g_array_index(h->post, TextLine, i);
        append_line(out, last);
    }
    return !last || last->nl || next_line == file_lines;
}

static GBytes *apply_hunks(Ctx *ctx, const QfFilePatch *fp, const char *path,
                           GBytes *pre, GError **error)
{
    g_autoptr(GArray) file = split_lines(pre);
    g_autoptr(GString) out =
        g_string_sized_new(pre ? g_bytes_get_size(pre) + 64 : 64);
    gsize cursor = 0;
    gssize last_offset = 0;

    for (guint i = 0; i < fp->hunks->len; i++) {
        Hunk h = { 0 };
        Placement pl;
        gboolean ok;

        hunk_build(&h, fp->hunks->pdata[i], i + 1, ctx->opts.reverse);
        ok = locate(file, &h, ctx->opts.fuzz, cursor, last_offset, &pl);
        if (!ok) {
            hunk_failure(ctx, path, file, &h, cursor, last_offset, error);
        } else {
            append_file_lines(out, file, cursor, pl.at);
            cursor = pl.at + h.pre->len - pl.skip_head - pl.skip_tail;
            last_offset = pl.offset;
            note_placement(ctx, path, &h, &pl);
            ok = emit_hunk(out, &h, &pl, cursor, file->len) ||
                 fail(error, QF_ERROR_CONFLICT,
                      "%s: %s: hunk #%u (patch line %u) does not apply: it "
                      "ends the file without a newline, but lines follow",
                      ctx->patch->filename, path, h.number, h.patch_line);
        }
        hunk_clear(&h);
        if (!ok) {
            return NULL;
        }
    }
    append_file_lines(out, file, cursor, file->len);
    return g_string_free_to_bytes(g_steal_pointer(&out));
}

/* ---- paths ------------------------------------------------------------ */

static const char *path_syntax_problem(const char *path)
{
    g_auto(GStrv) parts = NULL;

    if (!path[0]) {
        return "empty path";
    }
    if (path[0] == '/') {
        return "absolute path";
    }
    parts = g_strsplit(path, "/", -1);
    for (guint i = 0; parts[i]; i++) {
        if (!parts[i][0]) {
            return "empty path component";
        }
        if (!strcmp(parts[i], "..") || !strcmp(parts[i], ".")) {
            return "\"..\" or \".\" component";
        }
        /* Case-insensitive file systems would map .GIT onto .git. */
        if (!g_ascii_strcasecmp(parts[i], ".git")) {
            return "\".git\" component";
        }
    }
    return NULL;
}

static gboolean unsafe_path(const Ctx *ctx, const char *path, const char *why,
                            GError **error)
{
    return fail(error, QF_ERROR_UNSAFE_PATH, "%s: unsafe path '%s': %s",
                ctx->patch->filename, path, why);
}

static gboolean symlink_in_path(const Ctx *ctx, const char *path,
                                const char *link, GError **error)
{
    g_autofree char *why = g_strdup_printf(
        "'%s' is a symlink; patches do not follow symlinks", link);

    return unsafe_path(ctx, path, why, error);
}

/* lstat() a directory prefix once per prepare; symlinks are refused. */
static gboolean check_dir_on_disk(Ctx *ctx, const char *path,
                                  const char *prefix, gboolean *missing,
                                  GError **error)
{
    g_autofree char *full = g_build_filename(ctx->tree, prefix, NULL);
    gpointer cached = g_hash_table_lookup(ctx->dirs, prefix);
    struct stat st;

    if (cached) {
        *missing = GPOINTER_TO_INT(cached) == 2;
        return TRUE;
    }
    if (lstat(full, &st) < 0) {
        if (errno != ENOENT) {
            return fail(error, QF_ERROR_IO, "%s: %s", prefix,
                        g_strerror(errno));
        }
        *missing = TRUE;
    } else if (S_ISLNK(st.st_mode)) {
        return symlink_in_path(ctx, path, prefix, error);
    } else if (!S_ISDIR(st.st_mode)) {
        return fail(error, QF_ERROR_CONFLICT, "%s: %s: not a directory",
                    ctx->patch->filename, prefix);
    } else {
        *missing = FALSE;
    }
    g_hash_table_insert(ctx->dirs, g_strdup(prefix),
                        GINT_TO_POINTER(*missing ? 2 : 1));
    return TRUE;
}

/* Every directory above @path must be a real directory or missing. */
static gboolean check_parents(Ctx *ctx, const char *path, GError **error)
{
    for (const char *slash = strchr(path, '/'); slash;
         slash = strchr(slash + 1, '/')) {
        g_autofree char *prefix = g_strndup(path, (gsize)(slash - path));
        const Node *node = g_hash_table_lookup(ctx->nodes, prefix);
        gboolean missing = FALSE;

        if (node && node->exists && !node->is_dir) {
            return fail(error, QF_ERROR_CONFLICT,
                        "%s: %s: '%s' is a file, not a directory",
                        ctx->patch->filename, path, prefix);
        }
        if (node && !node->exists) {
            return TRUE; /* deleted by this patch: nothing below it */
        }
        if (!check_dir_on_disk(ctx, path, prefix, &missing, error)) {
            return FALSE;
        }
        if (missing) {
            return TRUE;
        }
    }
    return TRUE;
}

static gboolean check_path(Ctx *ctx, const char *path, GError **error)
{
    const char *why;

    if (!path) {
        return TRUE;
    }
    why = path_syntax_problem(path);
    if (why) {
        return unsafe_path(ctx, path, why, error);
    }
    return check_parents(ctx, path, error);
}

/* ---- reading the tree ------------------------------------------------- */

static GBytes *read_regular(const char *full, GError **error)
{
    int fd = open(full, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    guint8 *buf;
    gsize done = 0;

    if (fd < 0 || fstat(fd, &st) < 0) {
        int e = errno;

        if (fd >= 0) {
            close(fd);
        }
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "%s", g_strerror(e));
        return NULL;
    }
    buf = g_malloc((gsize)st.st_size + 1);
    while (done < (gsize)st.st_size) {
        gssize n = read(fd, buf + done, (gsize)st.st_size - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_set_error(error, QF_ERROR, QF_ERROR_IO, "%s",
                        n < 0 ? g_strerror(errno) : "file shrank while read");
            close(fd);
            g_free(buf);
            return NULL;
        }
        done += (gsize)n;
    }
    close(fd);
    return g_bytes_new_take(buf, done);
}

static GBytes *read_symlink(const char *full, gsize size, GError **error)
{
    g_autofree char *target = g_malloc(size + 1);
    gssize n = readlink(full, target, size + 1);

    if (n < 0 || (gsize)n > size) {
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "%s",
                    n < 0 ? g_strerror(errno) : "symlink changed while read");
        return NULL;
    }
    return g_bytes_new(target, (gsize)n);
}

/* Load @path from disk into a new node; lstat decides what it is. */
static Node *read_node(Ctx *ctx, const char *path, GError **error)
{
    g_autofree char *full = g_build_filename(ctx->tree, path, NULL);
    g_autoptr(GError) local = NULL;
    Node *node = g_new0(Node, 1);
    struct stat st;

    if (lstat(full, &st) < 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return node;
        }
        g_set_error(&local, QF_ERROR, QF_ERROR_IO, "%s", g_strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        node->exists = node->is_dir = TRUE;
        return node;
    } else if (S_ISLNK(st.st_mode)) {
        node->mode = MODE_SYMLINK;
        node->content = read_symlink(full, (gsize)st.st_size, &local);
    } else if (S_ISREG(st.st_mode)) {
        node->mode = st.st_mode & 07777;
        node->content = read_regular(full, &local);
    } else {
        g_set_error(&local, QF_ERROR, QF_ERROR_CONFLICT,
                    "not a regular file or symlink");
    }
    node->exists = TRUE;
    if (local) {
        g_set_error(error, QF_ERROR, local->code, "%s: %s: %s",
                    ctx->patch->filename, path, local->message);
        node_free(node);
        return NULL;
    }
    return node;
}

static Node *get_node(Ctx *ctx, const char *path, GError **error)
{
    Node *node = g_hash_table_lookup(ctx->nodes, path);

    if (!node) {
        node = read_node(ctx, path, error);
        if (node) {
            g_hash_table_insert(ctx->nodes, g_strdup(path), node);
        }
    }
    return node;
}

/* ---- one file patch --------------------------------------------------- */

static void orient(const QfFilePatch *fp, gboolean reverse, Side *s)
{
    *s = (Side){
        .src = reverse ? fp->new_path : fp->old_path,
        .dst = reverse ? fp->old_path : fp->new_path,
        .src_mode = reverse ? fp->new_mode : fp->old_mode,
        .dst_mode = reverse ? fp->old_mode : fp->new_mode,
        .src_oid = reverse ? fp->new_oid : fp->old_oid,
        .dst_oid = reverse ? fp->old_oid : fp->new_oid,
        .bin_kind = reverse ? fp->bin_reverse_kind : fp->bin_kind,
        .bin_data = reverse ? fp->bin_reverse_data : fp->bin_data,
        .check_kind = reverse ? fp->bin_kind : fp->bin_reverse_kind,
        .check_data = reverse ? fp->bin_data : fp->bin_reverse_data,
    };
    if (fp->is_copy && reverse) {
        /* Undoing a copy removes the copy; the original stays as is. */
        s->src = fp->new_path;
        s->dst = NULL;
        s->undo_copy = TRUE;
    }
    if (!s->src) {
        s->kind = QF_CHANGE_CREATE;
    } else if (!s->dst) {
        s->kind = QF_CHANGE_DELETE;
    } else if (strcmp(s->src, s->dst) != 0) {
        s->kind = fp->is_copy ? QF_CHANGE_COPY : QF_CHANGE_RENAME;
    } else {
        s->kind = QF_CHANGE_MODIFY;
    }
}

static const char *side_path(const Side *s)
{
    return s->dst ? s->dst : s->src;
}

/* git "100755" -> 0755, "120000" -> symlink. */
static guint mode_from_git(guint git_mode)
{
    if ((git_mode & GIT_TYPE_MASK) == GIT_TYPE_SYMLINK) {
        return MODE_SYMLINK;
    }
    return (git_mode & 0111) ? 0755 : 0644;
}

static gboolean mode_changes(const Side *s)
{
    return s->src_mode && s->dst_mode && s->src_mode != s->dst_mode;
}

static gboolean check_modes(const Ctx *ctx, const Side *s, const Node *src,
                            GError **error)
{
    gboolean want_link = (s->src_mode & GIT_TYPE_MASK) == GIT_TYPE_SYMLINK;

    if ((s->src_mode & GIT_TYPE_MASK) == GIT_TYPE_GITLINK ||
        (s->dst_mode & GIT_TYPE_MASK) == GIT_TYPE_GITLINK) {
        return fail(error, QF_ERROR_FAILED,
                    "%s: %s: submodule changes are not supported",
                    ctx->patch->filename, side_path(s));
    }
    if (!src) {
        return TRUE;
    }
    if (src->mode == MODE_SYMLINK && !want_link) {
        return symlink_in_path(ctx, s->src, s->src, error);
    }
    if (src->mode != MODE_SYMLINK && want_link) {
        return fail(error, QF_ERROR_CONFLICT,
                    "%s: %s: the patch expects a symlink, found a file",
                    ctx->patch->filename, s->src);
    }
    if (mode_changes(s) && !want_link &&
        !!(src->mode & 0100) != !!(s->src_mode & 0100)) {
        return fail(error, QF_ERROR_CONFLICT,
                    "%s: %s: has mode %06o, the patch expects %06o",
                    ctx->patch->filename, s->src, 0100000 | src->mode,
                    s->src_mode);
    }
    return TRUE;
}

/* Existence rules: create needs no file, everything else needs one. */
static gboolean check_existence(const Ctx *ctx, const Side *s, const Node *src,
                                const Node *dst, GError **error)
{
    const char *p = ctx->patch->filename;

    if (src && !src->exists) {
        return fail(error, QF_ERROR_CONFLICT,
                    "%s: %s: file to %s does not exist", p, s->src,
                    s->kind == QF_CHANGE_DELETE ? "delete" : "patch");
    }
    if (src && src->is_dir) {
        return fail(error, QF_ERROR_CONFLICT, "%s: %s: is a directory", p,
                    s->src);
    }
    if (dst && dst->exists) {
        return fail(error, QF_ERROR_CONFLICT,
                    "%s: %s: file to %s already exists", p, s->dst,
                    s->kind == QF_CHANGE_CREATE   ? "create"
                    : s->kind == QF_CHANGE_RENAME ? "rename to"
                                                  : "copy to");
    }
    return TRUE;
}

typedef enum { OID_UNKNOWN, OID_MATCH, OID_MISMATCH } OidCheck;

/* Abbreviated ids are compared as prefixes; all-zero means "no file". */
static OidCheck check_oid(GBytes *data, const char *oid, char **actual)
{
    gsize len = oid ? strlen(oid) : 0;

    if (len < 7 || strspn(oid, "0") == len) {
        return OID_UNKNOWN;
    }
    *actual = qf_git_blob_sha1(data);
    return strncmp(*actual, oid, MIN(len, 40)) == 0 ? OID_MATCH : OID_MISMATCH;
}

static gboolean check_binary_preimage(const Ctx *ctx, const Side *s,
                                      GBytes *pre, GError **error)
{
    g_autofree char *actual = NULL;
    OidCheck oid = check_oid(pre, s->src_oid, &actual);

    if (oid == OID_MISMATCH) {
        return fail(error, QF_ERROR_CONFLICT,
                    "%s: %s: binary file differs from the patch's pre-image "
                    "(blob %.12s, patch expects %.12s)",
                    ctx->patch->filename, s->src, actual, s->src_oid);
    }
    /* Without an id, the other direction's literal is the pre-image. */
    if (oid == OID_UNKNOWN && s->check_kind == QF_BINARY_LITERAL &&
        !g_bytes_equal(pre, s->check_data)) {
        return fail(error, QF_ERROR_CONFLICT,
                    "%s: %s: binary file differs from the patch's pre-image",
                    ctx->patch->filename, s->src);
    }
    /*
     * Nothing names the pre-image: a delta carries only its source's size
     * and copies the unchanged bytes from whatever file is there (its
     * reverse delta does the same, so it proves nothing either), and a
     * literal would replace a file nobody checked.  git refuses these.
     */
    if (oid == OID_UNKNOWN && s->check_kind != QF_BINARY_LITERAL) {
        return fail(error, QF_ERROR_CONFLICT,
                    "%s: %s: binary patch without an \"index\" line: "
                    "nothing identifies the file it was made for, so it "
                    "cannot be checked (regenerate it with git format-patch "
                    "--binary)",
                    ctx->patch->filename, s->src);
    }
    return TRUE;
}

static GBytes *apply_binary(const Ctx *ctx, const Side *s, GBytes *pre,
                            GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *actual = NULL;
    g_autoptr(GBytes) post = NULL;

    if (s->bin_kind == QF_BINARY_NONE) {
        fail(error, QF_ERROR_FAILED,
             "%s: %s: the binary patch has no reverse data",
             ctx->patch->filename, side_path(s));
        return NULL;
    }
    if (s->src && !check_binary_preimage(ctx, s, pre, error)) {
        return NULL;
    }
    post = s->bin_kind == QF_BINARY_LITERAL
               ? g_bytes_ref(s->bin_data)
               : qf_delta_apply(pre, s->bin_data, &local);
    if (!post) {
        fail(error, local->code, "%s: %s: %s", ctx->patch->filename,
             side_path(s), local->message);
        return NULL;
    }

    if (s->dst && check_oid(post, s->dst_oid, &actual) == OID_MISMATCH) {
        fail(error, QF_ERROR_CONFLICT,
             "%s: %s: binary result is blob %.12s, the patch says %.12s",
             ctx->patch->filename, s->dst, actual, s->dst_oid);
        return NULL;
    }
    return g_steal_pointer(&post);
}

static GBytes *compute_post(Ctx *ctx, const QfFilePatch *fp, const Side *s,
                            GBytes *pre, GError **error)
{
    g_autoptr(GBytes) empty = g_bytes_new(NULL, 0);

    pre = pre ? pre : empty;
    if (fp->bin_kind != QF_BINARY_NONE) {
        return apply_binary(ctx, s, pre, error);
    }
    if (!fp->hunks->len) {
        return g_bytes_ref(pre); /* rename, copy or mode change only */
    }
    return apply_hunks(ctx, fp, side_path(s), pre, error);
}

/* What the patch leaves must be a sane file of its kind. */
static gboolean check_post(const Ctx *ctx, const Side *s, const Node *old,
                           GBytes *post, guint mode, GError **error)
{
    gsize len = g_bytes_get_size(post);

    if (s->undo_copy) {
        /* The copy, patched back, must be what it was copied from. */
        if (!old || !old->exists || !g_bytes_equal(post, old->content)) {
            return fail(error, QF_ERROR_CONFLICT,
                        "%s: %s: copy does not match its original",
                        ctx->patch->filename, s->src);
        }
    } else if (s->kind == QF_CHANGE_DELETE && len) {
        return fail(error, QF_ERROR_CONFLICT,
                    "%s: %s: not deleted: it has content the patch does not "
                    "remove",
                    ctx->patch->filename, s->src);
    }
    if (mode == MODE_SYMLINK &&
        (!len || memchr(g_bytes_get_data(post, NULL), '\0', len))) {
        return fail(error, QF_ERROR_CONFLICT, "%s: %s: invalid symlink target",
                    ctx->patch->filename, side_path(s));
    }
    return TRUE;
}

static guint final_mode(const Side *s, const Node *src)
{
    if (s->kind == QF_CHANGE_DELETE) {
        return 0;
    }
    if (!src) {
        return mode_from_git(s->dst_mode ? s->dst_mode : 0100644);
    }
    if (mode_changes(s)) {
        return mode_from_git(s->dst_mode);
    }
    return src->mode;
}

static void set_node(Ctx *ctx, const char *path, GBytes *content, guint mode)
{
    Node *node = g_new0(Node, 1);

    node->exists = content != NULL;
    node->content = content ? g_bytes_ref(content) : NULL;
    node->mode = mode;
    g_hash_table_replace(ctx->nodes, g_strdup(path), node);
}

static void record_change(Ctx *ctx, const Side *s, GBytes *post, guint mode)
{
    QfFileChange *c = g_new0(QfFileChange, 1);

    c->kind = s->kind;
    c->path = g_strdup(side_path(s));
    c->old_path = g_strdup(s->src);
    c->mode = mode;
    if (s->kind != QF_CHANGE_DELETE) {
        c->content = g_bytes_ref(post);
        set_node(ctx, s->dst, post, mode);
    }
    if (s->kind == QF_CHANGE_DELETE || s->kind == QF_CHANGE_RENAME) {
        set_node(ctx, s->src, NULL, 0);
    }
    g_ptr_array_add(ctx->result->changes, c);
}

static gboolean apply_file(Ctx *ctx, const QfFilePatch *fp, GError **error)
{
    Side s;
    Node *src = NULL, *dst = NULL, *orig = NULL;
    g_autoptr(GBytes) post = NULL;
    guint mode;

    orient(fp, ctx->opts.reverse, &s);
    if (!s.src && !s.dst) {
        /* The parser refuses such headers; a hand-made patch may not. */
        return fail(error, QF_ERROR_PARSE,
                    "%s:%u: this diff leaves no file to work on",
                    ctx->patch->filename, fp->patch_line);
    }
    if (!check_path(ctx, s.src, error) || !check_path(ctx, s.dst, error) ||
        (s.src && !(src = get_node(ctx, s.src, error)))) {
        return FALSE;
    }
    if (s.kind != QF_CHANGE_MODIFY && s.kind != QF_CHANGE_DELETE &&
        !(dst = get_node(ctx, s.dst, error))) {
        return FALSE;
    }
    if (s.undo_copy && fp->old_path &&
        (!check_path(ctx, fp->old_path, error) ||
         !(orig = get_node(ctx, fp->old_path, error)))) {
        return FALSE;
    }
    if (!check_existence(ctx, &s, src, dst, error) ||
        !check_modes(ctx, &s, src, error)) {
        return FALSE;
    }
    post = compute_post(ctx, fp, &s, src ? src->content : NULL, error);
    mode = final_mode(&s, src);
    if (!post || !check_post(ctx, &s, orig, post, mode, error)) {
        return FALSE;
    }
    record_change(ctx, &s, post, mode);
    return TRUE;
}

/* The line of the last diff that writes @path, for messages. */
static guint patch_line_writing(const Ctx *ctx, const char *path)
{
    guint line = 0;

    for (guint i = 0; i < ctx->patch->files->len; i++) {
        const QfFilePatch *fp = ctx->patch->files->pdata[i];
        Side s;

        orient(fp, ctx->opts.reverse, &s);
        if (s.dst && g_str_equal(s.dst, path)) {
            line = fp->patch_line;
        }
    }
    return line;
}

/*
 * Each change was checked against the tree and the changes before it;
 * a later change can still make an earlier path impossible to write (a
 * new file esc/new, then a symlink esc).  Check that what the patch
 * leaves behind can exist at once: nothing below a file or a symlink.
 */
static gboolean check_final_layout(const Ctx *ctx, GError **error)
{
    for (guint i = 0; i < ctx->result->changes->len; i++) {
        const QfFileChange *c = ctx->result->changes->pdata[i];
        const char *path = c->path;
        const Node *node = g_hash_table_lookup(ctx->nodes, path);

        if (c->kind == QF_CHANGE_DELETE || !node || !node->exists) {
            continue;
        }
        for (const char *slash = strchr(path, '/'); slash;
             slash = strchr(slash + 1, '/')) {
            g_autofree char *prefix = g_strndup(path, (gsize)(slash - path));
            const Node *up = g_hash_table_lookup(ctx->nodes, prefix);

            if (up && up->exists && !up->is_dir) {
                return fail(error, QF_ERROR_CONFLICT,
                            "%s:%u: %s: the patch makes '%s' %s and also "
                            "writes '%s' below it (line %u); a path cannot "
                            "be both a file and a directory",
                            ctx->patch->filename,
                            patch_line_writing(ctx, prefix), prefix, prefix,
                            up->mode == MODE_SYMLINK ? "a symlink" : "a file",
                            path, patch_line_writing(ctx, path));
            }
        }
    }
    return TRUE;
}

/* ---- public entry points ---------------------------------------------- */

QfApplyResult *qf_apply_prepare(const char *tree, const QfPatch *patch,
                                const QfApplyOptions *opts, GError **error)
{
    Ctx ctx = {
        .tree = tree,
        .patch = patch,
        .nodes =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, node_free),
        .dirs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
        .result = qf_apply_result_new(),
    };
    QfApplyResult *result;

    if (opts) {
        ctx.opts = *opts;
    }
    for (guint i = 0; i < patch->files->len; i++) {
        if (!apply_file(&ctx, patch->files->pdata[i], error)) {
            ctx_clear(&ctx);
            return NULL;
        }
    }
    if (!check_final_layout(&ctx, error)) {
        ctx_clear(&ctx);
        return NULL;
    }
    result = g_steal_pointer(&ctx.result);
    ctx_clear(&ctx);
    return result;
}

gboolean qf_apply_is_applied(const char *tree, const QfPatch *patch)
{
    QfApplyOptions opts = { .fuzz = 0, .reverse = TRUE };
    g_autoptr(QfApplyResult) r = qf_apply_prepare(tree, patch, &opts, NULL);

    return r != NULL;
}

/* ---- writing ---------------------------------------------------------- */

/* Marks a path whose final state is "absent" in the replay table. */
static const char removed_marker[] = "removed";

/*
 * Replay the changes to find each path's final state, in first-touch
 * order, so that chained or swapped renames and delete-then-create of one
 * path come out right whatever order they were listed in.
 */
static void replay_changes(const QfApplyResult *result, GHashTable *final,
                           GPtrArray *order)
{
    for (guint i = 0; i < result->changes->len; i++) {
        QfFileChange *c = result->changes->pdata[i];
        const char *gone =
            c->kind == QF_CHANGE_DELETE || c->kind == QF_CHANGE_RENAME
                ? c->old_path
                : NULL;

        if (gone) {
            if (!g_hash_table_contains(final, gone)) {
                g_ptr_array_add(order, (gpointer)gone);
            }
            g_hash_table_insert(final, (gpointer)gone,
                                (gpointer)removed_marker);
        }
        if (c->kind != QF_CHANGE_DELETE) {
            if (!g_hash_table_contains(final, c->path)) {
                g_ptr_array_add(order, c->path);
            }
            g_hash_table_insert(final, c->path, c);
        }
    }
}

static gboolean write_error(const char *path, const char *what, int err,
                            GError **error)
{
    return fail(error, QF_ERROR_IO, "%s: cannot %s: %s", path, what,
                g_strerror(err));
}

/* Remove the directories a removal left empty, up to the tree. */
static void prune_empty_dirs(const char *tree, const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);

    while (strcmp(dir, ".") != 0) {
        g_autofree char *full = g_build_filename(tree, dir, NULL);
        char *up;

        if (rmdir(full) < 0) {
            return;
        }
        up = g_path_get_dirname(dir);
        g_free(dir);
        dir = up;
    }
}

static gboolean remove_path(const char *tree, const char *path, GError **error)
{
    g_autofree char *full = NULL;
    const char *why = path_syntax_problem(path);

    /* Prepare checked this; a hand-made result must not escape either. */
    if (why) {
        return fail(error, QF_ERROR_UNSAFE_PATH, "unsafe path '%s': %s", path,
                    why);
    }
    full = g_build_filename(tree, path, NULL);
    if (unlink(full) < 0) {
        /* Created and removed by the same patch: it never reached disk. */
        return errno == ENOENT || write_error(path, "remove", errno, error);
    }
    prune_empty_dirs(tree, path);
    return TRUE;
}

static gboolean write_all(int fd, GBytes *content)
{
    gsize len, done = 0;
    const guint8 *p = g_bytes_get_data(content, &len);

    while (done < len) {
        gssize n = write(fd, p + done, len - done);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return FALSE;
        }
        done += (gsize)n;
    }
    return TRUE;
}

/* A change made by hand may say "keep the mode": take it from the file. */
static guint effective_mode(const char *full, guint mode)
{
    struct stat st;

    if (mode) {
        return mode;
    }
    return lstat(full, &st) == 0 && S_ISREG(st.st_mode) ? st.st_mode & 07777
                                                        : 0644;
}

static gboolean write_regular(const char *full, const char *path,
                              GBytes *content, guint mode, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(full);
    g_autofree char *tmp = g_build_filename(dir, ".qfork-XXXXXX", NULL);
    int fd = g_mkstemp_full(tmp, O_WRONLY | O_CLOEXEC, 0600);
    int err;

    if (fd < 0) {
        return write_error(path, "create a temporary file for", errno, error);
    }
    if (write_all(fd, content) &&
        fchmod(fd, effective_mode(full, mode) & 07777) == 0 && close(fd) == 0) {
        fd = -1;
        if (rename(tmp, full) == 0) {
            return TRUE;
        }
    }
    err = errno;
    if (fd >= 0) {
        close(fd);
    }
    unlink(tmp);
    return write_error(path, "write", err, error);
}

static gboolean write_symlink(const char *full, const char *path,
                              GBytes *content, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(full);
    g_autofree char *target =
        g_strndup(g_bytes_get_data(content, NULL), g_bytes_get_size(content));

    for (guint attempt = 0; attempt < 100; attempt++) {
        g_autofree char *tmp =
            g_strdup_printf("%s/.qfork-%08x", dir, g_random_int());
        int err;

        if (symlink(target, tmp) < 0) {
            if (errno == EEXIST) {
                continue;
            }
            return write_error(path, "create symlink", errno, error);
        }
        if (rename(tmp, full) == 0) {
            return TRUE;
        }
        err = errno;
        unlink(tmp);
        return write_error(path, "write", err, error);
    }
    return write_error(path, "create symlink", EEXIST, error);
}

static gboolean write_change(const char *tree, const QfFileChange *c,
                             GError **error)
{
    g_autofree char *full = NULL;
    g_autofree char *dir = NULL;
    const char *why = path_syntax_problem(c->path);

    if (why) {
        return fail(error, QF_ERROR_UNSAFE_PATH, "unsafe path '%s': %s",
                    c->path, why);
    }
    full = g_build_filename(tree, c->path, NULL);
    dir = g_path_get_dirname(full);
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        return write_error(c->path, "create the directory for", errno, error);
    }
    if (c->mode == MODE_SYMLINK) {
        return write_symlink(full, c->path, c->content, error);
    }
    return write_regular(full, c->path, c->content, c->mode, error);
}

gboolean qf_apply_write(const char *tree, const QfApplyResult *result,
                        GError **error)
{
    g_autoptr(GHashTable) final = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) order = g_ptr_array_new();

    replay_changes(result, final, order);
    /* Removals first: a path may turn from file into directory or back. */
    for (guint i = 0; i < order->len; i++) {
        const char *path = order->pdata[i];

        if (g_hash_table_lookup(final, path) == removed_marker &&
            !remove_path(tree, path, error)) {
            return FALSE;
        }
    }
    for (guint i = 0; i < order->len; i++) {
        const QfFileChange *c = g_hash_table_lookup(final, order->pdata[i]);

        if ((gconstpointer)c != removed_marker &&
            !write_change(tree, c, error)) {
            return FALSE;
        }
    }
    return TRUE;
}
