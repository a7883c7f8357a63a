/*
 * qfork: the JSON form of a VM description: writer and validating reader.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-vmconfig-priv.h"
#include "qf-error.h"
#include "qf-json.h"

#include <string.h>
/* ---- JSON ------------------------------------------------------------- */

static void json_key(GString *out, guint indent, const char *key)
{
    g_string_append_printf(out, "%*s", (int)indent, "");
    qf_json_append_string(out, key);
    g_string_append(out, ": ");
}

static void json_str(GString *out, guint indent, const char *key,
                     const char *value, gboolean last)
{
    json_key(out, indent, key);
    qf_json_append_string(out, value);
    g_string_append(out, last ? "\n" : ",\n");
}

static void json_uint(GString *out, guint indent, const char *key,
                      guint64 value, gboolean last)
{
    json_key(out, indent, key);
    g_string_append_printf(out, "%" G_GUINT64_FORMAT "%s", value,
                           last ? "\n" : ",\n");
}

static void json_size(GString *out, guint indent, const char *key,
                      guint64 value, gboolean last)
{
    g_autofree char *s = qf_format_size(value);

    json_str(out, indent, key, s, last);
}

static void write_node(GString *out, const QfVmNode *node, gboolean last)
{
    g_string_append_printf(out, "    { \"id\": %u", node->id);
    if (node->cpus) {
        g_string_append_printf(out, ", \"cpus\": %u", node->cpus);
    }
    if (node->memory) {
        g_autofree char *mem = qf_format_size(node->memory);
        g_string_append_printf(out, ", \"memory\": \"%s\"", mem);
    }
    if (node->egm_pxm >= 0) {
        g_string_append_printf(out, ", \"egm\": %d", node->egm_pxm);
    }
    if (node->host_node >= 0) {
        g_string_append_printf(out, ", \"host-node\": %d", node->host_node);
    }
    if (node->hugepages) {
        g_string_append(out, ", \"hugepages\": ");
        qf_json_append_string(out, node->hugepages);
    }
    g_string_append_printf(out, " }%s\n", last ? "" : ",");
}

static void write_gpu(GString *out, const QfVmGpu *gpu, gboolean last)
{
    g_string_append(out, "        {\n");
    json_str(out, 10, "id", gpu->id, FALSE);
    json_str(out, 10, "host", gpu->host, FALSE);
    json_str(out, 10, "port", gpu->port, FALSE);
    json_uint(out, 10, "chassis", gpu->chassis, FALSE);
    json_str(out, 10, "device", gpu->device, FALSE);
    if (gpu->rombar >= 0) {
        json_uint(out, 10, "rombar", (guint)gpu->rombar, FALSE);
    }
    if (gpu->pref64_reserve) {
        json_size(out, 10, "pref64-reserve", gpu->pref64_reserve, FALSE);
    }
    json_key(out, 10, "memory-nodes");
    g_string_append_c(out, '[');
    for (guint i = 0; i < gpu->mem_nodes->len; i++) {
        g_string_append_printf(out, "%s%u", i ? ", " : "",
                               g_array_index(gpu->mem_nodes, guint, i));
    }
    g_string_append_printf(out, "]%s\n", gpu->egm_node >= 0 ? "," : "");
    if (gpu->egm_node >= 0) {
        json_uint(out, 10, "egm-node", (guint)gpu->egm_node, TRUE);
    }
    g_string_append_printf(out, "        }%s\n", last ? "" : ",");
}

static void write_smmu(GString *out, const QfVmSmmu *smmu, gboolean last)
{
    g_string_append(out, "    {\n");
    json_str(out, 6, "id", smmu->id, FALSE);
    if (smmu->host) {
        json_str(out, 6, "host", smmu->host, FALSE);
    }
    json_str(out, 6, "bus", smmu->bus, FALSE);
    json_uint(out, 6, "bus-nr", smmu->bus_nr, FALSE);
    json_uint(out, 6, "numa-node", smmu->numa_node, FALSE);
    json_str(out, 6, "ats", smmu->ats, FALSE);
    json_str(out, 6, "ril", smmu->ril, FALSE);
    json_str(out, 6, "ssidsize", smmu->ssidsize, FALSE);
    json_str(out, 6, "oas", smmu->oas, FALSE);
    json_str(out, 6, "cmdqv", smmu->cmdqv, FALSE);
    g_string_append(out, "      \"gpus\": [\n");
    for (guint g = 0; g < smmu->gpus->len; g++) {
        write_gpu(out, g_ptr_array_index(smmu->gpus, g),
                  g + 1 == smmu->gpus->len);
    }
    g_string_append_printf(out, "      ]\n    }%s\n", last ? "" : ",");
}

/* One row per node; absent when the VM keeps QEMU's default distances. */
static void write_distances(GString *out, const QfVmConfig *cfg)
{
    guint n = cfg->nodes->len;

    if (cfg->distances->len == 0) {
        return;
    }
    g_string_append(out, "  \"distances\": [\n");
    for (guint i = 0; i < n; i++) {
        g_string_append(out, "    [");
        for (guint j = 0; j < n; j++) {
            g_string_append_printf(out, "%s%u", j ? ", " : "",
                                   qf_vm_distance(cfg, i, j));
        }
        g_string_append_printf(out, "]%s\n", i + 1 < n ? "," : "");
    }
    g_string_append(out, "  ],\n");
}

char *qf_vmconfig_to_json(const QfVmConfig *cfg)
{
    GString *out = g_string_new("{\n");

    json_uint(out, 2, "qfork-vm", QF_VM_FORMAT_VERSION, FALSE);
    g_string_append(out, "  \"machine\": {\n");
    json_str(out, 4, "type", "virt", FALSE);
    json_str(out, 4, "accel", cfg->accel, FALSE);
    json_str(out, 4, "cpu", cfg->cpu, FALSE);
    json_uint(out, 4, "gic-version", 3, FALSE);
    json_str(out, 4, "ras", cfg->ras, FALSE);
    json_size(out, 4, "highmem-mmio-size", cfg->highmem_mmio_size,
              !cfg->highmem_mmio_from);
    if (cfg->highmem_mmio_from) {
        json_str(out, 4, "highmem-mmio-size-from", cfg->highmem_mmio_from,
                 TRUE);
    }
    g_string_append(out, "  },\n");
    json_str(out, 2, "iommufd", cfg->iommufd, FALSE);
    json_str(out, 2, "memory-prealloc", cfg->prealloc, FALSE);
    g_string_append(out, "  \"nodes\": [\n");
    for (guint i = 0; i < cfg->nodes->len; i++) {
        write_node(out, g_ptr_array_index(cfg->nodes, i),
                   i + 1 == cfg->nodes->len);
    }
    g_string_append(out, "  ],\n");
    write_distances(out, cfg);
    g_string_append(out, "  \"smmus\": [\n");
    for (guint s = 0; s < cfg->smmus->len; s++) {
        write_smmu(out, g_ptr_array_index(cfg->smmus, s),
                   s + 1 == cfg->smmus->len);
    }
    g_string_append(out, "  ]\n}\n");
    return g_string_free(out, FALSE);
}

/* Reading: every error names the file, the line and the member path. */
typedef struct {
    const char *name;
    GError **error;
} JsonIn;

G_GNUC_PRINTF(4, 5)
static gboolean json_fail(JsonIn *in, const QfJson *at, const char *path,
                          const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(in->error, QF_ERROR, QF_ERROR_PARSE, "%s:%u: %s: %s",
                in->name, at ? at->line : 1, path, msg);
    return FALSE;
}

static gboolean json_check_keys(JsonIn *in, const QfJson *obj,
                                const char *path, const char *const *known)
{
    if (obj->type != QF_JSON_OBJECT) {
        return json_fail(in, obj, path, "expected an object, got %s",
                         qf_json_type_name(obj->type));
    }
    for (guint i = 0; i < obj->keys->len; i++) {
        const char *key = g_ptr_array_index(obj->keys, i);
        if (!g_strv_contains(known, key)) {
            g_autofree char *list = g_strjoinv(", ", (char **)known);
            return json_fail(in, g_ptr_array_index(obj->items, i), path,
                             "unknown member \"%s\" (known: %s)", key, list);
        }
    }
    return TRUE;
}

/* A member of @obj, type-checked; absent is an error when @required. */
static const QfJson *json_get(JsonIn *in, const QfJson *obj, const char *path,
                              const char *key, QfJsonType type,
                              gboolean required, gboolean *ok)
{
    const QfJson *v = qf_json_member(obj, key);

    *ok = TRUE;
    if (!v) {
        if (required) {
            *ok = json_fail(in, obj, path, "missing member \"%s\"", key);
        }
        return NULL;
    }
    if (v->type != type) {
        *ok = json_fail(in, v, path, "\"%s\" must be %s, not %s", key,
                        qf_json_type_name(type), qf_json_type_name(v->type));
        return NULL;
    }
    return v;
}

static gboolean json_uint_member(JsonIn *in, const QfJson *obj,
                                 const char *path, const char *key,
                                 guint64 max, gboolean required, guint *out)
{
    gboolean ok;
    const QfJson *v = json_get(in, obj, path, key, QF_JSON_INT, required, &ok);

    if (!v) {
        return ok;
    }
    if (v->integer < 0 || (guint64)v->integer > max) {
        return json_fail(in, v, path, "\"%s\": %" G_GINT64_FORMAT " is not "
                         "in 0..%" G_GUINT64_FORMAT, key, v->integer, max);
    }
    *out = (guint)v->integer;
    return TRUE;
}

static gboolean json_str_member(JsonIn *in, const QfJson *obj,
                                const char *path, const char *key,
                                gboolean required, char **out)
{
    gboolean ok;
    const QfJson *v = json_get(in, obj, path, key, QF_JSON_STRING, required,
                               &ok);

    if (v) {
        g_free(*out);
        *out = g_strdup(v->string);
    }
    return ok;
}

/* A size: a string such as "16G", or an integer number of bytes. */
static gboolean json_size_member(JsonIn *in, const QfJson *obj,
                                 const char *path, const char *key,
                                 gboolean required, guint64 *out)
{
    const QfJson *v = qf_json_member(obj, key);
    g_autoptr(GError) err = NULL;

    if (!v) {
        return required ? json_fail(in, obj, path, "missing member \"%s\"",
                                    key)
                        : TRUE;
    }
    if (v->type == QF_JSON_INT && v->integer >= 0) {
        *out = (guint64)v->integer;
        return TRUE;
    }
    if (v->type != QF_JSON_STRING) {
        return json_fail(in, v, path, "\"%s\" must be a size such as "
                         "\"16G\"", key);
    }
    if (!qf_parse_size(v->string, out, &err)) {
        return json_fail(in, v, path, "\"%s\": %s", key, err->message);
    }
    return TRUE;
}

static gboolean read_machine(JsonIn *in, const QfJson *m, QfVmConfig *cfg)
{
    static const char *const known[] = {
        "type", "accel", "cpu", "gic-version", "ras", "highmem-mmio-size",
        "highmem-mmio-size-from", NULL,
    };
    g_autofree char *type = NULL;
    guint gic = 3;

    if (!json_check_keys(in, m, "machine", known) ||
        !json_str_member(in, m, "machine", "type", FALSE, &type) ||
        !json_str_member(in, m, "machine", "accel", FALSE, &cfg->accel) ||
        !json_str_member(in, m, "machine", "cpu", FALSE, &cfg->cpu) ||
        !json_uint_member(in, m, "machine", "gic-version", 255, FALSE, &gic) ||
        !json_str_member(in, m, "machine", "ras", FALSE, &cfg->ras) ||
        !json_str_member(in, m, "machine", "highmem-mmio-size-from", FALSE,
                         &cfg->highmem_mmio_from) ||
        !json_size_member(in, m, "machine", "highmem-mmio-size", TRUE,
                          &cfg->highmem_mmio_size)) {
        return FALSE;
    }
    if (type && strcmp(type, "virt") != 0) {
        return json_fail(in, qf_json_member(m, "type"), "machine",
                         "type \"%s\": only virt is supported", type);
    }
    if (gic != 3) {
        return json_fail(in, qf_json_member(m, "gic-version"), "machine",
                         "gic-version %u: Grace VMs use GICv3", gic);
    }
    return TRUE;
}

static gboolean read_node(JsonIn *in, const QfJson *j, guint index,
                          QfVmConfig *cfg)
{
    static const char *const known[] = {
        "id", "cpus", "memory", "egm", "host-node", "hugepages", NULL,
    };
    g_autofree char *path = g_strdup_printf("nodes[%u]", index);
    QfVmNode *node = qf_vm_node_add(cfg);
    guint egm = G_MAXUINT, host = G_MAXUINT;

    if (!json_check_keys(in, j, path, known) ||
        !json_uint_member(in, j, path, "id", 65535, TRUE, &node->id) ||
        !json_uint_member(in, j, path, "cpus", 4096, FALSE, &node->cpus) ||
        !json_size_member(in, j, path, "memory", FALSE, &node->memory) ||
        !json_uint_member(in, j, path, "egm", 65535, FALSE, &egm) ||
        !json_uint_member(in, j, path, "host-node", 65535, FALSE, &host) ||
        !json_str_member(in, j, path, "hugepages", FALSE, &node->hugepages)) {
        return FALSE;
    }
    node->egm_pxm = egm == G_MAXUINT ? -1 : (int)egm;
    node->host_node = host == G_MAXUINT ? -1 : (int)host;
    return TRUE;
}

static gboolean read_gpu(JsonIn *in, const QfJson *j, const char *path,
                         QfVmSmmu *smmu)
{
    static const char *const known[] = {
        "id", "host", "port", "chassis", "device", "rombar", "pref64-reserve",
        "memory-nodes", "egm-node", NULL,
    };
    QfVmGpu *gpu = qf_vm_gpu_new();
    const QfJson *nodes;
    guint egm = G_MAXUINT, rombar = G_MAXUINT;
    gboolean ok;

    g_ptr_array_add(smmu->gpus, gpu);
    if (!json_check_keys(in, j, path, known) ||
        !json_str_member(in, j, path, "id", TRUE, &gpu->id) ||
        !json_str_member(in, j, path, "host", TRUE, &gpu->host) ||
        !json_str_member(in, j, path, "port", TRUE, &gpu->port) ||
        !json_uint_member(in, j, path, "chassis", 255, TRUE, &gpu->chassis) ||
        !json_uint_member(in, j, path, "egm-node", 65535, FALSE, &egm) ||
        !json_str_member(in, j, path, "device", FALSE, &gpu->device) ||
        !json_uint_member(in, j, path, "rombar", 1, FALSE, &rombar) ||
        !json_size_member(in, j, path, "pref64-reserve", FALSE,
                          &gpu->pref64_reserve)) {
        return FALSE;
    }
    gpu->egm_node = egm == G_MAXUINT ? -1 : (int)egm;
    gpu->rombar = rombar == G_MAXUINT ? -1 : (int)rombar;
    {
        char *lower = g_ascii_strdown(gpu->host, -1);
        g_free(gpu->host);
        gpu->host = lower;
    }
    nodes = json_get(in, j, path, "memory-nodes", QF_JSON_ARRAY, TRUE, &ok);
    if (!nodes) {
        return FALSE;
    }
    for (guint i = 0; i < nodes->items->len; i++) {
        const QfJson *n = g_ptr_array_index(nodes->items, i);
        guint id;
        if (n->type != QF_JSON_INT || n->integer < 0 || n->integer > 65535) {
            return json_fail(in, n, path, "memory-nodes[%u] must be a node "
                             "id", i);
        }
        id = (guint)n->integer;
        g_array_append_val(gpu->mem_nodes, id);
    }
    return TRUE;
}

static gboolean read_smmu(JsonIn *in, const QfJson *j, guint index,
                          QfVmConfig *cfg)
{
    static const char *const known[] = {
        "id", "host", "bus", "bus-nr", "numa-node", "ats", "ril", "ssidsize",
        "oas", "cmdqv", "gpus", NULL,
    };
    g_autofree char *path = g_strdup_printf("smmus[%u]", index);
    QfVmSmmu *smmu = qf_vm_smmu_new();
    const QfJson *gpus;
    gboolean ok;

    g_ptr_array_add(cfg->smmus, smmu);
    if (!json_check_keys(in, j, path, known) ||
        !json_str_member(in, j, path, "id", TRUE, &smmu->id) ||
        !json_str_member(in, j, path, "host", FALSE, &smmu->host) ||
        !json_str_member(in, j, path, "bus", TRUE, &smmu->bus) ||
        !json_uint_member(in, j, path, "bus-nr", 255, TRUE, &smmu->bus_nr) ||
        !json_uint_member(in, j, path, "numa-node", 65535, TRUE,
                          &smmu->numa_node) ||
        !json_str_member(in, j, path, "ats", FALSE, &smmu->ats) ||
        !json_str_member(in, j, path, "ril", FALSE, &smmu->ril) ||
        !json_str_member(in, j, path, "ssidsize", FALSE, &smmu->ssidsize) ||
        !json_str_member(in, j, path, "oas", FALSE, &smmu->oas) ||
        !json_str_member(in, j, path, "cmdqv", FALSE, &smmu->cmdqv)) {
        return FALSE;
    }
    gpus = json_get(in, j, path, "gpus", QF_JSON_ARRAY, TRUE, &ok);
    if (!gpus) {
        return FALSE;
    }
    for (guint i = 0; i < gpus->items->len; i++) {
        g_autofree char *gpath = g_strdup_printf("%s.gpus[%u]", path, i);
        if (!read_gpu(in, g_ptr_array_index(gpus->items, i), gpath, smmu)) {
            return FALSE;
        }
    }
    return TRUE;
}

/* Rows of numbers; their count and values are validate_distances()'s. */
static gboolean read_distances(JsonIn *in, const QfJson *rows,
                               QfVmConfig *cfg)
{
    for (guint i = 0; i < rows->items->len; i++) {
        const QfJson *row = g_ptr_array_index(rows->items, i);
        if (row->type != QF_JSON_ARRAY) {
            return json_fail(in, row, "distances", "row %u must be an array",
                             i);
        }
        for (guint j = 0; j < row->items->len; j++) {
            const QfJson *v = g_ptr_array_index(row->items, j);
            guint d;
            if (v->type != QF_JSON_INT || v->integer < 0 ||
                v->integer > 255) {
                return json_fail(in, v, "distances", "[%u][%u] must be a "
                                 "number 0..255", i, j);
            }
            d = (guint)v->integer;
            g_array_append_val(cfg->distances, d);
        }
        if (row->items->len != rows->items->len) {
            return json_fail(in, row, "distances", "row %u has %u entries, "
                             "not %u", i, row->items->len, rows->items->len);
        }
    }
    return TRUE;
}

static gboolean read_config(JsonIn *in, const QfJson *root, QfVmConfig *cfg)
{
    static const char *const known[] = {
        "qfork-vm", "machine", "iommufd", "memory-prealloc", "nodes",
        "distances", "smmus", NULL,
    };
    const QfJson *machine, *nodes, *smmus, *dist;
    guint version = 0;
    gboolean ok;

    if (!json_check_keys(in, root, "top level", known) ||
        !json_uint_member(in, root, "top level", "qfork-vm", 65535, TRUE,
                          &version)) {
        return FALSE;
    }
    if (version != QF_VM_FORMAT_VERSION) {
        return json_fail(in, qf_json_member(root, "qfork-vm"), "qfork-vm",
                         "format version %u; this qfork reads version %d",
                         version, QF_VM_FORMAT_VERSION);
    }
    if (!(machine = json_get(in, root, "top level", "machine",
                             QF_JSON_OBJECT, TRUE, &ok)) ||
        !read_machine(in, machine, cfg) ||
        !json_str_member(in, root, "top level", "iommufd", FALSE,
                         &cfg->iommufd) ||
        !json_str_member(in, root, "top level", "memory-prealloc", FALSE,
                         &cfg->prealloc) ||
        !(nodes = json_get(in, root, "top level", "nodes", QF_JSON_ARRAY,
                           TRUE, &ok)) ||
        !(smmus = json_get(in, root, "top level", "smmus", QF_JSON_ARRAY,
                           TRUE, &ok))) {
        return FALSE;
    }
    for (guint i = 0; i < nodes->items->len; i++) {
        if (!read_node(in, g_ptr_array_index(nodes->items, i), i, cfg)) {
            return FALSE;
        }
    }
    for (guint i = 0; i < smmus->items->len; i++) {
        if (!read_smmu(in, g_ptr_array_index(smmus->items, i), i, cfg)) {
            return FALSE;
        }
    }
    dist = json_get(in, root, "top level", "distances", QF_JSON_ARRAY, FALSE,
                    &ok);
    return ok && (!dist || read_distances(in, dist, cfg));
}

QfVmConfig *qf_vmconfig_from_json(const char *text, gsize len,
                                  const char *name, GError **error)
{
    g_autoptr(QfJson) root = qf_json_parse(text, len, name, error);
    g_autoptr(QfVmConfig) cfg = NULL;
    g_autoptr(GError) err = NULL;
    JsonIn in = { .name = name, .error = error };

    if (!root) {
        return NULL;
    }
    cfg = qf_vm_config_new();
    if (!read_config(&in, root, cfg)) {
        return NULL;
    }
    if (!qf_vmconfig_validate(cfg, &err)) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE, "%s: %s", name,
                    err->message);
        return NULL;
    }
    return g_steal_pointer(&cfg);
}

QfVmConfig *qf_vmconfig_load(const char *path, GError **error)
{
    g_autofree char *text = NULL;
    gsize len;

    if (!g_file_get_contents(path, &text, &len, error)) {
        return NULL;
    }
    return qf_vmconfig_from_json(text, len, path, error);
}

