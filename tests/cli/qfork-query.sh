#!/usr/bin/env bash
# qfork query: the facts the pipeline scripts ask for, one line each, from
# their one owner (series.conf's parser, the tree's base ref, the
# dirty-tree rule), and a clear exit 1 when a fact is missing.
. "$(dirname "$0")/lib/common.sh"

proj=$work/p
make_project "$proj" 2
cd "$proj"
sha=$(printf '%064d' 7)
sed -i "s/^base 1.0.0\$/base 1.0.0\n  tarball fx_1.0.0.tar.xz\n  sha256 $sha/" series.conf

run_qfork 0 query base.version
expect_eq "$out" "1.0.0" "base.version is the pin"
run_qfork 0 query base.tarball
expect_eq "$out" "fx_1.0.0.tar.xz" "base.tarball"
run_qfork 0 -q query base.sha256
expect_eq "$out" "$sha" "base.sha256, printed even with -q"

run_qfork 0 query tree.base-commit
expect_eq "$out" "$(git -C qemu rev-parse refs/qfork/base)" "tree.base-commit is refs/qfork/base"
run_qfork 0 query tree.base-version
expect_eq "$out" "1.0.0" "tree.base-version is the base commit's release"
run_qfork 0 -C "$proj/qemu" query tree.base-version
expect_eq "$out" "1.0.0" "-C names the tree"

run_qfork 0 query tree.dirty
expect_eq "$out" "" "tree.dirty: nothing on a clean tree"
mkdir -p qemu/build && echo obj >qemu/build/x.o
run_qfork 0 query tree.dirty
expect_eq "$out" "" "tree.dirty: build/ does not count"
echo edit >>qemu/src/file1.c
echo new >qemu/new.txt
run_qfork 0 query tree.dirty
expect_eq "$out" " M src/file1.c
?? new.txt" "tree.dirty: one porcelain line per changed or untracked path"
git -C qemu checkout -q -- src/file1.c && rm qemu/new.txt

# What is missing is named, exit 1.
sed -i '/^  tarball /d; /^  sha256 /d' series.conf
run_qfork 1 query base.tarball
expect_in "base.tarball: $proj/series.conf has none" "no tarball: exit 1 naming the file"
mkdir "$work/plain"
run_qfork 1 -C "$work/plain" query tree.base-commit
expect_in "not a qfork tree" "a directory that is no qfork tree: exit 1"
git -C "$work/plain" init -q
run_qfork 1 -C "$work/plain" query tree.dirty
expect_in "not a qfork tree (no refs/qfork/base)" "a git repository without the base ref: exit 1"
run_qfork 1 query base.nope
expect_in "no key 'base.nope'" "unknown key"
run_qfork 1 query
expect_in "which KEY?" "no key"
run_qfork 1 query base.version base.tarball
expect_in "too many arguments" "one key per call"
test_done
