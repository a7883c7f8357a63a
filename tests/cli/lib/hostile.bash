# Shared by tests/cli/hostile-*.sh: hand-written hostile patches against a
# small fixture tree, and the checks every refused case makes.  Sourcing it
# brings in common.sh.
#
# A hostile project $hp has upstream files src/file1.c, src/file2.c,
# README and .gitignore (the base), patches/ filled by the test, and a
# series.conf listing the entries given to hostile_series.  Every refusal
# is checked with refused_cleanly: the exit code, one message naming the
# entry, the patch file and its line, the tree byte-for-byte as before, the
# same HEAD and index, nothing written outside the tree, and a next qfork
# command that works.

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

hp=$work/p
# qfork's scratch copies (push --dry-run) go here: checked to stay empty.
export TMPDIR=$work/tmp
mkdir -p "$TMPDIR"

# hostile_project: the fixture with no entries yet.
hostile_project() {
    make_upstream "$hp.upstream" 2
    mkdir -p "$hp/patches"
    hostile_series
    init_tree "$hp" "$hp.upstream" 1.0.0
}

# hostile_series NAME...: series.conf listing patches/NAME.patch in order.
hostile_series() {
    local name
    {
        echo "base 1.0.0"
        echo "section Hostile"
        for name in "$@"; do
            echo "downstream $name"
            echo "  subject hostile: $name"
            echo "  reason fixture"
            echo "  patch patches/$name.patch"
        done
    } >"$hp/series.conf"
}

# hostile_patch NAME: the patch text on stdin, with a mail header.
hostile_patch() {
    {
        printf 'From: Hostile <hostile@example.org>\n'
        printf 'Date: Fri, 1 Mar 2024 00:00:00 +0000\n'
        printf 'Subject: [PATCH] hostile: %s\n\n---\n' "$1"
        cat
    } >"$hp/patches/$1.patch"
}

# snapshot: remember the tree, HEAD and index for refused_cleanly.  Where
# a rollback has git rewrite files, set hostile_modes=x: of the modes only
# the executable bit counts, as git restores them (see tree_digest).
snapshot() {
    snap_digest=$(tree_digest "$hp/qemu" "${hostile_modes-}")
    snap_head=$(git -C "$hp/qemu" rev-parse HEAD)
    snap_index=$(git -C "$hp/qemu" ls-files -s -z | sha256sum)
    snap_stamp=$work/stamp.$RANDOM
    touch "$snap_stamp"
    sleep 0.01
}

# unchanged LABEL: the tree as at the last snapshot, nothing outside.
unchanged() {
    local label=$1 outside
    expect_eq "$(tree_digest "$hp/qemu" "${hostile_modes-}")" "$snap_digest" \
        "$label: tree byte-for-byte as before"
    expect_eq "$(git -C "$hp/qemu" rev-parse HEAD)" "$snap_head" \
        "$label: HEAD unchanged"
    expect_eq "$(git -C "$hp/qemu" ls-files -s -z | sha256sum)" "$snap_index" \
        "$label: index unchanged"
    # Outside the tree: no file written, no scratch copy left behind.
    outside=$(find "$work" -newer "$snap_stamp" ! -type d \
        ! -path "$hp/qemu/*" ! -path "$work/stamp.*" -print)
    [ -z "$outside" ] || fail "$label: written outside the tree: $outside"
    [ -z "$(ls -A "$TMPDIR")" ] || fail "$label: left in TMPDIR: $(ls -A "$TMPDIR")"
    ok "$label: nothing written outside the tree"
}

# refused_cleanly LABEL EXIT TEXT... -- ARGS: run qfork ARGS in $hp,
# expect EXIT and every TEXT in its output, then the tree unchanged and
# the next command ($hostile_next, default `qfork status`) working.
refused_cleanly() {
    local label=$1 want=$2 texts=() lines
    shift 2
    while [ "$1" != "--" ]; do
        texts+=("$1")
        shift
    done
    shift
    snapshot
    run_qfork "$want" -s "$hp/series.conf" "$@"
    lines=$(printf '%s\n' "$out" | grep -c '^qfork ' || true)
    [ "$lines" -eq 1 ] || fail "$label: expected one error message: $out"
    for t in "${texts[@]}"; do
        expect_in "$t" "$label: message names '$t'"
    done
    unchanged "$label"
    # Where series.conf itself is broken, the test checks this after
    # repairing it (hostile_next= empty).
    if [ -n "${hostile_next-status}" ]; then
        run_qfork 0 -s "$hp/series.conf" ${hostile_next-status}
        ok "$label: the next qfork command (${hostile_next-status}) works"
    fi
}
