#!/usr/bin/env bash
# What a push costs in git processes: `qfork push -a` writes blobs, trees,
# commits and HEAD in-process (qf-odb) and brings the index up to date
# with one git update-index at the end, so the number of git runs does not
# grow with the number of entries.  (It used to be four per entry.)
. "$(dirname "$0")/lib/common.sh"

p=$work/p
n=40
make_project "$p" "$n" 10
cd "$p"

# A git that logs its arguments, first on PATH for qfork only.
real_git=$(command -v git)
mkdir -p "$work/bin"
cat >"$work/bin/git" <<EOS
#!/bin/sh
echo "\$*" >>"$work/git-runs"
exec "$real_git" "\$@"
EOS
chmod +x "$work/bin/git"
counted() {   # counted ARGS...: run qfork with the logging git; $runs
    : >"$work/git-runs"
    out=$(PATH=$work/bin:$PATH "$QFORK" "$@" 2>&1) || { printf '%s\n' "$out" >&2; fail "qfork $*"; }
    runs=$(wc -l <"$work/git-runs")
}

counted push -a
expect_eq "$(git -C qemu rev-list --count refs/qfork/base..HEAD)" "$n" "push -a applied $n entries"
sed 's/^-c safe.directory=[^ ]* //' "$work/git-runs" | sort | uniq -c
[ "$runs" -le 10 ] || fail "push -a of $n entries ran git $runs times"
ok "push -a of $n entries ran git $runs times (at most 10)"
expect_eq "$(grep -c 'update-index' "$work/git-runs")" 1 "one update-index, after the last entry"
for cmd in write-tree commit-tree update-ref; do
    expect_eq "$(grep -c " $cmd" "$work/git-runs" || true)" 0 "no git $cmd"
done
assert_clean qemu "the index caught up: clean after push -a"
[ ! -e qemu/.git/qfork/journal ] || fail "journal left behind"
ok "no journal left behind"

counted pop -a
[ "$runs" -le 10 ] || fail "pop -a of $n entries ran git $runs times"
ok "pop -a of $n entries ran git $runs times (at most 10)"
assert_clean qemu "clean after pop -a"
test_done
