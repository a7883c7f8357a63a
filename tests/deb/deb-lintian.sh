#!/usr/bin/env bash
# lintian on each grace-qemu package of build/deb: no errors (warnings
# and notes are printed, not fatal).
set -uo pipefail
. "$(dirname "$0")/lib/deb.bash"
command -v lintian >/dev/null || skip "lintian not installed (scripts/install-deps.sh installs it)"
n=0
for arch in "$(native_arch)" arm64; do
    deb=$(deb_of "$arch")
    [ -f "$deb" ] || continue
    n=$((n + 1))
    out=$(lintian --fail-on error --display-info "$deb" 2>&1); rc=$?
    [ -z "$out" ] || sed 's/^/    /' <<<"$out"
    errors=$(grep -c '^E: ' <<<"$out")
    [ "$rc" -eq 0 ] && [ "$errors" -eq 0 ] &&
        ok "${deb##*/}: lintian, no errors ($(grep -c '^W: ' <<<"$out") warnings)" ||
        not_ok "${deb##*/}: lintian exit $rc, $errors errors"
done
[ "$n" -gt 0 ] || skip "no grace-qemu package in build/deb: run make deb"
test_done
