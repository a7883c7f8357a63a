# Shared by tests/cli/bisect-*.sh: a fixture project to bisect (sourcing it
# brings in common.sh).  No QEMU code: the "source" is a few text files and the
# "build" is a Makefile that concatenates them into build/app, failing on
# a BUILD-BREAK line.  build/ is excluded from qfork trees, so building
# leaves the tree clean, as QEMU's build does.
#
# make_bisect_project PROJECT N [BREAK]: N patches, patch i writing the
# line "marker i" into one of the files (markers accumulate: position p
# has markers 1..p).  With BREAK, patch BREAK also writes BUILD-BREAK into
# src/build.c and patch BREAK+1 takes it out: only position BREAK fails to
# build.  The test script $work/check.sh reads $work/regression (a marker
# number K): bad when build/app has marker K, i.e. entry K planted the
# regression.  $work/check-mode can make it misbehave (see below).

. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

make_bisect_project() {
    local proj=$1 n=$2 brk=${3:-0} u=$1.upstream i f l
    mkdir -p "$u/src"
    for ((i = 1; i <= 6; i++)); do
        seq -f "line %g of file $i" 1 40 >"$u/src/file$i.c"
    done
    echo "builds" >"$u/src/build.c"
    cat >"$u/Makefile" <<'EOF'
# The fixture's "build": build/app from the sources, refusing BUILD-BREAK.
build/app: $(wildcard src/*.c)
	@mkdir -p build
	@if grep -n BUILD-BREAK src/*.c; then echo "error: build broken" >&2; exit 2; fi
	@cat src/*.c >$@.tmp && mv $@.tmp $@
	@echo "built build/app" && echo x >>build/count
EOF
    fx_git -C "$u" init -q
    fx_git -C "$u" add -A
    GIT_AUTHOR_DATE="2024-01-01T00:00:00Z" GIT_COMMITTER_DATE="2024-01-01T00:00:00Z" \
        fx_git -C "$u" commit -q -m "base"
    fx_git -C "$u" tag base
    for ((i = 1; i <= n; i++)); do
        f=$(( (i - 1) % 6 + 1 ))
        l=$(( (i - 1) / 6 % 40 + 1 ))
        edit_line "$u" "src/file$f.c" "$l" "marker $i"
        if [ "$i" -eq "$brk" ]; then
            edit_line "$u" src/build.c 1 "BUILD-BREAK by change $i"
        elif [ "$brk" -gt 0 ] && [ "$i" -eq $((brk + 1)) ]; then
            edit_line "$u" src/build.c 1 "builds again"
        fi
        upstream_commit "$u" "$i" "src: change $i"
    done
    export_patches "$u" "$proj/patches"
    write_series "$proj" 1.0.0
    init_tree "$proj" "$u" 1.0.0

    # check.sh: the test command, run in the tree by qfork bisect.
    echo 0 >"$work/regression"
    echo normal >"$work/check-mode"
    cat >"$work/check.sh" <<EOF
#!/bin/sh
# Bad when build/app carries the marker of the entry with the regression.
# check-mode: normal; skip-at:N (exit 125 at position N); abort-at:N (exit
# 200 at N); kill-at:N (SIGKILL qfork at N); int-at:N (SIGINT qfork at N).
echo "\$QFORK_BISECT_ENTRY" >>"$work/tested"
k=\$(cat "$work/regression")
mode=\$(cat "$work/check-mode")
case \$mode in
skip-at:\$QFORK_BISECT_POSITION) exit 125 ;;
abort-at:\$QFORK_BISECT_POSITION) exit 200 ;;
kill-at:\$QFORK_BISECT_POSITION) kill -KILL \$PPID; sleep 1; exit 0 ;;
int-at:\$QFORK_BISECT_POSITION) kill -INT \$PPID; exit 0 ;;
esac
[ -f build/app ] || { echo "no build/app: not built" >&2; exit 200; }
if grep -qx "marker \$k" build/app; then
    echo "regression: marker \$k present"
    exit 1
fi
echo "no regression"
EOF
    chmod +x "$work/check.sh"
}

# run_bisect EXPECTED-EXIT ARGS...: qfork bisect in the project; stdout and
# stderr in $out.
run_bisect() {
    local want=$1
    shift
    run_qfork "$want" -s "$p/series.conf" bisect "$@"
}

# The number of "[n]" step lines in $out.
steps_in_out() {
    printf '%s\n' "$out" | grep -c '^\[[0-9]*\] '
}

# ceil(log2(n)) for n >= 1.
ceil_log2() {
    local n=$1 b=0
    while [ "$n" -gt 1 ]; do n=$(( (n + 1) / 2 )); b=$((b + 1)); done
    echo "$b"
}

head_tree() {       # the tree's content id (commit ids change on re-push)
    git -C "$p/qemu" rev-parse 'HEAD^{tree}'
}
