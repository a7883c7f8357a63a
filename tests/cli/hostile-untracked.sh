#!/usr/bin/env bash
# Files that are not the tree's (issue 17, defects 3 and 7).  A patch
# touching build/user.txt (qemu/build is excluded from the tree) was
# applied to the user's file and committed whole; a "deleted file
# build/keep.txt" deleted it with an empty commit; pop then removed the
# build directory.  An edit hidden with `git update-index
# --assume-unchanged` was lost by pop's reset.  A patch may only touch
# files in the index, or create new ones where nothing is; build/ is the
# user's; a hidden edit is found by content and refused, naming the file.
. "$(dirname "$0")/lib/hostile.bash"

hostile_project
q=$hp/qemu
# The user's own files: a build directory (excluded), an ignored object
# file (.gitignore has *.o) and an ignored-only directory.
mkdir -p "$q/build/sub" "$q/src/objs"
echo "user's notes" >"$q/build/user.txt"
echo "keep me" >"$q/build/keep.txt"
echo "object" >"$q/build/sub/obj.o"
echo "object" >"$q/src/file1.o"
echo "object" >"$q/src/objs/a.o"
assert_clean "$q" "the user's files do not make the tree dirty"
build_digest=$(tree_digest "$q/build")

modify() {     # modify PATH OLD NEW
    printf 'diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1 +1 @@\n-%s\n+%s\n' \
        "$1" "$1" "$1" "$1" "$2" "$3"
}
delete() {     # delete PATH LINE
    printf 'diff --git a/%s b/%s\ndeleted file mode 100644\n--- a/%s\n+++ /dev/null\n@@ -1 +0,0 @@\n-%s\n' \
        "$1" "$1" "$1" "$2"
}
create() {     # create PATH LINE
    printf 'diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1 @@\n+%s\n' \
        "$1" "$1" "$1" "$2"
}

modify build/user.txt "user's notes" "patched" | hostile_patch modify-build
delete build/keep.txt "keep me" | hostile_patch delete-build
create build/new.txt "new" | hostile_patch create-build
modify src/file1.o "object" "patched" | hostile_patch modify-ignored
create src/objs/new.c "new" | hostile_patch create-in-ignored-dir
{
    modify README "The fixture project." "Changed."
    modify build/sub/obj.o "object" "patched"
} | hostile_patch second-file-untracked

check() {     # check NAME TEXT [dry]: also with push --dry-run
    hostile_series "$1"
    if [ -n "${3:-}" ]; then
        refused_cleanly "$1: dry run" 1 "$1 does not apply" "patches/$1.patch" "$2" \
            -- push --dry-run
    fi
    refused_cleanly "$1: push" 1 "qfork push: $1 does not apply" \
        "patches/$1.patch" "$2" -- push
}
check modify-build "build/user.txt: not a file of the tree" dry
check delete-build "build/keep.txt: not a file of the tree"
check create-build "build/new.txt: build/ is excluded from the tree"
check modify-ignored "src/file1.o: not a file of the tree"
check create-in-ignored-dir "src/objs/new.c: would be created inside 'src/objs', a directory git does not track" dry
check second-file-untracked "build/sub/obj.o: not a file of the tree"
expect_eq "$(tree_digest "$q/build")" "$build_digest" "build/ as the user left it"

# Good entries around the user's files: new directories, a new file in a
# tracked one, a change; then pop -a.  build/ and the ignored files stay.
{
    create src/new/deep/file.c "deep"
    create src/added.c "added"
    modify README "The fixture project." "Changed."
} | hostile_patch good
hostile_series good
cd "$hp"
run_qfork 0 push
run_qfork 0 pop -a
expect_eq "$(tree_digest "$q/build")" "$build_digest" "push and pop leave build/ alone"
[ -f "$q/src/file1.o" ] && [ -f "$q/src/objs/a.o" ] || fail "ignored files removed"
ok "push and pop leave ignored files alone"
[ ! -e "$q/src/new" ] || fail "pop left src/new"
ok "pop removes only what the entry added"

# ---- an edit hidden by assume-unchanged -------------------------------------
create src/more.c "more" | hostile_patch more
hostile_series good more
run_qfork 0 push
echo "my hidden edit" >>"$q/src/file2.c"
git -C "$q" update-index --assume-unchanged src/file2.c
assert_clean "$q" "git status does not show the hidden edit"
hidden=$(sha256sum <"$q/src/file2.c")
refused_cleanly "assume-unchanged: pop" 1 "qfork pop:" \
    "src/file2.c is marked assume-unchanged" "git update-index --no-assume-unchanged" -- pop
expect_eq "$(sha256sum <"$q/src/file2.c")" "$hidden" "the hidden edit is kept"
refused_cleanly "assume-unchanged: push" 1 "qfork push:" \
    "src/file2.c is marked assume-unchanged" -- push
# The same with skip-worktree.
git -C "$q" update-index --no-assume-unchanged src/file2.c
git -C "$q" update-index --skip-worktree src/file2.c
refused_cleanly "skip-worktree: pop" 1 "src/file2.c is marked skip-worktree" -- pop
git -C "$q" update-index --no-skip-worktree src/file2.c
# Marked but unchanged: nothing to lose, pop goes on.
git -C "$q" checkout -q -- src/file2.c
git -C "$q" update-index --assume-unchanged src/file2.c
run_qfork 0 pop
git -C "$q" update-index --no-assume-unchanged src/file2.c
assert_clean "$q"
test_done
