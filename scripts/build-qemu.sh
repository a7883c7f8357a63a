#!/usr/bin/env bash
# Build qemu-system-aarch64 and the QEMU qtests that `make check` runs, in
# qemu/build (qemu/build-ARCH for a cross build, GRACE_ARCH), with ninja.
# Progress is shown every few percent; the full ninja output is kept in
# grace-build.log there and its tail is shown when the build fails.
#
# usage: scripts/build-qemu.sh [TREE]      JOBS=N (default 2)
set -euo pipefail
. "$(dirname "$0")/pipeline-lib.sh"

grace_tree_and_build "$@"
[ -f "$build/build.ninja" ] || die "$build is not configured (run scripts/configure-qemu.sh)"

# What `make check` needs: the emulator, and QEMU's own qtests for the
# SMMUv3/NUMA/ACPI area (run by tests/qemu/qtest-*.sh).  A cross build
# needs no qtests of its own: the tests run this machine's (they only
# drive QEMU over a socket) against the cross-built binary.
targets=(qemu-system-aarch64)
grace_is_cross || targets+=(
    tests/qtest/iommu-smmuv3-test
    tests/qtest/numa-test
    tests/qtest/bios-tables-test
)
# ccache: paths relative to the repository root and no cwd in the hash, so
# two checkouts of the fork (and a CI clone) share one cache.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(dirname "$tree")}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

# The +ds tarball ships no option ROMs, so virtio-net-pci & co. fail on
# efi-virtio.rom.  A binary run from its build tree searches its firmware
# path inside qemu-bundle/ (the relocatable install), never in /usr: make
# that directory Debian's ipxe-qemu ROMs, as Debian's own qemu package
# does.  QEMU's numa-test needs this too.
link_option_roms() {
    local roms=/usr/lib/ipxe/qemu fwpath fwdir
    [ -d "$roms" ] || { note "no $roms (Debian package ipxe-qemu): virtio-net-pci will lack its ROM"; return 0; }
    fwpath=$(sed -n 's/^#define CONFIG_QEMU_FIRMWAREPATH "\([^"]*\)".*/\1/p' "$build/config-host.h")
    [ -n "$fwpath" ] || return 0
    fwdir=$build/qemu-bundle$fwpath
    if [ -e "$fwdir" ] && [ ! -L "$fwdir" ]; then
        return 0        # the build made it itself: leave it alone
    fi
    mkdir -p "$(dirname "$fwdir")"
    ln -sfn "$roms" "$fwdir"
}

banner "build: ninja -j${JOBS:-2} ${targets[*]}"
log=$build/grace-build.log
start=$(date +%s)
ccache_before=$(ccache --print-stats 2>/dev/null | awk '$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { h += $2 } END { print h + 0 }') || true
set +e
ninja -C "$build" -j"${JOBS:-2}" "${targets[@]}" 2>&1 | tee "$log" | awk -v t0="$start" '
    # Show "[N/M]" every 5% (and every line that is not a progress line:
    # compiler warnings, errors), so the console stays readable in CI.
    /^\[[0-9]+\/[0-9]+\]/ {
        step = $1; gsub(/[][]/, "", step); split(step, nm, "/")
        pct = int(100 * nm[1] / nm[2])
        if (pct >= next_pct || nm[1] == nm[2]) {
            printf "    [%3d%%] %s/%s steps, %ds\n", pct, nm[1], nm[2], systime() - t0
            fflush(); next_pct = pct - pct % 5 + 5
        }
        next
    }
    /^ninja: (Entering|no work)/ { next }
    { print; fflush() }'
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
    grep -n -A20 '^FAILED' "$log" | head -n 60 >&2 || tail -n 40 "$log" >&2
    die "QEMU build failed (full log: $rel/grace-build.log)"
fi
link_option_roms
hits=$(ccache --print-stats 2>/dev/null | awk '$1 == "direct_cache_hit" || $1 == "preprocessed_cache_hit" { h += $2 } END { print h + 0 }') || true
note "built in $(($(date +%s) - start))s; ccache hits this build: $(( ${hits:-0} - ${ccache_before:-0} ))"
# A binary for another architecture gets a one-word command that runs it
# under qemu-user, for tests and tools that take QEMU_SYSTEM=COMMAND.
write_user_wrapper() {
    local w=$build/qemu-system-aarch64-user
    printf '#!/bin/sh\n# %s under qemu-user (scripts/build-qemu.sh)\nexec%s "$@"\n' \
        "$rel/qemu-system-aarch64" "$(printf ' %q' "${run[@]}")" >"$w.tmp"
    chmod +x "$w.tmp"
    mv -f "$w.tmp" "$w"
}
runner=$(binary_runner "$build/qemu-system-aarch64") || exit 1
mapfile -t run <<<"$runner"
if [ ${#run[@]} -gt 1 ]; then
    write_user_wrapper
    note "an $(elf_deb_arch "$build/qemu-system-aarch64") binary: run here as $rel/qemu-system-aarch64-user (qemu-user)"
fi
note "$("${run[@]}" --version | head -n 1)"
