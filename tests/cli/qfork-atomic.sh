#!/usr/bin/env bash
# All or nothing: a patch whose last hunk does not match, a patch already in
# the tree, a missing or corrupt patch file, a path leaving the tree, fuzz.
# Each failure names what is wrong, exits 1 and leaves the tree
# byte-identical (no .rej, no .orig, no half-written file).
. "$(dirname "$0")/lib/common.sh"

p=$work/p
make_upstream "$p.upstream" 3
u=$p.upstream
# 1: a good change.  2: three files, its last hunk breaks below.
edit_line "$u" src/file1.c 5 "good change"
upstream_commit "$u" 1 "src: good change"
edit_line "$u" src/file1.c 20 "first file of three"
edit_line "$u" src/file2.c 20 "second file of three"
edit_line "$u" src/file3.c 20 "third file of three"
upstream_commit "$u" 2 "src: change three files"
export_patches "$u" "$p/patches"
sed -i 's/^ line 22 of file 3$/ line 22 of file 3 (not in the base)/' \
    "$p/patches/0002-src-change-three-files.patch"
grep -q 'not in the base' "$p/patches/0002-src-change-three-files.patch" ||
    fail "fixture: could not break patch 2"
write_series "$p" 1.0.0
init_tree "$p" "$u" 1.0.0
cd "$p"

run_qfork 0 push
digest=$(tree_digest qemu)
head=$(git -C qemu rev-parse HEAD)
index=$(git -C qemu ls-files -s | sha256sum)

check_untouched() {
    expect_eq "$(tree_digest qemu)" "$digest" "$1: tree byte-identical"
    expect_eq "$(git -C qemu rev-parse HEAD)" "$head" "$1: HEAD unchanged"
    expect_eq "$(git -C qemu ls-files -s | sha256sum)" "$index" "$1: index unchanged"
    assert_clean qemu "$1: git status is empty"
    [ -z "$(find qemu -name '*.rej' -o -name '*.orig' -o -name '.qfork-*')" ] ||
        fail "$1: stray files"
    ok "$1: no .rej, .orig or temporary files"
}

# The last of three files fails: the first two must not be written.
run_qfork 1 push
expect_in "src-change-three-files does not apply"
expect_in "src/file3.c" "the failing file is named"
expect_in "hunk #1" "the failing hunk is named"
check_untouched "failing last hunk"

# Already in the tree: said so, not "does not apply".
git -C "$u" format-patch -q --zero-commit -1 --stdout HEAD~1 \
    >"$p/patches/0003-again.patch"
cat >>series.conf <<'EOF'
downstream again
  subject src: good change, listed twice
  reason fixture
  patch patches/0003-again.patch
EOF
sed -i '/^downstream src-change-three-files/,/^  patch/d' series.conf
run_qfork 1 push
expect_in "again (patches/0003-again.patch) is already applied in the tree" \
    "an applied patch is reported as already applied"
expect_not_in "does not apply"
check_untouched "already applied"
run_qfork 0 status
expect_in "failed       again (patches/0003-again.patch) is already applied"

# A missing patch file.
sed -i 's|patches/0003-again.patch|patches/0003-missing.patch|' series.conf
run_qfork 1 push
expect_in "again" "the entry is named"
expect_in "0003-missing.patch" "the missing file is named"
check_untouched "missing patch file"

# A truncated patch.
head -c 300 "$p/patches/0003-again.patch" >"$p/patches/0003-missing.patch"
run_qfork 1 push
expect_in "0003-missing.patch"
check_untouched "truncated patch"

# A path leaving the tree.
cat >"$p/patches/0003-missing.patch" <<'EOF'
From: Evil <evil@example.org>
Date: Fri, 1 Mar 2024 00:00:00 +0000
Subject: [PATCH] escape

---
diff --git a/../outside.c b/../outside.c
new file mode 100644
--- /dev/null
+++ b/../outside.c
@@ -0,0 +1 @@
+escaped
EOF
run_qfork 1 push
expect_in "outside.c"
[ ! -e "$p/outside.c" ] || fail "a file was written outside the tree"
check_untouched "path leaving the tree"

# Fuzz: none unless asked for, and reported when used.  The patch was
# made where line 7, the outermost context line of its hunk, differs.
git -C "$u" checkout -q -b drifted base
edit_line "$u" src/file2.c 7 "line 7 drifted upstream"
upstream_commit "$u" 5 "src: drift"
edit_line "$u" src/file2.c 10 "fuzzy change"
upstream_commit "$u" 6 "src: fuzzy change"
git -C "$u" format-patch -q --zero-commit -1 --stdout >"$p/patches/0003-missing.patch"
run_qfork 1 push
expect_in "does not apply" "fuzz 0 by default"
check_untouched "fuzz needed"
run_qfork 0 push --fuzz 1
expect_in "fuzz 1" "the fuzz used is reported"
expect_eq "$(sed -n 10p qemu/src/file2.c)" "fuzzy change" "applied with fuzz"
assert_clean qemu
test_done
