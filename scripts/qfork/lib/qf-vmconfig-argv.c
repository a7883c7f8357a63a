/*
 * qfork: the qemu-system-aarch64 command line of a VM description.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "qf-vmconfig-priv.h"

#include <string.h>
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
    g_autofree char *ras = strcmp(cfg->ras, "auto") != 0
                               ? g_strdup_printf(",ras=%s", cfg->ras)
                               : g_strdup("");

    if (opts->emulate) {
        add_opt(argv, "-machine", "virt,gic-version=3%s,highmem-mmio-size=%s",
                ras, mmio);
        add_opt(argv, "-accel", "tcg");
    } else {
        add_opt(argv, "-machine",
                "virt,accel=%s,gic-version=3%s,highmem-mmio-size=%s",
                cfg->accel, ras, mmio);
    }
    add_opt(argv, "-cpu", "%s", opts->emulate ? "max" : cfg->cpu);
    add_smp(argv, cfg, cpus);
    add_opt(argv, "-m", "%s", mem);
    if (!opts->emulate) {
        add_opt(argv, "-object", "iommufd,id=%s", cfg->iommufd);
    }
}

/*
 * EGM: the region's char device, shared (the host's EGM driver maps it);
 * hugepages: a file on hugetlbfs.  Both preallocated unless told not to.
 * Under --emulate both become RAM, keeping prealloc.
 */
static void add_memory_backend(GPtrArray *argv, const QfVmConfig *cfg,
                               const QfVmNode *node,
                               const QfVmArgvOptions *opts)
{
    g_autofree char *size = qf_format_size(node_memory(node, opts));
    gboolean file = node->egm_pxm >= 0 || node->hugepages;
    g_autofree char *prealloc = file && strcmp(cfg->prealloc, "auto") != 0
                                    ? g_strdup_printf(",prealloc=%s",
                                                      cfg->prealloc)
                                    : g_strdup("");

    if (opts->emulate || !file) {
        add_opt(argv, "-object", "memory-backend-ram,id=mem%u,size=%s%s",
                node->id, size, prealloc);
    } else if (node->egm_pxm >= 0) {
        add_opt(argv, "-object", "memory-backend-file,id=mem%u,size=%s,"
                "mem-path=/dev/egm%d,share=on%s", node->id, size,
                node->egm_pxm, prealloc);
    } else {
        add_opt(argv, "-object", "memory-backend-file,id=mem%u,size=%s,"
                "mem-path=%s%s", node->id, size, node->hugepages, prealloc);
    }
}

/* One direction per pair when the matrix is symmetric, as QEMU allows. */
static void add_distances(GPtrArray *argv, const QfVmConfig *cfg)
{
    guint n = cfg->nodes->len;
    gboolean symmetric = TRUE;

    if (cfg->distances->len == 0) {
        return;
    }
    for (guint i = 0; i < n; i++) {
        for (guint j = i + 1; j < n; j++) {
            symmetric = symmetric &&
                        qf_vm_distance(cfg, i, j) == qf_vm_distance(cfg, j, i);
        }
    }
    for (guint i = 0; i < n; i++) {
        for (guint j = symmetric ? i + 1 : 0; j < n; j++) {
            if (i != j) {
                add_opt(argv, "-numa", "dist,src=%u,dst=%u,val=%u", i, j,
                        qf_vm_distance(cfg, i, j));
            }
        }
    }
}

static void add_numa(GPtrArray *argv, const QfVmConfig *cfg,
                     const QfVmArgvOptions *opts)
{
    guint cpu = 0;

    for (guint i = 0; i < cfg->nodes->len; i++) {
        const QfVmNode *node = g_ptr_array_index(cfg->nodes, i);
        if (node->memory) {
            add_memory_backend(argv, cfg, node, opts);
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
    add_distances(argv, cfg);
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
    /* accel=off refuses each of them but auto (hw/arm/smmuv3.c) */
    for (guint i = 0; i < G_N_ELEMENTS(names) && !opts->emulate; i++) {
        if (strcmp(values[i], "auto") != 0) {
            g_string_append_printf(s, ",%s=%s", names[i], values[i]);
        }
    }
    add_opt(argv, "-device", "%s", s->str);
    for (guint g = 0; g < smmu->gpus->len; g++) {
        const QfVmGpu *gpu = g_ptr_array_index(smmu->gpus, g);
        g_autofree char *pref64 = qf_format_size(gpu->pref64_reserve);
        g_autofree char *rombar = gpu->rombar >= 0
                                      ? g_strdup_printf(",rombar=%d",
                                                        gpu->rombar)
                                      : g_strdup("");

        add_opt(argv, "-device", "pcie-root-port,id=%s,bus=%s,chassis=%u,"
                "io-reserve=0%s%s", gpu->port, smmu->bus, gpu->chassis,
                gpu->pref64_reserve ? ",pref64-reserve=" : "",
                gpu->pref64_reserve ? pref64 : "");
        /* rombar is every PCI device's: the stand-in takes it too */
        if (opts->emulate) {
            add_opt(argv, "-device", "%s,id=%s,bus=%s%s",
                    opts->emulate_device ? opts->emulate_device
                                         : "pci-testdev",
                    gpu->id, gpu->port, rombar);
        } else {
            add_opt(argv, "-device", "%s,id=%s,host=%s,bus=%s,iommufd=%s%s",
                    gpu->device, gpu->id, gpu->host, gpu->port, cfg->iommufd,
                    rombar);
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
    g_ptr_array_add(argv,
                    g_strdup(opts->qemu ? opts->qemu : QF_DEFAULT_QEMU));
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

