# Fixture for tests/cli/rebase-*.sh: a small "upstream" git repository
# with releases v1.0, v1.1 and v1.2 (release tarballs made from its
# tags), and a fork project pinned to 1.0 whose series has one entry per
# case a rebase to 1.1 must tell apart:
#
#   merged    downstream patch that upstream merged in 1.1       -> in base
#   offset    downstream patch below lines 1.1 inserted          -> offset
#   conflict  downstream patch on a line 1.1 changed too          -> conflict
#   clean     downstream patch on a file 1.1 left alone           -> clean
#   merge3    downstream patch whose context 1.1 changed, not its
#             lines: fuzz 0 refuses it, a three-way merge does not -> merged
#   feature   upstream row released in 1.1, carried as a backport
#             on 1.0                                             -> in base
#   old-row   upstream row released in 1.0                        -> in base
#
# The upstream repository also has what tests/cli/rebase-upstream-git.sh
# needs: the fork's "pid" change merged in 1.1 followed by a change beside
# it (found by patch-id only), and a fix after 1.2 in no release.
#
# The project's qemu/ is made by the real scripts/fetch-base.sh from the
# 1.0 tarball and the series pushed by qfork.  No QEMU code, no network.
# Sourcing it brings in common.sh (which gives $work, $QFORK, fail/ok/run_qfork).

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

fetch_base=$top/scripts/fetch-base.sh
export QFORK_FETCH_BASE=$fetch_base
export QEMU_UPSTREAM=0          # never try the network for a base
export QFORK

# lines FILE N: N numbered lines "FILE line i".
lines() {
    local f=$1 n=$2 i
    for ((i = 1; i <= n; i++)); do echo "$(basename "$f") line $i"; done >"$f"
}

up_commit() {   # up_commit DIR N SUBJECT: commit all, dated by N
    local date
    date=$(date -u -d "2024-03-01 00:00:00 UTC + $2 minutes" +%Y-%m-%dT%H:%M:%SZ)
    git -C "$1" add -A
    GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
        git -C "$1" -c user.name="Upstream Dev" -c user.email=dev@example.org \
        commit -q -m "$3" -m "Why change $2 is needed." \
        -m "Signed-off-by: Upstream Dev <dev@example.org>"
}

# set_line FILE N TEXT
set_line() { sed -i "$2s/.*/$3/" "$1"; }

# make_fx_upstream DIR: the upstream repository and its three releases.
make_fx_upstream() {
    local u=$1 f
    mkdir -p "$u/src" "$u/subprojects/keycodemapdb"
    git -C "$u" init -q -b master
    echo 1.0 >"$u/VERSION"
    # fetch-base.sh exports a git source with its meson subprojects
    echo keymaps >"$u/subprojects/keycodemapdb/README"
    for f in merged offset conflict clean merge3 feature pid; do
        lines "$u/src/$f.c" 40
    done
    up_commit "$u" 1 "initial import"
    set_line "$u/src/clean.c" 2 "old row change"
    up_commit "$u" 2 "src: the old row"
    git -C "$u" tag v1.0
    # --- towards 1.1
    set_line "$u/src/feature.c" 5 "feature added upstream"
    up_commit "$u" 3 "src: a feature"
    set_line "$u/src/merged.c" 10 "merged fix"
    up_commit "$u" 4 "src: merged fix"
    sed -i '1i\
inserted 1\
inserted 2\
inserted 3\
inserted 4\
inserted 5' "$u/src/offset.c"
    up_commit "$u" 5 "src: offset lines"
    set_line "$u/src/conflict.c" 20 "upstream version of line 20"
    up_commit "$u" 6 "src: conflicting change"
    set_line "$u/src/merge3.c" 17 "upstream changed line 17"
    up_commit "$u" 7 "src: change near the merge3 patch"
    # the fork's pid patch, merged as it was; then a change beside it,
    # so that only its patch-id says the new base has it
    set_line "$u/src/pid.c" 20 "fork change in pid"
    up_commit "$u" 10 "src: take the fork's pid change"
    set_line "$u/src/pid.c" 22 "upstream changed line 22"
    up_commit "$u" 11 "src: change beside the pid change"
    echo 1.1 >"$u/VERSION"
    up_commit "$u" 8 "Update version for 1.1"
    git -C "$u" tag v1.1
    # --- towards 1.2: nothing near the fork's patches
    echo "more docs" >"$u/README"
    echo 1.2 >"$u/VERSION"
    up_commit "$u" 9 "Update version for 1.2"
    git -C "$u" tag v1.2
    # --- after 1.2, in no release yet
    set_line "$u/src/clean.c" 36 "a later upstream fix"
    up_commit "$u" 12 "src: a later fix"
}

# tarball_of UPSTREAM VERSION OUT: the release tarball qemu-VERSION/...
tarball_of() {
    git -C "$1" archive --format=tar --prefix="qemu-$2/" "v$2" | xz -c >"$3"
}

fx_sha() { sha256sum "$1" | cut -d' ' -f1; }

# fx_base_conf PROJ: series.conf's base 1.0 stanza for PROJ's fixture tarball
fx_base_conf() {
    printf 'base 1.0\n  tarball fx_1.0+ds.orig.tar.xz\n  sha256 %s\n\n' \
        "$(fx_sha "$1.fx_1.0+ds.orig.tar.xz")"
}

# downstream_patch UPSTREAM N NAME FILE LINE TEXT OUT: a format-patch of
# one line's change on top of v1.0.
downstream_patch() {
    local u=$1 n=$2 name=$3 file=$4 line=$5 text=$6 out=$7 date
    date=$(date -u -d "2024-05-01 00:00:00 UTC + $n minutes" +%Y-%m-%dT%H:%M:%SZ)
    git -C "$u" checkout -q --detach v1.0
    set_line "$u/$file" "$line" "$text"
    git -C "$u" add -A
    GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
        git -C "$u" -c user.name="Fork Dev" -c user.email=fork@example.org \
        commit -q -m "$file: $name" -m "Downstream change $name." \
        -m "Downstream-only: fixture" \
        -m "Signed-off-by: Fork Dev <fork@example.org>"
    git -C "$u" format-patch -q -1 --stdout HEAD >"$out"
    git -C "$u" checkout -q master
}

# make_fx_project PROJ UPSTREAM: series.conf, patches/, cache/ tarballs
# (1.0, 1.1, 1.2 beside it) and qemu/ at 1.0 with the series pushed.
make_fx_project() {
    local p=$1 u=$2 v sha feature old_row
    mkdir -p "$p/patches"
    for v in 1.0 1.1 1.2; do
        tarball_of "$u" "$v" "$p.fx_$v+ds.orig.tar.xz"
    done
    feature=$(git -C "$u" rev-parse ':/src: a feature')
    old_row=$(git -C "$u" rev-parse ':/src: the old row')
    downstream_patch "$u" 1 merged src/merged.c 10 "merged fix" \
        "$p/patches/0001-merged.patch"
    downstream_patch "$u" 2 offset src/offset.c 30 "fork change in offset" \
        "$p/patches/0002-offset.patch"
    downstream_patch "$u" 3 conflict src/conflict.c 20 "fork version of line 20" \
        "$p/patches/0003-conflict.patch"
    downstream_patch "$u" 4 clean src/clean.c 30 "fork change in clean" \
        "$p/patches/0004-clean.patch"
    downstream_patch "$u" 5 merge3 src/merge3.c 20 "fork change in merge3" \
        "$p/patches/0005-merge3.patch"
    git -C "$u" format-patch -q -1 --stdout "$feature" >"$p/patches/backport-feature.patch"
    {
        echo "# fixture series for qfork rebase"
        fx_base_conf "$p"
        cat <<EOF
section Upstream
group January 2024
  min-release v1.0
upstream ${old_row:0:12}
  commit $old_row
  subject src: the old row
  first-release v1.0
upstream ${feature:0:12}
  commit $feature
  subject src: a feature
  first-release v1.1
  patch patches/backport-feature.patch

section Fork
downstream merged
  subject src/merged.c: merged
  reason fixture: upstream merges it in 1.1
  patch patches/0001-merged.patch
downstream offset
  subject src/offset.c: offset
  reason fixture: 1.1 inserts lines above it
  patch patches/0002-offset.patch
downstream conflict
  subject src/conflict.c: conflict
  reason fixture: 1.1 changes its line
  patch patches/0003-conflict.patch
downstream clean
  subject src/clean.c: clean
  reason fixture: 1.1 leaves its file alone
  patch patches/0004-clean.patch
downstream merge3
  subject src/merge3.c: merge3
  reason fixture: 1.1 changes its context
  patch patches/0005-merge3.patch
EOF
    } >"$p/series.conf"
    fx_make_tree "$p" "$p.fx_1.0+ds.orig.tar.xz"
    "$QFORK" -q -s "$p/series.conf" push -a >/dev/null
}

# fx_make_tree PROJ TARBALL: qemu/ and base.lock by scripts/fetch-base.sh
fx_make_tree() {
    TOP=$1 QEMU_SOURCE=$2 "$fetch_base" >"$work/fetch.log" 2>&1 ||
        { cat "$work/fetch.log" >&2; fail "fetch-base.sh could not make $1/qemu"; }
}

# fx_rebase PROJ VERSION [ARGS...]: qfork rebase with the fixture's tarball
fx_rebase_args() {
    local p=$1 v=$2
    echo rebase "$v" --sha256 "$(fx_sha "$p.fx_$v+ds.orig.tar.xz")" \
        --source "$p.fx_$v+ds.orig.tar.xz"
}

# digest_state PROJ: one line per thing --abort must put back.
digest_state() {
    local p=$1
    echo "series $(sha256sum <"$p/series.conf" | cut -d' ' -f1)"
    echo "lock $(sha256sum <"$p/base.lock" | cut -d' ' -f1)"
    echo "patches $(tree_digest "$p/patches")"
    echo "tree $(tree_digest "$p/qemu" x)"
    echo "head $(git -C "$p/qemu" rev-parse HEAD)"
    git -C "$p/qemu" for-each-ref --format='ref %(refname) %(objectname)'
    echo "status $(git -C "$p/qemu" status --porcelain --untracked-files=all | tr '\n' ' ')"
}

# fx_check_fresh PROJ VERSION [SOURCE]: a new tree of the pinned VERSION,
# made by fetch-base.sh from SOURCE (default: the release tarball), takes
# PROJ's series with `push -a` and ends with PROJ's qemu/ files and base
# commit: the rebased tree is what `make` would make.
fx_check_fresh() {
    local p=$1 v=$2 fresh=$work/fresh-$2
    mkdir "$fresh"
    cp -r "$p/series.conf" "$p/patches" "$fresh/"
    fx_make_tree "$fresh" "${3:-$p.fx_$v+ds.orig.tar.xz}"
    "$QFORK" -q -s "$fresh/series.conf" push -a || fail "fresh push -a of the rebased series"
    expect_eq "$(git -C "$fresh/qemu" rev-parse HEAD^{tree})" "$(git -C "$p/qemu" rev-parse HEAD^{tree})" \
        "a fresh $v tree with the new series has the rebased tree's files"
    expect_eq "$(git -C "$fresh/qemu" rev-parse refs/qfork/base)" "$(git -C "$p/qemu" rev-parse refs/qfork/base)" \
        "and the same base commit"
}

# json_class JSON NAME: the class the report gives entry NAME.
json_class() {
    python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print([e["class"] for e in r["entries"] if e["name"] == sys.argv[2]][0])' "$1" "$2"
}

# fx_start: the fixture upstream in $work/up and the project $p=$work/p
# made from it, with the project as the current directory.
fx_start() {
    make_fx_upstream "$work/up"
    make_fx_project "$work/p" "$work/up"
    p=$work/p
    cd "$p"
}
