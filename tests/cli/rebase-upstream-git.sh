#!/usr/bin/env bash
# qfork rebase --upstream-git: the new base is the upstream git's tag;
# upstream rows are in base by git ancestry (and their first-release is
# set from the tags); a row the new base lacks becomes a backport made
# from upstream with a "(cherry picked from commit <sha>)" line; a fork
# patch that upstream took is found by its patch-id even where it no
# longer reverse-applies.
. "$(dirname "$0")/lib/rebase-fixture.bash"

u=$work/up
p=$work/p
make_fx_upstream "$u"
make_fx_project "$p" "$u"
"$QFORK" -q -s "$p/series.conf" pop -a >/dev/null
feature=$(git -C "$u" rev-parse ':/src: a feature')
later=$(git -C "$u" rev-parse ':/src: a later fix')
downstream_patch "$u" 6 pid src/pid.c 20 "fork change in pid" "$p/patches/0006-pid.patch"
# The feature row has no verified first release (the table says 1.1); the
# later fix is in no release, with no patch: on 1.0 it is unavailable.
{
    fx_base_conf "$p"
    cat <<EOF
section Upstream
group February 2024
  min-release v1.1
upstream ${feature:0:12}
  commit $feature
  subject src: a feature
  patch patches/backport-feature.patch

section Fork
downstream pid
  subject src/pid.c: pid
  reason fixture: upstream takes it, then changes the line beside it
  patch patches/0006-pid.patch
downstream clean
  subject src/clean.c: clean
  reason fixture
  patch patches/0004-clean.patch

section Later
group June 2024
  min-release v1.3
upstream ${later:0:12}
  commit $later
  subject src: a later fix
EOF
} >"$p/series.conf"
rm -f "$p"/patches/000[1235]-*.patch
"$QFORK" -q -s "$p/series.conf" push -a >/dev/null 2>&1 || true   # stops at the unavailable row
cd "$p"
# Without the upstream git the later fix cannot be carried: refused.
run_qfork 1 $(fx_rebase_args "$p" 1.1)
expect_in "1 upstream row is not in QEMU 1.1 and has no backport patch" "tarball mode refuses a row it cannot carry"
expect_in "${later:0:12}" "and names it"
[ ! -e qemu/.git/qfork/rebase ] || fail "refused rebase left state"
ok "nothing changed by the refused rebase"

run_qfork 0 rebase 1.1 --sha256 "$(fx_sha "$p.fx_1.1+ds.orig.tar.xz")" --upstream-git "file://$u"
expect_in "Rebased onto QEMU 1.1" "git mode rebase done"
j=build/rebase-1.0-to-1.1.json
python3 - "$j" "$feature" "$later" <<'PY' || fail "JSON report"
import json, sys
r = json.load(open(sys.argv[1]))
feature, later = sys.argv[2], sys.argv[3]
e = {x["name"]: x for x in r["entries"]}
f = e[feature[:12]]
assert f["class"] == "in-base" and f["detail"].startswith("git: %s is an ancestor of v1.1" % feature[:12]), f
assert f["first-release"] == "v1.1", f
l = e[later[:12]]
assert l["class"] == "clean" and l["backport"], l
assert l["new-patch"].startswith("patches/backport-%s-src-a-later-fix" % later[:12]), l
assert "not in v1.1" in l["detail"], l
pid = e["pid"]
assert pid["class"] == "in-base" and "patch-id matches upstream commit" in pid["detail"], pid
assert "take the fork's pid change" in pid["detail"], pid
assert r["upstream-git"].startswith("file://"), r["upstream-git"]
assert r["new"]["source"] == "git", r["new"]
PY
ok "report: in base by ancestry, first-release from the tags, backport made, patch-id match"
bp=$(ls patches/backport-"${later:0:12}"-*.patch)
grep -qx "(cherry picked from commit $later)" "$bp" || fail "cherry-pick line"
grep -q '^Signed-off-by: Upstream Dev <dev@example.org>$' "$bp" || fail "upstream message"
grep -q '^From: Upstream Dev <dev@example.org>$' "$bp" || fail "upstream author"
ok "backport carries upstream's author and message and the cherry-pick line"
awk -v s="${later:0:12}" '$0 == "upstream " s {b=1; next} /^[^ ]/ {b=0} b' series.conf |
    grep -qx "  patch $bp" || fail "series.conf lacks the backport's patch line"
awk -v s="${feature:0:12}" '$0 == "upstream " s {b=1; next} /^[^ ]/ {b=0} b' series.conf >"$work/feature.block"
grep -qx '  first-release v1.1' "$work/feature.block" || fail "first-release not set"
grep -qx '  evidence ancestry v1.1' "$work/feature.block" || fail "its evidence not set"
grep -q '  patch' "$work/feature.block" && fail "feature keeps its backport"
ok "series.conf: backport listed, first-release and its evidence set, old backport dropped"
grep -q '^source git$' base.lock && grep -q "^commit $(git -C "$u" rev-parse v1.1)$" base.lock ||
    fail "base.lock does not record the git tag"
ok "base.lock: from the upstream git's tag v1.1"

fx_check_fresh "$p" 1.1 "$u"    # the base from the same git tag

test_done
