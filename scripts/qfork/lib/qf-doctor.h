/*
 * qfork: check a host for what Grace GPU passthrough needs.
 *
 * Read-only: everything comes from files below a root directory ("/" on
 * the host, a fixture tree in tests), nothing is written, loaded or bound.
 * Each check yields findings; a failing finding says how to fix it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_DOCTOR_H
#define QF_DOCTOR_H

#include <glib.h>

typedef enum {
    QF_FINDING_OK,
    QF_FINDING_WARN,            /* works, but not as well as it could */
    QF_FINDING_FAIL,            /* GPU passthrough will not work */
} QfSeverity;

typedef struct QfFinding {
    QfSeverity severity;
    char *check;                /* "iommufd", "gpu 0009:01:00.0", ... */
    char *message;
    char *fix;                  /* how to fix it, or NULL */
} QfFinding;

/*
 * Run every check on the host below @root.  Fails only when @root is not
 * a sysfs root at all.  Checks: /dev/kvm; iommufd (/dev/iommu,
 * CONFIG_IOMMUFD); vfio cdev (/dev/vfio/devices, CONFIG_VFIO_DEVICE_CDEV);
 * SMMUv3 instances and nesting (CONFIG_ARM_SMMU_V3_IOMMUFD); each NVIDIA
 * GPU bound to a vfio driver, with its cdev, behind an SMMUv3, alone in
 * its IOMMU group with VFIO-bound devices, with its EGM device; NUMA
 * consistency and the GPUs' memory nodes; hugepages.
 */
GPtrArray *qf_doctor_run(const char *root, GError **error);

guint qf_doctor_count(const GPtrArray *findings, QfSeverity severity);

/* Findings as text for a terminal, one per line plus "fix:" lines. */
char *qf_doctor_format(const GPtrArray *findings);

/*
 * The kernel's configuration: boot/config-<release> (release from
 * proc/sys/kernel/osrelease) or proc/config.gz.  NULL when neither can be
 * read; keys are CONFIG_ names, values "y", "m", ...
 */
GHashTable *qf_doctor_kernel_config(const char *root);

#endif
