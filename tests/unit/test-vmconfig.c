/*
 * Unit tests of the VM description: built from the fixture hosts, its
 * JSON form (round trip and every validation error), overrides, and the
 * QEMU command line.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-error.h"
#include "qf-vmconfig.h"
#include "sysfs-fixtures.h"

#include <string.h>

#define GIB (1ULL << 30)

static QfVmConfig *build(const char *name, const char *const *gpus,
                         GError **error)
{
    g_autofree char *root = fixture(name);
    g_autoptr(GError) err = NULL;
    g_autoptr(QfTopology) topo = qf_topology_read(root, &err);

    g_assert_no_error(err);
    return qf_vmconfig_from_topology(topo, gpus, error);
}

static QfVmConfig *build_ok(const char *name)
{
    g_autoptr(GError) err = NULL;
    QfVmConfig *cfg = build(name, NULL, &err);

    g_assert_no_error(err);
    g_assert_nonnull(cfg);
    return cfg;
}

static void build_fails(const char *name, const char *const *gpus,
                        const char *want)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(QfVmConfig) cfg = build(name, gpus, &err);

    g_assert_null(cfg);
    g_assert_nonnull(err);
    if (!strstr(err->message, want)) {
        g_error("%s: message '%s' lacks '%s'", name, err->message, want);
    }
}

static char *joined_argv(const QfVmConfig *cfg, const QfVmArgvOptions *o)
{
    g_auto(GStrv) argv = qf_vmconfig_argv(cfg, o);

    return g_strjoinv(" ", argv);
}

static gboolean argv_has(const QfVmConfig *cfg, const QfVmArgvOptions *o,
                         const char *opt, const char *value)
{
    g_auto(GStrv) argv = qf_vmconfig_argv(cfg, o);

    for (guint i = 1; argv[i] && argv[i + 1]; i++) {
        if (!strcmp(argv[i], opt) && !strcmp(argv[i + 1], value)) {
            return TRUE;
        }
    }
    return FALSE;
}

static void test_one_gpu_argv(void)
{
    g_autoptr(QfVmConfig) cfg = build_ok("grace-1gpu");
    g_auto(GStrv) argv = qf_vmconfig_argv(cfg, NULL);
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_auto(GStrv) want = NULL;

    g_strv_builder_add_many(b, "qemu-system-aarch64",
        "-machine", "virt,accel=kvm,gic-version=3,ras=on,"
                    "highmem-mmio-size=1T",
        "-cpu", "host", "-smp", "8,sockets=1,cores=8,threads=1", "-m", "16G",
        "-object", "iommufd,id=iommufd0",
        "-object", "memory-backend-file,id=mem0,size=16G,"
                   "mem-path=/dev/hugepages,prealloc=on",
        "-numa", "node,nodeid=0,cpus=0-7,memdev=mem0", NULL);
    for (guint n = 1; n <= 8; n++) {
        g_autofree char *s = g_strdup_printf("node,nodeid=%u", n);
        g_strv_builder_add_many(b, "-numa", s, NULL);
    }
    g_strv_builder_add_many(b,
        "-device", "pxb-pcie,id=pcie.1,bus_nr=16,bus=pcie.0,numa_node=0",
        "-device", "arm-smmuv3,id=smmuv3.0,primary-bus=pcie.1,accel=on,"
                   "ats=on,ril=off,ssidsize=20,oas=48,cmdqv=on",
        "-device", "pcie-root-port,id=rp0,bus=pcie.1,chassis=1,io-reserve=0,"
                   "pref64-reserve=512G",
        "-device", "vfio-pci-nohotplug,id=gpu0,host=0009:01:00.0,bus=rp0,"
                   "iommufd=iommufd0,rombar=0", NULL);
    for (guint n = 1; n <= 8; n++) {
        g_autofree char *s = g_strdup_printf(
            "acpi-generic-initiator,id=gi%u,pci-dev=gpu0,node=%u", n - 1, n);
        g_strv_builder_add_many(b, "-object", s, NULL);
    }
    want = g_strv_builder_end(b);
    if (!g_strv_equal((const char *const *)argv,
                      (const char *const *)want)) {
        g_autofree char *got = g_strjoinv(" ", argv);
        g_error("unexpected command line: %s", got);
    }
}

static void test_four_gpus(void)
{
    g_autoptr(QfVmConfig) cfg = build_ok("grace-4gpu");
    g_autofree char *line = joined_argv(cfg, NULL);
    g_auto(GStrv) argv = qf_vmconfig_argv(cfg, NULL);
    guint gi = 0, last_gi_node = 1;

    g_assert_cmpuint(cfg->nodes->len, ==, 2 + 32);
    g_assert_cmpuint(cfg->smmus->len, ==, 4);
    g_assert_cmpuint(cfg->highmem_mmio_size, ==, 4096 * GIB);
    /* EGM: the socket nodes' memory is the EGM region, one object per GPU */
    g_assert_true(argv_has(cfg, NULL, "-object", "memory-backend-file,"
                           "id=mem0,size=400G,mem-path=/dev/egm4,share=on,"
                           "prealloc=on"));
    g_assert_true(argv_has(cfg, NULL, "-object", "memory-backend-file,"
                           "id=mem1,size=400G,mem-path=/dev/egm5,share=on,"
                           "prealloc=on"));
    g_assert_true(argv_has(cfg, NULL, "-m", "800G"));
    g_assert_true(argv_has(cfg, NULL, "-object", "acpi-egm-memory,id=egm0,"
                           "pci-dev=gpu0,node=0"));
    g_assert_true(argv_has(cfg, NULL, "-object", "acpi-egm-memory,id=egm3,"
                           "pci-dev=gpu3,node=1"));
    /* one root complex per host SMMU, on the GPU's socket */
    g_assert_true(argv_has(cfg, NULL, "-device", "pxb-pcie,id=pcie.3,"
                           "bus_nr=48,bus=pcie.0,numa_node=1"));
    g_assert_true(argv_has(cfg, NULL, "-device", "vfio-pci-nohotplug,id=gpu3,"
                           "host=0019:01:00.0,bus=rp3,iommufd=iommufd0,"
                           "rombar=0"));
    /* the SMMU options the references set, explicitly */
    g_assert_true(argv_has(cfg, NULL, "-device", "arm-smmuv3,id=smmuv3.3,"
                           "primary-bus=pcie.4,accel=on,ats=on,ril=off,"
                           "ssidsize=20,oas=48,cmdqv=on"));
    g_assert_null(strstr(line, "iommu=smmuv3"));
    /* 8 GI objects per GPU, in node order, after all the devices */
    for (guint i = 1; argv[i]; i++) {
        guint id, node;
        g_autofree char *dev = NULL;
        if (sscanf(argv[i], "acpi-generic-initiator,id=gi%u,pci-dev=gpu%*u,"
                   "node=%u", &id, &node) == 2) {
            g_assert_cmpuint(id, ==, gi);
            g_assert_cmpuint(node, ==, last_gi_node + 1);
            g_assert_cmpuint(node, ==, 2 + gi);
            dev = g_strdup_printf("pci-dev=gpu%u,", gi / 8);
            g_assert_nonnull(strstr(argv[i], dev));
            last_gi_node = node;
            gi++;
        }
    }
    g_assert_cmpuint(gi, ==, 32);
    /* sockets only when every CPU node has as many vCPUs */
    g_assert_true(argv_has(cfg, NULL, "-smp", "16,sockets=2,cores=8,"
                           "threads=1"));
    ((QfVmNode *)g_ptr_array_index(cfg->nodes, 1))->cpus = 4;
    g_assert_true(argv_has(cfg, NULL, "-smp", "12"));
}

static void test_shared_smmu(void)
{
    g_autoptr(QfVmConfig) cfg = build_ok("grace-2gpu-shared");
    const QfVmSmmu *smmu;

    g_assert_cmpuint(cfg->smmus->len, ==, 1);
    smmu = g_ptr_array_index(cfg->smmus, 0);
    g_assert_cmpuint(smmu->gpus->len, ==, 2);
    g_assert_true(argv_has(cfg, NULL, "-device", "pcie-root-port,id=rp1,"
                           "bus=pcie.1,chassis=2,io-reserve=0,"
                           "pref64-reserve=512G"));
    g_assert_true(argv_has(cfg, NULL, "-device", "vfio-pci-nohotplug,id=gpu1,"
                           "host=0009:02:00.0,bus=rp1,iommufd=iommufd0,"
                           "rombar=0"));
    /* two 512G floors and 1G, a power of two */
    g_assert_cmpuint(cfg->highmem_mmio_size, ==, 2048 * GIB);
}

static void test_select_gpus(void)
{
    static const char *const two[] = { "0018:01:00.0", "0008:01:00.0", NULL };
    static const char *const good[] = {
        "0008:01:00.0", "0009:01:00.0", "0018:01:00.0", NULL,
    };
    static const char *const missing[] = { "0007:01:00.0", NULL };
    static const char *const twice[] = { "0008:01:00.0", "0008:01:00.0",
                                         NULL };
    g_autoptr(GError) err = NULL;
    g_autoptr(QfVmConfig) cfg = build("grace-4gpu", two, &err);
    g_autoptr(QfVmConfig) partial = NULL;

    g_assert_no_error(err);
    g_assert_cmpuint(cfg->nodes->len, ==, 2 + 16);
    /* in PCI address order whatever the order asked */
    g_assert_true(argv_has(cfg, NULL, "-device", "vfio-pci-nohotplug,id=gpu0,"
                           "host=0008:01:00.0,bus=rp0,iommufd=iommufd0,"
                           "rombar=0"));
    g_assert_cmpuint(cfg->highmem_mmio_size, ==, 2048 * GIB);
    /* the GPU left on the host driver does not matter when not asked for */
    partial = build("broken-unbound", good, &err);
    g_assert_no_error(err);
    g_assert_cmpuint(partial->smmus->len, ==, 3);
    build_fails("grace-4gpu", missing, "GPU 0007:01:00.0: no NVIDIA GPU");
    build_fails("grace-4gpu", twice, "selected twice");
}

static void test_bad_hosts(void)
{
    build_fails("broken-unbound", NULL,
                "GPU 0019:01:00.0 is bound to nvidia, not to vfio-pci");
    build_fails("broken-nogpu", NULL, "no NVIDIA GPU");
    build_fails("broken-numa", NULL, "inconsistent host data: NUMA");
}

static void test_unusable_gpu(void)
{
    char *root = fixture_copy("grace-1gpu");
    g_autoptr(QfTopology) topo = NULL;
    g_autoptr(QfVmConfig) cfg = NULL;
    g_autoptr(GError) err = NULL;

    drop(root, "dev/vfio/devices/vfio0");
    topo = qf_topology_read(root, &err);
    g_assert_no_error(err);
    cfg = qf_vmconfig_from_topology(topo, NULL, &err);
    g_assert_null(cfg);
    g_assert_nonnull(strstr(err->message, "/dev/vfio/devices/vfio0"));
    g_clear_error(&err);
    g_clear_pointer(&topo, qf_topology_free);
    drop(root, "sys/bus/pci/devices/0009:01:00.0/iommu");
    drop(root, "sys/class/iommu");
    fx_write(root, "dev/vfio/devices/vfio0", "", -1);
    topo = qf_topology_read(root, &err);
    cfg = qf_vmconfig_from_topology(topo, NULL, &err);
    g_assert_null(cfg);
    g_assert_nonnull(strstr(err->message, "not behind an SMMUv3"));
    fixture_copy_free(root);
}

static void test_json_round_trip(void)
{
    static const char *const names[] = {
        "grace-1gpu", "grace-4gpu", "grace-2gpu-shared",
    };

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autoptr(QfVmConfig) cfg = build_ok(names[i]);
        g_autofree char *json = qf_vmconfig_to_json(cfg);
        g_autoptr(GError) err = NULL;
        g_autoptr(QfVmConfig) back = qf_vmconfig_from_json(
            json, strlen(json), "vm.json", &err);
        g_autofree char *json2 = NULL;
        g_autofree char *a = joined_argv(cfg, NULL);
        g_autofree char *b = NULL;

        g_assert_no_error(err);
        json2 = qf_vmconfig_to_json(back);
        g_assert_cmpstr(json, ==, json2);
        b = joined_argv(back, NULL);
        g_assert_cmpstr(a, ==, b);
    }
}

/*
 * The 1-GPU description as JSON with @from replaced by @to must fail to
 * load with a message containing @want.
 */
static void json_edit_fails(const char *from, const char *to,
                            const char *want)
{
    g_autoptr(QfVmConfig) cfg = build_ok("grace-1gpu");
    g_autofree char *json = qf_vmconfig_to_json(cfg);
    g_autoptr(GString) edited = g_string_new(json);
    g_autoptr(GError) err = NULL;
    g_autoptr(QfVmConfig) back = NULL;

    if (!strstr(json, from)) {
        g_error("'%s' is not in the JSON:\n%s", from, json);
    }
    g_string_replace(edited, from, to, 1);
    back = qf_vmconfig_from_json(edited->str, edited->len, "vm.json", &err);
    g_assert_null(back);
    g_assert_error(err, QF_ERROR, QF_ERROR_PARSE);
    if (!strstr(err->message, want)) {
        g_error("'%s' -> '%s': message '%s' lacks '%s'", from, to,
                err->message, want);
    }
}

static void test_json_errors(void)
{
    json_edit_fails("\"qfork-vm\": 1", "\"qfork-vm\": 2",
                    "format version 2");
    json_edit_fails("\"cpu\": \"host\"", "\"cpu\": \"host\", \"cpus\": 4",
                    "vm.json:6: machine: unknown member \"cpus\"");
    json_edit_fails("\"accel\": \"kvm\"", "\"accel\": 1",
                    "\"accel\" must be a string, not an integer");
    json_edit_fails("\"accel\": \"kvm\"", "\"accel\": \"hvf\"",
                    "machine.accel: 'hvf'");
    json_edit_fails("\"type\": \"virt\"", "\"type\": \"sbsa-ref\"",
                    "only virt is supported");
    json_edit_fails("\"gic-version\": 3", "\"gic-version\": 2", "GICv3");
    json_edit_fails("\"highmem-mmio-size\": \"1T\"",
                    "\"highmem-mmio-size\": \"768G\"", "power of two");
    json_edit_fails("\"highmem-mmio-size\": \"1T\"",
                    "\"highmem-mmio-size\": \"256G\"", "at least 512G");
    json_edit_fails("\"highmem-mmio-size\": \"1T\"",
                    "\"highmem-mmio-size\": \"lots\"", "is not a size");
    json_edit_fails("\"memory\": \"16G\"", "\"memory\": \"16Q\"",
                    "nodes[0]: \"memory\": '16Q' is not a size");
    json_edit_fails("{ \"id\": 3 }", "{ \"id\": 30 }",
                    "nodes[3]: id 30, expected 3");
    json_edit_fails("{ \"id\": 3 }", "{ \"id\": 3, \"cpus\": 2, "
                    "\"memory\": \"1G\" }", "nodes[3]: nodes with CPUs must "
                    "come before");
    json_edit_fails("{ \"id\": 0, \"cpus\": 8, \"memory\": \"16G\"",
                    "{ \"id\": 0, \"cpus\": 8", "a node with CPUs needs "
                    "memory");
    json_edit_fails("[1, 2, 3, 4, 5, 6, 7, 8]", "[1, 2, 3, 4, 5, 6, 7, 9]",
                    "memory node 9 is not defined");
    json_edit_fails("[1, 2, 3, 4, 5, 6, 7, 8]", "[1, 2, 3, 4, 5, 6, 7, 7]",
                    "memory node 7 already belongs to another GPU");
    json_edit_fails("[1, 2, 3, 4, 5, 6, 7, 8]", "[0, 2, 3, 4, 5, 6, 7, 8]",
                    "memory node 0 has CPUs or memory");
    json_edit_fails("[1, 2, 3, 4, 5, 6, 7, 8]", "[1, 2, 3, 4, 5, 6, 7]",
                    "has 8 memory nodes, got 7");
    json_edit_fails("[1, 2, 3, 4, 5, 6, 7, 8]", "[1, 2, 3, 4, 5, 6, \"7\", 8]",
                    "memory-nodes[6] must be a node id");
    json_edit_fails("\"id\": \"gpu0\"", "\"id\": \"smmuv3.0\"",
                    "id 'smmuv3.0' is already used");
    json_edit_fails("\"id\": \"gpu0\"", "\"id\": \"gi3\"",
                    "id 'gi3' is already used");
    json_edit_fails("\"id\": \"gpu0\"", "\"id\": \"0gpu\"",
                    "'0gpu' is not a valid QEMU id");
    json_edit_fails("\"host\": \"0009:01:00.0\"", "\"host\": \"9:1:0.0\"",
                    "not a PCI address");
    json_edit_fails("\"oas\": \"48\"", "\"oas\": \"52\"",
                    "implements auto, 44 and 48");
    json_edit_fails("\"ats\": \"on\"", "\"ats\": \"yes\"",
                    "ats, ril and cmdqv take on, off or auto");
    json_edit_fails("\"ssidsize\": \"20\"", "\"ssidsize\": \"21\"",
                    "ssidsize '21'");
    json_edit_fails("\"bus\": \"pcie.1\"", "\"bus\": \"pcie.0\"",
                    "id 'pcie.0' is already used");
    json_edit_fails("\"bus-nr\": 16", "\"bus-nr\": 255",
                    "does not fit in buses");
    json_edit_fails("\"numa-node\": 0", "\"numa-node\": 4",
                    "numa-node 4 is not a node with CPUs");
    json_edit_fails("\"chassis\": 1", "\"chassis\": 0", "chassis 0");
    json_edit_fails("\"chassis\": 1,", "\"egm-node\": 0, \"chassis\": 1,",
                    "egm-node 0 is not a node backed by EGM");
    json_edit_fails("\"port\": \"rp0\",", "", "missing member \"port\"");
    json_edit_fails("\"gpus\": [", "\"gpus\": {\"x\": [", "");
    json_edit_fails("{ \"id\": 8 }", "{ \"id\": 8 }, { \"id\": 9 }",
                    "nodes[9]: has neither CPUs nor memory and belongs to "
                    "no GPU");
}

static void test_json_bus_overlap(void)
{
    g_autoptr(QfVmConfig) cfg = build_ok("grace-4gpu");
    g_autoptr(GError) err = NULL;

    ((QfVmSmmu *)g_ptr_array_index(cfg->smmus, 1))->bus_nr = 17;
    g_assert_false(qf_vmconfig_validate(cfg, &err));
    g_assert_nonnull(strstr(err->message, "overlap at bus 17"));
}

static void test_json_errors_duplicate_host(void)
{
    g_autoptr(QfVmConfig) cfg = build_ok("grace-2gpu-shared");
    g_autoptr(GError) err = NULL;
    QfVmSmmu *smmu = g_ptr_array_index(cfg->smmus, 0);
    QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, 1);

    g_free(gpu->host);
    gpu->host = g_strdup("0009:01:00.0");
    g_assert_false(qf_vmconfig_validate(cfg, &err));
    g_assert_nonnull(strstr(err->message, "passed through twice"));
}

/* A copy is equal and shares nothing: changing it leaves the original. */
static void test_copy(void)
{
    g_autoptr(QfVmConfig) cfg = build_ok("grace-4gpu");
    g_autoptr(QfVmConfig) copy = qf_vmconfig_copy(cfg);
    g_autofree char *want = qf_vmconfig_to_json(cfg);
    g_autofree char *got = qf_vmconfig_to_json(copy);
    QfVmSmmu *smmu = g_ptr_array_index(copy->smmus, 0);
    QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, 0);
    g_autofree char *after = NULL;

    g_assert_cmpstr(got, ==, want);
    g_free(smmu->ats);
    smmu->ats = g_strdup("off");
    g_array_index(gpu->mem_nodes, guint, 0) = 99;
    ((QfVmNode *)g_ptr_array_index(copy->nodes, 0))->cpus = 1;
    g_ptr_array_set_size(copy->smmus, 1);
    after = qf_vmconfig_to_json(cfg);
    g_assert_cmpstr(after, ==, want);
}

static void test_overrides(void)
{
    g_autoptr(QfVmConfig) cfg = build_ok("grace-4gpu");
    static const char *const ov[] = {
        "smmu.ats=off", "smmu1.ril=on", "smmu.oas=44", "smmu.ssidsize=auto",
        "smmu3.cmdqv=off", "node.cpus=4", NULL,
    };
    g_autoptr(GError) err = NULL;

    g_assert_true(qf_vmconfig_apply_overrides(cfg, ov, &err));
    g_assert_no_error(err);
    g_assert_true(argv_has(cfg, NULL, "-device", "arm-smmuv3,id=smmuv3.0,"
                           "primary-bus=pcie.1,accel=on,ats=off,ril=off,"
                           "oas=44,cmdqv=on"));
    g_assert_true(argv_has(cfg, NULL, "-device", "arm-smmuv3,id=smmuv3.1,"
                           "primary-bus=pcie.2,accel=on,ats=off,ril=on,"
                           "oas=44,cmdqv=on"));
    g_assert_true(argv_has(cfg, NULL, "-device", "arm-smmuv3,id=smmuv3.3,"
                           "primary-bus=pcie.4,accel=on,ats=off,ril=off,"
                           "oas=44,cmdqv=off"));
    g_assert_true(argv_has(cfg, NULL, "-smp",
                           "8,sockets=2,cores=4,threads=1"));
    g_assert_true(argv_has(cfg, NULL, "-numa",
                           "node,nodeid=1,cpus=4-7,memdev=mem1"));
}

static void test_override_egm_off(void)
{
    g_autoptr(QfVmConfig) cfg = build_ok("grace-4gpu");
    static const char *const ov[] = { "node.memory=32G", "egm=off", NULL };
    g_autoptr(GError) err = NULL;
    g_autofree char *line = NULL;

    g_assert_true(qf_vmconfig_apply_overrides(cfg, ov, &err));
    line = joined_argv(cfg, NULL);
    g_assert_null(strstr(line, "acpi-egm-memory"));
    g_assert_null(strstr(line, "/dev/egm"));
    g_assert_true(argv_has(cfg, NULL, "-object",
                           "memory-backend-ram,id=mem1,size=32G"));
    g_assert_true(argv_has(cfg, NULL, "-m", "64G"));
}

/* Overrides change everything or nothing. */
static void override_fails(const char *spec, const char *want)
{
    g_autoptr(QfVmConfig) cfg = build_ok("grace-4gpu");
    g_autofree char *before = qf_vmconfig_to_json(cfg);
    g_autofree char *after = NULL;
    const char *ov[] = { "smmu.ats=off", "node.memory=1G", spec, NULL };
    g_autoptr(GError) err = NULL;

    g_assert_false(qf_vmconfig_apply_overrides(cfg, ov, &err));
    g_assert_error(err, QF_ERROR, QF_ERROR_PARSE);
    if (!strstr(err->message, want)) {
        g_error("'%s': message '%s' lacks '%s'", spec, err->message, want);
    }
    after = qf_vmconfig_to_json(cfg);
    g_assert_cmpstr(before, ==, after);
}

static void test_override_errors(void)
{
    override_fails("smmu.ats=maybe", "'smmu.ats=maybe': ats takes on, off "
                   "or auto");
    override_fails("smmu.oas=52", "oas takes auto, 44 or 48");
    override_fails("smmu.ssidsize=21", "ssidsize takes auto or 0..20");
    override_fails("smmu.pasid=on", "unknown SMMU property 'pasid'");
    override_fails("smmu4.ats=on", "the VM has 4 SMMU(s), smmu0 to smmu3");
    override_fails("node.cpus=0", "not a vCPU count");
    override_fails("node.memory=0", "must not be 0");
    override_fails("egm=on", "only egm=off");
    override_fails("machine.highmem-mmio-size=3T",
                   "after the overrides: machine.highmem-mmio-size");
    override_fails("frobnicate=1", "unknown key 'frobnicate'");
    override_fails("smmu.ats", "expected key=value");
    override_fails("=on", "expected key=value");
}

/* ---- issue 13: the hosts that exist ------------------------------------ */

static QfVmConfig *build_gpus_ok(const char *name, const char *const *gpus)
{
    g_autoptr(GError) err = NULL;
    QfVmConfig *cfg = build(name, gpus, &err);

    g_assert_no_error(err);
    g_assert_nonnull(cfg);
    return cfg;
}

static gboolean has_warning(const QfVmConfig *cfg, const char *text)
{
    for (guint i = 0; i < cfg->warnings->len; i++) {
        if (strstr(g_ptr_array_index(cfg->warnings, i), text)) {
            return TRUE;
        }
    }
    return FALSE;
}

static guint count_opts(const QfVmConfig *cfg, const char *opt,
                        const char *prefix)
{
    g_auto(GStrv) argv = qf_vmconfig_argv(cfg, NULL);
    guint n = 0;

    for (guint i = 1; argv[i] && argv[i + 1]; i++) {
        n += !strcmp(argv[i], opt) && g_str_has_prefix(argv[i + 1], prefix);
    }
    return n;
}

/* Defect 1: EGM only under the first GPU of each socket (the RFC). */
static void test_egm_rfc_layout(void)
{
    g_autoptr(QfVmConfig) cfg = build_ok("gb200-egm-rfc");
    static const char *const off[] = { "egm=off", NULL };
    g_autoptr(GError) err = NULL;

    g_assert_true(argv_has(cfg, NULL, "-object", "memory-backend-file,"
                           "id=mem0,size=400G,mem-path=/dev/egm4,share=on,"
                           "prealloc=on"));
    g_assert_true(argv_has(cfg, NULL, "-object", "memory-backend-file,"
                           "id=mem1,size=400G,mem-path=/dev/egm5,share=on,"
                           "prealloc=on"));
    g_assert_true(argv_has(cfg, NULL, "-object", "acpi-egm-memory,id=egm1,"
                           "pci-dev=gpu1,node=0"));
    g_assert_true(argv_has(cfg, NULL, "-object", "acpi-egm-memory,id=egm3,"
                           "pci-dev=gpu3,node=1"));
    g_assert_cmpuint(cfg->warnings->len, ==, 0);
    g_assert_true(qf_vmconfig_apply_overrides(cfg, off, &err));
    g_assert_no_error(err);
    g_assert_cmpuint(count_opts(cfg, "-object", "acpi-egm-memory"), ==, 0);
}

/* Defect 2: EGM as sys/class/egm/egm<pxm> with gpu_devices only. */
static void test_egm_class_layout(void)
{
    g_autoptr(QfVmConfig) cfg = build_ok("gb200-egm-class");

    g_assert_true(argv_has(cfg, NULL, "-object", "memory-backend-file,"
                           "id=mem0,size=400G,mem-path=/dev/egm4,share=on,"
                           "prealloc=on"));
    g_assert_cmpuint(count_opts(cfg, "-object", "acpi-egm-memory"), ==, 4);
    g_assert_cmpuint(cfg->warnings->len, ==, 0);
}

/* Defect 3: EGM goes by compute tray; a part of one gets RAM, and why. */
static void test_egm_tray(void)
{
    static const char *const one[] = { "0018:01:00.0", NULL };
    static const char *const off[] = { "egm=off", NULL };
    g_autoptr(QfVmConfig) cfg = build_gpus_ok("grace-4gpu", one);
    g_autoptr(GError) err = NULL;

    g_assert_cmpuint(count_opts(cfg, "-object", "acpi-egm-memory"), ==, 0);
    g_assert_cmpuint(count_opts(cfg, "-object", "memory-backend-file,id=mem0,"
                                "size=16G,mem-path=/dev/hugepages"), ==, 1);
    g_assert_true(has_warning(cfg, "EGM left out: EGM is per compute tray: "
                              "all 4 GPUs that use it go into one VM, and "
                              "this one lacks 0008:01:00.0, 0009:01:00.0, "
                              "0019:01:00.0"));
    /* asked for: no warning */
    g_assert_true(qf_vmconfig_apply_overrides(cfg, off, &err));
    g_assert_false(has_warning(cfg, "EGM"));
}

/* An inconsistent socket: EGM left out saying so, not a refusal. */
static void test_egm_conflict(void)
{
    char *root = fixture_egm_conflict();
    g_autoptr(QfTopology) topo = NULL;
    g_autoptr(QfVmConfig) cfg = NULL;
    g_autoptr(GError) err = NULL;

    topo = qf_topology_read(root, &err);
    g_assert_no_error(err);
    cfg = qf_vmconfig_from_topology(topo, NULL, &err);
    g_assert_no_error(err);
    g_assert_true(has_warning(cfg, "GPUs 0008:01:00.0 and 0009:01:00.0 on "
                              "host node 0 use different EGM regions (4 "
                              "and 6)"));
    g_assert_cmpuint(count_opts(cfg, "-object", "acpi-egm-memory"), ==, 0);
    fixture_copy_free(root);
}

/* Defect 4: one GPU on the host driver, its memory node onlined. */
static void test_host_gpu_subset(void)
{
    static const char *const one[] = { "0008:01:00.0", NULL };
    static const char *const host[] = { "0019:01:00.0", NULL };
    g_autoptr(QfVmConfig) cfg = build_gpus_ok("gb200-hostgpu", one);

    g_assert_cmpuint(cfg->nodes->len, ==, 1 + 8);
    g_assert_true(argv_has(cfg, NULL, "-device", "vfio-pci-nohotplug,"
                           "id=gpu0,host=0008:01:00.0,bus=rp0,"
                           "iommufd=iommufd0,rombar=0"));
    build_fails("gb200-hostgpu", host, "GPU 0019:01:00.0 is bound to nvidia");
}

/* Defect 5: the MMIO window from the GPU memory, not the physical BARs. */
static void test_mmio_window(void)
{
    static const char *const two[] = { "0008:01:00.0", "0018:01:00.0",
                                       NULL };
    g_autoptr(QfVmConfig) gh = build_ok("gh200");
    g_autoptr(QfVmConfig) gb = build_ok("gb200");
    g_autoptr(QfVmConfig) host = build_gpus_ok("gb200-hostgpu", two);
    g_autofree char *json = qf_vmconfig_to_json(gh);

    g_assert_cmpuint(gh->highmem_mmio_size, ==, 1024 * GIB);
    g_assert_nonnull(strstr(gh->highmem_mmio_from, "1 GPU(s) x 512G (GPU "
                            "memory not shown while on vfio, 64-bit BARs "
                            "160M, the 512G floor) + 1G"));
    g_assert_nonnull(strstr(json, "\"highmem-mmio-size-from\": \"1 GPU(s)"));
    g_assert_cmpuint(gb->highmem_mmio_size, ==, 4096 * GIB);
    g_assert_true(argv_has(gb, NULL, "-device", "pcie-root-port,id=rp3,"
                           "bus=pcie.4,chassis=4,io-reserve=0,"
                           "pref64-reserve=512G"));
    /* the same model's memory, as the host shows it on the GPU it kept */
    g_assert_nonnull(strstr(host->highmem_mmio_from, "GPU memory 186G on "
                            "host node 26 of 0019:01:00.0"));
    g_assert_cmpuint(host->highmem_mmio_size, ==, 2048 * GIB);
}

/* The host's distances on the guest's nodes; GI nodes take the GPU's. */
static void test_distances(void)
{
    g_autoptr(QfVmConfig) gh = build_ok("gh200");
    g_autoptr(QfVmConfig) gb = build_ok("gb200");
    static const char *const off[] = { "distances=off", NULL };
    g_autoptr(GError) err = NULL;

    g_assert_true(argv_has(gh, NULL, "-numa", "dist,src=0,dst=1,val=80"));
    g_assert_true(argv_has(gh, NULL, "-numa", "dist,src=7,dst=8,val=20"));
    g_assert_cmpuint(count_opts(gh, "-numa", "dist,"), ==, 9 * 8 / 2);
    /* guest 2-9: GPU 0 (host 2-9), 10-17: GPU 1, 18-25: GPU 2 (socket 1) */
    g_assert_true(argv_has(gb, NULL, "-numa", "dist,src=0,dst=1,val=40"));
    g_assert_true(argv_has(gb, NULL, "-numa", "dist,src=0,dst=9,val=80"));
    g_assert_true(argv_has(gb, NULL, "-numa", "dist,src=1,dst=9,val=120"));
    g_assert_true(argv_has(gb, NULL, "-numa", "dist,src=2,dst=9,val=20"));
    g_assert_true(argv_has(gb, NULL, "-numa", "dist,src=9,dst=10,val=80"));
    g_assert_true(argv_has(gb, NULL, "-numa", "dist,src=9,dst=25,val=120"));
    g_assert_cmpuint(count_opts(gb, "-numa", "dist,"), ==, 34 * 33 / 2);
    g_assert_true(qf_vmconfig_apply_overrides(gb, off, &err));
    g_assert_cmpuint(count_opts(gb, "-numa", "dist,"), ==, 0);
}

/* Guest RAM on the node's hugepages; too few of them: RAM, and why. */
static void test_hugepages(void)
{
    g_autoptr(QfVmConfig) gh = build_ok("gh200");
    static const char *const ov[] = { "hugepages=off", "prealloc=off",
                                      NULL };
    char *root = fixture_copy("gh200");
    g_autofree char *free_path = g_build_filename(
        root, "sys/devices/system/node/node0/hugepages/hugepages-524288kB/"
        "free_hugepages", NULL);
    g_autoptr(QfTopology) topo = NULL;
    g_autoptr(QfVmConfig) few = NULL;
    g_autoptr(GError) err = NULL;

    g_assert_true(argv_has(gh, NULL, "-object", "memory-backend-file,id=mem0,"
                           "size=16G,mem-path=/dev/hugepages,prealloc=on"));
    g_assert_true(qf_vmconfig_apply_overrides(gh, ov, &err));
    g_assert_true(argv_has(gh, NULL, "-object",
                           "memory-backend-ram,id=mem0,size=16G"));

    g_assert_true(g_file_set_contents(free_path, "8\n", -1, NULL));
    topo = qf_topology_read(root, &err);
    few = qf_vmconfig_from_topology(topo, NULL, &err);
    g_assert_no_error(err);
    g_assert_true(argv_has(few, NULL, "-object",
                           "memory-backend-ram,id=mem0,size=16G"));
    g_assert_true(has_warning(few, "hugepages: host node 0 has 8 free 512M "
                              "pages (/dev/hugepages), too few for the guest "
                              "node's 16G"));
    fixture_copy_free(root);
}

/* The new options, overridden, and refused when wrong. */
static void test_device_overrides(void)
{
    g_autoptr(QfVmConfig) cfg = build_ok("gh200");
    static const char *const ov[] = {
        "gpu.device=vfio-pci", "gpu.rombar=auto", "gpu.pref64-reserve=0",
        "machine.ras=off", "hugepages=/mnt/huge1G", NULL,
    };
    g_autoptr(GError) err = NULL;
    g_autofree char *line = NULL;

    g_assert_true(qf_vmconfig_apply_overrides(cfg, ov, &err));
    g_assert_no_error(err);
    g_assert_true(argv_has(cfg, NULL, "-device", "vfio-pci,id=gpu0,"
                           "host=0009:01:00.0,bus=rp0,iommufd=iommufd0"));
    g_assert_true(argv_has(cfg, NULL, "-device", "pcie-root-port,id=rp0,"
                           "bus=pcie.1,chassis=1,io-reserve=0"));
    g_assert_true(argv_has(cfg, NULL, "-object", "memory-backend-file,id=mem0,"
                           "size=16G,mem-path=/mnt/huge1G,prealloc=on"));
    line = joined_argv(cfg, NULL);
    g_assert_nonnull(strstr(line, "virt,accel=kvm,gic-version=3,ras=off,"));
    override_fails("gpu.device=virtio-gpu", "takes vfio-pci or "
                   "vfio-pci-nohotplug");
    override_fails("gpu.rombar=2", "takes 0, 1 or auto");
    override_fails("gpu.bar=1", "unknown GPU property 'bar'");
    override_fails("hugepages=dev/hugepages", "absolute path");
    override_fails("hugepages=/a,b", "no commas");
    override_fails("prealloc=maybe", "takes on, off or auto");
    override_fails("machine.ras=1", "takes on, off or auto");
    override_fails("distances=on", "only distances=off");
}

static void test_json_new_members(void)
{
    json_edit_fails("\"device\": \"vfio-pci-nohotplug\"",
                    "\"device\": \"vfio-platform\"",
                    "device 'vfio-platform' is not vfio-pci");
    json_edit_fails("\"rombar\": 0", "\"rombar\": 2", "\"rombar\": 2 is not "
                    "in 0..1");
    json_edit_fails("\"ras\": \"on\"", "\"ras\": \"yes\"", "machine.ras");
    json_edit_fails("\"memory-prealloc\": \"on\"",
                    "\"memory-prealloc\": \"always\"", "memory-prealloc");
}

static void test_emulate(void)
{
    g_autoptr(QfVmConfig) cfg = build_ok("grace-4gpu");
    QfVmArgvOptions o = { .qemu = "/opt/qemu", .emulate = TRUE };
    g_autofree char *line = joined_argv(cfg, &o);

    g_assert_true(g_str_has_prefix(line, "/opt/qemu -machine virt,"
                                   "gic-version=3,ras=on,"
                                   "highmem-mmio-size=4T "
                                   "-accel tcg -cpu max"));
    g_assert_null(strstr(line, "iommufd"));
    g_assert_null(strstr(line, "vfio-pci"));
    g_assert_null(strstr(line, "/dev/egm"));
    g_assert_null(strstr(line, "accel=on"));
    /* accel=off refuses ats=on, ril=off, ssidsize>0, oas=48, cmdqv=on */
    g_assert_true(argv_has(cfg, &o, "-device", "arm-smmuv3,id=smmuv3.0,"
                           "primary-bus=pcie.1,accel=off"));
    g_assert_true(argv_has(cfg, &o, "-device",
                           "pci-testdev,id=gpu2,bus=rp2,rombar=0"));
    g_assert_true(argv_has(cfg, &o, "-object", "acpi-egm-memory,id=egm2,"
                           "pci-dev=gpu2,node=1"));
    o.emulate_memory = 256ULL << 20;
    g_assert_true(argv_has(cfg, &o, "-object",
                           "memory-backend-ram,id=mem1,size=256M,"
                           "prealloc=on"));
    g_assert_true(argv_has(cfg, &o, "-m", "512M"));
    o.emulate_device = "virtio-rng-pci";
    g_assert_true(argv_has(cfg, &o, "-device",
                           "virtio-rng-pci,id=gpu0,bus=rp0,rombar=0"));
}

static void test_sizes(void)
{
    guint64 v;
    g_autoptr(GError) err = NULL;
    static const struct {
        const char *text;
        guint64 bytes;
    } good[] = {
        {"0", 0}, {"1024", 1024}, {"16G", 16 * GIB}, {"4t", 4096 * GIB},
        {"512M", 512ULL << 20}, {"3K", 3072},
    };
    static const char *const bad[] = {
        "", "G", "-1", "1.5G", "16GB", "99999999999999999999", "17179869184G",
    };

    for (guint i = 0; i < G_N_ELEMENTS(good); i++) {
        g_assert_true(qf_parse_size(good[i].text, &v, &err));
        g_assert_cmpuint(v, ==, good[i].bytes);
    }
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_assert_false(qf_parse_size(bad[i], &v, &err));
        g_assert_nonnull(strstr(err->message, "is not a size"));
        g_clear_error(&err);
    }
    for (guint i = 0; i < 4; i++) {
        static const char *const want[] = { "4T", "1536M", "1025", "0" };
        guint64 in[] = { 4096 * GIB, 1536ULL << 20, 1025, 0 };
        g_autofree char *s = qf_format_size(in[i]);
        g_assert_cmpstr(s, ==, want[i]);
    }
}

static void test_shell(void)
{
    const char *argv[] = { "qemu", "-machine", "virt", "-name", "my vm",
                           "-append", "a'b", NULL };
    g_autofree char *s = qf_argv_to_shell(argv);

    g_assert_cmpstr(s, ==, "qemu \\\n    -machine virt \\\n    -name "
                    "'my vm' \\\n    -append 'a'\\''b'\n");
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/vmconfig/one-gpu-argv", test_one_gpu_argv);
    g_test_add_func("/vmconfig/four-gpus", test_four_gpus);
    g_test_add_func("/vmconfig/shared-smmu", test_shared_smmu);
    g_test_add_func("/vmconfig/select-gpus", test_select_gpus);
    g_test_add_func("/vmconfig/bad-hosts", test_bad_hosts);
    g_test_add_func("/vmconfig/unusable-gpu", test_unusable_gpu);
    g_test_add_func("/vmconfig/json-round-trip", test_json_round_trip);
    g_test_add_func("/vmconfig/json-errors", test_json_errors);
    g_test_add_func("/vmconfig/bus-overlap", test_json_bus_overlap);
    g_test_add_func("/vmconfig/duplicate-host",
                    test_json_errors_duplicate_host);
    g_test_add_func("/vmconfig/copy", test_copy);
    g_test_add_func("/vmconfig/overrides", test_overrides);
    g_test_add_func("/vmconfig/override-egm-off", test_override_egm_off);
    g_test_add_func("/vmconfig/override-errors", test_override_errors);
    g_test_add_func("/vmconfig/emulate", test_emulate);
    g_test_add_func("/vmconfig/egm-rfc-layout", test_egm_rfc_layout);
    g_test_add_func("/vmconfig/egm-class-layout", test_egm_class_layout);
    g_test_add_func("/vmconfig/egm-tray", test_egm_tray);
    g_test_add_func("/vmconfig/egm-conflict", test_egm_conflict);
    g_test_add_func("/vmconfig/host-gpu-subset", test_host_gpu_subset);
    g_test_add_func("/vmconfig/mmio-window", test_mmio_window);
    g_test_add_func("/vmconfig/distances", test_distances);
    g_test_add_func("/vmconfig/hugepages", test_hugepages);
    g_test_add_func("/vmconfig/device-overrides", test_device_overrides);
    g_test_add_func("/vmconfig/json-new-members", test_json_new_members);
    g_test_add_func("/vmconfig/sizes", test_sizes);
    g_test_add_func("/vmconfig/shell", test_shell);
    return g_test_run();
}
