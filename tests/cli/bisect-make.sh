#!/usr/bin/env bash
# `make bisect GOOD=... BAD=... TEST=...` wraps qfork bisect: TEST reaches
# sh as written (quotes, $VARIABLES), BISECT_BUILD/BISECT_SERIES/QEMU_DIR
# point it at a fixture; bisect-resume and bisect-reset; usage errors.
. "$(dirname "$0")/lib/bisect-fixture.sh"

p=$work/p
make_bisect_project "$p" 24
start_tree=$(head_tree)
echo 11 >"$work/regression"

# run_make EXPECTED-EXIT ARGS...: make in the repository, output in $out;
# the qfork under test is used as it is (-o: not rebuilt).
run_make() {
    local want=$1 rc=0
    shift
    out=$(make -s --no-print-directory -C "$top" QFORK="$QFORK" -o "$QFORK" \
        QEMU_DIR="$p/qemu" BISECT_SERIES="$p/series.conf" "$@" 2>&1) || rc=$?
    [ "$rc" -eq "$want" ] || { printf '%s\n' "$out" >&2; fail "make $* exited $rc, want $want"; }
}

export CHECK=$work/check.sh
run_make 0 bisect GOOD=base BAD=24 BISECT_BUILD=make \
    TEST='echo "entry $QFORK_BISECT_ENTRY" >>'"$work"'/env.log; "$CHECK"'
expect_in "First bad entry: #11 src-change-11"
expect_in "  build: make"
grep -q '^entry src-change-12$' "$work/env.log" ||
    fail "TEST saw its environment (\$QFORK_BISECT_ENTRY, \$CHECK)"
ok "TEST reaches sh as written"
run_make 0 bisect-resume
expect_in "First bad entry: #11 src-change-11"
run_make 0 bisect-reset
expect_in "the tree is back at base"
expect_eq "$(head_tree)" "$start_tree" "make bisect-reset restores the tree"

run_make 2 bisect GOOD=base BAD=24 BISECT_BUILD=make
expect_in "usage: make bisect GOOD=REF BAD=REF TEST='shell command'"
run_make 2 bisect-reset
expect_in "no bisect in progress"
test_done
