/*
 * qfork: the description of a Grace GPU passthrough VM, and the QEMU
 * command line for it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-vmconfig.h"
#include "qf-error.h"
#include "qf-json.h"

#include <errno.h>
#include <string.h>

#define MAX_PCI_BUS 255
#define HIGHMEM_RESERVE (1ULL << 30)    /* 64-bit BARs of other devices */

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

static QfVmConfig *new_config(void)
{
    QfVmConfig *cfg = g_new0(QfVmConfig, 1);

    cfg->accel = g_strdup("kvm");
    cfg->cpu = g_strdup("host");
    cfg->iommufd = g_strdup("iommufd0");
    cfg->highmem_mmio_size = QF_VM_MIN_HIGHMEM_MMIO;
    cfg->nodes = g_ptr_array_new_with_free_func(g_free);
    cfg->smmus = g_ptr_array_new_with_free_func((GDestroyNotify)free_smmu);
    return cfg;
}

void qf_vmconfig_free(QfVmConfig *cfg)
{
    if (!cfg) {
        return;
    }
    g_free(cfg->accel);
    g_free(cfg->cpu);
    g_free(cfg->iommufd);
    g_ptr_array_unref(cfg->nodes);
    g_ptr_array_unref(cfg->smmus);
    g_free(cfg);
}

static QfVmNode *add_node(QfVmConfig *cfg)
{
    QfVmNode *node = g_new0(QfVmNode, 1);

    node->id = cfg->nodes->len;
    node->egm_pxm = -1;
    node->host_node = -1;
    g_ptr_array_add(cfg->nodes, node);
    return node;
}

static QfVmSmmu *new_smmu(void)
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

static QfVmGpu *new_gpu(void)
{
    QfVmGpu *gpu = g_new0(QfVmGpu, 1);

    gpu->mem_nodes = g_array_new(FALSE, FALSE, sizeof(guint));
    gpu->egm_node = -1;
    return gpu;
}

/* ---- from a host topology --------------------------------------------- */

static gboolean check_topology(const QfTopology *topo, GError **error)
{
    if (topo->issues->len == 0) {
        return TRUE;
    }
    g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                "%s: inconsistent host data: %s%s", topo->root,
                (char *)g_ptr_array_index(topo->issues, 0),
                topo->issues->len > 1 ? " (and more: run `qfork doctor`)"
                                      : "");
    return FALSE;
}

static GPtrArray *select_gpus(const QfTopology *topo, const char *const *want,
                              GError **error)
{
    g_autoptr(GPtrArray) sel = g_ptr_array_new();

    if (!want || !want[0]) {
        for (guint i = 0; i < topo->gpus->len; i++) {
            g_ptr_array_add(sel, g_ptr_array_index(topo->gpus, i));
        }
    }
    for (guint i = 0; want && want[i]; i++) {
        const QfGpu *gpu = qf_topology_find_gpu(topo, want[i]);
        if (!gpu) {
            g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                        "GPU %s: no NVIDIA GPU with that PCI address under "
                        "%s/sys/bus/pci/devices", want[i], topo->root);
            return NULL;
        }
        if (g_ptr_array_find(sel, gpu, NULL)) {
            g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                        "GPU %s is selected twice", want[i]);
            return NULL;
        }
        g_ptr_array_add(sel, (gpointer)gpu);
    }
    if (sel->len == 0) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "%s: no NVIDIA GPU (vendor 0x10de, class 0x0300 or "
                    "0x0302) under sys/bus/pci/devices", topo->root);
        return NULL;
    }
    return g_steal_pointer(&sel);
}

static gboolean check_gpu_usable(const QfGpu *gpu, GError **error)
{
    const char *why = NULL;
    g_autofree char *msg = NULL;

    if (!gpu->driver) {
        why = msg = g_strdup("is not bound to any driver; bind it to "
                             "vfio-pci or nvgrace_gpu_vfio_pci");
    } else if (!qf_driver_is_vfio(gpu->driver)) {
        why = msg = g_strdup_printf("is bound to %s, not to vfio-pci or "
                                    "nvgrace_gpu_vfio_pci; rebind it (see "
                                    "`qfork doctor`)", gpu->driver);
    } else if (!gpu->vfio_cdev) {
        why = "has no vfio cdev (vfio-dev/vfio<N>); the host kernel needs "
              "CONFIG_VFIO_DEVICE_CDEV for iommufd";
    } else if (!gpu->vfio_cdev_node) {
        why = msg = g_strdup_printf("has no /dev/vfio/devices/%s",
                                    gpu->vfio_cdev);
    } else if (!gpu->smmu) {
        why = "is not behind an SMMUv3 (no iommu link)";
    } else if (gpu->mem_nodes->len != QF_GPU_MEM_NODES) {
        why = "has no GPU memory nodes";
    }
    if (why) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED, "GPU %s %s", gpu->bdf,
                    why);
        return FALSE;
    }
    return TRUE;
}

static int first_cpu_node(const QfTopology *topo)
{
    for (guint i = 0; i < topo->nodes->len; i++) {
        const QfNumaNode *node = g_ptr_array_index(topo->nodes, i);
        if (node->ncpus) {
            return (int)node->id;
        }
    }
    return -1;
}

/* The host node whose CPUs the GPU is attached to. */
static gboolean gpu_host_node(const QfTopology *topo, const QfGpu *gpu,
                              int *out, GError **error)
{
    int id = gpu->numa_node >= 0 ? gpu->numa_node : first_cpu_node(topo);
    const QfNumaNode *node = id >= 0 ? qf_topology_find_node(topo, (guint)id)
                                     : NULL;

    if (!node || !node->ncpus) {
        g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                    "GPU %s: host node %d has no CPUs to put beside it",
                    gpu->bdf, id);
        return FALSE;
    }
    *out = id;
    return TRUE;
}

/* One guest node with CPUs per host node that has selected GPUs. */
static gboolean add_cpu_nodes(QfVmConfig *cfg, const QfTopology *topo,
                              GPtrArray *gpus, GError **error)
{
    for (guint i = 0; i < topo->nodes->len; i++) {
        const QfNumaNode *hn = g_ptr_array_index(topo->nodes, i);
        int egm = -2;               /* not seen yet */
        const char *egm_gpu = NULL;

        for (guint j = 0; j < gpus->len; j++) {
            const QfGpu *gpu = g_ptr_array_index(gpus, j);
            int h;
            if (!gpu_host_node(topo, gpu, &h, error)) {
                return FALSE;
            }
            if (h != (int)hn->id) {
                continue;
            }
            if (egm != -2 && egm != gpu->egm_pxm) {
                g_set_error(error, QF_ERROR, QF_ERROR_FAILED,
                            "GPUs %s and %s on host node %u use different "
                            "EGM regions (%d and %d)", egm_gpu, gpu->bdf,
                            hn->id, egm, gpu->egm_pxm);
                return FALSE;
            }
            egm = gpu->egm_pxm;
            egm_gpu = gpu->bdf;
        }
        if (egm != -2) {
            QfVmNode *node = add_node(cfg);
            const QfEgm *region = egm >= 0 ? qf_topology_find_egm(topo,
                                                                  (guint)egm)
                                           : NULL;
            node->host_node = (int)hn->id;
            node->cpus = QF_VM_DEFAULT_NODE_CPUS;
            node->egm_pxm = egm;
            node->memory = region ? region->size : QF_VM_DEFAULT_NODE_MEMORY;
        }
    }
    return TRUE;
}

static guint guest_node_of_host(const QfVmConfig *cfg, int host_node)
{
    for (guint i = 0; i < cfg->nodes->len; i++) {
        const QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        if (node->host_node == host_node && node->cpus) {
            return node->id;
        }
    }
    g_assert_not_reached();
}

static QfVmSmmu *smmu_for(QfVmConfig *cfg, const char *host, guint numa_node)
{
    QfVmSmmu *smmu;
    guint n = cfg->smmus->len;

    for (guint i = 0; i < n; i++) {
        smmu = g_ptr_array_index(cfg->smmus, i);
        if (strcmp(smmu->host, host) == 0) {
            return smmu;
        }
    }
    smmu = new_smmu();
    smmu->id = g_strdup_printf("smmuv3.%u", n);
    smmu->host = g_strdup(host);
    smmu->bus = g_strdup_printf("pcie.%u", n + 1);
    smmu->bus_nr = (n + 1) * QF_VM_BUS_NR_STEP;
    smmu->numa_node = numa_node;
    g_ptr_array_add(cfg->smmus, smmu);
    return smmu;
}

static QfVmGpu *vm_gpu_for(QfVmConfig *cfg, const QfTopology *topo,
                           const QfGpu *hg, guint index)
{
    QfVmGpu *gpu = new_gpu();
    int host_node;

    gpu->id = g_strdup_printf("gpu%u", index);
    gpu->host = g_ascii_strdown(hg->bdf, -1);
    gpu->port = g_strdup_printf("rp%u", index);
    gpu->chassis = index + 1;
    gpu_host_node(topo, hg, &host_node, NULL);
    if (hg->egm_pxm >= 0) {
        gpu->egm_node = (int)guest_node_of_host(cfg, host_node);
    }
    return gpu;
}

/*
 * Root complexes in the order of their first GPU, the GPUs behind each
 * in BDF order; the devices are numbered in that (command-line) order and
 * then get their memory nodes in the same order.
 */
static void add_gpus(QfVmConfig *cfg, const QfTopology *topo, GPtrArray *gpus)
{
    g_autofree QfVmSmmu **owner = g_new0(QfVmSmmu *, gpus->len);
    guint ngpus = 0;

    for (guint i = 0; i < gpus->len; i++) {
        const QfGpu *hg = g_ptr_array_index(gpus, i);
        int host_node;

        gpu_host_node(topo, hg, &host_node, NULL);
        owner[i] = smmu_for(cfg, hg->smmu, guest_node_of_host(cfg, host_node));
    }
    for (guint s = 0; s < cfg->smmus->len; s++) {
        QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, s);
        for (guint i = 0; i < gpus->len; i++) {
            if (owner[i] == smmu) {
                g_ptr_array_add(smmu->gpus,
                                vm_gpu_for(cfg, topo,
                                           g_ptr_array_index(gpus, i),
                                           ngpus++));
            }
        }
    }
    for (guint s = 0; s < cfg->smmus->len; s++) {
        QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, s);
        for (guint g = 0; g < smmu->gpus->len; g++) {
            QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, g);
            for (guint k = 0; k < QF_GPU_MEM_NODES; k++) {
                guint id = add_node(cfg)->id;
                g_array_append_val(gpu->mem_nodes, id);
            }
        }
    }
}

static gint compare_gpu_bdf(gconstpointer a, gconstpointer b)
{
    return g_ascii_strcasecmp((*(QfGpu *const *)a)->bdf,
                              (*(QfGpu *const *)b)->bdf);
}

/*
 * Each GPU's BARs, each a power of two, pack into a power-of-two window;
 * the windows of all GPUs plus room for other devices' 64-bit BARs,
 * rounded up to a power of two as virt requires.
 */
static guint64 highmem_for(GPtrArray *gpus)
{
    guint64 total = HIGHMEM_RESERVE;

    for (guint i = 0; i < gpus->len; i++) {
        total += qf_pow2_ceil(qf_gpu_bar_space(g_ptr_array_index(gpus, i)));
    }
    return MAX(qf_pow2_ceil(total), QF_VM_MIN_HIGHMEM_MMIO);
}

QfVmConfig *qf_vmconfig_from_topology(const QfTopology *topo,
                                      const char *const *want,
                                      GError **error)
{
    g_autoptr(QfVmConfig) cfg = NULL;
    g_autoptr(GPtrArray) gpus = NULL;

    if (!check_topology(topo, error)) {
        return NULL;
    }
    gpus = select_gpus(topo, want, error);
    if (!gpus) {
        return NULL;
    }
    for (guint i = 0; i < gpus->len; i++) {
        if (!check_gpu_usable(g_ptr_array_index(gpus, i), error)) {
            return NULL;
        }
    }
    g_ptr_array_sort(gpus, compare_gpu_bdf);
    cfg = new_config();
    if (!add_cpu_nodes(cfg, topo, gpus, error)) {
        return NULL;
    }
    add_gpus(cfg, topo, gpus);
    cfg->highmem_mmio_size = highmem_for(gpus);
    if (!qf_vmconfig_validate(cfg, error)) {
        return NULL;
    }
    return g_steal_pointer(&cfg);
}

/* ---- validation ------------------------------------------------------- */

G_GNUC_PRINTF(2, 3)
static gboolean invalid(GError **error, const char *fmt, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, fmt);
    msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, QF_ERROR, QF_ERROR_PARSE, msg);
    return FALSE;
}

static gboolean valid_on_off_auto(const char *v)
{
    return !g_strcmp0(v, "on") || !g_strcmp0(v, "off") ||
           !g_strcmp0(v, "auto");
}

/* QEMU's SMMUv3 model implements OAS auto, 44 and 48 only. */
static gboolean valid_oas(const char *v)
{
    return !g_strcmp0(v, "auto") || !g_strcmp0(v, "44") ||
           !g_strcmp0(v, "48");
}

/* SsidSizeMode: auto or 0..20 bits. */
static gboolean valid_ssidsize(const char *v)
{
    guint64 n;

    return !g_strcmp0(v, "auto") ||
           (v && g_ascii_string_to_unsigned(v, 10, 0, 20, &n, NULL));
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
        return invalid(error, "%s: '%s' is not a valid QEMU id (a letter, "
                       "then letters, digits, '-', '.' or '_')", what,
                       id ? id : "");
    }
    if (!g_hash_table_add(ids, g_strdup(id))) {
        return invalid(error, "%s: id '%s' is already used (or is one the "
                       "command line generates: mem<N>, gi<N>, egm<N>)",
                       what, id);
    }
    return TRUE;
}

static gboolean validate_machine(const QfVmConfig *cfg, GError **error)
{
    g_autofree char *min = qf_format_size(QF_VM_MIN_HIGHMEM_MMIO);

    if (g_strcmp0(cfg->accel, "kvm") && g_strcmp0(cfg->accel, "tcg")) {
        return invalid(error, "machine.accel: '%s' is not kvm or tcg",
                       cfg->accel ? cfg->accel : "");
    }
    if (!valid_id(cfg->cpu)) {
        return invalid(error, "machine.cpu: '%s' is not a CPU model name",
                       cfg->cpu ? cfg->cpu : "");
    }
    if (!is_pow2(cfg->highmem_mmio_size) ||
        cfg->highmem_mmio_size < QF_VM_MIN_HIGHMEM_MMIO) {
        return invalid(error, "machine.highmem-mmio-size: must be a power "
                       "of two of at least %s (virt's default)", min);
    }
    return TRUE;
}

static gboolean validate_nodes(const QfVmConfig *cfg, GError **error)
{
    guint cpus = 0;
    gboolean memless_seen = FALSE;

    if (cfg->nodes->len == 0) {
        return invalid(error, "nodes: the VM has no NUMA nodes");
    }
    for (guint i = 0; i < cfg->nodes->len; i++) {
        const QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        if (node->id != i) {
            return invalid(error, "nodes[%u]: id %u, expected %u (nodes are "
                           "numbered from 0 in order)", i, node->id, i);
        }
        if (node->cpus && !node->memory) {
            return invalid(error, "nodes[%u]: a node with CPUs needs memory",
                           i);
        }
        if (node->egm_pxm >= 0 && !node->memory) {
            return invalid(error, "nodes[%u]: EGM %d but no memory size", i,
                           node->egm_pxm);
        }
        if (node->cpus && memless_seen) {
            return invalid(error, "nodes[%u]: nodes with CPUs must come "
                           "before the GPU memory nodes (the guest reads "
                           "SRAT in that order)", i);
        }
        memless_seen = memless_seen || !node->cpus;
        cpus += node->cpus;
    }
    if (cpus == 0 || cpus > 512) {
        return invalid(error, "nodes: %u vCPUs in all; virt with GICv3 "
                       "takes 1 to 512", cpus);
    }
    return TRUE;
}

static gboolean validate_smmu_props(const QfVmSmmu *smmu, const char *what,
                                    GError **error)
{
    if (!valid_on_off_auto(smmu->ats) || !valid_on_off_auto(smmu->ril) ||
        !valid_on_off_auto(smmu->cmdqv)) {
        return invalid(error, "%s: ats, ril and cmdqv take on, off or auto",
                       what);
    }
    if (!valid_oas(smmu->oas)) {
        return invalid(error, "%s: oas '%s': QEMU's SMMUv3 implements auto, "
                       "44 and 48", what, smmu->oas ? smmu->oas : "");
    }
    if (!valid_ssidsize(smmu->ssidsize)) {
        return invalid(error, "%s: ssidsize '%s' is not auto or 0..20", what,
                       smmu->ssidsize ? smmu->ssidsize : "");
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
        return invalid(error, "%s: host '%s' is not a PCI address such as "
                       "0009:01:00.0", what, gpu->host ? gpu->host : "");
    }
    if (gpu->chassis < 1 || gpu->chassis > 255) {
        return invalid(error, "%s: chassis %u is not 1..255", what,
                       gpu->chassis);
    }
    if (gpu->mem_nodes->len != QF_GPU_MEM_NODES) {
        return invalid(error, "%s: a Grace GPU has %d memory nodes, got %u",
                       what, QF_GPU_MEM_NODES, gpu->mem_nodes->len);
    }
    for (guint n = 0; n < gpu->mem_nodes->len; n++) {
        guint id = g_array_index(gpu->mem_nodes, guint, n);
        const QfVmNode *node = find_node(cfg, id);
        if (!node) {
            return invalid(error, "%s: memory node %u is not defined", what,
                           id);
        }
        if (node->cpus || node->memory) {
            return invalid(error, "%s: memory node %u has CPUs or memory; "
                           "GPU memory nodes have neither", what, id);
        }
        if (node_owner[id]) {
            return invalid(error, "%s: memory node %u already belongs to "
                           "another GPU", what, id);
        }
        node_owner[id] = 1;
    }
    if (gpu->egm_node >= 0) {
        const QfVmNode *node = find_node(cfg, (guint)gpu->egm_node);
        if (!node || node->egm_pxm < 0) {
            return invalid(error, "%s: egm-node %d is not a node backed by "
                           "EGM", what, gpu->egm_node);
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
            return invalid(error, "smmus[%u]: bus-nr %u with %u root ports "
                           "does not fit in buses 1..%d", s, smmu->bus_nr,
                           smmu->gpus->len, MAX_PCI_BUS);
        }
        for (guint b = smmu->bus_nr; b <= last; b++) {
            g_array_append_val(used, b);
        }
    }
    g_array_sort(used, compare_uint);
    for (guint i = 1; i < used->len; i++) {
        if (g_array_index(used, guint, i) == g_array_index(used, guint, i - 1)) {
            return invalid(error, "smmus: the bus ranges of two root "
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
        return invalid(error, "smmus: the VM has no SMMU and so no GPU");
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
            return invalid(error, "%s: numa-node %u is not a node with CPUs",
                           what, smmu->numa_node);
        }
        if (smmu->gpus->len == 0) {
            return invalid(error, "%s: no GPUs behind it", what);
        }
        for (guint g = 0; g < smmu->gpus->len; g++) {
            const QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, g);
            g_autofree char *gwhat = g_strdup_printf("%s.gpus[%u]", what, g);
            if (!validate_gpu(cfg, gpu, gwhat, ids, node_owner, error)) {
                return FALSE;
            }
            if (!g_hash_table_add(hosts, gpu->host)) {
                return invalid(error, "%s: host %s is passed through twice",
                               gwhat, gpu->host);
            }
            if (!g_hash_table_add(chassis, GUINT_TO_POINTER(gpu->chassis))) {
                return invalid(error, "%s: chassis %u is used twice", gwhat,
                               gpu->chassis);
            }
        }
    }
    for (guint i = 0; i < cfg->nodes->len; i++) {
        const QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        if (!node->cpus && !node->memory && !node_owner[i]) {
            return invalid(error, "nodes[%u]: has neither CPUs nor memory "
                           "and belongs to no GPU", i);
        }
    }
    return validate_bus_ranges(cfg, error);
}

gboolean qf_vmconfig_validate(const QfVmConfig *cfg, GError **error)
{
    g_autoptr(GHashTable) ids = g_hash_table_new_full(g_str_hash, g_str_equal,
                                                      g_free, NULL);

    if (!validate_machine(cfg, error) || !validate_nodes(cfg, error)) {
        return FALSE;
    }
    reserve_generated_ids(cfg, ids);
    g_hash_table_add(ids, g_strdup("pcie.0"));
    return claim_id(ids, cfg->iommufd, "iommufd", error) &&
           validate_smmus(cfg, ids, error);
}

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
    g_string_append_printf(out, " }%s\n", last ? "" : ",");
}

static void write_gpu(GString *out, const QfVmGpu *gpu, gboolean last)
{
    g_string_append(out, "        {\n");
    json_str(out, 10, "id", gpu->id, FALSE);
    json_str(out, 10, "host", gpu->host, FALSE);
    json_str(out, 10, "port", gpu->port, FALSE);
    json_uint(out, 10, "chassis", gpu->chassis, FALSE);
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

char *qf_vmconfig_to_json(const QfVmConfig *cfg)
{
    GString *out = g_string_new("{\n");

    json_uint(out, 2, "qfork-vm", QF_VM_FORMAT_VERSION, FALSE);
    g_string_append(out, "  \"machine\": {\n");
    json_str(out, 4, "type", "virt", FALSE);
    json_str(out, 4, "accel", cfg->accel, FALSE);
    json_str(out, 4, "cpu", cfg->cpu, FALSE);
    json_uint(out, 4, "gic-version", 3, FALSE);
    json_size(out, 4, "highmem-mmio-size", cfg->highmem_mmio_size, TRUE);
    g_string_append(out, "  },\n");
    json_str(out, 2, "iommufd", cfg->iommufd, FALSE);
    g_string_append(out, "  \"nodes\": [\n");
    for (guint i = 0; i < cfg->nodes->len; i++) {
        write_node(out, g_ptr_array_index(cfg->nodes, i),
                   i + 1 == cfg->nodes->len);
    }
    g_string_append(out, "  ],\n  \"smmus\": [\n");
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
        "type", "accel", "cpu", "gic-version", "highmem-mmio-size", NULL,
    };
    g_autofree char *type = NULL;
    guint gic = 3;

    if (!json_check_keys(in, m, "machine", known) ||
        !json_str_member(in, m, "machine", "type", FALSE, &type) ||
        !json_str_member(in, m, "machine", "accel", FALSE, &cfg->accel) ||
        !json_str_member(in, m, "machine", "cpu", FALSE, &cfg->cpu) ||
        !json_uint_member(in, m, "machine", "gic-version", 255, FALSE, &gic) ||
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
        "id", "cpus", "memory", "egm", "host-node", NULL,
    };
    g_autofree char *path = g_strdup_printf("nodes[%u]", index);
    QfVmNode *node = add_node(cfg);
    guint egm = G_MAXUINT, host = G_MAXUINT;

    if (!json_check_keys(in, j, path, known) ||
        !json_uint_member(in, j, path, "id", 65535, TRUE, &node->id) ||
        !json_uint_member(in, j, path, "cpus", 4096, FALSE, &node->cpus) ||
        !json_size_member(in, j, path, "memory", FALSE, &node->memory) ||
        !json_uint_member(in, j, path, "egm", 65535, FALSE, &egm) ||
        !json_uint_member(in, j, path, "host-node", 65535, FALSE, &host)) {
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
        "id", "host", "port", "chassis", "memory-nodes", "egm-node", NULL,
    };
    QfVmGpu *gpu = new_gpu();
    const QfJson *nodes;
    guint egm = G_MAXUINT;
    gboolean ok;

    g_ptr_array_add(smmu->gpus, gpu);
    if (!json_check_keys(in, j, path, known) ||
        !json_str_member(in, j, path, "id", TRUE, &gpu->id) ||
        !json_str_member(in, j, path, "host", TRUE, &gpu->host) ||
        !json_str_member(in, j, path, "port", TRUE, &gpu->port) ||
        !json_uint_member(in, j, path, "chassis", 255, TRUE, &gpu->chassis) ||
        !json_uint_member(in, j, path, "egm-node", 65535, FALSE, &egm)) {
        return FALSE;
    }
    gpu->egm_node = egm == G_MAXUINT ? -1 : (int)egm;
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
    QfVmSmmu *smmu = new_smmu();
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

static gboolean read_config(JsonIn *in, const QfJson *root, QfVmConfig *cfg)
{
    static const char *const known[] = {
        "qfork-vm", "machine", "iommufd", "nodes", "smmus", NULL,
    };
    const QfJson *machine, *nodes, *smmus;
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
    return TRUE;
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
    cfg = new_config();
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

/* ---- overrides -------------------------------------------------------- */

static const char *const override_keys =
    "smmu.ats, smmu.ril, smmu.cmdqv, smmu.oas, smmu.ssidsize, smmu<N>.<prop>, "
    "node.cpus, node.memory, egm, machine.highmem-mmio-size";

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
        return valid_oas(value);
    } else if (!strcmp(prop, "ssidsize")) {
        return valid_ssidsize(value);
    }
    return valid_on_off_auto(value);
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
            return invalid(error, "'%s': the VM has %u SMMU(s), smmu0 to "
                           "smmu%u", key, cfg->smmus->len,
                           cfg->smmus->len - 1);
        }
        first = (guint)n;
        last = first + 1;
    }
    if (!smmu_prop(g_ptr_array_index(cfg->smmus, 0), prop)) {
        return invalid(error, "'%s': unknown SMMU property '%s' (ats, ril, "
                       "cmdqv, oas, ssidsize)", key, prop);
    }
    if (!smmu_value_ok(prop, value)) {
        return invalid(error, "'%s=%s': %s takes %s", key, value, prop,
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
        return invalid(error, "'%s=%s': not a vCPU count 1..512", key, value);
    }
    if (!cpus && (!qf_parse_size(value, &n, &err) || n == 0)) {
        return invalid(error, "'%s=%s': %s", key, value,
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

static gboolean apply_override(QfVmConfig *cfg, const char *key,
                               const char *value, GError **error)
{
    g_autoptr(GError) err = NULL;

    if (!strcmp(key, "egm")) {
        if (strcmp(value, "off") != 0) {
            return invalid(error, "'egm=%s': only egm=off is supported",
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
            return invalid(error, "'%s': %s", key, err->message);
        }
        return TRUE;
    }
    return invalid(error, "unknown key '%s' (known: %s)", key, override_keys);
}

static QfVmConfig *copy_config(const QfVmConfig *cfg)
{
    g_autofree char *json = qf_vmconfig_to_json(cfg);
    g_autoptr(GError) err = NULL;
    QfVmConfig *copy = new_config();
    g_autoptr(QfJson) root = qf_json_parse(json, strlen(json), "copy", &err);
    JsonIn in = { .name = "copy", .error = &err };

    g_assert(root);
    if (!read_config(&in, root, copy)) {
        g_error("copy of a VM description does not read back: %s",
                err->message);
    }
    return copy;
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
    copy = copy_config(cfg);
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

/* ---- the QEMU command line -------------------------------------------- */

G_GNUC_PRINTF(3, 4)
static void add_opt(GPtrArray *argv, const char *opt, const char *fmt, ...)
{
    va_list ap;

    g_ptr_array_add(argv, g_strdup(opt));
    va_start(ap, fmt);
    g_ptr_array_add(argv, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* A node's memory on the command line: --emulate may shrink it for TCG. */
static guint64 node_memory(const QfVmNode *node, const QfVmArgvOptions *opts)
{
    if (opts->emulate && opts->emulate_memory && node->memory) {
        return opts->emulate_memory;
    }
    return node->memory;
}

/*
 * One socket per CPU node when they are all the same size, so that the
 * guest does not see a socket split across NUMA nodes.
 */
static void add_smp(GPtrArray *argv, const QfVmConfig *cfg, guint cpus)
{
    guint sockets = 0, per = 0;

    for (guint i = 0; i < cfg->nodes->len; i++) {
        const QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        if (!node->cpus) {
            continue;
        }
        if (per && node->cpus != per) {
            add_opt(argv, "-smp", "%u", cpus);
            return;
        }
        per = node->cpus;
        sockets++;
    }
    add_opt(argv, "-smp", "%u,sockets=%u,cores=%u,threads=1", cpus, sockets,
            per);
}

static void add_machine(GPtrArray *argv, const QfVmConfig *cfg,
                        const QfVmArgvOptions *opts)
{
    g_autofree char *mmio = qf_format_size(cfg->highmem_mmio_size);
    guint cpus = 0;
    guint64 memory = 0;
    g_autofree char *mem = NULL;

    for (guint i = 0; i < cfg->nodes->len; i++) {
        const QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        cpus += node->cpus;
        memory += node_memory(node, opts);
    }
    mem = qf_format_size(memory);
    if (opts->emulate) {
        add_opt(argv, "-machine", "virt,gic-version=3,highmem-mmio-size=%s",
                mmio);
        add_opt(argv, "-accel", "tcg");
    } else {
        add_opt(argv, "-machine",
                "virt,accel=%s,gic-version=3,highmem-mmio-size=%s",
                cfg->accel, mmio);
    }
    add_opt(argv, "-cpu", "%s", opts->emulate ? "max" : cfg->cpu);
    add_smp(argv, cfg, cpus);
    add_opt(argv, "-m", "%s", mem);
    if (!opts->emulate) {
        add_opt(argv, "-object", "iommufd,id=%s", cfg->iommufd);
    }
}

static void add_numa(GPtrArray *argv, const QfVmConfig *cfg,
                     const QfVmArgvOptions *opts)
{
    guint cpu = 0;

    for (guint i = 0; i < cfg->nodes->len; i++) {
        const QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        g_autofree char *size = qf_format_size(node_memory(node, opts));

        if (!node->memory) {
            continue;
        }
        if (node->egm_pxm >= 0 && !opts->emulate) {
            add_opt(argv, "-object", "memory-backend-file,id=mem%u,size=%s,"
                    "mem-path=/dev/egm%d,share=on", node->id, size,
                    node->egm_pxm);
        } else {
            add_opt(argv, "-object", "memory-backend-ram,id=mem%u,size=%s",
                    node->id, size);
        }
    }
    for (guint i = 0; i < cfg->nodes->len; i++) {
        const QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        g_autoptr(GString) s = g_string_new(NULL);

        g_string_printf(s, "node,nodeid=%u", node->id);
        if (node->cpus) {
            g_string_append_printf(s, ",cpus=%u-%u", cpu,
                                   cpu + node->cpus - 1);
            cpu += node->cpus;
        }
        if (node->memory) {
            g_string_append_printf(s, ",memdev=mem%u", node->id);
        }
        add_opt(argv, "-numa", "%s", s->str);
    }
}

static void add_smmu(GPtrArray *argv, const QfVmConfig *cfg,
                     const QfVmSmmu *smmu, const QfVmArgvOptions *opts)
{
    g_autoptr(GString) s = g_string_new(NULL);
    const char *names[] = { "ats", "ril", "ssidsize", "oas", "cmdqv" };
    const char *values[] = {
        smmu->ats, smmu->ril, smmu->ssidsize, smmu->oas, smmu->cmdqv,
    };

    add_opt(argv, "-device", "pxb-pcie,id=%s,bus_nr=%u,bus=pcie.0,"
            "numa_node=%u", smmu->bus, smmu->bus_nr, smmu->numa_node);
    g_string_printf(s, "arm-smmuv3,id=%s,primary-bus=%s,accel=%s", smmu->id,
                    smmu->bus, opts->emulate ? "off" : "on");
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        if (strcmp(values[i], "auto") != 0) {
            g_string_append_printf(s, ",%s=%s", names[i], values[i]);
        }
    }
    add_opt(argv, "-device", "%s", s->str);
    for (guint g = 0; g < smmu->gpus->len; g++) {
        const QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, g);
        add_opt(argv, "-device", "pcie-root-port,id=%s,bus=%s,chassis=%u,"
                "io-reserve=0", gpu->port, smmu->bus, gpu->chassis);
        if (opts->emulate) {
            add_opt(argv, "-device", "%s,id=%s,bus=%s",
                    opts->emulate_device ? opts->emulate_device
                                         : "pci-testdev",
                    gpu->id, gpu->port);
        } else {
            add_opt(argv, "-device", "vfio-pci,id=%s,host=%s,bus=%s,"
                    "iommufd=%s", gpu->id, gpu->host, gpu->port,
                    cfg->iommufd);
        }
    }
}

/* GI objects in node order per GPU: the order SRAT must keep. */
static void add_acpi_objects(GPtrArray *argv, const QfVmConfig *cfg)
{
    guint gi = 0, k = 0;

    for (guint s = 0; s < cfg->smmus->len; s++) {
        const QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, s);
        for (guint g = 0; g < smmu->gpus->len; g++) {
            const QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, g);
            for (guint n = 0; n < gpu->mem_nodes->len; n++) {
                add_opt(argv, "-object", "acpi-generic-initiator,id=gi%u,"
                        "pci-dev=%s,node=%u", gi++, gpu->id,
                        g_array_index(gpu->mem_nodes, guint, n));
            }
        }
    }
    for (guint s = 0; s < cfg->smmus->len; s++) {
        const QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, s);
        for (guint g = 0; g < smmu->gpus->len; g++, k++) {
            const QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, g);
            if (gpu->egm_node >= 0) {
                add_opt(argv, "-object", "acpi-egm-memory,id=egm%u,"
                        "pci-dev=%s,node=%d", k, gpu->id, gpu->egm_node);
            }
        }
    }
}

GStrv qf_vmconfig_argv(const QfVmConfig *cfg, const QfVmArgvOptions *opts)
{
    static const QfVmArgvOptions defaults = { 0 };
    GPtrArray *argv = g_ptr_array_new();

    opts = opts ? opts : &defaults;
    g_ptr_array_add(argv, g_strdup(opts->qemu ? opts->qemu
                                              : "qemu-system-aarch64"));
    add_machine(argv, cfg, opts);
    add_numa(argv, cfg, opts);
    for (guint s = 0; s < cfg->smmus->len; s++) {
        add_smmu(argv, cfg, g_ptr_array_index(cfg->smmus, s), opts);
    }
    add_acpi_objects(argv, cfg);
    g_ptr_array_add(argv, NULL);
    return (GStrv)g_ptr_array_free(argv, FALSE);
}

static char *shell_word(const char *word)
{
    for (const char *p = word; *p; p++) {
        if (!g_ascii_isalnum(*p) && !strchr("-_.,=:/+@%", *p)) {
            return g_shell_quote(word);
        }
    }
    return *word ? g_strdup(word) : g_shell_quote(word);
}

char *qf_argv_to_shell(const char *const *argv)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; argv[i]; i++) {
        g_autofree char *w = shell_word(argv[i]);
        gboolean option = argv[i][0] == '-' && i > 0;

        if (option) {
            g_string_append(out, " \\\n    ");
        } else if (i > 0) {
            g_string_append_c(out, ' ');
        }
        g_string_append(out, w);
    }
    g_string_append_c(out, '\n');
    return g_string_free(out, FALSE);
}
