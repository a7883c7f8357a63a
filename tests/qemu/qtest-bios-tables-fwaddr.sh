#!/usr/bin/env bash
# The two bios-tables-test cases whose expected tables (tests/data/acpi/
# aarch64/virt/HEST, SSDT.memhp) hold addresses that QEMU's bundled edk2
# allocates: the RAS error-status block and the NVDIMM buffer.  The Debian
# +ds tarball has no bundled edk2, and Debian's edk2 allocates elsewhere.
# Each case passes, or, when its tables differ from the expected ones in
# those firmware-allocated addresses and nothing else, is skipped with that
# reason.  Any other difference fails.
# test-lib: exclusive (edk2 boots under TCG, with timeouts)
set -uo pipefail
. "$(dirname "$0")/lib/qtest.bash"
bios_tables_setup
test_at_exit 'rm -rf "$btt_dir"'
passed=0 failed=0 fwaddr=()
for case in "${BIOS_TABLES_FWADDR_CASES[@]}"; do
    if bios_tables_run "$case"; then
        echo "ok   $case"
        passed=$((passed + 1))
    elif bios_tables_fwaddr_only "$case"; then
        echo "skip $case: tables differ from the expected only in edk2-allocated addresses:"
        grep -E 'mismatch\. Actual' "$(bios_tables_log "$case")" | sed 's/^/    /'
        fwaddr+=("$case")
    else
        bios_tables_fail "$case"
        failed=$((failed + 1))
    fi
done
echo "bios-tables-test (firmware-address cases): $passed passed, $failed failed, ${#fwaddr[@]} skipped"
[ "$failed" -eq 0 ] || exit 1
if [ "${#fwaddr[@]}" -gt 0 ]; then
    skip "${fwaddr[*]}: expected tables hold addresses allocated by QEMU's bundled edk2 (not in the +ds tarball); with Debian's edk2 only those differ"
fi
