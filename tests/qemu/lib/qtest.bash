# Helpers for tests/qemu/qtest-*.sh: run one of QEMU's own qtest programs
# (built by scripts/build-qemu.sh in qemu/build/tests/qtest/) against the
# built qemu-system-aarch64, and judge its TAP output.  Sourced.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
qemu=${QEMU_SYSTEM:-$top/qemu/build/qemu-system-aarch64}
qemu_build=$(cd "$(dirname "$qemu")" 2>/dev/null && pwd) || qemu_build=$top/qemu/build

skip() {
    echo "$*"
    exit 77
}

# qtest_program NAME: set $prog to the path of a built qtest, or skip
# saying why.
qtest_program() {
    [ -x "$qemu" ] || skip "qemu-system-aarch64 not built ($qemu): run make first"
    prog=$qemu_build/tests/qtest/$1
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
