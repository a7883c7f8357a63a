#!/usr/bin/env bash
# Run `make check-slow` (tests/slow/: qfork bisect on the real fork, a few
# incremental QEMU builds) when the change touches the bisect code or the
# slow tests, so that every such change runs it at least once in CI.
# Called by both CI pipelines after `make check`.
#
# usage: ci/check-slow-if-changed.sh [BASE-COMMIT]
#   BASE-COMMIT: what the change is compared with (the merge request's or
#   pull request's base, or the commit before the push).  Empty, all
#   zeros (a new branch) or unknown to this clone: run it anyway.
set -euo pipefail
cd "$(dirname "$0")/.."

# The bisect code, its make wrapper and its tests.
pattern='^(scripts/qfork/(lib/)?[^/]*bisect[^/]*|scripts/bisect\.mk|tests/slow/.*|tests/cli/(lib/)?bisect-[^/]*|tests/unit/test-bisect\.c)$'

base=${1:-}
if [ -n "$base" ] && git cat-file -e "$base^{commit}" 2>/dev/null; then
    changed=$(git diff --name-only "$base" HEAD | grep -E "$pattern" || true)
    if [ -z "$changed" ]; then
        echo "check-slow: nothing of the bisect code changed since ${base:0:12}; skipped"
        exit 0
    fi
    echo "check-slow: changed since ${base:0:12}:"
    printf '  %s\n' $changed
else
    echo "check-slow: no base commit to compare with ('$base'); running it"
fi
exec make check-slow
