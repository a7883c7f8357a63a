#!/usr/bin/env bash
# Inconsistent git extended headers (issue 17, defect 1): a file that is
# at once deleted and copied, created and copied, renamed and copied...
# used to crash push and push --dry-run (exit 139) in the "is it already
# applied?" check.  Each mix is refused as git refuses it, "inconsistent
# header lines", naming the entry, the patch file and both lines.
. "$(dirname "$0")/lib/hostile.bash"

hostile_project

# case NAME LINE1 LINE2 HEADER-LINES...: a one-file patch whose extended
# headers (lines 7.. of the patch file) are the given ones.
case_patch() {
    local name=$1
    shift
    {
        echo 'diff --git a/src/file1.c b/src/file1copy.c'
        printf '%s\n' "$@"
    } | hostile_patch "$name"
}

case_patch deleted-copy 'deleted file mode 100644' 'copy from src/file1.c' \
    'copy to src/file1copy.c'
case_patch new-copy 'new file mode 100644' 'copy from src/file1.c' \
    'copy to src/file1copy.c'
case_patch new-rename 'new file mode 100644' 'rename from src/file1.c' \
    'rename to src/file1copy.c'
case_patch deleted-rename 'deleted file mode 100644' 'rename from src/file1.c' \
    'rename to src/file1copy.c'
case_patch rename-copy 'rename from src/file1.c' 'copy to src/file1copy.c'
case_patch copy-deleted 'copy from src/file1.c' 'copy to src/file1copy.c' \
    'deleted file mode 100644'
case_patch new-deleted 'new file mode 100644' 'deleted file mode 100644'
case_patch new-oldmode 'new file mode 100755' 'old mode 100644'
case_patch deleted-newmode 'deleted file mode 100644' 'new mode 100755'

for name in deleted-copy new-copy new-rename deleted-rename rename-copy \
    copy-deleted new-deleted new-oldmode deleted-newmode; do
    hostile_series "$name"
    refused_cleanly "$name: push" 1 "qfork push: $name" \
        "patches/$name.patch:" "inconsistent header lines 7 and " -- push
    case $name in
    deleted-copy | new-copy)    # the two that crashed the dry run too
        refused_cleanly "$name: push --dry-run" 1 "$name" \
            "patches/$name.patch:" "inconsistent header lines 7 and " -- push --dry-run
        ;;
    esac
done

# A copy onto itself names no second file either.
case_patch self-copy 'copy from src/file1.c' 'copy to src/file1.c'
hostile_series self-copy
refused_cleanly "self-copy" 1 "self-copy" "patches/self-copy.patch:7:" \
    "copy from and to the same path" -- push

# After all that, a good patch still goes on.
{
    echo 'diff --git a/src/file1.c b/src/file1copy.c'
    echo 'similarity index 100%'
    echo 'copy from src/file1.c'
    echo 'copy to src/file1copy.c'
} | hostile_patch good-copy
hostile_series good-copy
cd "$hp"
run_qfork 0 push
expect_eq "$(cat qemu/src/file1copy.c)" "$(cat qemu/src/file1.c)" "a consistent copy applies"
run_qfork 0 pop
assert_clean qemu
test_done
