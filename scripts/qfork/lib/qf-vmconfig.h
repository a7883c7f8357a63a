/*
 * qfork: the description of a Grace GPU passthrough VM, and the QEMU
 * command line for it.
 *
 * A QfVmConfig is built from a host's topology (qf_vmconfig_from_topology)
 * or read from its JSON form (qf_vmconfig_from_json), which is what users
 * review and version; overrides change it; qf_vmconfig_argv() turns it into
 * the qemu-system-aarch64 argv (the files: qf-vmconfig.c the model and its
 * validation, -host.c, -json.c, -override.c, -argv.c).  The shape of the VM:
 *
 *   - one guest NUMA node with CPUs and memory per host node that has
 *     selected GPUs on it; its memory is the host's EGM region
 *     (memory-backend-file on /dev/egm<pxm>) where the host has EGM;
 *   - then, per GPU in order, 8 memory-less guest nodes, each tied to the
 *     GPU by an acpi-generic-initiator object (SRAT GI affinity) in the
 *     same order, so the guest driver can online GPU memory for MIG;
 *   - per host SMMUv3 that has selected GPUs: a pxb-pcie root complex on
 *     the GPUs' node, an arm-smmuv3 with primary-bus= that complex and
 *     accel=on, and per GPU a pcie-root-port with the vfio-pci device;
 *   - one iommufd object shared by every vfio-pci device;
 *   - -machine virt with KVM, GICv3, ras=on and highmem-mmio-size large
 *     enough for every GPU: per GPU the larger of its GPU memory (as the
 *     host reports it), its BARs and a 512G floor, plus 1G for other
 *     devices, rounded up to a power of two;
 *   - -numa dist from the host's distances (a GPU's nodes take its memory
 *     node's), hugetlbfs-backed RAM where the host reserved hugepages on
 *     the node, prealloc=on for file-backed memory, vfio-pci-nohotplug
 *     with rombar=0, pref64-reserve on the root ports, and the SMMU
 *     options the published references set (ats=on, ril=off,
 *     ssidsize=20, oas=48, cmdqv=on).
 *
 * Property names are those of QEMU 11.1 (hw/arm/smmuv3.c, hw/arm/virt.c,
 * hw/acpi/pci.c, hw/vfio/pci.c, hw/pci-bridge/); acpi-egm-memory (pci-dev,
 * node) comes from this fork's EGM patch.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_VMCONFIG_H
#define QF_VMCONFIG_H

#include "qf-topology.h"

/*
 * argv[0] when neither --qemu nor $QEMU_SYSTEM names the binary.  A
 * package of the fork builds qfork with its own binary's path here
 * (scripts/build-deb.sh), so that `qfork vm --run` starts the fork's QEMU
 * and not whatever qemu-system-aarch64 is first on PATH.
 */
#ifndef QF_DEFAULT_QEMU
#define QF_DEFAULT_QEMU "qemu-system-aarch64"
#endif

#define QF_VM_FORMAT_VERSION 1
#define QF_VM_DEFAULT_NODE_CPUS 8
#define QF_VM_DEFAULT_NODE_MEMORY (16ULL << 30)
#define QF_VM_MIN_HIGHMEM_MMIO (512ULL << 30)   /* virt's default */
#define QF_VM_GPU_MMIO_FLOOR (512ULL << 30)     /* per GPU (kubevirt-aie) */
#define QF_VM_BUS_NR_STEP 16                   /* bus numbers per pxb */

typedef struct QfVmNode {
    guint id;
    guint cpus;                 /* 0 for GPU memory nodes */
    guint64 memory;             /* bytes, 0 for memory-less nodes */
    int egm_pxm;                /* memory is /dev/egm<pxm>; -1: RAM */
    int host_node;              /* the host node it stands for, -1 none */
    char *hugepages;            /* RAM on this hugetlbfs mount, or NULL */
} QfVmNode;

typedef struct QfVmGpu {
    char *id;                   /* "gpu0": the vfio-pci device id */
    char *host;                 /* "0009:01:00.0" */
    char *port;                 /* "rp0": its pcie-root-port */
    guint chassis;
    GArray *mem_nodes;          /* guint guest node ids, in GI order */
    int egm_node;               /* guest node for acpi-egm-memory, -1 none */
    char *device;               /* "vfio-pci" or "vfio-pci-nohotplug" */
    int rombar;                 /* 0 or 1; -1 leaves it to QEMU */
    guint64 pref64_reserve;     /* its root port's; 0 leaves it to QEMU */
} QfVmGpu;

typedef struct QfVmSmmu {
    char *id;                   /* "smmuv3.0" */
    char *host;                 /* "smmu3.0x0000000016000000" or NULL */
    char *bus;                  /* "pcie.1": the pxb-pcie id */
    guint bus_nr;
    guint numa_node;            /* guest node of the root complex */
    /* arm-smmuv3 properties; "auto" leaves them to QEMU and the host */
    char *ats, *ril, *ssidsize, *oas, *cmdqv;
    GPtrArray *gpus;            /* QfVmGpu* */
} QfVmSmmu;

typedef struct QfVmConfig {
    char *accel;                /* "kvm" */
    char *cpu;                  /* "host" */
    char *ras;                  /* virt's ras: on, off or auto (QEMU's) */
    guint64 highmem_mmio_size;
    char *highmem_mmio_from;    /* how that size was found, or NULL */
    char *iommufd;              /* "iommufd0" */
    char *prealloc;             /* file-backed memory: on, off or auto */
    GPtrArray *nodes;           /* QfVmNode*, by id */
    GArray *distances;          /* guint, nodes x nodes, or empty */
    GPtrArray *smmus;           /* QfVmSmmu*, in command-line order */
    GPtrArray *warnings;        /* char*: what the host builder left out
                                 * and why; not part of the JSON */
} QfVmConfig;

void qf_vmconfig_free(QfVmConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(QfVmConfig, qf_vmconfig_free)

/* A deep copy: nothing of @cfg is shared with it. */
QfVmConfig *qf_vmconfig_copy(const QfVmConfig *cfg);

/*
 * Build the VM for @topo.  @gpus selects GPUs by PCI address (NULL: all
 * of them).  Fails, naming what is wrong, when the topology has issues,
 * when there is no GPU, or when a selected GPU is missing, not bound to a
 * vfio driver, has no vfio cdev, no SMMUv3 or no memory nodes.
 */
QfVmConfig *qf_vmconfig_from_topology(const QfTopology *topo,
                                      const char *const *gpus,
                                      GError **error);

typedef enum {
    QF_VM_EGM_NONE,             /* the host has no EGM */
    QF_VM_EGM_OK,
    QF_VM_EGM_PARTIAL,          /* GPUs of the tray are not in the VM */
    QF_VM_EGM_BROKEN,           /* inconsistent, or a region not usable */
} QfVmEgm;

/*
 * Whether a VM with @gpus (QfGpu*, from @topo) can use EGM.  EGM is one
 * region per socket and goes by compute tray: every GPU that uses it, and
 * only those, in one VM (kubevirt-aie).  Unless OK or NONE, *@why (free
 * it) says what is in the way.
 */
QfVmEgm qf_vm_egm_check(const QfTopology *topo, GPtrArray *gpus, char **why);

/*
 * The hugetlbfs mount whose pages, reserved and free on @node, hold
 * @bytes (the largest such page size), or NULL; then *@short_of (free it)
 * says so when the node has some of a mounted size, but too few.
 */
const QfHugetlbfs *qf_vm_hugepages_for(const QfTopology *topo,
                                       const QfNumaNode *node, guint64 bytes,
                                       char **short_of);

/* JSON form.  Reading validates everything (see qf_vmconfig_validate). */
char *qf_vmconfig_to_json(const QfVmConfig *cfg);
QfVmConfig *qf_vmconfig_from_json(const char *text, gsize len,
                                  const char *name, GError **error);
QfVmConfig *qf_vmconfig_load(const char *path, GError **error);

/* Every reference resolves, ids are unique, values are in range. */
gboolean qf_vmconfig_validate(const QfVmConfig *cfg, GError **error);

/*
 * Apply "key=value" overrides, all or none (validated first):
 *   smmu.ats|ril|cmdqv=on|off|auto   smmu.oas=auto|44|48
 *   smmu.ssidsize=auto|0..20         smmu<N>.<prop>=...  (N-th SMMU only)
 *   node.cpus=N   node.memory=SIZE   (each node with CPUs; memory only
 *                                     where it is not EGM)
 *   egm=off                          (RAM instead of EGM, no
 *                                     acpi-egm-memory)
 *   hugepages=off|PATH               (RAM nodes: plain RAM, or on the
 *                                     hugetlbfs mounted at PATH)
 *   prealloc=on|off|auto             (file-backed memory)
 *   distances=off                    (no -numa dist: QEMU's defaults)
 *   gpu.device=vfio-pci|vfio-pci-nohotplug
 *   gpu.rombar=0|1|auto   gpu.pref64-reserve=SIZE (0: QEMU's default)
 *   machine.highmem-mmio-size=SIZE   machine.ras=on|off|auto
 */
gboolean qf_vmconfig_apply_overrides(QfVmConfig *cfg,
                                     const char *const *overrides,
                                     GError **error);

typedef struct QfVmArgvOptions {
    const char *qemu;           /* argv[0]; NULL: QF_DEFAULT_QEMU */
    /*
     * Test aid: the same topology without KVM or host devices, for TCG or
     * qtest: -accel tcg, -cpu max, arm-smmuv3 accel=off, @emulate_device
     * (default "pci-testdev") in place of each vfio-pci device, no iommufd,
     * RAM instead of EGM files (acpi-egm-memory objects are kept).
     */
    gboolean emulate;
    const char *emulate_device;
    /* with @emulate: every node's memory this size, 0 = as described */
    guint64 emulate_memory;
    /*
     * Under @emulate also: memory-backend-ram for hugepages, the SMMU
     * options accel=off refuses (ats, ril, ssidsize, oas, cmdqv) left out;
     * rombar, pref64-reserve, ras, prealloc and -numa dist are kept.
     */
} QfVmArgvOptions;

/* The QEMU argv (argv[0] included), NULL-terminated. */
GStrv qf_vmconfig_argv(const QfVmConfig *cfg, const QfVmArgvOptions *opts);

/* @argv as a shell command, one option and its value per line. */
char *qf_argv_to_shell(const char *const *argv);

/* "16G", "512M", "4T", "1024" (bytes); binary units as QEMU uses them. */
gboolean qf_parse_size(const char *text, guint64 *bytes, GError **error);
char *qf_format_size(guint64 bytes);

#endif
