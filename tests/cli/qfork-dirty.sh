#!/usr/bin/env bash
# A tree with uncommitted changes is refused by push and pop, the message
# lists the dirty paths, and the user's edits are left exactly as they were.
. "$(dirname "$0")/lib/common.sh"

p=$work/p
make_project "$p" 3
cd "$p"
run_qfork 0 push

# An edit to a tracked file the next patch touches.
echo "my precious edit" >>qemu/src/file2.c
cp qemu/src/file2.c "$work/edit"
digest=$(tree_digest qemu)
head=$(git -C qemu rev-parse HEAD)
run_qfork 1 push
expect_in "uncommitted changes" "push refuses a dirty tree"
expect_in " M src/file2.c" "the dirty path is listed"
run_qfork 1 push -a
run_qfork 1 pop
expect_in "uncommitted changes" "pop refuses a dirty tree"
run_qfork 1 pop -a
expect_eq "$(tree_digest qemu)" "$digest" "the tree is exactly as the user left it"
cmp -s qemu/src/file2.c "$work/edit" || fail "the user's edit changed"
ok "the user's edit is intact"
expect_eq "$(git -C qemu rev-parse HEAD)" "$head" "HEAD did not move"
# Read-only commands still work on a dirty tree.
run_qfork 0 status
expect_in "uncommitted changes in 1 path"
run_qfork 0 applied
git -C qemu checkout -q -- src/file2.c

# Untracked files count as dirty too; so does a staged change.
echo new >qemu/src/untracked.c
run_qfork 1 push
expect_in "?? src/untracked.c"
rm qemu/src/untracked.c
echo staged >>qemu/README
git -C qemu add README
run_qfork 1 push
expect_in "M  README"
git -C qemu reset -q --hard

# The build directory is excluded, whatever it holds.
mkdir -p qemu/build
echo object >qemu/build/qemu-system-aarch64
run_qfork 0 push
run_qfork 0 pop -a
expect_eq "$(cat qemu/build/qemu-system-aarch64)" object "pop leaves build/ alone"

# Many dirty paths: the list is cut, with a count of the rest.
for i in $(seq 1 30); do echo x >"qemu/src/new$i.c"; done
run_qfork 1 push
expect_in "... and 10 more"
test_done
