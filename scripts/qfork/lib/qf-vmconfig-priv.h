/*
 * qfork: what the qf-vmconfig*.c files share and nothing else uses: the
 * constructors of the model and the value checks that validation and the
 * overrides both apply.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_VMCONFIG_PRIV_H
#define QF_VMCONFIG_PRIV_H

#include "qf-vmconfig.h"

/* An empty VM: kvm, host CPU, iommufd0, virt's minimum MMIO window. */
QfVmConfig *qf_vm_config_new(void);
/* A node numbered after the last one, with no CPUs, memory or EGM. */
QfVmNode *qf_vm_node_add(QfVmConfig *cfg);
/* An SMMU with every property "auto" and no GPUs; a GPU with no nodes. */
QfVmSmmu *qf_vm_smmu_new(void);
QfVmGpu *qf_vm_gpu_new(void);

/* Sets a QF_ERROR_PARSE error; returns FALSE. */
G_GNUC_PRINTF(2, 3)
gboolean qf_vm_invalid(GError **error, const char *fmt, ...);

gboolean qf_vm_valid_on_off_auto(const char *v);
gboolean qf_vm_valid_oas(const char *v);
gboolean qf_vm_valid_ssidsize(const char *v);
gboolean qf_vm_valid_device(const char *v);
gboolean qf_vm_valid_mem_path(const char *v);

/* cfg->distances[from][to]; only when cfg->distances is not empty. */
guint qf_vm_distance(const QfVmConfig *cfg, guint from, guint to);

#endif
