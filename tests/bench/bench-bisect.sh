#!/usr/bin/env bash
# Benchmark: qfork bisect on the real fork against a full build of the
# same tree.  Not a test: it prints figures and exits with the bisect's
# status.
#
#   tests/bench/bench-bisect.sh [FULL-BUILD-SECONDS]
#
# Runs tests/slow/bisect-real.sh (the test-only series extension over
# qemu/, make bisect, reset, rebuild) with every compile done afresh
# (CCACHE_RECACHE=1: ccache stores but does not use its results, as in a
# first bisect over new patches) and the build output shown, then prints
# for each step the entry, how many ninja steps it ran, its wall and CPU
# time, and their ratio to FULL-BUILD-SECONDS, the wall time of a full
# build of qemu/ measured on the same machine (no ratio without it).
#
# env: QEMU_DIR (default qemu/), QFORK, JOBS.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
tree=${QEMU_DIR:-$top/qemu}
full=${1:-}
out=$(mktemp "${TMPDIR:-/tmp}/bench-bisect-XXXXXX")
trap 'rm -f "$out"' EXIT

start=$(date +%s)
rc=0
CCACHE_RECACHE=1 BISECT_FLAGS=-v QEMU_DIR=$tree "$top/tests/slow/bisect-real.sh" \
    >"$out" 2>&1 || rc=$?
wall=$(($(date +%s) - start))
[ "$rc" -eq 0 ] || { cat "$out"; echo "bisect-real.sh failed (exit $rc)"; exit "$rc"; }

log=$tree/.git/qfork/bisect/log
# Per step: entry (from the log), ninja steps (build-qemu.sh's last
# progress line of that build), wall and CPU seconds (from the log).
mapfile -t entries < <(sed -n 's/.* step: #[0-9]* \([^ ]*\) .*/\1/p' "$log")
mapfile -t builds < <(sed -n 's/.*build ok in \([0-9.]*\)s (cpu \([0-9.]*\)s)/\1 \2/p' "$log")
mapfile -t ninja < <(awk '/^\[[0-9]+\] #/ { n++ } /\[100%\] [0-9]+\/[0-9]+ steps/ && n { s[n] = $2 }
    END { for (i = 1; i <= n; i++) print (i in s ? s[i] : "0") }' "$out")

printf '%-40s %12s %9s %9s %10s\n' "step: entry" "ninja steps" "wall s" "cpu s" "wall/full"
total=0
for i in "${!entries[@]}"; do
    read -r w c <<<"${builds[$i]:-0 0}"
    ratio=-
    if [ -n "$full" ]; then
        ratio=$(printf '%.3f' "$(echo "$w / $full" | bc -l)")
    fi
    printf '%-40s %12s %9s %9s %10s\n' "$((i + 1)): ${entries[$i]}" "${ninja[$i]:-?}" "$w" "$c" "$ratio"
    total=$(echo "$total + $w" | bc -l)
done
echo "builds: ${#entries[@]}; bisect wall time (make bisect, all steps): $(sed -n 's/^figures: [0-9]* builds, total wall \([0-9]*\)s.*/\1/p' "$out")s; builds: ${total}s"
grep '^figures: rebuild' "$out" || true
[ -z "$full" ] || echo "full build of the same tree: ${full}s; all bisect builds together: $(printf '%.3f' "$(echo "$total / $full" | bc -l)") of it"
echo "benchmark wall time (bisect, reset, rebuild): ${wall}s"
