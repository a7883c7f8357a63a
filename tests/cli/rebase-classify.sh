#!/usr/bin/env bash
# qfork rebase from fixture release 1.0 to 1.1: every classification, the
# stop on a conflict, --continue (refused while markers are left), the
# report, series.conf/base.lock/patches/ at the end, and that a fresh
# tree of the new pin takes the rebased series with `push -a` and gives
# the same files as the rebased tree.
. "$(dirname "$0")/lib/rebase-fixture.bash"

make_fx_upstream "$work/up"
make_fx_project "$work/p" "$work/up"
p=$work/p
cp "$p/patches/0004-clean.patch" "$work/clean.before"
cp "$p/patches/0002-offset.patch" "$work/offset.before"

# ---- the rebase stops at the conflict
cd "$p"
run_qfork 1 $(fx_rebase_args "$p" 1.1)
expect_in "merged                       in base: reverse-applies cleanly" "merged patch found in the new base"
expect_in "offset                       applies with offset" "offset patch classified"
expect_in "Stopped at 5 conflict" "stops at the conflicting entry, named"
expect_in "src/conflict.c: hunk #1 (@@ -17,7 +17,7 @@, patch line 19) does not apply" "failing hunk listed"
expect_in "conflict: src/conflict.c: 1 conflict (markers in the file)" "conflicting file listed"
grep -q '^<<<<<<< QEMU 1.1 (new base)$' qemu/src/conflict.c || fail "no conflict marker in the tree"
grep -q '^>>>>>>> conflict (patches/0003-conflict.patch)$' qemu/src/conflict.c || fail "marker does not name the entry"
ok "conflict markers in the tree, naming the entry"
expect_eq "$(git -C qemu status --porcelain)" " M src/conflict.c" "only the conflicting file is changed"
grep -q '^base 1.0$' series.conf || fail "series.conf changed before the end"
grep -q '^version 1.0$' base.lock || fail "base.lock changed before the end"
ok "series.conf and base.lock untouched while stopped"
grep -q 'Result: \*\*stopped\*\* at `conflict`' build/rebase-1.0-to-1.1.md || fail "report of the stop"
expect_eq "$(json_class build/rebase-1.0-to-1.1.json clean)" pending "stopped report: later entries pending"

# ---- status while stopped: where the rebase is, not a series mismatch
run_qfork 0 status
expect_in "rebase: onto QEMU 1.1, stopped at entry 5 conflict" "status names the entry the rebase stopped at"
expect_in "then \`qfork rebase --continue\`; \`qfork rebase --abort\` puts everything back" "status says how to continue or abort"
expect_not_in "problem:" "status reports no series mismatch while the rebase is stopped"

# ---- --continue refuses while a marker is left
run_qfork 1 rebase --continue
expect_in "src/conflict.c:20: a conflict marker is left" "continue refuses a marker, names file:line"

# ---- resolve, continue
sed -i -e '/^<<<<<<< /,/^>>>>>>> /c\
resolved: upstream line 20 with the fork change' qemu/src/conflict.c
run_qfork 0 rebase --continue
expect_in "conflict                     resolved by hand" "resolution taken"
expect_in "clean                        applies cleanly" "clean patch classified"
expect_in "merge3                       3-way merged" "three-way merge where fuzz 0 fails"
expect_in "Rebased onto QEMU 1.1" "rebase done"

# ---- the report lists every entry
j=build/rebase-1.0-to-1.1.json
python3 - "$j" <<'PY' || fail "JSON report"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["status"] == "done", r["status"]
got = {e["name"]: e["class"] for e in r["entries"]}
assert len(r["entries"]) == 7, len(r["entries"])
want = {"merged": "in-base", "offset": "offset", "conflict": "resolved",
        "clean": "clean", "merge3": "merged"}
for k, v in want.items():
    assert got[k] == v, (k, got[k], v)
ups = [e for e in r["entries"] if e["kind"] == "upstream"]
assert all(e["class"] == "in-base" for e in ups), ups
feat = [e for e in ups if e["subject"] == "src: a feature"][0]
assert feat["old-patch"] == "patches/backport-feature.patch" and feat["new-patch"] is None
off = [e for e in r["entries"] if e["name"] == "offset"][0]
assert off["patch-changed"] and "-@@ -27,7 +27,7 @@" in off["interdiff"], off
assert "+@@ -32,7 +32,7 @@" in off["interdiff"]
assert any("offset +5" in n for n in off["notes"]), off["notes"]
cl = [e for e in r["entries"] if e["name"] == "clean"][0]
assert not cl["patch-changed"] and cl["interdiff"] is None
PY
ok "JSON report: all 7 entries with their classes, notes and interdiff"
md=build/rebase-1.0-to-1.1.md
for row in '| 3 | `merged` | downstream | in base | removed (patches/0001-merged.patch)' \
           '| 4 | `offset` | downstream | applies with offset | refreshed: patches/0002-offset.patch' \
           '| 5 | `conflict` | downstream | resolved by hand |' \
           '| 6 | `clean` | downstream | applies cleanly | kept byte for byte' \
           '| 7 | `merge3` | downstream | 3-way merged |'; do
    grep -qF -- "$row" "$md" || { cat "$md" >&2; fail "Markdown report lacks: $row"; }
done
ok "Markdown report rows"

# ---- the repository files at the end
grep -q '^base 1.1$' series.conf || fail "pin not updated"
grep -q "^  sha256 $(fx_sha "$p.fx_1.1+ds.orig.tar.xz")$" series.conf || fail "sha256 not updated"
grep -q '^  tarball fx_1.1+ds.orig.tar.xz$' series.conf || fail "tarball not updated"
ok "series.conf pins 1.1"
grep -q '^version 1.1$' base.lock && grep -q '^base-commit ' base.lock || fail "base.lock"
expect_eq "$(sed -n 's/^base-commit //p' base.lock)" "$(git -C qemu rev-parse refs/qfork/base)" "base.lock names the new base commit"
grep -q '^# downstream merged$' series.conf || fail "merged entry not commented out"
[ ! -e patches/0001-merged.patch ] || fail "merged patch file kept"
[ ! -e patches/backport-feature.patch ] || fail "feature backport kept"
grep -q 'backport-feature' series.conf && fail "feature row still lists its backport"
ok "entries in base: series entry commented, backport line removed, files removed"
cmp -s "$work/clean.before" patches/0004-clean.patch || fail "clean patch bytes changed"
ok "the clean patch is byte for byte the same"
cmp -s "$work/offset.before" patches/0002-offset.patch && fail "offset patch not refreshed"
grep -q '^@@ -32,7 +32,7 @@' patches/0002-offset.patch || fail "offset patch hunk header"
grep -Eq '^index [0-9a-f]{40}\.\.[0-9a-f]{40} 100644$' patches/0002-offset.patch || fail "full index line"
head -n1 patches/0002-offset.patch | grep -qx 'From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001' || fail "From line"
tail -n2 patches/0002-offset.patch | grep -q '^-- $' && fail "version signature"
grep -q '^Signed-off-by: Fork Dev <fork@example.org>$' patches/0002-offset.patch || fail "message kept"
ok "refreshed patch: new hunk header, full index, zero From line, no signature, message kept"
grep -q '^+resolved: upstream line 20 with the fork change$' patches/0003-conflict.patch || fail "resolution in patch"
ok "resolved patch holds the resolution"
[ ! -e qemu/.git/qfork/rebase ] || fail "rebase state left behind"
[ -z "$(git -C qemu for-each-ref refs/qfork/rebase)" ] || fail "rebase refs left behind"
ok "no rebase state left"

# ---- the tree follows the new series; a fresh tree agrees
run_qfork 0 status
expect_in "base QEMU 1.1" "status: tree on 1.1"
expect_in "4 of 4 pushable entries applied" "status: every entry applied"
run_qfork 2 push -a
fx_check_fresh "$p" 1.1

test_done
