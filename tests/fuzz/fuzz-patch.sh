#!/usr/bin/env bash
# Bounded libFuzzer run of the patch parser and the applier's (read-only)
# prepare step, built with ASan and UBSan from the library sources.
# With QF_FUZZ_TARGET=apply (tests/fuzz/fuzz-apply.sh), the same seeds
# drive tests/fuzz/fuzz-apply.c instead: the whole apply path, writing
# into a fresh copy of the fixture tree for every input.
#
# The seed corpus is generated here: git format-patch output (text,
# binary literal and delta, rename, mode change, symlink, CRLF) plus
# quilt-style patches; the fixture tree is the base those patches apply
# to, so fuzzed inputs reach hunk placement and delta application.
#
# Environment: QF_FUZZ_SECONDS (default 25), QF_FUZZ_TARGET (patch or
# apply).  A crashing input is kept in build/fuzz/ (crash-*, leak-*,
# timeout-*) for reproduction:
#   QF_FUZZ_TREE=build/fuzz/patch-seed-tree build/fuzz/fuzz-patch build/fuzz/patch-crash-<sha>
#   QF_FUZZ_TREE=build/fuzz/apply-seed-tree build/fuzz/fuzz-apply build/fuzz/apply-crash-<sha>
# Exit 0 pass, 77 skip (last line says why), anything else fails.
set -eu

. "$(dirname "$0")/../lib/test-lib.sh"
lib=$top/scripts/qfork/lib
out=$top/build/fuzz
secs=${QF_FUZZ_SECONDS:-25}
target=${QF_FUZZ_TARGET:-patch}
case $target in
patch | apply) ;;
*) echo "QF_FUZZ_TARGET must be patch or apply, not $target" >&2; exit 1 ;;
esac

cc=$(command -v clang || command -v clang-14 || true)
[ -n "$cc" ] || skip "clang is not installed (Debian: clang)"
pkg-config --exists glib-2.0 zlib || skip "glib-2.0 or zlib development files missing"
command -v git >/dev/null || skip "git is not installed (needed for the seed corpus)"


# libFuzzer ships separately from clang in Debian (libclang-rt-*-dev).
printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n)\n{ (void)d; (void)n; return 0; }\n' \
    >"$work/probe.c"
if ! "$cc" -fsanitize=fuzzer,address "$work/probe.c" -o "$work/probe" \
    >"$work/probe.log" 2>&1; then
    cat "$work/probe.log"
    skip "clang's libFuzzer runtime is missing (Debian: libclang-rt-<version>-dev)"
fi

mkdir -p "$out"
# shellcheck disable=SC2046  # pkg-config output is meant to split
"$cc" -std=c11 -g -O1 -Wall -Wextra -Werror \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$lib" $(pkg-config --cflags glib-2.0) \
    "$top/tests/fuzz/fuzz-$target.c" \
    "$lib/qf-patch.c" "$lib/qf-apply.c" "$lib/qf-base85.c" \
    "$lib/qf-delta.c" "$lib/qf-error.c" "$lib/qf-fs.c" \
    $(pkg-config --libs glib-2.0 zlib) -o "$out/fuzz-$target"

# ---- seed corpus from a real repository ---------------------------------
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null LC_ALL=C
export GIT_AUTHOR_NAME='Fuzz Seed' GIT_AUTHOR_EMAIL=seed@example.com
export GIT_COMMITTER_NAME='Fuzz Seed' GIT_COMMITTER_EMAIL=seed@example.com
export GIT_AUTHOR_DATE=2024-03-01T12:00:00+0000
export GIT_COMMITTER_DATE=2024-03-01T12:00:00+0000
repo=$work/repo seeds=$work/seeds corpus=$work/corpus
# Kept in build/fuzz/ to reproduce a failure with QF_FUZZ_TREE (see above).
tree=$out/$target-seed-tree
rm -rf "$tree"
mkdir -p "$repo" "$seeds" "$corpus" "$tree"
(
    cd "$repo"
    git init -q -b main .
    mkdir -p hw/acpi tests/data/acpi/virt
    seq 1 40 | sed 's/^/line /' >hw/acpi/gi.c
    printf 'a\r\nb\r\nc\r\n' >crlf.txt
    printf 'no newline' >eof.txt
    head -c 3000 /dev/zero | tr '\0' 'A' >tests/data/acpi/virt/SRAT
    echo '#!/bin/sh' >run.sh
    git add -A && git commit -q -m base
    git tag base
    sed -i 's/^line 7$/line seven/; s/^line 30$/line thirty/' hw/acpi/gi.c
    git commit -qam "hw/acpi: édit with a UTF-8 subject that is long enough to be folded by git"
    printf 'a\r\nB\r\nc\r\n' >crlf.txt
    printf 'no newline\nnow one\n' >eof.txt
    git commit -qam "line endings"
    printf 'SRAT' | dd of=tests/data/acpi/virt/SRAT bs=1 seek=100 conv=notrunc 2>/dev/null
    git commit -qam "tests/data/acpi: update SRAT (delta)"
    awk 'BEGIN { srand(1); for (i = 0; i < 2000; i++) printf "%c", int(rand() * 256) }' \
        >tests/data/acpi/virt/DSDT
    git add -A && git commit -qm "tests/data/acpi: add DSDT (literal)"
    git mv hw/acpi/gi.c hw/acpi/generic-initiator.c
    chmod +x run.sh
    ln -s run.sh current
    git add -A && git commit -qm "rename, mode, symlink"
    git rm -q eof.txt && git commit -qm "delete"
    # A copy, and a new directory beside a new symlink: the extended
    # headers and path layouts the apply path must check against each other.
    cp hw/acpi/generic-initiator.c hw/acpi/gi-copy.c
    echo "line 41" >>hw/acpi/gi-copy.c
    mkdir -p newdir && echo new >newdir/file && ln -s run.sh newlink
    git add -A && git commit -qm "copy, new directory, new symlink"
    git format-patch -q -C -C -o "$seeds" base
    # Each file's diff alone too: small seeds mutate and cross over faster.
    git diff -C -C --binary base HEAD |
        awk -v dir="$seeds" '/^diff --git / { n++ } n { print >(dir "/file-" n ".diff") }'
    git diff --binary base HEAD >"$seeds/all.diff"
    git diff -U0 base HEAD~5 >"$seeds/u0.diff"
    git archive base | tar -x -C "$tree"
)
cat >"$seeds/quilt.patch" <<'EOF'
Description of a quilt patch.

Index: qemu/hw/acpi/gi.c
===================================================================
--- qemu.orig/hw/acpi/gi.c	2024-01-01 10:00:00.000000000 +0100
+++ qemu/hw/acpi/gi.c	2024-01-02 10:00:00.000000000 +0100
@@ -1,3 +1,3 @@
 line 1
-line 2
+line two
 line 3
--- /dev/null	1970-01-01 00:00:00.000000000 +0000
+++ qemu/new.c	2024-01-02 10:00:00.000000000 +0100
@@ -0,0 +1 @@
+new
EOF

# Regression seeds: inputs that broke the applier (issue 17).  A deleted
# copy crashed the already-applied check; a new file below a new symlink
# passed prepare and failed while writing (fuzz-apply aborts on that).
printf 'diff --git a/hw/acpi/gi.c b/hw/acpi/gi2.c\ndeleted file mode 100644\ncopy from hw/acpi/gi.c\ncopy to hw/acpi/gi2.c\n' \
    >"$seeds/regress-deleted-copy.diff"
cat >"$seeds/regress-link-over-dir.diff" <<'EOF'
diff --git a/esc/new b/esc/new
new file mode 100644
--- /dev/null
+++ b/esc/new
@@ -0,0 +1 @@
+x
diff --git a/esc b/esc
new file mode 120000
--- /dev/null
+++ b/esc
@@ -0,0 +1 @@
+run.sh
\ No newline at end of file
EOF

cat >"$seeds/archived.mbox" <<'EOF'
Return-Path: <list-bounces@example.org>
Received: from localhost
	by lists.example.org with esmtp
X-Spam_report: BAYES_00=-1.9,
 DKIM_SIGNED=0.1
From: =?UTF-8?q?J=C3=B6hn?= Example <john@example.org>
Subject: [PATCH v2 3/7] tests/acpi: update
 expected DSDT
Date: Fri, 21 Feb 2025 15:35:21 +0100

--- a/DSDT.dsl        2025-01-28 09:38:15.155347858 +0100
+++ b/DSDT.dsl        2025-01-28 09:39:01.684836954 +0100
@@ -9,1 +9,1 @@
- *     Checksum         0x0F
+ *     Checksum         0xE9

Signed-off-by: John Example <john@example.org>
---
 hw/acpi/gi.c | 2 +-

diff --git a/hw/acpi/gi.c b/hw/acpi/gi.c
--- a/hw/acpi/gi.c
+++ b/hw/acpi/gi.c
@@ -1,3 +1,3 @@
 line 1
-line 2
+line 2b
 line 3
-- 
2.48.1
EOF

cat >"$work/dict" <<'EOF'
"diff --git a/"
" b/"
"--- a/"
"+++ b/"
"--- /dev/null"
"@@ -"
" @@"
"\x0a\\ No newline at end of file\x0a"
"GIT binary patch\x0a"
"literal "
"delta "
"index "
"new file mode 100644\x0a"
"new file mode 120000\x0a"
"deleted file mode 100755\x0a"
"old mode 100644\x0a"
"new mode 100755\x0a"
"rename from "
"rename to "
"copy from "
"copy to "
"similarity index 100%\x0a"
"Binary files "
"From: "
"Subject: [PATCH] "
"=?UTF-8?q?"
"?="
"\x0d\x0a"
EOF

echo "fuzzing for ${secs}s with $(find "$seeds" -type f | wc -l) seeds"
# glib 2.74 caches slices: make every allocation visible to LeakSanitizer.
export G_SLICE=always-malloc G_DEBUG=gc-friendly QF_FUZZ_TREE=$tree
# fuzz-apply writes its copies of the tree here (removed with $work).
export QF_FUZZ_SCRATCH=$work
status=0
"$out/fuzz-$target" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -dict="$work/dict" -artifact_prefix="$out/$target-" \
    -print_final_stats=1 "$corpus" "$seeds" >"$work/fuzz.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    cat "$work/fuzz.log"
    echo "fuzz-$target found a failure (exit $status); the input is kept in build/fuzz/"
    exit 1
fi
tail -n 15 "$work/fuzz.log"
echo "fuzz-$target: no failure in ${secs}s"
