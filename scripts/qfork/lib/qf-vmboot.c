/*
 * qfork: how a Grace VM boots (firmware, variable store, disk or kernel).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-vmboot.h"
#include "qf-error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

G_GNUC_PRINTF(3, 4)
static void add_opt(GStrvBuilder *b, const char *opt, const char *fmt, ...)
{
    g_autofree char *value = NULL;
    va_list ap;

    va_start(ap, fmt);
    value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_strv_builder_add(b, opt);
    g_strv_builder_add(b, value);
}

/* QEMU's -drive takes "," as a separator: a path doubles its commas. */
static char *drive_path(const char *path)
{
    g_auto(GStrv) parts = g_strsplit(path, ",", -1);

    return g_strjoinv(",,", parts);
}

GStrv qf_vmboot_argv(const QfVmBoot *boot)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();

    if (boot->firmware) {
        g_autofree char *code = drive_path(boot->firmware);
        g_autofree char *vars =
            drive_path(boot->vars ? boot->vars : QF_VM_DEFAULT_VARS);
        add_opt(b, "-drive",
                "if=pflash,unit=0,format=raw,readonly=on,"
                "file=%s",
                code);
        add_opt(b, "-drive", "if=pflash,unit=1,format=raw,file=%s", vars);
    }
    if (boot->disk) {
        g_autofree char *disk = drive_path(boot->disk);
        add_opt(b, "-drive", "if=none,id=disk0,format=%s,file=%s",
                boot->disk_format ? boot->disk_format : "raw", disk);
        add_opt(b, "-device",
                "virtio-blk-pci,drive=disk0,bus=pcie.0,"
                "bootindex=0");
    }
    if (boot->kernel) {
        add_opt(b, "-kernel", "%s", boot->kernel);
    }
    if (boot->initrd) {
        add_opt(b, "-initrd", "%s", boot->initrd);
    }
    if (boot->append) {
        add_opt(b, "-append", "%s", boot->append);
    }
    return g_strv_builder_end(b);
}

/* @name with its "CODE" made "VARS"; with @short, and its suffix ".fd". */
static char *vars_name(const char *name, gboolean shorten)
{
    const char *code = strstr(name, "CODE");
    g_autofree char *head = NULL;
    const char *rest;

    if (!code) {
        return NULL;
    }
    head = g_strndup(name, (gsize)(code - name));
    rest = code + 4;
    if (shorten) {
        rest = ".fd";
    }
    return g_strconcat(head, "VARS", rest, NULL);
}

char *qf_vmboot_vars_template(const char *firmware)
{
    g_autofree char *dir = g_path_get_dirname(firmware);
    g_autofree char *base = g_path_get_basename(firmware);

    for (int shorten = 0; shorten < 2; shorten++) {
        g_autofree char *name = vars_name(base, shorten);
        g_autofree char *path = name ? g_build_filename(dir, name, NULL) : NULL;
        if (path && g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
            return g_steal_pointer(&path);
        }
    }
    return NULL;
}

char *qf_vmboot_default_vars(const char *json)
{
    if (json && strcmp(json, "-") != 0) {
        g_autofree char *stem = g_str_has_suffix(json, ".json")
                                    ? g_strndup(json, strlen(json) - 5)
                                    : g_strdup(json);
        return g_strconcat(stem, "_VARS.fd", NULL);
    }
    return g_strdup(QF_VM_DEFAULT_VARS);
}

gboolean qf_vmboot_prepare_vars(const char *vars, const char *template,
                                GError **error)
{
    g_autofree char *data = NULL;
    gsize len;

    if (g_file_test(vars, G_FILE_TEST_EXISTS)) {
        return TRUE;
    }
    if (!template) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "%s does not exist and there is no variable store "
                    "template beside the firmware: name one with "
                    "--vars-template",
                    vars);
        return FALSE;
    }
    if (!g_file_get_contents(template, &data, &len, error)) {
        g_prefix_error(error, "variable store template: ");
        return FALSE;
    }
    /* A temporary file renamed into place: never a half-written store. */
    if (!g_file_set_contents(vars, data, (gssize)len, error)) {
        g_prefix_error(error, "cannot create the VM's variable store: ");
        return FALSE;
    }
    return TRUE;
}

const char *qf_vmboot_disk_format(const char *path, GError **error)
{
    static const char qcow2_magic[4] = {'Q', 'F', 'I', '\xfb'};
    char head[4] = {0};
    FILE *f = fopen(path, "rb");
    size_t n;

    if (!f) {
        g_set_error(error, QF_ERROR, QF_ERROR_IO, "boot disk %s: %s", path,
                    g_strerror(errno));
        return NULL;
    }
    n = fread(head, 1, sizeof(head), f);
    fclose(f);
    return n == sizeof(head) && !memcmp(head, qcow2_magic, 4) ? "qcow2" : "raw";
}

guint qf_vmboot_nodes_shift(guint nodes)
{
    guint shift = 0;

    while ((1u << shift) < nodes) {
        shift++;
    }
    return shift;
}

char *qf_vmboot_dpkg_version(const char *root, const char *package)
{
    g_autofree char *path = g_build_filename(root, "var/lib/dpkg/status", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) stanzas = NULL;
    g_autofree char *want = g_strdup_printf("Package: %s\n", package);

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return NULL;
    }
    stanzas = g_strsplit(text, "\n\n", -1);
    for (guint i = 0; stanzas[i]; i++) {
        g_autofree char *s = g_strconcat(stanzas[i], "\n", NULL);
        const char *v;
        if (!g_str_has_prefix(s, want) ||
            !strstr(s, "\nStatus: install ok installed\n") ||
            !(v = strstr(s, "\nVersion: "))) {
            continue;
        }
        v += strlen("\nVersion: ");
        return g_strndup(v, strcspn(v, "\n"));
    }
    return NULL;
}

gboolean qf_vmboot_firmware_breaks_numa(const char *version)
{
    const char *colon = strchr(version, ':');
    const char *upstream = colon ? colon + 1 : version;

    /* [epoch:]2022.11-6+deb12u2: the upstream release is what counts. */
    return g_str_has_prefix(upstream, "2022.11") &&
           !g_ascii_isdigit(upstream[strlen("2022.11")]);
}
