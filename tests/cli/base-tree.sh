#!/usr/bin/env bash
# scripts/fetch-base.sh with a user-given QEMU_SOURCE (tarball, directory,
# git repository) and with an existing qemu/: a base whose version is not
# the pin, a tarball whose checksum is not, a missing path, a dirty qemu/,
# a qemu/ of another base or not made by qfork.  Each stops with one clear
# message and changes nothing; user edits in qemu/ survive.
set -uo pipefail
. "$(dirname "$0")/lib/base-fixture.bash"
use_apt_uri "http://127.0.0.1:9/debian"   # no mirror: only QEMU_SOURCE counts

# QEMU_SOURCE=tarball with the pinned checksum.
new_top
run_fetch QEMU_SOURCE="$work/good.tar.xz"
[ "$rc" -eq 0 ] && grep -qx "source tarball" "$proj/base.lock" &&
    ok "QEMU_SOURCE=tarball: used" || not_ok "QEMU_SOURCE=tarball: exit $rc"

# QEMU_SOURCE=tarball with another checksum.
new_top
make_tarball "$work/v-other.tar.xz" "$PIN_VERSION"
echo >>"$work/v-other.tar.xz"
run_fetch QEMU_SOURCE="$work/v-other.tar.xz"
expect_refused "QEMU_SOURCE=tarball, wrong sha256" "sha256 [0-9a-f]{64} does not match the pin $PIN_SHA256"
expect_nothing_installed "QEMU_SOURCE=tarball, wrong sha256"

# QEMU_SOURCE=directory of another version.
new_top
make_tree "$work/src-old" 11.0.3
run_fetch QEMU_SOURCE="$work/src-old"
expect_refused "QEMU_SOURCE=dir 11.0.3" "is QEMU 11\.0\.3, but series.conf pins $PIN_VERSION"
expect_nothing_installed "QEMU_SOURCE=dir 11.0.3"

# QEMU_SOURCE=directory of the pinned version.
new_top
make_tree "$work/src-good" "$PIN_VERSION"
run_fetch QEMU_SOURCE="$work/src-good"
[ "$rc" -eq 0 ] && grep -qx "source dir" "$proj/base.lock" && [ -f "$proj/qemu/hw/arm/smmuv3.c" ] &&
    ok "QEMU_SOURCE=dir $PIN_VERSION: used" || not_ok "QEMU_SOURCE=dir: exit $rc"

# QEMU_SOURCE=git repository: its tag v$PIN_VERSION is used, not HEAD.
new_top
make_tree "$work/git" "$PIN_VERSION"
git -C "$work/git" init -q && git -C "$work/git" add -A -f &&
    git -C "$work/git" -c user.name=t -c user.email=t@t commit -q -m base &&
    git -C "$work/git" tag "v$PIN_VERSION"
tagged=$(git -C "$work/git" rev-parse HEAD)
echo 11.2.50 >"$work/git/VERSION"
git -C "$work/git" -c user.name=t -c user.email=t@t commit -q -am "development"
run_fetch QEMU_SOURCE="$work/git"
[ "$rc" -eq 0 ] && grep -qx "commit $tagged" "$proj/base.lock" && grep -qx "source git" "$proj/base.lock" &&
    ok "QEMU_SOURCE=git: tag v$PIN_VERSION used, commit recorded" || not_ok "QEMU_SOURCE=git: exit $rc"

# QEMU_SOURCE=git repository without the tag, at another version.
new_top
git -C "$work/git" tag -d "v$PIN_VERSION" >/dev/null
run_fetch QEMU_SOURCE="$work/git"
expect_refused "QEMU_SOURCE=git at 11.2.50" "is QEMU 11\.2\.50, but series.conf pins"
expect_nothing_installed "QEMU_SOURCE=git at 11.2.50"

# QEMU_SOURCE=a path that does not exist / an unreachable git URL.
new_top
run_fetch QEMU_SOURCE="$work/nope.tar.xz"
expect_refused "QEMU_SOURCE missing" "QEMU_SOURCE=.*nope.tar.xz: no such file or directory"
run_fetch QEMU_SOURCE="http://127.0.0.1:9/qemu.git"
expect_refused "QEMU_SOURCE unreachable URL" "127\.0\.0\.1:9/qemu\.git: unreachable"
expect_nothing_installed "QEMU_SOURCE missing or unreachable"

# An existing qemu/ with uncommitted edits: stop, keep the edits.
new_top
run_fetch QEMU_SOURCE="$work/good.tar.xz"
echo "my edit" >>"$proj/qemu/hw/arm/smmuv3.c"
echo "new" >"$proj/qemu/hw/arm/mine.c"
head_before=$(git -C "$proj/qemu" rev-parse HEAD)
run_fetch QEMU_SOURCE="$work/good.tar.xz"
expect_refused "dirty qemu/" "qemu/ has uncommitted changes.*"
grep -q "hw/arm/smmuv3.c" <<<"$out" && grep -q "hw/arm/mine.c" <<<"$out" &&
    ok "dirty qemu/: the message names the edited files" || not_ok "dirty qemu/: files not named"
grep -q "my edit" "$proj/qemu/hw/arm/smmuv3.c" && [ -f "$proj/qemu/hw/arm/mine.c" ] &&
    [ "$(git -C "$proj/qemu" rev-parse HEAD)" = "$head_before" ] &&
    ok "dirty qemu/: edits and HEAD untouched" || not_ok "dirty qemu/: edits lost"

# A qemu/ of another base (the pin moved on): stop with instructions.
sed -i "s/^base $PIN_VERSION/base 11.2.0/" "$proj/series.conf"
git -C "$proj/qemu" checkout -q -- . && rm "$proj/qemu/hw/arm/mine.c"
run_fetch
expect_refused "other base" "qemu/ is based on QEMU $PIN_VERSION but series.conf pins 11\.2\.0"
grep -q "mv qemu qemu-$PIN_VERSION" <<<"$out" && ok "other base: says how to start afresh" ||
    not_ok "other base: no instructions"
[ "$(git -C "$proj/qemu" rev-parse HEAD)" = "$head_before" ] && ok "other base: qemu/ untouched" ||
    not_ok "other base: qemu/ changed"

# A qemu/ that qfork did not make.
new_top
mkdir -p "$proj/qemu" && echo precious >"$proj/qemu/notes.txt"
run_fetch QEMU_SOURCE="$work/good.tar.xz"
expect_refused "foreign qemu/" "qemu/ exists but was not made by this pipeline"
[ "$(cat "$proj/qemu/notes.txt")" = precious ] && ok "foreign qemu/: untouched" || not_ok "foreign qemu/: changed"
test_done
