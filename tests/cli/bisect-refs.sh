#!/usr/bin/env bash
# What qfork bisect accepts and refuses: entries "in base" are not
# positions (a clear message naming the entry), refs by upstream sha and
# by position, upstream and SAUCE metadata in the result, and every
# wrong invocation refused with one message, changing nothing.
. "$(dirname "$0")/lib/bisect-fixture.sh"

p=$work/p
n=20
make_bisect_project "$p" "$n"
cd "$p"

# Make the series look like the fork's: an upstream row released in the
# base (position 1, in base), entry 7 a SAUCE row, entry 9 an upstream row
# newer than the base with a backport patch.
sha9=9999999999990000000000000000000000000009
awk -v sha9=$sha9 '
    $0 == "section Fixture" {
        print; print "upstream 0123456789ab"
        print "  subject hw/foo: already in the base release"
        print "  first-release v0.9.0"; next
    }
    $0 == "downstream src-change-7" { print "sauce 777777777777"; sauce = 1; next }
    $0 == "downstream src-change-9" { print "upstream 999999999999"; up = 1; next }
    sauce && /^  reason/ { print "  impact Fixes the fixture'\''s seventh line."; sauce = 0; next }
    up && /^  reason/ {
        print "  commit " sha9; print "  first-release v2.0.0"; up = 0; next
    }
    { print }' series.conf >series.new
mv series.new series.conf
run_qfork 0 -s series.conf status
expect_in "0123456789ab" "status lists the in-base row"
expect_in "in base"

head_before=$(git -C qemu rev-parse HEAD)
state=qemu/.git/qfork/bisect/state
unchanged() {
    [ "$(git -C qemu rev-parse HEAD)" = "$head_before" ] && [ ! -e $state ] ||
        fail "$1: the tree or the state changed"
    ok "$1: nothing changed"
}

# In-base entries, by position, name and sha prefix.
for ref in 1 0123456789ab 0123456; do
    run_bisect 1 --good "$ref" --bad 21 --build make -- "$work/check.sh"
    expect_in "--good $ref: #1 0123456789ab (hw/foo: already in the base release) is in base (first released in v0.9.0 (base 1.0.0)): it is not a bisect position" \
        "in-base --good $ref refused, naming the entry"
    expect_in "say 'base' for the base itself"
    unchanged "in-base --good $ref"
done
run_bisect 1 --good base --bad 0123456789ab -- "$work/check.sh"
expect_in "--bad 0123456789ab: #1 0123456789ab"
expect_in "is in base"
unchanged "in-base --bad"

# The other refusals.
run_bisect 1 --good 12 --bad 5 --build make -- "$work/check.sh"
expect_in "--good 12 (#12 src-change-11) must come before --bad 5 (#5 src-change-4)"
unchanged "good after bad"
run_bisect 1 --good 12 --bad 12 --build make -- "$work/check.sh"
expect_in "must come before"
run_bisect 1 --good base --bad nosuch --build make -- "$work/check.sh"
expect_in "--bad nosuch: no entry 'nosuch'"
unchanged "unknown entry"
run_bisect 1 --good base --bad 21 --build make
expect_in "give --good REF, --bad REF and the test command after --"
run_bisect 1 --good base --bad 21 --build make "$work/check.sh"
expect_in "unexpected argument '$work/check.sh': the test command goes after --"
run_bisect 1 --bad 21 -- "$work/check.sh"
expect_in "give --good REF"
run_bisect 1 --good base --bad 21 --build make --no-build -- "$work/check.sh"
expect_in "--build and --no-build exclude each other"
run_bisect 1 --good base --bad 21 -- "$work/check.sh"
expect_in "no build command: give --build CMD (run in the tree) or --no-build"
expect_in "build/build.ninja"
unchanged "no build command"
run_bisect 2 --resume
expect_in "no bisect in progress"
run_bisect 2 --reset
expect_in "no bisect in progress"
run_bisect 1 --reset --good base
expect_in "--reset takes no other option"
run_bisect 1 --resume -- true
expect_in "--resume takes no other option"
run_bisect 1 --frobnicate
expect_in "Unknown option --frobnicate"
echo "local edit" >>qemu/src/file1.c
run_bisect 1 --good base --bad 21 --build make -- "$work/check.sh"
expect_in "src/file1.c" "a dirty tree is refused, naming the file"
git -C qemu checkout -q src/file1.c
unchanged "dirty tree"

# A test command that cannot be run stops the bisect with its name.
run_bisect 1 --good base --bad 21 --no-build -- "$work/no-such-test"
expect_in "cannot run $work/no-such-test"
run_bisect 1 --good base --bad 21 --no-build -- "$work/check.sh"
expect_in "a bisect is in progress (started" "a second start is refused"
expect_in "qfork bisect --resume\` continues it"
run_bisect 0 --reset

# Upstream sha refs; the SAUCE row as the answer, with its metadata.
echo 7 >"$work/regression"
run_bisect 0 --good base --bad 9999999 --build make -- "$work/check.sh"
expect_in "up to #10 999999999999: at most 4 builds" "--bad by upstream sha prefix"
expect_in "First bad entry: #8 777777777777"
expect_in "  subject:  src: change 7"
expect_in "  SAUCE:    table row 2, 777777777777: Fixes the fixture's seventh line."
expect_in "  patch:    $p/patches/0007-src-change-7.patch"
run_bisect 0 --reset

# The upstream row as the answer: its full sha.
echo 9 >"$work/regression"
run_bisect 0 --good 777777777777 --bad $sha9 --build make -- "$work/check.sh"
expect_in "First bad entry: #10 999999999999"
expect_in "  upstream: commit $sha9 (table row 3)"
run_bisect 0 --reset

# A downstream entry says why it exists; --no-build runs the test only.
echo 15 >"$work/regression"
make -s -C qemu >/dev/null
run_bisect 0 --good 9999999 --bad 21 --no-build -- sh -c "make -s >/dev/null && $work/check.sh"
expect_in "First bad entry: #16 src-change-15"
expect_in "  downstream entry (not a table row): fixture"
expect_not_in "build 0"
run_bisect 0 --reset
assert_clean qemu
test_done
