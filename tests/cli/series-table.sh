#!/usr/bin/env bash
# docs/series.md is what `qfork table` renders from series.conf today:
# a series.conf change without `make series-table` fails here.
. "$(dirname "$0")/lib/common.sh"

run_qfork 0 -s "$top/series.conf" table
printf '%s\n' "$out" >"$work/series.md"
if ! diff -u "$top/docs/series.md" "$work/series.md" >"$work/diff"; then
    head -20 "$work/diff" >&2
    fail "docs/series.md is stale: run make series-table and commit it"
fi
ok "docs/series.md is current"

run_qfork 0 -s "$top/series.conf" table --json
expect_in '"rows": [' "--json renders the rows"
run_qfork 1 -s "$top/series.conf" table --format pdf
expect_in "give one format" "an unknown format is refused"
test_done
