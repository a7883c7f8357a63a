#!/usr/bin/env bash
# A real Linux guest on the VM `qfork vm --emulate` generates (issue 11):
# what the guest kernel makes of the tables is what we promise.
#
# For the 1-GPU, 2-GPUs-behind-one-SMMU and 4-GPU (EGM) fixture hosts and
# the GH200 (host distances, hugepages: issue 13),
# `qfork vm --emulate` prints the command line (TCG, arm-smmuv3 accel=off,
# virtio-rng-pci standing in for each GPU: pci-testdev has no driver in
# the guest, and Linux gives a device an IOMMU group only once a driver
# binds), including the UEFI firmware as pflash (code read-only, a vars
# file of this run) and the guest kernel and initramfs.  The guest is
# Debian's arm64 cloud kernel (ARM_SMMU_V3=y, VIRTIO_PCI=y, ACPI_NUMA=y)
# with a busybox initramfs made here whose /init prints sysfs and
# /sys/firmware/acpi/tables/* on the serial console; on the 4-GPU (EGM)
# VM the host then resets it (system_reset) and it prints them again.  tests/guest/lib/
# check-guest.py then checks, per fixture: the guest's NUMA nodes (CPU
# nodes with memory, exactly the VM's GPU memory nodes as generic
# initiators), each stand-in's numa_node, IOMMU group and SMMUv3 (the one
# the guest's IORT maps its pxb-pcie to), its node distances (the
# description's, where it has them), the DSDT GPU<n> devices with
# their EGM _DSD properties and the guest's binding to them, that the
# guest's SRAT is the one tests/tools/acpi-dump reads, and that the reset
# changed nothing (the tables as QEMU built them, the guest's sysfs): the
# EGM GPU devices are where the DSDT changed across rebuilds before
# patches/0201-* (table row 338211ae1e03).
#
# The 2-GPU VM has 17 NUMA nodes, the 4-GPU VM 34; Debian's kernels have
# NODES_SHIFT=4 (16 nodes).  Asserted there: the guest has exactly nodes
# 0-15 (the CPU nodes and the first GPU memory nodes, in SRAT order), its
# kernel says "SRAT: Too many proximity domains", and `qfork vm` warned
# that the guest kernel needs CONFIG_NODES_SHIFT >= 5 (6 for 34 nodes).
#
# Kernel, busybox and firmware are Debian packages fetched and cached by
# tests/guest/lib/guest-assets.sh (cache/guest/).  The firmware is
# unstable's qemu-efi-aarch64 (2026.08): Debian 12's 2022.11 makes the
# guest fake a single NUMA node (see docs/grace-vm.md);
# GUEST_FIRMWARE=/usr/share/AAVMF/AAVMF_CODE.fd boots that one instead and
# the test fails.
#
# Environment: QEMU_SYSTEM (default qemu/build/qemu-system-aarch64), QFORK,
# GUEST_FIRMWARE (AAVMF code; its AAVMF_VARS.fd beside it), GUEST_HOSTS
# (fixtures, default those three and gh200), GUEST_RESET_HOSTS (those booted a second
# time after system_reset, default grace-4gpu), GUEST_BOOT_TIMEOUT
# (seconds a boot may take, default 120).
# Exit: 0 pass, 77 skip (last line says why), else fail.
# test-lib: exclusive (boots a real Debian guest under TCG)
set -euo pipefail

. "$(dirname "$0")/../lib/test-lib.sh"
qemu=$QEMU_SYSTEM
qfork=$QFORK
python=/usr/bin/python3
lib=$top/tests/guest/lib
hosts=${GUEST_HOSTS:-grace-1gpu grace-2gpu-shared grace-4gpu gh200}
reset_hosts=" ${GUEST_RESET_HOSTS-grace-4gpu} "

[ -x "$qemu" ] || skip "qemu-system-aarch64 not built ($qemu): run make first"
[ -x "$qfork" ] || { echo "qfork not built ($qfork): run make qfork" >&2; exit 1; }
[ -x "$python" ] || skip "needs $python (Debian: python3)"
command -v iasl >/dev/null || skip "needs iasl (Debian: acpica-tools) to decode the guest's DSDT"
. "$top/tests/qemu/lib/vm-tables.bash"

logdir=${QF_TEST_LOGDIR:-$top/build/test-logs}/guest-boot
mkdir -p "$logdir"

# The guest's Debian packages (downloaded once, then from cache/guest/).
assets=$("$lib/guest-assets.sh") || { echo "FAIL: could not get the guest's packages"; exit 1; }
eval "$assets"
firmware=${GUEST_FIRMWARE:-$AAVMF_CODE}
vars_template=$(dirname "$firmware")/AAVMF_VARS.fd
echo "guest: linux-image-cloud-arm64 $KERNEL_VERSION, busybox-static $BUSYBOX_STATIC"
echo "firmware: $firmware (qemu-efi-aarch64 $(
    [ -n "${GUEST_FIRMWARE:-}" ] && dpkg-query -W -f='${Version}' qemu-efi-aarch64 2>/dev/null ||
    echo "$QEMU_EFI_AARCH64"))"
echo "QEMU: $qemu"
"$python" "$lib/mkinitramfs.py" "$BUSYBOX" "$lib/init" "$work/initrd.gz"

overrides=(--override node.cpus=1 --emulate-memory 256M --emulate-device virtio-rng-pci)
if ! grep -qw acpi-egm-memory <<<"$("$qemu" -object help 2>/dev/null)"; then
    echo "this QEMU has no acpi-egm-memory (the fork's EGM patch): egm=off"
    overrides+=(--override egm=off)
fi

failed=0
for host in $hosts; do
    echo "== $host"
    json=$work/$host.json
    cp "$vars_template" "$work/${host}_VARS.fd"
    printed=$("$qfork" vm --sysroot "$top/tests/fixtures/sysfs/$host" --emulate \
        "${overrides[@]}" --qemu "$qemu" --json-out "$json" \
        --firmware "$firmware" --vars "$work/${host}_VARS.fd" \
        --kernel "$KERNEL" --initrd "$work/initrd.gz" \
        --append "console=ttyAMA0 loglevel=1 efi=debug" --print 2>"$work/$host.warn")
    sed 's/^/qfork vm: /' "$work/$host.warn"
    nodes=$("$python" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["nodes"]))' "$json")
    if [ "$nodes" -gt 16 ] && ! grep -q 'needs CONFIG_NODES_SHIFT >= ' "$work/$host.warn"; then
        echo "FAIL qfork vm did not warn about $nodes NUMA nodes"
        failed=1
    fi
    eval "args=($printed)"
    printf '%s\n' "$printed" >"$logdir/$host.cmdline"

    # The tables QEMU builds for this command line, read over qtest.
    if ! vm_read_tables "$json" "$work/tables-$host" "${args[@]}"; then
        echo "FAIL $host: acpi-dump could not read the tables"
        failed=1
        continue
    fi
    # Boot (and system_reset, boot again).  TCG's "max" CPU with the
    # cheaper pointer authentication halves the boot time.
    console=$logdir/$host.console
    boots=1
    [[ $reset_hosts == *" $host "* ]] && boots=2
    if ! "$python" "$lib/run-guest.py" "$console" "$boots" "${GUEST_BOOT_TIMEOUT:-120}" \
            "${args[@]}" -cpu max,pauth-impdef=on; then
        echo "FAIL $host: the guest did not boot $boots time(s) (console: $console)"
        failed=1
        continue
    fi
    mkdir -p "$work/$host"
    if ! "$python" "$lib/check-guest.py" "$json" "$console" \
            "$work/tables-$host/SRAT.dat" "$work/$host" "$boots"; then
        failed=1
        grep -E 'NUMA|SRAT|ACPI: .*(SRAT|IORT)|efi: +0x00000400' "$console" |
            sed 's/^/    console: /' | head -n 40
    fi
done
exit "$failed"
