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
            QfVmNode *node = qf_vm_node_add(cfg);
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
    smmu = qf_vm_smmu_new();
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
    QfVmGpu *gpu = qf_vm_gpu_new();
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
                guint id = qf_vm_node_add(cfg)->id;
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
    cfg = qf_vm_config_new();
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

