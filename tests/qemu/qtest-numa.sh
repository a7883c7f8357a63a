#!/usr/bin/env bash
# QEMU's own NUMA qtest (tests/qtest/numa-test: -numa node/cpu/dist/hmat
# options as QMP query-cpus-fast and the machine see them; on aarch64 virt
# also with pxb-pcie).  Some cases create virtio-net-pci, whose option ROM
# the Debian +ds tarball lacks: the build finds Debian's ipxe-qemu ROMs
# through --firmwarepath (scripts/configure-qemu.sh).
# test-lib: exclusive (QEMU qtest with timeouts)
set -uo pipefail
. "$(dirname "$0")/lib/qtest.bash"
qtest_program numa-test
[ -f /usr/lib/ipxe/qemu/efi-virtio.rom ] ||
    skip "numa-test needs /usr/lib/ipxe/qemu/efi-virtio.rom (Debian package ipxe-qemu)"
cd "$qemu_build" && run_qtest "$prog"
