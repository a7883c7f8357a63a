#!/usr/bin/env bash
# qfork bisect on the real fork: the test-only series extension in
# tests/slow/bisect-fixture/ (seven entries; the fifth removes the
# arm-smmuv3 "ril" property) is inserted after the top entry applied in
# qemu/, and `make bisect` with a check of the built binary must name that
# entry within ceil(log2(7)) = 3 builds, each incremental (pop/push +
# the pipeline's ninja step).  Afterwards `make bisect-reset` puts qemu/
# back and an incremental build restores the binary.
#
# Needs the built tree (make check-slow builds it first).  Prints each
# step's build time and the total: the figures of the bisect benchmark.
#
# env: QFORK, QEMU_DIR (default qemu/ at the repository root), JOBS.
# test-lib: exclusive (rebuilds the real QEMU tree other tests use)
set -euo pipefail

. "$(dirname "$0")/../lib/test-lib.sh"
here=$top/tests/slow
tree=${QEMU_DIR:-$top/qemu}
qemu=$tree/build/qemu-system-aarch64
fixture=$here/bisect-fixture
bad_entry=bisect-fixture-drop-ril
last_entry=bisect-fixture-iort-comment

require_qfork
[ -d "$tree/.git" ] && [ -f "$tree/build/build.ninja" ] && [ -x "$qemu" ] ||
    skip "no built QEMU tree at $tree (run make first)"

has_ril() {
    grep -q '^  ril=' <<<"$("$qemu" -device arm-smmuv3,help)"
}
qf() { "$QFORK" -s "$top/series.conf" -C "$tree" "$@"; }

status=$(qf status) || fail "qfork status failed: $status"
if grep -q 'problem:' <<<"$status"; then
    fail "qemu/ does not follow series.conf: $(printf '%s\n' "$status" | grep 'problem:')"
fi
[ -z "$(git -C "$tree" status --porcelain)" ] || fail "qemu/ has uncommitted changes"
start_top=$(qf top) || skip "no series entry applied in $tree (run make first)"
start_tree=$(git -C "$tree" rev-parse 'HEAD^{tree}')
if [ -e "$tree/.git/qfork/bisect/state" ]; then
    fail "a bisect is already in progress in $tree (make bisect-reset ends it)"
fi
# The real series' binary has the property the fixture removes.
has_ril || fail "$qemu lacks arm-smmuv3's ril before the bisect"
ok "the series' binary lists arm-smmuv3 ril="

# The combined series: series.conf with the extension inserted after the
# block of the top applied entry; patches/ and bisect-fixture/ linked
# beside it, as series paths are relative to the series file.
combined=$work/series.conf
# Whatever happens, qemu/ and its binary end as they were: other tests
# (tests/qemu/) use them.
stale_build=
finish() {
    if [ -e "$tree/.git/qfork/bisect/state" ]; then
        echo "cleaning up: qfork bisect --reset"
        "$QFORK" -s "$combined" -C "$tree" bisect --reset || true
    fi
    if [ -n "$stale_build" ]; then
        echo "cleaning up: rebuilding $qemu"
        "$top/scripts/build-qemu.sh" "$tree" >"$work/rebuild.log" 2>&1 ||
            { tail -n 20 "$work/rebuild.log"; echo "warning: the rebuild failed"; }
    fi
}
test_at_exit finish
ln -s "$top/patches" "$work/patches"
ln -s "$fixture" "$work/bisect-fixture"
awk -v name="$start_top" -v extra="$fixture/series.extra" '
    function insert() { while ((getline l < extra) > 0) print l; done = 1 }
    in_top && /^[^ #]/ && !done { insert() }
    $0 ~ "^(upstream|sauce|downstream) " name "$" { in_top = 1 }
    { print }
    END { if (!done) insert() }' "$top/series.conf" >"$combined"
grep -q "^downstream $bad_entry\$" "$combined" || fail "the extension was not inserted"


run_make() {
    make -s --no-print-directory -C "$top" QFORK="$QFORK" -o "$QFORK" \
        QEMU_DIR="$tree" BISECT_SERIES="$combined" "$@"
}

echo "bisect: good $start_top, bad $last_entry"
stale_build=yes
start=$(date +%s)
rc=0
out=$(run_make bisect GOOD="$start_top" BAD="$last_entry" \
    TEST='"$QEMU_SYSTEM" -device arm-smmuv3,help | grep -q "^  ril="' 2>&1) || rc=$?
wall=$(($(date +%s) - start))
printf '%s\n' "$out"
[ "$rc" -eq 0 ] || fail "make bisect exited $rc"
pos=$(printf '%s\n' "$out" | sed -n "s/^First bad entry: #\([0-9]*\) $bad_entry\$/\1/p")
[ -n "$pos" ] || fail "make bisect did not name $bad_entry"
ok "make bisect names #$pos $bad_entry"
grep -q "^  subject:  hw/arm/smmuv3: drop the ril property$" <<<"$out" ||
    fail "no subject in the result"
grep -q "^  patch:    .*bisect-fixture/0005-hw-arm-smmuv3-drop-the-ril-property.patch$" <<<"$out" ||
    fail "no patch file in the result"
ok "with its subject and patch file"
builds=$(printf '%s\n' "$out" | grep -c '^\[[0-9]*\] #' || true)
[ "$builds" -le 3 ] || fail "$builds builds for 7 entries, more than ceil(log2(7)) = 3"
ok "$builds builds for 7 entries (at most 3)"
times=$(printf '%s\n' "$out" | sed -n 's/^\[[0-9]*\] #[0-9]* \([^:]*\): .* build \([0-9.]*\)s, .*/\2s (\1)/p' |
    paste -sd' ')
echo "figures: $builds builds, total wall ${wall}s, incremental builds: $times"

run_make bisect-reset
[ "$(git -C "$tree" rev-parse 'HEAD^{tree}')" = "$start_tree" ] ||
    fail "make bisect-reset did not restore qemu/"
[ "$(qf top)" = "$start_top" ] || fail "qfork top is not $start_top after the reset"
ok "make bisect-reset: qemu/ back at $start_top, same content"

# The binary is that of the last position tested: rebuild incrementally.
start=$(date +%s)
"$top/scripts/build-qemu.sh" "$tree" >"$work/rebuild.log" 2>&1 ||
    { cat "$work/rebuild.log"; fail "rebuilding after the reset failed"; }
echo "figures: rebuild after the reset $(($(date +%s) - start))s"
stale_build=
has_ril || fail "the rebuilt binary lacks ril"
ok "the rebuilt binary lists ril= again"
