#!/usr/bin/env bash
# qfork rebase --abort puts series.conf, base.lock, patches/ and qemu/
# (files, HEAD, refs) back exactly as before the rebase: from a stop on a
# conflict with a half-done resolution, from a rebase interrupted between
# entries, and from a failure halfway through installing the results.
# Then the same rebase still runs to the end.
. "$(dirname "$0")/lib/rebase-fixture.bash"

fx_start
# A build directory in the tree (git-excluded) must survive too.
mkdir -p qemu/build && echo object >qemu/build/main.o
before=$(digest_state "$p")

run_qfork 2 rebase --abort
expect_in "no rebase is under way" "abort without a rebase: nothing to do"

# ---- abort from a stop, with the person's half-done edits in the tree
run_qfork 1 $(fx_rebase_args "$p" 1.1)
expect_in "Stopped at 5 conflict" "stopped"
echo "half resolved" >>qemu/src/conflict.c
echo "new file" >qemu/src/scratch-note.c
run_qfork 1 $(fx_rebase_args "$p" 1.1)
expect_in "a rebase of $p/qemu is under way" "a second rebase is refused while one is under way"
run_qfork 0 rebase --abort
expect_in "Rebase aborted" "abort reports"
rm -f qemu/src/scratch-note.c   # the person's own file: abort leaves it
expect_eq "$(digest_state "$p")" "$before" "everything is as before the rebase"
expect_eq "$(cat qemu/build/main.o)" object "the build directory is kept"
[ ! -e qemu/.git/qfork/rebase ] || fail "state left"
ok "no rebase state left"

# ---- an interrupted rebase: --continue resumes it, --abort undoes it
# SIGINT to qfork alone once the fetch runs: qfork notes it, lets the
# fetch finish, and stops before the first entry.
"$QFORK" $(fx_rebase_args "$p" 1.1) >"$work/int.log" 2>&1 &
pid=$!
for _ in $(seq 1 400); do
    grep -q "^==> \[" "$work/int.log" 2>/dev/null && break
    sleep 0.05
done
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
out=$(cat "$work/int.log")
expect_eq "$rc" 1 "an interrupted rebase exits 1"
expect_in "interrupted before f6dadae3f372" "interrupted between entries, says where"
expect_in "qfork rebase --continue\` resumes" "and how to go on"
run_qfork 0 status
expect_in "rebase: onto QEMU 1.1, interrupted before entry 1" "status says where the interrupted rebase is"
expect_not_in "problem:" "status reports no series mismatch while the rebase is interrupted"
run_qfork 1 rebase --continue
expect_in "Stopped at 5 conflict" "--continue resumes the interrupted rebase"
run_qfork 0 rebase --abort
expect_eq "$(digest_state "$p")" "$before" "abort after an interruption restores everything"

# ---- a failure while installing the results: --abort still restores
# patches/ (the new offset patch cannot be written over a directory put
# in its place; the merged patch is already removed by then)
run_qfork 1 $(fx_rebase_args "$p" 1.1)
rm patches/0002-offset.patch
mkdir patches/0002-offset.patch
sed -i -e '/^<<<<<<< /,/^>>>>>>> /c\
resolved' qemu/src/conflict.c
run_qfork 1 rebase --continue
expect_in "installing the results failed (\`qfork rebase --abort\` puts everything back)" "a failed install says how to undo it"
expect_in "0002-offset.patch" "and names the file"
[ ! -e patches/0001-merged.patch ] || fail "the install had not started"
ok "the install was half done"
run_qfork 0 rebase --abort
expect_eq "$(digest_state "$p")" "$before" "abort after a failed install restores series.conf, base.lock, patches/ and the tree"

# ---- after all that the rebase still works
run_qfork 1 $(fx_rebase_args "$p" 1.1)
sed -i -e '/^<<<<<<< /,/^>>>>>>> /c\
resolved' qemu/src/conflict.c
run_qfork 0 rebase --continue
expect_in "Rebased onto QEMU 1.1" "the rebase runs to the end after aborts"
grep -q '^base 1.1$' series.conf || fail "pin"
ok "pinned to 1.1"

test_done
