/*
 * qfork: a Grace host's GPU topology, read from sysfs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-topology.h"
#include "qf-error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PCI_DEVICES "sys/bus/pci/devices"
#define NODE_DIR "sys/devices/system/node"
#define IORESOURCE_MEM 0x00000200ULL
#define IORESOURCE_PREFETCH 0x00002000ULL
#define IORESOURCE_MEM_64 0x00100000ULL
#define PCI_STD_BARS 6
#define EGM_AUX_PREFIX "nvgrace_gpu_vfio_pci.egm."

G_GNUC_PRINTF(2, 3)
static void add_issue(QfTopology *topo, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(topo->issues, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

/* Contents of a sysfs attribute without surrounding white space. */
static char *read_attr(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return NULL;
    }
    return g_strstrip(text);
}

static gboolean read_attr_u64(const char *dir, const char *name, guint base,
                              guint64 *out)
{
    g_autofree char *text = read_attr(dir, name);
    const char *digits = text;

    /* sysfs writes hex values with a 0x prefix, which glib does not take */
    if (digits && base == 16 && (g_str_has_prefix(digits, "0x") ||
                                 g_str_has_prefix(digits, "0X"))) {
        digits += 2;
    }
    return digits && *digits &&
           g_ascii_string_to_unsigned(digits, base, 0, G_MAXUINT64, out,
                                      NULL);
}

/* Basename of a symlink's target: sysfs links name what they point at. */
static char *read_link_name(const char *dir, const char *name)
{
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_autofree char *target = g_file_read_link(path, NULL);

    return target ? g_path_get_basename(target) : NULL;
}

static gboolean path_exists(const char *root, const char *rel)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);

    return g_file_test(path, G_FILE_TEST_EXISTS);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* Sorted names of a directory's entries starting with @prefix. */
static GPtrArray *list_dir(const char *path, const char *prefix)
{
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir && (name = g_dir_read_name(dir))) {
        if (g_str_has_prefix(name, prefix)) {
            g_ptr_array_add(names, g_strdup(name));
        }
    }
    g_ptr_array_sort(names, compare_names);
    return names;
}

guint64 qf_pow2_ceil(guint64 v)
{
    guint64 p = 1;

    while (p < v) {
        if (p > G_MAXUINT64 / 2) {
            return 0;
        }
        p <<= 1;
    }
    return p;
}

static gboolean parse_id_range(const char *item, GArray *ids, GError **error)
{
    g_auto(GStrv) ends = g_strsplit(item, "-", 2);
    guint64 lo, hi;

    if (!ends[0] ||
        !g_ascii_string_to_unsigned(ends[0], 10, 0, 65535, &lo, NULL) ||
        (ends[1] && !g_ascii_string_to_unsigned(ends[1], 10, 0, 65535, &hi,
                                                NULL))) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE, "bad list item '%s'",
                    item);
        return FALSE;
    }
    if (!ends[1]) {
        hi = lo;
    }
    if (hi < lo) {
        g_set_error(error, QF_ERROR, QF_ERROR_PARSE,
                    "bad list range '%s': end before start", item);
        return FALSE;
    }
    for (guint64 id = lo; id <= hi; id++) {
        guint v = (guint)id;
        g_array_append_val(ids, v);
    }
    return TRUE;
}

GArray *qf_parse_id_list(const char *text, GError **error)
{
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint));
    g_auto(GStrv) items = NULL;

    if (!text || !*text) {
        return g_steal_pointer(&ids);
    }
    items = g_strsplit(text, ",", -1);
    for (guint i = 0; items[i]; i++) {
        if (!parse_id_range(items[i], ids, error)) {
            return NULL;
        }
    }
    return g_steal_pointer(&ids);
}

static gboolean id_list_contains(const GArray *ids, guint id)
{
    for (guint i = 0; ids && i < ids->len; i++) {
        if (g_array_index(ids, guint, i) == id) {
            return TRUE;
        }
    }
    return FALSE;
}

gboolean qf_driver_is_vfio(const char *driver)
{
    /* vfio-pci itself, or a variant driver such as nvgrace_gpu_vfio_pci. */
    return driver && (strcmp(driver, "vfio-pci") == 0 ||
                      g_str_has_suffix(driver, "_vfio_pci") ||
                      g_str_has_suffix(driver, "-vfio-pci"));
}

guint64 qf_gpu_bar_space(const QfGpu *gpu)
{
    guint64 total = 0;

    for (guint i = 0; i < gpu->bars->len; i++) {
        const QfPciBar *bar = &g_array_index(gpu->bars, QfPciBar, i);
        if (bar->is_64bit) {
            total += qf_pow2_ceil(bar->size);
        }
    }
    return total;
}

/* ---- NUMA nodes ------------------------------------------------------ */

static void free_node(QfNumaNode *node)
{
    g_free(node->cpulist);
    g_array_unref(node->distance);
    g_array_unref(node->hugepages);
    g_free(node);
}

static gint compare_hugepages(gconstpointer a, gconstpointer b)
{
    guint64 x = ((const QfHugepages *)a)->page_size;
    guint64 y = ((const QfHugepages *)b)->page_size;

    return x < y ? -1 : x > y;
}

/* hugepages-<size>kB/{nr,free}_hugepages below @dir, by page size. */
static void read_hugepage_dir(const char *dir, GArray *out)
{
    g_autoptr(GPtrArray) names = list_dir(dir, "hugepages-");

    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *hdir = g_build_filename(dir, name, NULL);
        QfHugepages hp = { 0 };
        char *end;
        guint64 kib = g_ascii_strtoull(name + strlen("hugepages-"), &end, 10);

        if (strcmp(end, "kB") != 0 || kib == 0) {
            continue;
        }
        hp.page_size = kib * 1024;
        read_attr_u64(hdir, "nr_hugepages", 10, &hp.total);
        read_attr_u64(hdir, "free_hugepages", 10, &hp.free);
        g_array_append_val(out, hp);
    }
    g_array_sort(out, compare_hugepages);
}

/* node<N>/distance: one number per online node, in id order. */
static void read_distance(QfTopology *topo, QfNumaNode *node,
                          const char *dir)
{
    g_autofree char *text = read_attr(dir, "distance");
    g_auto(GStrv) words = NULL;

    if (!text) {
        return;
    }
    words = g_strsplit_set(text, " \t\n", -1);
    for (guint i = 0; words[i]; i++) {
        guint64 v;
        guint d;
        if (!*words[i]) {
            continue;
        }
        if (!g_ascii_string_to_unsigned(words[i], 10, 0, 255, &v, NULL)) {
            add_issue(topo, "NUMA node %u: distance '%s' is not a list of "
                      "numbers 0..255", node->id, text);
            g_array_set_size(node->distance, 0);
            return;
        }
        d = (guint)v;
        g_array_append_val(node->distance, d);
    }
}

static gboolean parse_meminfo_total(const char *text, guint64 *bytes)
{
    const char *p = strstr(text, "MemTotal:");
    guint64 kib;
    char *end;

    if (!p) {
        return FALSE;
    }
    p += strlen("MemTotal:");
    while (*p == ' ' || *p == '\t') {
        p++;
    }
    errno = 0;
    kib = g_ascii_strtoull(p, &end, 10);
    if (errno || end == p || !g_str_has_prefix(g_strchug(end), "kB") ||
        kib > G_MAXUINT64 / 1024) {
        return FALSE;
    }
    *bytes = kib * 1024;
    return TRUE;
}

static QfNumaNode *read_node(QfTopology *topo, const char *nodes_dir,
                             const char *name, guint id)
{
    g_autofree char *dir = g_build_filename(nodes_dir, name, NULL);
    g_autofree char *meminfo = read_attr(dir, "meminfo");
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) cpus = NULL;
    QfNumaNode *node = g_new0(QfNumaNode, 1);
    g_autofree char *hp_dir = g_build_filename(dir, "hugepages", NULL);

    node->id = id;
    node->distance = g_array_new(FALSE, FALSE, sizeof(guint));
    node->hugepages = g_array_new(FALSE, FALSE, sizeof(QfHugepages));
    read_distance(topo, node, dir);
    read_hugepage_dir(hp_dir, node->hugepages);
    node->cpulist = read_attr(dir, "cpulist");
    if (!node->cpulist) {
        node->cpulist = g_strdup("");
    }
    cpus = qf_parse_id_list(node->cpulist, &err);
    if (!cpus) {
        add_issue(topo, "NUMA node %u: cpulist '%s': %s", id, node->cpulist,
                  err->message);
    } else {
        node->ncpus = cpus->len;
    }
    if (!meminfo) {
        add_issue(topo, "NUMA node %u: no readable %s/meminfo", id, name);
    } else if (!parse_meminfo_total(meminfo, &node->mem_total)) {
        add_issue(topo, "NUMA node %u: %s/meminfo has no 'MemTotal: <n> kB' "
                  "line", id, name);
    }
    return node;
}

static gint compare_node(gconstpointer a, gconstpointer b)
{
    const QfNumaNode *x = *(QfNumaNode *const *)a;
    const QfNumaNode *y = *(QfNumaNode *const *)b;

    return x->id < y->id ? -1 : x->id > y->id;
}

static void read_nodes(QfTopology *topo)
{
    g_autofree char *dir = g_build_filename(topo->root, NODE_DIR, NULL);
    g_autoptr(GPtrArray) names = list_dir(dir, "node");

    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        guint64 id;

        if (!g_ascii_string_to_unsigned(name + 4, 10, 0, 65535, &id, NULL)) {
            continue;
        }
        g_ptr_array_add(topo->nodes, read_node(topo, dir, name, (guint)id));
    }
    g_ptr_array_sort(topo->nodes, compare_node);
}

typedef struct {
    const char *file;                       /* node/<file> */
    gboolean (*has)(const QfNumaNode *);
    const char *has_text, *lacks_text;
} NodeList;

static gboolean node_exists(const QfNumaNode *n)
{
    return n != NULL;
}

static gboolean node_has_cpu(const QfNumaNode *n)
{
    return n->ncpus > 0;
}

static gboolean node_has_memory(const QfNumaNode *n)
{
    return n->mem_total > 0;
}

static const NodeList node_lists[] = {
    { "online", node_exists, "exists", "does not exist" },
    { "has_cpu", node_has_cpu, "has CPUs", "has no CPUs" },
    { "has_memory", node_has_memory, "has memory", "has no memory" },
};

/* A node list file (online, has_cpu, ...) must agree with the nodes. */
static void check_node_list(QfTopology *topo, const NodeList *list)
{
    g_autofree char *dir = g_build_filename(topo->root, NODE_DIR, NULL);
    g_autofree char *text = read_attr(dir, list->file);
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) ids = NULL;

    if (!text) {
        return;                 /* older kernels lack some of these files */
    }
    ids = qf_parse_id_list(text, &err);
    if (!ids) {
        add_issue(topo, "NUMA: node/%s '%s': %s", list->file, text,
                  err->message);
        return;
    }
    for (guint i = 0; i < ids->len; i++) {
        guint id = g_array_index(ids, guint, i);
        const QfNumaNode *node = qf_topology_find_node(topo, id);
        if (!node) {
            add_issue(topo, "NUMA: node/%s lists node %u, but there is no "
                      "node%u directory", list->file, id, id);
        } else if (!list->has(node)) {
            add_issue(topo, "NUMA: node/%s lists node %u, but node %u %s",
                      list->file, id, id, list->lacks_text);
        }
    }
    for (guint i = 0; i < topo->nodes->len; i++) {
        const QfNumaNode *node = g_ptr_array_index(topo->nodes, i);
        if (list->has(node) && !id_list_contains(ids, node->id)) {
            add_issue(topo, "NUMA: node %u %s but is not listed in node/%s",
                      node->id, list->has_text, list->file);
        }
    }
}

/* Each node's distance list has one entry per node, 10 for itself. */
static void check_distances(QfTopology *topo)
{
    for (guint i = 0; i < topo->nodes->len; i++) {
        QfNumaNode *node = g_ptr_array_index(topo->nodes, i);
        guint n = node->distance->len;

        if (n == 0) {
            continue;
        }
        if (n != topo->nodes->len) {
            add_issue(topo, "NUMA node %u: distance has %u entries for %u "
                      "nodes", node->id, n, topo->nodes->len);
            g_array_set_size(node->distance, 0);
        } else if (g_array_index(node->distance, guint, i) != 10) {
            add_issue(topo, "NUMA node %u: distance to itself is %u, not 10",
                      node->id, g_array_index(node->distance, guint, i));
            g_array_set_size(node->distance, 0);
        }
    }
}

static void check_nodes(QfTopology *topo)
{
    for (guint i = 0; i < G_N_ELEMENTS(node_lists); i++) {
        check_node_list(topo, &node_lists[i]);
    }
    check_distances(topo);
}

/* ---- PCI devices ----------------------------------------------------- */

static void free_gpu(QfGpu *gpu)
{
    g_free(gpu->bdf);
    g_free(gpu->driver);
    g_free(gpu->smmu);
    g_free(gpu->vfio_cdev);
    g_array_unref(gpu->bars);
    g_array_unref(gpu->mem_nodes);
    g_free(gpu);
}

static gboolean is_gpu_class(guint class_code)
{
    guint base_sub = class_code >> 8;

    return base_sub == 0x0300 || base_sub == 0x0302;
}

static void read_bars(QfTopology *topo, QfGpu *gpu, const char *dir)
{
    g_autofree char *text = read_attr(dir, "resource");
    g_auto(GStrv) lines = NULL;

    if (!text) {
        add_issue(topo, "GPU %s: no readable resource file", gpu->bdf);
        return;
    }
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; i < PCI_STD_BARS && lines[i]; i++) {
        guint64 start, end, flags;
        QfPciBar bar = { .index = i };

        if (sscanf(lines[i], "%" G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER
                   "x %" G_GINT64_MODIFIER "x", &start, &end, &flags) != 3) {
            add_issue(topo, "GPU %s: resource line %u is not 'start end "
                      "flags': '%s'", gpu->bdf, i + 1, lines[i]);
            return;
        }
        if (!(flags & IORESOURCE_MEM) || end <= start) {
            continue;
        }
        bar.size = end - start + 1;
        bar.is_64bit = (flags & IORESOURCE_MEM_64) != 0;
        bar.prefetch = (flags & IORESOURCE_PREFETCH) != 0;
        g_array_append_val(gpu->bars, bar);
    }
}

/* The SMMU a device sits behind: its iommu link, else the iommu class. */
static char *find_smmu(const QfTopology *topo, const char *dir,
                       const char *bdf)
{
    g_autofree char *class_dir = NULL;
    g_autoptr(GPtrArray) smmus = NULL;
    char *name = read_link_name(dir, "iommu");

    if (name) {
        return name;
    }
    class_dir = g_build_filename(topo->root, "sys/class/iommu", NULL);
    smmus = list_dir(class_dir, "");
    for (guint i = 0; i < smmus->len; i++) {
        g_autofree char *rel = g_build_filename(
            "sys/class/iommu", (char *)g_ptr_array_index(smmus, i), "devices",
            bdf, NULL);
        if (path_exists(topo->root, rel)) {
            return g_strdup(g_ptr_array_index(smmus, i));
        }
    }
    return NULL;
}

static void read_vfio_cdev(const QfTopology *topo, QfGpu *gpu,
                           const char *dir)
{
    g_autofree char *vfio_dev = g_build_filename(dir, "vfio-dev", NULL);
    g_autoptr(GPtrArray) names = list_dir(vfio_dev, "vfio");
    g_autofree char *node = NULL;

    if (names->len == 0) {
        return;
    }
    gpu->vfio_cdev = g_strdup(g_ptr_array_index(names, 0));
    node = g_build_filename("dev/vfio/devices", gpu->vfio_cdev, NULL);
    gpu->vfio_cdev_node = path_exists(topo->root, node);
}

static void read_gpu_egm(QfTopology *topo, QfGpu *gpu, const char *dir)
{
    g_autoptr(GPtrArray) aux = list_dir(dir, EGM_AUX_PREFIX);
    const char *pxm_text;
    g_autofree char *egm_dir = NULL;
    guint64 pxm, size;

    if (aux->len == 0) {
        return;
    }
    pxm_text = (char *)g_ptr_array_index(aux, 0) + strlen(EGM_AUX_PREFIX);
    if (!g_ascii_string_to_unsigned(pxm_text, 10, 0, 65535, &pxm, NULL)) {
        add_issue(topo, "GPU %s: EGM device '%s' has no proximity domain "
                  "number", gpu->bdf, (char *)g_ptr_array_index(aux, 0));
        return;
    }
    egm_dir = g_strdup_printf("%s/%s/egm/egm%u", dir,
                              (char *)g_ptr_array_index(aux, 0), (guint)pxm);
    if (!read_attr_u64(egm_dir, "egm_size", 16, &size) || size == 0) {
        add_issue(topo, "GPU %s: EGM %u has no readable egm_size", gpu->bdf,
                  (guint)pxm);
        return;
    }
    gpu->egm_pxm = (int)pxm;
    gpu->egm_size = size;
    gpu->egm_from = QF_EGM_OWN;
}

static gboolean parse_hex_attr(const char *dir, const char *name, guint *out)
{
    guint64 v;

    if (!read_attr_u64(dir, name, 16, &v) || v > G_MAXUINT32) {
        return FALSE;
    }
    *out = (guint)v;
    return TRUE;
}

static void read_gpu_node(QfTopology *topo, QfGpu *gpu, const char *dir)
{
    g_autofree char *text = read_attr(dir, "numa_node");
    gint64 node;

    gpu->numa_node = -1;
    if (!text) {
        return;
    }
    if (!g_ascii_string_to_signed(text, 10, -1, 65535, &node, NULL)) {
        add_issue(topo, "GPU %s: numa_node '%s' is not a node number",
                  gpu->bdf, text);
        return;
    }
    gpu->numa_node = (int)node;
}

static QfGpu *read_gpu(QfTopology *topo, const char *dir, const char *bdf,
                       guint vendor, guint class_code)
{
    QfGpu *gpu = g_new0(QfGpu, 1);
    g_autofree char *group = NULL;
    guint64 group_id;

    gpu->bdf = g_strdup(bdf);
    gpu->vendor = vendor;
    gpu->class_code = class_code;
    gpu->bars = g_array_new(FALSE, FALSE, sizeof(QfPciBar));
    gpu->mem_nodes = g_array_new(FALSE, FALSE, sizeof(guint));
    gpu->egm_pxm = -1;
    if (!parse_hex_attr(dir, "device", &gpu->device)) {
        add_issue(topo, "GPU %s: no readable device id", bdf);
    }
    gpu->driver = read_link_name(dir, "driver");
    group = read_link_name(dir, "iommu_group");
    gpu->iommu_group = -1;
    if (group && g_ascii_string_to_unsigned(group, 10, 0, G_MAXINT, &group_id,
                                            NULL)) {
        gpu->iommu_group = (int)group_id;
    }
    gpu->smmu = find_smmu(topo, dir, bdf);
    read_gpu_node(topo, gpu, dir);
    read_bars(topo, gpu, dir);
    read_vfio_cdev(topo, gpu, dir);
    read_gpu_egm(topo, gpu, dir);
    return gpu;
}

static void read_pci_device(QfTopology *topo, const char *devices,
                            const char *bdf)
{
    g_autofree char *dir = g_build_filename(devices, bdf, NULL);
    guint vendor, class_code;

    if (!parse_hex_attr(dir, "vendor", &vendor)) {
        add_issue(topo, "PCI device %s: no readable vendor id", bdf);
        return;
    }
    if (vendor != QF_NVIDIA_VENDOR) {
        return;
    }
    if (!parse_hex_attr(dir, "class", &class_code)) {
        add_issue(topo, "PCI device %s: no readable class", bdf);
        return;
    }
    if (is_gpu_class(class_code)) {
        g_ptr_array_add(topo->gpus,
                        read_gpu(topo, dir, bdf, vendor, class_code));
    }
}

static gint compare_gpu(gconstpointer a, gconstpointer b)
{
    return g_strcmp0((*(QfGpu *const *)a)->bdf, (*(QfGpu *const *)b)->bdf);
}

static void read_gpus(QfTopology *topo)
{
    g_autofree char *devices = g_build_filename(topo->root, PCI_DEVICES,
                                                NULL);
    g_autoptr(GPtrArray) names = list_dir(devices, "");

    for (guint i = 0; i < names->len; i++) {
        read_pci_device(topo, devices, g_ptr_array_index(names, i));
    }
    g_ptr_array_sort(topo->gpus, compare_gpu);
}

static void check_gpu_nodes(QfTopology *topo)
{
    for (guint i = 0; i < topo->gpus->len; i++) {
        const QfGpu *gpu = g_ptr_array_index(topo->gpus, i);
        if (gpu->numa_node >= 0 &&
            !qf_topology_find_node(topo, (guint)gpu->numa_node)) {
            add_issue(topo, "NUMA: GPU %s is on node %d (its numa_node), "
                      "but there is no node%d", gpu->bdf, gpu->numa_node,
                      gpu->numa_node);
        }
    }
}

/*
 * See the header: the CPU-less nodes, 8 per GPU, in order.  Memory does
 * not disqualify a node: a GPU left on the host driver has its memory
 * onlined on its memory node, and it still owns its 8 nodes.
 */
static void assign_gpu_memory_nodes(QfTopology *topo)
{
    g_autoptr(GArray) spare = g_array_new(FALSE, FALSE, sizeof(guint));
    g_autoptr(GString) list = g_string_new(NULL);
    guint want = topo->gpus->len * QF_GPU_MEM_NODES;

    for (guint i = 0; i < topo->nodes->len; i++) {
        const QfNumaNode *node = g_ptr_array_index(topo->nodes, i);
        if (node->ncpus == 0) {
            g_array_append_val(spare, node->id);
            g_string_append_printf(list, "%s%u", list->len ? "," : "",
                                   node->id);
        }
    }
    if (topo->gpus->len == 0) {
        return;
    }
    if (spare->len != want) {
        add_issue(topo, "NUMA: %u GPU(s) need %u memory nodes (%u each, "
                  "without CPUs), but the host has %u such nodes "
                  "(%s)", topo->gpus->len, want, QF_GPU_MEM_NODES, spare->len,
                  list->len ? list->str : "none");
        return;
    }
    for (guint i = 0; i < spare->len; i++) {
        QfGpu *gpu = g_ptr_array_index(topo->gpus, i / QF_GPU_MEM_NODES);
        guint id = g_array_index(spare, guint, i);
        QfNumaNode *node = (QfNumaNode *)qf_topology_find_node(topo, id);

        g_array_append_val(gpu->mem_nodes, id);
        node->gpu_memory = TRUE;
        if (i % QF_GPU_MEM_NODES == 0) {
            gpu->mem_size = node->mem_total;
        }
    }
}

/* ---- SMMUs, EGM, hugepages, device nodes ----------------------------- */

static void free_smmu(QfSmmu *smmu)
{
    g_free(smmu->name);
    g_ptr_array_unref(smmu->gpus);
    g_free(smmu);
}

static QfSmmu *get_smmu(QfTopology *topo, const char *name)
{
    QfSmmu *smmu;

    for (guint i = 0; i < topo->smmus->len; i++) {
        smmu = g_ptr_array_index(topo->smmus, i);
        if (strcmp(smmu->name, name) == 0) {
            return smmu;
        }
    }
    smmu = g_new0(QfSmmu, 1);
    smmu->name = g_strdup(name);
    smmu->gpus = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(topo->smmus, smmu);
    return smmu;
}

static gint compare_smmu(gconstpointer a, gconstpointer b)
{
    return g_strcmp0((*(QfSmmu *const *)a)->name, (*(QfSmmu *const *)b)->name);
}

static void read_smmus(QfTopology *topo)
{
    g_autofree char *dir = g_build_filename(topo->root, "sys/class/iommu",
                                            NULL);
    g_autoptr(GPtrArray) names = list_dir(dir, "smmu3.");

    for (guint i = 0; i < names->len; i++) {
        get_smmu(topo, g_ptr_array_index(names, i));
    }
    for (guint i = 0; i < topo->gpus->len; i++) {
        const QfGpu *gpu = g_ptr_array_index(topo->gpus, i);
        if (gpu->smmu) {
            g_ptr_array_add(get_smmu(topo, gpu->smmu)->gpus,
                            g_strdup(gpu->bdf));
        }
    }
    g_ptr_array_sort(topo->smmus, compare_smmu);
}

static QfEgm *get_egm(QfTopology *topo, guint pxm)
{
    QfEgm *egm = (QfEgm *)qf_topology_find_egm(topo, pxm);
    g_autofree char *dev = NULL;

    if (egm) {
        return egm;
    }
    egm = g_new0(QfEgm, 1);
    egm->pxm = pxm;
    dev = g_strdup_printf("dev/egm%u", pxm);
    egm->dev_node = path_exists(topo->root, dev);
    g_ptr_array_add(topo->egms, egm);
    return egm;
}

static gint compare_egm(gconstpointer a, gconstpointer b)
{
    guint x = (*(QfEgm *const *)a)->pxm, y = (*(QfEgm *const *)b)->pxm;

    return x < y ? -1 : x > y;
}

/* The GPUs sys/class/egm/egm<pxm>/gpu_devices lists take that region. */
static void read_egm_gpu_devices(QfTopology *topo, const char *edir,
                                 guint pxm, guint64 size)
{
    g_autofree char *text = read_attr(edir, "gpu_devices");
    g_auto(GStrv) bdfs = NULL;

    if (!text) {
        return;
    }
    bdfs = g_strsplit_set(text, " \t\n,", -1);
    for (guint i = 0; bdfs[i]; i++) {
        QfGpu *gpu;
        if (!*bdfs[i]) {
            continue;
        }
        gpu = (QfGpu *)qf_topology_find_gpu(topo, bdfs[i]);
        if (!gpu) {
            add_issue(topo, "EGM %u: gpu_devices lists %s, which is not an "
                      "NVIDIA GPU on the PCI bus", pxm, bdfs[i]);
        } else if (gpu->egm_pxm >= 0 && gpu->egm_pxm != (int)pxm) {
            add_issue(topo, "EGM %u: gpu_devices lists GPU %s, which uses "
                      "EGM %d", pxm, gpu->bdf, gpu->egm_pxm);
        } else if (gpu->egm_pxm < 0) {
            gpu->egm_pxm = (int)pxm;
            gpu->egm_size = size;
            gpu->egm_from = QF_EGM_CLASS;
        }
    }
}

/*
 * The RFC layout: the EGM device only under the first GPU of a socket.
 * A GPU without one shares the region of the GPUs on its host node, when
 * they agree on one.
 */
static void share_socket_egm(QfTopology *topo)
{
    for (guint i = 0; i < topo->gpus->len; i++) {
        QfGpu *gpu = g_ptr_array_index(topo->gpus, i);
        const QfGpu *from = NULL;
        gboolean agree = TRUE;

        if (gpu->egm_pxm >= 0 || gpu->numa_node < 0) {
            continue;
        }
        for (guint j = 0; j < topo->gpus->len; j++) {
            const QfGpu *other = g_ptr_array_index(topo->gpus, j);
            if (other->numa_node != gpu->numa_node || other->egm_pxm < 0 ||
                other->egm_from == QF_EGM_SOCKET) {
                continue;
            }
            agree = agree && (!from || from->egm_pxm == other->egm_pxm);
            from = from ? from : other;
        }
        if (from && agree) {
            gpu->egm_pxm = from->egm_pxm;
            gpu->egm_size = from->egm_size;
            gpu->egm_from = QF_EGM_SOCKET;
        }
    }
}

static void read_egms(QfTopology *topo)
{
    g_autofree char *dir = g_build_filename(topo->root, "sys/class/egm",
                                            NULL);
    g_autoptr(GPtrArray) names = list_dir(dir, "egm");

    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *edir = g_build_filename(dir, name, NULL);
        guint64 pxm, size;
        QfEgm *egm;

        if (!g_ascii_string_to_unsigned(name + 3, 10, 0, 65535, &pxm, NULL)) {
            continue;
        }
        if (!read_attr_u64(edir, "egm_size", 16, &size)) {
            add_issue(topo, "EGM %s: no readable egm_size", name);
            continue;
        }
        egm = get_egm(topo, (guint)pxm);
        egm->size = size;
        egm->listed = TRUE;
        read_egm_gpu_devices(topo, edir, (guint)pxm, size);
    }
    share_socket_egm(topo);
    for (guint i = 0; i < topo->gpus->len; i++) {
        const QfGpu *gpu = g_ptr_array_index(topo->gpus, i);
        QfEgm *egm;

        if (gpu->egm_pxm < 0) {
            continue;
        }
        egm = get_egm(topo, (guint)gpu->egm_pxm);
        if (egm->size && egm->size != gpu->egm_size) {
            add_issue(topo, "EGM %d: egm_size differs between GPU %s and "
                      "sys/class/egm", gpu->egm_pxm, gpu->bdf);
        }
        egm->size = gpu->egm_size;
    }
    g_ptr_array_sort(topo->egms, compare_egm);
}

static void read_hugepages(QfTopology *topo)
{
    g_autofree char *dir = g_build_filename(topo->root,
                                            "sys/kernel/mm/hugepages", NULL);

    read_hugepage_dir(dir, topo->hugepages);
}

static void free_hugetlbfs(QfHugetlbfs *fs)
{
    g_free(fs->path);
    g_free(fs);
}

/* The default page size: proc/meminfo's "Hugepagesize: <n> kB". */
static guint64 default_hugepage_size(const QfTopology *topo)
{
    g_autofree char *path = g_build_filename(topo->root, "proc/meminfo",
                                             NULL);
    g_autofree char *text = NULL;
    const char *p;

    if (!g_file_get_contents(path, &text, NULL, NULL) ||
        !(p = strstr(text, "Hugepagesize:"))) {
        return 0;
    }
    return g_ascii_strtoull(p + strlen("Hugepagesize:"), NULL, 10) * 1024;
}

/* The kernel writes "2M", "512M", "1024M", "16G"; 0 when unreadable. */
static guint64 parse_page_size(const char *text)
{
    static const char units[] = "KMGT";
    char *end;
    guint64 n = g_ascii_strtoull(text, &end, 10);
    const char *u = *end ? strchr(units, g_ascii_toupper(*end)) : NULL;

    if (end == text || (*end && (!u || end[1]))) {
        return 0;
    }
    return u ? n << (10 * (u - units + 1)) : n;
}

/* hugetlbfs lines of proc/mounts, with their pagesize= option. */
static void read_hugetlbfs(QfTopology *topo)
{
    g_autofree char *path = g_build_filename(topo->root, "proc/mounts", NULL);
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;
    guint64 dflt = default_hugepage_size(topo);

    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        return;
    }
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        g_auto(GStrv) f = g_strsplit(lines[i], " ", 5);
        g_auto(GStrv) opts = NULL;
        QfHugetlbfs *fs;

        if (g_strv_length(f) < 4 || strcmp(f[2], "hugetlbfs") != 0) {
            continue;
        }
        fs = g_new0(QfHugetlbfs, 1);
        fs->path = g_strdup(f[1]);
        fs->page_size = dflt;
        opts = g_strsplit(f[3], ",", -1);
        for (guint j = 0; opts[j]; j++) {
            if (g_str_has_prefix(opts[j], "pagesize=")) {
                fs->page_size = parse_page_size(opts[j] + strlen("pagesize="));
            }
        }
        g_ptr_array_add(topo->hugetlbfs, fs);
    }
}

/* ---- public ---------------------------------------------------------- */

QfTopology *qf_topology_read(const char *root, GError **error)
{
    g_autoptr(QfTopology) topo = NULL;
    g_autofree char *devices = NULL;

    if (!g_file_test(root, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "sysfs root %s is not a directory", root);
        return NULL;
    }
    devices = g_build_filename(root, PCI_DEVICES, NULL);
    if (!g_file_test(devices, G_FILE_TEST_IS_DIR)) {
        g_set_error(error, QF_ERROR, QF_ERROR_NOT_FOUND,
                    "%s: no %s directory; is this a sysfs root?", root,
                    PCI_DEVICES);
        return NULL;
    }
    topo = g_new0(QfTopology, 1);
    topo->root = g_strdup(root);
    topo->gpus = g_ptr_array_new_with_free_func((GDestroyNotify)free_gpu);
    topo->nodes = g_ptr_array_new_with_free_func((GDestroyNotify)free_node);
    topo->smmus = g_ptr_array_new_with_free_func((GDestroyNotify)free_smmu);
    topo->egms = g_ptr_array_new_with_free_func(g_free);
    topo->hugepages = g_array_new(FALSE, FALSE, sizeof(QfHugepages));
    topo->hugetlbfs = g_ptr_array_new_with_free_func(
        (GDestroyNotify)free_hugetlbfs);
    topo->issues = g_ptr_array_new_with_free_func(g_free);

    read_nodes(topo);
    check_nodes(topo);
    read_gpus(topo);
    check_gpu_nodes(topo);
    assign_gpu_memory_nodes(topo);
    read_smmus(topo);
    read_egms(topo);
    read_hugepages(topo);
    read_hugetlbfs(topo);
    topo->dev_iommu = path_exists(root, "dev/iommu");
    topo->dev_kvm = path_exists(root, "dev/kvm");
    topo->dev_vfio_devices = path_exists(root, "dev/vfio/devices");
    return g_steal_pointer(&topo);
}

void qf_topology_free(QfTopology *topo)
{
    if (!topo) {
        return;
    }
    g_free(topo->root);
    g_ptr_array_unref(topo->gpus);
    g_ptr_array_unref(topo->nodes);
    g_ptr_array_unref(topo->smmus);
    g_ptr_array_unref(topo->egms);
    g_array_unref(topo->hugepages);
    g_ptr_array_unref(topo->hugetlbfs);
    g_ptr_array_unref(topo->issues);
    g_free(topo);
}

const QfGpu *qf_topology_find_gpu(const QfTopology *topo, const char *bdf)
{
    for (guint i = 0; i < topo->gpus->len; i++) {
        const QfGpu *gpu = g_ptr_array_index(topo->gpus, i);
        if (g_ascii_strcasecmp(gpu->bdf, bdf) == 0) {
            return gpu;
        }
    }
    return NULL;
}

const QfNumaNode *qf_topology_find_node(const QfTopology *topo, guint id)
{
    for (guint i = 0; i < topo->nodes->len; i++) {
        const QfNumaNode *node = g_ptr_array_index(topo->nodes, i);
        if (node->id == id) {
            return node;
        }
    }
    return NULL;
}

const QfEgm *qf_topology_find_egm(const QfTopology *topo, guint pxm)
{
    for (guint i = 0; i < topo->egms->len; i++) {
        const QfEgm *egm = g_ptr_array_index(topo->egms, i);
        if (egm->pxm == pxm) {
            return egm;
        }
    }
    return NULL;
}

int qf_topology_distance(const QfTopology *topo, guint from, guint to)
{
    for (guint i = 0; i < topo->nodes->len; i++) {
        const QfNumaNode *node = g_ptr_array_index(topo->nodes, i);
        if (node->id != from) {
            continue;
        }
        for (guint j = 0; j < topo->nodes->len && j < node->distance->len;
             j++) {
            if (((QfNumaNode *)g_ptr_array_index(topo->nodes, j))->id == to) {
                return (int)g_array_index(node->distance, guint, j);
            }
        }
        return -1;
    }
    return -1;
}

guint64 qf_node_free_hugepages(const QfNumaNode *node, guint64 page_size)
{
    for (guint i = 0; i < node->hugepages->len; i++) {
        const QfHugepages *hp = &g_array_index(node->hugepages, QfHugepages,
                                               i);
        if (hp->page_size == page_size) {
            return hp->free;
        }
    }
    return 0;
}
