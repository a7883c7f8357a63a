#!/usr/bin/env bash
# `make` (scripts/qemu.mk) when a series patch does not apply: the series
# phase stops with qfork's message naming the entry, the build does not go
# on, the entries before it stay applied as commits, the failing one
# leaves nothing behind (no half-applied file, no .rej/.orig), and a
# second `make` after the fix resumes.  Uses the fake base of
# lib/base-fixture.bash: no QEMU build.
set -uo pipefail
. "$(dirname "$0")/lib/base-fixture.bash"
use_apt_uri "http://127.0.0.1:9/debian"

new_top
ln -s "$repo/scripts" "$proj/scripts"
mkdir -p "$proj/patches"
# A patch that applies, and one whose context is not in the tree.
patch_file() { # NAME SUBJECT OLD NEW
    cat >"$proj/patches/$1" <<PATCH
From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001
From: Test <test@example.invalid>
Date: Thu, 26 Nov 2026 10:00:00 +0000
Subject: [PATCH] $2

Downstream-only: test.
Signed-off-by: Test <test@example.invalid>
---
 hw/arm/smmuv3.c | 2 +-
 1 file changed, 1 insertion(+), 1 deletion(-)

diff --git a/hw/arm/smmuv3.c b/hw/arm/smmuv3.c
--- a/hw/arm/smmuv3.c
+++ b/hw/arm/smmuv3.c
@@ -1 +1 @@
-$3
+$4
PATCH
}
patch_file 0001-good.patch "hw/arm: first change" "int smmuv3;" "int smmuv3 = 1;"
patch_file 0002-bad.patch "hw/arm: change what is not there" "int no_such_line;" "int x;"
cat >>"$proj/series.conf" <<CONF

downstream test-good
  subject hw/arm: first change
  reason test
  patch patches/0001-good.patch

downstream test-bad
  subject hw/arm: change what is not there
  reason test
  patch patches/0002-bad.patch
CONF

run_make() {
    out=$(cd "$proj" && make -f scripts/qemu.mk TOP="$proj" QFORK="$QFORK" \
          QEMU_SOURCE="$work/good.tar.xz" QEMU_UPSTREAM=0 series 2>&1)
    rc=$?
    printf '%s\n' "$out" | sed 's/^/    | /'
}

run_make
[ "$rc" -ne 0 ] && ok "make series fails on the bad patch (exit $rc)" || not_ok "make series succeeded"
grep -q "test-bad" <<<"$out" && ok "the message names the failing entry" ||
    not_ok "the message does not name test-bad"
grep -q "qfork push -a failed" <<<"$out" && ok "the pipeline says which phase stopped" ||
    not_ok "no pipeline message"
subjects=$(git -C "$proj/qemu" log --format=%s refs/qfork/base..HEAD)
[ "$subjects" = "hw/arm: first change" ] && ok "the entry before it is applied as one commit" ||
    not_ok "commits after the base: [$subjects]"
[ -z "$(git -C "$proj/qemu" status --porcelain --ignored | grep -v build/)" ] &&
    ok "no half-applied file, no .rej/.orig in qemu/" ||
    not_ok "qemu/ left dirty: $(git -C "$proj/qemu" status --porcelain --ignored)"

# Fixed patch: the next make resumes from the failed entry.
patch_file 0002-bad.patch "hw/arm: change what is not there" "int smmuv3 = 1;" "int smmuv3 = 2;"
run_make
[ "$rc" -eq 0 ] && [ "$(git -C "$proj/qemu" log --format=%s refs/qfork/base..HEAD | wc -l)" -eq 2 ] &&
    ok "after the fix, make resumes and applies the rest" || not_ok "resume: exit $rc"
run_make
[ "$rc" -eq 0 ] && grep -q "every series entry is already applied" <<<"$out" &&
    ok "a further make has nothing to push" || not_ok "third run: exit $rc"
test_done
