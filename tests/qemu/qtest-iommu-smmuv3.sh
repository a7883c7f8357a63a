#!/usr/bin/env bash
# QEMU's own SMMUv3 qtest (tests/qtest/iommu-smmuv3-test: translation
# through the emulated SMMUv3 with the iommu-testdev), run against the
# fork's binary: a suite nobody here wrote, covering the area the series
# changes.  Needs no firmware.
# test-lib: exclusive (QEMU qtest with timeouts)
set -uo pipefail
. "$(dirname "$0")/lib/qtest.bash"
qtest_program iommu-smmuv3-test
cd "$qemu_build" && run_qtest "$prog"
