#!/usr/bin/env bash
# QEMU's own bios-tables-test, every aarch64 virt case (SMMUv3 legacy and
# user-created, pxb, VIOT, NUMA/HMAT, PCI hotplug...) run against the
# fork's binary: the ACPI tables that edk2 installs must equal QEMU's
# expected ones.  edk2 comes from Debian's qemu-efi-aarch64 (the +ds
# tarball has none); without it the test is skipped, saying so.  The two
# cases whose expected tables hold addresses only QEMU's bundled edk2
# allocates are run by qtest-bios-tables-fwaddr.sh.
# test-lib: exclusive (15 edk2 boots under TCG, with timeouts)
set -uo pipefail
. "$(dirname "$0")/lib/qtest.bash"
bios_tables_setup
test_at_exit 'rm -rf "$btt_dir"'
passed=0 failed=0
for case in $btt_cases; do
    if grep -qx "$case" <<<"$(printf '%s\n' "${BIOS_TABLES_FWADDR_CASES[@]}")"; then
        continue
    fi
    start=$(date +%s)
    if bios_tables_run "$case"; then
        echo "ok   $case ($(($(date +%s) - start))s)"
        passed=$((passed + 1))
    else
        bios_tables_fail "$case"
        failed=$((failed + 1))
    fi
done
echo "bios-tables-test (aarch64): $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
