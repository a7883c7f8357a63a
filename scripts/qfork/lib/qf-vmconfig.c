/*
 * qfork: the description of a Grace GPU passthrough VM: the model, its
 * construction and copy, and its validation.  The JSON form, the overrides
 * and the QEMU command line are in qf-vmconfig-json.c, -override.c and
 * -argv.c; building it from a host is qf-vmconfig-host.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-vmconfig-priv.h"
#include "qf-error.h"

#include <errno.h>
#include <string.h>

#define MAX_PCI_BUS 255
/* ---- sizes ------------------------------------------------------------ */

gboolean qf_parse_size(const char *text, guint64 *bytes, GError **error)
{
    static const char units[] = "KMGTPE";
    guint64 n;
    char *end;
    guint shift = 0;

    errno = 0;
    n = g_ascii_strtoull(text, &end, 10);
    if (!g_ascii_isdigit(*text) || errno) {
        goto bad;
    }
    if (*end) {
        const char *u = strchr(units, g_ascii_toupper(*end));
        if (!u || end[1]) {
            goto bad;
        }
        shift = 10 * (guint)(u - units + 1);
    }
    if (shift && n > (G_MAXUINT64 >> shift)) {
        goto bad;
    }
    *bytes = n << shift;
    return TRUE;
bad:
    g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                "'%s' is not a size (a number of bytes, or with a K, M, G "
                "or T suffix)", text);
    return FALSE;
}

char *qf_format_size(guint64 bytes)
{
    static const char units[] = "KMGTPE";
    int u = -1;

    while (bytes && u < 5 && (bytes & 1023) == 0) {
        bytes >>= 10;
        u++;
    }
    return u < 0 ? g_strdup_printf("%" G_GUINT64_FORMAT, bytes)
                 : g_strdup_printf("%" G_GUINT64_FORMAT "%c", bytes,
                                   units[u]);
}

static gboolean is_pow2(guint64 v)
{
    return v && !(v & (v - 1));
}

/* ---- construction ----------------------------------------------------- */

static void free_gpu(QfVmGpu *gpu)
{
    g_free(gpu->id);
    g_free(gpu->host);
    g_free(gpu->port);
    g_free(gpu->device);
    g_array_unref(gpu->mem_nodes);
    g_free(gpu);
}

static void free_smmu(QfVmSmmu *smmu)
{
    g_free(smmu->id);
    g_free(smmu->host);
    g_free(smmu->bus);
    g_free(smmu->ats);
    g_free(smmu->ril);
    g_free(smmu->ssidsize);
    g_free(smmu->oas);
    g_free(smmu->cmdqv);
    g_ptr_array_unref(smmu->gpus);
    g_free(smmu);
}

static void free_node(QfVmNode *node)
{
    g_free(node->hugepages);
    g_free(node);
}

QfVmConfig *qf_vm_config_new(void)
{
    QfVmConfig *cfg = g_new0(QfVmConfig, 1);

    cfg->accel = g_strdup("kvm");
    cfg->cpu = g_strdup("host");
    cfg->iommufd = g_strdup("iommufd0");
    cfg->ras = g_strdup("auto");
    cfg->prealloc = g_strdup("auto");
    cfg->highmem_mmio_size = QF_VM_MIN_HIGHMEM_MMIO;
    cfg->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)free_node);
    cfg->distances = g_array_new(FALSE, FALSE, sizeof(guint));
    cfg->smmus = g_ptr_array_new_with_free_func((GDestroyNotify)free_smmu);
    cfg->warnings = g_ptr_array_new_with_free_func(g_free);
    return cfg;
}

void qf_vmconfig_free(QfVmConfig *cfg)
{
    if (!cfg) {
        return;
    }
    g_free(cfg->accel);
    g_free(cfg->cpu);
    g_free(cfg->ras);
    g_free(cfg->highmem_mmio_from);
    g_free(cfg->iommufd);
    g_free(cfg->prealloc);
    g_ptr_array_unref(cfg->nodes);
    g_array_unref(cfg->distances);
    g_ptr_array_unref(cfg->smmus);
    g_ptr_array_unref(cfg->warnings);
    g_free(cfg);
}

QfVmNode *qf_vm_node_add(QfVmConfig *cfg)
{
    QfVmNode *node = g_new0(QfVmNode, 1);

    node->id = cfg->nodes->len;
    node->egm_pxm = -1;
    node->host_node = -1;
    g_ptr_array_add(cfg->nodes, node);
    return node;
}

QfVmSmmu *qf_vm_smmu_new(void)
{
    QfVmSmmu *smmu = g_new0(QfVmSmmu, 1);

    smmu->ats = g_strdup("auto");
    smmu->ril = g_strdup("auto");
    smmu->ssidsize = g_strdup("auto");
    smmu->oas = g_strdup("auto");
    smmu->cmdqv = g_strdup("auto");
    smmu->gpus = g_ptr_array_new_with_free_func((GDestroyNotify)free_gpu);
    return smmu;
}

QfVmGpu *qf_vm_gpu_new(void)
{
    QfVmGpu *gpu = g_new0(QfVmGpu, 1);

    gpu->mem_nodes = g_array_new(FALSE, FALSE, sizeof(guint));
    gpu->egm_node = -1;
    gpu->device = g_strdup("vfio-pci");
    gpu->rombar = -1;
    return gpu;
}

static void copy_str(char **dst, const char *src)
{
    g_free(*dst);
    *dst = g_strdup(src);
}

static QfVmGpu *copy_gpu(const QfVmGpu *gpu)
{
    QfVmGpu *c = qf_vm_gpu_new();

    c->id = g_strdup(gpu->id);
    c->host = g_strdup(gpu->host);
    c->port = g_strdup(gpu->port);
    c->chassis = gpu->chassis;
    g_array_append_vals(c->mem_nodes, gpu->mem_nodes->data,
                        gpu->mem_nodes->len);
    c->egm_node = gpu->egm_node;
    g_free(c->device);
    c->device = g_strdup(gpu->device);
    c->rombar = gpu->rombar;
    c->pref64_reserve = gpu->pref64_reserve;
    return c;
}

static QfVmSmmu *copy_smmu(const QfVmSmmu *smmu)
{
    QfVmSmmu *c = qf_vm_smmu_new();
    c->id = g_strdup(smmu->id);
    c->host = g_strdup(smmu->host);
    c->bus = g_strdup(smmu->bus);
    c->bus_nr = smmu->bus_nr;
    c->numa_node = smmu->numa_node;
    copy_str(&c->ats, smmu->ats);
    copy_str(&c->ril, smmu->ril);
    copy_str(&c->ssidsize, smmu->ssidsize);
    copy_str(&c->oas, smmu->oas);
    copy_str(&c->cmdqv, smmu->cmdqv);
    for (guint g = 0; g < smmu->gpus->len; g++) {
        g_ptr_array_add(c->gpus, copy_gpu(g_ptr_array_index(smmu->gpus, g)));
    }
    return c;
}

QfVmConfig *qf_vmconfig_copy(const QfVmConfig *cfg)
{
    QfVmConfig *c = qf_vm_config_new();

    copy_str(&c->accel, cfg->accel);
    copy_str(&c->cpu, cfg->cpu);
    copy_str(&c->ras, cfg->ras);
    copy_str(&c->iommufd, cfg->iommufd);
    copy_str(&c->prealloc, cfg->prealloc);
    copy_str(&c->highmem_mmio_from, cfg->highmem_mmio_from);
    c->highmem_mmio_size = cfg->highmem_mmio_size;
    for (guint i = 0; i < cfg->nodes->len; i++) {
        QfVmNode *node = g_memdup2(g_ptr_array_index(cfg->nodes, i),
                                   sizeof(QfVmNode));
        node->hugepages = g_strdup(node->hugepages);
        g_ptr_array_add(c->nodes, node);
    }
    g_array_append_vals(c->distances, cfg->distances->data,
                        cfg->distances->len);
    for (guint i = 0; i < cfg->warnings->len; i++) {
        g_ptr_array_add(c->warnings,
                        g_strdup(g_ptr_array_index(cfg->warnings, i)));
    }
    for (guint s = 0; s < cfg->smmus->len; s++) {
        g_ptr_array_add(c->smmus, copy_smmu(g_ptr_array_index(cfg->smmus, s)));
    }
    return c;
}

/* ---- validation ------------------------------------------------------- */

gboolean qf_vm_invalid(GError **error, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, QF_ERROR, QF_ERROR_PARSE, msg);
    return FALSE;
}

gboolean qf_vm_valid_on_off_auto(const char *v)
{
    return !g_strcmp0(v, "on") || !g_strcmp0(v, "off") ||
           !g_strcmp0(v, "auto");
}

/* QEMU's SMMUv3 model implements OAS auto, 44 and 48 only. */
gboolean qf_vm_valid_oas(const char *v)
{
    return !g_strcmp0(v, "auto") || !g_strcmp0(v, "44") ||
           !g_strcmp0(v, "48");
}

/* SsidSizeMode: auto or 0..20 bits. */
gboolean qf_vm_valid_ssidsize(const char *v)
{
    guint64 n;

    return !g_strcmp0(v, "auto") ||
           (v && g_ascii_string_to_unsigned(v, 10, 0, 20, &n, NULL));
}

gboolean qf_vm_valid_device(const char *v)
{
    return !g_strcmp0(v, "vfio-pci") || !g_strcmp0(v, "vfio-pci-nohotplug");
}

/* A path QEMU's option parser takes as is: no ',' (it would need ',,'). */
gboolean qf_vm_valid_mem_path(const char *v)
{
    return v && v[0] == '/' && !strchr(v, ',');
}

guint qf_vm_distance(const QfVmConfig *cfg, guint from, guint to)
{
    return g_array_index(cfg->distances, guint,
                         from * cfg->nodes->len + to);
}

/* As QEMU's id_wellformed(): a letter, then letters, digits, '-._'. */
static gboolean valid_id(const char *id)
{
    if (!id || !g_ascii_isalpha(*id)) {
        return FALSE;
    }
    for (const char *p = id + 1; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-._", *p)) {
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean valid_bdf(const char *bdf)
{
    return bdf && g_regex_match_simple(
        "^([0-9a-f]{4}:)?[0-9a-f]{2}:[01][0-9a-f]\\.[0-7]$", bdf, 0, 0);
}

static const QfVmNode *find_node(const QfVmConfig *cfg, guint id)
{
    return id < cfg->nodes->len ? g_ptr_array_index(cfg->nodes, id) : NULL;
}

/* Names the command line makes up itself, so a user id cannot clash. */
static void reserve_generated_ids(const QfVmConfig *cfg, GHashTable *ids)
{
    guint k = 0;

    for (guint i = 0; i < cfg->nodes->len; i++) {
        g_hash_table_add(ids, g_strdup_printf("mem%u", i));
    }
    for (guint s = 0; s < cfg->smmus->len; s++) {
        const QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, s);
        for (guint g = 0; g < smmu->gpus->len; g++, k++) {
            const QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, g);
            g_hash_table_add(ids, g_strdup_printf("egm%u", k));
            for (guint n = 0; n < gpu->mem_nodes->len; n++) {
                g_hash_table_add(ids, g_strdup_printf("gi%u",
                                                      k * 8 + n));
            }
        }
    }
}

static gboolean claim_id(GHashTable *ids, const char *id, const char *what,
                         GError **error)
{
    if (!valid_id(id)) {
        return qf_vm_invalid(error,
                             "%s: '%s' is not a valid QEMU id (a letter, "
                             "then letters, digits, '-', '.' or '_')",
                             what, id ? id : "");
    }
    if (!g_hash_table_add(ids, g_strdup(id))) {
        return qf_vm_invalid(error,
                             "%s: id '%s' is already used (or is one the "
                             "command line generates: mem<N>, gi<N>, egm<N>)",
                             what, id);
    }
    return TRUE;
}

static gboolean validate_machine(const QfVmConfig *cfg, GError **error)
{
    g_autofree char *min = qf_format_size(QF_VM_MIN_HIGHMEM_MMIO);

    if (g_strcmp0(cfg->accel, "kvm") && g_strcmp0(cfg->accel, "tcg")) {
        return qf_vm_invalid(error, "machine.accel: '%s' is not kvm or tcg",
                             cfg->accel ? cfg->accel : "");
    }
    if (!valid_id(cfg->cpu)) {
        return qf_vm_invalid(error, "machine.cpu: '%s' is not a CPU model name",
                             cfg->cpu ? cfg->cpu : "");
    }
    if (!qf_vm_valid_on_off_auto(cfg->ras)) {
        return qf_vm_invalid(error, "machine.ras: '%s' is not on, off or "
                             "auto", cfg->ras ? cfg->ras : "");
    }
    if (!qf_vm_valid_on_off_auto(cfg->prealloc)) {
        return qf_vm_invalid(error, "memory-prealloc: '%s' is not on, off "
                             "or auto", cfg->prealloc ? cfg->prealloc : "");
    }
    if (!is_pow2(cfg->highmem_mmio_size) ||
        cfg->highmem_mmio_size < QF_VM_MIN_HIGHMEM_MMIO) {
        return qf_vm_invalid(error,
                             "machine.highmem-mmio-size: must be a power "
                             "of two of at least %s (virt's default)",
                             min);
    }
    return TRUE;
}

static gboolean validate_nodes(const QfVmConfig *cfg, GError **error)
{
    guint cpus = 0;
    gboolean memless_seen = FALSE;

    if (cfg->nodes->len == 0) {
        return qf_vm_invalid(error, "nodes: the VM has no NUMA nodes");
    }
    for (guint i = 0; i < cfg->nodes->len; i++) {
        const QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        if (node->id != i) {
            return qf_vm_invalid(error,
                                 "nodes[%u]: id %u, expected %u (nodes are "
                                 "numbered from 0 in order)",
                                 i, node->id, i);
        }
        if (node->cpus && !node->memory) {
            return qf_vm_invalid(error,
                                 "nodes[%u]: a node with CPUs needs memory", i);
        }
        if (node->hugepages && (!qf_vm_valid_mem_path(node->hugepages) ||
                                node->egm_pxm >= 0 || !node->memory)) {
            return qf_vm_invalid(error, "nodes[%u]: hugepages '%s' needs an "
                                 "absolute path without commas, and a node "
                                 "with memory that is not EGM", i,
                                 node->hugepages);
        }
        if (node->egm_pxm >= 0 && !node->memory) {
            return qf_vm_invalid(error, "nodes[%u]: EGM %d but no memory size",
                                 i, node->egm_pxm);
        }
        if (node->cpus && memless_seen) {
            return qf_vm_invalid(error, "nodes[%u]: nodes with CPUs must come "
                                 "before the GPU memory nodes (the guest reads "
                                 "SRAT in that order)", i);
        }
        memless_seen = memless_seen || !node->cpus;
        cpus += node->cpus;
    }
    if (cpus == 0 || cpus > 512) {
        return qf_vm_invalid(error, "nodes: %u vCPUs in all; virt with GICv3 "
                             "takes 1 to 512", cpus);
    }
    return TRUE;
}

static gboolean validate_smmu_props(const QfVmSmmu *smmu, const char *what,
                                    GError **error)
{
    if (!qf_vm_valid_on_off_auto(smmu->ats) ||
        !qf_vm_valid_on_off_auto(smmu->ril) ||
        !qf_vm_valid_on_off_auto(smmu->cmdqv)) {
        return qf_vm_invalid(
            error, "%s: ats, ril and cmdqv take on, off or auto", what);
    }
    if (!qf_vm_valid_oas(smmu->oas)) {
        return qf_vm_invalid(error,
                             "%s: oas '%s': QEMU's SMMUv3 implements auto, "
                             "44 and 48",
                             what, smmu->oas ? smmu->oas : "");
    }
    if (!qf_vm_valid_ssidsize(smmu->ssidsize)) {
        return qf_vm_invalid(error, "%s: ssidsize '%s' is not auto or 0..20",
                             what, smmu->ssidsize ? smmu->ssidsize : "");
    }
    return TRUE;
}

static gboolean validate_gpu(const QfVmConfig *cfg, const QfVmGpu *gpu,
                             const char *what, GHashTable *ids,
                             guint *node_owner, GError **error)
{
    if (!claim_id(ids, gpu->id, what, error) ||
        !claim_id(ids, gpu->port, what, error)) {
        return FALSE;
    }
    if (!valid_bdf(gpu->host)) {
        return qf_vm_invalid(error,
                             "%s: host '%s' is not a PCI address such as "
                             "0009:01:00.0",
                             what, gpu->host ? gpu->host : "");
    }
    if (!qf_vm_valid_device(gpu->device)) {
        return qf_vm_invalid(error, "%s: device '%s' is not vfio-pci or "
                             "vfio-pci-nohotplug", what,
                             gpu->device ? gpu->device : "");
    }
    if (gpu->rombar < -1 || gpu->rombar > 1) {
        return qf_vm_invalid(error, "%s: rombar %d is not 0 or 1", what,
                             gpu->rombar);
    }
    if (gpu->chassis < 1 || gpu->chassis > 255) {
        return qf_vm_invalid(error, "%s: chassis %u is not 1..255", what,
                             gpu->chassis);
    }
    if (gpu->mem_nodes->len != QF_GPU_MEM_NODES) {
        return qf_vm_invalid(error,
                             "%s: a Grace GPU has %d memory nodes, got %u",
                             what, QF_GPU_MEM_NODES, gpu->mem_nodes->len);
    }
    for (guint n = 0; n < gpu->mem_nodes->len; n++) {
        guint id = g_array_index(gpu->mem_nodes, guint, n);
        const QfVmNode *node = find_node(cfg, id);
        if (!node) {
            return qf_vm_invalid(error, "%s: memory node %u is not defined",
                                 what, id);
        }
        if (node->cpus || node->memory) {
            return qf_vm_invalid(error,
                                 "%s: memory node %u has CPUs or memory; "
                                 "GPU memory nodes have neither",
                                 what, id);
        }
        if (node_owner[id]) {
            return qf_vm_invalid(error, "%s: memory node %u already belongs to "
                                 "another GPU", what, id);
        }
        node_owner[id] = 1;
    }
    if (gpu->egm_node >= 0) {
        const QfVmNode *node = find_node(cfg, (guint)gpu->egm_node);
        if (!node || node->egm_pxm < 0) {
            return qf_vm_invalid(error,
                                 "%s: egm-node %d is not a node backed by "
                                 "EGM",
                                 what, gpu->egm_node);
        }
    }
    return TRUE;
}

static gint compare_uint(gconstpointer a, gconstpointer b)
{
    guint x = *(const guint *)a, y = *(const guint *)b;

    return x < y ? -1 : x > y;
}

/* pxb bus ranges: each takes its bus number plus one per root port. */
static gboolean validate_bus_ranges(const QfVmConfig *cfg, GError **error)
{
    g_autoptr(GArray) used = g_array_new(FALSE, TRUE, sizeof(guint));

    for (guint s = 0; s < cfg->smmus->len; s++) {
        const QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, s);
        guint last = smmu->bus_nr + smmu->gpus->len;
        if (smmu->bus_nr < 1 || last > MAX_PCI_BUS) {
            return qf_vm_invalid(error,
                                 "smmus[%u]: bus-nr %u with %u root ports "
                                 "does not fit in buses 1..%d",
                                 s, smmu->bus_nr, smmu->gpus->len, MAX_PCI_BUS);
        }
        for (guint b = smmu->bus_nr; b <= last; b++) {
            g_array_append_val(used, b);
        }
    }
    g_array_sort(used, compare_uint);
    for (guint i = 1; i < used->len; i++) {
        if (g_array_index(used, guint, i) ==
            g_array_index(used, guint, i - 1)) {
            return qf_vm_invalid(
                error,
                "smmus: the bus ranges of two root "
                "complexes overlap at bus %u (each needs bus-nr "
                "plus one bus per GPU)",
                g_array_index(used, guint, i));
        }
    }
    return TRUE;
}

static gboolean validate_smmus(const QfVmConfig *cfg, GHashTable *ids,
                               GError **error)
{
    g_autofree guint *node_owner = g_new0(guint, cfg->nodes->len + 1);
    g_autoptr(GHashTable) hosts = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GHashTable) chassis = g_hash_table_new(NULL, NULL);

    if (cfg->smmus->len == 0) {
        return qf_vm_invalid(error, "smmus: the VM has no SMMU and so no GPU");
    }
    for (guint s = 0; s < cfg->smmus->len; s++) {
        const QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, s);
        g_autofree char *what = g_strdup_printf("smmus[%u]", s);

        if (!claim_id(ids, smmu->id, what, error) ||
            !claim_id(ids, smmu->bus, what, error) ||
            !validate_smmu_props(smmu, what, error)) {
            return FALSE;
        }
        if (!find_node(cfg, smmu->numa_node) ||
            !((QfVmNode *)find_node(cfg, smmu->numa_node))->cpus) {
            return qf_vm_invalid(error,
                                 "%s: numa-node %u is not a node with CPUs",
                                 what, smmu->numa_node);
        }
        if (smmu->gpus->len == 0) {
            return qf_vm_invalid(error, "%s: no GPUs behind it", what);
        }
        for (guint g = 0; g < smmu->gpus->len; g++) {
            const QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, g);
            g_autofree char *gwhat = g_strdup_printf("%s.gpus[%u]", what, g);
            if (!validate_gpu(cfg, gpu, gwhat, ids, node_owner, error)) {
                return FALSE;
            }
            if (!g_hash_table_add(hosts, gpu->host)) {
                return qf_vm_invalid(error,
                                     "%s: host %s is passed through twice",
                                     gwhat, gpu->host);
            }
            if (!g_hash_table_add(chassis, GUINT_TO_POINTER(gpu->chassis))) {
                return qf_vm_invalid(error, "%s: chassis %u is used twice",
                                     gwhat, gpu->chassis);
            }
        }
    }
    for (guint i = 0; i < cfg->nodes->len; i++) {
        const QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        if (!node->cpus && !node->memory && !node_owner[i]) {
            return qf_vm_invalid(error,
                                 "nodes[%u]: has neither CPUs nor memory "
                                 "and belongs to no GPU",
                                 i);
        }
    }
    return validate_bus_ranges(cfg, error);
}

/*
 * A full matrix: 10 on the diagonal, 11..255 elsewhere (Linux ignores a
 * SLIT with a remote distance of 10 or less).
 */
static gboolean validate_distances(const QfVmConfig *cfg, GError **error)
{
    guint n = cfg->nodes->len;

    if (cfg->distances->len == 0) {
        return TRUE;
    }
    if (cfg->distances->len != n * n) {
        return qf_vm_invalid(error, "distances: %u rows of %u needed, one "
                             "per node", n, n);
    }
    for (guint i = 0; i < n; i++) {
        for (guint j = 0; j < n; j++) {
            guint d = g_array_index(cfg->distances, guint, i * n + j);
            if (i == j ? d != 10 : (d <= 10 || d > 255)) {
                return qf_vm_invalid(error, "distances[%u][%u]: %u; a node's "
                                     "distance to itself is 10, to others "
                                     "11..255", i, j, d);
            }
        }
    }
    return TRUE;
}

gboolean qf_vmconfig_validate(const QfVmConfig *cfg, GError **error)
{
    g_autoptr(GHashTable) ids = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                      g_free, NULL);

    if (!validate_machine(cfg, error) || !validate_nodes(cfg, error) ||
        !validate_distances(cfg, error)) {
        return FALSE;
    }
    reserve_generated_ids(cfg, ids);
    g_hash_table_add(ids, g_strdup("pcie.0"));
    return claim_id(ids, cfg->iommufd, "iommufd", error) &&
           validate_smmus(cfg, ids, error);
}

