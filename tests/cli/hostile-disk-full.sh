#!/usr/bin/env bash
# Disk full during push (issue 17, defect 6): when git could not write an
# object (ENOSPC), the rollback ran `git update-index` - which needs room
# for a new index - before removing what the push had written; it failed,
# and every later command failed too until the user deleted files by hand.
# The rollback now frees space first (the files the push wrote, git's
# partial object), then has git restore the index.
#
# The tree lives on a small tmpfs (needs root: mount); skipped otherwise.
# test-lib: exclusive (mounts a tmpfs and fills it)
. "$(dirname "$0")/lib/hostile.bash"

u=$hp.upstream
make_upstream "$u" 2
# 1: a new 1 MB file of random bytes (incompressible).  2: README grows
# to 1 MB.  3: a small change, to show the tree works afterwards.
head -c 1000000 /dev/urandom >"$u/blob.bin"
git -C "$u" add blob.bin
upstream_commit "$u" 1 "add a big file"
git -C "$u" rm -q blob.bin
upstream_commit "$u" 2 "remove it again"
head -c 700000 /dev/urandom | base64 -w 76 >>"$u/README"
git -C "$u" add README
upstream_commit "$u" 3 "README grows"
git -C "$u" checkout -q HEAD~1 -- README
upstream_commit "$u" 4 "README shrinks"
edit_line "$u" src/file1.c 1 "small change"
upstream_commit "$u" 5 "small change"
mkdir -p "$hp/patches"
export_patches "$u" "$hp/patches"
mv "$hp/patches/0001-add-a-big-file.patch" "$hp/patches/big-file.patch"
mv "$hp/patches/0003-README-grows.patch" "$hp/patches/big-readme.patch"
mv "$hp/patches/0005-small-change.patch" "$hp/patches/small.patch"

mkdir -p "$hp/qemu"
if ! mount -t tmpfs -o size=1600k tmpfs "$hp/qemu" 2>/dev/null; then
    echo "cannot mount a tmpfs here (needs root)"
    exit 77
fi
test_at_exit 'umount "$hp/qemu" 2>/dev/null'
init_tree "$hp" "$u" 1.0.0
hostile_modes=x     # the rollback has git write README again

used() { df -k --output=used "$hp/qemu" | tail -n 1 | tr -d ' '; }
before=$(used)

for case in big-file:blob.bin big-readme:README; do
    name=${case%:*} file=${case#*:}
    hostile_series "$name"
    # git says "No space left on device"; libgit2 (qf-odb) names the file.
    refused_cleanly "$name: disk full" 1 "qfork push: $name (patches/$name.patch) could not be written" \
        "$file" -- push
    expect_not_in "restoring the tree also failed" "$name: the rollback itself worked"
    [ "$(used)" -le $((before + 64)) ] ||
        fail "$name: $(($(used) - before)) KiB left behind on the full disk"
    ok "$name: the space the push took is free again ($before -> $(used) KiB)"
done

# push -a: the small entry is committed (its index update deferred to
# the end), the next one fills the disk.  The small one stays, the tree is
# clean and the index up to date.
hostile_series small big-file
cd "$hp"
run_qfork 1 push -a
expect_in "big-file (patches/big-file.patch) could not be written"
expect_not_in "restoring the tree also failed"
expect_eq "$(git -C qemu log -1 --format=%s)" "small change" "push -a kept the entry before"
assert_clean qemu "push -a: clean after the failure"
[ "$(used)" -le $((before + 64)) ] || fail "push -a: $(($(used) - before)) KiB left behind"
ok "push -a: the space is free again"
run_qfork 0 pop
assert_clean qemu
test_done
