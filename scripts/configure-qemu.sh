#!/usr/bin/env bash
# Configure qemu/build for the Grace fork: aarch64-softmmu only, with what
# Grace guests need (iommufd, accelerated SMMUv3 + CMDQV, VFIO-PCI, ACPI
# generic initiators: all selected by Kconfig once VFIO is on, which
# `make verify` checks), system libfdt, pixman, libcap-ng, KVM on an
# aarch64 host.  configure runs again only when the options change.
#
# usage: scripts/configure-qemu.sh [TREE]   (default: qemu/ at the repo root)
set -euo pipefail
. "$(dirname "$0")/pipeline-lib.sh"

tree=$(cd "${1:-$TOP/qemu}" && pwd) || die "no QEMU tree at ${1:-$TOP/qemu}"
build=$tree/build
[ -x "$tree/configure" ] || die "$tree: not a QEMU source tree (no configure)"

# The fork and the exact series that built the binary, for --version:
# this repository's commit, and a digest of series.conf and every patch.
series_digest() {
    (cd "$TOP" && {
        sha256sum series.conf
        find patches -type f -name '*.patch' -print0 | sort -z | xargs -0r sha256sum
    }) | sha256sum | cut -c1-12
}
fork_describe() {
    git -C "$TOP" describe --always --tags 2>/dev/null || echo unknown
}
pkgversion="grace-fork $(fork_describe) series $(series_digest)"

# QEMU's configure must use the system python (meson >= 1.5, pycotap and
# qemu.qmp come as Debian packages), and never download anything.
opts=(
    --target-list=aarch64-softmmu
    --python=/usr/bin/python3
    --disable-download
    --disable-install-blobs
    --enable-fdt=system
    --enable-pixman
    --enable-cap-ng
    --disable-docs
)
if [ "$(uname -m)" = aarch64 ]; then
    opts+=(--enable-kvm)
fi
if command -v ccache >/dev/null && [ "${QEMU_CCACHE:-1}" != 0 ]; then
    opts+=("--cc=ccache ${CC:-gcc}")
else
    opts+=("--cc=${CC:-gcc}")
fi
opts+=("--with-pkgversion=$pkgversion")
# Extra options for experiments, e.g. QEMU_CONFIGURE_EXTRA=--enable-debug.
# shellcheck disable=SC2206
opts+=(${QEMU_CONFIGURE_EXTRA:-})

stamp=$build/grace-configure-options
wanted=$(printf '%s\n' "${opts[@]}")
if [ -f "$build/build.ninja" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
    banner "configure: options unchanged, keeping qemu/build ($pkgversion)"
    exit 0
fi

banner "configure: aarch64-softmmu ($pkgversion)"
for o in "${opts[@]}"; do note "$o"; done
mkdir -p "$build"
rm -f "$stamp"
log=$build/grace-configure.log
start=$(date +%s)
if ! (cd "$build" && ../configure "${opts[@]}") >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "QEMU configure failed (full log: qemu/build/grace-configure.log)"
fi
printf '%s\n' "$wanted" >"$stamp"
note "configured in $(($(date +%s) - start))s (log: qemu/build/grace-configure.log)"
