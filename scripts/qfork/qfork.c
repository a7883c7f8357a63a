/*
 * qfork: maintain the fork's series of patches over a pinned QEMU tree.
 *
 * main() parses the global options and hands the rest to one subcommand
 * from the table below, which also provides every help text.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "qf-vmconfig.h"
#include "qfork.h"

#define QFORK_VERSION "1.0"
#define SERIES_FILE "series.conf"
#define DEFAULT_TREE "qemu"

static int cmd_help(QfContext *ctx, int argc, char **argv, GError **error);

static const QfCommand commands[] = {
    {"init", qf_cmd_init,
     "make an extracted QEMU release the base commit of a qfork tree",
     "init [--version V] [--source-desc TEXT] [DIR]",
     "DIR (default: the tree, see -C) must hold the extracted release and\n"
     "not be a git repository yet.  It becomes one whose first commit,\n"
     "\"Base: QEMU V\", has a fixed author and date so that its id depends\n"
     "only on the files; refs/qfork/base points to it and /build/ is\n"
     "excluded.  Exit 2 when DIR already is a qfork tree of V.\n"
     "\n"
     "  --version V          the release (default: the base in series.conf)\n"
     "  --source-desc TEXT   where the files came from (the commit body)\n"},
    {"series", qf_cmd_series,
     "list the series' pushable entries",
     "series [-v]",
     "Prints the entries push can apply, in order (upstream rows already\n"
     "released in the base are not among them).\n"
     "\n"
     "  -v, --verbose   every entry, marked: '=' top, '+' applied,\n"
     "                  ' ' not applied, '!' failed, 'x' unavailable,\n"
     "                  'b' in base; with its name and subject\n"},
    {"applied", qf_cmd_applied,
     "list the applied entries",
     "applied",
     "Exit 2 when nothing is applied.\n"},
    {"unapplied", qf_cmd_unapplied,
     "list the entries push has still to apply",
     "unapplied",
     "Exit 2 when the series is fully applied.\n"},
    {"top", qf_cmd_top,
     "print the topmost applied entry",
     "top",
     "Exit 2 when nothing is applied.\n"},
    {"status", qf_cmd_status,
     "show every entry's state and why, the base and its lock",
     "status",
     "One line per series entry: position, name, state, reason.  States:\n"
     "  in base      upstream row released in the base (first-release, or\n"
     "               the table's minimum release, then marked unverified)\n"
     "  applied      its commit is in the tree\n"
     "  pending      push will apply it\n"
     "  failed       the last push of it failed (the message follows)\n"
     "  unavailable  upstream row newer than the base with no patch file\n"},
    {"push", qf_cmd_push,
     "apply entries, each as one commit",
     "push [-a | N | NAME] [--fuzz F] [--dry-run]",
     "Applies the next entry; N entries; every entry (-a); or the entries\n"
     "up to and including NAME (a name, sha prefix, position or patch\n"
     "file).  A patch applies whole or not at all, and becomes one commit\n"
     "with its author, date and message plus Qfork-Entry and provenance\n"
     "trailers.  Refuses a tree with uncommitted changes.  Exit 2 when\n"
     "there is nothing to push.\n"
     "\n"
     "  -a, --all       push every remaining entry\n"
     "      --fuzz F    allow up to F context lines to mismatch (default\n"
     "                  0); any fuzz used is reported\n"
     "  -n, --dry-run   check that the entries apply; change nothing\n"},
    {"pop", qf_cmd_pop,
     "remove applied entries from the top",
     "pop [-a | N | NAME]",
     "Removes the top entry; N entries; every entry (-a); or the entries\n"
     "above NAME, which stays on top (as quilt does).  Refuses a tree with\n"
     "uncommitted changes.  Exit 2 when nothing is removed.\n"
     "\n"
     "  -a, --all       pop every entry\n"},
    {"lint", qf_cmd_lint,
     "check series.conf against patches/ and the patch headers",
     "lint [--facts FILE]",
     "Every listed patch exists and is listed once, every patches/ file is\n"
     "listed, each patch has its headers, Signed-off-by and provenance, and\n"
     "the table keeps its order.  Exit 1 listing every problem.\n"
     "\n"
     "  --facts FILE    also compare the table rows with this facts table\n"},
    {"bisect", qf_cmd_bisect,
     "find the series entry that broke something",
     "bisect --good REF --bad REF [--build CMD | --no-build]\n"
     "              [--build-failure-is-bad] [-v] -- TEST-CMD [ARGS...]\n"
     "       qfork bisect --resume | --reset",
     "Binary search over the series positions after --good up to --bad.\n"
     "REF is an entry (name, position, sha prefix, patch file) or 'base';\n"
     "entries in base are not positions.  At each step the tree moves\n"
     "there with pop/push (so the build is incremental), the build command\n"
     "runs in the tree, then TEST-CMD does: exit 0 good, 125 skip, 1-127\n"
     "bad, anything else (or a signal) stops the bisect, as with `git\n"
     "bisect run`.  A failed build is a skip.  Each step is printed as it\n"
     "happens, then the first bad entry with its subject, upstream commit\n"
     "or SAUCE row and patch file, or the candidates when skips leave it\n"
     "ambiguous.  At most ceil(log2(N)) builds for N entries, plus one per\n"
     "skip.  State and log live in the tree's .git/qfork/bisect/; the tree\n"
     "is locked while the bisect runs.  The commands get QFORK_BISECT_TREE,\n"
     "QFORK_BISECT_ENTRY and QFORK_BISECT_POSITION in the environment.\n"
     "Exit 0 first bad entry found, 3 only a set of candidates, 1 error or\n"
     "stopped (--resume continues), 2 nothing to resume or reset.\n"
     "\n"
     "  --good REF           the last position known good\n"
     "  --bad REF            a position known bad, after --good\n"
     "  --build CMD          shell command building the tree (default: for\n"
     "                       a configured QEMU tree, ninja -C build\n"
     "                       -j${JOBS:-2} qemu-system-aarch64)\n"
     "  --no-build           run the test without building\n"
     "  --build-failure-is-bad  a failed build is bad, not a skip\n"
     "  --resume             continue an interrupted bisect\n"
     "  --reset              end the bisect: pop/push the tree back to where\n"
     "                       it was before it started\n"
     "  -v, --verbose        show the build's and test's output\n"},
    {"table", qf_cmd_table,
     "render the vendor's patch tables from series.conf",
     "table [--format markdown|html|json | --html | --json] [-o FILE]",
     "The table rows by section and mailing-list month, as the vendor's\n"
     "page lists them (commit, description, minimum release; SAUCE rows\n"
     "with their impact), plus each row's state in this fork (in base since\n"
     "vX, applied as patch P, pending), the evidence for it, and for SAUCE\n"
     "rows the patch and the test covering it; then the downstream entries.\n"
     "From series.conf alone, so the output changes only with it.\n"
     "\n"
     "  --format F        markdown (default), html or json\n"
     "  --html, --json    the same as --format html / json\n"
     "  -o, --output FILE write FILE (replaced whole) instead of stdout\n"},
    {"verify-base", qf_cmd_verify_base,
     "prove every upstream row is in the pinned base",
     "verify-base --upstream-git DIR [--base DIR] [--tip REV] [--write]\n"
     "              [-v] [ENTRY...]",
     "For each upstream row: by git ancestry, when DIR has the commit under\n"
     "a release tag (the base's own tag, or the first release tag holding\n"
     "the commit, which every later release holds too); else by content:\n"
     "the commit's diff (or, when DIR lacks the commit, the newest commit\n"
     "of any ref with the row's subject: a mailing-list copy of the patch)\n"
     "must be in the base tree, hunk by hunk - a hunk's new side there, or\n"
     "its added lines there in order with its old side gone.  When later\n"
     "commits changed some of a row's lines, a descendant does: the newest\n"
     "commit of --tip's history whose change is in the base, since the\n"
     "base's release holds it and all before it.  One line per row (all,\n"
     "or the ENTRYs given), then the counts.  Exit 3 when some row is not\n"
     "proven.\n"
     "\n"
     "  --upstream-git DIR   an upstream QEMU git (tags vX.Y.Z where it has\n"
     "                       them)\n"
     "  --base DIR           the base tree: a qfork tree (its base commit is\n"
     "                       read, not its patched files) or an extracted\n"
     "                       release (default: the tree, see -C)\n"
     "  --tip REV            where a descendant is looked for (default\n"
     "                       HEAD of DIR)\n"
     "  -w, --write          record first-release and evidence in\n"
     "                       series.conf (a proof is never replaced by a\n"
     "                       failure to repeat it)\n"
     "  -v, --verbose        every hunk that is not in the tree\n"},
    {"rebase", qf_cmd_rebase,
     "move the series onto a new QEMU release",
     "rebase VERSION --sha256 HEX [--tarball FILE] [--source PATH|URL]\n"
     "              [--upstream-git DIR|URL] [--report PATH]\n"
     "       qfork rebase --continue | --abort",
     "Obtains QEMU VERSION as `make` obtains the pinned base (same sources,\n"
     "checked against HEX), moves the tree onto it and walks the series in\n"
     "order.  Each entry is: in base (upstream rows by git ancestry with\n"
     "--upstream-git, else by the release data; patches that reverse-apply\n"
     "or whose patch-id matches an upstream commit), applies cleanly (kept\n"
     "byte for byte), applies with offset (refreshed), 3-way merged\n"
     "(refreshed), or a conflict: the rebase stops with conflict markers in\n"
     "the tree, the failing hunks listed.  Fix the files (no commit), then\n"
     "--continue; --abort puts the tree, series.conf, base.lock and patches/\n"
     "back as they were.  At the end series.conf and base.lock pin VERSION,\n"
     "and a report lists every entry (build/rebase-OLD-to-NEW.md, .json).\n"
     "\n"
     "  --sha256 HEX         the new tarball's sha256 (the new pin)\n"
     "  --tarball FILE       its name (default: the pinned one's, VERSION in it)\n"
     "  --source PATH|URL    where to get it (as make's QEMU_SOURCE)\n"
     "  --upstream-git D|U   an upstream QEMU git: in base by ancestry, and\n"
     "                       rows newer than VERSION become backports\n"
     "  --report PATH        write the report to PATH.md and PATH.json\n"
     "  --continue           commit the resolved conflict, go on\n"
     "  --abort              undo the whole rebase\n"},
    {"vm", qf_cmd_vm,
     "print or run the QEMU command line for a Grace GPU passthrough VM",
     "vm [--sysroot DIR] [--gpu BDF]... [--json-out F | --from-json F]\n"
     "          [--print | --run] [--override KEY=VALUE]...\n"
     "          [--firmware F] [--vars F] [--disk F | --kernel F [--initrd F]\n"
     "          [--append S]] [-- QEMU-ARGS]",
     "Reads the host's topology from sysfs (GPUs bound to vfio-pci or\n"
     "nvgrace_gpu_vfio_pci, the SMMUv3 each sits behind, NUMA nodes, GPU\n"
     "memory nodes, EGM) or a VM description written by --json-out, and\n"
     "prints the qemu-system-aarch64 command line: one iommufd; virt with\n"
     "KVM, GICv3, ras=on and highmem-mmio-size for the GPUs (512G each at\n"
     "least); guest RAM on the host node's hugepages, prealloc=on; the\n"
     "host's NUMA distances; per host SMMUv3 a pxb-pcie and an\n"
     "arm-smmuv3,accel=on (ats=on,ril=off,ssidsize=20,oas=48,cmdqv=on)\n"
     "with a root port and vfio-pci-nohotplug,rombar=0 per GPU; per GPU 8\n"
     "memory-less NUMA nodes with acpi-generic-initiator objects in order,\n"
     "and EGM when the VM has the whole compute tray; UEFI firmware as\n"
     "pflash (code read-only, the VM's own variable store).  Bad input\n"
     "prints one message and no command line.  What is left out and why\n"
     "(EGM, hugepages, distances), and more than 16 NUMA nodes (the guest\n"
     "kernel needs CONFIG_NODES_SHIFT>=6): warnings on stderr.\n"
     "\n"
     "  --sysroot DIR        read sysfs and /dev below DIR (default /)\n"
     "  --gpu BDF            pass only this GPU (repeatable; default all)\n"
     "  --json-out F         write the VM description (JSON) to F, - stdout\n"
     "  --from-json F        use the VM description in F, not the host\n"
     "  --print              print the command line (the default)\n"
     "  --run                run it (QEMU replaces qfork)\n"
     "  --qemu PATH          the QEMU binary (default $QEMU_SYSTEM, else\n"
     "                       " QF_DEFAULT_QEMU ")\n"
     "  --override KEY=VAL   smmu.ats|ril|cmdqv=on|off|auto, smmu.oas=auto|\n"
     "                       44|48, smmu.ssidsize=auto|0..20 (smmuN.KEY for\n"
     "                       the N-th SMMU only), node.cpus=N,\n"
     "                       node.memory=SIZE, egm=off, hugepages=off|PATH,\n"
     "                       prealloc=on|off|auto, distances=off,\n"
     "                       gpu.device=vfio-pci|vfio-pci-nohotplug,\n"
     "                       gpu.rombar=0|1|auto, gpu.pref64-reserve=SIZE,\n"
     "                       machine.ras=on|off|auto,\n"
     "                       machine.highmem-mmio-size=SIZE\n"
     "  --firmware F         UEFI code (default " "/usr/share/AAVMF/AAVMF_CODE.fd;\n"
     "                       Debian's 2022.11 breaks guest NUMA, see doctor)\n"
     "  --vars F             the VM's variable store (default: the JSON\n"
     "                       file's name with _VARS.fd, else\n"
     "                       grace-vm_VARS.fd); --run creates it from\n"
     "  --vars-template F    (default: AAVMF_VARS.fd beside the firmware)\n"
     "  --disk F             boot disk (raw or qcow2), virtio-blk\n"
     "  --kernel F           boot this kernel (UEFI loads it), with\n"
     "  --initrd F           this initramfs and\n"
     "  --append S           this command line\n"
     "  --emulate            test aid: TCG, arm-smmuv3 accel=off and an\n"
     "                       emulated device (--emulate-device, default\n"
     "                       pci-testdev) in place of each GPU, RAM in\n"
     "                       place of EGM and hugepages (--emulate-memory\n"
     "                       SIZE: every node's memory this size), no SMMU\n"
     "                       options (accel=off refuses them)\n"},
    {"doctor", qf_cmd_doctor,
     "check that this host is ready for Grace GPU passthrough",
     "doctor [--sysroot DIR]",
     "Read-only checks: /dev/kvm; iommufd (/dev/iommu); the vfio cdev\n"
     "interface; SMMUv3 instances and nesting support; every NVIDIA GPU\n"
     "bound to a vfio driver, with its cdev, behind an SMMUv3, its IOMMU\n"
     "group and EGM device (a GPU the host keeps, its memory onlined: a\n"
     "warning); NUMA consistency, the GPU memory nodes and the node\n"
     "distances VMs copy; each EGM region\n"
     "(size, device, GPUs, and whether a VM can have the whole tray);\n"
     "hugepages, and enough of them on each node with GPUs for VMs.  Each\n"
     "problem comes with how to fix it.  Exit 1 when a check fails.\n"
     "\n"
     "  --sysroot DIR        read sysfs and /dev below DIR (default /)\n"},
    {"query", qf_cmd_query,
     "print one fact the build scripts need, from its one owner",
     "query KEY",
     "Prints KEY's value on one line (tree.dirty: one line per changed\n"
     "path, none when clean), even with -q; exit 1 naming what is missing\n"
     "when there is no such value.  The scripts under scripts/ ask this\n"
     "rather than read series.conf or the tree's git themselves.\n"
     "\n"
     "  base.version        the QEMU release series.conf pins\n"
     "  base.tarball        its tarball's file name\n"
     "  base.sha256         the tarball's sha256\n"
     "  tree.base-version   the release the tree's base commit holds\n"
     "  tree.base-commit    the tree's base commit (" QF_BASE_REF ")\n"
     "  tree.dirty          uncommitted changes, `git status --porcelain`\n"
     "                      lines (untracked files count, build/ does not)\n"},
    {"help", cmd_help,
     "show help for qfork or one command",
     "help [COMMAND]",
     ""},
};

static const QfCommand *find_command(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (g_str_equal(commands[i].name, name)) {
            return &commands[i];
        }
    }
    return NULL;
}

static void print_main_help(FILE *out)
{
    fprintf(out,
            "Usage: qfork [-C DIR] [-s FILE] [-q] COMMAND [ARGS...]\n"
            "\n"
            "Maintain the fork's series of patches over a pinned QEMU tree,\n"
            "a git repository with one commit per applied entry.\n"
            "\n"
            "Global options:\n"
            "  -C, --tree DIR      the tree (default: " DEFAULT_TREE
            "/ beside the series file)\n"
            "  -s, --series FILE   the series (default: " SERIES_FILE
            " in the current\n"
            "                      directory or the nearest parent)\n"
            "  -q, --quiet         print errors only\n"
            "  -h, --help          this help; `qfork help COMMAND` for one\n"
            "      --version       print the version\n"
            "\n"
            "Commands:\n");
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    }
    fprintf(out, "\nExit status: 0 done, 1 error, 2 nothing to do, 3 (bisect) "
                 "only a set of\ncandidates.\n");
}

static void print_command_help(const QfCommand *cmd, FILE *out)
{
    fprintf(out, "Usage: qfork %s\n\n%s.\n", cmd->usage, cmd->summary);
    if (*cmd->help) {
        fprintf(out, "\n%s", cmd->help);
    }
}

static int cmd_help(QfContext *ctx, int argc, char **argv, GError **error)
{
    const QfCommand *cmd;

    if (!qf_check_positionals(ctx, argc, 1, error)) {
        return QF_EXIT_ERROR;
    }
    if (argc < 2) {
        print_main_help(stdout);
        return QF_EXIT_OK;
    }
    cmd = find_command(argv[1]);
    if (!cmd) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "no command '%s' (see `qfork --help`)", argv[1]);
        return QF_EXIT_ERROR;
    }
    print_command_help(cmd, stdout);
    return QF_EXIT_OK;
}

/* ---- context ---------------------------------------------------------- */

/* series.conf in the current directory or the nearest parent, or NULL. */
static char *find_series_file(void)
{
    g_autofree char *dir = g_get_current_dir();

    for (;;) {
        g_autofree char *path = g_build_filename(dir, SERIES_FILE, NULL);
        char *parent;

        /* Found if it exists: loading refuses a FIFO or a directory. */
        if (g_file_test(path, G_FILE_TEST_EXISTS)) {
            return g_steal_pointer(&path);
        }
        parent = g_path_get_dirname(dir);
        if (g_str_equal(parent, dir)) {
            g_free(parent);
            return NULL;
        }
        g_free(dir);
        dir = parent;
    }
}

QfSeries *qf_context_series(QfContext *ctx, GError **error)
{
    if (ctx->series) {
        return ctx->series;
    }
    if (!ctx->series_path) {
        g_autofree char *cwd = g_get_current_dir();
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "no " SERIES_FILE " in %s or its parents (use -s FILE)",
                    cwd);
        return NULL;
    }
    ctx->series = qf_series_load(ctx->series_path, error);
    return ctx->series;
}

char *qf_context_tree_dir(QfContext *ctx, GError **error)
{
    g_autofree char *series_dir = NULL;

    if (ctx->tree_dir) {
        return g_strdup(ctx->tree_dir);
    }
    if (!ctx->series_path) {
        g_autofree char *cwd = g_get_current_dir();
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "no tree given (-C DIR) and no " SERIES_FILE
                    " in %s or its parents to find it beside",
                    cwd);
        return NULL;
    }
    series_dir = g_path_get_dirname(ctx->series_path);
    return g_build_filename(series_dir, DEFAULT_TREE, NULL);
}

QfTree *qf_context_tree(QfContext *ctx, GError **error)
{
    g_autofree char *dir = NULL;

    if (ctx->tree) {
        return ctx->tree;
    }
    dir = qf_context_tree_dir(ctx, error);
    if (!dir) {
        return NULL;
    }
    ctx->tree = qf_tree_open(dir, error);
    if (ctx->tree && qf_tree_recovery_note(ctx->tree)) {
        /* On stderr even with -q: the tree was changed behind the user. */
        fprintf(stderr, "qfork: %s\n", qf_tree_recovery_note(ctx->tree));
    }
    return ctx->tree;
}

QfTree *qf_context_tree_if_any(QfContext *ctx, GError **error)
{
    g_autoptr(GError) local = NULL;
    QfTree *tree = qf_context_tree(ctx, &local);

    if (!tree && !g_error_matches(local, QF_ERROR, QF_ERROR_NOT_FOUND)) {
        g_propagate_error(error, g_steal_pointer(&local));
    } else if (!tree && !ctx->quiet && !ctx->tree_unneeded) {
        /* Not an error (nothing is applied), but it may be a surprise. */
        fprintf(stderr, "qfork %s: no tree: %s\n", ctx->command,
                local->message);
    }
    return tree;
}

QfQueue *qf_context_queue(QfContext *ctx, gboolean need_tree, GError **error)
{
    QfSeries *series = qf_context_series(ctx, error);
    QfTree *tree;

    if (!series) {
        return NULL;
    }
    tree = need_tree ? qf_context_tree(ctx, error)
                     : qf_context_tree_if_any(ctx, error);
    if (!tree && error && *error) {
        return NULL;
    }
    return qf_queue_load(series, tree, error);
}

QfQueue *qf_context_list_queue(QfContext *ctx, int argc, char **argv,
                               GError **error)
{
    const GOptionEntry entries[] = {{NULL}};
    QfQueue *q;

    if (!qf_parse_options(ctx, entries, &argc, &argv, error) ||
        !qf_check_positionals(ctx, argc, 0, error)) {
        return NULL;
    }
    q = qf_context_queue(ctx, FALSE, error);
    if (q && q->mismatch) {
        fprintf(stderr, "qfork %s: warning: %s\n", ctx->command, q->mismatch);
    }
    return q;
}

void qf_print(QfContext *ctx, const char *format, ...)
{
    va_list ap;

    if (ctx->quiet) {
        return;
    }
    va_start(ap, format);
    vprintf(format, ap);
    va_end(ap);
}

gboolean qf_parse_options(QfContext *ctx, const GOptionEntry *entries,
                          int *argc, char ***argv, GError **error)
{
    g_autoptr(GOptionContext) oc = g_option_context_new(NULL);
    g_autoptr(GError) local = NULL;

    g_option_context_set_help_enabled(oc, FALSE);
    g_option_context_add_main_entries(oc, entries, NULL);
    if (!g_option_context_parse(oc, argc, argv, &local)) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%s (see `qfork %s --help`)", local->message,
                    ctx->command);
        return FALSE;
    }
    return TRUE;
}

gboolean qf_check_positionals(QfContext *ctx, int argc, int max,
                              GError **error)
{
    if (argc - 1 > max) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "too many arguments (see `qfork %s --help`)",
                    ctx->command);
        return FALSE;
    }
    return TRUE;
}

gboolean qf_parse_count(const char *arg, guint *count)
{
    guint64 v;

    if (!arg || !*arg || strspn(arg, "0123456789") != strlen(arg) ||
        !g_ascii_string_to_unsigned(arg, 10, 0, G_MAXUINT, &v, NULL)) {
        return FALSE;
    }
    *count = (guint)v;
    return TRUE;
}

static volatile sig_atomic_t caught_signal;

static void on_interrupt(int sig)
{
    caught_signal = sig;
}

void qf_catch_interrupts(void)
{
    struct sigaction sa = {0};

    caught_signal = 0;
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int qf_interrupted(void)
{
    return caught_signal;
}

/* ---- main ------------------------------------------------------------- */

static gboolean wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (g_str_equal(argv[i], "--")) {
            break;
        }
        if (g_str_equal(argv[i], "--help") || g_str_equal(argv[i], "-h")) {
            return TRUE;
        }
    }
    return FALSE;
}

/* "-C DIR", "-CDIR", "--tree DIR", "--tree=DIR": the value, or NULL. */
static const char *option_value(int argc, char **argv, int *i,
                                const char *shopt, const char *lopt,
                                gboolean *matched)
{
    const char *a = argv[*i];
    size_t llen = strlen(lopt);

    *matched = TRUE;
    if (g_str_equal(a, shopt) || g_str_equal(a, lopt)) {
        return *i + 1 < argc ? argv[++*i] : NULL;
    }
    if (g_str_has_prefix(a, shopt) && a[2]) {
        return a + 2;
    }
    if (g_str_has_prefix(a, lopt) && a[llen] == '=') {
        return a + llen + 1;
    }
    *matched = FALSE;
    return NULL;
}

static void context_clear(QfContext *ctx)
{
    g_free(ctx->series_path);
    g_free(ctx->tree_dir);
    g_clear_pointer(&ctx->series, qf_series_free);
    g_clear_pointer(&ctx->tree, qf_tree_free);
}

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "qfork: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, " (see `qfork --help`)\n");
    return QF_EXIT_ERROR;
}

/* Global options; returns the index of the command, or -1 with *rc set. */
static int parse_global(QfContext *ctx, int argc, char **argv, int *rc)
{
    int i;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        gboolean m;
        const char *v;

        if (g_str_equal(a, "-h") || g_str_equal(a, "--help")) {
            print_main_help(stdout);
            *rc = QF_EXIT_OK;
            return -1;
        }
        if (g_str_equal(a, "--version")) {
            printf("qfork %s\n", QFORK_VERSION);
            *rc = QF_EXIT_OK;
            return -1;
        }
        if (g_str_equal(a, "-q") || g_str_equal(a, "--quiet")) {
            ctx->quiet = TRUE;
            continue;
        }
        v = option_value(argc, argv, &i, "-C", "--tree", &m);
        if (m) {
            if (!v) {
                *rc = usage_error("%s needs a directory", a);
                return -1;
            }
            g_free(ctx->tree_dir);
            ctx->tree_dir = g_strdup(v);
            continue;
        }
        v = option_value(argc, argv, &i, "-s", "--series", &m);
        if (m) {
            if (!v) {
                *rc = usage_error("%s needs a file", a);
                return -1;
            }
            g_free(ctx->series_path);
            ctx->series_path = g_strdup(v);
            continue;
        }
        *rc = usage_error("unknown option %s", a);
        return -1;
    }
    if (i >= argc) {
        print_main_help(stderr);
        *rc = QF_EXIT_ERROR;
        return -1;
    }
    return i;
}

int main(int argc, char **argv)
{
    QfContext ctx = {0};
    g_autoptr(GError) error = NULL;
    const QfCommand *cmd;
    int rc = QF_EXIT_OK;
    int first;

    setlocale(LC_ALL, "");
    first = parse_global(&ctx, argc, argv, &rc);
    if (first < 0) {
        context_clear(&ctx);
        return rc;
    }
    cmd = find_command(argv[first]);
    if (!cmd) {
        rc = usage_error("unknown command '%s'", argv[first]);
        context_clear(&ctx);
        return rc;
    }
    if (wants_help(argc - first, argv + first)) {
        print_command_help(cmd, stdout);
        context_clear(&ctx);
        return QF_EXIT_OK;
    }
    if (!ctx.series_path) {
        ctx.series_path = find_series_file();
    }
    ctx.command = cmd->name;
    rc = cmd->run(&ctx, argc - first, argv + first, &error);
    if (rc != QF_EXIT_OK && error) {
        fflush(stdout);
        fprintf(stderr, "qfork %s: %s\n", cmd->name, error->message);
    }
    context_clear(&ctx);
    return rc;
}
