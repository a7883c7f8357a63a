/*
 * qfork: check a host for what Grace GPU passthrough needs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-doctor.h"
#include "qf-error.h"
#include "qf-topology.h"
#include "qf-vmboot.h"
#include "qf-vmconfig.h"

#include <gio/gio.h>
#include <string.h>

typedef struct {
    const char *root;
    const QfTopology *topo;
    GHashTable *kconfig;        /* NULL when unknown */
    GPtrArray *findings;
} Doctor;

static void free_finding(QfFinding *f)
{
    g_free(f->check);
    g_free(f->message);
    g_free(f->fix);
    g_free(f);
}

G_GNUC_PRINTF(5, 6)
static void add(Doctor *d, QfSeverity sev, const char *check, const char *fix,
                const char *fmt, ...)
{
    QfFinding *f = g_new0(QfFinding, 1);
    va_list ap;

    va_start(ap, fmt);
    f->message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    f->severity = sev;
    f->check = g_strdup(check);
    f->fix = g_strdup(fix);
    g_ptr_array_add(d->findings, f);
}

/* ---- kernel configuration -------------------------------------------- */

static char *read_config_gz(const char *path)
{
    g_autoptr(GFile) file = g_file_new_for_path(path);
    g_autoptr(GInputStream) raw = G_INPUT_STREAM(g_file_read(file, NULL,
                                                             NULL));
    g_autoptr(GZlibDecompressor) z = NULL;
    g_autoptr(GInputStream) in = NULL;
    g_autoptr(GString) text = g_string_new(NULL);
    char buf[16384];
    gssize n;

    if (!raw) {
        return NULL;
    }
    z = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP);
    in = g_converter_input_stream_new(raw, G_CONVERTER(z));
    while ((n = g_input_stream_read(in, buf, sizeof(buf), NULL, NULL)) > 0) {
        g_string_append_len(text, buf, n);
    }
    return n < 0 ? NULL : g_string_free(g_steal_pointer(&text), FALSE);
}

static char *read_kernel_config_text(const char *root)
{
    g_autofree char *rel_path = g_build_filename(root,
                                                 "proc/sys/kernel/osrelease",
                                                 NULL);
    g_autofree char *release = NULL;
    g_autofree char *gz = g_build_filename(root, "proc/config.gz", NULL);
    char *text = NULL;

    if (g_file_get_contents(rel_path, &release, NULL, NULL)) {
        g_autofree char *boot = NULL;
        g_strstrip(release);
        boot = g_strdup_printf("%s/boot/config-%s", root, release);
        if (g_file_get_contents(boot, &text, NULL, NULL)) {
            return text;
        }
    }
    return read_config_gz(gz);
}

GHashTable *qf_doctor_kernel_config(const char *root)
{
    g_autofree char *text = read_kernel_config_text(root);
    g_auto(GStrv) lines = NULL;
    GHashTable *cfg;

    if (!text) {
        return NULL;
    }
    cfg = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        char *eq = strchr(lines[i], '=');
        if (g_str_has_prefix(lines[i], "CONFIG_") && eq) {
            g_hash_table_insert(cfg, g_strndup(lines[i],
                                               (gsize)(eq - lines[i])),
                                g_strdup(eq + 1));
        }
    }
    return cfg;
}

/* "y"/"m" TRUE, absent FALSE; -1 when the configuration is unknown. */
static int kconfig_has(const Doctor *d, const char *name)
{
    const char *v;

    if (!d->kconfig) {
        return -1;
    }
    v = g_hash_table_lookup(d->kconfig, name);
    return v && (!strcmp(v, "y") || !strcmp(v, "m"));
}

/* ---- host-wide checks ------------------------------------------------ */

static void check_kernel_config(Doctor *d)
{
    if (!d->kconfig) {
        add(d, QF_FINDING_WARN, "kernel config",
            "install the kernel's config as /boot/config-$(uname -r), or "
            "enable CONFIG_IKCONFIG_PROC for /proc/config.gz",
            "neither /boot/config-<release> nor /proc/config.gz is "
            "readable; the kernel options below are unchecked");
    }
}

static void check_kvm(Doctor *d)
{
    if (d->topo->dev_kvm) {
        add(d, QF_FINDING_OK, "kvm", NULL, "/dev/kvm is present");
    } else {
        add(d, QF_FINDING_FAIL, "kvm",
            "enable virtualization (boot at EL2) and load kvm; check "
            "`dmesg | grep -i kvm`",
            "/dev/kvm is missing: QEMU cannot use KVM");
    }
}

static void check_iommufd(Doctor *d)
{
    int cfg = kconfig_has(d, "CONFIG_IOMMUFD");

    if (d->topo->dev_iommu && cfg != 0) {
        add(d, QF_FINDING_OK, "iommufd", NULL, "/dev/iommu is present");
    } else if (cfg == 0) {
        add(d, QF_FINDING_FAIL, "iommufd",
            "use a kernel built with CONFIG_IOMMUFD=y (6.6 or later)",
            "the kernel is built without CONFIG_IOMMUFD");
    } else {
        add(d, QF_FINDING_FAIL, "iommufd", "modprobe iommufd",
            "/dev/iommu is missing: iommufd is not loaded");
    }
}

static void check_vfio_cdev(Doctor *d)
{
    int cfg = kconfig_has(d, "CONFIG_VFIO_DEVICE_CDEV");

    if (cfg == 0) {
        add(d, QF_FINDING_FAIL, "vfio cdev",
            "use a kernel built with CONFIG_VFIO_DEVICE_CDEV=y",
            "the kernel is built without CONFIG_VFIO_DEVICE_CDEV: vfio-pci "
            "cannot be used with iommufd");
    } else if (!d->topo->dev_vfio_devices) {
        add(d, QF_FINDING_FAIL, "vfio cdev",
            "modprobe vfio-pci (with CONFIG_VFIO_DEVICE_CDEV=y) and bind "
            "the GPUs to it",
            "/dev/vfio/devices is missing: no vfio device cdev");
    } else {
        add(d, QF_FINDING_OK, "vfio cdev", NULL,
            "/dev/vfio/devices is present");
    }
}

static void check_smmu(Doctor *d)
{
    int nesting = kconfig_has(d, "CONFIG_ARM_SMMU_V3_IOMMUFD");

    if (d->topo->smmus->len == 0) {
        add(d, QF_FINDING_FAIL, "smmuv3",
            "enable the SMMUv3 in firmware and the kernel (CONFIG_ARM_SMMU_V3)",
            "no SMMUv3 instance under /sys/class/iommu");
    } else {
        add(d, QF_FINDING_OK, "smmuv3", NULL, "%u SMMUv3 instance(s)",
            d->topo->smmus->len);
    }
    if (nesting == 0) {
        add(d, QF_FINDING_FAIL, "smmuv3 nesting",
            "use a kernel built with CONFIG_ARM_SMMU_V3_IOMMUFD=y (6.13 or "
            "later)",
            "the kernel is built without CONFIG_ARM_SMMU_V3_IOMMUFD: no "
            "nested translation, so arm-smmuv3,accel=on cannot work");
    } else if (nesting > 0) {
        add(d, QF_FINDING_OK, "smmuv3 nesting", NULL,
            "CONFIG_ARM_SMMU_V3_IOMMUFD is set");
    }
}

static void check_numa(Doctor *d)
{
    guint cpu_nodes = 0, gpu_nodes = 0;

    for (guint i = 0; i < d->topo->issues->len; i++) {
        add(d, QF_FINDING_FAIL, "topology",
            "check the firmware's NUMA settings and the kernel log; "
            "`numactl -H` shows what the kernel made of them",
            "%s", (char *)g_ptr_array_index(d->topo->issues, i));
    }
    if (d->topo->issues->len) {
        return;
    }
    for (guint i = 0; i < d->topo->nodes->len; i++) {
        const QfNumaNode *node = g_ptr_array_index(d->topo->nodes, i);
        cpu_nodes += node->ncpus > 0;
        gpu_nodes += node->gpu_memory;
    }
    add(d, QF_FINDING_OK, "numa", NULL,
        "%u node(s): %u with CPUs, %u GPU memory node(s)",
        d->topo->nodes->len, cpu_nodes, gpu_nodes);
}

/*
 * The UEFI firmware qfork vm boots by default: present, and not the
 * release whose EFI memory map makes Linux drop the guest's NUMA nodes.
 */
static void check_firmware(Doctor *d)
{
    static const char fix[] = "install qemu-efi-aarch64 2023.02 or later "
        "(Debian 13 or later has one) and pass its AAVMF_CODE.fd to qfork "
        "vm --firmware";
    g_autofree char *code = g_build_filename(d->root, QF_VM_DEFAULT_FIRMWARE,
                                             NULL);
    g_autofree char *version = qf_vmboot_dpkg_version(d->root,
                                                      QF_VM_FIRMWARE_PACKAGE);

    if (!g_file_test(code, G_FILE_TEST_IS_REGULAR)) {
        add(d, QF_FINDING_FAIL, "firmware", fix,
            "no UEFI firmware at %s: the VM has no ACPI tables without it",
            QF_VM_DEFAULT_FIRMWARE);
    } else if (!version) {
        add(d, QF_FINDING_WARN, "firmware", fix,
            "%s is not from Debian's %s: its version is unknown (edk2 "
            "2022.11 breaks guest NUMA)", QF_VM_DEFAULT_FIRMWARE,
            QF_VM_FIRMWARE_PACKAGE);
    } else if (qf_vmboot_firmware_breaks_numa(version)) {
        add(d, QF_FINDING_FAIL, "firmware", fix,
            "%s %s (edk2 2022.11) breaks guest NUMA: its EFI memory map "
            "marks the variable flash 0x04000000-0x07ffffff "
            "write-combining, Linux takes it for RAM outside every SRAT "
            "node and fakes one node (no GPU memory nodes)",
            QF_VM_FIRMWARE_PACKAGE, version);
    } else {
        add(d, QF_FINDING_OK, "firmware", NULL, "%s %s",
            QF_VM_FIRMWARE_PACKAGE, version);
    }
}

static void check_hugepages(Doctor *d)
{
    g_autoptr(GString) have = g_string_new(NULL);

    for (guint i = 0; i < d->topo->hugepages->len; i++) {
        const QfHugepages *hp = &g_array_index(d->topo->hugepages,
                                               QfHugepages, i);
        g_autofree char *size = NULL;
        if (!hp->total) {
            continue;
        }
        size = qf_format_size(hp->page_size);
        g_string_append_printf(have, "%s%" G_GUINT64_FORMAT " x %s (%"
                               G_GUINT64_FORMAT " free)", have->len ? ", " : "",
                               hp->total, size, hp->free);
    }
    if (have->len) {
        add(d, QF_FINDING_OK, "hugepages", NULL, "%s", have->str);
    } else {
        add(d, QF_FINDING_WARN, "hugepages",
            "reserve them: echo N > /sys/kernel/mm/hugepages/hugepages-"
            "<size>kB/nr_hugepages, or hugepagesz=<size> hugepages=N on the "
            "kernel command line",
            "no hugepages reserved: guest RAM and the SMMU command queues "
            "(cmdqv) want physically contiguous memory");
    }
}

/* ---- per GPU ---------------------------------------------------------- */

static char *bind_fix(const char *bdf, const char *driver)
{
    g_autoptr(GString) s = g_string_new(NULL);

    if (driver) {
        g_string_append_printf(s, "echo %s > /sys/bus/pci/drivers/%s/unbind;"
                               " ", bdf, driver);
    }
    g_string_append_printf(s, "modprobe nvgrace_gpu_vfio_pci; echo "
                           "nvgrace_gpu_vfio_pci > /sys/bus/pci/devices/%s/"
                           "driver_override; echo %s > "
                           "/sys/bus/pci/drivers_probe", bdf, bdf);
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Devices sharing the GPU's IOMMU group must be given to VFIO too. */
static gboolean check_group(Doctor *d, const QfGpu *gpu, const char *check)
{
    g_autofree char *dir = NULL;
    g_autoptr(GDir) group = NULL;
    const char *name;
    gboolean ok = TRUE;

    if (gpu->iommu_group < 0) {
        add(d, QF_FINDING_FAIL, check,
            "enable the SMMUv3 for this device in firmware and the kernel",
            "is in no IOMMU group");
        return FALSE;
    }
    dir = g_strdup_printf("%s/sys/kernel/iommu_groups/%d/devices",
                          d->topo->root, gpu->iommu_group);
    group = g_dir_open(dir, 0, NULL);
    while (group && (name = g_dir_read_name(group))) {
        g_autofree char *drv_link = g_strdup_printf(
            "%s/sys/bus/pci/devices/%s/driver", d->topo->root, name);
        g_autofree char *target = g_file_read_link(drv_link, NULL);
        g_autofree char *driver = target ? g_path_get_basename(target) : NULL;

        if (g_ascii_strcasecmp(name, gpu->bdf) == 0 || !driver ||
            qf_driver_is_vfio(driver)) {
            continue;
        }
        add(d, QF_FINDING_FAIL, check, "bind it to vfio-pci as well, or "
            "move the GPU to a slot with its own group",
            "IOMMU group %d also holds %s, bound to %s; VFIO needs every "
            "device of the group", gpu->iommu_group, name, driver);
        ok = FALSE;
    }
    return ok;
}

static gboolean check_gpu_egm(Doctor *d, const QfGpu *gpu, const char *check)
{
    const QfEgm *egm;

    if (gpu->egm_pxm < 0) {
        return TRUE;
    }
    egm = qf_topology_find_egm(d->topo, (guint)gpu->egm_pxm);
    if (!egm || !egm->dev_node) {
        add(d, QF_FINDING_FAIL, check, "modprobe nvgrace_egm",
            "uses EGM %d, but /dev/egm%d is missing", gpu->egm_pxm,
            gpu->egm_pxm);
        return FALSE;
    }
    return TRUE;
}

static gboolean check_gpu_binding(Doctor *d, const QfGpu *gpu,
                                  const char *check)
{
    g_autofree char *fix = bind_fix(gpu->bdf, gpu->driver);

    if (!qf_driver_is_vfio(gpu->driver)) {
        add(d, QF_FINDING_FAIL, check, fix, "is %s%s, not to a vfio driver",
            gpu->driver ? "bound to " : "not bound",
            gpu->driver ? gpu->driver : "");
        return FALSE;
    }
    if (!gpu->vfio_cdev || !gpu->vfio_cdev_node) {
        add(d, QF_FINDING_FAIL, check,
            "use a kernel with CONFIG_VFIO_DEVICE_CDEV=y and rebind the GPU",
            "has no vfio cdev under /dev/vfio/devices");
        return FALSE;
    }
    return TRUE;
}

/*
 * A GPU on a non-vfio driver whose memory is onlined is one the host
 * keeps for itself: a warning (no VM gets it, nor, by tray, EGM), not a
 * failure; `qfork vm --gpu` takes the others.
 */
static gboolean left_on_host(Doctor *d, const QfGpu *gpu, const char *check)
{
    g_autofree char *size = NULL;
    g_autofree char *fix = NULL;

    if (qf_driver_is_vfio(gpu->driver) || !gpu->driver || !gpu->mem_size) {
        return FALSE;
    }
    size = qf_format_size(gpu->mem_size);
    fix = bind_fix(gpu->bdf, gpu->driver);
    add(d, QF_FINDING_WARN, check, fix,
        "left on the host driver %s: its memory (%s) is onlined as host "
        "node %u; no VM can have it", gpu->driver, size,
        g_array_index(gpu->mem_nodes, guint, 0));
    return TRUE;
}

static void check_gpu(Doctor *d, const QfGpu *gpu)
{
    g_autofree char *check = g_strdup_printf("gpu %s", gpu->bdf);
    gboolean ok;

    if (left_on_host(d, gpu, check)) {
        return;
    }
    ok = check_gpu_binding(d, gpu, check);

    if (!gpu->smmu) {
        add(d, QF_FINDING_FAIL, check,
            "enable the SMMUv3 for the GPU's root port in firmware",
            "is not behind an SMMUv3 (no iommu link)");
        ok = FALSE;
    }
    ok = check_group(d, gpu, check) && ok;
    ok = check_gpu_egm(d, gpu, check) && ok;
    if (ok) {
        add(d, QF_FINDING_OK, check, NULL, "%s, /dev/vfio/devices/%s, %s, "
            "IOMMU group %d%s", gpu->driver, gpu->vfio_cdev, gpu->smmu,
            gpu->iommu_group, gpu->egm_pxm >= 0 ? ", EGM" : "");
    }
}

static const char *egm_layout(const QfGpu *gpu)
{
    switch (gpu->egm_from) {
    case QF_EGM_OWN:
        return "its own device";
    case QF_EGM_SOCKET:
        return "shared with its socket's first GPU: RFC layout";
    case QF_EGM_CLASS:
        return "sys/class/egm gpu_devices";
    default:
        return "none";
    }
}

/*
 * The host's node distances, which qfork vm copies into the guest's SLIT:
 * a remote distance of 10 or less makes Linux ignore the whole table.
 * Silent when sysfs has none (every NUMA kernel writes them).
 */
static void check_distances(Doctor *d)
{
    guint n = d->topo->nodes->len;

    for (guint i = 0; i < n; i++) {
        const QfNumaNode *a = g_ptr_array_index(d->topo->nodes, i);
        if (a->distance->len == 0) {
            return;
        }
        for (guint j = 0; j < n; j++) {
            const QfNumaNode *b = g_ptr_array_index(d->topo->nodes, j);
            int v = qf_topology_distance(d->topo, a->id, b->id);
            if (i != j && v <= 10) {
                add(d, QF_FINDING_WARN, "distances",
                    "check the firmware's SLIT; --override distances=off "
                    "silences qfork vm's warning",
                    "host nodes %u and %u are %d apart: the guest would "
                    "ignore such a SLIT, so VMs get QEMU's defaults",
                    a->id, b->id, v);
                return;
            }
        }
    }
    add(d, QF_FINDING_OK, "distances", NULL,
        "%u nodes; VMs get the host's distances (-numa dist)", n);
}

/* One finding per region: its size, device and GPUs; then the tray. */
static void check_egm(Doctor *d)
{
    g_autoptr(GPtrArray) vfio = g_ptr_array_new();
    g_autofree char *why = NULL;
    QfVmEgm verdict;

    for (guint i = 0; i < d->topo->gpus->len; i++) {
        const QfGpu *gpu = g_ptr_array_index(d->topo->gpus, i);
        if (qf_driver_is_vfio(gpu->driver)) {
            g_ptr_array_add(vfio, (gpointer)gpu);
        }
    }
    for (guint e = 0; e < d->topo->egms->len; e++) {
        const QfEgm *egm = g_ptr_array_index(d->topo->egms, e);
        g_autoptr(GString) gpus = g_string_new(NULL);
        g_autofree char *size = qf_format_size(egm->size);
        g_autofree char *check = g_strdup_printf("egm %u", egm->pxm);

        for (guint i = 0; i < d->topo->gpus->len; i++) {
            const QfGpu *gpu = g_ptr_array_index(d->topo->gpus, i);
            if (gpu->egm_pxm == (int)egm->pxm) {
                g_string_append_printf(gpus, "%s%s (%s)",
                                       gpus->len ? ", " : "", gpu->bdf,
                                       egm_layout(gpu));
            }
        }
        if (!egm->dev_node || !egm->size) {
            add(d, QF_FINDING_FAIL, check, "modprobe nvgrace_egm",
                "/dev/egm%u %s, egm_size %s", egm->pxm,
                egm->dev_node ? "present" : "missing", size);
        } else {
            add(d, QF_FINDING_OK, check, NULL, "%s, /dev/egm%u; GPUs %s",
                size, egm->pxm, gpus->len ? gpus->str : "none");
        }
    }
    verdict = qf_vm_egm_check(d->topo, vfio, &why);
    if (verdict == QF_VM_EGM_BROKEN) {
        add(d, QF_FINDING_FAIL, "egm",
            "check the firmware's EGM settings and the nvgrace-gpu / "
            "nvgrace_egm driver versions; `qfork vm` leaves EGM out",
            "%s", why);
    } else if (verdict == QF_VM_EGM_PARTIAL) {
        add(d, QF_FINDING_WARN, "egm",
            "give every GPU of the tray to vfio to use EGM", "%s", why);
    }
}

/*
 * Where guest RAM goes: each host node with GPUs for VMs, unless its
 * memory is EGM, needs hugepages reserved on that node, of a size that
 * is mounted, for a guest node of the default size.
 */
static void check_node_hugepages(Doctor *d)
{
    g_autoptr(GPtrArray) vfio = g_ptr_array_new();
    g_autofree char *why = NULL;
    g_autofree char *want = qf_format_size(QF_VM_DEFAULT_NODE_MEMORY);
    guint64 reserved = 0;

    for (guint i = 0; i < d->topo->gpus->len; i++) {
        const QfGpu *gpu = g_ptr_array_index(d->topo->gpus, i);
        if (qf_driver_is_vfio(gpu->driver)) {
            g_ptr_array_add(vfio, (gpointer)gpu);
        }
    }
    if (qf_vm_egm_check(d->topo, vfio, &why) == QF_VM_EGM_OK) {
        return;                 /* guest RAM is EGM */
    }
    for (guint i = 0; i < d->topo->hugepages->len; i++) {
        reserved += g_array_index(d->topo->hugepages, QfHugepages, i).total;
    }
    if (!reserved) {
        return;                 /* check_hugepages() said it */
    }
    for (guint i = 0; i < d->topo->nodes->len; i++) {
        const QfNumaNode *node = g_ptr_array_index(d->topo->nodes, i);
        g_autofree char *check = g_strdup_printf("hugepages node %u",
                                                 node->id);
        g_autofree char *short_of = NULL;
        g_autofree char *fix = NULL;
        const QfHugetlbfs *fs;
        gboolean used = FALSE;

        for (guint g = 0; g < vfio->len; g++) {
            used = used || ((QfGpu *)g_ptr_array_index(vfio, g))->numa_node ==
                               (int)node->id;
        }
        if (!used || !node->ncpus) {
            continue;
        }
        fs = qf_vm_hugepages_for(d->topo, node, QF_VM_DEFAULT_NODE_MEMORY,
                                 &short_of);
        if (fs) {
            g_autofree char *ps = qf_format_size(fs->page_size);
            add(d, QF_FINDING_OK, check, NULL, "%" G_GUINT64_FORMAT " free %s "
                "pages on %s: guest RAM for this socket is hugepage-backed",
                qf_node_free_hugepages(node, fs->page_size), ps, fs->path);
            continue;
        }
        fix = g_strdup_printf(
            "echo N > /sys/devices/system/node/node%u/hugepages/"
            "hugepages-<size>kB/nr_hugepages, and mount hugetlbfs with that "
            "pagesize (e.g. /dev/hugepages)", node->id);
        add(d, QF_FINDING_WARN, check, fix, "%s: the guest RAM of this "
            "socket's GPUs (%s by default) will not be on hugepages",
            short_of ? short_of : d->topo->hugetlbfs->len
                                      ? "no free hugepages of a mounted size "
                                        "reserved on this node"
                                      : "no hugetlbfs mounted",
            want);
    }
}

static void check_gpus(Doctor *d)
{
    if (d->topo->gpus->len == 0) {
        add(d, QF_FINDING_FAIL, "gpus",
            "check `lspci -d 10de:` and the GPU's power and firmware",
            "no NVIDIA GPU (vendor 0x10de, class 0x0300/0x0302) on the PCI "
            "bus");
        return;
    }
    for (guint i = 0; i < d->topo->gpus->len; i++) {
        check_gpu(d, g_ptr_array_index(d->topo->gpus, i));
    }
}

/* ---- public ------------------------------------------------------------ */

GPtrArray *qf_doctor_run(const char *root, GError **error)
{
    g_autoptr(QfTopology) topo = qf_topology_read(root, error);
    Doctor d = { .root = root, .topo = topo };

    if (!topo) {
        return NULL;
    }
    d.findings = g_ptr_array_new_with_free_func((GDestroyNotify)free_finding);
    d.kconfig = qf_doctor_kernel_config(root);
    check_kernel_config(&d);
    check_kvm(&d);
    check_iommufd(&d);
    check_vfio_cdev(&d);
    check_smmu(&d);
    check_gpus(&d);
    check_numa(&d);
    check_distances(&d);
    check_egm(&d);
    check_hugepages(&d);
    check_node_hugepages(&d);
    check_firmware(&d);
    if (d.kconfig) {
        g_hash_table_unref(d.kconfig);
    }
    return d.findings;
}

guint qf_doctor_count(const GPtrArray *findings, QfSeverity severity)
{
    guint n = 0;

    for (guint i = 0; i < findings->len; i++) {
        n += ((QfFinding *)g_ptr_array_index(findings, i))->severity ==
             severity;
    }
    return n;
}

char *qf_doctor_format(const GPtrArray *findings)
{
    static const char *const tags[] = { "ok  ", "warn", "FAIL" };
    GString *out = g_string_new(NULL);
    guint fails = qf_doctor_count(findings, QF_FINDING_FAIL);
    guint warns = qf_doctor_count(findings, QF_FINDING_WARN);

    for (guint i = 0; i < findings->len; i++) {
        const QfFinding *f = g_ptr_array_index(findings, i);
        g_string_append_printf(out, "%s  %s: %s\n", tags[f->severity],
                               f->check, f->message);
        if (f->fix && f->severity != QF_FINDING_OK) {
            g_string_append_printf(out, "      fix: %s\n", f->fix);
        }
    }
    g_string_append_printf(out, "%u problem(s), %u warning(s)\n", fails,
                           warns);
    return g_string_free(out, FALSE);
}
