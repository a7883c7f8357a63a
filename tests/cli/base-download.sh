#!/usr/bin/env bash
# scripts/fetch-base.sh, getting the pinned base from the apt mirror's pool
# (a loopback HTTP server here) and from its cache: the good path, then a
# wrong checksum, a download cut off midway, and an unreachable mirror.
# Each bad case must stop with one clear message and leave nothing behind
# (no qemu/, no base.lock, no cached or .part file).
set -uo pipefail
. "$(dirname "$0")/lib/base-fixture.bash"

# Good: download, verify, cache, extract, qfork init, base.lock.
new_top
serve_mirror "$work/good.tar.xz"
run_fetch
if [ "$rc" -eq 0 ] && [ "$(git -C "$proj/qemu" show refs/qfork/base:VERSION 2>/dev/null)" = "$PIN_VERSION" ]; then
    pass "mirror: qemu/ is a qfork tree of $PIN_VERSION"
else
    not_ok "mirror: exit $rc, no qfork tree"
fi
grep -qx "source debian-pool" "$proj/base.lock" && grep -qx "sha256 $PIN_SHA256" "$proj/base.lock" &&
    grep -qx "file $PIN_TARBALL" "$proj/base.lock" &&
    ok "base.lock records source, file and sha256" || not_ok "base.lock: $(cat "$proj/base.lock" 2>&1)"
if grep -Eq '127\.0\.0\.1|/tmp/|'"$work" "$proj/base.lock"; then
    not_ok "base.lock names a host or a path"
else
    pass "base.lock names no host and no path"
fi
[ -f "$proj/cache/$PIN_TARBALL" ] && [ ! -e "$proj/cache/$PIN_TARBALL.part" ] &&
    ok "the verified tarball is cached, no .part left" || not_ok "cache: $(ls -A "$proj/cache")"
[ -f "$proj/qemu/subprojects/keycodemapdb/README" ] &&
    [ -z "$(git -C "$proj/qemu" status --porcelain)" ] &&
    ok "git-ignored files of the tarball are in the base commit" ||
    not_ok "the base commit lacks the tarball's git-ignored files"

# Again: the tree is reused, nothing is downloaded.
kill "$server_pid"; wait "$server_pid" 2>/dev/null; server_pid=''
run_fetch
[ "$rc" -eq 0 ] && grep -q "reusing" <<<"$out" && ok "second run reuses qemu/" || not_ok "second run: exit $rc"

# The cache alone (mirror gone) makes a new tree.
rm -rf "$proj/qemu" "$proj/base.lock"
use_apt_uri "http://127.0.0.1:9/debian"
run_fetch
[ "$rc" -eq 0 ] && grep -qx "source cache" "$proj/base.lock" && ok "cache: used without the mirror" ||
    not_ok "cache: exit $rc"

# A corrupted cache file is refused (set aside), and the mirror is used.
rm -rf "$proj/qemu" "$proj/base.lock"
echo garbage >>"$proj/cache/$PIN_TARBALL"
serve_mirror "$work/good.tar.xz"
run_fetch
[ "$rc" -eq 0 ] && grep -q "does not match the pin" <<<"$out" && grep -qx "source debian-pool" "$proj/base.lock" &&
    ok "corrupted cache: refused, mirror used instead" || not_ok "corrupted cache: exit $rc"

# Wrong checksum: the mirror serves another tarball under the pinned name.
new_top
make_tarball "$work/other.tar.xz" "$PIN_VERSION"
echo "# extra" >>"$work/other.tar.xz"
serve_mirror "$work/other.tar.xz"
run_fetch
expect_refused "wrong checksum" "sha256 mismatch.*pinned $PIN_SHA256"
expect_nothing_installed "wrong checksum"

# Truncated: the server announces the full length and sends half.
new_top
serve_mirror "$work/good.tar.xz" ".orig.tar.xz"
run_fetch
expect_refused "truncated download" "no source gave QEMU $PIN_VERSION"
expect_nothing_installed "truncated download"

# The same with curl as the downloader (machines without apt-helper).
new_top
serve_mirror "$work/good.tar.xz" ".orig.tar.xz"
run_fetch DOWNLOAD_WITH=curl
expect_refused "truncated download (curl)" "no source gave QEMU $PIN_VERSION"
expect_nothing_installed "truncated download (curl)"

# Unreachable: nothing listens on the mirror's port.
new_top
use_apt_uri "http://127.0.0.1:9/debian"
start=$(date +%s)
run_fetch
expect_refused "unreachable mirror" "no source gave QEMU $PIN_VERSION.*"
expect_nothing_installed "unreachable mirror"
[ $(($(date +%s) - start)) -lt 60 ] && ok "unreachable sources fail fast" || not_ok "took $(($(date +%s) - start))s"

# No apt source for bookworm at all.
new_top
APT_ETC=$work/empty-apt; mkdir -p "$APT_ETC"; export APT_ETC
run_fetch
expect_refused "no apt source" "no apt source for Debian bookworm"
test_done
