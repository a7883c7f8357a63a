#!/usr/bin/env bash
# One patch whose changes cannot all exist at once (issue 17, defect 5): a
# new file esc/new and a symlink esc passed push --dry-run ("applies") and
# failed while writing ("esc: cannot write: Is a directory", no entry
# named).  Such file/directory/symlink conflicts between the changes of
# one patch are found before anything is written, by the dry run too.
. "$(dirname "$0")/lib/hostile.bash"

hostile_project

new_file() {    # new_file PATH TEXT: a diff creating PATH
    printf 'diff --git a/%s b/%s\nnew file mode 100644\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1 @@\n+%s\n' \
        "$1" "$1" "$1" "$2"
}
new_link() {    # new_link PATH TARGET: a diff creating a symlink
    printf 'diff --git a/%s b/%s\nnew file mode 120000\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1 @@\n+%s\n\\ No newline at end of file\n' \
        "$1" "$1" "$1" "$2"
}

# A file below a symlink the same patch creates (line 6: esc/new, 12: esc).
{ new_file esc/new x; new_link esc /tmp; } | hostile_patch link-over-dir
# The other order: the symlink first.
{ new_link esc2 README; new_file esc2/new x; } | hostile_patch dir-under-link
# A file, then a file above it.
{ new_file plain/below z; new_file plain y; } | hostile_patch file-over-dir
# A README change, then a file below README.
{
    printf 'diff --git a/README b/README\n--- a/README\n+++ b/README\n@@ -1 +1 @@\n-The fixture project.\n+Changed.\n'
    new_file README/x x
} | hostile_patch below-tracked-file

for name in link-over-dir file-over-dir; do
    hostile_series "$name"
    refused_cleanly "$name: dry run" 1 "$name does not apply" \
        "patches/$name.patch:" "a path cannot be both a file and a directory" \
        -- push --dry-run
    refused_cleanly "$name: push" 1 "qfork push: $name does not apply" \
        "patches/$name.patch:" "a path cannot be both a file and a directory" -- push
done
hostile_series link-over-dir
run_qfork 1 -s "$hp/series.conf" push
expect_in "patches/link-over-dir.patch:12: esc: the patch makes 'esc' a symlink and also writes 'esc/new' below it (line 6)" \
    "the symlink's and the file's patch lines are named"

hostile_series dir-under-link
refused_cleanly "dir-under-link" 1 "dir-under-link does not apply" \
    "esc2/new" "'esc2' is a file, not a directory" -- push --dry-run

hostile_series below-tracked-file
refused_cleanly "below-tracked-file" 1 "below-tracked-file does not apply" \
    "README/x" "'README' is a file, not a directory" -- push --dry-run

# A type change written by git (a file replaced by a directory in one
# patch: delete, then create below) is not a conflict.
{
    printf 'diff --git a/README b/README\ndeleted file mode 100644\n--- a/README\n+++ /dev/null\n@@ -1 +0,0 @@\n-The fixture project.\n'
    new_file README/now-a-dir x
} | hostile_patch type-change
hostile_series type-change
cd "$hp"
run_qfork 0 push --dry-run
run_qfork 0 push
expect_eq "$(cat qemu/README/now-a-dir)" "x" "a file turned into a directory applies"
run_qfork 0 pop
expect_eq "$(cat qemu/README)" "The fixture project." "and pops back"
assert_clean qemu
test_done
