#!/usr/bin/env bash
# Benchmark: apply one 200-patch series over a tree of a few thousand files
# with `qfork push -a`, `quilt push -a` and `git am`, and print the times
# and qfork's ratio to each.  Not a test: it prints figures and exits 0.
#
#   tests/bench/bench-push.sh [NPATCHES [NFILES [REPEAT]]]
#
# The tree and the patches are synthetic (no QEMU code): NFILES C-like
# files of 60 lines in 100 directories; each patch, made by a real git
# commit and `git format-patch`, edits 1-4 files with 1-3 hunks each, and
# every tenth also creates a file.  Each tool gets the same patch files
# and an identical starting tree; the best of REPEAT runs is kept.
set -euo pipefail

npatches=${1:-200}
nfiles=${2:-3000}
repeat=${3:-3}
top=$(cd "$(dirname "$0")/../.." && pwd)
QFORK=${QFORK:-$top/build/qfork}
case $QFORK in /*) ;; *) QFORK=$top/$QFORK ;; esac
[ -x "$QFORK" ] || { echo "qfork is not built: $QFORK (run make qfork)" >&2; exit 1; }
command -v quilt >/dev/null || { echo "quilt is not installed" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/qfork-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1 LC_ALL=C
mkdir -p "$HOME"
git config --global user.name "Bench"
git config --global user.email "bench@example.org"
git config --global init.defaultBranch main

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

# ---- the synthetic upstream ---------------------------------------------
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
RANDOM=42
for ((i = 1; i <= npatches; i++)); do
    nf=$((RANDOM % 4 + 1))
    changed=()
    for ((k = 0; k < nf; k++)); do
        f=$((RANDOM % nfiles + 1))
        path=$(printf 'dir%03d/file%05d.c' $((f % 100)) "$f")
        nh=$((RANDOM % 3 + 1))
        for ((h = 0; h < nh; h++)); do
            l=$((h * 20 + RANDOM % 15 + 3))
            sed -i "${l}s/.*/static int patched_${i}_${h}; \/* patch $i *\//" "$up/$path"
        done
        changed+=("$path")
    done
    if ((i % 10 == 0)); then
        path=dir$(printf %03d $((i % 100)))/new$i.c
        printf 'int added_by_patch_%d;\n' "$i" >"$up/$path"
        changed+=("$path")
    fi
    git -C "$up" add -- "${changed[@]}"
    GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" git -C "$up" commit -q \
        -m "dir: change $i" -m "Why change $i is needed." \
        -m "Signed-off-by: Bench <bench@example.org>"
done
git -C "$up" format-patch -q -o "$work/patches" base..HEAD
want_tree=$(git -C "$up" rev-parse HEAD^{tree})

# ---- qfork --------------------------------------------------------------
proj=$work/qfork
mkdir -p "$proj/qemu"
cp -r "$work/patches" "$proj/patches"
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
git -C "$up" archive base | tar -x -C "$proj/qemu"
"$QFORK" -q -s "$proj/series.conf" init --version 1.0.0 "$proj/qemu"

# ---- quilt and git am: the same base files --------------------------------
quiltdir=$work/quilt
mkdir -p "$quiltdir"
git -C "$up" archive base | tar -x -C "$quiltdir"
mkdir -p "$quiltdir/patches"
cp "$work"/patches/*.patch "$quiltdir/patches/"
(cd "$quiltdir/patches" && ls *.patch >series)
amdir=$work/am
git clone -q "$proj/qemu" "$amdir"

best() {   # best NAME SETUP RUN: min over $repeat runs of RUN, after SETUP
    local name=$1 setup=$2 run=$3 t b=
    for ((r = 1; r <= repeat; r++)); do
        eval "$setup"
        t=$(now)
        eval "$run"
        t=$(elapsed "$t")
        if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" -eq 1 ]; then b=$t; fi
    done
    echo "$b"
}

echo "applying $npatches patches, best of $repeat runs each..."
t_qfork=$(best qfork \
    '[ "$(git -C "$proj/qemu" rev-parse HEAD)" = "$(git -C "$proj/qemu" rev-parse refs/qfork/base)" ] || "$QFORK" -q -s "$proj/series.conf" pop -a' \
    '"$QFORK" -q -s "$proj/series.conf" push -a')
[ "$(git -C "$proj/qemu" rev-parse HEAD^{tree})" = "$want_tree" ] ||
    { echo "qfork's tree differs from upstream's" >&2; exit 1; }
t_quilt=$(best quilt \
    '(cd "$quiltdir" && { quilt pop -a -q >/dev/null 2>&1 || true; })' \
    '(cd "$quiltdir" && QUILT_PATCHES=patches quilt push -a -q >/dev/null)')
t_am=$(best "git am" \
    'git -C "$amdir" reset -q --hard origin/master' \
    'git -C "$amdir" am -q --committer-date-is-author-date "$work"/patches/*.patch')
[ "$(git -C "$amdir" rev-parse HEAD^{tree})" = "$want_tree" ] ||
    { echo "git am's tree differs from upstream's" >&2; exit 1; }

ratio() { echo "scale=2; $1 / $2" | bc; }
printf '\n%d patches over %d files (%s)\n' "$npatches" "$nfiles" "$(git --version)"
printf '  %-12s %7.2f s  %6.1f ms/patch\n' "qfork push" "$t_qfork" "$(echo "$t_qfork * 1000 / $npatches" | bc -l)"
printf '  %-12s %7.2f s  %6.1f ms/patch\n' "quilt push" "$t_quilt" "$(echo "$t_quilt * 1000 / $npatches" | bc -l)"
printf '  %-12s %7.2f s  %6.1f ms/patch\n' "git am" "$t_am" "$(echo "$t_am * 1000 / $npatches" | bc -l)"
printf 'qfork/quilt = %s   qfork/git-am = %s   (below 1: qfork is faster)\n' \
    "$(ratio "$t_qfork" "$t_quilt")" "$(ratio "$t_qfork" "$t_am")"
