#!/usr/bin/env bash
# Refreshed patch files are stable: the same rebase run twice - at another
# time, by another committer, under a git configuration that changes what
# `git diff` prints by default - gives the same bytes; and a rebase where
# every patch still applies (1.1 to 1.2) changes no patch file at all.
. "$(dirname "$0")/lib/rebase-fixture.bash"

make_fx_upstream "$work/up"
make_fx_project "$work/a" "$work/up"
make_fx_project "$work/b" "$work/up"
expect_eq "$(tree_digest "$work/a/patches")" "$(tree_digest "$work/b/patches")" "two identical projects"

resolve() {
    sed -i -e '/^<<<<<<< /,/^>>>>>>> /c\
resolved line 20' "$1/qemu/src/conflict.c"
}

# ---- A: plain environment
cd "$work/a"
run_qfork 1 $(fx_rebase_args "$work/a" 1.1)
resolve "$work/a"
run_qfork 0 rebase --continue

# ---- B: a second later, another committer, a hostile ~/.gitconfig
sleep 1
cat >"$HOME/.gitconfig" <<'EOF'
[diff]
    noprefix = true
    mnemonicPrefix = true
    algorithm = patience
    renames = copies
    context = 7
    interHunkContext = 5
    indentHeuristic = false
[core]
    abbrev = 12
[color]
    ui = always
[format]
    signature = hostile
EOF
cd "$work/b"
GIT_COMMITTER_NAME="Someone Else" GIT_COMMITTER_EMAIL=else@example.org \
    run_qfork 1 $(fx_rebase_args "$work/b" 1.1)
resolve "$work/b"
GIT_COMMITTER_NAME="Someone Else" GIT_COMMITTER_EMAIL=else@example.org \
    run_qfork 0 rebase --continue
rm "$HOME/.gitconfig"

for f in "$work"/a/patches/*; do
    cmp -s "$f" "$work/b/patches/$(basename "$f")" ||
        { diff -u "$f" "$work/b/patches/$(basename "$f")" >&2; fail "$(basename "$f") differs between the runs"; }
done
expect_eq "$(tree_digest "$work/a/patches")" "$(tree_digest "$work/b/patches")" \
    "refreshed patches are byte for byte the same across runs, committers and git configs"
cmp -s "$work/a/series.conf" "$work/b/series.conf" || fail "series.conf differs"
ok "series.conf too"

# ---- 1.1 -> 1.2 touches nothing near the patches: no file changes
cd "$work/a"
before=$(tree_digest patches)
cp series.conf "$work/series.1.1"
run_qfork 0 $(fx_rebase_args "$work/a" 1.2)
expect_in "Rebased onto QEMU 1.2" "second rebase done"
for n in offset conflict clean merge3; do
    expect_eq "$(json_class build/rebase-1.1-to-1.2.json $n)" clean "$n applies cleanly on 1.2"
done
expect_eq "$(tree_digest patches)" "$before" "no patch file changes when every patch applies cleanly"
expect_eq "$(diff "$work/series.1.1" series.conf | grep -c '^[<>]')" 6 \
    "series.conf: only the pin's three lines changed (base, tarball, sha256)"

test_done
