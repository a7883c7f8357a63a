#!/usr/bin/env bash
# `make build/qfork`, the path README and the messages show, builds the
# binary (issue 17: on a fresh clone it said "No rule to make target").
# Checked with -n and -W (a source taken as changed): make must plan to
# link the binary at that path, and nothing is rebuilt or run.
. "$(dirname "$0")/lib/common.sh"

for target in build/qfork build/tests/test-apply; do
    rc=0
    out=$(make -C "$top" -n -W scripts/qfork/lib/qf-apply.c "$target" 2>&1) || rc=$?
    expect_eq "$rc" 0 "make -n $target exits 0"
    expect_not_in "No rule to make target" "make $target has a rule"
    expect_in "-o $top/$target " "make $target links $target"
done
test_done
