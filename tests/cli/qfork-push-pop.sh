#!/usr/bin/env bash
# qfork push/pop in all their forms, the list commands, exit codes, and the
# commits push makes (author, date, message, trailers).
. "$(dirname "$0")/lib/common.sh"

p=$work/p
make_project "$p" 6
cd "$p"     # series.conf is found from the cwd

run_qfork 0 series
expect_eq "$(echo "$out" | wc -l)" 6 "series lists the 6 entries"
run_qfork 2 applied
expect_in "no entries applied"
run_qfork 2 top
run_qfork 2 pop
expect_in "nothing removed" "pop with nothing applied says so"

# push: the next one
run_qfork 0 push
expect_in "Applying src-change-1: src: change 1"
expect_in "Now at src-change-1."
run_qfork 0 top
expect_eq "$out" src-change-1 "top after one push"

# push N
run_qfork 0 push 2
expect_in "Applying src-change-3"
run_qfork 0 applied
expect_eq "$out" "$(printf 'src-change-1\nsrc-change-2\nsrc-change-3')" \
    "applied lists the pushed entries in order"
run_qfork 0 unapplied
expect_eq "$out" "$(printf 'src-change-4\nsrc-change-5\nsrc-change-6')" \
    "unapplied lists the rest"

# push NAME: up to and including it; by name, by position, by patch file
run_qfork 2 push src-change-2
expect_in "already applied" "push NAME of an applied entry: exit 2"
run_qfork 0 push 2
expect_in "Applying src-change-4"
expect_in "Applying src-change-5"
run_qfork 0 top
expect_eq "$out" src-change-5 "push N is a count, like quilt"
run_qfork 0 pop 2
expect_in "Removing src-change-5"
expect_in "Removing src-change-4"
run_qfork 0 push src-change-5
expect_not_in "src-change-6"
run_qfork 0 top
expect_eq "$out" src-change-5 "push NAME stops at NAME"
run_qfork 1 push no-such-entry
expect_in "no-such-entry" "unknown NAME is named in the error"

# push -a, then nothing to do
run_qfork 0 push -a
run_qfork 2 push
expect_in "series fully applied, ends at src-change-6"
run_qfork 2 push -a
run_qfork 2 unapplied

# the commits
git -C qemu log --format=%s refs/qfork/base..HEAD >"$work/subjects"
expect_eq "$(tac "$work/subjects" | tr '\n' '|')" \
    "src: change 1|src: change 2|src: change 3|src: change 4|src: change 5|src: change 6|" \
    "one commit per entry, in series order"
expect_eq "$(git -C qemu log -1 --format='%an <%ae> %aI' HEAD~2)" \
    "Author 4 <author4@example.org> 2024-03-01T00:04:00+00:00" \
    "commit keeps the patch's author and date"
out=$(git -C qemu log -1 --format=%B HEAD)
expect_in "Body of change 6: why it is needed." "commit keeps the body"
expect_eq "$(git -C qemu log -1 --format='%(trailers:key=Qfork-Entry,valueonly)' HEAD | head -n1)" \
    src-change-6 "Qfork-Entry is a real git trailer"
expect_eq "$(git -C qemu log -1 --format='%(trailers:key=Qfork-Downstream,valueonly)' HEAD | head -n1)" \
    src-change-6 "downstream provenance trailer"
expect_eq "$(git -C qemu log -1 --format='%(trailers:key=Signed-off-by,valueonly)' HEAD | head -n1)" \
    "Author 6 <author6@example.org>" "the patch's Signed-off-by stays a trailer"
expect_eq "$(git -C qemu diff refs/qfork/base HEAD | git -C "$p.upstream" apply --check -R - && echo same)" \
    same "the tree's changes are exactly the upstream changes"
expect_eq "$(git -C qemu rev-parse HEAD^{tree})" \
    "$(git -C "$p.upstream" rev-parse HEAD^{tree})" \
    "the pushed tree is byte-identical to upstream's"
assert_clean qemu

# pushing again from scratch gives the same ids (fixed committer)
first=$(git -C qemu rev-parse HEAD)
run_qfork 0 pop -a
expect_in "No entries applied."
expect_eq "$(git -C qemu rev-parse HEAD)" "$(git -C qemu rev-parse refs/qfork/base)" \
    "pop -a returns to the base"
sleep 1
run_qfork 0 push -a
expect_eq "$(git -C qemu rev-parse HEAD)" "$first" "same series, same commit ids"

# pop NAME: until NAME is on top (quilt)
run_qfork 0 pop src-change-3
expect_in "Now at src-change-3."
run_qfork 0 top
expect_eq "$out" src-change-3 "pop NAME leaves NAME on top"
run_qfork 2 pop src-change-3
expect_in "already on top"
run_qfork 1 pop src-change-5
expect_in "src-change-5 is not applied"
run_qfork 0 pop 10
expect_in "No entries applied." "pop N beyond the stack pops all"
run_qfork 2 pop -a

# -C and -s from another directory; -q
cd /
run_qfork 0 -q -s "$p/series.conf" push 2
expect_eq "$out" "" "-q prints nothing on success"
run_qfork 0 -s "$p/series.conf" -C "$p/qemu" top
expect_eq "$out" src-change-2 "-s and -C work from any cwd"
mv "$p/qemu" "$work/elsewhere"
run_qfork 2 -s "$p/series.conf" top
expect_in "no tree: tree $p/qemu does not exist" "a missing tree is named"
run_qfork 0 -s "$p/series.conf" --tree="$work/elsewhere" top
expect_eq "$out" src-change-2 "--tree=DIR"
mv "$work/elsewhere" "$p/qemu"

# series -v marks
cd "$p/qemu/src"    # series.conf is found in a parent
run_qfork 0 series -v
expect_in "+ src-change-1"
expect_in "= src-change-2"
expect_in "  src-change-3"

# dry run: nothing changes; the next entries are checked on a scratch copy
head_before=$(git -C "$p/qemu" rev-parse HEAD)
run_qfork 0 push --dry-run -a
expect_in "src-change-6 applies"
expect_in "nothing was changed"
expect_eq "$(git -C "$p/qemu" rev-parse HEAD)" "$head_before" "dry run changes nothing"
assert_clean "$p/qemu"

# usage errors
run_qfork 1 push -a 3
expect_in "exclude each other"
run_qfork 1 push --bogus
expect_in "bogus"
run_qfork 1 pop 1 2
expect_in "too many arguments"
for cmd in applied unapplied top; do
    run_qfork 1 $cmd extra
    expect_in "too many arguments" "$cmd takes no arguments"
done

# a commit of one's own on top: the listing commands still list, and warn
cd "$p"
echo "own work" >qemu/own.c
git -C qemu add own.c
git -C qemu -c user.name=Own -c user.email=own@example.org commit -q -m "own work"
for cmd in applied unapplied top; do
    run_qfork 0 $cmd
    expect_in "qfork $cmd: warning: commit $(git -C qemu rev-parse --short=12 HEAD) (own work) on the series is not a qfork entry" \
        "$cmd warns about a commit that is not an entry"
done
expect_in "src-change-2" "top still names the last entry"

test_done
