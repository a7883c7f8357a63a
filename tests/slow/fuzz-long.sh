#!/usr/bin/env bash
# make check-slow: the patch fuzzers with a long budget (make check gives
# them about 20 s each): the parser and prepare step (fuzz-patch), then
# the whole apply path writing into a tree (fuzz-apply).
# QF_FUZZ_LONG_SECONDS per fuzzer, default 300.  Exit 77 without libFuzzer.
set -u
. "$(dirname "$0")/../lib/test-lib.sh"
here=$(cd "$(dirname "$0")/../fuzz" && pwd)
secs=${QF_FUZZ_LONG_SECONDS:-300}
rc=0
for t in fuzz-patch fuzz-apply; do
    QF_FUZZ_SECONDS=$secs "$here/$t.sh" || rc=$?
    [ "$rc" -eq 0 ] || exit "$rc"
done
