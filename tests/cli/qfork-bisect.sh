#!/usr/bin/env bash
# Plain `git bisect` on a pushed series finds the entry that broke things,
# and the commit it names carries that entry's Qfork-Entry trailer.
. "$(dirname "$0")/lib/common.sh"

p=$work/p
u=$p.upstream
make_upstream "$u" 4
for i in 1 2 3 4 5 6 7 8 9 10; do
    text="harmless change $i"
    [ "$i" -ne 7 ] || text="BUG introduced by change $i"
    edit_line "$u" "src/file$(( (i - 1) % 4 + 1 )).c" $((i + 10)) "$text"
    upstream_commit "$u" "$i" "src: change $i"
done
export_patches "$u" "$p/patches"
write_series "$p" 1.0.0
init_tree "$p" "$u" 1.0.0
cd "$p"
run_qfork 0 push -a

cd qemu
git bisect start HEAD refs/qfork/base >/dev/null
git bisect run sh -c '! grep -q BUG src/*.c' >"$work/bisect.log" 2>&1 ||
    { cat "$work/bisect.log" >&2; fail "git bisect run failed"; }
bad=$(git rev-parse refs/bisect/bad)
git bisect reset >/dev/null 2>&1
expect_eq "$(git log -1 --format='%(trailers:key=Qfork-Entry,valueonly)' "$bad" | head -n1)" \
    src-change-7 "bisect names the entry that introduced the bug"
expect_eq "$(git log -1 --format=%s "$bad")" "src: change 7" "with its subject"
cd ..
assert_clean qemu "the tree is clean after bisect reset"
run_qfork 0 top
expect_eq "$out" src-change-10 "qfork still sees the whole series"
test_done
