#!/usr/bin/env bash
# Determinism: the same series on the same base gives the same commit ids,
# on every machine and with every version of qfork.  The expected ids in
# tests/fixtures/commit-ids/expected-ids were made by qfork as it was
# before it wrote commits in-process (it ran git update-index, write-tree,
# commit-tree and update-ref for each entry); a change that alters any id
# breaks every bisect log and tree made before it.
#
# The fixture's patches cover what changes a tree or an identity line:
# edits, creation in new directories, deletion of a directory's only file,
# a rename, mode changes both ways, a symlink, a binary file, changes at
# several depths at once, a non-ASCII author and subject, time zones from
# -12:00 to +14:00, a leap day, a name git trims ("Jr."), a quoted name, a
# date without weekday and one with a comment, an author with only an
# address and a patch without mail headers.
. "$(dirname "$0")/lib/common.sh"

fx=$top/tests/fixtures/commit-ids
p=$work/p
mkdir -p "$p/qemu"
cp -r "$fx/series.conf" "$fx/patches" "$p/"
cp -a "$fx/base/." "$p/qemu/"
cd "$p"
run_qfork 0 init --version 1.0.0 qemu

# ids SECTION: the lines of expected-ids below "[SECTION]"
ids() {
    sed -n "/^\[$1\]/,/^\[/p" "$fx/expected-ids" | grep -v '^\[' | grep -v '^$'
}
# actual: "base ID" then "ID SUBJECT" for each commit over the base
actual() {
    echo "base $(git -C qemu rev-parse refs/qfork/base)"
    git -C qemu log --reverse --format='%H %s' refs/qfork/base..HEAD
}
expect_ids() {   # expect_ids SECTION WHAT
    if ! diff -u <(ids "$1") <(actual) >"$work/diff"; then
        cat "$work/diff" >&2
        fail "$2: commit ids differ from tests/fixtures/commit-ids/expected-ids [$1]"
    fi
    ok "$2"
}

n=$(ls "$fx/patches" | wc -l)
run_qfork 0 push 3
run_qfork 0 push -a
expect_eq "$(git -C qemu rev-list --count refs/qfork/base..HEAD)" "$n" \
    "all $n entries pushed"
expect_ids default "push 3, then push -a: the recorded ids"
assert_clean qemu "clean after the push"

run_qfork 0 pop -a
run_qfork 0 push -a
expect_ids default "pop -a, push -a: the same ids again"

# GIT_COMMITTER_* still win over qfork's fixed committer.
run_qfork 0 pop -a
out=$(GIT_COMMITTER_NAME="Release Robot" GIT_COMMITTER_EMAIL=robot@example.org \
    GIT_COMMITTER_DATE="2025-05-05T05:05:05+02:00" "$QFORK" push -a 2>&1) ||
    fail "push -a with GIT_COMMITTER_*: $out"
expect_ids committer "GIT_COMMITTER_* set: the recorded ids"
test_done
