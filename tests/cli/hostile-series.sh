#!/usr/bin/env bash
# series.conf and patch files that are not what they seem (issue 17,
# defects 8 and 9): a tab instead of the two-space indent is reported at
# the tab's own line by every command (it was "entry has no 'patch'" at
# the entry's line); a FIFO (or any other non-regular file) as a patch
# file or as series.conf is refused at once instead of waiting for a
# writer while holding the tree's lock.
. "$(dirname "$0")/lib/hostile.bash"

hostile_project
printf 'diff --git a/README b/README\n--- a/README\n+++ b/README\n@@ -1 +1 @@\n-The fixture project.\n+Changed.\n' |
    hostile_patch readme
hostile_series readme
cd "$hp"

# ---- a tab before "patch" (line 6) -----------------------------------------
sed -i 's/^  patch /\tpatch /' series.conf
grep -n "$(printf '\t')patch" series.conf | grep -q '^6:' || fail "fixture: no tab on line 6"
hostile_next=
for cmd in status push "push --dry-run" series lint; do
    # shellcheck disable=SC2086  # the command's words
    refused_cleanly "tab: $cmd" 1 "series.conf:6: tab in indentation" -- $cmd
    expect_not_in "has no 'patch'" "tab: $cmd: no 'has no patch' at the entry's line"
done
# Too many spaces: the same, at the attribute's line.
sed -i 's/^\tpatch /   patch /' series.conf
refused_cleanly "three spaces" 1 "series.conf:6: indented by 3 spaces" -- push
expect_not_in "has no 'patch'"
sed -i 's/^   patch /  patch /' series.conf
unset hostile_next
run_qfork 0 status

# ---- a FIFO as the patch file ----------------------------------------------
mv patches/readme.patch readme.patch.real
mkfifo patches/readme.patch
for cmd in push "push --dry-run"; do
    snapshot
    rc=0
    out=$(timeout 20 "$QFORK" $cmd 2>&1) || rc=$?
    [ "$rc" -ne 124 ] || fail "FIFO: qfork $cmd hangs on the FIFO"
    expect_eq "$rc" 1 "FIFO: qfork $cmd exits 1"
    expect_in "patches/readme.patch is a FIFO, not a regular file" "FIFO: $cmd names the file"
    expect_in "readme" "FIFO: $cmd names the entry"
    unchanged "FIFO: $cmd"
done
rc=0
out=$(timeout 20 "$QFORK" lint 2>&1) || rc=$?
expect_eq "$rc" 1 "FIFO: lint exits 1"
expect_in "series.conf:6: patch file of downstream entry readme:" "FIFO: lint names the series line"
expect_in "is a FIFO" "FIFO: lint says what the file is"
# The lock is free: the next command works at once.
run_qfork 0 status
rm patches/readme.patch
mv readme.patch.real patches/readme.patch

# ---- a FIFO as series.conf -------------------------------------------------
mv series.conf series.conf.real
mkfifo series.conf
rc=0
out=$(timeout 20 "$QFORK" status 2>&1) || rc=$?
[ "$rc" -ne 124 ] || fail "FIFO series.conf: qfork status hangs"
expect_eq "$rc" 1 "FIFO series.conf: exit 1"
expect_in "series.conf is a FIFO, not a regular file"
rm series.conf
mv series.conf.real series.conf

# ---- and the series still works --------------------------------------------
run_qfork 0 push
run_qfork 0 pop
assert_clean qemu
test_done
