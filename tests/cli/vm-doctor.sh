#!/usr/bin/env bash
# qfork doctor on the fixture hosts: a ready host passes, an unprepared
# one fails listing each problem with its fix, and nothing is changed.
. "$(dirname "$0")/lib/common.sh"

sysfs=$top/tests/fixtures/sysfs

run_qfork 0 doctor --sysroot "$sysfs/grace-4gpu"
expect_in "0 problem(s), 0 warning(s)"
expect_in "ok    gpu 0019:01:00.0: nvgrace_gpu_vfio_pci, /dev/vfio/devices/vfio3"

cp -a "$sysfs/broken-unbound" "$work/host"
before=$(tree_digest "$work/host")
run_qfork 1 doctor --sysroot "$work/host"
expect_in "FAIL  iommufd: /dev/iommu is missing"
expect_in "FAIL  smmuv3 nesting: the kernel is built without CONFIG_ARM_SMMU_V3_IOMMUFD"
expect_in "FAIL  gpu 0019:01:00.0: is bound to nvidia, not to a vfio driver"
expect_in "fix: echo 0019:01:00.0 > /sys/bus/pci/drivers/nvidia/unbind"
expect_in "warn  hugepages: no hugepages reserved"
expect_in "qfork doctor: 4 problems: this host is not ready for GPU passthrough"
expect_eq "$(tree_digest "$work/host")" "$before" "doctor changed nothing"

run_qfork 1 doctor --sysroot "$sysfs/broken-numa"
expect_in "FAIL  topology: NUMA: 1 GPU(s) need 8 memory nodes"
run_qfork 1 doctor --sysroot "$sysfs/broken-nogpu"
expect_in "FAIL  gpus: no NVIDIA GPU"
run_qfork 1 doctor --sysroot "$work/nowhere"
expect_in "is not a directory"

# -q: only the verdict.
run_qfork 1 -q doctor --sysroot "$sysfs/broken-unbound"
expect_eq "$out" "qfork doctor: 4 problems: this host is not ready for GPU passthrough" "-q prints only the verdict"
test_done
