/*
 * qfork vm: the QEMU command line for a Grace GPU passthrough VM, from the
 * host's topology or from a reviewed VM description (JSON).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "qf-topology.h"
#include "qf-vmboot.h"
#include "qf-vmconfig.h"
#include "qfork.h"

typedef struct {
    char *sysroot, *json_out, *from_json, *qemu, *emulate_device;
    char *emulate_memory;
    char *firmware, *vars, *vars_template, *disk, *kernel, *initrd, *append;
    char **overrides, **gpus;
    gboolean print, run, emulate;
    guint64 emulate_bytes;
} VmOptions;

static void vm_options_clear(VmOptions *o)
{
    g_free(o->sysroot);
    g_free(o->json_out);
    g_free(o->from_json);
    g_free(o->qemu);
    g_free(o->emulate_device);
    g_free(o->emulate_memory);
    g_free(o->firmware);
    g_free(o->vars);
    g_free(o->vars_template);
    g_free(o->disk);
    g_free(o->kernel);
    g_free(o->initrd);
    g_free(o->append);
    g_strfreev(o->overrides);
    g_strfreev(o->gpus);
}

/* Options before "--"; what follows "--" is passed to QEMU as is. */
static gboolean parse_vm_options(QfContext *ctx, int argc, char **argv,
                                 VmOptions *o, char ***extra, GError **error)
{
    const GOptionEntry entries[] = {
        {"sysroot", 0, 0, G_OPTION_ARG_FILENAME, &o->sysroot, NULL, NULL},
        {"gpu", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->gpus, NULL, NULL},
        {"json-out", 0, 0, G_OPTION_ARG_FILENAME, &o->json_out, NULL, NULL},
        {"from-json", 0, 0, G_OPTION_ARG_FILENAME, &o->from_json, NULL, NULL},
        {"override", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->overrides, NULL,
         NULL},
        {"print", 0, 0, G_OPTION_ARG_NONE, &o->print, NULL, NULL},
        {"run", 0, 0, G_OPTION_ARG_NONE, &o->run, NULL, NULL},
        {"qemu", 0, 0, G_OPTION_ARG_FILENAME, &o->qemu, NULL, NULL},
        {"emulate", 0, 0, G_OPTION_ARG_NONE, &o->emulate, NULL, NULL},
        {"emulate-device", 0, 0, G_OPTION_ARG_STRING, &o->emulate_device,
         NULL, NULL},
        {"emulate-memory", 0, 0, G_OPTION_ARG_STRING, &o->emulate_memory,
         NULL, NULL},
        {"firmware", 0, 0, G_OPTION_ARG_FILENAME, &o->firmware, NULL, NULL},
        {"vars", 0, 0, G_OPTION_ARG_FILENAME, &o->vars, NULL, NULL},
        {"vars-template", 0, 0, G_OPTION_ARG_FILENAME, &o->vars_template,
         NULL, NULL},
        {"disk", 0, 0, G_OPTION_ARG_FILENAME, &o->disk, NULL, NULL},
        {"kernel", 0, 0, G_OPTION_ARG_FILENAME, &o->kernel, NULL, NULL},
        {"initrd", 0, 0, G_OPTION_ARG_FILENAME, &o->initrd, NULL, NULL},
        {"append", 0, 0, G_OPTION_ARG_STRING, &o->append, NULL, NULL},
        {NULL},
    };
    int own = argc;
    g_autofree char **args = NULL;

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            own = i;
            break;
        }
    }
    /* A shallow copy: option parsing reorders it, the strings stay argv's. */
    args = g_new0(char *, own + 1);
    memcpy(args, argv, sizeof(char *) * (gsize)own);
    *extra = own < argc ? argv + own + 1 : NULL;
    if (!qf_parse_options(ctx, entries, &own, &args, error) ||
        !qf_check_positionals(ctx, own, 0, error)) {
        return FALSE;
    }
    if (o->from_json && (o->sysroot || o->gpus)) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "--from-json describes the VM already; --sysroot and "
                    "--gpu do not apply to it");
        return FALSE;
    }
    if ((o->emulate_device || o->emulate_memory) && !o->emulate) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "--emulate-device and --emulate-memory need --emulate");
        return FALSE;
    }
    if (o->emulate_memory) {
        g_autoptr(GError) err = NULL;
        if (!qf_parse_size(o->emulate_memory, &o->emulate_bytes, &err) ||
            !o->emulate_bytes) {
            g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                        "--emulate-memory: %s", err ? err->message
                                                    : "must not be 0");
            return FALSE;
        }
    }
    if ((o->initrd || o->append) && !o->kernel) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "--initrd and --append need --kernel");
        return FALSE;
    }
    if (!o->print && !o->run && !o->json_out) {
        o->print = TRUE;
    }
    return TRUE;
}

static QfVmConfig *build_config(const VmOptions *o, GError **error)
{
    g_autoptr(QfTopology) topo = NULL;

    if (o->from_json) {
        return qf_vmconfig_load(o->from_json, error);
    }
    topo = qf_topology_read(o->sysroot ? o->sysroot : "/", error);
    if (!topo) {
        return NULL;
    }
    return qf_vmconfig_from_topology(topo, (const char *const *)o->gpus,
                                     error);
}

static GStrv full_argv(const QfVmConfig *cfg, const VmOptions *o,
                       const QfVmBoot *boot, char **extra)
{
    const char *env = g_getenv("QEMU_SYSTEM");
    QfVmArgvOptions opts = {
        .qemu = o->qemu ? o->qemu : (env && *env ? env : NULL),
        .emulate = o->emulate,
        .emulate_device = o->emulate_device,
        .emulate_memory = o->emulate_bytes,
    };
    g_auto(GStrv) base = qf_vmconfig_argv(cfg, &opts);
    g_auto(GStrv) boot_args = qf_vmboot_argv(boot);
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();

    g_strv_builder_addv(b, (const char **)base);
    g_strv_builder_addv(b, (const char **)boot_args);
    if (extra) {
        g_strv_builder_addv(b, (const char **)extra);
    }
    return g_strv_builder_end(b);
}

static gboolean write_json(const QfVmConfig *cfg, const char *path,
                           GError **error)
{
    g_autofree char *json = qf_vmconfig_to_json(cfg);

    if (strcmp(path, "-") == 0) {
        fputs(json, stdout);
        return TRUE;
    }
    /* g_file_set_contents() writes a temporary file and renames it. */
    return g_file_set_contents(path, json, -1, error);
}

/*
 * The firmware, the VM's variable store and what the guest boots from.
 * With --run the firmware must exist and the store is created from the
 * template when missing; --print only names them.
 */
static gboolean prepare_boot(const VmOptions *o, QfVmBoot *boot,
                             char **vars, GError **error)
{
    boot->firmware = o->firmware ? o->firmware : QF_VM_DEFAULT_FIRMWARE;
    *vars = o->vars ? g_strdup(o->vars)
                    : qf_vmboot_default_vars(o->from_json ? o->from_json
                                                          : o->json_out);
    boot->vars = *vars;
    boot->kernel = o->kernel;
    boot->initrd = o->initrd;
    boot->append = o->append;
    boot->disk = o->disk;
    if (o->disk && !(boot->disk_format = qf_vmboot_disk_format(o->disk,
                                                               error))) {
        return FALSE;
    }
    if (!o->run) {
        return TRUE;
    }
    if (!g_file_test(boot->firmware, G_FILE_TEST_IS_REGULAR)) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%s: no UEFI firmware there (Debian: apt-get install "
                    "%s, 2023.02 or later; or --firmware PATH)",
                    boot->firmware, QF_VM_FIRMWARE_PACKAGE);
        return FALSE;
    }
    if (!g_file_test(*vars, G_FILE_TEST_EXISTS)) {
        g_autofree char *tmpl = o->vars_template
            ? g_strdup(o->vars_template)
            : qf_vmboot_vars_template(boot->firmware);
        return qf_vmboot_prepare_vars(*vars, tmpl, error);
    }
    return TRUE;
}

/* Debian's arm64 kernels see 16 NUMA nodes; more need a bigger shift. */
static void warn_guest_nodes(const QfVmConfig *cfg)
{
    guint nodes = cfg->nodes->len;

    /* what the host builder left out, and why */
    for (guint i = 0; i < cfg->warnings->len; i++) {
        g_printerr("warning: %s\n",
                   (char *)g_ptr_array_index(cfg->warnings, i));
    }
    if (nodes > QF_VM_DEBIAN_GUEST_NODES) {
        g_printerr("warning: this VM has %u NUMA nodes: the guest kernel "
                   "needs CONFIG_NODES_SHIFT >= %u to see them all (with "
                   "Debian's arm64 kernels, NODES_SHIFT=4, it sees nodes "
                   "0-%u and the GPU memory nodes past them are lost; see "
                   "docs/grace-vm.md)\n", nodes,
                   qf_vmboot_nodes_shift(nodes), QF_VM_DEBIAN_GUEST_NODES - 1);
    }
}

int qf_cmd_vm(QfContext *ctx, int argc, char **argv, GError **error)
{
    VmOptions o = {0};
    char **extra = NULL;
    g_autoptr(QfVmConfig) cfg = NULL;
    g_auto(GStrv) qemu_argv = NULL;
    g_autofree char *vars = NULL;
    QfVmBoot boot = { 0 };
    int rc = QF_EXIT_ERROR;

    if (!parse_vm_options(ctx, argc, argv, &o, &extra, error) ||
        !(cfg = build_config(&o, error)) ||
        !qf_vmconfig_apply_overrides(cfg, (const char *const *)o.overrides,
                                     error) ||
        !prepare_boot(&o, &boot, &vars, error)) {
        goto out;
    }
    warn_guest_nodes(cfg);
    qemu_argv = full_argv(cfg, &o, &boot, extra);
    if (o.json_out && !write_json(cfg, o.json_out, error)) {
        goto out;
    }
    if (o.print) {
        g_autofree char *shell = qf_argv_to_shell((const char *const *)
                                                  qemu_argv);
        fputs(shell, stdout);
    }
    if (o.run) {
        fflush(stdout);
        execvp(qemu_argv[0], qemu_argv);
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "cannot run %s: %s",
                    qemu_argv[0], g_strerror(errno));
        goto out;
    }
    rc = QF_EXIT_OK;
out:
    vm_options_clear(&o);
    return rc;
}
