#!/usr/bin/env bash
# qfork init: the base commit (fixed identity and date, reproducible id,
# refs/qfork/base, /build/ excluded), its defaults, and what it refuses.
. "$(dirname "$0")/lib/common.sh"

p=$work/p
u=$p.upstream
make_upstream "$u" 3
printf 'base 2.0.1\n' >"$p.series"
mkdir -p "$p"
mv "$p.series" "$p/series.conf"
mkdir -p "$p/qemu"
git -C "$u" archive base | tar -x -C "$p/qemu"
printf 'dos\r\nline\r\n' >"$p/qemu/crlf.txt"
cp -a "$p/qemu" "$work/copy"
mkdir -p "$p/qemu/build" && echo obj >"$p/qemu/build/x.o"
echo "object" >"$p/qemu/prebuilt.o"     # ignored by the tree's .gitignore
cp "$p/qemu/prebuilt.o" "$work/copy/"

cd "$p"
run_qfork 0 init    # the tree beside series.conf, the series' version
expect_in "base QEMU 2.0.1 is commit"
base=$(git -C qemu rev-parse refs/qfork/base)
expect_eq "$(git -C qemu rev-parse HEAD)" "$base" "HEAD is the base"
expect_eq "$(git -C qemu log -1 --format='%s|%an <%ae>|%cn <%ce>|%aI' HEAD)" \
    "Base: QEMU 2.0.1|QEMU <qemu-devel@nongnu.org>|QEMU <qemu-devel@nongnu.org>|2000-01-01T00:00:00+00:00" \
    "fixed subject, identity and date"
expect_eq "$(git -C qemu rev-list --count HEAD)" 1 "one commit"
git -C qemu cat-file -e HEAD:prebuilt.o || fail "an ignored file is missing from the base"
ok "files the release's .gitignore hides are in the base"
git -C qemu cat-file -e HEAD:build/x.o 2>/dev/null && fail "build/ is in the base"
ok "build/ is not in the base"
grep -qx '/build/' qemu/.git/info/exclude || fail "no /build/ in info/exclude"
ok "/build/ is excluded"
assert_clean qemu

run_qfork 2 init
expect_in "already a qfork tree with base QEMU 2.0.1" "init again: exit 2"
run_qfork 1 init --version 2.0.2
expect_in "2.0.1, not 2.0.2" "init over another base: exit 1"

# Reproducible: same files, another directory, time and user config, same
# id (a global core.autocrlf would rewrite CRLF files on their way in).
sleep 1
cd /
git config --global core.autocrlf true
git config --global core.fileMode false
run_qfork 0 init --version 2.0.1 "$work/copy"
expect_eq "$(git -C "$work/copy" rev-parse HEAD)" "$base" "the base id depends on the files only"
rm "$HOME/.gitconfig"

# --source-desc becomes the body; any directory; no series needed.
mkdir "$work/other" && echo x >"$work/other/file"
run_qfork 0 init --version 9.9.9 --source-desc "qemu_9.9.9.orig.tar.xz (sha256 abc)" "$work/other"
expect_eq "$(git -C "$work/other" log -1 --format=%b)" "qemu_9.9.9.orig.tar.xz (sha256 abc)" \
    "--source-desc is the commit body"

# A tarball extracted as root keeps the archive's owner, and git refuses
# a repository owned by someone else unless told it is safe ($HOME here
# has no git config): qfork must work on such a tree.
if [ "$(id -u)" -eq 0 ]; then
    mkdir "$work/foreign" && echo x >"$work/foreign/file"
    chown -R 12345:12345 "$work/foreign"
    run_qfork 0 init --version 1.0.0 "$work/foreign"
    printf 'base 1.0.0\n' >"$work/foreign.conf"
    run_qfork 0 -s "$work/foreign.conf" -C "$work/foreign" status
    expect_in "base QEMU 1.0.0 (commit" "a tree owned by another user works"
else
    echo "not root: skipping the foreign-owner check"
fi

# Refusals.
mkdir "$work/repo" && echo x >"$work/repo/f" && git -C "$work/repo" init -q
run_qfork 1 init --version 1.0 "$work/repo"
expect_in "did not create" "a foreign git repository is refused"
[ -z "$(git -C "$work/repo" for-each-ref)" ] || fail "the foreign repository was changed"
mkdir "$work/empty"
run_qfork 1 init --version 1.0 "$work/empty"
expect_in "is empty"
run_qfork 1 init --version 1.0 "$work/missing"
expect_in "is not a directory"
cd "$work"
run_qfork 1 init
expect_in "no series.conf" "without a series, init needs --version"
test_done
