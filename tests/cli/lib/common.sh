# Shared by tests/cli/*.sh: fixture projects made with real git, and checks.
#
# A fixture project is a directory holding series.conf, patches/ (made by
# `git format-patch` from a small "upstream" repository) and qemu/, the
# base tree exported from that repository's first commit and turned into
# a qfork tree by `qfork init`.  No QEMU code is involved.
#
# Source it from a test script: it brings in the harness
# (tests/lib/test-lib.sh: $top, $QFORK, $work, ok/fail/skip/test_done),
# sets -euo pipefail, fails unless qfork is built, and points $HOME into
# $work so the user's git config plays no part.

. "$(dirname "${BASH_SOURCE[0]}")/../../lib/test-lib.sh"
set -euo pipefail
require_qfork

export HOME=$work/home
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1
export LC_ALL=C
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_COMMITTER_NAME \
    GIT_COMMITTER_EMAIL GIT_COMMITTER_DATE GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL \
    GIT_AUTHOR_DATE

# run_qfork EXPECTED-EXIT ARGS...: output in $out (stdout+stderr).
run_qfork() {
    local want=$1 rc=0
    shift
    out=$("$QFORK" "$@" 2>&1) || rc=$?
    if [ "$rc" -ne "$want" ]; then
        printf '%s\n' "$out" >&2
        fail "qfork $* exited $rc, expected $want"
    fi
}

expect_in() {   # expect_in TEXT WHAT: $out contains TEXT
    case $out in
    *"$1"*) ok "${2:-output has '$1'}" ;;
    *) printf '%s\n' "$out" >&2; fail "${2:-output} lacks '$1'" ;;
    esac
}

expect_not_in() {
    case $out in
    *"$1"*) printf '%s\n' "$out" >&2; fail "${2:-output} has '$1'" ;;
    *) ok "${2:-output lacks '$1'}" ;;
    esac
}

expect_eq() {   # expect_eq GOT WANT WHAT
    [ "$1" = "$2" ] || fail "$3: got '$1', want '$2'"
    ok "$3"
}

# tree_digest DIR [x]: a checksum of everything in DIR but .git: file
# contents, modes, symlink targets and the set of (also empty)
# directories.  With "x", of the modes only the executable bit counts -
# what git restores (a file git rewrites gets the umask's permissions and
# a new mtime, as after any checkout).
tree_digest() {
    local only_x=${2:-}
    (cd "$1" && find . -path ./.git -prune -o -print0 | LC_ALL=C sort -z |
        while IFS= read -r -d '' p; do
            if [ -L "$p" ]; then
                printf 'L %s %s\n' "$p" "$(readlink "$p")"
            elif [ -d "$p" ]; then
                printf 'D %s\n' "$p"
            else
                if [ -n "$only_x" ]; then
                    mode=$([ -x "$p" ] && echo x || echo -)
                else
                    mode=$(stat -c %a "$p")
                fi
                printf 'F %s %s %s\n' "$p" "$mode" \
                    "$(sha256sum <"$p" | cut -d' ' -f1)"
            fi
        done | sha256sum | cut -d' ' -f1)
}

assert_clean() {   # assert_clean TREE: git sees no change, no stray file
    local st
    st=$(git -C "$1" status --porcelain --untracked-files=all)
    [ -z "$st" ] || fail "tree $1 is not clean: $st"
    ok "${2:-tree is clean}"
}

# ---- fixtures ----------------------------------------------------------

fx_git() {
    git -c user.name="Fixture Author" -c user.email=author@example.org \
        -c init.defaultBranch=main "$@"
}

# make_upstream DIR NFILES: a repository whose first commit, tagged
# "base", has NFILES source files of 40 lines each.
make_upstream() {
    local dir=$1 nfiles=$2 i
    mkdir -p "$dir/src" "$dir/docs"
    for ((i = 1; i <= nfiles; i++)); do
        seq -f "line %g of file $i" 1 40 >"$dir/src/file$i.c"
    done
    printf 'The fixture project.\n' >"$dir/README"
    printf '*.o\n' >"$dir/.gitignore"
    fx_git -C "$dir" init -q
    fx_git -C "$dir" add -A
    GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z" \
        fx_git -C "$dir" commit -q -m "base"
    fx_git -C "$dir" tag base
}

# upstream_commit DIR N SUBJECT: commit what is staged as the N-th change,
# dated N minutes after the base, with a body and Signed-off-by.
upstream_commit() {
    local dir=$1 n=$2 subject=$3
    local date
    date=$(date -u -d "2024-03-01 00:00:00 UTC + $n minutes" +%Y-%m-%dT%H:%M:%SZ)
    GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
        git -C "$dir" -c user.name="Author $n" -c user.email="author$n@example.org" \
        commit -q -m "$subject" -m "Body of change $n: why it is needed." \
        -m "Signed-off-by: Author $n <author$n@example.org>"
}

# edit_line DIR FILE LINE TEXT: replace line LINE of FILE with TEXT.
edit_line() {
    sed -i "$3s/.*/$4/" "$1/$2"
    git -C "$1" add "$2"
}

# make_changes DIR N: N commits, the i-th changing line (i % 40 + 1) of
# file (i % NFILES + 1) - small, independent text changes.
make_changes() {
    local dir=$1 n=$2 nfiles i f l
    nfiles=$(ls "$dir/src" | wc -l)
    for ((i = 1; i <= n; i++)); do
        f=$(( (i - 1) % nfiles + 1 ))
        l=$(( (i - 1) / nfiles % 40 + 1 ))
        edit_line "$dir" "src/file$f.c" "$l" "changed by change $i"
        upstream_commit "$dir" "$i" "src: change $i"
    done
}

# export_patches DIR OUTDIR: every commit after "base", one file each.
export_patches() {
    mkdir -p "$2"
    git -C "$1" format-patch -q --binary --zero-commit -o "$2" base..HEAD
}

# write_series PROJECT BASE-VERSION: series.conf with one downstream entry
# per patch in PROJECT/patches, in order; more entries can be appended.
write_series() {
    local proj=$1 version=$2 p name
    {
        echo "# fixture series"
        echo "base $version"
        echo
        echo "section Fixture"
        for p in "$proj"/patches/*.patch; do
            name=$(basename "$p" .patch)
            name=$(echo "${name#[0-9][0-9][0-9][0-9]-}" | tr 'A-Z' 'a-z')
            echo "downstream $name"
            echo "  subject $(sed -n 's/^Subject: \[PATCH[^]]*\] //p' "$p" | head -n1)"
            echo "  reason fixture"
            echo "  patch patches/$(basename "$p")"
        done
    } >"$proj/series.conf"
}

# init_tree PROJECT UPSTREAM VERSION: PROJECT/qemu = UPSTREAM at "base",
# made a qfork tree.
init_tree() {
    mkdir -p "$1/qemu"
    git -C "$2" archive base | tar -x -C "$1/qemu"
    "$QFORK" -s "$1/series.conf" init --version "$3" --source-desc "fixture" \
        "$1/qemu" >/dev/null
}

# make_project PROJECT NPATCHES [NFILES]: upstream + patches + series +
# tree, all under PROJECT (upstream in PROJECT.upstream).
make_project() {
    local proj=$1 n=$2 nfiles=${3:-8}
    make_upstream "$proj.upstream" "$nfiles"
    make_changes "$proj.upstream" "$n"
    export_patches "$proj.upstream" "$proj/patches"
    write_series "$proj" 1.0.0
    init_tree "$proj" "$proj.upstream" 1.0.0
}

# entry_name N: the name write_series gives the N-th fixture patch.
entry_name() {
    echo "src-change-$1"
}
