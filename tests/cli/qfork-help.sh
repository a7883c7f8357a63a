#!/usr/bin/env bash
# Help comes from the one command table: qfork --help, qfork help CMD,
# qfork CMD --help; usage errors exit 1.
. "$(dirname "$0")/lib/common.sh"

cd "$work"
run_qfork 0 --help
expect_in "Usage: qfork [-C DIR] [-s FILE] [-q] COMMAND"
for cmd in init series applied unapplied top status push pop lint bisect rebase query help; do
    expect_in "  $cmd " "--help lists $cmd"
done
expect_in "Exit status: 0 done, 1 error, 2 nothing to do, 3 (bisect) only a set of
candidates."
main_help=$out
run_qfork 0 help
expect_eq "$out" "$main_help" "qfork help is qfork --help"

run_qfork 0 help push
expect_in "Usage: qfork push [-a | N | NAME] [--fuzz F] [--dry-run]"
expect_in "--fuzz F"
push_help=$out
run_qfork 0 push --help
expect_eq "$out" "$push_help" "push --help is help push"
run_qfork 0 pop -h
expect_in "Usage: qfork pop [-a | N | NAME]"
# Every command has usage text.
for cmd in $(printf '%s\n' "$main_help" | sed -n 's/^  \([a-z]\+\) .*/\1/p'); do
    run_qfork 0 help "$cmd"
    expect_in "Usage: qfork $cmd" "help $cmd"
done

run_qfork 0 --version
expect_in "qfork "
run_qfork 1
expect_in "Usage: qfork" "no command: usage, exit 1"
run_qfork 1 frobnicate
expect_in "unknown command 'frobnicate'"
run_qfork 1 --frob status
expect_in "unknown option --frob"
run_qfork 1 help frobnicate
expect_in "no command 'frobnicate'"
run_qfork 1 -C
expect_in "-C needs a directory"
run_qfork 1 status
expect_in "no series.conf in $work or its parents (use -s FILE)"
run_qfork 1 -s "$work/nope.conf" status
expect_in "nope.conf"
test_done
