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

recovered=0
last=0
for round in 1 2 3 4 5 6 7 8; do
    # Start half the rounds from the base, the others where the last stopped.
    if [ $((round % 2)) -eq 1 ] && [ "$last" -gt 0 ]; then
        run_qfork 0 pop -a
        last=0
    fi
    before=$last
    "$QFORK" push -a >"$work/push.log" 2>&1 &
    pid=$!
    sleep "0.$((RANDOM % 8))$((RANDOM % 10))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    check_consistent "SIGKILL round $round"
    case $out in *"recovered from an interrupted push"*) recovered=$((recovered + 1)) ;; esac
    echo "round $round: killed after $((last - before)) more entries"
done
echo "recovered a half-done push in $recovered of the SIGKILL rounds"

# pop killed: the next command finishes the pop (or it had not started).
for round in 1 2 3; do
    [ "$last" -eq "$n" ] || run_qfork 0 push -a
    "$QFORK" pop -a >"$work/pop.log" 2>&1 &
    pid=$!
    sleep "0.0$((RANDOM % 4))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    check_consistent "SIGKILL pop $round"
    case $out in *"recovered from an interrupted pop"*) echo "round $round: pop was interrupted" ;; esac
    [ "$last" -eq 0 ] || [ "$last" -eq "$n" ] || fail "pop left $last applied"
    ok "pop is all or nothing"
done

# SIGINT and SIGTERM: qfork finishes the entry in hand, then stops.  The
# signal goes to qfork's whole process group, as a terminal's Ctrl-C does:
# the git children must not see it.
for sig in INT TERM; do
    [ "$last" -eq 0 ] || run_qfork 0 pop -a
    setsid "$QFORK" push -a >"$work/push.log" 2>&1 &
    pid=$!
    sleep 0.3
    kill -s "$sig" -- "-$pid" 2>/dev/null || true
    rc=0
    wait "$pid" || rc=$?
    out=$(cat "$work/push.log")
    # 60 entries take well over 0.3 s: exit 0 would mean the signal was lost.
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
echo "$checks checks passed"
