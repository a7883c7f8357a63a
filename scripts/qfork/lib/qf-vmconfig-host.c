/*
 * qfork: a VM description from a host's topology (qf_vmconfig_from_topology).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-vmconfig-priv.h"
#include "qf-error.h"

#include <string.h>

#define HIGHMEM_RESERVE (1ULL << 30)    /* 64-bit BARs of other devices */
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

/* ---- EGM: per socket, per compute tray ------------------------------- */

static gboolean in_array(GPtrArray *a, gconstpointer p)
{
    return g_ptr_array_find(a, p, NULL);
}

/* Two GPUs of one socket with different regions, or one without. */
static char *socket_egm_conflict(const QfTopology *topo)
{
    for (guint i = 0; i < topo->gpus->len; i++) {
        const QfGpu *a = g_ptr_array_index(topo->gpus, i);
        for (guint j = i + 1; j < topo->gpus->len; j++) {
            const QfGpu *b = g_ptr_array_index(topo->gpus, j);
            if (a->numa_node != b->numa_node || a->egm_pxm == b->egm_pxm) {
                continue;
            }
            if (a->egm_pxm < 0 || b->egm_pxm < 0) {
                const QfGpu *with = a->egm_pxm >= 0 ? a : b;
                return g_strdup_printf(
                    "GPU %s on host node %d has no EGM region while GPU %s "
                    "there uses EGM %d; EGM is one region per socket",
                    with == a ? b->bdf : a->bdf, a->numa_node, with->bdf,
                    with->egm_pxm);
            }
            return g_strdup_printf("GPUs %s and %s on host node %d use "
                                   "different EGM regions (%d and %d); EGM "
                                   "is one region per socket", a->bdf, b->bdf,
                                   a->numa_node, a->egm_pxm, b->egm_pxm);
        }
    }
    return NULL;
}

/* The tray's GPUs (those with EGM) that @gpus lacks, and why each. */
static char *tray_missing(const QfTopology *topo, GPtrArray *gpus,
                          guint *ntray)
{
    g_autoptr(GString) missing = g_string_new(NULL);

    *ntray = 0;
    for (guint i = 0; i < topo->gpus->len; i++) {
        const QfGpu *gpu = g_ptr_array_index(topo->gpus, i);
        if (gpu->egm_pxm < 0) {
            continue;
        }
        (*ntray)++;
        if (in_array(gpus, gpu)) {
            continue;
        }
        g_string_append_printf(missing, "%s%s", missing->len ? ", " : "",
                               gpu->bdf);
        if (!qf_driver_is_vfio(gpu->driver)) {
            g_string_append_printf(missing, " (on the host driver %s)",
                                   gpu->driver ? gpu->driver : "none");
        }
    }
    return missing->len ? g_string_free(g_steal_pointer(&missing), FALSE)
                        : NULL;
}

QfVmEgm qf_vm_egm_check(const QfTopology *topo, GPtrArray *gpus, char **why)
{
    g_autofree char *missing = NULL;
    guint ntray;

    *why = NULL;
    if (topo->egms->len == 0) {
        return QF_VM_EGM_NONE;
    }
    if ((*why = socket_egm_conflict(topo))) {
        return QF_VM_EGM_BROKEN;
    }
    for (guint i = 0; i < gpus->len; i++) {
        const QfGpu *gpu = g_ptr_array_index(gpus, i);
        const QfEgm *egm = gpu->egm_pxm >= 0
                               ? qf_topology_find_egm(topo, (guint)gpu->egm_pxm)
                               : NULL;
        if (gpu->egm_pxm < 0) {
            *why = g_strdup_printf("GPU %s uses no EGM region, the host's "
                                   "other GPUs do", gpu->bdf);
            return QF_VM_EGM_BROKEN;
        }
        if (!egm || !egm->dev_node || !egm->size) {
            *why = g_strdup_printf("/dev/egm%d is missing or its size "
                                   "unknown (modprobe nvgrace_egm)",
                                   gpu->egm_pxm);
            return QF_VM_EGM_BROKEN;
        }
    }
    missing = tray_missing(topo, gpus, &ntray);
    if (missing) {
        *why = g_strdup_printf("EGM is per compute tray: all %u GPUs that "
                               "use it go into one VM, and this one lacks %s",
                               ntray, missing);
        return QF_VM_EGM_PARTIAL;
    }
    return QF_VM_EGM_OK;
}

/* ---- guest nodes with CPUs and their memory --------------------------- */

const QfHugetlbfs *qf_vm_hugepages_for(const QfTopology *topo,
                                       const QfNumaNode *hn, guint64 bytes,
                                       char **short_of)
{
    const QfHugetlbfs *best = NULL;

    for (guint i = 0; i < topo->hugetlbfs->len; i++) {
        const QfHugetlbfs *fs = g_ptr_array_index(topo->hugetlbfs, i);
        guint64 free = fs->page_size ? qf_node_free_hugepages(hn, fs->page_size)
                                     : 0;
        if (!free) {
            continue;
        }
        if (bytes % fs->page_size || free < bytes / fs->page_size) {
            g_autofree char *ps = qf_format_size(fs->page_size);
            g_autofree char *need = qf_format_size(bytes);
            g_free(*short_of);
            *short_of = g_strdup_printf(
                "host node %u has %" G_GUINT64_FORMAT " free %s pages (%s), "
                "too few for the guest node's %s", hn->id, free, ps, fs->path,
                need);
            continue;
        }
        if (!best || fs->page_size > best->page_size) {
            best = fs;
        }
    }
    return best;
}

static void add_node_memory(QfVmConfig *cfg, const QfTopology *topo,
                            const QfNumaNode *hn, QfVmNode *node, int egm)
{
    const QfEgm *region = egm >= 0 ? qf_topology_find_egm(topo, (guint)egm)
                                   : NULL;
    g_autofree char *short_of = NULL;
    const QfHugetlbfs *fs;

    node->egm_pxm = egm;
    if (region) {
        node->memory = region->size;
        return;
    }
    node->memory = QF_VM_DEFAULT_NODE_MEMORY;
    fs = qf_vm_hugepages_for(topo, hn, node->memory, &short_of);
    if (fs) {
        node->hugepages = g_strdup(fs->path);
    } else if (short_of) {
        g_ptr_array_add(cfg->warnings, g_strdup_printf(
            "hugepages: %s; guest node %u is plain RAM", short_of, node->id));
    }
}

/* One guest node with CPUs per host node that has selected GPUs. */
static gboolean add_cpu_nodes(QfVmConfig *cfg, const QfTopology *topo,
                              GPtrArray *gpus, gboolean use_egm,
                              GError **error)
{
    for (guint i = 0; i < topo->nodes->len; i++) {
        const QfNumaNode *hn = g_ptr_array_index(topo->nodes, i);
        int egm = -2;               /* no selected GPU here yet */

        for (guint j = 0; j < gpus->len; j++) {
            const QfGpu *gpu = g_ptr_array_index(gpus, j);
            int h;
            if (!gpu_host_node(topo, gpu, &h, error)) {
                return FALSE;
            }
            if (h == (int)hn->id) {
                egm = use_egm ? gpu->egm_pxm : -1;
            }
        }
        if (egm != -2) {
            QfVmNode *node = qf_vm_node_add(cfg);
            node->host_node = (int)hn->id;
            node->cpus = QF_VM_DEFAULT_NODE_CPUS;
            add_node_memory(cfg, topo, hn, node, egm);
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

/* ---- GPUs ---------------------------------------------------------------- */

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
    smmu = qf_vm_smmu_new();
    smmu->id = g_strdup_printf("smmuv3.%u", n);
    smmu->host = g_strdup(host);
    smmu->bus = g_strdup_printf("pcie.%u", n + 1);
    smmu->bus_nr = (n + 1) * QF_VM_BUS_NR_STEP;
    smmu->numa_node = numa_node;
    /* what the accelerated SMMUv3 series, kata and kubevirt-aie set */
    g_free(smmu->ats);
    smmu->ats = g_strdup("on");
    g_free(smmu->ril);
    smmu->ril = g_strdup("off");
    g_free(smmu->ssidsize);
    smmu->ssidsize = g_strdup("20");
    g_free(smmu->oas);
    smmu->oas = g_strdup("48");
    g_free(smmu->cmdqv);
    smmu->cmdqv = g_strdup("on");
    g_ptr_array_add(cfg->smmus, smmu);
    return smmu;
}

static QfVmGpu *vm_gpu_for(QfVmConfig *cfg, const QfTopology *topo,
                           const QfGpu *hg, guint index, gboolean use_egm)
{
    QfVmGpu *gpu = qf_vm_gpu_new();
    int host_node;

    gpu->id = g_strdup_printf("gpu%u", index);
    gpu->host = g_ascii_strdown(hg->bdf, -1);
    gpu->port = g_strdup_printf("rp%u", index);
    gpu->chassis = index + 1;
    g_free(gpu->device);
    gpu->device = g_strdup("vfio-pci-nohotplug");
    gpu->rombar = 0;
    gpu_host_node(topo, hg, &host_node, NULL);
    if (use_egm && hg->egm_pxm >= 0) {
        gpu->egm_node = (int)guest_node_of_host(cfg, host_node);
    }
    return gpu;
}

/*
 * Root complexes in the order of their first GPU, the GPUs behind each
 * in BDF order; the devices are numbered in that (command-line) order and
 * then get their memory nodes in the same order.  Returns the host GPUs
 * in that order.
 */
static GPtrArray *add_gpus(QfVmConfig *cfg, const QfTopology *topo,
                           GPtrArray *gpus, gboolean use_egm)
{
    g_autofree QfVmSmmu **owner = g_new0(QfVmSmmu *, gpus->len);
    GPtrArray *order = g_ptr_array_new();

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
                const QfGpu *hg = g_ptr_array_index(gpus, i);
                g_ptr_array_add(smmu->gpus, vm_gpu_for(cfg, topo, hg,
                                                       order->len, use_egm));
                g_ptr_array_add(order, (gpointer)hg);
            }
        }
    }
    for (guint s = 0; s < cfg->smmus->len; s++) {
        QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, s);
        for (guint g = 0; g < smmu->gpus->len; g++) {
            QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, g);
            for (guint k = 0; k < QF_GPU_MEM_NODES; k++) {
                guint id = qf_vm_node_add(cfg)->id;
                g_array_append_val(gpu->mem_nodes, id);
            }
        }
    }
    return order;
}

static gint compare_gpu_bdf(gconstpointer a, gconstpointer b)
{
    return g_ascii_strcasecmp((*(QfGpu *const *)a)->bdf,
                              (*(QfGpu *const *)b)->bdf);
}

/* ---- the MMIO window -------------------------------------------------- */

/*
 * The GPU memory the host reports for @gpu: its memory node's, when the
 * host driver onlined it, else that of a GPU of the same model that is
 * left on the host driver.  0 when unknown (the usual case: on vfio the
 * memory is not onlined, and sysfs shows the physical BARs, not usemem).
 */
static guint64 gpu_memory(const QfTopology *topo, const QfGpu *gpu,
                          const QfGpu **from)
{
    *from = gpu;
    if (gpu->mem_size) {
        return gpu->mem_size;
    }
    for (guint i = 0; i < topo->gpus->len; i++) {
        const QfGpu *other = g_ptr_array_index(topo->gpus, i);
        if (other->device == gpu->device && other->mem_size) {
            *from = other;
            return other->mem_size;
        }
    }
    return 0;
}

/* "96M", "256.1G": for people, unlike qf_format_size(). */
static char *approx_size(guint64 bytes)
{
    static const char units[] = "KMGTPE";
    double v = (double)bytes;
    int u = -1;

    while (v >= 1024 && u < 5) {
        v /= 1024;
        u++;
    }
    return u < 0 ? g_strdup_printf("%" G_GUINT64_FORMAT, bytes)
                 : g_strdup_printf("%.4g%c", v, units[u]);
}

/*
 * A GPU's window: its GPU memory and its BARs, each a power of two, and
 * at least the 512G floor.  *@why says where the figure came from.
 */
static guint64 gpu_window(const QfTopology *topo, const QfGpu *gpu,
                          char **why)
{
    const QfGpu *from;
    guint64 mem = gpu_memory(topo, gpu, &from);
    guint64 bars = qf_pow2_ceil(qf_gpu_bar_space(gpu));
    guint64 need = (mem ? qf_pow2_ceil(mem) : 0) + bars;
    guint64 win = qf_pow2_ceil(MAX(need, QF_VM_GPU_MMIO_FLOOR));
    g_autofree char *w = qf_format_size(win);
    g_autofree char *m = approx_size(mem);
    g_autofree char *b = approx_size(qf_gpu_bar_space(gpu));
    g_autofree char *source = NULL;

    if (!mem) {
        source = g_strdup("GPU memory not shown while on vfio");
    } else {
        source = g_strdup_printf("GPU memory %s on host node %u%s%s", m,
                                 g_array_index(from->mem_nodes, guint, 0),
                                 from == gpu ? "" : " of ",
                                 from == gpu ? "" : from->bdf);
    }
    *why = g_strdup_printf("%s (%s, 64-bit BARs %s%s)", w, source, b,
                           win > need ? ", the 512G floor" : "");
    return win;
}

/*
 * The windows of all GPUs plus room for other devices' 64-bit BARs,
 * rounded up to a power of two as virt requires; each GPU's root port
 * reserves its window.
 */
static void size_highmem(QfVmConfig *cfg, const QfTopology *topo,
                         GPtrArray *order)
{
    g_autoptr(GString) list = g_string_new(NULL);
    g_autofree char *first = NULL;
    gboolean same = TRUE;
    guint64 total = HIGHMEM_RESERVE;
    guint k = 0;

    for (guint s = 0; s < cfg->smmus->len; s++) {
        QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, s);
        for (guint g = 0; g < smmu->gpus->len; g++, k++) {
            QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, g);
            const QfGpu *hg = g_ptr_array_index(order, k);
            g_autofree char *why = NULL;

            gpu->pref64_reserve = gpu_window(topo, hg, &why);
            total += gpu->pref64_reserve;
            g_string_append_printf(list, "%s%s %s", list->len ? ", " : "",
                                   hg->bdf, why);
            same = same && (!first || !strcmp(first, why));
            if (!first) {
                first = g_steal_pointer(&why);
            }
        }
    }
    cfg->highmem_mmio_size = MAX(qf_pow2_ceil(total), QF_VM_MIN_HIGHMEM_MMIO);
    cfg->highmem_mmio_from = same
        ? g_strdup_printf("%u GPU(s) x %s + 1G for other devices, rounded up "
                          "to a power of two", k, first)
        : g_strdup_printf("%s; + 1G for other devices, rounded up to a "
                          "power of two", list->str);
}

/* ---- distances -------------------------------------------------------- */

/*
 * Each guest node stands for a host node: a CPU node for its host node,
 * a GPU's k-th node for the GPU's k-th memory node.  Towards other nodes a
 * GPU's nodes take its memory node's distances (as kubevirt-aie does);
 * among themselves they keep the host's.  None when the host gives none
 * or they are not a valid SLIT.
 */
static void add_distances(QfVmConfig *cfg, const QfTopology *topo,
                          GPtrArray *order)
{
    guint n = cfg->nodes->len, k = 0;
    g_autofree guint *self = g_new0(guint, n);
    g_autofree guint *row = g_new0(guint, n);
    g_autofree int *group = g_new0(int, n);

    for (guint i = 0; i < n; i++) {
        const QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        if (node->cpus) {
            self[i] = row[i] = (guint)node->host_node;
            group[i] = -1;
        }
    }
    for (guint s = 0; s < cfg->smmus->len; s++) {
        const QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, s);
        for (guint g = 0; g < smmu->gpus->len; g++, k++) {
            const QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, g);
            const QfGpu *hg = g_ptr_array_index(order, k);
            for (guint j = 0; j < gpu->mem_nodes->len; j++) {
                guint id = g_array_index(gpu->mem_nodes, guint, j);
                self[id] = g_array_index(hg->mem_nodes, guint, j);
                row[id] = g_array_index(hg->mem_nodes, guint, 0);
                group[id] = (int)k;
            }
        }
    }
    for (guint i = 0; i < n; i++) {
        for (guint j = 0; j < n; j++) {
            gboolean same = group[i] >= 0 && group[i] == group[j];
            int d = i == j ? 10
                           : qf_topology_distance(topo, same ? self[i] : row[i],
                                                  same ? self[j] : row[j]);
            guint v = (guint)d;
            if (d < 0) {
                g_array_set_size(cfg->distances, 0);
                return;
            }
            if (i != j && d <= 10) {
                g_ptr_array_add(cfg->warnings, g_strdup_printf(
                    "distances: the host's distance between nodes %u and %u "
                    "is %d, which the guest would reject; QEMU's defaults "
                    "instead", same ? self[i] : row[i],
                    same ? self[j] : row[j], d));
                g_array_set_size(cfg->distances, 0);
                return;
            }
            g_array_append_val(cfg->distances, v);
        }
    }
}

/* ---- the VM ----------------------------------------------------------- */

QfVmConfig *qf_vmconfig_from_topology(const QfTopology *topo,
                                      const char *const *want,
                                      GError **error)
{
    g_autoptr(QfVmConfig) cfg = NULL;
    g_autoptr(GPtrArray) gpus = NULL;
    g_autoptr(GPtrArray) order = NULL;
    g_autofree char *no_egm = NULL;
    QfVmEgm egm;
    gboolean use_egm;

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
    cfg = qf_vm_config_new();
    egm = qf_vm_egm_check(topo, gpus, &no_egm);
    use_egm = egm == QF_VM_EGM_OK;
    if (no_egm) {
        g_ptr_array_add(cfg->warnings, g_strdup_printf(
            "EGM left out: %s; the guest's memory is RAM (--override egm=off "
            "says so without this warning)", no_egm));
    }
    if (!add_cpu_nodes(cfg, topo, gpus, use_egm, error)) {
        return NULL;
    }
    order = add_gpus(cfg, topo, gpus, use_egm);
    size_highmem(cfg, topo, order);
    add_distances(cfg, topo, order);
    g_free(cfg->ras);
    cfg->ras = g_strdup("on");
    g_free(cfg->prealloc);
    cfg->prealloc = g_strdup("on");
    if (!qf_vmconfig_validate(cfg, error)) {
        return NULL;
    }
    return g_steal_pointer(&cfg);
}
