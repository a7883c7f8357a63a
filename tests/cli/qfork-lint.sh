#!/usr/bin/env bash
# qfork lint end to end: a consistent fixture series passes; unlisted,
# missing and duplicated patch files and a patch without its provenance
# line are each reported with the file (and line), exit 1.
. "$(dirname "$0")/lib/common.sh"

p=$work/p
u=$p.upstream
make_upstream "$u" 3
for i in 1 2 3; do
    edit_line "$u" "src/file$i.c" 5 "lint change $i"
    GIT_AUTHOR_DATE=2024-03-01T00:0$i:00Z git -C "$u" \
        -c user.name="Author $i" -c user.email="a$i@example.org" commit -q \
        -m "src: lint change $i" -m "Why change $i is needed." \
        -m "Downstream-only: a fixture change.
Signed-off-by: Author $i <a$i@example.org>"
done
export_patches "$u" "$p/patches"
write_series "$p" 1.0.0
cd "$p"

run_qfork 0 lint
expect_in "no problems" "a consistent series passes"

cp patches/0001-src-lint-change-1.patch patches/0009-unlisted.patch
run_qfork 1 lint
expect_in "0009-unlisted.patch" "an unlisted patch file is reported"
rm patches/0009-unlisted.patch

mv patches/0002-src-lint-change-2.patch "$work/"
run_qfork 1 lint
expect_in "0002-src-lint-change-2.patch" "a missing patch file is reported"
expect_in "series.conf:" "with the series line"
mv "$work/0002-src-lint-change-2.patch" patches/

sed -i '/^Downstream-only:/d' patches/0003-src-lint-change-3.patch
run_qfork 1 lint
expect_in "0003-src-lint-change-3.patch" "a patch without provenance is reported"
expect_in "problem" "the count is given"

printf 'downstream\n' >>series.conf
run_qfork 1 lint
expect_in "series.conf:" "a malformed series.conf is reported with its line"
test_done
