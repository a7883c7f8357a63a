/*
 * qfork: how a Grace VM boots -- its UEFI firmware, its own variable
 * store, the guest's disk or kernel -- and what the guest needs of them.
 *
 * The VM boots UEFI (AAVMF): ACPI, and with it SRAT's generic initiators
 * and the IORT, reaches an arm64 guest only through UEFI.  pflash unit 0
 * is the firmware code, read-only; unit 1 is the VM's own copy of the
 * variable store template, created once and never overwritten.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#ifndef QF_VMBOOT_H
#define QF_VMBOOT_H

#include <glib.h>

/* Debian's qemu-efi-aarch64 (bookworm and later). */
#define QF_VM_DEFAULT_FIRMWARE "/usr/share/AAVMF/AAVMF_CODE.fd"
#define QF_VM_FIRMWARE_PACKAGE "qemu-efi-aarch64"
/* The VM's variable store when neither --vars nor a JSON file names it. */
#define QF_VM_DEFAULT_VARS "grace-vm_VARS.fd"
/* NUMA nodes a Debian arm64 kernel sees: CONFIG_NODES_SHIFT=4. */
#define QF_VM_DEBIAN_GUEST_NODES 16

typedef struct QfVmBoot {
    const char *firmware; /* pflash 0, read-only */
    const char *vars;     /* pflash 1, the VM's variable store */
    const char *disk;     /* boot disk (virtio-blk on pcie.0) */
    const char
        *disk_format;   /* "raw", "qcow2"; NULL: ask qf_vmboot_disk_format */
    const char *kernel; /* -kernel: UEFI boots it from fw_cfg */
    const char *initrd;
    const char *append;
} QfVmBoot;

/* The firmware and boot options, in QEMU's argv form (NULL-terminated). */
GStrv qf_vmboot_argv(const QfVmBoot *boot);

/*
 * The variable store template beside @firmware: "CODE" in its name
 * replaced by "VARS" up to the first dot (AAVMF_CODE.ms.fd ->
 * AAVMF_VARS.ms.fd, AAVMF_CODE.no-secboot.fd -> AAVMF_VARS.fd), the first
 * that exists; NULL when none does.
 */
char *qf_vmboot_vars_template(const char *firmware);

/* The VM's vars file for a VM described by @json (NULL: none). */
char *qf_vmboot_default_vars(const char *json);

/*
 * Create @vars as a copy of @template unless it exists (never
 * overwritten: it holds the VM's boot entries).  Written to a temporary
 * file and renamed, so a failed copy leaves nothing behind.
 */
gboolean qf_vmboot_prepare_vars(const char *vars, const char *template,
                                GError **error);

/* "qcow2" or "raw", from the file's first bytes. */
const char *qf_vmboot_disk_format(const char *path, GError **error);

/*
 * The CONFIG_NODES_SHIFT a guest kernel needs to see @nodes NUMA nodes
 * (the smallest s with 2^s >= nodes).
 */
guint qf_vmboot_nodes_shift(guint nodes);

/*
 * The version of dpkg package @package installed below @root
 * (var/lib/dpkg/status), NULL when it is not installed.
 */
char *qf_vmboot_dpkg_version(const char *root, const char *package);

/*
 * Does AAVMF of Debian version @version break guest NUMA?  edk2
 * 789a72328553 (2022-10-24, edk2-stable202211) mapped the variable flash
 * bank as EFI_MEMORY_WC; Linux takes WC runtime MMIO for memory, adds
 * 0x04000000-0x07ffffff to memblock, finds no SRAT node for it and drops
 * NUMA ("NUMA: Faking a node").  e5ec3ba409 (2023-01-11,
 * edk2-stable202302) made it EFI_MEMORY_UC again.  Only upstream 2022.11
 * has it (Debian 12's qemu-efi-aarch64 2022.11-6+deb12u2).
 */
gboolean qf_vmboot_firmware_breaks_numa(const char *version);

#endif
