#!/usr/bin/env bash
# Benchmark: apply and remove one series with `qfork push -a` / `pop -a`,
# `quilt push -a` / `pop -a` and `git am`, on the same patch files and
# identical starting trees, and print the times, the cost per patch and
# qfork's ratios to the others.  Not a test: it prints figures and exits 0.
#
#   tests/bench/bench-push.sh [NPATCHES [NFILES [REPEAT]]]
#   tests/bench/bench-push.sh --qemu [TREE] [NPATCHES [REPEAT]]
#
# Synthetic (the default): a tree of NFILES (3000) C-like files of 60 lines
# in 100 directories and NPATCHES (200) patches, each made by a real git
# commit and `git format-patch`, editing 1-4 files with 1-3 hunks each;
# every tenth also creates a file.  Best of REPEAT (3) runs.
#
# --qemu: the real QEMU base of TREE (default: the qemu/ tree `make`
# generates), exported from its refs/qfork/base into a fresh qfork tree
# (the same base commit, ~37k files).  Two series over it: the fork's own
# entries (series.conf, as TREE has them applied: exported with `git
# format-patch`) and NPATCHES (200) synthetic patches editing QEMU's C
# files.  Best of REPEAT (1) runs.
#
# QFORK_OLD=PATH adds the rows of another qfork binary (an older build) on
# the same patches, for before/after figures in one run.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
QFORK=${QFORK:-$top/build/qfork}
case $QFORK in /*) ;; *) QFORK=$top/$QFORK ;; esac
[ -x "$QFORK" ] || { echo "qfork is not built: $QFORK (run make qfork)" >&2; exit 1; }
QFORK_OLD=${QFORK_OLD:-}
[ -z "$QFORK_OLD" ] || [ -x "$QFORK_OLD" ] ||
    { echo "QFORK_OLD is not an executable: $QFORK_OLD" >&2; exit 1; }
command -v quilt >/dev/null || { echo "quilt is not installed" >&2; exit 1; }

qemu_tree=
if [ "${1:-}" = --qemu ]; then
    shift
    qemu_tree=$top/qemu
    if [ $# -gt 0 ] && ! [[ $1 =~ ^[0-9]+$ ]]; then qemu_tree=$1; shift; fi
    qemu_tree=$(cd "$qemu_tree" && pwd)
    git -C "$qemu_tree" -c safe.directory="$qemu_tree" rev-parse -q --verify \
        refs/qfork/base >/dev/null ||
        { echo "$qemu_tree is not a qfork tree (run make first)" >&2; exit 1; }
    npatches=${1:-200}
    repeat=${2:-1}
else
    npatches=${1:-200}
    nfiles=${2:-3000}
    repeat=${3:-3}
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/qfork-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1 LC_ALL=C
mkdir -p "$HOME"
git config --global user.name "Bench"
git config --global user.email "bench@example.org"
git config --global init.defaultBranch main
git config --global safe.directory '*'

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }
ratio() { echo "scale=3; $1 / $2" | bc | sed 's/^\./0./'; }

# best SETUP RUN [N]: "WALL CPU", the minima over N ($repeat) runs of RUN,
# each after SETUP.  CPU is user + system time of RUN and its children:
# on a shared machine it says more than the wall clock.
best() {
    local setup=$1 run=$2 n=${3:-$repeat} b= bc= r wall user sys cpu
    for ((r = 1; r <= n; r++)); do
        eval "$setup"
        { TIMEFORMAT='%R %U %S'; time eval "$run"; } 2>"$work/time"
        read -r wall user sys < <(tail -n 1 "$work/time")
        cpu=$(echo "$user + $sys" | bc)
        if [ -z "$b" ] || [ "$(echo "$wall < $b" | bc)" -eq 1 ]; then b=$wall; fi
        if [ -z "$bc" ] || [ "$(echo "$cpu < $bc" | bc)" -eq 1 ]; then bc=$cpu; fi
    done
    echo "$b $bc"
}

# random_edits UP NPATCHES FILE-LIST: NPATCHES commits in the repository
# UP, each replacing 1-3 lines in 1-4 of the files listed in FILE-LIST;
# every tenth also creates a file.
random_edits() {
    local up=$1 n=$2 list=$3 i k h nf nh f l path nlist
    local -a files changed
    mapfile -t files <"$list"
    nlist=${#files[@]}
    RANDOM=42
    for ((i = 1; i <= n; i++)); do
        nf=$((RANDOM % 4 + 1))
        changed=()
        for ((k = 0; k < nf; k++)); do
            path=${files[$(((RANDOM * 32768 + RANDOM) % nlist))]}
            nh=$((RANDOM % 3 + 1))
            for ((h = 0; h < nh; h++)); do
                l=$((h * 20 + RANDOM % 15 + 3))
                sed -i "${l}s/.*/static int patched_${i}_${h}; \/* patch $i *\//" "$up/$path"
            done
            changed+=("$path")
        done
        if ((i % 10 == 0)); then
            path=$(dirname "${changed[0]}")/bench-new$i.c
            printf 'int added_by_patch_%d;\n' "$i" >"$up/$path"
            changed+=("$path")
        fi
        git -C "$up" add -f -- "${changed[@]}"
        GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" git -C "$up" commit -q \
            -m "dir: change $i" -m "Why change $i is needed." \
            -m "Signed-off-by: Bench <bench@example.org>"
    done
}

# compare LABEL BASE-DIR PATCH-DIR WANT-TREE REPEAT: the five operations on
# copies of the plain tree BASE-DIR with the patches of PATCH-DIR; checks
# that qfork and git am both end at WANT-TREE.
compare() {
    local label=$1 base=$2 patches=$3 want=$4 rep=$5
    local c=$work/c-$label proj n
    local t_push t_pop t_qpush t_qpop t_am t_opush= t_opop=
    local c_push c_pop c_qpush c_qpop c_am c_opush= c_opop=
    n=$(ls "$patches"/*.patch | wc -l)
    rm -rf "$c"
    mkdir -p "$c"
    proj=$c/qfork
    mkdir -p "$proj/qemu"
    cp -r "$patches" "$proj/patches"
    {
        echo "base 1.0.0"
        echo "section Bench"
        for p in "$proj"/patches/*.patch; do
            b=$(basename "$p" .patch)
            echo "downstream p$(echo "$b" | tr 'A-Z' 'a-z')"
            echo "  subject bench"
            echo "  reason bench"
            echo "  patch patches/$b.patch"
        done
    } >"$proj/series.conf"
    echo "$label: preparing qfork, quilt and git am trees..."
    cp -a "$base/." "$proj/qemu/"
    "$QFORK" -q -s "$proj/series.conf" init --version 1.0.0 "$proj/qemu"
    mkdir -p "$c/quilt"
    cp -a "$base/." "$c/quilt/"
    mkdir -p "$c/quilt/patches"
    cp "$patches"/*.patch "$c/quilt/patches/"
    (cd "$c/quilt/patches" && ls *.patch >series)
    git clone -q "$proj/qemu" "$c/am"
    if [ -n "$QFORK_OLD" ]; then
        mkdir -p "$c/old/qemu"
        cp -r "$proj/series.conf" "$proj/patches" "$c/old/"
        cp -a "$base/." "$c/old/qemu/"
        "$QFORK_OLD" -q -s "$c/old/series.conf" init --version 1.0.0 "$c/old/qemu"
    fi

    echo "$label: applying $n patches, best of $rep runs each..."
    local q='"$QFORK" -q -s "$proj/series.conf"'
    local at_base='[ "$(git -C "$proj/qemu" rev-parse HEAD)" = "$(git -C "$proj/qemu" rev-parse refs/qfork/base)" ]'
    read -r t_push c_push < <(best "$at_base || $q pop -a" "$q push -a" "$rep")
    [ "$(git -C "$proj/qemu" rev-parse HEAD^{tree})" = "$want" ] ||
        { echo "qfork's tree differs from the series' end" >&2; exit 1; }
    [ -z "$(git -C "$proj/qemu" status --porcelain)" ] ||
        { echo "qfork's tree is not clean after push -a" >&2; exit 1; }
    local pushed
    pushed=$(git -C "$proj/qemu" rev-parse HEAD)
    read -r t_pop c_pop < <(best "$at_base && $q push -a || true" "$q pop -a" "$rep")
    if [ -n "$QFORK_OLD" ]; then
        local oq='"$QFORK_OLD" -q -s "$c/old/series.conf"'
        local o_base='[ "$(git -C "$c/old/qemu" rev-parse HEAD)" = "$(git -C "$c/old/qemu" rev-parse refs/qfork/base)" ]'
        read -r t_opush c_opush < <(best "$o_base || $oq pop -a" "$oq push -a" "$rep")
        [ "$(git -C "$c/old/qemu" rev-parse HEAD)" = "$pushed" ] ||
            { echo "the two qfork binaries made different commits" >&2; exit 1; }
        read -r t_opop c_opop < <(best "$o_base && $oq push -a || true" "$oq pop -a" "$rep")
    fi
    read -r t_qpush c_qpush < <(best '(cd "$c/quilt" && { quilt pop -a -q >/dev/null 2>&1 || true; })' \
        '(cd "$c/quilt" && QUILT_PATCHES=patches quilt push -a -q >/dev/null)' "$rep")
    read -r t_qpop c_qpop < <(best '(cd "$c/quilt" && { QUILT_PATCHES=patches quilt push -a -q >/dev/null 2>&1 || true; })' \
        '(cd "$c/quilt" && quilt pop -a -q >/dev/null)' "$rep")
    read -r t_am c_am < <(best 'git -C "$c/am" reset -q --hard origin/master' \
        'git -C "$c/am" am -q --committer-date-is-author-date "$patches"/*.patch' "$rep")
    [ "$(git -C "$c/am" rev-parse HEAD^{tree})" = "$want" ] ||
        { echo "git am's tree differs from the series' end" >&2; exit 1; }

    printf '\n%s: %d patches over %d files (%s, %s)\n' "$label" "$n" \
        "$(git -C "$proj/qemu" ls-files | wc -l)" "$(git --version)" "$(quilt --version | sed 's/^/quilt /')"
    printf '  %-15s %9s  %9s  %s\n' "" "wall" "cpu" "wall per patch"
    row() {
        printf '  %-15s %7.3f s  %7.3f s  %7.2f ms\n' "$1" "$2" "$3" \
            "$(echo "$2 * 1000 / $n" | bc -l)"
    }
    row "qfork push -a" "$t_push" "$c_push"
    row "qfork pop -a" "$t_pop" "$c_pop"
    row "quilt push -a" "$t_qpush" "$c_qpush"
    row "quilt pop -a" "$t_qpop" "$c_qpop"
    row "git am" "$t_am" "$c_am"
    if [ -n "$QFORK_OLD" ]; then
        row "old push -a" "$t_opush" "$c_opush"
        row "old pop -a" "$t_opop" "$c_opop"
    fi
    printf '  wall: push qfork/git-am = %s  qfork/quilt = %s   pop qfork/quilt = %s\n' \
        "$(ratio "$t_push" "$t_am")" "$(ratio "$t_push" "$t_qpush")" "$(ratio "$t_pop" "$t_qpop")"
    printf '  cpu:  push qfork/git-am = %s  qfork/quilt = %s   pop qfork/quilt = %s\n' \
        "$(ratio "$c_push" "$c_am")" "$(ratio "$c_push" "$c_qpush")" "$(ratio "$c_pop" "$c_qpop")"
    if [ -n "$QFORK_OLD" ]; then
        printf '  old qfork (%s): push -a = %s x git am (wall), %s (cpu); qfork/old: push %s, pop %s (wall)\n' \
            "$QFORK_OLD" "$(ratio "$t_opush" "$t_am")" "$(ratio "$c_opush" "$c_am")" \
            "$(ratio "$t_push" "$t_opush")" "$(ratio "$t_pop" "$t_opop")"
    fi
    echo "  (below 1: qfork is faster)"
    rm -rf "$c"
}

if [ -z "$qemu_tree" ]; then
    echo "generating $nfiles files and $npatches patches..."
    up=$work/upstream
    mkdir -p "$up"
    awk -v n="$nfiles" -v dir="$up" 'BEGIN {
        for (f = 1; f <= n; f++) {
            path = sprintf("%s/dir%03d/file%05d.c", dir, f % 100, f)
            if (f <= 100) system("mkdir -p " dir sprintf("/dir%03d", f % 100))
            for (l = 1; l <= 60; l++)
                printf "static int value_%d_%d = %d; /* line %d of file %d */\n",
                       f, l, l * f, l, f > path
            close(path)
        }
    }'
    git -C "$up" init -q
    git -C "$up" add -A
    git -C "$up" commit -q -m base
    git -C "$up" tag base
    (cd "$up" && git ls-files) >"$work/files"
    random_edits "$up" "$npatches" "$work/files"
    git -C "$up" format-patch -q -o "$work/patches" base..HEAD
    mkdir -p "$work/base"
    git -C "$up" archive base | tar -x -C "$work/base"
    compare synthetic "$work/base" "$work/patches" \
        "$(git -C "$up" rev-parse HEAD^{tree})" "$repeat"
    exit 0
fi

# ---- the QEMU tree ----------------------------------------------------------
echo "exporting the QEMU base of $qemu_tree..."
up=$work/upstream
mkdir -p "$up" "$work/base"
# checkout-index, not git archive: QEMU's subprojects mark files
# export-ignore, and the base must have every file.
GIT_INDEX_FILE=$work/base.index git -C "$qemu_tree" read-tree refs/qfork/base
GIT_INDEX_FILE=$work/base.index git -C "$qemu_tree" checkout-index -a -f \
    --prefix="$work/base/"
rm -f "$work/base.index"
cp -a "$work/base/." "$up/"
git -C "$up" init -q
git -C "$up" add -A -f
git -C "$up" commit -q -m base
git -C "$up" tag base

# The fork's own entries, as the tree has them applied.
if [ "$(git -C "$qemu_tree" rev-list --count refs/qfork/base..HEAD)" -gt 0 ]; then
    git -C "$qemu_tree" format-patch -q --binary -o "$work/fork" refs/qfork/base..HEAD
    compare qemu-fork-entries "$work/base" "$work/fork" \
        "$(git -C "$qemu_tree" rev-parse HEAD^{tree})" "$repeat"
else
    echo "qemu-fork-entries: $qemu_tree has no entries applied; skipped"
fi

echo "generating $npatches patches over QEMU's C files..."
(cd "$up" && git ls-files -z -- '*.c' | xargs -0 wc -l |
    awk '$1 >= 60 && $2 != "total" { print $2 }') >"$work/files"
random_edits "$up" "$npatches" "$work/files"
git -C "$up" format-patch -q -o "$work/patches" base..HEAD
compare qemu-synthetic "$work/base" "$work/patches" \
    "$(git -C "$up" rev-parse HEAD^{tree})" "$repeat"
