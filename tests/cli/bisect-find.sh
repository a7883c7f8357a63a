#!/usr/bin/env bash
# qfork bisect names the entry that planted a regression in a 40-entry
# fixture series, for the first, second, a middle, the last-but-one and
# the last entry, within ceil(log2(N)) builds, building at every step;
# --reset puts the tree back where it was, also from the middle of the
# series.
. "$(dirname "$0")/lib/bisect-fixture.sh"

p=$work/p
n=40
make_bisect_project "$p" "$n"
cd "$p"
start_tree=$(head_tree)

for k in 1 2 17 39 40; do
    echo "$k" >"$work/regression"
    rm -f "$work/tested" qemu/build/count
    run_bisect 0 --good base --bad "$(entry_name $n)" --build make -- \
        "$work/check.sh"
    expect_in "First bad entry: #$k $(entry_name "$k")" "k=$k: names entry $k"
    expect_in "  subject:  src: change $k" "k=$k: with its subject"
    expect_in "  patch:    $p/patches/$(printf %04d "$k")-src-change-$k.patch" \
        "k=$k: and its patch file"
    steps=$(steps_in_out)
    [ "$steps" -le "$(ceil_log2 $n)" ] ||
        fail "k=$k: $steps builds, more than ceil(log2($n))"
    ok "k=$k: $steps builds <= $(ceil_log2 $n)"
    expect_eq "$(wc -l <qemu/build/count)" "$steps" "k=$k: one build per step"
    expect_eq "$(wc -l <"$work/tested")" "$steps" "k=$k: one test per step"
    # Each step is reported with its position, entry, move, build, verdict.
    grep -Eq '^\[1\] #20 src-change-20: push 20 in [0-9.]+s, build [0-9.]+s, test exit [01]: (good|bad); [0-9]+ candidates? left$' <<<"$out" ||
        { printf '%s\n' "$out" >&2; fail "k=$k: step line format"; }
    ok "k=$k: step lines say position, entry, move, build time, verdict"
    grep -q "result: first bad entry #$k src-change-$k " qemu/.git/qfork/bisect/log ||
        fail "k=$k: the log has the result"
    ok "k=$k: the log has the result"
    run_bisect 0 --reset
    expect_in "the tree is back at base"
    expect_eq "$(head_tree)" "$start_tree" "k=$k: --reset restores the base"
    assert_clean qemu "k=$k: the tree is clean after --reset"
done

# From the middle of the series: a narrower range, refs given as a
# position and a patch file name; --reset pushes and pops back to 25.
run_qfork 0 -s series.conf push src-change-25
mid_tree=$(head_tree)
echo 13 >"$work/regression"
rm -f "$work/tested"
run_bisect 0 --good 10 --bad 0030-src-change-30.patch --build make -- \
    "$work/check.sh"
expect_in "Searching 20 entries after #10 src-change-10 up to #30 src-change-30: at most 5 builds"
expect_in "First bad entry: #13 src-change-13"
[ "$(steps_in_out)" -le 5 ] || fail "more than 5 builds for 20 entries"
ok "at most ceil(log2(20)) builds"
# Nothing outside (good, bad) is ever tested.
while read -r e; do
    i=${e#src-change-}
    [ "$i" -gt 10 ] && [ "$i" -lt 30 ] || fail "tested $e, outside the range"
done <"$work/tested"
ok "only positions between good and bad are tested"
run_bisect 0 --reset
expect_in "the tree is back at src-change-25"
expect_eq "$(head_tree)" "$mid_tree" "--reset restores the start in the middle"
run_qfork 0 -s series.conf top
expect_eq "$out" src-change-25 "qfork top agrees"

# good and bad next to each other: no build at all.
run_bisect 0 --good 29 --bad 30 --build make -- "$work/check.sh"
expect_in "at most 0 builds"
expect_in "First bad entry: #30 src-change-30"
expect_eq "$(steps_in_out)" 0 "adjacent good and bad need no build"
run_bisect 0 --reset
test_done
