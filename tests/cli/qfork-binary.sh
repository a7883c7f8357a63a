#!/usr/bin/env bash
# Binary hunks (as upstream's updates of tests/data/acpi/ blobs): a modified
# blob (delta or literal), a new one and a deleted one, pushed and popped.
. "$(dirname "$0")/lib/common.sh"

p=$work/p
u=$p.upstream
make_upstream "$u" 2
mkdir -p "$u/tests/data/acpi/virt"
head -c 4096 /dev/urandom >"$u/tests/data/acpi/virt/SRAT"
head -c 2048 /dev/urandom >"$u/tests/data/acpi/virt/DSDT"
fx_git -C "$u" add -A
fx_git -C "$u" commit -q --amend -m base
fx_git -C "$u" tag -f base >/dev/null
# 1: a few bytes of SRAT change (git emits a delta); a new blob; one removed.
printf '\x01\x02\x03\x04' | dd of="$u/tests/data/acpi/virt/SRAT" bs=1 seek=100 conv=notrunc 2>/dev/null
head -c 1024 /dev/urandom >"$u/tests/data/acpi/virt/SRAT.acpihmatvirt"
git -C "$u" rm -q tests/data/acpi/virt/DSDT
git -C "$u" add -A
upstream_commit "$u" 1 "tests/data/acpi: update SRAT, add SRAT.acpihmatvirt"
# 2: SRAT replaced entirely (a literal) and a text change alongside.
head -c 3000 /dev/urandom >"$u/tests/data/acpi/virt/SRAT"
edit_line "$u" src/file1.c 3 "text beside binary"
git -C "$u" add -A
upstream_commit "$u" 2 "tests/data/acpi: rebuild SRAT"
export_patches "$u" "$p/patches"
grep -q "GIT binary patch" "$p/patches/0001-"*.patch || fail "fixture: no binary patch"
grep -q "^delta " "$p/patches/0001-"*.patch || fail "fixture: patch 1 has no delta hunk"
grep -q "^literal " "$p/patches/0002-"*.patch || fail "fixture: patch 2 has no literal hunk"
write_series "$p" 1.0.0
init_tree "$p" "$u" 1.0.0
cd "$p"

run_qfork 0 push
expect_eq "$(git -C qemu rev-parse HEAD^{tree})" "$(git -C "$u" rev-parse HEAD~1^{tree})" \
    "binary delta, new and deleted blobs applied byte for byte"
run_qfork 0 push
expect_eq "$(git -C qemu rev-parse HEAD^{tree})" "$(git -C "$u" rev-parse HEAD^{tree})" \
    "binary literal applied byte for byte"
assert_clean qemu
cmp -s qemu/tests/data/acpi/virt/SRAT "$u/tests/data/acpi/virt/SRAT" || fail "SRAT differs"
ok "the work tree file is the blob"
run_qfork 0 pop -a
expect_eq "$(git -C qemu rev-parse HEAD^{tree})" "$(git -C "$u" rev-parse base^{tree})" \
    "pop restores the original blobs"
[ -e qemu/tests/data/acpi/virt/DSDT ] || fail "DSDT not restored"
[ ! -e qemu/tests/data/acpi/virt/SRAT.acpihmatvirt ] || fail "new blob not removed"
ok "deleted blob back, new blob gone"

# A binary patch whose pre-image is not in the tree is refused whole: made
# on a branch where SRAT had other contents first.
git -C "$u" checkout -q -b other base
head -c 4096 /dev/urandom >"$u/tests/data/acpi/virt/SRAT"
git -C "$u" add -A
upstream_commit "$u" 3 "tests/data/acpi: some other SRAT"
printf '\x05\x06' | dd of="$u/tests/data/acpi/virt/SRAT" bs=1 seek=10 conv=notrunc 2>/dev/null
edit_line "$u" src/file2.c 3 "text beside a bad binary hunk"
git -C "$u" add -A
upstream_commit "$u" 4 "tests/data/acpi: SRAT on top of the other"
git -C "$u" format-patch -q --zero-commit -1 --stdout >"$p/patches/0003-bad-binary.patch"
cat >>series.conf <<'EOT'
downstream bad-binary
  subject tests/data/acpi: SRAT on top of the other
  reason fixture
  patch patches/0003-bad-binary.patch
EOT
run_qfork 0 push 2
digest=$(tree_digest qemu)
run_qfork 1 push
expect_in "bad-binary does not apply" "a binary pre-image mismatch fails"
expect_in "SRAT" "the blob is named"
expect_eq "$(tree_digest qemu)" "$digest" "the tree is byte-identical after it"
assert_clean qemu
test_done
