#!/usr/bin/env bash
# Run test programs and scripts, independent ones in parallel; print one
# line for each as it ends and a closing summary.
#
# usage: tests/run.sh [-j N] TEST...
#   -j N   tests at a time (default: $QF_TEST_JOBS, else the number of
#          processors).  A script with a "# test-lib: exclusive" line runs
#          alone, after the others (see tests/lib/test-lib.sh).
#
# Contract for a test: exit 0 passes, exit 77 is a skip (its last output
# line says why), anything else fails.  Output goes to build/test-logs/;
# a failing test's log is printed in full so CI shows it.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
logdir=${QF_TEST_LOGDIR:-$top/build/test-logs}
jobs=${QF_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
if [ "${1:-}" = -j ]; then
    jobs=$2
    shift 2
fi
case $jobs in '' | *[!0-9]* | 0) echo "tests/run.sh: -j needs a positive number" >&2; exit 2 ;; esac
mkdir -p "$logdir"
passed=0 failed=0 skipped=0
failures=()
declare -A running=()   # pid -> test

name_of() { printf '%s\n' "${1#"$top"/}"; }
log_of() { printf '%s/%s.log\n' "$logdir" "$(name_of "$1" | tr '/' '_')"; }

is_exclusive() {
    case $1 in *.sh) grep -qs '^# test-lib: exclusive' "$1" ;; *) return 1 ;; esac
}

# One test, its status and time into its log's .rc file.
run_one() {
    local t=$1 log start rc
    log=$(log_of "$t")
    start=$(date +%s.%N)
    "$t" >"$log" 2>&1 </dev/null
    rc=$?
    printf '%s %s\n' "$rc" "$(echo "$(date +%s.%N) - $start" | bc)" >"$log.rc"
}

report() {
    local t=$1 name log rc secs
    name=$(name_of "$t")
    log=$(log_of "$t")
    read -r rc secs <"$log.rc" || rc=1 secs=0
    rm -f "$log.rc"
    secs=$(printf '%.1f' "$secs")
    case $rc in
    0)  passed=$((passed + 1)); echo "PASS $name (${secs}s)" ;;
    77) skipped=$((skipped + 1))
        echo "SKIP $name: $(grep -v '^[[:space:]]*$' "$log" | tail -n 1)" ;;
    *)  failed=$((failed + 1)); failures+=("$name")
        echo "FAIL $name (exit $rc, ${secs}s) — log follows"
        sed 's/^/    /' "$log" ;;
    esac
}

# Wait for one running test to end and report it.
reap() {
    local pid
    wait -n -p pid "${!running[@]}"
    report "${running[$pid]}"
    unset "running[$pid]"
}

exclusive=()
for t in "$@"; do
    if is_exclusive "$t"; then
        exclusive+=("$t")
        continue
    fi
    while [ "${#running[@]}" -ge "$jobs" ]; do reap; done
    run_one "$t" &
    running[$!]=$t
done
while [ "${#running[@]}" -gt 0 ]; do reap; done
for t in "${exclusive[@]+"${exclusive[@]}"}"; do
    run_one "$t"
    report "$t"
done
for f in "${failures[@]+"${failures[@]}"}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
