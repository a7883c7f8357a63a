#!/usr/bin/env bash
# A bisect survives being killed: SIGKILL during the test and during the
# build, SIGINT, a test exit code that stops it (>= 128) and the tree
# moved by hand in between.  --resume continues with the saved verdicts
# (no position is built twice unless its verdict was lost) and names the
# right entry; --reset then pops/pushes back to where the bisect started.
. "$(dirname "$0")/lib/bisect-fixture.sh"

p=$work/p
n=40
k=23
make_bisect_project "$p" "$n"
cd "$p"
echo "$k" >"$work/regression"
bound=$(ceil_log2 $n)
# Start in the middle: --reset must come back to 12.
run_qfork 0 -s series.conf push 12
start_tree=$(head_tree)
state=qemu/.git/qfork/bisect/state

start() {
    run_bisect "$1" --good base --bad "$(entry_name $n)" --build make -- \
        "$work/check.sh"
}

# 1. SIGKILL while the test runs at the second position (30).  The
# positions go 20 (good), 30 (bad), 25 (bad), 22 (good), 23 (bad)...
echo kill-at:30 >"$work/check-mode"
rm -f "$work/tested"
start 137
expect_in "[2] #30 src-change-30: push 10"
[ -f $state ] || fail "the state survives SIGKILL"
grep -qx 'src-change-20=good' $state || fail "20's verdict is saved"
grep -q 'src-change-30=' $state && fail "30 has no verdict: its test was killed"
ok "state after SIGKILL: 20 good, 30 untested"
run_qfork 0 -s series.conf top
expect_eq "$out" src-change-30 "the tree is consistent after SIGKILL"
echo normal >"$work/check-mode"
run_bisect 0 --resume
expect_in "Resuming the search of 20 entries after #20 src-change-20 up to #40 src-change-40"
expect_in "[2] #30 src-change-30: push 0 in" "30 is tested again"
expect_in "First bad entry: #$k src-change-$k"
total=$(wc -l <"$work/tested")
[ "$total" -le $((bound + 1)) ] || fail "$total tests over both runs"
ok "$total tests over both runs <= ceil(log2($n)) + the lost one"
grep -q "resume: good #20 src-change-20" qemu/.git/qfork/bisect/log ||
    fail "the log says where it resumed"
ok "the log covers both runs"
# A finished bisect resumed again: the answer, no build.
run_bisect 0 --resume
expect_in "First bad entry: #$k src-change-$k"
expect_eq "$(steps_in_out)" 0 "resuming a finished bisect builds nothing"
run_bisect 0 --reset
expect_in "the tree is back at src-change-12"
expect_eq "$(head_tree)" "$start_tree" "--reset after resume restores 12"
[ ! -f $state ] || fail "--reset removes the state"
ok "--reset removes the state"

# 2. SIGKILL during the build at 25, then the tree moved by hand.
rm -f "$work/tested" "$work/killed"
run_bisect 137 --good base --bad "$(entry_name $n)" --build \
    "make && { [ \"\$QFORK_BISECT_POSITION\" != 25 ] || [ -e $work/killed ] || { touch $work/killed; kill -KILL \$PPID; sleep 1; }; }" \
    -- "$work/check.sh"
expect_in "[3] #25 src-change-25: pop 5"
grep -q 'src-change-25=' $state && fail "25 has no verdict"
ok "killed in the build: 25 has no verdict"
run_qfork 0 -s series.conf pop 3
run_bisect 0 --resume
expect_in "[3] #25 src-change-25: push 3 in" "moves from where the tree is"
expect_in "First bad entry: #$k src-change-$k"
run_bisect 0 --reset
expect_eq "$(head_tree)" "$start_tree" "--reset restores 12"

# 3. SIGINT during a test: stops cleanly, that position untested.
echo int-at:25 >"$work/check-mode"
start 1
expect_in "interrupted (signal 2) at src-change-25"
expect_in "qfork bisect --resume"
echo normal >"$work/check-mode"
run_bisect 0 --resume
expect_in "First bad entry: #$k src-change-$k"
run_bisect 0 --reset

# 4. A test exit code above 127 stops the bisect, as git bisect run does.
echo abort-at:30 >"$work/check-mode"
start 1
expect_in "the test command exit 200 at src-change-30: the bisect stops"
expect_in "--resume"
grep -q 'src-change-30=' $state && fail "an aborting test records nothing"
ok "an aborting test records nothing"
grep -q "stopped: the test command exit 200" qemu/.git/qfork/bisect/log ||
    fail "the log says why it stopped"
ok "the log says why it stopped"
echo normal >"$work/check-mode"
run_bisect 0 --resume
expect_in "First bad entry: #$k src-change-$k"

# A test killed by a signal stops it too.
run_bisect 0 --reset
printf '#!/bin/sh\nkill -TERM $$\n' >"$work/die.sh"
chmod +x "$work/die.sh"
run_bisect 1 --good base --bad 40 --build make -- "$work/die.sh"
expect_in "killed by signal 15"
run_bisect 0 --reset
expect_eq "$(head_tree)" "$start_tree" "every --reset came back to 12"
assert_clean qemu
test_done
