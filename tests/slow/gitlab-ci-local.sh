#!/usr/bin/env bash
# The GitLab pipeline (ci/gitlab-ci.yml) run by a real client:
# gitlab-ci-local (npm, pinned by tests/tools/npm-tool.sh) parses and
# schema-checks the whole file, lists its jobs, and runs its check job
# with the shell executor, here, in this checkout: install-deps, .ci/run
# (make check: with what make built already, mostly the tests) and the
# check-slow step.  A broken pipeline file, a job that names a missing
# script or a failing step fails this test.
#
# The shell executor runs jobs that name no image, so the job runs from a
# copy of the file without its `image:` lines (this machine is the
# image's Debian 12).  check-arm64 is listed, not run: it needs an arm64
# runner.  The check-slow step is told the change is HEAD itself, so it
# does not run this test again.
set -uo pipefail
. "$(dirname "$0")/../lib/test-lib.sh"
command -v node >/dev/null || { echo "FAIL no node (scripts/install-deps.sh installs nodejs and npm)"; exit 1; }
command -v rsync >/dev/null || { echo "FAIL no rsync, which gitlab-ci-local needs (scripts/install-deps.sh installs it)"; exit 1; }
pkg=$("$top/tests/tools/npm-tool.sh" gitlab-ci-local) || exit 1
gcl=$pkg/node_modules/.bin/gitlab-ci-local
state=build/gitlab-ci-local
mkdir -p "$top/$state"
sed '/^[[:space:]]*image:/d' "$top/ci/gitlab-ci.yml" >"$top/$state/gitlab-ci.yml"
failed=0
run_gcl() {
    (cd "$top" && "$gcl" --cwd . --file "$state/gitlab-ci.yml" --state-dir "$state/state" \
        --shell-executor-no-image --no-shell-isolation "$@")
}

out=$(cd "$top" && "$gcl" --cwd . --file ci/gitlab-ci.yml --state-dir "$state/state" --list 2>&1); rc=$?
echo "$out"
if [ "$rc" -eq 0 ] && grep -q '^check ' <<<"$out" && grep -q '^check-arm64 ' <<<"$out"; then
    echo "ok   ci/gitlab-ci.yml: schema valid, jobs check and check-arm64"
else
    echo "FAIL gitlab-ci-local --list (exit $rc)"; failed=1
fi

start=$(date +%s)
run_gcl --variable "CI_COMMIT_BEFORE_SHA=$(git -C "$top" rev-parse HEAD)" check >"$top/$state/check.log" 2>&1
rc=$?
secs=$(($(date +%s) - start))
tail -n 40 "$top/$state/check.log"
if [ "$rc" -eq 0 ] && grep -q 'passed, 0 failed' "$top/$state/check.log"; then
    echo "ok   job check ran with the shell executor in ${secs}s: $(grep -E '[0-9]+ passed, 0 failed' "$top/$state/check.log" | tail -n 1 | sed 's/.*> //')"
else
    echo "FAIL job check (exit $rc, ${secs}s); log: $state/check.log"; failed=1
fi

# A broken copy must fail: a script line that names a missing script.
sed -e '/^[[:space:]]*image:/d' -e 's|bash scripts/install-deps.sh|bash scripts/no-such-script.sh|' \
    "$top/ci/gitlab-ci.yml" >"$top/$state/gitlab-ci.yml"
out=$(run_gcl check 2>&1); rc=$?
if [ "$rc" -ne 0 ] && grep -q 'no-such-script.sh' <<<"$out"; then
    echo "ok   a job with a missing script fails (exit $rc)"
else
    echo "FAIL the broken job did not fail (exit $rc):"; echo "$out" | tail -n 20; failed=1
fi
exit "$failed"
