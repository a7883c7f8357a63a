#!/usr/bin/env bash
# Bounded libFuzzer run of the series.conf parser (tests/fuzz/fuzz-series.c),
# seeded with the real series.conf.  The library sources are compiled
# here with the sanitizers, independently of the normal build.
#
# Exit 0: no crash, leak, hang or broken invariant within the budget;
# 77: clang's libFuzzer is not available (last line says why); else fail.
# QF_FUZZ_SECONDS sets the budget (default 20).
set -u
. "$(dirname "$0")/../lib/test-lib.sh"
secs=${QF_FUZZ_SECONDS:-20}
out=$top/build/fuzz/series
lib=$top/scripts/qfork/lib
cc=${CLANG:-clang}


command -v "$cc" >/dev/null || skip "no $cc: install clang and libclang-rt-dev for libFuzzer"
rm -rf "$out" && mkdir -p "$out/seeds" "$out/corpus" || exit 1
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return d && n ? 0 : 0; }' \
    >"$out/probe.c"
"$cc" -fsanitize=fuzzer "$out/probe.c" -o "$out/probe" >"$out/probe.log" 2>&1 ||
    skip "$cc cannot link -fsanitize=fuzzer: install libclang-rt-dev (libFuzzer)"

# shellcheck disable=SC2046  # pkg-config output is a list of flags
"$cc" -std=c11 -g -O1 -Wall -Wextra -Werror \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    $(pkg-config --cflags glib-2.0) -I"$lib" \
    "$top/tests/fuzz/fuzz-series.c" "$lib/qf-series.c" "$lib/qf-error.c" \
    "$lib/qf-fs.c" \
    $(pkg-config --libs glib-2.0) -o "$out/fuzz-series" || exit 1

# Seeds: the real file, and pieces of it so that mutations stay cheap.
conf=$top/series.conf
cp "$conf" "$out/seeds/series.conf"
head -n 140 "$conf" >"$out/seeds/head.conf"
{ grep -m1 '^base' -A2 "$conf"; tail -n 20 "$conf"; } >"$out/seeds/tail.conf"
printf 'base 11.1.1\nupstream b64b7ed8bb5d\n  subject s\n' >"$out/seeds/min.conf"
cat >"$out/series.dict" <<'DICT'
"base "
"section "
"group "
"group -"
"upstream "
"sauce "
"downstream "
"  tarball "
"  sha256 "
"  min-release "
"  commit "
"  subject "
"  first-release "
"  patch "
"  impact "
"  reason "
"v11.0.0-rc1"
"March 2024"
"\x0a"
"\x09"
"patches/../"
DICT

cd "$out" || exit 1
./fuzz-series -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -dict=series.dict -artifact_prefix="$out/" \
    -print_final_stats=1 corpus seeds >fuzz.log 2>&1
rc=$?
if [ $rc -ne 0 ]; then
    # The report: sanitizer trace or broken invariant, not the dictionary.
    grep -m1 -A40 -e '^==[0-9]*==ERROR' -e 'invariant broken' -e 'runtime error' \
        -e '^ALARM' -e 'out-of-memory' fuzz.log || tail -n 40 fuzz.log
    echo "fuzz-series: failed (exit $rc); input saved as" \
        "$(find "$out" -maxdepth 1 -name 'crash-*' -o -name 'leak-*' \
            -o -name 'timeout-*' -o -name 'oom-*' | head -n 1)"
    exit 1
fi
grep -e '^Done' -e '^stat::' fuzz.log
runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' fuzz.log)
echo "fuzz-series: ${runs:-?} inputs in ${secs}s, no crash, leak or broken invariant"
