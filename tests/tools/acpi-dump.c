/*
 * acpi-dump: read the ACPI tables a QEMU machine serves on fw_cfg, without
 * firmware, and write one file per table.
 *
 * Usage:
 *   acpi-dump -o DIR [OPTIONS] [-- QEMU-ARGS...]
 *
 * By default it starts QEMU itself ($QEMU_SYSTEM or --qemu) as
 *   QEMU -machine MACHINE -accel qtest -qtest unix:SOCK -qtest-log /dev/null
 *        -display none -nodefaults [-qmp unix:QMPSOCK] QEMU-ARGS...
 * (the QMP socket only when --resets or --qmp is given), talks the qtest
 * protocol on SOCK and stops QEMU when done.  With --socket it connects to
 * a QEMU that is already running with
 *   -qtest unix:SOCK,server=on,wait=off [-qmp unix:QMPSOCK,server=on,wait=off]
 * and leaves it running.  QEMU's stdout is sent to stderr, so stdout is only
 * what is described under Output.
 *
 * Options:
 *   -o, --output DIR     where to write; created if missing, must be empty;
 *                        written under a temporary name and renamed into
 *                        place when everything was read, so DIR never
 *                        holds a partial result
 *   --qemu PATH          QEMU binary (default: $QEMU_SYSTEM)
 *   --machine OPTS       -machine value (default: virt)
 *   --fw-cfg ADDR        fw_cfg MMIO base (default: 0x09020000, virt)
 *   --socket PATH        use a running QEMU's qtest server socket
 *   --qmp-socket PATH    its QMP server socket (for --resets / --qmp)
 *   --resets N           after the first read, N times: system_reset over
 *                        QMP, wait for the RESET event, read again
 *   --qmp JSON           a QMP command run after the first read and before
 *                        the first reset (repeatable, in order; needs
 *                        --resets >= 1), e.g. '{"execute": "object-del",
 *                        "arguments": {"id": "gi3"}}'; an error reply fails
 *   --qtest CMD          a qtest command run before each read, i.e. at
 *                        boot and after every reset (repeatable, in order),
 *                        to do what firmware would, e.g. program a PCI
 *                        bridge's bus numbers through ECAM:
 *                        "writeb 0x4011000019 0x11"; a reply other than OK
 *                        fails
 *   --list               print the fw_cfg file directory
 *   --timeout SECS       give up after SECS without a reply (default 60)
 *
 * Output:
 *   DIR/SIG.dat          the first read, one file per table, the bytes as
 *                        QEMU serves them in "etc/acpi/tables" (checksums
 *                        and pointers are not patched: that is the
 *                        firmware's job, the bios-linker-loader script)
 *   DIR/SIG-2.dat, ...   second and later tables with the same signature
 *                        (SSDTs), numbered in blob order
 *   DIR/reset-K/...      the same after the K-th reset (K = 1..N)
 *   stdout               one line per table: ROUND SIG LENGTH PATH, PATH
 *                        relative to DIR; with --list the directory first
 *                        as "fw_cfg KEY SIZE NAME" lines
 * Decode with e.g. `iasl -d DIR/SRAT.dat`.  Exit status 0 on success, 1
 * with one message on stderr otherwise (QEMU's own stderr is passed on).
 *
 * How the tables are read: fw_cfg's selector register (big-endian 16 bit,
 * base + 8) selects an item, the data register (base + 0, 8 bytes wide on
 * virt) streams it.  Item 0x19 is the file directory: a big-endian u32
 * count, then 64-byte entries { be32 size, be16 key, u16 reserved,
 * char name[56] }.  Selecting "etc/acpi/tables" makes virt rebuild the
 * tables when a reset asked for it, which can change their size, so the
 * file is selected once before its size is taken from the directory.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#define FW_CFG_VIRT_BASE 0x09020000ULL
#define FW_CFG_DATA_OFFSET 0
#define FW_CFG_SELECTOR_OFFSET 8
#define FW_CFG_DATA_WIDTH 8
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_FILE_ENTRY_SIZE 64
#define FW_CFG_FILE_NAME_SIZE 56
#define ACPI_TABLES_FILE "etc/acpi/tables"
#define ACPI_HEADER_SIZE 36
/* Bigger than any fw_cfg file QEMU serves; guards against a bogus size */
#define FW_CFG_MAX_FILE_SIZE (64u << 20)

#define ACPI_DUMP_ERROR acpi_dump_error_quark()
G_DEFINE_QUARK(acpi-dump-error-quark, acpi_dump_error)

typedef struct Options {
    char *output;
    char *qemu;
    char *machine;
    char *fw_cfg;
    char *socket;
    char *qmp_socket;
    char **qmp_commands;
    char **qtest_commands;
    char **qemu_args;
    int resets;
    int timeout;
    gboolean list;
} Options;

/* A line-oriented connection: qtest and QMP are both one message a line */
typedef struct Conn {
    const char *what;
    int fd;
    GString *buf;
} Conn;

typedef struct Session {
    const Options *opts;
    guint64 fw_cfg_base;
    char *outdir; /* where the tables go until renamed to opts->output */
    char *tmpdir;
    GPid pid;
    gboolean spawned;
    Conn qtest;
    Conn qmp;
    /* Read from the data register but not consumed yet */
    guint8 fw_cfg_pending[FW_CFG_DATA_WIDTH];
    size_t fw_cfg_npending;
} Session;

typedef struct FwCfgFile {
    guint32 size;
    guint16 key;
    char name[FW_CFG_FILE_NAME_SIZE + 1];
} FwCfgFile;

static void options_clear(Options *o)
{
    g_free(o->output);
    g_free(o->qemu);
    g_free(o->machine);
    g_free(o->fw_cfg);
    g_free(o->socket);
    g_free(o->qmp_socket);
    g_strfreev(o->qmp_commands);
    g_strfreev(o->qtest_commands);
    g_strfreev(o->qemu_args);
}

static gint64 deadline_after(const Session *s)
{
    return g_get_monotonic_time() + (gint64)s->opts->timeout * G_USEC_PER_SEC;
}

/* Short slices, so that a QEMU exiting meanwhile is noticed soon */
static int poll_slice_ms(gint64 deadline)
{
    gint64 left = (deadline - g_get_monotonic_time()) / 1000;

    return left > 0 ? (int)MIN(left, 100) : 0;
}

/*
 * Why QEMU is gone, if it is: a connection that ends says little.  Gives
 * an exiting QEMU @grace_ms to finish after it closed its sockets.
 */
static char *qemu_exit_reason(Session *s, int grace_ms)
{
    int status;

    if (!s->spawned || s->pid <= 0) {
        return NULL;
    }
    for (;;) {
        pid_t r = waitpid(s->pid, &status, WNOHANG);

        if (r == s->pid) {
            break;
        }
        if (r < 0 || grace_ms <= 0) {
            return NULL;
        }
        g_usleep(10 * 1000);
        grace_ms -= 10;
    }
    s->pid = 0;
    if (WIFSIGNALED(status)) {
        return g_strdup_printf("QEMU was killed by signal %d",
                               WTERMSIG(status));
    }
    return g_strdup_printf("QEMU exited with status %d",
                           WEXITSTATUS(status));
}

static gboolean conn_write_line(Conn *c, const char *line, GError **errp)
{
    g_autofree char *msg = g_strdup_printf("%s\n", line);
    size_t len = strlen(msg), done = 0;

    while (done < len) {
        ssize_t n = send(c->fd, msg + done, len - done, MSG_NOSIGNAL);

        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            g_set_error(errp, ACPI_DUMP_ERROR, 1, "%s: write failed: %s",
                        c->what, g_strerror(errno));
            return FALSE;
        }
        done += n;
    }
    return TRUE;
}

static char *conn_read_line(Session *s, Conn *c, GError **errp)
{
    gint64 deadline = deadline_after(s);

    for (;;) {
        char *nl = memchr(c->buf->str, '\n', c->buf->len);
        struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
        char chunk[4096];
        ssize_t n;

        if (nl) {
            char *line = g_strndup(c->buf->str, nl - c->buf->str);

            g_string_erase(c->buf, 0, nl - c->buf->str + 1);
            g_strchomp(line);
            return line;
        }
        if (g_get_monotonic_time() >= deadline) {
            g_set_error(errp, ACPI_DUMP_ERROR, 1,
                        "%s: no reply from QEMU within %d s", c->what,
                        s->opts->timeout);
            return NULL;
        }
        if (poll(&pfd, 1, poll_slice_ms(deadline)) <= 0) {
            continue;
        }
        n = read(c->fd, chunk, sizeof(chunk));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            g_autofree char *why = qemu_exit_reason(s, 1000);

            g_set_error(errp, ACPI_DUMP_ERROR, 1,
                        "%s: connection closed by QEMU%s%s", c->what,
                        why ? ": " : "", why ? why : "");
            return NULL;
        }
        g_string_append_len(c->buf, chunk, n);
    }
}

/* One qtest command; returns the reply after "OK" (maybe empty). */
static char *qtest_cmd(Session *s, const char *cmd, GError **errp)
{
    if (!conn_write_line(&s->qtest, cmd, errp)) {
        return NULL;
    }
    for (;;) {
        g_autofree char *line = conn_read_line(s, &s->qtest, errp);

        if (!line) {
            return NULL;
        }
        /* Asynchronous notifications can interleave with replies */
        if (g_str_has_prefix(line, "IRQ")) {
            continue;
        }
        if (strcmp(line, "OK") == 0) {
            return g_strdup("");
        }
        if (g_str_has_prefix(line, "OK ")) {
            return g_strdup(line + 3);
        }
        g_set_error(errp, ACPI_DUMP_ERROR, 1,
                    "qtest command '%s' failed: %s", cmd, line);
        return NULL;
    }
}

static gboolean fw_cfg_select(Session *s, guint16 key, GError **errp)
{
    /* "write" takes bytes in memory order: big-endian as the register */
    g_autofree char *cmd = g_strdup_printf(
        "write 0x%" G_GINT64_MODIFIER "x 2 0x%04x",
        s->fw_cfg_base + FW_CFG_SELECTOR_OFFSET, key);
    g_autofree char *reply = qtest_cmd(s, cmd, errp);

    s->fw_cfg_npending = 0;
    return reply != NULL;
}

static gboolean parse_hex_bytes(const char *hex, guint8 *out, size_t len)
{
    if (!g_str_has_prefix(hex, "0x") || strlen(hex) != 2 + 2 * len) {
        return FALSE;
    }
    for (size_t i = 0; i < len; i++) {
        int hi = g_ascii_xdigit_value(hex[2 + 2 * i]);
        int lo = g_ascii_xdigit_value(hex[3 + 2 * i]);

        if (hi < 0 || lo < 0) {
            return FALSE;
        }
        out[i] = hi << 4 | lo;
    }
    return TRUE;
}

/*
 * Stream @len bytes of the selected item.  Each full-width access moves
 * the item's offset by its width, so bytes read beyond @len are kept for
 * the next call.
 */
static gboolean fw_cfg_read(Session *s, guint8 *out, size_t len,
                            GError **errp)
{
    g_autofree char *cmd = g_strdup_printf(
        "read 0x%" G_GINT64_MODIFIER "x %d",
        s->fw_cfg_base + FW_CFG_DATA_OFFSET, FW_CFG_DATA_WIDTH);

    while (len > 0) {
        size_t n;

        if (s->fw_cfg_npending == 0) {
            g_autofree char *reply = qtest_cmd(s, cmd, errp);

            if (!reply) {
                return FALSE;
            }
            if (!parse_hex_bytes(reply, s->fw_cfg_pending,
                                 FW_CFG_DATA_WIDTH)) {
                g_set_error(errp, ACPI_DUMP_ERROR, 1,
                            "qtest: unexpected reply to '%s': %s", cmd,
                            reply);
                return FALSE;
            }
            s->fw_cfg_npending = FW_CFG_DATA_WIDTH;
        }
        n = MIN(len, s->fw_cfg_npending);
        memcpy(out, s->fw_cfg_pending, n);
        memmove(s->fw_cfg_pending, s->fw_cfg_pending + n,
                s->fw_cfg_npending - n);
        s->fw_cfg_npending -= n;
        out += n;
        len -= n;
    }
    return TRUE;
}

static GArray *fw_cfg_read_dir(Session *s, GError **errp)
{
    g_autoptr(GArray) files = g_array_new(FALSE, TRUE, sizeof(FwCfgFile));
    g_autofree guint8 *raw = NULL;
    guint8 count_be[4];
    guint32 count;

    if (!fw_cfg_select(s, FW_CFG_FILE_DIR, errp) ||
        !fw_cfg_read(s, count_be, sizeof(count_be), errp)) {
        return NULL;
    }
    count = (guint32)count_be[0] << 24 | count_be[1] << 16 |
            count_be[2] << 8 | count_be[3];
    if (count == 0 || count > 4096) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1,
                    "fw_cfg at 0x%" G_GINT64_MODIFIER "x: implausible file "
                    "count %" PRIu32 " (not a fw_cfg device, or another "
                    "machine than virt? see --fw-cfg)", s->fw_cfg_base,
                    count);
        return NULL;
    }
    raw = g_malloc((size_t)count * FW_CFG_FILE_ENTRY_SIZE);
    if (!fw_cfg_read(s, raw, (size_t)count * FW_CFG_FILE_ENTRY_SIZE, errp)) {
        return NULL;
    }
    for (guint32 i = 0; i < count; i++) {
        const guint8 *e = raw + (size_t)i * FW_CFG_FILE_ENTRY_SIZE;
        FwCfgFile f = { 0 };

        f.size = (guint32)e[0] << 24 | e[1] << 16 | e[2] << 8 | e[3];
        f.key = e[4] << 8 | e[5];
        memcpy(f.name, e + 8, FW_CFG_FILE_NAME_SIZE);
        g_array_append_val(files, f);
    }
    return g_steal_pointer(&files);
}

static const FwCfgFile *fw_cfg_find(GArray *files, const char *name)
{
    for (guint i = 0; i < files->len; i++) {
        const FwCfgFile *f = &g_array_index(files, FwCfgFile, i);

        if (strcmp(f->name, name) == 0) {
            return f;
        }
    }
    return NULL;
}

static GBytes *read_acpi_blob(Session *s, gboolean list, GError **errp)
{
    g_autoptr(GArray) files = fw_cfg_read_dir(s, errp);
    const FwCfgFile *f;
    g_autofree guint8 *data = NULL;
    guint16 key;

    if (!files) {
        return NULL;
    }
    f = fw_cfg_find(files, ACPI_TABLES_FILE);
    if (!f) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1,
                    "fw_cfg has no file \"%s\" (machine without ACPI, "
                    "e.g. -machine ...,acpi=off?)", ACPI_TABLES_FILE);
        return NULL;
    }
    /* Selecting lets the machine rebuild the tables; then size them */
    key = f->key;
    g_clear_pointer(&files, g_array_unref);
    if (!fw_cfg_select(s, key, errp)) {
        return NULL;
    }
    files = fw_cfg_read_dir(s, errp);
    if (!files) {
        return NULL;
    }
    if (list) {
        for (guint i = 0; i < files->len; i++) {
            const FwCfgFile *e = &g_array_index(files, FwCfgFile, i);

            printf("fw_cfg 0x%04x %" PRIu32 " %s\n", e->key, e->size,
                   e->name);
        }
    }
    f = fw_cfg_find(files, ACPI_TABLES_FILE);
    if (!f || f->size > FW_CFG_MAX_FILE_SIZE) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1,
                    "fw_cfg file \"%s\" vanished or has a bogus size",
                    ACPI_TABLES_FILE);
        return NULL;
    }
    data = g_malloc(f->size);
    if (!fw_cfg_select(s, f->key, errp) ||
        !fw_cfg_read(s, data, f->size, errp)) {
        return NULL;
    }
    return g_bytes_new_take(g_steal_pointer(&data), f->size);
}

static gboolean all_zero(const guint8 *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i]) {
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean is_signature(const guint8 *p)
{
    for (int i = 0; i < 4; i++) {
        if (!g_ascii_isupper(p[i]) && !g_ascii_isdigit(p[i]) && p[i] != '_') {
            return FALSE;
        }
    }
    return TRUE;
}

/* File name for the table: SIG.dat, then SIG-2.dat, ... for repeats. */
static char *table_file_name(GHashTable *seen, const char *sig)
{
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(seen, sig)) + 1;

    g_hash_table_insert(seen, g_strdup(sig), GUINT_TO_POINTER(n));
    return n == 1 ? g_strdup_printf("%s.dat", sig)
                  : g_strdup_printf("%s-%u.dat", sig, n);
}

/*
 * Split the blob into tables by signature and length and write them.  The
 * blob may end in zero padding; anything else that is not a table is an
 * error, since a consumer would otherwise silently miss tables.
 */
static gboolean write_tables(GBytes *blob, const char *dir, const char *rel,
                             int round, GError **errp)
{
    g_autoptr(GHashTable) seen =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    gsize size;
    const guint8 *p = g_bytes_get_data(blob, &size);
    size_t off = 0;

    while (off < size && !all_zero(p + off, size - off)) {
        g_autofree char *name = NULL;
        g_autofree char *path = NULL;
        char sig[5] = { 0 };
        guint32 len;

        if (size - off < ACPI_HEADER_SIZE || !is_signature(p + off)) {
            g_set_error(errp, ACPI_DUMP_ERROR, 1,
                        "%s: no ACPI table header at offset %zu of %zu",
                        ACPI_TABLES_FILE, off, (size_t)size);
            return FALSE;
        }
        memcpy(sig, p + off, 4);
        len = p[off + 4] | p[off + 5] << 8 | p[off + 6] << 16 |
              (guint32)p[off + 7] << 24;
        if (len < ACPI_HEADER_SIZE || len > size - off) {
            g_set_error(errp, ACPI_DUMP_ERROR, 1,
                        "%s: table %s at offset %zu has length %" PRIu32
                        " but %zu bytes are left", ACPI_TABLES_FILE, sig,
                        off, len, (size_t)size - off);
            return FALSE;
        }
        name = table_file_name(seen, sig);
        path = g_build_filename(dir, name, NULL);
        if (!g_file_set_contents(path, (const char *)p + off, len, errp)) {
            return FALSE;
        }
        printf("%d %s %" PRIu32 " %s%s%s\n", round, sig, len,
               rel ? rel : "", rel ? "/" : "", name);
        off += len;
    }
    return TRUE;
}

static gboolean dump_round(Session *s, int round, GError **errp)
{
    g_autofree char *rel = round ? g_strdup_printf("reset-%d", round) : NULL;
    g_autofree char *dir = rel ? g_build_filename(s->outdir, rel, NULL)
                               : g_strdup(s->outdir);
    g_autoptr(GBytes) blob = NULL;

    for (char **c = s->opts->qtest_commands; c && *c; c++) {
        g_autofree char *reply = qtest_cmd(s, *c, errp);

        if (!reply) {
            return FALSE;
        }
    }
    blob = read_acpi_blob(s, s->opts->list && !round, errp);
    if (!blob) {
        return FALSE;
    }
    if (g_mkdir_with_parents(dir, 0755) < 0) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1, "cannot create %s: %s", dir,
                    g_strerror(errno));
        return FALSE;
    }
    if (!write_tables(blob, dir, rel, round, errp)) {
        return FALSE;
    }
    fflush(stdout);
    return TRUE;
}

/*
 * Run a QMP command and wait for its reply and, if @event is not NULL, for
 * that event too, in whichever order they come (system_reset's RESET comes
 * first).  QEMU puts a reply's only top-level key first, which no event
 * has.
 */
static gboolean qmp_cmd_event(Session *s, const char *cmd, const char *event,
                              GError **errp)
{
    g_autofree char *needle =
        event ? g_strdup_printf("\"event\": \"%s\"", event) : NULL;
    gboolean got_return = FALSE, got_event = !event;

    if (!conn_write_line(&s->qmp, cmd, errp)) {
        return FALSE;
    }
    while (!got_return || !got_event) {
        g_autofree char *line = conn_read_line(s, &s->qmp, errp);

        if (!line) {
            return FALSE;
        }
        if (g_str_has_prefix(line, "{\"return\"")) {
            got_return = TRUE;
        } else if (g_str_has_prefix(line, "{\"error\"")) {
            g_set_error(errp, ACPI_DUMP_ERROR, 1, "QMP command %s failed: %s",
                        cmd, line);
            return FALSE;
        } else if (needle && strstr(line, needle)) {
            got_event = TRUE;
        }
    }
    return TRUE;
}

static gboolean qmp_cmd(Session *s, const char *cmd, GError **errp)
{
    return qmp_cmd_event(s, cmd, NULL, errp);
}

static gboolean qmp_handshake(Session *s, GError **errp)
{
    g_autofree char *greeting = conn_read_line(s, &s->qmp, errp);

    if (!greeting) {
        return FALSE;
    }
    if (!g_str_has_prefix(greeting, "{\"QMP\"")) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1,
                    "QMP: unexpected greeting: %s", greeting);
        return FALSE;
    }
    return qmp_cmd(s, "{\"execute\": \"qmp_capabilities\"}", errp);
}

/* The reset runs in the main loop; RESET is sent once it has run */
static gboolean system_reset(Session *s, GError **errp)
{
    return qmp_cmd_event(s, "{\"execute\": \"system_reset\"}", "RESET",
                         errp);
}

/* A Unix stream socket bound and listening on @path, or connected to it */
static int open_unix_socket(const char *path, gboolean server, GError **errp)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    const struct sockaddr *sa = (const struct sockaddr *)&addr;
    int fd, rc;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1, "socket path too long: %s",
                    path);
        return -1;
    }
    strcpy(addr.sun_path, path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1, "socket: %s",
                    g_strerror(errno));
        return -1;
    }
    rc = server ? bind(fd, sa, sizeof(addr)) || listen(fd, 1)
                : connect(fd, sa, sizeof(addr));
    if (rc != 0) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1, "cannot %s %s: %s",
                    server ? "listen on" : "connect to", path,
                    g_strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* Accept QEMU's connection, noticing if it exits instead (bad options). */
static int accept_qemu(Session *s, int lfd, const char *what, GError **errp)
{
    gint64 deadline = deadline_after(s);

    for (;;) {
        struct pollfd pfd = { .fd = lfd, .events = POLLIN };
        g_autofree char *why = NULL;

        if (poll(&pfd, 1, poll_slice_ms(deadline)) > 0) {
            int fd = accept(lfd, NULL, NULL);

            if (fd >= 0 || errno != EINTR) {
                if (fd < 0) {
                    g_set_error(errp, ACPI_DUMP_ERROR, 1, "accept: %s",
                                g_strerror(errno));
                }
                return fd;
            }
        }
        why = qemu_exit_reason(s, 0);
        if (why) {
            g_set_error(errp, ACPI_DUMP_ERROR, 1,
                        "%s before connecting its %s socket (see its "
                        "messages above)", why, what);
            return -1;
        }
        if (g_get_monotonic_time() >= deadline) {
            g_set_error(errp, ACPI_DUMP_ERROR, 1,
                        "QEMU did not connect its %s socket within %d s",
                        what, s->opts->timeout);
            return -1;
        }
    }
}

static GPtrArray *qemu_argv(Session *s, const char *qtest_path,
                            const char *qmp_path)
{
    GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);

    g_ptr_array_add(argv, g_strdup(s->opts->qemu));
    g_ptr_array_add(argv, g_strdup("-machine"));
    g_ptr_array_add(argv, g_strdup(s->opts->machine));
    g_ptr_array_add(argv, g_strdup("-accel"));
    g_ptr_array_add(argv, g_strdup("qtest"));
    g_ptr_array_add(argv, g_strdup("-qtest"));
    g_ptr_array_add(argv, g_strdup_printf("unix:%s", qtest_path));
    /* Without it, QEMU logs every qtest command on stderr */
    g_ptr_array_add(argv, g_strdup("-qtest-log"));
    g_ptr_array_add(argv, g_strdup("/dev/null"));
    g_ptr_array_add(argv, g_strdup("-display"));
    g_ptr_array_add(argv, g_strdup("none"));
    /* virt's default NIC needs an option ROM a +ds build may lack */
    g_ptr_array_add(argv, g_strdup("-nodefaults"));
    if (qmp_path) {
        g_ptr_array_add(argv, g_strdup("-qmp"));
        g_ptr_array_add(argv, g_strdup_printf("unix:%s", qmp_path));
    }
    for (char **a = s->opts->qemu_args; a && *a; a++) {
        g_ptr_array_add(argv, g_strdup(*a));
    }
    g_ptr_array_add(argv, NULL);
    return argv;
}

static gboolean start_qemu(Session *s, gboolean want_qmp, GError **errp)
{
    g_autofree char *qtest_path = NULL;
    g_autofree char *qmp_path = NULL;
    g_autoptr(GPtrArray) argv = NULL;
    int qtest_lfd, qmp_lfd = -1, stdout_fd;
    gboolean spawned, ok = FALSE;

    s->tmpdir = g_dir_make_tmp("acpi-dump-XXXXXX", errp);
    if (!s->tmpdir) {
        return FALSE;
    }
    qtest_path = g_build_filename(s->tmpdir, "qtest.sock", NULL);
    qmp_path = want_qmp ? g_build_filename(s->tmpdir, "qmp.sock", NULL)
                        : NULL;
    qtest_lfd = open_unix_socket(qtest_path, TRUE, errp);
    if (qtest_lfd < 0) {
        return FALSE;
    }
    if (qmp_path) {
        qmp_lfd = open_unix_socket(qmp_path, TRUE, errp);
        if (qmp_lfd < 0) {
            goto out;
        }
    }
    argv = qemu_argv(s, qtest_path, qmp_path);
    /*
     * A copy of stderr: GLib 2.74 closes the child's stderr when handed
     * fd 2 itself as the child's stdout.
     */
    stdout_fd = dup(STDERR_FILENO);
    spawned = g_spawn_async_with_fds(NULL, (char **)argv->pdata, NULL,
                                     G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                                     &s->pid, -1, stdout_fd, -1, errp);
    if (stdout_fd >= 0) {
        close(stdout_fd);
    }
    if (!spawned) {
        g_prefix_error(errp, "cannot start %s: ", s->opts->qemu);
        goto out;
    }
    s->spawned = TRUE;
    s->qtest.fd = accept_qemu(s, qtest_lfd, "qtest", errp);
    if (s->qtest.fd < 0) {
        goto out;
    }
    if (qmp_path) {
        s->qmp.fd = accept_qemu(s, qmp_lfd, "QMP", errp);
        if (s->qmp.fd < 0) {
            goto out;
        }
    }
    ok = TRUE;
out:
    close(qtest_lfd);
    if (qmp_lfd >= 0) {
        close(qmp_lfd);
    }
    return ok;
}

static gboolean connect_qemu(Session *s, gboolean want_qmp, GError **errp)
{
    s->qtest.fd = open_unix_socket(s->opts->socket, FALSE, errp);
    if (s->qtest.fd < 0) {
        return FALSE;
    }
    if (want_qmp) {
        s->qmp.fd = open_unix_socket(s->opts->qmp_socket, FALSE, errp);
        if (s->qmp.fd < 0) {
            return FALSE;
        }
    }
    return TRUE;
}

static void session_init(Session *s, const Options *opts, guint64 base)
{
    memset(s, 0, sizeof(*s));
    s->opts = opts;
    s->fw_cfg_base = base;
    s->qtest = (Conn){ .what = "qtest", .fd = -1, .buf = g_string_new("") };
    s->qmp = (Conn){ .what = "QMP", .fd = -1, .buf = g_string_new("") };
}

static void session_close(Session *s)
{
    if (s->qtest.fd >= 0) {
        close(s->qtest.fd);
    }
    if (s->qmp.fd >= 0) {
        close(s->qmp.fd);
    }
    g_string_free(s->qtest.buf, TRUE);
    g_string_free(s->qmp.buf, TRUE);
    if (s->spawned && s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
    }
    if (s->tmpdir) {
        g_autofree char *qtest = g_build_filename(s->tmpdir, "qtest.sock",
                                                  NULL);
        g_autofree char *qmp = g_build_filename(s->tmpdir, "qmp.sock", NULL);

        g_unlink(qtest);
        g_unlink(qmp);
        g_rmdir(s->tmpdir);
        g_free(s->tmpdir);
    }
    g_free(s->outdir);
}

/* Next to DIR, so that publishing it is a rename() */
static char *make_staging_dir(const char *output, GError **errp)
{
    g_autofree char *parent = g_path_get_dirname(output);
    g_autofree char *base = g_path_get_basename(output);
    g_autofree char *tmpl = NULL;

    if (g_mkdir_with_parents(parent, 0755) < 0) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1, "cannot create %s: %s", parent,
                    g_strerror(errno));
        return NULL;
    }
    tmpl = g_strdup_printf("%s/.%s.XXXXXX", parent, base);
    if (!g_mkdtemp_full(tmpl, 0755)) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1, "cannot create %s: %s", tmpl,
                    g_strerror(errno));
        return NULL;
    }
    return g_steal_pointer(&tmpl);
}

/* Only what write_tables() made: table files and reset-K directories */
static void remove_staging_dir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *path = g_build_filename(dir, name, NULL);

        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            remove_staging_dir(path);
        } else {
            g_unlink(path);
        }
    }
    g_rmdir(dir);
}

/* rename() replaces an empty directory, which is all DIR may be */
static gboolean publish_output(const char *staging, const char *output,
                               GError **errp)
{
    if (g_rename(staging, output) < 0) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1, "cannot rename %s to %s: %s",
                    staging, output, g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

static gboolean run(const Options *opts, guint64 base, GError **errp)
{
    gboolean want_qmp = opts->resets > 0;
    gboolean ok = FALSE;
    Session s;

    session_init(&s, opts, base);
    s.outdir = make_staging_dir(opts->output, errp);
    if (!s.outdir) {
        goto out;
    }
    if (opts->socket ? !connect_qemu(&s, want_qmp, errp)
                     : !start_qemu(&s, want_qmp, errp)) {
        goto out;
    }
    if (want_qmp && !qmp_handshake(&s, errp)) {
        goto out;
    }
    if (!dump_round(&s, 0, errp)) {
        goto out;
    }
    for (char **c = opts->qmp_commands; c && *c; c++) {
        if (!qmp_cmd(&s, *c, errp)) {
            goto out;
        }
    }
    for (int round = 1; round <= opts->resets; round++) {
        if (!system_reset(&s, errp) || !dump_round(&s, round, errp)) {
            g_prefix_error(errp, "reset %d: ", round);
            goto out;
        }
    }
    ok = publish_output(s.outdir, opts->output, errp);
out:
    if (!ok && s.outdir) {
        remove_staging_dir(s.outdir);
    }
    session_close(&s);
    return ok;
}

static gboolean check_output_dir(const char *dir, GError **errp)
{
    g_autoptr(GDir) d = NULL;

    if (!g_file_test(dir, G_FILE_TEST_EXISTS)) {
        return TRUE;
    }
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1,
                    "output %s exists and is not a directory", dir);
        return FALSE;
    }
    d = g_dir_open(dir, 0, errp);
    if (!d) {
        return FALSE;
    }
    /* Files from an earlier run would pass for tables of this one */
    if (g_dir_read_name(d)) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1,
                    "output directory %s is not empty", dir);
        return FALSE;
    }
    return TRUE;
}

static gboolean check_options(Options *o, guint64 *base, GError **errp)
{
    char *end = NULL;

    if (!o->output) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1, "--output DIR is required");
        return FALSE;
    }
    if (o->resets < 0 || o->timeout <= 0) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1,
                    "--resets must be >= 0 and --timeout > 0");
        return FALSE;
    }
    if (o->qmp_commands && o->resets < 1) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1,
                    "--qmp needs --resets N >= 1: the commands run after "
                    "the first read, before the first reset");
        return FALSE;
    }
    errno = 0;
    *base = g_ascii_strtoull(o->fw_cfg, &end, 0);
    if (errno || end == o->fw_cfg || *end) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1,
                    "--fw-cfg: not an address: %s", o->fw_cfg);
        return FALSE;
    }
    if (o->socket) {
        if (o->qemu_args) {
            g_set_error(errp, ACPI_DUMP_ERROR, 1,
                        "QEMU arguments given with --socket: QEMU is "
                        "already running");
            return FALSE;
        }
        if (o->resets > 0 && !o->qmp_socket) {
            g_set_error(errp, ACPI_DUMP_ERROR, 1,
                        "--resets with --socket needs --qmp-socket");
            return FALSE;
        }
        return check_output_dir(o->output, errp);
    }
    if (!o->qemu) {
        o->qemu = g_strdup(g_getenv("QEMU_SYSTEM"));
    }
    if (!o->qemu || !*o->qemu) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1,
                    "no QEMU: give --qemu PATH or set QEMU_SYSTEM");
        return FALSE;
    }
    if (!g_file_test(o->qemu, G_FILE_TEST_IS_EXECUTABLE)) {
        g_set_error(errp, ACPI_DUMP_ERROR, 1, "QEMU %s is not an executable",
                    o->qemu);
        return FALSE;
    }
    return check_output_dir(o->output, errp);
}

static gboolean parse_options(Options *o, int argc, char **argv,
                              GError **errp)
{
    GOptionEntry entries[] = {
        { "output", 'o', 0, G_OPTION_ARG_FILENAME, &o->output,
          "Write the tables into DIR (created; must be empty)", "DIR" },
        { "qemu", 0, 0, G_OPTION_ARG_FILENAME, &o->qemu,
          "QEMU binary (default: $QEMU_SYSTEM)", "PATH" },
        { "machine", 0, 0, G_OPTION_ARG_STRING, &o->machine,
          "-machine value (default: virt)", "OPTS" },
        { "fw-cfg", 0, 0, G_OPTION_ARG_STRING, &o->fw_cfg,
          "fw_cfg MMIO base (default: 0x09020000)", "ADDR" },
        { "socket", 0, 0, G_OPTION_ARG_FILENAME, &o->socket,
          "Connect to a running QEMU's qtest server socket", "PATH" },
        { "qmp-socket", 0, 0, G_OPTION_ARG_FILENAME, &o->qmp_socket,
          "Its QMP server socket (with --socket)", "PATH" },
        { "resets", 0, 0, G_OPTION_ARG_INT, &o->resets,
          "Then N times: system_reset, read into DIR/reset-K", "N" },
        { "qmp", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->qmp_commands,
          "QMP command to run before the first reset (repeatable)",
          "JSON" },
        { "qtest", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->qtest_commands,
          "qtest command to run before each read (repeatable)", "CMD" },
        { "list", 0, 0, G_OPTION_ARG_NONE, &o->list,
          "Print the fw_cfg file directory", NULL },
        { "timeout", 0, 0, G_OPTION_ARG_INT, &o->timeout,
          "Give up waiting for QEMU after SECS (default: 60)", "SECS" },
        { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->qemu_args,
          NULL, NULL },
        { NULL, 0, 0, 0, NULL, NULL, NULL },
    };
    g_autoptr(GOptionContext) ctx =
        g_option_context_new("[-- QEMU-ARGS...] - dump a QEMU machine's "
                             "ACPI tables via qtest and fw_cfg");

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, errp)) {
        return FALSE;
    }
    if (!o->machine) {
        o->machine = g_strdup("virt");
    }
    if (!o->fw_cfg) {
        o->fw_cfg = g_strdup_printf("0x%llx", FW_CFG_VIRT_BASE);
    }
    return TRUE;
}

int main(int argc, char **argv)
{
    g_autoptr(GError) err = NULL;
    Options opts = { .timeout = 60 };
    guint64 base = 0;
    int status = 0;

    if (!parse_options(&opts, argc, argv, &err) ||
        !check_options(&opts, &base, &err) || !run(&opts, base, &err)) {
        fprintf(stderr, "acpi-dump: %s\n", err->message);
        status = 1;
    }
    options_clear(&opts);
    return status;
}
