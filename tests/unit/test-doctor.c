/*
 * Unit tests of qf_doctor_run() on the fixture hosts and on copies broken
 * in one way each; and that the doctor changes nothing.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-doctor.h"
#include "qf-vmboot.h"
#include "qf-error.h"
#include "sysfs-fixtures.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>

static GPtrArray *run(const char *root)
{
    g_autoptr(GError) err = NULL;
    GPtrArray *findings = qf_doctor_run(root, &err);

    g_assert_no_error(err);
    g_assert_nonnull(findings);
    return findings;
}

static GPtrArray *run_fixture(const char *name)
{
    g_autofree char *root = fixture(name);

    return run(root);
}

/* The finding of @check whose message contains @text, or NULL. */
static const QfFinding *find(const GPtrArray *findings, QfSeverity sev,
                             const char *check, const char *text)
{
    for (guint i = 0; i < findings->len; i++) {
        const QfFinding *f = g_ptr_array_index(findings, i);
        if (f->severity == sev && !strcmp(f->check, check) &&
            strstr(f->message, text)) {
            return f;
        }
    }
    return NULL;
}

static void dump(const GPtrArray *findings)
{
    g_autofree char *text = qf_doctor_format(findings);

    g_test_message("%s", text);
}

static void test_ready_host(void)
{
    static const char *const names[] = { "grace-1gpu", "grace-4gpu",
                                         "grace-2gpu-shared" };

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(GPtrArray) f = run_fixture(names[i]);
        dump(f);
        g_assert_cmpuint(qf_doctor_count(f, QF_FINDING_FAIL), ==, 0);
        g_assert_cmpuint(qf_doctor_count(f, QF_FINDING_WARN), ==, 0);
        g_assert_nonnull(find(f, QF_FINDING_OK, "smmuv3 nesting", "IOMMUFD"));
        g_assert_nonnull(find(f, QF_FINDING_OK, "hugepages",
                              "64 x 512M (64 free)"));
    }
}

static void test_unprepared_host(void)
{
    g_autoptr(GPtrArray) f = run_fixture("broken-unbound");
    const QfFinding *gpu;
    g_autofree char *text = qf_doctor_format(f);

    dump(f);
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "iommufd", "/dev/iommu"));
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "smmuv3 nesting",
                          "CONFIG_ARM_SMMU_V3_IOMMUFD"));
    gpu = find(f, QF_FINDING_FAIL, "gpu 0019:01:00.0", "bound to nvidia");
    g_assert_nonnull(gpu);
    g_assert_nonnull(strstr(gpu->fix, "echo 0019:01:00.0 > "
                            "/sys/bus/pci/drivers/nvidia/unbind"));
    g_assert_nonnull(strstr(gpu->fix, "driver_override"));
    g_assert_nonnull(find(f, QF_FINDING_OK, "gpu 0018:01:00.0", "EGM"));
    g_assert_nonnull(find(f, QF_FINDING_WARN, "hugepages", "no hugepages"));
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "firmware",
                          "2022.11-6+deb12u2 (edk2 2022.11) breaks guest "
                          "NUMA"));
    g_assert_cmpuint(qf_doctor_count(f, QF_FINDING_FAIL), ==, 4);
    /* 0019's EGM (its socket's) is in a tray no VM can have whole */
    g_assert_nonnull(find(f, QF_FINDING_WARN, "egm", "lacks 0019:01:00.0 "
                          "(on the host driver nvidia)"));
    g_assert_cmpuint(qf_doctor_count(f, QF_FINDING_WARN), ==, 2);
    g_assert_nonnull(strstr(text, "FAIL  iommufd: /dev/iommu is missing"));
    g_assert_nonnull(strstr(text, "      fix: modprobe iommufd\n"));
    g_assert_true(g_str_has_suffix(text, "4 problem(s), 2 warning(s)\n"));
}

/* AAVMF: missing, of unknown origin, or of a release that is fine. */
static void test_firmware(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autofree char *status = g_build_filename(root, "var/lib/dpkg/status",
                                               NULL);
    g_autoptr(GPtrArray) good = run(root);
    g_autoptr(GPtrArray) unknown = NULL;
    g_autoptr(GPtrArray) missing = NULL;
    const QfFinding *f;

    g_assert_nonnull(find(good, QF_FINDING_OK, "firmware",
                          "qemu-efi-aarch64 2025.02-8"));
    /* an epoch and a later 2022 release do not count as the bad one */
    g_assert_true(g_file_set_contents(status, "Package: qemu-efi-aarch64\n"
                                      "Status: install ok installed\n"
                                      "Version: 1:2022.08-1\n", -1, NULL));
    {
        g_autoptr(GPtrArray) older = run(root);
        g_assert_nonnull(find(older, QF_FINDING_OK, "firmware",
                              "1:2022.08-1"));
    }
    g_assert_false(qf_vmboot_firmware_breaks_numa("1:2022.08-1"));
    g_assert_true(qf_vmboot_firmware_breaks_numa("2022.11-6+deb12u2"));
    g_assert_true(qf_vmboot_firmware_breaks_numa("1:2022.11-1"));
    g_assert_false(qf_vmboot_firmware_breaks_numa("2026.08+ds-2"));
    drop(root, "var/lib/dpkg");
    unknown = run(root);
    g_assert_nonnull(find(unknown, QF_FINDING_WARN, "firmware",
                          "version is unknown"));
    drop(root, "usr/share/AAVMF");
    missing = run(root);
    f = find(missing, QF_FINDING_FAIL, "firmware", "no UEFI firmware");
    g_assert_nonnull(f);
    g_assert_nonnull(strstr(f->fix, "--firmware"));
    fixture_copy_free(root);
}

static void test_no_gpu(void)
{
    g_autoptr(GPtrArray) f = run_fixture("broken-nogpu");

    g_assert_nonnull(find(f, QF_FINDING_FAIL, "gpus", "no NVIDIA GPU"));
}

static void test_bad_numa(void)
{
    g_autoptr(GPtrArray) f = run_fixture("broken-numa");

    dump(f);
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "topology", "no node9"));
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "topology",
                          "need 8 memory nodes"));
    g_assert_null(find(f, QF_FINDING_OK, "numa", ""));
}

static void test_no_kernel_config(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(GPtrArray) f = NULL;

    drop(root, "boot");
    f = run(root);
    g_assert_nonnull(find(f, QF_FINDING_WARN, "kernel config", "unchecked"));
    /* without the config, the device nodes still decide */
    g_assert_nonnull(find(f, QF_FINDING_OK, "iommufd", "/dev/iommu"));
    g_assert_null(find(f, QF_FINDING_OK, "smmuv3 nesting", ""));
    g_assert_cmpuint(qf_doctor_count(f, QF_FINDING_FAIL), ==, 0);
    fixture_copy_free(root);
}

/* proc/config.gz is read when boot/config-<release> is not there. */
static void test_config_gz(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autofree char *path = g_build_filename(root, "proc/config.gz", NULL);
    g_autoptr(GZlibCompressor) z =
        g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, -1);
    const char config[] = "CONFIG_IOMMUFD=y\nCONFIG_VFIO_DEVICE_CDEV=y\n"
                          "# CONFIG_ARM_SMMU_V3_IOMMUFD is not set\n";
    char out[4096];
    gsize read, written;
    g_autoptr(GPtrArray) f = NULL;
    g_autoptr(GHashTable) cfg = NULL;

    drop(root, "boot");
    g_assert_cmpint(g_converter_convert(G_CONVERTER(z), config,
                                        sizeof(config) - 1, out, sizeof(out),
                                        G_CONVERTER_INPUT_AT_END, &read,
                                        &written, NULL),
                    ==, G_CONVERTER_FINISHED);
    g_assert_true(g_file_set_contents(path, out, (gssize)written, NULL));
    cfg = qf_doctor_kernel_config(root);
    g_assert_nonnull(cfg);
    g_assert_cmpstr(g_hash_table_lookup(cfg, "CONFIG_IOMMUFD"), ==, "y");
    f = run(root);
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "smmuv3 nesting",
                          "built without"));
    g_assert_cmpuint(qf_doctor_count(f, QF_FINDING_FAIL), ==, 1);
    fixture_copy_free(root);
}

static void test_no_cdev(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(GPtrArray) f = NULL;

    drop(root, "dev/vfio/devices");
    f = run(root);
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "vfio cdev",
                          "/dev/vfio/devices is missing"));
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "gpu 0009:01:00.0",
                          "no vfio cdev"));
    fixture_copy_free(root);
}

static void test_shared_group(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autofree char *link = g_build_filename(
        root, "sys/kernel/iommu_groups/12/devices/0000:01:00.0", NULL);
    g_autoptr(GPtrArray) f = NULL;

    g_assert_cmpint(symlink("../../../../devices/pci0000:00/0000:00:00.0/"
                            "0000:01:00.0", link), ==, 0);
    f = run(root);
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "gpu 0009:01:00.0",
                          "IOMMU group 12 also holds 0000:01:00.0, bound to "
                          "mlx5_core"));
    fixture_copy_free(root);
}

static void test_missing_egm_node(void)
{
    char *root = fixture_copy("grace-4gpu");
    g_autoptr(GPtrArray) f = NULL;

    drop(root, "dev/egm5");
    f = run(root);
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "gpu 0018:01:00.0",
                          "/dev/egm5 is missing"));
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "gpu 0019:01:00.0",
                          "/dev/egm5 is missing"));
    g_assert_nonnull(find(f, QF_FINDING_OK, "gpu 0008:01:00.0", "EGM"));
    fixture_copy_free(root);
}

static void test_no_kvm_no_smmu(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(GPtrArray) f = NULL;

    drop(root, "dev/kvm");
    drop(root, "sys/class/iommu");
    drop(root, "sys/bus/pci/devices/0009:01:00.0/iommu");
    f = run(root);
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "kvm", "/dev/kvm is missing"));
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "smmuv3", "no SMMUv3"));
    g_assert_nonnull(find(f, QF_FINDING_FAIL, "gpu 0009:01:00.0",
                          "not behind an SMMUv3"));
    fixture_copy_free(root);
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* Every file's path, mode, mtime and content: what must not change. */
static void snapshot(const char *dir, const char *rel, GString *out)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);

    while (d && (name = g_dir_read_name(d))) {
        g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, compare_names);
    for (guint i = 0; i < names->len; i++) {
        const char *n = g_ptr_array_index(names, i);
        g_autofree char *path = g_build_filename(dir, n, NULL);
        g_autofree char *r = g_build_filename(rel, n, NULL);
        g_autofree char *link = g_file_read_link(path, NULL);
        g_autofree char *data = NULL;
        struct stat st;

        g_assert_cmpint(lstat(path, &st), ==, 0);
        g_string_append_printf(out, "%s %o %ld\n", r, st.st_mode,
                               (long)st.st_mtime);
        if (link) {
            g_string_append_printf(out, "-> %s\n", link);
        } else if (S_ISDIR(st.st_mode)) {
            snapshot(path, r, out);
        } else if (g_file_get_contents(path, &data, NULL, NULL)) {
            g_string_append(out, data);
        }
    }
}

static void test_read_only(void)
{
    char *root = fixture_copy("broken-unbound");
    g_autoptr(GString) before = g_string_new(NULL);
    g_autoptr(GString) after = g_string_new(NULL);
    g_autoptr(GPtrArray) f = NULL;

    snapshot(root, "", before);
    f = run(root);
    snapshot(root, "", after);
    g_assert_true(g_str_equal(before->str, after->str));
    fixture_copy_free(root);
}

static void test_not_a_root(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_null(qf_doctor_run("/nonexistent/sysroot", &err));
    g_assert_error(err, QF_ERROR, QF_ERROR_NOT_FOUND);
}

/* Issue 13: EGM in the layouts that exist, and what would stop a VM. */
static void test_egm_layouts(void)
{
    g_autoptr(GPtrArray) rfc = run_fixture("gb200-egm-rfc");
    g_autoptr(GPtrArray) cls = run_fixture("gb200-egm-class");
    char *root = fixture_egm_conflict();
    g_autoptr(GPtrArray) bad = NULL;

    dump(rfc);
    g_assert_cmpuint(qf_doctor_count(rfc, QF_FINDING_FAIL), ==, 0);
    g_assert_nonnull(find(rfc, QF_FINDING_OK, "egm 4", "400G, /dev/egm4; "
                          "GPUs 0008:01:00.0 (its own device), 0009:01:00.0 "
                          "(shared with its socket's first GPU: RFC "
                          "layout)"));
    g_assert_nonnull(find(cls, QF_FINDING_OK, "egm 5", "0019:01:00.0 "
                          "(sys/class/egm gpu_devices)"));
    /* two regions on one socket: what `qfork vm` leaves out, doctor fails */
    bad = run(root);
    dump(bad);
    g_assert_nonnull(find(bad, QF_FINDING_FAIL, "egm", "different EGM "
                          "regions (4 and 6)"));
    fixture_copy_free(root);
}

/* A GPU the host keeps: a warning, and the tray's EGM is out of reach. */
static void test_host_gpu(void)
{
    g_autoptr(GPtrArray) f = run_fixture("gb200-hostgpu");

    dump(f);
    g_assert_cmpuint(qf_doctor_count(f, QF_FINDING_FAIL), ==, 0);
    g_assert_nonnull(find(f, QF_FINDING_WARN, "gpu 0019:01:00.0", "left on "
                          "the host driver nvidia: its memory (186G) is "
                          "onlined as host node 26"));
    g_assert_nonnull(find(f, QF_FINDING_WARN, "egm", "lacks 0019:01:00.0 "
                          "(on the host driver nvidia)"));
    g_assert_nonnull(find(f, QF_FINDING_OK, "hugepages node 1", "32 free "
                          "512M pages on /dev/hugepages"));
}

/* Distances the guest would refuse are a warning; good ones are said. */
static void test_distances(void)
{
    g_autoptr(GPtrArray) ok = run_fixture("gb200");
    char *root = fixture_copy("gh200");
    g_autofree char *path = g_build_filename(
        root, "sys/devices/system/node/node0/distance", NULL);
    g_autoptr(GPtrArray) bad = NULL;

    g_assert_nonnull(find(ok, QF_FINDING_OK, "distances", "34 nodes"));
    g_assert_true(g_file_set_contents(path, "10 10 80 80 80 80 80 80 80\n",
                                      -1, NULL));
    bad = run(root);
    g_assert_nonnull(find(bad, QF_FINDING_WARN, "distances", "host nodes 0 "
                          "and 1 are 10 apart"));
    fixture_copy_free(root);
}

/* Hugepages must be reserved where the guest RAM goes: the GPUs' nodes. */
static void test_node_hugepages(void)
{
    char *root = fixture_copy("gh200");
    g_autofree char *free_path = g_build_filename(
        root, "sys/devices/system/node/node0/hugepages/hugepages-524288kB/"
        "free_hugepages", NULL);
    g_autoptr(GPtrArray) ok = run(root);
    g_autoptr(GPtrArray) few = NULL;

    g_assert_nonnull(find(ok, QF_FINDING_OK, "hugepages node 0", "64 free "
                          "512M pages"));
    g_assert_true(g_file_set_contents(free_path, "8\n", -1, NULL));
    few = run(root);
    g_assert_nonnull(find(few, QF_FINDING_WARN, "hugepages node 0", "host "
                          "node 0 has 8 free 512M pages (/dev/hugepages), too "
                          "few for the guest node's 16G"));
    fixture_copy_free(root);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/doctor/ready-host", test_ready_host);
    g_test_add_func("/doctor/unprepared-host", test_unprepared_host);
    g_test_add_func("/doctor/firmware", test_firmware);
    g_test_add_func("/doctor/egm-layouts", test_egm_layouts);
    g_test_add_func("/doctor/host-gpu", test_host_gpu);
    g_test_add_func("/doctor/node-hugepages", test_node_hugepages);
    g_test_add_func("/doctor/distances", test_distances);
    g_test_add_func("/doctor/no-gpu", test_no_gpu);
    g_test_add_func("/doctor/bad-numa", test_bad_numa);
    g_test_add_func("/doctor/no-kernel-config", test_no_kernel_config);
    g_test_add_func("/doctor/config-gz", test_config_gz);
    g_test_add_func("/doctor/no-cdev", test_no_cdev);
    g_test_add_func("/doctor/shared-group", test_shared_group);
    g_test_add_func("/doctor/missing-egm-node", test_missing_egm_node);
    g_test_add_func("/doctor/no-kvm-no-smmu", test_no_kvm_no_smmu);
    g_test_add_func("/doctor/read-only", test_read_only);
    g_test_add_func("/doctor/not-a-root", test_not_a_root);
    return g_test_run();
}
