#!/usr/bin/env bash
# The rendered HTML page in headless Chromium: the script runs, every one
# of the 171 table rows is there and shown, and a #section= link filters
# to that section's rows.
. "$(dirname "$0")/lib/common.sh"

browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "skip: no chromium (scripts/install-deps.sh installs Debian's)"
    exit 77
fi

run_qfork 0 -s "$top/series.conf" table --html -o "$work/series.html"

# --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
dom() {
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu \
        --user-data-dir="$work/profile" --dump-dom "file://$work/series.html$1" \
        2>"$work/chromium.log"
}

dom "" >"$work/all.html" || { cat "$work/chromium.log" >&2; fail "chromium failed"; }
expect_eq "$(grep -c '<tr class="' "$work/all.html")" 171 "all 171 rows are in the DOM"
expect_eq "$(grep -c '<tr [^>]*hidden' "$work/all.html")" 0 "no row is hidden"
grep -q 'data-shown="171"' "$work/all.html" ||
    fail "the page's script did not run (no data-shown=\"171\")"
grep -q '171 of 171 rows shown' "$work/all.html" || fail "no row count shown"
ok "the script ran and shows 171 of 171 rows"

dom "#section=vEVENTQ" >"$work/veventq.html" || fail "chromium failed"
grep -q 'data-shown="5"' "$work/veventq.html" ||
    fail "#section=vEVENTQ does not filter to the 5 vEVENTQ rows"
ok "a section filter shows that section's rows only"
test_done
