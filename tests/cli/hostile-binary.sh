#!/usr/bin/env bash
# A binary delta without an "index" line (issue 17, defect 4): a delta
# carries only its source's size, so a file of that size with other
# content was patched into garbage (exit 0, wrong blob).  Its reverse
# delta copies the same unchanged bytes and proves nothing either: as git
# does, a binary patch whose pre-image no object id (nor a reverse
# literal) names is refused.
. "$(dirname "$0")/lib/hostile.bash"

u=$hp.upstream
# 3000 bytes, binary (a NUL) and all but that 'A'.
srat() { printf '\0'; head -c 2999 /dev/zero | tr '\0' 'A'; }
make_upstream "$u" 2
srat >"$u/SRAT"
git -C "$u" add SRAT
GIT_COMMITTER_DATE="2024-01-01T00:00:00Z" fx_git -C "$u" commit -q --amend --no-edit
fx_git -C "$u" tag -f base >/dev/null
# 1: SRAT becomes 3000 zero bytes (a literal).  2: four bytes of the
# original change (a delta against the 'A's).
head -c 3000 /dev/zero >"$u/SRAT"
git -C "$u" add SRAT
upstream_commit "$u" 1 "zero SRAT"
srat >"$u/SRAT"
git -C "$u" add SRAT
upstream_commit "$u" 2 "restore SRAT"
printf 'SRAT' | dd of="$u/SRAT" bs=1 seek=100 conv=notrunc 2>/dev/null
git -C "$u" add SRAT
upstream_commit "$u" 3 "SRAT: update"
mkdir -p "$hp/patches"
git -C "$u" format-patch -q --binary --zero-commit -1 --stdout HEAD~2 \
    >"$hp/patches/zero.patch"
git -C "$u" format-patch -q --binary --zero-commit -1 --stdout HEAD \
    >"$hp/patches/full.patch"
grep -q '^delta ' "$hp/patches/full.patch" || fail "fixture: no delta in full.patch"
want=$(git -C "$u" rev-parse HEAD:SRAT)
sed '/^index /d' "$hp/patches/full.patch" >"$hp/patches/noindex.patch"
sed -E 's/^index ([0-9a-f]{7})[0-9a-f]*\.\.([0-9a-f]{7})[0-9a-f]*/index \1..\2/' \
    "$hp/patches/full.patch" >"$hp/patches/short.patch"
grep -q '^index [0-9a-f]\{7\}\.\.[0-9a-f]\{7\} ' "$hp/patches/short.patch" ||
    fail "fixture: no abbreviated index line"
init_tree "$hp" "$u" 1.0.0
cd "$hp"

# On a pre-image of the same size and other content, a delta without
# index line used to apply; now it is refused, as git refuses it.
hostile_series zero noindex
run_qfork 0 push
refused_cleanly "wrong pre-image" 1 "qfork push: noindex does not apply" \
    "patches/noindex.patch" "SRAT: binary patch without an \"index\" line" -- push
refused_cleanly "wrong pre-image, dry run" 1 "noindex does not apply" \
    "SRAT: binary patch without an \"index\" line" -- push --dry-run

# Even on the right pre-image: nothing says it is the right one.
hostile_series noindex
run_qfork 0 pop -a
refused_cleanly "no index line" 1 "noindex does not apply" \
    "SRAT: binary patch without an \"index\" line" -- push

# An abbreviated index line is checked as a prefix.
hostile_series zero short
run_qfork 0 push
refused_cleanly "abbreviated id, wrong pre-image" 1 "short does not apply" \
    "SRAT: binary file differs from the patch's pre-image" -- push
hostile_series short
run_qfork 0 pop -a
run_qfork 0 push
expect_eq "$(git -C qemu rev-parse HEAD:SRAT)" "$want" "abbreviated id, right pre-image: the right blob"
run_qfork 0 pop -a

# With its full index line, the patch applies and the blob is checked.
hostile_series full
run_qfork 0 push
expect_eq "$(git -C qemu rev-parse HEAD:SRAT)" "$want" "full index line: the right blob"
assert_clean qemu
test_done
