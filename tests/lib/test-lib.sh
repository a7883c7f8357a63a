# shellcheck shell=bash
# The one harness of the shell tests (tests/cli, tests/qemu, tests/slow,
# tests/fuzz), in the spirit of git's t/test-lib.sh.  Source it first:
#
#     . "$(dirname "$0")/../lib/test-lib.sh"
#
# A test exits 0 (pass), 77 (skip: its last line says why) or anything
# else (fail); tests/run.sh runs many and sums them up, but every test
# also runs alone, from any directory.  Shell options stay the test's
# own (`set -euo pipefail` or not).
#
# What it gives a test:
#   top          the repository root
#   QFORK        the qfork binary, QEMU_SYSTEM the built qemu-system-aarch64:
#                absolute and exported.  A relative path given in the
#                environment is taken from the directory the test was
#                started in, else from the repository root, so
#                `QFORK=build/qfork tests/cli/base-tree.sh` works from the
#                root and from anywhere else.  Defaults: build/qfork,
#                qemu/build/qemu-system-aarch64.
#   work         a scratch directory, removed on exit after the commands
#                given to test_at_exit and the test's background jobs
#   ok MSG       a check passed: "ok N - MSG"
#   not_ok MSG   a check failed, the test goes on; test_done fails it
#   fail MSG     a check failed: "FAIL: MSG", exit 1 now
#   skip MSG     nothing to test here (MSG says why): exit 77
#   test_done    "N checks passed" and exit 0, or exit 1 after a not_ok
#   require_qfork    fail unless $QFORK is built (make check builds it)
#   require_qemu     skip unless $QEMU_SYSTEM is built
#
# tests/run.sh runs tests in parallel; a test that must run alone (it
# boots QEMU, or needs the machine quiet) says so with a line
#     # test-lib: exclusive (why)
# near its top.

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# test_abspath PATH: PATH from the starting directory if it is there,
# else from the repository root.
test_abspath() {
    case $1 in
    /*) printf '%s\n' "$1" ;;
    *) if [ -e "$PWD/$1" ]; then printf '%s\n' "$PWD/$1"; else printf '%s\n' "$top/$1"; fi ;;
    esac
}

QFORK=$(test_abspath "${QFORK:-build/qfork}")
QEMU_SYSTEM=$(test_abspath "${QEMU_SYSTEM:-qemu/build/qemu-system-aarch64}")
export QFORK QEMU_SYSTEM

test_checks=0
test_failures=0

ok() {
    test_checks=$((test_checks + 1))
    echo "ok $test_checks - $*"
}

not_ok() {
    test_checks=$((test_checks + 1))
    test_failures=$((test_failures + 1))
    echo "not ok $test_checks - $*"
}

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

skip() {
    echo "$*"
    exit 77
}

test_done() {
    if [ "$test_failures" -ne 0 ]; then
        echo "$test_failures of $test_checks checks failed"
        exit 1
    fi
    echo "$test_checks checks passed"
    exit 0
}

require_qfork() {
    [ -x "$QFORK" ] || fail "qfork is not built: $QFORK (run make qfork)"
}

require_qemu() {
    [ -x "$QEMU_SYSTEM" ] || skip "qemu-system-aarch64 not built ($QEMU_SYSTEM): run make first"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/qfork-test-XXXXXX")
test_exit_cmds=()

# test_at_exit CMD...: run CMD when the test ends, before $work goes.
test_at_exit() {
    test_exit_cmds+=("$*")
}

test_cleanup() {
    local c pids
    for c in "${test_exit_cmds[@]+"${test_exit_cmds[@]}"}"; do
        eval "$c" || true
    done
    pids=$(jobs -p)
    [ -z "$pids" ] || kill $pids 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap test_cleanup EXIT
