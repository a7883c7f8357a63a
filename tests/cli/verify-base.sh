#!/usr/bin/env bash
# qfork verify-base end to end: a fixture upstream git with release tags
# and a base tree (an extracted release, no git).  A released row is
# proven by ancestry, a row after the last tag by content, a row the git
# lacks stays open (exit 3); --write records it all in series.conf, and
# status and table show it.
. "$(dirname "$0")/lib/common.sh"

u=$work/upstream
make_upstream "$u" 2
fx_git -C "$u" tag v1.0.0
edit_line "$u" src/file1.c 10 "released change"
upstream_commit "$u" 1 "src: a released change"
released=$(git -C "$u" rev-parse HEAD)
fx_git -C "$u" tag v1.1.0
edit_line "$u" src/file2.c 20 "later change"
upstream_commit "$u" 2 "src: a change after the last tag"
later=$(git -C "$u" rev-parse HEAD)

# The base: version 1.1.5, extracted files (no git), after both changes.
mkdir -p "$work/base"
git -C "$u" archive HEAD | tar -x -C "$work/base"

p=$work/p
mkdir -p "$p"
cat >"$p/series.conf" <<CONF
base 1.1.5
section S
group March 2024
  min-release v1.0
upstream ${released:0:12}
  commit $released
  subject src: a released change
upstream ${later:0:12}
  subject src: a change after the last tag
upstream 0123456789ab
  subject src: nowhere to be found
CONF
cd "$p"

run_qfork 1 verify-base
expect_in "--upstream-git DIR is required" "the upstream git is required"
run_qfork 1 verify-base --upstream-git "$work/nothing" --base "$work/base"
expect_in "upstream git $work/nothing: not a git repository" \
    "a missing upstream git is named"

run_qfork 3 verify-base --upstream-git "$u" --base "$work/base"
expect_in "git: ${released:0:12} is in release tag v1.1.0, not after base 1.1.5" \
    "a released row is proven by ancestry"
expect_in "every hunk of upstream commit ${later:0:12} is in the 1.1.5 tree" \
    "a row after the last tag is proven by content"
expect_in "0123456789ab  open" "a row the git lacks stays open"
expect_in "3 upstream rows: 1 in base by ancestry, 1 by content, 0 proven not in base, 1 open" \
    "the counts"
expect_eq "$(grep -c evidence series.conf)" 0 "without --write series.conf is untouched"

run_qfork 3 verify-base --upstream-git "$u" --base "$work/base" --write
expect_in "evidence recorded for 3 rows" "--write records every row"
grep -qx "  first-release v1.1.0" series.conf || fail "first-release not recorded"
grep -qx "  evidence ancestry v1.1.0" series.conf || fail "ancestry not recorded"
grep -qx "  evidence content 1.1.5 (1 file, 1 hunk) from upstream commit ${later:0:12}" \
    series.conf || fail "content not recorded"
grep -q "^  evidence none: the upstream git has neither" series.conf ||
    fail "the open row's reason is not recorded"
ok "series.conf records first-release and evidence"

# A proof is not replaced by a failure to repeat it with a poorer git.
mkdir "$work/empty" && fx_git -C "$work/empty" init -q
run_qfork 3 verify-base --upstream-git "$work/empty" --base "$work/base" --write
expect_in "evidence recorded for 0 rows" "a poorer git changes nothing"
grep -qx "  evidence ancestry v1.1.0" series.conf || fail "a proof was lost"

run_qfork 0 -C "$work/base" status
expect_in "3 in base (1 unverified, 1 with a stated reason)" "status counts the reason"
expect_in "evidence for the 3 rows in base: 1 by git ancestry, 1 by content, 1 open with a stated reason, 0 unverified" \
    "status shows how the rows were proven"
run_qfork 0 table
expect_in "| in base since v1.1.0 | ancestry v1.1.0 |" "the table shows the evidence"
test_done
