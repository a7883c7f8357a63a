#!/usr/bin/env bash
# The fork's SRAT and EGM table tests against the Grace host's binary
# (make ARCH=arm64), under qemu-user here: the generic initiators in
# command-line order across object-del/add and reset (tests/qemu/gi-order.sh)
# and the EGM GPU devices of the DSDT (tests/qemu/egm-dsdt.sh, one reset
# per case: every QEMU start is slower under qemu-user).
# test-lib: exclusive (QEMU under qemu-user, many starts and resets)
set -uo pipefail
. "$(dirname "$0")/lib/arm64.bash"
failed=0
for t in gi-order.sh egm-dsdt.sh; do
    echo "== tests/qemu/$t with QEMU_SYSTEM=${arm64_cmd#"$top"/}"
    start=$(date +%s)
    QEMU_SYSTEM=$arm64_cmd EGM_RESETS=${EGM_RESETS:-1} "$top/tests/qemu/$t"
    rc=$?
    echo "== $t: exit $rc in $(($(date +%s) - start))s"
    [ "$rc" -eq 0 ] || failed=1
done
exit "$failed"
