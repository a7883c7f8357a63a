/*
 * qfork: a Grace host's GPU topology, read from sysfs.
 *
 * Everything is read below a root directory given by the caller ("/" on
 * the host, a fixture tree in tests), so nothing here depends on the
 * machine it runs on.  What is read:
 *
 *   sys/bus/pci/devices/<bdf>/    NVIDIA (vendor 0x10de) display or 3D
 *                                 controllers (class 0x0300xx, 0x0302xx):
 *       driver -> .../<name>      bound driver (basename of the link)
 *       iommu_group -> .../<n>    IOMMU group
 *       iommu -> .../smmu3.0x...  the SMMUv3 instance translating it; when
 *                                 absent, sys/class/iommu/<smmu>/devices/
 *                                 is searched for the device
 *       numa_node                 host node the device is attached to
 *       resource                  BARs ("start end flags" per line)
 *       vfio-dev/vfio<N>          the vfio cdev, /dev/vfio/devices/vfio<N>
 *       nvgrace_gpu_vfio_pci.egm.<pxm>/egm/egm<pxm>/egm_size
 *                                 EGM region the GPU uses (nvgrace-egm)
 *   sys/devices/system/node/      node<N>/cpulist, node<N>/meminfo,
 *                                 node<N>/distance, node<N>/hugepages/,
 *                                 and the online, has_cpu, has_memory lists
 *   sys/class/egm/egm<pxm>/       egm_size, gpu_devices (one BDF a line);
 *                                 dev/egm<pxm>
 *   sys/kernel/mm/hugepages/hugepages-<size>kB/{nr,free}_hugepages
 *   proc/mounts                   hugetlbfs mounts and their pagesize=
 *   proc/meminfo                  Hugepagesize (the default page size)
 *   dev/iommu, dev/kvm, dev/vfio/devices/
 *
 * GPU memory nodes.  On Grace the GPU's coherent memory is described to
 * the OS as 8 NUMA nodes per GPU: the memory node (GH200: node 1; GB200:
 * 2, 10, 18, 26) and 7 more for MIG (GB200: 3-9, 11-17, ...).  While the
 * GPU is bound to a vfio driver its memory is not onlined, so these nodes
 * have neither CPUs nor memory; a GPU left on the host driver has its
 * memory onlined on its memory node.  sysfs does not say which GPU owns
 * which node (the firmware passes it in _DSD properties), so this reader
 * assumes what the firmware does: the CPU-less nodes, in ascending order,
 * are the GPUs' memory nodes in blocks of 8, in ascending PCI address
 * order, the first of each block the memory node.  A count that is not 8
 * per GPU is reported as inconsistent NUMA data.
 *
 * EGM is per socket.  Three layouts exist: an nvgrace_gpu_vfio_pci.egm.<pxm>
 * device under every GPU that uses it; the same only under the first GPU
 * of each socket (the RFC series: the other GPUs of that socket, on the
 * same host node, share it); and sys/class/egm/egm<pxm>/gpu_devices
 * listing the GPUs (NVIDIA's downstream kernels).  QfGpu.egm_from says
 * which one gave a GPU its region.
 *
 * Inconsistencies (a node listed online without a directory, a device on
 * a node that does not exist, ...) do not stop the reader: they are
 * collected in QfTopology.issues so that `qfork doctor` can list them all;
 * the VM generator refuses to work from a topology that has any.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_TOPOLOGY_H
#define QF_TOPOLOGY_H

#include <glib.h>

#define QF_NVIDIA_VENDOR 0x10de
#define QF_GPU_MEM_NODES 8          /* NUMA nodes per Grace GPU (MIG) */

typedef struct QfPciBar {
    guint index;                    /* 0..5 */
    guint64 size;                   /* bytes, as in the resource file */
    gboolean is_64bit;
    gboolean prefetch;
} QfPciBar;

typedef enum {
    QF_EGM_NONE,
    QF_EGM_OWN,                     /* its own egm.<pxm> auxiliary device */
    QF_EGM_SOCKET,                  /* another GPU's on its host node (RFC) */
    QF_EGM_CLASS,                   /* in sys/class/egm/.../gpu_devices */
} QfEgmFrom;

typedef struct QfHugepages {
    guint64 page_size;              /* bytes */
    guint64 total, free;            /* pages */
} QfHugepages;

typedef struct QfGpu {
    char *bdf;                      /* "0009:01:00.0" */
    guint vendor, device;
    guint class_code;               /* 24-bit, e.g. 0x030200 */
    char *driver;                   /* NULL when no driver is bound */
    int iommu_group;                /* -1 when not in a group */
    char *smmu;                     /* "smmu3.0x0000000016000000" or NULL */
    int numa_node;                  /* -1 when the kernel does not know */
    GArray *bars;                   /* QfPciBar, memory BARs only */
    char *vfio_cdev;                /* "vfio0" or NULL */
    gboolean vfio_cdev_node;        /* dev/vfio/devices/<vfio_cdev> exists */
    GArray *mem_nodes;              /* guint, the GPU's memory nodes */
    int egm_pxm;                    /* EGM proximity domain, -1 if none */
    guint64 egm_size;               /* bytes, 0 if none */
    QfEgmFrom egm_from;
    /* GPU memory the host reports: its memory node's MemTotal (onlined by
     * the host driver), 0 while on vfio (unknown) */
    guint64 mem_size;
} QfGpu;

typedef struct QfNumaNode {
    guint id;
    char *cpulist;                  /* as in sysfs, "" when no CPUs */
    guint ncpus;
    guint64 mem_total;              /* bytes, from meminfo MemTotal */
    gboolean gpu_memory;            /* one of some GPU's memory nodes */
    GArray *distance;               /* guint, to each node in nodes order;
                                     * empty when the host gives none */
    GArray *hugepages;              /* QfHugepages reserved on this node */
} QfNumaNode;

typedef struct QfSmmu {
    char *name;                     /* "smmu3.0x0000000016000000" */
    GPtrArray *gpus;                /* char* BDFs of GPUs behind it */
} QfSmmu;

typedef struct QfEgm {
    guint pxm;
    guint64 size;
    gboolean dev_node;              /* dev/egm<pxm> exists */
    gboolean listed;                /* sys/class/egm/egm<pxm> exists */
} QfEgm;

typedef struct QfHugetlbfs {
    char *path;                     /* mount point, "/dev/hugepages" */
    guint64 page_size;              /* bytes */
} QfHugetlbfs;

typedef struct QfTopology {
    char *root;                     /* the sysfs root it was read from */
    GPtrArray *gpus;                /* QfGpu*, ascending BDF */
    GPtrArray *nodes;               /* QfNumaNode*, ascending id */
    GPtrArray *smmus;               /* QfSmmu*, ascending name */
    GPtrArray *egms;                /* QfEgm*, ascending pxm */
    GArray *hugepages;              /* QfHugepages, ascending page size */
    GPtrArray *hugetlbfs;           /* QfHugetlbfs*, in mount order */
    gboolean dev_iommu;             /* dev/iommu: iommufd */
    gboolean dev_kvm;
    gboolean dev_vfio_devices;      /* dev/vfio/devices: vfio cdev support */
    GPtrArray *issues;              /* char*, inconsistencies found */
} QfTopology;

/*
 * Read the topology below @root.  Fails only when @root is not a
 * directory or has no sys/bus/pci/devices; anything odd below it lands in
 * issues.
 */
QfTopology *qf_topology_read(const char *root, GError **error);
void qf_topology_free(QfTopology *topo);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfTopology, qf_topology_free)

const QfGpu *qf_topology_find_gpu(const QfTopology *topo, const char *bdf);
const QfNumaNode *qf_topology_find_node(const QfTopology *topo, guint id);
const QfEgm *qf_topology_find_egm(const QfTopology *topo, guint pxm);

/* The host's distance between two nodes, -1 when it gives none. */
int qf_topology_distance(const QfTopology *topo, guint from, guint to);

/* Pages of @page_size reserved on node @node (free ones), 0 when none. */
guint64 qf_node_free_hugepages(const QfNumaNode *node, guint64 page_size);

/* TRUE for the drivers that hand a device to VFIO (vfio-pci and variants). */
gboolean qf_driver_is_vfio(const char *driver);

/* Bytes of 64-bit BAR space the GPU needs, each BAR a power of two. */
guint64 qf_gpu_bar_space(const QfGpu *gpu);

/* Parse a kernel list such as "0-3,8,10-11"; NULL and @error when bad. */
GArray *qf_parse_id_list(const char *text, GError **error);

/* Smallest power of two >= @v (@v > 0); 0 on overflow. */
guint64 qf_pow2_ceil(guint64 v);

#endif
