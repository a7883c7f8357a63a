#!/usr/bin/env bash
# Untestable positions: entry 20 of 40 breaks the build (entry 21 fixes
# it), and the test can say "skip" (exit 125).  A skip costs one build
# over ceil(log2(N)); when skips sit next to the first bad entry the
# answer is the set of candidates (exit 3); --build-failure-is-bad turns
# the broken build into a bad verdict.
. "$(dirname "$0")/lib/bisect-fixture.sh"

p=$work/p
n=40
brk=20
make_bisect_project "$p" "$n" "$brk"
cd "$p"
bound=$(ceil_log2 $n)

bisect_k() {    # bisect_k EXPECTED-EXIT K [OPTIONS...]
    local want=$1 k=$2
    shift 2
    echo "$k" >"$work/regression"
    run_bisect "$want" --good base --bad "$(entry_name $n)" --build make \
        "$@" -- "$work/check.sh"
}

# The first midpoint is 20: it does not build, so it is skipped.
bisect_k 0 30
expect_in "[1] #20 src-change-20: push 20 in"
expect_in "build FAILED (exit 2) in"
expect_in ": skip; 40 candidates left" "a skip keeps every candidate"
expect_in "    | error: build broken" "the build's error is shown"
expect_in "First bad entry: #30 src-change-30"
skips=$(printf '%s\n' "$out" | grep -c ': skip; ' || true)
steps=$(steps_in_out)
expect_eq "$skips" 1 "one skip"
[ "$steps" -le $((bound + skips)) ] ||
    fail "$steps builds, more than ceil(log2($n)) + $skips skips"
ok "$steps builds <= ceil(log2($n)) + skips"
expect_in "builds (1 skipped)"
grep -q "build failed (exit 2)" qemu/.git/qfork/bisect/log &&
    grep -q "  | error: build broken" qemu/.git/qfork/bisect/log ||
    fail "the log has the failed build and its output"
ok "the log has the failed build and its output"
run_bisect 0 --reset

# The regression is in the entry that does not build: 20 or 21.
bisect_k 3 20
expect_in "The first bad entry is one of these 2 (skipped positions leave it ambiguous):"
expect_in "  #20 src-change-20 [skip]: src: change 20"
expect_in "  #21 src-change-21 [bad]: src: change 21"
expect_not_in "First bad entry:"
grep -q "result: ambiguous, 2 candidates" qemu/.git/qfork/bisect/log ||
    fail "the log has the ambiguous result"
ok "the log has the ambiguous result"
run_bisect 0 --reset

# In the entry after it: 20 cannot be told apart from 21 either.
bisect_k 3 21
expect_in "  #20 src-change-20 [skip]"
expect_in "  #21 src-change-21 [bad]"
run_bisect 0 --reset
# One further, or right before it: exact.
bisect_k 0 22
expect_in "First bad entry: #22 src-change-22"
run_bisect 0 --reset
bisect_k 0 19
expect_in "First bad entry: #19 src-change-19"
run_bisect 0 --reset

# A failed build counted as bad: 20 is then the first "bad" entry.
bisect_k 0 30 --build-failure-is-bad
expect_in "build FAILED (exit 2) in"
expect_in ": bad; 20 candidates left"
expect_in "First bad entry: #20 src-change-20"
run_bisect 0 --reset

# The test itself says skip (exit 125) at 30, where the regression is.
echo skip-at:30 >"$work/check-mode"
bisect_k 3 30
expect_in "test exit 125: skip"
expect_in "  #30 src-change-30 [skip]"
expect_in "  #31 src-change-31 [bad]"
steps=$(steps_in_out)
[ "$steps" -le $((bound + 2)) ] || fail "$steps builds for 2 skips"
ok "$steps builds <= ceil(log2($n)) + 2 skips"
run_bisect 0 --reset
echo normal >"$work/check-mode"
assert_clean qemu
test_done
