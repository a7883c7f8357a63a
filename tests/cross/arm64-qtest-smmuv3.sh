#!/usr/bin/env bash
# QEMU's own iommu-smmuv3-test against the Grace host's binary (make
# ARCH=arm64).  This machine's qtest program drives it: a qtest only
# talks to QEMU over a socket, so the cross-built QEMU runs under
# qemu-user (QTEST_QEMU_BINARY is the wrapper) and needs no qtests of its
# own.
# test-lib: exclusive (a QEMU qtest with timeouts, QEMU under qemu-user)
set -uo pipefail
. "$(dirname "$0")/lib/arm64.bash"
QEMU_SYSTEM=$arm64_cmd
[ "$(native_arch)" = arm64 ] || QTEST_DIR=$native_qtests
. "$top/tests/qemu/lib/qtest.bash"
qtest_program iommu-smmuv3-test
cd "$qemu_build" && run_qtest "$prog"
