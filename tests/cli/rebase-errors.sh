#!/usr/bin/env bash
# qfork rebase on bad input: one clear message, the right exit code, and
# series.conf, base.lock, patches/ and qemu/ exactly as before.
. "$(dirname "$0")/lib/rebase-fixture.bash"

fx_start
before=$(digest_state "$p")
sha11=$(fx_sha "$p.fx_1.1+ds.orig.tar.xz")
t11=$p.fx_1.1+ds.orig.tar.xz

unchanged() {
    expect_eq "$(digest_state "$p")" "$before" "$1: nothing changed"
    [ ! -e qemu/.git/qfork/rebase ] || fail "$1: rebase state left behind"
}

run_qfork 1 rebase 1.1 --source "$t11"
expect_in "--sha256 is required" "no checksum: refused"
unchanged "no checksum"

run_qfork 1 rebase 1.1 --sha256 1234 --source "$t11"
expect_in "--sha256 1234: not 64 lowercase hex digits" "malformed checksum named"
unchanged "malformed checksum"

run_qfork 1 rebase v1.1 --sha256 "$sha11" --source "$t11"
expect_in "'v1.1' is not a QEMU release" "malformed version named"
unchanged "malformed version"

run_qfork 2 rebase 1.0 --sha256 "$sha11" --source "$t11"
expect_in "series.conf already pins QEMU 1.0" "same version: nothing to do (exit 2)"

run_qfork 1 rebase
expect_in "give a VERSION" "no version: usage"
run_qfork 1 rebase --continue --abort
expect_in "give a VERSION with its options, or --continue, or --abort alone" "continue and abort together refused"

run_qfork 2 rebase --continue
expect_in "no rebase is under way" "--continue without a rebase: exit 2"

# A checksum that is not the tarball's: fetch-base.sh refuses it.
wrong=$(printf '%064d' 0)
run_qfork 1 rebase 1.1 --sha256 "$wrong" --source "$t11"
expect_in "does not match the pin $wrong" "fetch refuses the tarball, saying why"
expect_in "nothing was changed" "and says nothing changed"
unchanged "wrong checksum"

# A tarball name that is not a file name: refused before anything is
# fetched (it would name a path outside cache/).
run_qfork 1 rebase 1.1 --sha256 "$(fx_sha "$t11")" --tarball ../fx.tar.xz --source "$t11"
expect_in "tarball '../fx.tar.xz' is not a file name" "a tarball path is refused, saying why"
expect_in "nothing was changed" "and says nothing changed"
unchanged "tarball path"

# The tarball of another release: refused by its VERSION.
run_qfork 1 rebase 1.1 --sha256 "$(fx_sha "$p.fx_1.2+ds.orig.tar.xz")" --source "$p.fx_1.2+ds.orig.tar.xz"
expect_in "is QEMU 1.2, but series.conf pins 1.1" "a tarball of another version is refused"
unchanged "wrong version tarball"

# A dirty tree: the person's edit is kept, nothing done.
echo "my edit" >>qemu/src/clean.c
run_qfork 1 $(fx_rebase_args "$p" 1.1)
expect_in "uncommitted changes" "dirty tree refused"
expect_in "src/clean.c" "the dirty file is named"
grep -q "my edit" qemu/src/clean.c || fail "the edit was lost"
git -C qemu checkout -q src/clean.c
unchanged "dirty tree"

# A corrupt patch file is named before anything is done.
cp patches/0005-merge3.patch "$work/merge3.saved"
sed -i 's/^@@ -17,7 +17,7 @@/@@ -17,9 +17,7 @@/' patches/0005-merge3.patch
run_qfork 1 $(fx_rebase_args "$p" 1.1)
expect_in "merge3: " "corrupt patch: the entry is named"
expect_in "0005-merge3.patch" "and the file"
[ ! -e qemu/.git/qfork/rebase ] || fail "state left after a corrupt patch"
cp "$work/merge3.saved" patches/0005-merge3.patch
unchanged "corrupt patch"

# series.conf edited while the rebase is stopped: --continue refuses.
run_qfork 1 $(fx_rebase_args "$p" 1.1)
expect_in "Stopped at 5 conflict" "stopped"
cp series.conf "$work/series.saved"
echo "# an edit" >>series.conf
sed -i -e '/^<<<<<<< /,/^>>>>>>> /c\
resolved' qemu/src/conflict.c
run_qfork 1 rebase --continue
expect_in "series.conf changed since the rebase started" "continue refuses an edited series.conf"
cp "$work/series.saved" series.conf
# HEAD moved by hand while stopped: refused too.
git -C qemu stash -q
git -C qemu -c user.name=x -c user.email=x@x commit -q --allow-empty -m "by hand"
run_qfork 1 rebase --continue
expect_in "moved since the rebase stopped" "continue refuses a moved HEAD"
git -C qemu reset -q --hard HEAD^
git -C qemu stash pop -q
run_qfork 0 rebase --abort
unchanged "abort after the refusals"

test_done
