/*
 * qfork: overrides ("key=value") of a VM description, all or none.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-vmconfig-priv.h"
#include "qf-error.h"

#include <stdlib.h>
#include <string.h>
/* ---- overrides -------------------------------------------------------- */

static const char *const override_keys =
    "smmu.ats, smmu.ril, smmu.cmdqv, smmu.oas, smmu.ssidsize, smmu<N>.<prop>, "
    "node.cpus, node.memory, egm, hugepages, prealloc, distances, "
    "gpu.device, gpu.rombar, gpu.pref64-reserve, machine.highmem-mmio-size, "
    "machine.ras";

static char **smmu_prop(QfVmSmmu *smmu, const char *prop)
{
    if (!strcmp(prop, "ats")) {
        return &smmu->ats;
    } else if (!strcmp(prop, "ril")) {
        return &smmu->ril;
    } else if (!strcmp(prop, "cmdqv")) {
        return &smmu->cmdqv;
    } else if (!strcmp(prop, "oas")) {
        return &smmu->oas;
    } else if (!strcmp(prop, "ssidsize")) {
        return &smmu->ssidsize;
    }
    return NULL;
}

static gboolean smmu_value_ok(const char *prop, const char *value)
{
    if (!strcmp(prop, "oas")) {
        return qf_vm_valid_oas(value);
    } else if (!strcmp(prop, "ssidsize")) {
        return qf_vm_valid_ssidsize(value);
    }
    return qf_vm_valid_on_off_auto(value);
}

static gboolean override_smmu(QfVmConfig *cfg, const char *key,
                              const char *value, GError **error)
{
    const char *dot = strchr(key, '.');
    g_autofree char *index = g_strndup(key + 4, (gsize)(dot - key - 4));
    const char *prop = dot + 1;
    guint64 n = 0;
    guint first = 0, last = cfg->smmus->len;

    if (*index) {
        if (!g_ascii_string_to_unsigned(index, 10, 0, G_MAXUINT, &n, NULL) ||
            n >= cfg->smmus->len) {
            return qf_vm_invalid(error, "'%s': the VM has %u SMMU(s), smmu0 to "
                                 "smmu%u", key, cfg->smmus->len,
                                 cfg->smmus->len - 1);
        }
        first = (guint)n;
        last = first + 1;
    }
    if (!smmu_prop(g_ptr_array_index(cfg->smmus, 0), prop)) {
        return qf_vm_invalid(error,
                             "'%s': unknown SMMU property '%s' (ats, ril, "
                             "cmdqv, oas, ssidsize)",
                             key, prop);
    }
    if (!smmu_value_ok(prop, value)) {
        return qf_vm_invalid(error, "'%s=%s': %s takes %s", key, value, prop,
                             !strcmp(prop, "oas") ? "auto, 44 or 48"
                             : !strcmp(prop, "ssidsize") ? "auto or 0..20"
                                                         : "on, off or auto");
    }
    for (guint i = first; i < last; i++) {
        char **slot = smmu_prop(g_ptr_array_index(cfg->smmus, i), prop);
        g_free(*slot);
        *slot = g_strdup(value);
    }
    return TRUE;
}

static void drop_egm(QfVmConfig *cfg)
{
    /* asked for: the builder's "EGM left out" warning says nothing new */
    for (guint i = cfg->warnings->len; i-- > 0;) {
        if (g_str_has_prefix(g_ptr_array_index(cfg->warnings, i), "EGM ")) {
            g_ptr_array_remove_index(cfg->warnings, i);
        }
    }
    for (guint i = 0; i < cfg->nodes->len; i++) {
        QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        if (node->egm_pxm >= 0) {
            node->egm_pxm = -1;
            node->memory = QF_VM_DEFAULT_NODE_MEMORY;
        }
    }
    for (guint s = 0; s < cfg->smmus->len; s++) {
        QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, s);
        for (guint g = 0; g < smmu->gpus->len; g++) {
            ((QfVmGpu *)g_ptr_array_index(smmu->gpus, g))->egm_node = -1;
        }
    }
}

static gboolean override_nodes(QfVmConfig *cfg, const char *key,
                               const char *value, GError **error)
{
    guint64 n;
    g_autoptr(GError) err = NULL;
    gboolean cpus = !strcmp(key, "node.cpus");

    if (cpus && !g_ascii_string_to_unsigned(value, 10, 1, 512, &n, NULL)) {
        return qf_vm_invalid(error, "'%s=%s': not a vCPU count 1..512", key,
                             value);
    }
    if (!cpus && (!qf_parse_size(value, &n, &err) || n == 0)) {
        return qf_vm_invalid(error, "'%s=%s': %s", key, value,
                             err ? err->message : "must not be 0");
    }
    for (guint i = 0; i < cfg->nodes->len; i++) {
        QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        if (!node->cpus) {
            continue;
        }
        if (cpus) {
            node->cpus = (guint)n;
        } else if (node->egm_pxm < 0) {
            node->memory = n;
        }
    }
    return TRUE;
}

static gboolean override_on_off_auto(char **slot, const char *key,
                                     const char *value, GError **error)
{
    if (!qf_vm_valid_on_off_auto(value)) {
        return qf_vm_invalid(error, "'%s=%s': takes on, off or auto", key,
                             value);
    }
    g_free(*slot);
    *slot = g_strdup(value);
    return TRUE;
}

/* hugepages=off: plain RAM; hugepages=PATH: that hugetlbfs mount. */
static gboolean override_hugepages(QfVmConfig *cfg, const char *value,
                                   GError **error)
{
    gboolean off = !strcmp(value, "off");

    if (!off && !qf_vm_valid_mem_path(value)) {
        return qf_vm_invalid(error, "'hugepages=%s': takes off or the "
                             "absolute path of a hugetlbfs mount (no commas)",
                             value);
    }
    for (guint i = 0; i < cfg->nodes->len; i++) {
        QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        if (node->memory && node->egm_pxm < 0) {
            g_free(node->hugepages);
            node->hugepages = off ? NULL : g_strdup(value);
        }
    }
    return TRUE;
}

/* gpu.device, gpu.rombar, gpu.pref64-reserve: every GPU. */
static gboolean override_gpus(QfVmConfig *cfg, const char *key,
                              const char *value, GError **error)
{
    const char *prop = key + strlen("gpu.");
    guint64 size = 0;
    int rombar = -1;
    g_autoptr(GError) err = NULL;

    if (!strcmp(prop, "device")) {
        if (!qf_vm_valid_device(value)) {
            return qf_vm_invalid(error, "'%s=%s': takes vfio-pci or "
                                 "vfio-pci-nohotplug", key, value);
        }
    } else if (!strcmp(prop, "rombar")) {
        if (strcmp(value, "0") && strcmp(value, "1") && strcmp(value, "auto")) {
            return qf_vm_invalid(error, "'%s=%s': takes 0, 1 or auto", key,
                                 value);
        }
        rombar = strcmp(value, "auto") ? atoi(value) : -1;
    } else if (!strcmp(prop, "pref64-reserve")) {
        if (!qf_parse_size(value, &size, &err)) {
            return qf_vm_invalid(error, "'%s': %s", key, err->message);
        }
    } else {
        return qf_vm_invalid(error, "'%s': unknown GPU property '%s' (device, "
                             "rombar, pref64-reserve)", key, prop);
    }
    for (guint s = 0; s < cfg->smmus->len; s++) {
        QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, s);
        for (guint g = 0; g < smmu->gpus->len; g++) {
            QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, g);
            if (!strcmp(prop, "device")) {
                g_free(gpu->device);
                gpu->device = g_strdup(value);
            } else if (!strcmp(prop, "rombar")) {
                gpu->rombar = rombar;
            } else {
                gpu->pref64_reserve = size;
            }
        }
    }
    return TRUE;
}

static gboolean apply_override(QfVmConfig *cfg, const char *key,
                               const char *value, GError **error)
{
    g_autoptr(GError) err = NULL;

    if (!strcmp(key, "egm")) {
        if (strcmp(value, "off") != 0) {
            return qf_vm_invalid(error, "'egm=%s': only egm=off is supported",
                                 value);
        }
        return TRUE;                /* done first, see below */
    }
    if (g_str_has_prefix(key, "smmu") && strchr(key, '.')) {
        return override_smmu(cfg, key, value, error);
    }
    if (!strcmp(key, "node.cpus") || !strcmp(key, "node.memory")) {
        return override_nodes(cfg, key, value, error);
    }
    if (!strcmp(key, "machine.highmem-mmio-size")) {
        if (!qf_parse_size(value, &cfg->highmem_mmio_size, &err)) {
            return qf_vm_invalid(error, "'%s': %s", key, err->message);
        }
        g_free(cfg->highmem_mmio_from);
        cfg->highmem_mmio_from = g_strdup("--override");
        return TRUE;
    }
    if (!strcmp(key, "machine.ras")) {
        return override_on_off_auto(&cfg->ras, key, value, error);
    }
    if (!strcmp(key, "prealloc")) {
        return override_on_off_auto(&cfg->prealloc, key, value, error);
    }
    if (!strcmp(key, "hugepages")) {
        return override_hugepages(cfg, value, error);
    }
    if (!strcmp(key, "distances")) {
        if (strcmp(value, "off") != 0) {
            return qf_vm_invalid(error, "'distances=%s': only distances=off "
                                 "is supported", value);
        }
        g_array_set_size(cfg->distances, 0);
        return TRUE;
    }
    if (g_str_has_prefix(key, "gpu.")) {
        return override_gpus(cfg, key, value, error);
    }
    return qf_vm_invalid(error, "unknown key '%s' (known: %s)", key,
                         override_keys);
}

gboolean qf_vmconfig_apply_overrides(QfVmConfig *cfg,
                                     const char *const *overrides,
                                     GError **error)
{
    g_autoptr(QfVmConfig) copy = NULL;
    g_autoptr(GError) err = NULL;
    QfVmConfig tmp;

    if (!overrides || !overrides[0]) {
        return TRUE;
    }
    copy = qf_vmconfig_copy(cfg);
    /* egm=off first, so that node.memory applies to the nodes it frees. */
    for (guint i = 0; overrides[i]; i++) {
        if (!strcmp(overrides[i], "egm=off")) {
            drop_egm(copy);
        }
    }
    for (guint i = 0; overrides[i]; i++) {
        const char *eq = strchr(overrides[i], '=');
        g_autofree char *key = NULL;

        if (!eq || eq == overrides[i] || !eq[1]) {
            g_set_error(error, QF_ERROR, QF_ERROR_PARSE, "override '%s': "
                        "expected key=value", overrides[i]);
            return FALSE;
        }
        key = g_strndup(overrides[i], (gsize)(eq - overrides[i]));
        if (!apply_override(copy, key, eq + 1, &err)) {
            g_set_error(error, QF_ERROR, QF_ERROR_PARSE, "override %s",
                        err->message);
            return FALSE;
        }
    }
    if (!qf_vmconfig_validate(copy, &err)) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE, "after the overrides: "
                    "%s", err->message);
        return FALSE;
    }
    tmp = *cfg;
    *cfg = *copy;
    *copy = tmp;
    return TRUE;
}

