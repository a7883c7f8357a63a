#!/usr/bin/env bash
# Run test programs and scripts; print one line each and a closing summary.
#
# Contract for a test: exit 0 passes, exit 77 is a skip (its last output
# line says why), anything else fails.  Output goes to build/test-logs/;
# a failing test's log is printed in full so CI shows it.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
logdir=${QF_TEST_LOGDIR:-$top/build/test-logs}
mkdir -p "$logdir"
passed=0 failed=0 skipped=0
failures=()
for t in "$@"; do
    name=${t#"$top"/}
    log=$logdir/$(echo "$name" | tr '/' '_').log
    start=$(date +%s.%N)
    "$t" >"$log" 2>&1 </dev/null
    rc=$?
    secs=$(printf '%.1f' "$(echo "$(date +%s.%N) - $start" | bc)")
    case $rc in
    0)  passed=$((passed + 1)); echo "PASS $name (${secs}s)" ;;
    77) skipped=$((skipped + 1))
        echo "SKIP $name: $(grep -v '^[[:space:]]*$' "$log" | tail -n 1)" ;;
    *)  failed=$((failed + 1)); failures+=("$name")
        echo "FAIL $name (exit $rc, ${secs}s) — log follows"
        sed 's/^/    /' "$log" ;;
    esac
done
for f in "${failures[@]+"${failures[@]}"}"; do echo "failed: $f"; done
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
