#!/usr/bin/env bash
# Interruption: `qfork push -a` killed with SIGKILL at random moments, then
# interrupted with SIGINT and SIGTERM.  After each, the next qfork command
# must leave a tree whose HEAD, index and files agree, `status` must tell
# the truth, and `push -a` must finish the series.  The tree after k
# entries must be exactly upstream's tree after its k-th commit.
. "$(dirname "$0")/lib/common.sh"

p=$work/p
n=60
make_project "$p" "$n" 20
cd "$p"
# upstream's tree after each commit k (0 = base)
mapfile -t want_tree < <(git -C "$p.upstream" log --reverse --format=%T base..HEAD)
want_tree=("$(git -C "$p.upstream" rev-parse base^{tree})" "${want_tree[@]}")
[ "${#want_tree[@]}" -eq $((n + 1)) ] || fail "fixture: ${#want_tree[@]} trees"

# check_consistent WHAT: run after an interruption.
check_consistent() {
    local what=$1 applied commits
    run_qfork 0 status
    printf '%s\n' "$out" | grep -E '^qfork: recovered' || true
    assert_clean qemu "$what: clean after the next command"
    [ ! -e qemu/.git/qfork/journal ] || fail "$what: journal left behind"
    [ ! -e qemu/.git/index.lock ] || fail "$what: index.lock left behind"
    commits=$(git -C qemu rev-list --count refs/qfork/base..HEAD)
    applied=$(printf '%s\n' "$out" | grep -cE '^ *[0-9]+  src-change-[0-9]+ +applied ' || true)
    expect_eq "$applied" "$commits" "$what: status says $commits applied, as HEAD has"
    expect_eq "$(git -C qemu rev-parse HEAD^{tree})" "${want_tree[$commits]}" \
        "$what: the tree is upstream's after $commits commits"
    last=$commits
}

# kill_after OP DELAY: `qfork OP -a` SIGKILLed after DELAY seconds;
# $had_journal says whether it left its journal, noted before the next
# command recovers from it.
kill_after() {
    "$QFORK" "$1" -a >"$work/$1.log" 2>&1 &
    pid=$!
    sleep "$2"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    had_journal=$([ -e qemu/.git/qfork/journal ] && echo yes || echo no)
}

# expect_recovery WHAT OP: a journal the killed OP ("push", "pop") left
# must be recovered by the next command, which says so; without one there
# is nothing to recover and it must not claim to have.
expect_recovery() {
    local what=$1 op=$2
    if [ "$had_journal" = yes ]; then
        expect_in "recovered from an interrupted $op" "$what: the half-done $op is recovered, and said"
        recovered=$((recovered + 1))
    else
        expect_not_in "recovered from" "$what: nothing to recover, nothing claimed"
    fi
}

recovered=0
last=0
# Eight rounds, and more (up to 40) until one killed a push mid-entry:
# the recovery must have been exercised, not only the clean cases.
for ((round = 1; round <= 8 || (recovered == 0 && round <= 40); round++)); do
    # Start half the rounds from the base, the others where the last stopped.
    if [ $((round % 2)) -eq 1 ] && [ "$last" -gt 0 ]; then
        run_qfork 0 pop -a
        last=0
    fi
    before=$last
    kill_after push "0.$((RANDOM % 8))$((RANDOM % 10))"
    check_consistent "SIGKILL round $round"
    expect_recovery "SIGKILL round $round" push
    echo "round $round: killed after $((last - before)) more entries"
done
[ "$recovered" -gt 0 ] || fail "no SIGKILL landed inside a push in $((round - 1)) rounds"
ok "recovered a half-done push in $recovered of $((round - 1)) SIGKILL rounds"

# SIGKILL well into one push -a: the entries' commits are made, but the
# index catches up only after the last one (qf_tree_defer_index()).  The
# journal names the paths it lags on; the next command brings it up.
lagged=0
for stop in 5 20 40; do
    [ "$last" -eq 0 ] || run_qfork 0 pop -a
    "$QFORK" push -a >"$work/push.log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null &&
        [ "$(git -C qemu rev-list --count refs/qfork/base..HEAD)" -lt "$stop" ]; do
        sleep 0.01
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    behind=$(GIT_OPTIONAL_LOCKS=0 git -C qemu diff --cached --name-only HEAD | wc -l)
    [ "$behind" -eq 0 ] || lagged=$((lagged + 1))
    check_consistent "SIGKILL after $stop entries"
    echo "killed after $last entries, the index $behind paths behind HEAD"
done
[ "$lagged" -gt 0 ] || fail "no kill caught the index behind HEAD"
ok "the index behind HEAD after a kill is caught up ($lagged of 3 rounds)"

# pop killed: the next command finishes the pop (or it had not started).
for round in 1 2 3; do
    [ "$last" -eq "$n" ] || run_qfork 0 push -a
    kill_after pop "0.0$((RANDOM % 4))"
    check_consistent "SIGKILL pop $round"
    expect_recovery "SIGKILL pop $round" pop
    [ "$last" -eq 0 ] || [ "$last" -eq "$n" ] || fail "pop left $last applied"
    ok "pop is all or nothing"
done

# SIGINT and SIGTERM: qfork finishes the entry in hand, then stops.  The
# signal goes to qfork's whole process group, as a terminal's Ctrl-C does:
# the git children must not see it.
for sig in INT TERM; do
    # The signal goes once the push has made two commits.  A push of 60
    # entries takes a few milliseconds each: should it have finished all
    # of them before the signal arrived, try again.
    for attempt in 1 2 3 4 5; do
        [ "$(git -C qemu rev-list --count refs/qfork/base..HEAD)" -eq 0 ] ||
            run_qfork 0 pop -a
        setsid "$QFORK" push -a >"$work/push.log" 2>&1 &
        pid=$!
        while kill -0 "$pid" 2>/dev/null &&
            [ "$(git -C qemu rev-list --count refs/qfork/base..HEAD)" -lt 2 ]; do
            sleep 0.005
        done
        kill -s "$sig" -- "-$pid" 2>/dev/null || true
        rc=0
        wait "$pid" || rc=$?
        [ "$rc" -eq 0 ] && [ "$(git -C qemu rev-list --count refs/qfork/base..HEAD)" -eq "$n" ] ||
            break
        echo "SIG$sig attempt $attempt: the push was done before the signal"
    done
    out=$(cat "$work/push.log")
    # exit 0 with entries left would mean the signal was lost.
    expect_eq "$rc" 1 "SIG$sig: exit 1"
    expect_in "interrupted (signal" "SIG$sig: says it was interrupted"
    expect_in "entries not pushed" "SIG$sig: says what is left"
    [ ! -e qemu/.git/qfork/journal ] || fail "SIG$sig: journal left behind"
    assert_clean qemu "SIG$sig: clean right away, no recovery needed"
    check_consistent "SIG$sig"
done

run_qfork 0 push -a
expect_eq "$(git -C qemu rev-parse HEAD^{tree})" "${want_tree[$n]}" \
    "push -a completes the series after the interruptions"
expect_eq "$(git -C qemu rev-list --count refs/qfork/base..HEAD)" "$n" \
    "one commit per entry"
test_done
