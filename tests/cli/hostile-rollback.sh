#!/usr/bin/env bash
# A push that fails while writing must roll back completely, whatever the
# file names (issue 17, defect 2).  A path holding a newline shifted every
# later answer of the rollback's `git cat-file --batch-check` exchange:
# README was left deleted in the index, and the rollback could report
# success over it.  Now every exchange with git is NUL-separated, and the
# rollback claims success only when git sees every path as in HEAD.
#
# The write failure is injected by making one file immutable (chattr +i,
# root on a file system that has it); otherwise the test is skipped.
. "$(dirname "$0")/lib/hostile.bash"

hostile_project
q=$hp/qemu
hostile_modes=x     # the rollback has git write README again
if ! chattr +i "$q/src/file1.c" 2>/dev/null; then
    echo "chattr +i does not work here (needs root and ext4/xfs/btrfs)"
    exit 77
fi
chattr -i "$q/src/file1.c"
immutable=()
unpin() {
    local f
    for f in "${immutable[@]+"${immutable[@]}"}"; do chattr -i "$f" 2>/dev/null || true; done
}
test_at_exit unpin

create() {     # create QUOTED-PATH LINE
    printf 'diff --git %s %s\nnew file mode 100644\n--- /dev/null\n+++ %s\n@@ -0,0 +1 @@\n+%s\n' \
        "$1" "$1" "$1" "$2"
}
modify() {     # modify PATH OLD NEW
    printf 'diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n@@ -1 +1 @@\n-%s\n+%s\n' \
        "$1" "$1" "$1" "$1" "$2" "$3"
}

# Written in this order: "a\nb", README, d/f, "tab\there", then
# src/file1.c fails (immutable): all four must be undone.
{
    create '"b/a\nb"' "newline"
    modify README "The fixture project." "Changed."
    create b/d/f "f"
    create '"b/tab\there"' "tab"
    printf 'diff --git a/src/file1.c b/src/file1.c\n--- a/src/file1.c\n+++ b/src/file1.c\n'
    printf '@@ -1,4 +1,4 @@\n-line 1 of file 1\n+changed\n line 2 of file 1\n line 3 of file 1\n line 4 of file 1\n'
} | hostile_patch names
hostile_series names
# git reads the quoted names as intended.
git -C "$q" apply --check "$hp/patches/names.patch" || fail "fixture: git does not accept the patch"

chattr +i "$q/src/file1.c"
immutable+=("$q/src/file1.c")
refused_cleanly "write failure after hostile names" 1 \
    "qfork push: names (patches/names.patch) could not be written: src/file1.c: cannot write" -- push
expect_not_in "restoring the tree also failed"
[ -z "$(git -C "$q" ls-files --deleted)" ] || fail "a tracked file is deleted"
ok "no tracked file deleted"
[ ! -e "$q/d" ] && [ ! -e "$q/a"$'\n'"b" ] || fail "a new path of the failed push is left"
ok "the new paths are gone, the directory too"
run_qfork 0 -s "$hp/series.conf" push --dry-run
chattr -i "$q/src/file1.c"
immutable=()

# Once the file can be written, the same patch goes on and off cleanly.
cd "$hp"
run_qfork 0 push
[ -f "$q/a"$'\n'"b" ] && [ -f "$q/tab"$'\t'"here" ] || fail "hostile names not created"
ok "hostile names created"
run_qfork 0 pop
assert_clean qemu

# ---- recovery after kill -9 with the same names -----------------------------
# As a push killed between `update-index` and the commit leaves it: the
# files written and staged, HEAD not moved, the journal in place.  The next
# command - any, status here - must put every path back as in HEAD.
run_qfork 0 push
git -C qemu reset -q --soft HEAD~1
[ -n "$(git -C qemu status --porcelain)" ] || fail "fixture: nothing to recover"
{
    echo "[qfork]"
    echo "operation=push"
    echo "entry=names"
    echo "old-head=$(git -C qemu rev-parse HEAD)"
    echo "pid=999999"
    echo 'paths=a\nb;README;d/f;tab\there;src/file1.c;'
} >qemu/.git/qfork/journal
run_qfork 0 status
expect_in "recovered from an interrupted push of names: restored 5 paths"
assert_clean qemu "recovery restored every hostile path"
[ ! -e qemu/d ] || fail "recovery left d/"
ok "recovery removed the new directory"
test_done
