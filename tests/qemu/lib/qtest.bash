# Helpers for tests/qemu/qtest-*.sh: run one of QEMU's own qtest programs
# (built by scripts/build-qemu.sh in qemu/build/tests/qtest/) against the
# built qemu-system-aarch64, and judge its TAP output.  Sourced.

. "$(dirname "${BASH_SOURCE[0]}")/../../lib/test-lib.sh"
qemu=$QEMU_SYSTEM
qemu_build=$(cd "$(dirname "$qemu")" 2>/dev/null && pwd) || qemu_build=$top/qemu/build
# QTEST_DIR: where the qtest programs are (default: the binary's build).
# A cross-built binary is tested with this machine's qtests, which only
# talk to QEMU over a socket (tests/cross/).
qtest_dir=${QTEST_DIR:-$qemu_build/tests/qtest}

# qtest_program NAME: set $prog to the path of a built qtest, or skip
# saying why.
qtest_program() {
    require_qemu
    prog=$qtest_dir/$1
    [ -x "$prog" ] || skip "$1 not built ($prog): scripts/build-qemu.sh builds it"
}

# run_qtest PROGRAM [ARGS...]: run it in the current directory with
# QTEST_QEMU_BINARY set, print its TAP output, and fail unless at least
# one case passed and none failed.  Skipped cases are listed with QEMU's
# reason; a run where every case skipped exits 77.
run_qtest() {
    local prog=$1 out rc pass fail skipn
    shift
    out=$(mktemp)
    echo "QTEST_QEMU_BINARY=$qemu $prog --tap -k $*"
    QTEST_QEMU_BINARY=$qemu timeout "${QTEST_TIMEOUT:-600}" "$prog" --tap -k "$@" >"$out" 2>&1
    rc=$?
    cat "$out"
    pass=$(grep -Ec '^ok [0-9]+' "$out")
    skipn=$(grep -Ec '^ok [0-9]+ .*# SKIP' "$out")
    fail=$(grep -Ec '^not ok [0-9]+' "$out")
    pass=$((pass - skipn))
    rm -f "$out"
    echo "$(basename "$prog"): $pass passed, $fail failed, $skipn skipped (exit $rc)"
    if [ "$rc" -ne 0 ] || [ "$fail" -ne 0 ]; then
        return 1
    fi
    if [ "$pass" -eq 0 ]; then
        [ "$skipn" -gt 0 ] && skip "$(basename "$prog"): every case skipped"
        echo "$(basename "$prog"): ran no test case"
        return 1
    fi
}

# --- bios-tables-test -------------------------------------------------------
#
# bios-tables-test boots each aarch64 virt configuration in edk2 (TCG) and
# compares the ACPI tables the firmware installed with QEMU's expected
# ones (tests/data/acpi/aarch64/virt/).  It opens its files relative to
# the current directory, as from a QEMU build: pc-bios/edk2-*.fd and
# tests/data.  The Debian +ds tarball has no edk2 images, so a scratch
# directory supplies Debian's (qemu-efi-aarch64) under those names.
#
# Two configurations expect addresses that only QEMU's bundled edk2
# allocates (the RAS error-status block in HEST, the NVDIMM buffer MEMA in
# SSDT.memhp); they are run by qtest-bios-tables-fwaddr.sh.
BIOS_TABLES_FWADDR_CASES=(/aarch64/acpi/virt /aarch64/acpi/virt/memhp)
AAVMF_CODE=/usr/share/AAVMF/AAVMF_CODE.fd
AAVMF_VARS=/usr/share/AAVMF/AAVMF_VARS.fd

# bios_tables_setup: set $btt_dir (the cwd to run in) and $btt_cases
# (every aarch64 case, one per line), or skip saying why.
bios_tables_setup() {
    qtest_program bios-tables-test
    [ -r "$AAVMF_CODE" ] && [ -r "$AAVMF_VARS" ] ||
        skip "bios-tables-test needs edk2 for aarch64 ($AAVMF_CODE): Debian package qemu-efi-aarch64"
    local src
    src=$(cd "$qemu_build/.." && pwd)
    [ -d "$src/tests/data/acpi/aarch64/virt" ] || skip "no expected tables in $src/tests/data"
    btt_dir=$(mktemp -d)
    mkdir -p "$btt_dir/pc-bios" "$btt_dir/tests" "$btt_dir/tmp"
    ln -s "$AAVMF_CODE" "$btt_dir/pc-bios/edk2-aarch64-code.fd"
    ln -s "$AAVMF_VARS" "$btt_dir/pc-bios/edk2-arm-vars.fd"
    ln -s "$src/tests/data" "$btt_dir/tests/data"
    btt_cases=$(cd "$btt_dir" && QTEST_QEMU_BINARY=$qemu "$prog" -l | grep '^/aarch64/')
    [ -n "$btt_cases" ] || { echo "bios-tables-test lists no aarch64 case"; exit 1; }
}

# The log of CASE's run.
bios_tables_log() {
    printf '%s/%s.log\n' "$btt_dir" "$(echo "$1" | tr / _)"
}

# bios_tables_fail CASE: report the case failed, with its output.
bios_tables_fail() {
    echo "FAIL $1:"
    grep -v '^#' "$(bios_tables_log "$1")" | sed 's/^/    /'
}

# bios_tables_run CASE: run that case alone (-p matches by prefix, so its
# sub-cases are skipped with -s); output in $btt_dir/CASE.log.
bios_tables_run() {
    local case=$1 log other
    local -a skips=()
    log=$(bios_tables_log "$case")
    for other in $btt_cases; do
        [[ $other == "$case"/* ]] && skips+=(-s "$other")
    done
    (cd "$btt_dir" && TMPDIR=$btt_dir/tmp QTEST_QEMU_BINARY=$qemu \
        timeout "${QTEST_TIMEOUT:-600}" "$prog" --tap -p "$case" "${skips[@]}") >"$log" 2>&1
}

# bios_tables_fwaddr_only CASE: after a failed run, TRUE when every
# mismatching table differs from the expected one only in addresses that
# the firmware allocates (and the checksum and raw dump that follow).
bios_tables_fwaddr_only() {
    local log expected actual found=0
    log=$(bios_tables_log "$1")
    while read -r actual expected; do
        found=1
        diff "$expected" "$actual" | grep '^[<>]' | grep -Ev \
            -e 'Disassembly of ' -e 'Checksum' -e '\] +Address : ' \
            -e 'Name \(MEMA, 0x' -e '^[<>] +[0-9A-F]{4}: ' >/dev/null && return 1
    done < <(sed -n 's/.*mismatch\. Actual \[asl:\([^,]*\), aml:[^]]*\], Expected \[asl:\([^,]*\),.*/\1 \2/p' "$log")
    [ "$found" -eq 1 ]
}
