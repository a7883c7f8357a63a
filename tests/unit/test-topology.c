/*
 * Unit tests of qf_topology_read() on the fake sysfs trees of
 * tests/fixtures/sysfs and on copies broken in one way each.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-error.h"
#include "qf-topology.h"
#include "sysfs-fixtures.h"

#include <string.h>

#define GIB (1ULL << 30)
#define MIB (1ULL << 20)
#define GPU0 "sys/bus/pci/devices/0009:01:00.0"

static QfTopology *read_fixture(const char *name)
{
    g_autofree char *root = fixture(name);
    g_autoptr(GError) err = NULL;
    QfTopology *topo = qf_topology_read(root, &err);

    g_assert_no_error(err);
    g_assert_nonnull(topo);
    return topo;
}

static QfTopology *read_root(const char *root)
{
    g_autoptr(GError) err = NULL;
    QfTopology *topo = qf_topology_read(root, &err);

    g_assert_no_error(err);
    return topo;
}

/* TRUE when some issue contains every one of the NULL-terminated words. */
static gboolean has_issue(const QfTopology *topo, ...)
{
    for (guint i = 0; i < topo->issues->len; i++) {
        const char *issue = g_ptr_array_index(topo->issues, i);
        gboolean all = TRUE;
        va_list ap;
        const char *word;

        va_start(ap, topo);
        while ((word = va_arg(ap, const char *))) {
            all = all && strstr(issue, word);
        }
        va_end(ap);
        if (all) {
            return TRUE;
        }
    }
    return FALSE;
}

static void dump_issues(const QfTopology *topo)
{
    for (guint i = 0; i < topo->issues->len; i++) {
        g_test_message("issue: %s", (char *)g_ptr_array_index(topo->issues,
                                                              i));
    }
}

static guint node_at(const QfGpu *gpu, guint i)
{
    return g_array_index(gpu->mem_nodes, guint, i);
}

static void test_one_gpu(void)
{
    g_autoptr(QfTopology) topo = read_fixture("grace-1gpu");
    const QfGpu *gpu;
    const QfNumaNode *n0;
    const QfHugepages *hp;

    dump_issues(topo);
    g_assert_cmpuint(topo->issues->len, ==, 0);
    /* the NIC and the NVIDIA non-GPU function are not GPUs */
    g_assert_cmpuint(topo->gpus->len, ==, 1);
    gpu = g_ptr_array_index(topo->gpus, 0);
    g_assert_cmpstr(gpu->bdf, ==, "0009:01:00.0");
    g_assert_cmphex(gpu->vendor, ==, 0x10de);
    g_assert_cmphex(gpu->device, ==, 0x2342);
    g_assert_cmphex(gpu->class_code, ==, 0x030200);
    g_assert_cmpstr(gpu->driver, ==, "vfio-pci");
    g_assert_cmpint(gpu->iommu_group, ==, 12);
    g_assert_cmpstr(gpu->smmu, ==, "smmu3.0x0000000016000000");
    g_assert_cmpint(gpu->numa_node, ==, 0);
    g_assert_cmpstr(gpu->vfio_cdev, ==, "vfio0");
    g_assert_true(gpu->vfio_cdev_node);
    g_assert_cmpint(gpu->egm_pxm, ==, -1);
    g_assert_cmpuint(gpu->bars->len, ==, 3);
    g_assert_cmpuint(g_array_index(gpu->bars, QfPciBar, 1).index, ==, 2);
    g_assert_cmpuint(g_array_index(gpu->bars, QfPciBar, 1).size, ==,
                     128 * GIB);
    g_assert_true(g_array_index(gpu->bars, QfPciBar, 1).is_64bit);
    g_assert_true(g_array_index(gpu->bars, QfPciBar, 1).prefetch);
    g_assert_cmpuint(qf_gpu_bar_space(gpu), ==, 128 * GIB + 96 * MIB);
    g_assert_cmpuint(gpu->mem_nodes->len, ==, 8);
    for (guint i = 0; i < 8; i++) {
        g_assert_cmpuint(node_at(gpu, i), ==, i + 1);
    }
    g_assert_cmpuint(topo->nodes->len, ==, 9);
    n0 = qf_topology_find_node(topo, 0);
    g_assert_cmpuint(n0->ncpus, ==, 72);
    g_assert_cmpuint(n0->mem_total, ==, 480 * GIB);
    g_assert_false(n0->gpu_memory);
    g_assert_true(qf_topology_find_node(topo, 8)->gpu_memory);
    g_assert_cmpuint(topo->smmus->len, ==, 1);
    g_assert_cmpuint(topo->egms->len, ==, 0);
    g_assert_cmpuint(topo->hugepages->len, ==, 3);
    hp = &g_array_index(topo->hugepages, QfHugepages, 1);
    g_assert_cmpuint(hp->page_size, ==, 512 * MIB);
    g_assert_cmpuint(hp->total, ==, 64);
    g_assert_true(topo->dev_iommu && topo->dev_kvm && topo->dev_vfio_devices);
}

static void test_four_gpus(void)
{
    g_autoptr(QfTopology) topo = read_fixture("grace-4gpu");
    static const char *const bdfs[] = {
        "0008:01:00.0", "0009:01:00.0", "0018:01:00.0", "0019:01:00.0",
    };

    dump_issues(topo);
    g_assert_cmpuint(topo->issues->len, ==, 0);
    g_assert_cmpuint(topo->gpus->len, ==, 4);
    g_assert_cmpuint(topo->nodes->len, ==, 34);
    g_assert_cmpuint(topo->smmus->len, ==, 4);
    for (guint i = 0; i < 4; i++) {
        const QfGpu *gpu = g_ptr_array_index(topo->gpus, i);
        const QfSmmu *smmu = g_ptr_array_index(topo->smmus, i);

        g_assert_cmpstr(gpu->bdf, ==, bdfs[i]);
        g_assert_cmpstr(gpu->driver, ==, "nvgrace_gpu_vfio_pci");
        g_assert_true(qf_driver_is_vfio(gpu->driver));
        g_assert_cmpint(gpu->numa_node, ==, i < 2 ? 0 : 1);
        g_assert_cmpint(gpu->egm_pxm, ==, i < 2 ? 4 : 5);
        g_assert_cmpuint(gpu->egm_size, ==, 400 * GIB);
        /* blocks of 8 after the two CPU nodes, in PCI address order */
        g_assert_cmpuint(node_at(gpu, 0), ==, 2 + 8 * i);
        g_assert_cmpuint(node_at(gpu, 7), ==, 9 + 8 * i);
        g_assert_cmpuint(smmu->gpus->len, ==, 1);
        g_assert_cmpstr(g_ptr_array_index(smmu->gpus, 0), ==, gpu->bdf);
    }
    g_assert_cmpuint(topo->egms->len, ==, 2);
    g_assert_cmpuint(qf_topology_find_egm(topo, 4)->size, ==, 400 * GIB);
    g_assert_true(qf_topology_find_egm(topo, 5)->dev_node);
}

static void test_shared_smmu(void)
{
    g_autoptr(QfTopology) topo = read_fixture("grace-2gpu-shared");
    const QfSmmu *smmu;

    g_assert_cmpuint(topo->issues->len, ==, 0);
    g_assert_cmpuint(topo->smmus->len, ==, 1);
    smmu = g_ptr_array_index(topo->smmus, 0);
    g_assert_cmpuint(smmu->gpus->len, ==, 2);
    g_assert_cmpuint(node_at(g_ptr_array_index(topo->gpus, 1), 0), ==, 9);
}

static void test_broken_numa(void)
{
    g_autoptr(QfTopology) topo = read_fixture("broken-numa");

    dump_issues(topo);
    g_assert_true(has_issue(topo, "GPU 0009:01:00.0", "node 9",
                            "no node9", NULL));
    g_assert_true(has_issue(topo, "need 8 memory nodes", "6 such nodes",
                            "(1,2,3,4,5,6)", NULL));
    g_assert_cmpuint(((QfGpu *)g_ptr_array_index(topo->gpus, 0))
                     ->mem_nodes->len, ==, 0);
}

static void test_no_gpu(void)
{
    g_autoptr(QfTopology) topo = read_fixture("broken-nogpu");

    g_assert_cmpuint(topo->gpus->len, ==, 0);
    g_assert_cmpuint(topo->issues->len, ==, 0);
}

static void test_unbound(void)
{
    g_autoptr(QfTopology) topo = read_fixture("broken-unbound");
    const QfGpu *gpu = qf_topology_find_gpu(topo, "0019:01:00.0");

    g_assert_nonnull(gpu);
    g_assert_cmpstr(gpu->driver, ==, "nvidia");
    g_assert_false(qf_driver_is_vfio(gpu->driver));
    g_assert_null(gpu->vfio_cdev);
    g_assert_false(topo->dev_iommu);
}

static void test_online_without_dir(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(QfTopology) topo = NULL;

    fx_write(root, "sys/devices/system/node/online", "0-9\n", -1);
    topo = read_root(root);
    g_assert_true(has_issue(topo, "node/online lists node 9",
                            "no node9 directory", NULL));
    fixture_copy_free(root);
}

static void test_has_cpu_mismatch(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(QfTopology) topo = NULL;

    fx_write(root, "sys/devices/system/node/has_cpu", "0-1\n", -1);
    fx_write(root, "sys/devices/system/node/has_memory", "\n", -1);
    topo = read_root(root);
    dump_issues(topo);
    g_assert_true(has_issue(topo, "has_cpu lists node 1", "has no CPUs",
                            NULL));
    g_assert_true(has_issue(topo, "node 0 has memory",
                            "not listed in node/has_memory", NULL));
    fixture_copy_free(root);
}

static void test_bad_meminfo(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(QfTopology) topo = NULL;

    fx_write(root, "sys/devices/system/node/node3/meminfo", "garbage\n", -1);
    drop(root, "sys/devices/system/node/node4/meminfo");
    topo = read_root(root);
    g_assert_true(has_issue(topo, "node 3", "MemTotal", NULL));
    g_assert_true(has_issue(topo, "node 4", "no readable", NULL));
    fixture_copy_free(root);
}

static void test_bad_cpulist(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(QfTopology) topo = NULL;

    fx_write(root, "sys/devices/system/node/node0/cpulist", "5-2\n", -1);
    topo = read_root(root);
    g_assert_true(has_issue(topo, "node 0", "cpulist '5-2'", NULL));
    fixture_copy_free(root);
}

static void test_gpu_node_missing(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(QfTopology) topo = NULL;

    fx_write(root, GPU0 "/numa_node", "1x\n", -1);
    topo = read_root(root);
    g_assert_true(has_issue(topo, "numa_node '1x'", NULL));
    fixture_copy_free(root);
}

static void test_bad_resource(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(QfTopology) topo = NULL;

    fx_write(root, GPU0 "/resource", "0x0 0x0\n", -1);
    topo = read_root(root);
    g_assert_true(has_issue(topo, "resource line 1", NULL));
    fixture_copy_free(root);
}

/* Without the device's iommu link, the iommu class still names its SMMU. */
static void test_smmu_from_class(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(QfTopology) topo = NULL;

    drop(root, GPU0 "/iommu");
    topo = read_root(root);
    g_assert_cmpstr(((QfGpu *)g_ptr_array_index(topo->gpus, 0))->smmu, ==,
                    "smmu3.0x0000000016000000");
    fixture_copy_free(root);
}

static void test_no_smmu(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(QfTopology) topo = NULL;

    drop(root, GPU0 "/iommu");
    drop(root, "sys/class/iommu");
    topo = read_root(root);
    g_assert_null(((QfGpu *)g_ptr_array_index(topo->gpus, 0))->smmu);
    g_assert_cmpuint(topo->smmus->len, ==, 0);
    fixture_copy_free(root);
}

static void test_cdev_node_missing(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(QfTopology) topo = NULL;
    const QfGpu *gpu;

    drop(root, "dev/vfio/devices/vfio0");
    topo = read_root(root);
    gpu = g_ptr_array_index(topo->gpus, 0);
    g_assert_cmpstr(gpu->vfio_cdev, ==, "vfio0");
    g_assert_false(gpu->vfio_cdev_node);
    fixture_copy_free(root);
}

static void test_egm_size_missing(void)
{
    char *root = fixture_copy("grace-4gpu");
    g_autoptr(QfTopology) topo = NULL;

    drop(root, "sys/bus/pci/devices/0018:01:00.0/nvgrace_gpu_vfio_pci.egm.5/"
         "egm/egm5/egm_size");
    topo = read_root(root);
    g_assert_true(has_issue(topo, "GPU 0018:01:00.0", "EGM 5",
                            "egm_size", NULL));
    fixture_copy_free(root);
}

/* ---- issue 13: the hosts that exist ------------------------------------ */

static const QfGpu *gpu_at(const QfTopology *topo, const char *bdf)
{
    const QfGpu *gpu = qf_topology_find_gpu(topo, bdf);

    g_assert_nonnull(gpu);
    return gpu;
}

/* The RFC layout: the EGM device only under the first GPU of a socket. */
static void test_egm_rfc(void)
{
    g_autoptr(QfTopology) topo = read_fixture("gb200-egm-rfc");

    dump_issues(topo);
    g_assert_cmpuint(topo->issues->len, ==, 0);
    g_assert_cmpint(gpu_at(topo, "0008:01:00.0")->egm_from, ==, QF_EGM_OWN);
    g_assert_cmpint(gpu_at(topo, "0009:01:00.0")->egm_pxm, ==, 4);
    g_assert_cmpint(gpu_at(topo, "0009:01:00.0")->egm_from, ==,
                    QF_EGM_SOCKET);
    g_assert_cmpuint(gpu_at(topo, "0009:01:00.0")->egm_size, ==, 400 * GIB);
    g_assert_cmpint(gpu_at(topo, "0019:01:00.0")->egm_pxm, ==, 5);
    g_assert_cmpuint(topo->egms->len, ==, 2);
}

/* sys/class/egm/egm<pxm>/gpu_devices, nothing under the GPUs. */
static void test_egm_class(void)
{
    g_autoptr(QfTopology) topo = read_fixture("gb200-egm-class");
    static const char *const bdfs[] = {
        "0008:01:00.0", "0009:01:00.0", "0018:01:00.0", "0019:01:00.0",
    };

    dump_issues(topo);
    g_assert_cmpuint(topo->issues->len, ==, 0);
    for (guint i = 0; i < G_N_ELEMENTS(bdfs); i++) {
        const QfGpu *gpu = gpu_at(topo, bdfs[i]);
        g_assert_cmpint(gpu->egm_pxm, ==, i < 2 ? 4 : 5);
        g_assert_cmpint(gpu->egm_from, ==, QF_EGM_CLASS);
        g_assert_cmpuint(gpu->egm_size, ==, 400 * GIB);
    }
    g_assert_true(qf_topology_find_egm(topo, 5)->listed);
    g_assert_true(qf_topology_find_egm(topo, 5)->dev_node);
}

/* A GPU on the host driver keeps its 8 nodes; its memory node has memory. */
static void test_host_gpu_nodes(void)
{
    g_autoptr(QfTopology) topo = read_fixture("gb200-hostgpu");
    const QfGpu *host = gpu_at(topo, "0019:01:00.0");

    dump_issues(topo);
    g_assert_cmpuint(topo->issues->len, ==, 0);
    g_assert_cmpuint(host->mem_nodes->len, ==, 8);
    g_assert_cmpuint(node_at(host, 0), ==, 26);
    g_assert_cmpuint(host->mem_size, ==, 195035136ULL * 1024);
    g_assert_cmpuint(node_at(gpu_at(topo, "0008:01:00.0"), 0), ==, 2);
    g_assert_cmpuint(node_at(gpu_at(topo, "0018:01:00.0"), 7), ==, 25);
    g_assert_cmpuint(gpu_at(topo, "0008:01:00.0")->mem_size, ==, 0);
}

static void test_distances_hugepages(void)
{
    g_autoptr(QfTopology) topo = read_fixture("gb200");
    const QfHugetlbfs *fs;

    g_assert_cmpint(qf_topology_distance(topo, 0, 1), ==, 40);
    g_assert_cmpint(qf_topology_distance(topo, 0, 2), ==, 80);
    g_assert_cmpint(qf_topology_distance(topo, 0, 18), ==, 120);
    g_assert_cmpint(qf_topology_distance(topo, 3, 2), ==, 20);
    g_assert_cmpint(qf_topology_distance(topo, 33, 33), ==, 10);
    g_assert_cmpint(qf_topology_distance(topo, 0, 34), ==, -1);
    g_assert_cmpuint(qf_node_free_hugepages(qf_topology_find_node(topo, 1),
                                            512ULL << 20), ==, 32);
    g_assert_cmpuint(topo->hugetlbfs->len, ==, 1);
    fs = g_ptr_array_index(topo->hugetlbfs, 0);
    g_assert_cmpstr(fs->path, ==, "/dev/hugepages");
    g_assert_cmpuint(fs->page_size, ==, 512ULL << 20);
}

/* A distance list that does not fit the nodes is an issue, and dropped. */
static void test_bad_distance(void)
{
    char *root = fixture_copy("gh200");
    g_autofree char *path = g_build_filename(
        root, "sys/devices/system/node/node3/distance", NULL);
    g_autoptr(QfTopology) topo = NULL;

    g_assert_true(g_file_set_contents(path, "80 20 20\n", -1, NULL));
    topo = read_root(root);
    g_assert_true(has_issue(topo, "NUMA node 3", "3 entries for 9 nodes",
                            NULL));
    g_assert_cmpint(qf_topology_distance(topo, 3, 0), ==, -1);
    fixture_copy_free(root);
}

static void test_not_a_root(void)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *gpu_dir = fixture("grace-1gpu/sys/devices");

    g_assert_null(qf_topology_read("/nonexistent/sysroot", &err));
    g_assert_error(err, QF_ERROR, QF_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(err->message, "/nonexistent/sysroot"));
    g_clear_error(&err);
    g_assert_null(qf_topology_read(gpu_dir, &err));
    g_assert_nonnull(strstr(err->message, "sys/bus/pci/devices"));
}

static void test_id_list(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GArray) ids = qf_parse_id_list("0-3,8,10-11", &err);
    g_autoptr(GArray) empty = qf_parse_id_list("", &err);

    g_assert_no_error(err);
    g_assert_cmpuint(ids->len, ==, 7);
    g_assert_cmpuint(g_array_index(ids, guint, 4), ==, 8);
    g_assert_cmpuint(g_array_index(ids, guint, 6), ==, 11);
    g_assert_cmpuint(empty->len, ==, 0);
    g_assert_null(qf_parse_id_list("3-1", &err));
    g_assert_nonnull(strstr(err->message, "end before start"));
    g_clear_error(&err);
    g_assert_null(qf_parse_id_list("1,,2", &err));
    g_clear_error(&err);
    g_assert_null(qf_parse_id_list("x", &err));
}

static void test_helpers(void)
{
    g_assert_cmpuint(qf_pow2_ceil(1), ==, 1);
    g_assert_cmpuint(qf_pow2_ceil(3), ==, 4);
    g_assert_cmpuint(qf_pow2_ceil(128 * GIB + 1), ==, 256 * GIB);
    g_assert_cmpuint(qf_pow2_ceil(G_MAXUINT64), ==, 0);
    g_assert_true(qf_driver_is_vfio("vfio-pci"));
    g_assert_true(qf_driver_is_vfio("nvgrace_gpu_vfio_pci"));
    g_assert_false(qf_driver_is_vfio("nvidia"));
    g_assert_false(qf_driver_is_vfio(NULL));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/topology/one-gpu", test_one_gpu);
    g_test_add_func("/topology/four-gpus", test_four_gpus);
    g_test_add_func("/topology/shared-smmu", test_shared_smmu);
    g_test_add_func("/topology/broken-numa", test_broken_numa);
    g_test_add_func("/topology/no-gpu", test_no_gpu);
    g_test_add_func("/topology/unbound", test_unbound);
    g_test_add_func("/topology/online-without-dir", test_online_without_dir);
    g_test_add_func("/topology/has-cpu-mismatch", test_has_cpu_mismatch);
    g_test_add_func("/topology/bad-meminfo", test_bad_meminfo);
    g_test_add_func("/topology/bad-cpulist", test_bad_cpulist);
    g_test_add_func("/topology/gpu-node-garbage", test_gpu_node_missing);
    g_test_add_func("/topology/bad-resource", test_bad_resource);
    g_test_add_func("/topology/smmu-from-class", test_smmu_from_class);
    g_test_add_func("/topology/no-smmu", test_no_smmu);
    g_test_add_func("/topology/cdev-node-missing", test_cdev_node_missing);
    g_test_add_func("/topology/egm-size-missing", test_egm_size_missing);
    g_test_add_func("/topology/egm-rfc", test_egm_rfc);
    g_test_add_func("/topology/egm-class", test_egm_class);
    g_test_add_func("/topology/host-gpu-nodes", test_host_gpu_nodes);
    g_test_add_func("/topology/distances-hugepages",
                    test_distances_hugepages);
    g_test_add_func("/topology/bad-distance", test_bad_distance);
    g_test_add_func("/topology/not-a-root", test_not_a_root);
    g_test_add_func("/topology/id-list", test_id_list);
    g_test_add_func("/topology/helpers", test_helpers);
    return g_test_run();
}
