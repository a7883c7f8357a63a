#!/usr/bin/env bash
# qfork status: every state (in base, verified or not; applied; pending;
# failed; unavailable) with its reason, the base and base.lock.
. "$(dirname "$0")/lib/common.sh"

p=$work/p
make_upstream "$p.upstream" 4
make_changes "$p.upstream" 3
export_patches "$p.upstream" "$p/patches"
# Patch 2's first hunk no longer matches the base: a context line differs.
sed -i 's/^ line 3 of file 2$/ line 3 of file 2, edited downstream/' \
    "$p/patches/0002-src-change-2.patch"
grep -q 'edited downstream' "$p/patches/0002-src-change-2.patch" ||
    fail "fixture: could not break patch 2"
# A SAUCE row's patch and a backport of an upstream row newer than the base.
cp "$p/patches/0003-src-change-3.patch" "$p/patches/0100-sauce.patch"
git -C "$p.upstream" checkout -q base
edit_line "$p.upstream" src/file4.c 10 "backported"
upstream_commit "$p.upstream" 9 "src: backport of a newer upstream change"
git -C "$p.upstream" format-patch -q --zero-commit -1 --stdout \
    >"$p/patches/0200-backport.patch"
git -C "$p.upstream" checkout -q -

cat >"$p/series.conf" <<'EOF'
base 1.0.0

section Upstream
group March 2024
  min-release v0.9
upstream aaaaaaaaaaa1
  subject verified to be in the base
  first-release v0.9.1
upstream aaaaaaaaaaa2
  subject only the table's minimum release is known
group April 2024
  min-release v1.0
upstream aaaaaaaaaaa3
  subject minimum release equal to the base

section Ours
downstream src-change-1
  subject src: change 1
  reason fixture
  patch patches/0001-src-change-1.patch
downstream src-change-2
  subject src: change 2
  reason fixture
  patch patches/0002-src-change-2.patch
downstream src-change-3
  subject src: change 3
  reason fixture
  patch patches/0003-src-change-3.patch

section Later
group May 2024
  min-release v1.1
upstream bbbbbbbbbbb1
  subject newer than the base, no patch
upstream bbbbbbbbbbb2
  subject newer than the base, backported
  commit bbbbbbbbbbb2bbbbbbbbbbbbbbbbbbbbbbbbbbbb
  first-release v1.1.0
  patch patches/0200-backport.patch
sauce cccccccccccc
  subject NVIDIA: SAUCE: a downstream-only table row
  impact fixture
  patch patches/0100-sauce.patch
EOF
cat >"$p/base.lock" <<'EOF'
# written by the pipeline
version 1.0.0
source tarball
file fixture-1.0.0.tar.xz
sha256 0000000000000000000000000000000000000000000000000000000000000abc
EOF
cd "$p"

# Without a tree: nothing applied, the tree's absence said.
run_qfork 0 status
expect_in "does not exist" "status without a tree says so"
expect_in "pending      patch patches/0001-src-change-1.patch"

init_tree "$p" "$p.upstream" 1.0.0
run_qfork 0 push
run_qfork 1 push
expect_in "src-change-2 does not apply" "the failing entry is named"
expect_in "src/file2.c" "the failing file is named"
expect_in "hunk" "the failing hunk is named"
assert_clean qemu "a failed push leaves the tree clean"

run_qfork 0 status
line() { echo "$out" | grep -E "^ *[0-9]+  $1 " || fail "no status line for $1"; }
expect_eq "$(line aaaaaaaaaaa1 | grep -c 'in base .*first released in v0.9.1 (base 1.0.0)')" 1 \
    "in base by first-release"
expect_eq "$(line aaaaaaaaaaa2 | grep -c 'in base .*minimum release v0.9 <= base 1.0.0; first release unverified')" 1 \
    "in base by the table's minimum release, said to be unverified"
expect_eq "$(line aaaaaaaaaaa3 | grep -c 'in base .*minimum release v1.0 <= base 1.0.0; first release unverified')" 1 \
    "a minimum release equal to the base is in base"
expect_eq "$(line src-change-1 | grep -cE 'applied +commit [0-9a-f]{12}')" 1 \
    "applied, with its commit"
expect_eq "$(line src-change-2 | grep -c 'failed .*src/file2.c')" 1 \
    "failed, with the failure's message"
expect_eq "$(line src-change-3 | grep -c 'pending')" 1 "pending"
expect_eq "$(line bbbbbbbbbbb1 | grep -c 'unavailable .*needs QEMU v1.1 (base is 1.0.0)')" 1 \
    "unavailable, saying which release it needs"
expect_eq "$(line bbbbbbbbbbb2 | grep -c 'pending .*0200-backport.patch')" 1 \
    "a newer upstream row with a backport is pending"
expect_eq "$(line cccccccccccc | grep -c pending)" 1 "a SAUCE row is pending"
expect_in "base QEMU 1.0.0" "the series' base"
expect_in "base.lock: version 1.0.0, source tarball, file fixture-1.0.0.tar.xz, sha256 0000000000000000000000000000000000000000000000000000000000000abc" \
    "the lock file's contents"
expect_in "9 entries: 3 in base (2 unverified), 1 applied, 3 pending, 1 failed, 1 unavailable"

# The list commands leave in-base entries out.
run_qfork 0 series
expect_not_in "aaaaaaaaaaa"
run_qfork 0 unapplied
expect_eq "$(echo "$out" | head -n1)" src-change-2 "unapplied starts at the failed entry"
run_qfork 0 series -v
expect_in "b aaaaaaaaaaa1"
expect_in "! src-change-2"
expect_in "x bbbbbbbbbbb1"

# Pushing an in-base entry by name is refused with the reason.
run_qfork 1 push aaaaaaaaaaa1
expect_in "is in base"

# Fix the patch: the failure record goes away once it is pushed.
git -C "$p.upstream" format-patch -q --zero-commit -1 --stdout HEAD~1 \
    >"$p/patches/0002-src-change-2.patch"
run_qfork 0 push 2
run_qfork 0 status
expect_eq "$(line src-change-2 | grep -c applied)" 1 "a fixed entry is applied"
expect_not_in "failed  " "no entry is failed any more"

# An unavailable entry stops push with the reason; nothing changes.
head=$(git -C qemu rev-parse HEAD)
run_qfork 1 push -a
expect_in "bbbbbbbbbbb1 cannot be pushed: needs QEMU v1.1"
expect_eq "$(git -C qemu rev-parse HEAD)" "$head" "nothing pushed past it"
assert_clean qemu

# A base mismatch between series.conf and the tree blocks push.
sed -i 's/^base 1.0.0/base 1.0.1/' series.conf
run_qfork 1 push
expect_in "base is QEMU 1.0.0 but"
run_qfork 0 status
expect_in "problem: the tree's base is QEMU 1.0.0"
expect_in "base.lock records 1.0.0"

test_done
