#!/usr/bin/env bash
# scripts/install-deps.sh without installing anything: the bookworm mirror
# URIs read from both apt source formats, the bookworm-backports source
# derived from them, the quick all-present check, and the exact commands
# printed (and a failure) for a user who is not root.
. "$(dirname "$0")/../lib/test-lib.sh"
set -uo pipefail
repo=$top

# Both formats, comments, a disabled stanza, other suites, an option block.
mkdir -p "$work/apt/sources.list.d"
cat >"$work/apt/sources.list" <<'SRC'
# deb http://commented.invalid/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://one.invalid/debian bookworm main
deb http://one.invalid/debian-security bookworm-security main
SRC
cat >"$work/apt/sources.list.d/debian.sources" <<'SRC'
Types: deb
URIs: http://two.invalid/debian/
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://disabled.invalid/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb-src
URIs: http://src.invalid/debian
Suites: bookworm
Components: main
SRC
uris=$(APT_ETC=$work/apt bash -c '. "$1/scripts/pipeline-lib.sh"; apt_bookworm_uris' _ "$repo")
want=$'http://one.invalid/debian\nhttp://two.invalid/debian'
[ "$uris" = "$want" ] && ok "bookworm URIs from sources.list and deb822: $(echo $uris)" ||
    not_ok "bookworm URIs: got [$uris], want [$want]"
bp=$(APT_ETC=$work/apt bash -c '. "$1/scripts/pipeline-lib.sh"; apt_suite_uris bookworm-backports' _ "$repo")
[ -z "$bp" ] && ok "no bookworm-backports source yet" || not_ok "backports found: $bp"

# Everything present: a quick check and no change.
start=$(date +%s%N)
out=$("$repo/scripts/install-deps.sh" 2>&1); rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$rc" -eq 0 ] && grep -q "packages present" <<<"$out"; then
    ok "all present: nothing to do (${ms} ms)"
else
    echo "$out"
    echo "dependencies are missing on this machine: make (as root) installs them"
    exit 77
fi

# A missing package, dry run: the plan is printed, nothing installed.
out=$(DEPS_DRY_RUN=1 DEPS_EXTRA_PACKAGES=grace-fork-no-such-package APT_ETC=$work/apt \
      "$repo/scripts/install-deps.sh" 2>&1); rc=$?
[ "$rc" -eq 0 ] && grep -q "apt-get install -y --no-install-recommends grace-fork-no-such-package" <<<"$out" &&
    ok "dry run prints the apt-get command" || { not_ok "dry run (exit $rc)"; echo "$out"; }

# Not root: the exact commands, then exit 1.  As root the run drops to
# nobody; a test run by a user is that case already.
if [ "$(id -u)" -eq 0 ]; then
    command -v setpriv >/dev/null || fail "setpriv (util-linux) is needed to run the non-root case as root"
    cp -r "$repo/scripts" "$work/scripts"
    chmod -R a+rX "$work"
    out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
          env DEPS_EXTRA_PACKAGES=grace-fork-no-such-package APT_ETC=$work/apt \
          bash "$work/scripts/install-deps.sh" 2>&1); rc=$?
else
    out=$(DEPS_EXTRA_PACKAGES=grace-fork-no-such-package APT_ETC=$work/apt \
          bash "$repo/scripts/install-deps.sh" 2>&1); rc=$?
fi
if [ "$rc" -eq 1 ] && grep -q "^Run as root" <<<"$out" &&
       grep -q "apt-get install -y --no-install-recommends grace-fork-no-such-package" <<<"$out" &&
       grep -q "error: missing build dependencies" <<<"$out"; then
        ok "not root: prints the commands and fails"
    else
        not_ok "not root (exit $rc):"; echo "$out"
fi

# The backports source a root run would write, from the fake config.
src=$(APT_ETC=$work/apt bash -c '
    . "$1/scripts/pipeline-lib.sh"
    eval "$(sed -n "/^KEYRING=/p; /^backports_source_text()/,/^}/p" "$1/scripts/install-deps.sh")"
    backports_source_text' _ "$repo")
grep -qx "URIs: http://one.invalid/debian http://two.invalid/debian" <<<"$src" &&
    grep -qx "Suites: bookworm-backports" <<<"$src" &&
    ok "backports source uses the bookworm mirrors" || { not_ok "backports source:"; echo "$src"; }
test_done
