#!/usr/bin/env bash
# Apply series.conf to qemu/ with `qfork push -a`, one commit per entry.
# qfork exits 2 when every entry is already applied (quilt's convention):
# that is success here.  On a patch that does not apply, qfork names it and
# leaves qemu/ at the last entry that applied; the build stops.
#
# usage: scripts/apply-series.sh          (env: QFORK)
set -uo pipefail
. "$(dirname "$0")/pipeline-lib.sh"

QFORK=${QFORK:-$TOP/build/qfork}
[ -x "$QFORK" ] || die "$QFORK not built (make builds it first)"

banner "series: qfork push -a (series.conf)"
# qfork finds series.conf in the current directory and qemu/ beside it.
(cd "$TOP" && "$QFORK" push -a)
rc=$?
case $rc in
0) note "series applied: qemu/ is at $(git -C "$TOP/qemu" describe --always HEAD)" ;;
2) note "every series entry is already applied" ;;
*) die "qfork push -a failed (exit $rc); qemu/ is left at the last entry that applied.
  See '$QFORK status' for every entry's state; fix the patch or series.conf and run make again." ;;
esac
