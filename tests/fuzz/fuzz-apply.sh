#!/usr/bin/env bash
# Bounded libFuzzer run of the whole apply path (tests/fuzz/fuzz-apply.c):
# parse, prepare and write into a fresh copy of the seed tree, checking
# that what prepare accepts is written exactly and that nothing outside
# the tree is touched.  Same seeds, dictionary and build as fuzz-patch.sh.
# QF_FUZZ_SECONDS sets the budget (default 20); exit 77: no libFuzzer.
QF_FUZZ_SECONDS=${QF_FUZZ_SECONDS:-20} QF_FUZZ_TARGET=apply \
    exec "$(dirname "$0")/fuzz-patch.sh"
